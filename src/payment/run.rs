//! Settling a whole run: the activity a cohort run recorded ([`ActivityLog`]) is settled
//! year by year under the run's [`Regime`](super::settle::Regime), and the values a regime takes from a
//! baseline (MRET baseline, block values, single budget contributions, capitation) are
//! calibrated from pilot runs ([`calibrate`], the first of the two passes).

use super::activity::{Activity, ActivityKind, ActivityLog, resource_cost};
use super::ledger::{ConsolidatedSpend, Ledger, LedgerTable, ResourceCost};
use super::organisation::OrgId;
use super::pooled::{bcf_scope, net_spend_on_scope};
use super::settle::{Death, OutsideCohortCare, Settlement, YearInputs, settle};
use super::social_care::{CareAccount, Charging, ClientFinances};
use super::spec::{PaymentCalibration, PaymentSpec, PoolSpec};
use super::tariff::{AdmissionClass, price_spell};
use super::year_of_care::{
    Band, BaselinePersonYear, BudgetHolder, CapitationFunding, CapitationRates, Discrimination, Enrolment,
    ObservedYear, PlannedEnrolment, RiskModel, calibrate_capitation_net_of_outliers, observed_years, plan_enrolments,
};
use super::{PaymentError, Scope, Service};
use crate::cohort::UnitCosts;
use crate::money::Pence;
use crate::record::{PersonYearTable, RunKey};
use crate::rng::{Purpose, StreamKey};
use crate::time::{DAYS_PER_YEAR, MEAN_DAYS_PER_YEAR};

/// England's population, for the national equivalent of a local saving: 53.9 million
/// (mid-2014, the denominator the default config scales national figures by \[brief §7.7\]).
pub const ENGLAND_POPULATION: u64 = 53_900_000;

/// One organisation's net position in one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrgYear {
    /// Financial year of the run.
    pub year: u16,
    /// The organisation.
    pub org: OrgId,
    /// Net income: credits − debits over every account, earmarks excluded.
    pub net_income_pence: Pence,
    /// Resource cost of the activity it delivered.
    pub resource_cost_pence: Pence,
    /// Public spend, for a public payer (payments to providers and people, less receipts).
    pub public_spend_pence: Pence,
}

impl OrgYear {
    /// Surplus: net income − resource cost.
    pub fn surplus_pence(&self) -> Pence {
        self.net_income_pence - self.resource_cost_pence
    }
}

/// What the payment pass gives for one run (measurement window only).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunPayments {
    /// Transactions summed by (payer, payee, account, month).
    pub ledger: LedgerTable,
    /// Every organisation's position per year.
    pub org_years: Vec<OrgYear>,
    /// Payments attributable to people: (person, year, payer, amount), sorted.
    pub by_person_year: Vec<(u32, u16, OrgId, Pence)>,
    /// Financial years settled.
    pub years: Vec<u16>,
    /// People enrolled in year of care at any time in the window.
    pub enrolled_people: u32,
    /// Mean share of the living enrolled in year of care over the window's selection
    /// days (0 without year of care, or when enrolment was decided in the simulation).
    pub enrolled_share: f64,
    /// By year of the window: how well the commissioner's risk score ranked people by
    /// their emergency admissions that year (empty without a fitted model).
    pub risk_discrimination: Vec<(u16, Discrimination)>,
    /// Enrolled person-years in the window.
    pub enrolled_person_years: f64,
    /// Consolidated public spend of each year ([`ConsolidatedSpend`]).
    pub consolidated: Vec<(u16, ConsolidatedSpend)>,
    /// Money withheld (MRET, readmissions) over the window, pence.
    pub withheld_pence: Pence,
    /// Tariff value of acute activity by service over the window
    /// ([`Settlement::acute_value_by_service`]).
    pub acute_value_by_service: [Pence; Service::COUNT],
    /// Costs outside the activity records ([`OtherCosts`]), set by the runner.
    pub other_costs: OtherCosts,
}

/// Resource costs that are not activity records: staffed capacity left empty and the
/// interventions of a scenario, over the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OtherCosts {
    /// Empty staffed place-days at public providers, pence.
    pub empty_places_public_pence: Pence,
    /// Empty staffed place-days at independent providers, pence (their loss, not public
    /// spend).
    pub empty_places_independent_pence: Pence,
    /// Used staffed place-days valued at the empty place-day cost, pence: what a
    /// scenario that uses fewer of them releases as capacity, not cash.
    pub used_places_value_pence: Pence,
    /// Integrated team and admission avoidance costs (public providers), pence.
    pub interventions_pence: Pence,
}

/// One pool's use over the window, for [`other_costs`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolUse<'a> {
    /// Pool name.
    pub name: &'a str,
    /// Its setting.
    pub setting: crate::capacity::Setting,
    /// Staffed places (`None`: unlimited, never empty).
    pub capacity: Option<u32>,
    /// Mean places occupied over the window.
    pub mean_occupied: f64,
}

/// The costs outside the activity records of one run: every pool's empty staffed
/// place-days at [`super::spec::MoneyRules::empty_place_day`], borne by the provider of
/// the pool's setting; an integrated care team's cost per enrolled person-year while its
/// lever is on (borne by the budget holder, or the community provider under an
/// alliance); and each admission-avoidance referral (borne by the provider of
/// intermediate care). `window_days` is the measurement window's length.
pub fn other_costs(
    spec: &PaymentSpec,
    pools: &[PoolUse<'_>],
    window_days: f64,
    enrolled_person_years: f64,
    avoidance_referrals: u64,
) -> Result<OtherCosts, PaymentError> {
    use crate::capacity::Setting;
    let mut out = OtherCosts::default();
    for p in pools {
        let cost = spec.money.empty_place_day(p.name);
        let (Some(capacity), true) = (p.capacity, cost > Pence::ZERO) else { continue };
        let service = match p.setting {
            Setting::Acute => Service::AcuteEmergency,
            Setting::IntermediateCare => Service::IntermediateCare,
            Setting::Reablement => Service::Reablement,
            Setting::HomeCare => Service::HomeCare,
            Setting::CareHome => Service::CareHome,
            Setting::CommunityNursing => Service::CommunityNursing,
            Setting::Other => continue,
        };
        let provider = spec.area.services.provider_of(service)?;
        let empty_days = ((capacity as f64 - p.mean_occupied) * window_days).max(0.0);
        let empty = cost.scale(empty_days);
        if spec.area.registry.kind(provider)?.is_public_body() {
            out.empty_places_public_pence += empty;
        } else {
            out.empty_places_independent_pence += empty;
        }
        out.used_places_value_pence += cost.scale(p.mean_occupied.max(0.0) * window_days);
    }
    if spec.levers_on() {
        out.interventions_pence += spec.money.integrated_team_cost_per_person_year_pence.scale(enrolled_person_years);
    }
    out.interventions_pence += spec.money.admission_avoidance_cost_per_referral_pence.scale(avoidance_referrals as f64);
    Ok(out)
}

/// The finances of every person who needs a means test or has an estate (drawn from
/// their own keyed stream, so identical in every scenario), and their means-test
/// accounts at the start of the window (whether they would take a deferred payment
/// agreement drawn next on the same stream); defaults for everyone else.
pub fn draw_finances(
    spec: &PaymentSpec,
    log: &ActivityLog,
    master_seed: u64,
    key: RunKey,
) -> (Vec<ClientFinances>, Vec<CareAccount>) {
    let mut out = vec![ClientFinances::default(); log.age0_days.len()];
    let mut accounts = vec![CareAccount::default(); log.age0_days.len()];
    let mut needed = vec![false; log.age0_days.len()];
    for a in log.iter() {
        if let ActivityKind::Units { service: Service::HomeCare | Service::CareHome, .. } = a.kind {
            needed[a.person as usize] = true;
        }
    }
    for (p, _) in &log.deaths {
        needed[*p as usize] = true;
    }
    let means_test = match &spec.charging {
        Charging::MeansTest(m) => Some(m),
        Charging::FreeAtPointOfNeed { .. } => None,
    };
    for ((i, f), account) in out.iter_mut().enumerate().zip(accounts.iter_mut()).filter(|((i, _), _)| needed[*i]) {
        let mut rng = StreamKey {
            master_seed,
            sample: key.sample,
            replication: key.replication,
            purpose: Purpose::Finances,
            entity: i as u64,
        }
        .rng();
        let age = log.age0_days[i] as f64 / MEAN_DAYS_PER_YEAR;
        *f = super::finances::draw_finances(&spec.finances, means_test, age, &mut rng);
        let defers = super::finances::draw_deferral(&spec.finances, &mut rng);
        *account = CareAccount::open(f, defers);
    }
    (out, accounts)
}

/// Financial years wholly or partly inside the window `[warmup_day, horizon_day)`.
fn window_years(warmup_day: u32, horizon_day: u32) -> Vec<u16> {
    let first = warmup_day / DAYS_PER_YEAR;
    let last = horizon_day.saturating_sub(1) / DAYS_PER_YEAR;
    (first..=last).filter(|y| y * DAYS_PER_YEAR < horizon_day).map(|y| y as u16).collect()
}

/// One run's activity and what settling it needs.
#[derive(Clone, Copy, Debug)]
pub struct RunToSettle<'a> {
    /// The payment rules.
    pub spec: &'a PaymentSpec,
    /// Values from the pilots.
    pub calibration: &'a PaymentCalibration,
    /// The recorded activity.
    pub log: &'a ActivityLog,
    /// Unit costs (resource cost).
    pub costs: &'a UnitCosts,
    /// The experiment's master seed (people's finances).
    pub master_seed: u64,
    /// Which run (people's finances).
    pub key: RunKey,
    /// The measurement window, `[from, to)` run days.
    pub window_days: (u32, u32),
    /// The run's person-year records (the commissioner's history for year-of-care
    /// selection, with [`ActivityLog::prior_year`]).
    pub person_years: &'a PersonYearTable,
}

/// A run's observed records, year by year: the last warm-up year, then the window.
pub fn run_history(log: &ActivityLog, person_years: &PersonYearTable) -> Vec<ObservedYear> {
    let people = log.age0_days.len();
    let mut years = observed_years(&log.prior_year, people);
    years.extend(observed_years(person_years, people));
    years
}

/// The run's year-of-care enrolment: with every lever off, planned from the run's
/// records by the commissioner's risk model (re-stratified each year); with a lever on,
/// as the simulation enrolled people; none without year of care.
pub fn run_enrolment(run: &RunToSettle<'_>) -> Result<PlannedEnrolment, PaymentError> {
    let Some(y) = &run.spec.year_of_care else {
        return Ok(PlannedEnrolment::default());
    };
    if run.spec.levers_on() {
        return Ok(PlannedEnrolment { enrolments: run.log.enrolments.clone(), ..Default::default() });
    }
    let model = run.calibration.risk_model.as_ref().ok_or(PaymentError::InvalidParameter {
        name: "payment.year_of_care",
        reason: "no risk model was fitted on the pilots to select the cohort".into(),
    })?;
    let years = window_years(run.window_days.0, run.window_days.1);
    let history = run_history(run.log, run.person_years);
    Ok(plan_enrolments(&history, &run.log.deaths, model, &y.rule, &years, run.window_days.1))
}

/// Settles each financial year of the window, in order, with the run's enrolment;
/// means-test accounts carry from year to year.
fn settle_years(run: &RunToSettle<'_>, enrolments: Vec<Enrolment>) -> Result<Vec<(u16, Settlement)>, PaymentError> {
    let RunToSettle { spec, calibration, log, costs, master_seed, key, window_days, .. } = *run;
    let regime = spec.regime(calibration, enrolments)?;
    let (finances, mut accounts) = draw_finances(spec, log, master_seed, key);
    let mut out = Vec::new();
    for year in window_years(window_days.0, window_days.1) {
        let in_year = |day: u32| day / DAYS_PER_YEAR == year as u32;
        let deaths: Vec<Death> = log
            .deaths
            .iter()
            .filter(|(_, d)| in_year(*d))
            .map(|&(person, day)| {
                let f = finances[person as usize];
                Death { person, day, estate_pence: f.savings_pence + f.home_value_pence }
            })
            .collect();
        let inputs = YearInputs {
            year,
            activity: log.in_year(year),
            finances: &finances,
            accounts: &accounts,
            deaths: &deaths,
            costs,
            delayed_days: &log.reimbursable_delay_days,
            outside_cohort: OutsideCohortCare {
                council_days_by_month: &log.outside_cohort_council_days,
                finances: ClientFinances {
                    savings_pence: Pence::ZERO,
                    home_value_pence: Pence::ZERO,
                    home_disregarded: false,
                    weekly_income_pence: spec.finances.weekly_income_pence,
                },
            },
        };
        let mut settled = settle(&inputs, &regime, &spec.area)?;
        accounts = std::mem::take(&mut settled.accounts);
        out.push((year, settled));
    }
    Ok(out)
}

/// Settles every financial year of the measurement window of one run.
pub fn settle_run(run: &RunToSettle<'_>) -> Result<RunPayments, PaymentError> {
    let (spec, window_days) = (run.spec, run.window_days);
    let years = window_years(window_days.0, window_days.1);
    let mut ledger = Ledger::new();
    let mut org_years = Vec::new();
    let mut by_person_year = Vec::new();
    let mut consolidated = Vec::new();
    let mut withheld_pence = Pence::ZERO;
    let mut acute_value_by_service = [Pence::ZERO; Service::COUNT];
    let registry = &spec.area.registry;
    let planned = run_enrolment(run)?;
    for (year, s) in settle_years(run, planned.enrolments.clone())? {
        let spend = s.ledger.public_spend_by_payer(registry)?;
        consolidated.push((year, s.ledger.consolidated(registry, &s.resource_costs)?));
        let withheld = super::reinvestment::withheld_by_payer(&s.ledger).ok_or(PaymentError::InvalidParameter {
            name: "ledger",
            reason: "withheld money overflows 64-bit pence".into(),
        })?;
        withheld_pence += withheld.iter().map(|(_, a)| *a).sum::<Pence>();
        for (total, v) in acute_value_by_service.iter_mut().zip(s.acute_value_by_service) {
            *total += v;
        }
        for (org, _) in registry.iter() {
            let cost: Pence = s.resource_costs.iter().filter(|c| c.provider == org).map(|c| c.amount).sum();
            org_years.push(OrgYear {
                year,
                org,
                net_income_pence: s.ledger.net_balance(org),
                resource_cost_pence: cost,
                public_spend_pence: spend.iter().find(|(o, _)| *o == org).map_or(Pence::ZERO, |(_, a)| *a),
            });
        }
        by_person_year.extend(s.by_person.iter().map(|&(p, o, a)| (p, year, o, a)));
        ledger.merge(&s.ledger);
    }
    ledger.check_balanced().map_err(|e| PaymentError::InvalidParameter { name: "ledger", reason: e.to_string() })?;
    let first_day = years.first().map_or(0, |y| *y as u32 * DAYS_PER_YEAR).max(window_days.0);
    let enrolled_people = planned
        .enrolments
        .iter()
        .filter(|e| e.end_day.is_none_or(|d| d > first_day))
        .map(|e| e.person)
        .collect::<std::collections::BTreeSet<u32>>()
        .len() as u32;
    let enrolled_days: u64 = planned
        .enrolments
        .iter()
        .map(|e| {
            let (from, to) = (e.start_day.max(window_days.0), e.end_day.unwrap_or(window_days.1).min(window_days.1));
            to.saturating_sub(from) as u64
        })
        .sum();
    Ok(RunPayments {
        ledger: ledger.aggregate(),
        org_years,
        by_person_year,
        years,
        enrolled_people,
        enrolled_share: planned.enrolled_share,
        risk_discrimination: planned.discrimination,
        enrolled_person_years: enrolled_days as f64 / DAYS_PER_YEAR as f64,
        consolidated,
        withheld_pence,
        acute_value_by_service,
        other_costs: OtherCosts::default(),
    })
}

/// Resource cost of one activity at unit costs, with its provider.
fn cost_of(a: &Activity, costs: &UnitCosts, spec: &PaymentSpec) -> Result<ResourceCost, PaymentError> {
    let service = a.service();
    Ok(ResourceCost {
        provider: spec.area.services.provider_of(service)?,
        service,
        month: a.month(),
        amount: resource_cost(a, costs)?,
    })
}

/// One pilot run: its activity, its measurement window `[from, to)` in run days, its
/// key, and its person-year records (the history the risk model is fitted on).
pub type Pilot = (ActivityLog, (u32, u32), RunKey, PersonYearTable);

/// The scope of the spec's pool, if it has one.
fn pool_scope(spec: &PaymentSpec) -> Option<Scope> {
    match &spec.pool {
        PoolSpec::Separate => None,
        PoolSpec::BetterCareFund => Some(bcf_scope()),
        PoolSpec::SingleBudget { scope } => Some(*scope),
    }
}

/// The first pass: values taken from pilot runs of the baseline (`pilots`: each pilot's
/// activity, measurement window in days, run key and person-year records), averaged
/// per year over the pilots.
///
/// * MRET baseline: the emergency spells' tariff value after R7, at its base year;
/// * a calibrated block: the resource cost of the services it covers;
/// * pool contributions (single budget or BCF): each commissioner's **net** spend on
///   the pool's scope when the pilot is settled under separate budgets (what it paid
///   providers after client contributions and recoveries, plus the blocks wholly in
///   the scope), so that with care unchanged the pool moves no cost between them;
/// * year of care: the commissioner's risk model, fitted on the pilots' records
///   ([`RiskModel::fit_on_runs`]), and the pilots' cohorts planned with it
///   ([`plan_enrolments`]); then, with the pilots settled with no capitation, the
///   capitation per band (the holder's outlay per enrolled person-year, outlier
///   person-years left to the carve-out), who funds it (each commissioner's share of
///   that outlay), and each block's share of covered cost used by enrolled people
///   (carved out of the block). So with every lever off a year-of-care scenario costs
///   each commissioner the same in expectation. A band no pilot enrolled anyone in gets
///   the mean rate of the bands that did.
pub fn calibrate(
    spec: &PaymentSpec,
    pilots: &[Pilot],
    costs: &UnitCosts,
    master_seed: u64,
) -> Result<PaymentCalibration, PaymentError> {
    let mut years_total = 0.0;
    let mut emergency = Pence::ZERO;
    let mut block_cost = vec![Pence::ZERO; spec.blocks.len()];
    for (log, (from, to), _, _) in pilots {
        years_total += to.saturating_sub(*from) as f64 / DAYS_PER_YEAR as f64;
        for a in log.iter() {
            let c = cost_of(&a, costs, spec)?;
            if let ActivityKind::Spell { spell, .. } = a.kind
                && spell.class == AdmissionClass::Emergency
            {
                emergency += price_spell(&spell, &spec.tariff)?.paid_pence;
            }
            for (b, total) in spec.blocks.iter().zip(block_cost.iter_mut()) {
                if b.services.covers(c.service) {
                    *total += c.amount;
                }
            }
        }
    }
    if years_total <= 0.0 {
        return Err(PaymentError::InvalidParameter {
            name: "payment.pilot_replications",
            reason: "the pilot has no measurement window to calibrate from".into(),
        });
    }
    let per_year = |p: Pence| Pence::round_from_pence_f64(p.0 as f64 / years_total);
    let mut calibration = PaymentCalibration {
        // The pilot measures the model year; the baseline is its base year's value.
        mret_baseline_pence: (spec.tariff.mret.enabled && spec.tariff.mret.baseline_pence.is_none())
            .then(|| spec.tariff.mret.base_year.baseline_from_model_year(per_year(emergency))),
        block_values_pence: spec
            .blocks
            .iter()
            .zip(&block_cost)
            .map(|(b, c)| b.annual_value_pence.is_none().then(|| per_year(*c)))
            .collect(),
        block_carve_out: vec![0.0; spec.blocks.len()],
        ..Default::default()
    };
    let settle_pilot = |spec: &PaymentSpec, calibration: &PaymentCalibration, pilot: &Pilot, enrolments| {
        let (log, window, key, person_years) = pilot;
        let run =
            RunToSettle { spec, calibration, log, costs, master_seed, key: *key, window_days: *window, person_years };
        settle_years(&run, enrolments)
    };
    if let Some(scope) = pool_scope(spec) {
        let separate = PaymentSpec { pool: PoolSpec::Separate, year_of_care: None, ..spec.clone() };
        let (mut ccg, mut council) = (Pence::ZERO, Pence::ZERO);
        for pilot in pilots {
            for (_, s) in settle_pilot(&separate, &calibration, pilot, Vec::new())? {
                ccg += net_spend_on_scope(&s.spend_by_payer_service, scope, spec.area.ccg);
                council += net_spend_on_scope(&s.spend_by_payer_service, scope, spec.area.council);
            }
        }
        let (mut ccg, mut council) = (per_year(ccg), per_year(council));
        // Blocks wholly inside the scope are paid by the pool, so their value is part of
        // their payer's contribution.
        let regime = separate.regime(&calibration, Vec::new())?;
        for b in regime.blocks.iter().filter(|b| b.services.services().all(|s| scope.covers(s))) {
            if b.contract.payer == spec.area.council {
                council += b.contract.annual_value_pence;
            } else {
                ccg += b.contract.annual_value_pence;
            }
        }
        calibration.pool_contributions_pence = Some((ccg, council));
    }
    if let Some(y) = spec.year_of_care.as_ref() {
        let histories: Vec<Vec<ObservedYear>> = pilots.iter().map(|(log, _, _, t)| run_history(log, t)).collect();
        let model = RiskModel::fit_on_runs(&histories)?;
        let mut discrimination = Vec::new();
        let mut planned = Vec::with_capacity(pilots.len());
        for ((log, window, _, _), history) in pilots.iter().zip(&histories) {
            let years = window_years(window.0, window.1);
            let p = plan_enrolments(history, &log.deaths, &model, &y.rule, &years, window.1);
            discrimination.extend(p.discrimination.iter().map(|d| d.1));
            planned.push(p.enrolments);
        }
        calibration.risk_discrimination = super::year_of_care::mean_discrimination(&discrimination);
        calibration.risk_model = Some(model);
        let zero = PaymentCalibration {
            capitation: Some(CapitationRates { per_year_pence: [Pence::ZERO; 5] }),
            ..calibration.clone()
        };
        let mut baseline: Vec<BaselinePersonYear> = Vec::new();
        let mut outlay: std::collections::BTreeMap<OrgId, Pence> = Default::default();
        let mut by_provider: std::collections::BTreeMap<OrgId, Pence> = Default::default();
        let mut enrolled_block_cost = vec![Pence::ZERO; spec.blocks.len()];
        for (pilot, enrolments) in pilots.iter().zip(&planned) {
            let (log, window, _, _) = pilot;
            let by_person: std::collections::HashMap<u32, Vec<&Enrolment>> =
                enrolments.iter().fold(Default::default(), |mut m, e| {
                    m.entry(e.person).or_default().push(e);
                    m
                });
            let enrolled_now = |person: u32, day: u32| {
                by_person
                    .get(&person)
                    .is_some_and(|es| es.iter().any(|e| e.start_day <= day && e.end_day.is_none_or(|d| day < d)))
            };
            for a in log.iter() {
                let service = a.service();
                if !y.scope.covers(service) || !enrolled_now(a.person, a.day) {
                    continue;
                }
                for (b, total) in spec.blocks.iter().zip(enrolled_block_cost.iter_mut()) {
                    if b.services.covers(service) {
                        *total += resource_cost(&a, costs)?;
                    }
                }
            }
            for (year, s) in settle_pilot(spec, &zero, pilot, enrolments.clone())? {
                for (funder, amount) in &s.yoc_outlay_by_funder {
                    *outlay.entry(*funder).or_default() += *amount;
                }
                for (provider, amount) in &s.yoc_outlay_by_provider {
                    *by_provider.entry(*provider).or_default() += *amount;
                }
                let (start, end) = (year as u32 * DAYS_PER_YEAR, (year as u32 + 1) * DAYS_PER_YEAR);
                let (start, end) = (start.max(window.0), end.min(window.1));
                for e in &s.enrolled_years {
                    let mut band = Band::A;
                    let mut days = 0u32;
                    for x in by_person.get(&e.person).into_iter().flatten() {
                        let (a, b) = (x.start_day.max(start), x.end_day.unwrap_or(end).min(end));
                        if b > a {
                            days += b - a;
                            band = x.band;
                        }
                    }
                    if days > 0 {
                        baseline.push(BaselinePersonYear {
                            band,
                            exposure_days: days as f64,
                            in_scope_cost_pence: e.in_scope_cost_pence,
                        });
                    }
                }
            }
        }
        calibration.block_carve_out = enrolled_block_cost
            .iter()
            .zip(&block_cost)
            .map(|(e, t)| if *t > Pence::ZERO { e.0 as f64 / t.0 as f64 } else { 0.0 })
            .collect();
        let outlay: Vec<(OrgId, Pence)> = outlay.into_iter().collect();
        calibration.capitation_funding = CapitationFunding::from_outlay(&outlay);
        if let (true, BudgetHolder::Alliance(members)) = (y.calibrate_alliance_shares, &y.holder) {
            // Each member's share: its part of the care it delivered to the enrolled
            // people in the pilots, so that with care unchanged each funds its own.
            let shares: Vec<f64> =
                members.iter().map(|(m, _)| by_provider.get(m).map_or(0.0, |p| p.0.max(0) as f64)).collect();
            if shares.iter().all(|s| *s <= 0.0) {
                return Err(PaymentError::InvalidParameter {
                    name: "payment.year_of_care.alliance",
                    reason: "no member delivered care in scope to the people enrolled in the pilots, so the \
                             alliance's shares cannot be calibrated"
                        .into(),
                });
            }
            calibration.alliance_shares = Some(shares);
        }
        if y.capitation.is_none() {
            let (mut rates, person_years) =
                calibrate_capitation_net_of_outliers(&baseline, &y.uplift, y.outlier.as_ref());
            let covered: Vec<usize> = (1..5).filter(|&b| person_years[b] > 0.0).collect();
            if covered.is_empty() {
                return Err(PaymentError::InvalidParameter {
                    name: "payment.year_of_care.capitation",
                    reason: "the pilot enrolled nobody, so capitation cannot be calibrated".into(),
                });
            }
            let mean = covered.iter().map(|&b| rates.per_year_pence[b].0 as f64).sum::<f64>() / covered.len() as f64;
            for b in [Band::B, Band::C, Band::D, Band::E] {
                if person_years[b.index()] <= 0.0 {
                    rates.per_year_pence[b.index()] = Pence::round_from_pence_f64(mean);
                }
            }
            calibration.capitation = Some(rates);
        }
    }
    Ok(calibration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_years_cover_the_window() {
        assert_eq!(window_years(365, 730), vec![1]);
        assert_eq!(window_years(0, 730), vec![0, 1]);
        assert_eq!(window_years(100, 800), vec![0, 1, 2]);
        assert_eq!(window_years(0, 365), vec![0]);
    }
}
