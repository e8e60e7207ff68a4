//! Settling a finished run: the payment pass over its recorded activity, when its model
//! has `[payment]`.

use crate::config::{Model, RunSettings};
use crate::flow::RunOutput;
use crate::money::Pence;
use crate::payment::PaymentError;
use crate::payment::organisation::{OrgId, OrgKind, Registry};
use crate::payment::spec::PaymentCalibration;
use crate::record::{PersonYearPayments, PersonYearTable};

/// The window of a run as whole run days `[warm-up end, horizon)`.
pub(super) fn window_days(settings: RunSettings) -> (u32, u32) {
    (settings.warmup_days.ceil() as u32, settings.horizon_days.floor() as u32)
}

/// Settles a finished run's activity, when its model has `[payment]`: the payments go
/// into `out.payments` and the person-year table, and the activity log is dropped.
pub fn settle_output(
    model: &Model,
    calibration: &PaymentCalibration,
    settings: RunSettings,
    out: &mut RunOutput,
) -> Result<(), PaymentError> {
    let (Some(spec), Some(cohort), Some(log)) = (&model.payment, &model.cohort, out.activity.take()) else {
        return Ok(());
    };
    let p = crate::payment::run::settle_run(&crate::payment::run::RunToSettle {
        spec,
        calibration,
        log: &log,
        costs: &cohort.costs,
        master_seed: settings.master_seed,
        key: out.key,
        window_days: window_days(settings),
        person_years: &out.person_year,
    })?;
    attach_payments(&mut out.person_year, &p.by_person_year, &spec.area.registry);
    let pools: Vec<crate::payment::run::PoolUse<'_>> = out
        .pools
        .iter()
        .map(|s| {
            let pool = &model.pools[s.pool as usize];
            crate::payment::run::PoolUse {
                name: &pool.name,
                setting: pool.setting,
                capacity: s.capacity,
                mean_occupied: s.mean_occupied(),
            }
        })
        .collect();
    let (from, to) = window_days(settings);
    let other = crate::payment::run::other_costs(
        spec,
        &pools,
        to.saturating_sub(from) as f64,
        p.enrolled_person_years,
        out.calibration.avoidance_referrals,
    )?;
    let mut p = p;
    p.other_costs = other;
    out.payments = Some(p);
    Ok(())
}

/// Adds the payments of a settled run to its person-year table as columns (rows with
/// none get zeros).
pub fn attach_payments(table: &mut PersonYearTable, by_person_year: &[(u32, u16, OrgId, Pence)], registry: &Registry) {
    let n = table.len();
    let mut out = PersonYearPayments {
        ccg_paid_pence: vec![0; n],
        council_paid_pence: vec![0; n],
        pool_paid_pence: vec![0; n],
        client_paid_pence: vec![0; n],
    };
    // Rows are recorded year by year in person order, so a row is found by binary
    // search on (year, person); a table in any other order is indexed by a map.
    let sorted = (1..n).all(|r| (table.year[r - 1], table.person[r - 1]) < (table.year[r], table.person[r]));
    let rows: std::collections::HashMap<(u32, u16), usize> =
        if sorted { Default::default() } else { (0..n).map(|r| ((table.person[r], table.year[r]), r)).collect() };
    let find = |person: u32, year: u16| {
        if sorted {
            let (lo, hi) = (table.year.partition_point(|&y| y < year), table.year.partition_point(|&y| y <= year));
            table.person[lo..hi].binary_search(&person).ok().map(|r| lo + r)
        } else {
            rows.get(&(person, year)).copied()
        }
    };
    for &(person, year, payer, amount) in by_person_year {
        let Some(r) = find(person, year) else { continue };
        let column = match registry.kind(payer) {
            Ok(OrgKind::Commissioner) => &mut out.ccg_paid_pence,
            Ok(OrgKind::Council) => &mut out.council_paid_pence,
            Ok(OrgKind::PooledFund) => &mut out.pool_paid_pence,
            Ok(OrgKind::Person) => &mut out.client_paid_pence,
            _ => continue,
        };
        column[r] += amount.0;
    }
    table.payments = Some(out);
}
