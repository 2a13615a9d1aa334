//! EARLIEST_BY_OFFSET and LATEST_BY_OFFSET (`EarliestByOffset`,
//! `LatestByOffset`), over any argument type:
//!
//! - `F(col)` / `F(col, ignoreNulls)`: one value, of the column's type.
//! - `F(col, n)` / `F(col, n, ignoreNulls)`: an ARRAY of up to n values,
//!   oldest first; empty (not null) until a value is kept.
//!
//! `ignoreNulls` defaults to true. Rows arrive in offset order, so the
//! earliest value is the first one kept and the latest the last one. Both
//! are stream-only in ksqlDB (no undo), so `retract` refuses.

use std::collections::VecDeque;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::{bool_constant, cannot_retract, int_constant, list_of, no_match};
use super::values::{make_list, typed_null};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct EarliestByOffset;
pub struct LatestByOffset;

/// A call's shape once its constants are read.
struct Shape {
    element: DataType,
    /// None: a single value; Some(n): the n earliest / latest values.
    n: Option<usize>,
    ignore_nulls: bool,
}

fn shape(name: &str, args: &[DataType], constants: &[ScalarValue]) -> Result<Shape, String> {
    let err = || no_match(name, args, constants);
    let [element] = args else {
        return Err(err());
    };
    let (n, ignore_nulls) = match constants {
        [] => (None, true),
        [a] => match (bool_constant(a), int_constant(a)) {
            (Some(b), _) => (None, b),
            (None, Some(n)) => (Some(n), true),
            _ => return Err(err()),
        },
        [a, b] => match (int_constant(a), bool_constant(b)) {
            (Some(n), Some(b)) => (Some(n), b),
            _ => return Err(err()),
        },
        _ => return Err(err()),
    };
    let n = match n {
        None => None,
        // ksqlDB checks this when it creates the function, so the statement fails.
        Some(n) if n <= 0 => {
            let which = if name == "EARLIEST_BY_OFFSET" { "earliestN" } else { "latestN" };
            return Err(format!("{which} must be 1 or greater"));
        }
        Some(n) => Some(n as usize),
    };
    Ok(Shape { element: element.clone(), n, ignore_nulls })
}

fn return_type(name: &str, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
    let s = shape(name, args, constants)?;
    Ok(if s.n.is_some() { list_of(&s.element) } else { s.element })
}

fn column_args(total_args: usize) -> usize {
    // The column, then up to two literals (n, ignoreNulls).
    total_args.min(1)
}

impl AggregateFunction for EarliestByOffset {
    fn name(&self) -> &'static str {
        "EARLIEST_BY_OFFSET"
    }

    fn description(&self) -> &'static str {
        "This function returns the oldest N values for the column, computed by offset."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "EARLIEST_BY_OFFSET(col T) -> T",
            "EARLIEST_BY_OFFSET(col T, ignore_nulls BOOLEAN) -> T",
            "EARLIEST_BY_OFFSET(col T, n INT) -> ARRAY<T>",
            "EARLIEST_BY_OFFSET(col T, n INT, ignore_nulls BOOLEAN) -> ARRAY<T>",
        ]
    }

    fn category(&self) -> Category {
        Category::Selection
    }

    fn column_args(&self, total_args: usize) -> usize {
        column_args(total_args)
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        return_type("EARLIEST_BY_OFFSET", args, constants)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let shape = shape("EARLIEST_BY_OFFSET", args, constants)?;
        Ok(Box::new(ByOffset { shape, values: VecDeque::new(), latest: false }))
    }
}

impl AggregateFunction for LatestByOffset {
    fn name(&self) -> &'static str {
        "LATEST_BY_OFFSET"
    }

    fn description(&self) -> &'static str {
        "This function returns the most recent N values for the column, computed by offset."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "LATEST_BY_OFFSET(col T) -> T",
            "LATEST_BY_OFFSET(col T, ignore_nulls BOOLEAN) -> T",
            "LATEST_BY_OFFSET(col T, n INT) -> ARRAY<T>",
            "LATEST_BY_OFFSET(col T, n INT, ignore_nulls BOOLEAN) -> ARRAY<T>",
        ]
    }

    fn category(&self) -> Category {
        Category::Selection
    }

    fn column_args(&self, total_args: usize) -> usize {
        column_args(total_args)
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        return_type("LATEST_BY_OFFSET", args, constants)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let shape = shape("LATEST_BY_OFFSET", args, constants)?;
        Ok(Box::new(ByOffset { shape, values: VecDeque::new(), latest: true }))
    }
}

struct ByOffset {
    shape: Shape,
    /// The kept values, oldest first: at most n (at most 1 for the single
    /// form). A kept null is a value like any other when nulls count.
    values: VecDeque<ScalarValue>,
    latest: bool,
}

impl Accumulator for ByOffset {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        let value = args.first().cloned().unwrap_or(ScalarValue::Null);
        if value.is_null() && self.shape.ignore_nulls {
            return Ok(());
        }
        let cap = self.shape.n.unwrap_or(1);
        if self.latest {
            self.values.push_back(value);
            while self.values.len() > cap {
                self.values.pop_front();
            }
        } else if self.values.len() < cap {
            self.values.push_back(value);
        }
        Ok(())
    }

    fn retract(&mut self, _args: &[ScalarValue]) -> Result<(), String> {
        cannot_retract(if self.latest { "LATEST_BY_OFFSET" } else { "EARLIEST_BY_OFFSET" })
    }

    fn value(&self) -> ScalarValue {
        if self.shape.n.is_some() {
            let values: Vec<ScalarValue> = self.values.iter().cloned().collect();
            return make_list(&self.shape.element, &values);
        }
        match self.values.front() {
            Some(v) if !matches!(v, ScalarValue::Null) => v.clone(),
            _ => typed_null(&self.shape.element),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::values::list_elements;

    fn i(v: Option<i32>) -> ScalarValue {
        ScalarValue::Int32(v)
    }

    /// Feeds the values and returns the result after each one.
    fn run(
        f: &dyn AggregateFunction,
        constants: &[ScalarValue],
        input: &[Option<i32>],
    ) -> Result<Vec<ScalarValue>, String> {
        let mut acc = f.accumulator(&[DataType::Int32], constants)?;
        let mut out = Vec::new();
        for v in input {
            acc.add(&[i(*v)])?;
            out.push(acc.value());
        }
        Ok(out)
    }

    fn lists(values: Vec<ScalarValue>) -> Vec<Vec<ScalarValue>> {
        values.iter().map(list_elements).collect()
    }

    #[test]
    fn earliest_single() -> Result<(), String> {
        let t = ScalarValue::Boolean(Some(true));
        let f = ScalarValue::Boolean(Some(false));
        assert_eq!(run(&EarliestByOffset, &[], &[Some(12), None, Some(13)])?, vec![i(Some(12)); 3]);
        assert_eq!(run(&EarliestByOffset, &[t], &[None, Some(13)])?, vec![i(None), i(Some(13))]);
        // Not ignoring nulls, a leading null is the earliest value for good.
        assert_eq!(run(&EarliestByOffset, &[f], &[None, Some(13)])?, vec![i(None), i(None)]);
        Ok(())
    }

    #[test]
    fn earliest_n() -> Result<(), String> {
        let two = ScalarValue::Int32(Some(2));
        let out = run(&EarliestByOffset, std::slice::from_ref(&two), &[Some(12), None, Some(13), Some(14)])?;
        assert_eq!(
            lists(out),
            vec![
                vec![i(Some(12))],
                vec![i(Some(12))],
                vec![i(Some(12)), i(Some(13))],
                vec![i(Some(12)), i(Some(13))]
            ]
        );
        let out =
            run(&EarliestByOffset, &[two.clone(), ScalarValue::Boolean(Some(false))], &[None, Some(13)])?;
        assert_eq!(lists(out), vec![vec![i(None)], vec![i(None), i(Some(13))]]);
        let out = run(&EarliestByOffset, &[two], &[None, None])?;
        assert_eq!(lists(out), vec![Vec::<ScalarValue>::new(), vec![]]);
        Ok(())
    }

    #[test]
    fn latest() -> Result<(), String> {
        let f = ScalarValue::Boolean(Some(false));
        assert_eq!(
            run(&LatestByOffset, &[], &[Some(12), None, Some(13)])?,
            vec![i(Some(12)), i(Some(12)), i(Some(13))]
        );
        assert_eq!(
            run(&LatestByOffset, std::slice::from_ref(&f), &[Some(12), None])?,
            vec![i(Some(12)), i(None)]
        );
        let out = run(&LatestByOffset, &[ScalarValue::Int64(Some(2)), f], &[Some(12), None, Some(13)])?;
        assert_eq!(
            lists(out),
            vec![vec![i(Some(12))], vec![i(Some(12)), i(None)], vec![i(None), i(Some(13))]]
        );
        Ok(())
    }

    #[test]
    fn types_and_errors() -> Result<(), String> {
        let two = ScalarValue::Int32(Some(2));
        assert_eq!(LatestByOffset.column_args(3), 1);
        assert_eq!(LatestByOffset.return_type(&[DataType::Utf8], &[]), Ok(DataType::Utf8));
        assert_eq!(LatestByOffset.return_type(&[DataType::Utf8], &[two]), Ok(list_of(&DataType::Utf8)));
        assert_eq!(
            EarliestByOffset.return_type(&[DataType::Int32], &[ScalarValue::Int32(Some(0))]),
            Err("earliestN must be 1 or greater".into())
        );
        assert_eq!(
            LatestByOffset.return_type(&[DataType::Int32], &[ScalarValue::Utf8(Some("x".into()))]),
            Err("Function 'LATEST_BY_OFFSET' does not accept parameters (INTEGER, STRING).".into())
        );
        let mut acc = LatestByOffset.accumulator(&[DataType::Int32], &[])?;
        assert!(acc.retract(&[i(Some(1))]).is_err());
        Ok(())
    }
}
