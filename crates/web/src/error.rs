//! The one error type of the web layer, rendered as `application/problem+json` (RFC 9457).
//! Our own faults answer 500 with no detail; the cause goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_domain::FieldError;
use rapport_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub enum ApiError {
    /// The input is well-formed but some fields are not acceptable (422).
    Validation(Vec<FieldError>),
    /// The request cannot be read at all (400): broken JSON, wrong content.
    BadRequest(String),
    Unauthorized,
    Forbidden(String, Vec<FieldError>),
    NotFound(&'static str),
    /// A stale version, a taken value, or a record still in use (409).
    Conflict {
        detail: String,
        current_version: Option<i64>,
        errors: Vec<FieldError>,
    },
    /// An action the record's current state does not allow (409), with the ones it does.
    NotAllowed {
        detail: String,
        allowed: Vec<String>,
    },
    UnsupportedMediaType,
    PayloadTooLarge,
    Unavailable(String),
    Internal(String),
}

/// The problem document every error response carries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem, e.g. `urn:rapport:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One entry per offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On a version conflict: the version the record is at now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// On an action the current stage does not allow: the actions it does allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

impl ApiError {
    pub fn field(field: &str, code: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    fn parts(
        self,
    ) -> (
        StatusCode,
        &'static str,
        &'static str,
        Option<String>,
        Vec<FieldError>,
        Option<i64>,
    ) {
        match self {
            ApiError::Validation(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Some fields are not acceptable",
                None,
                errors,
                None,
            ),
            ApiError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request cannot be read",
                Some(detail),
                vec![],
                None,
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Sign-in required",
                Some("send an API token as `Authorization: Bearer …`".into()),
                vec![],
                None,
            ),
            ApiError::Forbidden(detail, errors) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed",
                Some(detail),
                errors,
                None,
            ),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                Some(format!("no such {what}")),
                vec![],
                None,
            ),
            ApiError::Conflict {
                detail,
                current_version,
                errors,
            } => (
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                Some(detail),
                errors,
                current_version,
            ),
            ApiError::NotAllowed { detail, .. } => (
                StatusCode::CONFLICT,
                "not-allowed",
                "Not allowed in this state",
                Some(detail),
                vec![],
                None,
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                Some("send the body as application/json".into()),
                vec![],
                None,
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
                Some("the body exceeds the size limit of this route".into()),
                vec![],
                None,
            ),
            ApiError::Unavailable(detail) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Unavailable",
                Some(detail),
                vec![],
                None,
            ),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    None,
                    vec![],
                    None,
                )
            }
        }
    }

    pub fn into_problem(self) -> Problem {
        let allowed_actions = match &self {
            ApiError::NotAllowed { allowed, .. } => Some(allowed.clone()),
            _ => None,
        };
        let (status, kind, title, detail, errors, current_version) = self.parts();
        Problem {
            kind: format!("urn:rapport:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            current_version,
            allowed_actions,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = matches!(self, ApiError::Unauthorized);
        let problem = self.into_problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(errors)
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::Validation(vec![error])
    }
}

impl From<rapport_domain::org::Denied> for ApiError {
    fn from(d: rapport_domain::org::Denied) -> Self {
        ApiError::Forbidden(d.to_string(), vec![])
    }
}

/// Which kind of record a store error is about, for the 404 message.
pub trait Context<T> {
    fn about(self, what: &'static str) -> Result<T, ApiError>;
}

impl<T> Context<T> for Result<T, StoreError> {
    fn about(self, what: &'static str) -> Result<T, ApiError> {
        self.map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound(what),
            other => other.into(),
        })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("record"),
            StoreError::VersionConflict { current } => ApiError::Conflict {
                detail: format!(
                    "someone else changed this record first; it is now at version {current}"
                ),
                current_version: Some(current),
                errors: vec![FieldError::new(
                    "version",
                    "stale",
                    "reload the record and apply your change again",
                )],
            },
            StoreError::Duplicate { field } => ApiError::Conflict {
                detail: format!("`{field}` is already taken"),
                current_version: None,
                errors: vec![FieldError::new(
                    field,
                    "taken",
                    "another record already has this value",
                )],
            },
            StoreError::Invalid(errors) => ApiError::Validation(errors),
            StoreError::Forbidden(errors) => ApiError::Forbidden(
                errors.first().map_or_else(
                    || "some of this belongs to another unit".to_owned(),
                    |e| e.message.clone(),
                ),
                errors,
            ),
            StoreError::NotAllowed(n) => ApiError::NotAllowed {
                detail: format!(
                    "{n}; allowed now: {}",
                    n.allowed
                        .iter()
                        .map(|a| a.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                allowed: n.allowed.iter().map(|a| a.as_str().to_owned()).collect(),
            },
            StoreError::StateConflict(detail) => ApiError::Conflict {
                detail,
                current_version: None,
                errors: vec![],
            },
            StoreError::InUse(by) => ApiError::Conflict {
                detail: format!("still in use by {by}"),
                current_version: None,
                errors: vec![],
            },
            StoreError::Database(sqlx_error) if is_busy(&sqlx_error) => {
                ApiError::Unavailable("the database is busy; try again".into())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

fn is_busy(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::PoolTimedOut)
}
