//! The practitioner's own changes to the schedule: a slot added or moved,
//! its times typed (and a new slot's place), each answer a sealed draft
//! (kind `schedule`, `records::conversation`), so a Redis flush or a
//! restart loses nothing typed. An overlap with any slot or shift is
//! refused by core and both are shown; the start is then asked again.
//!
//! ```text
//! user: <presses ➕ Добавить>, <presses 🩺 Приём>, <presses Первичный приём>
//! bot:  Начало — дата и время в виде ДД.ММ.ГГГГ ЧЧ:ММ, например 07.12.2026 09:00.
//! user: 30.02.2026 09:00
//! bot:  Такой даты нет: проверьте число и месяц. Начало — …
//! user: 07.12.2026 09:00
//! bot:  Окончание — время ЧЧ:ММ или дата и время ДД.ММ.ГГГГ ЧЧ:ММ.
//! user: 08:30
//! bot:  Приём не может закончиться раньше, чем начался … Окончание — …
//! user: 09:30
//! bot:  Кабинет — например, «каб. 214»:
//! user: каб. 214
//! bot:  ⚠️ Пересекается с другой записью — не сохранено.
//!       Новая: Пн, 07.12.2026, 09:00–09:30 · каб. 214 · перв.
//!       Уже есть: Пн, 07.12.2026, 09:15–09:45 · каб. 101 · приём
//!       Начало — … (asked again)
//! user: 07.12.2026 10:00
//! bot:  Окончание — …
//! user: 10:30
//! bot:  ✅ Добавлено. 🗓 Расписание — Пн, 07.12.2026 … (the day's list)
//! ```
//!
//! Moving asks the start and the end only; the place and the kind stay.
//! Times are the organisation's (the schedule's zone); a shift may cross
//! midnight (an end time before the start's is the next day's), an
//! appointment may not.

use chrono::{DateTime, NaiveDateTime, Utc};
use medcab_core::UserId;
use medcab_core::dates::{self, DateTimeError};
use medcab_core::drafts::Kind as DraftKind;
use medcab_core::schedule::{EditError, NewSlot, SlotKind, SpanProblem, TypedEnd, rules, store};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{SchedAction, act, day_screen, schedule_zone, slot_with_day};
use crate::chat::{Keyboard, Press, Said};
use crate::handlers::records::conversation::{self, Conversation};
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, State, Turn};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// A question of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Question {
    Start,
    End,
    Place,
}

/// The answers so far, a draft in PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    /// The slot being moved; `None`: a new one.
    pub moving: Option<i64>,
    /// The kind's detail code (`primary`, `on_call` …).
    pub kind: String,
    pub question: Question,
    /// As typed, checked already.
    pub start: Option<String>,
    pub end: Option<String>,
    /// A new slot's room or department, once given.
    #[serde(default)]
    pub place: Option<String>,
}

impl Conversation for Form {
    const KIND: DraftKind = DraftKind::Schedule;

    fn position(&self) -> Option<State> {
        Some(State::Schedule(self.question))
    }
}

impl Form {
    fn kind(&self) -> Option<SlotKind> {
        super::parse_kind(&self.kind)
    }

    fn shift(&self) -> bool {
        self.kind().is_some_and(SlotKind::is_shift)
    }
}

/// «Что добавить?»
pub fn add_screen(t: Texts) -> Screen {
    Screen {
        text: t.msg("schedule-add-title"),
        keyboard: Keyboard::new([
            vec![
                button(
                    t.msg("schedule-add-appointment"),
                    act(SchedAction::AddShift(false)),
                ),
                button(
                    t.msg("schedule-add-shift"),
                    act(SchedAction::AddShift(true)),
                ),
            ],
            vec![button(
                t.msg("schedule-back"),
                Action::Open(crate::handlers::actions::Section::Schedule),
            )],
        ]),
    }
}

/// The kinds of an appointment, or of a shift, to choose from.
pub fn kinds_screen(t: Texts, shift: bool) -> Screen {
    let kinds: Vec<SlotKind> = if shift {
        rules::Duty::ALL.map(SlotKind::Shift).to_vec()
    } else {
        rules::AppointmentKind::ALL
            .map(SlotKind::Appointment)
            .to_vec()
    };
    let kinds = kinds.into_iter().map(|kind| {
        button(
            t.msg_with("schedule-kind", [("detail", Arg::Text(kind.detail()))]),
            act(SchedAction::AddKind(kind)),
        )
    });
    let back = button(t.msg("schedule-back"), act(SchedAction::Add));
    Screen::new(
        t.msg_with(
            "schedule-add-kind",
            [("shift", Arg::Text(if shift { "yes" } else { "no" }))],
        ),
        Keyboard::column(kinds.chain([back])),
    )
}

fn question_screen(t: Texts, form: &Form, before: Option<String>) -> Screen {
    let shift = if form.shift() { "yes" } else { "no" };
    let asked = match form.question {
        Question::Start => t.msg("schedule-ask-start"),
        Question::End => t.msg_with("schedule-ask-end", [("shift", Arg::Text(shift))]),
        Question::Place => t.msg_with("schedule-ask-place", [("shift", Arg::Text(shift))]),
    };
    let text = match before {
        Some(before) => format!("{before}\n\n{asked}"),
        None => asked,
    };
    Screen {
        text,
        keyboard: Keyboard::new([[button(
            t.msg("schedule-give-up"),
            Action::Open(crate::handlers::actions::Section::Schedule),
        )]]),
    }
}

/// «➕ Добавить» → a kind: the start is asked.
pub async fn start_add(turn: &Turn, press: &Press, kind: SlotKind) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let form = Form {
        moving: None,
        kind: kind.detail().to_owned(),
        question: Question::Start,
        start: None,
        end: None,
        place: None,
    };
    conversation::keep(db, services, dialogue, *user, &form).await?;
    ui.replace(press, question_screen(*t, &form, None)).await
}

/// «↔️ Перенести»: the new start is asked.
pub async fn start_move(turn: &Turn, press: &Press, slot: &store::Slot) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let t = *t;
    let form = Form {
        moving: Some(slot.id),
        kind: slot.kind.detail().to_owned(),
        question: Question::Start,
        start: None,
        end: None,
        place: None,
    };
    conversation::keep(db, services, dialogue, *user, &form).await?;
    let now = t.msg_with(
        "schedule-moving",
        [("slot", Arg::Rendered(&slot_with_day(t, slot)))],
    );
    ui.replace(press, question_screen(t, &form, Some(now)))
        .await
}

/// A message while a question is open: the answer to `question`.
pub async fn receive(turn: Turn, said: Said, question: Question) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = &turn;
    let Some(mut form) = conversation::load::<Form>(db, services, *user).await? else {
        dialogue.exit().await?;
        let screen = super::section_screen(*t, db, services, *user).await?;
        return ui.show(screen).await;
    };
    form.question = question;
    answer(&turn, &said, form).await
}

/// The answer to the draft's question after a lost position.
pub async fn resume(turn: Turn, said: Said, form: Form) -> HandlerResult {
    conversation::restore(&turn.dialogue, &form).await?;
    answer(&turn, &said, form).await
}

fn when_problem(t: Texts, error: DateTimeError, end: bool) -> String {
    match error {
        DateTimeError::Shape if end => t.msg("schedule-end-shape"),
        DateTimeError::Shape => t.msg("schedule-start-shape"),
        DateTimeError::NoSuchDate => t.msg("schedule-no-such-date"),
        DateTimeError::NoSuchTime => t.msg("schedule-no-such-time"),
    }
}

fn span_problem(t: Texts, problem: SpanProblem, form: &Form) -> String {
    let shift = Arg::Text(if form.shift() { "yes" } else { "no" });
    match problem {
        SpanProblem::EndBeforeStart => t.msg_with("schedule-end-before-start", [("shift", shift)]),
        SpanProblem::TooLong => {
            let hours = if form.shift() {
                rules::MAX_SHIFT
            } else {
                rules::MAX_APPOINTMENT
            };
            t.msg_with(
                "schedule-too-long",
                [("shift", shift), ("hours", Arg::Number(hours.num_hours()))],
            )
        }
        SpanProblem::NoSuchLocalTime => t.msg("schedule-no-local-time"),
    }
}

fn read_end(text: &str) -> Result<TypedEnd, DateTimeError> {
    match dates::parse_date_time(text) {
        Ok(at) => Ok(TypedEnd::At(at)),
        Err(DateTimeError::Shape) => dates::parse_time(text).map(TypedEnd::Time),
        Err(error) => Err(error),
    }
}

async fn answer(turn: &Turn, said: &Said, mut form: Form) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (user_id, t) = (*user, *t);
    let Some(text) = said.text().map(str::trim) else {
        return ui.show(question_screen(t, &form, None)).await;
    };
    let Some(kind) = form.kind() else {
        // A draft of an older version that names no kind: given up.
        conversation::finish::<Form>(db, dialogue, user_id).await?;
        let screen = super::section_screen(t, db, services, user_id).await?;
        return ui.show(screen).await;
    };
    let zone = schedule_zone(db, user_id, t).await?;
    let refuse = |form: &Form, reason: String| ui.show(question_screen(t, form, Some(reason)));
    match form.question {
        Question::Start => {
            if let Err(error) = dates::parse_date_time(text) {
                return refuse(&form, when_problem(t, error, false)).await;
            }
            form.start = Some(text.to_owned());
            form.question = Question::End;
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            ui.show(question_screen(t, &form, None)).await
        }
        Question::End => {
            let start = form
                .start
                .as_deref()
                .and_then(|start| dates::parse_date_time(start).ok());
            let Some(start) = start else {
                form.question = Question::Start;
                conversation::keep(db, services, dialogue, user_id, &form).await?;
                return ui.show(question_screen(t, &form, None)).await;
            };
            let end = match read_end(text) {
                Ok(end) => end,
                Err(error) => return refuse(&form, when_problem(t, error, true)).await,
            };
            let span = match rules::span_of(kind.is_shift(), start, end, zone) {
                Ok(span) => span,
                Err(problem) => return refuse(&form, span_problem(t, problem, &form)).await,
            };
            form.end = Some(text.to_owned());
            match form.moving {
                Some(id) => {
                    let now = services.clock.now();
                    let moved = store::move_slot(db, &services.vault, user_id, id, span, now).await;
                    finish(turn, form, moved, "schedule-moved").await
                }
                None => {
                    form.question = Question::Place;
                    conversation::keep(db, services, dialogue, user_id, &form).await?;
                    ui.show(question_screen(t, &form, None)).await
                }
            }
        }
        Question::Place => {
            let place = match rules::place(text) {
                Ok(place) => place,
                Err(rules::PlaceProblem::Empty) => {
                    return refuse(&form, t.msg("schedule-place-empty")).await;
                }
                Err(rules::PlaceProblem::TooLong) => {
                    let limit = Arg::count(rules::PLACE_MAX_CHARS);
                    return refuse(
                        &form,
                        t.msg_with("schedule-place-too-long", [("chars", limit)]),
                    )
                    .await;
                }
            };
            form.place = Some(place.clone());
            let span = spans_of(&form, kind, zone);
            let Some(span) = span else {
                form.question = Question::Start;
                conversation::keep(db, services, dialogue, user_id, &form).await?;
                return ui.show(question_screen(t, &form, None)).await;
            };
            let new = NewSlot {
                kind,
                span,
                zone,
                place,
            };
            let now = services.clock.now();
            let added = store::add(db, &services.vault, user_id, &new, now).await;
            finish(turn, form, added, "schedule-added").await
        }
    }
}

/// The span the form's answers give, when both read.
fn spans_of(form: &Form, kind: SlotKind, zone: chrono_tz::Tz) -> Option<rules::Span> {
    let start: NaiveDateTime = dates::parse_date_time(form.start.as_deref()?).ok()?;
    let end = read_end(form.end.as_deref()?).ok()?;
    rules::span_of(kind.is_shift(), start, end, zone).ok()
}

/// After core's answer: the day's list with what was done, or both slots
/// of an overlap and the start asked again.
async fn finish(
    turn: &Turn,
    mut form: Form,
    outcome: Result<store::Slot, EditError>,
    done: &str,
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
    match outcome {
        Ok(slot) => {
            conversation::finish::<Form>(db, dialogue, user_id).await?;
            let day = rules::day_of(slot.zone, slot.span);
            let screen = day_screen(t, db, services, user_id, day, 0, Some(t.msg(done))).await?;
            ui.show(screen).await
        }
        Err(EditError::Conflict(other)) => {
            let attempted = attempted_line(t, db, services, user_id, &form).await?;
            form.question = Question::Start;
            form.start = None;
            form.end = None;
            conversation::keep(db, services, dialogue, user_id, &form).await?;
            let reason = t.msg_with(
                "schedule-conflict",
                [
                    ("new", Arg::Text(&attempted)),
                    ("existing", Arg::Rendered(&slot_with_day(t, &other))),
                ],
            );
            ui.show(question_screen(t, &form, Some(reason))).await
        }
        Err(EditError::NotFound) => {
            conversation::finish::<Form>(db, dialogue, user_id).await?;
            let screen = super::section_screen(t, db, services, user_id).await?;
            let screen = Screen {
                text: format!("{}\n\n{}", t.msg("schedule-gone"), screen.text),
                keyboard: screen.keyboard,
            };
            ui.show(screen).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The refused slot as a line, for the overlap's message.
async fn attempted_line(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    form: &Form,
) -> Result<String, HandlerError> {
    let zone = schedule_zone(db, user_id, t).await?;
    let kind = form.kind().ok_or("a form without a kind")?;
    let span = spans_of(form, kind, zone).ok_or("a refused form without its times")?;
    let place = match form.moving {
        Some(id) => store::of_owner(db, &services.vault, user_id, id)
            .await?
            .map(|slot| slot.place)
            .unwrap_or_default(),
        None => form.place.clone().unwrap_or_default(),
    };
    let slot = store::Slot {
        id: 0,
        owner: user_id,
        kind,
        span,
        zone,
        place,
        uid: uuid::Uuid::nil(),
        imported: false,
        changed_by_practitioner: false,
        cancelled: false,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    };
    Ok(slot_with_day(t, &slot))
}

/// /cancel: gives up a slot being added or moved.
pub async fn cancel_draft(
    db: &PgPool,
    user_id: UserId,
    answering: bool,
) -> Result<bool, HandlerError> {
    conversation::cancel::<Form>(db, user_id, answering).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_is_a_time_or_a_date_and_time() {
        assert!(matches!(read_end("08:00"), Ok(TypedEnd::Time(_))));
        assert!(matches!(read_end("08.12.2026 08:00"), Ok(TypedEnd::At(_))));
        assert_eq!(read_end("30.02.2026 08:00"), Err(DateTimeError::NoSuchDate));
        assert_eq!(read_end("25:00"), Err(DateTimeError::NoSuchTime));
        assert_eq!(read_end("утром"), Err(DateTimeError::Shape));
    }
}
