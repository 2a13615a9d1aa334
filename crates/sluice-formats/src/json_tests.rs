//! Tests of the JSON format: decoding, coercions, errors, and encode → decode round trips.

use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Fields, Int32Type, TimeUnit};

use crate::json_members::{one_column_per_member, scan_flat_object, MemberColumns};
use crate::{Decoder, Encoder, Format};

fn list(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

fn map(value: DataType) -> DataType {
    let kv = Fields::from(vec![Field::new("key", DataType::Utf8, false), Field::new("value", value, true)]);
    DataType::Map(Arc::new(Field::new("entries", DataType::Struct(kv), false)), false)
}

fn fields(cols: &[(&str, DataType)]) -> Fields {
    cols.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect()
}

/// Decodes `payloads`, then encodes what decoded: one JSON text (or decode error) per input.
fn reencode(f: &Fields, unwrapped: bool, payloads: &[Option<&str>]) -> Vec<Result<Option<String>, String>> {
    let bytes: Vec<Option<&[u8]>> = payloads.iter().map(|p| p.map(str::as_bytes)).collect();
    let decoded = Decoder::new(&Format::Json, f.clone(), unwrapped, None).unwrap().decode(&bytes);
    let encoder = Encoder::new(&Format::Json, f.clone(), unwrapped, None).unwrap();
    let mut encoded = encoder.encode(&decoded.columns, decoded.rows.len()).into_iter();
    let mut errors = decoded.errors.into_iter().peekable();
    (0..payloads.len())
        .map(|i| match errors.next_if(|(at, _)| *at == i) {
            Some((_, e)) => Err(e.to_string()),
            None => {
                let payload = encoded.next().unwrap().unwrap();
                Ok(payload.map(|p| String::from_utf8(p).unwrap()))
            }
        })
        .collect()
}

fn ok(text: &str) -> Result<Option<String>, String> {
    Ok(Some(text.to_string()))
}

#[test]
fn every_type_round_trips() {
    let f = fields(&[
        ("B", DataType::Boolean),
        ("I", DataType::Int32),
        ("L", DataType::Int64),
        ("D", DataType::Float64),
        ("DEC", DataType::Decimal128(4, 2)),
        ("S", DataType::Utf8),
        ("BY", DataType::Binary),
        ("DT", DataType::Date32),
        ("T", DataType::Time32(TimeUnit::Millisecond)),
        ("TS", DataType::Timestamp(TimeUnit::Millisecond, None)),
        ("A", list(DataType::Int64)),
        ("M", map(DataType::Float64)),
        ("ST", DataType::Struct(fields(&[("F0", DataType::Int32), ("F1", list(DataType::Utf8))]))),
    ]);
    let text = r#"{"B":true,"I":-1,"L":1234567890123,"D":1.0,"DEC":1.50,"S":"a\"b\n","BY":"dmFyaWF0aW9ucw==","DT":-10,"T":1000,"TS":1600000000000,"A":[12,34,null],"M":{"a":1.1,"c":null},"ST":{"F0":1,"F1":["x",null]}}"#;
    let nulls = r#"{"B":null,"I":null,"L":null,"D":null,"DEC":null,"S":null,"BY":null,"DT":null,"T":null,"TS":null,"A":null,"M":null,"ST":null}"#;
    assert_eq!(
        reencode(&f, false, &[Some(text), Some(nulls), Some("{}")]),
        vec![ok(text), ok(nulls), ok(nulls)]
    );
}

#[test]
fn field_names_match_ksqldb_style() {
    let f = fields(&[("FOO", DataType::Int32), ("Bar", DataType::Int32), ("baz", DataType::Int32)]);
    let out = reencode(
        &f,
        false,
        &[
            Some(r#"{"foo":1,"bar":2,"BAZ":3,"extra":4}"#),
            Some(r#"{"Foo":1,"FOO":2,"fOO":3,"Bar":4,"baz":5}"#),
            Some(r#"{"foo":1,"foo":2}"#),
        ],
    );
    // Exact name first, then upper-cased member names; "Bar" and "baz" were quoted, so
    // `bar` and `BAZ` do not match them (ksqlDB's KsqlJsonDeserializer).
    assert_eq!(
        out,
        vec![
            ok(r#"{"FOO":1,"Bar":null,"baz":null}"#),
            ok(r#"{"FOO":2,"Bar":4,"baz":5}"#),
            ok(r#"{"FOO":2,"Bar":null,"baz":null}"#),
        ]
    );
    let nested = fields(&[("S", DataType::Struct(fields(&[("A", DataType::Int32)])))]);
    assert_eq!(reencode(&nested, false, &[Some(r#"{"s":{"a":7}}"#)]), vec![ok(r#"{"S":{"A":7}}"#)]);
}

#[test]
fn null_payloads_give_rows_of_nulls() {
    let f = fields(&[("A", DataType::Int32), ("B", DataType::Utf8)]);
    let out = reencode(&f, false, &[None, Some("null"), Some(" { } ")]);
    assert!(out.iter().all(|r| r == &ok(r#"{"A":null,"B":null}"#)), "{out:?}");
}

#[test]
fn unwrapped_values() {
    let cases: [(DataType, &str); 6] = [
        (DataType::Int32, "10"),
        (DataType::Boolean, "false"),
        (DataType::Utf8, r#""hello""#),
        (list(DataType::Float64), "[10.1]"),
        (map(DataType::Int32), r#"{"a":1,"b":2,"c":null}"#),
        (DataType::Struct(fields(&[("A", DataType::Float64)])), r#"{"A":45.67}"#),
    ];
    for (dt, text) in cases {
        let f = fields(&[("V", dt)]);
        assert_eq!(reencode(&f, true, &[Some(text), None, Some("null")]), vec![ok(text), Ok(None), Ok(None)]);
    }
    let s = fields(&[("A", DataType::Struct(fields(&[("A", DataType::Float64)])))]);
    assert_eq!(reencode(&s, true, &[Some(r#"{"a":45.67}"#)]), vec![ok(r#"{"A":45.67}"#)]);
}

#[test]
fn coercions() {
    let f = fields(&[
        ("I", DataType::Int32),
        ("L", DataType::Int64),
        ("D", DataType::Float64),
        ("DEC", DataType::Decimal128(6, 4)),
        ("TS", DataType::Timestamp(TimeUnit::Millisecond, None)),
        ("S", DataType::Utf8),
        ("A", list(DataType::Utf8)),
    ]);
    let text = r#"{"I":"49","L":1.9,"D":2,"DEC":"10.0","TS":"10","S":{"a": [1, 2.50]},"A":[1,true,{"x":1},[2,"y"],null]}"#;
    let expected = r#"{"I":49,"L":1,"D":2.0,"DEC":10.0000,"TS":10,"S":"{\"a\":[1,2.50]}","A":["1","true","{\"x\":1}","[2, y]",null]}"#;
    assert_eq!(reencode(&f, false, &[Some(text)]), vec![ok(expected)]);
    let s = fields(&[("S", DataType::Utf8)]);
    let out = reencode(&s, true, &[Some("123"), Some("-1.50"), Some("true"), Some(r#"[1, "a", {"b": 2}]"#)]);
    assert_eq!(out, vec![ok(r#""123""#), ok(r#""-1.50""#), ok(r#""true""#), ok(r#""[1, a, {\"b\":2}]""#)]);
}

#[test]
fn decimals_keep_exact_digits_and_scale() {
    let f = fields(&[("DEC", DataType::Decimal128(21, 19))]);
    let out = reencode(&f, false, &[Some(r#"{"DEC": 10.123451234512345}"#), Some(r#"{"dec": "-0.5"}"#)]);
    assert_eq!(out, vec![ok(r#"{"DEC":10.1234512345123450000}"#), ok(r#"{"DEC":-0.5000000000000000000}"#)]);
    let small = fields(&[("DEC", DataType::Decimal128(4, 2))]);
    let out =
        reencode(&small, true, &[Some("99.99"), Some("1.234"), Some("100"), Some("\"x\""), Some("true")]);
    assert_eq!(out[0], ok("99.99"));
    assert_eq!(
        out[1],
        Err("Failed to deserialise column 'DEC': Cannot fit decimal '1.234' into DECIMAL(4, 2) without rounding".into())
    );
    assert!(out[2].as_ref().unwrap_err().contains("Numeric field overflow"));
    assert!(out[3].as_ref().unwrap_err().ends_with("expected a DECIMAL(4, 2), found \"x\""));
    assert!(out[4].as_ref().unwrap_err().ends_with("expected a DECIMAL(4, 2), found true"));
}

#[test]
fn bad_rows_are_left_out_and_reported() {
    let f = fields(&[("ID", DataType::Int64), ("AMOUNT", DataType::Int32)]);
    let payloads = [
        Some(r#"{"id":1,"amount":10}"#),
        Some(r#"{"id":2,"amount":"abc"}"#),
        Some(r#"{"id":3"#),
        Some(r#"{"id":4,"amount":3000000000}"#),
        Some("[1,2]"),
        Some(r#"{"id":6,"amount":true}"#),
        Some(r#"{"id":7,"amount":-7}"#),
    ];
    let out = reencode(&f, false, &payloads);
    assert_eq!(out[0], ok(r#"{"ID":1,"AMOUNT":10}"#));
    assert_eq!(
        out[1],
        Err(r#"Failed to deserialise column 'AMOUNT': expected an INTEGER, found "abc""#.into())
    );
    assert!(out[2].as_ref().unwrap_err().starts_with("Failed to deserialise payload: invalid JSON: EOF"));
    assert_eq!(
        out[3],
        Err("Failed to deserialise column 'AMOUNT': 3000000000 is out of range for an INTEGER".into())
    );
    assert_eq!(out[4], Err("Failed to deserialise payload: expected a JSON object, found an array".into()));
    assert_eq!(out[5], Err("Failed to deserialise column 'AMOUNT': expected an INTEGER, found true".into()));
    assert_eq!(out[6], ok(r#"{"ID":7,"AMOUNT":-7}"#));

    let bytes: Vec<Option<&[u8]>> = payloads.iter().map(|p| p.map(str::as_bytes)).collect();
    let decoded = Decoder::new(&Format::Json, f, false, None).unwrap().decode(&bytes);
    assert_eq!(decoded.rows, vec![0, 6]);
    assert_eq!(decoded.columns[1].as_primitive::<Int32Type>().values(), &[10, -7]);
}

#[test]
fn nested_errors_name_the_path() {
    let f = fields(&[(
        "S",
        DataType::Struct(fields(&[("A", list(DataType::Int32)), ("M", map(DataType::Boolean))])),
    )]);
    let out = reencode(
        &f,
        false,
        &[
            Some(r#"{"S":{"A":[1,"x"]}}"#),
            Some(r#"{"S":{"M":{"k":1}}}"#),
            Some(r#"{"S":{"A":[1,2],"M":{"k":false,"k":true}}}"#),
            Some(r#"{"S":[]}"#),
        ],
    );
    assert_eq!(
        out[0],
        Err(r#"Failed to deserialise column 'S': expected an INTEGER, found "x" (at S->A[2])"#.into())
    );
    assert_eq!(
        out[1],
        Err("Failed to deserialise column 'S': expected a BOOLEAN, found 1 (at S->M['k'])".into())
    );
    assert_eq!(out[2], ok(r#"{"S":{"A":[1,2],"M":{"k":true}}}"#));
    assert_eq!(out[3], Err("Failed to deserialise column 'S': expected a STRUCT, found an array".into()));
}

#[test]
fn times_dates_and_bytes() {
    let f = fields(&[
        ("DT", DataType::Date32),
        ("T", DataType::Time32(TimeUnit::Millisecond)),
        ("BY", DataType::Binary),
    ]);
    let out = reencode(
        &f,
        false,
        &[
            Some(r#"{"DT":"-3","T":"86399999","BY":"ew"}"#),
            Some(r#"{"T":86400000}"#),
            Some(r#"{"BY":"not base64!"}"#),
            Some(r#"{"DT":"x"}"#),
        ],
    );
    assert_eq!(out[0], ok(r#"{"DT":-3,"T":86399999,"BY":"ew=="}"#));
    assert!(out[1].as_ref().unwrap_err().contains("TIME must be between 0 and 86399999 milliseconds"));
    assert!(out[2].as_ref().unwrap_err().contains("expected BYTES as base64"));
    assert!(out[3].as_ref().unwrap_err().contains("expected a DATE"));
}

#[test]
fn doubles_are_written_like_jackson() {
    let f = fields(&[("D", DataType::Float64)]);
    let column: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 9876.54321, 1e10, f64::NAN]));
    let out = Encoder::new(&Format::Json, f, true, None).unwrap().encode(&[column], 4);
    let texts: Vec<String> =
        out.into_iter().map(|r| String::from_utf8(r.unwrap().unwrap()).unwrap()).collect();
    assert_eq!(texts, ["1.0", "9876.54321", "1.0E10", "\"NaN\""]);
}

#[test]
fn schema_registry_prefix_is_skipped() {
    let f = fields(&[("A", DataType::Int32)]);
    let payload = b"\x00\x00\x00\x00\x01{\"A\":5}";
    let decoded = Decoder::new(&Format::Json, f, false, None).unwrap().decode(&[Some(payload)]);
    assert_eq!(decoded.columns[0].as_primitive::<Int32Type>().value(0), 5);
}

#[test]
fn invalid_utf8_is_a_row_error() {
    let f = fields(&[("A", DataType::Utf8)]);
    let decoded =
        Decoder::new(&Format::Json, f, true, None).unwrap().decode(&[Some(b"\"\xff\""), Some(b"\"ok\"")]);
    assert_eq!(decoded.rows, vec![1]);
    assert!(decoded.errors[0].1.to_string().contains("invalid UTF-8"));
}

#[test]
fn schema_checks() {
    let err = |f: Fields, unwrapped| Decoder::new(&Format::Json, f, unwrapped, None).unwrap_err().to_string();
    let kv = Fields::from(vec![
        Field::new("key", DataType::Int32, false),
        Field::new("value", DataType::Int32, true),
    ]);
    let int_keys = DataType::Map(Arc::new(Field::new("entries", DataType::Struct(kv), false)), false);
    assert_eq!(err(fields(&[("M", int_keys)]), false), "JSON only supports MAP types with STRING keys");
    let two = fields(&[("A", DataType::Int32), ("B", DataType::Utf8)]);
    assert!(err(two, true).starts_with("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"));
    assert!(err(fields(&[("X", DataType::UInt8)]), false).contains("stands for no ksqlDB type"));
    let strict = DataType::List(Arc::new(Field::new("item", DataType::Int32, false)));
    assert_eq!(err(fields(&[("A", strict)]), false), "column 'A': nested field 'item' must be nullable");
}

#[test]
fn encoder_checks_the_columns() {
    let f = fields(&[("A", DataType::Int32)]);
    let encoder = Encoder::new(&Format::Json, f, false, None).unwrap();
    let wrong: ArrayRef = Arc::new(Int64Array::from(vec![1]));
    let out = encoder.encode(&[wrong], 1);
    assert_eq!(
        out[0].as_ref().unwrap_err().to_string(),
        "Failed to serialise column 'A': expected Int32 values, got Int64"
    );
    assert!(encoder.encode(&[], 1)[0].is_err());
}

#[test]
fn encodes_columns_made_elsewhere() {
    // Lists whose item field is named differently (as DataFusion makes them) still encode.
    let f = fields(&[("A", list(DataType::Int32)), ("N", DataType::Utf8)]);
    let items = Arc::new(Field::new("element", DataType::Int32, false));
    let a = ListArray::new(
        items,
        OffsetBuffer::from_lengths([2, 0]),
        Arc::new(Int32Array::from(vec![1, 2])),
        None,
    );
    let n: ArrayRef = Arc::new(StringArray::from(vec![Some("é\u{1}"), None]));
    let out = Encoder::new(&Format::Json, f, false, None).unwrap().encode(&[Arc::new(a), n], 2);
    assert_eq!(out[0].as_ref().unwrap().as_deref(), Some(r#"{"A":[1,2],"N":"é\u0001"}"#.as_bytes()));
    assert_eq!(out[1].as_ref().unwrap().as_deref(), Some(r#"{"A":[],"N":null}"#.as_bytes()));
}

#[test]
fn escaped_member_names_and_empty_batches() {
    let f = fields(&[("AA", DataType::Utf8)]);
    assert_eq!(reencode(&f, false, &[Some(r#"{"a\u0041":"\u00e9\t"}"#)]), vec![ok(r#"{"AA":"é\t"}"#)]);
    let decoded = Decoder::new(&Format::Json, f, false, None).unwrap().decode(&[]);
    assert_eq!((decoded.columns[0].len(), decoded.rows.len(), decoded.errors.len()), (0, 0, 0));
}

/// The direct scan of flat objects gives what serde_json's pass gives, and
/// leaves everything else (nested values, escapes, invalid JSON) to it.
#[test]
fn flat_objects_decode_as_through_serde_json() {
    let scans = |text: &str| {
        let mut columns = MemberColumns::new(true);
        scan_flat_object(text.as_bytes(), &Fields::empty(), &mut columns, &mut []).is_some()
    };
    let flat = [
        r#"{"id":89,"amount":8186,"ts":1699999999650}"#,
        r#" { "ID" : -0.5e+3 , "name":"x y", "ok": true, "no": false, "none": null } "#,
        r#"{}"#,
        r#"{"a":1,"a":2,"A":3}"#,
    ];
    for text in flat {
        assert!(scans(text), "{text}");
    }
    let other = [
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":-}"#,
        r#"{"a":1,}"#,
        r#"{"a":[1]}"#,
        r#"{"a":{"b":1}}"#,
        r#"{"a":"x\"y"}"#,
        r#"{"a\u0041":1}"#,
        r#"{"a":tru}"#,
        r#"{"a":1} x"#,
        r#"{"a":1"#,
        r#"[1]"#,
    ];
    for text in other {
        assert!(!scans(text), "{text}");
    }
    // Through the decoder: exact names win over upper-cased ones, the last
    // duplicate wins, numbers coerce, and bad records give serde_json's errors.
    let f = fields(&[("ID", DataType::Int64), ("NAME", DataType::Utf8), ("A", DataType::Int32)]);
    let got = reencode(
        &f,
        false,
        &[
            Some(r#"{"id":1.9,"name":"n","a":2,"A":3,"a":4}"#),
            Some(r#"{"id":"7","NAME":5}"#),
            Some(r#"{"id":01}"#),
            Some(r#"{"id":[1]}"#),
        ],
    );
    assert_eq!(got[0], Ok(Some(r#"{"ID":1,"NAME":"n","A":3}"#.to_string())));
    assert_eq!(got[1], Ok(Some(r#"{"ID":7,"NAME":"5","A":null}"#.to_string())));
    assert!(matches!(&got[2], Err(e) if e.contains("invalid JSON")), "{:?}", got[2]);
    assert!(matches!(&got[3], Err(e) if e.contains("ID")), "{:?}", got[3]);
}

/// A member's column is remembered by its place for the rest of the batch
/// (the records here put other members there), and only one column is
/// taken unless two columns differ only in case (then a member may match
/// both).
#[test]
fn members_find_their_columns_in_any_order_and_case() {
    let plain = fields(&[("A", DataType::Int64), ("B", DataType::Int64), ("C", DataType::Int64)]);
    assert!(one_column_per_member(&plain));
    let got = reencode(
        &plain,
        false,
        &[Some(r#"{"c":3,"b":2,"a":1}"#), Some(r#"{"b":2,"B":5,"x":0,"a":1}"#), Some(r#"{"a":[1],"C":3}"#)],
    );
    assert_eq!(got[0], Ok(Some(r#"{"A":1,"B":2,"C":3}"#.to_string())));
    assert_eq!(got[1], Ok(Some(r#"{"A":1,"B":5,"C":null}"#.to_string())));
    assert!(matches!(&got[2], Err(e) if e.contains('A')), "{:?}", got[2]);

    // `id` (quoted) and `ID`: the member "id" is both columns' (exactly the
    // first's, upper-cased the second's), unless an exact "ID" follows.
    let both = fields(&[("id", DataType::Int64), ("ID", DataType::Int64)]);
    assert!(!one_column_per_member(&both));
    let got = reencode(&both, false, &[Some(r#"{"id":1}"#), Some(r#"{"ID":2,"id":1}"#)]);
    assert_eq!(got[0], Ok(Some(r#"{"id":1,"ID":1}"#.to_string())));
    assert_eq!(got[1], Ok(Some(r#"{"id":1,"ID":2}"#.to_string())));
}

/// Plain integers take a direct path into BIGINT and INTEGER columns; every
/// other number goes the general way, with the same results.
#[test]
fn integers_read_directly_or_generally_alike() {
    let f = fields(&[("B", DataType::Int64), ("I", DataType::Int32)]);
    let got = reencode(
        &f,
        false,
        &[
            Some(r#"{"b":-123456789012345678,"i":-2147483648}"#),
            Some(r#"{"b":1234567890123456789,"i":2147483647}"#),
            Some(r#"{"b":1.9e2,"i":-0}"#),
            Some(r#"{"b":0,"i":2147483648}"#),
            Some(r#"{"b":12345678901234567890,"i":1}"#),
        ],
    );
    assert_eq!(got[0], Ok(Some(r#"{"B":-123456789012345678,"I":-2147483648}"#.to_string())));
    assert_eq!(got[1], Ok(Some(r#"{"B":1234567890123456789,"I":2147483647}"#.to_string())));
    assert_eq!(got[2], Ok(Some(r#"{"B":190,"I":0}"#.to_string())));
    assert!(matches!(&got[3], Err(e) if e.contains("out of range for an INTEGER")), "{:?}", got[3]);
    assert!(matches!(&got[4], Err(e) if e.contains("out of range for a BIGINT")), "{:?}", got[4]);
}

/// Decodes each payload twice: as it is (the direct scan reads flat
/// objects), and with a nested member added that no column reads (which
/// sends it through serde_json): both give the same rows and errors.
fn decoded_both_ways(f: &Fields, payloads: &[&[u8]]) -> (Vec<String>, Vec<String>) {
    let general: Vec<Vec<u8>> = payloads
        .iter()
        .map(|p| match p.iter().rposition(|&b| b == b'}') {
            Some(end) => {
                let empty = p[..end].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
                let extra: &[u8] = if empty { br#""zz_nested":[0]"# } else { br#","zz_nested":[0]"# };
                [&p[..end], extra, &p[end..]].concat()
            }
            None => p.to_vec(),
        })
        .collect();
    let show = |payloads: Vec<Option<&[u8]>>| {
        let decoded = Decoder::new(&Format::Json, f.clone(), false, None).unwrap().decode(&payloads);
        let encoder = Encoder::new(&Format::Json, f.clone(), false, None).unwrap();
        let mut rows = decoded.rows.iter().zip(encoder.encode(&decoded.columns, decoded.rows.len()));
        let mut errors = decoded.errors.iter().peekable();
        (0..payloads.len())
            .map(|i| match errors.next_if(|(at, _)| *at == i) {
                Some((_, e)) => format!("error: {e}"),
                None => {
                    let (_, row) = rows.next().unwrap();
                    String::from_utf8(row.unwrap().unwrap()).unwrap()
                }
            })
            .collect::<Vec<_>>()
    };
    (
        show(payloads.iter().map(|p| Some(*p)).collect()),
        show(general.iter().map(|p| Some(p.as_slice())).collect()),
    )
}

/// The direct scan and serde_json agree on tricky payloads: blanks,
/// signs, fractions and exponents, escapes, duplicate and case-differing
/// names, non-ASCII names and text, names that start like one another.
#[test]
fn the_direct_scan_agrees_with_serde_json() {
    let f = fields(&[
        ("ID", DataType::Int64),
        ("N", DataType::Int32),
        ("D", DataType::Float64),
        ("S", DataType::Utf8),
        ("B", DataType::Boolean),
        ("DEC", DataType::Decimal128(6, 2)),
        ("Ü", DataType::Utf8),
    ]);
    let payloads: Vec<&[u8]> = vec![
        br#"{"id":89,"n":8186,"d":1699999999650}"#,
        b" \t\r\n{ \"id\" :\n-7 ,\t\"n\": -0 , \"d\" : -0.5e+3 } \n",
        br#"{"id":-123456789012345678,"n":2147483647,"d":1E-2,"s":"x y"}"#,
        br#"{"id":1234567890123456789,"n":-2147483648,"d":0,"s":""}"#,
        br#"{"id":1.9e2,"n":1e1,"d":12345678901234567890,"s":-1.50}"#,
        br#"{"id":0.5,"n":2147483648,"s":true}"#,
        br#"{"id":12345678901234567890}"#,
        br#"{"id":"12","n":"-3","d":"2.5","b":"true"}"#,
        br#"{"b":true,"s":false,"dec":12.345,"id":null}"#,
        br#"{"b":1}"#,
        br#"{"dec":1234.5}"#,
        br#"{"dec":12345.5}"#,
        br#"{"id":1,"id":2,"ID":3,"Id":4}"#,
        br#"{"ID":1,"id":2}"#,
        br#"{"Id":5}"#,
        br#"{"i":1,"idx":2,"id2":3}"#,
        "{\"s\":\"é ü €\",\"ü\":\"ß\",\"Ü\":\"x\"}".as_bytes(),
        "{\"ü\":\"ß\"}".as_bytes(),
        br#"{"s":"a\"b","id":1}"#,
        br#"{"s\u0041":"x","id":2}"#,
        br#"{"a\"b":1,"id":2}"#,
        br#"{}"#,
        br#"{ }"#,
    ];
    let (direct, general) = decoded_both_ways(&f, &payloads);
    assert_eq!(direct, general);
    // The same payloads in one batch in other orders, so that names are
    // met at places where others were remembered.
    let reversed: Vec<&[u8]> = payloads.iter().rev().copied().collect();
    let (direct, general) = decoded_both_ways(&f, &reversed);
    assert_eq!(direct, general);
}

/// What is not a flat object of valid JSON and UTF-8 gives the errors it
/// gave before the direct scan: invalid UTF-8 anywhere (in a name, a text
/// value or outside strings), trailing garbage, bad numbers.
#[test]
fn invalid_payloads_give_the_general_errors() {
    let f = fields(&[("ID", DataType::Int64), ("S", DataType::Utf8)]);
    let decoder = Decoder::new(&Format::Json, f, false, None).unwrap();
    let payloads: Vec<&[u8]> = vec![
        b"{\"id\":1,\"s\":\"\xff\"}",
        b"{\"\xc3\":1}",
        b"{\"id\":1}\xff",
        b"{\"id\":1} x",
        b"{\"id\":1,}",
        b"{\"id\":01}",
        b"{\"id\":1",
        b"[1]",
        b"\"x\"",
        b"{\"id\":1,\"s\":\"ok\"}",
    ];
    let decoded = decoder.decode(&payloads.iter().map(|p| Some(*p)).collect::<Vec<_>>());
    assert_eq!(decoded.rows, vec![9]);
    let errors: Vec<String> = decoded.errors.iter().map(|(_, e)| e.to_string()).collect();
    for (error, payload) in errors.iter().zip(&payloads) {
        let expected = match std::str::from_utf8(payload) {
            Err(e) => format!("invalid UTF-8: {e}"),
            Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Err(e) => format!("invalid JSON: {e}"),
                Ok(_) => "expected a JSON object".to_string(),
            },
        };
        assert!(error.contains(&expected), "{error} / {expected}");
    }
}
