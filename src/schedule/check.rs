//! The checks every schedule gets after its reader, whatever the format:
//! events without a title are skipped, every event gets a uid (one made from
//! its start and title when the schedule gave none) that no other has, an
//! end that is not after the start is dropped, and overlaps within a room
//! are counted. Each finding is a diagnostic; only untitled events are lost,
//! since a matcher cannot use them.
//!
//! A schedule with thousands of the same fault would bury the rest, so each
//! kind of finding lists its first few and counts the others ([`Tally`]).

use super::{describe, Schedule, Time};
use std::collections::{BTreeMap, HashSet};

/// How many findings of one kind are listed before the rest are counted.
const LISTED: usize = 10;

/// Findings of one kind: the first [`LISTED`] as written, then a count.
pub(super) struct Tally {
    what: &'static str,
    listed: Vec<String>,
    count: usize,
}

impl Tally {
    /// `what` names the findings in plural, for "… and 3 more {what}".
    pub(super) fn new(what: &'static str) -> Tally {
        Tally {
            what,
            listed: Vec::new(),
            count: 0,
        }
    }

    pub(super) fn add(&mut self, finding: String) {
        self.count += 1;
        if self.listed.len() < LISTED {
            self.listed.push(finding);
        }
    }

    pub(super) fn report(self, schedule: &mut Schedule) {
        let more = self.count - self.listed.len();
        for finding in self.listed {
            schedule.diagnose(finding);
        }
        if more > 0 {
            schedule.diagnose(format!("… and {more} more {}", self.what));
        }
    }
}

/// Every check, in the order they depend on each other.
pub(super) fn check(schedule: &mut Schedule) {
    drop_untitled(schedule);
    give_uids(schedule);
    drop_bad_ends(schedule);
    count_overlaps(schedule);
}

fn drop_untitled(schedule: &mut Schedule) {
    let mut untitled = Tally::new("events without a title");
    let events = std::mem::take(&mut schedule.events);
    for (i, event) in events.into_iter().enumerate() {
        if event.title.trim().is_empty() {
            let when = event
                .start
                .map(|s| format!(" at {}", s.to_rfc3339()))
                .unwrap_or_default();
            untitled.add(format!(
                "{}{when} has no title; skipped",
                describe(&event, i + 1)
            ));
        } else {
            schedule.events.push(event);
        }
    }
    untitled.report(schedule);
}

/// Made uids come from the start and title, so the same schedule fetched
/// again gives the same ones; a repeated uid gets `-2`, `-3`, … in file order.
fn give_uids(schedule: &mut Schedule) {
    let mut seen: HashSet<String> = HashSet::with_capacity(schedule.events.len());
    // The next suffix to try for each repeated uid: a schedule that gives
    // one uid to all its events costs one look-up per event, not a walk
    // past every suffix taken so far.
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut repeated = Tally::new("repeated uids");
    for event in &mut schedule.events {
        if event.uid.trim().is_empty() {
            let start = event.start.map(|s| s.to_rfc3339()).unwrap_or_default();
            let key = format!("{start}\n{}", event.title.to_lowercase());
            event.uid = format!("made-{}", &crate::hash::fingerprint(key.as_bytes())[..16]);
        }
        if !seen.contains(&event.uid) {
            seen.insert(event.uid.clone());
            continue;
        }
        let from = next.entry(event.uid.clone()).or_insert(2);
        let (n, new) = (*from..)
            .map(|n| (n, format!("{}-{n}", event.uid)))
            .find(|(_, u)| !seen.contains(u))
            .expect("some suffix is free");
        *from = n + 1;
        repeated.add(format!(
            "uid “{}” repeated by “{}”; read as “{new}”",
            event.uid, event.title
        ));
        seen.insert(new.clone());
        event.uid = new;
    }
    repeated.report(schedule);
}

fn drop_bad_ends(schedule: &mut Schedule) {
    let mut bad = Tally::new("events without a length");
    for event in &mut schedule.events {
        let (Some(start), Some(end)) = (event.start, event.end) else {
            continue;
        };
        if end > start {
            continue;
        }
        let why = if end == start {
            "ends when it starts"
        } else {
            "ends before it starts"
        };
        bad.add(format!("“{}” {why}; kept without an end", event.title));
        event.end = None;
    }
    bad.report(schedule);
}

/// Parallel sessions in one room are usually a schedule's mistake (or a
/// room shared by two tracks); they are kept, and said once in sum.
fn count_overlaps(schedule: &mut Schedule) {
    let mut rooms: BTreeMap<&str, Vec<(Time, Time, usize)>> = BTreeMap::new();
    for (i, e) in schedule.events.iter().enumerate() {
        if let (Some(room), Some(start), Some(end)) = (&e.room, e.start, e.end) {
            rooms
                .entry(room.as_str())
                .or_default()
                .push((start, end, i));
        }
    }
    let (mut count, mut example) = (0, None);
    for (room, mut slots) in rooms {
        slots.sort();
        let mut latest: Option<(Time, usize)> = None;
        for (start, end, i) in slots {
            match latest {
                Some((until, j)) if start < until => {
                    count += 1;
                    example.get_or_insert((j, i, room));
                }
                _ => {}
            }
            if latest.is_none_or(|(until, _)| end > until) {
                latest = Some((end, i));
            }
        }
    }
    if let Some((a, b, room)) = example {
        let (a, b) = (&schedule.events[a].title, &schedule.events[b].title);
        let message = format!(
            "{count} events overlap an earlier one in the same room \
             (first: “{b}” overlaps “{a}” in {room}); all kept"
        );
        schedule.diagnose(message);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Event, ScheduleFormat};
    use super::*;
    use chrono::DateTime;

    fn at(s: &str) -> Option<Time> {
        Some(DateTime::parse_from_rfc3339(s).unwrap())
    }

    fn event(uid: &str, title: &str, room: &str, start: &str, end: &str) -> Event {
        Event {
            uid: uid.into(),
            title: title.into(),
            room: Some(room.into()),
            start: at(start),
            end: at(end),
            ..Event::default()
        }
    }

    fn checked(events: Vec<Event>) -> Schedule {
        let mut s = Schedule::empty("fixture.ics", ScheduleFormat::ICalendar);
        s.events = events;
        check(&mut s);
        s
    }

    #[test]
    fn untitled_events_are_skipped_and_named() {
        let s = checked(vec![
            event(
                "a",
                "Keynote",
                "Hall",
                "2023-04-19T09:00:00Z",
                "2023-04-19T09:30:00Z",
            ),
            event(
                "b",
                "  ",
                "Hall",
                "2023-04-19T10:00:00Z",
                "2023-04-19T10:30:00Z",
            ),
        ]);
        assert_eq!(s.events.len(), 1);
        assert_eq!(
            s.diagnostics,
            ["fixture.ics: event b at 2023-04-19T10:00:00+00:00 has no title; skipped"]
        );
    }

    #[test]
    fn repeated_and_missing_uids() {
        let t = "2023-04-19T09:00:00Z";
        let s = checked(vec![
            event("x", "One", "A", t, t),
            event("x", "Two", "B", t, t),
            event("", "Three", "C", t, t),
            event("", "Three", "D", t, t),
        ]);
        let uids: Vec<&str> = s.events.iter().map(|e| e.uid.as_str()).collect();
        assert_eq!(&uids[..2], ["x", "x-2"]);
        assert!(uids[2].starts_with("made-") && uids[3] == format!("{}-2", uids[2]));
        let again = checked(vec![event("", "Three", "C", t, t)]);
        assert_eq!(again.events[0].uid, uids[2], "made uids are stable");
        assert!(s
            .diagnostics
            .iter()
            .any(|d| d.contains("“x” repeated by “Two”; read as “x-2”")));
    }

    #[test]
    fn ends_not_after_starts_are_dropped() {
        let s = checked(vec![
            event(
                "a",
                "Zero",
                "A",
                "2023-04-19T09:00:00Z",
                "2023-04-19T09:00:00Z",
            ),
            event(
                "b",
                "Backwards",
                "B",
                "2023-04-19T09:00:00Z",
                "2023-04-19T08:00:00Z",
            ),
        ]);
        assert!(s
            .events
            .iter()
            .all(|e| e.end.is_none() && e.start.is_some()));
        assert!(s.diagnostics[0].contains("“Zero” ends when it starts; kept without an end"));
        assert!(s.diagnostics[1].contains("“Backwards” ends before it starts"));
    }

    #[test]
    fn overlaps_in_a_room_are_counted_once() {
        let s = checked(vec![
            event(
                "a",
                "Long",
                "Hall 7",
                "2023-04-19T09:00:00Z",
                "2023-04-19T11:00:00Z",
            ),
            event(
                "b",
                "Inside",
                "Hall 7",
                "2023-04-19T09:30:00Z",
                "2023-04-19T10:00:00Z",
            ),
            event(
                "c",
                "Also inside",
                "Hall 7",
                "2023-04-19T10:15:00Z",
                "2023-04-19T10:45:00Z",
            ),
            event(
                "d",
                "Elsewhere",
                "Auditorium",
                "2023-04-19T09:30:00Z",
                "2023-04-19T10:00:00Z",
            ),
            event(
                "e",
                "After",
                "Hall 7",
                "2023-04-19T11:00:00Z",
                "2023-04-19T11:30:00Z",
            ),
        ]);
        assert_eq!(s.events.len(), 5);
        assert_eq!(
            s.diagnostics,
            [
                "fixture.ics: 2 events overlap an earlier one in the same room \
              (first: “Inside” overlaps “Long” in Hall 7); all kept"
            ]
        );
    }

    #[test]
    fn a_tally_lists_ten_then_counts() {
        let events = (0..25)
            .map(|i| {
                event(
                    &i.to_string(),
                    "",
                    "A",
                    "2023-04-19T09:00:00Z",
                    "2023-04-19T09:10:00Z",
                )
            })
            .collect();
        let s = checked(events);
        assert_eq!(s.diagnostics.len(), 11);
        assert_eq!(
            s.diagnostics[10],
            "fixture.ics: … and 15 more events without a title"
        );
    }
}
