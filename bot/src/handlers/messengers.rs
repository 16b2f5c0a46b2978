//! «📱 Мессенджеры»: the same cabinet in Telegram and in Max.
//!
//! A second messenger is linked from the first, never by typing a СНИЛС
//! again: the bot gives a one-time deep link (`core::channels`, ten
//! minutes), opened on the phone with the other messenger. Getting one
//! needs an open second-factor session (the step-up gate stands before
//! these buttons), since whoever opens it reads the whole cabinet; the
//! link is sent with the session's cards and closed with them. The first
//! messenger is told, so that a link the owner did not make is noticed.
//!
//! ```text
//! user: /settings → <presses 📱 Мессенджеры>
//! bot:  (the same message) 📱 Мессенджеры. Кабинет открыт здесь: Telegram. …
//!       [🔗 Подключить Max] [« К настройкам]
//! user: <presses 🔗 Подключить Max>
//! bot:  (the same message) 🔗 Подключение Max. Откройте эту ссылку …
//!       https://max.ru/medcab_bot?start=link-… Ссылка одноразовая …
//! (in Max) user: <opens the link: «Начать»>
//! bot:  ✅ Max подключён к вашему кабинету. … Главное меню …
//! (in Telegram) bot: 🔗 К вашему кабинету подключён Max. …
//! user: /settings → <presses 📱 Мессенджеры>
//! bot:  (the same message) … 🔔 Уведомления приходят: во все подключённые
//!       мессенджеры. …  [✅ Во все] [Только Telegram] [Только Max]
//! user: <presses Только Max>
//! bot:  (the same message) ✅ Сохранено. … только в Max. …
//! ```
//!
//! The choice is read when a notification is written (`core::outbox`):
//! what concerns the account's security goes to every messenger anyway.

use medcab_core::accounts::{self, Step};
use medcab_core::channels::{self, CodeRefused, LinkRefusal, Messenger};
use medcab_core::notification_settings::{self, ChoiceRefused};
use medcab_core::telegram_users;

use super::commands::Command;
use super::screen::{Screen, button};
use super::settings::SetAction;
use super::{Action, HandlerError, HandlerResult, Turn, main_menu};
use crate::chat::{Button, Incoming, Keyboard, Press};
use crate::i18n::{Arg, Texts};

/// A button of «📱 Мессенджеры».
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    /// The screen: where the cabinet is open, and what may be linked.
    Show,
    /// A one-time link to open in this messenger.
    Link(Messenger),
    /// Where notifications go: to every messenger (`None`) or this one.
    Deliver(Option<Messenger>),
}

impl LinkAction {
    /// The part after `lnk:` in callback_data.
    pub fn encode(self) -> String {
        match self {
            LinkAction::Show => "main".to_owned(),
            LinkAction::Link(messenger) => format!("to:{}", messenger.as_str()),
            LinkAction::Deliver(None) => "dl:all".to_owned(),
            LinkAction::Deliver(Some(messenger)) => format!("dl:{}", messenger.as_str()),
        }
    }

    pub fn parse(data: &str) -> Option<LinkAction> {
        match data {
            "main" => Some(LinkAction::Show),
            "dl:all" => Some(LinkAction::Deliver(None)),
            _ => {
                if let Some(name) = data.strip_prefix("dl:") {
                    return Messenger::parse(name).map(|m| LinkAction::Deliver(Some(m)));
                }
                Messenger::parse(data.strip_prefix("to:")?).map(LinkAction::Link)
            }
        }
    }

    pub fn examples() -> Vec<LinkAction> {
        let mut all = vec![LinkAction::Show, LinkAction::Deliver(None)];
        all.extend(Messenger::ALL.map(LinkAction::Link));
        all.extend(Messenger::ALL.map(|m| LinkAction::Deliver(Some(m))));
        all
    }
}

/// A `/start` whose payload is a link code (`channels::is_link_code`).
#[derive(Debug, Clone)]
pub struct LinkCode(String);

/// The route's filter: the link code of a `/start`, if it carries one.
pub fn link_code(command: Command) -> Option<LinkCode> {
    match command {
        Command::Start(payload) if channels::is_link_code(&payload) => Some(LinkCode(payload)),
        _ => None,
    }
}

/// A button of «📱 Мессенджеры».
pub async fn press(turn: Turn, press: Press, action: LinkAction) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let deliver = match action {
        // Core refuses a code itself (an account not active, a messenger
        // linked already), in the transaction that gives it.
        LinkAction::Link(other) => return link(&turn, &press, other).await,
        LinkAction::Show => None,
        LinkAction::Deliver(choice) => Some(choice),
    };
    if accounts::step(db, *user).await? != Some(Step::Active) {
        return ui.answer_with(&press, t.msg("messengers-not-active")).await;
    }
    ui.answer(&press).await?;
    let screen = match deliver {
        None => overview(&turn, None).await?,
        Some(choice) => {
            let now = services.clock.now();
            match notification_settings::choose_messenger(db, *user, choice, now).await? {
                Ok(true) => overview(&turn, Some(t.msg("messengers-deliver-saved"))).await?,
                // A double tap: the screen already says so.
                Ok(false) => return Ok(()),
                Err(ChoiceRefused::NotLinked) => return ui.say(t.msg("button-outdated")).await,
            }
        }
    };
    ui.replace(&press, screen).await
}

/// «🔗 Подключить …»: a one-time link to open in the other messenger.
async fn link(turn: &Turn, press: &Press, other: Messenger) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    // No longer configured: an old button.
    if services.links.bot(other).is_none() {
        ui.answer(press).await?;
        return ui.say(t.msg("button-outdated")).await;
    }
    let now = services.clock.now();
    let code = match channels::issue_link_code(db, &services.vault, *user, other, now).await? {
        Ok(code) => code,
        Err(CodeRefused::NotActive) => {
            return ui.answer_with(press, t.msg("messengers-not-active")).await;
        }
        // The messenger written from, or linked already (a new link would
        // replace that chat without a word): an old or forged button.
        Err(CodeRefused::AlreadyLinked) => {
            ui.answer(press).await?;
            return ui.say(t.msg("button-outdated")).await;
        }
    };
    ui.answer(press).await?;
    let link = services.links.deep_link(other, &code).unwrap_or_default();
    let screen = Screen {
        text: t.msg_with(
            "messengers-link",
            [
                ("other", Arg::Text(other.name())),
                ("link", Arg::Text(&link)),
            ],
        ),
        // A button for the same phone, the text for another one.
        keyboard: Keyboard::new(
            reqwest::Url::parse(&link)
                .ok()
                .map(|url| {
                    let label = t.msg_with(
                        "messengers-open-button",
                        [("other", Arg::Text(other.name()))],
                    );
                    vec![Button::link(label, url)]
                })
                .into_iter()
                .chain([vec![button(
                    t.msg("messengers-back"),
                    Action::Link(LinkAction::Show),
                )]]),
        ),
    };
    ui.replace(press, screen).await
}

/// The screen: where the cabinet is open, what may be linked, and, with
/// two messengers, where notifications go; under an optional heading.
async fn overview(turn: &Turn, heading: Option<String>) -> Result<Screen, HandlerError> {
    let Turn {
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let linked = channels::of_account(db, *user).await?;
    let names: Vec<&str> = linked.iter().map(|c| c.messenger.name()).collect();
    let mut rows = Vec::new();
    for other in Messenger::ALL {
        let is_linked = linked.iter().any(|c| c.messenger == other);
        if !is_linked && services.links.bot(other).is_some() {
            let label = t.msg_with(
                "messengers-link-button",
                [("other", Arg::Text(other.name()))],
            );
            rows.push(vec![button(label, Action::Link(LinkAction::Link(other)))]);
        }
    }
    let none_to_link = rows.is_empty();
    let mut text = heading.map(|h| h + "\n\n").unwrap_or_default();
    text.push_str(&t.msg_with(
        "messengers-title",
        [
            ("linked", Arg::Text(&names.join(", "))),
            ("more", Arg::Text(if none_to_link { "no" } else { "yes" })),
        ],
    ));
    if linked.len() > 1 {
        let chosen = notification_settings::get(db, *user).await?.deliver_to;
        // A choice of a messenger since unlinked reads as every one, as
        // delivery reads it.
        let chosen = chosen.filter(|m| linked.iter().any(|c| c.messenger == *m));
        text.push_str("\n\n");
        text.push_str(&t.msg_with(
            "messengers-deliver",
            [
                (
                    "to",
                    Arg::Text(if chosen.is_some() { "one" } else { "all" }),
                ),
                ("messenger", Arg::Text(chosen.map_or("", Messenger::name))),
            ],
        ));
        let choices = std::iter::once(None).chain(linked.iter().map(|c| Some(c.messenger)));
        let row = choices
            .map(|choice| {
                let label = match choice {
                    None => t.msg("messengers-deliver-all"),
                    Some(m) => t.msg_with(
                        "messengers-deliver-one",
                        [("messenger", Arg::Text(m.name()))],
                    ),
                };
                let label = if choice == chosen {
                    t.msg_with("settings-current", [("label", Arg::Text(&label))])
                } else {
                    label
                };
                button(label, Action::Link(LinkAction::Deliver(choice)))
            })
            .collect();
        rows.insert(0, row);
    }
    rows.push(vec![button(
        t.msg("settings-back"),
        Action::Set(SetAction::Show),
    )]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// `/start link-…` in the messenger being linked: this messenger account
/// becomes the link's account, and goes on at its main menu.
pub async fn redeem(turn: Turn, incoming: Incoming, code: LinkCode) -> HandlerResult {
    let Turn {
        ui,
        t,
        db,
        services,
        ..
    } = &turn;
    let here = ui.chat().messenger;
    let now = services.clock.now();
    let redeemed = channels::redeem_link_code(
        db,
        &services.vault,
        &code.0,
        here,
        incoming.from.external_id,
        incoming.chat.id,
        now,
    )
    .await?;
    let messenger = [("messenger", Arg::Text(here.name()))];
    match redeemed {
        Ok(owner) => {
            // The cabinet's language from now on, not the newcomer's phone's.
            let language = telegram_users::language_of(db, owner).await?;
            let t = Texts::new(language).on(here);
            turn.dialogue.exit().await?;
            let heading = t.msg_with("messengers-linked", messenger);
            ui.show(main_menu::menu(t, heading)).await
        }
        Err(LinkRefusal::NotValid) => ui.say(t.msg("messengers-link-invalid")).await,
        Err(LinkRefusal::HasItsOwnAccount) => {
            let contact = services.brand.support_contact.as_deref();
            ui.say(t.msg_with(
                "messengers-link-own-cabinet",
                [
                    ("messenger", Arg::Text(here.name())),
                    (
                        "has_support",
                        Arg::Text(if contact.is_some() { "yes" } else { "no" }),
                    ),
                    ("contact", Arg::Text(contact.unwrap_or_default())),
                ],
            ))
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::startup::Links;

    #[test]
    fn buttons_round_trip_and_a_link_names_its_bot() {
        for action in LinkAction::examples() {
            assert_eq!(LinkAction::parse(&action.encode()), Some(action));
        }
        assert_eq!(LinkAction::parse("to:icq"), None);
        let links = Links {
            telegram: Some("medcab_bot".into()),
            max: None,
        };
        assert_eq!(
            links.deep_link(Messenger::Telegram, "link-1").as_deref(),
            Some("https://t.me/medcab_bot?start=link-1")
        );
        assert_eq!(links.deep_link(Messenger::Max, "link-1"), None);
    }

    #[test]
    fn only_a_link_code_is_taken_from_start() {
        let code = format!("link-{}", "ab".repeat(16));
        assert!(link_code(Command::Start(code)).is_some());
        assert!(link_code(Command::Start("campaign-7".into())).is_none());
        assert!(link_code(Command::Start(String::new())).is_none());
        assert!(link_code(Command::Help).is_none());
    }
}
