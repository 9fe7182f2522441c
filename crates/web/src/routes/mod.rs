//! One module per resource, each with its own `router()`.

pub mod audit;
pub mod cases;
pub mod customers;
pub mod employees;
pub mod encounters;
pub mod recovery_config;
pub mod surveys;
pub mod system;
pub mod touchpoints;
pub mod units;

use rapport_domain::FieldError;
use rapport_store::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// One page of a list; pass `next_cursor` as `cursor` for the next one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListPage<T: utoipa::ToSchema> {
    pub items: Vec<T>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T: utoipa::ToSchema> From<Page<T>> for ListPage<T> {
    fn from(p: Page<T>) -> Self {
        Self {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
}

pub fn page(cursor: Option<&str>, limit: Option<i64>) -> Result<PageRequest, ApiError> {
    PageRequest::parse(cursor, limit).map_err(ApiError::Validation)
}

/// Replacing a record needs the version the caller last read.
pub fn required_version(version: Option<i64>) -> Result<i64, ApiError> {
    match version {
        Some(v) if v >= 1 => Ok(v),
        Some(_) => Err(FieldError::new("version", "out_of_range", "versions start at 1").into()),
        None => {
            Err(FieldError::new("version", "required", "send the version you last read").into())
        }
    }
}

/// A new record has no version yet.
pub fn no_version(version: Option<i64>) -> Result<(), ApiError> {
    match version {
        None => Ok(()),
        Some(_) => {
            Err(FieldError::new("version", "not_allowed", "a new record has no version yet").into())
        }
    }
}

/// `?version=N` on deletes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// The version you last read.
    pub version: Option<i64>,
}
