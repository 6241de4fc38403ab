//! When a digest is due: a local time of day in an IANA time zone, turned
//! into an instant for each local date. Days when the clocks change follow
//! RFC 5545: a time that does not exist (skipped by spring forward) is read
//! with the offset from before the change, so 02:30 becomes 03:30; a time
//! that happens twice (fall back) is the first one.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

pub use crate::time::{parse_time, parse_zone};

/// Time zones whose names contain `typed`, for autocomplete.
pub fn zones_matching(typed: &str, n: usize) -> Vec<&'static str> {
    let t = typed.trim().to_lowercase().replace(' ', "_");
    let mut out: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| name.to_lowercase().contains(&t))
        .collect();
    // Prefix matches and canonical "Area/City" names first.
    out.sort_by_key(|name| {
        (
            !name.to_lowercase().starts_with(&t),
            !name.contains('/'),
            name.len(),
        )
    });
    out.truncate(n);
    out
}

/// The instant `time` happens on local `date` in `tz`.
pub fn due_at(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => {
            // Skipped by the clocks: use the offset in force before the gap.
            let before = tz
                .from_local_datetime(&(local - Duration::hours(6)))
                .earliest()
                .map(|t| t.offset().fix().local_minus_utc())
                .unwrap_or(0);
            Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(before))))
        }
    }
}

/// Today's date in `tz`.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The local date whose digest is due at `now`: today's, once its time has
/// passed, unless the subscription was made after that time. Earlier days
/// are never due, so a bot that was off does not flood the channel.
pub fn due_date(
    time: NaiveTime,
    tz: Tz,
    subscribed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<NaiveDate> {
    let today = local_date(now, tz);
    let at = due_at(today, time, tz);
    (at <= now && subscribed_at <= at).then_some(today)
}

/// The next time a digest will be due after `now`.
pub fn next_due(
    time: NaiveTime,
    tz: Tz,
    subscribed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let today = local_date(now, tz);
    let at = due_at(today, time, tz);
    if at > now && at >= subscribed_at {
        at
    } else {
        due_at(today + Duration::days(1), time, tz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn hm(s: &str) -> NaiveTime {
        parse_time(s).unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// One row per case: zone, local date, local time, expected UTC instant.
    #[test]
    fn due_times_in_several_zones_and_on_clock_change_days() {
        let cases = [
            ("UTC", "2026-06-01", "09:00", "2026-06-01T09:00:00Z"),
            (
                "Europe/Amsterdam",
                "2026-01-15",
                "09:00",
                "2026-01-15T08:00:00Z",
            ),
            (
                "Europe/Amsterdam",
                "2026-07-15",
                "09:00",
                "2026-07-15T07:00:00Z",
            ),
            // Spring forward 2026-03-29 02:00 -> 03:00: 02:30 does not exist.
            (
                "Europe/Amsterdam",
                "2026-03-29",
                "02:30",
                "2026-03-29T01:30:00Z",
            ),
            (
                "Europe/Amsterdam",
                "2026-03-29",
                "09:00",
                "2026-03-29T07:00:00Z",
            ),
            // Fall back 2026-10-25 03:00 -> 02:00: 02:30 happens twice; the first.
            (
                "Europe/Amsterdam",
                "2026-10-25",
                "02:30",
                "2026-10-25T00:30:00Z",
            ),
            (
                "Europe/Amsterdam",
                "2026-10-25",
                "09:00",
                "2026-10-25T08:00:00Z",
            ),
            // New York changes on other days than Europe.
            (
                "America/New_York",
                "2026-03-08",
                "02:15",
                "2026-03-08T07:15:00Z",
            ),
            (
                "America/New_York",
                "2026-03-08",
                "09:00",
                "2026-03-08T13:00:00Z",
            ),
            (
                "America/New_York",
                "2026-11-01",
                "01:30",
                "2026-11-01T05:30:00Z",
            ),
            // No daylight saving, a half-hour offset.
            (
                "Asia/Kolkata",
                "2026-03-29",
                "09:00",
                "2026-03-29T03:30:00Z",
            ),
            // Southern hemisphere: summer time ends in April.
            (
                "Australia/Sydney",
                "2026-04-05",
                "09:00",
                "2026-04-04T23:00:00Z",
            ),
            (
                "Australia/Sydney",
                "2026-01-05",
                "09:00",
                "2026-01-04T22:00:00Z",
            ),
            // Lord Howe moves its clocks by 30 minutes (02:00 -> 02:30 on 2026-10-04).
            (
                "Australia/Lord_Howe",
                "2026-10-04",
                "02:15",
                "2026-10-03T15:45:00Z",
            ),
        ];
        for (zone, date, time, want) in cases {
            let tz = parse_zone(zone).unwrap();
            assert_eq!(
                due_at(d(date), hm(time), tz),
                utc(want),
                "{zone} {date} {time}"
            );
        }
    }

    #[test]
    fn only_todays_digest_is_due_and_only_after_subscribing() {
        let tz = parse_zone("Europe/Amsterdam").unwrap();
        let nine = hm("09:00");
        let subscribed = utc("2026-03-01T12:00:00Z");
        // Before 09:00 local on the day clocks change: not due.
        assert_eq!(
            due_date(nine, tz, subscribed, utc("2026-03-29T06:59:00Z")),
            None
        );
        assert_eq!(
            due_date(nine, tz, subscribed, utc("2026-03-29T07:00:00Z")),
            Some(d("2026-03-29"))
        );
        // Late in the day (the bot was off at 09:00): still today's, once.
        assert_eq!(
            due_date(nine, tz, subscribed, utc("2026-03-29T21:00:00Z")),
            Some(d("2026-03-29"))
        );
        // Subscribed after today's time: nothing until tomorrow.
        let late = utc("2026-03-29T10:00:00Z");
        assert_eq!(due_date(nine, tz, late, utc("2026-03-29T12:00:00Z")), None);
        assert_eq!(
            next_due(nine, tz, late, utc("2026-03-29T12:00:00Z")),
            utc("2026-03-30T07:00:00Z")
        );
        // Local midnight is not UTC midnight: 23:30 UTC is already tomorrow in Amsterdam.
        assert_eq!(local_date(utc("2026-07-01T23:30:00Z"), tz), d("2026-07-02"));
    }

    #[test]
    fn bad_input_gets_a_clear_message() {
        assert!(parse_time("25:00").unwrap_err().contains("HH:MM"));
        assert_eq!(parse_time("7:05").unwrap(), hm("07:05"));
        let e = parse_zone("Europe/Amsterdm").unwrap_err();
        assert!(e.contains("Did you mean Europe/Amsterdam?"), "{e}");
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("IANA"));
        assert_eq!(parse_zone("europe/paris").unwrap().name(), "Europe/Paris");
        assert_eq!(zones_matching("amster", 5), vec!["Europe/Amsterdam"]);
    }
}
