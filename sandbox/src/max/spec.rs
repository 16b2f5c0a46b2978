//! The Max Bot API's OpenAPI description (`api/max/openapi.json`) and
//! request checking against it, as `crate::spec` does for Telegram's
//! `api.json`.
//!
//! A request is matched to an operation (method and path template), its
//! query parameters are checked against the operation's parameters (types,
//! enums, ranges; unknown ones are ignored, as the real API ignores `v=`),
//! and its JSON body against the operation's schema, field by field:
//! unknown fields are refused (the contract's objects list every field a
//! request may carry), so is a missing required field, a wrong type, a
//! value outside an enum, and a string or list over its `maxLength` /
//! under its `minLength` (the 4000 characters of a text among them).
//! A required field that the schema marks `nullable` may be left out: the
//! contract lists `text`, `attachments` and `link` of a new message as
//! required, yet the API takes `{"text": "…"}` alone.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Map, Value};

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../api/max/openapi.json"))
        .expect("the embedded openapi.json is valid")
});

/// An operation of the contract: `GET /chats/{chatId}` and its parts.
pub(crate) struct Operation {
    pub id: &'static str,
    /// Path parameters by name, as matched (`chatId` → `"42"`).
    pub path_params: HashMap<String, String>,
    spec: &'static Value,
}

/// A request that the contract refuses, said the way the API says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a request to `path` with `method` matches: `None` when no path of
/// the contract has this shape, `Some(Err(()))` when the path exists but
/// not with this method (405).
pub(crate) fn operation(method: &str, path: &str) -> Option<Result<Operation, ()>> {
    let paths = SPEC["paths"].as_object()?;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = method.to_ascii_lowercase();
    let mut path_found = false;
    // A literal segment beats a parameter (`/chats/{chatLink}` and
    // `/chats/{chatId}` both match `/chats/42`: the integer one wins).
    let mut best: Option<(usize, Operation)> = None;
    for (template, item) in paths {
        let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut params = HashMap::new();
        let mut literal = 0;
        let matches = parts.iter().zip(&segments).all(|(part, segment)| {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    params.insert(name.to_owned(), (*segment).to_owned());
                    !segment.is_empty()
                }
                None => {
                    literal += 1;
                    part == segment
                }
            }
        });
        if !matches {
            continue;
        }
        path_found = true;
        let Some(op) = item.get(&method) else {
            continue;
        };
        // A path parameter that must be an integer only matches integers.
        let integer_params_ok = parameters(op, item).filter(|p| p["in"] == "path").all(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            !is_integer(resolve(&p["schema"]))
                || params.get(name).is_some_and(|v| v.parse::<i64>().is_ok())
        });
        let score = literal * 2 + usize::from(integer_params_ok);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Operation {
                    id: op["operationId"].as_str().unwrap_or_default(),
                    path_params: params,
                    spec: op,
                },
            ));
        }
    }
    match best {
        Some((_, op)) => Some(Ok(op)),
        None if path_found => Some(Err(())),
        None => None,
    }
}

fn parameters<'a>(op: &'a Value, item: &'a Value) -> impl Iterator<Item = &'a Value> {
    let list = |v: &'a Value| v.as_array().into_iter().flatten();
    list(&op["parameters"]).chain(list(&item["parameters"]))
}

fn resolve(schema: &Value) -> &Value {
    let mut schema = schema;
    // References chain at most a few deep in this contract.
    for _ in 0..8 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                schema = &SPEC["components"]["schemas"][name];
            }
            None => break,
        }
    }
    schema
}

fn is_integer(schema: &Value) -> bool {
    schema["type"] == "integer"
}

impl Operation {
    /// Checks the query string against the operation's parameters and
    /// returns them typed (integers as numbers, booleans as booleans,
    /// comma-separated lists as arrays). Unknown parameters are ignored.
    pub fn check_query(&self, pairs: &[(String, String)]) -> Result<Map<String, Value>, Invalid> {
        let mut checked = Map::new();
        for param in self
            .spec
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
        {
            let name = param["name"].as_str().unwrap_or_default();
            let schema = resolve(&param["schema"]);
            let raw = pairs
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, v)| v.as_str());
            let raw = match raw {
                // `marker=null`, as the contract allows.
                Some("null") if schema["nullable"] == true => None,
                Some("") => None,
                other => other,
            };
            let Some(raw) = raw else {
                if param["required"] == true {
                    return Err(Invalid(format!("Missing required parameter: {name}")));
                }
                continue;
            };
            let value = typed(raw, schema)
                .ok_or_else(|| Invalid(format!("Invalid value of parameter {name}: {raw:?}")))?;
            check(&value, schema, name, true)
                .map_err(|reason| Invalid(format!("Invalid parameter {reason}")))?;
            checked.insert(name.to_owned(), value);
        }
        Ok(checked)
    }

    /// Checks a JSON body against the operation's request schema. An
    /// operation without a body takes none (an empty body passes).
    pub fn check_body(&self, body: &Value) -> Result<(), Invalid> {
        let schema = &self.spec["requestBody"]["content"]["application/json"]["schema"];
        if schema.is_null() {
            return Ok(());
        }
        if body.is_null() && self.spec["requestBody"]["required"] == true {
            return Err(Invalid("Request body is required".into()));
        }
        check(body, schema, "", true).map_err(|reason| Invalid(format!("Invalid body: {reason}")))
    }
}

/// A query string value in the schema's type.
fn typed(raw: &str, schema: &Value) -> Option<Value> {
    match schema["type"].as_str() {
        Some("integer") => raw.trim().parse::<i64>().ok().map(Value::from),
        Some("boolean") => match raw {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Some("array") => Some(Value::Array(
            raw.split(',')
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        )),
        _ => Some(Value::String(raw.to_owned())),
    }
}

/// Where a value stops matching, e.g.
/// `field "attachments[0].payload.buttons[0][0].payload" is missing`.
fn at(path: &str, problem: impl std::fmt::Display) -> String {
    if path.is_empty() {
        format!("the body {problem}")
    } else {
        format!("field \"{path}\" {problem}")
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// An object's fields, collected through `allOf` and references.
#[derive(Default)]
struct Shape<'a> {
    properties: Vec<(&'a str, &'a Value)>,
    required: Vec<&'a str>,
    additional: Option<&'a Value>,
}

fn is_object_schema(schema: &Value) -> bool {
    let schema = resolve(schema);
    schema.get("properties").is_some()
        || schema.get("additionalProperties").is_some()
        || schema["type"] == "object"
        || schema["allOf"]
            .as_array()
            .is_some_and(|all| all.iter().any(is_object_schema))
}

fn collect<'a>(schema: &'a Value, shape: &mut Shape<'a>) {
    let schema = resolve(schema);
    if let Some(properties) = schema["properties"].as_object() {
        shape
            .properties
            .extend(properties.iter().map(|(k, v)| (k.as_str(), v)));
    }
    if let Some(required) = schema["required"].as_array() {
        shape
            .required
            .extend(required.iter().filter_map(Value::as_str));
    }
    if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        shape.additional = Some(additional);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        collect(part, shape);
    }
}

/// Whether a field's schema (or what it refers to) allows `null`.
fn nullable(schema: &Value) -> bool {
    schema["nullable"] == true || resolve(schema)["nullable"] == true
}

/// The concrete schema a discriminated value names, e.g. `CallbackButton`
/// for a button of `"type": "callback"`.
fn discriminated(
    value: &Value,
    schema: &Value,
    path: &str,
) -> Option<Result<&'static Value, String>> {
    let discriminator = schema.get("discriminator")?;
    let property = discriminator["propertyName"].as_str()?;
    let mapping = discriminator["mapping"].as_object()?;
    let Some(kind) = value.get(property).and_then(Value::as_str) else {
        return Some(Err(at(&join(path, property), "is missing")));
    };
    let Some(target) = mapping.get(kind) else {
        let mut known: Vec<&str> = mapping.keys().map(String::as_str).collect();
        known.sort_unstable();
        return Some(Err(at(
            &join(path, property),
            format!("must be one of {}, not {kind:?}", known.join(", ")),
        )));
    };
    let reference = target
        .as_str()
        .or_else(|| target.get("$ref").and_then(Value::as_str))?;
    let name = reference.rsplit('/').next().unwrap_or_default();
    Some(Ok(&SPEC["components"]["schemas"][name]))
}

fn check(value: &Value, schema: &Value, path: &str, dispatch: bool) -> Result<(), String> {
    let schema = resolve(schema);
    if value.is_null() {
        // Absent and null are one to the API; a required field's absence
        // is judged by its object.
        return Ok(());
    }
    if dispatch && let Some(concrete) = discriminated(value, schema, path) {
        // The concrete schema includes this base through `allOf`; it is
        // not dispatched again.
        return check(value, concrete?, path, false);
    }
    if is_object_schema(schema) {
        let Value::Object(object) = value else {
            return Err(at(path, "must be an object"));
        };
        return check_object(object, schema, path);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(value, part, path, true)?;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
        return Err(at(path, format!("must be one of {}", names.join(", "))));
    }
    match schema["type"].as_str() {
        Some("string") => {
            let Some(text) = value.as_str() else {
                return Err(at(path, "must be a string"));
            };
            check_length(text.chars().count(), schema, path, "characters")
        }
        Some("integer") => {
            let Some(number) = value.as_i64() else {
                return Err(at(path, "must be an integer"));
            };
            if let Some(minimum) = schema["minimum"].as_i64()
                && number < minimum
            {
                return Err(at(path, format!("must be at least {minimum}")));
            }
            if let Some(maximum) = schema["maximum"].as_i64()
                && number > maximum
            {
                return Err(at(path, format!("must be at most {maximum}")));
            }
            Ok(())
        }
        Some("number") if !value.is_number() => Err(at(path, "must be a number")),
        Some("boolean") if !value.is_boolean() => Err(at(path, "must be a boolean")),
        Some("array") => {
            let Some(items) = value.as_array() else {
                return Err(at(path, "must be an array"));
            };
            check_length(items.len(), schema, path, "items")?;
            for (index, item) in items.iter().enumerate() {
                check(item, &schema["items"], &format!("{path}[{index}]"), true)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_length(length: usize, schema: &Value, path: &str, unit: &str) -> Result<(), String> {
    let bound = |key: &str| schema[key].as_u64().and_then(|n| usize::try_from(n).ok());
    if let Some(max) = bound("maxLength").or(bound("maxItems"))
        && length > max
    {
        return Err(at(path, format!("must be at most {max} {unit} long")));
    }
    if let Some(min) = bound("minLength").or(bound("minItems"))
        && length < min
    {
        return Err(at(path, format!("must be at least {min} {unit} long")));
    }
    Ok(())
}

fn check_object(object: &Map<String, Value>, schema: &Value, path: &str) -> Result<(), String> {
    let mut shape = Shape::default();
    collect(schema, &mut shape);
    for name in &shape.required {
        let present = object.get(*name).is_some_and(|v| !v.is_null());
        let may_be_null = shape
            .properties
            .iter()
            .find(|(p, _)| p == name)
            .is_some_and(|(_, s)| nullable(s));
        if !present && !may_be_null {
            return Err(at(&join(path, name), "is missing"));
        }
    }
    for (key, value) in object {
        let field_path = join(path, key);
        match shape.properties.iter().find(|(p, _)| p == key) {
            Some((_, field)) => check(value, field, &field_path, true)?,
            None => match shape.additional {
                Some(additional) => check(value, additional, &field_path, true)?,
                None => return Err(at(&field_path, "is unknown")),
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(method: &str, path: &str, body: Value) -> Result<(), String> {
        operation(method, path)
            .expect("a path of the contract")
            .expect("a method of the path")
            .check_body(&body)
            .map_err(|invalid| invalid.0)
    }

    #[test]
    fn operations_are_matched_by_method_and_path() {
        let op = operation("GET", "/chats/42").unwrap().unwrap();
        assert_eq!(op.id, "getChat");
        assert_eq!(op.path_params["chatId"], "42");
        assert_eq!(
            operation("GET", "/chats/@someone").unwrap().unwrap().id,
            "getChatByLink"
        );
        assert_eq!(
            operation("POST", "/messages").unwrap().unwrap().id,
            "sendMessage"
        );
        assert!(operation("PATCH", "/updates").unwrap().is_err(), "405");
        assert!(operation("GET", "/nothing/here").is_none(), "404");
    }

    #[test]
    fn a_plain_text_message_passes() {
        assert_eq!(body("POST", "/messages", json!({"text": "Hi"})), Ok(()));
        assert_eq!(
            body(
                "POST",
                "/messages",
                json!({"text": "<b>Hi</b>", "format": "html", "notify": false, "attachments": null})
            ),
            Ok(())
        );
    }

    #[test]
    fn unknown_fields_are_refused_with_the_path() {
        assert_eq!(
            body(
                "POST",
                "/messages",
                json!({"text": "Hi", "parse_mode": "HTML"})
            ),
            Err("Invalid body: field \"parse_mode\" is unknown".into())
        );
        assert_eq!(
            body(
                "POST",
                "/messages",
                json!({"text": "Hi", "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [[{"type": "callback", "text": "A", "payload": "a", "data": 1}]]}}]})
            ),
            Err(
                "Invalid body: field \"attachments[0].payload.buttons[0][0].data\" is unknown"
                    .into()
            )
        );
    }

    #[test]
    fn buttons_are_checked_by_their_kind() {
        let keyboard = |button: Value| json!({"text": "Hi", "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [[button]]}}]});
        assert_eq!(
            body(
                "POST",
                "/messages",
                keyboard(json!({"type": "callback", "text": "A"}))
            ),
            Err(
                "Invalid body: field \"attachments[0].payload.buttons[0][0].payload\" is missing"
                    .into()
            )
        );
        assert_eq!(
            body(
                "POST",
                "/messages",
                keyboard(json!({"type": "link", "text": "A", "url": "https://max.ru"}))
            ),
            Ok(())
        );
        assert_eq!(
            body(
                "POST",
                "/messages",
                keyboard(json!({"type": "request_contact", "text": "Share"}))
            ),
            Ok(())
        );
        let refused = body(
            "POST",
            "/messages",
            keyboard(json!({"type": "press", "text": "A"})),
        )
        .unwrap_err();
        assert!(
            refused.starts_with(
                "Invalid body: field \"attachments[0].payload.buttons[0][0].type\" must be one of callback,"
            ),
            "{refused}"
        );
        assert_eq!(
            body(
                "POST",
                "/messages",
                keyboard(json!({"type": "callback", "text": "", "payload": "a"}))
            ),
            Err("Invalid body: field \"attachments[0].payload.buttons[0][0].text\" must be at least 1 characters long".into())
        );
    }

    #[test]
    fn a_text_over_4000_characters_is_refused() {
        assert_eq!(
            body("POST", "/messages", json!({"text": "я".repeat(4000)})),
            Ok(())
        );
        assert_eq!(
            body("POST", "/messages", json!({"text": "я".repeat(4001)})),
            Err("Invalid body: field \"text\" must be at most 4000 characters long".into())
        );
    }

    #[test]
    fn enums_and_types_are_checked() {
        assert_eq!(
            body("POST", "/messages", json!({"text": "Hi", "format": "HTML"})),
            Err("Invalid body: field \"format\" must be one of \"markdown\", \"html\"".into())
        );
        assert_eq!(
            body("POST", "/messages", json!({"text": 5})),
            Err("Invalid body: field \"text\" must be a string".into())
        );
        assert_eq!(
            body("POST", "/chats/1/actions", json!({"action": "typing"})),
            Err("Invalid body: field \"action\" must be one of \"typing_on\", \"sending_photo\", \"sending_video\", \"sending_audio\", \"sending_file\"".into())
        );
        assert_eq!(
            body("POST", "/chats/1/actions", json!({})),
            Err("Invalid body: field \"action\" is missing".into())
        );
    }

    #[test]
    fn query_parameters_are_typed_and_checked() {
        let op = operation("GET", "/updates").unwrap().unwrap();
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let checked = op
            .check_query(&pairs(&[
                ("marker", "12"),
                ("types", "message_created,bot_started"),
                ("v", "0.0.32"),
            ]))
            .unwrap();
        assert_eq!(checked["marker"], json!(12));
        assert_eq!(checked["types"], json!(["message_created", "bot_started"]));
        assert!(checked.get("v").is_none());
        assert_eq!(
            op.check_query(&pairs(&[("timeout", "91")])),
            Err(Invalid(
                "Invalid parameter field \"timeout\" must be at most 90".into()
            ))
        );
        assert!(op.check_query(&pairs(&[("marker", "null")])).is_ok());
        let uploads = operation("POST", "/uploads").unwrap().unwrap();
        assert_eq!(
            uploads.check_query(&[]),
            Err(Invalid("Missing required parameter: type".into()))
        );
        assert!(uploads.check_query(&pairs(&[("type", "photo")])).is_err());
    }
}
