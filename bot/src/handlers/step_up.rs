//! The step-up gate: nothing reaches a conversation holding personal data
//! without an open second-factor session, whether it is typed or pressed.
//!
//! ```text
//! (the session ran out while a profile question was open)
//! user: ул. Ленина, д. 1, кв. 5                (deleted from the chat)
//! bot:  Сессия истекла. Ответ сохранён — введите 6-значный код из
//!       приложения-аутентификатора, и продолжим с того же места.
//!       [📵 Нет доступа к приложению] [« Назад в меню]
//! user: 123 456                                 (deleted from the chat)
//! bot:  Вход подтверждён.
//! bot:  (the profile goes on as if the code had never been asked:
//!       the answer is taken, the next question follows)
//! ```
//!
//! A button pressed on an old card works the same way: the card is replaced
//! by the question for the code (so what it showed is off the screen), and
//! after the code the press is carried out.
//!
//! The held input (the message or the press, with the position it was
//! meant for) is a draft in PostgreSQL, sealed: a restart or a Redis flush
//! while the code is asked loses nothing, and the next text is taken as the
//! code even if the position is gone.

use medcab_core::UserId;
use medcab_core::accounts;
use medcab_core::drafts::{self, Kind as DraftKind};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use teloxide::prelude::*;
use teloxide::types::CallbackQueryId;

use super::main_menu::{self, Section};
use super::screen::{self, Screen};
use super::{
    Action, ChatDialogue, HandlerError, HandlerResult, State, applications, code_entry, documents,
    education, profile, qualification, records, referrals, schedule,
};
use crate::i18n::Texts;
use crate::startup::Services;
use crate::user_ids::StoredId;

/// What was sent while the session was closed, and where the chat was.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Held {
    pub state: State,
    pub input: Input,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Input {
    Message(Box<Message>),
    Press(Box<CallbackQuery>),
}

/// Marks a press carried out after the code: Telegram has long been
/// answered for it, and must not be answered again (`screen::answer`).
pub const REPLAYED: &str = "replayed:";

tokio::task_local! {
    /// Set while a held message is carried out: it was deleted from the
    /// chat when it was held, so the handler's own deletion is skipped
    /// (`code_entry::forget_message`).
    static REPLAYING: ();
}

/// Whether a held message is being carried out now.
pub fn replaying() -> bool {
    REPLAYING.try_with(|_| ()).is_ok()
}

/// Whether a pressed button was held and carried out after the code.
pub fn is_replayed(query: &CallbackQuery) -> bool {
    query.id.0.starts_with(REPLAYED)
}

/// The section whose code question stands for a held input.
fn section_of(state: &State, input: &Input) -> Section {
    if let Input::Press(query) = input {
        match query.data.as_deref().and_then(Action::parse) {
            Some(Action::Doc(_)) => return Section::Documents,
            Some(Action::App(_)) => return Section::Applications,
            Some(Action::Hours(_) | Action::Folio(_) | Action::Report(_) | Action::Accr(_)) => {
                return Section::Nmo;
            }
            Some(Action::Ref(_)) => return Section::Referrals,
            Some(Action::Sched(_)) => return Section::Schedule,
            _ => {}
        }
    }
    match state {
        State::AddingDocument(_) => Section::Documents,
        State::Hours(_) | State::Report(_) => Section::Nmo,
        State::Referral(_) => Section::Referrals,
        State::Schedule(_) => Section::Schedule,
        _ => Section::Profile,
    }
}

/// Whether a chat at this position is answering a question about
/// personal data.
fn is_personal(state: &State) -> bool {
    matches!(
        state,
        State::ProfileAnswer { .. }
            | State::AddingDocument(_)
            | State::Education(_)
            | State::Hours(_)
            | State::Report(_)
            | State::Referral(_)
            | State::Schedule(_)
    )
}

/// A message the gate stops: meant for a personal-data question (or a
/// draft whose position was lost), with the session closed.
pub async fn closed_for_message(
    msg: Message,
    state: State,
    db: PgPool,
    services: Services,
) -> Option<()> {
    if msg.text().is_some_and(|text| text.starts_with('/')) {
        return None;
    }
    let user_id = msg.chat.id.stored().ok()?;
    let checked = async {
        let personal = is_personal(&state)
            || (state == State::Idle && has_personal_draft(&db, user_id).await?);
        if !personal {
            return Ok(false);
        }
        Ok::<_, HandlerError>(!code_entry::session_open(&db, &services, user_id).await?)
    };
    match checked.await {
        Ok(closed) => closed.then_some(()),
        Err(error) => {
            // Fail closed: without knowing, ask for the code.
            tracing::error!(%error, "cannot check the step-up session");
            Some(())
        }
    }
}

/// A press the gate stops: a button of a section with personal data, with
/// the session closed.
pub async fn closed_for_press(
    action: Action,
    query: CallbackQuery,
    db: PgPool,
    services: Services,
) -> Option<()> {
    if !matches!(
        action,
        Action::Profile(_)
            | Action::Doc(_)
            | Action::App(_)
            | Action::Edu(_)
            | Action::Hours(_)
            | Action::Folio(_)
            | Action::Report(_)
            | Action::Accr(_)
            | Action::Ref(_)
            | Action::Sched(_)
    ) {
        return None;
    }
    let user_id = query.from.stored().ok()?;
    match code_entry::session_open(&db, &services, user_id).await {
        Ok(true) => {
            // The card this press edits will show personal data: closed
            // when the session ends (the scheduler).
            if let Some(message) = query.regular_message() {
                let remembered =
                    accounts::remember_card(&db, user_id, i64::from(message.id.0)).await;
                if let Err(error) = remembered {
                    tracing::warn!(%error, "cannot remember a card to close");
                }
            }
            None
        }
        Ok(false) => Some(()),
        Err(error) => {
            tracing::error!(%error, "cannot check the step-up session");
            Some(())
        }
    }
}

async fn has_personal_draft(db: &PgPool, user_id: UserId) -> Result<bool, HandlerError> {
    // Every unfinished record takes an answer after a lost position.
    records::conversation::any_unfinished(db, user_id).await
}

/// A held input waits for the code, but the position is gone (a Redis
/// flush): the text is the code all the same.
pub async fn waiting_without_position(msg: Message, state: State, db: PgPool) -> Option<Section> {
    if state != State::Idle || msg.text().is_none_or(|text| text.starts_with('/')) {
        return None;
    }
    match drafts::exists(&db, msg.chat.id.stored().ok()?, DraftKind::HeldInput).await {
        Ok(true) => Some(Section::Profile),
        Ok(false) => None,
        Err(error) => {
            tracing::error!(%error, "cannot look for a held input");
            None
        }
    }
}

/// Keeps the message, takes it off the chat, and asks for the code.
pub async fn hold_message(
    bot: Bot,
    msg: Message,
    dialogue: ChatDialogue,
    state: State,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let held = Held {
        state,
        input: Input::Message(Box::new(msg.clone())),
    };
    let section = section_of(&held.state, &held.input);
    keep(&db, &services, msg.chat.id.stored()?, &held).await?;
    // What was typed may be a passport number: it is kept sealed now.
    code_entry::forget_message(&bot, &msg).await;
    dialogue.update(State::StepUp { section }).await?;
    let screen = Screen {
        text: t.msg("step-up-held"),
        keyboard: main_menu::code_keyboard(t),
    };
    screen::show(&bot, msg.chat.id, screen).await
}

/// Keeps the press and puts the question for the code in place of the
/// card it was pressed on.
pub async fn hold_press(
    bot: Bot,
    query: CallbackQuery,
    dialogue: ChatDialogue,
    state: State,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    screen::answer(&bot, &query).await?;
    let held = Held {
        state,
        input: Input::Press(Box::new(query.clone())),
    };
    let section = section_of(&held.state, &held.input);
    keep(&db, &services, query.from.stored()?, &held).await?;
    dialogue.update(State::StepUp { section }).await?;
    let screen = Screen {
        text: t.msg("step-up-held-press"),
        keyboard: main_menu::code_keyboard(t),
    };
    screen::replace(&bot, &query, screen).await
}

async fn keep(db: &PgPool, services: &Services, user_id: UserId, held: &Held) -> HandlerResult {
    let now = services.clock.now();
    drafts::save(
        db,
        &services.vault,
        user_id,
        DraftKind::HeldInput,
        held,
        now,
    )
    .await?;
    Ok(())
}

/// The held input, taken (it is carried out once).
pub async fn take(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<Held>, HandlerError> {
    Ok(drafts::take(db, &services.vault, user_id, DraftKind::HeldInput).await?)
}

/// Carries out what was held, now that the session is open: the chat goes
/// back to where it was and the input goes where it was meant to.
pub async fn replay(
    bot: Bot,
    dialogue: ChatDialogue,
    held: Held,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    REPLAYING
        .scope((), carry_out(bot, dialogue, held, t, db, services))
        .await
}

async fn carry_out(
    bot: Bot,
    dialogue: ChatDialogue,
    held: Held,
    t: Texts,
    db: PgPool,
    services: Services,
) -> HandlerResult {
    let Held { state, input } = held;
    dialogue.update(state.clone()).await?;
    match input {
        Input::Message(msg) => {
            let msg = *msg;
            match state {
                State::ProfileAnswer { .. } => {
                    profile::receive_answer(bot, msg, state, dialogue, t, db, services).await
                }
                State::AddingDocument(step) => {
                    documents::receive(bot, msg, dialogue, step, t, db, services).await
                }
                State::Education(question) => {
                    education::receive(bot, msg, dialogue, question, t, db, services).await
                }
                State::Hours(question) => {
                    qualification::hours::receive(bot, msg, dialogue, question, t, db, services)
                        .await
                }
                State::Report(asking) => {
                    qualification::report::receive(bot, msg, dialogue, asking, t, db, services)
                        .await
                }
                State::Referral(question) => {
                    referrals::receive(bot, msg, dialogue, question, t, db, services).await
                }
                State::Schedule(question) => {
                    schedule::edit::receive(bot, msg, dialogue, question, t, db, services).await
                }
                // A draft's answer after a lost position.
                _ => {
                    use records::conversation::unfinished;
                    let user = || (msg.clone(), State::Idle, db.clone(), services.clone());
                    let (m, s, d, v) = user();
                    if let Some(form) = unfinished::<profile::Form>(m, s, d, v).await {
                        return profile::resume(bot, msg, dialogue, form, t, db, services).await;
                    }
                    let (m, s, d, v) = user();
                    if let Some(draft) = unfinished::<documents::Draft>(m, s, d, v).await {
                        return documents::resume(bot, msg, dialogue, draft, t, db, services).await;
                    }
                    let (m, s, d, v) = user();
                    if let Some(form) = unfinished::<education::Form>(m, s, d, v).await {
                        return education::resume(bot, msg, dialogue, form, t, db, services).await;
                    }
                    let (m, s, d, v) = user();
                    if let Some(form) = unfinished::<qualification::hours::Form>(m, s, d, v).await {
                        use qualification::hours::resume;
                        return resume(bot, msg, dialogue, form, t, db, services).await;
                    }
                    let (m, s, d, v) = user();
                    if let Some(form) = unfinished::<qualification::report::Form>(m, s, d, v).await
                    {
                        use qualification::report::resume;
                        return resume(bot, msg, dialogue, form, t, db, services).await;
                    }
                    let (m, s, d, v) = user();
                    if let Some(form) = unfinished::<referrals::Form>(m, s, d, v).await {
                        use referrals::form::resume;
                        return resume(bot, msg, dialogue, form, t, db, services).await;
                    }
                    let (m, s, d, v) = user();
                    if let Some(form) = unfinished::<schedule::Form>(m, s, d, v).await {
                        return schedule::edit::resume(bot, msg, dialogue, form, t, db, services)
                            .await;
                    }
                    let menu = main_menu::menu(t, t.msg("menu-title"));
                    screen::show(&bot, msg.chat.id, menu).await
                }
            }
        }
        Input::Press(query) => {
            let mut query = *query;
            query.id = CallbackQueryId(format!("{REPLAYED}{}", query.id.0));
            match query.data.as_deref().and_then(Action::parse) {
                Some(Action::Profile(action)) => {
                    profile::act(bot, query, action, dialogue, t, db, services).await
                }
                Some(Action::Doc(action)) => {
                    documents::press(bot, query, action, dialogue, state, t, db, services).await
                }
                Some(Action::App(action)) => {
                    applications::press(bot, query, action, t, db, services).await
                }
                Some(Action::Edu(action)) => {
                    education::press(bot, query, action, dialogue, state, t, db, services).await
                }
                Some(Action::Hours(action)) => {
                    use qualification::hours::press;
                    press(bot, query, action, dialogue, state, t, db, services).await
                }
                Some(Action::Folio(action)) => {
                    qualification::portfolio::press(bot, query, action, t, db, services).await
                }
                Some(Action::Report(action)) => {
                    use qualification::report::press;
                    press(bot, query, action, dialogue, state, t, db, services).await
                }
                Some(Action::Accr(action)) => {
                    super::accreditation::press(bot, query, action, t, db, services).await
                }
                Some(Action::Ref(action)) => {
                    referrals::press(bot, query, action, dialogue, state, t, db, services).await
                }
                Some(Action::Sched(action)) => {
                    schedule::press(bot, query, action, dialogue, t, db, services).await
                }
                _ => {
                    let menu = main_menu::menu(t, t.msg("menu-title"));
                    screen::replace(&bot, &query, menu).await
                }
            }
        }
    }
}
