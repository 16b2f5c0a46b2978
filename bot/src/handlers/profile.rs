//! «👤 Профиль»: personal data filled in one question at a time, confirmed
//! on a summary card, edited field by field, with its history and restore.
//! Behind the second factor, like every section with personal data.
//!
//! ```text
//! bot:  👤 Профиль ещё не заполнен. [✏️ Заполнить профиль] [« Назад в меню]
//! user: <presses ✏️ Заполнить профиль>
//! bot:  Фамилия, имя и отчество — как в паспорте:
//! user: Иванова Анна Сергеевна
//! bot:  Дата рождения, ДД.ММ.ГГГГ:
//! user: 31.02.1985
//! bot:  Дата рождения: нужна дата в виде ДД.ММ.ГГГГ, например 14.03.1985.
//!
//!       Дата рождения в виде ДД.ММ.ГГГГ:      (the problem and the question: one message)
//! …     (address, e-mail [Пропустить], ИНН [Пропустить], passport, its date, code, issuer)
//! bot:  Проверьте данные: <card> [✅ Сохранить] [✏️ Исправить поле]
//! user: <presses ✅ Сохранить>
//! bot:  (the same message) Профиль сохранён. <card> [✏️ Изменить] [🕘 История]
//! ```
//!
//! Every answer is written to a sealed draft in PostgreSQL as it is given
//! (`records::conversation`); Redis holds only which question is open, and
//! after a Redis flush the next message answers the question the draft is
//! at. Each typed answer is deleted from the chat once taken: it is
//! personal data. A confirmed account's profile also leads to
//! «🏥 Организация» (`super::organisation`).

use medcab_core::UserId;
use medcab_core::accounts;
use medcab_core::drafts::Kind as DraftKind;
use medcab_core::history::{Actor, Entity};
use medcab_core::profile::{
    self, Profile, ProfileDraft, ProfileError, ProfileField, ProfileProblem,
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::actions::Section;
use super::records::conversation::{self, Conversation};
use super::records::{self};
use super::screen::{Screen, button};
use super::{Action, HandlerError, HandlerResult, State, Turn, code_entry};
use crate::chat::{Button, Keyboard, Press, Said};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// What a button on the profile screens does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileAction {
    /// Start or go on filling in the profile.
    Fill,
    /// Save the profile on the summary card.
    Save,
    /// Choose a field to change.
    Edit,
    /// Change this field.
    EditField(ProfileField),
    /// The versions of the profile.
    History,
    /// Bring this version back.
    Restore(i32),
    /// Leave this optional field empty (the question's «Пропустить»).
    Skip(ProfileField),
    /// «🏥 Организация»: the organisation's card, at this licence (0 is
    /// the first).
    Organisation(u32),
}

impl ProfileAction {
    pub fn encode(self) -> String {
        match self {
            ProfileAction::Fill => "pf:fill".to_owned(),
            ProfileAction::Save => "pf:save".to_owned(),
            ProfileAction::Edit => "pf:edit".to_owned(),
            ProfileAction::EditField(field) => format!("pf:ef:{}", field.as_str()),
            ProfileAction::History => "pf:hist".to_owned(),
            ProfileAction::Restore(version) => format!("pf:rs:{version}"),
            ProfileAction::Skip(field) => format!("pf:skip:{}", field.as_str()),
            ProfileAction::Organisation(page) => format!("pf:org:{page}"),
        }
    }

    /// `rest` is what follows `pf:`.
    pub fn parse(rest: &str) -> Option<ProfileAction> {
        match rest.split_once(':') {
            None => match rest {
                "fill" => Some(ProfileAction::Fill),
                "save" => Some(ProfileAction::Save),
                "edit" => Some(ProfileAction::Edit),
                "hist" => Some(ProfileAction::History),
                _ => None,
            },
            Some(("ef", code)) => ProfileField::parse(code).map(ProfileAction::EditField),
            Some(("skip", code)) => ProfileField::parse(code)
                .filter(|field| !field.is_required())
                .map(ProfileAction::Skip),
            Some(("org", "0")) => Some(ProfileAction::Organisation(0)),
            Some(("org", page)) => records::parse_id(page)
                .and_then(|page| u32::try_from(page).ok())
                .filter(|page| *page <= MAX_LICENCE_PAGE)
                .map(ProfileAction::Organisation),
            Some(("rs", version)) => version
                .parse()
                .ok()
                .filter(|v| *v > 0)
                .map(ProfileAction::Restore),
            _ => None,
        }
    }
}

/// Licence pages past this are no page (a forged number).
const MAX_LICENCE_PAGE: u32 = 1000;

/// The answers given so far, and which questions were asked (an optional
/// field skipped is asked, not missing).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Form {
    draft: ProfileDraft,
    asked: Vec<String>,
    /// A field of the saved profile being changed (its answer goes to the
    /// profile, not into `draft`): kept so that a lost position loses
    /// nothing here either.
    #[serde(default)]
    changing: Option<String>,
}

impl Form {
    fn next_question(&self) -> Option<ProfileField> {
        ProfileField::ALL
            .into_iter()
            .find(|field| !self.asked.iter().any(|asked| asked == field.as_str()))
    }

    /// The question open, and whether it changes the saved profile.
    fn open_question(&self) -> Option<(ProfileField, bool)> {
        match &self.changing {
            Some(code) => ProfileField::parse(code).map(|field| (field, true)),
            None => self.next_question().map(|field| (field, false)),
        }
    }
}

impl Conversation for Form {
    const KIND: DraftKind = DraftKind::Profile;

    /// The question open; with every one answered the summary card is on
    /// screen, and a message is no answer.
    fn position(&self) -> Option<State> {
        self.open_question()
            .map(|(field, editing)| State::ProfileAnswer {
                field: field.as_str().to_owned(),
                editing,
            })
    }
}

/// The section's screen: the card, or an invitation to fill it in.
pub async fn section_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Screen, HandlerError> {
    Ok(match profile::get(db, &services.vault, user_id).await? {
        Some(profile) => {
            // Back at the card, a change of a field left unanswered is
            // given up: a message days later must not change the profile.
            conversation::discard::<Form>(db, user_id).await?;
            let confirmed = accounts::is_confirmed(db, user_id).await?;
            card_screen(t, &profile, t.msg("profile-title"), confirmed)
        }
        None => {
            let started: Option<Form> = conversation::load(db, services, user_id).await?;
            let fill = if started.is_some() {
                t.msg("profile-continue")
            } else {
                t.msg("profile-fill")
            };
            let mut rows = vec![
                vec![button(fill, Action::Profile(ProfileAction::Fill))],
                // Diplomas do not wait for the personal data.
                vec![button(t.msg("edu-button"), Action::EDUCATION)],
            ];
            if accounts::is_confirmed(db, user_id).await? {
                rows.push(vec![organisation_button(t)]);
            }
            rows.push(vec![button(t.msg("button-back"), Action::Home)]);
            Screen {
                text: t.msg("profile-empty"),
                keyboard: Keyboard::new(rows),
            }
        }
    })
}

/// «🏥 Организация»: only on a confirmed account's profile (the register's
/// facts are for it alone).
fn organisation_button(t: Texts) -> Button {
    button(
        t.msg("org-button"),
        Action::Profile(ProfileAction::Organisation(0)),
    )
}

fn card_screen(t: Texts, profile: &Profile, heading: String, confirmed: bool) -> Screen {
    let mut rows = vec![
        vec![
            button(t.msg("profile-edit"), Action::Profile(ProfileAction::Edit)),
            button(
                t.msg("profile-history"),
                Action::Profile(ProfileAction::History),
            ),
        ],
        vec![button(t.msg("edu-button"), Action::EDUCATION)],
    ];
    if confirmed {
        rows.push(vec![organisation_button(t)]);
    }
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Screen {
        text: format!("{heading}\n\n{}", card(t, &profile.to_draft())),
        keyboard: Keyboard::new(rows),
    }
}

/// The fields as a card; values are escaped, empty optional ones marked.
fn card(t: Texts, draft: &ProfileDraft) -> String {
    ProfileField::ALL
        .into_iter()
        .map(|field| {
            // As people write it, typed or stored: one form on every card.
            let value = match field.value(draft) {
                Some(value) => field.shown(value),
                None => "—".to_owned(),
            };
            t.msg_with(
                "profile-card-line",
                [
                    ("field", Arg::Text(&label(t, field))),
                    ("value", Arg::Text(&value)),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn label(t: Texts, field: ProfileField) -> String {
    match field {
        ProfileField::FullName => t.msg("profile-field-full-name"),
        ProfileField::BirthDate => t.msg("profile-field-birth-date"),
        ProfileField::Address => t.msg("profile-field-address"),
        ProfileField::Email => t.msg("profile-field-email"),
        ProfileField::Inn => t.msg("profile-field-inn"),
        ProfileField::Passport => t.msg("profile-field-passport"),
        ProfileField::PassportIssuedOn => t.msg("profile-field-passport-issued-on"),
        ProfileField::DivisionCode => t.msg("profile-field-division-code"),
        ProfileField::PassportIssuedBy => t.msg("profile-field-passport-issued-by"),
    }
}

fn question(t: Texts, field: ProfileField) -> String {
    match field {
        ProfileField::FullName => t.msg("profile-ask-full-name"),
        ProfileField::BirthDate => t.msg("profile-ask-birth-date"),
        ProfileField::Address => t.msg("profile-ask-address"),
        ProfileField::Email => t.msg("profile-ask-email"),
        ProfileField::Inn => t.msg("profile-ask-inn"),
        ProfileField::Passport => t.msg("profile-ask-passport"),
        ProfileField::PassportIssuedOn => t.msg("profile-ask-passport-issued-on"),
        ProfileField::DivisionCode => t.msg("profile-ask-division-code"),
        ProfileField::PassportIssuedBy => t.msg("profile-ask-passport-issued-by"),
    }
}

/// A question, with «Пропустить» under an optional one; `before` (what
/// was wrong with the last answer) comes in the same message.
fn question_screen(t: Texts, field: ProfileField, before: Option<String>) -> Screen {
    let text = match before {
        Some(before) => format!("{before}\n\n{}", question(t, field)),
        None => question(t, field),
    };
    let rows = if field.is_required() {
        Vec::new()
    } else {
        vec![vec![button(
            t.msg("profile-skip"),
            Action::Profile(ProfileAction::Skip(field)),
        )]]
    };
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

/// Back to the profile's card (named by where it goes).
fn back_to_profile(t: Texts) -> Vec<Button> {
    vec![button(
        t.msg("profile-back"),
        Action::Open(Section::Profile),
    )]
}

/// What is wrong, in the user's words, prefixed with the field.
fn problem(t: Texts, problem: ProfileProblem) -> String {
    use medcab_core::domain::{
        DivisionCodeError, EmailError, InnError, PassportError, PersonNameError,
    };
    let reason = match problem {
        ProfileProblem::Missing(_) => t.msg("profile-problem-missing"),
        ProfileProblem::FullName(PersonNameError::TooFewParts | PersonNameError::Empty) => {
            t.msg("profile-problem-name-parts")
        }
        ProfileProblem::FullName(PersonNameError::InvalidCharacters) => {
            t.msg("profile-problem-name-letters")
        }
        ProfileProblem::FullName(_) => t.msg("profile-problem-name-long"),
        ProfileProblem::BirthDate(date) | ProfileProblem::PassportIssuedOn(date) => {
            records::date_problem(t, date)
        }
        ProfileProblem::PassportIssuedTooYoung { earliest } => t.msg_with(
            "profile-problem-passport-age",
            [("date", Arg::Text(&t.date(earliest)))],
        ),
        ProfileProblem::Address(text) | ProfileProblem::PassportIssuedBy(text) => {
            records::text_problem(t, text)
        }
        ProfileProblem::Email(EmailError::TooLong) => t.msg("profile-problem-email-long"),
        ProfileProblem::Email(_) => t.msg("profile-problem-email"),
        ProfileProblem::Inn(InnError::Checksum) => t.msg("profile-problem-inn-checksum"),
        ProfileProblem::Inn(InnError::WrongLength { digits }) => t.msg_with(
            "profile-problem-inn-length",
            [("digits", Arg::count(digits))],
        ),
        ProfileProblem::Inn(_) => t.msg("profile-problem-digits"),
        ProfileProblem::Passport(PassportError::WrongLength { digits }) => t.msg_with(
            "profile-problem-passport-length",
            [("digits", Arg::count(digits))],
        ),
        ProfileProblem::Passport(_) => t.msg("profile-problem-digits"),
        ProfileProblem::DivisionCode(DivisionCodeError::WrongLength { .. })
        | ProfileProblem::DivisionCode(_) => t.msg("profile-problem-division-code"),
    };
    t.msg_with(
        "profile-problem",
        [
            ("field", Arg::Text(&label(t, problem.field()))),
            ("reason", Arg::Text(&reason)),
        ],
    )
}

/// The problems that concern one field.
fn problems_of(problems: &[ProfileProblem], field: ProfileField) -> Vec<ProfileProblem> {
    problems
        .iter()
        .copied()
        .filter(|p| p.field() == field)
        .collect()
}

/// Buttons under a profile screen. The step-up gate (`step_up`) let the
/// press through: the session is open.
pub async fn act(turn: Turn, press: Press, action: ProfileAction) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    let (user_id, t) = (*user, *t);
    match action {
        // Answered after the fact: a refused restore says so on the button.
        ProfileAction::Restore(version) => {
            return restore(&turn, &press, version).await;
        }
        ProfileAction::Skip(field) => {
            return skip(&turn, &press, field).await;
        }
        _ => {}
    }
    ui.answer(&press).await?;
    match action {
        ProfileAction::Fill => {
            let form: Form = conversation::load(db, services, user_id)
                .await?
                .unwrap_or_default();
            ask_next(&turn, form, None).await
        }
        ProfileAction::Save => save(&turn, &press).await,
        ProfileAction::Organisation(page) => {
            let card = super::organisation::card_screen(t, db, services, user_id, page).await?;
            ui.replace(&press, card).await
        }
        ProfileAction::Edit => {
            let fields = ProfileField::ALL.into_iter().map(|field| {
                button(
                    label(t, field),
                    Action::Profile(ProfileAction::EditField(field)),
                )
            });
            let keyboard = Keyboard::column(fields).append_row(back_to_profile(t));
            ui.replace(&press, Screen::new(t.msg("profile-edit-which"), keyboard))
                .await
        }
        ProfileAction::EditField(field) => {
            let form = Form {
                changing: Some(field.as_str().to_owned()),
                ..Form::default()
            };
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            ui.show(question_screen(t, field, None)).await
        }
        ProfileAction::History => history(&turn, &press).await,
        // Handled above.
        ProfileAction::Restore(_) | ProfileAction::Skip(_) => Ok(()),
    }
}

/// «Пропустить» under an optional question: the field is left empty, as
/// an answer. Only the question open takes it (the one in Redis, or after
/// a flush the one the draft is at); a button from an earlier question is
/// outdated.
async fn skip(turn: &Turn, press: &Press, field: ProfileField) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (user_id, t) = (*user, *t);
    // A button left from an earlier screen: it no longer means anything.
    let outdated = || ui.answer_with(press, t.msg("button-outdated"));
    let state = dialogue.get().await.ok().flatten().unwrap_or_default();
    let editing = match state {
        State::ProfileAnswer {
            field: open,
            editing,
        } if open == field.as_str() => editing,
        State::Idle => {
            let form: Option<Form> = conversation::load(db, services, user_id).await?;
            match form.and_then(|form| form.open_question()) {
                Some((open, editing)) if open == field => editing,
                _ => return outdated().await,
            }
        }
        _ => return outdated().await,
    };
    ui.answer(press).await?;
    // The question's message says what was done; its button goes.
    let done = Screen {
        text: t.msg_with("profile-skipped", [("field", Arg::Text(&label(t, field)))]),
        keyboard: Keyboard::default(),
    };
    ui.replace(press, done).await?;
    take(turn, field, editing, None).await
}

/// Asks the next unanswered question, or shows the summary card when all
/// are answered. `before` is what was wrong, said with the question.
async fn ask_next(turn: &Turn, form: Form, before: Option<String>) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let t = *t;
    conversation::restore(dialogue, &form).await?;
    if let Some(field) = form.next_question() {
        return ui.show(question_screen(t, field, before)).await;
    }
    let today = medcab_core::clock::moscow_today(services.clock.now());
    match profile::validate(&form.draft, today) {
        Ok(_) => {
            let screen = Screen {
                text: format!("{}\n\n{}", t.msg("profile-check"), card(t, &form.draft)),
                keyboard: Keyboard::new([[
                    button(t.msg("profile-save"), Action::Profile(ProfileAction::Save)),
                    button(t.msg("profile-fix"), Action::Profile(ProfileAction::Edit)),
                ]]),
            };
            ui.show(screen).await
        }
        // Answers that were fine alone but not together (a passport issued
        // before the age of 14): ask the field again.
        Err(problems) => {
            let field = problems[0].field();
            let mut form = form;
            form.asked.retain(|asked| asked != field.as_str());
            conversation::save(db, services, *user, &form).await?;
            let reason = problem(t, problems[0]);
            Box::pin(ask_next(turn, form, Some(reason))).await
        }
    }
}

/// The answer to the open question.
pub async fn receive_answer(turn: Turn, said: Said, state: State) -> HandlerResult {
    let State::ProfileAnswer { field, editing } = state else {
        return Ok(());
    };
    let Some(field) = ProfileField::parse(&field) else {
        turn.dialogue.exit().await?;
        return Ok(());
    };
    let Some(text) = said.text() else {
        // A photo of the passport instead of its number: personal too, it
        // leaves the chat like a typed answer.
        code_entry::forget(&turn.ui, &said).await;
        return turn.ui.show(question_screen(turn.t, field, None)).await;
    };
    let value = Some(text.trim()).filter(|value| !value.is_empty());
    let taken = take(&turn, field, editing, value).await;
    // Personal data: off the chat once stored (or refused).
    code_entry::forget(&turn.ui, &said).await;
    taken
}

/// /cancel: gives up the profile being filled in (or the field being
/// changed), at a question (`answering`) or left by a Redis flush: the next
/// message is no answer then. Whether there was one.
pub async fn cancel_draft(
    db: &PgPool,
    user_id: UserId,
    answering: bool,
) -> Result<bool, HandlerError> {
    conversation::cancel::<Form>(db, user_id, answering).await
}

/// A profile answer after Redis lost the position: the question the
/// draft is at is put back, and the message answers it.
pub async fn resume(turn: Turn, said: Said, form: Form) -> HandlerResult {
    let Some(state) = form.position() else {
        return Ok(());
    };
    turn.dialogue.update(state.clone()).await?;
    receive_answer(turn, said, state).await
}

/// An answer (typed, or `None` for a skipped field): stored in the draft
/// when filling in, in the profile when changing a field of it.
async fn take(
    turn: &Turn,
    field: ProfileField,
    editing: bool,
    value: Option<&str>,
) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (user_id, t) = (*user, *t);
    let now = services.clock.now();

    if editing {
        let actor = Actor::Practitioner(user_id);
        return match profile::update_field(db, &services.vault, user_id, field, value, actor, now)
            .await
        {
            Ok(updated) => {
                conversation::finish::<Form>(db, dialogue, user_id).await?;
                let confirmed = accounts::is_confirmed(db, user_id).await?;
                let saved = card_screen(t, &updated, t.msg("profile-saved"), confirmed);
                ui.show(saved).await
            }
            Err(ProfileError::Invalid(problems)) => {
                let mine = problems_of(&problems, field);
                let reason = match mine.first().or(problems.first()) {
                    Some(first) => problem(t, *first),
                    None => t.msg("profile-problem-missing"),
                };
                ui.show(question_screen(t, field, Some(reason))).await
            }
            Err(ProfileError::NotFound) => {
                conversation::finish::<Form>(db, dialogue, user_id).await?;
                let screen = section_screen(t, db, services, user_id).await?;
                ui.show(screen).await
            }
            Err(error) => Err(error.into()),
        };
    }

    let mut form: Form = conversation::load(db, services, user_id)
        .await?
        .unwrap_or_default();
    *field.slot(&mut form.draft) = value.map(str::to_owned);
    let today = medcab_core::clock::moscow_today(now);
    let problems = match profile::validate(&form.draft, today) {
        Ok(_) => Vec::new(),
        Err(problems) => problems_of(&problems, field),
    };
    // A required field left empty is a problem now; other fields' gaps are
    // only the questions still to come.
    if let Some(first) = problems.first() {
        conversation::save(db, services, user_id, &form).await?;
        let reason = problem(t, *first);
        return ui.show(question_screen(t, field, Some(reason))).await;
    }
    if !form.asked.iter().any(|asked| asked == field.as_str()) {
        form.asked.push(field.as_str().to_owned());
    }
    conversation::save(db, services, user_id, &form).await?;
    ask_next(turn, form, None).await
}

async fn restore(turn: &Turn, press: &Press, version: i32) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    let actor = Actor::Practitioner(user_id);
    let now = services.clock.now();
    match profile::restore_profile(db, &services.vault, user_id, version, actor, now).await {
        Ok(Some(restored)) => {
            ui.answer(press).await?;
            let heading = t.msg_with(
                "profile-restored",
                [("version", Arg::Number(version.into()))],
            );
            let confirmed = accounts::is_confirmed(db, user_id).await?;
            ui.replace(press, card_screen(t, &restored, heading, confirmed))
                .await
        }
        // Someone else's version (a forged button), or one that no longer
        // passes the rules: nothing changes.
        Ok(None) | Err(ProfileError::Invalid(_)) => {
            tracing::info!(
                user_id = user_id.get(),
                version,
                "a profile version that cannot be restored was asked for"
            );
            ui.answer_with(press, t.msg("button-outdated")).await
        }
        Err(error) => {
            ui.answer(press).await?;
            Err(error.into())
        }
    }
}

async fn save(turn: &Turn, press: &Press) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    let Some(form) = conversation::load::<Form>(db, services, user_id).await? else {
        // Saved already (a double tap), or never started.
        let screen = section_screen(t, db, services, user_id).await?;
        return ui.replace(press, screen).await;
    };
    let now = services.clock.now();
    let today = medcab_core::clock::moscow_today(now);
    let Ok(valid) = profile::validate(&form.draft, today) else {
        let screen = section_screen(t, db, services, user_id).await?;
        return ui.replace(press, screen).await;
    };
    profile::save(
        db,
        &services.vault,
        user_id,
        &valid,
        Actor::Practitioner(user_id),
        now,
    )
    .await?;
    conversation::discard::<Form>(db, user_id).await?;
    let confirmed = accounts::is_confirmed(db, user_id).await?;
    let card = card_screen(t, &valid, t.msg("profile-saved"), confirmed);
    ui.replace(press, card).await
}

async fn history(turn: &Turn, press: &Press) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let (user_id, t) = (*user, *t);
    let versions = profile::profile_versions(db, &services.vault, user_id).await?;
    let latest = versions.last().map(|v| v.version);
    let mut keyboard: Vec<Vec<_>> = versions
        .iter()
        .rev()
        .filter(|version| Some(version.version) != latest)
        .take(5)
        .map(|version| {
            vec![button(
                t.msg_with(
                    "profile-restore",
                    [("version", Arg::Number(version.version.into()))],
                ),
                Action::Profile(ProfileAction::Restore(version.version)),
            )]
        })
        .collect();
    keyboard.push(back_to_profile(t));
    let screen = Screen {
        text: format!(
            "{}\n\n{}",
            t.msg("profile-history-title"),
            records::version_lines(t, Entity::Profile, &versions)
        ),
        keyboard: Keyboard::new(keyboard),
    };
    ui.replace(press, screen).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_within_telegram_limits() {
        let mut actions = vec![
            ProfileAction::Fill,
            ProfileAction::Save,
            ProfileAction::Edit,
            ProfileAction::History,
            ProfileAction::Restore(12),
            ProfileAction::Skip(ProfileField::Email),
            ProfileAction::Skip(ProfileField::Inn),
            ProfileAction::Organisation(0),
            ProfileAction::Organisation(MAX_LICENCE_PAGE),
        ];
        actions.extend(ProfileField::ALL.into_iter().map(ProfileAction::EditField));
        for action in actions {
            let data = action.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(
                ProfileAction::parse(data.strip_prefix("pf:").unwrap()),
                Some(action)
            );
        }
        for forged in [
            "",
            "rs:0",
            "rs:-1",
            "rs:x",
            "ef:salary",
            "fill:1",
            // A required field cannot be skipped.
            "skip:passport",
            "skip:",
            "org",
            "org:",
            "org:-1",
            "org:01",
            "org:1001",
        ] {
            assert_eq!(ProfileAction::parse(forged), None, "{forged}");
        }
    }
}
