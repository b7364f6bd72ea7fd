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

type Frame = CpuProfile['nodes'][number]['callFrame'];

/**
 * A sample's node to `classify` of its stack (its own frame first, then its callers), computed once per
 * node: the profile's samples name the same nodes many times.
 */
function byStack<B>(p: CpuProfile, classify: (stack: Frame[]) => B): (id: number) => B {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, B>();
  return (id) => {
    if (memo.has(id)) return memo.get(id)!;
    const stack: Frame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!.callFrame);
    const b = classify(stack);
    memo.set(id, b);
    return b;
  };
}

/**
 * Milliseconds per bucket. `bundle` is the file name of the plugin's code (kubectl-bluegreen.cjs). The
 * first matching rule wins: idle; GC; compiling (vm.Script, the CommonJS loader's wrapSafe, code cache);
 * TLS (secure contexts, the handshake); under the plugin's code; else Node's own.
 */
export function summarizeProfile(p: CpuProfile, bundle: string): Record<Bucket, number> {
  const bucketOf = byStack(p, (stack): Bucket => {
    const own = stack[0]!;
    if (own.functionName === '(idle)') return 'waiting (the API server, connecting, the handshake)';
    if (own.functionName === '(garbage collector)') return 'garbage collection';
    let underBundle = false;
    for (const f of stack) {
      if ((f.url === 'node:vm' && f.functionName === 'Script') || f.functionName === 'wrapSafe' || f.functionName === 'createCachedData')
        return 'compiling the bundle';
      if (f.url.includes('secure-context') || f.url === 'node:_tls_wrap' || f.url === 'node:_tls_common') return 'TLS';
      if (f.url.endsWith(bundle)) underBundle = true;
    }
    return underBundle ? 'the plugin (its code, and the Node APIs it calls)' : "Node's own start and the rest";
  });
  const out = Object.fromEntries(BUCKETS.map((k) => [k, 0])) as Record<Bucket, number>;
  p.samples.forEach((id, i) => {
    out[bucketOf(id)] += (p.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}

export const STARTUP_PARTS = [
  'reading files (the code, its cache, the kubeconfig, the certificates)',
  "restoring the tool's code (V8's cached data, or compiling it)",
  "Node's built-in modules (each compiled on first use)",
  'the first TLS context (Node parses its bundled root certificates)',
  'its code, and the Node APIs it calls',
  'garbage collection',
  "Node's own start and the rest",
] as const;
export type StartupPart = (typeof STARTUP_PARTS)[number];

/**
 * A process's start-up, from a CPU profile: every sample before the event loop's first wait (the first idle
 * sample), each put in one part by the frames on its stack. With the benchmark's kubeconfig (a client
 * certificate, an IP address) that first wait is for the API server's connection: files are read
 * synchronously and the code's promises are microtasks (an exec credential plugin or a DNS lookup would wait
 * sooner). `own` names the tool's files (url suffixes); their part holds the Node APIs they call that no
 * earlier rule claims. Null when the profile never waited.
 */
export function summarizeStartup(p: CpuProfile, own: readonly string[]): { parts: Record<StartupPart, number>; ms: number } | null {
  // null: the idle sample that ends the start-up.
  const partOf = byStack(p, (stack): StartupPart | null => {
    const fn = stack[0]!.functionName;
    if (fn === '(idle)') return null;
    if (fn === '(garbage collector)') return 'garbage collection';
    const any = (f: (x: Frame) => boolean) => stack.some(f);
    if (
      any((f) => (f.url === 'node:fs' && /^(readFileSync|tryReadSync|readSync)$/.test(f.functionName)) || f.functionName === 'readFileUtf8')
    )
      return 'reading files (the code, its cache, the kubeconfig, the certificates)';
    if (any((f) => (f.url === 'node:vm' && f.functionName === 'Script') || f.functionName === 'wrapSafe'))
      return "restoring the tool's code (V8's cached data, or compiling it)";
    if (any((f) => f.functionName === 'compileForInternalLoader' || f.functionName === 'compileForPublicLoader'))
      return "Node's built-in modules (each compiled on first use)";
    if (any((f) => f.url.includes('secure-context') || f.url === 'node:_tls_common'))
      return 'the first TLS context (Node parses its bundled root certificates)';
    if (any((f) => own.some((o) => f.url.endsWith(o)))) return 'its code, and the Node APIs it calls';
    return "Node's own start and the rest";
  });
  const parts = Object.fromEntries(STARTUP_PARTS.map((k) => [k, 0])) as Record<StartupPart, number>;
  let ms = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const part = partOf(p.samples[i]!);
    if (part === null) return { parts, ms };
    const d = (p.timeDeltas[i] ?? 0) / 1000; // as summarizeProfile: the interval that ended in this sample
    parts[part] += d;
    ms += d;
  }
  return null;
}
