//! A person's id in the messenger, as stored.

use std::fmt;
use std::str::FromStr;

/// Who a person is in the messenger: their Telegram user id, as the
/// BIGINT every table keyed by a person stores (`telegram_user_id`,
/// `owner_id`, `operator_id` …).
///
/// Telegram sends ids unsigned (`u64`), with at most 52 significant bits;
/// the one way in from there is [`UserId::from_telegram`], which refuses
/// an id that a BIGINT cannot hold instead of wrapping it into someone
/// else's. Rows carry it through `sqlx` as is (`as "owner_id: UserId"`);
/// the compile-time checked macros bind [`UserId::get`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    sqlx::Type,
    serde::Serialize,
    serde::Deserialize,
)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct UserId(i64);

/// A messenger's id too large for the stored BIGINT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("user id {0} does not fit a signed 64-bit integer")]
pub struct UserIdOutOfRange(pub u64);

/// What is wrong with a user id typed as text (an admin's command line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserIdError {
    #[error("a user id is a positive whole number, got {0:?}")]
    NotANumber(String),
}

impl UserId {
    /// The id Telegram gave, unsigned; refused when it does not fit.
    pub fn from_telegram(id: u64) -> Result<UserId, UserIdOutOfRange> {
        i64::try_from(id)
            .map(UserId)
            .map_err(|_| UserIdOutOfRange(id))
    }

    /// An id as stored: a BIGINT read back, or a fixed id in tests.
    pub const fn from_stored(id: i64) -> UserId {
        UserId(id)
    }

    /// The stored BIGINT, to bind in SQL.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The person's private chat with the bot: Telegram gives it the
    /// user's own id, so a push to a person goes to this chat.
    pub const fn private_chat(self) -> i64 {
        self.0
    }

    /// A typed id, as `medcab admin` takes one: digits only, positive.
    pub fn parse(input: &str) -> Result<UserId, UserIdError> {
        let trimmed = input.trim();
        let refused = || UserIdError::NotANumber(input.to_owned());
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refused());
        }
        let id = trimmed.parse::<u64>().map_err(|_| refused())?;
        if id == 0 {
            return Err(refused());
        }
        UserId::from_telegram(id).map_err(|_| refused())
    }
}

impl FromStr for UserId {
    type Err = UserIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserId::parse(s)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_telegram_id_is_kept_as_is() {
        let id = UserId::from_telegram(7_000_000_123).unwrap();
        assert_eq!(id.get(), 7_000_000_123);
        assert_eq!(id.to_string(), "7000000123");
        // The largest id Telegram promises (52 bits) and the largest a
        // BIGINT holds both fit.
        assert_eq!(
            UserId::from_telegram((1 << 52) - 1).unwrap().get(),
            (1 << 52) - 1
        );
        assert_eq!(
            UserId::from_telegram(i64::MAX.unsigned_abs())
                .unwrap()
                .get(),
            i64::MAX
        );
    }

    #[test]
    fn an_id_past_a_bigint_is_refused_not_wrapped() {
        let too_big = i64::MAX.unsigned_abs() + 1;
        assert_eq!(
            UserId::from_telegram(too_big),
            Err(UserIdOutOfRange(too_big))
        );
        assert_eq!(
            UserId::from_telegram(u64::MAX),
            Err(UserIdOutOfRange(u64::MAX))
        );
    }

    #[test]
    fn a_typed_id_is_digits_only() {
        assert_eq!(UserId::parse(" 1001 ").unwrap(), UserId::from_stored(1001));
        assert_eq!("42".parse::<UserId>().unwrap().get(), 42);
        for bad in [
            "",
            "  ",
            "-5",
            "+5",
            "0",
            "12a",
            "1.5",
            "99999999999999999999",
        ] {
            assert_eq!(
                UserId::parse(bad),
                Err(UserIdError::NotANumber(bad.to_owned())),
                "{bad:?}"
            );
        }
        assert!(UserId::parse("9223372036854775808").is_err());
    }

    #[test]
    fn serde_is_the_bare_number() {
        let id = UserId::from_stored(1001);
        assert_eq!(serde_json::to_string(&id).unwrap(), "1001");
        assert_eq!(serde_json::from_str::<UserId>("1001").unwrap(), id);
        assert!(serde_json::from_str::<UserId>("\"1001\"").is_err());
    }
}
