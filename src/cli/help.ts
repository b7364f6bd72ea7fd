// Help text, rendered by yargs from ./spec.ts (the parser itself is ./parse.ts). Loaded only for
// --help, -h or a bare `kubectl bluegreen`: yargs costs more to load and configure than a whole `status`.
import yargs, { type Argv } from 'yargs';
import type { Key, Lang, T } from '../i18n/index.js';
import { yargsKo } from '../i18n/yargs-ko.js';
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from './spec.js';

function addOptions(y: Argv, options: readonly OptionSpec[], t: T): Argv {
  for (const o of options) {
    // Only the keys that are set: yargs treats a present-but-undefined `default` as a value.
    const def: Record<string, unknown> = {
      type: o.type === 'count' ? 'count' : o.type === 'array' ? 'string' : o.type,
      describe: t(o.describe),
    };
    if (o.alias) def.alias = o.alias;
    if (o.type === 'array') def.array = true;
    if (o.choices) def.choices = o.choices.filter((c) => c !== '');
    if (o.default !== undefined) def.default = o.default;
    if (o.hidden) def.hidden = true;
    if (o.required) def.demandOption = true;
    if (o.type === 'string' && o.name !== 'dry-run') def.requiresArg = true;
    y = y.option(o.name, def);
  }
  return y;
}

/**
 * yargs configured from the spec. `onCommand` receives what yargs parsed; the tests use that as an
 * independent reading of the same command line to check ./parse.ts against.
 */
export function buildYargs(
  opts: { t: T; lang: Lang; columns?: number },
  onCommand: (name: string, args: Record<string, unknown>) => void = () => undefined,
): Argv {
  const { t } = opts;
  let parser = yargs()
    .scriptName('kubectl bluegreen')
    .usage(`kubectl bluegreen <command> [flags]\n\n${t('help.usage')}`)
    .parserConfiguration({ 'boolean-negation': true, 'strip-dashed': false })
    .exitProcess(false)
    .version(false)
    .help('help')
    .alias('help', 'h')
    .wrap(Math.min(110, Math.max(40, opts.columns ?? 100)))
    .epilog(t('help.epilog'))
    .showHelpOnFail(false)
    .fail(() => undefined);
  parser = opts.lang === 'ko' ? parser.locale('ko').updateLocale(yargsKo as unknown as Record<string, string>) : parser.locale('en');
  parser = addOptions(parser, GLOBAL_OPTIONS, t).option('no-color', { type: 'boolean', describe: t('help.opt.noColor') });
  for (const c of COMMANDS) {
    const usage = [c.name, ...c.positionals.map((p) => (p.required ? `<${p.name}${'variadic' in p ? '..' : ''}>` : `[${p.name}]`))].join(
      ' ',
    );
    parser = parser.command(
      usage,
      t(c.describe),
      (y) => {
        for (const p of c.positionals) y = y.positional(p.name, { type: 'string', choices: 'choices' in p ? [...p.choices] : undefined });
        y = addOptions(y, c.options, t);
        return y;
      },
      (argv) => onCommand(c.name, argv as Record<string, unknown>),
    );
  }
  return parser;
}

/** The help for `argv` (an overview, or one command's flags and examples). */
export async function helpText(argv: string[], opts: { t: T; lang: Lang; columns?: number }): Promise<string> {
  const parser = buildYargs(opts);
  // With a parse callback yargs hands over what it would print instead of using console.
  let output = '';
  await parser.parse(
    argv.includes('--help') || argv.includes('-h') ? argv : [...argv, '--help'],
    {},
    (_err: unknown, _argv: unknown, out: string) => {
      output = out;
    },
  );
  output = output.endsWith('\n') ? output : `${output}\n`;
  // A command's examples, added here rather than by yargs, which wrapped them at the terminal's width: a
  // wrapped command (`-n` / `apc-fe-ns`) or a comment's tail on a line of its own does not paste.
  const typed = argv.find((a) => COMMANDS.some((c) => c.name === a));
  const command = COMMANDS.find((c) => c.name === typed);
  if (!command) return output;
  const examples = `${opts.t('help.examplesTitle')}\n${command.examples
    .map((e) => `  ${e.replace(/\{([\w.]+)\}/g, (_m, key: string) => opts.t(key as Key))}`)
    .join('\n')}\n`;
  return `${output}\n${examples}`;
}
