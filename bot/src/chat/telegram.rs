//! The Telegram adapter: teloxide's updates into [`Incoming`], and a
//! [`super::Ui`]'s calls into Bot API requests.

use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ChatAction, FileId, InlineKeyboardButton, InlineKeyboardMarkup,
    InputFile, KeyboardButton, KeyboardMarkup, KeyboardRemove, MessageId, ParseMode, Recipient,
    UpdateKind,
};
use teloxide::{ApiError, RequestError};

use super::{
    Activity, ChatRef, Does, Failure, FileKind, Incoming, Keyboard, MenuEntry, MessageRef,
    OWN_CONTACT, OutgoingFile, Press, Said, Screen, Sender, SentFile, SharedContact, Shown, Ui,
    What,
};
use crate::user_ids::StoredId;

/// Telegram's limit on a message's text. Its count is of the text without
/// the HTML markup, so the markup's length is a margin, never an excess.
pub const TEXT_LIMIT: usize = 4096;

/// The route table on Telegram: each update made an [`Incoming`], with
/// the [`Ui`] to answer it through, then `routes` (`handlers::schema`).
pub fn routes(routes: super::Routes) -> super::Routes {
    dptree::filter_map(|update: Update| incoming(&update))
        .map(|bot: Bot, incoming: Incoming| Ui::telegram(bot, incoming.chat))
        .chain(routes)
}

/// The update as a handler reads it; `None` for what medcab does not serve
/// (groups and channels, edits, an id that cannot be stored).
pub fn incoming(update: &Update) -> Option<Incoming> {
    let chat = update.chat()?;
    let user = update.from()?;
    if !chat.is_private() {
        return None;
    }
    // Telegram's ids have at most 52 bits; one that a BIGINT cannot hold is
    // not a real user, and is never wrapped into someone else's id.
    let user_id = match user.stored() {
        Ok(user_id) => user_id,
        Err(error) => {
            tracing::warn!(%error, "dropping an update from an id that cannot be stored");
            return None;
        }
    };
    let what = match &update.kind {
        UpdateKind::Message(message) => What::Said(said(message)),
        UpdateKind::CallbackQuery(query) => What::Press(press(query)),
        _ => return None,
    };
    Some(Incoming {
        update_id: i64::from(update.id.0),
        chat: ChatRef::telegram(chat.id.0),
        from: Sender {
            user: user_id,
            external_id: user_id.get(),
            first_name: user.first_name.clone(),
            language: user.language_code.clone(),
        },
        what,
    })
}

fn said(message: &Message) -> Said {
    Said {
        message: Some(MessageRef::Telegram(message.id.0)),
        text: message.text().map(str::to_owned),
        caption: message.caption().map(str::to_owned),
        contact: message.contact().map(|contact| SharedContact {
            phone: contact.phone_number.clone(),
            // Only the sender's own card is theirs; any other (or one that
            // names no owner) is taken as someone else's.
            owner: (contact.user_id.is_some()
                && contact.user_id == message.from.as_ref().map(|u| u.id))
            .then_some(OWN_CONTACT),
        }),
        file: sent_file(message),
    }
}

fn sent_file(message: &Message) -> Option<SentFile> {
    if let Some(document) = message.document() {
        return Some(SentFile {
            id: document.file.id.0.clone(),
            size: u64::from(document.file.size),
            name: document.file_name.clone(),
            kind: FileKind::Document,
        });
    }
    // Telegram sends a photo in several sizes; the largest is the scan.
    let photo = message.photo()?.iter().max_by_key(|size| {
        (
            u64::from(size.width) * u64::from(size.height),
            size.file.size,
        )
    })?;
    Some(SentFile {
        id: photo.file.id.0.clone(),
        size: u64::from(photo.file.size),
        name: None,
        kind: FileKind::Photo,
    })
}

pub fn press(query: &CallbackQuery) -> Press {
    Press {
        id: query.id.0.clone(),
        data: query.data.clone(),
        message: query.regular_message().map(|message| Shown {
            id: MessageRef::Telegram(message.id.0),
            has_buttons: message.reply_markup().is_some(),
        }),
        replayed: false,
    }
}

fn chat_id(chat: ChatRef) -> ChatId {
    ChatId(chat.id)
}

fn message_id(message: &MessageRef) -> Result<MessageId, Failure> {
    match message {
        MessageRef::Telegram(id) => Ok(MessageId(*id)),
        MessageRef::Max(_) => Err("a Max message given to Telegram".into()),
    }
}

fn markup(keyboard: Keyboard) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(keyboard.rows.into_iter().map(|row| {
        row.into_iter().map(|button| match button.does {
            Does::Press(data) => InlineKeyboardButton::callback(button.label, data),
            Does::Link(url) => InlineKeyboardButton::url(button.label, url),
        })
    }))
}

pub(super) async fn post(bot: &Bot, chat: ChatRef, screen: Screen) -> Result<MessageRef, Failure> {
    send_text(bot, chat, screen, true).await
}

/// A notification from the outbox: not content-protected (it names nothing
/// personal, and a notice may be passed on), optionally as a paid
/// broadcast; Telegram's own error, which delivery reads to decide what
/// next.
pub(crate) async fn push(
    bot: &Bot,
    chat: ChatRef,
    screen: Screen,
    paid: bool,
) -> Result<MessageRef, RequestError> {
    let screen = screen.fitted(TEXT_LIMIT);
    let mut request = bot
        .send_message(chat_id(chat), screen.text)
        .parse_mode(ParseMode::Html);
    if !screen.keyboard.is_empty() {
        request = request.reply_markup(markup(screen.keyboard));
    }
    if paid {
        request = request.allow_paid_broadcast(true);
    }
    Ok(MessageRef::Telegram(request.await?.id.0))
}

/// [`post`] without content protection: a text meant to be copied.
pub(super) async fn post_shareable(
    bot: &Bot,
    chat: ChatRef,
    screen: Screen,
) -> Result<MessageRef, Failure> {
    send_text(bot, chat, screen, false).await
}

/// A new message with the screen, protected from saving and forwarding
/// unless it is meant to be copied.
async fn send_text(
    bot: &Bot,
    chat: ChatRef,
    screen: Screen,
    protected: bool,
) -> Result<MessageRef, Failure> {
    let screen = screen.fitted(TEXT_LIMIT);
    let mut request = bot
        .send_message(chat_id(chat), screen.text)
        .parse_mode(ParseMode::Html);
    if protected {
        request = request.protect_content(true);
    }
    let sent = if screen.keyboard.is_empty() {
        request.await?
    } else {
        request.reply_markup(markup(screen.keyboard)).await?
    };
    Ok(MessageRef::Telegram(sent.id.0))
}

pub(super) async fn edit(
    bot: &Bot,
    chat: ChatRef,
    message: &MessageRef,
    screen: Screen,
) -> Result<MessageRef, Failure> {
    let screen = screen.fitted(TEXT_LIMIT);
    let request = bot
        .edit_message_text(chat_id(chat), message_id(message)?, screen.text.clone())
        .parse_mode(ParseMode::Html);
    // An edit without a keyboard removes the old one, as a screen without
    // buttons should.
    let edited = if screen.keyboard.is_empty() {
        request.await
    } else {
        request.reply_markup(markup(screen.keyboard.clone())).await
    };
    match edited {
        Ok(_) => Ok(message.clone()),
        // A double tap: the screen is already what it should be.
        Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(message.clone()),
        Err(RequestError::Api(ApiError::MessageToEditNotFound | ApiError::MessageCantBeEdited)) => {
            post(bot, chat, screen).await
        }
        Err(error) => Err(error.into()),
    }
}

/// [`edit`] without posting anew when the message cannot be edited.
pub(super) async fn edit_in_place(
    bot: &Bot,
    chat: ChatRef,
    message: &MessageRef,
    screen: Screen,
) -> Result<(), Failure> {
    let screen = screen.fitted(TEXT_LIMIT);
    let request = bot
        .edit_message_text(chat_id(chat), message_id(message)?, screen.text)
        .parse_mode(ParseMode::Html);
    let edited = if screen.keyboard.is_empty() {
        request.await
    } else {
        request.reply_markup(markup(screen.keyboard)).await
    };
    match edited {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

pub(super) async fn set_keyboard(
    bot: &Bot,
    chat: ChatRef,
    message: &MessageRef,
    keyboard: Keyboard,
) -> Result<(), Failure> {
    let request = bot.edit_message_reply_markup(chat_id(chat), message_id(message)?);
    let edited = if keyboard.is_empty() {
        request.await
    } else {
        request.reply_markup(markup(keyboard)).await
    };
    match edited {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// `false` when the press can no longer be answered: Telegram keeps a
/// query a short while and takes one answer (a press handled again after
/// its instance died, or handled long after it came, was answered or has
/// expired). Its spinner has stopped by then; a notice goes as a message.
pub(super) async fn answer(
    bot: &Bot,
    press: &Press,
    text: Option<String>,
) -> Result<bool, Failure> {
    let request = bot.answer_callback_query(teloxide::types::CallbackQueryId(press.id.clone()));
    let answered = match text {
        Some(text) => request.text(text).await,
        None => request.await,
    };
    match answered {
        Ok(_) => Ok(true),
        Err(RequestError::Api(ApiError::InvalidQueryId)) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

pub(super) async fn delete(bot: &Bot, chat: ChatRef, message: &MessageRef) -> Result<(), Failure> {
    bot.delete_message(chat_id(chat), message_id(message)?)
        .await?;
    Ok(())
}

pub(super) async fn activity(bot: &Bot, chat: ChatRef, activity: Activity) -> Result<(), Failure> {
    let action = match activity {
        Activity::Typing => ChatAction::Typing,
        Activity::UploadingDocument => ChatAction::UploadDocument,
        Activity::UploadingPhoto => ChatAction::UploadPhoto,
    };
    bot.send_chat_action(chat_id(chat), action).await?;
    Ok(())
}

pub(super) async fn send_file(
    bot: &Bot,
    chat: ChatRef,
    file: OutgoingFile,
    picture: bool,
) -> Result<MessageRef, Failure> {
    let input = InputFile::memory(file.bytes).file_name(file.name);
    let keyboard = (!file.keyboard.is_empty()).then(|| markup(file.keyboard));
    let sent = if picture {
        let mut request = bot
            .send_photo(chat_id(chat), input)
            .parse_mode(ParseMode::Html)
            .protect_content(file.protect);
        if let Some(caption) = file.caption {
            request = request.caption(caption);
        }
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        request.await?
    } else {
        let mut request = bot
            .send_document(chat_id(chat), input)
            .parse_mode(ParseMode::Html)
            .protect_content(file.protect);
        if let Some(caption) = file.caption {
            request = request.caption(caption);
        }
        if let Some(keyboard) = keyboard {
            request = request.reply_markup(keyboard);
        }
        request.await?
    };
    Ok(MessageRef::Telegram(sent.id.0))
}

pub(super) async fn download(bot: &Bot, file: &SentFile) -> Result<Vec<u8>, Failure> {
    let file = bot.get_file(FileId(file.id.clone())).await?;
    let mut bytes = Vec::with_capacity(file.size as usize);
    bot.download_file(&file.path, &mut bytes).await?;
    Ok(bytes)
}

pub(super) async fn ask_contact(
    bot: &Bot,
    chat: ChatRef,
    text: String,
    button: String,
) -> Result<(), Failure> {
    let keyboard = KeyboardMarkup::new([[
        KeyboardButton::new(button).request(teloxide::types::ButtonRequest::Contact)
    ]])
    .resize_keyboard()
    .one_time_keyboard();
    bot.send_message(chat_id(chat), text)
        .parse_mode(ParseMode::Html)
        .protect_content(true)
        .reply_markup(keyboard)
        .await?;
    Ok(())
}

pub(super) async fn remove_contact_button(
    bot: &Bot,
    chat: ChatRef,
    text: String,
) -> Result<(), Failure> {
    bot.send_message(chat_id(chat), text)
        .parse_mode(ParseMode::Html)
        .protect_content(true)
        .reply_markup(KeyboardRemove::new())
        .await?;
    Ok(())
}

fn commands(menu: Vec<MenuEntry>) -> Vec<BotCommand> {
    menu.into_iter()
        .map(|entry| BotCommand::new(entry.command, entry.description))
        .collect()
}

pub(super) async fn set_chat_menu(
    bot: &Bot,
    chat: ChatRef,
    menu: Option<Vec<MenuEntry>>,
) -> Result<(), Failure> {
    let scope = BotCommandScope::Chat {
        chat_id: Recipient::Id(chat_id(chat)),
    };
    match menu {
        Some(menu) => bot.set_my_commands(commands(menu)).scope(scope).await?,
        None => bot.delete_my_commands().scope(scope).await?,
    };
    Ok(())
}

pub(super) async fn set_default_menu(
    bot: &Bot,
    language: Option<&str>,
    menu: Vec<MenuEntry>,
) -> Result<(), Failure> {
    let request = bot.set_my_commands(commands(menu));
    match language {
        Some(language) => request.language_code(language).await?,
        None => request.await?,
    };
    Ok(())
}
