//! How the bot puts text on a phone: one message per menu, edited in place.
//!
//! The screens themselves ([`Screen`], buttons) and their sending are the
//! messenger-neutral [`crate::chat`]; this module adds the buttons that
//! carry an [`Action`].

use super::Action;
use crate::chat::Button;

pub use crate::chat::Screen;

/// A button that does `action` when pressed.
pub fn button(label: String, action: Action) -> Button {
    Button::press(label, action.encode())
}
