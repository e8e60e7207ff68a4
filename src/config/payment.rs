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
//! | `year_of_care.holder_kind`, `holder` | by the holder (`"prime_provider"` if it delivers a service in scope, else `"prime_contractor"`), `"ico"` | brief §7.6, \[KF-CONTRACT-2014\] |
//! | `year_of_care.scope` | `"in_currency"` | brief §2.5, §7.6 |
//! | `year_of_care.capitation` | `"calibrate"` | brief §7.6 two-pass calibration |
//! | `year_of_care.growth`, `efficiency` | 0, 0 | brief §2.5 ASSUMPTION |
//! | `year_of_care.corridor_*` | bounds \[0.02, 0.04\], shares \[1.0, 0.5, 0.2\] | brief §2.5 ASSUMPTION \[MASSHEALTH\] |
//! | `year_of_care.outlier*` | on, £50,000, 0.8 | brief §2.5 ASSUMPTION |
//! | `year_of_care.sub_contract` | `"price"` (markup 0) | ASSUMPTION, [`SubContractBasis::default`] |
//! | `year_of_care.admission_hazard_ratio` | 1.0 | brief §7.6 \[ICP-2012\] |

use super::validate::{MAX_PENCE, Problems, fraction, non_negative, pence, pence_range_reason, whole_days};
use crate::money::Pence;
use crate::payment::block::CapCollar;
use crate::payment::organisation::{OrgId, TypicalArea};
use crate::payment::raw::{
    RawAlliance, RawBlock, RawFinances, RawMoney, RawPayment, RawSocialCare, RawTariff, RawYearOfCare,
};
use crate::payment::reinvestment::WithheldMoney;
use crate::payment::social_care::{Charging, MeansTestParams};
use crate::payment::spec::{BlockSpec, FinancesParams, MoneyRules, PaymentSpec, PoolSpec, YocSpec};
use crate::payment::tariff::{HrgGroup, MretBaseYear, MretParams, ReadmissionRule, TariffParams};
use crate::payment::year_of_care::{
    Band, BudgetHolder, CapitationRates, CapitationUplift, CohortRule, CorridorBand, OutlierParams, RiskCorridor,
    SubContractBasis, scope_in_currency, scope_include_if_possible,
};
use crate::payment::{PaymentError, Scope, Service};

mod blocks;
mod social_care;
mod tariff;
mod year_of_care;

#[cfg(test)]
mod keys_test;

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

/// `"calibrate"` (→ `None`) or whole pence of at least 0 (→ `Some`); `Err` on a bad value.
fn calibrate_or_pence(p: &mut Problems, key: &str, v: &toml::Value) -> Result<Option<Pence>, ()> {
    match v {
        toml::Value::String(s) if s == "calibrate" => Ok(None),
        toml::Value::Integer(n) if (0..=MAX_PENCE).contains(n) => Ok(Some(Pence(*n))),
        other => {
            p.push(
                key,
                other,
                format!("must be \"calibrate\" (taken from the baseline pilot) or {}", pence_range_reason()),
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

/// Validates `[payment]` of a model whose pools are `pool_names`; returns the spec when
/// no problem was found. Keys are reported under `payment.`.
pub fn validate(p: &mut Problems, raw: &RawPayment, pool_names: &[&str]) -> Option<PaymentSpec> {
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
    let tariff = tariff::tariff(p, &raw.tariff);
    let blocks = blocks::blocks(p, raw.blocks.as_deref(), &area);
    let charging = social_care::charging(p, &raw.social_care);
    let finances = social_care::finances(p, &raw.finances);
    let year_of_care = year_of_care::year_of_care(p, &raw.year_of_care, &area);
    let delay_reimbursement = delay_reimbursement(p, &raw.delay_reimbursement);
    let money = money(p, &raw.money, &area, pool_names);
    if p.0.len() != before {
        return None;
    }
    let spec = PaymentSpec {
        area,
        tariff,
        blocks,
        charging,
        finances,
        pool,
        year_of_care,
        pilot_replications,
        delay_reimbursement,
        money,
    };
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

/// An outpatient price: rejected, since the simulation records no outpatient
/// attendances and the price would change nothing (brief §4.3: outpatients are not
/// simulated per person).
pub(super) fn outpatient(p: &mut Problems, key: &str, v: Option<i64>) -> Option<Pence> {
    let v = v?;
    p.push(
        key,
        v,
        "is not accepted: the simulation records no outpatient attendances (brief §4.3), so an outpatient price \
         would change nothing; remove the key",
    );
    None
}

/// `[payment.money]`: where withheld money goes, what capacity and interventions cost.
fn money(p: &mut Problems, raw: &RawMoney, area: &TypicalArea, pool_names: &[&str]) -> MoneyRules {
    let k = |s: &str| format!("payment.money.{s}");
    let d = MoneyRules::default_for(area);
    let withheld_money = match raw.withheld_money_to.as_deref() {
        None => d.withheld_money,
        Some("retained") => WithheldMoney::Retained,
        Some(name) => match provider(p, &k("withheld_money_to"), name, area) {
            Some(provider) => WithheldMoney::SpentBy { provider },
            None => d.withheld_money,
        },
    };
    let mut empty_place_day_pence = Vec::new();
    for (name, v) in &raw.empty_place_day_pence {
        let key = k(&format!("empty_place_day_pence.{name}"));
        if !pool_names.contains(&name.as_str()) {
            p.push(&key, format!("{name:?}"), format!("is not a pool of the model ({})", pool_names.join(", ")));
        }
        empty_place_day_pence.push((name.clone(), pence(p, &key, *v)));
    }
    MoneyRules {
        withheld_money,
        integrated_team_cost_per_person_year_pence: raw
            .integrated_team_cost_per_person_year_pence
            .map_or(d.integrated_team_cost_per_person_year_pence, |v| {
                pence(p, &k("integrated_team_cost_per_person_year_pence"), v)
            }),
        admission_avoidance_cost_per_referral_pence: raw
            .admission_avoidance_cost_per_referral_pence
            .map_or(d.admission_avoidance_cost_per_referral_pence, |v| {
                pence(p, &k("admission_avoidance_cost_per_referral_pence"), v)
            }),
        empty_place_day_pence,
    }
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

/// `[payment.delay_reimbursement]`: off unless `enabled`; then `pence_per_day` > 0.
fn delay_reimbursement(
    p: &mut Problems,
    raw: &crate::payment::raw::RawDelayReimbursement,
) -> Option<crate::payment::settle::delay_reimbursement::DelayReimbursement> {
    let key = "payment.delay_reimbursement.pence_per_day";
    match (raw.enabled, raw.pence_per_day) {
        (_, Some(n)) if n <= 0 => {
            p.push(key, n, "must be a whole number of pence above 0 (e.g. 13000 for the reported 130 pounds a day)");
            None
        }
        (true, None) => {
            p.push(key, "", "is required when the reimbursement is enabled");
            None
        }
        (true, Some(n)) => {
            Some(crate::payment::settle::delay_reimbursement::DelayReimbursement { pence_per_day: Pence(n) })
        }
        (false, _) => None,
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::Problem;

    /// Validates a `[payment]` table written as TOML (without the `[payment]` header).
    fn check(text: &str) -> Result<PaymentSpec, Vec<Problem>> {
        let raw: RawPayment = toml::from_str(text).unwrap_or_else(|e| panic!("not a payment table: {e}"));
        let mut p = Problems::default();
        let pools = ["acute_beds", "intermediate_care_beds", "reablement", "community_nursing"];
        let spec = validate(&mut p, &raw, &pools);
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

    #[test]
    fn an_empty_payment_table_takes_the_briefs_defaults() {
        let spec = check("").expect("valid");
        assert_eq!(spec.pool, PoolSpec::BetterCareFund);
        assert_eq!(spec.tariff, TariffParams::default());
        let community_block =
            BlockSpec { services: community_block_services(), annual_value_pence: None, cap_collar: None };
        assert_eq!(spec.blocks, vec![community_block]);
        assert_eq!(spec.charging, Charging::default());
        assert_eq!(spec.finances, FinancesParams::default());
        assert_eq!(spec.year_of_care, None);
        assert_eq!(spec.pilot_replications, DEFAULT_PILOT_REPLICATIONS);
        // Enabling year of care alone gives the brief's §7.6 defaults.
        let spec = check("[year_of_care]\nenabled = true\n").expect("valid");
        let expected = YocSpec {
            rule: CohortRule::default(),
            holder: BudgetHolder::PrimeContractor(TypicalArea::new().ico),
            scope: scope_in_currency(),
            capitation: None,
            uplift: CapitationUplift::default(),
            corridor: RiskCorridor::default(),
            outlier: Some(OutlierParams::default()),
            basis: SubContractBasis::Price,
            admission_hazard_ratio: 1.0,
            calibrate_alliance_shares: false,
        };
        assert_eq!(spec.year_of_care, Some(expected));
        // No blocks at all.
        assert!(check("blocks = []").expect("valid").blocks.is_empty());
    }

    #[test]
    fn money_keys_take_names_of_the_area_and_the_model() {
        let area = TypicalArea::new();
        let m = |s: &str| check(&format!("[money]\n{s}")).map(|x| x.money);
        assert_eq!(m("").unwrap(), MoneyRules::default_for(&area));
        assert_eq!(m("withheld_money_to = \"retained\"").unwrap().withheld_money, WithheldMoney::Retained);
        assert_eq!(
            m("withheld_money_to = \"ico\"").unwrap().withheld_money,
            WithheldMoney::SpentBy { provider: area.ico }
        );
        let costs =
            m("empty_place_day_pence = { reablement = 5357 }\nintegrated_team_cost_per_person_year_pence = 0").unwrap();
        assert_eq!(costs.empty_place_day("reablement"), Pence(5_357));
        assert_eq!(costs.empty_place_day("acute_beds"), Pence::ZERO);
        assert_eq!(costs.integrated_team_cost_per_person_year_pence, Pence::ZERO);
        problem("[money]\nwithheld_money_to = \"ccg\"", "payment.money.withheld_money_to", "not a provider");
        problem(
            "[money]\nempty_place_day_pence = { wards = 100 }",
            "payment.money.empty_place_day_pence.wards",
            "not a pool of the model",
        );
        problem(
            "[money]\nadmission_avoidance_cost_per_referral_pence = -1",
            "payment.money.admission_avoidance_cost_per_referral_pence",
            "pence from 0",
        );
        problem("[tariff]\nspecialised_topup = 0.2", "payment.tariff.specialised_topup", "no specialised spells");
        problem("[tariff]\noutpatient_first_pence = 12000", "payment.tariff.outpatient_first_pence", "no outpatient");
        problem(
            "[tariff]\nmret_baseline_years_before_model_year = 80",
            "payment.tariff.mret_baseline_years_before_model_year",
            "from 0 to 50",
        );
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
        assert_eq!(
            tariff.mret,
            MretParams {
                enabled: false,
                rate: 0.3,
                baseline_pence: Some(Pence(123)),
                base_year: MretBaseYear::default()
            }
        );
        let dated = t("mret_baseline_years_before_model_year = 0\nmret_baseline_growth_per_year = 0.05");
        assert_eq!(dated.mret.base_year, MretBaseYear { years_before_model_year: 0, growth_per_year: 0.05 });
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
        // A prime provider delivers some services in scope, a prime contractor none
        // [KF-CONTRACT-2014]: an absent holder_kind is decided by the holder.
        assert_eq!(y("holder_kind = \"prime_contractor\"").holder, BudgetHolder::PrimeContractor(area.ico));
        assert_eq!(y("").holder, BudgetHolder::PrimeContractor(area.ico), "the ICO delivers no service here");
        assert_eq!(
            y("holder_kind = \"prime_provider\"\nholder = \"acute_trust\"").holder,
            BudgetHolder::PrimeProvider(area.acute)
        );
        assert_eq!(y("holder = \"community_provider\"").holder, BudgetHolder::PrimeProvider(area.community));
        let fixed = y("holder_kind = \"alliance\"\n\
                       alliance = { acute_trust = 0.6, community_provider = 0.3, home_care_provider = 0.1 }");
        assert_eq!(
            fixed.holder,
            BudgetHolder::Alliance(vec![(area.acute, 0.6), (area.community, 0.3), (area.home_care, 0.1)])
        );
        assert!(!fixed.calibrate_alliance_shares);
        // Members only: shares calibrated on the pilots (equal until then).
        let calibrated = y(
            "holder_kind = \"alliance\"\nalliance = [\"home_care_provider\", \"acute_trust\", \"community_provider\"]",
        );
        assert_eq!(
            calibrated.holder,
            BudgetHolder::Alliance(vec![(area.home_care, 1.0), (area.acute, 1.0), (area.community, 1.0)])
        );
        assert!(calibrated.calibrate_alliance_shares);
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
        problem("[tariff]\nelective_spell_pence = -1", "payment.tariff.elective_spell_pence", "pence from 0");
        // Amounts that would overflow the settlement's i64 sums are named, not run.
        problem(
            "[tariff]\nnon_elective_spell_pence = 9223372036854775807",
            "payment.tariff.non_elective_spell_pence",
            "from 0 to 100000000000",
        );
        problem("[tariff]\nmret_baseline_pence = 100000000001", "payment.tariff.mret_baseline_pence", "(£1bn)");
        problem(
            "[year_of_care]\nenabled = true\ncapitation = { A = 1, B = 1, C = 1, D = 1, E = 9000000000000000000 }",
            "payment.year_of_care.capitation.E",
            "(£1bn) per person-year",
        );
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
        problem(&y("top_risk_fraction = 0.0"), "payment.year_of_care.top_risk_fraction", "above 0 and at most 1");
        problem(&y("top_risk_fraction = 1.5"), "payment.year_of_care.top_risk_fraction", "above 0 and at most 1");
        problem(&y("top_risk_fraction = \"all\""), "payment.year_of_care.top_risk_fraction", "\"off\"");
        problem(&y("min_band = \"F\""), "payment.year_of_care.min_band", "LTC currency band");
        problem(&y("min_frailty = \"frail\""), "payment.year_of_care.min_frailty", "\"moderate\"");
        problem(&y("require_rising_risk = true"), "payment.year_of_care.require_rising_risk", "not track");
        problem(&y("holder_kind = \"lead\""), "payment.year_of_care.holder_kind", "\"alliance\"");
        problem(
            &y("holder_kind = \"prime_provider\"\nholder = \"ico\""),
            "payment.year_of_care.holder_kind",
            "ico delivers none of the services in scope",
        );
        problem(
            &y("holder_kind = \"prime_contractor\"\nholder = \"acute_trust\""),
            "payment.year_of_care.holder_kind",
            "acute_trust delivers services in scope itself (acute_emergency",
        );
        problem(
            &y("holder = \"council\""),
            "payment.year_of_care.holder",
            "is not a provider of the area (acute_trust,",
        );
        problem(&y("holder_kind = \"alliance\""), "payment.year_of_care.alliance", "is required");
        problem(
            &y("holder_kind = \"alliance\"\nalliance = [\"acute_trust\", \"community_provider\"]"),
            "payment.year_of_care.alliance",
            "missing: home_care_provider (home_care)",
        );
        problem(
            &y("holder_kind = \"alliance\"\nalliance = [\"acute_trust\", \"acute_trust\"]"),
            "payment.year_of_care.alliance.acute_trust",
            "is listed twice",
        );
        problem(
            &y("holder_kind = \"alliance\"\nalliance = []"),
            "payment.year_of_care.alliance",
            "at least one member",
        );
        problem(
            &y("holder_kind = \"alliance\"\nalliance = { acute_trust = 0.0 }"),
            "payment.year_of_care.alliance",
            "share above 0",
        );
        problem(
            &y("holder_kind = \"alliance\"\nalliance = { ccg = 1.0 }"),
            "payment.year_of_care.alliance.ccg",
            "not a provider",
        );
        problem(&y("scope = \"everything\""), "payment.year_of_care.scope", "\"in_currency\"");
        problem(&y("scope = []"), "payment.year_of_care.scope", "at least one service");
        problem(&y("capitation = \"estimate\""), "payment.year_of_care.capitation", "\"calibrate\"");
        problem(&y("capitation = { B = 1, C = 2, D = 3, E = 4 }"), "payment.year_of_care.capitation.A", "is required");
        problem(
            &y("min_band = \"B\"\ncapitation = { B = 1, C = 2, D = 3, E = 4, F = 5 }"),
            "payment.year_of_care.capitation.F",
            "not a band",
        );
        problem(&y("efficiency = 1.5"), "payment.year_of_care.efficiency", "between 0 and 1");
        problem(&y("corridor_bounds = [0.04, 0.02]"), "payment.year_of_care.corridor_bounds[1]", "increasing order");
        problem(
            &y("corridor_provider_shares = [1.0, 0.5]"),
            "payment.year_of_care.corridor_provider_shares",
            "one share more",
        );
        problem(
            &y("corridor_provider_shares = [1.0, 0.5, 1.5]"),
            "payment.year_of_care.corridor_provider_shares[2]",
            "between 0 and 1",
        );
        problem(
            &y("outlier_commissioner_pays_fraction = 1.2"),
            "payment.year_of_care.outlier_commissioner_pays_fraction",
            "between 0",
        );
        problem(&y("sub_contract = \"cost\""), "payment.year_of_care.sub_contract", "\"cost_plus\"");
        problem(&y("admission_hazard_ratio = 0.0"), "payment.year_of_care.admission_hazard_ratio", "above 0");
        problem(
            "[year_of_care]\nadmission_hazard_ratio = 0.8",
            "payment.year_of_care.admission_hazard_ratio",
            "needs enabled = true",
        );
        // A disabled year of care is still checked.
        problem("[year_of_care]\ntop_risk_fraction = 3.0", "payment.year_of_care.top_risk_fraction", "at most 1");
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
