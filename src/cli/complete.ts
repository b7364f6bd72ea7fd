// Shell completion: commands, flags, flag values, and rollout names from the cluster (bounded by a
// short timeout so a slow cluster never hangs the shell). Serves kubectl's plugin completion protocol
// (`kubectl_complete-bluegreen` -> `kubectl-bluegreen __complete ARGS... CURRENT`) and the bash/zsh
// scripts printed by `kubectl bluegreen completion`. Commands and flags come from ./spec.ts.
import { createCtx, type IO } from '../ctx.js';
import { contextNames } from '../kube/kubeconfig.js';
import {
  camel,
  commandSpec,
  COMMANDS,
  finalizeArgs,
  GLOBAL_OPTIONS,
  optionsOf,
  type GlobalArgs,
  type OptionSpec,
  type PositionalSpec,
} from './spec.js';

const flagsOf = (options: readonly OptionSpec[]) =>
  options.filter((o) => !o.hidden).flatMap((o) => [`--${o.name}`, ...(o.alias ? [`-${o.alias}`] : [])]);

/** Flags every command takes, as offered. */
export const OFFERED_GLOBAL_FLAGS = [...flagsOf(GLOBAL_OPTIONS), '--no-color', '--help', '-h'];

/** The option a flag word names, for command `command` (or among the global ones). */
function optionOf(word: string, command: string | undefined): OptionSpec | undefined {
  const name = word.replace(/=.*$/, '');
  return optionsOf(commandSpec(command ?? '')).find((o) => `--${o.name}` === name || (o.alias && `-${o.alias}` === name));
}

const takesValue = (o: OptionSpec | undefined) => !!o && (o.type === 'string' || o.type === 'array') && o.name !== 'dry-run';

export async function complete(io: IO, words: string[], current: string): Promise<string[]> {
  const positionals: string[] = [];
  const given: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      const o = optionOf(w, positionals[0]);
      if (takesValue(o) && !w.includes('=')) given[camel(o!.name)] = words[++i];
      continue;
    }
    positionals.push(w);
  }
  const command = positionals[0];
  const spec = commandSpec(command ?? '');
  const prev = words[words.length - 1];
  const match = (xs: readonly string[]) => xs.filter((x) => x.startsWith(current));
  const prevOption = prev?.startsWith('-') ? optionOf(prev, command) : undefined;
  if (takesValue(prevOption) && !prev!.includes('=')) {
    if (prevOption!.choices) return match(prevOption!.choices.filter((c) => c !== ''));
    if (prevOption!.name === 'context') return match(safe(() => contextNames(given, io.env)));
    return [];
  }
  if (!command) return current.startsWith('-') ? match(OFFERED_GLOBAL_FLAGS) : match(COMMANDS.map((c) => c.name));
  if (!spec) return [];
  if (current.startsWith('-')) return match([...flagsOf(spec.options), ...OFFERED_GLOBAL_FLAGS]);
  const positional = (spec.positionals as readonly PositionalSpec[])[positionals.length - 1];
  if (!positional || positional.variadic) return [];
  if (positional.choices) return match(positional.choices);
  if (positional.name !== 'rollout') return [];
  return match(await rolloutNames(io, finalizeArgs(spec, given) as GlobalArgs));
}

function safe<T>(f: () => T[]): T[] {
  try {
    return f();
  } catch {
    return [];
  }
}

/** Blue-green rollout names in the namespace, within 2 s: a slow cluster never hangs the shell. */
async function rolloutNames(io: IO, args: GlobalArgs): Promise<string[]> {
  const ctx = createCtx(io, args, AbortSignal.timeout(2000));
  try {
    const kube = await ctx.kube();
    const list = await kube.client.listRollouts(kube.namespace, ctx.signal);
    return list.items.filter((r) => r.spec?.strategy?.blueGreen).map((r) => r.metadata.name ?? '');
  } catch {
    return [];
  } finally {
    ctx.closeKube();
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
(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }
autoload -U +X bashcompinit && bashcompinit
${bash}`;
  }
  return bash;
}
