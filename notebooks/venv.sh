#!/usr/bin/env bash
# Creates (if missing) the Python environment of the notebooks and the output reader
# test, installs the pinned notebooks/requirements.txt into it, and prints the path of
# its python on stdout (everything else goes to stderr):
#
#     PY=$(bash notebooks/venv.sh)
#
# The environment lives in $CARESIM_VENV, by default target/venv (under the build
# folder, so nothing is written into the tracked tree).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${CARESIM_VENV:-$PWD/target/venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" >&2
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r notebooks/requirements.txt >&2
echo "$VENV/bin/python"
