//! Extractive summaries: the few most informative sentences or bullets of a
//! chunk, in reading order, within a size budget. Informative means rare in
//! the index (inverse document frequency) and, when there is a question,
//! sharing its words. Only text that is in the note is ever returned.

use crate::index::schema;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::text::{self, Unit, UnitKind};
pub use super::text::{cut, sentences};

pub struct Summarizer<'a> {
    pub searcher: &'a Searcher,
    pub body: Field,
    pub analyzer: TextAnalyzer,
    /// Document frequencies already looked up: the same words come back in
    /// every sentence, and each lookup visits every segment.
    pub doc_freqs: std::collections::HashMap<String, u64>,
}

impl Summarizer<'_> {
    /// At most `max_units` units and `max_chars` characters of `body`.
    pub fn summarize(
        &mut self,
        body: &str,
        query_terms: &[String],
        max_units: usize,
        max_chars: usize,
    ) -> String {
        let units = text::units(body);
        let mut scored = self.score_units(&units, query_terms);
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        match best_within(scored, max_units, max_chars) {
            Chosen::Cut(line) => line,
            Chosen::Units(chosen) if chosen.is_empty() => {
                opening(&units, body, max_units, max_chars)
            }
            Chosen::Units(mut chosen) => {
                chosen.sort_by_key(|u| u.pos);
                let parts: Vec<(&Unit, String)> = chosen.iter().map(|u| (*u, shown(u))).collect();
                text::lines(&parts)
            }
        }
    }

    /// Each unit that can stand alone (no heading, 20 characters or more
    /// besides URLs) with its score.
    fn score_units<'u, 'b>(
        &mut self,
        units: &'u [Unit<'b>],
        query_terms: &[String],
    ) -> Vec<(f32, &'u Unit<'b>)> {
        let n = self.searcher.num_docs().max(1) as f32;
        units
            .iter()
            .filter(|u| {
                u.kind != UnitKind::Heading && text::without_urls(u.text).chars().count() >= 20
            })
            .map(|u| (self.score(u, query_terms, n), u))
            .collect()
    }

    /// The rarity of a unit's words, more for the question's words, over
    /// its length; an opening unit counts more, a short one or a fragment
    /// less. `n` is the number of documents.
    fn score(&mut self, u: &Unit, query_terms: &[String], n: f32) -> f32 {
        // URLs are full of rare tokens but say little.
        let mut toks = schema::tokens(&mut self.analyzer, &text::without_urls(u.text));
        let len = toks.len() as f32;
        toks.sort();
        toks.dedup();
        let mut score = 0.0;
        for t in &toks {
            if t.len() < 3 {
                continue;
            }
            let df = self.doc_freq(t) as f32;
            let idf = (1.0 + n / (df + 1.0)).ln();
            score += idf;
            if query_terms.iter().any(|q| q == t) {
                score += 2.0 * idf + 1.0;
            }
        }
        let mut score = score / (len.sqrt() + 1.0);
        if u.pos == 0 {
            score *= 1.25;
        }
        if len < 5.0 {
            score *= 0.5;
        }
        // A fragment ("the developer tool for ...") reads worse than a sentence.
        let fragment = u.text.chars().next().is_some_and(char::is_lowercase)
            && !u.text.ends_with(['.', '!', '?']);
        if fragment && !matches!(u.kind, UnitKind::Bullet) {
            score *= 0.6;
        }
        score
    }

    /// How many documents of the index hold `term`, looked up once.
    fn doc_freq(&mut self, term: &str) -> u64 {
        if let Some(df) = self.doc_freqs.get(term) {
            return *df;
        }
        let df = self
            .searcher
            .doc_freq(&Term::from_field_text(self.body, term))
            .unwrap_or(0);
        self.doc_freqs.insert(term.to_string(), df);
        df
    }
}

/// What fits of the best units.
enum Chosen<'u> {
    Units(Vec<&'u Unit<'u>>),
    /// The best unit alone did not fit: it, cut at a clause.
    Cut(String),
}

/// The best units, best first, while they fit in `max_units` and
/// `max_chars`; a unit that does not fit is passed over for a shorter one.
fn best_within<'u>(
    scored: Vec<(f32, &'u Unit<'u>)>,
    max_units: usize,
    max_chars: usize,
) -> Chosen<'u> {
    let mut chosen: Vec<&Unit> = Vec::new();
    let mut used = 0;
    for (_, u) in scored {
        if chosen.len() >= max_units {
            break;
        }
        let len = shown(u).chars().count() + 1 + u.label.map_or(0, |l| l.len() + 1);
        if used + len > max_chars {
            if chosen.is_empty() {
                // One sentence longer than the room: cut at a clause.
                return Chosen::Cut(text::lines(&[(u, cut(&shown(u), max_chars))]));
            }
            continue;
        }
        used += len;
        chosen.push(u);
    }
    Chosen::Units(chosen)
}

/// Nothing scored (a body of short bullets): its opening units, or the
/// body cut to the room.
fn opening(units: &[Unit], body: &str, max_units: usize, max_chars: usize) -> String {
    let opening: Vec<(&Unit, String)> = units
        .iter()
        .filter(|u| u.kind != UnitKind::Heading)
        .scan(0, |used, u| {
            *used += u.text.len() + 1;
            (*used <= max_chars).then(|| (u, shown(u)))
        })
        .take(max_units)
        .collect();
    if opening.is_empty() {
        return cut(&text::squash(body), max_chars);
    }
    text::lines(&opening)
}

/// A unit's text as shown: one line, no URLs, no markup asterisks.
fn shown(u: &Unit) -> String {
    text::squash(&text::without_urls(&u.text.replace("**", "")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_units_are_one_line_without_urls() {
        let u = &text::units("A **bold** claim, see https://example.com/x\nand more.")[0];
        assert_eq!(shown(u), "A bold claim, see and more.");
    }
}
