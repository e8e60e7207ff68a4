//! Estate recovery at death, over every year of care: under free care the council
//! recovers a share of all it paid for the person's social care, under a means test the
//! charges deferred against the home, as far as the estate allows
//! ([`recovery_at_death`] on the person's means-test account).

use super::{Book, Year};
use crate::money::Pence;
use crate::payment::pooled::payer_of;
use crate::payment::social_care::{estate_recovery_transaction, recovery_at_death};
use crate::payment::{MonthIndex, PaymentError, Service};

/// Estate recovery from each estate of the year.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let (regime, area) = (year.regime, year.area);
    for d in year.deaths {
        let Some(account) = book.accounts.get_mut(d.person as usize) else {
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
        book.attribute(d.person, area.people, amount);
        book.attribute(d.person, council, -amount);
        *book.spend.entry((council, Service::CareHome)).or_default() -= amount;
        book.ledger.post(estate_recovery_transaction(amount, area.people, council, MonthIndex::of_day(d.day)));
    }
    Ok(())
}
