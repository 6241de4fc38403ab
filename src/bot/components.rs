//! Pages of results and the buttons that move between them.
//!
//! A button's whole state lives in its custom_id (`cn1|...`), so buttons
//! keep working after a restart: no session store is needed. Queries longer
//! than the id allows are cut; the page still shows what was searched.

use super::reply::{self, button, card_embed, fit_embeds, Embed};
use super::{Data, Error};
use crate::answer::Answer;
use crate::index::Filters;
use crate::notes::Kind;
use crate::render::card::{answer_cards, no_results_text};
use poise::serenity_prelude as serenity;

/// A message's worth of results.
pub struct Page {
    pub content: Option<String>,
    pub embeds: Vec<serenity::CreateEmbed>,
    pub components: Vec<serenity::CreateActionRow>,
}

impl Page {
    pub fn text(text: &str) -> Page {
        Page {
            // Escaped first, cut after: escaping makes text longer.
            content: Some(reply::fit(
                &reply::escape_keep_bold(text),
                reply::CONTENT_MAX,
            )),
            embeds: Vec::new(),
            components: Vec::new(),
        }
    }

    /// Text of our own making (channel mentions, timestamps) with any user
    /// parts already escaped: cut to the limit, not escaped again.
    pub fn plain(text: &str) -> Page {
        Page {
            content: Some(reply::fit(text, reply::CONTENT_MAX)),
            embeds: Vec::new(),
            components: Vec::new(),
        }
    }

    /// A message of one embed.
    pub fn embed(e: Embed) -> Page {
        Page {
            content: None,
            embeds: fit_embeds(vec![e]),
            components: Vec::new(),
        }
    }

    pub fn into_reply(self, ephemeral: bool) -> poise::CreateReply {
        let mut r = poise::CreateReply::default()
            .ephemeral(ephemeral)
            .allowed_mentions(serenity::CreateAllowedMentions::new())
            .components(self.components);
        if let Some(c) = self.content {
            r = r.content(c);
        }
        for e in self.embeds {
            r = r.embed(e);
        }
        r
    }

    /// A channel message; it never pings anyone.
    pub fn into_create_message(self) -> serenity::CreateMessage {
        let mut m = serenity::CreateMessage::new()
            .allowed_mentions(serenity::CreateAllowedMentions::new())
            .embeds(self.embeds)
            .components(self.components);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        m
    }

    pub fn into_message(self, ephemeral: bool) -> serenity::CreateInteractionResponseMessage {
        let mut m = serenity::CreateInteractionResponseMessage::new()
            .ephemeral(ephemeral)
            .allowed_mentions(serenity::CreateAllowedMentions::new())
            .embeds(self.embeds)
            .components(self.components);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        m
    }
}

/// The state of an `/ask` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AskState {
    pub offset: usize,
    pub hidden: bool,
    pub conference: String,
    pub query: String,
}

/// The state of a `/search` list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchState {
    pub page: usize,
    pub conference: String,
    pub year: Option<i32>,
    pub speaker: String,
    pub kind: Option<Kind>,
    pub query: String,
}

impl SearchState {
    fn filters(&self) -> Filters {
        Filters {
            conference: non_empty(&self.conference),
            year: self.year,
            speaker: non_empty(&self.speaker),
            kind: self.kind,
        }
    }

    fn id(&self, page: usize) -> String {
        let kind = self.kind.map_or("", |k| k.as_str());
        let year = self.year.map(|y| y.to_string()).unwrap_or_default();
        reply::custom_id(&format!(
            "cn1|srch|{page}|{}|{year}|{}|{kind}|{}",
            clean(&self.conference),
            clean(&self.speaker),
            self.query
        ))
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

/// Field separators cannot appear inside fields.
fn clean(s: &str) -> String {
    s.replace('|', " ").chars().take(30).collect()
}

impl AskState {
    fn id(&self, action: &str, offset: usize) -> String {
        reply::custom_id(&format!(
            "cn1|{action}|{offset}|{}|{}|{}",
            u8::from(self.hidden),
            clean(&self.conference),
            self.query
        ))
    }
}

/// A parsed custom_id.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    More(AskState),
    Show(AskState),
    Search(SearchState),
    /// More results for a Q&A question, by the id of the question's message.
    QaMore {
        message: u64,
        offset: usize,
    },
    /// "Not helpful" on the answer to a Q&A question.
    NotHelpful {
        message: u64,
    },
}

fn qa_more_id(message: u64, offset: usize) -> String {
    format!("cn1|qa|{offset}|{message}")
}

fn not_helpful_id(message: u64) -> String {
    format!("cn1|nh|{message}")
}

pub fn parse_id(id: &str) -> Option<Action> {
    let mut it = id.splitn(2, '|');
    if it.next()? != "cn1" {
        return None;
    }
    let rest = it.next()?;
    let (action, rest) = rest.split_once('|')?;
    match action {
        "ask" | "show" => {
            let p: Vec<&str> = rest.splitn(4, '|').collect();
            let [offset, hidden, conference, query] = p.as_slice() else {
                return None;
            };
            let state = AskState {
                offset: offset.parse().ok()?,
                hidden: *hidden == "1",
                conference: conference.to_string(),
                query: query.to_string(),
            };
            Some(if action == "ask" {
                Action::More(state)
            } else {
                Action::Show(state)
            })
        }
        "srch" => {
            let p: Vec<&str> = rest.splitn(6, '|').collect();
            let [page, conference, year, speaker, kind, query] = p.as_slice() else {
                return None;
            };
            Some(Action::Search(SearchState {
                page: page.parse().ok()?,
                conference: conference.to_string(),
                year: year.parse().ok(),
                speaker: speaker.to_string(),
                kind: kind.parse().ok(),
                query: query.to_string(),
            }))
        }
        "qa" => {
            let (offset, message) = rest.split_once('|')?;
            Some(Action::QaMore {
                message: message.parse().ok()?,
                offset: offset.parse().ok()?,
            })
        }
        "nh" => Some(Action::NotHelpful {
            message: rest.parse().ok()?,
        }),
        _ => None,
    }
}

/// Results of `/ask` from `offset`, with More (and Show to channel when hidden).
pub async fn ask_page(data: &Data, state: &AskState) -> Result<Page, Error> {
    let conf = non_empty(&state.conference);
    let page = results_page(data, &state.query, conf, state.offset, |has_more, next| {
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
pub async fn answer_page(
    data: &Data,
    question: &str,
    conference: Option<String>,
    offset: usize,
    message: Option<u64>,
) -> Result<Page, Error> {
    results_page(data, question, conference, offset, |has_more, next| {
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

/// One page of answers from `offset`; `buttons(has_more, next_offset)`.
async fn results_page(
    data: &Data,
    question: &str,
    conference: Option<String>,
    offset: usize,
    buttons: impl FnOnce(bool, usize) -> Vec<serenity::CreateButton>,
) -> Result<Page, Error> {
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
        return Ok(Page::text(&text));
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
    Ok(Page {
        content: answer
            .nearest
            .then(|| crate::render::card::nearest_text(&answer)),
        embeds: fit_embeds(embeds),
        components: if buttons.is_empty() {
            Vec::new()
        } else {
            vec![serenity::CreateActionRow::Buttons(buttons)]
        },
    })
}

pub async fn search_page(data: &Data, state: &SearchState) -> Result<Page, Error> {
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
        return Ok(Page::text(&text));
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
    Ok(Page {
        content: None,
        embeds: fit_embeds(vec![embed]),
        components: vec![serenity::CreateActionRow::Buttons(buttons)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit() {
        let s = SearchState {
            page: 2,
            conference: "kubecon".into(),
            year: Some(2023),
            speaker: String::new(),
            kind: Some(Kind::Talk),
            query: "gitops | argo".into(),
        };
        assert_eq!(parse_id(&s.id(2)), Some(Action::Search(s.clone())));
        let a = AskState {
            offset: 3,
            hidden: true,
            conference: String::new(),
            query: "x".repeat(300),
        };
        let id = a.id("ask", 3);
        assert_eq!(id.chars().count(), 100);
        assert!(matches!(parse_id(&id), Some(Action::More(st)) if st.offset == 3 && st.hidden));
        assert_eq!(parse_id("other|thing"), None);
        assert_eq!(
            parse_id(&qa_more_id(123, 6)),
            Some(Action::QaMore {
                message: 123,
                offset: 6
            })
        );
        assert_eq!(
            parse_id(&not_helpful_id(9)),
            Some(Action::NotHelpful { message: 9 })
        );
    }
}
