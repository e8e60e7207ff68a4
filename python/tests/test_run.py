"""run(): DataFrames, the command line's bytes, resuming."""

import polars as pl
import pytest

import caresim
from conftest import REPLICATIONS, digests


def test_small_run_returns_dataframes(in_root, tmp_path):
    exp = caresim.Experiment.from_toml("configs/small.toml")
    events = []
    results = exp.run(replications=2, threads=2, out=tmp_path / "r", progress=lambda k, i: events.append((k, i)))
    assert results.tables[:2] == ["runs", "pool_summary"] and "summary" in results.tables
    pools = results.table("pool_summary")
    assert isinstance(pools, pl.DataFrame)
    scenarios = [s["name"] for s in exp.validate()["scenarios"]]
    # One row per run and pool: 6 pools in every scenario of small.toml.
    assert pools.height == len(scenarios) * 2 * 6
    assert sorted(pools["scenario"].unique().to_list()) == sorted(scenarios)
    assert sorted(pools["replication"].unique().to_list()) == [0, 1]
    assert results.table("runs").height == len(scenarios) * 2
    assert isinstance(results.scan("summary"), pl.LazyFrame)
    # Progress counts every run once, up to the number started.
    started = [i["runs"] for k, i in events if k == "started"]
    done = [i["done"] for k, i in events if k == "progress"]
    assert started == [len(scenarios) * 2] and sorted(done) == list(range(1, started[0] + 1))
    assert results.report["runs"] == results.report["new"] == started[0]
    with pytest.raises(KeyError, match="no table 'episodes'"):
        results.table("episodes")


def test_same_bytes_as_the_command_line(in_root, tmp_path, cli_small):
    out = tmp_path / "py"
    results = caresim.Experiment.from_toml("configs/small.toml").run(
        replications=REPLICATIONS, seed=7, threads=2, out=out, progress=False
    )
    ours, theirs = digests(results.dir), digests(cli_small)
    assert len(theirs) > 100 and "manifest.toml" in theirs
    assert ours == theirs


def test_rerun_resumes_and_other_config_needs_force(in_root, tmp_path):
    exp = caresim.Experiment.from_toml("configs/small.toml", overrides={"replications": 1})
    first = exp.run(out=tmp_path / "r", threads=2, progress=False)
    before = digests(first.dir)
    again = exp.run(out=tmp_path / "r", threads=2, progress=False)
    assert again.report["new"] == 0 and again.report["skipped"] == again.report["runs"] > 0
    assert digests(again.dir) == before
    other = caresim.Experiment.from_toml("configs/small.toml", overrides={"replications": 1, "seed": 99})
    with pytest.raises(caresim.RunError, match="already holds results of a different config"):
        other.run(out=tmp_path / "r", progress=False)
    assert other.run(out=tmp_path / "r", force=True, progress=False).report["new"] == again.report["runs"]


def test_an_experiment_too_big_is_refused_before_anything_is_written(in_root, tmp_path):
    # The small experiment simulates millions of events; a limit of 1,000 refuses it, as
    # `caresim run --max-events 1000` does, and no output folder is made.
    exp = caresim.Experiment.from_toml("configs/small.toml")
    out = tmp_path / "too-big"
    with pytest.raises(caresim.ConfigError, match="raise the limit with max_events=") as info:
        exp.run(replications=1, threads=1, out=out, progress=False, max_events=1000)
    assert "horizon_days" in info.value.problems[0].key
    assert not out.exists()
    # Raised explicitly, the same experiment runs.
    results = exp.run(replications=1, threads=1, out=out, progress=False, max_events=1e12)
    assert results.report["runs"] > 0
