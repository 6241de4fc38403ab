//! Names a chunk spells out, by their initials: `Django REST framework` is
//! `drf`, `Command Query Responsibility Segregation` is `cqrs`. The index
//! keeps each chunk's initials in a field of their own, so a question that
//! types the initials the notes never write (`DRF pros and cons?`) still
//! finds the name (see [`super::query`]), without a synonym list.
//!
//! Initials come from the title, where every run of words counts, and from
//! the body, where only names do: runs of two or more capitalised words
//! (`Birds of a Feather`), so ordinary sentences add nothing.

use super::query::acronyms;
use super::words::WordTokenizer;
use tantivy::tokenizer::{TokenStream, Tokenizer};

/// Words a name may hold between its capitalised words.
const JOINERS: &[&str] = &["of", "a", "an", "the", "and", "for", "in", "on", "to"];

/// The longest run of words taken from a body name.
const MAX_RUN: usize = 6;

/// Each initialism with the words it stands for, lowercased and joined by
/// spaces (`("drf", "django rest framework")`); the title's first.
pub fn initialisms(title: &str, body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |words: &[String]| {
        for (start, len, initials) in acronyms(words) {
            if !out.iter().any(|(i, _)| *i == initials) {
                out.push((initials, words[start..start + len].join(" ")));
            }
        }
    };
    let title_words: Vec<String> = words(title).into_iter().map(|(w, _)| w).collect();
    add(&title_words);
    for run in capitalised_runs(body) {
        add(&run);
    }
    out
}

/// Words of `text`, lowercased, each with whether it began with a capital.
fn words(text: &str) -> Vec<(String, bool)> {
    let mut tokenizer = WordTokenizer::default();
    let mut stream = tokenizer.token_stream(text);
    let mut out = Vec::new();
    let mut last_to = 0;
    while stream.advance() {
        let t = stream.token();
        // The parts of a glued word (`PharoJS`) lie inside it; keep the word.
        if t.offset_from < last_to {
            continue;
        }
        last_to = t.offset_to;
        let w = &text[t.offset_from..t.offset_to];
        out.push((w.to_lowercase(), w.starts_with(char::is_uppercase)));
    }
    out
}

/// Runs of capitalised words in `text`, joined only by spaces or hyphens
/// and by [`JOINERS`], lowercased.
fn capitalised_runs(text: &str) -> Vec<Vec<String>> {
    let mut runs = Vec::new();
    let mut tokenizer = WordTokenizer::default();
    let mut stream = tokenizer.token_stream(text);
    let mut run: Vec<String> = Vec::new();
    // Joiners seen since the run's last capitalised word.
    let mut pending: Vec<String> = Vec::new();
    let mut last_to = 0;
    let mut close = |run: &mut Vec<String>, pending: &mut Vec<String>| {
        if run.len() >= 2 {
            runs.push(std::mem::take(run));
        }
        run.clear();
        pending.clear();
    };
    while stream.advance() {
        let t = stream.token();
        if t.offset_from < last_to {
            continue;
        }
        let gap = &text[last_to..t.offset_from];
        last_to = t.offset_to;
        let w = &text[t.offset_from..t.offset_to];
        let joined = gap == "-" || gap.chars().all(|c| c == ' ');
        if !joined {
            close(&mut run, &mut pending);
        }
        // Most words are neither: nothing is allocated for them.
        if w.starts_with(char::is_uppercase) {
            if run.len() + pending.len() >= MAX_RUN {
                close(&mut run, &mut pending);
            }
            run.append(&mut pending);
            run.push(w.to_lowercase());
        } else if !run.is_empty() && JOINERS.contains(&w) && pending.len() < 2 {
            pending.push(w.to_string());
        } else if !run.is_empty() {
            close(&mut run, &mut pending);
        }
    }
    close(&mut run, &mut pending);
    runs
}

/// The initials of a chunk, as the text of its `initials` field.
pub fn field_text(title: &str, body: &str) -> String {
    let mut out = String::new();
    for (initials, _) in initialisms(title, body) {
        out.push_str(&initials);
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expansion(title: &str, body: &str, initials: &str) -> Option<String> {
        initialisms(title, body)
            .into_iter()
            .find(|(i, _)| i == initials)
            .map(|(_, p)| p)
    }

    #[test]
    fn titles_and_names_in_the_body_give_initials() {
        assert_eq!(
            expansion("Django REST framework: the good", "", "drf").as_deref(),
            Some("django rest framework")
        );
        let body = "We met at the Birds of a Feather session. Later, Command Query \
                    Responsibility Segregation came up.";
        assert_eq!(
            expansion("Hallway", body, "bof").as_deref(),
            Some("birds of a feather")
        );
        assert_eq!(
            expansion("Hallway", body, "cqrs").as_deref(),
            Some("command query responsibility segregation")
        );
    }

    #[test]
    fn glued_words_count_once() {
        assert_eq!(
            expansion("Hallway", "Then ArgoCD Image Updater, again.", "aiu").as_deref(),
            Some("argocd image updater")
        );
    }

    #[test]
    fn ordinary_sentences_give_no_initials() {
        let body = "we deployed it twice and then rolled the whole thing back on friday.";
        assert!(initialisms("Notes", body).is_empty());
        // A sentence's capital and a name after punctuation are no run.
        let body = "Tests. Deploys. Rollbacks, Incidents";
        assert!(initialisms("Notes", body).is_empty());
    }
}
