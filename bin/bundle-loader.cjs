// Loads the bundle and keeps its compiled code: shared by the npm bin (bin/kubectl-bluegreen, which reads
// dist/kubectl-bluegreen.cjs) and the single executable's main (scripts/packaging/sea-main.cjs, which reads
// the bundle from its own asset; esbuild inlines this file there).
//
// The bundle is ~0.5 MB of JavaScript, compiled on every start unless its compiled code is kept (~20 ms
// per start on Node 20 here): it runs through vm.Script with V8's cached data, kept in the user's cache
// directory ($XDG_CACHE_HOME, else ~/.cache, else %LOCALAPPDATA%; then kubectl-bluegreen/compile;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off) and written after a successful, short run that had none (or
// whose cache V8 rejected), so that it holds the functions a command ran, not only those compiled at load
// (Node's own compile cache, Node >= 22.1, and the single executable's build-time code cache hold those
// only: both measured slower, docs/PERFORMANCE.md, "Code cache of the npm bundle" and "Code cache of the
// single executable"). One cache per kind of run (kindOf, below): a cache written by another command lacks
// this one's functions, which it then compiles at every start (whole runs could not tell, promote 199 vs 198
// ms; in-process they differ by 3-4 ms), and one cache grown by every kind costs each start its reading and
// restoring (0.59 MB with every command's code against 0.42 with one kind's: ~2 ms later to the first
// request).
// The bundle is already a function expression with CommonJS's parameters (scripts/build.ts): compiled as
// it is, not joined to a wrapper first (a 0.5 MB copy at each start). It has no import() (scripts/build.ts
// checks): a script restored from cached data has no import() callback.
'use strict';

/** The directory of the bundle's compiled code, or null when there is none (turned off, or no home). */
function cacheDir(env, path) {
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : env.LOCALAPPDATA || null);
  return base && !env.NODE_DISABLE_COMPILE_CACHE ? path.join(base, 'kubectl-bluegreen', 'compile') : null;
}

/**
 * Compiles `source` (the wrapped bundle; `hash` its SHA-256, which names its cache) and runs it as the
 * CommonJS module `file`, a child of `parent`, with `require`; returns its exports. `dir` is cacheDir()'s
 * answer when the caller has it already.
 */
function loadBundle({ source, file, hash, dir: known, require: req, parent, argv }) {
  const path = require('node:path');
  const Module = require('node:module');
  const vm = require('node:vm');
  const dir = known === undefined ? cacheDir(process.env, path) : known;
  const script = dir ? withCodeCache(source, file, hash, dir, argv, vm, path) : new vm.Script(source, { filename: file });
  const m = new Module(file, parent);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext().call(m.exports, m.exports, req, m, file, path.dirname(file));
  m.loaded = true;
  return m.exports;
}

/**
 * The kind of run, from its arguments before they are parsed (the bundle parses them): which cache it uses.
 * The command word, status of one rollout (a name right after `status`) or a listing, and completion of a
 * command or of what follows one. A run whose words come in another order (`status -n NS NAME`) uses
 * another kind's cache, which only costs it the compiling of what that one lacks, as before kinds.
 * Measured in-process on the local cluster (Node 20, alternating; a listing's cache against the kind's
 * own): promote's last read to its write 6.4 -> 3.8 ms, status's last read to its exit 8.4 -> 4.6.
 */
function kindOf(argv) {
  const [word, next] = argv;
  if (word === 'status') return next !== undefined && !next.startsWith('-') ? 'status-one' : 'status-list';
  if (word === '__complete') return argv.length > 2 ? 'complete-args' : 'complete';
  return word !== undefined && /^[a-z][a-z-]{0,19}$/.test(word) ? word : 'other';
}

/** Counts the full garbage collections from now on; Infinity when it cannot. */
function countFullCollections() {
  const { GCProfiler } = require('node:v8');
  if (typeof GCProfiler !== 'function') return () => Infinity;
  const profiler = new GCProfiler();
  profiler.start();
  return () => {
    try {
      return profiler.stop().statistics.filter((s) => s.gcType === 'MarkSweepCompact').length;
    } catch {
      return Infinity;
    }
  };
}

function withCodeCache(source, file, hash, dir, argv, vm, path) {
  const fs = require('node:fs');
  const crypto = require('node:crypto');
  // V8 checks only the source's length and its own flags: the name carries the bundle's content hash and
  // the Node version.
  const bundleHash = hash || crypto.createHash('sha256').update(source).digest('hex');
  const key = `${bundleHash.slice(0, 16)}-${process.version}-${process.arch}`.replace(/[^\w.-]/g, '_');
  const name = `bundle-${key}.${kindOf(argv)}.v8`;
  const cacheFile = path.join(dir, name);
  // The file is the SHA-256 of V8's data, then the data: a damaged body (V8 would abort on it) is never
  // handed to V8, and is rewritten.
  let cached;
  try {
    const stored = fs.readFileSync(cacheFile);
    const data = stored.subarray(32);
    if (stored.length > 32 && crypto.createHash('sha256').update(data).digest().equals(stored.subarray(0, 32))) cached = data;
  } catch {
    cached = undefined;
  }
  const script = new vm.Script(source, { filename: file, cachedData: cached });
  // --help writes none, nor --watch (it ends with Ctrl-C, exit 130).
  const noWrite = ['--help', '-h', '--watch', '-w'].some((a) => argv.includes(a));
  if ((!cached || script.cachedDataRejected) && !noWrite) {
    // After a run that succeeded, so that the functions this command compiled are in it too; but only after
    // at most 2 full garbage collections (not after a large listing): V8 drops the bytecode of a function
    // not run for 6, the bundle's top-level function first (docs/PERFORMANCE.md, "Code cache of the npm bundle").
    // A later short run writes it instead.
    const fullCollections = countFullCollections();
    process.once('exit', (code) => {
      if (code !== 0 || fullCollections() > 2) return;
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(tmp, Buffer.concat([crypto.createHash('sha256').update(data).digest(), data]), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
      } catch {
        // A read-only or full cache directory, or a file where it should be, only costs the next start its
        // compile (nothing is printed: an exit handler's throw would print a stack trace).
        try {
          fs.rmSync(tmp, { force: true });
        } catch {
          // Nothing was written there.
        }
        return;
      }
      removeUnused(dir, name, fs, path);
    });
  }
  return script;
}

/**
 * Another bundle's or Node version's caches go after a week unused (two installs used in turn keep theirs,
 * the npm bundle's and the single executable's too), so do this bundle's of a kind not run for a week and
 * the files of earlier releases (bundle-<key>.v8, without a kind), and so do the directories of Node's own
 * compile cache that earlier releases kept here (named v<version>-<arch>-<hash>-<uid> by Node); nothing
 * else is touched.
 * Each entry on its own: one that cannot be removed (another user's, one another process removed first)
 * leaves the others and the cache alone.
 */
function removeUnused(dir, current, fs, path) {
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  let entries = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const ours = e.isFile() && e.name.startsWith('bundle-') && e.name !== current;
    const nodes = e.isDirectory() && /^v\d+\.\d+\.\d+-\w+-[0-9a-f]{8}-\d+$/.test(e.name);
    if (!ours && !nodes) continue;
    try {
      const at = path.join(dir, e.name);
      const st = fs.statSync(at);
      if (st.atimeMs < weekAgo && st.mtimeMs < weekAgo) fs.rmSync(at, { recursive: true, force: true });
    } catch {
      // Left for a later run.
    }
  }
}

module.exports = { cacheDir, kindOf, loadBundle };
