"""Reads every table of a caresim output directory with polars, duckdb, pyarrow
(`pyarrow.dataset` and `pq.read_table`) and pandas (`pd.read_parquet(DIR/table)`), and
checks that the tools agree.

    python tests/python/read_outputs.py DIR [DIR ...]

For every table folder under each DIR it checks that

* each tool reads the whole table (hive partitioning on `scenario=<name>` folders) and
  gives the same number of rows, more than zero;
* a filter `scenario == <name>` works in each tool, gives the same count in each, and
  the counts over the scenarios add up to the whole table;
* the files carry no column named like a partition key (`scenario`), every string column
  is plain UTF-8 (`string`, not `string_view` or `large_string`), and no column is an
  unsigned integer (so `a - b` on counts can go below zero in every tool);
* a count minus a larger number is negative in pandas and polars (the failure the
  unsigned columns used to cause: 0 - 1 = 65535).

Exits non-zero when any check fails, after printing `N passed, M failed`.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

PARTITION_KEY = "scenario"


class Checks:
    """Counts passed and failed checks, printing each failure."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str) -> None:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}")

    def attempt(self, what: str, read):
        """Calls `read()`; a raised error is a failed check and gives None."""
        try:
            value = read()
        except Exception as e:  # noqa: BLE001 - any reader error is a failure to report
            self.check(False, f"{what}: {type(e).__name__}: {str(e)[:300]}")
            return None
        self.passed += 1
        return value


def row_counts(table_dir: Path, scenario: str | None, c: Checks) -> dict[str, int | None]:
    """Rows of the table (or of one scenario) as read by each tool."""
    glob = f"{table_dir}/**/*.parquet"
    label = f"{table_dir.name}" + (f" [scenario == {scenario!r}]" if scenario else "")
    counts: dict[str, int | None] = {}

    def polars_rows() -> int:
        lf = pl.scan_parquet(table_dir, hive_partitioning=True)
        if scenario is not None:
            lf = lf.filter(pl.col(PARTITION_KEY) == scenario)
        return lf.select(pl.len()).collect().item()

    def polars_glob_rows() -> int:
        lf = pl.scan_parquet(glob, hive_partitioning=True)
        if scenario is not None:
            lf = lf.filter(pl.col(PARTITION_KEY) == scenario)
        return lf.select(pl.len()).collect().item()

    def duckdb_rows() -> int:
        where = f"WHERE {PARTITION_KEY} = $s" if scenario is not None else ""
        params = {"s": scenario} if scenario is not None else {}
        sql = f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true) {where}"
        return duckdb.execute(sql, params).fetchone()[0]

    def dataset_rows() -> int:
        d = ds.dataset(table_dir, format="parquet", partitioning="hive")
        flt = ds.field(PARTITION_KEY) == scenario if scenario is not None else None
        return d.count_rows(filter=flt)

    def read_table_rows() -> int:
        flt = [(PARTITION_KEY, "==", scenario)] if scenario is not None else None
        return pq.read_table(table_dir, filters=flt).num_rows

    def pandas_rows() -> int:
        flt = [(PARTITION_KEY, "==", scenario)] if scenario is not None else None
        df = pd.read_parquet(table_dir, filters=flt)
        if scenario is not None:
            # The filter really selected the scenario (pandas gives it as a category).
            assert set(df[PARTITION_KEY].astype(str)) <= {scenario}, set(df[PARTITION_KEY])
        return len(df)

    for tool, read in [
        ("polars scan_parquet(dir)", polars_rows),
        ("polars scan_parquet(glob)", polars_glob_rows),
        ("duckdb read_parquet", duckdb_rows),
        ("pyarrow.dataset", dataset_rows),
        ("pq.read_table", read_table_rows),
        ("pd.read_parquet", pandas_rows),
    ]:
        counts[tool] = c.attempt(f"{label}: {tool}", read)
    return counts


def check_file_schema(table_dir: Path, c: Checks) -> None:
    """The files' own schema: no partition key, plain strings, signed integers."""
    files = sorted(table_dir.glob("*/*.parquet"))
    c.check(bool(files), f"{table_dir.name}: has files")
    seen: set[str] = set()
    for f in files:
        schema = pq.read_schema(f)
        key = str(schema.remove_metadata())
        if key in seen:
            continue
        seen.add(key)
        c.check(PARTITION_KEY not in schema.names, f"{f}: carries the partition key {PARTITION_KEY!r}")
        for field in schema:
            t = field.type
            c.check(
                not (pa.types.is_string_view(t) or pa.types.is_large_string(t) or pa.types.is_binary_view(t)),
                f"{f}: column {field.name} is {t}, not plain string",
            )
            c.check(not pa.types.is_unsigned_integer(t), f"{f}: column {field.name} is unsigned ({t})")


def check_arithmetic(table_dir: Path, c: Checks) -> None:
    """An integer column minus a larger number is negative in pandas and polars."""
    df = c.attempt(f"{table_dir.name}: pd.read_parquet for arithmetic", lambda: pd.read_parquet(table_dir))
    if df is None:
        return
    # Every integer column but identifiers whose values use all 64 bits (`patient`).
    ints = [
        n for n, t in df.dtypes.items()
        if pd.api.types.is_integer_dtype(t) and len(df) and abs(int(df[n].min())) < 2**62 and int(df[n].max()) < 2**62
    ]
    for name in ints:
        big = int(df[name].max()) + 1
        c.check(bool((df[name] - big < 0).all()), f"{table_dir.name}.{name}: pandas x - (max+1) < 0")
        lf = pl.scan_parquet(table_dir, hive_partitioning=True)
        neg = lf.select((pl.col(name) - big < 0).all()).collect().item()
        c.check(bool(neg), f"{table_dir.name}.{name}: polars x - (max+1) < 0")


def check_dir(out: Path, c: Checks) -> None:
    manifest = tomllib.loads((out / "manifest.toml").read_text())
    scenarios = manifest["scenarios"]
    tables = sorted(p for p in out.iterdir() if p.is_dir())
    c.check(bool(tables), f"{out}: has tables")
    for table_dir in tables:
        check_file_schema(table_dir, c)
        total = row_counts(table_dir, None, c)
        values = {v for v in total.values() if v is not None}
        c.check(len(values) == 1, f"{table_dir.name}: tools disagree on rows: {total}")
        n = next(iter(values), 0)
        c.check(n > 0, f"{table_dir.name}: no rows")
        by_scenario = 0
        present = {p.name.removeprefix(f"{PARTITION_KEY}=") for p in table_dir.iterdir() if p.is_dir()}
        c.check(present <= set(scenarios), f"{table_dir.name}: partitions {present - set(scenarios)} not in the manifest")
        for s in scenarios:
            if s not in present:
                continue
            counts = row_counts(table_dir, s, c)
            got = {v for v in counts.values() if v is not None}
            c.check(len(got) == 1, f"{table_dir.name}[{s}]: tools disagree on rows: {counts}")
            by_scenario += next(iter(got), 0)
        c.check(by_scenario == n, f"{table_dir.name}: scenarios add up to {by_scenario}, not {n}")
        check_arithmetic(table_dir, c)
        print(f"  {table_dir.name:<13} {n:>9} rows, {len(present)} scenario(s): every tool agrees")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    c = Checks()
    print(
        f"readers: polars {pl.__version__}, duckdb {duckdb.__version__}, "
        f"pyarrow {pa.__version__}, pandas {pd.__version__}"
    )
    for arg in argv[1:]:
        out = Path(arg)
        print(f"{out}:")
        check_dir(out, c)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
