//! GREATEST and LEAST: the largest or smallest non-NULL argument.
//!
//! ksqlDB has one overload per type (INT, BIGINT, DOUBLE, DECIMAL, STRING,
//! BYTES, DATE, TIME, TIMESTAMP), each variadic. Arguments of one type pick
//! that overload; a mix of numbers that DOUBLE is among widens to DOUBLE; a
//! string fits DATE, TIME and TIMESTAMP (ksqlDB parses string literals for
//! temporal parameters). Any other mix matches several overloads, which
//! ksqlDB reports as ambiguous.

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::compute::kernels::{boolean, cmp, zip::zip};
use datafusion::arrow::compute::{is_not_null, is_null, prep_null_mask_filter};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use super::udf::{fit, type_list, Call, Def, Reject, Resolved, P, TIME, TIMESTAMP};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new(
            "greatest",
            "The largest non-NULL value among the arguments.",
            |t| sig(t, "greatest"),
            |c| pick(c, Pick::Greatest),
        )
        .sigs(&["GREATEST(value T, ...) -> T"]),
        Def::new(
            "least",
            "The smallest non-NULL value among the arguments.",
            |t| sig(t, "least"),
            |c| pick(c, Pick::Least),
        )
        .sigs(&["LEAST(value T, ...) -> T"]),
    ]
}

/// The SQL type family of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Int,
    Bigint,
    Double,
    Decimal,
    Str,
    Bytes,
    Date,
    Time,
    Timestamp,
}

fn family(t: &DataType) -> Option<Family> {
    let checks = [
        (P::Int, Family::Int),
        (P::Bigint, Family::Bigint),
        (P::Str, Family::Str),
        (P::Bytes, Family::Bytes),
        (P::Date, Family::Date),
        (P::Time, Family::Time),
        (P::Timestamp, Family::Timestamp),
    ];
    match t {
        DataType::Null => None,
        DataType::Float32 | DataType::Float64 => Some(Family::Double),
        DataType::Decimal128(..) => Some(Family::Decimal),
        _ => checks.iter().find(|(p, _)| fit(t, *p).is_some()).map(|(_, f)| *f),
    }
}

/// ksqlDB's `DecimalUtil.widen`: enough integer and fraction digits for all.
pub(crate) fn widen_decimals(types: &[DataType]) -> Option<DataType> {
    let (mut int_digits, mut scale) = (0i16, 0i16);
    for t in types {
        let (p, s) = match t {
            DataType::Decimal128(p, s) => (*p as i16, *s as i16),
            DataType::Null => continue,
            _ => match fit(t, P::Decimal)? {
                DataType::Decimal128(p, s) => (p as i16, s as i16),
                _ => return None,
            },
        };
        int_digits = int_digits.max(p - s);
        scale = scale.max(s);
    }
    let precision = (int_digits + scale).clamp(1, 38);
    Some(DataType::Decimal128(precision as u8, scale.min(precision) as i8))
}

/// The one type every argument is cast to, for GREATEST and LEAST.
fn common_type(types: &[DataType]) -> Option<DataType> {
    let families: Vec<Family> = types.iter().filter_map(family).collect();
    if families.len() != types.iter().filter(|t| **t != DataType::Null).count() {
        return None;
    }
    let first = *families.first()?;
    if families.iter().all(|f| *f == first) {
        return Some(match first {
            Family::Int => DataType::Int32,
            Family::Bigint => DataType::Int64,
            Family::Double => DataType::Float64,
            Family::Decimal => widen_decimals(types)?,
            Family::Str => DataType::Utf8,
            Family::Bytes => DataType::Binary,
            Family::Date => DataType::Date32,
            Family::Time => TIME,
            Family::Timestamp => TIMESTAMP,
        });
    }
    let numeric = |f: &Family| matches!(f, Family::Int | Family::Bigint | Family::Double | Family::Decimal);
    if families.iter().all(numeric) && families.contains(&Family::Double) {
        return Some(DataType::Float64);
    }
    let temporal = [Family::Date, Family::Time, Family::Timestamp];
    let mut non_string = families.iter().filter(|f| **f != Family::Str);
    let target = *non_string.next()?;
    if temporal.contains(&target) && non_string.all(|f| *f == target) {
        return common_type(&[type_of(target)]);
    }
    None
}

fn type_of(f: Family) -> DataType {
    match f {
        Family::Date => DataType::Date32,
        Family::Time => TIME,
        _ => TIMESTAMP,
    }
}

fn sig(t: &[DataType], name: &str) -> Resolved {
    if t.is_empty() {
        return Err(Reject::NoMatch);
    }
    match common_type(t) {
        Some(common) => Ok((vec![common.clone(); t.len()], common)),
        None => Err(Reject::Message(format!(
            "Function '{name}' cannot be resolved due to ambiguous method parameters ({}).",
            type_list(t)
        ))),
    }
}

#[derive(Clone, Copy)]
enum Pick {
    Greatest,
    Least,
}

/// Folds the arguments with Arrow's comparison and zip kernels: a row
/// takes the next argument where the result so far is NULL, or where the
/// argument is non-NULL and beats it.
fn pick(c: &Call, which: Pick) -> Result<ArrayRef> {
    let mut args = c.args.iter();
    let Some(first) = args.next() else {
        return datafusion::common::exec_err!("GREATEST without arguments");
    };
    let mut result = first.clone();
    for next in args {
        let beats = match which {
            Pick::Greatest => cmp::gt(next, &result)?,
            Pick::Least => cmp::lt(next, &result)?,
        };
        let fill = boolean::and(&is_null(&result)?, &is_not_null(next)?)?;
        // prep_null_mask_filter expects a null buffer to be there.
        let beats = if beats.null_count() > 0 { prep_null_mask_filter(&beats) } else { beats };
        let take = boolean::or(&beats, &fill)?;
        result = zip(&take, next, &result)?;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(t: &[DataType]) -> std::result::Result<DataType, Reject> {
        sig(t, "greatest").map(|(_, r)| r)
    }

    #[test]
    fn one_overload_per_family() {
        assert_eq!(resolved(&[DataType::Int32, DataType::Null, DataType::Int32]), Ok(DataType::Int32));
        assert_eq!(
            resolved(&[DataType::Decimal128(9, 2), DataType::Decimal128(7, 6)]),
            Ok(DataType::Decimal128(13, 6))
        );
        assert_eq!(
            resolved(&[DataType::Int32, DataType::Int64, DataType::Decimal128(30, 18), DataType::Float64]),
            Ok(DataType::Float64)
        );
        assert_eq!(resolved(&[DataType::Date32, DataType::Utf8]), Ok(DataType::Date32));
        assert_eq!(resolved(&[TIMESTAMP, DataType::Null, DataType::Utf8]), Ok(TIMESTAMP));
    }

    #[test]
    fn mixes_without_double_are_ambiguous() {
        assert_eq!(
            resolved(&[DataType::Int32, DataType::Int64]),
            Err(Reject::Message(
                "Function 'greatest' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT)."
                    .into()
            ))
        );
        assert!(matches!(resolved(&[DataType::Null, DataType::Null]), Err(Reject::Message(_))));
        assert_eq!(resolved(&[]), Err(Reject::NoMatch));
    }
}
