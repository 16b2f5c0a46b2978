//! The file a referral may carry: attached from the new referral's
//! summary card, shown on the referral's card by its type and size, and
//! sent back to a side who opens it.
//!
//! ```text
//! bot:  📨 Новое направление … 📎 Файл: не приложен. Можно приложить один
//!       — PDF, JPG или PNG до 5 МБ: пришлите его сюда.
//!       [📨 Отправить] [📎 Приложить файл] [🗑 Удалить черновик]
//! user: <setup.exe renamed ecg.pdf>                   (deleted from the chat)
//! bot:  Этот файл не PDF, не JPG и не PNG … — ответы сохранены. (the card)
//! user: <ecg.pdf>                                     (deleted from the chat)
//! bot:  📎 Файл приложен. 📨 Новое направление … 📎 Файл: PDF, 120 КБ.
//!       [📨 Отправить] [✖️ Убрать файл] [🗑 Удалить черновик]
//! receiver: <opens the referral's card>
//! bot:  📨 Направление НП-2026-000001 … 📎 Файл: PDF, 120 КБ.
//!       [📎 Открыть файл] [✅ Принять] [❌ Отклонить]
//! receiver: <presses 📎 Открыть файл>
//! bot:  (a document, protected) Файл к направлению НП-2026-000001
//! ```
//!
//! The checks are core's (`referrals::files`: the type by content, the
//! documents' size limit); Telegram's stated size refuses a file too big
//! before it is downloaded. A file sent into the chat, refused or kept,
//! leaves it at once (kept, it is sealed in PostgreSQL). An opened file is
//! sent protected from forwarding and saving, and leaves the chat with the
//! session that opened it (`session_files`), as a document does.

use medcab_core::UserId;
use medcab_core::documents::{FileRejection, FileType};
use medcab_core::history::Entity;
use medcab_core::referrals::files::{self, Attached, FileError};
use medcab_core::referrals::{ReferralError, Viewer};
use medcab_core::session_files::Session;
use sqlx::PgPool;

use crate::chat::{Activity, OutgoingFile, Press, Said};
use crate::handlers::{HandlerResult, Turn, code_entry, records, screen};
use crate::i18n::{Arg, Texts};

/// What the summary card says of the draft's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDraft {
    /// None attached.
    None,
    Attached(Attached),
    /// The draft names a file that is no longer kept (past its
    /// retention, or given up on another device).
    Gone,
}

/// The draft's file as it stands: its id checked against the owner's
/// unsent file.
pub async fn on_draft(
    db: &PgPool,
    owner: UserId,
    file: Option<i64>,
) -> Result<OnDraft, sqlx::Error> {
    let Some(id) = file else {
        return Ok(OnDraft::None);
    };
    Ok(match files::draft_file(db, owner, id).await? {
        Some(attached) => OnDraft::Attached(attached),
        None => OnDraft::Gone,
    })
}

fn megabytes(max_bytes: usize) -> Arg<'static> {
    Arg::count(max_bytes / (1024 * 1024))
}

fn type_name(t: Texts, file_type: FileType) -> String {
    t.msg_with("ref-file-type", [("type", Arg::Text(file_type.as_str()))])
}

/// The summary card's line about the file.
pub fn summary_line(t: Texts, file: OnDraft, max_bytes: usize) -> String {
    let (state, kind, size) = match file {
        OnDraft::None => ("none", String::new(), String::new()),
        OnDraft::Gone => ("gone", String::new(), String::new()),
        OnDraft::Attached(attached) => (
            "attached",
            type_name(t, attached.file_type),
            t.size(attached.size),
        ),
    };
    t.msg_with(
        "ref-summary-file",
        [
            ("state", Arg::Text(state)),
            ("type", Arg::Text(&kind)),
            ("size", Arg::Text(&size)),
            ("max", megabytes(max_bytes)),
        ],
    )
}

/// The referral card's line about its file.
pub fn card_line(t: Texts, attached: Attached) -> String {
    t.msg_with(
        "ref-card-file",
        [
            ("type", Arg::Text(&type_name(t, attached.file_type))),
            ("size", Arg::Text(&t.size(attached.size))),
        ],
    )
}

/// The question «📎 Приложить файл» asks.
pub fn ask(t: Texts, max_bytes: usize) -> String {
    t.msg_with("ref-ask-file", [("max", megabytes(max_bytes))])
}

fn rejection_text(t: Texts, rejection: FileRejection) -> String {
    match rejection {
        FileRejection::Empty => t.msg("ref-file-empty"),
        FileRejection::TooLarge { size, max } => t.msg_with(
            "ref-file-too-large",
            [
                (
                    "size",
                    Arg::Text(&t.size(u64::try_from(size).unwrap_or(u64::MAX))),
                ),
                ("max", megabytes(max)),
            ],
        ),
        FileRejection::UnsupportedType { .. } => t.msg("ref-file-wrong-type"),
    }
}

/// Takes the file of `said` for `owner`'s draft: the attached file, or
/// why it was refused, in words. The message leaves the chat either way.
pub async fn take(
    turn: &Turn,
    said: &Said,
    owner: UserId,
) -> Result<Result<Attached, String>, crate::handlers::HandlerError> {
    let Turn {
        ui,
        t,
        db,
        services,
        ..
    } = turn;
    let t = *t;
    let max = services.max_document_bytes;
    let Some(file) = &said.file else {
        return Ok(Err(t.msg("ref-file-expected")));
    };
    let size = usize::try_from(file.size).unwrap_or(usize::MAX);
    // The messenger states the size: one over the limit is refused without
    // downloading it. Core checks the bytes themselves again.
    if size > max {
        code_entry::forget(ui, said).await;
        let rejection = FileRejection::TooLarge { size, max };
        return Ok(Err(rejection_text(t, rejection)));
    }
    ui.activity(Activity::UploadingDocument).await;
    let downloaded = ui.download(file).await;
    // Kept, it is sealed and opened from the card; refused, it is sent
    // again: the chat keeps neither.
    code_entry::forget(ui, said).await;
    let bytes = match downloaded {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "could not download a referral's file");
            return Ok(Err(t.msg("ref-file-download-failed")));
        }
    };
    let attached = files::attach(
        db,
        &services.vault,
        owner,
        &bytes,
        file.name.as_deref(),
        max,
        services.clock.now(),
    )
    .await;
    match attached {
        Ok(attached) => Ok(Ok(attached)),
        Err(FileError::File(rejection)) => Ok(Err(rejection_text(t, rejection))),
        Err(FileError::Db(error)) => Err(error.into()),
    }
}

/// Sends the file of referral `id` to the presser, a side of it (checked
/// by core, the read recorded there), protected, to leave the chat when
/// `session` ends. A referral that is not theirs, or has no file, is a
/// forged button: answered as outdated and recorded.
pub async fn send(
    turn: &Turn,
    press: &Press,
    viewer: &Viewer,
    session: Session,
    id: i64,
) -> HandlerResult {
    let Turn {
        ui,
        user,
        t,
        db,
        services,
        ..
    } = turn;
    let now = services.clock.now();
    let opened = match files::open(db, &services.vault, viewer, id, now).await {
        Ok(opened) => opened,
        Err(ReferralError::NotYours) => {
            return records::forged(turn, press, Entity::Referral, id, now).await;
        }
        Err(error) => return Err(error.into()),
    };
    ui.answer(press).await?;
    ui.activity(Activity::UploadingDocument).await;
    let caption = t.msg_with("ref-file-caption", [("number", Arg::Text(&opened.number))]);
    let file = OutgoingFile::new(opened.file_name, opened.content).caption(caption);
    let sent = ui.send_file(file).await?;
    // Leaves the chat with the session that allowed it.
    screen::gone_with_session(ui, db, *user, &sent, session, now).await?;
    Ok(())
}
