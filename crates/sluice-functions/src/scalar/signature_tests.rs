//! The documented signatures of every scalar function agree with its
//! resolver: each overload's parameter types are accepted, with the
//! documented result type.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields};

use super::regex::list_of;
use super::udf::{BYTES, STRING, TIME, TIMESTAMP};
use super::DEFS;

/// A documented type as an Arrow type; a type variable (`T`, `V`) is
/// instantiated as INT. None for a type the test does not build (STRUCT).
fn arrow_type(name: &str) -> Option<DataType> {
    let name = name.trim();
    if let Some(inner) = name.strip_prefix("ARRAY<").and_then(|s| s.strip_suffix('>')) {
        return arrow_type(inner).map(list_of);
    }
    if let Some(inner) = name.strip_prefix("MAP<STRING,").and_then(|s| s.strip_suffix('>')) {
        let entries = Fields::from(vec![
            Field::new("key", STRING, false),
            Field::new("value", arrow_type(inner)?, true),
        ]);
        return Some(DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false));
    }
    Some(match name {
        "INT" | "T" | "V" => DataType::Int32,
        "BIGINT" => DataType::Int64,
        "DOUBLE" => DataType::Float64,
        "DECIMAL" => DataType::Decimal128(10, 2),
        // The planner passes a unit keyword (DAYS) as a string.
        "STRING" | "INTERVALUNIT" => STRING,
        "BYTES" => BYTES,
        "BOOLEAN" => DataType::Boolean,
        "DATE" => DataType::Date32,
        "TIME" => TIME,
        "TIMESTAMP" => TIMESTAMP,
        _ if name.starts_with("STRUCT<") => return None,
        other => panic!("unknown type {other}"),
    })
}

/// Splits at the commas outside `<..>`.
fn split_top(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        parts.push(text[start..].trim());
    }
    parts
}

/// The parameter types (the last repeated when variadic) and result type.
struct Parsed {
    params: Vec<DataType>,
    variadic: bool,
    ret: Option<DataType>,
    decimal_ret: bool,
}

fn parse(signature: &str) -> Parsed {
    let open = signature.find('(').expect("(");
    let close = signature.rfind(") -> ").expect(") -> ");
    let mut params = Vec::new();
    let mut variadic = false;
    for param in split_top(&signature[open + 1..close]) {
        if param == "..." {
            variadic = true;
            continue;
        }
        let (_, ty) = param.split_once(' ').unwrap_or_else(|| panic!("{signature}: parameter {param:?}"));
        params.push(arrow_type(ty).unwrap_or_else(|| panic!("{signature}: type {ty}")));
    }
    let ret = &signature[close + 5..];
    Parsed { params, variadic, ret: arrow_type(ret), decimal_ret: ret == "DECIMAL" }
}

#[test]
fn resolvers_accept_every_documented_signature() {
    let mut checked = 0;
    for def in DEFS.iter() {
        for signature in def.signatures {
            let parsed = parse(signature);
            let mut calls = vec![parsed.params.clone()];
            if parsed.variadic {
                let mut longer = parsed.params.clone();
                longer.push(parsed.params.last().expect("a repeated parameter").clone());
                calls.push(longer);
            }
            for args in calls {
                let (_, ret) = (def.resolve)(&args)
                    .unwrap_or_else(|e| panic!("{signature}: {args:?} is not accepted: {e:?}"));
                if parsed.decimal_ret {
                    assert!(matches!(ret, DataType::Decimal128(..)), "{signature} gives {ret}");
                } else if let Some(expected) = &parsed.ret {
                    assert!(ret.equals_datatype(expected), "{signature} gives {ret}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "{checked} calls checked");
}
