//! Pricing one routed activity: admitted spells by the episode tariff (R1–R5, R7; their
//! emergency value set aside for MRET when it is in force), A&E attendances (R8), home
//! care and care-home weeks by the council's charging, other units at cost; or, for
//! activity year of care covers, what the budget holder pays its sub-contractor. At the
//! usual prices ([`SubContractBasis::Price`]) the holder applies the usual rules as the
//! commissioner would: R7's deduction is withheld (and spent by the `withheld` pass) and
//! CQUIN is paid on acute activity (the `cquin` pass), and both are part of its outlay on
//! the person, so that capitation calibrated on that outlay funds what the commissioner
//! paid for the same care.

use super::route::Route;
use super::{Book, Regime, tx};
use crate::money::Pence;
use crate::payment::activity::{Activity, ActivityKind};
use crate::payment::ledger::{Account, Currency, Reason, Transaction};
use crate::payment::organisation::TypicalArea;
use crate::payment::reinvestment::WithheldMoney;
use crate::payment::social_care::{
    CareAccount, CareSetting, ClientFinances, charge_week_on_account, week_transactions,
};
use crate::payment::tariff::{AdmissionClass, ae_attendance_price, cquin, price_spell};
use crate::payment::year_of_care::SubContractBasis;
use crate::payment::{PaymentError, Service};

/// Posts the payments for activity `a`, routed by `r`, of resource cost `cost`, to
/// `book` (a person's finances index `finances`; missing = no capital, no income). Home
/// care and care-home weeks are charged against the person's account in the book.
pub(super) fn price(
    book: &mut Book,
    a: &Activity,
    r: &Route<'_>,
    cost: Pence,
    regime: &Regime,
    area: &TypicalArea,
    finances: &[ClientFinances],
) -> Result<(), PaymentError> {
    let Route { service, provider, month, covered_by_yoc, payer, self_funded, social_care, block_funded, yoc_funder } =
        *r;
    // What the budget holder spends on this person's covered activity: what it pays
    // a sub-contractor, or its own cost when it delivers the activity itself.
    let outlay = |book: &mut Book, amount: Pence| {
        if covered_by_yoc.is_some() {
            *book.yoc_cost_by_person.entry(a.person).or_default() += amount;
            *book.yoc_outlay_by_funder.entry(yoc_funder).or_default() += amount;
            *book.yoc_outlay_by_provider.entry(provider).or_default() += amount;
        }
    };
    // What a payer pays per activity outside year of care (net spend by service).
    let spent = |book: &mut Book, payer, amount: Pence| {
        if covered_by_yoc.is_none() && amount != Pence::ZERO {
            *book.spend.entry((payer, service)).or_default() += amount;
        }
    };
    if block_funded {
        return Ok(());
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
    // Sub-contracted at the usual price (not at cost plus).
    let usual_price = covered_by_yoc.is_some_and(|y| y.basis == SubContractBasis::Price);
    // CQUIN on a sub-contracted price to an acute provider, paid by the holder at year
    // end (as the `cquin` pass pays it on tariff income).
    let cquin_on = |price: Pence| {
        let acute_provider = area.services.services_of(provider).any(Service::is_acute);
        if usual_price && acute_provider { cquin(price, &regime.tariff) } else { Pence::ZERO }
    };
    // The R7 deduction on a spell's price, when withheld money is spent: part of what the
    // commissioner paid for the care, so part of the outlay that capitation funds.
    let spent_withheld = |withheld: Pence| match regime.withheld_money {
        WithheldMoney::SpentBy { .. } => withheld,
        WithheldMoney::Retained => Pence::ZERO,
    };
    if self_funded && !social_care {
        // The holder delivers this care itself: no payment. Its outlay on the person is
        // valued as a sub-contract's would be: at the usual price (the tariff after R7,
        // with CQUIN and the spent deduction), so that capitation calibrated on it funds
        // what the commissioner paid for the same care and the holder keeps the margin
        // it earned under the tariff; at cost under cost plus.
        let own = match (usual_price, a.kind) {
            (true, ActivityKind::Spell { spell, .. }) => {
                let p = price_spell(&spell, &regime.tariff)?;
                p.paid_pence + cquin_on(p.paid_pence) + spent_withheld(p.readmission_withheld_pence)
            }
            (true, ActivityKind::AeAttendance) => {
                let price = ae_attendance_price(&regime.tariff);
                price + cquin_on(price)
            }
            _ => cost,
        };
        outlay(book, own);
        return Ok(());
    }
    match a.kind {
        ActivityKind::Spell { spell, .. } => {
            let p = price_spell(&spell, &regime.tariff)?;
            if covered_by_yoc.is_some() {
                let mut outlay_pence = cost_plus(p.paid_pence) + cquin_on(p.paid_pence);
                if usual_price {
                    book.ledger.post(tx(
                        payer,
                        payer,
                        Account::ReadmissionWithheld,
                        month,
                        Currency::Tariff,
                        Reason::Spell,
                        p.readmission_withheld_pence,
                    ));
                    outlay_pence += spent_withheld(p.readmission_withheld_pence);
                }
                outlay(book, outlay_pence);
                book.sub_contract.push(tx(
                    payer,
                    provider,
                    account,
                    month,
                    currency,
                    Reason::Spell,
                    cost_plus(p.paid_pence),
                ));
                return Ok(());
            }
            book.attribute(a.person, payer, p.paid_pence);
            if p.readmission_withheld_pence != Pence::ZERO {
                *book.withheld.entry((payer, service)).or_default() += p.readmission_withheld_pence;
            }
            book.ledger.post(tx(
                payer,
                payer,
                Account::ReadmissionWithheld,
                month,
                Currency::Tariff,
                Reason::Spell,
                p.readmission_withheld_pence,
            ));
            if spell.class == AdmissionClass::Emergency && regime.tariff.mret.enabled {
                book.emergency.entry((payer, provider)).or_insert([Pence::ZERO; 12])[month.month_in_year() as usize] +=
                    p.paid_pence;
            } else {
                spent(book, payer, p.paid_pence);
                book.ledger.post(tx(
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
                book.attribute(a.person, payer, price);
            }
            spent(book, payer, price);
            outlay(book, price + cquin_on(price));
            book.ledger.post(tx(payer, provider, account, month, currency, Reason::AeAttendance, price));
        }
        ActivityKind::Units { service: s @ (Service::HomeCare | Service::CareHome), .. } => {
            let setting = if s == Service::HomeCare { CareSetting::HomeCare } else { CareSetting::CareHome };
            let finances_of = |i: usize| finances.get(i).copied().unwrap_or_default();
            let p = a.person as usize;
            if book.accounts.len() <= p {
                let opened = book.accounts.len()..=p;
                book.accounts.extend(opened.map(|i| CareAccount::open(&finances_of(i), false)));
            }
            let charge =
                charge_week_on_account(cost, &finances_of(p), &mut book.accounts[p], setting, &regime.charging);
            let [public, client] = week_transactions(&charge, payer, area.people, provider, setting, month);
            if self_funded {
                // Only the client contribution flows.
                outlay(book, charge.council_pence);
            } else if covered_by_yoc.is_some() {
                // At cost plus, the provider is paid the cost plus its margin in all,
                // the person's contribution included.
                let amount = match covered_by_yoc.map(|y| y.basis) {
                    Some(SubContractBasis::CostPlus(m)) => (cost.scale(1.0 + m) - client.amount).max(Pence::ZERO),
                    _ => public.amount,
                };
                outlay(book, amount);
                book.sub_contract.push(Transaction {
                    account,
                    currency,
                    reason: Reason::SubContractedActivity,
                    amount,
                    ..public
                });
            } else {
                book.attribute(a.person, public.payer, public.amount);
                spent(book, public.payer, public.amount);
                book.ledger.post(public);
            }
            book.attribute(a.person, client.payer, client.amount);
            book.ledger.post(client);
        }
        ActivityKind::Units { .. } => {
            if covered_by_yoc.is_none() {
                book.attribute(a.person, payer, cost_plus(cost));
            }
            spent(book, payer, cost_plus(cost));
            outlay(book, cost_plus(cost));
            book.ledger.post(tx(
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
    Ok(())
}
