//! Hits beside the conference's schedule: a session of the team's notes
//! matched to an event gains its schedule line, its schedule and recording
//! links, the speakers the notes left out and its abstract (kept apart from
//! the notes); an event hit whose talk the team has notes on is shown as
//! that session. Matches are made once per engine, on first use, and only
//! when the index holds a schedule.

use super::{Engine, Hit};
use crate::notes::{Chunk, Kind};
use anyhow::Result;
use std::collections::HashMap;

/// The team's sessions matched to schedule events, both ways.
#[derive(Debug, Default)]
pub(crate) struct Matches {
    /// Session id -> the event's chunk.
    by_session: HashMap<String, Chunk>,
    /// Event id -> session id.
    by_event: HashMap<String, String>,
}

impl Engine {
    /// The matches, made on first use.
    pub(crate) fn matches(&self) -> &Matches {
        self.matches.get_or_init(|| {
            self.make_matches().unwrap_or_else(|e| {
                tracing::warn!(error = %crate::errors::chain(e.as_ref()), "cannot match the notes to the schedules");
                Matches::default()
            })
        })
    }

    fn make_matches(&self) -> Result<Matches> {
        if self.index.count_kind(Kind::Scheduled)? == 0 {
            return Ok(Matches::default());
        }
        let mut m = Matches::default();
        for coverage in self.schedules() {
            for decision in &coverage.decisions {
                let Some(event_id) = decision.matched() else {
                    continue;
                };
                if let Some(event) = self.index.get(event_id)? {
                    m.by_event
                        .insert(event_id.to_string(), decision.session.clone());
                    m.by_session.insert(decision.session.clone(), event);
                }
            }
        }
        Ok(m)
    }

    /// `hits` with what the schedule adds: see the module's header.
    pub(super) fn with_schedule(&self, hits: Vec<Hit>) -> Result<Vec<Hit>> {
        if hits.is_empty() || self.matches().by_event.is_empty() {
            return Ok(hits);
        }
        let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
        for hit in hits {
            let hit = match self.matches().by_event.get(&hit.meta.id) {
                Some(session) => match self.session_hit(session, &hit)? {
                    Some(h) => h,
                    None => continue,
                },
                None => hit,
            };
            if !out.iter().any(|h| h.meta.id == hit.meta.id) {
                out.push(self.enriched(hit));
            }
        }
        // The team's notes first, as for any answer.
        out.sort_by_key(|h| h.meta.kind == Kind::Scheduled);
        Ok(out)
    }

    /// The team's session an event hit stands for, ranked where the event was.
    fn session_hit(&self, session: &str, event: &Hit) -> Result<Option<Hit>> {
        let Some(chunk) = self.index.get(session)? else {
            return Ok(None);
        };
        let mut hit = self.whole_hit(chunk, event.score);
        hit.coverage = event.coverage;
        hit.held = event.held;
        hit.why = event.why.clone();
        Ok(Some(hit))
    }

    /// A session hit with its event's slot, links, speakers and abstract.
    pub(super) fn enriched(&self, mut hit: Hit) -> Hit {
        let Some(event) = self.matches().by_session.get(&hit.meta.id) else {
            return hit;
        };
        hit.meta.slot.clone_from(&event.meta.slot);
        if hit.meta.speakers.is_empty() {
            hit.meta.speakers.clone_from(&event.meta.speakers);
        }
        if hit.meta.organizations.is_empty() {
            hit.meta.organizations.clone_from(&event.meta.organizations);
        }
        for link in &event.links {
            if !hit.links.iter().any(|l| l.url == link.url) {
                hit.links.push(link.clone());
            }
        }
        // No page of its own (only its place in the notes): the schedule's.
        let source = self.config.source_url(&hit.meta.file, hit.meta.line);
        if hit.url.is_none() || hit.url == source {
            hit.url = event.links.first().map(|l| l.url.clone()).or(hit.url);
        }
        hit.schedule_abstract = Some(event.body.clone()).filter(|b| !b.trim().is_empty());
        hit
    }
}
