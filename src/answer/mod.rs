//! Questions to answers: ranked hits with highlighted snippets, extractive
//! summaries and links, or a helpful reply when nothing matches.

pub mod live;
pub mod summary;

pub use live::LiveEngine;

use crate::config::Config;
use crate::index::{
    self, schema, Filters, NotesIndex, QueryBuilder, Report, Synonyms, WriterOptions,
};
use crate::notes::{Chunk, Kind, Link};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use tantivy::snippet::SnippetGenerator;
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
    /// Text around the matching words, which are wrapped in `**`.
    pub snippet: String,
    pub summary: String,
    pub links: Vec<Link>,
}

/// The answer to a question.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub query: String,
    pub hits: Vec<Hit>,
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
    /// Words of the notes for did-you-mean, built when first needed.
    vocabulary: std::sync::OnceLock<BTreeMap<String, usize>>,
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
            let (mut index, rebuilt) = NotesIndex::open(&config.index_path())?;
            if let Some(why) = &rebuilt {
                tracing::warn!("{why}");
            }
            index.set_rules(config.notes.talk_rules());
            let mut report = index.refresh(
                &config.notes_dir,
                WriterOptions::from_config(&config.index),
                progress,
            )?;
            report.rebuilt = rebuilt;
            (index, report)
        };
        let builder = QueryBuilder::new(index.fields, config.ranking.clone(), &synonyms);
        Ok((
            Engine {
                index,
                builder,
                config: config.clone(),
                vocabulary: std::sync::OnceLock::new(),
            },
            report,
        ))
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
        let body = self.index.fields.body;
        let title = self.index.fields.title;
        let known = |stem: &str| {
            [body, title].into_iter().any(|f| {
                searcher
                    .doc_freq(&tantivy::Term::from_field_text(f, stem))
                    .is_ok_and(|n| n > 0)
            })
        };
        let built = self.builder.build_with(question, filters, &known);
        let mut answer = Answer {
            query: question.to_string(),
            hits: Vec::new(),
            did_you_mean: None,
            conferences: Vec::new(),
        };
        if let Some(query) = &built.query {
            // Fetch a few more than asked so link questions can favour chunks with links.
            let fetched = self.index.run(query.as_ref(), limit + offset + 5, 0)?;
            let mut ranked: Vec<(f32, Chunk)> = fetched
                .into_iter()
                .map(|(score, chunk, _)| {
                    let s = if built.wants_links && !chunk.links.is_empty() {
                        score * 1.5
                    } else {
                        score
                    };
                    (s, chunk)
                })
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
            let searcher = self.index.searcher();
            let mut snippets = self.snippets(&searcher, built.highlight.as_ref())?;
            let mut summarizer = self.summarizer(&searcher);
            for (score, chunk) in ranked.into_iter().skip(offset).take(limit) {
                let snippet = snippets.make(&chunk.body, self.config.answer.snippet_fragments);
                let summary = summarizer.summarize(
                    &chunk.body,
                    &built.terms,
                    self.config.answer.summary_sentences,
                    self.config.answer.summary_chars,
                );
                answer.hits.push(self.hit(chunk, score, snippet, summary));
            }
        }
        if answer.hits.is_empty() && offset == 0 {
            answer.did_you_mean = self.did_you_mean(&built.words)?;
            answer.conferences = self.conferences()?;
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
        if let Some(url) = self.config.source_url(&c.file, c.line) {
            links.push(Link {
                url,
                label: format!("source: {}:{}", c.file, c.line),
            });
        }
        Hit {
            id: c.id,
            kind: c.kind,
            title: c.title,
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

    fn snippets(
        &self,
        searcher: &Searcher,
        highlight: &dyn tantivy::query::Query,
    ) -> Result<Snippets> {
        let mut generator = SnippetGenerator::create(searcher, highlight, self.index.fields.body)?;
        generator.set_max_num_chars(self.config.answer.snippet_chars);
        Ok(Snippets {
            generator,
            max_chars: self.config.answer.snippet_chars,
        })
    }

    /// Correct each unknown word to the closest word of the notes.
    fn did_you_mean(&self, words: &[String]) -> Result<Option<String>> {
        if words.is_empty() {
            return Ok(None);
        }
        let vocab = match self.vocabulary.get() {
            Some(v) => v,
            None => {
                let v = self.build_vocabulary()?;
                self.vocabulary.get_or_init(|| v)
            }
        };
        let mut changed = false;
        let fixed: Vec<String> = words
            .iter()
            .map(|w| {
                if vocab.contains_key(w) {
                    return w.clone();
                }
                let max = if w.chars().count() >= 6 { 2 } else { 1 };
                let best = vocab
                    .iter()
                    .filter_map(|(v, n)| {
                        let d = levenshtein(w, v);
                        (d <= max).then_some((d, std::cmp::Reverse(*n), v))
                    })
                    .min();
                match best {
                    Some((_, _, v)) => {
                        changed = true;
                        v.clone()
                    }
                    None => w.clone(),
                }
            })
            .collect();
        Ok(changed.then(|| fixed.join(" ")))
    }

    /// Every word of the notes with its frequency, for did-you-mean; built on
    /// the first question that needs it and kept until the next refresh.
    fn build_vocabulary(&self) -> Result<BTreeMap<String, usize>> {
        let mut vocab: BTreeMap<String, usize> = BTreeMap::new();
        self.index.each_chunk(|c| {
            let text = format!(
                "{} {} {} {}",
                c.title,
                c.speakers.join(" "),
                c.organizations.join(" "),
                c.body
            );
            for w in text
                .split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| w.chars().count() >= 3)
            {
                *vocab.entry(w.to_lowercase()).or_default() += 1;
            }
            Ok(())
        })?;
        Ok(vocab)
    }
}

/// Highlighted fragments of bodies.
struct Snippets {
    generator: SnippetGenerator,
    max_chars: usize,
}

impl Snippets {
    /// Up to `fragments` fragments with the matching words in `**bold**`; the
    /// opening words of the body when no word of it matched.
    fn make(&mut self, body: &str, fragments: usize) -> String {
        // URLs are listed under links; in a snippet they crowd out the prose.
        let mut text = blank_urls(body);
        let mut parts = Vec::new();
        for _ in 0..fragments.max(1) {
            let snippet = self.generator.snippet(&text);
            if snippet.highlighted().is_empty() {
                break;
            }
            parts.push(bold(snippet.fragment(), snippet.highlighted()));
            // Blank the fragment out (keeping byte offsets) to find the next best.
            let range = snippet.fragment_range();
            let blank: String = text[range.clone()]
                .chars()
                .map(|c| " ".repeat(c.len_utf8()))
                .collect();
            text.replace_range(range, &blank);
        }
        if parts.is_empty() {
            let plain: String = body
                .split("\n\n")
                .filter(|p| !p.starts_with("```"))
                .collect::<Vec<_>>()
                .join(" ");
            return summary::cut(&squash(&plain), self.max_chars);
        }
        parts.join(" … ")
    }
}

/// Replace URLs and code fences with spaces, keeping byte offsets.
fn blank_urls(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        let ws = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(ws);
        if word.contains("://") || word.starts_with("www.") || word.starts_with("```") {
            out.extend(std::iter::repeat_n(' ', word.len()));
        } else {
            out.push_str(word);
        }
        let sp = tail
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(tail.len());
        out.push_str(&tail[..sp]);
        rest = &tail[sp..];
    }
    out
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bold(fragment: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(fragment.len() + 8 * ranges.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&fragment[at..r.start]);
        out.push_str("**");
        out.push_str(&fragment[r.clone()]);
        out.push_str("**");
        at = r.end;
    }
    out.push_str(&fragment[at..]);
    squash(&out.replace("```", " "))
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

pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
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
                            levenshtein(w, t) <= if w.chars().count() >= 7 { 2 } else { 1 }
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
        assert_eq!(levenshtein("kubernets", "kubernetes"), 1);
    }
}
