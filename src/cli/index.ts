// The yargs parser, built from ./spec.ts: used for --help and for anything the fast parser (./parse.ts)
// does not accept, so that help and usage errors have one source. Loaded only then.
import yargs, { type Argv } from 'yargs';
import type { Ctx } from '../ctx.js';
import { CliError, EXIT } from '../errors.js';
import { yargsKo } from '../i18n/yargs-ko.js';
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from './spec.js';

type Args = Record<string, unknown>;

function addOptions(y: Argv, options: OptionSpec[], ctx: Ctx): Argv {
  for (const o of options) {
    // Only the keys that are set: yargs treats a present-but-undefined `default` as a value.
    const def: Record<string, unknown> = {
      type: o.type === 'count' ? 'count' : o.type === 'array' ? 'string' : o.type,
      describe: ctx.t(o.describe),
    };
    if (o.alias) def.alias = o.alias;
    if (o.type === 'array') def.array = true;
    if (o.choices) def.choices = [...o.choices];
    if (o.default !== undefined) def.default = o.default;
    if (o.hidden) def.hidden = true;
    if (o.required) def.demandOption = true;
    if (o.type === 'string' && o.name !== 'dry-run') def.requiresArg = true;
    // A flag given twice: the last one wins, as in kubectl.
    if (o.type === 'string') def.coerce = (v: unknown) => (Array.isArray(v) ? v[v.length - 1] : v);
    y = y.option(o.name, def);
  }
  return y;
}

export interface Cli {
  run(argv: string[]): Promise<number>;
}

export function buildCli(ctx: Ctx, onCommand: (command: string, args: Args) => Promise<number>): Cli {
  const t = ctx.t;
  let code: number = EXIT.OK;
  let parser = yargs()
    .scriptName('kubectl bluegreen')
    .usage(`kubectl bluegreen <command> [flags]\n\n${t('help.usage')}`)
    .parserConfiguration({ 'boolean-negation': true, 'strip-dashed': false })
    .strict()
    .recommendCommands()
    .exitProcess(false)
    .version(false)
    .help('help')
    .alias('help', 'h')
    .wrap(Math.min(110, ctx.io.stdout.columns ?? 100))
    .epilog(t('help.epilog'))
    .showHelpOnFail(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new CliError(EXIT.USAGE, 'usage.yargs', { message: msg || 'a command is required' });
    });
  parser = ctx.lang === 'ko' ? parser.locale('ko').updateLocale(yargsKo as unknown as Record<string, string>) : parser.locale('en');
  parser = addOptions(parser, GLOBAL_OPTIONS, ctx).option('no-color', { type: 'boolean', describe: t('help.opt.noColor') });
  for (const c of COMMANDS) {
    const usage = [c.name, ...c.positionals.map((p) => (p.required ? `<${p.name}${p.variadic ? '..' : ''}>` : `[${p.name}]`))].join(' ');
    parser = parser.command(
      usage,
      t(c.describe),
      (y) => {
        for (const p of c.positionals) y = y.positional(p.name, { type: 'string', choices: p.choices ? [...p.choices] : undefined });
        y = addOptions(y, c.options, ctx);
        for (const e of c.examples) y = y.example(e, '');
        return y;
      },
      async (argv) => {
        code = await onCommand(c.name, argv as Args);
      },
    );
  }
  parser = parser.demandCommand(1, '');

  return {
    async run(argv: string[]) {
      code = EXIT.OK;
      // With a parse callback yargs hands over what it would print (help) instead of using console.
      let output = '';
      await parser.parse(argv, {}, (_err: unknown, _argv: unknown, out: string) => {
        output = out;
      });
      if (output) ctx.out(output.endsWith('\n') ? output : `${output}\n`);
      return code;
    },
  };
}
