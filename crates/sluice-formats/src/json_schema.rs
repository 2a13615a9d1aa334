//! The SQL type a JSON schema (JSON_SR) declares, for schema inference, read as
//! Confluent's JSON schema converter reads it: `oneOf` with `null` is an optional
//! type, `connect.type` narrows integers and numbers, `title`s name Connect's
//! decimal, date, time and timestamp types, an object with `additionalProperties`
//! only is a map.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use serde_json::Value;

use crate::FormatError;

/// The SQL (Arrow) type of the JSON schema `text`.
pub fn infer_type(text: &str) -> Result<DataType, FormatError> {
    let schema: Value =
        serde_json::from_str(text).map_err(|e| FormatError::Schema(format!("Invalid JSON schema: {e}")))?;
    arrow_type(&schema).map_err(|e| FormatError::Schema(format!("Unable to infer a schema: {e}")))
}

fn arrow_type(schema: &Value) -> Result<DataType, String> {
    let Value::Object(object) = schema else { return Err(format!("{schema} is not a schema")) };
    if let Some(Value::Array(choices)) = object.get("oneOf").or_else(|| object.get("anyOf")) {
        let mut others = choices.iter().filter(|c| c.get("type").and_then(Value::as_str) != Some("null"));
        return match (others.next(), others.next()) {
            (Some(only), None) => arrow_type(only),
            _ => Err("a union of several types has no SQL type".into()),
        };
    }
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    let connect_type = text("connect.type");
    let title = text("title").unwrap_or_default();
    let parameter = |name: &str| {
        object
            .get("connect.parameters")
            .and_then(|p| p.get(name))
            .and_then(|v| v.as_str().map(str::to_string).or_else(|| Some(v.to_string())))
            .and_then(|v| v.parse::<i64>().ok())
    };
    Ok(match text("type") {
        Some("boolean") => DataType::Boolean,
        Some("integer") => match title {
            "org.apache.kafka.connect.data.Date" => DataType::Date32,
            "org.apache.kafka.connect.data.Time" => DataType::Time32(TimeUnit::Millisecond),
            "org.apache.kafka.connect.data.Timestamp" => DataType::Timestamp(TimeUnit::Millisecond, None),
            _ => match connect_type {
                Some("int8" | "int16" | "int32") => DataType::Int32,
                _ => DataType::Int64,
            },
        },
        Some("number") if title == "org.apache.kafka.connect.data.Decimal" => {
            let precision = parameter("connect.decimal.precision").unwrap_or(38);
            let scale = parameter("scale").unwrap_or(0);
            DataType::Decimal128(
                u8::try_from(precision).map_err(|_| "DECIMAL precision out of range")?,
                i8::try_from(scale).map_err(|_| "DECIMAL scale out of range")?,
            )
        }
        Some("number") => DataType::Float64,
        Some("string") if connect_type == Some("bytes") => DataType::Binary,
        Some("string") => DataType::Utf8,
        Some("array") => {
            let items = object.get("items").ok_or("an array without items")?;
            DataType::List(Arc::new(Field::new("item", arrow_type(items)?, true)))
        }
        Some("object") => match (object.get("properties"), object.get("additionalProperties")) {
            (Some(Value::Object(properties)), _) => {
                // Connect's field order where it is given; the order of the names otherwise.
                let mut members: Vec<(&String, &Value)> = properties.iter().collect();
                members
                    .sort_by_key(|(_, s)| s.get("connect.index").and_then(Value::as_i64).unwrap_or(i64::MAX));
                let fields = members
                    .into_iter()
                    .map(|(name, s)| Ok(Field::new(name, arrow_type(s)?, true)))
                    .collect::<Result<Vec<_>, String>>()?;
                DataType::Struct(Fields::from(fields))
            }
            (_, Some(values @ Value::Object(_))) => {
                let entries = Fields::from(vec![
                    Field::new("key", DataType::Utf8, false),
                    Field::new("value", arrow_type(values)?, true),
                ]);
                DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
            }
            _ => DataType::Struct(Fields::empty()),
        },
        other => return Err(format!("the JSON schema type {other:?} has no SQL type")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confluent_schemas() {
        let optional_int = r#"{"oneOf": [{"type": "null"}, {"type": "integer", "connect.type": "int32"}]}"#;
        assert_eq!(infer_type(optional_int).unwrap(), DataType::Int32);
        assert_eq!(infer_type(r#"{"type": "integer"}"#).unwrap(), DataType::Int64);
        let decimal = r#"{"type": "number", "title": "org.apache.kafka.connect.data.Decimal",
            "connect.parameters": {"scale": "2", "connect.decimal.precision": "4"}}"#;
        assert_eq!(infer_type(decimal).unwrap(), DataType::Decimal128(4, 2));
        let object = r#"{"type": "object", "properties": {
            "B": {"connect.index": 0, "type": "string"}, "A": {"connect.index": 1, "type": "boolean"}}}"#;
        assert_eq!(
            infer_type(object).unwrap(),
            DataType::Struct(Fields::from(vec![
                Field::new("B", DataType::Utf8, true),
                Field::new("A", DataType::Boolean, true)
            ]))
        );
        assert!(infer_type(r#"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#).is_err());
    }
}
