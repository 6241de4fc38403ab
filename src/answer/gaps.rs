//! Gaps: questions the notes could not answer. Which answers are gaps,
//! grouping them by topic, and closing the ones the notes answer now.
//!
//! Grouping rule: a question's topic words are its words of three letters
//! or more, less the generic words the index leaves out of topic lists
//! ([`is_stop_word`]) and the words of asking ("anyone", "know", ...),
//! compared by their stems. Two questions sharing a topic word are in one
//! group, and so, transitively, are the questions either shares one with.
//! Groups are listed most asked first (then most recently asked), and
//! named by their most shared words.

use super::{Answer, Engine};
use crate::index::query::is_stop_word;
use crate::index::schema::{stemmed_analyzer, tokens};
use crate::index::Filters;
use crate::store::{Gap, GapState, NearHit};
use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The nearest hits kept with a gap.
const NEAREST_KEPT: usize = 3;

/// Words of asking, not of a topic.
const ASKING: &[&str] = &[
    "anyone",
    "anybody",
    "someone",
    "know",
    "knows",
    "does",
    "did",
    "doing",
    "how",
    "who",
    "why",
    "was",
    "are",
    "is",
    "the",
    "and",
    "for",
    "can",
    "any",
    "our",
    "we",
    "you",
    "use",
    "using",
    "used",
    "there",
    "notes",
    "note",
    "conference",
    "team",
    "tell",
    "find",
    "want",
    "need",
    "best",
    "way",
    "ways",
    "get",
    "got",
    "see",
    "saw",
    "say",
    "said",
    "mention",
    "mentioned",
];

/// The nearest hits of an answer that is a gap: `None` when the answer
/// has a hit above the relevance floor.
pub fn gap_of(answer: &Answer) -> Option<Vec<NearHit>> {
    (answer.hits.is_empty() || answer.nearest).then(|| {
        answer
            .hits
            .iter()
            .take(NEAREST_KEPT)
            .map(|h| NearHit {
                session_id: h.meta.id.clone(),
                title: h.meta.title.clone(),
                score: h.score,
            })
            .collect()
    })
}

/// Questions about one topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapTopic {
    /// The words the questions share, most shared first (at most three);
    /// a single question's own topic words.
    pub words: Vec<String>,
    /// How many times it was asked, and how many of those are still open.
    pub asked: usize,
    pub open: usize,
    /// The questions, most recent first.
    pub gaps: Vec<Gap>,
}

/// A question's topic words: stem -> the word as written (lower case).
fn topic_words(question: &str) -> BTreeMap<String, String> {
    let mut analyzer = stemmed_analyzer();
    question
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !is_stop_word(w) && !ASKING.contains(&w.as_str()))
        .filter_map(|w| {
            let stem = tokens(&mut analyzer, &w).into_iter().next()?;
            Some((stem, w))
        })
        .collect()
}

/// Group gaps by the topic words they share (see the module's rule).
pub fn group(gaps: &[Gap]) -> Vec<GapTopic> {
    let words: Vec<BTreeMap<String, String>> =
        gaps.iter().map(|g| topic_words(&g.question)).collect();
    // Union-find over the questions, joined through each shared stem.
    let mut parent: Vec<usize> = (0..gaps.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, w) in words.iter().enumerate() {
        for stem in w.keys() {
            match first_with.get(stem.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first_with.insert(stem, i);
                }
            }
        }
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..gaps.len() {
        let r = root(&mut parent, i);
        members.entry(r).or_default().push(i);
    }
    let mut topics: Vec<GapTopic> = members
        .into_values()
        .map(|ix| topic(gaps, &words, &ix))
        .collect();
    topics.sort_by(|a, b| {
        b.asked
            .cmp(&a.asked)
            .then_with(|| latest(b).cmp(&latest(a)))
            .then_with(|| a.words.cmp(&b.words))
    });
    topics
}

fn latest(t: &GapTopic) -> Option<DateTime<Utc>> {
    t.gaps.first().map(|g| g.asked_at)
}

fn topic(gaps: &[Gap], words: &[BTreeMap<String, String>], ix: &[usize]) -> GapTopic {
    // Each stem: in how many of the questions, and as first written.
    let mut count: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for &i in ix {
        for (stem, word) in &words[i] {
            count.entry(stem).or_insert((0, word)).0 += 1;
        }
    }
    let mut ranked: Vec<(usize, &str)> = count.into_values().collect();
    let shared = ranked.iter().any(|(n, _)| *n > 1);
    ranked.retain(|(n, _)| !shared || *n > 1);
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut list: Vec<Gap> = ix.iter().map(|&i| gaps[i].clone()).collect();
    list.sort_by(|a, b| b.asked_at.cmp(&a.asked_at).then_with(|| b.id.cmp(&a.id)));
    GapTopic {
        words: ranked.iter().take(3).map(|(_, w)| w.to_string()).collect(),
        asked: list.len(),
        open: list.iter().filter(|g| g.closed.is_none()).count(),
        gaps: list,
    }
}

/// A gap the notes answer now, and the session that does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closed {
    pub gap: i64,
    pub question: String,
    pub session_id: String,
    pub title: String,
}

/// Ask every open gap's question again; close the ones that now have a hit
/// above the relevance floor, with that hit's session.
pub fn close_answered<S: GapState + ?Sized>(
    engine: &Engine,
    store: &S,
    now: DateTime<Utc>,
) -> Result<Vec<Closed>> {
    let mut closed = Vec::new();
    for gap in store.open_gaps()? {
        let answer = engine.ask(&gap.question, &Filters::default(), 1, 0)?;
        if gap_of(&answer).is_some() {
            continue;
        }
        let Some(hit) = answer.hits.first() else {
            continue;
        };
        if store.close_gap(gap.id, now, &hit.meta.id, &hit.meta.title)? {
            closed.push(Closed {
                gap: gap.id,
                question: gap.question,
                session_id: hit.meta.id.clone(),
                title: hit.meta.title.clone(),
            });
        }
    }
    Ok(closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::GapReason;

    fn gap(id: i64, question: &str, day: u32) -> Gap {
        Gap {
            id,
            question: question.into(),
            channel_id: Some(1),
            guild_id: None,
            message_id: Some(id as u64),
            asked_at: format!("2026-03-{day:02}T09:00:00Z").parse().unwrap(),
            reason: GapReason::NoMatch,
            nearest: Vec::new(),
            closed: None,
        }
    }

    #[test]
    fn questions_sharing_a_topic_word_are_one_group_most_asked_first() {
        let gaps = [
            gap(1, "Did anyone see a talk about WebAssembly components?", 1),
            gap(2, "who knows about quantum computing", 2),
            gap(3, "webassembly on the edge?", 3),
            gap(4, "How do we run Components in production", 4),
        ];
        let topics = group(&gaps);
        let shape: Vec<(Vec<String>, Vec<i64>)> = topics
            .iter()
            .map(|t| (t.words.clone(), t.gaps.iter().map(|g| g.id).collect()))
            .collect();
        assert_eq!(
            shape,
            [
                (
                    vec!["components".to_string(), "webassembly".to_string()],
                    vec![4, 3, 1]
                ),
                (
                    vec!["computing".to_string(), "quantum".to_string()],
                    vec![2]
                ),
            ]
        );
        assert_eq!((topics[0].asked, topics[0].open), (3, 3));
    }

    #[test]
    fn asking_words_alone_join_nothing() {
        let gaps = [gap(1, "does anyone know?", 1), gap(2, "anyone know?", 2)];
        let topics = group(&gaps);
        assert_eq!(topics.len(), 2);
        assert!(topics.iter().all(|t| t.words.is_empty()));
    }
}
