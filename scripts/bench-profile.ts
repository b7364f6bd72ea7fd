// Where a run's time goes, from a V8 CPU profile (`node --cpu-prof`): each sample is put in one bucket by
// its own frame and the frames above it. Used by scripts/bench.ts for the "where the time goes" table.

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export const BUCKETS = [
  'waiting (the API server, connecting, the handshake)',
  'compiling the bundle',
  'TLS',
  'the plugin (its code, and the Node APIs it calls)',
  'garbage collection',
  "Node's own start and the rest",
] as const;
export type Bucket = (typeof BUCKETS)[number];

/**
 * Milliseconds per bucket. `bundle` is the file name of the plugin's code (kubectl-bluegreen.cjs). The
 * first matching rule wins: idle; GC; compiling (vm.Script, the CommonJS loader's wrapSafe, code cache);
 * TLS (secure contexts, the handshake); under the plugin's code; else Node's own.
 */
export function summarizeProfile(p: CpuProfile, bundle: string): Record<Bucket, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Bucket>();
  const bucketOf = (id: number): Bucket => {
    const known = memo.get(id);
    if (known) return known;
    const own = byId.get(id)!.callFrame;
    let b: Bucket | null = null;
    if (own.functionName === '(idle)') b = 'waiting (the API server, connecting, the handshake)';
    else if (own.functionName === '(garbage collector)') b = 'garbage collection';
    else {
      let underBundle = false;
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const f = byId.get(cur)!.callFrame;
        if (
          (f.url === 'node:vm' && f.functionName === 'Script') ||
          f.functionName === 'wrapSafe' ||
          f.functionName === 'createCachedData'
        ) {
          b = 'compiling the bundle';
          break;
        }
        if (f.url.includes('secure-context') || f.url === 'node:_tls_wrap' || f.url === 'node:_tls_common') {
          b = 'TLS';
          break;
        }
        if (f.url.endsWith(bundle)) underBundle = true;
      }
      b ??= underBundle ? 'the plugin (its code, and the Node APIs it calls)' : "Node's own start and the rest";
    }
    memo.set(id, b);
    return b;
  };
  const out = Object.fromEntries(BUCKETS.map((k) => [k, 0])) as Record<Bucket, number>;
  p.samples.forEach((id, i) => {
    out[bucketOf(id)] += (p.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}
