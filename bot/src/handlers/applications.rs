//! «📨 Мои заявки»: the practitioner's applications, a new one, submitting
//! it, and asking to speed up a delayed review.
//!
//! ```text
//! user: <presses 📨 Мои заявки>                 (after the step-up code)
//! bot:  (the same message) 📨 Мои заявки … У вас пока нет заявок.
//!       [➕ Новая заявка] [« Назад в меню]
//! user: <presses ➕ Новая заявка>
//! bot:  (the same message) Какую заявку подать? [Активация кабинета] …
//! user: <presses Активация кабинета>
//! bot:  (the same message) А-2026-000001 — Активация кабинета. Статус: черновик.
//!       Что дальше: не хватает 4 документов: паспорт, СНИЛС, …
//!       [📨 Подать заявку] [➕ Добавить документ] [« К заявкам]
//! user: <presses 📨 Подать заявку>
//! bot:  (the same message) Подать пока нельзя — не хватает документов: …
//! …     (the documents are added in «📄 Документы»)
//! user: <presses 📨 Подать заявку>
//! bot:  (the same message) ✅ Заявка подана. … Статус: подана.
//! ```
//!
//! Every rule (what is missing, whether it may be submitted or escalated)
//! is core's; this module words its answers.

use medcab_core::UserId;
use medcab_core::applications::certificates::{self, Certificate};
use medcab_core::applications::{self as apps, ApplicationError, Kind, NextStep, Status, Summary};
use medcab_core::documents::DocumentKind;
use medcab_core::history::{self, Entity};
use sqlx::PgPool;

use super::records::{self, versions_text};
use super::screen::{Screen, button};
use super::{Action, HandlerError, HandlerResult, Turn};
use crate::chat::{Button, Keyboard, Press};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// How many applications the list shows in full; a Telegram message holds
/// 4096 characters and each may carry an operator's note.
const LIST_LIMIT: usize = 5;

/// A button of this section, inside [`Action::App`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppAction {
    /// The list.
    List,
    /// Start a new one: pick the kind.
    New,
    /// The kind of the new one: creates the draft (a certificate request
    /// asks which certificate first).
    Kind(Kind),
    /// The справка or выписка a new certificate request asks for: creates
    /// the draft.
    Certificate(Certificate),
    /// One application's card.
    Open(i64),
    Submit(i64),
    /// «⏫ Ускорить рассмотрение».
    Escalate(i64),
    /// The versions of an application: created, each status, escalated.
    History(i64),
}

impl AppAction {
    pub fn encode(self) -> String {
        match self {
            AppAction::List => "list".to_owned(),
            AppAction::New => "new".to_owned(),
            AppAction::Kind(kind) => format!("k:{}", kind.as_str()),
            AppAction::Certificate(certificate) => format!("c:{}", certificate.as_str()),
            AppAction::Open(id) => format!("o:{id}"),
            AppAction::Submit(id) => format!("s:{id}"),
            AppAction::Escalate(id) => format!("e:{id}"),
            AppAction::History(id) => format!("h:{id}"),
        }
    }

    pub fn parse(data: &str) -> Option<AppAction> {
        match data.split_once(':') {
            None => match data {
                "list" => Some(AppAction::List),
                "new" => Some(AppAction::New),
                _ => None,
            },
            Some(("k", kind)) => Kind::parse(kind).map(AppAction::Kind),
            Some(("c", code)) => Certificate::parse(code).map(AppAction::Certificate),
            _ => records::parse_on_record(
                data,
                &[
                    ("o", AppAction::Open),
                    ("s", AppAction::Submit),
                    ("e", AppAction::Escalate),
                    ("h", AppAction::History),
                ],
            ),
        }
    }

    /// One of each, for the round-trip tests in `actions`.
    #[cfg(test)]
    pub fn examples() -> Vec<AppAction> {
        let mut all = vec![
            AppAction::List,
            AppAction::New,
            AppAction::Open(i64::MAX),
            AppAction::Submit(7),
            AppAction::Escalate(i64::MAX),
            AppAction::History(i64::MAX),
        ];
        all.extend(Kind::ALL.map(AppAction::Kind));
        all.extend(Certificate::ALL.map(AppAction::Certificate));
        all
    }
}

fn kind_name(t: Texts, kind: Kind) -> String {
    t.msg_with("app-kind", [("kind", Arg::Text(kind.as_str()))])
}

fn status_name(t: Texts, status: Status) -> String {
    t.msg_with("app-status", [("status", Arg::Text(status.as_str()))])
}

fn document_names(t: Texts, kinds: &[DocumentKind]) -> String {
    kinds
        .iter()
        .map(|kind| t.msg_with("doc-kind", [("kind", Arg::Text(kind.as_str()))]))
        .collect::<Vec<_>>()
        .join(", ")
}

fn missing_text(t: Texts, missing: &[DocumentKind]) -> String {
    t.msg_with(
        "app-missing",
        [
            ("count", Arg::count(missing.len())),
            ("list", Arg::Text(&document_names(t, missing))),
        ],
    )
}

fn next_text(t: Texts, next: &NextStep) -> String {
    match next {
        NextStep::UploadDocuments { missing } => missing_text(t, missing),
        NextStep::Submit => t.msg("app-next-submit"),
        NextStep::AwaitReview { due } => {
            t.msg_with("app-next-await", [("due", Arg::Text(&t.date_time(*due)))])
        }
        NextStep::Escalate => t.msg("app-next-escalate"),
        NextStep::AwaitEscalated => t.msg("app-next-await-escalated"),
        NextStep::ProvideMoreDocuments { missing } if missing.is_empty() => {
            t.msg("app-next-more-documents")
        }
        NextStep::ProvideMoreDocuments { missing } => format!(
            "{}\n{}",
            t.msg("app-next-more-documents"),
            missing_text(t, missing)
        ),
        NextStep::Nothing => t.msg("app-next-nothing"),
        NextStep::ApplyAgain => t.msg("app-next-apply-again"),
    }
}

/// An application as the practitioner reads it. In the list a long reason
/// is cut; the card has it whole.
fn describe(t: Texts, app: &Summary, whole_reason: bool) -> String {
    let mut lines = vec![t.msg_with(
        "app-head",
        [
            ("number", Arg::Text(&app.number)),
            ("kind", Arg::Text(&kind_name(t, app.kind))),
            ("status", Arg::Text(&status_name(t, app.status))),
        ],
    )];
    let mut dates = t.msg_with(
        "app-created",
        [("date", Arg::Text(&t.day_of(app.created_at)))],
    );
    if let Some(at) = app.submitted_at {
        dates.push_str(&t.msg_with("app-submitted", [("date", Arg::Text(&t.day_of(at)))]));
    }
    if let Some(at) = app.decided_at {
        dates.push_str(&t.msg_with("app-decided", [("date", Arg::Text(&t.day_of(at)))]));
    }
    lines.push(dates);
    if let Some(reason) = &app.reason {
        let reason = if whole_reason || reason.chars().count() <= 200 {
            reason.clone()
        } else {
            let cut: String = reason.chars().take(200).collect();
            format!("{cut}…")
        };
        lines.push(t.msg_with(
            "app-reason",
            [
                ("status", Arg::Text(app.status.as_str())),
                ("reason", Arg::Text(&reason)),
            ],
        ));
    }
    if app.delayed {
        lines.push(t.msg("app-delayed"));
    }
    if let Some(at) = app.escalated_at {
        lines.push(t.msg_with("app-escalated", [("date", Arg::Text(&t.day_of(at)))]));
    }
    lines.push(next_text(t, &app.next));
    lines.join("\n")
}

fn back_to_list(t: Texts) -> Button {
    button(t.msg("app-back-to-list"), Action::App(AppAction::List))
}

/// «Мои заявки».
pub async fn list_screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Screen, HandlerError> {
    let now = services.clock.now();
    let deadlines = &services.review_deadlines;
    let all = apps::list(db, &services.vault, user_id, deadlines, now).await?;
    let mut rows = Vec::new();
    let text = if all.is_empty() {
        t.msg("app-list-empty")
    } else {
        let mut text = t.msg_with("app-list-title", [("count", Arg::count(all.len()))]);
        for app in all.iter().take(LIST_LIMIT) {
            text.push_str("\n\n");
            text.push_str(&describe(t, app, false));
        }
        if all.len() > LIST_LIMIT {
            text.push_str("\n\n");
            text.push_str(&t.msg_with(
                "app-list-more",
                [("count", Arg::count(all.len() - LIST_LIMIT))],
            ));
        }
        // Every application keeps its button, the older ones too.
        for app in &all {
            let label = format!("{} · {}", app.number, status_name(t, app.status));
            rows.push(vec![button(label, Action::App(AppAction::Open(app.id)))]);
        }
        text
    };
    rows.push(vec![button(t.msg("app-new"), Action::App(AppAction::New))]);
    rows.push(vec![button(t.msg("button-back"), Action::Home)]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// One application's card, under `heading` when there is news about it.
/// `None` when it is not among the practitioner's own.
async fn card(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    id: i64,
    heading: Option<String>,
) -> Result<Option<Screen>, HandlerError> {
    let now = services.clock.now();
    let deadlines = &services.review_deadlines;
    let all = apps::list(db, &services.vault, user_id, deadlines, now).await?;
    let Some(app) = all.into_iter().find(|app| app.id == id) else {
        return Ok(None);
    };
    let mut rows = Vec::new();
    if apps::may_submit(app.status) {
        rows.push(vec![button(
            t.msg("app-submit"),
            Action::App(AppAction::Submit(id)),
        )]);
    }
    let missing = match &app.next {
        NextStep::UploadDocuments { missing } | NextStep::ProvideMoreDocuments { missing } => {
            !missing.is_empty() || app.status == Status::MoreDocumentsNeeded
        }
        _ => false,
    };
    if missing {
        rows.push(vec![button(t.msg("doc-add"), Action::ADD_DOCUMENT)]);
    }
    if app.next == NextStep::Escalate {
        rows.push(vec![button(
            t.msg("app-escalate"),
            Action::App(AppAction::Escalate(id)),
        )]);
    }
    rows.push(vec![
        button(t.msg("record-history"), Action::App(AppAction::History(id))),
        back_to_list(t),
    ]);
    let mut body = describe(t, &app, true);
    if app.kind == Kind::CertificateRequest
        && let Some(certificate) = certificates::of(db, user_id, id).await?
    {
        body.push('\n');
        body.push_str(&t.msg_with(
            "app-certificate-line",
            [("certificate", Arg::Text(&certificate_name(t, certificate)))],
        ));
    }
    let text = match heading {
        Some(heading) => format!("{heading}\n\n{body}"),
        None => body,
    };
    Ok(Some(Screen {
        text,
        keyboard: Keyboard::new(rows),
    }))
}

fn certificate_name(t: Texts, certificate: Certificate) -> String {
    t.msg_with(
        "app-certificate",
        [("certificate", Arg::Text(certificate.as_str()))],
    )
}

/// «Справка или выписка» — which one.
fn certificate_picker(t: Texts) -> Screen {
    let certificates = Certificate::ALL.into_iter().map(|certificate| {
        button(
            certificate_name(t, certificate),
            Action::App(AppAction::Certificate(certificate)),
        )
    });
    let keyboard = Keyboard::column(certificates.chain([back_to_list(t)]));
    Screen::new(t.msg("app-choose-certificate"), keyboard)
}

fn kind_picker(t: Texts) -> Screen {
    let kinds = Kind::PICKABLE
        .into_iter()
        .map(|kind| button(kind_name(t, kind), Action::App(AppAction::Kind(kind))));
    Screen::new(
        t.msg("app-choose-kind"),
        Keyboard::column(kinds.chain([back_to_list(t)])),
    )
}

/// A refusal with a way on.
fn notice(text: String, rows: Vec<Vec<Button>>) -> Screen {
    Screen {
        text,
        keyboard: Keyboard::new(rows),
    }
}

/// A button of the section. Every id in it is checked in core against the
/// presser: someone else's application is refused and recorded.
pub async fn press(turn: Turn, press: Press, action: AppAction) -> HandlerResult {
    // The step-up gate (`step_up`) let this press through: the session is open.
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = &turn;
    let (user_id, t) = (*user, *t);
    let vault = &services.vault;
    let deadlines = &services.review_deadlines;
    let now = services.clock.now();
    let screen = match action {
        AppAction::List => {
            ui.answer(&press).await?;
            list_screen(t, db, services, user_id).await?
        }
        AppAction::New => {
            ui.answer(&press).await?;
            kind_picker(t)
        }
        AppAction::Kind(Kind::CertificateRequest) => {
            ui.answer(&press).await?;
            certificate_picker(t)
        }
        AppAction::Kind(_) | AppAction::Certificate(_) => {
            ui.answer(&press).await?;
            let created = match action {
                AppAction::Certificate(certificate) => {
                    certificates::request(db, vault, user_id, certificate, now).await
                }
                AppAction::Kind(kind) => apps::create(db, vault, user_id, kind, now).await,
                _ => unreachable!("matched above"),
            };
            match created {
                Ok(app) => card(t, db, services, user_id, app.id, None)
                    .await?
                    .ok_or("a new application is not in the list")?,
                Err(ApplicationError::AlreadyOpen { id, number }) => notice(
                    t.msg_with("app-already-open", [("number", Arg::Text(&number))]),
                    vec![
                        vec![button(
                            t.msg_with("app-open", [("number", Arg::Text(&number))]),
                            Action::App(AppAction::Open(id)),
                        )],
                        vec![back_to_list(t)],
                    ],
                ),
                Err(ApplicationError::TooEarly(early)) => notice(
                    t.msg_with(
                        "app-too-early",
                        [("date", Arg::Text(&t.date(early.opens_on)))],
                    ),
                    vec![vec![back_to_list(t)]],
                ),
                Err(ApplicationError::NoAccreditation) => notice(
                    t.msg("app-no-accreditation"),
                    vec![
                        vec![button(t.msg("doc-add"), Action::ADD_DOCUMENT)],
                        vec![back_to_list(t)],
                    ],
                ),
                Err(ApplicationError::AlreadyActivated) => {
                    notice(t.msg("app-already-activated"), vec![vec![back_to_list(t)]])
                }
                Err(error) => return Err(error.into()),
            }
        }
        AppAction::Open(id) => {
            if !own(&turn, &press, id).await? {
                return Ok(());
            }
            ui.answer(&press).await?;
            card(t, db, services, user_id, id, None)
                .await?
                .ok_or("an own application is not in the list")?
        }
        AppAction::Submit(id) => {
            if !own(&turn, &press, id).await? {
                return Ok(());
            }
            ui.answer(&press).await?;
            let heading = match apps::submit(db, vault, user_id, id, now).await {
                Ok(_) => t.msg("app-submitted-now"),
                // What is missing is on the card below: said once.
                Err(ApplicationError::MissingDocuments(_)) => t.msg("app-cannot-submit"),
                Err(ApplicationError::Transition(_)) => t.msg("app-not-submittable"),
                Err(error) => return Err(error.into()),
            };
            card(t, db, services, user_id, id, Some(heading))
                .await?
                .ok_or("an own application is not in the list")?
        }
        AppAction::Escalate(id) => {
            if !own(&turn, &press, id).await? {
                return Ok(());
            }
            ui.answer(&press).await?;
            let heading = match apps::escalate(db, vault, user_id, id, deadlines, now).await {
                Ok(_) => t.msg("app-escalated-now"),
                Err(ApplicationError::AlreadyEscalated { at }) => t.msg_with(
                    "app-already-escalated",
                    [("date", Arg::Text(&t.date_time(at)))],
                ),
                Err(ApplicationError::NotDelayed) => t.msg("app-not-delayed"),
                Err(error) => return Err(error.into()),
            };
            card(t, db, services, user_id, id, Some(heading))
                .await?
                .ok_or("an own application is not in the list")?
        }
        AppAction::History(id) => {
            if !own(&turn, &press, id).await? {
                return Ok(());
            }
            ui.answer(&press).await?;
            let versions = history::versions(db, vault, user_id, Entity::Application, id).await?;
            Screen {
                text: versions_text(t, Entity::Application, &versions),
                keyboard: Keyboard::new([[
                    button(t.msg("app-back-to-card"), Action::App(AppAction::Open(id))),
                    back_to_list(t),
                ]]),
            }
        }
    };
    ui.replace(&press, screen).await
}

/// Whether application `id` is the presser's. When it is not, the button
/// is answered as outdated; naming someone else's is recorded as forged.
async fn own(turn: &Turn, press: &Press, id: i64) -> Result<bool, HandlerError> {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    // A button left from an earlier screen: it no longer means anything.
    let outdated = || ui.answer_with(press, t.msg("button-outdated"));
    match apps::get(db, &services.vault, *user, id).await {
        Ok(_) => Ok(true),
        Err(ApplicationError::NotYours) => {
            // Recorded before the answer: whoever sees the answer (a test,
            // an operator looking at the events) finds the attempt there.
            let now = services.clock.now();
            records::record_forged(db, *user, Entity::Application, id, now).await?;
            outdated().await?;
            Ok(false)
        }
        Err(ApplicationError::NotFound) => {
            outdated().await?;
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}
