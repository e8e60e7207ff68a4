//! Estate recovery under free care: at a death, the council recovers what it paid this
//! year for the person's social care, as far as the estate allows.

use super::{Book, Year};
use crate::payment::pooled::payer_of;
use crate::payment::social_care::{estate_recovery, estate_recovery_transaction};
use crate::payment::{MonthIndex, PaymentError, Service};

/// Estate recovery under free care.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let (regime, area) = (year.regime, year.area);
    for d in year.deaths {
        let paid = book.council_paid_by_person.get(&d.person).copied().unwrap_or_default();
        let amount = estate_recovery(paid, d.estate_pence, &regime.charging);
        let council = payer_of(Service::CareHome, &regime.pools, area);
        book.attribute(d.person, area.people, amount);
        book.attribute(d.person, council, -amount);
        book.ledger.post(estate_recovery_transaction(amount, area.people, council, MonthIndex::of_day(d.day)));
    }
    Ok(())
}
