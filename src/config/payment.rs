//! `[payment]` raw tables to a validated [`PaymentSpec`]: every problem is reported with
//! its dotted key (`payment.tariff.mret_rate`), the value found and the reason, and
//! validation goes on after a problem so that all of them are reported together.
//!
//! Every key is optional. The defaults, with their sources in the domain brief (or
//! ASSUMPTION), are:
//!
//! | key | default | basis |
//! |---|---|---|
//! | `pilot_replications` | 2 | [`DEFAULT_PILOT_REPLICATIONS`] |
//! | `pool` | `"better_care_fund"` | brief §7.6 baseline "BCF pool at £70/head" |
//! | `single_budget_services` | [`barker_scope`] | brief §2.6 |
//! | `providers` | none: [`TypicalArea::new`] | brief §7.5, §7.7 |
//! | `tariff.*` | [`TariffParams::default`], [`HrgGroup::reference_cost_average`] | brief §2.1, §5, §7.6 |
//! | `blocks` | one calibrated block of intermediate care, reablement, community nursing | brief §2.2, §7.6 "community = block" |
//! | `social_care.charging` | `"means_test"`, [`MeansTestParams::default`] (2015/16 limits) | brief §2.3, §7.6 |
//! | `social_care.estate_recovery_fraction` | 1.0 | [`DEFAULT_ESTATE_RECOVERY_FRACTION`] |
//! | `finances.*` | [`FinancesParams::default`] | brief §2.3, ASSUMPTIONs |
//! | `year_of_care.enabled` | false | brief §7.6 "off" |
//! | `year_of_care.top_risk_fraction` | 0.02 | brief §2.5, §7.6 \[HFMA-2016\] |
//! | `year_of_care.min_band` | `"A"` (no band filter) | brief §7.6 |
//! | `year_of_care.min_frailty` | `"off"` | brief §7.6 |
//! | `year_of_care.require_rising_risk` | false (true is rejected) | not tracked by the simulation |
//! | `year_of_care.holder_kind`, `holder` | `"prime_provider"`, `"ico"` | brief §7.6 |
//! | `year_of_care.scope` | `"in_currency"` | brief §2.5, §7.6 |
//! | `year_of_care.capitation` | `"calibrate"` | brief §7.6 two-pass calibration |
//! | `year_of_care.growth`, `efficiency` | 0, 0 | brief §2.5 ASSUMPTION |
//! | `year_of_care.corridor_*` | bounds \[0.02, 0.04\], shares \[1.0, 0.5, 0.2\] | brief §2.5 ASSUMPTION \[MASSHEALTH\] |
//! | `year_of_care.outlier*` | on, £50,000, 0.8 | brief §2.5 ASSUMPTION |
//! | `year_of_care.sub_contract` | `"price"` (markup 0) | ASSUMPTION, [`SubContractBasis::default`] |
//! | `year_of_care.admission_hazard_ratio` | 1.0 | brief §7.6 \[ICP-2012\] |

use super::validate::Problems;
use crate::money::Pence;
use crate::payment::block::CapCollar;
use crate::payment::organisation::{OrgId, TypicalArea};
use crate::payment::raw::{RawBlock, RawFinances, RawPayment, RawSocialCare, RawTariff, RawYearOfCare};
use crate::payment::social_care::{Charging, MeansTestParams};
use crate::payment::spec::{BlockSpec, FinancesParams, PaymentSpec, PoolSpec, YocSpec};
use crate::payment::tariff::{HrgGroup, MretParams, ReadmissionRule, TariffParams};
use crate::payment::year_of_care::{
    Band, BudgetHolder, CapitationRates, CapitationUplift, CohortRule, CorridorBand, OutlierParams, RiskCorridor,
    SubContractBasis, scope_in_currency, scope_include_if_possible,
};
use crate::payment::{PaymentError, Scope, Service};

/// Replications of the baseline pilot when `pilot_replications` is absent: 2
/// (ASSUMPTION: calibrated values are means over the pilot's runs; two halve the
/// variance of one at the cost of one more run; raise it for published results).
pub const DEFAULT_PILOT_REPLICATIONS: u32 = 2;

/// Fraction of readmissions withheld under `readmission = "clinical_review"` when
/// `readmission_unpaid_fraction` is absent: 0.30 (ASSUMPTION, brief §2.1.2: Blunt et al.
/// classed 30.0% of 30-day readmissions as potentially preventable \[BLUNT-2015\]).
pub const DEFAULT_UNPAID_FRACTION: f64 = 0.30;

/// Fraction paid for a readmission after a non-elective index admission under
/// `readmission = "elective_index_unpaid"` when `readmission_non_elective_paid_fraction`
/// is absent: 0.75, "at most 75% of the 2010/11 rate" (brief §2.1.2 R7 \[HFMA-2011b\]).
pub const DEFAULT_NON_ELECTIVE_PAID_FRACTION: f64 = 0.75;

/// Most pilot replications accepted (a guard against typing a seed in the wrong place).
pub const MAX_PILOT_REPLICATIONS: i64 = 1_000;

/// Share of its cost a council recovers from estates under free care when
/// `estate_recovery_fraction` is absent: 1.0 (ASSUMPTION: the seeds' proposal finances
/// free care "by charges on estates" and gives no share; 1.0 recovers as much as each
/// estate allows, the upper bound; brief §7.6 makes the fraction a lever).
pub const DEFAULT_ESTATE_RECOVERY_FRACTION: f64 = 1.0;

/// The Barker single budget's scope (brief §2.6 \[SEEDS\]\[BARKER\]): adult social care
/// (reablement, home care, care homes), community health (intermediate care, community
/// nursing), primary care, mental health and public health; "defined acute services"
/// are none by default (ASSUMPTION: the brief does not define them; add acute services
/// to `single_budget_services` to include them).
pub fn barker_scope() -> Scope {
    crate::payment::pooled::PooledFund::barker_scope(&[])
}

/// The community services block of the baseline (brief §2.2, §7.6: "community =
/// block"): intermediate care, reablement and community nursing, which the default area
/// assigns to one community provider.
pub fn community_block_services() -> Scope {
    Scope::of(&[Service::IntermediateCare, Service::Reablement, Service::CommunityNursing])
}

/// Names of every service, for messages.
fn service_names() -> String {
    Service::ALL.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
}

/// The service called `name`, or a problem listing the valid names.
fn service(p: &mut Problems, key: &str, name: &str) -> Option<Service> {
    let found = Service::ALL.into_iter().find(|s| s.name() == name);
    if found.is_none() {
        p.push(key, format!("{name:?}"), format!("is not a service (services: {})", service_names()));
    }
    found
}

/// A list of distinct services; an empty list or a repeat is a problem.
fn services(p: &mut Problems, key: &str, names: &[String]) -> Option<Scope> {
    if names.is_empty() {
        p.push(key, "[]", format!("must list at least one service (services: {})", service_names()));
        return None;
    }
    let mut scope = Scope::EMPTY;
    let mut ok = true;
    for (i, name) in names.iter().enumerate() {
        match service(p, &format!("{key}[{i}]"), name) {
            Some(s) if scope.covers(s) => {
                p.push(format!("{key}[{i}]"), format!("{name:?}"), "is listed twice");
                ok = false;
            }
            Some(s) => scope = scope.with(s),
            None => ok = false,
        }
    }
    ok.then_some(scope)
}

/// The provider called `name` in `area`, or a problem listing the area's providers.
fn provider(p: &mut Problems, key: &str, name: &str, area: &TypicalArea) -> Option<OrgId> {
    let found = area.registry.find(name).filter(|id| area.registry.kind(*id).is_ok_and(|k| k.is_provider()));
    if found.is_none() {
        let providers: Vec<&str> =
            area.registry.iter().filter(|(_, o)| o.kind.is_provider()).map(|(_, o)| o.name.as_str()).collect();
        p.push(key, format!("{name:?}"), format!("is not a provider of the area ({})", providers.join(", ")));
    }
    found
}

/// A fraction in `[0, 1]`.
fn fraction(p: &mut Problems, key: &str, v: f64) -> f64 {
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        p.push(key, v, "must be a fraction between 0 and 1");
    }
    v
}

/// A finite number of at least 0.
fn non_negative(p: &mut Problems, key: &str, v: f64) -> f64 {
    if !(v.is_finite() && v >= 0.0) {
        p.push(key, v, "must be a finite number of at least 0");
    }
    v
}

/// Whole pence of at least 0.
fn pence(p: &mut Problems, key: &str, v: i64) -> Pence {
    if v < 0 {
        p.push(key, v, "must be a whole number of pence of at least 0");
    }
    Pence(v)
}

/// Whole days from `min` to `max`.
fn days(p: &mut Problems, key: &str, v: i64, min: i64, max: i64) -> u32 {
    if !(min..=max).contains(&v) {
        p.push(key, v, format!("must be a whole number of days from {min} to {max}"));
    }
    v.clamp(0, u32::MAX as i64) as u32
}

/// `"calibrate"` (→ `None`) or whole pence of at least 0 (→ `Some`); `Err` on a bad value.
fn calibrate_or_pence(p: &mut Problems, key: &str, v: &toml::Value) -> Result<Option<Pence>, ()> {
    match v {
        toml::Value::String(s) if s == "calibrate" => Ok(None),
        toml::Value::Integer(n) if *n >= 0 => Ok(Some(Pence(*n))),
        other => {
            p.push(
                key,
                other,
                "must be \"calibrate\" (taken from the baseline pilot) or a whole number of pence of at least 0",
            );
            Err(())
        }
    }
}

/// One of `options` (a word), or a problem listing them.
fn choice<'a>(p: &mut Problems, key: &str, v: &str, options: &[&'a str]) -> Option<&'a str> {
    let found = options.iter().find(|o| **o == v).copied();
    if found.is_none() {
        p.push(key, format!("{v:?}"), format!("must be one of {}", quoted(options)));
    }
    found
}

fn quoted(options: &[&str]) -> String {
    options.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")
}

/// Validates `[payment]`; returns the spec when no problem was found. Keys are
/// reported under `payment.`.
pub fn validate(p: &mut Problems, raw: &RawPayment) -> Option<PaymentSpec> {
    let before = p.0.len();
    let pilot_replications = match raw.pilot_replications {
        None => DEFAULT_PILOT_REPLICATIONS,
        Some(n) if (1..=MAX_PILOT_REPLICATIONS).contains(&n) => n as u32,
        Some(n) => {
            p.push(
                "payment.pilot_replications",
                n,
                format!("must be a whole number of replications from 1 to {MAX_PILOT_REPLICATIONS}"),
            );
            DEFAULT_PILOT_REPLICATIONS
        }
    };
    let area = area(p, raw);
    let pool = pool(p, raw);
    let tariff = tariff(p, &raw.tariff);
    let blocks = blocks(p, raw.blocks.as_deref(), &area);
    let charging = charging(p, &raw.social_care);
    let finances = finances(p, &raw.finances);
    let year_of_care = year_of_care(p, &raw.year_of_care, &area);
    if p.0.len() != before {
        return None;
    }
    let spec = PaymentSpec { area, tariff, blocks, charging, finances, pool, year_of_care, pilot_replications };
    // The rules' own checks; the checks above cover them, so a problem here means
    // they have drifted apart. Reported, never ignored.
    for e in rule_checks(&spec) {
        let (name, reason) = match e {
            PaymentError::InvalidParameter { name, reason } => (name.to_string(), reason),
            other => ("(rules)".to_string(), other.to_string()),
        };
        p.push(format!("payment.{name}"), "", reason);
    }
    (p.0.len() == before).then_some(spec)
}

/// Every check of the payment rules' own `validate` functions.
fn rule_checks(spec: &PaymentSpec) -> Vec<PaymentError> {
    let mut out = Vec::new();
    let mut keep = |r: Result<(), PaymentError>| {
        if let Err(e) = r {
            out.push(e);
        }
    };
    keep(spec.tariff.validate());
    keep(spec.charging.validate());
    keep(spec.area.services.validate(&spec.area.registry));
    if let Some(y) = &spec.year_of_care {
        keep(y.rule.validate());
        keep(y.holder.validate());
        keep(y.corridor.validate());
    }
    out
}

/// The default area with `providers` overrides applied.
fn area(p: &mut Problems, raw: &RawPayment) -> TypicalArea {
    let mut area = TypicalArea::new();
    for (service_name, org_name) in &raw.providers {
        let key = format!("payment.providers.{service_name}");
        let s = service(p, &key, service_name);
        let o = provider(p, &key, org_name, &area);
        if let (Some(s), Some(o)) = (s, o) {
            area.services.assign(s, o);
        }
    }
    area
}

fn pool(p: &mut Problems, raw: &RawPayment) -> PoolSpec {
    let scope = match &raw.single_budget_services {
        None => Some(barker_scope()),
        Some(names) => services(p, "payment.single_budget_services", names),
    };
    let word = raw.pool.as_deref().unwrap_or("better_care_fund");
    match choice(p, "payment.pool", word, &["separate", "better_care_fund", "single_budget"]) {
        Some("separate") => PoolSpec::Separate,
        Some("single_budget") => PoolSpec::SingleBudget { scope: scope.unwrap_or_else(barker_scope) },
        _ => PoolSpec::BetterCareFund,
    }
}

fn tariff(p: &mut Problems, raw: &RawTariff) -> TariffParams {
    let k = |s: &str| format!("payment.tariff.{s}");
    let d = TariffParams::default();
    let g = HrgGroup::reference_cost_average();
    let price =
        |p: &mut Problems, name: &str, v: Option<i64>, default: Pence| v.map_or(default, |v| pence(p, &k(name), v));
    let trim = |p: &mut Problems, name: &str, v: Option<i64>, default: u32| {
        v.map_or(default, |v| days(p, &k(name), v, 0, 3_650))
    };
    let group = HrgGroup {
        name: g.name.clone(),
        elective_pence: price(p, "elective_spell_pence", raw.elective_spell_pence, g.elective_pence),
        non_elective_pence: price(p, "non_elective_spell_pence", raw.non_elective_spell_pence, g.non_elective_pence),
        day_case_pence: price(p, "day_case_pence", raw.day_case_pence, g.day_case_pence),
        elective_trimpoint_days: trim(
            p,
            "elective_trimpoint_days",
            raw.elective_trimpoint_days,
            g.elective_trimpoint_days,
        ),
        non_elective_trimpoint_days: trim(
            p,
            "non_elective_trimpoint_days",
            raw.non_elective_trimpoint_days,
            g.non_elective_trimpoint_days,
        ),
        excess_bed_day_pence: price(p, "excess_bed_day_pence", raw.excess_bed_day_pence, g.excess_bed_day_pence),
        short_stay_emergency_fraction: raw
            .short_stay_emergency_fraction
            .map_or(g.short_stay_emergency_fraction, |v| fraction(p, &k("short_stay_emergency_fraction"), v)),
    };
    let mff = match raw.mff {
        None => d.mff,
        Some(v) => {
            if !(v.is_finite() && v > 0.0) {
                p.push(k("mff"), v, "must be a finite payment index above 0 (1.0 outside London)");
            }
            v
        }
    };
    let mret_rate = match raw.mret_rate {
        None => d.mret.rate,
        Some(v) => {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                p.push(
                    k("mret_rate"),
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
        Some(v) => calibrate_or_pence(p, &k("mret_baseline_pence"), v).unwrap_or(None),
    };
    let mret = MretParams { enabled: raw.mret.unwrap_or(d.mret.enabled), rate: mret_rate, baseline_pence };
    let unpaid = raw.readmission_unpaid_fraction.map(|v| fraction(p, &k("readmission_unpaid_fraction"), v));
    let paid_after_non_elective = raw
        .readmission_non_elective_paid_fraction
        .map(|v| fraction(p, &k("readmission_non_elective_paid_fraction"), v));
    let word = raw.readmission.as_deref().unwrap_or("clinical_review");
    let readmission = match choice(p, &k("readmission"), word, &["clinical_review", "elective_index_unpaid", "off"]) {
        Some("off") => ReadmissionRule::Off,
        Some("elective_index_unpaid") => ReadmissionRule::ElectiveIndexUnpaid {
            non_elective_paid_fraction: paid_after_non_elective.unwrap_or(DEFAULT_NON_ELECTIVE_PAID_FRACTION),
        },
        _ => ReadmissionRule::ClinicalReview { unpaid_fraction: unpaid.unwrap_or(DEFAULT_UNPAID_FRACTION) },
    };
    TariffParams {
        groups: vec![group],
        specialised_topup: raw
            .specialised_topup
            .map_or(d.specialised_topup, |v| non_negative(p, &k("specialised_topup"), v)),
        mff,
        mret,
        readmission,
        readmission_window_days: raw
            .readmission_window_days
            .map_or(d.readmission_window_days, |v| days(p, &k("readmission_window_days"), v, 1, 365)),
        ae_attendance_pence: price(p, "ae_attendance_pence", raw.ae_attendance_pence, d.ae_attendance_pence),
        outpatient_first_pence: price(
            p,
            "outpatient_first_pence",
            raw.outpatient_first_pence,
            d.outpatient_first_pence,
        ),
        outpatient_follow_up_pence: price(
            p,
            "outpatient_follow_up_pence",
            raw.outpatient_follow_up_pence,
            d.outpatient_follow_up_pence,
        ),
        cquin_fraction: raw.cquin_fraction.map_or(d.cquin_fraction, |v| fraction(p, &k("cquin_fraction"), v)),
    }
}

fn blocks(p: &mut Problems, raw: Option<&[RawBlock]>, area: &TypicalArea) -> Vec<BlockSpec> {
    let Some(raw) = raw else {
        return vec![BlockSpec { services: community_block_services(), annual_value_pence: None, cap_collar: None }];
    };
    let mut out = Vec::new();
    let mut covered = Scope::EMPTY;
    for (i, b) in raw.iter().enumerate() {
        let key = format!("payment.blocks[{i}]");
        let scope = services(p, &format!("{key}.services"), &b.services);
        if let Some(scope) = scope {
            let twice: Vec<&str> = scope.services().filter(|s| covered.covers(*s)).map(|s| s.name()).collect();
            if !twice.is_empty() {
                p.push(
                    format!("{key}.services"),
                    format!("{:?}", b.services),
                    format!(
                        "{} already covered by an earlier block; a service has at most one block",
                        twice.join(", ")
                    ),
                );
            }
            let providers: Vec<(Service, Option<OrgId>)> =
                scope.services().map(|s| (s, area.services.provider_of(s).ok())).collect();
            if providers.windows(2).any(|w| w[0].1 != w[1].1) {
                let name = |o: Option<OrgId>| {
                    o.and_then(|o| area.registry.get(o).ok()).map_or("nobody".to_string(), |x| x.name.clone())
                };
                let listing: Vec<String> =
                    providers.iter().map(|(s, o)| format!("{} by {}", s.name(), name(*o))).collect();
                p.push(
                    format!("{key}.services"),
                    format!("{:?}", b.services),
                    format!(
                        "a block pays one provider, but these services are delivered by different ones ({}); \
                         split the block or move services with [payment.providers]",
                        listing.join(", ")
                    ),
                );
            }
            for s in scope.services() {
                covered = covered.with(s);
            }
        }
        let annual_value_pence = match &b.annual_value_pence {
            None => None,
            Some(v) => calibrate_or_pence(p, &format!("{key}.annual_value_pence"), v).unwrap_or(None),
        };
        let cap_collar = b.cap_collar.as_ref().map(|c| {
            let ck = |s: &str| format!("{key}.cap_collar.{s}");
            let cc = CapCollar {
                planned_units_per_year: non_negative(p, &ck("planned_units_per_year"), c.planned_units_per_year),
                cap: non_negative(p, &ck("cap"), c.cap),
                collar: non_negative(p, &ck("collar"), c.collar),
                marginal_price_pence: pence(p, &ck("marginal_price_pence"), c.marginal_price_pence),
            };
            if cc.collar > cc.cap {
                p.push(ck("collar"), cc.collar, format!("must not be above the cap ({})", cc.cap));
            }
            cc
        });
        if let Some(services) = scope {
            out.push(BlockSpec { services, annual_value_pence, cap_collar });
        }
    }
    out
}

fn charging(p: &mut Problems, raw: &RawSocialCare) -> Charging {
    let k = |s: &str| format!("payment.social_care.{s}");
    let d = MeansTestParams::default();
    let amount =
        |p: &mut Problems, name: &str, v: Option<i64>, default: Pence| v.map_or(default, |v| pence(p, &k(name), v));
    let m = MeansTestParams {
        lower_capital_limit_pence: amount(
            p,
            "lower_capital_limit_pence",
            raw.lower_capital_limit_pence,
            d.lower_capital_limit_pence,
        ),
        upper_capital_limit_pence: amount(
            p,
            "upper_capital_limit_pence",
            raw.upper_capital_limit_pence,
            d.upper_capital_limit_pence,
        ),
        tariff_income_step_pence: amount(
            p,
            "tariff_income_step_pence",
            raw.tariff_income_step_pence,
            d.tariff_income_step_pence,
        ),
        tariff_income_per_step_per_week_pence: amount(
            p,
            "tariff_income_per_step_per_week_pence",
            raw.tariff_income_per_step_per_week_pence,
            d.tariff_income_per_step_per_week_pence,
        ),
        personal_expenses_allowance_per_week_pence: amount(
            p,
            "personal_expenses_allowance_per_week_pence",
            raw.personal_expenses_allowance_per_week_pence,
            d.personal_expenses_allowance_per_week_pence,
        ),
        minimum_income_guarantee_per_week_pence: d.minimum_income_guarantee_per_week_pence,
        charge_tariff_income: raw.charge_tariff_income.unwrap_or(d.charge_tariff_income),
        charge_income: raw.charge_income.unwrap_or(d.charge_income),
    };
    if m.lower_capital_limit_pence > m.upper_capital_limit_pence {
        p.push(
            k("lower_capital_limit_pence"),
            m.lower_capital_limit_pence.0,
            format!("must not be above upper_capital_limit_pence ({})", m.upper_capital_limit_pence.0),
        );
    }
    if raw.tariff_income_step_pence == Some(0) {
        p.push(k("tariff_income_step_pence"), m.tariff_income_step_pence.0, "must be at least 1 penny");
    }
    let estate_recovery_fraction = raw
        .estate_recovery_fraction
        .map_or(DEFAULT_ESTATE_RECOVERY_FRACTION, |v| fraction(p, &k("estate_recovery_fraction"), v));
    let word = raw.charging.as_deref().unwrap_or("means_test");
    match choice(p, &k("charging"), word, &["means_test", "free"]) {
        Some("free") => Charging::FreeAtPointOfNeed { estate_recovery_fraction },
        _ => Charging::MeansTest(m),
    }
}

fn finances(p: &mut Problems, raw: &RawFinances) -> FinancesParams {
    let k = |s: &str| format!("payment.finances.{s}");
    let d = FinancesParams::default();
    let share =
        |p: &mut Problems, name: &str, v: Option<f64>, default: f64| v.map_or(default, |v| fraction(p, &k(name), v));
    let f = FinancesParams {
        home_owner_share_65_plus: share(
            p,
            "home_owner_share_65_plus",
            raw.home_owner_share_65_plus,
            d.home_owner_share_65_plus,
        ),
        home_value_mean_pence: raw
            .home_value_mean_pence
            .map_or(d.home_value_mean_pence, |v| pence(p, &k("home_value_mean_pence"), v)),
        savings_above_upper_share: share(
            p,
            "savings_above_upper_share",
            raw.savings_above_upper_share,
            d.savings_above_upper_share,
        ),
        savings_between_share: share(p, "savings_between_share", raw.savings_between_share, d.savings_between_share),
        home_disregarded_share: share(
            p,
            "home_disregarded_share",
            raw.home_disregarded_share,
            d.home_disregarded_share,
        ),
        weekly_income_pence: raw
            .weekly_income_pence
            .map_or(d.weekly_income_pence, |v| pence(p, &k("weekly_income_pence"), v)),
        deferred_payment_share: d.deferred_payment_share,
    };
    let both = f.savings_above_upper_share + f.savings_between_share;
    if both > 1.0 {
        p.push(
            k("savings_between_share"),
            f.savings_between_share,
            format!(
                "plus savings_above_upper_share ({}) must not exceed 1 (the rest have savings below the lower limit)",
                f.savings_above_upper_share
            ),
        );
    }
    f
}

fn year_of_care(p: &mut Problems, raw: &RawYearOfCare, area: &TypicalArea) -> Option<YocSpec> {
    let k = |s: &str| format!("payment.year_of_care.{s}");
    let d = CohortRule::default();
    let enabled = raw.enabled.unwrap_or(false);

    let top_risk_fraction = match &raw.top_risk_fraction {
        None => d.top_risk_fraction,
        Some(toml::Value::String(s)) if s == "off" => None,
        Some(toml::Value::Float(f)) if f.is_finite() && *f > 0.0 && *f <= 1.0 => Some(*f),
        Some(toml::Value::Integer(1)) => Some(1.0),
        Some(other) => {
            p.push(
                k("top_risk_fraction"),
                other,
                "must be a fraction of the population above 0 and at most 1 (0.02 = the top 2% by risk), \
                 or \"off\" for no risk threshold",
            );
            None
        }
    };
    let band_names = ["A", "B", "C", "D", "E"];
    let min_band = match raw.min_band.as_deref() {
        None => d.min_band,
        Some(b) => match band_names.iter().position(|n| *n == b) {
            Some(i) => Band::ALL[i],
            None => {
                p.push(
                    k("min_band"),
                    format!("{b:?}"),
                    "must be an LTC currency band: \"A\" (0-1 conditions, no filter), \"B\" (2), \"C\" (3-5), \
                     \"D\" (6-8) or \"E\" (9+)",
                );
                d.min_band
            }
        },
    };
    let min_frailty = match raw.min_frailty.as_deref() {
        None | Some("off") => d.min_frailty,
        Some(f) => match crate::cohort::FRAILTY_NAMES.iter().position(|n| *n == f) {
            Some(i) => Some(i as u8),
            None => {
                p.push(
                    k("min_frailty"),
                    format!("{f:?}"),
                    format!("must be \"off\" or a frailty level ({})", quoted(&crate::cohort::FRAILTY_NAMES)),
                );
                None
            }
        },
    };
    if raw.require_rising_risk == Some(true) {
        p.push(
            k("require_rising_risk"),
            true,
            "is not supported: the simulation does not track a monthly risk score history, so rising risk \
             cannot be detected; select with top_risk_fraction, min_band and min_frailty instead",
        );
    }
    let rule = CohortRule { top_risk_fraction, min_band, require_rising_risk: false, min_frailty };

    let holder_kind = raw.holder_kind.as_deref().unwrap_or("prime_provider");
    let holder_kind = choice(p, &k("holder_kind"), holder_kind, &["prime_provider", "prime_contractor", "alliance"]);
    let holder_name = raw.holder.as_deref().unwrap_or("ico");
    let holder = match holder_kind {
        Some("alliance") => match &raw.alliance {
            None => {
                p.push(
                    k("alliance"),
                    "",
                    "is required when holder_kind = \"alliance\": a table of members and shares, e.g. \
                     { acute_trust = 0.6, community_provider = 0.4 }",
                );
                None
            }
            Some(members) if members.is_empty() => {
                p.push(k("alliance"), "{}", "needs at least one member");
                None
            }
            Some(members) => {
                let mut out = Vec::new();
                for (name, share) in members {
                    let key = k(&format!("alliance.{name}"));
                    let org = provider(p, &key, name, area);
                    let share = non_negative(p, &key, *share);
                    if let Some(org) = org {
                        out.push((org, share));
                    }
                }
                if members.values().all(|s| *s <= 0.0) {
                    p.push(k("alliance"), format!("{members:?}"), "needs a member with a share above 0");
                }
                Some(BudgetHolder::Alliance(out))
            }
        },
        Some(kind) => provider(p, &k("holder"), holder_name, area).map(|org| {
            if kind == "prime_contractor" {
                BudgetHolder::PrimeContractor(org)
            } else {
                BudgetHolder::PrimeProvider(org)
            }
        }),
        None => None,
    };

    let scope = match &raw.scope {
        None => Some(scope_in_currency()),
        Some(toml::Value::String(s)) if s == "in_currency" => Some(scope_in_currency()),
        Some(toml::Value::String(s)) if s == "include_if_possible" => Some(scope_include_if_possible()),
        Some(toml::Value::Array(items)) => {
            let names: Option<Vec<String>> = items.iter().map(|v| v.as_str().map(str::to_string)).collect();
            match names {
                Some(names) => services(p, &k("scope"), &names),
                None => {
                    p.push(k("scope"), toml::Value::Array(items.clone()), "must list service names (strings)");
                    None
                }
            }
        }
        Some(other) => {
            p.push(
                k("scope"),
                other,
                "must be \"in_currency\", \"include_if_possible\" or a list of services (brief §2.5)",
            );
            None
        }
    };

    let capitation = match &raw.capitation {
        None => None,
        Some(toml::Value::String(s)) if s == "calibrate" => None,
        Some(toml::Value::Table(t)) => {
            let mut rates = CapitationRates { per_year_pence: [Pence::ZERO; 5] };
            for key in t.keys() {
                if !band_names.contains(&key.as_str()) {
                    p.push(k(&format!("capitation.{key}")), "", "is not a band (A, B, C, D, E)");
                }
            }
            for (i, band) in band_names.iter().enumerate() {
                let key = k(&format!("capitation.{band}"));
                match t.get(*band) {
                    Some(toml::Value::Integer(n)) if *n >= 0 => rates.per_year_pence[i] = Pence(*n),
                    Some(v) => p.push(key, v, "must be a whole number of pence per person-year of at least 0"),
                    None if Band::ALL[i] >= min_band => p.push(
                        key,
                        "",
                        format!(
                            "is required: people of band {band} can be enrolled (min_band = {:?}); give pence per \
                             person-year",
                            band_names[min_band.index()]
                        ),
                    ),
                    None => {}
                }
            }
            Some(rates)
        }
        Some(other) => {
            p.push(
                k("capitation"),
                other,
                "must be \"calibrate\" (from the baseline pilot) or a table of pence per person-year by band, \
                 e.g. { B = 1163000, C = 1163000, D = 1163000, E = 1163000 }",
            );
            None
        }
    };
    let uplift = CapitationUplift {
        growth: raw.growth.map_or(0.0, |v| non_negative(p, &k("growth"), v)),
        efficiency: raw.efficiency.map_or(0.0, |v| fraction(p, &k("efficiency"), v)),
    };

    let corridor = corridor(p, raw);
    let outlier_defaults = OutlierParams::default();
    let outlier_params = OutlierParams {
        threshold_pence: raw
            .outlier_threshold_pence
            .map_or(outlier_defaults.threshold_pence, |v| pence(p, &k("outlier_threshold_pence"), v)),
        commissioner_pays_fraction: raw
            .outlier_commissioner_pays_fraction
            .map_or(outlier_defaults.commissioner_pays_fraction, |v| {
                fraction(p, &k("outlier_commissioner_pays_fraction"), v)
            }),
    };
    let outlier = raw.outlier.unwrap_or(true).then_some(outlier_params);

    let markup = raw.cost_plus_markup.map_or(0.0, |v| non_negative(p, &k("cost_plus_markup"), v));
    let basis = match raw.sub_contract.as_deref() {
        None => SubContractBasis::default(),
        Some(word) => match choice(p, &k("sub_contract"), word, &["price", "cost_plus"]) {
            Some("cost_plus") => SubContractBasis::CostPlus(markup),
            _ => SubContractBasis::Price,
        },
    };

    let admission_hazard_ratio = match raw.admission_hazard_ratio {
        None => 1.0,
        Some(v) => {
            if !(v.is_finite() && v > 0.0) {
                p.push(
                    k("admission_hazard_ratio"),
                    v,
                    "must be a finite hazard ratio above 0 (1.0 = no effect; 0.85 = 15% fewer emergency admissions \
                     of enrolled people)",
                );
            } else if !enabled && v != 1.0 {
                p.push(
                    k("admission_hazard_ratio"),
                    v,
                    "acts on people enrolled in year of care only, so it needs enabled = true",
                );
            }
            v
        }
    };

    let (true, Some(holder), Some(scope), Some(corridor)) = (enabled, holder, scope, corridor) else {
        return None;
    };
    Some(YocSpec { rule, holder, scope, capitation, uplift, corridor, outlier, basis, admission_hazard_ratio })
}

fn corridor(p: &mut Problems, raw: &RawYearOfCare) -> Option<RiskCorridor> {
    let k = |s: &str| format!("payment.year_of_care.{s}");
    let d = RiskCorridor::default();
    let bounds: Vec<f64> = match &raw.corridor_bounds {
        None => d.bands.iter().map(|b| b.up_to_fraction).filter(|b| b.is_finite()).collect(),
        Some(v) => v.clone(),
    };
    let shares: Vec<f64> = match &raw.corridor_provider_shares {
        None => d.bands.iter().map(|b| b.provider_share).collect(),
        Some(v) => v.clone(),
    };
    let before = p.0.len();
    for (i, b) in bounds.iter().enumerate() {
        let previous = if i == 0 { 0.0 } else { bounds[i - 1] };
        if !(b.is_finite() && *b > previous) {
            p.push(
                k(&format!("corridor_bounds[{i}]")),
                b,
                "bounds must be finite fractions of the budget above 0, in increasing order (the last band, \
                 beyond the last bound, is unbounded)",
            );
        }
    }
    for (i, s) in shares.iter().enumerate() {
        fraction(p, &k(&format!("corridor_provider_shares[{i}]")), *s);
    }
    if shares.len() != bounds.len() + 1 {
        p.push(
            k("corridor_provider_shares"),
            format!("{shares:?}"),
            format!(
                "must list one share more than corridor_bounds ({} bounds, so {} shares; the last share applies \
                 beyond the last bound)",
                bounds.len(),
                bounds.len() + 1
            ),
        );
    }
    if p.0.len() != before {
        return None;
    }
    let bands = shares
        .iter()
        .enumerate()
        .map(|(i, s)| CorridorBand {
            up_to_fraction: bounds.get(i).copied().unwrap_or(f64::INFINITY),
            provider_share: *s,
        })
        .collect();
    Some(RiskCorridor { bands })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::Problem;
    use crate::config::{ExperimentPlan, Overrides};
    use crate::payment::spec::PaymentCalibration;
    use std::path::{Path, PathBuf};

    /// Validates a `[payment]` table written as TOML (without the `[payment]` header).
    fn check(text: &str) -> Result<PaymentSpec, Vec<Problem>> {
        let raw: RawPayment = toml::from_str(text).unwrap_or_else(|e| panic!("not a payment table: {e}"));
        let mut p = Problems::default();
        let spec = validate(&mut p, &raw);
        match spec {
            Some(s) if p.0.is_empty() => Ok(s),
            _ => Err(p.0),
        }
    }

    /// The single problem of a bad table; its key and words of its reason.
    fn problem(text: &str, key: &str, reason: &str) {
        let problems = check(text).expect_err("should be invalid");
        assert!(
            problems.iter().any(|p| p.key == key && p.reason.contains(reason)),
            "no problem at {key} containing {reason:?}: {problems:#?}"
        );
    }

    fn config(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("configs").join(name)
    }

    fn load(name: &str, set: &[&str]) -> ExperimentPlan {
        let set = set.iter().map(|s| s.to_string()).collect();
        crate::config::load(&config(name), &Overrides { set }).unwrap_or_else(|e| panic!("{e}"))
    }

    fn scenario_spec(plan: &ExperimentPlan, name: &str) -> PaymentSpec {
        let s = plan.scenarios.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no scenario {name}"));
        s.model.payment.clone().unwrap_or_else(|| panic!("{name}: no payment spec"))
    }

    /// The baseline the default config states key by key.
    fn expected_baseline() -> PaymentSpec {
        PaymentSpec {
            area: TypicalArea::new(),
            tariff: TariffParams::default(),
            blocks: vec![BlockSpec {
                services: community_block_services(),
                annual_value_pence: None,
                cap_collar: None,
            }],
            charging: Charging::MeansTest(MeansTestParams::default()),
            finances: FinancesParams::default(),
            pool: PoolSpec::Separate,
            year_of_care: None,
            pilot_replications: 2,
        }
    }

    fn expected_year_of_care() -> YocSpec {
        YocSpec {
            rule: CohortRule::default(),
            holder: BudgetHolder::PrimeProvider(TypicalArea::new().ico),
            scope: scope_in_currency(),
            capitation: None,
            uplift: CapitationUplift::default(),
            corridor: RiskCorridor::default(),
            outlier: Some(OutlierParams::default()),
            basis: SubContractBasis::Price,
            admission_hazard_ratio: 1.0,
        }
    }

    #[test]
    fn default_config_gives_the_expected_specs() {
        let plan = load("default.toml", &[]);
        let names: Vec<&str> = plan.scenarios.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "baseline",
                "year_of_care",
                "year_of_care_integrated_team",
                "pooled_single_budget",
                "admission_avoidance",
                "community_capacity_uplift",
                "pooled_better_care_fund"
            ]
        );
        let bcf = scenario_spec(&plan, "pooled_better_care_fund");
        assert_eq!(bcf, PaymentSpec { pool: PoolSpec::BetterCareFund, ..expected_baseline() });
        assert!(bcf.needs_calibration());
        let baseline = scenario_spec(&plan, "baseline");
        assert_eq!(baseline, expected_baseline());
        assert!(baseline.needs_calibration() && !baseline.levers_on());
        for name in ["admission_avoidance", "community_capacity_uplift"] {
            assert_eq!(scenario_spec(&plan, name), expected_baseline(), "{name}");
        }

        let yoc = scenario_spec(&plan, "year_of_care");
        assert_eq!(yoc, PaymentSpec { year_of_care: Some(expected_year_of_care()), ..expected_baseline() });
        assert!(!yoc.levers_on() && yoc.needs_calibration());

        let team = scenario_spec(&plan, "year_of_care_integrated_team");
        assert_eq!(team.year_of_care.as_ref().map(|y| y.admission_hazard_ratio), Some(0.85));
        assert!(team.levers_on());
        assert_eq!(team.without_levers(), yoc);

        let pooled = scenario_spec(&plan, "pooled_single_budget");
        assert_eq!(
            pooled,
            PaymentSpec { pool: PoolSpec::SingleBudget { scope: barker_scope() }, ..expected_baseline() }
        );
    }

    #[test]
    fn default_specs_build_a_regime_once_calibrated() {
        let plan = load("default.toml", &[]);
        let calibration = PaymentCalibration {
            mret_baseline_pence: Some(Pence(1_000_000_000)),
            capitation: Some(CapitationRates::default()),
            block_values_pence: vec![Some(Pence(500_000_000))],
            pool_contributions_pence: Some((Pence(100), Pence(200))),
            ..Default::default()
        };
        for s in &plan.scenarios {
            let spec = s.model.payment.as_ref().expect("payment");
            let regime = spec.regime(&calibration, Vec::new()).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            assert_eq!(regime.blocks.len(), 1);
            assert_eq!(regime.blocks[0].contract.provider, spec.area.community);
            assert_eq!(regime.tariff.mret.baseline_pence, Some(Pence(1_000_000_000)));
            assert_eq!(regime.year_of_care.is_some(), s.name.starts_with("year_of_care"), "{}", s.name);
            assert_eq!(regime.pools.len(), usize::from(s.name.starts_with("pooled_")), "{}", s.name);
        }
    }

    #[test]
    fn small_config_scenarios_validate_with_payments() {
        let plan = load("small.toml", &[]);
        assert_eq!(plan.scenarios.len(), 7);
        assert!(plan.scenarios.iter().all(|s| s.model.payment.is_some()));
        assert_eq!(scenario_spec(&plan, "baseline"), expected_baseline());
    }

    #[test]
    fn command_line_sets_payment_keys() {
        let plan = load(
            "default.toml",
            &["payment.pool=single_budget", "payment.tariff.mret_rate=0.5", "payment.year_of_care.enabled=true"],
        );
        let spec = scenario_spec(&plan, "baseline");
        assert!(matches!(spec.pool, PoolSpec::SingleBudget { .. }));
        assert_eq!(spec.tariff.mret.rate, 0.5);
        assert!(spec.year_of_care.is_some());

        let err = crate::config::load(
            &config("default.toml"),
            &Overrides { set: vec!["payment.tariff.mret_rate=1.5".into()] },
        )
        .expect_err("rate above 1");
        // Reported once, for the base model, not again for every scenario.
        assert_eq!(err.issues.len(), 1, "{err}");
        let issue = err.issues.iter().find(|i| i.key == "payment.tariff.mret_rate").expect("key named");
        assert_eq!(issue.file, PathBuf::from("--set"));
        assert!(issue.reason.contains("between 0 and 1"), "{}", issue.reason);
    }

    #[test]
    fn payment_without_cohort_is_an_error_naming_the_key() {
        let text = "seed = 1\nreplications = 1\nhorizon_days = 10\n[pools.beds]\ncapacity = 2\n[payment]\npool = \"separate\"\n";
        let err = crate::config::load_resolved(Path::new("no_cohort.toml"), text).expect_err("needs a cohort");
        let issue = err.issues.iter().find(|i| i.key == "payment").expect("payment named");
        assert!(issue.reason.contains("needs a [cohort]"), "{}", issue.reason);
    }

    #[test]
    fn a_bad_scenario_override_is_named_under_the_scenario() {
        let base = std::fs::read_to_string(config("default.toml")).expect("read default");
        let start = base.find("[[scenarios]]").expect("scenarios");
        let text = format!(
            "{}[[scenarios]]\nname = \"baseline\"\n\n[[scenarios]]\nname = \"bad\"\npayment.year_of_care.enabled = true\n\
             payment.year_of_care.admission_hazard_ratio = 0.0\n",
            &base[..start]
        );
        let err = crate::config::load_resolved(Path::new("scenario.toml"), &text).expect_err("ratio 0");
        assert_eq!(err.issues.len(), 1, "{err}");
        assert_eq!(err.issues[0].key, "scenarios.bad.payment.year_of_care.admission_hazard_ratio");
        assert!(err.issues[0].reason.contains("above 0"));
    }

    #[test]
    fn an_empty_payment_table_takes_the_briefs_defaults() {
        let spec = check("").expect("valid");
        assert_eq!(spec.pool, PoolSpec::BetterCareFund);
        assert_eq!(spec.tariff, TariffParams::default());
        assert_eq!(spec.blocks, expected_baseline().blocks);
        assert_eq!(spec.charging, Charging::default());
        assert_eq!(spec.finances, FinancesParams::default());
        assert_eq!(spec.year_of_care, None);
        assert_eq!(spec.pilot_replications, DEFAULT_PILOT_REPLICATIONS);
        // Enabling year of care alone gives the brief's §7.6 defaults.
        let spec = check("[year_of_care]\nenabled = true\n").expect("valid");
        assert_eq!(spec.year_of_care, Some(expected_year_of_care()));
        // No blocks at all.
        assert!(check("blocks = []").expect("valid").blocks.is_empty());
    }

    #[test]
    fn every_option_of_every_choice() {
        assert_eq!(check("pool = \"separate\"").expect("valid").pool, PoolSpec::Separate);
        assert_eq!(check("pool = \"better_care_fund\"").expect("valid").pool, PoolSpec::BetterCareFund);
        assert_eq!(
            check("pool = \"single_budget\"\nsingle_budget_services = [\"home_care\", \"care_home\"]")
                .expect("valid")
                .pool,
            PoolSpec::SingleBudget { scope: Scope::of(&[Service::HomeCare, Service::CareHome]) }
        );

        let t = |s: &str| check(&format!("[tariff]\n{s}")).expect("valid").tariff;
        assert_eq!(t("readmission = \"off\"").readmission, ReadmissionRule::Off);
        assert_eq!(
            t("readmission = \"elective_index_unpaid\"").readmission,
            ReadmissionRule::ElectiveIndexUnpaid { non_elective_paid_fraction: 0.75 }
        );
        assert_eq!(
            t("readmission = \"elective_index_unpaid\"\nreadmission_non_elective_paid_fraction = 0.6").readmission,
            ReadmissionRule::ElectiveIndexUnpaid { non_elective_paid_fraction: 0.6 }
        );
        assert_eq!(
            t("readmission_unpaid_fraction = 0.2").readmission,
            ReadmissionRule::ClinicalReview { unpaid_fraction: 0.2 }
        );
        let tariff = t("mret = false\nmret_baseline_pence = 123\nmff = 1.2\nnon_elective_trimpoint_days = 30");
        assert_eq!(tariff.mret, MretParams { enabled: false, rate: 0.3, baseline_pence: Some(Pence(123)) });
        assert_eq!((tariff.mff, tariff.groups[0].non_elective_trimpoint_days), (1.2, 30));

        let blocks = check(
            "[[blocks]]\nservices = [\"community_nursing\"]\nannual_value_pence = 1000\n\
             cap_collar = { planned_units_per_year = 100.0, cap = 1.1, collar = 0.9, marginal_price_pence = 3200 }\n\
             [[blocks]]\nservices = [\"home_care\"]\nannual_value_pence = \"calibrate\"",
        )
        .expect("valid")
        .blocks;
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].annual_value_pence, Some(Pence(1000)));
        assert_eq!(blocks[0].cap_collar.map(|c| c.marginal_price_pence), Some(Pence(3200)));
        assert_eq!(blocks[1].annual_value_pence, None);

        let free = check("[social_care]\ncharging = \"free\"\nestate_recovery_fraction = 0.5").expect("valid");
        assert_eq!(free.charging, Charging::FreeAtPointOfNeed { estate_recovery_fraction: 0.5 });
        let means = check("[social_care]\ncharging = \"means_test\"\ncharge_income = true").expect("valid");
        assert!(matches!(means.charging, Charging::MeansTest(m) if m.charge_income));

        let area = TypicalArea::new();
        let y = |s: &str| {
            check(&format!("[year_of_care]\nenabled = true\n{s}")).expect("valid").year_of_care.expect("enabled")
        };
        assert_eq!(
            y("holder_kind = \"prime_contractor\"\nholder = \"acute_trust\"").holder,
            BudgetHolder::PrimeContractor(area.acute)
        );
        assert_eq!(y("holder = \"community_provider\"").holder, BudgetHolder::PrimeProvider(area.community));
        assert_eq!(
            y("holder_kind = \"alliance\"\nalliance = { acute_trust = 0.6, community_provider = 0.4 }").holder,
            BudgetHolder::Alliance(vec![(area.acute, 0.6), (area.community, 0.4)])
        );
        assert_eq!(y("scope = \"include_if_possible\"").scope, scope_include_if_possible());
        assert_eq!(
            y("scope = [\"acute_emergency\", \"home_care\"]").scope,
            Scope::of(&[Service::AcuteEmergency, Service::HomeCare])
        );
        let table = y("min_band = \"C\"\ncapitation = { C = 500000, D = 900000, E = 1200000 }");
        assert_eq!(table.rule.min_band, Band::C);
        assert_eq!(
            table.capitation.map(|c| c.per_year_pence),
            Some([Pence(0), Pence(0), Pence(500_000), Pence(900_000), Pence(1_200_000)])
        );
        assert_eq!(y("top_risk_fraction = \"off\"").rule.top_risk_fraction, None);
        assert_eq!(y("top_risk_fraction = 0.05").rule.top_risk_fraction, Some(0.05));
        assert_eq!(y("min_frailty = \"moderate\"").rule.min_frailty, Some(2));
        assert_eq!(y("min_frailty = \"off\"").rule.min_frailty, None);
        assert_eq!(y("sub_contract = \"cost_plus\"\ncost_plus_markup = 0.1").basis, SubContractBasis::CostPlus(0.1));
        assert_eq!(y("sub_contract = \"price\"").basis, SubContractBasis::Price);
        assert_eq!(y("outlier = false").outlier, None);
        assert_eq!(
            y("corridor_bounds = [0.05]\ncorridor_provider_shares = [1.0, 0.0]").corridor,
            RiskCorridor {
                bands: vec![
                    CorridorBand { up_to_fraction: 0.05, provider_share: 1.0 },
                    CorridorBand { up_to_fraction: f64::INFINITY, provider_share: 0.0 },
                ]
            }
        );
        assert_eq!(y("growth = 0.03\nefficiency = 0.04").uplift, CapitationUplift { growth: 0.03, efficiency: 0.04 });

        let moved = check("[providers]\ncommunity_nursing = \"ico\"\n\n[[blocks]]\nservices = [\"community_nursing\"]")
            .expect("valid");
        assert_eq!(moved.area.services.provider_of(Service::CommunityNursing), Ok(moved.area.ico));
    }

    #[test]
    fn out_of_range_values_name_their_key() {
        problem("pilot_replications = 0", "payment.pilot_replications", "from 1 to");
        problem("pool = \"pooled\"", "payment.pool", "\"separate\", \"better_care_fund\", \"single_budget\"");
        problem("[tariff]\nmret_rate = 1.3", "payment.tariff.mret_rate", "between 0 and 1");
        problem("[tariff]\nmret_rate = -0.1", "payment.tariff.mret_rate", "between 0 and 1");
        problem("[tariff]\nmret_baseline_pence = \"estimate\"", "payment.tariff.mret_baseline_pence", "\"calibrate\"");
        problem("[tariff]\nmff = 0.0", "payment.tariff.mff", "above 0");
        problem("[tariff]\nreadmission = \"sometimes\"", "payment.tariff.readmission", "\"clinical_review\"");
        problem(
            "[tariff]\nreadmission_unpaid_fraction = 2.0",
            "payment.tariff.readmission_unpaid_fraction",
            "between 0 and 1",
        );
        problem("[tariff]\nreadmission_window_days = 0", "payment.tariff.readmission_window_days", "from 1 to 365");
        problem("[tariff]\nelective_spell_pence = -1", "payment.tariff.elective_spell_pence", "at least 0");
        problem("[social_care]\ncharging = \"none\"", "payment.social_care.charging", "\"means_test\", \"free\"");
        problem(
            "[social_care]\nlower_capital_limit_pence = 3000000",
            "payment.social_care.lower_capital_limit_pence",
            "must not be above upper_capital_limit_pence",
        );
        problem(
            "[social_care]\ntariff_income_step_pence = 0",
            "payment.social_care.tariff_income_step_pence",
            "at least 1",
        );
        problem(
            "[social_care]\nestate_recovery_fraction = 1.5",
            "payment.social_care.estate_recovery_fraction",
            "between 0 and 1",
        );
        problem(
            "[finances]\nsavings_above_upper_share = 1.2",
            "payment.finances.savings_above_upper_share",
            "between 0 and 1",
        );
        problem(
            "[finances]\nsavings_above_upper_share = 0.7\nsavings_between_share = 0.5",
            "payment.finances.savings_between_share",
            "must not exceed 1",
        );
        let y = |s: &str| format!("[year_of_care]\nenabled = true\n{s}");
        let k = |s: &str| format!("payment.year_of_care.{s}");
        problem(&y("top_risk_fraction = 0.0"), &k("top_risk_fraction"), "above 0 and at most 1");
        problem(&y("top_risk_fraction = 1.5"), &k("top_risk_fraction"), "above 0 and at most 1");
        problem(&y("top_risk_fraction = \"all\""), &k("top_risk_fraction"), "\"off\"");
        problem(&y("min_band = \"F\""), &k("min_band"), "LTC currency band");
        problem(&y("min_frailty = \"frail\""), &k("min_frailty"), "\"moderate\"");
        problem(&y("require_rising_risk = true"), &k("require_rising_risk"), "not track");
        problem(&y("holder_kind = \"lead\""), &k("holder_kind"), "\"alliance\"");
        problem(&y("holder = \"council\""), &k("holder"), "is not a provider of the area (acute_trust,");
        problem(&y("holder_kind = \"alliance\""), &k("alliance"), "is required");
        problem(&y("holder_kind = \"alliance\"\nalliance = { acute_trust = 0.0 }"), &k("alliance"), "share above 0");
        problem(&y("holder_kind = \"alliance\"\nalliance = { ccg = 1.0 }"), &k("alliance.ccg"), "not a provider");
        problem(&y("scope = \"everything\""), &k("scope"), "\"in_currency\"");
        problem(&y("scope = []"), &k("scope"), "at least one service");
        problem(&y("capitation = \"estimate\""), &k("capitation"), "\"calibrate\"");
        problem(&y("capitation = { B = 1, C = 2, D = 3, E = 4 }"), &k("capitation.A"), "is required");
        problem(
            &y("min_band = \"B\"\ncapitation = { B = 1, C = 2, D = 3, E = 4, F = 5 }"),
            &k("capitation.F"),
            "not a band",
        );
        problem(&y("efficiency = 1.5"), &k("efficiency"), "between 0 and 1");
        problem(&y("corridor_bounds = [0.04, 0.02]"), &k("corridor_bounds[1]"), "increasing order");
        problem(&y("corridor_provider_shares = [1.0, 0.5]"), &k("corridor_provider_shares"), "one share more");
        problem(&y("corridor_provider_shares = [1.0, 0.5, 1.5]"), &k("corridor_provider_shares[2]"), "between 0 and 1");
        problem(&y("outlier_commissioner_pays_fraction = 1.2"), &k("outlier_commissioner_pays_fraction"), "between 0");
        problem(&y("sub_contract = \"cost\""), &k("sub_contract"), "\"cost_plus\"");
        problem(&y("admission_hazard_ratio = 0.0"), &k("admission_hazard_ratio"), "above 0");
        problem("[year_of_care]\nadmission_hazard_ratio = 0.8", &k("admission_hazard_ratio"), "needs enabled = true");
        // A disabled year of care is still checked.
        problem("[year_of_care]\ntop_risk_fraction = 3.0", &k("top_risk_fraction"), "at most 1");
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        problem(
            "[[blocks]]\nservices = [\"intermediate_care\", \"district_nursing\"]",
            "payment.blocks[0].services[1]",
            "is not a service (services: acute_emergency, acute_elective,",
        );
        problem("single_budget_services = [\"social_care\"]", "payment.single_budget_services[0]", "is not a service");
        problem("[providers]\nnursing = \"ico\"", "payment.providers.nursing", "is not a service");
        problem(
            "[providers]\nhome_care = \"agency\"",
            "payment.providers.home_care",
            "is not a provider of the area (acute_trust, community_provider, home_care_provider, care_homes, \
             gp_practices, ico)",
        );
        problem("[year_of_care]\nenabled = true\nholder = \"hospital\"", "payment.year_of_care.holder", "ico");
        problem("[year_of_care]\nscope = [\"gp\"]", "payment.year_of_care.scope[0]", "is not a service");
    }

    #[test]
    fn blocks_pay_one_provider_each() {
        problem(
            "[[blocks]]\nservices = [\"community_nursing\", \"home_care\"]",
            "payment.blocks[0].services",
            "community_nursing by community_provider, home_care by home_care_provider",
        );
        problem(
            "[[blocks]]\nservices = [\"community_nursing\"]\n[[blocks]]\nservices = [\"community_nursing\"]",
            "payment.blocks[1].services",
            "already covered",
        );
        problem(
            "[[blocks]]\nservices = [\"reablement\", \"reablement\"]",
            "payment.blocks[0].services[1]",
            "listed twice",
        );
        problem("[[blocks]]\nservices = []", "payment.blocks[0].services", "at least one service");
        problem(
            "[[blocks]]\nservices = [\"home_care\"]\ncap_collar = { planned_units_per_year = 1.0, cap = 0.9, collar = 1.1, marginal_price_pence = 1 }",
            "payment.blocks[0].cap_collar.collar",
            "not be above the cap",
        );
        // Moving a service to the block's provider makes it valid.
        check("[providers]\nhome_care = \"community_provider\"\n[[blocks]]\nservices = [\"community_nursing\", \"home_care\"]")
            .expect("one provider");
    }

    #[test]
    fn unknown_keys_are_rejected_by_the_raw_layer() {
        for text in ["polo = \"separate\"", "[tariff]\nmret_rte = 0.3", "[year_of_care]\nholders = \"ico\""] {
            let e = toml::from_str::<RawPayment>(text).expect_err(text);
            assert!(e.to_string().contains("unknown field"), "{e}");
        }
    }
}
