//! Sessionize's "all data" JSON export: `sessions` whose speakers, room and
//! categories are ids into the `speakers`, `rooms` and `categories` lists.
//!
//! Sessionize writes local times and names no zone, so they are read in UTC
//! (or in a `timeZone` the export gives, should one ever), and that is said
//! once. A category titled like "Track" or "Topic" gives the track, one like
//! "Session format" or "Type" the kind; "Level" and the rest are left aside.
//! Service sessions (breaks, lunch, registration) are not talks and are
//! left out without a word.

use super::check::Tally;
use super::frab_json::string;
use super::zone::{self, Stamp};
use super::{html, Event, Schedule, Time};
use crate::notes::Link;
use chrono_tz::Tz;
use serde_json::Value;
use std::collections::HashMap;

/// What a category says about the sessions filed under it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Track,
    Kind,
    /// Level, language and the like: nothing the model holds.
    Other,
}

/// The lists the sessions point into, by id.
struct Lookup {
    speakers: HashMap<String, (String, Option<String>)>,
    rooms: HashMap<String, String>,
    items: HashMap<String, (Role, String)>,
    tz: Option<Tz>,
    floating: usize,
    unknown: Tally,
}

pub(super) fn read(text: &str, schedule: &mut Schedule) {
    let root: Value = match serde_json::from_str(text) {
        Ok(root) => root,
        Err(e) => {
            let (line, column) = (e.line(), e.column());
            schedule.diagnose(format!(
                "invalid JSON at line {line}, column {column}: {e}; no events read"
            ));
            return;
        }
    };
    let mut lookup = lookup(&root, schedule);
    for session in root["sessions"].as_array().into_iter().flatten() {
        if session["isServiceSession"].as_bool() == Some(true) {
            continue;
        }
        let event = lookup.event(session);
        schedule.events.push(event);
    }
    if lookup.floating > 0 {
        schedule.diagnose(zone::floating_note(lookup.floating, lookup.tz));
    }
    lookup.unknown.report(schedule);
}

fn lookup(root: &Value, schedule: &mut Schedule) -> Lookup {
    let list = |key: &str| root[key].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let speakers = list("speakers")
        .iter()
        .filter_map(|s| {
            let name = string(&s["fullName"]).or_else(|| {
                Some(format!(
                    "{} {}",
                    string(&s["firstName"])?,
                    string(&s["lastName"])?
                ))
            })?;
            Some((
                string(&s["id"])?,
                (name, string(&s["tagLine"]).and_then(|t| organization(&t))),
            ))
        })
        .collect();
    let rooms = list("rooms")
        .iter()
        .filter_map(|r| Some((string(&r["id"])?, string(&r["name"])?)))
        .collect();
    let items = list("categories").iter().flat_map(category_items).collect();
    let zone_name = string(&root["timeZone"]).or_else(|| string(&root["timezone"]));
    let tz = zone_name.as_deref().and_then(zone::zone);
    schedule.timezone = tz.map(|t| t.name().to_string());
    Lookup {
        speakers,
        rooms,
        items,
        tz,
        floating: 0,
        unknown: Tally::new("references to unknown speakers, rooms or categories"),
    }
}

/// A category's items by id, each with what the category is for.
fn category_items(category: &Value) -> Vec<(String, (Role, String))> {
    let title = string(&category["title"])
        .unwrap_or_default()
        .to_lowercase();
    let role = if title.contains("track") || title.contains("topic") {
        Role::Track
    } else if title.contains("format") || title.contains("type") {
        Role::Kind
    } else {
        Role::Other
    };
    let items = category["items"].as_array().into_iter().flatten();
    items
        .filter_map(|i| Some((string(&i["id"])?, (role, string(&i["name"])?))))
        .collect()
}

/// The organisation in a tag line, only when it is plainly "Role at X" or
/// "Role @ X" with X a name (capitalised): "Engineer at Isovalent" gives
/// Isovalent, "Making things work at scale" gives nothing.
fn organization(tag: &str) -> Option<String> {
    let at = tag
        .rfind(" at ")
        .map(|i| i + 4)
        .or_else(|| tag.rfind(" @ ").map(|i| i + 3))?;
    let org = tag[at..].trim().trim_end_matches(['.', ',']);
    let first = org.chars().next()?;
    (first.is_uppercase() || first.is_ascii_digit()).then(|| org.to_string())
}

impl Lookup {
    fn event(&mut self, s: &Value) -> Event {
        let title = html::to_line(&string(&s["title"]).unwrap_or_default());
        let mut event = Event {
            uid: string(&s["id"]).unwrap_or_default(),
            abstract_text: string(&s["description"])
                .map(|d| html::to_text(&d))
                .unwrap_or_default(),
            start: self.time(&s["startsAt"], true),
            end: self.time(&s["endsAt"], false),
            links: links(s),
            title,
            ..Event::default()
        };
        self.people(s, &mut event);
        if let Some(id) = string(&s["roomId"]) {
            event.room = self.rooms.get(&id).cloned();
            if event.room.is_none() {
                self.unknown
                    .add(format!("“{}”: unknown room {id}", event.title));
            }
        }
        event.room = event.room.or_else(|| string(&s["room"]));
        self.categories(s, &mut event);
        event
    }

    /// Track and kind from the category items: the first of each wins.
    fn categories(&mut self, s: &Value, event: &mut Event) {
        let ids = s["categoryItems"].as_array().into_iter().flatten();
        for id in ids.filter_map(string) {
            match self.items.get(&id).cloned() {
                Some((Role::Track, name)) => {
                    event.track.get_or_insert(name);
                }
                Some((Role::Kind, name)) => {
                    event.kind.get_or_insert(name);
                }
                Some((Role::Other, _)) => {}
                None => {
                    let title = &event.title;
                    self.unknown
                        .add(format!("“{title}”: unknown category item {id}"));
                }
            }
        }
    }

    /// Speakers by id (the export's way) or as `{name}` objects (the API's).
    fn people(&mut self, s: &Value, event: &mut Event) {
        for speaker in s["speakers"].as_array().into_iter().flatten() {
            if let Some(name) = string(&speaker["name"]) {
                event.speakers.push(name);
                continue;
            }
            let Some(id) = string(speaker) else { continue };
            match self.speakers.get(&id) {
                Some((name, org)) => {
                    event.speakers.push(name.clone());
                    if let Some(org) = org.clone().filter(|o| !event.organizations.contains(o)) {
                        event.organizations.push(org);
                    }
                }
                None => self
                    .unknown
                    .add(format!("“{}”: unknown speaker {id}", event.title)),
            }
        }
    }

    /// A local time in the zone, counting the starts that had none.
    fn time(&mut self, v: &Value, count: bool) -> Option<Time> {
        let stamp = zone::parse_stamp(&string(v)?)?;
        if count && matches!(stamp, Stamp::Floating(_)) {
            self.floating += 1;
        }
        Some(zone::resolve(stamp, self.tz))
    }
}

fn links(s: &Value) -> Vec<Link> {
    [("recordingUrl", "Recording"), ("liveUrl", "Live stream")]
        .iter()
        .filter_map(|(key, label)| {
            let url = string(&s[*key])?;
            Some(Link {
                url,
                label: label.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ScheduleFormat;

    #[test]
    fn organizations_only_from_plain_tag_lines() {
        assert_eq!(
            organization("Staff Engineer at Isovalent").as_deref(),
            Some("Isovalent")
        );
        assert_eq!(
            organization("Maintainer @ Fermyon.").as_deref(),
            Some("Fermyon")
        );
        assert_eq!(organization("Making Kubernetes work at scale"), None);
        assert_eq!(organization("Isovalent, Staff Engineer"), None);
        assert_eq!(organization("Cloud wrangler"), None);
    }

    #[test]
    fn ids_resolve_and_service_sessions_are_skipped() {
        let json = r#"{"sessions": [
            {"id": "1", "title": "Lunch", "isServiceSession": true, "startsAt": "2023-02-20T12:00:00"},
            {"id": "2", "title": "GitOps Patterns", "startsAt": "2023-02-20T10:00:00", "endsAt": "2023-02-20T10:30:00",
             "roomId": 9, "speakers": ["a", "zz"], "categoryItems": [11, 12, 13], "recordingUrl": "https://v.example/2"}],
          "speakers": [{"id": "a", "fullName": "Rita Example", "tagLine": "Architect at Red Hat"}],
          "rooms": [{"id": 9, "name": "Room 1"}],
          "categories": [{"title": "Track", "items": [{"id": 11, "name": "GitOps"}]},
                         {"title": "Session format", "items": [{"id": 12, "name": "Session"}]},
                         {"title": "Level", "items": [{"id": 13, "name": "Introductory"}]}]}"#;
        let mut s = Schedule::empty("sz.json", ScheduleFormat::Sessionize);
        read(json, &mut s);
        assert_eq!(s.events.len(), 1);
        let e = &s.events[0];
        assert_eq!((e.uid.as_str(), e.room.as_deref()), ("2", Some("Room 1")));
        assert_eq!(
            (e.track.as_deref(), e.kind.as_deref()),
            (Some("GitOps"), Some("Session"))
        );
        assert_eq!(
            (&e.speakers[..], &e.organizations[..]),
            (
                &["Rita Example".to_string()][..],
                &["Red Hat".to_string()][..]
            )
        );
        assert_eq!(e.start.unwrap().to_rfc3339(), "2023-02-20T10:00:00+00:00");
        assert_eq!(e.links[0].label, "Recording");
        assert_eq!(
            s.diagnostics,
            [
                "sz.json: 1 time without a zone; read in UTC",
                "sz.json: “GitOps Patterns”: unknown speaker zz"
            ]
        );
    }
}
