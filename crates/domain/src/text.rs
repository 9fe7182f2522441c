//! Short texts typed by people: names, labels, notes.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Trims and checks a required single-line text of at most `max` characters.
pub fn required_line(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    optional_line(field, trimmed, max).map(|t| t.unwrap_or_default())
}

/// Like [`required_line`] but an empty text becomes `None`.
pub fn optional_line(field: &str, text: &str, max: usize) -> Result<Option<String>, FieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "must be a single line without control characters",
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

/// A multi-line free text (notes); line breaks and tabs allowed, other control characters not.
pub fn free_text(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(text.trim_end().to_owned())
}

pub const NAME_MAX: usize = 200;

/// A name given in Korean and in English; both are required, so every page can show either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalizedName {
    #[schema(min_length = 1, max_length = 200, example = "강남점")]
    pub ko: String,
    #[schema(min_length = 1, max_length = 200, example = "Gangnam branch")]
    pub en: String,
}

impl LocalizedName {
    pub fn parse(field: &str, ko: &str, en: &str) -> Result<Self, Vec<FieldError>> {
        let ko = required_line(&format!("{field}.ko"), ko, NAME_MAX);
        let en = required_line(&format!("{field}.en"), en, NAME_MAX);
        match (ko, en) {
            (Ok(ko), Ok(en)) => Ok(Self { ko, en }),
            (ko, en) => Err([ko.err(), en.err()].into_iter().flatten().collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_spaces_are_trimmed() {
        assert_eq!(required_line("n", "  김민수 ", 10).unwrap(), "김민수");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(required_line("n", "가나다", 3).is_ok());
        assert_eq!(
            required_line("n", "가나다라", 3).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn a_blank_name_is_required() {
        assert_eq!(required_line("n", "   ", 3).unwrap_err().code, "required");
    }

    #[test]
    fn both_languages_of_a_name_are_reported_at_once() {
        let errors = LocalizedName::parse("name", "", " ").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name.ko", "name.en"]);
    }
}
