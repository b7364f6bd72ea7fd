// The real krew (built from sigs.k8s.io/krew by the setup) and the real kubectl:
// - `kubectl krew install --manifest --archive` into a throw-away KREW_ROOT, then kubectl's plugin
//   discovery finds and runs `kubectl bluegreen`;
// - `kubectl krew install bluegreen` as users will type it, from a local index (a git dir, as krew wants)
//   whose manifest points at a local server holding release/ under the release-asset path;
// - krew-index's own validator, validate-krew-manifest: structure, and installing all five platforms
//   from their uris and finding LICENSE in each.
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_URL } from '../../scripts/packaging/targets.js';
import { cleanEnv, execAsync, MANIFEST, packageVersion, RELEASE_DIR, tempDir } from './helpers.js';

const krew = inject('krew');
const kubectl = inject('kubectl');
const validator = inject('validateKrewManifest');
const version = packageVersion();
const manifestText = readFileSync(MANIFEST, 'utf8');

let server: Server;
let base = '';

beforeAll(async () => {
  // Serves release/ as GitHub serves release assets: /releases/download/<tag>/<asset>.
  server = createServer((req, res) => {
    const prefix = `/releases/download/v${version}/`;
    const name = req.url?.startsWith(prefix) ? basename(req.url.slice(prefix.length)) : '';
    const file = join(RELEASE_DIR, name);
    if (!name || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Length': statSync(file).size, 'Content-Type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

/** The manifest with its uris on the local server instead of GitHub. */
const localManifest = (): string => manifestText.replaceAll(REPO_URL, base);

/**
 * A KREW_ROOT whose default index is a clone of a local git repository holding plugins/bluegreen.yaml
 * (krew fetches its index with git before `install <name>`; the real one is krew-index on GitHub), and
 * PATH with kubectl, kubectl-krew and $KREW_ROOT/bin, as after krew's own installation.
 */
function krewHome(): { root: string; env: NodeJS.ProcessEnv } {
  const home = tempDir();
  const root = join(home, 'krew-root');
  const origin = join(home, 'krew-index');
  mkdirSync(join(origin, 'plugins'), { recursive: true });
  writeFileSync(join(origin, 'plugins', 'bluegreen.yaml'), localManifest());
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], { cwd: home });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${String(r.stderr)}`);
  };
  git('init', '-q', origin);
  git('-C', origin, 'add', '.');
  git('-C', origin, 'commit', '-q', '-m', 'index');
  git('clone', '-q', origin, join(root, 'index', 'default'));
  const tools = join(home, 'tools');
  mkdirSync(tools);
  symlinkSync(kubectl, join(tools, 'kubectl'));
  symlinkSync(krew, join(tools, 'kubectl-krew'));
  const env = cleanEnv({ HOME: home, KREW_ROOT: root, PATH: [join(root, 'bin'), tools, process.env.PATH].join(delimiter) });
  return { root, env };
}

function expectInstalled(root: string): string {
  // krew's layout: store/<name>/<version>/ holds the files, bin/kubectl-<name> is a symlink into it.
  const link = join(root, 'bin', 'kubectl-bluegreen');
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  const target = readlinkSync(link);
  expect(target).toBe(join(root, 'store', 'bluegreen', `v${version}`, 'kubectl-bluegreen'));
  expect(statSync(target).mode & 0o777).toBe(0o755);
  expect(existsSync(join(root, 'store', 'bluegreen', `v${version}`, 'LICENSE'))).toBe(true);
  expect(existsSync(join(root, 'receipts', 'bluegreen.yaml'))).toBe(true);
  return link;
}

async function expectRunsThroughKubectl(env: NodeJS.ProcessEnv, link: string): Promise<void> {
  const list = await execAsync('kubectl', ['plugin', 'list'], { env });
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toContain(link);
  expect(list.stderr).not.toMatch(/warning/i);
  const r = await execAsync('kubectl', ['bluegreen', 'version', '--client'], { env });
  expect(r).toEqual({ code: 0, stdout: `kubectl-bluegreen v${version}\n`, stderr: '' });
  const help = await execAsync('kubectl', ['bluegreen', '--help'], { env });
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('kubectl bluegreen <command>');
}

describe('krew installs the plugin and kubectl runs it', () => {
  it('kubectl krew install --manifest --archive (linux/amd64), then plugin discovery, list, uninstall', async () => {
    const { root, env } = krewHome();
    const archive = join(RELEASE_DIR, 'kubectl-bluegreen_linux_amd64.tar.gz');
    const install = await execAsync('kubectl', ['krew', 'install', `--manifest=${MANIFEST}`, `--archive=${archive}`], { env });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain('Installed plugin: bluegreen');
    expect(install.stderr).toContain('kubectl bluegreen status -A'); // the caveats, shown after install

    const link = expectInstalled(root);
    await expectRunsThroughKubectl(env, link);

    // Installed from a manifest file rather than an index: krew lists it as "detached".
    const list = await execAsync('kubectl', ['krew', 'list'], { env });
    expect(list.stdout).toMatch(/^detached\/bluegreen$/m);
    const un = await execAsync('kubectl', ['krew', 'uninstall', 'bluegreen'], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(existsSync(link)).toBe(false);
  });

  it('kubectl krew install bluegreen from an index, downloading the release asset', async () => {
    const { root, env } = krewHome();
    const info = await execAsync('kubectl', ['krew', 'info', 'bluegreen'], { env });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`VERSION: v${version}`);
    const install = await execAsync('kubectl', ['krew', 'install', 'bluegreen'], { env });
    expect(install.code, install.stderr).toBe(0);
    await expectRunsThroughKubectl(env, expectInstalled(root));
    const list = await execAsync('kubectl', ['krew', 'list'], { env });
    expect(list.stdout).toMatch(/^bluegreen$/m);
    const un = await execAsync('kubectl', ['krew', 'uninstall', 'bluegreen'], { env });
    expect(un.code, un.stderr).toBe(0);
  });

  it('refuses an archive whose sha256 differs from the manifest (checked even with --archive)', async () => {
    const { env } = krewHome();
    // The arm64 archive offered for linux/amd64: right shape, wrong checksum.
    const wrong = join(RELEASE_DIR, 'kubectl-bluegreen_linux_arm64.tar.gz');
    const r = await execAsync('kubectl', ['krew', 'install', `--manifest=${MANIFEST}`, `--archive=${wrong}`], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checksum|sha256/i);
  });
});

describe("validate-krew-manifest (krew-index's CI check)", () => {
  /** The validator infers the plugin name from the file name, as in krew-index's plugins/ dir. */
  function asIndexFile(content: string): string {
    const f = join(tempDir(), 'bluegreen.yaml');
    writeFileSync(f, content);
    return f;
  }

  it('accepts the manifest (structure, selectors, no overlap)', async () => {
    const r = await execAsync(validator, ['-manifest', asIndexFile(manifestText), '-skip-install']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('structural validation OK');
    expect(r.stderr).toContain('no overlapping spec.platform[].selector');
  });

  it('installs every platform from its uri and finds LICENSE in each', async () => {
    // It runs `kubectl krew install --manifest` once per platform with KREW_OS/KREW_ARCH set.
    const { env } = krewHome();
    const r = await execAsync(validator, ['-manifest', asIndexFile(localManifest())], { env, timeout: 300_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toContain('all 5 spec.platforms installed fine');
  });

  it('rejects a manifest that breaks a rule (uppercase sha256)', async () => {
    const f = asIndexFile(manifestText.replace(/sha256: ([a-f0-9]{64})/, (_m, s: string) => `sha256: ${s.toUpperCase()}`));
    const r = await execAsync(validator, ['-manifest', f, '-skip-install']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sha256/);
  });
});
