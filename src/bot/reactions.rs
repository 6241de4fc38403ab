//! Reactions as votes: 👍 or 👎 added to the bot's answer in a Q&A thread
//! counts as Helpful / Not helpful, as the button does; 👎 also records the
//! question as a gap. Removing a reaction takes the vote back only while it
//! is still that user's vote (a 👍 removed after a later 👎 or a Not helpful
//! click leaves that vote). A gap once recorded stays.
//!
//! Only reactions on messages the store knows as the bot's answers count
//! (the answer message is recorded when it is sent), and never the bot's
//! own.

use super::{gaps, Data, Error};
use poise::serenity_prelude as serenity;

/// What a reaction says about an answer: `Some(helpful)`, or `None` for
/// any other emoji. Skin tones count as the plain emoji.
fn vote_of(emoji: &serenity::ReactionType) -> Option<bool> {
    let serenity::ReactionType::Unicode(s) = emoji else {
        return None;
    };
    let plain: String = s
        .chars()
        .filter(|c| !('\u{1F3FB}'..='\u{1F3FF}').contains(c) && *c != '\u{FE0F}')
        .collect();
    match plain.as_str() {
        "👍" => Some(true),
        "👎" => Some(false),
        _ => None,
    }
}

/// A reaction added (`added`) or removed.
pub(super) async fn on_reaction(
    ctx: &serenity::Context,
    reaction: &serenity::Reaction,
    added: bool,
    data: &Data,
) -> Result<(), Error> {
    let me = ctx.cache.current_user().id;
    let Some(user) = reaction.user_id.filter(|u| *u != me) else {
        return Ok(());
    };
    let Some(helpful) = vote_of(&reaction.emoji) else {
        return Ok(());
    };
    // Given on add events: a message by someone else is not an answer.
    if reaction.message_author_id.is_some_and(|a| a != me) {
        return Ok(());
    }
    let Some((question_msg, question)) = data.store.answer_question(reaction.message_id.get())?
    else {
        return Ok(());
    };
    let now = data.clock.now();
    if !added {
        let withdrawn = data
            .store
            .withdraw_feedback(question_msg, user.get(), helpful)?;
        tracing::debug!(message = question_msg, withdrawn, "reaction removed");
        return Ok(());
    }
    data.store
        .record_feedback(question_msg, user.get(), helpful, now)?;
    if !helpful {
        // Where it was asked, not the thread the answer is in.
        let channel = data
            .store
            .answered_channel(question_msg)?
            .unwrap_or(reaction.channel_id.get());
        let guild = reaction.guild_id.map(|g| g.get());
        gaps::record_not_helpful(data, question_msg, &question, channel, guild).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbs_with_any_skin_tone_are_votes_and_nothing_else_is() {
        let u = |s: &str| serenity::ReactionType::Unicode(s.to_string());
        assert_eq!(vote_of(&u("👍")), Some(true));
        assert_eq!(vote_of(&u("👍🏽")), Some(true));
        assert_eq!(vote_of(&u("👎")), Some(false));
        assert_eq!(vote_of(&u("🎉")), None);
    }
}
