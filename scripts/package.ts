// `npm run package`: the release assets for krew and GitHub Releases.
//
//   release/kubectl-bluegreen_<os>_<arch>.tar.gz   (windows: .zip with kubectl-bluegreen.exe)
//   release/sha256sums.txt
//   krew-manifest.yaml                               (top level, generated from the archives)
//
// Each archive holds a Node single executable application (SEA) and LICENSE. All five are built on this
// machine from the official Node binaries the npm registry carries (scripts/packaging/targets.ts); the
// darwin ones are signed ad hoc with quill. Intermediate files stay in release/.build/, and a target
// whose inputs did not change is not rebuilt. Nothing here is committed (release/ is gitignored).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tarGz, zip, type Entry } from './packaging/archive.js';
import { goTool, GO_TOOLS, log, nodeBinary, run } from './packaging/cache.js';
import { dropPeCertificateTable, peCertificateTable, verifyMachoSignature } from './packaging/inspect.js';
import { renderManifest } from './packaging/krew-manifest.js';
import { buildSea, bundleCjs } from './packaging/sea.js';
import { archiveName, exeName, hostTarget, NODE_VERSION, TARGETS, targetId, type Target } from './packaging/targets.js';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const RELEASE_DIR = join(ROOT, 'release');
export const MANIFEST = join(ROOT, 'krew-manifest.yaml');
const BUILD_DIR = join(RELEASE_DIR, '.build');
// Bump when the recipe changes in a way that changes the output.
const RECIPE = 3;

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Archive timestamps: SOURCE_DATE_EPOCH, else the last commit's time (zip needs >= 1980, even seconds). */
function sourceDateEpoch(): number {
  let t = Number(process.env.SOURCE_DATE_EPOCH);
  if (!Number.isFinite(t) || process.env.SOURCE_DATE_EPOCH === undefined) {
    const git = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' });
    t = Number(git.stdout.trim()) || 0;
  }
  return Math.max(315532800, t - (t % 2));
}

export interface Built {
  target: Target;
  archive: string;
  sha256: string;
  /** The executable as it went into the archive (release/.build/<os>_<arch>/…). */
  executable: string;
}

async function buildTarget(
  t: Target,
  main: string,
  bundle: string,
  pluginAuth: string,
  bundleHash: string,
  license: Buffer,
  mtime: number,
): Promise<Built> {
  const host = hostTarget();
  const native = t.os === host.os && t.arch === host.arch;
  const dir = join(BUILD_DIR, targetId(t));
  const exe = join(dir, exeName(t));
  const archive = join(RELEASE_DIR, archiveName(t));
  const signer = t.os === 'darwin' ? `quill@${GO_TOOLS.quill.version}` : 'none';
  const key = JSON.stringify({ RECIPE, NODE_VERSION, bundleHash, native, signer, license: sha256(license), mtime });
  const keyFile = join(dir, 'inputs.json');
  const shaFile = join(dir, 'archive.sha256');
  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key && existsSync(archive) && existsSync(shaFile)) {
    const recorded = readFileSync(shaFile, 'utf8').trim();
    if (sha256(readFileSync(archive)) === recorded) {
      log(`${targetId(t)}: unchanged`);
      return { target: t, archive, sha256: recorded, executable: exe };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const started = Date.now();
  buildSea({
    generator: nodeBinary(TARGETS.find((x) => x.os === host.os && x.arch === host.arch)!),
    executable: nodeBinary(t),
    main,
    bundle,
    pluginAuth,
    output: exe,
  });
  if (t.os === 'darwin') {
    // --build-sea drops Node's signature; arm64 macOS refuses to run unsigned code.
    run(goTool('quill'), ['sign', '--ad-hoc', '--identity', 'kubectl-bluegreen', '--quiet', exe]);
    const sig = verifyMachoSignature(readFileSync(exe));
    log(`${targetId(t)}: signed ad hoc, CDHash ${sig.cdhash.slice(0, 16)}…`);
  }
  if (t.os === 'windows') {
    const pe = readFileSync(exe);
    const cert = peCertificateTable(pe);
    // Only a stale entry (pointing inside the file, not at an appended signature) is expected here.
    if (cert.size && cert.offset + cert.size !== pe.length) {
      dropPeCertificateTable(pe);
      writeFileSync(exe, pe);
    }
  }
  chmodSync(exe, 0o755);
  if (native) {
    // A SEA built by a mismatched generator runs and prints nothing: check the output, not the status.
    const out = run(exe, ['version', '--client'], { env: { ...process.env, NODE_OPTIONS: '' } }).trim();
    if (out !== `kubectl-bluegreen v${packageVersion()}`) throw new Error(`${exe} version --client printed ${JSON.stringify(out)}`);
  }

  const entries: Entry[] = [
    { name: exeName(t), mode: 0o755, data: readFileSync(exe) },
    { name: 'LICENSE', mode: 0o644, data: license },
  ];
  const bytes = t.os === 'windows' ? await zip(entries, mtime) : await tarGz(entries, mtime);
  writeFileSync(archive, bytes);
  const sum = sha256(bytes);
  writeFileSync(shaFile, `${sum}\n`);
  writeFileSync(keyFile, key);
  log(`${targetId(t)}: ${archiveName(t)} ${(bytes.length / 2 ** 20).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { target: t, archive, sha256: sum, executable: exe };
}

export async function packageRelease(): Promise<Built[]> {
  const version = packageVersion();
  const licensePath = join(ROOT, 'LICENSE');
  if (!existsSync(licensePath)) throw new Error('LICENSE is missing: krew requires one in every archive');
  const license = readFileSync(licensePath);
  const mtime = sourceDateEpoch();
  mkdirSync(BUILD_DIR, { recursive: true });

  const bundle = join(BUILD_DIR, 'kubectl-bluegreen.cjs');
  const pluginAuth = join(BUILD_DIR, 'plugin-auth.cjs');
  const main = join(BUILD_DIR, 'sea-main.cjs');
  await bundleCjs(bundle, pluginAuth, main);
  const bundleHash = sha256(Buffer.concat([readFileSync(main), readFileSync(bundle), readFileSync(pluginAuth)]));
  log(`bundle: ${(readFileSync(bundle).length / 1024).toFixed(0)} KiB, Node ${NODE_VERSION}, v${version}`);

  const built: Built[] = [];
  for (const t of TARGETS) built.push(await buildTarget(t, main, bundle, pluginAuth, bundleHash, license, mtime));

  // Only this build's assets: a stale archive of another version must not be uploaded by a glob.
  const names = new Set(built.map((b) => archiveName(b.target)));
  for (const f of readdirSync(RELEASE_DIR)) {
    if ((f.endsWith('.tar.gz') || f.endsWith('.zip')) && !names.has(f)) rmSync(join(RELEASE_DIR, f));
  }
  const sums = built
    .map((b) => `${b.sha256}  ${archiveName(b.target)}\n`)
    .sort((a, b) => a.slice(66).localeCompare(b.slice(66)))
    .join('');
  writeFileSync(join(RELEASE_DIR, 'sha256sums.txt'), sums);
  writeFileSync(
    MANIFEST,
    renderManifest(
      version,
      built.map((b) => ({ target: b.target, sha256: b.sha256 })),
    ),
  );
  log(`wrote release/sha256sums.txt and krew-manifest.yaml`);
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  packageRelease().then(
    () => log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    (e: unknown) => {
      process.stderr.write(`package: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
