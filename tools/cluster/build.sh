#!/usr/bin/env bash
# Builds the local control plane's binaries from Go modules (through the Go module proxy) into a cache
# outside the repository. Nothing built here is ever committed.
#
#   tools/cluster/build.sh [all|etcd|kube|argo|kwok ...]        build what is missing (default: all)
#   tools/cluster/build.sh env [components...]                  print NAME=value lines for built components
#   tools/cluster/build.sh versions                             print the versions a run would use
#   tools/cluster/build.sh resolve                              ... with toolchain and cache directory
#
# Versions: tools/cluster/versions.env holds the defaults; ARGO_ROLLOUTS_VERSION and KUBERNETES_VERSION in
# the environment override them (`v1.35.4`, or `v1.35.x`/`v1.35` for the newest patch the Go module proxy
# lists; pre-releases are never picked by a pattern).
#
# Go toolchain per component: GOTOOLCHAIN=local, unless the module's go.mod needs a newer Go than the local
# one (Argo Rollouts >= v1.9.3: `go 1.26.10`); then GO_TOOLCHAIN_NEWER (fetched by the go command from the
# module proxy). The toolchain's version is part of the cache key.
#
# Each component has its own cache directory keyed by its versions, the Go version and RECIPE_REV, so a
# version change rebuilds only that component. A directory is complete when it holds `.complete`, written
# last; a build runs under flock (one lock per component) so two builds at once never collide. Go's own module and build caches
# (~/go/pkg/mod, ~/.cache/go-build) make rebuilds after a bump incremental.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WANT_ARGO="${ARGO_ROLLOUTS_VERSION:-}"
WANT_K8S="${KUBERNETES_VERSION:-}"
# shellcheck disable=SC1091
source "$HERE/versions.env"
[ -z "$WANT_ARGO" ] || ARGO_ROLLOUTS_VERSION="$WANT_ARGO"
[ -z "$WANT_K8S" ] || KUBERNETES_VERSION="$WANT_K8S"

export CGO_ENABLED=0 GOFLAGS=-trimpath
ROOT="${CLUSTER_TOOLS_CACHE:-$HOME/.cache/kubectl-bluegreen-e2e}"
mkdir -p "$ROOT"

log() { printf '[build %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v go >/dev/null || die "go is not on PATH; the real-cluster tests need Go >= 1.26 and the Go module proxy"
LOCAL_GOVER="$(GOTOOLCHAIN=local go env GOVERSION)"
case "$LOCAL_GOVER" in go1.2[6-9]*|go1.[3-9][0-9]*) ;; *) die "Go $LOCAL_GOVER is too old: kwok $KWOK_VERSION needs Go >= 1.26" ;; esac

jsonfield() { # jsonfield FIELD < json  (prints "" when absent)
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const v=j[process.argv[1]];console.log(v===undefined?"":v)})' "$1"
}

# resolve_version MODULE SPEC -> an exact version: SPEC itself when exact, else the newest release of the
# minor it names (vX.Y.x or vX.Y) from `go list -m -versions`.
resolve_version() {
  local mod="$1" spec="$2" prefix v
  case "$spec" in
    v[0-9]*.[0-9]*.[0-9]*) [[ "$spec" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "bad version $spec"; echo "$spec"; return ;;
    v[0-9]*.[0-9]*.x) prefix="${spec%x}" ;;
    v[0-9]*.[0-9]*) prefix="$spec." ;;
    *) die "bad version $spec for $mod: expected vX.Y.Z, vX.Y.x or vX.Y" ;;
  esac
  [[ "$prefix" =~ ^v[0-9]+\.[0-9]+\.$ ]] || die "bad version $spec for $mod"
  v="$(GOTOOLCHAIN=local GOFLAGS= go list -m -versions "$mod" | tr ' ' '\n' | grep -E "^${prefix//./\\.}[0-9]+$" | sort -V | tail -1)" ||
    die "no release of $mod matches $spec (go list -m -versions $mod)"
  [ -n "$v" ] || die "no release of $mod matches $spec"
  echo "$v"
}

KUBERNETES_VERSION="$(resolve_version k8s.io/kubernetes "$KUBERNETES_VERSION")"
ARGO_ROLLOUTS_VERSION="$(resolve_version github.com/argoproj/argo-rollouts "$ARGO_ROLLOUTS_VERSION")"
# The staging modules (k8s.io/api, client-go, ...) of Kubernetes v1.X.Y are tagged v0.X.Y.
K8S_STAGING_VERSION="v0.${KUBERNETES_VERSION#v1.}"
ARGO_ROLLOUTS_COMMIT="unknown"
for kv in ${ARGO_ROLLOUTS_COMMITS//,/ }; do
  [ "${kv%%=*}" = "$ARGO_ROLLOUTS_VERSION" ] && ARGO_ROLLOUTS_COMMIT="${kv#*=}"
done

module_of() {
  case "$1" in
    etcd) echo "go.etcd.io/etcd/server/v3@$ETCD_VERSION" ;;
    kube) echo "k8s.io/kubernetes@$KUBERNETES_VERSION" ;;
    argo) echo "github.com/argoproj/argo-rollouts@$ARGO_ROLLOUTS_VERSION" ;;
    kwok) echo "sigs.k8s.io/kwok@$KWOK_VERSION" ;;
    *) die "unknown component: $1" ;;
  esac
}

versions_of() {
  case "$1" in
    etcd) echo "etcd=$ETCD_VERSION" ;;
    kube) echo "k8s=$KUBERNETES_VERSION staging=$K8S_STAGING_VERSION" ;;
    argo) echo "argo=$ARGO_ROLLOUTS_VERSION commit=$ARGO_ROLLOUTS_COMMIT" ;;
    kwok) echo "kwok=$KWOK_VERSION" ;;
    *) die "unknown component: $1" ;;
  esac
}

vernum() { # go1.26.10 / 1.26.10 / 1.26 -> a sortable number
  local v="${1#go}" a b c
  IFS=. read -r a b c <<<"$v"
  echo $(( ${a:-0} * 1000000 + ${b:-0} * 1000 + ${c:-0} ))
}

# toolchain_for COMPONENT -> "local", or GO_TOOLCHAIN_NEWER when the module's `go` line needs more than the
# local Go.
toolchain_for() {
  local gomod need mod memo
  mod="$(module_of "$1")"
  # A released module's go line never changes: remembered, so that a warm start asks nothing.
  memo="$ROOT/.go-lines/${mod//\//_}"
  if [ -f "$memo" ]; then
    need="$(cat "$memo")"
  else
    # With GOTOOLCHAIN=local the go command refuses a module that needs a newer Go, but names its go.mod.
    gomod="$({ GOTOOLCHAIN=local GOFLAGS= go mod download -json "$mod" || true; } | jsonfield GoMod)"
    [ -f "$gomod" ] || die "could not download the go.mod of $mod through the Go module proxy"
    need="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod" | head -1)"
    mkdir -p "$ROOT/.go-lines" && echo "$need" > "$memo.$$" && mv "$memo.$$" "$memo"
  fi
  if [ -n "$need" ] && [ "$(vernum "$need")" -gt "$(vernum "$LOCAL_GOVER")" ]; then
    [ "$(vernum "$GO_TOOLCHAIN_NEWER")" -ge "$(vernum "$need")" ] ||
      die "$(module_of "$1") needs Go >= $need; GO_TOOLCHAIN_NEWER=$GO_TOOLCHAIN_NEWER is older"
    echo "$GO_TOOLCHAIN_NEWER"
  else
    echo local
  fi
}

# use_toolchain COMPONENT: exports GOTOOLCHAIN and sets GOVER for that component.
use_toolchain() {
  GOTOOLCHAIN="$(toolchain_for "$1")"
  export GOTOOLCHAIN
  if [ "$GOTOOLCHAIN" = local ]; then GOVER="$LOCAL_GOVER"; else GOVER="$(go env GOVERSION)"; fi
  [ -n "$GOVER" ] || die "could not run Go toolchain $GOTOOLCHAIN"
}

dir_of() { # needs use_toolchain first
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
  kmod="$(modfield GoMod "k8s.io/kubernetes@$KUBERNETES_VERSION")"
  # The same language version and GODEBUG defaults as Kubernetes' own go.mod (v1.34: go 1.24.0, default=go1.24).
  { printf 'module local/kube-bins\n\n'; grep -E '^go [0-9.]+$' "$kmod"; echo; grep -E '^godebug ' "$kmod" || true; } > go.mod
  local n=0
  local sv
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$kmod"); do
    sv="$K8S_STAGING_VERSION"
    # The module proxy does not serve every staging module at every patch (k8s.io/endpointslice@v0.32.13
    # answers 403 "not available"): then the newest patch of the same minor it does serve.
    if { go mod download -json "$m@$sv" || true; } | grep -q '"Error"'; then
      sv="$({ go list -m -versions "$m" 2>/dev/null || true; } | tr ' ' '\n' | { grep -E "^${K8S_STAGING_VERSION%.*}\.[0-9]+$" || true; } | sort -V | tail -1)"
      if [ -z "$sv" ]; then
        # Not served at all (the sample-* modules): harmless unless a binary imports it (go get would say so).
        sv="$K8S_STAGING_VERSION"
      else
        log "kube: $m@$K8S_STAGING_VERSION is not served by the Go module proxy; using $m@$sv"
      fi
    fi
    go mod edit -replace="$m=$m@$sv"; n=$((n+1))
  done
  log "kube: $n staging modules replaced by $K8S_STAGING_VERSION"
  go mod edit -require="k8s.io/kubernetes@$KUBERNETES_VERSION"
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBERNETES_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$KUBERNETES_VERSION" \
         "k8s.io/kubernetes/cmd/kube-scheduler@$KUBERNETES_VERSION" "k8s.io/kubernetes/cmd/kubectl@$KUBERNETES_VERSION"
  v="${KUBERNETES_VERSION#v}"
  ld="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=${v%%.*}"
  ld="$ld -X k8s.io/component-base/version.gitMinor=$(echo "$v" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
  ld="$ld -X k8s.io/component-base/version.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitMajor=${v%%.*}"
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
  argo_install_yaml "$w/argo" "$1/install.yaml"
  "$1/bin/kubectl-argo-rollouts" version --short 2>/dev/null || "$1/bin/kubectl-argo-rollouts" version
}

# argo_install_yaml MODULE_DIR OUT: the release's manifests/install.yaml as the release publishes it. The
# release workflow runs `make manifests IMAGE_TAG=<tag>`, which only sets the controller image
# (quay.io/argoproj/argo-rollouts:latest in the source tree) to the tag.
argo_install_yaml() {
  local tmp="$2.tmp.$$"
  grep -q 'image: quay.io/argoproj/argo-rollouts:latest$' "$1/manifests/install.yaml" ||
    die "argo: $1/manifests/install.yaml does not name quay.io/argoproj/argo-rollouts:latest"
  sed "s#image: quay.io/argoproj/argo-rollouts:latest\$#image: quay.io/argoproj/argo-rollouts:$ARGO_ROLLOUTS_VERSION#" \
    "$1/manifests/install.yaml" > "$tmp" && mv "$tmp" "$2"
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
  use_toolchain "$c"
  out="$(dir_of "$c")"
  [ -f "$out/.complete" ] && { log "$c: cached in $out"; return 0; }
  # One lock per component (as before versions could be chosen, so that an older build.sh and this one
  # never build the same directory at once); the .complete check below makes a waiting build a no-op.
  exec 9>"$ROOT/.build-$c.lock"
  log "$c: waiting for the build lock" ; flock 9
  [ -f "$out/.complete" ] && { log "$c: built by another process in $out"; exec 9>&-; return 0; }
  tmp="$(mktemp -d "$ROOT/build-$c.XXXXXX")"
  mkdir -p "$tmp/out/bin"
  start=$(date +%s)
  log "$c: building $(versions_of "$c") with $GOVER (GOTOOLCHAIN=$GOTOOLCHAIN; cold builds take minutes; log: $tmp/build.log)"
  local rc
  set +e; ( set -eo pipefail; "build_$c" "$tmp/out" "$tmp" ) > "$tmp/build.log" 2>&1; rc=$?; set -e
  if [ "$rc" -ne 0 ]; then
    tail -40 "$tmp/build.log" >&2
    exec 9>&-
    die "$c: build failed; full log in $tmp/build.log"
  fi
  echo "$(versions_of "$c") go=$GOVER gotoolchain=$GOTOOLCHAIN seconds=$(( $(date +%s) - start ))" > "$tmp/out/BUILDINFO"
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
    use_toolchain "$c"
    d="$(dir_of "$c")"
    [ -f "$d/.complete" ] || die "$c ($(versions_of "$c"), $GOVER) is not built; run tools/cluster/build.sh $c"
    case "$c" in
      etcd) echo "ETCD_BIN=$d/bin/etcd"; echo "VERSION_ETCD=$ETCD_VERSION" ;;
      kube) echo "KUBE_APISERVER_BIN=$d/bin/kube-apiserver"; echo "KUBE_CONTROLLER_MANAGER_BIN=$d/bin/kube-controller-manager"
            echo "KUBE_SCHEDULER_BIN=$d/bin/kube-scheduler"; echo "KUBECTL_BIN=$d/bin/kubectl"
            echo "VERSION_KUBERNETES=$KUBERNETES_VERSION"; echo "GO_KUBERNETES=$GOVER" ;;
      argo) # Builds cached before install.yaml was kept get it now from the module cache.
            [ -f "$d/install.yaml" ] || argo_install_yaml "$(modfield Dir "$(module_of argo)")" "$d/install.yaml"
            echo "ROLLOUTS_CONTROLLER_BIN=$d/bin/rollouts-controller"; echo "KUBECTL_ARGO_ROLLOUTS_BIN=$d/bin/kubectl-argo-rollouts"
            echo "ROLLOUTS_CRDS_DIR=$d/crds"; echo "ROLLOUTS_INSTALL_YAML=$d/install.yaml"
            echo "VERSION_ARGO_ROLLOUTS=$ARGO_ROLLOUTS_VERSION"; echo "GO_ARGO_ROLLOUTS=$GOVER" ;;
      kwok) echo "KWOK_BIN=$d/bin/kwok"; echo "KWOK_STAGES=$d/kwok-stages.yaml"; echo "VERSION_KWOK=$KWOK_VERSION" ;;
    esac
  done
}

DEFAULT=(etcd kube argo kwok)
if [ "${1:-}" = env ]; then
  shift; [ $# -gt 0 ] || set -- "${DEFAULT[@]}"; print_env "$@"; exit 0
fi
if [ "${1:-}" = versions ]; then
  echo "KUBERNETES_VERSION=$KUBERNETES_VERSION"; echo "ARGO_ROLLOUTS_VERSION=$ARGO_ROLLOUTS_VERSION"
  echo "ETCD_VERSION=$ETCD_VERSION"; echo "KWOK_VERSION=$KWOK_VERSION"
  exit 0
fi
if [ "${1:-}" = resolve ]; then
  for c in "${DEFAULT[@]}"; do use_toolchain "$c"; echo "$c: $(versions_of "$c") go=$GOVER -> $(dir_of "$c")"; done
  exit 0
fi
[ $# -gt 0 ] && [ "$1" != all ] || set -- "${DEFAULT[@]}"
for c in "$@"; do build_one "$c"; done
