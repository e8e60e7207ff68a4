//! `[payment.tariff]`: the episode tariff's prices, trimpoints, MFF, MRET and the
//! readmission rule (brief §2.1).

use super::*;

pub(super) fn tariff(p: &mut Problems, raw: &RawTariff) -> TariffParams {
    let d = TariffParams::default();
    let g = HrgGroup::reference_cost_average();
    let price = |p: &mut Problems, name: &str, v: Option<i64>, default: Pence| v.map_or(default, |v| pence(p, name, v));
    let trim = |p: &mut Problems, name: &str, v: Option<i64>, default: u32| {
        v.map_or(default, |v| whole_days(p, name, v, 0, 3_650))
    };
    let group = HrgGroup {
        name: g.name.clone(),
        elective_pence: price(p, "payment.tariff.elective_spell_pence", raw.elective_spell_pence, g.elective_pence),
        non_elective_pence: price(
            p,
            "payment.tariff.non_elective_spell_pence",
            raw.non_elective_spell_pence,
            g.non_elective_pence,
        ),
        day_case_pence: price(p, "payment.tariff.day_case_pence", raw.day_case_pence, g.day_case_pence),
        elective_trimpoint_days: trim(
            p,
            "payment.tariff.elective_trimpoint_days",
            raw.elective_trimpoint_days,
            g.elective_trimpoint_days,
        ),
        non_elective_trimpoint_days: trim(
            p,
            "payment.tariff.non_elective_trimpoint_days",
            raw.non_elective_trimpoint_days,
            g.non_elective_trimpoint_days,
        ),
        excess_bed_day_pence: price(
            p,
            "payment.tariff.excess_bed_day_pence",
            raw.excess_bed_day_pence,
            g.excess_bed_day_pence,
        ),
        short_stay_emergency_fraction: raw.short_stay_emergency_fraction.map_or(g.short_stay_emergency_fraction, |v| {
            fraction(p, "payment.tariff.short_stay_emergency_fraction", v)
        }),
    };
    let mff = match raw.mff {
        None => d.mff,
        Some(v) => {
            if !(v.is_finite() && v > 0.0) {
                p.push("payment.tariff.mff", v, "must be a finite payment index above 0 (1.0 outside London)");
            }
            v
        }
    };
    let mret_rate = match raw.mret_rate {
        None => d.mret.rate,
        Some(v) => {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                p.push(
                    "payment.tariff.mret_rate",
                    v,
                    "must be a fraction between 0 and 1: the share of emergency value above the baseline that is paid \
                     (0.3 to 2014/15, 0.5 proposed for 2015/16, 0.7 by 2016/17)",
                );
            }
            v
        }
    };
    let baseline_pence = match &raw.mret_baseline_pence {
        None => None,
        Some(v) => calibrate_or_pence(p, "payment.tariff.mret_baseline_pence", v).unwrap_or(None),
    };
    let base_year = MretBaseYear {
        years_before_model_year: raw.mret_baseline_years_before_model_year.map_or(
            d.mret.base_year.years_before_model_year,
            |v| {
                if !(0..=50).contains(&v) {
                    p.push(
                        "payment.tariff.mret_baseline_years_before_model_year",
                        v,
                        "must be a whole number of years from 0 to 50 (6: the 2008/09 baseline of the 2014/15 rule)",
                    );
                }
                v.clamp(0, 50) as u32
            },
        ),
        growth_per_year: raw.mret_baseline_growth_per_year.map_or(d.mret.base_year.growth_per_year, |v| {
            fraction(p, "payment.tariff.mret_baseline_growth_per_year", v)
        }),
    };
    let mret = MretParams { enabled: raw.mret.unwrap_or(d.mret.enabled), rate: mret_rate, baseline_pence, base_year };
    let unpaid = raw.readmission_unpaid_fraction.map(|v| fraction(p, "payment.tariff.readmission_unpaid_fraction", v));
    let paid_after_non_elective = raw
        .readmission_non_elective_paid_fraction
        .map(|v| fraction(p, "payment.tariff.readmission_non_elective_paid_fraction", v));
    let word = raw.readmission.as_deref().unwrap_or("clinical_review");
    let readmission =
        match choice(p, "payment.tariff.readmission", word, &["clinical_review", "elective_index_unpaid", "off"]) {
            Some("off") => ReadmissionRule::Off,
            Some("elective_index_unpaid") => ReadmissionRule::ElectiveIndexUnpaid {
                non_elective_paid_fraction: paid_after_non_elective.unwrap_or(DEFAULT_NON_ELECTIVE_PAID_FRACTION),
            },
            _ => ReadmissionRule::ClinicalReview { unpaid_fraction: unpaid.unwrap_or(DEFAULT_UNPAID_FRACTION) },
        };
    TariffParams {
        groups: vec![group],
        specialised_topup: raw.specialised_topup.map_or(d.specialised_topup, |v| {
            if v != 0.0 {
                p.push(
                    "payment.tariff.specialised_topup",
                    v,
                    "must be 0: the simulation records no specialised spells, so an R4 top-up would change nothing",
                );
            }
            v
        }),
        mff,
        mret,
        readmission,
        readmission_window_days: raw
            .readmission_window_days
            .map_or(d.readmission_window_days, |v| whole_days(p, "payment.tariff.readmission_window_days", v, 1, 365)),
        ae_attendance_pence: price(
            p,
            "payment.tariff.ae_attendance_pence",
            raw.ae_attendance_pence,
            d.ae_attendance_pence,
        ),
        outpatient_first_pence: outpatient(p, "payment.tariff.outpatient_first_pence", raw.outpatient_first_pence)
            .unwrap_or(d.outpatient_first_pence),
        outpatient_follow_up_pence: outpatient(
            p,
            "payment.tariff.outpatient_follow_up_pence",
            raw.outpatient_follow_up_pence,
        )
        .unwrap_or(d.outpatient_follow_up_pence),
        cquin_fraction: raw
            .cquin_fraction
            .map_or(d.cquin_fraction, |v| fraction(p, "payment.tariff.cquin_fraction", v)),
    }
}
