//! Markdown (CommonMark) to blocks, with pulldown-cmark.
//!
//! Headings (ATX and setext), paragraphs, list items and code blocks become
//! blocks; links, autolinks and bare URLs are collected on the block they
//! appear in; image alt text stays searchable. A paragraph made only of bold
//! text (`__On networking__`) is a heading in notes that have no real ones.

use super::blocks::{squash, Block, BlockKind, LineIndex};
use super::links::{add_bare_urls, is_web_url};
use super::Link;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

struct Pending {
    kind: BlockKind,
    text: String,
    line: usize,
    links: Vec<Link>,
    /// Characters of text outside bold/italic (to spot bold-only paragraphs).
    plain_chars: usize,
    /// Offsets in `text` of line breaks and inner paragraph starts outside
    /// links: where a link-led block is cut into lines.
    breaks: Vec<usize>,
    /// The block's first text is a link (`[Title](url)` on a line of its own).
    link_led: bool,
}

impl Pending {
    fn new(kind: BlockKind, line: usize) -> Pending {
        Pending {
            kind,
            text: String::new(),
            line,
            links: Vec::new(),
            plain_chars: 0,
            breaks: Vec::new(),
            link_led: false,
        }
    }
}

pub fn parse(text: &str, first_line: usize) -> Vec<Block> {
    let lines = LineIndex::new(text, first_line);
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut reader = Reader::default();
    for (event, range) in Parser::new_ext(text, opts).into_offset_iter() {
        reader.event(event, lines.line(range.start));
    }
    reader.finish()
}

/// What a walk over the parser's events carries: the blocks done, the
/// containers open, and the inline state (emphasis, links, a table).
#[derive(Default)]
struct Reader {
    out: Vec<Block>,
    /// Open containers that collect text: list items nest, the rest do not.
    stack: Vec<Pending>,
    list_depth: u16,
    emphasis: u32,
    /// Each open link's URL and where its text starts in the open block.
    link_starts: Vec<(String, usize)>,
    /// Blocks that are bold-only paragraphs: headings when there are none.
    bold_paragraphs: Vec<usize>,
    has_headings: bool,
    table: Table,
}

impl Reader {
    fn event(&mut self, event: Event<'_>, line: usize) {
        match event {
            Event::Start(tag) => self.start(tag, line),
            Event::End(end) => self.end(end),
            Event::Text(t) | Event::Code(t) => self.text(&t),
            Event::SoftBreak => self.line_break(' '),
            Event::HardBreak => self.line_break('\n'),
            // Embedded videos and citations (`<iframe src=...>`, `<a href=...>`)
            // are links of the block they follow.
            Event::Html(h) | Event::InlineHtml(h) if h.contains("src=") || h.contains("href=") => {
                self.html(&h);
            }
            // Raw HTML (`<!--more-->`), rules and footnote markers carry no words.
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, line: usize) {
        match tag {
            Tag::Heading { level, .. } => {
                self.has_headings = true;
                let kind = BlockKind::Heading(heading_level(level));
                self.stack.push(Pending::new(kind, line));
            }
            Tag::Paragraph => self.start_paragraph(line),
            Tag::Item => self.start_item(line),
            Tag::List(_) => self.list_depth = self.list_depth.saturating_add(1),
            // A fence's code starts on the line after it; indented code
            // on its own line.
            Tag::CodeBlock(CodeBlockKind::Fenced(_)) => {
                self.stack.push(Pending::new(BlockKind::Code, line + 1));
            }
            Tag::CodeBlock(CodeBlockKind::Indented) => {
                self.stack.push(Pending::new(BlockKind::Code, line));
            }
            Tag::Strong | Tag::Emphasis => self.emphasis += 1,
            Tag::Link { dest_url, .. } => self.start_link(dest_url.to_string()),
            Tag::Image { .. } => {
                if let Some(p) = self.stack.last_mut() {
                    p.text.push(' ');
                }
            }
            Tag::Table(_) | Tag::TableHead | Tag::TableRow | Tag::TableCell => {
                self.start_table_part(tag, line);
            }
            _ => {}
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Table | TagEnd::TableHead | TagEnd::TableRow | TagEnd::TableCell => {
                self.end_table_part(end);
            }
            TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::Item => {
                if let Some(p) = self.stack.pop() {
                    push_block(&mut self.out, p);
                }
            }
            TagEnd::Paragraph if !in_item(&self.stack) => self.end_paragraph(),
            TagEnd::List(_) => self.list_depth = self.list_depth.saturating_sub(1),
            TagEnd::Strong | TagEnd::Emphasis => self.emphasis = self.emphasis.saturating_sub(1),
            TagEnd::Link => self.end_link(),
            _ => {}
        }
    }

    /// A paragraph outside a list item is a block; inside one, it goes on
    /// the item's text after a space (a line of its own in a link-led item).
    fn start_paragraph(&mut self, line: usize) {
        if !in_item(&self.stack) {
            self.stack.push(Pending::new(BlockKind::Paragraph, line));
        } else if let Some(p) = self.stack.last_mut() {
            if !p.text.is_empty() {
                p.text.push(' ');
                if self.link_starts.is_empty() && p.link_led {
                    p.breaks.push(p.text.len());
                }
            }
        }
    }

    fn start_item(&mut self, line: usize) {
        // A nested list flushes the text of its parent item first.
        if let Some(parent) = self.stack.last_mut() {
            if matches!(parent.kind, BlockKind::ListItem { .. }) && !parent.text.trim().is_empty() {
                let flushed = std::mem::replace(parent, Pending::new(parent.kind, line));
                push_block(&mut self.out, flushed);
            }
        }
        self.stack.push(Pending::new(
            BlockKind::ListItem {
                depth: self.list_depth.saturating_sub(1),
            },
            line,
        ));
    }

    /// A paragraph made only of bold text, short and on one line, is
    /// remembered: a heading in notes that have no real ones.
    fn end_paragraph(&mut self) {
        if let Some(p) = self.stack.pop() {
            let bold_only = p.plain_chars == 0 && !p.text.trim().is_empty();
            if bold_only && p.text.chars().count() <= 100 && !p.text.contains('\n') {
                self.bold_paragraphs.push(self.out.len());
            }
            push_block(&mut self.out, p);
        }
    }

    fn start_link(&mut self, url: String) {
        if let Some(p) = self.stack.last_mut() {
            if p.text.trim().is_empty() && self.link_starts.is_empty() {
                p.link_led = true;
            }
        }
        let at = self.stack.last().map_or(0, |p| p.text.len());
        self.link_starts.push((url, at));
    }

    /// A link's label is the text written since it started.
    fn end_link(&mut self) {
        if let (Some((url, at)), Some(p)) = (self.link_starts.pop(), self.stack.last_mut()) {
            let label = squash(p.text.get(at..).unwrap_or(""));
            // `[https://spiffe.io/](spiffe)`: the text is the real URL.
            let url = if !is_web_url(&url) && is_web_url(&label) {
                label.clone()
            } else {
                url
            };
            if is_web_url(&url) {
                p.links.push(Link { url, label });
            }
        }
    }

    /// A table is read as one paragraph, its rows and cells kept aside in
    /// case it is a table of talks.
    fn start_table_part(&mut self, tag: Tag<'_>, line: usize) {
        match tag {
            Tag::Table(_) => {
                self.table = Table::default();
                self.stack.push(Pending::new(BlockKind::Paragraph, line));
            }
            Tag::TableRow | Tag::TableHead => {
                self.table.row_line = line;
                if let Some(p) = self.stack.last_mut() {
                    p.text.push('\n');
                }
            }
            Tag::TableCell => {
                if let Some(p) = self.stack.last_mut() {
                    p.text.push(' ');
                    self.table.cell_start = (p.text.len(), p.links.len());
                }
            }
            _ => {}
        }
    }

    /// Each cell's text and links, the header's cells, each row's cells;
    /// at the table's end, its rows when it is a table of talks, else the
    /// paragraph of its text.
    fn end_table_part(&mut self, end: TagEnd) {
        let table = &mut self.table;
        match end {
            TagEnd::TableCell => {
                if let Some(p) = self.stack.last() {
                    let (at, l) = table.cell_start;
                    table.cells.push((
                        squash(p.text.get(at..).unwrap_or("")),
                        p.links.get(l..).unwrap_or_default().to_vec(),
                    ));
                }
            }
            TagEnd::TableHead => {
                table.head = std::mem::take(&mut table.cells)
                    .into_iter()
                    .map(|c| c.0)
                    .collect();
            }
            TagEnd::TableRow => {
                let cells = std::mem::take(&mut table.cells);
                table.rows.push((cells, table.row_line));
            }
            TagEnd::Table => {
                if let Some(p) = self.stack.pop() {
                    match std::mem::take(table).talk_rows() {
                        Some(rows) => self.out.extend(rows),
                        None => push_block(&mut self.out, p),
                    }
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, t: &str) {
        if let Some(p) = self.stack.last_mut() {
            if self.emphasis == 0 && !matches!(p.kind, BlockKind::Code) {
                p.plain_chars += t.trim().chars().count();
            }
            p.text.push_str(t);
        }
    }

    fn line_break(&mut self, c: char) {
        if let Some(p) = self.stack.last_mut() {
            p.text.push(c);
            if self.link_starts.is_empty() && p.link_led {
                p.breaks.push(p.text.len());
            }
        }
    }

    fn html(&mut self, h: &str) {
        let found = html_links(h);
        if let Some(p) = self.stack.last_mut() {
            p.links.extend(found);
        } else if let Some(b) = self.out.last_mut() {
            b.links.extend(found);
        }
    }

    /// The blocks still open, then bold paragraphs as headings when there
    /// are no real ones, and list items that are headings.
    fn finish(mut self) -> Vec<Block> {
        while let Some(p) = self.stack.pop() {
            push_block(&mut self.out, p);
        }
        if !self.has_headings {
            for i in self.bold_paragraphs {
                self.out[i].kind = BlockKind::Heading(2);
            }
        }
        hashtag_items(&mut self.out);
        self.out
    }
}

/// Outline exports write their headings as list items (`- # Title`); the
/// same author's `- #Title` without the space is one of them too, when
/// notes are nested under it and other items are real headings.
fn hashtag_items(out: &mut [Block]) {
    let headings = out.iter().filter(|b| b.heading_level() == Some(1)).count();
    if headings < 2 {
        return;
    }
    for i in 0..out.len() {
        let b = &out[i];
        let tagged = matches!(b.kind, BlockKind::ListItem { depth: 0 })
            && b.text.strip_prefix('#').is_some_and(|r| {
                r.chars().next().is_some_and(char::is_alphanumeric) && !r.contains('#')
            })
            && b.text.chars().count() <= 80;
        let nested = out
            .get(i + 1)
            .is_some_and(|n| matches!(n.kind, BlockKind::ListItem { depth } if depth > 0));
        if tagged && nested {
            out[i].text = out[i].text[1..].trim().to_string();
            out[i].kind = BlockKind::Heading(1);
        }
    }
}

fn in_item(stack: &[Pending]) -> bool {
    stack
        .last()
        .is_some_and(|p| matches!(p.kind, BlockKind::ListItem { .. }))
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// One table cell: its text and links.
type Cell = (String, Vec<Link>);

/// A table being read: its header, and its rows (cells, line).
#[derive(Default)]
struct Table {
    head: Vec<String>,
    rows: Vec<(Vec<Cell>, usize)>,
    cells: Vec<Cell>,
    cell_start: (usize, usize),
    row_line: usize,
}

impl Table {
    /// A table of talks (a title column, perhaps a speaker column): one
    /// [`BlockKind::Row`] a row, `Title - Speaker` first, the rest after.
    fn talk_rows(self) -> Option<Vec<Block>> {
        let col = |words: &[&str]| {
            self.head.iter().position(|h| {
                let h = h.to_lowercase();
                words.iter().any(|w| h.split_whitespace().any(|x| x == *w))
            })
        };
        let title = col(&["title", "talk", "session", "presentation"])?;
        let speaker = col(&[
            "speaker",
            "speakers",
            "presenter",
            "presenters",
            "by",
            "who",
            "author",
        ]);
        let mut out = Vec::new();
        for (cells, line) in self.rows {
            let Some((t, _)) = cells.get(title) else {
                continue;
            };
            if t.is_empty() {
                continue;
            }
            let mut text = t.clone();
            if let Some((sp, _)) = speaker
                .and_then(|s| cells.get(s))
                .filter(|c| !c.0.is_empty())
            {
                text = format!("{text} - {sp}");
            }
            let rest: Vec<&str> = cells
                .iter()
                .enumerate()
                .filter(|(i, c)| *i != title && Some(*i) != speaker && !c.0.is_empty())
                .map(|(_, c)| c.0.as_str())
                .filter(|c| !c.eq_ignore_ascii_case("link"))
                .collect();
            if !rest.is_empty() {
                text = format!("{text} | {}", rest.join(" | "));
            }
            let links = cells.into_iter().flat_map(|c| c.1).collect();
            out.push(Block::new(BlockKind::Row, text, line, links));
        }
        Some(out)
    }
}

/// `src="..."` and `href="..."` URLs in raw HTML.
fn html_links(html: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            let url = rest.split('"').next().unwrap_or("").replace("&amp;", "&");
            let url = if url.starts_with("//") {
                format!("https:{url}")
            } else {
                url
            };
            if is_web_url(&url) && !url.contains("hatena.ne.jp/keyword") {
                let label = if url.contains("youtube.com/embed") || url.contains("youtu.be") {
                    "video".to_string()
                } else {
                    String::new()
                };
                links.push(Link { url, label });
            }
        }
    }
    links
}

/// A block that opens with a link and goes on over several lines
/// (`[Title](video)` / `Jane Doe` / notes...) is cut into one block a line,
/// so the link line and the byline after it can be read as a talk's start.
fn push_block(out: &mut Vec<Block>, mut p: Pending) {
    if p.link_led && !p.breaks.is_empty() && !matches!(p.kind, BlockKind::Code) {
        let breaks = std::mem::take(&mut p.breaks);
        let links = std::mem::take(&mut p.links);
        let text = std::mem::take(&mut p.text);
        let mut start = 0;
        let mut pieces: Vec<&str> = Vec::new();
        for b in breaks.into_iter().chain([text.len()]) {
            if b > start && b <= text.len() && text.is_char_boundary(b) {
                pieces.push(&text[start..b]);
                start = b;
            }
        }
        let mut links = links.into_iter().peekable();
        for (k, piece) in pieces.into_iter().enumerate() {
            let mut piece_links = Vec::new();
            let squashed = squash(piece);
            while let Some(l) = links.peek() {
                if squashed.contains(l.label.as_str()) || l.label.is_empty() {
                    piece_links.extend(links.next());
                } else {
                    break;
                }
            }
            // What follows the lead inside a list item stays under it.
            let kind = match (k, p.kind) {
                (0, kind) => kind,
                (_, BlockKind::ListItem { depth }) => BlockKind::ListItem {
                    depth: depth.saturating_add(1),
                },
                _ => BlockKind::Paragraph,
            };
            let mut piece = Pending::new(kind, p.line + k);
            piece.text = squashed;
            piece.links = piece_links;
            push_one(out, piece);
        }
        return;
    }
    push_one(out, p);
}

fn push_one(out: &mut Vec<Block>, p: Pending) {
    let text = if matches!(p.kind, BlockKind::Code) {
        p.text.trim_end().to_string()
    } else {
        squash(&p.text)
    };
    if text.is_empty() {
        return;
    }
    let mut links = p.links;
    if matches!(p.kind, BlockKind::Code) {
        // Commands in code blocks are rarely links a reader wants.
        links.clear();
    } else {
        // Bare URLs not already written as links.
        add_bare_urls(&mut links, &text);
    }
    out.push(Block::new(p.kind, text, p.line, links));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(blocks: &[Block]) -> Vec<(BlockKind, &str)> {
        blocks.iter().map(|b| (b.kind, b.text.as_str())).collect()
    }

    #[test]
    fn headings_code_and_lists() {
        let md = "# Title\n\nIntro text.\n\nSetext\n------\n\n```shell\n# install spin\n$ spin up\n```\n\n* one\n  * nested [link](https://a.dev/x)\n";
        let b = parse(md, 1);
        assert_eq!(
            kinds(&b),
            vec![
                (BlockKind::Heading(1), "Title"),
                (BlockKind::Paragraph, "Intro text."),
                (BlockKind::Heading(2), "Setext"),
                (BlockKind::Code, "# install spin\n$ spin up"),
                (BlockKind::ListItem { depth: 0 }, "one"),
                (BlockKind::ListItem { depth: 1 }, "nested link"),
            ]
        );
        assert_eq!(b[3].line, 9);
        assert_eq!(b[5].links[0].url, "https://a.dev/x");
        assert_eq!(b[5].links[0].label, "link");
    }

    #[test]
    fn indented_code_starts_on_its_own_line() {
        let b = parse("- [](https://a.example/x)\n\n      - **bold**", 1);
        assert_eq!(b.last().unwrap().kind, BlockKind::Code);
        assert_eq!(b.last().unwrap().line, 3);
        let b = parse("Text.\n\n    indented code\n", 1);
        assert_eq!((b[1].kind, b[1].line), (BlockKind::Code, 3));
    }

    #[test]
    fn bold_paragraph_is_heading_without_real_headings() {
        let b = parse(
            "Intro.\n\n__On networking__\n\nText with **bold** in it.\n",
            5,
        );
        assert_eq!(b[1].kind, BlockKind::Heading(2));
        assert_eq!(b[1].line, 7);
        assert_eq!(b[2].kind, BlockKind::Paragraph);
    }

    #[test]
    fn links_of_every_kind() {
        let b = parse(
            "See <https://a.io/x>, [ref][r], https://b.dev/y and [https://spiffe.io/](spiffe) ![img](pic.png)\n\n[r]: https://c.org/z\n",
            1,
        );
        let urls: Vec<_> = b[0].links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "https://a.io/x",
                "https://c.org/z",
                "https://spiffe.io/",
                "https://b.dev/y"
            ]
        );
    }
}
