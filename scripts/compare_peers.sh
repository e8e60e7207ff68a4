#!/usr/bin/env bash
# Compare caresim with its peers on the two shared reference models of
# ../shared/anchors, in one run on one machine:
#   (a) M/M/c, c = 10, lambda = 9/day, mu = 1/day (rho = 0.9)
#       caresim: configs/validation/mmc.toml; peers: mmc_plain (hand-written Rust loop),
#       NeXosim (mmc, 1 thread), SimPy, Ciw, salabim
#   (b) acute ward -> care places with blocking (the anchor flow model)
#       caresim: configs/validation/anchor_flow.toml; peers: flow_plain, SimPy, Ciw
# For every implementation it prints events/s and wall time (both from the program's own
# timer, which covers the simulation only), the whole process's elapsed time and peak
# memory (max RSS, from /usr/bin/time), and caresim's ratio to it.
#
# Usage (from anywhere):
#   scripts/compare_peers.sh [N] [N_PY] [RUNS] [PY_RUNS]
#     N        customers (a) / patients (b) for the Rust programs, default 1000000
#     N_PY     the same for SimPy and Ciw, default 100000 (they are 50-200x slower)
#     RUNS     timed runs of each Rust program, default 5
#     PY_RUNS  timed runs of each Python program, default 3
#   Each figure is the median over its runs. Runs are interleaved (one of each program
#   per round), so drift in the load of a shared machine hits all alike.
#
# Every ratio compares caresim with the peer at the SAME N: caresim is also run at N_PY
# (and at N_SALABIM) for the Python peers. "caresim : peer" is caresim's events/s over
# the peer's (above 1: caresim is faster); "peer : caresim wall" is the peer's simulation
# wall time over caresim's at the same N.
#
# Environment:
#   ANCHORS_DIR       reference models (default: ../shared/anchors); nothing is written there
#   CARGO_TARGET_DIR  caresim's build folder (default: /tmp/bench-target)
#   ANCHORS_TARGET    build folder of the Rust reference crates (default: /tmp/anchors-target)
#   PEERS_VENV        Python venv for SimPy/Ciw/salabim (default: /tmp/caresim-peers-venv),
#                     created with pinned versions when missing or different
#   PYTHON            interpreter that creates the venv (default: python3, 3.11 or newer)
#   N_SALABIM         customers for salabim on (a), default 10000 (it is ~20x slower
#                     than SimPy); 0 leaves salabim out
#   NEXOSIM=0         leave NeXosim out (its first build fetches and compiles the crate)
#   SKIP_PYTHON=1     leave every Python peer out
#
# Event counts differ slightly by construction (all are printed):
#   - the peers count arrivals + departures (+ one per unblocking in (b));
#   - caresim counts popped live events: arrivals, stay ends and one day-end event per
#     simulated day (N/9 of them in (a), about 5% of the total; N/17 in (b), about 2.5%),
#     and not the unblockings (in (b) about 4% of flow_plain's count).
#   The wall-time ratio at the same N has no such bias; the two ratios are printed.
set -euo pipefail

N="${1:-1000000}"
N_PY="${2:-100000}"
RUNS="${3:-5}"
PY_RUNS="${4:-3}"
N_SALABIM="${N_SALABIM:-10000}"
for v in N N_PY RUNS PY_RUNS N_SALABIM; do
    case "${!v}" in '' | *[!0-9]*) echo "compare_peers: $v must be a whole number, got '${!v}'" >&2; exit 2 ;; esac
done
for v in N N_PY RUNS PY_RUNS; do
    [[ "${!v}" -ge 1 ]] || { echo "compare_peers: $v must be at least 1" >&2; exit 2; }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ANCHORS_DIR="$(cd "${ANCHORS_DIR:-$ROOT/../shared/anchors}" && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/bench-target}"
ANCHORS_TARGET="${ANCHORS_TARGET:-/tmp/anchors-target}"
PEERS_VENV="${PEERS_VENV:-/tmp/caresim-peers-venv}"
PYTHON="${PYTHON:-python3}"
NEXOSIM="${NEXOSIM:-1}"
SKIP_PYTHON="${SKIP_PYTHON:-0}"
# The versions the anchors were written against (their own venv holds these).
PY_PINS=(simpy==4.1.2 ciw==3.2.7 salabim==26.0.9 greenlet==3.5.6)

for f in heap_limit/Cargo.toml mmc_simpy.py mmc_ciw.py flow_simpy.py flow_ciw.py; do
    [[ -f "$ANCHORS_DIR/$f" ]] || { echo "compare_peers: $ANCHORS_DIR/$f is missing" >&2; exit 1; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/compare-peers.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$ANCHORS_TARGET"

# --- build (one cargo at a time) --------------------------------------------------
echo "== building caresim example anchor_throughput (release, --no-default-features)" >&2
cargo build --quiet --release --no-default-features --example anchor_throughput
CARESIM_BIN="$CARGO_TARGET_DIR/release/examples/anchor_throughput"

# The reference crates are copied out of ANCHORS_DIR and built there (cargo would write a
# Cargo.lock next to them). A fixed copy location with preserved timestamps lets cargo
# reuse an earlier build.
copy_crate() { # NAME -> prints the copy's manifest
    local src="$ANCHORS_TARGET/$1-src"
    rm -rf "$src"
    mkdir -p "$src"
    cp -pR "$ANCHORS_DIR/$1/Cargo.toml" "$ANCHORS_DIR/$1/src" "$src/"
    echo "$src/Cargo.toml"
}
echo "== building mmc_plain and flow_plain (release) from a copy of $ANCHORS_DIR/heap_limit" >&2
CARGO_TARGET_DIR="$ANCHORS_TARGET" cargo build --quiet --release \
    --manifest-path "$(copy_crate heap_limit)" --bin mmc_plain --bin flow_plain
MMC_PLAIN="$ANCHORS_TARGET/release/mmc_plain"
FLOW_PLAIN="$ANCHORS_TARGET/release/flow_plain"

NEXOSIM_BIN=""
if [[ "$NEXOSIM" != 0 && -f "$ANCHORS_DIR/nexosim_mmc/Cargo.toml" ]]; then
    echo "== building nexosim_mmc (release) from a copy of $ANCHORS_DIR/nexosim_mmc" >&2
    if CARGO_TARGET_DIR="$ANCHORS_TARGET" cargo build --quiet --release \
        --manifest-path "$(copy_crate nexosim_mmc)"; then
        NEXOSIM_BIN="$ANCHORS_TARGET/release/nexosim_mmc"
    else
        echo "compare_peers: nexosim_mmc did not build; it is left out (NEXOSIM=0 skips it)" >&2
    fi
fi

PY=""
if [[ "$SKIP_PYTHON" != 1 ]]; then
    stamp="$PEERS_VENV/.caresim-pins"
    if [[ ! -x "$PEERS_VENV/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "${PY_PINS[*]}" ]]; then
        echo "== creating $PEERS_VENV with ${PY_PINS[*]}" >&2
        rm -rf "$PEERS_VENV"
        "$PYTHON" -m venv "$PEERS_VENV"
        "$PEERS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_PINS[@]}"
        echo "${PY_PINS[*]}" >"$stamp"
    fi
    PY="$PEERS_VENV/bin/python"
fi

# --- the runs ---------------------------------------------------------------------
# One job per (model, implementation, N): "id|model|implementation|N|runs|command...".
JOBS=()
job() { JOBS+=("$1|$2|$3|$4|$5|$6"); }
MMC_CFG="$ROOT/configs/validation/mmc.toml"
FLOW_CFG="$ROOT/configs/validation/anchor_flow.toml"
A="$ANCHORS_DIR"
# caresim at each N a peer runs at (so every ratio is at the same N).
sizes_mmc=("$N")
sizes_flow=("$N")
job mmc_caresim_$N mmc caresim "$N" "$RUNS" "$CARESIM_BIN --config $MMC_CFG -n $N"
job mmc_plain_$N mmc mmc_plain "$N" "$RUNS" "$MMC_PLAIN -n $N"
[[ -n "$NEXOSIM_BIN" ]] && job mmc_nexosim_$N mmc "NeXosim (1 thread)" "$N" "$RUNS" "$NEXOSIM_BIN -n $N --threads 1"
if [[ -n "$PY" ]]; then
    if [[ "$N_PY" != "$N" ]]; then
        job mmc_caresim_$N_PY mmc caresim "$N_PY" "$PY_RUNS" "$CARESIM_BIN --config $MMC_CFG -n $N_PY"
    fi
    job mmc_simpy_$N_PY mmc SimPy "$N_PY" "$PY_RUNS" "$PY $A/mmc_simpy.py -n $N_PY"
    job mmc_ciw_$N_PY mmc Ciw "$N_PY" "$PY_RUNS" "$PY $A/mmc_ciw.py -n $N_PY"
    if [[ "$N_SALABIM" -gt 0 && -f "$A/mmc_salabim.py" ]]; then
        if [[ "$N_SALABIM" != "$N" && "$N_SALABIM" != "$N_PY" ]]; then
            job mmc_caresim_$N_SALABIM mmc caresim "$N_SALABIM" "$PY_RUNS" \
                "$CARESIM_BIN --config $MMC_CFG -n $N_SALABIM"
        fi
        job mmc_salabim_$N_SALABIM mmc salabim "$N_SALABIM" "$PY_RUNS" "$PY $A/mmc_salabim.py -n $N_SALABIM"
    fi
fi
job flow_caresim_$N flow caresim "$N" "$RUNS" "$CARESIM_BIN --config $FLOW_CFG -n $N"
job flow_plain_$N flow flow_plain "$N" "$RUNS" "$FLOW_PLAIN -n $N"
if [[ -n "$PY" ]]; then
    if [[ "$N_PY" != "$N" ]]; then
        job flow_caresim_$N_PY flow caresim "$N_PY" "$PY_RUNS" "$CARESIM_BIN --config $FLOW_CFG -n $N_PY"
    fi
    job flow_simpy_$N_PY flow SimPy "$N_PY" "$PY_RUNS" "$PY $A/flow_simpy.py -n $N_PY"
    job flow_ciw_$N_PY flow Ciw "$N_PY" "$PY_RUNS" "$PY $A/flow_ciw.py -n $N_PY"
fi

# field KEY FILE: the value of the first `KEY=value` in FILE.
field() {
    grep -o "\b$1=[^ ]*" "$2" | head -n 1 | cut -d= -f2
}
median() {
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
HAVE_TIME=0
[[ -x /usr/bin/time ]] && HAVE_TIME=1 || echo "compare_peers: no /usr/bin/time; peak memory is not measured" >&2

# measure ID COMMAND...: one run; appends events/s, wall, elapsed and max RSS to WORK/ID.*
measure() {
    local id="$1"
    shift
    local start end
    if [[ "$HAVE_TIME" == 1 ]]; then
        /usr/bin/time -f '%e %M' -o "$WORK/$id.time" "$@" >"$WORK/$id.out" 2>"$WORK/$id.err" || {
            echo "compare_peers: '$*' failed:" >&2
            cat "$WORK/$id.out" "$WORK/$id.err" >&2
            exit 1
        }
        read -r elapsed rss_kb <"$WORK/$id.time"
    else
        start="$(date +%s.%N)"
        "$@" >"$WORK/$id.out" 2>"$WORK/$id.err" || { cat "$WORK/$id.err" >&2; exit 1; }
        end="$(date +%s.%N)"
        elapsed="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')"
        rss_kb=""
    fi
    local eps events wall
    eps="$(field events_per_s "$WORK/$id.out")"
    events="$(field events_processed "$WORK/$id.out")"
    if [[ -z "$eps" || -z "$events" ]]; then
        echo "compare_peers: '$*' printed no events_per_s / events_processed:" >&2
        cat "$WORK/$id.out" >&2
        exit 1
    fi
    # The simulation's wall time as events / (events/s): wall_s is printed to 1 ms only.
    wall="$(awk -v e="$events" -v r="$eps" 'BEGIN { printf "%.6f", e / r }')"
    echo "$eps" >>"$WORK/$id.eps"
    echo "$wall" >>"$WORK/$id.wall"
    echo "$elapsed" >>"$WORK/$id.elapsed"
    [[ -n "$rss_kb" ]] && echo "$rss_kb" >>"$WORK/$id.rss"
    return 0
}

max_runs=$((RUNS > PY_RUNS ? RUNS : PY_RUNS))
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
echo "== timed runs: $RUNS of each Rust program at N=$N, $PY_RUNS of each Python program (N=$N_PY; salabim N=$N_SALABIM), interleaved" >&2
for ((round = 1; round <= max_runs; round++)); do
    for j in "${JOBS[@]}"; do
        IFS='|' read -r id model impl n runs cmd <<<"$j"
        ((round <= runs)) || continue
        # shellcheck disable=SC2086 # the command is split into words on purpose
        measure "$id" $cmd
    done
    echo "   round $round/$max_runs done" >&2
done

# --- report -----------------------------------------------------------------------
cores="$(nproc)"
cpu="$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)"
echo
echo "started: $started, finished: $(date -u '+%H:%M UTC'); machine: $cores cores, ${cpu:-unknown CPU}"
echo "load average (1, 5, 15 min; the runs themselves add ~1): before the runs $load_before, after $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "caresim: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src examples Cargo.toml 2>/dev/null || echo ' + uncommitted changes'), $(rustc --version)"
[[ -n "$PY" ]] && echo "python: $("$PY" --version 2>&1); $("$PY" -m pip freeze --disable-pip-version-check 2>/dev/null | grep -iE '^(simpy|ciw|salabim)==' | tr '\n' ' ')"
echo "medians of $RUNS runs (Rust) / $PY_RUNS runs (Python); events/s and sim wall (= events / events/s) from each program's own timer; process = whole process elapsed and max RSS (/usr/bin/time)"
echo
echo "| model | implementation | N | events | events/s | events/s, min-max of the runs | sim wall s | process s | peak RSS MiB | caresim : peer, events/s | peer : caresim, sim wall |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for j in "${JOBS[@]}"; do
    IFS='|' read -r id model impl n runs cmd <<<"$j"
    eps="$(median "$WORK/$id.eps")"
    wall="$(median "$WORK/$id.wall")"
    elapsed="$(awk -v x="$(median "$WORK/$id.elapsed")" 'BEGIN { printf "%.2f", x }')"
    rss="n/a"
    [[ -s "$WORK/$id.rss" ]] && rss="$(awk -v k="$(median "$WORK/$id.rss")" 'BEGIN { printf "%.1f", k / 1024 }')"
    events="$(field events_processed "$WORK/$id.out")"
    ratio="" wratio=""
    if [[ "$impl" != caresim ]]; then
        cid="${model}_caresim_$n"
        c_eps="$(median "$WORK/$cid.eps")"
        c_wall="$(median "$WORK/$cid.wall")"
        ratio="$(awk -v c="$c_eps" -v p="$eps" 'BEGIN { printf "%.2f", c / p }')"
        wratio="$(awk -v c="$c_wall" -v p="$wall" 'BEGIN { if (c > 0) printf "%.2f", p / c; else print "n/a" }')"
    fi
    name="$([[ "$model" == mmc ]] && echo "(a) M/M/10" || echo "(b) blocking")"
    range="$(sort -g "$WORK/$id.eps" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }')"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$impl" "$n" "$events" \
        "$(awk -v x="$eps" 'BEGIN { printf "%.0f", x }')" "$range" "$(awk -v x="$wall" 'BEGIN { printf "%.4f", x }')" \
        "$elapsed" "$rss" "$ratio" "$wratio"
done

echo
echo "correctness, last run of each (M/M/10: Erlang C mean wait in queue = 0.66873 days):"
for j in "${JOBS[@]}"; do
    IFS='|' read -r id model impl n runs cmd <<<"$j"
    if [[ "$model" == mmc ]]; then
        if [[ "$impl" == caresim ]]; then
            w="$(field mean_wait_days "$WORK/$id.out")"
        else
            w="$(field mean_wait_in_queue "$WORK/$id.out")"
        fi
        printf '  (a) %-20s N=%-8s mean wait in queue %s\n' "$impl" "$n" "$w"
    else
        printf '  (b) %-20s N=%-8s mean acute occupancy %s, delayed bed-days per patient %s\n' "$impl" "$n" \
            "$(field mean_acute_occupancy "$WORK/$id.out")" "$(field delayed_bed_days_per_patient "$WORK/$id.out")"
    fi
done
