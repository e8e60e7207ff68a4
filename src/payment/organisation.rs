//! Organisations (payers and providers) as a small typed registry, and which provider
//! delivers which service (brief §1, §7.5).
//!
//! People who pay client contributions are one aggregate organisation of kind
//! [`OrgKind::Person`] (ASSUMPTION: a ledger per person would be as large as the
//! population; per-person amounts stay in the activity records).

use super::{PaymentError, Service};

/// Index of an organisation in a [`Registry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgId(pub u16);

/// What an organisation is, which fixes what it may do in the payment rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// A clinical commissioning group: the local NHS payer.
    Commissioner,
    /// A council (local authority): the payer for adult social care.
    Council,
    /// A pooled fund (s75 / Better Care Fund / single budget), a payer.
    PooledFund,
    /// An acute (hospital) trust.
    AcuteTrust,
    /// A community health provider.
    CommunityProvider,
    /// A home care (domiciliary) provider.
    HomeCareProvider,
    /// Care homes (one aggregate provider).
    CareHomes,
    /// A primary care provider (GP practices, one aggregate provider).
    PrimaryCareProvider,
    /// An integrated care organisation: a provider that may hold a budget and
    /// sub-contract other providers.
    IntegratedCareOrganisation,
    /// People who use services, as payers of client contributions (one aggregate).
    Person,
}

impl OrgKind {
    /// Snake-case name, as in tables.
    pub const fn name(self) -> &'static str {
        match self {
            OrgKind::Commissioner => "commissioner",
            OrgKind::Council => "council",
            OrgKind::PooledFund => "pooled_fund",
            OrgKind::AcuteTrust => "acute_trust",
            OrgKind::CommunityProvider => "community_provider",
            OrgKind::HomeCareProvider => "home_care_provider",
            OrgKind::CareHomes => "care_homes",
            OrgKind::PrimaryCareProvider => "primary_care_provider",
            OrgKind::IntegratedCareOrganisation => "integrated_care_organisation",
            OrgKind::Person => "person",
        }
    }

    /// True for public payers (their outflows to providers and people are public spend).
    pub const fn is_public_payer(self) -> bool {
        matches!(self, OrgKind::Commissioner | OrgKind::Council | OrgKind::PooledFund)
    }

    /// True for organisations inside the public sector's consolidated accounts: the
    /// commissioners and pools, and the NHS providers (acute trust, community provider,
    /// integrated care organisation), which are public bodies, so money between them is
    /// a transfer inside the public sector and their resource cost is public spend.
    ///
    /// Home care providers and care homes are independent-sector businesses the council
    /// buys care from (brief §2.3: councils pay providers an hourly rate or a weekly
    /// fee \[UKHCA-2015\]\[ASC-1617\]), GP practices are independent contractors to the
    /// NHS (ASSUMPTION: the GMS contract model; no figure in the brief), and people are
    /// people: payments to them are public spend, their own costs are not. A council
    /// that ran its own home care would register that provider as a public body; the
    /// default area has none (ASSUMPTION: nearly all council-arranged home care and care
    /// home places are bought from the independent sector \[KF-HOMECARE-2018\]).
    pub const fn is_public_body(self) -> bool {
        matches!(
            self,
            OrgKind::Commissioner
                | OrgKind::Council
                | OrgKind::PooledFund
                | OrgKind::AcuteTrust
                | OrgKind::CommunityProvider
                | OrgKind::IntegratedCareOrganisation
        )
    }

    /// True for providers of services (they incur resource cost).
    pub const fn is_provider(self) -> bool {
        matches!(
            self,
            OrgKind::AcuteTrust
                | OrgKind::CommunityProvider
                | OrgKind::HomeCareProvider
                | OrgKind::CareHomes
                | OrgKind::PrimaryCareProvider
                | OrgKind::IntegratedCareOrganisation
        )
    }

    /// True when the organisation may hold a year-of-care budget (any provider, as a
    /// prime provider, alliance member or prime contractor).
    pub const fn can_hold_budget(self) -> bool {
        self.is_provider()
    }
}

/// One organisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Organisation {
    /// Display name, unique in its registry.
    pub name: String,
    /// What it is.
    pub kind: OrgKind,
}

/// The organisations of one local health economy, indexed by [`OrgId`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Registry {
    orgs: Vec<Organisation>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds an organisation and returns its id. A name already present returns the
    /// existing id if the kind matches, and an error otherwise.
    pub fn add(&mut self, name: &str, kind: OrgKind) -> Result<OrgId, PaymentError> {
        if let Some(id) = self.find(name) {
            return if self.orgs[id.0 as usize].kind == kind {
                Ok(id)
            } else {
                Err(PaymentError::InvalidParameter {
                    name: "organisation.name",
                    reason: format!("{name:?} is already registered with another kind"),
                })
            };
        }
        let id = u16::try_from(self.orgs.len()).map_err(|_| PaymentError::InvalidParameter {
            name: "organisation",
            reason: "more than 65,535 organisations".into(),
        })?;
        self.orgs.push(Organisation { name: name.to_owned(), kind });
        Ok(OrgId(id))
    }

    /// The organisation with this id.
    pub fn get(&self, id: OrgId) -> Result<&Organisation, PaymentError> {
        self.orgs.get(id.0 as usize).ok_or(PaymentError::UnknownOrganisation(id.0))
    }

    /// The kind of this organisation.
    pub fn kind(&self, id: OrgId) -> Result<OrgKind, PaymentError> {
        self.get(id).map(|o| o.kind)
    }

    /// The id of the organisation with this name.
    pub fn find(&self, name: &str) -> Option<OrgId> {
        self.orgs.iter().position(|o| o.name == name).map(|i| OrgId(i as u16))
    }

    /// Number of organisations.
    pub fn len(&self) -> usize {
        self.orgs.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }

    /// All organisations with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (OrgId, &Organisation)> {
        self.orgs.iter().enumerate().map(|(i, o)| (OrgId(i as u16), o))
    }
}

/// Which provider delivers each [`Service`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceMap {
    provider: [Option<OrgId>; Service::COUNT],
}

impl ServiceMap {
    /// Assigns `provider` to `service` (replacing any earlier assignment).
    pub fn assign(&mut self, service: Service, provider: OrgId) {
        self.provider[service.index()] = Some(provider);
    }

    /// The provider of `service`, or [`PaymentError::NoProvider`].
    pub fn provider_of(&self, service: Service) -> Result<OrgId, PaymentError> {
        self.provider[service.index()].ok_or(PaymentError::NoProvider(service.name()))
    }

    /// The services `provider` delivers.
    pub fn services_of(&self, provider: OrgId) -> impl Iterator<Item = Service> + '_ {
        Service::ALL.into_iter().filter(move |s| self.provider[s.index()] == Some(provider))
    }

    /// Checks that every assigned provider is a provider in `registry`.
    pub fn validate(&self, registry: &Registry) -> Result<(), PaymentError> {
        for s in Service::ALL {
            if let Some(p) = self.provider[s.index()]
                && !registry.kind(p)?.is_provider()
            {
                return Err(PaymentError::InvalidParameter {
                    name: "service_map",
                    reason: format!("{} is assigned to a non-provider", s.name()),
                });
            }
        }
        Ok(())
    }
}

/// The default local health economy (brief §7.5, §7.7): one CCG, one council, one BCF
/// pool, and one provider of each type, with services assigned to their usual provider.
/// The ICO is registered but delivers nothing until a scenario moves services to it.
#[derive(Clone, Debug, PartialEq)]
pub struct TypicalArea {
    /// The organisations.
    pub registry: Registry,
    /// Who delivers what.
    pub services: ServiceMap,
    /// The CCG.
    pub ccg: OrgId,
    /// The council.
    pub council: OrgId,
    /// The Better Care Fund pool.
    pub pool: OrgId,
    /// The acute trust.
    pub acute: OrgId,
    /// The community provider.
    pub community: OrgId,
    /// The home care provider.
    pub home_care: OrgId,
    /// Care homes.
    pub care_homes: OrgId,
    /// GP practices.
    pub primary_care: OrgId,
    /// The integrated care organisation.
    pub ico: OrgId,
    /// People, as payers of client contributions.
    pub people: OrgId,
}

impl TypicalArea {
    /// Builds the default area.
    pub fn new() -> TypicalArea {
        let mut r = Registry::new();
        let mut add = |name: &str, kind| r.add(name, kind).expect("invariant: distinct default names");
        let ccg = add("ccg", OrgKind::Commissioner);
        let council = add("council", OrgKind::Council);
        let pool = add("bcf_pool", OrgKind::PooledFund);
        let acute = add("acute_trust", OrgKind::AcuteTrust);
        let community = add("community_provider", OrgKind::CommunityProvider);
        let home_care = add("home_care_provider", OrgKind::HomeCareProvider);
        let care_homes = add("care_homes", OrgKind::CareHomes);
        let primary_care = add("gp_practices", OrgKind::PrimaryCareProvider);
        let ico = add("ico", OrgKind::IntegratedCareOrganisation);
        let people = add("people", OrgKind::Person);
        let mut services = ServiceMap::default();
        for s in Service::ALL {
            let p = match s {
                Service::AcuteEmergency
                | Service::AcuteElective
                | Service::AcuteDayCase
                | Service::AccidentAndEmergency
                | Service::Outpatient => acute,
                Service::IntermediateCare
                | Service::Reablement
                | Service::CommunityNursing
                | Service::MentalHealth
                | Service::PublicHealth => community,
                Service::HomeCare => home_care,
                Service::CareHome => care_homes,
                Service::PrimaryCare => primary_care,
            };
            services.assign(s, p);
        }
        TypicalArea {
            registry: r,
            services,
            ccg,
            council,
            pool,
            acute,
            community,
            home_care,
            care_homes,
            primary_care,
            ico,
            people,
        }
    }

    /// The commissioner of `service` when budgets are separate: the council for
    /// council-commissioned services ([`Service::council_commissioned`]), else the CCG.
    pub fn commissioner_of(&self, service: Service) -> OrgId {
        if service.council_commissioned() { self.council } else { self.ccg }
    }
}

impl Default for TypicalArea {
    fn default() -> Self {
        TypicalArea::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_and_kinds() {
        let mut r = Registry::new();
        let a = r.add("ccg", OrgKind::Commissioner).unwrap();
        let b = r.add("acute", OrgKind::AcuteTrust).unwrap();
        assert_eq!((a, b), (OrgId(0), OrgId(1)));
        assert_eq!(r.add("ccg", OrgKind::Commissioner).unwrap(), a);
        assert!(r.add("ccg", OrgKind::Council).is_err());
        assert_eq!(r.kind(b).unwrap(), OrgKind::AcuteTrust);
        assert_eq!(r.get(OrgId(9)), Err(PaymentError::UnknownOrganisation(9)));
        assert_eq!(r.len(), 2);
        assert!(OrgKind::Commissioner.is_public_payer() && !OrgKind::Person.is_public_payer());
        assert!(OrgKind::IntegratedCareOrganisation.can_hold_budget() && !OrgKind::Council.can_hold_budget());
        // Every public payer is a public body; people and independent providers are not.
        for k in [OrgKind::Commissioner, OrgKind::Council, OrgKind::PooledFund] {
            assert!(k.is_public_payer() && k.is_public_body());
        }
        for k in [OrgKind::HomeCareProvider, OrgKind::CareHomes, OrgKind::PrimaryCareProvider, OrgKind::Person] {
            assert!(!k.is_public_body());
        }
        assert!(OrgKind::AcuteTrust.is_public_body() && !OrgKind::AcuteTrust.is_public_payer());
    }

    #[test]
    fn typical_area_assigns_every_service() {
        let area = TypicalArea::new();
        area.services.validate(&area.registry).unwrap();
        for s in Service::ALL {
            area.services.provider_of(s).unwrap();
        }
        assert_eq!(area.services.provider_of(Service::AcuteEmergency).unwrap(), area.acute);
        assert_eq!(area.services.provider_of(Service::HomeCare).unwrap(), area.home_care);
        assert_eq!(area.services.services_of(area.ico).count(), 0);
        assert_eq!(area.commissioner_of(Service::CareHome), area.council);
        assert_eq!(area.commissioner_of(Service::AcuteEmergency), area.ccg);
    }

    #[test]
    fn service_map_rejects_non_providers_and_gaps() {
        let area = TypicalArea::new();
        let mut m = ServiceMap::default();
        assert_eq!(m.provider_of(Service::HomeCare), Err(PaymentError::NoProvider("home_care")));
        m.assign(Service::HomeCare, area.council);
        assert!(m.validate(&area.registry).is_err());
        m.assign(Service::HomeCare, area.ico);
        assert!(m.validate(&area.registry).is_ok());
    }
}
