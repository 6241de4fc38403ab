//! Questions to answers: ranked hits with highlighted snippets, extractive
//! summaries and links, or a helpful reply when nothing matches.

pub mod live;
mod rank;
pub mod snippet;
pub mod summary;
pub mod text;

pub use live::LiveEngine;

/// Candidates tantivy returns for the second look (coverage); pages past it
/// widen the pool.
const POOL: usize = 12;
/// A hit scoring less than this share of the best one is not shown.
const MIN_SHARE_OF_BEST: f32 = 0.05;
/// Nearest notes shown when nothing is close.
const NEAREST: usize = 3;

use crate::config::Config;
use crate::index::{
    self, schema, Filters, NotesIndex, QueryBuilder, Report, Synonyms, WriterOptions,
};
use crate::notes::{Chunk, Kind, Link};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use tantivy::Searcher;

/// One result, as shown to users and written as JSON.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub speakers: Vec<String>,
    pub organizations: Vec<String>,
    pub conference: Option<String>,
    pub year: Option<i32>,
    pub section: Option<String>,
    pub file: String,
    pub line: usize,
    pub score: f32,
    /// 0..=1: the share of the question's weight this hit holds, its rare
    /// words counting most.
    pub coverage: f32,
    /// The same, not divided by the question's weight: 1 per rarest word held.
    #[serde(skip)]
    pub held: f32,
    /// Where the title links to: the session's own page (its video, slides
    /// or schedule entry), else its place in the notes' source.
    pub url: Option<String>,
    /// Which words of the question matched where, in one line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
    /// The sentences or bullets holding the question's words, one per
    /// line, the words wrapped in `**`.
    pub snippet: String,
    pub summary: String,
    pub links: Vec<Link>,
}

/// The answer to a question.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub query: String,
    pub hits: Vec<Hit>,
    /// No hit is close to the question: `hits` are only the nearest notes,
    /// shown as such ("nothing close; nearest:"), not as answers.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nearest: bool,
    /// When nothing matched: the question with its words corrected from the
    /// index's vocabulary, if that helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
    /// When nothing matched: what the notes do cover.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conferences: Vec<ConferenceInfo>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConferenceInfo {
    pub name: String,
    pub year: Option<i32>,
    pub sessions: usize,
    pub files: Vec<String>,
}

/// The index plus everything needed to answer from it.
pub struct Engine {
    pub index: NotesIndex,
    builder: QueryBuilder,
    config: Config,
    /// Typos corrected on this index, remembered until it is replaced.
    corrections: rank::Corrections,
}

impl Engine {
    /// Open the index and bring it up to date with the notes; with
    /// `index.read_only`, open it as `confnotes index` left it.
    pub fn open(config: &Config, progress: &dyn index::Progress) -> Result<(Engine, Report)> {
        let synonyms = Synonyms::load(&config.synonyms_file)?;
        let (index, report) = if config.index.read_only {
            let index = NotesIndex::open_read_only(&config.index_path())?;
            let report = index.current_report()?;
            (index, report)
        } else {
            let (mut index, rebuilt) = Self::open_index(config)?;
            let mut report = index.refresh(
                &config.notes_dir,
                WriterOptions::from_config(&config.index),
                progress,
            )?;
            report.rebuilt = rebuilt;
            (index, report)
        };
        Ok((Self::with_index(config, index, &synonyms), report))
    }

    /// [`Engine::open`] for a short command: `answer` runs on the index as
    /// it is while another thread lists the notes, the freshness check of
    /// every start. When the listing shows that the notes changed, the index
    /// is refreshed and `answer` runs again, so what it gives is always
    /// from the notes as they are. Unchanged notes, the common case, cost
    /// the longer of the two instead of both: on the 1000x bench corpus the
    /// listing (a `stat` per note) takes longer than the question.
    pub fn open_answering<T>(
        config: &Config,
        progress: &dyn index::Progress,
        answer: impl Fn(&Engine) -> Result<T>,
    ) -> Result<(Engine, Report, T)> {
        if config.index.read_only {
            let (engine, report) = Self::open(config, progress)?;
            let first = answer(&engine)?;
            return Ok((engine, report, first));
        }
        let started = std::time::Instant::now();
        index::check_notes_dir(&config.notes_dir)?;
        let (listing, opened) = std::thread::scope(|scope| {
            // The listing first: it takes longest.
            let lister = scope.spawn(|| crate::notes::list_notes(&config.notes_dir));
            let opened = Synonyms::load(&config.synonyms_file).and_then(|synonyms| {
                let (index, rebuilt) = Self::open_index(config)?;
                let engine = Self::with_index(config, index, &synonyms);
                // A new or rebuilt index is empty: nothing to answer from yet.
                let empty = engine.index.searcher().num_docs() == 0;
                let first = (!empty).then(|| answer(&engine));
                Ok((engine, rebuilt, first))
            });
            let listing = lister
                .join()
                .map_err(|_| anyhow::anyhow!("listing the notes failed"));
            (listing, opened)
        });
        let (mut engine, rebuilt, first) = opened?;
        let listing = listing?;
        let current = engine.index.is_current(&listing.0);
        let mut report = engine.index.refresh_listed(
            listing,
            started,
            WriterOptions::from_config(&config.index),
            progress,
        )?;
        report.rebuilt = rebuilt;
        match first {
            Some(first) if current => Ok((engine, report, first?)),
            _ => {
                // Typo corrections were made on the old snapshot.
                engine.corrections = rank::Corrections::default();
                let again = answer(&engine)?;
                Ok((engine, report, again))
            }
        }
    }

    /// The index, opened (rebuilt if need be: the second value says why)
    /// to read notes with the config's rules.
    fn open_index(config: &Config) -> Result<(NotesIndex, Option<String>)> {
        let (mut index, rebuilt) = NotesIndex::open(&config.index_path())?;
        if let Some(why) = &rebuilt {
            tracing::warn!("{why}");
        }
        index.set_rules(config.notes.talk_rules());
        Ok((index, rebuilt))
    }

    fn with_index(config: &Config, index: NotesIndex, synonyms: &Synonyms) -> Engine {
        let builder = QueryBuilder::new(index.fields, config.ranking.clone(), synonyms);
        Engine {
            index,
            builder,
            config: config.clone(),
            corrections: rank::Corrections::default(),
        }
    }

    /// The best chunks for a question, `offset` results in.
    pub fn ask(
        &self,
        question: &str,
        filters: &Filters,
        limit: usize,
        offset: usize,
    ) -> Result<Answer> {
        let searcher = self.index.searcher();
        let stats = rank::SearchStats {
            searcher: &searcher,
            fields: &self.index.fields,
            corrections: &self.corrections,
        };
        let built = self.builder.build_with(question, filters, &stats);
        let mut answer = Answer {
            query: question.to_string(),
            hits: Vec::new(),
            nearest: false,
            did_you_mean: None,
            conferences: Vec::new(),
        };
        if let Some(query) = &built.query {
            // Candidates for the second look; the same pool for every page.
            let pool = (limit + offset).max(POOL) + 5;
            let fetched = self.index.run(query.as_ref(), pool, 0)?;
            let mut reader = rank::Reader::new(&built.concepts);
            let mut ranked: Vec<(f32, rank::Match, Chunk)> = fetched
                .into_iter()
                .map(|(score, chunk, _)| {
                    let m = reader.matched(&chunk, &built.concepts);
                    // Holding most of the question, rare words first, outranks
                    // holding one of its words many times or in the title.
                    let mut s = score * m.coverage * m.coverage;
                    if built.wants_links && !chunk.links.is_empty() {
                        s *= 1.5;
                    }
                    (s, m, chunk)
                })
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            let floor = self.config.ranking.min_match;
            // Close: holds a rare word's worth, or most of the question;
            // never when the notes hold none of the alternatives a question
            // weighs ("bcrypt or argon2?" is not answered by a note on
            // passwords).
            let close =
                |m: &rank::Match| !built.subject_missing && (m.held >= floor || m.coverage >= 0.5);
            let best = ranked.first().map_or(0.0, |r| r.0);
            if !ranked.iter().any(|r| close(&r.1)) {
                // Nothing holds enough of the question: the nearest, as such.
                answer.nearest = true;
                ranked.truncate(NEAREST.min(limit));
            } else {
                // Weak hits are dropped rather than shown as answers.
                ranked.retain(|(s, m, _)| close(m) && *s >= best * MIN_SHARE_OF_BEST);
            }
            let mut snippets = self.snippets(&searcher, &built.terms);
            let mut summarizer = self.summarizer(&searcher);
            for (score, m, chunk) in ranked.into_iter().skip(offset).take(limit) {
                let snippet = snippets.make(&chunk.body);
                let summary = summarizer.summarize(
                    &chunk.body,
                    &built.terms,
                    self.config.answer.summary_sentences,
                    self.config.answer.summary_chars,
                );
                let mut hit = self.hit(chunk, score, snippet, summary);
                hit.why = m.why;
                hit.coverage = m.coverage;
                hit.held = m.held;
                answer.hits.push(hit);
            }
        }
        if (answer.hits.is_empty() || answer.nearest) && offset == 0 {
            if !built.corrections.is_empty() {
                let mut fixed = built.words.clone();
                for (typed, to) in &built.corrections {
                    for w in fixed.iter_mut().filter(|w| *w == typed) {
                        w.clone_from(to);
                    }
                }
                answer.did_you_mean = Some(fixed.join(" "));
            }
            // What the notes cover, when there is nothing to show; it reads
            // every chunk, so not when the nearest notes are shown anyway.
            if answer.hits.is_empty() {
                answer.conferences = self.conferences()?;
            }
        }
        Ok(answer)
    }

    /// One session by id, or by (part of) its title.
    pub fn session(&self, id_or_title: &str) -> Result<Option<Hit>> {
        let chunk = match self.index.get(id_or_title.trim())? {
            Some(c) => Some(c),
            None => {
                let wanted = id_or_title.trim().to_lowercase();
                // The exact title, else the first title (in file order) containing it.
                let (mut exact, mut part): (Option<Chunk>, Option<Chunk>) = (None, None);
                let first = |a: &Option<Chunk>, c: &Chunk| {
                    a.as_ref()
                        .is_none_or(|a| (&c.file, c.line) < (&a.file, a.line))
                };
                self.index.each_chunk(|c| {
                    let title = c.title.to_lowercase();
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
                            Some(h) if names_most(&h.title, &words) => self.index.get(&h.id)?,
                            _ => None,
                        }
                    }
                }
            }
        };
        let Some(chunk) = chunk else { return Ok(None) };
        let searcher = self.index.searcher();
        let summary = self.summarizer(&searcher).summarize(
            &chunk.body,
            &[],
            self.config.answer.summary_sentences,
            self.config.answer.summary_chars,
        );
        Ok(Some(self.hit(chunk, 0.0, String::new(), summary)))
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

    /// The conferences in the notes, with session counts.
    pub fn conferences(&self) -> Result<Vec<ConferenceInfo>> {
        type Key = (String, Option<i32>);
        let mut map: BTreeMap<Key, (usize, std::collections::BTreeSet<String>)> = BTreeMap::new();
        self.index.each_chunk(|c| {
            let name = c
                .conference
                .unwrap_or_else(|| "(unknown conference)".to_string());
            let e = map.entry((name, c.year)).or_default();
            if c.kind.is_session() {
                e.0 += 1;
            }
            e.1.insert(c.file);
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

    fn hit(&self, c: Chunk, score: f32, snippet: String, summary: String) -> Hit {
        let mut links = c.links;
        let source = self.config.source_url(&c.file, c.line);
        // A session's own page: a video, slides or schedule link of it. A
        // section's links are whatever it mentions, never its page.
        let own = c
            .kind
            .is_session()
            .then(|| {
                links
                    .iter()
                    .find(|l| {
                        crate::notes::links::is_media_link(&l.url, &l.label)
                            || crate::notes::linkline::is_talk_page(&l.url)
                    })
                    .or(if c.kind == Kind::Listed {
                        // A talk only named with a link: the link is its page.
                        links.first()
                    } else {
                        None
                    })
                    .map(|l| l.url.clone())
            })
            .flatten();
        let url = own.or_else(|| source.clone());
        if let Some(url) = source {
            links.push(Link {
                url,
                label: format!("source: {}:{}", c.file, c.line),
            });
        }
        Hit {
            id: c.id,
            kind: c.kind,
            title: text::clean_title(&c.title),
            url,
            coverage: 1.0,
            held: 0.0,
            why: String::new(),
            speakers: c.speakers,
            organizations: c.organizations,
            conference: c.conference,
            year: c.year,
            section: c.section,
            file: c.file,
            line: c.line,
            score,
            snippet,
            summary,
            links,
        }
    }

    fn summarizer<'a>(&self, searcher: &'a Searcher) -> summary::Summarizer<'a> {
        summary::Summarizer {
            searcher,
            body: self.index.fields.body,
            analyzer: schema::stemmed_analyzer(),
            doc_freqs: Default::default(),
        }
    }

    /// Snippets weighing each question term by how rare it is in the notes.
    fn snippets(&self, searcher: &Searcher, terms: &[String]) -> snippet::Snippets {
        let n = searcher.num_docs().max(1) as f32;
        let f = &self.index.fields;
        let weights = terms
            .iter()
            .map(|t| {
                let df = [f.body, f.title]
                    .iter()
                    .map(|&field| {
                        searcher
                            .doc_freq(&tantivy::Term::from_field_text(field, t))
                            .unwrap_or(0)
                    })
                    .max()
                    .unwrap_or(0) as f32;
                (t.clone(), (1.0 + (n - df + 0.5) / (df + 0.5)).ln())
            })
            .collect();
        snippet::Snippets::new(
            weights,
            self.config.answer.snippet_chars,
            self.config.answer.snippet_fragments,
        )
    }
}

fn names_most(title: &str, words: &[String]) -> bool {
    let title = title.to_lowercase();
    let named = words.iter().filter(|w| title.contains(w.as_str())).count();
    !words.is_empty() && named * 2 >= words.len()
}

/// Edit distance between two words, in characters.
/// Whether a chat message reads as a question: it ends with "?", or opens
/// with a question word and says a little more.
pub fn looks_like_question(text: &str) -> bool {
    const OPENERS: &[&str] = &[
        "how",
        "what",
        "why",
        "who",
        "where",
        "when",
        "which",
        "is",
        "are",
        "does",
        "do",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "has",
        "have",
        "any",
        "anyone",
        "anybody",
        "does anyone",
        "whats",
        "what's",
        "hows",
        "how's",
    ];
    let t = text.trim();
    if t.is_empty() || t.starts_with('/') || t.starts_with("http") {
        return false;
    }
    if t.ends_with('?') && t.split_whitespace().count() >= 2 {
        return true;
    }
    let mut words = t.split_whitespace();
    let first = words
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_lowercase();
    OPENERS.contains(&first.as_str()) && words.count() >= 3
}

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
    pub fn catalog(&self) -> Result<Catalog> {
        let mut titles = Vec::new();
        let mut people: Vec<String> = Vec::new();
        let mut order = Vec::new();
        self.index.each_chunk(|c| {
            people.extend(c.speakers);
            people.extend(c.organizations);
            order.push((c.file, c.line));
            titles.push((c.id, c.title, c.kind));
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

    /// The overview of the conference whose "name year" contains `wanted`.
    pub fn overview(&self, wanted: &str) -> Result<Option<Overview>> {
        let wanted = wanted.trim().to_lowercase();
        let label = |c: &Chunk| match (&c.conference, c.year) {
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
        chunks.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
        let Some(first) = chunks
            .iter()
            .find(|c| label(c).to_lowercase().contains(&wanted))
        else {
            return Ok(None);
        };
        let key = label(first);
        let mine: Vec<&Chunk> = chunks
            .iter()
            .filter(|c| label(c) == key && c.kind.is_session())
            .collect();
        let mut by_section: Vec<(String, Vec<String>)> = Vec::new();
        for c in &mine {
            let s = c.section.clone().unwrap_or_else(|| "Other".to_string());
            match by_section.iter_mut().find(|(name, _)| *name == s) {
                Some((_, titles)) => titles.push(c.title.clone()),
                None => by_section.push((s, vec![c.title.clone()])),
            }
        }
        // Topics: words that several sessions' titles and bodies share.
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for c in &mine {
            let mut seen: Vec<String> = format!("{} {}", c.title, c.body)
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
            name: first.conference.clone().unwrap_or_default(),
            year: first.year,
            sessions: mine.len(),
            by_section,
            topics,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_detection() {
        for q in [
            "how do I run wasm on kubernetes?",
            "what did we learn about ebpf at kubecon",
            "Anyone seen a talk on GitOps with Argo?",
            "ebpf talks?",
        ] {
            assert!(looks_like_question(q), "{q}");
        }
        for s in [
            "lunch is here",
            "thanks!",
            "?",
            "how?",
            "https://example.com/?q=1",
            "is it",
        ] {
            assert!(!looks_like_question(s), "{s}");
        }
    }

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
