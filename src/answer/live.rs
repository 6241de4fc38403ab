//! An engine that is re-indexed while it answers.
//!
//! Every question works on a snapshot (`Arc<Engine>`): one index reader, one
//! set of segments, from its first search to its last snippet. A re-index
//! builds a new engine beside the old one (tantivy lets readers go on while
//! a writer commits) and swaps it in only when it is complete, so a question
//! sees the old index or the new one, never a mix, and is never blocked by a
//! re-index. Re-indexes run one at a time.
//!
//! On disk the same holds: tantivy's commit replaces `meta.json` atomically,
//! and the manifest is written after it, so a crash mid-way leaves the last
//! committed index, and the next start re-reads whatever the manifest does
//! not vouch for.

use super::Engine;
use crate::config::Config;
use crate::index::{Progress, Report};
use anyhow::Result;
use std::sync::{Arc, Mutex, RwLock};

pub struct LiveEngine {
    current: RwLock<Arc<Engine>>,
    /// Held while a re-index runs.
    reindexing: Mutex<()>,
    config: Config,
}

impl LiveEngine {
    pub fn new(engine: Engine) -> LiveEngine {
        let config = engine.config.clone();
        LiveEngine {
            current: RwLock::new(Arc::new(engine)),
            reindexing: Mutex::new(()),
            config,
        }
    }

    /// The engine to answer one question (or build one digest) with.
    pub fn snapshot(&self) -> Arc<Engine> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Bring the index in line with the notes and switch to it. Blocking:
    /// call it off the async runtime. If it fails, the old engine stays.
    pub fn reindex(&self, progress: &dyn Progress) -> Result<Report> {
        let _one_at_a_time = self.reindexing.lock().unwrap_or_else(|e| e.into_inner());
        let (engine, report) = Engine::open(&self.config, progress)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
        Ok(report)
    }
}
