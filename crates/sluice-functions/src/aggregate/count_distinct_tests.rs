//! Expected hashes, estimates and strings come from running stream-lib's
//! algorithms and the JDK's `toString`s (JDK 17, UTC).

use super::*;

#[test]
fn murmur_matches_stream_lib() {
    assert_eq!(
        [hash_long(0), hash_long(123), hash_long(-1), hash_long(i64::MIN)],
        [0, -2134204858, -2037786185, 630388283]
    );
    assert_eq!(java_hash(&ScalarValue::Int32(Some(-5))), 615997438);
    assert_eq!(java_hash(&ScalarValue::Float64(Some(1.5))), -1688758945);
    let cases = [
        ("", -1285986640),
        ("a", 713507990),
        ("ab", -1797532438),
        ("abc", -1465591341),
        ("abcd", 1555318719),
        ("abcde", -392878951),
        ("é", -1125067414),
        ("ÿþý", 326319349),
        ("hello world", 1964480955),
    ];
    for (s, want) in cases {
        assert_eq!(hash_bytes(s.as_bytes()), want, "hash of {s:?}");
    }
}

fn estimate(values: impl Iterator<Item = ScalarValue>, t: DataType) -> Result<ScalarValue, String> {
    let mut acc = CountDistinct.accumulator(&[t], &[])?;
    for v in values {
        acc.add(&[v])?;
    }
    Ok(acc.value())
}

#[test]
fn estimates_match_ksqldb() -> Result<(), String> {
    let ints = (0..100_000).map(|i| ScalarValue::Int32(Some(i)));
    assert_eq!(estimate(ints, DataType::Int32)?, ScalarValue::Int64(Some(99621)));
    let strings = (0..5000).map(|i| ScalarValue::Utf8(Some(format!("v{i}"))));
    assert_eq!(estimate(strings, DataType::Utf8)?, ScalarValue::Int64(Some(4975)));
    let longs = (0..50_000i64).map(|i| ScalarValue::Int64(Some(i * 7919)));
    assert_eq!(estimate(longs, DataType::Int64)?, ScalarValue::Int64(Some(51064)));
    assert_eq!(estimate(std::iter::empty(), DataType::Int64)?, ScalarValue::Int64(Some(0)));
    Ok(())
}

#[test]
fn counts_small_groups_exactly_and_skips_nulls() -> Result<(), String> {
    // QTT count-distinct.json.
    let s = |v: Option<&str>| ScalarValue::Utf8(v.map(str::to_string));
    let mut acc = CountDistinct.accumulator(&[DataType::Utf8], &[])?;
    let mut out = Vec::new();
    for v in [Some("one"), Some("two"), Some("one"), Some("two"), None] {
        acc.add(&[s(v)])?;
        out.push(acc.value());
    }
    let want: Vec<ScalarValue> = [1, 2, 2, 2, 2].iter().map(|v| ScalarValue::Int64(Some(*v))).collect();
    assert_eq!(out, want);
    assert!(acc.retract(&[s(Some("one"))]).is_err());
    Ok(())
}

#[test]
fn java_strings() {
    let d = |v, s| java_string(&ScalarValue::Decimal128(Some(v), 38, s));
    assert_eq!(
        [d(123, 2), d(1, 7), d(-12345, 9), d(5, 1), d(0, 3), d(1, 6)],
        ["1.23", "1E-7", "-0.000012345", "0.5", "0.000", "0.000001"].map(String::from)
    );
    let f = |v: f64| java_string(&ScalarValue::Float64(Some(v)));
    assert_eq!(
        [f(1.0), f(1e7), f(1.2345e-5), f(123.456), f(0.001), f(-0.0), f(9999999.0), f(1e21)],
        ["1.0", "1.0E7", "1.2345E-5", "123.456", "0.001", "-0.0", "9999999.0", "1.0E21"].map(String::from)
    );
    let ts = |ms| java_string(&ScalarValue::TimestampMillisecond(Some(ms), None));
    assert_eq!(java_string(&ScalarValue::Date32(Some(-1))), "1969-12-31");
    assert_eq!(java_string(&ScalarValue::Date32(Some(19000))), "2022-01-08");
    assert_eq!(java_string(&ScalarValue::Time32Millisecond(Some(3_723_000))), "01:02:03");
    assert_eq!(
        [ts(1234), ts(0), ts(-1), ts(1_700_000_000_120)],
        [
            "1970-01-01 00:00:01.234",
            "1970-01-01 00:00:00.0",
            "1969-12-31 23:59:59.999",
            "2023-11-14 22:13:20.12"
        ]
        .map(String::from)
    );
    assert_eq!(
        java_string(&ScalarValue::Binary(Some(vec![1, 2]))),
        "java.nio.HeapByteBuffer[pos=0 lim=2 cap=2]"
    );
}
