//! The cohort's tables: `person_year` (one row per person per simulated year),
//! `calibration` (each calibration target and the run's value) and `delays` (blocked
//! place-days by pool held, pool waited for, reason and responsible organisation, with
//! a row, zero or not, for every pair of pools the model can delay a patient between).

use super::{OutputError, ParquetSink, run_file_name};
use crate::capacity::{DelayReason, Places, Responsible, Setting, WhenFull};
use crate::config::Model;
use crate::flow::RunOutput;
use crate::output::durable::FileDigest;
use crate::pathway::Next;
use crate::record::DelayTable;
use polars::prelude::*;
use std::collections::BTreeMap;

/// A row of the dense `delays` table: pool held, pool waited for (or bound for during a
/// process delay; `None`: leaving the modelled system), reason and responsible organisation.
pub(super) type DelayRowKey = (u16, Option<u16>, DelayReason, Responsible);

/// Every row `model` can put in the `delays` table, by pool index: for a capacity delay, a
/// pathway step in one pool with a route of positive probability (by frailty or not) to a
/// step in another pool that queues when full and has a limited number of places, under
/// that pool's reason and responsible organisation; for a process delay, a step's process
/// of positive probability with each destination it applies to, under the process's reason
/// and responsible organisation (assessments the step's discharge-to-assess lever skips in
/// acute care are left out). Sorted, without repeats.
pub(super) fn delay_pairs(model: &Model) -> Vec<DelayRowKey> {
    let mut rows = Vec::new();
    for pathway in &model.pathways {
        for step in &pathway.steps {
            let in_acute = model.pools[step.pool.0 as usize].setting == Setting::Acute;
            let routes = std::iter::once(&step.route).chain(step.route_by_frailty.iter().flatten());
            for next in routes.flat_map(|r| r.destinations()) {
                let waited_for = match next {
                    Next::Step(to) => Some(pathway.step(to).pool),
                    Next::Exit => None,
                };
                for delay in &step.process_delays {
                    let skipped = delay.reason.is_assessment() && step.levers.discharge_to_assess && in_acute;
                    let applies = delay.only_to.as_ref().is_none_or(|to| to.contains(&next));
                    if delay.probability > 0.0 && applies && !skipped {
                        rows.push((step.pool.0, waited_for.map(|p| p.0), delay.reason, delay.responsible));
                    }
                }
                let Some(target) = waited_for else { continue };
                let spec = &model.pools[target.0 as usize];
                let can_block = spec.when_full == WhenFull::Queue && matches!(spec.places, Places::Limited(_));
                if target != step.pool && can_block {
                    rows.push((step.pool.0, Some(target.0), spec.delay_reason, spec.responsible));
                }
            }
        }
    }
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// `delays` with a row for every row of `rows` (zero where the run had no delay there)
/// and every row it already has, in (pool held, pool waited for, reason, responsible)
/// order: a dense table, so that a mean over runs needs no grid of zeros first.
pub(super) fn dense_delays(delays: &DelayTable, rows: &[DelayRowKey]) -> DelayTable {
    let mut dense_rows: BTreeMap<DelayRowKey, (f64, u64)> = rows.iter().map(|k| (*k, (0.0, 0))).collect();
    for i in 0..delays.held_pool.len() {
        dense_rows.insert(
            (delays.held_pool[i], delays.waiting_for_pool[i], delays.reason[i], delays.responsible[i]),
            (delays.delayed_days[i], delays.delayed_transfers[i]),
        );
    }
    let mut dense = DelayTable::default();
    for ((held, waiting_for, reason, responsible), (days, transfers)) in dense_rows {
        dense.held_pool.push(held);
        dense.waiting_for_pool.push(waiting_for);
        dense.reason.push(reason);
        dense.responsible.push(responsible);
        dense.delayed_days.push(days);
        dense.delayed_transfers.push(transfers);
    }
    dense
}

impl ParquetSink {
    /// Writes the `delays` table of a run, and its `person_year` table when the model has
    /// a cohort.
    pub(super) fn write_cohort_tables(
        &self,
        out: &RunOutput,
        files: &mut Vec<(String, FileDigest)>,
    ) -> Result<(), OutputError> {
        let k = out.key;
        let file = run_file_name(k);
        let pools = &self.pool_names[k.scenario as usize];
        let keyed = |n: usize| self.key_columns(k, n);
        let frame = |table: &'static str, cols: Vec<Column>, rest: Vec<Column>| self.keyed_frame(table, k, cols, rest);

        let d = dense_delays(&out.delays, &self.delay_pairs[k.scenario as usize]);
        let name = |i: &u16| pools[*i as usize].as_str();
        let delays = frame(
            "delays",
            keyed(d.held_pool.len()),
            vec![
                Column::new("held_pool".into(), d.held_pool.iter().map(name).collect::<Vec<_>>()),
                Column::new(
                    "waiting_for_pool".into(),
                    d.waiting_for_pool.iter().map(|w| w.as_ref().map(name)).collect::<Vec<_>>(),
                ),
                Column::new("reason".into(), d.reason.iter().map(|r| r.name()).collect::<Vec<_>>()),
                Column::new("responsible".into(), d.responsible.iter().map(|r| r.name()).collect::<Vec<_>>()),
                Column::new("delayed_days".into(), d.delayed_days.as_slice()),
                Column::new("delayed_transfers".into(), d.delayed_transfers.as_slice()),
            ],
        )?;
        files.push(("delays".into(), self.write("delays", k.scenario, &file, delays)?));

        if let Some(e) = &out.events_log {
            let events = frame(
                "events",
                keyed(e.len()),
                vec![
                    Column::new(
                        "day".into(),
                        e.minute.iter().map(|m| *m as f64 / crate::time::MINUTES_PER_DAY as f64).collect::<Vec<_>>(),
                    ),
                    Column::new("event".into(), e.event.as_slice()),
                    Column::new("entity".into(), e.entity.as_slice()),
                ],
            )?;
            files.push(("events".into(), self.write("events", k.scenario, &file, events)?));
        }
        if out.population == 0 {
            return Ok(());
        }
        let p = &out.person_year;
        let mut columns = vec![
            Column::new("person".into(), p.person.as_slice()),
            Column::new("year".into(), p.year.as_slice()),
            Column::new("age_years".into(), p.age_years.as_slice()),
            Column::new("age_band".into(), p.age_band.iter().map(|b| AGE_BAND_NAMES[*b as usize]).collect::<Vec<_>>()),
            Column::new("sex".into(), p.male.iter().map(|m| if *m { "male" } else { "female" }).collect::<Vec<_>>()),
            Column::new("imd_quintile".into(), p.imd.as_slice()),
            Column::new("conditions".into(), p.conditions.as_slice()),
            Column::new(
                "frailty".into(),
                p.frailty.iter().map(|f| crate::cohort::FRAILTY_NAMES[*f as usize]).collect::<Vec<_>>(),
            ),
            Column::new("care_home".into(), p.care_home.as_slice()),
            Column::new("risk".into(), p.risk.as_slice()),
            Column::new("exposure_days".into(), p.exposure_days.as_slice()),
            Column::new("emergency_admissions".into(), p.emergency_admissions.as_slice()),
            Column::new("elective_admissions".into(), p.elective_admissions.as_slice()),
            Column::new("bed_days".into(), p.bed_days.as_slice()),
            Column::new("dtoc_days".into(), p.dtoc_days.as_slice()),
            Column::new("ae_attendances".into(), p.ae_attendances.as_slice()),
            Column::new("gp_contacts".into(), p.gp_contacts.as_slice()),
            Column::new("intermediate_care_days".into(), p.intermediate_care_days.as_slice()),
            Column::new("reablement_days".into(), p.reablement_days.as_slice()),
            Column::new("home_care_hours".into(), p.home_care_hours.as_slice()),
            Column::new("care_home_weeks".into(), p.care_home_weeks.as_slice()),
            Column::new("nursing_visits".into(), p.nursing_visits.as_slice()),
            Column::new("acute_cost_pence".into(), p.acute_cost_pence.as_slice()),
            Column::new("community_cost_pence".into(), p.community_cost_pence.as_slice()),
            Column::new("social_care_cost_pence".into(), p.social_care_cost_pence.as_slice()),
            Column::new("primary_care_cost_pence".into(), p.primary_care_cost_pence.as_slice()),
            Column::new("died".into(), p.died.as_slice()),
        ];
        if let Some(pay) = &p.payments {
            columns.extend([
                Column::new("ccg_paid_pence".into(), pay.ccg_paid_pence.as_slice()),
                Column::new("council_paid_pence".into(), pay.council_paid_pence.as_slice()),
                Column::new("pool_paid_pence".into(), pay.pool_paid_pence.as_slice()),
                Column::new("client_paid_pence".into(), pay.client_paid_pence.as_slice()),
            ]);
        }
        let person_year = frame("person_year", keyed(p.len()), columns)?;
        files.push(("person_year".into(), self.write("person_year", k.scenario, &file, person_year)?));

        let measures = crate::summary::calibration::all_measures(out, &self.pools[k.scenario as usize]);
        let calibration = frame(
            "calibration",
            keyed(measures.len()),
            vec![
                Column::new("target".into(), measures.iter().map(|m| m.target).collect::<Vec<_>>()),
                Column::new("expected".into(), measures.iter().map(|m| m.expected).collect::<Vec<_>>()),
                Column::new("tolerance_low".into(), measures.iter().map(|m| m.tolerance.0).collect::<Vec<_>>()),
                Column::new("tolerance_high".into(), measures.iter().map(|m| m.tolerance.1).collect::<Vec<_>>()),
                Column::new("source".into(), measures.iter().map(|m| m.source).collect::<Vec<_>>()),
                Column::new("value".into(), measures.iter().map(|m| m.value).collect::<Vec<_>>()),
            ],
        )?;
        files.push(("calibration".into(), self.write("calibration", k.scenario, &file, calibration)?));
        Ok(())
    }
}

/// Names of the five-year age bands.
pub const AGE_BAND_NAMES: [&str; crate::cohort::AGE_BANDS] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64",
    "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];
