#!/usr/bin/env bash
# Installs Python MXCP (the reference implementation, from PyPI) once per machine into a virtual
# environment cached under ~/.cache keyed by version, for the benchmark's Python MXCP baseline
# (test/bench/python-mxcp.ts). Prints the `mxcp` executable's path as its last line; a no-op when
# it is already there. Exits non-zero with the reason on stderr when it cannot be installed
# (no python3, a Python older than mxcp's Requires-Python, no network to PyPI): the benchmark
# then skips the Python MXCP baseline and prints that reason. With --check-only it only
# reports whether it is installed.
set -euo pipefail

MXCP_PY_VERSION="${MXCP_PY_VERSION:-0.12.3}"
VENV="${MXCP_PY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mxcp-operator/python-mxcp-${MXCP_PY_VERSION}}"
BIN="$VENV/bin/mxcp"

if [[ -x "$BIN" ]] && "$VENV/bin/python" -c 'import mxcp' >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

if [[ "${1:-}" == "--check-only" ]]; then
  echo "mxcp ${MXCP_PY_VERSION} is not installed in $VENV (BENCH_PYTHON_MXCP=installed does not install it; run test/bench/python-mxcp.sh)" >&2
  exit 1
fi

PYTHON="${MXCP_PY_PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "no '$PYTHON' on PATH (Python MXCP needs Python 3 with its venv module)" >&2
  exit 1
fi

mkdir -p "$(dirname "$VENV")"
# Two runs at once would both create the venv: the second waits for the first.
exec 9>"$VENV.lock"
flock 9
if [[ ! -x "$BIN" ]]; then
  echo "Installing mxcp ${MXCP_PY_VERSION} from PyPI into $VENV ($("$PYTHON" --version 2>&1))…" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # mxcp asks for dbt-core>=1.6 with no upper bound; dbt-core 1.11 and later depend on
  # dbt-core-experimental-parser, whose sdist downloads its wheel from GitHub at build time,
  # which fails on machines that reach only PyPI. dbt-core 1.10 has no such dependency and
  # satisfies mxcp (the benchmark does not use dbt), so hold it there.
  printf 'dbt-core<1.11\n' >"$VENV.constraints.txt"
  # pip refuses a release whose Requires-Python excludes this interpreter (mxcp 0.12.3: >=3.10)
  # and says so: the log's last lines are the reason the benchmark prints.
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c "$VENV.constraints.txt" "mxcp==${MXCP_PY_VERSION}" >"$VENV.install.log" 2>&1; then
    tail -n 5 "$VENV.install.log" >&2
    rm -rf "$VENV"
    exit 1
  fi
fi
"$VENV/bin/python" -c 'import importlib.metadata as m; print("mxcp", m.version("mxcp"), "requires Python", m.metadata("mxcp")["Requires-Python"])' >&2
echo "$BIN"
