//! frab's and pretalx's `schedule.xml`: `<schedule><conference>` then
//! `<day date><room name><event guid id>` with one child element per field.
//!
//! Read as a stream of quick-xml events with a stack of open elements, so a
//! 50 000-event file never becomes a tree, and a file cut off or broken
//! halfway keeps every event closed before the break.

use super::frab::{Frame, Raw};
use super::Schedule;
use crate::notes::Link;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event as Xml};
use quick_xml::Reader;

/// One open element: its name, its text so far, and the one attribute a
/// field may need (`href` of a link).
struct Open {
    name: String,
    text: String,
    href: Option<String>,
}

/// Where the reader is: the open elements, the day and room around the
/// event being read, and that event.
struct Walk {
    stack: Vec<Open>,
    day: Option<String>,
    room: Option<String>,
    event: Option<Raw>,
    frame: Frame,
}

pub(super) fn read(text: &str, schedule: &mut Schedule) {
    let mut reader = Reader::from_str(text);
    let mut walk = Walk {
        stack: Vec::new(),
        day: None,
        room: None,
        event: None,
        frame: Frame::new(),
    };
    loop {
        match reader.read_event() {
            Ok(Xml::Start(e)) => walk.open(&e, schedule),
            Ok(Xml::Empty(e)) => {
                walk.open(&e, schedule);
                walk.close(schedule);
            }
            Ok(Xml::End(_)) => walk.close(schedule),
            Ok(Xml::Text(t)) => walk.text(&t.xml10_content()),
            Ok(Xml::CData(t)) => walk.text(&t.xml10_content()),
            Ok(Xml::GeneralRef(r)) => walk.text(&entity(&r)),
            Ok(Xml::Eof) => {
                walk.ended_early(schedule);
                break;
            }
            Ok(_) => {}
            Err(e) => {
                let at = reader.error_position();
                let kept = schedule.events.len();
                schedule.diagnose(format!(
                    "invalid XML at byte {at}: {e}; kept the {kept} events before it"
                ));
                break;
            }
        }
    }
    walk.frame.finish(schedule);
}

/// An entity reference in text: a character reference, one of XML's five,
/// or, for anything else, the reference as written (the HTML stripper
/// decodes `&nbsp;` and its kin later).
fn entity(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let name: &str = r;
    resolve_predefined_entity(name).map_or_else(|| format!("&{name};"), str::to_string)
}

/// An attribute's value with its entities resolved, when it is there.
fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let a = e.try_get_attribute(name).ok()??;
    let value = a
        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
        .ok()?;
    Some(value.into_owned())
}

impl Walk {
    fn open(&mut self, e: &BytesStart<'_>, schedule: &mut Schedule) {
        let name = e.local_name().as_ref().to_ascii_lowercase();
        match name.as_str() {
            "day" => self.day = attribute(e, "date"),
            "room" if self.event.is_none() => self.room = attribute(e, "name"),
            "event" if self.event.is_some() => {
                schedule.diagnose("an <event> inside an <event>; read as one");
            }
            "event" => {
                self.event = Some(Raw {
                    guid: attribute(e, "guid"),
                    id: attribute(e, "id"),
                    day: self.day.clone(),
                    room: self.room.clone(),
                    ..Raw::default()
                })
            }
            _ => {}
        }
        let href = matches!(name.as_str(), "link" | "attachment").then(|| attribute(e, "href"));
        self.stack.push(Open {
            name,
            text: String::new(),
            href: href.flatten(),
        });
    }

    /// quick-xml ends a stream quietly even when elements are still open:
    /// a download cut short, whose last event is lost.
    fn ended_early(&self, schedule: &mut Schedule) {
        if let Some(open) = self.stack.last() {
            let kept = schedule.events.len();
            let name = &open.name;
            schedule.diagnose(format!(
                "invalid XML: the file ends inside <{name}>; kept the {kept} events before it"
            ));
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(open) = self.stack.last_mut() {
            open.text.push_str(text);
        }
    }

    fn close(&mut self, schedule: &mut Schedule) {
        let Some(open) = self.stack.pop() else { return };
        let parent = self
            .stack
            .last()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        match (parent.as_str(), open.name.as_str()) {
            ("conference", "title") => schedule.conference = Some(open.text.trim().to_string()),
            ("conference", "time_zone_name") => self.frame.set_zone(&open.text, schedule),
            (_, "event") => {
                if let Some(raw) = self.event.take() {
                    let event = self.frame.event(raw);
                    schedule.events.push(event);
                }
            }
            (_, "room") if self.event.is_none() => self.room = None,
            (_, "day") => self.day = None,
            (parent, _) => self.field(parent, &open),
        }
    }

    /// A field of the event being read. HTML written unescaped inside an
    /// abstract arrives as elements of its own: kept in the abstract.
    fn field(&mut self, parent: &str, open: &Open) {
        let Some(raw) = self.event.as_mut() else {
            return;
        };
        let value = || Some(open.text.trim().to_string()).filter(|s| !s.is_empty());
        match (parent, open.name.as_str()) {
            ("event", "title") => raw.title = open.text.clone(),
            ("event", "subtitle") => raw.subtitle = value(),
            ("event", "date") => raw.date = value(),
            ("event", "start") => raw.start = value(),
            ("event", "duration") => raw.duration = value(),
            ("event", "room") => raw.room = value().or(raw.room.take()),
            ("event", "track") => raw.track = value(),
            ("event", "type") => raw.kind = value(),
            ("event", "abstract") => raw.abstract_text = value(),
            ("event", "description") => raw.description = value(),
            ("event", "url") => raw.url = value(),
            ("persons", "person") => raw.persons.extend(value()),
            ("links", "link") | ("attachments", "attachment") => {
                let url = open.href.clone().unwrap_or_default();
                let label = value().unwrap_or_else(|| url.clone());
                raw.links.push(Link { url, label });
            }
            // Written back as the tag it was, so that the HTML stripper
            // reads it as it reads escaped HTML.
            (_, child) => {
                if let Some(outer) = self.stack.last_mut() {
                    outer
                        .text
                        .push_str(&format!("<{child}>{}</{child}>", open.text));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ScheduleFormat;

    fn read_str(xml: &str) -> Schedule {
        let mut s = Schedule::empty("schedule.xml", ScheduleFormat::FrabXml);
        read(xml, &mut s);
        s
    }

    const TWO: &str = r#"<?xml version="1.0"?>
<schedule><conference><title>KCD &amp; Friends</title><time_zone_name>Europe/Amsterdam</time_zone_name></conference>
<day index="1" date="2023-02-20"><room name="Main">
 <event guid="g-1" id="1"><start>10:00</start><duration>00:30</duration><title>Service Mesh without the Mess</title>
  <persons><person id="3">Ray Example</person></persons>
  <links><link href="https://v.example/1">Video &amp; slides</link></links>
  <abstract>&lt;p&gt;Sidecars &amp;amp; eBPF&lt;/p&gt;</abstract></event>
 <event id="2"><date>2023-02-20T11:00:00+01:00</date><duration>00:45</duration><title>Raw <em>HTML</em> title</title>
  <description><p>One</p><p>Two <![CDATA[<b>three</b>]]></p></description><type>Workshop</type></event>
</room></day></schedule>"#;

    #[test]
    fn fields_and_text() {
        let s = read_str(TWO);
        assert_eq!(s.conference.as_deref(), Some("KCD & Friends"));
        let [a, b] = &s.events[..] else {
            panic!("{:?}", s.events)
        };
        assert_eq!((a.uid.as_str(), a.room.as_deref()), ("g-1", Some("Main")));
        assert_eq!(a.start.unwrap().to_rfc3339(), "2023-02-20T10:00:00+01:00");
        assert_eq!(a.speakers, ["Ray Example"]);
        assert_eq!(
            (a.links[0].url.as_str(), a.links[0].label.as_str()),
            ("https://v.example/1", "Video & slides")
        );
        assert_eq!(a.abstract_text, "Sidecars & eBPF");
        assert_eq!((b.uid.as_str(), b.title.as_str()), ("2", "Raw HTML title"));
        assert_eq!(b.abstract_text, "One\n\nTwo three");
        assert_eq!(b.kind.as_deref(), Some("Workshop"));
        assert_eq!(
            s.diagnostics,
            ["schedule.xml: 1 time without a zone; read in Europe/Amsterdam"]
        );
    }

    #[test]
    fn broken_xml_keeps_the_events_before_the_break() {
        let cut = TWO.replace("<event id=\"2\">", "<event id=\"2\"><title>Broken</titel>");
        let s = read_str(&cut);
        assert_eq!(s.events.len(), 1);
        assert!(
            s.diagnostics
                .iter()
                .any(|d| d.starts_with("schedule.xml: invalid XML at byte")
                    && d.ends_with("kept the 1 events before it")),
            "{:?}",
            s.diagnostics
        );
    }
}
