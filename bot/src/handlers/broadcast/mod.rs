//! Operators publish from the bot: regulatory notices (/notice), inspections
//! (/inspection) and the notices the configured feed proposed (/notices, or
//! «📥 Предложено из ленты» on /notice's first screen); and they cancel an
//! inspection (/inspections, or «🗓 Назначенные проверки» on /inspection's
//! first screen; see [`scheduled`]).
//!
//! Each is a short guided dialogue, one question per message, ending in a
//! preview that shows exactly the push practitioners will read and how many
//! will get it, and an explicit «📤 Отправить». Then the preview turns into
//! a progress message, edited as delivery goes (see [`progress`]).
//!
//! Whether the user is an operator is asked again on every command, every
//! typed answer and every button (a role can be revoked between two taps,
//! and callback_data is user input); a refusal is the same as /review's and
//! is recorded in the security log. A proposal's id in a button is only a
//! claim: core publishes a proposal once (`notices::approve` refuses one
//! already decided), so a replayed or forged «Опубликовать» sends nothing.
//!
//! The answers of an unfinished dialogue live in the dialogue state in
//! Redis, not in PostgreSQL's `drafts`: they are a public text an operator
//! is writing, not anyone's personal data, and a Redis flush costs the
//! operator one dialogue at most (a button of the lost draft says so;
//! /notice or /inspection starts again). Nothing is published without the
//! explicit «📤 Отправить» of the draft on screen: the button carries the
//! draft's nonce, so a preview left from an earlier draft sends nothing.
//!
//! ```text
//! operator: /notice
//! bot:      📢 Новое уведомление об изменениях в нормативных документах.
//!           Шаг 1 из 5. Напишите заголовок … [📥 Предложено из ленты (2)] [✖️ Отмена]
//! operator: Приказ Минздрава № 123н
//! bot:      Шаг 2 из 5. Напишите краткое содержание …
//! operator: С 1 марта меняется порядок …
//! bot:      Шаг 3 из 5. Пришлите ссылку … [Без ссылки]
//! operator: ftp://example
//! bot:      Ссылка должна начинаться с http:// или https:// …
//! operator: https://example.org/123n
//! bot:      Шаг 4 из 5. Для каких специальностей? … [Всем]
//! operator: Терапия, Кардиология
//! bot:      Шаг 5 из 5. Для каких регионов? … [Всем]
//! operator: <presses Всем>
//! bot:      (the same message) Предпросмотр … <the push> … Получат: 2 человека
//!           [📤 Отправить] [✏️ Изменить…] [✖️ Отмена]
//! operator: <presses 📤 Отправить>
//! bot:      (the same message) 📤 Уведомление «Приказ …»
//!           Отправлено 1 из 2, не доставлено 0.
//!           … edited until: ✅ Готово … Отправлено 2 из 2, не доставлено 0.
//! operator: /inspection
//! bot:      🔎 Новая проверка. Кого она касается? [🏥 Организация] [🗺 Регион]
//! … name, (for an organisation) its region or «Во всех регионах», the date
//! ДД.ММ.ГГГГ (not in the past), the kind [Плановая выездная] …, what to
//! prepare, the preview with the count, 📤 Отправить, the progress.
//! operator: /notices
//! bot:      📥 Предложено из ленты: 2 … [1. Приказ …] [2. …]
//! operator: <presses 1. Приказ …>
//! bot:      (the same message) <the push> … Получат: … [📤 Опубликовать] [🗑 Отклонить]
//! not an operator: /notice
//! bot:      Это действие доступно только сотрудникам, проверяющим заявки.
//! ```

mod inspection;
mod notice;
pub(crate) mod progress;
mod proposals;
mod scheduled;

use chrono::{DateTime, NaiveDate, Utc};
use dptree::case;
use medcab_core::audience::Reach;
use medcab_core::inspections::InspectionKind;
use medcab_core::notices;
use medcab_core::review::StaffRefusal;
use medcab_core::{Language, UserId};
// Cuts a long text for a screen or a button, as the feed cuts its items.
use medcab_core::notices::feed::truncate as shorten;
use medcab_core::outbox::Payload;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::commands::Command;
use super::screen::{Screen, button};
use super::staff::{self, Gate, Then, record_refusal};
use super::{Action, HandlerError, HandlerResult, Routes, State, Turn};
use crate::chat::{Button, Keyboard, Press, Said};
use crate::i18n::{Arg, Texts};

/// A list of specialties or regions on a preview, in characters: the
/// preview must stay within Telegram's 4096.
const LIST_SHOWN: usize = 600;

/// An unfinished dialogue: the answers so far and the question open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Compose {
    Notice(notice::Draft),
    Inspection(inspection::Draft),
}

/// A question of the dialogues (and a field «✏️ Изменить…» offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    // A regulatory notice.
    Title,
    Summary,
    Link,
    Specialties,
    Regions,
    // An inspection.
    Target,
    Place,
    Region,
    Date,
    Kind,
    Prepare,
}

impl Field {
    const ALL: [Field; 11] = [
        Field::Title,
        Field::Summary,
        Field::Link,
        Field::Specialties,
        Field::Regions,
        Field::Target,
        Field::Place,
        Field::Region,
        Field::Date,
        Field::Kind,
        Field::Prepare,
    ];

    fn code(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Link => "link",
            Field::Specialties => "specialties",
            Field::Regions => "regions",
            Field::Target => "target",
            Field::Place => "place",
            Field::Region => "region",
            Field::Date => "date",
            Field::Kind => "kind",
            Field::Prepare => "prepare",
        }
    }

    fn from_code(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.code() == code)
    }
}

/// Whom an inspection concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Organisation,
    Region,
}

/// An operator's button of the broadcast dialogues. Ids in it are claims,
/// re-checked in core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BcAction {
    /// «Без ссылки» at the link question.
    NoLink,
    /// «Всем» (specialties, regions) or «Во всех регионах».
    Everyone,
    /// «🏥 Организация» or «🗺 Регион» for an inspection.
    Target(Target),
    /// An inspection's kind.
    Kind(InspectionKind),
    /// «📤 Отправить» on the preview of the draft with this nonce: a
    /// preview left from an earlier draft does not send the current one.
    Send(u32),
    /// «✏️ Изменить…»: which field.
    Edit,
    /// Change this field, then come back to the preview.
    EditField(Field),
    /// Back to the preview.
    Preview,
    /// «✖️ Отмена»: the draft is dropped.
    Cancel,
    /// The feed's proposals.
    Proposals,
    /// One proposal's card.
    Proposal(i64),
    Publish(i64),
    Dismiss(i64),
    /// «🗓 Назначенные проверки»: the upcoming inspections.
    Inspections,
    /// One inspection's card.
    Inspection(i64),
    /// «✖️ Отменить проверку»: the confirmation.
    AskCancelInspection(i64),
    /// «Да, отменить».
    CancelInspection(i64),
}

impl BcAction {
    /// The part after `bc:` in callback_data.
    pub fn encode(self) -> String {
        match self {
            BcAction::NoLink => "nolink".to_owned(),
            BcAction::Everyone => "all".to_owned(),
            BcAction::Target(Target::Organisation) => "to:org".to_owned(),
            BcAction::Target(Target::Region) => "to:region".to_owned(),
            BcAction::Kind(kind) => format!("kind:{}", kind.as_str()),
            BcAction::Send(nonce) => format!("send:{nonce}"),
            BcAction::Edit => "edit".to_owned(),
            BcAction::EditField(field) => format!("edit:{}", field.code()),
            BcAction::Preview => "preview".to_owned(),
            BcAction::Cancel => "cancel".to_owned(),
            BcAction::Proposals => "feed".to_owned(),
            BcAction::Proposal(id) => format!("feed:{id}"),
            BcAction::Publish(id) => format!("pub:{id}"),
            BcAction::Dismiss(id) => format!("dis:{id}"),
            BcAction::Inspections => "insp".to_owned(),
            BcAction::Inspection(id) => format!("insp:{id}"),
            BcAction::AskCancelInspection(id) => format!("icx:{id}"),
            BcAction::CancelInspection(id) => format!("icy:{id}"),
        }
    }

    pub fn parse(data: &str) -> Option<BcAction> {
        match data {
            "nolink" => return Some(BcAction::NoLink),
            "all" => return Some(BcAction::Everyone),
            "edit" => return Some(BcAction::Edit),
            "preview" => return Some(BcAction::Preview),
            "cancel" => return Some(BcAction::Cancel),
            "feed" => return Some(BcAction::Proposals),
            "insp" => return Some(BcAction::Inspections),
            _ => {}
        }
        let (verb, rest) = data.split_once(':')?;
        match verb {
            "to" => match rest {
                "org" => Some(BcAction::Target(Target::Organisation)),
                "region" => Some(BcAction::Target(Target::Region)),
                _ => None,
            },
            "kind" => InspectionKind::parse(rest).map(BcAction::Kind),
            "send" => nonce(rest).map(BcAction::Send),
            "edit" => Field::from_code(rest).map(BcAction::EditField),
            "feed" => id(rest).map(BcAction::Proposal),
            "pub" => id(rest).map(BcAction::Publish),
            "dis" => id(rest).map(BcAction::Dismiss),
            "insp" => id(rest).map(BcAction::Inspection),
            "icx" => id(rest).map(BcAction::AskCancelInspection),
            "icy" => id(rest).map(BcAction::CancelInspection),
            _ => None,
        }
    }

    /// What was attempted, for the security log.
    fn name(self) -> &'static str {
        match self {
            BcAction::Proposals | BcAction::Proposal(_) => "view_proposals",
            BcAction::Publish(_) => "publish_proposal",
            BcAction::Dismiss(_) => "dismiss_proposal",
            BcAction::Send(_) => "broadcast_send",
            BcAction::Inspections | BcAction::Inspection(_) | BcAction::AskCancelInspection(_) => {
                "view_inspections"
            }
            BcAction::CancelInspection(_) => "cancel_inspection",
            _ => "broadcast_compose",
        }
    }

    /// One of each, for the round-trip test of callback_data.
    #[cfg(test)]
    pub fn examples() -> Vec<BcAction> {
        let big = i64::MAX;
        let mut all = vec![
            BcAction::NoLink,
            BcAction::Everyone,
            BcAction::Target(Target::Organisation),
            BcAction::Target(Target::Region),
            BcAction::Send(0),
            BcAction::Send(u32::MAX),
            BcAction::Edit,
            BcAction::Preview,
            BcAction::Cancel,
            BcAction::Proposals,
            BcAction::Proposal(big),
            BcAction::Publish(big),
            BcAction::Dismiss(1),
            BcAction::Inspections,
            BcAction::Inspection(big),
            BcAction::AskCancelInspection(big),
            BcAction::CancelInspection(big),
        ];
        all.extend(InspectionKind::ALL.map(BcAction::Kind));
        all.extend(Field::ALL.map(BcAction::EditField));
        all
    }
}

/// A positive id written in plain digits: one spelling per id.
fn id(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

/// A draft's nonce in plain digits, one spelling each.
fn nonce(text: &str) -> Option<u32> {
    if text == "0" {
        return Some(0);
    }
    id(text).and_then(|n| u32::try_from(n).ok())
}

/// A fresh draft's nonce.
fn new_nonce() -> u32 {
    uuid::Uuid::new_v4().as_fields().0
}

/// «📤 Отправить» · «✏️ Изменить…» · «✖️ Отмена» under a preview.
fn preview_keyboard(t: Texts, nonce: u32) -> Keyboard {
    Keyboard::new([
        vec![button(
            t.msg("broadcast-send"),
            Action::Bc(BcAction::Send(nonce)),
        )],
        vec![
            button(t.msg("broadcast-edit"), Action::Bc(BcAction::Edit)),
            button(t.msg("broadcast-cancel"), Action::Bc(BcAction::Cancel)),
        ],
    ])
}

/// The broadcasts' routes. They come before onboarding: operators need not
/// be practitioners with an account of their own.
pub fn routes() -> Routes {
    let commands = super::command()
        .branch(case![Command::Notice].endpoint(notice_command))
        .branch(case![Command::Inspection].endpoint(inspection_command))
        .branch(case![Command::Notices].endpoint(proposals::command))
        .branch(case![Command::Inspections].endpoint(scheduled::command));
    // Another command while a question is open is that command.
    let answers = dptree::filter(|said: Said| !said.text().is_some_and(|t| t.starts_with('/')))
        .branch(case![State::Broadcast(compose)].endpoint(receive));
    let actions =
        dptree::filter_map(Action::from_press).branch(case![Action::Bc(action)].endpoint(press));
    dptree::entry()
        .branch(crate::handlers::said().branch(commands).branch(answers))
        .branch(crate::handlers::pressed().branch(actions))
}

/// The operator typing: the user's id, if they may (an operator without a
/// staff session is asked for the code, and the command runs again after
/// it: see `staff`).
async fn operator_of(turn: &Turn, attempted: &str) -> Result<Option<UserId>, HandlerError> {
    let then = match attempted {
        "notice" => Then::Notice,
        "inspection" => Then::Inspection,
        "view_proposals" => Then::Notices,
        "view_inspections" => Then::Inspections,
        _ => Then::SendAgain,
    };
    match staff::for_message(turn, attempted, then).await? {
        Gate::Open(operator) => Ok(Some(operator)),
        Gate::NotOperator | Gate::CodeAsked => Ok(None),
    }
}

/// /notices and /inspections, for running again after the staff code.
pub(super) use proposals::command as notices_command;
pub(super) use scheduled::command as inspections_command;

/// /notice: a new regulatory notice.
pub async fn notice_command(turn: Turn) -> HandlerResult {
    if operator_of(&turn, "notice").await?.is_none() {
        return Ok(());
    }
    let (t, db) = (turn.t, &turn.db);
    let mut draft = notice::Draft {
        nonce: new_nonce(),
        ..notice::Draft::default()
    };
    let proposals = notices::proposed(db).await?.len();
    let screen = notice::next(t, db, &mut draft, turn.services.clock.now()).await?;
    let waiting = (proposals, "broadcast-proposals-button", BcAction::Proposals);
    open_draft(&turn, Compose::Notice(draft), screen, waiting).await
}

/// /inspection: a new inspection.
pub async fn inspection_command(turn: Turn) -> HandlerResult {
    if operator_of(&turn, "inspection").await?.is_none() {
        return Ok(());
    }
    let (t, db) = (turn.t, &turn.db);
    let mut draft = inspection::Draft {
        nonce: new_nonce(),
        ..inspection::Draft::default()
    };
    let now = turn.services.clock.now();
    let upcoming = scheduled::upcoming_count(db, now).await?;
    let screen = inspection::next(t, db, &mut draft, now).await?;
    let waiting = (
        upcoming,
        "broadcast-inspections-button",
        BcAction::Inspections,
    );
    open_draft(&turn, Compose::Inspection(draft), screen, waiting).await
}

/// A new draft on its first question: /notice and /inspection alike put,
/// above the question, a button to what already waits (`count` proposed
/// notices, upcoming inspections: its list, `label`) when anything does.
async fn open_draft(
    turn: &Turn,
    draft: Compose,
    mut screen: Screen,
    (count, label, list): (usize, &str, BcAction),
) -> HandlerResult {
    if count > 0 {
        let label = turn.t.msg_with(label, [("count", Arg::count(count))]);
        screen
            .keyboard
            .rows
            .insert(0, vec![button(label, Action::Bc(list))]);
    }
    turn.dialogue.update(State::Broadcast(draft)).await?;
    turn.ui.show(screen).await
}

/// A typed answer to the open question.
pub async fn receive(turn: Turn, said: Said, compose: Compose) -> HandlerResult {
    // Without a session the draft waits: after the code the answer is sent again.
    let attempted = "broadcast_compose";
    if staff::for_typed_answer(&turn, attempted).await?.is_none() {
        return Ok(());
    }
    let Turn {
        ui,
        t,
        db,
        services,
        dialogue,
        ..
    } = turn;
    let Some(text) = said.text() else {
        return ui.say(t.msg("broadcast-text-only")).await;
    };
    let now = services.clock.now();
    let answered = match compose {
        Compose::Notice(mut draft) => {
            notice::answer(t, &mut draft, text).map(|()| Compose::Notice(draft))
        }
        Compose::Inspection(mut draft) => {
            inspection::answer(t, &mut draft, text, now).map(|()| Compose::Inspection(draft))
        }
    };
    match answered {
        // The question stands and nothing given before is lost.
        Err(problem) => ui.say(problem).await,
        Ok(compose) => {
            let (compose, screen) = next(t, &db, compose, now).await?;
            dialogue.update(State::Broadcast(compose)).await?;
            ui.show(screen).await
        }
    }
}

/// The next question, or the preview when everything is answered; the
/// draft records which question is open.
async fn next(
    t: Texts,
    db: &PgPool,
    compose: Compose,
    now: DateTime<Utc>,
) -> Result<(Compose, Screen), HandlerError> {
    Ok(match compose {
        Compose::Notice(mut draft) => {
            let screen = notice::next(t, db, &mut draft, now).await?;
            (Compose::Notice(draft), screen)
        }
        Compose::Inspection(mut draft) => {
            let screen = inspection::next(t, db, &mut draft, now).await?;
            (Compose::Inspection(draft), screen)
        }
    })
}

/// An operator's button of the broadcast dialogues.
pub async fn press(turn: Turn, press: Press, action: BcAction) -> HandlerResult {
    let Gate::Open(_) = staff::for_press(&turn, &press, action.name()).await? else {
        return Ok(());
    };
    let Turn {
        ui, t, dialogue, ..
    } = &turn;
    let t = *t;
    match action {
        BcAction::Proposals
        | BcAction::Proposal(_)
        | BcAction::Publish(_)
        | BcAction::Dismiss(_) => proposals::press(&turn, &press, action).await,
        BcAction::Inspections
        | BcAction::Inspection(_)
        | BcAction::AskCancelInspection(_)
        | BcAction::CancelInspection(_) => scheduled::press(&turn, &press, action).await,
        BcAction::Cancel => {
            // A cancel button left from a draft already sent or dropped.
            if !matches!(dialogue.get().await?, Some(State::Broadcast(_))) {
                return ui.answer_with(&press, t.msg("broadcast-draft-gone")).await;
            }
            ui.answer(&press).await?;
            dialogue.exit().await?;
            let screen = Screen {
                text: t.msg("broadcast-cancelled"),
                keyboard: Keyboard::default(),
            };
            ui.replace(&press, screen).await
        }
        _ => {
            let Some(State::Broadcast(compose)) = dialogue.get().await? else {
                // The draft is gone: sent already, cancelled, or lost with
                // Redis. Nothing is sent twice.
                return ui.answer_with(&press, t.msg("broadcast-draft-gone")).await;
            };
            compose_press(&turn, &press, compose, action).await
        }
    }
}

/// A button that acts on the dialogue's draft.
async fn compose_press(
    turn: &Turn,
    press: &Press,
    compose: Compose,
    action: BcAction,
) -> HandlerResult {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        dialogue,
        services,
    } = turn;
    let (operator, t) = (*operator, *t);
    let now = services.clock.now();
    match action {
        BcAction::Send(nonce) => {
            let current = match &compose {
                Compose::Notice(draft) => draft.nonce,
                Compose::Inspection(draft) => draft.nonce,
            };
            if nonce != current {
                return ui.answer_with(press, t.msg("broadcast-draft-gone")).await;
            }
            let sent = match &compose {
                Compose::Notice(draft) => notice::send(t, db, draft, operator, now).await?,
                Compose::Inspection(draft) => inspection::send(t, db, draft, operator, now).await?,
            };
            match sent {
                Ok((broadcast, what)) => {
                    ui.answer(press).await?;
                    dialogue.exit().await?;
                    progress::start(turn, press, broadcast, what).await
                }
                // Not at the preview (an old button): the question open stands.
                Err(problem) => ui.answer_with(press, problem).await,
            }
        }
        BcAction::Edit => {
            ui.answer(press).await?;
            let fields = match &compose {
                Compose::Notice(_) => notice::FIELDS.as_slice(),
                Compose::Inspection(draft) => draft.fields(),
            };
            ui.replace(press, edit_screen(t, fields)).await
        }
        BcAction::Preview => {
            ui.answer(press).await?;
            let compose = match compose {
                Compose::Notice(mut draft) => {
                    draft.asking = None;
                    Compose::Notice(draft)
                }
                Compose::Inspection(mut draft) => {
                    draft.asking = None;
                    Compose::Inspection(draft)
                }
            };
            let (compose, screen) = next(t, db, compose, now).await?;
            dialogue.update(State::Broadcast(compose)).await?;
            ui.replace(press, screen).await
        }
        BcAction::EditField(field) => {
            let asked = match compose {
                Compose::Notice(mut draft) if notice::FIELDS.contains(&field) => {
                    draft.asking = Some(field);
                    let screen = notice::ask(t, &draft, field);
                    Some((Compose::Notice(draft), screen))
                }
                Compose::Inspection(mut draft) if draft.fields().contains(&field) => {
                    draft.asking = Some(field);
                    let screen = inspection::ask(t, &draft, field);
                    Some((Compose::Inspection(draft), screen))
                }
                _ => None,
            };
            let Some((compose, screen)) = asked else {
                return ui.answer_with(press, t.msg("button-outdated")).await;
            };
            ui.answer(press).await?;
            dialogue.update(State::Broadcast(compose)).await?;
            ui.replace(press, screen).await
        }
        // Buttons that answer the open question.
        _ => {
            let answered = match compose {
                Compose::Notice(mut draft) => {
                    notice::press(&mut draft, action).then_some(Compose::Notice(draft))
                }
                Compose::Inspection(mut draft) => {
                    inspection::press(&mut draft, action).then_some(Compose::Inspection(draft))
                }
            };
            let Some(compose) = answered else {
                return ui.answer_with(press, t.msg("button-outdated")).await;
            };
            ui.answer(press).await?;
            let (compose, screen) = next(t, db, compose, now).await?;
            dialogue.update(State::Broadcast(compose)).await?;
            ui.replace(press, screen).await
        }
    }
}

/// «✏️ Изменить…»: the fields of the draft.
fn edit_screen(t: Texts, fields: &[Field]) -> Screen {
    let fields = fields.iter().map(|field| {
        button(
            field_name(t, *field),
            Action::Bc(BcAction::EditField(*field)),
        )
    });
    let back = button(
        t.msg("broadcast-back-to-preview"),
        Action::Bc(BcAction::Preview),
    );
    Screen::new(
        t.msg("broadcast-edit-which"),
        Keyboard::column(fields.chain([back])),
    )
}

fn field_name(t: Texts, field: Field) -> String {
    t.msg_with("broadcast-field", [("field", Arg::Text(field.code()))])
}

/// The keyboard under a question: its own buttons, then «« К предпросмотру»
/// when a field of a finished draft is being changed, else «✖️ Отмена».
fn question_keyboard(t: Texts, mut rows: Vec<Vec<Button>>, editing: bool) -> Keyboard {
    rows.push(vec![if editing {
        button(
            t.msg("broadcast-back-to-preview"),
            Action::Bc(BcAction::Preview),
        )
    } else {
        button(t.msg("broadcast-cancel"), Action::Bc(BcAction::Cancel))
    }]);
    Keyboard::new(rows)
}

/// A question, with its step (number, of how many) if it is counted and,
/// when a field is being changed, what it holds now.
fn question(
    t: Texts,
    text: String,
    step: Option<(usize, usize)>,
    current: Option<String>,
) -> String {
    let mut out = String::new();
    if let Some((step, of)) = step {
        out = t.msg_with(
            "broadcast-step",
            [("n", Arg::count(step)), ("of", Arg::count(of))],
        );
        out.push(' ');
    }
    out.push_str(&text);
    if let Some(current) = current {
        out.push_str("\n\n");
        out.push_str(&t.msg_with(
            "broadcast-current",
            [("value", Arg::Text(&shorten(&current, LIST_SHOWN)))],
        ));
    }
    out
}

/// The push as a practitioner in the operator's language will read it:
/// the delivery worker's own rendering of the same payload. (Notices and
/// inspections send no one to support: the brand's contact is not needed.)
fn render_push(t: Texts, payload: &Payload) -> String {
    crate::delivery::render(t, &crate::config::Brand::default(), payload)
}

/// «1 234»: thousands apart, with a no-break space.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(digit);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Core refused an operator's action in its own transaction (the role
/// revoked, or the staff session closed, since the bot's check) and
/// recorded it: the words for it, nothing recorded again.
fn refused(t: Texts, refusal: StaffRefusal) -> String {
    match refusal {
        StaffRefusal::NotOperator => t.msg("review-operators-only"),
        StaffRefusal::NoStaffSession => t.msg("broadcast-session-closed"),
    }
}

/// «Получат: 1 234 человека», and how many of them only in the morning
/// (those in their quiet hours now).
fn recipients_line(t: Texts, reach: Reach) -> String {
    let count = i64::try_from(reach.total).unwrap_or(i64::MAX);
    let mut line = t.msg_with(
        "broadcast-recipients",
        [
            ("count", Arg::Number(count)),
            ("shown", Arg::Text(&grouped(count))),
        ],
    );
    if reach.after_quiet_hours > 0 {
        let later = i64::try_from(reach.after_quiet_hours).unwrap_or(i64::MAX);
        line.push('\n');
        line.push_str(&t.msg_with(
            "broadcast-recipients-morning",
            [
                ("count", Arg::Number(later)),
                ("shown", Arg::Text(&grouped(later))),
            ],
        ));
    }
    line
}

/// Whom a notice reaches, as a preview says it.
fn targets(t: Texts, specialties: &[String], regions: &[String], count: Reach) -> String {
    let lists = t.msg_with(
        "broadcast-targets",
        [
            ("specialties", Arg::Text(&list_text(t, specialties))),
            ("regions", Arg::Text(&list_text(t, regions))),
        ],
    );
    format!("{lists}\n{}", recipients_line(t, count))
}

/// A list as a preview shows it: «все» when empty, cut to `LIST_SHOWN`.
fn list_text(t: Texts, items: &[String]) -> String {
    if items.is_empty() {
        return t.msg("broadcast-everyone");
    }
    shorten(&items.join(", "), LIST_SHOWN)
}

/// At most `max` characters, with «…» when cut.
/// A date as operators read it.
fn date_text(date: NaiveDate) -> String {
    medcab_core::dates::date_text(date)
}

/// Whether `text` is one of the words of the Fluent message `key`
/// (`|`-separated), in either language: an operator may type Russian in the
/// English interface. The words are in `locales/`, not here.
fn typed_one_of(key: &str, text: &str) -> bool {
    let lowered = text.trim().trim_end_matches('.').to_lowercase();
    Language::ALL.into_iter().any(|language| {
        Texts::new(language)
            .msg(key)
            .split('|')
            .any(|word| word.trim() == lowered)
    })
}

/// A list typed by an operator: comma-, semicolon- or line-separated; a
/// word meaning everyone (`broadcast-everyone-words`) is the empty list.
fn typed_list(text: &str) -> Vec<String> {
    if typed_one_of("broadcast-everyone-words", text) {
        return Vec::new();
    }
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(5), "5");
        assert_eq!(grouped(1234), "1\u{a0}234");
        assert_eq!(grouped(10_000), "10\u{a0}000");
        assert_eq!(grouped(1_000_000), "1\u{a0}000\u{a0}000");
    }

    #[test]
    fn typed_lists_split_and_everyone_is_empty() {
        assert_eq!(
            typed_list(" Терапия, Кардиология;\nПедиатрия ,"),
            ["Терапия", "Кардиология", "Педиатрия"]
        );
        assert!(typed_list("Всем").is_empty());
        assert!(typed_list("все.").is_empty());
        assert!(typed_list("Everyone").is_empty());
        assert!(typed_one_of("broadcast-no-link-words", " Без ссылки "));
        assert!(typed_one_of(
            "broadcast-region-everywhere-words",
            "во всех регионах"
        ));
        assert!(!typed_one_of(
            "broadcast-no-link-words",
            "https://example.org"
        ));
    }

    #[test]
    fn forged_broadcast_buttons_are_not_actions() {
        for data in [
            "",
            "to:",
            "to:city",
            "kind:",
            "kind:planned",
            "edit:",
            "edit:salary",
            "feed:",
            "feed:0",
            "feed:-1",
            "feed:01",
            "pub:",
            "pub:1:2",
            "dis:x",
            "send",
            "send:01",
            "send:-1",
            "send:4294967296",
            "insp:",
            "insp:0",
            "insp:x",
            "icx:",
            "icx:-5",
            "icy:",
            "icy:01",
            "icy:1:2",
            "icy:99999999999999999999",
        ] {
            assert_eq!(BcAction::parse(data), None, "{data:?}");
        }
    }
}
