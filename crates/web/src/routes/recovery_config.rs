//! Recovery configuration: the failure taxonomy (categories and root causes), response
//! templates, SLA policies, compensation guidelines, service guarantees and the authority
//! period.
//!
//! Who may write: the taxonomy, templates, guidelines and the authority period are the
//! organisation's and only admins change them; an SLA policy or a guarantee of one unit may
//! be changed by that unit's managers, one for every unit only by admins. Everyone signed in
//! reads what applies to them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rapport_domain::compensation::{
    AuthoritySetting, Guarantee, GuaranteeInput, Guideline, GuidelineInput,
};
use rapport_domain::customer::Locale;
use rapport_domain::org::{Actor, Role};
use rapport_domain::sla::{SlaPolicy, SlaPolicyInput};
use rapport_domain::taxonomy::{CategoryInput, RootCauseInput};
use rapport_domain::templates::{TemplateInput, TemplatePart};
use rapport_store::{
    FailureCategory, GuaranteeFilter, GuidelineFilter, ResponseTemplate, RootCause, TemplateFilter,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ListPage, VersionQuery, no_version, page, required_version};
use crate::AppState;
use crate::auth::{Admin, Manager, Viewer};
use crate::error::{ApiError, Context, Problem};
use crate::extract::{ApiJson, ApiQuery, PathId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(get_category, update_category))
        .routes(routes!(list_root_causes, create_root_cause))
        .routes(routes!(get_root_cause, update_root_cause))
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, update_template, delete_template))
        .routes(routes!(list_policies, create_policy))
        .routes(routes!(get_policy, update_policy, delete_policy))
        .routes(routes!(list_guidelines, create_guideline))
        .routes(routes!(get_guideline, update_guideline, delete_guideline))
        .routes(routes!(list_guarantees, create_guarantee))
        .routes(routes!(get_guarantee, update_guarantee, delete_guarantee))
        .routes(routes!(get_authority, set_authority))
}

/// A whole short list as one page: these lists are small by nature.
fn all<T: utoipa::ToSchema>(items: Vec<T>) -> ListPage<T> {
    ListPage {
        items,
        next_cursor: None,
    }
}

/// Something of one unit (`Some`) is its managers' to change; something of every unit
/// (`None`) only admins'.
fn require_scope(actor: &Actor, unit: Option<Uuid>) -> Result<(), ApiError> {
    match unit {
        Some(u) => actor.require_in_unit(Role::Manager, u)?,
        None => actor.require(Role::Admin)?,
    }
    Ok(())
}

/// Everyone sees what applies to every unit; a unit's own only its people (and admins).
fn visible(actor: &Actor, unit: Option<Uuid>) -> bool {
    unit.is_none_or(|u| actor.can_see_unit(u))
}

// ---- failure categories -----------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyQuery {
    /// `true`: only what is offered for new cases; `false`: only the retired.
    pub active: Option<bool>,
}

/// Lists every failure category, retired ones included unless filtered (the taxonomy is
/// short, so there is one page), by position.
#[utoipa::path(get, path = "/api/v1/taxonomy/categories", tag = "taxonomy", params(TaxonomyQuery),
    responses((status = 200, body = ListPage<FailureCategory>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_categories(
    State(state): State<AppState>,
    _user: Viewer,
    ApiQuery(q): ApiQuery<TaxonomyQuery>,
) -> Result<Json<ListPage<FailureCategory>>, ApiError> {
    let mut items = state.store.list_categories().await?;
    items.retain(|c| q.active.is_none_or(|a| c.active == a));
    Ok(Json(all(items)))
}

/// Adds a failure category (admins). Its code (`outcome.…` or `process.…`) never changes.
#[utoipa::path(post, path = "/api/v1/taxonomy/categories", tag = "taxonomy", request_body = CategoryInput,
    responses((status = 201, body = FailureCategory), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_category(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<CategoryInput>,
) -> Result<(StatusCode, Json<FailureCategory>), ApiError> {
    no_version(input.version)?;
    let category = input.parse()?;
    let created = state
        .store
        .create_category(&user.change(), &category)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/taxonomy/categories/{code}", tag = "taxonomy",
    params(("code" = String, Path, description = "e.g. `process.long_wait`")),
    responses((status = 200, body = FailureCategory), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_category(
    State(state): State<AppState>,
    _user: Viewer,
    Path(code): Path<String>,
) -> Result<Json<FailureCategory>, ApiError> {
    Ok(Json(
        state
            .store
            .get_category(&code)
            .await
            .about("failure category")?,
    ))
}

/// Replaces a category (admins); the body's `code` must be the path's. Retire it with
/// `active: false`: categories are never deleted, as cases refer to them.
#[utoipa::path(put, path = "/api/v1/taxonomy/categories/{code}", tag = "taxonomy",
    params(("code" = String, Path, description = "e.g. `process.long_wait`")), request_body = CategoryInput,
    responses((status = 200, body = FailureCategory), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_category(
    State(state): State<AppState>,
    user: Admin,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<CategoryInput>,
) -> Result<Json<FailureCategory>, ApiError> {
    let version = required_version(input.version)?;
    let category = input.parse()?;
    Ok(Json(
        state
            .store
            .update_category(&user.change(), &code, version, &category)
            .await
            .about("failure category")?,
    ))
}

// ---- root causes ------------------------------------------------------------------------

/// Lists every root cause, retired ones included unless filtered (one page), by position.
#[utoipa::path(get, path = "/api/v1/taxonomy/root-causes", tag = "taxonomy", params(TaxonomyQuery),
    responses((status = 200, body = ListPage<RootCause>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_root_causes(
    State(state): State<AppState>,
    _user: Viewer,
    ApiQuery(q): ApiQuery<TaxonomyQuery>,
) -> Result<Json<ListPage<RootCause>>, ApiError> {
    let mut items = state.store.list_root_causes().await?;
    items.retain(|c| q.active.is_none_or(|a| c.active == a));
    Ok(Json(all(items)))
}

/// Adds a root cause (admins). Its code (`cause.…`) never changes.
#[utoipa::path(post, path = "/api/v1/taxonomy/root-causes", tag = "taxonomy", request_body = RootCauseInput,
    responses((status = 201, body = RootCause), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_root_cause(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<RootCauseInput>,
) -> Result<(StatusCode, Json<RootCause>), ApiError> {
    no_version(input.version)?;
    let cause = input.parse()?;
    let created = state
        .store
        .create_root_cause(&user.change(), &cause)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/taxonomy/root-causes/{code}", tag = "taxonomy",
    params(("code" = String, Path, description = "e.g. `cause.staffing`")),
    responses((status = 200, body = RootCause), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_root_cause(
    State(state): State<AppState>,
    _user: Viewer,
    Path(code): Path<String>,
) -> Result<Json<RootCause>, ApiError> {
    Ok(Json(
        state
            .store
            .get_root_cause(&code)
            .await
            .about("root cause")?,
    ))
}

/// Replaces a root cause (admins); retire it with `active: false`.
#[utoipa::path(put, path = "/api/v1/taxonomy/root-causes/{code}", tag = "taxonomy",
    params(("code" = String, Path, description = "e.g. `cause.staffing`")), request_body = RootCauseInput,
    responses((status = 200, body = RootCause), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_root_cause(
    State(state): State<AppState>,
    user: Admin,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<RootCauseInput>,
) -> Result<Json<RootCause>, ApiError> {
    let version = required_version(input.version)?;
    let cause = input.parse()?;
    Ok(Json(
        state
            .store
            .update_root_cause(&user.change(), &code, version, &cause)
            .await
            .about("root cause")?,
    ))
}

// ---- response templates -----------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    pub locale: Option<Locale>,
    pub part: Option<TemplatePart>,
    /// One code, in every locale.
    pub code: Option<String>,
    pub cursor: Option<String>,
    /// 1–1000, default 50.
    pub limit: Option<i64>,
}

/// Lists response templates in creation order.
#[utoipa::path(get, path = "/api/v1/templates", tag = "templates", params(TemplateQuery),
    responses((status = 200, body = ListPage<ResponseTemplate>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_templates(
    State(state): State<AppState>,
    _user: Viewer,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> Result<Json<ListPage<ResponseTemplate>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let filter = TemplateFilter {
        locale: q.locale,
        part: q.part,
        code: q.code.map(|c| c.trim().to_ascii_lowercase()),
    };
    Ok(Json(
        state.store.list_templates(&filter, &page).await?.into(),
    ))
}

/// Adds a response template (admins); one per code and locale.
#[utoipa::path(post, path = "/api/v1/templates", tag = "templates", request_body = TemplateInput,
    responses((status = 201, body = ResponseTemplate), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_template(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<(StatusCode, Json<ResponseTemplate>), ApiError> {
    no_version(input.version)?;
    let template = input.parse()?;
    let created = state
        .store
        .create_template(&user.change(), &template)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "templates", params(("id" = Uuid, Path)),
    responses((status = 200, body = ResponseTemplate), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_template(
    State(state): State<AppState>,
    _user: Viewer,
    PathId(id): PathId,
) -> Result<Json<ResponseTemplate>, ApiError> {
    Ok(Json(
        state
            .store
            .get_template(id)
            .await
            .about("response template")?,
    ))
}

/// Replaces a response template (admins).
#[utoipa::path(put, path = "/api/v1/templates/{id}", tag = "templates", params(("id" = Uuid, Path)),
    request_body = TemplateInput,
    responses((status = 200, body = ResponseTemplate), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_template(
    State(state): State<AppState>,
    user: Admin,
    PathId(id): PathId,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Json<ResponseTemplate>, ApiError> {
    let version = required_version(input.version)?;
    let template = input.parse()?;
    Ok(Json(
        state
            .store
            .update_template(&user.change(), id, version, &template)
            .await
            .about("response template")?,
    ))
}

/// Deletes a response template (admins). A deleted default template stays deleted.
#[utoipa::path(delete, path = "/api/v1/templates/{id}", tag = "templates", params(("id" = Uuid, Path), VersionQuery),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn delete_template(
    State(state): State<AppState>,
    user: Admin,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let version = required_version(q.version)?;
    state
        .store
        .delete_template(&user.change(), id, version)
        .await
        .about("response template")?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- SLA policies -----------------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// Admins only: the policies that can apply in this unit (those of every unit and the
    /// unit's own). Others always see those that can apply in their unit.
    pub unit_id: Option<Uuid>,
}

/// Lists the SLA policies in matching order (position, then id); the first active one that
/// matches a case applies. The list is short by nature, so there is one page.
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "sla", params(PolicyQuery),
    responses((status = 200, body = ListPage<SlaPolicy>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_policies(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<PolicyQuery>,
) -> Result<Json<ListPage<SlaPolicy>>, ApiError> {
    let unit = if user.actor.is_admin() {
        q.unit_id
    } else {
        user.actor.unit_id
    };
    Ok(Json(all(state.store.list_sla_policies(unit).await?)))
}

/// Adds an SLA policy: for one unit by its managers, for every unit by admins.
#[utoipa::path(post, path = "/api/v1/sla-policies", tag = "sla", request_body = SlaPolicyInput,
    responses((status = 201, body = SlaPolicy), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_policy(
    State(state): State<AppState>,
    user: Manager,
    ApiJson(input): ApiJson<SlaPolicyInput>,
) -> Result<(StatusCode, Json<SlaPolicy>), ApiError> {
    no_version(input.version)?;
    let policy = input.parse()?;
    require_scope(&user.actor, policy.unit_id)?;
    let created = state
        .store
        .create_sla_policy(&user.change(), &policy)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn visible_policy(state: &AppState, actor: &Actor, id: Uuid) -> Result<SlaPolicy, ApiError> {
    let p = state.store.get_sla_policy(id).await.about("SLA policy")?;
    if !visible(actor, p.unit_id) {
        return Err(ApiError::NotFound("SLA policy"));
    }
    Ok(p)
}

#[utoipa::path(get, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = Uuid, Path)),
    responses((status = 200, body = SlaPolicy), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_policy(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<SlaPolicy>, ApiError> {
    Ok(Json(visible_policy(&state, &user.actor, id).await?))
}

/// Replaces an SLA policy; deactivate it with `active: false`. Moving it to another unit or
/// to every unit needs the right over both.
#[utoipa::path(put, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = Uuid, Path)),
    request_body = SlaPolicyInput,
    responses((status = 200, body = SlaPolicy), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_policy(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiJson(input): ApiJson<SlaPolicyInput>,
) -> Result<Json<SlaPolicy>, ApiError> {
    let version = required_version(input.version)?;
    let policy = input.parse()?;
    let current = visible_policy(&state, &user.actor, id).await?;
    require_scope(&user.actor, current.unit_id)?;
    require_scope(&user.actor, policy.unit_id)?;
    Ok(Json(
        state
            .store
            .update_sla_policy(&user.change(), id, version, &policy)
            .await
            .about("SLA policy")?,
    ))
}

/// Deletes an SLA policy no case was filed under; one in use answers 409: deactivate it
/// instead.
#[utoipa::path(delete, path = "/api/v1/sla-policies/{id}", tag = "sla", params(("id" = Uuid, Path), VersionQuery),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn delete_policy(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let version = required_version(q.version)?;
    let current = visible_policy(&state, &user.actor, id).await?;
    require_scope(&user.actor, current.unit_id)?;
    state
        .store
        .delete_sla_policy(&user.change(), id, version)
        .await
        .about("SLA policy")?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- compensation guidelines ------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GuidelineQuery {
    /// One failure category's guidelines.
    pub category: Option<String>,
    pub cursor: Option<String>,
    /// 1–1000, default 50.
    pub limit: Option<i64>,
}

/// Lists the compensation guidelines in creation order.
#[utoipa::path(get, path = "/api/v1/compensation-guidelines", tag = "compensation", params(GuidelineQuery),
    responses((status = 200, body = ListPage<Guideline>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_guidelines(
    State(state): State<AppState>,
    _user: Viewer,
    ApiQuery(q): ApiQuery<GuidelineQuery>,
) -> Result<Json<ListPage<Guideline>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let filter = GuidelineFilter {
        category: q.category.map(|c| c.trim().to_ascii_lowercase()),
    };
    Ok(Json(
        state.store.list_guidelines(&filter, &page).await?.into(),
    ))
}

/// Adds a guideline (admins): the fair range of compensation for one failure category,
/// severity, customer tier (`*` for every tier) and currency. Guidelines are
/// organisation-wide, so that similar cases are compensated alike in every unit.
#[utoipa::path(post, path = "/api/v1/compensation-guidelines", tag = "compensation", request_body = GuidelineInput,
    responses((status = 201, body = Guideline), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_guideline(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<GuidelineInput>,
) -> Result<(StatusCode, Json<Guideline>), ApiError> {
    no_version(input.version)?;
    let guideline = input.parse()?;
    let created = state
        .store
        .create_guideline(&user.change(), &guideline)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/compensation-guidelines/{id}", tag = "compensation", params(("id" = Uuid, Path)),
    responses((status = 200, body = Guideline), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_guideline(
    State(state): State<AppState>,
    _user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Guideline>, ApiError> {
    Ok(Json(
        state
            .store
            .get_guideline(id)
            .await
            .about("compensation guideline")?,
    ))
}

/// Replaces a guideline (admins).
#[utoipa::path(put, path = "/api/v1/compensation-guidelines/{id}", tag = "compensation", params(("id" = Uuid, Path)),
    request_body = GuidelineInput,
    responses((status = 200, body = Guideline), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_guideline(
    State(state): State<AppState>,
    user: Admin,
    PathId(id): PathId,
    ApiJson(input): ApiJson<GuidelineInput>,
) -> Result<Json<Guideline>, ApiError> {
    let version = required_version(input.version)?;
    let guideline = input.parse()?;
    Ok(Json(
        state
            .store
            .update_guideline(&user.change(), id, version, &guideline)
            .await
            .about("compensation guideline")?,
    ))
}

/// Deletes a guideline (admins). Recovery actions keep the range they were checked against.
#[utoipa::path(delete, path = "/api/v1/compensation-guidelines/{id}", tag = "compensation",
    params(("id" = Uuid, Path), VersionQuery),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn delete_guideline(
    State(state): State<AppState>,
    user: Admin,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let version = required_version(q.version)?;
    state
        .store
        .delete_guideline(&user.change(), id, version)
        .await
        .about("compensation guideline")?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- service guarantees -----------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GuaranteeQuery {
    /// Admins only: what this unit offers (guarantees of every unit and its own). Others
    /// always see what their unit offers.
    pub unit_id: Option<Uuid>,
    pub active: Option<bool>,
    pub cursor: Option<String>,
    /// 1–1000, default 50.
    pub limit: Option<i64>,
}

/// Lists service guarantees in creation order.
#[utoipa::path(get, path = "/api/v1/guarantees", tag = "compensation", params(GuaranteeQuery),
    responses((status = 200, body = ListPage<Guarantee>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_guarantees(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<GuaranteeQuery>,
) -> Result<Json<ListPage<Guarantee>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let unit = if user.actor.is_admin() {
        q.unit_id
    } else {
        user.actor.unit_id
    };
    let filter = GuaranteeFilter {
        unit,
        active: q.active,
    };
    Ok(Json(
        state.store.list_guarantees(&filter, &page).await?.into(),
    ))
}

/// Adds a service guarantee: for one unit by its managers, for every unit by admins.
#[utoipa::path(post, path = "/api/v1/guarantees", tag = "compensation", request_body = GuaranteeInput,
    responses((status = 201, body = Guarantee), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_guarantee(
    State(state): State<AppState>,
    user: Manager,
    ApiJson(input): ApiJson<GuaranteeInput>,
) -> Result<(StatusCode, Json<Guarantee>), ApiError> {
    no_version(input.version)?;
    let guarantee = input.parse()?;
    require_scope(&user.actor, guarantee.unit_id)?;
    let created = state
        .store
        .create_guarantee(&user.change(), &guarantee)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn visible_guarantee(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
) -> Result<Guarantee, ApiError> {
    let g = state
        .store
        .get_guarantee(id)
        .await
        .about("service guarantee")?;
    if !visible(actor, g.unit_id) {
        return Err(ApiError::NotFound("service guarantee"));
    }
    Ok(g)
}

#[utoipa::path(get, path = "/api/v1/guarantees/{id}", tag = "compensation", params(("id" = Uuid, Path)),
    responses((status = 200, body = Guarantee), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_guarantee(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Guarantee>, ApiError> {
    Ok(Json(visible_guarantee(&state, &user.actor, id).await?))
}

/// Replaces a service guarantee; withdraw it with `active: false`.
#[utoipa::path(put, path = "/api/v1/guarantees/{id}", tag = "compensation", params(("id" = Uuid, Path)),
    request_body = GuaranteeInput,
    responses((status = 200, body = Guarantee), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_guarantee(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiJson(input): ApiJson<GuaranteeInput>,
) -> Result<Json<Guarantee>, ApiError> {
    let version = required_version(input.version)?;
    let guarantee = input.parse()?;
    let current = visible_guarantee(&state, &user.actor, id).await?;
    require_scope(&user.actor, current.unit_id)?;
    require_scope(&user.actor, guarantee.unit_id)?;
    Ok(Json(
        state
            .store
            .update_guarantee(&user.change(), id, version, &guarantee)
            .await
            .about("service guarantee")?,
    ))
}

/// Deletes a guarantee never invoked; one that was answers 409: withdraw it instead.
#[utoipa::path(delete, path = "/api/v1/guarantees/{id}", tag = "compensation", params(("id" = Uuid, Path), VersionQuery),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn delete_guarantee(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let version = required_version(q.version)?;
    let current = visible_guarantee(&state, &user.actor, id).await?;
    require_scope(&user.actor, current.unit_id)?;
    state
        .store
        .delete_guarantee(&user.change(), id, version)
        .await
        .about("service guarantee")?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- authority period -------------------------------------------------------------------

/// Over which period employees' authority limits are counted (`month` unless set).
#[utoipa::path(get, path = "/api/v1/settings/authority", tag = "compensation",
    responses((status = 200, body = AuthoritySetting), (status = 401, body = Problem)))]
async fn get_authority(
    State(state): State<AppState>,
    _user: Viewer,
) -> Result<Json<AuthoritySetting>, ApiError> {
    Ok(Json(AuthoritySetting {
        period: state.store.authority_period().await?,
    }))
}

/// Sets the authority period (admins); it applies to recovery actions requested from now on.
#[utoipa::path(put, path = "/api/v1/settings/authority", tag = "compensation", request_body = AuthoritySetting,
    responses((status = 200, body = AuthoritySetting), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn set_authority(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<AuthoritySetting>,
) -> Result<Json<AuthoritySetting>, ApiError> {
    state
        .store
        .set_authority_period(&user.change(), input.period)
        .await?;
    Ok(Json(input))
}
