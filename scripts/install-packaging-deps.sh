#!/usr/bin/env bash
# Installs what `npm run package`, `npm run test:package` and `scripts/bench-startup.ts` need on a fresh
# Debian/Ubuntu machine. Idempotent: installs only the missing packages, uses sudo only when not root.
#
#   qemu-user-static + arm64 cross libraries  run the linux/arm64 executable on an x86-64 host
#   hyperfine                                  the start-up benchmark (optional; it has a fallback loop)
#
# Go is needed too: >= 1.25 to build krew v0.5.0, validate-krew-manifest and the Mach-O signer (quill)
# from the Go module proxy, >= 1.26 if kubectl has to be built (tools/cluster/build.sh kube). Debian's Go
# is too old; CI installs it with its own setup step (e.g. actions/setup-go). This script only checks.
# git is used by the krew tests (a local plugin index is a git checkout).
set -euo pipefail

log() { printf '[packaging-deps] %s\n' "$*" >&2; }

PACKAGES=(ca-certificates tar git qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libatomic1-arm64-cross hyperfine)

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all Debian packages present"
else
  command -v apt-get >/dev/null || { log "error: apt-get not found; install by hand: ${missing[*]}"; exit 1; }
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "error: not root and no sudo; install: ${missing[*]}"; exit 1; }
    SUDO=(sudo)
  fi
  log "installing: ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v qemu-aarch64-static >/dev/null || { log "error: qemu-aarch64-static missing after install"; exit 1; }

if ! command -v go >/dev/null; then
  log "error: go is not on PATH; install Go >= 1.25 (krew v0.5.0 needs it), e.g. with actions/setup-go"
  exit 1
fi
gover="$(go env GOVERSION)"
case "$gover" in
  go1.2[5-9]*|go1.[3-9][0-9]*) log "go: $gover" ;;
  *) log "error: $gover is too old; need Go >= 1.25"; exit 1 ;;
esac
