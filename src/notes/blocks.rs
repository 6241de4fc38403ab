//! The format-independent shape of a note: a flat list of blocks.
//!
//! Every parser (markdown, plain text, reStructuredText) produces these, so
//! segmentation into talks and sections is written once.

use super::Link;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A heading. Level 1 is the highest; plain text headings arrive with
    /// level 0 ("unknown") and get a level during segmentation.
    Heading(u8),
    Paragraph,
    /// One list item; `depth` 0 is a top-level item.
    ListItem {
        depth: u16,
    },
    Code,
    /// A row of a table of talks: `Title - Speaker | other cells`.
    Row,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
    /// 1-based line in the file.
    pub line: usize,
    pub links: Vec<Link>,
}

impl Block {
    pub fn new(kind: BlockKind, text: String, line: usize, links: Vec<Link>) -> Block {
        Block {
            kind,
            text,
            line,
            links,
        }
    }

    pub fn heading_level(&self) -> Option<u8> {
        match self.kind {
            BlockKind::Heading(l) => Some(l),
            _ => None,
        }
    }
}

/// Maps byte offsets to 1-based line numbers.
pub struct LineIndex {
    starts: Vec<usize>,
    first_line: usize,
}

impl LineIndex {
    pub fn new(text: &str, first_line: usize) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, first_line }
    }

    pub fn line(&self, offset: usize) -> usize {
        let idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        idx + self.first_line
    }
}

/// Collapse runs of whitespace into single spaces and trim.
pub fn squash(s: &str) -> String {
    // Most text is ASCII with single spaces and newlines: find the lines with
    // memchr and copy them whole; only lines with runs of spaces, and text
    // with tabs, other control characters or non-ASCII, go word by word.
    let unusual = s.as_bytes().iter().fold(false, |acc, &b| {
        acc | (b >= 0x80) | (b < 0x20 && b != b'\n')
    });
    if !unusual {
        let mut out = String::with_capacity(s.len());
        for line in s.split('\n') {
            let line = line.trim_matches(' ');
            if line.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            if line.contains("  ") {
                let mut words = line.split(' ').filter(|w| !w.is_empty());
                out.push_str(words.next().unwrap_or(""));
                for w in words {
                    out.push(' ');
                    out.push_str(w);
                }
            } else {
                out.push_str(line);
            }
        }
        return out;
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_matches_split_whitespace_for_ascii_and_not() {
        for s in [
            "",
            "   ",
            "a",
            "  two  words \t\n here\r\n",
            "\x0bvertical\x0ctab\x0b",
            "caf\u{e9}\u{a0}au\u{2003} lait ",
            "already squashed",
            "line one\nline  two   spaced\n\n  \n last ",
            "\n\n",
            " a\nb ",
        ] {
            let want = s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(squash(s), want, "{s:?}");
        }
    }
}
