// Roles that lack one verb, on the real API server with real RBAC: the plugin sends no write the user did
// not confirm, says which permission is missing, and never loops.
import { describe, expect, it } from 'vitest';
import { bluegreen, clusterView, deploy, getJson, kubectlOk, newNamespace, newPreview, printLogsOnFailure, rsOf, until } from './e2e.js';
import { record } from '../reliability.js';

printLogsOnFailure();

/** A Role with everything a promote needs except `watch` on rollouts (common for CI service accounts). */
async function grantAllButWatch(ns: string, user: string): Promise<void> {
  await kubectlOk([
    'create',
    'role',
    'no-watch',
    '-n',
    ns,
    '--verb=get,list,patch',
    '--resource=rollouts.argoproj.io,rollouts.argoproj.io/status',
  ]);
  await kubectlOk(['create', 'role', 'reads', '-n', ns, '--verb=get,list', '--resource=replicasets.apps,services']);
  await kubectlOk(['create', 'role', 'events', '-n', ns, '--verb=create', '--resource=events']);
  for (const role of ['no-watch', 'reads', 'events'])
    await kubectlOk(['create', 'rolebinding', `${role}-${user}`, '-n', ns, `--role=${role}`, `--user=${user}`]);
}

/** The requests the plugin sent, from its -v log ("PATCH /apis/... 200 in 12 ms"). */
function sent(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => /^I [\d:.]+ (GET|PATCH|POST|WATCH) (\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => `${m[1]} ${m[2]!.split('?')[0]}`);
}

describe('a role without watch on rollouts', () => {
  it('promote --yes: the plan and its record only, no nudge, and it names the missing permission', async () => {
    const ns = await newNamespace('e2e-nowatch');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    await grantAllButWatch(ns, 'e2e-nostatus');
    const started = Date.now();
    const p = await bluegreen(['promote', 'frontend', '-n', ns, '--yes', '--context', 'e2e-nostatus', '-v']);
    expect(p.code, p.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    // The record (annotation and Event) goes out in parallel: compare as a set.
    const writes = sent(p.stderr).filter((r) => /^(PATCH|POST) /.test(r) && !r.includes('selfsubjectreviews'));
    expect(writes.sort()).toEqual([
      `PATCH /apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/frontend`,
      `PATCH /apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/frontend/status`,
      `POST /api/v1/namespaces/${ns}/events`,
    ]);
    expect(p.stderr).toContain(`may not watch rollouts.argoproj.io in namespace "${ns}"`);
    const ro = await getJson('rollout', 'frontend', ns);
    expect(ro.metadata.annotations?.['bluegreen.kubectl.io/nudged-at']).toBeUndefined();
    // The promote was taken up all the same (by the controller, not by us).
    await until('users on v1.054', async () => {
      const v = await clusterView(ns);
      return v.activeHash === rsOf(v, 'v1.054').hash;
    });
    record({
      kind: 'fault',
      area: 'RBAC: no watch on rollouts (real API server)',
      case: 'promote --yes',
      outcome: 'exit 0; 3 writes (status patch, annotation, Event); no nudge; names the missing watch permission',
    });
  });

  it('status --watch and wait end with the forbidden error, exit 1, at once', async () => {
    const ns = await newNamespace('e2e-nowatch2');
    await deploy(ns);
    await grantAllButWatch(ns, 'e2e-nostatus');
    for (const args of [
      ['status', 'frontend', '--watch'],
      ['wait', 'frontend', '--for=paused', '--timeout', '60s'],
    ]) {
      const started = Date.now();
      const r = await bluegreen([...args, '-n', ns, '--context', 'e2e-nostatus']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.stderr).toContain(`may not watch rollouts.argoproj.io in namespace "${ns}"`);
      expect(r.stderr).not.toContain('reconnecting');
    }
    record({
      kind: 'fault',
      area: 'RBAC: no watch on rollouts (real API server)',
      case: 'status --watch, wait',
      outcome: 'exit 1 at once with the forbidden error; no reconnect loop',
    });
  });
});
