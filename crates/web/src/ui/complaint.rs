//! The public complaint form a business links from its website or a QR code in the shop:
//! `GET/POST /complaint/{unit_id}`, no sign-in, in the customer's language (`?lang=ko|en`),
//! sharing the look of the public survey form (`templates/public/layout.html`).
//!
//! A complaint opens a recovery case with source `complaint`, opened by the system, for a
//! new customer record holding the name and contact given (never merged with an existing
//! customer: anyone can type anyone's e-mail address here).
//!
//! Field names of the POST body: `name`, `email`, `phone`, `touchpoint` (a touchpoint id of
//! the unit, optional), `what`, `when` (YYYY-MM-DD, optional), `website` (a honeypot that
//! must stay empty), `csrf` (the double-submit token, equal to the `rapport_complaint`
//! cookie), `submission` (a nonce: the same form sent twice opens one case) and `lang`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use rapport_domain::Timestamp;
use rapport_domain::case::{CaseKind, CaseSource, MessageKind, NewCase, Severity};
use rapport_domain::contact::{Channel, Touchpoint};
use rapport_domain::customer::{CustomerInput, Locale, Tier};
use rapport_domain::org::Unit;
use rapport_domain::text::LocalizedName;
use rapport_store::{Change, PageRequest, TouchpointFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::i18n;
use super::session::{anonymous_lang, cookie, same_origin, same_secret};
use crate::AppState;
use crate::routes::surveys::page_response;
use crate::survey_form::Chrome;

pub fn router() -> Router<AppState> {
    Router::new().route("/complaint/{unit_id}", get(show).post(submit))
}

/// The double-submit cookie (scoped to the form's path).
const COOKIE: &str = "rapport_complaint";
/// The largest body accepted: the text limits below fit many times over.
pub const BODY_LIMIT: usize = 32 * 1024;
pub const NAME_MAX: usize = 200;
pub const WHAT_MAX: usize = 4000;
/// A complaint about something older than this is refused (the date is likely mistyped).
const OLDEST_DAYS: u64 = 5 * 366;
/// Touchpoints offered in the picker.
const TOUCHPOINTS_SHOWN: i64 = 100;
/// How long a sent form's nonce is remembered.
const NONCE_TTL: Duration = Duration::from_secs(24 * 3600);
/// Severity of a complaint until staff assess it: 3, moderate.
const COMPLAINT_SEVERITY: i64 = 3;
/// The category a complaint is filed under until staff classify it, unless the taxonomy has
/// an active `….unclassified` category.
const FALLBACK_CATEGORY: &str = "outcome.not_completed";

fn t(key: &str, lang: Locale) -> &'static str {
    i18n::text(key, lang)
}

fn name_in(name: &LocalizedName, lang: Locale) -> &str {
    match lang {
        Locale::Ko => &name.ko,
        Locale::En => &name.en,
    }
}

fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::fill(&mut b[..]);
    URL_SAFE_NO_PAD.encode(b)
}

/// A token we could have made: URL-safe base64 of `bytes` random bytes.
fn well_formed(token: &str, bytes: usize) -> bool {
    token.len() == (bytes * 4).div_ceil(3)
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn csrf_cookie(headers: &HeaderMap, value: &str) -> HeaderValue {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let mut c =
        format!("{COOKIE}={value}; Path=/complaint; HttpOnly; SameSite=Strict; Max-Age=7200");
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("the token is URL-safe")
}

// ---------------------------------------------------------------------------------------
// Sent forms, remembered by nonce

type Slot = Arc<tokio::sync::Mutex<Option<String>>>;

/// The case number each nonce opened. A second POST of the same form waits for the first
/// and gets its case number instead of opening another case. Kept in this process: on
/// several nodes behind a balancer, a double POST reaching two nodes at once could still
/// open two cases (a store-side idempotency key would close that gap).
fn slot(nonce: &str) -> Slot {
    static SLOTS: OnceLock<Mutex<HashMap<String, (Instant, Slot)>>> = OnceLock::new();
    let mut slots = SLOTS
        .get_or_init(Default::default)
        .lock()
        .expect("nonce lock");
    if slots.len() > 10_000 {
        slots.retain(|_, (at, _)| at.elapsed() < NONCE_TTL);
    }
    slots
        .entry(nonce.to_owned())
        .or_insert_with(|| (Instant::now(), Slot::default()))
        .1
        .clone()
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Debug, Default, Clone)]
struct Values {
    name: String,
    email: String,
    phone: String,
    touchpoint: String,
    what: String,
    when: String,
}

struct TpOption {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "public/complaint.html")]
struct FormPage<'a> {
    chrome: Chrome,
    lang: Locale,
    lead: String,
    v: &'a Values,
    /// Field → message key, in the order of the form.
    errors: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    touchpoints: Vec<TpOption>,
    csrf: &'a str,
    submission: &'a str,
    today: String,
}

impl FormPage<'_> {
    fn t(&self, key: &str) -> &'static str {
        t(key, self.lang)
    }

    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    }

    /// Where the summary's link for a field goes.
    fn anchor(&self, field: &str) -> &'static str {
        match field {
            "name" => "#complaint-name",
            "contact" | "email" => "#complaint-email",
            "phone" => "#complaint-phone",
            "touchpoint" => "#complaint-touchpoint",
            "what" => "#complaint-what",
            _ => "#complaint-when",
        }
    }

    /// `aria-describedby` of the contact inputs: the hint, and the errors that concern them.
    fn contact_described(&self, field: &str) -> String {
        let mut ids = vec!["complaint-contact-hint".to_owned()];
        if self.error("contact").is_some() {
            ids.push("complaint-contact-error".into());
        }
        if self.error(field).is_some() {
            ids.push(format!("complaint-{field}-error"));
        }
        ids.join(" ")
    }
}

#[derive(Template)]
#[template(path = "public/complaint_thanks.html")]
struct ThanksPage {
    chrome: Chrome,
    lang: Locale,
    body: String,
    number: Option<String>,
}

impl ThanksPage {
    fn t(&self, key: &str) -> &'static str {
        t(key, self.lang)
    }
}

/// A page with a heading and a few paragraphs (the survey form's message page).
#[derive(Template)]
#[template(path = "public/message.html")]
struct MessagePage {
    chrome: Chrome,
    heading: String,
    paragraphs: Vec<String>,
}

fn html(template: &impl Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a public page failed to render");
        String::from("<!doctype html><title>Error</title><p>Sorry, something went wrong.</p>")
    })
}

fn message(status: StatusCode, lang: Locale, title: &str, body: &str) -> Response {
    let heading = t(title, lang).to_owned();
    page_response(
        status,
        html(&MessagePage {
            chrome: Chrome::new(lang, heading.clone(), None),
            heading,
            paragraphs: vec![t(body, lang).to_owned()],
        }),
    )
}

fn not_found(lang: Locale) -> Response {
    message(
        StatusCode::NOT_FOUND,
        lang,
        "complaint.not_found_title",
        "complaint.not_found_body",
    )
}

/// The unit and its touchpoints, or the "not found" page.
async fn open_unit(
    state: &AppState,
    unit_id: &str,
    lang: Locale,
) -> Result<(Unit, Vec<Touchpoint>), Response> {
    let Ok(id) = unit_id.parse::<Uuid>() else {
        return Err(not_found(lang));
    };
    let unit = match state.store.get_unit(id).await {
        Ok(u) => u,
        Err(rapport_store::StoreError::NotFound) => return Err(not_found(lang)),
        Err(e) => {
            tracing::error!(error = %e, "complaint form: unit");
            return Err(failed(lang));
        }
    };
    let touchpoints = match state
        .store
        .list_touchpoints(
            &TouchpointFilter {
                unit: Some(unit.id),
                channel: None,
            },
            &PageRequest::first(TOUCHPOINTS_SHOWN),
        )
        .await
    {
        Ok(p) => p.items,
        Err(e) => {
            tracing::error!(error = %e, "complaint form: touchpoints");
            return Err(failed(lang));
        }
    };
    Ok((unit, touchpoints))
}

fn failed(lang: Locale) -> Response {
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        lang,
        "complaint.failed_title",
        "complaint.failed_body",
    )
}

fn unit_tz(unit: &Unit) -> Tz {
    unit.time_zone.parse().unwrap_or(chrono_tz::Asia::Seoul)
}

#[expect(
    clippy::too_many_arguments,
    reason = "the form's parts, each shown on the page"
)]
fn form_response(
    status: StatusCode,
    lang: Locale,
    unit: &Unit,
    touchpoints: &[Touchpoint],
    v: &Values,
    errors: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    csrf: &str,
    submission: &str,
) -> Response {
    let business = name_in(&unit.name, lang);
    let title = t("complaint.title", lang).to_owned();
    let page = FormPage {
        chrome: Chrome::new(
            lang,
            format!("{title} · {business}"),
            Some(business.to_owned()),
        ),
        lang,
        lead: t("complaint.lead", lang).replace("{business}", business),
        v,
        errors,
        notice,
        touchpoints: touchpoints
            .iter()
            .map(|tp| TpOption {
                value: tp.id.to_string(),
                label: name_in(&tp.name, lang).to_owned(),
                selected: v.touchpoint == tp.id.to_string(),
            })
            .collect(),
        csrf,
        submission,
        today: chrono::Utc::now()
            .with_timezone(&unit_tz(unit))
            .date_naive()
            .to_string(),
    };
    page_response(status, html(&page))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Path(unit_id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = anonymous_lang(&headers, q.lang.as_deref());
    let (unit, touchpoints) = match open_unit(&state, &unit_id, lang).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    // Keep a valid token across reloads and language switches.
    let csrf = cookie(&headers, COOKIE)
        .filter(|c| well_formed(c, 32))
        .map(str::to_owned)
        .unwrap_or_else(|| random_token(32));
    let mut resp = form_response(
        StatusCode::OK,
        lang,
        &unit,
        &touchpoints,
        &Values::default(),
        Vec::new(),
        None,
        &csrf,
        &random_token(16),
    );
    resp.headers_mut()
        .append(header::SET_COOKIE, csrf_cookie(&headers, &csrf));
    resp
}

/// What the form's fields say, checked: the customer to create and the case's parts.
struct Checked {
    customer: rapport_domain::customer::NewCustomer,
    touchpoint: Option<Touchpoint>,
    what: String,
    occurred: Option<Timestamp>,
}

fn check(
    v: &Values,
    lang: Locale,
    unit: &Unit,
    touchpoints: &[Touchpoint],
) -> Result<Checked, Vec<(&'static str, &'static str)>> {
    let mut errors: Vec<(&'static str, &'static str)> = Vec::new();
    let blank = |s: &str| s.trim().is_empty();
    let input = CustomerInput {
        version: None,
        name: v.name.clone(),
        email: Some(v.email.clone()).filter(|e| !blank(e)),
        phone: Some(v.phone.clone()).filter(|p| !blank(p)),
        locale: lang,
        tier: Tier::Standard,
        preferences: Vec::new(),
        notes: format!(
            "{}\n{}",
            t("complaint.customer_note", Locale::Ko),
            t("complaint.customer_note", Locale::En)
        ),
        important_dates: Vec::new(),
        marketing_consent: false,
    };
    let customer = match input.parse() {
        Ok(c) => Some(c),
        Err(field_errors) => {
            for e in field_errors {
                let entry = match (e.field.as_str(), e.code.as_str()) {
                    ("name", "required") => ("name", "complaint.err.name_required"),
                    ("name", "too_long") => ("name", "complaint.err.name_long"),
                    ("name", _) => ("name", "complaint.err.characters"),
                    ("email", _) => ("email", "complaint.err.email"),
                    ("phone", _) => ("phone", "complaint.err.phone"),
                    _ => continue,
                };
                errors.push(entry);
            }
            None
        }
    };
    if blank(&v.email) && blank(&v.phone) {
        errors.push(("contact", "complaint.err.contact_required"));
    }
    let touchpoint = if blank(&v.touchpoint) {
        None
    } else {
        let found = touchpoints
            .iter()
            .find(|tp| tp.id.to_string() == v.touchpoint.trim());
        if found.is_none() {
            errors.push(("touchpoint", "complaint.err.touchpoint"));
        }
        found.cloned()
    };
    let what = match rapport_domain::text::free_text("what", &v.what, WHAT_MAX) {
        Ok(w) if w.trim().is_empty() => {
            errors.push(("what", "complaint.err.what_required"));
            None
        }
        Ok(w) => Some(w.trim().to_owned()),
        Err(e) if e.code == "too_long" => {
            errors.push(("what", "complaint.err.what_long"));
            None
        }
        Err(_) => {
            errors.push(("what", "complaint.err.characters"));
            None
        }
    };
    let tz = unit_tz(unit);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let occurred = if blank(&v.when) {
        None
    } else {
        match NaiveDate::parse_from_str(v.when.trim(), "%Y-%m-%d") {
            Err(_) => {
                errors.push(("when", "complaint.err.when_invalid"));
                None
            }
            Ok(d) if d > today => {
                errors.push(("when", "complaint.err.when_future"));
                None
            }
            Ok(d) if d < today - chrono::Days::new(OLDEST_DAYS) => {
                errors.push(("when", "complaint.err.when_old"));
                None
            }
            // The start of that day in the unit's zone: never after now, when it was told.
            Ok(d) => tz
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
                .earliest()
                .map(|at| Timestamp::from_datetime(at.with_timezone(&chrono::Utc))),
        }
    };
    // One message per field, in the order of the form.
    let order = [
        "name",
        "contact",
        "email",
        "phone",
        "touchpoint",
        "what",
        "when",
    ];
    errors.sort_by_key(|(f, _)| order.iter().position(|o| o == f));
    errors.dedup_by_key(|(f, _)| *f);
    match (customer, what) {
        (Some(customer), Some(what)) if errors.is_empty() => Ok(Checked {
            customer,
            touchpoint,
            what,
            occurred,
        }),
        _ => Err(errors),
    }
}

/// The category a complaint starts under: the taxonomy's `….unclassified` if the business
/// keeps one, else a fixed default (staff reclassify the case).
async fn complaint_category(state: &AppState) -> String {
    match state.store.list_categories().await {
        Ok(all) => all
            .iter()
            .filter(|c| c.active)
            .find(|c| c.code.ends_with(".unclassified"))
            .or_else(|| all.iter().find(|c| c.active && c.code == FALLBACK_CATEGORY))
            .or_else(|| all.iter().find(|c| c.active))
            .map(|c| c.code.clone())
            .unwrap_or_else(|| FALLBACK_CATEGORY.to_owned()),
        Err(_) => FALLBACK_CATEGORY.to_owned(),
    }
}

/// Creates the customer and the case; the case number, or why not.
async fn open_case(state: &AppState, unit: &Unit, c: Checked) -> Result<String, String> {
    let change = Change::system();
    let customer = state
        .store
        .create_customer(&change, &c.customer)
        .await
        .map_err(|e| format!("customer: {e}"))?;
    let severity = Severity::parse("severity", COMPLAINT_SEVERITY).map_err(|e| e.message)?;
    let now = change.at;
    let case = NewCase {
        kind: CaseKind::Failure,
        source: CaseSource::Complaint,
        channel: c
            .touchpoint
            .as_ref()
            .map(|tp| tp.channel)
            .unwrap_or(Channel::Web),
        unit_id: Some(unit.id),
        touchpoint_id: c.touchpoint.as_ref().map(|tp| tp.id),
        customer_id: Some(customer.id),
        encounter_id: None,
        category: complaint_category(state).await,
        severity,
        assignee_id: None,
        description: c.what,
        occurred_at: c.occurred.unwrap_or(now).min(now),
        detected_at: now,
    };
    let created = match state.store.create_case(&change, None, &case).await {
        Ok(created) => created,
        Err(e) => {
            // No customer without the case that explains them.
            if let Err(e) = state.store.delete_customer(&change, customer.id).await {
                tracing::warn!(error = %e, "complaint form: could not remove the customer");
            }
            return Err(format!("case: {e}"));
        }
    };
    let note = format!(
        "{}\n{}",
        t("complaint.staff_note", Locale::Ko),
        t("complaint.staff_note", Locale::En)
    );
    if let Err(e) = state
        .store
        .add_message(&change, None, created.id, MessageKind::Note, &note)
        .await
    {
        tracing::warn!(error = %e, case = %created.id, "complaint form: could not add the note");
    }
    Ok(created.number)
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.replace("\r\n", "\n"))
        .unwrap_or_default()
}

fn thanks(lang: Locale, unit: &Unit, number: Option<String>) -> Response {
    let business = name_in(&unit.name, lang);
    let title = t("complaint.thanks_title", lang).to_owned();
    page_response(
        StatusCode::OK,
        html(&ThanksPage {
            chrome: Chrome::new(lang, title, Some(business.to_owned())),
            lang,
            body: t("complaint.thanks_body", lang).replace("{business}", business),
            number,
        }),
    )
}

async fn submit(
    State(state): State<AppState>,
    Path(unit_id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let too_large = |lang| {
        message(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang,
            "complaint.too_large_title",
            "complaint.too_large_body",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return too_large(anonymous_lang(&headers, q.lang.as_deref()));
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await else {
        return too_large(anonymous_lang(&headers, q.lang.as_deref()));
    };
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let lang_field = field(&fields, "lang");
    let lang = anonymous_lang(
        &headers,
        Some(lang_field.as_str())
            .filter(|l| Locale::from_str_opt(l).is_some())
            .or(q.lang.as_deref()),
    );
    let (unit, touchpoints) = match open_unit(&state, &unit_id, lang).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let v = Values {
        name: field(&fields, "name"),
        email: field(&fields, "email"),
        phone: field(&fields, "phone"),
        touchpoint: field(&fields, "touchpoint"),
        what: field(&fields, "what"),
        when: field(&fields, "when"),
    };

    // A form from another site, without the cookie, or not from our page: shown again
    // with what was typed and a fresh token, creating nothing.
    let sent_csrf = field(&fields, "csrf");
    let cookie_csrf = cookie(&headers, COOKIE).unwrap_or_default();
    let submission = field(&fields, "submission");
    let genuine = same_origin(&headers)
        && well_formed(cookie_csrf, 32)
        && same_secret(&sent_csrf, cookie_csrf)
        && well_formed(&submission, 16);
    if !genuine {
        let csrf = random_token(32);
        let mut resp = form_response(
            StatusCode::FORBIDDEN,
            lang,
            &unit,
            &touchpoints,
            &v,
            Vec::new(),
            Some("complaint.err.expired"),
            &csrf,
            &random_token(16),
        );
        resp.headers_mut()
            .append(header::SET_COOKIE, csrf_cookie(&headers, &csrf));
        return resp;
    }

    // A filled honeypot is a robot: thank it and keep nothing.
    if !field(&fields, "website").trim().is_empty() {
        return thanks(lang, &unit, None);
    }

    let checked = match check(&v, lang, &unit, &touchpoints) {
        Ok(c) => c,
        Err(errors) => {
            return form_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                &unit,
                &touchpoints,
                &v,
                errors,
                None,
                cookie_csrf,
                &submission,
            );
        }
    };

    let slot = slot(&format!("{}:{submission}", unit.id));
    let mut done = slot.lock().await;
    if let Some(number) = done.as_ref() {
        return thanks(lang, &unit, Some(number.clone()));
    }
    match open_case(&state, &unit, checked).await {
        Ok(number) => {
            *done = Some(number.clone());
            thanks(lang, &unit, Some(number))
        }
        Err(e) => {
            tracing::error!(error = %e, unit = %unit.id, "complaint form: could not open the case");
            failed(lang)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_recognised_by_shape() {
        let t = random_token(32);
        assert!(well_formed(&t, 32));
        assert!(!well_formed(&t, 16));
        assert!(well_formed(&random_token(16), 16));
        assert!(!well_formed("abc", 16));
        assert!(!well_formed("aaaaaaaaaaaaaaaaaaaaa;", 16));
        assert!(same_secret(&t, &t.clone()));
        assert!(!same_secret(&t, &random_token(32)));
    }

    #[test]
    fn one_nonce_shares_one_slot() {
        let a = slot("unit:nonce-a");
        let b = slot("unit:nonce-a");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &slot("unit:nonce-b")));
    }

    /// Every `t("…")` in the public complaint templates names a key of a catalog.
    #[test]
    fn every_key_the_public_templates_use_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/public");
        let mut missing = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if !p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("complaint"))
            {
                continue;
            }
            let s = std::fs::read_to_string(&p).unwrap();
            for (i, _) in s.match_indices("t(\"") {
                let rest = &s[i + 3..];
                let key = &rest[..rest.find('"').unwrap()];
                if !i18n::has_key(key) {
                    missing.push(format!("{}: {key}", p.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing texts: {missing:#?}");
    }

    #[test]
    fn every_error_key_exists() {
        for k in [
            "complaint.err.name_required",
            "complaint.err.name_long",
            "complaint.err.characters",
            "complaint.err.email",
            "complaint.err.phone",
            "complaint.err.contact_required",
            "complaint.err.touchpoint",
            "complaint.err.what_required",
            "complaint.err.what_long",
            "complaint.err.when_invalid",
            "complaint.err.when_future",
            "complaint.err.when_old",
            "complaint.err.expired",
        ] {
            assert!(i18n::has_key(k), "{k}");
        }
    }

    #[test]
    fn a_field_keeps_its_last_value_with_plain_line_breaks() {
        let fields = vec![
            ("what".to_owned(), "a".to_owned()),
            ("what".to_owned(), "b\r\nc".to_owned()),
        ];
        assert_eq!(field(&fields, "what"), "b\nc");
        assert_eq!(field(&fields, "none"), "");
    }
}
