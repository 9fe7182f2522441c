//! Manager pages: the unit dashboard, the SLA policy and business-hours editors and the
//! staff list with authority limits. A manager works on their own unit; an admin picks any
//! unit with `?unit=` (and, where it makes sense, the whole organisation). Another unit's
//! records answer 404 so that ids do not leak.
//!
//! The form helpers here (errors by input, numbers, money, unit picking) are shared with the
//! customer pages.

use std::collections::HashMap;

use axum::Router;
use axum::routing::get;
use rapport_domain::customer::Locale;
use rapport_domain::money::MoneyDto;
use rapport_domain::org::Unit;
use rapport_domain::{Currency, FieldError, Money};
use rapport_store::PageRequest;
use uuid::Uuid;

use super::session::Staff;
use super::{UiError, format, i18n};
use crate::AppState;
use crate::auth::MinRole;

mod calendar;
mod dashboard;
mod sla;
mod staff;

pub use dashboard::{priority_key, stage_key, target_key};
pub use sla::{channel_key, tier_key};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard::page))
        .route("/settings/sla", get(sla::list).post(sla::create))
        .route("/settings/sla/new", get(sla::new_form))
        .route("/settings/sla/{id}", get(sla::edit_form).post(sla::update))
        .route(
            "/settings/sla/{id}/delete",
            get(sla::confirm_delete).post(sla::delete),
        )
        .route(
            "/settings/calendar",
            get(calendar::page).post(calendar::save),
        )
        .route("/settings/staff", get(staff::list))
        .route(
            "/settings/staff/{id}",
            get(staff::edit_form).post(staff::update),
        )
}

// ---- form errors --------------------------------------------------------------------------

/// The errors of a form: by input name (as catalog keys, shown next to the input), and those
/// that belong to no input (already in the reader's language, shown in a summary).
#[derive(Debug, Default)]
pub struct FormErrors {
    fields: Vec<(String, &'static str)>,
    pub summary: Vec<String>,
}

impl FormErrors {
    /// Notes an error for `input`; the first one of an input is the one shown.
    pub fn add(&mut self, input: impl Into<String>, key: &'static str) {
        let input = input.into();
        if self.on(&input).is_none() {
            self.fields.push((input, key));
        }
    }

    /// The catalog key of the error next to `input`.
    pub fn on(&self, input: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|(f, _)| f == input)
            .map(|(_, k)| *k)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.summary.is_empty()
    }

    /// Places domain errors on inputs: `input_of` names the input of a domain field (and,
    /// optionally, a more precise message than the code's); what it cannot place goes into
    /// the summary.
    pub fn domain(
        &mut self,
        errors: &[FieldError],
        lang: Locale,
        input_of: impl Fn(&FieldError) -> Option<(String, Option<&'static str>)>,
    ) {
        for e in errors {
            match input_of(e) {
                Some((input, key)) => self.add(input, key.unwrap_or_else(|| code_key(&e.code))),
                None => self.summary.push(format!(
                    "{}: {}",
                    e.field,
                    i18n::text(code_key(&e.code), lang)
                )),
            }
        }
    }
}

/// A field whose stored value differs from what was typed, after a stale save.
pub struct ConflictRow {
    /// Catalog key of the field's name.
    pub label: &'static str,
    pub current: String,
    pub yours: String,
}

/// The message for a domain error code.
pub fn code_key(code: &str) -> &'static str {
    match code {
        "required" => "form.required",
        "too_long" => "customer.err.too_long",
        "invalid_characters" => "customer.err.invalid_characters",
        "invalid_email" => "customer.err.invalid_email",
        "invalid_phone" => "customer.err.invalid_phone",
        "too_many" => "customer.err.too_many",
        "out_of_range" => "customer.err.out_of_range",
        "invalid_time" => "cal.err.invalid_time",
        "invalid_interval" => "cal.err.invalid_interval",
        "overlapping_intervals" => "cal.err.overlapping",
        "invalid_date" => "cal.err.invalid_date",
        "duplicate" => "cal.err.duplicate",
        "unknown_time_zone" => "cal.err.time_zone",
        "unknown_currency" => "staff.err.currency",
        "other_unit" | "forbidden" => "staff.err.forbidden",
        _ => "customer.err.invalid",
    }
}

// ---- typed values -------------------------------------------------------------------------

/// An optional unit picked in a form: blank means none, anything else must be an id.
pub fn optional_unit(text: &str, errors: &mut FormErrors) -> Option<Uuid> {
    if text.is_empty() {
        return None;
    }
    Uuid::parse_str(text)
        .map_err(|_| errors.add("unit_id", "customer.err.invalid"))
        .ok()
}

/// Typed text that is not a number (or not an amount).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// An integer as typed (thousands separators and spaces allowed); `Err` when it is not one.
pub fn parse_int(text: &str) -> Result<Option<i64>, NotANumber> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>().map(Some).map_err(|_| NotANumber)
}

/// A decimal number as typed (a dot for the decimals); `Err` when it is not one.
pub fn parse_decimal(text: &str) -> Result<Option<f64>, NotANumber> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Some)
        .ok_or(NotANumber)
}

/// An amount typed in the currency's major unit (`12,000`, `12.50`) as minor units.
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, NotANumber> {
    let t: String = text
        .trim()
        .trim_start_matches(['₩', '$', '€', '¥', '£'])
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .collect();
    let exp = u32::from(currency.exponent());
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > exp as usize
        || whole.len() > 16
    {
        return Err(NotANumber);
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| NotANumber)?
    };
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = exp as usize)
            .parse()
            .map_err(|_| NotANumber)?
    };
    whole
        .checked_mul(10_i64.pow(exp))
        .and_then(|w| w.checked_add(frac_value))
        .ok_or(NotANumber)
}

/// The amount as typed back into a form (major units, no symbol, no separators).
pub fn amount_input(amount_minor: i64, currency: Currency) -> String {
    let exp = u32::from(currency.exponent());
    if exp == 0 {
        return amount_minor.to_string();
    }
    let unit = 10_i64.pow(exp);
    format!(
        "{}.{:0width$}",
        amount_minor / unit,
        amount_minor % unit,
        width = exp as usize
    )
}

/// Money as shown; an unknown currency shows its code.
pub fn money(m: &MoneyDto) -> String {
    match Currency::parse("currency", &m.currency) {
        Ok(currency) => format::money(&Money {
            amount_minor: m.amount_minor,
            currency,
        }),
        Err(_) => format!("{} {}", format::integer(m.amount_minor), m.currency),
    }
}

/// Several totals (one per currency) as one line; "—" when there is none.
pub fn money_list(list: &[MoneyDto]) -> String {
    if list.is_empty() {
        return "—".into();
    }
    list.iter().map(money).collect::<Vec<_>>().join(" · ")
}

pub fn parse_id(text: &str, lang: Locale) -> Result<Uuid, UiError> {
    Uuid::parse_str(text.trim()).map_err(|_| UiError::NotFound(Some(lang)))
}

pub fn time_zone(unit: &Unit) -> chrono_tz::Tz {
    unit.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

pub fn unit_name(unit: &Unit, lang: Locale) -> String {
    match lang {
        Locale::Ko => unit.name.ko.clone(),
        Locale::En => unit.name.en.clone(),
    }
}

// ---- units --------------------------------------------------------------------------------

/// A unit as a picker shows it.
pub struct UnitOption {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

/// The unit a manager page is about: a manager's own (asking for another answers 404); for
/// an admin the one asked for with `?unit=`, or `None` for the whole organisation.
pub async fn scope_unit<R: MinRole>(
    state: &AppState,
    staff: &Staff<R>,
    requested: Option<&str>,
) -> Result<Option<Unit>, UiError> {
    let requested = requested.map(str::trim).filter(|s| !s.is_empty());
    if staff.actor.is_admin() {
        return match requested {
            None => Ok(None),
            Some(text) => {
                let id = parse_id(text, staff.lang)?;
                Ok(Some(
                    state
                        .store
                        .get_unit(id)
                        .await
                        .map_err(|e| not_found_as(e, staff.lang))?,
                ))
            }
        };
    }
    let own = staff.actor.unit_id.ok_or(UiError::Forbidden(staff.lang))?;
    if let Some(text) = requested
        && Uuid::parse_str(text).ok() != Some(own)
    {
        return Err(UiError::NotFound(Some(staff.lang)));
    }
    Ok(Some(state.store.get_unit(own).await?))
}

/// A store's `NotFound` as the reader's 404 page.
pub fn not_found_as(e: rapport_store::StoreError, lang: Locale) -> UiError {
    match e {
        rapport_store::StoreError::NotFound => UiError::NotFound(Some(lang)),
        other => other.into(),
    }
}

/// Every unit an admin may pick (the first 200), by name in the reader's language.
pub async fn unit_options(
    state: &AppState,
    lang: Locale,
    selected: Option<Uuid>,
) -> Result<Vec<UnitOption>, UiError> {
    let units = state
        .store
        .list_units(None, &PageRequest::first(200))
        .await?;
    let mut options: Vec<UnitOption> = units
        .items
        .iter()
        .map(|u| UnitOption {
            id: u.id.to_string(),
            name: unit_name(u, lang),
            selected: Some(u.id) == selected,
        })
        .collect();
    options.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(options)
}

/// Units looked up once per page.
#[derive(Default)]
pub struct UnitCache(HashMap<Uuid, Option<Unit>>);

impl UnitCache {
    pub async fn get(&mut self, state: &AppState, id: Uuid) -> Result<Option<&Unit>, UiError> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(id) {
            let unit = match state.store.get_unit(id).await {
                Ok(u) => Some(u),
                Err(rapport_store::StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            slot.insert(unit);
        }
        Ok(self.0[&id].as_ref())
    }

    pub fn insert(&mut self, unit: Unit) {
        self.0.insert(unit.id, Some(unit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_typed_in_major_units() {
        let krw = Currency::parse("c", "KRW").unwrap();
        let usd = Currency::parse("c", "USD").unwrap();
        assert_eq!(parse_amount("50,000", krw), Ok(50_000));
        assert_eq!(parse_amount("₩ 1,000", krw), Ok(1_000));
        assert_eq!(parse_amount("12.5", usd), Ok(1_250));
        assert_eq!(parse_amount("12.50", usd), Ok(1_250));
        assert_eq!(parse_amount("0.05", usd), Ok(5));
        assert!(parse_amount("12.5", krw).is_err());
        assert!(parse_amount("-5", krw).is_err());
        assert!(parse_amount("abc", krw).is_err());
        assert!(parse_amount("", krw).is_err());
        assert_eq!(amount_input(1_250, usd), "12.50");
        assert_eq!(amount_input(50_000, krw), "50000");
    }

    #[test]
    fn numbers_may_carry_separators_and_blank_is_none() {
        assert_eq!(parse_int(" 1,440 "), Ok(Some(1440)));
        assert_eq!(parse_int(""), Ok(None));
        assert!(parse_int("12a").is_err());
        assert_eq!(parse_decimal("75.5"), Ok(Some(75.5)));
        assert!(parse_decimal("NaN").is_err());
    }

    /// Every catalog key the customer and manager pages name (in code, templates and macro
    /// arguments, which the template-wide check cannot see) exists.
    #[test]
    fn every_key_of_these_pages_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![
            root.join("src/ui/customers.rs"),
            root.join("src/ui/manage.rs"),
        ];
        for dir in [
            "src/ui/manage",
            "templates/ui/customers",
            "templates/ui/manage",
        ] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(e.unwrap().path());
            }
        }
        let prefixes = [
            "customer.",
            "dash.",
            "sla.",
            "cal.",
            "staff.",
            "form.",
            "role.",
            "nav.",
            "time.",
        ];
        let mut missing = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, _) in text.match_indices('"') {
                let rest = &text[i + 1..];
                let Some(end) = rest.find('"') else { continue };
                let word = &rest[..end];
                if prefixes.iter().any(|p| word.starts_with(p))
                    && word.len() > 5
                    && word.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    })
                    && !word.ends_with('.')
                    && !i18n::has_key(word)
                {
                    missing.push(format!("{}: {word}", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing UI texts: {missing:#?}");
    }

    #[test]
    fn unknown_codes_still_get_a_message() {
        assert_eq!(code_key("required"), "form.required");
        assert_eq!(code_key("something_new"), "customer.err.invalid");
    }
}
