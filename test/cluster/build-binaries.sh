#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager, etcd) and the kubectl the
# install tests drive it with, from the Go module proxy with the ordinary go client, once per machine:
# binaries are cached under ~/.cache keyed by version, so only a missing binary is built.
# Prints the bin directory as its last line.
set -euo pipefail

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.6.16
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN_DIR="${MXCP_TEST_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxcp-operator/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}/bin}"

if ! command -v go >/dev/null 2>&1; then
  echo "The test control plane is built from Go modules, and no 'go' command was found." >&2
  echo "Install Go 1.26 or newer (https://go.dev/dl/ or your distribution's golang package) and run make again." >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
# Two runs at once (a test run and `make setup`) would both compile and write the same files: the
# second waits for the first and then finds the binaries built.
exec 9>"$BIN_DIR/.build.lock"
if ! flock -n 9; then
  echo "Another build of the test control plane is running; waiting for it…" >&2
  flock 9
fi
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"

build_k8s() {
  local missing=()
  for b in kube-apiserver kube-controller-manager kubectl; do
    [[ -x "$BIN_DIR/$b" ]] || missing+=("k8s.io/kubernetes/cmd/$b")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "Building ${missing[*]##*/} ${K8S_VERSION} from the Go module proxy (first run on this machine: 10-25 min)…" >&2
  (cd "$HERE/go/k8s" && CGO_ENABLED=0 go build -mod=mod -trimpath -p "$(nproc)" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor} -X k8s.io/component-base/version.gitTreeState=clean" \
    -o "$BIN_DIR/" "${missing[@]}")
}

build_etcd() {
  [[ -x "$BIN_DIR/etcd" ]] && return 0
  echo "Building etcd ${ETCD_VERSION} from the Go module proxy…" >&2
  (cd "$HERE/go/etcd" && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3)
}

build_etcd
build_k8s
echo "$BIN_DIR"
