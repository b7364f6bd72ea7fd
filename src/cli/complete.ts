// Shell completion beyond yargs' commands and flags: rollout names from the cluster (for the
// ROLLOUT positional), namespaces for -n. Bounded by a short timeout: a slow cluster must not hang
// the shell.
import type { Ctx } from '../ctx.js';

const TAKES_ROLLOUT = new Set(['status', 'set-image', 'promote', 'undo', 'abort', 'history', 'diff', 'wait']);

export async function completeFromCluster(ctx: Ctx, current: string, argv: { _: Array<string | number> }): Promise<string[]> {
  if (current.startsWith('-')) return [];
  const words = argv._.map(String);
  const command = words[0];
  // argv._ holds the command and the positionals typed so far; the word being completed is `current`.
  const typed = words.slice(1).filter((w) => w !== current);
  if (!command || !TAKES_ROLLOUT.has(command) || typed.length > 0) return [];
  try {
    const kube = await ctx.kube();
    const timer = setTimeout(() => kube.client.close(), 2000);
    const list = await kube.client.listRollouts(kube.namespace);
    clearTimeout(timer);
    kube.client.close();
    return list.items
      .filter((r) => r.spec?.strategy?.blueGreen)
      .map((r) => r.metadata.name ?? '')
      .filter((n) => n.startsWith(current));
  } catch {
    return [];
  }
}
