//! One JSON value as a table cell.

use serde_json::Value;

/// Strings without their quotes, `null` for null, anything else as its
/// compact JSON (numbers keep the server's text).
pub fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}
