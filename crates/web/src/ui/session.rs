//! Signing in and out, the session cookie, CSRF tokens and the role-typed page extractors.
//!
//! The cookie holds 256 random bits; the database keeps only their SHA-256 (like API
//! tokens). Every form carries the session's CSRF token, checked in constant time; the
//! sign-in form, which has no session yet, uses a double-submit cookie instead.

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rapport_domain::Timestamp;
use rapport_domain::customer::Locale;
use rapport_domain::org::{Actor, Role};
use rapport_store::{Change, Credentials, LoginThrottle, WebSession};
use serde::Deserialize;

use super::{PageCtx, UiError, i18n, render};
use crate::AppState;
use crate::auth::{MinRole, hash_password, hash_token, verify_password};

pub const SESSION_COOKIE: &str = "rapport_session";
const LOGIN_COOKIE: &str = "rapport_login";
const LANG_COOKIE: &str = "rapport_lang";
/// A session ends after this long without use.
const IDLE_SECONDS: i64 = 12 * 3600;
/// The expiry slides at most this often, so a busy user costs no write per page.
const TOUCH_SECONDS: i64 = 300;
pub const THROTTLE: LoginThrottle = LoginThrottle {
    max_failures: 5,
    window_micros: 15 * 60 * 1_000_000,
    lock_micros: 15 * 60 * 1_000_000,
};
const PASSWORD_MIN: usize = 10;
const PASSWORD_MAX: usize = 256;
/// Largest form body a page accepts.
const FORM_LIMIT: usize = 1024 * 1024;

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares secrets without leaking where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Cookies are `Secure` when the request reached us over HTTPS (directly or through a
/// proxy that says so); over plain HTTP on a developer's machine they could not be set.
fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie values are URL-safe")
}

/// A path on this site to return to; anything else (other hosts, `//evil`) becomes `/`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The language of a page seen without a session: `?lang=`, then the cookie, then the
/// browser's preference.
pub fn anonymous_lang(headers: &HeaderMap, query: Option<&str>) -> Locale {
    query
        .and_then(Locale::from_str_opt)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Locale::from_str_opt))
        .unwrap_or_else(|| {
            i18n::from_accept_language(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
}

/// The signed-in employee on a page, with at least role `R`. Without a session the page
/// answers with a redirect to the sign-in form, which comes back here afterwards.
pub struct Staff<R: MinRole> {
    pub session: WebSession,
    pub actor: Actor,
    pub lang: Locale,
    /// Path and query of the page, for the language switch and sign-in returns.
    pub path: String,
    id_hash: Vec<u8>,
    _role: PhantomData<R>,
}

impl<R: MinRole> Staff<R> {
    pub fn change(&self) -> Change {
        Change::by(self.actor.employee_id)
    }

    /// The frame of a page: its title and which menu entry is current.
    pub fn ctx(&self, title: impl Into<String>, nav: &'static str) -> PageCtx {
        PageCtx {
            lang: self.lang,
            employee: Some(self.session.employee.clone()),
            csrf: self.session.csrf_token.clone(),
            path: self.path.clone(),
            title: title.into(),
            nav,
            notice: None,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::text(key, self.lang)
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.actor.require(role).is_ok()
    }
}

impl<R: MinRole> FromRequestParts<AppState> for Staff<R> {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, UiError> {
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        let sign_in = || UiError::SignIn {
            next: if parts.method == Method::GET {
                path.clone()
            } else {
                "/".into()
            },
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(sign_in());
        };
        if secret.len() > 100 {
            return Err(sign_in());
        }
        let id_hash = hash_token(secret);
        let now = Timestamp::now();
        let Some(session) = state.store.get_session(&id_hash, now).await? else {
            return Err(sign_in());
        };
        if session.last_seen_at.seconds_until(now) > TOUCH_SECONDS as f64 {
            state
                .store
                .touch_session(&id_hash, now, now.plus_seconds(IDLE_SECONDS))
                .await?;
        }
        let actor = session.employee.actor();
        let lang = session.locale.unwrap_or_else(|| {
            i18n::from_accept_language(
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        });
        if actor.require(R::ROLE).is_err() {
            return Err(UiError::Forbidden(lang));
        }
        Ok(Self {
            session,
            actor,
            lang,
            path,
            id_hash,
            _role: PhantomData,
        })
    }
}

/// A form POSTed by a signed-in employee with at least role `R`, its CSRF token checked.
pub struct StaffForm<R: MinRole> {
    pub staff: Staff<R>,
    pub fields: Vec<(String, String)>,
}

impl<R: MinRole> StaffForm<R> {
    /// The last value of a field, trimmed of nothing; "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// The value when present and not blank.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.trim().is_empty())
    }

    /// Every value of a repeated field (checkboxes, multi-selects).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Refuses a form posted from another site (when the browser says where it came from).
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

async fn read_form(req: Request) -> Result<Vec<(String, String)>, UiError> {
    let body = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
        .await
        .map_err(|_| UiError::BadRequest("the form is too large".into()))?;
    Ok(form_urlencoded::parse(&body).into_owned().collect())
}

impl<R: MinRole> FromRequest<AppState> for StaffForm<R> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, UiError> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::<R>::from_request_parts(&mut parts, state).await?;
        if !same_origin(&parts.headers) {
            return Err(UiError::Csrf(staff.lang));
        }
        let fields = read_form(Request::from_parts(parts, body)).await?;
        let sent = fields
            .iter()
            .rev()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        if !same_secret(sent, &staff.session.csrf_token) {
            return Err(UiError::Csrf(staff.lang));
        }
        Ok(Self { staff, fields })
    }
}

// ---- sign-in ----

#[derive(askama::Template)]
#[template(path = "ui/login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    next: String,
    login_csrf: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

fn login_page(
    headers: &HeaderMap,
    lang: Locale,
    email: String,
    next: String,
    error: Option<String>,
    status: axum::http::StatusCode,
) -> Response {
    let login_csrf = random_secret();
    let ctx = PageCtx::anonymous(lang, i18n::text("login.title", lang), "/login");
    let mut resp = render(&LoginPage {
        ctx,
        email,
        next,
        login_csrf: login_csrf.clone(),
        error,
    });
    *resp.status_mut() = status;
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(headers, LOGIN_COOKIE, &login_csrf, Some(3600)),
    );
    resp
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, UiError> {
    let next = local_path(q.next.as_deref());
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && state
            .store
            .get_session(&hash_token(secret), Timestamp::now())
            .await?
            .is_some()
    {
        return Ok(Redirect::to(&next).into_response());
    }
    let lang = anonymous_lang(&headers, q.lang.as_deref());
    let mut resp = login_page(
        &headers,
        lang,
        String::new(),
        next,
        None,
        axum::http::StatusCode::OK,
    );
    if let Some(l) = q.lang.as_deref().and_then(Locale::from_str_opt) {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&headers, LANG_COOKIE, l.as_str(), Some(365 * 86400)),
        );
    }
    Ok(resp)
}

/// A hash to verify against when the e-mail is unknown, so that the answer takes as long
/// as for a known one and does not tell which addresses exist.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password anyone has"))
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, UiError> {
    let fields = read_form(req).await?;
    let get = |name: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let lang = anonymous_lang(&headers, Some(get("lang").as_str()));
    let email = get("email").trim().to_owned();
    let password = get("password");
    let next = local_path(Some(get("next").as_str()));
    let fail = |key: &str, status| {
        Ok(login_page(
            &headers,
            lang,
            email.clone(),
            next.clone(),
            Some(i18n::text(key, lang).to_owned()),
            status,
        ))
    };
    let sent = get("login_csrf");
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !same_origin(&headers) || expected.is_empty() || !same_secret(&sent, expected) {
        return fail("login.expired", axum::http::StatusCode::FORBIDDEN);
    }
    if email.is_empty() || password.is_empty() || email.len() > 320 || password.len() > 1024 {
        return fail(
            "login.required",
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let now = Timestamp::now();
    if let Some(until) = state.store.login_locked_until(&email, now).await? {
        return locked(&headers, lang, email, next, until);
    }
    let credentials = state.store.credentials(&email).await?;
    let hash = credentials
        .as_ref()
        .and_then(|c| c.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| UiError::Internal(e.to_string()))?;
    let Credentials {
        employee, locale, ..
    } = match credentials {
        Some(c) if ok && c.employee.active && c.password_hash.is_some() => c,
        _ => {
            if let Some(until) = state
                .store
                .record_login_failure(&email, now, THROTTLE)
                .await?
            {
                return locked(&headers, lang, email, next, until);
            }
            return fail("login.failed", axum::http::StatusCode::UNAUTHORIZED);
        }
    };
    state.store.clear_login_failures(&email).await?;
    let secret = random_secret();
    let change = Change::by(employee.id);
    state
        .store
        .create_session(
            &change,
            &hash_token(&secret),
            employee.id,
            &random_secret(),
            now.plus_seconds(IDLE_SECONDS),
        )
        .await?;
    // The language chosen on the sign-in page becomes the employee's until they change it.
    if locale.is_none() {
        state.store.set_ui_locale(employee.id, lang).await?;
    }
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, SESSION_COOKIE, &secret, None),
    );
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, LOGIN_COOKIE, "", Some(0)),
    );
    Ok(resp)
}

fn locked(
    headers: &HeaderMap,
    lang: Locale,
    email: String,
    next: String,
    until: Timestamp,
) -> Result<Response, UiError> {
    let when = until.to_datetime().format("%H:%M").to_string();
    Ok(login_page(
        headers,
        lang,
        email,
        next,
        Some(format!("{} {when}", i18n::text("login.locked", lang))),
        axum::http::StatusCode::TOO_MANY_REQUESTS,
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: StaffForm<crate::auth::ViewerRole>,
) -> Result<Response, UiError> {
    let staff = form.staff;
    state
        .store
        .delete_session(&staff.change(), &staff.id_hash)
        .await?;
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&headers, SESSION_COOKIE, "", Some(0)),
    );
    Ok(resp)
}

/// The language switch: remembered for the employee, then back to the page they were on.
pub async fn switch_lang(
    State(state): State<AppState>,
    form: StaffForm<crate::auth::ViewerRole>,
) -> Result<Response, UiError> {
    let lang = Locale::from_str_opt(form.get("lang"))
        .ok_or_else(|| UiError::BadRequest("lang must be ko or en".into()))?;
    state
        .store
        .set_ui_locale(form.staff.actor.employee_id, lang)
        .await?;
    Ok(Redirect::to(&local_path(Some(form.get("back")))).into_response())
}

// ---- password ----

#[derive(askama::Template)]
#[template(path = "ui/password.html")]
struct PasswordPage {
    ctx: PageCtx,
    errors: Vec<(&'static str, &'static str)>,
    done: bool,
}

impl PasswordPage {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| *m)
    }
}

pub async fn password_form(staff: Staff<crate::auth::ViewerRole>) -> Response {
    render(&PasswordPage {
        ctx: staff.ctx(staff.t("password.title"), "account"),
        errors: vec![],
        done: false,
    })
}

pub async fn change_password(
    State(state): State<AppState>,
    form: StaffForm<crate::auth::ViewerRole>,
) -> Result<Response, UiError> {
    let current = form.get("current").to_owned();
    let new = form.get("new").to_owned();
    let mut errors = Vec::new();
    let count = new.chars().count();
    if count < PASSWORD_MIN {
        errors.push(("new", "password.short"));
    } else if count > PASSWORD_MAX {
        errors.push(("new", "password.long"));
    } else if form.get("confirm") != new {
        errors.push(("confirm", "password.mismatch"));
    } else if new == current {
        errors.push(("new", "password.same"));
    }
    let staff = &form.staff;
    let stored = state
        .store
        .credentials(&staff.session.employee.email)
        .await?
        .and_then(|c| c.password_hash);
    let ok = match stored {
        Some(hash) => {
            let c = current.clone();
            tokio::task::spawn_blocking(move || verify_password(&c, &hash))
                .await
                .map_err(|e| UiError::Internal(e.to_string()))?
        }
        None => false,
    };
    if !ok {
        errors.insert(0, ("current", "password.wrong"));
    }
    let ctx = staff.ctx(staff.t("password.title"), "account");
    if !errors.is_empty() {
        let mut resp = render(&PasswordPage {
            ctx,
            errors,
            done: false,
        });
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(|e| UiError::Internal(e.to_string()))?;
    state
        .store
        .set_password(
            &staff.change(),
            staff.actor.employee_id,
            &hash,
            Some(&staff.id_hash),
        )
        .await?;
    Ok(render(&PasswordPage {
        ctx,
        errors: vec![],
        done: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/cases/1?x=2")), "/cases/1?x=2");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        let s = random_secret();
        assert!(same_secret(&s, &s.clone()));
        assert!(!same_secret(&s, &random_secret()));
        assert!(!same_secret(&s, ""));
    }

    #[test]
    fn a_form_from_another_site_is_refused() {
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("rapport.example:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://rapport.example:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
    }
}
