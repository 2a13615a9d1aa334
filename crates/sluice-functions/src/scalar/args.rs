//! Reading arguments row by row and building result arrays.
//!
//! The resolver fixed every argument's Arrow type, so a failed downcast is a
//! bug; it is reported as an error rather than a panic.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayAccessor, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float64Array,
    Int32Array, Int64Array, StringArray, Time32MillisecondArray, TimestampMillisecondArray,
};
use datafusion::common::cast;
use datafusion::common::Result;

pub(crate) fn strs(a: &ArrayRef) -> Result<&StringArray> {
    cast::as_string_array(a)
}

pub(crate) fn bins(a: &ArrayRef) -> Result<&BinaryArray> {
    cast::as_binary_array(a)
}

pub(crate) fn ints(a: &ArrayRef) -> Result<&Int32Array> {
    cast::as_int32_array(a)
}

pub(crate) fn bigints(a: &ArrayRef) -> Result<&Int64Array> {
    cast::as_int64_array(a)
}

pub(crate) fn doubles(a: &ArrayRef) -> Result<&Float64Array> {
    cast::as_float64_array(a)
}

pub(crate) fn bools(a: &ArrayRef) -> Result<&BooleanArray> {
    cast::as_boolean_array(a)
}

pub(crate) fn decimals(a: &ArrayRef) -> Result<&Decimal128Array> {
    cast::as_decimal128_array(a)
}

pub(crate) fn dates(a: &ArrayRef) -> Result<&Date32Array> {
    cast::as_date32_array(a)
}

pub(crate) fn times(a: &ArrayRef) -> Result<&Time32MillisecondArray> {
    cast::as_time32_millisecond_array(a)
}

pub(crate) fn timestamps(a: &ArrayRef) -> Result<&TimestampMillisecondArray> {
    cast::as_timestamp_millisecond_array(a)
}

/// Row `i` of `a`, or None when it is NULL.
pub(crate) fn at<A: ArrayAccessor>(a: A, i: usize) -> Option<A::Item> {
    a.is_valid(i).then(|| a.value(i))
}

pub(crate) fn string_rows(rows: usize, f: impl FnMut(usize) -> Option<String>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<StringArray>())
}

pub(crate) fn binary_rows(rows: usize, f: impl FnMut(usize) -> Option<Vec<u8>>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<BinaryArray>())
}

pub(crate) fn int_rows(rows: usize, f: impl FnMut(usize) -> Option<i32>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<Int32Array>())
}

pub(crate) fn bigint_rows(rows: usize, f: impl FnMut(usize) -> Option<i64>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<Int64Array>())
}

pub(crate) fn double_rows(rows: usize, f: impl FnMut(usize) -> Option<f64>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<Float64Array>())
}

pub(crate) fn bool_rows(rows: usize, f: impl FnMut(usize) -> Option<bool>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<BooleanArray>())
}

pub(crate) fn date_rows(rows: usize, f: impl FnMut(usize) -> Option<i32>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<Date32Array>())
}

pub(crate) fn time_rows(rows: usize, f: impl FnMut(usize) -> Option<i32>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<Time32MillisecondArray>())
}

pub(crate) fn timestamp_rows(rows: usize, f: impl FnMut(usize) -> Option<i64>) -> ArrayRef {
    Arc::new((0..rows).map(f).collect::<TimestampMillisecondArray>())
}

/// Decimals with the result type's precision and scale.
pub(crate) fn decimal_rows(
    rows: usize,
    precision: u8,
    scale: i8,
    f: impl FnMut(usize) -> Option<i128>,
) -> Result<ArrayRef> {
    let array = (0..rows).map(f).collect::<Decimal128Array>().with_precision_and_scale(precision, scale)?;
    Ok(Arc::new(array))
}

/// The argument at `index`, or an error naming the function: the resolver
/// guarantees the count, so this only guards against a resolver bug.
pub(crate) fn arg<'a>(args: &'a [ArrayRef], index: usize, function: &str) -> Result<&'a ArrayRef> {
    args.get(index).ok_or_else(|| {
        datafusion::common::DataFusionError::Execution(format!("{function}: missing argument {}", index + 1))
    })
}

/// A cache of one value computed from a per-row string (a regex from its
/// pattern, a parsed date format): such arguments are usually constants, so
/// the value is built once per batch rather than once per row.
pub(crate) struct Memo<V> {
    last: Option<(String, V)>,
}

impl<V> Memo<V> {
    pub(crate) fn new() -> Self {
        Memo { last: None }
    }

    pub(crate) fn get(&mut self, key: &str, build: impl FnOnce(&str) -> V) -> &V {
        let entry = match self.last.take() {
            Some((k, v)) if k == key => (k, v),
            _ => (key.to_string(), build(key)),
        };
        &self.last.insert(entry).1
    }
}
