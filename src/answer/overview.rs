//! A conference at a glance, and what the notes cover.

use super::{ConferenceInfo, Engine};
use crate::index;
use crate::notes::Chunk;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// A conference at a glance: its talks by day or track, and its topics.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub name: String,
    pub year: Option<i32>,
    pub sessions: usize,
    /// (day or track, titles) in note order.
    pub by_section: Vec<(String, Vec<String>)>,
    /// The words most sessions of this conference share, with how many.
    pub topics: Vec<(String, usize)>,
}

impl Engine {
    /// The conferences in the notes, with session counts.
    pub fn conferences(&self) -> Result<Vec<ConferenceInfo>> {
        type Key = (String, Option<i32>);
        let mut map: BTreeMap<Key, (usize, std::collections::BTreeSet<String>)> = BTreeMap::new();
        self.index.each_chunk(|c| {
            let name = c
                .meta
                .conference
                .unwrap_or_else(|| "(unknown conference)".to_string());
            let e = map.entry((name, c.meta.year)).or_default();
            if c.meta.kind.is_session() {
                e.0 += 1;
            }
            e.1.insert(c.meta.file);
            Ok(())
        })?;
        Ok(map
            .into_iter()
            .map(|((name, year), (sessions, files))| ConferenceInfo {
                name,
                year,
                sessions,
                files: files.into_iter().collect(),
            })
            .collect())
    }

    /// The overview of the conference whose "name year" contains `wanted`.
    pub fn overview(&self, wanted: &str) -> Result<Option<Overview>> {
        let wanted = wanted.trim().to_lowercase();
        let label = |c: &Chunk| match (&c.meta.conference, c.meta.year) {
            (Some(n), Some(y)) => format!("{n} {y}"),
            (Some(n), None) => n.clone(),
            (None, Some(y)) => y.to_string(),
            (None, None) => String::new(),
        };
        // Only the chunks of conferences that match are kept.
        let mut chunks = Vec::new();
        self.index.each_chunk(|c| {
            if label(&c).to_lowercase().contains(&wanted) {
                chunks.push(c);
            }
            Ok(())
        })?;
        chunks.sort_by(|a, b| a.meta.place().cmp(&b.meta.place()));
        let Some(first) = chunks
            .iter()
            .find(|c| label(c).to_lowercase().contains(&wanted))
        else {
            return Ok(None);
        };
        let key = label(first);
        let mine: Vec<&Chunk> = chunks
            .iter()
            .filter(|c| label(c) == key && c.meta.kind.is_session())
            .collect();
        let mut by_section: Vec<(String, Vec<String>)> = Vec::new();
        for c in &mine {
            let s = c
                .meta
                .section
                .clone()
                .unwrap_or_else(|| "Other".to_string());
            match by_section.iter_mut().find(|(name, _)| *name == s) {
                Some((_, titles)) => titles.push(c.meta.title.clone()),
                None => by_section.push((s, vec![c.meta.title.clone()])),
            }
        }
        // Topics: words that several sessions' titles and bodies share.
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for c in &mine {
            let mut seen: Vec<String> = format!("{} {}", c.meta.title, c.body)
                .split(|ch: char| !ch.is_alphanumeric() && ch != '-')
                .filter(|w| w.chars().count() >= 4 && w.chars().any(char::is_alphabetic))
                .map(str::to_lowercase)
                .filter(|w| !index::query::is_stop_word(w) && !w.contains("://"))
                .collect();
            seen.sort();
            seen.dedup();
            for w in seen {
                *counts.entry(w).or_default() += 1;
            }
        }
        let mut topics: Vec<(String, usize)> =
            counts.into_iter().filter(|(_, n)| *n >= 2).collect();
        topics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        topics.truncate(10);
        Ok(Some(Overview {
            name: first.meta.conference.clone().unwrap_or_default(),
            year: first.meta.year,
            sessions: mine.len(),
            by_section,
            topics,
        }))
    }
}
