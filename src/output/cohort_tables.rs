//! The cohort's tables: `person_year` (one row per person per simulated year),
//! `calibration` (each calibration target and the run's value) and `delays` (blocked
//! place-days by pool held, pool waited for, reason and responsible organisation).

use super::{OutputError, ParquetSink, run_file_name};
use crate::flow::RunOutput;
use polars::prelude::*;

impl ParquetSink {
    /// Writes the `delays` table of a run, and its `person_year` table when the model has
    /// a cohort.
    pub(super) fn write_cohort_tables(&self, out: &RunOutput) -> Result<(), OutputError> {
        let k = out.key;
        let file = run_file_name(k);
        let pools = &self.pool_names[k.scenario as usize];
        let meta = &self.pool_meta[k.scenario as usize];
        let keyed = |n: usize| self.key_columns(k, n);
        let frame = |table: &'static str, cols: Vec<Column>, rest: Vec<Column>| self.keyed_frame(table, k, cols, rest);

        let d = &out.delays;
        let name = |i: &u16| pools[*i as usize].as_str();
        let delays = frame(
            "delays",
            keyed(d.held_pool.len()),
            vec![
                Column::new("held_pool".into(), d.held_pool.iter().map(name).collect::<Vec<_>>()),
                Column::new("waiting_for_pool".into(), d.waiting_for_pool.iter().map(name).collect::<Vec<_>>()),
                Column::new(
                    "reason".into(),
                    d.waiting_for_pool.iter().map(|i| meta[*i as usize].0).collect::<Vec<_>>(),
                ),
                Column::new(
                    "responsible".into(),
                    d.waiting_for_pool.iter().map(|i| meta[*i as usize].1).collect::<Vec<_>>(),
                ),
                Column::new("delayed_days".into(), d.delayed_days.as_slice()),
                Column::new("delayed_transfers".into(), d.delayed_transfers.as_slice()),
            ],
        )?;
        self.write("delays", k.scenario, &file, delays)?;

        if let Some(e) = &out.events_log {
            let events = frame(
                "events",
                keyed(e.len()),
                vec![
                    Column::new("day".into(), e.minute.iter().map(|m| *m as f64 / 1440.0).collect::<Vec<_>>()),
                    Column::new("event".into(), e.event.as_slice()),
                    Column::new("entity".into(), e.entity.as_slice()),
                ],
            )?;
            self.write("events", k.scenario, &file, events)?;
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
        self.write("person_year", k.scenario, &file, person_year)?;

        let responsible: Vec<(u16, &'static str)> = meta.iter().enumerate().map(|(i, m)| (i as u16, m.1)).collect();
        let measures = crate::summary::calibration::measures(out, &self.acute_pools[k.scenario as usize], &responsible);
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
        self.write("calibration", k.scenario, &file, calibration)
    }
}

/// Names of the five-year age bands.
pub const AGE_BAND_NAMES: [&str; crate::cohort::AGE_BANDS] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64",
    "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];
