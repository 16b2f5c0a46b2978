//! «🗓 Назначенные проверки» (/inspections, or the button on /inspection's
//! first screen): the upcoming inspections, each with its card and
//! «✖️ Отменить проверку», an explicit confirmation, then the cancellation's
//! progress. Core cancels once (`inspections::cancel` refuses one already
//! cancelled), so a replayed or forged «Да, отменить» sends nothing.
//!
//! ```text
//! operator: /inspections
//! bot:      🗓 Назначенные проверки: 1 … [15.12.2026 · ГБУЗ ГП № 1]
//! operator: <presses it>
//! bot:      (the same message) the card: kind, place, date, what to
//!           prepare, how many were told [✖️ Отменить проверку] [« К списку]
//! operator: <presses ✖️ Отменить проверку>
//! bot:      Отменить проверку? Все, кому о ней сообщили, получат
//!           уведомление об отмене. [Да, отменить] [Нет]
//! operator: <presses Да, отменить>
//! bot:      ✖️ Проверка отменена … Уведомление об отмене получат 2 человека.
//!           Отправлено 0 из 2 … edited until ✅ Готово
//! ```

use chrono::{DateTime, Utc};
use medcab_core::clock::moscow_today;
use medcab_core::inspections::{self, CancelError, Inspection, Source};
use sqlx::PgPool;

use super::{
    BcAction, Compose, LIST_SHOWN, date_text, grouped, operator_of, progress, record_refusal,
    refused, shorten,
};
use crate::chat::Keyboard;
use crate::chat::Press;
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError, HandlerResult, State, Turn};
use crate::i18n::{Arg, Texts};

/// Inspections listed on one screen, soonest first.
const SHOWN: usize = 20;
/// A place on a button, in characters.
const BUTTON_PLACE: usize = 40;

/// /inspections: the upcoming inspections.
pub async fn command(turn: Turn) -> HandlerResult {
    if operator_of(&turn, "view_inspections").await?.is_none() {
        return Ok(());
    }
    let Turn {
        ui,
        t,
        db,
        services,
        ..
    } = turn;
    let screen = list_screen(t, &db, services.clock.now()).await?;
    ui.show(screen).await
}

/// How many inspections are upcoming, for the button on /inspection.
pub(super) async fn upcoming_count(db: &PgPool, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    Ok(inspections::upcoming(db, moscow_today(now)).await?.len())
}

/// A button of the list, a card or a confirmation (the presser is an
/// operator: checked before).
pub(super) async fn press(turn: &Turn, press: &Press, action: BcAction) -> HandlerResult {
    let Turn {
        ui,
        user: operator,
        t,
        db,
        services,
        dialogue,
    } = turn;
    let (operator, t) = (*operator, *t);
    let now = services.clock.now();
    match action {
        BcAction::Inspections => {
            ui.answer(press).await?;
            // From /inspection's first question: that inspection is not
            // being entered.
            if let Some(State::Broadcast(Compose::Inspection(draft))) = dialogue.get().await?
                && draft.target.is_none()
            {
                dialogue.exit().await?;
            }
            let screen = list_screen(t, db, now).await?;
            ui.replace(press, screen).await
        }
        BcAction::Inspection(id) | BcAction::AskCancelInspection(id) => {
            let inspection = match inspections::get(db, id).await? {
                Some(inspection) if inspection.cancelled_at.is_none() => inspection,
                found => {
                    let (why, text) = match found {
                        Some(_) => (
                            "already_cancelled",
                            t.msg("broadcast-inspection-already-cancelled"),
                        ),
                        None => ("not_found", t.msg("broadcast-inspection-not-found")),
                    };
                    record_refusal(db, operator, action.name(), why, now).await?;
                    return ui.answer_with(press, text).await;
                }
            };
            ui.answer(press).await?;
            let screen = if let BcAction::Inspection(_) = action {
                card_screen(t, db, &inspection).await?
            } else {
                confirm_screen(t, &inspection)
            };
            ui.replace(press, screen).await
        }
        BcAction::CancelInspection(id) => {
            match inspections::cancel(db, id, Source::Operator(operator), now).await {
                Ok(cancelled) => {
                    ui.answer(press).await?;
                    tracing::info!(
                        operator = operator.get(),
                        inspection = id,
                        broadcast = cancelled.broadcast_id,
                        total = cancelled.total,
                        withdrawn = cancelled.withdrawn,
                        "an inspection was cancelled"
                    );
                    let inspection = inspections::get(db, id).await?;
                    let mut text = inspection
                        .as_ref()
                        .map(|inspection| {
                            t.msg_with(
                                "broadcast-inspection-cancelled-heading",
                                [
                                    ("place", Arg::Text(&shorten(&place(inspection), LIST_SHOWN))),
                                    ("date", Arg::Text(&date_text(inspection.date))),
                                ],
                            )
                        })
                        .unwrap_or_default();
                    let total = i64::try_from(cancelled.total).unwrap_or(i64::MAX);
                    text.push('\n');
                    text.push_str(&t.msg_with(
                        "broadcast-inspection-cancelled-told",
                        [
                            ("count", Arg::Number(total)),
                            ("shown", Arg::Text(&grouped(total))),
                        ],
                    ));
                    if cancelled.total == 0 {
                        let screen = Screen {
                            text,
                            keyboard: Keyboard::default(),
                        };
                        return ui.replace(press, screen).await;
                    }
                    progress::start(turn, press, cancelled.broadcast_id, text).await
                }
                Err(error) => {
                    let (why, text) = match error {
                        CancelError::NotFound => {
                            ("not_found", t.msg("broadcast-inspection-not-found"))
                        }
                        CancelError::AlreadyCancelled => (
                            "already_cancelled",
                            t.msg("broadcast-inspection-already-cancelled"),
                        ),
                        // Refused and recorded by core: once is enough.
                        CancelError::Refused(refusal) => {
                            return ui.answer_with(press, refused(t, refusal)).await;
                        }
                        CancelError::Db(error) => return Err(error.into()),
                    };
                    record_refusal(db, operator, action.name(), why, now).await?;
                    ui.answer_with(press, text).await
                }
            }
        }
        // Not this screen's button (the caller routes only those here).
        _ => ui.answer_with(press, t.msg("button-outdated")).await,
    }
}

/// The organisation (with its region, when given), else the region.
fn place(inspection: &Inspection) -> String {
    match (&inspection.organisation, &inspection.region) {
        (Some(organisation), Some(region)) => format!("{organisation}, {region}"),
        (Some(organisation), None) => organisation.clone(),
        (None, Some(region)) => region.clone(),
        (None, None) => String::new(),
    }
}

/// The upcoming inspections, soonest first.
async fn list_screen(t: Texts, db: &PgPool, now: DateTime<Utc>) -> Result<Screen, HandlerError> {
    let upcoming = inspections::upcoming(db, moscow_today(now)).await?;
    if upcoming.is_empty() {
        return Ok(Screen {
            text: t.msg("broadcast-inspections-none"),
            keyboard: Keyboard::default(),
        });
    }
    let text = t.msg_with(
        "broadcast-inspections-title",
        [("count", Arg::count(upcoming.len()))],
    );
    let rows = upcoming
        .iter()
        .take(SHOWN)
        .map(|inspection| {
            // A label is plain text, not HTML: the place goes in as is.
            let label = format!(
                "{} · {}",
                date_text(inspection.date),
                shorten(&place(inspection), BUTTON_PLACE)
            );
            vec![button(
                label,
                Action::Bc(BcAction::Inspection(inspection.id)),
            )]
        })
        .collect::<Vec<_>>();
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// One inspection: what practitioners were told, and how many were.
async fn card_screen(
    t: Texts,
    db: &PgPool,
    inspection: &Inspection,
) -> Result<Screen, HandlerError> {
    let told = i64::try_from(inspections::told(db, inspection.id).await?).unwrap_or(i64::MAX);
    let scope = if inspection.organisation.is_some() {
        "organisation"
    } else {
        "region"
    };
    let text = t.msg_with(
        "broadcast-inspection-card",
        [
            ("kind", Arg::Text(inspection.kind.as_str())),
            ("scope", Arg::Text(scope)),
            ("place", Arg::Text(&shorten(&place(inspection), LIST_SHOWN))),
            ("date", Arg::Text(&date_text(inspection.date))),
            ("prepare", Arg::Text(&inspection.prepare)),
            ("count", Arg::Number(told)),
            ("shown", Arg::Text(&grouped(told))),
        ],
    );
    let keyboard = Keyboard::new([
        vec![button(
            t.msg("broadcast-inspection-cancel"),
            Action::Bc(BcAction::AskCancelInspection(inspection.id)),
        )],
        vec![button(
            t.msg("broadcast-inspections-back"),
            Action::Bc(BcAction::Inspections),
        )],
    ]);
    Ok(Screen { text, keyboard })
}

/// «Отменить проверку?» with [Да, отменить] [Нет].
fn confirm_screen(t: Texts, inspection: &Inspection) -> Screen {
    let text = t.msg_with(
        "broadcast-inspection-cancel-confirm",
        [
            ("place", Arg::Text(&shorten(&place(inspection), LIST_SHOWN))),
            ("date", Arg::Text(&date_text(inspection.date))),
        ],
    );
    let keyboard = Keyboard::new([vec![
        button(
            t.msg("broadcast-inspection-cancel-yes"),
            Action::Bc(BcAction::CancelInspection(inspection.id)),
        ),
        button(
            t.msg("broadcast-inspection-cancel-no"),
            Action::Bc(BcAction::Inspection(inspection.id)),
        ),
    ]]);
    Screen { text, keyboard }
}
