#!/usr/bin/env bash
# Submit a caresim experiment to Slurm as an array of shards plus a merge job.
#
#   deploy/slurm/submit.sh CONFIG OUT_DIR SHARDS [extra sbatch args...]
#
# Environment: CARESIM (the binary, default `caresim` on PATH), CARESIM_ARGS (extra
# `caresim run` options, e.g. "--episodes"; every shard must use the same ones).
# Logs go to LOG_DIR (default OUT_DIR.logs). Prints the two job ids: "<array job> <merge job>".
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 CONFIG OUT_DIR SHARDS [sbatch args...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
config=$(realpath "$1"); out=$(realpath -m "$2"); shards=$3; shift 3
# Logs beside the output directory (which holds caresim's tables and manifest only).
logs=${LOG_DIR:-$out.logs}
mkdir -p "$logs"
export CONFIG=$config OUT_DIR=$out CARESIM=${CARESIM:-caresim} CARESIM_ARGS=${CARESIM_ARGS:-}
# Fail early on a bad config, before anything is queued.
"$CARESIM" validate "$config" >/dev/null
array=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" \
  --output="$logs/shard_%A_%a.out" "$@" "$here/caresim-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$logs/merge_%j.out" "$@" "$here/caresim-merge.sbatch")
echo "$array ${merge%%;*}"
