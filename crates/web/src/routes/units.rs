//! Units: branches and departments, their time zone and business hours.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_domain::org::{Unit, UnitInput};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListPage, VersionQuery, no_version, page, required_version};
use crate::AppState;
use crate::auth::{Admin, Manager, Viewer};
use crate::error::{ApiError, Context, Problem};
use crate::extract::{ApiJson, ApiQuery, PathId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, update_unit, delete_unit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub cursor: Option<String>,
    /// 1–1000, default 50.
    pub limit: Option<i64>,
}

/// Lists units: all for admins, one's own for everyone else.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(ListQuery),
    responses((status = 200, body = ListPage<Unit>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_units(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListPage<Unit>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let units = state
        .store
        .list_units(user.actor.unit_scope(), &page)
        .await?;
    Ok(Json(units.into()))
}

/// Creates a unit (admins).
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = UnitInput,
    responses((status = 201, body = Unit), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_unit(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<(StatusCode, Json<Unit>), ApiError> {
    no_version(input.version)?;
    let unit = input.parse()?;
    let created = state.store.create_unit(&user.change(), &unit).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Unit), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_unit(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Unit>, ApiError> {
    if !user.actor.can_see_unit(id) {
        return Err(ApiError::NotFound("unit"));
    }
    Ok(Json(state.store.get_unit(id).await.about("unit")?))
}

/// Replaces a unit's names, time zone and calendar (its managers, or admins).
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "units", params(("id" = uuid::Uuid, Path)), request_body = UnitInput,
    responses((status = 200, body = Unit), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_unit(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiJson(input): ApiJson<UnitInput>,
) -> Result<Json<Unit>, ApiError> {
    user.actor
        .require_in_unit(rapport_domain::org::Role::Manager, id)?;
    let version = required_version(input.version)?;
    let unit = input.parse()?;
    Ok(Json(
        state
            .store
            .update_unit(&user.change(), id, version, &unit)
            .await
            .about("unit")?,
    ))
}

/// Deletes a unit that has no touchpoints and no staff (admins).
#[utoipa::path(delete, path = "/api/v1/units/{id}", tag = "units", params(("id" = uuid::Uuid, Path), VersionQuery),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn delete_unit(
    State(state): State<AppState>,
    user: Admin,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<StatusCode, ApiError> {
    let version = required_version(q.version)?;
    state
        .store
        .delete_unit(&user.change(), id, version)
        .await
        .about("unit")?;
    Ok(StatusCode::NO_CONTENT)
}
