//! The one edge every typed text passes before any conversation sees it.
//!
//! A control character (NUL, ESC, backspace …) never belongs in what a
//! person types: PostgreSQL refuses a NUL in text, so one pasted into an
//! answer failed the handler and the user heard nothing; others were
//! stored in addresses and document numbers, invisible and unsearchable.
//! Such a message is refused here, with what to do, and taken by no
//! conversation, so nothing already given is lost. Line breaks and tabs
//! pass: notes and summaries are written in several lines; a field that
//! must be one line says so itself.
//!
//! ```text
//! user: Терапия␀
//! bot:  В сообщении есть невидимые управляющие символы … Наберите текст заново …
//! ```

use medcab_core::domain::characters;

use super::{HandlerResult, Turn};
use crate::chat::Said;

/// Whether a message's text or caption holds a character no person types.
pub fn has_control_characters(said: Said) -> bool {
    said.typed()
        .any(|text| text.chars().any(characters::is_refused_in_typed_text))
}

/// The answer to such a message; whatever conversation was open stays
/// where it was, waiting for the text typed again. The message leaves the
/// chat like any refused answer: pasted from a PDF, it is as likely as not
/// a СНИЛС, a passport number or a code.
pub async fn refuse(turn: Turn, said: Said) -> HandlerResult {
    super::code_entry::forget(&turn.ui, &said).await;
    tracing::info!(
        user_id = turn.user.get(),
        "a message with control characters was refused"
    );
    turn.ui.say(turn.t.msg("typed-control-characters")).await
}
