//! AVRO datums into column builders.

use apache_avro::schema::Schema;
use apache_avro::types::Value;
use apache_avro::Decimal;
use arrow::array::ArrayBuilder;
use arrow::datatypes::Fields;

use super::{split_payload, ParsedSchema, SchemaReader};
use crate::builder::{Builder, ListBuilder, MapBuilder, StructBuilder};
use crate::text::{decimal_from_bytes, push, time_of_day, write_java_double, Fail};
use crate::FormatError;

/// Decodes one payload into one entry per column.
pub(crate) fn decode_row(
    fields: &Fields,
    unwrapped: bool,
    builders: &mut [Builder],
    payload: Option<&[u8]>,
    reader: &SchemaReader,
) -> Result<(), FormatError> {
    let nulls = |builders: &mut [Builder]| builders.iter_mut().for_each(Builder::append_null);
    let Some(payload) = payload else {
        nulls(builders);
        return Ok(());
    };
    let decoded = split_payload(payload).and_then(|(id, mut datum)| {
        let schema = reader.schema(id)?;
        let value = apache_avro::from_avro_datum(&schema.schema, &mut datum, None)
            .map_err(|e| FormatError::Payload(format!("invalid AVRO datum: {e}")))?;
        Ok((schema, value))
    });
    let (parsed, value) = match decoded {
        Ok(decoded) => decoded,
        Err(e) => {
            nulls(builders);
            return Err(e);
        }
    };
    if let ([b], true) = (&mut *builders, unwrapped) {
        return put(b, &value, &parsed.schema, &parsed).map_err(|f| f.in_column(fields[0].name()));
    }
    let (value, schema) = match unwrap_union(&value, &parsed.schema, &parsed) {
        Ok(pair) => pair,
        Err(f) => {
            nulls(builders);
            return Err(f.in_column(fields[0].name()));
        }
    };
    match (value, schema) {
        (Value::Null, _) => {
            nulls(builders);
            Ok(())
        }
        (Value::Record(members), Schema::Record(record)) => {
            let mut outcome = Ok(());
            for (b, field) in builders.iter_mut().zip(fields.iter()) {
                match lookup(members, record, field.name()) {
                    Some((v, s)) if outcome.is_ok() => {
                        outcome = put(b, v, s, &parsed).map_err(|f| f.in_column(field.name()));
                    }
                    _ => b.append_null(),
                }
            }
            outcome
        }
        (other, _) => {
            nulls(builders);
            Err(FormatError::Payload(format!("expected an AVRO record, found {}", describe(other))))
        }
    }
}

/// The record member called `name` (exactly, else ignoring case), with its schema.
fn lookup<'a>(
    members: &'a [(String, Value)],
    record: &'a apache_avro::schema::RecordSchema,
    name: &str,
) -> Option<(&'a Value, &'a Schema)> {
    let at = members
        .iter()
        .position(|(n, _)| n == name)
        .or_else(|| members.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)))?;
    let field = record.fields.get(*record.lookup.get(&members[at].0)?)?;
    Some((&members[at].1, &field.schema))
}

/// The branch of a union value, with that branch's schema (named types resolved).
fn unwrap_union<'a>(
    value: &'a Value,
    schema: &'a Schema,
    parsed: &'a ParsedSchema,
) -> Result<(&'a Value, &'a Schema), Fail> {
    let schema = parsed.resolve(schema).map_err(Fail::new)?;
    match (value, schema) {
        (Value::Union(branch, inner), Schema::Union(union)) => {
            let variant = union
                .variants()
                .get(*branch as usize)
                .ok_or_else(|| Fail::new(format!("union branch {branch} does not exist")))?;
            unwrap_union(inner, variant, parsed)
        }
        (value, schema) => Ok((value, schema)),
    }
}

fn describe(value: &Value) -> String {
    let name = match value {
        Value::Null => "null",
        Value::Boolean(_) => "a boolean",
        Value::Int(_) => "an int",
        Value::Long(_) => "a long",
        Value::Float(_) => "a float",
        Value::Double(_) => "a double",
        Value::Bytes(_) | Value::Fixed(..) => "bytes",
        Value::String(_) | Value::Enum(..) => "a string",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
        Value::Record(_) => "a record",
        Value::Decimal(_) | Value::BigDecimal(_) => "a decimal",
        Value::Date(_) => "a date",
        Value::TimeMillis(_) | Value::TimeMicros(_) => "a time",
        _ => "a timestamp or other logical value",
    };
    name.to_string()
}

/// Appends `value` (of the writer's type `schema`) to `b`. Always appends one entry.
fn put(b: &mut Builder, value: &Value, schema: &Schema, parsed: &ParsedSchema) -> Result<(), Fail> {
    let (value, schema) = match unwrap_union(value, schema, parsed) {
        Ok(pair) => pair,
        Err(f) => {
            b.append_null();
            return Err(f);
        }
    };
    let out_of_range = |ty: &str| Fail::new(format!("{} is out of range for {ty}", describe(value)));
    match (b, value) {
        (b, Value::Null) => {
            b.append_null();
            Ok(())
        }
        (Builder::Boolean(b), Value::Boolean(x)) => {
            b.append_value(*x);
            Ok(())
        }
        (Builder::Int(i), Value::Int(x)) => push(i, Ok(*x)),
        (Builder::Int(i), Value::Long(x)) => {
            push(i, i32::try_from(*x).map_err(|_| out_of_range("an INTEGER")))
        }
        (Builder::BigInt(i), Value::Int(x)) => push(i, Ok(i64::from(*x))),
        (Builder::BigInt(i), Value::Long(x)) => push(i, Ok(*x)),
        (Builder::Double(d), Value::Double(x)) => push(d, Ok(*x)),
        (Builder::Double(d), Value::Float(x)) => push(d, Ok(f64::from(*x))),
        (Builder::Double(d), Value::Int(x)) => push(d, Ok(f64::from(*x))),
        // Large longs round, as Java's widening conversion does.
        (Builder::Double(d), Value::Long(x)) => push(d, Ok(*x as f64)),
        (Builder::Decimal(d, precision, scale), Value::Decimal(x)) => {
            push(d, decimal(x, schema, *precision, *scale))
        }
        (Builder::String(s), Value::String(x) | Value::Enum(_, x)) => {
            s.append_value(x);
            Ok(())
        }
        (Builder::String(s), Value::Uuid(x)) => {
            s.append_value(x.to_string());
            Ok(())
        }
        // Primitives read as STRING take their text, as ksqlDB coerces them.
        (Builder::String(s), Value::Int(x)) => {
            s.append_value(x.to_string());
            Ok(())
        }
        (Builder::String(s), Value::Long(x)) => {
            s.append_value(x.to_string());
            Ok(())
        }
        (Builder::String(s), Value::Boolean(x)) => {
            s.append_value(x.to_string());
            Ok(())
        }
        (Builder::String(s), Value::Double(x)) => {
            let mut text = String::new();
            write_java_double(&mut text, *x);
            s.append_value(text);
            Ok(())
        }
        (Builder::Bytes(by), Value::Bytes(x) | Value::Fixed(_, x)) => {
            by.append_value(x);
            Ok(())
        }
        (Builder::Date(d), Value::Date(x) | Value::Int(x)) => push(d, Ok(*x)),
        (Builder::Time(t), Value::TimeMillis(x) | Value::Int(x)) => push(t, time_of_day(*x)),
        (Builder::Time(t), Value::TimeMicros(x)) => {
            push(t, i32::try_from(x / 1000).map_err(|_| out_of_range("a TIME")).and_then(time_of_day))
        }
        (
            Builder::Timestamp(t),
            Value::TimestampMillis(x) | Value::Long(x) | Value::LocalTimestampMillis(x),
        ) => push(t, Ok(*x)),
        (Builder::Timestamp(t), Value::TimestampMicros(x) | Value::LocalTimestampMicros(x)) => {
            push(t, Ok(x.div_euclid(1000)))
        }
        (Builder::List(l), Value::Array(items)) => match schema {
            Schema::Array(array) => put_list(l, items, &array.items, parsed),
            _ => {
                l.close(l.items.len(), false);
                Err(Fail::new("an AVRO array without an array schema"))
            }
        },
        (Builder::Map(m), Value::Map(entries)) => match schema {
            Schema::Map(map) => put_map(m, entries, &map.types, parsed),
            _ => {
                m.close(m.keys.len(), false);
                Err(Fail::new("an AVRO map without a map schema"))
            }
        },
        (Builder::Struct(s), Value::Record(members)) => match schema {
            Schema::Record(record) => put_struct(s, members, record, parsed),
            _ => {
                s.children.iter_mut().for_each(Builder::append_null);
                s.close(false);
                Err(Fail::new("an AVRO record without a record schema"))
            }
        },
        (b, value) => mismatch(b, value),
    }
}

fn mismatch(b: &mut Builder, value: &Value) -> Result<(), Fail> {
    let fail = Fail::expected(b, describe(value));
    b.append_null();
    Err(fail)
}

/// An AVRO decimal (unscaled big-endian bytes, the scale in the schema) rescaled to
/// the column's scale, which must not lose digits.
fn decimal(value: &Decimal, schema: &Schema, precision: u8, scale: i8) -> Result<i128, Fail> {
    let Schema::Decimal(ds) = schema else {
        return Err(Fail::new("an AVRO decimal without a decimal schema"));
    };
    let bytes: Vec<u8> = value.try_into().map_err(|e| Fail::new(format!("invalid AVRO decimal: {e}")))?;
    let from = i64::try_from(ds.scale).map_err(|_| Fail::new("AVRO decimal scale out of range"))?;
    decimal_from_bytes(&bytes, from, precision, scale)
}

fn put_list(l: &mut ListBuilder, items: &[Value], item: &Schema, parsed: &ParsedSchema) -> Result<(), Fail> {
    l.append_each(items, |b, v| put(b, v, item, parsed))
}

fn put_map(
    m: &mut MapBuilder,
    entries: &std::collections::HashMap<String, Value>,
    values: &Schema,
    parsed: &ParsedSchema,
) -> Result<(), Fail> {
    // AVRO maps have no order; sorted keys keep the output deterministic.
    let mut sorted: Vec<(&String, &Value)> = entries.iter().collect();
    sorted.sort_by_key(|(k, _)| *k);
    m.append_each(sorted.into_iter().map(|(k, v)| (k.clone(), v)), |b, v| put(b, v, values, parsed))
}

fn put_struct(
    s: &mut StructBuilder,
    members: &[(String, Value)],
    record: &apache_avro::schema::RecordSchema,
    parsed: &ParsedSchema,
) -> Result<(), Fail> {
    let mut outcome = Ok(());
    for (child, field) in s.children.iter_mut().zip(s.fields.iter()) {
        match lookup(members, record, field.name()) {
            Some((v, schema)) if outcome.is_ok() => {
                outcome = put(child, v, schema, parsed).map_err(|f| f.at(&format!("->{}", field.name())));
            }
            _ => child.append_null(),
        }
    }
    s.close(outcome.is_ok());
    outcome
}
