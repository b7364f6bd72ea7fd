// npm run test:cluster [-- --argo-rollouts=V] [--kubernetes=V] [vitest args...]
//
// The real-cluster tests (vitest project "cluster") on the versions asked for: the flags become
// ARGO_ROLLOUTS_VERSION / KUBERNETES_VERSION for tools/cluster/vitest-setup.ts, which starts (or reuses,
// or restarts) the worktree's cluster with them. Everything else is passed to vitest.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/cluster/harness.js';
import { takeVersionFlags } from './version-flags.js';

const { choice, rest } = takeVersionFlags(process.argv.slice(2));
const env = { ...process.env };
if (choice.argoRollouts) env.ARGO_ROLLOUTS_VERSION = choice.argoRollouts;
if (choice.kubernetes) env.KUBERNETES_VERSION = choice.kubernetes;
const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'cluster', ...rest], {
  stdio: 'inherit',
  env,
  cwd: REPO_ROOT,
});
process.exit(r.status ?? 1);
