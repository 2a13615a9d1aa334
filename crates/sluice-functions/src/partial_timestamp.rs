//! ksqlDB's partial timestamps: in a WHERE clause a string compared with
//! ROWTIME, WINDOWSTART or WINDOWEND is read as a point in time, and it may
//! stop after any field: `'2018'`, `'2018-06'`, `'2018-06-01T12'`,
//! `'2018-06-01T12:30:00.001'`, optionally with a zone offset (`Z`,
//! `+0445`, `-04:45`). Missing fields are their smallest value; without an
//! offset the time is UTC.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Milliseconds since the epoch of a partial timestamp, or why it cannot be read.
pub fn parse_partial_timestamp(text: &str) -> Result<i64, String> {
    let fail = || {
        format!("Failed to parse timestamp '{text}': expected yyyy[-MM[-dd[THH[:mm[:ss[.SSS]]]]]][offset]")
    };
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let date = parse_date(date).ok_or_else(fail)?;
    let (time, offset_seconds, end_of_day) = match time {
        None => (NaiveTime::MIN, 0, false),
        Some(time) => {
            let (clock, offset) = split_offset(time).ok_or_else(fail)?;
            // ISO 8601's 24:00 is the end of the day: the next midnight.
            match midnight_24(clock) {
                true => (NaiveTime::MIN, offset, true),
                false => (parse_clock(clock).ok_or_else(fail)?, offset, false),
            }
        }
    };
    let date = if end_of_day { date.succ_opt().ok_or_else(fail)? } else { date };
    let local = NaiveDateTime::new(date, time).and_utc().timestamp_millis();
    Ok(local - i64::from(offset_seconds) * 1000)
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let year = number(parts.next()?, 4)?;
    let month = parts.next().map(|m| number(m, 2)).unwrap_or(Some(1))?;
    let day = parts.next().map(|d| number(d, 2)).unwrap_or(Some(1))?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `24`, `24:00`, `24:00:00` or `24:00:00.000`.
fn midnight_24(clock: &str) -> bool {
    clock.strip_prefix("24").is_some_and(|rest| rest.chars().all(|c| matches!(c, ':' | '.' | '0')))
}

/// `HH[:mm[:ss[.S..]]]` in any number of the leading fields.
fn parse_clock(text: &str) -> Option<NaiveTime> {
    if text.is_empty() {
        return Some(NaiveTime::MIN);
    }
    let mut parts = text.split(':');
    let hour = number(parts.next()?, 2)?;
    let minute = parts.next().map(|m| number(m, 2)).unwrap_or(Some(0))?;
    let (second, millis) = match parts.next() {
        None => (0, 0),
        Some(seconds) => {
            let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
            if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // `.1` is 100 ms; digits past milliseconds are dropped.
            let padded = format!("{fraction:0<3}");
            (number(whole, 2)?, padded[..3].parse::<u32>().ok()?)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_milli_opt(hour, minute, second, millis)
}

/// Splits a trailing `Z`, `±HH`, `±HHmm` or `±HH:mm` off the clock.
fn split_offset(time: &str) -> Option<(&str, i32)> {
    if let Some(clock) = time.strip_suffix('Z') {
        return Some((clock, 0));
    }
    let Some(at) = time.rfind(['+', '-']) else { return Some((time, 0)) };
    let (clock, offset) = time.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
    let (hours, minutes) = match digits.len() {
        2 => (number(&digits, 2)?, 0),
        4 => (number(&digits[..2], 2)?, number(&digits[2..], 2)?),
        _ => return None,
    };
    if hours > 18 || minutes > 59 {
        return None;
    }
    Some((clock, sign * i32::try_from(hours * 3600 + minutes * 60).ok()?))
}

/// A field of exactly `width` ASCII digits.
fn number(text: &str, width: usize) -> Option<u32> {
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_partial_timestamp as parse;

    #[test]
    fn fields_may_stop_anywhere() {
        assert_eq!(parse("1970"), Ok(0));
        assert_eq!(parse("1970-01-02"), Ok(86_400_000));
        assert_eq!(parse("1970-01-01T01"), Ok(3_600_000));
        assert_eq!(parse("1970-01-01T00:01"), Ok(60_000));
        assert_eq!(parse("2018-01-01T00:00:00.001"), Ok(1_514_764_800_001));
        assert_eq!(parse("2018-01-01T00:00:01"), Ok(1_514_764_801_000));
        assert_eq!(parse("1970-01-01T00:00:00.1"), Ok(100));
    }

    #[test]
    fn hour_24_is_the_next_midnight() {
        assert_eq!(parse("1970-01-01T24"), Ok(86_400_000));
        assert_eq!(parse("1970-01-31T24:00:00"), parse("1970-02-01"));
        assert!(parse("1970-01-01T24:01").is_err());
    }

    #[test]
    fn offsets_shift_to_utc() {
        assert_eq!(parse("2019-01-01T00:00:00+0445"), Ok(1_546_300_800_000 - 17_100_000));
        assert_eq!(parse("2020-02-10T08:31:44.001+0000"), Ok(1_581_323_504_001));
        assert_eq!(parse("1970-01-01T00:00:00-01:00"), Ok(3_600_000));
        assert_eq!(parse("1970-01-01T00:00Z"), Ok(0));
    }

    #[test]
    fn malformed_text_is_an_error() {
        for text in ["", "18", "2018-1-01", "2018-13", "2018-01-01T25", "2018-01-01T00:00:00+5", "now"] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(text), "{error}");
        }
    }
}
