// npm run cluster -- up [--fresh] [--no-build] [--no-smoke] [--argo-rollouts=V] [--kubernetes=V] | down | status
//                  | logs [component] [-n N]
//
// Messages go to stderr; `status` prints its report on stdout. Exit code 0 on success, 1 on failure
// (for `status`: when the cluster is not running or not healthy), 2 on a usage error.

import { COMPONENTS, down, ENV_PATH, logsTail, readState, status, up, type ComponentName } from './harness.js';
import { tailFile } from './proc.js';

const USAGE = `usage: npm run cluster -- <command>
  up [--fresh] [--no-build] [--no-smoke] [--argo-rollouts=V] [--kubernetes=V]
                                           build what is missing, start the cluster (or reuse a healthy one
                                           running the same versions); V is vX.Y.Z or vX.Y.x (newest patch);
                                           defaults: tools/cluster/versions.env, or the environment's
                                           ARGO_ROLLOUTS_VERSION / KUBERNETES_VERSION
  down                                     stop the cluster and remove its run dir
  status                                   processes, API server /readyz, versions
  logs [component] [-n N]                  tail of every log, or of one component (${COMPONENTS.join(', ')})`;

class UsageError extends Error {}

/** Options that take a value (`--name=V` or `--name V`). */
const VALUE_FLAGS = ['--argo-rollouts', '--kubernetes'];

function parseFlags(
  args: string[],
  allowed: string[],
): { flags: Set<string>; values: Map<string, string>; positional: string[]; n?: number } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  let n: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (VALUE_FLAGS.includes(name) && allowed.includes(name)) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      if (!v || !/^v\d+\.\d+(\.(\d+|x))?$/.test(v))
        throw new UsageError(`${name} needs a version like v1.10.2 or v1.10.x (got ${v ?? 'nothing'})`);
      values.set(name, v);
    } else if (a === '-n' || a === '--lines') {
      n = Number(args[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${a} needs a positive integer`);
    } else if (a.startsWith('-')) {
      if (!allowed.includes(a)) throw new UsageError(`unknown option ${a}`);
      flags.add(a);
    } else {
      positional.push(a);
    }
  }
  return { flags, values, positional, n };
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': {
      const { flags, values, positional } = parseFlags(rest, ['--fresh', '--no-build', '--no-smoke', ...VALUE_FLAGS]);
      if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
      await up({
        fresh: flags.has('--fresh'),
        build: !flags.has('--no-build'),
        smoke: !flags.has('--no-smoke'),
        argoRollouts: values.get('--argo-rollouts'),
        kubernetes: values.get('--kubernetes'),
      });
      process.stderr.write(`[cluster] ready; in a shell: set -a; . ${ENV_PATH}; set +a\n`);
      return 0;
    }
    case 'down': {
      parseFlags(rest, []);
      await down();
      return 0;
    }
    case 'status': {
      parseFlags(rest, []);
      const s = await status();
      if (!s.recorded) {
        process.stderr.write('[cluster] no cluster is running (no .cluster/state.json)\n');
        return 1;
      }
      const lines = [
        `cluster:   ${s.healthy ? 'healthy' : 'NOT HEALTHY'}`,
        `api:       ${s.apiServerUrl}  /readyz: ${s.readyz}`,
        `server:    ${s.serverVersion ?? 'unknown'}`,
        `versions:  ${s.versions ? `Kubernetes ${s.versions.kubernetes} (${s.versions.goKubernetes}), Argo Rollouts ${s.versions.argoRollouts} (${s.versions.goArgoRollouts}), etcd ${s.versions.etcd}, kwok ${s.versions.kwok}` : 'not recorded'}`,
        `defaults:  ${['KUBERNETES_VERSION', 'ARGO_ROLLOUTS_VERSION', 'ETCD_VERSION', 'KWOK_VERSION'].map((k) => `${k}=${s.pinned[k] ?? '?'}`).join(' ')}`,
        `run dir:   ${s.runDir}`,
        ...s.components.map(
          (c) =>
            `  ${c.name.padEnd(24)} pid ${String(c.pid ?? '-').padEnd(8)} ${c.alive ? (c.healthy ? 'healthy' : 'UNHEALTHY') : 'DOWN'.padEnd(9)}  ${c.detail}`,
        ),
      ];
      process.stdout.write(lines.join('\n') + '\n');
      return s.healthy ? 0 : 1;
    }
    case 'logs': {
      const { positional, n } = parseFlags(rest, []);
      if (positional.length > 1) throw new UsageError('logs takes at most one component');
      const name = positional[0];
      if (name === undefined) {
        process.stdout.write(logsTail(n ?? 40) + '\n');
        return 0;
      }
      if (!(COMPONENTS as readonly string[]).includes(name)) {
        throw new UsageError(`unknown component ${name}; one of ${COMPONENTS.join(', ')}`);
      }
      const state = readState();
      if (!state) {
        process.stderr.write('[cluster] no cluster is running (no .cluster/state.json)\n');
        return 1;
      }
      const rec = state.processes.find((p) => p.name === (name as ComponentName));
      if (!rec) return 1;
      process.stdout.write(tailFile(rec.log, n ?? 200) + '\n');
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${cmd}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`[cluster] ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`[cluster] error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
