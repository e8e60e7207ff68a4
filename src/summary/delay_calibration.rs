//! Calibration rows for delayed transfers of care and bed pressure: delayed days a year,
//! the shares of the responsible organisations, the top reasons, acute and care home
//! occupancy, each beside its target (domain brief 4.6, 10.1, 10.2, 10.4).
//!
//! **What the model measures.** A delayed day counts where the patient is in a bed: an
//! acute bed or a bed-based intermediate care place (pool settings `acute` and
//! `intermediate_care`). The national count covers acute and non-acute (community and
//! mental health) beds: about 11,500 delayed days a year for 275,000 people in 2016/17,
//! 66.9% of them (about 7,700) in acute beds [DTOC-MONTHLY-DERIVED]. The model has no
//! mental health beds and its only non-acute beds are intermediate care, so the headline
//! row is the national all-beds figure compared with the model's acute and intermediate
//! care beds, in the band 8,000-16,000 [CL-DTOC-2017], and a second row compares
//! acute beds alone with the acute figure. A patient delayed in reablement (care at
//! home) is not in a bed and is not counted, as in the national return. The shares and
//! reasons are over the bed delays counted by the headline row.

use crate::capacity::{DelayReason, PoolSpec, Responsible, Setting};
use crate::flow::RunOutput;
use crate::summary::calibration::Measure;

/// National delayed days a year per 275,000 people, all beds, 2016/17: DERIVED
/// 2,254,821 x 275,000 / ~53.9m [DTOC-MONTHLY-DERIVED, brief 10.2].
pub const DELAYED_DAYS_ALL_BEDS: f64 = 11_500.0;
/// The same in acute beds: 66.9% of all [DTOC-MONTHLY-DERIVED, brief 10.2].
pub const DELAYED_DAYS_ACUTE: f64 = 7_700.0;

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Is the pool a bed whose delays the national return counts?
fn is_bed(pool: &PoolSpec) -> bool {
    matches!(pool.setting, Setting::Acute | Setting::IntermediateCare)
}

/// The delay and pressure measures of one run; `pools` are the model's pools (indexed
/// as in the run's tables).
pub fn measures(out: &RunOutput, pools: &[PoolSpec]) -> Vec<Measure> {
    let mut m = Vec::new();
    let mut push = |target, expected, tolerance, source, value| {
        m.push(Measure { target, expected, tolerance, source, value });
    };
    let d = &out.delays;
    let window_years = (out.horizon_days - out.warmup_days) / 365.0;
    let scale = 275_000.0 / (out.population as f64).max(1.0);
    let held = |i: usize| pools.get(d.held_pool[i] as usize);
    let in_beds: Vec<usize> = (0..d.held_pool.len()).filter(|i| held(*i).is_some_and(is_bed)).collect();
    let sum = |rows: &mut dyn Iterator<Item = &usize>| rows.map(|i| d.delayed_days[*i]).sum::<f64>();
    // Each row's responsible organisation and the reason in force.
    let responsible = |i: usize| d.responsible[i];
    let reason = |i: usize| d.reason[i];
    let bed_days = sum(&mut in_beds.iter());
    let acute_days = sum(&mut in_beds.iter().filter(|i| held(**i).is_some_and(|p| p.setting == Setting::Acute)));
    push(
        "delayed days per year, acute and intermediate care beds (per 275,000)",
        DELAYED_DAYS_ALL_BEDS,
        (8_000.0, 16_000.0),
        "DTOC-MONTHLY-DERIVED, CL-DTOC-2017",
        ratio(bed_days * scale, window_years),
    );
    push(
        "delayed days per year, acute beds (per 275,000)",
        DELAYED_DAYS_ACUTE,
        (DELAYED_DAYS_ACUTE * 0.7, DELAYED_DAYS_ACUTE * 1.3),
        "DTOC-MONTHLY-DERIVED (66.9% of all)",
        ratio(acute_days * scale, window_years),
    );
    let by = |who: Responsible| sum(&mut in_beds.iter().filter(|i| responsible(**i) == who));
    for (who, name, expected) in [
        (Responsible::Nhs, "share of delayed days the NHS is responsible for", 0.578),
        (Responsible::Council, "share of delayed days social care is responsible for", 0.344),
        (Responsible::Both, "share of delayed days both are responsible for", 0.078),
    ] {
        let lo = (expected - 0.08f64).max(0.0);
        push(name, expected, (lo, expected + 0.08), "CMM-2016", ratio(by(who), bed_days));
    }
    // The reason mix within each responsible organisation's delayed days.
    let reason_days = |who: Responsible| -> Vec<(DelayReason, f64)> {
        DelayReason::ALL
            .iter()
            .map(|r| (*r, sum(&mut in_beds.iter().filter(|i| responsible(**i) == who && reason(**i) == *r))))
            .collect()
    };
    let top = |days: &[(DelayReason, f64)], reason: DelayReason| -> Option<f64> {
        let best = days.iter().map(|(_, x)| *x).fold(0.0, f64::max);
        (best > 0.0).then(|| {
            let mine = days.iter().find(|(r, _)| *r == reason).map_or(0.0, |(_, x)| *x);
            if mine >= best { 1.0 } else { 0.0 }
        })
    };
    let council = reason_days(Responsible::Council);
    let council_total: f64 = council.iter().map(|(_, x)| x).sum();
    let package = council.iter().find(|(r, _)| *r == DelayReason::AwaitingCarePackage).map_or(0.0, |(_, x)| *x);
    push(
        "home care packages: share of social care delayed days",
        0.367,
        (0.25, 0.50),
        "CMM-2016",
        ratio(package, council_total),
    );
    push(
        "home care packages the top social care reason (1 = yes)",
        1.0,
        (1.0, 1.0),
        "CMM-2016",
        top(&council, DelayReason::AwaitingCarePackage),
    );
    let nhs = reason_days(Responsible::Nhs);
    let nhs_total: f64 = nhs.iter().map(|(_, x)| x).sum();
    let further = nhs.iter().find(|(r, _)| *r == DelayReason::AwaitingNhsCare).map_or(0.0, |(_, x)| *x);
    push(
        "further non-acute NHS care: share of NHS delayed days",
        0.288,
        (0.18, 0.40),
        "CMM-2016",
        ratio(further, nhs_total),
    );
    push(
        "further non-acute NHS care the top NHS reason (1 = yes)",
        1.0,
        (1.0, 1.0),
        "CMM-2016",
        top(&nhs, DelayReason::AwaitingNhsCare),
    );
    let occupancy = |setting: Setting| -> Option<f64> {
        let (mut occupied, mut places) = (0.0, 0.0);
        for s in &out.pools {
            let Some(spec) = pools.get(s.pool as usize) else { continue };
            if spec.setting == setting
                && let Some(cap) = s.capacity
            {
                occupied += s.mean_occupied();
                places += cap as f64;
            }
        }
        ratio(occupied, places)
    };
    push(
        "acute bed occupancy",
        0.90,
        (0.85, 0.92),
        "HL-WA-2021 (88.9-90.3%, 2014/15-2016/17)",
        occupancy(Setting::Acute),
    );
    push(
        "care home occupancy",
        0.85,
        (0.80, 0.92),
        "LB-2018 (85%), ONS-SELFFUND-2020 (84.7%)",
        occupancy(Setting::CareHome),
    );
    m
}
