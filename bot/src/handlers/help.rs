//! /help: what the bot does and its commands. Operators also get theirs;
//! a practitioner is not shown commands that would only refuse them. The
//! support contact (`MEDCAB_SUPPORT_CONTACT`) is here and under every
//! answer that sends people to support; unset, nothing promises one.

use medcab_core::operators;
use sqlx::PgPool;
use teloxide::prelude::*;

use super::HandlerResult;
use super::screen;
use crate::config::Brand;
use crate::i18n::{Arg, Texts};
use crate::startup::Services;
use crate::user_ids::StoredId;

pub async fn show(
    bot: Bot,
    msg: Message,
    db: PgPool,
    t: Texts,
    services: Services,
) -> HandlerResult {
    let mut text = t.msg("help");
    let is_operator = match msg.from.as_ref() {
        Some(user) => operators::is_operator(&db, user.stored()?).await?,
        None => false,
    };
    if is_operator {
        text.push_str("\n\n");
        text.push_str(&t.msg("help-operator"));
    }
    screen::say(&bot, msg.chat.id, with_support(t, &services.brand, text)).await
}

/// `text`, and under it how to reach support, when the service names it.
pub fn with_support(t: Texts, brand: &Brand, text: String) -> String {
    match &brand.support_contact {
        Some(contact) => format!(
            "{text}\n\n{}",
            t.msg_with("support-contact", [("contact", Arg::Text(contact))])
        ),
        None => text,
    }
}
