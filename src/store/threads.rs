//! The conversation in each Q&A thread the bot opened: the question its
//! answers are about, the filters, the sessions shown in order, so a reply
//! there ("the second one", "only 2023") is read against them, after a
//! restart too.

use super::{from_ts, id, ts, uid, SqliteStore, ThreadState};
use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// One thread's conversation after its last answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRecord {
    /// The thread's channel id.
    pub thread_id: u64,
    /// The Q&A channel the thread is in.
    pub channel_id: u64,
    /// The question the shown sessions answer.
    pub question: String,
    pub conference: Option<String>,
    pub year: Option<i32>,
    /// A year left out ("not 2021").
    pub not_year: Option<i32>,
    /// Session ids shown, in order.
    pub shown: Vec<String>,
    /// The position last picked ("it" and "that one").
    pub focus: Option<usize>,
    /// Answers given in the thread.
    pub turns: u32,
    pub updated_at: DateTime<Utc>,
}

/// The shown ids as the stores keep them: a JSON array.
pub(crate) fn shown_text(shown: &[String]) -> String {
    serde_json::to_string(shown).unwrap_or_else(|_| "[]".to_string())
}

pub(crate) fn shown_from(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

impl ThreadState for SqliteStore {
    fn save_thread(&self, t: &ThreadRecord) -> Result<()> {
        self.conn().execute(
            "INSERT INTO qa_threads (thread_id, channel_id, question, conference, year, not_year,
                                     shown, focus, turns, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (thread_id) DO UPDATE SET channel_id = ?2, question = ?3,
               conference = ?4, year = ?5, not_year = ?6, shown = ?7, focus = ?8, turns = ?9,
               updated_at = ?10",
            params![
                id(t.thread_id),
                id(t.channel_id),
                t.question,
                t.conference,
                t.year,
                t.not_year,
                shown_text(&t.shown),
                t.focus.map(|f| f as i64),
                t.turns,
                ts(t.updated_at)
            ],
        )?;
        Ok(())
    }

    fn thread(&self, thread: u64) -> Result<Option<ThreadRecord>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT thread_id, channel_id, question, conference, year, not_year, shown,
                        focus, turns, updated_at
                 FROM qa_threads WHERE thread_id = ?1",
                params![id(thread)],
                |r| {
                    Ok(ThreadRecord {
                        thread_id: uid(r.get(0)?),
                        channel_id: uid(r.get(1)?),
                        question: r.get(2)?,
                        conference: r.get(3)?,
                        year: r.get(4)?,
                        not_year: r.get(5)?,
                        shown: shown_from(&r.get::<_, String>(6)?),
                        focus: r.get::<_, Option<i64>>(7)?.map(|f| f.max(0) as usize),
                        turns: r.get(8)?,
                        updated_at: from_ts(r.get(9)?),
                    })
                },
            )
            .optional()?)
    }

    fn forget_threads(&self, before: DateTime<Utc>) -> Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM qa_threads WHERE updated_at < ?1",
            params![ts(before)],
        )?)
    }
}
