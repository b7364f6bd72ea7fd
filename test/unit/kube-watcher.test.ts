// The list-then-watch loop through its seams (list, watch, sleep, clock): what it re-lists on, what it
// retries and how fast, and what it gives up on.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../../src/kube/http.js';
import { abortableSleep, Watcher, type WatcherState } from '../../src/kube/watcher.js';

type Obj = { metadata: { name: string; namespace?: string; resourceVersion?: string }; v?: number };
type Step = { events: Array<{ type: string; object: unknown }>; then?: 'end' | Error } | Error;

const api = (status: number) =>
  new ApiError(status, { message: `HTTP ${status}` }, { verb: 'watch', resource: 'rollouts', group: 'argoproj.io', namespace: 'ns' }, '');
const net = () => new NetworkError('unreachable', 'ECONNRESET', 'connection reset', true);

function harness(steps: Step[], opts: { lists?: Array<Obj[] | Error> } = {}) {
  const ctl = new AbortController();
  const log: string[] = [];
  const sleeps: number[] = [];
  const states: WatcherState[] = [];
  let listCalls = 0;
  let watchCalls = 0;
  let clock = 0;
  const lists = opts.lists ?? [];
  const w = new Watcher<Obj>({
    list: async () => {
      const l = lists[listCalls++] ?? [{ metadata: { name: 'a', resourceVersion: String(10 + listCalls) } }];
      log.push('list');
      if (l instanceof Error) throw l;
      return { items: l, resourceVersion: String(100 + listCalls) };
    },
    watch: async (rv, onEvent) => {
      log.push(`watch@${rv}`);
      const step = steps[watchCalls++];
      if (!step) {
        ctl.abort();
        return;
      }
      if (step instanceof Error) throw step;
      for (const ev of step.events) onEvent(ev);
      clock += 5; // each stream lasts 5 ms of the fake clock
      if (step.then instanceof Error) throw step.then;
    },
    onChange: () => log.push('change'),
    onState: (s) => states.push(s),
    signal: ctl.signal,
    sleep: async (ms, signal) => {
      if (signal.aborted) return;
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
  });
  return { w, log, sleeps, states, ctl };
}

describe('Watcher', () => {
  it('resumes from the last resourceVersion when a stream ends normally; a BOOKMARK moves it without a change', async () => {
    const h = harness([
      {
        events: [
          { type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '7' }, v: 1 } },
          { type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } },
        ],
      },
      { events: [{ type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '12' }, v: 2 } }] },
    ]);
    h.w.seed([{ metadata: { name: 'a', resourceVersion: '5' } }], '5');
    await h.w.run();
    expect(h.log).toEqual(['watch@5', 'change', 'watch@9', 'change', 'watch@12']);
    expect([...h.w.items.values()][0]!.v).toBe(2);
  });

  it('re-lists on 410 Gone (as an ERROR event or an HTTP status), without saying it reconnects', async () => {
    const h = harness([{ events: [{ type: 'ERROR', object: { kind: 'Status', code: 410 } }] }, api(410), { events: [] }]);
    h.w.seed([], '5');
    await h.w.run();
    expect(h.log.filter((l) => l === 'list')).toHaveLength(2);
    expect(h.states).toEqual([]);
  });

  it('a lost connection: says it is reconnecting, backs off, re-lists, then says it is synced again', async () => {
    const ev = { events: [{ type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '200' } } }] };
    const h = harness([net(), ev]);
    h.w.seed([], '5');
    await h.w.run();
    expect(h.states).toEqual([{ kind: 'reconnecting', detail: 'connection reset' }, { kind: 'synced' }]);
    expect(h.sleeps).toEqual([500]);
    expect(h.log).toEqual(['watch@5', 'list', 'change', 'watch@101', 'change', 'watch@200']);
  });

  it('a watch that keeps failing while lists work: each pause longer than the last', async () => {
    const ev = { events: [{ type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '200' } } }] };
    const h = harness([net(), net(), net(), ev]);
    h.w.seed([], '5');
    await h.w.run();
    expect(h.sleeps).toEqual([500, 1000, 2000]);
  });

  it.each([401, 403, 404])('gives up on %i: run() throws, no retry', async (status) => {
    const h = harness([api(status)]);
    h.w.seed([], '5');
    await expect(h.w.run()).rejects.toMatchObject({ status });
    expect(h.log).toEqual(['watch@5']);
    expect(h.sleeps).toEqual([]);
  });

  it('retries 429 and 5xx with a growing pause, capped at 5 s', async () => {
    const h = harness([api(429), api(500), api(503), api(502), api(500), api(500), api(500), api(500)]);
    h.w.seed([], '5');
    await h.w.run();
    expect(h.sleeps).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it('a stream that closes at once, again and again, is never a hot loop', async () => {
    const h = harness(Array.from({ length: 8 }, () => ({ events: [] })));
    h.w.seed([], '5');
    await h.w.run();
    expect(h.sleeps).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it('a stream that is not readable (an HTML page from a proxy) is a broken stream: reconnect', async () => {
    const bad = new NetworkError('unreachable', 'BADSTREAM', 'the watch stream was not readable', true);
    const h = harness([bad, { events: [] }]);
    h.w.seed([], '5');
    await h.w.run();
    expect(h.states[0]).toEqual({ kind: 'reconnecting', detail: 'the watch stream was not readable' });
  });

  it('a failing list after a reconnect keeps trying, then shows the fresh list', async () => {
    const h = harness([net(), { events: [] }], { lists: [net(), [{ metadata: { name: 'b', resourceVersion: '3' } }]] });
    h.w.seed([{ metadata: { name: 'a' } }], '5');
    await h.w.run();
    expect([...h.w.items.keys()]).toEqual(['/b']);
    expect(h.states.at(-1)).toEqual({ kind: 'synced' });
  });

  it('DELETED removes the object', async () => {
    const h = harness([{ events: [{ type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: '8' } } }] }]);
    h.w.seed([{ metadata: { name: 'a' } }], '5');
    await h.w.run();
    expect(h.w.items.size).toBe(0);
  });
});

describe('abortableSleep (the pause between watches, and between a lost answer and its re-read)', () => {
  const listeners = (s: AbortSignal) => getEventListeners(s, 'abort').length;

  it('resolves after its time, and leaves no listener on the signal', async () => {
    const ctl = new AbortController();
    const t0 = Date.now();
    await abortableSleep(30, ctl.signal);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(listeners(ctl.signal)).toBe(0);
  });

  it('resolves (never rejects) at once when the signal aborts, and clears its timer', async () => {
    const ctl = new AbortController();
    const t0 = Date.now();
    const slept = abortableSleep(60_000, ctl.signal);
    expect(listeners(ctl.signal)).toBe(1);
    setTimeout(() => ctl.abort(), 10);
    await expect(slept).resolves.toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(listeners(ctl.signal)).toBe(0);
  });

  it('resolves at once for a signal already aborted, adding no listener', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const t0 = Date.now();
    await expect(abortableSleep(60_000, ctl.signal)).resolves.toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(listeners(ctl.signal)).toBe(0);
  });
});
