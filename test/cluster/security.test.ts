// Credentials, RBAC and terminal safety against the real API server.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { readState } from '../../tools/cluster/harness.js';
import { writeKubeconfig } from '../cli/kubeconfig-file.js';
import { record } from '../reliability.js';
import { bluegreen, clusterEnv, clusterView, deploy, kubectlOk, newNamespace, newPreview, printLogsOnFailure, rsOf } from './e2e.js';

printLogsOnFailure();

const ESC = '\u001b';

function token(user: string): string {
  const u = readState()!.tokenUsers.find((x: { name: string }) => x.name === user);
  if (!u) throw new Error(`no token user ${user}`);
  return u.token as string;
}

/** A kubeconfig whose only user is `user`, with the cluster (server, CA) of the harness's. */
function kubeconfigWith(user: Record<string, unknown>): string {
  const base = load(readFileSync(clusterEnv().KUBECONFIG!, 'utf8')) as { clusters: Array<{ cluster: Record<string, unknown> }> };
  return writeKubeconfig(base.clusters[0]!.cluster, user, { namespace: 'default' });
}

function script(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bluegreen-exec-'));
  const file = join(dir, 'cred');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('credentials never appear in output', () => {
  it('a real bearer token, at every verbosity', async () => {
    const ns = await newNamespace('sec-token');
    await deploy(ns);
    const tok = token('e2e-token-admin');
    for (const v of ['', '-v', '-vv', '-vvv']) {
      const r = await bluegreen(['status', 'frontend', '-n', ns, '--context', 'e2e-token-admin', ...(v ? [v] : [])]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(tok);
    }
    const bad = await bluegreen(['promote', 'frontend', '-n', ns, '--context', 'e2e-expired', '-vvv', '--yes']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('(401 Unauthorized)');
    expect(bad.stdout + bad.stderr).not.toMatch(/Bearer|Authorization:/);
    record({
      kind: 'security',
      area: 'credentials',
      case: 'real static token against kube-apiserver, -v to -vvv, and a rejected token',
      outcome: 'token never printed; 401 explained as an expired or invalid credential',
    });
  });

  it('an exec credential plugin (client-node path): works, and neither its token nor its stderr is printed', async () => {
    const ns = await newNamespace('sec-exec');
    await deploy(ns);
    const tok = token('e2e-token-admin');
    const good = script(
      `cat <<'EOF'\n{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${tok}"}}\nEOF`,
    );
    const kc = kubeconfigWith({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: good, interactiveMode: 'Never' } });
    const r = await bluegreen(['status', 'frontend', '-n', ns, '-vvv'], { env: { KUBECONFIG: kc } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ACTIVE');
    expect(r.stdout + r.stderr).not.toContain(tok);

    const failing = script('echo "login failed: SECRET-should-not-leak refresh=abc123" >&2\nexit 3');
    const kc2 = kubeconfigWith({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: failing, interactiveMode: 'Never' } });
    const f = await bluegreen(['status', 'frontend', '-n', ns, '-vvv'], { env: { KUBECONFIG: kc2 } });
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`the kubeconfig's credential plugin "${failing}" failed`);
    expect(f.stdout + f.stderr).not.toContain('SECRET-should-not-leak');
    record({
      kind: 'security',
      area: 'credentials',
      case: 'exec credential plugin: a token, and a plugin that fails printing a secret on stderr',
      outcome: 'works; token and plugin output never printed; the failure names the plugin',
    });
  });
});

describe('RBAC', () => {
  it('a user who may patch rollouts but not rollouts/status: promote names the missing verb and resource; nothing half-done', async () => {
    const ns = await newNamespace('sec-nostatus');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    await kubectlOk([
      'create',
      'role',
      'rollouts-no-status',
      '-n',
      ns,
      '--verb=get,list,watch,patch,update',
      '--resource=rollouts.argoproj.io,replicasets.apps,services',
    ]);
    await kubectlOk(['create', 'role', 'events', '-n', ns, '--verb=create', '--resource=events']);
    await kubectlOk(['create', 'rolebinding', 'a', '-n', ns, '--role=rollouts-no-status', '--user=e2e-nostatus']);
    await kubectlOk(['create', 'rolebinding', 'b', '-n', ns, '--role=events', '--user=e2e-nostatus']);
    const p = await bluegreen(['promote', 'frontend', '-n', ns, '--context', 'e2e-nostatus', '--yes']);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(`forbidden: user "e2e-nostatus" may not patch rollouts/status.argoproj.io in namespace "${ns}"`);
    expect(p.stderr).toContain('resources: ["rollouts/status"], verbs: ["patch"]');
    const v = await clusterView(ns);
    expect(v.activeHash).toBe(rsOf(v, 'v1.052').hash);
    expect(v.status.pauseConditions?.[0]?.reason).toBe('BlueGreenPause');
    const ro = JSON.parse(await kubectlOk(['get', 'rollout', 'frontend', '-n', ns, '-o', 'json']));
    expect(JSON.parse(ro.metadata.annotations['bluegreen.kubectl.io/last-change']).action).toBe('set-image'); // not promote
    // undo needs only `patch rollouts`, which this user has.
    const u = await bluegreen(['undo', 'frontend', '-n', ns, '--context', 'e2e-nostatus', '--yes']);
    expect(u.code, u.stderr).toBe(0);
    record({
      kind: 'security',
      area: 'RBAC',
      case: 'patch rollouts allowed, rollouts/status not: promote, then undo',
      outcome: 'promote exit 1 naming "patch rollouts/status" and the rule that grants it, nothing written; undo (spec only) allowed',
    });
  });
});

describe('terminal safety', () => {
  it('a reason with escape sequences is refused (exit 2, nothing changed); one written by another tool never reaches the terminal', async () => {
    const ns = await newNamespace('sec-escape');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    const evil = `${ESC}[2J${ESC}]0;owned${'\u0007'}fake prompt> `;
    // kubectl describe prints an Event's message raw: the plugin does not store terminal controls.
    const p = await bluegreen(['abort', 'frontend', '-n', ns, '--yes', '--reason', evil]);
    expect(p.code, p.stderr).toBe(2);
    expect(p.stderr).toContain('--reason holds control characters');
    let ro = JSON.parse(await kubectlOk(['get', 'rollout', 'frontend', '-n', ns, '-o', 'json']));
    expect(ro.status.abort ?? false).toBe(false);
    expect(ro.metadata.annotations?.['bluegreen.kubectl.io/last-change']).not.toContain('abort');
    // The same record written by another tool: shown without its controls.
    const record_ = JSON.stringify({ by: 'mallory', at: new Date().toISOString(), action: 'abort', reason: evil });
    await kubectlOk(['annotate', 'rollout', 'frontend', '-n', ns, '--overwrite', `bluegreen.kubectl.io/last-change=${record_}`]);
    ro = JSON.parse(await kubectlOk(['get', 'rollout', 'frontend', '-n', ns, '-o', 'json']));
    expect(JSON.parse(ro.metadata.annotations['bluegreen.kubectl.io/last-change']).reason).toBe(evil);
    const s = await bluegreen(['status', 'frontend', '-n', ns]);
    expect(s.stdout).toContain('fake prompt');
    expect(s.stdout).not.toContain(ESC);
    expect(s.stdout).not.toContain('\u0007');
    const long = await bluegreen(['abort', 'frontend', '-n', ns, '--yes', '--reason', 'x'.repeat(513)]);
    expect(long.code).toBe(2);
    record({
      kind: 'security',
      area: 'terminal control sequences',
      case: 'a --reason with CSI, OSC and BEL; the same reason in a record written by another tool, shown back by status',
      outcome:
        'the plugin refuses it (exit 2, nothing changed); from the cluster it is stripped from every printed line; a reason over 512 characters is exit 2',
    });
  });
});
