//! Care Act reimbursement of delayed discharges, end to end on the small area: the council
//! pays the acute trust the daily rate for each midnight a patient waits in an acute bed
//! for a reason the council alone is responsible for. It is a price: it moves money
//! between two public bodies and changes neither care, resource cost nor consolidated
//! public spend.

use crate::common::{plan, root};
use crate::payments::settled;
use caresim::capacity::Responsible;
use caresim::config::ExperimentPlan;
use caresim::payment::MonthIndex;
use caresim::payment::ledger::Account;

const RATE_PENCE: i64 = 13_000;

fn small(set: &[&str]) -> ExperimentPlan {
    plan(&root().join("configs/small.toml"), &set.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

#[test]
fn reimbursement_is_paid_per_council_delayed_day_and_changes_no_care() {
    let off = small(&[]);
    let on = small(&["payment.delay_reimbursement.enabled=true", "payment.delay_reimbursement.pence_per_day=13000"]);
    let (base, _, base_pay) = settled(&off, "baseline", 0);
    let (out, log, pay) = settled(&on, "baseline", 0);

    // Care and its cost are untouched.
    assert_eq!(out.events, base.events, "events");
    assert_eq!(out.pools, base.pools, "pool statistics");
    assert_eq!(out.delays, base.delays, "delays");
    let cost = |p: &caresim::payment::run::RunPayments| {
        p.org_years.iter().map(|o| (o.year, o.org, o.resource_cost_pence)).collect::<Vec<_>>()
    };
    assert_eq!(cost(&pay), cost(&base_pay), "resource cost by provider");
    // Consolidated public spend is unchanged: council and trust are both public bodies.
    let consolidated = |p: &caresim::payment::run::RunPayments| {
        p.consolidated.iter().map(|(y, c)| (*y, c.total_pence, c.resource_cost_pence)).collect::<Vec<_>>()
    };
    assert_eq!(consolidated(&pay), consolidated(&base_pay), "consolidated public spend");

    // The money: one rate per reimbursable midnight in the settled years, council to trust.
    let registry = &on.scenarios[0].model.payment.as_ref().expect("payment").area.registry;
    let (council, acute) = (registry.find("council").expect("council"), registry.find("acute_trust").expect("trust"));
    let midnights =
        log.reimbursable_delay_days.iter().filter(|d| pay.years.contains(&(MonthIndex::of_day(**d).0 / 12))).count()
            as i64;
    assert!(midnights > 0, "the small area has council-responsible acute delays");
    let paid: i64 = (0..pay.ledger.payer.len())
        .filter(|&i| pay.ledger.account[i] == Account::DelayReimbursement as u8)
        .map(|i| {
            assert_eq!((pay.ledger.payer[i], pay.ledger.payee[i]), (council.0, acute.0), "council pays the trust");
            pay.ledger.amount_pence[i]
        })
        .sum();
    assert_eq!(paid, RATE_PENCE * midnights);
    assert!(base_pay.ledger.account.iter().all(|a| *a != Account::DelayReimbursement as u8), "off by default");

    // The midnights agree with the delay table's council-responsible acute days: a delay
    // segment of length L holds floor(L) or ceil(L) midnights, L on average, so the two
    // differ by a sum of per-segment errors in (-1, 1) with mean zero (SD at most 1/2 per
    // segment); allow 4 SD over the delays counted, plus one for each end of the window.
    let model = &on.scenarios[0].model;
    let acute_pool = model.pool_id("acute_beds").expect("acute_beds").0;
    let d = &out.delays;
    let (mut days, mut delays) = (0.0, 0u64);
    for i in 0..d.delayed_days.len() {
        if d.held_pool[i] == acute_pool && d.responsible[i] == Responsible::Council {
            days += d.delayed_days[i];
            delays += d.delayed_transfers[i];
        }
    }
    let tolerance = 4.0 * 0.5 * (delays as f64).sqrt() + 2.0;
    assert!(
        (midnights as f64 - days).abs() <= tolerance,
        "midnights {midnights} vs delayed days {days:.1} (tolerance {tolerance:.1} over {delays} delays)"
    );
}
