// The npm bin keeps V8's compile cache of the bundle in the user's cache directory: Node's own
// (module.enableCompileCache) on Node >= 22.1, V8's cached data through vm.Script before that. Written
// after a first run, the same output after, never written when turned off, and a damaged cache file
// costs nothing but its rewrite.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/spec.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');
const NODE_CACHE =
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
  it(`is written by the first run (${NODE_CACHE ? "Node's compile cache" : "V8's cached data"}), and the output is the same after`, () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const first = run(cache, ['status', '--help']);
    expect(first.status).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('--chunk-size');
    expect(files(join(cache, 'kubectl-bluegreen', 'compile')).length).toBeGreaterThan(0);
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

  it.runIf(!NODE_CACHE)('a run from the cached data still loads plugin-auth.cjs (the SOCKS5 agent), which import() could not', () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const kubeconfig = join(cache, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: c',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:9", proxy-url: "socks5://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: c, context: {cluster: c, user: u}}]',
      ].join('\n'),
    );
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    for (const round of ['written', 'read']) {
      const r = run(cache, ['status', 'frontend', '-n', 'x'], { KUBECONFIG: kubeconfig });
      expect(r.status, round).toBe(1);
      expect(r.stderr, round).toMatch(
        /^error: cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:9 \(through the proxy socks5:\/\/127\.0\.0\.1:1/,
      );
      expect(files(dir).length, round).toBe(1);
    }
  });

  it.runIf(!NODE_CACHE)('a damaged cache file is rejected by V8, the output is the same, and it is rewritten', () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const first = run(cache, ['status', '--help']);
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    const [name] = files(dir);
    const good = readFileSync(join(dir, name!));
    writeFileSync(join(dir, name!), Buffer.alloc(good.length, 7));
    const second = run(cache, ['status', '--help']);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
    expect(readFileSync(join(dir, name!)).equals(Buffer.alloc(good.length, 7))).toBe(false);
  });

  it.runIf(!NODE_CACHE)('keeps one cache per command (each keeps the functions its own runs compile), of one bundle only', () => {
    const cache = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    const help = run(cache, ['status', '--help']);
    const promote = run(cache, ['promote', '--help']);
    expect([help.status, promote.status]).toEqual([0, 0]);
    const names = files(dir).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/-promote\.v8$/);
    expect(names[1]).toMatch(/-status\.v8$/);
    // A cache of another bundle or Node version is removed when a new one is written.
    writeFileSync(join(dir, 'bundle-0.0.0-1-1-v0-x64-status.v8'), 'old');
    expect(run(cache, ['diff', '--help']).status).toBe(0);
    expect(files(dir).sort()).toEqual([...names, names[0]!.replace(/-promote\.v8$/, '-diff.v8')].sort());
    expect(run(cache, ['promote', '--help']).stdout).toBe(promote.stdout);
  });

  it("bin's list of commands is the spec's", () => {
    const bin = readFileSync(BIN, 'utf8');
    const listed = /const COMMANDS = new Set\(\[([^\]]*)\]\)/
      .exec(bin)![1]!
      .match(/'([a-z-]+)'/g)!
      .map((q) => q.slice(1, -1));
    expect(listed.sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });
});
