// version [--client]: the plugin's version at once; then the controller's, when the cluster shows it.
// Why it could not be read (no kubeconfig, 401, 403, TLS) is said in words, never as a message key.
import { EXIT } from '../../errors.js';
import { describeError } from '../../describe.js';
import { serialize } from '../../render/formats.js';
import { VERSION } from '../../version.js';
import type { Handler } from '../dispatch.js';
import { errorContext } from '../load.js';

export const version: Handler<'version'> = async (ctx, args) => {
  const machine = args.output;
  if (args.client) {
    ctx.out(machine ? serialize({ plugin: VERSION }, machine) : `kubectl-bluegreen ${VERSION}\n`);
    return EXIT.OK;
  }
  if (!machine) ctx.out(`kubectl-bluegreen ${VERSION}\n`);
  let controller: { version: string; where: string } | null = null;
  let why = ctx.t('version.notFound');
  try {
    const kube = await ctx.kube();
    try {
      controller = await kube.client.controllerVersion(ctx.signal);
    } catch (e) {
      const { translate } = await import('../../kube/errors.js');
      throw translate(e, errorContext(ctx, kube));
    }
  } catch (e) {
    why = (await describeError(ctx.t, e)).text;
  }
  if (machine) ctx.out(serialize({ plugin: VERSION, controller: controller?.version ?? null }, machine));
  else if (controller) ctx.out(`${ctx.t('version.controller', { v: controller.version, where: controller.where })}\n`);
  else ctx.err(`${ctx.t('version.controllerUnknown', { why })}\n`);
  return EXIT.OK;
};
