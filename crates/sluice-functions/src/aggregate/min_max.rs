//! MIN and MAX over numbers, DECIMAL, DATE, TIME, TIMESTAMP, STRING and
//! BYTES (`MinAggFunctionFactory` / `MaxAggFunctionFactory`).
//!
//! Nulls are skipped and the result is null until a value arrives. ksqlDB
//! keeps only the current extreme and cannot undo a row, so it refuses
//! MIN/MAX over a table source; `retract` returns that refusal.

use std::cmp::Ordering;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Int32Type, Int64Type};
use datafusion::common::ScalarValue;

use super::types::{cannot_retract, kind, no_match, one_arg, Kind};
use super::values::{java_cmp, primitive_at, typed_null};
use super::{add_read, Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct Min;
pub struct Max;

fn result_type(name: &str, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
    let arg = one_arg(name, args, constants)?;
    match kind(arg) {
        Kind::Int
        | Kind::Bigint
        | Kind::Double
        | Kind::Decimal(..)
        | Kind::Date
        | Kind::Time
        | Kind::Timestamp
        | Kind::String
        | Kind::Bytes => Ok(arg.clone()),
        _ => Err(no_match(name, args, constants)),
    }
}

impl AggregateFunction for Min {
    fn name(&self) -> &'static str {
        "MIN"
    }

    fn description(&self) -> &'static str {
        "Computes the minimum value for a key."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "MIN(col INT) -> INT",
            "MIN(col BIGINT) -> BIGINT",
            "MIN(col DOUBLE) -> DOUBLE",
            "MIN(col DECIMAL) -> DECIMAL",
            "MIN(col DATE) -> DATE",
            "MIN(col TIME) -> TIME",
            "MIN(col TIMESTAMP) -> TIMESTAMP",
            "MIN(col STRING) -> STRING",
            "MIN(col BYTES) -> BYTES",
        ]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        result_type("MIN", args, constants)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let data_type = result_type("MIN", args, constants)?;
        Ok(Box::new(Extreme { data_type, current: None, keep: Ordering::Less, name: "MIN" }))
    }
}

impl AggregateFunction for Max {
    fn name(&self) -> &'static str {
        "MAX"
    }

    fn description(&self) -> &'static str {
        "Computes the maximum value for a key."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "MAX(col INT) -> INT",
            "MAX(col BIGINT) -> BIGINT",
            "MAX(col DOUBLE) -> DOUBLE",
            "MAX(col DECIMAL) -> DECIMAL",
            "MAX(col DATE) -> DATE",
            "MAX(col TIME) -> TIME",
            "MAX(col TIMESTAMP) -> TIMESTAMP",
            "MAX(col STRING) -> STRING",
            "MAX(col BYTES) -> BYTES",
        ]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        result_type("MAX", args, constants)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let data_type = result_type("MAX", args, constants)?;
        Ok(Box::new(Extreme { data_type, current: None, keep: Ordering::Greater, name: "MAX" }))
    }
}

struct Extreme {
    data_type: DataType,
    current: Option<ScalarValue>,
    /// The current value stays when it compares this way to a new one
    /// (Less for MIN, Greater for MAX); on a tie the new value wins, as in
    /// `first.compareTo(second) < 0 ? first : second`.
    keep: Ordering,
    name: &'static str,
}

impl Extreme {
    /// Keeps `value`, a number of the column's own type, unless the
    /// `current` one goes further in the kept direction (a null is no value).
    fn offer_number<N: Ord + Copy>(
        &mut self,
        current: Option<N>,
        value: Option<N>,
        scalar: fn(Option<N>) -> ScalarValue,
    ) {
        if let Some(v) = value {
            if current.is_none_or(|c| c.cmp(&v) != self.keep) {
                self.current = Some(scalar(Some(v)));
            }
        }
    }
}

impl Accumulator for Extreme {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        let Some(value) = args.first().filter(|v| !v.is_null()) else {
            return Ok(());
        };
        let replace = self.current.as_ref().is_none_or(|cur| java_cmp(cur, value) != self.keep);
        if replace {
            self.current = Some(value.clone());
        }
        Ok(())
    }

    fn add_at(
        &mut self,
        args: &[ArrayRef],
        row: usize,
        scratch: &mut Vec<ScalarValue>,
    ) -> Result<(), String> {
        // BIGINT and INTEGER compare as the numbers they are (Java's
        // compareTo of Long and Integer); other types take the general path.
        if let Some(array) = args.first() {
            if let Some(v) = primitive_at::<Int64Type>(array, row) {
                let current = match self.current {
                    Some(ScalarValue::Int64(c)) => c,
                    _ => None,
                };
                self.offer_number(current, v, ScalarValue::Int64);
                return Ok(());
            }
            if let Some(v) = primitive_at::<Int32Type>(array, row) {
                let current = match self.current {
                    Some(ScalarValue::Int32(c)) => c,
                    _ => None,
                };
                self.offer_number(current, v, ScalarValue::Int32);
                return Ok(());
            }
        }
        add_read(self, args, row, scratch)
    }

    fn retract(&mut self, _args: &[ScalarValue]) -> Result<(), String> {
        cannot_retract(self.name)
    }

    fn value(&self) -> ScalarValue {
        self.current.clone().unwrap_or_else(|| typed_null(&self.data_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::TimeUnit;

    fn run(
        f: &dyn AggregateFunction,
        t: DataType,
        values: &[ScalarValue],
    ) -> Result<Vec<ScalarValue>, String> {
        let mut acc = f.accumulator(&[t], &[])?;
        let mut out = Vec::new();
        for v in values {
            acc.add(std::slice::from_ref(v))?;
            out.push(acc.value());
        }
        Ok(out)
    }

    #[test]
    fn min_int_skips_nulls() -> Result<(), String> {
        let i = |v: Option<i32>| ScalarValue::Int32(v);
        let out = run(&Min, DataType::Int32, &[i(None), i(Some(-2147483647)), i(Some(5)), i(None)])?;
        assert_eq!(out, vec![i(None), i(Some(-2147483647)), i(Some(-2147483647)), i(Some(-2147483647))]);
        Ok(())
    }

    #[test]
    fn max_of_strings_and_timestamps() -> Result<(), String> {
        let s = |v: &str| ScalarValue::Utf8(Some(v.into()));
        let out = run(&Max, DataType::Utf8, &[ScalarValue::Utf8(None), s("B"), s("A")])?;
        assert_eq!(out, vec![ScalarValue::Utf8(None), s("B"), s("B")]);
        let ts = |v| ScalarValue::TimestampMillisecond(Some(v), None);
        let out = run(&Max, DataType::Timestamp(TimeUnit::Millisecond, None), &[ts(-1), ts(50), ts(6)])?;
        assert_eq!(out.last(), Some(&ts(50)));
        Ok(())
    }

    #[test]
    fn decimals_and_bytes() -> Result<(), String> {
        let d = |v| ScalarValue::Decimal128(Some(v), 4, 2);
        let out = run(&Min, DataType::Decimal128(4, 2), &[d(2179), d(110), d(-179)])?;
        assert_eq!(out.last(), Some(&d(-179)));
        let b = |v: &[u8]| ScalarValue::Binary(Some(v.to_vec()));
        let out = run(&Min, DataType::Binary, &[b(b"B"), b(b"A"), b(b"C")])?;
        assert_eq!(out.last(), Some(&b(b"A")));
        Ok(())
    }

    #[test]
    fn refuses_other_types_and_retraction() -> Result<(), String> {
        assert_eq!(
            Max.return_type(&[DataType::Boolean], &[]),
            Err("Function 'MAX' does not accept parameters (BOOLEAN).".into())
        );
        let mut acc = Min.accumulator(&[DataType::Int64], &[])?;
        assert_eq!(
            acc.retract(&[ScalarValue::Int64(Some(1))]),
            Err("The aggregation function MIN cannot be applied to a table source, only to a stream source."
                .into())
        );
        Ok(())
    }
}
