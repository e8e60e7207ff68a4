//! The edge where results leave the process (feature `parquet`): the Parquet tables of
//! a run and of an experiment ([`parquet`]), and the merge of sharded output
//! directories ([`merge`]).

pub mod merge;
pub mod parquet;

pub use parquet::*;
