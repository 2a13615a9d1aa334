use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BinaryArray, Int32Array, StringArray};

use super::*;
use crate::scalar::testing::call;

fn s(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn i(values: &[Option<i32>]) -> ArrayRef {
    Arc::new(Int32Array::from(values.to_vec()))
}

fn b(values: &[Option<&[u8]>]) -> ArrayRef {
    Arc::new(BinaryArray::from(values.to_vec()))
}

fn strings(a: &ArrayRef) -> Vec<Option<String>> {
    let a = a.as_any().downcast_ref::<StringArray>().expect("strings");
    a.iter().map(|v| v.map(str::to_string)).collect()
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}

#[test]
fn case_trim_and_length() {
    let text = s(&[Some(" \t with White space \t"), None]);
    assert_eq!(
        strings(&call("ucase", vec![text.clone()])),
        vec![Some(" \t WITH WHITE SPACE \t".into()), None]
    );
    assert_eq!(
        strings(&call("lcase", vec![text.clone()])),
        vec![Some(" \t with white space \t".into()), None]
    );
    // Java's trim strips tabs too.
    assert_eq!(strings(&call("trim", vec![text])), vec![Some("with White space".into()), None]);
    let len = call("len", vec![s(&[Some("ABC"), Some("héllo"), Some(""), None])]);
    assert_eq!(
        len.as_any().downcast_ref::<Int32Array>().map(|a| a.iter().collect::<Vec<_>>()),
        Some(vec![Some(3), Some(5), Some(0), None])
    );
    let len = call("len", vec![b(&[Some(b"abc")])]);
    assert_eq!(len.as_any().downcast_ref::<Int32Array>().map(|a| a.value(0)), Some(3));
}

#[test]
fn substring_is_one_based_and_clamped() {
    let text = s(&[Some("some_string"), Some("another"), Some("short")]);
    assert_eq!(
        strings(&call("substring", vec![text.clone(), i(&[Some(6); 3]), i(&[Some(3); 3])])),
        some(&["str", "er", ""])
    );
    assert_eq!(
        strings(&call("substring", vec![text.clone(), i(&[Some(-3); 3])])),
        some(&["ing", "her", "ort"])
    );
    assert_eq!(
        strings(&call("substring", vec![text.clone(), i(&[Some(0); 3]), i(&[Some(2); 3])])),
        some(&["so", "an", "sh"])
    );
    assert_eq!(strings(&call("substring", vec![text, i(&[None; 3])])), vec![None, None, None]);
    assert_eq!(substring_range(5, 10, Some(2)), (5, 5));
    assert_eq!(char_slice("héllo", 1, 3), "él");
}

#[test]
fn concat_skips_nulls_and_concat_ws_separates() {
    let a = s(&[Some("a"), None]);
    let c = s(&[Some("c"), Some("c")]);
    assert_eq!(strings(&call("concat", vec![a.clone(), s(&[None, None]), c.clone()])), some(&["ac", "c"]));
    assert_eq!(strings(&call("concat", vec![a.clone()])), vec![None, None]);
    let sep = s(&[Some("-"), None]);
    assert_eq!(strings(&call("concat_ws", vec![sep, a, c])), vec![Some("a-c".into()), None]);
}

#[test]
fn instr_finds_occurrences_both_ways() {
    assert_eq!(instr_value("corporate floor", "or", 1, 1), 2);
    assert_eq!(instr_value("corporate floor", "or", 4, 1), 5);
    assert_eq!(instr_value("corporate floor", "or", -4, 2), 2);
    assert_eq!(instr_value("short", "or", 4, 1), 0);
    assert_eq!(instr_value("short", "or", -4, 2), 0);
    assert_eq!(instr_value("short", "or", 10, 1), 0);
}

#[test]
fn padding_cycles_and_truncates() {
    let subject = s(&[Some("foo"), Some("foo"), Some("foo"), Some("foo"), Some("")]);
    let len = i(&[Some(7), Some(2), Some(-1), Some(i32::MAX), Some(7)]);
    let padding = s(&[Some("Bar"), Some("Bar"), Some("Bar"), Some("Bar"), Some("Bar")]);
    assert_eq!(
        strings(&call("lpad", vec![subject.clone(), len.clone(), padding.clone()])),
        vec![Some("BarBfoo".into()), Some("fo".into()), None, None, Some("BarBarB".into())]
    );
    assert_eq!(strings(&call("rpad", vec![subject, len, padding]))[0], Some("fooBarB".into()));
    assert_eq!(pad(b"yes", 8, b"no", false), Some(b"yesnonon".to_vec()));
    assert_eq!(pad(b"yes", 3, b"", false), None);
}

#[test]
fn initcap_replace_chr() {
    assert_eq!(initcap_value("the   Quick br0wn fOx"), "The   Quick Br0wn Fox");
    assert_eq!(initcap_value("  some_string"), "Some_string");
    assert_eq!(
        strings(&call("replace", vec![s(&[Some("abcab")]), s(&[Some("ab")]), s(&[Some("x")])])),
        some(&["xcx"])
    );
    assert_eq!(
        strings(&call("replace", vec![s(&[Some("ab")]), s(&[Some("")]), s(&[Some("-")])])),
        some(&["-a-b-"])
    );
    assert_eq!(
        strings(&call("chr", vec![i(&[Some(75), Some(22909), Some(99000), Some(-1), None])])),
        vec![Some("K".into()), Some("\u{597d}".into()), Some("\u{182b8}".into()), None, None]
    );
    assert_eq!(
        strings(&call("chr", vec![s(&[Some("\\u004b"), Some("\\ud820\\udeb8"), Some("K")])])),
        vec![Some("K".into()), Some("\u{182b8}".into()), None]
    );
}

#[test]
fn elt_field_md5_uuid() {
    let (a, b2) = (s(&[Some("hello"), None]), s(&[Some("world"), Some("hello")]));
    let field = call("field", vec![s(&[Some("hello"), Some("hello")]), a.clone(), b2.clone()]);
    assert_eq!(
        field.as_any().downcast_ref::<Int32Array>().map(|f| f.iter().collect::<Vec<_>>()),
        Some(vec![Some(1), Some(2)])
    );
    assert_eq!(strings(&call("elt", vec![i(&[Some(2), Some(3)]), a, b2])), vec![Some("world".into()), None]);
    assert_eq!(
        strings(&call("md5", vec![s(&[Some("r1"), Some("")])])),
        some(&["7c92cf1eee8d99cc85f8355a3d6e4b86", "d41d8cd98f00b204e9800998ecf8427e"])
    );
    let ids = strings(&call("uuid", vec![]));
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].as_ref().map(String::len), Some(36));
}
