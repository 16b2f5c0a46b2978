//! Personal data at rest: encryption and blind indexes.
//!
//! Every column that holds personal data (СНИЛС, phone, passport, TOTP secrets)
//! stores the output of [`Vault::seal`], never the plaintext. Equality lookups
//! (find a registry entry by СНИЛС) go through [`Vault::blind_index`], a keyed
//! hash: a stolen database dump reveals neither the values nor, without the key,
//! a way to test guesses against the index.
//!
//! Both keys are derived from the one [`DataKey`] with HKDF, so a weakness in
//! how one of them is used (say, a timing leak in the index) says nothing about
//! the other.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::DataKey;

/// The first byte of every sealed value. A later format (a new key, a new
/// cipher) gets a new byte, so old rows stay readable during a migration.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

// The HKDF `info` strings. Changing either orphans every stored ciphertext or
// index, which is why tests pin their output.
const INFO_SEAL: &[u8] = b"medcab v1 aes-256-gcm personal data at rest";
const INFO_INDEX: &[u8] = b"medcab v1 hmac-sha256 blind index";

/// Seals and opens personal data, and computes blind indexes for lookups.
///
/// Cheap to clone; holds only derived subkeys, never the master key.
#[derive(Clone)]
pub struct Vault {
    // aes-gcm keeps the expanded AES key schedule inside; with its `zeroize`
    // feature it wipes the GHASH key it derives, but the schedule itself is
    // wiped only when the `aes` crate's own `zeroize` feature is on.
    cipher: Aes256Gcm,
    // Kept as raw bytes (wiped on drop) rather than as a keyed `Hmac`, whose
    // internal state would outlive the vault un-wiped.
    index_key: Zeroizing<[u8; 32]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the sealed value is too short to be one")]
    Malformed,
    #[error("the sealed value does not authenticate: wrong key, wrong field or tampered")]
    Forged,
    #[error("the sealed value has an unknown format version {0}")]
    UnknownVersion(u8),
}

impl Vault {
    pub fn new(key: &DataKey) -> Vault {
        // No salt: the master key is already 32 uniformly random bytes, so
        // HKDF's extract step needs none (RFC 5869, section 3.1).
        let hkdf = Hkdf::<Sha256>::new(None, key.as_bytes());

        let mut seal_key = Zeroizing::new([0u8; 32]);
        let mut index_key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit: cannot fail.
        hkdf.expand(INFO_SEAL, seal_key.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        hkdf.expand(INFO_INDEX, index_key.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");

        let cipher =
            Aes256Gcm::new_from_slice(seal_key.as_ref()).expect("AES-256 takes a 32-byte key");
        Vault { cipher, index_key }
    }

    /// Encrypts for one column, e.g. `"registry_entries.snils"`. AES-256-GCM,
    /// a fresh random 96-bit nonce per call, output = version byte || nonce ||
    /// ciphertext+tag. The field name is the associated data, so a ciphertext
    /// copied into another column does not decrypt.
    pub fn seal(&self, field: &str, plaintext: &[u8]) -> Vec<u8> {
        // Random nonces are safe up to about 2^32 seals under one key (NIST
        // SP 800-38D, 8.3); a practitioner's cabinet is many orders below.
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = Nonce::from_slice(&nonce_bytes);
        let aad = associated_data(FORMAT_V1, field);
        let ciphertext = self
            .cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            // AES-GCM fails only on plaintexts over 64 GiB.
            .expect("AES-GCM encrypts any plaintext under 64 GiB");

        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, field: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (&version, rest) = sealed.split_first().ok_or(CryptoError::Malformed)?;
        if version != FORMAT_V1 {
            return Err(CryptoError::UnknownVersion(version));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce_bytes, ciphertext) = rest.split_at(NONCE_LEN);
        let aad = associated_data(version, field);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce_bytes),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Forged)
    }

    pub fn seal_str(&self, field: &str, plaintext: &str) -> Vec<u8> {
        self.seal(field, plaintext.as_bytes())
    }

    /// Opens a value sealed with [`Vault::seal_str`]. Authentic bytes that are
    /// not UTF-8 (sealed with [`Vault::seal`] under the same field) are
    /// [`CryptoError::Malformed`].
    pub fn open_str(&self, field: &str, sealed: &[u8]) -> Result<String, CryptoError> {
        let bytes = self.open(field, sealed)?;
        String::from_utf8(bytes).map_err(|error| {
            // The bytes are still personal data: wipe them on the way out.
            error.into_bytes().zeroize();
            CryptoError::Malformed
        })
    }

    /// Keyed blind index for equality lookups: HMAC-SHA256 over `value` in the
    /// namespace `kind` (e.g. `"snils"`, `"phone"`), 32 bytes. Equal
    /// (kind, value) → equal index; different kinds never collide by
    /// construction.
    ///
    /// The value is hashed as given: callers normalise it first (digits only
    /// for a СНИЛС or a phone), or equal values written differently will not
    /// match.
    pub fn blind_index(&self, kind: &str, value: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.index_key.as_ref())
            .expect("HMAC takes a key of any length");
        // The kind's length goes first, so ("ab", "c") and ("a", "bc") hash
        // different messages: the encoding of (kind, value) is injective.
        mac.update(&(kind.len() as u64).to_be_bytes());
        mac.update(kind.as_bytes());
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The version byte is bound in too, so a ciphertext cannot be relabelled as
/// another format; the field name is the rest, so the encoding is injective.
fn associated_data(version: u8, field: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + field.len());
    aad.push(version);
    aad.extend_from_slice(field.as_bytes());
    aad
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SNILS: &str = "registry_entries.snils";

    /// 00 01 02 … 1f: a fixed key for the known-answer tests.
    fn fixed_key() -> DataKey {
        let hex: String = (0u8..32).map(|b| format!("{b:02x}")).collect();
        DataKey::parse(&hex).unwrap()
    }

    fn vault() -> Vault {
        Vault::new(&fixed_key())
    }

    #[test]
    fn round_trip() {
        let vault = vault();
        let sealed = vault.seal_str(SNILS, "112-233-445 95");
        assert_eq!(vault.open_str(SNILS, &sealed).unwrap(), "112-233-445 95");
        let sealed = vault.seal("empty", b"");
        assert_eq!(vault.open("empty", &sealed).unwrap(), b"");
    }

    #[test]
    fn another_field_does_not_open() {
        let vault = vault();
        let sealed = vault.seal_str(SNILS, "11223344595");
        assert_eq!(
            vault.open("registry_entries.phone", &sealed),
            Err(CryptoError::Forged)
        );
    }

    #[test]
    fn another_key_does_not_open() {
        let sealed = vault().seal_str(SNILS, "11223344595");
        let other = Vault::new(&DataKey::generate());
        assert_eq!(other.open(SNILS, &sealed), Err(CryptoError::Forged));
    }

    #[test]
    fn any_flipped_bit_is_forged() {
        let vault = vault();
        let sealed = vault.seal_str(SNILS, "11223344595");
        // Every bit past the version byte: nonce, ciphertext and tag.
        for bit in 8..sealed.len() * 8 {
            let mut tampered = sealed.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                vault.open(SNILS, &tampered),
                Err(CryptoError::Forged),
                "bit {bit}"
            );
        }
    }

    #[test]
    fn truncated_and_unknown_versions_are_refused() {
        let vault = vault();
        let sealed = vault.seal_str(SNILS, "11223344595");
        assert_eq!(vault.open(SNILS, &[]), Err(CryptoError::Malformed));
        assert_eq!(
            vault.open(SNILS, &sealed[..1 + NONCE_LEN + TAG_LEN - 1]),
            Err(CryptoError::Malformed)
        );
        // Cutting a byte off the end leaves a well-formed but forged value.
        assert_eq!(
            vault.open(SNILS, &sealed[..sealed.len() - 1]),
            Err(CryptoError::Forged)
        );
        let mut relabelled = sealed.clone();
        relabelled[0] = 2;
        assert_eq!(
            vault.open(SNILS, &relabelled),
            Err(CryptoError::UnknownVersion(2))
        );
    }

    #[test]
    fn open_str_refuses_non_utf8() {
        let vault = vault();
        let sealed = vault.seal(SNILS, &[0xff, 0xfe]);
        assert_eq!(vault.open_str(SNILS, &sealed), Err(CryptoError::Malformed));
    }

    #[test]
    fn two_seals_of_one_plaintext_differ() {
        let vault = vault();
        let first = vault.seal_str(SNILS, "11223344595");
        let second = vault.seal_str(SNILS, "11223344595");
        assert_ne!(first[1..1 + NONCE_LEN], second[1..1 + NONCE_LEN]);
        assert_ne!(first, second);
    }

    #[test]
    fn layout_is_version_nonce_ciphertext_tag() {
        let sealed = vault().seal_str(SNILS, "11223344595");
        assert_eq!(sealed[0], FORMAT_V1);
        assert_eq!(sealed.len(), 1 + NONCE_LEN + "11223344595".len() + TAG_LEN);
    }

    #[test]
    fn plaintext_does_not_appear_in_sealed_bytes() {
        let vault = vault();
        let plaintext = b"4510 123456 passport of Ivanov";
        let sealed = vault.seal("registry_entries.passport", plaintext);
        assert!(
            !sealed
                .windows(4)
                .any(|window| plaintext.windows(4).any(|p| p == window)),
            "a 4-byte run of the plaintext leaked into the sealed value"
        );
    }

    /// Pins the whole format and the key derivation: a value sealed once with
    /// the fixed key must open forever. Computed independently of this code
    /// (HKDF-SHA256 and AES-256-GCM from Python's `cryptography`).
    #[test]
    fn known_sealed_value_opens() {
        let sealed = hex::decode(KNOWN_SEALED).unwrap();
        assert_eq!(vault().open_str(SNILS, &sealed).unwrap(), "11223344595");
    }
    const KNOWN_SEALED: &str =
        "01000102030405060708090a0bc5ab6307a3ad47759a9395dbf063323fd2c430e5a85a4e5483995e";

    #[test]
    fn blind_index_is_deterministic_and_keyed() {
        let vault = vault();
        let index = vault.blind_index("snils", "11223344595");
        assert_eq!(index.len(), 32);
        assert_eq!(index, vault.blind_index("snils", "11223344595"));
        assert_eq!(index, vault.clone().blind_index("snils", "11223344595"));
        assert_ne!(index, vault.blind_index("snils", "11223344596"));
        assert_ne!(index, vault.blind_index("phone", "11223344595"));
        assert_ne!(
            index,
            Vault::new(&DataKey::generate()).blind_index("snils", "11223344595")
        );
    }

    #[test]
    fn blind_index_kind_and_value_do_not_run_together() {
        let vault = vault();
        assert_ne!(vault.blind_index("ab", "c"), vault.blind_index("a", "bc"));
        assert_ne!(
            vault.blind_index("", "snils1"),
            vault.blind_index("snils", "1")
        );
    }

    /// Pins the blind index derivation: changing it would orphan every stored
    /// index. Computed independently of this code with Python's `hmac` and
    /// `hashlib` (HKDF-SHA256 by hand, RFC 5869).
    #[test]
    fn blind_index_known_answer() {
        assert_eq!(
            hex::encode(vault().blind_index("snils", "11223344595")),
            KNOWN_SNILS_INDEX
        );
    }
    const KNOWN_SNILS_INDEX: &str =
        "4265b164f8bf29fbbfda65fc809738189ebe20c759aaf5ad0ac142516e4e0b6b";

    #[test]
    fn debug_shows_no_key() {
        let printed = format!("{:?}", vault());
        assert_eq!(printed, "Vault(<redacted>)");
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip(
            field in ".{0,40}",
            plaintext in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let vault = vault();
            let sealed = vault.seal(&field, &plaintext);
            prop_assert_eq!(vault.open(&field, &sealed), Ok(plaintext));
        }

        #[test]
        fn garbage_never_opens(garbage in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert!(vault().open(SNILS, &garbage).is_err());
        }
    }
}
