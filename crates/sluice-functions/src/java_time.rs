//! ksqlDB's date and time patterns are `java.time.format.DateTimeFormatter`
//! patterns (`yyyy-MM-dd'T'HH:mm:ssX`). This turns one into a chrono
//! format, and parses text with it into epoch milliseconds.

use chrono::format::{parse, Parsed, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A Java pattern, translated once and used for many values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaPattern {
    strftime: String,
}

impl JavaPattern {
    /// Translates `pattern`; the error names the letter Sluice cannot read.
    pub fn new(pattern: &str) -> Result<Self, String> {
        Ok(JavaPattern { strftime: to_strftime(pattern)? })
    }

    /// Parses `text` into milliseconds since the epoch. A value without a
    /// zone or offset is read in UTC; one without a time is at midnight.
    pub fn parse_millis(&self, text: &str) -> Result<i64, String> {
        let mut parsed = Parsed::new();
        parse(&mut parsed, text, StrftimeItems::new(&self.strftime))
            .map_err(|e| format!("Failed to parse '{text}': {e}"))?;
        if parsed.offset.is_some() {
            if let Ok(with_zone) = parsed.to_datetime() {
                return Ok(with_zone.timestamp_millis());
            }
        }
        let date = parsed.to_naive_date().map_err(|e| format!("Failed to parse '{text}': {e}"))?;
        let time = parsed.to_naive_time().unwrap_or(NaiveTime::MIN);
        let offset_seconds = i64::from(parsed.offset.unwrap_or(0));
        Ok(NaiveDateTime::new(date, time).and_utc().timestamp_millis() - offset_seconds * 1000)
    }
}

/// The chrono equivalent of a Java pattern. Letters repeat to choose a
/// width; text in single quotes is literal, and `''` is a quote.
fn to_strftime(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Quoted literal text; '' inside or outside quotes is one quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        out.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                push_literal(&mut out, chars[i]);
                i += 1;
            }
            i += 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            push_literal(&mut out, c);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        i += run;
        let item = match (c, run) {
            ('y' | 'u', 2) => "%y",
            ('y' | 'u', _) => "%Y",
            ('M', 1 | 2) => "%m",
            ('M', 3) => "%b",
            ('M', _) => "%B",
            ('d', _) => "%d",
            ('D', _) => "%j",
            ('H', _) => "%H",
            ('h', _) => "%I",
            ('k', _) => "%H",
            ('m', _) => "%M",
            ('s', _) => "%S",
            ('S', 1..=3) => "%3f",
            ('S', 4..=6) => "%6f",
            ('S', _) => "%9f",
            ('a', _) => "%p",
            ('E', 1..=3) => "%a",
            ('E', _) => "%A",
            // X and x: offsets like Z, +01, +0130, +01:30.
            ('X' | 'x' | 'Z', _) | ('O', _) => "%#z",
            ('z' | 'V', _) => "%Z",
            _ => return Err(format!("Unsupported letter '{c}' in the date/time pattern '{pattern}'")),
        };
        out.push_str(item);
    }
    Ok(out)
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
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
        let p = JavaPattern::new("yy-MM-dd HH:mm:ssX").unwrap();
        assert_eq!(p.parse_millis("10-04-19 12:00:17Z"), Ok(1271678417000));
        let p = JavaPattern::new("yyyy-MM-dd'T'HH:mm:ss.SSS").unwrap();
        assert_eq!(p.parse_millis("2018-05-11T21:58:33.000"), Ok(1526075913000));
        let p = JavaPattern::new("yyyy-MM-dd").unwrap();
        assert_eq!(p.parse_millis("1970-01-02"), Ok(86_400_000));
        let p = JavaPattern::new("yyyy-MM-dd HH:mmX").unwrap();
        assert_eq!(p.parse_millis("1970-01-01 01:00+01"), Ok(0));
        assert!(p.parse_millis("!!!!").is_err());
        assert!(JavaPattern::new("yyyy Q").is_err());
        assert_eq!(to_strftime("'at' HH 'o''clock' 100%").unwrap(), "at %H o'clock 100%%");
    }
}
