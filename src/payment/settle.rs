//! One financial year of recorded activity settled under a payment regime: the pure pass
//! that turns activity into a [`Ledger`] and, separately, [`ResourceCost`]s.
//!
//! Resource cost depends only on the activity and unit costs ([`resource_cost`]); the
//! regime ([`Regime`]) decides only who pays whom. So a change of currency with no
//! change of activity changes no resource cost (brief §2, §7.8), which the tests check
//! on random activity.
//!
//! Per activity, under separate budgets (ASSUMPTIONs where the brief is silent):
//! * admitted spells: episode tariff R1–R5 and R7 per spell
//!   ([`price_spell`]), then R6 (MRET) on each payer's
//!   monthly emergency value against a pro-rata baseline
//!   ([`mret_monthly`](super::tariff::mret_monthly)); retained and withheld money is earmarked by the payer;
//! * A&E attendances: R8;
//! * community services (intermediate care, reablement, nursing) covered by a block:
//!   nothing per activity, the block pays 12 instalments; otherwise cost per case (paid
//!   at unit cost, ASSUMPTION);
//! * home care (one record = one person-week of hours) and care-home weeks: charged
//!   against each person's means-test account by
//!   [`charge_week_on_account`](super::social_care::charge_week_on_account) (spend-down,
//!   deferred payments), in the order they happened, at the council price (= unit cost,
//!   brief §5); at death the council recovers from the estate over every year of care
//!   ([`recovery_at_death`](super::social_care::recovery_at_death));
//! * primary care: cost per case by the CCG (ASSUMPTION: GP contract funding is out of
//!   scope, brief §2.5 excludes it from YoC).
//!
//! The payer of a service is its pool if one covers it, else its commissioner
//! ([`payer_of`](super::pooled::payer_of)). For a person enrolled in year of care on the activity's day, activity
//! in the YoC scope is not paid by the payer: the budget holder pays the provider
//! (sub-contract at the usual price, so client contributions still apply to social
//! care; in an alliance, members fund their own covered activity from their capitation
//! shares); the holder is paid capitation per person-month and settles the corridor at year end
//! on its outlay for the enrolled people: what it paid sub-contractors for their covered
//! activity, plus its own cost of covered activity it delivered. Covered activity of a
//! block-funded service is the holder's to pay at cost: the enrolled people's share was
//! carved out of the block's value. Capitation and the year-end settlement are funded by
//! each commissioner for its share of the scope. CQUIN (R10) is paid in full at year end on each payer's tariff
//! income to an acute provider (ASSUMPTION: the simulation records no CQUIN outcome).
//! Outpatients (R9) are not simulated, so validation rejects their prices.
//!
//! The code follows the passes: `route` (who pays for one activity) and `price` (what
//! they pay, posted to the [`Book`]) for each activity, then the [`YEAR_END_PASSES`] in
//! order, one module each (`mret`, `cquin`, `withheld` (money withheld under R6 and R7
//! is spent, [`super::reinvestment`]), `blocks` (12 instalments and the cap and collar
//! on the year's units of the covered services), `estate_recovery`, `capitation`,
//! `pools`).

use std::collections::{BTreeMap, HashMap};

mod blocks;
mod capitation;
mod cquin;
pub mod delay_reimbursement;
mod estate_recovery;
mod mret;
mod outside_cohort;
mod pools;
mod price;
mod route;
mod withheld;

use super::activity::{Activity, ActivityKind, resource_cost};
use super::block::BlockContract;
use super::ledger::{Account, Currency, Ledger, Reason, ResourceCost, Transaction};
use super::organisation::{OrgId, TypicalArea};
use super::pooled::PooledFund;
use super::reinvestment::WithheldMoney;
use super::social_care::{CareAccount, Charging, ClientFinances};
use super::tariff::{TariffParams, ae_attendance_price, price_spell};
use super::year_of_care::{
    BudgetHolder, CapitationFunding, CapitationRates, EnrolledYear, Enrolment, OutlierParams, RiskCorridor,
    SubContractBasis, YearEndSettlement,
};
use super::{MonthIndex, PaymentError, Scope, Service};
use crate::cohort::UnitCosts;
use crate::money::Pence;

/// A block contract and the services it covers for its provider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockCover {
    /// The contract (payer, provider, annual value, cap/collar).
    pub contract: BlockContract,
    /// Services of the provider covered by the block.
    pub services: Scope,
}

impl BlockCover {
    /// The commissioner that pays the block without a pool: the commissioner of its
    /// (first) service (a pool that covers all its services pays it instead).
    pub fn commissioner(&self, area: &TypicalArea) -> OrgId {
        self.services.services().next().map_or(area.ccg, |s| area.commissioner_of(s))
    }
}

/// Year-of-care arrangements.
#[derive(Clone, Debug, PartialEq)]
pub struct YocRegime {
    /// Who pays capitation and the year-end settlement, in what shares (each
    /// commissioner, or a pool, for its share of the scope).
    pub funding: CapitationFunding,
    /// Who holds the budget.
    pub holder: BudgetHolder,
    /// Services the capitation covers.
    pub scope: Scope,
    /// Capitation per band.
    pub rates: CapitationRates,
    /// Risk corridor.
    pub corridor: RiskCorridor,
    /// High-cost outlier carve-out.
    pub outlier: Option<OutlierParams>,
    /// How the holder pays sub-contractors.
    pub basis: SubContractBasis,
    /// Enrolment spells.
    pub enrolments: Vec<Enrolment>,
}

/// A payment regime: the currencies in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Regime {
    /// Episode tariff; `mret.baseline_pence` must be set when MRET is enabled (one
    /// baseline applied to each payer–acute pair).
    pub tariff: TariffParams,
    /// Block contracts.
    pub blocks: Vec<BlockCover>,
    /// Social care charging.
    pub charging: Charging,
    /// Pooled funds (the first covering a service pays for it).
    pub pools: Vec<PooledFund>,
    /// Year of care, if in force.
    pub year_of_care: Option<YocRegime>,
    /// Care Act reimbursement of delayed days, if in force.
    pub delay_reimbursement: Option<delay_reimbursement::DelayReimbursement>,
    /// Where MRET and readmission deductions go.
    pub withheld_money: WithheldMoney,
}

/// A death, for estate recovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Death {
    /// Person index.
    pub person: u32,
    /// Run day of death.
    pub day: u32,
    /// Value of the estate, pence.
    pub estate_pence: Pence,
}

/// Everything one person-level pass needs besides the regime. `A` is the year's
/// activity, iterated once: a slice's `iter().copied()`, or
/// [`ActivityLog::in_year`](crate::payment::activity::ActivityLog::in_year) of a run's log (no copy
/// of the records).
#[derive(Clone, Copy, Debug)]
pub struct YearInputs<'a, A> {
    /// Financial year index.
    pub year: u16,
    /// Activity in the year.
    pub activity: A,
    /// Finances by person index (missing = no capital, no income).
    pub finances: &'a [ClientFinances],
    /// Each person's means-test account at the start of the year (spent-down capital,
    /// deferred charges, council payments so far), by person index; missing = opened
    /// from `finances` with no deferral.
    pub accounts: &'a [CareAccount],
    /// Deaths in the year.
    pub deaths: &'a [Death],
    /// Unit costs (resource cost).
    pub costs: &'a UnitCosts,
    /// Run days of reimbursable delayed days (see [`Year::delayed_days`]).
    pub delayed_days: &'a [u32],
    /// Care of residents placed outside the cohort that the council funds (see
    /// [`Year::outside_cohort`]).
    pub outside_cohort: OutsideCohortCare<'a>,
}

/// Care-home residents placed outside the cohort whom the council funds (the
/// council-funded share of `[self_funded_placements]`): not people of the cohort, so
/// charged as one resident with no capital above the lower limit and the cohort's
/// weekly income would be, per week of care.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OutsideCohortCare<'a> {
    /// Council-funded resident-days by payment month ([`MonthIndex`]`.0`).
    pub council_days_by_month: &'a [f64],
    /// The finances such a resident is charged by.
    pub finances: ClientFinances,
}

/// The result of settling a year.
#[derive(Clone, Debug, PartialEq)]
pub struct Settlement {
    /// Payments.
    pub ledger: Ledger,
    /// Resource cost of the activity, summed by (provider, service, month) and sorted
    /// by that key.
    pub resource_costs: Vec<ResourceCost>,
    /// Year-of-care settlement, if in force.
    pub year_of_care: Option<YearEndSettlement>,
    /// Each enrolled person's capitation and the holder's outlay on them (the inputs
    /// of the year-end settlement), by person.
    pub enrolled_years: Vec<EnrolledYear>,
    /// Payments attributable to one person, by payer, sorted by (person, payer): what
    /// their activity triggered before year-end adjustments (MRET, blocks, corridor,
    /// pool risk shares are not attributed), their capitation, their client
    /// contributions (payer = people) and estate recovery (a receipt of the council).
    pub by_person: Vec<(u32, OrgId, Pence)>,
    /// Tariff value of the year's acute activity by service (point of delivery): spells
    /// after R1-R5 and R7 (before MRET), A&E attendances at R8; whoever paid for them.
    pub acute_value_by_service: [Pence; Service::COUNT],
    /// Means-test accounts at the end of the year, by person index (the next year's
    /// [`YearInputs::accounts`]).
    pub accounts: Vec<CareAccount>,
    /// Net payments for activity by (payer, service): what each payer paid providers
    /// per activity (tariff after MRET, A&E, care net of client contributions, cost per
    /// case), less estate recovery, plus the year-end payments that arise from a
    /// service's activity: CQUIN on acute tariff income (split over the payer's acute
    /// services by their tariff payments) and withheld money spent by the rule in force
    /// (by the service it was withheld from). Blocks, capitation and year-end risk shares
    /// are not in it. Sorted by (payer, service). A pool's contributions are its
    /// contributors' net spend on its scope, and its year-end share is attributed by it.
    pub spend_by_payer_service: Vec<(OrgId, Service, Pence)>,
    /// The budget holder's outlay on enrolled people's covered activity by the
    /// commissioner that pays for that activity without year of care (the block's payer
    /// for block-funded services), sorted by commissioner.
    pub yoc_outlay_by_funder: Vec<(OrgId, Pence)>,
    /// The same outlay by the provider that delivered the care, sorted by provider (an
    /// alliance's calibrated shares).
    pub yoc_outlay_by_provider: Vec<(OrgId, Pence)>,
}

/// A transaction of `amount` from `payer` to `payee`.
pub(crate) fn tx(
    payer: OrgId,
    payee: OrgId,
    account: Account,
    month: MonthIndex,
    currency: Currency,
    reason: Reason,
    amount: Pence,
) -> Transaction {
    Transaction { payer, payee, account, month, currency, reason, amount }
}

/// The year being settled, as the year-end passes see it.
#[derive(Clone, Copy, Debug)]
pub struct Year<'a> {
    /// The regime in force.
    pub regime: &'a Regime,
    /// The area's organisations.
    pub area: &'a TypicalArea,
    /// Deaths in the year.
    pub deaths: &'a [Death],
    /// The year's first payment month.
    pub first: MonthIndex,
    /// The year's last payment month.
    pub last: MonthIndex,
    /// Run days of acute delayed days the council alone is responsible for (one entry
    /// per patient delayed at midnight).
    pub delayed_days: &'a [u32],
    /// Council-funded care of residents placed outside the cohort.
    pub outside_cohort: OutsideCohortCare<'a>,
    /// Unit costs (resource cost).
    pub costs: &'a UnitCosts,
}

/// What the settlement of a year has built so far: the ledger, and what the passes
/// after the per-activity pass read.
#[derive(Debug, Default)]
pub struct Book {
    /// Payments posted.
    pub ledger: Ledger,
    /// Resource cost by (provider, service, month).
    pub resource_costs: BTreeMap<(OrgId, Service, MonthIndex), Pence>,
    /// Emergency spell value (after R7) by (payer, provider) and month in year, for MRET.
    pub emergency: HashMap<(OrgId, OrgId), [Pence; 12]>,
    /// Each person's means-test account (spend-down, deferred charges, what the council
    /// paid over every year, for estate recovery), by person index.
    pub accounts: Vec<CareAccount>,
    /// Net payments for activity by (payer, service) ([`Settlement::spend_by_payer_service`]),
    /// with the year-end payments that arise from a service's activity (CQUIN on acute
    /// tariff income, withheld money spent) added by that service.
    pub spend: BTreeMap<(OrgId, Service), Pence>,
    /// Money withheld under R6 (MRET) and R7 (readmissions) by (payer, service it was
    /// withheld from), outside year of care, for the `withheld` pass to add to
    /// [`Book::spend`] when it is spent.
    pub withheld: BTreeMap<(OrgId, Service), Pence>,
    /// The budget holder's outlay by the commissioner that would pay without year of
    /// care ([`Settlement::yoc_outlay_by_funder`]).
    pub yoc_outlay_by_funder: BTreeMap<OrgId, Pence>,
    /// The same outlay by the provider that delivered the care
    /// ([`Settlement::yoc_outlay_by_provider`]).
    pub yoc_outlay_by_provider: BTreeMap<OrgId, Pence>,
    /// The year-of-care budget holder's outlay on each enrolled person.
    pub yoc_cost_by_person: HashMap<u32, Pence>,
    /// Activity the year-of-care budget holder sub-contracts, posted to the ledger
    /// after the per-activity pass.
    pub sub_contract: Vec<Transaction>,
    /// Payments attributable to each person, by payer.
    pub by_person: HashMap<(u32, OrgId), Pence>,
    /// Year-of-care settlement, if in force.
    pub year_of_care: Option<YearEndSettlement>,
    /// Each enrolled person's capitation and the holder's outlay on them.
    pub enrolled_years: Vec<EnrolledYear>,
    /// Tariff value of the year's acute activity by service ([`Settlement::acute_value_by_service`]).
    pub acute_value_by_service: [Pence; Service::COUNT],
    /// Units of activity counted by each block's cap and collar, in
    /// [`Regime::blocks`] order (empty when no activity was counted).
    pub block_units: Vec<f64>,
}

impl Book {
    /// Attributes `amount` paid by `payer` to `person` (see [`Settlement::by_person`]).
    pub fn attribute(&mut self, person: u32, payer: OrgId, amount: Pence) {
        if amount != Pence::ZERO {
            *self.by_person.entry((person, payer)).or_default() += amount;
        }
    }
}

/// A year-end pass: reads the book of the passes before it and posts to its ledger.
pub type Pass = fn(&mut Book, &Year<'_>) -> Result<(), PaymentError>;

/// The year-end passes, in the order they run after the per-activity pass (`price`):
/// MRET (R6), block instalments, estate recovery, year-of-care capitation and corridor,
/// and pools last, once every flow they pay is known. A new pass is a module with a
/// [`Pass`] function, added here in its place.
pub const YEAR_END_PASSES: [(&str, Pass); 9] = [
    ("mret", mret::pass),
    ("cquin", cquin::pass),
    ("withheld", withheld::pass),
    ("blocks", blocks::pass),
    ("estate_recovery", estate_recovery::pass),
    ("delay_reimbursement", delay_reimbursement::pass),
    ("outside_cohort", outside_cohort::pass),
    ("year_of_care", capitation::pass),
    ("pools", pools::pass),
];

/// Settles one financial year of activity under `regime` in `area`. The regime is
/// trusted: it is built from a validated [`PaymentSpec`](super::spec::PaymentSpec),
/// whose validation (`crate::config::payment`) includes each rule's own checks, so no
/// rule is checked again here.
pub fn settle<A>(inputs: &YearInputs<'_, A>, regime: &Regime, area: &TypicalArea) -> Result<Settlement, PaymentError>
where
    A: IntoIterator<Item = Activity> + Clone,
{
    let year = Year {
        regime,
        area,
        deaths: inputs.deaths,
        first: MonthIndex(inputs.year * 12),
        last: MonthIndex(inputs.year * 12 + 11),
        delayed_days: inputs.delayed_days,
        outside_cohort: inputs.outside_cohort,
        costs: inputs.costs,
    };
    let mut book = Book { accounts: inputs.accounts.to_vec(), ..Book::default() };
    let enrolments = route::Enrolments::of(regime);
    // Social care is charged against each person's account in the order it happened
    // (spend-down depends on it), after everything else; the rest in log order.
    let is_social = |a: &Activity| matches!(a.service(), Service::HomeCare | Service::CareHome);
    let mut social: Vec<Activity> = inputs.activity.clone().into_iter().filter(is_social).collect();
    social.sort_by_key(|a| (a.person, a.day, a.service().index()));
    let others = inputs.activity.clone().into_iter().filter(|a| !is_social(a));
    for a in others.chain(social) {
        let r = route::route(&a, regime, area, &enrolments)?;
        let cost = resource_cost(&a, inputs.costs)?;
        *book.resource_costs.entry((r.provider, r.service, r.month)).or_default() += cost;
        price::price(&mut book, &a, &r, cost, regime, area, inputs.finances)?;
        match a.kind {
            ActivityKind::Spell { spell, .. } => {
                book.acute_value_by_service[r.service.index()] += price_spell(&spell, &regime.tariff)?.paid_pence
            }
            ActivityKind::AeAttendance => {
                book.acute_value_by_service[r.service.index()] += ae_attendance_price(&regime.tariff)
            }
            ActivityKind::Units { units, .. } => {
                if book.block_units.len() != regime.blocks.len() {
                    book.block_units = vec![0.0; regime.blocks.len()];
                }
                for (b, counted) in regime.blocks.iter().zip(book.block_units.iter_mut()) {
                    if b.contract.cap_collar.is_some()
                        && b.contract.provider == r.provider
                        && b.services.covers(r.service)
                    {
                        *counted += units;
                    }
                }
            }
        }
    }
    let sub_contract = std::mem::take(&mut book.sub_contract);
    book.ledger.extend(sub_contract);
    for (_, pass) in YEAR_END_PASSES {
        pass(&mut book, &year)?;
    }
    let mut by_person: Vec<(u32, OrgId, Pence)> = book.by_person.into_iter().map(|((p, o), a)| (p, o, a)).collect();
    by_person.sort_unstable_by_key(|(p, o, _)| (*p, *o));
    let resource_costs = book
        .resource_costs
        .into_iter()
        .map(|((provider, service, month), amount)| ResourceCost { provider, service, month, amount })
        .collect();
    Ok(Settlement {
        ledger: book.ledger,
        resource_costs,
        year_of_care: book.year_of_care,
        enrolled_years: book.enrolled_years,
        by_person,
        acute_value_by_service: book.acute_value_by_service,
        accounts: book.accounts,
        spend_by_payer_service: book.spend.into_iter().map(|((o, s), a)| (o, s, a)).collect(),
        yoc_outlay_by_funder: book.yoc_outlay_by_funder.into_iter().collect(),
        yoc_outlay_by_provider: book.yoc_outlay_by_provider.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::Scope;
    use super::super::activity::ActivityKind;
    use super::super::block::BlockContract;
    use super::super::organisation::OrgKind;
    use super::super::tariff::{AdmissionClass, HrgGroupId, IndexSpell, Spell};
    use super::super::year_of_care::{Band, scope_in_currency, scope_include_if_possible};
    use super::*;
    use crate::rng::{Purpose, StreamKey};
    use rand::RngExt;

    fn costs() -> UnitCosts {
        crate::payment::test_unit_costs()
    }

    /// Random activity for 200 people over year 0, from a fixed-seed stream.
    /// Year 0's inputs over `activity`.
    fn year0<'a>(
        activity: &'a [Activity],
        finances: &'a [ClientFinances],
        deaths: &'a [Death],
        costs: &'a UnitCosts,
    ) -> YearInputs<'a, std::iter::Copied<std::slice::Iter<'a, Activity>>> {
        YearInputs {
            year: 0,
            activity: activity.iter().copied(),
            finances,
            accounts: &[],
            deaths,
            costs,
            delayed_days: &[],
            outside_cohort: OutsideCohortCare::default(),
        }
    }

    fn random_activity(entity: u64) -> (Vec<Activity>, Vec<ClientFinances>, Vec<Death>) {
        let mut rng =
            StreamKey { master_seed: 1516, sample: 0, replication: 0, purpose: Purpose::Parameters, entity }.rng();
        let mut activity = Vec::new();
        let mut last_discharge: HashMap<u32, IndexSpell> = HashMap::new();
        for _ in 0..600 {
            let person = rng.random_range(0..200u32);
            let day = rng.random_range(0..360u32);
            let kind = match rng.random_range(0..8u8) {
                0 | 1 => {
                    let class = [AdmissionClass::Emergency, AdmissionClass::Elective, AdmissionClass::DayCase]
                        [rng.random_range(0..3usize)];
                    let los = if class == AdmissionClass::DayCase { 0 } else { rng.random_range(0..40u32) };
                    let admission_day = day.saturating_sub(los);
                    let spell = Spell {
                        hrg_group: HrgGroupId(0),
                        class,
                        admission_day,
                        discharge_day: day,
                        age_years: rng.random_range(60..100u8),
                        previous_discharge: last_discharge.get(&person).copied(),
                        exclusion: None,
                        specialised: false,
                    };
                    last_discharge.insert(person, IndexSpell { discharge_day: day, elective: class.is_elective() });
                    let delayed_days = rng.random_range(0..3u32) as f64;
                    let stay_days = if class == AdmissionClass::DayCase { 0.3 } else { los as f64 + 0.5 };
                    ActivityKind::Spell { spell, stay_days, delayed_days }
                }
                2 => ActivityKind::AeAttendance,
                k => {
                    let service = [
                        Service::IntermediateCare,
                        Service::CommunityNursing,
                        Service::HomeCare,
                        Service::CareHome,
                        Service::PrimaryCare,
                        Service::Reablement,
                    ][(k - 3) as usize % 6];
                    let units = if service == Service::CareHome { 1.0 } else { rng.random_range(1..15u32) as f64 };
                    ActivityKind::Units { service, units }
                }
            };
            activity.push(Activity { person, day, kind });
        }
        // Spells must be in discharge order for the readmission index to make sense; the
        // generator above links each spell to the person's previous generated spell, so
        // sort by day keeps most links forward in time (backward ones are ignored by R7).
        activity.sort_by_key(|a| a.day);
        let finances = (0..200)
            .map(|_| ClientFinances {
                savings_pence: Pence(rng.random_range(0..4_000_000i64)),
                home_value_pence: Pence(rng.random_range(0..30_000_000i64)),
                home_disregarded: false,
                weekly_income_pence: Pence(rng.random_range(0..40_000i64)),
            })
            .collect();
        let deaths = (0..10)
            .map(|i| Death { person: i * 20, day: 300, estate_pence: Pence(rng.random_range(0..50_000_000i64)) })
            .collect();
        (activity, finances, deaths)
    }

    fn separate_budgets(area: &TypicalArea) -> Regime {
        let mut tariff = TariffParams::default();
        tariff.mret.baseline_pence = Some(Pence(5_000_000));
        Regime {
            tariff,
            blocks: vec![BlockCover {
                contract: BlockContract {
                    payer: area.ccg,
                    provider: area.community,
                    annual_value_pence: Pence(50_000_000),
                    cap_collar: None,
                },
                services: Scope::of(&[Service::IntermediateCare, Service::CommunityNursing]),
            }],
            charging: Charging::default(),
            pools: Vec::new(),
            year_of_care: None,
            delay_reimbursement: None,
            withheld_money: WithheldMoney::SpentBy { provider: area.community },
        }
    }

    fn integrated(area: &TypicalArea) -> Regime {
        // Barker single budget covering everything but elective care, free personal care
        // with 50% estate recovery, and YoC for 40 people held by the ICO.
        let mut pool = PooledFund::better_care_fund(area, 1_000);
        pool.scope = PooledFund::barker_scope(&[Service::AcuteEmergency, Service::AccidentAndEmergency]);
        let enrolments = (0..40)
            .map(|p| Enrolment { person: p * 5, band: Band::C, start_day: 91, end_day: (p % 7 == 0).then_some(250) })
            .collect();
        let mut tariff = TariffParams::default();
        tariff.mret.baseline_pence = Some(Pence(5_000_000));
        Regime {
            tariff,
            blocks: Vec::new(),
            charging: Charging::FreeAtPointOfNeed { estate_recovery_fraction: 0.5 },
            pools: vec![pool],
            year_of_care: Some(YocRegime {
                funding: CapitationFunding::single(area.pool),
                holder: BudgetHolder::PrimeProvider(area.ico),
                scope: scope_in_currency(),
                rates: CapitationRates::default(),
                corridor: RiskCorridor::default(),
                outlier: Some(OutlierParams::default()),
                basis: SubContractBasis::Price,
                enrolments,
            }),
            delay_reimbursement: None,
            withheld_money: WithheldMoney::SpentBy { provider: area.community },
        }
    }

    fn check_identities(s: &Settlement, area: &TypicalArea) {
        s.ledger.check_balanced().unwrap();
        // Σ provider net income = public spend + people's net payments.
        let provider_income: Pence =
            area.registry.iter().filter(|(_, o)| o.kind.is_provider()).map(|(id, _)| s.ledger.net_balance(id)).sum();
        let public: Pence = s.ledger.public_spend_by_payer(&area.registry).unwrap().iter().map(|r| r.1).sum();
        let people = -s.ledger.net_balance(area.people);
        assert_eq!(provider_income, public + people);
        assert_eq!(area.registry.kind(area.people).unwrap(), OrgKind::Person);
    }

    #[test]
    fn a_holder_sub_contracting_at_the_usual_prices_pays_the_acute_trust_what_the_commissioner_did() {
        // Everyone enrolled all year, acute care in scope, MRET off (so the commissioner
        // pays each spell its price): the acute trust gets the same tariff income and
        // CQUIN from the holder as from the commissioner, R7's deduction is withheld all
        // the same, and the holder's outlay on each person includes the CQUIN and the
        // withheld money it spends.
        let area = TypicalArea::new();
        let (activity, finances, deaths) = random_activity(3);
        let c = costs();
        let inputs = year0(&activity, &finances, &deaths, &c);
        let mut separate = separate_budgets(&area);
        separate.tariff.mret.enabled = false;
        separate.blocks.clear();
        let mut yoc = integrated(&area);
        yoc.pools.clear();
        yoc.tariff = separate.tariff.clone();
        yoc.charging = separate.charging;
        if let Some(y) = yoc.year_of_care.as_mut() {
            y.funding = CapitationFunding::single(area.ccg);
            y.enrolments =
                (0..200).map(|p| Enrolment { person: p, band: Band::C, start_day: 0, end_day: None }).collect();
            assert!(y.scope.covers(Service::AcuteEmergency) && y.scope.covers(Service::AccidentAndEmergency));
        }
        let a = settle(&inputs, &separate, &area).unwrap();
        let b = settle(&inputs, &yoc, &area).unwrap();
        check_identities(&b, &area);
        let acute = |s: &Settlement| s.ledger.net_balance(area.acute);
        assert!(acute(&a) > Pence::ZERO);
        // CQUIN is a fraction of each payer's total, so the split may round differently.
        assert!((acute(&a) - acute(&b)).0.abs() <= 2, "{:?} vs {:?}", acute(&a), acute(&b));
        let cquin_by = |s: &Settlement, payer: OrgId| -> Pence {
            s.ledger
                .transactions()
                .iter()
                .filter(|t| t.account == Account::Cquin && t.payer == payer)
                .map(|t| t.amount)
                .sum()
        };
        assert!(cquin_by(&b, area.ico) > Pence::ZERO, "the holder pays CQUIN");
        assert_eq!(cquin_by(&a, area.ico), Pence::ZERO);
        let withheld = |s: &Settlement| -> Pence {
            crate::payment::reinvestment::withheld_by_payer(&s.ledger).unwrap().iter().map(|w| w.1).sum()
        };
        assert!(withheld(&a) > Pence::ZERO);
        assert_eq!(withheld(&a), withheld(&b));
    }

    #[test]
    fn currency_change_without_activity_change_changes_no_resource_cost() {
        let area = TypicalArea::new();
        for entity in 0..10 {
            let (activity, finances, deaths) = random_activity(entity);
            let c = costs();
            let inputs = year0(&activity, &finances, &deaths, &c);
            let a = settle(&inputs, &separate_budgets(&area), &area).unwrap();
            let b = settle(&inputs, &integrated(&area), &area).unwrap();
            let mut alliance = integrated(&area);
            if let Some(y) = alliance.year_of_care.as_mut() {
                y.holder = BudgetHolder::Alliance(vec![(area.acute, 0.7), (area.community, 0.3)]);
                y.scope = scope_include_if_possible();
            }
            let c3 = settle(&inputs, &alliance, &area).unwrap();
            check_identities(&c3, &area);
            assert_eq!(c3.resource_costs, a.resource_costs);
            assert!(c3.ledger.transactions().iter().all(|t| t.account != Account::SubContract));
            assert_eq!(c3.ledger.net_balance(area.pool), Pence::ZERO);
            check_identities(&a, &area);
            check_identities(&b, &area);
            // Same activity → identical resource cost, by provider, service and month.
            assert_eq!(a.resource_costs, b.resource_costs);
            let expect: Pence = activity.iter().map(|x| resource_cost(x, &c).unwrap()).sum();
            assert_eq!(a.resource_costs.iter().map(|r| r.amount).sum::<Pence>(), expect);
            // ... while money moves differently.
            assert_ne!(a.ledger.aggregate(), b.ledger.aggregate());
            assert!(b.year_of_care.is_some());
            // The pool ends the year at zero: contributions − net spend − risk share.
            assert_eq!(b.ledger.net_balance(area.pool), Pence::ZERO);
            assert_ne!(b.ledger.account_balance(area.pool, Account::PoolRiskShare), Pence::ZERO);
            assert!(b.ledger.transactions().iter().any(|t| t.account == Account::SubContract));
        }
    }

    #[test]
    fn a_pure_price_change_moves_transfers_never_resource_cost() {
        // Tariff prices and the MRET baseline change who gets paid what between public
        // bodies: resource cost and the consolidated spend stay put (to the penny),
        // while the acute trust's income moves.
        let area = TypicalArea::new();
        for entity in 0..5 {
            let (activity, finances, deaths) = random_activity(entity);
            let c = costs();
            let inputs = year0(&activity, &finances, &deaths, &c);
            let base = separate_budgets(&area);
            let a = settle(&inputs, &base, &area).unwrap();
            let mut priced = base.clone();
            priced.tariff.groups[0].non_elective_pence = Pence(180_000);
            priced.tariff.groups[0].excess_bed_day_pence = Pence(20_000);
            priced.tariff.mret.baseline_pence = Some(Pence(1_000_000));
            priced.tariff.mret.rate = 0.5;
            let b = settle(&inputs, &priced, &area).unwrap();
            assert_eq!(a.resource_costs, b.resource_costs);
            assert_ne!(a.ledger.net_balance(area.acute), b.ledger.net_balance(area.acute));
            let (ca, cb) = (
                a.ledger.consolidated(&area.registry, &a.resource_costs).unwrap(),
                b.ledger.consolidated(&area.registry, &b.resource_costs).unwrap(),
            );
            assert_eq!(ca, cb);
            assert!(ca.check_identity());
            // A price paid to an independent provider is a transfer: the care home fee
            // is the council price, so means-tested charging moves transfers only.
            let mut free = base.clone();
            free.charging = Charging::FreeAtPointOfNeed { estate_recovery_fraction: 0.0 };
            let f = settle(&inputs, &free, &area).unwrap();
            let cf = f.ledger.consolidated(&area.registry, &f.resource_costs).unwrap();
            assert_eq!(cf.resource_cost_pence, ca.resource_cost_pence);
            assert!(cf.transfers_pence > ca.transfers_pence, "free care: people pay less, the public more");
        }
    }

    #[test]
    fn activity_change_changes_resource_cost() {
        // One extra 5-day emergency spell adds exactly its resource cost: the per-spell
        // part and five bed-days (its two delayed days among them), £542.60 + 5 × £313.
        let area = TypicalArea::new();
        let (mut activity, finances, deaths) = random_activity(3);
        let c = costs();
        let settle_all = |activity: &[Activity]| {
            settle(&year0(activity, &finances, &deaths, &c), &separate_budgets(&area), &area).unwrap()
        };
        let before = settle_all(&activity);
        let spell = Spell {
            hrg_group: HrgGroupId(0),
            class: AdmissionClass::Emergency,
            admission_day: 200,
            discharge_day: 205,
            age_years: 80,
            previous_discharge: None,
            exclusion: None,
            specialised: false,
        };
        activity.push(Activity {
            person: 0,
            day: 205,
            kind: ActivityKind::Spell { spell, stay_days: 5.0, delayed_days: 2.0 },
        });
        let after = settle_all(&activity);
        let total = |s: &Settlement| s.resource_costs.iter().map(|r| r.amount).sum::<Pence>();
        assert_eq!(total(&after) - total(&before), Pence(54_260 + 5 * 31_300));
    }

    #[test]
    fn residents_placed_outside_the_cohort_are_paid_for_by_the_council_week_by_week() {
        // 700 council-funded resident-days (100 weeks) in every month of year 0 and in
        // the first month of year 1; no cohort activity.
        let area = TypicalArea::new();
        let c = costs();
        let days = vec![700.0; 13];
        let finances = ClientFinances { weekly_income_pence: Pence(11_595), ..Default::default() };
        let inputs = YearInputs {
            outside_cohort: OutsideCohortCare { council_days_by_month: &days, finances },
            ..year0(&[], &[], &[], &c)
        };
        let separate = separate_budgets(&area);
        let week = crate::payment::social_care::charge_week(
            c.care_home_week,
            &finances,
            crate::payment::social_care::CareSetting::CareHome,
            &separate.charging,
        );
        assert!(week.client_pence > Pence::ZERO && week.council_pence > Pence::ZERO, "{week:?}");
        let weeks = 12 * 100;
        let s = settle(&inputs, &separate, &area).unwrap();
        check_identities(&s, &area);
        // The council pays the price less the contribution; people the contribution; the
        // care homes are paid the price, which is their resource cost. Year 1's month is
        // not in year 0.
        assert_eq!(s.ledger.net_balance(area.council), Pence(-(c.care_home_week.0 - week.client_pence.0) * weeks));
        assert_eq!(s.ledger.net_balance(area.people), Pence(-week.client_pence.0 * weeks));
        assert_eq!(s.ledger.net_balance(area.care_homes), Pence(c.care_home_week.0 * weeks));
        let cost: Pence = s.resource_costs.iter().filter(|r| r.provider == area.care_homes).map(|r| r.amount).sum();
        assert_eq!(cost, Pence(c.care_home_week.0 * weeks));
        assert!(s.spend_by_payer_service.contains(&(
            area.council,
            Service::CareHome,
            Pence((c.care_home_week.0 - week.client_pence.0) * weeks)
        )));
        // A pool that covers care homes pays instead, and its risk share by commissioner
        // leaves the council where it was.
        let mut pooled = separate.clone();
        let scope = Scope::of(&[Service::HomeCare, Service::CareHome]);
        pooled.pools = vec![PooledFund::calibrated(&area, scope, Pence(0), Pence(1_000_000))];
        let p = settle(&inputs, &pooled, &area).unwrap();
        check_identities(&p, &area);
        assert_eq!(p.ledger.net_balance(area.council), s.ledger.net_balance(area.council));
        assert_eq!(p.ledger.net_balance(area.pool), Pence::ZERO);
    }

    #[test]
    fn a_pool_with_risk_share_by_commissioner_leaves_each_commissioner_its_separate_spend() {
        // Community services and social care pooled, the community block (with a cap
        // and collar that bite) paid by the pool, contributions set at nothing in
        // particular: whatever the contributions, each commissioner ends the year having
        // paid what it pays under separate budgets, collar refunds included.
        let area = TypicalArea::new();
        let c = costs();
        for (entity, planned_units_per_year) in [(5, 10.0), (6, 100_000.0)] {
            let (activity, finances, deaths) = random_activity(entity);
            let inputs = year0(&activity, &finances, &deaths, &c);
            let mut separate = separate_budgets(&area);
            separate.blocks[0].contract.cap_collar = Some(super::super::block::CapCollar {
                planned_units_per_year,
                cap: 1.1,
                collar: 0.9,
                marginal_price_pence: Pence(3_200),
            });
            let scope = Scope::of(&[
                Service::IntermediateCare,
                Service::CommunityNursing,
                Service::Reablement,
                Service::HomeCare,
                Service::CareHome,
            ]);
            let mut pooled = separate.clone();
            pooled.pools = vec![PooledFund::calibrated(&area, scope, Pence(40_000_000), Pence(7_000_000))];
            pooled.blocks[0].contract.payer = area.pool;
            let a = settle(&inputs, &separate, &area).unwrap();
            let b = settle(&inputs, &pooled, &area).unwrap();
            check_identities(&b, &area);
            assert_ne!(
                b.ledger.account_balance(area.community, Account::Block),
                Pence(50_000_000),
                "the cap or collar bites"
            );
            for org in [area.ccg, area.council] {
                assert_eq!(a.ledger.net_balance(org), b.ledger.net_balance(org), "{org:?}");
            }
            assert_eq!(b.ledger.net_balance(area.pool), Pence::ZERO);
        }
    }

    #[test]
    fn a_block_cap_and_collar_settles_on_the_years_activity() {
        // Nursing on a £100,000 block planned at 1,000 visits, cap 110%, collar 90%,
        // £32 a visit outside the corridor.
        let area = TypicalArea::new();
        let c = costs();
        let visits = |n: usize| -> Vec<Activity> {
            (0..n)
                .map(|k| Activity {
                    person: k as u32 % 50,
                    day: (k % 360) as u32,
                    kind: ActivityKind::Units { service: Service::CommunityNursing, units: 1.0 },
                })
                .collect()
        };
        let mut regime = separate_budgets(&area);
        regime.blocks = vec![BlockCover {
            contract: BlockContract {
                payer: area.ccg,
                provider: area.community,
                annual_value_pence: Pence(10_000_000),
                cap_collar: Some(super::super::block::CapCollar {
                    planned_units_per_year: 1_000.0,
                    cap: 1.1,
                    collar: 0.9,
                    marginal_price_pence: Pence(3_200),
                }),
            },
            services: Scope::of(&[Service::CommunityNursing]),
        }];
        let block_of = |regime: &Regime, n: usize| {
            let a = visits(n);
            let s = settle(&year0(&a, &[], &[], &c), regime, &area).unwrap();
            s.ledger.check_balanced().unwrap();
            s.ledger.account_balance(area.community, Account::Block)
        };
        // 1,200 visits: 100 above the cap of 1,100 → +£3,200; 700: 200 below the
        // collar of 900 → −£6,400; 1,000: the block alone.
        assert_eq!(block_of(&regime, 1_200), Pence(10_000_000 + 320_000));
        assert_eq!(block_of(&regime, 700), Pence(10_000_000 - 640_000));
        assert_eq!(block_of(&regime, 1_000), Pence(10_000_000));
        // Without the cap and collar, activity changes nothing.
        regime.blocks[0].contract.cap_collar = None;
        assert_eq!(block_of(&regime, 1_200), Pence(10_000_000));
    }

    #[test]
    fn separate_budgets_small_worked_example() {
        // Two emergency spells of 5 days (no readmission) at £2,358, baseline £3,000 a
        // year (pro rata £250 a month), rate 30%, both in April: value £4,716; April
        // baseline £250; marginal £4,466; paid £250 + £1,339.80 = £1,589.80; retained
        // £3,126.20. Then the baseline accrues in later months with no activity; the
        // cumulative rule reconciles by year end: paid = £3,000 + 0.3 × £1,716 = £3,514.80.
        let area = TypicalArea::new();
        let c = costs();
        let spell = |day| Spell {
            hrg_group: HrgGroupId(0),
            class: AdmissionClass::Emergency,
            admission_day: day - 5,
            discharge_day: day,
            age_years: 80,
            previous_discharge: None,
            exclusion: None,
            specialised: false,
        };
        let activity = [
            Activity {
                person: 0,
                day: 10,
                kind: ActivityKind::Spell { spell: spell(10), stay_days: 5.0, delayed_days: 0.0 },
            },
            Activity {
                person: 1,
                day: 12,
                kind: ActivityKind::Spell { spell: spell(12), stay_days: 5.0, delayed_days: 0.0 },
            },
        ];
        let mut regime = separate_budgets(&area);
        regime.blocks.clear();
        regime.tariff.mret.baseline_pence = Some(Pence(300_000));
        let s = settle(&year0(&activity, &[], &[], &c), &regime, &area).unwrap();
        assert_eq!(s.ledger.account_balance(area.acute, Account::Income), Pence(351_480));
        let retained: Pence =
            s.ledger.transactions().iter().filter(|t| t.account == Account::MretWithheld).map(|t| t.amount).sum();
        assert_eq!(retained, Pence(471_600 - 351_480));
        // CQUIN: 2.5% of the £3,514.80 paid, £87.87, at year end.
        assert_eq!(s.ledger.account_balance(area.acute, Account::Cquin), Pence(8_787));
        // Resource cost: 2 × (£542.60 + 5 × £313) = £4,215.20; surplus £3,514.80 +
        // £87.87 − £4,215.20.
        assert_eq!(s.ledger.surplus(area.acute, &s.resource_costs), Pence(351_480 + 8_787 - 421_520));
        // The retained £1,201.20 is spent: the community provider receives it, so the
        // CCG spends the full £4,716 (and CQUIN) and MRET saves the public sector nothing.
        assert_eq!(s.ledger.account_balance(area.community, Account::Reinvestment), Pence(120_120));
        assert_eq!(s.ledger.net_balance(area.ccg), Pence(-471_600 - 8_787));
        let cons = s.ledger.consolidated(&area.registry, &s.resource_costs).unwrap();
        assert_eq!((cons.total_pence, cons.transfers_pence), (Pence(421_520), Pence::ZERO));
        // Kept by the commissioner instead, it is the CCG's saving and the trust's loss,
        // and the consolidated figure is the same.
        let mut kept = regime.clone();
        kept.withheld_money = WithheldMoney::Retained;
        let k = settle(&year0(&activity, &[], &[], &c), &kept, &area).unwrap();
        assert_eq!(k.ledger.net_balance(area.ccg), Pence(-351_480 - 8_787));
        assert_eq!(k.ledger.consolidated(&area.registry, &k.resource_costs).unwrap(), cons);
        // MRET enabled without a baseline is an error, not a silent zero.
        regime.tariff.mret.baseline_pence = None;
        assert!(settle(&year0(&activity, &[], &[], &c), &regime, &area).is_err());
    }
}
