//! `[payment.year_of_care]`: cohort selection, the budget holder, scope, capitation,
//! the risk corridor and outliers, sub-contracts and the activity lever (brief §2.5).

use super::*;
use crate::payment::activity::is_recorded;

pub(super) fn year_of_care(p: &mut Problems, raw: &RawYearOfCare, area: &TypicalArea) -> Option<YocSpec> {
    let d = CohortRule::default();
    let enabled = raw.enabled.unwrap_or(false);

    let top_risk_fraction = match &raw.top_risk_fraction {
        None => d.top_risk_fraction,
        Some(toml::Value::String(s)) if s == "off" => None,
        Some(toml::Value::Float(f)) if f.is_finite() && *f > 0.0 && *f <= 1.0 => Some(*f),
        Some(toml::Value::Integer(1)) => Some(1.0),
        Some(other) => {
            p.push(
                "payment.year_of_care.top_risk_fraction",
                other,
                "must be a fraction of the population above 0 and at most 1 (0.02 = the top 2% by risk), \
                 or \"off\" for no risk threshold",
            );
            None
        }
    };
    let min_band = match raw.min_band.as_deref() {
        None => d.min_band,
        Some(b) => match Band::ALL.into_iter().find(|band| band.name() == b) {
            Some(band) => band,
            None => {
                p.push(
                    "payment.year_of_care.min_band",
                    format!("{b:?}"),
                    "must be an LTC currency band: \"A\" (0-1 conditions, no filter), \"B\" (2), \"C\" (3-5), \
                     \"D\" (6-8) or \"E\" (9+)",
                );
                d.min_band
            }
        },
    };
    let min_frailty = match raw.min_frailty.as_deref() {
        None | Some("off") => d.min_frailty,
        Some(f) => match crate::cohort::FRAILTY_NAMES.iter().position(|n| *n == f) {
            Some(i) => Some(i as u8),
            None => {
                p.push(
                    "payment.year_of_care.min_frailty",
                    format!("{f:?}"),
                    format!("must be \"off\" or a frailty level ({})", quoted(&crate::cohort::FRAILTY_NAMES)),
                );
                None
            }
        },
    };
    if raw.require_rising_risk == Some(true) {
        p.push(
            "payment.year_of_care.require_rising_risk",
            true,
            "is not supported: the simulation does not track a monthly risk score history, so rising risk \
             cannot be detected; select with top_risk_fraction, min_band and min_frailty instead",
        );
    }
    let rule = CohortRule { top_risk_fraction, min_band, require_rising_risk: false, min_frailty };

    // Absent: decided below by what the holder delivers (prime provider or contractor).
    let holder_kind = raw.holder_kind.as_deref().unwrap_or("prime_provider");
    let holder_kind =
        choice(p, "payment.year_of_care.holder_kind", holder_kind, &["prime_provider", "prime_contractor", "alliance"]);
    let holder_name = raw.holder.as_deref().unwrap_or("ico");
    let holder = match holder_kind {
        Some("alliance") => match &raw.alliance {
            None => {
                p.push(
                    "payment.year_of_care.alliance",
                    "",
                    "is required when holder_kind = \"alliance\": a table of members and shares, e.g. \
                     { acute_trust = 0.6, community_provider = 0.4 }, or a list of members whose shares are \
                     calibrated on the pilots, e.g. [\"acute_trust\", \"community_provider\"]",
                );
                None
            }
            Some(RawAlliance::Shares(members)) if members.is_empty() => {
                p.push("payment.year_of_care.alliance", "{}", "needs at least one member");
                None
            }
            Some(RawAlliance::Members(members)) if members.is_empty() => {
                p.push("payment.year_of_care.alliance", "[]", "needs at least one member");
                None
            }
            Some(RawAlliance::Shares(members)) => {
                let mut out = Vec::new();
                for (name, share) in members {
                    let key = format!("payment.year_of_care.alliance.{name}");
                    let org = provider(p, &key, name, area);
                    let share = non_negative(p, &key, *share);
                    if let Some(org) = org {
                        out.push((org, share));
                    }
                }
                if members.values().all(|s| *s <= 0.0) {
                    p.push(
                        "payment.year_of_care.alliance",
                        format!("{members:?}"),
                        "needs a member with a share above 0",
                    );
                }
                Some(BudgetHolder::Alliance(out))
            }
            Some(RawAlliance::Members(members)) => {
                // Equal shares until the pilots calibrate them (they change no outlay).
                let mut out: Vec<(OrgId, f64)> = Vec::new();
                for name in members {
                    let key = format!("payment.year_of_care.alliance.{name}");
                    if let Some(org) = provider(p, &key, name, area) {
                        if out.iter().any(|(o, _)| *o == org) {
                            p.push(key, format!("\"{name}\""), "is listed twice");
                        } else {
                            out.push((org, 1.0));
                        }
                    }
                }
                Some(BudgetHolder::Alliance(out))
            }
        },
        Some(kind) => provider(p, "payment.year_of_care.holder", holder_name, area).map(|org| {
            if kind == "prime_contractor" {
                BudgetHolder::PrimeContractor(org)
            } else {
                BudgetHolder::PrimeProvider(org)
            }
        }),
        None => None,
    };

    let scope = match &raw.scope {
        None => Some(scope_in_currency()),
        Some(toml::Value::String(s)) if s == "in_currency" => Some(scope_in_currency()),
        Some(toml::Value::String(s)) if s == "include_if_possible" => Some(scope_include_if_possible()),
        Some(toml::Value::Array(items)) => {
            let names: Option<Vec<String>> = items.iter().map(|v| v.as_str().map(str::to_string)).collect();
            match names {
                Some(names) => services(p, "payment.year_of_care.scope", &names),
                None => {
                    p.push(
                        "payment.year_of_care.scope",
                        toml::Value::Array(items.clone()),
                        "must list service names (strings)",
                    );
                    None
                }
            }
        }
        Some(other) => {
            p.push(
                "payment.year_of_care.scope",
                other,
                "must be \"in_currency\", \"include_if_possible\" or a list of services (brief §2.5)",
            );
            None
        }
    };

    let holder = match (holder, scope) {
        (Some(h @ (BudgetHolder::PrimeProvider(_) | BudgetHolder::PrimeContractor(_))), Some(scope)) => {
            single_holder_kind(p, raw, h, scope, area)
        }
        (Some(BudgetHolder::Alliance(members)), Some(scope)) => alliance_covers_scope(p, members, scope, area),
        (h, _) => h,
    };

    let capitation = match &raw.capitation {
        None => None,
        Some(toml::Value::String(s)) if s == "calibrate" => None,
        Some(toml::Value::Table(t)) => {
            let mut rates = CapitationRates { per_year_pence: [Pence::ZERO; 5] };
            for key in t.keys() {
                if !Band::ALL.iter().any(|b| b.name() == key) {
                    p.push(format!("payment.year_of_care.capitation.{key}"), "", "is not a band (A, B, C, D, E)");
                }
            }
            for (i, band) in Band::ALL.iter().map(|b| b.name()).enumerate() {
                let key = format!("payment.year_of_care.capitation.{band}");
                match t.get(band) {
                    Some(toml::Value::Integer(n)) if (0..=MAX_PENCE).contains(n) => rates.per_year_pence[i] = Pence(*n),
                    Some(v) => p.push(key, v, format!("{} per person-year", pence_range_reason())),
                    None if Band::ALL[i] >= min_band => p.push(
                        key,
                        "",
                        format!(
                            "is required: people of band {band} can be enrolled (min_band = {:?}); give pence per \
                             person-year",
                            min_band.name()
                        ),
                    ),
                    None => {}
                }
            }
            Some(rates)
        }
        Some(other) => {
            p.push(
                "payment.year_of_care.capitation",
                other,
                "must be \"calibrate\" (from the baseline pilot) or a table of pence per person-year by band, \
                 e.g. { B = 1163000, C = 1163000, D = 1163000, E = 1163000 }",
            );
            None
        }
    };
    let uplift = CapitationUplift {
        growth: raw.growth.map_or(0.0, |v| non_negative(p, "payment.year_of_care.growth", v)),
        efficiency: raw.efficiency.map_or(0.0, |v| fraction(p, "payment.year_of_care.efficiency", v)),
    };

    let corridor = corridor(p, raw);
    let outlier_defaults = OutlierParams::default();
    let outlier_params = OutlierParams {
        threshold_pence: raw
            .outlier_threshold_pence
            .map_or(outlier_defaults.threshold_pence, |v| pence(p, "payment.year_of_care.outlier_threshold_pence", v)),
        commissioner_pays_fraction: raw
            .outlier_commissioner_pays_fraction
            .map_or(outlier_defaults.commissioner_pays_fraction, |v| {
                fraction(p, "payment.year_of_care.outlier_commissioner_pays_fraction", v)
            }),
    };
    let outlier = raw.outlier.unwrap_or(true).then_some(outlier_params);

    let markup = raw.cost_plus_markup.map_or(0.0, |v| non_negative(p, "payment.year_of_care.cost_plus_markup", v));
    let basis = match raw.sub_contract.as_deref() {
        None => SubContractBasis::default(),
        Some(word) => match choice(p, "payment.year_of_care.sub_contract", word, &["price", "cost_plus"]) {
            Some("cost_plus") => SubContractBasis::CostPlus(markup),
            _ => SubContractBasis::Price,
        },
    };

    let admission_hazard_ratio = match raw.admission_hazard_ratio {
        None => 1.0,
        Some(v) => {
            if !(v.is_finite() && v > 0.0) {
                p.push(
                    "payment.year_of_care.admission_hazard_ratio",
                    v,
                    "must be a finite hazard ratio above 0 (1.0 = no effect; 0.85 = 15% fewer emergency admissions \
                     of enrolled people)",
                );
            } else if !enabled && v != 1.0 {
                p.push(
                    "payment.year_of_care.admission_hazard_ratio",
                    v,
                    "acts on people enrolled in year of care only, so it needs enabled = true",
                );
            }
            v
        }
    };

    let (true, Some(holder), Some(scope), Some(corridor)) = (enabled, holder, scope, corridor) else {
        return None;
    };
    let calibrate_alliance_shares =
        holder_kind == Some("alliance") && matches!(raw.alliance, Some(RawAlliance::Members(_)));
    Some(YocSpec {
        rule,
        holder,
        scope,
        capitation,
        uplift,
        corridor,
        outlier,
        basis,
        admission_hazard_ratio,
        calibrate_alliance_shares,
    })
}

fn corridor(p: &mut Problems, raw: &RawYearOfCare) -> Option<RiskCorridor> {
    let d = RiskCorridor::default();
    let bounds: Vec<f64> = match &raw.corridor_bounds {
        None => d.bands.iter().map(|b| b.up_to_fraction).filter(|b| b.is_finite()).collect(),
        Some(v) => v.clone(),
    };
    let shares: Vec<f64> = match &raw.corridor_provider_shares {
        None => d.bands.iter().map(|b| b.provider_share).collect(),
        Some(v) => v.clone(),
    };
    let before = p.0.len();
    for (i, b) in bounds.iter().enumerate() {
        let previous = if i == 0 { 0.0 } else { bounds[i - 1] };
        if !(b.is_finite() && *b > previous) {
            p.push(
                format!("payment.year_of_care.corridor_bounds[{i}]"),
                b,
                "bounds must be finite fractions of the budget above 0, in increasing order (the last band, \
                 beyond the last bound, is unbounded)",
            );
        }
    }
    for (i, s) in shares.iter().enumerate() {
        fraction(p, &format!("payment.year_of_care.corridor_provider_shares[{i}]"), *s);
    }
    if shares.len() != bounds.len() + 1 {
        p.push(
            "payment.year_of_care.corridor_provider_shares",
            format!("{shares:?}"),
            format!(
                "must list one share more than corridor_bounds ({} bounds, so {} shares; the last share applies \
                 beyond the last bound)",
                bounds.len(),
                bounds.len() + 1
            ),
        );
    }
    if p.0.len() != before {
        return None;
    }
    let bands = shares
        .iter()
        .enumerate()
        .map(|(i, s)| CorridorBand {
            up_to_fraction: bounds.get(i).copied().unwrap_or(f64::INFINITY),
            provider_share: *s,
        })
        .collect();
    Some(RiskCorridor { bands })
}

/// An alliance has no sub-contracts: each member funds the enrolled people's care it
/// delivers from its share of the capitation [KF-CONTRACT-2014]. So every provider of a
/// service in scope that the simulation records ([`is_recorded`]) must be a member; one
/// outside it would deliver that care unpaid (and the commissioner would seem to save
/// what it no longer pays).
fn alliance_covers_scope(
    p: &mut Problems,
    members: Vec<(OrgId, f64)>,
    scope: Scope,
    area: &TypicalArea,
) -> Option<BudgetHolder> {
    let mut missing: Vec<String> = Vec::new();
    for s in Service::ALL.into_iter().filter(|s| is_recorded(*s) && scope.covers(*s)) {
        let Ok(provider) = area.services.provider_of(s) else { continue };
        if !members.iter().any(|(m, _)| *m == provider) {
            let name = area.registry.get(provider).map_or("?", |o| o.name.as_str());
            missing.push(format!("{name} ({})", s.name()));
        }
    }
    if missing.is_empty() {
        return Some(BudgetHolder::Alliance(members));
    }
    p.push(
        "payment.year_of_care.alliance",
        format!("{} member(s)", members.len()),
        format!(
            "must include every provider of a service in scope (an alliance has no sub-contracts, so care \
             from a provider outside it would go unpaid); missing: {}",
            missing.join(", ")
        ),
    );
    None
}

/// A single holder is a **prime provider** when it delivers some of the services in
/// scope itself and sub-contracts the rest, a **prime contractor** when it delivers none
/// and sub-contracts them all [KF-CONTRACT-2014]. An absent `holder_kind` is decided by
/// that; a `holder_kind` that says otherwise is an error (the name would not mean what
/// it says, and the two would settle identically).
fn single_holder_kind(
    p: &mut Problems,
    raw: &RawYearOfCare,
    holder: BudgetHolder,
    scope: Scope,
    area: &TypicalArea,
) -> Option<BudgetHolder> {
    let org = holder.holders().first()?.0;
    let delivered: Vec<&str> = area.services.services_of(org).filter(|s| scope.covers(*s)).map(Service::name).collect();
    let name = raw.holder.as_deref().unwrap_or("ico");
    match (raw.holder_kind.as_deref(), delivered.is_empty()) {
        (None | Some("prime_contractor"), true) => Some(BudgetHolder::PrimeContractor(org)),
        (None | Some("prime_provider"), false) => Some(BudgetHolder::PrimeProvider(org)),
        (Some(_), true) => {
            p.push(
                "payment.year_of_care.holder_kind",
                "prime_provider",
                format!(
                    "{name} delivers none of the services in scope in this area, so it would sub-contract them all: \
                     that is holder_kind = \"prime_contractor\" [KF-CONTRACT-2014]; or choose a holder that \
                     delivers some of them"
                ),
            );
            None
        }
        (Some(_), false) => {
            p.push(
                "payment.year_of_care.holder_kind",
                "prime_contractor",
                format!(
                    "{name} delivers services in scope itself ({}), so it is a prime provider: set holder_kind = \
                     \"prime_provider\" or choose a holder that delivers none of them [KF-CONTRACT-2014]",
                    delivered.join(", ")
                ),
            );
            None
        }
    }
}
