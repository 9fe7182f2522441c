//! Customers: profiles, preferences, important dates, consent; search and erasure.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_domain::customer::{Customer, CustomerInput, CustomerQuery, Tier};
use rapport_store::CustomerFilter;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ListPage, no_version, page, required_version};
use crate::AppState;
use crate::auth::{Agent, Manager, Viewer};
use crate::error::{ApiError, Context, Problem};
use crate::extract::{ApiJson, ApiQuery, PathId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(get_customer, update_customer, delete_customer))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Search: a name or its start ("김민", "민수", "Emily"), Hangul initials ("ㄱㅁㅅ"),
    /// an e-mail start, or phone digits (start, or the last four). Matches come ordered by
    /// name, a page of `limit` at a time (`next_cursor` continues the search with the same `q`).
    #[param(max_length = 100)]
    pub q: Option<String>,
    pub tier: Option<Tier>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Lists or searches customers.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(ListQuery),
    responses((status = 200, body = ListPage<Customer>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_customers(
    State(state): State<AppState>,
    _user: Viewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListPage<Customer>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let query = match q.q.as_deref() {
        Some(text) => Some(CustomerQuery::parse("q", text)?),
        None => None,
    };
    let filter = CustomerFilter {
        query,
        tier: q.tier,
    };
    Ok(Json(
        state.store.list_customers(&filter, &page).await?.into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerInput,
    responses((status = 201, body = Customer), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_customer(
    State(state): State<AppState>,
    user: Agent,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<(StatusCode, Json<Customer>), ApiError> {
    no_version(input.version)?;
    let customer = input.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .create_customer(&user.change(), &customer)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Customer), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_customer(
    State(state): State<AppState>,
    _user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(state.store.get_customer(id).await.about("customer")?))
}

#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = uuid::Uuid, Path)),
    request_body = CustomerInput,
    responses((status = 200, body = Customer), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_customer(
    State(state): State<AppState>,
    user: Agent,
    PathId(id): PathId,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<Json<Customer>, ApiError> {
    let version = required_version(input.version)?;
    let customer = input.parse()?;
    Ok(Json(
        state
            .store
            .update_customer(&user.change(), id, version, &customer)
            .await
            .about("customer")?,
    ))
}

/// Erases a customer on their request (managers); their encounters stay, unlinked.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_customer(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_customer(&user.change(), id)
        .await
        .about("customer")?;
    Ok(StatusCode::NO_CONTENT)
}
