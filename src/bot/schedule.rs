//! `/schedule programme|now|next`: a conference's programme from its
//! schedule, by the bot's clock, with the events the team has notes on
//! marked. What is listed comes from [`crate::answer::programme`]; here
//! it becomes embeds (escaped, then cut) and Prev/Next buttons.

use super::custom_id::{non_empty, ProgrammeState};
use super::page::Page;
use super::reply::{self, button, choice, escape, fit, Embed};
use super::{Context, Data, Error};
use crate::answer::coverage::Coverage;
use crate::answer::programme::{self, Filter, Listed, Listing};
use crate::answer::Engine;
use poise::serenity_prelude as serenity;

/// Events on one page of a programme.
const PER_PAGE: usize = 8;
/// Events `/schedule next` shows.
const NEXT: usize = 10;
/// What the ✓ means, in footers.
const MARK: &str = "✓ the team has notes";

// ---- autocomplete --------------------------------------------------------

/// The schedules' conferences, "name year" (also for `/coverage`).
pub(super) async fn ac_schedule(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let partial = partial.to_lowercase();
    let names = ctx
        .data()
        .with_engine(|e| Ok(names(e)))
        .await
        .unwrap_or_default();
    let choices = names
        .iter()
        .filter(|(name, _)| name.to_lowercase().contains(&partial))
        .take(reply::CHOICES_MAX)
        .map(|(name, n)| choice(&format!("{name} ({n} sessions)"), name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// The chosen (or current) conference's days.
async fn ac_day(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    by_schedule(ctx, partial, programme::days).await
}

/// The chosen (or current) conference's tracks.
async fn ac_track(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    by_schedule(ctx, partial, programme::tracks).await
}

/// Choices `of` the schedule the command's `conference` option names (or
/// the one on by the clock) that contain `partial`.
async fn by_schedule(
    ctx: Context<'_>,
    partial: &str,
    of: fn(&Coverage) -> Vec<(String, usize)>,
) -> serenity::CreateAutocompleteResponse {
    let wanted = option_text(ctx, "conference");
    let now = ctx.data().clock.now();
    let all = ctx
        .data()
        .with_engine(move |e| {
            Ok(programme::pick(e.schedules(), wanted.as_deref(), now)
                .map(of)
                .unwrap_or_default())
        })
        .await
        .unwrap_or_default();
    let partial = partial.to_lowercase();
    let choices = all
        .iter()
        .filter(|(name, _)| name.to_lowercase().contains(&partial))
        .take(reply::CHOICES_MAX)
        .map(|(name, n)| choice(&format!("{name} ({n} sessions)"), name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Another option's text in the interaction being answered.
fn option_text(ctx: Context<'_>, name: &str) -> Option<String> {
    let poise::Context::Application(app) = ctx else {
        return None;
    };
    app.args
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| match o.value {
            serenity::ResolvedValue::String(s) => non_empty(s),
            _ => None,
        })
}

fn names(e: &Engine) -> Vec<(String, usize)> {
    e.schedules()
        .iter()
        .map(|c| (programme::label(c), c.events.len()))
        .collect()
}

// ---- commands ------------------------------------------------------------

/// A conference's programme from its schedule
#[poise::command(
    slash_command,
    subcommands("programme", "now", "next"),
    subcommand_required
)]
pub(crate) async fn schedule(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The programme by day, track or words, page by page
#[poise::command(slash_command)]
async fn programme(
    ctx: Context<'_>,
    #[description = "Conference (default: the one on now)"]
    #[autocomplete = "ac_schedule"]
    conference: Option<String>,
    #[description = "Day, e.g. Wed 19 Apr"]
    #[autocomplete = "ac_day"]
    day: Option<String>,
    #[description = "Track"]
    #[autocomplete = "ac_track"]
    track: Option<String>,
    #[description = "Words in the title or a speaker's name"]
    #[max_length = 100]
    query: Option<String>,
) -> Result<(), Error> {
    let state = ProgrammeState {
        page: 0,
        conference: conference.unwrap_or_default(),
        day: day.unwrap_or_default(),
        track: track.unwrap_or_default(),
        query: query.unwrap_or_default(),
    };
    let page = programme_page(ctx.data(), &state).await?;
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// What is on now, by the conference's clock
#[poise::command(slash_command)]
async fn now(
    ctx: Context<'_>,
    #[description = "Conference (default: the one on now)"]
    #[autocomplete = "ac_schedule"]
    conference: Option<String>,
) -> Result<(), Error> {
    let now = ctx.data().clock.now();
    let (listing, names) = ctx
        .data()
        .with_engine(move |e| Ok((e.on_now(conference.as_deref(), now), names(e))))
        .await?;
    let page = match listing {
        None => not_found(&names),
        Some(l) if l.events.is_empty() => Page::text(&format!(
            "Nothing is on at {} now ({} there). {}",
            l.conference,
            l.now,
            its_days(&l)
        )),
        Some(l) => listing_page(&format!("On now: {}", escape(&l.conference)), &l, false),
    };
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

/// The next events, optionally matching some words
#[poise::command(slash_command)]
async fn next(
    ctx: Context<'_>,
    #[description = "Conference (default: the one on now)"]
    #[autocomplete = "ac_schedule"]
    conference: Option<String>,
    #[description = "Words in the title or a speaker's name"]
    #[max_length = 100]
    query: Option<String>,
) -> Result<(), Error> {
    let now = ctx.data().clock.now();
    let (listing, names) = ctx
        .data()
        .with_engine(move |e| {
            let l = e.up_next(conference.as_deref(), now, query.as_deref(), NEXT);
            Ok((l, names(e)))
        })
        .await?;
    let page = match listing {
        None => not_found(&names),
        Some(l) if l.events.is_empty() => Page::text(&format!(
            "Nothing more on the programme of {} after now ({} there). {}",
            l.conference,
            l.now,
            its_days(&l)
        )),
        Some(l) => listing_page(&format!("Next: {}", escape(&l.conference)), &l, true),
    };
    ctx.send(page.into_reply(false)).await?;
    Ok(())
}

// ---- pages ---------------------------------------------------------------

/// One page of `/schedule programme`, with Prev and Next.
pub(super) async fn programme_page(data: &Data, state: &ProgrammeState) -> Result<Page, Error> {
    let now = data.clock.now();
    let wanted = non_empty(&state.conference);
    let filter = Filter {
        day: non_empty(&state.day),
        track: non_empty(&state.track),
        words: non_empty(&state.query),
    };
    let f = filter.clone();
    let (listing, names) = data
        .with_engine(move |e| Ok((e.programme(wanted.as_deref(), now, &f), names(e))))
        .await?;
    let Some(listing) = listing else {
        return Ok(not_found(&names));
    };
    let asked = asked(&filter);
    if listing.events.is_empty() {
        return Ok(Page::text(&format!(
            "No event of {} matches {asked}. {}",
            listing.conference,
            its_days(&listing)
        )));
    }
    let pages = listing.events.len().div_ceil(PER_PAGE);
    let page = state.page.min(pages - 1);
    let shown = listing.events.iter().skip(page * PER_PAGE).take(PER_PAGE);
    let mut lines = Vec::new();
    if !asked.is_empty() {
        lines.push(format!("*{}*", escape(&asked)));
    }
    let mut day = None;
    for e in shown {
        if day != Some(&e.day) {
            let name = if e.day.is_empty() {
                "Time not given"
            } else {
                &e.day
            };
            lines.push(format!("__{name}__"));
            day = Some(&e.day);
        }
        lines.push(event_line(e, false));
    }
    let embed = Embed::new(&format!("Programme: {}", escape(&listing.conference)))
        .description(&lines.join("\n"))
        .footer(&format!(
            "page {} of {pages} · {} events · {MARK}",
            page + 1,
            listing.events.len()
        ));
    let keyed = ProgrammeState {
        conference: listing.key.clone(),
        ..state.clone()
    };
    let buttons = vec![
        button(
            &keyed.id(page.saturating_sub(1)),
            "Prev",
            serenity::ButtonStyle::Secondary,
            page == 0,
        ),
        button(
            &keyed.id(page + 1),
            "Next",
            serenity::ButtonStyle::Secondary,
            page + 1 >= pages,
        ),
    ];
    Ok(Page {
        content: None,
        embeds: reply::fit_embeds(vec![embed]),
        components: vec![serenity::CreateActionRow::Buttons(buttons)],
    })
}

/// The filters as the user gave them: `Wed 19 Apr · Security · “ebpf”`.
fn asked(f: &Filter) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(f.day.clone());
    parts.extend(f.track.as_ref().map(|t| format!("track {t}")));
    parts.extend(f.words.as_ref().map(|w| format!("“{w}”")));
    parts.join(" · ")
}

/// A listing of now or next: one line per event.
fn listing_page(title: &str, l: &Listing, with_day: bool) -> Page {
    let lines: Vec<String> = l.events.iter().map(|e| event_line(e, with_day)).collect();
    Page::embed(
        Embed::new(title)
            .description(&lines.join("\n"))
            .footer(&format!("{} there · {MARK}", l.now)),
    )
}

/// `11:00–11:35 · Hall 7 · **Title** — Speakers`, and the team's notes.
/// Text from the schedule is escaped, then cut.
fn event_line(e: &Listed, with_day: bool) -> String {
    let mut parts = Vec::new();
    let when = match (with_day, e.day.is_empty()) {
        (true, false) => format!("{} {}", e.day, e.time),
        _ => e.time.clone(),
    };
    if !when.is_empty() {
        parts.push(when);
    }
    if let Some(room) = &e.room {
        parts.push(fit(&escape(room), 60));
    }
    parts.push(format!("**{}**", fit(&escape(&e.title), 150)));
    let mut line = parts.join(" · ");
    if !e.speakers.is_empty() {
        line.push_str(" — ");
        line.push_str(&fit(&escape(&e.speakers.join(", ")), 100));
    }
    if let Some(notes) = &e.notes {
        line.push_str("\n  ✓ notes: ");
        line.push_str(&fit(&escape(notes), 100));
    }
    line
}

fn its_days(l: &Listing) -> String {
    match (l.days.first(), l.days.last()) {
        (Some(a), Some(b)) if a != b => format!("Its days: {a} to {b}."),
        (Some(a), _) => format!("Its day: {a}."),
        _ => String::new(),
    }
}

/// No schedule is the conference asked for (or there is none at all).
pub(super) fn not_found(names: &[(String, usize)]) -> Page {
    if names.is_empty() {
        return Page::text("There is no conference schedule under the notes.");
    }
    let list: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    Page::text(&format!(
        "No schedule is of that conference. Schedules: {}.",
        list.join(", ")
    ))
}
