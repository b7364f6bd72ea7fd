// Builds the npm bundle: dist/kubectl-bluegreen.mjs plus lazily loaded chunks, so `--help` and
// `version --client` never parse the Kubernetes client. The single-executable build (scripts/package.ts)
// makes its own CommonJS bundle from the same sources.
import { build, type BuildOptions } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

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

export async function buildNpm(): Promise<void> {
  rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { 'kubectl-bluegreen': 'src/bin.ts' },
    outdir: 'dist',
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // Bundled CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildNpm();
}
