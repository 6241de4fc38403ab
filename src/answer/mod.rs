//! Questions to answers: ranked hits with highlighted snippets, extractive
//! summaries and links, or a helpful reply when nothing matches.
//!
//! The [`Engine`] is opened (`open.rs`: the index brought up to date, or a
//! question answered while the notes are checked), asked (`ask.rs`: the
//! ranking's second look, the relevance floor, snippets and summaries),
//! looked up (`catalog.rs`: sessions by id or title, autocomplete) and
//! summed up (`overview.rs`: a conference at a glance; `programme.rs`: a
//! schedule's days, tracks, now and next, and its coverage by track). `classify.rs` tells
//! a question from chat.

mod ask;
mod catalog;
mod classify;
pub mod coverage;
pub mod followup;
pub mod gaps;
pub mod live;
mod open;
mod overview;
pub mod programme;
mod rank;
mod scheduled;
pub mod snippet;
pub mod summary;
pub mod text;

pub use catalog::Catalog;
pub use classify::looks_like_question;
pub use live::LiveEngine;
pub use overview::Overview;

/// Candidates tantivy returns for the second look (coverage); pages past it
/// widen the pool.
const POOL: usize = 12;
/// A hit scoring less than this share of the best one is not shown.
const MIN_SHARE_OF_BEST: f32 = 0.05;
/// Nearest notes shown when nothing is close.
const NEAREST: usize = 3;

use crate::config::Config;
use crate::index::{NotesIndex, QueryBuilder};
use crate::notes::{Link, SessionMeta};
use serde::Serialize;

/// One result, as shown to users and written as JSON.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// The session's metadata, its title cleaned for display.
    #[serde(flatten)]
    pub meta: SessionMeta,
    pub score: f32,
    /// 0..=1: the share of the question's weight this hit holds, its rare
    /// words counting most.
    pub coverage: f32,
    /// The same, not divided by the question's weight: 1 per rarest word held.
    #[serde(skip)]
    pub held: f32,
    /// Where the title links to: the session's own page (its video, slides
    /// or schedule entry), else its place in the notes' source.
    pub url: Option<String>,
    /// Which words of the question matched where, in one line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
    /// The sentences or bullets holding the question's words, one per
    /// line, the words wrapped in `**`.
    pub snippet: String,
    pub summary: String,
    pub links: Vec<Link>,
    /// The abstract from the conference's schedule, for a session of the
    /// notes matched to an event: shown apart from the team's notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_abstract: Option<String>,
}

/// The answer to a question.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub query: String,
    pub hits: Vec<Hit>,
    /// No hit is close to the question: `hits` are only the nearest notes,
    /// shown as such ("nothing close; nearest:"), not as answers.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nearest: bool,
    /// When nothing matched: the question with its words corrected from the
    /// index's vocabulary, if that helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
    /// When nothing matched: what the notes do cover.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conferences: Vec<ConferenceInfo>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConferenceInfo {
    pub name: String,
    pub year: Option<i32>,
    pub sessions: usize,
    pub files: Vec<String>,
}

/// The index plus everything needed to answer from it.
pub struct Engine {
    pub index: NotesIndex,
    builder: QueryBuilder,
    config: Config,
    /// Typos corrected on this index, remembered until it is replaced.
    corrections: rank::Corrections,
    /// The notes matched to the schedules, made on first use.
    matches: std::sync::OnceLock<scheduled::Matches>,
    /// The schedules beside the notes, made on first use.
    schedules: std::sync::OnceLock<Vec<coverage::Coverage>>,
}
