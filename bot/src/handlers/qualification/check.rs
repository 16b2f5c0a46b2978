//! «🔎 Запросить проверку» in «📚 Обучение и НМО»: the practitioner sends
//! the records for an operator to confirm, as an application of its own
//! kind (the review queue, statuses and pushes of «📨 Мои заявки»).
//!
//! ```text
//! user: <presses 🔎 Запросить проверку>          (under the records)
//! bot:  (the same message) 🔎 Проверка записей. Оператор сверит 3 записи
//!       с удостоверениями… Без документа: 1 — приложите его в «✏️»…
//!       [✅ Отправить на проверку] [« Обучение и НМО]
//! user: <presses ✅ Отправить на проверку>
//! bot:  (the same message) ✅ Заявка Н-2026-000007 подана… 📚 Обучение и НМО …
//!       🔎 Записи на проверке: заявка Н-2026-000007 — подана. [📨 Н-2026-000007]
//! ```
//!
//! Every rule is core's (`qualification::check`): which records a check
//! covers, one check at a time, what an approval confirms.

use medcab_core::UserId;
use medcab_core::applications::ApplicationError;
use medcab_core::qualification::check;
use medcab_core::qualification::store::QualificationRecord;
use sqlx::PgPool;

use super::hours::HoursAction;
use crate::chat::{Button, Keyboard};
use crate::handlers::applications::AppAction;
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// The check's part of the overview: the open check and a way to it, or
/// the button to ask for one when some record is not confirmed yet.
pub async fn overview_part(
    t: Texts,
    db: &PgPool,
    user_id: UserId,
    records: &[QualificationRecord],
) -> Result<Option<(String, Vec<Button>)>, HandlerError> {
    if let Some(open) = check::open_check(db, user_id).await? {
        let status = t.msg_with("app-status", [("status", Arg::Text(open.status.as_str()))]);
        let line = t.msg_with(
            "hours-check-open",
            [
                ("number", Arg::Text(&open.number)),
                ("status", Arg::Text(&status)),
            ],
        );
        let row = vec![button(
            t.msg_with(
                "hours-check-open-button",
                [("number", Arg::Text(&open.number))],
            ),
            Action::App(AppAction::Open(open.id)),
        )];
        return Ok(Some((line, row)));
    }
    if !records.iter().any(|record| !record.confirmed) {
        return Ok(None);
    }
    let row = vec![button(
        t.msg("hours-check-button"),
        Action::Hours(HoursAction::Check),
    )];
    Ok(Some((t.msg("hours-check-hint"), row)))
}

/// What will be checked, before it is sent.
pub async fn confirm_screen(
    t: Texts,
    db: &PgPool,
    user_id: UserId,
) -> Result<Screen, HandlerError> {
    let back = vec![button(
        t.msg("hours-back"),
        Action::Hours(HoursAction::Overview(0)),
    )];
    let counts = check::unconfirmed(db, user_id).await?;
    if counts.records == 0 {
        return Ok(Screen {
            text: t.msg("hours-check-nothing"),
            keyboard: Keyboard::new([back]),
        });
    }
    let text = t.msg_with(
        "hours-check-confirm",
        [
            ("count", Arg::total(counts.records)),
            ("without", Arg::total(counts.without_certificate)),
        ],
    );
    Ok(Screen {
        text,
        keyboard: Keyboard::new([
            vec![button(
                t.msg("hours-check-send"),
                Action::Hours(HoursAction::SendCheck),
            )],
            back,
        ]),
    })
}

/// Sends the check; the heading the overview shows above itself.
pub async fn send(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<String, HandlerError> {
    let now = services.clock.now();
    Ok(
        match check::request(db, &services.vault, user_id, now).await {
            Ok(app) => t.msg_with("hours-check-sent", [("number", Arg::Text(&app.number))]),
            Err(ApplicationError::NothingToCheck) => t.msg("hours-check-nothing"),
            Err(ApplicationError::AlreadyOpen { number, .. }) => {
                t.msg_with("hours-check-already", [("number", Arg::Text(&number))])
            }
            Err(error) => return Err(error.into()),
        },
    )
}
