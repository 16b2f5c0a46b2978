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

use super::screen::{Screen, button};
use super::{Action, HandlerResult, Turn, code_entry, main_menu};
use crate::chat::{Activity, Incoming, Keyboard, OutgoingFile, Press, Said, Ui};
use crate::i18n::{Arg, Texts};

/// The position of a user who is not active yet; `None` for active users
/// (they go on to the main routes).
pub fn unfinished(position: Position) -> Option<Position> {
    (!position.is_active()).then_some(position)
}

/// Shows what the user has to do next, from where they stand. `name` is
/// their first name, for the authenticator's entry.
pub async fn resume(turn: &Turn, name: &str, position: Position) -> HandlerResult {
    let (ui, t) = (&turn.ui, turn.t);
    match position {
        Position::NeedsConsent => ui.show(consent_screen(t)).await,
        Position::Onboarding(Step::Phone) => ask_phone(turn).await,
        Position::Onboarding(Step::Snils) => ask_snils(turn).await,
        Position::Onboarding(Step::SecondFactor) => send_qr(turn, name).await,
        Position::Onboarding(Step::Active) => {
            ui.show(main_menu::menu(t, t.msg("menu-title"))).await
        }
    }
}

/// /start before the account is active: a newcomer gets the greeting, then
/// the consent question as a message of its own (the one that becomes the
/// record of the answer); anyone else picks up their step.
pub async fn start(turn: Turn, incoming: Incoming, position: Position) -> HandlerResult {
    let (ui, t) = (&turn.ui, turn.t);
    let name = &incoming.from.first_name;
    if position != Position::NeedsConsent {
        return resume(&turn, name, position).await;
    }
    let hello = t.msg_with("onboarding-hello", [("name", Arg::Text(name))]);
    ui.say(hello).await?;
    ui.show(consent_screen(t)).await
}

/// A message before consent: nothing personal is taken, and what may be
/// personal is deleted. The consent is already in the chat with its
/// buttons (they stay even after «Не согласен(на)»): a short pointer to it,
/// not a second copy of the whole text.
pub async fn consent_first(turn: Turn, said: Said) -> HandlerResult {
    delete_if_personal(&turn.ui, &said).await;
    turn.ui.say(turn.t.msg("consent-answer-above")).await
}

/// Deletes a message that may carry personal data: a contact, a file or a
/// photo, or a text with six digits or more (a phone, a СНИЛС, a passport
/// number). The consent promises such messages are removed, taken or not.
async fn delete_if_personal(ui: &Ui, said: &Said) {
    if may_be_personal(said) {
        code_entry::forget(ui, said).await;
    }
}

fn may_be_personal(said: &Said) -> bool {
    match said.text() {
        Some(text) => text.chars().filter(char::is_ascii_digit).count() >= 6,
        // A contact, a photo, a document, a voice message…: anything but
        // plain text may be a card or a scan.
        None => true,
    }
}

fn consent_screen(t: Texts) -> Screen {
    Screen {
        text: t.msg("consent-text"),
        keyboard: Keyboard::new([[
            button(t.msg("consent-accept"), Action::Consent(true)),
            button(t.msg("consent-decline"), Action::Consent(false)),
        ]]),
    }
}

/// [✅ Согласен(на)] or [Не согласен(на)].
pub async fn consent(turn: Turn, press: Press, agreed: bool, incoming: Incoming) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let (user, t) = (*user, *t);
    ui.answer(&press).await?;
    if !agreed {
        // The question stays with its buttons: the user may change their mind.
        return ui.say(t.msg("consent-declined")).await;
    }
    // A second press (of the same message, or of an older copy) agrees once.
    if onboarding::position(db, user).await? == Position::NeedsConsent {
        onboarding::accept_consent(db, user, services.clock.now()).await?;
    }
    // The consent becomes one line saying what was agreed and when; its
    // text is in /privacy.
    if let Some(given) = consent::in_force(db, user).await? {
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
            keyboard: Keyboard::default(),
        };
        ui.replace(&press, screen).await?;
    }
    let position = onboarding::position(db, user).await?;
    resume(&turn, &incoming.from.first_name, position).await
}

async fn ask_phone(turn: &Turn) -> HandlerResult {
    say_with_phone_button(turn, turn.t.msg("phone-ask")).await
}

async fn say_with_phone_button(turn: &Turn, text: String) -> HandlerResult {
    turn.ui.ask_contact(text, turn.t.msg("phone-button")).await
}

/// The phone step: only a contact shared with the button is taken.
pub async fn receive_contact(turn: Turn, said: Said) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let t = *t;
    let Some(contact) = &said.contact else {
        // A phone typed as text is not taken, and not left in the chat.
        delete_if_personal(&turn.ui, &said).await;
        return say_with_phone_button(&turn, t.msg("phone-typed")).await;
    };
    let shared = SharedContact {
        phone_number: &contact.phone,
        // The adapter names the sender's account only for their own card;
        // any other (or one naming no owner) is taken as someone else's.
        owner_id: contact.owner,
    };
    let submitted = onboarding::submit_contact(db, &services.vault, *user, shared).await;
    // The contact card shows the number: off the chat, taken or refused.
    code_entry::forget(ui, &said).await;
    match submitted? {
        Ok(_) => {
            ui.say_without_contact_button(t.msg("phone-saved")).await?;
            ask_snils(&turn).await
        }
        Err(ContactRejection::NotOwn) => say_with_phone_button(&turn, t.msg("phone-not-own")).await,
        Err(ContactRejection::Invalid(PhoneError::NotRussian | PhoneError::NotMobile))
        | Err(ContactRejection::Invalid(_)) => {
            say_with_phone_button(&turn, t.msg("phone-not-mobile")).await
        }
    }
}

async fn ask_snils(turn: &Turn) -> HandlerResult {
    turn.ui.say(turn.t.msg("snils-ask")).await
}

/// The СНИЛС step: parsed with a specific answer for each mistake; once
/// stored, the message with it is deleted from the chat.
pub async fn receive_snils(turn: Turn, said: Said, incoming: Incoming) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let t = *t;
    let Some(text) = said.text() else {
        delete_if_personal(&turn.ui, &said).await;
        return ask_snils(&turn).await;
    };
    let snils = match Snils::parse(text) {
        Ok(snils) => snils,
        Err(error) => {
            // A mistyped СНИЛС is most of the real one: off the chat too.
            code_entry::forget(ui, &said).await;
            return ui.say(snils_error(t, &error)).await;
        }
    };
    ui.activity(Activity::Typing).await;
    let outcome = onboarding::submit_snils(
        db,
        &services.vault,
        &services.registry,
        *user,
        &snils,
        services.clock.now(),
    )
    .await;
    code_entry::forget(ui, &said).await;
    show_match(&turn, &incoming.from.first_name, outcome?).await
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
pub async fn retry_registry(turn: Turn, press: Press, incoming: Incoming) -> HandlerResult {
    let Turn {
        ui,
        user,
        db,
        services,
        ..
    } = &turn;
    let name = &incoming.from.first_name;
    ui.answer(&press).await?;
    if onboarding::position(db, *user).await? != Position::Onboarding(Step::Snils) {
        let position = onboarding::position(db, *user).await?;
        return resume(&turn, name, position).await;
    }
    ui.activity(Activity::Typing).await;
    let outcome = onboarding::match_registry(
        db,
        &services.vault,
        &services.registry,
        *user,
        services.clock.now(),
    )
    .await?;
    show_match(&turn, name, outcome).await
}

async fn show_match(turn: &Turn, name: &str, outcome: RegistryMatch) -> HandlerResult {
    let (ui, t) = (&turn.ui, turn.t);
    match outcome {
        RegistryMatch::Linked { full_name } => {
            ui.say(t.msg_with("registry-linked", [("name", Arg::Text(&full_name))]))
                .await?;
            send_qr(turn, name).await
        }
        RegistryMatch::NoMatch => {
            let keyboard =
                Keyboard::new([[button(t.msg("registry-apply"), Action::ApplyForActivation)]]);
            ui.show(Screen {
                text: t.msg("registry-no-match"),
                keyboard,
            })
            .await
        }
        RegistryMatch::HeldByConfirmed => {
            let text = super::help::with_support(t, &turn.services.brand, t.msg("registry-held"));
            ui.say(text).await
        }
        RegistryMatch::TooManyTries { until } => {
            let until = t.time(until);
            let text = t.msg_with("snils-too-many", [("until", Arg::Text(&until))]);
            ui.say(text).await
        }
        RegistryMatch::Unavailable => {
            let keyboard =
                Keyboard::new([[button(t.msg("registry-retry"), Action::RetryRegistry)]]);
            ui.show(Screen {
                text: t.msg("registry-unavailable"),
                keyboard,
            })
            .await
        }
    }
}

/// [📝 Подать заявку на активацию] under «не нашли вас в регистре»: the
/// account is linked unconfirmed and the second factor comes next; the
/// application itself is made in «📨 Мои заявки», where the documents are.
pub async fn apply_for_activation(turn: Turn, press: Press, incoming: Incoming) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let t = *t;
    let name = &incoming.from.first_name;
    ui.answer(&press).await?;
    // The answer stays in the chat without its button: pressed once.
    if let Some(shown) = &press.message {
        let _ = ui.set_keyboard(&shown.id, Keyboard::default()).await;
    }
    ui.activity(Activity::Typing).await;
    let applying = onboarding::apply_for_activation(
        db,
        &services.vault,
        &services.registry,
        *user,
        services.clock.now(),
    )
    .await?;
    match applying {
        Applying::Linked => {
            ui.say(t.msg("registry-applying")).await?;
            send_qr(&turn, name).await
        }
        Applying::InRegister => {
            ui.say(t.msg("registry-apply-refused")).await?;
            ask_snils(&turn).await
        }
        Applying::Unavailable => show_match(&turn, name, RegistryMatch::Unavailable).await,
        Applying::NotNow => {
            let position = onboarding::position(db, *user).await?;
            resume(&turn, name, position).await
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
async fn send_qr(turn: &Turn, name: &str) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    ui.activity(Activity::UploadingPhoto).await;
    let now = services.clock.now();
    let secret = second_factor::enrolment_secret(db, &services.vault, *user, now).await?;
    let url = secret.otpauth_url(&services.brand.service_name, name);
    let caption = t.msg_with(
        "factor-qr-caption",
        [
            ("secret", Arg::Text(&secret.to_grouped_base32())),
            ("service", Arg::Text(&services.brand.service_name)),
        ],
    );
    let picture = OutgoingFile::new("medcab-qr.png", crate::qr_picture::png(&url)).caption(caption);
    let sent = ui.send_picture(picture).await?;
    // One copy of the secret in the chat at a time.
    let sent = ui.stored(&sent);
    if let Some(previous) = second_factor::remember_enrolment_message(db, *user, &sent, now).await?
    {
        ui.delete_stored(&previous).await;
    }
    Ok(())
}

/// The second-factor step: the first right code completes the enrolment.
pub async fn receive_code(turn: Turn, said: Said) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        dialogue,
        ..
    } = &turn;
    let t = *t;
    if code_entry::take_code(&turn, &said).await? {
        dialogue.exit().await?;
        // The QR code and key are the secret: off the chat once enrolled.
        if let Some(qr) = second_factor::take_enrolment_message(db, *user).await? {
            ui.delete_stored(&qr).await;
        }
        ui.say(t.msg("factor-enrolled")).await?;
        let heading = main_menu::with_activation_note(t, db, *user, t.msg("menu-title")).await?;
        ui.show(main_menu::menu(t, heading)).await?;
    }
    Ok(())
}

/// A menu button pressed before the account is active: say what is next.
pub async fn finish_first(
    turn: Turn,
    press: Press,
    incoming: Incoming,
    position: Position,
) -> HandlerResult {
    turn.ui.answer(&press).await?;
    resume(&turn, &incoming.from.first_name, position).await
}
