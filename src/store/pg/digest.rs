//! Digest subscriptions, posts and leases in PostgreSQL.

use super::{id, opt_id, opt_uid, secs, uid, PgStore};
use crate::store::{
    BeginPost, DigestState, Lease, LeaseState, NewSubscription, PostRecord, PostState, Subscription,
};
use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

const POST_COLUMNS: &str = "subscription_id, local_date, channel_id, state, nonce, attempts, \
                            message_id, recorded_at, sent_at, payload";

fn post_row(r: &Row) -> PostRecord {
    PostRecord {
        subscription_id: r.get(0),
        local_date: r.get(1),
        channel_id: uid(r, 2),
        state: PostState::parse(r.get(3)),
        nonce: r.get(4),
        attempts: r.get::<_, i32>(5).max(0) as u32,
        message_id: opt_uid(r, 6),
        recorded_at: r.get(7),
        sent_at: r.get(8),
        payload: r.get(9),
    }
}

const SUB_COLUMNS: &str =
    "id, guild_id, channel_id, time, timezone, topic, created_by, created_at, cursor, gaps";

/// A subscription row; one edited into nonsense by hand is left out with a
/// warning, as the SQLite store does.
fn sub_row(r: &Row) -> Option<Subscription> {
    let sub: i64 = r.get(0);
    let time: &str = r.get(3);
    let zone: &str = r.get(4);
    match (crate::time::parse_time(time), crate::time::parse_zone(zone)) {
        (Ok(time), Ok(timezone)) => Some(Subscription {
            id: sub,
            guild_id: opt_uid(r, 1),
            channel_id: uid(r, 2),
            time,
            timezone,
            topic: r.get(5),
            created_by: opt_uid(r, 6),
            created_at: r.get(7),
            cursor: opt_uid(r, 8),
            gaps: r.get(9),
        }),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(subscription = sub, "subscription left out: {e}");
            None
        }
    }
}

impl PgStore {
    fn subscriptions_where(
        &self,
        filter: &str,
        args: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Subscription>> {
        let rows = self.read_sync(
            &format!("SELECT {SUB_COLUMNS} FROM subscriptions {filter} ORDER BY id"),
            args,
        )?;
        Ok(rows.iter().filter_map(sub_row).collect())
    }

    fn posts_where(&self, tail: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Vec<PostRecord>> {
        let rows = self.read_sync(
            &format!("SELECT {POST_COLUMNS} FROM digest_posts {tail}"),
            args,
        )?;
        Ok(rows.iter().map(post_row).collect())
    }

    async fn begin_post_async(
        &self,
        sub: &Subscription,
        date: NaiveDate,
        nonce: &str,
        payload: &str,
        cursor: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<BeginPost> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Each statement is prepared once per connection (sent as text, each
        // would cost one more round trip, on the digest's busiest path).
        // The subscription's row lock orders two processes recording the
        // same post: the second one sees the first one's row.
        let lock = tx
            .prepare_cached("SELECT 1 FROM subscriptions WHERE id = $1 FOR UPDATE")
            .await?;
        if tx.query_opt(&lock, &[&sub.id]).await?.is_none() {
            return Ok(BeginPost::Unsubscribed);
        }
        let insert = tx
            .prepare_cached(
                "INSERT INTO digest_posts
                   (subscription_id, local_date, channel_id, state, nonce, payload, recorded_at)
                 VALUES ($1, $2, $3, 'pending', $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .await?;
        let inserted = tx
            .execute(
                &insert,
                &[
                    &sub.id,
                    &date,
                    &id(sub.channel_id),
                    &nonce,
                    &payload,
                    &secs(now),
                ],
            )
            .await?;
        if inserted == 0 {
            let prior = tx
                .query_one(
                    &format!(
                        "SELECT {POST_COLUMNS} FROM digest_posts
                         WHERE subscription_id = $1 AND local_date = $2"
                    ),
                    &[&sub.id, &date],
                )
                .await?;
            return Ok(BeginPost::Exists(post_row(&prior)));
        }
        if let Some(c) = cursor {
            let move_cursor = tx
                .prepare_cached("UPDATE subscriptions SET cursor = $2 WHERE id = $1")
                .await?;
            tx.execute(&move_cursor, &[&sub.id, &id(c)]).await?;
        }
        self.maybe_drop_connection(&tx).await?;
        tx.commit().await?;
        Ok(BeginPost::Recorded)
    }
}

impl DigestState for PgStore {
    fn subscribe(&self, s: &NewSubscription, now: DateTime<Utc>) -> Result<(Subscription, bool)> {
        let time = s.time.format("%H:%M").to_string();
        // Updated first: `INSERT ... ON CONFLICT DO UPDATE` draws an id
        // from the sequence even when it updates, and ids would then go 1,
        // 3, 4 where the SQLite file's go 1, 2, 3.
        let updated = self.query_sync(
            "UPDATE subscriptions SET time = $3, timezone = $4, gaps = $5
             WHERE channel_id = $1 AND topic = $2 RETURNING id",
            &[
                &id(s.channel_id),
                &s.topic,
                &time,
                &s.timezone.name(),
                &s.gaps,
            ],
        )?;
        let (sub_id, fresh) = match updated.first() {
            Some(row) => (row.get::<_, i64>(0), false),
            None => {
                // Another process may subscribe the channel meanwhile:
                // then this is an update after all. `xmax = 0`: the row was
                // inserted by this statement, not updated.
                let rows = self.query_sync(
                    "INSERT INTO subscriptions (guild_id, channel_id, time, timezone, topic, created_by, created_at, gaps)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (channel_id, topic) DO UPDATE SET time = excluded.time, timezone = excluded.timezone,
                        gaps = excluded.gaps
                     RETURNING id, (xmax = 0)",
                    &[
                        &opt_id(s.guild_id),
                        &id(s.channel_id),
                        &time,
                        &s.timezone.name(),
                        &s.topic,
                        &opt_id(s.created_by),
                        &secs(now),
                        &s.gaps,
                    ],
                )?;
                let row = rows.first().context("the subscription was not written")?;
                (row.get(0), row.get(1))
            }
        };
        let sub = self
            .subscription(sub_id)?
            .context("subscription vanished while it was written")?;
        Ok((sub, fresh))
    }

    fn unsubscribe(&self, channel: u64, topic: Option<&str>) -> Result<usize> {
        let n = match topic {
            Some(t) => self.execute_sync(
                "DELETE FROM subscriptions WHERE channel_id = $1 AND topic = $2",
                &[&id(channel), &t],
            )?,
            None => self.execute_sync(
                "DELETE FROM subscriptions WHERE channel_id = $1",
                &[&id(channel)],
            )?,
        };
        Ok(n as usize)
    }

    fn subscription(&self, sub_id: i64) -> Result<Option<Subscription>> {
        Ok(self.subscriptions_where("WHERE id = $1", &[&sub_id])?.pop())
    }

    fn subscriptions(&self) -> Result<Vec<Subscription>> {
        self.subscriptions_where("", &[])
    }

    fn subscriptions_in(&self, guild: Option<u64>) -> Result<Vec<Subscription>> {
        match guild {
            Some(g) => self.subscriptions_where("WHERE guild_id = $1", &[&id(g)]),
            None => self.subscriptions_where("WHERE guild_id IS NULL", &[]),
        }
    }

    fn begin_post(
        &self,
        sub: &Subscription,
        date: NaiveDate,
        nonce: &str,
        payload: &str,
        cursor: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<BeginPost> {
        self.run(self.begin_post_async(sub, date, nonce, payload, cursor, now))
    }

    fn finish_post(
        &self,
        sub_id: i64,
        date: NaiveDate,
        message_id: u64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.execute_sync(
            "UPDATE digest_posts SET state = 'sent', message_id = $3, sent_at = $4, attempts = attempts + 1
             WHERE subscription_id = $1 AND local_date = $2",
            &[&sub_id, &date, &id(message_id), &secs(now)],
        )?;
        Ok(())
    }

    fn post_failed(&self, sub_id: i64, date: NaiveDate, max_attempts: u32) -> Result<PostState> {
        let max = max_attempts.min(i32::MAX as u32) as i32;
        self.execute_sync(
            "UPDATE digest_posts SET attempts = attempts + 1,
               state = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE state END
             WHERE subscription_id = $1 AND local_date = $2 AND state = 'pending'",
            &[&sub_id, &date, &max],
        )?;
        let rows = self.read_sync(
            "SELECT state FROM digest_posts WHERE subscription_id = $1 AND local_date = $2",
            &[&sub_id, &date],
        )?;
        let row = rows.first().context("no such digest post")?;
        Ok(PostState::parse(row.get(0)))
    }

    fn mark_missed(&self, sub_id: i64, date: NaiveDate) -> Result<()> {
        self.execute_sync(
            "UPDATE digest_posts SET state = 'missed'
             WHERE subscription_id = $1 AND local_date = $2 AND state = 'pending'",
            &[&sub_id, &date],
        )?;
        Ok(())
    }

    fn pending_posts(&self) -> Result<Vec<PostRecord>> {
        self.posts_where(
            "WHERE state = 'pending' ORDER BY recorded_at, subscription_id, local_date",
            &[],
        )
    }

    fn post(&self, sub_id: i64, date: NaiveDate) -> Result<Option<PostRecord>> {
        Ok(self
            .posts_where(
                "WHERE subscription_id = $1 AND local_date = $2",
                &[&sub_id, &date],
            )?
            .pop())
    }

    fn last_sent(&self, sub_id: i64) -> Result<Option<PostRecord>> {
        Ok(self
            .posts_where(
                "WHERE subscription_id = $1 AND state = 'sent' ORDER BY local_date DESC LIMIT 1",
                &[&sub_id],
            )?
            .pop())
    }

    fn posts_in(&self, channel: u64) -> Result<Vec<PostRecord>> {
        self.posts_where(
            "WHERE channel_id = $1 ORDER BY local_date, subscription_id",
            &[&id(channel)],
        )
    }

    fn last_posts(&self) -> Result<Vec<PostRecord>> {
        let rows = self.read_sync(
            &format!(
                "SELECT DISTINCT ON (subscription_id) {POST_COLUMNS} FROM digest_posts
                 ORDER BY subscription_id, local_date DESC"
            ),
            &[],
        )?;
        Ok(rows.iter().map(post_row).collect())
    }
}

impl LeaseState for PgStore {
    /// The database's clock decides expiry, so processes on machines whose
    /// clocks disagree still agree on who holds the lease.
    fn hold_lease(&self, name: &str, owner: &str, ttl: Duration) -> Result<bool> {
        let rows = self.query_sync(
            "INSERT INTO leases (name, owner, expires_at)
             VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
             WHERE leases.owner = excluded.owner OR leases.expires_at < clock_timestamp()
             RETURNING owner",
            &[&name, &owner, &ttl.as_secs_f64()],
        )?;
        Ok(!rows.is_empty())
    }

    fn release_lease(&self, name: &str, owner: &str) -> Result<()> {
        self.execute_sync(
            "DELETE FROM leases WHERE name = $1 AND owner = $2",
            &[&name, &owner],
        )?;
        Ok(())
    }

    fn leases(&self) -> Result<Vec<Lease>> {
        let rows = self.read_sync(
            "SELECT name, owner, expires_at FROM leases WHERE expires_at > clock_timestamp()
             ORDER BY name",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| Lease {
                name: r.get(0),
                owner: r.get(1),
                expires_at: r.get(2),
            })
            .collect())
    }
}
