#!/usr/bin/env bash
# Output fingerprint: runs a caresim binary on every shipped config, at 1 and 2 threads,
# and prints a sorted sha256 list of every file it wrote and of everything it printed on
# standard output. Two binaries whose lists are equal produced byte-identical outputs, so
# a restructure that should change nothing can be checked with:
#
#   scripts/output_hashes.sh target/debug/caresim >before.sha256     # on the old commit
#   scripts/output_hashes.sh target/debug/caresim | diff before.sha256 -
#
# Slow configs run shortened (fewer replications, a shorter horizon, a smaller
# population); the point is that every code path a shipped config reaches runs, not the
# published numbers. Standard error (timings, progress) is not compared. Nothing written
# carries a path or a time except the manifest's `source`, which is the config path as
# given here (relative to the repository root), the same for every binary.
#
# Also: the `episodes` and `events` tables of the small configs, a sharded run of
# small.toml merged, and the `validate`, `warmup` and `calibrate` subcommands' reports.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:?usage: scripts/output_hashes.sh PATH/TO/caresim}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "not executable: $BIN" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# config -> extra arguments that keep it quick (the validation configs are long runs of
# small models; the default area is 275,000 people over two years).
declare -A args=(
  [configs/default.toml]="--replications 2 --set horizon_days=400 --set cohort.population.size=60000"
  [configs/small.toml]="--replications 2 --set horizon_days=400 --episodes --events"
  [configs/examples/home_care_sweep.toml]="--replications 1 --set horizon_days=400 --set cohort.population.size=30000"
  [configs/examples/pool_network.toml]="--replications 2 --set horizon_days=1500 --set warmup_days=1000"
  [configs/examples/pool_network_small.toml]="--replications 2 --episodes"
  [configs/examples/psa_small.toml]="--replications 2 --set horizon_days=400 --set samples=3"
  [configs/validation/anchor_flow.toml]="--set horizon_days=1500 --episodes --events"
  [configs/validation/loss.toml]="--replications 3 --set horizon_days=1000 --episodes"
  [configs/validation/mmc.toml]="--replications 3 --set horizon_days=1000 --episodes"
)

for config in configs/*.toml configs/examples/*.toml configs/validation/*.toml; do
  [ -n "${args[$config]+x}" ] || { echo "no settings for $config: add it to scripts/output_hashes.sh" >&2; exit 2; }
  name=$(echo "${config%.toml}" | tr / _)
  "$BIN" validate "$config" >"$work/$name.validate.stdout"
  for threads in 1 2; do
    out="$work/$name.t$threads"
    # shellcheck disable=SC2086
    "$BIN" run "$config" --out "$out" --threads "$threads" ${args[$config]} >"$out.stdout" 2>"$out.stderr" \
      || { echo "run failed: $config --threads $threads" >&2; cat "$out.stderr" >&2; exit 1; }
    rm "$out.stderr"
  done
done

# A sharded run merged, and the other subcommands' reports (small.toml).
small="--replications 2 --set horizon_days=400"
for i in 0 1; do
  # shellcheck disable=SC2086
  "$BIN" run configs/small.toml --out "$work/small_sharded" --threads 1 $small --shard-index $i --shard-count 2 \
    >"$work/small_sharded.shard$i.stdout" 2>/dev/null
done
"$BIN" merge "$work/small_sharded" >"$work/small_sharded.merge.stdout" 2>/dev/null
# shellcheck disable=SC2086
"$BIN" warmup configs/small.toml --threads 2 $small >"$work/small.warmup.stdout" 2>/dev/null
# shellcheck disable=SC2086
"$BIN" calibrate configs/small.toml --threads 2 $small >"$work/small.calibrate.stdout" 2>/dev/null

cd "$work"
find . -type f -print0 | sort -z | xargs -0 sha256sum | sed 's|  \./|  |'
