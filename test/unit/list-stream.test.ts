// The List reader that hands over items as they arrive: whatever the chunking, it yields exactly the
// items JSON.parse would, and the rest of the List.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListStream } from '../../src/kube/list-stream.js';

function read(text: string, cuts: number[]): { items: unknown[]; rest: Record<string, unknown> } {
  const buf = Buffer.from(text, 'utf8');
  const items: unknown[] = [];
  const s = new ListStream((it) => items.push(it));
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < buf.length)].sort((a, b) => a - b)) {
    s.write(buf.subarray(from, cut));
    from = cut;
  }
  s.write(buf.subarray(from));
  return { items, rest: s.end() };
}

const item = fc.record({
  metadata: fc.record({ name: fc.string(), annotations: fc.dictionary(fc.string(), fc.string()) }),
  spec: fc.jsonValue(),
  note: fc.string({ unit: 'binary' }),
});

describe('ListStream', () => {
  it('yields every item and the rest, whatever the chunk boundaries (multi-byte text, braces and quotes in strings)', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), fc.string(), (items, cuts, cont) => {
        const list = { kind: 'RolloutList', apiVersion: 'argoproj.io/v1alpha1', metadata: { resourceVersion: '5', continue: cont }, items };
        const text = JSON.stringify(list, null, Math.random() < 0.5 ? 2 : undefined);
        const got = read(
          text,
          cuts.map((c) => c % (text.length + 1)),
        );
        expect(got.items).toEqual(JSON.parse(text).items);
        expect(got.rest).toEqual({ ...JSON.parse(text), items: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('items whose own fields look like the next item (nested arrays of objects with the same start) are never cut wrong', () => {
    // A nested array of {"metadata":{...}} objects puts `},{"metadata":{` inside an item: a candidate end
    // the fast way must reject (it does not parse) before it finds the real one.
    const nested = fc.array(fc.record({ metadata: fc.record({ name: fc.string() }), x: fc.jsonValue() }), { maxLength: 4 });
    const withLookalikes = fc.record({
      metadata: fc.record({ name: fc.string(), managedFields: fc.array(fc.record({ apiVersion: fc.constant('v1'), f: fc.jsonValue() })) }),
      spec: fc.record({ claims: nested, more: nested, s: fc.string({ unit: 'binary' }) }),
    });
    fc.assert(
      fc.property(
        fc.array(withLookalikes, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (items, cuts, pretty) => {
          const text = JSON.stringify({ kind: 'List', metadata: { continue: 'x' }, items }, null, pretty ? 1 : undefined);
          const got = read(
            text,
            cuts.map((c) => c % (text.length + 1)),
          );
          expect(got.items).toEqual(JSON.parse(text).items);
          expect(got.rest).toEqual({ kind: 'List', metadata: { continue: 'x' }, items: [] });
        },
      ),
      { numRuns: 500 },
    );
    // In one chunk: all but the last (nothing follows it) are found the fast way, past the lookalike ends inside them.
    const item = (n: string) => ({ metadata: { name: n }, spec: { claims: [{ metadata: { name: 'c1' } }, { metadata: { name: 'c2' } }] } });
    const items = ['a', 'b', 'c', 'd'].map(item);
    const s = new ListStream(() => undefined);
    s.write(Buffer.from(JSON.stringify({ items })));
    s.end();
    expect(JSON.stringify({ items })).toContain('},{"metadata":{"name":"c2"');
    expect(s.fastItems).toBe(3);
  });

  it('finds the items of a real-sized page the fast way (not byte by byte), in 64 KiB chunks as the API server sends them', () => {
    const rollout = (i: number) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: {
        name: `app-${i}`,
        namespace: 'ns',
        managedFields: [{ apiVersion: 'argoproj.io/v1alpha1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
      },
      spec: { template: { spec: { containers: [{ name: 'app', image: `frontend:v1.0${i}` }] } } },
      status: { conditions: [{ type: 'Available', status: 'True', message: 'x'.repeat(i % 300) }] },
    });
    const items = Array.from({ length: 500 }, (_, i) => rollout(i));
    const buf = Buffer.from(JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', items, kind: 'RolloutList', metadata: {} }));
    const got: unknown[] = [];
    const s = new ListStream((it) => got.push(it));
    for (let at = 0; at < buf.length; at += 65536) s.write(buf.subarray(at, at + 65536));
    s.end();
    expect(got).toEqual(items);
    // Only the last item (nothing follows it) and those cut by a chunk boundary twice are read byte by byte.
    expect(s.fastItems).toBeGreaterThanOrEqual(498);
  });

  it('items that share no prefix are still read exactly (the fast way gives up after a few misses)', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ [`k${i}`]: { metadata: { n: i } }, metadata: { name: `n${i}` } }));
    for (const size of [7, 100, 4096]) {
      const text = JSON.stringify({ items, kind: 'List' });
      const got = read(
        text,
        Array.from({ length: Math.ceil(text.length / size) }, (_, i) => i * size),
      );
      expect(got.items).toEqual(items);
    }
  });

  it('items with no prefix it can learn (pretty-printed, metadata far in) are read the exact way, in one large chunk', () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ spec: { note: 'x'.repeat(300) }, metadata: { name: `n${i}` } }));
    const text = JSON.stringify({ items }, null, 1);
    const got: unknown[] = [];
    const s = new ListStream((it) => got.push(it));
    s.write(Buffer.from(text));
    s.end();
    expect(got).toEqual(items);
    expect(s.fastItems).toBe(0);
  });

  it('a quote after a run of backslashes split across chunks ends the string only when the run is even', () => {
    const item = { metadata: { name: 'a' }, s: 'a\\\\"{[', t: '\\', u: '}]},{"metadata":{' };
    const text = JSON.stringify({ items: [item, item, item], kind: 'List' });
    for (let cut = 0; cut <= text.length; cut++) {
      expect(read(text, [cut, cut + 1, cut + 3]).items).toEqual([item, item, item]);
    }
  });

  it('items before or after metadata, an empty list, and a byte-by-byte stream', () => {
    const text = '{"items":[{"a":"}]\\"x"},{"b":[1,{"c":"é"}]}],"metadata":{"continue":"abc"},"kind":"List"}';
    const byByte = read(
      text,
      Array.from({ length: text.length }, (_, i) => i),
    );
    expect(byByte.items).toEqual([{ a: '}]"x' }, { b: [1, { c: 'é' }] }]);
    expect(byByte.rest).toEqual({ items: [], metadata: { continue: 'abc' }, kind: 'List' });
    expect(read('{"kind":"List","items":[]}', [3, 10])).toEqual({ items: [], rest: { kind: 'List', items: [] } });
  });

  it('a body cut short is an error, not a silent partial list', () => {
    const s = new ListStream(() => undefined);
    s.write(Buffer.from('{"items":[{"a":1},{"b"'));
    expect(() => s.end()).toThrow(SyntaxError);
  });
});
