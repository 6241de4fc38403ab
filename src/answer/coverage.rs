//! A conference's schedule beside the team's notes: which events the team
//! has notes on, and the decisions behind each match.

use super::Engine;
use crate::notes::{Chunk, Kind, SessionMeta};
use crate::schedule::matching::{match_sessions, same_conference, Decision};
use crate::schedule::Event;
use anyhow::Result;
use serde::Serialize;

/// One schedule and what the notes cover of it.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub conference: Option<String>,
    pub year: Option<i32>,
    /// The schedule's file under the notes directory.
    pub source: String,
    pub events: Vec<CoveredEvent>,
    /// Events the team has notes on.
    pub with_notes: usize,
    /// For each of the team's sessions of this conference, what matching
    /// decided and why (scores).
    pub decisions: Vec<Decision>,
}

/// An event of the schedule, with the team's session on it if any.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CoveredEvent {
    #[serde(flatten)]
    pub meta: SessionMeta,
    /// The id of the team's session on it.
    pub notes: Option<String>,
}

impl Engine {
    /// Every schedule under the notes, with what the notes cover of it;
    /// only the conferences whose "name year" contains `conference`, when
    /// given.
    pub fn coverage(&self, conference: Option<&str>) -> Result<Vec<Coverage>> {
        let chunks = self.index.all_chunks()?;
        let (scheduled, notes): (Vec<&Chunk>, Vec<&Chunk>) = chunks
            .iter()
            .filter(|c| c.meta.kind == Kind::Scheduled || c.meta.kind.is_session())
            .partition(|c| c.meta.kind == Kind::Scheduled);
        let wanted = conference.map(str::to_lowercase);
        let mut out = Vec::new();
        for events in by_file(&scheduled) {
            let first = &events[0].meta;
            let label = format!(
                "{} {}",
                first.conference.as_deref().unwrap_or(""),
                first.year.map(|y| y.to_string()).unwrap_or_default()
            );
            if wanted
                .as_ref()
                .is_some_and(|w| !label.to_lowercase().contains(w.trim()))
            {
                continue;
            }
            out.push(cover(&events, &notes));
        }
        Ok(out)
    }
}

impl Engine {
    /// The events of every schedule that start on `date` (in their own
    /// offset), in time order, at most `max`.
    pub fn scheduled_on(&self, date: chrono::NaiveDate, max: usize) -> Result<Vec<CoveredEvent>> {
        let mut events: Vec<CoveredEvent> = self
            .schedules()
            .iter()
            .flat_map(|c| c.events.iter().cloned())
            .filter(|e| {
                let start = e.meta.slot.as_ref().and_then(|s| s.start);
                start.is_some_and(|s| s.date_naive() == date)
            })
            .collect();
        events.sort_by_key(|e| e.meta.slot.as_ref().and_then(|s| s.start));
        events.truncate(max);
        Ok(events)
    }
}

/// The scheduled chunks grouped by file, in file order.
fn by_file<'a>(scheduled: &[&'a Chunk]) -> Vec<Vec<&'a Chunk>> {
    let mut groups: Vec<Vec<&Chunk>> = Vec::new();
    for c in scheduled {
        match groups.last_mut() {
            Some(g) if g[0].meta.file == c.meta.file => g.push(c),
            _ => groups.push(vec![c]),
        }
    }
    groups
}

/// Match the conference's sessions to one schedule's events.
fn cover(events: &[&Chunk], notes: &[&Chunk]) -> Coverage {
    let first = &events[0].meta;
    let year = events.iter().find_map(|e| e.meta.year);
    let conference = first.conference.clone();
    let sessions: Vec<&SessionMeta> = notes
        .iter()
        .map(|c| &c.meta)
        .filter(|m| match (&m.conference, &conference) {
            (Some(a), Some(b)) => same_conference(a, m.year, b, year),
            _ => false,
        })
        .collect();
    let as_events: Vec<Event> = events.iter().map(|c| as_event(&c.meta)).collect();
    let decisions = match_sessions(&sessions, &as_events);
    let events: Vec<CoveredEvent> = events
        .iter()
        .map(|c| CoveredEvent {
            notes: decisions
                .iter()
                .find(|d| d.matched() == Some(c.meta.id.as_str()))
                .map(|d| d.session.clone()),
            meta: c.meta.clone(),
        })
        .collect();
    Coverage {
        conference,
        year,
        source: first.file.clone(),
        with_notes: events.iter().filter(|e| e.notes.is_some()).count(),
        events,
        decisions,
    }
}

/// What matching needs of a scheduled chunk: its id as the uid, its title
/// and speakers.
fn as_event(m: &SessionMeta) -> Event {
    Event {
        uid: m.id.clone(),
        title: m.title.clone(),
        speakers: m.speakers.clone(),
        organizations: m.organizations.clone(),
        ..Event::default()
    }
}
