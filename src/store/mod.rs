//! The bot's persistent state: Q&A channels, answered messages, feedback,
//! digest subscriptions, what each digest posted, and when each session was
//! first seen or last changed (for "New in the notes"), and the notes
//! written from Discord.
//!
//! One SQLite file (`<data_dir>/state.sqlite3`) in WAL mode, so `confnotes
//! state` can read it while the bot writes. The schema is versioned with
//! `PRAGMA user_version`; [`MIGRATIONS`] only ever grows, and a file written
//! by a newer confnotes is refused instead of being damaged.
//!
//! Every write that must not happen twice is one transaction: claiming a
//! message to answer, and recording a digest post together with the rotation
//! cursor it advances. A transaction that reads before it writes takes the
//! write lock first (`BEGIN IMMEDIATE`): two processes on one file then take
//! turns, where a deferred one would fail with "database is locked" (WAL
//! cannot upgrade a read whose snapshot another writer has moved on).
//! Calls hold a mutex for the few microseconds a local SQLite statement
//! takes, so async callers may use it directly.

mod digest_posts;
mod gaps;
mod notes_written;
pub mod pg;
mod sessions;
mod threads;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use digest_posts::{BeginPost, PostRecord, PostState};
pub use gaps::{Gap, GapClosed, GapReason, GapState, NearHit, NewGap};
pub use notes_written::NoteRecord;
pub use sessions::{Changed, SyncReport};
pub use threads::ThreadRecord;

/// The schema, one entry per version. Append; never edit a released entry.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "CREATE TABLE qa_channels (
        channel_id INTEGER PRIMARY KEY,
        guild_id   INTEGER,
        enabled_by INTEGER,
        enabled_at INTEGER NOT NULL
     );
     CREATE TABLE answered (
        message_id INTEGER PRIMARY KEY,
        channel_id INTEGER NOT NULL,
        thread_id  INTEGER,
        query      TEXT NOT NULL,
        at         INTEGER NOT NULL
     );
     CREATE TABLE feedback (
        message_id INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        helpful    INTEGER NOT NULL,
        at         INTEGER NOT NULL,
        PRIMARY KEY (message_id, user_id)
     );
     CREATE TABLE subscriptions (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id   INTEGER,
        channel_id INTEGER NOT NULL,
        time       TEXT NOT NULL,
        timezone   TEXT NOT NULL,
        topic      TEXT NOT NULL DEFAULT '',
        created_by INTEGER,
        created_at INTEGER NOT NULL,
        cursor     INTEGER,
        UNIQUE (channel_id, topic)
     );
     CREATE TABLE digest_posts (
        subscription_id INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        channel_id INTEGER NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'missed', 'failed')),
        nonce      TEXT NOT NULL,
        payload    TEXT NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        message_id INTEGER,
        recorded_at INTEGER NOT NULL,
        sent_at    INTEGER,
        PRIMARY KEY (subscription_id, local_date)
     );
     CREATE TABLE known_sessions (
        id         TEXT PRIMARY KEY,
        hash       TEXT NOT NULL,
        title      TEXT NOT NULL,
        first_seen INTEGER,
        changed_at INTEGER,
        present    INTEGER NOT NULL DEFAULT 1
     );",
    // 2: notes written from Discord (`/note new`), for append and delete.
    "CREATE TABLE notes_written (
        rel         TEXT PRIMARY KEY,
        author_id   INTEGER NOT NULL,
        author_name TEXT NOT NULL,
        guild_id    INTEGER,
        channel_id  INTEGER,
        message_id  INTEGER,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        deleted_at  TEXT
     );
     CREATE INDEX notes_written_author ON notes_written (author_id, updated_at);",
    // 3: leases (which process posts digests), in milliseconds since the epoch.
    "CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        expires_ms INTEGER NOT NULL
     );",
    // 4: the conversation in each Q&A thread.
    "CREATE TABLE qa_threads (
        thread_id  INTEGER PRIMARY KEY,
        channel_id INTEGER NOT NULL,
        question   TEXT NOT NULL,
        conference TEXT,
        year       INTEGER,
        not_year   INTEGER,
        shown      TEXT NOT NULL,
        focus      INTEGER,
        turns      INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
     );
     CREATE INDEX qa_threads_updated ON qa_threads (updated_at);",
    // 5: questions the notes could not answer; a digest option to list them;
    // the bot's answer message, so that reactions on it count as votes.
    "CREATE TABLE gaps (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        question     TEXT NOT NULL,
        channel_id   INTEGER,
        guild_id     INTEGER,
        message_id   INTEGER UNIQUE,
        asked_at     INTEGER NOT NULL,
        reason       TEXT NOT NULL CHECK (reason IN ('no_match', 'not_helpful')),
        nearest      TEXT NOT NULL DEFAULT '[]',
        closed_at    INTEGER,
        closed_by    TEXT,
        closed_title TEXT
     );
     CREATE INDEX gaps_asked ON gaps (asked_at);
     ALTER TABLE subscriptions ADD COLUMN gaps INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE answered ADD COLUMN answer_id INTEGER;
     CREATE INDEX answered_answer ON answered (answer_id);",
];

/// The state the bot and the digest scheduler keep, behind traits so that a
/// store several machines share can replace the SQLite file: PostgreSQL
/// maps the two writes that must not happen twice directly, claiming a
/// message onto `INSERT ... ON CONFLICT DO NOTHING` and recording a digest
/// post with its rotation cursor onto one transaction. [`SqliteStore`] is
/// the implementation today; callers hold an `Arc<dyn StateStore>`.
pub trait StateStore:
    QaState + DigestState + SessionState + NoteState + LeaseState + ThreadState + GapState
{
    /// Where the state lives, for messages and `confnotes state`.
    fn location(&self) -> String;

    /// Make every write durable and self-contained (at shutdown).
    fn flush(&self) -> Result<()>;

    fn schema_version(&self) -> Result<usize>;

    /// Everything, for `confnotes state`.
    fn snapshot(&self) -> Result<Snapshot> {
        let (gaps, open_gaps) = self.gap_counts()?;
        Ok(Snapshot {
            path: self.location(),
            schema_version: self.schema_version()?,
            qa_channels: self.qa_channels()?,
            answered: self.answered_count()?,
            subscriptions: self.subscriptions()?,
            last_posts: self.last_posts()?,
            feedback: self.feedback()?,
            known_sessions: self.known_session_count()?,
            notes_written: self.notes_written()?,
            leases: self.leases()?,
            gaps,
            open_gaps,
        })
    }
}

/// Q&A channels, the messages answered in them, and votes on the answers.
pub trait QaState: Send + Sync {
    /// Mark a channel as a Q&A channel; false if it already was one.
    fn qa_enable(
        &self,
        channel: u64,
        guild: Option<u64>,
        by: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Unmark a channel; false if it was not one.
    fn qa_disable(&self, channel: u64) -> Result<bool>;
    fn is_qa_channel(&self, channel: u64) -> Result<bool>;
    fn qa_channels(&self) -> Result<Vec<QaChannel>>;
    /// Claim a message for answering. True exactly once per message, across
    /// restarts and processes: the caller answers only when it gets true.
    fn claim_message(
        &self,
        message: u64,
        channel: u64,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Where the answer to a message went.
    fn set_answer_thread(&self, message: u64, thread: u64) -> Result<()>;
    /// The question asked in `message`, if the bot answered it.
    fn answered_query(&self, message: u64) -> Result<Option<String>>;
    fn answered_count(&self) -> Result<usize>;
    /// Record a vote on the answer to `message`; a user's later vote replaces
    /// the earlier one. False if it was already recorded as given.
    fn record_feedback(
        &self,
        message: u64,
        user: u64,
        helpful: bool,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    fn feedback(&self) -> Result<Vec<Feedback>>;
}

/// Digest subscriptions and the posts made for them.
pub trait DigestState: Send + Sync {
    /// Subscribe a channel (to a topic); subscribing again with the same
    /// topic updates the time, zone and gaps option. True when it is new.
    fn subscribe(&self, s: &NewSubscription, now: DateTime<Utc>) -> Result<(Subscription, bool)>;
    /// Remove a channel's subscriptions: the one of `topic`, or all of them.
    /// Returns how many were removed.
    fn unsubscribe(&self, channel: u64, topic: Option<&str>) -> Result<usize>;
    fn subscription(&self, sub_id: i64) -> Result<Option<Subscription>>;
    /// Every subscription, oldest first.
    fn subscriptions(&self) -> Result<Vec<Subscription>>;
    /// The subscriptions of one guild (or of DMs, for `None`).
    fn subscriptions_in(&self, guild: Option<u64>) -> Result<Vec<Subscription>>;
    /// Record that `sub`'s digest for `date` is about to be sent, and move
    /// the subscription's rotation cursor, in one transaction. Only the
    /// caller that gets [`BeginPost::Recorded`] sends.
    fn begin_post(
        &self,
        sub: &Subscription,
        date: NaiveDate,
        nonce: &str,
        payload: &str,
        cursor: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<BeginPost>;
    /// The message reached Discord.
    fn finish_post(
        &self,
        sub_id: i64,
        date: NaiveDate,
        message_id: u64,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Sending failed; after `max_attempts` the post is given up.
    fn post_failed(&self, sub_id: i64, date: NaiveDate, max_attempts: u32) -> Result<PostState>;
    /// A pending post of a past day that never reached Discord.
    fn mark_missed(&self, sub_id: i64, date: NaiveDate) -> Result<()>;
    fn pending_posts(&self) -> Result<Vec<PostRecord>>;
    fn post(&self, sub_id: i64, date: NaiveDate) -> Result<Option<PostRecord>>;
    /// The latest post that reached the channel.
    fn last_sent(&self, sub_id: i64) -> Result<Option<PostRecord>>;
    /// Every post of one channel, oldest first.
    fn posts_in(&self, channel: u64) -> Result<Vec<PostRecord>>;
    /// The latest post of each subscription, for `confnotes state`.
    fn last_posts(&self) -> Result<Vec<PostRecord>>;
}

/// When each session was first seen and last changed.
pub trait SessionState: Send + Sync {
    /// Compare the sessions in the index, `(id, content hash, title)`, with
    /// the ones recorded. The first sync records a baseline: sessions that
    /// were there before the bot started are not "new".
    fn sync_sessions(
        &self,
        current: &[(String, String, String)],
        now: DateTime<Utc>,
    ) -> Result<SyncReport>;
    /// Sessions still in the notes added or changed after `since`, oldest
    /// change first.
    fn changed_since(&self, since: DateTime<Utc>) -> Result<Vec<Changed>>;
    fn known_session_count(&self) -> Result<usize>;
}

/// Notes written from Discord, so that only those are appended to or
/// deleted, by their author (or a manager).
pub trait NoteState: Send + Sync {
    /// Record a note just written; a record of a deleted note with the same
    /// file is replaced.
    fn record_note(&self, note: &NoteRecord) -> Result<()>;
    /// The bot's reply that shows the note.
    fn set_note_message(&self, rel: &str, message: u64) -> Result<()>;
    /// A paragraph was appended; false if the note is not recorded (or deleted).
    fn note_appended(&self, rel: &str, now: DateTime<Utc>) -> Result<bool>;
    /// The file was removed; false if it was not recorded (or already deleted).
    fn note_deleted(&self, rel: &str, now: DateTime<Utc>) -> Result<bool>;
    /// An author's notes not deleted, most recently written or appended first.
    fn recent_notes_by(&self, author: u64, limit: usize) -> Result<Vec<NoteRecord>>;
    fn note_record(&self, rel: &str) -> Result<Option<NoteRecord>>;
    /// Every note recorded, deleted ones too, oldest first.
    fn notes_written(&self) -> Result<Vec<NoteRecord>>;
}

/// The conversation in each Q&A thread the bot opened, so a follow-up
/// there is read against what the thread showed.
pub trait ThreadState: Send + Sync {
    /// Save a thread's state after an answer (replacing what it had).
    fn save_thread(&self, thread: &ThreadRecord) -> Result<()>;
    fn thread(&self, thread: u64) -> Result<Option<ThreadRecord>>;
    /// Forget the threads not updated since `before`; how many.
    fn forget_threads(&self, before: DateTime<Utc>) -> Result<usize>;
}

/// Leases: one process among several does a job (posting digests) at a
/// time. A lease is held for a while and renewed before it runs out; when
/// its holder dies, another process takes it once it has expired.
pub trait LeaseState: Send + Sync {
    /// Take the lease `name` for `owner`, or keep it, for `ttl` from now:
    /// true if `owner` holds it now. Taken only when free or expired.
    fn hold_lease(&self, name: &str, owner: &str, ttl: Duration) -> Result<bool>;
    /// Give the lease up (at shutdown), so another process takes it at once.
    fn release_lease(&self, name: &str, owner: &str) -> Result<()>;
    /// The leases held now.
    fn leases(&self) -> Result<Vec<Lease>>;
}

/// Who holds a lease, and until when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lease {
    pub name: String,
    pub owner: String,
    pub expires_at: DateTime<Utc>,
}

/// Where the state is kept.
#[derive(Debug, Clone)]
pub enum Location {
    /// A SQLite file: one process, or several on one machine.
    Sqlite(PathBuf),
    /// A PostgreSQL database, for processes on several machines.
    Postgres(pg::PgOptions),
}

/// Open the state where `location` says.
pub fn open(location: &Location) -> Result<Arc<dyn StateStore>> {
    Ok(match location {
        Location::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
        Location::Postgres(options) => Arc::new(pg::PgStore::open(options)?),
    })
}

/// A state file's schema, when it is not this version's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Written by an older confnotes: migrated when serve (or any command
    /// that writes state) opens it.
    Older { version: usize, known: usize },
    /// Written by a newer confnotes: this one refuses it.
    Newer { version: usize, known: usize },
}

/// The SQLite state file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Tests: abandon the next digest post's transaction before it commits.
    fail_commit: AtomicBool,
}

/// A channel where the bot answers questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QaChannel {
    pub channel_id: u64,
    pub guild_id: Option<u64>,
    pub enabled_by: Option<u64>,
    pub enabled_at: DateTime<Utc>,
}

/// A "Not helpful" (or helpful) vote on an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    pub message_id: u64,
    pub channel_id: Option<u64>,
    pub query: Option<String>,
    pub user_id: u64,
    pub helpful: bool,
    pub at: DateTime<Utc>,
}

/// A channel's daily digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscription {
    pub id: i64,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    /// Local time of day, "HH:MM" in JSON.
    #[serde(with = "crate::time::hhmm")]
    pub time: NaiveTime,
    /// IANA time zone, by name in JSON.
    #[serde(with = "crate::time::zone")]
    pub timezone: Tz,
    /// Empty: all sessions.
    pub topic: String,
    pub created_by: Option<u64>,
    pub created_at: DateTime<Utc>,
    /// Where the session rotation stopped last time.
    pub cursor: Option<u64>,
    /// The digest ends with the week's open gaps.
    pub gaps: bool,
}

/// What `/digest subscribe` asks for.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub time: NaiveTime,
    pub timezone: Tz,
    pub topic: String,
    pub created_by: Option<u64>,
    /// End the digest with the week's open gaps.
    pub gaps: bool,
}

/// Everything `confnotes state` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub path: String,
    pub schema_version: usize,
    pub qa_channels: Vec<QaChannel>,
    pub answered: usize,
    pub subscriptions: Vec<Subscription>,
    pub last_posts: Vec<PostRecord>,
    pub feedback: Vec<Feedback>,
    pub known_sessions: usize,
    pub notes_written: Vec<NoteRecord>,
    /// Leases held now: which process posts the digests.
    pub leases: Vec<Lease>,
    /// Questions the notes could not answer, and how many are still open.
    pub gaps: usize,
    pub open_gaps: usize,
}

pub(crate) fn id(v: u64) -> i64 {
    // Discord snowflakes are below 2^63.
    v as i64
}

pub(crate) fn uid(v: i64) -> u64 {
    v as u64
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_ts(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

pub(crate) fn date_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl SqliteStore {
    /// Open (creating if needed) the state file and bring its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        }
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the state file {}", path.display()))?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            fail_commit: AtomicBool::new(false),
        };
        store
            .setup()
            .with_context(|| format!("state file {}", path.display()))?;
        Ok(store)
    }

    /// The state file as it is, for looking only (`confnotes doctor`):
    /// never created, migrated or written. A file of another schema than
    /// this version's is [`Schema::Older`] or [`Schema::Newer`], not opened.
    pub fn open_read_only(path: &Path) -> Result<std::result::Result<SqliteStore, Schema>> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
            | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags)
            .with_context(|| format!("cannot open the state file {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version = user_version(&conn)
            .with_context(|| format!("cannot read the state file {}", path.display()))?;
        let known = MIGRATIONS.len();
        if version < known {
            return Ok(Err(Schema::Older { version, known }));
        }
        if version > known {
            return Ok(Err(Schema::Newer { version, known }));
        }
        Ok(Ok(SqliteStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            fail_commit: AtomicBool::new(false),
        }))
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn setup(&self) -> Result<()> {
        let mut conn = self.conn();
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL: readers (confnotes state) never block the bot's writes.
        let mode = wal(&conn)?;
        if mode != "wal" && mode != "memory" {
            tracing::warn!(mode, "state file is not in WAL mode");
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        if user_version(&conn)? == MIGRATIONS.len() {
            return Ok(());
        }
        // Two processes starting at once on a new file: the second waits
        // for the write lock, then finds the schema migrated and applies
        // nothing (read again under the lock, not before it).
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version = user_version(&tx)?;
        if version > MIGRATIONS.len() {
            bail!(
                "it was written by a newer confnotes (schema {version}, this one knows {})",
                MIGRATIONS.len()
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql)
                .with_context(|| format!("schema migration {}", i + 1))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tracing::info!(version = i + 1, "state schema migrated");
        }
        tx.commit()?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tests: the next digest post recorded is abandoned just before its
    /// transaction commits, as when the process dies at that moment.
    #[doc(hidden)]
    pub fn fail_before_next_commit(&self) {
        self.fail_commit.store(true, Ordering::SeqCst);
    }

    pub(crate) fn take_commit_fault(&self) -> Result<()> {
        if self.fail_commit.swap(false, Ordering::SeqCst) {
            bail!("the state file's transaction was abandoned before the commit");
        }
        Ok(())
    }
}

/// Put the file in WAL mode (it stays so); the mode it is in. Two
/// processes creating the file at once race for the lock this takes, and
/// SQLite fails the loser at once ("database is locked") instead of
/// waiting: it tries again, for up to a second.
fn wal(conn: &Connection) -> Result<String> {
    for _ in 0..100 {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            mode => return Ok(mode?),
        }
    }
    Ok(conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?)
}

fn user_version(conn: &Connection) -> Result<usize> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(v.max(0) as usize)
}

/// Now, in milliseconds since the epoch, for lease expiry: the machine's
/// clock, which every process on it shares.
fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

impl LeaseState for SqliteStore {
    fn hold_lease(&self, name: &str, owner: &str, ttl: Duration) -> Result<bool> {
        let now = now_ms();
        let held: Option<String> = self
            .conn()
            .query_row(
                "INSERT INTO leases (name, owner, expires_ms) VALUES (?1, ?2, ?3 + ?4)
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
                 WHERE leases.owner = excluded.owner OR leases.expires_ms < ?3
                 RETURNING owner",
                params![name, owner, now, ttl.as_millis().min(i64::MAX as u128) as i64],
                |r| r.get(0),
            )
            .optional()?;
        Ok(held.is_some())
    }

    fn release_lease(&self, name: &str, owner: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM leases WHERE name = ?1 AND owner = ?2",
            params![name, owner],
        )?;
        Ok(())
    }

    fn leases(&self) -> Result<Vec<Lease>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT name, owner, expires_ms FROM leases WHERE expires_ms > ?1 ORDER BY name",
        )?;
        let rows = st.query_map(params![now_ms()], |r| {
            Ok(Lease {
                name: r.get(0)?,
                owner: r.get(1)?,
                expires_at: Utc
                    .timestamp_millis_opt(r.get(2)?)
                    .single()
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl StateStore for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// Fold the write-ahead log into the database file (at shutdown), so a
    /// copy of the state file alone is complete. With `synchronous=NORMAL`
    /// a commit is durable once the checkpoint has run.
    fn flush(&self) -> Result<()> {
        self.conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .with_context(|| format!("cannot checkpoint {}", self.path.display()))
    }

    fn schema_version(&self) -> Result<usize> {
        user_version(&self.conn())
    }
}

impl QaState for SqliteStore {
    /// Mark a channel as a Q&A channel; false if it already was one.
    fn qa_enable(
        &self,
        channel: u64,
        guild: Option<u64>,
        by: Option<u64>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO qa_channels (channel_id, guild_id, enabled_by, enabled_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![id(channel), guild.map(id), by.map(id), ts(now)],
        )?;
        Ok(n == 1)
    }

    /// Unmark a channel; false if it was not one.
    fn qa_disable(&self, channel: u64) -> Result<bool> {
        let n = self.conn().execute(
            "DELETE FROM qa_channels WHERE channel_id = ?1",
            params![id(channel)],
        )?;
        Ok(n == 1)
    }

    fn is_qa_channel(&self, channel: u64) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM qa_channels WHERE channel_id = ?1",
                params![id(channel)],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    fn qa_channels(&self) -> Result<Vec<QaChannel>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT channel_id, guild_id, enabled_by, enabled_at FROM qa_channels ORDER BY enabled_at, channel_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(QaChannel {
                channel_id: uid(r.get(0)?),
                guild_id: r.get::<_, Option<i64>>(1)?.map(uid),
                enabled_by: r.get::<_, Option<i64>>(2)?.map(uid),
                enabled_at: from_ts(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // ----- answered messages and feedback -----

    /// Claim a message for answering. True exactly once per message, across
    /// restarts: the caller answers only when it gets true.
    fn claim_message(
        &self,
        message: u64,
        channel: u64,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO answered (message_id, channel_id, query, at) VALUES (?1, ?2, ?3, ?4)",
            params![id(message), id(channel), query, ts(now)],
        )?;
        Ok(n == 1)
    }

    /// Where the answer to a message went.
    fn set_answer_thread(&self, message: u64, thread: u64) -> Result<()> {
        self.conn().execute(
            "UPDATE answered SET thread_id = ?2 WHERE message_id = ?1",
            params![id(message), id(thread)],
        )?;
        Ok(())
    }

    /// The question asked in `message`, if the bot answered it.
    fn answered_query(&self, message: u64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT query FROM answered WHERE message_id = ?1",
                params![id(message)],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn answered_count(&self) -> Result<usize> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM answered", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Record a vote on the answer to `message`; a user's later vote replaces
    /// the earlier one. False if it was already recorded as given.
    fn record_feedback(
        &self,
        message: u64,
        user: u64,
        helpful: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "INSERT INTO feedback (message_id, user_id, helpful, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (message_id, user_id) DO UPDATE SET helpful = excluded.helpful, at = excluded.at
             WHERE feedback.helpful != excluded.helpful",
            params![id(message), id(user), helpful, ts(now)],
        )?;
        Ok(n == 1)
    }

    fn feedback(&self) -> Result<Vec<Feedback>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT f.message_id, a.channel_id, a.query, f.user_id, f.helpful, f.at
             FROM feedback f LEFT JOIN answered a ON a.message_id = f.message_id
             ORDER BY f.at, f.message_id, f.user_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Feedback {
                message_id: uid(r.get(0)?),
                channel_id: r.get::<_, Option<i64>>(1)?.map(uid),
                query: r.get(2)?,
                user_id: uid(r.get(3)?),
                helpful: r.get(4)?,
                at: from_ts(r.get(5)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl SqliteStore {
    pub(crate) fn query_subscriptions(
        &self,
        filter: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Subscription>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT id, guild_id, channel_id, time, timezone, topic, created_by, created_at, cursor, gaps
             FROM subscriptions {filter} ORDER BY id"
        ))?;
        let rows = st.query_map(args, |r| {
            let id: i64 = r.get(0)?;
            let time: String = r.get(3)?;
            let zone: String = r.get(4)?;
            // Parsed once, here. Only this crate writes the table, so a bad
            // value was edited in by hand: that subscription is left out,
            // with a warning, and the others go on.
            let (time, timezone) = match (
                crate::time::parse_time(&time),
                crate::time::parse_zone(&zone),
            ) {
                (Ok(t), Ok(z)) => (t, z),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(subscription = id, "subscription left out: {e}");
                    return Ok(None);
                }
            };
            Ok(Some(Subscription {
                id,
                guild_id: r.get::<_, Option<i64>>(1)?.map(uid),
                channel_id: uid(r.get(2)?),
                time,
                timezone,
                topic: r.get(5)?,
                created_by: r.get::<_, Option<i64>>(6)?.map(uid),
                created_at: from_ts(r.get(7)?),
                cursor: r.get::<_, Option<i64>>(8)?.map(uid),
                gaps: r.get(9)?,
            }))
        })?;
        let rows: Vec<Option<Subscription>> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(rows.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn migrates_once_and_refuses_newer_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite3");
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len());
        let mode: String = s
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        s.qa_enable(5, Some(1), None, t("2026-01-01T00:00:00Z"))
            .unwrap();
        drop(s);
        // Reopening keeps the data and does not migrate again.
        let s = SqliteStore::open(&path).unwrap();
        assert!(s.is_qa_channel(5).unwrap());
        s.conn()
            .pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1)
            .unwrap();
        drop(s);
        let err = format!("{:#}", SqliteStore::open(&path).err().unwrap());
        assert!(err.contains("newer confnotes"), "{err}");
        assert!(err.contains("state.sqlite3"), "{err}");
    }

    #[test]
    fn claims_each_message_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let now = t("2026-01-01T00:00:00Z");
        let s = SqliteStore::open(&path).unwrap();
        assert!(s.claim_message(10, 1, "q", now).unwrap());
        assert!(!s.claim_message(10, 1, "q", now).unwrap());
        drop(s);
        let s = SqliteStore::open(&path).unwrap();
        assert!(!s.claim_message(10, 1, "q", now).unwrap());
        assert!(s.record_feedback(10, 7, false, now).unwrap());
        assert!(!s.record_feedback(10, 7, false, now).unwrap());
        let fb = s.feedback().unwrap();
        assert_eq!(fb.len(), 1);
        assert_eq!(fb[0].query.as_deref(), Some("q"));
        assert!(!fb[0].helpful);
    }

    #[test]
    fn subscribing_twice_updates_and_topics_are_separate() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let now = t("2026-01-01T00:00:00Z");
        let mut new = NewSubscription {
            guild_id: Some(1),
            channel_id: 2,
            time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            timezone: chrono_tz::Europe::Amsterdam,
            topic: String::new(),
            created_by: Some(3),
            gaps: false,
        };
        let (a, created) = s.subscribe(&new, now).unwrap();
        assert!(created);
        new.time = NaiveTime::from_hms_opt(8, 30, 0).unwrap();
        let (b, created) = s.subscribe(&new, now).unwrap();
        assert!(!created);
        assert_eq!(
            (a.id, b.time.format("%H:%M").to_string()),
            (b.id, "08:30".into())
        );
        new.topic = "ebpf".into();
        let (c, created) = s.subscribe(&new, now).unwrap();
        assert!(created && c.id != a.id);
        assert_eq!(s.subscriptions_in(Some(1)).unwrap().len(), 2);
        assert_eq!(s.unsubscribe(2, Some("ebpf")).unwrap(), 1);
        assert_eq!(s.unsubscribe(2, None).unwrap(), 1);
        assert!(s.subscriptions().unwrap().is_empty());
    }

    #[test]
    fn a_subscription_edited_to_nonsense_is_left_out_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let now = t("2026-01-01T00:00:00Z");
        let new = |channel_id| NewSubscription {
            guild_id: Some(1),
            channel_id,
            time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            timezone: chrono_tz::Asia::Kolkata,
            topic: String::new(),
            created_by: None,
            gaps: false,
        };
        for channel in [2, 3, 4] {
            s.subscribe(&new(channel), now).unwrap();
        }
        let subs = s.subscriptions().unwrap();
        assert_eq!(
            subs[0].timezone,
            chrono_tz::Asia::Kolkata,
            "typed when read"
        );
        s.conn()
            .execute_batch(
                "UPDATE subscriptions SET timezone = 'Mars/Olympus' WHERE channel_id = 2;
                 UPDATE subscriptions SET time = '25:99' WHERE channel_id = 3;",
            )
            .unwrap();
        let kept: Vec<u64> = s
            .subscriptions()
            .unwrap()
            .iter()
            .map(|s| s.channel_id)
            .collect();
        assert_eq!(kept, [4]);
    }
}
