"""caresim from Python: load, validate and run an experiment; read its tables as polars
DataFrames.

    import caresim
    exp = caresim.Experiment.from_toml("configs/small.toml", overrides={"replications": 2})
    exp.validate()                      # raises caresim.ConfigError listing every problem
    results = exp.run(threads=2, out="results/small")
    results.tables                      # ["runs", "pool_summary", ...]
    results.table("pool_summary")       # a polars DataFrame

A run writes the same files as ``caresim run`` (the same bytes for the same config,
overrides and seed; a rerun into the same folder resumes). Progress is shown with
``tqdm.auto`` when it is installed (a bar in Jupyter and terminals), else as printed
lines. Ctrl-C starts no new run and abandons the runs in flight within a moment (even a
single long run); the runs already finished are stored whole, then ``KeyboardInterrupt``
is raised; no partial file is left, and running again with the same ``out`` finishes the
rest.
"""

from __future__ import annotations

import math
import os
import sys
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from . import _caresim

__all__ = [
    "ConfigError",
    "Experiment",
    "Problem",
    "Results",
    "RunError",
    "TABLES",
    "__version__",
]

__version__: str = _caresim.VERSION

#: Every table caresim can write (a folder under the output folder each).
TABLES: list[str] = list(_caresim.TABLES)

#: A run that could not complete; the message is the command line's error text.
RunError = _caresim.RunError


@dataclass(frozen=True)
class Problem:
    """One problem in a config: where it is, what was found and why it is wrong."""

    #: The file the bad value came from (``--set`` for an override).
    file: str
    #: The dotted key, e.g. ``pools.acute_beds.capacity``.
    key: str
    #: The value as found (empty when the key is missing).
    value: str
    #: Why it is wrong, and what would be right.
    reason: str

    def __str__(self) -> str:
        text = f"{self.file}: {self.key}: {self.reason}"
        return f"{text} (got {self.value})" if self.value else text


class ConfigError(ValueError):
    """An invalid config. ``problems`` lists every problem found; ``str()`` is the
    command line's message."""

    def __init__(self, message: str, problems: list[Problem]):
        super().__init__(message)
        self.problems: list[Problem] = problems


def _toml_value(value: Any, key: str) -> str:
    """A Python value as a TOML literal, for a ``dotted.key=value`` override."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        escaped = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v, key) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {_toml_value(v, key)}" for k, v in value.items()) + "}"
    raise TypeError(f"override {key}: cannot write a {type(value).__name__} as a config value")


def _assignments(overrides: Mapping[str, Any] | None) -> list[str]:
    """``{"a.b": 1, "c": {"d": 2}}`` as ``["a.b=1", "c.d=2"]``: nested mappings set
    the keys inside a table (they do not replace the table)."""
    out: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)
        else:
            out.append(f"{prefix}={_toml_value(value, prefix)}")

    for key, value in (overrides or {}).items():
        if not isinstance(key, str):
            raise TypeError(f"override keys are dotted strings, not {type(key).__name__}")
        walk(key, value)
    return out


def _tqdm():
    """The progress bar class: ``tqdm.auto`` (a widget in Jupyter) when ipywidgets is
    installed, else tqdm's text bar (which Jupyter shows too); None without tqdm."""
    try:
        import ipywidgets  # noqa: F401

        from tqdm.auto import tqdm
    except ImportError:
        try:
            from tqdm import tqdm
        except ImportError:
            return None
    return tqdm


class _Progress:
    """Shows a run's progress: a ``tqdm.auto`` bar when tqdm is installed, else lines
    on stderr (at most every 10% of the runs). ``enabled=False`` shows only the notes
    the command line prints (resuming, calibrating)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.total = 0
        self.shown = -1

    def __call__(self, kind: str, info: dict) -> None:
        if kind == "damaged":
            problems = info["problems"]
            print(f"{len(problems)} damaged or incomplete file(s); their runs are done again:", file=sys.stderr)
            for problem in problems[:10]:
                print(f"  - {problem}", file=sys.stderr)
            if len(problems) > 10:
                print(f"  - ... and {len(problems) - 10} more", file=sys.stderr)
        elif kind == "resuming":
            removed = info["temporary_removed"]
            note = f", {removed} temporary file(s) removed" if removed else ""
            print(f"resuming: {info['complete']} of {info['total']} run(s) already complete{note}", file=sys.stderr)
        elif kind == "calibrating":
            print(
                f"calibrating payments: {info['pilots']} pilot run(s) of the baseline scenario, "
                f"alongside {info['runs']} run(s)",
                file=sys.stderr,
            )
        elif kind == "started" and self.enabled:
            self.total = info["runs"]
            tqdm = _tqdm()
            if tqdm is None:
                print(f"running {self.total} run(s)", file=sys.stderr)
            else:
                self.bar = tqdm(total=self.total, unit="run", desc="caresim")
        elif kind == "progress" and self.enabled:
            done = info["done"]
            if self.bar is not None:
                self.bar.update(done - self.bar.n)
            elif self.total and (10 * done // self.total > self.shown or done == self.total):
                self.shown = 10 * done // self.total
                print(f"{done}/{self.total} runs", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Results:
    """The tables of one output folder. ``tables`` lists those present; ``table(name)``
    reads one as a polars DataFrame (hive-partitioned by scenario), ``scan(name)`` as a
    LazyFrame. ``report`` holds the run's counts (runs, new, skipped, events, elapsed_s)
    when it came from ``Experiment.run``."""

    def __init__(self, dir: str | os.PathLike, report: dict | None = None):
        self.dir = Path(dir)
        if not (self.dir / "manifest.toml").is_file():
            raise FileNotFoundError(f"{self.dir} is not a caresim output folder (no manifest.toml)")
        self.report: dict = dict(report or {})

    @property
    def manifest(self) -> dict:
        """The folder's manifest (provenance and the resolved config)."""
        return tomllib.loads((self.dir / "manifest.toml").read_text())

    @property
    def tables(self) -> list[str]:
        """The tables with at least one Parquet file, in caresim's order."""
        return [t for t in TABLES if any((self.dir / t).glob("**/*.parquet"))]

    def _glob(self, name: str) -> str:
        if name not in self.tables:
            raise KeyError(f"no table {name!r} in {self.dir}; it holds {self.tables}")
        return str(self.dir / name / "**" / "*.parquet")

    def scan(self, name: str):
        """Table ``name`` as a polars LazyFrame."""
        import polars as pl

        return pl.scan_parquet(self._glob(name), hive_partitioning=True)

    def table(self, name: str):
        """Table ``name`` as a polars DataFrame."""
        return self.scan(name).collect()

    def __repr__(self) -> str:
        return f"Results({str(self.dir)!r}, tables={self.tables})"


@contextmanager
def _config_errors():
    """Turns the extension's config error into ``ConfigError`` with ``Problem``s."""
    try:
        yield
    except _caresim.ConfigError as e:
        message, problems = e.args
        raise ConfigError(message, [Problem(*p) for p in problems]) from None


class Experiment:
    """An experiment config (a TOML file, with ``extends``) plus overrides.

    ``overrides`` maps dotted keys to values, as ``caresim run --set key=value`` does:
    ``{"replications": 2, "pools.acute_beds.capacity": 40}``; a nested mapping sets keys
    inside a table.
    """

    def __init__(self, path: str | os.PathLike, overrides: Mapping[str, Any] | None = None):
        self.path = Path(path)
        self.overrides: dict[str, Any] = dict(overrides or {})

    @classmethod
    def from_toml(cls, path: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> Experiment:
        """The experiment in ``path`` with ``overrides``; nothing is read until
        ``validate`` or ``run``."""
        return cls(path, overrides)

    def _sets(self, extra: Mapping[str, Any] | None = None) -> list[str]:
        return _assignments(self.overrides) + _assignments(extra)

    def validate(self) -> dict:
        """Checks the config; raises ``ConfigError`` with every problem found. Returns
        what ``caresim validate`` describes (seed, replications, scenarios, ...)."""
        with _config_errors():
            return _caresim.load(os.fspath(self.path), self._sets())

    def run(
        self,
        replications: int | None = None,
        threads: int = 0,
        out: str | os.PathLike | None = None,
        *,
        seed: int | None = None,
        episodes: bool = False,
        events: bool = False,
        force: bool = False,
        progress: bool | Callable[[str, dict], None] = True,
        max_events: float | None = None,
        max_memory_gib: float | None = None,
    ) -> Results:
        """Runs every scenario and replication into ``out`` (default
        ``results/<config stem>``, as the command line) and returns its ``Results``.

        ``replications`` and ``seed`` override the config's, as ``--replications`` and
        ``--seed`` do; ``threads`` = 0 uses one per core. ``episodes``/``events`` also
        write those tables; ``force`` replaces results of another config in ``out``.
        ``progress``: True shows a bar, False only notes, or a callable
        ``progress(kind, info)`` receives every event ("damaged", "resuming",
        "calibrating", "started", "progress").

        Before anything is written the experiment's size is estimated, as the command
        line does: more events than ``max_events`` (default 1e12) or more memory than
        ``max_memory_gib`` (default three quarters of this machine's) raises
        ``ConfigError`` naming the keys that drive it.
        """
        extra: dict[str, Any] = {}
        if seed is not None:
            extra["seed"] = seed
        if replications is not None:
            extra["replications"] = replications
        folder = Path(out) if out is not None else Path(_caresim.default_out(os.fspath(self.path)))
        show = progress if callable(progress) else _Progress(bool(progress))
        try:
            with _config_errors():
                report = _caresim.run(
                    os.fspath(self.path), self._sets(extra), os.fspath(folder), int(threads),
                    bool(episodes), bool(events), bool(force), show,
                    None if max_events is None else float(max_events),
                    None if max_memory_gib is None else float(max_memory_gib),
                )
        finally:
            if isinstance(show, _Progress):
                show.close()
        return Results(report["dir"], report)

    def __repr__(self) -> str:
        return f"Experiment({str(self.path)!r}, overrides={self.overrides!r})"
