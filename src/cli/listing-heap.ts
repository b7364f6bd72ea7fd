// V8's heap while a listing runs. A listing allocates megabytes of short-lived objects per page (parsed
// items, reduced at once) and keeps a slowly growing set (its rows). Left to
// its defaults V8 grows both generations well ahead of what lives, and the process's peak RSS with
// them; and it compiles for a long run what runs for a second. Four flags, each set only while the
// listing runs (Maglev's only for its first part):
// - --semi-space-growth-factor=1: the young generation stays at its initial size (it grows to 16 MB per
//   semi-space on Node 20). Measured at 10,000 rollouts (npm bundle, Node 20): 140-162 MB peak RSS,
//   122-125 MB with it, at the same CPU time (a 500-rollout listing: 0.69 s instead of 0.78 s).
// - --heap-growing-percent=30: after each full collection the old generation may grow 30% over what
//   survived, instead of V8's own factor (up to several times on a small heap): garbage promoted from the
//   young generation is collected sooner. Measured at 10,000 rollouts (npm bundle, Node 20, 6 alternating
//   runs of a bundle with it set from the start): 109-116 MB peak RSS, 88-91 MB with it (10%: 89-93 MB),
//   no slower (wall 2.8-4.6 s against 3.5-5.4 s; CPU 2.7-4.1 s against 3.0-3.7 s); the bin, setting it
//   here, 5 runs: 112-116 MB, 89-92 MB. On Node 26 (the single executable, whose young generation
//   is already capped at 1 MB by its own flags): 111-112 MB, 105-109 MB with it.
// - --no-turbofan: V8 does not compile hot functions with its optimizing compiler (the interpreter and
//   Sparkplug, its baseline compiler, run them; Maglev too where V8 has it on, Node >= 22, after a
//   listing's first rollouts, below). A listing runs once, for a second or a few: TurboFan's
//   compilations (on V8's worker threads, beside the API server on a small machine) and their memory
//   cost more than their code saves. Measured on the benchmark's cluster (npm bundle, Node 20, with its
//   code cache; medians of alternating runs): 500 rollouts, 12
//   runs: 0.44 s instead of 0.48, CPU 0.41 s instead of 0.48, 55 MB peak RSS instead of 62; 10,000
//   rollouts, 8 runs: the same 3.2 s, CPU 2.54 s instead of 2.65, 70 MB instead of 81. (Without the code
//   cache, the first run after an install, 10,000 rollouts took longer without it.) On Node 26 with the
//   single executable's flags (Maglev on, before it was held back, below): 500 rollouts, the same time,
//   70 MB instead of 75; 10,000, the same CPU, 95 MB instead of 99. (Set in its sea-config instead, with
//   its code cache built alike: --no-turbofan gained nothing more; --max-opt=1, Sparkplug only, made
//   10,000 rollouts slower.)
// - --no-maglev until the listing has read MAGLEV_AFTER_ROLLOUTS rollouts, then V8's default again: on
//   Node >= 22 on x64 and arm64, where Maglev (V8's mid-tier optimizing compiler) is on by default and
//   where it was measured; Node 20 and 21 have it off and are left so. A listing of a few hundred
//   rollouts ends before Maglev's code pays back its compiling; a long one gains from it. Measured on
//   Node 26, alternating: 500 rollouts on the benchmark's cluster, the single executable, 14 runs: 378 ms
//   instead of 412, CPU 0.24 s instead of 0.29, 70 MB peak RSS instead of 74; the same through bin/ with
//   its flags, 12 runs: 360 instead of 384 ms, 71 MB instead of 76. Through bin/ against a test API
//   server in a process of its own: 2,000 rollouts, 8 runs: 667 against 639 ms, within the spread
//   (Maglev off throughout: 661); 10,000, 6 runs: 2,152 against 2,108 ms (off throughout: 2,344).
//
// They are set once the listing's first request has gone out (its `sent`), while it waits for the API
// server's answer, or at its first rollout read if that comes first: node:v8, which sets them, loads
// four of Node's modules (its heap snapshot and profiler parts; ~4 ms here on Node 20 and 26 alike),
// which were loaded before the first request when this module imported it. Measured on the local
// cluster, `status -A` over 500 rollouts through bin/, alternating, 24 runs a set: on Node 26 with the
// single executable's flags the first request 6-8 ms sooner (4 sets; one 20), the exit 5-6 ms; on
// Node 20 within the spread (0-2 ms).
//
// The single executable sets its V8 flags at start (sea-config execArgv); the npm bin cannot (a shebang
// carries no flags portably), hence this. Put back after, because V8's code caches (the bundle's, written
// at exit by bin/bundle-loader.cjs, for both) are tagged with a hash of the flags: a cache written at exit with a changed flag would
// be rejected by the next start. The flags exist in V8 11.3 (Node 20) to 14.6 (Node 26), with the
// defaults below in each (Maglev's is on from Node 22 only, hence its own condition); a flag the user gave
// Node (its command line, NODE_OPTIONS) is left alone.
/**
 * Sets a V8 flag. node:v8 is loaded by the first flag a listing sets, not with this module (header); an
 * object, so that tests can record the flags.
 */
export const v8Flags = {
  set(flag: string): void {
    process.getBuiltinModule('node:v8').setFlagsFromString(flag);
  },
};

/** A flag the listing sets while it runs (`listing`), and the value it puts back (`dflt`). */
interface Flag {
  listing: string;
  dflt: string;
  /** How the user would have set it on Node's command line (then it is left alone). */
  pattern: RegExp;
}

const valued = (name: string, listing: number, dflt: number): Flag => ({
  listing: `${name}=${listing}`,
  dflt: `${name}=${dflt}`,
  pattern: new RegExp(name.slice(2).replaceAll('-', '[-_]')),
});

/**
 * A compiler's flag (its names, with V8's --no-, --no_ and --no prefixes), or one that caps or turns off
 * every optimizing tier (--max-opt, --jitless, --lite-mode: turning TurboFan back on under them crashed
 * Node 26): the user's, for any of the compilers.
 */
const compiler = (names: string, on: string): Flag => ({
  listing: `--no-${on}`,
  dflt: `--${on}`,
  pattern: new RegExp(`^--(no[-_]?)?(${names})(=|$)|^--max[-_]opt\\b|^--(jitless|lite[-_]mode|disable[-_]optimizing[-_]compilers)\\b`),
});

const FLAGS: Flag[] = [
  valued('--semi-space-growth-factor', 1, 2),
  valued('--heap-growing-percent', 30, 0),
  // The optimizing compiler (V8 reads --opt as TurboFan's older name).
  compiler('turbofan|opt', 'turbofan'),
];

/** Maglev (see the header): off from the listing's start until this many rollouts have been read. */
export const MAGLEV_AFTER_ROLLOUTS = 1000;
const MAGLEV = compiler('maglev', 'maglev');
/**
 * The Node release from which Maglev is on by default (V8 12.4), and the processors where it was measured
 * and where the single executable ships. (Node also builds Maglev for 32-bit arm; where V8 is built
 * without it the flag is read-only and setting it does nothing. A V8 built for Android has it off by
 * default: no Node this plugin supports there is known.)
 */
const MAGLEV_DEFAULT_FROM_NODE = 22;
const MAGLEV_ARCHS = new Set(['x64', 'arm64']);
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** While a listing runs: Maglev's flag put back early, once enough rollouts have been read. */
let maglevBack: { left: number; back: () => void } | undefined;

/** While a listing runs and its flags are not set yet: sets them. */
let setPending: (() => void) | undefined;

/** Rollouts read by listings in this process (a read again after a fallback counts again); for tests. */
export const LISTING_READS = { rollouts: 0 };

/** The listing read one more rollout. */
export function listingRolloutRead(): void {
  LISTING_READS.rollouts++;
  setPending?.();
  if (maglevBack && --maglevBack.left <= 0) {
    const { back } = maglevBack;
    maglevBack = undefined;
    back();
  }
}

/**
 * The V8 flags the user gave Node: on its command line (process.execArgv), and in NODE_OPTIONS, which
 * takes a few (--jitless among them) and does not show them in process.execArgv.
 */
export function userNodeFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((w) => w.startsWith('--'))];
}

/**
 * Runs a listing with the flags above. `run` is handed `sent`, to call when a request of it has gone out
 * (the first call counts; later ones, for further pages or a retry, do nothing): the flags are set right
 * after that turn of the event loop (the requests written in it are out too), while the listing waits for
 * the API server; or at its first rollout read, if that comes first.
 * Each is put back when the listing ends or fails, or when the process exits in the middle.
 */
export async function withListingHeap<T>(
  run: (sent: () => void) => Promise<T>,
  userFlags: readonly string[] = userNodeFlags(),
  nodeMajor: number = NODE_MAJOR,
): Promise<T> {
  const maglevOn = nodeMajor >= MAGLEV_DEFAULT_FROM_NODE && MAGLEV_ARCHS.has(process.arch);
  const candidates = maglevOn ? [...FLAGS, MAGLEV] : FLAGS;
  const mine = candidates.filter((f) => !userFlags.some((a) => f.pattern.test(a)));
  if (mine.length === 0) return run(() => undefined);
  /** The flags set, until each is put back. */
  const set = new Set<Flag>();
  let state: 'waiting' | 'scheduled' | 'set' | 'ended' = 'waiting';
  const putBack = (f: Flag) => {
    if (set.delete(f)) v8Flags.set(f.dflt);
  };
  const apply = () => {
    if (state === 'set' || state === 'ended') return;
    state = 'set';
    if (setPending === apply) setPending = undefined;
    for (const f of mine) {
      v8Flags.set(f.listing);
      set.add(f);
    }
    if (set.has(MAGLEV)) maglevBack = { left: MAGLEV_AFTER_ROLLOUTS, back: () => putBack(MAGLEV) };
  };
  const sent = () => {
    if (state !== 'waiting') return;
    state = 'scheduled';
    setImmediate(apply);
  };
  const restore = () => {
    state = 'ended';
    if (setPending === apply) setPending = undefined;
    maglevBack = undefined;
    for (const f of mine) putBack(f);
  };
  setPending = apply;
  // An exit in the middle (a second Ctrl-C, EPIPE under `| head`) skips finally: put the flags back before
  // the loader's exit listener writes the code cache (bin/bundle-loader.cjs).
  process.prependOnceListener('exit', restore);
  try {
    return await run(sent);
  } finally {
    process.removeListener('exit', restore);
    restore();
  }
}
