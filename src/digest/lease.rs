//! One poster among several processes: the digests' lease.
//!
//! Every process that may post digests (`digest.enabled`) tries to hold the
//! lease `digests` in the shared state, for one check interval, renewing it
//! three times per interval. Only the holder posts. When it dies its lease
//! runs out; another process takes it at its next try and, before posting
//! what is due, settles the posts the dead one left pending (found in the
//! channel by their nonce, or sent), so nothing is posted twice. The
//! holder believes it holds the lease only until the expiry it asked for,
//! counted on its own clock from before it asked: when the database is out
//! of reach it stops posting before another process can take over.

use crate::store::StateStore;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The lease's name in the state.
pub const NAME: &str = "digests";

/// This process's claim on the digests' lease.
pub struct Lease {
    store: Arc<dyn StateStore>,
    owner: String,
    ttl: Duration,
    /// Until when this process holds it, on the monotonic clock.
    until: Mutex<Option<Instant>>,
}

impl Lease {
    pub fn new(store: Arc<dyn StateStore>, ttl: Duration) -> Lease {
        Lease {
            store,
            owner: owner_id(),
            ttl,
            until: Mutex::new(None),
        }
    }

    /// Who this process is in the lease table: host, process id and a
    /// random part (a restarted process with the same pid is someone else).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// How often [`Lease::renew`] should run.
    pub fn renew_every(&self) -> Duration {
        (self.ttl / 3).max(Duration::from_millis(10))
    }

    /// Take the lease or keep it; true if this process holds it now. Says
    /// in the log when this process starts or stops posting.
    pub fn renew(&self) -> bool {
        let asked = Instant::now();
        let was = self.held();
        match self.store.hold_lease(NAME, &self.owner, self.ttl) {
            Ok(true) => {
                *self.until.lock().unwrap_or_else(|e| e.into_inner()) = Some(asked + self.ttl);
                if !was {
                    tracing::info!(owner = %self.owner, "this process posts the digests now");
                }
                true
            }
            Ok(false) => {
                *self.until.lock().unwrap_or_else(|e| e.into_inner()) = None;
                if was {
                    tracing::warn!(owner = %self.owner, "another process took the digests' lease");
                }
                false
            }
            Err(e) => {
                // Keep what is left of the lease; it runs out on its own.
                tracing::warn!(error = %crate::errors::chain(e.as_ref()), "cannot renew the digests' lease");
                self.held()
            }
        }
    }

    /// Whether this process holds the lease now, as far as it knows.
    pub fn held(&self) -> bool {
        self.until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|t| Instant::now() < t)
    }

    /// Give the lease up (at shutdown), so another process takes over now.
    pub fn release(&self) {
        let was = self
            .until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some();
        if was {
            match self.store.release_lease(NAME, &self.owner) {
                Ok(()) => tracing::info!(owner = %self.owner, "digests' lease released"),
                Err(e) => {
                    tracing::warn!(error = %crate::errors::chain(e.as_ref()), "cannot release the digests' lease")
                }
            }
        }
    }
}

fn owner_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_string());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let salt = crate::hash::content_hash(format!("{nanos}:{}", std::process::id()).as_bytes());
    format!(
        "{host}/{}/{}",
        std::process::id(),
        &salt[..salt.len().min(6)]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    #[test]
    fn one_holder_at_a_time_and_a_release_hands_over_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let a = Lease::new(
            Arc::new(SqliteStore::open(&path).unwrap()),
            Duration::from_secs(60),
        );
        let b = Lease::new(
            Arc::new(SqliteStore::open(&path).unwrap()),
            Duration::from_secs(60),
        );
        assert_ne!(a.owner(), b.owner());
        assert!(a.renew() && a.held());
        assert!(!b.renew() && !b.held());
        assert!(a.renew(), "the holder renews");
        a.release();
        assert!(!a.held());
        assert!(b.renew(), "released: taken at once");
        assert!(!a.renew());
    }

    #[test]
    fn an_expired_lease_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let ttl = Duration::from_millis(150);
        let a = Lease::new(Arc::new(SqliteStore::open(&path).unwrap()), ttl);
        let b = Lease::new(Arc::new(SqliteStore::open(&path).unwrap()), ttl);
        assert!(a.renew());
        assert!(!b.renew());
        std::thread::sleep(ttl + Duration::from_millis(50));
        assert!(!a.held(), "the holder knows its lease ran out");
        assert!(b.renew(), "and another process takes it");
        assert!(!a.renew());
    }
}
