//! The engine of one Sluice instance: it executes ksqlDB statements against
//! a catalog and a log, and runs the persistent queries they start. The
//! server and the conformance runner both drive it.

mod engine;
mod error;
mod infer;
mod insert_rows;
mod insert_values;
mod sink;

pub use engine::{
    Engine, EngineConfig, Outcome, Positions, QueryFailure, ScanPosition, TransientQuery,
    TRANSIENT_TOPIC_PREFIX,
};
pub use error::{EngineError, Result};
pub use sluice_runtime::QueryOptions;
