//! Area-level metrics of one run, per year of the measurement window: activity from the
//! person-year table and, when the model has `[payment]`, money from the settlement.
//! They are summarised and compared between scenarios like the pool metrics, under the
//! pool name [`AREA`], and the paired comparison adds the savings split
//! ([`SAVINGS_METRICS`]).

use crate::flow::RunOutput;
use crate::payment::run::{ENGLAND_POPULATION, RunPayments};

/// The pool name area-level metrics are reported under.
pub const AREA: &str = "area";

/// Provider organisations whose surplus is reported (names of the default area).
pub const SURPLUS_ORGS: [&str; 6] =
    ["acute_trust", "community_provider", "home_care_provider", "care_homes", "gp_practices", "ico"];

/// Area metric names, in the order of [`RunEconomy::values`]. Money is pence per year of
/// the window (per resident where named so); activity is per year of the window.
pub const ECONOMY_METRICS: [&str; 21] = [
    "emergency_admissions_per_year",
    "bed_days_per_year",
    "dtoc_days_per_year",
    "resource_cost_pence_per_year",
    "public_spend_pence_per_year",
    "public_spend_pence_per_resident",
    "nhs_spend_pence_per_year",
    "council_spend_pence_per_year",
    "client_contributions_pence_per_year",
    "transfers_pence_per_year",
    "enrolled_people",
    "surplus_acute_trust_pence_per_year",
    "surplus_community_provider_pence_per_year",
    "surplus_home_care_provider_pence_per_year",
    "surplus_care_homes_pence_per_year",
    "surplus_gp_practices_pence_per_year",
    "surplus_ico_pence_per_year",
    "ledger_transactions",
    "yoc_enrolled_share",
    "yoc_risk_c_statistic",
    "yoc_risk_ppv",
];

/// Index of a metric in [`ECONOMY_METRICS`].
const fn index(name: &str) -> usize {
    let mut i = 0;
    while i < ECONOMY_METRICS.len() {
        if str_eq(ECONOMY_METRICS[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("invariant: metric name listed in ECONOMY_METRICS");
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Index of `public_spend_pence_per_year`.
pub const PUBLIC_SPEND: usize = index("public_spend_pence_per_year");
/// Index of `public_spend_pence_per_resident`.
pub const PUBLIC_SPEND_PER_RESIDENT: usize = index("public_spend_pence_per_resident");
/// Index of `resource_cost_pence_per_year`.
pub const RESOURCE_COST: usize = index("resource_cost_pence_per_year");

/// Paired-only metrics, scenario against baseline: `savings_pct` = 100 × (baseline −
/// scenario public spend) / baseline public spend, split into `resource_savings_pct`
/// (the change in resource cost) and `transfer_savings_pct` (the rest: money moved
/// between organisations and people), which sum to `savings_pct` in every pair; and
/// `national_saving_pence_per_year`, the saving per resident × England's population.
pub const SAVINGS_METRICS: [&str; 4] =
    ["savings_pct", "resource_savings_pct", "transfer_savings_pct", "national_saving_pence_per_year"];

/// The area metrics of one run (`None` where undefined, e.g. money without `[payment]`).
#[derive(Clone, Debug, PartialEq)]
pub struct RunEconomy {
    /// Values in [`ECONOMY_METRICS`] order.
    pub values: [Option<f64>; ECONOMY_METRICS.len()],
}

impl RunEconomy {
    /// No metric defined (a model without a cohort).
    pub const NONE: RunEconomy = RunEconomy { values: [None; ECONOMY_METRICS.len()] };

    /// The metrics of a run.
    pub fn of(out: &RunOutput, registry: Option<&crate::payment::organisation::Registry>) -> RunEconomy {
        let mut v = [None; ECONOMY_METRICS.len()];
        if out.population == 0 {
            return RunEconomy { values: v };
        }
        let years =
            ((out.horizon_days - out.warmup_days) / crate::payment::DAYS_PER_YEAR as f64).max(f64::MIN_POSITIVE);
        let t = &out.person_year;
        let sum_u16 = |c: &[u16]| c.iter().map(|x| *x as f64).sum::<f64>() / years;
        let sum_f32 = |c: &[f32]| c.iter().map(|x| *x as f64).sum::<f64>() / years;
        let sum_i64 = |c: &[i64]| c.iter().map(|x| *x as f64).sum::<f64>() / years;
        v[index("emergency_admissions_per_year")] = Some(sum_u16(&t.emergency_admissions));
        v[index("bed_days_per_year")] = Some(sum_f32(&t.bed_days));
        v[index("dtoc_days_per_year")] = Some(sum_f32(&t.dtoc_days));
        let cost = sum_i64(&t.acute_cost_pence)
            + sum_i64(&t.community_cost_pence)
            + sum_i64(&t.social_care_cost_pence)
            + sum_i64(&t.primary_care_cost_pence);
        v[RESOURCE_COST] = Some(cost);
        if let (Some(p), Some(registry)) = (&out.payments, registry) {
            fill_money(&mut v, p, registry, years, out.population);
        }
        RunEconomy { values: v }
    }
}

fn fill_money(
    v: &mut [Option<f64>; ECONOMY_METRICS.len()],
    p: &RunPayments,
    registry: &crate::payment::organisation::Registry,
    years: f64,
    population: u32,
) {
    use crate::payment::organisation::OrgKind;
    let per_year = |x: i64| x as f64 / years;
    let sum_where = |f: &dyn Fn(&crate::payment::run::OrgYear) -> bool,
                     g: &dyn Fn(&crate::payment::run::OrgYear) -> i64| {
        p.org_years.iter().filter(|o| f(o)).map(g).sum::<i64>()
    };
    let kind = |o: &crate::payment::run::OrgYear| registry.kind(o.org).ok();
    // Spend by commissioner: net outflow (pool contributions count, pool returns net
    // off), so NHS + council = public spend once every pool has settled its year.
    let outflow = |k: OrgKind| sum_where(&|o| kind(o) == Some(k), &|o| -o.net_income_pence.0);
    let public = sum_where(&|o| kind(o).is_some_and(|k| k.is_public_payer()), &|o| o.public_spend_pence.0);
    let resource = sum_where(&|_| true, &|o| o.resource_cost_pence.0);
    let client = outflow(OrgKind::Person);
    v[index("public_spend_pence_per_year")] = Some(per_year(public));
    v[index("public_spend_pence_per_resident")] = Some(per_year(public) / population.max(1) as f64);
    v[index("nhs_spend_pence_per_year")] = Some(per_year(outflow(OrgKind::Commissioner)));
    v[index("council_spend_pence_per_year")] = Some(per_year(outflow(OrgKind::Council)));
    v[index("client_contributions_pence_per_year")] = Some(per_year(client));
    v[index("transfers_pence_per_year")] = Some(per_year(public - resource));
    v[index("enrolled_people")] = Some(p.enrolled_people as f64);
    v[index("ledger_transactions")] = Some(p.ledger.transactions.iter().map(|n| *n as f64).sum());
    // Year of care: the enrolled share and how well the commissioner's risk score
    // ranked next-year admissions (undefined without a planned cohort).
    let risk = crate::payment::year_of_care::mean_discrimination(
        &p.risk_discrimination.iter().map(|d| d.1).collect::<Vec<_>>(),
    );
    v[index("yoc_enrolled_share")] = risk.map(|_| p.enrolled_share);
    v[index("yoc_risk_c_statistic")] = risk.map(|d| d.c_statistic);
    v[index("yoc_risk_ppv")] = risk.map(|d| d.ppv);
    for (k, name) in SURPLUS_ORGS.iter().enumerate() {
        let surplus = sum_where(&|o| registry.get(o.org).is_ok_and(|r| r.name == *name), &|o| o.surplus_pence().0);
        v[index("surplus_acute_trust_pence_per_year") + k] = Some(per_year(surplus));
    }
}

/// The savings of a scenario run against its baseline pair ([`SAVINGS_METRICS`] order);
/// `None` where public spend is undefined or zero in the baseline.
pub fn savings(scenario: &RunEconomy, baseline: &RunEconomy) -> [Option<f64>; SAVINGS_METRICS.len()] {
    let get = |e: &RunEconomy, i: usize| e.values[i];
    let (Some(bp), Some(sp), Some(br), Some(sr)) = (
        get(baseline, PUBLIC_SPEND),
        get(scenario, PUBLIC_SPEND),
        get(baseline, RESOURCE_COST),
        get(scenario, RESOURCE_COST),
    ) else {
        return [None; 4];
    };
    if bp == 0.0 {
        return [None; 4];
    }
    let total = 100.0 * (bp - sp) / bp;
    let resource = 100.0 * (br - sr) / bp;
    let national = match (get(baseline, PUBLIC_SPEND_PER_RESIDENT), get(scenario, PUBLIC_SPEND_PER_RESIDENT)) {
        (Some(b), Some(s)) => Some((b - s) * ENGLAND_POPULATION as f64),
        _ => None,
    };
    [Some(total), Some(resource), Some(total - resource), national]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_indices_are_consistent() {
        assert_eq!(ECONOMY_METRICS[PUBLIC_SPEND], "public_spend_pence_per_year");
        for (k, org) in SURPLUS_ORGS.iter().enumerate() {
            assert_eq!(
                ECONOMY_METRICS[index("surplus_acute_trust_pence_per_year") + k],
                format!("surplus_{org}_pence_per_year")
            );
        }
    }

    #[test]
    fn savings_split_adds_up_and_identical_runs_save_nothing() {
        let mut b = RunEconomy::NONE;
        b.values[PUBLIC_SPEND] = Some(1000.0);
        b.values[RESOURCE_COST] = Some(900.0);
        b.values[PUBLIC_SPEND_PER_RESIDENT] = Some(10.0);
        let mut s = b.clone();
        assert_eq!(savings(&s, &b), [Some(0.0), Some(0.0), Some(0.0), Some(0.0)]);
        s.values[PUBLIC_SPEND] = Some(950.0);
        s.values[RESOURCE_COST] = Some(880.0);
        s.values[PUBLIC_SPEND_PER_RESIDENT] = Some(9.5);
        let [t, r, x, n] = savings(&s, &b).map(|v| v.expect("defined"));
        assert!((t - 5.0).abs() < 1e-12 && (r - 2.0).abs() < 1e-12 && (x - 3.0).abs() < 1e-12);
        assert!((n - 0.5 * ENGLAND_POPULATION as f64).abs() < 1e-6);
        assert_eq!(savings(&s, &RunEconomy::NONE), [None; 4]);
    }
}
