//! Shards: fixed, deterministic slices of an experiment grid, so that independent
//! processes (Slurm array tasks, Kubernetes indexed jobs, GNU parallel) each run a part
//! and write only their own files.
//!
//! Run `i` of the grid in key order (scenario, sample, replication) belongs to shard
//! `i mod count`. The slice depends only on the plan and `(index, count)`, never on the
//! thread count; round-robin spreads every scenario and sample over all shards.

use crate::config::ExperimentPlan;
use crate::experiment::run_keys;
use crate::record::RunKey;

/// One slice of the grid: `index` in `0..count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 0-based.
    pub index: u32,
    /// Number of shards (>= 1).
    pub count: u32,
}

/// Why a shard specification is invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// The count is 0.
    #[error("--shard-count must be at least 1")]
    ZeroCount,
    /// The index is not below the count.
    #[error("--shard-index {index} is out of range for --shard-count {count} (shards are numbered 0 to {last})", last = .count - 1)]
    IndexOutOfRange {
        /// The index given.
        index: u32,
        /// The count given.
        count: u32,
    },
}

impl Shard {
    /// The whole grid as one shard.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// A validated shard.
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError::ZeroCount);
        }
        if index >= count {
            return Err(ShardError::IndexOutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// True for the whole grid.
    pub fn is_all(&self) -> bool {
        self.count == 1
    }

    /// The runs of `plan` in this shard, in key order.
    pub fn keys(&self, plan: &ExperimentPlan) -> Vec<RunKey> {
        run_keys(plan)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| (*i as u64) % self.count as u64 == self.index as u64)
            .map(|(_, k)| k)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_shards() {
        assert_eq!(Shard::new(0, 0), Err(ShardError::ZeroCount));
        assert!(Shard::new(3, 3).is_err());
        assert!(Shard::new(2, 3).is_ok());
        assert!(Shard::ALL.is_all());
    }
}
