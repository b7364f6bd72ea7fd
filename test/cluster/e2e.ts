// Helpers for the end-to-end tests: the plugin runs as real `kubectl bluegreen` (kubectl's own plugin
// discovery on PATH) against the local control plane with the real Argo Rollouts controller; the
// cluster is checked afterwards with the real kubectl.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, expect, onTestFinished } from 'vitest';
import { logsTail, readEnv } from '../../tools/cluster/harness.js';

export const REPO = resolve(import.meta.dirname, '../..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let envCache: Record<string, string> | null = null;
export function clusterEnv(): Record<string, string> {
  envCache ??= readEnv();
  return envCache;
}

let pluginDir: string | null = null;
/** A directory with only `kubectl-bluegreen` in it (a symlink to the repo's bin), put first on PATH. */
export function pluginPath(): string {
  if (!pluginDir) {
    pluginDir = mkdtempSync(join(tmpdir(), 'bluegreen-plugin-'));
    symlinkSync(join(REPO, 'bin', 'kubectl-bluegreen'), join(pluginDir, 'kubectl-bluegreen'));
  }
  return pluginDir;
}

function exec(
  file: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((res) => {
    const child = execFile(
      file,
      args,
      { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        res({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

export function kubectl(args: string[], input?: string): Promise<Run> {
  const e = clusterEnv();
  return exec(e.KUBECTL_BIN!, args, { env: { KUBECONFIG: e.KUBECONFIG }, input });
}

export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function pluginEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const e = clusterEnv();
  return {
    KUBECONFIG: e.KUBECONFIG,
    PATH: `${pluginPath()}:${process.env.PATH}`,
    LANG: 'en_US.UTF-8',
    CI: undefined,
    NO_COLOR: '1',
    ...extra,
  };
}

/** `kubectl bluegreen ARGS` through the real kubectl. */
export function bluegreen(args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Run> {
  return exec(clusterEnv().KUBECTL_BIN!, ['bluegreen', ...args], { env: pluginEnv(opts.env), input: opts.input });
}

/**
 * `kubectl bluegreen ARGS` on a pseudo-terminal (util-linux `script`), so it asks its question.
 * `answer` is called once `prompt` has appeared; what it returns is typed at the prompt.
 */
export function bluegreenOnTty(
  args: string[],
  answer: () => Promise<string>,
  prompt: RegExp = /Proceed\? \[y\/N\]/,
): Promise<Run & { transcript: string }> {
  const e = clusterEnv();
  const quoted = [e.KUBECTL_BIN!, 'bluegreen', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((res, rej) => {
    const child = spawn('script', ['-qefc', quoted, '/dev/null'], { env: { ...process.env, ...pluginEnv() } });
    let out = '';
    let asked = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!asked && prompt.test(out)) {
        asked = true;
        answer().then((text) => child.stdin.write(text), rej);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => res({ code: code ?? 1, stdout: out, stderr: out, transcript: out }));
  });
}

export async function getJson<T = any>(kind: string, name: string, ns: string): Promise<T> {
  return JSON.parse(await kubectlOk(['get', kind, name, '-n', ns, '-o', 'json'])) as T;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let nsCounter = 0;
/**
 * A namespace of its own for a test, deleted when the test ends (or, when made outside a test, when the
 * file ends). The kwok node holds 110 pods, as a real node: on a cluster kept between runs, namespaces
 * left behind filled it after about two runs, and every deploy after that timed out (issue 15).
 */
export async function newNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${process.pid}-${++nsCounter}`.slice(0, 63);
  await kubectlOk(['create', 'namespace', ns]);
  try {
    onTestFinished(() => deleteNamespaces([ns]));
  } catch {
    fileNamespaces.push(ns);
  }
  return ns;
}

const fileNamespaces: string[] = [];
afterAll(() => deleteNamespaces(fileNamespaces.splice(0)));

async function deleteNamespaces(names: string[]): Promise<void> {
  if (names.length === 0) return;
  const r = await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', ...names]);
  if (r.code !== 0) process.stderr.write(`could not delete namespaces ${names.join(', ')}: ${r.stderr}\n`);
}

export { IMAGE, manifests, type DeployOptions } from '../../tools/cluster/manifests.js';
import { IMAGE, manifests, type DeployOptions } from '../../tools/cluster/manifests.js';

export interface ClusterView {
  activeHash: string;
  previewHash: string | null;
  status: any;
  rs: Array<{
    name: string;
    hash: string;
    revision: string;
    history: string;
    replicas: number;
    available: number;
    image: string;
    created: string;
  }>;
}

/** What the cluster says, read with kubectl (not with the plugin). */
export async function clusterView(ns: string): Promise<ClusterView> {
  const [svc, ro, rsList] = await Promise.all([
    getJson('service', 'frontend-active', ns),
    getJson('rollout', 'frontend', ns),
    kubectlOk(['get', 'replicasets', '-n', ns, '-o', 'json']).then((s) => JSON.parse(s)),
  ]);
  let previewHash: string | null = null;
  try {
    previewHash = (await getJson('service', 'frontend-preview', ns)).spec.selector['rollouts-pod-template-hash'] ?? null;
  } catch {
    previewHash = null;
  }
  return {
    activeHash: svc.spec.selector['rollouts-pod-template-hash'],
    previewHash,
    status: ro.status,
    rs: rsList.items.map((r: any) => ({
      name: r.metadata.name,
      hash: r.metadata.labels['rollouts-pod-template-hash'],
      revision: r.metadata.annotations?.['rollout.argoproj.io/revision'] ?? '',
      history: r.metadata.annotations?.['rollout.argoproj.io/revision-history'] ?? '',
      replicas: r.spec.replicas ?? 0,
      available: r.status.availableReplicas ?? 0,
      image: r.spec.template.spec.containers[0].image,
      created: r.metadata.creationTimestamp,
    })),
  };
}

export function rsOf(v: ClusterView, tag: string) {
  const matches = v.rs.filter((r) => r.image === IMAGE(tag));
  if (matches.length !== 1) throw new Error(`expected one ReplicaSet for ${tag}, found ${matches.length}`);
  return matches[0]!;
}

/**
 * Waits until the clock is in a later second than the creation of the ReplicaSet of `tag`, so that a
 * ReplicaSet created next is certainly newer by creationTimestamp (whole seconds), as between real deploys.
 */
export async function laterSecondThan(ns: string, tag: string): Promise<void> {
  const created = Date.parse(rsOf(await clusterView(ns), tag).created);
  await until(`a later second than ${tag}'s ReplicaSet`, async () => Date.now() >= created + 1000, 5000);
}

export async function deploy(ns: string, o: DeployOptions = {}): Promise<void> {
  await kubectlOk(['apply', '-n', ns, '-f', '-'], manifests(o));
  const r = await bluegreen(['wait', 'frontend', '-n', ns, '--for=healthy', '--timeout', '90s']);
  expect(r.code, r.stderr).toBe(0);
}

/** Patches the Rollout with kubectl (not the plugin), as another tool would. */
export async function patchRollout(ns: string, type: 'json' | 'merge', patch: unknown): Promise<void> {
  await kubectlOk(['patch', 'rollout', 'frontend', '-n', ns, '--type', type, '-p', JSON.stringify(patch)]);
}

/** Changes the image with kubectl (not the plugin), as a Git revert or another tool would. */
export async function setImageRaw(ns: string, tag: string): Promise<void> {
  await patchRollout(ns, 'json', [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: IMAGE(tag) }]);
}

export interface ChangePlan {
  before: { images: string[]; revision: number | null } | null;
  after: { images: string[]; revision: number | null } | null;
  switchesWhen: 'immediately' | 'afterPromote' | 'automatically' | 'never';
  consequences: Array<{ kind: string }>;
}

/** What a change would do, from `--dry-run -o json` (the same planner as the real run). */
export async function planOf(ns: string, args: string[]): Promise<ChangePlan> {
  const r = await bluegreen([...args, '-n', ns, '--dry-run', '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ChangePlan;
}

/** set-image + wait paused, through the plugin. */
export async function newPreview(ns: string, tag: string): Promise<void> {
  const s = await bluegreen(['set-image', 'frontend', `frontend=${IMAGE(tag)}`, '-n', ns, '--yes']);
  expect(s.code, s.stderr).toBe(0);
  const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=paused', '--timeout', '90s']);
  expect(w.code, w.stderr).toBe(0);
}

export async function promoteAndWait(ns: string): Promise<void> {
  const p = await bluegreen(['promote', 'frontend', '-n', ns, '--yes']);
  expect(p.code, p.stderr).toBe(0);
  const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=promoted', '--timeout', '90s']);
  expect(w.code, w.stderr).toBe(0);
}

export async function statusJson(ns: string): Promise<any> {
  const r = await bluegreen(['status', 'frontend', '-n', ns, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** Print the components' log tails when a test fails. */
export function printLogsOnFailure(): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      process.stderr.write(`\n---- control plane logs (tails) for "${ctx.task.name}" ----\n${logsTail(40)}\n`);
    }
  });
}
