//! An update's body as it arrives (a webhook's request, one item of a
//! poll) into what the inbox stores: its id and chat, or why it is poison,
//! or nothing when medcab does not serve it (a group's message, an edit),
//! which is acknowledged and forgotten.

use medcab_core::inbox::Arrival;
use serde_json::Value;

use crate::chat;
use crate::max::types::Update as MaxUpdate;

/// A Telegram update's JSON.
pub fn telegram(body: &[u8]) -> Option<Arrival> {
    match serde_json::from_slice::<teloxide::types::Update>(body) {
        Ok(update) => telegram_update(&update, body.to_vec()),
        Err(error) => Some(poison(body, "update_id", &error)),
    }
}

/// A Telegram update already read (a poll's), with its JSON.
pub fn telegram_update(update: &teloxide::types::Update, body: Vec<u8>) -> Option<Arrival> {
    let incoming = chat::telegram::incoming(update)?;
    Some(Arrival {
        update_id: Some(incoming.update_id),
        chat_id: incoming.chat.id,
        body,
        poison: None,
    })
}

/// What one getUpdates answer brings, as stored.
pub fn telegram_poll(updates: &[teloxide::types::Update]) -> Vec<Arrival> {
    updates
        .iter()
        .filter_map(|update| telegram_update(update, serde_json::to_vec(update).ok()?))
        .collect()
}

/// What one GET /updates answer of Max brings, as stored.
pub fn max_poll(updates: &[Value]) -> Vec<Arrival> {
    updates
        .iter()
        .filter_map(|update| max(&serde_json::to_vec(update).ok()?))
        .collect()
}

/// A Max update's JSON. `bot_stopped` is kept too: it marks the chat
/// unreachable when handled, in the chat's order.
pub fn max(body: &[u8]) -> Option<Arrival> {
    let update = match serde_json::from_slice::<MaxUpdate>(body) {
        Ok(update) => update,
        // Max's updates carry no id: a poison one is stored as often as
        // it comes.
        Err(error) => return Some(poison(body, "", &error)),
    };
    let (update_id, chat_id) = match &update {
        MaxUpdate::BotStopped {
            timestamp, chat_id, ..
        } => (
            chat::max::key(&["stopped", &chat_id.to_string(), &timestamp.to_string()]),
            *chat_id,
        ),
        _ => {
            let incoming = chat::max::incoming(&update)?;
            (incoming.update_id, incoming.chat.id)
        }
    };
    Some(Arrival {
        update_id: Some(update_id),
        chat_id,
        body: body.to_vec(),
        poison: None,
    })
}

/// How much of a poison body is kept.
const POISON_KEPT: usize = 16 * 1024;

/// A body that does not read as an update: kept, with its id when one
/// can be found in it (so a messenger retrying it stores it once).
fn poison(body: &[u8], id_field: &str, error: &serde_json::Error) -> Arrival {
    let update_id = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| value.get(id_field)?.as_i64());
    // serde's message quotes the value it refused, which may be what a
    // person typed: only where it is goes into the row and the log.
    let at = format!("line {}, column {}", error.line(), error.column());
    tracing::warn!(
        ?update_id,
        at,
        "an update that does not parse; kept as poison"
    );
    Arrival {
        update_id,
        chat_id: 0,
        // Enough for an engineer to see what it was; a flood of large
        // bodies does not fill the disk.
        body: body[..body.len().min(POISON_KEPT)].to_vec(),
        poison: Some(format!("does not parse ({at})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn private_message(update_id: i64, chat: i64) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "update_id": update_id,
            "message": {
                "message_id": 1, "date": 1_700_000_000,
                "chat": {"id": chat, "type": "private", "first_name": "Анна"},
                "from": {"id": chat, "is_bot": false, "first_name": "Анна"},
                "text": "/start"
            }
        }))
        .unwrap()
    }

    #[test]
    fn a_private_message_is_kept_with_its_id_and_chat() {
        let arrival = telegram(&private_message(41, 7001)).unwrap();
        assert_eq!(arrival.update_id, Some(41));
        assert_eq!(arrival.chat_id, 7001);
        assert!(arrival.poison.is_none());
    }

    #[test]
    fn a_group_message_is_not_served_and_garbage_is_poison() {
        let group = serde_json::to_vec(&json!({
            "update_id": 42,
            "message": {
                "message_id": 1, "date": 1_700_000_000,
                "chat": {"id": -5, "type": "group", "title": "Ординаторская"},
                "from": {"id": 7001, "is_bot": false, "first_name": "Анна"},
                "text": "/start"
            }
        }))
        .unwrap();
        assert!(telegram(&group).is_none());

        let garbage = telegram(b"\xff\x00not json").unwrap();
        assert!(
            garbage
                .poison
                .unwrap()
                .starts_with("does not parse (line 1")
        );
        let garbage = telegram(b"\xff\x00not json").unwrap();
        assert_eq!(garbage.update_id, None);
        assert_eq!(garbage.chat_id, 0);
    }

    #[test]
    fn max_updates_are_keyed_and_a_stop_is_kept() {
        let started = serde_json::to_vec(&json!({
            "update_type": "bot_started", "timestamp": 5, "chat_id": 90,
            "user": {"user_id": 9, "first_name": "Анна", "is_bot": false}
        }))
        .unwrap();
        let arrival = max(&started).unwrap();
        assert_eq!(arrival.chat_id, 90);
        assert_eq!(max(&started).unwrap().update_id, arrival.update_id);

        let stopped = serde_json::to_vec(&json!({
            "update_type": "bot_stopped", "timestamp": 6, "chat_id": 90,
            "user": {"user_id": 9, "first_name": "Анна", "is_bot": false}
        }))
        .unwrap();
        let stop = max(&stopped).unwrap();
        assert_eq!(stop.chat_id, 90);
        assert_ne!(stop.update_id, arrival.update_id);

        let other =
            serde_json::to_vec(&json!({"update_type": "dialog_muted", "timestamp": 1})).unwrap();
        assert!(max(&other).is_none());
        assert!(max(b"[]").unwrap().poison.is_some());
    }
}
