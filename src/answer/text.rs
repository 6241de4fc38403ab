//! A body as a reader sees it: sentences, bullets, labels and the
//! sub-headings above them, in reading order. Snippets and summaries are
//! built from these units, so a bullet stays a bullet, a label stays with
//! the text under it, and nothing is cut inside a sentence unless one
//! sentence alone is longer than the room for it.

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Sentence,
    Bullet,
    /// A short line with no end punctuation above other text: a sub-heading
    /// the parser kept in the body. Context, not content.
    Heading,
}

/// One sentence or bullet of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit<'a> {
    pub text: &'a str,
    pub kind: UnitKind,
    /// The label line above it (`Supported languages:`), if any.
    pub label: Option<&'a str>,
    /// Position in the body, in units.
    pub pos: usize,
}

/// The units of a body, skipping code blocks.
pub fn units(body: &str) -> Vec<Unit<'_>> {
    let paras: Vec<&str> = body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut out: Vec<Unit> = Vec::new();
    let mut in_code = false;
    let mut label: Option<&str> = None;
    for (i, p) in paras.iter().enumerate() {
        if p.starts_with("```") || p.starts_with("~~~") {
            // A fence that opens and closes in one paragraph is one block.
            let closed = p.len() > 3 && (p.ends_with("```") || p.ends_with("~~~"));
            in_code = !closed;
            continue;
        }
        if in_code {
            in_code = !(p.ends_with("```") || p.ends_with("~~~"));
            continue;
        }
        if let Some(item) = bullet_text(p) {
            out.push(Unit {
                text: item,
                kind: UnitKind::Bullet,
                label,
                pos: out.len(),
            });
            continue;
        }
        let next_is_text = paras.get(i + 1).is_some_and(|n| !n.starts_with("```"));
        if is_label(p) {
            // A label over a label: the first had nothing under it.
            label = next_is_text.then_some(*p);
            continue;
        }
        if next_is_text && is_heading_like(p) {
            out.push(Unit {
                text: p,
                kind: UnitKind::Heading,
                label: None,
                pos: out.len(),
            });
            label = None;
            continue;
        }
        for s in sentences(p) {
            out.push(Unit {
                text: s,
                kind: UnitKind::Sentence,
                label,
                pos: out.len(),
            });
        }
        // A label covers the list or paragraph right under it.
        label = None;
    }
    out
}

/// The text of a list item (`- `, `* `, `+ `, `1. `), else `None`.
fn bullet_text(p: &str) -> Option<&str> {
    let t = p.trim_start();
    for marker in ["- ", "* ", "+ ", "• "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some(rest.trim());
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &t[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(r.trim());
        }
    }
    None
}

/// `Supported languages:`: a short line that introduces what follows.
fn is_label(p: &str) -> bool {
    let t = without_urls(p);
    t.ends_with(':') && !p.contains('\n') && t.chars().count() <= 80
}

/// A few words with no end punctuation: a sub-heading.
fn is_heading_like(p: &str) -> bool {
    let words = p.split_whitespace().count();
    (1..=7).contains(&words)
        && !p.contains('\n')
        && !p.ends_with(['.', '!', '?', ',', ';'])
        && !p.contains("://")
        && p.chars().next().is_some_and(|c| !c.is_lowercase())
}

/// Split a paragraph after `.`, `!` or `?` followed by a space and a
/// capital, a digit or an opening quote; short abbreviations do not end a
/// sentence. Hard line breaks inside the paragraph do not split it.
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
        let word_before = p[start..at].split_whitespace().last().unwrap_or("");
        let abbrev = word_before.len() <= 3 && word_before.contains('.')
            || matches!(
                word_before.to_ascii_lowercase().as_str(),
                "vs" | "e.g" | "i.e" | "etc" | "mr" | "ms" | "dr" | "st" | "no"
            );
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

/// Units shown one per line: a bullet as `• text`, a label on its own line
/// above the first unit under it.
pub fn lines(units: &[(&Unit<'_>, String)]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut last_label: Option<&str> = None;
    for (u, text) in units {
        if u.label.is_some() && u.label != last_label {
            out.push(without_urls(u.label.unwrap_or_default()).replace(" :", ":"));
        }
        last_label = u.label;
        out.push(match u.kind {
            UnitKind::Bullet => format!("• {text}"),
            _ => text.clone(),
        });
    }
    out.join("\n")
}

/// Whitespace (hard line breaks included) collapsed to single spaces.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// URLs replaced by nothing: they are listed under links and say little in prose.
pub fn without_urls(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !w.contains("://") && !w.starts_with("www."))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cut text to at most `max` characters: at the last sentence or clause
/// end that leaves most of it, else at a word, adding "…".
pub fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let limit = text
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..limit];
    // A clause end in the last two fifths of the room reads better than a cut word.
    let clause = head
        .char_indices()
        .rfind(|(i, c)| {
            matches!(c, '.' | ';' | ',' | ':' | '!' | '?')
                && *i * 5 >= limit * 3
                && head[i + c.len_utf8()..].starts_with(' ')
        })
        .map(|(i, _)| i);
    let end = clause
        .or_else(|| head.rfind(char::is_whitespace).filter(|&i| i > 0))
        .unwrap_or(limit);
    format!(
        "{}…",
        text[..end].trim_end_matches([',', ';', ':', ' ', '.', '-', '–'])
    )
}

/// A title as shown: markup, list enumerators and wrapping quotes removed.
pub fn clean_title(title: &str) -> String {
    let mut t = squash(title);
    for _ in 0..2 {
        let before = t.clone();
        t = t
            .trim_matches(|c: char| matches!(c, '*' | '_' | '`' | '#' | '"' | '“' | '”' | ' '))
            .trim_end_matches([' ', '-', '–', ':', '|'])
            .to_string();
        // "3. Title", "B) Title", "Talk 2: Title".
        let enumerated = {
            let first = t.split_whitespace().next().unwrap_or("");
            let stem = first.trim_end_matches(['.', ')']);
            first.len() > stem.len()
                && first.len() - stem.len() == 1
                && (stem.chars().all(|c| c.is_ascii_digit()) && stem.len() <= 3
                    || stem.len() == 1 && stem.chars().all(|c| c.is_ascii_uppercase()))
        };
        if enumerated && t.split_whitespace().count() > 1 {
            t = t.split_once(' ').map_or(t.clone(), |(_, r)| r.to_string());
        }
        if t == before {
            break;
        }
    }
    if t.is_empty() {
        squash(title)
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(u: &'a [Unit<'a>]) -> Vec<(&'a str, UnitKind, Option<&'a str>)> {
        u.iter().map(|u| (u.text, u.kind, u.label)).collect()
    }

    #[test]
    fn units_keep_bullets_labels_and_skip_code() {
        let body = "Intro sentence here. Second one.\n\nSupported languages:\n\n- Rust\n\n- Go\n\n\
                    ```\n# not text\n```\n\nRuntimes\n\nwasmtime runs it.";
        let u = units(body);
        assert_eq!(
            texts(&u),
            vec![
                ("Intro sentence here.", UnitKind::Sentence, None),
                ("Second one.", UnitKind::Sentence, None),
                ("Rust", UnitKind::Bullet, Some("Supported languages:")),
                ("Go", UnitKind::Bullet, Some("Supported languages:")),
                ("Runtimes", UnitKind::Heading, None),
                ("wasmtime runs it.", UnitKind::Sentence, None),
            ]
        );
        // A label with nothing but another label under it is dropped.
        let u = units("Languages:\n\nRuntimes:\n\nJavaScript and WASI");
        assert_eq!(
            texts(&u),
            vec![("JavaScript and WASI", UnitKind::Sentence, Some("Runtimes:"))]
        );
    }

    #[test]
    fn lines_show_one_unit_per_line_with_its_label_once() {
        let u = units("Languages:\n\n- Rust\n\n- Go\n\nDone here.");
        let shown: Vec<(&Unit, String)> = u.iter().map(|u| (u, u.text.to_string())).collect();
        assert_eq!(lines(&shown), "Languages:\n• Rust\n• Go\nDone here.");
    }

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
    fn cuts_at_clauses_then_words() {
        assert_eq!(cut("one two three four", 10), "one two…");
        assert_eq!(cut("short", 10), "short");
        assert!(cut("averyveryverylongword", 5).chars().count() <= 5);
        assert_eq!(
            cut(
                "Spin builds apps, runs them anywhere and ships them to clusters",
                40
            ),
            "Spin builds apps, runs them anywhere…"
        );
        assert_eq!(
            cut("It is fast. It is small and it starts in a millisecond", 30),
            "It is fast. It is small and…"
        );
    }

    #[test]
    fn titles_lose_markup_and_enumerators() {
        assert_eq!(clean_title("**3. Kata at scale**"), "Kata at scale");
        assert_eq!(clean_title("B) Keynote - Tools"), "Keynote - Tools");
        assert_eq!(clean_title("Firebase - `"), "Firebase");
        assert_eq!(clean_title("“Quoted title”"), "Quoted title");
        // Numbers that are part of the title stay.
        assert_eq!(
            clean_title("3 options to run Wasm"),
            "3 options to run Wasm"
        );
        assert_eq!(clean_title("2023. Year in review"), "2023. Year in review");
        assert_eq!(clean_title("C# in depth"), "C# in depth");
    }
}
