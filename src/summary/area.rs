//! Area-level metrics of one run, per year of the measurement window: activity from the
//! person-year table and, when the model has `[payment]`, money from the settlement.
//! They are summarised and compared between scenarios like the pool metrics, under the
//! pool name [`AREA`], and the paired comparison adds the split of the consolidated change
//! ([`CHANGE_METRICS`]).

use crate::flow::RunOutput;
use crate::payment::run::{ENGLAND_POPULATION, RunPayments};

/// The pool name area-level metrics are reported under.
pub const AREA: &str = "area";

/// Provider organisations whose surplus is reported (names of the default area).
pub const SURPLUS_ORGS: [&str; 6] =
    ["acute_trust", "community_provider", "home_care_provider", "care_homes", "gp_practices", "ico"];

/// Area metric names, in the order of [`RunEconomy::values`]. Money is pence per year of
/// the window (per resident where named so); activity is per year of the window.
///
/// `resource_cost_pence_per_year` is the cost of the activity (person-year table), of
/// staffed places left empty and of interventions. `public_spend` is what the public
/// payers (CCG, council, pools) pay out; `nhs_spend` and `council_spend` split it by
/// commissioner. The **consolidated** figures treat commissioners, councils, pools and
/// NHS providers as one public sector ([`crate::payment::ledger::ConsolidatedSpend`]):
/// `consolidated_spend = consolidated_resource + consolidated_transfers`, where the
/// resource part is what care cost and transfers are payments to independent providers
/// above their cost less what people pay. Money moved between public bodies (tariff
/// prices, MRET, pools, capitation) changes neither.
pub const ECONOMY_METRICS: [&str; 28] = [
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
    "consolidated_spend_pence_per_year",
    "consolidated_spend_pence_per_resident",
    "consolidated_resource_pence_per_year",
    "consolidated_transfers_pence_per_year",
    "withheld_money_pence_per_year",
    "intervention_cost_pence_per_year",
    "used_staffed_places_value_pence_per_year",
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
/// Index of `consolidated_spend_pence_per_year`.
pub const CONSOLIDATED: usize = index("consolidated_spend_pence_per_year");
/// Index of `consolidated_spend_pence_per_resident`.
pub const CONSOLIDATED_PER_RESIDENT: usize = index("consolidated_spend_pence_per_resident");
/// Index of `consolidated_resource_pence_per_year`.
pub const CONSOLIDATED_RESOURCE: usize = index("consolidated_resource_pence_per_year");
/// Index of `used_staffed_places_value_pence_per_year`.
pub const USED_PLACES: usize = index("used_staffed_places_value_pence_per_year");

/// Paired-only metrics on the **consolidated** public spend, scenario − baseline like
/// every paired difference (negative: the scenario spends less, a saving):
/// `consolidated_change_pct` = 100 × (scenario − baseline) / baseline, split into
/// `resource_change_pct` (the change in what care cost) and `transfer_change_pct` (the
/// rest: money moved to or from people and independent providers), which sum to
/// `consolidated_change_pct` in every pair; `national_change_pence_per_year`, the change
/// per resident × England's population, with its resource and transfer parts (never
/// quoted without them); `cash_change_pence_per_year`, the change in consolidated spend
/// (money leaving or entering the public sector's accounts), and
/// `used_places_change_pence_per_year`, the change in the value of staffed places used
/// (negative: capacity released for other patients, not cash, while the places stay
/// funded).
pub const CHANGE_METRICS: [&str; 8] = [
    "consolidated_change_pct",
    "resource_change_pct",
    "transfer_change_pct",
    "national_change_pence_per_year",
    "national_resource_change_pence_per_year",
    "national_transfer_change_pence_per_year",
    "cash_change_pence_per_year",
    "used_places_change_pence_per_year",
];

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
        let years = ((out.horizon_days - out.warmup_days) / crate::time::DAYS_PER_YEAR as f64).max(f64::MIN_POSITIVE);
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
    let other = &p.other_costs;
    let extra_public = other.empty_places_public_pence.0 + other.interventions_pence.0;
    let extra = extra_public + other.empty_places_independent_pence.0;
    let consolidated: i64 = p.consolidated.iter().map(|(_, c)| c.total_pence.0).sum::<i64>() + extra_public;
    let consolidated_resource: i64 = p.consolidated.iter().map(|(_, c)| c.resource_cost_pence.0).sum::<i64>() + extra;
    v[CONSOLIDATED] = Some(per_year(consolidated));
    v[CONSOLIDATED_PER_RESIDENT] = Some(per_year(consolidated) / population.max(1) as f64);
    v[CONSOLIDATED_RESOURCE] = Some(per_year(consolidated_resource));
    v[index("consolidated_transfers_pence_per_year")] = Some(per_year(consolidated - consolidated_resource));
    v[index("withheld_money_pence_per_year")] = Some(per_year(p.withheld_pence.0));
    v[index("intervention_cost_pence_per_year")] = Some(per_year(other.interventions_pence.0));
    v[USED_PLACES] = Some(per_year(other.used_places_value_pence.0));
    if let Some(r) = v[RESOURCE_COST].as_mut() {
        // Staffed places left empty and interventions cost resources too.
        *r += per_year(extra);
    }
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

/// The changes of a scenario run against its baseline pair, scenario − baseline
/// ([`CHANGE_METRICS`] order); `None` where consolidated spend is undefined or zero in
/// the baseline.
pub fn consolidated_changes(scenario: &RunEconomy, baseline: &RunEconomy) -> [Option<f64>; CHANGE_METRICS.len()] {
    const NONE: [Option<f64>; CHANGE_METRICS.len()] = [None; CHANGE_METRICS.len()];
    let get = |e: &RunEconomy, i: usize| e.values[i];
    let (Some(bp), Some(sp), Some(br), Some(sr), Some(bn), Some(sn)) = (
        get(baseline, CONSOLIDATED),
        get(scenario, CONSOLIDATED),
        get(baseline, CONSOLIDATED_RESOURCE),
        get(scenario, CONSOLIDATED_RESOURCE),
        get(baseline, CONSOLIDATED_PER_RESIDENT),
        get(scenario, CONSOLIDATED_PER_RESIDENT),
    ) else {
        return NONE;
    };
    if bp == 0.0 {
        return NONE;
    }
    let total = 100.0 * (sp - bp) / bp;
    let resource = 100.0 * (sr - br) / bp;
    // National: per resident × England; residents = baseline spend / spend per resident.
    let national = (sn - bn) * ENGLAND_POPULATION as f64;
    let national_resource = (sr - br) * (bn / bp) * ENGLAND_POPULATION as f64;
    let used_places = match (get(baseline, USED_PLACES), get(scenario, USED_PLACES)) {
        (Some(b), Some(s)) => Some(s - b),
        _ => None,
    };
    [
        Some(total),
        Some(resource),
        Some(total - resource),
        Some(national),
        Some(national_resource),
        Some(national - national_resource),
        Some(sp - bp),
        used_places,
    ]
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
    fn change_split_adds_up_and_identical_runs_change_nothing() {
        // 100 residents: consolidated spend £10.00, of which resource £9.00.
        let mut b = RunEconomy::NONE;
        b.values[CONSOLIDATED] = Some(1000.0);
        b.values[CONSOLIDATED_RESOURCE] = Some(900.0);
        b.values[CONSOLIDATED_PER_RESIDENT] = Some(10.0);
        b.values[USED_PLACES] = Some(300.0);
        let mut s = b.clone();
        assert_eq!(consolidated_changes(&s, &b), [Some(0.0); CHANGE_METRICS.len()]);
        s.values[CONSOLIDATED] = Some(950.0);
        s.values[CONSOLIDATED_RESOURCE] = Some(880.0);
        s.values[CONSOLIDATED_PER_RESIDENT] = Some(9.5);
        s.values[USED_PLACES] = Some(260.0);
        // Payer-view public spend plays no part in the headline.
        s.values[PUBLIC_SPEND] = Some(1.0);
        // A saving of 5%: the change is -5%, scenario - baseline like every paired row.
        let [t, r, x, n, nr, nx, cash, places] = consolidated_changes(&s, &b).map(|v| v.expect("defined"));
        assert!((t + 5.0).abs() < 1e-12 && (r + 2.0).abs() < 1e-12 && (x + 3.0).abs() < 1e-12);
        let england = ENGLAND_POPULATION as f64;
        assert!((n + 0.5 * england).abs() < 1e-6);
        // Resource: 20p over 100 residents = 0.2p each; transfers the rest.
        assert!((nr + 0.2 * england).abs() < 1e-6 && (nx + 0.3 * england).abs() < 1e-6);
        assert!((nr + nx - n).abs() < 1e-6);
        assert_eq!((cash, places), (-50.0, -40.0));
        assert_eq!(consolidated_changes(&s, &RunEconomy::NONE), [None; CHANGE_METRICS.len()]);
    }
}
