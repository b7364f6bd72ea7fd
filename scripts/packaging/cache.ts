// Downloaded and built tools live in caches outside the repository, one directory per pinned version.
// A directory appears only complete: it is assembled in a temporary sibling and renamed into place.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NODE_VERSION, type Target } from './targets.js';

export const cacheRoot = (): string => process.env.XDG_CACHE_HOME || join(homedir(), '.cache');

export function log(msg: string): void {
  process.stderr.write(`[package ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Runs a command; throws with its output when it fails. Returns stdout. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}\n${String(r.stdout ?? '')}${String(r.stderr ?? '')}`);
  }
  return String(r.stdout ?? '');
}

/** Returns `dir`, filling it with `fill(tmp)` first if it does not exist yet. */
function cachedDir(dir: string, fill: (tmp: string) => void): string {
  if (existsSync(dir)) return dir;
  const parent = join(dir, '..');
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    fill(tmp);
    chmodSync(tmp, 0o755);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another build got there first: keep theirs.
      if (!existsSync(dir)) throw e;
    }
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/**
 * The official Node binary for a target, from the npm package that repackages it
 * (`~/.cache/kubectl-bluegreen-node/<pkg>@<version>/node[.exe]`). `npm pack` downloads through npm's own
 * cache and checks the tarball against the registry's integrity; the pinned integrity is checked too.
 */
export function nodeBinary(t: Target): string {
  return npmNode(t.npmPackage, NODE_VERSION, t.nodePath, t.integrity);
}

/** Any Node release from its npm repackaging (also used by the tests' Node version matrix). */
export function npmNode(npmPackage: string, version: string, nodePath = 'bin/node', integrity?: string): string {
  const spec = `${npmPackage}@${version}`;
  const name = nodePath.split('/').pop()!;
  const dir = cachedDir(join(cacheRoot(), 'kubectl-bluegreen-node', spec), (tmp) => {
    log(`downloading ${spec} from the npm registry`);
    const out = run('npm', ['pack', spec, '--pack-destination', tmp, '--json', '--ignore-scripts', '--loglevel=error'], { cwd: tmp });
    const [info] = JSON.parse(out) as Array<{ filename: string; integrity: string }>;
    if (!info) throw new Error(`npm pack ${spec}: no output`);
    if (integrity && info.integrity !== integrity) throw new Error(`${spec}: integrity ${info.integrity}, expected ${integrity}`);
    run('tar', ['-xzf', join(tmp, info.filename), '-C', tmp, `package/${nodePath}`]);
    renameSync(join(tmp, 'package', nodePath), join(tmp, name));
    chmodSync(join(tmp, name), 0o755);
    rmSync(join(tmp, 'package'), { recursive: true });
    rmSync(join(tmp, info.filename));
  });
  return join(dir, name);
}

interface GoTool {
  module: string;
  version: string;
  pkg: string;
  ldflags: string;
}

/**
 * Go programs the packaging needs, built from the Go module proxy. The proxy refuses to list versions of
 * these modules, which `go install pkg@version` needs (deprecation check), so the module's own source
 * (go.mod and go.sum included, checked against the checksum database by `go mod download`) is copied
 * and built in place; that gives the same dependency versions as `go install`.
 */
export const GO_TOOLS = {
  // v0.5.0 is the newest krew the proxy serves (v0.4.5 and anything after v0.5.0 are refused).
  krew: { module: 'sigs.k8s.io/krew', version: 'v0.5.0', pkg: './cmd/krew', ldflags: '-X sigs.k8s.io/krew/internal/version.gitTag=v0.5.0' },
  'validate-krew-manifest': { module: 'sigs.k8s.io/krew', version: 'v0.5.0', pkg: './cmd/validate-krew-manifest', ldflags: '' },
  // Ad-hoc Mach-O signing from Linux (`quill sign --ad-hoc`), the equivalent of `codesign --sign -`.
  quill: { module: 'github.com/anchore/quill', version: 'v0.7.1', pkg: './cmd/quill', ldflags: '' },
} as const satisfies Record<string, GoTool>;

export function goTool(name: keyof typeof GO_TOOLS): string {
  const tool: GoTool = GO_TOOLS[name];
  const goEnv = { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-trimpath' };
  let goVersion: string;
  try {
    goVersion = run('go', ['env', 'GOVERSION'], { env: goEnv }).trim();
  } catch {
    throw new Error(`building ${name} needs Go >= 1.25 on PATH (see scripts/install-packaging-deps.sh)`);
  }
  const dir = cachedDir(join(cacheRoot(), 'kubectl-bluegreen-tools', `${name}@${tool.version}-${goVersion}`), (tmp) => {
    log(`building ${name} ${tool.version} with ${goVersion} (first time only)`);
    const info = JSON.parse(run('go', ['mod', 'download', '-json', `${tool.module}@${tool.version}`], { env: goEnv })) as {
      Dir?: string;
      Error?: string;
    };
    if (!info.Dir) throw new Error(`go mod download ${tool.module}@${tool.version}: ${info.Error ?? 'no Dir'}`);
    const src = join(tmp, 'src');
    cpSync(info.Dir, src, { recursive: true });
    run('chmod', ['-R', 'u+w', src]);
    run('go', ['build', '-ldflags', `-s -w ${tool.ldflags}`.trim(), '-o', join(tmp, name), tool.pkg], { cwd: src, env: goEnv });
    rmSync(src, { recursive: true, force: true });
  });
  return join(dir, name);
}
