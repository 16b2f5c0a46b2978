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
