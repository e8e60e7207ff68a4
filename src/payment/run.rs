//! Settling a whole run: the activity a cohort run recorded ([`ActivityLog`]) is settled
//! year by year under the run's [`Regime`](super::settle::Regime), and the values a regime takes from a
//! baseline (MRET baseline, block values, single budget contributions, capitation) are
//! calibrated from pilot runs ([`calibrate`], the first of the two passes).

use super::activity::{Activity, ActivityKind, ActivityLog, resource_cost};
use super::ledger::{ConsolidatedSpend, Ledger, LedgerTable, ResourceCost};
use super::organisation::OrgId;
use super::settle::{Death, Settlement, YearInputs, settle};
use super::social_care::{Charging, ClientFinances};
use super::spec::{PaymentCalibration, PaymentSpec, PoolSpec};
use super::tariff::{AdmissionClass, price_spell};
use super::year_of_care::{Band, BaselinePersonYear, CapitationRates, calibrate_capitation};
use super::{PaymentError, Service};
use crate::cohort::UnitCosts;
use crate::money::Pence;
use crate::record::RunKey;
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
/// their own keyed stream, so identical in every scenario); default for everyone else.
pub fn draw_finances(spec: &PaymentSpec, log: &ActivityLog, master_seed: u64, key: RunKey) -> Vec<ClientFinances> {
    let mut out = vec![ClientFinances::default(); log.age0_days.len()];
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
    for (i, f) in out.iter_mut().enumerate().filter(|(i, _)| needed[*i]) {
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
    }
    out
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
}

/// Settles each financial year of the window, in order.
fn settle_years(run: &RunToSettle<'_>) -> Result<Vec<(u16, Settlement)>, PaymentError> {
    let RunToSettle { spec, calibration, log, costs, master_seed, key, window_days } = *run;
    let population = log.age0_days.len() as u64;
    let regime = spec.regime(calibration, log.enrolments.clone(), population)?;
    let finances = draw_finances(spec, log, master_seed, key);
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
            deaths: &deaths,
            costs,
            delayed_days: &log.reimbursable_delay_days,
        };
        out.push((year, settle(&inputs, &regime, &spec.area)?));
    }
    Ok(out)
}

/// Settles every financial year of the measurement window of one run.
pub fn settle_run(run: &RunToSettle<'_>) -> Result<RunPayments, PaymentError> {
    let (spec, log, window_days) = (run.spec, run.log, run.window_days);
    let years = window_years(window_days.0, window_days.1);
    let mut ledger = Ledger::new();
    let mut org_years = Vec::new();
    let mut by_person_year = Vec::new();
    let mut consolidated = Vec::new();
    let mut withheld_pence = Pence::ZERO;
    let mut acute_value_by_service = [Pence::ZERO; Service::COUNT];
    let registry = &spec.area.registry;
    for (year, s) in settle_years(run)? {
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
    let enrolled_people = log.enrolments.iter().filter(|e| e.end_day.is_none_or(|d| d > first_day)).count() as u32;
    let enrolled_days: u64 = log
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

/// One pilot run: its activity, its measurement window `[from, to)` in run days, and
/// its key.
pub type Pilot = (ActivityLog, (u32, u32), RunKey);

/// The first pass: values taken from pilot runs of the baseline (`pilots`: each pilot's
/// activity, measurement window in days and run key), averaged per year over the pilots.
///
/// * MRET baseline: the emergency spells' tariff value after R7;
/// * a calibrated block: the resource cost of the services it covers;
/// * single budget contributions: the resource cost of the in-scope services, split by
///   the commissioner that would pay for them under separate budgets (ASSUMPTION);
/// * capitation per band: the budget holder's outlay per enrolled person-year when the
///   pilot is settled with these values and no capitation, so that with every lever off
///   a year-of-care scenario costs the commissioner the same in expectation. A band no
///   pilot enrolled anyone in gets the mean rate of the bands that did.
pub fn calibrate(
    spec: &PaymentSpec,
    pilots: &[Pilot],
    costs: &UnitCosts,
    master_seed: u64,
) -> Result<PaymentCalibration, PaymentError> {
    let mut years_total = 0.0;
    let mut emergency = Pence::ZERO;
    let mut block_cost = vec![Pence::ZERO; spec.blocks.len()];
    let mut single = (Pence::ZERO, Pence::ZERO);
    for (log, (from, to), _) in pilots {
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
            if let PoolSpec::SingleBudget { scope } = &spec.pool
                && scope.covers(c.service)
            {
                if spec.area.commissioner_of(c.service) == spec.area.council {
                    single.1 += c.amount;
                } else {
                    single.0 += c.amount;
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
        capitation: None,
        block_values_pence: spec
            .blocks
            .iter()
            .zip(&block_cost)
            .map(|(b, c)| b.annual_value_pence.is_none().then(|| per_year(*c)))
            .collect(),
        single_budget_pence: matches!(spec.pool, PoolSpec::SingleBudget { .. })
            .then(|| (per_year(single.0), per_year(single.1))),
    };
    if let Some(y) = spec.year_of_care.as_ref().filter(|y| y.capitation.is_none()) {
        let zero = PaymentCalibration {
            capitation: Some(CapitationRates { per_year_pence: [Pence::ZERO; 5] }),
            ..calibration.clone()
        };
        let mut baseline: Vec<BaselinePersonYear> = Vec::new();
        for (log, window, key) in pilots {
            let run =
                RunToSettle { spec, calibration: &zero, log, costs, master_seed, key: *key, window_days: *window };
            let settled = settle_years(&run)?;
            for (year, s) in settled {
                let (start, end) = (year as u32 * DAYS_PER_YEAR, (year as u32 + 1) * DAYS_PER_YEAR);
                let (start, end) = (start.max(window.0), end.min(window.1));
                for e in &s.enrolled_years {
                    let spells = log.enrolments.iter().filter(|x| x.person == e.person);
                    let mut band = Band::A;
                    let mut days = 0u32;
                    for x in spells {
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
        let (mut rates, person_years) = calibrate_capitation(&baseline, &y.uplift);
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
