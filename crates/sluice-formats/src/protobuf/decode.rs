//! PROTOBUF messages into column builders.

use arrow::datatypes::Fields;
use chrono::NaiveDate;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage, Value,
};

use super::schema::{DATE, DECIMAL, TIMESTAMP, TIME_OF_DAY};
use super::MessageSource;
use crate::builder::{Builder, ListBuilder, MapBuilder, StructBuilder};
use crate::text::{decimal_from_bytes, push, time_of_day, write_java_double, Fail};
use crate::FormatError;

/// Decodes one payload into one entry per column.
pub(crate) fn decode_row(
    fields: &Fields,
    unwrapped: bool,
    builders: &mut [Builder],
    payload: Option<&[u8]>,
    source: &MessageSource,
) -> Result<(), FormatError> {
    let nulls = |builders: &mut [Builder]| builders.iter_mut().for_each(Builder::append_null);
    let Some(payload) = payload else {
        nulls(builders);
        return Ok(());
    };
    let message = source.read(payload).and_then(|(descriptor, bytes)| {
        DynamicMessage::decode(descriptor, bytes)
            .map_err(|e| FormatError::Payload(format!("invalid PROTOBUF message: {e}")))
    });
    let message = match message {
        Ok(message) => message,
        Err(e) => {
            nulls(builders);
            return Err(e);
        }
    };
    let descriptor = message.descriptor();
    if let ([b], true) = (&mut *builders, unwrapped) {
        return match descriptor.fields().next() {
            Some(field) => put_field(b, &message, &field).map_err(|f| f.in_column(fields[0].name())),
            None => {
                b.append_null();
                Ok(())
            }
        };
    }
    let mut outcome = Ok(());
    for (b, column) in builders.iter_mut().zip(fields.iter()) {
        match field_named(&descriptor, column.name()) {
            Some(field) if outcome.is_ok() => {
                outcome = put_field(b, &message, &field).map_err(|f| f.in_column(column.name()));
            }
            _ => b.append_null(),
        }
    }
    outcome
}

/// The field called `name`: exactly, else ignoring case.
pub(super) fn field_named(message: &MessageDescriptor, name: &str) -> Option<FieldDescriptor> {
    message.get_field_by_name(name).or_else(|| message.fields().find(|f| f.name().eq_ignore_ascii_case(name)))
}

/// Appends the field's value: an unset message is null, an unset scalar its default.
fn put_field(b: &mut Builder, message: &DynamicMessage, field: &FieldDescriptor) -> Result<(), Fail> {
    // A message, an `optional` or a oneof field knows when it is unset: null.
    if field.supports_presence() && !message.has_field(field) {
        b.append_null();
        return Ok(());
    }
    let value = message.get_field(field);
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else { unreachable!("map fields are messages") };
        let value_kind = entry.map_entry_value_field().kind();
        return match (b, value.as_ref()) {
            (Builder::Map(m), Value::Map(entries)) => put_map(m, entries, &value_kind),
            (b, _) => mismatch(b, "a map"),
        };
    }
    put(b, &value, &field.kind())
}

fn mismatch(b: &mut Builder, found: &str) -> Result<(), Fail> {
    let fail = Fail::expected(b, found);
    b.append_null();
    Err(fail)
}

/// Appends `value`, of the field kind `kind`. Always appends one entry.
fn put(b: &mut Builder, value: &Value, kind: &Kind) -> Result<(), Fail> {
    match (b, value) {
        (Builder::Boolean(b), Value::Bool(x)) => {
            b.append_value(*x);
            Ok(())
        }
        (Builder::Int(i), Value::I32(x)) => push(i, Ok(*x)),
        (Builder::Int(i), Value::U32(x)) => {
            push(i, i32::try_from(*x).map_err(|_| Fail::new("out of range for an INTEGER")))
        }
        (Builder::BigInt(i), Value::I64(x)) => push(i, Ok(*x)),
        (Builder::BigInt(i), Value::I32(x)) => push(i, Ok(i64::from(*x))),
        (Builder::BigInt(i), Value::U32(x)) => push(i, Ok(i64::from(*x))),
        (Builder::Int(i), Value::I64(x)) => {
            push(i, i32::try_from(*x).map_err(|_| Fail::new("out of range for an INTEGER")))
        }
        (Builder::BigInt(i), Value::U64(x)) => {
            push(i, i64::try_from(*x).map_err(|_| Fail::new("out of range for a BIGINT")))
        }
        (Builder::Double(d), Value::F64(x)) => push(d, Ok(*x)),
        (Builder::Double(d), Value::F32(x)) => push(d, Ok(f64::from(*x))),
        (Builder::Double(d), Value::I32(x)) => push(d, Ok(f64::from(*x))),
        (Builder::Double(d), Value::I64(x)) => push(d, Ok(*x as f64)),
        (Builder::Double(d), Value::U32(x)) => push(d, Ok(f64::from(*x))),
        (Builder::Double(d), Value::U64(x)) => push(d, Ok(*x as f64)),
        (Builder::String(s), Value::String(x)) => {
            s.append_value(x);
            Ok(())
        }
        (Builder::String(s), Value::EnumNumber(n)) => {
            let name = match kind {
                Kind::Enum(e) => e.get_value(*n).map(|v| v.name().to_string()),
                _ => None,
            };
            s.append_value(name.unwrap_or_else(|| n.to_string()));
            Ok(())
        }
        // Primitives read as STRING take their text, as ksqlDB coerces them.
        (Builder::String(s), Value::I32(x)) => {
            s.append_value(x.to_string());
            Ok(())
        }
        (Builder::String(s), Value::I64(x)) => {
            s.append_value(x.to_string());
            Ok(())
        }
        (Builder::String(s), Value::Bool(x)) => {
            s.append_value(x.to_string());
            Ok(())
        }
        (Builder::String(s), Value::F64(x)) => {
            let mut text = String::new();
            write_java_double(&mut text, *x);
            s.append_value(text);
            Ok(())
        }
        (Builder::Bytes(by), Value::Bytes(x)) => {
            by.append_value(x);
            Ok(())
        }
        (Builder::List(l), Value::List(items)) => put_list(l, items, kind),
        (b, Value::Message(m)) => put_message(b, m),
        (b, _) => mismatch(b, "a value of another type"),
    }
}

/// A message: a well-known type (date, time, timestamp, decimal, wrapper) or a STRUCT.
fn put_message(b: &mut Builder, m: &DynamicMessage) -> Result<(), Fail> {
    let int = |name: &str| match m.get_field_by_name(name).as_deref() {
        Some(Value::I32(v)) => i64::from(*v),
        Some(Value::I64(v)) => *v,
        Some(Value::U32(v)) => i64::from(*v),
        _ => 0,
    };
    match (b, m.descriptor().full_name()) {
        (Builder::Date(d), DATE) => {
            let days = days_from_civil(int("year"), int("month"), int("day"));
            push(d, days.and_then(|d| i32::try_from(d).ok()).ok_or_else(|| Fail::new("not a valid date")))
        }
        (Builder::Time(t), TIME_OF_DAY) => {
            let ms = ((int("hours") * 60 + int("minutes")) * 60 + int("seconds")) * 1000
                + int("nanos") / 1_000_000;
            push(t, i32::try_from(ms).map_err(|_| Fail::new("time out of range")).and_then(time_of_day))
        }
        (Builder::Timestamp(t), TIMESTAMP) => {
            push(t, Ok(int("seconds") * 1000 + int("nanos").div_euclid(1_000_000)))
        }
        (Builder::Decimal(d, precision, scale), DECIMAL) => {
            let bytes = match m.get_field_by_name("value").as_deref() {
                Some(Value::Bytes(bytes)) => bytes.to_vec(),
                _ => Vec::new(),
            };
            let precision = *precision;
            let scale = *scale;
            push(d, decimal_from_bytes(&bytes, int("scale"), precision, scale))
        }
        (b, name) if name.starts_with("google.protobuf.") && name.ends_with("Value") => {
            match m.descriptor().get_field_by_name("value") {
                Some(field) => put(b, &m.get_field(&field), &field.kind()),
                None => mismatch(b, name),
            }
        }
        (Builder::Struct(s), _) => put_struct(s, m),
        (b, name) => {
            let found = format!("a {name} message");
            mismatch(b, &found)
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date, if there is such a date.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    )?;
    Some((date - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days())
}

fn put_list(l: &mut ListBuilder, items: &[Value], kind: &Kind) -> Result<(), Fail> {
    l.append_each(items, |b, v| put(b, v, kind))
}

fn put_map(
    m: &mut MapBuilder,
    entries: &std::collections::HashMap<MapKey, Value>,
    kind: &Kind,
) -> Result<(), Fail> {
    // Maps have no order; sorted keys keep the output deterministic.
    let mut sorted: Vec<(&MapKey, &Value)> = entries.iter().collect();
    sorted.sort_by_key(|(k, _)| *k);
    let text = |key: &MapKey| match key {
        MapKey::String(s) => s.clone(),
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(n) => n.to_string(),
        MapKey::I64(n) => n.to_string(),
        MapKey::U32(n) => n.to_string(),
        MapKey::U64(n) => n.to_string(),
    };
    m.append_each(sorted.into_iter().map(|(k, v)| (text(k), v)), |b, v| put(b, v, kind))
}

fn put_struct(s: &mut StructBuilder, message: &DynamicMessage) -> Result<(), Fail> {
    let descriptor = message.descriptor();
    let mut outcome = Ok(());
    for (child, field) in s.children.iter_mut().zip(s.fields.iter()) {
        match field_named(&descriptor, field.name()) {
            Some(proto) if outcome.is_ok() => {
                outcome = put_field(child, message, &proto).map_err(|f| f.at(&format!("->{}", field.name())));
            }
            _ => child.append_null(),
        }
    }
    s.close(outcome.is_ok());
    outcome
}

#[cfg(test)]
mod tests {
    use super::days_from_civil;

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(days_from_civil(1969, 12, 31), Some(-1));
        assert_eq!(days_from_civil(2021, 2, 30), None);
    }
}
