//! The second look at the candidates tantivy returns: how much of the
//! question each one holds, weighed by rarity (its coverage), which reorders
//! them, drops weak ones and explains each hit in a line.

use crate::index::query::{Concept, Stats};
use crate::index::schema::{self, Fields};
use crate::index::{initials, spell};
use crate::notes::Chunk;
use std::collections::{HashMap, HashSet};
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, TantivyDocument, Term};

/// Word statistics of an index snapshot.
pub(super) struct SearchStats<'a> {
    pub searcher: &'a Searcher,
    pub fields: &'a Fields,
    /// Corrections already made on this snapshot: the same typos come back,
    /// and each correction walks the term dictionary of every segment.
    pub corrections: &'a Corrections,
}

/// Typo corrections of one index snapshot, at most [`Corrections::MAX`].
#[derive(Default)]
pub(super) struct Corrections(std::sync::Mutex<HashMap<String, Option<(String, usize)>>>);

impl Corrections {
    pub(super) const MAX: usize = 10_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<(String, usize)>>> {
        // A panic elsewhere cannot leave a half-written map: entries are inserted whole.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Stats for SearchStats<'_> {
    fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }
    fn doc_freq(&self, stem: &str) -> u64 {
        [self.fields.title, self.fields.body]
            .into_iter()
            .map(|f| {
                self.searcher
                    .doc_freq(&Term::from_field_text(f, stem))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }
    fn name_freq(&self, word: &str) -> u64 {
        self.searcher
            .doc_freq(&Term::from_field_text(self.fields.names, word))
            .unwrap_or(0)
    }
    fn correct(&self, word: &str) -> Option<(String, usize)> {
        if let Some(known) = self.corrections.lock().get(word) {
            return known.clone();
        }
        let fixed = spell::correct(self.searcher, self.fields, word);
        let mut cache = self.corrections.lock();
        if cache.len() >= Corrections::MAX {
            cache.clear();
        }
        cache.insert(word.to_string(), fixed.clone());
        fixed
    }
    fn expansion(&self, initials: &str) -> Option<String> {
        let term = Term::from_field_text(self.fields.initials, initials);
        if self.searcher.doc_freq(&term).ok()? == 0 {
            return None;
        }
        let q = TermQuery::new(term, IndexRecordOption::Basic);
        let top = self
            .searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .ok()?;
        let doc: TantivyDocument = self.searcher.doc(top.first()?.1).ok()?;
        let json = tantivy::schema::Value::as_str(&doc.get_first(self.fields.json)?)?;
        let chunk: Chunk = serde_json::from_str(json).ok()?;
        initials::initialisms(&chunk.meta.title, &chunk.body)
            .into_iter()
            .find(|(i, _)| i == initials)
            .map(|(_, words)| words)
    }
}

/// How a chunk matched the question.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Match {
    /// 0..=1: the share of the question's weight the chunk holds.
    pub coverage: f32,
    /// The weight it holds (each word 0..=1, the rarest 1).
    pub held: f32,
    /// "webassembly: title, body ×4 · k8s (kubernetes): body".
    pub why: String,
}

/// Tokens of a chunk's fields, counted.
struct Fieldwise {
    title: HashMap<String, usize>,
    body: HashMap<String, usize>,
    names: HashMap<String, usize>,
    other: HashMap<String, usize>,
}

/// Count the tokens of `text` that are `wanted`.
fn count(
    an: &mut TextAnalyzer,
    text: &str,
    wanted: &HashSet<String>,
    into: &mut HashMap<String, usize>,
) {
    let mut stream = an.token_stream(text);
    while let Some(t) = stream.next() {
        if !wanted.contains(&t.text) {
            continue;
        }
        match into.get_mut(&t.text) {
            Some(n) => *n += 1,
            None => {
                into.insert(t.text.clone(), 1);
            }
        }
    }
}

/// Every form of the question's words: only these are counted in a chunk.
fn wanted(concepts: &[Concept]) -> HashSet<String> {
    concepts
        .iter()
        .flat_map(|c| c.stems.iter().chain(&c.names))
        .cloned()
        .collect()
}

/// The analyzers a question's candidates are read with: one pair for all of
/// them, so the stemmer's cache serves every candidate after the first.
pub(super) struct Reader {
    stem: TextAnalyzer,
    plain: TextAnalyzer,
    /// Every form of the question's words: only these are counted.
    wanted: HashSet<String>,
}

impl Reader {
    pub(super) fn new(concepts: &[Concept]) -> Reader {
        Reader {
            stem: schema::stemmed_analyzer(),
            plain: schema::plain_analyzer(),
            wanted: wanted(concepts),
        }
    }
}

#[cfg(test)]
fn matched(chunk: &Chunk, concepts: &[Concept]) -> Match {
    Reader::new(concepts).matched(chunk, concepts)
}

impl Reader {
    /// Which of the question's words `chunk` holds, and where.
    pub(super) fn matched(&mut self, chunk: &Chunk, concepts: &[Concept]) -> Match {
        matched_with(
            &mut self.stem,
            &mut self.plain,
            &self.wanted,
            chunk,
            concepts,
        )
    }
}

/// Which of the question's `concepts` `chunk` holds, and where; `wanted` is
/// every form of their words (see [`wanted`]).
fn matched_with(
    stem: &mut TextAnalyzer,
    plain: &mut TextAnalyzer,
    wanted: &HashSet<String>,
    chunk: &Chunk,
    concepts: &[Concept],
) -> Match {
    if concepts.is_empty() {
        return Match {
            coverage: 1.0,
            held: 0.0,
            why: String::new(),
        };
    }
    let reading = Reading {
        chunk,
        counts: Fieldwise::of(stem, plain, wanted, chunk),
        lower: std::cell::OnceCell::new(),
    };
    let total: f32 = concepts.iter().map(|c| c.weight).sum::<f32>().max(1e-6);
    let mut got = 0.0;
    let mut why: Vec<String> = Vec::new();
    for c in concepts {
        if let Some(line) = reading.why(c) {
            got += c.weight;
            why.push(line);
        }
    }
    Match {
        coverage: (got / total).clamp(0.0, 1.0),
        held: got,
        why: why.join(" · "),
    }
}

impl Fieldwise {
    /// The `wanted` tokens of each of `chunk`'s fields; names are read
    /// without stemming, as they are indexed.
    fn of(
        stem: &mut TextAnalyzer,
        plain: &mut TextAnalyzer,
        wanted: &HashSet<String>,
        chunk: &Chunk,
    ) -> Fieldwise {
        let mut f = Fieldwise {
            title: HashMap::new(),
            body: HashMap::new(),
            names: HashMap::new(),
            other: HashMap::new(),
        };
        count(stem, &chunk.meta.title, wanted, &mut f.title);
        count(stem, &chunk.body, wanted, &mut f.body);
        for n in chunk.meta.speakers.iter().chain(&chunk.meta.organizations) {
            count(plain, n, wanted, &mut f.names);
        }
        for text in chunk
            .meta
            .section
            .iter()
            .chain(chunk.meta.conference.iter())
            .chain(chunk.links.iter().map(|l| &l.label))
        {
            count(stem, text, wanted, &mut f.other);
        }
        f
    }
}

/// One chunk, read for the question's concepts.
struct Reading<'a> {
    chunk: &'a Chunk,
    counts: Fieldwise,
    /// Title and body lowercased, for phrases; made once, when first needed.
    lower: std::cell::OnceCell<(String, String)>,
}

/// Where a chunk holds a concept.
#[derive(Default)]
struct Found<'c> {
    /// "title", "speakers", "body ×4", "section or links".
    places: Vec<String>,
    /// The stem that matched in the title or the body.
    via: Option<&'c str>,
    /// The phrase that matched, when no word did.
    phrase: Option<&'c str>,
}

impl Reading<'_> {
    /// "webassembly: title, body ×4" when the chunk holds concept `c`.
    fn why(&self, c: &Concept) -> Option<String> {
        let mut found = self.by_word(c);
        if found.places.is_empty() && !c.phrases.is_empty() {
            found = self.by_phrase(c);
        }
        if found.places.is_empty() {
            return None;
        }
        Some(format!("{}: {}", label(c, &found), found.places.join(", ")))
    }

    /// Where any form of `c`'s word is: title, speakers, body, and only
    /// when none of these, the section, conference or link labels.
    fn by_word<'c>(&self, c: &'c Concept) -> Found<'c> {
        let f = &self.counts;
        let mut found = Found::default();
        if let Some(s) = c.stems.iter().find(|s| f.title.contains_key(*s)) {
            found.places.push("title".into());
            found.via = Some(s);
        }
        if !is_idea(c) && c.names.iter().any(|n| f.names.contains_key(n)) {
            found.places.push("speakers".into());
        }
        let body: usize = c.stems.iter().filter_map(|s| f.body.get(s)).sum();
        if body > 0 {
            found.places.push(if body > 1 {
                format!("body ×{body}")
            } else {
                "body".into()
            });
            found.via = found.via.or(c
                .stems
                .iter()
                .find(|s| f.body.contains_key(*s))
                .map(|s| s.as_str()));
        }
        if found.places.is_empty() && c.stems.iter().any(|s| f.other.contains_key(s)) {
            found.places.push("section or links".into());
        }
        found
    }

    /// Where one of `c`'s phrases is, in the title before the body.
    fn by_phrase<'c>(&self, c: &'c Concept) -> Found<'c> {
        let (title, body) = self.lower.get_or_init(|| {
            (
                self.chunk.meta.title.to_lowercase(),
                self.chunk.body.to_lowercase(),
            )
        });
        let mut found = Found::default();
        if let Some(p) = c.phrases.iter().find(|p| title.contains(p.as_str())) {
            found.places.push("title".into());
            found.phrase = Some(p);
        } else if let Some(p) = c.phrases.iter().find(|p| body.contains(p.as_str())) {
            found.places.push("body".into());
            found.phrase = Some(p);
        }
        found
    }
}

/// A related idea (`~auth`): its names are the related words it stands
/// for, not people, and whichever of them matched is worth showing.
fn is_idea(c: &Concept) -> bool {
    c.word.starts_with('~')
}

/// The concept's word, with the form that matched when it was another: a
/// synonym, the correction or a phrase.
fn label(c: &Concept, found: &Found) -> String {
    let form = found
        .via
        .and_then(|v| c.stems.iter().position(|s| s == v))
        .filter(|&i| i > 0 || is_idea(c))
        .and_then(|i| c.names.get(i));
    match form.map(String::as_str).or(found.phrase) {
        Some(w) => format!("{} ({w})", c.word),
        None => c.word.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::Kind;

    fn chunk(title: &str, body: &str) -> Chunk {
        Chunk {
            meta: crate::notes::SessionMeta {
                id: "x".into(),
                kind: Kind::Talk,
                title: title.into(),
                speakers: vec!["Jane Doe".into()],
                organizations: vec![],
                conference: None,
                year: None,
                section: None,
                file: "f.md".into(),
                line: 1,
                slot: None,
            },
            body: body.into(),
            links: vec![],
        }
    }

    fn concept(word: &str, stems: &[&str], weight: f32) -> Concept {
        Concept {
            word: word.into(),
            stems: stems.iter().map(|s| s.to_string()).collect(),
            phrases: vec![],
            names: stems
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    if i == 0 {
                        word.to_string()
                    } else {
                        s.to_string()
                    }
                })
                .collect(),
            weight,
        }
    }

    #[test]
    fn coverage_weighs_rare_words_and_says_where() {
        let c = chunk(
            "Kubernetes for everyone",
            "Buildpacks build images. More buildpacks.",
        );
        let rare = concept("buildpacks", &["buildpack"], 1.0);
        let common = concept("kubernetes", &["kubernet", "k8s"], 0.1);
        let m = matched(&c, &[rare.clone(), common.clone()]);
        assert!((m.coverage - 1.0).abs() < 1e-6);
        assert_eq!(m.why, "buildpacks: body ×2 · kubernetes: title");
        let other = chunk("Kubernetes everywhere", "Nothing else.");
        let m = matched(&other, &[rare, common]);
        assert!(m.coverage < 0.1, "{}", m.coverage);
    }

    #[test]
    fn a_name_is_a_speaker() {
        let c = chunk("Hiding in clusters", "An attack that stays.");
        let m = matched(&c, &[concept("jane", &["jane"], 1.0)]);
        assert_eq!(m.why, "jane: speakers");
    }
}
