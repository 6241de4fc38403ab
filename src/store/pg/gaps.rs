//! Gaps (questions the notes could not answer) and answer messages in
//! PostgreSQL; see `store/gaps.rs` for what they are.

use super::{id, opt_id, opt_uid, secs, uid, PgStore};
use crate::store::gaps::{nearest_json, nearest_parse, GAP_COLUMNS};
use crate::store::{Gap, GapClosed, GapReason, GapState, NewGap};
use anyhow::Result;
use chrono::{DateTime, Utc};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

fn gap_row(r: &Row) -> Gap {
    let closed_at: Option<DateTime<Utc>> = r.get(8);
    Gap {
        id: r.get(0),
        question: r.get(1),
        channel_id: opt_uid(r, 2),
        guild_id: opt_uid(r, 3),
        message_id: opt_uid(r, 4),
        asked_at: r.get(5),
        reason: GapReason::parse(r.get(6)),
        nearest: nearest_parse(r.get(7)),
        closed: closed_at.map(|at| GapClosed {
            at,
            session_id: r.get::<_, Option<String>>(9).unwrap_or_default(),
            title: r.get::<_, Option<String>>(10).unwrap_or_default(),
        }),
    }
}

impl PgStore {
    fn gaps_where(&self, filter: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Vec<Gap>> {
        let rows = self.read_sync(
            &format!("SELECT {GAP_COLUMNS} FROM gaps {filter} ORDER BY asked_at, id"),
            args,
        )?;
        Ok(rows.iter().map(gap_row).collect())
    }
}

impl GapState for PgStore {
    fn record_gap(&self, g: &NewGap) -> Result<bool> {
        // `INSERT ... SELECT ... WHERE NOT EXISTS`: a repeated message draws
        // no id from the sequence, so ids go 1, 2, 3 as SQLite's do; the
        // ON CONFLICT covers two processes recording it at once.
        let n = self.execute_sync(
            "INSERT INTO gaps (question, channel_id, guild_id, message_id, asked_at, reason, nearest)
             SELECT $1::TEXT, $2::BIGINT, $3::BIGINT, $4::BIGINT, $5::TIMESTAMPTZ, $6::TEXT, $7::TEXT
             WHERE $4::BIGINT IS NULL OR NOT EXISTS (SELECT 1 FROM gaps WHERE message_id = $4)
             ON CONFLICT (message_id) DO NOTHING",
            &[
                &g.question,
                &opt_id(g.channel_id),
                &opt_id(g.guild_id),
                &opt_id(g.message_id),
                &secs(g.at),
                &g.reason.as_str(),
                &nearest_json(&g.nearest),
            ],
        )?;
        Ok(n == 1)
    }

    fn gaps(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Gap>> {
        match since {
            Some(t) => self.gaps_where("WHERE asked_at >= $1", &[&secs(t)]),
            None => self.gaps_where("", &[]),
        }
    }

    fn open_gaps(&self) -> Result<Vec<Gap>> {
        self.gaps_where("WHERE closed_at IS NULL", &[])
    }

    fn close_gap(
        &self,
        gap: i64,
        at: DateTime<Utc>,
        session_id: &str,
        title: &str,
    ) -> Result<bool> {
        let n = self.execute_sync(
            "UPDATE gaps SET closed_at = $2, closed_by = $3, closed_title = $4
             WHERE id = $1 AND closed_at IS NULL",
            &[&gap, &secs(at), &session_id, &title],
        )?;
        Ok(n == 1)
    }

    fn gap_counts(&self) -> Result<(usize, usize)> {
        let rows = self.read_sync(
            "SELECT count(*), count(*) - count(closed_at) FROM gaps",
            &[],
        )?;
        Ok(rows
            .first()
            .map(|r| (r.get::<_, i64>(0) as usize, r.get::<_, i64>(1) as usize))
            .unwrap_or_default())
    }

    fn set_answer_message(&self, message: u64, answer: u64) -> Result<()> {
        self.execute_sync(
            "UPDATE answered SET answer_id = $2 WHERE message_id = $1",
            &[&id(message), &id(answer)],
        )?;
        Ok(())
    }

    fn answer_question(&self, answer: u64) -> Result<Option<(u64, String)>> {
        let rows = self.read_sync(
            "SELECT message_id, query FROM answered WHERE answer_id = $1 LIMIT 1",
            &[&id(answer)],
        )?;
        Ok(rows.first().map(|r| (uid(r, 0), r.get(1))))
    }

    fn answered_channel(&self, message: u64) -> Result<Option<u64>> {
        let rows = self.read_sync(
            "SELECT channel_id FROM answered WHERE message_id = $1",
            &[&id(message)],
        )?;
        Ok(rows.first().map(|r| uid(r, 0)))
    }

    fn withdraw_feedback(&self, message: u64, user: u64, helpful: bool) -> Result<bool> {
        let n = self.execute_sync(
            "DELETE FROM feedback WHERE message_id = $1 AND user_id = $2 AND helpful = $3",
            &[&id(message), &id(user), &helpful],
        )?;
        Ok(n == 1)
    }
}
