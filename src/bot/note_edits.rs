//! `/note append` and `/note delete`: later paragraphs for a note written
//! with `/note new`, and its removal. Only notes recorded in the store
//! ([`crate::store::NoteState`]) are touched, never another file of the
//! notes, and only by their author or a member with Manage Messages
//! (which Administrator implies). The file work is [`crate::capture`]'s.

use super::notes::{ADMINISTRATOR, MANAGE_MESSAGES};
use super::page::Page;
use super::reply::{self, choice, escape};
use super::{Context, Data, Error};
use crate::capture;
use crate::store::NoteRecord;
use poise::serenity_prelude as serenity;

/// How many of the author's notes autocomplete looks through.
const RECENT: usize = 100;

/// Add a paragraph to a note you wrote with /note new
#[poise::command(slash_command, guild_only, rename = "append")]
pub(super) async fn note_append(
    ctx: Context<'_>,
    #[description = "Your note"]
    #[autocomplete = "ac_own_note"]
    #[max_length = 100]
    title: String,
    #[description = "The paragraph to add"]
    #[max_length = 4000]
    text: String,
) -> Result<(), Error> {
    let note = match editable(ctx, &title, "add to") {
        Ok(n) => n,
        Err(why) => return refuse(ctx, &why).await,
    };
    if text.trim().is_empty() {
        return refuse(ctx, "Nothing was added: the paragraph is empty.").await;
    }
    let data = ctx.data();
    let date = data
        .clock
        .now()
        .with_timezone(&data.config.digest.timezone)
        .date_naive();
    let (dir, rel, author) = (
        data.config.notes_dir.clone(),
        note.rel.clone(),
        ctx.author().name.clone(),
    );
    let max = data.config.notes.max_note_kb.saturating_mul(1024);
    let body = text.clone();
    let appended =
        tokio::task::spawn_blocking(move || capture::append(&dir, &rel, &author, date, &body, max))
            .await?;
    if let Err(e) = appended {
        tracing::warn!(error = %crate::errors::chain(e.as_ref()), rel = %note.rel, "cannot append to a note");
        return refuse(ctx, &format!("Nothing was added: {e}.")).await;
    }
    if let Err(e) = data.store.note_appended(&note.rel, data.clock.now()) {
        tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot record an append");
    }
    let committed = data.commit_note(&note.rel, ctx.author(), "append to").await;
    ctx.defer().await?;
    // `rel` came from capture's slugs ([a-z0-9-./]): nothing to escape.
    let added = format!(
        "Added to `{}`:\n{}{committed}",
        note.rel,
        reply::fit(&escape(text.trim()), 1500)
    );
    let page = data.session_page(&note.rel, added).await;
    edit_original(ctx, page).await
}

/// Delete a note you wrote with /note new
#[poise::command(slash_command, guild_only, rename = "delete")]
pub(super) async fn note_delete(
    ctx: Context<'_>,
    #[description = "The note"]
    #[autocomplete = "ac_own_note"]
    #[max_length = 100]
    title: String,
) -> Result<(), Error> {
    let note = match editable(ctx, &title, "delete") {
        Ok(n) => n,
        Err(why) => return refuse(ctx, &why).await,
    };
    let data = ctx.data();
    let (dir, rel) = (data.config.notes_dir.clone(), note.rel.clone());
    let removed = tokio::task::spawn_blocking(move || capture::remove(&dir, &rel)).await?;
    if let Err(e) = removed {
        // Gone already (removed by hand): the record follows the file.
        tracing::warn!(error = %crate::errors::chain(e.as_ref()), rel = %note.rel, "cannot remove a note");
    }
    if let Err(e) = data.store.note_deleted(&note.rel, data.clock.now()) {
        tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot record a deletion");
    }
    ctx.defer_ephemeral().await?;
    let committed = data.commit_note(&note.rel, ctx.author(), "delete").await;
    if let Err(e) = data.reindex().await {
        tracing::error!(error = %crate::errors::chain(e.as_ref()), "re-index after a deletion failed");
    }
    let done = format!("Deleted `{}`.{committed}", note.rel);
    edit_original(ctx, Page::plain(&done)).await
}

/// The recorded note `rel`, if the user may `verb` it; else why not.
fn editable(ctx: Context<'_>, rel: &str, verb: &str) -> Result<NoteRecord, String> {
    let store = &ctx.data().store;
    let rel = rel.trim();
    let record = store
        .note_record(rel)
        .and_then(|found| match found {
            // A choice's value holds at most 100 characters; a longer file
            // name comes back cut, and is one of the author's own.
            None if rel.chars().count() >= reply::CHOICE_MAX => {
                let mine = store.recent_notes_by(ctx.author().id.get(), RECENT)?;
                let mut longer = mine.into_iter().filter(|n| n.rel.starts_with(rel));
                Ok(longer.next().filter(|_| longer.next().is_none()))
            }
            found => Ok(found),
        })
        .map_err(|e| {
            tracing::error!(error = %crate::errors::chain(e.as_ref()), "cannot read the notes written");
            "Sorry, the notes written here could not be read. The error was logged.".to_string()
        })?;
    let Some(note) = record.filter(|n| n.deleted_at.is_none()) else {
        return Err(format!(
            "Sorry, you can only {verb} notes written here with /note new: pick one from the list."
        ));
    };
    let permissions = match ctx {
        poise::Context::Application(app) => app
            .interaction
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .map(|p| p.bits()),
        poise::Context::Prefix(_) => None,
    };
    if may_edit(&note, ctx.author().id.get(), permissions) {
        Ok(note)
    } else {
        Err(format!(
            "Sorry, only the note's author or a member with Manage Messages can {verb} it."
        ))
    }
}

/// The author, or a member with Manage Messages (or Administrator).
fn may_edit(note: &NoteRecord, user: u64, permissions: Option<u64>) -> bool {
    note.author_id == user
        || permissions.is_some_and(|p| p & (MANAGE_MESSAGES | ADMINISTRATOR) != 0)
}

pub(super) async fn refuse(ctx: Context<'_>, why: &str) -> Result<(), Error> {
    ctx.send(Page::plain(why).into_reply(true)).await?;
    Ok(())
}

/// Replace the deferred "thinking…" answer.
pub(super) async fn edit_original(ctx: Context<'_>, page: Page) -> Result<(), Error> {
    if let poise::Context::Application(app) = ctx {
        app.interaction
            .edit_response(ctx.http(), page.into_edit())
            .await?;
    }
    Ok(())
}

/// The author's own notes, most recent first: the title as name, the file
/// as value.
async fn ac_own_note(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let data: &Data = ctx.data();
    let notes = data
        .store
        .recent_notes_by(ctx.author().id.get(), RECENT)
        .unwrap_or_default();
    let dir = data.config.notes_dir.clone();
    let partial = partial.trim().to_lowercase();
    let titled = tokio::task::spawn_blocking(move || {
        notes
            .into_iter()
            .map(|n| {
                let title = capture::title_of(&dir, &n.rel).unwrap_or_else(|| n.rel.clone());
                (title, n.rel)
            })
            .filter(|(title, rel)| {
                title.to_lowercase().contains(&partial) || rel.contains(&partial)
            })
            .take(reply::CHOICES_MAX)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let choices = titled.iter().map(|(t, rel)| choice(t, rel)).collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_author_and_managers_may_edit_a_note() {
        let note = NoteRecord {
            rel: "a/b.md".into(),
            author_id: 7,
            author_name: "alice".into(),
            guild_id: None,
            channel_id: None,
            message_id: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            deleted_at: None,
        };
        assert!(may_edit(&note, 7, Some(0)));
        assert!(may_edit(&note, 8, Some(MANAGE_MESSAGES)));
        assert!(may_edit(&note, 8, Some(ADMINISTRATOR)));
        assert!(!may_edit(&note, 8, Some(1 << 5)));
        assert!(!may_edit(&note, 8, None));
    }
}
