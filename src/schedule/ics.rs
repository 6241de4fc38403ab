//! iCalendar (`.ics`): the `VEVENT`s of a `VCALENDAR`, as sched.com,
//! pretalx, Sessionize and most conference sites export them.
//!
//! Content lines are read by the `icalendar` crate's parser (unfolding,
//! names, parameters, quoted values, TEXT escapes, the component tree);
//! what its properties mean for an [`Event`] is ours. On top of it:
//!
//! - Lines are checked to start with a name and `:` or `;` before the
//!   crate sees them: its grammar reads a line without one as bare property
//!   names, which would pass text such as `SUMMARY Talk` off as properties.
//!   Such a line is skipped and named.
//! - The crate reads a calendar as one grammar, so one malformed line or a
//!   stray `END` fails the whole file. Then each `BEGIN:VEVENT … END:VEVENT`
//!   is read on its own (after its unreadable lines are dropped), the
//!   calendar's `X-WR-*` lines apart: one bad event costs only itself, and
//!   the diagnostics name its place.
//!
//! Times: `Z` is UTC; `TZID=Area/City` is read through chrono-tz (also the
//! `/vendor/…/Area/City` form some exporters write); floating times are
//! read in the calendar's zone (`X-WR-TIMEZONE`, else the first `TZID` its
//! events use), else UTC, and said once. `VTIMEZONE` definitions are not
//! read: chrono-tz knows the zones they describe.

use super::check::Tally;
use super::ics_value;
use super::zone;
use super::{html, Event, Schedule, Time};
use crate::notes::Link;
use chrono::NaiveTime;
use chrono_tz::Tz;
use icalendar::parser::{self as ical, Component, Property};
use icalendar::ValueType;
use std::borrow::Cow;

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
    events: Vec<Raw>,
    zone_name: Option<String>,
    first_tzid: Option<String>,
    bad_lines: Tally,
}

/// A logical (unfolded) line with the number of the physical line it
/// starts on.
type Numbered<'a> = (usize, Cow<'a, str>);

pub(super) fn read(text: &str, schedule: &mut Schedule) {
    let mut cal = Calendar {
        events: Vec::new(),
        zone_name: None,
        first_tzid: None,
        bad_lines: Tally::new("unreadable lines"),
    };
    let unfolded = ical::unfold(text);
    let lines = cal.content_lines(text, &unfolded);
    let joined = join(lines.iter().map(|(_, l)| l.as_ref()));
    match ical::read_components(&joined) {
        Ok(roots) => roots.iter().for_each(|c| cal.component(c, schedule)),
        Err(_) => cal.event_by_event(&lines, schedule),
    }
    cal.finish(schedule);
}

fn join<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `BEGIN:NAME` or `END:NAME` (`Some((true, NAME))` for a BEGIN), the name
/// upper-cased; `None` for other lines, and for a BEGIN or END without a
/// name, which the crate then refuses as a property.
fn begin_or_end(line: &str) -> Option<(bool, String)> {
    let (key, value) = line.split_once(':')?;
    let begin = match key.trim() {
        k if k.eq_ignore_ascii_case("BEGIN") => true,
        k if k.eq_ignore_ascii_case("END") => false,
        _ => return None,
    };
    let name = value.trim().to_ascii_uppercase();
    (!name.is_empty()).then_some((begin, name))
}

/// Whether a line starts with a property name followed by `;` or `:`.
fn has_name(line: &str) -> bool {
    let name = line.split([';', ':']).next().unwrap_or_default();
    line.len() > name.len()
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Whether the crate reads a line as exactly one property.
fn one_property(line: &str) -> bool {
    let wrapped = format!("BEGIN:X\n{line}\nEND:X\n");
    ical::read_components(&wrapped)
        .is_ok_and(|c| c.len() == 1 && c[0].properties.len() == 1 && c[0].components.is_empty())
}

impl Calendar {
    /// The unfolded lines the crate is given, each numbered: blank lines
    /// dropped, lines without a name dropped and said, BEGIN and END lines
    /// written `BEGIN:NAME` (the crate matches an END's name to its BEGIN's
    /// as written, and allows no space after it).
    fn content_lines<'a>(&mut self, text: &str, unfolded: &'a str) -> Vec<Numbered<'a>> {
        // `unfold` joins a physical line starting with a space or a tab to
        // the one before; the others each start a logical line.
        let starts = text
            .split('\n')
            .enumerate()
            .filter(|(i, l)| *i == 0 || !l.starts_with([' ', '\t']))
            .map(|(i, _)| i + 1);
        let mut lines = Vec::new();
        for (n, line) in starts.zip(unfolded.split('\n')) {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            if let Some((begin, name)) = begin_or_end(line) {
                let key = if begin { "BEGIN" } else { "END" };
                lines.push((n, Cow::Owned(format!("{key}:{name}"))));
            } else if has_name(line) {
                lines.push((n, Cow::Borrowed(line)));
            } else {
                self.bad_lines
                    .add(format!("line {n}: not an iCalendar content line; skipped"));
            }
        }
        lines
    }

    /// A component the crate read: a calendar's properties and events.
    fn component(&mut self, c: &Component<'_>, schedule: &mut Schedule) {
        let name = c.name.as_str();
        if name.eq_ignore_ascii_case("VEVENT") {
            let mut raw = Raw::default();
            for p in &c.properties {
                self.event_property(&mut raw, p);
            }
            self.events.push(raw);
            return;
        }
        if name.eq_ignore_ascii_case("VCALENDAR") {
            for p in &c.properties {
                self.calendar_property(p, schedule);
            }
            for child in &c.components {
                self.component(child, schedule);
            }
        }
    }

    /// When the calendar as a whole does not parse: each VEVENT on its own
    /// (closing what it leaves open), and the calendar's `X-WR-*` lines
    /// wrapped in a calendar of their own.
    fn event_by_event(&mut self, lines: &[Numbered<'_>], schedule: &mut Schedule) {
        let mut open: Vec<String> = Vec::new();
        let mut header = vec![(0, Cow::Borrowed("BEGIN:VCALENDAR"))];
        let mut block: Option<Block> = None;
        let mut position = 0;
        for (n, line) in lines {
            let n = *n;
            match begin_or_end(line) {
                Some((true, name)) => {
                    if name == "VEVENT" && block.is_none() {
                        position += 1;
                        block = Some(Block::new(position, n, open.len()));
                    }
                    open.push(name);
                    if let Some(b) = &mut block {
                        b.lines.push((n, line.clone()));
                    }
                }
                Some((false, name)) => {
                    let Some(at) = open.iter().rposition(|c| *c == name) else {
                        self.bad_lines
                            .add(format!("line {n}: END:{name} without BEGIN; skipped"));
                        continue;
                    };
                    if open.len() > at + 1 {
                        let inner = open[at + 1..].join(", ");
                        schedule.diagnose(format!("line {n}: END:{name} closes {inner} too"));
                    }
                    if let Some(b) = &mut block {
                        b.close(&open[at.max(b.depth)..], n);
                    }
                    open.truncate(at);
                    if block.as_ref().is_some_and(|b| open.len() <= b.depth) {
                        let b = block.take().expect("checked");
                        self.block(b, schedule);
                    }
                }
                None => match &mut block {
                    Some(b) => b.lines.push((n, line.clone())),
                    None if open.len() == 1
                        && line
                            .get(..5)
                            .is_some_and(|k| k.eq_ignore_ascii_case("X-WR-")) =>
                    {
                        header.push((n, line.clone()));
                    }
                    None => {}
                },
            }
        }
        if let Some(mut b) = block {
            b.close(&open[b.depth..], 0);
            self.block(b, schedule);
            let last = self.events.last().map(|r| r.event.title.as_str());
            let title = last.unwrap_or_default();
            schedule.diagnose(format!(
                "the calendar ends inside an event (“{title}”); kept what it had"
            ));
        }
        header.push((0, Cow::Borrowed("END:VCALENDAR")));
        let header = join(header.iter().map(|(_, l)| l.as_ref()));
        if let Ok(roots) = ical::read_components(&header) {
            roots.iter().for_each(|c| self.component(c, schedule));
        }
    }

    /// One VEVENT read alone; when the crate fails on it, again without the
    /// lines it cannot read alone, else the event is skipped and said.
    fn block(&mut self, mut b: Block<'_>, schedule: &mut Schedule) {
        let mut text = b.text();
        if ical::read_components(&text).is_err() {
            b.lines.retain(|(n, line)| {
                let keep = begin_or_end(line).is_some() || one_property(line);
                if !keep {
                    self.bad_lines
                        .add(format!("line {n}: not an iCalendar content line; skipped"));
                }
                keep
            });
            text = b.text();
        }
        match ical::read_components(&text) {
            Ok(roots) => roots.iter().for_each(|c| self.component(c, schedule)),
            Err(_) => schedule.diagnose(format!(
                "event {} (line {}) is not readable iCalendar; skipped",
                b.position, b.line
            )),
        }
    }

    fn calendar_property(&mut self, p: &Property<'_>, schedule: &mut Schedule) {
        let value = || Some(html::to_line(&text(p))).filter(|t| !t.is_empty());
        match p.name.as_str().to_ascii_uppercase().as_str() {
            "X-WR-CALNAME" => schedule.conference = value(),
            "X-WR-TIMEZONE" => self.zone_name = value(),
            _ => {}
        }
    }

    fn event_property(&mut self, raw: &mut Raw, p: &Property<'_>) {
        let e = &mut raw.event;
        let value = p.val.as_str().trim();
        let one_line = || Some(html::to_line(&text(p))).filter(|t| !t.is_empty());
        let name = p.name.as_str().to_ascii_uppercase();
        match name.as_str() {
            "UID" => e.uid = value.to_string(),
            "SUMMARY" => e.title = html::to_line(&text(p)),
            "DESCRIPTION" => e.abstract_text = html::to_text(&text(p)),
            "LOCATION" => e.room = one_line(),
            "URL" => e.url = Some(value.to_string()).filter(|u| !u.is_empty()),
            // The crate leaves a list as written, so its escaped commas
            // can be told from the ones between items.
            "CATEGORIES" if e.track.is_none() => {
                e.track = ics_value::split_list(p.val.as_str()).into_iter().next();
            }
            "ATTACH" if value.contains("://") => e.links.push(Link {
                url: value.to_string(),
                label: param(p, "FILENAME").unwrap_or("Attachment").to_string(),
            }),
            "DTSTART" | "DTEND" => {
                let tzid = param(p, "TZID").map(str::to_string);
                if self.first_tzid.is_none() {
                    self.first_tzid.clone_from(&tzid);
                }
                let when = When {
                    value: value.to_string(),
                    date_only: param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE")),
                    tzid,
                };
                let slot = if name == "DTSTART" {
                    &mut raw.start
                } else {
                    &mut raw.end
                };
                *slot = Some(when);
            }
            "DURATION" => raw.duration = Some(value.to_string()),
            _ => {}
        }
    }
}

/// One VEVENT's lines, when events are read one by one.
struct Block<'a> {
    /// Its place among the calendar's events, from 1.
    position: usize,
    /// The line its BEGIN is on.
    line: usize,
    /// How many components were open around it.
    depth: usize,
    lines: Vec<Numbered<'a>>,
}

impl<'a> Block<'a> {
    fn new(position: usize, line: usize, depth: usize) -> Self {
        Block {
            position,
            line,
            depth,
            lines: Vec::new(),
        }
    }

    /// END lines for the components given, innermost first.
    fn close(&mut self, components: &[String], n: usize) {
        for c in components.iter().rev() {
            self.lines.push((n, Cow::Owned(format!("END:{c}"))));
        }
    }

    fn text(&self) -> String {
        join(self.lines.iter().map(|(_, l)| l.as_ref()))
    }
}

/// A parameter's value, the name matched in any case (quotes the crate
/// has taken off).
fn param<'p>(p: &'p Property<'_>, name: &str) -> Option<&'p str> {
    let found = p
        .params
        .iter()
        .find(|q| q.key.as_str().eq_ignore_ascii_case(name));
    found.and_then(|q| q.val.as_ref()).map(|v| v.as_str())
}

/// A TEXT property's value unescaped. The crate unescapes TEXT values
/// itself, typed by a `VALUE` parameter or else by the property's name
/// when that is written in upper case; the rest is unescaped here, by the
/// same rules, so that no value is unescaped twice.
fn text<'p>(p: &'p Property<'_>) -> Cow<'p, str> {
    let typed = p
        .params
        .iter()
        .find(|q| q.key == "VALUE")
        .and_then(|q| q.val.as_ref())
        .and_then(|v| v.as_str().parse::<ValueType>().ok());
    let by_crate = match typed {
        Some(t) => t == ValueType::Text,
        None => !p.name.as_str().chars().any(char::is_lowercase),
    };
    if by_crate {
        Cow::Borrowed(p.val.as_str())
    } else {
        Cow::Owned(ics_value::unescape(p.val.as_str()))
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
                (Some(d), _) => ics_value::duration(d).or_else(|| {
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
            let day = ics_value::date(&w.value);
            return self.or_problem(
                day.map(|d| zone::place(d.and_time(NaiveTime::MIN), self.tz)),
                w,
                title,
            );
        }
        if let Some(utc) = w.value.strip_suffix(['Z', 'z']) {
            let t = ics_value::date_time(utc).map(|t| t.and_utc().fixed_offset());
            return self.or_problem(t, w, title);
        }
        let Some(naive) = ics_value::date_time(&w.value) else {
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

    #[test]
    fn lines_params_and_escapes_through_the_crate() {
        let s = read_str(
            "BEGIN:VCALENDAR\r\nX-WR-CALNAME:KCD\\, Amsterdam\r\nBEGIN:VEVENT\r\nSUMMARY:Hands on with WebAssembly Micro\r\n services and Kubernetes\r\n\tand more\r\n\r\n\
             dtstart;TZID=\"Europe/Amsterdam\";value=DATE-TIME:20230419T110000\r\n\
             URL;VALUE=URI:https://example.org/a?b=c;d\r\n\
             DESCRIPTION:Argo\\, Flux\\; and\\nmore \\\\n done\r\n\
             location:Hall 7\\, Room A\r\n\
             CATEGORIES:GitOps\\, CD,Security\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n",
        );
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        assert_eq!(s.conference.as_deref(), Some("KCD, Amsterdam"));
        let e = &s.events[0];
        assert_eq!(
            e.title,
            "Hands on with WebAssembly Microservices and Kubernetesand more"
        );
        assert_eq!(e.start.unwrap().to_rfc3339(), "2023-04-19T11:00:00+02:00");
        assert_eq!(e.url.as_deref(), Some("https://example.org/a?b=c;d"));
        // `\\n` is a backslash and an n, not a line break: unescaped once.
        assert_eq!(e.abstract_text, "Argo, Flux; and\nmore \\n done");
        assert_eq!(e.room.as_deref(), Some("Hall 7, Room A"), "lower-case name");
        assert_eq!(e.track.as_deref(), Some("GitOps, CD"));
    }

    #[test]
    fn one_bad_event_costs_only_itself() {
        let s = read_str(
            "BEGIN:VCALENDAR\nX-WR-CALNAME:KCD\nX-WR-TIMEZONE:Europe/Amsterdam\n\
             BEGIN:VEVENT\nSUMMARY:One\nDTSTART:20230220T100000\nEND:VEVENT\n\
             BEGIN:VEVENT\nSUMMARY:Two\nBEGIN:VALARM\nEND:VEVENT\n\
             BEGIN:VEVENT\nSUMMARY:Three\nEND:VTODO\nDTSTART:20230220T120000Z\nEND:VEVENT\nEND:VCALENDAR\n",
        );
        let titles: Vec<&str> = s.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["One", "Two", "Three"]);
        assert_eq!(s.conference.as_deref(), Some("KCD"), "X-WR lines kept");
        assert_eq!(
            s.events[0].start.unwrap().to_rfc3339(),
            "2023-02-20T10:00:00+01:00"
        );
        assert_eq!(
            s.diagnostics,
            [
                "cal.ics: line 11: END:VEVENT closes VALARM too",
                "cal.ics: line 14: END:VTODO without BEGIN; skipped",
                "cal.ics: 1 time without a zone; read in Europe/Amsterdam",
            ]
        );
        // A block the crate cannot read even line by line is skipped and named.
        let s = read_str(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:One\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Two\n\
             BEGIN:VALARM\nEND:VEVENT\nEND:VALARM\nBEGIN:VEVENT\nSUMMARY:Three\nEND:VEVENT\nEND:VCALENDAR\n",
        );
        let titles: Vec<&str> = s.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["One", "Two", "Three"], "{:?}", s.diagnostics);
        // A line the crate refuses, in a calendar that then fails as a
        // whole: only that line is lost.
        let s = read_str(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:A\nX;P=\"a\"b:v\nDTSTART:20230220T100000Z\nEND:VEVENT\n\
             BEGIN:VEVENT\nSUMMARY:B\nEND:VEVENT\nEND:VCALENDAR\n",
        );
        let titles: Vec<&str> = s.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["A", "B"]);
        assert!(s.events[0].start.is_some());
        assert_eq!(
            s.diagnostics,
            ["cal.ics: line 4: not an iCalendar content line; skipped"]
        );
    }
}
