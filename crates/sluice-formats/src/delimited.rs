//! DELIMITED: one CSV record per payload, as ksqlDB's `KsqlDelimitedDeserializer` and
//! `KsqlDelimitedSerializer` read and write it with commons-csv's `DEFAULT` format and
//! the chosen delimiter.

use std::borrow::Cow;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::{DataType, Fields};

use crate::builder::Builder;
use crate::text::{put_text, write_scalar};
use crate::types::check_supported;
use crate::FormatError;

/// DELIMITED carries every primitive SQL type, and no ARRAY, MAP or STRUCT.
pub(crate) fn check(fields: &Fields) -> Result<(), FormatError> {
    check_supported("DELIMITED", fields, |dt| {
        !matches!(dt, DataType::List(_) | DataType::Map(..) | DataType::Struct(_))
    })
}

/// The fields of the first record of a payload, parsed as commons-csv does: a field
/// that starts with `"` runs to the closing quote (`""` inside stands for one quote);
/// any other field runs to the next delimiter or line break.
struct Record<'a> {
    rest: Option<&'a str>,
    delimiter: char,
}

impl<'a> Record<'a> {
    fn new(text: &'a str, delimiter: char) -> Record<'a> {
        // Blank lines before the record are skipped.
        Record { rest: Some(text.trim_start_matches(['\r', '\n'])), delimiter }
    }

    /// The rest of a quoted field, after its opening quote.
    fn quoted(&mut self, body: &'a str) -> Result<Cow<'a, str>, String> {
        self.rest = None;
        let mut unescaped: Option<String> = None;
        let mut from = 0;
        let close = loop {
            let Some(quote) = body[from..].find('"').map(|i| from + i) else {
                return Err("EOF reached before the quoted field was closed".into());
            };
            if !body[quote + 1..].starts_with('"') {
                break quote;
            }
            unescaped.get_or_insert_with(String::new).push_str(&body[from..=quote]);
            from = quote + 2;
        };
        let value = match unescaped {
            Some(mut s) => {
                s.push_str(&body[from..close]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&body[..close]),
        };
        let delimiter = self.delimiter;
        let after = body[close + 1..]
            .trim_start_matches(|c: char| c != delimiter && c != '\r' && c != '\n' && c.is_whitespace());
        if let Some(next) = after.strip_prefix(delimiter) {
            self.rest = Some(next);
        } else if !(after.is_empty() || after.starts_with(['\r', '\n'])) {
            return Err("invalid character between a quoted field and the delimiter".into());
        }
        Ok(value)
    }
}

impl<'a> Iterator for Record<'a> {
    type Item = Result<Cow<'a, str>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest?;
        if let Some(body) = rest.strip_prefix('"') {
            return Some(self.quoted(body));
        }
        let delimiter = self.delimiter;
        let end = rest.find([delimiter, '\r', '\n']).unwrap_or(rest.len());
        let (field, after) = rest.split_at(end);
        self.rest = after.strip_prefix(delimiter);
        Some(Ok(Cow::Borrowed(field)))
    }
}

/// Decodes one payload into one entry per column. An empty field is null.
pub(crate) fn decode_row(
    fields: &Fields,
    delimiter: char,
    builders: &mut [Builder],
    payload: Option<&[u8]>,
) -> Result<(), FormatError> {
    let (Some(bytes), false) = (payload, builders.is_empty()) else {
        builders.iter_mut().for_each(Builder::append_null);
        return Ok(());
    };
    // As Java's `new String(bytes, UTF_8)`: bad bytes become U+FFFD.
    let text = String::from_utf8_lossy(bytes);
    let mut record = Record::new(&text, delimiter);
    let mut outcome = Ok(());
    for (i, (b, field)) in builders.iter_mut().zip(fields.iter()).enumerate() {
        if outcome.is_err() {
            b.append_null();
            continue;
        }
        match record.next() {
            Some(Ok(value)) if value.is_empty() => b.append_null(),
            Some(Ok(value)) => outcome = put_text(b, &value).map_err(|f| f.in_column(field.name())),
            Some(Err(e)) => {
                b.append_null();
                outcome = Err(FormatError::Payload(e));
            }
            None => {
                b.append_null();
                outcome = Err(count_mismatch(fields.len(), i));
            }
        }
    }
    let extra = record.count();
    match outcome {
        Ok(()) if extra > 0 => Err(count_mismatch(fields.len(), fields.len() + extra)),
        outcome => outcome,
    }
}

fn count_mismatch(expected: usize, found: usize) -> FormatError {
    FormatError::Payload(format!("expected {expected} delimited fields, found {found}"))
}

/// Encodes one row as one record; a null is an empty field.
pub(crate) fn encode_row(
    fields: &Fields,
    columns: &[ArrayRef],
    row: usize,
    delimiter: char,
    scratch: &mut String,
) -> Result<Option<Vec<u8>>, FormatError> {
    let mut out = String::new();
    for (i, (field, column)) in fields.iter().zip(columns).enumerate() {
        if i > 0 {
            out.push(delimiter);
        }
        if column.is_null(row) {
            continue;
        }
        scratch.clear();
        write_scalar(scratch, column.as_ref(), row)
            .map_err(|reason| FormatError::Serialize { column: field.name().clone(), reason })?;
        write_field(&mut out, scratch, delimiter, i == 0);
    }
    Ok(Some(out.into_bytes()))
}

/// Writes one field, quoted when commons-csv's `QuoteMode.MINIMAL` would quote it: an
/// empty first field, a first field starting with `,` or `-`, a field starting with a
/// character up to `#` or ending with one up to a space, or holding the delimiter, a
/// quote or a line break.
fn write_field(out: &mut String, value: &str, delimiter: char, first: bool) {
    let quote = match (value.chars().next(), value.chars().next_back()) {
        (Some(head), Some(tail)) => {
            head <= '#'
                || (first && matches!(head, ',' | '-'))
                || tail <= ' '
                || value.contains([delimiter, '"', '\r', '\n'])
        }
        _ => first,
    };
    if !quote {
        out.push_str(value);
        return;
    }
    out.push('"');
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::*;
    use arrow::datatypes::{DataType, Field, Fields, TimeUnit};

    use crate::{Decoder, Encoder, Format};

    fn fields(types: &[(&str, DataType)]) -> Fields {
        types.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect()
    }

    fn decoder(delimiter: char, f: &Fields) -> Decoder {
        Decoder::new(&Format::Delimited { delimiter }, f.clone(), false, None).unwrap()
    }

    fn all_types() -> Fields {
        fields(&[
            ("B", DataType::Boolean),
            ("I", DataType::Int32),
            ("L", DataType::Int64),
            ("D", DataType::Float64),
            ("DEC", DataType::Decimal128(6, 4)),
            ("S", DataType::Utf8),
            ("BY", DataType::Binary),
            ("DT", DataType::Date32),
            ("T", DataType::Time32(TimeUnit::Millisecond)),
            ("TS", DataType::Timestamp(TimeUnit::Millisecond, None)),
        ])
    }

    #[test]
    fn every_type_round_trips() {
        let f = all_types();
        let line = "true,-1,998877665544332211,1.5,10.0000,\"a,\"\"b\"\"\",ew==,-10,1000,1600000000000";
        let decoded = decoder(',', &f).decode(&[Some(line.as_bytes()), Some(b",,,,,,,,,")]);
        assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
        let c = &decoded.columns;
        assert!(c[0].as_boolean().value(0));
        assert_eq!(c[1].as_primitive::<arrow::datatypes::Int32Type>().value(0), -1);
        assert_eq!(c[2].as_primitive::<arrow::datatypes::Int64Type>().value(0), 998877665544332211);
        assert_eq!(c[3].as_primitive::<arrow::datatypes::Float64Type>().value(0), 1.5);
        assert_eq!(c[4].as_primitive::<arrow::datatypes::Decimal128Type>().value(0), 100000);
        assert_eq!(c[5].as_string::<i32>().value(0), "a,\"b\"");
        assert_eq!(c[6].as_binary::<i32>().value(0), b"{");
        assert_eq!(c[7].as_primitive::<arrow::datatypes::Date32Type>().value(0), -10);
        assert!(c.iter().all(|c| c.is_null(1)));

        let encoded =
            Encoder::new(&Format::Delimited { delimiter: ',' }, f, false, None).unwrap().encode(c, 2);
        assert_eq!(encoded[0].as_ref().unwrap().as_deref(), Some(line.as_bytes()));
        assert_eq!(encoded[1].as_ref().unwrap().as_deref(), Some(&b",,,,,,,,,"[..]));
    }

    #[test]
    fn delimiters_and_quoting() {
        let f = fields(&[("A", DataType::Utf8), ("B", DataType::Int32)]);
        for (delimiter, line) in [(' ', "\"x y\" 2"), ('\t', "x y\t2"), ('|', "\"a|b\"|2"), ('§', "x§2")] {
            let decoded = decoder(delimiter, &f).decode(&[Some(line.as_bytes())]);
            assert!(decoded.errors.is_empty(), "{delimiter:?}: {:?}", decoded.errors);
            let encoder = Encoder::new(&Format::Delimited { delimiter }, f.clone(), false, None).unwrap();
            let encoded = encoder.encode(&decoded.columns, 1).remove(0).unwrap().unwrap();
            assert_eq!(String::from_utf8(encoded).unwrap(), line);
        }
    }

    #[test]
    fn keys_with_quotes_and_custom_delimiters() {
        // QTT delimited.json: `"22"` reads as 22; `foo,bar;baz` splits on ';' only.
        let one = fields(&[("K", DataType::Int32)]);
        let d = decoder(',', &one).decode(&[Some(b"\"22\"")]);
        assert_eq!(d.columns[0].as_primitive::<arrow::datatypes::Int32Type>().value(0), 22);
        let two = fields(&[("K1", DataType::Utf8), ("K2", DataType::Utf8)]);
        let d = decoder(';', &two).decode(&[Some(b"foo,bar;baz"), Some(b"\"foo\";\"bar\"")]);
        assert_eq!(d.columns[0].as_string::<i32>().value(0), "foo,bar");
        assert_eq!(d.columns[1].as_string::<i32>().value(0), "baz");
        assert_eq!(d.columns[0].as_string::<i32>().value(1), "foo");
    }

    #[test]
    fn bad_rows_are_left_out() {
        let f = fields(&[("ID", DataType::Int64), ("AMOUNT", DataType::Int32)]);
        let payloads: [Option<&[u8]>; 6] =
            [Some(b"1,2"), Some(b"1,abc"), Some(b"1"), Some(b"1,2,3"), Some(b"\"1,2"), Some(b"3,4\n5,6")];
        let d = decoder(',', &f).decode(&payloads);
        assert_eq!(d.rows, vec![0, 5]);
        assert_eq!(d.columns[1].as_primitive::<arrow::datatypes::Int32Type>().values(), &[2, 4]);
        let errors: Vec<(usize, String)> = d.errors.iter().map(|(i, e)| (*i, e.to_string())).collect();
        assert_eq!(
            errors,
            vec![
                (1, "Failed to deserialise column 'AMOUNT': expected an INTEGER, found \"abc\"".into()),
                (2, "Failed to deserialise payload: expected 2 delimited fields, found 1".into()),
                (3, "Failed to deserialise payload: expected 2 delimited fields, found 3".into()),
                (4, "Failed to deserialise payload: EOF reached before the quoted field was closed".into()),
            ]
        );
    }

    #[test]
    fn strings_are_quoted_like_commons_csv() {
        let f = fields(&[("A", DataType::Utf8), ("B", DataType::Utf8)]);
        let rows = [("", ""), ("#x", " y"), ("a\"b", "c\nd"), ("plain", "x,y"), ("é", ""), ("-5", "-5")];
        let a = StringArray::from_iter_values(rows.iter().map(|r| r.0));
        let b = StringArray::from_iter_values(rows.iter().map(|r| r.1));
        let columns: Vec<ArrayRef> = vec![Arc::new(a), Arc::new(b)];
        let encoder = Encoder::new(&Format::Delimited { delimiter: ',' }, f, false, None).unwrap();
        let out: Vec<String> = encoder
            .encode(&columns, rows.len())
            .into_iter()
            .map(|r| String::from_utf8(r.unwrap().unwrap()).unwrap())
            .collect();
        // A record's first field starting with `-` is quoted; later ones are not.
        assert_eq!(
            out,
            ["\"\",", "\"#x\",\" y\"", "\"a\"\"b\",\"c\nd\"", "plain,\"x,y\"", "é,", "\"-5\",-5"]
        );
    }

    #[test]
    fn null_payloads_and_single_columns() {
        let f = fields(&[("V", DataType::Utf8)]);
        let d = decoder(',', &f).decode(&[None, Some(b""), Some(b"x")]);
        assert_eq!(d.rows, vec![0, 1, 2]);
        assert!(d.columns[0].is_null(0) && d.columns[0].is_null(1));
        let column: ArrayRef = Arc::new(StringArray::from(vec![None, Some("x")]));
        let encoded =
            Encoder::new(&Format::Delimited { delimiter: ',' }, f, true, None).unwrap().encode(&[column], 2);
        assert_eq!(encoded, vec![Ok(Some(vec![])), Ok(Some(b"x".to_vec()))]);
    }

    #[test]
    fn doubles_and_decimals_are_written_as_ksqldb_does() {
        let f = fields(&[("D", DataType::Float64), ("DEC", DataType::Decimal128(4, 2))]);
        let d: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 1e10]));
        let dec: ArrayRef =
            Arc::new(Decimal128Array::from(vec![5, -150]).with_precision_and_scale(4, 2).unwrap());
        let out =
            Encoder::new(&Format::Delimited { delimiter: ',' }, f, false, None).unwrap().encode(&[d, dec], 2);
        assert_eq!(out[0].as_ref().unwrap().as_deref(), Some(&b"1.0,0.05"[..]));
        assert_eq!(out[1].as_ref().unwrap().as_deref(), Some(&b"1.0E10,-1.50"[..]));
    }

    #[test]
    fn nested_types_are_rejected() {
        let item = Arc::new(Field::new("item", DataType::Int32, true));
        let f = fields(&[("K", DataType::List(item))]);
        let err = Decoder::new(&Format::Delimited { delimiter: ',' }, f, false, None).unwrap_err();
        assert_eq!(err.to_string(), "The 'DELIMITED' format does not support type 'ARRAY', column: `K`");
    }
}
