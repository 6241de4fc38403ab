//! pretalx's (and frab's) `schedule.json`: `schedule.conference` with its
//! `title` and `time_zone_name`, and `days[].rooms`, an object from room
//! name to that room's events, each with the same fields as the XML.
//!
//! Read through `serde_json::Value` rather than typed structs: exports
//! differ in small ways (ids as numbers or strings, `persons` with `name`
//! or `public_name`), and a typed reader would reject the whole file for
//! one odd field where this one reads what it recognises.

use super::frab::{Frame, Raw};
use super::Schedule;
use crate::notes::Link;
use serde_json::Value;

pub(super) fn read(text: &str, schedule: &mut Schedule) {
    let root: Value = match serde_json::from_str(text) {
        Ok(root) => root,
        Err(e) => {
            schedule.diagnose(format!(
                "invalid JSON at line {}, column {}: {e}; no events read",
                e.line(),
                e.column()
            ));
            return;
        }
    };
    let conference = &root["schedule"]["conference"];
    schedule.conference = string(&conference["title"]);
    let mut frame = Frame::new();
    if let Some(zone) = string(&conference["time_zone_name"]) {
        frame.set_zone(&zone, schedule);
    }
    match conference["days"].as_array() {
        Some(days) => days
            .iter()
            .enumerate()
            .for_each(|(i, day)| read_day(i + 1, day, &mut frame, schedule)),
        None => schedule.diagnose("schedule.conference.days is not a list; no events read"),
    }
    frame.finish(schedule);
}

fn read_day(n: usize, day: &Value, frame: &mut Frame, schedule: &mut Schedule) {
    let date = string(&day["date"]);
    let Some(rooms) = day["rooms"].as_object() else {
        if !day["rooms"].is_null() {
            schedule.diagnose(format!("day {n}: “rooms” is not an object; skipped"));
        }
        return;
    };
    for (room, events) in rooms {
        let Some(events) = events.as_array() else {
            schedule.diagnose(format!(
                "day {n}, room {room}: not a list of events; skipped"
            ));
            continue;
        };
        for (i, event) in events.iter().enumerate() {
            if !event.is_object() {
                let at = i + 1;
                schedule.diagnose(format!(
                    "day {n}, room {room}: event #{at} is not an object; skipped"
                ));
                continue;
            }
            let raw = raw_event(event, room, date.as_deref());
            schedule.events.push(frame.event(raw));
        }
    }
}

/// One event's fields; the room's key stands in for a missing `room`.
fn raw_event(e: &Value, room: &str, day: Option<&str>) -> Raw {
    let mut links = links_of(&e["links"]);
    links.extend(links_of(&e["attachments"]));
    Raw {
        guid: string(&e["guid"]),
        id: string(&e["id"]).or_else(|| string(&e["code"])),
        date: string(&e["date"]),
        day: day.map(str::to_string),
        start: string(&e["start"]),
        duration: string(&e["duration"]),
        room: string(&e["room"]).or_else(|| Some(room.to_string())),
        title: string(&e["title"]).unwrap_or_default(),
        subtitle: string(&e["subtitle"]),
        track: string(&e["track"]),
        kind: string(&e["type"]),
        abstract_text: string(&e["abstract"]),
        description: string(&e["description"]),
        url: string(&e["url"]),
        persons: persons(&e["persons"]),
        links,
    }
}

/// A field's text: strings trimmed, numbers written out, nothing else.
pub(super) fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Speakers' names: pretalx writes `public_name`, frab `full_public_name`
/// or `name`; some exports give plain strings.
fn persons(v: &Value) -> Vec<String> {
    let Some(list) = v.as_array() else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|p| {
            ["public_name", "full_public_name", "name"]
                .iter()
                .find_map(|k| string(&p[*k]))
                .or_else(|| string(p))
        })
        .collect()
}

/// `[{url, title}]`, the title standing in for the label.
fn links_of(v: &Value) -> Vec<Link> {
    let Some(list) = v.as_array() else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|l| {
            let url = string(&l["url"]).or_else(|| string(&l["href"]))?;
            let label = string(&l["title"]).unwrap_or_else(|| url.clone());
            Some(Link { url, label })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ScheduleFormat;

    fn read_str(json: &str) -> Schedule {
        let mut s = Schedule::empty("schedule.json", ScheduleFormat::FrabJson);
        read(json, &mut s);
        s
    }

    #[test]
    fn fields_from_a_small_schedule() {
        let s = read_str(
            r#"{"schedule": {"conference": {"title": "CNCF Day", "time_zone_name": "Europe/Amsterdam",
            "days": [{"date": "2023-02-20", "rooms": {"Main": [{"id": 7, "title": "Service Mesh &amp; eBPF",
            "date": "2023-02-20T10:00:00+01:00", "duration": "00:30", "type": "Talk",
            "persons": [{"public_name": "Raymond Example"}, {"name": "Ann"}],
            "links": [{"url": "https://v.example/1", "title": "Video"}], "abstract": "<p>Sidecars?</p>"}]}}]}}}"#,
        );
        assert_eq!(s.conference.as_deref(), Some("CNCF Day"));
        assert_eq!(s.timezone.as_deref(), Some("Europe/Amsterdam"));
        let e = &s.events[0];
        assert_eq!(
            (e.uid.as_str(), e.title.as_str()),
            ("7", "Service Mesh & eBPF")
        );
        assert_eq!(e.speakers, ["Raymond Example", "Ann"]);
        assert_eq!(e.room.as_deref(), Some("Main"));
        assert_eq!(e.end.unwrap().to_rfc3339(), "2023-02-20T10:30:00+01:00");
        assert_eq!(e.links[0].label, "Video");
        assert_eq!(e.abstract_text, "Sidecars?");
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }

    #[test]
    fn odd_parts_are_skipped_with_a_word() {
        let s = read_str(
            r#"{"schedule": {"conference": {"days": [{"rooms": {"A": 3, "B": [1, {"title": "Kept"}]}}, {"rooms": []}]}}}"#,
        );
        assert_eq!(s.events.len(), 1);
        assert_eq!(s.diagnostics.len(), 3, "{:?}", s.diagnostics);
        assert!(s
            .diagnostics
            .iter()
            .all(|d| d.starts_with("schedule.json: day ")));
    }

    #[test]
    fn invalid_json_is_a_diagnostic() {
        let s = read_str(r#"{"schedule": {"conference": {"days": [{"#);
        assert!(s.events.is_empty());
        assert!(s.diagnostics[0].starts_with("schedule.json: invalid JSON at line 1"));
    }
}
