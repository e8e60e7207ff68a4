#!/usr/bin/env bash
# CI: bring up a single-node Slurm (munged + slurmctld + slurmd on this host), submit a
# 4-task array of caresim shards plus the merge job (--dependency=afterok), and check
# that the merged directory is byte-identical, table by table, to an unsharded run.
# Stops every daemon it started (trap), whatever happens.
#
#   bash deploy/slurm/ci-test.sh [path/to/caresim]
#
# Needs root and apt-get (Debian/Ubuntu) to install Slurm; without them it SKIPS loudly.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath "${1:-$root/target/debug/caresim}")
skip() { printf '\n!!!!! SKIPPED: Slurm test: %s !!!!!\n\n' "$*" >&2; exit 0; }
[[ -x $bin ]] || { echo "no caresim binary at $bin (build first)" >&2; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (slurmd must run as root to launch jobs)"
command -v apt-get >/dev/null || command -v slurmctld >/dev/null || skip "no apt-get to install Slurm"

work=$(mktemp -d /tmp/caresim-slurm.XXXXXX)
chmod 0755 "$work"
cleanup() {
  local rc=$?
  bash "$here/local/teardown.sh" || true
  if [[ $rc -ne 0 ]]; then
    echo "--- Slurm test failed; job logs:" >&2
    cat "$work"/sharded.logs/* 2>/dev/null | tail -n 40 >&2 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash "$here/local/setup.sh"

cat > "$work/experiment.toml" <<'TOML'
seed = 11
replications = 3
samples = 2
horizon_days = 60
warmup_days = 5
[pools.ward]
capacity = 3
[pools.home]
capacity = { dist = "sweep", values = [1, 2] }
[arrivals.walk_in]
rate_per_day = { dist = "gamma", mean = 1.5, sd = 0.2 }
pathway = "visit"
[pathways.visit]
start = "stay"
steps.stay = { pool = "ward", stay = { dist = "exponential", mean_days = 1.5 }, next = [{ to = "home", p = 0.5 }, { to = "exit", p = 0.5 }] }
steps.home = { pool = "home", stay = { dist = "exponential", mean_days = 2.0 } }
[[scenarios]]
name = "baseline"
[[scenarios]]
name = "more_home"
pools.home.capacity = 4
TOML

CI=1 "$bin" run "$work/experiment.toml" --out "$work/full" --threads 1 >/dev/null
read -r array merge < <(CARESIM=$bin CI=1 bash "$here/submit.sh" "$work/experiment.toml" "$work/sharded" 4)
echo "submitted array job $array (4 shards) and merge job $merge"
deadline=$((SECONDS + 180))
while squeue -h -j "$array,$merge" 2>/dev/null | grep -q .; do
  (( SECONDS < deadline )) || { echo "jobs still queued after 180 s" >&2; squeue >&2; exit 1; }
  sleep 0.5
done
[[ -f $work/sharded/summary/scenario=baseline/summary.parquet ]] \
  || { echo "the merge job wrote no summary" >&2; exit 1; }
diff -r --exclude=manifest.toml "$work/full" "$work/sharded"
n=$(find "$work/sharded" -name '*.parquet' | wc -l)
echo "Slurm test passed: 4 shards + merge = the unsharded run, $n Parquet files byte-identical"
