//! Cards and texts to Discord messages, within Discord's limits.
//!
//! serenity checks only the message content and total embed size; the other
//! limits are ours to keep, or Discord answers 400. Text is cut at a word
//! boundary with "…" rather than rejected.

use crate::answer::summary::cut;
use crate::render::card::Card;
use poise::serenity_prelude as serenity;

pub const CONTENT_MAX: usize = 2000;
pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FIELDS_MAX: usize = 25;
pub const EMBEDS_TOTAL_MAX: usize = 6000;
pub const FOOTER_MAX: usize = 2048;
pub const CUSTOM_ID_MAX: usize = 100;
pub const CHOICES_MAX: usize = 25;
pub const CHOICE_MAX: usize = 100;
pub const BUTTON_LABEL_MAX: usize = 80;

/// Our blue.
const COLOUR: u32 = 0x3B82F6;

/// An embed built within the limits, with a running size count.
pub struct Embed {
    pub title: String,
    pub url: Option<String>,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: String,
}

impl Embed {
    pub fn new(title: &str) -> Embed {
        Embed {
            title: cut(title, TITLE_MAX),
            url: None,
            description: String::new(),
            fields: Vec::new(),
            footer: String::new(),
        }
    }

    pub fn description(mut self, text: &str) -> Embed {
        self.description = cut(text, DESCRIPTION_MAX);
        self
    }

    pub fn field(mut self, name: &str, value: &str) -> Embed {
        if self.fields.len() < FIELDS_MAX && !value.trim().is_empty() {
            self.fields
                .push((cut(name, FIELD_NAME_MAX), cut(value, FIELD_VALUE_MAX)));
        }
        self
    }

    pub fn footer(mut self, text: &str) -> Embed {
        self.footer = cut(text, FOOTER_MAX);
        self
    }

    /// Characters Discord counts towards the 6000 of a message.
    pub fn size(&self) -> usize {
        let n = |s: &str| s.chars().count();
        n(&self.title)
            + n(&self.description)
            + n(&self.footer)
            + self.fields.iter().map(|(a, b)| n(a) + n(b)).sum::<usize>()
    }

    pub fn build(self) -> serenity::CreateEmbed {
        let mut e = serenity::CreateEmbed::new()
            .title(self.title)
            .colour(COLOUR);
        if let Some(url) = self.url {
            e = e.url(url);
        }
        if !self.description.is_empty() {
            e = e.description(self.description);
        }
        for (name, value) in self.fields {
            e = e.field(name, value, false);
        }
        if !self.footer.is_empty() {
            e = e.footer(serenity::CreateEmbedFooter::new(self.footer));
        }
        e
    }
}

/// A result card as an embed.
pub fn card_embed(card: &Card, number: Option<usize>) -> Embed {
    let title = match number {
        Some(n) => format!("{n}. {}", card.title),
        None => card.title.clone(),
    };
    let mut text = String::new();
    if !card.byline.is_empty() {
        text.push_str(&format!("*{}*\n", escape(&card.byline)));
    }
    text.push_str(&escape_keep_bold(&card.text));
    let mut e = Embed::new(&title).description(&text).footer(&card.footer);
    e.url = card.url.clone().filter(|u| u.len() <= 2048);
    if let Some(s) = &card.summary {
        e = e.field("Summary", &escape(s));
    }
    if !card.links.is_empty() {
        e = e.field("Links", &links_value(card));
    }
    e
}

/// `[label](url)` lines that fit one field value.
fn links_value(card: &Card) -> String {
    let mut out = String::new();
    for l in &card.links {
        let label = escape(&cut(&l.label, 80)).replace(['[', ']'], "");
        let line = format!("• [{label}]({})\n", l.url);
        if out.chars().count() + line.chars().count() > FIELD_VALUE_MAX {
            break;
        }
        out.push_str(&line);
    }
    out
}

/// Keep a message's embeds under Discord's total: drop embeds from the end.
pub fn fit_embeds(mut embeds: Vec<Embed>) -> Vec<serenity::CreateEmbed> {
    embeds.truncate(10);
    while embeds.len() > 1 && embeds.iter().map(Embed::size).sum::<usize>() > EMBEDS_TOTAL_MAX {
        embeds.pop();
    }
    if let Some(only) = embeds.first_mut() {
        if only.size() > EMBEDS_TOTAL_MAX {
            only.fields.clear();
            let room = EMBEDS_TOTAL_MAX
                .saturating_sub(only.title.chars().count() + only.footer.chars().count());
            only.description = cut(&only.description, room.min(DESCRIPTION_MAX));
        }
    }
    embeds.into_iter().map(Embed::build).collect()
}

/// Neutralise Discord markdown and mentions that text from notes may hold:
/// `@everyone`, `<@&123>`, `||spoilers||`, unbalanced code fences.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            '<' => out.push_str("<\u{200b}"),
            _ => out.push(c),
        }
    }
    out
}

/// [`escape`], but the `**bold**` markers of a snippet stay bold.
pub fn escape_keep_bold(text: &str) -> String {
    text.split("**")
        .map(escape)
        .enumerate()
        .fold(String::new(), |mut acc, (i, part)| {
            if i > 0 {
                acc.push_str("**");
            }
            acc.push_str(&part);
            acc
        })
}

/// Cut a custom id to Discord's limit at a character boundary.
pub fn custom_id(s: &str) -> String {
    s.chars().take(CUSTOM_ID_MAX).collect()
}

pub fn button(
    id: &str,
    label: &str,
    style: serenity::ButtonStyle,
    disabled: bool,
) -> serenity::CreateButton {
    serenity::CreateButton::new(custom_id(id))
        .label(cut(label, BUTTON_LABEL_MAX))
        .style(style)
        .disabled(disabled)
}

pub fn choice(name: &str, value: &str) -> serenity::AutocompleteChoice {
    serenity::AutocompleteChoice::new(
        cut(name, CHOICE_MAX),
        value.chars().take(CHOICE_MAX).collect::<String>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_markdown_are_neutralised() {
        let e = escape("@everyone <@&123> ||x|| ```");
        assert!(
            !e.contains("@everyone")
                && !e.contains("<@&")
                && !e.contains("||")
                && !e.contains("```")
        );
        assert_eq!(escape_keep_bold("a **b_c** d"), "a **b\\_c** d");
    }

    #[test]
    fn embeds_fit() {
        let big = "word ".repeat(3000);
        let embeds: Vec<Embed> = (0..5)
            .map(|i| {
                Embed::new(&big)
                    .description(&big)
                    .field(&big, &big)
                    .footer(&format!("{i}"))
            })
            .collect();
        assert!(embeds.iter().all(|e| e.title.chars().count() <= TITLE_MAX));
        let fitted = fit_embeds(embeds);
        assert!(!fitted.is_empty() && fitted.len() < 5);
    }
}
