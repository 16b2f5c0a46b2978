//! The bot's commands and the command menu Telegram shows beside the input.
//!
//! Everyone's menu has the practitioners' commands only; an operator's own
//! chat has the staff commands too (a menu of a chat's scope, in their
//! language), set at the bot's start for every operator, when the role is
//! granted or revoked (`medcab admin`, when it has the bot's token), when
//! they choose a language, and put right when a staff command is refused.

use medcab_core::UserId;
use medcab_core::channels::{self, Messenger};
use medcab_core::{Language, operators, telegram_users};
use sqlx::PgPool;

use crate::chat::{Channel, MenuEntry};
use crate::i18n::Texts;

#[derive(Clone, Debug, PartialEq)]
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

impl Command {
    /// The command a message's text is: `/name`, `/name@bot` (whichever
    /// bot it names: only private chats are served, where a mention picks
    /// nothing), and for /start a deep-link payload after a space. Names
    /// are lowercase, as the menu lists them: `/Help` is no command. What
    /// follows a command without arguments is ignored.
    pub fn parse(text: &str) -> Option<Command> {
        let text = text.strip_prefix('/')?;
        let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
        let name = word.split_once('@').map_or(word, |(name, _)| name);
        Some(match name {
            "start" => Command::Start(rest.to_owned()),
            "menu" => Command::Menu,
            "help" => Command::Help,
            "language" => Command::Language,
            "privacy" => Command::Privacy,
            "forget" => Command::Forget,
            "cancel" => Command::Cancel,
            "settings" => Command::Settings,
            "accreditation" => Command::Accreditation,
            "review" => Command::Review,
            "resets" => Command::Resets,
            "notice" => Command::Notice,
            "inspection" => Command::Inspection,
            "notices" => Command::Notices,
            "inspections" => Command::Inspections,
            "referrals" => Command::Referrals,
            _ => return None,
        })
    }

    /// The name typed after `/`.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Start(_) => "start",
            Command::Menu => "menu",
            Command::Help => "help",
            Command::Language => "language",
            Command::Privacy => "privacy",
            Command::Forget => "forget",
            Command::Cancel => "cancel",
            Command::Settings => "settings",
            Command::Accreditation => "accreditation",
            Command::Review => "review",
            Command::Resets => "resets",
            Command::Notice => "notice",
            Command::Inspection => "inspection",
            Command::Notices => "notices",
            Command::Inspections => "inspections",
            Command::Referrals => "referrals",
        }
    }
}

fn entry(command: &Command, description: String) -> MenuEntry {
    MenuEntry {
        command: command.name().to_owned(),
        description,
    }
}

/// The practitioners' command menu in one language.
pub fn menu(t: Texts) -> Vec<MenuEntry> {
    vec![
        entry(&Command::Start(String::new()), t.msg("command-start")),
        entry(&Command::Menu, t.msg("command-menu")),
        entry(&Command::Accreditation, t.msg("command-accreditation")),
        entry(&Command::Settings, t.msg("command-settings")),
        entry(&Command::Language, t.msg("command-language")),
        entry(&Command::Privacy, t.msg("command-privacy")),
        entry(&Command::Forget, t.msg("command-forget")),
        entry(&Command::Help, t.msg("command-help")),
        entry(&Command::Cancel, t.msg("command-cancel")),
    ]
}

/// An operator's menu: the practitioners' commands and the staff's.
pub fn staff_menu(t: Texts) -> Vec<MenuEntry> {
    let mut commands = menu(t);
    commands.extend([
        entry(&Command::Review, t.msg("command-review")),
        entry(&Command::Resets, t.msg("command-resets")),
        entry(&Command::Notice, t.msg("command-notice")),
        entry(&Command::Inspection, t.msg("command-inspection")),
        entry(&Command::Notices, t.msg("command-notices")),
        entry(&Command::Inspections, t.msg("command-inspections")),
        entry(&Command::Referrals, t.msg("command-referrals")),
    ]);
    commands
}

/// Russian for everyone, English for phones set to English; then each
/// operator's chat (and each former operator's, put back).
pub async fn publish(channel: &Channel, db: &PgPool) -> Result<(), super::HandlerError> {
    channel
        .set_default_menu(None, menu(Texts::new(Language::Ru)))
        .await?;
    channel
        .set_default_menu(Some(Language::En.code()), menu(Texts::new(Language::En)))
        .await?;
    for (user_id, _) in operators::menu_holders(db).await? {
        if let Err(error) = publish_for_user(channel, db, user_id).await {
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
    channel: &Channel,
    db: &PgPool,
    user_id: UserId,
) -> Result<(), super::HandlerError> {
    // The account's chat on this messenger; an account born on Telegram
    // that never wrote (an operator granted by the CLI) has its own id as
    // its chat. None: nothing to set there.
    let linked = channels::of_account(db, user_id).await?;
    let chat = match linked.iter().find(|c| c.messenger == channel.messenger()) {
        Some(found) => found.chat_id,
        None if linked.is_empty()
            && channel.messenger() == Messenger::Telegram
            && channels::born_on(user_id) == Messenger::Telegram =>
        {
            user_id.private_chat()
        }
        None => return Ok(()),
    };
    let ui = channel.ui(chat);
    if operators::is_operator(db, user_id).await? {
        let language = telegram_users::language_of(db, user_id).await?;
        ui.set_menu(Some(staff_menu(Texts::new(language)))).await?;
        return Ok(());
    }
    match telegram_users::chosen_language(db, user_id).await? {
        Some(language) => ui.set_menu(Some(menu(Texts::new(language)))).await?,
        None => ui.set_menu(None).await?,
    }
    Ok(())
}

/// [`publish_for_user`] where it only puts something right (a refused
/// staff command): a failure is logged, not the user's problem.
pub async fn put_right(channel: &Channel, db: &PgPool, user_id: UserId) {
    if let Err(error) = publish_for_user(channel, db, user_id).await {
        tracing::warn!(%error, user_id = user_id.get(), "cannot put a chat's command menu right");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command (a new one goes here too: the parser's test below
    /// reads each back from its name).
    fn all() -> Vec<Command> {
        vec![
            Command::Start(String::new()),
            Command::Menu,
            Command::Help,
            Command::Language,
            Command::Privacy,
            Command::Forget,
            Command::Cancel,
            Command::Settings,
            Command::Accreditation,
            Command::Review,
            Command::Resets,
            Command::Notice,
            Command::Inspection,
            Command::Notices,
            Command::Inspections,
            Command::Referrals,
        ]
    }

    #[test]
    fn the_staff_menu_has_every_command_in_both_languages() {
        let names: Vec<_> = all().iter().map(|c| c.name().to_owned()).collect();
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
    fn every_command_reads_back_from_its_name() {
        for command in all() {
            let name = command.name();
            assert_eq!(Command::parse(&format!("/{name}")), Some(command.clone()));
            assert_eq!(
                Command::parse(&format!("/{name}@medcab_bot")),
                Some(command.clone())
            );
        }
    }

    #[test]
    fn start_takes_an_optional_payload() {
        let parse = Command::parse;
        assert_eq!(parse("/start"), Some(Command::Start(String::new())));
        assert_eq!(parse("/start abc"), Some(Command::Start("abc".into())));
        assert_eq!(
            parse("/start@medcab_bot abc def"),
            Some(Command::Start("abc def".into()))
        );
        assert_eq!(parse("/help@medcab_bot"), Some(Command::Help));
        // Whichever bot is named: a private chat has only this one.
        assert_eq!(parse("/help@another_bot"), Some(Command::Help));
        // What follows a command without arguments changes nothing.
        assert_eq!(parse("/help me"), Some(Command::Help));
        assert_eq!(parse("/nosuch"), None);
    }

    #[test]
    fn only_a_lowercase_name_after_a_slash_is_a_command() {
        for text in [
            "",
            "/",
            "help",
            " /help",
            "/Help",
            "/HELP",
            "/help\nme",
            "/@bot",
            "//help",
        ] {
            assert_eq!(Command::parse(text), None, "{text:?}");
        }
    }
}
