//! Conversions between BYTES, STRING and numbers: TO_BYTES, FROM_BYTES,
//! ENCODE, INT_FROM_BYTES, BIGINT_FROM_BYTES, DOUBLE_FROM_BYTES.
//!
//! The encodings are ksqlDB's (`BytesUtils`): `hex` (upper-case when
//! encoding), `utf8`, `ascii` (non-ASCII becomes `?` one way and U+FFFD the
//! other, as in Java), and `base64` (Java's MIME coder: lines of 76
//! characters when encoding, non-alphabet characters skipped when decoding).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use super::args::*;
use super::udf::{first_of, Call, Def, Resolved, BYTES, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new(
            "to_bytes",
            "Converts a string in an encoding ('hex', 'utf8', 'ascii' or 'base64') to BYTES.",
            to_bytes_sig,
            to_bytes,
        )
        .sigs(&["TO_BYTES(str STRING, encoding STRING) -> BYTES"]),
        Def::new(
            "from_bytes",
            "Converts BYTES to a string in an encoding ('hex', 'utf8', 'ascii' or 'base64').",
            from_bytes_sig,
            from_bytes,
        )
        .sigs(&["FROM_BYTES(bytes BYTES, encoding STRING) -> STRING"]),
        Def::new(
            "encode",
            "Re-encodes a string from one encoding ('hex', 'utf8', 'ascii', 'base64') to another.",
            encode_sig,
            encode,
        )
        .sigs(&["ENCODE(str STRING, input_encoding STRING, output_encoding STRING) -> STRING"]),
        Def::new(
            "int_from_bytes",
            "Reads an INT from 4 bytes, big-endian unless 'LITTLE_ENDIAN' is given.",
            |t| number_sig(t, DataType::Int32),
            |c| from_number_bytes(c, 4),
        )
        .sigs(&[
            "INT_FROM_BYTES(bytes BYTES) -> INT",
            "INT_FROM_BYTES(bytes BYTES, byte_order STRING) -> INT",
        ]),
        Def::new(
            "bigint_from_bytes",
            "Reads a BIGINT from 8 bytes, big-endian unless 'LITTLE_ENDIAN' is given.",
            |t| number_sig(t, DataType::Int64),
            |c| from_number_bytes(c, 8),
        )
        .sigs(&[
            "BIGINT_FROM_BYTES(bytes BYTES) -> BIGINT",
            "BIGINT_FROM_BYTES(bytes BYTES, byte_order STRING) -> BIGINT",
        ]),
        Def::new(
            "double_from_bytes",
            "Reads a DOUBLE from 8 bytes, big-endian unless 'LITTLE_ENDIAN' is given.",
            |t| number_sig(t, DataType::Float64),
            |c| from_number_bytes(c, 8),
        )
        .sigs(&[
            "DOUBLE_FROM_BYTES(bytes BYTES) -> DOUBLE",
            "DOUBLE_FROM_BYTES(bytes BYTES, byte_order STRING) -> DOUBLE",
        ]),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Hex,
    Utf8,
    Ascii,
    Base64,
}

impl Encoding {
    pub(crate) fn parse(name: &str) -> Option<Encoding> {
        match name.to_ascii_lowercase().as_str() {
            "hex" => Some(Encoding::Hex),
            "utf8" => Some(Encoding::Utf8),
            "ascii" => Some(Encoding::Ascii),
            "base64" => Some(Encoding::Base64),
            _ => None,
        }
    }
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Hex digits of either case, an even number of them.
fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Java's MIME base64 encoder: 76-character lines separated by CRLF.
fn base64_mime(bytes: &[u8]) -> String {
    let flat = STANDARD.encode(bytes);
    let lines: Vec<&str> =
        flat.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    lines.join("\r\n")
}

/// Java's MIME base64 decoder ignores characters outside the alphabet.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: String =
        s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')).collect();
    let trimmed = clean.trim_end_matches('=');
    // Padding is optional for Java's decoder.
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed).ok()
}

/// Java decodes bytes that are not ASCII as U+FFFD.
fn ascii_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| if b.is_ascii() { b as char } else { '\u{FFFD}' }).collect()
}

pub(crate) fn encode_bytes(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Hex => hex_upper(bytes),
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Ascii => ascii_string(bytes),
        Encoding::Base64 => base64_mime(bytes),
    }
}

pub(crate) fn decode_string(s: &str, encoding: Encoding) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Hex => hex_decode(s),
        Encoding::Utf8 => Some(s.as_bytes().to_vec()),
        // Java replaces unmappable characters with '?'.
        Encoding::Ascii => Some(s.chars().map(|c| if c.is_ascii() { c as u8 } else { b'?' }).collect()),
        Encoding::Base64 => base64_decode(s),
    }
}

fn to_bytes_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str], BYTES)])
}

fn to_bytes(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "TO_BYTES")?)?;
    let e = strs(arg(c.args, 1, "TO_BYTES")?)?;
    Ok(binary_rows(c.rows, |i| decode_string(at(s, i)?, Encoding::parse(at(e, i)?)?)))
}

fn from_bytes_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Bytes, P::Str], STRING)])
}

fn from_bytes(c: &Call) -> Result<ArrayRef> {
    let b = bins(arg(c.args, 0, "FROM_BYTES")?)?;
    let e = strs(arg(c.args, 1, "FROM_BYTES")?)?;
    Ok(string_rows(c.rows, |i| Some(encode_bytes(at(b, i)?, Encoding::parse(at(e, i)?)?))))
}

fn encode_sig(t: &[DataType]) -> Resolved {
    first_of(t, &[(&[P::Str, P::Str, P::Str], STRING)])
}

/// ENCODE's hex input may be written `0x..` (an odd digit count gets a
/// leading zero) or `X'..'`.
fn hex_strip(s: &str) -> String {
    if let Some(digits) = s.strip_prefix("0x") {
        return if !s.len().is_multiple_of(2) { format!("0{digits}") } else { digits.to_string() };
    }
    if s.len() >= 3 && (s.starts_with("X'") || s.starts_with("x'")) && s.ends_with('\'') {
        return s[2..s.len() - 1].to_string();
    }
    s.to_string()
}

pub(crate) fn encode_value(s: &str, from: &str, to: &str) -> Option<String> {
    let from = Encoding::parse(from)?;
    let to = Encoding::parse(to)?;
    if from == to {
        // ksqlDB has no converter for an encoding to itself and fails.
        return None;
    }
    let bytes = match from {
        Encoding::Hex => hex_decode(&hex_strip(s))?,
        Encoding::Utf8 => s.as_bytes().to_vec(),
        Encoding::Ascii => decode_string(s, Encoding::Ascii)?,
        Encoding::Base64 => base64_decode(s)?,
    };
    Some(match to {
        // ENCODE writes lower-case hex and unbroken base64, unlike FROM_BYTES.
        Encoding::Hex => hex_lower(&bytes),
        Encoding::Base64 => STANDARD.encode(&bytes),
        Encoding::Utf8 => String::from_utf8_lossy(&bytes).into_owned(),
        Encoding::Ascii => ascii_string(&bytes),
    })
}

fn encode(c: &Call) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "ENCODE")?)?;
    let from = strs(arg(c.args, 1, "ENCODE")?)?;
    let to = strs(arg(c.args, 2, "ENCODE")?)?;
    Ok(string_rows(c.rows, |i| encode_value(at(s, i)?, at(from, i)?, at(to, i)?)))
}

fn number_sig(t: &[DataType], ret: DataType) -> Resolved {
    first_of(t, &[(&[P::Bytes], ret.clone()), (&[P::Bytes, P::Str], ret)])
}

/// Exactly `width` bytes in the given order; anything else fails the call.
fn ordered(bytes: &[u8], width: usize, order: Option<&str>) -> Option<Vec<u8>> {
    if bytes.len() != width {
        return None;
    }
    let mut v = bytes.to_vec();
    match order.map(str::to_ascii_uppercase).as_deref() {
        None | Some("BIG_ENDIAN") => {}
        Some("LITTLE_ENDIAN") => v.reverse(),
        Some(_) => return None,
    }
    Some(v)
}

fn from_number_bytes(c: &Call, width: usize) -> Result<ArrayRef> {
    let b = bins(arg(c.args, 0, "FROM_BYTES")?)?;
    let order = c.args.get(1).map(strs).transpose()?;
    let row = |i: usize| -> Option<Vec<u8>> {
        let order = match order {
            Some(o) => Some(at(o, i)?),
            None => None,
        };
        ordered(at(b, i)?, width, order)
    };
    Ok(match c.ret {
        DataType::Int32 => int_rows(c.rows, |i| Some(i32::from_be_bytes(row(i)?.try_into().ok()?))),
        DataType::Int64 => bigint_rows(c.rows, |i| Some(i64::from_be_bytes(row(i)?.try_into().ok()?))),
        _ => double_rows(c.rows, |i| Some(f64::from_be_bytes(row(i)?.try_into().ok()?))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip_like_java() {
        assert_eq!(encode_bytes(b"\x01\xab", Encoding::Hex), "01AB");
        assert_eq!(decode_string("01ab", Encoding::Hex), Some(vec![1, 0xab]));
        assert_eq!(decode_string("abc", Encoding::Hex), None);
        assert_eq!(encode_bytes(&[b'a', 0xff], Encoding::Ascii), "a\u{FFFD}");
        assert_eq!(decode_string("aé", Encoding::Ascii), Some(vec![b'a', b'?']));
        assert_eq!(encode_bytes(b"hello", Encoding::Base64), "aGVsbG8=");
        assert_eq!(decode_string("aGVs\r\nbG8", Encoding::Base64), Some(b"hello".to_vec()));
        assert_eq!(base64_mime(&[0u8; 60]).split("\r\n").count(), 2);
    }

    #[test]
    fn encode_strips_hex_prefixes() {
        assert_eq!(encode_value("4578616d706C6521", "hex", "ascii").as_deref(), Some("Example!"));
        assert_eq!(encode_value("0x4578616d706C6521", "hex", "utf8").as_deref(), Some("Example!"));
        assert_eq!(encode_value("X'4578616d706C6521'", "hex", "base64").as_deref(), Some("RXhhbXBsZSE="));
        assert_eq!(encode_value("0x578616d706C6521", "hex", "utf8").as_deref(), Some("\u{5}xample!"));
        assert_eq!(encode_value("x''", "hex", "utf8").as_deref(), Some(""));
        assert_eq!(encode_value("X'", "hex", "utf8"), None);
        assert_eq!(encode_value("0x0x", "hex", "utf8"), None);
        assert_eq!(encode_value("RXhhbXBsZSE=", "base64", "null"), None);
        assert_eq!(
            encode_value("ce95cebb", "hex", "ascii").as_deref(),
            Some("\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")
        );
        assert_eq!(encode_value("Ab", "utf8", "hex").as_deref(), Some("4162"));
    }

    #[test]
    fn numbers_need_the_exact_width() {
        assert_eq!(ordered(&[0, 0, 0, 1], 4, None), Some(vec![0, 0, 0, 1]));
        assert_eq!(ordered(&[1, 0, 0, 0], 4, Some("little_endian")), Some(vec![0, 0, 0, 1]));
        assert_eq!(ordered(&[1, 0, 0], 4, None), None);
        assert_eq!(ordered(&[1, 0, 0, 0], 4, Some("middle")), None);
    }
}
