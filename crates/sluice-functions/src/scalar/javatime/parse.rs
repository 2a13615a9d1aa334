//! Parsing text with a compiled pattern.

use super::super::zone::{offset_id, zone_from_name, Zone};
use super::{names, Field, Item, OffsetStyle, Sign};

/// The fields parsed from text.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Parsed {
    pub fields: Vec<(Field, i64)>,
    pub zone: Option<Zone>,
}

impl Parsed {
    pub(crate) fn get(&self, field: Field) -> Option<i64> {
        self.fields.iter().rev().find(|(f, _)| *f == field).map(|(_, v)| *v)
    }

    fn set(&mut self, field: Field, value: i64) -> Option<()> {
        // Java fails when text gives one field two different values.
        match self.get(field) {
            Some(old) if old != value => None,
            _ => {
                self.fields.push((field, value));
                Some(())
            }
        }
    }

    pub(crate) fn has_date(&self) -> bool {
        self.fields.iter().any(|(f, _)| f.is_date())
    }

    pub(crate) fn has_time(&self) -> bool {
        self.fields.iter().any(|(f, _)| !f.is_date())
    }
}

/// The fixed width the numeric items right after `items[0]` reserve, so
/// `yyyyMMdd` splits `20220101` as Java's adjacent value parsing does.
fn reserved_width(rest: &[Item]) -> usize {
    let mut width = 0;
    for item in rest {
        match item {
            Item::Number { min, .. } => width += min,
            Item::ReducedYear(_) => width += 2,
            Item::Fraction(w) => width += w,
            _ => break,
        }
    }
    width
}

fn digits_at(text: &[char], pos: usize) -> usize {
    text[pos.min(text.len())..].iter().take_while(|c| c.is_ascii_digit()).count()
}

fn number(text: &[char], pos: usize, len: usize) -> Option<i64> {
    text.get(pos..pos + len)?.iter().collect::<String>().parse().ok()
}

fn parse_offset(style: OffsetStyle, text: &[char], mut pos: usize) -> Option<(usize, i32)> {
    let rest: String = text[pos.min(text.len())..].iter().take(3).collect::<String>().to_ascii_uppercase();
    match style {
        OffsetStyle::Iso { zero_as_z: true, .. } if rest.starts_with('Z') => return Some((pos + 1, 0)),
        OffsetStyle::Gmt { .. } => {
            if !rest.starts_with("GMT") {
                return None;
            }
            pos += 3;
            if !matches!(text.get(pos), Some('+' | '-')) {
                return Some((pos, 0));
            }
        }
        _ => {}
    }
    let sign = match text.get(pos)? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    pos += 1;
    let hour_digits = digits_at(text, pos).min(2);
    if hour_digits == 0 || (hour_digits == 1 && !matches!(style, OffsetStyle::Gmt { .. })) {
        return None;
    }
    let h = number(text, pos, hour_digits)?;
    pos += hour_digits;
    let mut total = h * 3600;
    for unit in [60, 1] {
        let colon = text.get(pos) == Some(&':');
        let start = pos + colon as usize;
        if digits_at(text, start) >= 2 {
            total += number(text, start, 2)? * unit;
            pos = start + 2;
        } else {
            break;
        }
    }
    (total <= 18 * 3600).then_some((pos, sign * total as i32))
}

/// Reads a zone ID or name: the longest run of ID characters that names one.
fn parse_zone(text: &[char], pos: usize, by_name: bool) -> Option<(usize, Zone)> {
    let run = text[pos.min(text.len())..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '+' | '-' | ':' | '~' | '.'))
        .count();
    (1..=run).rev().find_map(|len| {
        let candidate: String = text[pos..pos + len].iter().collect();
        let zone = if by_name { zone_from_name(&candidate) } else { Zone::of(&candidate) }?;
        Some((pos + len, zone))
    })
}

pub(super) fn parse_items(items: &[Item], text: &[char], mut pos: usize, p: &mut Parsed) -> Option<usize> {
    for (k, item) in items.iter().enumerate() {
        match item {
            Item::Literal(lit) => {
                for ch in lit.chars() {
                    let got = text.get(pos)?;
                    if !got.to_lowercase().eq(ch.to_lowercase()) {
                        return None;
                    }
                    pos += 1;
                }
            }
            Item::Number { field, min, max, sign } => {
                let negative = match text.get(pos) {
                    Some('-') if *sign == Sign::ExceedsPad => true,
                    Some('+') if *sign == Sign::ExceedsPad => false,
                    _ => false,
                };
                if matches!(text.get(pos), Some('-' | '+')) && *sign == Sign::ExceedsPad {
                    pos += 1;
                }
                let available = digits_at(text, pos);
                let take = available.saturating_sub(reserved_width(&items[k + 1..])).min(*max);
                if take < *min {
                    return None;
                }
                let v = number(text, pos, take)?;
                p.set(*field, if negative { -v } else { v })?;
                pos += take;
            }
            Item::ReducedYear(field) => {
                if digits_at(text, pos) < 2 {
                    return None;
                }
                p.set(*field, 2000 + number(text, pos, 2)?)?;
                pos += 2;
            }
            Item::Fraction(width) => {
                if digits_at(text, pos) < *width {
                    return None;
                }
                let digits: String = text[pos..pos + width].iter().collect();
                let nanos = format!("{digits:0<9}").get(..9)?.parse::<i64>().ok()?;
                p.set(Field::NanoOfSecond, nanos)?;
                pos += width;
            }
            Item::Text { field, width } => {
                let (names, base) = names(*field, *width)?;
                let rest: String = text[pos.min(text.len())..].iter().collect::<String>().to_lowercase();
                // The longest name that matches, so "May" never cuts "Mayday".
                let (index, name) = names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| rest.starts_with(&n.to_lowercase()))
                    .max_by_key(|(_, n)| n.len())?;
                p.set(*field, index as i64 + base)?;
                pos += name.chars().count();
            }
            Item::ZoneId | Item::ZoneName => {
                let (end, zone) = parse_zone(text, pos, matches!(item, Item::ZoneName))?;
                p.zone = Some(zone);
                pos = end;
            }
            Item::Offset(style) => {
                let (end, seconds) = parse_offset(*style, text, pos)?;
                p.zone = Some(Zone::Fixed { seconds, name: offset_id(seconds) });
                pos = end;
            }
            Item::Optional(inner) => {
                let mut attempt = p.clone();
                if let Some(end) = parse_items(inner, text, pos, &mut attempt) {
                    *p = attempt;
                    pos = end;
                }
            }
        }
    }
    Some(pos)
}
