// List-then-watch with the API server's watch API (never polling): resumes from the last
// resourceVersion when a stream ends, re-lists on 410 Gone, and on a lost connection reports
// "reconnecting" and re-lists once it is back, so stale data is never shown as current.
//
// What it gives up on (run() throws, the command says why and exits): 401 (credentials that fresh ones
// did not cure: the transport already retried with new ones), 403 (a role without `watch` or `list`),
// 404 (the resource is not served). What it retries, with a growing pause up to 5 s: lost connections,
// 429 and 5xx, a stream that is not JSON (an HTML page from a proxy), and a stream that closes at once
// again and again (a load balancer cutting long requests): never a hot loop.
import { ApiError, NetworkError } from './http.js';
import { CliError } from '../errors.js';

export interface Listed<T> {
  items: T[];
  resourceVersion: string;
}

type Meta = { metadata: { name?: string; namespace?: string; resourceVersion?: string } };

export type WatcherState = { kind: 'reconnecting'; detail: string } | { kind: 'synced' };

export interface WatcherOptions<T extends Meta> {
  list(signal: AbortSignal): Promise<Listed<T>>;
  watch(resourceVersion: string, onEvent: (ev: { type: string; object: unknown }) => void, signal: AbortSignal): Promise<void>;
  onChange(): void;
  onState?(s: WatcherState): void;
  signal: AbortSignal;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The clock, for telling a stream that closed at once from one that ran (tests). */
  now?: () => number;
}

/**
 * Errors that no retry can cure: they end the watch. A CliError from the transport is one already
 * (a credential rejected right after renewal, a proxy asking for authentication, a credential plugin
 * that fails).
 */
export function isFinal(e: unknown): boolean {
  if (e instanceof CliError) return true;
  return e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404 || e.status === 405);
}

/** A stream that ends sooner than this without an event counts as closed at once. */
const QUICK_CLOSE_MS = 1000;
const MAX_PAUSE_MS = 5000;

function key(o: Meta): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function pause(failures: number): number {
  return Math.min(250 * 2 ** Math.min(failures, 5), MAX_PAUSE_MS);
}

export class Watcher<T extends Meta> {
  readonly items = new Map<string, T>();
  private down = false;
  private rv: string | null = null;

  constructor(private readonly o: WatcherOptions<T>) {}

  /** Lists once (throws on failure), so the caller can fail fast before watching. */
  async start(): Promise<void> {
    this.replace(await this.o.list(this.o.signal));
  }

  private replace(l: Listed<T>): void {
    this.items.clear();
    for (const it of l.items) this.items.set(key(it), it);
    this.rv = l.resourceVersion;
  }

  /** Starts from objects read elsewhere; a null resourceVersion makes run() list first. */
  seed(items: T[], resourceVersion: string | null): void {
    this.items.clear();
    for (const it of items) this.items.set(key(it), it);
    this.rv = resourceVersion;
  }

  private setDown(detail: string): void {
    if (this.down) return;
    this.down = true;
    this.o.onState?.({ kind: 'reconnecting', detail });
  }

  /** One watch stream from this.rv: 'gone' when the server said our resourceVersion is too old. */
  private async stream(): Promise<{ gone: boolean; events: number }> {
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    this.o.signal.addEventListener('abort', onAbort, { once: true });
    let gone = false;
    let events = 0;
    try {
      await this.o.watch(
        this.rv!,
        (ev) => {
          if (gone) return;
          const obj = ev.object as T;
          if (ev.type === 'ERROR') {
            // 410 Gone (our resourceVersion is too old) or another error: start over with a list.
            gone = true;
            inner.abort();
            return;
          }
          if (!obj?.metadata) return;
          events++;
          if (obj.metadata.resourceVersion) this.rv = obj.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') return;
          if (ev.type === 'DELETED') this.items.delete(key(obj));
          else this.items.set(key(obj), obj);
          this.o.onChange();
        },
        inner.signal,
      );
    } catch (e) {
      if (!gone) throw e;
    } finally {
      this.o.signal.removeEventListener('abort', onAbort);
    }
    return { gone, events };
  }

  /** Watches until the signal aborts; throws on what no retry can cure (isFinal). */
  async run(): Promise<void> {
    const sleep = this.o.sleep ?? abortableSleep;
    const now = this.o.now ?? Date.now;
    let failures = 0;
    let quickCloses = 0;
    while (!this.o.signal.aborted) {
      try {
        if (this.rv === null) {
          this.replace(await this.o.list(this.o.signal));
          this.o.onChange();
          if (this.down) {
            this.down = false;
            this.o.onState?.({ kind: 'synced' });
          }
        }
        const started = now();
        const { gone, events } = await this.stream();
        failures = 0;
        if (gone) {
          this.rv = null;
          continue;
        }
        // Closed by the server. Resume at once after a normal stream; after streams that close at
        // once without a word, wait a little longer each time.
        if (events === 0 && now() - started < QUICK_CLOSE_MS) {
          quickCloses++;
          await sleep(pause(quickCloses), this.o.signal);
        } else quickCloses = 0;
      } catch (e) {
        if (this.o.signal.aborted) return;
        if (e instanceof ApiError && e.status === 410) {
          this.rv = null;
          continue;
        }
        if (isFinal(e)) throw e;
        failures++;
        this.rv = null; // re-list after reconnecting: never show what we had as current
        const detail =
          e instanceof NetworkError ? e.message : e instanceof ApiError ? `HTTP ${e.status}` : 'the watch stream was not readable';
        this.setDown(detail);
        const retryAfter = e instanceof ApiError ? Number((e as ApiError & { retryAfterSeconds?: number }).retryAfterSeconds) : NaN;
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, MAX_PAUSE_MS) : pause(failures),
          this.o.signal,
        );
      }
    }
  }
}
