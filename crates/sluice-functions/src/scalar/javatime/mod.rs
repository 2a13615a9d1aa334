//! `java.time.format.DateTimeFormatter` patterns, which ksqlDB's date and
//! time functions take: reading a pattern, formatting with it, and parsing
//! text with it.
//!
//! Supported letters: G u y Y Q q M L d D E a h K k H m s S A n N V z O X x
//! Z, quoted text (`'T'`, `''` for a quote) and optional sections `[..]`.
//! Letters Java would reject, or week-based fields Sluice does not model,
//! make the pattern invalid, which fails the call. Text (month and day
//! names, AM/PM) is English and parsed ignoring case.

use super::zone::{offset_id, ZoneAt};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    Era,
    Year,
    YearOfEra,
    Quarter,
    Month,
    Day,
    DayOfYear,
    DayOfWeek,
    AmPm,
    ClockHourAmPm,
    HourAmPm,
    ClockHourDay,
    HourOfDay,
    Minute,
    Second,
    NanoOfSecond,
    MilliOfDay,
    NanoOfDay,
}

impl Field {
    pub(crate) fn is_date(self) -> bool {
        matches!(
            self,
            Field::Era
                | Field::Year
                | Field::YearOfEra
                | Field::Quarter
                | Field::Month
                | Field::Day
                | Field::DayOfYear
                | Field::DayOfWeek
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    /// A '-' for negative values only.
    Normal,
    /// Also a '+' when the value has more digits than the minimum (years).
    ExceedsPad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Width {
    Short,
    Full,
    Narrow,
}

/// How an offset is written: `+HH`, then minutes and seconds either always,
/// only when non-zero, or never; with or without colons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Never,
    IfNonZero,
    Always,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OffsetStyle {
    /// ISO-like: `+HH:MM`; `zero_as_z` writes a zero offset as `Z`.
    Iso { colon: bool, minutes: Part, seconds: Part, zero_as_z: bool },
    /// Localized: `GMT+8` (short) or `GMT+08:00` (full); zero is `GMT`.
    Gmt { full: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Literal(String),
    Number { field: Field, min: usize, max: usize, sign: Sign },
    ReducedYear(Field),
    Fraction(usize),
    Text { field: Field, width: Width },
    ZoneId,
    ZoneName,
    Offset(OffsetStyle),
    Optional(Vec<Item>),
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Format {
    items: Vec<Item>,
}

fn letter_item(letter: char, n: usize) -> Result<Item, String> {
    use Field::*;
    let num = |field, min, max| Ok(Item::Number { field, min, max, sign: Sign::Normal });
    let two = |field| match n {
        1 => num(field, 1, 19),
        2 => num(field, 2, 2),
        _ => Err(format!("Too many pattern letters: {letter}")),
    };
    let text = |field, n: usize| match n {
        3 => Ok(Item::Text { field, width: Width::Short }),
        4 => Ok(Item::Text { field, width: Width::Full }),
        5 => Ok(Item::Text { field, width: Width::Narrow }),
        _ => Err(format!("Too many pattern letters: {letter}")),
    };
    match letter {
        'G' => match n {
            1..=3 => Ok(Item::Text { field: Era, width: Width::Short }),
            4 => Ok(Item::Text { field: Era, width: Width::Full }),
            5 => Ok(Item::Text { field: Era, width: Width::Narrow }),
            _ => Err(format!("Too many pattern letters: {letter}")),
        },
        'u' | 'y' | 'Y' => {
            let field = if letter == 'u' { Year } else { YearOfEra };
            match n {
                2 => Ok(Item::ReducedYear(field)),
                1 => num(field, 1, 19),
                3 => num(field, 3, 19),
                _ => Ok(Item::Number { field, min: n, max: 19, sign: Sign::ExceedsPad }),
            }
        }
        'Q' | 'q' => match n {
            1 | 2 => num(Quarter, n, 2),
            _ => text(Quarter, n),
        },
        'M' | 'L' => match n {
            1 | 2 => two(Month),
            _ => text(Month, n),
        },
        'd' => two(Day),
        'D' => match n {
            1 => num(DayOfYear, 1, 19),
            2 => num(DayOfYear, 2, 3),
            3 => num(DayOfYear, 3, 3),
            _ => Err(format!("Too many pattern letters: {letter}")),
        },
        'E' => match n {
            1..=3 => Ok(Item::Text { field: DayOfWeek, width: Width::Short }),
            _ => text(DayOfWeek, n),
        },
        'a' if n == 1 => Ok(Item::Text { field: AmPm, width: Width::Short }),
        'h' => two(ClockHourAmPm),
        'K' => two(HourAmPm),
        'k' => two(ClockHourDay),
        'H' => two(HourOfDay),
        'm' => two(Minute),
        's' => two(Second),
        'S' => Ok(Item::Fraction(n)),
        'A' => num(MilliOfDay, n, 19),
        'n' => num(NanoOfSecond, n, 19),
        'N' => num(NanoOfDay, n, 19),
        'V' if n == 2 => Ok(Item::ZoneId),
        'z' if n <= 4 => Ok(Item::ZoneName),
        'O' if n == 1 || n == 4 => Ok(Item::Offset(OffsetStyle::Gmt { full: n == 4 })),
        'X' | 'x' => {
            let zero_as_z = letter == 'X';
            let (colon, minutes, seconds) = match n {
                1 => (false, Part::IfNonZero, Part::Never),
                2 => (false, Part::Always, Part::Never),
                3 => (true, Part::Always, Part::Never),
                4 => (false, Part::Always, Part::IfNonZero),
                5 => (true, Part::Always, Part::IfNonZero),
                _ => return Err(format!("Too many pattern letters: {letter}")),
            };
            Ok(Item::Offset(OffsetStyle::Iso { colon, minutes, seconds, zero_as_z }))
        }
        'Z' => match n {
            1..=3 => Ok(Item::Offset(OffsetStyle::Iso {
                colon: false,
                minutes: Part::Always,
                seconds: Part::Never,
                zero_as_z: false,
            })),
            4 => Ok(Item::Offset(OffsetStyle::Gmt { full: true })),
            5 => Ok(Item::Offset(OffsetStyle::Iso {
                colon: true,
                minutes: Part::Always,
                seconds: Part::IfNonZero,
                zero_as_z: true,
            })),
            _ => Err(format!("Too many pattern letters: {letter}")),
        },
        _ => Err(format!("Unknown pattern letter: {letter}")),
    }
}

impl Format {
    /// Reads a pattern as `DateTimeFormatter.ofPattern` does.
    pub(crate) fn new(pattern: &str) -> Result<Format, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let current = stack.last_mut().ok_or("unbalanced ']'")?;
            if c.is_ascii_alphabetic() {
                let n = chars[i..].iter().take_while(|x| **x == c).count();
                current.push(letter_item(c, n)?);
                i += n;
            } else if c == '\'' {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(format!("Pattern ends with an incomplete string literal: {pattern}"))
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            text.push(*ch);
                            i += 1;
                        }
                    }
                }
                // `''` alone is a quote.
                current.push(Item::Literal(if text.is_empty() { "'".into() } else { text }));
            } else if c == '[' {
                stack.push(Vec::new());
                i += 1;
            } else if c == ']' {
                let inner = stack
                    .pop()
                    .filter(|_| !stack.is_empty())
                    .ok_or("Pattern invalid as it contains ] without previous [")?;
                stack.last_mut().ok_or("unbalanced ']'")?.push(Item::Optional(inner));
                i += 1;
            } else if matches!(c, '{' | '}' | '#') {
                return Err(format!("Pattern includes reserved character: '{c}'"));
            } else {
                current.push(Item::Literal(c.to_string()));
                i += 1;
            }
        }
        // Unclosed optional sections end with the pattern.
        while stack.len() > 1 {
            let inner = stack.pop().unwrap_or_default();
            if let Some(outer) = stack.last_mut() {
                outer.push(Item::Optional(inner));
            }
        }
        Ok(Format { items: stack.pop().unwrap_or_default() })
    }

    pub(crate) fn format(&self, m: &Moment) -> Option<String> {
        let mut out = String::new();
        format_items(&self.items, m, &mut out)?;
        Some(out)
    }

    /// Parses the whole text, as `DateTimeFormatter.parse` does.
    pub(crate) fn parse(&self, text: &str) -> Option<Parsed> {
        let (parsed, rest) = self.parse_prefix(text)?;
        rest.is_empty().then_some(parsed)
    }

    /// Parses the start of the text, returning what is left over.
    pub(crate) fn parse_prefix<'t>(&self, text: &'t str) -> Option<(Parsed, &'t str)> {
        let chars: Vec<char> = text.chars().collect();
        let mut parsed = Parsed::default();
        let end = parse_items(&self.items, &chars, 0, &mut parsed)?;
        let offset = text.char_indices().nth(end).map_or(text.len(), |(i, _)| i);
        Some((parsed, &text[offset..]))
    }
}

/// What a pattern formats: any of a date, a time of day and a zone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Moment {
    pub date: Option<chrono::NaiveDate>,
    pub nano_of_day: Option<u64>,
    pub zone: Option<ZoneAt>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const QUARTERS: [&str; 4] = ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"];

/// The names a text field is written with, indexed by value - base.
fn names(field: Field, width: Width) -> Option<(Vec<String>, i64)> {
    let cut = |all: &[&str], n: usize| all.iter().map(|s| s.chars().take(n).collect()).collect();
    Some(match (field, width) {
        (Field::Month, Width::Full) => (MONTHS.iter().map(|s| s.to_string()).collect(), 1),
        (Field::Month, Width::Short) => (cut(&MONTHS, 3), 1),
        (Field::Month, Width::Narrow) => (cut(&MONTHS, 1), 1),
        (Field::DayOfWeek, Width::Full) => (DAYS.iter().map(|s| s.to_string()).collect(), 1),
        (Field::DayOfWeek, Width::Short) => (cut(&DAYS, 3), 1),
        (Field::DayOfWeek, Width::Narrow) => (cut(&DAYS, 1), 1),
        (Field::Quarter, Width::Full) => (QUARTERS.iter().map(|s| s.to_string()).collect(), 1),
        (Field::Quarter, _) => (vec!["Q1".into(), "Q2".into(), "Q3".into(), "Q4".into()], 1),
        (Field::Era, Width::Full) => (vec!["Before Christ".into(), "Anno Domini".into()], 0),
        (Field::Era, Width::Short) => (vec!["BC".into(), "AD".into()], 0),
        (Field::Era, Width::Narrow) => (vec!["B".into(), "A".into()], 0),
        (Field::AmPm, _) => (vec!["AM".into(), "PM".into()], 0),
        _ => return None,
    })
}

fn value_of(field: Field, m: &Moment) -> Option<i64> {
    use chrono::Datelike;
    if field.is_date() {
        let d = m.date?;
        let year = d.year() as i64;
        return Some(match field {
            Field::Era => (year > 0) as i64,
            Field::Year => year,
            Field::YearOfEra => {
                if year > 0 {
                    year
                } else {
                    1 - year
                }
            }
            Field::Quarter => (d.month0() / 3 + 1) as i64,
            Field::Month => d.month() as i64,
            Field::Day => d.day() as i64,
            Field::DayOfYear => d.ordinal() as i64,
            _ => d.weekday().number_from_monday() as i64,
        });
    }
    let nanos = m.nano_of_day? as i64;
    let hour = nanos / 3_600_000_000_000;
    Some(match field {
        Field::AmPm => (hour >= 12) as i64,
        Field::ClockHourAmPm => {
            if hour % 12 == 0 {
                12
            } else {
                hour % 12
            }
        }
        Field::HourAmPm => hour % 12,
        Field::ClockHourDay => {
            if hour == 0 {
                24
            } else {
                hour
            }
        }
        Field::HourOfDay => hour,
        Field::Minute => nanos / 60_000_000_000 % 60,
        Field::Second => nanos / 1_000_000_000 % 60,
        Field::NanoOfSecond => nanos % 1_000_000_000,
        Field::MilliOfDay => nanos / 1_000_000,
        _ => nanos,
    })
}

fn format_offset(style: OffsetStyle, seconds: i32, out: &mut String) {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    match style {
        OffsetStyle::Iso { zero_as_z: true, .. } if seconds == 0 => out.push('Z'),
        OffsetStyle::Iso { colon, minutes, seconds: sec_part, .. } => {
            let sep = if colon { ":" } else { "" };
            out.push_str(&format!("{sign}{h:02}"));
            let show_seconds = sec_part == Part::Always || (sec_part == Part::IfNonZero && s != 0);
            if minutes == Part::Always || (minutes == Part::IfNonZero && (m != 0 || s != 0)) || show_seconds {
                out.push_str(&format!("{sep}{m:02}"));
            }
            if show_seconds {
                out.push_str(&format!("{sep}{s:02}"));
            }
        }
        OffsetStyle::Gmt { .. } if seconds == 0 => out.push_str("GMT"),
        OffsetStyle::Gmt { full: true } => out.push_str(&format!("GMT{}", offset_id(seconds))),
        OffsetStyle::Gmt { full: false } => {
            out.push_str(&format!("GMT{sign}{h}"));
            if m != 0 || s != 0 {
                out.push_str(&format!(":{m:02}"));
            }
            if s != 0 {
                out.push_str(&format!(":{s:02}"));
            }
        }
    }
}

fn format_items(items: &[Item], m: &Moment, out: &mut String) -> Option<()> {
    for item in items {
        match item {
            Item::Literal(t) => out.push_str(t),
            Item::Number { field, min, sign, .. } => {
                let v = value_of(*field, m)?;
                let digits = format!("{:0min$}", v.unsigned_abs(), min = *min);
                if v < 0 {
                    out.push('-');
                } else if *sign == Sign::ExceedsPad && digits.len() > *min {
                    out.push('+');
                }
                out.push_str(&digits);
            }
            Item::ReducedYear(field) => {
                out.push_str(&format!("{:02}", value_of(*field, m)?.rem_euclid(100)));
            }
            Item::Fraction(width) => {
                let nanos = format!("{:09}", value_of(Field::NanoOfSecond, m)?);
                let mut digits: String = nanos.chars().take(*width).collect();
                while digits.len() < *width {
                    digits.push('0');
                }
                out.push_str(&digits);
            }
            Item::Text { field, width } => {
                let v = value_of(*field, m)?;
                let (names, base) = names(*field, *width)?;
                out.push_str(names.get(usize::try_from(v - base).ok()?)?);
            }
            Item::ZoneId => out.push_str(&m.zone.as_ref()?.id),
            Item::ZoneName => out.push_str(&m.zone.as_ref()?.abbreviation),
            Item::Offset(style) => format_offset(*style, m.zone.as_ref()?.offset_seconds, out),
            Item::Optional(inner) => {
                // An optional section prints only when all its fields exist.
                let mut section = String::new();
                if format_items(inner, m, &mut section).is_some() {
                    out.push_str(&section);
                }
            }
        }
    }
    Some(())
}

mod parse;

use parse::parse_items;
pub(crate) use parse::Parsed;

#[cfg(test)]
mod tests;
