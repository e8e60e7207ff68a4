//! Payment: the core contract (a change of currency moves money and never activity or
//! resource cost), the ledger's double entry and its reconciliation with activity,
//! year-of-care enrolment and capitation, the activity lever, and paired comparisons.

use crate::common::{plan, plan_from_str, root};
use caresim::config::ExperimentPlan;
use caresim::experiment::{calibrate_payments, settle_output};
use caresim::flow;
use caresim::flow::RunOutput;
use caresim::payment::activity::{ActivityKind, ActivityLog};
use caresim::payment::run::RunPayments;
use caresim::payment::social_care::{CareSetting, ClientFinances, charge_week};
use caresim::record::RunKey;
use caresim::summary::area::{AREA, CHANGE_METRICS};
use caresim::summary::compare::{RunMetrics, paired};

fn small(set: &[&str]) -> ExperimentPlan {
    plan(&root().join("configs/small.toml"), &set.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn index(plan: &ExperimentPlan, name: &str) -> u16 {
    plan.scenarios.iter().position(|s| s.name == name).unwrap_or_else(|| panic!("scenario {name}")) as u16
}

/// One settled run of `scenario`: the output, its activity log and its payments.
pub(crate) fn settled(
    plan: &ExperimentPlan,
    scenario: &str,
    replication: u32,
) -> (RunOutput, ActivityLog, RunPayments) {
    let s = index(plan, scenario);
    let settings = plan.run_settings(false);
    let calibration = calibrate_payments::<std::io::Error>(plan, settings, &[s]).expect("pilot");
    let model = &plan.scenarios[s as usize].model;
    let mut out = flow::run(model, settings, RunKey { scenario: s, sample: 0, replication })
        .expect("the model does not deadlock");
    let log = out.activity.clone().expect("a model with [payment] records activity");
    settle_output(model, &calibration[s as usize], settings, &mut out).expect("settles");
    let payments = out.payments.clone().expect("settled");
    (out, log, payments)
}

fn org_total(
    plan: &ExperimentPlan,
    p: &RunPayments,
    org: &str,
    f: impl Fn(&caresim::payment::run::OrgYear) -> i64,
) -> i64 {
    let registry = &plan.scenarios[0].model.payment.as_ref().expect("payment").area.registry;
    let id = registry.find(org).unwrap_or_else(|| panic!("organisation {org}"));
    p.org_years.iter().filter(|o| o.org == id).map(f).sum()
}

#[test]
fn a_currency_change_moves_money_but_never_activity_or_resource_cost() {
    let plan = small(&[]);
    let (mut base, _, base_pay) = settled(&plan, "baseline", 0);
    for scenario in ["year_of_care", "pooled_single_budget"] {
        let (mut other, _, pay) = settled(&plan, scenario, 0);
        assert_eq!(other.events, base.events, "{scenario}: events");
        assert_eq!(other.pools, base.pools, "{scenario}: pool statistics");
        let (a, b) = (base.person_year.payments.take(), other.person_year.payments.take());
        assert_eq!(other.person_year, base.person_year, "{scenario}: person-years (activity and resource cost)");
        base.person_year.payments = a;
        other.person_year.payments = b;
        let cost =
            |p: &RunPayments| p.org_years.iter().map(|o| (o.year, o.org, o.resource_cost_pence)).collect::<Vec<_>>();
        assert_eq!(cost(&pay), cost(&base_pay), "{scenario}: resource cost by provider");
        assert_ne!(pay.ledger, base_pay.ledger, "{scenario}: the currency moves money");
    }
}

#[test]
fn the_ledger_balances_and_reconciles_with_activity() {
    let plan = small(&[]);
    for scenario in ["baseline", "year_of_care", "pooled_single_budget"] {
        let (out, log, pay) = settled(&plan, scenario, 1);
        // Double entry: what is paid is received, every year.
        for year in &pay.years {
            let net: i64 = pay.org_years.iter().filter(|o| o.year == *year).map(|o| o.net_income_pence.0).sum();
            assert_eq!(net, 0, "{scenario}: net income over organisations in year {year}");
        }
        let py = &out.person_year;
        // GP contacts are paid per contact at their unit cost: income = contacts x price.
        let gp_cost: i64 = py.primary_care_cost_pence.iter().sum();
        assert_eq!(org_total(&plan, &pay, "gp_practices", |o| o.net_income_pence.0), gp_cost, "{scenario}: GP");
        // Every A&E attendance counted in the person-years is one priced record.
        let ae_records = log.iter().filter(|a| matches!(a.kind, ActivityKind::AeAttendance)).count() as u64;
        assert_eq!(ae_records, py.ae_attendances.iter().map(|x| *x as u64).sum::<u64>(), "{scenario}: A&E");
        // Social care is paid at its price, by the council (or pool or holder) and people.
        for org in ["home_care_provider", "care_homes"] {
            assert_eq!(
                org_total(&plan, &pay, org, |o| o.net_income_pence.0),
                org_total(&plan, &pay, org, |o| o.resource_cost_pence.0),
                "{scenario}: {org} paid at cost"
            );
        }
        // Resource cost outside hospital is the same whether summed from the priced
        // records or from the person-years, up to one rounding (half a penny) per record
        // and per row.
        let settled: i64 = ["community_provider", "home_care_provider", "care_homes", "gp_practices"]
            .iter()
            .map(|org| org_total(&plan, &pay, org, |o| o.resource_cost_pence.0))
            .sum();
        let person_years: i64 = py.community_cost_pence.iter().sum::<i64>()
            + py.social_care_cost_pence.iter().sum::<i64>()
            + py.primary_care_cost_pence.iter().sum::<i64>();
        // Plus the council-funded weeks of care-home residents placed outside the cohort
        // (no person-years), and what they contribute, at one rounding a month.
        let model = &plan.scenarios[index(&plan, scenario) as usize].model;
        let (spec, costs) = (model.payment.as_ref().expect("payment"), &model.cohort.as_ref().expect("cohort").costs);
        let outside_weeks: f64 = log.outside_cohort_council_days.iter().sum::<f64>() / 7.0;
        assert!(outside_weeks > 0.0, "{scenario}: the council funds residents placed outside the cohort");
        let finances = ClientFinances { weekly_income_pence: spec.finances.weekly_income_pence, ..Default::default() };
        let week = charge_week(costs.care_home_week, &finances, CareSetting::CareHome, &spec.charging);
        let months = log.outside_cohort_council_days.len() as f64;
        let outside_cost = costs.care_home_week.0 as f64 * outside_weeks;
        let roundings = (log.len() + 3 * py.len()) as i64;
        assert!(
            (settled as f64 - person_years as f64 - outside_cost).abs() <= roundings as f64 + months,
            "{scenario}: resource cost outside hospital: settled {settled}, person-years {person_years}, \
             outside the cohort {outside_cost}"
        );
        // What people paid, person by person, plus what the residents outside the cohort
        // contributed, is what the people account paid out.
        let client: i64 = py.payments.as_ref().expect("payment columns").client_paid_pence.iter().sum();
        let outside_client = week.client_pence.0 as f64 * outside_weeks;
        let paid_out = -org_total(&plan, &pay, "people", |o| o.net_income_pence.0);
        assert!(
            (client as f64 + outside_client - paid_out as f64).abs() <= months,
            "{scenario}: client {client} + outside the cohort {outside_client} vs {paid_out} paid out"
        );
        assert!(client > 0, "{scenario}: some people contribute to their care");
    }
}

#[test]
fn the_integrated_team_lever_cuts_enrolled_peoples_admissions_by_its_hazard_ratio() {
    // The lever at 0.5; the people enrolled on day 0 are chosen before it acts, so they
    // are the same people in a scenario without year of care.
    let config = root().join("configs/small.toml");
    let text = format!(
        "extends = {:?}\nreplications = 1\n[[scenarios]]\nname = \"baseline\"\n[[scenarios]]\nname = \"lever\"\npayment.year_of_care.enabled = true\npayment.year_of_care.admission_hazard_ratio = 0.5\n",
        config.display().to_string()
    );
    let plan = plan_from_str("lever", &text);
    let (base, _, _) = settled(&plan, "baseline", 0);
    let (lever, log, _) = settled(&plan, "lever", 0);
    let chosen: std::collections::HashSet<u32> =
        log.enrolments.iter().filter(|e| e.start_day == 0).map(|e| e.person).collect();
    let admissions = |out: &RunOutput| -> f64 {
        let t = &out.person_year;
        (0..t.len()).filter(|&r| chosen.contains(&t.person[r])).map(|r| t.emergency_admissions[r] as f64).sum()
    };
    let (a, b) = (admissions(&lever), admissions(&base));
    assert!(b > 100.0, "enough admissions to test ({b})");
    // Ratio of two Poisson counts: sd ~ r sqrt(1/a + 1/b); 4 sd, plus 0.1 for the extra
    // time at home (and so at risk) that fewer admissions give.
    let r = a / b;
    let sd = 0.5 * (1.0 / a + 1.0 / b).sqrt();
    assert!((r - 0.5).abs() <= 4.0 * sd + 0.1, "admission ratio {r:.3}, expected 0.5 +- {:.3}", 4.0 * sd + 0.1);
}

#[test]
fn identical_scenarios_have_exactly_zero_paired_money_differences() {
    let config = root().join("configs/small.toml");
    let text = format!(
        "extends = {:?}\nreplications = 2\n[[scenarios]]\nname = \"a\"\npayment.year_of_care.enabled = true\n[[scenarios]]\nname = \"b\"\npayment.year_of_care.enabled = true\n",
        config.display().to_string()
    );
    let plan = plan_from_str("paired_money", &text);
    assert_eq!(plan.scenarios.len(), 2);
    let digests = crate::common::run(&plan);
    let metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    let rows = paired(&plan, &metrics);
    let area: Vec<_> = rows.iter().filter(|r| r.pool == AREA).collect();
    assert!(area.iter().any(|r| r.metric == "public_spend_pence_per_year"));
    for m in CHANGE_METRICS {
        assert!(area.iter().any(|r| r.metric == m), "{m} reported");
    }
    for r in area {
        assert_eq!((r.summary.n, r.summary.mean, r.summary.sd), (2, 0.0, 0.0), "{}", r.metric);
    }
}

#[test]
fn pilots_shared_between_scenarios_give_each_the_calibration_it_would_get_alone() {
    let plan = small(&[]);
    let settings = plan.run_settings(false);
    let (base, yoc, pooled) =
        (index(&plan, "baseline"), index(&plan, "year_of_care"), index(&plan, "pooled_single_budget"));
    let together = calibrate_payments::<std::io::Error>(&plan, settings, &[base, yoc, pooled]).expect("pilots");
    for s in [base, yoc, pooled] {
        let alone = calibrate_payments::<std::io::Error>(&plan, settings, &[s]).expect("pilot");
        assert_eq!(together[s as usize], alone[s as usize], "scenario {s}");
    }
    assert!(together[yoc as usize].capitation.is_some() && together[base as usize].capitation.is_none());
    assert!(together[pooled as usize].pool_contributions_pence.is_some());
    assert_eq!(together[base as usize].mret_baseline_pence, together[yoc as usize].mret_baseline_pence);
}

#[test]
fn runs_settled_beside_the_pilots_get_the_calibration_of_the_pass_run_alone() {
    // Three threads, two pilots: the third thread starts runs while the pilots are
    // still going, and those runs wait for the calibration only to settle.
    let plan = small(&["replications=1"]);
    let keys = caresim::experiment::run_keys(&plan);
    let never = std::sync::atomic::AtomicBool::new(false);
    let digests = caresim::experiment::run_selected::<std::io::Error, _, _>(
        &plan,
        &keys,
        plan.run_settings(false),
        3,
        &never,
        |_, _| Ok(()),
        |_| {},
    )
    .expect("runs");
    assert_eq!(digests.iter().map(|d| d.key).collect::<Vec<_>>(), keys, "one digest per run, in key order");
    let settings = plan.run_settings(false);
    let all: Vec<u16> = (0..plan.scenarios.len() as u16).collect();
    let alone = calibrate_payments::<std::io::Error>(&plan, settings, &all).expect("pilots");
    for d in &digests {
        let model = plan.model(d.key.scenario, d.key.sample).expect("sample builds");
        let model = &*model;
        let mut out = flow::run(model, settings, d.key).expect("the model does not deadlock");
        settle_output(model, &alone[d.key.scenario as usize], settings, &mut out).expect("settles");
        let economy = caresim::summary::area::RunEconomy::of(&out, model.payment.as_ref().map(|s| &s.area.registry));
        assert_eq!(d.economy, economy, "scenario {}: money as with the stand-alone calibration", d.key.scenario);
    }
    assert!(digests.iter().any(|d| d.economy != caresim::summary::area::RunEconomy::NONE), "the runs were paid");
}

#[test]
fn a_stop_before_the_start_runs_nothing_and_returns() {
    let plan = small(&["replications=1"]);
    let keys = caresim::experiment::run_keys(&plan);
    let stop = std::sync::atomic::AtomicBool::new(true);
    let stored = std::sync::atomic::AtomicUsize::new(0);
    let digests = caresim::experiment::run_selected::<std::io::Error, _, _>(
        &plan,
        &keys,
        plan.run_settings(false),
        2,
        &stop,
        |_, _| {
            stored.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        },
        |_| {},
    )
    .expect("an interruption is not an error");
    assert!(digests.is_empty());
    assert_eq!(stored.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[test]
fn acute_spells_are_costed_once_as_they_end_and_open_spells_at_the_horizon_are_paid() {
    let plan = small(&[]);
    let (out, log, pay) = settled(&plan, "baseline", 0);
    let horizon_day = plan.horizon_days as u32;
    // Spells still open at the horizon are recorded on the window's last day, for the
    // days delivered, and paid: a congested run cannot look cheaper by leaving patients
    // in bed.
    let open: Vec<_> = log
        .iter()
        .filter_map(|a| match a.kind {
            ActivityKind::Spell { spell, stay_days, .. } if a.day == horizon_day - 1 => Some((spell, stay_days)),
            _ => None,
        })
        .collect();
    assert!(open.len() > 10, "patients are in bed at the horizon: {}", open.len());
    assert!(open.iter().any(|(_, stay)| *stay > 5.0), "long stays open at the horizon");
    // Day cases are recorded as day cases: most elective spells (the pathway's 80% that
    // leave from the admission step within a day [MAR-DAYCASE]).
    let classes = |c| {
        log.iter().filter(|a| matches!(a.kind, ActivityKind::Spell { spell, .. } if spell.class == c)).count() as f64
    };
    let (day, ordinary) = (
        classes(caresim::payment::tariff::AdmissionClass::DayCase),
        classes(caresim::payment::tariff::AdmissionClass::Elective),
    );
    let share = day / (day + ordinary);
    assert!((0.72..0.88).contains(&share), "day-case share of electives {share}");
    // The acute trust's resource cost (spells and A&E, settled) is the person-years'
    // acute cost: the same spells, the same per-spell and per-bed-day rule.
    let settled_acute = org_total(&plan, &pay, "acute_trust", |o| o.resource_cost_pence.0);
    let person_years: i64 = out.person_year.acute_cost_pence.iter().sum();
    let roundings = (log.len() + out.person_year.len()) as i64;
    assert!(
        (settled_acute - person_years).abs() <= roundings,
        "acute cost: settled {settled_acute}, rows {person_years}"
    );
}

#[test]
fn a_capacity_cut_that_raises_resource_cost_never_reports_a_consolidated_saving() {
    let config = root().join("configs/small.toml");
    let text = format!(
        "extends = {:?}\nreplications = 2\n[[scenarios]]\nname = \"baseline\"\n[[scenarios]]\nname = \"cut\"\n\
         pools.home_care_packages.capacity = 370\n",
        config.display().to_string()
    );
    let plan = plan_from_str("capacity_cut", &text);
    let digests = crate::common::run(&plan);
    let metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    let get = |m: &RunMetrics, name: &str| {
        let i = caresim::summary::area::ECONOMY_METRICS.iter().position(|x| *x == name).expect("metric");
        m.economy.values[i].expect("defined")
    };
    for cut in metrics.iter().filter(|m| m.key.scenario == 1) {
        let base =
            metrics.iter().find(|m| m.key.scenario == 0 && m.key.replication == cut.key.replication).expect("pair");
        let resource =
            get(cut, "consolidated_resource_pence_per_year") - get(base, "consolidated_resource_pence_per_year");
        let spend = get(cut, "consolidated_spend_pence_per_year") - get(base, "consolidated_spend_pence_per_year");
        let transfers =
            get(cut, "consolidated_transfers_pence_per_year") - get(base, "consolidated_transfers_pence_per_year");
        assert!((spend - resource - transfers).abs() < 1.0, "spend = resource + transfers");
        assert!(
            !(resource > 0.0 && spend < 0.0),
            "replication {}: resource cost rose {resource} but consolidated spend fell {spend}",
            cut.key.replication
        );
        // The waiting list of the cut pool is measured through the run.
        assert!(cut.pools.iter().any(|p| p[p.len() - 1].is_some()), "waiting growth measured");
    }
}

#[test]
fn a_pure_price_change_moves_transfers_and_never_resource_cost() {
    // The small area with two prices changed and nothing else: an MRET baseline set far
    // below the calibrated one (more emergency income retained by the commissioner) and
    // a dearer non-elective spell. Each is money moved between the commissioner and
    // the acute trust: the same activity and resource cost, a different NHS spend and
    // transfers, and (both being public bodies) the same consolidated spend.
    let config = root().join("configs/small.toml");
    let text = format!(
        "extends = {:?}\nreplications = 2\n[[scenarios]]\nname = \"baseline\"\n\
         [[scenarios]]\nname = \"mret_baseline\"\npayment.tariff.mret_baseline_pence = 10000000\n\
         [[scenarios]]\nname = \"tariff_price\"\npayment.tariff.non_elective_spell_pence = 300000\n",
        config.display().to_string()
    );
    let plan = plan_from_str("price_change", &text);
    let digests = crate::common::run(&plan);
    let metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    let get = |m: &RunMetrics, name: &str| {
        let i = caresim::summary::area::ECONOMY_METRICS.iter().position(|x| *x == name).expect("metric");
        m.economy.values[i].unwrap_or_else(|| panic!("{name} defined"))
    };
    for changed in metrics.iter().filter(|m| m.key.scenario > 0) {
        let base =
            metrics.iter().find(|m| m.key.scenario == 0 && m.key.replication == changed.key.replication).expect("pair");
        let label =
            format!("{} replication {}", plan.scenarios[changed.key.scenario as usize].name, base.key.replication);
        for same in [
            "emergency_admissions_per_year",
            "bed_days_per_year",
            "resource_cost_pence_per_year",
            "consolidated_resource_pence_per_year",
            "consolidated_spend_pence_per_year",
        ] {
            assert_eq!(get(changed, same), get(base, same), "{label}: {same}");
        }
        for moved in ["nhs_spend_pence_per_year", "transfers_pence_per_year"] {
            assert_ne!(get(changed, moved), get(base, moved), "{label}: {moved} moves with the price");
        }
        assert_eq!(get(changed, "council_spend_pence_per_year"), get(base, "council_spend_pence_per_year"), "{label}");
    }
}
