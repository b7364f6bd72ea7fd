// The command line as data: one definition drives the fast parser (every ordinary invocation), the yargs
// parser (help, and the exact wording of usage errors) and completion. test/unit/parse.test.ts checks
// that both parsers read the same arguments the same way.
import type { Key } from '../i18n/index.js';

export type OptionType = 'string' | 'boolean' | 'count' | 'array';

export interface OptionSpec {
  name: string; // kebab-case, as typed
  alias?: string;
  type: OptionType;
  describe: Key;
  choices?: readonly string[];
  default?: string | boolean;
  hidden?: boolean;
  required?: boolean;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  variadic?: boolean;
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  describe: Key;
  positionals: PositionalSpec[];
  options: OptionSpec[];
  examples: string[];
}

export const OUTPUTS = ['table', 'wide', 'json', 'yaml'] as const;

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'namespace', alias: 'n', type: 'string', describe: 'help.opt.namespace' },
  { name: 'all-namespaces', alias: 'A', type: 'boolean', describe: 'help.opt.allNamespaces' },
  { name: 'context', type: 'string', describe: 'help.opt.context' },
  { name: 'kubeconfig', type: 'string', describe: 'help.opt.kubeconfig' },
  { name: 'cluster', type: 'string', describe: 'help.opt.cluster', hidden: true },
  { name: 'user', type: 'string', describe: 'help.opt.user', hidden: true },
  { name: 'server', alias: 's', type: 'string', describe: 'help.opt.server', hidden: true },
  { name: 'token', type: 'string', describe: 'help.opt.token', hidden: true },
  { name: 'as', type: 'string', describe: 'help.opt.as', hidden: true },
  { name: 'as-group', type: 'array', describe: 'help.opt.asGroup', hidden: true },
  { name: 'certificate-authority', type: 'string', describe: 'help.opt.certificateAuthority', hidden: true },
  { name: 'client-certificate', type: 'string', describe: 'help.opt.clientCertificate', hidden: true },
  { name: 'client-key', type: 'string', describe: 'help.opt.clientKey', hidden: true },
  { name: 'insecure-skip-tls-verify', type: 'boolean', describe: 'help.opt.insecure', hidden: true },
  { name: 'tls-server-name', type: 'string', describe: 'help.opt.tlsServerName', hidden: true },
  { name: 'request-timeout', type: 'string', describe: 'help.opt.requestTimeout', default: '30s' },
  { name: 'output', alias: 'o', type: 'string', describe: 'help.opt.output', choices: OUTPUTS },
  { name: 'color', type: 'boolean', describe: 'help.opt.noColor', default: true, hidden: true },
  { name: 'verbose', alias: 'v', type: 'count', describe: 'help.opt.verbose' },
  { name: 'lang', type: 'string', describe: 'help.opt.lang', choices: ['en', 'ko'] },
];

const CHANGE_OPTIONS: OptionSpec[] = [
  { name: 'yes', alias: 'y', type: 'boolean', describe: 'help.opt.yes' },
  { name: 'dry-run', type: 'string', describe: 'help.opt.dryRun' },
  { name: 'reason', type: 'string', describe: 'help.opt.reason' },
];

const ROLLOUT: PositionalSpec = { name: 'rollout', required: true };

export const COMMANDS: CommandSpec[] = [
  {
    name: 'status',
    describe: 'help.status',
    positionals: [{ name: 'rollout', required: false }],
    options: [{ name: 'watch', alias: 'w', type: 'boolean', describe: 'help.opt.watch' }],
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
      { name: 'timeout', type: 'string', describe: 'help.opt.timeout', default: '5m' },
      { name: 'stall-timeout', type: 'string', describe: 'help.opt.timeout', hidden: true },
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
    options: [...CHANGE_OPTIONS, { name: 'to-revision', type: 'string', describe: 'help.opt.toRevision' }],
    examples: ['kubectl bluegreen undo frontend -n apc-fe-ns', 'kubectl bluegreen undo frontend --to-revision 8 --dry-run'],
  },
  {
    name: 'abort',
    describe: 'help.abort',
    positionals: [ROLLOUT],
    options: CHANGE_OPTIONS,
    examples: ['kubectl bluegreen abort frontend -n apc-fe-ns'],
  },
  { name: 'history', describe: 'help.history', positionals: [ROLLOUT], options: [], examples: ['kubectl bluegreen history frontend -n apc-fe-ns'] },
  { name: 'diff', describe: 'help.diff', positionals: [ROLLOUT], options: [], examples: ['kubectl bluegreen diff frontend -n apc-fe-ns'] },
  {
    name: 'wait',
    describe: 'help.wait',
    positionals: [ROLLOUT],
    options: [
      { name: 'for', type: 'string', describe: 'help.opt.for', choices: ['healthy', 'paused', 'promoted'], required: true },
      { name: 'timeout', type: 'string', describe: 'help.opt.timeout', default: '5m' },
      { name: 'stall-timeout', type: 'string', describe: 'help.opt.timeout', hidden: true },
    ],
    examples: ['kubectl bluegreen wait frontend --for=paused --timeout 10m', 'kubectl bluegreen wait frontend --for=healthy'],
  },
  {
    name: 'version',
    describe: 'help.version',
    positionals: [],
    options: [{ name: 'client', type: 'boolean', describe: 'help.opt.client' }],
    examples: ['kubectl bluegreen version --client'],
  },
  {
    name: 'completion',
    describe: 'help.completion',
    positionals: [{ name: 'shell', required: false, choices: ['bash', 'zsh'] }],
    options: [],
    examples: ['kubectl bluegreen completion bash >> ~/.bashrc'],
  },
];

export function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
