// --argo-rollouts=V and --kubernetes=V (or `--name V`), shared by test:cluster, demo and test:matrix.
import type { VersionChoice } from '../tools/cluster/harness.js';

const VERSION = /^v\d+\.\d+(\.(\d+|x))?$/;

export function takeVersionFlags(argv: string[]): { choice: VersionChoice; rest: string[] } {
  const choice: VersionChoice = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (name !== '--argo-rollouts' && name !== '--kubernetes') {
      rest.push(a);
      continue;
    }
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
    if (!v || !VERSION.test(v)) {
      process.stderr.write(`${name} needs a version like v1.10.2 or v1.10.x (got ${v ?? 'nothing'})\n`);
      process.exit(2);
    }
    if (name === '--argo-rollouts') choice.argoRollouts = v;
    else choice.kubernetes = v;
  }
  return { choice, rest };
}
