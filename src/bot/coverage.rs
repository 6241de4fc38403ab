//! `/coverage`: what the team's notes cover of each conference's schedule,
//! in all and by track, and the sessions no one took notes on. Read-only,
//! for everyone; the numbers come from [`crate::answer::programme`].

use super::page::Page;
use super::reply::{self, escape, fit, Embed};
use super::schedule::{ac_schedule, not_found};
use super::{Context, Error};
use crate::answer::programme::CoverageSummary;

/// Sessions without notes listed for one conference, and for each of several.
const UNCOVERED_ONE: usize = 15;
const UNCOVERED_EACH: usize = 5;

/// What the notes cover of the conferences' schedules
#[poise::command(slash_command)]
pub(crate) async fn coverage(
    ctx: Context<'_>,
    #[description = "Conference (default: every schedule)"]
    #[autocomplete = "ac_schedule"]
    conference: Option<String>,
) -> Result<(), Error> {
    let now = ctx.data().clock.now();
    let (all, names) = ctx
        .data()
        .with_engine(move |e| {
            let names = e
                .schedules()
                .iter()
                .map(|c| (crate::answer::programme::label(c), c.events.len()))
                .collect::<Vec<_>>();
            Ok((e.coverage_summaries(conference.as_deref(), now), names))
        })
        .await?;
    let page = if all.is_empty() {
        not_found(&names)
    } else {
        coverage_page(&all)
    };
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// One embed per schedule, at most ten (a message's limit).
fn coverage_page(all: &[CoverageSummary]) -> Page {
    let each = if all.len() == 1 {
        UNCOVERED_ONE
    } else {
        UNCOVERED_EACH
    };
    let embeds: Vec<Embed> = all.iter().take(10).map(|s| embed(s, each)).collect();
    Page {
        content: (all.len() > 10).then(|| {
            format!(
                "The first 10 of {} schedules; name a conference for the others.",
                all.len()
            )
        }),
        embeds: reply::fit_embeds(embeds),
        components: Vec::new(),
    }
}

fn embed(s: &CoverageSummary, uncovered: usize) -> Embed {
    // Rounded to the nearest whole per cent.
    let share = (s.with_notes * 100 + s.events / 2)
        .checked_div(s.events)
        .unwrap_or(0);
    let tracks: Vec<String> = s
        .by_track
        .iter()
        .map(|t| {
            format!(
                "{}: {} of {}",
                fit(&escape(&t.track), 80),
                t.with_notes,
                t.events
            )
        })
        .collect();
    let missing: Vec<String> = s
        .uncovered
        .iter()
        .take(uncovered)
        .map(|e| {
            let when = format!("{} {}", e.day, e.time);
            format!("• {} {}", when.trim(), fit(&escape(&e.title), 120))
        })
        .collect();
    let rest = s.uncovered.len() - missing.len();
    let missing = if s.uncovered.is_empty() {
        "Every session has notes.".to_string()
    } else {
        within(&missing, rest)
    };
    Embed::new(&format!("Coverage: {}", escape(&s.conference)))
        .description(&format!(
            "Notes on {} of {} sessions ({share}%).",
            s.with_notes, s.events
        ))
        .field("By track", &within(&tracks, 0))
        .field(&format!("No notes ({})", s.uncovered.len()), &missing)
}

/// Lines that fit one field, then "… and N more" for the rest.
fn within(lines: &[String], rest: usize) -> String {
    let room = reply::FIELD_VALUE_MAX - 30;
    let mut out = String::new();
    let mut shown = 0;
    for l in lines {
        if out.chars().count() + l.chars().count() + 1 > room {
            break;
        }
        out.push_str(l);
        out.push('\n');
        shown += 1;
    }
    let more = rest + lines.len() - shown;
    if more > 0 {
        out.push_str(&format!("… and {more} more"));
    }
    out.trim_end().to_string()
}
