// The fast parser and yargs must read every argument list the same way. The fast parser may decline
// (null) and leave a case to yargs, but when it answers, its answer is yargs' answer.
import { describe, expect, it } from 'vitest';
import { fastParse } from '../../src/cli/parse.js';
import { buildCli } from '../../src/cli/index.js';
import { COMMANDS, GLOBAL_OPTIONS, camel } from '../../src/cli/spec.js';
import { createCtx } from '../../src/main.js';
import type { IO } from '../../src/ctx.js';
import { PassThrough } from 'node:stream';

function io(): IO {
  return {
    stdout: { write: () => true },
    stderr: { write: () => true },
    stdin: new PassThrough(),
    stdinIsTTY: false,
    env: {},
    now: () => new Date(),
    onInterrupt: () => () => undefined,
  };
}

async function viaYargs(argv: string[]): Promise<{ command: string; args: Record<string, unknown> } | { error: string }> {
  const ctx = createCtx(io(), argv, new AbortController().signal);
  let got: { command: string; args: Record<string, unknown> } | undefined;
  try {
    await buildCli(ctx, async (command, args) => {
      got = { command, args };
      return 0;
    }).run(argv);
  } catch (e) {
    return { error: String((e as Error).message) };
  }
  return got ?? { error: 'no command' };
}

const keysOf = (command: string) => [
  ...[...GLOBAL_OPTIONS, ...COMMANDS.find((c) => c.name === command)!.options].map((o) => camel(o.name)),
  ...COMMANDS.find((c) => c.name === command)!.positionals.map((p) => camel(p.name)),
];

const ORDINARY = [
  ['status', 'frontend', '-n', 'apc-fe-ns'],
  ['status', 'frontend', '--namespace=apc-fe-ns', '-o', 'json'],
  ['status', '-A'],
  ['status', '-A', '-o', 'wide', '--no-color'],
  ['status', 'frontend', '--watch', '--context', 'prod', '--kubeconfig', '/tmp/k'],
  ['-n', 'apc-fe-ns', 'status', 'frontend'],
  ['promote', 'frontend', '--yes', '--reason', 'ticket 42'],
  ['promote', 'frontend', '--dry-run'],
  ['promote', 'frontend', '--dry-run=server', '-v'],
  ['promote', 'frontend', '-y', '--full', '--force', '--wait', '--timeout', '2m'],
  ['undo', 'frontend', '--to-revision', '8', '-vv'],
  ['undo', 'frontend', '--to-revision=8', '--lang', 'ko'],
  ['abort', 'frontend', '-y', '--request-timeout', '5s'],
  ['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', 'sidecar=x:1', '--yes'],
  ['set-image', 'frontend', '*=x:2', '--include-init', '--dry-run'],
  ['history', 'frontend', '-o', 'yaml'],
  ['diff', 'frontend'],
  ['wait', 'frontend', '--for=paused', '--timeout', '10m'],
  ['wait', 'frontend', '--for', 'healthy'],
  ['version', '--client'],
  ['version'],
  ['completion', 'zsh'],
  ['status', 'frontend', '--color=false'],
];

const ODD = [
  ['status', 'frontend', '--bogus'],
  ['promote'],
  ['promote', 'a', 'b'],
  ['wait', 'frontend'],
  ['wait', 'frontend', '--for=sometime'],
  ['status', '-o', 'xml'],
  ['status', '-nA'],
  ['promote', 'frontend', '--reason'],
  ['set-image', 'frontend'],
  ['frobnicate'],
  ['status', '--help'],
  ['status', 'frontend', '-n', 'a', '-n', 'b'],
  ['--as-group', 'a', 'status'],
  ['status', '--', 'frontend'],
];

describe('yargs (the fallback)', () => {
  it('a flag given twice: the last one wins, as in kubectl', async () => {
    const r = await viaYargs(['status', 'frontend', '-n', 'a', '-n', 'b']);
    expect('args' in r && r.args.namespace).toBe('b');
  });
});

describe('fast parser', () => {
  it.each(ORDINARY.map((a) => [a.join(' '), a]))('takes the ordinary `%s` itself, exactly as yargs reads it', async (_name, argv) => {
    const fast = fastParse(argv);
    expect(fast, 'the fast parser should handle this').not.toBeNull();
    const slow = await viaYargs(argv);
    expect('error' in slow ? slow.error : slow.command).toBe(fast!.command.name);
    if ('error' in slow) return;
    for (const k of keysOf(fast!.command.name)) {
      const f = fast!.args[k];
      const y = slow.args[k];
      // yargs sets booleans it was not given to undefined and counts to 0: both mean "not given".
      const norm = (v: unknown) => (v === 0 || v === false ? undefined : v);
      expect(norm(f), `${k} in ${argv.join(' ')}`).toEqual(norm(y));
    }
  });

  it.each(ODD.map((a) => [a.join(' '), a]))('leaves `%s` to yargs (help or a usage error)', (_name, argv) => {
    expect(fastParse(argv)).toBeNull();
  });
});
