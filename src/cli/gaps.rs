//! `confnotes gaps`: the questions the notes could not answer, grouped by
//! topic. Open gaps are first asked again against the index: the ones that
//! now have a hit above the relevance floor are closed, with that session.

use crate::answer::gaps::{close_answered, group};
use crate::answer::Engine;
use crate::config::Config;
use crate::render::gaps::{gaps_text, GapsReport, Target};
use crate::render::Style;
use anyhow::Result;
use chrono::{NaiveDate, TimeZone, Utc};
use std::io::Write;

/// Print the gaps asked on or after `since` (all of them without).
pub(super) fn run(
    out: &mut impl Write,
    config: &Config,
    engine: &Engine,
    since: Option<NaiveDate>,
    json: bool,
    style: &Style,
) -> Result<i32> {
    let location = config.state_location();
    // No state file yet: nothing was asked, and none is created here.
    let fresh =
        matches!(location, crate::store::Location::Sqlite(_)) && !config.state_path().exists();
    let report = if fresh {
        GapsReport {
            closed_now: Vec::new(),
            topics: Vec::new(),
        }
    } else {
        let store = crate::store::open(&location)?;
        let closed_now = close_answered(engine, store.as_ref(), Utc::now())?;
        let since =
            since.map(|d| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()));
        GapsReport {
            closed_now,
            topics: group(&store.gaps(since)?),
        }
    };
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", gaps_text(&report, Target::Terminal(*style)))?;
    }
    Ok(0)
}
