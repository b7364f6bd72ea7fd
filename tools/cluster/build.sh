#!/usr/bin/env bash
# Builds the local control plane's binaries from Go modules (through the Go module proxy) into a cache
# outside the repository. Nothing built here is ever committed.
#
#   tools/cluster/build.sh [all|etcd|kube|argo|kwok ...]        build what is missing (default: all)
#   tools/cluster/build.sh env [components...]                  print NAME=path lines for built components
#
# Each component has its own cache directory keyed by its versions, the Go version and RECIPE_REV, so a
# version bump rebuilds only that component. A directory is complete when it holds `.complete`, written
# last; a build runs under flock so two builds at once never collide. Go's own module and build caches
# (~/go/pkg/mod, ~/.cache/go-build) make rebuilds after a bump incremental.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC1091
source "$HERE/versions.env"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
ROOT="${CLUSTER_TOOLS_CACHE:-$HOME/.cache/kubectl-bluegreen-e2e}"
mkdir -p "$ROOT"

log() { printf '[build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH; the real-cluster tests need Go >= 1.26 and the Go module proxy"
GOVER="$(go env GOVERSION)"
case "$GOVER" in go1.2[6-9]*|go1.[3-9][0-9]*) ;; *) die "Go $GOVER is too old: kwok $KWOK_VERSION needs Go >= 1.26" ;; esac

versions_of() {
  case "$1" in
    etcd) echo "etcd=$ETCD_VERSION" ;;
    kube) echo "k8s=$K8S_VERSION staging=$K8S_STAGING_VERSION" ;;
    argo) echo "argo=$ARGO_ROLLOUTS_VERSION commit=$ARGO_ROLLOUTS_COMMIT" ;;
    kwok) echo "kwok=$KWOK_VERSION" ;;
    *) die "unknown component: $1" ;;
  esac
}
dir_of() {
  local key
  key="$(printf '%s %s %s' "$GOVER" "$(versions_of "$1")" "$RECIPE_REV" | sha256sum | cut -c1-12)"
  echo "$ROOT/$1-$key"
}

modfield() { # modfield FIELD module@version  -> a field of `go mod download -json`
  go mod download -json "$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j[process.argv[1]])})' "$1"
}

build_etcd() { # $1 = output dir
  local w="$2"
  mkdir -p "$w/etcd" && cd "$w/etcd"
  printf 'module local/etcd-bin\n\ngo 1.25.0\n' > go.mod
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go build -ldflags "-s -w" -o "$1/bin/etcd" go.etcd.io/etcd/server/v3
  "$1/bin/etcd" --version
}

build_kube() {
  local w="$2" kmod m v ld
  mkdir -p "$w/kube" && cd "$w/kube"
  printf 'module local/kube-bins\n\ngo 1.24.0\n\ngodebug default=go1.24\n' > go.mod
  kmod="$(modfield GoMod "k8s.io/kubernetes@$K8S_VERSION")"
  local n=0
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$kmod"); do
    go mod edit -replace="$m=$m@$K8S_STAGING_VERSION"; n=$((n+1))
  done
  log "kube: $n staging modules replaced by $K8S_STAGING_VERSION"
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
         "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION"
  v="${K8S_VERSION#v}"
  ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=${v%%.*}"
  ld="$ld -X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
  ld="$ld -X k8s.io/component-base/version.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=${v%%.*}"
  ld="$ld -X k8s.io/client-go/pkg/version.gitMinor=$(echo "$v" | cut -d. -f2)"
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    log "kube: go build $c"
    go build -ldflags "$ld" -o "$1/bin/$c" "k8s.io/kubernetes/cmd/$c"
  done
  "$1/bin/kube-apiserver" --version
}

build_argo() {
  local w="$2" adir p ald
  adir="$(modfield Dir "github.com/argoproj/argo-rollouts@$ARGO_ROLLOUTS_VERSION")"
  cp -r "$adir" "$w/argo" && chmod -R u+w "$w/argo" && cd "$w/argo"
  p=github.com/argoproj/argo-rollouts/utils/version
  ald="-s -w -X $p.version=${ARGO_ROLLOUTS_VERSION#v} -X $p.gitTag=$ARGO_ROLLOUTS_VERSION -X $p.gitTreeState=clean"
  ald="$ald -X $p.gitCommit=$ARGO_ROLLOUTS_COMMIT -X $p.buildDate=$(date -u +%FT%TZ)"
  log "argo: go build rollouts-controller"
  go build -ldflags "$ald" -o "$1/bin/rollouts-controller" ./cmd/rollouts-controller
  log "argo: go build kubectl-argo-rollouts"
  go build -ldflags "$ald" -o "$1/bin/kubectl-argo-rollouts" ./cmd/kubectl-argo-rollouts
  mkdir -p "$1/crds" && cp manifests/crds/*-crd.yaml "$1/crds/"
  "$1/bin/kubectl-argo-rollouts" version --short 2>/dev/null || "$1/bin/kubectl-argo-rollouts" version
}

build_kwok() {
  local kdir
  GOBIN="$1/bin" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  kdir="$(modfield Dir "sigs.k8s.io/kwok@$KWOK_VERSION")"
  { cat "$kdir/kustomize/stage/node/fast/node-initialize.yaml"; echo '---'
    cat "$kdir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml"; echo '---'
    cat "$kdir/kustomize/stage/pod/fast/pod-ready.yaml"; echo '---'
    cat "$kdir/kustomize/stage/pod/fast/pod-complete.yaml"; echo '---'
    cat "$kdir/kustomize/stage/pod/fast/pod-delete.yaml"; } > "$1/kwok-stages.yaml"
  "$1/bin/kwok" --version 2>/dev/null || true
}

build_one() {
  local c="$1" out tmp start
  out="$(dir_of "$c")"
  [ -f "$out/.complete" ] && { log "$c: cached in $out"; return 0; }
  exec 9>"$ROOT/.build-$c.lock"
  log "$c: waiting for the build lock" ; flock 9
  [ -f "$out/.complete" ] && { log "$c: built by another process in $out"; exec 9>&-; return 0; }
  tmp="$(mktemp -d "$ROOT/build-$c.XXXXXX")"
  mkdir -p "$tmp/out/bin"
  start=$(date +%s)
  log "$c: building $(versions_of "$c") with $GOVER (cold builds take minutes; log: $tmp/build.log)"
  local rc
  set +e; ( set -eo pipefail; "build_$c" "$tmp/out" "$tmp" ) > "$tmp/build.log" 2>&1; rc=$?; set -e
  if [ "$rc" -ne 0 ]; then
    tail -40 "$tmp/build.log" >&2
    exec 9>&-
    die "$c: build failed; full log in $tmp/build.log"
  fi
  echo "$(versions_of "$c") go=$GOVER seconds=$(( $(date +%s) - start ))" > "$tmp/out/BUILDINFO"
  cp "$tmp/build.log" "$tmp/out/build.log"
  rm -rf "$out"; mv "$tmp/out" "$out"; touch "$out/.complete"
  # the scratch copy of module sources is large; only the output dir is kept
  chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"
  exec 9>&-
  log "$c: done in $(( $(date +%s) - start )) s -> $out"
}

print_env() {
  local c d
  for c in "$@"; do
    d="$(dir_of "$c")"
    [ -f "$d/.complete" ] || die "$c is not built; run tools/cluster/build.sh $c"
    case "$c" in
      etcd) echo "ETCD_BIN=$d/bin/etcd" ;;
      kube) echo "KUBE_APISERVER_BIN=$d/bin/kube-apiserver"; echo "KUBE_CONTROLLER_MANAGER_BIN=$d/bin/kube-controller-manager"
            echo "KUBE_SCHEDULER_BIN=$d/bin/kube-scheduler"; echo "KUBECTL_BIN=$d/bin/kubectl" ;;
      argo) echo "ROLLOUTS_CONTROLLER_BIN=$d/bin/rollouts-controller"; echo "KUBECTL_ARGO_ROLLOUTS_BIN=$d/bin/kubectl-argo-rollouts"
            echo "ROLLOUTS_CRDS_DIR=$d/crds" ;;
      kwok) echo "KWOK_BIN=$d/bin/kwok"; echo "KWOK_STAGES=$d/kwok-stages.yaml" ;;
    esac
  done
}

DEFAULT=(etcd kube argo kwok)
if [ "${1:-}" = env ]; then
  shift; [ $# -gt 0 ] || set -- "${DEFAULT[@]}"; print_env "$@"; exit 0
fi
[ $# -gt 0 ] && [ "$1" != all ] || set -- "${DEFAULT[@]}"
for c in "$@"; do build_one "$c"; done
