// Reading one rollout with what its picture needs: the Rollout, then its ReplicaSets and both Services
// in parallel (2 round trips, at most 4 requests).
import type { Ctx, Kube } from '../ctx.js';
import { CliError, EXIT } from '../errors.js';
import { labelSelector } from '../kube/client.js';
import { translate } from '../kube/errors.js';
import { buildRolloutView, type RolloutView } from '../rollout/view.js';
import type { ReplicaSet, Rollout, Service } from '../rollout/types.js';
import type { WatcherOptions } from '../kube/watcher.js';
import { AUDIT_ANNOTATION } from '../rollout/plan.js';
import { normalizeReplicaSet, normalizeRollout } from '../rollout/normalize.js';

export interface Loaded {
  ro: Rollout;
  replicaSets: ReplicaSet[];
  activeService: Service | null | undefined;
  previewService: Service | null | undefined;
  view: RolloutView;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validateName(what: 'rollout' | 'namespace', value: string): void {
  const ok = what === 'namespace' ? value.length <= 63 && DNS1123_LABEL.test(value) : value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
  if (!ok) throw new CliError(EXIT.USAGE, 'usage.badName', { what, value });
}

export function errorContext(ctx: Ctx, kube: Kube, rollout?: string) {
  return { server: kube.cfg.server, user: kube.user, namespace: kube.namespace, rollout, requestTimeout: ctx.flags.requestTimeout };
}

export async function readParts(kube: Kube, ro: Rollout, signal?: AbortSignal): Promise<Omit<Loaded, 'view' | 'ro'>> {
  const ns = ro.metadata.namespace ?? kube.namespace;
  const bg = ro.spec?.strategy?.blueGreen;
  const [rs, active, preview] = await Promise.all([
    kube.client.listReplicaSets(ns, labelSelector(ro.spec?.selector), signal),
    bg?.activeService ? kube.client.getService(ns, bg.activeService, signal) : Promise.resolve(undefined),
    bg?.previewService ? kube.client.getService(ns, bg.previewService, signal) : Promise.resolve(undefined),
  ]);
  return { replicaSets: rs.items.map(normalizeReplicaSet), activeService: active, previewService: preview };
}

export async function loadRollout(ctx: Ctx, kube: Kube, name: string): Promise<Loaded> {
  try {
    const ro = normalizeRollout(await kube.client.getRollout(kube.namespace, name, ctx.signal));
    const parts = await readParts(kube, ro, ctx.signal);
    return { ro, ...parts, view: buildRolloutView({ rollout: ro, ...parts }) };
  } catch (e) {
    throw translate(e, errorContext(ctx, kube, name));
  }
}

export interface LastChange {
  by: string;
  action: string;
  at: string;
  reason: string;
}

/** The audit annotation written by the last change made with this plugin, if readable. */
export function lastChange(ro: Rollout): LastChange | null {
  const raw = ro.metadata.annotations?.[AUDIT_ANNOTATION];
  if (!raw) return null;
  try {
    const a = JSON.parse(raw) as Partial<LastChange>;
    if (typeof a.by !== 'string' || typeof a.at !== 'string' || typeof a.action !== 'string') return null;
    return { by: a.by, action: a.action, at: a.at, reason: typeof a.reason === 'string' ? a.reason : '' };
  } catch {
    return null;
  }
}

/** The list-and-watch pair for one Rollout (by name), normalized like every read. */
export function oneRolloutSource(kube: Kube, ns: string, name: string): Pick<WatcherOptions<Rollout>, 'list' | 'watch'> {
  return {
    list: async (signal) => {
      const ro = normalizeRollout(await kube.client.getRollout(ns, name, signal));
      return { items: [ro], resourceVersion: ro.metadata.resourceVersion ?? '' };
    },
    watch: (rv, onEvent, signal) =>
      kube.client.watchRollouts(
        ns,
        `metadata.name=${name}`,
        rv,
        (ev) => onEvent({ ...ev, object: ev.type === 'ERROR' || ev.type === 'BOOKMARK' ? ev.object : normalizeRollout(ev.object) }),
        signal,
      ),
  };
}
