// What a run loads of Node's own library. Each built-in module is compiled at start-up (Node 20: ~0.3 ms
// each); a run that never asks (--yes) must not load readline (seven modules), and none should load
// perf_hooks through the global `performance` (nine) or timers/promises. `promote --yes` loaded all
// three before its first request; taking them out brought that request 8-9 ms sooner (measured). The
// test's server is an IP address, which needs no node:dns (~1 ms: src/kube/early-connect.ts). A listing
// loads node:v8 (four modules; ~4 ms) for its heap flags only once its first request is out
// (src/cli/listing-heap.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../cli/fake-apiserver.js';
import { loadFixture } from '../fixtures/load.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');
const NOT_AT_START = ['readline', 'perf_hooks', 'timers/promises', 'dns'];
/** node:v8 and what it loads (Node 20 to 26), not Node's own bootstrap's (internal/v8/startup_snapshot). */
const NODE_V8 = ['v8', 'internal/heap_utils', 'internal/v8/heap_profile', 'internal/v8/cpu_profiler'];

let fake: FakeApiServer;
let dir: string;
let kubeconfig: string;
let preload: string;
/** Records the modules loaded when the run's first request is made (https.request or an HTTP/2 stream). */
let atFirstRequest: string;

beforeAll(async () => {
  // HTTP/2 offered (HTTP/1.1 allowed): on a Node where the plugin speaks HTTP/2 (>= 22), its modules are the run's.
  fake = await FakeApiServer.start({ token: 'sekret-token-0123456789abcdef', http2: true });
  const f = loadFixture('christmas.yaml');
  fake.load({ rollout: f.rollout, replicaSets: f.replicaSets, services: f.services });
  dir = mkdtempSync(join(tmpdir(), 'bluegreen-modules-'));
  kubeconfig = fake.kubeconfig(dir);
  preload = join(dir, 'modules.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify(process.moduleLoadList)));\n",
  );
  atFirstRequest = join(dir, 'first-request.cjs');
  writeFileSync(
    atFirstRequest,
    [
      "const Module = require('node:module');",
      'let done = false;',
      "const record = () => { if (!done) { done = true; require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify(process.moduleLoadList)); } };",
      'const load = Module._load;',
      'Module._load = function (request, ...rest) {',
      '  const m = load.call(this, request, ...rest);',
      "  const name = request.replace(/^node:/, '');",
      "  if (name === 'https' && !m.recorded) { m.recorded = true; const request = m.request; m.request = function (...a) { record(); return request.apply(this, a); }; }",
      "  if (name === 'http2' && !m.recorded) { m.recorded = true; const connect = m.connect; m.connect = function (...a) { record(); return connect.apply(this, a); }; }",
      '  return m;',
      '};',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await fake?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The built-in modules the run loaded, by name ('readline', 'internal/perf/performance', ...). */
async function loaded(argv: string[], o: { at?: 'exit' | 'first request'; env?: Record<string, string> } = {}): Promise<string[]> {
  const out = join(dir, `modules-${argv[0]}.json`);
  // A hook that never fires (the transport no longer calling https.request or http2.connect) must fail the
  // test, not let it read an earlier run's file.
  rmSync(out, { force: true });
  // Not spawnSync: the test's API server runs in this process.
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const env = { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, HOME: dir, LANG: 'en_US.UTF-8', MODULES_OUT: out, ...o.env };
    const hook = o.at === 'first request' ? atFirstRequest : preload;
    const cp = execFile(process.execPath, ['-r', hook, BIN, ...argv, '-n', 'apc-fe-ns'], { env, timeout: 15_000 }, (_e, _out, stderr) =>
      resolve({ code: cp.exitCode, stderr }),
    );
  });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
}

describe("Node's built-in modules a run loads", () => {
  it.each([
    ['status', ['status', 'frontend']],
    ['promote --yes (reads, guard, write, record)', ['promote', 'frontend', '--yes']],
  ])('%s: none of readline, perf_hooks, timers/promises, dns', async (_name, argv) => {
    const modules = await loaded(argv);
    expect(modules).toContain('tls'); // the list is the run's: it spoke to the server
    expect(modules.filter((m) => NOT_AT_START.includes(m))).toEqual([]);
  });

  it('a listing: node:v8 is not loaded before its first request, and is by its end (its heap flags)', async () => {
    // Without the code cache, whose first write loads node:v8 at the start (bin/bundle-loader.cjs).
    const env = { NODE_DISABLE_COMPILE_CACHE: '1' };
    const first = await loaded(['status', '-A'], { at: 'first request', env });
    expect(first).toContain('tls'); // recorded at a request: the connection's modules are in
    expect(first.filter((m) => NODE_V8.includes(m))).toEqual([]);
    expect(await loaded(['status', '-A'], { env })).toContain('v8');
  });
});
