// English messages. Every user-facing sentence lives here and in ko.ts; ko.ts is typed against this
// catalog, so a message missing in Korean does not compile.
type S = string;
type V = string; // a rendered version, e.g. "frontend:v1.054 (revision 8)"

export const en = {
  // ---- errors: cluster and kubeconfig (exit 1) ----
  'err.rolloutNotFound': (p: { name: S; ns: S }) =>
    `rollout "${p.name}" not found in namespace "${p.ns}". List the blue-green rollouts with: kubectl bluegreen status -n ${p.ns} (or -A for all namespaces).`,
  'err.crdMissing': (p: { server: S }) =>
    `the Argo Rollouts API (rollouts.argoproj.io) is not installed on the cluster at ${p.server}. Install Argo Rollouts there, or check --context.`,
  'err.unreachable': (p: { server: S; detail: S }) =>
    `cannot reach the Kubernetes API server at ${p.server} (${p.detail}). Check that the cluster is running and that --context or --kubeconfig point at it.`,
  'err.timeout': (p: { server: S; timeout: S }) =>
    `the API server at ${p.server} did not answer within ${p.timeout}. Retry, or raise --request-timeout.`,
  'err.unauthorized': (p: { server: S; user: S }) =>
    `the API server at ${p.server} rejected the credentials of user "${p.user}" (401 Unauthorized): the token or certificate may have expired. Log in again to refresh your kubeconfig, then retry.`,
  'err.forbidden': (p: { user: S; verb: S; resource: S; group: S; ns: S }) =>
    `forbidden: user "${p.user}" may not ${p.verb} ${p.resource}${p.group ? `.${p.group}` : ''} in namespace "${p.ns}". A Role rule that grants it: apiGroups: ["${p.group}"], resources: ["${p.resource}"], verbs: ["${p.verb}"].`,
  'err.forbiddenCluster': (p: { user: S; verb: S; resource: S; group: S }) =>
    `forbidden: user "${p.user}" may not ${p.verb} ${p.resource}${p.group ? `.${p.group}` : ''} in all namespaces. A ClusterRole rule that grants it: apiGroups: ["${p.group}"], resources: ["${p.resource}"], verbs: ["${p.verb}"]; or drop -A.`,
  'err.tls': (p: { server: S; detail: S }) =>
    `TLS verification of ${p.server} failed (${p.detail}). Check certificate-authority in the kubeconfig (or --certificate-authority).`,
  'err.api': (p: { code: S; verb: S; resource: S; name: S; ns: S; message: S }) =>
    `the API server answered ${p.code} to ${p.verb} ${p.resource}${p.name ? ` "${p.name}"` : ''}${p.ns ? ` in namespace "${p.ns}"` : ''}: ${p.message}`,
  'err.noKubeconfig': () => `no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config.`,
  'err.kubeconfigRead': (p: { path: S; detail: S }) => `cannot read the kubeconfig ${p.path}: ${p.detail}.`,
  'err.credentialFile': (p: { path: S; field: S; detail: S }) =>
    `cannot read ${p.path}, named by ${p.field}: ${p.detail}. Check the path (a relative one is read from the kubeconfig file's directory).`,
  'err.kubeconfigBase64': (p: { kind: S; name: S; field: S }) =>
    `the kubeconfig's ${p.kind} "${p.name}" has "${p.field}" that is not base64; kubectl refuses it too. It holds the PEM file's contents in base64 (base64 -w0 FILE), or name the file with "${p.field.replace(/-data$/, '')}".`,
  'err.caNotPem': (p: { cluster: S }) =>
    `the certificate authority of the cluster "${p.cluster}" holds no PEM certificate (kubectl: "unable to parse bytes as PEM block"). It must be the CA's certificate in PEM ("-----BEGIN CERTIFICATE-----"), base64-encoded once in certificate-authority-data.`,
  'err.impersonationControl': () =>
    `an impersonation value (--as, --as-group, --as-uid, or the kubeconfig's as, as-groups, as-uid, as-user-extra) holds a line break or another control character, which cannot be sent in a header. Remove it.`,
  'err.kubeconfigDuplicate': (p: { path: S; kind: S; name: S }) =>
    `the kubeconfig ${p.path} names the ${p.kind} "${p.name}" twice; kubectl refuses it too ("duplicate name"). Remove or rename one.`,
  'err.kubeconfigBoth': (p: { kind: S; name: S; field: S }) =>
    `the kubeconfig's ${p.kind} "${p.name}" sets both "${p.field}" and "${p.field}-data"; kubectl refuses it too ("both specified"). Keep one.`,
  'err.contextNotFound': (p: { context: S; available: S }) =>
    `context "${p.context}" is not in the kubeconfig. Available contexts: ${p.available || 'none'}.`,
  'err.noCurrentContext': (p: { available: S }) =>
    `the kubeconfig has no current context: pass --context (available: ${p.available || 'none'}).`,
  'err.clusterNotFound': (p: { cluster: S }) =>
    `cluster "${p.cluster}" is not in the kubeconfig. Check the context's cluster or --cluster.`,
  'err.userNotFound': (p: { user: S }) => `user "${p.user}" is not in the kubeconfig. Check the context's user or --user.`,
  'err.noServer': () => `the kubeconfig names no API server: set the cluster's server, or pass --server.`,
  'err.execFailed': (p: { command: S; code: S }) =>
    `the kubeconfig's credential plugin "${p.command}" failed (${p.code}). Run it yourself to see why (for example, log in again), then retry.`,
  'err.authProvider': (p: { name: S }) =>
    `the kubeconfig's auth-provider "${p.name}" could not produce a credential. Log in again, then retry.`,
  'err.internal': (p: { message: S }) => `unexpected error: ${p.message}. Re-run with -v to see details, and report it if it persists.`,
  'err.badServerUrl': (p: { server: S }) => `"${p.server}" is not an https:// or http:// URL of an API server.`,

  // ---- usage (exit 2) ----
  'usage.badPair': (p: { arg: S }) =>
    `"${p.arg}" is not CONTAINER=IMAGE (for example frontend=registry.example.com/apc/frontend:v1.055, or *=IMAGE for every container).`,
  'usage.badImage': (p: { image: S; reason: S }) => `"${p.image}" is not a valid image reference: ${p.reason}.`,
  'image.digestOnly': () => 'it is a digest without its repository: write REPOSITORY@sha256:…',
  'image.empty': () => 'it is empty',
  'image.whitespace': () => 'it contains whitespace',
  'image.uppercase': () => 'repository names must be lowercase',
  'image.tooLong': () => 'the name is longer than 255 characters',
  'image.invalid': () => 'expected [registry[:port]/]path[:tag][@sha256:digest]',
  'usage.unknownContainer': (p: { container: S; name: S; known: S }) =>
    `rollout "${p.name}" has no container "${p.container}". Its containers: ${p.known || 'none'}.`,
  'usage.duplicateContainer': (p: { container: S }) => `container "${p.container}" is given more than once.`,
  'usage.revisionRenumbered': (p: { revision: S; now: S; images: S; name: S }) =>
    `revision ${p.revision} of rollout "${p.name}" is now revision ${p.now} (${p.images}): Argo Rollouts gives a template the next number each time it comes back. To go back to it: kubectl bluegreen undo ${p.name} --to-revision ${p.now}`,
  'usage.revisionRenumberedCurrent': (p: { revision: S; now: S; images: S; name: S }) =>
    `revision ${p.revision} of rollout "${p.name}" is now revision ${p.now} (${p.images}), the template the rollout has now: Argo Rollouts gives a template the next number each time it comes back. There is nothing to undo to there; see kubectl bluegreen history ${p.name}.`,
  'usage.unknownRevision': (p: { revision: S; name: S; available: S }) =>
    `rollout "${p.name}" has no revision ${p.revision}. Its revisions: ${p.available || 'none'} (see kubectl bluegreen history ${p.name}).`,
  'usage.badName': (p: { what: S; value: S }) =>
    `"${p.value}" is not a valid ${p.what} name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.`,
  'usage.nameTooLong': (p: { what: S; value: S; max: S; length: S }) =>
    `the ${p.what} name "${p.value}" is ${p.length} characters long; Kubernetes allows at most ${p.max}.`,
  'usage.badDuration': (p: { flag: S; value: S }) => `--${p.flag} "${p.value}" is not a duration (for example 30s, 5m, 1h30m).`,
  'usage.durationTooLong': (p: { flag: S; value: S; max: S }) =>
    `--${p.flag} "${p.value}" is longer than this tool can time (at most ${p.max}, about 25 days); give ${p.max} or less.`,
  'usage.badRevision': (p: { value: S }) => `--to-revision "${p.value}" is not a revision number (a whole number from 1).`,
  'usage.allNamespaces': () => `-A/--all-namespaces lists rollouts; it cannot be used with a rollout name.`,
  'usage.reasonControl': () => `--reason holds control characters (an escape sequence?); write it as plain text.`,
  'usage.reasonTooLong': (p: { max: S }) => `--reason is longer than ${p.max} characters; shorten it.`,
  'usage.watchOutput': () => `--watch draws the status for people; it cannot be combined with -o json or yaml.`,
  'usage.watchNeedsName': () => `--watch follows one rollout: give its name, e.g. kubectl bluegreen status frontend --watch.`,
  'usage.unknownCommand': (p: { word: S; suggestion: S; commands: S }) =>
    `unknown command "${p.word}"${p.suggestion ? `; did you mean "${p.suggestion}"?` : '.'} Commands: ${p.commands}. See kubectl bluegreen --help.`,
  'usage.unknownFlag': (p: { flag: S; command: S; suggestion: S }) =>
    `unknown flag ${p.flag} for ${p.command}${p.suggestion ? `; did you mean ${p.suggestion}?` : '.'} See kubectl bluegreen ${p.command} --help.`,
  'usage.flagNotHere': (p: { flag: S; command: S; commands: S }) =>
    `${p.flag} is not a flag of ${p.command} (it belongs to ${p.commands}). See kubectl bluegreen ${p.command} --help.`,
  'usage.badChoice': (p: { flag: S; value: S; allowed: S; command: S }) =>
    `${p.flag} "${p.value}" is not supported by ${p.command}; use one of: ${p.allowed}.`,
  'usage.missingValue': (p: { flag: S; hint: S }) => `${p.flag} needs a value (${p.hint}).`,
  'usage.missingArgument': (p: { command: S; what: S }) =>
    `${p.command} needs ${p.what}: kubectl bluegreen ${p.command} ${p.what}. See kubectl bluegreen ${p.command} --help.`,
  'usage.tooManyArguments': (p: { command: S; extra: S }) =>
    `${p.command} takes fewer arguments; not expected: ${p.extra}. See kubectl bluegreen ${p.command} --help.`,
  'usage.missingFlag': (p: { flag: S; command: S; hint: S }) => `${p.command} needs ${p.flag}${p.hint ? ` (${p.hint})` : ''}.`,

  // ---- the rollout's state does not allow it (exit 4) ----
  'state.notBlueGreen': (p: { name: S; strategy: S }) =>
    `rollout "${p.name}" uses the ${p.strategy} strategy, not blue-green; kubectl bluegreen only manages blue-green rollouts (use kubectl argo rollouts for it).`,
  'state.workloadKind': (p: { name: S; kind: S; workload: S }) =>
    `rollout "${p.name}" takes its pod template from ${p.kind} "${p.workload}" (workloadRef); kubectl bluegreen changes a workloadRef's template only in a Deployment (apps/v1). Change the ${p.kind}'s template yourself, then follow it with kubectl bluegreen status ${p.name}.`,
  'state.workloadMissing': (p: { name: S; kind: S; workload: S }) =>
    `rollout "${p.name}" takes its pod template from ${p.kind} "${p.workload}" (workloadRef), which does not exist in its namespace: create it, or fix spec.workloadRef, then retry.`,
  'state.nothingToPromote': (p: { name: S; v: V }) =>
    `nothing to promote: rollout "${p.name}" has no preview waiting; users already get ${p.v}.`,
  'state.noActiveYet': (p: { name: S }) =>
    `rollout "${p.name}" has no active version yet: its first version goes live by itself once ready (kubectl bluegreen wait ${p.name} --for=healthy).`,
  'state.nothingToAbort': (p: { name: S; v: V }) => `nothing to abort: rollout "${p.name}" has no preview waiting; users get ${p.v}.`,
  'state.alreadyAborted': (p: { name: S; v: V }) =>
    `rollout "${p.name}" is already aborted; users get ${p.v}. To bring the preview back, run kubectl bluegreen retry ${p.name}; to drop it, undo (or set-image).`,
  'state.abortedPromote': (p: { name: S }) =>
    `rollout "${p.name}" was aborted, and a plain promote does nothing then. Bring the preview back first with kubectl bluegreen retry ${p.name}, use --full to promote the aborted preview at once, or undo to drop it.`,
  'state.notAborted': (p: { name: S; v: V }) =>
    `nothing to retry: rollout "${p.name}" is not aborted; users get ${p.v}. retry brings back a preview after kubectl bluegreen abort.`,
  'state.notObserved': (p: { name: S }) =>
    `the Argo Rollouts controller has not yet seen the latest change to rollout "${p.name}". Wait a moment and retry; if this stays, check that the controller is running.`,
  'state.notPausedYet': (p: { name: S; phase: S }) =>
    `the preview of rollout "${p.name}" is not waiting for promotion yet (${p.phase}), so a promote would change nothing. Wait with: kubectl bluegreen wait ${p.name} --for=paused, or use --full to switch as soon as it is ready.`,
  'state.nothingToUndo': (p: { name: S }) => `nothing to undo to: rollout "${p.name}" has no earlier revision.`,
  'state.undoAlreadyCurrent': (p: { name: S; revision: S }) =>
    `nothing to undo: the pod template of rollout "${p.name}" already is revision ${p.revision}.`,
  'state.changed': (p: { name: S; what: S }) =>
    `nothing was changed: rollout "${p.name}" changed after it was read (${p.what}). Run the command again to see the new state.`,
  'state.changedBy': (p: { by: S; action: S; at: S }) => `${p.by} ran ${p.action} at ${p.at}.`,
  'state.changedPartial': (p: { name: S; what: S }) =>
    `rollout "${p.name}" changed between the two requests of this promote (${p.what}): the pause conditions are cleared, but it is still manually paused (spec.paused). Run the command again to see the new state and finish.`,
  'state.partial': () =>
    `The first request was applied already (the pause conditions are cleared), but the rollout is still manually paused (spec.paused): run the command again to finish it.`,
  'state.changed.preview': () => 'the preview is a different revision now',
  'state.changed.active': () => 'a different revision serves users now',
  'state.changed.spec': () => 'its spec was changed',
  'state.changed.paused': () => 'it is no longer paused for promotion',
  'state.changed.unknown': () => 'its state moved on',
  'state.changedWorkload': (p: { name: S; workload: S; what: S }) =>
    `nothing was changed: Deployment "${p.workload}", which holds the pod template of rollout "${p.name}" (workloadRef), changed after it was read (${p.what}). Run the command again to see the new state.`,
  'state.changed.workloadGeneration': (p: { from: S; to: S }) => `its generation moved from ${p.from} to ${p.to}`,
  'state.changed.workloadGone': () => 'it was deleted',
  'state.needsForce': (p: { reasons: S }) => `refusing to promote: ${p.reasons} Re-run with --force to promote anyway.`,

  // ---- confirmation (exit 3) ----
  'confirm.prompt': () => 'Proceed? [y/N] ',
  'confirm.typeVersion': (p: { v: S }) => `This gives users an OLDER version. To proceed, type the version they would get (${p.v}): `,
  'confirm.noTty': () =>
    `not confirmed: there is no terminal to ask on (or CI=true). Re-run with --yes to proceed, or with --dry-run to only see the requests.`,
  'confirm.declined': () => `not confirmed: nothing was changed.`,
  'confirm.typedWrong': (p: { v: S }) =>
    `not confirmed: this change gives users an older version, so it needs the version typed (${p.v}), not y. Nothing was changed.`,
  interrupted: () => `interrupted: nothing was changed.`,

  // ---- guard ----
  'guard.title': (p: { action: S; name: S; ns: S }) => `${p.action} rollout ${p.name} (namespace ${p.ns})`,
  'guard.usersNow': (p: { v: V }) => `Users now get ${p.v}.`,
  'guard.usersNowNone': () => `No version serves users yet.`,
  'guard.after.immediately': (p: { action: S; v: V }) => `After ${p.action} they get ${p.v}.`,
  'guard.after.unpausesOnly': (p: { v: V; before: V }) =>
    `After this promote they still get ${p.before}: the controller has not paused ${p.v} for promotion yet (spec.paused was set first), so this promote only clears the manual pause, and ${p.v} then waits for one more promote.`,
  'guard.after.same': (p: { action: S; v: V }) => `After ${p.action} they still get ${p.v}.`,
  'guard.after.afterPromote': (p: { action: S; v: V }) =>
    `After ${p.action} they still get the same version; ${p.v} becomes the new preview, and users get it only after a promote.`,
  'guard.after.automatically': (p: { action: S; v: V }) =>
    `After ${p.action}, ${p.v} becomes the new preview, and users are switched to it automatically once it is ready, with no promote (auto-promotion is on).`,
  'guard.after.automaticallyAfter': (p: { action: S; v: V; seconds: S }) =>
    `After ${p.action}, ${p.v} becomes the new preview, and users are switched to it automatically ${p.seconds}s after it is ready, with no promote (auto-promotion is on).`,
  'guard.after.unpausesThenAuto': (p: { v: V; before: V }) =>
    `After this promote they still get ${p.before} for a moment: it clears the manual pause, and the controller then switches them to ${p.v} by itself (auto-promotion is on).`,
  'guard.after.fast': (p: { action: S; v: V }) => `After ${p.action} they get ${p.v} at once (fast rollback).`,
  'guard.downgrade': (p: { after: V; before: V; signals: S }) =>
    `This is a DOWNGRADE, a rollback in effect: ${p.after} is older than ${p.before} (${p.signals}).`,
  'guard.olderUnknown': (p: { after: V; before: V; why: S }) =>
    `Whether ${p.after} is older than ${p.before} cannot be told (${p.why}): check which build is newer before users get it.`,
  'guard.notRollback': () => `Promote is not rollback: it makes the preview serve users, whatever its version.`,
  'guard.keepActive': (p: { v: V }) => `To keep users on ${p.v} instead, run one of:`,
  'guard.keepActiveCommand': (p: { command: S; v: V }) => `${p.command}    (users stay on ${p.v})`,
  'guard.notReady': (p: { ready: S; want: S }) => `The preview is not fully ready: ${p.ready} of ${p.want} pods are available.`,
  'guard.analysisNotPassed': (p: { status: S; message: S }) =>
    `Its pre-promotion analysis has not passed (${p.status}${p.message ? `: ${p.message}` : ''}).`,
  'guard.countdown': (p: { at: S }) =>
    `An auto-promotion countdown runs: the controller would switch users at ${p.at} by itself. Promote switches users now instead of at ${p.at} (clearing the pause would only restart the countdown).`,
  'guard.argoCD.auto': (p: { app: S }) =>
    `Argo CD application "${p.app}" manages this rollout with auto-sync: it may revert this change to what Git says. Change Git, or pause auto-sync first.`,
  'guard.argoCD.unknown': (p: { app: S }) =>
    `Argo CD manages this rollout (application "${p.app}"); if it auto-syncs, it may revert this change. Change Git, or pause auto-sync first.`,
  'guard.argoCD.manual': (p: { app: S }) =>
    `Argo CD manages this rollout (application "${p.app}", no auto-sync): it will show it OutOfSync until Git matches.`,
  'guard.undoKeepsActive': (p: { dropped: S }) =>
    `That is the revision users get now: the controller keeps users there and drops the preview${p.dropped ? ` (${p.dropped})` : ''}.`,
  'guard.sameImagesNewTemplate': (p: { before: V; paths: S }) =>
    `These are the images users get now (${p.before}), but not their pod template: it differs from the active ReplicaSet's in ${p.paths}. The controller makes a NEW ReplicaSet of it, a new preview; once it is promoted, users get these images with this template, and what only the version they get now has in those fields is gone.`,
  'guard.sameImagesTemplateUnknown': (p: { before: V }) =>
    `These are the images users get now (${p.before}); whether the rest of the pod template is the active ReplicaSet's cannot be told (the ReplicaSet of the current template was not read, or the controller has not caught up). If it differs, the controller makes a NEW ReplicaSet of it, a new preview, and users get it once it is promoted.`,
  'guard.sameImagesUndo': (p: { revision: S; before: V }) =>
    `To bring back exactly what users get now (${p.before}), run undo --to-revision ${p.revision} instead.`,
  'guard.morePaths': (p: { count: S }) => ` and ${p.count} more`,
  'guard.undoFastRollback': (p: { deadline: S }) =>
    `Its ReplicaSet is still running within its scale-down delay (until ${p.deadline}): users are switched to it at once, with no promote (fast rollback).`,
  'guard.undoRollbackWindow': (p: { revisions: S }) =>
    `spec.rollbackWindow (${p.revisions} revisions) covers it: the controller skips the pause and any analysis, and users are switched to it as soon as its pods are ready, with no promote.`,
  'guard.undoRollbackWindowStuck': (p: { release: S }) =>
    `spec.rollbackWindow covers it, but before Argo Rollouts v1.10 (this controller: ${p.release}) the controller then neither pauses nor switches a blue-green rollout: it stays Progressing ("active service cutover pending"), and users get it only with kubectl bluegreen promote --full.`,
  'guard.undoToStable': (p: { release: S }) =>
    `It is the stable revision (the last fully promoted one): from Argo Rollouts v1.10 (this controller: ${p.release}) going back to it is a fast rollback, and users are switched to it as soon as its pods are ready, with no promote.`,
  'guard.undoNewPreview': () => `Its ReplicaSet is scaled down, so it comes back as a NEW preview, renumbered as the newest revision.`,
  'guard.undoNotRollback': (p: { release: S; target: S; stable: S }) =>
    `Its ReplicaSet still runs within its scale-down delay, but it was not created before the one users get (${p.target}, not before ${p.stable}), so the controller (Argo Rollouts ${p.release}) does not treat this as a rollback: it comes back as a NEW preview, and users get it only after a promote.`,
  'guard.fastRollbackReleaseUnknown': (p: { release: S }) =>
    `Whether users switch at once depends on the Argo Rollouts release${p.release ? ` (the controller's image tag "${p.release}" is not a release)` : ', which could not be read (no permission to list Deployments, or no argo-rollouts Deployment)'}: before v1.10 they do; from v1.10 only if its ReplicaSet was created before the one users get. Assumed here: users switch at once.`,
  'guard.replacesPreview': (p: { v: V }) => `The preview waiting now (${p.v}) is replaced and scaled down.`,
  'guard.fullSkipsAnalysis': () => `--full skips the remaining pauses and every analysis.`,
  'guard.clearsManualPause': () => `The rollout is manually paused (spec.paused); promote also unpauses it.`,
  'guard.manualPauseHolds': (p: { before: V }) =>
    `The rollout is paused by hand (spec.paused): while it is, the controller switches no one, not even a fast rollback or an auto-promotion, so users keep ${p.before}. A promote clears the pause; the new version may then wait for one more promote.`,
  'guard.abortLeavesDegraded': (p: { preview: S; seconds: S }) =>
    `The preview ${p.preview} is scaled down ${p.seconds}s after the abort (abortScaleDownDelaySeconds) and the rollout shows Degraded; its spec still names ${p.preview}, so run undo (or set-image) afterwards to settle it.`,
  'guard.abortKeepsPreviewUp': (p: { preview: S }) =>
    `The preview ${p.preview} stays up (abortScaleDownDelaySeconds: 0 keeps it running) and the rollout shows Degraded; its spec still names ${p.preview}, so run undo (or set-image) afterwards to settle it.`,
  'guard.abortToStable': (p: { before: V; stable: V }) =>
    `The stable revision is ${p.stable}, not what users get now: ${p.before} has not passed its post-promotion checks, and on an abort the controller points the active Service at the stable revision. Users are sent back to ${p.stable}.`,
  'guard.abortToStableGone': (p: { before: V; hash: S }) =>
    `The stable revision (ReplicaSet hash ${p.hash}) is not what users get now (${p.before}), and its ReplicaSet was not found: on an abort the controller points the active Service at it, and users may reach no pods.`,
  'guard.abortedPromoteFull': () => `The rollout was aborted; --full overrides the abort.`,
  'guard.retryAnalysis': () => `Its pre-promotion analysis runs again before it can be promoted.`,
  'guard.ephemeralStripped': (p: { keys: S }) =>
    `Metadata the controller injects (activeMetadata/previewMetadata) is left out of the restored template: ${p.keys}.`,
  'guard.viaWorkload': (p: { kind: S; workload: S; name: S }) =>
    `The pod template lives in ${p.kind} "${p.workload}" (workloadRef): the change is written there, pinned on its generation; the record stays on rollout "${p.name}".`,
  'guard.workloadPodsRoll': (p: { workload: S; replicas: S; v: S; scaleDown: S }) =>
    `Deployment "${p.workload}" still runs ${p.replicas} pods of its own: Kubernetes rolls them to ${p.v} at once (a Deployment rolling update, outside blue-green, no promote), and users who reach them through a Service other than the rollout's get ${p.v} now. ${p.scaleDown}`,
  'guard.scaleDown.never': () => `(scaleDown: never keeps them; scale the Deployment to 0 once the migration is done.)`,
  'guard.scaleDown.onsuccess': () =>
    `(scaleDown: onsuccess scales it to 0 only when revision 1 becomes Healthy, so it will not after this change; scale it to 0 yourself once the migration is done.)`,
  'guard.scaleDown.progressively': () =>
    `(scaleDown: progressively scales it down only while revision 1 comes up, so it will not after this change; scale it to 0 yourself once the migration is done.)`,
  'guard.target': (p: { revision: S; v: V }) => `undo restores revision ${p.revision}: ${p.v}.`,
  'guard.requestsDryRun': () => `Requests that would be sent:`,
  'guard.dryRunDone': () => `Dry run: nothing was changed.`,
  'guard.dryRunServer': () => `Dry run: the API server accepted the requests in a server-side dry run; nothing was changed.`,
  'guard.nudgeNote': (p: { count: S; seconds: S }) =>
    `Then, if the Argo Rollouts controller has not reacted ${p.seconds}s later, up to ${p.count} more PATCHes of the annotation bluegreen.kubectl.io/nudged-at wake it (a controller can lose a change made right after it paused).`,
  'guard.forced': () => `--force given: promoting anyway.`,
  'guard.noop': (p: { name: S; v: S }) => `rollout "${p.name}" already runs ${p.v}; nothing to change.`,
  'guard.noopPreview': (p: { name: S; v: V; users: V }) =>
    `nothing to change: ${p.v} is already the preview waiting in rollout "${p.name}"; users still get ${p.users} until it is promoted.`,

  // ---- results ----
  'result.promoted': (p: { name: S; v: V }) => `rollout "${p.name}" promoted: the controller is switching users to ${p.v}.`,
  'result.abortedToStable': (p: { name: S; v: V; preview: S }) =>
    `rollout "${p.name}" aborted: users are sent back to the stable revision ${p.v}; ${p.preview}.`,
  'result.aborted': (p: { name: S; v: V; preview: S }) => `rollout "${p.name}" aborted: users stay on ${p.v}; ${p.preview}.`,
  'result.previewScalesDown': () => 'the preview is scaling down',
  'result.previewStaysUp': () => 'the preview stays up (abortScaleDownDelaySeconds: 0)',
  'result.retried': (p: { name: S; v: V; users: V }) =>
    `rollout "${p.name}" retried: ${p.v} comes back as the preview; users stay on ${p.users} until a promote.`,
  'result.unpausedOnly': (p: { name: S; v: V; users: V }) =>
    `rollout "${p.name}": manual pause cleared; ${p.v} now waits for one more promote, and users still get ${p.users}.`,
  'result.undone': (p: { name: S; revision: S; v: V; where: S }) =>
    `rollout "${p.name}": pod template set back to revision ${p.revision} (${p.v})${p.where}.`,
  'result.imageSet': (p: { name: S; v: V; where: S }) => `rollout "${p.name}": image set${p.where}; ${p.v} is becoming the new preview.`,
  'result.imageSetActive': (p: { name: S; v: V; where: S }) =>
    `rollout "${p.name}": image set back to ${p.v}${p.where}, which users already get.`,
  'result.where': (p: { kind: S; workload: S }) => ` in ${p.kind} ${p.workload}`,
  'result.recorded': (p: { by: S }) => `Recorded as ${p.by} (annotation bluegreen.kubectl.io/last-change and an Event).`,
  'result.recordLost': (p: { detail: S }) =>
    `warning: the change was made; the answer to its record (annotation bluegreen.kubectl.io/last-change, or its Event) was lost (${p.detail}): it may have been written or not. kubectl get events and the annotation show whether it was.`,
  'result.recordFailed': (p: { detail: S }) => `warning: the change was made, but recording it failed: ${p.detail}`,
  'result.notActedYet': (p: { name: S; ns: S }) =>
    `warning: the Argo Rollouts controller has not acted on it yet (it may be busy, or not running). Follow it with: kubectl bluegreen status ${p.name} -n ${p.ns} --watch`,
  'result.cannotConfirm': () => `The change was made, but whether the Argo Rollouts controller took it up cannot be watched:`,
  'result.madeWaitFailed': () => `The change was made; waiting for the controller failed:`,
  outputFailed: (p: { code: S }) => `the output could not be written (${p.code}: a full disk, or a file too large?); it is incomplete.`,
  'result.stoppedWaiting': () => `Stopped waiting for the controller (Ctrl-C); the change was made.`,
  'result.follow': (p: { name: S; ns: S }) => `Follow it with: kubectl bluegreen status ${p.name} -n ${p.ns} --watch`,
  'result.writeUnknown': (p: { name: S }) =>
    `the connection failed while the change was being sent; re-reading rollout "${p.name}" to see whether it was made.`,
  'result.writeDone': () => `The change was made (confirmed by reading the rollout again).`,
  'result.writeUnknownWorkload': (p: { workload: S }) =>
    `the connection failed while the change was being sent; re-reading Deployment "${p.workload}" to see whether it was made.`,
  'result.writeDoneWorkload': (p: { workload: S }) => `The change was made (confirmed by reading Deployment "${p.workload}" again).`,
  'result.writeNotDone': () => `The change was NOT made; running the command again is safe.`,
  'result.writeNotSeen': () =>
    `The change is not visible in the object read again, but the API server may still apply a request whose answer was lost. Check with kubectl bluegreen status before running it again.`,
  'result.writeMoved': () =>
    `Whether the change was made cannot be told: the rollout moved to another preview meanwhile (another change). Check with kubectl bluegreen status before running it again.`,
  'result.writeStillUnknown': () =>
    `Whether the change was made is unknown: the API server cannot be reached. Check with kubectl bluegreen status before running it again.`,

  // ---- status view ----
  'status.title': (p: { name: S; ns: S }) => `Rollout ${p.name} · namespace ${p.ns}`,
  'status.users': () => 'users',
  'status.active': () => 'ACTIVE · users get this',
  'status.preview': () => 'PREVIEW · waits, no users',
  'status.previewAborted': () => 'PREVIEW · aborted, scaling down',
  'status.previewFirst': () => 'FIRST VERSION · goes live once ready',
  'status.noPreview': () => 'No preview waits: users get the desired revision.',
  'status.revision': (p: { n: S }) => `revision ${p.n}`,
  'status.pods': (p: { ready: S; want: S }) => `pods ${p.ready}/${p.want} ready`,
  'status.created': (p: { age: S }) => `created ${p.age} ago`,
  'status.replicaSet': (p: { name: S }) => `ReplicaSet ${p.name}`,
  'status.replicaSetGone': (p: { hash: S }) => `ReplicaSet with hash ${p.hash} not found (deleted?)`,
  'status.service': (p: { name: S }) => `Service ${p.name}`,
  'status.serviceMissing': (p: { name: S }) => `Service ${p.name} NOT FOUND`,
  'status.noPreviewService': () => 'no preview Service',
  'status.older': () => 'The preview is OLDER than what users get:',
  'status.signal.createdBefore': () => 'its ReplicaSet was created before the active one',
  'status.signal.servedBefore': (p: { revisions: S }) => `it was revision ${p.revisions} before`,
  'status.signal.tagLower': (p: { preview: S; active: S }) => `tag ${p.preview} < ${p.active}`,
  'status.olderUnknown': () => 'Whether the preview is older than what users get cannot be told:',
  'older.unknown': (p: { preview: S; active: S; why: S }) => `tags ${p.preview} and ${p.active}: ${p.why}, so their order is unknown`,
  'older.unknownImages': (p: { preview: S; active: S; why: S }) =>
    `images ${p.preview} and ${p.active}: ${p.why}, so their order is unknown`,
  'older.why.differentRepository': () => 'they come from different repositories',
  'older.why.nothingToCompare': () =>
    'the images users get are not known here (no container of the same name, or the active ReplicaSet was not found)',
  'older.why.noTag': () => 'one of them has no tag (pinned by digest only)',
  'older.why.floating': () => 'a moving tag (like latest) names no version',
  'older.why.sha': () => 'commit hashes have no order',
  'older.why.noVersion': () => 'a tag carries no version',
  'older.why.differentSchemes': () => 'they follow different schemes',
  'older.why.differentPrecision': () => 'they differ in precision (the shorter may name a later release)',
  'older.why.ambiguousDigits': () => 'they mix zero-padded and plain numbers',
  'older.why.sameVersionDifferentSuffix': () => 'the same version with different suffixes',
  'older.why.sameVersionDifferentCommit': () => 'the same version built from different commits',
  'older.why.sameTagOtherDigest': () => 'the same tag on two different digests: two builds the tag cannot order',
  'status.phase': () => 'Phase',
  'status.next': () => 'Next:',
  'status.next.promote': (p: { v: V }) => `users get ${p.v}`,
  'status.next.promoteDowngrade': (p: { v: V }) => `users get ${p.v}: a DOWNGRADE (promote is not rollback)`,
  'status.next.promoteUnknown': (p: { v: V }) => `users get ${p.v} (older or not: cannot be told)`,
  'status.next.promoteUnpausesOnly': (p: { v: V }) => `only clears the manual pause: ${p.v} then waits for one more promote`,
  'status.next.promoteNotReady': (p: { v: V }) => `not yet: the preview is not ready (then users get ${p.v})`,
  'status.next.undoKeeps': (p: { v: V }) => `users stay on ${p.v}; the preview is dropped`,
  'status.next.undoFast': (p: { v: V }) => `users switch to ${p.v} at once (fast rollback)`,
  'status.next.undoPreview': (p: { v: V }) => `${p.v} becomes a new preview; users get it after a promote`,
  'status.next.undoAuto': (p: { v: V }) => `${p.v} becomes a new preview; users switch to it automatically`,
  'status.next.abortToStable': (p: { v: V }) => `users are sent back to the stable revision ${p.v}; the preview is scaled down`,
  'status.next.abort': (p: { v: V }) => `users stay on ${p.v}; the preview is scaled down`,
  'status.next.setImage': () => `start a new version as a preview: set-image ROLLOUT CONTAINER=IMAGE`,
  'status.next.wait': () => `wait until the preview is ready for promotion`,
  'status.next.full': (p: { v: V }) => `users get the aborted preview ${p.v}`,
  'status.next.fullDowngrade': (p: { v: V }) => `users get the aborted preview ${p.v}: a DOWNGRADE (promote is not rollback)`,
  'status.next.retry': (p: { v: V }) => `${p.v} comes back as the preview; users stay until a promote`,
  'status.next.retryDowngrade': (p: { v: V }) => `${p.v} comes back as the preview (OLDER than what users get); users stay until a promote`,
  'status.autoPromotion': () => 'Auto-promotion is on: users switch to a ready preview without a promote.',
  'status.autoPromotionAt': (p: { at: S; in: S }) => `Auto-promotion: users switch to the preview at ${p.at} (in ${p.in}).`,
  'status.analysis': (p: { which: S; status: S; message: S }) => `${p.which} analysis: ${p.status}${p.message ? ` (${p.message})` : ''}`,
  'status.analysis.pre': () => 'Pre-promotion',
  'status.analysis.post': () => 'Post-promotion',
  'status.aborted': (p: { at: S }) => `Aborted${p.at ? ` at ${p.at}` : ''}: users stay on the stable revision.`,
  'status.notObserved': () => 'The controller has not observed the latest spec yet.',
  'status.workload': (p: { kind: S; workload: S; scaleDown: S }) =>
    `Pod template: ${p.kind} ${p.workload} (workloadRef, scaleDown ${p.scaleDown}); set-image and undo change it there.`,
  'status.workloadUnsupported': (p: { kind: S; workload: S }) =>
    `Pod template: ${p.kind} ${p.workload} (workloadRef); kubectl bluegreen changes a template only in a Deployment.`,
  'status.workloadPods': (p: { workload: S; ready: S; want: S }) =>
    `Deployment ${p.workload} still runs ${p.ready}/${p.want} pods of its own, outside blue-green: a template change rolls them at once.`,
  'status.workloadMissing': (p: { kind: S; workload: S }) =>
    `${p.kind} ${p.workload} (workloadRef) NOT FOUND: no new revision can be made.`,
  'status.workloadUnread': (p: { kind: S; workload: S }) => `${p.kind} ${p.workload} (workloadRef) could not be read (not allowed).`,
  'status.workloadNotObserved': (p: { workload: S }) =>
    `The controller has not taken up the latest template of Deployment ${p.workload} yet.`,
  'status.selectorMismatch': (p: { service: S; status: S }) =>
    `The active Service selects ${p.service} but the controller last recorded ${p.status}: the controller may not be reconciling.`,
  'status.stableDiffers': (p: { v: S }) => `Stable (last fully promoted) is still ${p.v}: post-promotion checks are running.`,
  'status.unpausing': (p: { since: S }) =>
    `A promote was sent${p.since ? ` at ${p.since}` : ''} and the controller has not acted on it yet; if this stays, the Argo Rollouts controller is not reconciling (is it running?).`,
  'status.controllerStill': (p: { replicaSet: S; ready: S; since: S; ago: S; name: S; ns: S; goal: S }) =>
    `The preview (ReplicaSet ${p.replicaSet}) is available (${p.ready}), and neither it nor the rollout's status has changed since ${p.since} (${p.ago} ago): the controller has not moved the rollout on. It may be stopped or failing, or (Argo Rollouts v1.7.x) holding a stale copy of that ReplicaSet. kubectl bluegreen wait ${p.name} -n ${p.ns} --for=${p.goal} watches it for a minute, then says what is known of the cause on this release and what wakes it.`,
  'status.manualPause': () => 'Manually paused (spec.paused): nothing switches until it is promoted.',
  'status.argoCD': (p: { app: S }) => `Managed by Argo CD (application "${p.app}"): changes made here may be reverted by auto-sync.`,
  'status.lastChange': (p: { by: S; action: S; at: S; reason: S }) =>
    `Last change: ${p.action} by ${p.by} at ${p.at}${p.reason ? ` ("${p.reason}")` : ''}`,
  'status.watching': () => 'watching for changes (Ctrl-C to stop)',
  /** Argo Rollouts' phase message, as shown to people (JSON keeps the cluster's words). */
  'phase.message': (p: { message: S }) => p.message,
  'status.reconnecting': (p: { detail: S }) =>
    `connection to the API server lost (${p.detail}); reconnecting… the view below may be out of date`,
  'status.reconnected': () => 'reconnected; the view is current again',
  'list.empty': (p: { ns: S }) => `No blue-green rollouts found in ${p.ns}.`,
  'list.allNamespaces': () => 'any namespace',
  'list.namespace': (p: { ns: S }) => `namespace "${p.ns}"`,
  'list.h.namespace': () => 'NAMESPACE',
  'list.h.name': () => 'NAME',
  'list.h.phase': () => 'PHASE',
  'list.h.active': () => 'USERS GET (ACTIVE)',
  'list.h.preview': () => 'WAITING (PREVIEW)',
  'list.h.rev': () => 'REV',
  'list.h.older': () => 'OLDER',
  'list.h.ready': () => 'READY',
  'list.h.age': () => 'AGE',
  'time.s': (p: { n: S }) => `${p.n}s`,
  'time.m': (p: { n: S }) => `${p.n}m`,
  'time.h': (p: { n: S }) => `${p.n}h`,
  'time.d': (p: { n: S }) => `${p.n}d`,
  'time.y': (p: { n: S }) => `${p.n}y`,
  'time.join': (p: { a: S; b: S }) => `${p.a}${p.b}`,
  'list.h.message': () => 'MESSAGE',
  'list.h.services': () => 'SERVICES',
  'list.yes': () => 'YES',
  'list.no': () => 'no',
  'list.unknown': () => '?',
  'list.skippedCanary': (p: { count: number }) => `(${p.count} ${p.count === 1 ? 'rollout' : 'rollouts'} with another strategy not shown)`,

  // ---- history / diff ----
  'history.h.revision': () => 'REVISION',
  'history.h.role': () => 'ROLE',
  'history.h.images': () => 'IMAGES',
  'history.h.created': () => 'CREATED',
  'history.h.earlier': () => 'EARLIER REVISIONS',
  'history.h.pods': () => 'PODS',
  'history.h.replicaSet': () => 'REPLICASET',
  'role.active': () => 'active (users)',
  'role.preview': () => 'preview',
  'role.stable': () => 'stable',
  'role.scaledDown': () => 'scaled down',
  'role.scalingDown': () => 'scaling down',
  'role.old': () => 'old',
  'history.note': () =>
    'Revision numbers are not versions: Argo Rollouts renumbers an old template to the newest revision when it comes back (see EARLIER REVISIONS).',
  'history.workload': (p: { kind: S; workload: S }) =>
    `Pod templates come from ${p.kind} ${p.workload} (workloadRef): undo writes the chosen revision's template there.`,
  'diff.workload': (p: { kind: S; workload: S }) => `(pod templates from ${p.kind} ${p.workload}, workloadRef)`,
  'diff.none': (p: { name: S }) => `rollout "${p.name}" has no preview waiting: nothing to compare.`,
  'diff.same': () => 'The active and the preview pod templates are the same (apart from the pod-template-hash).',
  'diff.header': (p: { active: V; preview: V }) => `--- active  ${p.active}\n+++ preview ${p.preview}`,

  // ---- wait ----
  'wait.waiting': (p: { name: S; for: S; now: S }) => `waiting for rollout ${p.name} to be ${p.for} (now ${p.now})`,
  'wait.waitingForObject': (p: { name: S; for: S; object: S }) =>
    `waiting for rollout ${p.name} to be ${p.for}: the controller reports ${p.object} not found, and re-checks every 20s`,
  'wait.reached': (p: { name: S; for: S; now: S }) => `rollout ${p.name} is ${p.for} (${p.now})`,
  'wait.timeout': (p: { name: S; for: S; timeout: S; now: S }) =>
    `timed out after ${p.timeout} waiting for rollout "${p.name}" to be ${p.for}; it is ${p.now}.`,
  'wait.timeoutMissing': (p: { name: S; for: S; timeout: S; object: S }) =>
    `timed out after ${p.timeout} waiting for rollout "${p.name}" to be ${p.for}: the controller still reports ${p.object} not found. Create it (or fix the name in the rollout), then wait again.`,
  'wait.neverPauses': (p: { name: S; now: S }) =>
    `rollout ${p.name} never pauses for promotion: its autoPromotionEnabled is not false and it sets no autoPromotionSeconds, so the controller promotes each preview as soon as it is ready (now ${p.now}). Wait with --for=promoted or --for=healthy, or set spec.strategy.blueGreen.autoPromotionEnabled: false.`,
  'wait.degraded': (p: { name: S; for: S; now: S }) =>
    `rollout "${p.name}" is ${p.now} and will not become ${p.for} without action. See kubectl bluegreen status ${p.name}.`,
  'wait.controllerStalled': (p: { name: S; seconds: S }) =>
    `the Argo Rollouts controller has not reacted to rollout "${p.name}" for ${p.seconds}s (status not updated, observedGeneration behind): check that it is running.`,
  'wait.staleReplicaSet': (p: { name: S; seconds: S; replicaSet: S; ready: S }) =>
    `the Argo Rollouts controller has not acted on rollout "${p.name}" for ${p.seconds}s although its ReplicaSet ${p.replicaSet} is available (${p.ready}).`,
  'wait.timeoutStale': (p: { name: S; for: S; timeout: S; now: S; seconds: S; replicaSet: S; ready: S }) =>
    `timed out after ${p.timeout} waiting for rollout "${p.name}" to be ${p.for}; it is ${p.now}, unchanged for ${p.seconds}s although its ReplicaSet ${p.replicaSet} is available (${p.ready}).`,
  'wait.staleCacheKnown': (p: { release: S; replicaSet: S; namespace: S }) =>
    `Check that the controller is running. If it is: Argo Rollouts ${p.release} can keep a stale copy of a ReplicaSet until that ReplicaSet changes again (argoproj/argo-rollouts#4044, fixed in v1.8.0; upgrading ends it), and changing the ReplicaSet wakes the controller: kubectl annotate replicaset ${p.replicaSet} -n ${p.namespace} bluegreen.kubectl.io/touched-at="$(date +%s)" --overwrite`,
  'wait.staleCacheMaybe': (p: { replicaSet: S; namespace: S }) =>
    `Check that the controller is running. If it is v1.7.x, it can keep a stale copy of a ReplicaSet (argoproj/argo-rollouts#4044, fixed in v1.8.0), and changing the ReplicaSet wakes it: kubectl annotate replicaset ${p.replicaSet} -n ${p.namespace} bluegreen.kubectl.io/touched-at="$(date +%s)" --overwrite`,
  'wait.controllerCheck': (p: { where: S }) => `Check that the controller (${p.where}) is running, and read its log.`,
  'wait.for.healthy': () => 'healthy',
  'wait.for.paused': () => 'paused for promotion',
  'wait.for.promoted': () => 'promoted',

  // ---- version ----
  'version.controller': (p: { v: S; where: S }) => `Argo Rollouts controller: ${p.v} (${p.where})`,
  'version.controllerUnknown': (p: { why: S }) => `Argo Rollouts controller: version unknown (${p.why})`,
  'version.notFound': () => 'no Deployment labelled app.kubernetes.io/name=argo-rollouts is visible',

  // ---- help ----
  'help.usage': () =>
    'Make Argo Rollouts blue-green safe to operate: see which version users get and which waits, and act only after a guard that says it in versions.',
  'help.status': () => 'Show who gets users (ACTIVE) and what waits (PREVIEW); without ROLLOUT, list the blue-green rollouts',
  'help.setImage': () => 'Change container images: makes a new preview (workloadRef: in its Deployment)',
  'help.promote': () => 'Make the preview serve users (not a rollback!)',
  'help.undo': () => 'Put the pod template of an earlier revision back (workloadRef: into its Deployment)',
  'help.abort': () => 'Keep users on the active version and scale the preview down',
  'help.retry': () => 'After an abort: bring the aborted preview back (users stay until a promote)',
  'help.history': () => 'Every revision with its images, creation time and role now',
  'help.diff': () => 'What differs between the active and the preview pod templates',
  'help.wait': () => 'Wait until the rollout is healthy, paused for promotion, or promoted (for CI)',
  'help.version': () => 'Print the plugin version (and the Argo Rollouts controller version)',
  'help.completion': () => 'Print a shell completion script (bash or zsh)',
  'help.opt.namespace': () => 'Namespace (default: the kubeconfig context namespace, then "default")',
  'help.opt.allNamespaces': () => 'List rollouts in all namespaces',
  'help.opt.chunkSize': () =>
    "Read the listing in pages of this many rollouts (kubectl's --chunk-size); 0, the default, reads it in one request, item by item as it arrives",
  'help.opt.context': () => 'Kubeconfig context to use',
  'help.opt.kubeconfig': () => 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)',
  'help.opt.cluster': () => 'Kubeconfig cluster to use',
  'help.opt.user': () => 'Kubeconfig user to use',
  'help.opt.server': () => 'Address of the API server',
  'help.opt.token': () => 'Bearer token for the API server',
  'help.opt.as': () => 'User to impersonate',
  'help.opt.asGroup': () => 'Group to impersonate (repeatable)',
  'help.opt.certificateAuthority': () => 'Path to a CA certificate file',
  'help.opt.clientCertificate': () => 'Path to a client certificate file',
  'help.opt.clientKey': () => 'Path to a client key file',
  'help.opt.insecure': () => 'Do not verify the API server certificate (insecure)',
  'help.opt.tlsServerName': () => 'Server name for TLS verification',
  'help.opt.requestTimeout': () => 'Time to wait for one request; for a listing, for its next bytes (e.g. 30s, 1m; 0 = no limit)',
  'help.opt.output': () => 'Output format',
  'help.opt.noColor': () => 'No colour (also NO_COLOR, or when stdout is not a terminal)',
  'help.opt.verbose': () => "Log requests to stderr (credentials are never shown); -vv also their bodies. kubectl's -v=6 and -v=8 work too",
  'help.opt.lang': () => 'Language of messages (default from LANG/LC_ALL)',
  'help.opt.watch': () => 'Redraw whenever the rollout changes (watch API); on a terminal, also as its ages move',
  'help.opt.yes': () => 'Do not ask for confirmation',
  'help.opt.dryRun': () => 'Show the guard and the exact requests; send no change ("server" asks the API server to validate them)',
  'help.opt.reason': () => 'Why: recorded in the annotation and Event',
  'help.opt.force': () => 'Promote even if the preview is not ready or its analysis has not passed',
  'help.opt.full': () => 'Skip remaining pauses and analysis (sets status.promoteFull)',
  'help.opt.toRevision': () => 'Revision to put back (default: the previous one)',
  'help.opt.includeInit': () => 'With *=IMAGE, also change init containers',
  'help.opt.wait': () => 'After promoting, wait until users are switched (as wait --for=promoted)',
  'help.opt.for': () => 'State to wait for',
  'help.opt.timeout': () => 'Give up after this long (exit 5); 0 = no limit',
  'help.opt.stallTimeout': () => 'Fail (exit 1) when the controller leaves a change unobserved this long (default 60s)',
  'help.opt.client': () => 'Print only the plugin version; do not contact the cluster',
  'help.ex.setImageWorkloadRef': () => 'spec.workloadRef: the image is set in the referenced Deployment, the record stays on the Rollout',
  'help.ex.undoWorkloadRef': () => "spec.workloadRef: the revision's template is written back into the referenced Deployment",
  'help.ex.previewOpen': () => 'then open http://127.0.0.1:8080',
  'help.ex.previewAddress': () => 'others can reach it',
  'help.ex.previewJson': () => 'a JSON line when it listens, one per change',
  'help.examplesTitle': () => 'Examples:',
  'help.epilog': () =>
    'Exit codes: 0 done, 1 failure, 2 bad usage, 3 not confirmed, 4 the rollout state does not allow it, 5 wait timed out, 130 interrupted (143 by SIGTERM).',

  // ---- preview (kubectl bluegreen preview) ----
  'help.preview': () => 'Try the preview before users do: forward a local port to the preview Service',
  'help.opt.port': () => 'Local port to listen on (default: a free port)',
  'help.opt.address': () => 'Local address to listen on (an IP address or localhost)',
  'status.next.preview': (p: { v: V }) => `try ${p.v} on a local port first; users are not affected`,
  'usage.badPort': (p: { value: S }) => `--port "${p.value}" is not a port number (1-65535, or 0 for a free port).`,
  'usage.badChunkSize': (p: { value: S }) => `--chunk-size "${p.value}" is not a whole number (0 reads the list in one request).`,
  'usage.badAddress': (p: { value: S }) => `--address "${p.value}" is not an IP address or localhost.`,
  'preview.nothingWaits': (p: { name: S; ns: S; v: V }) =>
    `nothing to preview: rollout "${p.name}" has no preview waiting; users get ${p.v}. Make one with: kubectl bluegreen set-image ${p.name} CONTAINER=IMAGE -n ${p.ns} (or undo to an earlier revision).`,
  'preview.aborted': (p: { name: S; ns: S; v: V; active: V }) =>
    `nothing to preview: rollout "${p.name}" was aborted, its preview ${p.v} is scaled down and users stay on ${p.active}. Bring it back with: kubectl bluegreen retry ${p.name} -n ${p.ns} (users stay until a promote).`,
  'preview.noService': (p: { name: S; rs: S }) =>
    `rollout "${p.name}" has no preview Service (spec.strategy.blueGreen.previewService), so there is nothing to forward to: add one, or use kubectl port-forward on a pod of ReplicaSet ${p.rs}.`,
  'preview.serviceMissing': (p: { name: S; ns: S; svc: S }) =>
    `the preview Service "${p.svc}" of rollout "${p.name}" does not exist in namespace "${p.ns}"; create it (the controller then points it at the preview).`,
  'preview.noPort': (p: { svc: S }) => `the preview Service "${p.svc}" has no TCP port to forward to.`,
  'preview.listenFailed': (p: { address: S; port: S; detail: S }) =>
    `cannot listen on ${p.address} port ${p.port} (${p.detail}): choose another --port or --address.`,
  'preview.rolloutGone': (p: { name: S; ns: S }) =>
    `rollout "${p.name}" was deleted from namespace "${p.ns}": there is nothing to preview any more.`,
  'preview.forwarding': (p: { url: S; name: S; ns: S }) => `Forwarding ${p.url} → the preview of rollout ${p.name} (namespace ${p.ns})`,
  'preview.label.serves': () => 'serves',
  'preview.label.via': () => 'via',
  'preview.servesOlder': (p: { v: V; active: V }) => `${p.v}, OLDER than what users get: ${p.active}`,
  'preview.servesOlderUnknown': (p: { v: V; active: V }) => `${p.v}; whether it is older than what users get (${p.active}) cannot be told:`,
  'preview.servesNotOlder': (p: { v: V; active: V }) => `${p.v}; users get ${p.active}`,
  'preview.servesActive': (p: { v: V }) => `${p.v}, what users get now (nothing waits)`,
  'preview.servesUnknown': (p: { hash: S }) => `pods with pod-template hash ${p.hash} (no ReplicaSet of the rollout has it)`,
  'preview.via': (p: { svc: S; port: S; pod: S; podPort: S }) => `Service ${p.svc} port ${p.port} → pod ${p.pod} port ${p.podPort}`,
  'preview.viaWaiting': (p: { svc: S; port: S }) => `Service ${p.svc} port ${p.port} → no ready pod yet; connections wait for one`,
  'preview.hint': () => `Only this port reaches the preview; users are not affected. Ctrl-C to stop.`,
  'preview.changed': (p: { from: S; to: S }) =>
    `The preview changed: ${p.from} → ${p.to}. Connections to the old pods are closed; new ones go to the new pods.`,
  'preview.nothingWaitsNow': (p: { v: V }) =>
    `Nothing waits any more: users get ${p.v}. The port still forwards to the preview Service, which now shows the same.`,
  'preview.abortedNow': (p: { active: V }) => `The preview was aborted: its pods are scaling down, users stay on ${p.active}.`,
  'preview.podReady': (p: { pod: S }) => `pod ${p.pod} is ready: connections go to it.`,
  'preview.podChanged': (p: { from: S; to: S }) => `pod ${p.from} is gone or not ready: connections now go to pod ${p.to}.`,
  'preview.noPod': (p: { pod: S }) =>
    `pod ${p.pod} is gone or not ready, and no other pod of the preview is ready: connections wait for one.`,
  'preview.noPodTimeout': (p: { seconds: S }) => `a connection was closed: no pod of the preview was ready within ${p.seconds}s.`,
  'preview.noNamedPort': (p: { pod: S; port: S }) => `a connection was closed: pod ${p.pod} has no container port named "${p.port}".`,
  'preview.connection': (p: { pod: S; port: S }) => `connection to pod ${p.pod} port ${p.port}`,
  'preview.connFailed': (p: { pod: S; detail: S }) => `a connection to pod ${p.pod} failed: ${p.detail}`,
  'preview.podGone': (p: { pod: S }) => `pod ${p.pod} no longer exists`,
  'preview.podAnswered': (p: { pod: S; message: S }) => `the kubelet of pod ${p.pod} answered: ${p.message}`,
  'preview.handshake': (p: { detail: S }) => `${p.detail} (a proxy between here and the API server may not pass WebSocket upgrades)`,
  'preview.serviceGone': (p: { svc: S }) => `the preview Service ${p.svc} is gone: connections fail until it is back.`,
  'preview.reconnecting': (p: { detail: S }) =>
    `connection to the API server lost (${p.detail}); reconnecting… (forwarded connections go through it too)`,
  'preview.reconnected': () => `reconnected to the API server.`,
  'preview.stopped': (p: { url: S }) => `stopped forwarding ${p.url}.`,

  // ---- transport: kubeconfig checks, proxies, renewed credentials (kube/kubeconfig.ts, http.ts, auth.ts) ----
  'err.credentialsRejected': (p: { server: S; user: S; kind: S; name: S }) =>
    `the API server at ${p.server} rejected the credentials of user "${p.user}" (401 Unauthorized) even after they were renewed from ${
      p.kind === 'exec'
        ? `the credential plugin "${p.name}"`
        : p.kind === 'tokenFile'
          ? `the token file ${p.name}`
          : `the auth-provider "${p.name}"`
    }: credentials expired or rejected. Log in again (or ask whoever manages them whether they were revoked), then retry.`,
  'err.execInstallHint': (p: { hint: S }) => `Its install hint: ${p.hint}`,
  'err.insecureWithCa': (p: { cluster: S }) =>
    `the kubeconfig's cluster "${p.cluster}" names a certificate authority and also sets insecure-skip-tls-verify; kubectl refuses this too ("specifying a root certificates file with the insecure flag is not allowed"). Remove one of the two.`,
  'err.basicAuth': (p: { user: S }) =>
    `the kubeconfig's user "${p.user}" uses a username and password (basic authentication), which Kubernetes API servers no longer accept (removed in 1.19); the password is not sent. Use a token, a client certificate or a credential plugin.`,
  'err.kubeconfigField': (p: { kind: S; name: S; field: S; expected: S }) =>
    `the kubeconfig's ${p.kind} "${p.name}" has "${p.field}" of the wrong type: it must be ${
      (
        {
          string: 'a string',
          boolean: 'true or false',
          stringList: 'a list of strings',
          stringMap: 'a map of strings',
          stringListMap: 'a map of lists of strings',
          map: 'a map',
          envList: 'a list of {name, value}',
        } as Record<string, string>
      )[p.expected] ?? p.expected
    }. kubectl refuses it as well.`,
  'err.execConfig': (p: { user: S; problem: S; value: S }) =>
    `the kubeconfig's user "${p.user}" has an unusable exec credential plugin: ${
      (
        {
          noCommand: 'it names no command',
          noApiVersion: 'it names no apiVersion (client.authentication.k8s.io/v1 or v1beta1)',
          apiVersion: `apiVersion "${p.value}" is not supported (client.authentication.k8s.io/v1 or v1beta1)`,
          noInteractiveMode: 'with apiVersion client.authentication.k8s.io/v1 it must set interactiveMode (Never, IfAvailable or Always)',
          interactiveMode: `interactiveMode "${p.value}" is not Never, IfAvailable or Always`,
          envName: 'an env entry has no name',
          withAuthProvider: 'the user has an auth-provider as well; only one is allowed',
        } as Record<string, string>
      )[p.problem] ?? p.problem
    }.`,
  'err.impersonateWithoutUser': (p: { user: S }) =>
    `impersonation of a uid, groups or user-extra needs a user to impersonate as well (as, or --as) for user "${p.user}"; kubectl refuses this too.`,
  'err.certWithoutKey': (p: { user: S }) =>
    `the kubeconfig's user "${p.user}" has a client certificate but no client key (client-key or client-key-data).`,
  'err.tokenControl': (p: { from: S }) =>
    `the token from ${p.from} holds a line break or another control character, so it cannot be sent; fix the token.`,
  'err.continueLoop': () =>
    `the API server gave the same continue token twice while listing page by page, which would never end: check the API server (or a proxy in front of it), or list in one request (--chunk-size=0).`,
  'err.badProxyUrl': (p: { cluster: S; url: S; reason: S; schemes: S }) =>
    `the kubeconfig's cluster "${p.cluster}" has an invalid proxy-url "${p.url}": ${
      p.reason === 'scheme' ? `the scheme must be one of ${p.schemes}` : p.reason === 'host' ? 'it names no host' : 'it is not a URL'
    }.`,
  'err.proxyAuth': (p: { proxy: S; source: S; server: S; status: S; withCredentials: S }) =>
    `the proxy ${p.proxy} (from ${p.source}) on the way to ${p.server} ${
      p.withCredentials === 'yes'
        ? 'rejected the user and password in its URL'
        : 'requires authentication, and its URL has no user and password'
    } (${p.status === '407' ? '407 Proxy Authentication Required' : `${p.status} Unauthorized`}). Put the proxy's credentials in the URL (http://USER:PASSWORD@host:port), or check them.`,
  'err.proxyRefused': (p: { proxy: S; source: S; server: S; status: S }) =>
    `the proxy ${p.proxy} (from ${p.source}) refused to connect to ${p.server} (${p.status} Forbidden). Ask its administrators to allow the API server, or exempt it with NO_PROXY.`,
  'err.tlsMaterial': (p: { detail: S }) =>
    `the client certificate, its key or the certificate authority from the kubeconfig cannot be used (${p.detail}). Check client-certificate, client-key and certificate-authority (or their -data forms).`,
  'help.opt.asUid': () => 'UID to impersonate (with --as)',
  'help.opt.disableCompression': () => 'Do not ask the API server for compressed answers',
};

export type Catalog = typeof en;
