//! NULL handling: COALESCE, IFNULL, NULLIF, and AS_VALUE (the identity:
//! it exists so a key column can also be selected as a value column).
//!
//! The functions are generic in ksqlDB: every argument has the type of the
//! first non-NULL one. Numbers of different types widen to the widest
//! (INT, BIGINT, DECIMAL, DOUBLE), as ksqlDB's implicit casts allow.

use std::cmp::Ordering;

use datafusion::arrow::array::make_comparator;
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray};
use datafusion::arrow::compute::kernels::{cmp, zip::zip};
use datafusion::arrow::compute::{is_not_null, nullif as arrow_nullif, SortOptions};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use super::args::arg;
use super::compare::widen_decimals;
use super::udf::{fit, is_numeric, Call, Def, Reject, Resolved, P};
use crate::docs::Category;

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("COALESCE", "The first non-NULL argument.", |t| same_type(t, 1, usize::MAX), coalesce)
            .sigs(&["COALESCE(value T, ...) -> T"]),
        Def::new(
            "IFNULL",
            "The first argument, or the second when the first is NULL.",
            |t| same_type(t, 2, 2),
            coalesce,
        )
        .sigs(&["IFNULL(value T, default T) -> T"]),
        Def::new(
            "NULLIF",
            "NULL when the two arguments are equal, else the first.",
            |t| same_type(t, 2, 2),
            nullif,
        )
        .sigs(&["NULLIF(value T, other T) -> T"]),
        Def::new(
            "AS_VALUE",
            "Its argument; selects a key column into the value.",
            |t| match t {
                [one] => Ok((vec![one.clone()], one.clone())),
                _ => Err(Reject::NoMatch),
            },
            |c| Ok(arg(c.args, 0, "AS_VALUE")?.clone()),
        )
        .sigs(&["AS_VALUE(value T) -> T"])
        .category(Category::Other),
    ]
}

/// The common type of generic arguments: all the same type once NULLs and
/// the layouts of one SQL type are set aside, or numbers that widen.
pub(crate) fn common_type(types: &[DataType]) -> Option<DataType> {
    let mut present = types.iter().filter(|t| **t != DataType::Null);
    let Some(first) = present.next() else {
        // Only NULLs: ksqlDB cannot infer the type; STRING is as good as any.
        return Some(DataType::Utf8);
    };
    let normal = |t: &DataType| -> DataType {
        [P::Str, P::Bytes].iter().find_map(|p| fit(t, *p)).unwrap_or_else(|| t.clone())
    };
    let first_normal = normal(first);
    if present.clone().all(|t| normal(t) == first_normal) {
        return Some(first_normal);
    }
    let all: Vec<&DataType> = types.iter().filter(|t| **t != DataType::Null).collect();
    if !all.iter().all(|t| is_numeric(t)) {
        return None;
    }
    if all.iter().any(|t| matches!(t, DataType::Float32 | DataType::Float64)) {
        return Some(DataType::Float64);
    }
    if all.iter().any(|t| matches!(t, DataType::Decimal128(..))) {
        return widen_decimals(types);
    }
    if all.iter().any(|t| fit(t, P::Int).is_none()) {
        return Some(DataType::Int64);
    }
    Some(DataType::Int32)
}

fn same_type(t: &[DataType], min: usize, max: usize) -> Resolved {
    if t.len() < min || t.len() > max {
        return Err(Reject::NoMatch);
    }
    let common = common_type(t).ok_or(Reject::NoMatch)?;
    Ok((vec![common.clone(); t.len()], common))
}

fn coalesce(c: &Call) -> Result<ArrayRef> {
    let mut args = c.args.iter();
    let Some(first) = args.next() else {
        return datafusion::common::exec_err!("COALESCE without arguments");
    };
    let mut result = first.clone();
    for next in args {
        result = zip(&is_not_null(&result)?, &result, next)?;
    }
    Ok(result)
}

/// Row-wise equality; nested types (ARRAY, MAP, STRUCT) compare value by
/// value where Arrow's equality kernel does not reach.
fn equal(a: &ArrayRef, b: &ArrayRef) -> Result<BooleanArray> {
    if let Ok(eq) = cmp::eq(a, b) {
        return Ok(eq);
    }
    let comparator = make_comparator(a.as_ref(), b.as_ref(), SortOptions::default())?;
    Ok((0..a.len())
        .map(|i| (a.is_valid(i) && b.is_valid(i)).then(|| comparator(i, i) == Ordering::Equal))
        .collect())
}

fn nullif(c: &Call) -> Result<ArrayRef> {
    let (a, b) = (arg(c.args, 0, "NULLIF")?, arg(c.args, 1, "NULLIF")?);
    Ok(arrow_nullif(a, &equal(a, b)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_arguments_share_a_type() {
        assert_eq!(common_type(&[DataType::Int32, DataType::Null]), Some(DataType::Int32));
        assert_eq!(common_type(&[DataType::Int32, DataType::Int64]), Some(DataType::Int64));
        assert_eq!(common_type(&[DataType::Int32, DataType::Float64]), Some(DataType::Float64));
        assert_eq!(common_type(&[DataType::Utf8View, DataType::Utf8]), Some(DataType::Utf8));
        assert_eq!(common_type(&[DataType::Utf8, DataType::Int32]), None);
        assert_eq!(
            common_type(&[DataType::Int32, DataType::Decimal128(4, 2)]),
            Some(DataType::Decimal128(12, 2))
        );
    }
}
