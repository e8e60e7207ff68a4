//! Every accepted `[payment]` key does something: changing it from its default changes
//! some output of the payment pass (the calibration taken from a pilot, the settled
//! ledger and organisations' positions, or the costs outside the activity records).
//!
//! Keys not exercised here act before the payment pass and are tested where they act:
//! the year-of-care selection rule (`top_risk_fraction`, `min_band`, `min_frailty`,
//! `require_rising_risk`) chooses whom the commissioner enrols (here set once, in the
//! base, so that the planned cohort is large enough for the corridor and outlier keys
//! to bite), and `pilot_replications`
//! sets how many pilot runs the runner makes (`experiment::pilots`). The outpatient
//! prices and a non-zero specialised top-up are rejected by validation: the simulation
//! records no outpatient attendance and no specialised spell.
//!
//! Not exercised on its own: `year_of_care.holder_kind`'s single-holder kinds
//! (`prime_provider`, `prime_contractor`) are decided by the holder (a prime provider
//! delivers some services in scope itself, a prime contractor none), and validation
//! refuses a kind the holder does not fit, so for a given holder only one is valid;
//! what changes the settlement is `holder` (tested), and `alliance` (tested).

use crate::config::validate::Problems;
use crate::payment::activity::{Activity, ActivityKind, ActivityLog};
use crate::payment::raw::RawPayment;
use crate::payment::run::{OtherCosts, PoolUse, RunToSettle, calibrate, other_costs, settle_run};
use crate::payment::spec::PaymentSpec;
use crate::payment::tariff::{AdmissionClass, HrgGroupId, IndexSpell, Spell};
use crate::payment::year_of_care::{Band, Enrolment};
use crate::payment::{DAYS_PER_YEAR, Service};
use crate::record::{PersonYearTable, RunKey};
use crate::rng::{Purpose, StreamKey};
use rand::RngExt;

/// The pools of the model the keys are validated against.
const POOLS: [&str; 6] =
    ["acute_beds", "intermediate_care_beds", "reablement", "home_care_packages", "care_home_beds", "community_nursing"];

/// The window: the second financial year of the run (the first is the history the
/// commissioner's risk score reads).
const WINDOW: (u32, u32) = (DAYS_PER_YEAR, 2 * DAYS_PER_YEAR);

/// A year of varied activity for 300 people in [`WINDOW`]: spells of every class and
/// length (short stays, stays past both trim points, readmissions within 30 days), A&E,
/// every unit service, deaths, and year-of-care enrolments (as a lever would make them);
/// with the person-year records of the year before ([`ActivityLog::prior_year`]).
fn activity() -> ActivityLog {
    let mut rng =
        StreamKey { master_seed: 15, sample: 0, replication: 0, purpose: Purpose::Parameters, entity: 1 }.rng();
    let mut log = ActivityLog::default();
    let people = 300u32;
    log.age0_days = (0..people).map(|_| rng.random_range(60..95u32) * 365).collect();
    let mut last: Vec<Option<IndexSpell>> = vec![None; people as usize];
    let mut day_of_person = vec![0u32; people as usize];
    for k in 0..4_000u32 {
        let person = rng.random_range(0..people);
        let p = person as usize;
        let day = (day_of_person[p].max(WINDOW.0) + rng.random_range(1..40u32)).min(WINDOW.1 - 1);
        day_of_person[p] = day;
        let kind = match k % 10 {
            0..=2 => {
                let class =
                    [AdmissionClass::Emergency, AdmissionClass::Elective, AdmissionClass::DayCase][k as usize % 3];
                let los = if class == AdmissionClass::DayCase { 0 } else { rng.random_range(0..35u32) };
                let spell = Spell {
                    hrg_group: HrgGroupId(0),
                    class,
                    admission_day: day.saturating_sub(los),
                    discharge_day: day,
                    age_years: 80,
                    previous_discharge: last[p],
                    exclusion: None,
                    specialised: false,
                };
                last[p] = Some(IndexSpell { discharge_day: day, elective: class.is_elective() });
                ActivityKind::Spell { spell, stay_days: los as f64 + 0.4, delayed_days: (los / 4) as f64 }
            }
            3 => ActivityKind::AeAttendance,
            k => {
                let service = [
                    Service::IntermediateCare,
                    Service::Reablement,
                    Service::CommunityNursing,
                    Service::HomeCare,
                    Service::CareHome,
                    Service::PrimaryCare,
                ][k as usize - 4];
                let units = match service {
                    Service::CareHome => 1.0,
                    Service::HomeCare => rng.random_range(5..20u32) as f64,
                    _ => rng.random_range(1..10u32) as f64,
                };
                ActivityKind::Units { service, units }
            }
        };
        log.push(Activity { person, day, kind });
    }
    log.deaths = (0..30).map(|i| (i * 10, WINDOW.0 + 300)).collect();
    log.enrolments = (0..60)
        .map(|i| Enrolment {
            person: i * 5,
            band: [Band::B, Band::C, Band::D][i as usize % 3],
            start_day: WINDOW.0,
            end_day: (i % 10 == 0).then_some(WINDOW.0 + 200),
        })
        .collect();
    log
}

/// The person-year records of year `year` of `people` people, with emergency admissions
/// `emergency(p)` and attributes from `rng`.
fn person_years(
    year: u16,
    people: u32,
    emergency: impl Fn(u32) -> u16,
    rng: &mut crate::rng::SimRng,
) -> PersonYearTable {
    let mut t = PersonYearTable::default();
    for p in 0..people {
        t.person.push(p);
        t.year.push(year);
        t.age_years.push(rng.random_range(65..95u8));
        t.age_band.push(0);
        t.male.push(p % 2 == 0);
        t.imd.push(3);
        t.conditions.push(rng.random_range(0..6u8));
        t.frailty.push(rng.random_range(0..4u8));
        t.care_home.push(false);
        t.risk.push(0.0);
        t.exposure_days.push(365.0);
        t.emergency_admissions.push(emergency(p));
        t.elective_admissions.push(rng.random_range(0..2u16));
        t.bed_days.push(0.0);
        t.dtoc_days.push(0.0);
        t.ae_attendances.push(rng.random_range(0..3u16));
        t.gp_contacts.push(0);
        t.intermediate_care_days.push(0.0);
        t.reablement_days.push(0.0);
        t.home_care_hours.push(rng.random_range(0..50u32) as f32);
        t.care_home_weeks.push(0.0);
        t.nursing_visits.push(0.0);
        t.acute_cost_pence.push(0);
        t.community_cost_pence.push(0);
        t.social_care_cost_pence.push(0);
        t.primary_care_cost_pence.push(0);
        t.died.push(false);
    }
    t
}

/// The records of the window's year for [`activity`]: each person's emergency
/// admissions as the log has them, and in the year before (`prior_year`) about as many
/// give or take one, so the risk score has something to find.
fn records(log: &mut ActivityLog) -> PersonYearTable {
    let people = log.age0_days.len() as u32;
    let mut emergency = vec![0u16; people as usize];
    for a in log.iter() {
        if let ActivityKind::Spell { spell, .. } = a.kind
            && spell.class == AdmissionClass::Emergency
        {
            emergency[a.person as usize] += 1;
        }
    }
    let mut rng =
        StreamKey { master_seed: 15, sample: 0, replication: 0, purpose: Purpose::Parameters, entity: 2 }.rng();
    let noise: Vec<i32> = (0..people).map(|_| rng.random_range(-1..=1i32)).collect();
    log.prior_year =
        person_years(0, people, |p| (i32::from(emergency[p as usize]) + noise[p as usize]).max(0) as u16, &mut rng);
    person_years(1, people, |p| emergency[p as usize], &mut rng)
}

/// Validates a `[payment]` table written as TOML.
fn spec(text: &str) -> PaymentSpec {
    let raw: RawPayment = toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let mut p = Problems::default();
    let spec = crate::config::payment::validate(&mut p, &raw, &POOLS);
    assert!(p.0.is_empty(), "{text}: {:?}", p.0);
    spec.unwrap_or_else(|| panic!("{text}: invalid"))
}

/// Everything the payment pass gives for `spec` on [`activity`].
fn outputs(spec: &PaymentSpec, log: &ActivityLog) -> String {
    let costs = crate::payment::test_unit_costs();
    let key = RunKey { scenario: 0, sample: 0, replication: 0 };
    let window = WINDOW;
    let mut log = log.clone();
    let person_years = records(&mut log);
    let log = &log;
    let pilots = vec![(log.clone(), window, key, person_years.clone())];
    let calibration = calibrate(&spec.without_levers(), &pilots, &costs, 7).expect("calibrates");
    let run = RunToSettle {
        spec,
        calibration: &calibration,
        log,
        costs: &costs,
        master_seed: 7,
        key,
        window_days: window,
        person_years: &person_years,
    };
    let settled = settle_run(&run).expect("settles");
    let pools = [
        PoolUse {
            name: "intermediate_care_beds",
            setting: crate::capacity::Setting::IntermediateCare,
            capacity: Some(40),
            mean_occupied: 21.0,
        },
        PoolUse {
            name: "reablement",
            setting: crate::capacity::Setting::Reablement,
            capacity: Some(80),
            mean_occupied: 45.0,
        },
    ];
    let other: OtherCosts = other_costs(spec, &pools, 365.0, settled.enrolled_person_years, 25).expect("costs");
    format!("{calibration:?}\n{:?}\n{:?}\n{other:?}", settled.ledger, settled.org_years)
}

#[test]
fn every_payment_key_changes_some_output() {
    let log = activity();
    // The default config's payment section, less the scenario levers.
    // Capitation is fixed rather than calibrated on the same activity, so the corridor
    // has a variance to share, and the outlier threshold (£20,000) is one some of the
    // cohort (the top 20% by the commissioner's score) pass and others do not.
    let base_text = "pool = \"separate\"\n[year_of_care]\nenabled = true\ntop_risk_fraction = 0.2\n\
                     capitation = { A = 50000, B = 100000, C = 150000, D = 200000, E = 250000 }\n\
                     outlier_threshold_pence = 2000000\n\
                     [money]\nempty_place_day_pence = { intermediate_care_beds = 20000, reablement = 5357 }\n";
    let base = outputs(&spec(base_text), &log);
    // Each change, as TOML merged into the base (a key and a value other than its default).
    // A key that acts only with another key set (e.g. a markup under cost-plus) is
    // compared with the base plus that other key (`references` below).
    let changes: &[(&str, &str)] = &[
        ("pool", "pool = \"better_care_fund\""),
        ("pool", "pool = \"single_budget\""),
        ("single_budget_services", "pool = \"single_budget\"\nsingle_budget_services = [\"home_care\"]"),
        ("providers", "[providers]\ncommunity_nursing = \"ico\""),
        ("tariff.non_elective_spell_pence", "[tariff]\nnon_elective_spell_pence = 200000"),
        ("tariff.elective_spell_pence", "[tariff]\nelective_spell_pence = 300000"),
        ("tariff.day_case_pence", "[tariff]\nday_case_pence = 60000"),
        ("tariff.non_elective_trimpoint_days", "[tariff]\nnon_elective_trimpoint_days = 10"),
        ("tariff.elective_trimpoint_days", "[tariff]\nelective_trimpoint_days = 5"),
        ("tariff.excess_bed_day_pence", "[tariff]\nexcess_bed_day_pence = 25000"),
        ("tariff.short_stay_emergency_fraction", "[tariff]\nshort_stay_emergency_fraction = 0.6"),
        ("tariff.mff", "[tariff]\nmff = 1.1"),
        ("tariff.mret", "[tariff]\nmret = false"),
        ("tariff.mret_rate", "[tariff]\nmret_rate = 0.5"),
        ("tariff.mret_baseline_pence", "[tariff]\nmret_baseline_pence = 10000000"),
        ("tariff.mret_baseline_years_before_model_year", "[tariff]\nmret_baseline_years_before_model_year = 2"),
        ("tariff.mret_baseline_growth_per_year", "[tariff]\nmret_baseline_growth_per_year = 0.05"),
        ("tariff.readmission", "[tariff]\nreadmission = \"off\""),
        ("tariff.readmission_unpaid_fraction", "[tariff]\nreadmission_unpaid_fraction = 0.5"),
        (
            "tariff.readmission_non_elective_paid_fraction",
            "[tariff]\nreadmission = \"elective_index_unpaid\"\nreadmission_non_elective_paid_fraction = 0.5",
        ),
        ("tariff.readmission_window_days", "[tariff]\nreadmission_window_days = 14"),
        ("tariff.ae_attendance_pence", "[tariff]\nae_attendance_pence = 10000"),
        ("tariff.cquin_fraction", "[tariff]\ncquin_fraction = 0.0"),
        ("blocks.services", "[[blocks]]\nservices = [\"community_nursing\"]"),
        (
            "blocks.annual_value_pence",
            "[[blocks]]\nservices = [\"intermediate_care\", \"reablement\", \"community_nursing\"]\nannual_value_pence = 1000000",
        ),
        (
            "blocks.cap_collar",
            "[[blocks]]\nservices = [\"community_nursing\"]\n\
             cap_collar = { planned_units_per_year = 100.0, cap = 1.1, collar = 0.9, marginal_price_pence = 3200 }",
        ),
        ("social_care.charging", "[social_care]\ncharging = \"free\""),
        ("social_care.lower_capital_limit_pence", "[social_care]\nlower_capital_limit_pence = 500000"),
        ("social_care.upper_capital_limit_pence", "[social_care]\nupper_capital_limit_pence = 5000000"),
        ("social_care.tariff_income_step_pence", "[social_care]\ntariff_income_step_pence = 10000"),
        (
            "social_care.tariff_income_per_step_per_week_pence",
            "[social_care]\ntariff_income_per_step_per_week_pence = 300",
        ),
        (
            "social_care.personal_expenses_allowance_per_week_pence",
            "[social_care]\ncharge_income = true\npersonal_expenses_allowance_per_week_pence = 5000",
        ),
        ("social_care.charge_tariff_income", "[social_care]\ncharge_tariff_income = false"),
        ("social_care.charge_income", "[social_care]\ncharge_income = false"),
        ("social_care.estate_recovery_fraction", "[social_care]\ncharging = \"free\"\nestate_recovery_fraction = 0.5"),
        ("finances.home_owner_share_65_plus", "[finances]\nhome_owner_share_65_plus = 0.75"),
        ("finances.home_value_mean_pence", "[finances]\nhome_value_mean_pence = 100"),
        ("finances.savings_above_upper_share", "[finances]\nsavings_above_upper_share = 0.6"),
        ("finances.savings_between_share", "[finances]\nsavings_between_share = 0.5"),
        ("finances.home_disregarded_share", "[finances]\nhome_disregarded_share = 0.9"),
        (
            "finances.weekly_income_pence",
            "[social_care]\ncharge_income = true\n[finances]\nweekly_income_pence = 40000",
        ),
        ("year_of_care.holder", "[year_of_care]\nholder = \"acute_trust\""),
        (
            "year_of_care.alliance",
            "[year_of_care]\nholder_kind = \"alliance\"\nalliance = { acute_trust = 0.6, community_provider = 0.2, home_care_provider = 0.2 }",
        ),
        ("year_of_care.scope", "[year_of_care]\nscope = \"include_if_possible\""),
        (
            "year_of_care.capitation",
            "[year_of_care]\ncapitation = { A = 50000, B = 100000, C = 200000, D = 300000, E = 400000 }",
        ),
        ("year_of_care.growth", "[year_of_care]\ncapitation = \"calibrate\"\ngrowth = 0.05"),
        ("year_of_care.efficiency", "[year_of_care]\ncapitation = \"calibrate\"\nefficiency = 0.05"),
        ("year_of_care.corridor_bounds", "[year_of_care]\ncorridor_bounds = [0.01, 0.02]"),
        ("year_of_care.corridor_provider_shares", "[year_of_care]\ncorridor_provider_shares = [1.0, 0.2, 0.0]"),
        ("year_of_care.outlier", "[year_of_care]\noutlier = false"),
        ("year_of_care.outlier_threshold_pence", "[year_of_care]\noutlier_threshold_pence = 300000"),
        ("year_of_care.outlier_commissioner_pays_fraction", "[year_of_care]\noutlier_commissioner_pays_fraction = 0.5"),
        ("year_of_care.sub_contract", "[year_of_care]\nsub_contract = \"cost_plus\""),
        ("year_of_care.cost_plus_markup", "[year_of_care]\nsub_contract = \"cost_plus\"\ncost_plus_markup = 0.2"),
        ("year_of_care.admission_hazard_ratio", "[year_of_care]\nadmission_hazard_ratio = 0.85"),
        ("money.withheld_money_to", "[money]\nwithheld_money_to = \"retained\""),
        (
            "money.integrated_team_cost_per_person_year_pence",
            "[year_of_care]\nadmission_hazard_ratio = 0.85\n[money]\nintegrated_team_cost_per_person_year_pence = 50000",
        ),
        (
            "money.admission_avoidance_cost_per_referral_pence",
            "[money]\nadmission_avoidance_cost_per_referral_pence = 1",
        ),
        ("money.empty_place_day_pence", "[money]\nempty_place_day_pence = { reablement = 1 }"),
    ];
    let references: &[(&str, &str)] = &[
        ("single_budget_services", "pool = \"single_budget\""),
        ("tariff.readmission_non_elective_paid_fraction", "[tariff]\nreadmission = \"elective_index_unpaid\""),
        ("blocks.cap_collar", "[[blocks]]\nservices = [\"community_nursing\"]"),
        ("social_care.personal_expenses_allowance_per_week_pence", "[social_care]\ncharge_income = true"),
        ("social_care.estate_recovery_fraction", "[social_care]\ncharging = \"free\""),
        ("finances.weekly_income_pence", "[social_care]\ncharge_income = true"),
        ("year_of_care.cost_plus_markup", "[year_of_care]\nsub_contract = \"cost_plus\""),
        ("year_of_care.growth", "[year_of_care]\ncapitation = \"calibrate\""),
        ("year_of_care.efficiency", "[year_of_care]\ncapitation = \"calibrate\""),
        ("money.integrated_team_cost_per_person_year_pence", "[year_of_care]\nadmission_hazard_ratio = 0.85"),
    ];
    let mut silent = Vec::new();
    for (key, change) in changes {
        let out = outputs(&spec(&merge(base_text, change)), &log);
        let reference = match references.iter().find(|(k, _)| k == key) {
            Some((_, r)) => outputs(&spec(&merge(base_text, r)), &log),
            None => base.clone(),
        };
        if out == reference {
            silent.push(*key);
        }
    }
    assert!(silent.is_empty(), "these payment keys change no output: {silent:?}");
}

/// `base` with the tables of `change` merged in (top-level keys of `change` first).
fn merge(base: &str, change: &str) -> String {
    let mut base: toml::Table = base.parse().expect("base");
    let change: toml::Table = change.parse().expect("change");
    for (k, v) in change {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(c)) => {
                for (kk, vv) in c {
                    b.insert(kk, vv);
                }
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
    toml::to_string(&base).expect("serialises")
}
