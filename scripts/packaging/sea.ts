// The CommonJS bundle and the Node single executable applications made from it.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, wrapAndCheck } from '../build.js';
import { run } from './cache.js';
import { SEA_EXEC_ARGV } from './targets.js';

/** client-node's bundle, an asset of the executable (below). */
export const PLUGIN_AUTH_ASSET = 'plugin-auth.cjs';
/** The bundle, an asset of the executable run by its main (scripts/packaging/sea-main.cjs). */
export const BUNDLE_ASSET = 'kubectl-bluegreen.cjs';

/**
 * @kubernetes/client-node (only for exec and auth-provider credentials) is most of the code but rarely
 * used: it goes into the executable as a SEA asset, compiled only when a kubeconfig needs it, so that
 * every other start neither parses it nor keeps its code cache in memory (measured: ~20 MB less RSS).
 */
const pluginAuthFromAsset = {
  name: 'plugin-auth-from-sea-asset',
  setup(b: import('esbuild').PluginBuild) {
    b.onResolve({ filter: /\/plugin-auth\.js$/ }, () => ({ path: 'plugin-auth', namespace: 'sea-asset' }));
    b.onLoad({ filter: /.*/, namespace: 'sea-asset' }, () => ({
      loader: 'js',
      contents: `
        const { getAsset } = require('node:sea');
        const vm = require('node:vm');
        const Module = require('node:module');
        const source = getAsset(${JSON.stringify(PLUGIN_AUTH_ASSET)}, 'utf8');
        const wrapper = new vm.Script(Module.wrap(source), { filename: ${JSON.stringify(PLUGIN_AUTH_ASSET)} }).runInThisContext();
        const m = { exports: {} };
        wrapper.call(m.exports, m.exports, require, m, ${JSON.stringify(PLUGIN_AUTH_ASSET)}, '.');
        module.exports = m.exports;`,
    }));
  },
};

/**
 * The bundle (in its function wrapper, as the npm one), client-node's bundle, and the executable's main
 * that runs the first with V8's cached data kept in the user's cache directory (bin/bundle-loader.cjs).
 * The bundle is one CommonJS file with everything but client-node inlined: a script run from V8's cached
 * data cannot `import()`, so the lazy `import('./x.js')` of src/ must become inline (esbuild does that
 * when not splitting). yargs 18's ESM shim calls `createRequire(import.meta.url)`, empty in CJS output: it
 * gets a file URL of this file (in a SEA, __filename is the executable).
 */
export async function bundleCjs(outfile: string, pluginAuthOut: string, mainOut: string): Promise<void> {
  await build({
    ...common,
    entryPoints: ['src/bin.ts'],
    outfile,
    format: 'cjs',
    splitting: false,
    define: { ...common.define, 'import.meta.url': '__import_meta_url' },
    banner: { js: "var __import_meta_url=require('node:url').pathToFileURL(__filename).href;" },
    plugins: [pluginAuthFromAsset],
  });
  const hash = wrapAndCheck(outfile);
  await build({ ...common, entryPoints: ['src/kube/plugin-auth.ts'], outfile: pluginAuthOut, format: 'cjs' });
  await build({
    ...common,
    entryPoints: ['scripts/packaging/sea-main.cjs'],
    outfile: mainOut,
    format: 'cjs',
    define: {
      ...common.define,
      BUNDLE_ASSET: JSON.stringify(BUNDLE_ASSET),
      BUNDLE_HASH: JSON.stringify(hash),
    },
  });
}

export interface SeaOptions {
  /** The Node binary that runs `--build-sea` (must run on this machine). */
  generator: string;
  /** The target platform's Node binary (same version as the generator). */
  executable: string;
  /** The executable's main (it runs the bundle). */
  main: string;
  /** The bundle, and client-node's, embedded as assets. */
  bundle: string;
  pluginAuth: string;
  output: string;
}

export function buildSea(o: SeaOptions): void {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-bluegreen-sea-'));
  try {
    const config = join(dir, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        main: o.main,
        mainFormat: 'commonjs',
        executable: o.executable,
        output: o.output,
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        // The main is small; the bundle's compiled code is kept at run time (bin/bundle-loader.cjs), the
        // same way on every target.
        useCodeCache: false,
        assets: { [BUNDLE_ASSET]: o.bundle, [PLUGIN_AUTH_ASSET]: o.pluginAuth },
        // Node options come from NODE_OPTIONS as usual; nothing is taken from the command line, which
        // belongs to the plugin.
        execArgvExtension: 'env',
        execArgv: [...SEA_EXEC_ARGV],
      }),
    );
    run(o.generator, ['--build-sea', config], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
