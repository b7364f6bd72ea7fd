// The executable's entry. `--version` and `version --client` answer here, before the rest of the
// program is even loaded (start-up is what people feel most); everything else goes through main.
import { VERSION } from './version.js';

const argv = process.argv.slice(2);
if ((argv.length === 1 && argv[0] === '--version') || (argv.length === 2 && argv[0] === 'version' && argv[1] === '--client')) {
  // A write that fails (a full disk) ends with exit 1, not a stack trace.
  process.stdout.on('error', () => process.exit(1));
  process.stdout.write(`kubectl-bluegreen ${VERSION}\n`);
} else {
  import('./main.js').then((m) => m.runProcess());
}
