//! Talks a note writes in its text rather than as headings.
//!
//! Recap posts and link lists name their talks in prose and lists: a
//! paragraph of prose with video or slides links after it, a paragraph or
//! list item led by a link to the talk, a list item that is only such a
//! link, or several talks named in one paragraph. Each becomes a talk with
//! the text that follows it, or a `listed` chunk when nothing follows.

use super::{section_of, Open, Walk};
use crate::notes::blocks::{Block, BlockKind};
use crate::notes::byline::byline;
use crate::notes::linkline;
use crate::notes::links::{self, is_media_link, is_web_url};
use crate::notes::meta::{self, HeadingMeta};
use crate::notes::Kind;

impl Walk<'_> {
    /// A block of text: the start of a talk written as prose or led by a
    /// link, talks it names, or text of the chunk that is open.
    pub(super) fn text(&mut self, i: usize, block: &Block) {
        if self.prose_talk(i, block) {
            return;
        }
        if i <= self.skip_to && self.skip_to > 0 {
            return;
        }
        if self.link_led_talk(i, block) {
            return;
        }
        self.talks_named_in(block);
        if let BlockKind::ListItem { .. } = block.kind {
            if self.listed_talk(block) {
                return;
            }
        } else {
            self.list_label = None;
        }
        if block.kind == BlockKind::Paragraph && block.text.ends_with(':') {
            self.list_label = Some(meta::list_label(&block.text));
        }
        let (stack, stem) = (&self.stack, self.stem);
        let open = self.current.get_or_insert_with(|| {
            let parent = stack.last().map(|f| f.label.clone());
            Open::section(
                parent.unwrap_or_else(|| stem.to_string()),
                None,
                0,
                block.line,
            )
        });
        open.push_block(block);
    }

    /// A prose paragraph a video or slides link follows: a talk without a
    /// title (see `prose_talks`), with the blocks down to its links.
    fn prose_talk(&mut self, i: usize, block: &Block) -> bool {
        let Some(&(title_end, last)) = self.prose_talks.get(&i) else {
            return false;
        };
        self.close_current();
        let meta = HeadingMeta {
            title: prose_title(&block.text[..title_end]),
            ..HeadingMeta::default()
        };
        let mut o = Open::talk(
            meta,
            Kind::Talk,
            section_of(&self.stack),
            LINK_TALK,
            block.line,
        );
        for b in &self.blocks[i..=last] {
            o.push_block(b);
        }
        self.chunks.push(o);
        self.skip_to = last;
        true
    }

    /// A block led by a link naming a talk (see [`link_lead`]): the talk
    /// its notes follow, or a listed talk when none do.
    fn link_led_talk(&mut self, i: usize, block: &Block) -> bool {
        let Some((meta, rest_words)) = link_lead(self.blocks, i, self.current.as_ref()) else {
            return false;
        };
        let notes_follow = rest_words >= 4 || notes_after(self.blocks, i);
        let section = self
            .list_label
            .clone()
            .filter(|l| l.starts_with("Day "))
            .or_else(|| section_of(&self.stack));
        if notes_follow {
            self.close_current();
            let kind = meta.kind.unwrap_or(Kind::Talk);
            let mut o = Open::talk(meta, kind, section, LINK_TALK, block.line);
            if o.speakers.is_empty() {
                if let Some(b) = self.blocks.get(i + 1).and_then(|b| byline(&b.text)) {
                    o.speakers = b.speakers;
                    o.organizations = b.organizations;
                }
            }
            o.push_block(block);
            self.current = Some(o);
        } else {
            self.chunks.push(Open::listed(meta, section, block));
        }
        true
    }

    /// Two or more talks named in the prose of a block outside a heading's
    /// talk: each a listed talk. The block still goes on as text.
    fn talks_named_in(&mut self, block: &Block) {
        if block.links.is_empty() || in_heading_talk(self.current.as_ref()) {
            return;
        }
        let named = linkline::mentions(block);
        if named.len() < 2 {
            return;
        }
        let section = section_of(&self.stack);
        for m in named {
            let mut chunk = Open::talk(m, Kind::Listed, section.clone(), u8::MAX, block.line);
            chunk.body.push(block.text.clone());
            self.chunks.push(chunk);
        }
    }

    /// A list item that is only a link to a talk (see [`listed_item`]): a
    /// listed talk under the list's label, else the day or section above.
    fn listed_talk(&mut self, block: &Block) -> bool {
        let Some(listed) = listed_item(block, in_heading_talk(self.current.as_ref())) else {
            return false;
        };
        let section = self
            .list_label
            .clone()
            .or_else(|| section_of(&self.stack))
            .or_else(|| {
                self.current
                    .as_ref()
                    .filter(|c| c.kind == Kind::Section)
                    .map(|c| c.title.clone())
            });
        self.chunks.push(Open::listed(listed, section, block));
        true
    }
}

/// The level of a talk opened by a link line: any heading ends it.
const LINK_TALK: u8 = 7;

/// Talks written as prose with no title: a paragraph of a dozen words or
/// more (and what follows it) ending in paragraphs that are only video,
/// slides or recording links, at least twice under one heading (a recap
/// post: "Acme presented ... [Video] [Slides]", "Initech showed ...").
/// Maps the first block of each to (end of its first sentence, last block).
pub(super) fn prose_talks(blocks: &[Block]) -> std::collections::HashMap<usize, (usize, usize)> {
    let media_only = |b: &Block| {
        b.kind == BlockKind::Paragraph
            && !b.links.is_empty()
            && b.text.split_whitespace().count() <= 4
            && b.links.iter().all(|l| {
                let label = l.label.trim().to_lowercase();
                links::is_media_link(&l.url, &l.label)
                    || matches!(
                        label.as_str(),
                        "video"
                            | "videos"
                            | "slides"
                            | "presentation"
                            | "recording"
                            | "deck"
                            | "talk"
                    )
            })
    };
    let mut found = std::collections::HashMap::new();
    let mut region: Vec<(usize, usize)> = Vec::new();
    let mut start: Option<usize> = None;
    let flush = |region: &mut Vec<(usize, usize)>,
                 found: &mut std::collections::HashMap<usize, (usize, usize)>| {
        if region.len() >= 2 {
            for &(s, e) in region.iter() {
                let text = &blocks[s].text;
                let end = first_sentence_end(text);
                found.insert(s, (end, e));
            }
        }
        region.clear();
    };
    let mut i = 0;
    while i < blocks.len() {
        let b = &blocks[i];
        if b.heading_level().is_some() {
            flush(&mut region, &mut found);
            start = None;
            i += 1;
            continue;
        }
        if media_only(b) {
            let mut last = i;
            while blocks.get(last + 1).is_some_and(&media_only) {
                last += 1;
            }
            if let Some(s) = start.take() {
                let opening = &blocks[s];
                if opening.kind == BlockKind::Paragraph
                    && opening.text.split_whitespace().count() >= 12
                {
                    region.push((s, last));
                }
            }
            i = last + 1;
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        i += 1;
    }
    flush(&mut region, &mut found);
    found
}

/// Where the first sentence of `text` ends: at `.`, `!` or `?` before a
/// space and a capital, else the whole text.
fn first_sentence_end(text: &str) -> usize {
    let b = text.as_bytes();
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?')
            && b.get(i + 1) == Some(&b' ')
            && text[i + 2..].chars().next().is_some_and(char::is_uppercase)
        {
            return i;
        }
    }
    text.len()
}

/// A title from a talk's first sentence: at most a dozen words.
fn prose_title(sentence: &str) -> String {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    if words.len() <= 12 {
        return words.join(" ").trim_end_matches('.').to_string();
    }
    format!(
        "{}…",
        words[..12].join(" ").trim_end_matches([',', ';', ':'])
    )
}

/// A paragraph or top-level list item outside a heading's talk that leads
/// with a link naming a talk (see [`linkline`]).
fn link_lead(blocks: &[Block], i: usize, current: Option<&Open>) -> Option<(HeadingMeta, usize)> {
    let block = &blocks[i];
    if !matches!(
        block.kind,
        BlockKind::Paragraph | BlockKind::ListItem { depth: 0 }
    ) {
        return None;
    }
    if let Some(c) = current {
        let in_heading_talk = c.kind.is_session() && !c.container && c.level < LINK_TALK;
        if in_heading_talk || (c.kind == Kind::Section && meta::is_generic(&c.title)) {
            return None;
        }
    }
    if !block.links.is_empty() {
        if let Some(found) = linkline::link_talk(block) {
            return Some(found);
        }
        // One talk named in the prose of this block: the block is its notes.
        let mut named = linkline::mentions(block);
        if named.len() == 1 {
            return named.pop().map(|m| (m, usize::MAX));
        }
    }
    // `- Title - Jane Doe (Acme)` in a list of talks, its link (if any) to
    // a file of notes beside this one.
    if matches!(block.kind, BlockKind::ListItem { depth: 0 })
        && block.text.split_whitespace().count() <= 25
    {
        let m = meta::parse_heading(&block.text);
        if !m.speakers.is_empty() && !m.title.is_empty() {
            return Some((m, 0));
        }
    }
    None
}

fn in_heading_talk(current: Option<&Open>) -> bool {
    current.is_some_and(|c| c.kind.is_session() && !c.container && c.level < LINK_TALK)
}

/// Do notes about a link-line talk follow it: for a list item, deeper items;
/// for a paragraph, any text that is not itself the next talk?
fn notes_after(blocks: &[Block], i: usize) -> bool {
    let Some(next) = blocks.get(i + 1) else {
        return false;
    };
    match (blocks[i].kind, next.kind) {
        (_, BlockKind::Heading(_)) => false,
        (BlockKind::ListItem { depth }, BlockKind::ListItem { depth: d }) => d > depth,
        (BlockKind::ListItem { .. }, _) => false,
        (_, BlockKind::ListItem { depth: 0 } | BlockKind::Paragraph) => {
            linkline::link_talk(next).is_none()
        }
        _ => true,
    }
}

/// A list item that is just a link to a talk: `[Title - Speakers](url)`.
///
/// Inside a heading's talk only a link to a schedule or recording host
/// counts: a link to a video there is more often a cross-reference ("see
/// [Other Talk](video) for more") than a talk of its own.
fn listed_item(block: &Block, in_talk: bool) -> Option<HeadingMeta> {
    let link = block
        .links
        .iter()
        .find(|l| !l.label.is_empty() && !is_web_url(&l.label))?;
    let item_chars = block.text.chars().count().max(1);
    if link.label.chars().count() * 2 < item_chars {
        return None;
    }
    let meta = meta::parse_heading(&link.label);
    let talk_host = [
        "sched.co",
        "sched.com",
        "youtube.com",
        "youtu.be",
        "speakerdeck.com",
        "slideshare.net",
        "vimeo.com",
        "pretalx",
    ]
    .iter()
    .any(|h| link.url.contains(h))
        || !in_talk && (linkline::is_talk_page(&link.url) || is_media_link(&link.url, ""));
    (meta.evidence || talk_host).then_some(meta)
}
