//! A reply's content (text, embeds, buttons) and how it becomes each kind of
//! Discord payload: a slash command reply, a message, an interaction update.

use super::reply::{self, fit_embeds, Embed};
use poise::serenity_prelude as serenity;

/// A message's worth of results.
pub(super) struct Page {
    pub content: Option<String>,
    pub embeds: Vec<serenity::CreateEmbed>,
    pub components: Vec<serenity::CreateActionRow>,
}

impl Page {
    pub(super) fn text(text: &str) -> Page {
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
    pub(super) fn plain(text: &str) -> Page {
        Page {
            content: Some(reply::fit(text, reply::CONTENT_MAX)),
            embeds: Vec::new(),
            components: Vec::new(),
        }
    }

    /// A message of one embed.
    pub(super) fn embed(e: Embed) -> Page {
        Page {
            content: None,
            embeds: fit_embeds(vec![e]),
            components: Vec::new(),
        }
    }

    pub(super) fn into_reply(self, ephemeral: bool) -> poise::CreateReply {
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
    pub(super) fn into_create_message(self) -> serenity::CreateMessage {
        let mut m = serenity::CreateMessage::new()
            .allowed_mentions(serenity::CreateAllowedMentions::new())
            .embeds(self.embeds)
            .components(self.components);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        m
    }

    pub(super) fn into_message(
        self,
        ephemeral: bool,
    ) -> serenity::CreateInteractionResponseMessage {
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

    /// An edit of an interaction's (deferred) answer; it never pings anyone.
    pub(super) fn into_edit(self) -> serenity::EditInteractionResponse {
        let mut m = serenity::EditInteractionResponse::new()
            .allowed_mentions(serenity::CreateAllowedMentions::new())
            .embeds(self.embeds)
            .components(self.components);
        if let Some(c) = self.content {
            m = m.content(c);
        }
        m
    }
}
