use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int32Array, ListArray, MapArray, StringArray};

use super::*;
use crate::scalar::testing::call;

fn s(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn strings(a: &ArrayRef) -> Vec<Option<String>> {
    let a = a.as_any().downcast_ref::<StringArray>().expect("strings");
    a.iter().map(|v| v.map(str::to_string)).collect()
}

fn lists(a: &ArrayRef) -> Vec<Option<Vec<Option<String>>>> {
    let a = a.as_any().downcast_ref::<ListArray>().expect("list");
    (0..a.len()).map(|i| a.is_valid(i).then(|| strings(&a.value(i)))).collect()
}

fn owned(values: &[&str]) -> Option<Vec<Option<String>>> {
    Some(values.iter().map(|v| Some(v.to_string())).collect())
}

#[test]
fn extract_first_match_or_group() {
    let input = s(&[Some("some_test_string"), Some("anothertest"), None]);
    assert_eq!(
        strings(&call("regexp_extract", vec![s(&[Some("test.")]).slice(0, 1), input.slice(0, 1)])),
        vec![Some("test_".into())]
    );
    let pattern = s(&[Some("(.*) (.*)"); 3]);
    let names = s(&[Some("steven zhang"), Some("agavra"), None]);
    let group = Arc::new(Int32Array::from(vec![2, 2, 2])) as ArrayRef;
    assert_eq!(
        strings(&call("regexp_extract", vec![pattern.clone(), names.clone(), group])),
        vec![Some("zhang".into()), None, None]
    );
    let too_high = Arc::new(Int32Array::from(vec![5, 5, 5])) as ArrayRef;
    assert_eq!(strings(&call("regexp_extract", vec![pattern, names, too_high])), vec![None, None, None]);
}

#[test]
fn extract_all_groups() {
    let pattern = s(&[Some("(\\w+) (\\w*)"); 3]);
    let input = s(&[Some("steven zhang andy coates"), Some("agavra"), None]);
    let group = Arc::new(Int32Array::from(vec![2, 2, 2])) as ArrayRef;
    assert_eq!(
        lists(&call("regexp_extract_all", vec![pattern, input, group])),
        vec![owned(&["zhang", "coates"]), owned(&[]), None]
    );
}

#[test]
fn replace_uses_java_replacement_syntax() {
    let regex = Regex::new("(ab)+").expect("regex");
    assert_eq!(regexp_replace_value("baabbabaa", &regex, "cat").as_deref(), Some("bacatbcataa"));
    assert_eq!(regexp_replace_value("xaby", &regex, "[$1]").as_deref(), Some("x[ab]y"));
    assert_eq!(regexp_replace_value("xaby", &regex, "\\$").as_deref(), Some("x$y"));
    assert_eq!(regexp_replace_value("xaby", &regex, "$2"), None);
    assert_eq!(parse_replacement("$12", 2), Some(vec![Piece::Group(1), Piece::Text("2".into())]));
    // An invalid pattern gives NULL.
    let out = call("regexp_replace", vec![s(&[Some("a")]), s(&[Some("(")]), s(&[Some("b")])]);
    assert_eq!(strings(&out), vec![None]);
}

#[test]
fn split_strings_bytes_and_regexes() {
    assert_eq!(split_string("..a..", "."), vec!["", "", "a", "", ""]);
    assert_eq!(split_string("a$$b.c", "$$"), vec!["a", "b.c"]);
    assert_eq!(split_string("abc", ""), vec!["a", "b", "c"]);
    assert_eq!(split_string("", ""), vec![""]);
    assert_eq!(split_bytes(b".abc$$", b"$$"), vec![&b".abc"[..], &b""[..]]);
    assert_eq!(split_bytes(b"ab", b""), vec![&b"a"[..], &b"b"[..]]);
    let out = call(
        "regexp_split_to_array",
        vec![s(&[Some("a.b.c"), Some("a1b22c")]), s(&[Some(""), Some("\\d+")])],
    );
    assert_eq!(lists(&out), vec![owned(&["a", ".", "b", ".", "c"]), owned(&["a", "b", "c"])]);
}

#[test]
fn split_to_map_keeps_last_value() {
    assert_eq!(
        split_to_map_value("apple:green//banana:yellow/apple:red/", "/", ":"),
        Some(vec![("apple", "red"), ("banana", "yellow")])
    );
    assert_eq!(split_to_map_value("a:b", "", ":"), None);
    assert_eq!(split_to_map_value("", "/", ":"), Some(vec![]));
    let out = call("split_to_map", vec![s(&[Some("a:1/b:2"), None]), s(&[Some("/"); 2]), s(&[Some(":"); 2])]);
    let map = out.as_any().downcast_ref::<MapArray>().expect("map");
    assert_eq!((map.value_length(0), map.is_null(1)), (2, true));
    assert_eq!(out.data_type(), &string_map());
}
