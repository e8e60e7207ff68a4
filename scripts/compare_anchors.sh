#!/usr/bin/env bash
# Compare caresim's throughput on the shared anchor model (b) with the hand-written
# reference loop `flow_plain` (../shared/anchors/heap_limit), on the same machine and
# the same number of patients.
#
# Usage (from the repository root):
#   scripts/compare_anchors.sh [N] [RUNS]
#     N     patients (horizon = N/17 days), default 200000
#     RUNS  timed runs of each program, default 5; the median events/s is reported
#
# Environment:
#   ANCHORS_DIR       reference models (default: ../shared/anchors)
#   CARGO_TARGET_DIR  caresim's build folder (default: /tmp/bench-target)
#   ANCHORS_TARGET    flow_plain's build folder (default: /tmp/anchors-target)
#   MATCH_PROFILE=1   build caresim with flow_plain's release profile (fat LTO,
#                     codegen-units = 1, panic = abort) instead of caresim's own
#
# Nothing is written under ANCHORS_DIR: the reference crate is copied to a temporary
# folder and built there (cargo would otherwise write a Cargo.lock next to it).
#
# Event counts differ slightly by construction: flow_plain counts popped events plus
# one per unblocking (a care place passing to a blocked patient); caresim counts popped
# live events (arrivals, stay ends, one day end per simulated day). Both counts are
# printed.
set -euo pipefail

N="${1:-200000}"
RUNS="${2:-5}"
case "$N" in '' | *[!0-9]*) echo "compare_anchors: N must be a whole number, got '$N'" >&2; exit 2 ;; esac
case "$RUNS" in '' | *[!0-9]* | 0) echo "compare_anchors: RUNS must be a whole number >= 1, got '$RUNS'" >&2; exit 2 ;; esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ANCHORS_DIR="${ANCHORS_DIR:-$ROOT/../shared/anchors}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/bench-target}"
ANCHORS_TARGET="${ANCHORS_TARGET:-/tmp/anchors-target}"

if [[ ! -f "$ANCHORS_DIR/heap_limit/Cargo.toml" ]]; then
    echo "compare_anchors: no reference crate at $ANCHORS_DIR/heap_limit" >&2
    exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/compare-anchors.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$ANCHORS_TARGET"

# --- build (one cargo at a time) --------------------------------------------------
profile_env=()
if [[ "${MATCH_PROFILE:-0}" == 1 ]]; then
    profile_env=(CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=abort)
    export CARGO_TARGET_DIR="$CARGO_TARGET_DIR/match-profile"
fi
echo "== building caresim example anchor_throughput (release, --no-default-features)" >&2
env "${profile_env[@]}" cargo build --quiet --release --no-default-features --example anchor_throughput
CARESIM_BIN="$CARGO_TARGET_DIR/release/examples/anchor_throughput"

echo "== building flow_plain (release) from a copy of $ANCHORS_DIR/heap_limit" >&2
# A fixed copy location with preserved timestamps lets cargo reuse an earlier build.
PLAIN_SRC="$ANCHORS_TARGET/heap_limit-src"
rm -rf "$PLAIN_SRC"
mkdir -p "$PLAIN_SRC"
cp -pR "$ANCHORS_DIR/heap_limit/Cargo.toml" "$ANCHORS_DIR/heap_limit/src" "$PLAIN_SRC/"
CARGO_TARGET_DIR="$ANCHORS_TARGET" cargo build --quiet --release \
    --manifest-path "$PLAIN_SRC/Cargo.toml" --bin flow_plain
PLAIN_BIN="$ANCHORS_TARGET/release/flow_plain"

for bin in "$CARESIM_BIN" "$PLAIN_BIN"; do
    [[ -x "$bin" ]] || { echo "compare_anchors: missing binary $bin" >&2; exit 1; }
done

# --- timed runs (interleaved, so drift on a shared machine hits both alike) --------
# field KEY FILE: the value of the first `KEY=value` in FILE.
field() {
    grep -o "\b$1=[^ ]*" "$2" | head -n 1 | cut -d= -f2
}

: >"$WORK/caresim.eps"
: >"$WORK/plain.eps"
: >"$WORK/caresim.wall"
: >"$WORK/plain.wall"
for ((i = 1; i <= RUNS; i++)); do
    "$CARESIM_BIN" -n "$N" >"$WORK/caresim.out"
    "$PLAIN_BIN" -n "$N" >"$WORK/plain.out"
    c_eps="$(field events_per_s "$WORK/caresim.out")"
    p_eps="$(field events_per_s "$WORK/plain.out")"
    if [[ -z "$c_eps" || -z "$p_eps" ]]; then
        echo "compare_anchors: run $i printed no events_per_s" >&2
        cat "$WORK/caresim.out" "$WORK/plain.out" >&2
        exit 1
    fi
    echo "$c_eps" >>"$WORK/caresim.eps"
    echo "$p_eps" >>"$WORK/plain.eps"
    field wall_s "$WORK/caresim.out" >>"$WORK/caresim.wall"
    field wall_s "$WORK/plain.out" >>"$WORK/plain.wall"
    printf 'run %d/%d: caresim %s events/s (wall %ss), flow_plain %s events/s (wall %ss)\n' \
        "$i" "$RUNS" "$c_eps" "$(field wall_s "$WORK/caresim.out")" "$p_eps" "$(field wall_s "$WORK/plain.out")"
done

median() {
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
c_med="$(median "$WORK/caresim.eps")"
p_med="$(median "$WORK/plain.eps")"
c_wall="$(median "$WORK/caresim.wall")"
p_wall="$(median "$WORK/plain.wall")"

echo
echo "patients=$N runs=$RUNS (median of each); machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
echo "caresim    : $(grep -E '^(mean_acute_occupancy|events_processed)' "$WORK/caresim.out" | tr '\n' ' ')"
echo "flow_plain : $(grep -E '^(mean_acute_occupancy|events_processed)' "$WORK/plain.out" | tr '\n' ' ')"
echo "event counts: caresim events_processed=$(field events_processed "$WORK/caresim.out") (arrivals + stay ends + day ends);" \
    "flow_plain events_processed=$(field events_processed "$WORK/plain.out") (pops + unblockings)"
awk -v c="$c_med" -v p="$p_med" -v cw="$c_wall" -v pw="$p_wall" 'BEGIN {
    printf "median wall_s: caresim %.3f, flow_plain %.3f", cw, pw
    if (cw > 0 && pw > 0) printf " (flow_plain/caresim = %.3f)", pw / cw
    printf "\n"
    printf "median events/s: caresim %.0f, flow_plain %.0f\n", c, p
    printf "ratio caresim/flow_plain = %.3f\n", c / p
}'
