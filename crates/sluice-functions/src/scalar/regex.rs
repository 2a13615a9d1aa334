//! Regular expressions and splitting: REGEXP_EXTRACT, REGEXP_EXTRACT_ALL,
//! REGEXP_REPLACE, REGEXP_SPLIT_TO_ARRAY, SPLIT and SPLIT_TO_MAP.
//!
//! ksqlDB uses `java.util.regex`; the `regex` crate reads the common subset
//! the same way. Patterns it cannot compile (look-around, back-references)
//! fail the call, which gives NULL, as an invalid pattern does in ksqlDB.
//! A pattern is compiled once per batch while it stays the same.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BinaryBuilder, ListBuilder, MapBuilder, MapFieldNames, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use regex::{Captures, Regex};

use super::args::*;
use super::udf::{first_of, Call, Def, Resolved, BYTES, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new(
            "regexp_extract",
            "The first substring matching a regex, or its capturing group n.",
            extract_sig,
            extract,
        )
        .sigs(&[
            "REGEXP_EXTRACT(regex STRING, str STRING) -> STRING",
            "REGEXP_EXTRACT(regex STRING, str STRING, group INT) -> STRING",
        ]),
        Def::new(
            "regexp_extract_all",
            "Every substring matching a regex, or its capturing group n.",
            extract_all_sig,
            extract_all,
        )
        .sigs(&[
            "REGEXP_EXTRACT_ALL(regex STRING, str STRING) -> ARRAY<STRING>",
            "REGEXP_EXTRACT_ALL(regex STRING, str STRING, group INT) -> ARRAY<STRING>",
        ]),
        Def::new(
            "regexp_replace",
            "Replaces every match of a regex; $n in the replacement refers to a group.",
            replace_sig,
            replace,
        )
        .sigs(&["REGEXP_REPLACE(str STRING, regex STRING, replacement STRING) -> STRING"]),
        Def::new(
            "regexp_split_to_array",
            "Splits a string around the matches of a regex.",
            split_regex_sig,
            split_regex,
        )
        .sigs(&["REGEXP_SPLIT_TO_ARRAY(str STRING, regex STRING) -> ARRAY<STRING>"]),
        Def::new(
            "split",
            "Splits a string or bytes around a delimiter (empty: into characters).",
            split_sig,
            split,
        )
        .sigs(&[
            "SPLIT(str STRING, delimiter STRING) -> ARRAY<STRING>",
            "SPLIT(bytes BYTES, delimiter BYTES) -> ARRAY<BYTES>",
        ]),
        Def::new(
            "split_to_map",
            "Splits a string into entries and each entry into key and value, giving a MAP.",
            split_to_map_sig,
            split_to_map,
        )
        .sigs(&[
            "SPLIT_TO_MAP(str STRING, entry_delimiter STRING, kv_delimiter STRING) -> MAP<STRING, STRING>",
        ]),
    ]
}

pub(crate) fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

/// The layout `sluice-catalog` gives MAP<STRING, STRING>.
pub(crate) fn string_map() -> DataType {
    let entries = vec![Field::new("key", DataType::Utf8, false), Field::new("value", DataType::Utf8, true)];
    DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries.into()), false)), false)
}

pub(crate) fn string_map_builder() -> MapBuilder<StringBuilder, StringBuilder> {
    let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
    MapBuilder::new(Some(names), StringBuilder::new(), StringBuilder::new())
}

fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn extract_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str], STRING), (&[P::Str, P::Str, P::Int], STRING)])
}

fn extract_all_sig(t: &[DataType]) -> Resolved {
    let ret = list_of(STRING);
    first_of(t, &[(&[P::Str, P::Str], ret.clone()), (&[P::Str, P::Str, P::Int], ret)])
}

/// The pattern, input and group of row `i`; None when any is NULL.
struct ExtractArgs<'a> {
    pattern: &'a datafusion::arrow::array::StringArray,
    input: &'a datafusion::arrow::array::StringArray,
    group: Option<&'a datafusion::arrow::array::Int32Array>,
}

impl<'a> ExtractArgs<'a> {
    fn new(c: &'a Call) -> Result<Self> {
        Ok(ExtractArgs {
            pattern: strs(arg(c.args, 0, "REGEXP_EXTRACT")?)?,
            input: strs(arg(c.args, 1, "REGEXP_EXTRACT")?)?,
            group: c.args.get(2).map(ints).transpose()?,
        })
    }

    /// A regex, the input, and a group number the regex has.
    fn row<'r>(&self, i: usize, memo: &'r mut Memo<Option<Regex>>) -> Option<(&'r Regex, &'a str, usize)> {
        let input = at(self.input, i)?;
        let group = match self.group {
            Some(g) => at(g, i)?,
            None => 0,
        };
        let regex = memo.get(at(self.pattern, i)?, compile).as_ref()?;
        // Java's Matcher.group throws for a negative group; too high a
        // group gives NULL.
        let group = usize::try_from(group).ok().filter(|g| *g < regex.captures_len())?;
        Some((regex, input, group))
    }
}

fn extract(c: &Call) -> Result<ArrayRef> {
    let args = ExtractArgs::new(c)?;
    let mut memo = Memo::new();
    Ok(string_rows(c.rows, |i| {
        let (regex, input, group) = args.row(i, &mut memo)?;
        regex.captures(input)?.get(group).map(|m| m.as_str().to_string())
    }))
}

fn extract_all(c: &Call) -> Result<ArrayRef> {
    let args = ExtractArgs::new(c)?;
    let mut memo = Memo::new();
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..c.rows {
        match args.row(i, &mut memo) {
            None => out.append_null(),
            Some((regex, input, group)) => {
                for caps in regex.captures_iter(input) {
                    out.values().append_option(caps.get(group).map(|m| m.as_str()));
                }
                out.append(true);
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

fn replace_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str, P::Str], STRING)])
}

/// A piece of a Java replacement string.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Group(usize),
    Named(String),
}

/// Parses Java's replacement syntax: `$n` and `${name}` refer to groups
/// (`$12` is group 12 only if the regex has it, else group 1 and a `2`),
/// a backslash escapes the next character. None where Java throws.
fn parse_replacement(text: &str, groups: usize) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => literal.push(chars.next()?),
            '$' => {
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                if chars.peek() == Some(&'{') {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    pieces.push(Piece::Named(name));
                    continue;
                }
                let mut group = chars.next()?.to_digit(10)? as usize;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    let wider = group * 10 + d as usize;
                    if wider >= groups {
                        break;
                    }
                    group = wider;
                    chars.next();
                }
                if group >= groups {
                    return None;
                }
                pieces.push(Piece::Group(group));
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Some(pieces)
}

fn expand(pieces: &[Piece], caps: &Captures) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Group(g) => out.push_str(caps.get(*g).map_or("", |m| m.as_str())),
            Piece::Named(n) => out.push_str(caps.name(n).map_or("", |m| m.as_str())),
        }
    }
    out
}

pub(crate) fn regexp_replace_value(s: &str, regex: &Regex, replacement: &str) -> Option<String> {
    let pieces = parse_replacement(replacement, regex.captures_len())?;
    if pieces.iter().any(|p| matches!(p, Piece::Named(n) if !regex.capture_names().any(|c| c == Some(n)))) {
        return None;
    }
    Some(regex.replace_all(s, |caps: &Captures| expand(&pieces, caps)).into_owned())
}

fn replace(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "REGEXP_REPLACE")?)?;
    let pattern = strs(arg(c.args, 1, "REGEXP_REPLACE")?)?;
    let with = strs(arg(c.args, 2, "REGEXP_REPLACE")?)?;
    let mut memo = Memo::new();
    Ok(string_rows(c.rows, |i| {
        let (s, with) = (at(s, i)?, at(with, i)?);
        let regex = memo.get(at(pattern, i)?, compile).as_ref()?;
        regexp_replace_value(s, regex, with)
    }))
}

fn split_regex_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str], list_of(STRING))])
}

/// Java's `Pattern.split`: a match of zero width at the start gives no
/// leading empty string, and trailing empty strings are dropped.
fn java_pattern_split<'s>(s: &'s str, regex: &Regex) -> Vec<&'s str> {
    if s.is_empty() {
        return vec![s];
    }
    let mut parts = Vec::new();
    let mut last = 0;
    for m in regex.find_iter(s) {
        if m.end() == 0 {
            continue;
        }
        parts.push(&s[last..m.start()]);
        last = m.end();
    }
    parts.push(&s[last..]);
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

/// Guava's `Splitter.on(pattern)`: every piece, empty ones included.
fn splitter<'s>(s: &'s str, regex: &Regex) -> Vec<&'s str> {
    regex.split(s).collect()
}

fn split_regex(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "REGEXP_SPLIT_TO_ARRAY")?)?;
    let pattern = strs(arg(c.args, 1, "REGEXP_SPLIT_TO_ARRAY")?)?;
    let mut memo = Memo::new();
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..c.rows {
        let parts = (|| {
            let (s, p) = (at(s, i)?, at(pattern, i)?);
            let regex = memo.get(p, compile).as_ref()?;
            Some(if p.is_empty() || regex.is_match("") {
                java_pattern_split(s, regex)
            } else {
                splitter(s, regex)
            })
        })();
        append_strings(&mut out, parts);
    }
    Ok(Arc::new(out.finish()))
}

fn append_strings(out: &mut ListBuilder<StringBuilder>, parts: Option<Vec<&str>>) {
    match parts {
        None => out.append_null(),
        Some(parts) => {
            for p in parts {
                out.values().append_value(p);
            }
            out.append(true);
        }
    }
}

fn split_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str], list_of(STRING)), (&[P::Bytes, P::Bytes], list_of(BYTES))])
}

/// SPLIT of a string: by characters for an empty delimiter, else literally.
pub(crate) fn split_string<'s>(s: &'s str, delimiter: &str) -> Vec<&'s str> {
    if delimiter.is_empty() {
        if s.is_empty() {
            return vec![s];
        }
        return s.char_indices().map(|(i, ch)| &s[i..i + ch.len_utf8()]).collect();
    }
    s.split(delimiter).collect()
}

/// SPLIT of bytes, after ksqlDB's `BytesUtils.split`.
pub(crate) fn split_bytes<'b>(b: &'b [u8], delimiter: &[u8]) -> Vec<&'b [u8]> {
    if b.is_empty() {
        return vec![b];
    }
    if delimiter.is_empty() {
        return b.chunks(1).collect();
    }
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i + delimiter.len() <= b.len() {
        if &b[i..i + delimiter.len()] == delimiter {
            parts.push(&b[start..i]);
            i += delimiter.len();
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(&b[start..]);
    parts
}

fn split(c: &Call) -> Result<ArrayRef> {
    let (a, d) = (arg(c.args, 0, "SPLIT")?, arg(c.args, 1, "SPLIT")?);
    if a.data_type() == &BYTES {
        let (a, d) = (bins(a)?, bins(d)?);
        let mut out = ListBuilder::new(BinaryBuilder::new());
        for i in 0..c.rows {
            match (at(a, i), at(d, i)) {
                (Some(a), Some(d)) => {
                    for p in split_bytes(a, d) {
                        out.values().append_value(p);
                    }
                    out.append(true);
                }
                _ => out.append_null(),
            }
        }
        return Ok(Arc::new(out.finish()));
    }
    let (a, d) = (strs(a)?, strs(d)?);
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..c.rows {
        let parts = match (at(a, i), at(d, i)) {
            (Some(a), Some(d)) => Some(split_string(a, d)),
            _ => None,
        };
        append_strings(&mut out, parts);
    }
    Ok(Arc::new(out.finish()))
}

fn split_to_map_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str, P::Str], string_map())])
}

/// ksqlDB's SPLIT_TO_MAP: empty entries are skipped, so are entries without
/// the key-value delimiter; a repeated key keeps its last value.
pub(crate) fn split_to_map_value<'s>(s: &'s str, entry: &str, kv: &str) -> Option<Vec<(&'s str, &'s str)>> {
    if entry.is_empty() || kv.is_empty() || entry == kv {
        return None;
    }
    let mut out: Vec<(&str, &str)> = Vec::new();
    for e in s.split(entry).filter(|e| !e.is_empty() && e.contains(kv)) {
        let mut parts = e.split(kv);
        let (key, value) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => out.push((key, value)),
        }
    }
    Some(out)
}

fn split_to_map(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "SPLIT_TO_MAP")?)?;
    let entry = strs(arg(c.args, 1, "SPLIT_TO_MAP")?)?;
    let kv = strs(arg(c.args, 2, "SPLIT_TO_MAP")?)?;
    let mut out = string_map_builder();
    for i in 0..c.rows {
        let entries = (|| split_to_map_value(at(s, i)?, at(entry, i)?, at(kv, i)?))();
        match entries {
            None => out.append(false)?,
            Some(entries) => {
                for (k, v) in entries {
                    out.keys().append_value(k);
                    out.values().append_value(v);
                }
                out.append(true)?;
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
#[path = "regex_tests.rs"]
mod tests;
