//! [`Ui`]: the chat a handler answers in.

use std::sync::{Arc, Mutex};

use medcab_core::session_files::Session;

use super::{ChatRef, Failure, Keyboard, MessageRef, Press, Screen, SentFile, StoredMessage};
use super::{max, telegram};

/// The chat an update came from, and the messenger to answer through.
#[derive(Clone)]
pub struct Ui {
    chat: ChatRef,
    outlet: Channel,
    /// The screens put in this chat through this `Ui` and its clones (one
    /// update's turn), when the turn was marked [`Ui::confidential`].
    shown: Arc<Mutex<Shown>>,
}

#[derive(Debug, Default)]
struct Shown {
    /// The session whose end closes what this turn shows, once marked.
    confidential: Option<Session>,
    screens: Vec<MessageRef>,
}

/// A messenger the bot is connected to, to talk through.
#[derive(Clone)]
pub enum Channel {
    Telegram(teloxide::Bot),
    Max(crate::max::MaxClient),
}

impl Channel {
    pub fn messenger(&self) -> super::Messenger {
        match self {
            Channel::Telegram(_) => super::Messenger::Telegram,
            Channel::Max(_) => super::Messenger::Max,
        }
    }

    /// A chat on this messenger.
    pub fn ui(&self, chat_id: i64) -> Ui {
        Ui::new(
            ChatRef {
                messenger: self.messenger(),
                id: chat_id,
            },
            self.clone(),
        )
    }

    /// The command menu of every chat without one of its own, for readers
    /// of `language` (`None`: everyone else).
    pub async fn set_default_menu(
        &self,
        language: Option<&str>,
        menu: Vec<MenuEntry>,
    ) -> Result<(), Failure> {
        match self {
            Channel::Telegram(bot) => telegram::set_default_menu(bot, language, menu).await,
            // Max has no command menu to set.
            Channel::Max(_) => Ok(()),
        }
    }
}

/// What the bot is seen doing while something slow is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Typing,
    UploadingDocument,
    UploadingPhoto,
}

/// A file the bot sends: a PDF, a calendar, a QR picture.
#[derive(Debug, Clone)]
pub struct OutgoingFile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// HTML, as a screen's text.
    pub caption: Option<String>,
    pub keyboard: Keyboard,
    /// Sent protected from forwarding and saving, as every screen is,
    /// unless it is meant to be passed on (a report for the employer).
    pub protect: bool,
}

impl OutgoingFile {
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> OutgoingFile {
        OutgoingFile {
            name: name.into(),
            bytes,
            caption: None,
            keyboard: Keyboard::default(),
            protect: true,
        }
    }

    /// A file the person may forward (it is meant for someone else).
    pub fn shareable(mut self) -> OutgoingFile {
        self.protect = false;
        self
    }

    pub fn caption(mut self, caption: String) -> OutgoingFile {
        self.caption = Some(caption);
        self
    }

    pub fn keyboard(mut self, keyboard: Keyboard) -> OutgoingFile {
        self.keyboard = keyboard;
        self
    }
}

/// A command in a chat's command menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    pub command: String,
    pub description: String,
}

impl Ui {
    fn new(chat: ChatRef, outlet: Channel) -> Ui {
        Ui {
            chat,
            outlet,
            shown: Arc::default(),
        }
    }

    pub fn max(client: crate::max::MaxClient, chat: ChatRef) -> Ui {
        Ui::new(chat, Channel::Max(client))
    }

    pub fn telegram(bot: teloxide::Bot, chat: ChatRef) -> Ui {
        Ui::new(chat, Channel::Telegram(bot))
    }

    /// From now on in this turn, the screens shown here carry personal
    /// data that `session` allowed: [`Ui::confidential_screens`] names
    /// them, to be closed when that session ends.
    pub fn confidential(&self, session: Session) {
        self.shown.lock().expect("not poisoned").confidential = Some(session);
    }

    /// The screens shown (posted or edited) since the turn was marked
    /// [`Ui::confidential`], with the session that allowed them.
    pub fn confidential_screens(&self) -> Option<(Session, Vec<MessageRef>)> {
        let shown = self.shown.lock().expect("not poisoned");
        shown
            .confidential
            .map(|session| (session, shown.screens.clone()))
    }

    fn shown(&self, message: &MessageRef) {
        let mut shown = self.shown.lock().expect("not poisoned");
        if shown.confidential.is_some() && !shown.screens.contains(message) {
            shown.screens.push(message.clone());
        }
    }

    /// The messenger this chat is on.
    pub fn channel(&self) -> &Channel {
        &self.outlet
    }

    pub fn chat(&self) -> ChatRef {
        self.chat
    }

    /// The same messenger, another chat (a notice to someone else; what is
    /// shown there is not this turn's).
    pub fn to(&self, chat: ChatRef) -> Ui {
        Ui {
            shown: Arc::default(),
            chat,
            outlet: self.outlet.clone(),
        }
    }

    /// A text with no buttons, as a new message.
    pub async fn say(&self, text: String) -> Result<(), Failure> {
        self.show(Screen::text(text)).await
    }

    /// A screen as a new message. Every screen is sent protected: the
    /// cabinet shows passports, СНИЛС and diplomas, and a menu edited into
    /// a card keeps the protection it was sent with (an edit cannot add
    /// it), so the only sure way is to protect every screen from the start.
    /// Pushes, which carry no personal data, are sent by delivery without.
    pub async fn show(&self, screen: Screen) -> Result<(), Failure> {
        self.post(screen).await.map(|_| ())
    }

    /// [`Ui::show`], giving the new message's id.
    pub async fn post(&self, screen: Screen) -> Result<MessageRef, Failure> {
        let posted = match &self.outlet {
            Channel::Telegram(bot) => telegram::post(bot, self.chat, screen).await,
            Channel::Max(client) => max::post(client, self.chat, screen).await,
        }?;
        self.shown(&posted);
        Ok(posted)
    }

    /// A text the person is to copy (an address for their calendar app), as
    /// a new message sent without content protection, which would keep it
    /// from being copied. Not one of the turn's screens: the caller decides
    /// what becomes of it (`session_files`).
    pub async fn say_shareable(&self, text: String) -> Result<MessageRef, Failure> {
        let screen = Screen::text(text);
        match &self.outlet {
            Channel::Telegram(bot) => telegram::post_shareable(bot, self.chat, screen).await,
            // Max has no content protection: every message is shareable.
            Channel::Max(client) => max::post(client, self.chat, screen).await,
        }
    }

    /// A screen in place of the message whose button was pressed; when that
    /// message can no longer be edited (too old, deleted), as a new one.
    pub async fn replace(&self, press: &Press, screen: Screen) -> Result<(), Failure> {
        match &press.message {
            // A press held on one messenger may be carried out after a code
            // typed on the other: its message is not in this chat.
            Some(shown) if self.is_ours(&shown.id) => self.edit(&shown.id, screen).await,
            _ => self.show(screen).await,
        }
    }

    /// Whether `message` is named as this chat's messenger names one.
    fn is_ours(&self, message: &MessageRef) -> bool {
        matches!(
            (&self.outlet, message),
            (Channel::Telegram(_), MessageRef::Telegram(_)) | (Channel::Max(_), MessageRef::Max(_))
        )
    }

    /// A screen in place of `message`, or as a new one when it cannot be
    /// edited any more. A screen without buttons removes the old ones.
    pub async fn edit(&self, message: &MessageRef, screen: Screen) -> Result<(), Failure> {
        let shown = match &self.outlet {
            Channel::Telegram(bot) => telegram::edit(bot, self.chat, message, screen).await,
            Channel::Max(client) => max::edit(client, self.chat, message, screen).await,
        }?;
        self.shown(&shown);
        Ok(())
    }

    /// `message` edited in place, and only that (a progress message a task
    /// keeps editing): unlike [`Ui::edit`], one that can no longer be
    /// edited is not posted anew, and what is edited is not this turn's
    /// (not remembered by [`Ui::confidential`]). One that already shows the
    /// screen is fine.
    pub async fn edit_in_place(&self, message: &MessageRef, screen: Screen) -> Result<(), Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => {
                telegram::edit_in_place(bot, self.chat, message, screen).await
            }
            Channel::Max(client) => max::edit_in_place(client, message, screen).await,
        }
    }

    /// Only the buttons of `message` changed (none: removed).
    pub async fn set_keyboard(
        &self,
        message: &MessageRef,
        keyboard: Keyboard,
    ) -> Result<(), Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => {
                telegram::set_keyboard(bot, self.chat, message, keyboard).await
            }
            // Max edits a message whole: its text is not known here, so the
            // buttons go with an edit of the screen (`Ui::edit`).
            Channel::Max(_) => {
                let _ = (message, keyboard);
                Ok(())
            }
        }
    }

    /// Stops the spinner on a pressed button; messengers expect it at once.
    pub async fn answer(&self, press: &Press) -> Result<(), Failure> {
        if press.replayed {
            return Ok(());
        }
        match &self.outlet {
            Channel::Telegram(bot) => telegram::answer(bot, press, None).await,
            Channel::Max(client) => max::answer(client, press, None).await,
        }
        .map(|_| ())
    }

    /// Answers a pressed button with a short notice over the chat (a
    /// replayed press, long answered, gets it as a message).
    pub async fn answer_with(&self, press: &Press, text: String) -> Result<(), Failure> {
        if press.replayed {
            return self.say(text).await;
        }
        let answered = match &self.outlet {
            Channel::Telegram(bot) => telegram::answer(bot, press, Some(text.clone())).await?,
            Channel::Max(client) => max::answer(client, press, Some(text.clone())).await?,
        };
        if answered {
            Ok(())
        } else {
            self.say(text).await
        }
    }

    /// Deletes a message. Best effort: one already gone, or too old for a
    /// bot to delete, stays, and that is not an error.
    pub async fn delete(&self, message: &MessageRef) {
        let result = match &self.outlet {
            Channel::Telegram(bot) => telegram::delete(bot, self.chat, message).await,
            Channel::Max(client) => max::delete(client, message).await,
        };
        if let Err(error) = result {
            tracing::info!(%error, "could not delete a message");
        }
    }

    /// [`Ui::delete`] for a message kept in the database
    /// ([`StoredMessage::encode`]), if it is in this chat.
    pub async fn delete_stored(&self, stored: &str) {
        match StoredMessage::decode(stored) {
            Some(stored) if stored.chat == self.chat => self.delete(&stored.message).await,
            _ => tracing::warn!("a stored message of another chat, or unreadable, not deleted"),
        }
    }

    /// A message of this chat, as a table keeps it ([`StoredMessage`]).
    pub fn stored(&self, message: &MessageRef) -> String {
        StoredMessage::new(self.chat, message.clone()).encode()
    }

    /// Shows the person that something slow is under way. Best effort.
    pub async fn activity(&self, activity: Activity) {
        let result = match &self.outlet {
            Channel::Telegram(bot) => telegram::activity(bot, self.chat, activity).await,
            Channel::Max(client) => max::activity(client, self.chat, activity).await,
        };
        if let Err(error) = result {
            tracing::info!(%error, "could not show the chat action");
        }
    }

    /// Sends a file (protected unless [`OutgoingFile::shareable`]).
    pub async fn send_file(&self, file: OutgoingFile) -> Result<MessageRef, Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => telegram::send_file(bot, self.chat, file, false).await,
            Channel::Max(client) => max::send_file(client, self.chat, file, false).await,
        }
    }

    /// Sends a picture (PNG) shown in the chat.
    pub async fn send_picture(&self, picture: OutgoingFile) -> Result<MessageRef, Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => telegram::send_file(bot, self.chat, picture, true).await,
            Channel::Max(client) => max::send_file(client, self.chat, picture, true).await,
        }
    }

    /// The bytes of a file the person sent.
    pub async fn download(&self, file: &SentFile) -> Result<Vec<u8>, Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => telegram::download(bot, file).await,
            Channel::Max(client) => max::download(client, file).await,
        }
    }

    /// A text with a button that shares the person's own phone number.
    pub async fn ask_contact(&self, text: String, button: String) -> Result<(), Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => telegram::ask_contact(bot, self.chat, text, button).await,
            Channel::Max(client) => max::ask_contact(client, self.chat, text, button).await,
        }
    }

    /// A text that takes the phone button away again.
    pub async fn say_without_contact_button(&self, text: String) -> Result<(), Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => telegram::remove_contact_button(bot, self.chat, text).await,
            // Max's contact button is on its message: nothing to take away.
            Channel::Max(_) => self.say(text).await,
        }
    }

    /// This chat's own command menu; `None` goes back to the default one.
    pub async fn set_menu(&self, menu: Option<Vec<MenuEntry>>) -> Result<(), Failure> {
        match &self.outlet {
            Channel::Telegram(bot) => telegram::set_chat_menu(bot, self.chat, menu).await,
            Channel::Max(_) => {
                let _ = menu;
                Ok(())
            }
        }
    }
}

/// How long the messenger asked to wait before the next call, when `error`
/// (of a [`Ui`] call) is its flood control.
pub fn wait_asked(error: &Failure) -> Option<std::time::Duration> {
    if let Some(teloxide::RequestError::RetryAfter(wait)) = error.downcast_ref() {
        return Some(wait.duration());
    }
    match error.downcast_ref::<crate::max::MaxError>() {
        Some(crate::max::MaxError {
            kind: crate::max::MaxErrorKind::TooManyRequests { retry_after },
            ..
        }) => Some(*retry_after),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_of_the_other_messenger_is_not_edited_here() {
        let ui = Channel::Telegram(teloxide::Bot::new("0:token")).ui(1001);
        assert!(ui.is_ours(&MessageRef::Telegram(7)));
        assert!(!ui.is_ours(&MessageRef::Max("mid.1".into())));
    }
}
