//! Fair compensation and service guarantees: the guideline ranges per failure category ×
//! severity × customer tier × currency, the guarantees a business promises with their payout,
//! and the period over which an employee's authority limit is counted.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::case::{RecoveryKind, Severity};
use crate::customer::Tier;
use crate::money::{Currency, MAX_AMOUNT_MINOR, Money, MoneyDto};
use crate::text::{LocalizedName, free_text};
use crate::{FieldError, Timestamp, Validation};

/// Over which period an employee's authority limit is counted (`per_action`, `day`, `week`,
/// `month`); kept beside the case rules that apply it.
pub use crate::case::AuthorityPeriod;

/// The authority period when none is set.
pub const DEFAULT_AUTHORITY_PERIOD: AuthorityPeriod = AuthorityPeriod::Month;

/// Body of `GET`/`PUT /api/v1/settings/authority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthoritySetting {
    /// `per_action`: the limit caps each action alone; `day`, `week`, `month`: it caps the sum
    /// of an employee's own-authority compensation in the current local day, week (from
    /// Monday) or month of their unit.
    pub period: AuthorityPeriod,
}

/// The `tier` of a guideline that applies to every customer tier.
pub const ANY_TIER: &str = "*";

/// Longest guideline note.
pub const NOTE_MAX: usize = 2_000;

/// Input of `POST`/`PUT /api/v1/compensation-guidelines`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuidelineInput {
    /// Required on update, absent on create.
    #[serde(default)]
    pub version: Option<i64>,
    /// A failure category code from the taxonomy.
    #[schema(example = "outcome.wrong_item")]
    pub category: String,
    /// 1 (critical) to 4 (minor).
    #[schema(minimum = 1, maximum = 4)]
    pub severity: i64,
    /// A customer tier (`standard`, `silver`, `gold`, `vip`) or `*` for every tier; a guideline
    /// for the customer's own tier wins over the `*` one. Absent: `*`.
    #[serde(default = "any_tier")]
    #[schema(example = "*")]
    pub tier: String,
    /// ISO 4217 code of the amounts.
    #[schema(example = "KRW", min_length = 3, max_length = 3)]
    pub currency: String,
    /// Least fair compensation, in minor units.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub min_minor: i64,
    /// Most fair compensation, in minor units; at least `min_minor`.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub max_minor: i64,
    /// What staff should know, e.g. which kind of compensation fits.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

fn any_tier() -> String {
    ANY_TIER.to_owned()
}

/// A validated guideline.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGuideline {
    pub category: String,
    pub severity: Severity,
    /// `None`: every tier.
    pub tier: Option<Tier>,
    pub currency: Currency,
    pub min_minor: i64,
    pub max_minor: i64,
    pub note: String,
}

impl NewGuideline {
    /// The tier as stored: the tier's name or `*`.
    pub fn tier_str(&self) -> &'static str {
        self.tier.map_or(ANY_TIER, Tier::as_str)
    }
}

/// Parses a guideline tier: `*` or a customer tier.
pub fn parse_guideline_tier(field: &str, s: &str) -> Result<Option<Tier>, FieldError> {
    let s = s.trim();
    if s == ANY_TIER {
        return Ok(None);
    }
    Tier::from_str_opt(s).map(Some).ok_or_else(|| {
        FieldError::new(
            field,
            "invalid_value",
            "expected `*` or one of: standard, silver, gold, vip",
        )
    })
}

/// A failure category code (`outcome.…` or `process.…`), trimmed and lowercased like the
/// taxonomy's own codes. Whether the category exists is for storage to say.
pub fn parse_category(field: &str, s: &str) -> Result<String, FieldError> {
    crate::taxonomy::parse_prefixed_code(field, s, &["outcome", "process"])
}

impl GuidelineInput {
    pub fn parse(&self) -> Result<NewGuideline, Vec<FieldError>> {
        let mut v = Validation::new();
        let category = v.check(parse_category("category", &self.category));
        let severity = v.check(Severity::parse("severity", self.severity));
        let tier = v.check(parse_guideline_tier("tier", &self.tier));
        let currency = v.check(Currency::parse("currency", self.currency.trim()));
        let mut amounts_ok = true;
        for (field, value) in [("min_minor", self.min_minor), ("max_minor", self.max_minor)] {
            if !(0..=MAX_AMOUNT_MINOR).contains(&value) {
                amounts_ok = false;
                v.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("amount must be between 0 and {MAX_AMOUNT_MINOR} minor units"),
                ));
            }
        }
        if amounts_ok && self.min_minor > self.max_minor {
            v.push(FieldError::new(
                "max_minor",
                "less_than_min",
                "the largest amount must not be below the smallest",
            ));
        }
        let note = v.check(free_text("note", &self.note, NOTE_MAX));
        v.finish(|| NewGuideline {
            category: category.unwrap(),
            severity: severity.unwrap(),
            tier: tier.unwrap(),
            currency: currency.unwrap(),
            min_minor: self.min_minor,
            max_minor: self.max_minor,
            note: note.unwrap(),
        })
    }
}

/// A stored guideline: fair compensation for one category × severity × tier × currency.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Guideline {
    pub id: Uuid,
    pub version: i64,
    pub category: String,
    /// 1 (critical) to 4 (minor).
    pub severity: u8,
    /// A customer tier, or `*` for every tier.
    pub tier: String,
    pub currency: String,
    pub min_minor: i64,
    pub max_minor: i64,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a service guarantee pays out when invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayoutKind {
    Refund,
    Discount,
    Voucher,
    Gift,
    /// The service is done again, free of charge.
    Redo,
}

impl PayoutKind {
    pub const ALL: [PayoutKind; 5] = [
        PayoutKind::Refund,
        PayoutKind::Discount,
        PayoutKind::Voucher,
        PayoutKind::Gift,
        PayoutKind::Redo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PayoutKind::Refund => "refund",
            PayoutKind::Discount => "discount",
            PayoutKind::Voucher => "voucher",
            PayoutKind::Gift => "gift",
            PayoutKind::Redo => "redo",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The recovery action an invocation records.
    pub fn recovery_kind(self) -> RecoveryKind {
        match self {
            PayoutKind::Refund => RecoveryKind::Refund,
            PayoutKind::Discount => RecoveryKind::Discount,
            PayoutKind::Voucher => RecoveryKind::Voucher,
            PayoutKind::Gift => RecoveryKind::Gift,
            PayoutKind::Redo => RecoveryKind::Redo,
        }
    }
}

/// Longest guarantee terms, per language.
pub const TERMS_MAX: usize = 5_000;

/// The terms of a guarantee in Korean and in English (both required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeTerms {
    #[schema(min_length = 1, max_length = 5000)]
    pub ko: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub en: String,
}

fn required_text(field: &str, text: &str) -> Result<String, FieldError> {
    let t = free_text(field, text, TERMS_MAX)?;
    if t.trim().is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    Ok(t.trim().to_owned())
}

/// Input of `POST`/`PUT /api/v1/guarantees`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeInput {
    /// Required on update, absent on create.
    #[serde(default)]
    pub version: Option<i64>,
    pub name: LocalizedName,
    pub terms: GuaranteeTerms,
    pub payout_kind: PayoutKind,
    /// A fixed payout; absent: staff enter the amount when they invoke the guarantee.
    #[serde(default)]
    pub payout: Option<MoneyDto>,
    /// Only this unit offers it (its managers may edit it); absent: every unit (admins).
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A validated guarantee.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGuarantee {
    pub name: LocalizedName,
    pub terms: GuaranteeTerms,
    pub payout_kind: PayoutKind,
    pub payout: Option<Money>,
    pub unit_id: Option<Uuid>,
    pub active: bool,
}

impl GuaranteeInput {
    pub fn parse(&self) -> Result<NewGuarantee, Vec<FieldError>> {
        let mut v = Validation::new();
        let name = match LocalizedName::parse("name", &self.name.ko, &self.name.en) {
            Ok(n) => Some(n),
            Err(e) => {
                v.extend(e);
                None
            }
        };
        let ko = v.check(required_text("terms.ko", &self.terms.ko));
        let en = v.check(required_text("terms.en", &self.terms.en));
        let payout = match &self.payout {
            None => None,
            Some(p) => match Money::parse_non_negative("payout", p.amount_minor, &p.currency) {
                Ok(m) if m.amount_minor == 0 => {
                    v.push(FieldError::new(
                        "payout.amount_minor",
                        "out_of_range",
                        "a fixed payout must be more than zero; leave `payout` out to enter the amount when invoked",
                    ));
                    None
                }
                Ok(m) => Some(m),
                Err(e) => {
                    v.push(e);
                    None
                }
            },
        };
        v.finish(|| NewGuarantee {
            name: name.unwrap(),
            terms: GuaranteeTerms {
                ko: ko.unwrap(),
                en: en.unwrap(),
            },
            payout_kind: self.payout_kind,
            payout,
            unit_id: self.unit_id,
            active: self.active,
        })
    }
}

/// A stored service guarantee.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Guarantee {
    pub id: Uuid,
    pub version: i64,
    pub name: LocalizedName,
    pub terms: GuaranteeTerms,
    pub payout_kind: PayoutKind,
    /// Absent: the amount is entered when the guarantee is invoked.
    pub payout: Option<MoneyDto>,
    /// Absent: offered by every unit.
    pub unit_id: Option<Uuid>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn guideline(body: serde_json::Value) -> Result<NewGuideline, Vec<String>> {
        serde_json::from_value::<GuidelineInput>(body)
            .unwrap()
            .parse()
            .map_err(|e| e.into_iter().map(|e| e.field).collect())
    }

    #[test]
    fn a_guideline_defaults_to_every_tier() {
        let g = guideline(
            json!({"category": "process.long_wait", "severity": 2, "currency": "KRW",
                   "min_minor": 5000, "max_minor": 20000}),
        )
        .unwrap();
        assert_eq!(g.tier, None);
        assert_eq!(g.tier_str(), "*");
        let g = guideline(
            json!({"category": "process.long_wait", "severity": 2, "tier": "vip",
                   "currency": "USD", "min_minor": 0, "max_minor": 0}),
        )
        .unwrap();
        assert_eq!(g.tier_str(), "vip");
    }

    #[test]
    fn bad_guideline_fields_are_named() {
        let fields = guideline(
            json!({"category": "waiting", "severity": 5, "tier": "platinum",
                   "currency": "XYZ", "min_minor": -1, "max_minor": 10}),
        )
        .unwrap_err();
        assert_eq!(
            fields,
            ["category", "severity", "tier", "currency", "min_minor"]
        );
        let fields = guideline(
            json!({"category": "outcome.broken", "severity": 1, "currency": "KRW",
                   "min_minor": 10, "max_minor": 9}),
        )
        .unwrap_err();
        assert_eq!(fields, ["max_minor"]);
    }

    fn guarantee(body: serde_json::Value) -> Result<NewGuarantee, Vec<String>> {
        serde_json::from_value::<GuaranteeInput>(body)
            .unwrap()
            .parse()
            .map_err(|e| e.into_iter().map(|e| e.field).collect())
    }

    #[test]
    fn a_guarantee_without_payout_leaves_the_amount_to_the_invocation() {
        let g = guarantee(json!({"name": {"ko": "30분 보장", "en": "30-minute promise"},
            "terms": {"ko": "30분 안에 못 드리면 환불합니다.", "en": "Served in 30 minutes or your money back."},
            "payout_kind": "refund"}))
        .unwrap();
        assert_eq!(g.payout, None);
        assert!(g.active);
        assert_eq!(g.payout_kind.recovery_kind(), RecoveryKind::Refund);
    }

    #[test]
    fn bad_guarantee_fields_are_named() {
        let fields = guarantee(
            json!({"name": {"ko": "", "en": "x"}, "terms": {"ko": " ", "en": "y"},
                   "payout_kind": "voucher", "payout": {"amount_minor": 0, "currency": "KRW"}}),
        )
        .unwrap_err();
        assert_eq!(fields, ["name.ko", "terms.ko", "payout.amount_minor"]);
        let fields = guarantee(
            json!({"name": {"ko": "a", "en": "b"}, "terms": {"ko": "a", "en": "b"},
                   "payout_kind": "gift", "payout": {"amount_minor": 100, "currency": "ABC"}}),
        )
        .unwrap_err();
        assert_eq!(fields, ["payout.currency"]);
    }

    #[test]
    fn an_unknown_payout_kind_is_refused() {
        assert!(
            serde_json::from_value::<PayoutKind>(json!("apology")).is_err(),
            "an apology is no payout"
        );
        assert_eq!(PayoutKind::from_str_opt("redo"), Some(PayoutKind::Redo));
    }
}
