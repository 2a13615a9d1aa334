//! SUM over INT, BIGINT, DOUBLE and DECIMAL, and SUM_LIST over arrays of
//! those (not in ksqlDB's docs, but registered and tested there).
//!
//! As in ksqlDB the sum starts at 0, so a group of only nulls sums to 0,
//! INT and BIGINT wrap on overflow like Java's `int`/`long`, and a DECIMAL
//! keeps its precision and scale and fails the row when the sum no longer
//! fits (`DecimalSumKudaf`).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use datafusion::common::ScalarValue;

use super::types::{kind, no_match, one_arg, Kind};
use super::values::{as_f64, as_i64, list_elements, primitive_at};
use super::{add_read, Accumulator, AggregateFunction};
use crate::docs::Category;

pub struct Sum;
pub struct SumList;

/// A running sum in the argument's own arithmetic.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Total {
    Int(i32),
    Long(i64),
    Double(f64),
    /// Unscaled value, precision and scale of the column.
    Decimal(i128, u8, i8),
}

impl Total {
    fn zero(data_type: &DataType) -> Option<Total> {
        Some(match kind(data_type) {
            Kind::Int => Total::Int(0),
            Kind::Bigint => Total::Long(0),
            Kind::Double => Total::Double(0.0),
            Kind::Decimal(p, s) => Total::Decimal(0, p, s),
            _ => return None,
        })
    }

    fn result_type(&self) -> DataType {
        match self {
            Total::Int(_) => DataType::Int32,
            Total::Long(_) => DataType::Int64,
            Total::Double(_) => DataType::Float64,
            Total::Decimal(_, p, s) => DataType::Decimal128(*p, *s),
        }
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) one non-null value. Only a
    /// DECIMAL addition can fail; taking away is unchecked, as in ksqlDB.
    fn apply(&mut self, value: &ScalarValue, sign: i8) -> Result<(), String> {
        match self {
            Total::Int(t) => {
                // Java int arithmetic: the value is an INT, so truncation is exact.
                let v = as_i64(value).unwrap_or(0) as i32;
                *t = if sign > 0 { t.wrapping_add(v) } else { t.wrapping_sub(v) };
            }
            Total::Long(t) => {
                let v = as_i64(value).unwrap_or(0);
                *t = if sign > 0 { t.wrapping_add(v) } else { t.wrapping_sub(v) };
            }
            Total::Double(t) => {
                let v = as_f64(value).unwrap_or(0.0);
                *t = if sign > 0 { *t + v } else { *t - v };
            }
            Total::Decimal(t, p, s) => {
                let v = decimal_at_scale(value, *s)?;
                let next = if sign > 0 { t.checked_add(v) } else { t.checked_sub(v) };
                let next = next.ok_or_else(|| overflow_message(i128::MAX, *p, *s))?;
                if sign > 0 && next.unsigned_abs() >= 10u128.pow(u32::from(*p)) {
                    return Err(overflow_message(next, *p, *s));
                }
                *t = next;
            }
        }
        Ok(())
    }

    fn value(&self) -> ScalarValue {
        match self {
            Total::Int(t) => ScalarValue::Int32(Some(*t)),
            Total::Long(t) => ScalarValue::Int64(Some(*t)),
            Total::Double(t) => ScalarValue::Float64(Some(*t)),
            Total::Decimal(t, p, s) => ScalarValue::Decimal128(Some(*t), *p, *s),
        }
    }
}

/// The unscaled value of a DECIMAL at the column's scale (values of a
/// DECIMAL(p, s) column already have scale s; others are rescaled exactly).
fn decimal_at_scale(value: &ScalarValue, scale: i8) -> Result<i128, String> {
    let ScalarValue::Decimal128(Some(v), _, vs) = value else {
        return Err(format!("SUM expected a DECIMAL value, got {value}"));
    };
    let diff = i32::from(scale) - i32::from(*vs);
    let factor = 10i128.checked_pow(diff.unsigned_abs()).ok_or("DECIMAL scale out of range")?;
    if diff >= 0 {
        v.checked_mul(factor).ok_or_else(|| "DECIMAL value out of range".into())
    } else {
        Ok(v / factor)
    }
}

/// ksqlDB's overflow error. Its value is the sum rounded (HALF_UP) to the
/// column's precision, as `BigDecimal.add(.., MathContext(precision))`
/// leaves it, printed plainly.
fn overflow_message(sum: i128, precision: u8, scale: i8) -> String {
    let mut magnitude = sum.unsigned_abs();
    let mut exp = -i32::from(scale);
    let digits = magnitude.checked_ilog10().map_or(1, |d| d + 1);
    if digits > u32::from(precision) {
        let drop = digits - u32::from(precision);
        let div = 10u128.pow(drop);
        let rem = magnitude % div;
        magnitude = magnitude / div + u128::from(rem >= div - rem);
        exp += drop as i32;
        // A carry (9.9995 -> 10.000) adds a digit; BigDecimal drops one more.
        if magnitude.checked_ilog10().is_some_and(|d| d + 1 > u32::from(precision)) {
            magnitude /= 10;
            exp += 1;
        }
    }
    let mut text = magnitude.to_string();
    if exp >= 0 {
        text.push_str(&"0".repeat(exp as usize));
    } else {
        let frac = exp.unsigned_abs() as usize;
        if text.len() <= frac {
            text = format!("{}{text}", "0".repeat(frac + 1 - text.len()));
        }
        text.insert(text.len() - frac, '.');
    }
    let sign = if sum < 0 { "-" } else { "" };
    format!(
        "Numeric field overflow: A field with precision {precision} and scale {scale} must round to an absolute value less than 10^{}. Got {sign}{text}",
        i32::from(precision) - i32::from(scale)
    )
}

impl AggregateFunction for Sum {
    fn name(&self) -> &'static str {
        "SUM"
    }

    fn description(&self) -> &'static str {
        "Computes the sum for a key."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "SUM(col INT) -> INT",
            "SUM(col BIGINT) -> BIGINT",
            "SUM(col DOUBLE) -> DOUBLE",
            "SUM(col DECIMAL) -> DECIMAL",
        ]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        let arg = one_arg("SUM", args, constants)?;
        Total::zero(arg).map(|t| t.result_type()).ok_or_else(|| no_match("SUM", args, constants))
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        let arg = one_arg("SUM", args, constants)?;
        let total = Total::zero(arg).ok_or_else(|| no_match("SUM", args, constants))?;
        Ok(Box::new(SumAcc { total, list: false }))
    }
}

impl AggregateFunction for SumList {
    fn name(&self) -> &'static str {
        "SUM_LIST"
    }

    fn description(&self) -> &'static str {
        "Returns the sum of elements contained in the list."
    }

    fn signatures(&self) -> &'static [&'static str] {
        &[
            "SUM_LIST(list ARRAY<INT>) -> INT",
            "SUM_LIST(list ARRAY<BIGINT>) -> BIGINT",
            "SUM_LIST(list ARRAY<DOUBLE>) -> DOUBLE",
        ]
    }

    fn category(&self) -> Category {
        Category::Statistics
    }

    fn return_type(&self, args: &[DataType], constants: &[ScalarValue]) -> Result<DataType, String> {
        list_total(args, constants).map(|t| t.result_type())
    }

    fn accumulator(
        &self,
        args: &[DataType],
        constants: &[ScalarValue],
    ) -> Result<Box<dyn Accumulator>, String> {
        Ok(Box::new(SumAcc { total: list_total(args, constants)?, list: true }))
    }
}

/// SUM_LIST takes ARRAY<INT>, ARRAY<BIGINT> or ARRAY<DOUBLE>.
fn list_total(args: &[DataType], constants: &[ScalarValue]) -> Result<Total, String> {
    let err = || no_match("sum_list", args, constants);
    let arg = one_arg("sum_list", args, constants)?;
    let (DataType::List(field) | DataType::LargeList(field)) = arg else {
        return Err(err());
    };
    match Total::zero(field.data_type()) {
        Some(t @ (Total::Int(_) | Total::Long(_) | Total::Double(_))) => Ok(t),
        _ => Err(err()),
    }
}

struct SumAcc {
    total: Total,
    /// SUM_LIST: the argument is an array whose non-null elements count.
    list: bool,
}

impl SumAcc {
    fn apply(&mut self, args: &[ScalarValue], sign: i8) -> Result<(), String> {
        let Some(value) = args.first().filter(|v| !v.is_null()) else {
            return Ok(());
        };
        if !self.list {
            return self.total.apply(value, sign);
        }
        // SUM_LIST adds the list's own sum (Java arithmetic from 0), so the
        // element sum wraps on its own before it meets the running total.
        let mut inner = match self.total {
            Total::Int(_) => Total::Int(0),
            Total::Long(_) => Total::Long(0),
            _ => Total::Double(0.0),
        };
        for element in list_elements(value).iter().filter(|e| !e.is_null()) {
            inner.apply(element, 1)?;
        }
        self.total.apply(&inner.value(), sign)
    }
}

impl Accumulator for SumAcc {
    fn add(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        // On error the total is unchanged: `apply` only stores a checked sum.
        self.apply(args, 1)
    }

    fn add_at(
        &mut self,
        args: &[ArrayRef],
        row: usize,
        scratch: &mut Vec<ScalarValue>,
    ) -> Result<(), String> {
        if let (false, Some(array)) = (self.list, args.first()) {
            // The argument's array has the total's type (both come from
            // the argument's type); other arrays take the general path.
            // A null adds nothing (not even a 0.0 to a -0.0 total).
            let read = match &mut self.total {
                Total::Long(t) => {
                    primitive_at::<Int64Type>(array, row).map(|v| *t = t.wrapping_add(v.unwrap_or(0)))
                }
                Total::Int(t) => {
                    primitive_at::<Int32Type>(array, row).map(|v| *t = t.wrapping_add(v.unwrap_or(0)))
                }
                Total::Double(t) => {
                    primitive_at::<Float64Type>(array, row).map(|v| *t = v.map_or(*t, |v| *t + v))
                }
                Total::Decimal(..) => None,
            };
            if read.is_some() {
                return Ok(());
            }
        }
        add_read(self, args, row, scratch)
    }

    fn retract(&mut self, args: &[ScalarValue]) -> Result<(), String> {
        self.apply(args, -1)
    }

    fn value(&self) -> ScalarValue {
        self.total.value()
    }
}

#[cfg(test)]
#[path = "sum_tests.rs"]
mod tests;
