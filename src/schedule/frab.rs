//! What frab's XML and its JSON (pretalx writes both) share: the same event
//! fields under the same names. Each reader fills a [`Raw`] from its own
//! syntax and [`Frame::event`] turns it into an [`Event`], so the two agree
//! on times, text and links by construction.

use super::check::Tally;
use super::zone::{self, Stamp};
use super::{html, Event, Schedule};
use crate::notes::Link;
use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

/// One frab event's fields as written, before any of them is interpreted.
#[derive(Debug, Default, Clone)]
pub(super) struct Raw {
    pub(super) guid: Option<String>,
    pub(super) id: Option<String>,
    /// ISO date and time with offset: pretalx always writes it.
    pub(super) date: Option<String>,
    /// The enclosing day's date, for `start` when `date` is missing.
    pub(super) day: Option<String>,
    pub(super) start: Option<String>,
    pub(super) duration: Option<String>,
    pub(super) room: Option<String>,
    pub(super) title: String,
    pub(super) subtitle: Option<String>,
    pub(super) track: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) abstract_text: Option<String>,
    pub(super) description: Option<String>,
    pub(super) url: Option<String>,
    pub(super) persons: Vec<String>,
    pub(super) links: Vec<Link>,
}

/// What a frab reader knows beyond one event: the conference's zone, and
/// what it had to guess or leave out so far.
pub(super) struct Frame {
    pub(super) tz: Option<Tz>,
    floating: usize,
    unreadable: Tally,
}

impl Frame {
    pub(super) fn new() -> Frame {
        Frame {
            tz: None,
            floating: 0,
            unreadable: Tally::new("events with an unreadable time"),
        }
    }

    /// The conference's `time_zone_name`: kept as written, used when known.
    pub(super) fn set_zone(&mut self, name: &str, schedule: &mut Schedule) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        schedule.timezone = Some(name.to_string());
        self.tz = zone::zone(name);
        if self.tz.is_none() {
            schedule.diagnose(format!(
                "unknown time zone “{name}”; times without an offset are read in UTC"
            ));
        }
    }

    /// One frab event, its text made plain and its times resolved.
    pub(super) fn event(&mut self, raw: Raw) -> Event {
        let (start, end) = self.times(&raw);
        let abstract_text = [&raw.abstract_text, &raw.description]
            .into_iter()
            .flatten()
            .map(|t| html::to_text(t))
            .filter(|t| !t.is_empty())
            .fold(String::new(), |acc, t| match acc.as_str() {
                "" => t,
                _ if acc == t => acc,
                _ => acc + "\n\n" + &t,
            });
        Event {
            uid: raw.guid.or(raw.id).unwrap_or_default(),
            title: html::to_line(&raw.title),
            subtitle: some_line(raw.subtitle),
            speakers: raw
                .persons
                .iter()
                .map(|p| html::to_line(p))
                .filter(|p| !p.is_empty())
                .collect(),
            organizations: Vec::new(),
            start,
            end,
            room: some_line(raw.room),
            track: some_line(raw.track),
            kind: some_line(raw.kind),
            abstract_text,
            url: some_line(raw.url),
            links: raw
                .links
                .into_iter()
                .filter(|l| !l.url.trim().is_empty())
                .collect(),
        }
    }

    /// Start from `date` (with its offset), else from the day's date and
    /// `start` in the conference zone; end from `duration`.
    fn times(&mut self, raw: &Raw) -> (Option<super::Time>, Option<super::Time>) {
        let from_date = raw.date.as_deref().filter(|d| !d.trim().is_empty());
        let mut stamp = from_date.and_then(zone::parse_stamp);
        if stamp.is_none() {
            stamp = day_and_start(raw).map(Stamp::Floating);
        }
        if stamp.is_none() && (from_date.is_some() || raw.start.is_some()) {
            let said = from_date.or(raw.start.as_deref()).unwrap_or_default();
            self.unreadable
                .add(format!("“{}”: unreadable start “{said}”", raw.title.trim()));
        }
        if let Some(Stamp::Floating(_)) = stamp {
            self.floating += 1;
        }
        let start = stamp.map(|s| zone::resolve(s, self.tz));
        let duration = raw.duration.as_deref().filter(|d| !d.trim().is_empty());
        let length = duration.and_then(zone::parse_duration);
        if let (Some(d), None) = (duration, length) {
            self.unreadable
                .add(format!("“{}”: unreadable duration “{d}”", raw.title.trim()));
        }
        (
            start,
            start.zip(length).and_then(|(s, l)| zone::after(s, l)),
        )
    }

    /// Say what was guessed or skipped, once for the whole schedule.
    pub(super) fn finish(self, schedule: &mut Schedule) {
        if self.floating > 0 {
            schedule.diagnose(zone::floating_note(self.floating, self.tz));
        }
        self.unreadable.report(schedule);
    }
}

/// The day's date plus frab's `HH:MM` start, as a wall-clock time.
fn day_and_start(raw: &Raw) -> Option<chrono::NaiveDateTime> {
    let day = NaiveDate::parse_from_str(raw.day.as_deref()?.trim(), "%Y-%m-%d").ok()?;
    let start = raw.start.as_deref()?.trim();
    let time = NaiveTime::parse_from_str(start, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(start, "%H:%M:%S"))
        .ok()?;
    Some(day.and_time(time))
}

/// A one-line field, or `None` when it is empty.
fn some_line(s: Option<String>) -> Option<String> {
    s.map(|s| html::to_line(&s)).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> Raw {
        Raw {
            title: "Verifiable GitHub Actions with eBPF".into(),
            day: Some("2023-04-19".into()),
            start: Some("11:00".into()),
            duration: Some("00:35".into()),
            ..Raw::default()
        }
    }

    #[test]
    fn date_with_offset_wins_over_day_and_start() {
        let mut frame = Frame::new();
        let e = frame.event(Raw {
            date: Some("2023-04-19T14:30:00+02:00".into()),
            ..raw()
        });
        assert_eq!(e.start.unwrap().to_rfc3339(), "2023-04-19T14:30:00+02:00");
        assert_eq!(e.end.unwrap().to_rfc3339(), "2023-04-19T15:05:00+02:00");
        assert_eq!(frame.floating, 0);
    }

    #[test]
    fn day_and_start_are_read_in_the_conference_zone() {
        let mut frame = Frame::new();
        let mut schedule = Schedule::empty("s.xml", super::super::ScheduleFormat::FrabXml);
        frame.set_zone("Europe/Amsterdam", &mut schedule);
        let e = frame.event(raw());
        assert_eq!(e.start.unwrap().to_rfc3339(), "2023-04-19T11:00:00+02:00");
        frame.finish(&mut schedule);
        assert_eq!(
            schedule.diagnostics,
            ["s.xml: 1 time without a zone; read in Europe/Amsterdam"]
        );
    }

    #[test]
    fn abstract_and_description_join_once() {
        let mut frame = Frame::new();
        let e = frame.event(Raw {
            abstract_text: Some("<p>MicroVMs.</p>".into()),
            description: Some("MicroVMs.".into()),
            ..raw()
        });
        assert_eq!(e.abstract_text, "MicroVMs.");
    }

    #[test]
    fn unreadable_times_are_said_and_the_event_kept() {
        let mut frame = Frame::new();
        let mut schedule = Schedule::empty("s.json", super::super::ScheduleFormat::FrabJson);
        let e = frame.event(Raw {
            date: Some("soon".into()),
            day: None,
            duration: Some("long".into()),
            ..raw()
        });
        assert_eq!((e.start, e.end), (None, None));
        frame.finish(&mut schedule);
        assert_eq!(schedule.diagnostics.len(), 2, "{:?}", schedule.diagnostics);
        assert!(schedule.diagnostics[0].contains("unreadable start “soon”"));
    }
}
