// `apply` then `wait`, as users' pipelines do, against the real controller: a Degraded that the
// controller recovers from by itself (a Rollout applied before its Service) is waited through, and says
// what it waits for; a Degraded that needs a person (an aborted update) ends the wait at once.
import { describe, expect, it } from 'vitest';
import { bluegreen, deploy, kubectlOk, manifests, newNamespace, newPreview, printLogsOnFailure } from './e2e.js';
import { load } from 'js-yaml';
import { dump } from 'js-yaml';

printLogsOnFailure();

describe('wait after apply', () => {
  it('a Rollout applied before its Services is InvalidSpec for a while, and wait --for=healthy waits it out', async () => {
    const ns = await newNamespace('e2e-apply');
    const docs = manifests({})
      .split('---\n')
      .map((d) => load(d) as { kind: string });
    const rollout = docs.filter((d) => d.kind === 'Rollout');
    const services = docs.filter((d) => d.kind === 'Service');
    await kubectlOk(['apply', '-n', ns, '-f', '-'], rollout.map((d) => dump(d)).join('---\n'));
    // The controller marks it Degraded: InvalidSpec ... services "frontend-active" not found.
    const waiting = bluegreen(['wait', 'frontend', '-n', ns, '--for=healthy', '--timeout', '90s']);
    await new Promise((r) => setTimeout(r, 3000));
    const degraded = JSON.parse(await kubectlOk(['get', 'rollout', 'frontend', '-n', ns, '-o', 'json']));
    expect(degraded.status?.phase).toBe('Degraded');
    expect(degraded.status?.message).toMatch(/InvalidSpec.*not found/);
    await kubectlOk(['apply', '-n', ns, '-f', '-'], services.map((d) => dump(d)).join('---\n'));
    const w = await waiting;
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain('is healthy');
  });

  it('an aborted update ends wait --for=promoted at once with exit 4', async () => {
    const ns = await newNamespace('e2e-abort-wait');
    await deploy(ns);
    await newPreview(ns, 'v1.054');
    const a = await bluegreen(['abort', 'frontend', '-n', ns, '--yes']);
    expect(a.code, a.stderr).toBe(0);
    const started = Date.now();
    const w = await bluegreen(['wait', 'frontend', '-n', ns, '--for=promoted', '--timeout', '60s']);
    expect(w.code).toBe(4);
    expect(w.stderr).toContain('will not become promoted without action');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
