// The npm bin keeps V8's compile cache of the bundle in the user's cache directory (bin/kubectl-bluegreen):
// written after a first run, used by the next, harmless when damaged, and never written when turned off.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');
const run = (cache: string, extra: Record<string, string> = {}) => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', XDG_CACHE_HOME: cache, LANG: 'en_US.UTF-8', ...extra };
  return spawnSync(process.execPath, [BIN, 'status', '--help'], { env, encoding: 'utf8' });
};
const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name)
    : [];

describe('compile cache of the npm bundle', () => {
  it('is written by the first run and gives the same output after; a damaged cache file changes nothing', () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    const first = run(cache);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('--chunk-size');
    expect(files(dir).length).toBeGreaterThan(0);
    const second = run(cache);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    // Node 20's own file: garbage in it is rejected by V8, and the run is as before.
    for (const f of files(dir).filter((n) => n.startsWith('bundle-'))) writeFileSync(join(dir, f), 'not a code cache');
    const damaged = run(cache);
    expect(damaged.status).toBe(0);
    expect(damaged.stdout).toBe(first.stdout);
    expect(damaged.stderr).toBe('');
    // ... and it is written again
    for (const f of files(dir).filter((n) => n.startsWith('bundle-')))
      expect(readFileSync(join(dir, f), 'utf8')).not.toBe('not a code cache');
  });

  it('NODE_DISABLE_COMPILE_CACHE=1 writes nothing', () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const r = run(cache, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.status).toBe(0);
    expect(files(join(cache, 'kubectl-bluegreen'))).toEqual([]);
  });
});
