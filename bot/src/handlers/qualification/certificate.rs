//! The certificate of an education record: one of the practitioner's
//! documents («📄 Документы», where every check of a file applies)
//! attached to the record, changed or taken off.
//!
//! ```text
//! user: <presses ✏️ 1>                           (under the records)
//! bot:  (the same message) Что изменить в записи «Кардиология…»? … [📎 Удостоверение]
//! user: <presses 📎 Удостоверение>
//! bot:  (the same message) 📎 Удостоверение к записи «Кардиология…»
//!       Сейчас не приложено. Выберите документ:
//!       1. Удостоверение о повышении квалификации, № 7727 0001, выдан 01.03.2025
//!       [📎 1] [➕ Добавить документ] [« К записи]
//! user: <presses 📎 1>
//! bot:  (the same message) ✅ Удостоверение приложено. 📚 Обучение и НМО …
//! ```
//!
//! Only core's `store::CERTIFICATE_KINDS` (an удостоверение о повышении
//! квалификации, «Другой документ») are offered. Attaching goes through
//! core, which checks the record and the document are the presser's and
//! the document is of such a kind.

use medcab_core::UserId;
use medcab_core::documents::{self, DocumentSummary};
use medcab_core::history::Actor;
use medcab_core::qualification::store::{self, QualificationRecord};
use sqlx::PgPool;

use super::hours::{HoursAction, shortened};
use crate::chat::Keyboard;
use crate::handlers::screen::{Screen, button};
use crate::handlers::{Action, HandlerError};
use crate::i18n::{Arg, Texts};
use crate::startup::Services;

/// Documents offered at most: the newest, as buttons stay few on a phone.
const OFFERED: usize = 8;

/// Characters of the record's title in the heading.
const TITLE_CHARS: usize = 80;

/// The documents that may be attached, newest first.
async fn offered(
    db: &PgPool,
    services: &Services,
    user_id: UserId,
) -> Result<Vec<DocumentSummary>, HandlerError> {
    let mut documents: Vec<DocumentSummary> = documents::list(db, &services.vault, user_id)
        .await?
        .into_iter()
        .filter(|document| store::CERTIFICATE_KINDS.contains(&document.kind))
        .collect();
    documents.reverse();
    documents.truncate(OFFERED);
    Ok(documents)
}

fn document_line(t: Texts, n: usize, document: &DocumentSummary) -> String {
    let kind = t.msg_with("doc-kind", [("kind", Arg::Text(document.kind.as_str()))]);
    let number = document.number.as_deref().unwrap_or_default();
    t.msg_with(
        "hours-certificate-line",
        [
            ("n", Arg::count(n)),
            ("kind", Arg::Text(&kind)),
            (
                "has_number",
                Arg::Text(if number.is_empty() { "no" } else { "yes" }),
            ),
            ("number", Arg::Text(number)),
            ("issued", Arg::Text(&t.date(document.issued_on))),
        ],
    )
}

/// The record's certificate and the documents to choose from.
pub async fn screen(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    record: &QualificationRecord,
) -> Result<Screen, HandlerError> {
    let documents = offered(db, services, user_id).await?;
    let title = shortened(record.entry.title(), TITLE_CHARS);
    let mut text = t.msg_with("hours-certificate-title", [("title", Arg::Text(&title))]);
    text.push_str("\n\n");
    let attached = match record.document_id {
        Some(id) => documents::get(db, &services.vault, user_id, id).await?,
        None => None,
    };
    match &attached {
        Some(document) => {
            let kind = t.msg_with("doc-kind", [("kind", Arg::Text(document.kind.as_str()))]);
            text.push_str(&t.msg_with(
                "hours-certificate-attached",
                [
                    ("kind", Arg::Text(&kind)),
                    ("issued", Arg::Text(&t.date(document.issued_on))),
                ],
            ));
        }
        None => text.push_str(&t.msg("hours-certificate-none")),
    }
    let mut rows = Vec::new();
    let choices: Vec<&DocumentSummary> = documents
        .iter()
        .filter(|document| Some(document.id) != record.document_id)
        .collect();
    text.push_str("\n\n");
    if choices.is_empty() {
        text.push_str(&t.msg("hours-certificate-no-documents"));
    } else {
        text.push_str(&t.msg("hours-certificate-choose"));
        let mut buttons = Vec::new();
        for (n, document) in choices.iter().enumerate() {
            text.push('\n');
            text.push_str(&document_line(t, n + 1, document));
            buttons.push(button(
                t.msg_with("hours-certificate-attach-n", [("n", Arg::count(n + 1))]),
                Action::Hours(HoursAction::Attach(record.id, document.id)),
            ));
        }
        rows.extend(buttons.chunks(4).map(<[_]>::to_vec));
    }
    if attached.is_some() {
        rows.push(vec![button(
            t.msg("hours-certificate-detach"),
            Action::Hours(HoursAction::Detach(record.id)),
        )]);
    }
    rows.push(vec![button(t.msg("doc-add"), Action::ADD_DOCUMENT)]);
    rows.push(vec![button(
        t.msg("hours-certificate-back"),
        Action::Hours(HoursAction::Edit(record.id)),
    )]);
    Ok(Screen {
        text,
        keyboard: Keyboard::new(rows),
    })
}

/// Attaches `document` (or takes the certificate off, `None`); the heading
/// for the overview, or `None` when core refused (a forged id).
pub async fn attach(
    t: Texts,
    db: &PgPool,
    services: &Services,
    user_id: UserId,
    record: i64,
    document: Option<i64>,
) -> Result<Option<String>, HandlerError> {
    // Core refuses another's document and one that is no certificate (a
    // forged id of a passport): then `None`, answered as forged.
    let now = services.clock.now();
    let actor = Actor::Practitioner(user_id);
    let done =
        store::attach_document(db, &services.vault, user_id, record, document, actor, now).await?;
    Ok(done.then(|| {
        t.msg(match document {
            Some(_) => "hours-certificate-done",
            None => "hours-certificate-detached",
        })
    }))
}
