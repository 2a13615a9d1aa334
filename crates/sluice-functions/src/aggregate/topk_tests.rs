use super::*;
use crate::aggregate::values::{list_elements, struct_fields};

fn i(v: Option<i32>) -> ScalarValue {
    ScalarValue::Int32(v)
}

fn k(v: i32) -> ScalarValue {
    ScalarValue::Int32(Some(v))
}

fn s(v: Option<&str>) -> ScalarValue {
    ScalarValue::Utf8(v.map(str::to_string))
}

#[test]
fn topk_integer() -> Result<(), String> {
    // QTT topk-group-by.json "topk integer".
    let mut acc = TopK.accumulator(&[DataType::Int32], &[k(3)])?;
    let mut out = Vec::new();
    for v in [0, 100, 99, 7, 100] {
        acc.add(&[i(Some(v))])?;
        out.push(list_elements(&acc.value()));
    }
    let want: Vec<Vec<ScalarValue>> =
        [vec![0], vec![100, 0], vec![100, 99, 0], vec![100, 99, 7], vec![100, 100, 99]]
            .into_iter()
            .map(|l| l.into_iter().map(|v| i(Some(v))).collect())
            .collect();
    assert_eq!(out, want);
    acc.add(&[i(None)])?;
    assert_eq!(list_elements(&acc.value()).len(), 3);
    assert!(acc.retract(&[i(Some(1))]).is_err());
    Ok(())
}

#[test]
fn topk_with_other_columns() -> Result<(), String> {
    // QTT "topk integer struct": ties keep arrival order.
    let args = [DataType::Int32, DataType::Utf8];
    let want_type = list_of(&DataType::Struct(Fields::from(vec![
        Field::new("sort_col", DataType::Int32, true),
        Field::new("col0", DataType::Utf8, true),
    ])));
    assert_eq!(TopK.return_type(&args, &[k(3)]), Ok(want_type.clone()));
    assert_eq!(TopK.column_args(3), 2);
    let mut acc = TopK.accumulator(&args, &[k(3)])?;
    for (v, name) in [
        (Some(0), Some("zero")),
        (Some(100), Some("one")),
        (Some(99), Some("two")),
        (None, Some("three")),
        (Some(100), None),
    ] {
        acc.add(&[i(v), s(name)])?;
    }
    let value = acc.value();
    assert_eq!(value.data_type(), want_type);
    let rows: Vec<Vec<ScalarValue>> = list_elements(&value).iter().map(struct_fields).collect();
    assert_eq!(
        rows,
        vec![
            vec![i(Some(100)), s(Some("one"))],
            vec![i(Some(100)), s(None)],
            vec![i(Some(99)), s(Some("two"))]
        ]
    );
    Ok(())
}

#[test]
fn topk_types() {
    assert_eq!(
        TopK.return_type(&[DataType::Decimal128(2, 1)], &[k(3)]),
        Err("Function 'TOPK' does not accept parameters (DECIMAL(2, 1), INTEGER).".into())
    );
    assert_eq!(
        TopK.return_type(&[DataType::Int32], &[]),
        Err("Function 'TOPK' does not accept parameters (INTEGER).".into())
    );
    assert_eq!(
        TopK.return_type(&[DataType::Float64], &[ScalarValue::Int64(Some(2))]),
        Ok(list_of(&DataType::Float64))
    );
    assert_eq!(TopK.column_args(1), 1);
}

#[test]
fn topk_zero_fails_rows() -> Result<(), String> {
    let mut acc = TopK.accumulator(&[DataType::Int32], &[k(0)])?;
    assert!(acc.add(&[i(Some(1))]).is_err());
    acc.add(&[i(None)])?;
    Ok(())
}

#[test]
fn topk_distinct_strings() -> Result<(), String> {
    // QTT topk-distinct.json "topk distinct string".
    let mut acc = TopKDistinct.accumulator(&[DataType::Utf8], &[k(3)])?;
    let mut out = Vec::new();
    for v in ["a", "b", "c", "b", "d"] {
        acc.add(&[s(Some(v))])?;
        out.push(list_elements(&acc.value()));
    }
    let want: Vec<Vec<ScalarValue>> =
        [vec!["a"], vec!["b", "a"], vec!["c", "b", "a"], vec!["c", "b", "a"], vec!["d", "c", "b"]]
            .into_iter()
            .map(|l| l.into_iter().map(|v| s(Some(v))).collect())
            .collect();
    assert_eq!(out, want);
    Ok(())
}

#[test]
fn topk_distinct_decimals() -> Result<(), String> {
    let d = |v| ScalarValue::Decimal128(Some(v), 2, 1);
    let mut acc = TopKDistinct.accumulator(&[DataType::Decimal128(2, 1)], &[k(3)])?;
    for v in [98, 89, 78, 65, 99, 98] {
        acc.add(&[d(v)])?;
    }
    acc.add(&[ScalarValue::Decimal128(None, 2, 1)])?;
    assert_eq!(list_elements(&acc.value()), vec![d(99), d(98), d(89)]);
    assert_eq!(
        TopKDistinct.return_type(&[DataType::Boolean], &[k(1)]),
        Err("Function 'TOPKDISTINCT' does not accept parameters (BOOLEAN, INTEGER).".into())
    );
    Ok(())
}
