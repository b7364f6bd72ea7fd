// The parser for every invocation, driven by ./spec.ts and following kubectl's (pflag's) rules: flags
// anywhere, `--name=value` or `--name value`, `-o json`, `-ojson`, `-o=json`, combined short booleans
// (`-yA`), `--no-color`, `--` ends the flags, a repeated flag's last value wins (arrays collect). A
// mistake is a usage error (exit 2) that says what to type. Only help goes to yargs (./help.ts), which
// costs more to load than everything else a `status` does on start-up.
import { LEVELS, verbosityToken } from './verbosity.js';
import { CliError, EXIT } from '../errors.js';
import {
  camel,
  COMMANDS,
  commandSpec,
  finalizeArgs,
  GLOBAL_OPTIONS,
  optionsOf,
  type Command,
  type OptionSpec,
  type PositionalSpec,
} from './spec.js';

export type Parsed =
  | { kind: 'command'; command: Command; args: Record<string, unknown> }
  /** --help, -h, or no command at all: yargs renders the help for `command` (or the overview). */
  | { kind: 'help'; command: Command | undefined };

const ALL_OPTIONS: readonly OptionSpec[] = [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options as readonly OptionSpec[])];

/** A bare `--dry-run` means the client-side dry run; its value can only be given with `=` (pflag's NoOptDefVal). */
const BARE_VALUE: Record<string, string> = { 'dry-run': '' };

const flagText = (o: OptionSpec) => (o.alias ? `-${o.alias}/--${o.name}` : `--${o.name}`);

function usage(e: CliError): never {
  throw e;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word, c);
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Does this token, before the command is known, take the next token as its value? */
function takesValueAnywhere(tok: string): boolean {
  if (tok.includes('=')) return false;
  const o = tok.startsWith('--')
    ? ALL_OPTIONS.find((x) => x.name === tok.slice(2))
    : tok.length === 2
      ? ALL_OPTIONS.find((x) => x.alias === tok[1])
      : undefined;
  return !!o && (o.type === 'string' || o.type === 'array') && BARE_VALUE[o.name] === undefined;
}

/** Finds the command word: the first token that is neither a flag nor a flag's value. */
function findCommand(argv: string[]): { index: number; spec: Command | undefined; word: string | undefined } {
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === '--') return { index: -1, spec: undefined, word: argv[i + 1] };
    if (tok.startsWith('-') && tok.length > 1) {
      const v = verbosityToken(tok, argv[i + 1]);
      if (takesValueAnywhere(tok) || (v?.kind === 'set' && v.consumed)) i++;
      continue;
    }
    return { index: i, spec: commandSpec(tok), word: tok };
  }
  return { index: -1, spec: undefined, word: undefined };
}

export function parseArgv(argv: string[]): Parsed {
  if (argv.some((a, i) => (a === '--help' || a === '-h') && !argv.slice(0, i).includes('--'))) {
    return { kind: 'help', command: findCommand(argv).spec };
  }
  const found = findCommand(argv);
  if (!found.word) return { kind: 'help', command: undefined };
  if (!found.spec) {
    const names = COMMANDS.map((c) => c.name);
    const guess = closest(found.word, names);
    usage(new CliError(EXIT.USAGE, 'usage.unknownCommand', { word: found.word, suggestion: guess ?? '', commands: names.join(', ') }));
  }
  const command = found.spec;
  const options = optionsOf(command);
  const raw: Record<string, unknown> = {};
  const positionals: string[] = [];

  const unknown = (flag: string): never => {
    const elsewhere = COMMANDS.filter((c) =>
      (c.options as readonly OptionSpec[]).some((o) => `--${o.name}` === flag || `-${o.alias}` === flag),
    ).map((c) => c.name);
    if (elsewhere.length)
      usage(new CliError(EXIT.USAGE, 'usage.flagNotHere', { flag, command: command.name, commands: elsewhere.join(', ') }));
    const names = options.filter((o) => !o.hidden).map((o) => `--${o.name}`);
    const guess = flag.startsWith('--') ? closest(flag, names) : undefined;
    return usage(new CliError(EXIT.USAGE, 'usage.unknownFlag', { flag, command: command.name, suggestion: guess ?? '' }));
  };

  const set = (o: OptionSpec, value: unknown, shown: string) => {
    const k = camel(o.name);
    if (o.choices && !o.choices.includes(String(value))) {
      const allowed = o.choices.filter((c) => c !== '').join(', ');
      usage(new CliError(EXIT.USAGE, 'usage.badChoice', { flag: shown, value: String(value), allowed, command: command.name }));
    }
    if (o.type === 'array') raw[k] = [...((raw[k] as string[] | undefined) ?? []), String(value)];
    else raw[k] = value;
  };

  const needValue = (o: OptionSpec, shown: string): never =>
    usage(
      new CliError(EXIT.USAGE, 'usage.missingValue', {
        flag: shown,
        hint: o.choices ? o.choices.filter((c) => c !== '').join(', ') : (o.valueHint ?? 'a value'),
      }),
    );

  let flagsDone = false;
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (i === found.index) continue;
    if (flagsDone || !tok.startsWith('-') || tok === '-') {
      positionals.push(tok);
      continue;
    }
    if (tok === '--') {
      flagsDone = true;
      continue;
    }
    const v = verbosityToken(tok, i + 1 === found.index ? undefined : argv[i + 1]);
    if (v) {
      if (v.kind === 'missing') usage(new CliError(EXIT.USAGE, 'usage.missingValue', { flag: v.flag, hint: LEVELS }));
      if (v.kind === 'bad')
        usage(new CliError(EXIT.USAGE, 'usage.badChoice', { flag: v.flag, value: v.value, allowed: LEVELS, command: command.name }));
      if (v.kind === 'add') raw.verbose = ((raw.verbose as number | undefined) ?? 0) + v.n;
      if (v.kind === 'set') {
        raw.verbose = v.n;
        if (v.consumed) i++;
      }
      continue;
    }
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      const inline = eq === -1 ? undefined : tok.slice(eq + 1);
      let o = options.find((x) => x.name === name);
      if (!o && name.startsWith('no-')) {
        const b = options.find((x) => x.name === name.slice(3) && x.type === 'boolean');
        if (b && inline === undefined) {
          set(b, false, tok);
          continue;
        }
      }
      if (!o) o = unknown(`--${name}`);
      if (o.type === 'boolean') {
        if (inline !== undefined && inline !== 'true' && inline !== 'false') {
          usage(
            new CliError(EXIT.USAGE, 'usage.badChoice', {
              flag: `--${name}`,
              value: inline,
              allowed: 'true, false',
              command: command.name,
            }),
          );
        }
        set(o, inline !== 'false', tok);
      } else if (o.type === 'count') {
        raw[camel(o.name)] = ((raw[camel(o.name)] as number | undefined) ?? 0) + 1;
      } else if (inline !== undefined) {
        set(o, inline, `--${name}`);
      } else if (BARE_VALUE[o.name] !== undefined) {
        set(o, BARE_VALUE[o.name], `--${name}`);
      } else {
        const value = argv[i + 1];
        if (value === undefined || (value.startsWith('-') && value !== '-') || i + 1 === found.index) needValue(o, `--${name}`);
        i++;
        set(o, value, `--${name}`);
      }
      continue;
    }
    // Short flags: -n NS, -nNS, -n=NS, and combined booleans like -yA (-v and -vv are read above).
    const letters = tok.slice(1);
    const first = options.find((x) => x.alias === letters[0]);
    if (!first) unknown(`-${letters[0]}`);
    if (first!.type === 'string' || first!.type === 'array') {
      const rest = letters.slice(1).replace(/^=/, '');
      if (rest) {
        set(first!, rest, `-${first!.alias}`);
        continue;
      }
      const value = argv[i + 1];
      if (value === undefined || (value.startsWith('-') && value !== '-') || i + 1 === found.index) needValue(first!, `-${first!.alias}`);
      i++;
      set(first!, value, `-${first!.alias}`);
      continue;
    }
    for (const letter of letters) {
      const o = options.find((x) => x.alias === letter);
      if (!o) unknown(`-${letter}`);
      if (o!.type === 'boolean') set(o!, true, `-${letter}`);
      else if (o!.type === 'count') raw[camel(o!.name)] = ((raw[camel(o!.name)] as number | undefined) ?? 0) + 1;
      else needValue(o!, `-${letter}`);
    }
  }

  // Positionals: required present, none too many, choices respected.
  const specs: readonly PositionalSpec[] = command.positionals;
  for (let p = 0; p < specs.length; p++) {
    const s = specs[p]!;
    if (s.variadic) {
      const rest = positionals.slice(p);
      if (s.required && rest.length === 0)
        usage(new CliError(EXIT.USAGE, 'usage.missingArgument', { command: command.name, what: s.name.toUpperCase() }));
      raw[camel(s.name)] = rest;
      positionals.length = p;
      break;
    }
    const v = positionals[p];
    if (v === undefined) {
      if (s.required) usage(new CliError(EXIT.USAGE, 'usage.missingArgument', { command: command.name, what: s.name.toUpperCase() }));
      continue;
    }
    if (s.choices && !s.choices.includes(v)) {
      usage(
        new CliError(EXIT.USAGE, 'usage.badChoice', {
          flag: s.name.toUpperCase(),
          value: v,
          allowed: s.choices.join(', '),
          command: command.name,
        }),
      );
    }
    raw[camel(s.name)] = v;
  }
  if (positionals.length > specs.length && !specs.some((s) => s.variadic)) {
    usage(new CliError(EXIT.USAGE, 'usage.tooManyArguments', { command: command.name, extra: positionals.slice(specs.length).join(' ') }));
  }
  for (const o of options) {
    if (o.required && raw[camel(o.name)] === undefined) {
      usage(new CliError(EXIT.USAGE, 'usage.missingFlag', { flag: flagText(o), command: command.name, hint: (o.choices ?? []).join('|') }));
    }
  }
  return { kind: 'command', command, args: finalizeArgs(command, raw) };
}
