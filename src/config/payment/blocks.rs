//! `[[payment.blocks]]`: block contracts, each paying one provider for a set of its
//! services, with an optional cap and collar (brief §2.2).

use super::*;

pub(super) fn blocks(p: &mut Problems, raw: Option<&[RawBlock]>, area: &TypicalArea) -> Vec<BlockSpec> {
    let Some(raw) = raw else {
        return vec![BlockSpec { services: community_block_services(), annual_value_pence: None, cap_collar: None }];
    };
    let mut out = Vec::new();
    let mut covered = Scope::EMPTY;
    for (i, b) in raw.iter().enumerate() {
        let key = format!("payment.blocks[{i}]");
        let scope = services(p, &format!("{key}.services"), &b.services);
        if let Some(scope) = scope {
            let twice: Vec<&str> = scope.services().filter(|s| covered.covers(*s)).map(|s| s.name()).collect();
            if !twice.is_empty() {
                p.push(
                    format!("{key}.services"),
                    format!("{:?}", b.services),
                    format!(
                        "{} already covered by an earlier block; a service has at most one block",
                        twice.join(", ")
                    ),
                );
            }
            let providers: Vec<(Service, Option<OrgId>)> =
                scope.services().map(|s| (s, area.services.provider_of(s).ok())).collect();
            if providers.windows(2).any(|w| w[0].1 != w[1].1) {
                let name = |o: Option<OrgId>| {
                    o.and_then(|o| area.registry.get(o).ok()).map_or("nobody".to_string(), |x| x.name.clone())
                };
                let listing: Vec<String> =
                    providers.iter().map(|(s, o)| format!("{} by {}", s.name(), name(*o))).collect();
                p.push(
                    format!("{key}.services"),
                    format!("{:?}", b.services),
                    format!(
                        "a block pays one provider, but these services are delivered by different ones ({}); \
                         split the block or move services with [payment.providers]",
                        listing.join(", ")
                    ),
                );
            }
            for s in scope.services() {
                covered = covered.with(s);
            }
        }
        let annual_value_pence = match &b.annual_value_pence {
            None => None,
            Some(v) => calibrate_or_pence(p, &format!("{key}.annual_value_pence"), v).unwrap_or(None),
        };
        let cap_collar = b.cap_collar.as_ref().map(|c| {
            let ck = |s: &str| format!("{key}.cap_collar.{s}");
            let cc = CapCollar {
                planned_units_per_year: non_negative(p, &ck("planned_units_per_year"), c.planned_units_per_year),
                cap: non_negative(p, &ck("cap"), c.cap),
                collar: non_negative(p, &ck("collar"), c.collar),
                marginal_price_pence: pence(p, &ck("marginal_price_pence"), c.marginal_price_pence),
            };
            if cc.collar > cc.cap {
                p.push(ck("collar"), cc.collar, format!("must not be above the cap ({})", cc.cap));
            }
            if let Some(services) = scope
                && let Err(reason) = crate::payment::block::cap_collar_unit(services)
            {
                p.push(format!("{key}.services"), format!("{:?}", b.services), reason);
            }
            cc
        });
        if let Some(services) = scope {
            out.push(BlockSpec { services, annual_value_pence, cap_collar });
        }
    }
    out
}
