// Builds the npm bundle: dist/kubectl-bluegreen.cjs, one CommonJS module already in its function wrapper
// (bin/ compiles it through vm.Script), plus dist/plugin-auth.cjs (@kubernetes/client-node for legacy
// auth-providers, and SOCKS5 proxies), loaded on demand.
//
// Measured on Node 20 (scripts/bench.ts, profile in docs/PERFORMANCE.md): one CommonJS file starts
// ~50 ms faster than the same code as ES module chunks, because Node 20's ES module loader pays per
// module; V8 compiles functions lazily, so the unused commands in the file cost little. `--version`
// and `version --client` are answered in bin/ before the bundle is even read. The single-executable
// build (scripts/package.ts) makes its own bundle from the same options.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Script } from 'node:vm';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  define: { __BLUEGREEN_VERSION__: JSON.stringify(`v${pkg.version}`) },
  // client-node's node-fetch pulls whatwg-url -> tr46 -> require('punycode'): use the package, not the
  // deprecated core module (DEP0040 on Node >= 21).
  alias: { punycode: 'punycode/' },
  logLevel: 'warning',
};

/** yargs 18 calls createRequire(import.meta.url); in CommonJS that is this file's URL. */
export const importMetaShim = "export const __import_meta_url = require('url').pathToFileURL(__filename).href;\n";

/**
 * plugin-auth.cjs is loaded with require(), never import(): bin/ runs the bundle through vm.Script with
 * V8's cached data, and a script restored from cached data has no import() callback ("A dynamic import
 * callback was not specified"; caught once by the SOCKS5 cluster test).
 */
const pluginAuthExternal: Plugin = {
  name: 'plugin-auth-external',
  setup(b) {
    b.onResolve({ filter: /\/plugin-auth\.js$/ }, () => ({ path: 'plugin-auth', namespace: 'plugin-auth-require' }));
    b.onLoad({ filter: /.*/, namespace: 'plugin-auth-require' }, () => ({
      loader: 'js',
      contents: "module.exports = require(require('node:path').join(__dirname, 'plugin-auth.cjs'));",
    }));
  },
};

/** A dynamic import() left in a bundle fails at run time where the bundle runs from a code cache. */
export function assertNoDynamicImport(file: string): void {
  const left = readFileSync(file, 'utf8').match(/[^.\w$]import\(/g);
  if (left) throw new Error(`${file}: ${left.length} dynamic import() calls were not inlined`);
}

/**
 * The bundle must be ASCII: V8 then holds its source as a one-byte string. A single non-ASCII character
 * (two regular expressions had one) made it a two-byte string of the whole 0.5 MB: from reading the bundle
 * to its script restored from V8's cached data, 28.0 ms instead of 21.3 (Node 20, medians of 14 runs).
 * esbuild escapes non-ASCII in strings but not in regular expression literals: write those with \u escapes.
 */
export function assertAscii(file: string): void {
  const text = readFileSync(file, 'utf8');
  const at = text.search(/[^\x00-\x7f]/);
  if (at !== -1) throw new Error(`${file} is not ASCII at ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}`);
}

/** What both bundles start with: what they are, and the wrapper bin/bundle-loader.cjs compiles them in. */
export const WRAPPER_HEAD =
  '/* kubectl-bluegreen: a CommonJS module in its function wrapper, compiled by bin/bundle-loader.cjs; require() of it runs nothing */' +
  '(function (exports, require, module, __filename, __dirname) {';

/**
 * The bundle as the function CommonJS's loader would make of it, written out: bin/ compiles the file as it
 * is (with V8's cached data) and calls it with exports, require, module, __filename, __dirname. Joining a
 * wrapper to the source at each start, as Node's Module.wrap does, copied the 0.5 MB (V8 flattens the
 * joined string) and set off a garbage collection (Node 20, in-process, 16 alternating runs: from reading
 * the source to its script restored from the cache, 17.0 ms joined, 12.3 pre-wrapped).
 */
export function wrapCommonJs(body: string): string {
  return `${WRAPPER_HEAD}${body}\n})`;
}

/** The wrapped bundle must still be one expression that compiles (vm.Script throws a SyntaxError if not). */
function assertCompiles(file: string): void {
  new Script(readFileSync(file, 'utf8'), { filename: file });
}

/**
 * Puts a built bundle in its function wrapper and checks it (no import(), ASCII, one expression that
 * compiles); returns the SHA-256 of what was written, which names its code cache (V8 itself checks only
 * the length). Both bundles go through it: the npm one and the single executable's.
 */
export function wrapAndCheck(file: string): string {
  const wrapped = wrapCommonJs(readFileSync(file, 'utf8'));
  writeFileSync(file, wrapped);
  try {
    assertNoDynamicImport(file);
    assertAscii(file);
    assertCompiles(file);
  } catch (e) {
    // A bundle that fails a check is not left where bin/ would run it (bin/ reads it as latin1, which would
    // garble a non-ASCII one instead of failing).
    rmSync(file, { force: true });
    throw e;
  }
  return createHash('sha256').update(wrapped).digest('hex');
}

export async function buildNpm(): Promise<void> {
  rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
  mkdirSync(new URL('../dist', import.meta.url), { recursive: true });
  const shim = new URL('../dist/.import-meta-shim.js', import.meta.url).pathname;
  writeFileSync(shim, importMetaShim);
  await build({
    ...common,
    entryPoints: ['src/main.ts'],
    outfile: 'dist/kubectl-bluegreen.cjs',
    format: 'cjs',
    define: { ...common.define, 'import.meta.url': '__import_meta_url' },
    inject: [shim],
    plugins: [pluginAuthExternal],
  });
  await build({ ...common, entryPoints: ['src/kube/plugin-auth.ts'], outfile: 'dist/plugin-auth.cjs', format: 'cjs' });
  rmSync(shim);
  // bin/ names the bundle's code cache by its content (V8 itself checks only the length).
  writeFileSync('dist/kubectl-bluegreen.cjs.sha256', wrapAndCheck('dist/kubectl-bluegreen.cjs') + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildNpm();
}
