#!/usr/bin/env bash
# Runs the analyst notebooks headless: sets up the pinned Python environment
# (notebooks/venv.sh: $CARESIM_VENV, default target/venv), runs configs/small.toml and
# configs/examples/psa_small.toml into $CARESIM_NB_OUT (default target/nb), and executes
# every notebook into $CARESIM_NB_OUT/executed/ (the committed notebooks are never
# written). Fails on any cell error, and if a committed notebook carries outputs.
#
# The caresim binary: $CARESIM when set; else target/release/caresim when it exists;
# else a release build is made first (`cargo build --release`). No debug build is needed.
# Nothing is written into the tracked tree: only under target/ or where the variables
# above point.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1

PY=$(bash notebooks/venv.sh)

echo "--- committed notebooks carry no outputs"
"$PY" notebooks/strip_outputs.py --check notebooks/*.ipynb

if [ -n "${CARESIM:-}" ]; then
  BIN="$CARESIM"
elif [ -x target/release/caresim ]; then
  BIN=target/release/caresim
else
  cargo build --release
  BIN=target/release/caresim
fi
[ -x "$BIN" ] || { echo "run_all.sh: $BIN is not an executable caresim" >&2; exit 1; }
OUT="${CARESIM_NB_OUT:-$PWD/target/nb}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

echo "--- results ($BIN into $OUT)"
"$BIN" run configs/small.toml --out "$OUT/small" --force --threads 2 >"$OUT/small.log"
"$BIN" run configs/examples/psa_small.toml --out "$OUT/psa_small" --force --threads 2 >"$OUT/psa.log"

echo "--- notebooks"
rm -rf "$OUT/executed" "$OUT/figures"
export CARESIM_FIGURES="$OUT/figures"
CARESIM_RESULTS="$OUT/small" \
  "$PY" notebooks/execute.py notebooks/01_quickstart.ipynb "$OUT/executed/01_quickstart.ipynb"
CARESIM_RESULTS="$OUT/small" \
  "$PY" notebooks/execute.py notebooks/02_tariff_vs_year_of_care.ipynb "$OUT/executed/02_tariff_vs_year_of_care.ipynb"
CARESIM_RESULTS="$OUT/psa_small" \
  "$PY" notebooks/execute.py notebooks/03_uncertainty.ipynb "$OUT/executed/03_uncertainty.ipynb"
echo "notebooks passed (executed copies in $OUT/executed, figures in $OUT/figures)"
