//! Cards and texts to Discord messages, within Discord's limits.
//!
//! serenity checks only the message content and total embed size; the other
//! limits are ours to keep, or Discord answers 400. Text is cut at a word
//! boundary with "…" rather than rejected.
//!
//! Escaping makes text longer (`*` is `\*`), so text is escaped first and
//! cut after, with [`fit`], everywhere a limit applies: every setter here
//! takes text already escaped (or of our own making) and only cuts.

use crate::answer::summary::cut;
use crate::render::card::Card;
use poise::serenity_prelude as serenity;

pub(super) const CONTENT_MAX: usize = 2000;
pub(super) const TITLE_MAX: usize = 256;
pub(super) const DESCRIPTION_MAX: usize = 4096;
pub(super) const FIELD_NAME_MAX: usize = 256;
pub(super) const FIELD_VALUE_MAX: usize = 1024;
pub(super) const FIELDS_MAX: usize = 25;
pub(super) const EMBEDS_TOTAL_MAX: usize = 6000;
pub(super) const FOOTER_MAX: usize = 2048;
pub(super) const CUSTOM_ID_MAX: usize = 100;
pub(super) const CHOICES_MAX: usize = 25;
pub(super) const CHOICE_MAX: usize = 100;
pub(super) const BUTTON_LABEL_MAX: usize = 80;

/// Our blue.
const COLOUR: u32 = 0x3B82F6;

/// An embed built within the limits, with a running size count.
pub(super) struct Embed {
    pub title: String,
    pub url: Option<String>,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: String,
}

/// Cut escaped text to `max` characters without leaving half an escape
/// (`\` alone before the "…").
pub(super) fn fit(text: &str, max: usize) -> String {
    let out = cut(text, max);
    if let Some(head) = out.strip_suffix('…') {
        // Escaped text holds backslashes in pairs: an odd run was split.
        if head.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1 {
            return format!("{}…", &head[..head.len() - 1]);
        }
    }
    out
}

impl Embed {
    pub(super) fn new(title: &str) -> Embed {
        Embed {
            title: fit(title, TITLE_MAX),
            url: None,
            description: String::new(),
            fields: Vec::new(),
            footer: String::new(),
        }
    }

    pub(super) fn description(mut self, text: &str) -> Embed {
        self.description = fit(text, DESCRIPTION_MAX);
        self
    }

    pub(super) fn field(mut self, name: &str, value: &str) -> Embed {
        if self.fields.len() < FIELDS_MAX && !value.trim().is_empty() {
            self.fields
                .push((fit(name, FIELD_NAME_MAX), fit(value, FIELD_VALUE_MAX)));
        }
        self
    }

    pub(super) fn footer(mut self, text: &str) -> Embed {
        self.footer = fit(text, FOOTER_MAX);
        self
    }

    /// Characters Discord counts towards the 6000 of a message.
    pub(super) fn size(&self) -> usize {
        let n = |s: &str| s.chars().count();
        n(&self.title)
            + n(&self.description)
            + n(&self.footer)
            + self.fields.iter().map(|(a, b)| n(a) + n(b)).sum::<usize>()
    }

    pub(super) fn build(self) -> serenity::CreateEmbed {
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
pub(super) fn card_embed(card: &Card, number: Option<usize>) -> Embed {
    let title = match number {
        Some(n) => format!("{n}. {}", card.title),
        None => card.title.clone(),
    };
    let mut text = String::new();
    if !card.byline.is_empty() {
        text.push_str(&format!("*{}*\n", escape(&card.byline)));
    }
    if let Some(line) = &card.schedule {
        text.push_str(&format!("Schedule: {}\n", escape(line)));
    }
    text.push_str(&escape_keep_bold(&card.text));
    let mut e = Embed::new(&escape(&title))
        .description(&text)
        .footer(&card.footer);
    e.url = card.url.clone().filter(|u| u.len() <= 2048);
    if let Some(s) = &card.summary {
        e = e.field("Summary", &escape(s));
    }
    if !card.links.is_empty() {
        e = e.field("Links", &links_value(card));
    }
    if let Some(a) = &card.schedule_abstract {
        e = e.field("From the schedule", &escape(a));
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
pub(super) fn fit_embeds(mut embeds: Vec<Embed>) -> Vec<serenity::CreateEmbed> {
    embeds.truncate(10);
    while embeds.len() > 1 && embeds.iter().map(Embed::size).sum::<usize>() > EMBEDS_TOTAL_MAX {
        embeds.pop();
    }
    if let Some(only) = embeds.first_mut() {
        if only.size() > EMBEDS_TOTAL_MAX {
            only.fields.clear();
            let room = EMBEDS_TOTAL_MAX
                .saturating_sub(only.title.chars().count() + only.footer.chars().count());
            only.description = fit(&only.description, room.min(DESCRIPTION_MAX));
        }
    }
    embeds.into_iter().map(Embed::build).collect()
}

/// Neutralise Discord markdown and mentions that text from notes may hold:
/// `@everyone`, `<@&123>`, `||spoilers||`, unbalanced code fences.
pub(super) fn escape(text: &str) -> String {
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
pub(super) fn escape_keep_bold(text: &str) -> String {
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
pub(super) fn custom_id(s: &str) -> String {
    s.chars().take(CUSTOM_ID_MAX).collect()
}

pub(super) fn button(
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

pub(super) fn choice(name: &str, value: &str) -> serenity::AutocompleteChoice {
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

    /// Every limit Discord sets on a message, checked on what we would send.
    fn assert_fits(content: Option<&str>, embeds: &[serenity::CreateEmbed]) {
        let n = |v: &serde_json::Value| v.as_str().map_or(0, |s| s.chars().count());
        if let Some(c) = content {
            assert!(
                c.chars().count() <= CONTENT_MAX,
                "content {}",
                c.chars().count()
            );
            assert!(!c.contains("@everyone") && !c.contains("@here"), "{c}");
        }
        assert!(embeds.len() <= 10);
        let mut total = 0;
        for e in embeds {
            let v = serde_json::to_value(e).unwrap();
            let title = n(&v["title"]);
            let description = n(&v["description"]);
            let footer = n(&v["footer"]["text"]);
            assert!(title <= TITLE_MAX, "title {title}");
            assert!(description <= DESCRIPTION_MAX, "description {description}");
            assert!(footer <= FOOTER_MAX, "footer {footer}");
            let fields = v["fields"].as_array().cloned().unwrap_or_default();
            assert!(fields.len() <= FIELDS_MAX);
            for f in &fields {
                assert!(
                    n(&f["name"]) <= FIELD_NAME_MAX,
                    "field name {}",
                    n(&f["name"])
                );
                assert!(
                    n(&f["value"]) <= FIELD_VALUE_MAX,
                    "field value {}",
                    n(&f["value"])
                );
                total += n(&f["name"]) + n(&f["value"]);
            }
            total += title + description + footer;
            for text in [&v["title"], &v["description"]] {
                let t = text.as_str().unwrap_or("");
                assert!(!t.contains("@everyone") && !t.contains("@here"), "{t}");
                // No escape cut in half: a lone backslash before the "…".
                let head = t.strip_suffix('…').unwrap_or("");
                assert!(
                    head.chars().rev().take_while(|&c| c == '\\').count() % 2 == 0,
                    "{t}"
                );
            }
        }
        assert!(total <= EMBEDS_TOTAL_MAX, "embeds total {total}");
    }

    /// Text heavy with what escaping lengthens, and mentions.
    fn marky() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("*".to_string()),
            Just("_".to_string()),
            Just("~~".to_string()),
            Just("`".to_string()),
            Just("\\".to_string()),
            Just("||".to_string()),
            Just("@everyone".to_string()),
            Just("<@&1>".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            "[a-z]{1,12}",
        ];
        proptest::collection::vec(piece, 0..3000).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn every_payload_fits_every_limit(a in marky(), b in marky(), c in marky()) {
            // A plain text reply.
            let page = crate::bot::page::Page::text(&a);
            assert_fits(page.content.as_deref(), &page.embeds);
            // A result card: title, byline, snippet, summary and links.
            let card = Card {
                title: a.clone(),
                url: Some("https://example.org/x".into()),
                byline: b.clone(),
                text: c.clone(),
                summary: Some(b.clone()),
                links: (0..40)
                    .map(|i| crate::notes::Link { url: format!("https://example.org/{i}"), label: a.clone() })
                    .collect(),
                schedule: Some(a.clone()),
                schedule_abstract: Some(c.clone()),
                footer: c.clone(),
            };
            let embeds: Vec<Embed> = (0..12).map(|i| card_embed(&card, Some(i))).collect();
            assert_fits(None, &fit_embeds(embeds));
            // A digest: its heading, sessions and what is new.
            let session = crate::digest::DigestSession {
                meta: crate::notes::SessionMeta {
                    id: a.clone(),
                    kind: crate::notes::Kind::Talk,
                    title: a.clone(),
                    speakers: vec![b.clone()],
                    organizations: vec![c.clone()],
                    conference: Some(b.clone()),
                    year: Some(2026),
                    section: Some(c.clone()),
                    file: "n.md".into(),
                    line: 1,
                    slot: None,
                },
                summary: c.clone(),
                links: vec![crate::notes::Link { url: "https://example.org".into(), label: b.clone() }],
            };
            let digest = crate::digest::Digest {
                date: chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
                topic: Some(a.clone()),
                sessions: vec![session; 8],
                new: (0..30)
                    .map(|_| crate::digest::NewSession { id: b.clone(), title: a.clone(), change: "added".into() })
                    .collect(),
                rotation_size: 8,
                today: (0..20)
                    .map(|i| crate::answer::coverage::CoveredEvent {
                        meta: crate::notes::SessionMeta {
                            id: format!("e{i}"),
                            kind: crate::notes::Kind::Scheduled,
                            title: a.clone(),
                            speakers: vec![b.clone()],
                            organizations: vec![],
                            conference: Some(c.clone()),
                            year: Some(2026),
                            section: None,
                            file: "s.xml".into(),
                            line: i,
                            slot: Some(crate::notes::Slot { start: None, end: None, room: Some(b.clone()), track: None, line: c.clone() }),
                        },
                        notes: Some(b.clone()),
                    })
                    .collect(),
                gaps: (0..5)
                    .map(|i| crate::digest::DigestGap { question: a.repeat(4), asked: i })
                    .collect(),
                cursor: None,
            };
            let page = crate::bot::digests::digest_page(&digest, Some("n1"));
            assert_fits(page.content.as_deref(), &page.embeds);
        }
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
