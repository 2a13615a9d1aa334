//! ksqlDB's `ExpectedRecordComparator`: an expected JSON value (as written in
//! the case file) against an actual, typed value.
//!
//! The expected side is classified as Jackson reads test files: a number
//! without `.` or exponent is an integer literal (`IntNode`/`LongNode`), any
//! other number a decimal literal (`BigDecimal`). The actual side is typed
//! ([`ActualValue`]) because the rules depend on the Java type ksqlDB's test
//! deserializers produce:
//!
//! - objects: the same number of fields; each expected field is looked up by
//!   its exact name, then upper-cased (a missing field is null);
//! - arrays: the same length, element by element;
//! - integers: equal (an expected decimal literal is truncated first, as
//!   Java's `longValue()` does);
//! - doubles: within 1e-6;
//! - decimals: an integer literal matches only a decimal of scale 0 (or
//!   less) with the same value; a decimal literal matches the same value
//!   whatever the scales (`10.0` matches `10.0000`); an expected string
//!   matches a decimal when it parses to the same value *and* scale
//!   (`BigDecimal.equals`);
//! - strings and booleans: equal; null matches only null.
//!
//! Why decimal literals ignore scale: the case files here were re-serialized
//! through doubles, so trailing zeros are gone (ksqlDB's own `decimal.json`
//! expects `20.2000` for a `DECIMAL(9,4)` product where ours says `20.2`,
//! and `10.0000` became `10.0`). Comparing scales would fail correct output.
//! Strings (`"15.11"`) and integer literals survived that round trip, so
//! their rules stay as in ksqlDB.

use std::fmt;

use serde_json::{Number, Value};

use super::decimal::Decimal;

/// An actual key or value, typed as ksqlDB's test deserializers type them.
#[derive(Debug, Clone, PartialEq)]
pub enum ActualValue {
    Null,
    Bool(bool),
    /// INT and BIGINT (Java `Integer` / `Long`).
    Int(i64),
    /// DOUBLE (Java `Double`): compared within 1e-6.
    Double(f64),
    /// DECIMAL (Java `BigDecimal`), as exact text with its scale:
    /// `"10.50"`, `"-3"`, `"1.0E+3"`. Anything `new BigDecimal(String)`
    /// reads; other text matches nothing.
    Decimal(String),
    /// STRING, and BYTES as base64 text.
    String(String),
    Array(Vec<ActualValue>),
    /// STRUCT and MAP, fields in their order.
    Map(Vec<(String, ActualValue)>),
}

/// How [`ActualValue::from_json`] types a JSON number with a fraction or an
/// exponent (whole numbers are always [`ActualValue::Int`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberMode {
    /// As a decimal. This is how ksqlDB reads JSON-serialized records by
    /// default (`use.exact.numeric.comparison`, `USE_BIG_DECIMAL_FOR_FLOATS`):
    /// exact values, and `2.0` does not match an expected integer `2`.
    #[default]
    Exact,
    /// As a double, compared within 1e-6 (`use.exact.numeric.comparison=false`).
    Double,
}

impl ActualValue {
    /// Types a JSON value as ksqlDB types JSON-serialized records: whole
    /// numbers that fit an `i64` are integers, other numbers follow `mode`.
    pub fn from_json(value: &Value, mode: NumberMode) -> ActualValue {
        match value {
            Value::Null => ActualValue::Null,
            Value::Bool(b) => ActualValue::Bool(*b),
            Value::Number(n) => number_from_json(n, mode),
            Value::String(s) => ActualValue::String(s.clone()),
            Value::Array(items) => {
                ActualValue::Array(items.iter().map(|v| ActualValue::from_json(v, mode)).collect())
            }
            Value::Object(fields) => ActualValue::Map(
                fields.iter().map(|(k, v)| (k.clone(), ActualValue::from_json(v, mode))).collect(),
            ),
        }
    }

    fn get(&self, name: &str) -> Option<&ActualValue> {
        match self {
            ActualValue::Map(fields) => fields.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

fn number_from_json(n: &Number, mode: NumberMode) -> ActualValue {
    let text = n.to_string();
    if is_integer_literal(&text) {
        if let Ok(i) = text.parse::<i64>() {
            return ActualValue::Int(i);
        }
        return ActualValue::Decimal(text);
    }
    match mode {
        NumberMode::Exact => ActualValue::Decimal(text),
        NumberMode::Double => ActualValue::Double(n.as_f64().unwrap_or(f64::NAN)),
    }
}

impl From<&Value> for ActualValue {
    /// [`ActualValue::from_json`] with [`NumberMode::Exact`].
    fn from(value: &Value) -> Self {
        ActualValue::from_json(value, NumberMode::Exact)
    }
}

impl From<Value> for ActualValue {
    fn from(value: Value) -> Self {
        ActualValue::from(&value)
    }
}

impl fmt::Display for ActualValue {
    /// JSON-like; doubles always show a fraction or exponent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActualValue::Null => f.write_str("null"),
            ActualValue::Bool(b) => write!(f, "{b}"),
            ActualValue::Int(i) => write!(f, "{i}"),
            ActualValue::Double(d) => write!(f, "{d:?}"),
            ActualValue::Decimal(d) => f.write_str(d),
            ActualValue::String(s) => write!(f, "{}", Value::String(s.clone())),
            ActualValue::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            ActualValue::Map(fields) => {
                f.write_str("{")?;
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{v}", Value::String(k.clone()))?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Whether a JSON value `actual` (typed with [`NumberMode::Exact`], as ksqlDB
/// reads JSON records) matches `expected`.
pub fn values_match(expected: &Value, actual: &Value) -> bool {
    value_mismatch(expected, &ActualValue::from(actual)).is_none()
}

/// Whether a typed `actual` matches `expected`.
pub fn actual_matches(expected: &Value, actual: &ActualValue) -> bool {
    value_mismatch(expected, actual).is_none()
}

/// Why `actual` does not match `expected`, or `None` when it does. The
/// reason names the path to the first difference, e.g.
/// `at .A[2]: expected 1.5, got 1.49`.
pub fn value_mismatch(expected: &Value, actual: &ActualValue) -> Option<String> {
    let mut path = String::new();
    mismatch(expected, actual, &mut path).map(|reason| {
        if path.is_empty() {
            reason
        } else {
            format!("at {path}: {reason}")
        }
    })
}

fn mismatch(expected: &Value, actual: &ActualValue, path: &mut String) -> Option<String> {
    let differ = || Some(format!("expected {expected}, got {actual}"));
    match expected {
        Value::Null => (*actual != ActualValue::Null).then(differ).flatten(),
        Value::Bool(e) => (*actual != ActualValue::Bool(*e)).then(differ).flatten(),
        Value::String(e) => {
            let matched = match actual {
                ActualValue::String(a) => a == e,
                ActualValue::Decimal(a) => decimal_text_eq(e, a),
                _ => false,
            };
            (!matched).then(differ).flatten()
        }
        Value::Number(e) => (!number_matches(&e.to_string(), actual)).then(differ).flatten(),
        Value::Array(expected_items) => {
            let ActualValue::Array(actual_items) = actual else { return differ() };
            if actual_items.len() != expected_items.len() {
                return Some(format!(
                    "expected {} elements, got {}: {actual}",
                    expected_items.len(),
                    actual_items.len()
                ));
            }
            for (i, (e, a)) in expected_items.iter().zip(actual_items).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                if let Some(reason) = mismatch(e, a, path) {
                    return Some(reason);
                }
                path.truncate(len);
            }
            None
        }
        Value::Object(expected_fields) => {
            let ActualValue::Map(actual_fields) = actual else { return differ() };
            if actual_fields.len() != expected_fields.len() {
                let names =
                    |it: &mut dyn Iterator<Item = &String>| it.cloned().collect::<Vec<_>>().join(", ");
                return Some(format!(
                    "expected fields [{}], got [{}]",
                    names(&mut expected_fields.keys()),
                    names(&mut actual_fields.iter().map(|(k, _)| k))
                ));
            }
            for (name, e) in expected_fields {
                // Java's `Map.get`: a missing field and a null field look the
                // same, and both fall back to the upper-cased name.
                let found = match actual.get(name) {
                    Some(ActualValue::Null) | None => actual.get(&name.to_uppercase()),
                    found => found,
                };
                let a = found.unwrap_or(&ActualValue::Null);
                let len = path.len();
                path.push('.');
                path.push_str(name);
                if let Some(reason) = mismatch(e, a, path) {
                    return Some(reason);
                }
                path.truncate(len);
            }
            None
        }
    }
}

/// Compares an expected number, given by its JSON text, against an actual
/// value (`compareNumber` / `compareDecimal`).
fn number_matches(expected: &str, actual: &ActualValue) -> bool {
    let integer_literal = is_integer_literal(expected);
    match actual {
        ActualValue::Int(a) => {
            let e = Decimal::parse(expected);
            let truncated =
                e.and_then(|e| if integer_literal { e.to_integer_exact() } else { e.to_integer_truncated() });
            truncated == Some(i128::from(*a))
        }
        ActualValue::Double(a) => expected.parse::<f64>().is_ok_and(|e| (e - a).abs() < 1e-6),
        ActualValue::Decimal(a) => {
            let (Some(e), Some(a)) = (Decimal::parse(expected), Decimal::parse(a)) else { return false };
            if integer_literal {
                // Jackson makes an IntNode or LongNode of an integer that fits
                // 64 bits, and a BigIntegerNode (never equal to a decimal) of a
                // larger one.
                let Some(e) = e.to_integer_exact().filter(|e| i64::try_from(*e).is_ok()) else {
                    return false;
                };
                a.scale() <= 0 && a.to_integer_exact() == Some(e)
            } else {
                e.numeric_eq(&a)
            }
        }
        _ => false,
    }
}

/// `new BigDecimal(expected).equals(actual)`; text that is not a number
/// matches nothing.
fn decimal_text_eq(expected: &str, actual: &str) -> bool {
    match (Decimal::parse(expected), Decimal::parse(actual)) {
        (Some(e), Some(a)) => e == a,
        _ => false,
    }
}

/// A JSON number written without a fraction or an exponent.
fn is_integer_literal(text: &str) -> bool {
    !text.contains(['.', 'e', 'E'])
}
