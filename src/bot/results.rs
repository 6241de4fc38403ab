//! Pages of results and the buttons that move between them: `/ask` and
//! `/search` pages and the answers in Q&A threads. What the buttons
//! carry is in `custom_id.rs`; how a page is sent, in `page.rs`.

use super::custom_id::{non_empty, not_helpful_id, qa_more_id, AskState, SearchState};
use super::page::Page;
use super::reply::{self, button, card_embed, fit_embeds, Embed};
use super::{Data, Error};
use crate::answer::Answer;
use crate::index::Filters;
use crate::render::card::{answer_cards, no_results_text};
use poise::serenity_prelude as serenity;

/// Results of `/ask` from `offset`, with More (and Show to channel when
/// hidden), and the answer they show.
pub(super) async fn ask_page(data: &Data, state: &AskState) -> Result<(Page, Answer), Error> {
    let conf = non_empty(&state.conference);
    let page = results_and_answer(data, &state.query, conf, state.offset, |has_more, next| {
        let mut buttons = vec![button(
            &state.id("ask", next),
            "More",
            serenity::ButtonStyle::Primary,
            !has_more,
        )];
        if state.hidden {
            buttons.push(button(
                &state.id("show", state.offset),
                "Show to channel",
                serenity::ButtonStyle::Secondary,
                false,
            ));
        }
        buttons
    });
    page.await
}

/// The answer to a question asked in a Q&A channel (`message` is the
/// question's message): More and Not helpful.
pub(super) async fn answer_page(
    data: &Data,
    question: &str,
    conference: Option<String>,
    offset: usize,
    message: Option<u64>,
) -> Result<Page, Error> {
    Ok(
        answer_page_with(data, question, conference, offset, message)
            .await?
            .0,
    )
}

/// [`answer_page`], and the answer it shows (to tell whether it is a gap).
pub(super) async fn answer_page_with(
    data: &Data,
    question: &str,
    conference: Option<String>,
    offset: usize,
    message: Option<u64>,
) -> Result<(Page, Answer), Error> {
    results_and_answer(data, question, conference, offset, |has_more, next| {
        let Some(m) = message else { return Vec::new() };
        vec![
            button(
                &qa_more_id(m, next),
                "More",
                serenity::ButtonStyle::Primary,
                !has_more,
            ),
            button(
                &not_helpful_id(m),
                "Not helpful",
                serenity::ButtonStyle::Secondary,
                false,
            ),
        ]
    })
    .await
}

/// One page of answers from `offset`, `buttons(has_more, next_offset)`
/// under it, and the answer it shows.
async fn results_and_answer(
    data: &Data,
    question: &str,
    conference: Option<String>,
    offset: usize,
    buttons: impl FnOnce(bool, usize) -> Vec<serenity::CreateButton>,
) -> Result<(Page, Answer), Error> {
    let per = data.config.discord.results_per_page;
    let q = question.to_string();
    let answer: Answer = data
        .with_engine(move |e| {
            let filters = Filters {
                conference,
                ..Filters::default()
            };
            e.ask(&q, &filters, per + 1, offset)
        })
        .await?;
    if answer.hits.is_empty() {
        let text = if offset == 0 {
            no_results_text(&answer)
        } else {
            "No more results.".to_string()
        };
        return Ok((Page::text(&text), answer));
    }
    // The nearest notes are all there is: no More.
    let has_more = answer.hits.len() > per && !answer.nearest;
    let mut shown = answer.clone();
    shown.hits.truncate(per);
    let embeds: Vec<Embed> = answer_cards(&shown)
        .iter()
        .enumerate()
        .map(|(i, c)| card_embed(c, Some(offset + i + 1)))
        .collect();
    let buttons = buttons(has_more, offset + per);
    let page = Page {
        content: answer
            .nearest
            .then(|| crate::render::card::nearest_text(&answer)),
        embeds: fit_embeds(embeds),
        components: if buttons.is_empty() {
            Vec::new()
        } else {
            vec![serenity::CreateActionRow::Buttons(buttons)]
        },
    };
    Ok((page, answer))
}

/// A page of `/search` (or `/speaker`) results, and the answer it shows.
pub(super) async fn search_page(data: &Data, state: &SearchState) -> Result<(Page, Answer), Error> {
    let per = data.config.discord.results_per_page * 2;
    let (q, filters, offset) = (state.query.clone(), state.filters(), state.page * per);
    let answer = data
        .with_engine(move |e| e.ask(&q, &filters, per + 1, offset))
        .await?;
    if answer.hits.is_empty() {
        let text = if state.page == 0 {
            no_results_text(&answer)
        } else {
            "No more results.".to_string()
        };
        return Ok((Page::text(&text), answer));
    }
    let has_next = answer.hits.len() > per && !answer.nearest;
    let mut lines = Vec::new();
    if answer.nearest {
        lines.push(crate::render::card::nearest_text(&answer));
    }
    for (i, h) in answer.hits.iter().take(per).enumerate() {
        let card = crate::render::card::Card::from_hit(h, false);
        let title = reply::escape(&card.title).replace(['[', ']'], "");
        let head = match &card.url {
            Some(u) => format!("**{}. [{title}]({u})**", offset + i + 1),
            None => format!("**{}. {title}**", offset + i + 1),
        };
        let snippet = crate::answer::summary::cut(&card.text, 300);
        lines.push(format!(
            "{head}\n*{}*\n{}",
            reply::escape(&card.byline),
            reply::escape_keep_bold(&snippet)
        ));
    }
    let what = if state.query.trim().is_empty() {
        "everything".to_string()
    } else {
        format!("“{}”", reply::escape(state.query.trim()))
    };
    let embed = Embed::new(&format!("Search: {what}"))
        .description(&lines.join("\n\n"))
        .footer(&format!("page {}", state.page + 1));
    let buttons = vec![
        button(
            &state.id(state.page.saturating_sub(1)),
            "Prev",
            serenity::ButtonStyle::Secondary,
            state.page == 0,
        ),
        button(
            &state.id(state.page + 1),
            "Next",
            serenity::ButtonStyle::Secondary,
            !has_next,
        ),
    ];
    let page = Page {
        content: None,
        embeds: fit_embeds(vec![embed]),
        components: vec![serenity::CreateActionRow::Buttons(buttons)],
    };
    Ok((page, answer))
}
