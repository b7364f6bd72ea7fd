// Data output keeps every value but never hands a terminal a control: found by a hostile review, a C1 CSI
// (U+009B) and a bidi override (U+202E) from the cluster reached the terminal raw through -o json and the
// dry run's request bodies.
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { serialize } from '../../src/render/formats.js';
import { escapeHidden } from '../../src/sanitize.js';

const RAW = /[\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const doc = { env: 'x\u009b31m\u202eevil\u2066', plain: 'v1.054', lines: 'a\nb', n: 3, del: 'a\u007fb' };

describe('data output escapes what a terminal acts on', () => {
  it('json: the same values to a parser, no raw character', () => {
    const text = serialize(doc, 'json');
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(doc);
  });

  it('yaml: the same values to a parser, no raw character', () => {
    const text = serialize(doc, 'yaml');
    expect(text).not.toMatch(RAW);
    expect(load(text)).toEqual(doc);
  });

  it('yaml without such characters keeps its plain style', () => {
    expect(serialize({ image: 'frontend:v1.054', replicas: 3 }, 'yaml')).toBe('image: frontend:v1.054\nreplicas: 3\n');
  });

  it('escapeHidden leaves ordinary text, Hangul included, alone', () => {
    expect(escapeHidden('{"a":"배너 v1.054"}')).toBe('{"a":"배너 v1.054"}');
  });
});
