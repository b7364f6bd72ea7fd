// The fast parser for ordinary invocations, driven by ./spec.ts. It accepts only what it is sure of;
// anything else (help, a usage error, combined short flags, array flags, a duplicate) returns null and
// the full yargs parser takes over, so help and error messages come from one place. Loading and
// configuring yargs costs more than everything else a `status` does on start-up.
import { camel, COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './spec.js';

export interface Parsed {
  command: CommandSpec;
  args: Record<string, unknown>;
}

function find(options: OptionSpec[], name: string): OptionSpec | undefined {
  return options.find((o) => o.name === name);
}

function findAlias(options: OptionSpec[], alias: string): OptionSpec | undefined {
  return options.find((o) => o.alias === alias);
}

export function fastParse(argv: string[]): Parsed | null {
  const args: Record<string, unknown> = {};
  const seen = new Set<string>();
  const positionals: string[] = [];
  let command: CommandSpec | undefined;
  let options = GLOBAL_OPTIONS;

  const set = (o: OptionSpec, value: unknown): boolean => {
    if (o.type !== 'count' && seen.has(o.name)) return false;
    seen.add(o.name);
    if (o.choices && !o.choices.includes(String(value))) return false;
    args[camel(o.name)] = value;
    return true;
  };

  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') return null;
    if (tok === '--help' || tok === '-h') return null;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      let name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      let value: string | undefined = eq === -1 ? undefined : tok.slice(eq + 1);
      let negated = false;
      let o = find(options, name);
      if (!o && name.startsWith('no-')) {
        o = find(options, name.slice(3));
        negated = true;
        name = name.slice(3);
        if (!o || o.type !== 'boolean' || value !== undefined) return null;
      }
      if (!o || o.type === 'array') return null;
      if (o.type === 'boolean') {
        if (value !== undefined && value !== 'true' && value !== 'false') return null;
        if (!set(o, negated ? false : value !== 'false')) return null;
      } else if (o.type === 'count') {
        if (value !== undefined) return null;
        args[camel(o.name)] = ((args[camel(o.name)] as number | undefined) ?? 0) + 1;
      } else {
        if (value === undefined) {
          value = argv[++i];
          if (value === undefined || value.startsWith('-')) {
            // --dry-run alone means the client-side dry run; any other bare string flag is an error.
            if (o.name === 'dry-run') {
              i--;
              value = '';
            } else return null;
          }
        }
        if (!set(o, value)) return null;
      }
      continue;
    }
    if (tok.startsWith('-') && tok.length > 1) {
      const letters = tok.slice(1);
      // -v, -vv, -vvv (a count), or one short alias: -n NS, -o json, -A, -y, -w
      if (/^v+$/.test(letters)) {
        args.verbose = ((args.verbose as number | undefined) ?? 0) + letters.length;
        continue;
      }
      if (letters.length !== 1) return null;
      const o = findAlias(options, letters);
      if (!o || o.type === 'array') return null;
      if (o.type === 'boolean') {
        if (!set(o, true)) return null;
      } else {
        const value = argv[++i];
        if (value === undefined || value.startsWith('-') || !set(o, value)) return null;
      }
      continue;
    }
    if (!command) {
      command = COMMANDS.find((c) => c.name === tok);
      if (!command) return null;
      options = [...GLOBAL_OPTIONS, ...command.options];
      continue;
    }
    positionals.push(tok);
  }
  if (!command) return null;

  // Positionals: required present, none too many, choices respected.
  const specs = command.positionals;
  for (let p = 0; p < specs.length; p++) {
    const s = specs[p]!;
    if (s.variadic) {
      const rest = positionals.slice(p);
      if (s.required && rest.length === 0) return null;
      args[camel(s.name)] = rest;
      positionals.length = p;
      break;
    }
    const v = positionals[p];
    if (v === undefined) {
      if (s.required) return null;
      continue;
    }
    if (s.choices && !s.choices.includes(v)) return null;
    args[camel(s.name)] = v;
  }
  if (positionals.length > specs.length && !specs.some((s) => s.variadic)) return null;

  for (const o of [...GLOBAL_OPTIONS, ...command.options]) {
    const k = camel(o.name);
    if (args[k] === undefined && o.default !== undefined) args[k] = o.default;
    if (args[k] === undefined && o.required) return null;
  }
  return { command, args };
}
