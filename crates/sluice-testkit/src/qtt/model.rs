//! Typed QTT cases, after `format` / `config` expansion.
//!
//! Field names follow ksqlDB's `TestCaseNode`, `RecordNode`, `TopicNode` and
//! `PostConditionsNode`. Unknown fields are ignored everywhere (files carry
//! `comment`, `description`, `issues` and the like); the test's JSON as written
//! is kept in [`QttCase::raw`] for anything not modelled here.

use serde::Deserialize;
use serde_json::{Map, Value};

/// One runnable case: one entry of a file's `tests`, for one `format` and one
/// `config` value.
#[derive(Debug, Clone, PartialEq)]
pub struct QttCase {
    /// The file the case came from, as the path was given to the loader.
    pub file: String,
    /// The full, unique name: `<file stem> - <name>[ - <FORMAT>][ - <prop>=<cfg>]`.
    pub name: String,
    /// The `format` entry this case was expanded for, if the test had a list.
    pub format: Option<String>,
    /// The `config` entry this case was expanded for, if the test had a list.
    pub config: Option<String>,
    /// Statements in order, `{FORMAT}` replaced by [`QttCase::format`].
    pub statements: Vec<String>,
    /// ksql configs for the case, with `"{CONFIG}"` replaced by
    /// [`QttCase::config`].
    pub properties: Map<String, Value>,
    /// Topics declared by the test (schemas for the mock Schema Registry,
    /// partition counts, formats).
    pub topics: Vec<TopicSpec>,
    /// Records to produce, in file order.
    pub inputs: Vec<TestRecord>,
    /// Records expected, in order per topic.
    pub outputs: Vec<TestRecord>,
    /// The failure ksqlDB reports; only the last statement may fail.
    pub expected_exception: Option<ExpectedException>,
    /// Conditions on the metastore and topics after the run.
    pub post: Option<PostConditions>,
    /// The test's JSON as written in the file, before expansion.
    pub raw: Value,
}

impl QttCase {
    /// The expected outputs grouped by topic, topics in order of first
    /// appearance, records in file order.
    pub fn outputs_by_topic(&self) -> Vec<(&str, Vec<&TestRecord>)> {
        let mut groups: Vec<(&str, Vec<&TestRecord>)> = Vec::new();
        for record in &self.outputs {
            match groups.iter_mut().find(|(topic, _)| *topic == record.topic) {
                Some((_, records)) => records.push(record),
                None => groups.push((&record.topic, vec![record])),
            }
        }
        groups
    }

    /// ksqlDB's `ranWithInsertStatements`: with no inputs, an expected
    /// timestamp of 0 matches any actual timestamp.
    pub fn ran_with_insert_statements(&self) -> bool {
        self.inputs.is_empty()
    }
}

/// An input or expected output record.
///
/// Values are written in a JSON-like form whatever the topic's format: an
/// object for JSON, AVRO, PROTOBUF and JSON_SR, a CSV string for DELIMITED,
/// a bare primitive for KAFKA. A single key column is written bare, several as
/// an object.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRecord {
    pub topic: String,
    /// `None` when the key is absent or `null`: ksqlDB treats both as a null key.
    pub key: Option<Value>,
    /// `Value::Null` is a tombstone.
    pub value: Value,
    /// Inputs without one are produced at 0; outputs without one match any.
    pub timestamp: Option<i64>,
    /// Present for windowed keys.
    pub window: Option<WindowSpec>,
    /// `None` when the record gives no `headers`; for an expected output that
    /// means "no headers", as in ksqlDB.
    pub headers: Option<Vec<RecordHeader>>,
}

/// The window of a windowed key. For time windows `end = start + size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowSpec {
    pub start: i64,
    pub end: i64,
    pub kind: WindowKind,
}

impl std::fmt::Display for WindowSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} window [{}, {})", self.kind, self.start, self.end)
    }
}

/// `"time"` (tumbling and hopping windows) or `"session"`, case-insensitive in
/// files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowKind {
    Time,
    Session,
}

impl WindowKind {
    /// Parses a file's window `type`, ignoring case.
    pub fn parse(text: &str) -> Option<WindowKind> {
        match text.to_ascii_uppercase().as_str() {
            "TIME" => Some(WindowKind::Time),
            "SESSION" => Some(WindowKind::Session),
            _ => None,
        }
    }
}

impl std::fmt::Display for WindowKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WindowKind::Time => "time",
            WindowKind::Session => "session",
        })
    }
}

/// A record header: `{"KEY": "k", "VALUE": "<base64>" | null}` in files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHeader {
    pub key: String,
    /// The base64 text as written in the file; `None` for a null value.
    pub value: Option<String>,
    /// [`RecordHeader::value`] decoded (checked when the file is loaded).
    pub bytes: Option<Vec<u8>>,
}

/// An entry of a test's `topics`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicSpec {
    pub name: String,
    pub key_format: Option<String>,
    /// `valueFormat`, or the legacy `format` field when that is absent.
    pub value_format: Option<String>,
    /// `None` when not given; ksqlDB then uses 1 for a declared topic (and 4
    /// for topics it infers from CREATE statements or records).
    pub partitions: Option<u32>,
    pub replicas: Option<u32>,
    /// An object for AVRO / JSON_SR schemas, a string for PROTOBUF.
    pub key_schema: Option<Value>,
    pub value_schema: Option<Value>,
    pub key_schema_id: Option<i64>,
    pub value_schema_id: Option<i64>,
    pub key_schema_references: Option<Value>,
    pub value_schema_references: Option<Value>,
    pub key_serde_features: Option<Value>,
    pub value_serde_features: Option<Value>,
    /// The legacy `format` field (a value format); already folded into
    /// [`TopicSpec::value_format`] when that is absent.
    pub format: Option<String>,
    /// The entry as written in the file.
    #[serde(skip)]
    pub raw: Value,
}

/// `expectedException`: the case passes when the last statement is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectedException {
    /// ksqlDB's exception class (fully qualified), e.g.
    /// `io.confluent.ksql.util.KsqlStatementException`.
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    /// A substring of ksqlDB's error message.
    pub message: Option<String>,
    pub cause: Option<String>,
    pub cause_message: Option<String>,
}

impl ExpectedException {
    /// Whether an engine's error message contains ksqlDB's `message`
    /// (`None` when the test gives none). A bonus check, not a pass rule.
    pub fn message_matches(&self, engine_message: &str) -> Option<bool> {
        self.message.as_ref().map(|m| engine_message.contains(m.as_str()))
    }
}

/// `post`: checked against the metastore and topics after the run.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct PostConditions {
    /// Sources that must exist ("has items": others may exist too).
    #[serde(default, deserialize_with = "null_as_default")]
    pub sources: Vec<PostSource>,
    pub topics: Option<PostTopics>,
}

/// A source that must exist after the run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostSource {
    pub name: String,
    /// `"stream"` or `"table"` (any case).
    #[serde(rename = "type")]
    pub type_: String,
    /// The schema as ksqlDB prints it: `` `K` INTEGER KEY, `V` STRING ``.
    pub schema: Option<String>,
    pub key_format: Option<PostKeyFormat>,
    pub value_format: Option<String>,
    pub key_features: Option<Vec<String>>,
    pub value_features: Option<Vec<String>>,
    pub is_source: Option<bool>,
}

/// A source's expected key format.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostKeyFormat {
    pub format: String,
    /// `TUMBLING`, `HOPPING` or `SESSION` for windowed keys.
    pub window_type: Option<String>,
    /// Milliseconds; absent (or null) for session windows.
    pub window_size: Option<i64>,
    pub properties: Option<Map<String, Value>>,
}

/// `post.topics`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct PostTopics {
    /// A regex that no topic name may match (the whole name).
    pub blacklist: Option<String>,
    /// Topics that must exist, with these formats.
    #[serde(default, deserialize_with = "null_as_default")]
    pub topics: Vec<PostTopic>,
}

/// A topic that must exist after the run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostTopic {
    pub name: String,
    #[serde(default, deserialize_with = "format_spec")]
    pub key_format: Option<FormatSpec>,
    #[serde(default, deserialize_with = "format_spec")]
    pub value_format: Option<FormatSpec>,
    pub partitions: Option<u32>,
    pub key_schema: Option<Value>,
    pub value_schema: Option<Value>,
}

/// A topic's key or value format in `post.topics`: written as an object
/// (`{"format": "AVRO", "features": [..], "properties": {..}}`) or, leniently,
/// as a bare format name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FormatSpec {
    pub format: String,
    pub features: Option<Vec<String>>,
    pub properties: Option<Map<String, Value>>,
    /// For windowed keys, e.g. `{"type": "HOPPING", "size": 5}`.
    pub window_info: Option<Value>,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn format_spec<'de, D>(deserializer: D) -> Result<Option<FormatSpec>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(format) => {
            Ok(Some(FormatSpec { format, features: None, properties: None, window_info: None }))
        }
        other => serde_json::from_value(other).map(Some).map_err(D::Error::custom),
    }
}
