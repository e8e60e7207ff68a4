//! R10 CQUIN: paid in full at year end (ASSUMPTION, brief §2.1.2: the simulation
//! records no CQUIN outcome), a fraction of each payer's tariff income to each acute
//! provider over the year (after R7 and MRET).

use super::{Book, Year, tx};
use crate::money::Pence;
use crate::payment::ledger::{Account, Currency, Reason};
use crate::payment::organisation::OrgId;
use crate::payment::tariff::cquin;
use crate::payment::{PaymentError, Service};
use std::collections::BTreeMap;

/// CQUIN on each payer's tariff income to each acute provider.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let area = year.area;
    let mut income: BTreeMap<(OrgId, OrgId), Pence> = BTreeMap::new();
    for t in book.ledger.transactions() {
        if t.account != Account::Income || t.currency != Currency::Tariff || t.is_earmark() {
            continue;
        }
        // A reversed flow (provider to payer, a month of MRET paid back) nets off.
        if area.registry.kind(t.payee)?.is_provider() {
            *income.entry((t.payer, t.payee)).or_default() += t.amount;
        } else {
            *income.entry((t.payee, t.payer)).or_default() -= t.amount;
        }
    }
    for ((payer, provider), value) in income {
        if area.services.services_of(provider).any(Service::is_acute) {
            let amount = cquin(value.max(Pence::ZERO), &year.regime.tariff);
            book.ledger.post(tx(payer, provider, Account::Cquin, year.last, Currency::Tariff, Reason::YearEnd, amount));
        }
    }
    Ok(())
}
