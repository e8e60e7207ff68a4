//! A validated flow model: pools, pathways and arrival streams, cross-referenced by
//! typed ids. Built by [`crate::config`]; cannot hold an invalid state.

use crate::arrivals::ArrivalStream;
use crate::capacity::{PoolId, PoolSpec};
use crate::pathway::{Pathway, PathwayId};

/// Everything one scenario simulates.
#[derive(Clone, Debug)]
pub struct Model {
    /// Pools, indexed by [`PoolId`] (sorted by name).
    pub pools: Vec<PoolSpec>,
    /// Pathways, indexed by [`PathwayId`] (sorted by name).
    pub pathways: Vec<Pathway>,
    /// Background arrival streams (sorted by name).
    pub arrivals: Vec<ArrivalStream>,
    /// The synthetic population, when the model has one.
    pub cohort: Option<crate::cohort::CohortParams>,
    /// Who pays whom (`[payment]`; cohort models only). Absent: resource cost only.
    pub payment: Option<crate::payment::spec::PaymentSpec>,
}

impl Model {
    /// The pool with id `id`.
    pub fn pool(&self, id: PoolId) -> &PoolSpec {
        &self.pools[id.0 as usize]
    }

    /// The pathway with id `id`.
    pub fn pathway(&self, id: PathwayId) -> &Pathway {
        &self.pathways[id.0 as usize]
    }

    /// The id of the pool called `name`.
    pub fn pool_id(&self, name: &str) -> Option<PoolId> {
        self.pools.iter().position(|p| p.name == name).map(|i| PoolId(i as u16))
    }
}
