use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Date32Array, Int32Array, Int64Array, StringArray, Time32MillisecondArray,
    TimestampMillisecondArray,
};

use super::*;
use crate::scalar::testing::call;

fn s(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn strings(a: &ArrayRef) -> Vec<Option<String>> {
    let a = a.as_any().downcast_ref::<StringArray>().expect("strings");
    a.iter().map(|v| v.map(str::to_string)).collect()
}

fn ts(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(values.to_vec()))
}

fn parse_ts(text: &str, pattern: &str, zone: &str) -> Option<i64> {
    parse_timestamp_value(text, &Format::new(pattern).ok()?, &Zone::of(zone)?)
}

#[test]
fn parses_timestamps_in_zones() {
    assert_eq!(parse_ts("2018-05-11T21:58:33Z", "yyyy-MM-dd'T'HH:mm:ssX", "UTC"), Some(1526075913000));
    assert_eq!(parse_ts("2018-05-11T21:58:33", "yyyy-MM-dd'T'HH:mm:ss", "UTC"), Some(1526075913000));
    // PST names the Los Angeles zone, which keeps summer time.
    assert_eq!(parse_ts("2018-05-11T21:58:33 PST", "yyyy-MM-dd'T'HH:mm:ss zzz", "UTC"), Some(1526101113000));
    assert_eq!(parse_ts("2018-05-11 21:58", "yyyy-MM-dd HH:mm", "+01:00"), Some(1526075880000 - 3_600_000));
    assert_eq!(parse_ts("not a timestamp", "yyyy-MM-dd'T'HH:mm:ssX", "UTC"), None);
    // Missing fields come from 1970-01-01T00:00.
    assert_eq!(parse_ts("12:00", "HH:mm", "UTC"), Some(43_200_000));
    assert_eq!(parse_ts("2020-02-31", "yyyy-MM-dd", "UTC"), parse_ts("2020-02-29", "yyyy-MM-dd", "UTC"));
}

#[test]
fn parses_dates_and_times() {
    let date = |text: &str, pattern: &str| parse_date_value(text, &Format::new(pattern).ok()?, false);
    assert_eq!(date("2018-05-11Lit", "yyyy-MM-dd'Lit'"), Some(17662));
    assert_eq!(date("JAN-2022", "MMM-yyyy"), Some(18993));
    assert_eq!(date("2003-12-24-01-01", "yyyy-MM-dd"), Some(12410));
    assert_eq!(date("2004", "yyyy-MM-dd"), None);
    let whole = Format::new("yyyy-MM-dd").ok();
    assert_eq!(whole.and_then(|f| parse_date_value("2003-12-24-01-01", &f, true)), None);
    assert_eq!(date("2022-01-01 10", "yyyy-MM-dd HH"), None);
    let time = |text: &str, pattern: &str| parse_time_value(text, &Format::new(pattern).ok()?);
    assert_eq!(time("01:00:00 Pm", "hh:mm:ss a"), Some(46_800_000));
    assert_eq!(time("11/05/19", "HH/mm/ss"), Some(39_919_000));
    assert_eq!(time("2022 11", "yyyy HH"), None);
}

#[test]
fn formats_timestamps_dates_and_times() {
    let out = call(
        "format_timestamp",
        vec![
            ts(&[Some(1526075913000), None]),
            s(&[Some("yyyy-MM-dd HH:mm:ss zzz"); 2]),
            s(&[Some("America/Los_Angeles"); 2]),
        ],
    );
    assert_eq!(strings(&out), vec![Some("2018-05-11 14:58:33 PDT".into()), None]);
    let out = call(
        "timestamptostring",
        vec![
            Arc::new(Int64Array::from(vec![1526075913000])),
            s(&[Some("yyyy-MM-dd HH:mm:ss zzz")]),
            s(&[Some("Europe/London")]),
        ],
    );
    assert_eq!(strings(&out), vec![Some("2018-05-11 22:58:33 BST".into())]);
    let dates = Arc::new(Date32Array::from(vec![18993, -1])) as ArrayRef;
    let out = call("format_date", vec![dates, s(&[Some("dd-MMM-yyyy"), Some("dd-MM-yyyy'Sophia'")])]);
    assert_eq!(strings(&out), vec![Some("01-Jan-2022".into()), Some("31-12-1969Sophia".into())]);
    let times = Arc::new(Time32MillisecondArray::from(vec![65000, 1234567])) as ArrayRef;
    let out = call("format_time", vec![times, s(&[Some("HH_mm_ss_SSS"), Some("HHmmss'AAAAA'")])]);
    assert_eq!(strings(&out), vec![Some("00_01_05_000".into()), Some("002034AAAAA".into())]);
    // A date cannot be printed with time fields.
    let out = call("format_date", vec![Arc::new(Date32Array::from(vec![0])), s(&[Some("HH")])]);
    assert_eq!(strings(&out), vec![None]);
}

#[test]
fn conversions_and_zones() {
    let out = call(
        "convert_tz",
        vec![ts(&[Some(100)]), s(&[Some("America/Los_Angeles")]), s(&[Some("America/New_York")])],
    );
    let out = out.as_any().downcast_ref::<TimestampMillisecondArray>().map(|a| a.value(0));
    assert_eq!(out, Some(10_800_100));
    let days = call("unix_date", vec![Arc::new(Date32Array::from(vec![Some(10), None]))]);
    assert_eq!(
        days.as_any().downcast_ref::<Int32Array>().map(|a| a.iter().collect::<Vec<_>>()),
        Some(vec![Some(10), None])
    );
    let today = call("unix_date", vec![]);
    assert!(today.as_any().downcast_ref::<Int32Array>().is_some_and(|a| a.value(0) > 19_000));
    let dates = call("from_days", vec![Arc::new(Int32Array::from(vec![-10]))]);
    assert_eq!(dates.as_any().downcast_ref::<Date32Array>().map(|a| a.value(0)), Some(-10));
}
