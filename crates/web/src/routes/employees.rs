//! Employees, their roles and authority limits, and their API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rapport_domain::org::{ApiToken, Employee, EmployeeInput, Role};
use rapport_domain::{FieldError, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ListPage, no_version, page, required_version};
use crate::AppState;
use crate::auth::{Manager, Viewer, new_token};
use crate::error::{ApiError, Context, Problem};
use crate::extract::{ApiJson, ApiQuery, PathId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_employees, create_employee))
        .routes(routes!(get_employee, update_employee))
        .routes(routes!(me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Admins only: the employees of one unit.
    pub unit_id: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Lists employees: of one's own unit, or of any unit for admins.
#[utoipa::path(get, path = "/api/v1/employees", tag = "employees", params(ListQuery),
    responses((status = 200, body = ListPage<Employee>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_employees(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListPage<Employee>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let unit = if user.actor.is_admin() {
        q.unit_id
    } else {
        user.actor.unit_id
    };
    Ok(Json(state.store.list_employees(unit, &page).await?.into()))
}

/// Checks that `user` may give `input`'s role and unit to someone.
fn may_staff(user: &Manager, input: &EmployeeInput) -> Result<(), ApiError> {
    if !user.actor.may_assign_role(input.role) {
        return Err(ApiError::Forbidden(
            "only an admin may create or appoint admins".into(),
            vec![FieldError::new(
                "role",
                "forbidden",
                "only an admin may give this role",
            )],
        ));
    }
    if !user.actor.is_admin() && input.unit_id != user.actor.unit_id {
        return Err(ApiError::Forbidden(
            "a manager staffs their own unit only".into(),
            vec![FieldError::new(
                "unit_id",
                "other_unit",
                "must be your own unit",
            )],
        ));
    }
    Ok(())
}

/// Adds an employee (managers for their own unit, admins anywhere).
#[utoipa::path(post, path = "/api/v1/employees", tag = "employees", request_body = EmployeeInput,
    responses((status = 201, body = Employee), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_employee(
    State(state): State<AppState>,
    user: Manager,
    ApiJson(input): ApiJson<EmployeeInput>,
) -> Result<(StatusCode, Json<Employee>), ApiError> {
    no_version(input.version)?;
    let employee = input.parse()?;
    may_staff(&user, &input)?;
    let created = state
        .store
        .create_employee(&user.change(), &employee, None)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

fn may_see(user: &Viewer, e: &Employee) -> bool {
    user.actor.is_admin()
        || e.id == user.actor.employee_id
        || (e.unit_id.is_some() && e.unit_id == user.actor.unit_id)
}

#[utoipa::path(get, path = "/api/v1/employees/{id}", tag = "employees", params(("id" = Uuid, Path)),
    responses((status = 200, body = Employee), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_employee(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Employee>, ApiError> {
    let e = state.store.get_employee(id).await.about("employee")?;
    if !may_see(&user, &e) {
        return Err(ApiError::NotFound("employee"));
    }
    Ok(Json(e))
}

/// Replaces an employee's record. Nobody but an admin changes their own record, and the
/// last active admin cannot be demoted or deactivated.
#[utoipa::path(put, path = "/api/v1/employees/{id}", tag = "employees", params(("id" = Uuid, Path)),
    request_body = EmployeeInput,
    responses((status = 200, body = Employee), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_employee(
    State(state): State<AppState>,
    user: Manager,
    PathId(id): PathId,
    ApiJson(input): ApiJson<EmployeeInput>,
) -> Result<Json<Employee>, ApiError> {
    let version = required_version(input.version)?;
    let employee = input.parse()?;
    let current = state.store.get_employee(id).await.about("employee")?;
    if !user.actor.is_admin() {
        if current.unit_id != user.actor.unit_id || current.role == Role::Admin {
            return Err(ApiError::NotFound("employee"));
        }
        if current.id == user.actor.employee_id {
            return Err(ApiError::Forbidden(
                "ask another manager or an admin to change your own record".into(),
                vec![],
            ));
        }
    }
    may_staff(&user, &input)?;
    let stays_admin = employee.role == Role::Admin && employee.active;
    if current.role == Role::Admin
        && current.active
        && !stays_admin
        && state.store.count_active_admins().await? <= 1
    {
        return Err(ApiError::Conflict {
            detail: "this is the last active admin; appoint another admin first".into(),
            current_version: None,
            errors: vec![FieldError::new(
                "role",
                "last_admin",
                "the last active admin must stay an admin",
            )],
        });
    }
    let updated = state
        .store
        .update_employee(&user.change(), id, version, &employee)
        .await
        .about("employee")?;
    // A changed role or deactivation must take effect on the next request.
    state.sessions.clear();
    Ok(Json(updated))
}

/// The employee behind the token.
#[utoipa::path(get, path = "/api/v1/me", tag = "employees",
    responses((status = 200, body = Employee), (status = 401, body = Problem)))]
async fn me(user: Viewer) -> Json<Employee> {
    Json(user.employee)
}

fn may_manage_tokens(user: &Viewer, employee_id: Uuid) -> Result<(), ApiError> {
    if user.actor.is_admin() || user.actor.employee_id == employee_id {
        Ok(())
    } else {
        Err(ApiError::NotFound("employee"))
    }
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/tokens", tag = "employees", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ApiToken>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn list_tokens(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    may_manage_tokens(&user, id)?;
    Ok(Json(state.store.list_tokens(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// What the token is for, e.g. "POS integration".
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Days until the token stops working; absent for no expiry.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

/// A new token: the secret is shown here once and never again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewTokenResponse {
    pub token: String,
    #[serde(flatten)]
    pub meta: ApiToken,
}

/// Creates an API token for oneself (or, for admins, for anyone).
#[utoipa::path(post, path = "/api/v1/employees/{id}/tokens", tag = "employees", params(("id" = Uuid, Path)),
    request_body = TokenInput,
    responses((status = 201, body = NewTokenResponse), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn create_token(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<(StatusCode, Json<NewTokenResponse>), ApiError> {
    may_manage_tokens(&user, id)?;
    let name = rapport_domain::text::required_line("name", &input.name, 100)?;
    let expires_at = match input.expires_in_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(Timestamp::now().plus_seconds(d * 86_400)),
        Some(_) => {
            return Err(FieldError::new(
                "expires_in_days",
                "out_of_range",
                "must be between 1 and 3650",
            )
            .into());
        }
    };
    let (token, hash) = new_token();
    let meta = state
        .store
        .create_token(&user.change(), id, &name, &hash, expires_at)
        .await
        .about("employee")?;
    Ok((StatusCode::CREATED, Json(NewTokenResponse { token, meta })))
}

/// Revokes a token at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "employees", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiToken), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<ApiToken>, ApiError> {
    let token = state.store.get_token(id).await.about("token")?;
    may_manage_tokens(&user, token.employee_id).map_err(|_| ApiError::NotFound("token"))?;
    let revoked = state
        .store
        .revoke_token(&user.change(), id)
        .await
        .about("token")?;
    state.sessions.clear();
    Ok(Json(revoked))
}
