//! Times of day and time zones as settings and users write them: parsed
//! once, at the edge (configuration, slash commands), with messages that say
//! what to write instead. A leaf: it depends on nothing in the crate.

use chrono::NaiveTime;
use chrono_tz::Tz;

/// Parse "HH:MM" (or "H:MM"), 24-hour.
pub fn parse_time(s: &str) -> Result<NaiveTime, String> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| {
        format!("“{s}” is not a time of day: use 24-hour HH:MM, for example 09:00 or 17:30")
    })
}

/// An IANA time zone by name, ignoring case, with a suggestion when wrong.
pub fn parse_zone(s: &str) -> Result<Tz, String> {
    let s = s.trim();
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(s))
    {
        return Ok(*tz);
    }
    let lower = s.to_lowercase();
    let best = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| (strsim::levenshtein(&tz.name().to_lowercase(), &lower), tz))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= 3.max(lower.len() / 4));
    let hint = match best {
        Some((_, tz)) => format!(" Did you mean {}?", tz.name()),
        None => String::new(),
    };
    Err(format!(
        "“{s}” is not an IANA time zone name such as Europe/Amsterdam, America/New_York or UTC.{hint}"
    ))
}
