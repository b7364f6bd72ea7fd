// status ROLLOUT --watch: the picture, redrawn when it changes (the watch API, never polling), from the
// shared rollout watch; on a terminal also as the clock moves its ages, and where frames follow each
// other when the still-controller note's minute is over (see `armClock`). A watch the user may not make
// (403), or credentials that stay rejected (401), end with the error `status` gives; a lost connection
// shows "reconnecting" until it is back.
import type { Ctx, Kube } from '../../ctx.js';
import { CliError, EXIT, type ExitCode } from '../../errors.js';
import { labelSelector } from '../../kube/client.js';
import { translate } from '../../kube/errors.js';
import { ApiError } from '../../kube/http.js';
import type { WatcherState } from '../../kube/watcher.js';
import type { Deployment, Service } from '../../rollout/types.js';
import { buildRolloutView } from '../../rollout/view.js';
import { STILL_MS } from '../../render/status.js';
import { paint } from '../../render/text.js';
import { errorContext, readWorkload, type Loaded } from '../load.js';
import { RolloutWatch } from '../rollout-watch.js';
import { renderOne, stillOnPreview } from './status.js';

/** Changes that arrive together (the Rollout and its ReplicaSets) are drawn once. */
const REDRAW_DEBOUNCE_MS = 30;
/** How often a terminal's picture is drawn again for its ages alone (only when its text changed). */
const CLOCK_MS = 1000;
/**
 * The longest timer set for the note: a time far ahead (an API server's clock days ahead of this one) is
 * looked at again after this, not set as is: past Node's limit (~24.8 days) a timer fires at once.
 */
const MAX_NOTE_WAIT_MS = 3_600_000;

export async function watch(ctx: Ctx, kube: Kube, first: Loaded): Promise<ExitCode> {
  const ns = first.view.namespace;
  const name = first.view.name;
  const p = paint(ctx.colorErr);
  // A dumb terminal cannot clear the screen: its frames follow each other.
  const tty = ctx.io.stdout.isTTY === true && ctx.io.env.TERM !== 'dumb';
  let services: { active: Service | null | undefined; preview: Service | null | undefined } = {
    active: first.activeService,
    preview: first.previewService,
  };
  // workloadRef: the Deployment. A change to it reaches the Rollout as the controller's
  // workload-generation annotation (a Rollout event), so it is read again with the Services.
  let workload: Deployment | null | undefined = first.workload;
  /** A read of the Services is in flight; `again`: a change came during it. */
  let reading = false;
  let again = false;
  /** Set while the watch reconnects: then what it holds may be behind. */
  let banner = '';
  let lastFrame = '';
  let scheduled: NodeJS.Timeout | null = null;
  let clock: NodeJS.Timeout | null = null;

  const rw = new RolloutWatch({
    kube,
    ns,
    name,
    signal: ctx.signal,
    replicaSets: { selector: labelSelector(first.ro.spec?.selector) },
    onChange: () => {
      refreshServices();
      schedule();
    },
    onState: state,
  });

  function state(s: WatcherState) {
    banner = s.kind === 'reconnecting' ? p.yellow(`⟳ ${ctx.t('status.reconnecting', { detail: s.detail })}`) : '';
    if (s.kind === 'synced') ctx.err(`${p.green(ctx.t('status.reconnected'))}\n`);
    else ctx.err(`${banner}\n`);
    // A frame that follows the last (a pipe) only when its text changed: back in sync, the note may be due.
    draw(tty);
  }

  /**
   * The Services say what users get (and a workloadRef's Deployment where the template lives); read them
   * again when the Rollout changes. One read at a time: the changes that come during it (a rollout moves
   * its ReplicaSets in bursts of events) are answered by one more read after it, not one read each.
   * Credentials rejected there end the watch as they would on the watch itself; anything else (a 403, a
   * lost connection, which the watch reports) keeps the last answer.
   */
  function refreshServices() {
    const ro = rw.rollout;
    const bg = ro?.spec?.strategy?.blueGreen;
    if (!ro || !bg) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    again = false;
    Promise.all([
      bg.activeService ? kube.client.getService(ns, bg.activeService, ctx.signal) : undefined,
      bg.previewService ? kube.client.getService(ns, bg.previewService, ctx.signal) : undefined,
      ro.spec?.workloadRef ? readWorkload(kube, ro, ctx.signal) : undefined,
    ])
      .then(
        ([active, preview, dep]) => {
          services = { active, preview };
          workload = dep;
          schedule();
        },
        (e: unknown) => {
          if (e instanceof CliError || (e instanceof ApiError && e.status === 401)) rw.fail(e);
        },
      )
      .finally(() => {
        reading = false;
        if (again && !ctx.signal.aborted) refreshServices();
      });
  }

  function schedule() {
    if (scheduled) return;
    scheduled = setTimeout(() => {
      scheduled = null;
      draw(false);
    }, REDRAW_DEBOUNCE_MS);
  }

  function draw(force: boolean) {
    const ro = rw.rollout;
    if (!ro) return;
    const replicaSets = rw.replicaSets;
    const view = buildRolloutView({ rollout: ro, replicaSets, activeService: services.active, previewService: services.preview, workload });
    const loaded: Loaded = { ro, replicaSets, activeService: services.active, previewService: services.preview, workload, view };
    armClock(loaded);
    const frame = renderOne(ctx, loaded, 'table', !banner);
    if (frame === lastFrame && !force) return;
    lastFrame = frame;
    if (tty) ctx.out(`\u001b[H\u001b[2J${banner ? `${banner}\n\n` : ''}${frame}`);
    else ctx.out(`${frame}\n`);
  }

  /**
   * The picture says things that change with no event: ages ("created 40s ago"), the auto-promotion's
   * countdown, and a controller that has sat still for a minute with the preview available (the single
   * view's note). On a terminal it is drawn again each second, and shown only when its text changed (an
   * age in minutes or days leaves it alone). Where frames follow each other (a pipe, a log, a terminal
   * of no width, as `script` in CI gives), a frame is added for the note alone when its minute is over,
   * not for an age; nothing is said of it while the watch reconnects.
   */
  function armClock(l: Loaded) {
    if (clock) clearTimeout(clock);
    clock = null;
    if (ctx.signal.aborted) return;
    if (tty && (ctx.io.stdout.columns ?? 0) > 0) {
      clock = setTimeout(() => {
        clock = null;
        draw(false);
      }, CLOCK_MS);
      return;
    }
    const still = banner ? null : stillOnPreview(l);
    const due = still ? Date.parse(still.since) + STILL_MS - ctx.io.now().getTime() : NaN;
    if (!(due > 0)) return;
    // Far ahead (an API server's clock days ahead of this one): look again later, drawing nothing then.
    const far = due > MAX_NOTE_WAIT_MS;
    clock = setTimeout(
      () => {
        clock = null;
        if (far) armClock(l);
        else draw(false);
      },
      far ? MAX_NOTE_WAIT_MS : due,
    );
  }

  // A terminal resized (a 0x0 one given a size too): drawn again at its new width, and the clock resumes.
  const out = ctx.io.stdout as Partial<Pick<NodeJS.WriteStream, 'on' | 'off'>>;
  const resized = () => schedule();
  if (tty && typeof out.on === 'function') out.on('resize', resized);

  rw.seed(first.ro, first.replicaSets);
  draw(true);
  ctx.err(`${p.dim(ctx.t('status.watching'))}\n`);
  try {
    await rw.run();
  } catch (e) {
    throw translate(e, errorContext(ctx, kube, name));
  } finally {
    if (scheduled) clearTimeout(scheduled);
    if (clock) clearTimeout(clock);
    if (tty && typeof out.off === 'function') out.off('resize', resized);
  }
  return EXIT.INTERRUPTED;
}
