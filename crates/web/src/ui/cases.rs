//! The agent's day and the case page: my queue by nearest SLA deadline, the agenda, a new
//! case, the case with its timeline, clocks, messages, templates and recovery actions, and
//! the approvals of a manager.
//!
//! Every page reads through the same store methods as the JSON API and builds its commands
//! with the API's helpers (`routes::cases`), so a form and a JSON call obey the same rules.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use axum::Router;
use axum::routing::{get, post};
use chrono_tz::Tz;
use rapport_domain::customer::Locale;
use rapport_domain::money::MoneyDto;
use rapport_domain::org::Unit;
use rapport_domain::text::LocalizedName;
use rapport_domain::{Currency, FieldError, Money, Timestamp};
use rapport_store::{Case, StoreError};
use uuid::Uuid;

use super::{UiError, format, i18n};
use crate::AppState;

#[path = "case_agenda.rs"]
mod agenda;
#[path = "case_approvals.rs"]
mod approvals;
#[path = "case_new.rs"]
mod new_case;
#[path = "case_page.rs"]
mod page;
#[path = "case_queue.rs"]
mod queue;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/queue", get(queue::queue))
        .route("/agenda", get(agenda::agenda))
        .route("/cases/new", get(new_case::form).post(new_case::create))
        .route("/cases/{id}", get(page::show))
        .route("/cases/{id}/{action}", post(page::act))
        .route("/approvals", get(approvals::list))
        .route("/approvals/{id}/{decision}", post(approvals::decide))
}

/// Most rows a list on these pages shows at once.
const PAGE_SIZE: i64 = 50;

/// The query string of a page, read leniently: an unknown or malformed value is ignored
/// rather than refused, since people edit URLs and follow old links.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name).trim()).filter(|v| !v.is_empty())
    }

    pub fn uuid(&self, name: &str) -> Option<Uuid> {
        self.opt(name).and_then(|v| v.parse().ok())
    }
}

/// `a=1&b=2`, each value URL-encoded; empty values are left out.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    s.finish()
}

pub(crate) fn tz_of(unit: &Unit) -> Tz {
    unit.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

pub(crate) fn name_in(name: &LocalizedName, lang: Locale) -> String {
    match lang {
        Locale::Ko => name.ko.clone(),
        Locale::En => name.en.clone(),
    }
}

/// The label of an enumerated value: the text `case.{group}.{value}`.
pub(crate) fn label(lang: Locale, group: &str, value: &str) -> &'static str {
    i18n::text(&format!("case.{group}.{value}"), lang)
}

/// Every value the pages label, by group: the catalog test checks each has its text.
#[cfg(test)]
pub(crate) fn labelled_values() -> Vec<(&'static str, Vec<&'static str>)> {
    use rapport_domain::case::*;
    use rapport_domain::contact::Channel;
    use rapport_domain::customer::{DateKind, Tier};
    vec![
        ("stage", Stage::ALL.iter().map(|s| s.as_str()).collect()),
        (
            "priority",
            Priority::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "source",
            CaseSource::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        ("kind", CaseKind::ALL.iter().map(|s| s.as_str()).collect()),
        ("target", Target::ALL.iter().map(|s| s.as_str()).collect()),
        (
            "action",
            CaseAction::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "recovery",
            RecoveryKind::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "status",
            ActionStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "message",
            MessageKind::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        (
            "period",
            AuthorityPeriod::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        ("tier", Tier::ALL.iter().map(|s| s.as_str()).collect()),
        ("channel", Channel::ALL.iter().map(|s| s.as_str()).collect()),
        ("severity", vec!["1", "2", "3", "4"]),
        (
            "date",
            [DateKind::Birthday, DateKind::Anniversary, DateKind::Other]
                .iter()
                .map(|k| match k {
                    DateKind::Birthday => "birthday",
                    DateKind::Anniversary => "anniversary",
                    DateKind::Other => "other",
                })
                .collect(),
        ),
        (
            "clock",
            vec!["running", "paused", "scheduled", "met", "missed"],
        ),
        (
            "part",
            rapport_domain::templates::TemplatePart::ALL
                .iter()
                .map(|p| p.as_str())
                .collect(),
        ),
    ]
}

/// One option of a select or radio group.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        Self {
            selected: value == current,
            value,
            label: label.into(),
        }
    }
}

/// The badge class of a priority (`p1` urgent … `p4` low).
pub(crate) fn priority_class(p: rapport_domain::case::Priority) -> &'static str {
    use rapport_domain::case::Priority;
    match p {
        Priority::Urgent => "p1",
        Priority::High => "p2",
        Priority::Normal => "p3",
        Priority::Low => "p4",
    }
}

pub(crate) fn money(minor: i64, currency: &str) -> String {
    match Currency::parse("currency", currency) {
        Ok(currency) => format::money(&Money {
            amount_minor: minor,
            currency,
        }),
        Err(_) => format!("{} {currency}", format::integer(minor)),
    }
}

pub(crate) fn money_dto(m: &MoneyDto) -> String {
    money(m.amount_minor, &m.currency)
}

/// An amount typed in the currency's main unit (`15000`, `15,000`, `12.50`) in minor units.
pub(crate) fn parse_amount(
    field: &str,
    text: &str,
    currency: Currency,
) -> Result<Money, FieldError> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '_' | '₩' | '$' | '€' | '¥' | '£'))
        .collect();
    let bad = || FieldError::new(field, "invalid_number", "expected an amount such as 15000");
    let exp = u32::from(currency.exponent());
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > exp as usize
        || whole.len() > 16
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac_minor: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<width$}", width = exp as usize)
            .parse()
            .map_err(|_| bad())?
    };
    let minor = whole
        .checked_mul(10_i64.pow(exp))
        .and_then(|w| w.checked_add(frac_minor))
        .ok_or_else(bad)?;
    Money::parse_non_negative(field, minor, currency.code())
        .map_err(|e| FieldError::new(field, &e.code, e.message))
}

/// A field error in the reader's language.
pub(crate) fn error_text(e: &FieldError, lang: Locale) -> String {
    let key = match e.code.as_str() {
        "required" => "form.required",
        "too_long" => "case.error.too_long",
        "invalid_characters" => "case.error.characters",
        "invalid_number" => "case.error.number",
        "out_of_range" => "case.error.range",
        "unknown" => "case.error.unknown",
        "inactive" => "case.error.inactive",
        "other_unit" => "case.error.other_unit",
        "in_future" => "case.error.future",
        "after_detected" => "case.error.after_detected",
        "wrong_currency" => "case.error.currency",
        "not_allowed" => "case.error.no_amount",
        "invalid_code" | "invalid_value" => "case.error.choose",
        "invalid_time" => "case.error.time",
        _ => "case.error.invalid",
    };
    i18n::text(key, lang).to_owned()
}

/// A live countdown to a deadline (see `assets/app.js`).
#[derive(Debug, Clone)]
pub(crate) struct Countdown {
    /// The deadline, RFC 3339.
    pub due: String,
    pub warn: Option<String>,
    pub text: String,
    /// `""`, `at-risk` or `breached`.
    pub class: &'static str,
    /// The deadline in the unit's time zone.
    pub title: String,
}

impl Countdown {
    pub fn new(
        due: Timestamp,
        warn: Option<Timestamp>,
        now: Timestamp,
        tz: Tz,
        lang: Locale,
    ) -> Self {
        let class = if now > due {
            "breached"
        } else if warn.is_some_and(|w| now >= w) {
            "at-risk"
        } else {
            ""
        };
        Self {
            due: due.to_rfc3339(),
            warn: warn.map(Timestamp::to_rfc3339),
            text: format::countdown(now, due, lang),
            class,
            title: format::datetime(due, tz, lang),
        }
    }

    /// The case's nearest deadline of a running clock, with that clock's warning.
    pub fn of_case(case: &Case, now: Timestamp, tz: Tz, lang: Locale) -> Option<Self> {
        let due = case.next_deadline?;
        let warn = case
            .clocks
            .iter()
            .find(|c| c.state == "running" && c.due_at == Some(due))
            .and_then(|c| c.warn_at);
        Some(Self::new(due, warn, now, tz, lang))
    }
}

/// Loads records by id at once (the store answers each on its own connection); ids that no
/// longer exist are left out.
pub(crate) async fn fetch_many<T, F, Fut>(
    ids: impl IntoIterator<Item = Uuid>,
    load: F,
) -> Result<HashMap<Uuid, T>, UiError>
where
    T: Send + 'static,
    F: Fn(Uuid) -> Fut,
    Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let mut seen = HashSet::new();
    let mut set = tokio::task::JoinSet::new();
    for id in ids {
        if seen.insert(id) {
            let fut = load(id);
            set.spawn(async move { (id, fut.await) });
        }
    }
    let mut out = HashMap::with_capacity(seen.len());
    while let Some(done) = set.join_next().await {
        let (id, result) = done.map_err(|e| UiError::Internal(e.to_string()))?;
        match result {
            Ok(v) => {
                out.insert(id, v);
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// Employees' names by id, in one query.
pub(crate) async fn employee_names(
    state: &AppState,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, UiError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(state.store.employee_names(&ids).await?)
}

/// Customers' names and tiers by id, in one query.
pub(crate) async fn customer_names(
    state: &AppState,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, (String, rapport_domain::customer::Tier)>, UiError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(state.store.customer_names(&ids).await?)
}

pub(crate) async fn units(
    state: &AppState,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Unit>, UiError> {
    fetch_many(ids, |id| {
        let s = state.store.clone();
        async move { s.get_unit(id).await }
    })
    .await
}

/// The failure categories by code, with their names in `lang`.
pub(crate) async fn category_names(
    state: &AppState,
    lang: Locale,
) -> Result<HashMap<String, String>, UiError> {
    Ok(state
        .store
        .list_categories()
        .await?
        .into_iter()
        .map(|c| (c.code, name_in(&c.name, lang)))
        .collect())
}

/// Units an admin may pick from (a short list by nature; at most 200).
pub(crate) async fn unit_choices(
    state: &AppState,
    lang: Locale,
) -> Result<Vec<(Uuid, String)>, UiError> {
    Ok(state
        .store
        .list_units(None, &rapport_store::PageRequest::first(200))
        .await?
        .items
        .into_iter()
        .map(|u| (u.id, name_in(&u.name, lang)))
        .collect())
}

/// The notices a page shows after a redirect, by key (never text from the URL).
pub(crate) fn notice(params: &Params, lang: Locale) -> Option<String> {
    let key = match params.get("notice") {
        "created" => "case.notice.created",
        "acknowledge" => "case.notice.acknowledge",
        "respond" => "case.notice.respond",
        "wait_for_customer" => "case.notice.wait_for_customer",
        "customer_replied" => "case.notice.customer_replied",
        "resolve" => "case.notice.resolve",
        "complete_follow_up" => "case.notice.complete_follow_up",
        "close" => "case.notice.close",
        "reopen" => "case.notice.reopen",
        "note" => "case.notice.note",
        "customer" => "case.notice.customer",
        "action_effective" => "case.notice.action_effective",
        "action_pending" => "case.notice.action_pending",
        "approved" => "approval.notice.approved",
        "rejected" => "approval.notice.rejected",
        _ => return None,
    };
    Some(i18n::text(key, lang).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_labelled_value_has_its_text() {
        let mut missing = Vec::new();
        for (group, values) in labelled_values() {
            for v in values {
                let key = format!("case.{group}.{v}");
                if !i18n::has_key(&key) {
                    missing.push(key);
                }
            }
        }
        assert!(missing.is_empty(), "missing labels: {missing:#?}");
    }

    #[test]
    fn error_and_notice_keys_exist() {
        for code in [
            "required",
            "too_long",
            "invalid_characters",
            "invalid_number",
            "out_of_range",
            "unknown",
            "inactive",
            "other_unit",
            "in_future",
            "after_detected",
            "wrong_currency",
            "not_allowed",
            "invalid_code",
            "invalid_time",
            "something_else",
        ] {
            let e = FieldError::new("f", code, "m");
            assert_ne!(error_text(&e, Locale::En), "??", "{code}");
        }
        for n in [
            "created",
            "acknowledge",
            "respond",
            "wait_for_customer",
            "customer_replied",
            "resolve",
            "complete_follow_up",
            "close",
            "reopen",
            "note",
            "customer",
            "action_effective",
            "action_pending",
            "approved",
            "rejected",
        ] {
            let p = Params::parse(Some(&format!("notice={n}")));
            assert_ne!(notice(&p, Locale::Ko).as_deref(), Some("??"), "{n}");
            assert!(notice(&p, Locale::Ko).is_some());
        }
        assert!(notice(&Params::parse(Some("notice=<script>")), Locale::Ko).is_none());
    }

    #[test]
    fn amounts_are_typed_in_the_main_unit() {
        let krw = Currency::parse("c", "KRW").unwrap();
        let usd = Currency::parse("c", "USD").unwrap();
        assert_eq!(
            parse_amount("a", "15,000", krw).unwrap().amount_minor,
            15_000
        );
        assert_eq!(
            parse_amount("a", "₩ 15000", krw).unwrap().amount_minor,
            15_000
        );
        assert_eq!(parse_amount("a", "12.5", usd).unwrap().amount_minor, 1_250);
        assert_eq!(parse_amount("a", "0.07", usd).unwrap().amount_minor, 7);
        for bad in ["", "abc", "1.5", "-3", "1e5", "99999999999999999"] {
            assert!(parse_amount("a", bad, krw).is_err(), "{bad}");
        }
        assert!(parse_amount("a", "1.234", usd).is_err());
    }

    #[test]
    fn a_countdown_turns_amber_at_the_warning_and_red_at_the_deadline() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let due = Timestamp::parse("t", "2026-11-23T10:00:00Z").unwrap();
        let warn = Some(due.plus_seconds(-900));
        let at = |s: i64| due.plus_seconds(s);
        assert_eq!(
            Countdown::new(due, warn, at(-3600), tz, Locale::En).class,
            ""
        );
        assert_eq!(
            Countdown::new(due, warn, at(-600), tz, Locale::En).class,
            "at-risk"
        );
        let late = Countdown::new(due, warn, at(600), tz, Locale::En);
        assert_eq!(late.class, "breached");
        assert_eq!(late.text, "10 min overdue");
        assert_eq!(late.title, "23 Nov 2026, 19:00");
    }

    #[test]
    fn query_strings_drop_empty_values_and_encode_the_rest() {
        assert_eq!(
            query_string(&[("stage", "immediate"), ("mine", ""), ("q", "a b&c")]),
            "stage=immediate&q=a+b%26c"
        );
        let p = Params::parse(Some("stage=immediate&unit=nope&stage=follow_up"));
        assert_eq!(p.get("stage"), "follow_up");
        assert_eq!(p.uuid("unit"), None);
        assert_eq!(p.opt("missing"), None);
    }
}
