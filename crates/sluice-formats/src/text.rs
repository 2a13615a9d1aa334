//! Values as text: parsing typed values out of strings (DELIMITED fields, JSON strings
//! and numbers) and writing them back, the way ksqlDB's Java code spells them.

use std::fmt::Write;

use arrow::array::{Array, ArrowPrimitiveType, AsArray, PrimitiveBuilder};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type, Time32MillisecondType, TimeUnit,
    TimestampMillisecondType,
};
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::builder::Builder;
use crate::FormatError;

/// Standard base64; padding written, and optional when read (as Java's decoder).
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const MILLIS_PER_DAY: i32 = 86_400_000;

/// Why one value could not be decoded, and where inside its column (`->F`, `[2]`, `['k']`).
#[derive(Debug)]
pub(crate) struct Fail {
    path: String,
    msg: String,
}

impl Fail {
    pub fn new(msg: impl Into<String>) -> Fail {
        Fail { path: String::new(), msg: msg.into() }
    }

    /// `expected an INTEGER, found "abc"`
    pub fn expected(b: &Builder, found: impl std::fmt::Display) -> Fail {
        let name = b.sql_name();
        let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" };
        Fail::new(format!("expected {article} {name}, found {found}"))
    }

    /// Prefixes the path with one more step outwards.
    pub fn at(mut self, step: &str) -> Fail {
        self.path.insert_str(0, step);
        self
    }

    pub fn in_column(self, column: &str) -> FormatError {
        let reason = match self.path.is_empty() {
            true => self.msg,
            false => format!("{} (at {column}{})", self.msg, self.path),
        };
        FormatError::Deserialize { column: column.to_string(), reason }
    }
}

/// `"abc"`, shortened: how a bad text value is shown in errors.
pub(crate) fn quoted(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((end, _)) => format!("{:?}…", &s[..end]),
        None => format!("{s:?}"),
    }
}

/// Appends `value`, or a null and the failure.
pub(crate) fn push<T: ArrowPrimitiveType>(
    b: &mut PrimitiveBuilder<T>,
    value: Result<T::Native, Fail>,
) -> Result<(), Fail> {
    match value {
        Ok(v) => {
            b.append_value(v);
            Ok(())
        }
        Err(e) => {
            b.append_null();
            Err(e)
        }
    }
}

/// Appends the value that the text `s` stands for (a DELIMITED field, or a JSON string
/// coerced to the column's type). Always appends exactly one entry.
pub(crate) fn put_text(b: &mut Builder, s: &str) -> Result<(), Fail> {
    let expected = |ty: &str| Fail::new(format!("expected {ty}, found {}", quoted(s)));
    match b {
        // Java's Boolean.parseBoolean: anything but "true" is false.
        Builder::Boolean(b) => {
            b.append_value(s.eq_ignore_ascii_case("true"));
            Ok(())
        }
        Builder::Int(i) => push(i, s.parse().map_err(|_| expected("an INTEGER"))),
        Builder::BigInt(i) => push(i, s.parse().map_err(|_| expected("a BIGINT"))),
        // Java's Double.parseDouble trims blanks first.
        Builder::Double(d) => push(d, s.trim_matches(|c| c <= ' ').parse().map_err(|_| expected("a DOUBLE"))),
        Builder::Decimal(d, precision, scale) => push(d, parse_decimal(s, *precision, *scale)),
        Builder::Date(d) => push(d, s.parse().map_err(|_| expected("a DATE (days since the epoch)"))),
        Builder::Time(t) => {
            let ms = s.parse().map_err(|_| expected("a TIME (milliseconds of the day)"));
            push(t, ms.and_then(time_of_day))
        }
        Builder::Timestamp(t) => {
            push(t, s.parse().map_err(|_| expected("a TIMESTAMP (milliseconds since the epoch)")))
        }
        Builder::String(b) => {
            b.append_value(s);
            Ok(())
        }
        Builder::Bytes(by) => match BASE64.decode(s) {
            Ok(v) => {
                by.append_value(v);
                Ok(())
            }
            Err(_) => {
                by.append_null();
                Err(expected("BYTES as base64"))
            }
        },
        Builder::List(_) | Builder::Map(_) | Builder::Struct(_) => {
            let fail = Fail::expected(b, quoted(s));
            b.append_null();
            Err(fail)
        }
    }
}

/// TIME values are milliseconds of one day.
pub(crate) fn time_of_day(ms: i32) -> Result<i32, Fail> {
    match (0..MILLIS_PER_DAY).contains(&ms) {
        true => Ok(ms),
        false => Err(Fail::new(format!(
            "TIME must be between 0 and {} milliseconds, found {ms}",
            MILLIS_PER_DAY - 1
        ))),
    }
}

enum DecimalError {
    Syntax,
    Overflow,
    Inexact,
}

/// The decimal number `text` (`-12.5`, `1e3`, `.5`) times 10^`scale`, as an integer.
/// Digits that would be cut off are an error when `exact`, and dropped (truncation
/// towards zero) otherwise.
fn scaled(text: &str, scale: i64, exact: bool) -> Result<i128, DecimalError> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i64>().map_err(|_| DecimalError::Syntax)?),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = || int.bytes().chain(frac.bytes());
    if (int.is_empty() && frac.is_empty()) || !digits().all(|d| d.is_ascii_digit()) {
        return Err(DecimalError::Syntax);
    }
    // value = digits × 10^(exponent - frac.len()), so value × 10^scale = digits × 10^shift.
    let shift = exponent.saturating_sub(frac.len() as i64).saturating_add(scale);
    let count = int.len() + frac.len();
    let kept = if shift >= 0 { count } else { count.saturating_sub(shift.unsigned_abs() as usize) };
    let mut value: i128 = 0;
    for (i, d) in digits().enumerate() {
        let d = i128::from(d - b'0');
        if i < kept {
            value = value.checked_mul(10).and_then(|v| v.checked_add(d)).ok_or(DecimalError::Overflow)?;
        } else if exact && d != 0 {
            return Err(DecimalError::Inexact);
        }
    }
    if shift > 0 && value != 0 {
        let factor = u32::try_from(shift).ok().and_then(|s| 10i128.checked_pow(s));
        value = factor.and_then(|f| value.checked_mul(f)).ok_or(DecimalError::Overflow)?;
    }
    Ok(if negative { -value } else { value })
}

/// A DECIMAL(`precision`, `scale`) from its text, as ksqlDB's `DecimalUtil.ensureFit`:
/// rescaling must be exact, and the value must fit the precision.
pub(crate) fn parse_decimal(text: &str, precision: u8, scale: i8) -> Result<i128, Fail> {
    let overflow = || {
        Fail::new(format!(
            "Numeric field overflow: A field with precision {precision} and scale {scale} must round \
             to an absolute value less than 10^{}. Got {text}",
            i16::from(precision) - i16::from(scale)
        ))
    };
    match scaled(text, i64::from(scale), true) {
        Ok(v) if v.unsigned_abs() < 10u128.pow(u32::from(precision)) => Ok(v),
        Ok(_) | Err(DecimalError::Overflow) => Err(overflow()),
        Err(DecimalError::Inexact) => Err(Fail::new(format!(
            "Cannot fit decimal '{text}' into DECIMAL({precision}, {scale}) without rounding"
        ))),
        Err(DecimalError::Syntax) => {
            Err(Fail::new(format!("expected a DECIMAL({precision}, {scale}), found {}", quoted(text))))
        }
    }
}

/// The integral part of the number `text` (Jackson's `intValue`/`longValue` truncate).
/// `None` when it is not a number or does not fit an i128.
pub(crate) fn integral(text: &str) -> Option<i128> {
    // Fast path for the common case, a plain integer: one pass, no i128
    // arithmetic. Anything else (a sign other than '-', a point, an
    // exponent, more digits) takes the general path, which gives the same
    // value.
    if let Some(value) = plain_integer(text) {
        return Some(i128::from(value));
    }
    scaled(text, 0, false).ok()
}

/// `text` as an i64 when it is an optional '-' and at most 18 digits
/// (which cannot overflow an i64); None for anything else.
pub(crate) fn plain_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits.iter().fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
    Some(if digits.len() < text.len() { -value } else { value })
}

/// Writes a decimal with exactly `scale` digits after the point, never in exponent form
/// (Java's `BigDecimal.toPlainString`).
pub(crate) fn write_decimal(out: &mut String, value: i128, scale: i8) {
    if value < 0 {
        out.push('-');
    }
    let start = out.len();
    let _ = write!(out, "{}", value.unsigned_abs());
    let scale = i32::from(scale);
    if scale > 0 {
        let scale = scale as usize;
        let digits = out.len() - start;
        if digits <= scale {
            out.insert_str(start, &"0".repeat(scale + 1 - digits));
        }
        out.insert(out.len() - scale, '.');
    } else {
        out.extend(std::iter::repeat_n('0', scale.unsigned_abs() as usize));
    }
}

/// Writes a double as Java's `Double.toString` does: `1.0`, `0.001`, `1.0E7`, `1.5E-5`,
/// `NaN`, `Infinity`.
pub(crate) fn write_java_double(out: &mut String, d: f64) {
    let start = out.len();
    if d.is_nan() {
        out.push_str("NaN");
    } else if d.is_infinite() {
        out.push_str(if d > 0.0 { "Infinity" } else { "-Infinity" });
    } else if d == 0.0 || (1e-3..1e7).contains(&d.abs()) {
        let _ = write!(out, "{d}");
        if !out[start..].contains('.') {
            out.push_str(".0");
        }
    } else {
        let _ = write!(out, "{d:e}");
        if !out[start..].contains('.') {
            // Java writes at least two significant digits, and picks the two closest to the
            // exact binary value when those still read back as `d`: `Double.MIN_VALUE` is
            // `4.9E-324`, where the shortest form would be `5E-324`.
            let two_digits = format!("{d:.1e}");
            let keeps_value = two_digits.parse::<f64>().map(|back| back == d).unwrap_or(false);
            out.truncate(start);
            if keeps_value {
                out.push_str(&two_digits);
            } else {
                let _ = write!(out, "{d:e}");
                if let Some(e) = out[start..].find('e') {
                    out.insert_str(start + e, ".0");
                }
            }
        }
        if let Some(e) = out[start..].find('e').map(|i| start + i) {
            out.replace_range(e..e + 1, "E");
        }
    }
}

/// Writes one non-null primitive value as text: the DELIMITED field, or the JSON number
/// (strings and bytes unquoted: the caller quotes them).
pub(crate) fn write_scalar(out: &mut String, array: &dyn Array, row: usize) -> Result<(), String> {
    // Integers through itoa: `write!`'s formatting machinery cost more than
    // the rest of encoding an output record.
    let mut digits = itoa::Buffer::new();
    let written = match array.data_type() {
        DataType::Boolean => write!(out, "{}", array.as_boolean().value(row)),
        DataType::Int32 => out.write_str(digits.format(array.as_primitive::<Int32Type>().value(row))),
        DataType::Int64 => out.write_str(digits.format(array.as_primitive::<Int64Type>().value(row))),
        DataType::Date32 => out.write_str(digits.format(array.as_primitive::<Date32Type>().value(row))),
        DataType::Time32(TimeUnit::Millisecond) => {
            out.write_str(digits.format(array.as_primitive::<Time32MillisecondType>().value(row)))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            out.write_str(digits.format(array.as_primitive::<TimestampMillisecondType>().value(row)))
        }
        DataType::Float64 => {
            write_java_double(out, array.as_primitive::<Float64Type>().value(row));
            Ok(())
        }
        DataType::Decimal128(_, s) => {
            write_decimal(out, array.as_primitive::<Decimal128Type>().value(row), *s);
            Ok(())
        }
        DataType::Utf8 => out.write_str(array.as_string::<i32>().value(row)),
        DataType::Binary => {
            BASE64.encode_string(array.as_binary::<i32>().value(row), out);
            Ok(())
        }
        other => return Err(format!("cannot write a value of type {other}")),
    };
    written.map_err(|e| e.to_string())
}

/// A decimal given as big-endian two's-complement unscaled bytes of scale `from`
/// (AVRO's and Confluent's PROTOBUF decimals), as a value of DECIMAL(precision, scale).
pub(crate) fn decimal_from_bytes(bytes: &[u8], from: i64, precision: u8, scale: i8) -> Result<i128, Fail> {
    if bytes.len() > 16 {
        return Err(Fail::new("decimal too large"));
    }
    let fill = if bytes.first().is_some_and(|b| b & 0x80 != 0) { 0xFF } else { 0 };
    let mut wide = [fill; 16];
    wide[16 - bytes.len()..].copy_from_slice(bytes);
    let unscaled = i128::from_be_bytes(wide);
    let from = i32::try_from(from).map_err(|_| Fail::new("decimal scale out of range"))?;
    let value = rescale(unscaled, from, i32::from(scale))
        .ok_or_else(|| Fail::new(format!("cannot read a decimal of scale {from} as scale {scale}")))?;
    if value.unsigned_abs() >= 10u128.pow(u32::from(precision)) {
        return Err(Fail::new(format!("decimal does not fit DECIMAL({precision}, {scale})")));
    }
    Ok(value)
}

/// `unscaled × 10^-from` as a value of scale `to`, if no digit is lost.
pub(crate) fn rescale(unscaled: i128, from: i32, to: i32) -> Option<i128> {
    let factor = |by: i32| 10i128.checked_pow(u32::try_from(by).ok()?);
    if to >= from {
        unscaled.checked_mul(factor(to - from)?)
    } else {
        let factor = factor(from - to)?;
        (unscaled % factor == 0).then(|| unscaled / factor)
    }
}

/// The shortest big-endian two's-complement bytes of `v`.
pub(crate) fn minimal_bytes(v: i128) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let fill = if v < 0 { 0xFF } else { 0 };
    let mut start = 0;
    // Drop a leading fill byte while the next byte still carries the sign.
    while start < 15 && bytes[start] == fill && (bytes[start + 1] & 0x80) == (fill & 0x80) {
        start += 1;
    }
    bytes[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str, p: u8, s: i8) -> Result<i128, String> {
        parse_decimal(text, p, s).map_err(|f| f.msg)
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(dec("1.5", 4, 2), Ok(150));
        assert_eq!(dec("-0.05", 4, 2), Ok(-5));
        assert_eq!(dec("1.50000", 4, 2), Ok(150));
        assert_eq!(dec("99.99", 4, 2), Ok(9999));
        assert_eq!(dec("1e1", 4, 2), Ok(1000));
        assert_eq!(dec("12E-1", 4, 2), Ok(120));
        assert_eq!(dec(".5", 4, 2), Ok(50));
        assert_eq!(dec("10.123451234512345", 21, 19), Ok(101234512345123450000));
        assert_eq!(dec("0", 38, 10), Ok(0));
        assert!(dec("1.234", 4, 2).unwrap_err().contains("without rounding"));
        assert_eq!(
            dec("100", 4, 2).unwrap_err(),
            "Numeric field overflow: A field with precision 4 and scale 2 must round to an \
             absolute value less than 10^2. Got 100"
        );
        assert!(dec("1e400", 4, 2).unwrap_err().contains("overflow"));
        for bad in ["", "-", ".", "1.2.3", "abc", "1e", " 1", "0x10", "--1"] {
            assert!(dec(bad, 4, 2).unwrap_err().starts_with("expected a DECIMAL(4, 2)"), "{bad}");
        }
    }

    #[test]
    fn integral_truncates() {
        assert_eq!(integral("12"), Some(12));
        assert_eq!(integral("1.9"), Some(1));
        assert_eq!(integral("-1.9"), Some(-1));
        assert_eq!(integral("1e2"), Some(100));
        assert_eq!(integral("5e-1"), Some(0));
        assert_eq!(integral("1e100"), None);
        assert_eq!(integral("-0"), Some(0));
        assert_eq!(integral("-"), None);
        assert_eq!(integral("+7"), Some(7));
        assert_eq!(integral("999999999999999999"), Some(999_999_999_999_999_999));
        assert_eq!(integral("-99999999999999999999"), Some(-99_999_999_999_999_999_999));
    }

    #[test]
    fn decimals_write_plain_with_their_scale() {
        let w = |v, s| {
            let mut out = String::new();
            write_decimal(&mut out, v, s);
            out
        };
        assert_eq!(w(150, 2), "1.50");
        assert_eq!(w(-5, 2), "-0.05");
        assert_eq!(w(0, 3), "0.000");
        assert_eq!(w(100000, 4), "10.0000");
        assert_eq!(w(42, 0), "42");
        assert_eq!(w(-42, -2), "-4200");
    }

    #[test]
    fn doubles_write_like_java() {
        let w = |d| {
            let mut out = String::new();
            write_java_double(&mut out, d);
            out
        };
        assert_eq!(w(1.0), "1.0");
        assert_eq!(w(-0.0), "-0.0");
        assert_eq!(w(0.001), "0.001");
        assert_eq!(w(1234567.5), "1234567.5");
        assert_eq!(w(9876.54321), "9876.54321");
        assert_eq!(w(1e7), "1.0E7");
        assert_eq!(w(12345678.9), "1.23456789E7");
        assert_eq!(w(1.5e-5), "1.5E-5");
        assert_eq!(w(f64::MIN_POSITIVE), "2.2250738585072014E-308");
        assert_eq!(w(5e-324), "4.9E-324");
        assert_eq!(w(-5e-324), "-4.9E-324");
        assert_eq!(w(1e23), "1.0E23");
        assert_eq!(w(1e7), "1.0E7");
        assert_eq!(w(-2e-4), "-2.0E-4");
        assert_eq!(w(f64::NAN), "NaN");
        assert_eq!(w(f64::NEG_INFINITY), "-Infinity");
    }
}
