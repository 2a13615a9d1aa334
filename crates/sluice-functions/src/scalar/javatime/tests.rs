use chrono::NaiveDate;

use super::*;
use crate::scalar::zone::Zone;

fn moment(y: i32, m: u32, d: u32, nanos: u64, zone: Option<&str>) -> Moment {
    let date = NaiveDate::from_ymd_opt(y, m, d);
    let zone = zone.and_then(Zone::of).map(|z| {
        let utc = date.and_then(|d| d.and_hms_opt(12, 0, 0)).unwrap_or_default();
        z.at(&utc)
    });
    Moment { date, nano_of_day: Some(nanos), zone }
}

fn format(pattern: &str, m: &Moment) -> Option<String> {
    Format::new(pattern).ok()?.format(m)
}

const NOON_AND_A_BIT: u64 = (12 * 3600 + 34 * 60 + 56) * 1_000_000_000 + 7_000_000;

#[test]
fn formats_like_date_time_formatter() {
    let m = moment(2022, 1, 1, NOON_AND_A_BIT, Some("America/Los_Angeles"));
    assert_eq!(format("yyyy-MM-dd'T'HH:mm:ss.SSS", &m).as_deref(), Some("2022-01-01T12:34:56.007"));
    assert_eq!(format("dd-MMM-yyyy", &m).as_deref(), Some("01-Jan-2022"));
    assert_eq!(format("EEEE d MMMM yy", &m).as_deref(), Some("Saturday 1 January 22"));
    assert_eq!(format("h:mm a z", &m).as_deref(), Some("12:34 PM PST"));
    assert_eq!(
        format("XXX|xx|Z|ZZZZ|O|VV", &m).as_deref(),
        Some("-08:00|-0800|-0800|GMT-08:00|GMT-8|America/Los_Angeles")
    );
    assert_eq!(format("HHmmss'AAAAA'", &m).as_deref(), Some("123456AAAAA"));
    assert_eq!(format("D Q QQQ G uuuu", &m).as_deref(), Some("1 1 Q1 AD 2022"));
    assert_eq!(format("''yyyy''", &m).as_deref(), Some("'2022'"));
    assert_eq!(format("X", &moment(2022, 1, 1, 0, Some("UTC"))).as_deref(), Some("Z"));
    // A date alone cannot print a time, and nothing prints a zone it lacks.
    let date_only = Moment { date: NaiveDate::from_ymd_opt(2022, 1, 1), ..Moment::default() };
    assert_eq!(format("HH", &date_only), None);
    assert_eq!(format("yyyy[ HH]", &date_only).as_deref(), Some("2022"));
    assert_eq!(format("z", &moment(2022, 1, 1, 0, None)), None);
}

#[test]
fn rejects_bad_patterns() {
    assert!(Format::new("yyyy-MM-dd'T").is_err());
    assert!(Format::new("bbbb").is_err());
    assert!(Format::new("HHH").is_err());
    assert!(Format::new("{x}").is_err());
}

#[test]
fn parses_fields() {
    let p = Format::new("yyyy-MM-dd'T'HH:mm:ss.SX").ok().and_then(|f| f.parse("2019-08-27T13:31:09.2+0000"));
    let p = p.unwrap_or_default();
    assert_eq!(p.get(Field::Year).or(p.get(Field::YearOfEra)), Some(2019));
    assert_eq!(p.get(Field::NanoOfSecond), Some(200_000_000));
    assert_eq!(p.zone, Some(Zone::Fixed { seconds: 0, name: "Z".into() }));
    // Adjacent numbers split by their widths.
    let p = Format::new("yyyyMMdd").ok().and_then(|f| f.parse("20220131")).unwrap_or_default();
    assert_eq!(
        (p.get(Field::YearOfEra), p.get(Field::Month), p.get(Field::Day)),
        (Some(2022), Some(1), Some(31))
    );
    // Text ignores case; trailing text fails.
    let f = Format::new("dd-MMM-yyyy hh a").ok();
    assert!(f.as_ref().and_then(|f| f.parse("01-JAN-2022 01 pm")).is_some());
    assert!(f.as_ref().and_then(|f| f.parse("01-Jan-2022 01 PM!")).is_none());
    let p = Format::new("zzz").ok().and_then(|f| f.parse("PST")).unwrap_or_default();
    assert!(matches!(p.zone, Some(Zone::Region(_))));
    assert!(Format::new("yyyyX").ok().and_then(|f| f.parse("2020z")).is_some());
}
