//! The engine-independent half of Sluice's ksqlDB conformance runner.
//!
//! - [`qtt`]: load query-validation test files (JSON with `//` comments),
//!   skip disabled tests, and expand `format` × `config` lists into one
//!   [`QttCase`] per combination, with `{FORMAT}` and `{CONFIG}` substituted.
//! - [`compare`]: ksqlDB's `ExpectedRecordComparator` and per-topic output
//!   checks ([`compare_topic`], [`compare_outputs`]).
//! - [`rqtt`]: REST query-validation tests, run against a real server over
//!   HTTP.
//! - [`report`]: the `PASS`/`FAIL` lines, the summary line, and the ratchet
//!   list of passing case names.
//!
//! Numbers: keys and values are [`serde_json::Value`]s. The case files were
//! re-serialized through doubles (no trailing zeros, at most 17 significant
//! digits), so serde_json's default number handling loses nothing from them;
//! see [`compare`] for how decimals are compared as a result. Everything here
//! also works with serde_json's `arbitrary_precision` feature.

pub mod compare;
mod error;
pub mod jsonc;
pub mod qtt;
pub mod report;
pub mod rqtt;

pub use compare::{
    actual_matches, compare_outputs, compare_topic, compare_topic_with, record_mismatch, value_mismatch,
    values_match, ActualRecord, ActualValue, CompareOptions, NumberMode,
};
pub use error::TestkitError;
pub use jsonc::strip_comments;
pub use qtt::{
    load_qtt, run_case, ExpectedException, Loaded, PostConditions, PostSource, PostTopic, PostTopics,
    QttCase, RecordHeader, TestRecord, TopicSpec, WindowKind, WindowSpec,
};
pub use report::{
    message_summary, ratchet_additions, ratchet_failure, ratchet_regressions, read_ratchet, write_ratchet,
    write_report, CaseResult, Summary,
};
pub use rqtt::{load_rqtt, run_rqtt_case, RqttCase};
