//! The staff web UI: server-rendered pages (askama), sessions in the database, CSRF tokens
//! on every form, the reader's language on every page. Every core flow works without
//! JavaScript; `assets/app.js` only keeps countdowns live.
//!
//! Pages follow one pattern: a handler takes `Staff<Role>` (GET) or `StaffForm<Role>`
//! (POST), checks the unit with `staff.actor`, reads through the store, and renders a
//! template whose first field is `ctx: PageCtx`. A POST that succeeds redirects (303) to
//! a page; one that fails renders the form again with the errors next to the fields and
//! what was typed kept.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rapport_domain::customer::Locale;
use rapport_domain::org::{Employee, Role};
use rapport_store::StoreError;

use crate::AppState;

mod assets;
pub mod cases;
pub mod charts;
pub mod complaint;
pub mod customers;
pub mod format;
pub mod i18n;
pub mod manage;
pub mod quality;
pub mod session;
mod texts;

pub use session::{Staff, StaffForm};

/// The pages and their assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/queue") }))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang", post(session::switch_lang))
        .route(
            "/account/password",
            get(session::password_form).post(session::change_password),
        )
        .route("/assets/{file}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .merge(cases::router())
        .merge(customers::router())
        .merge(manage::router())
        .merge(quality::router())
        .merge(complaint::router())
}

/// What every page's frame needs: language, who is signed in, the CSRF token for its
/// forms, the title and the current menu entry.
pub struct PageCtx {
    pub lang: Locale,
    pub employee: Option<Employee>,
    pub csrf: String,
    /// Path and query of this page (the language switch comes back to it).
    pub path: String,
    pub title: String,
    /// The menu entry to mark as current (`queue`, `agenda`, `servqual`, …).
    pub nav: &'static str,
    /// A one-line message at the top of the page (e.g. "saved").
    pub notice: Option<String>,
}

impl PageCtx {
    pub fn anonymous(lang: Locale, title: impl Into<String>, path: &str) -> Self {
        Self {
            lang,
            employee: None,
            csrf: String::new(),
            path: path.to_owned(),
            title: title.into(),
            nav: "",
            notice: None,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::text(key, self.lang)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.as_str()
    }

    pub fn is_ko(&self) -> bool {
        self.lang == Locale::Ko
    }

    fn role(&self) -> Option<Role> {
        self.employee.as_ref().map(|e| e.role)
    }

    pub fn is_manager(&self) -> bool {
        matches!(self.role(), Some(Role::Manager | Role::Admin))
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    pub fn is_agent(&self) -> bool {
        matches!(self.role(), Some(Role::Agent | Role::Manager | Role::Admin))
    }

    pub fn role_name(&self) -> &'static str {
        match self.role() {
            Some(Role::Admin) => self.t("role.admin"),
            Some(Role::Manager) => self.t("role.manager"),
            Some(Role::Agent) => self.t("role.agent"),
            _ => self.t("role.viewer"),
        }
    }

    pub fn current(&self, nav: &str) -> bool {
        self.nav == nav
    }

    pub fn with_notice(mut self, notice: impl Into<String>) -> Self {
        self.notice = Some(notice.into());
        self
    }
}

/// Renders a page with the headers every page carries.
pub fn render(template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut resp = html.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                     form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                ),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            resp
        }
        Err(e) => UiError::Internal(format!("template: {e}")).into_response(),
    }
}

/// Like [`render`], with another status (a form shown again with errors: 422).
pub fn render_status(template: &impl askama::Template, status: StatusCode) -> Response {
    let mut resp = render(template);
    if resp.status().is_success() {
        *resp.status_mut() = status;
    }
    resp
}

/// After a successful POST: show the page at `to` (303 See Other).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// What a page answers when it cannot show itself.
#[derive(Debug)]
pub enum UiError {
    /// No session: to the sign-in form, then back to `next`.
    SignIn {
        next: String,
    },
    Forbidden(Locale),
    NotFound(Option<Locale>),
    Csrf(Locale),
    BadRequest(String),
    Internal(String),
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => UiError::NotFound(None),
            StoreError::Invalid(errors) | StoreError::Forbidden(errors) => UiError::BadRequest(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => UiError::Internal(other.to_string()),
        }
    }
}

impl From<rapport_domain::org::Denied> for UiError {
    fn from(_: rapport_domain::org::Denied) -> Self {
        UiError::Forbidden(Locale::Ko)
    }
}

#[derive(askama::Template)]
#[template(path = "ui/error.html")]
struct ErrorPage {
    ctx: PageCtx,
    /// Both languages when the reader's is unknown.
    messages: Vec<&'static str>,
    detail: Option<String>,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, key, lang, detail) = match self {
            UiError::SignIn { next } => {
                let to = format!(
                    "/login?next={}",
                    form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return Redirect::to(&to).into_response();
            }
            UiError::Forbidden(l) => (StatusCode::FORBIDDEN, "error.forbidden", Some(l), None),
            UiError::NotFound(l) => (StatusCode::NOT_FOUND, "error.not_found", l, None),
            UiError::Csrf(l) => (StatusCode::FORBIDDEN, "error.csrf", Some(l), None),
            UiError::BadRequest(d) => (StatusCode::BAD_REQUEST, "form.errors", None, Some(d)),
            UiError::Internal(cause) => {
                tracing::error!(%cause, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.internal",
                    None,
                    None,
                )
            }
        };
        let messages = match lang {
            Some(l) => vec![i18n::text(key, l)],
            None => vec![i18n::text(key, Locale::Ko), i18n::text(key, Locale::En)],
        };
        let lang = lang.unwrap_or(Locale::Ko);
        let page = ErrorPage {
            ctx: PageCtx::anonymous(lang, i18n::text("error.title", lang), "/"),
            messages,
            detail,
        };
        render_status(&page, status)
    }
}
