//! The first pass over a note: its outline, and which headings are talks.
//!
//! Whether a heading is a talk is not decided from its own text alone. Each
//! heading carries evidence (a speaker in the heading, a byline or a video or
//! slides link under it, a talk prefix, a day or track container above it;
//! or a generic name: intro, lunch, takeaways, a date). Then, from the whole
//! document, one heading level is chosen as the level that holds the talks:
//! the level with the most evidence. Among the headings at that level under
//! one parent, a run in which at least half carry evidence makes every
//! heading in the run a talk, evidence or not; headings before the first and
//! after the last evidenced sibling, and generic ones, stay sections. Above
//! the talk level are containers (a day, a track, a theme) or sections;
//! below a talk are its sub-headings.

use super::blocks::{Block, BlockKind};
use super::byline::{byline, Byline, Strength};
use super::links::is_media_link;
use super::meta::{self, HeadingMeta};
use std::collections::HashMap;

/// What a heading became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The heading that titles the document.
    Title,
    /// A day, track or theme that holds talks.
    Container,
    Talk,
    /// A heading inside a talk.
    Subheading,
    /// A non-talk part.
    Section,
}

/// How the talk level was chosen, or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TalkLevel {
    /// Decided from the document's evidence.
    Auto,
    /// Headings of this level are the talks.
    Level(u8),
    /// The whole file is one talk.
    File,
    /// No heading is a talk.
    None,
}

impl TalkLevel {
    /// `auto`, `file`, `none`, or the heading level of the talks: `2`, `h2`,
    /// `level 2`.
    pub fn parse(s: &str) -> Result<TalkLevel, String> {
        let t = s.trim().to_ascii_lowercase();
        let digits = t.trim_start_matches("level").trim_start_matches('h').trim();
        match t.as_str() {
            "auto" => Ok(TalkLevel::Auto),
            "file" | "one" | "one talk" => Ok(TalkLevel::File),
            "none" | "no" => Ok(TalkLevel::None),
            _ => match digits.parse::<u8>() {
                Ok(n @ 1..=6) => Ok(TalkLevel::Level(n)),
                _ => Err(format!(
                    "confnotes_talks: {s:?} is not one of auto, file, none or a heading level 1 to 6"
                )),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    /// Index of the heading in the block list.
    pub block: usize,
    pub line: usize,
    pub text: String,
    pub level: u8,
    pub role: Role,
    pub meta: HeadingMeta,
    /// Speakers from the line under the heading, when trusted.
    pub byline: Option<Byline>,
    /// The evidence seen, in words, for `confnotes inspect`.
    pub evidence: Vec<&'static str>,
    parent: Option<usize>,
    strong: bool,
    media: bool,
    generic: bool,
}

#[derive(Debug, Clone)]
pub struct Outline {
    pub nodes: Vec<Node>,
    /// The heading level that holds the talks, when there is one.
    pub talk_level: Option<u8>,
    /// Why, in a sentence.
    pub decision: String,
}

impl Outline {
    pub fn role_of(&self, block: usize) -> Option<&Node> {
        self.nodes
            .binary_search_by_key(&block, |n| n.block)
            .ok()
            .map(|i| &self.nodes[i])
    }
}

pub fn decide(blocks: &[Block], title: Option<usize>, forced: TalkLevel) -> Outline {
    let heads: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].heading_level().is_some())
        .collect();
    let mut nodes: Vec<Node> = Vec::with_capacity(heads.len());
    for (k, &b) in heads.iter().enumerate() {
        let level = blocks[b].heading_level().unwrap_or(1).max(1);
        let end = heads.get(k + 1).copied().unwrap_or(blocks.len());
        let parent = (0..nodes.len())
            .rev()
            .find(|&p| nodes[p].level < level && Some(nodes[p].block) != title);
        nodes.push(evidence(blocks, b, end, level, parent));
    }
    if let Some(t) = title {
        if let Ok(i) = nodes.binary_search_by_key(&t, |n| n.block) {
            nodes[i].role = Role::Title;
        }
    }
    speaker_first_levels(&mut nodes, blocks);
    trust_bylines(&mut nodes);
    let holds_talks: Vec<bool> = nodes
        .iter()
        .map(|n| !n.meta.evidence && meta::container(&blocks[n.block].text).is_some())
        .collect();
    for n in nodes.iter_mut() {
        let under_container = n.parent.is_some_and(|p| holds_talks[p]) && !n.generic;
        if under_container {
            n.evidence.push("under a day or track heading");
        }
        n.strong = n.meta.evidence || n.byline.is_some() || under_container;
        if n.strong {
            n.generic = false;
        }
    }
    let (talk_level, decision) = match forced {
        TalkLevel::Level(l) => (Some(l), format!("talks are level-{l} headings (set)")),
        TalkLevel::None => (None, "no heading is a talk (set)".to_string()),
        TalkLevel::File => (None, "the file is one talk (set)".to_string()),
        TalkLevel::Auto => lone_top_talk(&nodes).unwrap_or_else(|| choose_level(&nodes)),
    };
    assign(&mut nodes, talk_level, forced);
    // `Day 3 keynotes` with no talk headings under it: its text is about
    // the keynotes, so it is one.
    for n in nodes.iter_mut() {
        if n.role == Role::Section
            && forced == TalkLevel::Auto
            && meta::container(&blocks[n.block].text).is_some_and(|c| c.kind.is_some())
        {
            n.role = Role::Talk;
            n.evidence.push("a kind of talk in a container name");
        }
    }
    Outline {
        nodes,
        talk_level,
        decision,
    }
}

/// Heading `b` as a node, with the evidence that it is a talk: what its
/// text says, the links and the byline in its body (blocks up to `end`).
fn evidence(blocks: &[Block], b: usize, end: usize, level: u8, parent: Option<usize>) -> Node {
    let text = &blocks[b].text;
    let meta = meta::parse_heading(text);
    let mut ev = Vec::new();
    if !meta.speakers.is_empty() {
        ev.push("speakers in the heading");
    } else if meta.evidence {
        ev.push("talk prefix");
    }
    let body = &blocks[b + 1..end];
    let media = media_of(&blocks[b], body);
    match media {
        Media::OneTalk => ev.push("video or slides link"),
        Media::ManyTalks => ev.push("links to many talks"),
        Media::None => {}
    }
    let generic = !meta.evidence && meta::is_generic(text);
    if generic {
        ev.push("generic name");
    }
    // The first item under `Reading list` names a book's author, not a speaker.
    let line = byline_under(body).filter(|_| !generic);
    Node {
        block: b,
        line: blocks[b].line,
        text: text.clone(),
        level,
        role: Role::Section,
        meta,
        byline: line,
        evidence: ev,
        parent,
        strong: false,
        media: media == Media::OneTalk,
        generic,
    }
}

/// What the video or slides links under a heading say.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    /// None near the heading, or a person's section over the talks they liked.
    None,
    /// One talk's: the heading is a talk.
    OneTalk,
    /// More than three: a topic or a collection, not one talk.
    ManyTalks,
}

/// A media link in the heading or the first three blocks under it, and
/// how many different ones the whole `body` holds.
fn media_of(heading: &Block, body: &[Block]) -> Media {
    let near = heading
        .links
        .iter()
        .chain(body.iter().take(3).flat_map(|x| x.links.iter()))
        .any(|l| is_media_link(&l.url, &l.label));
    if !near {
        return Media::None;
    }
    // A heading over many talks' videos is a topic or a collection, not one talk.
    let mut all_media: Vec<&str> = body
        .iter()
        .flat_map(|x| x.links.iter())
        .filter(|l| is_media_link(&l.url, &l.label))
        .map(|l| l.url.as_str())
        .collect();
    all_media.sort_unstable();
    all_media.dedup();
    if all_media.len() > 3 {
        return Media::ManyTalks;
    }
    // `## Katie Schick` over the talks she liked: a person's section.
    let persons_section = all_media.len() >= 2
        && byline(&heading.text).is_some_and(|b| b.strength == Strength::NamesOnly);
    if persons_section {
        Media::None
    } else {
        Media::OneTalk
    }
}

/// The byline: the first line under the heading, or the second when the
/// first is only a link (`[video](...)`) or a bold full title.
fn byline_under(body: &[Block]) -> Option<Byline> {
    for blk in body.iter().take(2) {
        if let Some(found) = byline(&blk.text).or_else(|| bold_title_byline(blk)) {
            return Some(found);
        }
        if !only_a_link(blk) {
            break;
        }
    }
    None
}

/// A short line under the heading that reads as a talk's full title with
/// its speakers, as a heading would (`**Safe parsers – Jane Doe (Acme)**`).
fn bold_title_byline(blk: &Block) -> Option<Byline> {
    let t = blk.text.as_str();
    let may_name = blk.kind == BlockKind::Paragraph
        && t.len() < 200
        && [" - ", " – ", " — ", " by ", "(", " | "]
            .iter()
            .any(|s| t.contains(s));
    if !may_name {
        return None;
    }
    let bold = meta::parse_heading(t);
    if bold.speakers.is_empty() || t.chars().count() >= 200 {
        return None;
    }
    Some(Byline {
        speakers: bold.speakers,
        organizations: bold.organizations,
        strength: Strength::Labelled,
    })
}

/// A block with links that says little besides (a bare URL, a few words
/// of link text): the byline may be the line after it.
fn only_a_link(blk: &Block) -> bool {
    let long_word = !blk.text.split_whitespace().all(|w| w.len() < 40);
    !blk.links.is_empty() && (long_word || blk.text.split_whitespace().count() <= 6)
}

/// `## Jane Doe – Title` throughout: where most headings of a level that
/// split at a dash name a person on the left, read them speaker first.
fn speaker_first_levels(nodes: &mut [Node], blocks: &[Block]) {
    // (speaker first, speaker last, headings split by a dash)
    let mut votes: HashMap<u8, (usize, usize, usize)> = HashMap::new();
    let firsts: Vec<Option<HeadingMeta>> = nodes
        .iter()
        .map(|n| {
            let t = &blocks[n.block].text;
            [" - ", " – ", " — ", " | ", " -- "]
                .iter()
                .any(|d| t.contains(d))
                .then(|| meta::speaker_first(t))
                .flatten()
        })
        .collect();
    for (n, first) in nodes.iter().zip(&firsts) {
        let v = votes.entry(n.level).or_default();
        let text = &blocks[n.block].text;
        if [" - ", " – ", " — ", " | "]
            .iter()
            .any(|d| text.contains(d))
        {
            v.2 += 1;
        }
        if first.is_some() {
            v.0 += 1;
        }
        if !n.meta.speakers.is_empty() {
            v.1 += 1;
        }
    }
    for (n, first) in nodes.iter_mut().zip(firsts) {
        let (left, right, dashed) = votes[&n.level];
        if left >= 3 && left > right && left * 5 >= dashed * 3 {
            if let Some(m) = first {
                n.meta = m;
                n.evidence.retain(|e| *e != "generic name");
                n.evidence.insert(0, "speaker-first heading");
                n.generic = false;
            }
        }
    }
}

/// Keep bylines that are certain, or that sibling headings share; drop a
/// byline repeated on many talks (a template's placeholder names).
fn trust_bylines(nodes: &mut [Node]) {
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    for n in nodes.iter() {
        if let Some(b) = &n.byline {
            *seen.entry(b.speakers.clone()).or_default() += 1;
        }
    }
    // (with a byline, all) per heading level, generic headings left out:
    // headings of one level across the document look alike.
    let mut names_only: HashMap<u8, (usize, usize)> = HashMap::new();
    for n in nodes.iter().filter(|n| !n.generic) {
        let g = names_only.entry(n.level).or_default();
        g.0 += usize::from(n.byline.is_some());
        g.1 += 1;
    }
    for n in nodes.iter_mut() {
        let Some(b) = &n.byline else { continue };
        if seen[&b.speakers] >= 4 {
            // Still a sign of a talk: the line is there, its names are not real.
            n.byline = None;
            n.evidence.push("placeholder byline");
            n.meta.evidence = true;
            continue;
        }
        let (with, all) = names_only.get(&n.level).copied().unwrap_or((0, 1));
        let trusted = b.strength == Strength::Labelled || (with >= 2 && with * 3 >= all) || n.media;
        if trusted {
            n.evidence.push("byline under the heading");
        } else {
            n.byline = None;
        }
    }
}

/// `# Keynote: ... with Jane Doe` above everything else: the file is that talk.
fn lone_top_talk(nodes: &[Node]) -> Option<(Option<u8>, String)> {
    let first = nodes.first()?;
    let lone = nodes[1..].iter().all(|n| n.level > first.level);
    (lone && first.strong && first.role != Role::Title).then(|| {
        (
            Some(first.level),
            "the first heading is a talk and every other heading is inside it".to_string(),
        )
    })
}

/// The level with the most evidence: speakers and bylines weigh three,
/// a video or slides link one; ties go to the higher level.
fn choose_level(nodes: &[Node]) -> (Option<u8>, String) {
    let mut score: HashMap<u8, (usize, usize, usize)> = HashMap::new();
    for n in nodes.iter().filter(|n| n.role != Role::Title && !n.generic) {
        let s = score.entry(n.level).or_default();
        s.0 += 3 * usize::from(n.strong) + usize::from(n.media && !n.strong);
        s.1 += usize::from(n.strong);
        s.2 += 1;
    }
    let best = score
        .iter()
        .filter(|(_, s)| s.0 >= 2)
        .max_by_key(|(l, s)| (s.0, std::cmp::Reverse(**l)));
    match best {
        Some((&l, &(_, strong, all))) => (
            Some(l),
            format!("talks are level-{l} headings ({strong} of {all} carry speakers or a byline)"),
        ),
        None => (
            None,
            "no heading level carries talk evidence: headings are sections".to_string(),
        ),
    }
}

fn assign(nodes: &mut [Node], talk_level: Option<u8>, forced: TalkLevel) {
    let forced_level = matches!(forced, TalkLevel::Level(_));
    if let Some(t) = talk_level {
        talks_at_level(nodes, t, forced_level);
    }
    below_talk_level(nodes, talk_level, forced, forced_level);
    talks_over_talks_are_containers(nodes);
    above_talk_level(nodes, talk_level, forced);
}

/// At the talk level, the headings under one parent at a time.
fn talks_at_level(nodes: &mut [Node], t: u8, forced_level: bool) {
    // Group the talk-level headings by parent.
    let mut groups: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.level == t && n.role != Role::Title {
            groups.entry(n.parent).or_default().push(i);
        }
    }
    for (parent, members) in groups {
        let parent_generic = parent.is_some_and(|p| nodes[p].generic);
        talk_siblings(nodes, &members, parent_generic, forced_level);
    }
}

/// Siblings at the talk level: a talk on strong evidence, or inside a run
/// (from the first sibling with evidence to the last) in which at least
/// half carry some; generic ones never.
fn talk_siblings(nodes: &mut [Node], members: &[usize], parent_generic: bool, forced_level: bool) {
    let cand: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| !nodes[i].generic)
        .collect();
    let with_ev: Vec<usize> = cand
        .iter()
        .copied()
        .filter(|&i| nodes[i].strong || nodes[i].media)
        .collect();
    let run = with_ev.len() * 2 >= cand.len() && !parent_generic;
    let (first, last) = (
        with_ev.first().copied().unwrap_or(usize::MAX),
        with_ev.last().copied().unwrap_or(0),
    );
    for &i in &cand {
        let in_run = run && i >= first && i <= last;
        if forced_level || nodes[i].strong || in_run {
            nodes[i].role = Role::Talk;
            if in_run && !nodes[i].strong && !nodes[i].media {
                nodes[i].evidence.push("among talk siblings");
            }
        }
    }
}

/// Below the talk level, in document order: inside a talk, a sub-heading;
/// elsewhere a talk only on strong evidence.
fn below_talk_level(
    nodes: &mut [Node],
    talk_level: Option<u8>,
    forced: TalkLevel,
    forced_level: bool,
) {
    for i in 0..nodes.len() {
        if nodes[i].role == Role::Title || talk_level.is_some_and(|t| nodes[i].level <= t) {
            continue;
        }
        let inside_talk = ancestors(nodes, i).any(|a| nodes[a].role == Role::Talk);
        nodes[i].role = if inside_talk {
            Role::Subheading
        } else if nodes[i].strong && forced != TalkLevel::None && !forced_level {
            Role::Talk
        } else {
            Role::Section
        };
    }
}

/// A talk-level heading with talks below it is their container, and its
/// sub-headings with strong evidence are talks.
fn talks_over_talks_are_containers(nodes: &mut [Node]) {
    for i in 0..nodes.len() {
        if nodes[i].role != Role::Talk {
            continue;
        }
        let talks_below = (i + 1..nodes.len())
            .take_while(|&j| nodes[j].level > nodes[i].level)
            .filter(|&j| nodes[j].strong && !nodes[j].meta.speakers.is_empty())
            .count();
        let lone = nodes
            .iter()
            .filter(|n| n.level <= nodes[i].level && n.role != Role::Title)
            .count()
            == 1;
        if talks_below >= 2 && nodes[i].meta.speakers.is_empty() && !lone {
            nodes[i].role = Role::Container;
            let level = nodes[i].level;
            for n in nodes[i + 1..].iter_mut() {
                if n.level <= level {
                    break;
                }
                if n.role == Role::Subheading && n.strong {
                    n.role = Role::Talk;
                }
            }
        }
    }
}

/// Above the talk level: containers of talks, or sections (a talk on strong
/// evidence when the level was not set). With no talk level, a section
/// that holds talks is their container.
fn above_talk_level(nodes: &mut [Node], talk_level: Option<u8>, forced: TalkLevel) {
    for i in 0..nodes.len() {
        if nodes[i].role == Role::Title || talk_level.is_none_or(|t| nodes[i].level >= t) {
            if talk_level.is_none() && nodes[i].role == Role::Section && holds_talk(nodes, i) {
                nodes[i].role = Role::Container;
            }
            continue;
        }
        nodes[i].role = if holds_talk(nodes, i) {
            Role::Container
        } else if nodes[i].strong && forced == TalkLevel::Auto && !nodes[i].generic {
            Role::Talk
        } else {
            Role::Section
        };
    }
}

/// Is a talk among the headings below heading `i`?
fn holds_talk(nodes: &[Node], i: usize) -> bool {
    (i + 1..nodes.len())
        .take_while(|&j| nodes[j].level > nodes[i].level)
        .any(|j| nodes[j].role == Role::Talk)
}

fn ancestors(nodes: &[Node], i: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::successors(nodes[i].parent, move |&p| nodes[p].parent)
}
