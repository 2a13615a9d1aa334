//! One test's JSON to typed parts. Errors are plain strings naming the field;
//! the loader adds the file and test name.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::model::{
    ExpectedException, PostConditions, RecordHeader, TestRecord, TopicSpec, WindowKind, WindowSpec,
};

/// Base64 as Jackson reads `byte[]`: the standard alphabet, padding optional.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The fields of a test before expansion.
#[derive(Debug)]
pub(crate) struct ParsedTest {
    pub name: String,
    pub formats: Vec<String>,
    pub configs: Vec<String>,
    pub statements: Vec<String>,
    pub properties: Map<String, Value>,
    pub topics: Vec<TopicSpec>,
    pub inputs: Vec<TestRecord>,
    pub outputs: Vec<TestRecord>,
    pub expected_exception: Option<ExpectedException>,
    pub post: Option<PostConditions>,
}

/// The scalar fields read with serde; records and topics are read by hand
/// for precise error messages and to keep each topic's raw JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestFields {
    name: Option<String>,
    format: Option<Vec<String>>,
    config: Option<Vec<Value>>,
    statements: Option<Vec<String>>,
    properties: Option<Map<String, Value>>,
    expected_exception: Option<ExpectedException>,
    post: Option<PostConditions>,
}

/// The test's name, for error messages, before anything else is checked.
pub(crate) fn test_name(test: &Value) -> Option<&str> {
    test.get("name").and_then(Value::as_str)
}

/// Reads one entry of a file's `tests`. Checks what ksqlDB's `TestCaseNode`
/// checks: a name, at least one statement, and inputs, outputs or an
/// expected exception.
pub(crate) fn parse_test(test: &Value) -> Result<ParsedTest, String> {
    if !test.is_object() {
        return Err("a test must be a JSON object".into());
    }
    let fields: TestFields = serde_json::from_value(test.clone()).map_err(|e| e.to_string())?;
    let name = fields.name.unwrap_or_default();
    if name.is_empty() {
        return Err("missing or empty 'name'".into());
    }
    let statements = fields.statements.unwrap_or_default();
    let configs = fields
        .config
        .unwrap_or_default()
        .into_iter()
        .map(|c| match c {
            Value::String(s) => Ok(s),
            Value::Bool(_) | Value::Number(_) => Ok(c.to_string()),
            other => Err(format!("'config' entries must be strings, got {other}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let topics = list(test, "topics")?
        .iter()
        .enumerate()
        .map(|(i, t)| parse_topic(t).map_err(|e| format!("topics[{i}]: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let inputs = parse_records(test, "inputs")?;
    let outputs = parse_records(test, "outputs")?;

    if statements.is_empty() {
        return Err("'statements' is missing or empty".into());
    }
    // REST cases (RQTT) check `responses` or an `expectedError` instead.
    let checks_rest = test.get("responses").is_some() || test.get("expectedError").is_some();
    if fields.expected_exception.is_none() && inputs.is_empty() && outputs.is_empty() && !checks_rest {
        return Err("no inputs, outputs, expectedException, responses or expectedError".into());
    }
    Ok(ParsedTest {
        name,
        formats: fields.format.unwrap_or_default(),
        configs,
        statements,
        properties: fields.properties.unwrap_or_default(),
        topics,
        inputs,
        outputs,
        expected_exception: fields.expected_exception,
        post: fields.post,
    })
}

/// A list field that may be absent or null.
fn list<'a>(test: &'a Value, field: &str) -> Result<&'a [Value], String> {
    match test.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("'{field}' must be a list, got {}", kind(other))),
    }
}

fn parse_topic(topic: &Value) -> Result<TopicSpec, String> {
    let mut spec: TopicSpec = serde_json::from_value(topic.clone()).map_err(|e| e.to_string())?;
    if spec.name.is_empty() {
        return Err("empty topic name".into());
    }
    if spec.value_format.is_none() {
        spec.value_format = spec.format.clone();
    }
    spec.raw = topic.clone();
    Ok(spec)
}

fn parse_records(test: &Value, field: &str) -> Result<Vec<TestRecord>, String> {
    list(test, field)?
        .iter()
        .enumerate()
        .map(|(i, r)| parse_record(r).map_err(|e| format!("{field}[{i}]: {e}")))
        .collect()
}

/// Reads a record as ksqlDB's `RecordNode` does: `topic` and `value` are
/// required (`value` may be null), the rest optional.
pub(crate) fn parse_record(record: &Value) -> Result<TestRecord, String> {
    let Value::Object(fields) = record else {
        return Err(format!("a record must be an object, got {}", kind(record)));
    };
    let topic = match fields.get("topic") {
        Some(Value::String(t)) if !t.is_empty() => t.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => return Err("missing 'topic'".into()),
        Some(other) => return Err(format!("'topic' must be a string, got {}", kind(other))),
    };
    let value = fields.get("value").cloned().ok_or("missing 'value' (use null for a tombstone)")?;
    let key = match fields.get("key") {
        None | Some(Value::Null) => None,
        Some(k) => Some(k.clone()),
    };
    let timestamp = match fields.get("timestamp") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => {
            Some(n.as_i64().ok_or_else(|| format!("'timestamp' must be a whole number, got {n}"))?)
        }
        Some(other) => return Err(format!("'timestamp' must be a number, got {}", kind(other))),
    };
    let window = match fields.get("window") {
        None | Some(Value::Null) => None,
        Some(w) => Some(parse_window(w)?),
    };
    let headers = match fields.get("headers") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, h)| parse_header(h).map_err(|e| format!("headers[{i}]: {e}")))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(other) => return Err(format!("'headers' must be a list, got {}", kind(other))),
    };
    Ok(TestRecord { topic, key, value, timestamp, window, headers })
}

fn parse_window(window: &Value) -> Result<WindowSpec, String> {
    let bound = |name: &str| match window.get(name) {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| format!("window '{name}' must be a whole number")),
        _ => Err(format!("window needs a numeric '{name}'")),
    };
    let kind = match window.get("type") {
        Some(Value::String(t)) => WindowKind::parse(t)
            .ok_or_else(|| format!("window type must be 'time' or 'session', got '{t}'"))?,
        _ => return Err("window needs a 'type' ('time' or 'session')".into()),
    };
    Ok(WindowSpec { start: bound("start")?, end: bound("end")?, kind })
}

fn parse_header(header: &Value) -> Result<RecordHeader, String> {
    let key = match header.get("KEY") {
        Some(Value::String(k)) => k.clone(),
        _ => return Err("a header needs a string 'KEY'".into()),
    };
    let (value, bytes) = match header.get("VALUE") {
        None | Some(Value::Null) => (None, None),
        Some(Value::String(text)) => {
            let bytes =
                BASE64.decode(text).map_err(|e| format!("header '{key}': VALUE is not base64: {e}"))?;
            (Some(text.clone()), Some(bytes))
        }
        Some(other) => return Err(format!("header '{key}': VALUE must be base64 text, got {}", kind(other))),
    };
    Ok(RecordHeader { key, value, bytes })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
