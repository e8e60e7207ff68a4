//! A double-entry ledger in integer pence (brief §7.5).
//!
//! Every [`Transaction`] debits the payer and credits the payee by the same amount, in
//! one [`Account`], month and [`Currency`]. A transaction whose payer is its payee is an
//! **earmark** (e.g. MRET money retained by the commissioner for reinvestment): it is
//! recorded but moves no money between organisations and is not public spend.
//!
//! Separately, [`ResourceCost`] records what activity cost the provider that delivered
//! it (at unit costs, brief §5). The two views give provider surplus (income − resource
//! cost) and public spend by payer.

use super::organisation::{OrgId, Registry};
use super::{MonthIndex, PaymentError, Service};
use crate::money::Pence;

named_enum! {
    /// Ledger account (what kind of flow a transaction is).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Account {
        /// Activity income: tariff, per-hour / per-week care prices.
        Income = 0 => "income",
        /// Block contract instalments and cap/collar adjustments.
        Block = 1 => "block",
        /// Emergency activity value above the MRET baseline retained by the commissioner.
        MretWithheld = 2 => "mret_withheld",
        /// Readmission payments withheld under the 30-day rule.
        ReadmissionWithheld = 3 => "readmission_withheld",
        /// CQUIN quality incentive.
        Cquin = 4 => "cquin",
        /// Year-of-care capitation.
        YocCapitation = 5 => "yoc_capitation",
        /// Year-of-care risk corridor settlement.
        YocRiskShare = 6 => "yoc_risk_share",
        /// Year-of-care high-cost outlier carve-out.
        YocOutlier = 7 => "yoc_outlier",
        /// Payments from a budget holder to its sub-contractors.
        SubContract = 8 => "sub_contract",
        /// Contributions into a pooled fund.
        PoolContribution = 9 => "pool_contribution",
        /// Pooled fund year-end over/underspend share.
        PoolRiskShare = 10 => "pool_risk_share",
        /// Client contributions to social care.
        ClientContribution = 11 => "client_contribution",
        /// Social care costs recovered from estates.
        EstateRecovery = 12 => "estate_recovery",
        /// Reimbursement by the council to the acute trust for delayed days it is
        /// responsible for (Care Act 2014).
        DelayReimbursement = 13 => "delay_reimbursement",
        /// Withheld money (MRET retention, unpaid readmissions) a commissioner spends from
        /// its reinvestment account on demand management and discharge support.
        Reinvestment = 14 => "reinvestment",
    }
}

named_enum! {
    /// The payment currency that generated a transaction (brief §2.7).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Currency {
        /// Episode tariff (PbR / National Tariff).
        Tariff = 0 => "tariff",
        /// Block contract.
        Block = 1 => "block",
        /// Council-commissioned social care per hour / per week.
        SocialCare = 2 => "social_care",
        /// Year-of-care capitation.
        YearOfCare = 3 => "year_of_care",
        /// Sub-contract inside a budget holder.
        SubContract = 4 => "sub_contract",
        /// Pooled fund (BCF / s75 / single budget) flows.
        Pool = 5 => "pool",
    }
}

named_enum! {
    /// Why a transaction happened (the trigger), for audit and tables.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Reason {
        /// A discharged spell.
        Spell = 0 => "spell",
        /// An A&E attendance.
        AeAttendance = 1 => "ae_attendance",
        /// An outpatient attendance.
        OutpatientAttendance = 2 => "outpatient_attendance",
        /// A monthly instalment (block, capitation).
        MonthlyInstalment = 3 => "monthly_instalment",
        /// Year-end reconciliation (MRET, cap/collar, corridor, pool).
        YearEnd = 4 => "year_end",
        /// Delivered care hours.
        CareHours = 5 => "care_hours",
        /// Resident care-home weeks.
        CareWeeks = 6 => "care_weeks",
        /// A year-of-care enrolled person-month.
        PersonMonth = 7 => "person_month",
        /// A contribution to a pooled fund.
        Contribution = 8 => "contribution",
        /// Recovery from an estate at death.
        Death = 9 => "death",
        /// Activity delivered under a sub-contract.
        SubContractedActivity = 10 => "sub_contracted_activity",
        /// A delayed day (a patient delayed at midnight).
        DelayedDay = 11 => "delayed_day",
    }
}

/// One payment: `amount` from `payer` to `payee` (debit payer, credit payee).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transaction {
    /// Who pays (debited).
    pub payer: OrgId,
    /// Who is paid (credited).
    pub payee: OrgId,
    /// Ledger account.
    pub account: Account,
    /// Payment period.
    pub month: MonthIndex,
    /// Currency that generated it.
    pub currency: Currency,
    /// Trigger.
    pub reason: Reason,
    /// Amount, pence; always ≥ 0 once in a [`Ledger`].
    pub amount: Pence,
}

impl Transaction {
    /// True when payer and payee are the same organisation (an earmark).
    pub fn is_earmark(&self) -> bool {
        self.payer == self.payee
    }
}

/// Resource cost of activity to the provider that delivered it (brief §7.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceCost {
    /// Provider that incurred the cost.
    pub provider: OrgId,
    /// Service delivered.
    pub service: Service,
    /// Month of the activity.
    pub month: MonthIndex,
    /// Cost, pence.
    pub amount: Pence,
}

/// A violated ledger invariant (a bug upstream, reported rather than hidden).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Debits and credits differ in a month.
    #[error("ledger unbalanced in month {month}: debits {debits_pence} pence, credits {credits_pence} pence")]
    Unbalanced {
        /// Month index.
        month: u16,
        /// Sum of debit postings.
        debits_pence: i128,
        /// Sum of credit postings.
        credits_pence: i128,
    },
    /// A stored transaction has a negative amount.
    #[error("transaction {index} has a negative amount")]
    NegativeAmount {
        /// Position in the ledger.
        index: usize,
    },
}

/// Side of a posting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Money out of the organisation's account.
    Debit,
    /// Money into the organisation's account.
    Credit,
}

/// One side of a transaction in one organisation's books.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Posting {
    /// Whose books.
    pub org: OrgId,
    /// Account.
    pub account: Account,
    /// Month.
    pub month: MonthIndex,
    /// Debit or credit.
    pub side: Side,
    /// Amount, pence (≥ 0).
    pub amount: Pence,
}

/// The grouping key of a [`Ledger`]: every field of a [`Transaction`] but the amount.
type TxKey = (OrgId, OrgId, Account, MonthIndex, Currency, Reason);

/// Transactions posted (append-only), summed as they are posted by every field but the
/// amount: one row per (payer, payee, account, month, currency, reason), with the number
/// of transactions it sums. Every total the ledger reports (balances, public spend,
/// [`Ledger::aggregate`]) is a sum of amounts, so it is the same as over the individual
/// transactions, without holding one entry per transaction.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// One row per key, in order of first posting; amounts summed.
    transactions: Vec<Transaction>,
    /// Transactions summed by each row.
    counts: Vec<u32>,
    /// Row of each key.
    index: std::collections::HashMap<TxKey, u32>,
}

impl PartialEq for Ledger {
    fn eq(&self, other: &Ledger) -> bool {
        self.transactions == other.transactions && self.counts == other.counts
    }
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Records a transaction. A negative amount is recorded as the reverse flow (payer
    /// and payee swapped, amount negated), so that a claw-back reads as a payment from
    /// provider to commissioner; a zero amount is dropped. Earmarks (payer = payee) must
    /// be non-negative: reversing one would lose its sign (checked in debug builds).
    pub fn post(&mut self, mut tx: Transaction) {
        if tx.amount == Pence::ZERO {
            return;
        }
        debug_assert!(!(tx.is_earmark() && tx.amount < Pence::ZERO), "invariant: negative earmark {tx:?}");
        if tx.amount < Pence::ZERO {
            std::mem::swap(&mut tx.payer, &mut tx.payee);
            tx.amount = -tx.amount;
        }
        self.add(tx, 1);
    }

    /// Adds `tx` (amount ≥ 0) as `count` transactions to its row.
    fn add(&mut self, tx: Transaction, count: u32) {
        let key = (tx.payer, tx.payee, tx.account, tx.month, tx.currency, tx.reason);
        match self.index.get(&key) {
            Some(&row) => {
                self.transactions[row as usize].amount += tx.amount;
                self.counts[row as usize] += count;
            }
            None => {
                self.index.insert(key, self.transactions.len() as u32);
                self.transactions.push(tx);
                self.counts.push(count);
            }
        }
    }

    /// Records every transaction of `txs` by [`Ledger::post`].
    pub fn extend(&mut self, txs: impl IntoIterator<Item = Transaction>) {
        for tx in txs {
            self.post(tx);
        }
    }

    /// Adds every transaction of `other` (its rows, with their counts).
    pub fn merge(&mut self, other: &Ledger) {
        for (tx, count) in other.transactions.iter().zip(&other.counts) {
            self.add(*tx, *count);
        }
    }

    /// The transactions summed by (payer, payee, account, month, currency, reason), one
    /// row per key in order of first posting; each amount is ≥ 0.
    pub fn transactions(&self) -> &[Transaction] {
        &self.transactions
    }

    /// The number of transactions each row of [`Ledger::transactions`] sums.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// The number of transactions posted (zero amounts excluded).
    pub fn posted(&self) -> u64 {
        self.counts.iter().map(|&n| n as u64).sum()
    }

    /// The two postings of every transaction (debit to the payer, credit to the payee).
    pub fn postings(&self) -> impl Iterator<Item = Posting> + '_ {
        self.transactions.iter().flat_map(|t| {
            [
                Posting { org: t.payer, account: t.account, month: t.month, side: Side::Debit, amount: t.amount },
                Posting { org: t.payee, account: t.account, month: t.month, side: Side::Credit, amount: t.amount },
            ]
        })
    }

    /// Checks the invariants: no negative amount, and in every month the sum of debit
    /// postings equals the sum of credit postings (and so over the whole ledger).
    pub fn check_balanced(&self) -> Result<(), LedgerError> {
        if let Some(index) = self.transactions.iter().position(|t| t.amount < Pence::ZERO) {
            return Err(LedgerError::NegativeAmount { index });
        }
        let mut by_month: std::collections::BTreeMap<MonthIndex, (i128, i128)> = Default::default();
        for p in self.postings() {
            let e = by_month.entry(p.month).or_default();
            match p.side {
                Side::Debit => e.0 += p.amount.0 as i128,
                Side::Credit => e.1 += p.amount.0 as i128,
            }
        }
        for (month, (debits_pence, credits_pence)) in by_month {
            if debits_pence != credits_pence {
                return Err(LedgerError::Unbalanced { month: month.0, debits_pence, credits_pence });
            }
        }
        Ok(())
    }

    /// Net balance of `org` (credits − debits) over all accounts and months; earmarks
    /// net to zero.
    pub fn net_balance(&self, org: OrgId) -> Pence {
        self.postings()
            .filter(|p| p.org == org)
            .map(|p| match p.side {
                Side::Credit => p.amount,
                Side::Debit => -p.amount,
            })
            .sum()
    }

    /// Net balance of `org` in one account (credits − debits).
    pub fn account_balance(&self, org: OrgId, account: Account) -> Pence {
        self.postings()
            .filter(|p| p.org == org && p.account == account)
            .map(|p| match p.side {
                Side::Credit => p.amount,
                Side::Debit => -p.amount,
            })
            .sum()
    }

    /// Provider surplus: net income (credits − debits, so sub-contract payments made
    /// count against the budget holder) less the resource cost it incurred.
    pub fn surplus(&self, provider: OrgId, costs: &[ResourceCost]) -> Pence {
        let cost: Pence = costs.iter().filter(|c| c.provider == provider).map(|c| c.amount).sum();
        self.net_balance(provider) - cost
    }

    /// Public spend by public payer ([`OrgKind::is_public_payer`](super::organisation::OrgKind::is_public_payer)):
    /// payments to organisations that are not public payers (providers, people), less
    /// receipts from them (claw-backs, corridor returns, estate recovery). Transfers
    /// between public payers (pool contributions and risk shares) and earmarks are not
    /// spend, so the total over payers counts each pound once. Returns one row per
    /// public payer, in id order.
    pub fn public_spend_by_payer(&self, registry: &Registry) -> Result<Vec<(OrgId, Pence)>, PaymentError> {
        let mut public = vec![false; registry.len()];
        for (id, o) in registry.iter() {
            public[id.0 as usize] = o.kind.is_public_payer();
        }
        let is_public = |id: OrgId| -> Result<bool, PaymentError> {
            public.get(id.0 as usize).copied().ok_or(PaymentError::UnknownOrganisation(id.0))
        };
        let mut spend = vec![Pence::ZERO; registry.len()];
        for t in &self.transactions {
            let (payer_public, payee_public) = (is_public(t.payer)?, is_public(t.payee)?);
            if payer_public && !payee_public {
                spend[t.payer.0 as usize] += t.amount;
            } else if payee_public && !payer_public {
                spend[t.payee.0 as usize] -= t.amount;
            }
        }
        Ok(registry
            .iter()
            .filter(|(_, o)| o.kind.is_public_payer())
            .map(|(id, _)| (id, spend[id.0 as usize]))
            .collect())
    }

    /// Sum of transactions by (payer, payee, account, month), sorted by that key.
    pub fn aggregate(&self) -> LedgerTable {
        let mut groups: std::collections::BTreeMap<(OrgId, OrgId, Account, MonthIndex), (i64, u32)> =
            Default::default();
        for (t, n) in self.transactions.iter().zip(&self.counts) {
            let e = groups.entry((t.payer, t.payee, t.account, t.month)).or_default();
            e.0 += t.amount.0;
            e.1 += n;
        }
        let mut table = LedgerTable::default();
        for ((payer, payee, account, month), (amount, n)) in groups {
            table.payer.push(payer.0);
            table.payee.push(payee.0);
            table.account.push(account as u8);
            table.month.push(month.0);
            table.amount_pence.push(amount);
            table.transactions.push(n);
        }
        table
    }
}

/// The public sector's spend on the area's care in one set of accounts (brief §2, §7.8):
/// commissioners, councils, pools and the NHS providers, which are public bodies
/// ([`OrgKind::is_public_body`](super::organisation::OrgKind::is_public_body)), are
/// consolidated, so money between them (tariff, blocks, MRET, capitation, pool
/// contributions and risk shares) cancels out. What is left:
///
/// `total = resource cost of public providers + payments to independent providers and
/// people − receipts from them`,
///
/// which, by double entry, is also `resource cost of all activity + independent
/// providers' surplus − people's net payments` ([`ConsolidatedSpend::check_identity`]).
/// So `total` splits into the **resource** part (what the activity cost, whoever
/// delivered it) and **transfers** (`total − resource`: payments to independent
/// providers above their cost, less what people pay). A change of currency between
/// public bodies changes neither; a change of price paid to an independent provider or
/// of what people pay changes transfers only; only a change of activity changes the
/// resource part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsolidatedSpend {
    /// Consolidated public spend.
    pub total_pence: Pence,
    /// Resource cost of all activity (public and independent providers).
    pub resource_cost_pence: Pence,
    /// `total − resource`.
    pub transfers_pence: Pence,
    /// Independent providers' surplus: income less the resource cost they incurred.
    pub independent_surplus_pence: Pence,
    /// People's net payments (client contributions and estate recovery, less anything
    /// paid to them).
    pub people_net_payments_pence: Pence,
}

impl ConsolidatedSpend {
    /// Checks `transfers = independent surplus − people's net payments` (double entry).
    pub fn check_identity(&self) -> bool {
        self.independent_surplus_pence.0.checked_sub(self.people_net_payments_pence.0) == Some(self.transfers_pence.0)
    }
}

/// `Some(a + b)` unless the sum overflows.
fn add_checked(a: i64, b: i64) -> Result<i64, PaymentError> {
    a.checked_add(b)
        .ok_or(PaymentError::InvalidParameter { name: "ledger", reason: "a money total overflows 64-bit pence".into() })
}

impl Ledger {
    /// The consolidated public spend of this ledger with the resource costs of the same
    /// activity ([`ConsolidatedSpend`]); checked arithmetic throughout.
    pub fn consolidated(
        &self,
        registry: &Registry,
        resource_costs: &[ResourceCost],
    ) -> Result<ConsolidatedSpend, PaymentError> {
        let mut public = vec![false; registry.len()];
        let mut provider = vec![false; registry.len()];
        let mut person = vec![false; registry.len()];
        for (id, o) in registry.iter() {
            public[id.0 as usize] = o.kind.is_public_body();
            provider[id.0 as usize] = o.kind.is_provider();
            person[id.0 as usize] = o.kind == super::organisation::OrgKind::Person;
        }
        let at = |v: &[bool], id: OrgId| v.get(id.0 as usize).copied().ok_or(PaymentError::UnknownOrganisation(id.0));
        let (mut total, mut resource, mut net_in) = (0i64, 0i64, vec![0i64; registry.len()]);
        for c in resource_costs {
            resource = add_checked(resource, c.amount.0)?;
            if at(&public, c.provider)? {
                total = add_checked(total, c.amount.0)?;
            } else {
                let e = &mut net_in[c.provider.0 as usize];
                *e = add_checked(*e, -c.amount.0)?;
            }
        }
        for t in &self.transactions {
            if t.is_earmark() {
                continue;
            }
            let (payer_public, payee_public) = (at(&public, t.payer)?, at(&public, t.payee)?);
            if payer_public && !payee_public {
                total = add_checked(total, t.amount.0)?;
            } else if payee_public && !payer_public {
                total = add_checked(total, -t.amount.0)?;
            }
            for (org, sign) in [(t.payee, 1), (t.payer, -1)] {
                if !at(&public, org)? {
                    let e = &mut net_in[org.0 as usize];
                    *e = add_checked(*e, sign * t.amount.0)?;
                }
            }
        }
        let (mut independent, mut people) = (0i64, 0i64);
        for (id, _) in registry.iter() {
            let v = net_in[id.0 as usize];
            if at(&provider, id)? && !at(&public, id)? {
                independent = add_checked(independent, v)?;
            } else if at(&person, id)? {
                people = add_checked(people, -v)?;
            }
        }
        let transfers = total.checked_sub(resource).ok_or(PaymentError::InvalidParameter {
            name: "ledger",
            reason: "a money total overflows 64-bit pence".into(),
        })?;
        Ok(ConsolidatedSpend {
            total_pence: Pence(total),
            resource_cost_pence: Pence(resource),
            transfers_pence: Pence(transfers),
            independent_surplus_pence: Pence(independent),
            people_net_payments_pence: Pence(people),
        })
    }
}

/// Transactions summed by (payer, payee, account, month), as columns for a Parquet
/// table (brief §7.8 "ledger").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerTable {
    /// Payer [`OrgId`].
    pub payer: Vec<u16>,
    /// Payee [`OrgId`].
    pub payee: Vec<u16>,
    /// [`Account`] code (`Account as u8`; names from [`Account::name`]).
    pub account: Vec<u8>,
    /// [`MonthIndex`].
    pub month: Vec<u16>,
    /// Sum of amounts, pence.
    pub amount_pence: Vec<i64>,
    /// Number of transactions summed.
    pub transactions: Vec<u32>,
}

impl LedgerTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.payer.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.payer.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::organisation::TypicalArea;
    use super::*;
    use crate::rng::{Purpose, StreamKey};
    use rand::RngExt;

    #[test]
    fn ledger_vocabularies_have_distinct_snake_case_names() {
        let names: [Vec<&str>; 3] = [
            Account::ALL.iter().map(|a| a.name()).collect(),
            Currency::ALL.iter().map(|c| c.name()).collect(),
            Reason::ALL.iter().map(|r| r.name()).collect(),
        ];
        for list in &names {
            let mut sorted = list.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len(), "duplicate name in {list:?}");
            assert!(list.iter().all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        }
        assert_eq!((Currency::COUNT, Reason::COUNT), (6, 12));
        assert_eq!(Reason::DelayedDay.index(), 11);
    }

    fn tx(payer: OrgId, payee: OrgId, account: Account, month: u16, amount: i64) -> Transaction {
        Transaction {
            payer,
            payee,
            account,
            month: MonthIndex(month),
            currency: Currency::Tariff,
            reason: Reason::Spell,
            amount: Pence(amount),
        }
    }

    /// A random ledger over the typical area: up to 500 transactions of ±£10,000.
    fn random_ledger(entity: u64) -> Ledger {
        let area = TypicalArea::new();
        let n_orgs = area.registry.len() as u16;
        let mut rng =
            StreamKey { master_seed: 2015, sample: 0, replication: 0, purpose: Purpose::Parameters, entity }.rng();
        let mut l = Ledger::new();
        let n = rng.random_range(0..500);
        for _ in 0..n {
            let payer = OrgId(rng.random_range(0..n_orgs));
            let payee = OrgId(rng.random_range(0..n_orgs));
            let account = Account::ALL[rng.random_range(0..Account::ALL.len())];
            let month = rng.random_range(0..24u16);
            let amount: i64 = rng.random_range(-1_000_000..=1_000_000);
            // Earmarks are non-negative by contract.
            let amount = if payer == payee { amount.abs() } else { amount };
            l.post(tx(payer, payee, account, month, amount));
        }
        l
    }

    #[test]
    fn random_ledgers_balance_and_net_to_zero() {
        let area = TypicalArea::new();
        for entity in 0..50 {
            let l = random_ledger(entity);
            l.check_balanced().unwrap();
            assert!(l.transactions().iter().all(|t| t.amount > Pence::ZERO));
            // Double entry: balances over all organisations sum to zero.
            let total: Pence = area.registry.iter().map(|(id, _)| l.net_balance(id)).sum();
            assert_eq!(total, Pence::ZERO);
            // Aggregation preserves the total and the count.
            let t = l.aggregate();
            let gross: i64 = l.transactions().iter().map(|t| t.amount.0).sum();
            assert_eq!(t.amount_pence.iter().sum::<i64>(), gross);
            assert_eq!(t.transactions.iter().map(|&n| n as u64).sum::<u64>(), l.posted());
            // Public spend: the sum over payers equals public → non-public flows minus
            // the reverse, computed independently by kind.
            let spend: Pence = l.public_spend_by_payer(&area.registry).unwrap().iter().map(|r| r.1).sum();
            let kind = |id: OrgId| area.registry.kind(id).unwrap().is_public_payer();
            let expect: Pence = l
                .transactions()
                .iter()
                .map(|t| match (kind(t.payer), kind(t.payee)) {
                    (true, false) => t.amount,
                    (false, true) => -t.amount,
                    _ => Pence::ZERO,
                })
                .sum();
            assert_eq!(spend, expect);
        }
    }

    #[test]
    fn consolidated_spend_splits_into_resource_and_transfers() {
        let area = TypicalArea::new();
        for entity in 0..50 {
            let l = random_ledger(entity);
            // Random resource costs at every provider.
            let costs: Vec<ResourceCost> = area
                .registry
                .iter()
                .filter(|(_, o)| o.kind.is_provider())
                .map(|(id, _)| ResourceCost {
                    provider: id,
                    service: Service::HomeCare,
                    month: MonthIndex(0),
                    amount: Pence(1_000 * (entity as i64 + 1) * (id.0 as i64 + 3)),
                })
                .collect();
            let c = l.consolidated(&area.registry, &costs).unwrap();
            assert!(c.check_identity(), "{c:?}");
            assert_eq!(c.resource_cost_pence, costs.iter().map(|x| x.amount).sum::<Pence>());
            assert_eq!(c.total_pence - c.resource_cost_pence, c.transfers_pence);
            // Independently: the independent providers' surplus and people's payments.
            let surplus: Pence =
                [area.home_care, area.care_homes, area.primary_care].iter().map(|o| l.surplus(*o, &costs)).sum();
            assert_eq!(c.independent_surplus_pence, surplus);
            assert_eq!(c.people_net_payments_pence, -l.net_balance(area.people));
            // Money moved between public bodies changes nothing consolidated.
            let mut moved = l.clone();
            moved.post(tx(area.ccg, area.acute, Account::Income, 3, 777_777));
            moved.post(tx(area.ccg, area.pool, Account::PoolContribution, 3, 55_555));
            moved.post(tx(area.council, area.community, Account::Reinvestment, 3, 12_345));
            moved.post(tx(area.acute, area.ico, Account::SubContract, 3, 4_321));
            assert_eq!(moved.consolidated(&area.registry, &costs).unwrap(), c);
            // A payment to an independent provider is a transfer, not resource.
            let mut paid = l.clone();
            paid.post(tx(area.council, area.care_homes, Account::Income, 3, 10_000));
            let p = paid.consolidated(&area.registry, &costs).unwrap();
            assert_eq!(p.resource_cost_pence, c.resource_cost_pence);
            assert_eq!(p.transfers_pence - c.transfers_pence, Pence(10_000));
        }
    }

    #[test]
    fn unbalanced_and_negative_ledgers_are_detected() {
        let mut l = Ledger::new();
        l.post(tx(OrgId(0), OrgId(1), Account::Income, 0, 100));
        l.check_balanced().unwrap();
        // Tamper with a stored amount: the check must notice.
        let mut bad = l.clone();
        bad.transactions[0].amount = Pence(-5);
        assert_eq!(bad.check_balanced(), Err(LedgerError::NegativeAmount { index: 0 }));
    }

    #[test]
    fn negative_amounts_reverse_and_zero_is_dropped() {
        let mut l = Ledger::new();
        l.post(tx(OrgId(0), OrgId(3), Account::Block, 11, -2_500));
        l.post(tx(OrgId(0), OrgId(3), Account::Block, 11, 0));
        assert_eq!((l.transactions().len(), l.posted()), (1, 1));
        let t = l.transactions()[0];
        assert_eq!((t.payer, t.payee, t.amount), (OrgId(3), OrgId(0), Pence(2_500)));
    }

    #[test]
    fn surplus_public_spend_and_earmarks() {
        // CCG pays the acute trust £1,000 income and earmarks £300 of retained MRET;
        // the acute trust's resource cost is £800 → surplus £200. The CCG pays £400 into
        // the pool, which pays the home care provider £250; a person pays £50.
        let a = TypicalArea::new();
        let mut l = Ledger::new();
        l.post(tx(a.ccg, a.acute, Account::Income, 0, 100_000));
        l.post(tx(a.ccg, a.ccg, Account::MretWithheld, 0, 30_000));
        l.post(tx(a.ccg, a.pool, Account::PoolContribution, 0, 40_000));
        l.post(tx(a.pool, a.home_care, Account::Income, 0, 25_000));
        l.post(tx(a.people, a.home_care, Account::ClientContribution, 0, 5_000));
        l.check_balanced().unwrap();
        let costs = [ResourceCost {
            provider: a.acute,
            service: Service::AcuteEmergency,
            month: MonthIndex(0),
            amount: Pence(80_000),
        }];
        assert_eq!(l.surplus(a.acute, &costs), Pence(20_000));
        assert_eq!(l.account_balance(a.ccg, Account::MretWithheld), Pence::ZERO);
        let spend = l.public_spend_by_payer(&a.registry).unwrap();
        // CCG £1,000 (contribution to the pool is a transfer); pool £250; council £0.
        assert_eq!(spend, vec![(a.ccg, Pence(100_000)), (a.council, Pence::ZERO), (a.pool, Pence(25_000))]);
        let t = l.aggregate();
        assert_eq!(t.len(), 5);
        // Sorted by (payer, payee, account, month): the CCG's earmark to itself comes first.
        assert_eq!((t.payer[0], t.payee[0], t.account[0]), (a.ccg.0, a.ccg.0, Account::MretWithheld as u8));
        assert_eq!(t.amount_pence[0], 30_000);
    }
}
