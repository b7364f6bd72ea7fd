// vitest globalSetup for the end-to-end ("cluster") project.
//
// If a healthy cluster is already running (e.g. from `npm run cluster -- up`), it is used and left
// running, unless ARGO_ROLLOUTS_VERSION / KUBERNETES_VERSION ask for other versions than it runs: then it
// is restarted with those. Otherwise one is started here and stopped again in teardown. Tests find everything they
// need in .cluster/env and .cluster/kubeconfig (see readEnv() in harness.ts); nothing is `provide`d.
// KEEP_CLUSTER=1 keeps a cluster started here running after the tests.

import { down, isHealthy, logsTail, readState, resolveVersions, up } from './harness.js';

const log = (msg: string): void => {
  process.stderr.write(`[cluster] ${msg}\n`);
};

export default async function setup(): Promise<() => Promise<void>> {
  if (await isHealthy()) {
    const have = readState()?.versions;
    const asked = Boolean(process.env.ARGO_ROLLOUTS_VERSION || process.env.KUBERNETES_VERSION);
    const want = asked ? await resolveVersions() : undefined;
    if (!want || (have && have.argoRollouts === want.argoRollouts && have.kubernetes === want.kubernetes)) {
      log(
        `using the already running cluster (Argo Rollouts ${have?.argoRollouts ?? '?'}, Kubernetes ${have?.kubernetes ?? '?'}; left running after the tests)`,
      );
      return async () => {};
    }
  }
  const t0 = Date.now();
  try {
    await up({ log });
  } catch (err) {
    // up() has already printed the log tails of the components it started and stopped them; show the
    // tails again in case a reused-but-broken cluster was involved, then fail the run.
    const tails = logsTail(40);
    if (!tails.startsWith('(no cluster')) process.stderr.write(tails + '\n');
    throw err;
  }
  log(`cluster started for this test run in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return async () => {
    if (process.env.KEEP_CLUSTER === '1') {
      log('KEEP_CLUSTER=1: leaving the cluster running; stop it with `npm run cluster -- down`');
      return;
    }
    await down({ log });
  };
}
