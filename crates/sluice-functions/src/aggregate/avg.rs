//! AVG over INT, BIGINT and DOUBLE (`AverageUdaf`; ksqlDB has no DECIMAL
//! variant and does not cast UDAF arguments, so AVG(DECIMAL) is refused).
//!
//! The state is the sum in the argument's Java type (INT and BIGINT sums
//! wrap) and a count of non-null values; the result is the DOUBLE
//! `sum / count`, and 0.0 (not null) while nothing has been counted.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::{kind, no_match, one_arg, Kind};
use super::values::{as_f64, as_i64};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct Avg;

const NAME: &str = "avg";

impl AggregateFunction for Avg {
    fn name(&self) -> &'static str {
        "AVG"
    }

    fn description(&self) -> &'static str {
        "Returns the average value of the column computed as the sum divided by the count. Applicable only to numeric types."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &["AVG(col INT) -> DOUBLE", "AVG(col BIGINT) -> DOUBLE", "AVG(col DOUBLE) -> DOUBLE"]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        self.accumulator(args, constants).map(|_| DataType::Float64)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let sum = match kind(one_arg(NAME, args, constants)?) {
            Kind::Int => AvgSum::Int(0),
            Kind::Bigint => AvgSum::Long(0),
            Kind::Double => AvgSum::Double(0.0),
            _ => return Err(no_match(NAME, args, constants)),
        };
        Ok(Box::new(AvgAcc { sum, count: 0 }))
    }
}

enum AvgSum {
    Int(i32),
    Long(i64),
    Double(f64),
}

struct AvgAcc {
    sum: AvgSum,
    count: i64,
}

impl AvgAcc {
    fn apply(&mut self, args: &[ScalarValue], sign: i64) {
        let Some(v) = args.first().filter(|v| !v.is_null()) else {
            return;
        };
        let add = sign > 0;
        match &mut self.sum {
            AvgSum::Int(s) => {
                let v = as_i64(v).unwrap_or(0) as i32;
                *s = if add { s.wrapping_add(v) } else { s.wrapping_sub(v) };
            }
            AvgSum::Long(s) => {
                let v = as_i64(v).unwrap_or(0);
                *s = if add { s.wrapping_add(v) } else { s.wrapping_sub(v) };
            }
            AvgSum::Double(s) => {
                let v = as_f64(v).unwrap_or(0.0);
                *s = if add { *s + v } else { *s - v };
            }
        }
        self.count += sign;
    }
}

impl Accumulator for AvgAcc {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        self.apply(args, 1);
        Ok(())
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        self.apply(args, -1);
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        if self.count == 0 {
            return ScalarValue::Float64(Some(0.0));
        }
        let sum = match self.sum {
            AvgSum::Int(s) => f64::from(s),
            AvgSum::Long(s) => s as f64,
            AvgSum::Double(s) => s,
        };
        ScalarValue::Float64(Some(sum / self.count as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avg(acc: &dyn Accumulator) -> f64 {
        match acc.value() {
            ScalarValue::Float64(Some(v)) => v,
            other => panic!("AVG gave {other}"),
        }
    }

    #[test]
    fn averages_non_null_values() -> Result<(), String> {
        // QTT average-udaf.json "average int" for alice.
        let mut acc = Avg.accumulator(&[DataType::Int32], &[])?;
        assert_eq!(avg(acc.as_ref()), 0.0);
        for v in [1, 2, 2] {
            acc.add(&[ScalarValue::Int32(Some(v))])?;
        }
        acc.add(&[ScalarValue::Int32(None)])?;
        assert_eq!(avg(acc.as_ref()), 1.6666666666666667);
        Ok(())
    }

    #[test]
    fn long_sum_is_exact_before_dividing() -> Result<(), String> {
        // QTT "average long": -1 then Long.MAX_VALUE.
        let mut acc = Avg.accumulator(&[DataType::Int64], &[])?;
        acc.add(&[ScalarValue::Int64(Some(-1))])?;
        acc.add(&[ScalarValue::Int64(Some(i64::MAX))])?;
        assert_eq!(avg(acc.as_ref()), 4.611686018427388e18);
        acc.add(&[ScalarValue::Int64(Some(1))])?;
        assert_eq!(avg(acc.as_ref()), 3.0744573456182584e18);
        Ok(())
    }

    #[test]
    fn retracts_for_tables() -> Result<(), String> {
        // QTT "average udaf with table".
        let mut acc = Avg.accumulator(&[DataType::Int32], &[])?;
        acc.add(&[ScalarValue::Int32(Some(1))])?;
        acc.add(&[ScalarValue::Int32(Some(2))])?;
        assert_eq!(avg(acc.as_ref()), 1.5);
        acc.retract(&[ScalarValue::Int32(Some(1))])?;
        acc.add(&[ScalarValue::Int32(None)])?;
        assert_eq!(avg(acc.as_ref()), 2.0);
        acc.retract(&[ScalarValue::Int32(None)])?;
        acc.add(&[ScalarValue::Int32(Some(4))])?;
        assert_eq!(avg(acc.as_ref()), 3.0);
        Ok(())
    }

    #[test]
    fn types() {
        assert_eq!(Avg.return_type(&[DataType::Float64], &[]), Ok(DataType::Float64));
        assert_eq!(
            Avg.return_type(&[DataType::Decimal128(4, 1)], &[]),
            Err("Function 'avg' does not accept parameters (DECIMAL(4, 1)).".into())
        );
    }
}
