//! /help: what the bot does and its commands. Operators also get theirs;
//! a practitioner is not shown commands that would only refuse them.

use medcab_core::operators;
use sqlx::PgPool;
use teloxide::prelude::*;

use super::HandlerResult;
use super::screen;
use crate::i18n::Texts;

pub async fn show(bot: Bot, msg: Message, db: PgPool, t: Texts) -> HandlerResult {
    let mut text = t.msg("help");
    let is_operator = match msg.from.as_ref() {
        Some(user) => operators::is_operator(&db, user.id.0 as i64).await?,
        None => false,
    };
    if is_operator {
        text.push_str("\n\n");
        text.push_str(&t.msg("help-operator"));
    }
    screen::say(&bot, msg.chat.id, text).await
}
