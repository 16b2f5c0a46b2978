//! /privacy: what is processed and why, and whether the user agreed.

use medcab_core::consent;

use super::{HandlerResult, Turn};
use crate::i18n::Arg;

pub async fn show(turn: Turn) -> HandlerResult {
    let Turn {
        ui, user, t, db, ..
    } = turn;
    let status = match consent::in_force(&db, user).await? {
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
    ui.say(format!("{}\n\n{}", t.msg("consent-text"), status))
        .await
}
