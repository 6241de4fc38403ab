//! Plain text with no markup, as pasted from a blog, to blocks.
//!
//! Paragraphs are runs of non-blank lines. A heading is a paragraph of one
//! short line with no final period or colon that is followed by more text;
//! its level is unknown (0) and decided during segmentation. Bullets may be
//! written `•`, `*`, `-`, `–` or `1.`.

use super::blocks::{squash, Block, BlockKind};
use super::links::bare_urls;

pub fn parse(text: &str, first_line: usize) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    if is_indent_outline(&lines) {
        return indent_outline(&lines, first_line);
    }
    // Group lines into paragraphs: (first line index, lines).
    let mut paras: Vec<(usize, Vec<&str>)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match paras.last_mut() {
            Some((start, ls)) if *start + ls.len() == i => ls.push(line),
            _ => paras.push((i, vec![line])),
        }
    }
    let mut out = Vec::new();
    for (n, (start, ls)) in paras.iter().enumerate() {
        let has_next = n + 1 < paras.len();
        // `Title:` above `*Speaker: Jane Doe, Acme*`: a talk's heading.
        let next_is_byline = || {
            paras.get(n + 1).is_some_and(|(_, next)| {
                let first = next[0].trim().trim_matches(['*', '_']);
                let l = first
                    .get(..first.len().min(12))
                    .unwrap_or(first)
                    .to_ascii_lowercase();
                (l.starts_with("speaker") || l.starts_with("presente") || l.starts_with("by"))
                    && crate::notes::byline::byline(first)
                        .is_some_and(|b| b.strength == crate::notes::byline::Strength::Labelled)
            })
        };
        if ls.len() == 1
            && ls[0].trim_end().ends_with(':')
            && bullet(ls[0]).is_none()
            && next_is_byline()
        {
            let title = ls[0].trim().trim_end_matches(':');
            if is_heading_line(title) {
                push(&mut out, BlockKind::Heading(0), title, first_line + start);
                continue;
            }
        }
        if ls.len() == 1 && has_next && is_heading_line(ls[0]) {
            push(&mut out, BlockKind::Heading(0), ls[0], first_line + start);
            continue;
        }
        // Split the paragraph into bullets and running text.
        let mut current: Option<(BlockKind, String, usize)> = None;
        for (k, raw) in ls.iter().enumerate() {
            let line_no = first_line + start + k;
            if let Some((depth, rest)) = bullet(raw) {
                if let Some((kind, t, l)) = current.take() {
                    push(&mut out, kind, &t, l);
                }
                current = Some((BlockKind::ListItem { depth }, rest.to_string(), line_no));
            } else if let Some((_, t, _)) = current.as_mut() {
                t.push(' ');
                t.push_str(raw.trim());
            } else {
                current = Some((BlockKind::Paragraph, raw.trim().to_string(), line_no));
            }
        }
        if let Some((kind, t, l)) = current {
            push(&mut out, kind, &t, l);
        }
    }
    out
}

/// Notes typed as an outline: most lines indented by tabs or spaces, a few
/// at the margin (the talks), each note line on its own.
fn is_indent_outline(lines: &[&str]) -> bool {
    let text: Vec<&&str> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
    let indented = text
        .iter()
        .filter(|l| l.starts_with('\t') || l.starts_with("  "))
        .count();
    let margin = text.len() - indented;
    text.len() >= 10 && indented * 10 >= text.len() * 7 && margin >= 2 && bullet_free(&text)
}

fn bullet_free(lines: &[&&str]) -> bool {
    lines.iter().filter(|l| bullet(l).is_some()).count() * 4 < lines.len()
}

/// Margin lines are headings; indented lines are items, one level a tab
/// (or four spaces) deeper.
fn indent_outline(lines: &[&str], first_line: usize) -> Vec<Block> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let lead: usize = line
            .chars()
            .take_while(|c| c.is_whitespace())
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum();
        let text = line.trim().trim_matches('`').trim();
        if lead < 2 {
            push(&mut out, BlockKind::Heading(0), text, first_line + i);
        } else {
            let depth = u16::try_from(lead / 4)
                .unwrap_or(u16::MAX)
                .saturating_sub(1);
            let t = bullet(line.trim_start()).map_or(text, |(_, rest)| rest);
            push(&mut out, BlockKind::ListItem { depth }, t, first_line + i);
        }
    }
    out
}

fn push(out: &mut Vec<Block>, kind: BlockKind, text: &str, line: usize) {
    let text = squash(text);
    if text.is_empty() {
        return;
    }
    let links = bare_urls(&text);
    out.push(Block::new(kind, text, line, links));
}

/// `(depth, text)` when the line is a bullet or numbered item.
fn bullet(line: &str) -> Option<(u16, &str)> {
    let indent = line.len() - line.trim_start().len();
    let t = line.trim_start();
    let depth = u16::try_from(indent / 4).unwrap_or(u16::MAX);
    for marker in ["• ", "* ", "- ", "– ", "· ", "▪ ", "◦ ", "○ "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return Some((depth, rest.trim()));
        }
    }
    // `1. item` or `1) item`, not `2020. was a year`.
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=2).contains(&digits) {
        let rest = &t[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((depth, rest.trim()));
        }
    }
    None
}

/// Labels such as `Source: Twitter @x` or `Note: ...` are not headings.
const LABELS: &[&str] = &[
    "source",
    "note",
    "notes",
    "speaker",
    "speakers",
    "slides",
    "video",
    "link",
    "links",
    "date",
    "location",
    "tags",
    "update",
    "where",
    "when",
    "by",
    "via",
    "see",
    "ps",
    "edit",
    "recording",
];

/// Is this single line, standing alone, a heading?
pub fn is_heading_line(line: &str) -> bool {
    let t = line.trim();
    let chars = t.chars().count();
    if !(2..=100).contains(&chars) || bullet(line).is_some() {
        return false;
    }
    if t.split_whitespace().count() > 16 {
        return false;
    }
    let last = t.chars().next_back().unwrap_or('.');
    if matches!(last, '.' | ':' | ';' | ',' | '!' | '…') {
        return false;
    }
    if !t.chars().any(char::is_alphabetic) || t.starts_with("http") || t.contains("://") {
        return false;
    }
    let lower = t.to_lowercase();
    if lower.starts_with("link to") || lower.starts_with("links to") {
        return false;
    }
    if let Some((label, _)) = t.split_once(':') {
        let label = label.trim().trim_start_matches(['*', '_']).trim();
        if LABELS.contains(&label.to_lowercase().as_str()) {
            return false;
        }
    }
    // Sentence fragments start lowercase; names like `eBPF` have a capital inside.
    let first_word = t.split_whitespace().next().unwrap_or("");
    let first = first_word.chars().next().unwrap_or(' ');
    first.is_uppercase()
        || first.is_ascii_digit()
        || matches!(first, '“' | '"' | '«' | '\'' | '‘')
        || first_word.chars().any(char::is_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_lines() {
        for h in [
            "Day 1 Keynotes",
            "eBPF",
            "ArgoCD / GitOps",
            "Kubernetes CronJobs – Does Anyone Actually Use This [in Production]?",
            "“Gateway API: The new way to travel north/south” by Ara Pulido (Datadog)",
        ] {
            assert!(is_heading_line(h), "{h}");
        }
        for p in [
            "Link to slides.",
            "Link to the tutorial code",
            "Demos:",
            "But…",
            "Source: Twitter @cloudnativeams",
            "kuttl comes with a cli to make the assertions",
            "  • Falco (consume and enrich kernel events)",
            "Then two engineers described how we can be more inclusive as cloud developers welcoming all users no matter their backgrounds",
        ] {
            assert!(!is_heading_line(p), "{p}");
        }
    }

    #[test]
    fn paragraphs_bullets_and_headings() {
        let text = "Title line\n\nIntro paragraph\nwraps here.\n\nTopics\n\n  • first\n  • second\ncontinued\n\nEnd.";
        let b = parse(text, 1);
        let got: Vec<_> = b
            .iter()
            .map(|b| (b.kind, b.text.as_str(), b.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (BlockKind::Heading(0), "Title line", 1),
                (BlockKind::Paragraph, "Intro paragraph wraps here.", 3),
                (BlockKind::Heading(0), "Topics", 6),
                (BlockKind::ListItem { depth: 0 }, "first", 8),
                (BlockKind::ListItem { depth: 0 }, "second continued", 9),
                (BlockKind::Paragraph, "End.", 12),
            ]
        );
    }

    #[test]
    fn an_indented_outline_has_its_margin_lines_as_headings() {
        let text = "Jane Doe - @jdoe - Parsers - https://example.org/s\n\n\tfirst note\n\n\t\tdeeper\n\n\tsecond\n\n\tthird\n\nJohn Roe - Queues\n\n\tone\n\n\ttwo\n\n\tthree\n\n\tfour\n\n\tfive\n";
        let b = parse(text, 1);
        let got: Vec<_> = b.iter().map(|b| (b.kind, b.text.as_str())).collect();
        assert_eq!(
            got[0],
            (
                BlockKind::Heading(0),
                "Jane Doe - @jdoe - Parsers - https://example.org/s"
            )
        );
        assert_eq!(got[1], (BlockKind::ListItem { depth: 0 }, "first note"));
        assert_eq!(got[2], (BlockKind::ListItem { depth: 1 }, "deeper"));
        assert_eq!(got[5], (BlockKind::Heading(0), "John Roe - Queues"));
        // Ordinary pasted text with a few indented lines is not an outline.
        let prose = "Title\n\nSome text here.\n\n  indented\n\nMore text.\n";
        assert!(parse(prose, 1)
            .iter()
            .all(|b| !matches!(b.kind, BlockKind::ListItem { .. })));
    }

    #[test]
    fn last_line_is_not_a_heading() {
        let b = parse("Some text here.\n\nThe end", 1);
        assert_eq!(b[1].kind, BlockKind::Paragraph);
    }
}
