//! When each session was first seen and last changed, in PostgreSQL.

use super::{secs, PgStore};
use crate::store::{Changed, SessionState, SyncReport};
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

impl PgStore {
    async fn sync_async(
        &self,
        current: &[(String, String, String)],
        now: DateTime<Utc>,
    ) -> Result<SyncReport> {
        let now = secs(now);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Processes re-index on their own; their syncs take turns, so the
        // second one compares with what the first one recorded.
        tx.batch_execute("LOCK TABLE known_sessions IN SHARE ROW EXCLUSIVE MODE")
            .await?;
        let known: HashMap<String, (String, bool)> = tx
            .query("SELECT id, hash, present FROM known_sessions", &[])
            .await?
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        let mut report = SyncReport {
            baseline: known.is_empty(),
            ..SyncReport::default()
        };
        let at = (!report.baseline).then_some(now);
        let (mut new_ids, mut new_hashes, mut new_titles) = (Vec::new(), Vec::new(), Vec::new());
        let update = tx
            .prepare(
                "UPDATE known_sessions SET hash = $2, title = $3, changed_at = $4, present = TRUE,
                   first_seen = CASE WHEN present THEN first_seen ELSE $4 END
                 WHERE id = $1",
            )
            .await?;
        let mut seen = HashSet::new();
        for (sid, hash, title) in current {
            if !seen.insert(sid.as_str()) {
                continue;
            }
            match known.get(sid) {
                None => {
                    new_ids.push(sid.as_str());
                    new_hashes.push(hash.as_str());
                    new_titles.push(title.as_str());
                    if !report.baseline {
                        report.added.push(sid.clone());
                    }
                }
                Some((h, present)) if h != hash || !present => {
                    tx.execute(&update, &[sid, hash, title, &now]).await?;
                    if *present {
                        report.changed.push(sid.clone());
                    } else {
                        report.added.push(sid.clone());
                    }
                }
                Some(_) => {}
            }
        }
        if !new_ids.is_empty() {
            tx.execute(
                "INSERT INTO known_sessions (id, hash, title, first_seen, changed_at)
                 SELECT id, hash, title, $4, $4
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS n(id, hash, title)",
                &[&new_ids, &new_hashes, &new_titles, &at],
            )
            .await?;
        }
        let gone: Vec<&str> = known
            .iter()
            .filter(|(sid, (_, present))| *present && !seen.contains(sid.as_str()))
            .map(|(sid, _)| sid.as_str())
            .collect();
        if !gone.is_empty() {
            tx.execute(
                "UPDATE known_sessions SET present = FALSE WHERE id = ANY($1)",
                &[&gone],
            )
            .await?;
            report.removed = gone.iter().map(|s| s.to_string()).collect();
        }
        tx.commit().await?;
        report.removed.sort();
        Ok(report)
    }
}

impl SessionState for PgStore {
    fn sync_sessions(
        &self,
        current: &[(String, String, String)],
        now: DateTime<Utc>,
    ) -> Result<SyncReport> {
        self.run(self.sync_async(current, now))
    }

    fn changed_since(&self, since: DateTime<Utc>) -> Result<Vec<Changed>> {
        let rows = self.read_sync(
            "SELECT id, title, coalesce(first_seen = changed_at, FALSE), changed_at FROM known_sessions
             WHERE present AND changed_at > $1 ORDER BY changed_at, id",
            // PostgreSQL's times start in 4713 BC; chrono's go further back.
            &[&since.max(DateTime::<Utc>::UNIX_EPOCH)],
        )?;
        Ok(rows
            .iter()
            .map(|r| Changed {
                id: r.get(0),
                title: r.get(1),
                added: r.get(2),
                at: r.get(3),
            })
            .collect())
    }

    fn known_session_count(&self) -> Result<usize> {
        let rows = self.read_sync("SELECT count(*) FROM known_sessions WHERE present", &[])?;
        Ok(rows.first().map(|r| r.get::<_, i64>(0)).unwrap_or(0) as usize)
    }
}
