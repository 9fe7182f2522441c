//! Customers: profile, tier, preferences, important dates, consent, and the search keys that
//! find them by name (Korean initials included), e-mail or phone digits.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::text::{free_text, optional_line, required_line};
use crate::{FieldError, Validation};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    #[default]
    Ko,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ko => "ko",
            Locale::En => "en",
        }
    }
    pub fn from_str_opt(s: &str) -> Option<Self> {
        match s {
            "ko" => Some(Locale::Ko),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

/// Customer tier, from ordinary to most valued; drives differentiated handling.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    #[default]
    Standard,
    Silver,
    Gold,
    Vip,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Standard, Tier::Silver, Tier::Gold, Tier::Vip];
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Vip => "vip",
        }
    }
    pub fn from_str_opt(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DateKind {
    Birthday,
    Anniversary,
    Other,
}

/// A date to remember every year: month and day, the year when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportantDate {
    pub kind: DateKind,
    /// What the date is, e.g. "결혼기념일" or "first visit".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub label: Option<String>,
    #[schema(minimum = 1, maximum = 12)]
    pub month: u8,
    #[schema(minimum = 1, maximum = 31)]
    pub day: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1900, maximum = 2200)]
    pub year: Option<i32>,
}

impl ImportantDate {
    fn validate(&self, field: &str) -> Result<ImportantDate, FieldError> {
        // Without a year, 29 February is allowed (it exists in leap years).
        let year = self.year.unwrap_or(2024);
        if let Some(y) = self.year
            && !(1900..=2200).contains(&y)
        {
            return Err(FieldError::new(
                format!("{field}.year"),
                "out_of_range",
                "must be between 1900 and 2200",
            ));
        }
        if !(1..=12).contains(&self.month) {
            return Err(FieldError::new(
                format!("{field}.month"),
                "out_of_range",
                "must be between 1 and 12",
            ));
        }
        if chrono::NaiveDate::from_ymd_opt(year, self.month.into(), self.day.into()).is_none() {
            return Err(FieldError::new(
                format!("{field}.day"),
                "out_of_range",
                "no such day in that month",
            ));
        }
        let label = match &self.label {
            Some(l) => optional_line(&format!("{field}.label"), l, 100)?,
            None => None,
        };
        Ok(ImportantDate {
            label,
            ..self.clone()
        })
    }
}

/// What a client sends to create or replace a customer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// The version you last read; required when replacing, absent when creating.
    #[serde(default)]
    pub version: Option<i64>,
    #[schema(min_length = 1, max_length = 200, example = "김민수")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 254, example = "minsu.kim@example.com")]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(max_length = 40, example = "010-1234-5678")]
    pub phone: Option<String>,
    #[serde(default)]
    pub locale: Locale,
    #[serde(default)]
    pub tier: Tier,
    /// Short preference tags, e.g. "창가 자리", "no cilantro".
    #[serde(default)]
    #[schema(max_items = 50)]
    pub preferences: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub notes: String,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub important_dates: Vec<ImportantDate>,
    #[serde(default)]
    pub marketing_consent: bool,
}

/// A validated customer, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustomer {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: Locale,
    pub tier: Tier,
    pub preferences: Vec<String>,
    pub notes: String,
    pub important_dates: Vec<ImportantDate>,
    pub marketing_consent: bool,
    pub keys: SearchKeys,
}

impl CustomerInput {
    pub fn parse(&self) -> Result<NewCustomer, Vec<FieldError>> {
        let mut v = Validation::new();
        let name = v.check(required_line("name", &self.name, 200));
        let email = match self.email.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(e) => v.check(crate::org::parse_email("email", e).map(Some)),
        };
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(p) => v.check(parse_phone("phone", p).map(Some)),
        };
        if self.preferences.len() > 50 {
            v.push(FieldError::new(
                "preferences",
                "too_many",
                "at most 50 preferences",
            ));
        }
        let preferences: Vec<String> = self
            .preferences
            .iter()
            .enumerate()
            .filter_map(|(i, p)| v.check(required_line(&format!("preferences[{i}]"), p, 100)))
            .collect();
        let notes = v.check(free_text("notes", &self.notes, 5000));
        if self.important_dates.len() > 20 {
            v.push(FieldError::new(
                "important_dates",
                "too_many",
                "at most 20 dates",
            ));
        }
        let dates: Vec<ImportantDate> = self
            .important_dates
            .iter()
            .enumerate()
            .filter_map(|(i, d)| v.check(d.validate(&format!("important_dates[{i}]"))))
            .collect();
        v.finish(|| {
            let name = name.unwrap_or_default();
            let email = email.flatten();
            let phone = phone.flatten();
            let keys = SearchKeys::new(&name, email.as_deref(), phone.as_deref());
            NewCustomer {
                name,
                email,
                phone,
                locale: self.locale,
                tier: self.tier,
                preferences,
                notes: notes.unwrap_or_default(),
                important_dates: dates,
                marketing_consent: self.marketing_consent,
                keys,
            }
        })
    }
}

/// Accepts digits with the usual separators (`+`, `-`, spaces, parentheses), 7–15 digits.
pub fn parse_phone(field: &str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'));
    if allowed && (7..=15).contains(&digits) && t.len() <= 40 {
        Ok(t.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "invalid_phone",
            "must be a phone number of 7 to 15 digits",
        ))
    }
}

/// Normalised keys kept beside each customer so that search uses index range scans.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchKeys {
    /// Name in NFC, lowercase, without spaces.
    pub name: String,
    /// The name without its first character: Korean names start with the family name,
    /// so "민수" finds "김민수".
    pub given_name: String,
    /// Hangul initial consonants (초성) of the name: "ㄱㅁㅅ" finds "김민수".
    pub initials: String,
    /// Lowercased e-mail.
    pub email: String,
    /// Phone digits only.
    pub phone_digits: String,
}

impl SearchKeys {
    pub fn new(name: &str, email: Option<&str>, phone: Option<&str>) -> Self {
        let name = normalize(name);
        let given_name = name.chars().skip(1).collect();
        let initials = initials(&name);
        Self {
            name,
            given_name,
            initials,
            email: email.map(str::to_lowercase).unwrap_or_default(),
            phone_digits: phone
                .map(|p| p.chars().filter(char::is_ascii_digit).collect())
                .unwrap_or_default(),
        }
    }
}

/// NFC, lowercase, no whitespace.
pub fn normalize(text: &str) -> String {
    text.nfc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}

const CHOSEONG: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];

/// Replaces each precomposed Hangul syllable by its initial consonant; other characters stay.
pub fn initials(normalized: &str) -> String {
    normalized
        .chars()
        .map(|c| {
            let code = c as u32;
            if (0xAC00..=0xD7A3).contains(&code) {
                CHOSEONG[((code - 0xAC00) / 588) as usize]
            } else {
                c
            }
        })
        .collect()
}

fn is_choseong(c: char) -> bool {
    CHOSEONG.contains(&c)
}

/// How a search text is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerQuery {
    /// Prefix of the name or of the given name.
    Name(String),
    /// Prefix of the Hangul initials.
    Initials(String),
    /// Prefix of the e-mail.
    Email(String),
    /// Prefix of the phone digits, or their last four.
    Phone(String),
}

impl CustomerQuery {
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let n = normalize(text);
        if n.is_empty() {
            return Err(FieldError::new(
                field,
                "required",
                "type at least one character",
            ));
        }
        if n.chars().count() > 100 {
            return Err(FieldError::new(
                field,
                "too_long",
                "must be at most 100 characters",
            ));
        }
        if n.contains('@') {
            return Ok(Self::Email(n));
        }
        if n.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '(' | ')' | '.'))
        {
            let digits: String = n.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 3 {
                return Ok(Self::Phone(digits));
            }
        }
        if n.chars().all(is_choseong) {
            return Ok(Self::Initials(n));
        }
        Ok(Self::Name(n))
    }
}

/// A customer as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: uuid::Uuid,
    pub version: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: Locale,
    pub tier: Tier,
    pub preferences: Vec<String>,
    pub notes: String,
    pub important_dates: Vec<ImportantDate>,
    pub marketing_consent: bool,
    /// When consent was last given or withdrawn.
    pub consent_updated_at: Option<crate::Timestamp>,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> CustomerInput {
        serde_json::from_value(serde_json::json!({ "name": name })).unwrap()
    }

    #[test]
    fn initials_of_a_korean_name_are_its_first_consonants() {
        assert_eq!(initials("김민수"), "ㄱㅁㅅ");
        assert_eq!(initials("뼈다귀kim"), "ㅃㄷㄱkim");
    }

    #[test]
    fn korean_name_search_keys_cover_family_and_given_name() {
        let k = SearchKeys::new("김 민수", None, Some("010-1234-5678"));
        assert_eq!(k.name, "김민수");
        assert_eq!(k.given_name, "민수");
        assert_eq!(k.phone_digits, "01012345678");
    }

    #[test]
    fn decomposed_hangul_is_normalized_before_matching() {
        // "김" typed as conjoining jamo (as some macOS inputs deliver it).
        assert_eq!(normalize("\u{1100}\u{1175}\u{11B7}"), "김");
    }

    #[test]
    fn a_query_is_classified_by_its_shape() {
        assert_eq!(
            CustomerQuery::parse("q", "ㄱㅁ").unwrap(),
            CustomerQuery::Initials("ㄱㅁ".into())
        );
        assert_eq!(
            CustomerQuery::parse("q", "5678").unwrap(),
            CustomerQuery::Phone("5678".into())
        );
        assert_eq!(
            CustomerQuery::parse("q", "Kim@").unwrap(),
            CustomerQuery::Email("kim@".into())
        );
        assert_eq!(
            CustomerQuery::parse("q", "Min Su").unwrap(),
            CustomerQuery::Name("minsu".into())
        );
        assert!(CustomerQuery::parse("q", "  ").is_err());
    }

    #[test]
    fn february_29_without_a_year_is_a_valid_birthday() {
        let mut c = input("Lee");
        c.important_dates = vec![ImportantDate {
            kind: DateKind::Birthday,
            label: None,
            month: 2,
            day: 29,
            year: None,
        }];
        assert!(c.parse().is_ok());
        c.important_dates[0].year = Some(2023);
        assert_eq!(c.parse().unwrap_err()[0].field, "important_dates[0].day");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut c = input("");
        c.email = Some("nope".into());
        c.phone = Some("12".into());
        let fields: Vec<_> = c
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["name", "email", "phone"]);
    }
}
