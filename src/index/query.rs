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
use std::collections::HashSet;
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
const MAX_FUZZY_WORDS: usize = 4;

/// Where the synonyms are unless the configuration says otherwise.
pub use crate::config::DEFAULT_SYNONYMS;

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
    "without",
    "within",
    // What the tokenizer leaves of contractions: "weren't" is "weren" "t".
    "weren",
    "wasn",
    "isn",
    "aren",
    "didn",
    "doesn",
    "don",
    "couldn",
    "shouldn",
    "wouldn",
    "won",
    "hasn",
    "haven",
    "hadn",
    "t",
    "s",
    "d",
    "ll",
    "re",
    "ve",
    "m",
    "after",
    "before",
    "while",
    "during",
    "because",
    "through",
    "between",
    "via",
    "everyone",
    "somebody",
    "really",
    "actually",
    "getting",
    "make",
    "makes",
    "making",
];

/// Everyday words that seldom name a topic, however rare they are in the
/// notes ("pick", "huge", "advice"): they count for a third of their weight.
const WEAK: &[&str] = &[
    "able",
    "across",
    "advice",
    "along",
    "already",
    "always",
    "another",
    "around",
    "ask",
    "asked",
    "asking",
    "away",
    "back",
    "bad",
    "basically",
    "best",
    "better",
    "big",
    "bit",
    "built",
    "bunch",
    "came",
    "case",
    "cases",
    "certain",
    "chance",
    "come",
    "comes",
    "coming",
    "cool",
    "couple",
    "day",
    "days",
    "deal",
    "different",
    "easy",
    "else",
    "end",
    "enough",
    "ever",
    "every",
    "everything",
    "example",
    "examples",
    "fact",
    "far",
    "feel",
    "few",
    "figure",
    "fine",
    "folks",
    "found",
    "general",
    "getting",
    "goes",
    "going",
    "gone",
    "good",
    "great",
    "guess",
    "guy",
    "guys",
    "happen",
    "happened",
    "happens",
    "hard",
    "heard",
    "hear",
    "help",
    "helps",
    "huge",
    "idea",
    "ideas",
    "important",
    "instead",
    "interesting",
    "keep",
    "kind",
    "last",
    "least",
    "less",
    "let",
    "lot",
    "lots",
    "main",
    "mean",
    "means",
    "mind",
    "moment",
    "much",
    "new",
    "next",
    "nice",
    "now",
    "often",
    "old",
    "once",
    "own",
    "part",
    "people",
    "person",
    "pick",
    "picked",
    "place",
    "point",
    "points",
    "possible",
    "pretty",
    "probably",
    "problem",
    "problems",
    "put",
    "quite",
    "rather",
    "real",
    "reason",
    "recommend",
    "remember",
    "right",
    "seem",
    "seems",
    "seen",
    "several",
    "since",
    "small",
    "sort",
    "start",
    "started",
    "stuff",
    "sure",
    "take",
    "takes",
    "taking",
    "thanks",
    "thing",
    "think",
    "thought",
    "time",
    "times",
    "tip",
    "tips",
    "together",
    "took",
    "tried",
    "try",
    "trying",
    "turn",
    "understand",
    "until",
    "usually",
    "want",
    "wanted",
    "week",
    "well",
    "whole",
    "wondering",
    "work",
    "worked",
    "working",
    "works",
    "worth",
    "year",
    "years",
    "yet",
    "look",
    "looking",
    "looked",
    "stay",
    "stays",
    "pain",
    "someone",
    "somewhere",
    "anywhere",
    "ones",
    "big",
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
    /// Words that mean the same: each counts as the word typed.
    pub groups: Vec<Vec<String>>,
    /// Words of one field (attack, exploit, intrusion): each also finds the
    /// others, at `ranking.related_weight`, for questions that paraphrase.
    #[serde(default)]
    pub related: Vec<Vec<String>>,
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
    /// The content words of the question, as typed (lowercased).
    pub words: Vec<String>,
    /// Stemmed terms of the question, its corrections and its synonyms.
    pub terms: Vec<String>,
    /// Each content word with the forms that count as it, and its weight.
    pub concepts: Vec<Concept>,
    /// (typed, corrected) for each word the notes do not have.
    pub corrections: Vec<(String, String)>,
    /// The question weighs alternatives ("bcrypt or argon2?", "loki vs
    /// fluentd") and no note holds any of them, not even as a typo of a
    /// word it does: its subject is not in the notes, whatever else
    /// matches.
    pub subject_missing: bool,
    /// The question asked for links ("link for ...", "slides of ...").
    pub wants_links: bool,
}

/// One word of a question, or one idea of its related words (`~word`):
/// what counts as finding it in a chunk.
#[derive(Debug, Clone)]
pub struct Concept {
    /// As typed.
    pub word: String,
    /// Its stem, its correction's and its synonyms' (for title and body).
    pub stems: Vec<String>,
    /// The same unstemmed (for speakers and organisations).
    pub names: Vec<String>,
    /// Phrases that count as it, lowercased ("operational transform").
    pub phrases: Vec<String>,
    /// 0..=1: how much finding it says (1 for the rarest words).
    pub weight: f32,
}

/// What the notes say about words: how many chunks hold them, and the
/// closest known word to one they do not hold.
pub trait Stats {
    fn num_docs(&self) -> u64;
    /// Chunks holding the stem in title or body (the larger count).
    fn doc_freq(&self, stem: &str) -> u64;
    /// Chunks naming the word among speakers or organisations.
    fn name_freq(&self, word: &str) -> u64;
    /// The closest word of the notes and its edit distance.
    fn correct(&self, word: &str) -> Option<(String, usize)>;
    /// The words a chunk spells out whose initials these are (`drf`:
    /// "django rest framework"), when a chunk does (see [`super::initials`]).
    fn expansion(&self, _initials: &str) -> Option<String> {
        None
    }
}

/// No statistics: every word weighs the same and nothing is corrected.
pub struct NoStats;

impl Stats for NoStats {
    fn num_docs(&self) -> u64 {
        0
    }
    fn doc_freq(&self, _: &str) -> u64 {
        1
    }
    fn name_freq(&self, _: &str) -> u64 {
        0
    }
    fn correct(&self, _: &str) -> Option<(String, usize)> {
        None
    }
}

/// How much a related-word group counts in a question when one of its
/// words is typed, against 1 for the question's rarest word.
const RELATED_IDEA_WEIGHT: f32 = 0.5;

/// An idea weighs at least this share of the rarest word that raised it.
const IDEA_STANDS_IN: f32 = 0.8;

/// Related words more common than this (as a word weight) are not searched.
const MIN_RELATED_SEARCHED: f32 = 0.3;

/// BM25's inverse document frequency.
fn idf(df: f32, n: f32) -> f32 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

pub struct QueryBuilder {
    fields: Fields,
    ranking: Ranking,
    /// Each group as token sequences (plain tokens).
    synonyms: Vec<Vec<Vec<String>>>,
    /// Related-word groups: each entry as its stems, and as written.
    related: Vec<Vec<(Vec<String>, String)>>,
    stem: TextAnalyzer,
    plain: TextAnalyzer,
}

impl QueryBuilder {
    pub fn new(fields: Fields, ranking: Ranking, synonyms: &Synonyms) -> QueryBuilder {
        let mut plain = schema::plain_analyzer();
        let mut groups = |groups: &[Vec<String>]| -> Vec<Vec<Vec<String>>> {
            groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|e| schema::tokens(&mut plain, e))
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .collect()
        };
        let mut stem = schema::stemmed_analyzer();
        let related = synonyms
            .related
            .iter()
            .map(|g| {
                let mut entries: Vec<(Vec<String>, String)> = g
                    .iter()
                    .map(|e| (schema::tokens(&mut stem, e), e.to_lowercase()))
                    .filter(|t| !t.0.is_empty())
                    .collect();
                entries.sort();
                entries.dedup_by(|a, b| a.0 == b.0);
                entries
            })
            .collect();
        let synonyms = groups(&synonyms.groups);
        QueryBuilder {
            fields,
            ranking,
            synonyms,
            related,
            stem: schema::stemmed_analyzer(),
            plain,
        }
    }

    pub fn build(&self, question: &str, filters: &Filters) -> Built {
        self.build_with(question, filters, &NoStats)
    }

    /// Like [`QueryBuilder::build`], weighing each word by how common it is
    /// in the notes (`stats`) and correcting the words they do not have.
    ///
    /// In steps: the question's content words, each word with its typo
    /// correction, initials and synonyms' weight ([`QueryBuilder::add_word`]),
    /// synonyms of words and phrases, spelled-out acronyms, related-word
    /// ideas, neighbouring words as phrases, then the filters.
    pub fn build_with(&self, question: &str, filters: &Filters, stats: &dyn Stats) -> Built {
        // Analyzers are cloned per question so one builder serves many threads.
        let mut plain = self.plain.clone();
        let all = schema::tokens(&mut plain, question);
        let wants_links = all.iter().any(|w| LINK_WORDS.contains(&w.as_str()));
        let words = content_words(&all, filters);
        let mut d = Draft {
            stem: self.stem.clone(),
            weigh: Weigh {
                stats,
                n: stats.num_docs().max(1) as f32,
            },
            alternatives: alternatives(&all),
            fuzzy_left: MAX_FUZZY_WORDS,
            ..Draft::default()
        };
        for w in &words {
            self.add_word(&mut d, w);
        }
        let words_searched = d.concepts.len();
        self.add_synonyms(&mut d, &all);
        self.add_acronyms(&mut d, &all);
        if self.ranking.related_weight > 0.0 {
            self.add_related(&mut d, &all, words_searched);
        }
        self.add_neighbours(&mut d, words_searched);
        // Holding every word counts extra.
        if (2..=6).contains(&d.per_word.len()) {
            let per_word = std::mem::take(&mut d.per_word);
            let all_words =
                BooleanQuery::new(per_word.into_iter().map(|q| (Occur::Must, q)).collect());
            d.should.push((Occur::Should, Box::new(all_words)));
        }
        d.terms.sort();
        d.terms.dedup();
        let text: Option<Box<dyn Query>> = if d.should.is_empty() {
            None
        } else {
            Some(Box::new(BooleanQuery::new(d.should)))
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
            words,
            terms: d.terms,
            concepts: d.concepts,
            corrections: d.corrections,
            subject_missing: d.alternatives_unknown >= 2 && d.alternatives_known == 0,
            wants_links,
        }
    }

    /// One content word: its query (corrected when the notes lack it), its
    /// concept, weighed with its synonyms, and what it says about the
    /// alternatives a question weighs.
    fn add_word(&self, d: &mut Draft<'_>, w: &str) {
        let r = &self.ranking;
        let stats = d.weigh.stats;
        let stem = stem_one(&mut d.stem, w);
        // Its synonyms count as the same word, for weight too.
        let mut stems = vec![stem.clone()];
        for g in self
            .synonyms
            .iter()
            .filter(|g| g.iter().any(|e| e.len() == 1 && e[0] == w))
        {
            for e in g.iter().filter(|e| e.len() == 1) {
                stems.push(stem_one(&mut d.stem, &e[0]));
            }
        }
        stems.sort();
        stems.dedup();
        let df: u64 = stems.iter().map(|s| stats.doc_freq(s)).sum();
        let name_df = stats.name_freq(w);
        let unknown = df == 0 && name_df == 0;
        let mut concept = Concept {
            word: w.to_string(),
            stems: vec![stem.clone()],
            names: vec![w.to_string()],
            phrases: Vec::new(),
            weight: d.weigh.of(df.max(name_df)) * if WEAK.contains(&w) { 0.33 } else { 1.0 },
        };
        let mut q = self.word_query(w, &stem, concept.weight);
        if unknown && r.fuzzy_boost > 0.0 && d.fuzzy_left > 0 {
            if let Some(fixed) = self.stand_in(d, w, &mut concept) {
                q = fixed;
            }
            // Names are short and odd: each also matches a name one edit away.
            let fq = FuzzyTermQuery::new(Term::from_field_text(self.fields.names, w), 1, true);
            d.should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(fq), r.fuzzy_boost)),
            ));
        }
        // Initials the notes never write, of a name they spell out:
        // "drf" finds "Django REST framework".
        let plain_letters = (3..=5).contains(&w.len()) && w.chars().all(|c| c.is_ascii_lowercase());
        if unknown && concept.stems.len() == 1 && plain_letters {
            if let Some(words) = stats.expansion(w) {
                let stems: Vec<String> =
                    words.split(' ').map(|t| stem_one(&mut d.stem, t)).collect();
                d.should
                    .extend(self.phrase_queries(&stems, concept.weight * r.synonym_weight));
                d.terms.extend(stems);
                concept.phrases.push(words);
            }
        }
        if d.alternatives.contains(w) {
            if unknown && concept.stems.len() == 1 && concept.phrases.is_empty() {
                d.alternatives_unknown += 1;
            } else {
                d.alternatives_known += 1;
            }
        }
        d.per_word.push(q.box_clone());
        d.should.push((Occur::Should, q));
        d.terms.push(stem);
        d.concepts.push(concept);
    }

    /// A word the notes do not have, read as one they do: a typo of it
    /// (`secuirty`), or a prefix on it (`overhyped` is `hyped`). The query
    /// for the word it stands for; the concept learns that word.
    fn stand_in(
        &self,
        d: &mut Draft<'_>,
        w: &str,
        concept: &mut Concept,
    ) -> Option<Box<dyn Query>> {
        let r = &self.ranking;
        let stats = d.weigh.stats;
        if w.chars().count() < r.fuzzy_min_len {
            return None;
        }
        d.fuzzy_left -= 1;
        let (known, weight) = if let Some((fixed, distance)) = stats.correct(w) {
            d.corrections.push((w.to_string(), fixed.clone()));
            (fixed, if distance <= 1 { 1.0 } else { 0.8 })
        } else {
            (known_after_prefix(w, stats, &mut d.stem)?, 1.0)
        };
        let known_stem = stem_one(&mut d.stem, &known);
        let df = stats.doc_freq(&known_stem).max(stats.name_freq(&known));
        let q = self.word_query(&known, &known_stem, d.weigh.of(df) * r.fuzzy_boost * weight);
        concept.weight = d.weigh.of(df);
        concept.stems.push(known_stem.clone());
        concept.names.push(known);
        d.terms.push(known_stem);
        Some(q)
    }

    /// Synonyms of words and phrases in the question, weighed like the word.
    fn add_synonyms(&self, d: &mut Draft<'_>, all: &[String]) {
        for group in &self.synonyms {
            let present: Vec<&Vec<String>> =
                group.iter().filter(|e| contains_seq(all, e)).collect();
            if present.is_empty() {
                continue;
            }
            // The question's words the synonyms stand for ("mutual", "tls").
            let owners: Vec<usize> = (0..d.concepts.len())
                .filter(|&i| present.iter().any(|e| e.contains(&d.concepts[i].word)))
                .collect();
            let weight = owners
                .iter()
                .map(|&i| d.concepts[i].weight)
                .fold(None, |m: Option<f32>, w| Some(m.map_or(w, |m| m.max(w))))
                .unwrap_or(1.0)
                * self.ranking.synonym_weight;
            for entry in group.iter().filter(|e| !contains_seq(all, e)) {
                let stems: Vec<String> = entry.iter().map(|t| stem_one(&mut d.stem, t)).collect();
                if let [one] = stems.as_slice() {
                    d.should
                        .push((Occur::Should, self.word_query(&entry[0], one, weight)));
                    d.terms.push(one.clone());
                    for &i in &owners {
                        d.concepts[i].stems.push(one.clone());
                        d.concepts[i].names.push(entry[0].clone());
                    }
                } else {
                    d.should.extend(self.phrase_queries(&stems, weight));
                    d.terms.extend(stems);
                }
            }
        }
    }

    /// A spelled-out name whose initials the notes use: "command query
    /// responsibility segregation" finds "CQRS", "birds of a feather" "BoF".
    fn add_acronyms(&self, d: &mut Draft<'_>, all: &[String]) {
        for (start, len, acronym) in acronyms(all) {
            let stem = stem_one(&mut d.stem, &acronym);
            let df = d.weigh.stats.doc_freq(&stem);
            // A common word that happens to be the initials ("the", "run"),
            // or an inflected one ("ats" is "at"), is not one.
            if df == 0
                || stem != acronym
                || d.weigh.of(df) < 0.3
                || is_stop_word(&acronym)
                || d.concepts.iter().any(|c| c.word == acronym)
            {
                continue;
            }
            let window = &all[start..start + len];
            let owners: Vec<usize> = (0..d.concepts.len())
                .filter(|&i| window.contains(&d.concepts[i].word))
                .collect();
            let weight = d.weigh.of(df) * self.ranking.synonym_weight;
            d.should
                .push((Occur::Should, self.word_query(&acronym, &stem, weight)));
            d.terms.push(stem.clone());
            for &i in &owners {
                d.concepts[i].stems.push(stem.clone());
                d.concepts[i].names.push(acronym.clone());
            }
        }
    }

    /// Related words (a paraphrase's other words), weighed by their own
    /// rarity; groups are matched on stems ("ramping up" is "ramp up").
    /// Each group a question touches becomes one more concept of it.
    fn add_related(&self, d: &mut Draft<'_>, all: &[String], words_searched: usize) {
        let all_stems: Vec<String> = all.iter().map(|t| stem_one(&mut d.stem, t)).collect();
        for group in &self.related {
            let Some(at) = group.iter().find_map(|(e, _)| {
                all_stems
                    .windows(e.len())
                    .position(|w| w == e.as_slice())
                    .map(|i| (i, e.len()))
            }) else {
                continue;
            };
            let typed = &all[at.0..at.0 + at.1];
            let mut idea = Concept {
                // "~" and the words typed, as typed.
                word: format!("~{}", typed.join(" ")),
                stems: Vec::new(),
                names: Vec::new(),
                phrases: Vec::new(),
                weight: RELATED_IDEA_WEIGHT,
            };
            // The idea stands in for the words that raised it: when one of
            // them is rare, the idea counts almost as much.
            let trigger = d.concepts[..words_searched]
                .iter()
                .filter(|c| typed.contains(&c.word))
                .map(|c| c.weight)
                .fold(0.0f32, f32::max);
            idea.weight = idea.weight.max(IDEA_STANDS_IN * trigger);
            for (stems, plain) in group.iter().filter(|(e, _)| !contains_seq(&all_stems, e)) {
                // A phrase of a common word is not searched either:
                // phrase queries read positions, the costliest part.
                let df = stems
                    .iter()
                    .map(|s| d.weigh.stats.doc_freq(s))
                    .max()
                    .unwrap_or(0);
                let weight = d.weigh.of(df) * self.ranking.related_weight;
                // A common related word finds little and costs a long
                // posting list: it only counts for coverage.
                let search = df > 0 && d.weigh.of(df) >= MIN_RELATED_SEARCHED;
                if let [one] = stems.as_slice() {
                    if search {
                        d.should.push((Occur::Should, self.stem_query(one, weight)));
                    }
                    idea.stems.push(one.clone());
                    idea.names.push(plain.clone());
                } else {
                    if search {
                        d.should.extend(self.phrase_queries(stems, weight));
                    }
                    idea.phrases.push(plain.clone());
                }
            }
            // The idea counts as one more word of the question: a note
            // using any of its other words holds it.
            if !idea.stems.is_empty() || !idea.phrases.is_empty() {
                d.concepts.push(idea);
            }
        }
    }

    /// Neighbouring words of the question as phrases (one word apart at
    /// most), in the title worth more.
    fn add_neighbours(&self, d: &mut Draft<'_>, words_searched: usize) {
        let (f, r) = (self.fields, &self.ranking);
        for pair in d.concepts[..words_searched].windows(2) {
            let w = pair[0].weight.min(pair[1].weight);
            let stems = [pair[0].stems[0].clone(), pair[1].stems[0].clone()];
            for (field, boost) in [(f.title, r.phrase_boost * 1.5), (f.body, r.phrase_boost)] {
                let mut pq = PhraseQuery::new(
                    stems
                        .iter()
                        .map(|s| Term::from_field_text(field, s))
                        .collect(),
                );
                pq.set_slop(1);
                d.should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(pq), boost * w)),
                ));
            }
        }
    }

    /// A phrase in title and body.
    fn phrase_queries(&self, stems: &[String], weight: f32) -> Vec<(Occur, Box<dyn Query>)> {
        [self.fields.title, self.fields.body]
            .into_iter()
            .map(|field| {
                let pq = PhraseQuery::new(
                    stems
                        .iter()
                        .map(|s| Term::from_field_text(field, s))
                        .collect(),
                );
                let q: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(pq), weight));
                (Occur::Should, q)
            })
            .collect()
    }

    /// A stem searched in title, section and body only (a related word is no name).
    fn stem_query(&self, stem: &str, weight: f32) -> Box<dyn Query> {
        let (r, f) = (&self.ranking, self.fields);
        boosted(
            &[
                (f.title, stem, r.title_boost),
                (f.section, stem, r.section_boost),
                (f.body, stem, r.body_boost),
            ],
            weight,
        )
    }

    /// One word searched in every field with its boost.
    fn word_query(&self, plain: &str, stem: &str, weight: f32) -> Box<dyn Query> {
        let (r, f) = (&self.ranking, self.fields);
        boosted(
            &[
                (f.title, stem, r.title_boost),
                (f.speakers, plain, r.speakers_boost),
                (f.organizations, plain, r.organizations_boost),
                (f.conference, stem, r.conference_boost),
                (f.section, stem, r.section_boost),
                (f.body, stem, r.body_boost),
                (f.links, stem, r.links_boost),
            ],
            weight,
        )
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

/// Any of these (field, text, boost) terms, each boost times `weight`.
fn boosted(terms: &[(Field, &str, f32)], weight: f32) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        terms
            .iter()
            .map(|&(field, text, boost)| {
                let tq = TermQuery::new(
                    Term::from_field_text(field, text),
                    IndexRecordOption::WithFreqs,
                );
                let q: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(tq), boost * weight));
                (Occur::Should, q)
            })
            .collect(),
    ))
}

/// A question being made into queries: what [`QueryBuilder::build_with`]'s
/// steps add to.
#[derive(Default)]
struct Draft<'a> {
    stem: TextAnalyzer,
    weigh: Weigh<'a>,
    should: Vec<(Occur, Box<dyn Query>)>,
    /// Each content word's own query, for "holds every word".
    per_word: Vec<Box<dyn Query>>,
    terms: Vec<String>,
    concepts: Vec<Concept>,
    corrections: Vec<(String, String)>,
    /// Words of the question that may still be corrected.
    fuzzy_left: usize,
    /// The words either side of "or", "vs": the alternatives weighed.
    alternatives: HashSet<String>,
    alternatives_known: usize,
    alternatives_unknown: usize,
}

/// How much a word can say, from how many chunks hold it: a word in most
/// chunks weighs almost nothing, a word in one chunk weighs 1.
#[derive(Clone, Copy)]
struct Weigh<'a> {
    stats: &'a dyn Stats,
    n: f32,
}

impl Default for Weigh<'_> {
    fn default() -> Self {
        Weigh {
            stats: &NoStats,
            n: 1.0,
        }
    }
}

impl Weigh<'_> {
    fn of(&self, df: u64) -> f32 {
        let docs = self.stats.num_docs();
        if docs == 0 {
            return 1.0;
        }
        (idf(df.min(docs) as f32, self.n) / idf(1.0, self.n)).min(1.0)
    }
}

/// The question's words to search: not stop words or link words, each once,
/// at most [`MAX_WORDS`]. A question of only stop words ("what is it?")
/// still searches them.
fn content_words(all: &[String], filters: &Filters) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for w in all {
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
    if words.is_empty() && filters.is_empty() {
        words = all
            .iter()
            .filter(|w| !LINK_WORDS.contains(&w.as_str()))
            .take(MAX_WORDS)
            .cloned()
            .collect();
        words.dedup();
    }
    words
}

/// The words either side of "or", "vs" and "versus".
fn alternatives(all: &[String]) -> HashSet<String> {
    all.iter()
        .enumerate()
        .filter(|(_, w)| matches!(w.as_str(), "or" | "vs" | "versus"))
        .flat_map(|(i, _)| [i.checked_sub(1), Some(i + 1)])
        .flatten()
        .filter_map(|i| all.get(i).cloned())
        .collect()
}

fn stem_one(analyzer: &mut TextAnalyzer, word: &str) -> String {
    schema::tokens(analyzer, word)
        .into_iter()
        .next()
        .unwrap_or_else(|| word.to_string())
}

/// Initials of runs of 3 to 5 words (`start`, `len`, initials): all the
/// words, without articles, and without any stop word, each when it has at
/// least three letters. Runs start and end on a content word.
/// An unknown word made of a prefix and a word the notes hold: the word
/// (`overhyped`: `hyped`, `unmaintained`: `maintained`).
fn known_after_prefix(word: &str, stats: &dyn Stats, stem: &mut TextAnalyzer) -> Option<String> {
    const PREFIXES: &[&str] = &[
        "over", "under", "hyper", "super", "multi", "micro", "cross", "anti", "non", "pre", "post",
        "mis", "un", "re", "de", "co", "sub", "self",
    ];
    PREFIXES.iter().find_map(|p| {
        let rest = word.strip_prefix(p)?.trim_start_matches('-');
        // What is left must be a word of its own, not a fragment.
        if rest.chars().count() < 4 {
            return None;
        }
        let s = stem_one(stem, rest);
        (stats.doc_freq(&s) > 0).then(|| rest.to_string())
    })
}

pub(crate) fn acronyms(tokens: &[String]) -> Vec<(usize, usize, String)> {
    const ARTICLES: &[&str] = &["a", "an", "the"];
    // Each word's kind, once: windows look at each word many times.
    let content: Vec<bool> = tokens.iter().map(|w| !STOP.contains(&w.as_str())).collect();
    let article: Vec<bool> = tokens
        .iter()
        .map(|w| ARTICLES.contains(&w.as_str()))
        .collect();
    let of: Vec<bool> = tokens.iter().map(|w| w == "of").collect();
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    for start in 0..tokens.len() {
        if !content[start] {
            continue;
        }
        for len in 2..=6usize {
            let end = start + len;
            if end > tokens.len() {
                break;
            }
            if !content[end - 1] {
                continue;
            }
            let initials = |keep: &dyn Fn(usize) -> bool| -> String {
                (start..end)
                    .filter(|&i| keep(i))
                    .filter_map(|i| tokens[i].chars().next())
                    .collect()
            };
            // Three letters are too easily a word: only from content
            // words and "of" ("bof"; not "das" from "deploys at a scaleup").
            let tight = (start..end).all(|i| content[i] || of[i] || article[i]);
            for a in [
                initials(&|_| true),
                initials(&|i| !article[i]),
                initials(&|i| content[i]),
            ] {
                let n = a.chars().count();
                if (3..=5).contains(&n)
                    && (n > 3 || tight)
                    && a.chars().all(char::is_alphanumeric)
                    && !out.iter().any(|o| o.2 == a)
                {
                    out.push((start, len, a));
                }
            }
        }
    }
    out
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
