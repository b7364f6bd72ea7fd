// The command line: yargs wiring only. Every command is data here (name, positionals, flags, examples)
// and a handler in ./commands that returns an exit code. Errors are thrown as CliError and turned into
// a sentence and an exit code in main.ts.
import yargs, { type Argv } from 'yargs';
import type { Ctx } from '../ctx.js';
import { CliError, EXIT } from '../errors.js';
import type { T } from '../i18n/index.js';
import { yargsKo } from '../i18n/yargs-ko.js';

type Args = Record<string, unknown> & { _: Array<string | number> };

const OUTPUTS = ['table', 'wide', 'json', 'yaml'];

const KUBE_FLAGS = [
  'namespace',
  'allNamespaces',
  'context',
  'kubeconfig',
  'cluster',
  'user',
  'server',
  'token',
  'as',
  'asGroup',
  'certificateAuthority',
  'clientCertificate',
  'clientKey',
  'insecureSkipTlsVerify',
  'tlsServerName',
  'requestTimeout',
  'output',
] as const;

function globals(y: Argv, t: T): Argv {
  return y
    .option('namespace', { alias: 'n', type: 'string', describe: t('help.opt.namespace'), requiresArg: true })
    .option('all-namespaces', { alias: 'A', type: 'boolean', describe: t('help.opt.allNamespaces') })
    .option('context', { type: 'string', describe: t('help.opt.context'), requiresArg: true })
    .option('kubeconfig', { type: 'string', describe: t('help.opt.kubeconfig'), requiresArg: true })
    .option('cluster', { type: 'string', describe: t('help.opt.cluster'), requiresArg: true, hidden: true })
    .option('user', { type: 'string', describe: t('help.opt.user'), requiresArg: true, hidden: true })
    .option('server', { alias: 's', type: 'string', describe: t('help.opt.server'), requiresArg: true, hidden: true })
    .option('token', { type: 'string', describe: t('help.opt.token'), requiresArg: true, hidden: true })
    .option('as', { type: 'string', describe: t('help.opt.as'), requiresArg: true, hidden: true })
    .option('as-group', { type: 'string', array: true, describe: t('help.opt.asGroup'), requiresArg: true, hidden: true })
    .option('certificate-authority', { type: 'string', describe: t('help.opt.certificateAuthority'), requiresArg: true, hidden: true })
    .option('client-certificate', { type: 'string', describe: t('help.opt.clientCertificate'), requiresArg: true, hidden: true })
    .option('client-key', { type: 'string', describe: t('help.opt.clientKey'), requiresArg: true, hidden: true })
    .option('insecure-skip-tls-verify', { type: 'boolean', describe: t('help.opt.insecure'), hidden: true })
    .option('tls-server-name', { type: 'string', describe: t('help.opt.tlsServerName'), requiresArg: true, hidden: true })
    .option('request-timeout', { type: 'string', default: '30s', describe: t('help.opt.requestTimeout'), requiresArg: true })
    .option('output', { alias: 'o', type: 'string', describe: t('help.opt.output'), choices: OUTPUTS, requiresArg: true })
    .option('color', { type: 'boolean', default: true, describe: t('help.opt.noColor'), hidden: true })
    .option('no-color', { type: 'boolean', describe: t('help.opt.noColor') })
    .option('verbose', { alias: 'v', type: 'count', describe: t('help.opt.verbose') })
    .option('lang', { type: 'string', choices: ['en', 'ko'], describe: t('help.opt.lang'), requiresArg: true });
}

function changeFlags(y: Argv, t: T): Argv {
  return y
    .option('yes', { alias: 'y', type: 'boolean', describe: t('help.opt.yes') })
    .option('dry-run', { type: 'string', describe: t('help.opt.dryRun') })
    .option('reason', { type: 'string', describe: t('help.opt.reason'), requiresArg: true });
}

export interface Cli {
  run(argv: string[]): Promise<number>;
}

export function buildCli(ctx: Ctx): Cli {
  const t = ctx.t;
  let code: number = EXIT.OK;
  const handle =
    <A>(fn: (ctx: Ctx, a: A) => Promise<number>) =>
    async (argv: unknown) => {
      code = await fn(ctx, argv as A);
    };
  const lazy = {
    status: () => import('./commands/status.js'),
    change: () => import('./commands/change-commands.js'),
    history: () => import('./commands/history.js'),
    wait: () => import('./commands/wait.js'),
    version: () => import('./commands/version.js'),
  };

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
  if (ctx.lang === 'ko') parser = parser.locale('ko').updateLocale(yargsKo as unknown as Record<string, string>);
  else parser = parser.locale('en');
  parser = globals(parser, t).middleware((argv) => {
    // The kubectl flags, for ctx.kube(); read when a command first needs the cluster.
    const f = ctx.flags as Record<string, unknown>;
    for (const k of KUBE_FLAGS) if (argv[k] !== undefined) f[k] = argv[k];
  });

  parser = parser
    .command(
      'status [rollout]',
      t('help.status'),
      (y) =>
        y
          .positional('rollout', { type: 'string', describe: 'ROLLOUT' })
          .option('watch', { alias: 'w', type: 'boolean', describe: t('help.opt.watch') })
          .example('kubectl bluegreen status frontend -n apc-fe-ns', '')
          .example('kubectl bluegreen status frontend -o json | jq .previewIsOlder', '')
          .example('kubectl bluegreen status -A', '')
          .example('kubectl bluegreen status frontend --watch', ''),
      handle(async (c, a: Args) => (await lazy.status()).status(c, { rollout: a.rollout as string | undefined, watch: a.watch as boolean, output: a.output as string, allNamespaces: a.allNamespaces as boolean })),
    )
    .command(
      'set-image <rollout> <images..>',
      t('help.setImage'),
      (y) =>
        changeFlags(y, t)
          .positional('rollout', { type: 'string', describe: 'ROLLOUT' })
          .positional('images', { type: 'string', array: true, describe: 'CONTAINER=IMAGE' })
          .option('include-init', { type: 'boolean', describe: t('help.opt.includeInit') })
          .example('kubectl bluegreen set-image frontend frontend=registry.example.com/apc/frontend:v1.055 -n apc-fe-ns', '')
          .example("kubectl bluegreen set-image frontend '*=registry.example.com/apc/frontend:v1.055' --dry-run", ''),
      handle(async (c, a: Args) =>
        (await lazy.change()).setImage(c, {
          rollout: a.rollout as string,
          images: (a.images as unknown[]).map(String),
          includeInit: a.includeInit as boolean,
          yes: a.yes as boolean,
          dryRun: a.dryRun as string | undefined,
          reason: a.reason as string | undefined,
          output: a.output as string | undefined,
        }),
      ),
    )
    .command(
      'promote <rollout>',
      t('help.promote'),
      (y) =>
        changeFlags(y, t)
          .positional('rollout', { type: 'string', describe: 'ROLLOUT' })
          .option('full', { type: 'boolean', describe: t('help.opt.full') })
          .option('force', { type: 'boolean', describe: t('help.opt.force') })
          .option('wait', { type: 'boolean', describe: t('help.opt.for') })
          .option('timeout', { type: 'string', default: '5m', describe: t('help.opt.timeout'), requiresArg: true })
          .example('kubectl bluegreen promote frontend -n apc-fe-ns', '')
          .example('kubectl bluegreen promote frontend --dry-run', '')
          .example('kubectl bluegreen promote frontend --yes --reason "release 2026-11-23" --wait', ''),
      handle(async (c, a: Args) =>
        (await lazy.change()).promote(c, {
          rollout: a.rollout as string,
          full: a.full as boolean,
          force: a.force as boolean,
          wait: a.wait as boolean,
          timeout: a.timeout as string,
          yes: a.yes as boolean,
          dryRun: a.dryRun as string | undefined,
          reason: a.reason as string | undefined,
          output: a.output as string | undefined,
        }),
      ),
    )
    .command(
      'undo <rollout>',
      t('help.undo'),
      (y) =>
        changeFlags(y, t)
          .positional('rollout', { type: 'string', describe: 'ROLLOUT' })
          .option('to-revision', { type: 'string', describe: t('help.opt.toRevision'), requiresArg: true })
          .example('kubectl bluegreen undo frontend -n apc-fe-ns', '')
          .example('kubectl bluegreen undo frontend --to-revision 8 --dry-run', ''),
      handle(async (c, a: Args) =>
        (await lazy.change()).undo(c, {
          rollout: a.rollout as string,
          toRevision: a.toRevision as string | undefined,
          yes: a.yes as boolean,
          dryRun: a.dryRun as string | undefined,
          reason: a.reason as string | undefined,
          output: a.output as string | undefined,
        }),
      ),
    )
    .command(
      'abort <rollout>',
      t('help.abort'),
      (y) =>
        changeFlags(y, t)
          .positional('rollout', { type: 'string', describe: 'ROLLOUT' })
          .example('kubectl bluegreen abort frontend -n apc-fe-ns', ''),
      handle(async (c, a: Args) =>
        (await lazy.change()).abort(c, {
          rollout: a.rollout as string,
          yes: a.yes as boolean,
          dryRun: a.dryRun as string | undefined,
          reason: a.reason as string | undefined,
          output: a.output as string | undefined,
        }),
      ),
    )
    .command(
      'history <rollout>',
      t('help.history'),
      (y) => y.positional('rollout', { type: 'string', describe: 'ROLLOUT' }).example('kubectl bluegreen history frontend -n apc-fe-ns', ''),
      handle(async (c, a: Args) => (await lazy.history()).history(c, { rollout: a.rollout as string, output: a.output as string })),
    )
    .command(
      'diff <rollout>',
      t('help.diff'),
      (y) => y.positional('rollout', { type: 'string', describe: 'ROLLOUT' }).example('kubectl bluegreen diff frontend -n apc-fe-ns', ''),
      handle(async (c, a: Args) => (await lazy.history()).diff(c, { rollout: a.rollout as string, output: a.output as string })),
    )
    .command(
      'wait <rollout>',
      t('help.wait'),
      (y) =>
        y
          .positional('rollout', { type: 'string', describe: 'ROLLOUT' })
          .option('for', { type: 'string', choices: ['healthy', 'paused', 'promoted'], demandOption: true, describe: t('help.opt.for'), requiresArg: true })
          .option('timeout', { type: 'string', default: '5m', describe: t('help.opt.timeout'), requiresArg: true })
          .option('stall-timeout', { type: 'string', hidden: true, requiresArg: true })
          .example('kubectl bluegreen wait frontend --for=paused --timeout 10m', '')
          .example('kubectl bluegreen wait frontend --for=healthy', ''),
      handle(async (c, a: Args) =>
        (await lazy.wait()).waitFor(c, {
          rollout: a.rollout as string,
          for: a.for as 'healthy' | 'paused' | 'promoted',
          timeout: a.timeout as string,
          stallTimeout: a.stallTimeout as string | undefined,
        }),
      ),
    )
    .command(
      'version',
      t('help.version'),
      (y) => y.option('client', { type: 'boolean', describe: t('help.opt.client') }),
      handle(async (c, a: Args) => (await lazy.version()).version(c, { client: a.client as boolean, output: a.output as string })),
    )
    .command(
      'completion [shell]',
      t('help.completion'),
      (y) => y.positional('shell', { type: 'string', choices: ['bash', 'zsh'] }).example('kubectl bluegreen completion bash >> ~/.bashrc', ''),
      handle(async (c, a: Args) => {
        const shell = (a.shell as string | undefined) ?? (/zsh/.test(c.io.env.SHELL ?? '') ? 'zsh' : 'bash');
        c.out((await import('./complete.js')).completionScript(shell));
        return EXIT.OK;
      }),
    )
    .demandCommand(1, '');

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
