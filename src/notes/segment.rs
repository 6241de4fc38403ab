//! Cutting a note's blocks into chunks.
//!
//! Walk the headings with a stack of what is open. A talk heading opens a
//! talk that swallows everything below it down to the next heading of the
//! same or a higher level; a day/track container gives its name as `section`
//! to the talks below it; any other heading opens a `section` chunk. List
//! items that are only a link to a talk become `listed` chunks.
//!
//! Talks a note writes in its text rather than as headings (prose, link
//! lines, lists of links) are found in `segment/text_talks.rs`.
//!
//! Plain text has no heading levels: [`plain_levels`] infers them first.

mod text_talks;

use super::blocks::{Block, BlockKind};
use super::byline::byline;
use super::frontmatter::{year_in, FrontMatter};
use super::links::dedup;
use super::meta::{self, Container, HeadingMeta};
use super::outline::{self, Role, TalkLevel};
use super::{Format, Kind, Link, Note};
use std::collections::{HashMap, HashSet};
use text_talks::prose_talks;

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
    let doc = Doc::read(file, front, &blocks);
    let outline = outline::decide(&blocks, doc.title_idx, forced);
    let mut chunks = Walk::new(&blocks, &outline, &doc).run();
    if is_one_talk(forced, &chunks, file, doc.title.as_deref(), &outline) {
        chunks = vec![one_talk_of(
            chunks,
            doc.title.as_deref(),
            &doc.stem,
            &outline,
        )];
    }
    (
        finish(file, format, doc.title, doc.conference, doc.year, chunks),
        outline,
    )
}

/// What a note says about itself as a whole: where its title heading is,
/// its title, conference and year.
struct Doc {
    title_idx: Option<usize>,
    title: Option<String>,
    stem: String,
    conference: Option<String>,
    year: Option<i32>,
}

impl Doc {
    fn read(file: &str, front: Option<&FrontMatter>, blocks: &[Block]) -> Doc {
        let title_idx = doc_title_index(blocks, front.is_some_and(|f| f.title.is_some()));
        let title = front
            .and_then(|f| f.title.clone())
            .filter(|t| !t.trim().is_empty())
            .or_else(|| title_idx.map(|i| blocks[i].text.clone()));
        let stem = file_stem(file);
        let conference = conference_of(file, front, title.as_deref(), &stem);
        let year = title
            .as_deref()
            .and_then(year_in)
            .or(front.and_then(|f| f.year))
            .or_else(|| year_in(&stem))
            .or_else(|| blocks.iter().take(20).find_map(|b| year_in(&b.text)));
        Doc {
            title_idx,
            title,
            stem,
            conference,
            year,
        }
    }
}

/// The conference: from front matter, the title, the file name, or its folder.
fn conference_of(
    file: &str,
    front: Option<&FrontMatter>,
    title: Option<&str>,
    stem: &str,
) -> Option<String> {
    front
        .and_then(|f| f.conference.clone())
        .or_else(|| title.and_then(meta::conference_in))
        .map(|c| refine_region(c, stem))
        .or_else(|| meta::conference_in(stem))
        // A folder per conference: `kubecon-eu-2024/keynote.md`.
        .or_else(|| {
            file.rsplit_once('/')
                .and_then(|(dir, _)| meta::conference_in(dir))
        })
}

/// Whether the whole file is one talk: set so, or, left to the parser, no
/// talk was found and the file looks like one.
fn is_one_talk(
    forced: TalkLevel,
    chunks: &[Open],
    file: &str,
    title: Option<&str>,
    outline: &outline::Outline,
) -> bool {
    match forced {
        TalkLevel::File => true,
        TalkLevel::Auto => {
            !chunks.iter().any(|c| c.kind.is_session()) && looks_like_one_talk(file, title, outline)
        }
        _ => false,
    }
}

/// The walk over a note's blocks in order: the headings open above the
/// current block, the chunk its text goes into, and the chunks done.
struct Walk<'a> {
    blocks: &'a [Block],
    outline: &'a outline::Outline,
    title_idx: Option<usize>,
    /// The title of text under no heading.
    stem: &'a str,
    prose_talks: HashMap<usize, (usize, usize)>,
    chunks: Vec<Open>,
    stack: Vec<Frame>,
    current: Option<Open>,
    /// A paragraph ending in `:` just above: the label of the list under it.
    list_label: Option<String>,
    /// `- # Day 1` beside the talks: the day of the talks that follow it.
    flat_day: Option<String>,
    /// The last block a prose talk took, so the walk does not take it again.
    skip_to: usize,
}

impl<'a> Walk<'a> {
    fn new(blocks: &'a [Block], outline: &'a outline::Outline, doc: &'a Doc) -> Walk<'a> {
        let current = Some(Open::section(
            doc.title.clone().unwrap_or_else(|| doc.stem.clone()),
            None,
            0,
            blocks.first().map_or(1, |b| b.line),
        ));
        Walk {
            blocks,
            outline,
            title_idx: doc.title_idx,
            stem: &doc.stem,
            prose_talks: prose_talks(blocks),
            chunks: Vec::new(),
            stack: Vec::new(),
            current,
            list_label: None,
            flat_day: None,
            skip_to: 0,
        }
    }

    /// Every block but the title, each by its kind; then the chunks, the
    /// one still open last.
    fn run(mut self) -> Vec<Open> {
        let blocks = self.blocks;
        for (i, block) in blocks.iter().enumerate() {
            if Some(i) == self.title_idx {
                continue;
            }
            match block.kind {
                BlockKind::Heading(l) => self.heading(i, block, l.max(1)),
                BlockKind::Row => self.row(block),
                _ => self.text(i, block),
            }
        }
        self.chunks.extend(self.current);
        self.chunks
    }

    fn close_current(&mut self) {
        if let Some(done) = self.current.take() {
            self.chunks.push(done);
        }
    }

    /// A row of a table of talks: a listed talk.
    fn row(&mut self, block: &Block) {
        let (head, _) = block.text.split_once(" | ").unwrap_or((&block.text, ""));
        let meta = meta::parse_heading(head);
        let section = section_of(&self.stack);
        self.chunks.push(Open::listed(meta, section, block));
    }

    /// A heading: a sub-heading stays in its talk; any other closes the
    /// chunk that is open and opens what its role says.
    fn heading(&mut self, i: usize, block: &Block, level: u8) {
        self.list_label = None;
        let node = self.outline.role_of(i);
        let role = node.map_or(Role::Section, |n| n.role);
        if self.subheading_in_talk(block, level, role) {
            return;
        }
        self.close_current();
        while self.stack.last().is_some_and(|f| f.level >= level) {
            self.stack.pop();
        }
        let meta = node.map_or_else(|| meta::parse_heading(&block.text), |n| n.meta.clone());
        self.track_flat_day(block, level, role);
        let talk_level = self.outline.talk_level;
        let section = section_of(&self.stack).or_else(|| {
            self.flat_day
                .clone()
                .filter(|_| role == Role::Talk && talk_level == Some(level))
        });
        let open = match role {
            Role::Container => self.open_container(block, level, section),
            Role::Talk => self.open_talk(block, level, section, meta, node),
            Role::Title | Role::Subheading | Role::Section => {
                self.stack.push(Frame {
                    level,
                    label: block.text.clone(),
                    container: None,
                });
                Open::section(block.text.clone(), section, level, block.line)
            }
        };
        self.current = Some(open);
    }

    /// A sub-heading stays inside its talk: true when it went into it.
    fn subheading_in_talk(&mut self, block: &Block, level: u8, role: Role) -> bool {
        let Some(open) = self.current.as_mut() else {
            return false;
        };
        if open.kind.is_session()
            && !open.container
            && level > open.level
            && role == Role::Subheading
        {
            open.body.push(block.text.clone());
            open.links.extend(block.links.iter().cloned());
            return true;
        }
        false
    }

    /// `- # Day 1` beside the talks, not above them: a day marker for the
    /// talks that follow at its level, until a heading above that level.
    fn track_flat_day(&mut self, block: &Block, level: u8, role: Role) {
        if self.outline.talk_level == Some(level) {
            if role != Role::Talk && meta::container(&block.text).is_some_and(|c| c.is_day) {
                self.flat_day = Some(block.text.clone());
            }
        } else if self.outline.talk_level.is_some_and(|t| level < t) {
            self.flat_day = None;
        }
    }

    /// A day or track heading: the section of the talks below it, and a
    /// chunk for its own text (keynote remarks or an intro to the day).
    fn open_container(&mut self, block: &Block, level: u8, section: Option<String>) -> Open {
        let c = meta::container(&block.text).unwrap_or(Container {
            is_day: false,
            kind: None,
        });
        let kind = if c.kind == Some(Kind::Keynote) {
            Kind::Keynote
        } else {
            Kind::Section
        };
        let own_section = section.or_else(|| c.is_day.then(|| block.text.clone()));
        self.stack.push(Frame {
            level,
            label: block.text.clone(),
            container: Some(c),
        });
        let mut o = Open::section(block.text.clone(), own_section, level, block.line);
        o.kind = kind;
        o.container = true;
        o
    }

    /// A talk heading: its kind from the heading, else from the containers
    /// above; its speakers from the heading, else from its byline.
    fn open_talk(
        &self,
        block: &Block,
        level: u8,
        section: Option<String>,
        meta: HeadingMeta,
        node: Option<&outline::Node>,
    ) -> Open {
        let container = meta::container(&block.text);
        let ctx_kind = self
            .stack
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

    /// A talk only named, with the block that names it as its text.
    fn listed(meta: HeadingMeta, section: Option<String>, block: &Block) -> Open {
        let mut chunk = Open::talk(meta, Kind::Listed, section, u8::MAX, block.line);
        chunk.body.push(block.text.clone());
        chunk.links.extend(block.links.iter().cloned());
        chunk
    }

    /// Speakers the body names when the heading named none. A section whose
    /// body labels its speakers (`Speaker: Jane Doe`) is a talk; a template's
    /// placeholder byline means the body's names are not the speakers.
    fn speakers_from_body(&mut self, body: &str) {
        if self.kind == Kind::Section && !self.container {
            if let Some((s, org)) = meta::labelled_speakers(body) {
                self.kind = Kind::Talk;
                self.speakers = s;
                self.organizations = org;
            }
        }
        if self.kind.is_session()
            && self.kind != Kind::Listed
            && self.speakers.is_empty()
            && !self.placeholder
        {
            if let Some((s, org)) = meta::speakers_in_body(body) {
                self.speakers = s;
                self.organizations = org;
            }
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
    let leading = leading_headings(blocks);
    let title = plain_title(blocks, &leading);
    for &i in &leading {
        if Some(i) != title {
            blocks[i].kind = BlockKind::Paragraph;
        }
    }
    let mut levels = PlainLevels::default();
    for i in 0..blocks.len() {
        if blocks[i].kind != BlockKind::Heading(0) {
            continue;
        }
        let level = if Some(i) == title {
            1
        } else {
            levels.of(&blocks[i].text, next_is_link_line(blocks, i))
        };
        blocks[i].kind = BlockKind::Heading(level);
    }
}

/// The headings before any text that could title the document: not a
/// container, a section word, a talk or a speaker-first heading.
fn leading_headings(blocks: &[Block]) -> Vec<usize> {
    blocks
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
        .collect()
}

/// The title: among the `leading` headings, the first naming a year, else
/// a conference, else the first; the other leading lines (blog
/// breadcrumbs) are text.
fn plain_title(blocks: &[Block], leading: &[usize]) -> Option<usize> {
    let naming =
        |holds: fn(&str) -> bool| leading.iter().copied().find(|&i| holds(&blocks[i].text));
    naming(|t| year_in(t).is_some())
        .or_else(|| naming(|t| meta::conference_in(t).is_some()))
        .or_else(|| leading.first().copied())
}

/// The block after heading `i` links to the talk ("Link to the video",
/// "Slides: ..."): the heading is a talk, not a sub-heading.
fn next_is_link_line(blocks: &[Block], i: usize) -> bool {
    blocks.get(i + 1).is_some_and(|b| {
        b.text.to_lowercase().starts_with("link to") || b.text.to_lowercase().starts_with("slides")
    })
}

/// What the plain-text headings so far say about the next one's level.
#[derive(Default)]
struct PlainLevels {
    /// Under a container or a section heading: talks are one level down.
    in_container: bool,
    /// Under a day or track: every heading is a talk.
    talk_container: bool,
    /// The level of the talk being read, whose sub-headings go one below.
    talk_level: Option<u8>,
}

impl PlainLevels {
    /// The level of the heading `text`.
    fn of(&mut self, text: &str, next_is_link_line: bool) -> u8 {
        let m = meta::parse_heading(text);
        if meta::container(text).is_some() && !m.evidence {
            return self.enter_container(true);
        }
        if meta::is_section_word(text) && !m.evidence {
            return self.enter_container(false);
        }
        if let Some(tl) = self
            .talk_level
            .filter(|_| !m.evidence && !next_is_link_line && meta::looks_like_subheading(text))
        {
            return tl + 1;
        }
        let level = if self.in_container { 3 } else { 2 };
        self.talk_level = (m.evidence || self.talk_container).then_some(level);
        level
    }

    /// A container (`holds_talks`: a day or track) or a section: level 2.
    fn enter_container(&mut self, holds_talks: bool) -> u8 {
        self.in_container = true;
        self.talk_container = holds_talks;
        self.talk_level = None;
        2
    }
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
    let file_slug = file_slug(file);
    let mut ids = Ids::default();
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
        o.speakers_from_body(&body);
        let id = ids.unique(format!("{file_slug}/{}", title_slug(&o.title)));
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
                slot: None,
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

/// The first part of every id of a file: its path without the extension.
fn file_slug(file: &str) -> String {
    let file_slug = slug(
        &file
            .rsplit_once('.')
            .map_or(file, |(s, _)| s)
            .replace('/', "-"),
        40,
    );
    // A name or title without letters or digits ("-.md", "## 🦀") still
    // gives an id with two non-empty parts.
    if file_slug.is_empty() {
        "note".to_string()
    } else {
        file_slug
    }
}

fn title_slug(title: &str) -> String {
    let title_slug = slug(title, 50);
    if title_slug.is_empty() {
        "untitled".to_string()
    } else {
        title_slug
    }
}

/// Ids taken so far, and for each repeated id the next suffix to try: a
/// note with thousands of talks under one title stays linear.
#[derive(Default)]
struct Ids {
    taken: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl Ids {
    /// `id`, or when it is taken `id-2`, `id-3`, ...: the first one free.
    fn unique(&mut self, mut id: String) -> String {
        if self.taken.contains(&id) {
            let n = self.next_suffix.entry(id.clone()).or_insert(2);
            let base = id;
            id = format!("{base}-{n}");
            while self.taken.contains(&id) {
                *n += 1;
                id = format!("{base}-{n}");
            }
            *n += 1;
        }
        self.taken.insert(id.clone());
        id
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
