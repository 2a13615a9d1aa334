use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Int32Array, ListArray,
    MapBuilder, MapFieldNames, StringArray, StringBuilder, Time32MillisecondArray, TimestampMillisecondArray,
};
use datafusion::arrow::datatypes::Int32Type;

use super::*;
use crate::scalar::testing::call;

fn s(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn strings(a: &ArrayRef) -> Vec<Option<String>> {
    let a = a.as_any().downcast_ref::<StringArray>().expect("strings");
    a.iter().map(|v| v.map(str::to_string)).collect()
}

fn json(a: ArrayRef) -> Vec<Option<String>> {
    strings(&call("to_json_string", vec![a]))
}

#[test]
fn json_paths() {
    assert_eq!(json_path("$.a.b[0]['c d']"), Some(vec!["a".into(), "b".into(), "0".into(), "c d".into()]));
    assert_eq!(json_path("a.b"), None);
    assert_eq!(extract_value(r#"{"nested": "nest0"}"#, &["nested".into()]).as_deref(), Some("nest0"));
    assert_eq!(
        extract_value(r#"{"a": [1, {"b": true}]}"#, &["a".into(), "1".into()]).as_deref(),
        Some(r#"{"b":true}"#)
    );
    assert_eq!(extract_value(r#"{"a": null}"#, &["a".into()]).as_deref(), Some("null"));
    assert_eq!(extract_value(r#"{"a": 1}"#, &["b".into()]), None);
    assert_eq!(extract_value("not json", &[]), None);
}

#[test]
fn predicates_on_json_text() {
    let docs = s(&[Some("1"), Some("abc"), Some("[1, 2]"), Some(""), None]);
    let ok = call("is_json_string", vec![docs.clone()]);
    let ok = ok.as_any().downcast_ref::<BooleanArray>().map(|a| a.iter().collect::<Vec<_>>());
    assert_eq!(ok, Some(vec![Some(true), Some(false), Some(true), Some(false), Some(false)]));
    let len = call("json_array_length", vec![docs]);
    let len = len.as_any().downcast_ref::<Int32Array>().map(|a| a.iter().collect::<Vec<_>>());
    assert_eq!(len, Some(vec![None, None, Some(2), None, None]));
    let arrays = s(&[Some(r#"["Pink", null]"#), Some(r#"["Red"]"#), Some("[1.0, 2]"), None]);
    let has = call("json_array_contains", vec![arrays.clone(), s(&[Some("Pink"); 4])]);
    let has = has.as_any().downcast_ref::<BooleanArray>().map(|a| a.iter().collect::<Vec<_>>());
    assert_eq!(has, Some(vec![Some(true), Some(false), Some(false), None]));
    let ints = call("json_array_contains", vec![arrays, Arc::new(Int32Array::from(vec![2; 4]))]);
    assert_eq!(ints.as_any().downcast_ref::<BooleanArray>().map(|a| a.value(2)), Some(true));
}

#[test]
fn concat_keys_records_items() {
    let out = call(
        "json_concat",
        vec![
            s(&[Some(r#"{"a": {"5": 6}}"#), Some("[1, 2]"), Some("1")]),
            s(&[Some(r#"{"a": {"3": 4}, "b": 1}"#), Some(r#"{"a": 1}"#), Some("")]),
        ],
    );
    assert_eq!(
        strings(&out),
        vec![Some(r#"{"a":{"3":4},"b":1}"#.into()), Some(r#"[1,2,{"a":1}]"#.into()), None]
    );
    let keys = call("json_keys", vec![s(&[Some(r#"{"b": 1, "a": 2}"#), Some("[]")])]);
    let keys = keys.as_any().downcast_ref::<ListArray>().expect("list");
    assert_eq!(strings(&keys.value(0)), vec![Some("b".into()), Some("a".into())]);
    assert!(keys.is_null(1));
    let records = call("json_records", vec![s(&[Some(r#"{"White": "Seven", "n": 7}"#)])]);
    assert_eq!(records.data_type(), &crate::scalar::regex::string_map());
    let items = call("json_items", vec![s(&[Some(r#"[{"a": 1}, {"b": 2}]"#), Some("[1]")])]);
    let items = items.as_any().downcast_ref::<ListArray>().expect("list");
    assert_eq!(strings(&items.value(0)), vec![Some(r#"{"a":1}"#.into()), Some(r#"{"b":2}"#.into())]);
    assert!(items.is_null(1));
}

#[test]
fn to_json_string_of_every_type() {
    assert_eq!(
        json(Arc::new(Int32Array::from(vec![Some(1), None]))),
        vec![Some("1".into()), Some("null".into())]
    );
    let decimal = Decimal128Array::from(vec![123456]).with_precision_and_scale(6, 3).expect("decimal");
    assert_eq!(json(Arc::new(decimal)), vec![Some("123.456".into())]);
    assert_eq!(json(Arc::new(BinaryArray::from(vec![&b"!"[..]]))), vec![Some("\"IQ==\"".into())]);
    assert_eq!(
        json(Arc::new(Time32MillisecondArray::from(vec![60220000]))),
        vec![Some("\"16:43:40\"".into())]
    );
    assert_eq!(json(Arc::new(Date32Array::from(vec![1000]))), vec![Some("\"1972-09-27\"".into())]);
    assert_eq!(
        json(Arc::new(TimestampMillisecondArray::from(vec![60220000000]))),
        vec![Some("\"1971-11-28T23:46:40.000\"".into())]
    );
    let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
    let mut map = MapBuilder::new(
        Some(names),
        StringBuilder::new(),
        datafusion::arrow::array::ListBuilder::new(
            datafusion::arrow::array::PrimitiveBuilder::<Int32Type>::new(),
        ),
    );
    map.keys().append_value("z");
    map.values().append_value([Some(1), Some(2)]);
    map.keys().append_value("id");
    map.values().append_null();
    map.append(true).expect("map");
    assert_eq!(json(Arc::new(map.finish())), vec![Some(r#"{"id":null,"z":[1,2]}"#.into())]);
    assert_eq!(json(s(&[Some("a\"b\n")])), vec![Some(r#""a\"b\n""#.into())]);
}
