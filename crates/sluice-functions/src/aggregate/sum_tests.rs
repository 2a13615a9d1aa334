use super::*;
use crate::aggregate::types::list_of;

fn int(v: i32) -> ScalarValue {
    ScalarValue::Int32(Some(v))
}

fn dec(v: i128, p: u8, s: i8) -> ScalarValue {
    ScalarValue::Decimal128(Some(v), p, s)
}

#[test]
fn sums_ints_wrapping_and_ignores_nulls() -> Result<(), String> {
    let mut acc = Sum.accumulator(&[DataType::Int32], &[])?;
    // The initial value is 0, so only nulls sum to 0 (not null).
    acc.add(&[ScalarValue::Int32(None)])?;
    assert_eq!(acc.value(), int(0));
    acc.add(&[int(i32::MAX)])?;
    acc.add(&[int(1)])?;
    assert_eq!(acc.value(), int(i32::MIN));
    acc.retract(&[int(1)])?;
    acc.retract(&[ScalarValue::Int32(None)])?;
    assert_eq!(acc.value(), int(i32::MAX));
    Ok(())
}

#[test]
fn result_types() {
    assert_eq!(Sum.return_type(&[DataType::Int32], &[]), Ok(DataType::Int32));
    assert_eq!(Sum.return_type(&[DataType::Int64], &[]), Ok(DataType::Int64));
    assert_eq!(Sum.return_type(&[DataType::Float64], &[]), Ok(DataType::Float64));
    assert_eq!(Sum.return_type(&[DataType::Decimal128(4, 1)], &[]), Ok(DataType::Decimal128(4, 1)));
    assert_eq!(
        Sum.return_type(&[DataType::Utf8], &[]),
        Err("Function 'SUM' does not accept parameters (STRING).".into())
    );
    assert_eq!(Sum.return_type(&[], &[]), Err("Function 'SUM' does not accept parameters ().".into()));
}

#[test]
fn doubles() -> Result<(), String> {
    let mut acc = Sum.accumulator(&[DataType::Float64], &[])?;
    acc.add(&[ScalarValue::Float64(Some(5.4))])?;
    acc.add(&[ScalarValue::Float64(Some(100.1))])?;
    assert_eq!(acc.value(), ScalarValue::Float64(Some(5.4 + 100.1)));
    Ok(())
}

#[test]
fn decimal_keeps_scale_and_overflows_like_ksqldb() -> Result<(), String> {
    // QTT sum.json "sum decimal with overflow": DECIMAL(4,1) 500.9 + 300.8 + 400.8.
    let mut acc = Sum.accumulator(&[DataType::Decimal128(4, 1)], &[])?;
    assert_eq!(acc.value(), dec(0, 4, 1));
    acc.add(&[dec(5009, 4, 1)])?;
    acc.add(&[dec(3008, 4, 1)])?;
    assert_eq!(acc.value(), dec(8017, 4, 1));
    let err = acc.add(&[dec(4008, 4, 1)]).err();
    assert_eq!(
        err.as_deref(),
        Some("Numeric field overflow: A field with precision 4 and scale 1 must round to an absolute value less than 10^3. Got 1203")
    );
    // The failed row leaves the sum as it was.
    assert_eq!(acc.value(), dec(8017, 4, 1));
    acc.retract(&[dec(3008, 4, 1)])?;
    assert_eq!(acc.value(), dec(5009, 4, 1));
    Ok(())
}

#[test]
fn overflow_message_rounding() {
    assert!(overflow_message(1017, 3, 1).ends_with("less than 10^2. Got 102"));
    assert!(overflow_message(-10000, 4, 2).ends_with("Got -100.0"));
    assert!(overflow_message(99995, 4, 4).ends_with("Got 10.00"));
}

#[test]
fn sum_list() -> Result<(), String> {
    let arg = list_of(&DataType::Int64);
    assert_eq!(SumList.return_type(std::slice::from_ref(&arg), &[]), Ok(DataType::Int64));
    assert_eq!(
        SumList.return_type(&[list_of(&DataType::Utf8)], &[]),
        Err("Function 'sum_list' does not accept parameters (ARRAY<STRING>).".into())
    );
    let mut acc = SumList.accumulator(&[arg], &[])?;
    let list = |vals: &[Option<i64>]| {
        let vals: Vec<ScalarValue> = vals.iter().map(|v| ScalarValue::Int64(*v)).collect();
        crate::aggregate::values::make_list(&DataType::Int64, &vals)
    };
    acc.add(&[list(&[Some(100), Some(100)])])?;
    acc.add(&[list(&[Some(100), Some(100), None])])?;
    acc.add(&[ScalarValue::Null])?;
    assert_eq!(acc.value(), ScalarValue::Int64(Some(400)));
    acc.retract(&[list(&[Some(100)])])?;
    assert_eq!(acc.value(), ScalarValue::Int64(Some(300)));
    Ok(())
}
