"""validate(): every problem carries file, key, value and reason, and the message is the
command line's."""

import textwrap

import pytest

import caresim
from conftest import run_cli

BAD = textwrap.dedent(
    """
    seed = 1
    replications = 2
    horizon_days = 100
    warmup_days = 10
    [pools.ward]
    capacity = 0
    [arrivals.walk_in]
    rate_per_day = -1.5
    pathway = "visit"
    [pathways.visit]
    start = "stay"
    steps.stay = { pool = "ward", stay = { dist = "exponential", mean_days = 1.0 } }
    """
)


def write(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_problems_carry_file_key_value_reason(tmp_path):
    path = write(tmp_path, BAD)
    with pytest.raises(caresim.ConfigError) as info:
        caresim.Experiment.from_toml(path).validate()
    problems = {p.key: p for p in info.value.problems}
    assert set(problems) >= {"pools.ward.capacity", "arrivals.walk_in.rate_per_day"}, problems
    capacity = problems["pools.ward.capacity"]
    assert capacity.file == str(path)
    assert capacity.value == "0"
    assert "0 places can never admit anyone" in capacity.reason
    rate = problems["arrivals.walk_in.rate_per_day"]
    assert rate.value == "-1.5" and rate.file == str(path) and rate.reason
    assert isinstance(info.value, ValueError)


def test_message_is_the_command_lines(tmp_path):
    path = write(tmp_path, BAD)
    with pytest.raises(caresim.ConfigError) as info:
        caresim.Experiment.from_toml(path).validate()
    done = run_cli("validate", str(path))
    assert done.returncode != 0
    assert done.stderr.strip() == f"error: {info.value}"
    assert all(str(p) in str(info.value) for p in info.value.problems)


def test_bad_override_is_located_at_set(tmp_path):
    good = write(tmp_path, BAD.replace("capacity = 0", "capacity = 2").replace("-1.5", "1.5"), "good.toml")
    assert caresim.Experiment.from_toml(good).validate()["replications"] == 2
    with pytest.raises(caresim.ConfigError) as info:
        caresim.Experiment.from_toml(good, overrides={"pools": {"ward": {"capacity": "many"}}}).validate()
    [problem] = info.value.problems
    assert (problem.file, problem.key, problem.value) == ("--set", "pools.ward.capacity", '"many"')
    done = run_cli("validate", str(good), "--set", 'pools.ward.capacity="many"')
    assert done.stderr.strip() == f"error: {info.value}"


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(caresim.ConfigError) as info:
        caresim.Experiment.from_toml(tmp_path / "absent.toml").validate()
    assert info.value.problems and info.value.problems[0].file == str(tmp_path / "absent.toml")


def test_validate_describes_the_experiment(in_root):
    exp = caresim.Experiment.from_toml("configs/small.toml", overrides={"replications": 4, "seed": 11})
    described = exp.validate()
    assert described["replications"] == 4 and described["seed"] == 11
    names = [s["name"] for s in described["scenarios"]]
    assert names[0] == "baseline" and "year_of_care" in names
    assert all(s["pools"] == 6 for s in described["scenarios"])


def test_overrides_render_as_toml():
    render = caresim._assignments
    assert render({"a.b": 1, "c": {"d": 2.5, "e": True}}) == ["a.b=1", "c.d=2.5", "c.e=true"]
    assert render({"s": 'say "hi"\\'}) == ['s="say \\"hi\\"\\\\"']
    assert render({"xs": [1, "x"], "t": {}}) == ['xs=[1, "x"]', "t={}"]
    with pytest.raises(TypeError):
        render({"x": object()})
