//! The official Bot API description (`api/api.json`) and request checking
//! against it.
//!
//! Checking also normalises: form and multipart bodies carry every value as a
//! string, so a value that passes is returned in its JSON type (`"42"` for an
//! Integer becomes `42`, a JSON-serialised keyboard becomes an object). The
//! method handlers then see the same shapes whatever the encoding was.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::ApiError;

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    let raw: RawSpec = serde_json::from_str(include_str!("../api/api.json"))
        .expect("the embedded api.json is valid");
    Spec {
        methods: raw
            .methods
            .into_values()
            .map(|method| (method.name.to_ascii_lowercase(), method))
            .collect(),
        types: raw.types,
    }
});

#[derive(Deserialize)]
struct RawSpec {
    methods: HashMap<String, MethodSpec>,
    types: HashMap<String, TypeSpec>,
}

struct Spec {
    /// Keyed by the lowercased name: Telegram matches method names
    /// case-insensitively.
    methods: HashMap<String, MethodSpec>,
    types: HashMap<String, TypeSpec>,
}

#[derive(Deserialize)]
pub struct MethodSpec {
    /// The canonical spelling, e.g. `sendMessage`.
    pub name: String,
    #[serde(default)]
    fields: Vec<FieldSpec>,
}

#[derive(Deserialize)]
struct TypeSpec {
    #[serde(default)]
    fields: Vec<FieldSpec>,
    /// Set for abstract types such as `BotCommandScope`: a value must be one
    /// of these.
    #[serde(default)]
    subtypes: Vec<String>,
}

#[derive(Deserialize)]
struct FieldSpec {
    name: String,
    types: Vec<String>,
    required: bool,
}

/// Looks a method up by name, ignoring case.
pub fn method(name: &str) -> Option<&'static MethodSpec> {
    SPEC.methods.get(&name.to_ascii_lowercase())
}

impl MethodSpec {
    /// Checks `params` against the method's fields and returns them
    /// normalised, without the parameters the method does not know (Telegram
    /// ignores those too).
    pub fn check(&self, params: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
        let mut checked = Map::new();
        for field in &self.fields {
            let value = params.get(&field.name).filter(|value| !is_empty(value));
            let Some(value) = value else {
                // setWebhook's url may be given empty: "Use an empty string
                // to remove webhook integration."
                let may_be_empty = self.name == "setWebhook"
                    && field.name == "url"
                    && params.get("url") == Some(&Value::String(String::new()));
                if field.required && !may_be_empty {
                    return Err(missing(&field.name));
                }
                continue;
            };
            let normalised = check_value(value, &field.types, &field.name)
                .map_err(|mismatch| ApiError::bad_request(mismatch.to_string()))?;
            checked.insert(field.name.clone(), normalised);
        }
        Ok(checked)
    }
}

/// Telegram treats an empty string like an absent parameter.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        _ => false,
    }
}

fn missing(field: &str) -> ApiError {
    match field {
        "text" => ApiError::bad_request("message text is empty"),
        _ => ApiError::bad_request(format!("{field} is empty")),
    }
}

/// Where a value stopped matching, e.g. `reply_markup.inline_keyboard[0][1].text`.
struct Mismatch {
    path: String,
    expected: String,
    /// A required field of an object is absent (rather than mistyped).
    missing: bool,
}

impl Mismatch {
    fn new(path: &str, expected: impl Into<String>) -> Self {
        Mismatch {
            path: path.to_owned(),
            expected: expected.into(),
            missing: false,
        }
    }

    /// How far into the value the check got before failing.
    fn depth(&self) -> usize {
        self.path.matches(['.', '[']).count()
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.missing {
            write!(f, "field \"{}\" is missing", self.path)
        } else {
            write!(
                f,
                "field \"{}\" must be of type {}",
                self.path, self.expected
            )
        }
    }
}

fn check_value(value: &Value, types: &[String], path: &str) -> Result<Value, Mismatch> {
    let mut deepest: Option<Mismatch> = None;
    for ty in types {
        match check_type(value, ty, path) {
            Ok(normalised) => return Ok(normalised),
            Err(mismatch)
                if deepest
                    .as_ref()
                    .is_none_or(|d| mismatch.depth() > d.depth()) =>
            {
                deepest = Some(mismatch);
            }
            Err(_) => {}
        }
    }
    // A mismatch inside the alternative that matched furthest (a button
    // without text) says more than "must be one of four keyboard types".
    match deepest {
        Some(mismatch) if mismatch.path != path => Err(mismatch),
        _ => Err(Mismatch::new(path, types.join(" or "))),
    }
}

fn check_type(value: &Value, ty: &str, path: &str) -> Result<Value, Mismatch> {
    let normalised = match ty {
        "Integer" => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(value.clone()),
            Value::String(text) => text.trim().parse::<i64>().ok().map(Value::from),
            _ => None,
        },
        "Float" => match value {
            Value::Number(_) => Some(value.clone()),
            Value::String(text) => text.trim().parse::<f64>().ok().map(Value::from),
            _ => None,
        },
        "Boolean" => match value {
            Value::Bool(_) => Some(value.clone()),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(Value::Bool(true)),
                "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            Value::Number(n) => n
                .as_i64()
                .filter(|n| *n == 0 || *n == 1)
                .map(|n| Value::Bool(n == 1)),
            _ => None,
        },
        // Telegram accepts a number where a string is expected.
        "String" => match value {
            Value::String(_) => Some(value.clone()),
            Value::Number(n) => Some(Value::String(n.to_string())),
            _ => None,
        },
        // Multipart file parts arrive here as `attach://<part>` (see
        // `params::read`); a plain string is a file_id or URL and only passes
        // where the field also allows String.
        "InputFile" => match value {
            Value::String(text) if text.starts_with("attach://") => Some(value.clone()),
            _ => None,
        },
        _ => {
            if let Some(item) = ty.strip_prefix("Array of ") {
                return check_array(value, item, path);
            }
            return check_object(value, ty, path);
        }
    };
    normalised.ok_or_else(|| Mismatch::new(path, ty))
}

/// The value itself, or parsed from the JSON text form and multipart
/// bodies carry.
fn parse_embedded(value: &Value) -> Option<Value> {
    match value {
        Value::String(text) => serde_json::from_str(text).ok(),
        other => Some(other.clone()),
    }
}

fn check_array(value: &Value, item: &str, path: &str) -> Result<Value, Mismatch> {
    let Some(Value::Array(items)) = parse_embedded(value) else {
        return Err(Mismatch::new(path, format!("Array of {item}")));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, value)| check_type(value, item, &format!("{path}[{index}]")))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn check_object(value: &Value, ty: &str, path: &str) -> Result<Value, Mismatch> {
    // The Bot API documents this shorthand for buttons with text only.
    if ty == "KeyboardButton" && value.is_string() {
        return Ok(value.clone());
    }
    let (Some(spec), Some(Value::Object(object))) = (SPEC.types.get(ty), parse_embedded(value))
    else {
        return Err(Mismatch::new(path, ty));
    };
    if !spec.subtypes.is_empty() {
        return check_value(&Value::Object(object), &spec.subtypes, path);
    }
    let mut checked = object.clone();
    for field in &spec.fields {
        let field_path = format!("{path}.{}", field.name);
        match object.get(&field.name).filter(|value| !value.is_null()) {
            Some(value) => {
                checked.insert(
                    field.name.clone(),
                    check_value(value, &field.types, &field_path)?,
                );
            }
            None if field.required => {
                return Err(Mismatch {
                    path: field_path,
                    expected: field.types.join(" or "),
                    missing: true,
                });
            }
            None => {}
        }
    }
    Ok(Value::Object(checked))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(method_name: &str, params: Value) -> Result<Value, String> {
        let Value::Object(params) = params else {
            unreachable!("tests pass objects")
        };
        method(method_name)
            .expect("known method")
            .check(&params)
            .map(Value::Object)
            .map_err(|error| error.description)
    }

    #[test]
    fn methods_are_found_ignoring_case() {
        assert_eq!(
            method("SendMessage").map(|m| m.name.as_str()),
            Some("sendMessage")
        );
        assert!(method("sendMessages").is_none());
    }

    #[test]
    fn missing_required_parameters_are_named() {
        assert_eq!(
            check("sendMessage", json!({"text": "hi"})),
            Err("Bad Request: chat_id is empty".into())
        );
        assert_eq!(
            check("sendMessage", json!({"chat_id": 1, "text": ""})),
            Err("Bad Request: message text is empty".into())
        );
    }

    #[test]
    fn strings_from_forms_become_typed_values() {
        let checked = check(
            "sendMessage",
            json!({
                "chat_id": "42",
                "text": "hi",
                "protect_content": "true",
                "reply_markup": "{\"inline_keyboard\":[[{\"text\":\"A\",\"callback_data\":\"a\"}]]}",
                "unknown": 1,
            }),
        )
        .unwrap();
        assert_eq!(checked["chat_id"], json!(42));
        assert_eq!(checked["protect_content"], json!(true));
        assert_eq!(
            checked["reply_markup"]["inline_keyboard"][0][0]["text"],
            json!("A")
        );
        assert!(checked.get("unknown").is_none());
    }

    #[test]
    fn wrong_types_are_refused_with_the_path() {
        assert_eq!(
            check("sendMessage", json!({"chat_id": {"id": 1}, "text": "hi"})),
            Err("Bad Request: field \"chat_id\" must be of type Integer or String".into())
        );
        assert_eq!(
            check(
                "sendMessage",
                json!({"chat_id": 1, "text": "hi", "disable_notification": "maybe"})
            ),
            Err("Bad Request: field \"disable_notification\" must be of type Boolean".into())
        );
        assert_eq!(
            check(
                "sendMessage",
                json!({"chat_id": 1, "text": "hi", "reply_markup": {"inline_keyboard": [[{"callback_data": "x"}]]}})
            ),
            Err("Bad Request: field \"reply_markup.inline_keyboard[0][0].text\" is missing".into())
        );
        assert_eq!(
            check(
                "sendMessage",
                json!({"chat_id": 1, "text": "hi", "reply_markup": {"keyboard": [["A", {"text": true}]]}})
            ),
            Err(
                "Bad Request: field \"reply_markup.keyboard[0][1].text\" must be of type String"
                    .into()
            )
        );
    }

    #[test]
    fn abstract_types_accept_any_subtype() {
        assert!(
            check(
                "setMyCommands",
                json!({"commands": [{"command": "start", "description": "Start"}], "scope": {"type": "all_private_chats"}})
            )
            .is_ok()
        );
        assert!(check("setMyCommands", json!({"commands": [{"command": "start"}]})).is_err());
    }

    #[test]
    fn input_files_must_be_attached_parts() {
        assert!(
            check(
                "sendDocument",
                json!({"chat_id": 1, "document": "attach://f"})
            )
            .is_ok()
        );
        assert!(
            check(
                "sendDocument",
                json!({"chat_id": 1, "document": "a-file-id"})
            )
            .is_ok()
        );
        assert_eq!(
            check(
                "setWebhook",
                json!({"url": "https://x", "certificate": "not-a-file"})
            ),
            Err("Bad Request: field \"certificate\" must be of type InputFile".into())
        );
    }
}
