//! Extractors whose rejections speak our problem format and name the offending field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use rapport_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Whether the body is declared as JSON (`application/json` or `application/…+json`).
pub fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// A JSON body. Syntax errors answer 400; a wrong type, an unknown or a missing field
/// answers 422 with the field's path (`items[3].started_at`).
pub struct ApiJson<T>(pub T);

fn json_path(path: &serde_path_to_error::Path) -> String {
    // serde_path_to_error writes `items[3].name`; the root alone is `.`.
    let p = path.to_string();
    if p == "." { String::new() } else { p }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Tracking the path costs about a third of the parse of a large batch; only a body
    // with an error is parsed a second time to find where the error is.
    if let Ok(v) = serde_json::from_slice(bytes) {
        return Ok(v);
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let field = json_path(e.path());
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let message = inner.to_string();
                    // The path of an unknown field ends with its key; the path of a missing field
                    // is its parent object, so the key comes from the message.
                    let (field, code) = match message.strip_prefix("unknown field `") {
                        Some(rest) => {
                            let key = rest.split('`').next().unwrap_or_default();
                            (
                                if field.is_empty() {
                                    key.to_owned()
                                } else {
                                    field
                                },
                                "unknown_field",
                            )
                        }
                        None if message.starts_with("missing field `") => {
                            let key = message
                                .trim_start_matches("missing field `")
                                .split('`')
                                .next()
                                .unwrap_or_default();
                            let full = if field.is_empty() {
                                key.to_owned()
                            } else {
                                format!("{field}.{key}")
                            };
                            (full, "required")
                        }
                        None => (field, "invalid_type"),
                    };
                    let message = message
                        .split(" at line ")
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    Err(ApiError::Validation(vec![FieldError::new(
                        field, code, message,
                    )]))
                }
                _ => Err(ApiError::BadRequest(format!(
                    "the body is not valid JSON: {inner}"
                ))),
            }
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = is_json(req.headers());
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Query parameters, with the same field-naming errors as bodies.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let field = json_path(e.path());
                let message = e.into_inner().to_string();
                let field = match message.strip_prefix("unknown field `") {
                    Some(rest) => rest.split('`').next().unwrap_or_default().to_owned(),
                    None => field,
                };
                ApiError::Validation(vec![FieldError::new(field, "invalid_parameter", message)])
            })
    }
}

/// A path id that is not a UUID is a request for something that cannot exist.
pub struct PathId(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw): axum::extract::Path<String> =
            axum::extract::Path::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::NotFound("record"))?;
        uuid::Uuid::parse_str(&raw)
            .map(PathId)
            .map_err(|_| ApiError::NotFound("record"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        count: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Batch {
        items: Vec<Item>,
    }

    fn field_of(body: &str) -> (String, String) {
        match parse_json::<Batch>(body.as_bytes()) {
            Err(ApiError::Validation(e)) => (e[0].field.clone(), e[0].code.clone()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_deep_in_a_batch_names_its_path() {
        let (field, code) =
            field_of(r#"{"items":[{"name":"a","count":1},{"name":"b","count":"x"}]}"#);
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("items[1].count", "invalid_type")
        );
    }

    #[test]
    fn an_unknown_field_is_named() {
        let (field, code) = field_of(r#"{"items":[{"name":"a","count":1,"colour":"red"}]}"#);
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("items[0].colour", "unknown_field")
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let (field, code) = field_of(r#"{"items":[{"name":"a"}]}"#);
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("items[0].count", "required")
        );
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert!(matches!(
            parse_json::<Batch>(b"{\"items\": ["),
            Err(ApiError::BadRequest(_))
        ));
    }
}
