//! What a person did, as a handler reads it.
//!
//! These values are also kept: an input that arrives while the second
//! factor's session is closed is sealed in a draft and carried out after
//! the code (`handlers::step_up`), so they serialise, and hold only what a
//! handler reads (no messenger's whole update).

use medcab_core::UserId;
use serde::{Deserialize, Serialize};

use super::{ChatRef, MessageRef};

/// One update from a person's private chat, in messenger-neutral form.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The messenger's id of the update: a redelivered one is claimed once.
    pub update_id: i64,
    pub chat: ChatRef,
    pub from: Sender,
    pub what: What,
}

/// Who sent an update.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The account the sender is (their stored id; see `core::channels`).
    pub user: UserId,
    /// The messenger's own id of the sender.
    pub external_id: i64,
    pub first_name: String,
    /// The language the messenger reports for them (an IETF tag), if any.
    pub language: Option<String>,
}

/// A message or a press.
#[derive(Debug, Clone)]
pub enum What {
    Said(Said),
    Press(Press),
}

impl Incoming {
    pub fn said(&self) -> Option<Said> {
        match &self.what {
            What::Said(said) => Some(said.clone()),
            What::Press(_) => None,
        }
    }

    pub fn press(&self) -> Option<Press> {
        match &self.what {
            What::Press(press) => Some(press.clone()),
            What::Said(_) => None,
        }
    }

    /// A short name of the update's kind, for logs.
    pub fn kind(&self) -> &'static str {
        match &self.what {
            What::Said(said) if said.text.as_deref().is_some_and(|t| t.starts_with('/')) => {
                "command"
            }
            What::Said(_) => "message",
            What::Press(_) => "callback_query",
        }
    }
}

/// A message the person sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Said {
    /// Absent for a message made up by the bot itself (a held command).
    pub message: Option<MessageRef>,
    pub text: Option<String>,
    /// The caption of a file.
    pub caption: Option<String>,
    pub contact: Option<SharedContact>,
    pub file: Option<SentFile>,
}

impl Said {
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// Everything typed in the message: its text and a file's caption.
    pub fn typed(&self) -> impl Iterator<Item = &str> {
        self.text
            .as_deref()
            .into_iter()
            .chain(self.caption.as_deref())
    }

    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }
}

/// A contact's owner as an adapter marks the sender's own, before the
/// sender's account is known (`handlers::identify` puts it in).
pub const OWN_CONTACT: UserId = UserId::from_stored(0);

/// A contact card shared with the phone button.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedContact {
    pub phone: String,
    /// Whose contact it is, when the messenger says so: only the sender's
    /// own is taken as their phone.
    pub owner: Option<UserId>,
}

/// A file sent in a message (a document, or a photo in its largest size).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentFile {
    /// The messenger's handle to download it by.
    pub id: String,
    pub size: u64,
    pub name: Option<String>,
    pub kind: FileKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    Document,
    Photo,
}

/// A pressed button.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Press {
    /// The messenger's id of the press, to answer it by.
    pub id: String,
    /// What the button carries (`handlers::Action`, encoded).
    pub data: Option<String>,
    /// The message the button was on, when the messenger still has it.
    pub message: Option<Shown>,
    /// Carried out after the second-factor code: the messenger was
    /// answered for it back then, and is not answered again.
    #[serde(default)]
    pub replayed: bool,
}

/// The message a pressed button was on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub id: MessageRef,
    /// Whether it still has buttons (a press on an old client may come
    /// from a message whose buttons are gone).
    pub has_buttons: bool,
}
