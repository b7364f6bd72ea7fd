// The npm bin keeps V8's compile cache of the bundle in the user's cache directory where Node has one
// (module.enableCompileCache, Node >= 22.1): written after a first run, the same output after, and never
// written when turned off. On Node 20 nothing is written and the output is the same.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');
const HAS_CACHE =
  typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const run = (cache: string, argv: string[], extra: Record<string, string> = {}) => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', XDG_CACHE_HOME: cache, LANG: 'en_US.UTF-8', ...extra };
  return spawnSync(process.execPath, [BIN, ...argv], { env, encoding: 'utf8' });
};
const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
    : [];

describe('compile cache of the npm bundle', () => {
  it(`${HAS_CACHE ? 'is written by the first run' : 'is not written on this Node'}, and the output is the same after`, () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const first = run(cache, ['status', '--help']);
    expect(first.status).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('--chunk-size');
    expect(files(join(cache, 'kubectl-bluegreen', 'compile')).length > 0).toBe(HAS_CACHE);
    const second = run(cache, ['status', '--help']);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
  });

  it('NODE_DISABLE_COMPILE_CACHE=1 writes nothing', () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const r = run(cache, ['status', '--help'], { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.status).toBe(0);
    expect(files(join(cache, 'kubectl-bluegreen'))).toEqual([]);
  });
});
