//! One conformance suite for the state traits, run against every store:
//! SQLite (a temporary file) and PostgreSQL (a fresh database per test on
//! the tests' throwaway server; SKIPPED without PostgreSQL unless
//! `CONFNOTES_TEST_REQUIRE_POSTGRES` is set).
//!
//! A scenario is written once, as a function of a [`Backend`], and
//! [`check`] runs it on each store from empty state. A scenario returns what
//! it saw (the calls' results, with the fixed times it passed in); `check`
//! requires the same from every store, so SQLite and PostgreSQL cannot
//! drift apart unnoticed. [`Backend::open`] gives another handle on the
//! same state, as another process would have: its own SQLite connection,
//! or its own PostgreSQL pool.

mod concurrency;
mod digest;
mod faults;
mod gaps;
mod leases;
mod lifecycle;
mod qa;
mod sessions_notes;
mod threads;

use crate::common::pg;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use confnotes::store::pg::{PgOptions, PgStore};
use confnotes::store::{NewSubscription, SqliteStore, StateStore};
use std::fmt::Debug;
use std::ops::Deref;
use std::path::PathBuf;

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Where one run of a scenario keeps its state.
pub enum Backend {
    Sqlite {
        path: PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
    },
}

/// A store, with the concrete type's test hooks at hand.
pub enum Store {
    Sqlite(SqliteStore),
    Pg(PgStore),
}

impl Deref for Store {
    type Target = dyn StateStore;

    fn deref(&self) -> &Self::Target {
        match self {
            Store::Sqlite(s) => s,
            Store::Pg(s) => s,
        }
    }
}

impl Store {
    /// The next digest post loses its transaction just before the commit.
    pub fn fail_before_next_commit(&self) {
        match self {
            Store::Sqlite(s) => s.fail_before_next_commit(),
            Store::Pg(s) => s.fail_before_next_commit(),
        }
    }
}

pub fn pg_options(url: &str) -> PgOptions {
    PgOptions {
        url: url.to_string(),
        ..PgOptions::default()
    }
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// Open a store on this backend's state (creating and migrating it the
    /// first time).
    pub fn try_open(&self) -> anyhow::Result<Store> {
        Ok(match self {
            Backend::Sqlite { path, .. } => Store::Sqlite(SqliteStore::open(path)?),
            Backend::Postgres { url } => Store::Pg(PgStore::open(&pg_options(url))?),
        })
    }

    pub fn open(&self) -> Store {
        self.try_open()
            .unwrap_or_else(|e| panic!("{}: {e:#}", self.name()))
    }

    /// The schema version written in the state itself, bypassing the store.
    pub fn raw_schema_version(&self) -> i64 {
        match self {
            Backend::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .unwrap()
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap(),
            Backend::Postgres { url } => {
                let rows = pg::sql(
                    url,
                    "SELECT coalesce(max(version), 0) FROM schema_migrations",
                );
                rows[0][0].as_deref().unwrap().parse().unwrap()
            }
        }
    }

    /// Leave the state as a newer confnotes would: schema version `v`.
    pub fn set_raw_schema_version(&self, v: i64) {
        match self {
            Backend::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .unwrap()
                .pragma_update(None, "user_version", v)
                .unwrap(),
            Backend::Postgres { url } => {
                pg::sql(
                    url,
                    &format!("INSERT INTO schema_migrations (version) VALUES ({v})"),
                );
            }
        }
    }
}

/// Fresh, empty state on every store this machine has: SQLite always,
/// PostgreSQL when it is there (or required).
pub fn backends(what: &str) -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec![Backend::Sqlite {
        path: dir.path().join("state.sqlite3"),
        _dir: dir,
    }];
    if let Some(url) = pg::database(&format!("state_stores::{what}")) {
        all.push(Backend::Postgres { url });
    }
    all
}

/// Run `scenario` on every store from empty state, and require the same
/// result from each.
pub fn check<T: PartialEq + Debug>(what: &str, scenario: impl Fn(&Backend) -> T) {
    let mut first: Option<(&str, T)> = None;
    for backend in backends(what) {
        // Shown with a failure, to tell which store it was.
        println!("{what}: on {}", backend.name());
        let got = scenario(&backend);
        match &first {
            None => first = Some((backend.name(), got)),
            Some((name, want)) => assert_eq!(
                &got,
                want,
                "{what}: {} does not give what {name} gives",
                backend.name()
            ),
        }
    }
}

/// A daily digest at 09:00 in Amsterdam for `channel` (in guild 1).
pub fn subscription(channel: u64, topic: &str) -> NewSubscription {
    NewSubscription {
        guild_id: Some(1),
        channel_id: channel,
        time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        timezone: chrono_tz::Europe::Amsterdam,
        topic: topic.to_string(),
        created_by: Some(3),
        gaps: false,
    }
}
