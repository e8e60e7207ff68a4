#!/usr/bin/env bash
# Builds the caresim Python package from this repository into an existing virtual
# environment, in place (maturin develop), with the pinned build and test tools:
#
#     bash python/develop.sh VENV_PYTHON
#
# The extension is a member of the repository's Cargo workspace: it shares target/ and
# Cargo.lock, so it reuses the compiled polars of `cargo build` (the debug profile by
# default; CARESIM_PROFILE=release reuses `cargo build --release`). Users install with
# `pip install ./python` instead (a release build, no venv needed).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:?usage: bash python/develop.sh VENV_PYTHON}"
VENV="$(cd "$(dirname "$PY")/.." && pwd)"
"$PY" -m pip install -q --disable-pip-version-check -r python/requirements-dev.txt >&2
flags=()
case "${CARESIM_PROFILE:-debug}" in
  debug) ;;
  release) flags+=(--release) ;;
  *) echo "CARESIM_PROFILE must be debug or release" >&2; exit 2 ;;
esac
VIRTUAL_ENV="$VENV" "$VENV/bin/maturin" develop --quiet -m python/Cargo.toml "${flags[@]}" >&2
"$PY" -c "import caresim; print('caresim', caresim.__version__, 'installed in', '$VENV')" >&2
