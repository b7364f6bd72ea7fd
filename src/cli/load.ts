// Reading one rollout with what its picture needs: the Rollout, then its ReplicaSets and both Services
// in parallel (2 round trips, at most 4 requests), and the checks every command makes before it.
import type { Ctx, Kube } from '../ctx.js';
import { CliError, EXIT } from '../errors.js';
import { labelSelector } from '../kube/client.js';
import { ApiError } from '../kube/http.js';
import { translate, type ErrorContext } from '../kube/errors.js';
import { buildRolloutView, type RolloutView } from '../rollout/view.js';
import type { ReplicaSet, Rollout, Service } from '../rollout/types.js';

export interface Loaded {
  ro: Rollout;
  replicaSets: ReplicaSet[];
  /** undefined: not read (none configured, or not allowed); null: read and not found. */
  activeService: Service | null | undefined;
  previewService: Service | null | undefined;
  view: RolloutView;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes' limits: object names are DNS-1123 subdomains (253), namespaces DNS-1123 labels (63). */
const NAME_MAX = { rollout: 253, namespace: 63 } as const;

export function validateName(what: 'rollout' | 'namespace', value: string): void {
  const max = NAME_MAX[what];
  if (value.length > max) throw new CliError(EXIT.USAGE, 'usage.nameTooLong', { what, value: `${value.slice(0, 40)}…`, max: String(max), length: String(value.length) });
  const ok = what === 'namespace' ? DNS1123_LABEL.test(value) : DNS1123_SUBDOMAIN.test(value);
  if (!ok) throw new CliError(EXIT.USAGE, 'usage.badName', { what, value });
}

export function errorContext(ctx: Pick<Ctx, 'flags'>, kube: Kube, rollout?: string): ErrorContext {
  return { server: kube.cfg.server, user: kube.user, namespace: kube.namespace, rollout, requestTimeout: ctx.flags.requestTimeout };
}

/** A Service that the user may not read is "not read" (the view then says what the controller recorded). */
async function serviceOrUnread(read: Promise<Service | null>): Promise<Service | null | undefined> {
  try {
    return await read;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return undefined;
    throw e;
  }
}

export async function readParts(kube: Kube, ro: Rollout, signal?: AbortSignal): Promise<Omit<Loaded, 'view' | 'ro'>> {
  const ns = ro.metadata.namespace ?? kube.namespace;
  const bg = ro.spec?.strategy?.blueGreen;
  const [rs, activeService, previewService] = await Promise.all([
    kube.client.listReplicaSets(ns, labelSelector(ro.spec?.selector), signal),
    bg?.activeService ? serviceOrUnread(kube.client.getService(ns, bg.activeService, signal)) : undefined,
    bg?.previewService ? serviceOrUnread(kube.client.getService(ns, bg.previewService, signal)) : undefined,
  ]);
  return { replicaSets: rs.items, activeService, previewService };
}

export async function loadRollout(ctx: Pick<Ctx, 'signal' | 'flags'>, kube: Kube, name: string): Promise<Loaded> {
  try {
    const ro = await kube.client.getRollout(kube.namespace, name, ctx.signal);
    const parts = await readParts(kube, ro, ctx.signal);
    return { ro, ...parts, view: buildRolloutView({ rollout: ro, ...parts }) };
  } catch (e) {
    throw translate(e, errorContext(ctx, kube, name));
  }
}

/** The preamble of every command about one rollout: valid names, the client, the rollout, blue-green. */
export async function loadBlueGreen(ctx: Pick<Ctx, 'signal' | 'flags' | 'kube'>, name: string): Promise<{ kube: Kube; loaded: Loaded }> {
  validateName('rollout', name);
  const kube = await ctx.kube();
  validateName('namespace', kube.namespace);
  const loaded = await loadRollout(ctx, kube, name);
  requireBlueGreen(loaded.view);
  return { kube, loaded };
}

export function requireBlueGreen(v: Pick<RolloutView, 'name' | 'strategy'>): void {
  if (v.strategy !== 'blueGreen') throw new CliError(EXIT.STATE, 'state.notBlueGreen', { name: v.name, strategy: v.strategy });
}
