//! Rows of Arrow columns into PROTOBUF messages.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Fields, Float64Type, Int32Type, Int64Type, Time32MillisecondType,
    TimeUnit, TimestampMillisecondType,
};
use chrono::{Datelike, NaiveDate, TimeDelta};
use prost::Message as _;
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value};

use super::decode::field_named;
use super::schema::{DATE, DECIMAL, TIMESTAMP, TIME_OF_DAY};
use super::MessageWriter;
use crate::text::minimal_bytes;
use crate::FormatError;

/// One payload: the writer's header, then the message.
pub(crate) fn encode_row(
    fields: &Fields,
    columns: &[ArrayRef],
    row: usize,
    unwrapped: bool,
    writer: &MessageWriter,
) -> Result<Option<Vec<u8>>, FormatError> {
    let fail = |i: usize| move |reason| FormatError::Serialize { column: fields[i].name().clone(), reason };
    let mut message = DynamicMessage::new(writer.message.clone());
    match columns {
        [column] if unwrapped => {
            if column.is_null(row) {
                return Ok(None);
            }
            if let Some(field) = writer.message.fields().next() {
                set(&mut message, &field, column.as_ref(), row).map_err(fail(0))?;
            }
        }
        _ => {
            for (i, (name, column)) in fields.iter().map(|f| f.name()).zip(columns).enumerate() {
                if let Some(field) = field_named(&writer.message, name) {
                    set(&mut message, &field, column.as_ref(), row).map_err(fail(i))?;
                }
            }
        }
    }
    let mut payload = writer.header.clone();
    payload.extend(message.encode_to_vec());
    Ok(Some(payload))
}

/// Sets the field from the value at `row`; a null leaves it unset.
fn set(
    message: &mut DynamicMessage,
    field: &FieldDescriptor,
    array: &dyn Array,
    row: usize,
) -> Result<(), String> {
    if array.is_null(row) {
        return Ok(());
    }
    let value = if field.is_map() {
        let Kind::Message(entry) = field.kind() else { unreachable!("map fields are messages") };
        map_value(array, row, &entry.map_entry_value_field().kind())?
    } else if field.is_list() {
        let DataType::List(_) = array.data_type() else {
            return Err(format!("cannot write a {} value as a repeated field", array.data_type()));
        };
        let items = array.as_list::<i32>().value(row);
        let kind = field.kind();
        Value::List((0..items.len()).map(|i| single(items.as_ref(), i, &kind)).collect::<Result<_, _>>()?)
    } else {
        single(array, row, &field.kind())?
    };
    message.set_field(field, value);
    Ok(())
}

fn map_value(array: &dyn Array, row: usize, kind: &Kind) -> Result<Value, String> {
    let DataType::Map(..) = array.data_type() else {
        return Err(format!("cannot write a {} value as a map field", array.data_type()));
    };
    let entries = array.as_map().value(row);
    let (keys, values) = (entries.column(0), entries.column(1));
    let mut out = HashMap::with_capacity(entries.len());
    for i in 0..entries.len() {
        let DataType::Utf8 = keys.data_type() else {
            return Err("PROTOBUF maps here have STRING keys".into());
        };
        if keys.is_null(i) {
            return Err("a map key cannot be null".into());
        }
        out.insert(
            MapKey::String(keys.as_string::<i32>().value(i).to_string()),
            single(values.as_ref(), i, kind)?,
        );
    }
    Ok(Value::Map(out))
}

/// One (not repeated) value of the field kind `kind`; a null is the kind's default.
fn single(array: &dyn Array, row: usize, kind: &Kind) -> Result<Value, String> {
    if array.is_null(row) {
        return Ok(Value::default_value(kind));
    }
    let cannot = || format!("cannot write a {} value as a PROTOBUF {kind:?}", array.data_type());
    let whole = |v: i64| -> Result<Value, String> {
        Ok(match kind {
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                Value::I32(i32::try_from(v).map_err(|_| cannot())?)
            }
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(v),
            Kind::Uint32 | Kind::Fixed32 => Value::U32(u32::try_from(v).map_err(|_| cannot())?),
            Kind::Uint64 | Kind::Fixed64 => Value::U64(u64::try_from(v).map_err(|_| cannot())?),
            Kind::Double => Value::F64(v as f64),
            Kind::Float => Value::F32(v as f32),
            _ => return Err(cannot()),
        })
    };
    Ok(match (array.data_type(), kind) {
        (_, Kind::Message(m)) => Value::Message(message(array, row, m)?),
        (DataType::Boolean, Kind::Bool) => Value::Bool(array.as_boolean().value(row)),
        (DataType::Int32, _) => whole(i64::from(array.as_primitive::<Int32Type>().value(row)))?,
        (DataType::Int64, _) => whole(array.as_primitive::<Int64Type>().value(row))?,
        (DataType::Float64, Kind::Double) => Value::F64(array.as_primitive::<Float64Type>().value(row)),
        (DataType::Float64, Kind::Float) => Value::F32(array.as_primitive::<Float64Type>().value(row) as f32),
        (DataType::Utf8, Kind::String) => Value::String(array.as_string::<i32>().value(row).to_string()),
        (DataType::Utf8, Kind::Enum(e)) => {
            let symbol = array.as_string::<i32>().value(row);
            let value = e
                .get_value_by_name(symbol)
                .ok_or_else(|| format!("{symbol:?} is not a value of {}", e.name()))?;
            Value::EnumNumber(value.number())
        }
        (DataType::Binary, Kind::Bytes) => Value::Bytes(array.as_binary::<i32>().value(row).to_vec().into()),
        _ => return Err(cannot()),
    })
}

/// A message value: a well-known type for dates, times, timestamps and decimals,
/// a wrapper, or a STRUCT's fields.
fn message(array: &dyn Array, row: usize, descriptor: &MessageDescriptor) -> Result<DynamicMessage, String> {
    let mut m = DynamicMessage::new(descriptor.clone());
    let mut put = |name: &str, value: Value| -> Result<(), String> {
        let field = descriptor
            .get_field_by_name(name)
            .ok_or_else(|| format!("{} has no field {name}", descriptor.full_name()))?;
        m.set_field(&field, value);
        Ok(())
    };
    match (array.data_type(), descriptor.full_name()) {
        (DataType::Date32, DATE) => {
            let days = array.as_primitive::<Date32Type>().value(row);
            let (year, month, day) = civil_from_days(i64::from(days)).ok_or("date out of range")?;
            put("year", Value::I32(year))?;
            put("month", Value::I32(month as i32))?;
            put("day", Value::I32(day as i32))?;
        }
        (DataType::Time32(TimeUnit::Millisecond), TIME_OF_DAY) => {
            let ms = array.as_primitive::<Time32MillisecondType>().value(row);
            put("hours", Value::I32(ms / 3_600_000))?;
            put("minutes", Value::I32(ms / 60_000 % 60))?;
            put("seconds", Value::I32(ms / 1000 % 60))?;
            put("nanos", Value::I32(ms % 1000 * 1_000_000))?;
        }
        (DataType::Timestamp(TimeUnit::Millisecond, _), TIMESTAMP) => {
            let ms = array.as_primitive::<TimestampMillisecondType>().value(row);
            put("seconds", Value::I64(ms.div_euclid(1000)))?;
            put("nanos", Value::I32((ms.rem_euclid(1000) * 1_000_000) as i32))?;
        }
        (DataType::Decimal128(precision, scale), DECIMAL) => {
            let unscaled = array.as_primitive::<Decimal128Type>().value(row);
            put("value", Value::Bytes(minimal_bytes(unscaled).into()))?;
            put("precision", Value::U32(u32::from(*precision)))?;
            put("scale", Value::I32(i32::from(*scale)))?;
        }
        (_, name) if name.starts_with("google.protobuf.") && name.ends_with("Value") => {
            let field =
                descriptor.get_field_by_name("value").ok_or_else(|| format!("{name} has no value field"))?;
            let value = single(array, row, &field.kind())?;
            m.set_field(&field, value);
        }
        (DataType::Struct(_), _) => {
            let strukt = array.as_struct();
            for (child, column) in strukt.fields().iter().zip(strukt.columns()) {
                if let Some(field) = field_named(descriptor, child.name()) {
                    set(&mut m, &field, column.as_ref(), row)?;
                }
            }
        }
        (dt, name) => return Err(format!("cannot write a {dt} value as the message {name}")),
    }
    Ok(m)
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> Option<(i32, u32, u32)> {
    let date = NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(TimeDelta::try_days(days)?)?;
    Some((date.year(), date.month(), date.day()))
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), Some((1970, 1, 1)));
        assert_eq!(civil_from_days(11_017), Some((2000, 3, 1)));
        assert_eq!(civil_from_days(-1), Some((1969, 12, 31)));
    }
}
