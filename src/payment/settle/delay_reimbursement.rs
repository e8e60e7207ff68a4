//! Care Act 2014 reimbursement of delayed discharges: the council pays the acute trust
//! a daily amount for each day a patient's discharge is delayed for a reason the
//! council is responsible for (Care and Support (Discharge of Hospital Patients)
//! Regulations 2014, SI 2014/2823, reg. 10 [SI-2014-2823]).
//!
//! One ledger transaction per delayed day, at the rate, in the month of the day. A
//! delayed day is a patient delayed at midnight (as the national returns count them),
//! in an acute bed, with the council alone responsible (reason in force with
//! responsible organisation `council`; delays attributed to both are not reimbursed:
//! the regulations make the council liable where the delay is due to it alone
//! (ASSUMPTION: our reading of reg. 9, not checked against case practice)).
//!
//! The rate is a parameter: £130 a day is commonly reported (£155 for higher-rate
//! authorities in London and the South East) but was not found in the stored text of
//! the regulations (domain brief 10.3): ASSUMPTION until checked.

use super::{Book, Year};
use crate::money::Pence;
use crate::payment::ledger::{Account, Currency, Ledger, Reason, Transaction};
use crate::payment::organisation::OrgId;
use crate::payment::{MonthIndex, PaymentError};

/// The reimbursement pass: with the reimbursement in force, the council pays the acute
/// trust for each of the year's delayed days it alone is responsible for.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    if let Some(r) = &year.regime.delay_reimbursement {
        let fy = year.first.0 / 12;
        r.post(&mut book.ledger, year.delayed_days, fy, year.area.council, year.area.acute);
    }
    Ok(())
}

/// The reimbursement in force (`[payment.delay_reimbursement]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelayReimbursement {
    /// Amount per delayed day, pence.
    pub pence_per_day: Pence,
}

impl DelayReimbursement {
    /// Posts one transaction from `council` to `acute` per delayed day of `days` (run
    /// days) that falls in financial year `year`; returns how many were posted.
    pub fn post(&self, ledger: &mut Ledger, days: &[u32], year: u16, council: OrgId, acute: OrgId) -> u64 {
        let mut posted = 0;
        for &day in days {
            let month = MonthIndex::of_day(day);
            if month.0 / 12 != year {
                continue;
            }
            ledger.post(Transaction {
                payer: council,
                payee: acute,
                account: Account::DelayReimbursement,
                month,
                currency: Currency::SocialCare,
                reason: Reason::DelayedDay,
                amount: self.pence_per_day,
            });
            posted += 1;
        }
        posted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::organisation::TypicalArea;

    #[test]
    fn one_transaction_per_delayed_day_at_the_rate_in_its_year() {
        let area = TypicalArea::new();
        let r = DelayReimbursement { pence_per_day: Pence(13_000) };
        let mut ledger = Ledger::new();
        // Days 10, 11, 12 and 40 of year 0, day 370 of year 1.
        let days = [10, 11, 12, 40, 370];
        assert_eq!(r.post(&mut ledger, &days, 0, area.council, area.acute), 4);
        assert_eq!(ledger.posted(), 4);
        assert_eq!(ledger.account_balance(area.acute, Account::DelayReimbursement), Pence(4 * 13_000));
        assert_eq!(ledger.account_balance(area.council, Account::DelayReimbursement), Pence(-4 * 13_000));
        // Two months: April (3 days), May (1 day); one line each, counting its days.
        let counts: Vec<u32> = ledger.counts().to_vec();
        assert_eq!(counts, vec![3, 1]);
        ledger.check_balanced().expect("balanced");
        let mut next = Ledger::new();
        assert_eq!(r.post(&mut next, &days, 1, area.council, area.acute), 1);
    }
}
