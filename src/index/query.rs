//! Turning a question typed by a person into a tantivy query.
//!
//! Nothing a user types is a syntax error: the question is tokenized, stop
//! words and question words are dropped, and each remaining word searches
//! every field with its boost, plus a fuzzy variant for typos, plus its
//! synonyms. Neighbouring words also count as a phrase, and documents that
//! hold every word get a bonus.

use super::schema::{self, Fields};
use crate::config::Ranking;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::Path;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

/// Distinct words of a question that are searched: a pasted paragraph is
/// searched by its first 32, not by hundreds of queries.
pub const MAX_WORDS: usize = 32;
/// Unknown words that also get fuzzy (typo) variants: each walks the term
/// dictionary, the most expensive part of a query.
const MAX_FUZZY_WORDS: usize = 8;

/// Where the synonyms are unless the configuration says otherwise.
pub const DEFAULT_SYNONYMS: &str = "config/synonyms.toml";

/// Words that carry no topic in a question.
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "if",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "from",
    "by",
    "with",
    "about",
    "as",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "do",
    "does",
    "did",
    "done",
    "have",
    "has",
    "had",
    "i",
    "me",
    "my",
    "we",
    "our",
    "us",
    "you",
    "your",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "any",
    "some",
    "all",
    "can",
    "could",
    "should",
    "would",
    "will",
    "shall",
    "may",
    "might",
    "must",
    "not",
    "no",
    "so",
    "than",
    "then",
    "too",
    "very",
    "just",
    "also",
    "into",
    "out",
    "up",
    "over",
    "again",
    "more",
    "most",
    "other",
    "such",
    "only",
    "same",
    "each",
    "tell",
    "show",
    "find",
    "give",
    "know",
    "want",
    "need",
    "get",
    "got",
    "anything",
    "something",
    "someone",
    "anyone",
    "anybody",
    "please",
    "talk",
    "talks",
    "session",
    "sessions",
    "presentation",
    "presentations",
    "present",
    "presented",
    "presenting",
    "speaker",
    "speakers",
    "conference",
    "conferences",
    "note",
    "notes",
    "say",
    "said",
    "says",
    "mention",
    "mentioned",
    "cover",
    "covered",
    "covering",
    "discuss",
    "discussed",
    "learn",
    "learned",
    "related",
    "regarding",
    "gave",
    "give",
    "given",
    "talked",
    "talking",
    "i'm",
    "there's",
    "whats",
    "what's",
    "use",
    "using",
    "used",
    "way",
    "ways",
    "one",
    "ones",
    "thing",
    "things",
    "like",
    "anything",
    "team",
    "our",
    "were",
    "went",
    "go",
    "see",
    "saw",
];

/// Words asking for links rather than naming a topic.
const LINK_WORDS: &[&str] = &[
    "link",
    "links",
    "url",
    "urls",
    "slides",
    "slide",
    "video",
    "videos",
    "recording",
    "recordings",
    "repo",
    "repos",
    "repository",
    "website",
    "site",
    "page",
];

/// Synonym groups loaded from the synonyms file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    pub groups: Vec<Vec<String>>,
}

impl Synonyms {
    /// Read a synonyms file. The default path falls back to the shipped list
    /// (compiled in) when it does not exist; any other path must.
    pub fn load(path: &Path) -> Result<Synonyms> {
        if path.as_os_str().is_empty() {
            return Ok(Synonyms::default());
        }
        if path == Path::new(DEFAULT_SYNONYMS) && !path.exists() {
            // Run from outside the repository: the shipped list, built in.
            tracing::debug!("{DEFAULT_SYNONYMS} not found; using the built-in synonyms");
            return Ok(toml::from_str(include_str!("../../config/synonyms.toml"))?);
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read synonyms file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "invalid synonyms file {}: {}",
                path.display(),
                e.message().trim_end()
            )
        })
    }
}

/// Filters that narrow a search; each must hold.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub conference: Option<String>,
    pub year: Option<i32>,
    pub speaker: Option<String>,
    pub kind: Option<crate::notes::Kind>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.conference.is_none()
            && self.year.is_none()
            && self.speaker.is_none()
            && self.kind.is_none()
    }
}

/// A question made into queries.
pub struct Built {
    /// The ranking query, or `None` when the question has no searchable word
    /// and no filter.
    pub query: Option<Box<dyn Query>>,
    /// Plain term queries on the body, for highlighting snippets.
    pub highlight: Box<dyn Query>,
    /// The content words of the question, as typed (lowercased).
    pub words: Vec<String>,
    /// Stemmed terms of the question and its synonyms, for summaries.
    pub terms: Vec<String>,
    /// The question asked for links ("link for ...", "slides of ...").
    pub wants_links: bool,
}

pub struct QueryBuilder {
    fields: Fields,
    ranking: Ranking,
    /// Each group as token sequences (plain tokens).
    synonyms: Vec<Vec<Vec<String>>>,
    stem: TextAnalyzer,
    plain: TextAnalyzer,
}

impl QueryBuilder {
    pub fn new(fields: Fields, ranking: Ranking, synonyms: &Synonyms) -> QueryBuilder {
        let mut plain = schema::plain_analyzer();
        let synonyms = synonyms
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|e| schema::tokens(&mut plain, e))
                    .filter(|t| !t.is_empty())
                    .collect()
            })
            .collect();
        QueryBuilder {
            fields,
            ranking,
            synonyms,
            stem: schema::stemmed_analyzer(),
            plain,
        }
    }

    pub fn build(&self, question: &str, filters: &Filters) -> Built {
        self.build_with(question, filters, &|_| false)
    }

    /// Like [`QueryBuilder::build`]; `known(stem)` says whether the index
    /// holds a word. Known words get no fuzzy variants: a typo is a word the
    /// notes do not have, and a fuzzy query walks the whole term dictionary,
    /// the costliest part of a question on a large index.
    pub fn build_with(
        &self,
        question: &str,
        filters: &Filters,
        known: &dyn Fn(&str) -> bool,
    ) -> Built {
        // Analyzers are cloned per question so one builder serves many threads.
        let mut plain = self.plain.clone();
        let mut stem_an = self.stem.clone();
        let all = schema::tokens(&mut plain, question);
        let wants_links = all.iter().any(|w| LINK_WORDS.contains(&w.as_str()));
        let mut words: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for w in &all {
            if words.len() == MAX_WORDS {
                break;
            }
            if !STOP.contains(&w.as_str())
                && !LINK_WORDS.contains(&w.as_str())
                && seen.insert(w.as_str())
            {
                words.push(w.clone());
            }
        }
        // A question of only stop words ("what is it?") still searches them.
        if words.is_empty() && filters.is_empty() {
            words = all
                .iter()
                .filter(|w| !LINK_WORDS.contains(&w.as_str()))
                .take(MAX_WORDS)
                .cloned()
                .collect();
            words.dedup();
        }
        let r = self.ranking.clone();
        let f = self.fields;
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut per_word: Vec<Box<dyn Query>> = Vec::new();
        let mut terms: Vec<String> = Vec::new();
        let mut fuzzy_left = MAX_FUZZY_WORDS;
        for w in &words {
            let stem = stem_one(&mut stem_an, w);
            let q = self.word_query(w, &stem, 1.0);
            per_word.push(q.box_clone());
            should.push((Occur::Should, q));
            if r.fuzzy_boost > 0.0
                && fuzzy_left > 0
                && w.chars().count() >= r.fuzzy_min_len
                && !w.chars().any(|c| c.is_ascii_digit())
                && !known(&stem)
            {
                fuzzy_left -= 1;
                let distance = if w.chars().count() >= 9 { 2 } else { 1 };
                for field in [f.title, f.body] {
                    let fq =
                        FuzzyTermQuery::new(Term::from_field_text(field, &stem), distance, true);
                    should.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(fq), r.fuzzy_boost)),
                    ));
                }
                let fq = FuzzyTermQuery::new(Term::from_field_text(f.names, w), 1, true);
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(fq), r.fuzzy_boost * 2.0)),
                ));
            }
            terms.push(stem);
        }
        // Synonyms of words and phrases in the question.
        for group in &self.synonyms {
            if !group.iter().any(|entry| contains_seq(&all, entry)) {
                continue;
            }
            for entry in group.iter().filter(|e| !contains_seq(&all, e)) {
                let stems: Vec<String> = entry.iter().map(|t| stem_one(&mut stem_an, t)).collect();
                if let [one] = stems.as_slice() {
                    should.push((
                        Occur::Should,
                        self.word_query(&entry[0], one, r.synonym_weight),
                    ));
                    terms.push(one.clone());
                } else {
                    for field in [f.title, f.body] {
                        let pq = PhraseQuery::new(
                            stems
                                .iter()
                                .map(|s| Term::from_field_text(field, s))
                                .collect(),
                        );
                        should.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(pq), r.synonym_weight)),
                        ));
                    }
                    terms.extend(stems);
                }
            }
        }
        // Neighbouring words as phrases.
        let stems: Vec<String> = words.iter().map(|w| stem_one(&mut stem_an, w)).collect();
        for pair in stems.windows(2) {
            for (field, boost) in [(f.title, r.phrase_boost * 1.5), (f.body, r.phrase_boost)] {
                let mut pq = PhraseQuery::new(
                    pair.iter()
                        .map(|s| Term::from_field_text(field, s))
                        .collect(),
                );
                pq.set_slop(1);
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(pq), boost)),
                ));
            }
        }
        // Holding every word counts extra.
        if (2..=6).contains(&per_word.len()) {
            let all_words =
                BooleanQuery::new(per_word.into_iter().map(|q| (Occur::Must, q)).collect());
            should.push((Occur::Should, Box::new(all_words)));
        }
        let highlight: Box<dyn Query> = Box::new(BooleanQuery::new(
            terms
                .iter()
                .map(|t| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(f.body, t),
                        IndexRecordOption::WithFreqsAndPositions,
                    ));
                    (Occur::Should, q)
                })
                .collect(),
        ));
        let text: Option<Box<dyn Query>> = if should.is_empty() {
            None
        } else {
            Some(Box::new(BooleanQuery::new(should)))
        };
        let filter_clauses = self.filter_clauses(&mut plain, filters);
        let query: Option<Box<dyn Query>> = match (text, filter_clauses.is_empty()) {
            (None, true) => None,
            (Some(t), true) => Some(t),
            (t, false) => {
                let mut clauses = filter_clauses;
                clauses.push((Occur::Must, t.unwrap_or_else(|| Box::new(AllQuery))));
                Some(Box::new(BooleanQuery::new(clauses)))
            }
        };
        Built {
            query,
            highlight,
            words,
            terms,
            wants_links,
        }
    }

    /// One word searched in every field with its boost.
    fn word_query(&self, plain: &str, stem: &str, weight: f32) -> Box<dyn Query> {
        let r = &self.ranking;
        let f = self.fields;
        let term = |field: Field, text: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            let tq = TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            );
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(tq), boost * weight)),
            )
        };
        Box::new(BooleanQuery::new(vec![
            term(f.title, stem, r.title_boost),
            term(f.speakers, plain, r.speakers_boost),
            term(f.organizations, plain, r.organizations_boost),
            term(f.conference, stem, r.conference_boost),
            term(f.section, stem, r.section_boost),
            term(f.body, stem, r.body_boost),
            term(f.links, stem, r.links_boost),
        ]))
    }

    fn filter_clauses(
        &self,
        plain: &mut TextAnalyzer,
        filters: &Filters,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut all_tokens = |field: Field, text: &str, out: &mut Vec<(Occur, Box<dyn Query>)>| {
            let toks = schema::tokens(plain, text);
            if toks.is_empty() {
                // A filter with no letters matches nothing rather than everything.
                out.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, "\u{0}"),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
            for t in toks {
                out.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &t),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        };
        if let Some(c) = &filters.conference {
            all_tokens(f.conf_plain, c, &mut out);
        }
        if let Some(s) = &filters.speaker {
            all_tokens(f.names, s, &mut out);
        }
        if let Some(y) = filters.year {
            let y = u64::try_from(y).unwrap_or(0);
            out.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.year, y),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(k) = filters.kind {
            out.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.kind, k.as_str()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        out
    }
}

fn stem_one(analyzer: &mut TextAnalyzer, word: &str) -> String {
    schema::tokens(analyzer, word)
        .into_iter()
        .next()
        .unwrap_or_else(|| word.to_string())
}

fn contains_seq(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Generic words of notes and questions, left out of topic lists too.
pub fn is_stop_word(word: &str) -> bool {
    const GENERIC: &[&str] = &[
        "also",
        "more",
        "much",
        "many",
        "very",
        "really",
        "just",
        "like",
        "well",
        "good",
        "great",
        "interesting",
        "talk",
        "talks",
        "session",
        "sessions",
        "about",
        "their",
        "there",
        "these",
        "those",
        "them",
        "they",
        "this",
        "that",
        "with",
        "from",
        "into",
        "have",
        "has",
        "were",
        "will",
        "would",
        "could",
        "should",
        "which",
        "what",
        "when",
        "where",
        "your",
        "than",
        "then",
        "some",
        "other",
        "only",
        "each",
        "over",
        "between",
        "being",
        "because",
        "after",
        "before",
        "while",
        "does",
        "done",
        "make",
        "makes",
        "made",
        "used",
        "using",
        "use",
        "based",
        "need",
        "needs",
        "want",
        "know",
        "still",
        "even",
        "first",
        "second",
        "third",
        "lots",
        "most",
        "able",
        "same",
        "such",
        "here",
        "what's",
        "it's",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "can't",
        "i'm",
        "you're",
        "let's",
        "through",
        "without",
    ];
    STOP.contains(&word) || GENERIC.contains(&word)
}
