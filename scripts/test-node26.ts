// npm run test:node26 [-- vitest files/args]: unit tests on the Node the single executable ships
// (scripts/packaging/targets.ts NODE_VERSION, from the npm registry's repackaging, cached), where the
// plugin speaks HTTP/2 by default (src/kube/kubeconfig.ts) and Maglev is on: by default the transport's
// tests, the fault matrix, whose HTTP/2 half is declared only on that Node, the listing's V8 flags
// (src/cli/listing-heap.ts changes Maglev's on Node >= 22 only), the built-in modules a run loads before
// its first request (HTTP/2's are more) and bin/'s code cache. The tests themselves are the same files `npm test` runs on the machine's Node.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/cluster/harness.js';
import { nodeBinary } from './packaging/cache.js';
import { TARGETS } from './packaging/targets.js';

const host = TARGETS.find((t) => t.os === 'linux' && t.arch === (process.arch === 'arm64' ? 'arm64' : 'amd64'));
if (process.platform !== 'linux' || !host) {
  console.error('npm run test:node26 runs on Linux (x86-64 or arm64)');
  process.exit(1);
}
const node = nodeBinary(host);
const args = process.argv.slice(2);
const files =
  args.length > 0
    ? args
    : [
        'test/cli/fault-matrix.test.ts',
        'test/unit/kube-h2.test.ts',
        'test/unit/kube-http.test.ts',
        // Maglev's flag is changed on Node >= 22 only: that it comes back checked on real V8 there
        'test/unit/listing-heap.test.ts',
        'test/unit/listing-heap-flags.test.ts',
        // What a run loads before its first request, on the Node whose HTTP/2 loads more of them
        'test/unit/startup-modules.test.ts',
        // bin/'s code cache (vm.Script with V8's cached data) is the same path on every Node version
        'test/unit/compile-cache.test.ts',
      ];
const r = spawnSync(node, [join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', ...files], {
  stdio: 'inherit',
  cwd: REPO_ROOT,
});
process.exit(r.status ?? 1);
