// status [-A]: the table (or JSON list) of the blue-green rollouts. Each item is the same document as
// `status ROLLOUT -o json` without nextActions, built by the same buildRolloutView from the same kinds
// of objects: the Rollout, the active and preview Services (what users are routed to), and the active
// and preview ReplicaSets (and a workloadRef's Deployment). The requests do not grow with the number of
// rollouts: pages of Rollouts, one list of Services, one list of just the ReplicaSets the rows show, and
// one list of Deployments when a rollout takes its template from one.
import type { Ctx, Kube } from '../../ctx.js';
import { EXIT, type ExitCode } from '../../errors.js';
import { ApiError } from '../../kube/http.js';
import { translate } from '../../kube/errors.js';
import { POD_TEMPLATE_HASH, type Deployment, type ReplicaSet, type Rollout, type Service } from '../../rollout/types.js';
import { buildRolloutView, workloadView, type RolloutView } from '../../rollout/view.js';
import { listJson, serialize, statusJson } from '../../render/formats.js';
import { renderList } from '../../render/reports.js';
import { errorContext } from '../load.js';
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

async function pages<T>(fetch: (cont: string | undefined) => Promise<{ items: T[]; metadata?: { continue?: string } }>): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const page = await fetch(cont);
    for (const item of page.items) out.push(item);
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return out;
}

export const svcKey = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

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

async function read(ctx: Pick<Ctx, 'signal'>, kube: Kube, ns: string | null, chunkSize: number): Promise<Read> {
  const page = <T>(
    list: (p: { limit: number; continue?: string; compact: true }) => Promise<{ items: T[]; metadata?: { continue?: string } }>,
  ) => pages((cont) => list({ limit: chunkSize, continue: cont, compact: true }));
  const allReplicaSets = () => page((p) => kube.client.listReplicaSets(ns, POD_TEMPLATE_HASH, ctx.signal, p));
  // Once more rollouts have arrived than a selector should name, every rollout-made ReplicaSet will be
  // read: that list starts at once, alongside the rest of the Rollouts (their pages, or the rest of one).
  let early: Promise<ReplicaSet[]> | undefined;
  const seen = new Set<string>();
  const onItem = (ro: Rollout) => {
    if (early) return;
    for (const h of hashesOf(ro, undefined)) seen.add(h);
    if (seen.size > MAX_HASH_SELECTOR) {
      early = allReplicaSets();
      early.catch(() => undefined); // awaited below; a failure before then is not unhandled
    }
  };
  const [rollouts, services] = await Promise.all([
    page((p) => kube.client.listRollouts(ns, ctx.signal, { ...p, onItem })),
    kube.client.listServices(ns, ctx.signal).then(
      (l) => new Map(l.items.map((s) => [svcKey(s.metadata.namespace, s.metadata.name), s])),
      (e: unknown) => {
        // A role that may list rollouts but not services: rows then say what the controller recorded.
        if (e instanceof ApiError && e.status === 403) return undefined;
        throw e;
      },
    ),
  ]);
  const hashes = new Set(rollouts.flatMap((ro) => hashesOf(ro, services)));
  const needsDeployments = rollouts.some((ro) => ro.spec?.strategy?.blueGreen && workloadView(ro, undefined)?.supported);
  const [replicaSets, deployments] = await Promise.all([
    early ??
      (hashes.size === 0
        ? []
        : hashes.size > MAX_HASH_SELECTOR
          ? allReplicaSets()
          : page((p) => kube.client.listReplicaSets(ns, `${POD_TEMPLATE_HASH} in (${[...hashes].sort().join(',')})`, ctx.signal, p))),
    needsDeployments
      ? kube.client.listDeployments(ns, ctx.signal).then(
          (l) => new Map(l.items.map((d) => [svcKey(d.metadata.namespace, d.metadata.name), d])),
          (e: unknown) => {
            // May not list Deployments: the rows say the workloadRef's Deployment was not read.
            if (e instanceof ApiError && e.status === 403) return undefined;
            throw e;
          },
        )
      : undefined,
  ]);
  return { rollouts, services, replicaSets, deployments };
}

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
  views.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { views, others };
}

export async function list(ctx: Ctx, kube: Kube, format: StatusFormat, all: boolean, chunkSize: number): Promise<ExitCode> {
  let r: Read;
  try {
    r = await read(ctx, kube, all ? null : kube.namespace, chunkSize);
  } catch (e) {
    throw translate(e, errorContext(ctx, kube));
  }
  const { views, others } = listViews(r);
  if (format === 'json' || format === 'yaml') {
    ctx.out(serialize(listJson(views.map((v) => statusJson(v, null))), format));
    return EXIT.OK;
  }
  if (views.length === 0) {
    ctx.err(`${ctx.t('list.empty', { ns: all ? ctx.t('list.allNamespaces') : ctx.t('list.namespace', { ns: kube.namespace }) })}\n`);
  } else {
    ctx.out(renderList(ctx.t, views, { allNamespaces: all, wide: format === 'wide', color: ctx.color, now: ctx.io.now() }));
  }
  if (others > 0) ctx.err(`${ctx.t('list.skippedCanary', { count: others })}\n`);
  return EXIT.OK;
}
