//! Notes brought in from Discord as they are: `/note upload` saves an
//! attached note file and shows the sessions the parser finds in it, and
//! the message context menu "Save to notes" makes a note of a message (its
//! text and its text attachments) with a link back to it.
//!
//! Who may, and how often, is `/note new`'s rule ([`super::notes`]). An
//! attachment is taken only with a text extension, within
//! `notes.max_note_kb` as Discord announces it and as it arrives, and only
//! from Discord's CDN ([`crate::fetch::attachment`]); the file's name is
//! ours, made by [`crate::capture`]'s slug rules, never the uploader's.

use super::note_edits::{edit_original, refuse};
use super::page::Page;
use super::reply::{self, escape};
use super::{Context, Data, Error};
use crate::capture::{self, Draft, Written};
use poise::serenity_prelude as serenity;

/// How many sessions the reply to an upload lists.
const LISTED: usize = 15;

/// Upload a note file (.md .markdown .txt .rst .org .adoc)
#[poise::command(slash_command, guild_only, rename = "upload")]
pub(super) async fn note_upload(
    ctx: Context<'_>,
    #[description = "The note file: .md .markdown .txt .rst .org .adoc"] file: serenity::Attachment,
    #[description = "The conference, e.g. KubeCon EU 2023 (its folder)"]
    #[autocomplete = "super::commands::ac_conference"]
    #[max_length = 100]
    conference: Option<String>,
) -> Result<(), Error> {
    let data = ctx.data();
    if let Some(why) = refusal(ctx) {
        return refuse(ctx, &why).await;
    }
    let max = data.config.notes.max_note_kb.saturating_mul(1024);
    let (stem, ext) = match acceptable(&file, max) {
        Ok(name) => name,
        Err(why) => return refuse(ctx, &why).await,
    };
    ctx.defer_ephemeral().await?;
    let bytes = match fetch_text(&file, max).await {
        Ok(b) => b,
        Err(why) => return edit_original(ctx, Page::plain(&why)).await,
    };
    let folder = conference
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("uploads")
        .to_string();
    let dir = data.config.notes_dir.clone();
    let written = tokio::task::spawn_blocking(move || {
        capture::write_file(&dir, &folder, &stem, ext, &bytes, max)
    })
    .await?;
    let written = match written {
        Ok(w) => w,
        Err(e) => {
            tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot write an uploaded note");
            let why = format!("Your file was not saved: {}.", escape(&e.to_string()));
            return edit_original(ctx, Page::plain(&why)).await;
        }
    };
    remember(ctx, &written);
    let committed = data.commit_note(&written.rel, ctx.author(), "upload").await;
    if let Err(e) = data.reindex().await {
        tracing::error!(error = %crate::errors::chain(e.as_ref()), "re-index after an upload failed");
    }
    // `rel` holds only capture's slug characters: nothing to escape.
    let listing = sessions_in(data, &written.rel).await;
    let text = format!("Saved as `{}`.{committed}\n{listing}", written.rel);
    edit_original(ctx, Page::plain(&reply::fit(&text, 1900))).await
}

/// Save a message as a note
#[poise::command(context_menu_command = "Save to notes", guild_only)]
pub(crate) async fn save_to_notes(ctx: Context<'_>, msg: serenity::Message) -> Result<(), Error> {
    let data = ctx.data();
    if let Some(why) = refusal(ctx) {
        return refuse(ctx, &why).await;
    }
    let max = data.config.notes.max_note_kb.saturating_mul(1024);
    // Text attachments by the same rules as an upload; pictures and the
    // like are not notes and are left out.
    let texts: Vec<&serenity::Attachment> = msg
        .attachments
        .iter()
        .filter(|a| capture::upload_name(&a.filename).is_some())
        .collect();
    if msg.content.trim().is_empty() && texts.is_empty() {
        return refuse(ctx, "That message has no text to save.").await;
    }
    for a in &texts {
        if let Err(why) = acceptable(a, max) {
            return refuse(ctx, &why).await;
        }
    }
    ctx.defer_ephemeral().await?;
    let mut parts = vec![msg.content.trim().to_string()];
    for a in texts {
        match fetch_text(a, max).await {
            Ok(bytes) => parts.push(String::from_utf8_lossy(&bytes).trim().to_string()),
            Err(why) => return edit_original(ctx, Page::plain(&why)).await,
        }
    }
    let guild = ctx.guild_id().or(msg.guild_id).map_or(0, |g| g.get());
    parts.push(format!(
        "https://discord.com/channels/{guild}/{}/{}",
        msg.channel_id, msg.id
    ));
    let draft = Draft {
        title: title_of(&msg),
        speakers: String::new(),
        conference: None,
        body: parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"),
        author: msg.author.name.clone(),
        date: data.today(),
    };
    let written = match data.write_note(draft).await {
        Ok(w) => w,
        Err(why) => return edit_original(ctx, Page::plain(&why)).await,
    };
    remember(ctx, &written);
    let committed = data
        .commit_note(&written.rel, ctx.author(), "save message as")
        .await;
    if let Err(e) = data.reindex().await {
        tracing::error!(error = %crate::errors::chain(e.as_ref()), "re-index after saving a message failed");
    }
    let done = format!("Saved as `{}`.{committed}", written.rel);
    edit_original(ctx, Page::plain(&done)).await
}

/// The note's title: the message's first line, at most 80 characters, or
/// "Note from <author>" when it has none.
fn title_of(msg: &serenity::Message) -> String {
    let first = msg
        .content
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.is_empty() {
        format!("Note from {}", msg.author.name)
    } else {
        first.chars().take(80).collect()
    }
}

/// `/note new`'s refusal for the user of this interaction.
fn refusal(ctx: Context<'_>) -> Option<String> {
    let member = match ctx {
        poise::Context::Application(app) => app.interaction.member.as_deref(),
        poise::Context::Prefix(_) => None,
    };
    ctx.data().note_refusal(member, ctx.author().id.get())
}

/// Count the note against the user's hourly limit and record who wrote it.
fn remember(ctx: Context<'_>, written: &Written) {
    let data = ctx.data();
    data.record_note(ctx.author().id.get(), data.clock.now());
    data.remember_note(&written.rel, ctx.author(), ctx.guild_id(), ctx.channel_id());
}

/// The attachment's name as ours, when it may be fetched: a text
/// extension, an announced size within `max`, on Discord's CDN. Checked
/// before anything is fetched.
fn acceptable(file: &serenity::Attachment, max: usize) -> Result<(String, &'static str), String> {
    let name = escape(&file.filename);
    let Some(ours) = capture::upload_name(&file.filename) else {
        let kinds = capture::UPLOAD_EXTENSIONS
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(" ");
        return Err(format!(
            "Sorry, “{name}” is not a note file: only {kinds} files are saved."
        ));
    };
    if file.size as usize > max {
        return Err(format!(
            "Sorry, “{name}” is {} KB; a note may be at most {} KB.",
            file.size.div_ceil(1024),
            max / 1024
        ));
    }
    if !crate::fetch::attachment_url_ok(&file.url) {
        tracing::warn!(url = %file.url, "an attachment not on Discord's CDN");
        return Err(format!(
            "Sorry, “{name}” is not on Discord's servers, so it was not fetched."
        ));
    }
    Ok(ours)
}

/// The attachment's bytes, no more than Discord announced (nor `max`),
/// when they are text.
async fn fetch_text(file: &serenity::Attachment, max: usize) -> Result<Vec<u8>, String> {
    let name = escape(&file.filename);
    let limit = (file.size as usize).min(max);
    let bytes = crate::fetch::attachment(&file.url, limit)
        .await
        .map_err(|e| {
            tracing::warn!(error = %crate::errors::chain(e.as_ref()), url = %file.url, "cannot fetch an attachment");
            format!("Sorry, “{name}” could not be fetched ({e}); nothing was saved.")
        })?;
    capture::check_text(&bytes, max).map_err(|e| format!("“{name}” was not saved: {e}."))?;
    Ok(bytes)
}

/// The sessions the parser finds in the note at `rel`, as `confnotes
/// inspect` lists its chunks: kind · title — speakers.
async fn sessions_in(data: &Data, rel: &str) -> String {
    let path = data.config.notes_dir.join(rel);
    let rule = data.config.notes.talk_rules().for_file(rel);
    let owned = rel.to_string();
    let found = tokio::task::spawn_blocking(move || {
        let text = std::fs::read_to_string(path).ok()?;
        Some(crate::notes::inspect(&owned, &text, rule))
    })
    .await
    .ok()
    .flatten();
    let Some(report) = found.filter(|r| !r.chunks.is_empty()) else {
        return "No sessions were found in it.".to_string();
    };
    let n = report.chunks.len();
    let mut out = format!("{n} session{} found:\n", if n == 1 { "" } else { "s" });
    for c in report.chunks.iter().take(LISTED) {
        let mut line = format!("{} · {}", c.meta.kind.as_str(), escape(&c.meta.title));
        if !c.meta.speakers.is_empty() {
            line.push_str(&format!(" — {}", escape(&c.meta.speakers.join(", "))));
        }
        out.push_str(&format!("- {}\n", reply::fit(&line, 160)));
    }
    if n > LISTED {
        out.push_str(&format!("…and {} more.\n", n - LISTED));
    }
    out
}
