//! MASK, MASK_LEFT, MASK_RIGHT, MASK_KEEP_LEFT and MASK_KEEP_RIGHT.
//!
//! By default upper-case letters become `X`, lower-case letters `x`, digits
//! `n` and anything else `-`. The optional four arguments replace those
//! masks; a NULL one leaves that kind of character as it is, and one that
//! is not a single character fails the call, as does a negative count.

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use super::args::*;
use super::udf::{exact, Call, Def, Reject, Resolved, P, STRING};

pub(super) fn defs() -> Vec<Def> {
    vec![
        Def::new("mask", "Masks every character of a string.", |t| sig(t, false), |c| mask(c, Part::All))
            .sigs(&[
                "MASK(str STRING) -> STRING",
                "MASK(str STRING, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
            ]),
        Def::new(
            "mask_left",
            "Masks the first n characters of a string.",
            |t| sig(t, true),
            |c| mask(c, Part::Left),
        )
        .sigs(&[
            "MASK_LEFT(str STRING, n INT) -> STRING",
            "MASK_LEFT(str STRING, n INT, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
        ]),
        Def::new(
            "mask_right",
            "Masks the last n characters of a string.",
            |t| sig(t, true),
            |c| mask(c, Part::Right),
        )
        .sigs(&[
            "MASK_RIGHT(str STRING, n INT) -> STRING",
            "MASK_RIGHT(str STRING, n INT, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
        ]),
        Def::new(
            "mask_keep_left",
            "Masks all but the first n characters of a string.",
            |t| sig(t, true),
            |c| mask(c, Part::KeepLeft),
        )
        .sigs(&[
            "MASK_KEEP_LEFT(str STRING, n INT) -> STRING",
            "MASK_KEEP_LEFT(str STRING, n INT, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
        ]),
        Def::new(
            "mask_keep_right",
            "Masks all but the last n characters of a string.",
            |t| sig(t, true),
            |c| mask(c, Part::KeepRight),
        )
        .sigs(&[
            "MASK_KEEP_RIGHT(str STRING, n INT) -> STRING",
            "MASK_KEEP_RIGHT(str STRING, n INT, upper STRING, lower STRING, digit STRING, other STRING) -> STRING",
        ]),
    ]
}

fn sig(t: &[DataType], counted: bool) -> Resolved {
    let head: &[P] = if counted { &[P::Str, P::Int] } else { &[P::Str] };
    let with_masks: Vec<P> = head.iter().copied().chain([P::Str; 4]).collect();
    exact(t, head).or_else(|| exact(t, &with_masks)).map(|a| (a, STRING)).ok_or(Reject::NoMatch)
}

#[derive(Clone, Copy)]
enum Part {
    All,
    Left,
    Right,
    KeepLeft,
    KeepRight,
}

/// The replacement for each kind of character; None keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Masker {
    upper: Option<char>,
    lower: Option<char>,
    digit: Option<char>,
    other: Option<char>,
}

impl Default for Masker {
    fn default() -> Self {
        Masker { upper: Some('X'), lower: Some('x'), digit: Some('n'), other: Some('-') }
    }
}

impl Masker {
    pub(crate) fn mask_char(&self, c: char) -> char {
        let mask = if c.is_uppercase() {
            self.upper
        } else if c.is_lowercase() {
            self.lower
        } else if c.is_numeric() {
            self.digit
        } else {
            self.other
        };
        mask.unwrap_or(c)
    }
}

/// A mask argument: NULL keeps the character, anything but one character
/// fails the call.
fn mask_char(masks: &[&StringArray], k: usize, i: usize) -> Option<Option<char>> {
    let Some(array) = masks.get(k) else { return Some(None) };
    match at(*array, i) {
        None => Some(None),
        Some(text) => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some(Some(c)),
                _ => None,
            }
        }
    }
}

/// Masks the characters of `s` whose index is in the chosen part.
pub(crate) fn mask_value(s: &str, masker: &Masker, part_of: impl Fn(usize, usize) -> bool) -> String {
    let len = s.chars().count();
    s.chars().enumerate().map(|(i, c)| if part_of(i, len) { masker.mask_char(c) } else { c }).collect()
}

fn mask(c: &Call, part: Part) -> Result<ArrayRef> {
    let s = strs(arg(c.args, 0, "MASK")?)?;
    let counted = !matches!(part, Part::All);
    let count = if counted { Some(ints(arg(c.args, 1, "MASK")?)?) } else { None };
    let first_mask = if counted { 2 } else { 1 };
    let masks = c.args.get(first_mask..).unwrap_or(&[]).iter().map(strs).collect::<Result<Vec<_>>>()?;
    Ok(string_rows(c.rows, |i| {
        let n = match count {
            // A NULL or negative count fails the call.
            Some(counts) => usize::try_from(at(counts, i)?).ok()?,
            None => 0,
        };
        let masker = if masks.is_empty() {
            Masker::default()
        } else {
            Masker {
                upper: mask_char(&masks, 0, i)?,
                lower: mask_char(&masks, 1, i)?,
                digit: mask_char(&masks, 2, i)?,
                other: mask_char(&masks, 3, i)?,
            }
        };
        let s = at(s, i)?;
        Some(match part {
            Part::All => mask_value(s, &masker, |_, _| true),
            Part::Left => mask_value(s, &masker, |k, _| k < n),
            Part::Right => mask_value(s, &masker, |k, len| k + n >= len),
            Part::KeepLeft => mask_value(s, &masker, |k, _| k >= n),
            Part::KeepRight => mask_value(s, &masker, |k, len| k + n < len),
        })
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Array, Int32Array};

    use super::*;
    use crate::scalar::testing::call;

    fn s(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    fn out(a: ArrayRef) -> Vec<Option<String>> {
        let a = a
            .as_any()
            .downcast_ref::<StringArray>()
            .map(|a| a.iter().map(|v| v.map(str::to_string)).collect());
        a.unwrap_or_default()
    }

    #[test]
    fn default_masks() {
        assert_eq!(
            out(call("mask", vec![s(&[Some("AbCd#$123xy Z"), None])])),
            vec![Some("XxXx--nnnxx-X".into()), None]
        );
        let n = Arc::new(Int32Array::from(vec![5, 5, -1])) as ArrayRef;
        let text = s(&[Some("AbCd#$123xy Z"), Some("ab"), Some("ab")]);
        assert_eq!(
            out(call("mask_left", vec![text.clone(), n.clone()])),
            vec![Some("XxXx-$123xy Z".into()), Some("xx".into()), None]
        );
        assert_eq!(out(call("mask_right", vec![text.clone(), n.clone()]))[0], Some("AbCd#$12nxx-X".into()));
        assert_eq!(
            out(call("mask_keep_left", vec![text.clone(), n.clone()]))[0],
            Some("AbCd#-nnnxx-X".into())
        );
        assert_eq!(out(call("mask_keep_right", vec![text, n]))[0], Some("XxXx--nn3xy Z".into()));
    }

    #[test]
    fn custom_masks() {
        let args =
            vec![s(&[Some("AbCd#$123xy Z")]), s(&[Some("U")]), s(&[None]), s(&[Some("9")]), s(&[Some("*")])];
        assert_eq!(out(call("mask", args)), vec![Some("UbUd**999xy*U".into())]);
        let bad = vec![s(&[Some("ab")]), s(&[Some("UU")]), s(&[None]), s(&[None]), s(&[None])];
        assert_eq!(out(call("mask", bad)), vec![None]);
    }
}
