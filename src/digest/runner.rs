//! Posting digests when they are due. Time comes from a [`Clock`] and
//! messages go out through a [`Poster`], the two seams tests replace.
//!
//! Each post follows one protocol, so that a restart at any point neither
//! loses nor doubles a digest:
//! 1. record the post as *pending*, with its content, its nonce and the new
//!    rotation cursor, in one transaction ([`DigestState::begin_post`]);
//! 2. send it, with the nonce;
//! 3. mark it *sent* with the message id.
//!
//! A pending post found at the next tick may have been sent before a crash:
//! the poster is first asked to find it by its nonce in the channel; only if
//! it is not there, and it is still the same local day, is it sent again.

use super::lease::Lease;
use super::schedule::{due_date, local_date};
use super::{build, Digest, Plan};
use crate::answer::{Engine, LiveEngine};
#[cfg(doc)]
use crate::store::DigestState;
use crate::store::{BeginPost, PostState, StateStore, Subscription, SyncReport};
use anyhow::{Context as _, Result};
use chrono::{DateTime, NaiveDate, Utc};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Where digests go: the bot implements this with Discord messages.
pub trait Poster: Send + Sync {
    /// Send `digest` to `channel`; returns the message id.
    fn post(
        &self,
        channel: u64,
        digest: &Digest,
        nonce: &str,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// A message of ours carrying `nonce` among the channel's recent ones.
    fn find(&self, channel: u64, nonce: &str) -> impl Future<Output = Result<Option<u64>>> + Send;
}

/// What a tick did for one subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Posted {
        sub: i64,
        date: NaiveDate,
        message: u64,
    },
    /// A pending post turned out to be in the channel already.
    Confirmed {
        sub: i64,
        date: NaiveDate,
        message: u64,
    },
    /// A pending post of an earlier day that never went out.
    Missed { sub: i64, date: NaiveDate },
    /// Sending failed; retried at the next tick until the attempts run out.
    Failed {
        sub: i64,
        date: NaiveDate,
        error: String,
        gave_up: bool,
    },
}

/// Digest settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub per_day: usize,
    pub new_max: usize,
    pub max_attempts: u32,
    /// List the day's events of a conference's schedule too.
    pub schedule_today: bool,
}

/// What is told each outcome of a tick.
pub type OnOutcome = Arc<dyn Fn(&Outcome) + Send + Sync>;

/// Posts due digests.
pub struct Scheduler<P> {
    /// Processes sharing the state post in turn: only the lease's holder
    /// ticks. `None`: this scheduler is the only one.
    pub lease: Option<Arc<Lease>>,
    pub store: Arc<dyn StateStore>,
    pub engine: Arc<LiveEngine>,
    pub poster: P,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
    /// Told what each tick of [`Scheduler::run`] did (serve counts it for
    /// its metrics); `None`: nobody listens.
    pub on_outcome: Option<OnOutcome>,
}

/// The nonce of a subscription's digest for a date (Discord allows 25 characters).
pub fn nonce(sub: i64, date: NaiveDate) -> String {
    format!("cnd{sub}-{}", date.format("%Y%m%d"))
}

/// Record the sessions now in the index, so later digests can say what is new.
pub fn sync_sessions(
    store: &dyn StateStore,
    engine: &Engine,
    now: DateTime<Utc>,
) -> Result<SyncReport> {
    let mut current: Vec<(String, String, String)> = Vec::new();
    engine.index.each_chunk(|c| {
        if c.meta.kind.is_session() {
            let content = serde_json::json!([
                c.meta.title,
                c.meta.speakers,
                c.meta.organizations,
                c.body,
                c.links
            ]);
            let hash = crate::hash::content_hash(content.to_string().as_bytes());
            current.push((c.meta.id, hash, c.meta.title));
        }
        Ok(())
    })?;
    store.sync_sessions(&current, now)
}

/// The digest for `date` with no subscription behind it, as a channel that
/// gets one every day would see it: the rotation position follows from the
/// date, and "new" lists the sessions added or changed on that day or the
/// day before. `confnotes digest` and `/digest preview` in a channel with no
/// subscription both show this one.
pub fn unsubscribed(
    store: &dyn StateStore,
    engine: &Engine,
    plan: &Plan<'_>,
    now: DateTime<Utc>,
) -> Result<Digest> {
    sync_sessions(store, engine, now)?;
    let day = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    let until = day(plan.date + chrono::Duration::days(1));
    let changed: Vec<_> = store
        .changed_since(day(plan.date - chrono::Duration::days(1)))?
        .into_iter()
        .filter(|c| c.at < until)
        .collect();
    build(
        engine,
        &Plan {
            cursor: None,
            ..plan.clone()
        },
        &changed,
    )
}

impl<P: Poster> Scheduler<P> {
    /// Post every digest due now; finish or retire pending ones first.
    pub async fn tick(&self) -> Vec<Outcome> {
        if !self.holds_lease() {
            return Vec::new();
        }
        let now = self.clock.now();
        let mut out = match self.recover(now).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot read pending digests");
                Vec::new()
            }
        };
        let subs = match self.store.subscriptions() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot read subscriptions");
                return out;
            }
        };
        for sub in subs {
            let Some(date) = due_date(sub.time, sub.timezone, sub.created_at, now) else {
                continue;
            };
            if !self.holds_lease() {
                // Lost meanwhile (the database was out of reach): the new
                // holder posts the rest.
                break;
            }
            match self.store.post(sub.id, date) {
                Ok(None) => {}
                Ok(Some(_)) => continue,
                Err(e) => {
                    tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot read digest posts");
                    continue;
                }
            }
            match self.post_recorded(&sub, date, now).await {
                Ok(Some(o)) => out.push(o),
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(sub = sub.id, error = %crate::errors::chain(e.as_ref()), "digest not posted")
                }
            }
        }
        out
    }

    /// Today's digest for `sub`, recorded then sent; `None` if another
    /// caller recorded it first or the subscription is gone.
    pub async fn post_recorded(
        &self,
        sub: &Subscription,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Option<Outcome>> {
        let digest = self.digest_for(sub, date).await?;
        let n = nonce(sub.id, date);
        let payload = serde_json::to_string(&digest)?;
        match self
            .store
            .begin_post(sub, date, &n, &payload, digest.cursor, now)?
        {
            BeginPost::Recorded => Ok(Some(
                self.send(sub.id, date, sub.channel_id, &digest, &n).await,
            )),
            BeginPost::Exists(_) | BeginPost::Unsubscribed => Ok(None),
        }
    }

    /// The digest `sub` gets on `date`: the next sessions of its rotation and
    /// what changed since its last digest (or since it subscribed).
    pub async fn digest_for(&self, sub: &Subscription, date: NaiveDate) -> Result<Digest> {
        let since = match self.store.last_sent(sub.id)? {
            Some(p) => p.sent_at.unwrap_or(p.recorded_at),
            None => sub.created_at,
        };
        let changed = self.store.changed_since(since)?;
        let engine = self.engine.snapshot();
        let (topic, cursor) = (sub.topic.clone(), sub.cursor);
        let (per_day, new_max) = (self.settings.per_day, self.settings.new_max);
        let schedule_today = self.settings.schedule_today;
        let mut digest = tokio::task::spawn_blocking(move || {
            let plan = Plan {
                date,
                topic: &topic,
                per_day,
                cursor,
                new_max,
                schedule_today,
            };
            build(&engine, &plan, &changed)
        })
        .await
        .context("digest planning stopped")??;
        if sub.gaps {
            let since = self.clock.now() - chrono::Duration::days(7);
            digest.gaps = super::week_gaps(self.store.as_ref(), sub.guild_id, since)?;
        }
        Ok(digest)
    }

    async fn send(
        &self,
        sub: i64,
        date: NaiveDate,
        channel: u64,
        digest: &Digest,
        nonce: &str,
    ) -> Outcome {
        match self.poster.post(channel, digest, nonce).await {
            Ok(message) => {
                if let Err(e) = self.store.finish_post(sub, date, message, self.clock.now()) {
                    // The pending row stays; the next tick finds the message by its nonce.
                    tracing::error!(error = %crate::errors::chain(e.as_ref()), "digest sent but not recorded as sent");
                }
                tracing::info!(sub, %date, channel, message, "digest posted");
                Outcome::Posted { sub, date, message }
            }
            Err(e) => {
                let state = self
                    .store
                    .post_failed(sub, date, self.settings.max_attempts)
                    .unwrap_or(PostState::Pending);
                let gave_up = state == PostState::Failed;
                tracing::warn!(sub, %date, channel, gave_up, error = %crate::errors::chain(e.as_ref()), "digest not sent");
                Outcome::Failed {
                    sub,
                    date,
                    error: crate::errors::chain(e.as_ref()),
                    gave_up,
                }
            }
        }
    }

    /// Settle posts left pending by a crash or a failed send.
    async fn recover(&self, now: DateTime<Utc>) -> Result<Vec<Outcome>> {
        let mut out = Vec::new();
        for p in self.store.pending_posts()? {
            let (sub, date) = (p.subscription_id, p.local_date);
            let today = self
                .store
                .subscription(sub)?
                .map(|s| local_date(now, s.timezone));
            match self.poster.find(p.channel_id, &p.nonce).await {
                Ok(Some(message)) => {
                    self.store.finish_post(sub, date, message, now)?;
                    tracing::info!(sub, %date, message, "pending digest was already posted");
                    out.push(Outcome::Confirmed { sub, date, message });
                }
                Ok(None) if today == Some(date) => {
                    let digest: Digest = serde_json::from_str(&p.payload)
                        .context("a pending digest's stored content is unreadable")?;
                    out.push(self.send(sub, date, p.channel_id, &digest, &p.nonce).await);
                }
                Ok(None) => {
                    // Its day is over (or the subscription is gone): never post stale digests.
                    self.store.mark_missed(sub, date)?;
                    out.push(Outcome::Missed { sub, date });
                }
                Err(e) => {
                    let state = self
                        .store
                        .post_failed(sub, date, self.settings.max_attempts)?;
                    out.push(Outcome::Failed {
                        sub,
                        date,
                        error: crate::errors::chain(e.as_ref()),
                        gave_up: state == PostState::Failed,
                    });
                }
            }
        }
        Ok(out)
    }

    fn holds_lease(&self) -> bool {
        self.lease.as_ref().is_none_or(|l| l.held())
    }

    /// Tick every `every` until `stop` turns true. A tick in progress is
    /// finished first, so a shutdown never leaves a send half-recorded.
    /// With a lease, a task of its own renews it (a long tick does not let
    /// it lapse), a tick runs at once when the lease is taken over, and the
    /// lease is released at the end.
    pub async fn run(&self, every: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        let taken = Arc::new(tokio::sync::Notify::new());
        // Aborted when this future ends or is dropped: a renewer outliving
        // its scheduler would hold the lease with nobody posting.
        let renewer = self
            .lease
            .clone()
            .map(|lease| AbortOnDrop(tokio::spawn(renew(lease, Arc::clone(&taken), stop.clone()))));
        loop {
            if *stop.borrow() {
                break;
            }
            let outcomes = self.tick().await;
            if let Some(observe) = &self.on_outcome {
                outcomes.iter().for_each(|o| observe(o));
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = taken.notified() => {}
                r = stop.changed() => if r.is_err() { break },
            }
        }
        drop(renewer);
        if let Some(lease) = self.lease.clone() {
            let _ = tokio::task::spawn_blocking(move || lease.release()).await;
        }
    }
}

/// A task that stops when this handle goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Keep the lease, or take it when it is free; wake the scheduler when it
/// is taken.
async fn renew(
    lease: Arc<Lease>,
    taken: Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let was = lease.held();
        let l = Arc::clone(&lease);
        let now = tokio::task::spawn_blocking(move || l.renew())
            .await
            .unwrap_or(false);
        if now && !was {
            taken.notify_one();
        }
        tokio::select! {
            _ = tokio::time::sleep(lease.renew_every()) => {}
            r = stop.changed() => if r.is_err() || *stop.borrow() { return },
        }
    }
}
