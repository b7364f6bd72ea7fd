// Every single executable is run where this machine can run it (linux/amd64 natively, linux/arm64 under
// qemu-user) and otherwise taken apart: format and CPU, the SEA blob holding this very bundle, the fuse
// Node flips, and for darwin the ad-hoc signature recomputed page by page. An executable that exits 0
// and prints nothing (a generator/target version mismatch) fails here.
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dump, load } from 'js-yaml';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  detectFormat,
  fuseState,
  peCertificateTable,
  seaBlob,
  seaBlobHeader,
  verifyMachoSignature,
} from '../../scripts/packaging/inspect.js';
import { TARGETS, targetId, type Target } from '../../scripts/packaging/targets.js';
import { FakeApiServer } from '../cli/fake-apiserver.js';

const FAKE_TOKEN = 'packaging-test-token';
import { loadFixture } from '../fixtures/load.js';
import { cleanEnv, execAsync, packageVersion, RELEASE_DIR, tempDir, type Result } from './helpers.js';

const executables = inject('executables');
const version = `kubectl-bluegreen v${packageVersion()}`;
const bundle = readFileSync(join(RELEASE_DIR, '.build', 'kubectl-bluegreen.cjs'));
const main = readFileSync(join(RELEASE_DIR, '.build', 'sea-main.cjs'));

/** How to run a target's executable here, or null when this machine cannot. */
function runner(t: Target): ((args: string[], env?: NodeJS.ProcessEnv) => Promise<Result>) | null {
  const exe = executables[targetId(t)]!;
  let cmd: [string, string[]] | null = null;
  if (process.platform === 'linux' && t.os === 'linux') {
    if ((t.arch === 'amd64' && process.arch === 'x64') || (t.arch === 'arm64' && process.arch === 'arm64')) cmd = [exe, []];
    // qemu-user from scripts/install-packaging-deps.sh; the cross libc is the dynamic loader's root.
    else if (t.arch === 'arm64') cmd = ['qemu-aarch64-static', ['-L', '/usr/aarch64-linux-gnu', exe]];
  }
  if (!cmd) return null;
  const [file, pre] = cmd;
  return (args, env = cleanEnv()) => execAsync(file, [...pre, ...args], { env });
}

let fake: FakeApiServer;
beforeAll(async () => {
  fake = await FakeApiServer.start({ token: FAKE_TOKEN });
  const f = loadFixture('christmas.yaml');
  fake.load({ rollout: f.rollout, replicaSets: f.replicaSets, services: f.services });
});
afterAll(async () => {
  await fake?.stop();
});

describe.each(TARGETS.filter((t) => runner(t)).map((t) => [targetId(t), t] as const))('%s runs here', (_id, t) => {
  const run = runner(t)!;

  it('prints its version for `version --client` and `--version`, and nothing on stderr', async () => {
    for (const args of [['version', '--client'], ['--version']]) {
      const r = await run(args);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('shows help as `kubectl bluegreen` (yargs and the i18n tables are in the bundle)', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('kubectl bluegreen <command>');
    for (const cmd of ['status', 'promote', 'undo', 'abort']) expect(r.stdout).toContain(cmd);
  });

  it('talks to an API server: the lazily imported client is inlined and TLS works', async () => {
    const dir = tempDir();
    const r = await run(['status', 'frontend', '-n', 'apc-fe-ns'], cleanEnv({ KUBECONFIG: fake.kubeconfig(dir), LANG: 'en_US.UTF-8' }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('registry.example.com/apc/frontend:v1.054');
    expect(r.stdout).toContain('ACTIVE');
  });

  it('an exec credential plugin works: client-node is loaded from the embedded asset', async () => {
    const dir = tempDir();
    const cred = join(dir, 'cred');
    writeFileSync(
      cred,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${FAKE_TOKEN}"}}'\n`,
    );
    chmodSync(cred, 0o755);
    const kc = load(readFileSync(fake.kubeconfig(dir), 'utf8')) as { users: Array<{ user: unknown }> };
    kc.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: cred, interactiveMode: 'Never' } };
    const file = join(dir, 'kubeconfig-exec');
    writeFileSync(file, dump(kc));
    const r = await run(['status', 'frontend', '-n', 'apc-fe-ns'], cleanEnv({ KUBECONFIG: file, LANG: 'en_US.UTF-8' }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ACTIVE');
  });

  it("keeps the bundle's compiled code in the user's cache directory: written by a first run of each kind, used by the next", async () => {
    const cache = tempDir();
    const env = (extra: Record<string, string> = {}) => cleanEnv({ XDG_CACHE_HOME: cache, LANG: 'en_US.UTF-8', ...extra });
    const dir = join(cache, 'kubectl-bluegreen', 'compile');
    const listed = () => (existsSync(dir) ? readdirSync(dir) : []);
    // Turned off, and --help: none written.
    expect((await run(['completion', 'bash'], env({ NODE_DISABLE_COMPILE_CACHE: '1' }))).code).toBe(0);
    expect((await run(['--help'], env())).code).toBe(0);
    expect(listed()).toEqual([]);
    const first = await run(['completion', 'bash'], env());
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('_kubectl_bluegreen');
    const files = listed();
    expect(files).toHaveLength(1);
    // Named by the bundle's content and the executable's Node.
    expect(files[0]).toMatch(/^bundle-[0-9a-f]{16}-v\d+\.\d+\.\d+-(x64|arm64)\.completion\.v8$/);
    const before = statSync(join(dir, files[0]!));
    const second = await run(['completion', 'bash'], env());
    expect(second).toEqual(first);
    // Not written again: the second run started from it (V8 accepted it).
    const after = statSync(join(dir, files[0]!));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    // Another kind of run keeps a cache of its own.
    expect((await run(['__complete', ''], env())).code).toBe(0);
    expect(listed().sort()).toEqual([files[0]!.replace('.completion.', '.complete.'), files[0]!]);
  });

  it('reports a usage error with exit code and one line, no stack trace', async () => {
    const r = await run(['no-such-command']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.each(TARGETS.map((t) => [targetId(t), t] as const))('%s executable, taken apart', (_id, t) => {
  const exe = readFileSync(executables[targetId(t)]!);

  it('has the right format and CPU', () => {
    const want = {
      linux_amd64: { kind: 'elf', machine: 'x86_64' },
      linux_arm64: { kind: 'elf', machine: 'aarch64' },
      darwin_amd64: { kind: 'macho', cpu: 'x86_64' },
      darwin_arm64: { kind: 'macho', cpu: 'arm64' },
      windows_amd64: { kind: 'pe', machine: 'amd64', pe32plus: true },
    }[targetId(t)];
    expect(detectFormat(exe)).toEqual(want);
  });

  it('carries a NODE_SEA_BLOB with this main and bundle, and the fuse is flipped', () => {
    expect(fuseState(exe)).toBe('1');
    const blob = seaBlob(exe);
    expect(blob, 'NODE_SEA_BLOB resource/segment/note').not.toBeNull();
    expect(blob!.includes(main)).toBe(true);
    expect(blob!.includes(bundle)).toBe(true);
    // No build-time code cache on any target: the bundle's is kept at run time (bin/bundle-loader.cjs).
    expect(seaBlobHeader(blob!).codeCache).toBe(false);
  });

  if (t.os === 'windows') {
    it('has no certificate table left pointing into the SEA resources (unsigned, not malformed)', () => {
      expect(peCertificateTable(exe)).toEqual({ offset: 0, size: 0 });
    });
  }

  if (t.os === 'darwin') {
    it('is signed ad hoc: LC_CODE_SIGNATURE present, every page hash and special slot matches', () => {
      const sig = verifyMachoSignature(exe);
      expect(sig).toMatchObject({
        identifier: 'kubectl-bluegreen',
        adhoc: true,
        // No hardened runtime: V8's JIT would then need the allow-jit entitlement.
        hardenedRuntime: false,
        hashType: 2,
        pageSize: 4096,
        execSegFlags: 1n, // CS_EXECSEG_MAIN_BINARY
      });
    });

    it('the signature check notices a changed byte', () => {
      const tampered = Buffer.from(exe);
      tampered[0x5000] = tampered[0x5000]! ^ 0xff;
      expect(() => verifyMachoSignature(tampered)).toThrow(/page 5 hash mismatch/);
    });
  }
});
