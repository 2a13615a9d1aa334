//! ROUND and TRUNC, which ksqlDB computes on decimal digits.
//!
//! `ROUND(double, n)` and `TRUNC(double, n)` go through
//! `BigDecimal.valueOf(double)`, i.e. the shortest decimal that reads back
//! as the double, so `ROUND(1.005, 2)` is 1.01 where binary rounding gives
//! 1.0. Rounding is half-up for positive values and half-down for negative
//! ones (`Math.round` semantics: ties go towards positive infinity).

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;

use super::args::*;
use super::udf::{fit, Call, Def, Reject, Resolved, P};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new(
            "Round",
            "Rounds to a number of decimal places (default 0); ties round towards positive infinity.",
            |t| sig(t, true),
            |c| call(c, Mode::Round),
        )
        .sigs(&[
            "ROUND(x BIGINT) -> BIGINT",
            "ROUND(x DOUBLE) -> BIGINT",
            "ROUND(x DECIMAL) -> DECIMAL",
            "ROUND(x DOUBLE, places INT) -> DOUBLE",
            "ROUND(x DECIMAL, places INT) -> DECIMAL",
        ]),
        Def::new(
            "trunc",
            "Truncates towards zero to a number of decimal places (default 0).",
            |t| sig(t, false),
            |c| call(c, Mode::Trunc),
        )
        .sigs(&[
            "TRUNC(x BIGINT) -> BIGINT",
            "TRUNC(x DOUBLE) -> BIGINT",
            "TRUNC(x DECIMAL) -> DECIMAL",
            "TRUNC(x DOUBLE, places INT) -> DOUBLE",
            "TRUNC(x DECIMAL, places INT) -> DECIMAL",
        ]),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Round,
    Trunc,
}

/// Without a scale: INT, BIGINT and DOUBLE give BIGINT, DECIMAL(p, s) gives
/// DECIMAL(p - s, 0). With one: DOUBLE for numbers, the same DECIMAL type
/// for decimals (ksqlDB keeps the input's scale).
fn sig(t: &[DataType], _round: bool) -> Resolved {
    let Some(first) = t.first() else { return Err(Reject::NoMatch) };
    let places = match t {
        [_] => None,
        [_, p] => Some(fit(p, P::Int).ok_or(Reject::NoMatch)?),
        _ => return Err(Reject::NoMatch),
    };
    let (arg, ret) = match (first, &places) {
        (DataType::Decimal128(p, s), None) => {
            (first.clone(), DataType::Decimal128((*p as i16 - *s as i16).max(1) as u8, 0))
        }
        (DataType::Decimal128(..), Some(_)) => (first.clone(), first.clone()),
        (_, None) => {
            let arg = fit(first, P::Bigint).or_else(|| fit(first, P::Double)).ok_or(Reject::NoMatch)?;
            (arg, DataType::Int64)
        }
        (_, Some(_)) => (fit(first, P::Double).ok_or(Reject::NoMatch)?, DataType::Float64),
    };
    let mut args = vec![arg];
    args.extend(places);
    Ok((args, ret))
}

fn call(c: &Call, mode: Mode) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "ROUND")?;
    let places = c.args.get(1).map(ints).transpose()?;
    let places_at = |i: usize| -> Option<i32> {
        match places {
            Some(p) => at(p, i),
            None => Some(0),
        }
    };
    match (a.data_type(), c.ret) {
        (DataType::Int64, _) => Ok(a.clone()),
        (DataType::Float64, DataType::Int64) => {
            let d = doubles(a)?;
            let out = match mode {
                Mode::Round => d.unary::<_, Int64Type>(java_math_round),
                // Java's `longValue`: towards zero, saturating, NaN is 0.
                Mode::Trunc => d.unary::<_, Int64Type>(|v| v as i64),
            };
            Ok(std::sync::Arc::new(out))
        }
        (DataType::Float64, _) => {
            let d = doubles(a)?;
            Ok(double_rows(c.rows, |i| round_double(at(d, i)?, places_at(i)?, mode)))
        }
        (DataType::Decimal128(_, s), DataType::Decimal128(p_out, s_out)) => {
            let d = decimals(a)?;
            let (s, s_out) = (*s, *s_out);
            decimal_rows(c.rows, *p_out, s_out, |i| {
                let rounded = round_unscaled(at(d, i)?, s, places_at(i)?, mode)?;
                rescale(rounded, places_at(i)?.min(s as i32), s_out)
            })
        }
        (other, _) => datafusion::common::exec_err!("ROUND of {other}"),
    }
}

/// Java's `Math.round(double)`: floor(x + 0.5), NaN is 0, saturating.
pub(crate) fn java_math_round(v: f64) -> i64 {
    if v.is_nan() {
        return 0;
    }
    // Adding 0.5 to the largest double below 0.5 would round up in binary.
    let r = v.round();
    let r = if (r - v).abs() == 0.5 { v.ceil() } else { r };
    r as i64
}

/// Rounds or truncates the shortest decimal form of `v` to `places`.
/// None for NaN and infinities, which `BigDecimal.valueOf` rejects.
pub(crate) fn round_double(v: f64, places: i32, mode: Mode) -> Option<f64> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some(0.0);
    }
    let text = format!("{:e}", v.abs());
    let (mantissa, exp) = text.split_once('e')?;
    let exp = exp.parse::<i64>().ok()?;
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    // Digit k is worth 10^(exp - k); keep those worth at least 10^-places.
    let keep = exp + places as i64 + 1;
    if keep >= digits.len() as i64 {
        return Some(v);
    }
    let negative = v < 0.0;
    let dropped: Vec<u8> = if keep <= 0 { digits.clone() } else { digits.split_off(keep as usize) };
    if keep <= 0 {
        digits.clear();
    }
    // With keep < 0 the first dropped digit is an implicit 0.
    let first = if keep < 0 { 0 } else { dropped.first().copied().unwrap_or(0) };
    let rest_nonzero = if keep < 0 { true } else { dropped.iter().skip(1).any(|&d| d != 0) };
    let up = match mode {
        Mode::Trunc => false,
        Mode::Round if negative => first > 5 || (first == 5 && rest_nonzero),
        Mode::Round => first >= 5,
    };
    let mut value: f64 = 0.0;
    if !digits.is_empty() {
        let text: String = digits.iter().map(|d| (b'0' + d) as char).collect();
        value = format!("{text}e{}", exp - keep + 1).parse().unwrap_or(0.0);
    }
    if up {
        value += format!("1e{}", -(places as i64)).parse::<f64>().unwrap_or(0.0);
        // Re-round the sum to the kept digits, dropping binary noise.
        value = format!("{value:.*}", places.clamp(0, 340) as usize).parse().unwrap_or(value);
    }
    Some(if negative { -value } else { value })
}

/// `unscaled * 10^-scale` rounded to `places` decimals, still at `scale`
/// when `places >= scale`, else at scale `places`.
fn round_unscaled(v: i128, scale: i8, places: i32, mode: Mode) -> Option<i128> {
    let drop = scale as i32 - places;
    if drop <= 0 {
        return Some(v);
    }
    let Some(divisor) = 10i128.checked_pow(drop as u32) else {
        // More digits dropped than an i128 holds: the result is 0.
        return Some(0);
    };
    let (q, r) = (v / divisor, (v % divisor).abs());
    let twice = r.checked_mul(2)?;
    let up = match mode {
        Mode::Trunc => false,
        Mode::Round if v < 0 => twice > divisor,
        Mode::Round => twice >= divisor,
    };
    Some(if up { q + v.signum() } else { q })
}

/// An unscaled value at scale `from` expressed at scale `to`.
fn rescale(v: i128, from: i32, to: i8) -> Option<i128> {
    let diff = to as i32 - from;
    if diff >= 0 {
        v.checked_mul(10i128.checked_pow(diff as u32)?)
    } else {
        Some(v / 10i128.checked_pow((-diff) as u32)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_round_ties_go_up() {
        assert_eq!(java_math_round(1.5), 2);
        assert_eq!(java_math_round(-1.5), -1);
        assert_eq!(java_math_round(-1.6), -2);
        assert_eq!(java_math_round(0.49999999999999994), 0);
        assert_eq!(java_math_round(f64::NAN), 0);
        assert_eq!(java_math_round(1e300), i64::MAX);
    }

    #[test]
    fn doubles_round_on_their_decimal_digits() {
        assert_eq!(round_double(1.005, 2, Mode::Round), Some(1.01));
        assert_eq!(round_double(-1.005, 2, Mode::Round), Some(-1.0));
        assert_eq!(round_double(1.234567, 10, Mode::Trunc), Some(1.234567));
        assert_eq!(round_double(12345.678, 1, Mode::Trunc), Some(12345.6));
        assert_eq!(round_double(-12345.678, -2, Mode::Trunc), Some(-12300.0));
        assert_eq!(round_double(111.1, -1, Mode::Trunc), Some(110.0));
        assert_eq!(round_double(1.7, -1, Mode::Trunc), Some(0.0));
        assert_eq!(round_double(1.23456, 3, Mode::Round), Some(1.235));
        assert_eq!(round_double(5.0, -1, Mode::Round), Some(10.0));
        assert_eq!(round_double(0.5, 0, Mode::Round), Some(1.0));
        assert_eq!(round_double(0.04, -1, Mode::Round), Some(0.0));
    }

    #[test]
    fn decimals_round_on_the_unscaled_value() {
        assert_eq!(round_unscaled(12345, 2, 0, Mode::Round), Some(123));
        assert_eq!(round_unscaled(12350, 2, 0, Mode::Round), Some(124));
        assert_eq!(round_unscaled(-12350, 2, 0, Mode::Round), Some(-123));
        assert_eq!(round_unscaled(-12351, 2, 0, Mode::Round), Some(-124));
        assert_eq!(round_unscaled(-12399, 2, 0, Mode::Trunc), Some(-123));
        assert_eq!(round_unscaled(15, 1, 5, Mode::Round), Some(15));
        assert_eq!(rescale(123, 0, 2), Some(12300));
        assert_eq!(rescale(12345, 3, 1), Some(123));
    }
}
