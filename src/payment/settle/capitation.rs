//! Year of care at year end: capitation per enrolled person-month to the budget holder,
//! then the risk corridor (and outlier carve-out) on the holder's outlay for the
//! enrolled people, each funded by the commissioners in their shares
//! ([`CapitationFunding`](crate::payment::year_of_care::CapitationFunding)).

use super::{Book, Year};
use crate::money::Pence;
use crate::payment::PaymentError;
use crate::payment::ledger::{Account, Reason};
use crate::payment::year_of_care::{EnrolledYear, person_months, settle_year, settlement_transactions};
use std::collections::HashMap;

/// Year of care: capitation per person-month, then the corridor.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let Some(y) = &year.regime.year_of_care else {
        return Ok(());
    };
    let mut capitation_by_person: HashMap<u32, Pence> = HashMap::new();
    for e in &y.enrolments {
        for pm in person_months(e, year.first, year.last) {
            let amount = y.rates.for_person_month(&pm);
            *capitation_by_person.entry(e.person).or_default() += amount;
            for (funder, part) in y.funding.split(amount) {
                book.attribute(e.person, funder, part);
                book.ledger.extend(y.holder.pay(funder, part, Account::YocCapitation, Reason::PersonMonth, pm.month));
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
            in_scope_cost_pence: book.yoc_cost_by_person.get(p).copied().unwrap_or_default(),
        })
        .collect();
    let s = settle_year(&years, &y.corridor, y.outlier.as_ref());
    book.enrolled_years = years;
    book.ledger.extend(settlement_transactions(&s, &y.funding, &y.holder, year.last));
    book.year_of_care = Some(s);
    Ok(())
}
