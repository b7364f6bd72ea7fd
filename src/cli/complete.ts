// Shell completion: commands, flags, flag values, and rollout names from the cluster (bounded by a
// short timeout so a slow cluster never hangs the shell). Serves kubectl's plugin completion protocol
// (`kubectl_complete-bluegreen` -> `kubectl-bluegreen __complete ARGS... CURRENT`) and the bash/zsh
// scripts printed by `kubectl bluegreen completion`. Commands and flags come from ./spec.ts.
import type { Ctx } from '../ctx.js';
import { contextNames } from '../kube/kubeconfig.js';
import { COMMANDS as SPEC_COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from './spec.js';

const flagsOf = (options: OptionSpec[]) =>
  options.filter((o) => !o.hidden).flatMap((o) => [`--${o.name}`, ...(o.alias ? [`-${o.alias}`] : [])]);

export const GLOBAL_FLAGS = [...flagsOf(GLOBAL_OPTIONS), '--no-color', '--help', '-h'];

export const COMMAND_SPECS: Record<string, { flags: string[]; rollout: boolean }> = Object.fromEntries(
  SPEC_COMMANDS.map((c) => [c.name, { flags: flagsOf(c.options), rollout: c.positionals[0]?.name === 'rollout' }]),
);

/** Flags that take a value (the next word is that value, not a positional). */
export const VALUE_FLAGS = new Set(
  [...GLOBAL_OPTIONS, ...SPEC_COMMANDS.flatMap((c) => c.options)]
    .filter((o) => o.type === 'string' || o.type === 'array')
    .flatMap((o) => [`--${o.name}`, ...(o.alias ? [`-${o.alias}`] : [])]),
);

const FIXED_VALUES: Record<string, string[]> = {
  '--output': ['table', 'wide', 'json', 'yaml'],
  '-o': ['table', 'wide', 'json', 'yaml'],
  '--for': ['healthy', 'paused', 'promoted'],
  '--lang': ['en', 'ko'],
};

export async function complete(ctx: Ctx, words: string[], current: string): Promise<string[]> {
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      if (VALUE_FLAGS.has(w)) {
        const value = words[++i];
        if (w === '-n' || w === '--namespace') ctx.flags.namespace = value;
        if (w === '--context') ctx.flags.context = value;
        if (w === '--kubeconfig') ctx.flags.kubeconfig = value;
      }
      continue;
    }
    positionals.push(w);
  }
  const prev = words[words.length - 1];
  const match = (xs: string[]) => xs.filter((x) => x.startsWith(current));
  if (prev && VALUE_FLAGS.has(prev)) {
    if (FIXED_VALUES[prev]) return match(FIXED_VALUES[prev]);
    if (prev === '--context') return match(safe(() => contextNames(ctx.flags, ctx.io.env)));
    return [];
  }
  const command = positionals[0];
  if (!command) return current.startsWith('-') ? match(GLOBAL_FLAGS) : match(Object.keys(COMMAND_SPECS));
  const spec = COMMAND_SPECS[command];
  if (!spec) return [];
  if (current.startsWith('-')) return match([...spec.flags, ...GLOBAL_FLAGS]);
  if (command === 'completion' && positionals.length === 1) return match(['bash', 'zsh']);
  if (!spec.rollout || positionals.length > 1) return [];
  return match(await rolloutNames(ctx));
}

function safe<T>(f: () => T[]): T[] {
  try {
    return f();
  } catch {
    return [];
  }
}

async function rolloutNames(ctx: Ctx): Promise<string[]> {
  try {
    const kube = await ctx.kube();
    const timer = setTimeout(() => kube.client.close(), 2000);
    try {
      const list = await kube.client.listRollouts(kube.namespace);
      return list.items.filter((r) => r.spec?.strategy?.blueGreen).map((r) => r.metadata.name ?? '');
    } finally {
      clearTimeout(timer);
    }
  } catch {
    return [];
  }
}

export function completionScript(shell: string): string {
  const bash = `# kubectl-bluegreen completion for bash. Install: kubectl bluegreen completion bash >> ~/.bashrc
_kubectl_bluegreen() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' out
  out=$(kubectl-bluegreen __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null | grep -v '^:')
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
}
complete -F _kubectl_bluegreen kubectl-bluegreen
`;
  if (shell === 'zsh') {
    return `# kubectl-bluegreen completion for zsh. Install: kubectl bluegreen completion zsh >> ~/.zshrc
autoload -U +X bashcompinit && bashcompinit
${bash}`;
  }
  return bash;
}
