//! Snippets: the sentences or bullets of a body that hold the question's
//! words, one per line, in reading order, with the words in `**bold**`.
//! A unit longer than the room is cut at a clause or a word, around its
//! first match; nothing is run together.

use super::text::{self, Unit, UnitKind};
use crate::index::schema;
use std::collections::HashMap;
use tantivy::tokenizer::TextAnalyzer;

pub struct Snippets {
    analyzer: TextAnalyzer,
    /// Stem -> weight of each question term (rare words weigh more).
    terms: HashMap<String, f32>,
    max_chars: usize,
    max_units: usize,
}

/// One unit ready to show: its text without URLs and the byte ranges that match.
struct Shown {
    text: String,
    matches: Vec<(std::ops::Range<usize>, String)>,
}

impl Snippets {
    pub fn new(terms: HashMap<String, f32>, max_chars: usize, max_units: usize) -> Snippets {
        Snippets {
            analyzer: schema::stemmed_analyzer(),
            terms,
            max_chars: max_chars.max(20),
            max_units: max_units.max(1),
        }
    }

    fn shown(&mut self, unit: &str) -> Shown {
        let text = text::squash(&text::without_urls(&unit.replace("**", "")));
        let mut matches = Vec::new();
        {
            let mut stream = self.analyzer.token_stream(&text);
            while let Some(t) = stream.next() {
                if self.terms.contains_key(&t.text) {
                    matches.push((t.offset_from..t.offset_to, t.text.clone()));
                }
            }
        }
        Shown { text, matches }
    }

    /// Up to `max_units` units of `body` that hold the terms, best first
    /// chosen, shown in reading order; the opening units when none does.
    pub fn make(&mut self, body: &str) -> String {
        let units = text::units(body);
        let shown: Vec<Shown> = units.iter().map(|u| self.shown(u.text)).collect();
        let mut covered: HashMap<&str, usize> = HashMap::new();
        let mut chosen: Vec<usize> = Vec::new();
        // Sub-headings only when no sentence or bullet holds a word.
        let headings = !units
            .iter()
            .zip(&shown)
            .any(|(u, s)| u.kind != UnitKind::Heading && !s.matches.is_empty());
        while chosen.len() < self.max_units {
            // The unit that adds the most weight not yet shown.
            let best = shown
                .iter()
                .enumerate()
                .filter(|(i, s)| {
                    !chosen.contains(i)
                        && !s.matches.is_empty()
                        && (headings || units[*i].kind != UnitKind::Heading)
                })
                .map(|(i, s)| {
                    let mut seen: Vec<&str> = Vec::new();
                    let mut gain = 0.0;
                    for (_, stem) in &s.matches {
                        if seen.contains(&stem.as_str()) {
                            continue;
                        }
                        seen.push(stem);
                        let w = self.terms.get(stem).copied().unwrap_or(0.0);
                        gain += if covered.contains_key(stem.as_str()) {
                            0.2 * w
                        } else {
                            w
                        };
                    }
                    // A unit of a word or two says little around the match.
                    if s.text.split_whitespace().count() < 4 {
                        gain *= 0.5;
                    }
                    (i, gain)
                })
                .filter(|(_, g)| *g > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            let Some((i, _)) = best else { break };
            for (_, stem) in &shown[i].matches {
                *covered.entry(stem.as_str()).or_default() += 1;
            }
            chosen.push(i);
        }
        if chosen.is_empty() {
            // No word of the question is in the body (a speaker or title
            // match): its opening sentences or bullets.
            chosen = units
                .iter()
                .enumerate()
                .filter(|(i, u)| u.kind != UnitKind::Heading && !shown[*i].text.is_empty())
                .map(|(i, _)| i)
                .take(self.max_units)
                .collect();
        }
        chosen.sort_unstable();
        let parts: Vec<(&Unit, String)> = chosen
            .iter()
            .map(|&i| (&units[i], self.window(&shown[i])))
            .collect();
        text::lines(&parts)
    }

    /// The unit's text within `max_chars`, around its first match, bold.
    fn window(&self, s: &Shown) -> String {
        let t = &s.text;
        let mut start = 0;
        if t.chars().count() > self.max_chars {
            if let Some((first, _)) = s.matches.first() {
                // Keep some words before the first match when it is far in.
                let before = t[..first.start].chars().count();
                if before > self.max_chars / 2 {
                    let back = self.max_chars / 4;
                    let from = t[..first.start]
                        .char_indices()
                        .nth(before - back)
                        .map_or(0, |(i, _)| i);
                    start = t[from..first.start]
                        .find(' ')
                        .map_or(first.start, |sp| from + sp + 1);
                }
            }
        }
        let rest = &t[start..];
        let kept = text::cut(rest, self.max_chars - usize::from(start > 0));
        let ellipsis = kept.ends_with('…') && !rest.ends_with('…');
        let kept_body = if ellipsis {
            kept.trim_end_matches('…')
        } else {
            kept.as_str()
        };
        let end = start + kept_body.len();
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        let mut at = start;
        for (r, _) in &s.matches {
            if r.start < at || r.end > end {
                continue;
            }
            out.push_str(&t[at..r.start]);
            out.push_str("**");
            out.push_str(&t[r.clone()]);
            out.push_str("**");
            at = r.end;
        }
        out.push_str(&t[at..end]);
        if ellipsis {
            out.push('…');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippets(words: &[(&str, f32)], chars: usize, units: usize) -> Snippets {
        Snippets::new(
            words.iter().map(|(w, f)| (w.to_string(), *f)).collect(),
            chars,
            units,
        )
    }

    #[test]
    fn a_bullet_stays_a_bullet_and_a_label_stays_with_it() {
        let body =
            "Intro about many things.\n\nSupported languages:\n\n- Rust compiles to Wasm\n\n\
                    - Go too\n\nRuntimes run it. Wasmtime is one https://wasmtime.dev/ of them.";
        let mut s = snippets(&[("wasm", 2.0), ("wasmtim", 1.0)], 160, 2);
        assert_eq!(
            s.make(body),
            "Supported languages:\n• Rust compiles to **Wasm**\n**Wasmtime** is one of them."
        );
    }

    #[test]
    fn the_rare_word_chooses_the_unit() {
        let body =
            "Kubernetes is everywhere.\n\nKubernetes clusters need buildpacks to build images.";
        let mut s = snippets(&[("kubernet", 0.1), ("buildpack", 3.0)], 160, 1);
        assert_eq!(
            s.make(body),
            "**Kubernetes** clusters need **buildpacks** to build images."
        );
    }

    #[test]
    fn a_long_sentence_is_cut_around_its_match() {
        let body = format!(
            "{} the runwasi shim runs WebAssembly pods next to containers and more words follow here.",
            "Lots of words before it ".repeat(8)
        );
        let mut s = snippets(&[("runwasi", 3.0)], 80, 1);
        let got = s.make(&body);
        assert!(got.starts_with('…') && got.contains("**runwasi**"), "{got}");
        assert!(got.chars().count() <= 84, "{got}");
    }

    #[test]
    fn without_matches_the_opening_units() {
        let body = "Heading\n\nFirst point made.\n\n- a bullet\n\n- another";
        let mut s = snippets(&[("zzz", 1.0)], 160, 2);
        assert_eq!(s.make(body), "First point made.\n• a bullet");
    }
}
