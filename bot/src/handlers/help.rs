//! /help: what the bot does and its commands. Operators also get theirs;
//! a practitioner is not shown commands that would only refuse them. The
//! support contact (`MEDCAB_SUPPORT_CONTACT`) is here and under every
//! answer that sends people to support; unset, nothing promises one.

use medcab_core::operators;

use super::{HandlerResult, Turn};
use crate::config::Brand;
use crate::i18n::{Arg, Texts};

pub async fn show(turn: Turn) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let mut text = t.msg("help");
    if operators::is_operator(&db, user).await? {
        text.push_str("\n\n");
        text.push_str(&t.msg("help-operator"));
    }
    ui.say(with_support(t, &services.brand, text)).await
}

pub fn with_support(t: Texts, brand: &Brand, text: String) -> String {
    match &brand.support_contact {
        Some(contact) => format!(
            "{text}\n\n{}",
            t.msg_with("support-contact", [("contact", Arg::Text(contact))])
        ),
        None => text,
    }
}
