// The CommonJS bundle and the Node single executable applications made from it.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common } from '../build.js';
import { run } from './cache.js';

/**
 * One CommonJS file with everything inlined. A SEA with a code cache cannot `import()`, so the lazy
 * `import('./x.js')` of src/ must become inline (esbuild does that when not splitting). yargs 18's ESM
 * shim calls `createRequire(import.meta.url)`, empty in CJS output: it gets a file URL of this file
 * (in a SEA, __filename is the executable).
 */
export async function bundleCjs(outfile: string): Promise<void> {
  await build({
    ...common,
    entryPoints: ['src/bin.ts'],
    outfile,
    format: 'cjs',
    splitting: false,
    define: { ...common.define, 'import.meta.url': '__import_meta_url' },
    banner: { js: "var __import_meta_url=require('node:url').pathToFileURL(__filename).href;" },
  });
  const code = readFileSync(outfile, 'utf8');
  // A dynamic import left in the bundle would throw at run time in a code-cache SEA.
  const left = code.match(/[^.\w$]import\(/g);
  if (left) throw new Error(`${outfile}: ${left.length} dynamic import() calls were not inlined`);
}

export interface SeaOptions {
  /** The Node binary that runs `--build-sea` (must run on this machine). */
  generator: string;
  /** The target platform's Node binary (same version as the generator). */
  executable: string;
  bundle: string;
  output: string;
  /** Only when generator and target are the same platform: the cache is V8- and CPU-specific. */
  useCodeCache: boolean;
}

export function buildSea(o: SeaOptions): void {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-bluegreen-sea-'));
  try {
    const config = join(dir, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        main: o.bundle,
        mainFormat: 'commonjs',
        executable: o.executable,
        output: o.output,
        disableExperimentalSEAWarning: true,
        useSnapshot: false,
        useCodeCache: o.useCodeCache,
        // Node options come from NODE_OPTIONS as usual; nothing is taken from the command line, which
        // belongs to the plugin.
        execArgvExtension: 'env',
      }),
    );
    run(o.generator, ['--build-sea', config], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
