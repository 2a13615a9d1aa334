//! The runtime: push-based operators over Arrow batches, fed by decoding a
//! source topic's records and writing encoded results to a sink topic.
//!
//! A [`RunningQuery`] is one persistent query. Operators implement
//! [`ops::Operator`]; a record that cannot be decoded or encoded is written
//! to the query's [`ProcessingLog`] and the query goes on.

mod batch;
mod error;
pub mod ops;
mod processing_log;
mod query;
mod read_order;
mod serde;
mod sink;
mod source;
mod window_key;

pub use batch::Batch;
pub use error::{Result, RuntimeError};
pub use processing_log::{ProcessingLog, ProcessingLogEntry};
pub use query::{QueryMetrics, QueryOptions, RunningQuery};
pub use serde::{decoder, encoder, register_schemas, schema_subject, side_unwrapped};
pub use sink::SinkWriter;
pub use sluice_functions::aggregate::AggregateConfig;
pub use source::SourceDecoder;
pub use window_key::{append_window, split_window};
