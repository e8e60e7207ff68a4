#!/usr/bin/env bash
# Runs the analyst notebooks headless: creates .venv if missing, installs the pinned
# requirements, runs configs/small.toml and configs/examples/psa_small.toml into
# target/nb/, and executes every notebook into target/nb/executed/ (the committed
# notebooks are never written). Fails on any cell error, and if a committed notebook
# carries outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r notebooks/requirements.txt

echo "--- committed notebooks carry no outputs"
.venv/bin/python notebooks/strip_outputs.py --check notebooks/*.ipynb

BIN=target/debug/caresim
if [ ! -x "$BIN" ]; then
  cargo build
fi
echo "--- results"
"$BIN" run configs/small.toml --out target/nb/small --force --threads 2 >target/nb-small.log
"$BIN" run configs/examples/psa_small.toml --out target/nb/psa_small --force --threads 2 >target/nb-psa.log

echo "--- notebooks"
rm -rf target/nb/executed target/nb/figures
export CARESIM_FIGURES="$PWD/target/nb/figures"
CARESIM_RESULTS="$PWD/target/nb/small" \
  .venv/bin/python notebooks/execute.py notebooks/01_quickstart.ipynb target/nb/executed/01_quickstart.ipynb
CARESIM_RESULTS="$PWD/target/nb/small" \
  .venv/bin/python notebooks/execute.py notebooks/02_tariff_vs_year_of_care.ipynb target/nb/executed/02_tariff_vs_year_of_care.ipynb
CARESIM_RESULTS="$PWD/target/nb/psa_small" \
  .venv/bin/python notebooks/execute.py notebooks/03_uncertainty.ipynb target/nb/executed/03_uncertainty.ipynb
echo "notebooks passed (executed copies in target/nb/executed, figures in target/nb/figures)"
