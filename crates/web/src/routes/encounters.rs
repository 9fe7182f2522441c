//! The encounter log: single and batch ingest, listing by touchpoint, customer and period.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rapport_domain::encounter::{Encounter, EncounterInput, NewEncounter};
use rapport_domain::money::MoneyDto;
use rapport_domain::{FieldError, Timestamp};
use rapport_store::EncounterFilter;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ListPage, page};
use crate::AppState;
use crate::auth::{Agent, Viewer};
use crate::error::{ApiError, Context, Problem};
use crate::extract::{ApiQuery, PathId, is_json, parse_json};

pub const MAX_BATCH: usize = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_encounters, create_encounters))
        .routes(routes!(get_encounter))
}

/// One encounter, or a JSON array of up to 10,000.
struct EncounterBody;

impl utoipa::PartialSchema for EncounterBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Ref};
        let one = Ref::from_schema_name("EncounterInput");
        OneOfBuilder::new()
            .item(one.clone())
            .item(
                ArrayBuilder::new()
                    .items(one)
                    .min_items(Some(1))
                    .max_items(Some(MAX_BATCH)),
            )
            .description(Some("One encounter, or a JSON array of up to 10,000"))
            .into()
    }
}

impl utoipa::ToSchema for EncounterBody {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            "EncounterInput".into(),
            <EncounterInput as utoipa::PartialSchema>::schema(),
        ));
        <EncounterInput as utoipa::ToSchema>::schemas(schemas);
    }
}

/// The answer to a batch: all were written, in this order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub count: usize,
    pub ids: Vec<Uuid>,
}

fn shown(e: &NewEncounter, unit_id: Uuid, created_at: Timestamp) -> Encounter {
    Encounter {
        id: e.id,
        unit_id,
        customer_id: e.customer_id,
        touchpoint_id: e.touchpoint_id,
        employee_id: e.employee_id,
        started_at: e.started_at,
        ended_at: e.ended_at,
        waiting_seconds: e.waiting_seconds,
        presence_seconds: e.presence_seconds,
        revenue: e.revenue.map(MoneyDto::from),
        outcome: e.outcome,
        attributes: e
            .attributes
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok()),
        created_at,
    }
}

/// Logs encounters. A JSON object is one encounter (answered with it); a JSON array is a
/// batch of up to 10,000, written all or nothing, with every invalid item reported as
/// `[index].field`. Agents log at their own unit's touchpoints.
#[utoipa::path(post, path = "/api/v1/encounters", tag = "encounters", request_body = EncounterBody,
    responses((status = 201, description = "One encounter: the stored encounter; a batch: the ids", body = BatchResult),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_encounters(
    State(state): State<AppState>,
    user: Agent,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !is_json(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let scope = user.actor.unit_scope();
    let change = user.change();
    // The first significant byte tells a batch from a single encounter without parsing twice.
    let is_batch = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if !is_batch {
        let input: EncounterInput = parse_json(&body)?;
        let encounter = input.parse("")?;
        state
            .store
            .insert_encounters(&change, scope, std::slice::from_ref(&encounter), "")
            .await
            .map_err(strip_index)?;
        let unit = match scope {
            Some(u) => u,
            None => {
                state
                    .store
                    .get_touchpoint(encounter.touchpoint_id)
                    .await
                    .about("touchpoint")?
                    .unit_id
            }
        };
        return Ok((
            StatusCode::CREATED,
            Json(shown(&encounter, unit, change.at)),
        )
            .into_response());
    }
    // Parsing and checking 10,000 items takes tens of milliseconds of CPU: off the async
    // workers, so other requests keep being served meanwhile.
    let encounters = tokio::task::spawn_blocking(move || parse_batch(&body))
        .await
        .map_err(|e| ApiError::Internal(format!("batch parser failed: {e}")))??;
    state
        .store
        .insert_encounters(&change, scope, &encounters, "")
        .await?;
    let ids = encounters.iter().map(|e| e.id).collect();
    Ok((
        StatusCode::CREATED,
        Json(BatchResult {
            count: encounters.len(),
            ids,
        }),
    )
        .into_response())
}

/// Parses and validates a batch, reporting every bad item as `[index].field`.
fn parse_batch(body: &[u8]) -> Result<Vec<NewEncounter>, ApiError> {
    let inputs: Vec<EncounterInput> = parse_json(body)?;
    if inputs.len() > MAX_BATCH {
        return Err(FieldError::new(
            "",
            "too_many",
            format!("a batch holds at most {MAX_BATCH} encounters"),
        )
        .into());
    }
    let mut errors = Vec::new();
    let mut encounters = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        match input.parse(&format!("[{i}].")) {
            Ok(e) => encounters.push(e),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(encounters)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A single encounter's errors name fields without the `[0].` of a batch.
fn strip_index(e: rapport_store::StoreError) -> ApiError {
    let strip = |errors: Vec<FieldError>| {
        errors
            .into_iter()
            .map(|mut f| {
                f.field = f.field.trim_start_matches("[0].").to_owned();
                f
            })
            .collect()
    };
    match e {
        rapport_store::StoreError::Invalid(errors) => ApiError::Validation(strip(errors)),
        rapport_store::StoreError::Forbidden(errors) => ApiError::Forbidden(
            "this touchpoint belongs to another unit".into(),
            strip(errors),
        ),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Admins only: one unit's encounters (others always see their own unit's).
    pub unit_id: Option<Uuid>,
    /// Encounters that started at or after this instant (RFC 3339).
    pub from: Option<String>,
    /// Encounters that started before this instant (RFC 3339).
    pub to: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Lists encounters, newest first.
#[utoipa::path(get, path = "/api/v1/encounters", tag = "encounters", params(ListQuery),
    responses((status = 200, body = ListPage<Encounter>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_encounters(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListPage<Encounter>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let mut errors = Vec::new();
    let mut instant = |field: &str, v: &Option<String>| {
        v.as_deref()
            .and_then(|t| Timestamp::parse(field, t).map_err(|e| errors.push(e)).ok())
    };
    let from = instant("from", &q.from);
    let to = instant("to", &q.to);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let unit = if user.actor.is_admin() {
        q.unit_id
    } else {
        user.actor.unit_id
    };
    let filter = EncounterFilter {
        unit,
        touchpoint: q.touchpoint_id,
        customer: q.customer_id,
        from,
        to,
    };
    Ok(Json(
        state.store.list_encounters(&filter, &page).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/encounters/{id}", tag = "encounters", params(("id" = Uuid, Path)),
    responses((status = 200, body = Encounter), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_encounter(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Encounter>, ApiError> {
    let e = state.store.get_encounter(id).await.about("encounter")?;
    if !user.actor.can_see_unit(e.unit_id) {
        return Err(ApiError::NotFound("encounter"));
    }
    Ok(Json(e))
}
