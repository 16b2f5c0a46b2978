//! The second factor: time-based one-time passwords (RFC 6238).
//!
//! The parameters are the ones every authenticator app reads without asking:
//! HMAC-SHA1, 6 digits, 30-second steps (Яндекс Ключ and Google Authenticator
//! both ignore anything else). OWASP ASVS V2.8: a 160-bit secret from a CSPRNG,
//! one step of drift either way, each code accepted once, compared in constant
//! time.

use std::fmt;

use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: usize = 6;

/// RFC 4226 section 4 recommends 160 bits; less is refused.
const SECRET_LEN: usize = 20;
/// Steps accepted either side of the current one: a phone whose clock is a
/// little off, or a code typed in the last seconds of its step.
const DRIFT_STEPS: i64 = 1;

/// A TOTP shared secret. Wiped from memory on drop; never printed.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("a TOTP secret needs at least 20 bytes (160 bits)")]
    SecretTooShort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRejection {
    /// Not six digits (after removing spaces and hyphens).
    Malformed,
    /// Six digits, but not the code of any step within the drift.
    Wrong,
    /// The right code, but for a step already used: accepted once only.
    Replayed,
}

impl TotpSecret {
    /// 20 fresh bytes from the thread-local CSPRNG (ChaCha12 seeded from the
    /// operating system).
    pub fn generate() -> TotpSecret {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        rand::fill(bytes.as_mut_slice());
        TotpSecret(bytes)
    }

    /// Takes the raw bytes (e.g. just opened from the vault). Refuses fewer
    /// than 20; the refused bytes are wiped too.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<TotpSecret, TotpError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < SECRET_LEN {
            return Err(TotpError::SecretTooShort);
        }
        Ok(TotpSecret(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32, no padding, as authenticator apps show it for typing
    /// in by hand.
    pub fn to_base32(&self) -> String {
        base32(&self.0)
    }

    /// [`to_base32`](Self::to_base32) in groups of four, for reading and
    /// copying by hand (`JBSW Y3DP …`); authenticator apps ignore the spaces.
    pub fn to_grouped_base32(&self) -> String {
        let key = self.to_base32();
        let groups: Vec<&str> = key
            .as_bytes()
            .chunks(4)
            // Base32 is ASCII: every chunk is a whole string.
            .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
            .collect();
        groups.join(" ")
    }

    /// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`,
    /// percent-encoded (issuer and account may contain Cyrillic and spaces).
    ///
    /// Apps split the label at the first colon, literal or encoded, so a colon
    /// inside the issuer or the account becomes a space.
    pub fn otpauth_url(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(&issuer.replace(':', " "));
        let account = percent_encode(&account.replace(':', " "));
        // Algorithm, digits and period are the defaults, but spelled out:
        // some apps mis-handle a URL that leaves them implicit.
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
             &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            secret = self.to_base32(),
        )
    }

    /// The 6-digit code for that moment (for tests and the sandbox). Moments
    /// before 1970 have no step of their own and get step 0's code.
    pub fn code_at(&self, unix_seconds: i64) -> String {
        let step = step_of(unix_seconds).max(0);
        self.code_of_step(step).to_string()
    }

    /// `step` is not negative (callers check).
    fn code_of_step(&self, step: i64) -> Zeroizing<String> {
        // totp-rs does the HOTP math; its `zeroize` feature wipes the copy
        // of the secret when `totp` drops. Skew 0: drift is handled in
        // `verify`, which needs to know which step matched.
        let totp = TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECONDS.unsigned_abs(),
            self.0.to_vec(),
            None,
            String::new(),
        );
        // Steps before 1970 do not occur: the clock is never set that far back.
        let seconds = u64::try_from(step).unwrap_or_default() * STEP_SECONDS.unsigned_abs();
        Zeroizing::new(totp.generate(seconds))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// The RFC 6238 time step that contains `unix_seconds` (floor division, so a
/// moment before 1970 falls in a negative step rather than in step 0).
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// Accepts a code typed as "123456", "123 456" or "123-456" (surrounding
/// whitespace ok). Allows one step of drift either way. A code whose step is at
/// or before `last_accepted_step` is Replayed (accepted once only) — but only
/// if it matches; a wrong code is Wrong. Compares in constant time. Returns the
/// matched step, to be stored as the new last accepted step.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now_unix: i64,
    last_accepted_step: Option<i64>,
) -> Result<i64, CodeRejection> {
    let typed = normalize(code).ok_or(CodeRejection::Malformed)?;
    let now_step = step_of(now_unix);

    let mut fresh = None;
    let mut replayed = false;
    // Every candidate is computed and compared, whatever matched before, so
    // the time taken does not depend on the typed code.
    for step in now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS {
        if step < 0 {
            continue;
        }
        if !constant_time_eq(secret.code_of_step(step).as_bytes(), typed.as_bytes()) {
            continue;
        }
        if last_accepted_step.is_some_and(|last| step <= last) {
            replayed = true;
        } else if fresh.is_none() {
            // Two steps share a code one time in a million; the earliest
            // fresh one is taken so later steps stay usable.
            fresh = Some(step);
        }
    }

    match (fresh, replayed) {
        (Some(step), _) => Ok(step),
        (None, true) => Err(CodeRejection::Replayed),
        (None, false) => Err(CodeRejection::Wrong),
    }
}

/// The six digits of a typed code, without the spaces and hyphens people put
/// in (Telegram clients may also send a no-break space); `None` if anything
/// else is left or there are not exactly six digits.
fn normalize(code: &str) -> Option<Zeroizing<String>> {
    let digits: Zeroizing<String> = Zeroizing::new(
        code.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '–'))
            .collect(),
    );
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Equal-length byte strings compared without an early exit, so the time taken
/// does not reveal how many leading digits were right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keeps the optimiser from turning the fold back into an early exit.
    std::hint::black_box(difference) == 0
}

/// RFC 4648 section 6, without padding.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[usize::from((buffer >> bits) & 31)] as char);
        }
        // Only the unconsumed low bits matter; dropping the rest keeps the
        // next shift from overflowing.
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[usize::from((buffer << (5 - bits)) & 31)] as char);
    }
    out
}

/// RFC 3986: everything but the unreserved characters is encoded as UTF-8
/// bytes, so a space is `%20` (not `+`, which some apps show literally).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the ASCII secret "12345678901234567890" (SHA1).
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = rfc_secret();
        // The RFC gives 8 digits; 6 digits are the last six of them.
        assert_eq!(secret.code_at(59), "287082");
        assert_eq!(secret.code_at(1_111_111_109), "081804");
        assert_eq!(secret.code_at(1_111_111_111), "050471");
        assert_eq!(secret.code_at(1_234_567_890), "005924");
        assert_eq!(secret.code_at(2_000_000_000), "279037");
        assert_eq!(secret.code_at(20_000_000_000), "353130");
    }

    #[test]
    fn steps_are_floor_divisions() {
        assert_eq!(step_of(0), 0);
        assert_eq!(step_of(29), 0);
        assert_eq!(step_of(30), 1);
        assert_eq!(step_of(59), 1);
        assert_eq!(step_of(-1), -1);
    }

    #[test]
    fn the_current_code_is_accepted_in_every_typed_form() {
        let secret = rfc_secret();
        let now = 1_111_111_109;
        let step = step_of(now);
        for typed in ["081804", "081 804", "081-804", "  081804\n", "081\u{a0}804"] {
            assert_eq!(verify(&secret, typed, now, None), Ok(step), "{typed:?}");
        }
    }

    #[test]
    fn one_step_of_drift_is_allowed_two_are_not() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let step = step_of(now);
        let at = |offset: i64| secret.code_at(now + offset * STEP_SECONDS);
        assert_eq!(verify(&secret, &at(-1), now, None), Ok(step - 1));
        assert_eq!(verify(&secret, &at(1), now, None), Ok(step + 1));
        assert_eq!(
            verify(&secret, &at(-2), now, None),
            Err(CodeRejection::Wrong)
        );
        assert_eq!(
            verify(&secret, &at(2), now, None),
            Err(CodeRejection::Wrong)
        );
    }

    #[test]
    fn a_code_is_accepted_once() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let code = secret.code_at(now);
        let step = verify(&secret, &code, now, None).unwrap();
        assert_eq!(
            verify(&secret, &code, now, Some(step)),
            Err(CodeRejection::Replayed)
        );
        // Still replayed a few seconds later, within the same step or the next.
        assert_eq!(
            verify(&secret, &code, now + STEP_SECONDS, Some(step)),
            Err(CodeRejection::Replayed)
        );
        // The next step's code is fresh.
        let later = now + STEP_SECONDS;
        assert_eq!(
            verify(&secret, &secret.code_at(later), later, Some(step)),
            Ok(step + 1)
        );
    }

    #[test]
    fn an_earlier_code_after_a_later_one_is_replayed() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let step = step_of(now);
        // The code of the next step (a fast phone clock) was accepted first.
        let accepted = verify(&secret, &secret.code_at(now + STEP_SECONDS), now, None).unwrap();
        assert_eq!(accepted, step + 1);
        // The current and the previous step are now at or before it.
        for offset in [-1, 0] {
            let code = secret.code_at(now + offset * STEP_SECONDS);
            assert_eq!(
                verify(&secret, &code, now, Some(accepted)),
                Err(CodeRejection::Replayed)
            );
        }
    }

    #[test]
    fn a_wrong_code_is_wrong_even_after_an_accepted_one() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let code = secret.code_at(now);
        let step = verify(&secret, &code, now, None).unwrap();
        let wrong = if code == "000000" { "000001" } else { "000000" };
        assert_eq!(
            verify(&secret, wrong, now, Some(step)),
            Err(CodeRejection::Wrong)
        );
    }

    #[test]
    fn malformed_codes() {
        let secret = rfc_secret();
        for typed in [
            "",
            "   ",
            "12345",
            "1234567",
            "abcdef",
            "12345a",
            "１２３４５６",
            "12.3456",
            "+12345",
        ] {
            assert_eq!(
                verify(&secret, typed, 1_234_567_890, None),
                Err(CodeRejection::Malformed),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn generated_secrets_are_20_random_bytes() {
        let first = TotpSecret::generate();
        let second = TotpSecret::generate();
        assert_eq!(first.as_bytes().len(), 20);
        assert_eq!(second.as_bytes().len(), 20);
        assert_ne!(first.as_bytes(), second.as_bytes());
        assert_eq!(first.to_base32().len(), 32);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(
            TotpSecret::from_bytes(vec![7; 19]),
            Err(TotpError::SecretTooShort)
        ));
        assert!(TotpSecret::from_bytes(vec![7; 32]).is_ok());
    }

    #[test]
    fn debug_shows_no_secret() {
        let printed = format!("{:?}", rfc_secret());
        assert_eq!(printed, "TotpSecret(<redacted>)");
    }

    #[test]
    fn base32_follows_rfc_4648() {
        // RFC 4648 section 10, padding removed.
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(plain.as_bytes()), encoded);
        }
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn the_grouped_key_is_the_key_in_fours() {
        let secret = rfc_secret();
        let grouped = secret.to_grouped_base32();
        assert_eq!(grouped.replace(' ', ""), secret.to_base32());
        assert!(
            grouped.split(' ').all(|group| group.len() == 4),
            "{grouped}"
        );
        assert_eq!(grouped.split(' ').count(), 8);
    }

    #[test]
    fn otpauth_url_is_encoded_and_parses() {
        let secret = TotpSecret::generate();
        let url = secret.otpauth_url("Медкабинет д-ра Иванова", "Анна Петрова");
        assert!(url.is_ascii(), "{url}");
        assert!(!url.contains(' '), "{url}");
        assert!(
            url.starts_with("otpauth://totp/%D0%9C%D0%B5%D0%B4"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={}", secret.to_base32())));
        assert!(url.contains("&issuer=%D0%9C%D0%B5%D0%B4"));
        assert!(url.ends_with("&algorithm=SHA1&digits=6&period=30"), "{url}");

        // totp-rs's own parser (the url crate underneath) reads it back.
        let parsed = TOTP::from_url(&url).unwrap();
        assert_eq!(parsed.issuer.as_deref(), Some("Медкабинет д-ра Иванова"));
        assert_eq!(parsed.account_name, "Анна Петрова");
        assert_eq!(parsed.secret, secret.as_bytes());
        assert_eq!(parsed.algorithm, Algorithm::SHA1);
        assert_eq!(parsed.digits, 6);
        assert_eq!(parsed.step, 30);
        // And it computes the same codes.
        assert_eq!(
            parsed.generate(1_234_567_890),
            secret.code_at(1_234_567_890)
        );
    }

    #[test]
    fn colons_do_not_split_the_label() {
        let url = rfc_secret().otpauth_url("med:cab", "a:b");
        let parsed = TOTP::from_url(&url).unwrap();
        assert_eq!(parsed.issuer.as_deref(), Some("med cab"));
        assert_eq!(parsed.account_name, "a b");
    }
}
