//! How Java writes values as text, where ksqlDB's functions do so
//! (`Double.toString`, `BigDecimal.toPlainString`, `LocalTime.toString`).

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Float64Type};
use datafusion::common::ScalarValue;

/// `Double.toString`: plain between 10^-3 and 10^7, else `1.0E10`; always
/// at least one fraction digit; the shortest digits that read back.
pub(crate) fn double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let abs = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if (1e-3..1e7).contains(&abs) {
        let plain = format!("{abs}");
        return if plain.contains('.') { format!("{sign}{plain}") } else { format!("{sign}{plain}.0") };
    }
    let mut sci = format!("{abs:e}");
    if !sci.contains('.') {
        // Java writes two significant digits at least, the two nearest the exact value when
        // they still read back: `Double.MIN_VALUE` is `4.9E-324`, not `5.0E-324`.
        let two_digits = format!("{abs:.1e}");
        if two_digits.parse::<f64>().is_ok_and(|back| back == abs) {
            sci = two_digits;
        }
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    format!("{sign}{mantissa}E{exp}")
}

/// `BigDecimal.toPlainString` of an unscaled value and scale.
pub(crate) fn decimal(unscaled: i128, scale: i8) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let sign = if unscaled < 0 { "-" } else { "" };
    if scale <= 0 {
        return format!("{sign}{digits}{}", "0".repeat(scale.unsigned_abs() as usize));
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// `LocalTime.ofSecondOfDay(s).toString()`: `HH:mm`, with `:ss` unless zero.
pub(crate) fn time_of_seconds(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// The text Java gives a value of any SQL type, as ksqlDB's CAST(.. AS STRING)
/// writes ARRAY (`[1, 2]`), MAP (`{k=v, k2=v2}`) and STRUCT values (Connect's
/// `Struct{A=1,B=x}`, null fields left out); None for a null.
pub fn java_string(array: &dyn Array, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    Some(match array.data_type() {
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(row);
            let texts: Vec<String> = (0..items.len())
                .map(|i| java_string(items.as_ref(), i).unwrap_or_else(|| "null".into()))
                .collect();
            format!("[{}]", texts.join(", "))
        }
        DataType::Map(..) => {
            let entries = array.as_map().value(row);
            let texts: Vec<String> = (0..entries.len())
                .map(|i| {
                    let text = |c: &dyn Array| java_string(c, i).unwrap_or_else(|| "null".into());
                    format!("{}={}", text(entries.column(0).as_ref()), text(entries.column(1).as_ref()))
                })
                .collect();
            format!("{{{}}}", texts.join(", "))
        }
        DataType::Struct(fields) => {
            let strukt = array.as_struct();
            let texts: Vec<String> = fields
                .iter()
                .zip(strukt.columns())
                .filter_map(|(f, c)| java_string(c.as_ref(), row).map(|v| format!("{}={v}", f.name())))
                .collect();
            format!("Struct{{{}}}", texts.join(","))
        }
        DataType::Float64 => double(array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(_, scale) => decimal(array.as_primitive::<Decimal128Type>().value(row), *scale),
        DataType::Utf8 => array.as_string::<i32>().value(row).to_string(),
        _ => match ScalarValue::try_from_array(array, row) {
            Ok(value) => value.to_string(),
            Err(_) => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(double(1.0), "1.0");
        assert_eq!(double(-23.42), "-23.42");
        assert_eq!(double(1e7), "1.0E7");
        assert_eq!(double(1.2345e-5), "1.2345E-5");
        assert_eq!(double(5e-324), "4.9E-324");
        assert_eq!(double(1e23), "1.0E23");
        assert_eq!(double(0.001), "0.001");
        assert_eq!(double(123456.789), "123456.789");
        assert_eq!(double(f64::NAN), "NaN");
        assert_eq!(double(-0.0), "-0.0");
    }

    #[test]
    fn decimals_print_plain() {
        assert_eq!(decimal(123456, 3), "123.456");
        assert_eq!(decimal(-5, 2), "-0.05");
        assert_eq!(decimal(12, 0), "12");
        assert_eq!(decimal(12, -2), "1200");
    }

    #[test]
    fn times_drop_zero_seconds() {
        assert_eq!(time_of_seconds(60220), "16:43:40");
        assert_eq!(time_of_seconds(3600), "01:00");
    }
}
