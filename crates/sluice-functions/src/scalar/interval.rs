//! DATEADD, DATESUB, TIMEADD, TIMESUB, TIMESTAMPADD and TIMESTAMPSUB:
//! `f(unit, n, value)`.
//!
//! The unit is written as a bare word (`DATEADD(DAYS, 1, d)`); the planner
//! passes it as a string literal, so a unit in quotes is accepted too. The
//! arithmetic is ksqlDB's: Java `TimeUnit` conversions (saturating), DATE
//! results truncated to whole days towards zero, TIME wrapping at midnight.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use super::args::*;
use super::udf::{first_of, Call, Def, Resolved, P, TIME, TIMESTAMP};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("dateadd", "Adds a duration to a DATE.", |t| sig(t, P::Date), |c| date(c, 1))
            .sigs(&["DATEADD(unit INTERVALUNIT, interval INT, date DATE) -> DATE"]),
        Def::new("datesub", "Subtracts a duration from a DATE.", |t| sig(t, P::Date), |c| date(c, -1))
            .sigs(&["DATESUB(unit INTERVALUNIT, interval INT, date DATE) -> DATE"]),
        Def::new("timeadd", "Adds a duration to a TIME.", |t| sig(t, P::Time), |c| time(c, 1))
            .sigs(&["TIMEADD(unit INTERVALUNIT, interval INT, time TIME) -> TIME"]),
        Def::new("timesub", "Subtracts a duration from a TIME.", |t| sig(t, P::Time), |c| time(c, -1))
            .sigs(&["TIMESUB(unit INTERVALUNIT, interval INT, time TIME) -> TIME"]),
        Def::new(
            "timestampadd",
            "Adds a duration to a TIMESTAMP.",
            |t| sig(t, P::Timestamp),
            |c| timestamp(c, 1),
        )
        .sigs(&["TIMESTAMPADD(unit INTERVALUNIT, interval INT, ts TIMESTAMP) -> TIMESTAMP"]),
        Def::new(
            "timestampsub",
            "Subtracts a duration from a TIMESTAMP.",
            |t| sig(t, P::Timestamp),
            |c| timestamp(c, -1),
        )
        .sigs(&["TIMESTAMPSUB(unit INTERVALUNIT, interval INT, ts TIMESTAMP) -> TIMESTAMP"]),
    ]
}

fn sig(t: &[DataType], value: P) -> Resolved {
    let ret = match value {
        P::Date => DataType::Date32,
        P::Time => TIME,
        _ => TIMESTAMP,
    };
    first_of(t, &[(&[P::Str, P::Int, value], ret)])
}

/// Nanoseconds per unit of Java's `TimeUnit`, by its name or the singular.
pub(crate) fn unit_nanos(unit: &str) -> Option<i128> {
    let upper = unit.to_ascii_uppercase();
    let singular = upper.strip_suffix('S').unwrap_or(&upper);
    Some(match singular {
        "NANOSECOND" => 1,
        "MICROSECOND" => 1_000,
        "MILLISECOND" => 1_000_000,
        "SECOND" => 1_000_000_000,
        "MINUTE" => 60_000_000_000,
        "HOUR" => 3_600_000_000_000,
        "DAY" => 86_400_000_000_000,
        _ => return None,
    })
}

/// `TimeUnit.toMillis(n)`: truncating, saturating at the `long` range.
fn to_millis(nanos_per_unit: i128, n: i64) -> i64 {
    let ms = nanos_per_unit * n as i128 / 1_000_000;
    ms.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// The unit, the signed count and row `i` of the value, or None if any is NULL.
fn row<'a, A>(c: &'a Call, i: usize, sign: i64, value: impl Fn(usize) -> Option<A>) -> Option<(i128, i64, A)>
where
    A: 'a,
{
    let unit = strs(c.args.first()?).ok()?;
    let n = ints(c.args.get(1)?).ok()?;
    Some((unit_nanos(at(unit, i)?)?, at(n, i)? as i64 * sign, value(i)?))
}

fn date(c: &Call, sign: i64) -> Result<ArrayRef> {
    let d = dates(arg(c.args, 2, "DATEADD")?)?;
    Ok(date_rows(c.rows, |i| {
        let (unit, n, days) = row(c, i, sign, |i| at(d, i))?;
        let millis = (days as i64).checked_mul(86_400_000)?.saturating_add(to_millis(unit, n));
        // TimeUnit.MILLISECONDS.toDays truncates towards zero.
        i32::try_from(millis / 86_400_000).ok()
    }))
}

fn time(c: &Call, sign: i64) -> Result<ArrayRef> {
    let t = times(arg(c.args, 2, "TIMEADD")?)?;
    const NANOS_PER_DAY: i128 = 86_400_000_000_000;
    Ok(time_rows(c.rows, |i| {
        let (unit, n, ms) = row(c, i, sign, |i| at(t, i))?;
        let nanos = (ms as i128 * 1_000_000 + unit * n as i128).rem_euclid(NANOS_PER_DAY);
        i32::try_from(nanos / 1_000_000).ok()
    }))
}

fn timestamp(c: &Call, sign: i64) -> Result<ArrayRef> {
    let t = timestamps(arg(c.args, 2, "TIMESTAMPADD")?)?;
    Ok(timestamp_rows(c.rows, |i| {
        let (unit, n, ms) = row(c, i, sign, |i| at(t, i))?;
        Some(ms.saturating_add(to_millis(unit, n)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_java_time_units() {
        assert_eq!(unit_nanos("DAYS"), Some(86_400_000_000_000));
        assert_eq!(unit_nanos("milliseconds"), Some(1_000_000));
        assert_eq!(unit_nanos("HOUR"), Some(3_600_000_000_000));
        assert_eq!(unit_nanos("FORTNIGHTS"), None);
        assert_eq!(to_millis(1, 1_999_999), 1);
        assert_eq!(to_millis(86_400_000_000_000, i64::MAX), i64::MAX);
    }
}
