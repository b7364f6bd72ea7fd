// Reading one rollout with what its picture needs: the Rollout, its ReplicaSets, both Services and
// (workloadRef) the referenced Deployment, and the checks every command makes before it. The
// ReplicaSets and Services are asked for beside the Rollout, a page of the namespace's each (one round
// trip, 3 requests); a namespace with more than a page of them, a change between the reads, a refusal to
// list, or a workloadRef's Deployment takes the second round trip of the reads by name and selector.
import type { Ctx, Kube } from '../ctx.js';
import { CliError, EXIT } from '../errors.js';
import { labelSelector } from '../kube/client.js';
import { ApiError } from '../kube/http.js';
import { translate, type ErrorContext } from '../kube/errors.js';
import { buildRolloutView, hashOf, ownedBy, workloadView, type RolloutView } from '../rollout/view.js';
import { POD_TEMPLATE_HASH } from '../rollout/types.js';
import type { Deployment, List, ReplicaSet, Rollout, Service } from '../rollout/types.js';

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

/** A page of this many is asked for beside the Rollout: a namespace with more takes the second round trip. */
export const EARLY_PAGE = 50;

/** A read sent before the Rollout came: what it answered, or that it failed (then it is asked again, by name). */
type Settled<T> = { ok: true; value: T } | { ok: false };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    () => ({ ok: false as const }),
  );

/**
 * The namespace's rollout-made ReplicaSets and its Services, read beside the Rollout. They may have been
 * read a moment before it, so they are kept only where they agree with it: the ReplicaSets when the page
 * holds the whole List and every hash the Rollout's status names is among those it owns; a Service when
 * found (or, the List whole, not there) and its pod-template hash is the one the status records for it.
 * Otherwise (more than a page, a change between the reads, a 403 on list where get is allowed, a dropped
 * connection) the read by selector or by name follows the Rollout, as before, and its answer or error is
 * the one that counts.
 */
export interface EarlyReads {
  namespace: string;
  replicaSets: Promise<Settled<List<ReplicaSet>>>;
  services: Promise<Settled<List<Service>>>;
}

export function readEarly(kube: Kube, namespace: string, signal?: AbortSignal): EarlyReads {
  const page = { limit: EARLY_PAGE };
  return {
    namespace,
    replicaSets: settle(kube.client.listReplicaSets(namespace, POD_TEMPLATE_HASH, signal, page)),
    services: settle(kube.client.listServices(namespace, page, signal)),
  };
}

/** The pod-template hashes the Rollout's status names (its desired, stable, active and preview ReplicaSets). */
function namedHashes(ro: Rollout): string[] {
  const s = ro.status;
  return [s?.currentPodHash, s?.stableRS, s?.blueGreen?.activeSelector, s?.blueGreen?.previewSelector].filter((h): h is string => !!h);
}

/**
 * The rollout's ReplicaSets: every rollout-made one of the namespace when read early and in agreement
 * with the Rollout (the view keeps those the rollout owns, as it does of a list by its selector), else
 * a list by the rollout's selector.
 */
async function replicaSetsOf(kube: Kube, ns: string, ro: Rollout, signal?: AbortSignal, early?: EarlyReads): Promise<ReplicaSet[]> {
  const got = early && (await early.replicaSets);
  if (got?.ok && !got.value.metadata?.continue) {
    const owned = new Set(got.value.items.filter((rs) => ownedBy(rs, ro)).map(hashOf));
    if (namedHashes(ro).every((h) => owned.has(h))) return got.value.items;
  }
  return (await kube.client.listReplicaSets(ns, labelSelector(ro.spec?.selector), signal)).items;
}

/** `hash`: the pod-template hash the Rollout's status records for this Service (its active or preview selector). */
async function serviceOf(
  kube: Kube,
  ns: string,
  name: string,
  hash: string | undefined,
  signal?: AbortSignal,
  early?: EarlyReads,
): Promise<Service | null | undefined> {
  const got = early && (await early.services);
  if (got?.ok) {
    const svc = got.value.items.find((s) => s.metadata.name === name);
    if (svc && (!hash || svc.spec?.selector?.[POD_TEMPLATE_HASH] === hash)) return svc;
    if (!svc && !got.value.metadata?.continue) return null;
  }
  return orUnread(kube.client.getService(ns, name, signal));
}

export async function readParts(
  kube: Kube,
  ro: Rollout,
  signal?: AbortSignal,
  requireWorkload = false,
  early?: EarlyReads,
): Promise<Omit<Loaded, 'view' | 'ro'>> {
  const ns = ro.metadata.namespace ?? kube.namespace;
  // Read early in another namespace than the Rollout's (a server answering oddly): not its parts.
  const mine = early?.namespace === ns ? early : undefined;
  const bg = ro.spec?.strategy?.blueGreen;
  const recorded = ro.status?.blueGreen;
  const [replicaSets, activeService, previewService, workload] = await Promise.all([
    replicaSetsOf(kube, ns, ro, signal, mine),
    bg?.activeService ? serviceOf(kube, ns, bg.activeService, recorded?.activeSelector, signal, mine) : undefined,
    bg?.previewService ? serviceOf(kube, ns, bg.previewService, recorded?.previewSelector, signal, mine) : undefined,
    readWorkload(kube, ro, signal, requireWorkload),
  ]);
  return { replicaSets, activeService, previewService, workload };
}

/** `requireWorkload`: a change reads the workloadRef's Deployment or fails (a picture shows it as not read). */
export async function loadRollout(
  ctx: Pick<Ctx, 'signal' | 'flags'>,
  kube: Kube,
  name: string,
  opts: { requireWorkload?: boolean } = {},
): Promise<Loaded> {
  // The Rollout first (it takes the connection opened early, src/kube/early-connect.ts); the reads beside
  // it are given up if it fails (a mistyped name costs no more than its own answer).
  const beside = new AbortController();
  try {
    const rollout = kube.client.getRollout(kube.namespace, name, ctx.signal);
    const early = readEarly(kube, kube.namespace, AbortSignal.any([ctx.signal, beside.signal]));
    const ro = await rollout;
    const parts = await readParts(kube, ro, ctx.signal, opts.requireWorkload, early);
    return { ro, ...parts, view: buildRolloutView({ rollout: ro, ...parts }) };
  } catch (e) {
    beside.abort();
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
