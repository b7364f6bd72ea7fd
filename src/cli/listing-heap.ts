// V8's heap while a listing runs. A listing allocates megabytes of short-lived objects per page (parsed
// items, reduced at once) and keeps a slowly growing set (its rows). Left to
// its defaults V8 grows both generations well ahead of what lives, and the process's peak RSS with
// them. Two flags, each set only while the listing runs:
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
//
// The single executable sets its V8 flags at start (sea-config execArgv); the npm bin cannot (a shebang
// carries no flags portably), hence this. Put back after, because V8's code caches (the bundle's, Node's
// compile cache) are tagged with a hash of the flags: a cache written at exit with a changed flag would
// be rejected by the next start. Both flags exist in V8 11.3 (Node 20) to 14.6 (Node 26), with the
// defaults below in each; a flag the user set on Node's command line is left alone.
import { setFlagsFromString } from 'node:v8';

const FLAGS = [
  { name: '--semi-space-growth-factor', listing: 1, dflt: 2 },
  { name: '--heap-growing-percent', listing: 30, dflt: 0 },
].map((f) => ({ ...f, pattern: new RegExp(f.name.slice(2).replaceAll('-', '[-_]')) }));

export async function withListingHeap<T>(run: () => Promise<T>, execArgv: readonly string[] = process.execArgv): Promise<T> {
  // Node refuses V8 flags in NODE_OPTIONS, so a flag of the user's can only be on the command line.
  const mine = FLAGS.filter((f) => !execArgv.some((a) => f.pattern.test(a)));
  if (mine.length === 0) return run();
  const restore = () => {
    for (const f of mine) setFlagsFromString(`${f.name}=${f.dflt}`);
  };
  for (const f of mine) setFlagsFromString(`${f.name}=${f.listing}`);
  // An exit in the middle (a second Ctrl-C, EPIPE under `| head`) skips finally: put the flags back before
  // bin's exit listener writes the code cache.
  process.prependOnceListener('exit', restore);
  try {
    return await run();
  } finally {
    process.removeListener('exit', restore);
    restore();
  }
}
