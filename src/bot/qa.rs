//! Q&A channels: a question that mentions the bot (or, with the Message
//! Content intent, any message that reads as a question) in a Q&A channel
//! is answered in a thread on that message, with "More" and "Not helpful".
//!
//! Each message is claimed in the store before it is answered, so it is
//! answered at most once, across restarts and duplicate gateway events.

use super::page::Page;
use super::results::answer_page_with;
use super::retry::{code, describe, retry};
use super::{Context, Data, Error};
use crate::answer::looks_like_question;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

/// Thread names are at most 100 characters.
const THREAD_NAME_MAX: usize = 100;
/// Discord's JSON error code for "A thread has already been created for
/// this message".
const THREAD_ALREADY_CREATED: isize = 160004;

/// The question in a message: its text without mentions of the bot.
pub(super) fn question_text(content: &str, me: serenity::UserId) -> String {
    let id = me.get();
    content
        .replace(&format!("<@{id}>"), " ")
        .replace(&format!("<@!{id}>"), " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Data {
    fn is_qa_channel(&self, channel: u64) -> bool {
        self.config.qa.channels.contains(&channel)
            || self.store.is_qa_channel(channel).unwrap_or_else(|e| {
                tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot read Q&A channels");
                false
            })
    }

    /// True if the channel may have one more answer in the minute before
    /// `now`. Time comes from the bot's clock, so tests can move it; a
    /// clock set back keeps the answers it has seen until they are a
    /// minute old again.
    fn qa_allowed(&self, channel: u64, now: DateTime<Utc>) -> bool {
        let limit = self.config.qa.per_channel_per_minute as usize;
        if limit == 0 {
            return true;
        }
        let mut map = self.qa_windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = map.entry(channel).or_default();
        while window
            .front()
            .is_some_and(|t| now.signed_duration_since(*t) >= chrono::Duration::seconds(60))
        {
            window.pop_front();
        }
        if window.len() >= limit {
            return false;
        }
        window.push_back(now);
        true
    }

    /// Whether to answer `msg` now: not answered before, within the rate
    /// limit of `channel` (the Q&A channel, for a thread's follow-ups), and
    /// claimed, so a replayed event is not answered twice.
    pub(super) fn may_answer(
        &self,
        msg: &serenity::Message,
        channel: u64,
        question: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        if self.store.answered_query(msg.id.get())?.is_some() {
            tracing::debug!(message = %msg.id, "already answered");
            super::metrics::global().claim(false);
            return Ok(false);
        }
        if !self.qa_allowed(channel, now) {
            tracing::info!(channel, "Q&A rate limit reached; question skipped");
            return Ok(false);
        }
        let claimed =
            (self.store).claim_message(msg.id.get(), msg.channel_id.get(), question, now)?;
        super::metrics::global().claim(claimed);
        if !claimed {
            tracing::debug!(message = %msg.id, "already answered");
        }
        Ok(claimed)
    }
}

/// Answer a message if it is a question for us in a Q&A channel.
pub(super) async fn on_message(
    ctx: &serenity::Context,
    msg: &serenity::Message,
    data: &Data,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    let me = ctx.cache.current_user().id;
    if msg.author.bot || msg.author.id == me || msg.webhook_id.is_some() {
        return Ok(());
    }
    let mentioned = msg.mentions.iter().any(|u| u.id == me);
    let replied = (msg.referenced_message.as_ref()).is_some_and(|m| m.author.id == me);
    let question = question_text(&msg.content, me);
    let now = data.clock.now();
    // In a thread the bot answered in, what it can read is a follow-up.
    if mentioned || replied || data.config.qa.message_content {
        let _turn = data.thread_turns.take(msg.channel_id.get()).await;
        if let Some(rec) = super::threads::tracked(data, msg.channel_id.get(), now)? {
            if question.is_empty() {
                return Ok(());
            }
            let addressed = mentioned || replied;
            return super::threads::answer_followup(ctx, msg, data, rec, &question, addressed)
                .await;
        }
    }
    let wanted = mentioned || (data.config.qa.message_content && looks_like_question(&question));
    if !wanted || !data.is_qa_channel(msg.channel_id.get()) {
        return Ok(());
    }
    if !data.may_answer(msg, msg.channel_id.get(), &question, now)? {
        return Ok(());
    }
    let metrics = super::metrics::global();
    metrics.question("qa");
    let page = if question.is_empty() {
        (Page::text("Ask me about the conference notes after the mention, for example: how do teams run WebAssembly on Kubernetes?"), Vec::new())
    } else {
        let (page, answer) = answer_page_with(data, &question, None, 0, Some(msg.id.get())).await?;
        metrics.answered(&answer);
        let guild = msg.guild_id.map(|g| g.get());
        super::gaps::record_no_match(data, &answer, msg.id.get(), msg.channel_id.get(), guild);
        // What a follow-up's "the second one" refers to: the sessions shown.
        let per = data.config.discord.results_per_page;
        let shown = answer
            .hits
            .iter()
            .take(per)
            .map(|h| h.meta.id.clone())
            .collect();
        (page, shown)
    };
    let (page, shown) = page;
    // The nonce (enforced) makes a retried reply one message, not two.
    let reply = page
        .into_create_message()
        .nonce(serenity::Nonce::String(reply_nonce(msg.id)))
        .enforce_nonce(true);
    match open_thread(ctx, msg, &question).await {
        Ok(thread) => {
            data.store.set_answer_thread(msg.id.get(), thread.get())?;
            super::threads::remember_first(
                data,
                thread.get(),
                msg.channel_id.get(),
                &question,
                shown,
                now,
            )?;
            let sent = retry("Q&A answer", || {
                thread.send_message(&ctx.http, reply.clone())
            })
            .await?;
            data.store.set_answer_message(msg.id.get(), sent.id.get())?;
        }
        Err(e) => {
            // Already in a thread, or no permission to start one: answer in place.
            tracing::info!(error = %describe(&e), "no thread for the answer; replying in the channel");
            let reply = reply.reference_message(msg);
            let sent = retry("Q&A answer", || {
                msg.channel_id.send_message(&ctx.http, reply.clone())
            })
            .await?;
            data.store.set_answer_message(msg.id.get(), sent.id.get())?;
        }
    }
    metrics.replied("qa", started.elapsed());
    Ok(())
}

/// The nonce of the answer to a message: at most 25 characters.
fn reply_nonce(question: serenity::MessageId) -> String {
    format!("qa{}", question.get())
}

/// Open the thread on the question, retrying Discord's failures. A thread
/// started from a message has the message's id, so "already created" (an
/// earlier attempt got through) is the thread we want.
async fn open_thread(
    ctx: &serenity::Context,
    msg: &serenity::Message,
    question: &str,
) -> serenity::Result<serenity::ChannelId> {
    let builder = serenity::CreateThread::new(thread_name(question))
        .auto_archive_duration(serenity::AutoArchiveDuration::OneDay);
    let made = retry("Q&A thread", || {
        msg.channel_id
            .create_thread_from_message(&ctx.http, msg.id, builder.clone())
    })
    .await;
    match made {
        Ok(t) => Ok(t.id),
        Err(e) if code(&e) == Some(THREAD_ALREADY_CREATED) => Ok(msg.id.get().into()),
        Err(e) => Err(e),
    }
}

fn thread_name(question: &str) -> String {
    let q = if question.is_empty() {
        "Question"
    } else {
        question
    };
    crate::answer::summary::cut(q, THREAD_NAME_MAX)
}

/// "Not helpful": store the vote and the question as a gap, thank the
/// user privately.
pub(super) async fn not_helpful(
    ctx: &serenity::Context,
    click: &serenity::ComponentInteraction,
    data: &Data,
    message: u64,
) -> Result<(), Error> {
    let fresh =
        data.store
            .record_feedback(message, click.user.id.get(), false, data.clock.now())?;
    let text = if fresh {
        "Thanks, noted. Try rephrasing, or /search with a conference or speaker filter."
    } else {
        "You already told us; thanks."
    };
    let response =
        serenity::CreateInteractionResponse::Message(Page::text(text).into_message(true));
    click.create_response(&ctx.http, response).await?;
    // After the answer: asking the notes again may take longer than the
    // three seconds a click has.
    if let Some(q) = data.store.answered_query(message)? {
        // Where it was asked, not the thread the button is in.
        let channel = data
            .store
            .answered_channel(message)?
            .unwrap_or(click.channel_id.get());
        let guild = click.guild_id.map(|g| g.get());
        super::gaps::record_not_helpful(data, message, &q, channel, guild).await?;
    }
    Ok(())
}

/// Mark or unmark a Q&A channel.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("qa_enable", "qa_disable", "qa_status"),
    subcommand_required,
    rename = "qa"
)]
pub(crate) async fn qa(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Answer questions that mention the bot in this channel.
#[poise::command(
    slash_command,
    guild_only,
    rename = "enable",
    required_permissions = "MANAGE_CHANNELS"
)]
async fn qa_enable(ctx: Context<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let fresh = data.store.qa_enable(
        ctx.channel_id().get(),
        ctx.guild_id().map(|g| g.get()),
        Some(ctx.author().id.get()),
        data.clock.now(),
    )?;
    let mut text = if fresh {
        "This is now a Q&A channel: mention me with a question and I answer in a thread."
            .to_string()
    } else {
        "This already is a Q&A channel.".to_string()
    };
    if data.config.qa.message_content {
        text.push_str(" I also answer messages that read as questions.");
    }
    ctx.send(Page::text(&text).into_reply(true)).await?;
    Ok(())
}

/// Stop answering questions in this channel.
#[poise::command(
    slash_command,
    guild_only,
    rename = "disable",
    required_permissions = "MANAGE_CHANNELS"
)]
async fn qa_disable(ctx: Context<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let channel = ctx.channel_id().get();
    let removed = data.store.qa_disable(channel)?;
    let text = if data.config.qa.channels.contains(&channel) {
        "This channel is a Q&A channel in the bot's configuration (qa.channels); remove it there."
    } else if removed {
        "This is no longer a Q&A channel."
    } else {
        "This was not a Q&A channel."
    };
    ctx.send(Page::text(text).into_reply(true)).await?;
    Ok(())
}

/// Is this a Q&A channel?
#[poise::command(slash_command, guild_only, rename = "status")]
async fn qa_status(ctx: Context<'_>) -> Result<(), Error> {
    let on = ctx.data().is_qa_channel(ctx.channel_id().get());
    let text = if on {
        "This is a Q&A channel: mention me with a question."
    } else {
        "This is not a Q&A channel. Someone with Manage Channels can run /qa enable."
    };
    ctx.send(Page::text(text).into_reply(true)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_of_the_bot_are_removed() {
        let me = serenity::UserId::new(42);
        assert_eq!(
            question_text("<@42> how do   I run wasm? <@!42>", me),
            "how do I run wasm?"
        );
        assert_eq!(question_text("<@43> hi", me), "<@43> hi");
        assert_eq!(thread_name(&"x".repeat(300)).chars().count(), 100);
        assert!(reply_nonce(serenity::MessageId::new(u64::MAX)).len() <= 25);
    }
}
