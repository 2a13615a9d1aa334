//! Just enough of Java's `BigDecimal` to compare numbers as ksqlDB's test
//! runner does: parsing (`new BigDecimal(String)`), `equals` (value *and*
//! scale, the derived `PartialEq`), `compareTo == 0` (value only,
//! [`Decimal::numeric_eq`]), and conversions to integers.

use std::fmt;

/// An exact decimal `±digits × 10^-scale`, as Java's `BigDecimal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    /// The unscaled value's digits, without leading zeros ("" for zero).
    digits: String,
    scale: i64,
}

impl Decimal {
    /// Parses what `new BigDecimal(String)` accepts: an optional sign, digits
    /// with at most one `.` (at least one digit in all), and an optional
    /// exponent `e`/`E` with optional sign. `1.50` has scale 2, `1E+3` has
    /// scale -3.
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part) {
            return None;
        }
        let exponent: i64 = match exponent {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if unsigned.is_empty() || unsigned.len() > 10 || !all_digits(unsigned) {
                    return None;
                }
                e.strip_prefix('+').unwrap_or(e).parse().ok()?
            }
        };
        let scale = i64::try_from(frac_part.len()).ok()? - exponent;
        let digits = format!("{int_part}{frac_part}").trim_start_matches('0').to_string();
        Some(Decimal { negative: negative && !digits.is_empty(), digits, scale })
    }

    pub(crate) fn scale(&self) -> i64 {
        self.scale
    }

    /// Equal values, whatever the scales (`compareTo == 0`): `10.0 == 10.0000`.
    pub(crate) fn numeric_eq(&self, other: &Decimal) -> bool {
        self.normalized() == other.normalized()
    }

    /// Trailing zeros of the unscaled value removed, the scale adjusted.
    fn normalized(&self) -> Decimal {
        let digits = self.digits.trim_end_matches('0');
        let dropped = (self.digits.len() - digits.len()) as i64;
        let scale = if digits.is_empty() { 0 } else { self.scale - dropped };
        Decimal { negative: self.negative, digits: digits.to_string(), scale }
    }

    /// The value as an integer when it has no fractional part and fits an
    /// `i128` (Java's `longValueExact`, with a wider range).
    pub(crate) fn to_integer_exact(&self) -> Option<i128> {
        if self.digits.is_empty() {
            return Some(0);
        }
        if self.scale > 0 {
            let split = self.digits.len().checked_sub(usize::try_from(self.scale).ok()?)?;
            if self.digits[split..].bytes().any(|b| b != b'0') {
                return None;
            }
            return self.signed(&self.digits[..split]);
        }
        let zeros = usize::try_from(-self.scale).ok()?;
        if self.digits.len() + zeros > 38 {
            return None;
        }
        self.signed(&format!("{}{}", self.digits, "0".repeat(zeros)))
    }

    /// The integer part, truncated toward zero (Java's `longValue`, without
    /// the wrap-around on overflow: `None` beyond `i128`).
    pub(crate) fn to_integer_truncated(&self) -> Option<i128> {
        if self.scale <= 0 {
            return self.to_integer_exact();
        }
        let keep = self.digits.len().saturating_sub(usize::try_from(self.scale).ok()?);
        self.signed(&self.digits[..keep])
    }

    fn signed(&self, digits: &str) -> Option<i128> {
        if digits.is_empty() {
            return Some(0);
        }
        if digits.len() > 38 {
            return None;
        }
        let magnitude: i128 = digits.parse().ok()?;
        Some(if self.negative { -magnitude } else { magnitude })
    }
}

impl fmt::Display for Decimal {
    /// `unscaled E-scale`, unambiguous about the scale, e.g. `150E-2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        let digits = if self.digits.is_empty() { "0" } else { &self.digits };
        write!(f, "{sign}{digits}E{}", -self.scale)
    }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn parses_scale_like_java() {
        assert_eq!(d("10").scale(), 0);
        assert_eq!(d("10.50").scale(), 2);
        assert_eq!(d("-0.001").scale(), 3);
        assert_eq!(d("1E+3").scale(), -3);
        assert_eq!(d("1.0E10").scale(), -9);
        assert_eq!(d("1.5e-3").scale(), 4);
        assert_eq!(d(".5").scale(), 1);
        assert_eq!(d("5.").scale(), 0);
    }

    #[test]
    fn equality_includes_scale() {
        assert_eq!(d("10.01"), d("10.01"));
        assert_eq!(d("10.01"), d("1001E-2"));
        assert_ne!(d("10.01"), d("10.010"));
        assert_ne!(d("10"), d("10.0"));
        assert_eq!(d("-0.0"), d("0.0"));
        assert_ne!(d("0.0"), d("0.00"));
        assert_eq!(d("007.5"), d("7.5"));
        assert_eq!(d("+7.5"), d("7.5"));
        assert_ne!(d("-7.5"), d("7.5"));
    }

    #[test]
    fn numeric_equality_ignores_scale() {
        assert!(d("10.0").numeric_eq(&d("10.0000")));
        assert!(d("10").numeric_eq(&d("1E+1")));
        assert!(d("20.2").numeric_eq(&d("20.2000")));
        assert!(d("0").numeric_eq(&d("-0.000")));
        assert!(d("1.5e-3").numeric_eq(&d("0.00150")));
        assert!(!d("10.01").numeric_eq(&d("10.1")));
        assert!(!d("-1").numeric_eq(&d("1")));
        assert!(!d("100").numeric_eq(&d("10")));
    }

    #[test]
    fn rejects_what_java_rejects() {
        for bad in ["", "-", ".", "abc", "1.2.3", "1e", "1e+", "--1", "1 ", "0x10", "1_000", "NaN"] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(d("10").to_integer_exact(), Some(10));
        assert_eq!(d("1E+1").to_integer_exact(), Some(10));
        assert_eq!(d("-10.00").to_integer_exact(), Some(-10));
        assert_eq!(d("10.5").to_integer_exact(), None);
        assert_eq!(d("10.5").to_integer_truncated(), Some(10));
        assert_eq!(d("-10.9").to_integer_truncated(), Some(-10));
        assert_eq!(d("0.9").to_integer_truncated(), Some(0));
        assert_eq!(d("1E+50").to_integer_exact(), None);
    }

    #[test]
    fn displays_unscaled_and_exponent() {
        assert_eq!(d("1.50").to_string(), "150E-2");
        assert_eq!(d("-0").to_string(), "0E0");
    }
}
