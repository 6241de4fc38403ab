//! The slash commands and the context menu. Each handler parses its
//! options, calls one core function, and replies.

use super::custom_id::{AskState, SearchState};
use super::page::Page;
use super::reply::{self, card_embed, choice, Embed};
use super::results::{ask_page, search_page};
use super::{Context, Data, Error};
use crate::notes::Kind;
use crate::render::card::{conference_list, Card};
use poise::serenity_prelude as serenity;

pub(super) fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        ask(),
        search(),
        session(),
        summary(),
        links(),
        speaker(),
        conferences(),
        reindex(),
        help(),
        related(),
        super::note_upload::save_to_notes(),
        super::qa::qa(),
        super::digests::digest(),
        super::schedule::schedule(),
        super::coverage::coverage(),
        super::notes::note(),
        super::gaps::gaps(),
    ]
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KindChoice {
    Talk,
    Keynote,
    Workshop,
    Lightning,
    Panel,
    Section,
    Listed,
}

impl From<KindChoice> for Kind {
    fn from(k: KindChoice) -> Kind {
        match k {
            KindChoice::Talk => Kind::Talk,
            KindChoice::Keynote => Kind::Keynote,
            KindChoice::Workshop => Kind::Workshop,
            KindChoice::Lightning => Kind::Lightning,
            KindChoice::Panel => Kind::Panel,
            KindChoice::Section => Kind::Section,
            KindChoice::Listed => Kind::Listed,
        }
    }
}

// ---- autocomplete --------------------------------------------------------

pub(super) async fn ac_conference(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let partial = partial.to_lowercase();
    let catalog = ctx
        .data()
        .catalog
        .read()
        .map(|c| c.conferences.clone())
        .unwrap_or_default();
    let choices = catalog
        .iter()
        .filter(|c| c.name.to_lowercase().contains(&partial))
        .take(reply::CHOICES_MAX)
        .map(|c| {
            let label = match c.year {
                Some(y) => format!("{} {y} ({} sessions)", c.name, c.sessions),
                None => format!("{} ({} sessions)", c.name, c.sessions),
            };
            choice(&label, &c.name)
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

async fn ac_speaker(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let people = ctx
        .data()
        .catalog
        .read()
        .map(|c| c.match_people(partial, reply::CHOICES_MAX))
        .unwrap_or_default();
    serenity::CreateAutocompleteResponse::new()
        .set_choices(people.iter().map(|p| choice(p, p)).collect())
}

async fn ac_session(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let titles = ctx
        .data()
        .catalog
        .read()
        .map(|c| c.match_titles(partial, reply::CHOICES_MAX))
        .unwrap_or_default();
    serenity::CreateAutocompleteResponse::new()
        .set_choices(titles.iter().map(|(id, title)| choice(title, id)).collect())
}

/// A polite reply when a user searches too fast; true when they must wait.
async fn cooling_down(ctx: Context<'_>) -> Result<bool, Error> {
    match ctx.data().cooldown_left(ctx.author().id.get()) {
        Some(secs) => {
            let text = format!("Please wait {secs} s before searching again.");
            ctx.send(Page::text(&text).into_reply(true)).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

// ---- commands ------------------------------------------------------------

/// Ask a question about the conference notes
#[poise::command(slash_command)]
pub(crate) async fn ask(
    ctx: Context<'_>,
    #[description = "What do you want to know?"]
    #[max_length = 300]
    question: String,
    #[description = "Only this conference"]
    #[autocomplete = "ac_conference"]
    conference: Option<String>,
    #[description = "Only you see the answer"] hide: Option<bool>,
) -> Result<(), Error> {
    if cooling_down(ctx).await? {
        return Ok(());
    }
    let hidden = hide.unwrap_or(false);
    let state = AskState {
        offset: 0,
        hidden,
        conference: conference.unwrap_or_default(),
        query: question,
    };
    let (page, answer) = ask_page(ctx.data(), &state).await?;
    super::metrics::global().answered(&answer);
    ctx.send(page.into_reply(hidden)).await?;
    Ok(())
}

/// Search the notes, with filters
#[poise::command(slash_command)]
pub(crate) async fn search(
    ctx: Context<'_>,
    #[description = "Words to look for (may be empty with filters)"]
    #[max_length = 200]
    query: Option<String>,
    #[description = "Conference"]
    #[autocomplete = "ac_conference"]
    conference: Option<String>,
    #[description = "Year"]
    #[min = 1990]
    #[max = 2100]
    year: Option<i32>,
    #[description = "Speaker or organisation"]
    #[autocomplete = "ac_speaker"]
    speaker: Option<String>,
    #[description = "Kind of session"] kind: Option<KindChoice>,
) -> Result<(), Error> {
    if cooling_down(ctx).await? {
        return Ok(());
    }
    let state = SearchState {
        page: 0,
        conference: conference.unwrap_or_default(),
        year,
        speaker: speaker.unwrap_or_default(),
        kind: kind.map(Kind::from),
        query: query.unwrap_or_default(),
    };
    let (page, answer) = search_page(ctx.data(), &state).await?;
    super::metrics::global().answered(&answer);
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// One session in full: summary, links and source
#[poise::command(slash_command)]
pub(crate) async fn session(
    ctx: Context<'_>,
    #[description = "Start typing a title"]
    #[autocomplete = "ac_session"]
    title: String,
) -> Result<(), Error> {
    let wanted = title.clone();
    let hit = ctx.data().with_engine(move |e| e.session(&wanted)).await?;
    let page = match hit {
        Some(h) => Page::embed(card_embed(&Card::from_hit(&h, true), None)),
        None => Page::text(&format!("No session matches “{title}”. Try /search.")),
    };
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// The summary of a session, or a conference's talks and topics
#[poise::command(slash_command)]
pub(crate) async fn summary(
    ctx: Context<'_>,
    #[description = "A session (start typing its title)"]
    #[autocomplete = "ac_session"]
    session: Option<String>,
    #[description = "A conference"]
    #[autocomplete = "ac_conference"]
    conference: Option<String>,
) -> Result<(), Error> {
    if let Some(s) = session {
        return self::session_inner(ctx, s).await;
    }
    let Some(conf) = conference else {
        let list = ctx
            .data()
            .catalog
            .read()
            .map(|c| conference_list(&c.conferences))
            .unwrap_or_default();
        let text = format!(
            "Pick a session or a conference. The notes cover: {}.",
            list.join(", ")
        );
        ctx.send(Page::text(&text).into_reply(true)).await?;
        return Ok(());
    };
    let wanted = conf.clone();
    let overview = ctx.data().with_engine(move |e| e.overview(&wanted)).await?;
    let Some(o) = overview else {
        ctx.send(
            Page::text(&format!(
                "No conference matches “{conf}”. Try /conferences."
            ))
            .into_reply(true),
        )
        .await?;
        return Ok(());
    };
    let year = o.year.map(|y| format!(" {y}")).unwrap_or_default();
    let topics: Vec<String> = o.topics.iter().map(|(w, n)| format!("{w} ({n})")).collect();
    let mut e = Embed::new(&format!("{}{year}", reply::escape(&o.name))).description(&format!(
        "{} sessions. Frequent topics: {}",
        o.sessions,
        reply::escape(&topics.join(", "))
    ));
    for (section, titles) in &o.by_section {
        let list: Vec<String> = titles
            .iter()
            .map(|t| format!("• {}", reply::escape(t)))
            .collect();
        e = e.field(section, &list.join("\n"));
    }
    let page = Page::embed(e);
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

async fn session_inner(ctx: Context<'_>, wanted: String) -> Result<(), Error> {
    let w = wanted.clone();
    let hit = ctx.data().with_engine(move |e| e.session(&w)).await?;
    let page = match hit {
        Some(h) => {
            let mut card = Card::from_hit(&h, true);
            card.text = String::new();
            Page::embed(card_embed(&card, None))
        }
        None => Page::text(&format!("No session matches “{wanted}”.")),
    };
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// The links of the sessions matching a query
#[poise::command(slash_command)]
pub(crate) async fn links(
    ctx: Context<'_>,
    #[description = "Which sessions?"]
    #[max_length = 200]
    query: String,
) -> Result<(), Error> {
    if cooling_down(ctx).await? {
        return Ok(());
    }
    let per = ctx.data().config.discord.results_per_page * 2;
    let q = query.clone();
    let answer = ctx
        .data()
        .with_engine(move |e| e.ask(&q, &crate::index::Filters::default(), per, 0))
        .await?;
    let mut e = Embed::new(&format!("Links: {}", reply::escape(query.trim())));
    let mut any = false;
    for h in answer.hits.iter().filter(|h| !h.links.is_empty()) {
        let lines: Vec<String> = h
            .links
            .iter()
            .map(|l| {
                format!(
                    "• [{}]({})",
                    reply::escape(&crate::answer::summary::cut(&l.label, 80))
                        .replace(['[', ']'], ""),
                    l.url
                )
            })
            .collect();
        e = e.field(&reply::escape(&h.meta.title), &lines.join("\n"));
        any = true;
    }
    let page = if any {
        Page::embed(e)
    } else if answer.hits.is_empty() {
        Page::text(&crate::render::card::no_results_text(&answer))
    } else {
        Page::text("The matching sessions have no links in the notes.")
    };
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// Sessions by a speaker or organisation
#[poise::command(slash_command)]
pub(crate) async fn speaker(
    ctx: Context<'_>,
    #[description = "Speaker or organisation"]
    #[autocomplete = "ac_speaker"]
    name: String,
) -> Result<(), Error> {
    if cooling_down(ctx).await? {
        return Ok(());
    }
    let state = SearchState {
        speaker: name.clone(),
        ..SearchState::default()
    };
    let (mut page, mut answer) = search_page(ctx.data(), &state).await?;
    if page.embeds.is_empty() {
        // Named in the notes' text rather than as a speaker ("Liz Rice gave an update").
        let fallback = SearchState {
            query: name,
            ..SearchState::default()
        };
        (page, answer) = search_page(ctx.data(), &fallback).await?;
    }
    super::metrics::global().answered(&answer);
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// The conferences in the notes
#[poise::command(slash_command)]
pub(crate) async fn conferences(ctx: Context<'_>) -> Result<(), Error> {
    let confs = ctx
        .data()
        .catalog
        .read()
        .map(|c| c.conferences.clone())
        .unwrap_or_default();
    let mut e = Embed::new("Conferences in the notes");
    for c in &confs {
        let year = c.year.map(|y| format!(" {y}")).unwrap_or_default();
        e = e.field(
            &format!("{}{year}", c.name),
            &format!(
                "{} sessions · {}",
                c.sessions,
                reply::escape(&c.files.join(", "))
            ),
        );
    }
    let page = Page::embed(e);
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// Re-read the notes and say what changed (Manage Server)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub(crate) async fn reindex(ctx: Context<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let report = ctx.data().reindex().await?;
    let mut e = Embed::new("Notes re-indexed").description(&format!(
        "{} chunks ({} sessions) from {} files; {} read, {} unchanged, {} removed.",
        report.chunks,
        report.sessions,
        report.files,
        report.files_read,
        report.files_unchanged,
        report.files_removed
    ));
    for (name, ids) in [
        ("Added", &report.added),
        ("Changed", &report.changed),
        ("Removed", &report.removed),
    ] {
        if !ids.is_empty() {
            e = e.field(
                &format!("{name} ({})", ids.len()),
                &reply::escape(&ids.join("\n")),
            );
        }
    }
    if !report.diagnostics.is_empty() {
        let lines: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
        e = e.field(
            &format!("Problems ({})", lines.len()),
            &reply::escape(&lines.join("\n")),
        );
    }
    let page = Page::embed(e);
    ctx.send(page.into_reply(true)).await?;
    Ok(())
}

/// How to use confnotes
#[poise::command(slash_command)]
pub(crate) async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let e = Embed::new("confnotes: answers from the team's conference notes")
        .description(
            "/ask question — the best sessions, with a summary and links\n\
             /search query conference year speaker kind — a list, page by page\n\
             /session title — one session in full\n\
             /summary session|conference — a session's summary, or a conference's talks and topics\n\
             /links query — the links of matching sessions\n\
             /speaker name — sessions by a speaker or company\n\
             /conferences — what the notes cover\n\
             /schedule programme|now|next — a conference's programme, what is on now and next\n\
             /coverage conference — what the notes cover of each schedule\n\
             /note new conference title — write a talk's notes in a form (note writers)\n\
             /note upload file conference — save a note file (.md .txt .rst .org .adoc) and see its sessions\n\
             /note append|delete title — add to or delete a note you wrote with /note new\n\
             /reindex — re-read the notes (Manage Server)\n\
             /qa enable|disable|status — answer questions that mention me in this channel, in a thread\n\
             /digest subscribe|unsubscribe|list|preview|now — a daily digest of sessions in a channel\n\
             /gaps — questions the notes could not answer, by topic (Manage Server)\n\
             👍 / 👎 on an answer in a Q&A thread — tell us whether it helped\n\
             Right-click a message › Apps › Find related sessions, or Save to notes",
        );
    ctx.send(Page::embed(e).into_reply(true)).await?;
    Ok(())
}

/// Sessions related to a message
#[poise::command(context_menu_command = "Find related sessions")]
pub(crate) async fn related(ctx: Context<'_>, msg: serenity::Message) -> Result<(), Error> {
    let text: String = msg.content.chars().take(300).collect();
    if text.trim().is_empty() {
        ctx.send(Page::text("That message has no text to search for.").into_reply(true))
            .await?;
        return Ok(());
    }
    if cooling_down(ctx).await? {
        return Ok(());
    }
    let state = AskState {
        offset: 0,
        hidden: true,
        conference: String::new(),
        query: text,
    };
    let (page, answer) = ask_page(ctx.data(), &state).await?;
    super::metrics::global().answered(&answer);
    ctx.send(page.into_reply(true)).await?;
    Ok(())
}
