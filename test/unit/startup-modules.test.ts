// What a run loads of Node's own library. Each built-in module is compiled at start-up (Node 20: ~0.3 ms
// each); a run that never asks (--yes) must not load readline (seven modules), and none should load
// perf_hooks through the global `performance` (nine) or timers/promises. `promote --yes` loaded all
// three before its first request; taking them out brought that request 8-9 ms sooner (measured). The
// test's server is an IP address, which needs no node:dns (~1 ms: src/kube/early-connect.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../cli/fake-apiserver.js';
import { loadFixture } from '../fixtures/load.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');
const NOT_AT_START = ['readline', 'perf_hooks', 'timers/promises', 'dns'];

let fake: FakeApiServer;
let dir: string;
let kubeconfig: string;
let preload: string;

beforeAll(async () => {
  fake = await FakeApiServer.start({ token: 'sekret-token-0123456789abcdef' });
  const f = loadFixture('christmas.yaml');
  fake.load({ rollout: f.rollout, replicaSets: f.replicaSets, services: f.services });
  dir = mkdtempSync(join(tmpdir(), 'bluegreen-modules-'));
  kubeconfig = fake.kubeconfig(dir);
  preload = join(dir, 'modules.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify(process.moduleLoadList)));\n",
  );
});

afterAll(async () => {
  await fake?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The built-in modules the run loaded, by name ('readline', 'internal/perf/performance', ...). */
async function loaded(argv: string[]): Promise<string[]> {
  const out = join(dir, `modules-${argv[0]}.json`);
  // Not spawnSync: the test's API server runs in this process.
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const env = { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, HOME: dir, LANG: 'en_US.UTF-8', MODULES_OUT: out };
    const cp = execFile(process.execPath, ['-r', preload, BIN, ...argv, '-n', 'apc-fe-ns'], { env, timeout: 15_000 }, (_e, _out, stderr) =>
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
});
