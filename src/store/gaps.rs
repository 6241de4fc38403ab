//! Questions the notes could not answer ("gaps"), in the SQLite file, and
//! which answer message answers which question (for reactions as votes).
//!
//! A gap is recorded when an answer's best hit fell under the relevance
//! floor (`no_match`) or someone said the answer was not helpful
//! (`not_helpful`). One question message gives at most one gap: the first
//! reason recorded is kept. A gap closes when a note later answers it; the
//! session that did is recorded with it.

use super::{from_ts, id, ts, uid, SqliteStore};
use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Why a question is a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// Nothing in the notes was close enough to the question.
    NoMatch,
    /// Someone said the answer did not help (button, or a 👎).
    NotHelpful,
}

impl GapReason {
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::NoMatch => "no_match",
            GapReason::NotHelpful => "not_helpful",
        }
    }

    pub fn parse(s: &str) -> GapReason {
        match s {
            "no_match" => GapReason::NoMatch,
            _ => GapReason::NotHelpful,
        }
    }
}

/// One of the sessions nearest to a question, as it was when asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearHit {
    pub session_id: String,
    pub title: String,
    pub score: f32,
}

/// A gap to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGap {
    pub question: String,
    pub channel_id: Option<u64>,
    pub guild_id: Option<u64>,
    /// The question's message; `None` for a question with no message.
    pub message_id: Option<u64>,
    pub at: DateTime<Utc>,
    pub reason: GapReason,
    pub nearest: Vec<NearHit>,
}

/// Which session answered a gap, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapClosed {
    pub at: DateTime<Utc>,
    pub session_id: String,
    pub title: String,
}

/// A recorded gap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub id: i64,
    pub question: String,
    pub channel_id: Option<u64>,
    pub guild_id: Option<u64>,
    pub message_id: Option<u64>,
    pub asked_at: DateTime<Utc>,
    pub reason: GapReason,
    pub nearest: Vec<NearHit>,
    /// `None` while the notes still do not answer it.
    pub closed: Option<GapClosed>,
}

pub(crate) fn nearest_json(n: &[NearHit]) -> String {
    serde_json::to_string(n).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn nearest_parse(s: &str) -> Vec<NearHit> {
    serde_json::from_str(s).unwrap_or_default()
}

/// The columns every gap query reads, in [`gap_row`]'s order.
pub(crate) const GAP_COLUMNS: &str = "id, question, channel_id, guild_id, message_id, asked_at, \
     reason, nearest, closed_at, closed_by, closed_title";

/// Questions the notes did not answer, and the answer messages' questions.
pub trait GapState: Send + Sync {
    /// Record a gap; false when the same message already has one (the first
    /// reason is kept).
    fn record_gap(&self, gap: &NewGap) -> Result<bool>;
    /// Every gap, open and closed, asked at or after `since` if given,
    /// oldest first.
    fn gaps(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Gap>>;
    /// The gaps not closed yet, oldest first.
    fn open_gaps(&self) -> Result<Vec<Gap>>;
    /// A note answers the gap now: record when and which session. False if
    /// it was closed already (or is unknown).
    fn close_gap(&self, gap: i64, at: DateTime<Utc>, session_id: &str, title: &str)
        -> Result<bool>;
    /// How many gaps are recorded, and how many of them are open.
    fn gap_counts(&self) -> Result<(usize, usize)>;
    /// The bot's answer to `message` is the message `answer`.
    fn set_answer_message(&self, message: u64, answer: u64) -> Result<()>;
    /// The question message (and its text) that the bot's message `answer`
    /// answers.
    fn answer_question(&self, answer: u64) -> Result<Option<(u64, String)>>;
    /// The channel a claimed message was asked in (the Q&A channel, not
    /// the answer's thread), so every gap names where it was asked.
    fn answered_channel(&self, message: u64) -> Result<Option<u64>>;
    /// Take a user's vote on the answer to `message` back, only if it is
    /// still `helpful` (a reaction removed after another vote replaced it
    /// leaves that vote). True if a vote was removed.
    fn withdraw_feedback(&self, message: u64, user: u64, helpful: bool) -> Result<bool>;
}

fn gap_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Gap> {
    let closed_at: Option<i64> = r.get(8)?;
    Ok(Gap {
        id: r.get(0)?,
        question: r.get(1)?,
        channel_id: r.get::<_, Option<i64>>(2)?.map(uid),
        guild_id: r.get::<_, Option<i64>>(3)?.map(uid),
        message_id: r.get::<_, Option<i64>>(4)?.map(uid),
        asked_at: from_ts(r.get(5)?),
        reason: GapReason::parse(&r.get::<_, String>(6)?),
        nearest: nearest_parse(&r.get::<_, String>(7)?),
        closed: match closed_at {
            Some(at) => Some(GapClosed {
                at: from_ts(at),
                session_id: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
                title: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

impl SqliteStore {
    fn gaps_where(&self, filter: &str, args: impl rusqlite::Params) -> Result<Vec<Gap>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {GAP_COLUMNS} FROM gaps {filter} ORDER BY asked_at, id"
        ))?;
        let rows = st.query_map(args, gap_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl GapState for SqliteStore {
    fn record_gap(&self, g: &NewGap) -> Result<bool> {
        let n = self.conn().execute(
            // Looked up first: a conflicting insert would still use up an
            // id, and ids would go 1, 3 where PostgreSQL's go 1, 2.
            "INSERT INTO gaps (question, channel_id, guild_id, message_id, asked_at, reason, nearest)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
             WHERE ?4 IS NULL OR NOT EXISTS (SELECT 1 FROM gaps WHERE message_id = ?4)
             ON CONFLICT (message_id) DO NOTHING",
            params![
                g.question,
                g.channel_id.map(id),
                g.guild_id.map(id),
                g.message_id.map(id),
                ts(g.at),
                g.reason.as_str(),
                nearest_json(&g.nearest),
            ],
        )?;
        Ok(n == 1)
    }

    fn gaps(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Gap>> {
        match since {
            Some(t) => self.gaps_where("WHERE asked_at >= ?1", params![ts(t)]),
            None => self.gaps_where("", []),
        }
    }

    fn open_gaps(&self) -> Result<Vec<Gap>> {
        self.gaps_where("WHERE closed_at IS NULL", [])
    }

    fn close_gap(
        &self,
        gap: i64,
        at: DateTime<Utc>,
        session_id: &str,
        title: &str,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE gaps SET closed_at = ?2, closed_by = ?3, closed_title = ?4
             WHERE id = ?1 AND closed_at IS NULL",
            params![gap, ts(at), session_id, title],
        )?;
        Ok(n == 1)
    }

    fn gap_counts(&self) -> Result<(usize, usize)> {
        let (all, open): (i64, i64) = self.conn().query_row(
            "SELECT count(*), count(*) - count(closed_at) FROM gaps",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((all as usize, open as usize))
    }

    fn set_answer_message(&self, message: u64, answer: u64) -> Result<()> {
        self.conn().execute(
            "UPDATE answered SET answer_id = ?2 WHERE message_id = ?1",
            params![id(message), id(answer)],
        )?;
        Ok(())
    }

    fn answer_question(&self, answer: u64) -> Result<Option<(u64, String)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT message_id, query FROM answered WHERE answer_id = ?1",
                params![id(answer)],
                |r| Ok((uid(r.get(0)?), r.get(1)?)),
            )
            .optional()?)
    }

    fn answered_channel(&self, message: u64) -> Result<Option<u64>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT channel_id FROM answered WHERE message_id = ?1",
                params![id(message)],
                |r| Ok(uid(r.get(0)?)),
            )
            .optional()?)
    }

    fn withdraw_feedback(&self, message: u64, user: u64, helpful: bool) -> Result<bool> {
        let n = self.conn().execute(
            "DELETE FROM feedback WHERE message_id = ?1 AND user_id = ?2 AND helpful = ?3",
            params![id(message), id(user), helpful],
        )?;
        Ok(n == 1)
    }
}
