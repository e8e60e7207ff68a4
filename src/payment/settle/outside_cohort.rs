//! Care-home residents placed outside the cohort whom the council funds (the
//! council-funded share of `[self_funded_placements]`, recorded by the run as
//! resident-days per payment month): each month's weeks are charged as those of a
//! resident with no capital above the lower limit and the cohort's weekly income (the
//! council pays the rest of the care-home price), by the payer of care homes (the
//! council, or a pool that covers them), and costed at the care-home week's unit cost.
//! They are not people of the cohort: no person-year, no year of care, no estate.

use super::{Book, Year};
use crate::payment::PaymentError;
use crate::payment::activity::{CostUnit, unit_cost};
use crate::payment::pooled::payer_of;
use crate::payment::social_care::{CareSetting, WeekCharge, charge_week, week_transactions};
use crate::payment::{MonthIndex, Service};

/// Days in a week of care.
const DAYS_PER_WEEK: f64 = 7.0;

/// The council-funded weeks of residents outside the cohort, month by month.
pub(super) fn pass(book: &mut Book, year: &Year<'_>) -> Result<(), PaymentError> {
    let days = year.outside_cohort.council_days_by_month;
    if days.is_empty() {
        return Ok(());
    }
    let cost = unit_cost(year.costs, CostUnit::CareHomeWeek);
    let week = charge_week(cost, &year.outside_cohort.finances, CareSetting::CareHome, &year.regime.charging);
    let payer = payer_of(Service::CareHome, &year.regime.pools, year.area);
    let provider = year.area.services.provider_of(Service::CareHome)?;
    for m in year.first.0..=year.last.0 {
        let Some(&d) = days.get(m as usize).filter(|d| **d > 0.0) else { continue };
        let weeks = d / DAYS_PER_WEEK;
        let month = MonthIndex(m);
        // Rounded once each; the council pays the rest of the cost, so the parts add up.
        let (cost_pence, client_pence) = (cost.scale(weeks), week.client_pence.scale(weeks));
        let charge = WeekCharge { cost_pence, council_pence: cost_pence - client_pence, client_pence, ..week };
        let [public, client] =
            week_transactions(&charge, payer, year.area.people, provider, CareSetting::CareHome, month);
        *book.spend.entry((payer, Service::CareHome)).or_default() += public.amount;
        book.ledger.post(public);
        book.ledger.post(client);
        *book.resource_costs.entry((provider, Service::CareHome, month)).or_default() += charge.cost_pence;
    }
    Ok(())
}
