//! The bot's commands and the command menu Telegram shows beside the input.

use medcab_core::Language;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};
use teloxide::utils::command::BotCommands;

use crate::i18n::Texts;

#[derive(BotCommands, Clone, Debug, PartialEq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// `/start` may carry a deep-link payload; it is not used yet.
    Start(String),
    Menu,
    Help,
    Language,
    Privacy,
    Forget,
    Cancel,
    /// Which notifications come, and when.
    Settings,
    /// Operators: the next application of the review queue.
    Review,
    /// Operators: second-factor resets waiting for approval.
    Resets,
    /// Operators: a new notice of a change in regulations.
    Notice,
    /// Operators: a new inspection.
    Inspection,
    /// Operators: the notices the feed proposed.
    Notices,
    /// Operators: the upcoming inspections, to cancel one.
    Inspections,
}

/// The command menu in one language.
pub fn menu(t: Texts) -> Vec<BotCommand> {
    vec![
        BotCommand::new("start", t.msg("command-start")),
        BotCommand::new("menu", t.msg("command-menu")),
        BotCommand::new("settings", t.msg("command-settings")),
        BotCommand::new("language", t.msg("command-language")),
        BotCommand::new("privacy", t.msg("command-privacy")),
        BotCommand::new("forget", t.msg("command-forget")),
        BotCommand::new("help", t.msg("command-help")),
        BotCommand::new("cancel", t.msg("command-cancel")),
        BotCommand::new("review", t.msg("command-review")),
        BotCommand::new("resets", t.msg("command-resets")),
        BotCommand::new("notice", t.msg("command-notice")),
        BotCommand::new("inspection", t.msg("command-inspection")),
        BotCommand::new("notices", t.msg("command-notices")),
        BotCommand::new("inspections", t.msg("command-inspections")),
    ]
}

/// Russian for everyone, English for phones set to English.
pub async fn publish(bot: &Bot) -> Result<(), RequestError> {
    bot.set_my_commands(menu(Texts::new(Language::Ru))).await?;
    bot.set_my_commands(menu(Texts::new(Language::En)))
        .language_code(Language::En.code())
        .await?;
    Ok(())
}

/// The menu for one chat in the language its user chose with /language,
/// which may differ from the phone's.
pub async fn publish_for_chat(bot: &Bot, chat_id: ChatId, t: Texts) -> Result<(), RequestError> {
    bot.set_my_commands(menu(t))
        .scope(BotCommandScope::Chat {
            chat_id: Recipient::Id(chat_id),
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_menu_has_every_command_in_both_languages() {
        let names: Vec<_> = Command::bot_commands()
            .into_iter()
            .map(|c| c.command.trim_start_matches('/').to_owned())
            .collect();
        for language in Language::ALL {
            let menu = menu(Texts::new(language));
            let mut listed: Vec<_> = menu.iter().map(|c| c.command.clone()).collect();
            listed.sort();
            let mut expected = names.clone();
            expected.sort();
            assert_eq!(listed, expected, "{language}");
            for command in menu {
                let length = command.description.chars().count();
                assert!(
                    (1..=256).contains(&length) && !command.description.contains('<'),
                    "{command:?}"
                );
            }
        }
    }

    #[test]
    fn start_takes_an_optional_payload() {
        let parse = |text| Command::parse(text, "medcab_bot").ok();
        assert_eq!(parse("/start"), Some(Command::Start(String::new())));
        assert_eq!(parse("/start abc"), Some(Command::Start("abc".into())));
        assert_eq!(parse("/help@medcab_bot"), Some(Command::Help));
        assert_eq!(parse("/nosuch"), None);
    }
}
