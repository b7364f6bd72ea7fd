// The parser (src/cli/parse.ts) against an independent reading of the same command lines: yargs,
// configured from the same spec (src/cli/help.ts). Ordinary command lines must parse to the same
// arguments; mistakes must be usage errors (exit 2) that say what to type.
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/parse.js';
import { buildYargs } from '../../src/cli/help.js';
import { commandSpec, finalizeArgs } from '../../src/cli/spec.js';
import { CliError } from '../../src/errors.js';
import { translator } from '../../src/i18n/index.js';
import { describeError } from '../../src/describe.js';

const t = translator('en');

async function viaYargs(argv: string[]): Promise<{ command: string; args: Record<string, unknown> } | { error: string }> {
  let got: { command: string; args: Record<string, unknown> } | undefined;
  const y = buildYargs({ t, lang: 'en' }, (command, args) => (got = { command, args }))
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    });
  try {
    await y.parse(argv);
  } catch (e) {
    return { error: String((e as Error).message) };
  }
  if (!got) return { error: 'no command' };
  // yargs leaves what was not given undefined; the spec's types are filled in the same way for both.
  return { command: got.command, args: finalizeArgs(commandSpec(got.command)!, got.args) };
}

const ORDINARY = [
  ['status', 'frontend', '-n', 'apc-fe-ns'],
  ['status', 'frontend', '--namespace=apc-fe-ns', '-o', 'json'],
  ['status', '-A'],
  ['status', '-A', '-o', 'wide', '--no-color'],
  ['status', 'frontend', '--watch', '--context', 'prod', '--kubeconfig', '/tmp/k'],
  ['-n', 'apc-fe-ns', 'status', 'frontend'],
  ['promote', 'frontend', '--yes', '--reason', 'ticket 42'],
  ['promote', 'frontend', '--dry-run=client'],
  ['promote', 'frontend', '--dry-run=server', '-v'],
  ['promote', 'frontend', '-y', '--full', '--force', '--wait', '--timeout', '2m'],
  ['undo', 'frontend', '--to-revision', '8', '-vv'],
  ['undo', 'frontend', '--to-revision=8', '--lang', 'ko'],
  ['abort', 'frontend', '-y', '--request-timeout', '5s'],
  ['set-image', 'frontend', 'frontend=registry.example.com/apc/frontend:v1.055', 'sidecar=x:1', '--yes'],
  ['set-image', 'frontend', '*=x:2', '--include-init'],
  ['history', 'frontend', '-o', 'yaml'],
  ['diff', 'frontend'],
  ['wait', 'frontend', '--for=paused', '--timeout', '10m'],
  ['wait', 'frontend', '--for', 'healthy'],
  ['version', '--client'],
  ['version'],
  ['completion', 'zsh'],
  ['status', 'frontend', '--color=false'],
  ['status', 'frontend', '-n', 'a', '-n', 'b'],
  ['status', '--as-group', 'a', '--as-group', 'b'],
];

describe('parseArgv reads ordinary command lines as yargs does', () => {
  it.each(ORDINARY.map((a) => [a.join(' '), a]))('`%s`', async (_name, argv) => {
    const fast = parseArgv(argv);
    expect(fast.kind).toBe('command');
    if (fast.kind !== 'command') return;
    const slow = await viaYargs(argv);
    expect('error' in slow ? slow.error : slow.command).toBe(fast.command.name);
    if ('command' in slow) expect(fast.args).toEqual(slow.args);
  });

  it('a flag given twice: the last one wins, as in kubectl', () => {
    const r = parseArgv(['status', 'frontend', '-n', 'a', '-n', 'b']);
    expect(r.kind === 'command' && r.args.namespace).toBe('b');
  });

  it('kubectl shorthands: -ojson, -o=json, -yA style combined booleans, --no-color, and -- ends the flags', () => {
    const args = (argv: string[]) => {
      const r = parseArgv(argv);
      return r.kind === 'command' ? r.args : null;
    };
    expect(args(['status', 'frontend', '-ojson'])?.output).toBe('json');
    expect(args(['status', 'frontend', '-o=yaml'])?.output).toBe('yaml');
    expect(args(['status', '-wA'])).toMatchObject({ watch: true, allNamespaces: true });
    expect(args(['status', '--no-color'])?.color).toBe(false);
    expect(args(['status', '--', 'frontend'])?.rollout).toBe('frontend');
    expect(args(['promote', 'frontend', '--dry-run'])?.dryRun).toBe('');
  });

  it("kubectl's numeric verbosity: -v=N, --v=N, --v N and -vN (6 logs requests, 8 and up their bodies)", () => {
    const level = (argv: string[]) => {
      const r = parseArgv(argv);
      return r.kind === 'command' ? { v: r.args.verbose, rollout: r.args.rollout } : null;
    };
    expect(level(['promote', 'frontend', '-v=6'])?.v).toBe(1);
    expect(level(['promote', 'frontend', '--v=4'])?.v).toBe(1);
    expect(level(['promote', 'frontend', '--v=8'])?.v).toBe(2);
    expect(level(['promote', 'frontend', '-v9'])?.v).toBe(2);
    expect(level(['promote', 'frontend', '--v=10'])?.v).toBe(2);
    expect(level(['promote', 'frontend', '-v=0'])?.v).toBe(0);
    // --v takes the next argument as kubectl does; the rollout is still the positional.
    expect(level(['promote', '--v', '6', 'frontend'])).toEqual({ v: 1, rollout: 'frontend' });
    expect(level(['--v', '8', 'promote', 'frontend'])).toEqual({ v: 2, rollout: 'frontend' });
    // -v 6 too, as kubectl's -v is a level flag (found by a hostile review: it read 6 as the rollout).
    expect(level(['promote', '-v', '6', 'frontend'])).toEqual({ v: 1, rollout: 'frontend' });
    expect(level(['status', 'frontend', '-v', '8'])).toEqual({ v: 2, rollout: 'frontend' });
    expect(level(['status', '-v', 'frontend'])).toEqual({ v: 1, rollout: 'frontend' });
  });

  it('a level sets the verbosity (the last one wins, as for any repeated flag); -v adds to it', () => {
    const v = (argv: string[]) => {
      const r = parseArgv(argv);
      return r.kind === 'command' ? r.args.verbose : null;
    };
    expect(v(['status', '-v=8', '-v=6'])).toBe(1);
    expect(v(['status', '-vv', '-v=0'])).toBe(0);
    expect(v(['status', '-v=6', '-v'])).toBe(2);
    expect(v(['status', '-v', '-v'])).toBe(2);
    // --verbose is the count it always was, whatever follows =.
    expect(v(['status', '--verbose'])).toBe(1);
    expect(v(['status', '--verbose=true'])).toBe(1);
  });

  it('a verbosity that is not a level is a usage error that says the levels (yargs has no such flag to compare)', async () => {
    for (const [argv, key, re] of [
      [['status', '-v=high'], 'usage.badChoice', /^-v "high" is not supported by status; use one of: 0-9\.$/],
      [['status', '--v'], 'usage.missingValue', /^--v needs a value \(0-9\)\.$/],
    ] as const) {
      const { err, text } = await usageError(argv);
      expect(err.key).toBe(key);
      expect(text).toMatch(re);
    }
  });

  it('--help anywhere asks for help', () => {
    expect(parseArgv(['status', '--help'])).toMatchObject({ kind: 'help', command: { name: 'status' } });
    expect(parseArgv([])).toMatchObject({ kind: 'help', command: undefined });
  });
});

/** The usage error (exit 2) parseArgv throws for argv, and how it is said in English. */
async function usageError(argv: readonly string[]): Promise<{ err: CliError; text: string }> {
  let err: unknown;
  try {
    parseArgv([...argv]);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CliError);
  expect((err as CliError).exitCode).toBe(2);
  return { err: err as CliError, text: (await describeError(t, err)).text };
}

const MISTAKES: Array<[string[], string, RegExp]> = [
  [['status', 'frontend', '--bogus'], 'usage.unknownFlag', /unknown flag --bogus for status/],
  [['status', 'frontend', '--watc'], 'usage.unknownFlag', /did you mean --watch\?/],
  [['promote'], 'usage.missingArgument', /promote needs ROLLOUT: kubectl bluegreen promote ROLLOUT/],
  [['promote', 'a', 'b'], 'usage.tooManyArguments', /not expected: b/],
  [['wait', 'frontend'], 'usage.missingFlag', /wait needs --for \(healthy\|paused\|promoted\)/],
  [
    ['wait', 'frontend', '--for=sometime'],
    'usage.badChoice',
    /--for "sometime" is not supported by wait; use one of: healthy, paused, promoted/,
  ],
  [['status', '-o', 'xml'], 'usage.badChoice', /-o "xml" is not supported by status; use one of: table, wide, json, yaml/],
  [['status', 'frontend', '-o'], 'usage.missingValue', /-o needs a value \(table, wide, json, yaml\)/],
  [['promote', 'frontend', '--reason'], 'usage.missingValue', /--reason needs a value/],
  [['undo', 'frontend', '--to-revision'], 'usage.missingValue', /--to-revision needs a value \(a revision number from history\)/],
  [
    ['promote', 'frontend', '--dry-run=bogus'],
    'usage.badChoice',
    /--dry-run "bogus" is not supported by promote; use one of: none, client, server/,
  ],
  [['promote', 'frontend', '-A'], 'usage.flagNotHere', /-A is not a flag of promote \(it belongs to status\)/],
  [['set-image', 'frontend'], 'usage.missingArgument', /set-image needs IMAGES/],
  [['frobnicate'], 'usage.unknownCommand', /unknown command "frobnicate"/],
  [['promte', 'frontend'], 'usage.unknownCommand', /did you mean "promote"\?/],
];

describe('mistakes are usage errors that say what to type (exit 2)', () => {
  it.each(MISTAKES.map(([a, k, re]) => [a.join(' '), a, k, re] as const))('`%s`', async (_name, argv, key, re) => {
    const { err, text } = await usageError(argv);
    expect(err.key).toBe(key);
    expect(text).toMatch(re);
    expect(text).not.toMatch(/ {2}/); // no double spaces
    // yargs also refuses it (or would not know the command)
    expect('error' in (await viaYargs([...argv]))).toBe(true);
  });
});
