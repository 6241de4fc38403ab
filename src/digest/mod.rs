//! What a daily digest holds for a date: "Sessions of the day", rotating
//! through every session (or those of a topic) without repeats until all
//! have been featured, and "New in the notes". [`schedule`] says when one is
//! due; [`runner`] posts them through a [`runner::Poster`] and records each
//! post in the store before sending.
//!
//! The rotation orders sessions on a ring by a hash of their stable id, so a
//! session added later slots in without reshuffling the others. A channel's
//! subscription remembers where it stopped (its cursor); without a cursor
//! (`confnotes digest`, a first digest) the start is derived from the date,
//! so consecutive dates continue where the day before stopped.

pub mod lease;
pub mod runner;
pub mod schedule;

use crate::answer::Engine;
use crate::notes::{Chunk, Kind, Link, SessionMeta};
use crate::store::Changed;
use anyhow::Result;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One digest, as posted and as `confnotes digest --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Sessions of the day.
    pub sessions: Vec<DigestSession>,
    /// Sessions added or changed since the last digest.
    pub new: Vec<NewSession>,
    /// How many sessions the rotation goes through.
    pub rotation_size: usize,
    /// The day's events of a conference under way, from its schedule,
    /// those the team has notes on marked (with `Plan::schedule_today`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub today: Vec<crate::answer::coverage::CoveredEvent>,
    /// "Asked this week, not in the notes": the open gaps of the last 7
    /// days by topic, most asked first (a subscription's `gaps` option).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<DigestGap>,
    /// Where the rotation stopped: the key of the last session featured.
    #[serde(skip)]
    pub cursor: Option<u64>,
}

/// One topic of the week's open gaps: its latest question, and how often
/// the topic was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestGap {
    pub question: String,
    pub asked: usize,
}

/// At most this many topics in "Asked this week, not in the notes".
pub const GAPS_MAX: usize = 5;

/// The open gaps asked since `since` in `guild` (`None`: asked outside any
/// server), one line per
/// topic, most asked first.
pub fn week_gaps(
    store: &dyn crate::store::StateStore,
    guild: Option<u64>,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<DigestGap>> {
    let open: Vec<crate::store::Gap> = store
        .gaps(Some(since))?
        .into_iter()
        .filter(|g| g.closed.is_none() && g.guild_id == guild)
        .collect();
    Ok(crate::answer::gaps::group(&open)
        .into_iter()
        .take(GAPS_MAX)
        .filter_map(|t| {
            Some(DigestGap {
                question: t.gaps.first()?.question.clone(),
                asked: t.asked,
            })
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestSession {
    #[serde(flatten)]
    pub meta: SessionMeta,
    pub summary: String,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSession {
    pub id: String,
    pub title: String,
    /// "added" or "changed".
    pub change: String,
}

/// At most this many of the day's events in "Today in the schedule".
const TODAY_MAX: usize = 15;

/// Settings of a digest.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub date: NaiveDate,
    /// Empty: every session.
    pub topic: &'a str,
    pub per_day: usize,
    pub cursor: Option<u64>,
    /// At most this many "new" entries.
    pub new_max: usize,
    /// Also the day's events of a conference's schedule.
    pub schedule_today: bool,
}

/// The ring position of a session: a 64-bit mix of its id.
pub fn ring_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64 finaliser: neighbouring ids land far apart.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The next `n` of `ids` on the ring after `cursor`, or, without a cursor,
/// from the position that `date` reaches when `n` are featured each day.
/// Returns the picks and the new cursor.
pub fn rotate(
    ids: &[String],
    cursor: Option<u64>,
    date: NaiveDate,
    n: usize,
) -> (Vec<String>, Option<u64>) {
    if ids.is_empty() || n == 0 {
        return (Vec::new(), cursor);
    }
    let mut ring: Vec<(u64, &String)> = ids.iter().map(|id| (ring_key(id), id)).collect();
    ring.sort();
    ring.dedup_by(|a, b| a.1 == b.1);
    let len = ring.len();
    let start = match cursor {
        Some(c) => ring.partition_point(|(k, _)| *k <= c) % len,
        None => {
            let day = date.signed_duration_since(NaiveDate::default()).num_days();
            (day.rem_euclid(len as i64) as usize * n) % len
        }
    };
    let picks: Vec<(u64, &String)> = (0..n.min(len)).map(|i| ring[(start + i) % len]).collect();
    let next = picks.last().map(|(k, _)| *k);
    (picks.into_iter().map(|(_, id)| id.clone()).collect(), next)
}

/// Session ids the rotation goes through: every session, or those matching
/// `topic`.
pub fn candidates(engine: &Engine, topic: &str) -> Result<Vec<String>> {
    if topic.trim().is_empty() {
        let mut ids = Vec::new();
        engine.index.each_chunk(|c| {
            if c.meta.kind.is_session() {
                ids.push(c.meta.id);
            }
            Ok(())
        })?;
        return Ok(ids);
    }
    let chunks: Vec<Chunk> = engine.matching(topic, 10_000)?;
    Ok(chunks
        .into_iter()
        .filter(|c| c.meta.kind.is_session())
        .map(|c| c.meta.id)
        .collect())
}

/// Build the digest for `plan.date`; `changed` is what changed in the notes
/// since the channel's last digest.
pub fn build(engine: &Engine, plan: &Plan<'_>, changed: &[Changed]) -> Result<Digest> {
    let ids = candidates(engine, plan.topic)?;
    let (picks, cursor) = rotate(&ids, plan.cursor, plan.date, plan.per_day);
    let mut sessions = Vec::new();
    for id in &picks {
        if let Some(h) = engine.session(id)? {
            sessions.push(DigestSession {
                // A listed talk is only its title and link: a summary would repeat them.
                summary: if h.meta.kind == Kind::Listed {
                    String::new()
                } else {
                    h.summary
                },
                meta: h.meta,
                links: h.links,
            });
        }
    }
    let in_scope: std::collections::HashSet<&str> = if plan.topic.trim().is_empty() {
        Default::default()
    } else {
        ids.iter().map(String::as_str).collect()
    };
    let new = changed
        .iter()
        .filter(|c| in_scope.is_empty() || in_scope.contains(c.id.as_str()))
        .take(plan.new_max)
        .map(|c| NewSession {
            id: c.id.clone(),
            title: c.title.clone(),
            change: if c.added { "added" } else { "changed" }.to_string(),
        })
        .collect();
    Ok(Digest {
        date: plan.date,
        topic: (!plan.topic.trim().is_empty()).then(|| plan.topic.trim().to_string()),
        sessions,
        new,
        rotation_size: ids.len(),
        today: if plan.schedule_today {
            engine.scheduled_on(plan.date, TODAY_MAX)?
        } else {
            Vec::new()
        },
        gaps: Vec::new(),
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("note/session-{i}")).collect()
    }

    #[test]
    fn consecutive_days_cover_everything_before_repeating() {
        let all = ids(70);
        let d0: NaiveDate = "2026-11-22".parse().unwrap();
        let mut seen = HashSet::new();
        // Stateless (by date) and stateful (by cursor) walks agree.
        let mut cursor = None;
        for day in 0..24 {
            let date = d0 + chrono::Duration::days(day);
            let (by_date, _) = rotate(&all, None, date, 3);
            let (by_cursor, next) = rotate(&all, cursor, date, 3);
            if day == 0 {
                assert_eq!(by_date, by_cursor);
            }
            assert_eq!(by_date, by_cursor, "day {day}");
            cursor = next;
            for id in by_date {
                let fresh = seen.insert(id.clone());
                // 70 = 23 * 3 + 1: only day 23 wraps around.
                assert!(fresh || day == 23, "{id} repeated on day {day}");
            }
        }
        assert_eq!(seen.len(), 70);
    }

    #[test]
    fn a_new_session_joins_without_reshuffling() {
        let mut all = ids(10);
        let d: NaiveDate = "2026-01-01".parse().unwrap();
        let (first, cursor) = rotate(&all, None, d, 2);
        all.push("note/brand-new".into());
        let (second, _) = rotate(&all, cursor, d, 2);
        assert!(second.iter().all(|s| !first.contains(s)));
        assert_eq!(rotate(&[], None, d, 3).0, Vec::<String>::new());
        assert_eq!(rotate(&all[..2], None, d, 5).0.len(), 2);
    }
}
