//! The keys that encrypt personal data at rest (`MEDCAB_DATA_KEYS`, or the
//! one-key `MEDCAB_DATA_KEY`) and the key of the blind indexes
//! (`MEDCAB_INDEX_KEY`).

use std::fmt;

use zeroize::Zeroizing;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// 32 bytes for AES-256-GCM and the HMAC blind index. Never printed, and
/// wiped from memory when dropped (the bytes live in a [`Zeroizing`]).
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey(Zeroizing<[u8; 32]>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 32 bytes written as 64 hex digits or as base64")]
pub struct MalformedDataKey;

impl DataKey {
    /// Accepts 64 hex digits or standard base64 of exactly 32 bytes
    /// (what `openssl rand -hex 32` and `openssl rand -base64 32` print).
    pub fn parse(text: &str) -> Result<DataKey, MalformedDataKey> {
        let text = text.trim();
        // The decoded bytes are wiped too, whether they make a key or not.
        let bytes = Zeroizing::new(
            if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                hex::decode(text).map_err(|_| MalformedDataKey)?
            } else {
                STANDARD.decode(text).map_err(|_| MalformedDataKey)?
            },
        );
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return Err(MalformedDataKey);
        }
        key.copy_from_slice(&bytes);
        Ok(DataKey(key))
    }

    /// A fresh random key, for sandboxes and tests.
    pub fn generate() -> DataKey {
        DataKey(Zeroizing::new(rand::random()))
    }

    /// The key as 64 hex digits, to be saved where only its owner reads it.
    pub fn to_hex(&self) -> String {
        hex::encode(*self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

// The one field is a `Zeroizing`, which wipes the bytes when the key drops:
// the marker lets callers require it (and the test below checks it stays so).
impl zeroize::ZeroizeOnDrop for DataKey {}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// The data keys, newest first, and the key of the blind indexes.
///
/// Sealing uses the newest key; opening picks the key a value names. The
/// index key does not rotate with the data keys: an index must stay equal
/// for equal values, or lookups (by СНИЛС, by phone) stop finding what was
/// stored before the rotation. It is `MEDCAB_INDEX_KEY`, or, for a ring of
/// one key, that key (what a single `MEDCAB_DATA_KEY` always meant, so the
/// indexes of an existing database stay valid).
#[derive(Clone, PartialEq, Eq)]
pub struct DataKeys {
    keys: Vec<DataKey>,
    index: DataKey,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedDataKeys {
    #[error("no key given")]
    Empty,
    #[error("key {position} (counting from 1, newest first): {error}")]
    Key {
        position: usize,
        error: MalformedDataKey,
    },
    #[error("key {0} (counting from 1) appears twice")]
    Repeated(usize),
    #[error(
        "more than one data key needs MEDCAB_INDEX_KEY (the key the blind indexes were made with, \
         usually the oldest data key): without it, lookups would change with the ring"
    )]
    NoIndexKey,
}

impl DataKeys {
    /// A ring of one key, which also keys the blind indexes.
    pub fn single(key: DataKey) -> DataKeys {
        DataKeys {
            index: key.clone(),
            keys: vec![key],
        }
    }

    /// `keys`, newest first; `index`, the blind index key, required when
    /// there is more than one key.
    pub fn new(keys: Vec<DataKey>, index: Option<DataKey>) -> Result<DataKeys, MalformedDataKeys> {
        if keys.is_empty() {
            return Err(MalformedDataKeys::Empty);
        }
        for (position, key) in keys.iter().enumerate() {
            // Equal ids (a 1 in 2^32 chance for two keys) would make the
            // ring ambiguous: refused like a repeated key.
            let id = crate::crypto::key_id(key);
            if keys[..position]
                .iter()
                .any(|other| other == key || crate::crypto::key_id(other) == id)
            {
                return Err(MalformedDataKeys::Repeated(position + 1));
            }
        }
        let index = match index {
            Some(index) => index,
            None if keys.len() == 1 => keys[0].clone(),
            None => return Err(MalformedDataKeys::NoIndexKey),
        };
        Ok(DataKeys { keys, index })
    }

    /// Comma-separated keys, newest first (`MEDCAB_DATA_KEYS`), each as
    /// [`DataKey::parse`] takes it, and the optional index key.
    pub fn parse(list: &str, index: Option<&str>) -> Result<DataKeys, MalformedDataKeys> {
        let keys = list
            .split(',')
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .enumerate()
            .map(|(position, key)| {
                DataKey::parse(key).map_err(|error| MalformedDataKeys::Key {
                    position: position + 1,
                    error,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let index = index
            .map(|index| {
                DataKey::parse(index).map_err(|error| MalformedDataKeys::Key { position: 0, error })
            })
            .transpose()?;
        DataKeys::new(keys, index)
    }

    /// Newest first; never empty.
    pub fn keys(&self) -> &[DataKey] {
        &self.keys
    }

    pub fn index_key(&self) -> &DataKey {
        &self.index
    }
}

impl fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKeys({} keys, <redacted>)", self.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_parse_newest_first_and_need_an_index_key_for_more_than_one() {
        let (a, b) = (DataKey::generate(), DataKey::generate());
        let one = DataKeys::parse(&a.to_hex(), None).unwrap();
        assert_eq!(one.keys(), std::slice::from_ref(&a));
        assert_eq!(one.index_key(), &a);

        let list = format!("{}, {}", b.to_hex(), a.to_hex());
        assert_eq!(
            DataKeys::parse(&list, None),
            Err(MalformedDataKeys::NoIndexKey)
        );
        let two = DataKeys::parse(&list, Some(&a.to_hex())).unwrap();
        assert_eq!(two.keys(), &[b.clone(), a.clone()]);
        assert_eq!(two.index_key(), &a);

        assert_eq!(DataKeys::parse(" , ", None), Err(MalformedDataKeys::Empty));
        assert_eq!(
            DataKeys::parse(&format!("{},{}", a.to_hex(), a.to_hex()), Some(&a.to_hex())),
            Err(MalformedDataKeys::Repeated(2))
        );
        assert!(matches!(
            DataKeys::parse(&format!("{},short", a.to_hex()), None),
            Err(MalformedDataKeys::Key { position: 2, .. })
        ));
        assert!(!format!("{two:?}").contains(&a.to_hex()[..8]));
    }

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
    fn the_key_is_wiped_on_drop() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<DataKey>();
        // What the marker stands for: the field's own type wipes on drop.
        wiped_on_drop::<Zeroizing<[u8; 32]>>();
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = DataKey::parse(&"ab".repeat(32)).unwrap();
        assert!(!format!("{key:?}").contains("ab"));
    }
}
