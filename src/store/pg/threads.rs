//! The conversation in each Q&A thread, in PostgreSQL.

use super::{id, secs, uid, PgStore};
use crate::store::threads::{shown_from, shown_text};
use crate::store::{ThreadRecord, ThreadState};
use anyhow::Result;
use chrono::{DateTime, Utc};

impl ThreadState for PgStore {
    fn save_thread(&self, t: &ThreadRecord) -> Result<()> {
        let focus = t.focus.map(|f| f as i32);
        let turns = t.turns as i32;
        self.execute_sync(
            "INSERT INTO qa_threads (thread_id, channel_id, question, conference, year, not_year,
                                     shown, focus, turns, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (thread_id) DO UPDATE SET channel_id = $2, question = $3,
               conference = $4, year = $5, not_year = $6, shown = $7, focus = $8, turns = $9,
               updated_at = $10",
            &[
                &id(t.thread_id),
                &id(t.channel_id),
                &t.question,
                &t.conference,
                &t.year,
                &t.not_year,
                &shown_text(&t.shown),
                &focus,
                &turns,
                &secs(t.updated_at),
            ],
        )?;
        Ok(())
    }

    fn thread(&self, thread: u64) -> Result<Option<ThreadRecord>> {
        let rows = self.read_sync(
            "SELECT thread_id, channel_id, question, conference, year, not_year, shown,
                    focus, turns, updated_at
             FROM qa_threads WHERE thread_id = $1",
            &[&id(thread)],
        )?;
        Ok(rows.first().map(|r| ThreadRecord {
            thread_id: uid(r, 0),
            channel_id: uid(r, 1),
            question: r.get(2),
            conference: r.get(3),
            year: r.get(4),
            not_year: r.get(5),
            shown: shown_from(r.get(6)),
            focus: r.get::<_, Option<i32>>(7).map(|f| f.max(0) as usize),
            turns: r.get::<_, i32>(8).max(0) as u32,
            updated_at: r.get(9),
        }))
    }

    fn forget_threads(&self, before: DateTime<Utc>) -> Result<usize> {
        let n = self.execute_sync(
            "DELETE FROM qa_threads WHERE updated_at < $1",
            &[&secs(before)],
        )?;
        Ok(n as usize)
    }
}
