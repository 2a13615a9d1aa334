//! Reading and building `ScalarValue`s with the semantics ksqlDB's Java
//! aggregates have: `compareTo` and `equals` of the boxed Java values, and
//! ARRAY / MAP / STRUCT results in the catalog's Arrow layout.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, ListArray, MapArray, PrimitiveArray, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type, Int32Type, Int64Type};
use datafusion::common::ScalarValue;

use super::types::{list_of, string_map_of};

/// The value at `row` of `array` if it is an array of `T` (`Some(None)`
/// for a null), or `None` if it is of another type. The direct read that
/// the per-row paths below share.
#[inline]
pub(crate) fn primitive_at<T: ArrowPrimitiveType>(array: &ArrayRef, row: usize) -> Option<Option<T::Native>> {
    let a = array.as_any().downcast_ref::<PrimitiveArray<T>>()?;
    Some(a.is_valid(row).then(|| a.value(row)))
}

/// The value of `array` at `row`. BIGINT, INTEGER and DOUBLE, the usual
/// arguments of aggregates, are read directly: this runs for every row and
/// argument, and `ScalarValue::try_from_array`'s general dispatch was a
/// visible share of the profile.
pub(crate) fn scalar_at(array: &ArrayRef, row: usize) -> Result<ScalarValue, String> {
    if let Some(v) = primitive_at::<Int64Type>(array, row) {
        return Ok(ScalarValue::Int64(v));
    }
    if let Some(v) = primitive_at::<Int32Type>(array, row) {
        return Ok(ScalarValue::Int32(v));
    }
    if let Some(v) = primitive_at::<Float64Type>(array, row) {
        return Ok(ScalarValue::Float64(v));
    }
    ScalarValue::try_from_array(array, row).map_err(|e| e.to_string())
}

/// The values of `arrays` at `row`, into `values` (cleared first).
pub fn read_row(arrays: &[ArrayRef], row: usize, values: &mut Vec<ScalarValue>) -> Result<(), String> {
    values.clear();
    for array in arrays {
        values.push(scalar_at(array, row)?);
    }
    Ok(())
}

/// Any integer-typed value (INT, BIGINT, and the narrower widths), widened.
pub(crate) fn as_i64(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Int8(v) => v.map(i64::from),
        ScalarValue::Int16(v) => v.map(i64::from),
        ScalarValue::Int32(v) => v.map(i64::from),
        ScalarValue::Int64(v) => *v,
        ScalarValue::UInt8(v) => v.map(i64::from),
        ScalarValue::UInt16(v) => v.map(i64::from),
        ScalarValue::UInt32(v) => v.map(i64::from),
        ScalarValue::UInt64(v) => v.and_then(|v| i64::try_from(v).ok()),
        _ => None,
    }
}

pub(crate) fn as_f64(value: &ScalarValue) -> Option<f64> {
    match value {
        ScalarValue::Float64(v) => *v,
        ScalarValue::Float32(v) => v.map(f64::from),
        _ => None,
    }
}

pub(crate) fn as_str(value: &ScalarValue) -> Option<&str> {
    match value {
        ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => {
            Some(s)
        }
        _ => None,
    }
}

fn as_bytes(value: &ScalarValue) -> Option<&[u8]> {
    match value {
        ScalarValue::Binary(Some(b))
        | ScalarValue::LargeBinary(Some(b))
        | ScalarValue::BinaryView(Some(b)) => Some(b),
        _ => None,
    }
}

/// DATE days, TIME millis of day and TIMESTAMP millis: compared as numbers.
fn as_temporal(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Date32(v) | ScalarValue::Time32Millisecond(v) => v.map(i64::from),
        ScalarValue::TimestampMillisecond(v, _) => *v,
        _ => None,
    }
}

/// Java's `Double.compare`: every NaN is equal and above everything, and
/// -0.0 sorts below 0.0.
pub(crate) fn java_double_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.total_cmp(&b),
    }
}

/// Java's `compareTo` for two non-null values of one comparable ksqlDB type.
/// Strings compare by UTF-16 code unit and BYTES byte by byte as signed
/// bytes (`ByteBuffer.compareTo`), as the JVM does.
pub(crate) fn java_cmp(a: &ScalarValue, b: &ScalarValue) -> Ordering {
    if let (Some(x), Some(y)) = (as_i64(a), as_i64(b)) {
        return x.cmp(&y);
    }
    if let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) {
        return java_double_cmp(x, y);
    }
    if let (Some(x), Some(y)) = (as_str(a), as_str(b)) {
        return x.encode_utf16().cmp(y.encode_utf16());
    }
    if let (Some(x), Some(y)) = (as_bytes(a), as_bytes(b)) {
        return x.iter().map(|v| *v as i8).cmp(y.iter().map(|v| *v as i8));
    }
    if let (Some(x), Some(y)) = (as_temporal(a), as_temporal(b)) {
        return x.cmp(&y);
    }
    if let (ScalarValue::Decimal128(Some(x), _, sx), ScalarValue::Decimal128(Some(y), _, sy)) = (a, b) {
        return decimal_cmp(*x, *sx, *y, *sy);
    }
    a.partial_cmp(b).unwrap_or(Ordering::Equal)
}

/// BigDecimal.compareTo: by numeric value whatever the scales.
fn decimal_cmp(x: i128, sx: i8, y: i128, sy: i8) -> Ordering {
    let rescale =
        |v: i128, by: i8| 10i128.checked_pow(u32::from(by.unsigned_abs())).and_then(|f| v.checked_mul(f));
    let (x2, y2) = match sx.cmp(&sy) {
        Ordering::Equal => (Some(x), Some(y)),
        Ordering::Less => (rescale(x, sy - sx), Some(y)),
        Ordering::Greater => (Some(x), rescale(y, sx - sy)),
    };
    match (x2, y2) {
        (Some(x2), Some(y2)) => x2.cmp(&y2),
        // Only reachable for absurd scale gaps; the sign still decides most cases.
        _ => (x as f64 / 10f64.powi(sx.into())).total_cmp(&(y as f64 / 10f64.powi(sy.into()))),
    }
}

/// Java's `equals` on the boxed values, which `List.contains`,
/// `List.lastIndexOf` and `HashMap` use: nulls are equal to each other,
/// collections compare element-wise and maps ignore entry order.
pub(crate) fn java_eq(a: &ScalarValue, b: &ScalarValue) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => return true,
        (true, false) | (false, true) => return false,
        _ => {}
    }
    match (a, b) {
        (ScalarValue::List(_) | ScalarValue::LargeList(_), _) => {
            let (xs, ys) = (list_elements(a), list_elements(b));
            xs.len() == ys.len() && xs.iter().zip(&ys).all(|(x, y)| java_eq(x, y))
        }
        (ScalarValue::Struct(_), _) => {
            let (xs, ys) = (struct_fields(a), struct_fields(b));
            xs.len() == ys.len() && xs.iter().zip(&ys).all(|(x, y)| java_eq(x, y))
        }
        (ScalarValue::Map(_), _) => {
            let (xs, ys) = (map_entries(a), map_entries(b));
            xs.len() == ys.len()
                && xs.iter().all(|(k, v)| ys.iter().any(|(k2, v2)| java_eq(k, k2) && java_eq(v, v2)))
        }
        (ScalarValue::Boolean(x), ScalarValue::Boolean(y)) => x == y,
        _ => java_cmp(a, b) == Ordering::Equal,
    }
}

fn array_values(array: &dyn Array) -> Vec<ScalarValue> {
    (0..array.len()).filter_map(|i| ScalarValue::try_from_array(array, i).ok()).collect()
}

/// The elements of a non-null ARRAY value.
pub(crate) fn list_elements(value: &ScalarValue) -> Vec<ScalarValue> {
    match value {
        ScalarValue::List(arr) if arr.len() == 1 && !arr.is_null(0) => array_values(arr.value(0).as_ref()),
        ScalarValue::LargeList(arr) if arr.len() == 1 && !arr.is_null(0) => {
            array_values(arr.value(0).as_ref())
        }
        _ => Vec::new(),
    }
}

/// The field values of a non-null STRUCT value, in field order.
pub(crate) fn struct_fields(value: &ScalarValue) -> Vec<ScalarValue> {
    match value {
        ScalarValue::Struct(arr) if arr.len() == 1 => arr
            .columns()
            .iter()
            .map(|c| ScalarValue::try_from_array(c.as_ref(), 0).unwrap_or(ScalarValue::Null))
            .collect(),
        _ => Vec::new(),
    }
}

/// The entries of a non-null MAP value, in stored order.
pub(crate) fn map_entries(value: &ScalarValue) -> Vec<(ScalarValue, ScalarValue)> {
    match value {
        ScalarValue::Map(arr) if arr.len() == 1 && !arr.is_null(0) => {
            let entries = arr.value(0);
            if entries.num_columns() != 2 {
                return Vec::new();
            }
            array_values(entries.column(0).as_ref())
                .into_iter()
                .zip(array_values(entries.column(1).as_ref()))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A null of the given type (falls back to an untyped null for types
/// DataFusion cannot make a null of, which no ksqlDB type is).
pub(crate) fn typed_null(data_type: &DataType) -> ScalarValue {
    ScalarValue::try_from(data_type).unwrap_or(ScalarValue::Null)
}

/// One column of `values`, all of type `data_type`; untyped nulls become
/// typed ones so mixed input cannot make the build fail.
fn column(data_type: &DataType, values: &[ScalarValue]) -> Result<ArrayRef, String> {
    if values.is_empty() {
        return Ok(datafusion::arrow::array::new_empty_array(data_type));
    }
    let typed =
        values.iter().map(|v| if matches!(v, ScalarValue::Null) { typed_null(data_type) } else { v.clone() });
    let array = ScalarValue::iter_to_array(typed).map_err(|e| e.to_string())?;
    if array.data_type() == data_type {
        return Ok(array);
    }
    cast(array.as_ref(), data_type).map_err(|e| e.to_string())
}

/// An ARRAY<element> value holding `values`. Building only fails when a
/// value does not have the declared type, which is a planner bug; a typed
/// null is returned then rather than panicking mid-query.
pub(crate) fn make_list(element: &DataType, values: &[ScalarValue]) -> ScalarValue {
    let build = || -> Result<ScalarValue, String> {
        let field = Arc::new(Field::new("item", element.clone(), true));
        let list = ListArray::try_new(
            field,
            OffsetBuffer::from_lengths([values.len()]),
            column(element, values)?,
            None,
        )
        .map_err(|e| e.to_string())?;
        Ok(ScalarValue::List(Arc::new(list)))
    };
    build().unwrap_or_else(|_| typed_null(&list_of(element)))
}

/// A STRUCT value with these fields and one value per field.
pub(crate) fn make_struct(fields: &Fields, values: &[ScalarValue]) -> Result<ScalarValue, String> {
    let columns = fields
        .iter()
        .zip(values)
        .map(|(f, v)| column(f.data_type(), std::slice::from_ref(v)))
        .collect::<Result<Vec<_>, _>>()?;
    let array = StructArray::try_new(fields.clone(), columns, None).map_err(|e| e.to_string())?;
    Ok(ScalarValue::Struct(Arc::new(array)))
}

/// A MAP<STRING, value> value with these entries, in this order.
pub(crate) fn make_string_map(value_type: &DataType, entries: &[(String, ScalarValue)]) -> ScalarValue {
    let map_type = string_map_of(value_type);
    let build = || -> Result<ScalarValue, String> {
        let DataType::Map(entries_field, _) = &map_type else {
            return Err("not a map type".into());
        };
        let DataType::Struct(kv_fields) = entries_field.data_type() else {
            return Err("map entries are not a struct".into());
        };
        let keys: Vec<ScalarValue> =
            entries.iter().map(|(k, _)| ScalarValue::Utf8(Some(k.clone()))).collect();
        let vals: Vec<ScalarValue> = entries.iter().map(|(_, v)| v.clone()).collect();
        let kv = StructArray::try_new(
            kv_fields.clone(),
            vec![column(&DataType::Utf8, &keys)?, column(value_type, &vals)?],
            None,
        )
        .map_err(|e| e.to_string())?;
        let map = MapArray::try_new(
            entries_field.clone(),
            OffsetBuffer::from_lengths([entries.len()]),
            kv,
            None,
            false,
        )
        .map_err(|e| e.to_string())?;
        Ok(ScalarValue::Map(Arc::new(map)))
    };
    build().unwrap_or_else(|_| typed_null(&map_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> ScalarValue {
        ScalarValue::Utf8(Some(v.into()))
    }

    /// The direct reads give what the general conversion gives, nulls and
    /// the types it leaves to the general path included.
    #[test]
    fn values_read_directly_equal_the_general_conversion() {
        use datafusion::arrow::array::{
            Float64Array, Int32Array, Int64Array, StringArray, TimestampMillisecondArray,
        };
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![Some(-5), None])),
            Arc::new(Int32Array::from(vec![Some(7), None])),
            Arc::new(Float64Array::from(vec![Some(1.5), None])),
            Arc::new(TimestampMillisecondArray::from(vec![Some(3), None])),
            Arc::new(StringArray::from(vec![Some("a"), None])),
        ];
        for array in &arrays {
            for row in 0..2 {
                let general = ScalarValue::try_from_array(array, row).expect("converts");
                assert_eq!(scalar_at(array, row), Ok(general), "{:?} row {row}", array.data_type());
            }
        }
    }

    #[test]
    fn java_ordering() {
        assert_eq!(java_double_cmp(f64::NAN, f64::INFINITY), Ordering::Greater);
        assert_eq!(java_double_cmp(-0.0, 0.0), Ordering::Less);
        // U+FF5E is below U+1F600 in UTF-8 byte order terms but above it in UTF-16.
        assert_eq!(java_cmp(&s("\u{FF5E}"), &s("\u{1F600}")), Ordering::Greater);
        let bytes = |b: &[u8]| ScalarValue::Binary(Some(b.to_vec()));
        assert_eq!(java_cmp(&bytes(&[0x80]), &bytes(&[0x01])), Ordering::Less);
        assert_eq!(java_cmp(&bytes(&[1]), &bytes(&[1, 0])), Ordering::Less);
        let d = |v, s| ScalarValue::Decimal128(Some(v), 10, s);
        assert_eq!(java_cmp(&d(110, 2), &d(11, 1)), Ordering::Equal);
    }

    #[test]
    fn maps_equal_in_any_order() {
        let a = make_string_map(
            &DataType::Int64,
            &[("x".into(), ScalarValue::Int64(Some(1))), ("y".into(), ScalarValue::Int64(Some(2)))],
        );
        let b = make_string_map(
            &DataType::Int64,
            &[("y".into(), ScalarValue::Int64(Some(2))), ("x".into(), ScalarValue::Int64(Some(1)))],
        );
        let c = make_string_map(
            &DataType::Int64,
            &[("y".into(), ScalarValue::Int64(Some(3))), ("x".into(), ScalarValue::Int64(Some(1)))],
        );
        assert!(java_eq(&a, &b));
        assert!(!java_eq(&a, &c));
        assert_eq!(map_entries(&a).len(), 2);
    }

    #[test]
    fn builds_lists_and_structs() {
        let list = make_list(&DataType::Int32, &[ScalarValue::Int32(Some(1)), ScalarValue::Null]);
        assert_eq!(list.data_type(), list_of(&DataType::Int32));
        assert_eq!(list_elements(&list), vec![ScalarValue::Int32(Some(1)), ScalarValue::Int32(None)]);
        let fields = Fields::from(vec![Field::new("A", DataType::Utf8, true)]);
        let st = make_struct(&fields, &[s("x")]).unwrap_or(ScalarValue::Null);
        assert_eq!(struct_fields(&st), vec![s("x")]);
        assert!(!java_eq(&list, &make_list(&DataType::Int32, &[ScalarValue::Int32(Some(1))])));
    }
}
