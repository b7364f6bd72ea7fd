// The npm bin keeps V8's compile cache of the bundle in the user's cache directory: V8's cached data
// through vm.Script on every Node version, named by the bundle's content and the kind of run (one per
// kind). Written after a first successful run of its kind with at most 2 full garbage collections, the same
// output after, never written when turned off or by --help, and a damaged cache file costs nothing but its
// rewrite (it is never handed to V8, which would abort on a damaged body). Run on Node 20 (npm test) and
// Node 26 (npm run test:node26).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { WRAPPER_HEAD } from '../../scripts/build.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');
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
const temps: string[] = [];
const tempCache = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-cc-'));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
const COMPLETION = ['completion', 'bash'];
/** One cache per kind of run: a copy of the completion's serves another kind (V8's data is for the whole bundle). */
const asKind = (dir: string, kind: string) => {
  const [written] = files(dir);
  const other = join(dir, written!.replace(/\.completion\.v8$/, `.${kind}.v8`));
  writeFileSync(other, readFileSync(join(dir, written!)));
  return other;
};

describe('compile cache of the npm bundle', () => {
  it("is written by the first run (V8's cached data), and the output is the same after", () => {
    const cache = tempCache();
    const first = run(cache, COMPLETION);
    expect(first.status).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('_kubectl_bluegreen');
    expect(files(join(cache, 'kubectl-bluegreen', 'compile')).length).toBeGreaterThan(0);
    const second = run(cache, COMPLETION);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
  });

  it('the bundle is ASCII (a one-byte string for V8: ~7 ms less to load on Node 20), and runs from its cache as without', () => {
    const bundle = readFileSync(join(import.meta.dirname, '..', '..', 'dist', 'kubectl-bluegreen.cjs'));
    expect(bundle.findIndex((b) => b > 0x7f)).toBe(-1);
    const cache = tempCache();
    expect(run(cache, COMPLETION).status).toBe(0); // writes the cache
    expect(files(join(cache, 'kubectl-bluegreen', 'compile')).length).toBeGreaterThan(0);
    asKind(join(cache, 'kubectl-bluegreen', 'compile'), 'status-one');
    const argv = ['status', 'frontend', '--bogus', '--lang', 'ko'];
    const cached = run(cache, argv);
    const uncached = run(cache, argv, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(cached.status).toBe(2);
    expect(cached.stderr).toMatch(/^error: status에 없는 플래그 --bogus\./);
    expect(cached.stderr).toBe(uncached.stderr);
  });

  it('the bundle is compiled as it is: a function expression with CommonJS parameters, strict, that runs nothing by itself', () => {
    // bin/ passes the file to vm.Script unchanged (joining Node's wrapper at each start copied the 0.5 MB).
    const file = join(import.meta.dirname, '..', '..', 'dist', 'kubectl-bluegreen.cjs');
    const source = readFileSync(file, 'utf8');
    expect(source.startsWith(`${WRAPPER_HEAD}"use strict";`)).toBe(true);
    expect(source.endsWith('\n})')).toBe(true);
    expect(createRequire(file)(file)).toEqual({});
    const fn: unknown = new Script(source, { filename: file }).runInThisContext();
    expect(typeof fn).toBe('function');
    expect((fn as (...a: unknown[]) => unknown).length).toBe(5);
    // Called as a CommonJS module, it exports the entry points bin/ uses.
    const mod = { exports: {} as Record<string, unknown> };
    (fn as (...a: unknown[]) => unknown).call(mod.exports, mod.exports, createRequire(file), mod, file, join(file, '..'));
    expect(typeof mod.exports.runProcess).toBe('function');
  });

  it('the next run starts from the cache: it is not written again', () => {
    // A cache V8 rejected (another bundle, other flags) is rewritten by the run that found it so: a new file.
    const cache = tempCache();
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    expect(run(cache, COMPLETION).status).toBe(0);
    const [name] = files(dir);
    const first = statSync(join(dir, name!));
    expect(run(cache, ['completion', 'zsh']).status).toBe(0);
    const second = statSync(join(dir, name!));
    expect([second.ino, second.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    expect(files(dir)).toEqual([name]);
  });

  it('without XDG_CACHE_HOME or HOME, the cache goes under LOCALAPPDATA (Windows)', () => {
    const cache = tempCache();
    const env = { PATH: process.env.PATH ?? '', LOCALAPPDATA: cache, LANG: 'en_US.UTF-8' };
    const r = spawnSync(process.execPath, [BIN, ...COMPLETION], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(files(join(cache, 'kubectl-bluegreen', 'compile'))).toHaveLength(1);
  });

  it('a cache directory that cannot be made (a file where it should be) costs nothing: no output, exit 0', () => {
    // Found by trying it: the clean-up of the unwritten file threw ENOTDIR in the exit handler, a stack trace.
    const cache = tempCache();
    const notADir = join(cache, 'file');
    writeFileSync(notADir, 'not a directory');
    const r = run(notADir, COMPLETION);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('_kubectl_bluegreen');
  });

  it('NODE_DISABLE_COMPILE_CACHE=1 writes nothing', () => {
    const cache = tempCache();
    const r = run(cache, COMPLETION, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.status).toBe(0);
    expect(files(join(cache, 'kubectl-bluegreen'))).toEqual([]);
  });

  it('a run from the cached data still loads plugin-auth.cjs (the SOCKS5 agent), which import() could not', () => {
    const cache = tempCache();
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
    expect(run(cache, COMPLETION).status).toBe(0);
    // V8's data is for the whole bundle: the completion's run wrote it, status runs from a copy.
    const statusCache = asKind(dir, 'status-one');
    const before = readFileSync(statusCache);
    const r = run(cache, ['status', 'frontend', '-n', 'x'], { KUBECONFIG: kubeconfig });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^error: cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:9 \(through the proxy socks5:\/\/127\.0\.0\.1:1/,
    );
    expect(readFileSync(statusCache).equals(before)).toBe(true);
    // plugin-auth.cjs, require()d by the bundle, is kept by Node's own compile cache where Node has one.
    const nodeHasOne = typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache;
    expect(files(join(dir, 'node')).length > 0).toBe(nodeHasOne === 'function');
  });

  it('a damaged cache file is never handed to V8: the output is the same, and it is rewritten', () => {
    const cache = tempCache();
    const first = run(cache, COMPLETION);
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    const [name] = files(dir);
    const damaged = readFileSync(join(dir, name!));
    // The header (checksum) and V8's own header stay; the body is overwritten.
    damaged.fill(7, 32 + 200, 32 + 20000);
    writeFileSync(join(dir, name!), damaged);
    const second = run(cache, COMPLETION);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
    expect(readFileSync(join(dir, name!)).equals(damaged)).toBe(false);
  });

  it("a run with several full garbage collections writes no cache (V8 had dropped the bundle's code from it); the next short run does", () => {
    // Found in a benchmark run whose first command was a 10,000 listing (docs/PERFORMANCE.md, "Code cache of
    // the npm bundle"). The preload's exit handler runs before bin/'s and collects as a long command would
    // have (forced collections age bytecode as any other full one).
    const cache = tempCache();
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    const preload = join(cache, 'collect.cjs');
    const counted = join(cache, 'full-gcs');
    writeFileSync(
      preload,
      [
        "const v8 = require('node:v8');",
        'const gcs = new v8.GCProfiler();',
        'gcs.start();',
        "process.on('exit', () => {",
        "  v8.setFlagsFromString('--expose-gc');",
        "  const gc = require('node:vm').runInNewContext('gc');",
        '  for (let i = 0; i < 8; i++) gc();',
        "  const full = gcs.stop().statistics.filter((s) => s.gcType === 'MarkSweepCompact').length;",
        `  require('node:fs').writeFileSync(${JSON.stringify(counted)}, String(full));`,
        '});',
      ].join('\n'),
    );
    const long = run(cache, COMPLETION, { NODE_OPTIONS: `-r "${preload}"` });
    expect(long.status).toBe(0);
    expect(Number(readFileSync(counted, 'utf8'))).toBeGreaterThanOrEqual(6);
    expect(files(dir)).toEqual([]);
    const short = run(cache, COMPLETION);
    expect(short.status).toBe(0);
    expect(short.stdout).toBe(long.stdout);
    expect(files(dir)).toHaveLength(1);
  }, 30_000);

  it("keeps one cache per kind of run, none written by --help or a failed run, and removes other bundles' caches (and Node's) only after a week unused", () => {
    const cache = tempCache();
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    expect(run(cache, ['status', '--help']).status).toBe(0);
    expect(run(cache, ['status', '-A', '--chunk-size', 'x']).status).toBe(2);
    expect(files(dir)).toEqual([]);
    expect(run(cache, COMPLETION).status).toBe(0);
    const completion = run(cache, ['__complete', '']);
    expect(completion.status).toBe(0);
    const names = files(dir).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^bundle-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+\.complete\.v8$/);
    expect(names[1]).toBe(names[0]!.replace('.complete.v8', '.completion.v8'));
    const old = join(dir, 'bundle-0123456789abcdef-v0.0.0-x64.v8');
    const recent = join(dir, 'bundle-fedcba9876543210-v0.0.0-x64.status-one.v8');
    // This bundle's cache of a kind not run for a week goes too.
    const unusedKind = names[0]!.replace('.complete.v8', '.history.v8');
    writeFileSync(old, 'another bundle');
    writeFileSync(recent, 'another install');
    writeFileSync(join(dir, unusedKind), 'a kind not run for a week');
    // Node's own compile cache, which earlier releases used on Node >= 22.1: a directory of its own.
    const nodeCache = join(dir, 'v22.12.0-x64-efb3d2ec-0');
    const recentNodeCache = join(dir, 'v24.0.0-x64-0badc0de-0');
    mkdirSync(nodeCache);
    mkdirSync(recentNodeCache);
    writeFileSync(join(nodeCache, '1a2b3c'), 'cached');
    writeFileSync(join(recentNodeCache, '4d5e6f'), 'cached');
    const tenDaysAgo = (Date.now() - 10 * 24 * 3600 * 1000) / 1000;
    // Not ours, however old: a file not named bundle-*, a directory not named as Node names its caches.
    const notOurs = join(dir, 'notes.txt');
    const notNodes = join(dir, 'v1-backup');
    writeFileSync(notOurs, 'kept');
    mkdirSync(notNodes);
    writeFileSync(join(notNodes, '7a8b9c'), 'kept');
    for (const p of [old, nodeCache, notOurs, notNodes, join(dir, unusedKind)]) utimesSync(p, tenDaysAgo, tenDaysAgo);
    rmSync(join(dir, names[1]!)); // so that the next run writes (and cleans up)
    expect(run(cache, ['completion', 'zsh']).status).toBe(0);
    expect(files(dir).sort()).toEqual(
      [...names, 'bundle-fedcba9876543210-v0.0.0-x64.status-one.v8', '4d5e6f', 'notes.txt', '7a8b9c'].sort(),
    );
    expect(existsSync(nodeCache)).toBe(false);
    expect(run(cache, ['__complete', '']).stdout).toBe(completion.stdout);
  });

  it('a kind of run is named by its first words: status of one rollout or a listing, completion of a command or after one', () => {
    // A cache written by another kind lacks this kind's functions, which it would compile at every start.
    const cache = tempCache();
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    const kinds = () =>
      files(dir)
        .map((n) => n.replace(/^bundle-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+\./, ''))
        .sort();
    expect(run(cache, ['__complete', '']).status).toBe(0);
    expect(run(cache, ['__complete', 'status', '']).status).toBe(0);
    expect(kinds()).toEqual(['complete-args.v8', 'complete.v8']);
    const [name] = files(dir).filter((n) => n.endsWith('.complete.v8'));
    const first = statSync(join(dir, name!));
    expect(run(cache, ['__complete', 'st']).status).toBe(0); // the same kind: read, not written again
    const again = statSync(join(dir, name!));
    expect([again.ino, again.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    // And by the loader's kindOf, for the words a run starts with.
    const { kindOf } = createRequire(import.meta.url)('../../bin/bundle-loader.cjs') as { kindOf: (argv: string[]) => string };
    expect(
      [
        ['status', 'frontend', '-n', 'x'],
        ['status', '-n', 'x'],
        ['status', '-A'],
        ['status'],
        ['status', '-n', 'x', 'frontend'], // another order: the listing's cache (only a worse fit)
        ['promote', 'frontend', '--yes'],
        ['set-image', 'frontend', 'app=x:v2'],
        ['__complete', ''],
        ['__complete', 'promote', ''],
        ['-n', 'x', 'status'],
        ['../../etc', 'x'],
        [],
      ].map(kindOf),
    ).toEqual([
      'status-one',
      'status-list',
      'status-list',
      'status-list',
      'status-list',
      'promote',
      'set-image',
      'complete',
      'complete-args',
      'other',
      'other',
      'other',
    ]);
  });
});
