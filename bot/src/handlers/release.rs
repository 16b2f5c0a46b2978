//! What happens around every update's handling: a span naming the update
//! for every log line, and a handler's failure.
//!
//! A handler that fails gives its update's claim back (`updates::release`),
//! so that a redelivery of the update is handled rather than skipped as
//! done (why that is safe: `medcab_core::updates`); and the user is told
//! that something went wrong, in their language, instead of hearing
//! nothing. The error is logged with the update's id, kind and sender.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::panic::Location;
use std::sync::Arc;

use medcab_core::updates;
use sqlx::PgPool;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, HandlerSignature, Type};
use teloxide::prelude::*;
use teloxide::types::{ParseMode, UpdateKind};
use tracing::Instrument;

use super::HandlerError;
use crate::i18n::Texts;
use crate::startup::Services;

/// Runs the rest of the chain inside a span `update` with the update's id,
/// its kind and who sent it.
#[track_caller]
pub fn in_span() -> UpdateHandler<HandlerError> {
    let location = Location::caller();
    dptree::from_fn(
        |deps: dptree::di::DependencyMap, cont| async move {
            let update: Arc<Update> = deps.get();
            let span = tracing::info_span!(
                "update",
                update_id = update.id.0,
                kind = kind(&update),
                user_id = update.from().map(|user| user.id.0),
            );
            cont(deps).instrument(span).await
        },
        HandlerSignature::Other {
            obligations: BTreeMap::from([(Type::of::<Update>(), location)]),
            guaranteed_outcomes: BTreeSet::new(),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}

/// Runs the rest of the chain; on an error, releases the claim and tells
/// the user, then passes the error on to the error handler.
#[track_caller]
pub fn on_failure() -> UpdateHandler<HandlerError> {
    let location = Location::caller();
    dptree::from_fn(
        |deps: dptree::di::DependencyMap, cont| async move {
            let update: Arc<Update> = deps.get();
            let db: Arc<PgPool> = deps.get();
            let bot: Arc<Bot> = deps.get();
            let t: Arc<Texts> = deps.get();
            let services: Arc<Services> = deps.get();
            let result = cont(deps).await;
            if let ControlFlow::Break(Err(error)) = &result {
                tracing::error!(%error, "an update failed; releasing its claim and telling the user");
                if let Err(error) = updates::release(&db, i64::from(update.id.0)).await {
                    tracing::error!(%error, "cannot release a failed update's claim");
                }
                tell_the_user(&bot, &update, *t, &services).await;
            }
            result
        },
        HandlerSignature::Other {
            obligations: BTreeMap::from([
                (Type::of::<Update>(), location),
                (Type::of::<PgPool>(), location),
                (Type::of::<Bot>(), location),
                (Type::of::<Texts>(), location),
                (Type::of::<Services>(), location),
            ]),
            guaranteed_outcomes: BTreeSet::new(),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}

/// «Что-то пошло не так»: best effort, since what failed may be Telegram
/// itself. A pressed button's spinner is stopped too (it may have been
/// already; that refusal is expected and ignored).
async fn tell_the_user(bot: &Bot, update: &Update, t: Texts, services: &Services) {
    if let UpdateKind::CallbackQuery(query) = &update.kind {
        let _ = bot.answer_callback_query(query.id.clone()).await;
    }
    let Some(chat) = update.chat() else {
        return;
    };
    let text = super::help::with_support(t, &services.brand, t.msg("handler-failed"));
    let sent = bot
        .send_message(chat.id, text)
        .parse_mode(ParseMode::Html)
        .protect_content(true)
        .await;
    if let Err(error) = sent {
        tracing::warn!(%error, "cannot tell the user that their update failed");
    }
}

/// The kind of an update, for logs.
fn kind(update: &Update) -> &'static str {
    match &update.kind {
        UpdateKind::Message(message) if message.text().is_some_and(|t| t.starts_with('/')) => {
            "command"
        }
        UpdateKind::Message(_) => "message",
        UpdateKind::CallbackQuery(_) => "callback_query",
        UpdateKind::EditedMessage(_) => "edited_message",
        _ => "other",
    }
}
