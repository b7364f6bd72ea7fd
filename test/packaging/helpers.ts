// Shared by the packaging tests: processes, temporary directories, archives, kubectl.
import { execFile, spawnSync, type ExecFileOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { readTarGz, readZip, type ReadEntry } from '../../scripts/packaging/archive.js';
import { ROOT } from '../../scripts/package.js';

export { MANIFEST, packageVersion, RELEASE_DIR, ROOT } from '../../scripts/package.js';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without blocking the event loop (tests serve HTTP to the child from this process);
 * resolves with the exit code, also when it is not 0.
 */
export function execAsync(cmd: string, args: string[], opts: ExecFileOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000, ...opts }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      if (err && typeof code !== 'number') reject(err);
      else resolve({ code: code as number, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A clean environment for running the plugin: no inherited Node options, no colours, no kubeconfig. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent/kubeconfig', ...extra };
  for (const k of ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'FORCE_COLOR']) delete env[k];
  return env;
}

/** A temporary directory removed when the current test ends. */
export function tempDir(prefix = 'kubectl-bluegreen-pkg-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function readArchive(path: string): ReadEntry[] {
  const buf = readFileSync(path);
  return path.endsWith('.zip') ? readZip(buf) : readTarGz(buf);
}

/**
 * kubectl built from source by tools/cluster/build.sh (cached; built here on a fresh machine), or
 * $KUBECTL_BIN when it is set.
 */
export function kubectlBin(): string {
  if (process.env.KUBECTL_BIN && existsSync(process.env.KUBECTL_BIN)) return process.env.KUBECTL_BIN;
  const script = join(ROOT, 'tools/cluster/build.sh');
  const fromEnv = (): string | null => {
    const r = spawnSync(script, ['env', 'kube'], { encoding: 'utf8' });
    const m = /^KUBECTL_BIN=(.+)$/m.exec(String(r.stdout));
    return r.status === 0 && m && existsSync(m[1]!) ? m[1]! : null;
  };
  const found = fromEnv();
  if (found) return found;
  const b = spawnSync(script, ['kube'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (b.status !== 0) throw new Error('tools/cluster/build.sh kube failed: kubectl is needed for the plugin discovery tests');
  const built = fromEnv();
  if (!built) throw new Error('kubectl not found after tools/cluster/build.sh kube');
  return built;
}
