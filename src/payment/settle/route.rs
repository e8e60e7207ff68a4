//! Routing one activity: its service, provider and payment month, and who pays for it —
//! its pool or commissioner, or, for a person enrolled in year of care on the day and
//! a service in its scope, the budget holder (or, in an alliance, the provider itself).

use super::{Regime, YocRegime};
use crate::payment::activity::{Activity, ActivityKind};
use crate::payment::organisation::{OrgId, TypicalArea};
use crate::payment::pooled::payer_of;
use crate::payment::year_of_care::{BudgetHolder, Enrolment};
use crate::payment::{MonthIndex, PaymentError, Service};
use std::collections::HashMap;

/// The year-of-care enrolment spells of a regime, by person.
pub(super) struct Enrolments<'r>(HashMap<u32, Vec<&'r Enrolment>>);

impl<'r> Enrolments<'r> {
    /// The enrolment spells of `regime` (none without year of care).
    pub(super) fn of(regime: &'r Regime) -> Enrolments<'r> {
        Enrolments(regime.year_of_care.iter().flat_map(|y| &y.enrolments).fold(HashMap::new(), |mut m, e| {
            m.entry(e.person).or_default().push(e);
            m
        }))
    }

    /// True when `person` is enrolled on run day `day`.
    fn covers(&self, person: u32, day: u32) -> bool {
        self.0.get(&person).is_some_and(|es| es.iter().any(|e| e.start_day <= day && e.end_day.is_none_or(|d| day < d)))
    }
}

/// Where one activity's money goes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Route<'r> {
    /// The activity's service.
    pub(super) service: Service,
    /// The provider delivering it.
    pub(super) provider: OrgId,
    /// Its payment month.
    pub(super) month: MonthIndex,
    /// The year-of-care regime, when it covers this activity (enrolled person, service
    /// in scope).
    pub(super) covered_by_yoc: Option<&'r YocRegime>,
    /// Who pays.
    pub(super) payer: OrgId,
    /// Covered activity the provider funds from its own capitation: no public payment
    /// (a person's client contribution to social care still applies).
    pub(super) self_funded: bool,
    /// Home care or a care home (charged to the person under the means test).
    pub(super) social_care: bool,
    /// A block funds its provider's services for everyone not enrolled: no payment per
    /// activity. The enrolled people's share was carved out of it (the regime's block
    /// value), so their covered activity is the holder's to pay, at cost.
    pub(super) block_funded: bool,
    /// Who funds the year-of-care holder's outlay on this activity: who would pay for it
    /// without year of care and without a pool (its block's commissioner, or its own).
    /// Under a pool that commissioner funds it directly: the pool no longer pays for the
    /// enrolled people's care, and its risk share by commissioner returns that to the
    /// same commissioner, so neither pays for the other's services.
    pub(super) yoc_funder: OrgId,
}

/// Routes activity `a` under `regime` in `area`.
pub(super) fn route<'r>(
    a: &Activity,
    regime: &'r Regime,
    area: &TypicalArea,
    enrolments: &Enrolments<'_>,
) -> Result<Route<'r>, PaymentError> {
    let service = a.service();
    let provider = area.services.provider_of(service)?;
    let month = a.month();
    let covered_by_yoc =
        regime.year_of_care.as_ref().filter(|y| y.scope.covers(service) && enrolments.covers(a.person, a.day));
    let payer = match covered_by_yoc {
        Some(y) => {
            match &y.holder {
                BudgetHolder::PrimeProvider(h) | BudgetHolder::PrimeContractor(h) => *h,
                // An alliance keeps capitation shares: members pay themselves.
                BudgetHolder::Alliance(_) => provider,
            }
        }
        None => payer_of(service, &regime.pools, area),
    };
    let self_funded = covered_by_yoc.is_some() && payer == provider;
    let social_care = matches!(service, Service::HomeCare | Service::CareHome);
    let block = (!social_care && matches!(a.kind, ActivityKind::Units { .. }))
        .then(|| regime.blocks.iter().find(|b| b.contract.provider == provider && b.services.covers(service)))
        .flatten();
    let block_funded = block.is_some() && covered_by_yoc.is_none();
    let yoc_funder = block.map_or_else(|| area.commissioner_of(service), |b| b.commissioner(area));
    Ok(Route { service, provider, month, covered_by_yoc, payer, self_funded, social_care, block_funded, yoc_funder })
}
