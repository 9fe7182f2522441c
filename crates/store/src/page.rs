//! Cursor pagination: a page ends where the next one starts, stable under concurrent inserts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rapport_domain::FieldError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 1000;

/// The position after the last item of a page: its sort key (when the list is not ordered
/// by id alone: a number, or a text for lists ordered by a name) and its id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k", default)]
    pub key: i64,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor serializes"))
    }

    pub fn decode(field: &str, text: &str) -> Result<Self, FieldError> {
        URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "invalid_cursor",
                    "use the next_cursor of a previous page",
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<Cursor>,
    pub limit: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            after: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl PageRequest {
    pub fn parse(cursor: Option<&str>, limit: Option<i64>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let after = match cursor {
            Some(c) if !c.trim().is_empty() => {
                Cursor::decode("cursor", c).map_err(|e| errors.push(e)).ok()
            }
            _ => None,
        };
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        if errors.is_empty() {
            Ok(Self { after, limit })
        } else {
            Err(errors)
        }
    }

    pub fn first(limit: i64) -> Self {
        Self { after: None, limit }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched items: the extra one only says there is more.
    pub fn from_overfetch(mut items: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next_cursor = if more {
            items.last().map(|last| cursor_of(last).encode())
        } else {
            None
        };
        Self { items, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let c = Cursor {
            key: -42,
            id: Uuid::now_v7(),
            ..Cursor::default()
        };
        assert_eq!(Cursor::decode("cursor", &c.encode()).unwrap(), c);
        let named = Cursor {
            text: Some("김민준 kim".into()),
            ..c
        };
        assert_eq!(Cursor::decode("cursor", &named.encode()).unwrap(), named);
    }

    #[test]
    fn a_forged_cursor_names_the_cursor_parameter() {
        assert_eq!(Cursor::decode("cursor", "!!").unwrap_err().field, "cursor");
    }

    #[test]
    fn the_extra_item_only_signals_a_next_page() {
        let p = Page::from_overfetch(vec![1, 2, 3], 2, |i| Cursor {
            key: *i,
            id: Uuid::nil(),
            ..Cursor::default()
        });
        assert_eq!(p.items, [1, 2]);
        assert_eq!(
            Cursor::decode("c", p.next_cursor.as_deref().unwrap())
                .unwrap()
                .key,
            2
        );
        assert!(
            Page::from_overfetch(vec![1, 2], 2, |i| Cursor {
                key: *i,
                id: Uuid::nil(),
                ..Cursor::default()
            })
            .next_cursor
            .is_none()
        );
    }

    #[test]
    fn a_limit_out_of_range_is_refused() {
        assert_eq!(
            PageRequest::parse(None, Some(0)).unwrap_err()[0].field,
            "limit"
        );
    }
}
