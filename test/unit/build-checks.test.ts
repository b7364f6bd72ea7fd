// The build's checks on a bundle (scripts/build.ts wrapAndCheck): a bundle that fails one is not left where
// bin/ would run it. bin/ reads the bundle as latin1, so a non-ASCII one left behind would run garbled.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WRAPPER_HEAD, wrapAndCheck } from '../../scripts/build.js';

const dir = mkdtempSync(join(tmpdir(), 'bluegreen-build-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bundle(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

describe('wrapAndCheck', () => {
  it('wraps a good bundle and returns the SHA-256 of what it wrote', () => {
    const file = bundle('good.cjs', '"use strict";module.exports={a:/\\u00e9/};');
    const hash = wrapAndCheck(file);
    const written = readFileSync(file, 'utf8');
    expect(written.startsWith(WRAPPER_HEAD)).toBe(true);
    expect(hash).toBe(createHash('sha256').update(written).digest('hex'));
  });

  it.each([
    ['not ASCII (a regular expression literal with é)', 'module.exports={a:/é/};', /is not ASCII at/],
    ['a dynamic import() left', 'module.exports=()=>import("./x.js");', /dynamic import\(\) calls were not inlined/],
    ['not JavaScript that compiles', 'module.exports={;', SyntaxError],
  ])('%s: throws, and the file is gone', (_what, body, message) => {
    const file = bundle(`bad-${Math.random().toString(36).slice(2)}.cjs`, body);
    expect(() => wrapAndCheck(file)).toThrow(message);
    expect(existsSync(file)).toBe(false);
  });
});
