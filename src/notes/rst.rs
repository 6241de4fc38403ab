//! reStructuredText to blocks.
//!
//! Section titles are underlined (optionally overlined) with a repeated
//! punctuation character; their level is the order in which each adornment
//! style first appears. Nikola-style `.. title: X` metadata gives the title.
//! Bullets, `::` literal blocks, `.. code-block::` directives, inline links
//! `` `text <url>`_ ``, named link targets and bare URLs are understood.

use super::blocks::{squash, Block, BlockKind};
use super::links::{add_bare_urls, is_web_url, shown_link};
use super::Link;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

static INLINE_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`([^`<]*?)\s*<([^>`]+)>`__?").unwrap());
static NAMED_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`([^`]+)`__?|\b([A-Za-z][\w-]*)__?\b").unwrap());
static TARGET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\.\.\s+_`?([^:`]+)`?:\s*(\S+)\s*$").unwrap());
static ROLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r":[a-z-]+:`([^`]*)`").unwrap());

const ADORNMENT: &[char] = &[
    '=', '-', '~', '^', '"', '\'', '`', '#', '*', '+', '.', ':', '_',
];

fn is_adornment(line: &str) -> bool {
    let t = line.trim_end();
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if ADORNMENT.contains(&c) => t.len() >= 3 && t.chars().all(|x| x == c),
        _ => false,
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

pub fn parse(text: &str, first_line: usize) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let targets: HashMap<String, String> = lines
        .iter()
        .filter_map(|l| TARGET.captures(l.trim()))
        .map(|c| (c[1].trim().to_lowercase(), c[2].to_string()))
        .collect();
    let mut reader = Reader {
        lines: &lines,
        first_line,
        i: 0,
        styles: Vec::new(),
        has_meta_title: false,
        raw: Vec::new(),
    };
    while reader.i < lines.len() {
        reader.step();
    }
    reader
        .raw
        .into_iter()
        .filter_map(|(kind, text, line)| to_block(kind, &text, line, &targets))
        .collect()
}

/// A walk over the lines: each step reads the construct at line `i`, when
/// it is there, and moves `i` past it.
struct Reader<'a> {
    lines: &'a [&'a str],
    first_line: usize,
    i: usize,
    /// Title adornments in the order they first appear: their levels.
    styles: Vec<(char, bool)>,
    /// A `.. title:` line was the level-1 title: every section is a level
    /// below.
    has_meta_title: bool,
    /// The blocks read, before their links are resolved.
    raw: Vec<(BlockKind, String, usize)>,
}

impl Reader<'_> {
    /// A blank line, a title, a directive, a bullet, or else a paragraph.
    fn step(&mut self) {
        if self.lines[self.i].trim().is_empty() {
            self.i += 1;
            return;
        }
        let read = self.overlined_title()
            || self.underlined_title()
            || self.directive()
            || self.bullet_item();
        if !read {
            self.paragraph();
        }
    }

    /// The line number of the line at `i`.
    fn line_no(&self, i: usize) -> usize {
        self.first_line + i
    }

    fn title_level(&mut self, style: (char, bool)) -> u8 {
        level_of(&mut self.styles, style) + u8::from(self.has_meta_title)
    }

    /// Overlined title: ===== / Title / =====
    fn overlined_title(&mut self) -> bool {
        let (lines, i) = (self.lines, self.i);
        let line = lines[i];
        if !(is_adornment(line)
            && i + 2 < lines.len()
            && !lines[i + 1].trim().is_empty()
            && is_adornment(lines[i + 2]))
        {
            return false;
        }
        let level = self.title_level((line.trim().chars().next().unwrap_or('='), true));
        self.raw.push((
            BlockKind::Heading(level),
            lines[i + 1].trim().to_string(),
            self.line_no(i) + 1,
        ));
        self.i += 3;
        true
    }

    /// Underlined title: Title / =====
    fn underlined_title(&mut self) -> bool {
        let (lines, i) = (self.lines, self.i);
        let line = lines[i];
        if !(i + 1 < lines.len()
            && is_adornment(lines[i + 1])
            && indent(line) == 0
            && !is_adornment(line))
        {
            return false;
        }
        let level = self.title_level((lines[i + 1].trim().chars().next().unwrap_or('='), false));
        self.raw.push((
            BlockKind::Heading(level),
            line.trim().to_string(),
            self.line_no(i),
        ));
        self.i += 2;
        true
    }

    /// `.. ` and what is indented under it: Nikola's title, code, an
    /// admonition's text; comments, link targets and other metadata are
    /// skipped.
    fn directive(&mut self) -> bool {
        let (lines, line_no) = (self.lines, self.line_no(self.i));
        let line = lines[self.i];
        let Some(rest) = line.trim_start().strip_prefix(".. ") else {
            return false;
        };
        self.i += 1;
        let rest = rest.trim();
        if let Some(title) = rest.strip_prefix("title:") {
            self.has_meta_title = true;
            self.raw
                .push((BlockKind::Heading(1), title.trim().to_string(), line_no));
            return true;
        }
        let (body, next) = indented_block(lines, self.i, indent(line));
        if rest.starts_with("code-block::")
            || rest.starts_with("code::")
            || rest.starts_with("sourcecode::")
        {
            let code_line = self.line_no(first_text(lines, self.i));
            self.raw.push((BlockKind::Code, body, code_line));
        } else if rest.contains("::")
            && !rest.starts_with("image::")
            && !rest.starts_with("figure::")
        {
            // Admonitions and similar: their body is ordinary text.
            let inline = rest.split_once("::").map_or("", |(_, r)| r).trim();
            let text = format!("{inline} {body}");
            self.raw.push((BlockKind::Paragraph, text, line_no));
        }
        self.i = next;
        true
    }

    /// A bullet, with the deeper-indented lines that continue it.
    fn bullet_item(&mut self) -> bool {
        let (lines, line_no) = (self.lines, self.line_no(self.i));
        let line = lines[self.i];
        let Some((depth, item)) = bullet(line) else {
            return false;
        };
        let mut text = item.to_string();
        let base = indent(line);
        self.i += 1;
        while self.i < lines.len()
            && !lines[self.i].trim().is_empty()
            && indent(lines[self.i]) > base
            && bullet(lines[self.i]).is_none()
        {
            text.push(' ');
            text.push_str(lines[self.i].trim());
            self.i += 1;
        }
        self.raw
            .push((BlockKind::ListItem { depth }, text, line_no));
        true
    }

    /// A paragraph: up to a blank line, a bullet or the next title. One
    /// ending in `::` introduces a literal block: code.
    fn paragraph(&mut self) {
        let lines = self.lines;
        let mut text = String::new();
        let start = self.i;
        while self.i < lines.len() && !lines[self.i].trim().is_empty() {
            let i = self.i;
            if i > start && i + 1 < lines.len() && is_adornment(lines[i + 1]) {
                break;
            }
            if i > start && bullet(lines[i]).is_some() {
                break;
            }
            text.push(' ');
            text.push_str(lines[i].trim());
            self.i += 1;
        }
        let literal = text.trim_end().ends_with("::");
        let text = if literal {
            text.trim_end().trim_end_matches(':').to_string() + ":"
        } else {
            text
        };
        self.raw
            .push((BlockKind::Paragraph, text, self.line_no(start)));
        if literal {
            let (body, next) = indented_block(lines, self.i, 0);
            if !body.trim().is_empty() {
                let code_line = self.line_no(first_text(lines, self.i));
                self.raw.push((BlockKind::Code, body, code_line));
            }
            self.i = next;
        }
    }
}

fn level_of(styles: &mut Vec<(char, bool)>, style: (char, bool)) -> u8 {
    let idx = match styles.iter().position(|s| *s == style) {
        Some(i) => i,
        None => {
            styles.push(style);
            styles.len() - 1
        }
    };
    u8::try_from(idx + 1).unwrap_or(u8::MAX).min(6)
}

/// The lines after `from` indented deeper than `base` (blank lines included),
/// dedented; and the index of the first line after them.
fn indented_block(lines: &[&str], from: usize, base: usize) -> (String, usize) {
    let mut i = from;
    let mut body: Vec<&str> = Vec::new();
    while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > base) {
        body.push(lines[i]);
        i += 1;
    }
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
        i -= 1;
    }
    let cut = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let text = body
        .iter()
        .map(|l| l.get(cut..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    (text.trim_matches('\n').to_string(), i)
}

/// The index of the first non-blank line from `from` on (where an indented
/// block's text starts), or `from` when there is none.
fn first_text(lines: &[&str], from: usize) -> usize {
    (from..lines.len())
        .find(|&k| !lines[k].trim().is_empty())
        .unwrap_or(from)
}

fn bullet(line: &str) -> Option<(u16, &str)> {
    let t = line.trim_start();
    let depth = u16::try_from(indent(line) / 2).unwrap_or(u16::MAX);
    for marker in ["- ", "* ", "+ ", "• ", "#. "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some((depth, rest.trim()));
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=2).contains(&digits) {
        if let Some(rest) = t[digits..].strip_prefix(". ") {
            return Some((depth, rest.trim()));
        }
    }
    None
}

fn to_block(
    kind: BlockKind,
    text: &str,
    line: usize,
    targets: &HashMap<String, String>,
) -> Option<Block> {
    if kind == BlockKind::Code {
        return (!text.trim().is_empty())
            .then(|| Block::new(kind, text.to_string(), line, Vec::new()));
    }
    let mut links = Vec::new();
    let text = INLINE_LINK.replace_all(text, |c: &regex::Captures| {
        shown_link(c[2].trim().to_string(), c[1].trim().to_string(), &mut links)
    });
    let text = NAMED_REF.replace_all(&text, |c: &regex::Captures| {
        let name = c
            .get(1)
            .or_else(|| c.get(2))
            .map_or("", |m| m.as_str())
            .trim()
            .to_string();
        match targets.get(&name.to_lowercase()) {
            Some(url) if is_web_url(url) => {
                links.push(Link {
                    url: url.clone(),
                    label: name.clone(),
                });
                name
            }
            _ => c[0].trim_end_matches('_').trim_matches('`').to_string(),
        }
    });
    let text = ROLE.replace_all(&text, "$1");
    let text = squash(&text.replace("**", "").replace("``", ""));
    if text.is_empty() {
        return None;
    }
    add_bare_urls(&mut links, &text);
    Some(Block::new(kind, text, line, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_levels_and_links() {
        let text = "=========\nRustConf\n=========\n\nIntro with `the site <https://rustconf.com/>`_ and docs_.\n\nDay 1\n-----\n\nAsync Rust - Jane Doe, Acme\n~~~~~~~~~~~~~~~~~~~~~~~~~~~\n\n- point one\n  continued\n\n.. code-block:: shell\n\n   # not a title\n   cargo run\n\n.. _docs: https://docs.rs/x\n";
        let b = parse(text, 1);
        let got: Vec<_> = b.iter().map(|b| (b.kind, b.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (BlockKind::Heading(1), "RustConf"),
                (BlockKind::Paragraph, "Intro with the site and docs."),
                (BlockKind::Heading(2), "Day 1"),
                (BlockKind::Heading(3), "Async Rust - Jane Doe, Acme"),
                (BlockKind::ListItem { depth: 0 }, "point one continued"),
                (BlockKind::Code, "# not a title\ncargo run"),
            ]
        );
        let urls: Vec<_> = b[1].links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, vec!["https://rustconf.com/", "https://docs.rs/x"]);
        assert_eq!(b[3].line, 10);
    }

    #[test]
    fn literal_blocks_start_at_their_first_line() {
        let b = parse("Para::\n  - x", 1);
        assert_eq!(
            (b[1].kind, b[1].text.as_str(), b[1].line),
            (BlockKind::Code, "- x", 2)
        );
        let b = parse("Para::\n\n\n    code\n", 1);
        assert_eq!((b[1].kind, b[1].line), (BlockKind::Code, 4));
    }

    #[test]
    fn nikola_metadata_title() {
        let b = parse(
            ".. title: KCD Munich notes\n.. date: 2024-07-01\n\nTalks\n=====\n\nText.\n",
            1,
        );
        assert_eq!(b[0].kind, BlockKind::Heading(1));
        assert_eq!(b[0].text, "KCD Munich notes");
        assert_eq!(b[1].kind, BlockKind::Heading(2));
    }
}
