#!/usr/bin/env bash
# Runs the analyst notebooks headless: creates .venv if missing, installs the pinned
# requirements and the caresim Python package (python/develop.sh, built in place), and
# executes every notebook into target/nb/executed/ (the committed notebooks are never
# written); each notebook runs its experiment (configs/small.toml,
# configs/examples/psa_small.toml) into target/nb/ with the package. Fails on any cell
# error, and if a committed notebook carries outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r notebooks/requirements.txt
bash python/develop.sh .venv/bin/python

echo "--- committed notebooks carry no outputs"
.venv/bin/python notebooks/strip_outputs.py --check notebooks/*.ipynb

echo "--- notebooks (each runs its experiment afresh with the caresim package)"
rm -rf target/nb/small target/nb/psa_small target/nb/executed target/nb/figures
export CARESIM_THREADS=2
export CARESIM_FIGURES="$PWD/target/nb/figures"
CARESIM_RESULTS="$PWD/target/nb/small" \
  .venv/bin/python notebooks/execute.py notebooks/01_quickstart.ipynb target/nb/executed/01_quickstart.ipynb
CARESIM_RESULTS="$PWD/target/nb/small" \
  .venv/bin/python notebooks/execute.py notebooks/02_tariff_vs_year_of_care.ipynb target/nb/executed/02_tariff_vs_year_of_care.ipynb
CARESIM_RESULTS="$PWD/target/nb/psa_small" \
  .venv/bin/python notebooks/execute.py notebooks/03_uncertainty.ipynb target/nb/executed/03_uncertainty.ipynb
echo "notebooks passed (executed copies in target/nb/executed, figures in target/nb/figures)"
