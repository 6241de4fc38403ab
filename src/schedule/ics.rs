//! iCalendar (`.ics`): the `VEVENT`s of a `VCALENDAR`, as sched.com,
//! pretalx, Sessionize and most conference sites export them.
//!
//! A hand-written reader over RFC 5545 content lines (`ics_line`) rather
//! than the `icalendar` or `ical` crates. `icalendar`'s parser is one nom
//! grammar over the whole file: a single malformed line fails the calendar,
//! and it brings nom 8, nom-language and iso8601 beside the nom 7 tantivy
//! already locks. `ical` is lighter but leaves TEXT values escaped and dates
//! unparsed, and has seen few releases. Either way the zone handling
//! (`TZID` through chrono-tz, floating times) would be ours; what remained
//! for a crate is unfolding and splitting lines, about a hundred lines here,
//! where a bad line costs only itself.
//!
//! Times: `Z` is UTC; `TZID=Area/City` is read through chrono-tz (also the
//! `/vendor/…/Area/City` form some exporters write); floating times are
//! read in the calendar's zone (`X-WR-TIMEZONE`, else the first `TZID` its
//! events use), else UTC, and said once. `VTIMEZONE` definitions are not
//! read: chrono-tz knows the zones they describe.

use super::check::Tally;
use super::ics_line::{self, Line};
use super::zone;
use super::{html, Event, Schedule, Time};
use crate::notes::Link;
use chrono::NaiveTime;
use chrono_tz::Tz;

/// A DTSTART or DTEND as written.
#[derive(Debug, Clone, Default)]
struct When {
    value: String,
    tzid: Option<String>,
    date_only: bool,
}

/// One VEVENT's properties as written, before times are resolved (the
/// calendar's zone may be named after its events).
#[derive(Debug, Default)]
struct Raw {
    event: Event,
    start: Option<When>,
    end: Option<When>,
    duration: Option<String>,
}

/// The calendar read so far.
struct Calendar {
    open: Vec<String>,
    events: Vec<Raw>,
    zone_name: Option<String>,
    first_tzid: Option<String>,
    bad_lines: Tally,
}

pub(super) fn read(text: &str, schedule: &mut Schedule) {
    let mut cal = Calendar {
        open: Vec::new(),
        events: Vec::new(),
        zone_name: None,
        first_tzid: None,
        bad_lines: Tally::new("unreadable lines"),
    };
    for (n, line) in ics_line::unfold(text) {
        match ics_line::parse(&line) {
            Some(line) => cal.line(n, &line, schedule),
            None => cal
                .bad_lines
                .add(format!("line {n}: not an iCalendar content line; skipped")),
        }
    }
    cal.finish(schedule);
}

impl Calendar {
    fn line(&mut self, n: usize, line: &Line<'_>, schedule: &mut Schedule) {
        match line.name.as_str() {
            "BEGIN" => {
                let component = line.value.trim().to_ascii_uppercase();
                if component == "VEVENT" {
                    self.events.push(Raw::default());
                }
                self.open.push(component);
            }
            "END" => self.close(n, line.value, schedule),
            _ => match self.open.last().map(String::as_str) {
                Some("VEVENT") => self.event_property(line),
                Some("VCALENDAR") => self.calendar_property(line, schedule),
                _ => {}
            },
        }
    }

    /// END of a component: what it closes, and any left open inside it.
    fn close(&mut self, n: usize, value: &str, schedule: &mut Schedule) {
        let component = value.trim().to_ascii_uppercase();
        let Some(at) = self.open.iter().rposition(|c| *c == component) else {
            self.bad_lines
                .add(format!("line {n}: END:{component} without BEGIN; skipped"));
            return;
        };
        let unclosed = self.open.split_off(at);
        if unclosed.len() > 1 {
            let inner = unclosed[1..].join(", ");
            schedule.diagnose(format!("line {n}: END:{component} closes {inner} too"));
        }
    }

    fn calendar_property(&mut self, line: &Line<'_>, schedule: &mut Schedule) {
        let text = || html::to_line(&ics_line::unescape(line.value));
        match line.name.as_str() {
            "X-WR-CALNAME" => schedule.conference = Some(text()).filter(|t| !t.is_empty()),
            "X-WR-TIMEZONE" => self.zone_name = Some(text()).filter(|t| !t.is_empty()),
            _ => {}
        }
    }

    fn event_property(&mut self, line: &Line<'_>) {
        let raw = self.events.last_mut().expect("a VEVENT is open");
        let e = &mut raw.event;
        let text = || ics_line::unescape(line.value);
        let one_line = || Some(html::to_line(&text())).filter(|t| !t.is_empty());
        match line.name.as_str() {
            "UID" => e.uid = line.value.trim().to_string(),
            "SUMMARY" => e.title = html::to_line(&text()),
            "DESCRIPTION" => e.abstract_text = html::to_text(&text()),
            "LOCATION" => e.room = one_line(),
            "URL" => e.url = Some(line.value.trim().to_string()).filter(|u| !u.is_empty()),
            "CATEGORIES" if e.track.is_none() => {
                e.track = ics_line::split_list(line.value).into_iter().next();
            }
            "ATTACH" if line.value.contains("://") => e.links.push(Link {
                url: line.value.trim().to_string(),
                label: line.param("FILENAME").unwrap_or("Attachment").to_string(),
            }),
            "DTSTART" | "DTEND" => {
                let tzid = line.param("TZID").map(str::to_string);
                if self.first_tzid.is_none() {
                    self.first_tzid.clone_from(&tzid);
                }
                let when = When {
                    value: line.value.trim().to_string(),
                    date_only: line
                        .param("VALUE")
                        .is_some_and(|v| v.eq_ignore_ascii_case("DATE")),
                    tzid,
                };
                let slot = if line.name == "DTSTART" {
                    &mut raw.start
                } else {
                    &mut raw.end
                };
                *slot = Some(when);
            }
            "DURATION" => raw.duration = Some(line.value.to_string()),
            _ => {}
        }
    }
}

/// Turns written times into times with offsets, in the calendar's zone
/// where they have none.
struct Clock {
    tz: Option<Tz>,
    floating: usize,
    problems: Tally,
}

impl Calendar {
    /// Say what could not be read, then resolve every event's times now
    /// that the calendar's zone is known.
    fn finish(self, schedule: &mut Schedule) {
        if self.open.iter().any(|c| c == "VEVENT") {
            let last = self.events.last().map(|r| r.event.title.as_str());
            let title = last.unwrap_or_default();
            schedule.diagnose(format!(
                "the calendar ends inside an event (“{title}”); kept what it had"
            ));
        }
        self.bad_lines.report(schedule);
        let zone_name = self
            .zone_name
            .or_else(|| self.first_tzid.as_deref().map(iana).map(|n| n.to_string()));
        let mut clock = Clock {
            tz: zone_name.as_deref().and_then(zone::zone),
            floating: 0,
            problems: Tally::new("unreadable times"),
        };
        schedule.timezone = zone_name;
        for raw in self.events {
            let event = clock.event(raw);
            schedule.events.push(event);
        }
        if clock.floating > 0 {
            schedule.diagnose(zone::floating_note(clock.floating, clock.tz));
        }
        clock.problems.report(schedule);
    }
}

/// The IANA name in a TZID: as is, or the last `Area/City` of a path.
fn iana(tzid: &str) -> &str {
    if zone::zone(tzid).is_some() {
        return tzid;
    }
    let trimmed = tzid.trim_end_matches('/');
    let mut slashes = trimmed.rmatch_indices('/');
    match (slashes.next(), slashes.next()) {
        (Some(_), Some((i, _))) => &trimmed[i + 1..],
        _ => tzid,
    }
}

impl Clock {
    fn event(&mut self, raw: Raw) -> Event {
        let mut event = raw.event;
        let title = event.title.clone();
        event.start = raw.start.as_ref().and_then(|w| self.time(w, &title, true));
        event.end = raw.end.as_ref().and_then(|w| self.time(w, &title, false));
        if event.end.is_none() {
            let length = match (&raw.duration, &raw.start) {
                (Some(d), _) => ics_line::duration(d).or_else(|| {
                    self.problems
                        .add(format!("“{title}”: unreadable DURATION “{d}”"));
                    None
                }),
                // An all-day event without an end lasts its day (RFC 5545 §3.6.1).
                (None, Some(w)) if w.date_only => Some(chrono::Duration::days(1)),
                _ => None,
            };
            event.end = event.start.zip(length).and_then(|(s, l)| zone::after(s, l));
        }
        event
    }

    /// One DTSTART or DTEND; `count` says whether a floating one is counted
    /// (starts only, so an event counts once).
    fn time(&mut self, w: &When, title: &str, count: bool) -> Option<Time> {
        if w.date_only || (w.value.len() == 8 && !w.value.contains('T')) {
            let day = ics_line::date(&w.value);
            return self.or_problem(
                day.map(|d| zone::place(d.and_time(NaiveTime::MIN), self.tz)),
                w,
                title,
            );
        }
        if let Some(utc) = w.value.strip_suffix(['Z', 'z']) {
            let t = ics_line::date_time(utc).map(|t| t.and_utc().fixed_offset());
            return self.or_problem(t, w, title);
        }
        let Some(naive) = ics_line::date_time(&w.value) else {
            return self.or_problem(None, w, title);
        };
        let tz = w.tzid.as_deref().map(|id| zone::zone(iana(id)));
        if let Some(None) = tz {
            let id = w.tzid.as_deref().unwrap_or_default();
            self.problems.add(format!(
                "“{title}”: unknown TZID “{id}”; read as a time without a zone"
            ));
        }
        if count && tz.flatten().is_none() {
            self.floating += 1;
        }
        Some(zone::place(naive, tz.flatten().or(self.tz)))
    }

    fn or_problem(&mut self, t: Option<Time>, w: &When, title: &str) -> Option<Time> {
        if t.is_none() {
            self.problems
                .add(format!("“{title}”: unreadable time “{}”", w.value));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ScheduleFormat;

    fn read_str(text: &str) -> Schedule {
        let mut s = Schedule::empty("cal.ics", ScheduleFormat::ICalendar);
        read(text, &mut s);
        s
    }

    #[test]
    fn tzid_paths_give_their_iana_name() {
        assert_eq!(iana("Europe/Amsterdam"), "Europe/Amsterdam");
        assert_eq!(
            iana("/mozilla.org/20050126_1/Europe/Berlin"),
            "Europe/Berlin"
        );
        assert_eq!(iana("W. Europe Standard Time"), "W. Europe Standard Time");
    }

    #[test]
    fn zones_utc_and_all_day() {
        let s = read_str(
            "BEGIN:VCALENDAR\nX-WR-CALNAME:KCD\nBEGIN:VEVENT\nSUMMARY:A\nDTSTART;TZID=Europe/Amsterdam:20230220T100000\n\
             DURATION:PT30M\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:B\nDTSTART:20230220T090000Z\nDTEND:20230220T093000Z\nEND:VEVENT\n\
             BEGIN:VEVENT\nSUMMARY:C\nDTSTART;VALUE=DATE:20230221\nEND:VEVENT\nEND:VCALENDAR\n",
        );
        assert_eq!(s.conference.as_deref(), Some("KCD"));
        assert_eq!(s.timezone.as_deref(), Some("Europe/Amsterdam"));
        let t: Vec<String> = s
            .events
            .iter()
            .map(|e| e.start.unwrap().to_rfc3339())
            .collect();
        assert_eq!(
            t,
            [
                "2023-02-20T10:00:00+01:00",
                "2023-02-20T09:00:00+00:00",
                "2023-02-21T00:00:00+01:00"
            ]
        );
        assert_eq!(
            s.events[0].end.unwrap().to_rfc3339(),
            "2023-02-20T10:30:00+01:00"
        );
        assert_eq!(
            s.events[2].end.unwrap().to_rfc3339(),
            "2023-02-22T00:00:00+01:00"
        );
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }

    #[test]
    fn alarms_inside_events_do_not_overwrite_them() {
        let s = read_str(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Talk\nBEGIN:VALARM\nDESCRIPTION:Reminder\nEND:VALARM\n\
             DESCRIPTION:The abstract\nEND:VEVENT\nEND:VCALENDAR",
        );
        assert_eq!(s.events[0].abstract_text, "The abstract");
    }

    #[test]
    fn broken_calendars_keep_what_they_had() {
        let s = read_str("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:One\nthis is not a line\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Two\nDTSTART:2023xx\n");
        let titles: Vec<&str> = s.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["One", "Two"]);
        assert!(s
            .diagnostics
            .iter()
            .any(|d| d.contains("line 4: not an iCalendar content line")));
        assert!(s
            .diagnostics
            .iter()
            .any(|d| d.contains("ends inside an event (“Two”)")));
        assert!(s
            .diagnostics
            .iter()
            .any(|d| d.contains("“Two”: unreadable time “2023xx”")));
    }
}
