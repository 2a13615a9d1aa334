//! STDDEV_SAMP and STDDEV_SAMPLE over INT, BIGINT and DOUBLE.
//!
//! They are two ksqlDB functions, not aliases: `StandardDeviationSampleUdaf`
//! (STDDEV_SAMPLE) returns the sample standard deviation, while
//! `StandardDeviationSampUdaf` (STDDEV_SAMP) returns `M2 / (n - 1)`, the
//! sample *variance* (QTT standarddeviation.json pins both). Both give 0.0
//! below two values and use ksqlDB's Youngs-Cramer update, including its
//! undo, with the running sum in the argument's Java type (INT and BIGINT
//! arithmetic wraps), so results match ksqlDB bit for bit.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::{kind, no_match, one_arg, Kind};
use super::values::{as_f64, as_i64};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct StddevSamp;
pub struct StddevSample;

fn accumulator(
    name: &str,
    args: &[DataType],
    constants: &[ScalarValue],
    sqrt: bool,
) -> Result<Box<dyn Accumulator>, String> {
    let sum = match kind(one_arg(name, args, constants)?) {
        Kind::Int => Sum::Int(0),
        Kind::Bigint => Sum::Long(0),
        Kind::Double => Sum::Double(0.0),
        _ => return Err(no_match(name, args, constants)),
    };
    Ok(Box::new(Deviation { sum, count: 0, m2: 0.0, sqrt }))
}

impl AggregateFunction for StddevSamp {
    fn name(&self) -> &'static str {
        "STDDEV_SAMP"
    }

    fn description(&self) -> &'static str {
        "Returns the sample standard deviation of the column. Applicable only to numeric types."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "STDDEV_SAMP(col INT) -> DOUBLE",
            "STDDEV_SAMP(col BIGINT) -> DOUBLE",
            "STDDEV_SAMP(col DOUBLE) -> DOUBLE",
        ]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        accumulator("STDDEV_SAMP", args, constants, false).map(|_| DataType::Float64)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        accumulator("STDDEV_SAMP", args, constants, false)
    }
}

impl AggregateFunction for StddevSample {
    fn name(&self) -> &'static str {
        "STDDEV_SAMPLE"
    }

    fn description(&self) -> &'static str {
        "Returns the sample standard deviation of the column. Applicable only to numeric types."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "STDDEV_SAMPLE(col INT) -> DOUBLE",
            "STDDEV_SAMPLE(col BIGINT) -> DOUBLE",
            "STDDEV_SAMPLE(col DOUBLE) -> DOUBLE",
        ]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        accumulator("STDDEV_SAMPLE", args, constants, true).map(|_| DataType::Float64)
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        accumulator("STDDEV_SAMPLE", args, constants, true)
    }
}

#[derive(Clone, Copy)]
enum Sum {
    Int(i32),
    Long(i64),
    Double(f64),
}

struct Deviation {
    sum: Sum,
    count: i64,
    m2: f64,
    /// STDDEV_SAMPLE takes the square root of the sample variance.
    sqrt: bool,
}

impl Deviation {
    /// ksqlDB's `createDelta`: `v * (count + 1) - (sum + v)` evaluated with
    /// Java's types (for INT, `sum + v` is int arithmetic, the rest long).
    fn delta(&self, v: &ScalarValue) -> f64 {
        let next = self.count.wrapping_add(1);
        match self.sum {
            Sum::Int(s) => {
                let v = as_i64(v).unwrap_or(0) as i32;
                i64::from(v).wrapping_mul(next).wrapping_sub(i64::from(s.wrapping_add(v))) as f64
            }
            Sum::Long(s) => {
                let v = as_i64(v).unwrap_or(0);
                v.wrapping_mul(next).wrapping_sub(s.wrapping_add(v)) as f64
            }
            Sum::Double(s) => {
                let v = as_f64(v).unwrap_or(0.0);
                v * next as f64 - (s + v)
            }
        }
    }

    fn shift_sum(&mut self, v: &ScalarValue, add: bool) {
        self.sum = match self.sum {
            Sum::Int(s) => {
                let v = as_i64(v).unwrap_or(0) as i32;
                Sum::Int(if add { v.wrapping_add(s) } else { s.wrapping_sub(v) })
            }
            Sum::Long(s) => {
                let v = as_i64(v).unwrap_or(0);
                Sum::Long(if add { v.wrapping_add(s) } else { s.wrapping_sub(v) })
            }
            Sum::Double(s) => {
                let v = as_f64(v).unwrap_or(0.0);
                Sum::Double(if add { v + s } else { s - v })
            }
        };
    }
}

impl Accumulator for Deviation {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        let Some(v) = args.first().filter(|v| !v.is_null()) else {
            return Ok(());
        };
        let new_count = self.count.wrapping_add(1);
        let new_m2 = if new_count - 1 > 0 {
            let delta = self.delta(v);
            delta * delta / new_count.wrapping_mul(new_count - 1) as f64
        } else {
            0.0
        };
        self.shift_sum(v, true);
        self.count = new_count;
        self.m2 += new_m2;
        Ok(())
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        let Some(v) = args.first().filter(|v| !v.is_null()) else {
            return Ok(());
        };
        // ksqlDB's undo computes the delta from the state before the undo.
        let new_count = self.count.wrapping_sub(1);
        let new_m2 = if new_count > 0 {
            let delta = self.delta(v);
            delta * delta / new_count.wrapping_mul(new_count + 1) as f64
        } else {
            0.0
        };
        self.shift_sum(v, false);
        self.count = new_count;
        self.m2 -= new_m2;
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        if self.count < 2 {
            return ScalarValue::Float64(Some(0.0));
        }
        let variance = self.m2 / (self.count - 1) as f64;
        ScalarValue::Float64(Some(if self.sqrt { variance.sqrt() } else { variance }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: &dyn AggregateFunction, t: DataType, values: &[ScalarValue]) -> Result<Vec<f64>, String> {
        let mut acc = f.accumulator(&[t], &[])?;
        let mut out = Vec::new();
        for v in values {
            acc.add(std::slice::from_ref(v))?;
            if let ScalarValue::Float64(Some(r)) = acc.value() {
                out.push(r);
            }
        }
        Ok(out)
    }

    fn ints(values: &[Option<i32>]) -> Vec<ScalarValue> {
        values.iter().map(|v| ScalarValue::Int32(*v)).collect()
    }

    #[test]
    fn sample_is_a_deviation_samp_a_variance() -> Result<(), String> {
        // QTT standarddeviation.json, key 0 of the int cases.
        let input = ints(&[Some(0), Some(10), Some(7), Some(6)]);
        assert_eq!(
            run(&StddevSample, DataType::Int32, &input)?,
            vec![0.0, 7.0710678118654755, 5.131601439446884, 4.193248541803041]
        );
        assert_eq!(
            run(&StddevSamp, DataType::Int32, &input)?,
            vec![0.0, 50.0, 26.333333333333332, 17.583333333333332]
        );
        // Key 100: 50, 10, 3 then a null that changes nothing.
        let input = ints(&[Some(50), Some(10), Some(3), None]);
        assert_eq!(run(&StddevSamp, DataType::Int32, &input)?, vec![0.0, 800.0, 643.0, 643.0]);
        Ok(())
    }

    #[test]
    fn long_and_double_arithmetic() -> Result<(), String> {
        let longs: Vec<ScalarValue> =
            [2147483648, 100, -2].iter().map(|v| ScalarValue::Int64(Some(*v))).collect();
        assert_eq!(
            run(&StddevSamp, DataType::Int64, &longs)?,
            vec![0.0, 2.3058427944653343e18, 1.5372286026580004e18]
        );
        let doubles: Vec<ScalarValue> = [9223372036854.775, 300.8, -200000.6, 0.0]
            .iter()
            .map(|v| ScalarValue::Float64(Some(*v)))
            .collect();
        assert_eq!(
            run(&StddevSample, DataType::Float64, &doubles)?,
            vec![0.0, 6521908912453.693, 5325116385962.54, 4611686051710.689]
        );
        Ok(())
    }

    #[test]
    fn undo_and_types() -> Result<(), String> {
        let mut acc = StddevSample.accumulator(&[DataType::Float64], &[])?;
        for v in [1.0, 2.0, 3.0] {
            acc.add(&[ScalarValue::Float64(Some(v))])?;
        }
        acc.retract(&[ScalarValue::Float64(Some(3.0))])?;
        acc.retract(&[ScalarValue::Float64(None)])?;
        // Two values remain, so the result is no longer the 0.0 of n < 2.
        assert!(matches!(acc.value(), ScalarValue::Float64(Some(v)) if v > 0.0));
        assert_eq!(
            StddevSamp.return_type(&[DataType::Decimal128(3, 1)], &[]),
            Err("Function 'STDDEV_SAMP' does not accept parameters (DECIMAL(3, 1)).".into())
        );
        Ok(())
    }
}
