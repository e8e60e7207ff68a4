//! One financial year of recorded activity settled under a payment regime: the pure pass
//! that turns activity into a [`Ledger`] and, separately, [`ResourceCost`]s.
//!
//! Resource cost depends only on the activity and unit costs ([`resource_cost`]); the
//! regime ([`Regime`]) decides only who pays whom. So a change of currency with no
//! change of activity changes no resource cost (brief §2, §7.8), which the tests check
//! on random activity.
//!
//! Per activity, under separate budgets (ASSUMPTIONs where the brief is silent):
//! * admitted spells: episode tariff R1–R5 and R7 per spell ([`price_spell`]), then R6
//!   (MRET) on each payer's monthly emergency value against a pro-rata baseline
//!   ([`mret_monthly`]); retained and withheld money is earmarked by the payer;
//! * A&E attendances: R8;
//! * community services (intermediate care, reablement, nursing) covered by a block:
//!   nothing per activity, the block pays 12 instalments; otherwise cost per case (paid
//!   at unit cost, ASSUMPTION);
//! * home care (one record = one person-week of hours) and care-home weeks: charged
//!   against each person's means-test account by [`charge_week_on_account`] (spend-down,
//!   deferred payments), in the order they happened, at the council price (= unit cost,
//!   brief §5); at death the council recovers from the estate over every year of care
//!   ([`recovery_at_death`]);
//! * primary care: cost per case by the CCG (ASSUMPTION: GP contract funding is out of
//!   scope, brief §2.5 excludes it from YoC).
//!
//! The payer of a service is its pool if one covers it, else its commissioner
//! ([`payer_of`]). For a person enrolled in year of care on the activity's day, activity
//! in the YoC scope is not paid by the payer: the budget holder pays the provider
//! (sub-contract at the usual price, so client contributions still apply to social
//! care; in an alliance, members fund their own covered activity from their capitation
//! shares); the holder is paid capitation per person-month and settles the corridor at year end
//! on its outlay for the enrolled people: what it paid sub-contractors for their covered
//! activity, plus its own cost of covered activity it delivered. Covered activity of a
//! block-funded service is the holder's to pay at cost: the enrolled people's share was
//! carved out of the block's value. CQUIN (R10) and outpatients
//! (R9) are priced by [`super::tariff`] but not settled here: the simulation records
//! neither a CQUIN outcome nor outpatient activity yet.

use std::collections::{BTreeMap, HashMap};

use super::activity::{Activity, ActivityKind, resource_cost};
use super::block::BlockContract;
use super::ledger::{Account, Currency, Ledger, Reason, ResourceCost, Transaction};
use super::organisation::{OrgId, TypicalArea};
use super::pooled::{PooledFund, payer_of};
use super::social_care::{
    CareAccount, CareSetting, Charging, ClientFinances, charge_week_on_account, estate_recovery_transaction,
    recovery_at_death, week_transactions,
};
use super::tariff::{AdmissionClass, TariffParams, ae_attendance_price, mret_monthly, price_spell};
use super::year_of_care::{
    BudgetHolder, CapitationFunding, CapitationRates, EnrolledYear, Enrolment, OutlierParams, RiskCorridor,
    SubContractBasis, YearEndSettlement, person_months, settle_year, settlement_transactions,
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
    /// Means-test accounts at the end of the year, by person index (the next year's
    /// [`YearInputs::accounts`]).
    pub accounts: Vec<CareAccount>,
    /// Net payments for activity by (payer, service): what each payer paid providers
    /// per activity (tariff after MRET, A&E, care net of client contributions, cost per
    /// case), less estate recovery; blocks, capitation and year-end risk shares are not
    /// in it. Sorted by (payer, service).
    pub spend_by_payer_service: Vec<(OrgId, Service, Pence)>,
    /// The budget holder's outlay on enrolled people's covered activity by the
    /// commissioner that pays for that activity without year of care (the block's payer
    /// for block-funded services), sorted by commissioner.
    pub yoc_outlay_by_funder: Vec<(OrgId, Pence)>,
}

fn tx(
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

/// Settles one financial year of activity under `regime` in `area`.
pub fn settle<A>(inputs: &YearInputs<'_, A>, regime: &Regime, area: &TypicalArea) -> Result<Settlement, PaymentError>
where
    A: IntoIterator<Item = Activity> + Clone,
{
    regime.tariff.validate()?;
    regime.charging.validate()?;
    let first = MonthIndex(inputs.year * 12);
    let last = MonthIndex(inputs.year * 12 + 11);
    let mut ledger = Ledger::new();
    let mut resource_costs: BTreeMap<(OrgId, Service, MonthIndex), Pence> = BTreeMap::new();
    // Emergency spell value (after R7) by (payer, provider) and month in year, for MRET.
    let mut emergency: HashMap<(OrgId, OrgId), [Pence; 12]> = HashMap::new();
    let mut accounts: Vec<CareAccount> = inputs.accounts.to_vec();
    let mut spend: BTreeMap<(OrgId, Service), Pence> = BTreeMap::new();
    let mut yoc_outlay_by_funder: BTreeMap<OrgId, Pence> = BTreeMap::new();
    let enrolments: HashMap<u32, Vec<&Enrolment>> =
        regime.year_of_care.iter().flat_map(|y| &y.enrolments).fold(HashMap::new(), |mut m, e| {
            m.entry(e.person).or_default().push(e);
            m
        });
    let enrolled = |person: u32, day: u32| {
        enrolments
            .get(&person)
            .is_some_and(|es| es.iter().any(|e| e.start_day <= day && e.end_day.is_none_or(|d| day < d)))
    };
    let mut yoc_cost_by_person: HashMap<u32, Pence> = HashMap::new();
    let mut sub_contract = Vec::new();
    let mut by_person: HashMap<(u32, OrgId), Pence> = HashMap::new();
    let mut attribute = |person: u32, payer: OrgId, amount: Pence| {
        if amount != Pence::ZERO {
            *by_person.entry((person, payer)).or_default() += amount;
        }
    };

    // Social care is charged against each person's account in the order it happened
    // (spend-down depends on it), after everything else; the rest in log order.
    let is_social = |a: &Activity| matches!(a.service(), Service::HomeCare | Service::CareHome);
    let mut social: Vec<Activity> = inputs.activity.clone().into_iter().filter(is_social).collect();
    social.sort_by_key(|a| (a.person, a.day, a.service().index()));
    let others = inputs.activity.clone().into_iter().filter(|a| !is_social(a));
    for a in others.chain(social) {
        let service = a.service();
        let provider = area.services.provider_of(service)?;
        let month = a.month();
        let cost = resource_cost(&a, inputs.costs)?;
        *resource_costs.entry((provider, service, month)).or_default() += cost;

        let covered_by_yoc =
            regime.year_of_care.as_ref().filter(|y| y.scope.covers(service) && enrolled(a.person, a.day));
        let payer = match covered_by_yoc {
            Some(y) => {
                match &y.holder {
                    BudgetHolder::PrimeProvider(h) | BudgetHolder::PrimeContractor(h) => *h,
                    // An alliance keeps capitation shares: members pay themselves.
                    BudgetHolder::Alliance(_) => provider,
                }
            }
            None => payer_of(service, &regime.pools, area),
        };
        // Covered activity the provider funds from its own capitation: no public payment
        // (a person's client contribution to social care still applies).
        let self_funded = covered_by_yoc.is_some() && payer == provider;
        let social_care = matches!(service, Service::HomeCare | Service::CareHome);
        // A block funds its provider's services for everyone not enrolled; the enrolled
        // people's share was carved out of it (the regime's block value) and their
        // covered activity is the holder's to pay, at cost.
        let block = (!social_care && matches!(a.kind, ActivityKind::Units { .. }))
            .then(|| regime.blocks.iter().find(|b| b.contract.provider == provider && b.services.covers(service)))
            .flatten();
        if block.is_some() && covered_by_yoc.is_none() {
            continue;
        }
        // Who would pay for this activity without year of care: its block's payer, its
        // pool or its commissioner.
        let baseline_payer = block.map_or_else(|| payer_of(service, &regime.pools, area), |b| b.contract.payer);
        // What the budget holder spends on this person's covered activity: what it pays
        // a sub-contractor, or its own cost when it delivers the activity itself.
        let mut outlay = |amount: Pence| {
            if covered_by_yoc.is_some() {
                *yoc_cost_by_person.entry(a.person).or_default() += amount;
                *yoc_outlay_by_funder.entry(baseline_payer).or_default() += amount;
            }
        };
        let mut spent = |payer: OrgId, amount: Pence| {
            if covered_by_yoc.is_none() && amount != Pence::ZERO {
                *spend.entry((payer, service)).or_default() += amount;
            }
        };
        if self_funded && !social_care {
            outlay(cost);
            continue;
        }
        let (currency, account) = if covered_by_yoc.is_some() {
            (Currency::SubContract, Account::SubContract)
        } else {
            (Currency::Tariff, Account::Income)
        };
        let cost_plus = |price: Pence| match (covered_by_yoc.map(|y| y.basis), price) {
            (Some(SubContractBasis::CostPlus(m)), _) => cost.scale(1.0 + m),
            (_, p) => p,
        };
        match a.kind {
            ActivityKind::Spell { spell, .. } => {
                let p = price_spell(&spell, &regime.tariff)?;
                if covered_by_yoc.is_some() {
                    outlay(cost_plus(p.paid_pence));
                    sub_contract.push(tx(
                        payer,
                        provider,
                        account,
                        month,
                        currency,
                        Reason::Spell,
                        cost_plus(p.paid_pence),
                    ));
                    continue;
                }
                attribute(a.person, payer, p.paid_pence);
                ledger.post(tx(
                    payer,
                    payer,
                    Account::ReadmissionWithheld,
                    month,
                    Currency::Tariff,
                    Reason::Spell,
                    p.readmission_withheld_pence,
                ));
                if spell.class == AdmissionClass::Emergency && regime.tariff.mret.enabled {
                    emergency.entry((payer, provider)).or_insert([Pence::ZERO; 12])[month.month_in_year() as usize] +=
                        p.paid_pence;
                } else {
                    spent(payer, p.paid_pence);
                    ledger.post(tx(
                        payer,
                        provider,
                        Account::Income,
                        month,
                        Currency::Tariff,
                        Reason::Spell,
                        p.paid_pence,
                    ));
                }
            }
            ActivityKind::AeAttendance => {
                let price = cost_plus(ae_attendance_price(&regime.tariff));
                if covered_by_yoc.is_none() {
                    attribute(a.person, payer, price);
                }
                spent(payer, price);
                outlay(price);
                ledger.post(tx(payer, provider, account, month, currency, Reason::AeAttendance, price));
            }
            ActivityKind::Units { service: s @ (Service::HomeCare | Service::CareHome), .. } => {
                let setting = if s == Service::HomeCare { CareSetting::HomeCare } else { CareSetting::CareHome };
                let finances = inputs.finances.get(a.person as usize).copied().unwrap_or_default();
                let p = a.person as usize;
                if accounts.len() <= p {
                    let opened = accounts.len()..=p;
                    accounts.extend(
                        opened.map(|i| CareAccount::open(&inputs.finances.get(i).copied().unwrap_or_default(), false)),
                    );
                }
                let charge = charge_week_on_account(cost, &finances, &mut accounts[p], setting, &regime.charging);
                let [public, client] = week_transactions(&charge, payer, area.people, provider, setting, month);
                if self_funded {
                    // Only the client contribution flows.
                    outlay(charge.council_pence);
                } else if covered_by_yoc.is_some() {
                    let amount = cost_plus(public.amount);
                    outlay(amount);
                    sub_contract.push(Transaction {
                        account,
                        currency,
                        reason: Reason::SubContractedActivity,
                        amount,
                        ..public
                    });
                } else {
                    attribute(a.person, public.payer, public.amount);
                    spent(public.payer, public.amount);
                    ledger.post(public);
                }
                attribute(a.person, client.payer, client.amount);
                ledger.post(client);
            }
            ActivityKind::Units { .. } => {
                if covered_by_yoc.is_none() {
                    attribute(a.person, payer, cost_plus(cost));
                }
                spent(payer, cost_plus(cost));
                outlay(cost_plus(cost));
                ledger.post(tx(
                    payer,
                    provider,
                    account,
                    month,
                    currency,
                    Reason::SubContractedActivity,
                    cost_plus(cost),
                ));
            }
        }
    }
    ledger.extend(sub_contract);

    // R6: MRET per payer–provider pair, monthly accrual on a pro-rata baseline.
    if regime.tariff.mret.enabled && !emergency.is_empty() {
        let baseline = regime.tariff.mret.baseline_pence.ok_or(PaymentError::InvalidParameter {
            name: "tariff.mret.baseline_pence",
            reason: "MRET is enabled but no baseline is set (take it from a baseline run)".into(),
        })?;
        let mut pairs: Vec<_> = emergency.into_iter().collect();
        pairs.sort_by_key(|(k, _)| *k);
        for ((payer, provider), months) in pairs {
            let outcomes = mret_monthly(&months, baseline, regime.tariff.mret.rate);
            for (k, o) in outcomes.iter().enumerate() {
                // A month below the pro-rata baseline after months above it pays back
                // retained money: a negative amount, posted as a reversed flow.
                let m = MonthIndex(first.0 + k as u16);
                *spend.entry((payer, Service::AcuteEmergency)).or_default() += o.paid_pence;
                ledger.post(tx(payer, provider, Account::Income, m, Currency::Tariff, Reason::Spell, o.paid_pence));
            }
            // The retained money is earmarked once, at year end (always ≥ 0).
            let retained: Pence = outcomes.iter().map(|o| o.retained_pence).sum();
            ledger.post(tx(payer, payer, Account::MretWithheld, last, Currency::Tariff, Reason::YearEnd, retained));
        }
    }

    // Blocks: 12 instalments.
    for b in &regime.blocks {
        b.contract.validate()?;
        for m in first.0..=last.0 {
            ledger.post(b.contract.monthly_transaction(MonthIndex(m)));
        }
    }

    // Estate recovery at death, over every year of care: under free care a share of
    // all the council paid; under a means test the charges deferred against the home.
    for d in inputs.deaths {
        let Some(account) = accounts.get_mut(d.person as usize) else {
            continue;
        };
        let amount = recovery_at_death(account, &regime.charging);
        if amount == Pence::ZERO {
            continue;
        }
        // The estate settles the debt: nothing is owed or recovered twice.
        account.deferred_pence = Pence::ZERO;
        account.council_paid_pence = Pence::ZERO;
        let council = payer_of(Service::CareHome, &regime.pools, area);
        attribute(d.person, area.people, amount);
        attribute(d.person, council, -amount);
        *spend.entry((council, Service::CareHome)).or_default() -= amount;
        ledger.post(estate_recovery_transaction(amount, area.people, council, MonthIndex::of_day(d.day)));
    }

    // Year of care: capitation per person-month, then the corridor.
    let mut yoc_settlement = None;
    let mut enrolled_years = Vec::new();
    if let Some(y) = &regime.year_of_care {
        y.holder.validate()?;
        y.corridor.validate()?;
        let mut capitation_by_person: HashMap<u32, Pence> = HashMap::new();
        for e in &y.enrolments {
            for pm in person_months(e, first, last) {
                let amount = y.rates.for_person_month(&pm);
                *capitation_by_person.entry(e.person).or_default() += amount;
                for (funder, part) in y.funding.split(amount) {
                    attribute(e.person, funder, part);
                    ledger.extend(y.holder.pay(funder, part, Account::YocCapitation, Reason::PersonMonth, pm.month));
                }
            }
        }
        let mut people: Vec<u32> = capitation_by_person.keys().copied().collect();
        people.sort_unstable();
        let years: Vec<EnrolledYear> = people
            .iter()
            .map(|p| EnrolledYear {
                person: *p,
                capitation_pence: capitation_by_person[p],
                in_scope_cost_pence: yoc_cost_by_person.get(p).copied().unwrap_or_default(),
            })
            .collect();
        let s = settle_year(&years, &y.corridor, y.outlier.as_ref());
        enrolled_years = years;
        ledger.extend(settlement_transactions(&s, &y.funding, &y.holder, last));
        yoc_settlement = Some(s);
    }

    // Pools last, once every flow they pay is known: contributions at the start of the
    // year, risk share at year end on the pool's net spend (outflows less inflows, other
    // than contributions and risk shares).
    for p in &regime.pools {
        p.validate()?;
        for m in first.0..=last.0 {
            ledger.extend(p.contribution_transactions(MonthIndex(m)));
        }
        let is_spend = |t: &&Transaction| {
            !t.is_earmark() && !matches!(t.account, Account::PoolContribution | Account::PoolRiskShare)
        };
        let txs = ledger.transactions();
        let out: Pence = txs.iter().filter(is_spend).filter(|t| t.payer == p.pool).map(|t| t.amount).sum();
        let back: Pence = txs.iter().filter(is_spend).filter(|t| t.payee == p.pool).map(|t| t.amount).sum();
        // The pool's spend by the contributor that commissions each service without it:
        // per-activity payments and recoveries by service, and blocks by their services.
        let owner = |service: Service| area.commissioner_of(service);
        let attributed: Vec<Pence> = p
            .contributions
            .iter()
            .map(|c| {
                let activity: Pence = spend
                    .iter()
                    .filter(|((payer, service), _)| *payer == p.pool && owner(*service) == c.contributor)
                    .map(|(_, a)| *a)
                    .sum();
                let blocks: Pence = regime
                    .blocks
                    .iter()
                    .filter(|b| b.contract.payer == p.pool)
                    .filter(|b| b.services.services().next().is_some_and(|s| owner(s) == c.contributor))
                    .map(|b| b.contract.annual_value_pence)
                    .sum();
                activity + blocks
            })
            .collect();
        ledger.extend(p.year_end_by_commissioner(out - back, &attributed, last));
    }

    let mut by_person: Vec<(u32, OrgId, Pence)> = by_person.into_iter().map(|((p, o), a)| (p, o, a)).collect();
    by_person.sort_unstable_by_key(|(p, o, _)| (*p, *o));
    let resource_costs = resource_costs
        .into_iter()
        .map(|((provider, service, month), amount)| ResourceCost { provider, service, month, amount })
        .collect();
    Ok(Settlement {
        ledger,
        resource_costs,
        year_of_care: yoc_settlement,
        enrolled_years,
        by_person,
        accounts,
        spend_by_payer_service: spend.into_iter().map(|((o, s), a)| (o, s, a)).collect(),
        yoc_outlay_by_funder: yoc_outlay_by_funder.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::Scope;
    use super::super::block::BlockContract;
    use super::super::organisation::OrgKind;
    use super::super::tariff::{HrgGroupId, IndexSpell, Spell};
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
        YearInputs { year: 0, activity: activity.iter().copied(), finances, accounts: &[], deaths, costs }
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
                    ActivityKind::Spell { spell, delayed_days: rng.random_range(0..3u32) as f64 }
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
    fn activity_change_changes_resource_cost() {
        // One extra emergency spell adds exactly its resource cost (£2,358 + 2 × £313).
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
        activity.push(Activity { person: 0, day: 205, kind: ActivityKind::Spell { spell, delayed_days: 2.0 } });
        let after = settle_all(&activity);
        let total = |s: &Settlement| s.resource_costs.iter().map(|r| r.amount).sum::<Pence>();
        assert_eq!(total(&after) - total(&before), Pence(235_800 + 62_600));
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
            Activity { person: 0, day: 10, kind: ActivityKind::Spell { spell: spell(10), delayed_days: 0.0 } },
            Activity { person: 1, day: 12, kind: ActivityKind::Spell { spell: spell(12), delayed_days: 0.0 } },
        ];
        let mut regime = separate_budgets(&area);
        regime.blocks.clear();
        regime.tariff.mret.baseline_pence = Some(Pence(300_000));
        let s = settle(&year0(&activity, &[], &[], &c), &regime, &area).unwrap();
        assert_eq!(s.ledger.account_balance(area.acute, Account::Income), Pence(351_480));
        let retained: Pence =
            s.ledger.transactions().iter().filter(|t| t.account == Account::MretWithheld).map(|t| t.amount).sum();
        assert_eq!(retained, Pence(471_600 - 351_480));
        // Surplus: £3,514.80 − £4,716 = −£1,201.20.
        assert_eq!(s.ledger.surplus(area.acute, &s.resource_costs), Pence(351_480 - 471_600));
        // MRET enabled without a baseline is an error, not a silent zero.
        regime.tariff.mret.baseline_pence = None;
        assert!(settle(&year0(&activity, &[], &[], &c), &regime, &area).is_err());
    }
}
