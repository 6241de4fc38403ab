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
    let store = crate::store::open(&config.state_location())?;
    let closed_now = close_answered(engine, store.as_ref(), Utc::now())?;
    let since = since.map(|d| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()));
    let gaps = store.gaps(since)?;
    let report = GapsReport {
        closed_now,
        topics: group(&gaps),
    };
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", gaps_text(&report, Target::Terminal(*style)))?;
    }
    Ok(0)
}
