//! The one place a Telegram id of a person becomes the id medcab stores.

use medcab_core::UserId;
use teloxide::types::{ChatId, Message, User};

/// The stored id of a Telegram user, of the sender of a message, or of the
/// person whose private chat this is. Telegram's user ids are unsigned;
/// one too large for the stored BIGINT is refused, never wrapped into
/// another person's.
pub trait StoredId {
    fn stored(&self) -> Result<UserId, NoStoredId>;
}

/// Why there is no stored id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoStoredId {
    /// A message without a sender, or a chat that is not a person's
    /// private chat. Only private chats are served (`handlers::visit`
    /// stops the others before any handler), so a handler never sees one.
    #[error("not a person's message or private chat")]
    NotAPerson,
    #[error("user id {0} does not fit a signed 64-bit integer")]
    OutOfRange(u64),
}

impl StoredId for teloxide::types::UserId {
    fn stored(&self) -> Result<UserId, NoStoredId> {
        UserId::from_telegram(self.0).map_err(|refused| NoStoredId::OutOfRange(refused.0))
    }
}

impl StoredId for User {
    fn stored(&self) -> Result<UserId, NoStoredId> {
        self.id.stored()
    }
}

/// A private chat's id is its user's id; groups and channels have negative
/// ids. (Not `ChatId::as_user`: it panics on ids past teloxide's own
/// ranges, which the sandbox's users may have.)
impl StoredId for ChatId {
    fn stored(&self) -> Result<UserId, NoStoredId> {
        match u64::try_from(self.0) {
            Ok(id) if id > 0 => teloxide::types::UserId(id).stored(),
            _ => Err(NoStoredId::NotAPerson),
        }
    }
}

/// The stored id of whoever sent `msg`.
pub fn sender(msg: &Message) -> Result<UserId, NoStoredId> {
    msg.from.as_ref().ok_or(NoStoredId::NotAPerson)?.stored()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_telegram_user_keeps_their_number() {
        let id = teloxide::types::UserId(7_000_000_123);
        assert_eq!(id.stored().unwrap().get(), 7_000_000_123);
    }

    #[test]
    fn an_id_past_a_bigint_is_refused() {
        let too_big = i64::MAX.unsigned_abs() + 1;
        assert_eq!(
            teloxide::types::UserId(too_big).stored(),
            Err(NoStoredId::OutOfRange(too_big))
        );
        assert_eq!(
            teloxide::types::UserId(u64::MAX).stored(),
            Err(NoStoredId::OutOfRange(u64::MAX))
        );
    }

    #[test]
    fn a_private_chat_is_its_users() {
        assert_eq!(ChatId(1001).stored(), Ok(UserId::from_stored(1001)));
        // A group or a channel is nobody's.
        assert_eq!(ChatId(-1001).stored(), Err(NoStoredId::NotAPerson));
        assert_eq!(
            ChatId(-1_001_234_567_890).stored(),
            Err(NoStoredId::NotAPerson)
        );
        assert_eq!(ChatId(0).stored(), Err(NoStoredId::NotAPerson));
        // Past teloxide's range of user ids, still a person's chat.
        assert_eq!(ChatId(1 << 45).stored(), Ok(UserId::from_stored(1 << 45)));
    }
}
