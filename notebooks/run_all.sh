#!/usr/bin/env bash
# Runs the analyst notebooks headless: sets up the pinned Python environment
# (notebooks/venv.sh: $CARESIM_VENV, default target/venv), installs the caresim Python
# package into it (python/develop.sh, built in place from this repository), and executes
# every notebook into $CARESIM_NB_OUT/executed/ (default target/nb; the committed
# notebooks are never written). Each notebook runs its own experiment
# (configs/small.toml, configs/examples/psa_small.toml) into $CARESIM_NB_OUT with the
# package. Fails on any cell error, and if a committed notebook carries outputs.
#
# No caresim binary is needed. The extension reuses the debug build of `cargo build`
# (CARESIM_PROFILE=release reuses `cargo build --release` instead).
# Nothing is written into the tracked tree: only under target/ or where the variables
# above point.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1

PY=$(bash notebooks/venv.sh)
bash python/develop.sh "$PY"

echo "--- committed notebooks carry no outputs"
"$PY" notebooks/strip_outputs.py --check notebooks/*.ipynb

OUT="${CARESIM_NB_OUT:-$PWD/target/nb}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

echo "--- notebooks (each runs its experiment afresh with the caresim package, into $OUT)"
rm -rf "$OUT/small" "$OUT/psa_small" "$OUT/executed" "$OUT/figures"
export CARESIM_THREADS=2
export CARESIM_FIGURES="$OUT/figures"
CARESIM_RESULTS="$OUT/small" \
  "$PY" notebooks/execute.py notebooks/01_quickstart.ipynb "$OUT/executed/01_quickstart.ipynb"
CARESIM_RESULTS="$OUT/small" \
  "$PY" notebooks/execute.py notebooks/02_tariff_vs_year_of_care.ipynb "$OUT/executed/02_tariff_vs_year_of_care.ipynb"
CARESIM_RESULTS="$OUT/psa_small" \
  "$PY" notebooks/execute.py notebooks/03_uncertainty.ipynb "$OUT/executed/03_uncertainty.ipynb"
echo "notebooks passed (executed copies in $OUT/executed, figures in $OUT/figures)"
