//! Deciding a note's format from its content, never its file name.
//!
//! Each format leaves marks: markdown has `#` headings, fences, `[x](y)`
//! links and `**bold**`; reStructuredText has `.. ` directives, `` `x <y>`_ ``
//! links and titles underlined with `~`, `^` or overlined. A note with too few
//! marks of either is plain text, whose headings are found by shape.

use super::Format;
use regex::Regex;
use std::sync::LazyLock;

static MD_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"!?\[[^\]\n]*\]\([^)\s]*\)|!?\[[^\]\n]+\]\[[^\]\n]*\]").unwrap());
static MD_EMPH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\*\*[^*\n]+\*\*|__[^_\n]+__").unwrap());
static RST_LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`[^`]+`__?").unwrap());

pub fn detect(text: &str) -> Format {
    let mut marks = Marks::default();
    let mut in_fence = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_end();
        let s = t.trim_start();
        if s.starts_with("```") || s.starts_with("~~~") && !s.chars().all(|c| c == '~') {
            marks.md += 3;
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        marks.line_start(t);
        if is_atx(t) {
            marks.md += 3;
        }
        if let Some(prev) = i.checked_sub(1).map(|p| lines[p].trim()) {
            marks.underline(prev, t);
        }
        marks.line_shape(s);
        marks.inline(t);
    }
    marks.format()
}

/// The marks of each format seen so far, weighed.
#[derive(Default, Clone, Copy)]
struct Marks {
    md: u32,
    rst: u32,
    /// Org-mode: `#+TITLE:` lines, `** ` headings, `[[url][text]]` links.
    org: u32,
    /// AsciiDoc: `== ` headings, `:attr:` lines, `link:url[text]`, `----` blocks.
    adoc: u32,
}

impl Marks {
    /// Org-mode and AsciiDoc lines, known by how they start.
    fn line_start(&mut self, t: &str) {
        let Some(first) = t
            .bytes()
            .next()
            .filter(|b| matches!(b, b'#' | b'*' | b'=' | b':' | b'[' | b'-'))
        else {
            return;
        };
        let run = t.bytes().take_while(|&b| b == first).count();
        let heading_like =
            t[run..].starts_with(' ') && t[run..].trim().chars().any(char::is_alphanumeric);
        match first {
            b'#' if t.starts_with("#+")
                && (t[2..].contains(':')
                    || t[2..]
                        .get(..6)
                        .is_some_and(|w| w.eq_ignore_ascii_case("begin_"))) =>
            {
                self.org += 3
            }
            b'*' if run >= 2 && heading_like => self.org += 2,
            b'=' if heading_like => self.adoc += 3,
            b':' if t.len() > 2
                && t[1..].split_once(':').is_some_and(|(k, _)| {
                    !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'!')
                }) =>
            {
                self.adoc += 2
            }
            b'[' if t.starts_with("[source")
                || t.starts_with("[quote")
                || t.starts_with("[NOTE") =>
            {
                self.adoc += 3
            }
            b'-' if t == "----" => self.adoc += 1,
            _ => {}
        }
    }

    /// A line of one repeated character under a line of text: a title's
    /// underline.
    fn underline(&mut self, prev: &str, t: &str) {
        if !prev.is_empty()
            && t.len() >= 3
            && t.chars().all(|c| c == t.chars().next().unwrap_or(' '))
        {
            match t.chars().next() {
                // `===`/`---` underlines are setext in markdown and titles in rst.
                Some('=' | '-') => {
                    self.md += 1;
                    self.rst += 1;
                }
                Some('~' | '^' | '"' | '\'' | '`' | '#' | '*' | '+' | ':' | '.' | '_') => {
                    self.rst += 3
                }
                _ => {}
            }
        }
    }

    /// rst directives and literal blocks, markdown quotes.
    fn line_shape(&mut self, s: &str) {
        if s.starts_with(".. ") {
            self.rst += 3;
        }
        if s.ends_with("::") && !s.starts_with("..") {
            self.rst += 1;
        }
        if s.starts_with("> ") {
            self.md += 1;
        }
    }

    /// Links and emphasis inside a line.
    fn inline(&mut self, t: &str) {
        // One pass over the bytes first: most lines have no link or emphasis.
        // (A fold without early exit, which the compiler vectorises.)
        let marks = t.bytes().fold(0u8, |m, b| {
            m | u8::from(b == b'[')
                | (u8::from(b == b'*' || b == b'_') << 1)
                | (u8::from(b == b'`') << 2)
        });
        let (bracket, emph, tick) = (marks & 1 != 0, marks & 2 != 0, marks & 4 != 0);
        if bracket {
            self.md += 2 * u32::try_from(MD_LINK.find_iter(t).count()).unwrap_or(0);
            if t.contains("[[") && t.contains("][") {
                self.org += 3;
            }
            if t.contains("link:http")
                || (t.ends_with(']') && t.contains("://") && !t.contains("]("))
            {
                self.adoc += 2;
            }
        }
        if emph {
            self.md += 2 * u32::try_from(MD_EMPH.find_iter(t).count()).unwrap_or(0);
        }
        if tick {
            self.rst += 2 * u32::try_from(
                RST_LINK
                    .find_iter(t)
                    .filter(|m| m.as_str().ends_with('_'))
                    .count(),
            )
            .unwrap_or(0);
        }
    }

    /// The format with the most marks, when it has enough; else plain text.
    fn format(&self) -> Format {
        let Marks { md, rst, org, adoc } = *self;
        if org >= 6 && org > md && org > adoc {
            Format::Org
        } else if adoc >= 6 && adoc > md && adoc > org {
            Format::Asciidoc
        } else if rst >= 3 && rst > md {
            Format::Rst
        } else if md >= 3 {
            Format::Markdown
        } else {
            Format::Plain
        }
    }
}

fn is_atx(line: &str) -> bool {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes)
        && line[hashes..].starts_with(' ')
        && line[hashes..].trim().chars().any(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            detect("# Title\n\nSome [link](https://x.io).\n"),
            Format::Markdown
        );
        assert_eq!(
            detect("Title\n=====\n\nA `link <https://x.io>`_.\n\n.. code-block:: sh\n"),
            Format::Rst
        );
        assert_eq!(detect("Title\n~~~~~\n\nText.\n"), Format::Rst);
        assert_eq!(
            detect("Day 1 Keynotes\n\nSome text.\n\n  • bullet\n"),
            Format::Plain
        );
        assert_eq!(
            detect("Intro.\n\n__On gitops__\n\nSee [a](https://b.c) and [c](https://d.e)\n"),
            Format::Markdown
        );
        assert_eq!(
            detect("Setext Title\n============\n\nText with **bold** words.\n"),
            Format::Markdown
        );
    }

    #[test]
    fn org_and_asciidoc() {
        assert_eq!(
            detect("#+TITLE: Notes\n\n* Talk\n** Details\nSee [[https://a.io][a]].\n"),
            Format::Org
        );
        assert_eq!(
            detect("Intro line.\n\n* Sentry\n** Caches\n*** Redis\n[[https://a.io][a]]\n"),
            Format::Org
        );
        assert_eq!(
            detect("= Devoxx\n:lang: en\n\n== Theme\n\n=== Talk\n\nSee link:https://a.io[a].\n"),
            Format::Asciidoc
        );
        // Markdown lists with stars and setext underlines stay markdown.
        assert_eq!(
            detect("Title\n=====\n\n* one [a](https://a.io)\n* two\n\n## More\n"),
            Format::Markdown
        );
    }

    #[test]
    fn hashtag_is_not_a_heading() {
        assert_eq!(
            detect("Notes\n\n#TeamCloudNative was trending\n\nMore text.\n"),
            Format::Plain
        );
    }
}
