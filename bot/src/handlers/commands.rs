//! The bot's commands and the command menu Telegram shows beside the input.
//!
//! Everyone's menu has the practitioners' commands only; an operator's own
//! chat has the staff commands too (a menu of a chat's scope, in their
//! language), set at the bot's start for every operator, when the role is
//! granted or revoked (`medcab admin`, when it has the bot's token), when
//! they choose a language, and put right when a staff command is refused.

use medcab_core::UserId;
use medcab_core::{Language, operators, telegram_users};
use sqlx::PgPool;
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
    /// Where the accreditation stands and what to do next.
    Accreditation,
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
    /// Operators: the referrals to their organisation.
    Referrals,
}

/// The practitioners' command menu in one language.
pub fn menu(t: Texts) -> Vec<BotCommand> {
    vec![
        BotCommand::new("start", t.msg("command-start")),
        BotCommand::new("menu", t.msg("command-menu")),
        BotCommand::new("accreditation", t.msg("command-accreditation")),
        BotCommand::new("settings", t.msg("command-settings")),
        BotCommand::new("language", t.msg("command-language")),
        BotCommand::new("privacy", t.msg("command-privacy")),
        BotCommand::new("forget", t.msg("command-forget")),
        BotCommand::new("help", t.msg("command-help")),
        BotCommand::new("cancel", t.msg("command-cancel")),
    ]
}

/// An operator's menu: the practitioners' commands and the staff's.
pub fn staff_menu(t: Texts) -> Vec<BotCommand> {
    let mut commands = menu(t);
    commands.extend([
        BotCommand::new("review", t.msg("command-review")),
        BotCommand::new("resets", t.msg("command-resets")),
        BotCommand::new("notice", t.msg("command-notice")),
        BotCommand::new("inspection", t.msg("command-inspection")),
        BotCommand::new("notices", t.msg("command-notices")),
        BotCommand::new("inspections", t.msg("command-inspections")),
        BotCommand::new("referrals", t.msg("command-referrals")),
    ]);
    commands
}

/// Russian for everyone, English for phones set to English; then each
/// operator's chat (and each former operator's, put back).
pub async fn publish(bot: &Bot, db: &PgPool) -> Result<(), super::HandlerError> {
    bot.set_my_commands(menu(Texts::new(Language::Ru))).await?;
    bot.set_my_commands(menu(Texts::new(Language::En)))
        .language_code(Language::En.code())
        .await?;
    for (user_id, _) in operators::menu_holders(db).await? {
        if let Err(error) = publish_for_user(bot, db, user_id).await {
            // A chat that blocked the bot, say: the others still get theirs.
            tracing::warn!(%error, user_id = user_id.get(), "cannot set an operator's command menu");
        }
    }
    Ok(())
}

/// The menu of one user's chat as it should be now: an operator's in
/// their language; a practitioner's in the language they chose with
/// /language (which may differ from the phone's); none of its own when
/// they chose none (the menu for everyone then shows).
pub async fn publish_for_user(
    bot: &Bot,
    db: &PgPool,
    user_id: UserId,
) -> Result<(), super::HandlerError> {
    // Private chats only: the chat's id is the user's.
    let scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(ChatId(user_id.private_chat())),
    };
    if operators::is_operator(db, user_id).await? {
        let language = telegram_users::language_of(db, user_id).await?;
        bot.set_my_commands(staff_menu(Texts::new(language)))
            .scope(scope)
            .await?;
        return Ok(());
    }
    match telegram_users::chosen_language(db, user_id).await? {
        Some(language) => {
            bot.set_my_commands(menu(Texts::new(language)))
                .scope(scope)
                .await?;
        }
        None => {
            bot.delete_my_commands().scope(scope).await?;
        }
    }
    Ok(())
}

/// [`publish_for_user`] where it only puts something right (a refused
/// staff command): a failure is logged, not the user's problem.
pub async fn put_right(bot: &Bot, db: &PgPool, user_id: UserId) {
    if let Err(error) = publish_for_user(bot, db, user_id).await {
        tracing::warn!(%error, user_id = user_id.get(), "cannot put a chat's command menu right");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staff_menu_has_every_command_in_both_languages() {
        let names: Vec<_> = Command::bot_commands()
            .into_iter()
            .map(|c| c.command.trim_start_matches('/').to_owned())
            .collect();
        for language in Language::ALL {
            let menu = staff_menu(Texts::new(language));
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
    fn the_practitioners_menu_has_no_staff_command() {
        for language in Language::ALL {
            let names: Vec<_> = menu(Texts::new(language))
                .into_iter()
                .map(|c| c.command)
                .collect();
            for staff in [
                "review",
                "resets",
                "notice",
                "inspection",
                "notices",
                "inspections",
            ] {
                assert!(!names.iter().any(|name| name == staff), "{staff}");
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
