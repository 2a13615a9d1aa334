//! COUNT: rows (`COUNT(*)`, no arguments) or non-null values of a column.

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::no_match;
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct Count;

impl AggregateFunction for Count {
    fn name(&self) -> &'static str {
        "COUNT"
    }

    fn description(&self) -> &'static str {
        "Counts records by key."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &["COUNT(*) -> BIGINT", "COUNT(col T) -> BIGINT"]
    }

    fn category(&self) -> Category {
        Category::Counting
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        // Any type is accepted (ksqlDB's COUNT is generic in its argument).
        if args.len() <= 1 && constants.is_empty() {
            Ok(DataType::Int64)
        } else {
            Err(no_match("COUNT", args, constants))
        }
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        self.return_type(args, constants)?;
        Ok(Box::new(CountAcc { count: 0 }))
    }
}

struct CountAcc {
    count: i64,
}

/// A row counts unless its one argument is null; COUNT(*) counts every row.
fn counts(args: &[ScalarValue]) -> bool {
    args.first().is_none_or(|v| !v.is_null())
}

impl Accumulator for CountAcc {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        if counts(args) {
            self.count = self.count.wrapping_add(1);
        }
        Ok(())
    }

    fn add_at(
        &mut self,
        args: &[ArrayRef],
        row: usize,
        _scratch: &mut Vec<ScalarValue>,
    ) -> Result<(), String> {
        if args.first().is_none_or(|a| a.is_valid(row)) {
            self.count = self.count.wrapping_add(1);
        }
        Ok(())
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        // A table aggregate may count down to 0; ksqlDB emits the 0.
        if counts(args) {
            self.count = self.count.wrapping_sub(1);
        }
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        ScalarValue::Int64(Some(self.count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_rows_and_non_null_values() -> Result<(), String> {
        let mut star = Count.accumulator(&[], &[])?;
        assert_eq!(star.value(), ScalarValue::Int64(Some(0)));
        star.add(&[])?;
        star.add(&[])?;
        assert_eq!(star.value(), ScalarValue::Int64(Some(2)));

        let mut col = Count.accumulator(&[DataType::Utf8], &[])?;
        col.add(&[ScalarValue::Utf8(Some("a".into()))])?;
        col.add(&[ScalarValue::Utf8(None)])?;
        assert_eq!(col.value(), ScalarValue::Int64(Some(1)));
        col.retract(&[ScalarValue::Utf8(None)])?;
        assert_eq!(col.value(), ScalarValue::Int64(Some(1)));
        col.retract(&[ScalarValue::Utf8(Some("a".into()))])?;
        assert_eq!(col.value(), ScalarValue::Int64(Some(0)));
        Ok(())
    }

    #[test]
    fn types() {
        assert_eq!(Count.column_args(0), 0);
        assert_eq!(Count.return_type(&[DataType::Boolean], &[]), Ok(DataType::Int64));
        assert_eq!(
            Count.return_type(&[DataType::Int32, DataType::Int32], &[]),
            Err("Function 'COUNT' does not accept parameters (INTEGER, INTEGER).".into())
        );
    }
}
