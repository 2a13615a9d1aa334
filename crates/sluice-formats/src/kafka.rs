//! KAFKA: one primitive column, as Kafka's standard serializers write it: INT as 4
//! big-endian bytes, BIGINT as 8, DOUBLE as 8 bytes of IEEE-754, STRING as UTF-8, and
//! BYTES as they are. A null is a null payload.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Fields, Float64Type, Int32Type, Int64Type};

use crate::builder::Builder;
use crate::types::{check_supported, column_list};
use crate::FormatError;

/// At most one column, of INT, BIGINT, DOUBLE, STRING or BYTES. No column at all is
/// allowed too: the payload is then ignored, as ksqlDB's void serde does.
pub(crate) fn check(fields: &Fields) -> Result<(), FormatError> {
    if fields.len() > 1 {
        return Err(FormatError::Schema(format!(
            "The 'KAFKA' format only supports a single field. Got: {}",
            column_list(fields)
        )));
    }
    check_supported("KAFKA", fields, |dt| {
        matches!(
            dt,
            DataType::Int32 | DataType::Int64 | DataType::Float64 | DataType::Utf8 | DataType::Binary
        )
    })
}

pub(crate) fn decode_row(
    fields: &Fields,
    builders: &mut [Builder],
    payload: Option<&[u8]>,
) -> Result<(), FormatError> {
    let ([b], Some(bytes)) = (&mut *builders, payload) else {
        builders.iter_mut().for_each(Builder::append_null);
        return Ok(());
    };
    let wrong_size = |ty: &str, size: usize| FormatError::Deserialize {
        column: fields[0].name().clone(),
        reason: format!("expected {size} bytes for {ty}, found {}", bytes.len()),
    };
    let outcome = match &mut *b {
        Builder::Int(i) => bytes
            .try_into()
            .map(|be| i.append_value(i32::from_be_bytes(be)))
            .map_err(|_| wrong_size("an INTEGER", 4)),
        Builder::BigInt(i) => bytes
            .try_into()
            .map(|be| i.append_value(i64::from_be_bytes(be)))
            .map_err(|_| wrong_size("a BIGINT", 8)),
        Builder::Double(d) => bytes
            .try_into()
            .map(|be| d.append_value(f64::from_be_bytes(be)))
            .map_err(|_| wrong_size("a DOUBLE", 8)),
        // Java's StringDeserializer replaces bytes that are not UTF-8 with U+FFFD.
        Builder::String(s) => {
            s.append_value(String::from_utf8_lossy(bytes));
            Ok(())
        }
        Builder::Bytes(by) => {
            by.append_value(bytes);
            Ok(())
        }
        other => Err(FormatError::Internal(format!("KAFKA cannot read a {}", other.sql_name()))),
    };
    if outcome.is_err() {
        b.append_null();
    }
    outcome
}

pub(crate) fn encode_row(
    fields: &Fields,
    columns: &[ArrayRef],
    row: usize,
) -> Result<Option<Vec<u8>>, FormatError> {
    let [column] = columns else { return Ok(None) };
    if column.is_null(row) {
        return Ok(None);
    }
    Ok(Some(match column.data_type() {
        DataType::Int32 => column.as_primitive::<Int32Type>().value(row).to_be_bytes().to_vec(),
        DataType::Int64 => column.as_primitive::<Int64Type>().value(row).to_be_bytes().to_vec(),
        DataType::Float64 => column.as_primitive::<Float64Type>().value(row).to_be_bytes().to_vec(),
        DataType::Utf8 => column.as_string::<i32>().value(row).as_bytes().to_vec(),
        DataType::Binary => column.as_binary::<i32>().value(row).to_vec(),
        other => {
            return Err(FormatError::Serialize {
                column: fields[0].name().clone(),
                reason: format!("KAFKA cannot write {other}"),
            })
        }
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::*;
    use arrow::datatypes::{DataType, Field, Fields, Int32Type, TimeUnit};

    use crate::{Decoder, Encoder, Format};

    fn one(dt: DataType) -> Fields {
        Fields::from(vec![Field::new("V", dt, true)])
    }

    fn round_trip(dt: DataType, column: ArrayRef, expected: &[Option<&[u8]>]) {
        let encoder = Encoder::new(&Format::Kafka, one(dt.clone()), true, None).unwrap();
        let encoded: Vec<Option<Vec<u8>>> = encoder
            .encode(std::slice::from_ref(&column), column.len())
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let as_slices: Vec<Option<&[u8]>> = encoded.iter().map(Option::as_deref).collect();
        assert_eq!(as_slices, expected);
        let decoded = Decoder::new(&Format::Kafka, one(dt), false, None).unwrap().decode(&as_slices);
        assert!(decoded.errors.is_empty());
        assert_eq!(decoded.columns[0].as_ref(), column.as_ref());
    }

    /// A KAFKA side of no columns (a keyless source's key) keeps every row,
    /// whatever its payload.
    #[test]
    fn no_columns_keep_every_row() {
        let decoder = Decoder::new(&Format::Kafka, Fields::empty(), false, None).unwrap();
        let decoded = decoder.decode(&[Some(b"any bytes"), None, Some(b"")]);
        assert_eq!((decoded.columns.len(), decoded.rows, decoded.errors.len()), (0, vec![0, 1, 2], 0));
    }

    #[test]
    fn byte_layouts() {
        round_trip(
            DataType::Int32,
            Arc::new(Int32Array::from(vec![Some(1), None, Some(-2)])),
            &[Some(&[0, 0, 0, 1]), None, Some(&[0xff, 0xff, 0xff, 0xfe])],
        );
        round_trip(
            DataType::Int64,
            Arc::new(Int64Array::from(vec![258])),
            &[Some(&[0, 0, 0, 0, 0, 0, 1, 2])],
        );
        round_trip(
            DataType::Float64,
            Arc::new(Float64Array::from(vec![1.0])),
            &[Some(&[0x3f, 0xf0, 0, 0, 0, 0, 0, 0])],
        );
        round_trip(
            DataType::Utf8,
            Arc::new(StringArray::from(vec!["bär", ""])),
            &[Some("bär".as_bytes()), Some(b"")],
        );
        round_trip(
            DataType::Binary,
            Arc::new(BinaryArray::from(vec![&b"\x00\x01"[..]])),
            &[Some(b"\x00\x01")],
        );
    }

    #[test]
    fn wrong_sizes_are_row_errors() {
        let d = Decoder::new(&Format::Kafka, one(DataType::Int32), true, None).unwrap();
        let decoded = d.decode(&[Some(&[0, 0, 0, 7]), Some(&[1, 2, 3]), Some(&[])]);
        assert_eq!(decoded.rows, vec![0]);
        assert_eq!(decoded.columns[0].as_primitive::<Int32Type>().values(), &[7]);
        assert_eq!(
            decoded.errors[0].1.to_string(),
            "Failed to deserialise column 'V': expected 4 bytes for an INTEGER, found 3"
        );
        assert_eq!(decoded.errors[1].0, 2);
    }

    #[test]
    fn schema_checks() {
        let err = |f: Fields| Decoder::new(&Format::Kafka, f, false, None).unwrap_err().to_string();
        assert_eq!(
            err(one(DataType::Boolean)),
            "The 'KAFKA' format does not support type 'BOOLEAN', column: `V`"
        );
        assert_eq!(
            err(one(DataType::Decimal128(4, 2))),
            "The 'KAFKA' format does not support type 'DECIMAL', column: `V`"
        );
        assert_eq!(
            err(one(DataType::Timestamp(TimeUnit::Millisecond, None))),
            "The 'KAFKA' format does not support type 'TIMESTAMP', column: `V`"
        );
        let two =
            Fields::from(vec![Field::new("A", DataType::Int32, true), Field::new("B", DataType::Utf8, true)]);
        assert_eq!(
            err(two),
            "The 'KAFKA' format only supports a single field. Got: [`A` INTEGER, `B` STRING]"
        );
    }

    #[test]
    fn no_columns_ignores_the_payload() {
        let d = Decoder::new(&Format::Kafka, Fields::empty(), false, None).unwrap();
        let decoded = d.decode(&[Some(b"whatever"), None]);
        assert_eq!((decoded.columns.len(), decoded.rows), (0, vec![0, 1]));
        let e = Encoder::new(&Format::Kafka, Fields::empty(), false, None).unwrap();
        assert_eq!(e.encode(&[], 2), vec![Ok(None), Ok(None)]);
    }
}
