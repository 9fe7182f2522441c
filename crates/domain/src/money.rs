//! Money as an integer amount in the currency's minor unit, with an ISO 4217 currency.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// An ISO 4217 currency code known to the standard (e.g. `KRW`, `USD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(field: &str, code: &str) -> Result<Self, FieldError> {
        iso_currency::Currency::from_code(code)
            .map(Self)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "unknown_currency",
                    format!("`{code}` is not an ISO 4217 currency code (e.g. KRW, USD)"),
                )
            })
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of decimal places of the minor unit (KRW 0, USD 2).
    pub fn exponent(self) -> u16 {
        self.0.exponent().unwrap_or(0)
    }
}

/// An amount in minor units (e.g. won, cents) with its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

/// Largest amount accepted anywhere: far above any service transaction, far below overflow
/// when many are summed.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

impl Money {
    /// Parses a non-negative amount; `field` is the path of the money object.
    pub fn parse_non_negative(
        field: &str,
        amount_minor: i64,
        currency: &str,
    ) -> Result<Self, FieldError> {
        let currency = Currency::parse("", currency).map_err(|e| FieldError {
            field: format!("{field}.currency"),
            ..e
        })?;
        if !(0..=MAX_AMOUNT_MINOR).contains(&amount_minor) {
            return Err(FieldError::new(
                format!("{field}.amount_minor"),
                "out_of_range",
                format!("amount must be between 0 and {MAX_AMOUNT_MINOR} minor units"),
            ));
        }
        Ok(Self {
            amount_minor,
            currency,
        })
    }
}

/// The JSON shape of money in the API and in stored documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyDto {
    /// Amount in the currency's minor unit (KRW has none, so won; USD cents).
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub amount_minor: i64,
    /// ISO 4217 code.
    #[schema(example = "KRW", min_length = 3, max_length = 3)]
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> Self {
        Self {
            amount_minor: m.amount_minor,
            currency: m.currency.code().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn won_has_no_minor_unit_and_dollars_have_cents() {
        assert_eq!(Currency::parse("c", "KRW").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("c", "USD").unwrap().exponent(), 2);
    }

    #[test]
    fn an_unknown_currency_names_the_currency_field() {
        let e = Money::parse_non_negative("revenue", 100, "XYZ").unwrap_err();
        assert_eq!(e.field, "revenue.currency");
    }

    #[test]
    fn a_negative_amount_names_the_amount_field() {
        let e = Money::parse_non_negative("revenue", -1, "KRW").unwrap_err();
        assert_eq!(e.field, "revenue.amount_minor");
    }
}
