// The command line as literal data, the one source for arguments: it drives the fast parser (every
// ordinary invocation), the yargs parser (help, and the exact wording of usage errors), shell completion,
// and the argument types each command's handler receives (ArgsOf<'promote'>), so none of them can drift.
// test/unit/parse.test.ts checks that both parsers read the same arguments the same way.
import type { Key } from '../i18n/index.js';

export type OptionType = 'string' | 'boolean' | 'count' | 'array';

export interface OptionSpec {
  /** kebab-case, as typed */
  readonly name: string;
  readonly alias?: string;
  readonly type: OptionType;
  readonly describe: Key;
  readonly choices?: readonly string[];
  readonly default?: string | boolean;
  readonly hidden?: boolean;
  readonly required?: boolean;
  /** A kubectl connection flag: it goes to the kubeconfig resolution (ctx.flags). */
  readonly kube?: true;
  /** Shown in a usage error when the value is missing, e.g. "json or yaml". */
  readonly valueHint?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly required: boolean;
  readonly variadic?: boolean;
  readonly choices?: readonly string[];
}

export interface CommandSpec {
  readonly name: string;
  readonly describe: Key;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  /** Commands as typed; `{key}` is a message key, replaced in the help's language (a comment's text). */
  readonly examples: readonly string[];
}

/** Flags every command takes: kubectl's connection flags and the plugin's presentation flags. */
export const GLOBAL_OPTIONS = [
  { name: 'namespace', alias: 'n', type: 'string', describe: 'help.opt.namespace', kube: true },
  { name: 'context', type: 'string', describe: 'help.opt.context', kube: true },
  { name: 'kubeconfig', type: 'string', describe: 'help.opt.kubeconfig', kube: true },
  { name: 'cluster', type: 'string', describe: 'help.opt.cluster', hidden: true, kube: true },
  { name: 'user', type: 'string', describe: 'help.opt.user', hidden: true, kube: true },
  { name: 'server', alias: 's', type: 'string', describe: 'help.opt.server', hidden: true, kube: true },
  { name: 'token', type: 'string', describe: 'help.opt.token', hidden: true, kube: true },
  { name: 'as', type: 'string', describe: 'help.opt.as', hidden: true, kube: true },
  { name: 'as-group', type: 'array', describe: 'help.opt.asGroup', hidden: true, kube: true },
  { name: 'certificate-authority', type: 'string', describe: 'help.opt.certificateAuthority', hidden: true, kube: true },
  { name: 'client-certificate', type: 'string', describe: 'help.opt.clientCertificate', hidden: true, kube: true },
  { name: 'client-key', type: 'string', describe: 'help.opt.clientKey', hidden: true, kube: true },
  { name: 'insecure-skip-tls-verify', type: 'boolean', describe: 'help.opt.insecure', hidden: true, kube: true },
  { name: 'tls-server-name', type: 'string', describe: 'help.opt.tlsServerName', hidden: true, kube: true },
  // kubectl's --as-uid and --disable-compression (transport; kube/kubeconfig.ts)
  { name: 'as-uid', type: 'string', describe: 'help.opt.asUid', hidden: true, kube: true },
  { name: 'disable-compression', type: 'boolean', describe: 'help.opt.disableCompression', hidden: true, kube: true },
  { name: 'request-timeout', type: 'string', describe: 'help.opt.requestTimeout', default: '30s', valueHint: '30s, 1m, 0' },
  { name: 'color', type: 'boolean', describe: 'help.opt.noColor', default: true, hidden: true },
  { name: 'verbose', alias: 'v', type: 'count', describe: 'help.opt.verbose' },
  { name: 'lang', type: 'string', describe: 'help.opt.lang', choices: ['en', 'ko'] },
] as const satisfies readonly OptionSpec[];

const output = <const C extends readonly string[]>(choices: C) =>
  ({ name: 'output', alias: 'o', type: 'string', describe: 'help.opt.output', choices }) as const satisfies OptionSpec;

const CHANGE_OPTIONS = [
  { name: 'yes', alias: 'y', type: 'boolean', describe: 'help.opt.yes' },
  // A bare --dry-run means the client-side dry run, as kubectl's did.
  { name: 'dry-run', type: 'string', describe: 'help.opt.dryRun', choices: ['', 'none', 'client', 'server', 'true', 'false'] },
  { name: 'reason', type: 'string', describe: 'help.opt.reason', valueHint: '"why, in words"' },
  output(['json', 'yaml']),
] as const satisfies readonly OptionSpec[];

const TIMEOUT = { name: 'timeout', type: 'string', describe: 'help.opt.timeout', default: '5m', valueHint: '5m, 90s' } as const;
/** How long the controller may leave a change unobserved before a wait calls it stalled (tests shorten it). */
const STALL_TIMEOUT = { name: 'stall-timeout', type: 'string', describe: 'help.opt.stallTimeout', hidden: true } as const;
const ROLLOUT = { name: 'rollout', required: true } as const;

export const COMMANDS = [
  {
    name: 'status',
    describe: 'help.status',
    positionals: [{ name: 'rollout', required: false }],
    options: [
      { name: 'watch', alias: 'w', type: 'boolean', describe: 'help.opt.watch' },
      { name: 'all-namespaces', alias: 'A', type: 'boolean', describe: 'help.opt.allNamespaces' },
      output(['table', 'wide', 'json', 'yaml']),
      // Rollouts per page of the listing; the default was chosen by measurement (docs/PERFORMANCE.md).
      { name: 'chunk-size', type: 'string', describe: 'help.opt.chunkSize', default: '0', valueHint: '0, 500' },
    ],
    examples: [
      'kubectl bluegreen status frontend -n apc-fe-ns',
      'kubectl bluegreen status frontend -o json | jq .previewIsOlder',
      'kubectl bluegreen status -A',
      'kubectl bluegreen status frontend --watch',
    ],
  },
  {
    name: 'set-image',
    describe: 'help.setImage',
    positionals: [ROLLOUT, { name: 'images', required: true, variadic: true }],
    options: [...CHANGE_OPTIONS, { name: 'include-init', type: 'boolean', describe: 'help.opt.includeInit' }],
    examples: [
      'kubectl bluegreen set-image frontend frontend=registry.example.com/apc/frontend:v1.055 -n apc-fe-ns',
      "kubectl bluegreen set-image frontend '*=registry.example.com/apc/frontend:v1.055' --dry-run",
      '# {help.ex.setImageWorkloadRef}',
      'kubectl bluegreen set-image web web=registry.example.com/apc/web:v2 --dry-run',
    ],
  },
  {
    name: 'promote',
    describe: 'help.promote',
    positionals: [ROLLOUT],
    options: [
      ...CHANGE_OPTIONS,
      { name: 'full', type: 'boolean', describe: 'help.opt.full' },
      { name: 'force', type: 'boolean', describe: 'help.opt.force' },
      { name: 'wait', type: 'boolean', describe: 'help.opt.wait' },
      TIMEOUT,
      STALL_TIMEOUT,
    ],
    examples: [
      'kubectl bluegreen promote frontend -n apc-fe-ns',
      'kubectl bluegreen promote frontend --dry-run',
      'kubectl bluegreen promote frontend --yes --reason "release 2026-11-23" --wait',
    ],
  },
  {
    name: 'undo',
    describe: 'help.undo',
    positionals: [ROLLOUT],
    options: [
      ...CHANGE_OPTIONS,
      { name: 'to-revision', type: 'string', describe: 'help.opt.toRevision', valueHint: 'a revision number from history' },
    ],
    examples: [
      'kubectl bluegreen undo frontend -n apc-fe-ns',
      'kubectl bluegreen undo frontend --to-revision 8 --dry-run',
      '# {help.ex.undoWorkloadRef}',
      'kubectl bluegreen undo web --dry-run',
    ],
  },
  {
    name: 'abort',
    describe: 'help.abort',
    positionals: [ROLLOUT],
    options: CHANGE_OPTIONS,
    examples: ['kubectl bluegreen abort frontend -n apc-fe-ns', 'kubectl bluegreen abort frontend --yes --reason "v1.055 fails checkout"'],
  },
  {
    name: 'retry',
    describe: 'help.retry',
    positionals: [ROLLOUT],
    options: CHANGE_OPTIONS,
    examples: ['kubectl bluegreen retry frontend -n apc-fe-ns', 'kubectl bluegreen retry frontend --dry-run'],
  },
  {
    name: 'history',
    describe: 'help.history',
    positionals: [ROLLOUT],
    options: [output(['table', 'wide', 'json', 'yaml'])],
    examples: ['kubectl bluegreen history frontend -n apc-fe-ns', 'kubectl bluegreen history frontend -o wide'],
  },
  {
    name: 'diff',
    describe: 'help.diff',
    positionals: [ROLLOUT],
    options: [output(['table', 'json', 'yaml'])],
    examples: ['kubectl bluegreen diff frontend -n apc-fe-ns', 'kubectl bluegreen diff frontend -o json'],
  },
  {
    name: 'wait',
    describe: 'help.wait',
    positionals: [ROLLOUT],
    options: [
      { name: 'for', type: 'string', describe: 'help.opt.for', choices: ['healthy', 'paused', 'promoted'], required: true },
      TIMEOUT,
      STALL_TIMEOUT,
    ],
    examples: ['kubectl bluegreen wait frontend --for=paused --timeout 10m', 'kubectl bluegreen wait frontend --for=healthy'],
  },
  {
    name: 'preview',
    describe: 'help.preview',
    positionals: [ROLLOUT],
    options: [
      { name: 'port', type: 'string', describe: 'help.opt.port' },
      { name: 'address', type: 'string', describe: 'help.opt.address', default: '127.0.0.1' },
      output(['table', 'json']),
    ],
    examples: [
      'kubectl bluegreen preview frontend -n apc-fe-ns',
      'kubectl bluegreen preview frontend --port 8080   # {help.ex.previewOpen}',
      'kubectl bluegreen preview frontend --port 8080 --address 0.0.0.0   # {help.ex.previewAddress}',
      'kubectl bluegreen preview frontend -o json   # {help.ex.previewJson}',
    ],
  },
  {
    name: 'version',
    describe: 'help.version',
    positionals: [],
    options: [{ name: 'client', type: 'boolean', describe: 'help.opt.client' }, output(['json', 'yaml'])],
    examples: ['kubectl bluegreen version', 'kubectl bluegreen version --client'],
  },
  {
    name: 'completion',
    describe: 'help.completion',
    positionals: [{ name: 'shell', required: false, choices: ['bash', 'zsh'] }],
    options: [],
    examples: ['kubectl bluegreen completion bash >> ~/.bashrc', 'kubectl bluegreen completion zsh >> ~/.zshrc'],
  },
] as const satisfies readonly CommandSpec[];

// ---- Types derived from the literals above --------------------------------------------------------

export type Command = (typeof COMMANDS)[number];
type Commands = Command;
export type CommandName = Commands['name'];
type CommandOf<N extends CommandName> = Extract<Commands, { name: N }>;

type Camel<S extends string> = S extends `${infer H}-${infer R}` ? `${H}${Capitalize<Camel<R>>}` : S;

type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean
  : O['type'] extends 'count'
    ? number
    : O['type'] extends 'array'
      ? string[]
      : O extends { choices: readonly (infer C)[] }
        ? C
        : string;

/** Booleans and counts are always present; a string is present when it has a default or is required. */
type Always<O extends OptionSpec> = O['type'] extends 'boolean' | 'count' | 'array'
  ? true
  : O extends { default: string } | { required: true }
    ? true
    : false;

type OptionArgs<Os extends readonly OptionSpec[]> = {
  [O in Os[number] as Always<O> extends true ? Camel<O['name']> : never]: ValueOf<O>;
} & {
  [O in Os[number] as Always<O> extends true ? never : Camel<O['name']>]?: ValueOf<O>;
};

type PositionalArgs<Ps extends readonly PositionalSpec[]> = {
  [P in Ps[number] as P['required'] extends true ? Camel<P['name']> : never]: P extends { variadic: true } ? string[] : string;
} & {
  [P in Ps[number] as P['required'] extends true ? never : Camel<P['name']>]?: string;
};

export type GlobalArgs = OptionArgs<typeof GLOBAL_OPTIONS>;

/** What the handler of command N receives: every global flag, its own flags and its positionals. */
export type ArgsOf<N extends CommandName> = GlobalArgs & OptionArgs<CommandOf<N>['options']> & PositionalArgs<CommandOf<N>['positionals']>;

/** The kubectl connection flags, as they reach the kubeconfig resolution. */
export type KubeFlagName = Camel<Extract<(typeof GLOBAL_OPTIONS)[number], { kube: true }>['name']>;
export type KubeArgs = Pick<GlobalArgs, KubeFlagName>;

// ---- Lookups ---------------------------------------------------------------------------------------

export function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function commandSpec(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Every option command `name` takes, global ones first. */
export function optionsOf(command: CommandSpec | undefined): readonly OptionSpec[] {
  return command ? [...GLOBAL_OPTIONS, ...command.options] : GLOBAL_OPTIONS;
}

export const KUBE_FLAGS: readonly KubeFlagName[] = GLOBAL_OPTIONS.filter((o) => 'kube' in o).map((o) => camel(o.name) as KubeFlagName);

/**
 * The arguments exactly as the spec types them, from what either parser produced: defaults filled in,
 * booleans and counts always present, a repeated string flag reduced to its last value (kubectl's
 * rule), nothing else kept. Both parsers end here, so a handler cannot tell which one ran.
 */
export function finalizeArgs(command: CommandSpec, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of optionsOf(command)) {
    const k = camel(o.name);
    let v = raw[k];
    if (o.type === 'string' && Array.isArray(v)) v = v[v.length - 1];
    // kubectl's connection flags given empty are not given (clientcmd merges only non-empty values):
    // `--as "$ROLE"` with ROLE unset keeps the kubeconfig's impersonation, `-n ""` its namespace.
    if ('kube' in o && (v === '' || (Array.isArray(v) && v.every((x) => x === '')))) v = undefined;
    if (v === undefined) v = o.default;
    if (o.type === 'boolean') out[k] = v === undefined ? false : v === true || v === 'true';
    else if (o.type === 'count') out[k] = typeof v === 'number' ? v : 0;
    else if (o.type === 'array') out[k] = v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
    else if (v !== undefined) out[k] = String(v);
  }
  for (const p of command.positionals) {
    const k = camel(p.name);
    const v = raw[k];
    if (p.variadic) out[k] = v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
    else if (v !== undefined) out[k] = String(v);
  }
  return out;
}
