"""Writes the analyst notebooks (01_quickstart, 02_tariff_vs_year_of_care, 03_uncertainty).

The committed artefacts are the .ipynb files, without outputs; this script is their
readable source. Edit the cells here, then regenerate and check:

    target/venv/bin/python notebooks/build_notebooks.py
    target/venv/bin/python notebooks/strip_outputs.py --check notebooks/*.ipynb

Cell ids are fixed (not random) so regenerating gives the same bytes.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------- shared cells

def parameters(config: str, default: str) -> str:
    return f'''# Parameters (papermill-style: this cell is tagged "parameters").
# The experiment config and its results folder come from the environment variables
# CARESIM_CONFIG and CARESIM_RESULTS; the defaults are relative to notebooks/.
import os
CONFIG = os.environ.get("CARESIM_CONFIG", "{config}")
RESULTS = os.environ.get("CARESIM_RESULTS", "{default}")
# Worker threads for the run (0 = one per core).
THREADS = int(os.environ.get("CARESIM_THREADS", "0"))
# Optional: a folder to save the figures into as PNG (unset: figures are only shown).
FIGURES = os.environ.get("CARESIM_FIGURES", "")'''


# Runs the experiment with the caresim Python package (python/ in this repository): the
# same files as `caresim run CONFIG --out RESULTS`; a folder that already holds this
# config's runs is resumed (runs stored are kept), so re-executing the notebook is quick.
RUN = '''import caresim

experiment = caresim.Experiment.from_toml(CONFIG)
plan = experiment.validate()          # raises caresim.ConfigError listing every problem
print(f"{CONFIG}: {len(plan['scenarios'])} scenario(s) x {plan['samples']} sample(s) x "
      f"{plan['replications']} replication(s), seed {plan['seed']}")
results = experiment.run(out=RESULTS, threads=THREADS)
print(f"{results.report['runs']} run(s), {results.report['new']} new, in {results.dir}")
print("tables:", ", ".join(results.tables))'''


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

RESULTS = results.dir
MANIFEST = results.manifest


def table(name: str, required: bool = True):
    """A lazy frame of table `name` of the run (hive-partitioned by scenario).

    Raises if the table is missing and required; returns None if it is optional and missing.
    """
    if name not in results.tables:
        if required:
            raise FileNotFoundError(
                f"table '{name}' is missing from {RESULTS.resolve()}. "
                f"This notebook needs it; the run wrote: {results.tables}"
            )
        return None
    return results.scan(name)


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


def params_cell(config: str, default: str):
    c = new_code_cell(parameters(config, default))
    c.metadata["tags"] = ["parameters"]
    return c


def run_cells() -> list:
    return [
        new_markdown_cell("## Run the experiment\n\nWith the caresim Python package: the same files as "
                          "`caresim run CONFIG --out RESULTS`, with a progress bar. A folder that already holds "
                          "this config's runs is resumed, so running the cell again is quick; Ctrl-C stops "
                          "cleanly (the runs done are kept)."),
        new_code_cell(RUN),
    ]


# ---------------------------------------------------------------- 01 quickstart

NB01 = [
    new_markdown_cell('''# caresim quick start: one experiment's tables

This notebook runs one caresim experiment from Python (by default `configs/small.toml`:
20,000 residents, six scenarios, three replications), reads its Parquet tables and shows

1. the run manifest (version, config hash, seed, scenarios, replications);
2. occupancy over time per pool, with a 95% interval band across replications;
3. delayed transfers of care (DToC) by reason and by responsible organisation;
4. the calibration table of the baseline scenario against the domain brief's targets.

It needs the caresim Python package (built from `python/` in this repository with
maturin) in the notebook's environment; from the repository root:

```sh
pip install ./python                  # or, to develop: maturin develop -m python/Cargo.toml
pip install jupyterlab                # not pinned: only to open the notebooks interactively
jupyter lab notebooks/
```

The experiment runs with `caresim.Experiment.from_toml(CONFIG).run(out=RESULTS)`: the same
files as `caresim run CONFIG --out RESULTS`, with a progress bar; a folder that already holds
this config's runs is resumed, so re-executing is quick. `CONFIG` and `RESULTS` default to
`../configs/small.toml` and `../target/nb/small` (relative to `notebooks/`); set
`CARESIM_CONFIG` / `CARESIM_RESULTS` or edit the parameters cell.

`notebooks/run_all.sh` executes every notebook headless. The notebook reads the Parquet
tables lazily (`results.scan(name)`, a polars LazyFrame over the hive-partitioned folders
`DIR/<table>/scenario=<name>/...`); it hard-codes no results and fails on a missing table.'''),
    params_cell("../configs/small.toml", "../target/nb/small"),
    *run_cells(),
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
the delay reason and the responsible organisation of the pool waited for. The table is
dense: every run has a row, zero or not, for every pair of pools the model can delay a
patient between, so a mean over runs needs no grid of zeros first. Days are scaled to a year
of the measured window (horizon minus warm-up).'''),
    new_code_cell('''acute_pools = [p for p, c in cfg.get("pools", {}).items() if c.get("setting") == "acute"]
window_years = (float(MANIFEST["horizon_days"]) - warmup) / 365.0
delays = table("delays").filter(pl.col("held_pool").is_in(acute_pools)).collect()


def dtoc_by(key: str) -> pl.DataFrame:
    per_run = (delays.group_by("scenario", *RUN_KEYS, key).agg(pl.col("delayed_days").sum())
               .with_columns((pl.col("delayed_days") / window_years).alias("dtoc_days_per_year")))
    return (per_run.group_by("scenario", key).agg(interval("dtoc_days_per_year"))
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

NB02_INTRO = '''# Tariff vs year of care: who pays, who gains, what changes

This notebook runs one caresim experiment from Python (the caresim package, as in notebook 01)
and reads its Parquet outputs. The config has a `[payment]` section, so that every run is settled: the activity of the run is paid under the
scenario's payment rules and written to the `economy`, `ledger` and `org_year` tables. By
default it runs `configs/small.toml`, whose scenarios include the episode tariff
(`baseline`, the first scenario, against which the others are compared), year-of-care
capitation held by an integrated care organisation (`year_of_care`, and
`year_of_care_integrated_team`, which adds a lever on activity), a pooled single budget
(`pooled_single_budget`) and two activity levers (`admission_avoidance`,
`community_capacity_uplift`). The manifest's description of each scenario is printed below.

Three measures of money, all per year of the measured window (after the warm-up):

* **resource cost**: activity valued at unit costs (the real resources used; `person_year`);
* **public spend**: what the NHS commissioner (CCG) and the council pay to providers and
  people, less what they receive back; a pooled fund's spending counts through its
  contributors. People's own contributions to their social care are shown beside it but are
  not public spend;
* **transfers** = public spend − resource cost: money that moves between organisations
  beyond the cost of the care (provider surpluses and deficits, withheld payments, ...).

`savings % = 100 × (baseline − scenario public spend) / baseline public spend` splits exactly
into a **resource** part (the change in resource cost, as % of baseline public spend) and a
**transfer** part (the rest). The domain brief (§7.8) asks that a change of payment currency
with activity unchanged shows zero resource saving; the tables below let you check it.

Sections, each scenario against the baseline **paired** on common random numbers (the same
sample and replication), with 95% Student-t intervals across runs or pairs:

1. public spend per resident by payer (NHS, council, people's contributions);
2. provider income vs resource cost: surplus per organisation (`org_year`);
3. emergency admissions, bed-days and delayed transfer (DToC) days avoided;
4. the cost shift between the NHS and the council;
5. savings % split into resource change and transfers, and the national equivalent beside
   the "£4-6bn" claim;
6. the ledger: money flows by payer, payee and account, baseline vs year of care;
7. resource cost by sector (acute, community, social care, primary care), with a waterfall;
8. pool-level paired differences (occupancy and blocking).

The notebook hard-codes no results and fails with a message when a table it needs is
missing. With few replications the intervals are wide: read them before the means.
Caveats: resource cost counts activity only, so the cost of extra capacity (empty places,
staff) in `community_capacity_uplift` is not in it; bed-days freed release capacity, not
cash, unless beds close.'''


NB02_LOAD = '''# The money tables. caresim writes them for a cohort model; the money metrics are defined
# only when the config has [payment] (the runs are settled).
economy = table("economy")
org_year = table("org_year")
ledger = table("ledger")
paired_all = table("paired")
runs = table("runs").collect()

OTHER_SCENARIOS = [s for s in SCENARIOS if s != BASELINE]
if not OTHER_SCENARIOS:
    raise ValueError(f"only the baseline scenario ({BASELINE}) is in {RESULTS}: nothing to compare")
order = pl.col("scenario").replace_strict({s: i for i, s in enumerate(SCENARIOS)}, default=99)
WINDOW_YEARS = (float(MANIFEST["horizon_days"]) - float(MANIFEST.get("warmup_days", 0))) / 365.0
COLOURS = {s: plt.rcParams["axes.prop_cycle"].by_key()["color"][i % 10] for i, s in enumerate(SCENARIOS)}

# One row per run, one column per area metric.
econ = (economy.collect().pivot(on="metric", index=["scenario", *RUN_KEYS], values="value")
        .sort(order, *RUN_KEYS))
NEEDED = ["emergency_admissions_per_year", "bed_days_per_year", "dtoc_days_per_year",
          "resource_cost_pence_per_year", "public_spend_pence_per_year", "public_spend_pence_per_resident",
          "nhs_spend_pence_per_year", "council_spend_pence_per_year", "client_contributions_pence_per_year",
          "transfers_pence_per_year"]
missing = [m for m in NEEDED if m not in econ.columns]
if missing:
    raise ValueError(f"the economy table lacks the metrics {missing}: it was written by an older caresim; rerun")
if econ["public_spend_pence_per_year"].is_null().all():
    raise ValueError("the economy table has no money (public spend is null in every run): the config has no "
                     "[payment] section, so the runs were not settled. Run a config with [payment], e.g. "
                     "`caresim run configs/small.toml --out target/nb/small`.")

print(f"{econ.height} runs; measured window {WINDOW_YEARS:g} year(s) per run")
for s in MANIFEST["config"].get("scenarios", []):
    print(f"- {s['name']}: {s.get('description', '')}")'''


NB02_HELPERS = '''from matplotlib.patches import Patch


''' + fmt_table() + '''


def ci_bars(ax, mean, low, high, colours, width=0.8, offset=0.0, label=None):
    """Bars of `mean` at 0..n-1 (+ offset) with 95% interval error bars (NaN drawn as 0, no bar)."""
    mean, low, high = (np.asarray(v, dtype=float) for v in (mean, low, high))
    lo = np.maximum(np.nan_to_num(mean - low), 0)
    hi = np.maximum(np.nan_to_num(high - mean), 0)
    x = np.arange(len(mean)) + offset
    ax.bar(x, np.nan_to_num(mean), width, yerr=[lo, hi], capsize=3, color=colours, label=label)
    return x


def run_intervals(df: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """Mean and 95% interval across runs of each column, one row per scenario (scenario order)."""
    return df.group_by("scenario").agg(pl.len().alias("runs"), *[e for c in cols for e in interval(c)]).sort(order)'''


NB02_SPEND = '''# £ per resident per year. The economy table gives public spend per resident; the other
# payers are divided by the same number of residents (public spend / public spend per resident,
# or the configured population where public spend is zero).
POPULATION = MANIFEST["config"].get("cohort", {}).get("population", {}).get("size")
spend = econ.with_columns(
    pl.when(pl.col("public_spend_pence_per_resident") != 0)
    .then(pl.col("public_spend_pence_per_year") / pl.col("public_spend_pence_per_resident"))
    .otherwise(pl.lit(POPULATION, dtype=pl.Float64)).alias("residents"))
PAYERS = {"nhs_gbp": ("nhs_spend_pence_per_year", "NHS (CCG)"),
          "council_gbp": ("council_spend_pence_per_year", "council"),
          "public_gbp": ("public_spend_pence_per_year", "public spend (NHS + council)"),
          "people_gbp": ("client_contributions_pence_per_year", "people's contributions (not public spend)")}
spend = spend.with_columns(
    *[(pl.col(src) / 100 / pl.col("residents")).alias(col) for col, (src, _) in PAYERS.items()],
    (pl.col("resource_cost_pence_per_year") / 100 / pl.col("residents")).alias("resource_cost_gbp"))
gap = spend.select((pl.col("nhs_gbp") + pl.col("council_gbp") - pl.col("public_gbp")).abs().max()).item()
print(f"residents per run: {spend['residents'].min():,.0f} to {spend['residents'].max():,.0f}; "
      f"largest |NHS + council - public spend| in a run: £{gap:.4f} per resident")
print("£ per resident per year, mean [95% interval] across runs")
display(mean_ci_table(spend.sort(order), ["scenario"], [*PAYERS, "resource_cost_gbp"]))

by_payer = run_intervals(spend, list(PAYERS))
fig, axes = plt.subplots(1, len(PAYERS), figsize=(4.3 * len(PAYERS), 4.6), squeeze=False)
for ax, (col, (_, name)) in zip(axes.flat, PAYERS.items()):
    ci_bars(ax, by_payer[col], by_payer[f"{col}_low"], by_payer[f"{col}_high"],
            [COLOURS[s] for s in by_payer["scenario"]])
    ax.set_xticks(range(by_payer.height), by_payer["scenario"].to_list(), rotation=30, ha="right", fontsize=8)
    ax.set_xlabel("scenario")
    ax.set_ylabel("£ per resident per year")
    ax.set_title(name, fontsize=10)
handles = [Patch(color=COLOURS[s], label=s) for s in by_payer["scenario"]]
fig.legend(handles=handles, title="scenario (error bar: 95% interval across runs)", loc="lower center",
           ncol=min(6, len(handles)), fontsize=8, frameon=False)
fig.suptitle("Spend per resident by payer (mean across runs)")
fig.tight_layout(rect=(0, 0.1, 1, 1))
save(fig, "spend_per_resident_by_payer")'''


NB02_PROVIDERS = '''# Providers: every organisation that is not a payer. Per run, summed over the measured years
# and divided by the window: £m per year.
PAYER_KINDS = ["commissioner", "council", "pooled_fund", "person"]
prov = (org_year.filter(~pl.col("kind").is_in(PAYER_KINDS))
        .group_by("scenario", *RUN_KEYS, "org", "kind")
        .agg(*[(pl.col(c).sum().cast(pl.Float64) / 1e8 / WINDOW_YEARS).alias(name)
               for c, name in (("net_income_pence", "income_m"), ("resource_cost_pence", "resource_cost_m"),
                               ("surplus_pence", "surplus_m"))])
        .collect())
if prov.height == 0:
    raise ValueError("org_year has no provider rows (every organisation is a payer kind)")
# Providers in order of their baseline income
PROVIDERS = (prov.filter(pl.col("scenario") == BASELINE).group_by("org").agg(pl.col("income_m").mean())
             .sort("income_m", descending=True)["org"].to_list())
PROVIDERS += sorted(set(prov["org"]) - set(PROVIDERS))
prov_ci = (prov.group_by("org", "kind", "scenario").agg(pl.len().alias("runs"),
           *interval("income_m"), *interval("resource_cost_m"), *interval("surplus_m"))
           .sort(pl.col("org").replace_strict({o: i for i, o in enumerate(PROVIDERS)}, default=99), order))
print("Provider income, resource cost and surplus (£m per year), mean [95% interval] across runs")
display(mean_ci_table(prov.sort(pl.col("org").replace_strict({o: i for i, o in enumerate(PROVIDERS)}, default=99),
                                order), ["org", "scenario"], ["income_m", "resource_cost_m", "surplus_m"], 3))

# Cross-check with the economy table's surplus metrics (same money, summed by caresim)
checks = []
for org in PROVIDERS:
    col = f"surplus_{org}_pence_per_year"
    if col in econ.columns:
        mine = prov.filter(pl.col("org") == org).select("scenario", *RUN_KEYS, "surplus_m")
        theirs = econ.select("scenario", *RUN_KEYS, (pl.col(col) / 1e8).alias("economy_m"))
        checks.append(mine.join(theirs, on=["scenario", *RUN_KEYS])
                      .select((pl.col("surplus_m") - pl.col("economy_m")).abs().max()).item() or 0.0)
if checks:
    print(f"largest |org_year surplus - economy surplus| over runs and providers: £{max(checks) * 1e6:,.2f} per year")

ncols = 3
nrows = math.ceil(len(PROVIDERS) / ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.9 * nrows), squeeze=False)
for ax, org in zip(axes.flat, PROVIDERS):
    d = pl.DataFrame({"scenario": SCENARIOS}).join(prov_ci.filter(pl.col("org") == org), on="scenario", how="left")
    ci_bars(ax, d["surplus_m"], d["surplus_m_low"], d["surplus_m_high"],
            [COLOURS[s] for s in d["scenario"]])
    ax.axhline(0, color="black", lw=0.8)
    base_income = d.filter(pl.col("scenario") == BASELINE)["income_m"][0]
    ax.set_title(f"{org}\\n(baseline income £{base_income or 0:,.3f}m per year)", fontsize=10)
    ax.set_xticks(range(d.height), d["scenario"].to_list(), rotation=30, ha="right", fontsize=8)
    ax.set_xlabel("scenario")
    ax.set_ylabel("surplus (£m per year)")
for ax in list(axes.flat)[len(PROVIDERS):]:
    ax.axis("off")
handles = [Patch(color=COLOURS[s], label=s) for s in SCENARIOS]
fig.legend(handles=handles, title="scenario (error bar: 95% interval across runs)", loc="lower center",
           ncol=min(6, len(handles)), fontsize=8, frameon=False)
fig.suptitle("Provider surplus per organisation: net income minus resource cost (mean across runs)")
fig.tight_layout(rect=(0, 0.07, 1, 0.97))
save(fig, "provider_surplus")'''


NB02_PAIRED_AREA = '''# caresim's paired table: for every area metric, the difference scenario - baseline over the
# pairs of runs with the same sample and replication (mean, 95% interval, share below zero).
paired_area = paired_all.filter(pl.col("pool") == "area").collect()
if paired_area.height == 0:
    raise ValueError("the paired table has no area rows (pool == 'area'): it was written by a caresim "
                     "without area metrics; rerun the experiment")


def paired_metric(metric: str, scale: float = 1.0) -> pl.DataFrame:
    """One row per non-baseline scenario (scenario order): the paired difference of an area metric
    times `scale` (a negative scale turns 'scenario - baseline' into 'avoided'; the interval follows)."""
    d = paired_area.filter(pl.col("metric") == metric)
    if d.height == 0:
        raise ValueError(f"the paired table has no area metric '{metric}'; it has: "
                         f"{sorted(paired_area['metric'].unique().to_list())}")
    lo, hi = pl.col("ci_low") * scale, pl.col("ci_high") * scale
    # (+ 0.0 turns the -0.0 of a negated zero into 0.0)
    d = d.select("scenario", "n", (pl.col("mean") * scale + 0.0).alias("mean"),
                 (pl.min_horizontal(lo, hi) + 0.0).alias("low"), (pl.max_horizontal(lo, hi) + 0.0).alias("high"), pl.col("share_below_zero"))
    return pl.DataFrame({"scenario": OTHER_SCENARIOS}).join(d, on="scenario", how="left")


def paired_table(metrics: dict, digits: int = 2) -> pl.DataFrame:
    """Long table of paired metrics: {metric: (scale, label)}."""
    return pl.concat([paired_metric(m, scale).with_columns(pl.lit(label).alias("measure"))
                      for m, (scale, label) in metrics.items()]).select(
        "measure", "scenario", "n",
        pl.format("{} [{}, {}]", *[pl.col(c).round(digits) for c in ("mean", "low", "high")]).alias("mean [95% interval]"),
        "share_below_zero")


print(f"area metrics in the paired table: {paired_area['metric'].n_unique()}, "
      f"pairs per scenario: {sorted(set(paired_area['n'].to_list()))}")'''


NB02_ACTIVITY = '''ACTIVITY_AVOIDED = {"emergency_admissions_per_year": (-1.0, "emergency admissions avoided per year"),
                    "bed_days_per_year": (-1.0, "bed-days avoided per year"),
                    "dtoc_days_per_year": (-1.0, "delayed transfer (DToC) days avoided per year")}
UNITS = {"emergency_admissions_per_year": "admissions", "bed_days_per_year": "bed-days",
         "dtoc_days_per_year": "DToC days"}
print("Activity avoided (baseline minus scenario, whole area, per year); share_below_zero is the "
      "share of pairs where the scenario has less activity than the baseline")
display(paired_table(ACTIVITY_AVOIDED, 1))

base_runs = econ.filter(pl.col("scenario") == BASELINE)
fig, axes = plt.subplots(1, len(ACTIVITY_AVOIDED), figsize=(5.0 * len(ACTIVITY_AVOIDED), 4.6), squeeze=False)
for ax, (metric, (scale, label)) in zip(axes.flat, ACTIVITY_AVOIDED.items()):
    d = paired_metric(metric, scale)
    ci_bars(ax, d["mean"], d["low"], d["high"], [COLOURS[s] for s in d["scenario"]])
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(d.height), d["scenario"].to_list(), rotation=30, ha="right", fontsize=8)
    ax.set_xlabel("scenario")
    ax.set_ylabel(f"{UNITS[metric]} avoided per year (whole area)")
    ax.set_title(f"{label}\\n(baseline: {base_runs[metric].mean():,.0f} per year)", fontsize=10)
handles = [Patch(color=COLOURS[s], label=s) for s in OTHER_SCENARIOS]
fig.legend(handles=handles, title="scenario vs baseline (error bar: 95% interval over pairs)", loc="lower center",
           ncol=min(5, len(handles)), fontsize=8, frameon=False)
fig.suptitle("Activity avoided: baseline minus scenario, paired (positive = less activity in the scenario)")
fig.tight_layout(rect=(0, 0.1, 1, 1))
save(fig, "activity_avoided")'''


NB02_SHIFT = '''# £ thousand per year for the whole area; positive = the scenario spends more than the baseline.
SHIFT = {"nhs_spend_pence_per_year": (1e-5, "NHS (CCG) spend"),
         "council_spend_pence_per_year": (1e-5, "council spend"),
         "client_contributions_pence_per_year": (1e-5, "people's contributions"),
         "public_spend_pence_per_year": (1e-5, "public spend (NHS + council)")}
print("Change in spend by payer, scenario minus baseline (£k per year, whole area), mean [95% interval] over pairs")
display(paired_table(SHIFT, 1))

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(14, 5.2), gridspec_kw={"width_ratios": [1.4, 1]})
width = 0.8 / len(OTHER_SCENARIOS)
for i, scen in enumerate(OTHER_SCENARIOS):
    rows = [paired_metric(m, scale).filter(pl.col("scenario") == scen) for m, (scale, _) in SHIFT.items()]
    ci_bars(ax, [r["mean"][0] for r in rows], [r["low"][0] for r in rows], [r["high"][0] for r in rows],
            COLOURS[scen], width=width, offset=(i - (len(OTHER_SCENARIOS) - 1) / 2) * width, label=scen)
ax.axhline(0, color="black", lw=0.8)
ax.set_xticks(range(len(SHIFT)), [label for _, label in SHIFT.values()], rotation=10, fontsize=9)
ax.set_xlabel("payer")
ax.set_ylabel("change in spend, scenario - baseline (£k per year)")
ax.set_title("Change in spend by payer")
ax.legend(title="scenario (error bar: 95% interval)", fontsize=8)

nhs = paired_metric("nhs_spend_pence_per_year", 1e-5)
council = paired_metric("council_spend_pence_per_year", 1e-5)
for scen in OTHER_SCENARIOS:
    x, y = nhs.filter(pl.col("scenario") == scen), council.filter(pl.col("scenario") == scen)
    xm, ym = x["mean"][0], y["mean"][0]
    if xm is None or ym is None:
        continue
    ax2.errorbar(xm, ym, xerr=[[max(xm - (x["low"][0] or xm), 0)], [max((x["high"][0] or xm) - xm, 0)]],
                 yerr=[[max(ym - (y["low"][0] or ym), 0)], [max((y["high"][0] or ym) - ym, 0)]],
                 fmt="o", color=COLOURS[scen], capsize=3, label=scen)
lim = max([abs(v) for v in ax2.get_xlim() + ax2.get_ylim()] + [1e-9])
ax2.plot([-lim, lim], [lim, -lim], color="grey", ls="--", lw=0.9, label="pure shift: public spend unchanged")
ax2.axhline(0, color="black", lw=0.6)
ax2.axvline(0, color="black", lw=0.6)
ax2.set_xlim(-lim, lim)
ax2.set_ylim(-lim, lim)
ax2.set_xlabel("change in NHS (CCG) spend (£k per year)")
ax2.set_ylabel("change in council spend (£k per year)")
ax2.set_title("Cost shift NHS <-> council (scenario - baseline)")
ax2.legend(fontsize=8)
fig.tight_layout()
save(fig, "cost_shift_nhs_council")'''


NB02_SAVINGS_MD = '''## 5. Savings: resource change vs transfers, and the national equivalent

From the `paired` table, per pair of runs: `consolidated_change_pct = 100 × (scenario −
baseline consolidated spend) / baseline consolidated spend`, with `resource_change_pct` (the
change in resource cost, as % of baseline spend) and `transfer_change_pct` (the rest:
payments moved between organisations and people) adding up to it in every pair. Like every
paired difference they are scenario − baseline; shown here negated, as **savings** (positive
= the scenario spends less).

The national equivalent scales the saving in public spend per resident to England's
population served by the NHS (53.9m, 2015/16 [SIMUL8-2016]): `national = (baseline − scenario
public spend per resident) × 53.9m` per year (domain brief §7.8). It is set beside the claim,
quoted by Andy Burnham as shadow health secretary and attributed by him to Monitor, that
"savings of between £4bn and £6bn could come from integration"; Monitor's own published
estimate was up to £4bn from integrating care and shifting settings [MONITOR-GAP]. The two
are not like for like: the simulation scales one synthetic area, its modelled services and
payment rules over the measured years; the basis of the claim is not given in the source.'''


NB02_SAVINGS = '''# The paired changes are scenario - baseline; a saving is the change negated (scale -1).
SAVINGS = {"consolidated_change_pct": (-1.0, "saving, % of baseline public spend"),
           "resource_change_pct": (-1.0, "of which resource change, %"),
           "transfer_change_pct": (-1.0, "of which transfers, %"),
           "national_change_pence_per_year": (-1e-11, "national equivalent, £bn per year")}
print("Savings (positive = the scenario spends less), mean [95% interval] over pairs; "
      "share_below_zero: share of pairs whose change is below zero, i.e. with a saving")
display(paired_table(SAVINGS, 3))
total, resource, transfer = (paired_metric(m, -1.0)
                             for m in ("consolidated_change_pct", "resource_change_pct", "transfer_change_pct"))
split_gap = np.nanmax(np.abs(np.nan_to_num(resource["mean"].to_numpy() + transfer["mean"].to_numpy()
                                           - total["mean"].to_numpy())))
print(f"largest |resource + transfers - savings| over scenarios: {split_gap:.2e} percentage points")

# Board-paper chart: the two parts stacked (a positive part to the right of zero, a negative
# one to the left), and the total saving with its 95% interval.
fig, ax = plt.subplots(figsize=(9.5, 1.2 + 0.75 * len(OTHER_SCENARIOS)))
y = np.arange(len(OTHER_SCENARIOS))[::-1]
r = np.nan_to_num(resource["mean"].to_numpy().astype(float))
t = np.nan_to_num(transfer["mean"].to_numpy().astype(float))
pos_left, neg_left = np.zeros_like(r), np.zeros_like(r)
for vals, colour, label in ((r, "tab:green", "resource change (activity x unit cost)"),
                            (t, "tab:purple", "transfers (payments moved between organisations and people)")):
    left = np.where(vals >= 0, pos_left, neg_left)
    ax.barh(y, vals, left=left, height=0.55, color=colour, alpha=0.8, label=label)
    pos_left, neg_left = pos_left + np.maximum(vals, 0), neg_left + np.minimum(vals, 0)
m = total["mean"].to_numpy().astype(float)
lo = np.maximum(np.nan_to_num(m - total["low"].to_numpy().astype(float)), 0)
hi = np.maximum(np.nan_to_num(total["high"].to_numpy().astype(float) - m), 0)
ax.errorbar(np.nan_to_num(m), y, xerr=[lo, hi], fmt="D", color="black", capsize=4, label="total saving (95% interval)")
for yi, mi, hi_i in zip(y, m, hi):
    if not np.isnan(mi):
        ax.annotate(f"{mi:+.2f}%", (mi + hi_i, yi), xytext=(5, 0), textcoords="offset points", ha="left",
                    va="center", fontsize=8)
ax.axvline(0, color="black", lw=0.8)
ax.set_yticks(y, OTHER_SCENARIOS)
ax.set_ylabel("scenario")
ax.set_xlabel(f"saving vs {BASELINE}, % of baseline public spend (positive = the scenario spends less)")
ax.set_title("Savings split into resource change and transfers (paired, mean over pairs)")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
fig.tight_layout()
save(fig, "savings_split")

CLAIM_BN = (4.0, 6.0)                # the quoted "£4bn-£6bn" (a figure from the source, not a result)
MONITOR_BN = 4.0                     # Monitor's "up to £4bn" from integrating care [MONITOR-GAP]
nat = paired_metric("national_change_pence_per_year", -1e-11)
fig, ax = plt.subplots(figsize=(9.5, 1.4 + 0.75 * len(OTHER_SCENARIOS)))
m = nat["mean"].to_numpy().astype(float)
lo = np.maximum(np.nan_to_num(m - nat["low"].to_numpy().astype(float)), 0)
hi = np.maximum(np.nan_to_num(nat["high"].to_numpy().astype(float) - m), 0)
ax.barh(y, np.nan_to_num(m), xerr=[lo, hi], capsize=4, height=0.55, color=[COLOURS[s] for s in OTHER_SCENARIOS],
        label="simulated national equivalent (error bar: 95% interval)")
ax.axvspan(*CLAIM_BN, color="tab:orange", alpha=0.2, label='claim quoted: "between £4bn and £6bn" from integration')
ax.axvline(MONITOR_BN, color="tab:orange", ls=":", lw=1.2, label="Monitor: up to £4bn [MONITOR-GAP]")
ax.axvline(0, color="black", lw=0.8)
ax.set_yticks(y, OTHER_SCENARIOS)
ax.set_ylabel("scenario")
ax.set_xlabel("saving in public spend, England equivalent (£bn per year; positive = less spend)")
ax.set_title("National equivalent of the simulated saving beside the £4-6bn claim")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
fig.tight_layout()
save(fig, "national_equivalent")'''


NB02_LEDGER_MD = '''## 6. The ledger: who pays whom

The `ledger` table holds every run's transactions summed by payer, payee, account and month.
Below, baseline against the year-of-care scenario (or the first other scenario if there is
none): each flow in £m per year, the mean over runs (a run without the flow counts as zero).
Accounts: `income` (activity income: tariff, care prices), `block` (block contract),
`yoc_capitation`, `yoc_risk_share` (risk corridor), `yoc_outlier` (high-cost carve-out),
`sub_contract` (a budget holder paying its sub-contractors), `pool_contribution`,
`pool_risk_share`, `client_contribution`, `estate_recovery`, `cquin`. Rows whose payer is
also the payee (`mret_withheld`, `readmission_withheld`) are earmarks: money the commissioner
withholds and keeps, not a payment.'''


NB02_LEDGER = '''COMPARE = "year_of_care" if "year_of_care" in OTHER_SCENARIOS else OTHER_SCENARIOS[0]
TOP_FLOWS = 15
runs_per_scenario = dict(runs.group_by("scenario").agg(pl.len()).iter_rows())
flows = (ledger.filter(pl.col("scenario").is_in([BASELINE, COMPARE]))
         .group_by("scenario", "payer", "payee", "account")
         .agg(pl.col("amount_pence").sum().cast(pl.Float64), pl.col("transactions").sum().cast(pl.Float64))
         .collect()
         .with_columns(pl.col("scenario").replace_strict(runs_per_scenario, return_dtype=pl.Float64).alias("runs"))
         .with_columns((pl.col("amount_pence") / 1e8 / pl.col("runs") / WINDOW_YEARS).alias("gbp_m_per_year"),
                       (pl.col("transactions") / pl.col("runs") / WINDOW_YEARS).alias("transactions_per_year")))
wide = (flows.pivot(on="scenario", index=["payer", "payee", "account"], values="gbp_m_per_year")
        .with_columns(*[pl.col(s).fill_null(0.0) if s in flows["scenario"].unique().to_list() else pl.lit(0.0).alias(s)
                        for s in (BASELINE, COMPARE)])
        .with_columns((pl.col(COMPARE) - pl.col(BASELINE)).alias("change"),
                      pl.when(pl.col("payer") == pl.col("payee")).then(pl.lit("earmark (kept by payer)"))
                      .otherwise(pl.lit("payment")).alias("type"))
        .sort(pl.max_horizontal(pl.col(BASELINE).abs(), pl.col(COMPARE).abs()), descending=True))
print(f"Top {min(TOP_FLOWS, wide.height)} of {wide.height} flows, £m per year (mean over runs): {BASELINE} vs {COMPARE}")
display(wide.head(TOP_FLOWS).select("payer", "payee", "account", "type",
                                    *[pl.col(c).round(4) for c in (BASELINE, COMPARE, "change")]))
print("By account (all flows), £m per year")
display(wide.group_by("account").agg(*[pl.col(c).sum().round(4) for c in (BASELINE, COMPARE, "change")])
        .sort(pl.col(BASELINE).abs() + pl.col(COMPARE).abs(), descending=True))

changed = wide.filter(pl.col("change").abs() > 0).sort(pl.col("change").abs(), descending=True).head(TOP_FLOWS)
fig, ax = plt.subplots(figsize=(9.5, 1.4 + 0.42 * max(changed.height, 1)))
if changed.height:
    labels = [f"{a} -> {b} ({c})" for a, b, c in changed.select("payer", "payee", "account").iter_rows()]
    yy = np.arange(changed.height)[::-1]
    vals = changed["change"].to_numpy()
    ax.barh(yy, vals, color=["tab:blue" if v >= 0 else "tab:red" for v in vals], height=0.6)
    ax.set_yticks(yy, labels, fontsize=8)
    ax.legend(handles=[Patch(color="tab:blue", label=f"larger in {COMPARE}"),
                       Patch(color="tab:red", label=f"smaller in {COMPARE}")], fontsize=8)
else:
    ax.text(0.5, 0.5, "no flow differs", ha="center", va="center", transform=ax.transAxes)
ax.axvline(0, color="black", lw=0.8)
ax.set_xlabel(f"change in flow, {COMPARE} - {BASELINE} (£m per year, mean over runs)")
ax.set_ylabel("payer -> payee (account)")
ax.set_title(f"Money flows that change between {BASELINE} and {COMPARE}")
fig.tight_layout()
save(fig, "ledger_flow_changes")'''


NB02 = [
    new_markdown_cell(NB02_INTRO),
    params_cell("../configs/small.toml", "../target/nb/small"),
    *run_cells(),
    new_code_cell(SETUP),
    new_code_cell(NB02_LOAD),
    new_code_cell(NB02_HELPERS),
    new_markdown_cell('''## 1. Public spend per resident by payer

From the `economy` table, one value per run: what the NHS commissioner and the council spend
(net of receipts; pool contributions count for their contributor), and what people pay
towards their own social care, in £ per resident per year. NHS + council = public spend (the
largest gap in a run is printed). Resource cost per resident is in the table for reference.
Each panel has its own scale; sections 4 and 5 show the differences between scenarios paired,
with their own intervals.'''),
    new_code_cell(NB02_SPEND),
    new_markdown_cell('''## 2. Provider income vs resource cost

From `org_year`: per provider organisation (every organisation that is not a payer), net
income (payments received less payments made, e.g. to sub-contractors), the resource cost of
the care it provided and the difference, its **surplus** (a deficit when negative), in £m per
year. An organisation paid exactly the unit cost of each unit of care it provides has zero
surplus.'''),
    new_code_cell(NB02_PROVIDERS),
    new_markdown_cell('''## 3. Activity avoided

Paired differences from caresim's `paired` table (area rows), turned round so that a positive
value is activity the scenario avoided: emergency admissions, bed-days and delayed transfer of
care days per year, whole area. `share_below_zero` is caresim's share of pairs in which the
scenario's value is below the baseline's.'''),
    new_code_cell(NB02_PAIRED_AREA),
    new_code_cell(NB02_ACTIVITY),
    new_markdown_cell('''## 4. Cost shift between the NHS and the council

Paired change in spend by payer (£ thousand per year, whole area). On the right, each
scenario's change in NHS spend against its change in council spend: a point on the dashed
line moves spend from one to the other without changing public spend; off it, public spend
changes.'''),
    new_code_cell(NB02_SHIFT),
    new_markdown_cell(NB02_SAVINGS_MD),
    new_code_cell(NB02_SAVINGS),
    new_markdown_cell(NB02_LEDGER_MD),
    new_code_cell(NB02_LEDGER),
    new_markdown_cell("## 7. Resource cost by sector\n\nFrom `person_year`, summed per run; "
                      "a resident-year is 365 days of exposure after the warm-up. This is the resource side "
                      "only (activity x unit cost), split by the sector that provides the care."),
    new_code_cell(PERSON_YEAR_RUNS),
    new_code_cell('''cost_cols = ["acute_cost_per_resident_gbp", "community_cost_per_resident_gbp", "social_care_cost_per_resident_gbp",
             "primary_care_cost_per_resident_gbp", "nhs_cost_per_resident_gbp", "council_cost_per_resident_gbp",
             "total_cost_per_resident_gbp"]
print("Resource cost per resident-year (£), mean [95% interval] across runs")
display(mean_ci_table(per_resident.sort(order), ["scenario"], cost_cols))
print("Activity per 1,000 resident-years, mean [95% interval] across runs")
display(mean_ci_table(per_resident.sort(order), ["scenario"],
                      ["emergency_admissions_per_1000", "bed_days_per_1000", "dtoc_days_per_1000",
                       "home_care_hours_per_1000", "care_home_weeks_per_1000"], 1))'''),
    new_markdown_cell("### Paired differences in resource cost\n\nScenario minus baseline per resident-year; "
                      "negative differences are savings in resource cost. NHS = acute + community + primary care; "
                      "council = social care (the sector, whoever pays for it)."),
    new_code_cell(PAIRED),
    new_code_cell('''d_cost = [f"d_{c}" for c in cost_cols]
print("Change in resource cost per resident-year (£), scenario minus baseline, mean [95% interval] over pairs")
display(mean_ci_table(paired.sort(order), ["scenario"], d_cost))

fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
sectors = ["acute", "community", "social_care", "primary_care"]
width = 0.8 / len(OTHER_SCENARIOS)
for ax, cols, labels, title in (
        (axes[0], [f"d_{s}_cost_per_resident_gbp" for s in sectors], sectors, "by sector"),
        (axes[1], ["d_nhs_cost_per_resident_gbp", "d_council_cost_per_resident_gbp", "d_total_cost_per_resident_gbp"],
         ["NHS sectors", "social care", "total"], "NHS sectors vs social care")):
    x = np.arange(len(cols))
    for i, scen in enumerate(OTHER_SCENARIOS):
        s = paired.filter(pl.col("scenario") == scen).select([e for c in cols for e in interval(c)])
        mean = np.array([s[c][0] for c in cols], dtype=float)
        lo = np.nan_to_num(mean - np.array([s[f"{c}_low"][0] for c in cols], dtype=float))
        hi = np.nan_to_num(np.array([s[f"{c}_high"][0] for c in cols], dtype=float) - mean)
        ax.bar(x + (i - (len(OTHER_SCENARIOS) - 1) / 2) * width, mean, width, yerr=[lo, hi], capsize=3,
               color=COLOURS[scen], label=scen)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, labels)
    ax.set_xlabel("sector providing the care")
    ax.set_ylabel("change in resource cost per resident-year (£)")
    ax.set_title(f"Resource cost, scenario minus baseline, {title}")
    ax.legend(title="scenario (error bar: 95% interval)", fontsize=8)
fig.tight_layout()
save(fig, "cost_change_by_sector")'''),
    new_markdown_cell('''### Waterfall of the resource cost change

The change in resource cost per resident-year, sector by sector, adding up to the net change
(scenario minus baseline; bars going down are savings). Sector bars are means over the pairs;
the net change carries its 95% interval, and the sector intervals are in the table above.'''),
    new_code_cell('''ncols = min(3, len(OTHER_SCENARIOS))
nrows = math.ceil(len(OTHER_SCENARIOS) / ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(6.5 * ncols, 4.8 * nrows), squeeze=False)
for ax in list(axes.flat)[len(OTHER_SCENARIOS):]:
    ax.axis("off")
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
    ax.margins(y=0.12)
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
fig.tight_layout(rect=(0, 0.07 / nrows, 1, 1))
save(fig, "waterfall")'''),
    new_markdown_cell("## 8. Pool-level paired differences (caresim's `paired` table)\n\nWritten by caresim "
                      "itself: scenario minus baseline per pool metric, mean and 95% interval over pairs, and "
                      "the share of pairs below zero."),
    new_code_cell('''display(paired_all.filter((pl.col("pool") != "area")
                          & pl.col("metric").is_in(["admitted", "mean_occupied", "blocked_days"]))
        .select("scenario", "pool", "metric", "n", pl.col("mean").round(3), pl.col("ci_low").round(3),
                pl.col("ci_high").round(3), "share_below_zero")
        .sort(order, "metric", "pool").collect())'''),
]

# ---------------------------------------------------------------- 03 uncertainty

NB03 = [
    new_markdown_cell('''# Uncertainty: probabilistic sensitivity analysis (PSA)

Runs (with the caresim Python package, as in notebook 01) and reads an experiment whose
config gives some parameters distributions instead of numbers
(`samples = N`, e.g. `readmission_multiplier = { dist = "gamma", mean = 2.0, sd = 0.4 }`), by
default `configs/examples/psa_small.toml` (8 draws x 2 home care capacities = 16 samples, 2
replications each). caresim writes the drawn value of every varied parameter per sample to the
`parameters` table; this notebook fails if it is missing.

It shows, for each scenario against the baseline (paired on sample and replication, then
averaged over the replications of each sample):

1. the distribution of the paired differences in resource cost per resident-year;
2. a cost-effectiveness plane: change in cost vs emergency admissions avoided, one point per sample;
3. a tornado chart of the parameters that move the saving most.

Costs here are **resource costs** (activity valued at unit costs, as in section 7 of notebook 02),
not payments.'''),
    params_cell("../configs/examples/psa_small.toml", "../target/nb/psa_small"),
    *run_cells(),
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
