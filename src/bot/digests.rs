//! Daily digests on Discord: the `Poster` that sends them as embeds, the
//! scheduler task, and `/digest`.

use super::page::Page;
use super::reply::{self, card_embed, fit_embeds, Embed};
use super::retry::{self, retry};
use super::{Context, Data, Error};
use crate::answer::LiveEngine;
use crate::digest::lease::Lease;
use crate::digest::runner::{self, Clock, Outcome, Poster, Scheduler, Settings};
use crate::digest::schedule::{next_due, parse_time, parse_zone, zones_matching};
use crate::digest::{Digest, Plan};
use crate::render::digest::{
    digest_cards, digest_heading, gap_lines, new_lines, today_lines, GAPS_HEADING,
};
use crate::store::{NewSubscription, StateStore, Subscription};
use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use std::sync::Arc;

/// Sends digests as channel messages, and finds them again by the
/// reference in their footer.
pub(super) struct DiscordPoster {
    pub http: Arc<serenity::Http>,
    pub me: serenity::UserId,
}

/// Pages of a channel's history (100 messages each, newest first) read when
/// looking for a digest whose post may have been made: its answer lost to
/// a crash or a dropped connection. A busy channel that has had more than
/// this many messages since is not read further, and the digest is sent
/// again.
const FIND_PAGES: usize = 10;

/// What a digest's last footer says: found again by it after a crash.
/// Discord keeps a message's embeds as sent; it honours a nonce only for a
/// few minutes and does not return it with fetched messages.
fn footer_of(nonce: &str) -> String {
    format!("Daily digest · ref {nonce}")
}

/// True for a message whose last embed carries the digest's footer.
fn is_digest(m: &serenity::Message, nonce: &str) -> bool {
    let footer = footer_of(nonce);
    m.embeds
        .iter()
        .any(|e| e.footer.as_ref().is_some_and(|f| f.text == footer))
}

/// A digest as a message: a heading, one embed per session, then what is new.
/// The last footer carries the nonce so the post can be found after a crash
/// ([`footer_of`]).
pub(super) fn digest_page(d: &Digest, nonce: Option<&str>) -> Page {
    let mut embeds = vec![
        Embed::new(&reply::escape(&digest_heading(d))).description(&match d.sessions.len() {
            0 => "No sessions to feature today.".to_string(),
            n => format!(
                "{n} session{} from the team's notes, rotating through all {}.",
                if n == 1 { "" } else { "s" },
                d.rotation_size
            ),
        }),
    ];
    embeds.extend(
        digest_cards(d)
            .iter()
            .enumerate()
            .map(|(i, c)| card_embed(c, Some(i + 1))),
    );
    let lines = new_lines(d);
    let new = if lines.is_empty() {
        "Nothing added or changed since the last digest.".to_string()
    } else {
        lines
            .iter()
            .map(|l| format!("• {}", reply::escape(l)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let today = today_lines(d);
    if !today.is_empty() {
        let lines: Vec<String> = today
            .iter()
            .map(|l| format!("• {}", reply::escape(l)))
            .collect();
        embeds.push(Embed::new("Today in the schedule").description(&lines.join("\n")));
    }
    embeds.push(Embed::new("New in the notes").description(&new));
    // The subscription's gaps option: the digest ends with them.
    let gaps = gap_lines(d);
    if !gaps.is_empty() {
        let lines: Vec<String> = gaps
            .iter()
            .map(|l| format!("• {}", reply::escape(l)))
            .collect();
        embeds.push(Embed::new(GAPS_HEADING).description(&lines.join("\n")));
    }
    if let Some(n) = nonce {
        if let Some(last) = embeds.pop() {
            embeds.push(last.footer(&footer_of(n)));
        }
    }
    // Space runs out from the last session: the heading, "new" and the
    // gaps stay.
    let tail = if gaps.is_empty() { 1 } else { 2 };
    while embeds.len() > 10
        || (embeds.len() > 1 + tail
            && embeds.iter().map(Embed::size).sum::<usize>() > reply::EMBEDS_TOTAL_MAX)
    {
        embeds.remove(embeds.len() - 1 - tail);
    }
    Page {
        content: None,
        embeds: fit_embeds(embeds),
        components: Vec::new(),
    }
}

impl Poster for DiscordPoster {
    async fn post(&self, channel: u64, digest: &Digest, nonce: &str) -> anyhow::Result<u64> {
        let msg = digest_page(digest, Some(nonce))
            .into_create_message()
            .nonce(serenity::Nonce::String(nonce.to_string()))
            .enforce_nonce(true);
        // The nonce is enforced: a retry after a lost answer is not a second post.
        let sent = retry("digest post", || {
            serenity::ChannelId::new(channel).send_message(&self.http, msg.clone())
        })
        .await
        .with_context(|| format!("cannot post the digest to channel {channel}"))?;
        Ok(sent.id.get())
    }

    /// The bot's message carrying the digest's footer, among the newest
    /// [`FIND_PAGES`] pages of the channel.
    async fn find(&self, channel: u64, nonce: &str) -> anyhow::Result<Option<u64>> {
        let id = serenity::ChannelId::new(channel);
        let mut query = serenity::GetMessages::new().limit(100);
        for _ in 0..FIND_PAGES {
            let page = retry("digest lookup", || id.messages(&self.http, query))
                .await
                .with_context(|| format!("cannot read channel {channel}"))?;
            if let Some(m) = page
                .iter()
                .find(|m| m.author.id == self.me && is_digest(m, nonce))
            {
                return Ok(Some(m.id.get()));
            }
            match page.last() {
                Some(oldest) if page.len() == 100 => query = query.before(oldest.id),
                _ => return Ok(None),
            }
        }
        tracing::warn!(
            channel,
            nonce,
            "digest not among the channel's newest {} messages; taken as not sent",
            FIND_PAGES * 100
        );
        Ok(None)
    }
}

/// The scheduler `serve` runs next to the gateway.
pub(super) fn scheduler(
    data: &Data,
    http: Arc<serenity::Http>,
    me: serenity::UserId,
    lease: Option<Arc<Lease>>,
) -> Scheduler<DiscordPoster> {
    Scheduler {
        lease,
        store: Arc::clone(&data.store),
        engine: Arc::clone(&data.engine),
        poster: DiscordPoster { http, me },
        clock: Arc::clone(&data.clock),
        settings: settings(data),
        on_outcome: Some(Arc::new(|o| super::metrics::global().digest(o))),
    }
}

fn settings(data: &Data) -> Settings {
    Settings {
        per_day: data.config.digest.sessions,
        new_max: data.config.digest.new_max,
        max_attempts: data.config.digest.max_attempts,
        schedule_today: data.config.digest.schedule_today,
    }
}

async fn ac_zone(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = zones_matching(partial, 25)
        .into_iter()
        .map(|z| reply::choice(z, z))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Daily digests of the notes.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("subscribe", "unsubscribe", "list", "preview", "now"),
    subcommand_required
)]
pub(crate) async fn digest(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Post a digest to a channel every day.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_CHANNELS")]
async fn subscribe(
    ctx: Context<'_>,
    #[description = "Where to post (default: this channel)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::ChannelId>,
    #[description = "Local time of day, HH:MM (24-hour)"] time: Option<String>,
    #[description = "IANA time zone, e.g. Europe/Amsterdam"]
    #[autocomplete = "ac_zone"]
    timezone: Option<String>,
    #[description = "Only sessions about this topic"] topic: Option<String>,
    #[description = "End each digest with the week's questions the notes could not answer"]
    gaps: Option<bool>,
) -> Result<(), Error> {
    let data = ctx.data();
    // What the user typed, parsed here; else the configuration's, parsed at load.
    let time = time.map_or(Ok(data.config.digest.time), |t| parse_time(&t));
    let tz = timezone.map_or(Ok(data.config.digest.timezone), |z| parse_zone(&z));
    let checked = time.and_then(|t| tz.map(|z| (t, z)));
    let (time, tz) = match checked {
        Ok(v) => v,
        Err(e) => {
            ctx.send(Page::text(&e).into_reply(true)).await?;
            return Ok(());
        }
    };
    let channel = channel.unwrap_or(ctx.channel_id());
    let topic = topic
        .unwrap_or_default()
        .trim()
        .chars()
        .take(100)
        .collect::<String>();
    let now = data.clock.now();
    let (sub, fresh) = data.store.subscribe(
        &NewSubscription {
            guild_id: ctx.guild_id().map(|g| g.get()),
            channel_id: channel.get(),
            time,
            timezone: tz,
            topic,
            created_by: Some(ctx.author().id.get()),
            gaps: gaps.unwrap_or(false),
        },
        now,
    )?;
    let next = next_due(sub.time, sub.timezone, sub.created_at, now);
    let text = format!(
        "{} <#{}>: a digest every day at {} {} ({}). The first one: <t:{}:F>.",
        if fresh { "Subscribed" } else { "Updated" },
        sub.channel_id,
        sub.time.format("%H:%M"),
        sub.timezone,
        describe_topic(&sub),
        next.timestamp()
    );
    ctx.send(Page::plain(&text).into_reply(true)).await?;
    Ok(())
}

fn describe_topic(sub: &Subscription) -> String {
    let what = if sub.topic.is_empty() {
        "all sessions".to_string()
    } else {
        format!("topic “{}”", reply::escape(&sub.topic))
    };
    if sub.gaps {
        format!("{what}, with the week's unanswered questions")
    } else {
        what
    }
}

/// Stop a channel's digests (one topic, or all of them).
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_CHANNELS")]
async fn unsubscribe(
    ctx: Context<'_>,
    #[description = "Which channel (default: this one)"]
    #[channel_types("Text", "News")]
    channel: Option<serenity::ChannelId>,
    #[description = "Only this topic's digest (default: all of the channel's)"] topic: Option<
        String,
    >,
) -> Result<(), Error> {
    let channel = channel.unwrap_or(ctx.channel_id());
    let n = ctx
        .data()
        .store
        .unsubscribe(channel.get(), topic.as_deref().map(str::trim))?;
    let text = match n {
        0 => format!("<#{}> had no such digest subscription.", channel.get()),
        1 => format!("Unsubscribed <#{}> from its digest.", channel.get()),
        n => format!("Unsubscribed <#{}> from {n} digests.", channel.get()),
    };
    ctx.send(Page::plain(&text).into_reply(true)).await?;
    Ok(())
}

/// This server's digest subscriptions.
#[poise::command(slash_command, guild_only)]
async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let subs = data
        .store
        .subscriptions_in(ctx.guild_id().map(|g| g.get()))?;
    if subs.is_empty() {
        ctx.send(Page::text("No digest subscriptions here yet. Someone with Manage Channels can run /digest subscribe.").into_reply(true)).await?;
        return Ok(());
    }
    let now = data.clock.now();
    let mut lines = Vec::new();
    for s in &subs {
        let next = format!(
            ", next <t:{}:R>",
            next_due(s.time, s.timezone, s.created_at, now).timestamp()
        );
        let last = data
            .store
            .last_sent(s.id)?
            .map(|p| format!(", last {}", p.local_date))
            .unwrap_or_default();
        lines.push(format!(
            "• <#{}> at {} {}, {}{last}{next}",
            s.channel_id,
            s.time.format("%H:%M"),
            s.timezone,
            describe_topic(s)
        ));
    }
    let e = Embed::new("Digest subscriptions").description(&lines.join("\n"));
    ctx.send(Page::embed(e).into_reply(true)).await?;
    Ok(())
}

/// Today's digest, only to you.
#[poise::command(slash_command, guild_only)]
async fn preview(
    ctx: Context<'_>,
    #[description = "Only sessions about this topic"] topic: Option<String>,
) -> Result<(), Error> {
    let data = ctx.data();
    let now = data.clock.now();
    let subs = data.store.subscriptions()?;
    let wanted = topic.unwrap_or_default();
    let sub = subs.into_iter().find(|s| {
        s.channel_id == ctx.channel_id().get() && s.topic.eq_ignore_ascii_case(wanted.trim())
    });
    let d = match &sub {
        Some(s) => {
            let date = crate::digest::schedule::local_date(now, s.timezone);
            scheduler_for_preview(data).digest_for(s, date).await?
        }
        // The same digest `confnotes digest` shows, "new" included.
        None => {
            let tz = data.config.digest.timezone;
            let date = crate::digest::schedule::local_date(now, tz);
            let per_day = data.config.digest.sessions;
            let new_max = data.config.digest.new_max;
            let schedule_today = data.config.digest.schedule_today;
            let store = Arc::clone(&data.store);
            data.with_engine(move |e| {
                let plan = Plan {
                    date,
                    topic: &wanted,
                    per_day,
                    cursor: None,
                    new_max,
                    schedule_today,
                };
                crate::digest::runner::unsubscribed(store.as_ref(), e, &plan, now)
            })
            .await?
        }
    };
    ctx.send(digest_page(&d, None).into_reply(true)).await?;
    Ok(())
}

/// Scheduling without a poster: previews only plan.
fn scheduler_for_preview(data: &Data) -> Scheduler<NoPoster> {
    Scheduler {
        lease: None,
        store: Arc::clone(&data.store),
        engine: Arc::clone(&data.engine),
        poster: NoPoster,
        clock: Arc::clone(&data.clock),
        settings: settings(data),
        on_outcome: None,
    }
}

struct NoPoster;

impl Poster for NoPoster {
    async fn post(&self, _: u64, _: &Digest, _: &str) -> anyhow::Result<u64> {
        anyhow::bail!("previews are not posted")
    }
    async fn find(&self, _: u64, _: &str) -> anyhow::Result<Option<u64>> {
        Ok(None)
    }
}

/// Post today's digest for this channel now instead of at its time.
///
/// It is recorded, so it is not posted again today.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn now(ctx: Context<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let data = ctx.data();
    let channel = ctx.channel_id().get();
    let subs: Vec<Subscription> = data
        .store
        .subscriptions()?
        .into_iter()
        .filter(|s| s.channel_id == channel)
        .collect();
    if subs.is_empty() {
        ctx.send(Page::text("This channel has no digest subscription; /digest subscribe first, or /digest preview to see one.").into_reply(true)).await?;
        return Ok(());
    }
    let me = ctx.serenity_context().cache.current_user().id;
    // Asked for by a user: posted whoever holds the lease (recording the
    // post first keeps it single).
    let sched = scheduler(data, Arc::clone(&ctx.serenity_context().http), me, None);
    let now = data.clock.now();
    let mut lines = Vec::new();
    for s in &subs {
        let date = crate::digest::schedule::local_date(now, s.timezone);
        let line = match sched.post_recorded(s, date, now).await? {
            Some(Outcome::Posted { .. }) => {
                format!("Posted today's digest ({}).", describe_topic(s))
            }
            Some(Outcome::Failed { error, .. }) => {
                format!("Could not post ({}): {error}", describe_topic(s))
            }
            Some(_) | None => format!("Today's digest ({}) was already posted.", describe_topic(s)),
        };
        lines.push(line);
    }
    // Posting can outlast the interaction's token (15 minutes, e.g. while
    // Discord rate limits the channel): the digest is out, only the report
    // to the user is lost.
    if let Err(e) = ctx
        .send(Page::plain(&lines.join("\n")).into_reply(true))
        .await
    {
        if !retry::expired_token(&e) {
            return Err(e.into());
        }
        tracing::warn!(
            interaction = %ctx.id(),
            error = %retry::describe(&e),
            "interaction token expired; /digest now report not delivered"
        );
    }
    Ok(())
}

/// Keep the "new in the notes" record in step with the index.
pub(super) fn sync(store: &dyn StateStore, engine: &LiveEngine, clock: &dyn Clock) {
    match runner::sync_sessions(store, &engine.snapshot(), clock.now()) {
        Ok(r) if !r.baseline => tracing::info!(
            added = r.added.len(),
            changed = r.changed.len(),
            removed = r.removed.len(),
            "sessions recorded for digests"
        ),
        Ok(_) => {}
        Err(e) => {
            tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot record sessions for digests")
        }
    }
}
