//! Date and time functions: FORMAT_/PARSE_ TIMESTAMP, DATE and TIME, the
//! deprecated STRINGTODATE, DATETOSTRING, STRINGTOTIMESTAMP and
//! TIMESTAMPTOSTRING, CONVERT_TZ, FROM_UNIXTIME, FROM_DAYS, UNIX_DATE and
//! UNIX_TIMESTAMP. Adding and subtracting durations is in `interval.rs`.
//!
//! Patterns are Java's (see `javatime.rs`). TIMESTAMP values are UTC
//! instants; a function without a time zone argument works in UTC, which
//! is the JVM default zone ksqlDB's tests run with. Text that does not
//! match its pattern fails the call, which gives NULL.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use super::args::*;
use super::javatime::{Field, Format, Moment, Parsed};
use super::udf::{first_of, Call, Def, P, STRING, TIME, TIMESTAMP};
use super::zone::Zone;

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new(
            "format_timestamp",
            "Formats a TIMESTAMP with a java.time pattern, in UTC or the given time zone.",
            |t| first_of(t, &[(&[P::Timestamp, P::Str], STRING), (&[P::Timestamp, P::Str, P::Str], STRING)]),
            format_timestamp,
        )
        .sigs(&[
            "FORMAT_TIMESTAMP(ts TIMESTAMP, pattern STRING) -> STRING",
            "FORMAT_TIMESTAMP(ts TIMESTAMP, pattern STRING, time_zone STRING) -> STRING",
        ]),
        Def::new(
            "parse_timestamp",
            "Parses a string with a java.time pattern into a TIMESTAMP, in UTC or the given time zone.",
            |t| first_of(t, &[(&[P::Str, P::Str], TIMESTAMP), (&[P::Str, P::Str, P::Str], TIMESTAMP)]),
            parse_timestamp,
        )
        .sigs(&[
            "PARSE_TIMESTAMP(str STRING, pattern STRING) -> TIMESTAMP",
            "PARSE_TIMESTAMP(str STRING, pattern STRING, time_zone STRING) -> TIMESTAMP",
        ]),
        Def::new(
            "timestamptostring",
            "Formats epoch milliseconds with a java.time pattern, in UTC or the given time zone. Deprecated: use FORMAT_TIMESTAMP.",
            |t| first_of(t, &[(&[P::Bigint, P::Str], STRING), (&[P::Bigint, P::Str, P::Str], STRING)]),
            format_timestamp,
        )
        .sigs(&[
            "TIMESTAMPTOSTRING(epoch_millis BIGINT, pattern STRING) -> STRING",
            "TIMESTAMPTOSTRING(epoch_millis BIGINT, pattern STRING, time_zone STRING) -> STRING",
        ]),
        Def::new(
            "stringtotimestamp",
            "Parses a string with a java.time pattern into epoch milliseconds, in UTC or the given time zone. Deprecated: use PARSE_TIMESTAMP.",
            |t| first_of(t, &[(&[P::Str, P::Str], DataType::Int64), (&[P::Str, P::Str, P::Str], DataType::Int64)]),
            parse_timestamp,
        )
        .sigs(&[
            "STRINGTOTIMESTAMP(str STRING, pattern STRING) -> BIGINT",
            "STRINGTOTIMESTAMP(str STRING, pattern STRING, time_zone STRING) -> BIGINT",
        ]),
        Def::new(
            "format_date",
            "Formats a DATE with a java.time pattern.",
            |t| first_of(t, &[(&[P::Date, P::Str], STRING)]),
            format_date,
        )
        .sigs(&["FORMAT_DATE(date DATE, pattern STRING) -> STRING"]),
        Def::new(
            "datetostring",
            "Formats days since the epoch with a java.time pattern. Deprecated: use FORMAT_DATE.",
            |t| first_of(t, &[(&[P::Int, P::Str], STRING)]),
            format_date,
        )
        .sigs(&["DATETOSTRING(epoch_days INT, pattern STRING) -> STRING"]),
        Def::new(
            "parse_date",
            "Parses a string with a java.time pattern into a DATE.",
            |t| first_of(t, &[(&[P::Str, P::Str], DataType::Date32)]),
            parse_date,
        )
        .sigs(&["PARSE_DATE(str STRING, pattern STRING) -> DATE"]),
        Def::new(
            "stringtodate",
            "Parses a string with a java.time pattern into days since the epoch. Deprecated: use PARSE_DATE.",
            |t| first_of(t, &[(&[P::Str, P::Str], DataType::Int32)]),
            parse_date,
        )
        .sigs(&["STRINGTODATE(str STRING, pattern STRING) -> INT"]),
        Def::new(
            "format_time",
            "Formats a TIME with a java.time pattern.",
            |t| first_of(t, &[(&[P::Time, P::Str], STRING)]),
            format_time,
        )
        .sigs(&["FORMAT_TIME(time TIME, pattern STRING) -> STRING"]),
        Def::new(
            "parse_time",
            "Parses a string with a java.time pattern into a TIME.",
            |t| first_of(t, &[(&[P::Str, P::Str], TIME)]),
            parse_time,
        )
        .sigs(&["PARSE_TIME(str STRING, pattern STRING) -> TIME"]),
        Def::new(
            "convert_tz",
            "Shifts a TIMESTAMP from one time zone's wall clock to another's.",
            |t| first_of(t, &[(&[P::Timestamp, P::Str, P::Str], TIMESTAMP)]),
            convert_tz,
        )
        .sigs(&["CONVERT_TZ(ts TIMESTAMP, from_time_zone STRING, to_time_zone STRING) -> TIMESTAMP"]),
        Def::new(
            "from_unixtime",
            "The TIMESTAMP of epoch milliseconds.",
            |t| first_of(t, &[(&[P::Bigint], TIMESTAMP)]),
            |c| {
                let v = bigints(arg(c.args, 0, "FROM_UNIXTIME")?)?;
                Ok(timestamp_rows(c.rows, |i| at(v, i)))
            },
        )
        .sigs(&["FROM_UNIXTIME(epoch_millis BIGINT) -> TIMESTAMP"]),
        Def::new(
            "from_days",
            "The DATE of days since the epoch.",
            |t| first_of(t, &[(&[P::Int], DataType::Date32)]),
            |c| {
                let v = ints(arg(c.args, 0, "FROM_DAYS")?)?;
                Ok(date_rows(c.rows, |i| at(v, i)))
            },
        )
        .sigs(&["FROM_DAYS(epoch_days INT) -> DATE"]),
        Def::new(
            "unix_date",
            "Days since the epoch of a DATE, or of today.",
            |t| first_of(t, &[(&[], DataType::Int32), (&[P::Date], DataType::Int32)]),
            unix_date,
        )
        .sigs(&["UNIX_DATE() -> INT", "UNIX_DATE(date DATE) -> INT"])
        .volatile(),
        Def::new(
            "unix_timestamp",
            "Epoch milliseconds of a TIMESTAMP, or of now.",
            |t| first_of(t, &[(&[], DataType::Int64), (&[P::Timestamp], DataType::Int64)]),
            unix_timestamp,
        )
        .sigs(&["UNIX_TIMESTAMP() -> BIGINT", "UNIX_TIMESTAMP(ts TIMESTAMP) -> BIGINT"])
        .volatile(),
    ]
}

const MS_PER_DAY: i64 = 86_400_000;

pub(crate) fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

pub(crate) fn date_of_days(days: i32) -> Option<NaiveDate> {
    epoch().checked_add_signed(Duration::days(days as i64))
}

pub(crate) fn days_of_date(date: NaiveDate) -> Option<i32> {
    i32::try_from((date - epoch()).num_days()).ok()
}

pub(crate) fn utc_of_millis(ms: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc())
}

fn millis_of_utc(t: &NaiveDateTime) -> i64 {
    t.and_utc().timestamp_millis()
}

fn nano_of_day(t: &NaiveDateTime) -> u64 {
    t.num_seconds_from_midnight() as u64 * 1_000_000_000 + t.nanosecond() as u64
}

/// Per-batch caches of compiled patterns and zones.
struct Caches {
    formats: Memo<Option<Format>>,
    zones: Memo<Option<Zone>>,
}

impl Caches {
    fn new() -> Self {
        Caches { formats: Memo::new(), zones: Memo::new() }
    }

    fn format(&mut self, pattern: &str) -> Option<Format> {
        self.formats.get(pattern, |p| Format::new(p).ok()).clone()
    }

    fn zone(&mut self, zone: Option<&StringArray>, i: usize) -> Option<Option<Zone>> {
        match zone {
            None => Some(None),
            Some(z) => Some(Some(self.zones.get(at(z, i)?, Zone::of).clone()?)),
        }
    }
}

/// The UTC milliseconds of argument 0, a TIMESTAMP or a BIGINT.
fn millis_arg(c: &Call) -> Result<Vec<Option<i64>>> {
    let a = arg(c.args, 0, "timestamp")?;
    Ok(if a.data_type() == &TIMESTAMP {
        timestamps(a)?.iter().collect()
    } else {
        bigints(a)?.iter().collect()
    })
}

fn format_timestamp(c: &Call) -> Result<ArrayRef> {
    let millis = millis_arg(c)?;
    let pattern = strs(arg(c.args, 1, "FORMAT_TIMESTAMP")?)?;
    let zone = c.args.get(2).map(strs).transpose()?;
    let mut caches = Caches::new();
    Ok(string_rows(c.rows, |i| {
        let utc = utc_of_millis((*millis.get(i)?)?)?;
        let format = caches.format(at(pattern, i)?)?;
        let zone = caches.zone(zone, i)?.unwrap_or_else(Zone::utc);
        let at_zone = zone.at(&utc);
        let local = utc.checked_add_signed(Duration::seconds(at_zone.offset_seconds as i64))?;
        let moment =
            Moment { date: Some(local.date()), nano_of_day: Some(nano_of_day(&local)), zone: Some(at_zone) };
        format.format(&moment)
    }))
}

/// The date parsed fields give, with 1970-01-01 supplying what is missing
/// (ksqlDB's `StringToTimestampParser`), or None for invalid values.
pub(crate) fn resolve_date(p: &Parsed) -> Option<NaiveDate> {
    let year = match (p.get(Field::Year), p.get(Field::YearOfEra), p.get(Field::Era)) {
        (Some(y), _, _) => Some(y),
        (None, Some(yoe), Some(0)) => Some(1 - yoe),
        (None, Some(yoe), _) => Some(yoe),
        _ => None,
    };
    let year = year.map(i32::try_from).transpose().ok()?;
    let month = p.get(Field::Month).map(u32::try_from).transpose().ok()?;
    let day = p.get(Field::Day).map(u32::try_from).transpose().ok()?;
    if month.is_some_and(|m| !(1..=12).contains(&m)) || day.is_some_and(|d| !(1..=31).contains(&d)) {
        return None;
    }
    if let Some(doy) = p.get(Field::DayOfYear) {
        let y = year.unwrap_or(1970);
        let date = NaiveDate::from_yo_opt(y, u32::try_from(doy).ok()?)?;
        // Month or day given too must agree with the day of the year.
        if month.is_some_and(|m| m != date.month()) || day.is_some_and(|d| d != date.day()) {
            return None;
        }
        return Some(date);
    }
    let (y, m, d) = (year.unwrap_or(1970), month.unwrap_or(1), day.unwrap_or(1));
    // Java's smart resolver clamps the 29th to 31st to the month's end.
    (0..4).find_map(|back| NaiveDate::from_ymd_opt(y, m, d.saturating_sub(back)))
}

/// Nanoseconds of the day the parsed fields give, midnight filling in.
pub(crate) fn resolve_time(p: &Parsed) -> Option<u64> {
    if let Some(nanos) = p.get(Field::NanoOfDay) {
        return u64::try_from(nanos).ok().filter(|n| *n < 86_400 * 1_000_000_000);
    }
    if let Some(ms) = p.get(Field::MilliOfDay) {
        return u64::try_from(ms).ok().filter(|n| *n < 86_400_000).map(|ms| ms * 1_000_000);
    }
    let pm = p.get(Field::AmPm).unwrap_or(0);
    let hour = match (p.get(Field::HourOfDay), p.get(Field::ClockHourDay)) {
        (Some(h), _) if (0..24).contains(&h) => h,
        (None, Some(k)) if (1..=24).contains(&k) => k % 24,
        (Some(_), _) | (None, Some(_)) => return None,
        (None, None) => match (p.get(Field::ClockHourAmPm), p.get(Field::HourAmPm)) {
            (Some(h), _) if (1..=12).contains(&h) => h % 12 + 12 * pm,
            (None, Some(h)) if (0..12).contains(&h) => h + 12 * pm,
            (Some(_), _) | (None, Some(_)) => return None,
            (None, None) => 0,
        },
    };
    let minute = p.get(Field::Minute).unwrap_or(0);
    let second = p.get(Field::Second).unwrap_or(0);
    let nano = p.get(Field::NanoOfSecond).unwrap_or(0);
    if !(0..60).contains(&minute) || !(0..60).contains(&second) || !(0..1_000_000_000).contains(&nano) {
        return None;
    }
    Some(((hour * 60 + minute) * 60 + second) as u64 * 1_000_000_000 + nano as u64)
}

/// Epoch milliseconds of text, in the parsed zone if the text has one,
/// else in `zone`.
pub(crate) fn parse_timestamp_value(text: &str, format: &Format, zone: &Zone) -> Option<i64> {
    let parsed = format.parse(text)?;
    let date = resolve_date(&parsed)?;
    let nanos = resolve_time(&parsed)?;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(
        (nanos / 1_000_000_000) as u32,
        (nanos % 1_000_000_000) as u32,
    )?;
    let zone = parsed.zone.as_ref().unwrap_or(zone);
    let utc = zone.to_utc(&date.and_time(time))?;
    Some(millis_of_utc(&utc))
}

fn parse_timestamp(c: &Call) -> Result<ArrayRef> {
    let text = strs(arg(c.args, 0, "PARSE_TIMESTAMP")?)?;
    let pattern = strs(arg(c.args, 1, "PARSE_TIMESTAMP")?)?;
    let zone = c.args.get(2).map(strs).transpose()?;
    let mut caches = Caches::new();
    let row = |i: usize| -> Option<i64> {
        let format = caches.format(at(pattern, i)?)?;
        let zone = caches.zone(zone, i)?.unwrap_or_else(Zone::utc);
        parse_timestamp_value(at(text, i)?, &format, &zone)
    };
    Ok(if c.ret == &TIMESTAMP { timestamp_rows(c.rows, row) } else { bigint_rows(c.rows, row) })
}

fn format_date(c: &Call) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "FORMAT_DATE")?;
    let days: Vec<Option<i32>> = if a.data_type() == &DataType::Date32 {
        dates(a)?.iter().collect()
    } else {
        ints(a)?.iter().collect()
    };
    let pattern = strs(arg(c.args, 1, "FORMAT_DATE")?)?;
    let mut caches = Caches::new();
    Ok(string_rows(c.rows, |i| {
        let date = date_of_days((*days.get(i)?)?)?;
        caches.format(at(pattern, i)?)?.format(&Moment { date: Some(date), ..Moment::default() })
    }))
}

/// ksqlDB's PARSE_DATE refuses text with a time of day, and ignores text
/// after the pattern (its tests parse `2003-12-24-01-01` as `yyyy-MM-dd`).
/// STRINGTODATE (`LocalDate.parse`) needs the whole text to match.
pub(crate) fn parse_date_value(text: &str, format: &Format, whole: bool) -> Option<i32> {
    let (parsed, rest) = format.parse_prefix(text)?;
    if whole && !rest.is_empty() {
        return None;
    }
    if parsed.has_time() {
        return None;
    }
    days_of_date(resolve_date(&parsed)?)
}

fn parse_date(c: &Call) -> Result<ArrayRef> {
    let text = strs(arg(c.args, 0, "PARSE_DATE")?)?;
    let pattern = strs(arg(c.args, 1, "PARSE_DATE")?)?;
    let mut caches = Caches::new();
    // PARSE_DATE returns a DATE; the older STRINGTODATE an INT.
    let whole = c.ret != &DataType::Date32;
    let mut row = |i: usize| parse_date_value(at(text, i)?, &caches.format(at(pattern, i)?)?, whole);
    Ok(if whole { int_rows(c.rows, &mut row) } else { date_rows(c.rows, row) })
}

fn format_time(c: &Call) -> Result<ArrayRef> {
    let t = times(arg(c.args, 0, "FORMAT_TIME")?)?;
    let pattern = strs(arg(c.args, 1, "FORMAT_TIME")?)?;
    let mut caches = Caches::new();
    Ok(string_rows(c.rows, |i| {
        let ms = u64::try_from(at(t, i)?).ok().filter(|ms| *ms < MS_PER_DAY as u64)?;
        let moment = Moment { nano_of_day: Some(ms * 1_000_000), ..Moment::default() };
        caches.format(at(pattern, i)?)?.format(&moment)
    }))
}

/// ksqlDB's PARSE_TIME refuses text with a date.
pub(crate) fn parse_time_value(text: &str, format: &Format) -> Option<i32> {
    let parsed = format.parse(text)?;
    if parsed.has_date() {
        return None;
    }
    i32::try_from(resolve_time(&parsed)? / 1_000_000).ok()
}

fn parse_time(c: &Call) -> Result<ArrayRef> {
    let text = strs(arg(c.args, 0, "PARSE_TIME")?)?;
    let pattern = strs(arg(c.args, 1, "PARSE_TIME")?)?;
    let mut caches = Caches::new();
    Ok(time_rows(c.rows, |i| parse_time_value(at(text, i)?, &caches.format(at(pattern, i)?)?)))
}

fn convert_tz(c: &Call) -> Result<ArrayRef> {
    let ts = timestamps(arg(c.args, 0, "CONVERT_TZ")?)?;
    let from = strs(arg(c.args, 1, "CONVERT_TZ")?)?;
    let to = strs(arg(c.args, 2, "CONVERT_TZ")?)?;
    let (mut from_zones, mut to_zones) = (Caches::new(), Caches::new());
    Ok(timestamp_rows(c.rows, |i| {
        let ms = at(ts, i)?;
        let utc = utc_of_millis(ms)?;
        let from = from_zones.zone(Some(from), i)??;
        let to = to_zones.zone(Some(to), i)??;
        let shift = to.at(&utc).offset_seconds as i64 - from.at(&utc).offset_seconds as i64;
        ms.checked_add(shift * 1000)
    }))
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn unix_date(c: &Call) -> Result<ArrayRef> {
    match c.args.first() {
        None => {
            let today = now_millis().div_euclid(MS_PER_DAY) as i32;
            Ok(int_rows(c.rows, |_| Some(today)))
        }
        Some(a) => {
            let d = dates(a)?;
            Ok(int_rows(c.rows, |i| at(d, i)))
        }
    }
}

fn unix_timestamp(c: &Call) -> Result<ArrayRef> {
    match c.args.first() {
        None => {
            let now = now_millis();
            Ok(bigint_rows(c.rows, |_| Some(now)))
        }
        Some(a) => {
            let t = timestamps(a)?;
            Ok(bigint_rows(c.rows, |i| at(t, i)))
        }
    }
}

#[cfg(test)]
#[path = "datetime_tests.rs"]
mod tests;
