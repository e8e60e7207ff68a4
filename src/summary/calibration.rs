//! The calibration report: each target of the baseline (domain brief §7.9) beside the
//! simulated value, per run, so the caller can summarise across replications.

use crate::flow::RunOutput;
use crate::record::PersonYearTable;
use crate::time::{DAYS_PER_YEAR, MINUTES_PER_DAY};

/// The money calibration measures of a settled run ([`crate::summary::money_targets`]).
pub fn money_measures_of(out: &RunOutput, model: &crate::config::Model) -> Vec<Measure> {
    let (Some(p), Some(spec)) = (&out.payments, &model.payment) else {
        return Vec::new();
    };
    let e = crate::summary::area::RunEconomy::of(out, Some(&spec.area.registry));
    let get = |name: &str| {
        crate::summary::area::ECONOMY_METRICS.iter().position(|m| *m == name).and_then(|i| e.values[i]).unwrap_or(0.0)
    };
    let years = ((out.horizon_days - out.warmup_days) / crate::payment::DAYS_PER_YEAR as f64).max(f64::MIN_POSITIVE);
    let mut acute = [0.0; crate::payment::Service::COUNT];
    for (a, v) in acute.iter_mut().zip(p.acute_value_by_service) {
        *a = v.0 as f64 / years;
    }
    crate::summary::money_targets::money_measures(&crate::summary::money_targets::MoneyFigures {
        population: out.population,
        nhs_spend_pence_per_year: get("nhs_spend_pence_per_year"),
        council_spend_pence_per_year: get("council_spend_pence_per_year"),
        acute_income_pence_per_year: acute,
    })
}

/// One calibration target and the value a run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    /// Short name of the target.
    pub target: &'static str,
    /// The target value.
    pub expected: f64,
    /// Accepted range: `[low, high]`.
    pub tolerance: (f64, f64),
    /// Source of the target.
    pub source: &'static str,
    /// The simulated value (None when the run had nothing to measure it on).
    pub value: Option<f64>,
}

impl Measure {
    /// The values the measure can take, for its interval across replications: every
    /// calibration measure is a count, a rate, a mean length or a share, never negative;
    /// those whose accepted range lies within [0, 1] are shares (of admissions, spells,
    /// discharges, delayed days, people), in [0, 1].
    pub fn bound(&self) -> crate::stats::Bound {
        if self.tolerance.1 <= 1.0 { crate::stats::Bound::Probability } else { crate::stats::Bound::NonNegative }
    }
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Sums over person-years where `keep` holds: (events by `value`, person-years).
fn rate(py: &PersonYearTable, keep: impl Fn(usize) -> bool, value: impl Fn(usize) -> f64) -> (f64, f64) {
    let mut events = 0.0;
    let mut years = 0.0;
    for i in 0..py.len() {
        if keep(i) {
            events += value(i);
            years += py.exposure_days[i] as f64 / DAYS_PER_YEAR as f64;
        }
    }
    (events, years)
}

/// The calibration measures of one run of a cohort model.
///
/// The rows for delayed transfers of care and bed pressure are
/// [`crate::summary::delay_calibration::measures`].
pub fn measures(out: &RunOutput) -> Vec<Measure> {
    let py = &out.person_year;
    let c = &out.calibration;
    let mut m = Vec::new();
    let mut push = |target, expected, tolerance, source, value| {
        m.push(Measure { target, expected, tolerance, source, value });
    };
    let (adm, years) = rate(py, |_| true, |i| py.emergency_admissions[i] as f64);
    push(
        "emergency admissions per 1,000 per year",
        85.0,
        (75.0, 100.0),
        "DEVON-2017 (85); NAO 100",
        ratio(adm * 1000.0, years),
    );
    let (old_adm, old_years) = rate(py, |i| py.age_years[i] >= 67, |i| py.emergency_admissions[i] as f64);
    push(
        "emergency admissions per 1,000 aged 67+",
        211.0,
        (180.0, 245.0),
        "DEVON-2017",
        ratio(old_adm * 1000.0, old_years),
    );
    let (mm_adm, _) = rate(py, |i| py.conditions[i] >= 2, |i| py.emergency_admissions[i] as f64);
    push(
        "share of admissions from people with 2+ conditions",
        0.55,
        (0.50, 0.60),
        "HF-MM-PR, CASSELL-2018",
        ratio(mm_adm, adm),
    );
    push(
        "zero-day share of emergency spells",
        1.0 / 3.0,
        (0.30, 0.37),
        "HF-EA-2018",
        ratio(c.zero_day_spells as f64, c.emergency_spells as f64),
    );
    push(
        "mean emergency length of stay, days",
        5.8,
        (5.3, 6.3),
        "NAO-2018",
        ratio(c.emergency_spell_minutes as f64 / MINUTES_PER_DAY as f64, c.emergency_spells as f64),
    );
    push(
        "30-day readmissions, 65+",
        0.15,
        (0.12, 0.18),
        "PAC-DISCHARGE",
        ratio(c.readmissions_65_plus as f64, c.discharges_65_plus as f64),
    );
    // Delayed transfers of care and bed pressure: see `crate::summary::delay_calibration`.
    let d2a_total: u64 = c.d2a_65_plus.iter().sum();
    for (k, (name, expected, tol)) in [
        ("D2A pathway 0 (home) share, 65+", 0.50, (0.40, 0.60)),
        ("D2A pathway 1 (home with support) share, 65+", 0.45, (0.35, 0.55)),
        ("D2A pathway 2 (intermediate care bed) share, 65+", 0.04, (0.02, 0.07)),
        ("D2A pathway 3 (care home) share, 65+", 0.01, (0.005, 0.03)),
    ]
    .into_iter()
    .enumerate()
    {
        push(name, expected, tol, "D2A", ratio(c.d2a_65_plus[k] as f64, d2a_total as f64));
    }
    let (_, years65) = rate(py, |i| py.age_years[i] >= 65, |_| 0.0);
    push(
        "care home admissions per 100,000 aged 65+ per year",
        659.0,
        (500.0, 820.0),
        "QW-CAREHOME",
        ratio(c.care_home_admissions_65_plus as f64 * 1e5, years65),
    );
    push(
        "care home first-year survival",
        0.55,
        (0.48, 0.62),
        "FORDER-2011",
        ratio(c.care_home_alive_after_year as f64, c.care_home_followed as f64),
    );
    let older: Vec<usize> = (0..py.len()).filter(|i| py.age_years[*i] >= 65 && !py.died[*i]).collect();
    for (level, (name, expected)) in [
        ("eFI fit share, 65+", 0.50),
        ("eFI mild share, 65+", 0.35),
        ("eFI moderate share, 65+", 0.12),
        ("eFI severe share, 65+", 0.03),
    ]
    .into_iter()
    .enumerate()
    {
        let count = older.iter().filter(|i| py.frailty[**i] as usize == level).count() as f64;
        push(name, expected, (expected - 0.05, expected + 0.05), "FRAILTY-TK", ratio(count, older.len() as f64));
    }
    let mut costs: Vec<i64> = (0..py.len())
        .map(|i| {
            py.acute_cost_pence[i]
                + py.community_cost_pence[i]
                + py.social_care_cost_pence[i]
                + py.primary_care_cost_pence[i]
        })
        .collect();
    costs.sort_unstable_by(|a, b| b.cmp(a));
    let total: i64 = costs.iter().sum();
    let top: i64 = costs.iter().take(costs.len() / 20).sum();
    push("cost share of the top 5% of people", 0.45, (0.35, 0.55), "NHSIQ-2014", ratio(top as f64, total as f64));
    m
}

/// Every calibration measure of one run: [`measures`], then the delay and pressure rows
/// of [`crate::summary::delay_calibration::measures`] (`pools` are the run's model's pools).
pub fn all_measures(out: &RunOutput, pools: &[crate::capacity::PoolSpec]) -> Vec<Measure> {
    let mut rows = measures(out);
    rows.extend(crate::summary::delay_calibration::measures(out, pools));
    rows
}

/// True when `value` lies within the measure's tolerance.
pub fn within(m: &Measure, value: f64) -> bool {
    m.tolerance.0 <= value && value <= m.tolerance.1
}

/// One target summarised across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    /// The target (the last replication's `value` is not meaningful here).
    pub measure: Measure,
    /// Mean, sd and 95% interval of the simulated values across replications.
    pub summary: crate::stats::Summary,
}

impl ReportRow {
    /// True when the across-replication mean lies within the tolerance.
    pub fn inside(&self) -> bool {
        self.summary.n > 0 && within(&self.measure, self.summary.mean)
    }

    /// True when the 95% interval of the across-replication mean overlaps the tolerance:
    /// the replications cannot tell the model's value from one inside the target range.
    pub fn consistent(&self) -> bool {
        let (lo, hi) = self.measure.tolerance;
        let (mean, half) = (self.summary.mean, self.summary.half_width);
        self.summary.n > 0 && mean + half >= lo && mean - half <= hi
    }
}
