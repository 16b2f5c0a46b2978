//! Bot API objects (User, Chat, Message, …) in the exact JSON shape Telegram
//! sends, built from the sandbox's state.

use serde_json::{Map, Value, json};

use crate::state::{BotIdentity, State, StoredFile, StoredMessage};
use crate::view::{self, User};

pub(crate) fn bot_user(bot: &BotIdentity) -> Value {
    json!({
        "id": bot.id,
        "is_bot": true,
        "first_name": bot.first_name,
        "username": bot.username,
    })
}

pub(crate) fn me(bot: &BotIdentity) -> Value {
    let mut me = bot_user(bot);
    let extra = json!({
        "can_join_groups": true,
        "can_read_all_group_messages": false,
        "supports_inline_queries": false,
        "can_connect_to_business": false,
        "has_main_web_app": false,
    });
    if let (Some(me), Value::Object(extra)) = (me.as_object_mut(), extra) {
        me.extend(extra);
    }
    me
}

pub(crate) fn user(user: &User) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), user.id.into());
    object.insert("is_bot".into(), false.into());
    object.insert("first_name".into(), user.first_name.clone().into());
    insert_some(&mut object, "last_name", &user.last_name);
    insert_some(&mut object, "username", &user.username);
    insert_some(&mut object, "language_code", &user.language_code);
    Value::Object(object)
}

/// The private chat with `user` (its id is the user's id).
pub(crate) fn private_chat(user: &User) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), user.id.into());
    object.insert("type".into(), "private".into());
    object.insert("first_name".into(), user.first_name.clone().into());
    insert_some(&mut object, "last_name", &user.last_name);
    insert_some(&mut object, "username", &user.username);
    Value::Object(object)
}

fn insert_some(object: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        object.insert(key.into(), value.clone().into());
    }
}

/// A message of the chat with `owner`.
pub(crate) fn message(
    state: &State,
    bot: &BotIdentity,
    owner: &User,
    stored: &StoredMessage,
) -> Value {
    let view = &stored.view;
    let from = match view.from {
        view::From::Bot => bot_user(bot),
        view::From::User => user(owner),
    };
    let mut message = json!({
        "message_id": view.message_id,
        "from": from,
        "chat": private_chat(owner),
        "date": view.date,
    });
    if let Some(edit_date) = stored.edit_date {
        message["edit_date"] = edit_date.into();
    }
    if let Some(text) = &view.text {
        message["text"] = text.clone().into();
        if !stored.entities.is_empty() {
            message["entities"] = stored.entities.clone().into();
        }
    }
    if let Some(caption) = &view.caption {
        message["caption"] = caption.clone().into();
    }
    if let Some(document) = &view.document {
        message["document"] = file_object(state.files.get(&document.file_id), &document.file_id);
        if let Some(name) = &document.file_name {
            message["document"]["file_name"] = name.clone().into();
        }
        if let Some(mime_type) = &document.mime_type {
            message["document"]["mime_type"] = mime_type.clone().into();
        }
    }
    if let Some(photo) = &view.photo {
        let file = state.files.get(&photo.file_id);
        let mut size = file_object(file, &photo.file_id);
        let (width, height) = file.and_then(|f| f.dimensions).unwrap_or((0, 0));
        size["width"] = width.into();
        size["height"] = height.into();
        message["photo"] = json!([size]);
    }
    if let Some(contact) = &view.contact {
        message["contact"] = json!({
            "phone_number": contact.phone_number,
            "first_name": contact.first_name,
        });
        if let Some(user_id) = contact.user_id {
            message["contact"]["user_id"] = user_id.into();
        }
    }
    if let Some(markup) = &view.reply_markup {
        message["reply_markup"] = serde_json::to_value(markup).unwrap_or_default();
    }
    if view.protect_content {
        message["has_protected_content"] = true.into();
    }
    message
}

/// The fields every file object shares; `file` is missing only if the state
/// lost a file a message refers to, which the sandbox never does.
fn file_object(file: Option<&StoredFile>, file_id: &str) -> Value {
    json!({
        "file_id": file_id,
        "file_unique_id": file.map(|f| f.file_unique_id.as_str()).unwrap_or(file_id),
        "file_size": file.map_or(0, |f| f.bytes.len()),
    })
}

/// `getFile`'s answer.
pub(crate) fn file(file: &StoredFile) -> Value {
    json!({
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.bytes.len(),
        "file_path": file.file_path,
    })
}
