// The real krew (built from sigs.k8s.io/krew by the setup) and the real kubectl:
// - `kubectl krew install --manifest --archive` into a throw-away KREW_ROOT, then kubectl's plugin
//   discovery finds and runs `kubectl bluegreen`;
// - krew-index's own validator, validate-krew-manifest, on the manifest: structure, and (with the uris
//   pointed at a local server holding release/) installing all five platforms and finding LICENSE.
import { createReadStream, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_URL } from '../../scripts/packaging/targets.js';
import { cleanEnv, exec, MANIFEST, packageVersion, RELEASE_DIR, tempDir } from './helpers.js';

const krew = inject('krew');
const kubectl = inject('kubectl');
const version = packageVersion();

/** A bin dir with `kubectl` and `kubectl-krew`, so `kubectl krew …` works as users run it. */
function toolsDir(): string {
  const d = join(tempDir(), 'tools');
  mkdirSync(d);
  symlinkSync(kubectl, join(d, 'kubectl'));
  symlinkSync(krew, join(d, 'kubectl-krew'));
  return d;
}

describe('kubectl krew install --manifest --archive (linux/amd64)', () => {
  it('installs, is found by kubectl plugin discovery, runs, and uninstalls', () => {
    const root = join(tempDir(), 'krew-root');
    const env = cleanEnv({ KREW_ROOT: root, PATH: [join(root, 'bin'), toolsDir(), process.env.PATH].join(delimiter), HOME: tempDir() });
    const archive = join(RELEASE_DIR, 'kubectl-bluegreen_linux_amd64.tar.gz');

    const install = exec('kubectl', ['krew', 'install', `--manifest=${MANIFEST}`, `--archive=${archive}`], { env });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toContain('Installed plugin: bluegreen');
    // The caveats are shown after install.
    expect(install.stderr).toContain('kubectl bluegreen status -A');

    // krew's layout: store/<name>/<version>/ with the files, bin/kubectl-<name> a symlink into it.
    const link = join(root, 'bin', 'kubectl-bluegreen');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const target = readlinkSync(link);
    expect(target).toBe(join(root, 'store', 'bluegreen', `v${version}`, 'kubectl-bluegreen'));
    expect(statSync(target).mode & 0o111).toBe(0o111);
    expect(existsSync(join(root, 'store', 'bluegreen', `v${version}`, 'LICENSE'))).toBe(true);

    const list = exec('kubectl', ['plugin', 'list'], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(link);
    expect(list.stderr).not.toMatch(/warning/i);

    const r = exec('kubectl', ['bluegreen', 'version', '--client'], { env });
    expect(r).toEqual({ code: 0, stdout: `kubectl-bluegreen v${version}\n`, stderr: '' });
    const help = exec('kubectl', ['bluegreen', '--help'], { env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kubectl bluegreen <command>');

    const krewList = exec('kubectl', ['krew', 'list'], { env });
    expect(krewList.stdout).toMatch(/^bluegreen\b/m);
    const un = exec('kubectl', ['krew', 'uninstall', 'bluegreen'], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(existsSync(link)).toBe(false);
  });

  it('refuses an archive whose sha256 differs from the manifest (checked even with --archive)', () => {
    const root = join(tempDir(), 'krew-root');
    const env = cleanEnv({ KREW_ROOT: root, PATH: [toolsDir(), process.env.PATH].join(delimiter), HOME: tempDir() });
    // The arm64 archive offered for linux/amd64: right shape, wrong checksum.
    const wrong = join(RELEASE_DIR, 'kubectl-bluegreen_linux_arm64.tar.gz');
    const r = exec('kubectl', ['krew', 'install', `--manifest=${MANIFEST}`, `--archive=${wrong}`], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checksum|sha256/i);
  });
});

describe("validate-krew-manifest (krew-index's CI check)", () => {
  const validator = inject('validateKrewManifest');
  let server: Server;
  let base = '';

  beforeAll(async () => {
    // Serves release/ under the release-asset path, like GitHub would.
    server = createServer((req, res) => {
      const prefix = `/releases/download/v${version}/`;
      const name = req.url?.startsWith(prefix) ? basename(req.url.slice(prefix.length)) : '';
      const file = join(RELEASE_DIR, name);
      if (!name || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Length': statSync(file).size });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
  });

  /** The validator infers the plugin name from the file name, as in krew-index's plugins/ dir. */
  function asIndexFile(content: string): string {
    const f = join(tempDir(), 'bluegreen.yaml');
    writeFileSync(f, content);
    return f;
  }

  it('accepts the manifest (structure, selectors, no overlap)', () => {
    const f = asIndexFile(readFileSync(MANIFEST, 'utf8'));
    const r = exec(validator, ['-manifest', f, '-skip-install']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('structural validation OK');
    expect(r.stderr).toContain('no overlapping spec.platform[].selector');
  });

  it('installs every platform from its uri and finds LICENSE in each', () => {
    const f = asIndexFile(readFileSync(MANIFEST, 'utf8').replaceAll(REPO_URL, base));
    // It runs `kubectl krew install --manifest` per platform with KREW_OS/KREW_ARCH set.
    const env = { ...cleanEnv(), PATH: [toolsDir(), process.env.PATH].join(delimiter) };
    const r = exec(validator, ['-manifest', f], { env, timeout: 300_000 });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toContain('all 5 spec.platforms installed fine');
  });

  it('rejects a manifest that breaks a rule (uppercase sha256)', () => {
    const text = readFileSync(MANIFEST, 'utf8');
    const f = asIndexFile(text.replace(/sha256: ([a-f0-9]{64})/, (_m, s: string) => `sha256: ${s.toUpperCase()}`));
    const r = exec(validator, ['-manifest', f, '-skip-install']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sha256/);
  });
});
