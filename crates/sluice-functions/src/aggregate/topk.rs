//! TOPK and TOPKDISTINCT (`TopkKudaf`, `TopkDistinctKudaf`): the k largest
//! values, largest first, nulls skipped.
//!
//! - `TOPK(col, k)` over INT, BIGINT, DOUBLE or STRING gives ARRAY<col>.
//! - `TOPK(col, other1, .., k)` gives ARRAY<STRUCT<sort_col, col0, ..>>,
//!   ordered by `col` and carrying the other columns of those rows.
//! - `TOPKDISTINCT(col, k)` also takes DECIMAL, DATE, TIME, TIMESTAMP and
//!   BYTES and keeps each value once.
//!
//! Both are stream-only in ksqlDB, so they keep only the current top k (no
//! undo) and `retract` refuses. The update step is ksqlDB's: a new value
//! replaces the last entry when the list is full and it is larger, then the
//! list is sorted descending with a stable sort, which decides ties.

use std::cmp::Ordering;

use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::ScalarValue;

use super::types::{cannot_retract, int_constant, kind, list_of, no_match, Kind};
use super::values::{java_cmp, java_eq, make_list, make_struct};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct TopK;
pub struct TopKDistinct;

/// The validated call: sort column type, the element type of the result
/// (the sort type, or the struct with the other columns) and k.
struct Shape {
    element: DataType,
    struct_fields: Option<Fields>,
    k: i32,
}

fn topk_shape(args: &[DataType], constants: &[ScalarValue]) -> Result<Shape, String> {
    let err = || no_match("TOPK", args, constants);
    let ([sort, others @ ..], [k]) = (args, constants) else {
        return Err(err());
    };
    let k = int_constant(k).ok_or_else(err)?;
    if !matches!(kind(sort), Kind::Int | Kind::Bigint | Kind::Double | Kind::String) {
        return Err(err());
    }
    if others.is_empty() {
        return Ok(Shape { element: sort.clone(), struct_fields: None, k });
    }
    let fields: Fields = std::iter::once(Field::new("sort_col", sort.clone(), true))
        .chain(others.iter().enumerate().map(|(i, t)| Field::new(format!("col{i}"), t.clone(), true)))
        .collect();
    Ok(Shape { element: DataType::Struct(fields.clone()), struct_fields: Some(fields), k })
}

fn distinct_shape(args: &[DataType], constants: &[ScalarValue]) -> Result<Shape, String> {
    let err = || no_match("TOPKDISTINCT", args, constants);
    let ([sort], [k]) = (args, constants) else {
        return Err(err());
    };
    let k = int_constant(k).ok_or_else(err)?;
    match kind(sort) {
        Kind::Int
        | Kind::Bigint
        | Kind::Double
        | Kind::String
        | Kind::Decimal(..)
        | Kind::Date
        | Kind::Time
        | Kind::Timestamp
        | Kind::Bytes => Ok(Shape { element: sort.clone(), struct_fields: None, k }),
        _ => Err(err()),
    }
}

impl AggregateFunction for TopK {
    fn name(&self) -> &'static str {
        "TOPK"
    }

    fn description(&self) -> &'static str {
        "Returns the top k values for a column and other values in those records."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "TOPK(col INT, k INT) -> ARRAY<INT>",
            "TOPK(col BIGINT, k INT) -> ARRAY<BIGINT>",
            "TOPK(col DOUBLE, k INT) -> ARRAY<DOUBLE>",
            "TOPK(col STRING, k INT) -> ARRAY<STRING>",
            "TOPK(col T, other U, ..., k INT) -> ARRAY<STRUCT<sort_col T, col0 U, ...>>",
        ]
    }

    fn category(&self) -> Category {
        Category::Selection
    }

    fn column_args(&self, total_args: usize) -> usize {
        // Every argument but the trailing k is a column.
        total_args.saturating_sub(1).max(total_args.min(1))
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        topk_shape(args, constants).map(|s| list_of(&s.element))
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let shape = topk_shape(args, constants)?;
        Ok(Box::new(Top { shape, entries: Vec::new(), distinct: false }))
    }
}

impl AggregateFunction for TopKDistinct {
    fn name(&self) -> &'static str {
        "TOPKDISTINCT"
    }

    fn description(&self) -> &'static str {
        "Computes the top k distinct values for a column, per key."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "TOPKDISTINCT(col INT, k INT) -> ARRAY<INT>",
            "TOPKDISTINCT(col BIGINT, k INT) -> ARRAY<BIGINT>",
            "TOPKDISTINCT(col DOUBLE, k INT) -> ARRAY<DOUBLE>",
            "TOPKDISTINCT(col DECIMAL, k INT) -> ARRAY<DECIMAL>",
            "TOPKDISTINCT(col DATE, k INT) -> ARRAY<DATE>",
            "TOPKDISTINCT(col TIME, k INT) -> ARRAY<TIME>",
            "TOPKDISTINCT(col TIMESTAMP, k INT) -> ARRAY<TIMESTAMP>",
            "TOPKDISTINCT(col STRING, k INT) -> ARRAY<STRING>",
            "TOPKDISTINCT(col BYTES, k INT) -> ARRAY<BYTES>",
        ]
    }

    fn category(&self) -> Category {
        Category::Selection
    }

    fn column_args(&self, total_args: usize) -> usize {
        total_args.saturating_sub(1).max(total_args.min(1))
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        distinct_shape(args, constants).map(|s| list_of(&s.element))
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let shape = distinct_shape(args, constants)?;
        Ok(Box::new(Top { shape, entries: Vec::new(), distinct: true }))
    }
}

/// One kept row: the sort value and, for the struct form, the other columns.
struct Entry {
    sort: ScalarValue,
    others: Vec<ScalarValue>,
}

struct Top {
    shape: Shape,
    /// Sorted largest first.
    entries: Vec<Entry>,
    distinct: bool,
}

impl Accumulator for Top {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        let Some(sort) = args.first().filter(|v| !v.is_null()) else {
            return Ok(());
        };
        let k = self.shape.k;
        // ksqlDB indexes `k - 1` when the list holds k entries, which fails
        // for k = 0 (and a negative k never fills the list).
        if k == 0 {
            return Err("Index -1 out of bounds for length 0".into());
        }
        let full = usize::try_from(k).is_ok_and(|k| self.entries.len() == k);
        if full && self.entries.last().is_some_and(|last| java_cmp(sort, &last.sort) != Ordering::Greater) {
            return Ok(());
        }
        if self.distinct && self.entries.iter().any(|e| java_eq(&e.sort, sort)) {
            return Ok(());
        }
        let entry = Entry { sort: sort.clone(), others: args[1..].to_vec() };
        match self.entries.last_mut() {
            Some(last) if full => *last = entry,
            _ => self.entries.push(entry),
        }
        // Stable, like Java's List.sort, so equal values keep arrival order.
        self.entries.sort_by(|a, b| java_cmp(&b.sort, &a.sort));
        Ok(())
    }

    fn retract(&mut self, _args: &[ScalarValue]) -> Result<(), String> {
        cannot_retract(if self.distinct { "TOPKDISTINCT" } else { "TOPK" })
    }

    fn value(&self) -> ScalarValue {
        let items: Vec<ScalarValue> = match &self.shape.struct_fields {
            None => self.entries.iter().map(|e| e.sort.clone()).collect(),
            Some(fields) => self
                .entries
                .iter()
                .filter_map(|e| {
                    let values: Vec<ScalarValue> =
                        std::iter::once(e.sort.clone()).chain(e.others.iter().cloned()).collect();
                    make_struct(fields, &values).ok()
                })
                .collect(),
        };
        make_list(&self.shape.element, &items)
    }
}

#[cfg(test)]
#[path = "topk_tests.rs"]
mod tests;
