//! The audit trail (admins).

use axum::Json;
use axum::extract::State;
use rapport_store::{AuditEntry, AuditFilter};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ListPage, page};
use crate::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// e.g. `unit`, `employee`, `touchpoint`, `customer`, `encounter`, `api_token`.
    #[param(max_length = 50)]
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Lists changes, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(ListQuery),
    responses((status = 200, body = ListPage<AuditEntry>), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
async fn list_audit(
    State(state): State<AppState>,
    _user: Admin,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListPage<AuditEntry>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let filter = AuditFilter {
        entity: q.entity,
        entity_id: q.entity_id,
        actor: q.actor_id,
    };
    Ok(Json(state.store.list_audit(&filter, &page).await?.into()))
}
