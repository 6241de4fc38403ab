//! The bot's life beyond single events: re-indexing when notes change, and
//! stopping without losing work.
//!
//! Shutdown (SIGTERM or Ctrl-C) runs in this order:
//! 1. the gateway is closed cleanly (close code 1000), so no new events come;
//! 2. events being handled finish: every event runs inside [`Tracked`],
//!    which counts it, and shutdown waits for the count to reach zero (at
//!    most `grace`), so a reply being written is written;
//! 3. the digest scheduler is told to stop and awaited: a post it has begun
//!    is sent and recorded (`sent`) before it returns, and one it has not
//!    begun stays for the next start, which recovers pending posts;
//! 4. the state file is checkpointed (the WAL folded into the database).

use super::Data;
use crate::answer::{Catalog, LiveEngine};
use crate::digest::runner::Clock;
use crate::index::Report;
use crate::store::StateStore;
use anyhow::{Context as _, Result};
use poise::serenity_prelude as serenity;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Events being handled right now.
#[derive(Default)]
pub(super) struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

pub(super) struct InFlightGuard(Arc<InFlight>);

impl InFlight {
    pub(super) fn enter(self: &Arc<Self>) -> InFlightGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(Arc::clone(self))
    }

    pub(super) fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Wait until nothing is in flight; false if `limit` passed first.
    pub(super) async fn wait_idle(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.count() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.count() == 0;
            }
        }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// poise's framework, with every event counted in [`InFlight`].
pub(super) struct Tracked<F> {
    pub inner: F,
    pub inflight: Arc<InFlight>,
}

#[serenity::async_trait]
impl<F: serenity::Framework> serenity::Framework for Tracked<F> {
    async fn init(&mut self, client: &serenity::Client) {
        self.inner.init(client).await;
    }

    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        let _counted = self.inflight.enter();
        self.inner.dispatch(ctx, event).await;
    }
}

/// What re-indexing needs; cloned into the notes watcher's task.
#[derive(Clone)]
pub(super) struct Reindexer {
    pub engine: Arc<LiveEngine>,
    pub catalog: Arc<RwLock<Catalog>>,
    pub store: Arc<dyn StateStore>,
    pub clock: Arc<dyn Clock>,
}

impl Reindexer {
    pub(super) fn of(data: &Data) -> Reindexer {
        Reindexer {
            engine: Arc::clone(&data.engine),
            catalog: Arc::clone(&data.catalog),
            store: Arc::clone(&data.store),
            clock: Arc::clone(&data.clock),
        }
    }

    /// Re-read the notes: the new index replaces the old one only when
    /// complete, then the catalog and the digests' record of sessions
    /// follow, and the gaps the notes answer now are closed.
    pub(super) async fn run(&self) -> Result<Report> {
        let engine = Arc::clone(&self.engine);
        let done = tokio::task::spawn_blocking(move || -> Result<_> {
            let report = engine.reindex(&crate::index::Silent)?;
            let now = engine.snapshot();
            let catalog = now.catalog()?;
            let dir = now.index.dir().to_path_buf();
            Ok((report, catalog, dir))
        })
        .await
        .context("re-index stopped")
        .and_then(|r| r);
        let metrics = super::metrics::global();
        let (report, catalog, dir) = done.inspect_err(|_| metrics.reindex_failures.inc())?;
        metrics.indexed(report.chunks, report.sessions, &dir, report.elapsed);
        *self.catalog.write().unwrap_or_else(|e| e.into_inner()) = catalog;
        super::digests::sync(&*self.store, &self.engine, self.clock.as_ref());
        super::gaps::close_answered(self).await;
        Ok(report)
    }
}

/// Fetch the config's schedules named by URL every
/// `index.schedule_refresh_minutes`, and re-index when a copy changed; a
/// failed fetch keeps the last good copy (and says so in the log).
pub(super) fn refresh_schedules(data: &Data) {
    let config = data.config.clone();
    if config.index.read_only || config.schedule.iter().all(|s| s.url.is_none()) {
        return;
    }
    let reindexer = Reindexer::of(data);
    let every = Duration::from_secs(config.index.schedule_refresh_minutes * 60);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if crate::fetch::refresh_schedules(&config, false)
                .await
                .changed
            {
                match reindexer.run().await {
                    Ok(report) => tracing::info!(files = report.files_read, "schedules re-indexed"),
                    Err(e) => {
                        tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot re-index the schedules")
                    }
                }
            }
        }
    });
}

/// Re-index whenever the notes directory changes, until the watcher stops.
pub(super) fn watch_notes(data: &Data) -> Result<Option<crate::index::watch::NotesWatcher>> {
    let config = &data.config;
    if !config.index.watch {
        return Ok(None);
    }
    if config.index.read_only {
        tracing::info!("index.read_only is set: not watching the notes directory");
        return Ok(None);
    }
    let ignore = vec![config.index_path(), config.data_path()];
    let (watcher, mut batches) = crate::index::watch::watch(
        &config.notes_dir,
        &ignore,
        Duration::from_millis(config.index.watch_debounce_ms),
    )?;
    let reindexer = Reindexer::of(data);
    tokio::spawn(async move {
        while let Some(paths) = batches.recv().await {
            tracing::info!(paths = paths.len(), "notes changed; re-indexing");
            match reindexer.run().await {
                Ok(report) => log_report(&report),
                Err(e) => {
                    tracing::error!(error = %crate::errors::chain(e.as_ref()), "re-index failed; answering from the previous index")
                }
            }
        }
    });
    tracing::info!(dir = %config.notes_dir.display(), "watching the notes directory");
    Ok(Some(watcher))
}

fn log_report(r: &Report) {
    tracing::info!(
        read = r.files_read,
        removed = r.files_removed,
        added = r.added.len(),
        changed = r.changed.len(),
        chunks_removed = r.removed.len(),
        "re-indexed"
    );
    for d in &r.diagnostics {
        tracing::warn!("{d}");
    }
}

/// What has to finish after the gateway is closed.
pub struct Shutdown {
    pub(super) inflight: Arc<InFlight>,
    pub(super) stop_digests: Arc<tokio::sync::watch::Sender<bool>>,
    pub(super) digest_task: Arc<Mutex<Option<JoinHandle<()>>>>,
    pub(super) store: Arc<dyn StateStore>,
}

impl Shutdown {
    /// Steps 2 to 4 of the module's shutdown order.
    pub async fn finish(self, grace: Duration) {
        let busy = self.inflight.count();
        if busy > 0 {
            tracing::info!(events = busy, "waiting for replies in flight");
        }
        if !self.inflight.wait_idle(grace).await {
            tracing::warn!(
                events = self.inflight.count(),
                grace_seconds = grace.as_secs(),
                "replies still running after the grace period; stopping anyway"
            );
        }
        let _ = self.stop_digests.send(true);
        let task = self
            .digest_task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(task) = task {
            if tokio::time::timeout(grace, task).await.is_err() {
                tracing::warn!("the digest scheduler did not stop in time");
            }
        }
        match self.store.flush() {
            Ok(()) => tracing::info!("state file flushed"),
            Err(e) => {
                tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot flush the state file")
            }
        }
    }
}
