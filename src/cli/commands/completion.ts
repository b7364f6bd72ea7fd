// completion [bash|zsh]: the script that makes the shell call `kubectl-bluegreen __complete`.
import { EXIT } from '../../errors.js';
import type { Handler } from '../dispatch.js';

export const completion: Handler<'completion'> = async (ctx, args) => {
  const shell = args.shell ?? (/zsh/.test(ctx.io.env.SHELL ?? '') ? 'zsh' : 'bash');
  const { completionScript } = await import('../complete.js');
  ctx.out(completionScript(shell));
  return EXIT.OK;
};
