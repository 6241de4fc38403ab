//! Asking: tantivy's candidates looked at a second time (how much of the
//! question each holds), the relevance floor, then snippets and summaries
//! of the hits shown.

use super::{rank, snippet, summary, text, Answer, Engine, Hit, MIN_SHARE_OF_BEST, NEAREST, POOL};
use crate::index::query::Built;
use crate::index::{schema, Filters};
use crate::notes::{Chunk, Kind, Link};
use anyhow::Result;
use tantivy::query::Query;
use tantivy::Searcher;

/// A candidate after the second look: its score, how it matched, the chunk.
type Ranked = (f32, rank::Match, Chunk);

impl Engine {
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
            let mut ranked = self.ranked(&built, query.as_ref(), limit + offset)?;
            answer.nearest = self.keep_close(&mut ranked, &built, limit);
            // The team's notes first; events known only from a schedule
            // after them, each group best first.
            ranked.sort_by_key(|r| r.2.meta.kind == Kind::Scheduled);
            let shown = ranked.into_iter().skip(offset).take(limit);
            answer.hits = self.with_schedule(self.shown(&searcher, &built, shown))?;
        }
        if (answer.hits.is_empty() || answer.nearest) && offset == 0 {
            answer.did_you_mean = did_you_mean(&built);
            // What the notes cover, when there is nothing to show; it reads
            // every chunk, so not when the nearest notes are shown anyway.
            if answer.hits.is_empty() {
                answer.conferences = self.conferences()?;
            }
        }
        Ok(answer)
    }

    /// tantivy's candidates for `query`, each looked at a second time (how
    /// much of the question it holds), best first. `wanted` is how many
    /// results the pages up to this one show.
    fn ranked(&self, built: &Built, query: &dyn Query, wanted: usize) -> Result<Vec<Ranked>> {
        // Candidates for the second look; the same pool for every page.
        let pool = wanted.max(POOL) + 5;
        let fetched = self.index.run(query, pool, 0)?;
        let mut reader = rank::Reader::new(&built.concepts);
        let mut ranked: Vec<Ranked> = fetched
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
        // Ties in the notes' order: the same answer whatever order the
        // index's threads stored the documents in.
        ranked.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.2.meta.place().cmp(&b.2.meta.place()))
        });
        Ok(ranked)
    }

    /// Drop the weak candidates of `ranked` (best first); when none holds
    /// enough of the question, keep the nearest few and say so (`true`).
    fn keep_close(&self, ranked: &mut Vec<Ranked>, built: &Built, limit: usize) -> bool {
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
            ranked.truncate(NEAREST.min(limit));
            return true;
        }
        // Weak hits are dropped rather than shown as answers.
        ranked.retain(|(s, m, _)| close(m) && *s >= best * MIN_SHARE_OF_BEST);
        false
    }

    /// The candidates shown, as hits with their snippets and summaries.
    fn shown(
        &self,
        searcher: &Searcher,
        built: &Built,
        ranked: impl Iterator<Item = Ranked>,
    ) -> Vec<Hit> {
        let mut snippets = self.snippets(searcher, &built.terms);
        let mut summarizer = self.summarizer(searcher);
        ranked
            .map(|(score, m, chunk)| {
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
                hit
            })
            .collect()
    }

    pub(super) fn hit(&self, c: Chunk, score: f32, snippet: String, summary: String) -> Hit {
        let mut links = c.links;
        let scheduled = c.meta.kind == Kind::Scheduled;
        // A schedule's events are not lines of a note worth linking to.
        let source = (!scheduled)
            .then(|| self.config.source_url(&c.meta.file, c.meta.line))
            .flatten();
        // A session's own page: a video, slides or schedule link of it. A
        // section's links are whatever it mentions, never its page.
        let own = (c.meta.kind.is_session() || scheduled)
            .then(|| {
                links
                    .iter()
                    .find(|l| {
                        crate::notes::links::is_media_link(&l.url, &l.label)
                            || crate::notes::linkline::is_talk_page(&l.url)
                    })
                    .or(if matches!(c.meta.kind, Kind::Listed | Kind::Scheduled) {
                        // A talk only named with a link, or an event with
                        // its schedule page first: that link is its page.
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
                label: format!("source: {}", c.meta.location()),
            });
        }
        let mut meta = c.meta;
        meta.title = text::clean_title(&meta.title);
        Hit {
            meta,
            url,
            coverage: 1.0,
            held: 0.0,
            why: String::new(),
            score,
            snippet,
            summary,
            links,
            schedule_abstract: None,
        }
    }

    pub(super) fn summarizer<'a>(&self, searcher: &'a Searcher) -> summary::Summarizer<'a> {
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

/// The question with its corrected words, when any was corrected.
fn did_you_mean(built: &Built) -> Option<String> {
    if built.corrections.is_empty() {
        return None;
    }
    let mut fixed = built.words.clone();
    for (typed, to) in &built.corrections {
        for w in fixed.iter_mut().filter(|w| *w == typed) {
            w.clone_from(to);
        }
    }
    Some(fixed.join(" "))
}

/// Whether `title` holds most of `words`.
pub(super) fn names_most(title: &str, words: &[String]) -> bool {
    let title = title.to_lowercase();
    let named = words.iter().filter(|w| title.contains(w.as_str())).count();
    !words.is_empty() && named * 2 >= words.len()
}
