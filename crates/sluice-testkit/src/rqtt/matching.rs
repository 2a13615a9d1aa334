//! How ksqlDB's REST runner compares answers with a case's expectations.
//!
//! - An expected object names only the fields it checks; each must be in
//!   the actual object. A key `name|startsWith` asks for a string that
//!   starts with the expected one. Objects are compared field by field,
//!   anything else for equality.
//! - In expected strings, `{STATEMENT}` stands for the statement the
//!   response answers.
//! - Numbers are equal when they are the same number of the same kind: an
//!   integer never equals a number written with a fraction or exponent
//!   (Jackson reads them as Integer/Long and BigDecimal/Double).

use serde_json::{Map, Value};

use super::ExpectedError;

/// Why `actual` does not hold what `expected` asks for, or None.
pub fn fields_mismatch(
    actual: &Value,
    expected: &Map<String, Value>,
    statement: &str,
    path: &str,
) -> Option<String> {
    let Value::Object(actual) = actual else {
        return Some(format!("{path}: expected an object, got {actual}"));
    };
    for (key, wanted) in expected {
        let (name, starts_with) = match key.split_once('|') {
            Some((name, operator)) if operator.eq_ignore_ascii_case("starts_with") => (name, true),
            Some((name, _)) => (name, false),
            None => (key.as_str(), false),
        };
        let here = format!("{path}->{name}");
        let Some(got) = actual.get(name) else {
            return Some(format!("{here}: missing (got {})", Value::Object(actual.clone())));
        };
        let wanted = match wanted {
            Value::String(text) => Value::String(text.replace("{STATEMENT}", statement)),
            other => other.clone(),
        };
        let mismatch = match (&wanted, got) {
            (Value::Object(wanted), _) => fields_mismatch(got, wanted, statement, &here),
            (Value::String(wanted), Value::String(got)) if starts_with => (!got.starts_with(wanted.as_str()))
                .then(|| format!("{here}: {got:?} does not start with {wanted:?}")),
            _ => (!json_equal(&wanted, got)).then(|| format!("{here}: expected {wanted}, got {got}")),
        };
        if mismatch.is_some() {
            return mismatch;
        }
    }
    None
}

/// Equality of JSON values as Java objects read by Jackson.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => numbers_equal(&a.to_string(), &b.to_string()),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn numbers_equal(a: &str, b: &str) -> bool {
    let integral = |t: &str| !t.contains(['.', 'e', 'E']);
    match (integral(a), integral(b)) {
        (true, true) => matches!((a.parse::<i128>(), b.parse::<i128>()), (Ok(x), Ok(y)) if x == y),
        (false, false) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        },
        _ => false,
    }
}

/// Why an error answer (`status` and body) is not the one expected, or
/// None. `statement` is the last statement of the case, which a statement
/// error must name.
pub fn error_mismatch(
    expected: &ExpectedError,
    status: u16,
    body: &Value,
    statement: &str,
) -> Option<String> {
    if let Some(wanted) = expected.status {
        if wanted != status {
            return Some(format!("expected status {wanted}, got {status}: {body}"));
        }
    }
    let message = body.get("message").and_then(Value::as_str).unwrap_or_default();
    if let Some(wanted) = &expected.message {
        if !message.contains(wanted.as_str()) {
            return Some(format!("expected an error containing {wanted:?}, got {message:?}"));
        }
    }
    if let Some(class) = &expected.type_ {
        let kind = body.get("@type").and_then(Value::as_str).unwrap_or_default();
        if class.ends_with(".KsqlStatementErrorMessage") {
            if kind != "statement_error" {
                return Some(format!("expected a statement_error, got {body}"));
            }
            let text = body.get("statementText").and_then(Value::as_str).unwrap_or_default();
            if !text.contains(statement) {
                return Some(format!("the error names statement {text:?}, not {statement:?}"));
            }
        } else if !class.ends_with(".KsqlErrorMessage") {
            return Some(format!("unknown expected error type {class}"));
        } else if !matches!(kind, "generic_error" | "statement_error") {
            return Some(format!("expected a ksqlDB error body, got {body}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test objects only"),
        }
    }

    #[test]
    fn only_expected_fields_are_checked() {
        let actual =
            json!({"@type": "currentStatus", "commandStatus": {"status": "SUCCESS", "message": "x"}});
        assert_eq!(fields_mismatch(&actual, &object(json!({"@type": "currentStatus"})), "", "r"), None);
        let nested = object(json!({"commandStatus": {"status": "ERROR"}}));
        assert!(fields_mismatch(&actual, &nested, "", "r").is_some());
        assert!(fields_mismatch(&actual, &object(json!({"missing": 1})), "", "r").is_some());
    }

    #[test]
    fn starts_with_and_statement_macro() {
        let actual =
            json!({"statementText": "CREATE STREAM S (A INT) WITH (X=1);", "message": "Created query"});
        let expected = object(json!({"statementText": "{STATEMENT}", "message|starts_with": "Created"}));
        assert_eq!(fields_mismatch(&actual, &expected, "CREATE STREAM S (A INT) WITH (X=1);", "r"), None);
        let wrong = object(json!({"message|starts_with": "Dropped"}));
        assert!(fields_mismatch(&actual, &wrong, "", "r").is_some());
    }

    #[test]
    fn numbers_compare_by_kind_and_value() {
        assert!(json_equal(&json!([1, 2.5, "a"]), &json!([1, 2.50, "a"])));
        assert!(!json_equal(&json!(1), &json!(1.0)));
        assert!(!json_equal(&json!([1]), &json!([1, 2])));
        assert!(json_equal(&json!({"A": 1, "B": [2]}), &json!({"B": [2], "A": 1})));
    }

    #[test]
    fn errors_check_status_message_and_type() {
        let body =
            json!({"@type": "statement_error", "message": "Bad thing: x", "statementText": "SELECT 1;"});
        let expected = ExpectedError {
            type_: Some("io.confluent.ksql.rest.entity.KsqlStatementErrorMessage".into()),
            message: Some("Bad thing".into()),
            status: Some(400),
        };
        assert_eq!(error_mismatch(&expected, 400, &body, "SELECT 1;"), None);
        assert!(error_mismatch(&expected, 500, &body, "SELECT 1;").is_some());
        assert!(error_mismatch(&expected, 400, &body, "SELECT 2;").is_some());
        let generic = json!({"@type": "generic_error", "message": "Bad thing"});
        assert!(error_mismatch(&expected, 400, &generic, "SELECT 1;").is_some());
    }
}
