//! The CASTs ksqlDB does differently from Arrow: an ARRAY, MAP or STRUCT to
//! STRING is written as Java's `toString` does (`[1, 2]`, `{k=v}`,
//! `Struct{A=1}`), and a STRING to DATE may stop after the year or month
//! (`'1970-01'`), as ksqlDB's partial dates do.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Int64Array, ListArray, MapArray, StringArray, StructArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::{Decimal128Type, Float64Type, Int32Type, Int64Type};
use datafusion::arrow::error::ArrowError;
use datafusion::logical_expr::Expr;
use sluice_functions::partial_timestamp::parse_partial_timestamp;
use sluice_functions::scalar::java_string;

use crate::array_fn;

/// `CAST(expr AS STRING)` for a nested `expr`.
pub(crate) fn nested_to_string(expr: Expr) -> Expr {
    array_fn::call("cast_to_string", expr, None, DataType::Utf8, (), |array, ()| {
        let texts: StringArray = (0..array.len()).map(|row| java_string(array.as_ref(), row)).collect();
        Ok(Arc::new(texts))
    })
}

const MILLIS_PER_DAY: i64 = 86_400_000;

/// `CAST(expr AS DATE)` for a STRING `expr`: a date that is not one is null.
pub(crate) fn string_to_date(expr: Expr) -> Expr {
    array_fn::call("cast_to_date", expr, Some(DataType::Utf8), DataType::Date32, (), |texts, ()| {
        let days: Date32Array = texts
            .as_string::<i32>()
            .iter()
            .map(|t| {
                let millis = parse_partial_timestamp(t?.trim()).ok()?;
                i32::try_from(millis.div_euclid(MILLIS_PER_DAY)).ok()
            })
            .collect();
        Ok(Arc::new(days))
    })
}

/// Whether casting `from` to `to` narrows a number somewhere (nested types too),
/// where Java's conversions differ from Arrow's: Java wraps a BIGINT into an INT
/// and saturates a DOUBLE, where Arrow gives null.
pub(crate) fn narrows(from: &DataType, to: &DataType) -> bool {
    match (from, to) {
        (DataType::Int64 | DataType::Float64 | DataType::Decimal128(..), DataType::Int32)
        | (DataType::Float64 | DataType::Decimal128(..), DataType::Int64) => true,
        (DataType::List(a), DataType::List(b)) => narrows(a.data_type(), b.data_type()),
        (DataType::Map(a, _), DataType::Map(b, _)) => narrows(a.data_type(), b.data_type()),
        (DataType::Struct(a), DataType::Struct(b)) => {
            a.iter().zip(b.iter()).any(|(x, y)| narrows(x.data_type(), y.data_type()))
        }
        _ => false,
    }
}

/// `CAST(expr AS to)` with Java's narrowing conversions.
pub(crate) fn java_cast(expr: Expr, to: DataType) -> Expr {
    array_fn::call("java_cast", expr, None, to.clone(), to, narrow)
}

/// `array` as `to`, narrowing numbers as Java does and casting the rest as Arrow does.
fn narrow(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, ArrowError> {
    let whole = |array: &ArrayRef| -> Result<Int64Array, ArrowError> {
        Ok(match array.data_type() {
            DataType::Int64 => array.as_primitive::<Int64Type>().clone(),
            // Rust's `as` saturates and takes NaN to 0, as Java's (long) does.
            DataType::Float64 => array.as_primitive::<Float64Type>().unary(|v| v as i64),
            DataType::Decimal128(_, scale) => {
                let divisor = 10i128.pow(u32::from(scale.unsigned_abs()));
                // BigDecimal.longValue(): the integer part's low 64 bits.
                array.as_primitive::<Decimal128Type>().unary(|v| (v / divisor) as i64)
            }
            other => return Err(ArrowError::CastError(format!("cannot narrow {other}"))),
        })
    };
    Ok(match (array.data_type(), to) {
        (DataType::Float64, DataType::Int32) => {
            Arc::new(array.as_primitive::<Float64Type>().unary::<_, Int32Type>(|v| v as i32))
        }
        (DataType::Int64 | DataType::Decimal128(..), DataType::Int32) => {
            // Java's (int) of a long keeps its low 32 bits.
            Arc::new(whole(array)?.unary::<_, Int32Type>(|v| v as i32))
        }
        (DataType::Float64 | DataType::Decimal128(..), DataType::Int64) => Arc::new(whole(array)?),
        (DataType::List(_), DataType::List(field)) => {
            let list = array.as_list::<i32>();
            let values = narrow(list.values(), field.data_type())?;
            Arc::new(ListArray::try_new(
                Arc::clone(field),
                list.offsets().clone(),
                values,
                list.nulls().cloned(),
            )?)
        }
        (DataType::Map(..), DataType::Map(entries, sorted)) => {
            let map = array.as_map();
            let DataType::Struct(kv) = entries.data_type() else {
                return Err(ArrowError::CastError("map entries must be a struct".into()));
            };
            let keys = narrow(map.keys(), kv[0].data_type())?;
            let values = narrow(map.values(), kv[1].data_type())?;
            let entries_array = StructArray::try_new(kv.clone(), vec![keys, values], None)?;
            Arc::new(MapArray::try_new(
                Arc::clone(entries),
                map.offsets().clone(),
                entries_array,
                map.nulls().cloned(),
                *sorted,
            )?)
        }
        (DataType::Struct(_), DataType::Struct(fields)) => {
            let strukt = array.as_struct();
            let columns = strukt
                .columns()
                .iter()
                .zip(fields.iter())
                .map(|(c, f)| narrow(c, f.data_type()))
                .collect::<Result<Vec<_>, _>>()?;
            Arc::new(StructArray::try_new(fields.clone(), columns, strukt.nulls().cloned())?)
        }
        _ => cast(array, to)?,
    })
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Float64Array, Int32Array};

    use super::*;

    #[test]
    fn narrowing_follows_java() {
        let longs: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), Some(2_147_483_648), None]));
        let ints = narrow(&longs, &DataType::Int32).unwrap();
        assert_eq!(
            ints.as_primitive::<Int32Type>(),
            &Int32Array::from(vec![Some(1), Some(-2_147_483_648), None])
        );
        let doubles: ArrayRef = Arc::new(Float64Array::from(vec![1.9, -1.9, 1e20, f64::NAN]));
        let ints = narrow(&doubles, &DataType::Int32).unwrap();
        assert_eq!(ints.as_primitive::<Int32Type>(), &Int32Array::from(vec![1, -1, i32::MAX, 0]));
        assert!(narrows(&DataType::Int64, &DataType::Int32));
        assert!(!narrows(&DataType::Int32, &DataType::Int64));
    }
}
