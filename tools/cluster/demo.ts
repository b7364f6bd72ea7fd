// npm run demo: for someone without a cluster. Brings up the local control plane with the real Argo
// Rollouts controller, deploys the blue-green `frontend` Rollout at v1.052, ships v1.054, then replays
// the Christmas incident (the template set back to v1.053, which waits as an older preview) and ends
// with the guard that stops the mistaken promote. Every step runs real `kubectl bluegreen`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { up, readEnv, REPO_ROOT } from './harness.js';
import { IMAGE, manifests } from './manifests.js';
import { takeVersionFlags } from '../../scripts/version-flags.js';

const NS = 'apc-fe-ns';
const tty = process.stdout.isTTY === true;
const bold = (s: string) => (tty ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (s: string) => (tty ? `\u001b[2m${s}\u001b[22m` : s);

// npm run demo [-- --argo-rollouts=V] [--kubernetes=V]
const { choice, rest } = takeVersionFlags(process.argv.slice(2));
if (rest.length) {
  process.stderr.write(`demo: unexpected argument ${rest[0]}; usage: npm run demo [-- --argo-rollouts=vX.Y.Z] [--kubernetes=vX.Y.Z]\n`);
  process.exit(2);
}
await up({ ...choice, log: (m: string) => process.stderr.write(`${dim(m)}\n`) });
const env = readEnv();
const kubectlBin = env.KUBECTL_BIN!;
const runEnv = { ...process.env, KUBECONFIG: env.KUBECONFIG, PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH}` };

function say(text: string): void {
  process.stdout.write(`\n${bold(`# ${text}`)}\n`);
}

/** Runs and shows a command; returns its exit code. */
function show(args: string[], opts: { input?: string; quiet?: boolean } = {}): number {
  const shown = ['kubectl', ...args].map((a) => (/[\s*"']/.test(a) ? `'${a}'` : a)).join(' ');
  if (!opts.quiet) process.stdout.write(`${dim('$')} ${shown}\n`);
  const r = spawnSync(kubectlBin, args, {
    env: runEnv,
    stdio: [opts.input === undefined ? 'inherit' : 'pipe', opts.quiet ? 'ignore' : 'inherit', opts.quiet ? 'ignore' : 'inherit'],
    input: opts.input,
  });
  return r.status ?? 1;
}

function must(args: string[], opts: { input?: string; quiet?: boolean } = {}): void {
  const code = show(args, opts);
  if (code !== 0) {
    process.stderr.write(`demo: kubectl ${args.join(' ')} failed (exit ${code})\n`);
    process.exit(1);
  }
}

say('A clean start: the frontend Rollout at v1.052 with an active and a preview Service');
show(['delete', 'rollout,service', '--all', '-n', NS, '--wait=true'], { quiet: true });
must(['apply', '-n', NS, '-f', '-'], { input: manifests({ image: IMAGE('v1.052'), scaleDownDelaySeconds: 3 }), quiet: true });
must(['bluegreen', 'wait', 'frontend', '-n', NS, '--for=healthy']);
must(['bluegreen', 'status', 'frontend', '-n', NS]);

say('Ship v1.054 (with the Christmas banner): it waits as the preview until someone promotes it');
must(['bluegreen', 'set-image', 'frontend', `frontend=${IMAGE('v1.054')}`, '-n', NS, '--yes', '--reason', 'Christmas banner']);
must(['bluegreen', 'wait', 'frontend', '-n', NS, '--for=paused']);
must(['bluegreen', 'status', 'frontend', '-n', NS]);
must(['bluegreen', 'promote', 'frontend', '-n', NS, '--yes']);
must(['bluegreen', 'wait', 'frontend', '-n', NS, '--for=promoted']);
must(['bluegreen', 'status', 'frontend', '-n', NS]);

say('The incident: the template is set back to v1.053 (a Git revert). Argo calls it revision 3, the newest');
must(['bluegreen', 'wait', 'frontend', '-n', NS, '--for=healthy'], { quiet: true });
spawnSync('sleep', ['4']); // let v1.052's scale-down delay pass, so the older build comes back as a new preview
must([
  'patch',
  'rollout',
  'frontend',
  '-n',
  NS,
  '--type',
  'json',
  '-p',
  JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: IMAGE('v1.053') }]),
]);
must(['bluegreen', 'wait', 'frontend', '-n', NS, '--for=paused']);
must(['bluegreen', 'status', 'frontend', '-n', NS]);
must(['bluegreen', 'history', 'frontend', '-n', NS]);

say('Someone runs promote, believing it is a rollback. The guard stops it (no terminal here, so it exits 3):');
const code = show(['bluegreen', 'promote', 'frontend', '-n', NS], { input: '' });
process.stdout.write(dim(`(exit code ${code}; nothing was changed)\n`));

say('The cluster is still running. To continue by hand:');
process.stdout
  .write(`  set -a; . ${join(REPO_ROOT, '.cluster/env')}; set +a; export PATH="${join(REPO_ROOT, 'bin')}:$PATH" KUBECTL="$KUBECTL_BIN"
  "$KUBECTL" bluegreen undo frontend -n ${NS}      # what they meant: users stay on v1.054
  npm run cluster -- down                           # stop everything the demo started
`);
