//! Gaps from Discord: recording a question the notes could not answer (a
//! Q&A answer under the relevance floor, a Not helpful click or 👎), and
//! `/gaps`, the questions grouped by topic for managers.

use super::lifecycle::Reindexer;
use super::page::Page;
use super::{Context, Data, Error};
use crate::answer::gaps::{gap_of, group};
use crate::answer::Answer;
use crate::index::Filters;
use crate::render::gaps::{gaps_text, GapsReport, Target};
use crate::store::{GapReason, NearHit, NewGap};
use std::sync::Arc;

/// Record the question of `message` as a gap if its answer is one (no hit
/// above the floor). A failure to record is logged: the answer goes out.
pub(super) fn record_no_match(
    data: &Data,
    answer: &Answer,
    message: u64,
    channel: u64,
    guild: Option<u64>,
) {
    let Some(nearest) = gap_of(answer) else {
        return;
    };
    record(
        data,
        &answer.query,
        message,
        channel,
        guild,
        GapReason::NoMatch,
        nearest,
    );
}

/// Someone found the answer to `message` not helpful: record the question
/// as a gap with the notes nearest to it now (once per message; a
/// `no_match` recorded earlier is kept).
pub(super) async fn record_not_helpful(
    data: &Data,
    message: u64,
    question: &str,
    channel: u64,
    guild: Option<u64>,
) -> Result<(), Error> {
    let q = question.to_string();
    let answer = data
        .with_engine(move |e| e.ask(&q, &Filters::default(), 3, 0))
        .await?;
    let nearest = answer
        .hits
        .iter()
        .map(|h| NearHit {
            session_id: h.meta.id.clone(),
            title: h.meta.title.clone(),
            score: h.score,
        })
        .collect();
    record(
        data,
        question,
        message,
        channel,
        guild,
        GapReason::NotHelpful,
        nearest,
    );
    Ok(())
}

fn record(
    data: &Data,
    question: &str,
    message: u64,
    channel: u64,
    guild: Option<u64>,
    reason: GapReason,
    nearest: Vec<NearHit>,
) {
    let gap = NewGap {
        question: question.to_string(),
        channel_id: Some(channel),
        guild_id: guild,
        message_id: Some(message),
        at: data.clock.now(),
        reason,
        nearest,
    };
    match data.store.record_gap(&gap) {
        Ok(fresh) => tracing::info!(message, reason = reason.as_str(), fresh, "gap recorded"),
        Err(e) => tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot record a gap"),
    }
}

/// After a re-index: ask the open gaps again and close the ones the notes
/// answer now. Failures are logged; the re-index stands.
pub(super) async fn close_answered(r: &Reindexer) {
    let engine = r.engine.snapshot();
    let store = Arc::clone(&r.store);
    let now = r.clock.now();
    let closed = tokio::task::spawn_blocking(move || {
        crate::answer::gaps::close_answered(&engine, store.as_ref(), now)
    })
    .await;
    match closed {
        Ok(Ok(closed)) => {
            for c in closed {
                tracing::info!(gap = c.gap, session = %c.session_id, "gap closed by the notes");
            }
        }
        Ok(Err(e)) => {
            tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot close answered gaps")
        }
        Err(e) => tracing::error!(error = %e, "closing answered gaps stopped"),
    }
}

/// Questions the notes could not answer, grouped by topic
///
/// Most asked first; answered ones show the session that closed them.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
pub(super) async fn gaps(
    ctx: Context<'_>,
    #[description = "Only questions asked in the last N days"]
    #[min = 1]
    #[max = 3650]
    days: Option<u32>,
) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let since = days.map(|d| data.clock.now() - chrono::Duration::days(i64::from(d)));
    let guild = ctx.guild_id().map(|g| g.get());
    // This server's gaps only.
    let gaps: Vec<_> = data
        .store
        .gaps(since)?
        .into_iter()
        .filter(|g| g.guild_id == guild)
        .collect();
    let report = GapsReport {
        closed_now: Vec::new(),
        topics: group(&gaps),
    };
    let target = Target::Discord {
        escape: super::reply::escape,
    };
    // Escaped as it was written: cut to the limit, not escaped again.
    let text = whole_lines(&gaps_text(&report, target), super::reply::CONTENT_MAX);
    ctx.send(Page::plain(&text).into_reply(true)).await?;
    Ok(())
}

/// The first lines of `text` that fit in `max` characters with a last line
/// saying how many were left out: a line is never cut, so no mention or
/// bold marker is split.
fn whole_lines(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut used = 0;
    for (i, line) in lines.iter().enumerate() {
        let tail = format!(
            "… {} more lines: `confnotes gaps` lists them all.",
            lines.len() - i
        );
        let n = line.chars().count() + 1;
        if used + n + tail.chars().count() > max {
            out.push_str(&tail);
            return out;
        }
        out.push_str(line);
        out.push('\n');
        used += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_between_lines() {
        let text: String = (0..400)
            .map(|i| format!("- <#{i}> question {i}\n"))
            .collect();
        let cut = whole_lines(&text, 2000);
        assert!(cut.chars().count() <= 2000);
        assert!(
            cut.ends_with("more lines: `confnotes gaps` lists them all."),
            "{cut}"
        );
        let body = cut.lines().rev().skip(1);
        assert!(body
            .into_iter()
            .all(|l| l.ends_with(&format!("question {}", &l[4..l.find('>').unwrap()]))));
        assert_eq!(whole_lines("short\n", 2000), "short\n");
    }
}
