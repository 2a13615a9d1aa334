//! String functions: UCASE, LCASE, LEN, TRIM, SUBSTRING, CONCAT, CONCAT_WS,
//! INSTR, LPAD, RPAD, INITCAP, REPLACE, CHR, ELT, FIELD, UUID, MD5.
//!
//! ksqlDB counts string positions and lengths in characters; Sluice counts
//! Unicode scalar values (Java counts UTF-16 units, which differs only for
//! characters outside the Basic Multilingual Plane).

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use md5::{Digest, Md5};

use super::args::*;
use super::udf::{exact, first_of, variadic, Call, Def, Reject, Resolved, BYTES, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("ucase", "Converts a string to upper case.", str_to_str, ucase)
            .sigs(&["UCASE(str STRING) -> STRING"]),
        Def::new("lcase", "Converts a string to lower case.", str_to_str, lcase)
            .sigs(&["LCASE(str STRING) -> STRING"]),
        Def::new("trim", "Removes whitespace from the beginning and end of a string.", str_to_str, trim)
            .sigs(&["TRIM(str STRING) -> STRING"]),
        Def::new("len", "The length of a string in characters, or of bytes in bytes.", len_sig, len)
            .sigs(&["LEN(str STRING) -> INT", "LEN(bytes BYTES) -> INT"]),
        Def::new(
            "substring",
            "The portion of a string or bytes from a 1-based position (negative counts from the end), optionally of a given length.",
            substring_sig,
            substring,
        )
        .sigs(&[
            "SUBSTRING(str STRING, pos INT) -> STRING",
            "SUBSTRING(str STRING, pos INT, length INT) -> STRING",
            "SUBSTRING(bytes BYTES, pos INT) -> BYTES",
            "SUBSTRING(bytes BYTES, pos INT, length INT) -> BYTES",
        ]),
        Def::new("concat", "Concatenates strings or bytes, skipping NULLs.", concat_sig, concat)
            .sigs(&["CONCAT(str STRING, ...) -> STRING", "CONCAT(bytes BYTES, ...) -> BYTES"]),
        Def::new(
            "concat_ws",
            "Concatenates strings or bytes with the first argument as separator, skipping NULLs.",
            concat_ws_sig,
            concat_ws,
        )
        .sigs(&[
            "CONCAT_WS(separator STRING, str STRING, ...) -> STRING",
            "CONCAT_WS(separator BYTES, bytes BYTES, ...) -> BYTES",
        ]),
        Def::new(
            "instr",
            "The 1-based position of the n-th occurrence of a substring, searching from a position (negative searches backwards); 0 when absent.",
            instr_sig,
            instr,
        )
        .sigs(&[
            "INSTR(str STRING, substring STRING) -> INT",
            "INSTR(str STRING, substring STRING, position INT) -> INT",
            "INSTR(str STRING, substring STRING, position INT, occurrence INT) -> INT",
        ]),
        Def::new("LPad", "Pads a string or bytes on the left to a length, truncating longer input.", pad_sig, lpad)
            .sigs(&[
                "LPAD(str STRING, length INT, padding STRING) -> STRING",
                "LPAD(bytes BYTES, length INT, padding BYTES) -> BYTES",
            ]),
        Def::new("RPad", "Pads a string or bytes on the right to a length, truncating longer input.", pad_sig, rpad)
            .sigs(&[
                "RPAD(str STRING, length INT, padding STRING) -> STRING",
                "RPAD(bytes BYTES, length INT, padding BYTES) -> BYTES",
            ]),
        Def::new(
            "initcap",
            "Capitalizes the first letter of each whitespace-separated word and lower-cases the rest.",
            str_to_str,
            initcap,
        )
        .sigs(&["INITCAP(str STRING) -> STRING"]),
        Def::new("replace", "Replaces every occurrence of a substring with another.", replace_sig, replace)
            .sigs(&["REPLACE(str STRING, substring STRING, replacement STRING) -> STRING"]),
        Def::new("Chr", "The character for a decimal code point or a '\\uXXXX' escape.", chr_sig, chr)
            .sigs(&["CHR(code INT) -> STRING", "CHR(escape STRING) -> STRING"]),
        Def::new("elt", "The n-th (1-based) of the string arguments, or NULL when out of range.", elt_sig, elt)
            .sigs(&["ELT(n INT, str STRING, ...) -> STRING"]),
        Def::new("field", "The 1-based position of a string among the following arguments, or 0.", field_sig, field)
            .sigs(&["FIELD(str STRING, candidate STRING, ...) -> INT"]),
        Def::new("UUID", "A random UUID, or the UUID in 16 bytes.", uuid_sig, uuid)
            .sigs(&["UUID() -> STRING", "UUID(bytes BYTES) -> STRING"])
            .volatile(),
        Def::new("md5", "The MD5 hash of a string, as 32 hex digits.", str_to_str, md5)
            .sigs(&["MD5(str STRING) -> STRING"]),
    ]
}

fn str_to_str(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str], STRING)])
}

fn map_str(c: &Call, f: impl Fn(&str) -> Option<String>) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "string function")?)?;
    Ok(string_rows(c.rows, |i| at(s, i).and_then(&f)))
}

fn ucase(c: &Call) -> Result<ArrayRef> {
    map_str(c, |s| Some(s.to_uppercase()))
}

fn lcase(c: &Call) -> Result<ArrayRef> {
    map_str(c, |s| Some(s.to_lowercase()))
}

/// Java's `String.trim`: strips every character up to U+0020, which
/// includes tabs and line breaks.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn trim(c: &Call) -> Result<ArrayRef> {
    map_str(c, |s| Some(java_trim(s).to_string()))
}

fn len_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str], DataType::Int32), (&[P::Bytes], DataType::Int32)])
}

fn len(c: &Call) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "LEN")?;
    if a.data_type() == &BYTES {
        let b = bins(a)?;
        return Ok(int_rows(c.rows, |i| at(b, i).map(|v| v.len() as i32)));
    }
    let s = strs(a)?;
    Ok(int_rows(c.rows, |i| at(s, i).map(|v| v.chars().count() as i32)))
}

fn substring_sig(t: &[DataType]) -> Resolved {
    first_of(
        t,
        &[
            (&[P::Str, P::Int], STRING),
            (&[P::Str, P::Int, P::Int], STRING),
            (&[P::Bytes, P::Int], BYTES),
            (&[P::Bytes, P::Int, P::Int], BYTES),
        ],
    )
}

/// ksqlDB's SUBSTRING bounds for a value of `len` units: a 1-based start,
/// negative counting from the end, clamped to the value.
fn substring_range(len: usize, pos: i32, length: Option<i32>) -> (usize, usize) {
    let len = len as i64;
    let pos = pos as i64;
    let start = if pos < 0 { (len + pos).max(0) } else { (pos - 1).min(len).max(0) };
    let end = match length {
        None => len,
        Some(l) => (start + l as i64).min(len).max(start),
    };
    (start as usize, end as usize)
}

/// The characters `start..end` of `s`.
fn char_slice(s: &str, start: usize, end: usize) -> &str {
    if s.is_ascii() {
        return &s[start..end];
    }
    let mut offsets = s.char_indices().map(|(i, _)| i).chain(std::iter::once(s.len()));
    let from = offsets.nth(start).unwrap_or(s.len());
    let to = if end > start { offsets.nth(end - start - 1).unwrap_or(s.len()) } else { from };
    &s[from..to]
}

fn substring(c: &Call) -> Result<ArrayRef> {
    let pos = ints(arg(c.args, 1, "SUBSTRING")?)?;
    let length = c.args.get(2).map(ints).transpose()?;
    // With a length argument, a NULL length makes the result NULL.
    let bounds = |i: usize, len: usize| -> Option<(usize, usize)> {
        let l = match length {
            Some(l) => Some(at(l, i)?),
            None => None,
        };
        Some(substring_range(len, at(pos, i)?, l))
    };
    let a = arg(c.args, 0, "SUBSTRING")?;
    if c.ret == &BYTES {
        let b = bins(a)?;
        return Ok(binary_rows(c.rows, |i| {
            let v = at(b, i)?;
            let (from, to) = bounds(i, v.len())?;
            Some(v[from..to].to_vec())
        }));
    }
    let s = strs(a)?;
    Ok(string_rows(c.rows, |i| {
        let v = at(s, i)?;
        let (from, to) = bounds(i, v.chars().count())?;
        Some(char_slice(v, from, to).to_string())
    }))
}

/// All strings or all bytes, at least `min` of them.
fn all_str_or_bytes(t: &[DataType], min: usize) -> Resolved {
    variadic(t, &[], P::Str, min)
        .map(|a| (a, STRING))
        .or_else(|| variadic(t, &[], P::Bytes, min).map(|a| (a, BYTES)))
        .ok_or(Reject::NoMatch)
}

fn concat_sig(t: &[DataType]) -> Resolved {
    all_str_or_bytes(t, 1)
}

/// Joins the non-NULL values of row `i` across `values`, with `sep`
/// between them. Works on strings and bytes alike.
fn join_row(values: &[ArrayRef], i: usize, sep: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut first = true;
    for v in values {
        let bytes: Option<&[u8]> =
            if v.data_type() == &BYTES { at(bins(v)?, i) } else { at(strs(v)?, i).map(str::as_bytes) };
        if let Some(bytes) = bytes {
            if !first {
                out.extend_from_slice(sep);
            }
            out.extend_from_slice(bytes);
            first = false;
        }
    }
    Ok(out)
}

fn joined(c: &Call, rows: Vec<Option<Vec<u8>>>) -> ArrayRef {
    let mut rows = rows.into_iter();
    if c.ret == &BYTES {
        return binary_rows(c.rows, |_| rows.next().flatten());
    }
    // Every piece was valid UTF-8, so the join is too.
    string_rows(c.rows, |_| rows.next().flatten().and_then(|v| String::from_utf8(v).ok()))
}

fn concat(c: &Call) -> Result<ArrayRef> {
    // ksqlDB throws for fewer than two arguments, which nulls the column.
    let rows = (0..c.rows)
        .map(|i| if c.args.len() < 2 { Ok(None) } else { join_row(c.args, i, b"").map(Some) })
        .collect::<Result<Vec<_>>>()?;
    Ok(joined(c, rows))
}

fn concat_ws_sig(t: &[DataType]) -> Resolved {
    all_str_or_bytes(t, 2)
}

fn concat_ws(c: &Call) -> Result<ArrayRef> {
    let sep = arg(c.args, 0, "CONCAT_WS")?;
    let rows = (0..c.rows)
        .map(|i| {
            let sep: Option<Vec<u8>> = if sep.data_type() == &BYTES {
                at(bins(sep)?, i).map(<[u8]>::to_vec)
            } else {
                at(strs(sep)?, i).map(|s| s.as_bytes().to_vec())
            };
            match sep {
                None => Ok(None),
                Some(sep) => join_row(&c.args[1..], i, &sep).map(Some),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(joined(c, rows))
}

fn instr_sig(t: &[DataType]) -> Resolved {
    first_of(
        t,
        &[
            (&[P::Str, P::Str], DataType::Int32),
            (&[P::Str, P::Str, P::Int], DataType::Int32),
            (&[P::Str, P::Str, P::Int, P::Int], DataType::Int32),
        ],
    )
}

/// Apache Commons' `ordinalIndexOf`: the index of the `n`-th (overlapping)
/// occurrence of `needle`, or None.
fn ordinal_index_of(hay: &[char], needle: &[char], n: i32) -> Option<usize> {
    if n <= 0 || needle.len() > hay.len() {
        return None;
    }
    let mut found = 0;
    for start in 0..=hay.len() - needle.len() {
        if hay[start..start + needle.len()] == *needle {
            found += 1;
            if found == n {
                return Some(start);
            }
        }
    }
    None
}

/// ksqlDB's INSTR: a negative position searches the reversed string.
pub(crate) fn instr_value(s: &str, sub: &str, position: i32, occurrence: i32) -> i32 {
    let mut hay: Vec<char> = s.chars().collect();
    let mut needle: Vec<char> = sub.chars().collect();
    let len = hay.len() as i64;
    let position = position as i64;
    if position.abs() > len {
        return 0;
    }
    let reversed = position < 0;
    if reversed {
        hay.reverse();
        needle.reverse();
    }
    let pos = position.abs();
    // Commons `substring(str, pos - 1)`: a negative start counts from the end.
    let mut from = pos - 1;
    if from < 0 {
        from += len;
    }
    let from = from.clamp(0, len) as usize;
    match ordinal_index_of(&hay[from..], &needle, occurrence) {
        None => 0,
        Some(i) if reversed => (len - pos - i as i64) as i32,
        Some(i) => (i as i64 + pos) as i32,
    }
}

fn instr(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "INSTR")?)?;
    let sub = strs(arg(c.args, 1, "INSTR")?)?;
    let position = c.args.get(2).map(ints).transpose()?;
    let occurrence = c.args.get(3).map(ints).transpose()?;
    Ok(int_rows(c.rows, |i| {
        // The position and occurrence are Java `int`s: NULL fails the call.
        let position = match position {
            Some(p) => at(p, i)?,
            None => 1,
        };
        let occurrence = match occurrence {
            Some(o) => at(o, i)?,
            None => 1,
        };
        match (at(s, i), at(sub, i)) {
            (Some(s), Some(sub)) => Some(instr_value(s, sub, position, occurrence)),
            _ => Some(0),
        }
    }))
}

fn pad_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Int, P::Str], STRING), (&[P::Bytes, P::Int, P::Bytes], BYTES)])
}

/// Longer results would exhaust memory (ksqlDB fails with an
/// OutOfMemoryError); Sluice gives NULL instead.
const MAX_PAD: usize = 16 * 1024 * 1024;

/// Pads `input` to `target` units by cycling `padding` on one side.
fn pad<T: Clone>(input: &[T], target: i32, padding: &[T], left: bool) -> Option<Vec<T>> {
    if padding.is_empty() || target < 0 || target as usize > MAX_PAD {
        return None;
    }
    let target = target as usize;
    if input.len() >= target {
        return Some(input[..target].to_vec());
    }
    let fill = padding.iter().cycle().take(target - input.len()).cloned();
    Some(if left {
        fill.chain(input.iter().cloned()).collect()
    } else {
        input.iter().cloned().chain(fill).collect()
    })
}

fn pad_call(c: &Call, left: bool) -> Result<ArrayRef> {
    let len = ints(arg(c.args, 1, "PAD")?)?;
    let (a, p) = (arg(c.args, 0, "PAD")?, arg(c.args, 2, "PAD")?);
    if c.ret == &BYTES {
        let (a, p) = (bins(a)?, bins(p)?);
        return Ok(binary_rows(c.rows, |i| pad(at(a, i)?, at(len, i)?, at(p, i)?, left)));
    }
    let (a, p) = (strs(a)?, strs(p)?);
    Ok(string_rows(c.rows, |i| {
        let input: Vec<char> = at(a, i)?.chars().collect();
        let padding: Vec<char> = at(p, i)?.chars().collect();
        pad(&input, at(len, i)?, &padding, left).map(|v| v.into_iter().collect())
    }))
}

fn lpad(c: &Call) -> Result<ArrayRef> {
    pad_call(c, true)
}

fn rpad(c: &Call) -> Result<ArrayRef> {
    pad_call(c, false)
}

/// Java's `\s`: space, tab, line feed, vertical tab, form feed, return.
fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// ksqlDB joins the matches of `[^\s]+\s*` in the lower-cased string with
/// each match's first letter upper-cased, so leading whitespace is dropped.
pub(crate) fn initcap_value(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut word_start = true;
    for ch in lower.trim_start_matches(is_java_space).chars() {
        if is_java_space(ch) {
            word_start = true;
            out.push(ch);
        } else if word_start {
            out.extend(ch.to_uppercase());
            word_start = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn initcap(c: &Call) -> Result<ArrayRef> {
    map_str(c, |s| Some(initcap_value(s)))
}

fn replace_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str, P::Str], STRING)])
}

fn replace(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "REPLACE")?)?;
    let old = strs(arg(c.args, 1, "REPLACE")?)?;
    let new = strs(arg(c.args, 2, "REPLACE")?)?;
    Ok(string_rows(c.rows, |i| {
        let (s, old, new) = (at(s, i)?, at(old, i)?, at(new, i)?);
        // Java's `replace("", x)` inserts x between every character.
        Some(if old.is_empty() {
            let mut out = new.to_string();
            for ch in s.chars() {
                out.push(ch);
                out.push_str(new);
            }
            out
        } else {
            s.replace(old, new)
        })
    }))
}

fn chr_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Int], STRING), (&[P::Str], STRING)])
}

/// Decodes `\uXXXX` escapes (surrogate pairs included); other characters
/// stand for themselves, as in Commons' `unescapeJava`.
fn unescape_utf16(s: &str) -> Option<String> {
    let mut units: Vec<u16> = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(hex) = rest.strip_prefix("\\u") {
            let code = hex.get(..4).and_then(|h| u16::from_str_radix(h, 16).ok())?;
            units.push(code);
            rest = &hex[4..];
        } else {
            let ch = rest.chars().next()?;
            let mut buf = [0u16; 2];
            units.extend_from_slice(ch.encode_utf16(&mut buf));
            rest = &rest[ch.len_utf8()..];
        }
    }
    String::from_utf16(&units).ok()
}

fn chr(c: &Call) -> Result<ArrayRef> {
    let a = arg(c.args, 0, "CHR")?;
    if a.data_type() == &DataType::Int32 {
        let codes = ints(a)?;
        // Lone surrogates are valid Java code points but not Rust chars.
        return Ok(string_rows(c.rows, |i| {
            u32::try_from(at(codes, i)?).ok().and_then(char::from_u32).map(String::from)
        }));
    }
    let s = strs(a)?;
    Ok(string_rows(c.rows, |i| {
        let v = at(s, i)?;
        if v.chars().count() < 6 || !v.starts_with("\\u") {
            return None;
        }
        unescape_utf16(v)
    }))
}

fn elt_sig(t: &[DataType]) -> Resolved {
    variadic(t, &[P::Int], P::Str, 0).map(|a| (a, STRING)).ok_or(Reject::NoMatch)
}

fn elt(c: &Call) -> Result<ArrayRef> {
    let n = ints(arg(c.args, 0, "ELT")?)?;
    let values = c.args.get(1..).unwrap_or(&[]).iter().map(strs).collect::<Result<Vec<_>>>()?;
    Ok(string_rows(c.rows, |i| {
        let n = usize::try_from(at(n, i)?).ok()?;
        let values = values.get(n.checked_sub(1)?)?;
        at(*values, i).map(str::to_string)
    }))
}

fn field_sig(t: &[DataType]) -> Resolved {
    variadic(t, &[P::Str], P::Str, 0).map(|a| (a, DataType::Int32)).ok_or(Reject::NoMatch)
}

fn field(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "FIELD")?)?;
    let values = c.args.get(1..).unwrap_or(&[]).iter().map(strs).collect::<Result<Vec<_>>>()?;
    Ok(int_rows(c.rows, |i| {
        let Some(s) = at(s, i) else { return Some(0) };
        let found = values.iter().position(|v| at(*v, i) == Some(s));
        Some(found.map_or(0, |p| p as i32 + 1))
    }))
}

fn uuid_sig(t: &[DataType]) -> Resolved {
    exact(t, &[]).or_else(|| exact(t, &[P::Bytes])).map(|a| (a, STRING)).ok_or(Reject::NoMatch)
}

fn uuid(c: &Call) -> Result<ArrayRef> {
    match c.args.first() {
        None => Ok(string_rows(c.rows, |_| Some(uuid::Uuid::new_v4().to_string()))),
        Some(a) => {
            let b = bins(a)?;
            Ok(string_rows(c.rows, |i| uuid::Uuid::from_slice(at(b, i)?).ok().map(|u| u.to_string())))
        }
    }
}

fn md5(c: &Call) -> Result<ArrayRef> {
    map_str(c, |s| Some(super::bytes::hex_lower(&Md5::digest(s.as_bytes()))))
}

#[cfg(test)]
#[path = "string_tests.rs"]
mod tests;
