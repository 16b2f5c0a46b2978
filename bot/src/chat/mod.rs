//! The conversation surface every handler sees, whatever the messenger.
//!
//! A handler is given what the person did, [`Said`] (a message: text, a
//! shared contact, a file) or [`Press`] (a button), and answers through a
//! [`Ui`] with [`Screen`]s. An adapter per messenger (`telegram`, and Max
//! next) turns its updates into an [`Incoming`] and a [`Ui`]'s calls into
//! its API requests; nothing above this module names a messenger's types.
//!
//! Invariants the adapters keep, so handlers need not:
//! - every screen is HTML from Fluent (arguments escaped in `i18n`) and is
//!   sent with content protection (see [`Ui::show`]);
//! - a screen longer than the messenger allows is cut at a line's end;
//! - a pressed button is answered once: a replayed press (carried out
//!   after the second-factor code) is not answered again.

mod dialogue;
mod input;
mod keyboard;
pub mod max;
pub mod telegram;
mod ui;

use serde::{Deserialize, Serialize};

pub use dialogue::{Dialogue, LostPositions, Positions};
pub use input::{
    FileKind, Incoming, OWN_CONTACT, Press, Said, Sender, SentFile, SharedContact, Shown, What,
};
pub use keyboard::Does;
pub use keyboard::{Button, Keyboard, Screen};
pub use ui::{Activity, Channel, MenuEntry, OutgoingFile, Ui, wait_asked};

/// What a chat layer call fails with: the messenger's error, boxed.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// A part of the route table: dptree's handler over an [`Incoming`], of
/// the description the Telegram dispatcher asks for (the Max poller runs
/// the same table; see `max_polling`).
pub type Routes =
    dptree::Handler<'static, Result<(), Failure>, teloxide::dispatching::DpHandlerDescription>;

pub use medcab_core::channels::Messenger;

/// A chat on one messenger: the person's private chat with the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChatRef {
    pub messenger: Messenger,
    /// The messenger's own id of the chat.
    pub id: i64,
}

impl ChatRef {
    pub fn telegram(id: i64) -> ChatRef {
        ChatRef {
            messenger: Messenger::Telegram,
            id,
        }
    }
}

/// A message in a chat, as its messenger names it (Telegram counts them
/// per chat; Max gives each a string id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageRef {
    Telegram(i32),
    Max(String),
}

impl MessageRef {
    /// The id as a number, for the tables that keep one (Telegram's).
    pub fn stored(&self) -> Option<i64> {
        match self {
            MessageRef::Telegram(id) => Some(i64::from(*id)),
            MessageRef::Max(_) => None,
        }
    }
}
