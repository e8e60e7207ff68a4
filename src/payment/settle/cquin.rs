//! R10 CQUIN: paid in full at year end (ASSUMPTION, brief §2.1.2: the simulation
//! records no CQUIN outcome), a fraction of each payer's tariff income to each acute
//! provider over the year (after R7 and MRET). A year-of-care budget holder that
//! sub-contracts acute activity at the usual prices pays CQUIN on those prices too
//! (ASSUMPTION: the usual price includes it, so the acute trust's income does not depend
//! on who holds the budget). CQUIN is part of its payer's net spend on acute care, split
//! over the acute services in proportion to the payer's tariff payments for them (so a
//! pool that pays acute care is funded for it and its contributor meets it).

use super::{Book, Year, tx};
use crate::money::Pence;
use crate::payment::ledger::{Account, Currency, Reason};
use crate::payment::organisation::OrgId;
use crate::payment::tariff::cquin;
use crate::payment::{PaymentError, Service, allocate};
use std::collections::BTreeMap;

/// CQUIN on each payer's tariff income to each acute provider.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let area = year.area;
    let mut income: BTreeMap<(OrgId, OrgId), Pence> = BTreeMap::new();
    let usual_price = year
        .regime
        .year_of_care
        .as_ref()
        .is_some_and(|y| y.basis == crate::payment::year_of_care::SubContractBasis::Price);
    let sub_contracted_price = |t: &crate::payment::ledger::Transaction| {
        usual_price
            && t.account == Account::SubContract
            && t.currency == Currency::SubContract
            && matches!(t.reason, Reason::Spell | Reason::AeAttendance)
    };
    for t in book.ledger.transactions() {
        let tariff_income = t.account == Account::Income && t.currency == Currency::Tariff;
        if !(tariff_income || sub_contracted_price(t)) || t.is_earmark() {
            continue;
        }
        // A reversed flow (provider to payer, a month of MRET paid back) nets off.
        if area.registry.kind(t.payee)?.is_provider() {
            *income.entry((t.payer, t.payee)).or_default() += t.amount;
        } else {
            *income.entry((t.payee, t.payer)).or_default() -= t.amount;
        }
    }
    // Each payer's tariff payments by acute service, before any CQUIN is added: CQUIN is
    // part of the payer's net spend on those services, split in proportion to them.
    let acute: Vec<Service> = Service::ALL.into_iter().filter(|s| s.is_acute()).collect();
    let weights = |book: &Book, payer| -> Vec<f64> {
        acute.iter().map(|s| book.spend.get(&(payer, *s)).map_or(0.0, |p| p.0 as f64)).collect()
    };
    let weights: BTreeMap<OrgId, Vec<f64>> = income.keys().map(|(payer, _)| (*payer, weights(book, *payer))).collect();
    for ((payer, provider), value) in income {
        if area.services.services_of(provider).any(Service::is_acute) {
            let amount = cquin(value.max(Pence::ZERO), &year.regime.tariff);
            book.ledger.post(tx(payer, provider, Account::Cquin, year.last, Currency::Tariff, Reason::YearEnd, amount));
            let w = &weights[&payer];
            if w.iter().any(|x| *x > 0.0) {
                for (service, part) in acute.iter().zip(allocate(amount, w)) {
                    if part != Pence::ZERO {
                        *book.spend.entry((payer, *service)).or_default() += part;
                    }
                }
            }
        }
    }
    Ok(())
}
