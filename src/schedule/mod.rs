//! Conference schedules: the official programme beside the team's notes.
//!
//! A schedule is read from its content, never its name: the frab/pretalx
//! XML (`<schedule><conference>… <day><room><event>`), the pretalx/frab JSON
//! (`schedule.conference.days[].rooms{room: [events]}`), Sessionize's JSON
//! export (sessions, speakers, rooms, categories) and iCalendar (`VEVENT`s,
//! what sched.com and most others offer). Each format's reader turns it into
//! one [`Schedule`] of [`Event`]s, plain text throughout (HTML in abstracts
//! becomes text), with a diagnostic for whatever it had to leave out or
//! guess; one bad event never loses the others.
//!
//! Reading is pure: bytes in, a schedule out. Fetching a schedule from a URL
//! happens at the edges (`cli`, `bot`), never here.
//!
//! [`detect()`] names the format from the first few kilobytes; [`read`] hands
//! the bytes to that format's reader (`frab_xml`, `frab_json`, `sessionize`,
//! `ics`), which share the frab event fields (`frab`), time parsing (`zone`)
//! and the HTML-to-text stripper (`html`); `check` then looks over every
//! event the same way whatever the format (titles, uids, lengths, overlaps).

pub mod matching;
pub mod note;

use crate::notes::Link;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::fmt::Display;

mod check;
mod detect;
mod frab;
mod frab_json;
mod frab_xml;
mod html;
mod ics;
mod ics_value;
mod sessionize;
mod zone;

pub use detect::detect;

/// A time as events hold it.
type Time = DateTime<FixedOffset>;

/// The formats a schedule can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleFormat {
    /// frab's and pretalx's `schedule.xml`.
    FrabXml,
    /// pretalx's (and frab's) `schedule.json`.
    FrabJson,
    /// Sessionize's "all data" JSON export.
    Sessionize,
    /// iCalendar (`.ics`).
    ICalendar,
}

/// One conference's programme, as one file or URL gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Where it was read from: a path relative to the notes directory, or a URL.
    pub source: String,
    pub format: ScheduleFormat,
    /// The conference's name when the schedule says it (frab's `<title>`,
    /// the calendar's `X-WR-CALNAME`); the config may name it instead.
    pub conference: Option<String>,
    /// The conference's own time zone, as an IANA name, when the schedule
    /// says it (frab's `time_zone_name`, iCalendar's `X-WR-TIMEZONE` or the
    /// `TZID` its events use).
    pub timezone: Option<String>,
    pub events: Vec<Event>,
    /// What could not be read, or was guessed, naming the event.
    pub diagnostics: Vec<String>,
}

/// One session in a schedule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The schedule's own id for it (frab `guid` or `id`, Sessionize `id`,
    /// iCalendar `UID`), else one made from its start and title: stable
    /// across fetches of the same schedule.
    pub uid: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub speakers: Vec<String>,
    /// When the schedule gives them (Sessionize's company field, frab's
    /// person attributes); often empty.
    pub organizations: Vec<String>,
    /// When it starts and ends, with the offset the schedule gave (or its
    /// zone's offset at that time); `None` when it gave no time.
    pub start: Option<DateTime<FixedOffset>>,
    pub end: Option<DateTime<FixedOffset>>,
    pub room: Option<String>,
    pub track: Option<String>,
    /// The schedule's own word for what it is ("Talk", "Workshop",
    /// "Keynote", "Lightning talk"), as written.
    pub kind: Option<String>,
    /// The abstract and description, as plain text.
    pub abstract_text: String,
    /// The event's own page on the schedule.
    pub url: Option<String>,
    /// Recordings, slides and other links the schedule gives.
    pub links: Vec<Link>,
}

/// Read a schedule from its bytes, or `None` when they are not one of the
/// formats [`detect()`] knows. A schedule that is broken still comes back,
/// with the events read before the break and a diagnostic naming `source`:
/// one bad event, or a truncated download, never loses the good ones.
pub fn read(source: &str, bytes: &[u8]) -> Option<Schedule> {
    let format = detect(bytes)?;
    // Every format here is UTF-8 by specification; a stray invalid byte
    // becomes U+FFFD rather than losing the file.
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut schedule = Schedule::empty(source, format);
    match format {
        ScheduleFormat::FrabXml => frab_xml::read(text, &mut schedule),
        ScheduleFormat::FrabJson => frab_json::read(text, &mut schedule),
        ScheduleFormat::Sessionize => sessionize::read(text, &mut schedule),
        ScheduleFormat::ICalendar => ics::read(text, &mut schedule),
    }
    check::check(&mut schedule);
    Some(schedule)
}

impl Schedule {
    /// A schedule with nothing read yet.
    fn empty(source: &str, format: ScheduleFormat) -> Schedule {
        Schedule {
            source: source.to_string(),
            format,
            conference: None,
            timezone: None,
            events: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Record a diagnostic, prefixed with where the schedule came from so
    /// that it still makes sense among those of other files.
    fn diagnose(&mut self, message: impl Display) {
        self.diagnostics.push(format!("{}: {message}", self.source));
    }
}

/// How a diagnostic names one event: its title, else its uid, else its
/// place in the file (1-based), so the user can find it.
fn describe(event: &Event, position: usize) -> String {
    if !event.title.trim().is_empty() {
        format!("“{}”", event.title.trim())
    } else if !event.uid.is_empty() {
        format!("event {}", event.uid)
    } else {
        format!("event #{position}")
    }
}
