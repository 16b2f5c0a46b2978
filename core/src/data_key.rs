//! The key that encrypts personal data at rest (`MEDCAB_DATA_KEY`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// 32 bytes for AES-256-GCM and the HMAC blind index. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 32 bytes written as 64 hex digits or as base64")]
pub struct MalformedDataKey;

impl DataKey {
    /// Accepts 64 hex digits or standard base64 of exactly 32 bytes
    /// (what `openssl rand -hex 32` and `openssl rand -base64 32` print).
    pub fn parse(text: &str) -> Result<DataKey, MalformedDataKey> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| MalformedDataKey)?
        } else {
            STANDARD.decode(text).map_err(|_| MalformedDataKey)?
        };
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| MalformedDataKey)?;
        Ok(DataKey(bytes))
    }

    /// A fresh random key, for sandboxes and tests.
    pub fn generate() -> DataKey {
        DataKey(rand::random())
    }

    /// The key as 64 hex digits, to be saved where only its owner reads it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_give_the_same_key() {
        let hex_key = DataKey::parse(&"ab".repeat(32)).unwrap();
        let b64_key = DataKey::parse(&STANDARD.encode([0xab; 32])).unwrap();
        assert_eq!(hex_key, b64_key);
        assert_eq!(hex_key.as_bytes(), &[0xab; 32]);
    }

    #[test]
    fn wrong_lengths_and_garbage_are_refused() {
        assert_eq!(DataKey::parse(""), Err(MalformedDataKey));
        assert_eq!(DataKey::parse(&"ab".repeat(31)), Err(MalformedDataKey));
        assert_eq!(
            DataKey::parse(&STANDARD.encode([1; 16])),
            Err(MalformedDataKey)
        );
        assert_eq!(DataKey::parse("not a key at all!"), Err(MalformedDataKey));
    }

    #[test]
    fn generated_keys_round_trip_and_differ() {
        let key = DataKey::generate();
        assert_eq!(DataKey::parse(&key.to_hex()), Ok(key.clone()));
        assert_ne!(key, DataKey::generate());
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = DataKey::parse(&"ab".repeat(32)).unwrap();
        assert!(!format!("{key:?}").contains("ab"));
    }
}
