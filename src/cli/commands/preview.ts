// preview ROLLOUT [--port N] [--address A]: try the preview before users do. Forwards a local port to
// the preview Service's pods through the API server (pods/{name}/portforward, as `kubectl port-forward
// service/NAME` does), says which version that is and whether it is older than what users get, follows
// the preview when it changes, and ends on Ctrl-C (exit 130, like status --watch).
//
// Like kubectl: --port is the local port (default: a free one), the remote port is the Service's first
// TCP port's targetPort (a named targetPort is looked up in the chosen pod's containers), one ready pod
// takes the connections. The pods are found with the Rollout's selector and filtered with the preview
// Service's own selector, which the controller points at the preview's pod-template hash.
import { isIP } from 'node:net';
import type { Ctx } from '../../ctx.js';
import { describeError } from '../../describe.js';
import { escapeHidden } from '../../sanitize.js';
import { CliError, EXIT, type ExitCode } from '../../errors.js';
import { labelSelector } from '../../kube/client.js';
import { translate } from '../../kube/errors.js';
import { ApiError } from '../../kube/http.js';
import { LocalForwarder, openPodStream, WebSocketProtocolError, type ForwardEvent, type ForwardTarget } from '../../kube/portforward.js';
import { Watcher, type WatcherState } from '../../kube/watcher.js';
import { versionOf } from '../../rollout/plan.js';
import {
  buildRolloutView,
  olderThan,
  type OlderSignal,
  type OlderUnknown,
  type RevisionView,
  type RolloutView,
} from '../../rollout/view.js';
import { POD_TEMPLATE_HASH, type List, type ObjectMeta, type Service } from '../../rollout/types.js';
import { API_VERSION, olderBecauseText, revisionJson } from '../../render/formats.js';
import { signalText, unknownText } from '../../render/guard.js';
import { padEnd, paint, versionText, width } from '../../render/text.js';
import type { Handler } from '../dispatch.js';
import { errorContext, loadBlueGreen, readParts } from '../load.js';
import { RolloutWatch } from '../rollout-watch.js';

export const preview: Handler<'preview'> = (ctx, args) =>
  runPreview(ctx, { rollout: args.rollout, port: args.port, address: args.address, json: args.output === 'json' });

export interface PreviewOptions {
  rollout: string;
  port?: string;
  address?: string;
  json?: boolean;
  /** How long a connection waits for a ready pod before it is closed (tests). */
  podWaitMs?: number;
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: { containers?: Array<{ name?: string; ports?: Array<{ name?: string; containerPort?: number; protocol?: string }> }> };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

export interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
}

export type PreviewService = Service & { spec?: { selector?: Record<string, string>; ports?: ServicePort[] } };

// ---------------------------------------------------------------------------------------------------
// Pure decisions (unit-tested)

/**
 * Why there is nothing to preview (exit 4), or null when there is a preview to forward to. `vt` renders
 * a revision as a version ("frontend:v1.054 (revision 8)").
 */
export function refusal(v: RolloutView, svc: PreviewService | null | undefined, vt: (r: RevisionView | null) => string): CliError | null {
  const ns = v.namespace;
  const name = v.name;
  if (!v.preview) return new CliError(EXIT.STATE, 'preview.nothingWaits', { name, ns, v: vt(v.active) });
  if (v.aborted) return new CliError(EXIT.STATE, 'preview.aborted', { name, ns, v: vt(v.preview), active: vt(v.active) });
  if (!v.services.preview)
    return new CliError(EXIT.STATE, 'preview.noService', { name, rs: v.preview.replicaSet ?? v.preview.podTemplateHash });
  if (!svc) return new CliError(EXIT.STATE, 'preview.serviceMissing', { name, ns, svc: v.services.preview });
  if (!servicePort(svc)) return new CliError(EXIT.STATE, 'preview.noPort', { svc: v.services.preview });
  return null;
}

/** The first TCP port of the Service (as kubectl's service port-forward, which needs one). */
export function servicePort(svc: PreviewService): ServicePort | null {
  const ports = svc.spec?.ports;
  if (!Array.isArray(ports)) return null;
  return ports.find((p) => !!p && (p.protocol ?? 'TCP') === 'TCP' && typeof p.port === 'number') ?? null;
}

/** The port in the pod for a Service port: its targetPort, by number or by the container port's name. */
export function podPort(pod: Pod, sp: ServicePort): number | null {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (typeof tp === 'string' && /^\d+$/.test(tp)) return Number(tp);
  const list = <T>(x: T[] | undefined): T[] => (Array.isArray(x) ? x : []);
  for (const c of list(pod.spec?.containers)) {
    for (const p of list(c?.ports))
      if (p?.name === tp && (p.protocol ?? 'TCP') === 'TCP' && typeof p.containerPort === 'number') return p.containerPort;
  }
  return null;
}

export function matches(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function isReady(p: Pod): boolean {
  return (
    !p.metadata.deletionTimestamp &&
    p.status?.phase === 'Running' &&
    Array.isArray(p.status.conditions) &&
    p.status.conditions.some((c) => c?.type === 'Ready' && c.status === 'True')
  );
}

/** The pod that takes new connections: the current one while it stays ready, else the oldest ready. */
export function pickPod(pods: Pod[], selector: Record<string, string>, current: string | null): Pod | null {
  const ready = pods.filter((p) => matches(p.metadata.labels, selector) && isReady(p));
  const keep = current ? ready.find((p) => p.metadata.name === current) : undefined;
  if (keep) return keep;
  ready.sort(
    (a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
  return ready[0] ?? null;
}

/** What the preview Service's selector leads to, and how it compares with what users get. */
export interface Serving {
  hash: string | null;
  /** The revision of those pods (null: no ReplicaSet of the rollout has that hash). */
  revision: RevisionView | null;
  /** It is what waits (not what users get already). */
  waits: boolean;
  /** Older than what users get: true, false, or null when it cannot be told (view.ts olderThan). */
  older: boolean | null;
  signals: OlderSignal[];
  unknown: OlderUnknown[];
}

export function serving(v: RolloutView, svc: PreviewService | null | undefined): Serving {
  const hash = svc?.spec?.selector?.[POD_TEMPLATE_HASH] ?? null;
  // No hash in the selector yet: the controller has not claimed the Service; describe the preview.
  const revision = hash === null ? v.preview : (v.history.find((h) => h.podTemplateHash === hash) ?? null);
  const waits = v.preview !== null && !v.aborted && revision !== null && revision.podTemplateHash === v.preview.podTemplateHash;
  if (waits) return { hash, revision, waits, older: v.previewIsOlder, signals: v.olderSignals, unknown: v.olderUnknown };
  if (!revision || !v.active || revision.podTemplateHash === v.active.podTemplateHash) {
    return { hash, revision, waits, older: false, signals: [], unknown: [] };
  }
  const o = olderThan(revision, v.active);
  return { hash, revision, waits, older: o.older, signals: o.signals, unknown: o.unknown };
}

// ---------------------------------------------------------------------------------------------------
// Rendering (strings only)

interface Shown {
  view: RolloutView;
  serving: Serving;
  service: string;
  port: ServicePort | null;
  pod: { name: string; port: number | null } | null;
  url: string;
}

function vt(ctx: Ctx, r: RevisionView | null): string {
  return versionText(ctx.t, versionOf(r));
}

function servesLine(ctx: Ctx, s: Shown): string {
  const t = ctx.t;
  const { serving: sv, view } = s;
  if (!sv.revision) return t('preview.servesUnknown', { hash: sv.hash ?? '?' });
  const v = vt(ctx, sv.revision);
  const active = vt(ctx, view.active);
  if (view.active && sv.revision.podTemplateHash === view.active.podTemplateHash) return t('preview.servesActive', { v });
  if (sv.older === true) return paint(ctx.color).yellow(t('preview.servesOlder', { v, active }));
  if (sv.older === null) return paint(ctx.color).yellow(t('preview.servesOlderUnknown', { v, active }));
  return t('preview.servesNotOlder', { v, active });
}

function viaLine(ctx: Ctx, s: Shown): string {
  const port = String(s.port?.port ?? '?');
  if (!s.pod) return ctx.t('preview.viaWaiting', { svc: s.service, port });
  return ctx.t('preview.via', { svc: s.service, port, pod: s.pod.name, podPort: s.pod.port === null ? '?' : String(s.pod.port) });
}

/** The block that says what the local port serves. */
export function renderShown(ctx: Ctx, s: Shown): string {
  const t = ctx.t;
  const labels = [t('preview.label.serves'), t('preview.label.via')];
  const col = Math.max(...labels.map(width)) + 3;
  const lines = [`  ${padEnd(labels[0]!, col)}${servesLine(ctx, s)}`];
  if (s.serving.older === true) for (const sig of s.serving.signals) lines.push(`  ${' '.repeat(col)}· ${signalText(t, sig)}`);
  if (s.serving.older === null) for (const u of s.serving.unknown) lines.push(`  ${' '.repeat(col)}· ${unknownText(t, u)}`);
  lines.push(`  ${padEnd(labels[1]!, col)}${viaLine(ctx, s)}`);
  return lines.join('\n') + '\n';
}

function shownJson(event: string, s: Shown) {
  return {
    apiVersion: API_VERSION,
    kind: 'PreviewForward',
    event,
    name: s.view.name,
    namespace: s.view.namespace,
    url: s.url,
    service: { name: s.service, port: s.port?.port ?? null, targetPort: s.port?.targetPort ?? s.port?.port ?? null },
    pod: s.pod ? { name: s.pod.name, port: s.pod.port } : null,
    serves: revisionJson(s.serving.revision),
    previewWaits: s.serving.waits,
    active: revisionJson(s.view.active),
    servesOlder: s.serving.older,
    olderBecause: s.serving.signals.map(olderBecauseText),
  };
}

// ---------------------------------------------------------------------------------------------------
// The command

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new CliError(EXIT.USAGE, 'usage.badPort', { value: text });
  return Number(text);
}

function parseAddress(text: string | undefined): string {
  const a = text ?? '127.0.0.1';
  if (a !== 'localhost' && isIP(a) === 0) throw new CliError(EXIT.USAGE, 'usage.badAddress', { value: a });
  return a;
}

function urlOf(address: string, port: number): string {
  return `http://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}

export async function runPreview(ctx: Ctx, args: PreviewOptions): Promise<ExitCode> {
  const json = args.json === true;
  const localPort = parsePort(args.port);
  const address = parseAddress(args.address);
  const name = args.rollout;
  const { kube, loaded: first } = await loadBlueGreen(ctx, name);
  const ns = kube.namespace;
  const t = ctx.t;
  const p = paint(ctx.color);
  const pe = paint(ctx.colorErr);

  let firstService = first.previewService as PreviewService | null | undefined;
  if (first.view.services.preview && firstService === undefined) {
    // Not readable (forbidden): preview needs its selector and port, so say why.
    try {
      firstService = (await kube.client.getService(ns, first.view.services.preview, ctx.signal)) as PreviewService | null;
    } catch (e) {
      throw translate(e, errorContext(ctx, kube, name));
    }
  }
  const refused = refusal(first.view, firstService, (r) => vt(ctx, r));
  if (refused) throw refused;

  const http = kube.client.http;
  const podSelector = labelSelector(first.ro.spec?.selector);
  const podTarget = (verb: string) => ({ verb, resource: 'pods', group: '', namespace: ns });
  const podsPath = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;

  // State, updated by the two watches.
  let view = first.view;
  let svc = firstService ?? null;
  let sv = serving(view, svc);
  let currentPod: Pod | null = null;
  let url = '';
  const waiters = new Set<() => void>();
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  let fatal: unknown = null;
  let forwarder: LocalForwarder | null = null;

  const selectorNow = (): Record<string, string> | null => {
    const sel = svc?.spec?.selector;
    return sel && Object.keys(sel).length > 0 ? sel : null;
  };
  const portNow = () => (svc ? servicePort(svc) : null);
  const shown = (): Shown => ({
    view,
    serving: sv,
    service: view.services.preview ?? '',
    port: portNow(),
    pod: currentPod ? { name: currentPod.metadata.name ?? '', port: portNow() ? podPort(currentPod, portNow()!) : null } : null,
    url,
  });
  const say = (event: string, headline: string | null) => {
    if (json) {
      ctx.out(`${escapeHidden(JSON.stringify(shownJson(event, shown())))}\n`);
      return;
    }
    ctx.out(`${headline ? `${headline}\n` : ''}${renderShown(ctx, shown())}`);
  };
  let lastNote = '';
  let lastNoteAt = 0;
  const note = (text: string) => {
    // A browser opens several connections at once: the same failure is told once.
    const now = Date.now();
    if (text === lastNote && now - lastNoteAt < 5000) return;
    lastNote = text;
    lastNoteAt = now;
    ctx.err(`${text}\n`);
  };

  const pods = new Watcher<Pod>({
    list: async (signal) => {
      const l = await http.json<List<Pod>>({
        method: 'GET',
        path: podsPath,
        query: { labelSelector: podSelector },
        target: podTarget('list'),
        retry: true,
        signal,
      });
      return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
    },
    watch: (rv, onEvent, signal) =>
      http.watch(
        {
          method: 'GET',
          path: podsPath,
          query: { labelSelector: podSelector, resourceVersion: rv, allowWatchBookmarks: 'true' },
          target: podTarget('watch'),
          signal,
        },
        onEvent,
      ),
    onChange: () => choosePod(false),
    onState: connectionState,
    signal: stop.signal,
  });

  /** Re-picks the pod for new connections; closes connections to a pod that went away. */
  function choosePod(quiet: boolean) {
    const sel = selectorNow();
    const before = currentPod?.metadata.name ?? null;
    currentPod = sel ? pickPod([...pods.items.values()], sel, before) : null;
    const after = currentPod?.metadata.name ?? null;
    if (after === before) return;
    if (before) forwarder?.drop((x) => x.pod === before);
    if (after) for (const w of waiters) w();
    if (quiet || !forwarder) return;
    if (json) say('pod', null);
    else if (after && before) note(t('preview.podChanged', { from: before, to: after }));
    else if (after) note(t('preview.podReady', { pod: after }));
    else note(t('preview.noPod', { pod: before ?? '' }));
  }

  let reloading = false;
  let reloadAgain = false;
  const scheduleReload = () => {
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = true;
    void reload().finally(() => {
      reloading = false;
      if (reloadAgain && !stop.signal.aborted) {
        reloadAgain = false;
        scheduleReload();
      }
    });
  };
  const rollouts = new RolloutWatch({ kube, ns, name, signal: stop.signal, onChange: scheduleReload, onState: connectionState });

  /** The Rollout changed: re-read its ReplicaSets and the preview Service, and say what moved. */
  async function reload() {
    const ro = rollouts.rollout;
    if (!ro) {
      fatal = new CliError(EXIT.FAILURE, 'preview.rolloutGone', { name, ns });
      stop.abort();
      return;
    }
    let parts;
    try {
      parts = await readParts(kube, ro, stop.signal);
    } catch {
      return; // the watches report connection trouble; the next change reloads
    }
    const nextView = buildRolloutView({ rollout: ro, ...parts });
    const nextSvc = (parts.previewService ?? null) as PreviewService | null;
    const before = sv;
    const wasWaiting = before.waits;
    const wasAborted = view.aborted;
    view = nextView;
    const hadService = svc !== null;
    svc = nextSvc;
    sv = serving(view, svc);
    if (!svc && hadService) note(t('preview.serviceGone', { svc: view.services.preview ?? '' }));
    if (sv.hash !== before.hash) {
      // The Service points at other pods now: connections to the old ones are closed, new ones go there.
      const sel = selectorNow();
      forwarder?.drop((x) => {
        const pod = pods.items.get(`${ns}/${x.pod}`);
        return !pod || !sel || !matches(pod.metadata.labels, sel);
      });
      currentPod = null;
      choosePod(true);
      if (json) say('changed', null);
      else {
        const headline = p.blue(`⟳ ${t('preview.changed', { from: describe(before), to: describe(sv) })}`);
        say('changed', headline);
      }
      return;
    }
    if (wasWaiting && !sv.waits) {
      if (view.aborted && !wasAborted) note(t('preview.abortedNow', { active: vt(ctx, view.active) }));
      else note(t('preview.nothingWaitsNow', { v: vt(ctx, view.active) }));
      if (json) say('changed', null);
    }
  }

  function describe(s: Serving): string {
    return s.revision ? vt(ctx, s.revision) : (s.hash ?? '?');
  }

  let down = false;
  function connectionState(s: WatcherState) {
    if (s.kind === 'reconnecting' && !down) {
      down = true;
      note(pe.yellow(t('preview.reconnecting', { detail: s.detail })));
    } else if (s.kind === 'synced' && down) {
      down = false;
      note(pe.green(t('preview.reconnected')));
    }
  }

  const podWaitMs = args.podWaitMs ?? 30_000;
  const resolveTarget = async (): Promise<ForwardTarget | null> => {
    const deadline = Date.now() + podWaitMs;
    for (;;) {
      const port = portNow();
      if (currentPod && port) {
        const remote = podPort(currentPod, port);
        if (remote === null) {
          note(t('preview.noNamedPort', { pod: currentPod.metadata.name ?? '', port: String(port.targetPort) }));
          return null;
        }
        return { namespace: ns, pod: currentPod.metadata.name ?? '', port: remote };
      }
      const left = deadline - Date.now();
      if (left <= 0 || stop.signal.aborted) {
        note(t('preview.noPodTimeout', { seconds: String(Math.round(podWaitMs / 1000)) }));
        return null;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          stop.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, left);
        waiters.add(done);
        stop.signal.addEventListener('abort', done, { once: true });
      });
    }
  };

  const onForwardEvent = (e: ForwardEvent) => {
    if (e.kind === 'opened') {
      if (ctx.verbose > 0) ctx.err(`${t('preview.connection', { pod: e.target.pod, port: String(e.target.port) })}\n`);
      return;
    }
    if (e.kind === 'noTarget') return; // said by resolveTarget
    const pod = e.target.pod;
    if (e.kind === 'remoteError') {
      note(pe.yellow(t('preview.podAnswered', { pod, message: e.message.slice(0, 400) })));
      return;
    }
    // Could not open: a pod that just went away is re-picked by the pod watch.
    const err = e.error;
    if (err instanceof WebSocketProtocolError)
      note(pe.yellow(t('preview.connFailed', { pod, detail: t('preview.handshake', { detail: err.message }) })));
    else if (err instanceof ApiError && err.status === 404)
      note(pe.yellow(t('preview.connFailed', { pod, detail: t('preview.podGone', { pod }) })));
    else
      void describeError(t, translate(err, errorContext(ctx, kube, name))).then(({ text }) =>
        note(pe.yellow(t('preview.connFailed', { pod, detail: text }))),
      );
  };

  // Pods first (a missing permission fails here, before anything listens), then the port.
  try {
    await pods.start();
  } catch (e) {
    throw translate(e, errorContext(ctx, kube, name));
  }
  choosePod(true);
  forwarder = new LocalForwarder({
    address,
    port: localPort,
    resolve: resolveTarget,
    open: (target) => openPodStream(http, { ...target, signal: stop.signal }),
    onEvent: onForwardEvent,
  });
  let bound: { address: string; port: number };
  try {
    bound = await forwarder.listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new CliError(EXIT.FAILURE, 'preview.listenFailed', { address, port: String(localPort), detail: code });
  }
  url = urlOf(address === 'localhost' ? 'localhost' : bound.address, bound.port);

  if (json) say('listening', null);
  else {
    say('listening', p.bold(t('preview.forwarding', { url, name: name, ns: ns })));
    ctx.err(`${pe.dim(t('preview.hint'))}\n`);
  }

  rollouts.seed(first.ro);
  try {
    await Promise.all([rollouts.run(), pods.run()]);
  } catch (e) {
    fatal ??= translate(e, errorContext(ctx, kube, name));
  } finally {
    stop.abort();
    ctx.signal.removeEventListener('abort', onOuterAbort);
    await forwarder.close();
  }
  if (fatal) throw fatal;
  if (!json) ctx.err(`${t('preview.stopped', { url })}\n`);
  return EXIT.INTERRUPTED;
}
