"""Shared fixtures: the repository root, the command-line binary to compare against, and
one command-line run of configs/small.toml that several tests compare with."""

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Replications of the reference run: enough runs (7 scenarios x 6) that a Ctrl-C sent
#: after the first one lands while others are still to start.
REPLICATIONS = 6


def cli_binary() -> Path:
    """The caresim binary: $CARESIM_CLI, else target/debug/caresim (built by `cargo build`)."""
    path = ROOT / os.environ.get("CARESIM_CLI", "target/debug/caresim")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no caresim binary at {path}: run `cargo build` or set CARESIM_CLI", pytrace=False)
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Runs the binary from the repository root (config paths are recorded as given)."""
    return subprocess.run([str(cli_binary()), *args], cwd=ROOT, capture_output=True, text=True)


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def cli_small(tmp_path_factory) -> Path:
    """configs/small.toml run by the command line with REPLICATIONS replications, seed 7."""
    out = tmp_path_factory.mktemp("cli") / "small"
    done = run_cli(
        "run", "configs/small.toml", "--out", str(out), "--threads", "2",
        "--replications", str(REPLICATIONS), "--seed", "7",
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def in_root(monkeypatch):
    """Runs the test from the repository root, as the command-line runs are."""
    monkeypatch.chdir(ROOT)
    return ROOT
