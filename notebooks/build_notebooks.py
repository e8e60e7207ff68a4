"""Writes the analyst notebooks (01_quickstart, 02_tariff_vs_year_of_care, 03_uncertainty).

The committed artefacts are the .ipynb files, without outputs; this script is their
readable source. Edit the cells here, then regenerate and check:

    .venv/bin/python notebooks/build_notebooks.py
    .venv/bin/python notebooks/strip_outputs.py --check notebooks/*.ipynb

Cell ids are fixed (not random) so regenerating gives the same bytes.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- shared cells

def parameters(default: str) -> str:
    return f'''# Parameters (papermill-style: this cell is tagged "parameters").
# The results directory comes from the environment variable CARESIM_RESULTS; the
# default is where notebooks/run_all.sh writes it (relative to notebooks/).
import os
RESULTS = os.environ.get("CARESIM_RESULTS", "{default}")
# Optional: a folder to save the figures into as PNG (unset: figures are only shown).
FIGURES = os.environ.get("CARESIM_FIGURES", "")'''


SETUP = '''import math
import tomllib
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
from IPython.display import display

pl.Config.set_tbl_rows(60)
pl.Config.set_tbl_cols(20)
pl.Config.set_tbl_width_chars(220)
pl.Config.set_fmt_str_lengths(70)

RESULTS = Path(RESULTS)
if not (RESULTS / "manifest.toml").is_file():
    raise FileNotFoundError(
        f"{RESULTS.resolve()} is not a caresim results directory (no manifest.toml). "
        "Run e.g. `caresim run configs/small.toml --out target/nb/small` and set "
        "CARESIM_RESULTS to that directory."
    )
MANIFEST = tomllib.loads((RESULTS / "manifest.toml").read_text())


def table(name: str, required: bool = True):
    """A lazy frame over DIR/<name>/**/*.parquet (hive-partitioned by scenario).

    Raises if the table is missing and required; returns None if it is optional and missing.
    """
    folder = RESULTS / name
    if not any(folder.glob("**/*.parquet")):
        if required:
            raise FileNotFoundError(
                f"table '{name}' is missing: no Parquet files under {folder.resolve()}. "
                f"This notebook needs it; the directory holds: "
                f"{sorted(p.name for p in RESULTS.iterdir() if p.is_dir())}"
            )
        return None
    return pl.scan_parquet(f"{folder}/**/*.parquet", hive_partitioning=True)


# Two-sided 95% Student-t critical values (df 1-30; larger df by 1.96 + 2.5/df, within 0.002).
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df: pl.Expr) -> pl.Expr:
    """The critical value as a polars expression of the degrees of freedom (null if df < 1)."""
    e = pl.when(df >= 1).then(1.96 + 2.5 / df)
    for k, v in enumerate(_T975, start=1):
        e = pl.when(df == k).then(pl.lit(v)).otherwise(e)
    return e


def interval(col: str, name: str | None = None) -> list[pl.Expr]:
    """Mean and 95% Student-t interval of the mean of `col` across the rows of a group
    (the rows are runs: one per sample and replication; nulls are left out)."""
    name = name or col
    n = pl.col(col).count()
    half = pl.col(col).std() / n.cast(pl.Float64).sqrt() * t975(n - 1)
    return [pl.col(col).mean().alias(name), (pl.col(col).mean() - half).alias(f"{name}_low"),
            (pl.col(col).mean() + half).alias(f"{name}_high")]


def save(fig, stem: str):
    """Shows a figure and, when CARESIM_FIGURES is set, saves it there as PNG."""
    if FIGURES:
        Path(FIGURES).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(FIGURES) / f"{stem}.png", dpi=110, bbox_inches="tight")
    display(fig)
    plt.close(fig)


SCENARIOS = list(MANIFEST["scenarios"])          # the first is the baseline
BASELINE = SCENARIOS[0]
RUN_KEYS = ["sample", "replication"]              # a run of a scenario; pairs across scenarios
print(f"results: {RESULTS.resolve()}")
print(f"polars {pl.__version__}, matplotlib {matplotlib.__version__}, numpy {np.__version__}")'''


PERSON_YEAR_RUNS = '''# One row per run (scenario, sample, replication): resident-years of exposure, activity and
# resource cost in £ (person_year holds integer pence; exposure_days is Float32, so cast
# before summing). Measured over the years after the warm-up.
SECTORS = ["acute", "community", "social_care", "primary_care"]
ACTIVITY = ["emergency_admissions", "elective_admissions", "bed_days", "dtoc_days",
            "intermediate_care_days", "reablement_days", "home_care_hours", "care_home_weeks",
            "nursing_visits"]
person_year = table("person_year")
runs_py = (
    person_year.group_by("scenario", *RUN_KEYS)
    .agg(
        (pl.col("exposure_days").cast(pl.Float64).sum() / 365.0).alias("resident_years"),
        *[pl.col(a).cast(pl.Float64).sum().alias(a) for a in ACTIVITY],
        *[(pl.col(f"{s}_cost_pence").sum().cast(pl.Float64) / 100.0).alias(f"{s}_cost_gbp") for s in SECTORS],
    )
    .with_columns(
        pl.sum_horizontal([f"{s}_cost_gbp" for s in ("acute", "community", "primary_care")]).alias("nhs_cost_gbp"),
        pl.col("social_care_cost_gbp").alias("council_cost_gbp"),
        pl.sum_horizontal([f"{s}_cost_gbp" for s in SECTORS]).alias("total_cost_gbp"),
    )
    .sort("scenario", *RUN_KEYS)
    .collect()
)
if runs_py.height == 0:
    raise ValueError("person_year is empty: the model has no [cohort], so there is no cost to compare")
COSTS = [f"{s}_cost_gbp" for s in SECTORS] + ["nhs_cost_gbp", "council_cost_gbp", "total_cost_gbp"]
# Per resident-year (a resident observed for a whole year counts 1).
per_resident = runs_py.with_columns(
    *[(pl.col(c) / pl.col("resident_years")).alias(c.replace("_gbp", "_per_resident_gbp")) for c in COSTS],
    *[(pl.col(a) / pl.col("resident_years") * 1000).alias(f"{a}_per_1000") for a in ACTIVITY],
)
print(f"{runs_py.height} runs; resident-years per run: "
      f"{runs_py['resident_years'].min():,.0f} to {runs_py['resident_years'].max():,.0f}")'''


PAIRED = '''# Paired differences (scenario minus baseline) on common random numbers: each run of a
# scenario is paired with the baseline run of the same sample and replication.
PER_RES = [c.replace("_gbp", "_per_resident_gbp") for c in COSTS]
PER_1000 = [f"{a}_per_1000" for a in ACTIVITY]
base = per_resident.filter(pl.col("scenario") == BASELINE)
others = per_resident.filter(pl.col("scenario") != BASELINE)
if others.height == 0:
    raise ValueError(f"only the baseline scenario ({BASELINE}) is in {RESULTS}: nothing to compare")
paired = others.join(base, on=RUN_KEYS, suffix="_base", how="inner")
if paired.height != others.height:
    raise ValueError("some scenario runs have no baseline run with the same sample and replication")
paired = paired.select(
    "scenario", *RUN_KEYS,
    pl.col("resident_years"),
    *[(pl.col(c) - pl.col(f"{c}_base")).alias(f"d_{c}") for c in PER_RES + PER_1000],
    *[(pl.col(a) - pl.col(f"{a}_base")).alias(f"d_{a}") for a in ACTIVITY],
    pl.col("total_cost_per_resident_gbp_base").alias("base_total_per_resident_gbp"),
    # saving: positive when the scenario costs less than the baseline
    (pl.col("total_cost_per_resident_gbp_base") - pl.col("total_cost_per_resident_gbp")).alias("saving_per_resident_gbp"),
    ((pl.col("total_cost_per_resident_gbp_base") - pl.col("total_cost_per_resident_gbp"))
     / pl.col("total_cost_per_resident_gbp_base") * 100).alias("saving_pct"),
    (pl.col("emergency_admissions_base") - pl.col("emergency_admissions")).alias("admissions_avoided"),
    (pl.col("bed_days_base") - pl.col("bed_days")).alias("bed_days_avoided"),
    (pl.col("dtoc_days_base") - pl.col("dtoc_days")).alias("dtoc_days_avoided"),
)
OTHER_SCENARIOS = [s for s in SCENARIOS if s != BASELINE]
print(f"{paired.height} pairs over {len(OTHER_SCENARIOS)} scenario(s): {OTHER_SCENARIOS}")'''


def fmt_table() -> str:
    return '''def mean_ci_table(df: pl.DataFrame, by: list[str], cols: list[str], digits: int = 2) -> pl.DataFrame:
    """'mean [low, high]' strings of the 95% interval of each column's mean, per group."""
    out = df.group_by(by, maintain_order=True).agg(pl.len().alias("n"), *[e for c in cols for e in interval(c)])
    return out.select(*by, "n", *[
        pl.format("{} [{}, {}]", *[pl.col(x).round(digits) for x in (c, f"{c}_low", f"{c}_high")]).alias(c)
        for c in cols])'''


def notebook(name: str, cells: list) -> None:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    stem = name.split("_")[0]
    for i, cell in enumerate(cells):
        cell.id = f"c{stem}-{i:02d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        nb.cells.append(cell)
    nbformat.validate(nb)
    (HERE / f"{name}.ipynb").write_text(nbformat.writes(nb) + "\n")


def params_cell(default: str):
    c = new_code_cell(parameters(default))
    c.metadata["tags"] = ["parameters"]
    return c


# ---------------------------------------------------------------- 01 quickstart

NB01 = [
    new_markdown_cell('''# caresim quick start: one experiment's tables

This notebook reads the Parquet outputs of one caresim experiment (by default
`configs/small.toml`: 20,000 residents, three scenarios, three replications) and shows

1. the run manifest (version, config hash, seed, scenarios, replications);
2. occupancy over time per pool, with a 95% interval band across replications;
3. delayed transfers of care (DToC) by reason and by responsible organisation;
4. the calibration table of the baseline scenario against the domain brief's targets.

To produce the results it reads, from the repository root:

```sh
cargo build
./target/debug/caresim run configs/small.toml --out target/nb/small --force
.venv/bin/pip install jupyterlab      # not pinned: only to open the notebooks interactively
CARESIM_RESULTS=$PWD/target/nb/small .venv/bin/jupyter lab notebooks/   # or edit RESULTS below
```

Without `CARESIM_RESULTS` the notebook reads `../target/nb/small` (relative to `notebooks/`).

`notebooks/run_all.sh` does all of this and executes every notebook headless. The
notebook only reads Parquet tables (lazily, with `pl.scan_parquet` over the hive-partitioned
folders `DIR/<table>/scenario=<name>/...`); it hard-codes no results and fails on a missing
table.'''),
    params_cell("../target/nb/small"),
    new_code_cell(SETUP),
    new_markdown_cell("## 1. The run manifest\n\n`manifest.toml` records the provenance of every table: "
                      "the caresim version, the config hash, the master seed, the scenarios and the fully "
                      "resolved config. The `runs` table has one row per run."),
    new_code_cell('''print(f"source config : {MANIFEST.get('source')}")
print(f"caresim      : {MANIFEST.get('caresim_version')}  (config hash {MANIFEST.get('config_hash')})")
print(f"seed         : {MANIFEST.get('seed')}")
print(f"scenarios    : {SCENARIOS}  (baseline: {BASELINE})")
print(f"samples x replications: {MANIFEST.get('samples', 1)} x {MANIFEST.get('replications')}")
print(f"horizon      : {MANIFEST.get('horizon_days')} days, warm-up {MANIFEST.get('warmup_days')} days")

runs = table("runs").collect()
display(runs.group_by("scenario", maintain_order=True).agg(
    pl.len().alias("runs"), pl.col("sample").n_unique().alias("samples"),
    pl.col("replication").n_unique().alias("replications"), pl.col("events").sum().alias("events"),
    pl.col("horizon_days").first(), pl.col("warmup_days").first()))

# The scenario descriptions and the pools of the resolved config
cfg = MANIFEST["config"]
for s in cfg.get("scenarios", []):
    print(f"- {s['name']}: {s.get('description', '')}")
pools_cfg = pl.DataFrame([
    {"pool": name, "capacity": str(p.get("capacity")), "setting": p.get("setting", "other"),
     "delay_reason": p.get("delay_reason", "other"), "responsible": p.get("responsible", "nhs")}
    for name, p in cfg.get("pools", {}).items()])
pools_cfg'''),
    new_markdown_cell("## 2. Pools after the warm-up\n\nFrom the `summary` table (written by caresim: mean and "
                      "95% Student-t interval across replications), for the main pool metrics."),
    new_code_cell('''summary = table("summary").collect()
metrics = ["mean_occupied", "p_wait", "mean_wait_days", "blocked_days", "throughput_per_day"]
(summary.filter(pl.col("metric").is_in(metrics))
    .with_columns(pl.format("{} [{}, {}]", pl.col("mean").round(2), pl.col("ci_low").round(2),
                            pl.col("ci_high").round(2)).alias("value"))
    .pivot(on="metric", index=["scenario", "pool"], values="value")
    .select("scenario", "pool", *[m for m in metrics if m in summary["metric"].unique().to_list()])
    .sort(pl.col("scenario").replace_strict({s: i for i, s in enumerate(SCENARIOS)}, default=99), "pool"))'''),
    new_markdown_cell('''## 3. Occupancy over time

The `capacity` table has one row per run, pool and day (warm-up included): the time-average
number of occupied places that day. Here each run's days are averaged over 7-day periods; the
line is the mean across runs (replications, and samples if any) and the band holds the middle
95% of runs (2.5th to 97.5th percentile, so with 3 runs it is close to their range). The dashed
line is the capacity; the grey area is the warm-up, which the summary tables exclude.'''),
    new_code_cell('''from matplotlib.lines import Line2D
from matplotlib.patches import Patch

capacity = table("capacity")
occ = (capacity.with_columns((pl.col("day") // 7).alias("week"))
       .group_by("scenario", *RUN_KEYS, "pool", "week").agg(pl.col("occupied").mean())
       .group_by("scenario", "pool", "week")
       .agg(pl.col("occupied").mean().alias("mean"),
            pl.col("occupied").quantile(0.025, "linear").alias("low"),
            pl.col("occupied").quantile(0.975, "linear").alias("high"))
       .with_columns((pl.col("week") * 7 + 3.5).alias("day"))
       .sort("scenario", "pool", "week").collect())
pool_capacity = (table("pool_summary").group_by("scenario", "pool")
                 .agg(pl.col("capacity").first()).collect())
pools = sorted(occ["pool"].unique().to_list())
warmup = float(MANIFEST.get("warmup_days", 0))
ncols = 3
nrows = math.ceil(len(pools) / ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False)
colours = {s: plt.rcParams["axes.prop_cycle"].by_key()["color"][i % 10] for i, s in enumerate(SCENARIOS)}
for ax, pool in zip(axes.flat, pools):
    for scen in SCENARIOS:
        d = occ.filter((pl.col("pool") == pool) & (pl.col("scenario") == scen))
        if d.height == 0:
            continue
        ax.plot(d["day"], d["mean"], color=colours[scen], lw=1.2)
        ax.fill_between(d["day"].to_numpy(), d["low"].to_numpy(), d["high"].to_numpy(), color=colours[scen], alpha=0.18)
    # capacity: one dashed line per distinct value (black when all scenarios share it)
    caps = (pool_capacity.filter((pl.col("pool") == pool) & pl.col("capacity").is_not_null())
            .group_by("capacity").agg(pl.col("scenario")))
    for cap, scens in caps.iter_rows():
        ax.axhline(cap, ls="--", lw=0.9, color="black" if caps.height == 1 else colours[scens[0]])
    if warmup > 0:
        ax.axvspan(0, warmup, color="grey", alpha=0.12)
    ax.set_ylim(bottom=0)
    ax.set_title(pool)
    ax.set_xlabel("day of run (days; 7-day means)")
    ax.set_ylabel("occupied places")
for ax in list(axes.flat)[len(pools):]:
    ax.axis("off")
handles = [Line2D([], [], color=colours[s], lw=1.5, label=f"{s}: mean of runs") for s in SCENARIOS]
handles += [Patch(color="grey", alpha=0.35, label="band: 2.5th-97.5th percentile of runs"),
            Line2D([], [], color="black", ls="--", label="capacity (coloured: differs by scenario)"),
            Patch(color="grey", alpha=0.12, label="warm-up (excluded from summaries)")]
fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=9, frameon=False)
fig.suptitle(f"Occupied places per pool over time, {runs.height // len(SCENARIOS)} runs per scenario "
             f"({MANIFEST.get('source')})")
fig.tight_layout(rect=(0, 0.08, 1, 0.97))
save(fig, "occupancy_over_time")'''),
    new_markdown_cell('''## 4. Delayed transfers of care

A patient blocked in an acute bed, waiting for a place downstream, is a delayed transfer of care.
The `delays` table has the blocked place-days per run by pool held and pool waited for, with
the delay reason and the responsible organisation of the pool waited for. Runs with no delay
of a kind have no row, so the grid of runs x categories is completed with zeros before
averaging. Days are scaled to a year of the measured window (horizon minus warm-up).'''),
    new_code_cell('''acute_pools = [p for p, c in cfg.get("pools", {}).items() if c.get("setting") == "acute"]
window_years = (float(MANIFEST["horizon_days"]) - warmup) / 365.0
delays = table("delays").filter(pl.col("held_pool").is_in(acute_pools)).collect()
all_runs = runs.select("scenario", *RUN_KEYS)


def dtoc_by(key: str) -> pl.DataFrame:
    per_run = delays.group_by("scenario", *RUN_KEYS, key).agg(pl.col("delayed_days").sum())
    cats = pl.DataFrame({key: sorted(delays[key].unique().to_list())}) if delays.height else pl.DataFrame({key: ["none"]})
    grid = all_runs.join(cats, how="cross").join(per_run, on=["scenario", *RUN_KEYS, key], how="left")
    grid = grid.with_columns((pl.col("delayed_days").fill_null(0.0) / window_years).alias("dtoc_days_per_year"))
    return (grid.group_by("scenario", key).agg(interval("dtoc_days_per_year"))
            .sort(pl.col("scenario").replace_strict({s: i for i, s in enumerate(SCENARIOS)}, default=99), key))


by_reason = dtoc_by("reason")
by_resp = dtoc_by("responsible")
display(by_reason)
display(by_resp)
if delays.height == 0:
    print("No delayed transfers of care in any run: every downstream pool had a free place.")

fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
for ax, d, key, title in ((axes[0], by_reason, "reason", "by delay reason"),
                          (axes[1], by_resp, "responsible", "by responsible organisation")):
    cats = d[key].unique(maintain_order=True).to_list()
    width = 0.8 / len(SCENARIOS)
    x = np.arange(len(cats))
    for i, scen in enumerate(SCENARIOS):
        s = d.filter(pl.col("scenario") == scen)
        s = pl.DataFrame({key: cats}).join(s, on=key, how="left").fill_null(0.0)
        mean = s["dtoc_days_per_year"].to_numpy()
        lo = np.nan_to_num(mean - s["dtoc_days_per_year_low"].to_numpy())
        hi = np.nan_to_num(s["dtoc_days_per_year_high"].to_numpy() - mean)
        ax.bar(x + (i - (len(SCENARIOS) - 1) / 2) * width, mean, width, yerr=[np.maximum(lo, 0), np.maximum(hi, 0)],
               capsize=3, label=scen)
    ax.set_xticks(x, cats, rotation=15)
    ax.set_xlabel(key.replace("_", " "))
    ax.set_ylabel("delayed bed-days per year (days)")
    ax.set_title(f"Delayed transfers of care {title}")
    ax.legend(title="scenario (error bar: 95% interval)", fontsize=8)
fig.tight_layout()
save(fig, "dtoc_by_reason_and_organisation")'''),
    new_markdown_cell('''## 5. Calibration of the baseline

Each run writes the calibration measures of the domain brief (§7.9) to the `calibration`
table with the target (`expected`), its tolerance and its source. Below: the baseline's mean
value and 95% interval across runs, and whether the mean is inside the tolerance. (`caresim
calibrate CONFIG` prints the same comparison.) Measures undefined in a run (for example the
responsibility shares when there are no delays) are NaN there and left out of its mean.'''),
    new_code_cell('''calibration = table("calibration", required=False)
if calibration is None:
    print("No `calibration` table in this results directory (written by caresim versions with the "
          "cohort calibration measures). Run `caresim calibrate CONFIG` for the same comparison.")
else:
    calib = (calibration.filter(pl.col("scenario") == BASELINE)
             .with_columns(pl.col("value").fill_nan(None))
             .group_by("target", maintain_order=True)
             .agg(pl.col("expected").first(), pl.col("tolerance_low").first(), pl.col("tolerance_high").first(),
                  *interval("value", "simulated"), pl.col("source").first())
             .collect()
             .with_columns(
                 pl.when(pl.col("simulated").is_null()).then(pl.lit("n/a"))
                 .when(pl.col("simulated").is_between(pl.col("tolerance_low"), pl.col("tolerance_high")))
                 .then(pl.lit("inside")).otherwise(pl.lit("OUTSIDE")).alias("status")))
    display(calib.select("target", "expected", pl.format("{}-{}", "tolerance_low", "tolerance_high").alias("tolerance"),
                         pl.col("simulated").round(4), pl.col("simulated_low").round(4),
                         pl.col("simulated_high").round(4), "status", "source"))
    print(f"{(calib['status'] == 'inside').sum()} of {calib.height} targets inside tolerance "
          f"(scenario {BASELINE}, {runs.filter(pl.col('scenario') == BASELINE).height} runs)")'''),
]

# ---------------------------------------------------------------- 02 scenario comparison

NB02 = [
    new_markdown_cell('''# Scenario comparison on resource cost (payments not yet simulated)

**Payment flows are not simulated yet.** caresim does not yet model tariffs, year-of-care
budgets, payers or provider income (the payment rules are the next piece of work), so this
notebook cannot compare *tariff vs year of care*, spend by payer or provider surplus. It compares
the shipped scenarios (`baseline`, `admission_avoidance`, `community_capacity_uplift`) on
**resource cost**: activity valued at unit costs (integer pence in `person_year`, shown in £),
which is the "real saving" side of the domain brief's resource-vs-payment view (§7.8).
No payment figures appear below. When a `ledger` table appears, section 6 is where the payer
and provider views go.

What it shows, each scenario minus the baseline, **paired** on common random numbers (the
same sample and replication):

1. resource cost per resident-year by sector (acute, community, social care, primary care);
2. the cost shift between the NHS (acute + community + primary care) and the council (social care);
3. emergency admissions, bed-days and delayed transfer days avoided;
4. savings as % of baseline resource cost, with 95% intervals across the pairs;
5. the national equivalent (`saving per resident-year x 53.9m`) beside the "£4-6bn" claim;
6. a waterfall for a board paper.

Caveats: resource cost counts activity only. The cost of the extra capacity in
`community_capacity_uplift` (empty places, staff) is not counted, so its "saving" is before
investment; and bed-days freed are capacity-releasing, not cash-releasing, unless beds close.'''),
    params_cell("../target/nb/small"),
    new_code_cell(SETUP),
    new_code_cell('''# The payment side: a `ledger` table (payer, provider, payments) does not exist yet.
ledger = table("ledger", required=False)
if ledger is None:
    print("No `ledger` table: payment flows (tariff, year-of-care budgets, payers, provider income) are "
          "not simulated by this caresim version. The payer and provider sections are skipped; "
          "everything below is resource cost.")
else:
    print("A `ledger` table is present; its schema is below. This notebook does not analyse it yet: "
          "add the payer / provider surplus sections in section 6.")
    print(ledger.collect_schema())'''),
    new_markdown_cell("## 1. Resource cost per resident-year by scenario\n\nFrom `person_year`, summed per run; "
                      "a resident-year is 365 days of exposure after the warm-up."),
    new_code_cell(PERSON_YEAR_RUNS),
    new_code_cell(fmt_table() + '''


order = pl.col("scenario").replace_strict({s: i for i, s in enumerate(SCENARIOS)}, default=99)
cost_cols = ["acute_cost_per_resident_gbp", "community_cost_per_resident_gbp", "social_care_cost_per_resident_gbp",
             "primary_care_cost_per_resident_gbp", "nhs_cost_per_resident_gbp", "council_cost_per_resident_gbp",
             "total_cost_per_resident_gbp"]
print("Resource cost per resident-year (£), mean [95% interval] across runs")
display(mean_ci_table(per_resident.sort(order), ["scenario"], cost_cols))
print("Activity per 1,000 resident-years, mean [95% interval] across runs")
display(mean_ci_table(per_resident.sort(order), ["scenario"],
                      ["emergency_admissions_per_1000", "bed_days_per_1000", "dtoc_days_per_1000",
                       "home_care_hours_per_1000", "care_home_weeks_per_1000"], 1))'''),
    new_markdown_cell("## 2. Paired differences from the baseline\n\nNegative cost differences are savings. "
                      "NHS = acute + community + primary care; council = social care."),
    new_code_cell(PAIRED),
    new_code_cell('''d_cost = [f"d_{c}" for c in cost_cols]
print("Change in resource cost per resident-year (£), scenario minus baseline, mean [95% interval] over pairs")
display(mean_ci_table(paired.sort(order), ["scenario"], d_cost))
print("Activity avoided (baseline minus scenario; whole area, per run's measured window)")
display(mean_ci_table(paired.sort(order), ["scenario"], ["admissions_avoided", "bed_days_avoided", "dtoc_days_avoided"], 1))

fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
sectors = ["acute", "community", "social_care", "primary_care"]
width = 0.8 / len(OTHER_SCENARIOS)
for ax, cols, labels, title in (
        (axes[0], [f"d_{s}_cost_per_resident_gbp" for s in sectors], sectors, "by sector"),
        (axes[1], ["d_nhs_cost_per_resident_gbp", "d_council_cost_per_resident_gbp", "d_total_cost_per_resident_gbp"],
         ["NHS", "council", "total"], "cost shift NHS <-> council")):
    x = np.arange(len(cols))
    for i, scen in enumerate(OTHER_SCENARIOS):
        s = paired.filter(pl.col("scenario") == scen).select([e for c in cols for e in interval(c)])
        mean = np.array([s[c][0] for c in cols], dtype=float)
        lo = np.nan_to_num(mean - np.array([s[f"{c}_low"][0] for c in cols], dtype=float))
        hi = np.nan_to_num(np.array([s[f"{c}_high"][0] for c in cols], dtype=float) - mean)
        ax.bar(x + (i - (len(OTHER_SCENARIOS) - 1) / 2) * width, mean, width, yerr=[lo, hi], capsize=3, label=scen)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, labels)
    ax.set_xlabel("sector" if "sector" in title else "organisation bearing the resource cost")
    ax.set_ylabel("change in resource cost per resident-year (£)")
    ax.set_title(f"Scenario minus baseline, {title}")
    ax.legend(title="scenario (error bar: 95% interval)", fontsize=8)
fig.tight_layout()
save(fig, "cost_change_by_sector")'''),
    new_markdown_cell('''## 3. Savings and the national equivalent

`saving % = (baseline - scenario) / baseline` resource cost per resident-year, computed per
pair. The national equivalent scales the saving per resident-year to England's population
served by the NHS (53.9m, 2015/16 [SIMUL8-2016]) per year: `national = local saving x 53.9m /
local population` (domain brief §7.8), to set beside Monitor's "£4-6bn from integration"
(Monitor's own estimate: up to £4bn [MONITOR-GAP]).'''),
    new_code_cell('''ENGLAND_POPULATION = 53.9e6          # domain brief §7.8 [SIMUL8-2016]; a scale constant, not a result
CLAIM_BN = (4.0, 6.0)                # the "£4-6bn" claim (Monitor, as quoted) [MONITOR-GAP]
paired = paired.with_columns((pl.col("saving_per_resident_gbp") * ENGLAND_POPULATION / 1e9).alias("national_saving_bn"))
savings = (paired.group_by("scenario", maintain_order=True)
           .agg(pl.len().alias("pairs"), *interval("saving_per_resident_gbp"), *interval("saving_pct"),
                *interval("national_saving_bn"), (pl.col("saving_per_resident_gbp") > 0).mean().alias("p_saving"))
           .sort(order))
display(savings.select("scenario", "pairs", pl.col("^saving.*$").round(3), pl.col("^national.*$").round(3), "p_saving"))

fig, ax = plt.subplots(figsize=(8, 4.5))
y = np.arange(len(OTHER_SCENARIOS))
m = savings["national_saving_bn"].to_numpy()
lo = np.nan_to_num(m - savings["national_saving_bn_low"].to_numpy())
hi = np.nan_to_num(savings["national_saving_bn_high"].to_numpy() - m)
ax.barh(y, m, xerr=[lo, hi], capsize=4, color="tab:blue", label="simulated national equivalent (95% interval)")
ax.axvspan(*CLAIM_BN, color="tab:orange", alpha=0.25, label='claim: "£4-6bn from integration"')
ax.axvline(0, color="black", lw=0.8)
ax.set_yticks(y, savings["scenario"].to_list())
ax.set_xlabel("resource cost saving, England equivalent (£bn per year)")
ax.set_ylabel("scenario")
ax.set_title("National equivalent of the simulated saving vs the £4-6bn claim")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
save(fig, "national_equivalent")'''),
    new_markdown_cell('''## 4. Board-paper waterfall

The change in resource cost per resident-year, sector by sector, adding up to the net change
(scenario minus baseline; bars going down are savings). Sector bars are means over the pairs;
the net change carries its 95% interval, and the sector intervals are in the tables above.'''),
    new_code_cell('''fig, axes = plt.subplots(1, len(OTHER_SCENARIOS), figsize=(6.5 * len(OTHER_SCENARIOS), 4.8), squeeze=False)
for ax, scen in zip(axes.flat, OTHER_SCENARIOS):
    s = paired.filter(pl.col("scenario") == scen)
    base_total = s["base_total_per_resident_gbp"].mean()
    steps = [(lab, s[f"d_{sec}_cost_per_resident_gbp"].mean()) for lab, sec in
             (("acute", "acute"), ("community", "community"), ("social care", "social_care"),
              ("primary care", "primary_care"))]
    level = 0.0
    for i, (lab, d) in enumerate(steps):
        ax.bar(i, d, bottom=level, color="tab:green" if d < 0 else "tab:red",
               label="saving" if d < 0 else "extra cost")
        ax.text(i, level + max(d, 0), f"{d:+.2f}", ha="center", va="bottom", fontsize=8)
        if i:
            ax.plot([i - 1.4, i - 0.6], [level, level], color="grey", lw=0.8)
        level += d
    tot = s.select(interval("d_total_cost_per_resident_gbp")).row(0)
    ax.plot([len(steps) - 1.4, len(steps) - 0.6], [level, level], color="grey", lw=0.8)
    ax.bar(len(steps), tot[0], color="tab:blue", yerr=[[tot[0] - tot[1]], [tot[2] - tot[0]]] if tot[1] is not None else None,
           capsize=4, label="net change (error bar: 95% interval)")
    ax.text(len(steps), max(tot[0], 0), f"{tot[0]:+.2f}", ha="left", va="bottom", fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(steps) + 1), [lab for lab, _ in steps] + ["net change"])
    ax.set_xlabel("sector")
    ax.set_ylabel("change in resource cost per resident-year (£)")
    ax.set_title(f"{scen} vs {BASELINE}\\n(baseline resource cost £{base_total:,.2f} per resident-year)")
uniq = {}
for ax in axes.flat:
    h, l = ax.get_legend_handles_labels()
    uniq.update(zip(l, h))
fig.legend(uniq.values(), uniq.keys(), fontsize=9, loc="lower center", ncol=3, frameon=False)
fig.suptitle("Where the change in resource cost comes from (scenario minus baseline, mean over pairs)")
fig.tight_layout(rect=(0, 0.07, 1, 1))
save(fig, "waterfall")'''),
    new_markdown_cell("## 5. Pool-level paired differences (caresim's `paired` table)\n\nWritten by caresim "
                      "itself: scenario minus baseline per pool metric, mean and 95% interval over pairs, and "
                      "the share of pairs below zero. A cross-check of the person-level numbers above."),
    new_code_cell('''paired_pools = table("paired", required=False)
if paired_pools is None:
    print("No `paired` table (the experiment has only a baseline scenario, or an older caresim).")
else:
    display(paired_pools.filter(pl.col("metric").is_in(["admitted", "mean_occupied", "blocked_days"]))
            .select("scenario", "pool", "metric", "n", pl.col("mean").round(3), pl.col("ci_low").round(3),
                    pl.col("ci_high").round(3), "p_below_zero")
            .sort("scenario", "metric", "pool").collect())'''),
    new_markdown_cell('''## 6. Payers and providers (to come)

When caresim writes payments (a `ledger` table: payer, provider, currency, amount), add here:
spend per resident by payer (NHS commissioner, council, pooled fund), provider income vs the
resource cost above (surplus per organisation), and tariff vs year-of-care scenarios. Until then
this notebook shows resource cost only; see the check at the top.'''),
]

# ---------------------------------------------------------------- 03 uncertainty

NB03 = [
    new_markdown_cell('''# Uncertainty: probabilistic sensitivity analysis (PSA)

Reads an experiment whose config gives some parameters distributions instead of numbers
(`samples = N`, e.g. `readmission_multiplier = { dist = "gamma", mean = 2.0, sd = 0.4 }`), by
default `configs/examples/psa_small.toml` (8 draws x 2 home care capacities = 16 samples, 2
replications each). caresim writes the drawn value of every varied parameter per sample to the
`parameters` table; this notebook fails if it is missing.

It shows, for each scenario against the baseline (paired on sample and replication, then
averaged over the replications of each sample):

1. the distribution of the paired differences in resource cost per resident-year;
2. a cost-effectiveness plane: change in cost vs emergency admissions avoided, one point per sample;
3. a tornado chart of the parameters that move the saving most.

As in notebook 02, costs are **resource costs** (payments are not simulated yet).'''),
    params_cell("../target/nb/psa_small"),
    new_code_cell(SETUP),
    new_code_cell('''parameters = table("parameters", required=False)
if parameters is None:
    raise FileNotFoundError(
        f"table 'parameters' is missing under {RESULTS.resolve()}: this results directory is not a PSA. "
        "Give some config values distributions (e.g. `{ dist = \\"gamma\\", mean = 2.0, sd = 0.4 }`) and "
        "`samples = N`, as in configs/examples/psa_small.toml, and run it: "
        "`caresim run configs/examples/psa_small.toml --out target/nb/psa_small`.")
parameters = parameters.collect()
display(parameters.group_by("scenario", "parameter", "dist", maintain_order=True)
        .agg(pl.len().alias("samples"), pl.col("value").min().alias("min"), pl.col("value").mean().alias("mean"),
             pl.col("value").max().alias("max"))
        .sort("scenario", "parameter"))'''),
    new_code_cell(PERSON_YEAR_RUNS),
    new_code_cell(PAIRED),
    new_markdown_cell('''## 1. Distribution of the paired differences

One value per sample (parameter set): the paired difference averaged over that sample's
replications. The spread combines parameter uncertainty and the remaining simulation noise.'''),
    new_code_cell('''per_sample = (paired.group_by("scenario", "sample")
              .agg(pl.col("d_total_cost_per_resident_gbp").mean(), pl.col("saving_per_resident_gbp").mean(),
                   pl.col("saving_pct").mean(), pl.col("d_emergency_admissions_per_1000").mean(),
                   pl.col("admissions_avoided").mean(), pl.len().alias("replications"))
              .sort("scenario", "sample"))
n_samples = per_sample["sample"].n_unique()
summary_psa = (per_sample.group_by("scenario", maintain_order=True)
               .agg(pl.len().alias("samples"), pl.col("saving_per_resident_gbp").mean().alias("mean_saving_gbp"),
                    pl.col("saving_per_resident_gbp").quantile(0.025, "linear").alias("p2.5_gbp"),
                    pl.col("saving_per_resident_gbp").quantile(0.975, "linear").alias("p97.5_gbp"),
                    pl.col("saving_pct").mean().alias("mean_saving_pct"),
                    (pl.col("saving_per_resident_gbp") > 0).mean().alias("p_saving")))
display(summary_psa)

fig, ax = plt.subplots(figsize=(8, 4.5))
bins = np.histogram_bin_edges(per_sample["d_total_cost_per_resident_gbp"].to_numpy(), bins=min(20, max(5, n_samples)))
for scen in OTHER_SCENARIOS:
    v = per_sample.filter(pl.col("scenario") == scen)["d_total_cost_per_resident_gbp"].to_numpy()
    ax.hist(v, bins=bins, alpha=0.55, label=f"{scen} (mean {v.mean():+.2f})")
ax.axvline(0, color="black", lw=0.8)
ax.set_xlabel("change in resource cost per resident-year, scenario minus baseline (£)")
ax.set_ylabel("samples (parameter sets)")
ax.set_title(f"Paired differences across {n_samples} PSA samples")
ax.legend(title="scenario", fontsize=8)
fig.tight_layout()
save(fig, "psa_paired_differences")'''),
    new_markdown_cell('''## 2. Cost-effectiveness plane

x: emergency admissions avoided per 1,000 resident-years; y: change in resource cost per
resident-year. Points in the lower right avoid admissions and save money; upper right avoid
admissions at a cost. (The effect is admissions avoided, not QALYs: caresim does not model
quality of life.)'''),
    new_code_cell('''fig, ax = plt.subplots(figsize=(7.5, 5.5))
for scen in OTHER_SCENARIOS:
    s = per_sample.filter(pl.col("scenario") == scen)
    x = -s["d_emergency_admissions_per_1000"].to_numpy()
    y = s["d_total_cost_per_resident_gbp"].to_numpy()
    sc = ax.scatter(x, y, alpha=0.7, label=f"{scen}: one point per sample")
    ax.scatter([x.mean()], [y.mean()], marker="X", s=140, edgecolor="black", color=sc.get_facecolor()[0],
               label=f"{scen}: mean")
ax.axhline(0, color="black", lw=0.8)
ax.axvline(0, color="black", lw=0.8)
ax.set_xlabel("emergency admissions avoided (per 1,000 resident-years)")
ax.set_ylabel("change in resource cost per resident-year (£)")
ax.set_title("Cost-effectiveness plane: scenario vs baseline (PSA samples)")
ax.legend(fontsize=8)
fig.tight_layout()
save(fig, "psa_ce_plane")'''),
    new_markdown_cell('''## 3. Which parameters move the saving most (tornado)

A linear metamodel per scenario: the per-sample saving (£ per resident-year) regressed on the
parameters in effect in that scenario or the baseline. Each bar shows the saving predicted
with one parameter at its 10th and at its 90th percentile across the samples, the others at
their means. With few samples this is indicative only; the standardised coefficients and rank
correlations are printed beside it.'''),
    new_code_cell('''def parameter_matrix(scen: str) -> pl.DataFrame:
    """Wide table: one row per sample, one column per parameter in effect in `scen` or the baseline."""
    p = parameters.filter(pl.col("scenario").is_in([scen, BASELINE]))
    # A key varied in both has the same draw in both (streams are keyed by the parameter only)
    # unless the scenario overrides it; the scenario's own value then describes its arm.
    p = p.with_columns(pl.when(pl.col("scenario") == BASELINE).then(pl.col("parameter") + " (baseline)")
                       .otherwise(pl.col("parameter")).alias("parameter"))
    wide = p.pivot(on="parameter", index="sample", values="value", aggregate_function="first").sort("sample")
    # drop baseline copies identical to the scenario's column
    for c in [c for c in wide.columns if c.endswith(" (baseline)")]:
        twin = c.removesuffix(" (baseline)")
        if twin in wide.columns and (wide[twin] == wide[c]).all():
            wide = wide.drop(c)
    keep = ["sample"] + [c for c in wide.columns if c != "sample" and wide[c].n_unique() > 1]
    return wide.select(keep)


tornado = []
for scen in OTHER_SCENARIOS:
    X = parameter_matrix(scen)
    y = per_sample.filter(pl.col("scenario") == scen).select("sample", "saving_per_resident_gbp")
    d = X.join(y, on="sample", how="inner")
    names = [c for c in X.columns if c != "sample"]
    if not names:
        print(f"{scen}: no parameter varies; no tornado")
        continue
    if d.height <= len(names) + 1:
        raise ValueError(f"{scen}: {d.height} samples for {len(names)} parameters; a metamodel needs more samples")
    A = d.select(names).to_numpy().astype(float)
    b = d["saving_per_resident_gbp"].to_numpy()
    mu, sd = A.mean(axis=0), A.std(axis=0, ddof=1)
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(b)), (A - mu) / sd]), b, rcond=None)
    centre = coef[0]
    for j, name in enumerate(names):
        p10, p90 = np.percentile(A[:, j], [10, 90])
        rank_r = np.corrcoef(np.argsort(np.argsort(A[:, j])), np.argsort(np.argsort(b)))[0, 1]
        tornado.append({"scenario": scen, "parameter": name, "centre_gbp": centre,
                        "at_p10_gbp": centre + coef[j + 1] * (p10 - mu[j]) / sd[j],
                        "at_p90_gbp": centre + coef[j + 1] * (p90 - mu[j]) / sd[j],
                        "p10": p10, "p90": p90, "std_coef_gbp_per_sd": coef[j + 1], "spearman_r": rank_r})
tornado = pl.DataFrame(tornado).with_columns((pl.col("at_p90_gbp") - pl.col("at_p10_gbp")).abs().alias("swing_gbp"))
display(tornado.sort("scenario", "swing_gbp", descending=[False, True]))

scens = tornado["scenario"].unique(maintain_order=True).to_list()
fig, axes = plt.subplots(len(scens), 1, figsize=(9, 1.0 + 0.7 * tornado.height), squeeze=False)
for ax, scen in zip(axes.flat, scens):
    t = tornado.filter(pl.col("scenario") == scen).sort("swing_gbp")
    centre = t["centre_gbp"][0]
    yy = np.arange(t.height)
    ax.barh(yy, t["at_p10_gbp"].to_numpy() - centre, left=centre, color="tab:blue",
            label="parameter at its 10th percentile")
    ax.barh(yy, t["at_p90_gbp"].to_numpy() - centre, left=centre, color="tab:orange",
            label="parameter at its 90th percentile")
    ax.axvline(centre, color="black", lw=0.8, label=f"mean saving ({centre:+.2f} £)")
    ax.set_yticks(yy, [f"{p}\\n[{a:.3g} to {b:.3g}]" for p, a, b in zip(t["parameter"], t["p10"], t["p90"])], fontsize=8)
    ax.set_xlabel("saving in resource cost per resident-year vs baseline (£)")
    ax.set_ylabel("parameter [10th to 90th percentile]")
    ax.set_title(f"Tornado: {scen} vs {BASELINE} ({n_samples} samples, linear metamodel)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
fig.tight_layout()
save(fig, "psa_tornado")'''),
]


def main() -> None:
    notebook("01_quickstart", NB01)
    notebook("02_tariff_vs_year_of_care", NB02)
    notebook("03_uncertainty", NB03)
    print("wrote", ", ".join(sorted(p.name for p in HERE.glob("*.ipynb"))))


if __name__ == "__main__":
    main()
