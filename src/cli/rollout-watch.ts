// One watch of one rollout (argo's view controller), shared by `status --watch`, `wait` and the wait
// for the controller's reaction after a change: the Rollout by name and, for the picture, its
// ReplicaSets, each list-then-watch through src/kube/watcher.ts. What it gives up on and what it retries
// is decided there once, for all three.
import type { Kube } from '../ctx.js';
import { Watcher, type WatcherState } from '../kube/watcher.js';
import type { ReplicaSet, Rollout } from '../rollout/types.js';

export interface RolloutWatchOptions {
  kube: Kube;
  ns: string;
  name: string;
  signal: AbortSignal;
  /** Also watch the rollout's ReplicaSets (label selector of the rollout). */
  replicaSets?: { selector: string | undefined };
  onChange(): void;
  onState?(s: WatcherState): void;
}

export class RolloutWatch {
  private readonly rollouts: Watcher<Rollout>;
  private readonly sets: Watcher<ReplicaSet> | null;
  /** Stops both watches when one of them gives up, or when fail() is called. */
  private readonly stop = new AbortController();
  private failure: unknown;

  constructor(o: RolloutWatchOptions) {
    const { kube, ns, name } = o;
    const signal = AbortSignal.any([o.signal, this.stop.signal]);
    this.rollouts = new Watcher<Rollout>({
      list: async (signal) => {
        const ro = await kube.client.getRollout(ns, name, signal);
        return { items: [ro], resourceVersion: ro.metadata.resourceVersion ?? '' };
      },
      watch: (rv, onEvent, signal) => kube.client.watch('rollouts', ns, { field: `metadata.name=${name}` }, rv, onEvent, signal),
      onChange: o.onChange,
      onState: o.onState,
      signal,
    });
    const rs = o.replicaSets;
    this.sets = rs
      ? new Watcher<ReplicaSet>({
          list: async (signal) => {
            const l = await kube.client.listReplicaSets(ns, rs.selector, signal);
            return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
          },
          watch: (rv, onEvent, signal) => kube.client.watch('replicasets', ns, { label: rs.selector }, rv, onEvent, signal),
          onChange: o.onChange,
          onState: o.onState,
          signal,
        })
      : null;
  }

  /** The Rollout as last seen (undefined once deleted). */
  get rollout(): Rollout | undefined {
    return [...this.rollouts.items.values()][0];
  }

  get replicaSets(): ReplicaSet[] {
    return this.sets ? [...this.sets.items.values()] : [];
  }

  /**
   * Starts from objects just read: the Rollout's watch resumes at its resourceVersion; ReplicaSets
   * given without a collection resourceVersion are listed once more by run().
   */
  seed(ro: Rollout, replicaSets?: ReplicaSet[]): void {
    this.rollouts.seed([ro], ro.metadata.resourceVersion ?? null);
    this.sets?.seed(replicaSets ?? [], null);
  }

  /** Reads the Rollout once (throws on failure), so a command can fail fast before it waits. */
  start(): Promise<void> {
    return this.rollouts.start();
  }

  /** Watches until the signal aborts; rejects with what no retry cures (a 403 on watch, ...). */
  async run(): Promise<void> {
    try {
      await Promise.all([this.rollouts.run(), this.sets?.run()]);
    } catch (e) {
      this.stop.abort();
      throw this.failure ?? e;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Ends the watch with an error found beside it (a read the caller makes on each change). */
  fail(e: unknown): void {
    if (this.failure !== undefined || this.stop.signal.aborted) return;
    this.failure = e;
    this.stop.abort();
  }
}
