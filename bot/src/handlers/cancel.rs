//! /cancel: leave whatever conversation the chat is in.
//!
//! ```text
//! user: /language
//! bot:  Выберите язык интерфейса: [🇷🇺 Русский] [🇬🇧 English]
//! user: /cancel
//! bot:  Действие прервано. Откройте /menu, чтобы продолжить.
//! user: /cancel
//! bot:  Сейчас нечего прерывать. Откройте /menu, чтобы выбрать раздел.
//! ```
//!
//! Connecting the account is not a conversation to leave: its step is kept
//! in PostgreSQL, so /cancel says what can be done instead.
//!
//! ```text
//! user: /cancel                                   (at the СНИЛС step)
//! bot:  Подключение кабинета не прерывается: … /start … /forget …
//! ```

use medcab_core::drafts::{self, Kind as DraftKind};
use medcab_core::onboarding::{self, Position};

use super::{HandlerResult, State, Turn, documents, education, profile, qualification, schedule};

pub async fn cancel(
    turn: Turn,
    // As read when the update came in (Idle if Redis could not say).
    state: State,
) -> HandlerResult {
    let Turn {
        ui,
        user: user_id,
        t,
        db,
        services,
        dialogue,
    } = turn;
    // A document being added is given up with its draft; so is one whose
    // position a Redis flush lost (its draft is all that is left of it).
    let adding = matches!(state, State::AddingDocument(_));
    let dropped_draft = match state {
        State::AddingDocument(_) | State::Idle => {
            documents::cancel_draft(&db, &services, user_id, adding).await?
        }
        _ => false,
    };
    // The same for a diploma or a programme being filled in.
    let answering = matches!(state, State::Education(_));
    let dropped_education = match state {
        State::Education(_) | State::Idle => {
            education::cancel_draft(&db, &services, user_id, answering).await?
        }
        _ => false,
    };
    // The same for an education record toward accreditation.
    let answering = matches!(state, State::Hours(_));
    let dropped_hours = match state {
        State::Hours(_) | State::Idle => {
            qualification::hours::cancel_draft(&db, user_id, answering).await?
        }
        _ => false,
    };
    // The part of the report being asked (its answers are kept: they are
    // the report).
    let answering = matches!(state, State::Report(_));
    let dropped_report = match state {
        State::Report(_) | State::Idle => {
            qualification::report::cancel_draft(&db, user_id, answering).await?
        }
        _ => false,
    };
    // The same for a profile being filled in, or a field of it changed.
    let profiling = matches!(state, State::ProfileAnswer { .. });
    let dropped_profile = match state {
        State::ProfileAnswer { .. } | State::Idle => {
            profile::cancel_draft(&db, user_id, profiling).await?
        }
        _ => false,
    };
    // The same for a referral being filled in.
    let answering = matches!(state, State::Referral(_));
    let dropped_referral = match state {
        State::Referral(_) | State::Idle => {
            super::referrals::form::cancel_draft(&db, user_id, answering).await?
        }
        _ => false,
    };
    // A slot of the schedule being added or moved.
    let answering = matches!(state, State::Schedule(_));
    let dropped_slot = match state {
        State::Schedule(_) | State::Idle => {
            schedule::edit::cancel_draft(&db, user_id, answering).await?
        }
        _ => false,
    };
    // An operator's code asked for: the next message is not taken for it.
    let dropped_code = medcab_core::operator_factors::cancel_code_request(&db, user_id).await?;
    // /forget waiting for its code, and an input held by the step-up gate:
    // the next message is not taken for the code either.
    let mut dropped_held = false;
    for kind in [DraftKind::Forget, DraftKind::HeldInput] {
        if drafts::exists(&db, user_id, kind).await? {
            drafts::discard(&db, user_id, kind).await?;
            dropped_held = true;
        }
    }
    let dropped_draft = dropped_draft
        || dropped_education
        || dropped_hours
        || dropped_report
        || dropped_profile
        || dropped_referral
        || dropped_slot
        || dropped_code
        || dropped_held;
    dialogue.exit().await?;
    let text = if state == State::Idle && !dropped_draft {
        match onboarding::position(&db, user_id).await? {
            Position::NeedsConsent => t.msg("cancel-before-consent"),
            position if !position.is_active() => t.msg("cancel-onboarding"),
            _ => t.msg("cancel-nothing"),
        }
    } else {
        t.msg("cancel-done")
    };
    ui.say(text).await
}
