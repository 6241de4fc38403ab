//! Times as schedules write them: ISO 8601 with or without an offset, frab's
//! `HH:MM` durations, and wall-clock times placed in a zone.
//!
//! A time without a zone is placed in the schedule's own zone when it names
//! one, else in UTC; the readers say so once per schedule, because a wrong
//! guess shifts every event by the same hours and is easy to spot then.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// A time read from a schedule: with the offset it gave, or without one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Stamp {
    Zoned(DateTime<FixedOffset>),
    Floating(NaiveDateTime),
}

/// An IANA zone by name, exact or ignoring case (`europe/amsterdam`).
pub(super) fn zone(name: &str) -> Option<Tz> {
    let name = name.trim();
    name.parse::<Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .copied()
    })
}

/// Parse an ISO 8601 date and time, as frab, pretalx and Sessionize write
/// it: RFC 3339 first, then the looser shapes seen in exports (a space for
/// the `T`, no seconds, `+0200`), then the same without any offset.
pub(super) fn parse_stamp(s: &str) -> Option<Stamp> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Stamp::Zoned(t));
    }
    const ZONED: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ];
    if let Some(t) = ZONED
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
    {
        return Some(Stamp::Zoned(t));
    }
    const FLOATING: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    FLOATING
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(Stamp::Floating)
}

/// A wall-clock time in `tz` (UTC when `None`), with that zone's offset
/// then. A time the clocks skipped (spring forward) is read an hour later,
/// and a time they passed twice (fall back) as the first of the two, which
/// is what a programme printed on paper means.
pub(super) fn place(naive: NaiveDateTime, tz: Option<Tz>) -> DateTime<FixedOffset> {
    let Some(tz) = tz else {
        return naive.and_utc().fixed_offset();
    };
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.fixed_offset())
        .unwrap_or_else(|| naive.and_utc().fixed_offset())
}

/// A stamp as a time with an offset: floating ones placed in `tz`.
pub(super) fn resolve(stamp: Stamp, tz: Option<Tz>) -> DateTime<FixedOffset> {
    match stamp {
        Stamp::Zoned(t) => t,
        Stamp::Floating(n) => place(n, tz),
    }
}

/// frab's duration: `HH:MM`, `H:MM:SS`, or `D:HH:MM` is not used by anyone
/// we know of, so three parts mean hours, minutes, seconds.
pub(super) fn parse_duration(s: &str) -> Option<Duration> {
    let parts: Vec<i64> = s
        .trim()
        .split(':')
        .map(|p| p.trim().parse::<i64>().ok().filter(|n| *n >= 0))
        .collect::<Option<_>>()?;
    let (h, m, sec) = match parts[..] {
        [h, m] => (h, m, 0),
        [h, m, sec] => (h, m, sec),
        _ => return None,
    };
    let total = h.checked_mul(3600)?.checked_add(m.checked_mul(60)?)?;
    Duration::try_seconds(total.checked_add(sec)?)
}

/// `start` plus `length`, or `None` past the end of the calendar (a
/// hostile "99999:00" duration on a far-future date).
pub(super) fn after(
    start: DateTime<FixedOffset>,
    length: Duration,
) -> Option<DateTime<FixedOffset>> {
    start.checked_add_signed(length)
}

/// The words of the diagnostic for times without a zone.
pub(super) fn floating_note(count: usize, tz: Option<Tz>) -> String {
    let zone = tz.map_or("UTC", |t| t.name());
    let times = if count == 1 { "time" } else { "times" };
    format!("{count} {times} without a zone; read in {zone}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_with_and_without_offsets() {
        let Some(Stamp::Zoned(t)) = parse_stamp("2023-04-19T11:00:00+02:00") else {
            panic!("not zoned");
        };
        assert_eq!(t.to_rfc3339(), "2023-04-19T11:00:00+02:00");
        assert!(matches!(
            parse_stamp("2023-04-19 11:00+0200"),
            Some(Stamp::Zoned(_))
        ));
        assert!(matches!(
            parse_stamp("2023-04-19T11:00:00"),
            Some(Stamp::Floating(_))
        ));
        assert_eq!(parse_stamp("next tuesday"), None);
    }

    #[test]
    fn wall_times_take_the_zone_offset_of_their_date() {
        let n = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let ams = zone("Europe/Amsterdam");
        assert_eq!(
            place(n("2023-04-19T11:00"), ams).to_rfc3339(),
            "2023-04-19T11:00:00+02:00"
        );
        assert_eq!(
            place(n("2023-01-19T11:00"), ams).to_rfc3339(),
            "2023-01-19T11:00:00+01:00"
        );
        // 02:30 did not happen on 26 March 2023 in Amsterdam.
        assert_eq!(
            place(n("2023-03-26T02:30"), ams).to_rfc3339(),
            "2023-03-26T03:30:00+02:00"
        );
        assert_eq!(
            place(n("2023-04-19T11:00"), None).to_rfc3339(),
            "2023-04-19T11:00:00+00:00"
        );
        assert_eq!(zone("europe/amsterdam"), ams);
        assert_eq!(zone("Mars/Olympus"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("00:30"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("1:30:15"), Some(Duration::seconds(5415)));
        assert_eq!(parse_duration("half an hour"), None);
        assert_eq!(parse_duration("-1:00"), None);
        assert_eq!(parse_duration("9223372036854775807:00"), None);
        let far = DateTime::parse_from_rfc3339("9999-12-31T23:00:00+00:00").unwrap();
        assert!(after(far, parse_duration("99999999:00").unwrap()).is_some_and(|t| t > far));
        assert_eq!(after(far, Duration::MAX), None);
    }
}
