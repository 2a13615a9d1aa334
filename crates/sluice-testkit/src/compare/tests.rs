use std::collections::HashMap;

use serde_json::{json, Value};

use super::*;
use crate::qtt::{RecordHeader, WindowKind};

/// Parses JSON text as the loader does.
fn j(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn matches(expected: &str, actual: ActualValue) -> bool {
    actual_matches(&j(expected), &actual)
}

fn dec(text: &str) -> ActualValue {
    ActualValue::Decimal(text.to_string())
}

#[test]
fn number_text_tells_integer_from_decimal_literals() {
    // Whole numbers keep no fraction and floats always show one, with or
    // without serde_json's arbitrary_precision.
    assert_eq!(j("10").to_string(), "10");
    assert_eq!(j("10.0").to_string(), "10.0");
    assert!(j("1e16").to_string().contains(['e', 'E']));
}

#[test]
fn integers() {
    assert!(matches("10", ActualValue::Int(10)));
    assert!(!matches("10", ActualValue::Int(11)));
    assert!(matches("-9223372036854775808", ActualValue::Int(i64::MIN)));
    // Java's `longValue()` truncates an expected decimal literal.
    assert!(matches("10.0", ActualValue::Int(10)));
    assert!(matches("10.9", ActualValue::Int(10)));
    assert!(!matches("10", ActualValue::String("10".into())));
    assert!(!matches("10", ActualValue::Null));
}

#[test]
fn doubles_within_one_millionth() {
    assert!(matches("0.3", ActualValue::Double(0.1 + 0.2)));
    assert!(matches("2", ActualValue::Double(2.0)));
    assert!(matches("1.0000005", ActualValue::Double(1.0)));
    // 1.000001 - 1.0 is just under 1e-6 in doubles, as in Java.
    assert!(matches("1.000001", ActualValue::Double(1.0)));
    assert!(!matches("1.0000011", ActualValue::Double(1.0)));
    assert!(!matches("-1.0000011", ActualValue::Double(-1.0)));
    assert!(!matches("1.00001", ActualValue::Double(1.0)));
    assert!(!matches("1", ActualValue::Double(f64::NAN)));
    assert!(!matches("1", ActualValue::Double(f64::INFINITY)));
}

#[test]
fn decimal_literals_compare_values_whatever_the_scale() {
    assert!(matches("10.01", dec("10.01")));
    assert!(matches("10.010", dec("10.01")));
    assert!(matches("10.0", dec("10.0000")));
    assert!(matches("20.2", dec("20.2000")));
    assert!(matches("-20.2", dec("-20.2000")));
    assert!(matches("0.0", dec("0.0000")));
    assert!(matches("1.0E+3", dec("1000")));
    assert!(matches("10.123451234512345", dec("10.1234512345123450000")));
    assert!(!matches("10.01", dec("10.1")));
    assert!(!matches("10.1", dec("-10.1")));
    assert!(!matches("1.5", dec("not a number")));
}

#[test]
fn an_integer_literal_matches_only_scale_zero_or_less() {
    assert!(matches("10", dec("10")));
    assert!(matches("10", dec("1E+1")));
    assert!(!matches("10", dec("10.0")));
    assert!(!matches("10", dec("10.00")));
    assert!(!matches("11", dec("10")));
    assert!(matches("0", dec("-0")));
    // Beyond 64 bits Jackson has a BigIntegerNode, which matches no decimal.
    assert!(!matches("123456789012345678901234567890", dec("123456789012345678901234567890")));
}

#[test]
fn a_string_may_match_a_decimal_of_the_same_scale() {
    assert!(matches(r#""10.50""#, dec("10.50")));
    assert!(matches(r#""15.11""#, dec("1511E-2")));
    assert!(!matches(r#""10.5""#, dec("10.50")));
    assert!(!matches(r#""abc""#, dec("10.50")));
    assert!(matches(r#""abc""#, ActualValue::String("abc".into())));
    assert!(!matches(r#""10""#, ActualValue::Int(10)));
    assert!(!matches(r#""1.5""#, ActualValue::Double(1.5)));
}

#[test]
fn null_matches_only_null() {
    assert!(matches("null", ActualValue::Null));
    assert!(!matches("null", ActualValue::Int(0)));
    assert!(!matches("null", ActualValue::String(String::new())));
    assert!(!matches("0", ActualValue::Null));
    assert!(!matches("{}", ActualValue::Null));
    assert!(!matches("false", ActualValue::Null));
    assert!(matches("false", ActualValue::Bool(false)));
}

#[test]
fn objects_need_the_same_field_count_and_fall_back_to_upper_case() {
    let actual = |fields: &[(&str, ActualValue)]| {
        ActualValue::Map(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    };
    let ab = actual(&[("A", ActualValue::Int(1)), ("b", ActualValue::Int(2))]);
    assert!(matches(r#"{"a": 1, "b": 2}"#, ab.clone()));
    assert!(matches(r#"{"A": 1, "b": 2}"#, ab.clone()));
    assert!(!matches(r#"{"a": 1, "B": 2}"#, ab.clone()));
    assert!(!matches(r#"{"a": 1}"#, ab.clone()));
    assert!(!matches(r#"{"a": 1, "b": 2, "c": null}"#, ab.clone()));
    // A missing field is null.
    assert!(matches(
        r#"{"a": 1, "c": null}"#,
        actual(&[("A", ActualValue::Int(1)), ("x", ActualValue::Int(2))])
    ));
    // An exact-name field that is null also falls back to the upper-case name.
    let shadowed = actual(&[("a", ActualValue::Null), ("A", ActualValue::Int(1))]);
    assert!(matches(r#"{"a": 1, "Z": null}"#, shadowed.clone()));
    assert!(!matches(r#"{"a": null, "Z": null}"#, shadowed));
    assert!(!matches(r#"{"a": 1}"#, ActualValue::Array(vec![ActualValue::Int(1)])));
}

#[test]
fn arrays_compare_length_and_elements() {
    let arr = ActualValue::Array(vec![ActualValue::Int(1), dec("2.50"), ActualValue::Null]);
    assert!(matches("[1, 2.5, null]", arr.clone()));
    assert!(!matches("[1, 2.6, null]", arr.clone()));
    assert!(!matches("[1, 2.5, 0]", arr.clone()));
    assert!(!matches("[1, 2.5]", arr.clone()));
    assert!(!matches("[1, 2.5, null, 4]", arr));
    assert!(matches("[]", ActualValue::Array(vec![])));
    assert!(!matches("[]", ActualValue::Map(vec![])));
}

#[test]
fn json_actuals_are_typed_like_ksqldb_reads_json() {
    assert!(values_match(&j(r#"{"A": 1.5, "B": 2}"#), &j(r#"{"A": 1.5, "B": 2}"#)));
    assert!(!values_match(&j(r#"{"A": 1.5}"#), &j(r#"{"A": 1.5000001}"#)));
    assert!(values_match(&j("0.30000000000000004"), &j("0.30000000000000004")));
    assert!(!values_match(&j("0.3"), &j("0.30000000000000004")));
    assert!(!values_match(&j("2"), &j("2.0")));
    assert!(values_match(&j("2.0"), &j("2")));
    assert_eq!(ActualValue::from(&j("2.5")), dec("2.5"));
    assert_eq!(ActualValue::from(&j("-7")), ActualValue::Int(-7));
    // With doubles, 1e-6 applies.
    let double = ActualValue::from_json(&j("2.0000001"), NumberMode::Double);
    assert_eq!(double, ActualValue::Double(2.0000001));
    assert!(actual_matches(&j("2"), &double));
    assert_eq!(ActualValue::from_json(&j("7"), NumberMode::Double), ActualValue::Int(7));
}

#[test]
fn mismatch_reasons_name_the_path() {
    let actual = ActualValue::from(&j(r#"{"A": [1, {"B": 2.5}], "C": "x"}"#));
    assert_eq!(
        value_mismatch(&j(r#"{"A": [1, {"B": 2.4}], "C": "x"}"#), &actual).as_deref(),
        Some("at .A[1].B: expected 2.4, got 2.5")
    );
    assert_eq!(
        value_mismatch(&j(r#"{"A": 1}"#), &actual).as_deref(),
        Some("expected fields [A], got [A, C]")
    );
    assert_eq!(value_mismatch(&j("1"), &ActualValue::Double(1.5)).as_deref(), Some("expected 1, got 1.5"));
}

fn expected(key: Option<Value>, value: Value, timestamp: Option<i64>) -> TestRecord {
    TestRecord { topic: "OUT".into(), key, value, timestamp, window: None, headers: None }
}

fn actual(key: Option<Value>, value: Value, timestamp: i64) -> ActualRecord {
    ActualRecord::from_json(key.as_ref(), &value, timestamp)
}

#[test]
fn topics_compare_count_and_records_in_order() {
    let exp = vec![
        expected(Some(json!(1)), json!({"V": 1}), None),
        expected(Some(json!(2)), json!({"V": 2}), None),
    ];
    let act = vec![actual(Some(json!(1)), json!({"V": 1}), 5), actual(Some(json!(2)), json!({"V": 2}), 6)];
    assert_eq!(compare_topic("OUT", &exp, &act), Ok(()));

    let swapped = vec![act[1].clone(), act[0].clone()];
    assert_eq!(compare_topic("OUT", &exp, &swapped), Err("topic OUT record 0: expected key 1, got 2".into()));

    assert_eq!(
        compare_topic("OUT", &exp, &act[..1]),
        Err(r#"topic OUT: expected 2 records, got 1; first missing record: key 2, value {"V":2}"#.into())
    );
    let extra = vec![act[0].clone(), act[1].clone(), act[1].clone()];
    assert_eq!(
        compare_topic("OUT", &exp, &extra),
        Err(r#"topic OUT: expected 2 records, got 3; first extra record: key 2, value {"V":2} at 6"#.into())
    );
    let wrong = vec![act[0].clone(), actual(Some(json!(2)), json!({"V": 3}), 6), act[1].clone()];
    assert_eq!(
        compare_topic("OUT", &exp, &wrong),
        Err(r#"topic OUT: expected 2 records, got 3; first difference at record 1: expected value {"V":2}, got {"V":3} (at .V: expected 2, got 3)"#.into())
    );
}

#[test]
fn keys_absent_and_null_are_the_same() {
    let exp = vec![expected(None, json!(null), None)];
    assert_eq!(compare_topic("T", &exp, &[actual(None, json!(null), 0)]), Ok(()));
    assert_eq!(compare_topic("T", &exp, &[actual(Some(json!(null)), json!(null), 0)]), Ok(()));
    assert_eq!(
        compare_topic("T", &exp, &[actual(Some(json!("k")), json!(null), 0)]),
        Err(r#"topic T record 0: expected key null, got "k""#.into())
    );
    assert_eq!(
        compare_topic("T", &exp, &[actual(None, json!(1), 0)]),
        Err("topic T record 0: expected value null, got 1".into())
    );
}

#[test]
fn timestamps_only_when_given_and_zero_with_insert_statements() {
    let exp = vec![expected(None, json!(1), Some(0))];
    let act = vec![actual(None, json!(1), 1234)];
    assert_eq!(
        compare_topic("T", &exp, &act),
        Err("topic T record 0: expected timestamp 0, got 1234".into())
    );
    let inserts = CompareOptions { ran_with_insert_statements: true };
    assert_eq!(compare_topic_with("T", &exp, &act, inserts), Ok(()));
    let exp = vec![expected(None, json!(1), Some(5))];
    assert!(compare_topic_with("T", &exp, &act, inserts).is_err());
    let exp = vec![expected(None, json!(1), None)];
    assert_eq!(compare_topic("T", &exp, &act), Ok(()));
}

#[test]
fn windowed_keys_compare_the_window_and_the_inner_key() {
    let window = WindowSpec { start: 0, end: 30000, kind: WindowKind::Time };
    let mut exp = expected(Some(json!("a")), json!({"C": 1}), None);
    exp.window = Some(window);
    let mut act = actual(Some(json!("a")), json!({"C": 1}), 0);
    act.window = Some(window);
    assert_eq!(record_mismatch(&exp, &act, CompareOptions::default()), None);

    let mut other = act.clone();
    other.window = Some(WindowSpec { end: 60000, ..window });
    assert_eq!(
        record_mismatch(&exp, &other, CompareOptions::default()).as_deref(),
        Some("expected time window [0, 30000), got time window [0, 60000)")
    );
    other.window = Some(WindowSpec { kind: WindowKind::Session, ..window });
    assert!(record_mismatch(&exp, &other, CompareOptions::default()).is_some());
    other.window = None;
    assert_eq!(
        record_mismatch(&exp, &other, CompareOptions::default()).as_deref(),
        Some("expected a key in time window [0, 30000), got an unwindowed key")
    );
    let mut inner = act.clone();
    inner.key = Some(ActualValue::String("b".into()));
    assert_eq!(
        record_mismatch(&exp, &inner, CompareOptions::default()).as_deref(),
        Some(r#"expected key "a", got "b""#)
    );
    let mut unwindowed = exp.clone();
    unwindowed.window = None;
    assert_eq!(
        record_mismatch(&unwindowed, &act, CompareOptions::default()).as_deref(),
        Some("expected an unwindowed key, got a key in time window [0, 30000)")
    );
}

#[test]
fn headers_compare_exactly_and_absent_means_none() {
    let header = |k: &str, v: Option<&[u8]>| RecordHeader {
        key: k.into(),
        value: v.map(|b| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(b)
        }),
        bytes: v.map(<[u8]>::to_vec),
    };
    let mut exp = expected(None, json!(1), None);
    let mut act = actual(None, json!(1), 0);
    assert_eq!(record_mismatch(&exp, &act, CompareOptions::default()), None);

    act.headers = vec![("abc".into(), Some(vec![0x21]))];
    assert_eq!(
        record_mismatch(&exp, &act, CompareOptions::default()).as_deref(),
        Some("expected headers [], got [abc=IQ==]")
    );
    exp.headers = Some(vec![header("abc", Some(&[0x21]))]);
    assert_eq!(record_mismatch(&exp, &act, CompareOptions::default()), None);
    exp.headers = Some(vec![header("abc", None)]);
    assert!(record_mismatch(&exp, &act, CompareOptions::default()).is_some());
    act.headers = vec![("abc".into(), None)];
    assert_eq!(record_mismatch(&exp, &act, CompareOptions::default()), None);
    act.headers = vec![("abc".into(), Some(vec![]))];
    assert!(record_mismatch(&exp, &act, CompareOptions::default()).is_some());
    exp.headers = Some(vec![header("a", Some(&[1])), header("b", Some(&[2]))]);
    act.headers = vec![("b".into(), Some(vec![2])), ("a".into(), Some(vec![1]))];
    assert_eq!(
        record_mismatch(&exp, &act, CompareOptions::default()).as_deref(),
        Some("expected headers [a=AQ==, b=Ag==], got [b=Ag==, a=AQ==]")
    );
}

#[test]
fn long_values_are_clipped_in_errors() {
    let big = "x".repeat(1000);
    let exp = vec![expected(None, json!(big), None)];
    let err = compare_topic("T", &exp, &[actual(None, json!("y"), 0)]).unwrap_err();
    assert!(err.len() < 400, "{err}");
    assert!(err.contains('…'));
}

#[test]
fn compare_outputs_checks_each_expected_topic() {
    let case = crate::qtt::parse_qtt(
        std::path::Path::new("f.json"),
        r#"{"tests": [{"name": "n", "statements": ["X;"], "outputs": [
          {"topic": "A", "value": 1, "timestamp": 0}, {"topic": "B", "value": 2}]}]}"#,
    )
    .unwrap()
    .cases
    .remove(0);
    let mut produced: HashMap<String, Vec<ActualRecord>> = HashMap::new();
    produced.insert("A".into(), vec![actual(None, json!(1), 99)]);
    produced.insert("C".into(), vec![actual(None, json!(3), 0)]);
    assert_eq!(
        compare_outputs(&case, &produced),
        Err("topic B: expected 1 records, got 0; first missing record: key null, value 2".into())
    );
    produced.insert("B".into(), vec![actual(None, json!(2), 0)]);
    // No inputs: the expected timestamp 0 on A matches 99.
    assert_eq!(compare_outputs(&case, &produced), Ok(()));
}
