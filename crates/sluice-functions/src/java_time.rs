//! ksqlDB's date and time patterns are `java.time.format.DateTimeFormatter`
//! patterns (`yyyy-MM-dd'T'HH:mm:ssX`). A TIMESTAMP_FORMAT reads source and
//! sink timestamp columns with one; this is the same engine the date and
//! time functions (PARSE_TIMESTAMP, ..) use, so both read text alike.

use chrono::NaiveDate;

use crate::scalar::{parse_timestamp_millis, Format, Zone};

/// A Java pattern, compiled once and used for many values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaPattern {
    format: Format,
}

impl JavaPattern {
    /// Compiles `pattern`; the error says what Sluice cannot read.
    pub fn new(pattern: &str) -> Result<Self, String> {
        Format::new(pattern)
            .map(|format| JavaPattern { format })
            .map_err(|e| format!("Invalid date/time pattern '{pattern}': {e}"))
    }

    /// Parses `text` into milliseconds since the epoch, as ksqlDB's
    /// `StringToTimestampParser` does: a value without a zone or offset is
    /// read in UTC, and fields it lacks come from 1970-01-01T00:00.
    pub fn parse_millis(&self, text: &str) -> Result<i64, String> {
        parse_timestamp_millis(text, &self.format, &Zone::utc())
            .ok_or_else(|| format!("Failed to parse '{text}' as a timestamp"))
    }
}

/// Days since the epoch of `millis` (for DATE values).
pub fn epoch_days(millis: i64) -> i64 {
    millis.div_euclid(86_400_000)
}

/// The epoch date, for code that builds dates from days.
pub fn epoch() -> NaiveDate {
    NaiveDate::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ksqldb_patterns() {
        let parse = |pattern: &str, text: &str| JavaPattern::new(pattern).and_then(|p| p.parse_millis(text));
        assert_eq!(parse("yy-MM-dd HH:mm:ssX", "10-04-19 12:00:17Z"), Ok(1271678417000));
        assert_eq!(parse("yyyy-MM-dd'T'HH:mm:ss.SSS", "2018-05-11T21:58:33.000"), Ok(1526075913000));
        assert_eq!(parse("yyyy-MM-dd", "1970-01-02"), Ok(86_400_000));
        assert_eq!(parse("yyyy-MM-dd HH:mmX", "1970-01-01 01:00+01"), Ok(0));
        assert_eq!(parse("yyyy-MM-dd'T'HH:mm:ss.SX", "2019-08-27T13:31:09.2+0000"), Ok(1566912669200));
        assert!(parse("yyyy-MM-dd HH:mmX", "!!!!").is_err());
        assert!(JavaPattern::new("yyyy bbb").is_err());
        assert!(JavaPattern::new("'unclosed").is_err());
    }
}
