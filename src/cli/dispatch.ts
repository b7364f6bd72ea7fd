// From parsed arguments (either parser) to the command handler, loading only that command's code.
import type { Ctx } from '../ctx.js';
import { EXIT } from '../errors.js';

type A = Record<string, unknown>;

const KUBE_FLAGS = [
  'namespace', 'allNamespaces', 'context', 'kubeconfig', 'cluster', 'user', 'server', 'token', 'as', 'asGroup',
  'certificateAuthority', 'clientCertificate', 'clientKey', 'insecureSkipTlsVerify', 'tlsServerName', 'requestTimeout', 'output',
] as const;

/** The kubectl flags, for ctx.kube(), which reads them when a command first needs the cluster. */
export function applyFlags(ctx: Ctx, a: A): void {
  const f = ctx.flags as Record<string, unknown>;
  for (const k of KUBE_FLAGS) if (a[k] !== undefined) f[k] = a[k];
}

const str = (v: unknown) => (v === undefined ? undefined : String(v));

export async function dispatch(ctx: Ctx, command: string, a: A): Promise<number> {
  applyFlags(ctx, a);
  const change = { rollout: String(a.rollout), yes: a.yes === true, dryRun: str(a.dryRun), reason: str(a.reason), output: str(a.output) };
  switch (command) {
    case 'status':
      return (await import('./commands/status.js')).status(ctx, { rollout: str(a.rollout), watch: a.watch === true, output: str(a.output), allNamespaces: a.allNamespaces === true });
    case 'set-image':
      return (await import('./commands/change-commands.js')).setImage(ctx, { ...change, images: (a.images as unknown[]).map(String), includeInit: a.includeInit === true });
    case 'promote':
      return (await import('./commands/change-commands.js')).promote(ctx, { ...change, full: a.full === true, force: a.force === true, wait: a.wait === true, timeout: str(a.timeout), stallTimeout: str(a.stallTimeout) });
    case 'undo':
      return (await import('./commands/change-commands.js')).undo(ctx, { ...change, toRevision: str(a.toRevision) });
    case 'abort':
      return (await import('./commands/change-commands.js')).abort(ctx, change);
    case 'history':
      return (await import('./commands/history.js')).history(ctx, { rollout: String(a.rollout), output: str(a.output) });
    case 'diff':
      return (await import('./commands/history.js')).diff(ctx, { rollout: String(a.rollout), output: str(a.output) });
    case 'wait':
      return (await import('./commands/wait.js')).waitFor(ctx, { rollout: String(a.rollout), for: a.for as 'healthy' | 'paused' | 'promoted', timeout: str(a.timeout), stallTimeout: str(a.stallTimeout) });
    case 'version':
      return (await import('./commands/version.js')).version(ctx, { client: a.client === true, output: str(a.output) });
    case 'completion': {
      const shell = str(a.shell) ?? (/zsh/.test(ctx.io.env.SHELL ?? '') ? 'zsh' : 'bash');
      ctx.out((await import('./complete.js')).completionScript(shell));
      return EXIT.OK;
    }
  }
  return EXIT.USAGE;
}
