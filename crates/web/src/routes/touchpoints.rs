//! Touchpoints and the contact-level thresholds.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_domain::contact::{Channel, LevelThresholds, Touchpoint, TouchpointInput};
use rapport_domain::org::Role;
use rapport_store::TouchpointFilter;
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
        .routes(routes!(list_touchpoints, create_touchpoint))
        .routes(routes!(
            get_touchpoint,
            update_touchpoint,
            delete_touchpoint
        ))
        .routes(routes!(get_thresholds, set_thresholds))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Admins only: one unit's touchpoints (others always see their own unit's).
    pub unit_id: Option<Uuid>,
    pub channel: Option<Channel>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Lists touchpoints with their designed and measured contact intensity and level.
#[utoipa::path(get, path = "/api/v1/touchpoints", tag = "touchpoints", params(ListQuery),
    responses((status = 200, body = ListPage<Touchpoint>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_touchpoints(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListPage<Touchpoint>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let unit = if user.actor.is_admin() {
        q.unit_id
    } else {
        user.actor.unit_id
    };
    let filter = TouchpointFilter {
        unit,
        channel: q.channel,
    };
    Ok(Json(
        state.store.list_touchpoints(&filter, &page).await?.into(),
    ))
}

/// Creates a touchpoint in a unit (its managers, or admins).
#[utoipa::path(post, path = "/api/v1/touchpoints", tag = "touchpoints", request_body = TouchpointInput,
    responses((status = 201, body = Touchpoint), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_touchpoint(
    State(state): State<AppState>,
    user: Manager,
    ApiJson(input): ApiJson<TouchpointInput>,
) -> Result<(StatusCode, Json<Touchpoint>), ApiError> {
    no_version(input.version)?;
    let touchpoint = input.parse()?;
    user.actor
        .require_in_unit(Role::Manager, touchpoint.unit_id)?;
    let created = state
        .store
        .create_touchpoint(&user.change(), &touchpoint)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/touchpoints/{id}", tag = "touchpoints", params(("id" = Uuid, Path)),
    responses((status = 200, body = Touchpoint), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_touchpoint(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Touchpoint>, ApiError> {
    let t = state.store.get_touchpoint(id).await.about("touchpoint")?;
    if !user.actor.can_see_unit(t.unit_id) {
        return Err(ApiError::NotFound("touchpoint"));
    }
    Ok(Json(t))
}

/// Replaces a touchpoint; its unit stays the one it was created in.
#[utoipa::path(put, path = "/api/v1/touchpoints/{id}", tag = "touchpoints", params(("id" = Uuid, Path)),
    request_body = TouchpointInput,
    responses((status = 200, body = Touchpoint), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_touchpoint(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiJson(input): ApiJson<TouchpointInput>,
) -> Result<Json<Touchpoint>, ApiError> {
    let version = required_version(input.version)?;
    let touchpoint = input.parse()?;
    let current = state.store.get_touchpoint(id).await.about("touchpoint")?;
    if !user.actor.can_see_unit(current.unit_id) {
        return Err(ApiError::NotFound("touchpoint"));
    }
    user.actor
        .require_in_unit(Role::Manager, touchpoint.unit_id)?;
    Ok(Json(
        state
            .store
            .update_touchpoint(&user.change(), id, version, &touchpoint)
            .await
            .about("touchpoint")?,
    ))
}

/// Deletes a touchpoint that has no encounters yet.
#[utoipa::path(delete, path = "/api/v1/touchpoints/{id}", tag = "touchpoints", params(("id" = Uuid, Path), VersionQuery),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn delete_touchpoint(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let version = required_version(q.version)?;
    let current = state.store.get_touchpoint(id).await.about("touchpoint")?;
    if !user.actor.can_see_unit(current.unit_id) {
        return Err(ApiError::NotFound("touchpoint"));
    }
    state
        .store
        .delete_touchpoint(&user.change(), id, version)
        .await
        .about("touchpoint")?;
    Ok(StatusCode::NO_CONTENT)
}

/// The thresholds that turn contact intensity into a level.
#[utoipa::path(get, path = "/api/v1/settings/contact-levels", tag = "touchpoints",
    responses((status = 200, body = LevelThresholds), (status = 401, body = Problem)))]
async fn get_thresholds(
    State(state): State<AppState>,
    _user: Viewer,
) -> Result<Json<LevelThresholds>, ApiError> {
    Ok(Json(state.store.level_thresholds().await?))
}

/// Sets the thresholds (admins).
#[utoipa::path(put, path = "/api/v1/settings/contact-levels", tag = "touchpoints", request_body = LevelThresholds,
    responses((status = 200, body = LevelThresholds), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn set_thresholds(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<LevelThresholds>,
) -> Result<Json<LevelThresholds>, ApiError> {
    let thresholds = input.validate()?;
    state
        .store
        .set_level_thresholds(&user.change(), &thresholds)
        .await?;
    Ok(Json(thresholds))
}
