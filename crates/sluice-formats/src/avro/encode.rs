//! Rows of Arrow columns into AVRO datums of the writer's schema.

use std::collections::HashMap;

use apache_avro::schema::{RecordSchema, Schema};
use apache_avro::types::Value;
use apache_avro::Decimal;
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Fields, Float64Type, Int32Type, Int64Type, Time32MillisecondType,
    TimeUnit, TimestampMillisecondType,
};

use super::{ParsedSchema, SchemaWriter};
use crate::text::{minimal_bytes, rescale};
use crate::FormatError;

/// One payload in the wire format, or `None` for an unwrapped null.
pub(crate) fn encode_row(
    fields: &Fields,
    columns: &[ArrayRef],
    row: usize,
    unwrapped: bool,
    writer: &SchemaWriter,
) -> Result<Option<Vec<u8>>, FormatError> {
    let parsed = &writer.schema;
    let fail = |i: usize| move |reason| FormatError::Serialize { column: fields[i].name().clone(), reason };
    let value = match columns {
        [column] if unwrapped => {
            if column.is_null(row) {
                return Ok(None);
            }
            to_avro(column.as_ref(), row, &parsed.schema, parsed).map_err(fail(0))?
        }
        _ => {
            let (branch, record) =
                record_schema(&parsed.schema, parsed).map_err(|reason| FormatError::Serialize {
                    column: fields.first().map(|f| f.name().clone()).unwrap_or_default(),
                    reason,
                })?;
            let value = record_value(record, parsed, |name| {
                let at = fields
                    .iter()
                    .position(|f| f.name() == name)
                    .or_else(|| fields.iter().position(|f| f.name().eq_ignore_ascii_case(name)))?;
                Some((columns[at].as_ref(), row, at))
            })
            .map_err(|(at, reason)| match at {
                Some(i) => fail(i)(reason),
                None => FormatError::Serialize { column: String::new(), reason },
            })?;
            match branch {
                Some(index) => Value::Union(index, Box::new(value)),
                None => value,
            }
        }
    };
    let datum = apache_avro::to_avro_datum(&parsed.schema, value).map_err(|e| FormatError::Serialize {
        column: String::new(),
        reason: format!("invalid AVRO datum: {e}"),
    })?;
    let mut payload = Vec::with_capacity(datum.len() + 5);
    payload.push(0);
    payload.extend_from_slice(&writer.id.to_be_bytes());
    payload.extend_from_slice(&datum);
    Ok(Some(payload))
}

/// The record a wrapped row is written as, and its branch if it sits in a union.
fn record_schema<'a>(
    schema: &'a Schema,
    parsed: &'a ParsedSchema,
) -> Result<(Option<u32>, &'a RecordSchema), String> {
    match parsed.resolve(schema)? {
        Schema::Record(record) => Ok((None, record)),
        Schema::Union(union) => {
            for (i, variant) in union.variants().iter().enumerate() {
                if let Schema::Record(record) = parsed.resolve(variant)? {
                    return Ok((Some(i as u32), record));
                }
            }
            Err("the AVRO schema has no record to write the columns to".into())
        }
        _ => Err("the AVRO schema is not a record, so it cannot hold several columns".into()),
    }
}

/// A record value: each field from the column `column(name)` gives, null when none does.
/// Errors say which column (by index) failed.
fn record_value<'c>(
    record: &RecordSchema,
    parsed: &ParsedSchema,
    column: impl Fn(&str) -> Option<(&'c dyn Array, usize, usize)>,
) -> Result<Value, (Option<usize>, String)> {
    let mut members = Vec::with_capacity(record.fields.len());
    for field in &record.fields {
        let value = match column(&field.name) {
            Some((array, row, at)) => {
                to_avro(array, row, &field.schema, parsed).map_err(|e| (Some(at), e))?
            }
            None => null_of(&field.schema, parsed)
                .map_err(|e| (None, format!("no column for the AVRO field {}: {e}", field.name)))?,
        };
        members.push((field.name.clone(), value));
    }
    Ok(Value::Record(members))
}

/// The null of an optional type.
fn null_of(schema: &Schema, parsed: &ParsedSchema) -> Result<Value, String> {
    match parsed.resolve(schema)? {
        Schema::Null => Ok(Value::Null),
        Schema::Union(union) => union
            .variants()
            .iter()
            .position(|v| matches!(v, Schema::Null))
            .map(|i| Value::Union(i as u32, Box::new(Value::Null)))
            .ok_or_else(|| "null for a field that is not optional".to_string()),
        _ => Err("null for a field that is not optional".to_string()),
    }
}

/// Whether a non-null value of `dt` can be written as `schema`.
fn accepts(dt: &DataType, schema: &Schema, parsed: &ParsedSchema) -> bool {
    let Ok(schema) = parsed.resolve(schema) else { return false };
    matches!(
        (dt, schema),
        (DataType::Boolean, Schema::Boolean)
            | (DataType::Int32, Schema::Int | Schema::Long | Schema::Float | Schema::Double)
            | (DataType::Int64, Schema::Long | Schema::Float | Schema::Double)
            | (DataType::Float64, Schema::Double | Schema::Float)
            | (DataType::Utf8, Schema::String | Schema::Enum(_))
            | (DataType::Binary, Schema::Bytes | Schema::Fixed(_))
            | (DataType::Decimal128(..), Schema::Decimal(_))
            | (DataType::Date32, Schema::Date | Schema::Int)
            | (DataType::Time32(_), Schema::TimeMillis | Schema::Int)
            | (DataType::Timestamp(..), Schema::TimestampMillis | Schema::Long)
            | (DataType::List(_), Schema::Array(_))
            | (DataType::Map(..), Schema::Map(_))
            | (DataType::Struct(_), Schema::Record(_))
    )
}

/// The value at `row` of `array` as the AVRO type `schema`.
fn to_avro(array: &dyn Array, row: usize, schema: &Schema, parsed: &ParsedSchema) -> Result<Value, String> {
    let schema = parsed.resolve(schema)?;
    if array.is_null(row) {
        return null_of(schema, parsed);
    }
    if let Schema::Union(union) = schema {
        let (i, variant) = union
            .variants()
            .iter()
            .enumerate()
            .find(|(_, v)| accepts(array.data_type(), v, parsed))
            .ok_or_else(|| format!("no branch of the AVRO union takes a {} value", array.data_type()))?;
        return Ok(Value::Union(i as u32, Box::new(to_avro(array, row, variant, parsed)?)));
    }
    let cannot = || format!("cannot write a {} value as the AVRO type {schema:?}", array.data_type());
    Ok(match (array.data_type(), schema) {
        (DataType::Boolean, Schema::Boolean) => Value::Boolean(array.as_boolean().value(row)),
        (DataType::Int32, _) => {
            let v = array.as_primitive::<Int32Type>().value(row);
            match schema {
                Schema::Int => Value::Int(v),
                Schema::Long => Value::Long(v.into()),
                Schema::Float => Value::Float(v as f32),
                Schema::Double => Value::Double(v.into()),
                _ => return Err(cannot()),
            }
        }
        (DataType::Int64, _) => {
            let v = array.as_primitive::<Int64Type>().value(row);
            match schema {
                Schema::Long => Value::Long(v),
                Schema::Float => Value::Float(v as f32),
                Schema::Double => Value::Double(v as f64),
                _ => return Err(cannot()),
            }
        }
        (DataType::Float64, Schema::Double) => Value::Double(array.as_primitive::<Float64Type>().value(row)),
        (DataType::Float64, Schema::Float) => {
            Value::Float(array.as_primitive::<Float64Type>().value(row) as f32)
        }
        (DataType::Utf8, Schema::String) => Value::String(array.as_string::<i32>().value(row).to_string()),
        (DataType::Utf8, Schema::Enum(e)) => {
            let symbol = array.as_string::<i32>().value(row);
            let index = e
                .symbols
                .iter()
                .position(|s| s == symbol)
                .ok_or_else(|| format!("{symbol:?} is not a symbol of the AVRO enum {}", e.name.name))?;
            Value::Enum(index as u32, symbol.to_string())
        }
        (DataType::Binary, Schema::Bytes) => Value::Bytes(array.as_binary::<i32>().value(row).to_vec()),
        (DataType::Binary, Schema::Fixed(f)) => {
            let bytes = array.as_binary::<i32>().value(row);
            if bytes.len() != f.size {
                return Err(format!("{} bytes for an AVRO fixed of size {}", bytes.len(), f.size));
            }
            Value::Fixed(f.size, bytes.to_vec())
        }
        (DataType::Decimal128(_, scale), Schema::Decimal(ds)) => {
            let unscaled = array.as_primitive::<Decimal128Type>().value(row);
            let to = i32::try_from(ds.scale).map_err(|_| "AVRO decimal scale out of range".to_string())?;
            let scaled = rescale(unscaled, i32::from(*scale), to)
                .ok_or_else(|| format!("cannot write a decimal of scale {scale} with scale {to}"))?;
            Value::Decimal(Decimal::from(minimal_bytes(scaled)))
        }
        (DataType::Date32, Schema::Date) => Value::Date(array.as_primitive::<Date32Type>().value(row)),
        (DataType::Date32, Schema::Int) => Value::Int(array.as_primitive::<Date32Type>().value(row)),
        (DataType::Time32(TimeUnit::Millisecond), Schema::TimeMillis) => {
            Value::TimeMillis(array.as_primitive::<Time32MillisecondType>().value(row))
        }
        (DataType::Time32(TimeUnit::Millisecond), Schema::Int) => {
            Value::Int(array.as_primitive::<Time32MillisecondType>().value(row))
        }
        (DataType::Timestamp(TimeUnit::Millisecond, _), Schema::TimestampMillis) => {
            Value::TimestampMillis(array.as_primitive::<TimestampMillisecondType>().value(row))
        }
        (DataType::Timestamp(TimeUnit::Millisecond, _), Schema::Long) => {
            Value::Long(array.as_primitive::<TimestampMillisecondType>().value(row))
        }
        (DataType::List(_), Schema::Array(items)) => {
            let list = array.as_list::<i32>();
            let values = list.value(row);
            let items = (0..values.len())
                .map(|i| to_avro(values.as_ref(), i, &items.items, parsed))
                .collect::<Result<_, _>>()?;
            Value::Array(items)
        }
        (DataType::Map(..), Schema::Map(map)) => {
            let entries = array.as_map().value(row);
            let keys = entries.column(0);
            let values = entries.column(1);
            let mut out = HashMap::with_capacity(entries.len());
            for i in 0..entries.len() {
                if keys.is_null(i) {
                    return Err("AVRO maps cannot have a null key".into());
                }
                let key = match keys.data_type() {
                    DataType::Utf8 => keys.as_string::<i32>().value(i).to_string(),
                    other => return Err(format!("AVRO maps have STRING keys, not {other}")),
                };
                out.insert(key, to_avro(values.as_ref(), i, &map.types, parsed)?);
            }
            Value::Map(out)
        }
        (DataType::Struct(_), Schema::Record(record)) => {
            let strukt = array.as_struct();
            record_value(record, parsed, |name| {
                let fields = strukt.fields();
                let at = fields
                    .iter()
                    .position(|f| f.name() == name)
                    .or_else(|| fields.iter().position(|f| f.name().eq_ignore_ascii_case(name)))?;
                Some((strukt.column(at).as_ref(), row, at))
            })
            .map_err(|(_, reason)| reason)?
        }
        _ => return Err(cannot()),
    })
}

#[cfg(test)]
mod tests {
    use crate::text::minimal_bytes;

    #[test]
    fn decimal_bytes_are_minimal_and_signed() {
        assert_eq!(minimal_bytes(0), vec![0]);
        assert_eq!(minimal_bytes(127), vec![0x7F]);
        assert_eq!(minimal_bytes(128), vec![0, 0x80]);
        assert_eq!(minimal_bytes(-1), vec![0xFF]);
        assert_eq!(minimal_bytes(-129), vec![0xFF, 0x7F]);
    }
}
