#!/usr/bin/env bash
# Builds the `helm` CLI the chart tests drive, from the Go module proxy with the ordinary go client
# (go/helm/go.mod pins helm.sh/helm/v4 and go.sum records its dependencies), once per machine: the
# binary is cached under ~/.cache keyed by version, so a second run only prints the directory.
# Prints the bin directory as its last line.
set -euo pipefail

HELM_VERSION=v4.3.1
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN_DIR="${MXCP_TEST_HELM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxcp-operator/helm-${HELM_VERSION}/bin}"

if [[ -x "$BIN_DIR/helm" ]]; then
  echo "$BIN_DIR"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "The chart tests build helm from Go modules, and no 'go' command was found." >&2
  echo "Install Go 1.26 or newer (https://go.dev/dl/ or your distribution's golang package) and run make again." >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
# Two runs at once (two test workers, or a test run and `make helm`) would both compile: the second
# waits for the first and then finds the binary built.
exec 9>"$BIN_DIR/.build.lock"
if ! flock -n 9; then
  echo "Another build of helm is running; waiting for it…" >&2
  flock 9
fi

if [[ ! -x "$BIN_DIR/helm" ]]; then
  echo "Building helm ${HELM_VERSION} from the Go module proxy (first run on this machine: 3-10 min)…" >&2
  # -p 1: the machine is shared; the build is once per machine, so slower and gentler is the right trade.
  # Write to a temporary name and rename, so an interrupted build never leaves a half-written binary
  # that the check above would take for a finished one.
  (cd "$HERE/go/helm" && CGO_ENABLED=0 go build -mod=mod -trimpath -p 1 \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v4/internal/version.metadata= -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
    -o "$BIN_DIR/helm.partial" helm.sh/helm/v4/cmd/helm)
  mv "$BIN_DIR/helm.partial" "$BIN_DIR/helm"
fi
echo "$BIN_DIR"
