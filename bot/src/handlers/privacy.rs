//! /privacy: what is processed and why, and whether the user agreed.

use medcab_core::consent;
use sqlx::PgPool;
use teloxide::prelude::*;

use super::{HandlerResult, screen};
use crate::i18n::{Arg, Texts};
use crate::user_ids::sender;

pub async fn show(bot: Bot, msg: Message, t: Texts, db: PgPool) -> HandlerResult {
    let user_id = sender(&msg)?;
    let status = match consent::in_force(&db, user_id).await? {
        Some(given) => t.msg_with(
            "consent-given-at",
            [
                // The reader's day, not UTC's: after 21:00 UTC it is
                // already tomorrow in Moscow.
                ("date", Arg::Text(&t.day_of(given.given_at))),
                ("version", Arg::Text(&given.text_version)),
            ],
        ),
        None => t.msg("consent-none"),
    };
    screen::say(
        &bot,
        msg.chat.id,
        format!("{}\n\n{}", t.msg("consent-text"), status),
    )
    .await
}
