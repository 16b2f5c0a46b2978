//! /help: what the bot does and its commands.

use teloxide::prelude::*;

use super::HandlerResult;
use super::screen;
use crate::i18n::Texts;

pub async fn show(bot: Bot, msg: Message, t: Texts) -> HandlerResult {
    screen::say(&bot, msg.chat.id, t.msg("help")).await
}
