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
mod trouble;
mod ui;

use serde::{Deserialize, Serialize};

pub use dialogue::{Dialogue, LostPositions, Positions};
pub use input::{
    FileKind, Incoming, OWN_CONTACT, Press, Said, Sender, SentFile, SharedContact, Shown, What,
};
pub use keyboard::Does;
pub use keyboard::{Button, Keyboard, Screen};
pub use trouble::passing_trouble;
pub use ui::{Activity, Channel, MenuEntry, OutgoingFile, Ui, wait_asked};

/// What a chat layer call fails with: the messenger's error, boxed.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// A part of the route table: dptree's handler over an [`Incoming`], of
/// the description the Telegram dispatcher asks for (the Max poller runs
/// the same table; see `inbox::worker`).
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

/// A message with the chat it is in, as a table keeps it to delete or
/// edit later (`session_files`, an enrolment QR code):
/// `telegram:<chat>:<message>` or `max:<chat>:<mid>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub chat: ChatRef,
    pub message: MessageRef,
}

impl StoredMessage {
    pub fn new(chat: ChatRef, message: MessageRef) -> StoredMessage {
        StoredMessage { chat, message }
    }

    pub fn encode(&self) -> String {
        match &self.message {
            MessageRef::Telegram(id) => format!("telegram:{}:{id}", self.chat.id),
            MessageRef::Max(mid) => format!("max:{}:{mid}", self.chat.id),
        }
    }

    /// `None` for what [`StoredMessage::encode`] did not write.
    pub fn decode(text: &str) -> Option<StoredMessage> {
        let (messenger, rest) = text.split_once(':')?;
        let (chat, message) = rest.split_once(':')?;
        let id: i64 = chat.parse().ok()?;
        let (messenger, message) = match messenger {
            "telegram" => (
                Messenger::Telegram,
                MessageRef::Telegram(message.parse().ok()?),
            ),
            "max" if !message.is_empty() => (Messenger::Max, MessageRef::Max(message.to_owned())),
            _ => return None,
        };
        Some(StoredMessage {
            chat: ChatRef { messenger, id },
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_message_round_trips_and_nothing_else_decodes() {
        let messages = [
            StoredMessage::new(ChatRef::telegram(1001), MessageRef::Telegram(42)),
            StoredMessage::new(
                ChatRef {
                    messenger: Messenger::Max,
                    id: -77,
                },
                MessageRef::Max("mid.0de7:18".into()),
            ),
        ];
        for message in messages {
            assert_eq!(StoredMessage::decode(&message.encode()), Some(message));
        }
        assert_eq!(
            StoredMessage::decode("telegram:1001:42"),
            Some(StoredMessage::new(
                ChatRef::telegram(1001),
                MessageRef::Telegram(42)
            ))
        );
        for bad in [
            "",
            "42",
            "telegram:1001",
            "telegram:x:1",
            "telegram:1:mid",
            "max:1:",
            "icq:1:2",
        ] {
            assert_eq!(StoredMessage::decode(bad), None, "{bad}");
        }
    }
}
