//! Extractive summaries: the few most informative sentences or bullets of a
//! chunk, in reading order, within a size budget. Informative means rare in
//! the index (inverse document frequency) and, when there is a question,
//! sharing its words. Only text that is in the note is ever returned.

use crate::index::schema;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

/// A sentence or bullet of a body, with its position.
struct Unit<'a> {
    text: &'a str,
    pos: usize,
    bullet: bool,
}

/// Sentences and bullets of a body, skipping code blocks and labels.
fn units(body: &str) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    let mut in_code = false;
    for para in body.split("\n\n") {
        let p = para.trim();
        if p.starts_with("```") {
            in_code = !p.ends_with("```") || p == "```";
            continue;
        }
        if in_code {
            in_code = !p.ends_with("```");
            continue;
        }
        if let Some(item) = p.trim_start().strip_prefix("- ") {
            out.push(Unit {
                text: item.trim(),
                pos: out.len(),
                bullet: true,
            });
            continue;
        }
        for s in sentences(p) {
            out.push(Unit {
                text: s,
                pos: out.len(),
                bullet: false,
            });
        }
    }
    out
}

/// Split a paragraph after `.`, `!` or `?` followed by a space and a capital.
pub fn sentences(p: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = p.char_indices().collect();
    for i in 0..chars.len() {
        let (at, c) = chars[i];
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next_space = chars.get(i + 1).is_some_and(|(_, n)| n.is_whitespace());
        let next_cap = chars.get(i + 2).is_some_and(|(_, n)| {
            n.is_uppercase() || n.is_ascii_digit() || matches!(n, '“' | '"' | '(')
        });
        // "e.g. Kata" or "vs. Kubernetes": short abbreviations do not end sentences.
        let word_before: String = p[start..at]
            .split_whitespace()
            .last()
            .unwrap_or("")
            .to_string();
        let abbrev = word_before.len() <= 3 && word_before.contains('.')
            || matches!(word_before.as_str(), "vs" | "e.g" | "i.e" | "etc");
        if next_space && next_cap && !abbrev {
            let end = at + c.len_utf8();
            let s = p[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = p[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

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
        let units = units(body);
        let n = self.searcher.num_docs().max(1) as f32;
        let mut scored: Vec<(f32, &Unit)> = units
            .iter()
            .filter(|u| {
                (u.bullet || !u.text.ends_with(':')) && without_urls(u.text).chars().count() >= 20
            })
            .map(|u| {
                // URLs are full of rare tokens but say little.
                let mut toks = schema::tokens(&mut self.analyzer, &without_urls(u.text));
                let len = toks.len() as f32;
                toks.sort();
                toks.dedup();
                let mut score = 0.0;
                for t in &toks {
                    if t.len() < 3 {
                        continue;
                    }
                    let df = match self.doc_freqs.get(t) {
                        Some(df) => *df,
                        None => {
                            let df = self
                                .searcher
                                .doc_freq(&Term::from_field_text(self.body, t))
                                .unwrap_or(0);
                            self.doc_freqs.insert(t.clone(), df);
                            df
                        }
                    } as f32;
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
                (score, u)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut chosen: Vec<&Unit> = Vec::new();
        let mut used = 0;
        for (_, u) in scored {
            if chosen.len() >= max_units {
                break;
            }
            let len = u.text.chars().count() + 1;
            if used + len > max_chars {
                if chosen.is_empty() {
                    return cut(u.text, max_chars);
                }
                continue;
            }
            used += len;
            chosen.push(u);
        }
        if chosen.is_empty() {
            // Nothing scored (a body of short bullets): its opening words.
            return cut(&body.replace("\n\n", " "), max_chars);
        }
        chosen.sort_by_key(|u| u.pos);
        chosen
            .iter()
            .map(|u| {
                if u.bullet {
                    format!("• {}", u.text)
                } else {
                    u.text.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn without_urls(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !w.contains("://") && !w.starts_with("www."))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cut text at a word boundary to at most `max` characters, adding "…".
pub fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if text[..i].chars().count() >= max.saturating_sub(1) {
            break;
        }
        if c.is_whitespace() {
            end = i;
        }
    }
    if end == 0 {
        end = text
            .char_indices()
            .nth(max.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
    }
    format!("{}…", text[..end].trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sentences() {
        assert_eq!(
            sentences("Flux is nice. It syncs clusters, e.g. Kata ones! Done? yes"),
            vec![
                "Flux is nice.",
                "It syncs clusters, e.g. Kata ones!",
                "Done? yes"
            ]
        );
    }

    #[test]
    fn cuts_at_words() {
        assert_eq!(cut("one two three four", 10), "one two…");
        assert_eq!(cut("short", 10), "short");
        assert!(cut("averyveryverylongword", 5).chars().count() <= 5);
    }

    #[test]
    fn units_skip_code() {
        let u = units("Intro sentence here.\n\n```\n# not text\n```\n\n- a bullet point");
        let t: Vec<_> = u.iter().map(|u| u.text).collect();
        assert_eq!(t, vec!["Intro sentence here.", "a bullet point"]);
    }
}
