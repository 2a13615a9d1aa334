//! Comparing what a run produced with a case's expected outputs, as ksqlDB's
//! `TestExecutor.validateTopicData` does.
//!
//! Per topic with expected outputs, the record count must match exactly and
//! records are compared in order. For each record, in this order:
//! - the key (missing or null in the file means a null key). A record with a
//!   `window` expects a windowed key with the same start, end and type, and
//!   compares the inner key; a record without one does not match a windowed
//!   key;
//! - the value ([`value_mismatch`]);
//! - the headers, exactly and in order; a record without `headers` expects
//!   none, as in ksqlDB;
//! - the timestamp, when the record gives one. With
//!   [`CompareOptions::ran_with_insert_statements`] (a case with no inputs),
//!   an expected timestamp of 0 matches any.
//!
//! Topics without expected outputs are not checked.

mod decimal;
mod value;

use std::borrow::Borrow;
use std::collections::HashMap;

pub use value::{actual_matches, value_mismatch, values_match, ActualValue, NumberMode};

use crate::qtt::{QttCase, TestRecord, WindowSpec};

/// A record a run produced, read back from its topic.
#[derive(Debug, Clone, PartialEq)]
pub struct ActualRecord {
    /// `None` (or `Some(ActualValue::Null)`) for a null key. For a windowed
    /// key, the inner key; the window goes in [`ActualRecord::window`].
    pub key: Option<ActualValue>,
    /// `ActualValue::Null` is a tombstone.
    pub value: ActualValue,
    pub timestamp: i64,
    pub window: Option<WindowSpec>,
    /// Header keys and raw values, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl ActualRecord {
    /// A record from JSON key and value, typed with [`NumberMode::Exact`] (as
    /// ksqlDB reads JSON records); no window, no headers.
    pub fn from_json(key: Option<&serde_json::Value>, value: &serde_json::Value, timestamp: i64) -> Self {
        ActualRecord {
            key: key.map(ActualValue::from),
            value: ActualValue::from(value),
            timestamp,
            window: None,
            headers: Vec::new(),
        }
    }
}

/// Options for [`compare_topic_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompareOptions {
    /// The case has no inputs (its records come from INSERT VALUES): an
    /// expected timestamp of 0 then matches any actual timestamp.
    pub ran_with_insert_statements: bool,
}

/// Compares one topic's records with default options. See the module
/// documentation for the rules.
pub fn compare_topic<R: Borrow<TestRecord>>(
    topic: &str,
    expected: &[R],
    actual: &[ActualRecord],
) -> Result<(), String> {
    compare_topic_with(topic, expected, actual, CompareOptions::default())
}

/// Compares one topic's records. The error is one line, e.g.
/// `topic OUTPUT record 3: expected value {"A":1}, got {"A":2} (at .A: expected 1, got 2)`;
/// records are numbered from 0, in topic order. `expected` may hold records
/// or references to them.
pub fn compare_topic_with<R: Borrow<TestRecord>>(
    topic: &str,
    expected: &[R],
    actual: &[ActualRecord],
    options: CompareOptions,
) -> Result<(), String> {
    let first_difference = expected
        .iter()
        .zip(actual)
        .enumerate()
        .find_map(|(i, (e, a))| record_mismatch(e.borrow(), a, options).map(|r| (i, r)));
    if expected.len() != actual.len() {
        let detail = match first_difference {
            Some((i, reason)) => format!("first difference at record {i}: {reason}"),
            None if actual.len() > expected.len() => {
                format!("first extra record: {}", show_actual(&actual[expected.len()]))
            }
            None => format!("first missing record: {}", show_expected(expected[actual.len()].borrow())),
        };
        return Err(format!(
            "topic {topic}: expected {} records, got {}; {detail}",
            expected.len(),
            actual.len()
        ));
    }
    match first_difference {
        Some((i, reason)) => Err(format!("topic {topic} record {i}: {reason}")),
        None => Ok(()),
    }
}

/// Compares every topic the case expects outputs on, in order of first
/// appearance, with `actual` holding each topic's records in order (a
/// missing topic counts as empty). Uses the case's
/// [`QttCase::ran_with_insert_statements`]. Returns the first failure.
pub fn compare_outputs(case: &QttCase, actual: &HashMap<String, Vec<ActualRecord>>) -> Result<(), String> {
    let options = CompareOptions { ran_with_insert_statements: case.ran_with_insert_statements() };
    for (topic, expected) in case.outputs_by_topic() {
        let records = actual.get(topic).map(Vec::as_slice).unwrap_or(&[]);
        compare_topic_with(topic, &expected, records, options)?;
    }
    Ok(())
}

/// Why one record does not match, or `None`.
pub fn record_mismatch(
    expected: &TestRecord,
    actual: &ActualRecord,
    options: CompareOptions,
) -> Option<String> {
    let null_key = serde_json::Value::Null;
    let expected_key = expected.key.as_ref().unwrap_or(&null_key);
    let actual_key = actual.key.as_ref().unwrap_or(&ActualValue::Null);
    match (&expected.window, &actual.window) {
        (Some(e), Some(a)) if e != a => return Some(format!("expected {e}, got {a}")),
        (Some(e), None) => return Some(format!("expected a key in {e}, got an unwindowed key")),
        (None, Some(a)) => return Some(format!("expected an unwindowed key, got a key in {a}")),
        _ => {}
    }
    if let Some(reason) = value_mismatch(expected_key, actual_key) {
        return Some(format!(
            "expected key {}, got {}{}",
            clip(&expected_key.to_string()),
            clip(&actual_key.to_string()),
            detail(&reason)
        ));
    }
    if let Some(reason) = value_mismatch(&expected.value, &actual.value) {
        return Some(format!(
            "expected value {}, got {}{}",
            clip(&expected.value.to_string()),
            clip(&actual.value.to_string()),
            detail(&reason)
        ));
    }
    let expected_headers: Vec<(&str, Option<&[u8]>)> =
        expected.headers.iter().flatten().map(|h| (h.key.as_str(), h.bytes.as_deref())).collect();
    let actual_headers: Vec<(&str, Option<&[u8]>)> =
        actual.headers.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    if expected_headers != actual_headers {
        return Some(format!(
            "expected headers {}, got {}",
            show_headers(&expected_headers),
            show_headers(&actual_headers)
        ));
    }
    if let Some(ts) = expected.timestamp {
        if ts != actual.timestamp && !(options.ran_with_insert_statements && ts == 0) {
            return Some(format!("expected timestamp {ts}, got {}", actual.timestamp));
        }
    }
    None
}

/// The comparator's reason, when it says more than the two values shown.
fn detail(reason: &str) -> String {
    if reason.starts_with("at ") {
        format!(" ({})", clip(reason))
    } else {
        String::new()
    }
}

fn show_headers(headers: &[(&str, Option<&[u8]>)]) -> String {
    use base64::Engine;
    let shown: Vec<String> = headers
        .iter()
        .map(|(k, v)| match v {
            Some(bytes) => format!("{k}={}", base64::engine::general_purpose::STANDARD.encode(bytes)),
            None => format!("{k}=null"),
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

fn show_expected(record: &TestRecord) -> String {
    let key = record.key.as_ref().map_or_else(|| "null".to_string(), |k| k.to_string());
    let window = record.window.map_or_else(String::new, |w| format!(" in {w}"));
    let ts = record.timestamp.map_or_else(String::new, |t| format!(" at {t}"));
    clip(&format!("key {key}{window}, value {}{ts}", record.value))
}

fn show_actual(record: &ActualRecord) -> String {
    let key = record.key.as_ref().map_or_else(|| "null".to_string(), |k| k.to_string());
    let window = record.window.map_or_else(String::new, |w| format!(" in {w}"));
    clip(&format!("key {key}{window}, value {} at {}", record.value, record.timestamp))
}

/// Keeps error lines short: at most 300 characters of any one value.
fn clip(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
