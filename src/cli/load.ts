// Reading one rollout with what its picture needs: the Rollout, then its ReplicaSets, both Services and
// (workloadRef) the referenced Deployment in parallel (2 round trips, at most 5 requests), and the
// checks every command makes before it.
import type { Ctx, Kube } from '../ctx.js';
import { CliError, EXIT } from '../errors.js';
import { labelSelector } from '../kube/client.js';
import { ApiError } from '../kube/http.js';
import { translate, type ErrorContext } from '../kube/errors.js';
import { buildRolloutView, workloadView, type RolloutView } from '../rollout/view.js';
import type { Deployment, ReplicaSet, Rollout, Service } from '../rollout/types.js';

export interface Loaded {
  ro: Rollout;
  replicaSets: ReplicaSet[];
  /** undefined: not read (none configured, or not allowed); null: read and not found. */
  activeService: Service | null | undefined;
  previewService: Service | null | undefined;
  /** spec.workloadRef's Deployment. undefined: no workloadRef, a kind not read, or not allowed; null: not found. */
  workload: Deployment | null | undefined;
  view: RolloutView;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes' limits: object names are DNS-1123 subdomains (253), namespaces DNS-1123 labels (63). */
const NAME_MAX = { rollout: 253, namespace: 63 } as const;

export function validateName(what: 'rollout' | 'namespace', value: string): void {
  const max = NAME_MAX[what];
  if (value.length > max)
    throw new CliError(EXIT.USAGE, 'usage.nameTooLong', {
      what,
      value: `${value.slice(0, 40)}…`,
      max: String(max),
      length: String(value.length),
    });
  const ok = what === 'namespace' ? DNS1123_LABEL.test(value) : DNS1123_SUBDOMAIN.test(value);
  if (!ok) throw new CliError(EXIT.USAGE, 'usage.badName', { what, value });
}

export function errorContext(ctx: Pick<Ctx, 'flags'>, kube: Kube, rollout?: string): ErrorContext {
  return { server: kube.cfg.server, user: kube.user, namespace: kube.namespace, rollout, requestTimeout: ctx.flags.requestTimeout };
}

/** A Service (or Deployment) that the user may not read is "not read" (the view then says what the controller recorded). */
async function orUnread<T>(read: Promise<T | null>): Promise<T | null | undefined> {
  try {
    return await read;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return undefined;
    throw e;
  }
}

/**
 * The Deployment a workloadRef names, when it is a kind the plugin reads (apps/Deployment). A change
 * must read it (`required`: a refusal to read is the command's error); a picture can do without.
 */
export function readWorkload(kube: Kube, ro: Rollout, signal?: AbortSignal, required = false): Promise<Deployment | null | undefined> {
  const w = workloadView(ro, undefined);
  if (!w?.supported) return Promise.resolve(undefined);
  const read = kube.client.getDeployment(ro.metadata.namespace ?? kube.namespace, w.name, signal);
  return required ? read : orUnread(read);
}

export async function readParts(
  kube: Kube,
  ro: Rollout,
  signal?: AbortSignal,
  requireWorkload = false,
): Promise<Omit<Loaded, 'view' | 'ro'>> {
  const ns = ro.metadata.namespace ?? kube.namespace;
  const bg = ro.spec?.strategy?.blueGreen;
  const [rs, activeService, previewService, workload] = await Promise.all([
    kube.client.listReplicaSets(ns, labelSelector(ro.spec?.selector), signal),
    bg?.activeService ? orUnread(kube.client.getService(ns, bg.activeService, signal)) : undefined,
    bg?.previewService ? orUnread(kube.client.getService(ns, bg.previewService, signal)) : undefined,
    readWorkload(kube, ro, signal, requireWorkload),
  ]);
  return { replicaSets: rs.items, activeService, previewService, workload };
}

/** `requireWorkload`: a change reads the workloadRef's Deployment or fails (a picture shows it as not read). */
export async function loadRollout(
  ctx: Pick<Ctx, 'signal' | 'flags'>,
  kube: Kube,
  name: string,
  opts: { requireWorkload?: boolean } = {},
): Promise<Loaded> {
  try {
    const ro = await kube.client.getRollout(kube.namespace, name, ctx.signal);
    const parts = await readParts(kube, ro, ctx.signal, opts.requireWorkload);
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
