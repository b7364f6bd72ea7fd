// version [--client]: the plugin's version at once; then the controller's, when the cluster shows it.
import type { Ctx } from '../../ctx.js';
import { EXIT } from '../../errors.js';
import { VERSION } from '../../version.js';

export async function version(ctx: Ctx, args: { client?: boolean; output?: string }): Promise<number> {
  const json = args.output === 'json';
  if (!json) ctx.out(`kubectl-bluegreen ${VERSION}\n`);
  if (args.client) {
    if (json) ctx.out(`${JSON.stringify({ plugin: VERSION })}\n`);
    return EXIT.OK;
  }
  let controller: { version: string; where: string } | null = null;
  let why = ctx.t('version.notFound');
  try {
    const kube = await ctx.kube();
    controller = await kube.client.controllerVersion();
    kube.client.close();
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  }
  if (json) {
    ctx.out(`${JSON.stringify({ plugin: VERSION, controller: controller?.version ?? null })}\n`);
  } else if (controller) {
    ctx.out(`${ctx.t('version.controller', { v: controller.version, where: controller.where })}\n`);
  } else {
    ctx.err(`${ctx.t('version.controllerUnknown', { why })}\n`);
  }
  return EXIT.OK;
}
