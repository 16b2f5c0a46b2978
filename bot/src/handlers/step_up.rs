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

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::drafts::{self, Kind as DraftKind};
use medcab_core::session_files::Session;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::main_menu::{self, Section};
use super::screen::Screen;
use super::{
    Action, HandlerError, HandlerResult, State, Turn, applications, code_entry, documents,
    education, profile, qualification, records, referrals, schedule,
};
use crate::chat::{ChatRef, Press, Said, Ui};
use crate::startup::Services;

/// What was sent while the session was closed, and where the chat was.
///
/// A draft held before the input was kept in this neutral form (it was
/// Telegram's whole message or callback) no longer decodes: `drafts::take`
/// drops it, and the code then opens the section as if nothing was held.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Held {
    pub state: State,
    pub input: Input,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Input {
    Said(Said),
    Press(Press),
    /// Nothing was sent: a section's button asked for the code
    /// (`main_menu::ask_for_code`) in `chat` at `asked_at`, and the code
    /// opens the section. Kept like an input so that the code is
    /// understood after a Redis flush, in that chat, for a while.
    Open {
        section: Section,
        chat: ChatRef,
        asked_at: DateTime<Utc>,
    },
}

/// How long a question for the code waits for it without its position
/// (after a Redis flush): longer, and a text is no longer taken as a code
/// (a person who left the question by the menu's button without Redis
/// writes something else).
const WAITS_WITHOUT_POSITION: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

tokio::task_local! {
    /// Set while a held message is carried out: it was deleted from the
    /// chat when it was held, so the handler's own deletion is skipped
    /// (`code_entry::forget`).
    static REPLAYING: ();
}

/// Whether a held message is being carried out now.
pub fn replaying() -> bool {
    REPLAYING.try_with(|_| ()).is_ok()
}

/// The section whose code question stands for a held input.
fn section_of(state: &State, input: &Input) -> Section {
    if let Input::Open { section, .. } = input {
        return *section;
    }
    if let Input::Press(press) = input {
        match press.data.as_deref().and_then(Action::parse) {
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
    said: Said,
    ui: Ui,
    user_id: UserId,
    state: State,
    db: PgPool,
    services: Services,
) -> Option<()> {
    if said.text().is_some_and(|text| text.starts_with('/')) {
        return None;
    }
    let checked = async {
        let personal = is_personal(&state)
            || (state == State::Idle && has_personal_draft(&db, user_id).await?);
        if !personal {
            return Ok(None);
        }
        let open = code_entry::session_open(&db, &services, user_id).await?;
        Ok::<_, HandlerError>(Some(open))
    };
    match checked.await {
        Ok(None) => None,
        Ok(Some(false)) => Some(()),
        Ok(Some(true)) => {
            // An answer in a conversation with personal data, the session
            // open: what it shows is closed with the session.
            ui.confidential(Session::Practitioner);
            None
        }
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
    ui: Ui,
    user_id: UserId,
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
            | Action::Link(_)
    ) {
        return None;
    }
    match code_entry::session_open(&db, &services, user_id).await {
        Ok(true) => {
            // What this press shows carries personal data: closed when the
            // session ends (`release::remember_cards`, the scheduler).
            ui.confidential(Session::Practitioner);
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
/// flush): the text is the code all the same. A held answer or press waits
/// until it is taken (the code carries it out); a question that holds
/// nothing ([`Input::Open`]) only in the chat it was asked in, and for
/// [`WAITS_WITHOUT_POSITION`], since a person may have left it without a
/// word (the account's other chat, the menu while Redis was away).
pub async fn waiting_without_position(
    said: Said,
    ui: Ui,
    user_id: UserId,
    state: State,
    db: PgPool,
    services: Services,
) -> Option<Section> {
    if state != State::Idle || said.text().is_none_or(|text| text.starts_with('/')) {
        return None;
    }
    match held(&db, &services, user_id).await {
        Ok(Some(Held {
            input:
                Input::Open {
                    section,
                    chat,
                    asked_at,
                },
            ..
        })) => (chat == ui.chat() && services.clock.now() - asked_at < WAITS_WITHOUT_POSITION)
            .then_some(section),
        // The section is the held one's (`main_menu::receive_step_up_code`
        // carries it out); this one only routes the text there.
        Ok(Some(_)) => Some(Section::Profile),
        Ok(None) => None,
        Err(error) => {
            tracing::error!(%error, "cannot look for a held input");
            None
        }
    }
}

async fn held(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Option<Held>, HandlerError> {
    Ok(drafts::load(db, &services.vault, user_id, DraftKind::HeldInput).await?)
}

/// Keeps the message, takes it off the chat, and asks for the code.
pub async fn hold_message(turn: Turn, said: Said, state: State) -> HandlerResult {
    let t = turn.t;
    let held = Held {
        state,
        input: Input::Said(said.clone()),
    };
    let section = section_of(&held.state, &held.input);
    keep(&turn, &held).await?;
    // What was typed may be a passport number: it is kept sealed now.
    code_entry::forget(&turn.ui, &said).await;
    turn.dialogue.update(State::StepUp { section }).await?;
    let screen = Screen {
        text: t.msg("step-up-held"),
        keyboard: main_menu::code_keyboard(t),
    };
    turn.ui.show(screen).await
}

/// Keeps the press and puts the question for the code in place of the
/// card it was pressed on.
pub async fn hold_press(turn: Turn, press: Press, state: State) -> HandlerResult {
    let t = turn.t;
    turn.ui.answer(&press).await?;
    let held = Held {
        state,
        input: Input::Press(press.clone()),
    };
    let section = section_of(&held.state, &held.input);
    keep(&turn, &held).await?;
    turn.dialogue.update(State::StepUp { section }).await?;
    let screen = Screen {
        text: t.msg("step-up-held-press"),
        keyboard: main_menu::code_keyboard(t),
    };
    turn.ui.replace(&press, screen).await
}

/// Keeps a question for the code that holds no input
/// ([`Input::Open`]), so the code is understood after a Redis flush. A
/// held answer or press is not replaced: the code carries that out.
pub async fn keep_asking(turn: &Turn, section: Section) -> HandlerResult {
    if let Some(held) = held(&turn.db, &turn.services, turn.user).await?
        && !matches!(held.input, Input::Open { .. })
    {
        return Ok(());
    }
    let held = Held {
        state: State::Idle,
        input: Input::Open {
            section,
            chat: turn.ui.chat(),
            asked_at: turn.services.clock.now(),
        },
    };
    keep(turn, &held).await
}

/// The question for the code is left (the menu's button, the way out for
/// a lost authenticator, /start): a question that held nothing waits no
/// more. A held answer stays for the next code.
pub async fn give_up(turn: &Turn) -> HandlerResult {
    if let Some(Held {
        input: Input::Open { .. },
        ..
    }) = held(&turn.db, &turn.services, turn.user).await?
    {
        drafts::discard(&turn.db, turn.user, DraftKind::HeldInput).await?;
    }
    Ok(())
}

async fn keep(turn: &Turn, held: &Held) -> HandlerResult {
    let Turn {
        user, db, services, ..
    } = turn;
    let now = services.clock.now();
    drafts::save(db, &services.vault, *user, DraftKind::HeldInput, held, now).await?;
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
pub async fn replay(turn: Turn, held: Held) -> HandlerResult {
    REPLAYING.scope((), carry_out(turn, held)).await
}

async fn carry_out(turn: Turn, held: Held) -> HandlerResult {
    let Held { state, input } = held;
    turn.dialogue.update(state.clone()).await?;
    match input {
        Input::Said(said) => replay_said(turn, said, state).await,
        Input::Press(mut press) => {
            press.replayed = true;
            replay_press(turn, press, state).await
        }
        // Taken by `main_menu::receive_step_up_code` before a replay; as
        // the menu, should one ever get here.
        Input::Open { .. } => {
            let t = turn.t;
            turn.ui.show(main_menu::menu(t, t.msg("menu-title"))).await
        }
    }
}

async fn replay_said(turn: Turn, said: Said, state: State) -> HandlerResult {
    let t = turn.t;
    match state {
        State::ProfileAnswer { .. } => profile::receive_answer(turn, said, state).await,
        State::AddingDocument(step) => documents::receive(turn, said, step).await,
        State::Education(question) => education::receive(turn, said, question).await,
        State::Hours(question) => qualification::hours::receive(turn, said, question).await,
        State::Report(asking) => qualification::report::receive(turn, said, asking).await,
        State::Referral(question) => referrals::receive(turn, said, question).await,
        State::Schedule(question) => schedule::edit::receive(turn, said, question).await,
        // A draft's answer after a lost position.
        _ => {
            use records::conversation::unfinished;
            let (ui, turn) = (turn.ui.clone(), turn.clone());
            let found = || (turn.clone(), said.clone(), State::Idle);
            let (a, b, c) = found();
            if let Some(form) = unfinished::<profile::Form>(a, b, c).await {
                return profile::resume(turn, said, form).await;
            }
            let (a, b, c) = found();
            if let Some(draft) = unfinished::<documents::Draft>(a, b, c).await {
                return documents::resume(turn, said, draft).await;
            }
            let (a, b, c) = found();
            if let Some(form) = unfinished::<education::Form>(a, b, c).await {
                return education::resume(turn, said, form).await;
            }
            let (a, b, c) = found();
            if let Some(form) = unfinished::<qualification::hours::Form>(a, b, c).await {
                return qualification::hours::resume(turn, said, form).await;
            }
            let (a, b, c) = found();
            if let Some(form) = unfinished::<qualification::report::Form>(a, b, c).await {
                return qualification::report::resume(turn, said, form).await;
            }
            let (a, b, c) = found();
            if let Some(form) = unfinished::<referrals::Form>(a, b, c).await {
                return referrals::form::resume(turn, said, form).await;
            }
            let (a, b, c) = found();
            if let Some(form) = unfinished::<schedule::Form>(a, b, c).await {
                return schedule::edit::resume(turn, said, form).await;
            }
            ui.show(main_menu::menu(t, t.msg("menu-title"))).await
        }
    }
}

async fn replay_press(turn: Turn, press: Press, state: State) -> HandlerResult {
    let t = turn.t;
    match press.data.as_deref().and_then(Action::parse) {
        Some(Action::Profile(action)) => profile::act(turn, press, action).await,
        Some(Action::Doc(action)) => documents::press(turn, press, action, state).await,
        Some(Action::App(action)) => applications::press(turn, press, action).await,
        Some(Action::Edu(action)) => education::press(turn, press, action, state).await,
        Some(Action::Hours(action)) => {
            qualification::hours::press(turn, press, action, state).await
        }
        Some(Action::Folio(action)) => qualification::portfolio::press(turn, press, action).await,
        Some(Action::Report(action)) => {
            qualification::report::press(turn, press, action, state).await
        }
        Some(Action::Accr(action)) => super::accreditation::press(turn, press, action).await,
        Some(Action::Ref(action)) => referrals::press(turn, press, action, state).await,
        Some(Action::Link(action)) => super::messengers::press(turn, press, action).await,
        Some(Action::Sched(action)) => schedule::press(turn, press, action).await,
        _ => {
            let menu = main_menu::menu(t, t.msg("menu-title"));
            turn.ui.replace(&press, menu).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::MessageRef;

    #[test]
    fn a_held_input_round_trips_and_an_older_one_does_not_decode() {
        let held = Held {
            state: State::QuietHours,
            input: Input::Said(Said {
                message: Some(MessageRef::Telegram(7)),
                text: Some("ул. Ленина, 1".into()),
                ..Said::default()
            }),
        };
        let json = serde_json::to_string(&held).unwrap();
        let back: Held = serde_json::from_str(&json).unwrap();
        assert!(matches!(back.input, Input::Said(said) if said.text() == Some("ул. Ленина, 1")));

        // Telegram's whole message and callback, as they were held before:
        // no longer read (`drafts::take` drops such a draft).
        let message = r#"{"state":"Idle","input":{"Message":{"message_id":7,"date":1,
            "chat":{"id":1001,"type":"private","first_name":"Анна"},"text":"ул. Ленина, 1"}}}"#;
        assert!(serde_json::from_str::<Held>(message).is_err());
        let press = r#"{"state":"Idle","input":{"Press":{"id":"q-1","data":"doc:o:5",
            "chat_instance":"","from":{"id":1001,"is_bot":false,"first_name":"Анна"},
            "message":{"message_id":42,"date":1,
            "chat":{"id":1001,"type":"private","first_name":"Анна"},"text":"…"}}}}"#;
        assert!(serde_json::from_str::<Held>(press).is_err());
    }
}
