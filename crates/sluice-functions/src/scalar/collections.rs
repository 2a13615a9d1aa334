//! ARRAY and MAP functions: ARRAY_LENGTH, ARRAY_JOIN, ARRAY_SORT,
//! ARRAY_REMOVE, SLICE and GENERATE_SERIES. MAP functions are in `maps.rs`.
//!
//! Results that keep the input's elements are built by picking element
//! positions and gathering them with Arrow's `take`, so they work for any
//! element type, nested ones included. DataFusion's own ARRAY_DISTINCT,
//! ARRAY_EXCEPT, ARRAY_INTERSECT, ARRAY_UNION, ARRAY_CONCAT, ARRAY_MAX,
//! ARRAY_MIN, ARRAY_CONTAINS, MAP_KEYS and MAP_VALUES already behave as
//! ksqlDB's and stay in use.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{make_comparator, Array, ArrayRef, ListArray, UInt32Array};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{take, SortOptions};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{cast, exec_err, Result};

use super::args::*;
use super::javafmt;
use super::regex::list_of;
use super::udf::{fit, Call, Def, Reject, Resolved, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("ARRAY_LENGTH", "The number of elements of an array.", length_sig, array_length)
            .sigs(&["ARRAY_LENGTH(array ARRAY<T>) -> INT"]),
        Def::new(
            "ARRAY_JOIN",
            "Joins the elements of an array of primitives into a string, with ',' or the given delimiter.",
            join_sig,
            array_join,
        )
        .sigs(&[
            "ARRAY_JOIN(array ARRAY<T>) -> STRING",
            "ARRAY_JOIN(array ARRAY<T>, delimiter STRING) -> STRING",
        ]),
        Def::new("array_sort", "Sorts an array ('ASC' or 'DESC'), NULLs last.", sort_sig, array_sort).sigs(
            &[
                "ARRAY_SORT(array ARRAY<T>) -> ARRAY<T>",
                "ARRAY_SORT(array ARRAY<T>, direction STRING) -> ARRAY<T>",
            ],
        ),
        Def::new(
            "array_remove",
            "Removes every element equal to a value from an array.",
            remove_sig,
            array_remove,
        )
        .sigs(&["ARRAY_REMOVE(array ARRAY<T>, value T) -> ARRAY<T>"]),
        Def::new(
            "slice",
            "The elements of an array from one 1-based position to another, inclusive.",
            slice_sig,
            slice,
        )
        .sigs(&["SLICE(array ARRAY<T>, from INT, to INT) -> ARRAY<T>"]),
        Def::new(
            "GENERATE_SERIES",
            "An array of the INT or BIGINT values from start to end, inclusive, by a step.",
            series_sig,
            generate_series,
        )
        .sigs(&[
            "GENERATE_SERIES(start INT, end INT) -> ARRAY<INT>",
            "GENERATE_SERIES(start INT, end INT, step INT) -> ARRAY<INT>",
            "GENERATE_SERIES(start BIGINT, end BIGINT) -> ARRAY<BIGINT>",
            "GENERATE_SERIES(start BIGINT, end BIGINT, step INT) -> ARRAY<BIGINT>",
        ]),
    ]
}

pub(crate) fn element_of(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f) => Some(f.data_type()),
        _ => None,
    }
}

fn length_sig(t: &[DataType]) -> Resolved {
    match t {
        [list] if element_of(list).is_some() => Ok((vec![list.clone()], DataType::Int32)),
        _ => Err(Reject::NoMatch),
    }
}

fn array_length(c: &Call) -> Result<ArrayRef> {
    let list = cast::as_list_array(arg(c.args, 0, "ARRAY_LENGTH")?)?;
    Ok(int_rows(c.rows, |i| list.is_valid(i).then(|| list.value_length(i))))
}

fn join_sig(t: &[DataType]) -> Resolved {
    let (list, rest) = t.split_first().ok_or(Reject::NoMatch)?;
    let element = element_of(list).ok_or(Reject::NoMatch)?;
    let primitive = matches!(
        element,
        DataType::Boolean | DataType::Int32 | DataType::Int64 | DataType::Float64 | DataType::Decimal128(..)
    ) || fit(element, P::Str).is_some();
    if !primitive || rest.len() > 1 {
        return Err(Reject::NoMatch);
    }
    let mut args = vec![list.clone()];
    for d in rest {
        args.push(fit(d, P::Str).ok_or(Reject::NoMatch)?);
    }
    Ok((args, STRING))
}

/// Java's `toString` of a primitive element; `null` for NULL.
fn element_text(values: &dyn Array, i: usize) -> Result<String> {
    if values.is_null(i) {
        return Ok("null".into());
    }
    Ok(match values.data_type() {
        DataType::Boolean => cast::as_boolean_array(values)?.value(i).to_string(),
        DataType::Int32 => cast::as_int32_array(values)?.value(i).to_string(),
        DataType::Int64 => cast::as_int64_array(values)?.value(i).to_string(),
        DataType::Float64 => javafmt::double(cast::as_float64_array(values)?.value(i)),
        DataType::Decimal128(_, s) => javafmt::decimal(cast::as_decimal128_array(values)?.value(i), *s),
        DataType::Utf8 => cast::as_string_array(values)?.value(i).to_string(),
        other => return exec_err!("ARRAY_JOIN of {other}"),
    })
}

fn array_join(c: &Call) -> Result<ArrayRef> {
    let list = cast::as_list_array(arg(c.args, 0, "ARRAY_JOIN")?)?;
    let delimiter = c.args.get(1).map(strs).transpose()?;
    let rows = (0..c.rows)
        .map(|i| {
            if list.is_null(i) {
                return Ok(None);
            }
            let sep = match delimiter {
                // A NULL delimiter joins without one.
                Some(d) => at(d, i).unwrap_or(""),
                None => ",",
            };
            let items = list.value(i);
            let parts =
                (0..items.len()).map(|k| element_text(items.as_ref(), k)).collect::<Result<Vec<_>>>()?;
            Ok(Some(parts.join(sep)))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut rows = rows.into_iter();
    Ok(string_rows(c.rows, |_| rows.next().flatten()))
}

/// A list of the input's elements at chosen positions of its values array,
/// or NULL rows; the element type is kept.
fn gather(list: &ListArray, rows: Vec<Option<Vec<u32>>>) -> Result<ArrayRef> {
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    let mut indices: Vec<u32> = Vec::new();
    let mut valid = Vec::with_capacity(rows.len());
    offsets.push(0i32);
    for row in &rows {
        if let Some(picked) = row {
            indices.extend_from_slice(picked);
        }
        valid.push(row.is_some());
        offsets.push(i32::try_from(indices.len()).unwrap_or(i32::MAX));
    }
    let values = take(list.values().as_ref(), &UInt32Array::from(indices), None)?;
    let field = match list.data_type() {
        DataType::List(f) => Arc::clone(f),
        other => return exec_err!("expected a list, got {other}"),
    };
    let array =
        ListArray::try_new(field, OffsetBuffer::new(offsets.into()), values, Some(NullBuffer::from(valid)))?;
    Ok(Arc::new(array))
}

/// The positions in the list's values array of row `i`'s elements.
pub(crate) fn positions(list: &ListArray, i: usize) -> std::ops::Range<u32> {
    let offsets = list.value_offsets();
    let bound = |k: usize| offsets.get(k).map_or(0, |o| (*o).max(0) as u32);
    bound(i)..bound(i + 1)
}

fn sort_sig(t: &[DataType]) -> Resolved {
    let (list, rest) = t.split_first().ok_or(Reject::NoMatch)?;
    let element = element_of(list).ok_or(Reject::NoMatch)?;
    // Only comparable primitives sort, as in ksqlDB.
    if matches!(element, DataType::List(_) | DataType::Map(..) | DataType::Struct(_)) || rest.len() > 1 {
        return Err(Reject::NoMatch);
    }
    let mut args = vec![list.clone()];
    for d in rest {
        args.push(fit(d, P::Str).ok_or(Reject::NoMatch)?);
    }
    Ok((args, list.clone()))
}

fn array_sort(c: &Call) -> Result<ArrayRef> {
    let list = cast::as_list_array(arg(c.args, 0, "ARRAY_SORT")?)?;
    let direction = c.args.get(1).map(strs).transpose()?;
    let values = list.values();
    let compare = make_comparator(values.as_ref(), values.as_ref(), SortOptions::default())?;
    let rows = (0..c.rows)
        .map(|i| {
            if list.is_null(i) {
                return None;
            }
            let descending = match direction.map(|d| at(d, i).map(str::to_ascii_uppercase)) {
                None => false,
                Some(Some(d)) if d == "ASC" || d == "ASCENDING" => false,
                Some(Some(d)) if d == "DESC" || d == "DESCENDING" => true,
                // An unknown or NULL direction gives NULL.
                _ => return None,
            };
            let mut picked: Vec<u32> = positions(list, i).collect();
            picked.sort_by(|&a, &b| match (values.is_null(a as usize), values.is_null(b as usize)) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) if descending => compare(b as usize, a as usize),
                (false, false) => compare(a as usize, b as usize),
            });
            Some(picked)
        })
        .collect();
    gather(list, rows)
}

fn remove_sig(t: &[DataType]) -> Resolved {
    let [list, victim] = t else { return Err(Reject::NoMatch) };
    let element = element_of(list).ok_or(Reject::NoMatch)?;
    let same = victim == element
        || victim == &DataType::Null
        || [P::Str, P::Int, P::Bigint, P::Double, P::Bytes].iter().any(|p| {
            fit(element, *p).is_some_and(|e| &e == element) && fit(victim, *p).as_ref() == Some(element)
        });
    if !same {
        return Err(Reject::NoMatch);
    }
    Ok((vec![list.clone(), element.clone()], list.clone()))
}

fn array_remove(c: &Call) -> Result<ArrayRef> {
    let list = cast::as_list_array(arg(c.args, 0, "ARRAY_REMOVE")?)?;
    let victim = arg(c.args, 1, "ARRAY_REMOVE")?;
    let values = list.values();
    let compare = make_comparator(values.as_ref(), victim.as_ref(), SortOptions::default())?;
    let rows = (0..c.rows)
        .map(|i| {
            if list.is_null(i) {
                return None;
            }
            // `Objects.equals`: NULL equals NULL.
            let equal = |k: u32| match (values.is_null(k as usize), victim.is_null(i)) {
                (true, true) => true,
                (false, false) => compare(k as usize, i) == Ordering::Equal,
                _ => false,
            };
            Some(positions(list, i).filter(|k| !equal(*k)).collect())
        })
        .collect();
    gather(list, rows)
}

fn slice_sig(t: &[DataType]) -> Resolved {
    let [list, from, to] = t else { return Err(Reject::NoMatch) };
    element_of(list).ok_or(Reject::NoMatch)?;
    let int = |d: &DataType| fit(d, P::Int).ok_or(Reject::NoMatch);
    Ok((vec![list.clone(), int(from)?, int(to)?], list.clone()))
}

fn slice(c: &Call) -> Result<ArrayRef> {
    let list = cast::as_list_array(arg(c.args, 0, "SLICE")?)?;
    let from = ints(arg(c.args, 1, "SLICE")?)?;
    let to = ints(arg(c.args, 2, "SLICE")?)?;
    let rows = (0..c.rows)
        .map(|i| {
            if list.is_null(i) {
                return None;
            }
            let range = positions(list, i);
            let size = (range.end - range.start) as i64;
            // Java's subList: 1-based and inclusive here; out of range is NULL.
            let start = at(from, i).map_or(0, |f| f as i64 - 1);
            let end = at(to, i).map_or(size, |t| t as i64);
            if start < 0 || end > size || start > end {
                return None;
            }
            Some((range.start + start as u32..range.start + end as u32).collect())
        })
        .collect();
    gather(list, rows)
}

fn series_sig(t: &[DataType]) -> Resolved {
    let int = |ps: &[P]| super::udf::exact(t, ps);
    if let Some(args) = int(&[P::Int, P::Int]).or_else(|| int(&[P::Int, P::Int, P::Int])) {
        return Ok((args, list_of(DataType::Int32)));
    }
    let args = int(&[P::Bigint, P::Bigint])
        .or_else(|| int(&[P::Bigint, P::Bigint, P::Int]))
        .ok_or(Reject::NoMatch)?;
    Ok((args, list_of(DataType::Int64)))
}

/// ksqlDB's series: the step defaults to 1 or -1 towards the end; a zero
/// step or one of the wrong sign fails the call. Series too long to hold
/// fail too.
pub(crate) fn series(start: i64, end: i64, step: Option<i64>) -> Option<Vec<i64>> {
    let diff = end.checked_sub(start)?;
    let step = step.unwrap_or(if diff > 0 { 1 } else { -1 });
    if step == 0 || (diff > 0 && step < 0) || (diff < 0 && step > 0) {
        return None;
    }
    let size = 1 + diff / step;
    if size > 10_000_000 {
        return None;
    }
    Some((0..size).map(|k| start + k * step).collect())
}

fn generate_series(c: &Call) -> Result<ArrayRef> {
    let wide = c.args.first().is_some_and(|a| a.data_type() == &DataType::Int64);
    let get = |k: usize, i: usize| -> Result<Option<i64>> {
        let Some(a) = c.args.get(k) else { return Ok(None) };
        Ok(match a.data_type() {
            DataType::Int64 => at(bigints(a)?, i),
            _ => at(ints(a)?, i).map(i64::from),
        })
    };
    let mut offsets = vec![0i32];
    let mut items: Vec<i64> = Vec::new();
    let mut valid = Vec::with_capacity(c.rows);
    for i in 0..c.rows {
        let (start, end) = (get(0, i)?, get(1, i)?);
        let step = get(2, i)?;
        let has_step_arg = c.args.len() > 2;
        let row = match (start, end) {
            (Some(s), Some(e)) if !has_step_arg || step.is_some() => series(s, e, step),
            _ => None,
        };
        valid.push(row.is_some());
        items.extend(row.unwrap_or_default());
        offsets.push(i32::try_from(items.len()).unwrap_or(i32::MAX));
    }
    let (values, item): (ArrayRef, DataType) = if wide {
        (Arc::new(datafusion::arrow::array::Int64Array::from(items)), DataType::Int64)
    } else {
        let narrow: Vec<i32> = items.into_iter().map(|v| v as i32).collect();
        (Arc::new(datafusion::arrow::array::Int32Array::from(narrow)), DataType::Int32)
    };
    let field = Arc::new(Field::new("item", item, true));
    Ok(Arc::new(ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        values,
        Some(NullBuffer::from(valid)),
    )?))
}

#[cfg(test)]
#[path = "collections_tests.rs"]
mod tests;
