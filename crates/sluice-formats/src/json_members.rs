//! The members of a top-level JSON object matched to columns, and the direct
//! scan of the usual record: a flat object of plain scalars.
//!
//! The scan reads the payload's bytes once, without serde_json and without
//! checking the whole payload's UTF-8 first: outside strings it accepts ASCII
//! bytes only (JSON's punctuation, blanks, numbers, `true`, `false`, `null`),
//! and it checks the UTF-8 of every string it reads, so a payload it accepts is
//! valid UTF-8. Anything else (nested values, escapes, invalid JSON or UTF-8)
//! is left to the general path, which reports what is wrong with it.

use arrow::datatypes::Fields;
use serde_json::value::RawValue;

/// How well a member's name matches a column or struct field called `name`:
/// exactly (2), once upper-cased (1: ksqlDB upper-cases unquoted names), or
/// not at all (0).
#[inline]
pub(crate) fn name_match(key: &str, name: &str) -> u8 {
    if key.is_ascii() {
        // An ASCII name upper-cases byte by byte, and both comparisons are
        // made in one pass over these short names (a fast path: this runs
        // for every member and column of every record; a call to memcmp
        // per comparison was a visible share of the profile).
        if key.len() != name.len() {
            return 0;
        }
        let (mut exact, mut upper) = (true, true);
        for (a, b) in key.bytes().zip(name.bytes()) {
            exact &= a == b;
            upper &= a.to_ascii_uppercase() == b;
        }
        return if exact { 2 } else { u8::from(upper) };
    }
    if key == name {
        2
    } else {
        u8::from(key.chars().flat_map(char::to_uppercase).eq(name.chars()))
    }
}

/// A member's value as a column takes it. Plain borrowed data, so that the
/// slots of a record cost no drop.
#[derive(Clone, Copy)]
pub(crate) enum Member<'a> {
    /// Any value, still raw text (serde_json's parse).
    Raw(&'a RawValue),
    /// A value the scan of a flat object read.
    Scalar(Scalar<'a>),
}

/// A number, a string without escapes, a boolean or null, as the scan of a
/// flat object reads them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    /// A number as written (ASCII: the scan takes only JSON's number
    /// grammar), and its value when it is a plain integer of at most 18
    /// digits (as [`crate::text::plain_integer`] reads it), worked out
    /// while scanning its digits.
    Number(&'a [u8], Option<i64>),
    Text(&'a str),
}

/// Per column, the best member of a record so far: its rank (see
/// [`name_match`]) and value.
pub(crate) type Slot<'a> = Option<(u8, Member<'a>)>;

/// Whether a member's name can match one column at most: no column is
/// called what another one's name is upper-cased (a member matches a
/// column of its own name, or of its upper-cased name, see [`name_match`]).
pub(crate) fn one_column_per_member(fields: &Fields) -> bool {
    let upper: Vec<String> = fields.iter().map(|f| f.name().to_uppercase()).collect();
    fields.iter().enumerate().all(|(i, f)| upper.iter().enumerate().all(|(j, u)| i == j || f.name() != u))
}

/// A member name seen at one place of an object, and where it goes.
struct Seen {
    /// The name between its quotes, as the payload writes it: the name has
    /// no quote, backslash or control character (other names are not
    /// remembered), so payload bytes that start with these are that name.
    quoted: Vec<u8>,
    /// A quoted name of up to eight bytes as a word, and the mask of its
    /// bytes: recognised by one compare rather than a call to memcmp.
    word: Option<(u64, u64)>,
    /// Its column and rank, if it has one.
    column: Option<(usize, u8)>,
}

impl Seen {
    fn is(&self, key: &str) -> bool {
        self.quoted.len() == key.len() + 2 && &self.quoted[1..self.quoted.len() - 1] == key.as_bytes()
    }
}

/// Which column each member of an object goes to, remembered by the
/// member's place in the object: the records of a topic mostly have the
/// same members in the same order, so a member is matched against its
/// columns once per batch rather than once per record. Only when a member
/// can match one column at most ([`one_column_per_member`]); otherwise every
/// member is matched against every column.
pub(crate) struct MemberColumns {
    one_column: bool,
    /// By place in the object.
    seen: Vec<Option<Seen>>,
}

impl MemberColumns {
    pub(crate) fn new(one_column: bool) -> Self {
        MemberColumns { one_column, seen: Vec::new() }
    }

    /// The column of the member whose name starts `at` (at its opening
    /// quote), at `position` in its object, if that name was seen there
    /// before: the length of the quoted name, and its column.
    #[inline]
    fn remembered(&self, position: usize, at: &[u8]) -> Option<(usize, Option<(usize, u8)>)> {
        let seen = self.seen.get(position)?.as_ref()?;
        let same = match (seen.word, at.first_chunk::<8>()) {
            (Some((word, mask)), Some(first)) => u64::from_le_bytes(*first) & mask == word,
            _ => at.starts_with(&seen.quoted),
        };
        same.then_some((seen.quoted.len(), seen.column))
    }

    /// Offers the member `key`, at `position` in its object, to the
    /// columns it matches, keeping for each the best match (the last of
    /// equally good ones, as the general lookup picks).
    pub(crate) fn offer<'a>(
        &mut self,
        fields: &Fields,
        slots: &mut [Slot<'a>],
        position: usize,
        key: &str,
        value: Member<'a>,
    ) {
        let columns = slots.len().min(fields.len());
        if !self.one_column {
            for at in 0..columns {
                let rank = name_match(key, fields[at].name());
                if rank > 0 {
                    keep(slots, at, rank, value);
                }
            }
            return;
        }
        let column = match self.seen.get(position) {
            Some(Some(seen)) if seen.is(key) => seen.column,
            _ => {
                let column = (0..columns).find_map(|at| {
                    let rank = name_match(key, fields[at].name());
                    (rank > 0).then_some((at, rank))
                });
                if position >= self.seen.len() {
                    self.seen.resize_with(position + 1, || None);
                }
                let plain = !key.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
                self.seen[position] = plain.then(|| {
                    let mut quoted = Vec::with_capacity(key.len() + 2);
                    quoted.push(b'"');
                    quoted.extend_from_slice(key.as_bytes());
                    quoted.push(b'"');
                    let word = (quoted.len() <= 8).then(|| {
                        let mut word = [0u8; 8];
                        word[..quoted.len()].copy_from_slice(&quoted);
                        let mask = u64::MAX >> (8 * (8 - quoted.len()));
                        (u64::from_le_bytes(word), mask)
                    });
                    Seen { quoted, word, column }
                });
                column
            }
        };
        if let Some((at, rank)) = column {
            keep(slots, at, rank, value);
        }
    }
}

/// Keeps `value` for column `at` unless a better match is there already.
#[inline]
fn keep<'a>(slots: &mut [Slot<'a>], at: usize, rank: u8, value: Member<'a>) {
    if let Some(slot) = slots.get_mut(at) {
        if slot.as_ref().is_none_or(|(best, _)| rank >= *best) {
            *slot = Some((rank, value));
        }
    }
}

/// Reads `bytes` as a JSON object whose members are all numbers, strings
/// without escapes, booleans or null, under names without escapes, into
/// `slots` (one per column of `fields`, all empty to begin with). Returns
/// `None` as soon as the text is anything else (nested values, escapes,
/// invalid JSON, invalid UTF-8); the caller then parses it with serde_json,
/// which gives the values, or the error, in full. This is the shape of most
/// records, and reading it directly costs a fraction of serde_json's pass
/// that keeps every value's raw text.
///
/// The scan moves a slice of the bytes not read yet (`rest`) along rather
/// than an index into them: each step takes what it reads off its front,
/// which checks its length once instead of at every access.
pub(crate) fn scan_flat_object<'a>(
    bytes: &'a [u8],
    fields: &Fields,
    columns: &mut MemberColumns,
    slots: &mut [Slot<'a>],
) -> Option<()> {
    let mut rest = skip_blanks(bytes).strip_prefix(b"{")?;
    rest = skip_blanks(rest);
    if let Some(after) = rest.strip_prefix(b"}") {
        rest = after;
    } else {
        let mut position = 0;
        loop {
            // The member's name: most often the one seen at this place
            // before, recognised by its bytes; else read and checked.
            let key = match columns.remembered(position, rest) {
                Some((length, column)) => {
                    rest = rest.get(length..)?;
                    Err(column)
                }
                None => {
                    let (key, after) = plain_string(rest)?;
                    rest = after;
                    Ok(std::str::from_utf8(key).ok()?)
                }
            };
            rest = skip_blanks(skip_blanks(rest).strip_prefix(b":")?);
            let (value, after) = scalar(rest)?;
            rest = after;
            match key {
                Err(Some((at, rank))) => keep(slots, at, rank, Member::Scalar(value)),
                Err(None) => {}
                Ok(key) => columns.offer(fields, slots, position, key, Member::Scalar(value)),
            }
            position += 1;
            match skip_blanks(rest).split_first()? {
                (b',', after) => rest = skip_blanks(after),
                (b'}', after) => {
                    rest = after;
                    break;
                }
                _ => return None,
            }
        }
    }
    skip_blanks(rest).is_empty().then_some(())
}

/// The scalar value `rest` starts with, and what follows it.
#[inline]
fn scalar(rest: &[u8]) -> Option<(Scalar<'_>, &[u8])> {
    match *rest.first()? {
        b'"' => {
            let (text, after) = plain_string(rest)?;
            Some((Scalar::Text(std::str::from_utf8(text).ok()?), after))
        }
        b'-' | b'0'..=b'9' => {
            let (length, integer) = number(rest)?;
            let (text, after) = rest.split_at_checked(length)?;
            Some((Scalar::Number(text, integer), after))
        }
        first => {
            let (scalar, word): (Scalar, &[u8]) = match first {
                b't' => (Scalar::Bool(true), b"true"),
                b'f' => (Scalar::Bool(false), b"false"),
                b'n' => (Scalar::Null, b"null"),
                _ => return None,
            };
            Some((scalar, rest.strip_prefix(word)?))
        }
    }
}

/// `bytes` after any JSON blanks they start with. Records are mostly
/// written without blanks: a byte above the space is all this looks at then
/// (one compare, not four, at each of the several places per member where
/// blanks may be).
#[inline(always)]
fn skip_blanks(bytes: &[u8]) -> &[u8] {
    match bytes.first() {
        Some(&byte) if byte <= b' ' => skip_some_blanks(bytes),
        _ => bytes,
    }
}

/// [`skip_blanks`] once a byte at or below the space starts `bytes`.
fn skip_some_blanks(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\n' | b'\r', after @ ..] = bytes {
        bytes = after;
    }
    bytes
}

/// The contents of the string whose opening quote starts `quoted`, and what
/// follows its closing quote; `None` if it has escapes or control
/// characters (or no end). The contents' UTF-8 is not checked.
#[inline]
fn plain_string(quoted: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = quoted.strip_prefix(b"\"")?;
    let length = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    match rest.split_at(length) {
        (contents, [b'"', after @ ..]) => Some((contents, after)),
        _ => None,
    }
}

/// The length of the JSON number `text` starts with, by JSON's grammar
/// (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`), if there is one
/// and it is followed by a byte that can end it; and its value, if it is a
/// plain integer of at most 18 digits (which cannot overflow an `i64`).
#[inline]
fn number(text: &[u8]) -> Option<(usize, Option<i64>)> {
    let (negative, unsigned) = match text {
        [b'-', after @ ..] => (true, after),
        _ => (false, text),
    };
    // One digit at a time: the usual integers are short, and this loop is a
    // handful of instructions per digit (reading eight at a time, as a word,
    // cost as much in all for the 2 to 13 digits of usual records).
    // Wrapping: a value of more than 18 digits is not used.
    let mut value: u64 = 0;
    let mut after = unsigned;
    while let [digit @ b'0'..=b'9', rest @ ..] = after {
        value = value.wrapping_mul(10).wrapping_add(u64::from(digit - b'0'));
        after = rest;
    }
    let digits = unsigned.len() - after.len();
    // "01" is not a number followed by something else: let serde_json say
    // what is wrong.
    if digits == 0 || matches!(unsigned, [b'0', b'0'..=b'9', ..]) {
        return None;
    }
    let length = usize::from(negative) + digits;
    match after.first() {
        Some(b'.' | b'e' | b'E') => {
            let length = fraction_and_exponent(text, length)?;
            ends_number(text.get(length)).then_some((length, None))
        }
        // "1x" is not a number followed by something else either.
        next if ends_number(next) => {
            // At most 18 digits fit an i64, sign and all.
            let value = value as i64;
            Some((length, (digits <= 18).then_some(if negative { value.wrapping_neg() } else { value })))
        }
        _ => None,
    }
}

/// Whether a number may end before `next` (the byte after it, if any).
#[inline(always)]
fn ends_number(next: Option<&u8>) -> bool {
    matches!(next, None | Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}'))
}

/// The end of a number's fraction and exponent, which start at `at` (each
/// optional); `None` if either has no digits. Out of line: most numbers of
/// records are integers.
#[cold]
#[inline(never)]
fn fraction_and_exponent(text: &[u8], mut at: usize) -> Option<usize> {
    let digits = |from: usize| {
        text.get(from..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
    };
    if text.get(at) == Some(&b'.') {
        let fraction = digits(at + 1);
        if fraction == 0 {
            return None;
        }
        at += 1 + fraction;
    }
    if let Some(b'e' | b'E') = text.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = text.get(at) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent == 0 {
            return None;
        }
        at += exponent;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever byte follows a digit, the number ends there (if the byte can
    /// end a number), goes on (a digit, a fraction or an exponent), or is no
    /// number.
    #[test]
    fn numbers_end_at_any_byte_after_a_digit() {
        for byte in 0..=255u8 {
            let text = [b'4', byte, b'2', b','];
            let expected = match byte {
                b'0'..=b'9' => Some((3, Some(400 + 10 * i64::from(byte - b'0') + 2))),
                b'.' | b'e' | b'E' => Some((3, None)),
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b'}' => Some((1, Some(4))),
                _ => None,
            };
            assert_eq!(number(&text), expected, "{byte}");
        }
    }

    /// Numbers end where JSON's grammar ends them, and plain integers of up
    /// to 18 digits get their value.
    #[test]
    fn numbers_scan_by_json_grammar() {
        // The text, and its end and value if it is a number.
        type Case = (&'static str, Option<(usize, Option<i64>)>);
        let cases: &[Case] = &[
            ("0}", Some((1, Some(0)))),
            ("12345678", Some((8, Some(12_345_678)))),
            ("1234567890123456", Some((16, Some(1_234_567_890_123_456)))),
            ("-0,", Some((2, Some(0)))),
            ("1699999999650}", Some((13, Some(1_699_999_999_650)))),
            ("-123456789012345678", Some((19, Some(-123_456_789_012_345_678)))),
            ("1234567890123456789", Some((19, None))),
            ("-9223372036854775808}", Some((20, None))),
            ("12345678901234567890 ", Some((20, None))),
            ("1.5", Some((3, None))),
            ("-2e10}", Some((5, None))),
            ("3E+2", Some((4, None))),
            ("01", None),
            ("1.", None),
            ("1e", None),
            ("-", None),
            ("12x", None),
            // Longer texts: the number ends where its digits do.
            ("1699999999650,\"amount\":1}", Some((13, Some(1_699_999_999_650)))),
            ("12345678,\"abcdefgh\"", Some((8, Some(12_345_678)))),
            ("1234567812345678}xxxxxxxx", Some((16, Some(1_234_567_812_345_678)))),
            ("-7,\"abcdefgh\"", Some((2, Some(-7)))),
            ("0123456789abcdef", None),
            ("123456789012345678901234,\"x\":1}", Some((24, None))),
            ("12345678.25e-3,\"abcdefgh\"", Some((14, None))),
            ("123456789x,\"abcdefgh\"", None),
        ];
        for &(text, expected) in cases {
            assert_eq!(number(text.as_bytes()), expected, "{text}");
        }
    }
}
