// status [-A]: the table (or JSON list) of the blue-green rollouts. Each item is the same document as
// `status ROLLOUT -o json` without nextActions, built by the same buildRolloutView from the same kinds
// of objects: the Rollout, the active and preview Services (what users are routed to), and the active
// and preview ReplicaSets (and a workloadRef's Deployment). The requests do not grow with the number of
// rollouts: pages of Rollouts, one list of Services, one of ReplicaSets, and one of Deployments when a
// rollout takes its template from one. A table reads every rollout-made ReplicaSet and the Services
// beside the Rollouts, and its rows are made namespace by namespace as the items arrive, so memory holds
// the rows (one string each), not the objects (streamRows); the table is written once every row is in
// (its columns' widths are the widest cell's), a block of lines at a time. JSON and YAML read the
// ReplicaSets the rows show, by their hashes, after the Rollouts (or every rollout-made one once there
// are too many hashes to name).
import type { Ctx, Kube } from '../../ctx.js';
import type { ListMeta } from '../../kube/client.js';
import { CliError, EXIT, type ExitCode } from '../../errors.js';
import { ApiError, type Flow } from '../../kube/http.js';
import { translate } from '../../kube/errors.js';
import { POD_TEMPLATE_HASH, type Deployment, type ReplicaSet, type Rollout, type Service } from '../../rollout/types.js';
import { buildRolloutView, workloadView, type RolloutView } from '../../rollout/view.js';
import { listJson, serialize, statusJson } from '../../render/formats.js';
import { listHead, listRow } from '../../render/reports.js';
import { Columns } from '../../render/table.js';
import { errorContext } from '../load.js';
import { listingRolloutRead, withListingHeap } from '../listing-heap.js';
import { byCodeUnits } from '../../order.js';
import type { StatusFormat } from './status.js';

/** Above this many hashes, one list of every rollout-made ReplicaSet is cheaper than a long selector. */
const MAX_HASH_SELECTOR = 100;

export interface Read {
  rollouts: Rollout[];
  /** By "namespace/name"; undefined when Services may not be listed (the views then use the status). */
  services: Map<string, Service> | undefined;
  replicaSets: ReplicaSet[];
  /** workloadRef Deployments by "namespace/name"; undefined when none is needed or they may not be listed. */
  deployments?: Map<string, Deployment>;
}

/**
 * Items a list may hold unread before its answer is paused, and the pauses so far (an object, for
 * tests). A table reads three lists side by side and moves at the pace of the slowest (the ReplicaSets,
 * the largest): at 10,000 rollouts the other two held up to every one of their 10,000 items, waiting.
 */
export const READ_AHEAD = { items: 1000, pauses: 0 };

/**
 * A list read as it arrives, item by item, page after page: each item is handed to the reader as soon as
 * it is parsed (not when its page is complete), the next page is asked for as soon as the one before it
 * has arrived, and items are held only until read: once READ_AHEAD are, the answer is paused until half
 * of them have been. A listing of one request (--chunk-size=0) is thus drawn as it streams, like one of
 * many pages.
 */
class Items<T> {
  private buf: T[] = [];
  private at = 0;
  private done = false;
  private failed: { error: unknown } | null = null;
  /** Readers waiting for the next item (or the end). */
  private waiting: Array<() => void> = [];
  /** The answer, paused, waiting for room. */
  private paused: Array<() => void> = [];
  private readonly flow: Flow = {
    full: () => this.buf.length - this.at >= READ_AHEAD.items,
    room: () => {
      READ_AHEAD.pauses++;
      return new Promise<void>((resolve) => this.paused.push(resolve));
    },
  };
  constructor(private readonly fetch: (cont: string | undefined, onItem: (item: T) => void, flow: Flow) => Promise<ListMeta>) {
    void this.read();
  }

  private async read(): Promise<void> {
    let cont: string | undefined;
    // A continue token the server gave before would read the same pages forever (found by a hostile
    // review: 11,000 requests in 10 s): a broken server or proxy, said once.
    const seen = new Set<string>();
    try {
      do {
        const meta = await this.fetch(
          cont,
          (item) => {
            this.buf.push(item);
            this.notify();
          },
          this.flow,
        );
        cont = meta.continue || undefined;
        if (cont !== undefined && seen.has(cont)) throw new CliError(EXIT.FAILURE, 'err.continueLoop');
        if (cont !== undefined) seen.add(cont);
      } while (cont);
    } catch (e) {
      this.failed = { error: e }; // thrown to whoever reads past the items that arrived
    }
    this.done = true;
    this.notify();
  }

  private notify(): void {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  /** The next item, without taking it; undefined at the end. */
  async peek(): Promise<T | undefined> {
    while (this.at >= this.buf.length) {
      if (this.failed) throw this.failed.error;
      if (this.done) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.buf[this.at];
  }

  async next(): Promise<T | undefined> {
    const item = await this.peek();
    if (item === undefined) return undefined;
    this.at++;
    if (this.paused.length > 0 && (this.buf.length - this.at) * 2 <= READ_AHEAD.items) {
      const paused = this.paused;
      this.paused = [];
      for (const resume of paused) resume();
    }
    // Items read are let go (the array is cut once most of it has been read).
    if (this.at > 1024 && this.at * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.at);
      this.at = 0;
    }
    return item;
  }

  async all(): Promise<T[]> {
    const out: T[] = [];
    for (let x = await this.next(); x !== undefined; x = await this.next()) out.push(x);
    return out;
  }
}

export const svcKey = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

/**
 * A Service as a listing holds it until its namespace's rows are drawn: what a row reads of it (its name,
 * and its selector's pod-template hash: src/rollout/view.ts), in one object instead of the four of a
 * Service. Its answer is never paused (open(), below), so it arrives ahead of the rows and every Service is
 * held at once: at 10,000 rollouts, 10,000 of them.
 */
interface HeldService {
  namespace: string;
  name: string;
  hash: string | undefined;
}

/**
 * `prev`: the namespace of the Service held before it, whose string it shares when it is the same (they
 * arrive namespace by namespace; each parsed answer has a copy of its own, 15,000 of them at 10,000).
 */
const held = (svc: Service, prev: string): HeldService => ({
  namespace: svc.metadata.namespace === prev ? prev : (svc.metadata.namespace ?? ''),
  name: svc.metadata.name ?? '',
  hash: svc.spec?.selector?.[POD_TEMPLATE_HASH],
});

/** The Service a row is built from (the same answers from buildRolloutView as the Service it came from). */
const asService = (h: HeldService): Service => ({
  metadata: { name: h.name, namespace: h.namespace },
  spec: { selector: h.hash === undefined ? {} : { [POD_TEMPLATE_HASH]: h.hash } },
});

/** A Service as the listing builds its rows from it, through its held form (test/unit/agreement.test.ts). */
export const listedService = (svc: Service): Service => asService(held(svc, ''));

/** The hashes a row needs: what the status and the active Service name as active, and the desired one. */
export function hashesOf(ro: Rollout, services: Read['services']): string[] {
  const st = ro.status;
  const bg = ro.spec?.strategy?.blueGreen;
  if (!bg) return [];
  const fromService = bg.activeService
    ? services?.get(svcKey(ro.metadata.namespace, bg.activeService))?.spec?.selector?.[POD_TEMPLATE_HASH]
    : undefined;
  return [st?.currentPodHash, st?.blueGreen?.activeSelector, fromService].filter((h): h is string => !!h);
}

/** The lists a listing reads, opened: the Rollouts, the Services, and when needed every rollout-made ReplicaSet. */
interface Source {
  rollouts: Items<Rollout>;
  /** The Services, item by item (a 403 is thrown by the first read). */
  services: Items<HeldService>;
  /** Every ReplicaSet a rollout made (started at most once). */
  allReplicaSets(): Items<ReplicaSet>;
  /** Every rollout-made ReplicaSet is being read (a table, or more hashes arrived than a selector should name). */
  readonly allStarted: boolean;
  replicaSetsBy(selector: string): Items<ReplicaSet>;
  deployments(): Promise<Map<string, Deployment> | undefined>;
  /** Stops every request of this source still running (the listing is done, or reads everything again). */
  close(): void;
}

/**
 * A list that may not be read (a 403: a role that may list rollouts but not this kind) read as `value`;
 * any other error thrown on.
 */
const unlessForbidden =
  <V>(value: V) =>
  (e: unknown): V => {
    if (e instanceof ApiError && e.status === 403) return value;
    throw e;
  };

/** `sent`: a request for the Rollouts went out, called for each (src/cli/listing-heap.ts heeds the first). */
function open(ctx: Pick<Ctx, 'signal'>, kube: Kube, ns: string | null, chunkSize: number, sent: () => void): Source {
  // The source's own signal: its lists read ahead of the rows, and are stopped when it is closed.
  const ac = new AbortController();
  const stop = () => ac.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  if (ctx.signal.aborted) stop();
  const signal = ac.signal;
  const page = (cont: string | undefined) => ({ limit: chunkSize, continue: cont });
  let all: Items<ReplicaSet> | undefined;
  let deployments: Promise<Map<string, Deployment> | undefined> | undefined;
  const replicaSetsBy = (selector: string) =>
    new Items<ReplicaSet>((cont, onItem, flow) => kube.client.eachReplicaSet(ns, selector, signal, page(cont), onItem, flow));
  const allReplicaSets = () => {
    all ??= replicaSetsBy(POD_TEMPLATE_HASH);
    return all;
  };
  // Once more rollouts have arrived than a selector should name, every rollout-made ReplicaSet will be
  // read: that list starts at once, alongside the rest of the Rollouts.
  const seen = new Set<string>();
  const rollouts = new Items<Rollout>((cont, onItem, flow) =>
    kube.client.eachRollout(
      ns,
      signal,
      page(cont),
      (ro) => {
        listingRolloutRead();
        if (!all) {
          for (const h of hashesOf(ro, undefined)) seen.add(h);
          if (seen.size > MAX_HASH_SELECTOR) allReplicaSets();
        }
        onItem(ro);
      },
      { ...flow, sent },
    ),
  );
  // One answer, never paused: it is not paged, so a pause would keep it open for the whole table (and an
  // API server ends a request that takes longer than its --request-timeout, 60 s by default); a Service
  // is kept as its name and its selector's pod-template hash only. Its List's metadata is not read: one
  // request, whatever it says.
  const services = new Items<HeldService>(async (_, onItem) => {
    let prev = '';
    await kube.client.eachService(ns, signal, (svc) => {
      const h = held(svc, prev);
      prev = h.namespace;
      onItem(h);
    });
    return {};
  });
  return {
    rollouts,
    services,
    allReplicaSets,
    get allStarted() {
      return all !== undefined;
    },
    replicaSetsBy,
    close: () => {
      ctx.signal.removeEventListener('abort', stop);
      stop();
    },
    deployments: () => {
      if (!deployments) {
        // May not list Deployments: the rows say the workloadRef's Deployment was not read.
        deployments = kube.client
          .listDeployments(ns, signal)
          .then((l) => new Map(l.items.map((d) => [svcKey(d.metadata.namespace, d.metadata.name), d])), unlessForbidden(undefined));
        deployments.catch(() => undefined); // read (and thrown) by whoever awaits it; not unhandled once closed
      }
      return deployments;
    },
  };
}

const needsDeployment = (ro: Rollout) => !!ro.spec?.strategy?.blueGreen && !!workloadView(ro, undefined)?.supported;

/** Everything at once: for -o json|yaml, and a table whose streamed read could not be used. */
async function readAll(src: Source): Promise<Read> {
  const [rollouts, services] = await Promise.all([
    src.rollouts.all(),
    // A role that may list rollouts but not services: rows then say what the controller recorded.
    src.services.all().then((l) => new Map(l.map((s) => [svcKey(s.namespace, s.name), asService(s)])), unlessForbidden(undefined)),
  ]);
  const hashes = new Set(rollouts.flatMap((ro) => hashesOf(ro, services)));
  const replicaSets =
    src.allStarted || hashes.size > MAX_HASH_SELECTOR
      ? src.allReplicaSets().all()
      : hashes.size === 0
        ? Promise.resolve([])
        : src.replicaSetsBy(`${POD_TEMPLATE_HASH} in (${[...hashes].sort().join(',')})`).all();
  const [rs, deployments] = await Promise.all([replicaSets, rollouts.some(needsDeployment) ? src.deployments() : undefined]);
  return { rollouts, services, replicaSets: rs, deployments };
}

interface Row {
  namespace: string;
  name: string;
  /** Its cells, packed (Columns). */
  cells: string;
}

/**
 * Where a namespace's objects sort among the API server's storage keys (`<namespace>/<name>`, compared
 * byte by byte): "team-a/..." before "team/...", because "-" sorts before "/".
 */
const storageOrder = (ns: string) => `${ns}/`;

/**
 * A list read beside the Rollouts, namespace by namespace (see streamRows): the returned function takes
 * the list's items up to namespace ns (to its end for null), handing those of ns to `take`. false when
 * the list is found out of storage order; 'forbidden' when it may not be read (a 403).
 */
function sideList<T>(items: Items<T>, nsOf: (item: T) => string, take: (item: T) => void) {
  let last = '';
  const peek = () => items.peek().catch(unlessForbidden(null));
  return async (ns: string | null): Promise<boolean | 'forbidden'> => {
    for (let x = await peek(); x !== undefined; x = await peek()) {
      if (x === null) return 'forbidden';
      const xNs = nsOf(x);
      const key = storageOrder(xNs);
      if (key < last) return false;
      last = key;
      if (ns !== null && key > storageOrder(ns)) break;
      await items.next();
      if (xNs === ns) take(x);
    }
    return true;
  };
}

/**
 * The table's rows, namespace by namespace: the API server lists Rollouts, ReplicaSets and Services in
 * the order of their storage keys (namespace, then name), so the three lists are read side by side, and a
 * namespace's objects are dropped once its rows are drawn: memory holds the rows, not the objects (a
 * table that waited for every Service before its first row held ~10,000 Rollouts read meanwhile, at
 * 10,000 rollouts). null when a list is found out of that order (nothing promises it), or when the
 * ReplicaSets may not be listed: the caller then reads everything at once. Services that may not be
 * listed leave the rows to say what the controller recorded, as a read at once does.
 */
async function streamRows(src: Source, row: (v: RolloutView) => string): Promise<{ rows: Row[]; others: number } | null> {
  const rows: Row[] = [];
  let others = 0;
  let lastRollout = '';
  let bucketNs: string | undefined;
  let bucket = new Map<string, ReplicaSet[]>();
  let serviceBucket = new Map<string, Service>();
  let servicesForbidden = false;
  const replicaSets = sideList(
    src.allReplicaSets(),
    (rs) => rs.metadata.namespace ?? '',
    (rs) => {
      for (const ref of rs.metadata.ownerReferences ?? []) {
        if (ref.kind !== 'Rollout' || !ref.uid) continue;
        const arr = bucket.get(ref.uid) ?? [];
        arr.push(rs);
        bucket.set(ref.uid, arr);
      }
    },
  );
  const services = sideList(
    src.services,
    (svc) => svc.namespace,
    (svc) => serviceBucket.set(svc.name, asService(svc)),
  );
  /**
   * Both lists up to namespace ns. false: out of order, or the ReplicaSets are forbidden (a role that may
   * not list them: read at once, which asks for them only when a row names a hash).
   */
  const advance = async (ns: string | null): Promise<boolean> => {
    const [r, s] = await Promise.all([replicaSets(ns), servicesForbidden ? true : services(ns)]);
    if (s === 'forbidden') servicesForbidden = true;
    return r === true && s !== false;
  };
  for (let ro = await src.rollouts.next(); ro !== undefined; ro = await src.rollouts.next()) {
    const ns = ro.metadata.namespace ?? '';
    const key = storageOrder(ns);
    if (key < lastRollout) return null;
    lastRollout = key;
    if (ns !== bucketNs) {
      bucketNs = ns;
      bucket = new Map();
      serviceBucket = new Map();
      if (!(await advance(ns))) return null;
    }
    const bg = ro.spec?.strategy?.blueGreen;
    if (!bg) {
      others++;
      continue;
    }
    const service = (name: string | undefined) => (!name || servicesForbidden ? undefined : (serviceBucket.get(name) ?? null));
    const ref = ro.spec?.workloadRef;
    const deployments = needsDeployment(ro) ? await src.deployments() : undefined;
    const workload = !ref?.name || !deployments ? undefined : (deployments.get(svcKey(ns, ref.name)) ?? null);
    const view = buildRolloutView({
      rollout: ro,
      replicaSets: bucket.get(ro.metadata.uid ?? '') ?? [],
      activeService: service(bg.activeService),
      previewService: service(bg.previewService),
      workload,
    });
    // The namespace's one string (bucketNs), not this rollout's copy of it: a row is held to the end.
    rows.push({ namespace: bucketNs, name: view.name, cells: row(view) });
  }
  // The rest is read only to be sure of the order the rows relied on (with no rows, nothing relied on it:
  // a role that may not list ReplicaSets still hears that there are no rollouts; a Services list that
  // fails otherwise than by a 403 still fails the listing, as when it was read whole first).
  if (lastRollout !== '') return (await advance(null)) ? { rows, others } : null;
  if (!servicesForbidden) await services(null);
  return { rows, others };
}

type Named = { namespace: string; name: string };

/**
 * The listing's order: namespace, then name (for Kubernetes names the order localeCompare gave in English
 * and Korean: test/unit/listing-order.test.ts; in other locales it differed, e.g. Lithuanian puts y before j).
 */
export const byNamespaceThenName = (a: Named, b: Named): number => byCodeUnits(a.namespace, b.namespace) || byCodeUnits(a.name, b.name);

/** The views of the blue-green rollouts, sorted by namespace and name; and how many others were skipped. */
export function listViews(r: Read): { views: RolloutView[]; others: number } {
  const byOwner = new Map<string, ReplicaSet[]>();
  for (const rs of r.replicaSets) {
    for (const ref of rs.metadata.ownerReferences ?? []) {
      if (ref.kind !== 'Rollout' || !ref.uid) continue;
      const arr = byOwner.get(ref.uid) ?? [];
      arr.push(rs);
      byOwner.set(ref.uid, arr);
    }
  }
  const views: RolloutView[] = [];
  let others = 0;
  for (const ro of r.rollouts) {
    const bg = ro.spec?.strategy?.blueGreen;
    if (!bg) {
      others++;
      continue;
    }
    const service = (name: string | undefined) =>
      !name || !r.services ? undefined : (r.services.get(svcKey(ro.metadata.namespace, name)) ?? null);
    const ref = ro.spec?.workloadRef;
    const workload = !ref?.name || !r.deployments ? undefined : (r.deployments.get(svcKey(ro.metadata.namespace, ref.name)) ?? null);
    views.push(
      buildRolloutView({
        rollout: ro,
        replicaSets: byOwner.get(ro.metadata.uid ?? '') ?? [],
        activeService: service(bg.activeService),
        previewService: service(bg.previewService),
        workload,
      }),
    );
  }
  // Usually already in this order (the API server's): V8's sort then makes one comparison per item.
  views.sort(byNamespaceThenName);
  return { views, others };
}

export function list(ctx: Ctx, kube: Kube, format: StatusFormat, all: boolean, chunkSize: number): Promise<ExitCode> {
  return withListingHeap((sent) => listRollouts(ctx, kube, format, all, chunkSize, sent));
}

async function listRollouts(
  ctx: Ctx,
  kube: Kube,
  format: StatusFormat,
  all: boolean,
  chunkSize: number,
  sent: () => void,
): Promise<ExitCode> {
  const ns = all ? null : kube.namespace;
  const opts = { allNamespaces: all, wide: format === 'wide', color: ctx.color, now: ctx.io.now() };
  let rows: Row[];
  let others: number;
  let table = new Columns();
  const row = (v: RolloutView) => table.pack(listRow(ctx.t, v, opts));
  let src = open(ctx, kube, ns, chunkSize, sent);
  try {
    // A table reads every rollout-made ReplicaSet of its scope from the start, beside the Rollouts, and
    // its rows are made namespace by namespace as the lists stream: the rows' hashes are known only once
    // the Rollouts have arrived, and a selector naming them would be a second round trip after the whole
    // list (`-v` at 500 rollouts sharing 25 templates: Rollouts 136 ms, then the ReplicaSets 49 ms).
    // Older revisions' ReplicaSets come along (up to revisionHistoryLimit per rollout) and are dropped
    // with their namespace. JSON or YAML (one document, built whole) is read at once, with only the
    // rows' ReplicaSets.
    const stream = format !== 'json' && format !== 'yaml';
    if (stream) src.allReplicaSets();
    const streamed = stream ? await streamRows(src, row) : null;
    if (streamed) {
      ({ rows, others } = streamed);
    } else {
      // Lists out of storage order (never seen from an API server), or ReplicaSets that may not be
      // listed: everything again, at once.
      if (stream) {
        src.close();
        src = open(ctx, kube, ns, chunkSize, sent);
      }
      const r = await readAll(src);
      const lv = listViews(r);
      if (format === 'json' || format === 'yaml') {
        ctx.out(serialize(listJson(lv.views.map((v) => statusJson(v, null))), format));
        return EXIT.OK;
      }
      table = new Columns(); // the widths of the rows drawn before are not this table's
      rows = lv.views.map((v) => ({ namespace: v.namespace, name: v.name, cells: row(v) }));
      others = lv.others;
    }
  } catch (e) {
    throw translate(e, errorContext(ctx, kube));
  } finally {
    src.close();
  }
  rows.sort(byNamespaceThenName);
  if (rows.length === 0) {
    ctx.err(`${ctx.t('list.empty', { ns: all ? ctx.t('list.allNamespaces') : ctx.t('list.namespace', { ns: kube.namespace }) })}\n`);
  } else {
    table.write([table.pack(listHead(ctx.t, opts)), ...rows.map((r) => r.cells)], ctx.out);
  }
  if (others > 0) ctx.err(`${ctx.t('list.skippedCanary', { count: others })}\n`);
  return EXIT.OK;
}
