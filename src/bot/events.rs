//! Events poise does not route itself: button clicks (to the pages of
//! [`super::results`] and [`super::schedule`]), filled forms (to
//! [`super::notes`]), messages (to the Q&A channels of [`qa`]) and
//! reactions (votes on answers, [`reactions`]).

use super::custom_id::{parse_id, Action, AskState};
use super::page::Page;
use super::results::{answer_page, ask_page, search_page};
use super::{qa, reactions, retry, Data, Error};
use poise::serenity_prelude as serenity;

/// poise routes commands; buttons arrive here.
pub(super) async fn on_event(
    ctx: &serenity::Context,
    event: &serenity::FullEvent,
    data: &Data,
) -> Result<(), Error> {
    let click = match event {
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } => click,
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(form),
        } if form.data.custom_id == super::notes::FORM_ID => {
            return super::notes::on_submit(ctx, form, data).await;
        }
        serenity::FullEvent::Message { new_message } => {
            return qa::on_message(ctx, new_message, data).await;
        }
        serenity::FullEvent::ReactionAdd { add_reaction } => {
            return reactions::on_reaction(ctx, add_reaction, true, data).await;
        }
        serenity::FullEvent::ReactionRemove { removed_reaction } => {
            return reactions::on_reaction(ctx, removed_reaction, false, data).await;
        }
        _ => return Ok(()),
    };
    let Some(action) = parse_id(&click.data.custom_id) else {
        tracing::debug!(id = %click.data.custom_id, "button that is not ours");
        return Ok(());
    };
    let response = match action {
        Action::More(state) => {
            let hidden = state.hidden;
            serenity::CreateInteractionResponse::UpdateMessage(
                ask_page(data, &state).await?.0.into_message(hidden),
            )
        }
        Action::Show(state) => {
            let shown = AskState {
                hidden: false,
                ..state
            };
            serenity::CreateInteractionResponse::Message(
                ask_page(data, &shown).await?.0.into_message(false),
            )
        }
        Action::Search(state) => serenity::CreateInteractionResponse::UpdateMessage(
            search_page(data, &state).await?.0.into_message(false),
        ),
        Action::Programme(state) => serenity::CreateInteractionResponse::UpdateMessage(
            super::schedule::programme_page(data, &state)
                .await?
                .into_message(false),
        ),
        Action::QaMore { message, offset } => {
            let page = match data.store.answered_query(message)? {
                Some(q) => answer_page(data, &q, None, offset, Some(message)).await?,
                None => Page::text("That question is no longer on record; ask again."),
            };
            serenity::CreateInteractionResponse::UpdateMessage(page.into_message(false))
        }
        Action::NotHelpful { message } => {
            return qa::not_helpful(ctx, click, data, message).await;
        }
    };
    // A second callback after a lost answer is refused as already
    // acknowledged, never shown twice.
    let sent = retry::retry("button answer", || {
        click.create_response(&ctx.http, response.clone())
    })
    .await;
    if let Err(e) = sent {
        tracing::warn!(error = %retry::describe(&e), "could not answer a button click");
    }
    Ok(())
}
