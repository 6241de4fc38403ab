//! When each session was first seen and last changed, so a digest can say
//! what is new in the notes since a channel's last digest.

use super::{from_ts, ts, SessionState, SqliteStore};
use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, TransactionBehavior};
use std::collections::HashMap;

/// What a sync found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// True on the first sync: everything was recorded as already there.
    pub baseline: bool,
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

/// A session added or changed after some time.
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub id: String,
    pub title: String,
    pub added: bool,
    pub at: DateTime<Utc>,
}

impl SessionState for SqliteStore {
    /// Compare the sessions in the index, `(id, content hash, title)`, with
    /// the ones recorded. The first sync records a baseline: sessions that
    /// were there before the bot started are not "new".
    fn sync_sessions(
        &self,
        current: &[(String, String, String)],
        now: DateTime<Utc>,
    ) -> Result<SyncReport> {
        let mut conn = self.conn();
        // Processes re-index on their own; their syncs take turns, so the
        // second one compares with what the first one recorded.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let known: HashMap<String, (String, bool)> = {
            let mut st = tx.prepare("SELECT id, hash, present FROM known_sessions")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut report = SyncReport {
            baseline: known.is_empty(),
            ..SyncReport::default()
        };
        let at = (!report.baseline).then(|| ts(now));
        let mut seen = std::collections::HashSet::new();
        for (sid, hash, title) in current {
            // A session listed twice (two files claiming one id) counts once.
            if !seen.insert(sid.as_str()) {
                continue;
            }
            match known.get(sid) {
                None => {
                    tx.execute(
                        "INSERT INTO known_sessions (id, hash, title, first_seen, changed_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                        params![sid, hash, title, at],
                    )?;
                    if !report.baseline {
                        report.added.push(sid.clone());
                    }
                }
                Some((h, present)) if h != hash || !present => {
                    tx.execute(
                        "UPDATE known_sessions SET hash = ?2, title = ?3, changed_at = ?4, present = 1,
                           first_seen = CASE WHEN present = 0 THEN ?4 ELSE first_seen END
                         WHERE id = ?1",
                        params![sid, hash, title, ts(now)],
                    )?;
                    if *present {
                        report.changed.push(sid.clone());
                    } else {
                        report.added.push(sid.clone());
                    }
                }
                Some(_) => {}
            }
        }
        for (sid, (_, present)) in &known {
            if *present && !seen.contains(sid.as_str()) {
                tx.execute(
                    "UPDATE known_sessions SET present = 0 WHERE id = ?1",
                    params![sid],
                )?;
                report.removed.push(sid.clone());
            }
        }
        tx.commit()?;
        report.removed.sort();
        Ok(report)
    }

    /// Sessions still in the notes that were added or changed after `since`,
    /// oldest change first.
    fn changed_since(&self, since: DateTime<Utc>) -> Result<Vec<Changed>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT id, title, coalesce(first_seen = changed_at, 0), changed_at FROM known_sessions
             WHERE present = 1 AND changed_at > ?1 ORDER BY changed_at, id",
        )?;
        let rows = st.query_map(params![ts(since)], |r| {
            Ok(Changed {
                id: r.get(0)?,
                title: r.get(1)?,
                added: r.get(2)?,
                at: from_ts(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn known_session_count(&self) -> Result<usize> {
        let n: i64 = self.conn().query_row(
            "SELECT count(*) FROM known_sessions WHERE present = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: &str, hash: &str) -> (String, String, String) {
        (id.into(), hash.into(), format!("Title {id}"))
    }

    #[test]
    fn baseline_then_added_changed_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let t0: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
        let t1: DateTime<Utc> = "2026-03-02T00:00:00Z".parse().unwrap();
        let r = store
            .sync_sessions(&[s("a", "1"), s("b", "1")], t0)
            .unwrap();
        assert!(r.baseline && r.added.is_empty());
        assert!(store
            .changed_since(DateTime::<Utc>::MIN_UTC)
            .unwrap()
            .is_empty());
        let r = store
            .sync_sessions(&[s("a", "2"), s("c", "1")], t1)
            .unwrap();
        assert_eq!(
            (r.added, r.changed, r.removed),
            (
                vec!["c".to_string()],
                vec!["a".to_string()],
                vec!["b".to_string()]
            )
        );
        let ch = store.changed_since(t0).unwrap();
        let got: Vec<(&str, bool)> = ch.iter().map(|c| (c.id.as_str(), c.added)).collect();
        assert_eq!(got, vec![("a", false), ("c", true)]);
        assert!(store.changed_since(t1).unwrap().is_empty());
        // A removed session that comes back counts as added.
        let r = store
            .sync_sessions(
                &[s("a", "2"), s("b", "1"), s("c", "1")],
                t1 + chrono::Duration::hours(1),
            )
            .unwrap();
        assert_eq!(r.added, vec!["b".to_string()]);
    }
}
