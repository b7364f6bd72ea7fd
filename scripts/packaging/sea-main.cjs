// The single executable's main: the bundle is an asset of the executable, run from V8's cached data kept in
// the user's cache directory as the npm bin does (bin/bundle-loader.cjs, inlined here by esbuild). The
// executable's own build-time code cache held only what V8 compiled at load, not the functions a command
// runs: measured slower (docs/PERFORMANCE.md, "Code cache of the single executable"). The asset's name and
// content hash are set by scripts/packaging/sea.ts.
'use strict';
const argv = process.argv.slice(2);
// As bin/kubectl-bluegreen: the version is answered before the bundle is even read.
if ((argv.length === 1 && argv[0] === '--version') || (argv.length === 2 && argv[0] === 'version' && argv[1] === '--client')) {
  process.stdout.write(`kubectl-bluegreen ${__BLUEGREEN_VERSION__}\n`);
} else {
  run();
}

function run() {
  const { getAsset } = require('node:sea');
  const { loadBundle } = require('../../bin/bundle-loader.cjs');
  loadBundle({
    source: getAsset(BUNDLE_ASSET, 'utf8'),
    file: process.execPath,
    hash: BUNDLE_HASH,
    // The executable's require: Node's built-in modules only (the bundle needs no other).
    require,
    parent: module,
    argv,
  });
}
