//! A row's text and buttons, in its recipient's language; instants
//! ([`dates::moment_arg`]) in their time zone.

use std::collections::BTreeMap;

use medcab_core::dates;
use medcab_core::login_confirmations::{self, Response};
use medcab_core::outbox::{Kind, Payload};
use serde_json::Value;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::handlers::Action;
use crate::i18n::{Arg, Texts};

/// The text of a row for its recipient (`t` carries their language and
/// zone); string arguments are escaped by `msg_with`.
pub fn render(t: Texts, payload: &Payload) -> String {
    let values = values(t, &payload.args);
    let args = values.iter().map(|(name, value)| {
        let arg = match value {
            Shown::Text(text) => Arg::Text(text),
            Shown::Number(number) => Arg::Number(*number),
        };
        (*name, arg)
    });
    t.msg_with(&payload.key, args)
}

/// An argument as its reader sees it.
enum Shown<'a> {
    Text(std::borrow::Cow<'a, str>),
    Number(i64),
}

fn values(t: Texts, args: &BTreeMap<String, Value>) -> Vec<(&str, Shown<'_>)> {
    args.iter()
        .filter_map(|(name, value)| {
            let shown = match value {
                Value::String(text) => Shown::Text(text.into()),
                Value::Number(number) => Shown::Number(number.as_i64()?),
                // Core writes strings, integers and instants; an instant
                // is shown now, in the recipient's zone.
                moment => {
                    let (at, shown) = dates::read_moment_arg(moment)?;
                    Shown::Text(t.reader().moment(at, shown).into())
                }
            };
            Some((name.as_str(), shown))
        })
        .collect()
}

/// The buttons a kind of notification carries. A login confirmation's
/// need its challenge's `match_number` (read at delivery, never in the
/// outbox): the three numbers offered, in a row, and «Это не я» below.
pub fn keyboard(
    t: Texts,
    kind: Kind,
    payload: &Payload,
    match_number: Option<u8>,
) -> Option<InlineKeyboardMarkup> {
    match kind {
        Kind::LoginConfirmation => {
            let challenge = payload.login_challenge?;
            let button = |label: String, response: Response| {
                InlineKeyboardButton::callback(
                    label,
                    Action::Login {
                        challenge,
                        response,
                    }
                    .encode(),
                )
            };
            let numbers = login_confirmations::choices(match_number?)
                .map(|number| button(number.to_string(), Response::Number(number)));
            Some(InlineKeyboardMarkup::new([
                numbers.to_vec(),
                vec![button(t.msg("login-deny"), Response::NotMe)],
            ]))
        }
        // Whoever holds the chat may cancel a reset: cancelling only keeps
        // the old factor.
        Kind::FactorReset => {
            let request = payload.factor_reset?;
            Some(InlineKeyboardMarkup::new([[
                InlineKeyboardButton::callback(
                    t.msg("factor-reset-cancel-button"),
                    Action::CancelReset(request).encode(),
                ),
            ]]))
        }
        // The others only inform; the details are behind the second
        // factor, not in the push.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use medcab_core::Language;
    use medcab_core::login_confirmations::PUSH_KEY;
    use uuid::Uuid;

    use super::*;

    fn push(device: &str) -> Payload {
        Payload {
            key: PUSH_KEY.to_owned(),
            args: BTreeMap::from([
                ("time".to_owned(), Value::from("12:00")),
                ("device".to_owned(), Value::from(device)),
                ("place".to_owned(), Value::from("Москва")),
            ]),
            login_challenge: Some(Uuid::new_v4()),
            factor_reset: None,
        }
    }

    /// The identity and reset pushes core writes exist in both languages
    /// (a missing key renders as the key itself).
    #[test]
    fn security_pushes_render_in_both_languages() {
        use medcab_core::{factor_resets, identity};
        let keys = [
            identity::SUPERSEDED_PUSH_KEY,
            identity::SUPPORT_PUSH_KEY,
            identity::CONFLICT_PUSH_KEY,
            factor_resets::REQUESTED_PUSH_KEY,
            factor_resets::SCHEDULED_PUSH_KEY,
            factor_resets::APPLIED_PUSH_KEY,
            factor_resets::REJECTED_PUSH_KEY,
        ];
        for language in Language::ALL {
            for key in keys {
                let payload = Payload {
                    key: key.to_owned(),
                    args: BTreeMap::from([
                        ("earliest".to_owned(), Value::from("26.11.2026 12:00")),
                        ("at".to_owned(), Value::from("26.11.2026 12:00")),
                    ]),
                    login_challenge: None,
                    factor_reset: Some(1),
                };
                let text = render(Texts::new(language), &payload);
                assert!(!text.contains(key) && !text.is_empty(), "{language}: {key}");
                assert!(!text.contains("{ $"), "{language}: {key}: {text}");
            }
        }
    }

    /// A time in a push reads in the recipient's zone, at delivery.
    #[test]
    fn an_instant_in_a_push_is_shown_in_the_recipients_zone() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-25T19:39:00Z")
            .unwrap()
            .to_utc();
        let mut payload = push("Firefox");
        payload
            .args
            .insert("time".to_owned(), dates::moment_arg(at, dates::Shown::Time));
        let moscow = render(Texts::new(Language::Ru), &payload);
        assert!(moscow.contains("22:39"), "{moscow}");
        let omsk = render(
            Texts::new(Language::Ru).in_zone(chrono_tz::Tz::Asia__Omsk),
            &payload,
        );
        assert!(omsk.contains("01:39"), "{omsk}");
    }

    /// Keys written by core are not seen by the scan in `i18n`: check them.
    #[test]
    fn the_push_renders_in_both_languages_with_escaped_arguments() {
        for language in Language::ALL {
            let text = render(Texts::new(language), &push("<Firefox & Co>"));
            assert!(!text.contains(PUSH_KEY), "{language}: {text}");
            assert!(text.contains("&lt;Firefox &amp; Co&gt;"), "{text}");
            assert!(text.contains("12:00") && text.contains("Москва"), "{text}");
        }
    }

    #[test]
    fn a_login_push_offers_three_numbers_and_not_me_within_telegrams_limits() {
        let payload = push("Firefox");
        let challenge = payload.login_challenge.unwrap();
        let buttons = keyboard(
            Texts::new(Language::Ru),
            Kind::LoginConfirmation,
            &payload,
            Some(42),
        )
        .expect("buttons");
        let rows = &buttons.inline_keyboard;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].len(), 3);
        assert_eq!(rows[1].len(), 1);
        let mut numbers = Vec::new();
        for button in rows.iter().flatten() {
            let teloxide::types::InlineKeyboardButtonKind::CallbackData(data) = &button.kind else {
                panic!("a callback button");
            };
            assert!(data.len() <= 64, "{data}");
            let Some(Action::Login {
                challenge: named,
                response,
            }) = Action::parse(data)
            else {
                panic!("a login answer: {data}");
            };
            assert_eq!(named, challenge);
            match response {
                Response::Number(number) => {
                    assert_eq!(button.text, number.to_string());
                    numbers.push(number);
                }
                Response::NotMe => assert_eq!(button.text, "🚫 Это не я"),
            }
        }
        assert!(numbers.contains(&42), "{numbers:?}");
        // Without its number (the challenge is gone) there are no buttons.
        assert!(
            keyboard(
                Texts::new(Language::Ru),
                Kind::LoginConfirmation,
                &payload,
                None
            )
            .is_none()
        );
    }

    #[test]
    fn only_a_login_push_has_buttons() {
        let payload = push("Firefox");
        for kind in Kind::ALL {
            let buttons = keyboard(Texts::new(Language::Ru), kind, &payload, Some(42));
            assert_eq!(
                buttons.is_some(),
                kind == Kind::LoginConfirmation,
                "{kind:?}"
            );
        }
    }
}
