//! Who pays: pools and year of care move no cost between NHS and council when care is
//! unchanged; the year-of-care cohort is chosen by a risk score a commissioner could
//! compute and stays at its configured share; capitation is funded by each commissioner
//! for its share of the scope.

use crate::common::{plan, root};
use caresim::config::ExperimentPlan;
use caresim::experiment::{calibrate_payments, settle_output};
use caresim::flow;
use caresim::money::Pence;
use caresim::payment::MonthIndex;
use caresim::payment::ledger::Account;
use caresim::payment::run::{RunToSettle, run_enrolment};
use caresim::payment::year_of_care::person_months;
use caresim::record::RunKey;
use caresim::summary::area::{AREA, ECONOMY_METRICS};
use caresim::summary::compare::{RunMetrics, paired};

fn config(name: &str, set: &[&str]) -> ExperimentPlan {
    plan(&root().join("configs").join(name), &set.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn index(plan: &ExperimentPlan, name: &str) -> u16 {
    plan.scenarios.iter().position(|s| s.name == name).unwrap_or_else(|| panic!("scenario {name}")) as u16
}

#[test]
fn year_of_care_cohort_is_chosen_by_a_fitted_score_and_funded_by_each_commissioner() {
    let plan = config("small.toml", &[]);
    let s = index(&plan, "year_of_care");
    let settings = plan.run_settings(false);
    let calibration = calibrate_payments::<std::io::Error>(&plan, settings, &[s]).expect("pilot");
    let c = &calibration[s as usize];
    // The commissioner's model discriminates: better than chance, and the top 2% it picks
    // are admitted far more often than the average person.
    let d = c.risk_discrimination.expect("discrimination reported");
    assert!(d.c_statistic > 0.6, "C-statistic {}", d.c_statistic);
    assert!(d.ppv > 2.0 * d.prevalence, "PPV {} vs prevalence {}", d.ppv, d.prevalence);
    // The council funds part of the capitation (the enrolled people's home care).
    let spec = plan.scenarios[s as usize].model.payment.as_ref().expect("payment");
    let funding = c.capitation_funding.clone().expect("funding calibrated");
    let share = |org| funding.funders.iter().filter(|f| f.0 == org).map(|f| f.1).sum::<f64>();
    assert!(share(spec.area.ccg) > 0.0 && share(spec.area.council) > 0.0, "{funding:?}");
    // Part of the community block is carved out for the enrolled people.
    assert!(c.block_carve_out.iter().any(|x| *x > 0.0 && *x < 0.5), "{:?}", c.block_carve_out);

    let model = &plan.scenarios[s as usize].model;
    let mut out = flow::run(model, settings, RunKey { scenario: s, sample: 0, replication: 0 }).expect("no deadlock");
    let log = out.activity.clone().expect("activity");
    let cohort = model.cohort.as_ref().expect("cohort");
    let run = RunToSettle {
        spec,
        calibration: c,
        log: &log,
        costs: &cohort.costs,
        master_seed: settings.master_seed,
        key: out.key,
        window_days: (settings.warmup_days as u32, settings.horizon_days as u32),
        person_years: &out.person_year,
    };
    let planned = run_enrolment(&run).expect("enrolment");
    // Re-stratified and topped up: the enrolled share of the living stays at 2% (at
    // most the deaths of a year above it between top-ups: 2% x 1.1).
    assert!((0.0195..0.022).contains(&planned.enrolled_share), "enrolled share {}", planned.enrolled_share);
    assert!(planned.enrolments.iter().all(|e| e.start_day >= 365), "selection needs a year of history");
    settle_output(model, c, settings, &mut out).expect("settles");
    let pay = out.payments.expect("settled");
    // Capitation paid = every enrolled person-month at the calibrated rates, split
    // between the funders.
    let rates = c.capitation.expect("capitation");
    let expected: i64 = pay
        .years
        .iter()
        .flat_map(|y| {
            planned.enrolments.iter().flat_map(move |e| person_months(e, MonthIndex(y * 12), MonthIndex(y * 12 + 11)))
        })
        .map(|pm| rates.for_person_month(&pm).0)
        .sum();
    let capitation = |payer: Option<u16>| -> i64 {
        (0..pay.ledger.len())
            .filter(|&r| pay.ledger.account[r] == Account::YocCapitation as u8)
            .filter(|&r| payer.is_none_or(|p| pay.ledger.payer[r] == p))
            .map(|r| pay.ledger.amount_pence[r])
            .sum()
    };
    assert_eq!(capitation(None), expected, "capitation paid = person-months x rates");
    assert!(capitation(Some(spec.area.council.0)) > 0, "the council pays its share");
    assert!(rates.per_year_pence[1..].iter().all(|r| *r > Pence::ZERO));
}

/// Paired differences scenario - baseline of an area metric over the replications:
/// (mean, 95% half-width, baseline mean).
fn paired_area(plan: &ExperimentPlan, metrics: &[RunMetrics], scenario: &str, metric: &str) -> (f64, f64, f64) {
    let s = index(plan, scenario);
    let rows = paired(plan, metrics);
    let r = rows
        .iter()
        .find(|r| r.scenario == s && r.pool == AREA && r.metric == metric)
        .unwrap_or_else(|| panic!("{scenario} {metric}"));
    let base: Vec<f64> = metrics
        .iter()
        .filter(|m| m.key.scenario == 0)
        .filter_map(|m| {
            let i = ECONOMY_METRICS.iter().position(|x| *x == metric).unwrap_or_else(|| panic!("metric {metric}"));
            m.economy.values[i]
        })
        .collect();
    (r.summary.mean, r.summary.half_width, base.iter().sum::<f64>() / base.len() as f64)
}

#[test]
fn with_care_unchanged_pools_and_year_of_care_move_no_spend_between_nhs_and_council() {
    // The default area, six replications (about 20 s in a debug build; with two, a bias
    // of half a percent passed unseen): year of care with its lever off, the single
    // budget and the Better Care Fund change who pays, never care. NHS spend,
    // council spend, public spend and consolidated public spend each stay at the
    // baseline's: the paired difference's 95% interval covers zero and the mean
    // difference is within 0.5% of the baseline. (The pools, with risk share by
    // commissioner, give exactly zero; year of care moves the noise of the enrolled
    // people's use against their calibrated capitation.)
    // 24 pilots: the capitation and its funding shares are estimates from the pilots,
    // with an error all replications share (not in the paired interval); with home care
    // binding it is about 1% of council spend at 2 pilots and 0.4% at 24 (measured).
    let plan = config("default.toml", &["replications=6", "payment.pilot_replications=24"]);
    let keep = ["baseline", "year_of_care", "pooled_single_budget", "pooled_better_care_fund"];
    let plan = ExperimentPlan {
        scenarios: plan.scenarios.into_iter().filter(|s| keep.contains(&s.name.as_str())).collect(),
        ..plan
    };
    let digests = crate::common::run(&plan);
    let metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    let yoc = index(&plan, "year_of_care");
    for name in ["yoc_enrolled_share", "yoc_risk_c_statistic", "yoc_risk_ppv"] {
        let i = ECONOMY_METRICS.iter().position(|m| *m == name).unwrap_or_else(|| panic!("{name}"));
        let v: Vec<f64> =
            metrics.iter().filter(|m| m.key.scenario == yoc).filter_map(|m| m.economy.values[i]).collect();
        eprintln!("year_of_care {name}: {v:?}");
        assert_eq!(v.len(), 6, "{name} reported for every year-of-care run");
    }
    for scenario in &keep[1..] {
        for metric in [
            "nhs_spend_pence_per_year",
            "council_spend_pence_per_year",
            "public_spend_pence_per_year",
            "consolidated_spend_pence_per_year",
        ] {
            let (diff, hw, base) = paired_area(&plan, &metrics, scenario, metric);
            eprintln!(
                "{scenario} {metric}: {diff:.0} +- {hw:.0} pence/year on {base:.0} ({:.3}%)",
                100.0 * diff / base
            );
            assert!(base > 0.0, "{scenario} {metric}: baseline {base}");
            assert!(diff.abs() <= 0.005 * base, "{scenario} {metric}: {diff:.0} vs 0.5% of {base:.0}");
            assert!(
                diff.abs() <= hw.max(0.0) || diff.abs() <= 1e-9 * base,
                "{scenario} {metric}: {diff:.0} +- {hw:.0}"
            );
        }
    }
}

#[test]
fn a_single_budget_that_pays_acute_care_moves_no_spend_between_nhs_and_council() {
    // A pool over acute care pays the year-end items that arise from it (CQUIN on the
    // tariff income, the withheld MRET and readmission money spent on demand management)
    // as the CCG did. They are part of the CCG's net spend on the pooled services, so the
    // pool is funded for them and, at the risk share, the CCG meets them: with care
    // unchanged NHS and council spend are exactly the baseline's. (When they were left out
    // of that spend, the pool overspent by them every year and the council met its
    // contribution's share: about £0.57m a year moved from NHS to council in the default
    // area.)
    let scope = "payment.single_budget_services=[\"acute_emergency\", \"acute_elective\", \"acute_day_case\", \
                 \"accident_and_emergency\", \"intermediate_care\", \"reablement\", \"community_nursing\", \
                 \"home_care\", \"care_home\", \"primary_care\"]";
    let plan = config("small.toml", &["replications=2", "payment.pilot_replications=2", scope]);
    let keep = ["baseline", "pooled_single_budget"];
    let plan = ExperimentPlan {
        scenarios: plan.scenarios.into_iter().filter(|s| keep.contains(&s.name.as_str())).collect(),
        ..plan
    };
    // The pool does pay CQUIN and the spent withheld money (else the test shows nothing).
    let s = index(&plan, "pooled_single_budget");
    let settings = plan.run_settings(false);
    let calibration = calibrate_payments::<std::io::Error>(&plan, settings, &[s]).expect("pilot");
    let model = &plan.scenarios[s as usize].model;
    let spec = model.payment.as_ref().expect("payment");
    let mut out = flow::run(model, settings, RunKey { scenario: s, sample: 0, replication: 0 }).expect("no deadlock");
    settle_output(model, &calibration[s as usize], settings, &mut out).expect("settles");
    let pay = out.payments.expect("settled");
    let paid_by_pool = |account: Account| -> i64 {
        (0..pay.ledger.len())
            .filter(|&r| pay.ledger.account[r] == account as u8 && pay.ledger.payer[r] == spec.area.pool.0)
            .map(|r| pay.ledger.amount_pence[r])
            .sum()
    };
    assert!(paid_by_pool(Account::Cquin) > 0, "the pool pays CQUIN");
    assert!(paid_by_pool(Account::Reinvestment) > 0, "the pool spends withheld money");

    let digests = crate::common::run(&plan);
    let metrics: Vec<RunMetrics> = digests.iter().map(RunMetrics::of).collect();
    for metric in ["nhs_spend_pence_per_year", "council_spend_pence_per_year", "consolidated_spend_pence_per_year"] {
        let (diff, _, base) = paired_area(&plan, &metrics, "pooled_single_budget", metric);
        assert!(base > 0.0, "{metric}: baseline {base}");
        assert_eq!(diff, 0.0, "{metric}: {diff} pence a year moved with care unchanged");
    }
}

/// Runs `plan` and gives an area metric of one run: `(scenario, replication, metric)`.
fn run_values(plan: &ExperimentPlan) -> impl Fn(&str, u32, &str) -> f64 + '_ {
    let metrics: Vec<RunMetrics> = crate::common::run(plan).iter().map(RunMetrics::of).collect();
    move |scenario, replication, metric| {
        let s = index(plan, scenario);
        let i = ECONOMY_METRICS.iter().position(|m| *m == metric).unwrap_or_else(|| panic!("{metric}"));
        let m = metrics.iter().find(|m| m.key.scenario == s && m.key.replication == replication).expect("run");
        m.economy.values[i].expect("defined")
    }
}

#[test]
fn year_of_care_inside_a_pool_moves_the_same_money_as_year_of_care_alone() {
    // Year of care with its lever off inside a single budget (with and without acute
    // care) or the Better Care Fund: each commissioner funds the holder for the
    // enrolled people's care on its own services (a block's by the block's
    // commissioner), the pool stops paying for that care and its risk share by
    // commissioner returns it to the same commissioner. So NHS and council spend are
    // those of year of care under separate budgets, run by run. (When the pool funded
    // the capitation and shared it pro rata, or reablement in the community block was
    // funded by the council under a pool and by the CCG without one, about £1.7m a year
    // moved from council to NHS in the default area.)
    let small = root().join("configs").join("small.toml");
    let acute = "[\"acute_emergency\", \"acute_elective\", \"acute_day_case\", \"accident_and_emergency\", \
                 \"intermediate_care\", \"reablement\", \"community_nursing\", \"home_care\", \"care_home\", \
                 \"primary_care\"]";
    let text = format!(
        "extends = {small:?}\nreplications = 2\npayment.pilot_replications = 2\n\
         [[scenarios]]\nname = \"baseline\"\n\
         [[scenarios]]\nname = \"year_of_care\"\npayment.year_of_care.enabled = true\n\
         [[scenarios]]\nname = \"in_single_budget\"\npayment.year_of_care.enabled = true\npayment.pool = \"single_budget\"\n\
         [[scenarios]]\nname = \"in_acute_budget\"\npayment.year_of_care.enabled = true\npayment.pool = \"single_budget\"\n\
         payment.single_budget_services = {acute}\n\
         [[scenarios]]\nname = \"in_bcf\"\npayment.year_of_care.enabled = true\npayment.pool = \"better_care_fund\"\n"
    );
    let plan = crate::common::plan_from_str("yoc_in_pools", &text);
    let value = run_values(&plan);
    for metric in ["nhs_spend_pence_per_year", "council_spend_pence_per_year", "consolidated_spend_pence_per_year"] {
        for r in 0..2 {
            let alone = value("year_of_care", r, metric);
            assert!(alone > 0.0);
            for pooled in ["in_single_budget", "in_acute_budget", "in_bcf"] {
                let v = value(pooled, r, metric);
                assert!((v - alone).abs() <= 1.0, "{pooled} {metric} replication {r}: {v} vs {alone} alone");
            }
        }
    }
    // The pools are in force (else the comparison shows nothing).
    for pooled in ["in_single_budget", "in_acute_budget", "in_bcf"] {
        let spec = plan.scenarios[index(&plan, pooled) as usize].model.payment.as_ref().expect("payment");
        assert!(!matches!(spec.pool, caresim::payment::spec::PoolSpec::Separate), "{pooled}");
    }
}

#[test]
fn who_holds_year_of_care_and_how_it_sub_contracts_move_no_council_or_consolidated_spend() {
    // With care unchanged, a prime provider (the acute trust, delivering its own acute
    // care) values that care at the usual price, as a sub-contract would be: NHS, council
    // and consolidated spend are those of the prime contractor's year of care. At cost
    // plus (no margin) the providers are paid their cost, the person's contribution to
    // social care included: the council pays what it did and consolidated spend is
    // unchanged; only the CCG's payments to NHS trusts move (a price change). (When own
    // care was valued at cost, the prime provider's CCG paid about £1.5m a year more in
    // the default area; when cost plus ignored the contribution, the home care provider
    // was paid it twice, £0.8m a year of council spend.)
    let small = root().join("configs").join("small.toml");
    let yoc = "payment.year_of_care.enabled = true\n";
    let text = format!(
        "extends = {small:?}\nreplications = 2\npayment.pilot_replications = 2\n\
         [[scenarios]]\nname = \"baseline\"\n\
         [[scenarios]]\nname = \"prime_contractor\"\n{yoc}\
         [[scenarios]]\nname = \"prime_provider\"\n{yoc}payment.year_of_care.holder = \"acute_trust\"\n\
         payment.year_of_care.holder_kind = \"prime_provider\"\n\
         [[scenarios]]\nname = \"cost_plus\"\n{yoc}payment.year_of_care.sub_contract = \"cost_plus\"\n\
         payment.year_of_care.cost_plus_markup = 0.0\n\
         [[scenarios]]\nname = \"alliance\"\n{yoc}payment.year_of_care.holder_kind = \"alliance\"\n\
         payment.year_of_care.alliance = [\"acute_trust\", \"community_provider\", \"home_care_provider\"]\n"
    );
    let plan = crate::common::plan_from_str("yoc_holders", &text);
    let value = run_values(&plan);
    // The prime provider's figures match to rounding; at cost plus the capitation's
    // funding shares are estimated from other prices, so the council's share moves with
    // the pilots' noise (0.2% here with 2 pilots): within 0.5%, the bound the default
    // area's care-unchanged test uses.
    for r in 0..2 {
        for (scenario, metric, tolerance) in [
            ("prime_provider", "nhs_spend_pence_per_year", 1e-4),
            ("prime_provider", "council_spend_pence_per_year", 1e-4),
            ("prime_provider", "consolidated_spend_pence_per_year", 1e-4),
            ("cost_plus", "council_spend_pence_per_year", 5e-3),
            ("cost_plus", "consolidated_spend_pence_per_year", 1e-4),
            // An alliance whose shares are calibrated on the pilots: each member's share is
            // its part of the care, so no member gains at another's (or the public's)
            // cost in expectation. The commissioners pay what a prime contractor is paid;
            // consolidated spend moves by what the independent member (home care) gets
            // above or below the care it delivers this run, against shares estimated from
            // 2 pilots (0.2% here): within 0.5%. With fixed shares 0.6/0.2/0.2 it moved
            // 0.9% in the default area.
            ("alliance", "nhs_spend_pence_per_year", 1e-4),
            ("alliance", "council_spend_pence_per_year", 1e-4),
            ("alliance", "consolidated_spend_pence_per_year", 5e-3),
        ] {
            let (v, contractor) = (value(scenario, r, metric), value("prime_contractor", r, metric));
            assert!(contractor > 0.0);
            assert!(
                (v - contractor).abs() <= tolerance * contractor,
                "{scenario} {metric} replication {r}: {v} vs {contractor} with a prime contractor"
            );
        }
    }
}
