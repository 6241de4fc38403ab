//! Reading note files into chunks.
//!
//! A note is one file under the notes directory. Its format is decided from
//! its content ([`detect`]), never from its extension; each format's parser
//! turns the text into a flat list of [`blocks::Block`]s, and [`segment`] cuts
//! those blocks into [`Chunk`]s: one per talk, one per non-talk section, and
//! one per talk that is only named in a list with its link.
//!
//! Reading never fails as a whole: whatever cannot be read becomes a
//! [`Diagnostic`] naming the file, and the rest is returned.

pub mod blocks;
pub mod byline;
pub mod detect;
pub mod frontmatter;
pub mod linkline;
pub mod links;
pub mod markdown;
pub mod meta;
pub mod outline;
pub mod outliners;
pub mod plain;
pub mod rst;
pub mod rules;
pub mod segment;
pub mod walk;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use rules::{TalkRule, TalkRules};
pub use walk::{
    list_notes, read_bytes, read_bytes_with, read_note, read_note_with, NoteFile, ReadNote,
};

/// What a chunk of a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Talk,
    Keynote,
    Workshop,
    Lightning,
    Panel,
    /// A non-talk part: intro, topic write-up, takeaways, logistics.
    Section,
    /// A talk only named in a list, with its link.
    Listed,
    /// An event of a conference's official schedule: not the team's notes.
    Scheduled,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Talk,
        Kind::Keynote,
        Kind::Workshop,
        Kind::Lightning,
        Kind::Panel,
        Kind::Section,
        Kind::Listed,
        Kind::Scheduled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Talk => "talk",
            Kind::Keynote => "keynote",
            Kind::Workshop => "workshop",
            Kind::Lightning => "lightning",
            Kind::Panel => "panel",
            Kind::Section => "section",
            Kind::Listed => "listed",
            Kind::Scheduled => "scheduled",
        }
    }

    /// True for every kind that stands for one talk the team has notes on
    /// (everything but `section` and `scheduled`).
    pub fn is_session(self) -> bool {
        !matches!(self, Kind::Section | Kind::Scheduled)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || (s == "lightning-talk" && *k == Kind::Lightning))
            .ok_or_else(|| {
                let all: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind {s:?}; expected one of {}", all.join(", "))
            })
    }
}

/// A URL found in a note, with the text it was written under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub url: String,
    pub label: String,
}

/// The format a note was detected to be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Markdown,
    Plain,
    Rst,
    Org,
    Asciidoc,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Markdown => "markdown",
            Format::Plain => "plain",
            Format::Rst => "rst",
            Format::Org => "org",
            Format::Asciidoc => "asciidoc",
        })
    }
}

/// What a session is, wherever it travels: the chunk in the index, a hit in
/// an answer, a session in a digest and every JSON shape of those. One
/// struct, so a field added here reaches them all; the shapes that users
/// read flatten it, so its fields sit beside theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// Stable id: file stem and title slug; unchanged when other notes change.
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub speakers: Vec<String>,
    pub organizations: Vec<String>,
    pub conference: Option<String>,
    pub year: Option<i32>,
    /// The day or track the talk was under ("5 May", "Day 1 Keynotes").
    pub section: Option<String>,
    /// Path relative to the notes directory, with `/` separators.
    pub file: String,
    /// 1-based line of the chunk's heading (or first line) in the file; for
    /// a schedule's event, its place in the schedule's time order.
    pub line: usize,
    /// When and where the conference's schedule puts it: on its events, and
    /// on the team's sessions matched to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<Slot>,
}

/// When and where a session is on a conference's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// RFC 3339, with the conference's offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<String>,
    /// "Tue 18 Apr 14:30–15:05 · Hall A · Security track · recording".
    pub line: String,
}

impl SessionMeta {
    /// Where the session is in the notes, for ordering: file, then line.
    pub fn place(&self) -> (&str, usize) {
        (&self.file, self.line)
    }

    /// `file:line`, as footers and source links name the place.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One searchable unit of a note: a talk, a section, or a listed talk.
///
/// Its stored form (in the index) keeps `meta` as a nested object rather
/// than flattened: serde buffers a flattened struct while deserializing, and
/// chunks are read back for every hit and every digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    pub meta: SessionMeta,
    pub body: String,
    pub links: Vec<Link>,
}

/// A parsed note: its chunks and what was learned about the whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub file: String,
    pub format: Format,
    pub title: Option<String>,
    pub conference: Option<String>,
    pub year: Option<i32>,
    pub chunks: Vec<Chunk>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file was read, perhaps partly.
    Warning,
    /// The file was skipped.
    Error,
}

/// Something worth telling the user about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "skipped",
        };
        write!(f, "{level}: {}: {}", self.file, self.message)
    }
}

/// Parse one note's text. `file` is the path relative to the notes directory.
/// Also returns why the front matter was ignored, when it was broken.
pub fn parse_note(file: &str, text: &str) -> (Note, Option<String>) {
    let (note, _, error) = parse_with_outline(file, text, outline::TalkLevel::Auto);
    (note, error)
}

/// [`parse_note`], with the outline the talks were decided from. `rule` is
/// the config's rule for this file; the file's `confnotes_talks` wins.
pub fn parse_with_outline(
    file: &str,
    text: &str,
    rule: outline::TalkLevel,
) -> (Note, outline::Outline, Option<String>) {
    // Old Mac line endings (a lone CR, as some wiki exports write) are line
    // endings too; the byte offsets, and so the line numbers, stay the same.
    let text: std::borrow::Cow<str> = if text.contains('\r') {
        let b = text.as_bytes();
        let lone = (0..b.len()).any(|i| b[i] == b'\r' && b.get(i + 1) != Some(&b'\n'));
        if lone {
            text.replace("\r\n", "\n\u{0}")
                .replace('\r', "\n")
                .replace("\n\u{0}", "\r\n")
                .into()
        } else {
            text.into()
        }
    } else {
        text.into()
    };
    let text = text.as_ref();
    let split = frontmatter::split(text);
    let format = detect::detect(split.body);
    let blocks = match format {
        Format::Markdown => markdown::parse(split.body, split.body_line),
        Format::Plain => plain::parse(split.body, split.body_line),
        Format::Rst => rst::parse(split.body, split.body_line),
        Format::Org => outliners::parse_org(split.body, split.body_line),
        Format::Asciidoc => outliners::parse_asciidoc(split.body, split.body_line),
    };
    let (front, error) = match split.front {
        Some(Ok(f)) => (Some(f), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let forced = front.as_ref().and_then(|f| f.talk_level).unwrap_or(rule);
    let (note, outline) = segment::segment(file, format, front.as_ref(), blocks, forced);
    (note, outline, error)
}

/// What the parser decided for one note, for `confnotes inspect`.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub file: String,
    pub format: Format,
    pub title: Option<String>,
    pub conference: Option<String>,
    pub year: Option<i32>,
    /// Which heading level holds the talks, and why.
    pub decision: String,
    pub outline: Vec<InspectedHeading>,
    pub chunks: Vec<InspectedChunk>,
    pub diagnostics: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InspectedHeading {
    pub line: usize,
    pub level: u8,
    pub text: String,
    pub role: outline::Role,
    pub evidence: Vec<&'static str>,
    pub speakers: Vec<String>,
}

/// A chunk as `inspect` shows it: its metadata and how many links it has.
#[derive(Debug, Clone, Serialize)]
pub struct InspectedChunk {
    #[serde(flatten)]
    pub meta: SessionMeta,
    pub links: usize,
}

pub fn inspect(file: &str, text: &str, rule: outline::TalkLevel) -> Inspection {
    let (note, outline, error) = parse_with_outline(file, text, rule);
    let outline_rows = outline
        .nodes
        .iter()
        .map(|n| InspectedHeading {
            line: n.line,
            level: n.level,
            text: n.text.clone(),
            role: n.role,
            evidence: n.evidence.clone(),
            speakers: n
                .byline
                .as_ref()
                .map_or_else(|| n.meta.speakers.clone(), |b| b.speakers.clone()),
        })
        .collect();
    Inspection {
        file: file.to_string(),
        format: note.format,
        title: note.title,
        conference: note.conference,
        year: note.year,
        decision: outline.decision,
        outline: outline_rows,
        chunks: note
            .chunks
            .into_iter()
            .map(|c| InspectedChunk {
                meta: c.meta,
                links: c.links.len(),
            })
            .collect(),
        diagnostics: error.into_iter().collect(),
    }
}
