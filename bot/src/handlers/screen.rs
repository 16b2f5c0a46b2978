//! How the bot puts text on a phone: one message per menu, edited in place.
//!
//! The screens themselves ([`Screen`], buttons) and their sending are the
//! messenger-neutral [`crate::chat`]; this module adds the buttons that
//! carry an [`Action`], and the messages that leave the chat with a session.

use chrono::{DateTime, Utc};
use medcab_core::UserId;
use medcab_core::session_files::{self, Session};
use sqlx::PgPool;

use super::{Action, HandlerResult};
use crate::chat::{Button, MessageRef, Ui};

pub use crate::chat::Screen;

/// A button that does `action` when pressed.
pub fn button(label: String, action: Action) -> Button {
    Button::press(label, action.encode())
}

/// The row under a list shown a page at a time: `labels`' «back» to the
/// page before and «next» to the one after, where there is one, each
/// pressing `show` of that page; no row when the list has one page.
pub fn pager(
    page: usize,
    pages: usize,
    (back, next): (String, String),
    show: impl Fn(u32) -> Action,
) -> Option<Vec<Button>> {
    let page_number = |page: usize| u32::try_from(page).unwrap_or(0);
    let mut row = Vec::new();
    if page > 0 {
        row.push(button(back, show(page_number(page - 1))));
    }
    if page + 1 < pages {
        row.push(button(next, show(page_number(page + 1))));
    }
    (!row.is_empty()).then_some(row)
}

/// A message just sent with something the chat keeps only while `session`
/// lasts (a stored file, a chart, a calendar address): remembered, so it is
/// deleted from the chat when the session ends.
pub async fn gone_with_session(
    ui: &Ui,
    db: &PgPool,
    user_id: UserId,
    sent: &MessageRef,
    session: Session,
    now: DateTime<Utc>,
) -> HandlerResult {
    session_files::remember(db, user_id, &ui.stored(sent), session, now).await?;
    Ok(())
}
