//! Notes written from Discord (`/note new`): who wrote which file, from
//! which channel and message, and when it was last appended to or deleted.
//! `/note append` and `/note delete` act only on notes recorded here, and
//! the author's recent ones are what `/note append` offers.

use super::{id, uid, NoteState, SqliteStore};
use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// One note written from Discord.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteRecord {
    /// The file, relative to the notes directory.
    pub rel: String,
    pub author_id: u64,
    pub author_name: String,
    pub guild_id: Option<u64>,
    pub channel_id: Option<u64>,
    /// The bot's reply showing the note's card.
    pub message_id: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// RFC 3339 in UTC, to the second: sorts as text.
fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A time written by [`text`]; a value edited into nonsense reads as the epoch.
fn parse(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

const COLUMNS: &str = "rel, author_id, author_name, guild_id, channel_id, message_id, \
                       created_at, updated_at, deleted_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<NoteRecord> {
    Ok(NoteRecord {
        rel: r.get(0)?,
        author_id: uid(r.get(1)?),
        author_name: r.get(2)?,
        guild_id: r.get::<_, Option<i64>>(3)?.map(uid),
        channel_id: r.get::<_, Option<i64>>(4)?.map(uid),
        message_id: r.get::<_, Option<i64>>(5)?.map(uid),
        created_at: parse(&r.get::<_, String>(6)?),
        updated_at: parse(&r.get::<_, String>(7)?),
        deleted_at: r.get::<_, Option<String>>(8)?.as_deref().map(parse),
    })
}

impl NoteState for SqliteStore {
    fn record_note(&self, n: &NoteRecord) -> Result<()> {
        // A file deleted and written again under the same name is a new note.
        self.conn().execute(
            &format!("INSERT OR REPLACE INTO notes_written ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                n.rel,
                id(n.author_id),
                n.author_name,
                n.guild_id.map(id),
                n.channel_id.map(id),
                n.message_id.map(id),
                text(n.created_at),
                text(n.updated_at),
                n.deleted_at.map(text),
            ],
        )?;
        Ok(())
    }

    fn set_note_message(&self, rel: &str, message: u64) -> Result<()> {
        self.conn().execute(
            "UPDATE notes_written SET message_id = ?2 WHERE rel = ?1",
            params![rel, id(message)],
        )?;
        Ok(())
    }

    fn note_appended(&self, rel: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE notes_written SET updated_at = ?2 WHERE rel = ?1 AND deleted_at IS NULL",
            params![rel, text(now)],
        )?;
        Ok(n == 1)
    }

    fn note_deleted(&self, rel: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE notes_written SET deleted_at = ?2 WHERE rel = ?1 AND deleted_at IS NULL",
            params![rel, text(now)],
        )?;
        Ok(n == 1)
    }

    fn recent_notes_by(&self, author: u64, limit: usize) -> Result<Vec<NoteRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM notes_written WHERE author_id = ?1 AND deleted_at IS NULL
             ORDER BY updated_at DESC, created_at DESC, rel LIMIT ?2"
        ))?;
        let rows = st.query_map(params![id(author), limit as i64], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn note_record(&self, rel: &str) -> Result<Option<NoteRecord>> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM notes_written WHERE rel = ?1");
        Ok(conn.query_row(&sql, params![rel], row).optional()?)
    }

    fn notes_written(&self) -> Result<Vec<NoteRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM notes_written ORDER BY created_at, rel"
        ))?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StateStore;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn note(rel: &str, author: u64, at: &str) -> NoteRecord {
        NoteRecord {
            rel: rel.to_string(),
            author_id: author,
            author_name: format!("user{author}"),
            guild_id: Some(1),
            channel_id: Some(2),
            message_id: None,
            created_at: t(at),
            updated_at: t(at),
            deleted_at: None,
        }
    }

    #[test]
    fn records_appends_and_deletes_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let s = SqliteStore::open(&path).unwrap();
        s.record_note(&note("a/one.md", 7, "2026-11-22T10:00:00Z"))
            .unwrap();
        s.record_note(&note("a/two.md", 7, "2026-11-22T11:00:00Z"))
            .unwrap();
        s.record_note(&note("a/other.md", 8, "2026-11-22T12:00:00Z"))
            .unwrap();
        s.set_note_message("a/one.md", 99).unwrap();
        drop(s);
        let s = SqliteStore::open(&path).unwrap();
        let rels = |v: Vec<NoteRecord>| v.into_iter().map(|n| n.rel).collect::<Vec<_>>();
        assert_eq!(
            rels(s.recent_notes_by(7, 10).unwrap()),
            ["a/two.md", "a/one.md"]
        );
        // Appending makes a note the most recent.
        assert!(s
            .note_appended("a/one.md", t("2026-11-22T13:00:00Z"))
            .unwrap());
        assert_eq!(rels(s.recent_notes_by(7, 1).unwrap()), ["a/one.md"]);
        let one = s.note_record("a/one.md").unwrap().unwrap();
        assert_eq!(one.message_id, Some(99));
        assert_eq!(one.updated_at, t("2026-11-22T13:00:00Z"));
        assert!(s.note_record("a/none.md").unwrap().is_none());
        // Deleted notes are kept, marked, and no longer offered.
        assert!(s
            .note_deleted("a/one.md", t("2026-11-22T14:00:00Z"))
            .unwrap());
        assert!(!s
            .note_deleted("a/one.md", t("2026-11-22T15:00:00Z"))
            .unwrap());
        assert!(!s
            .note_appended("a/one.md", t("2026-11-22T15:00:00Z"))
            .unwrap());
        assert_eq!(rels(s.recent_notes_by(7, 10).unwrap()), ["a/two.md"]);
        let all = s.notes_written().unwrap();
        assert_eq!(rels(all.clone()), ["a/one.md", "a/two.md", "a/other.md"]);
        assert_eq!(all[0].deleted_at, Some(t("2026-11-22T14:00:00Z")));
        assert_eq!(s.snapshot().unwrap().notes_written.len(), 3);
    }
}
