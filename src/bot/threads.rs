//! Conversations in Q&A threads: a message in a thread the bot answered in
//! is read against the thread's last answer (`answer::followup`), answered
//! there, and the thread's state (`store::ThreadState`) moves on.
//!
//! A follow-up is claimed and rate-limited (by its Q&A channel) like a first
//! question, once it is known to be one.
//!
//! A thread's state is saved with its first answer and replaced after each
//! follow-up; threads not answered in for `qa.thread_days` are forgotten
//! whenever a new thread's state is saved, and a forgotten-but-not-yet-
//! deleted one is never read as current.

use super::page::Page;
use super::reply::{card_embed, escape, fit_embeds, Embed};
use super::retry::retry;
use super::{Data, Error};
use crate::answer::followup::{resolve, Aspect, Followup, Turn};
use crate::answer::{looks_like_question, Answer, Hit};
use crate::index::Filters;
use crate::render::card::{answer_cards, no_results_text, Card};
use crate::store::ThreadRecord;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Per-thread locks: a follow-up holds its thread's from reading the
/// thread's state until it has written it back, so two messages sent in
/// quick succession are two turns, not one lost.
#[derive(Default)]
pub(super) struct TurnLocks(Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>);

impl TurnLocks {
    pub(super) async fn take(&self, thread: u64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            // Forget the locks nobody holds or waits for.
            map.retain(|_, l| Arc::strong_count(l) > 1);
            Arc::clone(map.entry(thread).or_default())
        };
        lock.lock_owned().await
    }
}

/// The oldest last answer a thread may have to be remembered; `None`: all.
fn cutoff(data: &Data, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let days = data.config.qa.thread_days;
    (days > 0).then(|| now - chrono::Duration::days(i64::from(days)))
}

/// The conversation in `thread`, if the bot answered there recently.
pub(super) fn tracked(
    data: &Data,
    thread: u64,
    now: DateTime<Utc>,
) -> Result<Option<ThreadRecord>, Error> {
    let rec = data.store.thread(thread)?;
    let limit = cutoff(data, now);
    Ok(rec.filter(|r| limit.is_none_or(|c| r.updated_at >= c)))
}

/// Save the state of a thread just opened with its first answer, and let
/// the old ones go.
pub(super) fn remember_first(
    data: &Data,
    thread: u64,
    channel: u64,
    question: &str,
    shown: Vec<String>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if let Some(c) = cutoff(data, now) {
        let gone = data.store.forget_threads(c)?;
        if gone > 0 {
            tracing::debug!(threads = gone, "old Q&A threads forgotten");
        }
    }
    data.store.save_thread(&ThreadRecord {
        thread_id: thread,
        channel_id: channel,
        question: question.to_string(),
        conference: None,
        year: None,
        not_year: None,
        shown,
        focus: None,
        turns: 1,
        updated_at: now,
    })?;
    Ok(())
}

/// Answer a follow-up `text` in the thread of `rec`. A message that is not
/// `addressed` to the bot (a mention or a reply to it; read only with the
/// Message Content intent) is answered only when it is a follow-up or reads
/// as a question, as in the Q&A channel itself.
pub(super) async fn answer_followup(
    ctx: &serenity::Context,
    msg: &serenity::Message,
    data: &Data,
    mut rec: ThreadRecord,
    text: &str,
    addressed: bool,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let prev = Turn {
        question: rec.question.clone(),
        conference: rec.conference.clone(),
        year: rec.year,
        not_year: rec.not_year,
        shown: rec.shown.clone(),
        focus: rec.focus,
    };
    let conferences: Vec<String> = data
        .with_engine(|e| e.conferences())
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let followup = resolve(&prev, text, &conferences);
    // Thanks ask nothing; chatter not addressed to the bot is left alone.
    if followup == Followup::Ack
        || matches!(&followup, Followup::New(q) if !addressed && !looks_like_question(q))
    {
        return Ok(());
    }
    if !data.may_answer(msg, rec.channel_id, text, data.clock.now())? {
        return Ok(());
    }
    super::metrics::global().question("followup");
    tracing::debug!(?followup, thread = rec.thread_id, "follow-up");
    let page = match followup {
        Followup::Pick { index, aspect } => {
            rec.focus = Some(index);
            pick_page(data, &rec.shown[index], aspect).await?
        }
        Followup::Similar { index } => {
            let id = rec.shown[index].clone();
            let Some(hit) = session(data, &id).await? else {
                return send(
                    ctx,
                    msg,
                    Page::text("That session is no longer in the notes."),
                )
                .await;
            };
            let like = format!(
                "{} {}",
                hit.meta.title,
                crate::answer::summary::cut(&hit.summary, 300)
            );
            // The thread's question stays: "only 2023" or "who else" after
            // this are still about what was asked.
            let (page, shown) = similar_page(data, like, id).await?;
            moved_on(&mut rec, shown);
            page
        }
        Followup::Refine {
            conference,
            year,
            not_year,
        } => {
            let filters = Filters {
                conference: conference.clone(),
                year,
                ..Filters::default()
            };
            let (page, shown) = hits_page(data, &rec.question, filters, not_year, &[]).await?;
            (rec.conference, rec.year, rec.not_year) = (conference, year, not_year);
            moved_on(&mut rec, shown);
            page
        }
        Followup::Others => {
            let filters = Filters {
                conference: rec.conference.clone(),
                year: rec.year,
                ..Filters::default()
            };
            let seen = rec.shown.clone();
            let (page, shown) =
                hits_page(data, &rec.question, filters, rec.not_year, &seen).await?;
            moved_on(&mut rec, shown);
            page
        }
        Followup::Ack => return Ok(()),
        Followup::New(question) => {
            let (page, shown) = hits_page(data, &question, Filters::default(), None, &[]).await?;
            rec.question = question;
            (rec.conference, rec.year, rec.not_year) = (None, None, None);
            moved_on(&mut rec, shown);
            page
        }
    };
    send(ctx, msg, page).await?;
    super::metrics::global().replied("followup", started.elapsed());
    rec.turns += 1;
    rec.updated_at = data.clock.now();
    data.store.save_thread(&rec)?;
    Ok(())
}

/// New sessions shown: positions now refer to them. Nothing shown keeps the
/// previous ones, so "the second one" still means something.
fn moved_on(rec: &mut ThreadRecord, shown: Vec<String>) {
    if !shown.is_empty() {
        rec.shown = shown;
        rec.focus = None;
    }
}

async fn send(ctx: &serenity::Context, msg: &serenity::Message, page: Page) -> Result<(), Error> {
    // The nonce (enforced) makes a retried reply one message, not two.
    let reply = page
        .into_create_message()
        .nonce(serenity::Nonce::String(format!("qa{}", msg.id.get())))
        .enforce_nonce(true);
    retry("Q&A follow-up", || {
        msg.channel_id.send_message(&ctx.http, reply.clone())
    })
    .await?;
    Ok(())
}

async fn session(data: &Data, id: &str) -> Result<Option<Hit>, Error> {
    let id = id.to_string();
    data.with_engine(move |e| e.session(&id)).await
}

/// One shown session, whole or the part asked for.
async fn pick_page(data: &Data, id: &str, aspect: Aspect) -> Result<Page, Error> {
    let Some(hit) = session(data, id).await? else {
        return Ok(Page::text("That session is no longer in the notes."));
    };
    let card = Card::from_hit(&hit, true);
    let title = escape(&card.title);
    let text = match aspect {
        Aspect::All => return Ok(Page::embed(card_embed(&card, None))),
        Aspect::Speakers if hit.meta.speakers.is_empty() => {
            format!("The notes do not say who gave **{title}**.")
        }
        Aspect::Speakers => format!(
            "**{title}** was given by {}.",
            escape(&hit.meta.speakers.join(", "))
        ),
        Aspect::Links | Aspect::Slides | Aspect::Video => {
            let wanted = |l: &crate::notes::Link| {
                let s = format!("{} {}", l.label, l.url).to_lowercase();
                match aspect {
                    Aspect::Slides => ["slide", "deck", "speakerdeck", ".pdf"]
                        .iter()
                        .any(|k| s.contains(k)),
                    Aspect::Video => ["video", "youtu", "vimeo", "recording"]
                        .iter()
                        .any(|k| s.contains(k)),
                    _ => true,
                }
            };
            let links: Vec<String> = hit
                .links
                .iter()
                .filter(|l| wanted(l))
                .map(|l| format!("- {}: <{}>", escape(&l.label), l.url))
                .collect();
            let what = match aspect {
                Aspect::Slides => "slides",
                Aspect::Video => "video",
                _ => "links",
            };
            if links.is_empty() {
                format!("The notes have no {what} for **{title}**.")
            } else {
                format!("**{title}**, {what}:\n{}", links.join("\n"))
            }
        }
    };
    Ok(Page::text(&text))
}

/// Sessions nearest to `like` (a session's title and summary) other than
/// the session `id` itself: tantivy's ranking alone, since a whole summary
/// as a question would hold too many words for any note to cover.
async fn similar_page(data: &Data, like: String, id: String) -> Result<(Page, Vec<String>), Error> {
    let per = data.config.discord.results_per_page;
    let hits: Vec<Hit> = data
        .with_engine(move |e| {
            let mut hits = Vec::new();
            for c in e.matching(&like, per * 3)? {
                if c.meta.id != id && hits.len() < per {
                    hits.extend(e.session(&c.meta.id)?);
                }
            }
            Ok(hits)
        })
        .await?;
    if hits.is_empty() {
        return Ok((Page::text("Nothing like it in the notes."), Vec::new()));
    }
    let embeds: Vec<Embed> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| card_embed(&Card::from_hit(h, i == 0), Some(i + 1)))
        .collect();
    let page = Page {
        content: Some("Sessions like it:".to_string()),
        embeds: fit_embeds(embeds),
        components: Vec::new(),
    };
    Ok((page, hits.iter().map(|h| h.meta.id.clone()).collect()))
}

/// A page of answers to `question` with `filters`, without sessions from
/// `not_year` and without `exclude`; and the ids shown, in order.
async fn hits_page(
    data: &Data,
    question: &str,
    filters: Filters,
    not_year: Option<i32>,
    exclude: &[String],
) -> Result<(Page, Vec<String>), Error> {
    let per = data.config.discord.results_per_page;
    let (q, wanted) = (question.to_string(), per + exclude.len() + 2 * per);
    let mut answer: Answer = data
        .with_engine(move |e| e.ask(&q, &filters, wanted, 0))
        .await?;
    answer.hits.retain(|h| {
        !exclude.contains(&h.meta.id) && not_year.is_none_or(|y| h.meta.year != Some(y))
    });
    answer.hits.truncate(per);
    if answer.hits.is_empty() {
        let text = if exclude.is_empty() {
            no_results_text(&answer)
        } else {
            "Nothing else in the notes on that.".to_string()
        };
        return Ok((Page::text(&text), Vec::new()));
    }
    let embeds: Vec<Embed> = answer_cards(&answer)
        .iter()
        .enumerate()
        .map(|(i, c)| card_embed(c, Some(i + 1)))
        .collect();
    let page = Page {
        content: answer
            .nearest
            .then(|| crate::render::card::nearest_text(&answer)),
        embeds: fit_embeds(embeds),
        components: Vec::new(),
    };
    Ok((
        page,
        answer.hits.iter().map(|h| h.meta.id.clone()).collect(),
    ))
}
