#!/usr/bin/env bash
# Times one replication of the default area (configs/default.toml: 275,000 people) for
# one simulated year through the command line, config loading and Parquet output
# included, single-threaded: once without [payment] (the simulation and its tables) and
# once with it (adding the two calibration pilot runs and the settlement, a fixed cost
# per experiment). Prints user and wall seconds and peak RSS of each repeat.
#
#   scripts/area_year_timing.sh [REPEATS]       (default 3)
#
# CARGO_TARGET_DIR is honoured; outputs go to a temporary folder that is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS="${1:-3}"
cargo build --quiet --release
BIN="${CARGO_TARGET_DIR:-target}/release/caresim"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The default config without its [payment] tables and the scenarios that follow them.
awk '/^\[payment/ { exit } { print }' configs/default.toml >"$tmp/area_no_payment.toml"
grep -q '^\[cohort' "$tmp/area_no_payment.toml" || { echo "unexpected layout of configs/default.toml" >&2; exit 2; }
# The default config with [payment], without its scenarios (the baseline alone).
awk '/^\[\[scenarios\]\]/ { exit } { print }' configs/default.toml >"$tmp/area_with_payment.toml"
printf '%-22s %8s %8s %10s\n' config user_s wall_s peak_MiB
for r in $(seq "$REPEATS"); do
  for cfg in area_no_payment area_with_payment; do
    /usr/bin/time -f '%U %e %M' -o "$tmp/time" "$BIN" run "$tmp/$cfg.toml" --out "$tmp/out-$cfg-$r" --force \
      --threads 1 --replications 1 --set horizon_days=365 --set warmup_days=0 >/dev/null 2>"$tmp/log" ||
      { cat "$tmp/log" >&2; exit 1; }
    read -r user wall kb <"$tmp/time"
    awk -v c="$cfg" -v u="$user" -v w="$wall" -v k="$kb" 'BEGIN { printf "%-22s %8s %8s %10.1f\n", c, u, w, k / 1024 }'
    rm -rf "$tmp/out-$cfg-$r"
  done
done
