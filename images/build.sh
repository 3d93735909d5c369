#!/usr/bin/env bash
# `make images`: builds the worker and operator images from the repository root with Docker (or
# any client with the same `build` command: DOCKER=podman), tagged with the package version:
#   ${IMAGE_REGISTRY}/mxcp-worker:<version>    from worker/Dockerfile
#   ${IMAGE_REGISTRY}/mxcp-operator:<version>  from operator/Dockerfile
# IMAGE_REGISTRY defaults to ghcr.io/mxcp-operator, the names config/manager/manager.yaml and the
# Helm chart pull. `--dry-run` prints the commands instead of running them (no Docker needed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKER="${DOCKER:-docker}"
REGISTRY="${IMAGE_REGISTRY:-ghcr.io/mxcp-operator}"
VERSION="$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$ROOT/package.json")"
if [[ -z "$VERSION" ]]; then
  echo "Could not read the version from $ROOT/package.json." >&2
  exit 1
fi

commands=(
  "build -f worker/Dockerfile --build-arg VERSION=$VERSION -t $REGISTRY/mxcp-worker:$VERSION ."
  "build -f operator/Dockerfile --build-arg VERSION=$VERSION -t $REGISTRY/mxcp-operator:$VERSION ."
)

if [[ "${1:-}" == "--dry-run" ]]; then
  for c in "${commands[@]}"; do echo "$DOCKER $c"; done
  exit 0
fi

if ! command -v "$DOCKER" >/dev/null 2>&1; then
  echo "make images needs Docker (or another image builder: DOCKER=podman make images), and no '$DOCKER' command was found." >&2
  echo "Install Docker Engine with BuildKit (https://docs.docker.com/engine/install/) and run make images again;" >&2
  echo "'images/build.sh --dry-run' prints the build commands." >&2
  exit 1
fi
if ! "$DOCKER" info >/dev/null 2>&1; then
  echo "make images found '$DOCKER', but no engine answered '$DOCKER info' (is the daemon running, may this user use it?)." >&2
  echo "Start Docker (or pick another builder: DOCKER=podman make images) and run make images again." >&2
  exit 1
fi

cd "$ROOT"
for c in "${commands[@]}"; do
  echo "+ $DOCKER $c" >&2
  # shellcheck disable=SC2086 # the command words are ours, without spaces inside them
  "$DOCKER" $c
done
echo "Built $REGISTRY/mxcp-worker:$VERSION and $REGISTRY/mxcp-operator:$VERSION"
