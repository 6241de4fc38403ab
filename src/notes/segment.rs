//! Cutting a note's blocks into chunks.
//!
//! Walk the headings with a stack of what is open. A talk heading opens a
//! talk that swallows everything below it down to the next heading of the
//! same or a higher level; a day/track container gives its name as `section`
//! to the talks below it; any other heading opens a `section` chunk. List
//! items that are only a link to a talk become `listed` chunks.
//!
//! Plain text has no heading levels: [`plain_levels`] infers them first.

use super::blocks::{Block, BlockKind};
use super::byline::byline;
use super::frontmatter::{year_in, FrontMatter};
use super::linkline;
use super::links::{self, dedup, is_media_link, is_web_url};
use super::meta::{self, Container, HeadingMeta};
use super::outline::{self, Role, TalkLevel};
use super::{Format, Kind, Link, Note};
use std::collections::{HashMap, HashSet};

/// A chunk being filled.
struct Open {
    kind: Kind,
    title: String,
    speakers: Vec<String>,
    organizations: Vec<String>,
    section: Option<String>,
    level: u8,
    line: usize,
    body: Vec<String>,
    links: Vec<Link>,
    /// Talks always become chunks; sections only when they have text.
    keep_empty: bool,
    /// The own text of a day/track container: its sub-headings are talks.
    container: bool,
    /// The byline under the heading was a template's placeholder: do not
    /// look for speakers in the body.
    placeholder: bool,
}

/// What a heading on the stack stands for.
#[derive(Clone)]
struct Frame {
    level: u8,
    label: String,
    container: Option<Container>,
}

pub fn segment(
    file: &str,
    format: Format,
    front: Option<&FrontMatter>,
    mut blocks: Vec<Block>,
    forced: TalkLevel,
) -> (Note, outline::Outline) {
    if format == Format::Plain {
        plain_levels(&mut blocks);
    }
    let title_idx = doc_title_index(&blocks, front.is_some_and(|f| f.title.is_some()));
    let doc_title = front
        .and_then(|f| f.title.clone())
        .filter(|t| !t.trim().is_empty())
        .or_else(|| title_idx.map(|i| blocks[i].text.clone()));
    let stem = file_stem(file);
    let conference = front
        .and_then(|f| f.conference.clone())
        .or_else(|| doc_title.as_deref().and_then(meta::conference_in))
        .map(|c| refine_region(c, &stem))
        .or_else(|| meta::conference_in(&stem))
        // A folder per conference: `kubecon-eu-2024/keynote.md`.
        .or_else(|| {
            file.rsplit_once('/')
                .and_then(|(dir, _)| meta::conference_in(dir))
        });
    let year = doc_title
        .as_deref()
        .and_then(year_in)
        .or(front.and_then(|f| f.year))
        .or_else(|| year_in(&stem))
        .or_else(|| blocks.iter().take(20).find_map(|b| year_in(&b.text)));

    let outline = outline::decide(&blocks, title_idx, forced);
    let mut chunks: Vec<Open> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut current = Some(Open::section(
        doc_title.clone().unwrap_or_else(|| stem.clone()),
        None,
        0,
        blocks.first().map_or(1, |b| b.line),
    ));
    let mut list_label: Option<String> = None;
    let mut flat_day: Option<String> = None;
    let prose_talks = prose_talks(&blocks);
    // The last block a prose talk took, so the loop does not take it again.
    let mut skip_to = 0usize;

    for (i, block) in blocks.iter().enumerate() {
        if Some(i) == title_idx {
            continue;
        }
        let level = match block.kind {
            BlockKind::Heading(l) => l.max(1),
            BlockKind::Row => {
                let (head, _) = block.text.split_once(" | ").unwrap_or((&block.text, ""));
                let meta = meta::parse_heading(head);
                let section = section_of(&stack);
                let mut chunk = Open::talk(meta, Kind::Listed, section, u8::MAX, block.line);
                chunk.body.push(block.text.clone());
                chunk.links.extend(block.links.iter().cloned());
                chunks.push(chunk);
                continue;
            }
            _ => {
                // A prose paragraph a video or slides link follows: a talk
                // without a title (see `prose_talks`).
                if let Some(&(title_end, last)) = prose_talks.get(&i) {
                    if let Some(done) = current.take() {
                        chunks.push(done);
                    }
                    let meta = HeadingMeta {
                        title: prose_title(&block.text[..title_end]),
                        ..HeadingMeta::default()
                    };
                    let mut o =
                        Open::talk(meta, Kind::Talk, section_of(&stack), LINK_TALK, block.line);
                    for b in &blocks[i..=last] {
                        o.push_block(b);
                    }
                    chunks.push(o);
                    skip_to = last;
                    continue;
                }
                if i <= skip_to && skip_to > 0 {
                    continue;
                }
                if let Some((meta, rest_words)) = link_lead(&blocks, i, current.as_ref()) {
                    let notes_follow = rest_words >= 4 || notes_after(&blocks, i);
                    let section = list_label
                        .clone()
                        .filter(|l| l.starts_with("Day "))
                        .or_else(|| section_of(&stack));
                    if notes_follow {
                        if let Some(done) = current.take() {
                            chunks.push(done);
                        }
                        let kind = meta.kind.unwrap_or(Kind::Talk);
                        let mut o = Open::talk(meta, kind, section, LINK_TALK, block.line);
                        if o.speakers.is_empty() {
                            if let Some(b) = blocks.get(i + 1).and_then(|b| byline(&b.text)) {
                                o.speakers = b.speakers;
                                o.organizations = b.organizations;
                            }
                        }
                        o.push_block(block);
                        current = Some(o);
                    } else {
                        let mut chunk =
                            Open::talk(meta, Kind::Listed, section, u8::MAX, block.line);
                        chunk.body.push(block.text.clone());
                        chunk.links.extend(block.links.iter().cloned());
                        chunks.push(chunk);
                    }
                    continue;
                }
                if !block.links.is_empty() && !in_heading_talk(current.as_ref()) {
                    let named = linkline::mentions(block);
                    if named.len() >= 2 {
                        let section = section_of(&stack);
                        for m in named {
                            let mut chunk =
                                Open::talk(m, Kind::Listed, section.clone(), u8::MAX, block.line);
                            chunk.body.push(block.text.clone());
                            chunks.push(chunk);
                        }
                    }
                }
                if let BlockKind::ListItem { .. } = block.kind {
                    if let Some(listed) = listed_item(block, in_heading_talk(current.as_ref())) {
                        let section =
                            list_label
                                .clone()
                                .or_else(|| section_of(&stack))
                                .or_else(|| {
                                    current
                                        .as_ref()
                                        .filter(|c| c.kind == Kind::Section)
                                        .map(|c| c.title.clone())
                                });
                        let mut chunk =
                            Open::talk(listed, Kind::Listed, section, u8::MAX, block.line);
                        chunk.body.push(block.text.clone());
                        chunk.links.extend(block.links.iter().cloned());
                        chunks.push(chunk);
                        continue;
                    }
                } else {
                    list_label = None;
                }
                if block.kind == BlockKind::Paragraph && block.text.ends_with(':') {
                    list_label = Some(meta::list_label(&block.text));
                }
                let open = current.get_or_insert_with(|| {
                    let parent = stack.last().map(|f| f.label.clone());
                    Open::section(parent.unwrap_or_else(|| stem.clone()), None, 0, block.line)
                });
                open.push_block(block);
                continue;
            }
        };
        list_label = None;
        let node = outline.role_of(i);
        let role = node.map_or(Role::Section, |n| n.role);
        // A sub-heading stays inside its talk.
        if let Some(open) = current.as_mut() {
            if open.kind.is_session()
                && !open.container
                && level > open.level
                && role == Role::Subheading
            {
                open.body.push(block.text.clone());
                open.links.extend(block.links.iter().cloned());
                continue;
            }
        }
        if let Some(done) = current.take() {
            chunks.push(done);
        }
        while stack.last().is_some_and(|f| f.level >= level) {
            stack.pop();
        }
        let meta = node.map_or_else(|| meta::parse_heading(&block.text), |n| n.meta.clone());
        // `- # Day 1` beside the talks, not above them: a day marker for
        // the talks that follow at its level.
        if outline.talk_level == Some(level) {
            if role != Role::Talk && meta::container(&block.text).is_some_and(|c| c.is_day) {
                flat_day = Some(block.text.clone());
            }
        } else if outline.talk_level.is_some_and(|t| level < t) {
            flat_day = None;
        }
        let section = section_of(&stack).or_else(|| {
            flat_day
                .clone()
                .filter(|_| role == Role::Talk && outline.talk_level == Some(level))
        });
        let open = match role {
            Role::Container => {
                let c = meta::container(&block.text).unwrap_or(Container {
                    is_day: false,
                    kind: None,
                });
                // A container's own text: keynote remarks or an intro to the day.
                let kind = if c.kind == Some(Kind::Keynote) {
                    Kind::Keynote
                } else {
                    Kind::Section
                };
                let own_section = section
                    .clone()
                    .or_else(|| c.is_day.then(|| block.text.clone()));
                stack.push(Frame {
                    level,
                    label: block.text.clone(),
                    container: Some(c),
                });
                let mut o = Open::section(block.text.clone(), own_section, level, block.line);
                o.kind = kind;
                o.container = true;
                o
            }
            Role::Talk => {
                let container = meta::container(&block.text);
                let ctx_kind = stack
                    .iter()
                    .rev()
                    .find_map(|f| f.container.and_then(|c| c.kind));
                let own = container.and_then(|c| c.kind);
                let kind = match meta.kind {
                    Some(k) if k != Kind::Talk => k,
                    _ => own.or(ctx_kind).unwrap_or(Kind::Talk),
                };
                let section =
                    section.or_else(|| container.filter(|c| c.is_day).map(|_| block.text.clone()));
                let mut o = Open::talk(meta, kind, section, level, block.line);
                if let Some(b) = node.and_then(|n| n.byline.as_ref()) {
                    if o.speakers.is_empty() {
                        o.speakers.clone_from(&b.speakers);
                        o.organizations.clone_from(&b.organizations);
                    }
                }
                o.placeholder = node.is_some_and(|n| n.evidence.contains(&"placeholder byline"));
                o.links.extend(block.links.iter().cloned());
                o
            }
            Role::Title | Role::Subheading | Role::Section => {
                stack.push(Frame {
                    level,
                    label: block.text.clone(),
                    container: None,
                });
                Open::section(block.text.clone(), section, level, block.line)
            }
        };
        current = Some(open);
    }
    chunks.extend(current);
    let one_talk = match forced {
        TalkLevel::File => true,
        TalkLevel::Auto => {
            !chunks.iter().any(|c| c.kind.is_session())
                && looks_like_one_talk(file, doc_title.as_deref(), &outline)
        }
        _ => false,
    };
    if one_talk {
        chunks = vec![one_talk_of(chunks, doc_title.as_deref(), &stem, &outline)];
    }
    (
        finish(file, format, doc_title, conference, year, chunks),
        outline,
    )
}

/// A file that is one talk: a title that names no event or collection, in
/// a folder of its own or with the speaker or session code as a heading.
fn looks_like_one_talk(file: &str, title: Option<&str>, outline: &outline::Outline) -> bool {
    let Some(title) = title else { return false };
    static COLLECTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)(?-u:\b)(notes|recap|summary|highlights|takeaways|report|wrap|review|trip|day|days|conference|conf|summit|talks|sessions|readme|index|links)(?-u:\b)").unwrap()
    });
    if year_in(title).is_some()
        || meta::conference_in(title).is_some()
        || COLLECTION.is_match(title)
    {
        return false;
    }
    let person_heading = outline
        .nodes
        .iter()
        .any(|n| n.role != Role::Title && byline(&n.text).is_some());
    file.contains('/') || person_heading
}

/// Everything in the file as one talk: the title's, the speakers named in
/// its headings.
fn one_talk_of(
    opens: Vec<Open>,
    title: Option<&str>,
    stem: &str,
    outline: &outline::Outline,
) -> Open {
    let meta = title.map_or_else(HeadingMeta::default, meta::parse_heading);
    let line = opens.iter().map(|o| o.line).min().unwrap_or(1);
    let kind = meta.kind.unwrap_or(Kind::Talk);
    let mut talk = Open::talk(meta, kind, None, 0, line);
    if talk.title.trim().is_empty() {
        talk.title = title.unwrap_or(stem).to_string();
    }
    for n in outline.nodes.iter().filter(|n| n.role != Role::Title) {
        if let Some(b) = byline(&n.text) {
            for s in b.speakers {
                if !talk.speakers.contains(&s) {
                    talk.speakers.push(s);
                }
            }
            talk.organizations.extend(b.organizations);
        }
    }
    for o in opens {
        if o.kind == Kind::Section && o.level > 0 {
            talk.body.push(o.title);
        }
        talk.speakers
            .extend(o.speakers.into_iter().filter(|_| false));
        talk.body.extend(o.body);
        talk.links.extend(o.links);
    }
    talk
}

impl Open {
    fn section(title: String, section: Option<String>, level: u8, line: usize) -> Open {
        Open {
            kind: Kind::Section,
            title,
            speakers: Vec::new(),
            organizations: Vec::new(),
            section,
            level,
            line,
            body: Vec::new(),
            links: Vec::new(),
            keep_empty: false,
            container: false,
            placeholder: false,
        }
    }

    fn talk(
        meta: HeadingMeta,
        kind: Kind,
        section: Option<String>,
        level: u8,
        line: usize,
    ) -> Open {
        Open {
            kind,
            title: meta.title,
            speakers: meta.speakers,
            organizations: meta.organizations,
            section,
            level,
            line,
            body: Vec::new(),
            links: Vec::new(),
            keep_empty: true,
            container: false,
            placeholder: false,
        }
    }

    fn push_block(&mut self, block: &Block) {
        let text = match block.kind {
            BlockKind::ListItem { depth } => {
                format!("{}- {}", "  ".repeat(usize::from(depth.min(8))), block.text)
            }
            BlockKind::Row => format!("- {}", block.text),
            // Fenced, so summaries skip code and Discord shows it as code.
            BlockKind::Code => format!(
                "```\n{}\n```",
                block.text.replace("```", "\u{2035}\u{2035}\u{2035}")
            ),
            _ => block.text.clone(),
        };
        self.body.push(text);
        self.links.extend(block.links.iter().cloned());
    }
}

/// The day/track a talk belongs to: the outermost day or date container,
/// else the nearest container of any kind.
fn section_of(stack: &[Frame]) -> Option<String> {
    stack
        .iter()
        .find(|f| f.container.is_some_and(|c| c.is_day))
        .or_else(|| stack.iter().rev().find(|f| f.container.is_some()))
        .or_else(|| stack.last())
        .map(|f| f.label.clone())
}

/// The heading that titles the whole document, when it opens the file.
fn doc_title_index(blocks: &[Block], has_front_title: bool) -> Option<usize> {
    let first = blocks.iter().position(|b| b.heading_level().is_some())?;
    let before_is_short = blocks[..first].iter().all(|b| b.text.chars().count() < 80);
    let level = blocks[first].heading_level()?;
    let text = &blocks[first].text;
    let lone_top = blocks
        .iter()
        .filter(|b| b.heading_level() == Some(level))
        .count()
        == 1
        || blocks
            .iter()
            .all(|b| b.heading_level().is_none_or(|l| l >= level));
    let plausible = before_is_short
        && level <= 1
        && !meta::parse_heading(text).evidence
        && meta::container(text).is_none()
        && !meta::is_section_word(text);
    if plausible && (lone_top || !has_front_title) && (first == 0 || level == 1) {
        Some(first)
    } else {
        None
    }
}

/// Give plain-text headings levels: title 1, containers and sections 2,
/// talks 3 (2 outside any container), sub-headings one below their talk.
pub fn plain_levels(blocks: &mut [Block]) {
    // The title: among the headings before any text, the one naming a year
    // or conference; other leading lines (blog breadcrumbs) are text.
    let leading: Vec<usize> = blocks
        .iter()
        .take_while(|b| b.heading_level().is_some())
        .enumerate()
        .map(|(i, _)| i)
        .filter(|&i| {
            let t = &blocks[i].text;
            meta::container(t).is_none()
                && !meta::is_section_word(t)
                && !meta::parse_heading(t).evidence
                && meta::speaker_first(t).is_none()
        })
        .collect();
    let title = leading
        .iter()
        .copied()
        .find(|&i| year_in(&blocks[i].text).is_some())
        .or_else(|| {
            leading
                .iter()
                .copied()
                .find(|&i| meta::conference_in(&blocks[i].text).is_some())
        })
        .or_else(|| leading.first().copied());
    for &i in &leading {
        if Some(i) != title {
            blocks[i].kind = BlockKind::Paragraph;
        }
    }
    let mut in_container = false;
    let mut talk_container = false;
    let mut talk_level: Option<u8> = None;
    for i in 0..blocks.len() {
        if blocks[i].kind != BlockKind::Heading(0) {
            continue;
        }
        if Some(i) == title {
            blocks[i].kind = BlockKind::Heading(1);
            continue;
        }
        let text = blocks[i].text.clone();
        let next_is_link_line = blocks.get(i + 1).is_some_and(|b| {
            b.text.to_lowercase().starts_with("link to")
                || b.text.to_lowercase().starts_with("slides")
        });
        let m = meta::parse_heading(&text);
        let level = if meta::container(&text).is_some() && !m.evidence {
            in_container = true;
            talk_container = true;
            talk_level = None;
            2
        } else if meta::is_section_word(&text) && !m.evidence {
            in_container = true;
            talk_container = false;
            talk_level = None;
            2
        } else if let Some(tl) = talk_level
            .filter(|_| !m.evidence && !next_is_link_line && meta::looks_like_subheading(&text))
        {
            tl + 1
        } else if m.evidence || talk_container {
            let l = if in_container { 3 } else { 2 };
            talk_level = Some(l);
            l
        } else {
            talk_level = None;
            if in_container {
                3
            } else {
                2
            }
        };
        blocks[i].kind = BlockKind::Heading(level);
    }
}

/// The level of a talk opened by a link line: any heading ends it.
const LINK_TALK: u8 = 7;

/// Talks written as prose with no title: a paragraph of a dozen words or
/// more (and what follows it) ending in paragraphs that are only video,
/// slides or recording links, at least twice under one heading (a recap
/// post: "Acme presented ... [Video] [Slides]", "Initech showed ...").
/// Maps the first block of each to (end of its first sentence, last block).
fn prose_talks(blocks: &[Block]) -> std::collections::HashMap<usize, (usize, usize)> {
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

fn file_stem(file: &str) -> String {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
}

/// "KubeCon" from a title, "kubecon-eu-2023" as file name: "KubeCon EU".
fn refine_region(conf: String, stem: &str) -> String {
    if conf == "KubeCon" {
        if let Some(c) = meta::conference_in(stem).filter(|c| c.starts_with("KubeCon ")) {
            return c;
        }
    }
    conf
}

fn slug(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
            chars += 1;
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
            chars += 1;
        }
        if chars >= max {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

fn finish(
    file: &str,
    format: Format,
    title: Option<String>,
    conference: Option<String>,
    year: Option<i32>,
    opens: Vec<Open>,
) -> Note {
    let file_slug = slug(
        &file
            .rsplit_once('.')
            .map_or(file, |(s, _)| s)
            .replace('/', "-"),
        40,
    );
    // A name or title without letters or digits ("-.md", "## 🦀") still
    // gives an id with two non-empty parts.
    let file_slug = if file_slug.is_empty() {
        "note".to_string()
    } else {
        file_slug
    };
    // Ids taken so far, and for each repeated slug the next suffix to try:
    // a note with thousands of talks under one title stays linear.
    let mut ids: HashSet<String> = HashSet::new();
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    let mut chunks = Vec::new();
    // The title of a chunk whose own is blank (`“ ” by Jane Doe`, a file
    // named ` .md` with no headings): never an empty title on Discord.
    let untitled = match file_stem(file).trim() {
        "" => "Untitled".to_string(),
        stem => stem.to_string(),
    };
    let mut opens = opens;
    opens.sort_by_key(|o| o.line);
    for mut o in opens {
        if o.body.is_empty() && !o.keep_empty {
            continue;
        }
        if o.title.trim().is_empty() {
            o.title.clone_from(&untitled);
        }
        let body = o.body.join("\n\n");
        if o.kind == Kind::Section && !o.container {
            if let Some((s, org)) = meta::labelled_speakers(&body) {
                o.kind = Kind::Talk;
                o.speakers = s;
                o.organizations = org;
            }
        }
        if o.kind.is_session() && o.kind != Kind::Listed && o.speakers.is_empty() && !o.placeholder
        {
            if let Some((s, org)) = meta::speakers_in_body(&body) {
                o.speakers = s;
                o.organizations = org;
            }
        }
        let title_slug = slug(&o.title, 50);
        let title_slug = if title_slug.is_empty() {
            "untitled"
        } else {
            &title_slug
        };
        let mut id = format!("{file_slug}/{title_slug}");
        if ids.contains(&id) {
            let n = next_suffix.entry(id.clone()).or_insert(2);
            let base = id;
            id = format!("{base}-{n}");
            while ids.contains(&id) {
                *n += 1;
                id = format!("{base}-{n}");
            }
            *n += 1;
        }
        ids.insert(id.clone());
        chunks.push(super::Chunk {
            meta: super::SessionMeta {
                id,
                kind: o.kind,
                title: o.title,
                speakers: o.speakers,
                organizations: o.organizations,
                conference: conference.clone(),
                year,
                section: o.section,
                file: file.to_string(),
                line: o.line,
            },
            body,
            links: dedup(o.links),
        });
    }
    Note {
        file: file.to_string(),
        format,
        title,
        conference,
        year,
        chunks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(md: &str) -> Vec<String> {
        let blocks = super::super::markdown::parse(md, 1);
        let note = segment("n.md", Format::Markdown, None, blocks, TalkLevel::Auto).0;
        note.chunks.into_iter().map(|c| c.meta.id).collect()
    }

    #[test]
    fn repeated_titles_get_numbered_ids_skipping_taken_ones() {
        let md = "## A\n\nx\n\n## A 2\n\nx\n\n## A\n\nx\n\n## A\n\nx\n\n## A 3\n\nx\n";
        assert_eq!(ids(md), ["n/a", "n/a-2", "n/a-3", "n/a-4", "n/a-3-2"]);
    }

    #[test]
    fn names_and_titles_without_letters_still_give_two_part_ids() {
        let note = segment(
            "-.md",
            Format::Markdown,
            None,
            super::super::markdown::parse("## 🦀\n\nx\n\n## 🦀\n\ny\n", 1),
            TalkLevel::Auto,
        )
        .0;
        let ids: Vec<_> = note.chunks.iter().map(|c| c.meta.id.as_str()).collect();
        assert_eq!(ids, ["note/untitled", "note/untitled-2"]);
        let blocks = super::super::markdown::parse("## “ ” by Jane Doe (Acme)\n\nx\n", 1);
        let note = segment(" .md", Format::Markdown, None, blocks, TalkLevel::Auto).0;
        assert_eq!(note.chunks[0].meta.title, "Untitled");
        assert_eq!(note.chunks[0].meta.speakers, ["Jane Doe"]);
    }

    #[test]
    fn a_forced_talk_level_and_one_talk_per_file() {
        let md =
            "# Notes\n\n## Platform day\n\n### Paved roads\n\nText.\n\n### Golden paths\n\nMore.\n";
        let parse = |forced| {
            let (note, _) = segment(
                "n.md",
                Format::Markdown,
                None,
                super::super::markdown::parse(md, 1),
                forced,
            );
            note.chunks
                .into_iter()
                .filter(|c| c.meta.kind.is_session())
                .map(|c| c.meta.title)
                .collect::<Vec<_>>()
        };
        assert!(
            parse(TalkLevel::Auto).is_empty(),
            "topics without evidence stay sections"
        );
        assert_eq!(parse(TalkLevel::Level(3)), ["Paved roads", "Golden paths"]);
        assert_eq!(parse(TalkLevel::File), ["Notes"]);
        assert!(parse(TalkLevel::None).is_empty());
        assert_eq!(TalkLevel::parse("h3"), Ok(TalkLevel::Level(3)));
        assert_eq!(TalkLevel::parse("file"), Ok(TalkLevel::File));
        assert!(TalkLevel::parse("7")
            .unwrap_err()
            .contains("confnotes_talks"));
    }

    #[test]
    fn thousands_of_talks_under_one_title_stay_distinct() {
        let md: String = (0..3000)
            .map(|i| format!("### Same Talk - Jane Doe, Acme\n\nRepeat {i}.\n\n"))
            .collect();
        let ids = ids(&md);
        assert_eq!(ids.len(), 3000);
        assert_eq!(ids[2999], "n/same-talk-3000");
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), 3000);
    }

    #[test]
    fn a_day_heading_with_a_list_of_linked_talk_pages() {
        let md = "# Con 9\n\n## Talks\n\n### Tuesday\n\n\
            * [Parsing Without Tears](https://example.org/con9/talks/parsing.md)\n\
            * [Fuzzing the Fuzzers](https://youtu.be/fz)\n\n\
            ### Wednesday\n\n\
            * [Recipes for soup](https://example.org/food/soup)\n\n\
            Some prose.\n\n\
            * [Hacking Parsers](https://example.org/con9/talks/parsers.md) session for more\n";
        let note = segment(
            "n.md",
            Format::Markdown,
            None,
            super::super::markdown::parse(md, 1),
            TalkLevel::Auto,
        )
        .0;
        let listed: Vec<(&str, Option<&str>)> = note
            .chunks
            .iter()
            .filter(|c| c.meta.kind == Kind::Listed)
            .map(|c| (c.meta.title.as_str(), c.meta.section.as_deref()))
            .collect();
        // A link to a talk page or a recording is a talk; a recipe page is
        // not, nor is an item that only mentions a talk.
        assert_eq!(
            listed,
            [
                ("Parsing Without Tears", Some("Tuesday")),
                ("Fuzzing the Fuzzers", Some("Tuesday")),
            ]
        );
    }
}
