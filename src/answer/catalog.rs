//! Sessions looked up by id or title, and what autocomplete offers.

use super::ask::names_most;
use super::{ConferenceInfo, Engine, Hit};
use crate::index::Filters;
use crate::notes::{Chunk, Kind};
use anyhow::Result;

/// What autocomplete offers: titles, people and conferences, gathered once
/// per index refresh.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// (id, title, kind) of every chunk.
    pub titles: Vec<(String, String, Kind)>,
    /// Speakers and organisations, deduplicated, sorted.
    pub people: Vec<String>,
    pub conferences: Vec<ConferenceInfo>,
}

impl Catalog {
    /// Up to `n` titles matching what was typed: prefix first, then words in any order.
    pub fn match_titles(&self, typed: &str, n: usize) -> Vec<(String, String)> {
        let typed = typed.trim().to_lowercase();
        let words: Vec<&str> = typed.split_whitespace().collect();
        let mut scored: Vec<(usize, &(String, String, Kind))> = self
            .titles
            .iter()
            .filter_map(|t| {
                let title = t.1.to_lowercase();
                let rank = if typed.is_empty() || title.starts_with(&typed) {
                    0
                } else if title.contains(&typed) {
                    1
                } else if words.iter().all(|w| title.contains(w)) {
                    2
                } else if words.iter().any(|w| w.len() >= 3 && title.contains(w)) {
                    3
                } else if words.iter().any(|w| {
                    // A typo: "promethues" still finds "Prometheus".
                    w.chars().count() >= 4
                        && title.split(|c: char| !c.is_alphanumeric()).any(|t| {
                            strsim::levenshtein(w, t) <= if w.chars().count() >= 7 { 2 } else { 1 }
                        })
                }) {
                    4
                } else {
                    return None;
                };
                Some((rank + usize::from(t.2 == Kind::Section) * 5, t))
            })
            .collect();
        scored.sort_by_key(|(r, _)| *r);
        scored
            .into_iter()
            .take(n)
            .map(|(_, t)| (t.0.clone(), t.1.clone()))
            .collect()
    }

    /// Up to `n` people or organisations containing what was typed.
    pub fn match_people(&self, typed: &str, n: usize) -> Vec<String> {
        let typed = typed.trim().to_lowercase();
        self.people
            .iter()
            .filter(|p| p.to_lowercase().contains(&typed))
            .take(n)
            .cloned()
            .collect()
    }
}

impl Engine {
    /// One session by id, or by (part of) its title.
    pub fn session(&self, id_or_title: &str) -> Result<Option<Hit>> {
        let chunk = match self.index.get(id_or_title.trim())? {
            Some(c) => Some(c),
            None => {
                let wanted = id_or_title.trim().to_lowercase();
                // The exact title, else the first title (in file order) containing it.
                let (mut exact, mut part): (Option<Chunk>, Option<Chunk>) = (None, None);
                let first = |a: &Option<Chunk>, c: &Chunk| {
                    a.as_ref().is_none_or(|a| c.meta.place() < a.meta.place())
                };
                self.index.each_chunk(|c| {
                    let title = c.meta.title.to_lowercase();
                    if title == wanted && first(&exact, &c) {
                        exact = Some(c);
                    } else if title.contains(&wanted) && first(&part, &c) {
                        part = Some(c);
                    }
                    Ok(())
                })?;
                match exact.or(part) {
                    Some(c) => Some(c),
                    None => {
                        // Best search hit, if its title names most of the words asked.
                        let words = self.builder.build(id_or_title, &Filters::default()).words;
                        let a = self.ask(id_or_title, &Filters::default(), 1, 0)?;
                        match a.hits.into_iter().next() {
                            Some(h) if names_most(&h.meta.title, &words) => {
                                self.index.get(&h.meta.id)?
                            }
                            _ => None,
                        }
                    }
                }
            }
        };
        // As a question would show it: with its schedule when it has one.
        Ok(chunk.map(|c| self.enriched(self.whole_hit(c, 0.0))))
    }

    /// The first session of a note file (`file` relative to the notes
    /// directory, as [`crate::notes::SessionMeta::file`] holds it), as
    /// [`Engine::session`] shows it.
    pub fn session_in_file(&self, file: &str) -> Result<Option<Hit>> {
        let mut first: Option<Chunk> = None;
        self.index.each_chunk(|c| {
            if c.meta.file == file && first.as_ref().is_none_or(|f| c.meta.line < f.meta.line) {
                first = Some(c);
            }
            Ok(())
        })?;
        Ok(first.map(|c| self.enriched(self.whole_hit(c, 0.0))))
    }

    /// A chunk as a hit not made by a question: no snippet, the summary of
    /// its whole body.
    pub(super) fn whole_hit(&self, chunk: Chunk, score: f32) -> Hit {
        let searcher = self.index.searcher();
        let summary = self.summarizer(&searcher).summarize(
            &chunk.body,
            &[],
            self.config.answer.summary_sentences,
            self.config.answer.summary_chars,
        );
        self.hit(chunk, score, String::new(), summary)
    }

    /// Chunks matching a query, best first, without snippets or summaries.
    pub fn matching(&self, query: &str, max: usize) -> Result<Vec<Chunk>> {
        let built = self.builder.build(query, &Filters::default());
        let Some(q) = &built.query else {
            return Ok(Vec::new());
        };
        Ok(self
            .index
            .run(q.as_ref(), max, 0)?
            .into_iter()
            .map(|(_, c, _)| c)
            .collect())
    }

    /// Every chunk, in file order.
    pub fn chunks(&self) -> Result<Vec<Chunk>> {
        self.index.all_chunks()
    }

    pub fn catalog(&self) -> Result<Catalog> {
        let mut titles = Vec::new();
        let mut people: Vec<String> = Vec::new();
        let mut order = Vec::new();
        self.index.each_chunk(|c| {
            people.extend(c.meta.speakers);
            people.extend(c.meta.organizations);
            order.push((c.meta.file, c.meta.line));
            titles.push((c.meta.id, c.meta.title, c.meta.kind));
            Ok(())
        })?;
        // Titles in file order, as the notes list them.
        let mut idx: Vec<usize> = (0..titles.len()).collect();
        idx.sort_by(|a, b| order[*a].cmp(&order[*b]));
        let mut slots: Vec<Option<(String, String, Kind)>> = titles.into_iter().map(Some).collect();
        let titles = idx.into_iter().filter_map(|i| slots[i].take()).collect();
        people.sort_by_key(|p| p.to_lowercase());
        people.dedup();
        Ok(Catalog {
            titles,
            people,
            conferences: self.conferences()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_matching_prefers_prefixes_and_tolerates_typos() {
        let c = Catalog {
            titles: vec![
                (
                    "a".into(),
                    "When Prometheus Can't Take the Load Anymore".into(),
                    Kind::Talk,
                ),
                ("b".into(), "Kubeadm Deep Dive".into(), Kind::Listed),
                ("c".into(), "On networking".into(), Kind::Section),
            ],
            ..Catalog::default()
        };
        assert_eq!(c.match_titles("kubeadm", 5)[0].0, "b");
        assert_eq!(c.match_titles("promethues", 5)[0].0, "a");
        assert_eq!(c.match_titles("", 5).len(), 3);
        assert!(c.match_titles("zzzz", 5).is_empty());
    }
}
