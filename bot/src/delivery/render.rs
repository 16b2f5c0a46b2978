//! A row's text and buttons, in its recipient's language.

use std::collections::BTreeMap;

use medcab_core::outbox::{Kind, Payload};
use serde_json::Value;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::handlers::Action;
use crate::i18n::{Arg, Texts};

/// The text of a row in the recipient's language; string arguments are
/// escaped by `msg_with`.
pub fn render(t: Texts, payload: &Payload) -> String {
    t.msg_with(&payload.key, arguments(&payload.args))
}

fn arguments(args: &BTreeMap<String, Value>) -> Vec<(&str, Arg<'_>)> {
    args.iter()
        .filter_map(|(name, value)| {
            let arg = match value {
                Value::String(text) => Arg::Text(text),
                Value::Number(number) => Arg::Number(number.as_i64()?),
                // Core writes only strings and integers.
                _ => return None,
            };
            Some((name.as_str(), arg))
        })
        .collect()
}

/// The buttons a kind of notification carries.
pub fn keyboard(t: Texts, kind: Kind, payload: &Payload) -> Option<InlineKeyboardMarkup> {
    match kind {
        Kind::LoginConfirmation => {
            let challenge = payload.login_challenge?;
            let button = |label: String, approve: bool| {
                InlineKeyboardButton::callback(label, Action::Login { challenge, approve }.encode())
            };
            Some(InlineKeyboardMarkup::new([[
                button(t.msg("login-approve"), true),
                button(t.msg("login-deny"), false),
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
        }
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
    fn a_login_push_has_both_answers_within_telegrams_limits() {
        let payload = push("Firefox");
        let keyboard =
            keyboard(Texts::new(Language::Ru), Kind::LoginConfirmation, &payload).expect("buttons");
        let row = &keyboard.inline_keyboard[0];
        assert_eq!(row.len(), 2);
        for (button, approve) in row.iter().zip([true, false]) {
            let teloxide::types::InlineKeyboardButtonKind::CallbackData(data) = &button.kind else {
                panic!("a callback button");
            };
            assert!(data.len() <= 64);
            assert_eq!(
                Action::parse(data),
                Some(Action::Login {
                    challenge: payload.login_challenge.unwrap(),
                    approve
                })
            );
        }
    }

    #[test]
    fn only_a_login_push_has_buttons() {
        let payload = push("Firefox");
        for kind in Kind::ALL {
            let buttons = keyboard(Texts::new(Language::Ru), kind, &payload);
            assert_eq!(
                buttons.is_some(),
                kind == Kind::LoginConfirmation,
                "{kind:?}"
            );
        }
    }
}
