//! `/note new`: a form (a Discord modal) for a talk's notes, written as a
//! note file by [`crate::capture`], indexed at once and shown as its card.
//!
//! The command only opens the form; the filled form comes back as an
//! interaction of its own, recognised by [`FORM_ID`] in [`super::events`].
//! Nothing waits in between, so a form sent after a restart is still
//! written. Who may write is checked at both steps from the interaction's
//! member (`notes.writers` roles, else Manage Messages), and so is the
//! per-user limit, which counts notes written on the bot's clock.

use super::note_edits::{note_append, note_delete};
use super::note_upload::note_upload;
use super::page::Page;
use super::reply::card_embed;
use super::{Context, Data, Error};
use crate::capture::{self, Draft, Written};
use crate::render::card::Card;
use crate::store::NoteRecord;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use std::collections::VecDeque;

/// The form's custom_id: how its submission is told from others.
pub(super) const FORM_ID: &str = "cn1|note|new";

/// The form's inputs: custom_id, label, style, most characters, required.
const TITLE: (&str, &str, u16) = ("title", "Title", 200);
const SPEAKERS: (&str, &str, u16) = ("speakers", "Speakers and organisations", 300);
const CONFERENCE: (&str, &str, u16) = ("conference", "Conference", 100);
const NOTES: (&str, &str, u16) = ("notes", "Notes", 4000);

/// The Manage Messages and Administrator permission bits.
pub(super) const MANAGE_MESSAGES: u64 = 1 << 13;
pub(super) const ADMINISTRATOR: u64 = 1 << 3;

/// Notes written from Discord
#[poise::command(
    slash_command,
    guild_only,
    subcommands("note_new", "note_upload", "note_append", "note_delete"),
    subcommand_required,
    rename = "note"
)]
pub(crate) async fn note(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Write notes for a talk: opens a form
#[poise::command(slash_command, guild_only, rename = "new")]
async fn note_new(
    ctx: Context<'_>,
    #[description = "The conference, e.g. KubeCon EU 2023"]
    #[autocomplete = "super::commands::ac_conference"]
    #[max_length = 100]
    conference: Option<String>,
    #[description = "The talk's title"]
    #[max_length = 200]
    title: Option<String>,
) -> Result<(), Error> {
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let member = app.interaction.member.as_deref();
    if let Some(why) = ctx.data().note_refusal(member, ctx.author().id.get()) {
        ctx.send(Page::plain(&why).into_reply(true)).await?;
        return Ok(());
    }
    let form = form(title.as_deref(), conference.as_deref());
    app.interaction.create_response(ctx.http(), form).await?;
    app.has_sent_initial_response
        .store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

/// The form, with the command's title and conference filled in.
fn form(title: Option<&str>, conference: Option<&str>) -> serenity::CreateInteractionResponse {
    use serenity::InputTextStyle::{Paragraph, Short};
    let input = |(id, label, max): (&str, &str, u16), style, required, value: Option<&str>| {
        let mut b = serenity::CreateInputText::new(style, label, id)
            .max_length(max)
            .required(required);
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            b = b.value(v.chars().take(usize::from(max)).collect::<String>());
        }
        b
    };
    let rows = vec![
        input(TITLE, Short, true, title),
        input(SPEAKERS, Short, false, None).placeholder("Ada Lovelace, Analytical Engines"),
        input(CONFERENCE, Short, false, conference).placeholder("KubeCon EU 2023"),
        input(NOTES, Paragraph, true, None),
    ];
    serenity::CreateInteractionResponse::Modal(
        serenity::CreateModal::new(FORM_ID, "New session notes").components(
            rows.into_iter()
                .map(serenity::CreateActionRow::InputText)
                .collect(),
        ),
    )
}

/// The filled form: write the note, re-index, show its card.
pub(super) async fn on_submit(
    ctx: &serenity::Context,
    form: &serenity::ModalInteraction,
    data: &Data,
) -> Result<(), Error> {
    if let Some(why) = data.note_refusal(form.member.as_ref(), form.user.id.get()) {
        return private(ctx, form, &why).await;
    }
    let written = match data.write_note(draft(form, data)).await {
        Ok(w) => w,
        Err(why) => return private(ctx, form, &why).await,
    };
    data.record_note(form.user.id.get(), data.clock.now());
    data.remember_note(&written.rel, &form.user, form.guild_id, form.channel_id);
    let committed = data.commit_note(&written.rel, &form.user, "new note").await;
    // Re-indexing may take longer than the 3 s an answer is due in. A
    // "thinking…" message (type 5), not serenity's `defer` (type 6, which
    // edits the message a form was opened from: a command has none).
    let thinking = serenity::CreateInteractionResponseMessage::new();
    form.create_response(
        &ctx.http,
        serenity::CreateInteractionResponse::Defer(thinking),
    )
    .await?;
    // `rel` holds only [a-z0-9-./] (capture's slugs): nothing to escape.
    let saved = format!("Saved as `{}`.{committed}", written.rel);
    let page = data.session_page(&written.rel, saved).await;
    let shown = form.edit_response(&ctx.http, page.into_edit()).await?;
    if let Err(e) = data.store.set_note_message(&written.rel, shown.id.get()) {
        tracing::warn!(error = %crate::errors::chain(e.as_ref()), "cannot record a note's message");
    }
    Ok(())
}

async fn private(
    ctx: &serenity::Context,
    form: &serenity::ModalInteraction,
    text: &str,
) -> Result<(), Error> {
    let reply = serenity::CreateInteractionResponse::Message(Page::plain(text).into_message(true));
    form.create_response(&ctx.http, reply).await?;
    Ok(())
}

/// The form's fields as a [`Draft`], by the user who sent it, dated by the
/// bot's clock in the digests' time zone.
fn draft(form: &serenity::ModalInteraction, data: &Data) -> Draft {
    let field = |id: &str| -> String {
        form.data
            .components
            .iter()
            .flat_map(|row| &row.components)
            .find_map(|c| match c {
                serenity::ActionRowComponent::InputText(t) if t.custom_id == id => t.value.clone(),
                _ => None,
            })
            .unwrap_or_default()
    };
    let conference = field(CONFERENCE.0);
    Draft {
        title: field(TITLE.0),
        speakers: field(SPEAKERS.0),
        conference: Some(conference).filter(|c| !c.trim().is_empty()),
        body: field(NOTES.0),
        author: form.user.name.clone(),
        date: data
            .clock
            .now()
            .with_timezone(&data.config.digest.timezone)
            .date_naive(),
    }
}

/// Whether a member may write notes: one of `writers`' roles, or, when
/// there are none, Manage Messages (which Administrator implies).
fn may_write(writers: &[u64], permissions: Option<u64>, roles: &[u64]) -> bool {
    if writers.is_empty() {
        permissions.is_some_and(|p| p & (MANAGE_MESSAGES | ADMINISTRATOR) != 0)
    } else {
        roles.iter().any(|r| writers.contains(r))
    }
}

/// Notes written within an hour before `now`, oldest first; older ones
/// are forgotten.
fn recent(window: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) -> usize {
    while window
        .front()
        .is_some_and(|t| now.signed_duration_since(*t) >= chrono::Duration::hours(1))
    {
        window.pop_front();
    }
    window.len()
}

impl Data {
    /// Today's date on the bot's clock, in the digests' time zone.
    pub(super) fn today(&self) -> chrono::NaiveDate {
        self.clock
            .now()
            .with_timezone(&self.config.digest.timezone)
            .date_naive()
    }

    /// Why `user` may not write a note now, politely; `None` if they may.
    pub(super) fn note_refusal(
        &self,
        member: Option<&serenity::Member>,
        user: u64,
    ) -> Option<String> {
        let writers = &self.config.notes.writers;
        let roles: Vec<u64> =
            member.map_or(Vec::new(), |m| m.roles.iter().map(|r| r.get()).collect());
        let permissions = member.and_then(|m| m.permissions).map(|p| p.bits());
        if !may_write(writers, permissions, &roles) {
            return Some(if writers.is_empty() {
                "Sorry, writing notes here needs the Manage Messages permission.".to_string()
            } else {
                "Sorry, writing notes here is for members of the note-writing roles.".to_string()
            });
        }
        let limit = self.config.notes.per_user_per_hour as usize;
        let now = self.clock.now();
        let mut map = self.note_windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = map.entry(user).or_default();
        if limit == 0 || recent(window, now) < limit {
            return None;
        }
        let reopens = window[0] + chrono::Duration::hours(1) - now;
        let minutes = (reopens.num_seconds() + 59) / 60;
        Some(format!(
            "You have written {limit} notes in the last hour, the most allowed; \
             you can write the next one in {minutes} min."
        ))
    }

    pub(super) fn record_note(&self, user: u64, now: DateTime<Utc>) {
        let mut map = self.note_windows.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, w| recent(w, now) > 0);
        map.entry(user).or_default().push_back(now);
    }

    /// Record who wrote the note, from where: only recorded notes are
    /// appended to or deleted. The file is written either way; a failure
    /// here is logged.
    pub(super) fn remember_note(
        &self,
        rel: &str,
        user: &serenity::User,
        guild: Option<serenity::GuildId>,
        channel: serenity::ChannelId,
    ) {
        let now = self.clock.now();
        let record = NoteRecord {
            rel: rel.to_string(),
            author_id: user.id.get(),
            author_name: user.name.clone(),
            guild_id: guild.map(|g| g.get()),
            channel_id: Some(channel.get()),
            message_id: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        if let Err(e) = self.store.record_note(&record) {
            tracing::error!(error = %crate::errors::chain(e.as_ref()), rel, "cannot record a note");
        }
    }

    /// Commit the note at `rel` with `git` when `notes.git_commit` is on
    /// (off the async threads): `action` as "new note", by `user`. What to
    /// add to the reply: nothing, or why it was not committed (logged too).
    pub(super) async fn commit_note(
        &self,
        rel: &str,
        user: &serenity::User,
        action: &str,
    ) -> String {
        if !self.config.notes.git_commit {
            return String::new();
        }
        let dir = self.config.notes_dir.clone();
        let (rel, name, id) = (rel.to_string(), user.name.clone(), user.id.get());
        let message = format!(
            "confnotes: {action} {rel} (by {})",
            name.chars().filter(|c| !c.is_control()).collect::<String>()
        );
        let done = tokio::task::spawn_blocking(move || {
            capture::git::commit(&dir, &rel, &name, id, &message)
        })
        .await;
        let why = match done {
            Ok(Ok(())) => return String::new(),
            Ok(Err(e)) => crate::errors::chain(e.as_ref()),
            Err(e) => e.to_string(),
        };
        tracing::warn!(error = %why, "a note was saved but not committed");
        format!(
            "\nSaved, but not committed: {}.",
            super::reply::fit(&super::reply::escape(&why), 300)
        )
    }

    /// Write the note (off the async threads); a refusal the user can act
    /// on (empty, too large, not text), or a generic one with the detail logged.
    pub(super) async fn write_note(&self, d: Draft) -> Result<Written, String> {
        if d.title.trim().is_empty() || d.body.trim().is_empty() {
            return Err("Your note was not saved: it needs a title and some notes.".to_string());
        }
        let max = self.config.notes.max_note_kb.saturating_mul(1024);
        let checked = capture::render(&d).and_then(|t| capture::check_text(t.as_bytes(), max));
        if let Err(e) = checked {
            return Err(format!("Your note was not saved: {e}."));
        }
        let dir = self.config.notes_dir.clone();
        let written = tokio::task::spawn_blocking(move || capture::write_new(&dir, &d, max)).await;
        match written {
            Ok(Ok(w)) => Ok(w),
            Ok(Err(e)) => {
                tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot write a note from Discord");
                Err("Sorry, your note could not be saved. The error was logged.".to_string())
            }
            Err(e) => {
                tracing::error!(error = %e, "writing a note stopped");
                Err("Sorry, your note could not be saved. The error was logged.".to_string())
            }
        }
    }

    /// Re-index as `/reindex` does, then the session of the note in `rel`
    /// as `/session` shows it, under `saved` (text of our own, not escaped).
    pub(super) async fn session_page(&self, rel: &str, saved: String) -> Page {
        if let Err(e) = self.reindex().await {
            tracing::error!(error = %crate::errors::chain(e.as_ref()), "re-index after a note changed failed");
        }
        let owned = rel.to_string();
        let hit = self.with_engine(move |e| e.session_in_file(&owned)).await;
        let mut page = match hit {
            Ok(Some(h)) => Page::embed(card_embed(&Card::from_hit(&h, true), None)),
            Ok(None) | Err(_) => Page::text(""),
        };
        page.content = Some(if page.embeds.is_empty() {
            format!("{saved} It will show in answers once the notes are re-indexed.")
        } else {
            saved
        });
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_are_their_roles_else_manage_messages() {
        assert!(may_write(&[], Some(MANAGE_MESSAGES), &[]));
        assert!(may_write(&[], Some(ADMINISTRATOR), &[]));
        assert!(!may_write(&[], Some(1 << 5), &[7]));
        assert!(!may_write(&[], None, &[]));
        assert!(may_write(&[7], Some(0), &[3, 7]));
        assert!(!may_write(&[7], Some(MANAGE_MESSAGES), &[3]));
    }

    #[test]
    fn the_window_forgets_after_an_hour() {
        let t: DateTime<Utc> = "2026-11-22T10:00:00Z".parse().unwrap();
        let mut w = VecDeque::from([t, t + chrono::Duration::minutes(30)]);
        assert_eq!(recent(&mut w, t + chrono::Duration::minutes(59)), 2);
        assert_eq!(recent(&mut w, t + chrono::Duration::minutes(60)), 1);
        assert_eq!(recent(&mut w, t + chrono::Duration::minutes(95)), 0);
    }

    #[test]
    fn the_form_fits_discords_limits() {
        let long = "x".repeat(500);
        let body = serde_json::to_value(form(Some(&long), Some("KubeCon EU 2023"))).unwrap();
        assert_eq!(body["type"], 9);
        let rows = body["data"]["components"].as_array().unwrap();
        assert_eq!(rows.len(), 4);
        let title = &rows[0]["components"][0];
        assert_eq!(title["value"].as_str().unwrap().chars().count(), 200);
        assert!(rows[1]["components"][0].get("value").is_none());
        assert!(FORM_ID.len() <= 100);
    }
}
