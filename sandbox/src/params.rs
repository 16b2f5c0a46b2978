//! Reading a Bot API request's parameters, whatever the encoding: query
//! string, JSON, urlencoded form or multipart (with file parts).

use std::collections::HashMap;

use axum::Form;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Query, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// A file part of a multipart request.
pub(crate) struct Upload {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// Parameters as received: values are strings unless the body was JSON.
/// A file part appears among the values as `attach://<part name>`, the form
/// Telegram documents for referring to uploads, so that both ways of
/// uploading look the same to the checks.
#[derive(Default)]
pub(crate) struct RawParams {
    pub values: Map<String, Value>,
    pub files: HashMap<String, Upload>,
}

/// Parameters after checking against `api.json` (see [`crate::spec`]).
pub(crate) struct Params {
    pub values: Map<String, Value>,
    pub files: HashMap<String, Upload>,
}

impl Params {
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(Value::as_str)
    }

    pub fn i64(&self, name: &str) -> Option<i64> {
        self.values.get(name).and_then(Value::as_i64)
    }

    /// An absent Boolean is false.
    pub fn flag(&self, name: &str) -> bool {
        self.values
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The upload an `attach://<part>` value refers to.
    pub fn attached(&self, value: &str) -> Option<&Upload> {
        self.files.get(value.strip_prefix("attach://")?)
    }
}

fn bad_body(reason: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("can't parse request body: {reason}"))
}

pub(crate) async fn read(request: Request) -> Result<RawParams, ApiError> {
    let mut params = RawParams::default();
    if request.uri().query().is_some() {
        let Query(pairs) =
            Query::<Vec<(String, String)>>::try_from_uri(request.uri()).map_err(bad_body)?;
        params
            .values
            .extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
    }
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.to_ascii_lowercase())
        .unwrap_or_default();

    if content_type.starts_with("multipart/form-data") {
        read_multipart(request, &mut params).await?;
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, &())
            .await
            .map_err(bad_body)?;
        params
            .values
            .extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
    } else {
        // JSON, or a client that did not say: anything non-blank must be a JSON object.
        let body = Bytes::from_request(request, &()).await.map_err(bad_body)?;
        if !body.trim_ascii().is_empty() {
            match serde_json::from_slice(&body).map_err(bad_body)? {
                Value::Object(object) => params.values.extend(object),
                Value::Null => {}
                _ => return Err(bad_body("expected a JSON object")),
            }
        }
    }
    Ok(params)
}

async fn read_multipart(request: Request, params: &mut RawParams) -> Result<(), ApiError> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(bad_body)?;
    while let Some(field) = multipart.next_field().await.map_err(bad_body)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field.bytes().await.map_err(bad_body)?;
        if file_name.is_some() {
            params
                .values
                .entry(name.clone())
                .or_insert_with(|| Value::String(format!("attach://{name}")));
            let file_name = file_name.filter(|n| !n.is_empty());
            params.files.insert(
                name,
                Upload {
                    file_name,
                    content_type,
                    bytes,
                },
            );
        } else {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| bad_body(format!("part {name} is not UTF-8")))?;
            params.values.insert(name, Value::String(text));
        }
    }
    Ok(())
}
