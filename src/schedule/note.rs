//! A schedule as the index holds it: one chunk of kind `scheduled` per
//! event, beside the team's notes but never mistaken for them.

use super::{Event, Schedule};
use crate::notes::{
    Chunk, Diagnostic, Format, Kind, Link, Note, ReadNote, SessionMeta, Severity, Slot,
};
use chrono::Datelike;

/// The file `rel` read as a schedule, when its content is one.
pub fn read_note(rel: &str, bytes: &[u8]) -> Option<ReadNote> {
    read_note_as(rel, bytes, None)
}

/// [`read_note`], the conference named by the config when it is given.
pub fn read_note_as(rel: &str, bytes: &[u8], conference: Option<&str>) -> Option<ReadNote> {
    let mut schedule = super::read(rel, bytes)?;
    if let Some(c) = conference {
        schedule.conference = Some(c.to_string());
    }
    let diagnostics = schedule
        .diagnostics
        .iter()
        .map(|message| Diagnostic {
            file: rel.to_string(),
            severity: Severity::Warning,
            // The reader names the file first; the diagnostic does already.
            message: message
                .strip_prefix(&format!("{rel}: "))
                .unwrap_or(message)
                .to_string(),
        })
        .collect();
    Some(ReadNote {
        note: Some(to_note(&schedule, rel)),
        diagnostics,
        hash: crate::hash::fingerprint(bytes),
    })
}

/// Every event as a chunk: its schedule line as the section, its abstract
/// as the body, its page and recordings as links.
pub fn to_note(schedule: &Schedule, rel: &str) -> Note {
    let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
    // A schedule that does not name its conference is named by its file,
    // as a note is ("kubecon-na-2020.json": KubeCon NA).
    let conference = schedule.conference.clone().or_else(|| {
        let name = stem.rsplit('/').next().unwrap_or(stem);
        crate::notes::meta::conference_in(&name.replace(['-', '_', '.'], " "))
    });
    // Times in the conference's own zone when the schedule names it: an
    // event given in UTC shows at the hour the others do.
    let zone: Option<chrono_tz::Tz> = schedule.timezone.as_deref().and_then(|z| z.parse().ok());
    // In time order (events without a time last), then by room.
    let mut events: Vec<&Event> = schedule.events.iter().collect();
    events.sort_by(|a, b| {
        (a.start.is_none(), a.start, &a.room, &a.title).cmp(&(
            b.start.is_none(),
            b.start,
            &b.room,
            &b.title,
        ))
    });
    let chunks: Vec<Chunk> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| Chunk {
            meta: SessionMeta {
                id: format!("{stem}/{}", slug(&e.uid)),
                kind: Kind::Scheduled,
                title: e.title.clone(),
                speakers: e.speakers.clone(),
                organizations: e.organizations.clone(),
                conference: conference.clone(),
                year: e.start.map(|s| s.year()),
                section: None,
                file: rel.to_string(),
                line: i + 1,
                slot: Some(slot(&in_zone(e, zone))),
            },
            body: body(e),
            links: links(e),
        })
        .collect();
    let year = chunks.iter().find_map(|c| c.meta.year);
    Note {
        file: rel.to_string(),
        format: Format::Plain,
        title: conference.clone(),
        conference,
        year,
        chunks,
    }
}

/// The event with its times in `zone`, when there is one.
fn in_zone(e: &Event, zone: Option<chrono_tz::Tz>) -> Event {
    let Some(zone) = zone else { return e.clone() };
    let shift = |t: Option<chrono::DateTime<chrono::FixedOffset>>| {
        t.map(|t| t.with_timezone(&zone).fixed_offset())
    };
    Event {
        start: shift(e.start),
        end: shift(e.end),
        ..e.clone()
    }
}

/// When and where the event is.
pub fn slot(e: &Event) -> Slot {
    Slot {
        start: e.start,
        end: e.end,
        room: e.room.clone(),
        track: e.track.clone(),
        line: schedule_line(e),
    }
}

/// "Tue 18 Apr 14:30–15:05 · Hall A · Security track · recording", in the
/// schedule's own time.
pub fn schedule_line(e: &Event) -> String {
    let mut parts = Vec::new();
    if let Some(start) = e.start {
        let mut when = start.format("%a %-d %b %H:%M").to_string();
        if let Some(end) = e.end.filter(|end| end.date_naive() == start.date_naive()) {
            when.push_str(&end.format("–%H:%M").to_string());
        }
        parts.push(when);
    }
    parts.extend(e.room.clone());
    if let Some(track) = &e.track {
        let named = track.to_lowercase().contains("track");
        parts.push(if named {
            track.clone()
        } else {
            format!("{track} track")
        });
    }
    if links(e)
        .iter()
        .any(|l| crate::notes::links::is_media_link(&l.url, &l.label))
    {
        parts.push("recording".to_string());
    }
    parts.join(" · ")
}

fn body(e: &Event) -> String {
    match &e.subtitle {
        Some(sub) if !sub.trim().is_empty() => format!("{sub}\n\n{}", e.abstract_text),
        _ => e.abstract_text.clone(),
    }
}

/// The event's page first (a schedule page is a session's own page), then
/// its other links.
fn links(e: &Event) -> Vec<Link> {
    let page = e.url.iter().map(|url| Link {
        url: url.clone(),
        label: "schedule".to_string(),
    });
    page.chain(e.links.iter().cloned()).collect()
}

/// An id part from a schedule's uid: lower case letters, digits and dashes.
fn slug(uid: &str) -> String {
    let s: String = uid
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-');
    if s.is_empty() {
        "event".to_string()
    } else {
        s.chars().take(80).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn event() -> Event {
        Event {
            uid: "ABC-123@sched".into(),
            title: "Securing the Supply Chain".into(),
            subtitle: None,
            speakers: vec!["Ada Lovelace".into()],
            organizations: vec![],
            start: Some(DateTime::parse_from_rfc3339("2023-04-18T14:30:00+02:00").unwrap()),
            end: Some(DateTime::parse_from_rfc3339("2023-04-18T15:05:00+02:00").unwrap()),
            room: Some("Hall A".into()),
            track: Some("Security".into()),
            kind: Some("Talk".into()),
            abstract_text: "Signing, provenance and SBOMs.".into(),
            url: Some("https://example.org/talk/abc".into()),
            links: vec![Link {
                url: "https://www.youtube.com/watch?v=abc".into(),
                label: "Recording".into(),
            }],
        }
    }

    #[test]
    fn an_event_becomes_a_scheduled_chunk_with_its_schedule_line() {
        assert_eq!(
            schedule_line(&event()),
            "Tue 18 Apr 14:30–15:05 · Hall A · Security track · recording"
        );
        let schedule = Schedule {
            source: "kubecon/schedule.xml".into(),
            format: super::super::ScheduleFormat::FrabXml,
            conference: Some("KubeCon EU".into()),
            timezone: Some("Europe/Amsterdam".into()),
            events: vec![event()],
            diagnostics: vec![],
        };
        let note = to_note(&schedule, "kubecon/schedule.xml");
        let c = &note.chunks[0];
        assert_eq!(c.meta.id, "kubecon/schedule/abc-123-sched");
        assert_eq!(c.meta.kind, Kind::Scheduled);
        assert_eq!(c.meta.year, Some(2023));
        assert_eq!(c.meta.conference.as_deref(), Some("KubeCon EU"));
        assert_eq!(c.links[0].label, "schedule");
        assert_eq!(note.year, Some(2023));
    }
}
