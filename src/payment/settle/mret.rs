//! R6, the marginal rate emergency tariff: each payer–provider pair's monthly emergency
//! spell value against a pro-rata baseline, with the retained money earmarked at year
//! end.

use super::{Book, Year, tx};
use crate::money::Pence;
use crate::payment::ledger::{Account, Currency, Reason};
use crate::payment::tariff::mret_monthly;
use crate::payment::{MonthIndex, PaymentError, Service};

/// MRET per payer–provider pair, monthly accrual on a pro-rata baseline.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let regime = year.regime;
    if regime.tariff.mret.enabled && !book.emergency.is_empty() {
        let baseline = regime.tariff.mret.baseline_pence.ok_or(PaymentError::InvalidParameter {
            name: "tariff.mret.baseline_pence",
            reason: "MRET is enabled but no baseline is set (take it from a baseline run)".into(),
        })?;
        let mut pairs: Vec<_> = std::mem::take(&mut book.emergency).into_iter().collect();
        pairs.sort_by_key(|(k, _)| *k);
        for ((payer, provider), months) in pairs {
            let outcomes = mret_monthly(&months, baseline, regime.tariff.mret.rate);
            for (k, o) in outcomes.iter().enumerate() {
                // A month below the pro-rata baseline after months above it pays back
                // retained money: a negative amount, posted as a reversed flow.
                let m = MonthIndex(year.first.0 + k as u16);
                *book.spend.entry((payer, Service::AcuteEmergency)).or_default() += o.paid_pence;
                book.ledger.post(tx(
                    payer,
                    provider,
                    Account::Income,
                    m,
                    Currency::Tariff,
                    Reason::Spell,
                    o.paid_pence,
                ));
            }
            // The retained money is earmarked once, at year end (always ≥ 0).
            let retained: Pence = outcomes.iter().map(|o| o.retained_pence).sum();
            *book.withheld.entry((payer, Service::AcuteEmergency)).or_default() += retained;
            book.ledger.post(tx(
                payer,
                payer,
                Account::MretWithheld,
                year.last,
                Currency::Tariff,
                Reason::YearEnd,
                retained,
            ));
        }
    }
    Ok(())
}
