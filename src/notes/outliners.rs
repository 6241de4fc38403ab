//! Org-mode and AsciiDoc to blocks.
//!
//! Both are line-oriented: a heading is a line of stars (`** Title`) or of
//! equals signs (`== Title`), lists are marked lines, code sits between
//! delimiter lines, and links are `[[url][text]]` (org) or `link:url[text]`
//! and `https://url[text]` (AsciiDoc). What is left is paragraphs. Both
//! parsers share one line walker and differ in how a line is classified.

use super::blocks::{squash, Block, BlockKind};
use super::links::{add_bare_urls, shown_link};
use regex::Regex;
use std::sync::LazyLock;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Org,
    Asciidoc,
}

enum Line<'a> {
    Heading(u8, &'a str),
    Item(u16, &'a str),
    /// A line that opens or closes a code block.
    Fence,
    /// Metadata and markup with no words (`#+OPTIONS:`, `:lang: en`, `[source,java]`).
    Skip,
    Text(&'a str),
    Blank,
}

pub fn parse_org(text: &str, first_line: usize) -> Vec<Block> {
    parse(text, first_line, Dialect::Org)
}

pub fn parse_asciidoc(text: &str, first_line: usize) -> Vec<Block> {
    parse(text, first_line, Dialect::Asciidoc)
}

/// What a line of dialect `d` is.
fn classify(line: &str, d: Dialect) -> Line<'_> {
    let t = line.trim_end();
    if t.trim().is_empty() {
        return Line::Blank;
    }
    let marked = match d {
        Dialect::Org => org_line(t),
        Dialect::Asciidoc => asciidoc_line(t),
    };
    marked
        .or_else(|| list_item(t, d))
        .unwrap_or_else(|| Line::Text(t.trim()))
}

/// An org heading (`** Title`, `#+TITLE:`), code delimiter or keyword line.
fn org_line(t: &str) -> Option<Line<'_>> {
    let stars = t.bytes().take_while(|&b| b == b'*').count();
    if stars > 0 && t[stars..].starts_with(' ') && !t[stars..].trim().is_empty() {
        return Some(Line::Heading(
            u8::try_from(stars.min(6)).unwrap_or(6),
            t[stars..].trim(),
        ));
    }
    let upper = t.trim_start().to_ascii_uppercase();
    if upper.starts_with("#+BEGIN_SRC")
        || upper.starts_with("#+END_SRC")
        || upper.starts_with("#+BEGIN_EXAMPLE")
        || upper.starts_with("#+END_EXAMPLE")
    {
        return Some(Line::Fence);
    }
    if let Some(title) = t
        .strip_prefix("#+TITLE:")
        .or_else(|| t.strip_prefix("#+title:"))
    {
        return Some(Line::Heading(0, title.trim()));
    }
    if t.trim_start().starts_with("#+") || t.trim_start().starts_with("# ") {
        return Some(Line::Skip);
    }
    None
}

/// An AsciiDoc heading (`== Title`), block delimiter or attribute line.
fn asciidoc_line(t: &str) -> Option<Line<'_>> {
    let eq = t.bytes().take_while(|&b| b == b'=').count();
    if (1..=6).contains(&eq) && t[eq..].starts_with(' ') && !t[eq..].trim().is_empty() {
        return Some(Line::Heading(u8::try_from(eq).unwrap_or(6), t[eq..].trim()));
    }
    if t == "----" || t == "...." || t == "```" {
        return Some(Line::Fence);
    }
    static META: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?::[\w!-]+:.*|\[[\w,.#%=\x22 -]*\]|//.*|\+|====|\*\*\*\*|____|\|===|'''|<<<)$",
        )
        .unwrap()
    });
    META.is_match(t).then_some(Line::Skip)
}

/// A list item: the dialect's marker or a number (`1.`, `1)`), at a
/// depth the indent (org) or the marker's length (AsciiDoc) gives.
fn list_item(t: &str, d: Dialect) -> Option<Line<'_>> {
    let lead = t.len() - t.trim_start().len();
    let s = t.trim_start();
    let n = item_marker(s, d).or_else(|| numbered(s))?;
    let depth = match d {
        Dialect::Org => lead / 2,
        Dialect::Asciidoc => {
            s.bytes()
                .take_while(|&b| b == b'*' || b == b'.')
                .count()
                .max(1)
                - 1
        }
    };
    Some(Line::Item(
        u16::try_from(depth).unwrap_or(u16::MAX),
        s[n..].trim(),
    ))
}

/// The length of the list marker that opens `s` (`- `, `+ `; `* `, `** `,
/// `. `), space included.
fn item_marker(s: &str, d: Dialect) -> Option<usize> {
    match d {
        Dialect::Org => ["- ", "+ "]
            .iter()
            .find(|m| s.starts_with(*m))
            .map(|m| m.len()),
        Dialect::Asciidoc => {
            let n = s.bytes().take_while(|&b| b == b'*' || b == b'.').count();
            (n > 0 && s[n..].starts_with(' '))
                .then_some(n + 1)
                .or_else(|| s.starts_with("- ").then_some(2))
        }
    }
}

/// The length of a number item's marker (`12. `, `3) `), space included.
fn numbered(s: &str) -> Option<usize> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && (s[digits..].starts_with(". ") || s[digits..].starts_with(") ")))
        .then_some(digits + 2)
}

fn parse(text: &str, first_line: usize, d: Dialect) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur: Option<(BlockKind, String, usize)> = None;
    let mut in_code = false;
    let flush = |out: &mut Vec<Block>, cur: &mut Option<(BlockKind, String, usize)>| {
        if let Some((kind, t, line)) = cur.take() {
            push(out, kind, &t, line, d);
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let line_no = first_line + i;
        let line = classify(raw, d);
        if in_code {
            if matches!(line, Line::Fence) {
                in_code = false;
                flush(&mut out, &mut cur);
            } else if let Some((_, t, _)) = cur.as_mut() {
                t.push('\n');
                t.push_str(raw);
            }
            continue;
        }
        match line {
            Line::Fence => {
                flush(&mut out, &mut cur);
                in_code = true;
                cur = Some((BlockKind::Code, String::new(), line_no + 1));
            }
            Line::Heading(level, t) => {
                flush(&mut out, &mut cur);
                push(&mut out, BlockKind::Heading(level.max(1)), t, line_no, d);
            }
            Line::Item(depth, t) => {
                flush(&mut out, &mut cur);
                cur = Some((BlockKind::ListItem { depth }, t.to_string(), line_no));
            }
            Line::Text(t) => match cur.as_mut() {
                // An item goes on only on indented lines; text at the margin
                // after it is a new paragraph.
                Some((BlockKind::Code, _, _)) | None => {
                    flush(&mut out, &mut cur);
                    cur = Some((BlockKind::Paragraph, t.to_string(), line_no));
                }
                Some((BlockKind::ListItem { .. }, _, _)) if !raw.starts_with([' ', '\t']) => {
                    flush(&mut out, &mut cur);
                    cur = Some((BlockKind::Paragraph, t.to_string(), line_no));
                }
                Some((_, s, _)) => {
                    s.push(' ');
                    s.push_str(t);
                }
            },
            Line::Blank | Line::Skip => flush(&mut out, &mut cur),
        }
    }
    flush(&mut out, &mut cur);
    out
}

static ORG_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[\[([^\]]+)\](?:\[([^\]]*)\])?\]").unwrap());
static ADOC_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:link:)?((?:https?://|mailto:)[^\s\[]+)\[([^\]]*)\]").unwrap());

/// Links written in the dialect's syntax become their text plus a [`Link`].
fn push(out: &mut Vec<Block>, kind: BlockKind, text: &str, line: usize, d: Dialect) {
    if kind == BlockKind::Code {
        let t = text.trim_matches('\n').trim_end();
        if !t.is_empty() {
            out.push(Block::new(kind, t.to_string(), line, Vec::new()));
        }
        return;
    }
    let mut links = Vec::new();
    let re = match d {
        Dialect::Org => &*ORG_LINK,
        Dialect::Asciidoc => &*ADOC_LINK,
    };
    let replaced = re.replace_all(text, |c: &regex::Captures| {
        let label = c.get(2).map_or("", |m| m.as_str()).trim().to_string();
        shown_link(c[1].to_string(), label, &mut links)
    });
    let t = squash(&replaced);
    if t.is_empty() {
        return;
    }
    add_bare_urls(&mut links, &t);
    out.push(Block::new(kind, t, line, links));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(b: &[Block]) -> Vec<(BlockKind, &str)> {
        b.iter().map(|b| (b.kind, b.text.as_str())).collect()
    }

    #[test]
    fn org_headings_lists_links_and_code() {
        let b = parse_org(
            "#+TITLE: RustConf notes\n#+OPTIONS: toc:nil\n\n* Safe parsers\n  - see [[https://example.org/v][the video]]\n** Details\nText\nmore.\n#+BEGIN_SRC rust\nfn main() {}\n#+END_SRC\n",
            1,
        );
        assert_eq!(
            shape(&b),
            vec![
                (BlockKind::Heading(1), "RustConf notes"),
                (BlockKind::Heading(1), "Safe parsers"),
                (BlockKind::ListItem { depth: 1 }, "see the video"),
                (BlockKind::Heading(2), "Details"),
                (BlockKind::Paragraph, "Text more."),
                (BlockKind::Code, "fn main() {}"),
            ]
        );
        assert_eq!(b[2].links[0].url, "https://example.org/v");
        assert_eq!(b[2].links[0].label, "the video");
    }

    #[test]
    fn asciidoc_headings_attributes_links_and_blocks() {
        let b = parse_asciidoc(
            "= Devoxx notes\n:lang: en\n\n== Themes\n\n=== Safe parsers\n\nJane Doe showed link:https://example.org/s[the slides] and https://example.org/v[video].\n\n* one\n** two\n\n[source,java]\n----\nint x = 1;\n----\n",
            1,
        );
        assert_eq!(
            shape(&b),
            vec![
                (BlockKind::Heading(1), "Devoxx notes"),
                (BlockKind::Heading(2), "Themes"),
                (BlockKind::Heading(3), "Safe parsers"),
                (
                    BlockKind::Paragraph,
                    "Jane Doe showed the slides and video."
                ),
                (BlockKind::ListItem { depth: 0 }, "one"),
                (BlockKind::ListItem { depth: 1 }, "two"),
                (BlockKind::Code, "int x = 1;"),
            ]
        );
        let urls: Vec<_> = b[3].links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["https://example.org/s", "https://example.org/v"]);
    }
}
