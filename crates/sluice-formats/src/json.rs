//! JSON, as ksqlDB's `KsqlJsonDeserializer` reads it and its JSON serializer writes it.
//!
//! Payloads are parsed with serde_json into a shallow tree whose children stay raw text
//! ([`RawValue`]): numbers keep their exact digits (DECIMAL), and only the fields that a
//! column asks for are parsed further.

use std::borrow::Cow;
use std::fmt::{self, Write};
use std::marker::PhantomData;

use arrow::array::{Array, ArrayBuilder, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Fields, Float64Type};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::builder::{Builder, ListBuilder, MapBuilder, StructBuilder};
use crate::json_members::{name_match, scan_flat_object, Member, MemberColumns, Scalar, Slot};
use crate::text::{
    integral, parse_decimal, push, put_text, quoted, time_of_day, write_java_double, write_scalar, Fail,
};
use crate::types::{check_string_map_keys, column_list};
use crate::FormatError;

/// JSON carries every SQL type, but map keys must be strings; unwrapped, it holds one
/// column.
pub(crate) fn check(fields: &Fields, unwrapped: bool) -> Result<(), FormatError> {
    if unwrapped && fields.len() != 1 {
        return Err(FormatError::Schema(format!(
            "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas: an unwrapped JSON \
             payload holds exactly one column, got {}",
            column_list(fields)
        )));
    }
    check_string_map_keys(fields, "JSON only supports MAP types with STRING keys")
}

/// One JSON value, its children left as raw text.
#[derive(Clone)]
enum Json<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<&'a RawValue>),
    /// The raw text, and the members in document order (duplicates kept).
    Object(&'a str, Vec<(Cow<'a, str>, &'a RawValue)>),
}

impl<'a> Json<'a> {
    /// Parses a whole payload, checking that it is one valid JSON value.
    fn parse(text: &'a str) -> serde_json::Result<Json<'a>> {
        match text.trim_start_matches([' ', '\t', '\n', '\r']).as_bytes().first() {
            Some(b'{') => Ok(Json::Object(text.trim(), serde_json::from_str::<Members>(text)?.0)),
            _ => Json::from_raw(serde_json::from_str(text)?),
        }
    }

    /// Parses one level of a value already known to be valid JSON.
    fn from_raw(raw: &'a RawValue) -> serde_json::Result<Json<'a>> {
        let text = raw.get();
        Ok(match text.as_bytes().first() {
            Some(b'{') => Json::Object(text, serde_json::from_str::<Members>(text)?.0),
            Some(b'[') => Json::Array(serde_json::from_str(text)?),
            Some(b'"') => match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                Some(plain) if !plain.contains('\\') => Json::String(Cow::Borrowed(plain)),
                _ => Json::String(serde_json::from_str::<Str>(text)?.0),
            },
            Some(b't') => Json::Bool(true),
            Some(b'f') => Json::Bool(false),
            Some(b'n') => Json::Null,
            _ => Json::Number(text),
        })
    }

    /// How the value is shown in errors.
    fn describe(&self) -> String {
        match self {
            Json::Null => "null".into(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.chars().take(40).collect(),
            Json::String(s) => quoted(s),
            Json::Array(..) => "an array".into(),
            Json::Object(..) => "an object".into(),
        }
    }
}

/// A JSON string, borrowed from the payload unless it had escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// The members of a JSON object, values left raw.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'a>, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<Str<'a>, &'a RawValue>()? {
                    members.push((k.0, v));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// The member that a column or struct field called `name` reads: the exact name first,
/// then a member whose upper-cased name is `name` (ksqlDB upper-cases unquoted names).
/// The last of duplicate members wins, as in Jackson's object nodes.
fn lookup<'a>(members: &[(Cow<'a, str>, &'a RawValue)], name: &str) -> Option<&'a RawValue> {
    let mut found: Option<(u8, &'a RawValue)> = None;
    for (key, raw) in members {
        let rank = name_match(key, name);
        if rank > 0 && found.is_none_or(|(best, _)| rank >= best) {
            found = Some((rank, raw));
        }
    }
    found.map(|(_, raw)| raw)
}

/// A top-level JSON object read straight into one member per column, as
/// [`lookup`] would pick them, without collecting the members first: this
/// runs for every record, and the collected members were an allocation per
/// record.
struct ColumnMembers<'f, 's, 'a> {
    fields: &'f Fields,
    /// Per column, the best match so far: its rank and value.
    slots: &'s mut [Slot<'a>],
    columns: &'s mut MemberColumns,
}

impl<'de: 'a, 'a> serde::de::DeserializeSeed<'de> for ColumnMembers<'_, '_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for ColumnMembers<'_, '_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut position = 0;
        while let Some((key, raw)) = map.next_entry::<Str<'a>, &'a RawValue>()? {
            self.columns.offer(self.fields, self.slots, position, &key.0, Member::Raw(raw));
            position += 1;
        }
        Ok(())
    }
}

/// Columns of a top-level object whose members are matched on the stack;
/// wider schemas take a vector.
const STACK_COLUMNS: usize = 16;

/// Decodes a payload holding a JSON object (after any blanks) into one entry per
/// column; `bytes` is the whole payload, after any schema registry prefix.
fn decode_object(
    fields: &Fields,
    columns: &mut MemberColumns,
    builders: &mut [Builder],
    bytes: &[u8],
) -> Option<Result<(), FormatError>> {
    let mut on_stack: [Slot; STACK_COLUMNS] = [None; STACK_COLUMNS];
    let mut on_heap = Vec::new();
    let slots: &mut [Slot] = if fields.len() <= STACK_COLUMNS {
        &mut on_stack[..fields.len()]
    } else {
        on_heap.resize_with(fields.len(), || None);
        &mut on_heap
    };
    if scan_flat_object(bytes, fields, columns, slots).is_none() {
        // Not a flat object of plain scalars (or not valid JSON or UTF-8):
        // serde_json reads it, and reports what is wrong with it.
        let text = std::str::from_utf8(bytes).ok()?;
        if !text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{') {
            return None;
        }
        slots.iter_mut().for_each(|slot| *slot = None);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let parsed = serde::de::DeserializeSeed::deserialize(
            ColumnMembers { fields, slots: &mut *slots, columns },
            &mut deserializer,
        )
        .and_then(|()| deserializer.end());
        if let Err(e) = parsed {
            builders.iter_mut().for_each(Builder::append_null);
            return Some(Err(FormatError::Payload(format!("invalid JSON: {e}"))));
        }
    }
    let mut outcome = Ok(());
    for ((b, field), slot) in builders.iter_mut().zip(fields.iter()).zip(slots.iter()) {
        match slot {
            Some((_, member)) if outcome.is_ok() => {
                let put = match member {
                    Member::Raw(raw) => put_raw(b, raw),
                    Member::Scalar(scalar) => put_scalar(b, *scalar),
                };
                outcome = put.map_err(|f| f.in_column(field.name()));
            }
            _ => b.append_null(),
        }
    }
    Some(outcome)
}

/// Decodes one payload into one entry per column.
/// `columns`: what earlier records of the batch said about the members'
/// columns.
pub(crate) fn decode_row(
    fields: &Fields,
    unwrapped: bool,
    columns: &mut MemberColumns,
    builders: &mut [Builder],
    payload: Option<&[u8]>,
) -> Result<(), FormatError> {
    // The usual case, an object of columns, is read without building a tree
    // (and `None` when the payload is not valid UTF-8 or not an object).
    if let (false, Some(bytes)) = (unwrapped, payload) {
        if let Some(outcome) = decode_object(fields, columns, builders, without_schema_id(bytes)) {
            return outcome;
        }
    }
    let json = match payload.map(parse_payload).transpose() {
        Ok(json) => json.unwrap_or(Json::Null),
        Err(e) => {
            builders.iter_mut().for_each(Builder::append_null);
            return Err(FormatError::Payload(e));
        }
    };
    match (json, &mut *builders) {
        (json, [b]) if unwrapped => put(b, &json).map_err(|f| f.in_column(fields[0].name())),
        (Json::Null, _) => {
            builders.iter_mut().for_each(Builder::append_null);
            Ok(())
        }
        (json, _) => {
            builders.iter_mut().for_each(Builder::append_null);
            Err(FormatError::Payload(format!("expected a JSON object, found {}", json.describe())))
        }
    }
}

fn parse_payload(bytes: &[u8]) -> Result<Json<'_>, String> {
    Json::parse(payload_text(bytes)?).map_err(|e| format!("invalid JSON: {e}"))
}

/// The JSON text of a payload.
fn payload_text(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(without_schema_id(bytes)).map_err(|e| format!("invalid UTF-8: {e}"))
}

/// A payload without the schema registry's prefix, if it has one.
fn without_schema_id(bytes: &[u8]) -> &[u8] {
    // JSON_SR writers put a magic byte 0 and a 4-byte schema id first; JSON text never
    // starts with 0, so ksqlDB's JSON format reads such payloads too.
    match bytes {
        [0, _, _, _, _, rest @ ..] => rest,
        _ => bytes,
    }
}

fn put_raw(b: &mut Builder, raw: &RawValue) -> Result<(), Fail> {
    match Json::from_raw(raw) {
        Ok(json) => put(b, &json),
        Err(e) => {
            b.append_null();
            Err(Fail::new(format!("invalid JSON: {e}")))
        }
    }
}

/// Appends a scanned scalar as [`put`] does. A plain integer into a BIGINT
/// or INTEGER column, the most common value of all, is appended here, in
/// line; anything else the general way.
#[inline]
fn put_scalar(b: &mut Builder, scalar: Scalar) -> Result<(), Fail> {
    match (&mut *b, scalar) {
        (Builder::BigInt(i), Scalar::Number(_, Some(v))) => i.append_value(v),
        (Builder::Int(i), Scalar::Number(_, Some(v))) => match i32::try_from(v) {
            Ok(v) => i.append_value(v),
            Err(_) => return put_scalar_generally(b, scalar),
        },
        _ => return put_scalar_generally(b, scalar),
    }
    Ok(())
}

/// Appends a scanned scalar as [`put`] does, through [`put`] but for a null.
fn put_scalar_generally(b: &mut Builder, scalar: Scalar) -> Result<(), Fail> {
    match scalar {
        Scalar::Null => b.append_null(),
        Scalar::Bool(x) => return put(b, &Json::Bool(x)),
        Scalar::Text(t) => return put(b, &Json::String(Cow::Borrowed(t))),
        Scalar::Number(n, _) => match std::str::from_utf8(n) {
            Ok(n) => return put(b, &Json::Number(n)),
            // Cannot happen: the scan takes only ASCII into a number.
            Err(e) => {
                b.append_null();
                return Err(Fail::new(format!("invalid UTF-8: {e}")));
            }
        },
    }
    Ok(())
}

/// The integral part of the JSON number `n` (Jackson truncates), if it fits a `T`.
fn whole<T: TryFrom<i128>>(n: &str, ty: &str) -> Result<T, Fail> {
    integral(n)
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| Fail::new(format!("{n} is out of range for {ty}")))
}

/// Appends the value `v` to `b`, coercing it as ksqlDB does. Always appends one entry.
fn put(b: &mut Builder, v: &Json) -> Result<(), Fail> {
    match (b, v) {
        (b, Json::Null) => {
            b.append_null();
            Ok(())
        }
        (Builder::Boolean(b), Json::Bool(x)) => {
            b.append_value(*x);
            Ok(())
        }
        (Builder::String(s), v) => {
            write_text(s, v);
            s.append_value("");
            Ok(())
        }
        (Builder::Int(i), Json::Number(n)) => push(i, whole(n, "an INTEGER")),
        (Builder::BigInt(i), Json::Number(n)) => push(i, whole(n, "a BIGINT")),
        (Builder::Date(d), Json::Number(n)) => push(d, whole(n, "a DATE")),
        (Builder::Time(t), Json::Number(n)) => push(t, whole(n, "a TIME").and_then(time_of_day)),
        (Builder::Timestamp(t), Json::Number(n)) => push(t, whole(n, "a TIMESTAMP")),
        // Any JSON number is a double (too large ones are infinite, as in Java).
        (Builder::Double(d), Json::Number(n)) => {
            push(d, n.parse().map_err(|_| Fail::new(format!("{n} is not a DOUBLE"))))
        }
        (Builder::Decimal(d, p, s), Json::Number(n)) => push(d, parse_decimal(n, *p, *s)),
        // Strings coerce to every primitive but BOOLEAN (ksqlDB's JsonSerdeUtils).
        (b, Json::String(s))
            if !matches!(
                b,
                Builder::Boolean(_) | Builder::List(_) | Builder::Map(_) | Builder::Struct(_)
            ) =>
        {
            put_text(b, s)
        }
        (Builder::List(l), Json::Array(items)) => put_list(l, items),
        (Builder::Map(m), Json::Object(_, members)) => put_map(m, members),
        (Builder::Struct(s), Json::Object(_, members)) => put_struct(s, members),
        (b, v) => {
            let fail = Fail::expected(b, v.describe());
            b.append_null();
            Err(fail)
        }
    }
}

fn put_list(l: &mut ListBuilder, items: &[&RawValue]) -> Result<(), Fail> {
    let start = l.items.len();
    let mut outcome = Ok(());
    for (i, raw) in items.iter().enumerate() {
        if let Err(f) = put_raw(&mut l.items, raw) {
            outcome = Err(f.at(&format!("[{}]", i + 1)));
            break;
        }
    }
    l.close(start, outcome.is_ok());
    outcome
}

fn put_map(m: &mut MapBuilder, members: &[(Cow<str>, &RawValue)]) -> Result<(), Fail> {
    let start = m.keys.len();
    let mut outcome = Ok(());
    for (i, (key, raw)) in members.iter().enumerate() {
        // A key given twice keeps its last value, as in ksqlDB.
        if members[i + 1..].iter().any(|(k, _)| k == key) {
            continue;
        }
        m.keys.append_value(key);
        if let Err(f) = put_raw(&mut m.values, raw) {
            outcome = Err(f.at(&format!("['{key}']")));
            break;
        }
    }
    m.close(start, outcome.is_ok());
    outcome
}

fn put_struct(s: &mut StructBuilder, members: &[(Cow<str>, &RawValue)]) -> Result<(), Fail> {
    let mut outcome = Ok(());
    for (child, field) in s.children.iter_mut().zip(s.fields.iter()) {
        match lookup(members, field.name()) {
            Some(raw) if outcome.is_ok() => {
                outcome = put_raw(child, raw).map_err(|f| f.at(&format!("->{}", field.name())));
            }
            _ => child.append_null(),
        }
    }
    s.close(outcome.is_ok());
    outcome
}

/// The text a STRING column takes from any JSON value: strings as they are, numbers and
/// booleans as written, objects as compact JSON, arrays as `[a, b]` of their elements'
/// texts (ksqlDB's `processString`).
fn write_text(out: &mut impl Write, v: &Json) {
    let _ = match v {
        Json::Null => out.write_str("null"),
        Json::Bool(b) => write!(out, "{b}"),
        Json::Number(n) => out.write_str(n),
        Json::String(s) => out.write_str(s),
        Json::Object(raw, _) => {
            minify(out, raw);
            Ok(())
        }
        Json::Array(items) => {
            let _ = out.write_char('[');
            for (i, raw) in items.iter().enumerate() {
                if i > 0 {
                    let _ = out.write_str(", ");
                }
                match Json::from_raw(raw) {
                    Ok(item) => write_text(out, &item),
                    Err(_) => minify(out, raw.get()),
                }
            }
            out.write_char(']')
        }
    };
}

/// Writes valid JSON text without the blanks between tokens.
fn minify(out: &mut impl Write, raw: &str) {
    let (mut in_string, mut escaped) = (false, false);
    for c in raw.chars() {
        if in_string {
            (escaped, in_string) = (!escaped && c == '\\', escaped || c != '"');
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        let _ = out.write_char(c);
    }
}

/// Encodes one row: an object of all columns, or the bare value when `unwrapped`
/// (`None` for a null value, which is how ksqlDB writes it).
pub(crate) fn encode_row(
    fields: &Fields,
    columns: &[ArrayRef],
    row: usize,
    unwrapped: bool,
) -> Result<Option<Vec<u8>>, FormatError> {
    // Room for a typical record at once: growing from empty reallocated
    // several times per output record.
    let mut out = String::with_capacity(16 * columns.len());
    let fail = |i: usize| move |reason| FormatError::Serialize { column: fields[i].name().clone(), reason };
    match columns {
        [column] if unwrapped => {
            if column.is_null(row) {
                return Ok(None);
            }
            write_value(&mut out, column.as_ref(), row).map_err(fail(0))?;
        }
        _ => {
            out.push('{');
            for (i, (field, column)) in fields.iter().zip(columns).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(&mut out, field.name());
                out.push(':');
                write_value(&mut out, column.as_ref(), row).map_err(fail(i))?;
            }
            out.push('}');
        }
    }
    Ok(Some(out.into_bytes()))
}

/// Writes one value of `array` as compact JSON.
fn write_value(out: &mut String, array: &dyn Array, row: usize) -> Result<(), String> {
    if array.is_null(row) {
        out.push_str("null");
        return Ok(());
    }
    match array.data_type() {
        DataType::Utf8 => write_string(out, array.as_string::<i32>().value(row)),
        DataType::Float64 => {
            let d = array.as_primitive::<Float64Type>().value(row);
            // Jackson quotes NaN and the infinities.
            let quote = if d.is_finite() { "" } else { "\"" };
            out.push_str(quote);
            write_java_double(out, d);
            out.push_str(quote);
        }
        DataType::Binary => {
            out.push('"');
            write_scalar(out, array, row)?;
            out.push('"');
        }
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            let range = list.value_offsets()[row] as usize..list.value_offsets()[row + 1] as usize;
            out.push('[');
            for i in range.clone() {
                if i > range.start {
                    out.push(',');
                }
                write_value(out, list.values().as_ref(), i)?;
            }
            out.push(']');
        }
        DataType::Map(..) => {
            let map = array.as_map();
            let range = map.value_offsets()[row] as usize..map.value_offsets()[row + 1] as usize;
            let keys = map.keys().as_string_opt::<i32>().ok_or("JSON map keys must be strings")?;
            out.push('{');
            for i in range.clone() {
                if i > range.start {
                    out.push(',');
                }
                write_string(out, keys.value(i));
                out.push(':');
                write_value(out, map.values().as_ref(), i)?;
            }
            out.push('}');
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            out.push('{');
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, field.name());
                out.push(':');
                write_value(out, s.column(i).as_ref(), row)?;
            }
            out.push('}');
        }
        _ => write_scalar(out, array, row)?,
    }
    Ok(())
}

/// Writes `s` as a JSON string literal.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            "" => {
                let _ = write!(out, "\\u{byte:04x}");
            }
            e => out.push_str(e),
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
