// What the Argo Rollouts release the cluster runs does differently, for the guard to say what that release
// will do. Behaviour measured on the real controllers (docs/COMPATIBILITY.md) and read in their source:
//
//  - Fast rollback. Up to v1.9.x the pause is skipped whenever the ReplicaSet going live still carries a
//    scale-down-deadline annotation (rollout/bluegreen.go, HasScaleDownDeadline). From v1.10.0
//    (argoproj/argo-rollouts#4787) only for a rollback (rollout/sync.go isFastRollback): the ReplicaSet must
//    have been created strictly before the stable one (creationTimestamp, whole seconds) and still be within
//    its delay; undoing an undo within the delay is then an update that waits for a promote.
//  - Lost promotes. Up to v1.9.x the controller writes the object its own update returned back into its
//    informer cache; a promote whose watch event arrived first is overwritten there and the reconcile it
//    triggers sees the old pause, so it can be lost until another event (6 of 15 official-plugin promotes
//    on v1.9.1). v1.10.0 requeues on a stale cache instead (argoproj/argo-rollouts#4786), and none was lost
//    in the matrix's measurements. The plugin waits for the controller, and nudges it, only where promotes
//    can be lost.
//
// Where the release cannot be told (the Deployment is not visible, a digest or a custom tag), the guard
// assumes the least safe behaviour: users may be switched at once, and a promote may be lost.

export interface ControllerRelease {
  /** The image tag of the controller Deployment, e.g. "v1.10.2"; null when it cannot be read. */
  version: string | null;
  /** Where it was read ("deployment argo-rollouts/argo-rollouts"), for the guard. */
  where?: string;
}

export type Generation = 'before-1.10' | '1.10+' | 'unknown';

/** Major and minor of a release tag ("v1.10.2", "1.9.3-patched"); null for a tag that is not a release. */
function releaseNumbers(release: ControllerRelease | null | undefined): [number, number] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:$|[-+])/.exec(release?.version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Which generation of behaviour a controller version belongs to; a tag that is not a release is unknown. */
export function generation(release: ControllerRelease | null | undefined): Generation {
  const n = releaseNumbers(release);
  if (!n) return 'unknown';
  const [major, minor] = n;
  if (major !== 1) return major > 1 ? '1.10+' : 'unknown';
  return minor >= 10 ? '1.10+' : 'before-1.10';
}

/** Whether the controller may lose a promote (and so is waited for and nudged). Unknown: assume it may. */
export function mayLosePromote(release: ControllerRelease | null | undefined): boolean {
  return generation(release) !== '1.10+';
}

/**
 * Whether an undo to a ReplicaSet that is still up within its scale-down delay goes live at once.
 * `createdBeforeStable`: its creationTimestamp is an earlier second than the stable ReplicaSet's
 * (null when either is unknown). 'yes' / 'no', or 'unknown' when the releases differ and this one
 * cannot be told.
 */
export function fastRollback(release: ControllerRelease | null | undefined, createdBeforeStable: boolean | null): 'yes' | 'no' | 'unknown' {
  const g = generation(release);
  if (g === 'before-1.10') return 'yes';
  if (createdBeforeStable === true) return 'yes';
  if (g === '1.10+' && createdBeforeStable === false) return 'no';
  return 'unknown';
}

/**
 * Whether the controller can keep a stale copy of a ReplicaSet (and so sit still with the preview
 * available): up to v1.7.x it writes the answers to its own ReplicaSet patches back into its informer
 * cache, over any newer status that arrived meanwhile, until that ReplicaSet changes again (seen on
 * v1.7.2 in this project's cluster tests; removed by argoproj/argo-rollouts#4044, in v1.8.0).
 */
export function keepsStaleReplicaSets(release: ControllerRelease | null | undefined): 'yes' | 'no' | 'unknown' {
  const n = releaseNumbers(release);
  if (!n) return 'unknown';
  const [major, minor] = n;
  return major < 1 || (major === 1 && minor < 8) ? 'yes' : 'no';
}
