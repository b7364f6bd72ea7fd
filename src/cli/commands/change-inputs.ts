// How each change command says that its input is wrong (exit 2), from the planners' InputError.
import { CliError, EXIT } from '../../errors.js';
import type { InputError } from '../../rollout/plan.js';
import { shortImage } from '../../rollout/image.js';
import type { DescribeInvalid } from '../change/run.js';

export const describeInputError: DescribeInvalid = (e: InputError, name, t) => {
  switch (e.kind) {
    case 'badPair':
      return new CliError(EXIT.USAGE, 'usage.badPair', { arg: e.arg });
    case 'badImage':
      return new CliError(EXIT.USAGE, 'usage.badImage', { image: e.image, reason: t(`image.${e.reason}`) });
    case 'unknownContainer':
      return new CliError(EXIT.USAGE, 'usage.unknownContainer', { container: e.container, name, known: e.known.join(', ') });
    case 'duplicateContainer':
      return new CliError(EXIT.USAGE, 'usage.duplicateContainer', { container: e.container });
    case 'unknownRevision':
      // The current template: nothing to undo to there, the state's answer (4), as --to-revision with its number now.
      if (e.now) {
        return new CliError(
          e.now.current ? EXIT.STATE : EXIT.USAGE,
          e.now.current ? 'usage.revisionRenumberedCurrent' : 'usage.revisionRenumbered',
          {
            revision: String(e.revision),
            now: String(e.now.revision.revision),
            images: e.now.revision.images.map(shortImage).join(', '),
            name,
          },
        );
      }
      return new CliError(EXIT.USAGE, 'usage.unknownRevision', { revision: String(e.revision), name, available: e.available.join(', ') });
  }
};

/** For commands whose planner cannot find input invalid. */
export const noInvalidInput: DescribeInvalid = describeInputError;
