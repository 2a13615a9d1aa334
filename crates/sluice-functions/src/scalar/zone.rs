//! Time zones as Java's `ZoneId.of` reads them: region IDs
//! (`America/Los_Angeles`), `Z`, `UTC`, `GMT`, `UT`, offsets (`+02:00`,
//! `-0530`, `+3`), and prefixed offsets (`UTC+01:00`, `GMT-8`). The old
//! three-letter IDs of `ZoneId.SHORT_IDS` (`PST`, `EST`, ..) are accepted
//! too, as ksqlDB's documentation promises.

use std::str::FromStr;

use chrono::{Duration, NaiveDateTime, Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Zone {
    /// A fixed offset, with the text Java prints for it as a zone name.
    Fixed {
        seconds: i32,
        name: String,
    },
    Region(Tz),
}

/// What a zone says about one instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ZoneAt {
    pub offset_seconds: i32,
    /// The zone ID (`VV`).
    pub id: String,
    /// The short name (`z`): `PDT`, `BST`, `UTC`.
    pub abbreviation: String,
}

/// `ZoneId.SHORT_IDS`, plus daylight-saving abbreviations Java's zone-name
/// parser (`z`) understands.
const SHORT_IDS: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Europe/London"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CDT", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("CET", "Europe/Paris"),
    ("CEST", "Europe/Paris"),
    ("EET", "Europe/Athens"),
    ("EEST", "Europe/Athens"),
    ("EDT", "America/New_York"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("MDT", "America/Denver"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
];

impl Zone {
    pub(crate) fn utc() -> Zone {
        Zone::Fixed { seconds: 0, name: "UTC".into() }
    }

    /// Java's `ZoneId.of`, plus the short IDs.
    pub(crate) fn of(id: &str) -> Option<Zone> {
        match id {
            "Z" => return Some(Zone::Fixed { seconds: 0, name: "Z".into() }),
            "UTC" | "GMT" | "UT" => return Some(Zone::Fixed { seconds: 0, name: id.into() }),
            _ => {}
        }
        if id.starts_with(['+', '-']) {
            let seconds = parse_offset_id(id)?;
            return Some(Zone::Fixed { seconds, name: offset_id(seconds) });
        }
        for prefix in ["UTC", "GMT", "UT"] {
            if let Some(rest) = id.strip_prefix(prefix).filter(|r| r.starts_with(['+', '-'])) {
                let seconds = parse_offset_id(rest)?;
                return Some(Zone::Fixed { seconds, name: format!("{prefix}{}", offset_id(seconds)) });
            }
        }
        if let Ok(tz) = Tz::from_str(id) {
            return Some(Zone::Region(tz));
        }
        let (_, region) = SHORT_IDS.iter().find(|(short, _)| *short == id)?;
        Tz::from_str(region).ok().map(Zone::Region)
    }

    /// The offset, ID and short name in effect at a UTC date-time.
    pub(crate) fn at(&self, utc: &NaiveDateTime) -> ZoneAt {
        match self {
            Zone::Fixed { seconds, name } => {
                ZoneAt { offset_seconds: *seconds, id: name.clone(), abbreviation: name.clone() }
            }
            Zone::Region(tz) => {
                let offset = tz.offset_from_utc_datetime(utc);
                let seconds = offset.fix().local_minus_utc();
                let abbreviation = match offset.abbreviation() {
                    // IANA writes some zones' names as offsets ("+03"); Java
                    // prints those as GMT offsets.
                    Some(a) if !a.starts_with(['+', '-']) => a.to_string(),
                    _ => format!("GMT{}", offset_id(seconds)),
                };
                ZoneAt { offset_seconds: seconds, id: tz.name().to_string(), abbreviation }
            }
        }
    }

    /// The UTC date-time of a local date-time, as `ZonedDateTime.of`
    /// resolves it: the earlier offset in an overlap, and a local time in
    /// a gap moved later by the length of the gap.
    pub(crate) fn to_utc(&self, local: &NaiveDateTime) -> Option<NaiveDateTime> {
        match self {
            Zone::Fixed { seconds, .. } => local.checked_sub_signed(Duration::seconds(*seconds as i64)),
            Zone::Region(tz) => match tz.from_local_datetime(local) {
                chrono::LocalResult::Single(t) => Some(t.naive_utc()),
                chrono::LocalResult::Ambiguous(early, _) => Some(early.naive_utc()),
                chrono::LocalResult::None => {
                    // The offset before the gap: a day earlier is before it.
                    let before = local.checked_sub_signed(Duration::days(1))?;
                    let seconds = tz.offset_from_utc_datetime(&before).fix().local_minus_utc();
                    local.checked_sub_signed(Duration::seconds(seconds as i64))
                }
            },
        }
    }
}

/// `+HH`, `+HH:MM`, `+HHMM`, `+HH:MM:SS`, `+HHMMSS` or `+H`, within 18 hours.
fn parse_offset_id(text: &str) -> Option<i32> {
    let sign = match text.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let body = &text[1..];
    // Only ASCII from here on, so the slicing below stays on char boundaries.
    if !body.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let digits: Vec<&str> = body.split(':').collect();
    let (h, m, s) = match digits.as_slice() {
        [all] if all.len() <= 2 => (*all, "0", "0"),
        [all] if all.len() == 4 => (&all[..2], &all[2..], "0"),
        [all] if all.len() == 6 => (&all[..2], &all[2..4], &all[4..]),
        [h, m] if h.len() == 2 && m.len() == 2 => (*h, *m, "0"),
        [h, m, s] if h.len() == 2 && m.len() == 2 && s.len() == 2 => (*h, *m, *s),
        _ => return None,
    };
    let (h, m, s): (i32, i32, i32) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
    if h > 18 || m > 59 || s > 59 || h * 3600 + m * 60 + s > 18 * 3600 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + s))
}

/// Java's `ZoneOffset.getId`: `Z`, `+01:00`, `-05:30:15`.
pub(crate) fn offset_id(seconds: i32) -> String {
    if seconds == 0 {
        return "Z".into();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

/// A zone named by a short name in parsed text (`PST`), or any zone ID.
pub(crate) fn zone_from_name(name: &str) -> Option<Zone> {
    let upper = name.to_ascii_uppercase();
    if let Some((_, region)) = SHORT_IDS.iter().find(|(short, _)| *short == upper) {
        return Tz::from_str(region).ok().map(Zone::Region);
    }
    Zone::of(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn dt(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).and_then(|d| d.and_hms_opt(h, mi, 0)).unwrap_or_default()
    }

    #[test]
    fn java_zone_ids() {
        assert_eq!(Zone::of("+05:30"), Some(Zone::Fixed { seconds: 19800, name: "+05:30".into() }));
        assert_eq!(Zone::of("-08"), Some(Zone::Fixed { seconds: -28800, name: "-08:00".into() }));
        assert_eq!(Zone::of("GMT+1").map(|z| z.at(&dt(2020, 1, 1, 0, 0)).id), Some("GMT+01:00".into()));
        assert!(matches!(Zone::of("America/Los_Angeles"), Some(Zone::Region(_))));
        assert!(matches!(Zone::of("PST"), Some(Zone::Region(_))));
        assert_eq!(Zone::of("Nowhere/Special"), None);
        assert_eq!(Zone::of("+25:00"), None);
    }

    #[test]
    fn regions_know_daylight_saving() {
        let la = Zone::of("America/Los_Angeles").unwrap_or_else(Zone::utc);
        let summer = la.at(&dt(2018, 5, 11, 21, 58));
        assert_eq!((summer.offset_seconds, summer.abbreviation.as_str()), (-7 * 3600, "PDT"));
        assert_eq!(la.at(&dt(2018, 1, 11, 21, 58)).abbreviation, "PST");
        // 02:30 on the spring-forward day does not exist: it becomes 03:30 PDT.
        assert_eq!(la.to_utc(&dt(2019, 3, 10, 2, 30)), Some(dt(2019, 3, 10, 10, 30)));
        // 01:30 on the fall-back day happens twice: the earlier is PDT.
        assert_eq!(la.to_utc(&dt(2019, 11, 3, 1, 30)), Some(dt(2019, 11, 3, 8, 30)));
    }
}
