//! Self-funded care home placements (`[self_funded_placements]`): residents the cohort
//! does not place (people arranging and paying for their own care home, and others
//! placed outside the cohort's pathways) who fill most care home places, so that
//! council-funded placements from the cohort compete with them for what is left.
//!
//! They arrive as a Poisson stream on a pathway whose first step is the care home, at
//! the rate that keeps `occupied_share` of the pool's places filled on average (Little's
//! law: residents = rate x mean stay, so rate = `occupied_share` x places / mean stay),
//! and the run starts in that steady state: a Poisson number of residents with that
//! mean, each with the time left of a stay in progress
//! ([`crate::dist::DurationDist::sample_residual`]). Without a finite pool competing for
//! the places, occupancy by self-funders then stays at `occupied_share` throughout.

use crate::arrivals::ArrivalStream;
use crate::capacity::{Places, PoolSpec, Setting};
use crate::config::validate::{Problems, fraction};
use crate::pathway::{Pathway, PathwayId};
use crate::rng::SimRng;
use crate::time::SimDuration;
use rand_distr::{Distribution, Poisson};
use serde::Deserialize;

/// The name of the arrival stream the section adds to the model.
pub const STREAM_NAME: &str = "self_funded_placements";

/// `[self_funded_placements]` as written.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSelfFunded {
    /// The pathway residents start on; its first step's pool is the care home.
    pub pathway: String,
    /// Share of the first step's places these residents fill on average, in [0, 1).
    pub occupied_share: f64,
    /// Share of these residents whose care the council funds (needs `[payment]`);
    /// absent = 0, all pay for themselves.
    #[serde(default)]
    pub council_funded_share: Option<f64>,
}

/// Validated self-funded placements.
#[derive(Clone, Debug, PartialEq)]
pub struct SelfFundedSpec {
    /// The pathway residents start on.
    pub pathway: PathwayId,
    /// Mean residents in equilibrium (`occupied_share` x places).
    pub mean_residents: f64,
    /// Arrivals per day that keep `mean_residents` (mean residents / mean stay).
    pub rate_per_day: f64,
    /// The index of the arrival stream added for them in [`crate::config::Model::arrivals`].
    pub stream: usize,
    /// Share of their care-home days the council funds, at the means test of a resident
    /// with no capital above the lower limit (paid by the payment pass,
    /// [`crate::payment::activity::ActivityLog::outside_cohort_council_days`]).
    pub council_funded_share: f64,
}

impl SelfFundedSpec {
    /// The residents at the start of a run: a Poisson count with the equilibrium mean
    /// (the count of an infinite-server queue in steady state), each with the time left
    /// of their stay, drawn from `rng`.
    pub fn initial_stays(&self, first_stay: &crate::dist::DurationDist, rng: &mut SimRng) -> Vec<SimDuration> {
        let n = if self.mean_residents > 0.0 {
            Poisson::new(self.mean_residents).map_or(0, |d| d.sample(rng) as usize)
        } else {
            0
        };
        (0..n).map(|_| first_stay.sample_residual(rng)).collect()
    }
}

/// Validates `[self_funded_placements]` against the model's pathways and pools and
/// returns the spec and the arrival stream to add (as stream number `stream`).
pub fn validate(
    p: &mut Problems,
    raw: &RawSelfFunded,
    pathway_names: &[&String],
    pathways: &[Pathway],
    pools: &[PoolSpec],
    stream: usize,
) -> Option<(SelfFundedSpec, ArrivalStream)> {
    let share = raw.occupied_share;
    let ok_share = share.is_finite() && (0.0..1.0).contains(&share);
    if !ok_share {
        p.push(
            "self_funded_placements.occupied_share",
            share,
            "must be a share of the care home's places from 0 to below 1",
        );
    }
    let Some(index) = pathway_names.iter().position(|n| n.as_str() == raw.pathway) else {
        p.push(
            "self_funded_placements.pathway",
            format!("\"{}\"", raw.pathway),
            format!(
                "is not a pathway (pathways: {})",
                pathway_names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
        );
        return None;
    };
    // Pathways that failed validation are missing from `pathways`: say nothing more.
    let pathway = pathways.get(index)?;
    let first = pathway.step(pathway.start);
    let pool = pools.get(first.pool.0 as usize)?;
    let Places::Limited(places) = pool.places else {
        p.push(
            "self_funded_placements.pathway",
            format!("\"{}\"", raw.pathway),
            format!("starts in pool {} with unlimited places: an occupied share needs a finite pool", pool.name),
        );
        return None;
    };
    if !ok_share {
        return None;
    }
    let mean_stay = first.stay.mean_days();
    if mean_stay <= 0.0 {
        p.push(
            "self_funded_placements.pathway",
            format!("\"{}\"", raw.pathway),
            "its first step's stay has a mean of 0 days: nobody would stay to occupy a place",
        );
        return None;
    }
    let council_funded_share = match raw.council_funded_share {
        None => 0.0,
        Some(v) => {
            let v = fraction(p, "self_funded_placements.council_funded_share", v);
            if v > 0.0 && pool.setting != Setting::CareHome {
                p.push(
                    "self_funded_placements.council_funded_share",
                    v,
                    format!(
                        "council funding is paid per care-home week, and the pathway starts in pool {}, which is \
                         not a care home (setting = \"care_home\")",
                        pool.name
                    ),
                );
            }
            v
        }
    };
    let mean_residents = share * places as f64;
    let rate_per_day = mean_residents / mean_stay;
    let spec =
        SelfFundedSpec { pathway: PathwayId(index as u16), mean_residents, rate_per_day, stream, council_funded_share };
    let arrivals = ArrivalStream {
        name: STREAM_NAME.into(),
        rate_per_day,
        calendar: None,
        seasonality: None,
        pathway: PathwayId(index as u16),
    };
    Some((spec, arrivals))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::DurationDist;
    use crate::rng::{Purpose, StreamKey};

    #[test]
    fn the_start_has_a_poisson_count_with_the_equilibrium_mean() {
        let spec = SelfFundedSpec {
            pathway: PathwayId(0),
            mean_residents: 400.0,
            rate_per_day: 0.5,
            stream: 0,
            council_funded_share: 0.0,
        };
        let stay = DurationDist::lognormal(801.0, 1100.0).unwrap();
        // 200 independent starts: the mean count is within 4 standard errors of 400
        // (Poisson: variance 400, so se = 20 / sqrt(200)).
        let mut total = 0usize;
        let reps = 200;
        for r in 0..reps {
            let mut rng =
                StreamKey { master_seed: 5, sample: 0, replication: r, purpose: Purpose::Arrivals, entity: 0 }.rng();
            total += spec.initial_stays(&stay, &mut rng).len();
        }
        let mean = total as f64 / reps as f64;
        assert!((mean - 400.0).abs() < 4.0 * 20.0 / (reps as f64).sqrt(), "{mean}");
    }
}
