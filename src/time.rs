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

/// serde for a time of day as "HH:MM", the way settings write it.
pub(crate) mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_time(&text).map_err(serde::de::Error::custom)
    }
}

/// serde for an IANA time zone by name, with the suggestion of
/// [`parse_zone`](super::parse_zone) when it is wrong.
pub(crate) mod zone {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_zone(&text).map_err(serde::de::Error::custom)
    }
}
