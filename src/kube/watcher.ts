// List-then-watch with the API server's watch API (never polling): resumes from the last
// resourceVersion when a stream ends, re-lists on 410 Gone, and on a lost connection reports
// "reconnecting" and re-lists once it is back, so stale data is never shown as current.
import { ApiError, NetworkError } from './http.js';

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
}

function key(o: Meta): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class Watcher<T extends Meta> {
  readonly items = new Map<string, T>();
  private down = false;

  constructor(private readonly o: WatcherOptions<T>) {}

  /** Lists once (throws on failure), so the caller can fail fast before watching. */
  async start(): Promise<void> {
    const first = await this.o.list(this.o.signal);
    this.replace(first);
  }

  private replace(l: Listed<T>): string {
    this.items.clear();
    for (const it of l.items) this.items.set(key(it), it);
    this.rv = l.resourceVersion;
    return l.resourceVersion;
  }

  private rv: string | null = null;

  /** Starts from objects read elsewhere; a null resourceVersion makes run() list first. */
  seed(items: T[], resourceVersion: string | null): void {
    this.items.clear();
    for (const it of items) this.items.set(key(it), it);
    this.rv = resourceVersion;
  }

  /** Watches until the signal aborts. */
  async run(): Promise<void> {
    const sleep = this.o.sleep ?? abortableSleep;
    let failures = 0;
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
        const inner = new AbortController();
        const onAbort = () => inner.abort();
        this.o.signal.addEventListener('abort', onAbort, { once: true });
        let gone = false;
        try {
          await this.o.watch(
            this.rv!,
            (ev) => {
              if (gone) return;
              const obj = ev.object as T & { code?: number };
              if (ev.type === 'ERROR') {
                // 410 Gone: our resourceVersion is too old; anything else: start over too.
                gone = true;
                inner.abort();
                return;
              }
              if (obj?.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
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
        if (gone) this.rv = null;
        failures = 0;
      } catch (e) {
        if (this.o.signal.aborted) return;
        if (e instanceof ApiError && e.status === 410) {
          this.rv = null;
          continue;
        }
        if (!(e instanceof NetworkError) && !(e instanceof ApiError)) throw e;
        failures++;
        this.rv = null; // re-list after reconnecting: never show what we had as current
        if (!this.down) {
          this.down = true;
          this.o.onState?.({ kind: 'reconnecting', detail: e instanceof NetworkError ? e.message : `HTTP ${e.status}` });
        }
        await sleep(Math.min(250 * 2 ** Math.min(failures, 5), 5000), this.o.signal);
      }
    }
  }
}
