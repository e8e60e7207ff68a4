//! The edge where results leave the process (feature `parquet`): the Parquet tables of
//! a run and of an experiment ([`parquet`]), and the merge of sharded output
//! directories ([`merge`]); durable writes, checksums and the folder lock ([`durable`]);
//! what a folder should hold and whether it still does ([`verify`]).

pub mod durable;
pub mod merge;
pub mod parquet;
pub mod verify;

pub use parquet::*;
