//! JSON functions: EXTRACTJSONFIELD, IS_JSON_STRING, JSON_ARRAY_CONTAINS,
//! JSON_ARRAY_LENGTH, JSON_CONCAT, JSON_KEYS, JSON_RECORDS, JSON_ITEMS and
//! TO_JSON_STRING.
//!
//! Text that is not JSON (the empty string included) gives NULL, except for
//! IS_JSON_STRING and JSON_ARRAY_CONTAINS, which answer false.

use std::sync::Arc;

use chrono::Timelike;
use datafusion::arrow::array::{Array, ArrayRef, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{cast, exec_err, Result};

use super::args::*;
use super::datetime::{date_of_days, utc_of_millis};
use super::javafmt;
use super::json_value::{write_string, Json};
use super::regex::{list_of, string_map, string_map_builder};
use super::udf::{first_of, fit, variadic, Call, Def, Reject, Resolved, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new(
            "extractjsonfield",
            "The value at a JSONPath ($.a.b[0]) in a JSON string, or NULL.",
            |t| first_of(t, &[(&[P::Str, P::Str], STRING)]),
            extract_json_field,
        )
        .sigs(&["EXTRACTJSONFIELD(json STRING, path STRING) -> STRING"]),
        Def::new(
            "IS_JSON_STRING",
            "Whether a string is valid JSON.",
            |t| first_of(t, &[(&[P::Str], DataType::Boolean)]),
            |c| {
                let s = strs(arg(c.args, 0, "IS_JSON_STRING")?)?;
                Ok(bool_rows(c.rows, |i| Some(at(s, i).and_then(Json::parse).is_some())))
            },
        )
        .sigs(&["IS_JSON_STRING(str STRING) -> BOOLEAN"]),
        Def::new(
            "JSON_ARRAY_CONTAINS",
            "Whether a JSON array contains a value among its top-level elements.",
            contains_sig,
            json_array_contains,
        )
        .sigs(&[
            "JSON_ARRAY_CONTAINS(json STRING, value BOOLEAN) -> BOOLEAN",
            "JSON_ARRAY_CONTAINS(json STRING, value INT) -> BOOLEAN",
            "JSON_ARRAY_CONTAINS(json STRING, value BIGINT) -> BOOLEAN",
            "JSON_ARRAY_CONTAINS(json STRING, value DOUBLE) -> BOOLEAN",
            "JSON_ARRAY_CONTAINS(json STRING, value STRING) -> BOOLEAN",
        ]),
        Def::new(
            "JSON_ARRAY_LENGTH",
            "The number of elements of a JSON array.",
            |t| first_of(t, &[(&[P::Str], DataType::Int32)]),
            |c| {
                let s = strs(arg(c.args, 0, "JSON_ARRAY_LENGTH")?)?;
                Ok(int_rows(c.rows, |i| match Json::parse(at(s, i)?)? {
                    Json::Array(items) => i32::try_from(items.len()).ok(),
                    _ => None,
                }))
            },
        )
        .sigs(&["JSON_ARRAY_LENGTH(json STRING) -> INT"]),
        Def::new(
            "JSON_CONCAT",
            "Merges JSON objects (later keys win) or concatenates JSON arrays, as PostgreSQL's ||.",
            |t| variadic(t, &[], P::Str, 1).map(|a| (a, STRING)).ok_or(Reject::NoMatch),
            json_concat,
        )
        .sigs(&["JSON_CONCAT(json STRING, ...) -> STRING"]),
        Def::new(
            "JSON_KEYS",
            "The top-level keys of a JSON object.",
            |t| first_of(t, &[(&[P::Str], list_of(STRING))]),
            |c| object_list(c, |fields| fields.iter().map(|(k, _)| k.clone()).collect()),
        )
        .sigs(&["JSON_KEYS(json STRING) -> ARRAY<STRING>"]),
        Def::new(
            "JSON_RECORDS",
            "The top-level keys and values of a JSON object, as a MAP of strings.",
            |t| first_of(t, &[(&[P::Str], string_map())]),
            json_records,
        )
        .sigs(&["JSON_RECORDS(json STRING) -> MAP<STRING, STRING>"]),
        Def::new(
            "JSON_ITEMS",
            "The elements of a JSON array of objects, as JSON strings.",
            |t| first_of(t, &[(&[P::Str], list_of(STRING))]),
            json_items,
        )
        .sigs(&["JSON_ITEMS(json STRING) -> ARRAY<STRING>"]),
        Def::new(
            "TO_JSON_STRING",
            "The JSON text of any value.",
            |t| match t {
                [one] => Ok((vec![one.clone()], STRING)),
                _ => Err(Reject::NoMatch),
            },
            to_json_string,
        )
        .sigs(&["TO_JSON_STRING(value T) -> STRING"]),
    ]
}

/// The steps of a JSONPath: `$.a`, `$['a']`, `$["a"]`, `$[0]`.
pub(crate) fn json_path(path: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = path.trim().chars().collect();
    if chars.first() != Some(&'$') {
        return None;
    }
    let unquoted = |c: &char| c.is_alphanumeric() || *c == '_' || *c == '-';
    let mut steps = Vec::new();
    let mut i = 1;
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let n = chars[i + 1..].iter().take_while(|c| unquoted(c) || **c == ':').count();
                if n == 0 {
                    return None;
                }
                steps.push(chars[i + 1..i + 1 + n].iter().collect());
                i += 1 + n;
            }
            '[' => {
                i += 1;
                match chars.get(i) {
                    Some(q @ ('"' | '\'')) => {
                        let q = *q;
                        let mut token = String::new();
                        i += 1;
                        loop {
                            match chars.get(i)? {
                                '\\' => {
                                    token.push(*chars.get(i + 1)?);
                                    i += 2;
                                }
                                c if *c == q => {
                                    i += 1;
                                    break;
                                }
                                c => {
                                    token.push(*c);
                                    i += 1;
                                }
                            }
                        }
                        steps.push(token);
                    }
                    _ => {
                        let n = chars[i..].iter().take_while(|c| unquoted(c)).count();
                        steps.push(chars[i..i + n].iter().collect());
                        i += n;
                    }
                }
                if chars.get(i) != Some(&']') {
                    return None;
                }
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            _ => return None,
        }
    }
    Some(steps)
}

pub(crate) fn extract_value(json: &str, steps: &[String]) -> Option<String> {
    let mut node = Json::parse(json)?;
    for step in steps {
        node = match node {
            Json::Array(mut items) => {
                let index: usize = step.parse().ok()?;
                if index >= items.len() {
                    return None;
                }
                items.swap_remove(index)
            }
            Json::Object(_) => node.get(step)?.clone(),
            _ => return None,
        };
    }
    Some(node.to_text())
}

fn extract_json_field(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "EXTRACTJSONFIELD")?)?;
    let path = strs(arg(c.args, 1, "EXTRACTJSONFIELD")?)?;
    let mut memo = Memo::new();
    Ok(string_rows(c.rows, |i| {
        let steps = memo.get(at(path, i)?, json_path).as_ref()?;
        extract_value(at(s, i)?, steps)
    }))
}

fn contains_sig(t: &[DataType]) -> Resolved {
    let [json, value] = t else { return Err(Reject::NoMatch) };
    let json = fit(json, P::Str).ok_or(Reject::NoMatch)?;
    let value = [P::Bool, P::Int, P::Bigint, P::Double, P::Str]
        .iter()
        .find_map(|p| fit(value, *p).filter(|_| value != &DataType::Null))
        .or_else(|| (value == &DataType::Null).then_some(DataType::Null))
        .ok_or(Reject::NoMatch)?;
    Ok((vec![json, value], DataType::Boolean))
}

/// Whether a top-level element of a JSON array equals the value, with
/// ksqlDB's type matching: integers match INT and BIGINT, numbers with a
/// fraction or exponent match DOUBLE, JSON null matches NULL.
fn element_matches(item: &Json, value: &ArrayRef, i: usize) -> Result<bool> {
    if value.is_null(i) || value.data_type() == &DataType::Null {
        return Ok(matches!(item, Json::Null));
    }
    let is_int = |n: &str| !n.contains(['.', 'e', 'E']);
    Ok(match (item, value.data_type()) {
        (Json::Bool(b), DataType::Boolean) => bools(value)?.value(i) == *b,
        (Json::String(s), DataType::Utf8) => strs(value)?.value(i) == s,
        (Json::Number(n), DataType::Int32) if is_int(n) => {
            n.parse::<i64>().ok() == Some(ints(value)?.value(i) as i64)
        }
        (Json::Number(n), DataType::Int64) if is_int(n) => {
            n.parse::<i64>().ok() == Some(bigints(value)?.value(i))
        }
        (Json::Number(n), DataType::Float64) if !is_int(n) => {
            n.parse::<f64>().ok() == Some(doubles(value)?.value(i))
        }
        _ => false,
    })
}

fn json_array_contains(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "JSON_ARRAY_CONTAINS")?)?;
    let value = arg(c.args, 1, "JSON_ARRAY_CONTAINS")?;
    let rows = (0..c.rows)
        .map(|i| {
            let Some(text) = at(s, i) else { return Ok(None) };
            let Some(Json::Array(items)) = Json::parse(text) else { return Ok(Some(false)) };
            for item in &items {
                if element_matches(item, value, i)? {
                    return Ok(Some(true));
                }
            }
            Ok(Some(false))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut rows = rows.into_iter();
    Ok(bool_rows(c.rows, |_| rows.next().flatten()))
}

/// PostgreSQL's `||` on JSON: objects merge, anything else concatenates
/// as arrays (a non-array value counting as a one-element array).
pub(crate) fn concat_json(values: Vec<Json>) -> Option<Json> {
    let all_objects = values.iter().all(|v| matches!(v, Json::Object(_)));
    let mut values = values.into_iter();
    let mut acc = values.next()?;
    for next in values {
        acc = match (acc, next) {
            (Json::Object(mut a), Json::Object(b)) if all_objects => {
                for (k, v) in b {
                    match a.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => a.push((k, v)),
                    }
                }
                Json::Object(a)
            }
            (a, b) => {
                let as_items = |j: Json| match j {
                    Json::Array(items) => items,
                    other => vec![other],
                };
                let mut items = as_items(a);
                items.extend(as_items(b));
                Json::Array(items)
            }
        };
    }
    Some(acc)
}

fn json_concat(c: &Call) -> Result<ArrayRef> {
    let args = c.args.iter().map(strs).collect::<Result<Vec<_>>>()?;
    Ok(string_rows(c.rows, |i| {
        let values = args.iter().map(|a| Json::parse(at(*a, i)?)).collect::<Option<Vec<_>>>()?;
        concat_json(values).map(|j| j.to_json())
    }))
}

/// A list per row from a JSON object's fields.
fn object_list(c: &Call, f: impl Fn(&[(String, Json)]) -> Vec<String>) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "JSON")?)?;
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..c.rows {
        match at(s, i).and_then(Json::parse) {
            Some(Json::Object(fields)) => {
                for item in f(&fields) {
                    out.values().append_value(item);
                }
                out.append(true);
            }
            _ => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn json_items(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "JSON_ITEMS")?)?;
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..c.rows {
        let items = match at(s, i).and_then(Json::parse) {
            // Every element must be an object.
            Some(Json::Array(items)) if items.iter().all(|j| matches!(j, Json::Object(_))) => Some(items),
            _ => None,
        };
        match items {
            Some(items) => {
                for item in items {
                    out.values().append_value(item.to_json());
                }
                out.append(true);
            }
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn json_records(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "JSON_RECORDS")?)?;
    let mut out = string_map_builder();
    for i in 0..c.rows {
        match at(s, i).and_then(Json::parse) {
            Some(Json::Object(fields)) => {
                for (k, v) in fields {
                    out.keys().append_value(k);
                    out.values().append_value(v.to_text());
                }
                out.append(true)?;
            }
            _ => out.append(false)?,
        }
    }
    Ok(Arc::new(out.finish()))
}

/// Writes row `i` of `a` as ksqlDB's TO_JSON_STRING does: dates and times
/// as ISO text, BYTES as base64, MAP and STRUCT with keys sorted.
pub(crate) fn write_value(a: &dyn Array, i: usize, out: &mut String) -> Result<()> {
    if a.is_null(i) {
        out.push_str("null");
        return Ok(());
    }
    let quoted = |s: &str, out: &mut String| write_string(s, out);
    match a.data_type() {
        DataType::Null => out.push_str("null"),
        DataType::Boolean => out.push_str(if cast::as_boolean_array(a)?.value(i) { "true" } else { "false" }),
        DataType::Int32 => out.push_str(&cast::as_int32_array(a)?.value(i).to_string()),
        DataType::Int64 => out.push_str(&cast::as_int64_array(a)?.value(i).to_string()),
        DataType::Float64 => {
            let v = cast::as_float64_array(a)?.value(i);
            let text = javafmt::double(v);
            // Jackson quotes the numbers JSON cannot write.
            if v.is_finite() {
                out.push_str(&text)
            } else {
                quoted(&text, out)
            }
        }
        DataType::Decimal128(_, s) => {
            out.push_str(&javafmt::decimal(cast::as_decimal128_array(a)?.value(i), *s))
        }
        DataType::Utf8 => quoted(cast::as_string_array(a)?.value(i), out),
        DataType::Binary => {
            let bytes = cast::as_binary_array(a)?.value(i);
            quoted(&super::bytes::encode_bytes(bytes, super::bytes::Encoding::Base64), out)
        }
        DataType::Date32 => {
            let date = date_of_days(cast::as_date32_array(a)?.value(i));
            quoted(&date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(), out)
        }
        DataType::Time32(_) => {
            let ms = cast::as_time32_millisecond_array(a)?.value(i);
            quoted(&javafmt::time_of_seconds(u32::try_from(ms / 1000).unwrap_or(0)), out)
        }
        DataType::Timestamp(..) => {
            let t = utc_of_millis(cast::as_timestamp_millisecond_array(a)?.value(i));
            let text =
                t.map(|t| format!("{}.{:03}", t.format("%Y-%m-%dT%H:%M:%S"), t.nanosecond() / 1_000_000));
            quoted(&text.unwrap_or_default(), out)
        }
        DataType::List(_) => {
            let items = cast::as_list_array(a)?.value(i);
            out.push('[');
            for k in 0..items.len() {
                if k > 0 {
                    out.push(',');
                }
                write_value(items.as_ref(), k, out)?;
            }
            out.push(']');
        }
        DataType::Map(..) => {
            let entries = cast::as_map_array(a)?.value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            let mut pairs = Vec::with_capacity(entries.len());
            for k in 0..entries.len() {
                let mut key = String::new();
                write_value(keys.as_ref(), k, &mut key)?;
                // A map key is written by its toString: strings unquoted.
                let key = match Json::parse(&key) {
                    Some(Json::String(s)) => s,
                    _ => key,
                };
                let mut value = String::new();
                write_value(values.as_ref(), k, &mut value)?;
                pairs.push((key, value));
            }
            write_sorted(pairs, out);
        }
        DataType::Struct(fields) => {
            let s = cast::as_struct_array(a)?;
            let mut pairs = Vec::with_capacity(fields.len());
            for (f, column) in fields.iter().zip(s.columns()) {
                let mut value = String::new();
                write_value(column.as_ref(), i, &mut value)?;
                pairs.push((f.name().clone(), value));
            }
            write_sorted(pairs, out);
        }
        other => return exec_err!("TO_JSON_STRING of {other}"),
    }
    Ok(())
}

fn write_sorted(mut pairs: Vec<(String, String)>, out: &mut String) {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    out.push('{');
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        write_string(k, out);
        out.push(':');
        out.push_str(v);
    }
    out.push('}');
}

fn to_json_string(c: &Call) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "TO_JSON_STRING")?;
    let rows = (0..c.rows)
        .map(|i| {
            let mut out = String::new();
            write_value(a.as_ref(), i, &mut out).map(|_| out)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut rows = rows.into_iter();
    // NULL becomes the text "null", not a NULL string.
    Ok(string_rows(c.rows, |_| rows.next()))
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
