//! The state traits against both stores: SQLite and PostgreSQL.

use crate::common::pg;
use chrono::{DateTime, Utc};
use confnotes::store::{self, StateStore};
use std::sync::Arc;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn a_postgres_store_claims_and_migrates() {
    let Some(url) = pg::database("state_stores") else {
        return;
    };
    let s: Arc<dyn StateStore> = store::open(&pg::location(&url)).unwrap();
    assert!(s
        .claim_message(1, 2, "q", t("2026-01-01T00:00:00Z"))
        .unwrap());
    assert!(!s
        .claim_message(1, 2, "q", t("2026-01-01T00:00:00Z"))
        .unwrap());
    drop(s);
    let s = store::open(&pg::location(&url)).unwrap();
    assert_eq!(s.schema_version().unwrap(), 1);
    assert_eq!(s.answered_count().unwrap(), 1);
}
