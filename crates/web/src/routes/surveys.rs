//! Surveys: instruments, invitations, responses (single, batch and CSV import), the public
//! form behind an invitation's link, and the SERVQUAL and satisfaction reports.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use rapport_domain::case::{CaseKind, CaseSource, NewCase, Severity};
use rapport_domain::contact::{Channel, ContactLevel};
use rapport_domain::customer::{Locale, Tier};
use rapport_domain::survey::{InstrumentDef, InstrumentKind, RecoveryRule, ResponseSource};
use rapport_domain::survey_import::{ImportError, ImportOptions, ImportSummary};
use rapport_domain::survey_stats::{Headline, InstrumentReport, StatsLayout, SurveyStats};
use rapport_domain::text::LocalizedName;
use rapport_domain::{FieldError, Timestamp, Validation};
use rapport_store::{
    Change, Grain, Instrument, Invitation, InvitationFilter, NewInstrument, NewInvitation,
    NewResponse, ResponseFilter, StatsQuery, Store, StoreError, SurveyResponse, TouchpointFilter,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ListPage, no_version, page, required_version};
use crate::AppState;
use crate::auth::{Admin, Agent, Manager, Viewer, hash_token};
use crate::error::{ApiError, Context, Problem};
use crate::extract::{ApiJson, ApiQuery, PathId, is_json, parse_json};

pub const MAX_BATCH: usize = 10_000;
pub const MAX_INVITATIONS: usize = 1_000;
/// Rows of one CSV import.
pub const MAX_IMPORT_ROWS: usize = 1_000_000;
/// How long an invitation stays open unless the caller says otherwise.
pub const DEFAULT_INVITATION_DAYS: i64 = 14;
/// Body limit of the import endpoint: a base64 CSV of 100,000 SERVQUAL rows is about 25 MB.
pub const IMPORT_BODY_LIMIT: usize = 96 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_instruments, create_instrument))
        .routes(routes!(get_instrument, update_instrument))
        .routes(routes!(list_invitations, create_invitations))
        .routes(routes!(get_invitation))
        .routes(routes!(list_responses, create_responses))
        .routes(routes!(get_response))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import_responses))
                .layer(axum::extract::DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .routes(routes!(servqual_report))
        .routes(routes!(satisfaction_report))
}

/// The public form behind an invitation link (no API token: the link's token is the key).
pub fn public_router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/s/{token}",
        axum::routing::get(show_form).post(submit_form),
    )
}

// ---------------------------------------------------------------------------------------
// Instruments

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InstrumentListQuery {
    /// Also list inactive instruments.
    pub include_inactive: Option<bool>,
}

/// Lists the questionnaires: the built-in SERVQUAL, CSAT, NPS and effort instruments first.
#[utoipa::path(get, path = "/api/v1/survey-instruments", tag = "surveys", params(InstrumentListQuery),
    responses((status = 200, body = Vec<Instrument>), (status = 401, body = Problem)))]
async fn list_instruments(
    State(state): State<AppState>,
    _user: Viewer,
    ApiQuery(q): ApiQuery<InstrumentListQuery>,
) -> Result<Json<Vec<Instrument>>, ApiError> {
    let all = state
        .store
        .list_instruments(q.include_inactive.unwrap_or(false))
        .await?;
    Ok(Json(all.iter().map(|i| (**i).clone()).collect()))
}

/// By id or by code (`servqual`).
#[utoipa::path(get, path = "/api/v1/survey-instruments/{id}", tag = "surveys",
    params(("id" = String, Path, description = "Id or code")),
    responses((status = 200, body = Instrument), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_instrument(
    State(state): State<AppState>,
    _user: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Instrument>, ApiError> {
    Ok(Json(
        (*state.store.find_instrument(&id).await.about("instrument")?).clone(),
    ))
}

/// A questionnaire to create or replace.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentInput {
    /// Required on replace; absent on create.
    #[serde(default)]
    pub version: Option<i64>,
    /// Lower-case letters, digits, `_` and `-`; never changes.
    #[schema(example = "branch_visit_2026")]
    pub code: String,
    pub name: LocalizedName,
    pub definition: InstrumentDef,
    #[serde(default)]
    pub recovery_rule: Option<RecoveryRule>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl InstrumentInput {
    fn parse(self) -> Result<NewInstrument, ApiError> {
        let mut v = Validation::new();
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 40
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !code_ok {
            v.push(FieldError::new(
                "code",
                "invalid_value",
                "must be 1–40 lower-case letters, digits, `_` or `-`",
            ));
        }
        if let Err(e) = LocalizedName::parse("name", &self.name.ko, &self.name.en) {
            v.extend(e);
        }
        let definition = match self.definition.validate("definition") {
            Ok(d) => Some(d),
            Err(e) => {
                v.extend(e);
                None
            }
        };
        let rule = match (&definition, self.recovery_rule) {
            (Some(d), Some(rule)) => match rule.validate("recovery_rule", d) {
                Ok(r) => Some(r),
                Err(e) => {
                    v.extend(e);
                    None
                }
            },
            _ => None,
        };
        let errors = v.into_errors();
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(NewInstrument {
            code: self.code,
            name: self.name,
            definition: definition.expect("checked above"),
            recovery_rule: rule,
            active: self.active,
        })
    }
}

/// Creates a custom questionnaire: any items on any integer scale, each in a dimension, with
/// optional expectation/perception pairs and importance allocation. Admins only.
#[utoipa::path(post, path = "/api/v1/survey-instruments", tag = "surveys", request_body = InstrumentInput,
    responses((status = 201, body = Instrument), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_instrument(
    State(state): State<AppState>,
    user: Admin,
    ApiJson(input): ApiJson<InstrumentInput>,
) -> Result<(StatusCode, Json<Instrument>), ApiError> {
    no_version(input.version)?;
    let new = input.parse()?;
    let created = state.store.create_instrument(&user.change(), &new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Replaces a questionnaire. Once it has responses (and always for the built-in ones) only
/// its texts, recovery rule and activity may change (409 otherwise). Admins only.
#[utoipa::path(put, path = "/api/v1/survey-instruments/{id}", tag = "surveys", params(("id" = Uuid, Path)),
    request_body = InstrumentInput,
    responses((status = 200, body = Instrument), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_instrument(
    State(state): State<AppState>,
    user: Admin,
    PathId(id): PathId,
    ApiJson(input): ApiJson<InstrumentInput>,
) -> Result<Json<Instrument>, ApiError> {
    let version = required_version(input.version)?;
    let new = input.parse()?;
    Ok(Json(
        state
            .store
            .update_instrument(&user.change(), id, version, &new)
            .await
            .about("instrument")?,
    ))
}

// ---------------------------------------------------------------------------------------
// Invitations

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    /// Instrument code or id.
    #[schema(example = "csat")]
    pub instrument: String,
    /// May be left out when a touchpoint or a case names the unit.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    #[serde(default)]
    pub touchpoint_id: Option<Uuid>,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
    #[serde(default)]
    pub case_id: Option<Uuid>,
    /// The form's language; defaults to the customer's, else Korean.
    #[serde(default)]
    pub locale: Option<Locale>,
    /// Days until the link expires (1–365, default 14).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<i64>,
}

/// A new invitation with its secret link. The token is shown only here: store it or send it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedInvitation {
    #[serde(flatten)]
    pub invitation: Invitation,
    /// 256 random bits; only its hash is stored.
    pub token: String,
    /// The public form: `/s/{token}`.
    pub path: String,
    /// The form's address as seen by this request's host.
    pub url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedInvitations {
    pub items: Vec<CreatedInvitation>,
}

/// One invitation, or a JSON array of up to 1,000.
struct InvitationBody;

impl utoipa::PartialSchema for InvitationBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        one_or_many(
            "InvitationInput",
            MAX_INVITATIONS,
            "One invitation, or a JSON array of up to 1,000",
        )
    }
}

impl utoipa::ToSchema for InvitationBody {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            "InvitationInput".into(),
            <InvitationInput as utoipa::PartialSchema>::schema(),
        ));
        <InvitationInput as utoipa::ToSchema>::schemas(schemas);
    }
}

fn one_or_many(
    name: &str,
    max: usize,
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Ref};
    let one = Ref::from_schema_name(name);
    OneOfBuilder::new()
        .item(one.clone())
        .item(
            ArrayBuilder::new()
                .items(one)
                .min_items(Some(1))
                .max_items(Some(max)),
        )
        .description(Some(description))
        .into()
}

fn is_batch(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

fn prefixed(batch: bool, i: usize, field: &str) -> String {
    if batch {
        format!("[{i}].{field}")
    } else {
        field.to_owned()
    }
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// A new public-form token: `rps_` and 256 random bits.
fn new_form_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = format!(
        "rps_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = hash_token(&token);
    (token, hash)
}

/// Invites customers to answer an instrument once, through a secret link that expires.
/// One object or an array of up to 1,000, all or nothing. Agents invite for their own unit.
#[utoipa::path(post, path = "/api/v1/survey-invitations", tag = "surveys", request_body = InvitationBody,
    responses((status = 201, body = CreatedInvitations, description = "The invitations with their tokens, shown once"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_invitations(
    State(state): State<AppState>,
    user: Agent,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedInvitations>), ApiError> {
    if !is_json(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let batch = is_batch(&body);
    let inputs: Vec<InvitationInput> = if batch {
        parse_json(&body)?
    } else {
        vec![parse_json(&body)?]
    };
    if inputs.is_empty() || inputs.len() > MAX_INVITATIONS {
        return Err(FieldError::new(
            "",
            "invalid_length",
            format!("send 1 to {MAX_INVITATIONS} invitations"),
        )
        .into());
    }
    let change = user.change();
    let mut errors = Vec::new();
    let mut news = Vec::new();
    let mut tokens = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let instrument = match state.store.find_instrument(&input.instrument).await {
            Ok(x) => Some(x),
            Err(StoreError::NotFound) => {
                errors.push(FieldError::new(
                    prefixed(batch, i, "instrument"),
                    "unknown",
                    "no instrument has this code or id",
                ));
                None
            }
            Err(e) => return Err(e.into()),
        };
        let days = input.expires_in_days.unwrap_or(DEFAULT_INVITATION_DAYS);
        if !(1..=365).contains(&days) {
            errors.push(FieldError::new(
                prefixed(batch, i, "expires_in_days"),
                "out_of_range",
                "must be between 1 and 365",
            ));
        }
        let Some(instrument) = instrument else {
            continue;
        };
        let (token, hash) = new_form_token();
        tokens.push(token);
        news.push(NewInvitation {
            instrument_id: instrument.id,
            unit_id: input.unit_id,
            touchpoint_id: input.touchpoint_id,
            customer_id: input.customer_id,
            encounter_id: input.encounter_id,
            case_id: input.case_id,
            locale: input.locale,
            expires_at: change.at.plus_seconds(days * 86_400),
            token_hash: hash,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let created = state
        .store
        .create_invitations(&change, user.actor.unit_scope(), &news, "")
        .await
        .map_err(|e| batch_fields(e, batch))?;
    let base = base_url(&headers);
    let items = created
        .into_iter()
        .zip(tokens)
        .map(|(invitation, token)| CreatedInvitation {
            path: format!("/s/{token}"),
            url: format!("{base}/s/{token}"),
            invitation,
            token,
        })
        .collect();
    Ok((StatusCode::CREATED, Json(CreatedInvitations { items })))
}

/// The store names batch items `[i].field`, which is right for arrays; a single object's
/// errors name the field alone.
fn batch_fields(e: StoreError, batch: bool) -> ApiError {
    let fix = |errors: Vec<FieldError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|mut f| {
                if !batch {
                    f.field = f.field.trim_start_matches("[0].").to_owned();
                }
                f
            })
            .collect()
    };
    match e {
        StoreError::Invalid(errors) => ApiError::Validation(fix(errors)),
        StoreError::Forbidden(errors) => {
            ApiError::Forbidden("this belongs to another unit".into(), fix(errors))
        }
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InvitationListQuery {
    /// Instrument code or id.
    pub instrument: Option<String>,
    /// Admins only: one unit (others always see their own unit's).
    pub unit_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

async fn instrument_filter(
    state: &AppState,
    instrument: Option<&str>,
) -> Result<Option<Uuid>, ApiError> {
    match instrument {
        None => Ok(None),
        Some(code) => match state.store.find_instrument(code).await {
            Ok(i) => Ok(Some(i.id)),
            Err(StoreError::NotFound) => {
                Err(
                    FieldError::new("instrument", "unknown", "no instrument has this code or id")
                        .into(),
                )
            }
            Err(e) => Err(e.into()),
        },
    }
}

/// Lists invitations, newest first (never their tokens).
#[utoipa::path(get, path = "/api/v1/survey-invitations", tag = "surveys", params(InvitationListQuery),
    responses((status = 200, body = ListPage<Invitation>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_invitations(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<InvitationListQuery>,
) -> Result<Json<ListPage<Invitation>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let filter = InvitationFilter {
        instrument: instrument_filter(&state, q.instrument.as_deref()).await?,
        unit: if user.actor.is_admin() {
            q.unit_id
        } else {
            user.actor.unit_id
        },
        customer: q.customer_id,
    };
    Ok(Json(
        state.store.list_invitations(&filter, &page).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/survey-invitations/{id}", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = Invitation), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_invitation(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Invitation>, ApiError> {
    let inv = state.store.get_invitation(id).await.about("invitation")?;
    if !user.actor.can_see_unit(inv.unit_id) {
        return Err(ApiError::NotFound("invitation"));
    }
    Ok(Json(inv))
}

// ---------------------------------------------------------------------------------------
// Responses

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    /// Instrument code or id; every response of a batch names the same one.
    #[schema(example = "csat")]
    pub instrument: String,
    /// May be left out when `touchpoint_id` is given.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    #[serde(default)]
    pub touchpoint_id: Option<Uuid>,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
    #[serde(default)]
    pub case_id: Option<Uuid>,
    #[serde(default)]
    pub locale: Option<Locale>,
    /// When the customer answered (RFC 3339); defaults to now.
    #[serde(default)]
    pub submitted_at: Option<String>,
    /// Your own id for the response; a second response with the same one is refused.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    /// Item code → answer on the instrument's scale; `null` or absent where skipped.
    #[schema(value_type = Object, example = json!({"csat": 4}))]
    pub answers: BTreeMap<String, Option<i64>>,
    /// Dimension code → points, adding up to 100 (instruments with an importance allocation).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub importance: Option<BTreeMap<String, i64>>,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub comment: Option<String>,
}

/// How far in the future a reported time may lie (clock skew between machines).
const FUTURE_SKEW_SECONDS: i64 = 300;

impl ResponseInput {
    fn parse(
        &self,
        def: &InstrumentDef,
        prefix: &str,
        now: Timestamp,
        source: ResponseSource,
    ) -> Result<NewResponse, Vec<FieldError>> {
        let mut v = Validation::new();
        let f = |name: &str| format!("{prefix}{name}");
        let answers = match def.parse_answers(prefix, &self.answers, self.importance.as_ref()) {
            Ok(a) => Some(a),
            Err(e) => {
                v.extend(e);
                None
            }
        };
        let submitted_at = match &self.submitted_at {
            None => Some(now),
            Some(t) => v.check(Timestamp::parse(&f("submitted_at"), t)),
        };
        if let Some(t) = submitted_at
            && t > now.plus_seconds(FUTURE_SKEW_SECONDS)
        {
            v.push(FieldError::new(
                f("submitted_at"),
                "in_future",
                "a response cannot be given in the future",
            ));
        }
        let external_id = match &self.external_id {
            None => None,
            Some(x) => v
                .check(rapport_domain::text::required_line(
                    &f("external_id"),
                    x,
                    200,
                ))
                .map(Some)
                .unwrap_or(None),
        };
        let comment = match &self.comment {
            None => None,
            Some(c) => v
                .check(rapport_domain::text::free_text(
                    &f("comment"),
                    c,
                    rapport_domain::survey::COMMENT_MAX,
                ))
                .filter(|c| !c.trim().is_empty()),
        };
        if self.unit_id.is_none() && self.touchpoint_id.is_none() {
            v.push(FieldError::new(
                f("unit_id"),
                "required",
                "give the unit, or a touchpoint from which the unit follows",
            ));
        }
        v.finish(|| NewResponse {
            unit_id: self.unit_id,
            touchpoint_id: self.touchpoint_id,
            customer_id: self.customer_id,
            encounter_id: self.encounter_id,
            case_id: self.case_id,
            locale: self.locale,
            source,
            external_id,
            submitted_at: submitted_at.expect("checked"),
            answers: answers.expect("checked"),
            comment,
        })
    }
}

/// One response, or a JSON array of up to 10,000.
struct ResponseBody;

impl utoipa::PartialSchema for ResponseBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        one_or_many(
            "ResponseInput",
            MAX_BATCH,
            "One response, or a JSON array of up to 10,000 of one instrument",
        )
    }
}

impl utoipa::ToSchema for ResponseBody {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            "ResponseInput".into(),
            <ResponseInput as utoipa::PartialSchema>::schema(),
        ));
        <ResponseInput as utoipa::ToSchema>::schemas(schemas);
    }
}

/// The answer to a batch: all were written, in this order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResponseBatchResult {
    pub count: usize,
    pub ids: Vec<Uuid>,
    /// Recovery cases opened by low scores.
    pub cases_opened: usize,
}

/// Records survey responses given elsewhere (a kiosk, a call, another tool). A JSON object
/// is one response (answered with it); an array is a batch of up to 10,000 of one
/// instrument, all or nothing, with every bad item named `[index].field`. A response the
/// instrument's recovery rule finds too low opens a recovery case (source `survey`).
#[utoipa::path(post, path = "/api/v1/survey-responses", tag = "surveys", request_body = ResponseBody,
    responses((status = 201, description = "One response: the stored response; a batch: the ids", body = ResponseBatchResult),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_responses(
    State(state): State<AppState>,
    user: Agent,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !is_json(&headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let batch = is_batch(&body);
    let change = user.change();
    let inputs: Vec<ResponseInput> = if batch {
        tokio::task::spawn_blocking(move || parse_json::<Vec<ResponseInput>>(&body))
            .await
            .map_err(|e| ApiError::Internal(format!("batch parser failed: {e}")))??
    } else {
        vec![parse_json(&body)?]
    };
    if inputs.is_empty() || inputs.len() > MAX_BATCH {
        return Err(FieldError::new(
            "",
            "invalid_length",
            format!("send 1 to {MAX_BATCH} responses"),
        )
        .into());
    }
    let code = &inputs[0].instrument;
    let instrument = match state.store.find_instrument(code).await {
        Ok(i) => i,
        Err(StoreError::NotFound) => {
            return Err(FieldError::new(
                prefixed(batch, 0, "instrument"),
                "unknown",
                "no instrument has this code or id",
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    if !instrument.active {
        return Err(FieldError::new(
            prefixed(batch, 0, "instrument"),
            "inactive",
            "this instrument accepts no new responses",
        )
        .into());
    }
    let def_instrument = instrument.clone();
    let now = change.at;
    let responses = tokio::task::spawn_blocking(move || {
        let mut errors = Vec::new();
        let mut out = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let prefix = if batch {
                format!("[{i}].")
            } else {
                String::new()
            };
            if input.instrument != def_instrument.code
                && input.instrument != def_instrument.id.to_string()
            {
                errors.push(FieldError::new(
                    format!("{prefix}instrument"),
                    "mixed_instruments",
                    "every response of a batch names the same instrument",
                ));
                continue;
            }
            match input.parse(
                &def_instrument.definition,
                &prefix,
                now,
                ResponseSource::Api,
            ) {
                Ok(r) => out.push(r),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(ApiError::Validation(errors))
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("response parser failed: {e}")))??;
    let stored = state
        .store
        .insert_responses(
            &change,
            user.actor.unit_scope(),
            &instrument,
            &responses,
            "",
        )
        .await
        .map_err(|e| batch_fields(e, batch))?;
    let opened = open_recovery_cases(&state, &instrument, &stored).await;
    if batch {
        Ok((
            StatusCode::CREATED,
            Json(ResponseBatchResult {
                count: stored.len(),
                ids: stored.iter().map(|r| r.id).collect(),
                cases_opened: opened.len(),
            }),
        )
            .into_response())
    } else {
        let mut one = stored.into_iter().next().expect("one response");
        one.recovery_case_id = opened.first().map(|(_, c)| *c);
        Ok((StatusCode::CREATED, Json(one)).into_response())
    }
}

/// Opens a recovery case for each response the instrument's rule finds too low, and links it
/// to the response. The responses are stored already: a case that cannot be opened is
/// logged, never a reason to lose the answer.
async fn open_recovery_cases(
    state: &AppState,
    instrument: &Instrument,
    responses: &[SurveyResponse],
) -> Vec<(Uuid, Uuid)> {
    let Some(rule) = &instrument.recovery_rule else {
        return Vec::new();
    };
    let def = &instrument.definition;
    let mut opened = Vec::new();
    for r in responses {
        let Ok(answers) = def.parse_answers("", &r.answers, r.importance.as_ref()) else {
            continue;
        };
        let Some(reason) = rule.triggered(def, &answers) else {
            continue;
        };
        let channel = match r.touchpoint_id {
            Some(tp) => state
                .store
                .get_touchpoint(tp)
                .await
                .map(|t| t.channel)
                .unwrap_or(Channel::Web),
            None => Channel::Web,
        };
        let mut description = format!(
            "Survey `{}` ({}): {reason}.",
            instrument.code, instrument.name.en
        );
        if let Some(c) = &r.comment {
            description.push_str("\n\n");
            description.push_str(c);
        }
        let severity = match Severity::parse("severity", i64::from(rule.severity)) {
            Ok(s) => s,
            Err(_) => continue,
        };
        let case = NewCase {
            kind: CaseKind::Failure,
            source: CaseSource::Survey,
            channel,
            unit_id: Some(r.unit_id),
            touchpoint_id: r.touchpoint_id,
            customer_id: r.customer_id,
            encounter_id: r.encounter_id,
            category: rule.category.clone(),
            severity,
            assignee_id: None,
            description: description.chars().take(10_000).collect(),
            occurred_at: r.submitted_at.min(Timestamp::now()),
            detected_at: Timestamp::now(),
        };
        let change = Change::system();
        match state.store.create_case(&change, None, &case).await {
            Ok(created) => {
                if let Err(e) = state
                    .store
                    .link_response_case(&change, r.id, created.id)
                    .await
                {
                    tracing::warn!(error = %e, response = %r.id, "could not link the recovery case");
                }
                opened.push((r.id, created.id));
            }
            Err(e) => {
                tracing::warn!(error = %e, response = %r.id, "a low survey score could not open a case")
            }
        }
    }
    opened
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResponseListQuery {
    /// Instrument code or id.
    pub instrument: Option<String>,
    /// Admins only: one unit (others always see their own unit's).
    pub unit_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Responses given at or after this instant (RFC 3339).
    pub from: Option<String>,
    /// Responses given before this instant (RFC 3339).
    pub to: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Lists responses, newest first.
#[utoipa::path(get, path = "/api/v1/survey-responses", tag = "surveys", params(ResponseListQuery),
    responses((status = 200, body = ListPage<SurveyResponse>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_responses(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<ResponseListQuery>,
) -> Result<Json<ListPage<SurveyResponse>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let mut v = Validation::new();
    let from = q
        .from
        .as_deref()
        .and_then(|t| v.check(Timestamp::parse("from", t)));
    let to =
        q.to.as_deref()
            .and_then(|t| v.check(Timestamp::parse("to", t)));
    v.finish(|| ())?;
    let filter = ResponseFilter {
        instrument: instrument_filter(&state, q.instrument.as_deref()).await?,
        unit: if user.actor.is_admin() {
            q.unit_id
        } else {
            user.actor.unit_id
        },
        touchpoint: q.touchpoint_id,
        customer: q.customer_id,
        from,
        to,
    };
    Ok(Json(
        state.store.list_responses(&filter, &page).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/survey-responses/{id}", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = SurveyResponse), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_response(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<SurveyResponse>, ApiError> {
    let r = state.store.get_response(id).await.about("response")?;
    if !user.actor.can_see_unit(r.unit_id) {
        return Err(ApiError::NotFound("response"));
    }
    Ok(Json(r))
}

// ---------------------------------------------------------------------------------------
// Import

/// A CSV of historic responses with its column mapping.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportInput {
    /// Instrument code or id.
    #[schema(example = "servqual")]
    pub instrument: String,
    /// The mapping file (TOML): which column holds which item; see the README.
    pub mapping: String,
    /// The CSV file, base64-encoded (UTF-8, UTF-8 with BOM, or CP949/EUC-KR).
    pub csv_base64: String,
    /// Import the good rows and report the bad ones, instead of importing nothing.
    #[serde(default)]
    pub skip_bad_rows: bool,
    /// Time zone of dates without an offset (default Asia/Seoul).
    #[serde(default)]
    #[schema(example = "Asia/Seoul")]
    pub time_zone: Option<String>,
    /// Open recovery cases for low scores, as for new responses (default false: history).
    #[serde(default)]
    pub open_cases: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    pub imported: usize,
    pub summary: ImportSummary,
    pub cases_opened: usize,
}

/// Imports historic responses from a CSV with a column mapping. The encoding is detected
/// (UTF-8, UTF-8 with BOM, CP949/EUC-KR) and reported. Bad rows are reported by line and
/// column; nothing is imported unless `skip_bad_rows` is set, and then the summary says how
/// many rows were skipped and why. Managers import for their own unit.
#[utoipa::path(post, path = "/api/v1/survey-imports", tag = "surveys", request_body = ImportInput,
    responses((status = 201, body = ImportResult),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem, description = "Bad rows (listed in `errors` as `line N, column`), a bad mapping or file")))]
async fn import_responses(
    State(state): State<AppState>,
    user: Manager,
    ApiJson(input): ApiJson<ImportInput>,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let instrument = match state.store.find_instrument(&input.instrument).await {
        Ok(i) => i,
        Err(StoreError::NotFound) => {
            return Err(FieldError::new(
                "instrument",
                "unknown",
                "no instrument has this code or id",
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    let tz: chrono_tz::Tz = match input.time_zone.as_deref() {
        None => chrono_tz::Asia::Seoul,
        Some(t) => t.parse().map_err(|_| {
            ApiError::from(FieldError::new(
                "time_zone",
                "invalid_value",
                "expected an IANA time zone such as Asia/Seoul",
            ))
        })?,
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(input.csv_base64.trim())
        .map_err(|_| {
            ApiError::from(FieldError::new(
                "csv_base64",
                "invalid_value",
                "must be the file in standard base64",
            ))
        })?;
    let def_instrument = instrument.clone();
    let mapping_text = input.mapping;
    let skip = input.skip_bad_rows;
    let parsed = tokio::task::spawn_blocking(move || {
        let mapping =
            rapport_domain::survey_import::parse_mapping(&mapping_text).map_err(ApiError::from)?;
        let options = ImportOptions {
            skip_bad_rows: skip,
            default_time_zone: tz,
            max_rows: MAX_IMPORT_ROWS,
        };
        rapport_domain::survey_import::parse_csv(
            &def_instrument.definition,
            &mapping,
            &bytes,
            &options,
        )
        .map_err(import_error)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("import parser failed: {e}")))??;
    let (rows, summary) = parsed;
    let change = user.change();
    let now = change.at;
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    let responses: Vec<NewResponse> = rows
        .into_iter()
        .map(|row| NewResponse {
            unit_id: row.unit_id,
            touchpoint_id: row.touchpoint_id,
            customer_id: row.customer_id,
            encounter_id: None,
            case_id: None,
            locale: row.locale,
            source: ResponseSource::Import,
            external_id: row.external_id,
            submitted_at: row.submitted_at.unwrap_or(now),
            answers: row.answers,
            comment: row.comment,
        })
        .collect();
    let stored = state
        .store
        .insert_responses(
            &change,
            user.actor.unit_scope(),
            &instrument,
            &responses,
            "",
        )
        .await
        .map_err(|e| by_line(e, &lines))?;
    let opened = if input.open_cases {
        open_recovery_cases(&state, &instrument, &stored)
            .await
            .len()
    } else {
        0
    };
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            imported: stored.len(),
            summary,
            cases_opened: opened,
        }),
    ))
}

/// Names the store's `[i].field` errors by the CSV line of row `i`.
fn by_line(e: StoreError, lines: &[u64]) -> ApiError {
    let fix = |errors: Vec<FieldError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|mut f| {
                if let Some(rest) = f.field.strip_prefix('[')
                    && let Some((i, name)) = rest.split_once("].")
                    && let Ok(i) = i.parse::<usize>()
                    && let Some(line) = lines.get(i)
                {
                    f.field = format!("line {line}, {name}");
                }
                f
            })
            .collect()
    };
    match e {
        StoreError::Invalid(errors) => ApiError::Validation(fix(errors)),
        StoreError::Forbidden(errors) => {
            ApiError::Forbidden("rows belong to another unit".into(), fix(errors))
        }
        other => other.into(),
    }
}

fn import_error(e: ImportError) -> ApiError {
    match e {
        ImportError::File(f) => ApiError::Validation(vec![f]),
        ImportError::Rows(summary) => ApiError::Validation(
            summary
                .problems
                .iter()
                .map(|p| {
                    FieldError::new(
                        match &p.column {
                            Some(c) => format!("line {}, {c}", p.line),
                            None => format!("line {}", p.line),
                        },
                        &p.code,
                        p.message.clone(),
                    )
                })
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Reports

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SurveyReportQuery {
    /// Instrument code or id (default `servqual` for the SERVQUAL report; all CSAT, NPS and
    /// effort instruments for the satisfaction report).
    pub instrument: Option<String>,
    /// First day (YYYY-MM-DD, the unit's local date); default 364 days before `to`.
    pub from: Option<String>,
    /// Last day, included (YYYY-MM-DD); default today in the unit's time zone (without a
    /// unit: the latest date anywhere, UTC+14, so that no answer given today is left out).
    pub to: Option<String>,
    /// Admins only: one unit (others always get their own unit's).
    pub unit_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    /// Only touchpoints of this contact level (high, medium, low).
    pub level: Option<String>,
    /// Only customers of this tier (standard, silver, gold, vip, or none).
    pub tier: Option<String>,
    /// Add a trend by `week` or `month`.
    pub trend: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// The filters a report was computed with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportScope {
    pub instrument: String,
    pub from: String,
    pub to: String,
    pub unit_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    pub level: Option<ContactLevel>,
    pub tier: Option<String>,
    pub trend: Option<String>,
    /// Statistics rows merged (groups of touchpoint, tier and period), not responses.
    pub groups_read: usize,
}

/// One point of a trend.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    /// First day of the week or month (clipped to the report's period).
    pub from: String,
    pub to: String,
    pub figures: Headline,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyReport {
    pub scope: ReportScope,
    pub instrument_name: LocalizedName,
    pub kind: InstrumentKind,
    pub report: InstrumentReport,
    /// Present when a trend was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Vec<TrendPoint>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SatisfactionReport {
    pub instruments: Vec<SurveyReport>,
}

struct Filters {
    from: i64,
    to: i64,
    unit: Option<Uuid>,
    touchpoint: Option<Uuid>,
    level: Option<ContactLevel>,
    tier: Option<String>,
    trend: Option<Grain>,
    csv: bool,
}

fn parse_day(field: &str, text: &str) -> Result<i64, FieldError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(rapport_store::day_number)
        .map_err(|_| FieldError::new(field, "invalid_date", "expected a date as YYYY-MM-DD"))
}

/// `unit_scope`: the only unit a non-admin may see; `None` for admins (and the CLI).
async fn report_filters(
    store: &dyn Store,
    unit_scope: Option<Uuid>,
    q: &SurveyReportQuery,
) -> Result<Filters, ApiError> {
    let mut v = Validation::new();
    let to = match &q.to {
        Some(t) => v.check(parse_day("to", t)),
        None => Some(rapport_store::day_number(
            report_today(store, unit_scope.or(q.unit_id)).await,
        )),
    };
    let from = match (&q.from, to) {
        (Some(f), _) => v.check(parse_day("from", f)),
        (None, Some(t)) => Some(t - 364),
        (None, None) => None,
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            v.push(FieldError::new(
                "from",
                "after_to",
                "`from` must not be after `to`",
            ));
        } else if t - f > 366 * 5 {
            v.push(FieldError::new(
                "from",
                "out_of_range",
                "a report covers at most five years",
            ));
        }
    }
    let level = match q.level.as_deref() {
        None => None,
        Some("high") => Some(ContactLevel::High),
        Some("medium") => Some(ContactLevel::Medium),
        Some("low") => Some(ContactLevel::Low),
        Some(_) => {
            v.push(FieldError::new(
                "level",
                "invalid_value",
                "expected high, medium or low",
            ));
            None
        }
    };
    let tier = match q.tier.as_deref() {
        None => None,
        Some("none") => Some("none".to_owned()),
        Some(t) => match Tier::ALL.iter().find(|x| x.as_str() == t) {
            Some(x) => Some(x.as_str().to_owned()),
            None => {
                v.push(FieldError::new(
                    "tier",
                    "invalid_value",
                    "expected standard, silver, gold, vip or none",
                ));
                None
            }
        },
    };
    let trend = match q.trend.as_deref() {
        None => None,
        Some("week") => Some(Grain::Week),
        Some("month") => Some(Grain::Month),
        Some(_) => {
            v.push(FieldError::new(
                "trend",
                "invalid_value",
                "expected week or month",
            ));
            None
        }
    };
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            v.push(FieldError::new(
                "format",
                "invalid_value",
                "expected json or csv",
            ));
            false
        }
    };
    v.finish(|| Filters {
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        unit: unit_scope.or(q.unit_id),
        touchpoint: q.touchpoint_id,
        level,
        tier,
        trend,
        csv,
    })
    .map_err(ApiError::Validation)
}

/// The day ranges of the trend's buckets, clipped to the period (one bucket without a trend).
fn buckets(from: i64, to: i64, trend: Option<Grain>) -> Vec<(i64, i64)> {
    let Some(grain) = trend else {
        return vec![(from, to)];
    };
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let next = match grain {
            Grain::Week => rapport_store::week_of(d) + 7,
            _ => rapport_store::month_first_day(rapport_store::month_of(d) + 1),
        };
        out.push((d, (next - 1).min(to)));
        d = next;
    }
    out
}

/// Merges the statistics of the filter, per trend bucket, from the pre-aggregated rows.
async fn compute(
    store: &dyn Store,
    instrument: &Instrument,
    f: &Filters,
) -> Result<(SurveyStats, Vec<((i64, i64), SurveyStats)>, usize), ApiError> {
    let touchpoints = match (f.touchpoint, f.level) {
        (Some(tp), _) => {
            let t = store.get_touchpoint(tp).await.about("touchpoint")?;
            if f.unit.is_some_and(|u| u != t.unit_id) || f.level.is_some_and(|l| l != t.level) {
                Some(Vec::new())
            } else {
                Some(vec![tp])
            }
        }
        (None, Some(level)) => {
            let mut ids = Vec::new();
            let mut page = rapport_store::PageRequest::first(1000);
            loop {
                let p = store
                    .list_touchpoints(
                        &TouchpointFilter {
                            unit: f.unit,
                            channel: None,
                        },
                        &page,
                    )
                    .await?;
                ids.extend(p.items.iter().filter(|t| t.level == level).map(|t| t.id));
                match p.next_cursor {
                    Some(c) => {
                        page = rapport_store::PageRequest::parse(Some(&c), Some(1000))
                            .map_err(ApiError::Validation)?
                    }
                    None => break,
                }
            }
            Some(ids)
        }
        (None, None) => None,
    };
    let buckets = buckets(f.from, f.to, f.trend);
    let mut all = Vec::new();
    for (a, b) in &buckets {
        all.extend(rapport_store::cover(*a, *b));
    }
    let query = StatsQuery {
        instrument_id: instrument.id,
        ranges: rapport_store::ranges(&all),
        units: f.unit.map(|u| vec![u]),
        touchpoints,
        tiers: f.tier.clone().map(|t| vec![t]),
    };
    let rows = store.survey_stats(&query).await?;
    let layout = StatsLayout::new(&instrument.definition);
    let starts: Vec<i64> = buckets.iter().map(|(a, _)| *a).collect();
    let mut per_bucket: Vec<SurveyStats> = buckets
        .iter()
        .map(|_| SurveyStats::empty(&layout))
        .collect();
    for row in &rows {
        let day = rapport_store::bucket_start(row.grain, row.period);
        let idx = match starts.binary_search(&day) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let stats = SurveyStats::from_bytes(&layout, &row.data)
            .map_err(|e| ApiError::Internal(format!("survey statistics: {e}")))?;
        per_bucket[idx].merge(&stats);
    }
    let mut total = SurveyStats::empty(&layout);
    for b in &per_bucket {
        total.merge(b);
    }
    Ok((
        total,
        buckets.into_iter().zip(per_bucket).collect(),
        rows.len(),
    ))
}

fn date_text(day: i64) -> String {
    rapport_store::day_date(day).format("%Y-%m-%d").to_string()
}

async fn build_report(
    store: &dyn Store,
    instrument: &Instrument,
    f: &Filters,
    q: &SurveyReportQuery,
) -> Result<SurveyReport, ApiError> {
    let (total, buckets, groups) = compute(store, instrument, f).await?;
    let def = &instrument.definition;
    let trend = f.trend.map(|_| {
        buckets
            .iter()
            .map(|((a, b), s)| TrendPoint {
                from: date_text(*a),
                to: date_text(*b),
                figures: rapport_domain::survey_stats::headline(def, s),
            })
            .collect()
    });
    Ok(SurveyReport {
        scope: ReportScope {
            instrument: instrument.code.clone(),
            from: date_text(f.from),
            to: date_text(f.to),
            unit_id: f.unit,
            touchpoint_id: f.touchpoint,
            level: f.level,
            tier: f.tier.clone(),
            trend: q.trend.clone(),
            groups_read: groups,
        },
        instrument_name: instrument.name.clone(),
        kind: instrument.kind,
        report: rapport_domain::survey_stats::report(def, &total),
        trend,
    })
}

/// Adds the trend to a report's CSV, in the same long format.
fn report_csv(instrument: &Instrument, r: &SurveyReport) -> String {
    let mut out = rapport_domain::survey_stats::report_csv(&instrument.definition, &r.report);
    if let Some(trend) = &r.trend {
        for p in trend {
            let figures = serde_json::to_value(&p.figures).unwrap_or_default();
            if let Some(map) = figures.as_object() {
                flatten_csv(&mut out, &format!("trend {}..{}", p.from, p.to), "", map);
            }
        }
    }
    out
}

fn flatten_csv(
    out: &mut String,
    scope: &str,
    path: &str,
    map: &serde_json::Map<String, serde_json::Value>,
) {
    for (k, v) in map {
        let key = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match v {
            serde_json::Value::Object(m) => flatten_csv(out, scope, &key, m),
            serde_json::Value::Null => out.push_str(&format!("{scope},,,{key},\n")),
            other => out.push_str(&format!("{scope},,,{key},{other}\n")),
        }
    }
}

/// The default last day of a report: today in the unit's time zone. Answers are filed under
/// the unit's local date, so a UTC "today" would leave out the evening's answers of units
/// ahead of UTC. Without a unit (or an unknown one, which the report itself rejects), the
/// latest date anywhere (UTC+14).
async fn report_today(store: &dyn Store, unit: Option<Uuid>) -> chrono::NaiveDate {
    let now = chrono::Utc::now();
    let zone = match unit {
        Some(id) => store
            .get_unit(id)
            .await
            .ok()
            .and_then(|u| u.time_zone.parse::<chrono_tz::Tz>().ok()),
        None => None,
    };
    match zone {
        Some(tz) => now.with_timezone(&tz).date_naive(),
        None => (now + chrono::Duration::hours(14)).date_naive(),
    }
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Servqual,
    Satisfaction,
}

/// A report as the API answers it: JSON, or CSV with `format=csv`. Also used by
/// `rapport survey report`. `unit_scope` confines a non-admin to their unit.
pub async fn survey_report(
    store: &dyn Store,
    unit_scope: Option<Uuid>,
    kind: ReportKind,
    q: &SurveyReportQuery,
) -> Result<(bool, String), ApiError> {
    let f = report_filters(store, unit_scope, q).await?;
    let reports = reports_for(store, kind, &f, q).await?;
    let mut csv = String::new();
    if f.csv {
        for (instrument, r) in &reports {
            let text = report_csv(instrument, r);
            if kind == ReportKind::Servqual {
                csv = text;
            } else {
                // One header for the whole file; each instrument's rows name it first.
                for (n, line) in text.lines().enumerate() {
                    if n == 0 {
                        if csv.is_empty() {
                            csv.push_str("instrument,");
                            csv.push_str(line);
                            csv.push('\n');
                        }
                    } else {
                        csv.push_str(&instrument.code);
                        csv.push(',');
                        csv.push_str(line);
                        csv.push('\n');
                    }
                }
            }
        }
        return Ok((true, csv));
    }
    let mut reports: Vec<SurveyReport> = reports.into_iter().map(|(_, r)| r).collect();
    let json = match kind {
        ReportKind::Servqual => serde_json::to_string(&reports.remove(0)),
        ReportKind::Satisfaction => serde_json::to_string(&SatisfactionReport {
            instruments: reports,
        }),
    }
    .map_err(|e| ApiError::Internal(format!("report serialization: {e}")))?;
    Ok((false, json))
}

/// The same reports as [`survey_report`], as values with their instruments (the quality
/// pages render them): the SERVQUAL report, or one report per satisfaction instrument.
pub async fn survey_reports(
    store: &dyn Store,
    unit_scope: Option<Uuid>,
    kind: ReportKind,
    q: &SurveyReportQuery,
) -> Result<Vec<(std::sync::Arc<Instrument>, SurveyReport)>, ApiError> {
    let f = report_filters(store, unit_scope, q).await?;
    reports_for(store, kind, &f, q).await
}

async fn reports_for(
    store: &dyn Store,
    kind: ReportKind,
    f: &Filters,
    q: &SurveyReportQuery,
) -> Result<Vec<(std::sync::Arc<Instrument>, SurveyReport)>, ApiError> {
    let unknown = |e: StoreError| match e {
        StoreError::NotFound => ApiError::from(FieldError::new(
            "instrument",
            "unknown",
            "no instrument has this code or id",
        )),
        other => other.into(),
    };
    let instruments: Vec<_> = match (kind, &q.instrument) {
        (_, Some(code)) => vec![store.find_instrument(code).await.map_err(unknown)?],
        (ReportKind::Servqual, None) => {
            vec![store.find_instrument("servqual").await.map_err(unknown)?]
        }
        (ReportKind::Satisfaction, None) => store
            .list_instruments(false)
            .await?
            .into_iter()
            .filter(|i| {
                matches!(
                    i.kind,
                    InstrumentKind::Csat | InstrumentKind::Nps | InstrumentKind::Effort
                )
            })
            .collect(),
    };
    let mut reports = Vec::with_capacity(instruments.len());
    for instrument in instruments {
        let r = build_report(store, &instrument, f, q).await?;
        reports.push((instrument, r));
    }
    Ok(reports)
}

fn report_response((csv, text): (bool, String)) -> Response {
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

/// The SERVQUAL report: per item and dimension n, mean expectation and perception, gap
/// (P − E) and standard deviations; the unweighted and importance-weighted SERVQUAL scores;
/// Cronbach's alpha per dimension (raw and standardized, 95% Feldt interval) with corrected
/// item–total correlations; the importance–performance grid; and a trend by week or month.
/// Computed from statistics kept per touchpoint and day, never from the raw responses.
#[utoipa::path(get, path = "/api/v1/reports/servqual", tag = "reports", params(SurveyReportQuery),
    responses((status = 200, body = SurveyReport, description = "JSON, or CSV rows `scope,dimension,item,measure,value` with `format=csv`"),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn servqual_report(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<SurveyReportQuery>,
) -> Result<Response, ApiError> {
    let scope = if user.actor.is_admin() {
        None
    } else {
        user.actor.unit_id
    };
    Ok(report_response(
        survey_report(state.store.as_ref(), scope, ReportKind::Servqual, &q).await?,
    ))
}

/// The satisfaction report: CSAT (share answering 4–5, and mean), NPS (promoters 9–10 minus
/// detractors 0–6) and customer effort, per instrument, with the same filters and trend.
#[utoipa::path(get, path = "/api/v1/reports/satisfaction", tag = "reports", params(SurveyReportQuery),
    responses((status = 200, body = SatisfactionReport, description = "JSON, or CSV rows `instrument,scope,dimension,item,measure,value` with `format=csv`"),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn satisfaction_report(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<SurveyReportQuery>,
) -> Result<Response, ApiError> {
    let scope = if user.actor.is_admin() {
        None
    } else {
        user.actor.unit_id
    };
    Ok(report_response(
        survey_report(state.store.as_ref(), scope, ReportKind::Satisfaction, &q).await?,
    ))
}

// ---------------------------------------------------------------------------------------
// The public form

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    pub lang: Option<String>,
}

/// The headers of every public page (also the complaint form's): no caching, no referrer,
/// a CSP that allows no script at all.
pub(crate) fn page_response(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            // The token is in the address: never send it on as a referrer.
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        Html(html),
    )
        .into_response()
}

fn choose_locale(lang: Option<&str>, invitation: Option<&Invitation>) -> Locale {
    lang.and_then(Locale::from_str_opt)
        .or(invitation.map(|i| i.locale))
        .unwrap_or_default()
}

/// What the link points at, or the page that says why it cannot be answered.
async fn open_invitation(
    state: &AppState,
    token: &str,
    lang: Option<&str>,
) -> Result<(Invitation, std::sync::Arc<Instrument>, LocalizedName), Response> {
    use crate::survey_form::{Gone, render_gone};
    let found = if token.len() <= 100 {
        state
            .store
            .invitation_by_token(&hash_token(token))
            .await
            .map_err(|e| ApiError::from(e).into_response())?
    } else {
        None
    };
    let Some(invitation) = found else {
        let locale = choose_locale(lang, None);
        return Err(page_response(
            StatusCode::NOT_FOUND,
            render_gone(locale, Gone::NotFound),
        ));
    };
    let locale = choose_locale(lang, Some(&invitation));
    match invitation.status {
        rapport_domain::survey::InvitationStatus::Open => {}
        rapport_domain::survey::InvitationStatus::Answered => {
            return Err(page_response(
                StatusCode::CONFLICT,
                render_gone(locale, Gone::Used),
            ));
        }
        rapport_domain::survey::InvitationStatus::Expired => {
            return Err(page_response(
                StatusCode::GONE,
                render_gone(locale, Gone::Expired),
            ));
        }
    }
    let instrument = state
        .store
        .get_instrument(invitation.instrument_id)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let unit = state
        .store
        .get_unit(invitation.unit_id)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok((invitation, instrument, unit.name))
}

fn new_submission_id() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Shows the form. Opening the link records nothing (mail scanners open links too).
async fn show_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<FormQuery>,
) -> Response {
    let (invitation, instrument, business) =
        match open_invitation(&state, &token, q.lang.as_deref()).await {
            Ok(x) => x,
            Err(page) => return page,
        };
    let locale = choose_locale(q.lang.as_deref(), Some(&invitation));
    let values = crate::survey_form::FormValues {
        answers: BTreeMap::new(),
        importance: BTreeMap::new(),
        comment: String::new(),
    };
    let submission = new_submission_id();
    let html = crate::survey_form::render_form(&crate::survey_form::FormPage {
        token: &token,
        locale,
        title: &instrument.name,
        business: &business,
        def: &instrument.definition,
        values: &values,
        errors: &[],
        submission: &submission,
    });
    page_response(StatusCode::OK, html)
}

/// Records the answer once. The same submission again (double click, retry) gets the
/// thank-you page; a second, different answer gets the "already answered" page (409).
async fn submit_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::extract::Query(q): axum::extract::Query<FormQuery>,
    body: Bytes,
) -> Response {
    use crate::survey_form::{Gone, render_gone, render_thanks};
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let lang = fields
        .iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.clone())
        .or(q.lang.clone());
    let found = state.store.invitation_by_token(&hash_token(&token)).await;
    let invitation = match found {
        Ok(Some(i)) => i,
        Ok(None) => {
            return page_response(
                StatusCode::NOT_FOUND,
                render_gone(choose_locale(lang.as_deref(), None), Gone::NotFound),
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let locale = choose_locale(lang.as_deref(), Some(&invitation));
    let instrument = match state.store.get_instrument(invitation.instrument_id).await {
        Ok(i) => i,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let business = match state.store.get_unit(invitation.unit_id).await {
        Ok(u) => u.name,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let def = &instrument.definition;
    let parsed = crate::survey_form::parse_form(def, &fields);
    let mut errors = parsed.errors.clone();
    errors.extend(crate::survey_form::required_errors(def, &parsed.values));
    let mut answers = None;
    if errors.is_empty() {
        match def.parse_answers("", &parsed.values.answers, parsed.values.importance_given()) {
            Ok(a) => answers = Some(a),
            Err(e) => errors.extend(e),
        }
        if parsed.values.comment.chars().count() > rapport_domain::survey::COMMENT_MAX {
            errors.push(FieldError::new(
                "comment",
                "too_long",
                "the comment is too long",
            ));
        }
    }
    let Some(answers) = answers.filter(|_| errors.is_empty()) else {
        // A repeat of an answered form shows the thank-you page, not errors.
        if invitation.status == rapport_domain::survey::InvitationStatus::Answered {
            let status = if invitation.submission.as_deref() == Some(parsed.submission.as_str()) {
                return page_response(StatusCode::OK, render_thanks(locale, &business, &token));
            } else {
                StatusCode::CONFLICT
            };
            return page_response(status, render_gone(locale, Gone::Used));
        }
        let html = crate::survey_form::render_form(&crate::survey_form::FormPage {
            token: &token,
            locale,
            title: &instrument.name,
            business: &business,
            def,
            values: &parsed.values,
            errors: &errors,
            submission: &parsed.submission,
        });
        return page_response(StatusCode::UNPROCESSABLE_ENTITY, html);
    };
    let comment = Some(parsed.values.comment.trim().to_owned()).filter(|c| !c.is_empty());
    let response = NewResponse {
        unit_id: Some(invitation.unit_id),
        touchpoint_id: invitation.touchpoint_id,
        customer_id: invitation.customer_id,
        encounter_id: invitation.encounter_id,
        case_id: invitation.case_id,
        locale: Some(locale),
        source: ResponseSource::Form,
        external_id: None,
        submitted_at: Timestamp::now(),
        answers,
        comment,
    };
    let submission = if parsed.submission.is_empty() {
        new_submission_id()
    } else {
        parsed.submission.chars().take(64).collect()
    };
    match state
        .store
        .answer_invitation(&invitation, &instrument, &submission, &response)
        .await
    {
        Ok(rapport_store::AnswerOutcome::Recorded(stored)) => {
            open_recovery_cases(&state, &instrument, std::slice::from_ref(&stored)).await;
            page_response(StatusCode::OK, render_thanks(locale, &business, &token))
        }
        Ok(rapport_store::AnswerOutcome::Repeated(_)) => {
            page_response(StatusCode::OK, render_thanks(locale, &business, &token))
        }
        Ok(rapport_store::AnswerOutcome::Used) => {
            page_response(StatusCode::CONFLICT, render_gone(locale, Gone::Used))
        }
        Ok(rapport_store::AnswerOutcome::Expired) => {
            page_response(StatusCode::GONE, render_gone(locale, Gone::Expired))
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
