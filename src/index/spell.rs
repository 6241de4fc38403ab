//! Typos corrected from the notes' own words.
//!
//! Stems cannot be compared for typos: `secuirty` stems to `secuirti` and
//! `security` to `secur`, three edits apart. So every word of the notes is
//! also indexed as typed (lowercased and folded, not stemmed) in the `words`
//! field, and an unknown word of a question is corrected to the closest of
//! those within one edit (two for words of eight letters or more), the most
//! common first, by walking the term dictionary with a Levenshtein
//! automaton. No scan of the notes, however many there are.

use super::schema::Fields;
use tantivy::query::FuzzyTermQuery;
use tantivy::{Searcher, Term};

/// Words shorter than this are never corrected: too many near neighbours.
pub const MIN_LEN: usize = 4;

/// Edits allowed for a word of `len` characters.
pub fn max_edits(len: usize) -> u8 {
    if len >= 8 {
        2
    } else {
        1
    }
}

/// Whether the notes hold `word` as typed.
pub fn is_known(searcher: &Searcher, fields: &Fields, word: &str) -> bool {
    searcher
        .doc_freq(&Term::from_field_text(fields.words, word))
        .is_ok_and(|n| n > 0)
}

/// The word of the notes closest to `word`, with its edit distance; `None`
/// when `word` is known, too short, has digits, or nothing is close.
pub fn correct(searcher: &Searcher, fields: &Fields, word: &str) -> Option<(String, usize)> {
    let len = word.chars().count();
    if len < MIN_LEN || word.chars().any(|c| c.is_ascii_digit()) || is_known(searcher, fields, word)
    {
        return None;
    }
    let query = FuzzyTermQuery::new(
        Term::from_field_text(fields.words, word),
        max_edits(len),
        true,
    );
    // (distance, -doc freq, word): the closest, then the most common.
    let mut best: Option<(usize, std::cmp::Reverse<u64>, String)> = None;
    let mut freqs: std::collections::HashMap<String, u64> = Default::default();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(fields.words) else {
            continue;
        };
        let Ok(automaton) = query.automaton() else {
            return None;
        };
        let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
            continue;
        };
        while stream.advance() {
            if let Ok(w) = std::str::from_utf8(stream.key()) {
                *freqs.entry(w.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    for (w, df) in freqs {
        let d = strsim::osa_distance(word, &w);
        let cand = (d, std::cmp::Reverse(df), w);
        if best.as_ref().is_none_or(|b| cand < *b) {
            best = Some(cand);
        }
    }
    best.map(|(d, _, w)| (w, d))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_swap_is_one_edit() {
        assert_eq!(strsim::osa_distance("secuirty", "security"), 1);
        assert_eq!(strsim::osa_distance("begginers", "beginners"), 2);
        assert_eq!(strsim::osa_distance("kubernets", "kubernetes"), 1);
        assert_eq!(strsim::osa_distance("same", "same"), 0);
    }
}
