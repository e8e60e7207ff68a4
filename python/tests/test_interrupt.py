"""Ctrl-C: SIGINT to a Python process running an experiment stops it cleanly (runs in
flight stored whole, KeyboardInterrupt raised, no partial file), and running again
finishes the rest with the command line's bytes."""

import os
import signal
import subprocess
import sys
import textwrap

import caresim
from conftest import REPLICATIONS, ROOT, digests

CHILD = textwrap.dedent(
    """
    import sys
    import caresim

    def progress(kind, info):
        if kind == "progress":
            print("done", info["done"], flush=True)

    try:
        caresim.Experiment.from_toml("configs/small.toml").run(
            replications={reps}, seed=7, threads=1, out=sys.argv[1], progress=progress
        )
    except KeyboardInterrupt as e:
        print("interrupted:", e, flush=True)
        sys.exit(130)
    print("finished", flush=True)
    """
)


def test_sigint_stops_cleanly_and_a_rerun_finishes(in_root, tmp_path, cli_small):
    out = tmp_path / "py"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(reps=REPLICATIONS), str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    first = child.stdout.readline()
    assert first.startswith("done 1"), first + child.stderr.read()
    child.send_signal(signal.SIGINT)
    rest, err = child.communicate(timeout=120)
    assert child.returncode == 130, first + rest + err
    assert "interrupted: interrupted:" in rest and "run(s) stored in" in rest, rest
    scenarios = caresim.Experiment.from_toml("configs/small.toml").validate()["scenarios"]
    total = len(scenarios) * REPLICATIONS
    stored = len(list((out / "runs").rglob("*.parquet")))
    assert 1 <= stored < total
    # Nothing partial: no temporary file, no table built from all runs.
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not (out / "summary").exists()
    # Every run stored is whole: each table has one file per stored run.
    assert len(list((out / "pool_summary").rglob("*.parquet"))) == stored

    results = caresim.Experiment.from_toml("configs/small.toml").run(
        replications=REPLICATIONS, seed=7, threads=2, out=out, progress=False
    )
    assert results.report["skipped"] == stored and results.report["new"] == total - stored
    assert digests(out) == digests(cli_small)
