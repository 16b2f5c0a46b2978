//! The framework's ceiling: the smallest teloxide bot that does what a
//! practitioner's step needs — a text answered with a message that has an
//! inline button, a press answered and the message edited in place. No
//! database, no Redis, no texts to look up.
//!
//! It runs as a process of its own (the load tool started again with
//! `--echo-bot`), so its CPU and memory are its own, and long-polls the
//! sandbox as `medcab run` does (`TELOXIDE_TOKEN`, `TELOXIDE_API_URL`).

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// The button's label, and what the message says once it is pressed.
pub const BUTTON: &str = "Нажать";
pub const PRESSED: &str = "Нажато";
const PRESS_DATA: &str = "press";

pub async fn run() {
    let bot = Bot::from_env();
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(echo))
        .branch(Update::filter_callback_query().endpoint(pressed));
    Dispatcher::builder(bot, handler)
        .enable_ctrlc_handler()
        .build()
        .dispatch()
        .await;
}

async fn echo(bot: Bot, message: Message) -> ResponseResult<()> {
    let text = message.text().unwrap_or("?").to_owned();
    let keyboard =
        InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(BUTTON, PRESS_DATA)]]);
    bot.send_message(message.chat.id, text)
        .reply_markup(keyboard)
        .await?;
    Ok(())
}

async fn pressed(bot: Bot, query: CallbackQuery) -> ResponseResult<()> {
    bot.answer_callback_query(query.id.clone()).await?;
    if let Some(message) = query.regular_message() {
        bot.edit_message_text(message.chat.id, message.id, PRESSED)
            .await?;
    }
    Ok(())
}
