//! CORRELATION(x, y) (`CorrelationUdaf`): the Pearson correlation of two
//! INT, two BIGINT or two DOUBLE columns (both the same type), as DOUBLE.
//!
//! Rows where either value is null are skipped. The single-pass formula is
//! ksqlDB's, so fewer than two rows (or a constant column) give NaN.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use super::types::{kind, no_match, Kind};
use super::values::{as_f64, as_i64};
use super::{Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct Correlation;

impl AggregateFunction for Correlation {
    fn name(&self) -> &'static str {
        "CORRELATION"
    }

    fn description(&self) -> &'static str {
        "Computes the Pearson correlation coefficient between two columns of data."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "CORRELATION(x INT, y INT) -> DOUBLE",
            "CORRELATION(x BIGINT, y BIGINT) -> DOUBLE",
            "CORRELATION(x DOUBLE, y DOUBLE) -> DOUBLE",
        ]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        let ok = match (args, constants) {
            ([x, y], []) => kind(x) == kind(y) && matches!(kind(x), Kind::Int | Kind::Bigint | Kind::Double),
            _ => false,
        };
        if ok {
            Ok(DataType::Float64)
        } else {
            Err(no_match("correlation", args, constants))
        }
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        self.return_type(args, constants)?;
        Ok(Box::new(Sums::default()))
    }
}

#[derive(Default)]
struct Sums {
    x: f64,
    y: f64,
    xx: f64,
    yy: f64,
    xy: f64,
    count: i64,
}

fn as_double(value: &ScalarValue) -> Option<f64> {
    as_f64(value).or_else(|| as_i64(value).map(|v| v as f64))
}

impl Sums {
    fn apply(&mut self, args: &[ScalarValue], sign: f64) {
        let (Some(x), Some(y)) = (args.first().and_then(as_double), args.get(1).and_then(as_double)) else {
            return;
        };
        self.x += sign * x;
        self.y += sign * y;
        self.xx += sign * (x * x);
        self.yy += sign * (y * y);
        self.xy += sign * (x * y);
        self.count += sign as i64;
    }
}

impl Accumulator for Sums {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        self.apply(args, 1.0);
        Ok(())
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        self.apply(args, -1.0);
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        let n = self.count as f64;
        let numerator = n * self.xy - self.x * self.y;
        let denominator_x = n * self.xx - self.x * self.x;
        let denominator_y = n * self.yy - self.y * self.y;
        ScalarValue::Float64(Some(numerator / (denominator_x * denominator_y).sqrt()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corr(acc: &dyn Accumulator) -> f64 {
        match acc.value() {
            ScalarValue::Float64(Some(v)) => v,
            other => panic!("CORRELATION gave {other}"),
        }
    }

    fn pair(x: Option<f64>, y: Option<f64>) -> [ScalarValue; 2] {
        [ScalarValue::Float64(x), ScalarValue::Float64(y)]
    }

    #[test]
    fn correlates_doubles() -> Result<(), String> {
        // QTT correlation-udaf.json "correlation double", alice.
        let mut acc = Correlation.accumulator(&[DataType::Float64, DataType::Float64], &[])?;
        acc.add(&pair(Some(1.5), Some(8.0)))?;
        assert!(corr(acc.as_ref()).is_nan());
        acc.add(&pair(Some(-1.0), Some(-2.0)))?;
        assert_eq!(corr(acc.as_ref()), 1.0);
        acc.add(&pair(Some(-4.5), Some(-1.0)))?;
        assert_eq!(corr(acc.as_ref()), 0.7580764521133173);
        acc.add(&pair(None, Some(-6.0)))?;
        assert_eq!(corr(acc.as_ref()), 0.7580764521133173);
        Ok(())
    }

    #[test]
    fn retracts_for_tables() -> Result<(), String> {
        // QTT "correlation udaf with table".
        let mut acc = Correlation.accumulator(&[DataType::Float64, DataType::Float64], &[])?;
        acc.add(&pair(Some(1.5), Some(8.0)))?;
        acc.add(&pair(Some(-3.5), Some(-2.0)))?;
        assert_eq!(corr(acc.as_ref()), 1.0);
        acc.retract(&pair(Some(1.5), Some(8.0)))?;
        acc.add(&pair(Some(-1.0), Some(-2.0)))?;
        assert!(corr(acc.as_ref()).is_nan());
        acc.add(&pair(Some(-4.5), Some(-1.0)))?;
        assert_eq!(corr(acc.as_ref()), -0.7205766921228921);
        Ok(())
    }

    #[test]
    fn integer_pairs_and_type_errors() -> Result<(), String> {
        let mut acc = Correlation.accumulator(&[DataType::Int32, DataType::Int32], &[])?;
        for (x, y) in [(1, 8), (-1, -2), (-4, -1)] {
            acc.add(&[ScalarValue::Int32(Some(x)), ScalarValue::Int32(Some(y))])?;
        }
        assert_eq!(corr(acc.as_ref()), 0.7455284088780169);
        assert_eq!(
            Correlation.return_type(&[DataType::Int32, DataType::Float64], &[]),
            Err("Function 'correlation' does not accept parameters (INTEGER, DOUBLE).".into())
        );
        Ok(())
    }
}
