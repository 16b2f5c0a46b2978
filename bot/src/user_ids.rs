//! The one place a Telegram user id becomes the id medcab stores.

use medcab_core::UserId;
use medcab_core::domain::UserIdOutOfRange;

/// The stored id of a Telegram user. Telegram's ids are unsigned; one too
/// large for the stored BIGINT is refused, never wrapped into another
/// person's.
pub trait Stored {
    fn stored(&self) -> Result<UserId, UserIdOutOfRange>;
}

impl Stored for teloxide::types::UserId {
    fn stored(&self) -> Result<UserId, UserIdOutOfRange> {
        UserId::from_telegram(self.0)
    }
}

impl Stored for teloxide::types::User {
    fn stored(&self) -> Result<UserId, UserIdOutOfRange> {
        self.id.stored()
    }
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
        let id = teloxide::types::UserId(u64::MAX);
        assert_eq!(id.stored(), Err(UserIdOutOfRange(u64::MAX)));
    }
}
