//! Connecting a practitioner: consent, own phone, СНИЛС and the register,
//! then the second factor. The position comes from PostgreSQL on every
//! update, so a restart, a Redis flush or days of silence lose nothing.
//!
//! ```text
//! user: /start
//! bot:  Здравствуйте, Анна! …
//! bot:  Согласие на обработку персональных данных …
//!       [✅ Согласен(на)] [Не согласен(на)]
//! user: привет
//! bot:  Пожалуйста, ответьте на вопрос о согласии выше — кнопкой под ним. …
//! user: <presses ✅ Согласен(на)>
//! bot:  (the consent, edited) ✅ Согласие на обработку персональных данных дано 03.12.2026 …
//! bot:  Нажмите кнопку «📱 Поделиться номером» …   (reply keyboard: 📱 Поделиться номером)
//! user: <shares someone else's contact>          (deleted from the chat)
//! bot:  Это чужой контакт. …
//! user: <shares own contact>                     (deleted from the chat once stored)
//! bot:  Телефон подтверждён. Введите ваш СНИЛС — 11 цифр …
//! user: 112-233-445 96                           (deleted from the chat, refused or not)
//! bot:  Контрольное число СНИЛС не сходится …
//! user: 112-233-445 95                               (deleted from the chat once stored)
//! bot:  Нашли вас в регистре: Иванова Анна Сергеевна.
//! bot:  <QR code> Последний шаг — защита входа. … ключ: JBSW Y3DP …
//! user: 123 456                                      (deleted from the chat once checked)
//! bot:  Готово! Вход в личный кабинет защищён вторым фактором.   [main menu]
//! ```
//!
//! Whatever a user sends that may hold personal data (a contact, digits, a
//! file) is deleted from the chat whether it was taken or refused: the
//! consent promises it.
//!
//! Someone the register does not know may still connect, unconfirmed:
//!
//! ```text
//! user: 112-233-445 95
//! bot:  Не нашли вас в регистре … [📝 Подать заявку на активацию]
//! user: <presses 📝 Подать заявку на активацию>
//! bot:  Подключим кабинет без регистра …
//! bot:  <QR code> …   user: 123 456
//! bot:  Готово! …   [main menu] ⏳ Кабинет ожидает активации …
//! ```

use medcab_core::accounts::Step;
use medcab_core::domain::{PhoneError, Snils, SnilsError};
use medcab_core::onboarding::{
    self, Applying, ContactRejection, Position, RegistryMatch, SharedContact,
};
use medcab_core::{consent, second_factor};
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::{
    ChatAction, InlineKeyboardMarkup, InputFile, KeyboardButton, KeyboardMarkup, KeyboardRemove,
    ParseMode, User,
};

use super::screen::{self, Screen, button};
use super::{Action, ChatDialogue, HandlerResult, code_entry, main_menu};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;
use crate::user_ids::{StoredId, sender};

/// The position of a user who is not active yet; `None` for active users
/// (they go on to the main routes).
pub async fn unfinished(update: Update, db: PgPool) -> Option<Position> {
    let user = update.from()?;
    match onboarding::position(&db, user.stored().ok()?).await {
        Ok(position) if position.is_active() => None,
        Ok(position) => Some(position),
        Err(error) => {
            tracing::error!(%error, "cannot read the onboarding position");
            None
        }
    }
}

/// Shows what the user has to do next, from where they stand.
pub async fn resume(
    bot: &Bot,
    user: &User,
    position: Position,
    t: Texts,
    db: &PgPool,
    services: &Services,
) -> HandlerResult {
    // Only private chats are served: the chat is the user's.
    let chat_id: ChatId = user.id.into();
    match position {
        Position::NeedsConsent => screen::show(bot, chat_id, consent_screen(t)).await,
        Position::Onboarding(Step::Phone) => ask_phone(bot, chat_id, t).await,
        Position::Onboarding(Step::Snils) => ask_snils(bot, chat_id, t).await,
        Position::Onboarding(Step::SecondFactor) => send_qr(bot, user, t, db, services).await,
        Position::Onboarding(Step::Active) => {
            screen::show(bot, chat_id, main_menu::menu(t, t.msg("menu-title"))).await
        }
    }
}

/// /start before the account is active: a newcomer gets the greeting, then
/// the consent question as a message of its own (the one that becomes the
/// record of the answer); anyone else picks up their step.
pub async fn start(
    bot: Bot,
    msg: Message,
    position: Position,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let Some(user) = msg.from.as_ref() else {
        return Ok(());
    };
    if position != Position::NeedsConsent {
        return resume(&bot, user, position, t, &db, &services).await;
    }
    let hello = t.msg_with("onboarding-hello", [("name", Arg::Text(&user.first_name))]);
    screen::say(&bot, msg.chat.id, hello).await?;
    screen::show(&bot, msg.chat.id, consent_screen(t)).await
}

/// A message before consent: nothing personal is taken, and what may be
/// personal is deleted. The consent is already in the chat with its
/// buttons (they stay even after «Не согласен(на)»): a short pointer to it,
/// not a second copy of the whole text.
pub async fn consent_first(bot: Bot, msg: Message, t: Texts) -> HandlerResult {
    delete_if_personal(&bot, &msg).await;
    screen::say(&bot, msg.chat.id, t.msg("consent-answer-above")).await
}

/// Deletes a message that may carry personal data: a contact, a file or a
/// photo, or a text with six digits or more (a phone, a СНИЛС, a passport
/// number). The consent promises such messages are removed, taken or not.
async fn delete_if_personal(bot: &Bot, msg: &Message) {
    if may_be_personal(msg) {
        code_entry::forget_message(bot, msg).await;
    }
}

fn may_be_personal(msg: &Message) -> bool {
    match msg.text() {
        Some(text) => text.chars().filter(char::is_ascii_digit).count() >= 6,
        // A contact, a photo, a document, a voice message…: anything but
        // plain text may be a card or a scan.
        None => true,
    }
}

fn consent_screen(t: Texts) -> Screen {
    Screen {
        text: t.msg("consent-text"),
        keyboard: InlineKeyboardMarkup::new([[
            button(t.msg("consent-accept"), Action::Consent(true)),
            button(t.msg("consent-decline"), Action::Consent(false)),
        ]]),
    }
}

/// [✅ Согласен(на)] or [Не согласен(на)].
pub async fn consent(
    bot: Bot,
    query: CallbackQuery,
    agreed: bool,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let user_id = query.from.stored()?;
    let chat_id: ChatId = query.from.id.into();
    if !agreed {
        // The question stays with its buttons: the user may change their mind.
        return screen::say(&bot, chat_id, t.msg("consent-declined")).await;
    }
    // A second press (of the same message, or of an older copy) agrees once.
    if onboarding::position(&db, user_id).await? == Position::NeedsConsent {
        onboarding::accept_consent(&db, user_id, services.clock.now()).await?;
    }
    // The consent becomes one line saying what was agreed and when; its
    // text is in /privacy.
    if let Some(given) = consent::in_force(&db, user_id).await? {
        let date = t.day_of(given.given_at);
        let line = t.msg_with(
            "consent-given-line",
            [
                ("date", Arg::Text(&date)),
                ("version", Arg::Text(&given.text_version)),
            ],
        );
        let screen = Screen {
            text: line,
            keyboard: InlineKeyboardMarkup::default(),
        };
        screen::replace(&bot, &query, screen).await?;
    }
    let position = onboarding::position(&db, user_id).await?;
    resume(&bot, &query.from, position, t, &db, &services).await
}

async fn ask_phone(bot: &Bot, chat_id: ChatId, t: Texts) -> HandlerResult {
    say_with_phone_button(bot, chat_id, t, t.msg("phone-ask")).await
}

async fn say_with_phone_button(
    bot: &Bot,
    chat_id: ChatId,
    t: Texts,
    text: String,
) -> HandlerResult {
    let keyboard =
        KeyboardMarkup::new([[KeyboardButton::new(t.msg("phone-button"))
            .request(teloxide::types::ButtonRequest::Contact)]])
        .resize_keyboard()
        .one_time_keyboard();
    bot.send_message(chat_id, text)
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard)
        .await?;
    Ok(())
}

/// The phone step: only a contact shared with the button is taken.
pub async fn receive_contact(
    bot: Bot,
    msg: Message,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let user_id = sender(&msg)?;
    let Some(contact) = msg.contact() else {
        // A phone typed as text is not taken, and not left in the chat.
        delete_if_personal(&bot, &msg).await;
        return say_with_phone_button(&bot, msg.chat.id, t, t.msg("phone-typed")).await;
    };
    let shared = SharedContact {
        phone_number: &contact.phone_number,
        // An owner id that cannot be stored is not the sender's (theirs
        // was stored), so the card is taken as someone else's.
        owner_id: contact.user_id.and_then(|id| id.stored().ok()),
    };
    let submitted = onboarding::submit_contact(&db, &services.vault, user_id, shared).await;
    // The contact card shows the number: off the chat, taken or refused.
    code_entry::forget_message(&bot, &msg).await;
    match submitted? {
        Ok(_) => {
            bot.send_message(msg.chat.id, t.msg("phone-saved"))
                .reply_markup(KeyboardRemove::new())
                .await?;
            ask_snils(&bot, msg.chat.id, t).await
        }
        Err(ContactRejection::NotOwn) => {
            say_with_phone_button(&bot, msg.chat.id, t, t.msg("phone-not-own")).await
        }
        Err(ContactRejection::Invalid(PhoneError::NotRussian | PhoneError::NotMobile))
        | Err(ContactRejection::Invalid(_)) => {
            say_with_phone_button(&bot, msg.chat.id, t, t.msg("phone-not-mobile")).await
        }
    }
}

async fn ask_snils(bot: &Bot, chat_id: ChatId, t: Texts) -> HandlerResult {
    screen::say(bot, chat_id, t.msg("snils-ask")).await
}

/// The СНИЛС step: parsed with a specific answer for each mistake; once
/// stored, the message with it is deleted from the chat.
pub async fn receive_snils(
    bot: Bot,
    msg: Message,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let Some(text) = msg.text() else {
        delete_if_personal(&bot, &msg).await;
        return ask_snils(&bot, msg.chat.id, t).await;
    };
    let snils = match Snils::parse(text) {
        Ok(snils) => snils,
        Err(error) => {
            // A mistyped СНИЛС is most of the real one: off the chat too.
            code_entry::forget_message(&bot, &msg).await;
            return screen::say(&bot, msg.chat.id, snils_error(t, &error)).await;
        }
    };
    let user_id = sender(&msg)?;
    bot.send_chat_action(msg.chat.id, ChatAction::Typing)
        .await?;
    let outcome = onboarding::submit_snils(
        &db,
        &services.vault,
        &services.registry,
        user_id,
        &snils,
        services.clock.now(),
    )
    .await;
    code_entry::forget_message(&bot, &msg).await;
    let Some(user) = msg.from.as_ref() else {
        return Ok(());
    };
    show_match(&bot, user, t, outcome?, &db, &services).await
}

fn snils_error(t: Texts, error: &SnilsError) -> String {
    match error {
        SnilsError::Empty => t.msg("snils-empty"),
        SnilsError::InvalidCharacters => t.msg("snils-not-digits"),
        SnilsError::WrongLength { digits } => {
            t.msg_with("snils-wrong-length", [("digits", Arg::count(*digits))])
        }
        SnilsError::Checksum => t.msg("snils-checksum"),
    }
}

/// [🔄 Повторить] after the register was unavailable.
pub async fn retry_registry(
    bot: Bot,
    query: CallbackQuery,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let user_id = query.from.stored()?;
    let chat_id: ChatId = query.from.id.into();
    if onboarding::position(&db, user_id).await? != Position::Onboarding(Step::Snils) {
        let position = onboarding::position(&db, user_id).await?;
        return resume(&bot, &query.from, position, t, &db, &services).await;
    }
    bot.send_chat_action(chat_id, ChatAction::Typing).await?;
    let outcome = onboarding::match_registry(
        &db,
        &services.vault,
        &services.registry,
        user_id,
        services.clock.now(),
    )
    .await?;
    show_match(&bot, &query.from, t, outcome, &db, &services).await
}

async fn show_match(
    bot: &Bot,
    user: &User,
    t: Texts,
    outcome: RegistryMatch,
    db: &PgPool,
    services: &Services,
) -> HandlerResult {
    let chat_id: ChatId = user.id.into();
    match outcome {
        RegistryMatch::Linked { full_name } => {
            screen::say(
                bot,
                chat_id,
                t.msg_with("registry-linked", [("name", Arg::Text(&full_name))]),
            )
            .await?;
            send_qr(bot, user, t, db, services).await
        }
        RegistryMatch::NoMatch => {
            let keyboard = InlineKeyboardMarkup::new([[button(
                t.msg("registry-apply"),
                Action::ApplyForActivation,
            )]]);
            screen::show(
                bot,
                chat_id,
                Screen {
                    text: t.msg("registry-no-match"),
                    keyboard,
                },
            )
            .await
        }
        RegistryMatch::HeldByConfirmed => {
            let text = super::help::with_support(t, &services.brand, t.msg("registry-held"));
            screen::say(bot, chat_id, text).await
        }
        RegistryMatch::TooManyTries { until } => {
            let until = t.time(until);
            let text = t.msg_with("snils-too-many", [("until", Arg::Text(&until))]);
            screen::say(bot, chat_id, text).await
        }
        RegistryMatch::Unavailable => {
            let keyboard = InlineKeyboardMarkup::new([[button(
                t.msg("registry-retry"),
                Action::RetryRegistry,
            )]]);
            screen::show(
                bot,
                chat_id,
                Screen {
                    text: t.msg("registry-unavailable"),
                    keyboard,
                },
            )
            .await
        }
    }
}

/// [📝 Подать заявку на активацию] under «не нашли вас в регистре»: the
/// account is linked unconfirmed and the second factor comes next; the
/// application itself is made in «📨 Мои заявки», where the documents are.
pub async fn apply_for_activation(
    bot: Bot,
    query: CallbackQuery,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let user_id = query.from.stored()?;
    let chat_id: ChatId = query.from.id.into();
    // The answer stays in the chat without its button: pressed once.
    if let Some(message) = query.regular_message() {
        let _ = bot
            .edit_message_reply_markup(message.chat.id, message.id)
            .await;
    }
    bot.send_chat_action(chat_id, ChatAction::Typing).await?;
    let applying = onboarding::apply_for_activation(
        &db,
        &services.vault,
        &services.registry,
        user_id,
        services.clock.now(),
    )
    .await?;
    match applying {
        Applying::Linked => {
            screen::say(&bot, chat_id, t.msg("registry-applying")).await?;
            send_qr(&bot, &query.from, t, &db, &services).await
        }
        Applying::InRegister => {
            screen::say(&bot, chat_id, t.msg("registry-apply-refused")).await?;
            ask_snils(&bot, chat_id, t).await
        }
        Applying::Unavailable => {
            show_match(
                &bot,
                &query.from,
                t,
                RegistryMatch::Unavailable,
                &db,
                &services,
            )
            .await
        }
        Applying::NotNow => {
            let position = onboarding::position(&db, user_id).await?;
            resume(&bot, &query.from, position, t, &db, &services).await
        }
    }
}

/// The QR code for the authenticator app, with the key written out. Sent
/// protected (no forwarding, no saving): it is the secret itself.
///
/// The entry in the app reads the service's name and the user's first
/// name (no identifier: a Telegram id means nothing to anyone looking for
/// their code). The key is grouped by four in `<code>`, so it can be copied
/// with a tap into an app on the same phone, which cannot scan its own
/// screen.
async fn send_qr(
    bot: &Bot,
    user: &User,
    t: Texts,
    db: &PgPool,
    services: &Services,
) -> HandlerResult {
    let chat_id: ChatId = user.id.into();
    let user_id = user.stored()?;
    bot.send_chat_action(chat_id, ChatAction::UploadPhoto)
        .await?;
    let secret = second_factor::enrolment_secret(db, &services.vault, user_id).await?;
    let url = secret.otpauth_url(&services.brand.service_name, &user.first_name);
    let picture = InputFile::memory(crate::qr_picture::png(&url)).file_name("medcab-qr.png");
    let sent = bot
        .send_photo(chat_id, picture)
        .caption(t.msg_with(
            "factor-qr-caption",
            [
                ("secret", Arg::Text(&secret.to_grouped_base32())),
                ("service", Arg::Text(&services.brand.service_name)),
            ],
        ))
        .parse_mode(ParseMode::Html)
        .protect_content(true)
        .await?;
    // One copy of the secret in the chat at a time.
    if let Some(previous) = second_factor::remember_enrolment_message(
        db,
        user_id,
        i64::from(sent.id.0),
        services.clock.now(),
    )
    .await?
    {
        screen::delete_stored(bot, chat_id, previous).await;
    }
    Ok(())
}

/// The second-factor step: the first right code completes the enrolment.
pub async fn receive_code(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    if code_entry::take_code(&bot, &msg, t, &db, &services).await? {
        dialogue.exit().await?;
        // The QR code and key are the secret: off the chat once enrolled.
        if let Some(qr) = second_factor::take_enrolment_message(&db, msg.chat.id.stored()?).await? {
            screen::delete_stored(&bot, msg.chat.id, qr).await;
        }
        screen::say(&bot, msg.chat.id, t.msg("factor-enrolled")).await?;
        let heading =
            main_menu::with_activation_note(t, &db, msg.chat.id.stored()?, t.msg("menu-title"))
                .await?;
        screen::show(&bot, msg.chat.id, main_menu::menu(t, heading)).await?;
    }
    Ok(())
}

/// A menu button pressed before the account is active: say what is next.
pub async fn finish_first(
    bot: Bot,
    query: CallbackQuery,
    position: Position,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    resume(&bot, &query.from, position, t, &db, &services).await
}
