//! Digest posts: one row per subscription and local date, written before the
//! message is sent and completed after, so a restart can tell "sent",
//! "maybe sent" (pending: look for it before sending again) and "not yet".

use super::{
    date_str, from_ts, id, ts, uid, DigestState, NewSubscription, SqliteStore, Subscription,
};
use anyhow::Context;
use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostState {
    /// Recorded; the message may or may not have reached Discord.
    Pending,
    Sent,
    /// Recorded on a day that ended before it could be confirmed or sent.
    Missed,
    /// Sending failed too often (channel gone, no permission).
    Failed,
}

impl PostState {
    pub(crate) fn parse(s: &str) -> PostState {
        match s {
            "sent" => PostState::Sent,
            "missed" => PostState::Missed,
            "failed" => PostState::Failed,
            _ => PostState::Pending,
        }
    }
}

/// One digest post.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostRecord {
    pub subscription_id: i64,
    pub local_date: NaiveDate,
    pub channel_id: u64,
    pub state: PostState,
    pub nonce: String,
    pub attempts: u32,
    pub message_id: Option<u64>,
    pub recorded_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The digest as JSON, so a pending post is re-sent with the same content.
    #[serde(skip)]
    pub payload: String,
}

/// What [`DigestState::begin_post`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum BeginPost {
    /// Recorded as pending: send it now.
    Recorded,
    /// This subscription already has a post for that date.
    Exists(PostRecord),
    /// The subscription was removed meanwhile.
    Unsubscribed,
}

const COLUMNS: &str = "subscription_id, local_date, channel_id, state, nonce, attempts, message_id, recorded_at, sent_at, payload";

fn record(r: &Row<'_>) -> rusqlite::Result<PostRecord> {
    let date: String = r.get(1)?;
    let state: String = r.get(3)?;
    Ok(PostRecord {
        subscription_id: r.get(0)?,
        local_date: date.parse().unwrap_or_default(),
        channel_id: uid(r.get(2)?),
        state: PostState::parse(&state),
        nonce: r.get(4)?,
        attempts: r.get(5)?,
        message_id: r.get::<_, Option<i64>>(6)?.map(uid),
        recorded_at: from_ts(r.get(7)?),
        sent_at: r.get::<_, Option<i64>>(8)?.map(from_ts),
        payload: r.get(9)?,
    })
}

impl DigestState for SqliteStore {
    /// Subscribe a channel (to a topic); subscribing again with the same
    /// topic updates the time, zone and gaps option. True when it is new.
    fn subscribe(&self, s: &NewSubscription, now: DateTime<Utc>) -> Result<(Subscription, bool)> {
        let mut conn = self.conn();
        // Looked up and written under the write lock: another process
        // subscribing the same channel at once finds this one's row.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existed: Option<i64> = tx
            .query_row(
                "SELECT id FROM subscriptions WHERE channel_id = ?1 AND topic = ?2",
                params![id(s.channel_id), s.topic],
                |r| r.get(0),
            )
            .optional()?;
        let time = s.time.format("%H:%M").to_string();
        let sub_id = match existed {
            Some(sid) => {
                tx.execute(
                    "UPDATE subscriptions SET time = ?2, timezone = ?3, gaps = ?4 WHERE id = ?1",
                    params![sid, time, s.timezone.name(), s.gaps],
                )?;
                sid
            }
            None => {
                tx.execute(
                    "INSERT INTO subscriptions (guild_id, channel_id, time, timezone, topic, created_by, created_at, gaps)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![s.guild_id.map(id), id(s.channel_id), time, s.timezone.name(), s.topic, s.created_by.map(id), ts(now), s.gaps],
                )?;
                tx.last_insert_rowid()
            }
        };
        tx.commit()?;
        drop(conn);
        let sub = self
            .subscription(sub_id)?
            .context("subscription vanished while it was written")?;
        Ok((sub, existed.is_none()))
    }

    /// Remove a channel's subscriptions: the one of `topic`, or all of them.
    /// Returns how many were removed.
    fn unsubscribe(&self, channel: u64, topic: Option<&str>) -> Result<usize> {
        let conn = self.conn();
        let n = match topic {
            Some(t) => conn.execute(
                "DELETE FROM subscriptions WHERE channel_id = ?1 AND topic = ?2",
                params![id(channel), t],
            )?,
            None => conn.execute(
                "DELETE FROM subscriptions WHERE channel_id = ?1",
                params![id(channel)],
            )?,
        };
        Ok(n)
    }

    fn subscription(&self, sub_id: i64) -> Result<Option<Subscription>> {
        Ok(self
            .query_subscriptions("WHERE id = ?1", params![sub_id])?
            .pop())
    }

    /// Every subscription, oldest first.
    fn subscriptions(&self) -> Result<Vec<Subscription>> {
        self.query_subscriptions("", [])
    }

    /// The subscriptions of one guild (or of DMs, for `None`).
    fn subscriptions_in(&self, guild: Option<u64>) -> Result<Vec<Subscription>> {
        match guild {
            Some(g) => self.query_subscriptions("WHERE guild_id = ?1", params![id(g)]),
            None => self.query_subscriptions("WHERE guild_id IS NULL", []),
        }
    }

    /// Record that `sub`'s digest for `date` is about to be sent, and move the
    /// subscription's rotation cursor, in one transaction. Only the caller
    /// that gets [`BeginPost::Recorded`] sends.
    fn begin_post(
        &self,
        sub: &Subscription,
        date: NaiveDate,
        nonce: &str,
        payload: &str,
        cursor: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<BeginPost> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx
            .query_row(
                "SELECT 1 FROM subscriptions WHERE id = ?1",
                params![sub.id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !exists {
            return Ok(BeginPost::Unsubscribed);
        }
        let prior = tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM digest_posts WHERE subscription_id = ?1 AND local_date = ?2"),
                params![sub.id, date_str(date)],
                record,
            )
            .optional()?;
        if let Some(p) = prior {
            return Ok(BeginPost::Exists(p));
        }
        tx.execute(
            "INSERT INTO digest_posts (subscription_id, local_date, channel_id, state, nonce, payload, recorded_at)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6)",
            params![sub.id, date_str(date), id(sub.channel_id), nonce, payload, ts(now)],
        )?;
        if let Some(c) = cursor {
            tx.execute(
                "UPDATE subscriptions SET cursor = ?2 WHERE id = ?1",
                params![sub.id, id(c)],
            )?;
        }
        self.take_commit_fault()?;
        tx.commit()?;
        Ok(BeginPost::Recorded)
    }

    /// The message reached Discord.
    fn finish_post(
        &self,
        sub_id: i64,
        date: NaiveDate,
        message_id: u64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE digest_posts SET state = 'sent', message_id = ?3, sent_at = ?4, attempts = attempts + 1
             WHERE subscription_id = ?1 AND local_date = ?2",
            params![sub_id, date_str(date), id(message_id), ts(now)],
        )?;
        Ok(())
    }

    /// Sending failed; after `max_attempts` the post is given up.
    fn post_failed(&self, sub_id: i64, date: NaiveDate, max_attempts: u32) -> Result<PostState> {
        let conn = self.conn();
        conn.execute(
            "UPDATE digest_posts SET attempts = attempts + 1,
               state = CASE WHEN attempts + 1 >= ?3 THEN 'failed' ELSE state END
             WHERE subscription_id = ?1 AND local_date = ?2 AND state = 'pending'",
            params![sub_id, date_str(date), max_attempts],
        )?;
        let state: String = conn.query_row(
            "SELECT state FROM digest_posts WHERE subscription_id = ?1 AND local_date = ?2",
            params![sub_id, date_str(date)],
            |r| r.get(0),
        )?;
        Ok(PostState::parse(&state))
    }

    /// A pending post of a past day that never reached Discord.
    fn mark_missed(&self, sub_id: i64, date: NaiveDate) -> Result<()> {
        self.conn().execute(
            "UPDATE digest_posts SET state = 'missed' WHERE subscription_id = ?1 AND local_date = ?2 AND state = 'pending'",
            params![sub_id, date_str(date)],
        )?;
        Ok(())
    }

    fn pending_posts(&self) -> Result<Vec<PostRecord>> {
        self.query_posts(
            "WHERE state = 'pending' ORDER BY recorded_at, subscription_id, local_date",
            [],
        )
    }

    fn post(&self, sub_id: i64, date: NaiveDate) -> Result<Option<PostRecord>> {
        Ok(self
            .query_posts(
                "WHERE subscription_id = ?1 AND local_date = ?2",
                params![sub_id, date_str(date)],
            )?
            .pop())
    }

    /// The latest post that reached the channel.
    fn last_sent(&self, sub_id: i64) -> Result<Option<PostRecord>> {
        Ok(self
            .query_posts(
                "WHERE subscription_id = ?1 AND state = 'sent' ORDER BY local_date DESC LIMIT 1",
                params![sub_id],
            )?
            .pop())
    }

    /// Every post of one channel, oldest first.
    fn posts_in(&self, channel: u64) -> Result<Vec<PostRecord>> {
        self.query_posts(
            "WHERE channel_id = ?1 ORDER BY local_date, subscription_id",
            params![id(channel)],
        )
    }

    /// The latest post of each subscription, for `confnotes state`.
    fn last_posts(&self) -> Result<Vec<PostRecord>> {
        self.query_posts(
            "WHERE rowid IN (SELECT rowid FROM digest_posts p WHERE p.local_date =
               (SELECT max(local_date) FROM digest_posts q WHERE q.subscription_id = p.subscription_id))
             ORDER BY subscription_id",
            [],
        )
    }
}

impl SqliteStore {
    fn query_posts(&self, tail: &str, args: impl rusqlite::Params) -> Result<Vec<PostRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM digest_posts {tail}"))?;
        let rows = st.query_map(args, record)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
