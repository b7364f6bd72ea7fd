// A one-context kubeconfig written to a fresh temporary directory, for CLI tests against servers of their own.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';

type Obj = Record<string, unknown>;

/** Context "c" of cluster "c" and user "u"; `context` adds to the context (a namespace). Returns the file. */
export function writeKubeconfig(cluster: Obj, user: Obj, context: Obj = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bluegreen-kc-')), 'config');
  writeFileSync(
    file,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', ...context } }],
    }),
  );
  return file;
}
