#!/usr/bin/env bash
# Deterministic performance guard: counts the instructions two guarded workloads execute
# under valgrind's callgrind (repeatable on a noisy machine, unlike wall-clock time) and
# compares them with the committed baseline in benches/instructions.baseline.
#
#   scripts/instruction_guard.sh            check: fails when a count grows by more than
#                                           THRESHOLD_PCT (default 5) percent
#   scripts/instruction_guard.sh --update   rewrite the baseline (commit it, with the
#                                           reason, in a reviewed change)
#
# Workloads (simulation core only, built without the output layer, bench profile):
#   anchor_flow   one replication of the shared anchor blocking model, 20,000 patients
#   cohort_area   the default area scaled to 20,000 people, 365 days, no warm-up
set -euo pipefail
cd "$(dirname "$0")/.."
THRESHOLD_PCT="${THRESHOLD_PCT:-5}"
BASELINE=benches/instructions.baseline
update=false
[ "${1:-}" = "--update" ] && update=true

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
cargo build --quiet --profile bench --no-default-features --example anchor_throughput --example default_area_year
BIN=target/release/examples
[ -x "$BIN/anchor_throughput" ] || BIN=target/bench/examples

count() { # name, command...: prints the instructions callgrind collected
  local name=$1; shift
  local out; out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$out" || { cat "$out" >&2; exit 2; }
  local n; n=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out" | tail -1)
  rm -f "$out"
  [ -n "$n" ] || { echo "$name: no instruction count from callgrind" >&2; exit 2; }
  echo "$n"
}

toolchain="$(rustc --version) / $(valgrind --version)"
declare -A now
now[anchor_flow]=$(count anchor_flow "$BIN/anchor_throughput" -n 20000)
now[cohort_area]=$(count cohort_area "$BIN/default_area_year" 365 20000)

if $update; then
  {
    echo "# Instructions executed by the guarded workloads (scripts/instruction_guard.sh)."
    echo "# Regenerate with: scripts/instruction_guard.sh --update"
    echo "# toolchain: $toolchain"
    for k in anchor_flow cohort_area; do echo "$k ${now[$k]}"; done
  } >"$BASELINE"
  echo "baseline written to $BASELINE:"; grep -v '^#' "$BASELINE"
  exit 0
fi

[ -f "$BASELINE" ] || { echo "no baseline $BASELINE: run with --update" >&2; exit 2; }
recorded=$(sed -n 's/^# toolchain: //p' "$BASELINE")
if [ "$recorded" != "$toolchain" ]; then
  # Counts from another compiler or valgrind are not comparable: report, do not fail.
  echo "baseline recorded with: $recorded"
  echo "this machine has:       $toolchain"
  echo "counts are not comparable across toolchains; re-baseline with --update on this one"
  printf '%-12s %16s\n' workload now
  for k in anchor_flow cohort_area; do printf '%-12s %16s\n' "$k" "${now[$k]}"; done
  exit 0
fi
status=0
printf '%-12s %16s %16s %8s\n' workload baseline now ratio
while read -r name old; do
  case "$name" in ''|'#'*) continue ;; esac
  new=${now[$name]:-}
  [ -n "$new" ] || { echo "$name: in the baseline but not measured" >&2; status=1; continue; }
  ratio=$(awk -v a="$new" -v b="$old" 'BEGIN { printf "%.4f", a / b }')
  verdict=ok
  if awk -v r="$ratio" -v t="$THRESHOLD_PCT" 'BEGIN { exit !(r > 1 + t / 100) }'; then
    verdict="REGRESSION (more than ${THRESHOLD_PCT}% more instructions)"; status=1
  elif awk -v r="$ratio" -v t="$THRESHOLD_PCT" 'BEGIN { exit !(r < 1 - t / 100) }'; then
    verdict="faster: consider scripts/instruction_guard.sh --update"
  fi
  printf '%-12s %16s %16s %8s  %s\n' "$name" "$old" "$new" "$ratio" "$verdict"
done <"$BASELINE"
exit $status
