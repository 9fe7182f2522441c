//! Recovery cases: the resource, its stage actions, messages, recovery actions and approvals,
//! notifications and the recovery report.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rapport_domain::case::{
    CaseAction, CaseInput, CaseUpdateInput, MessageKind, Priority, RecoveryKind, Stage,
};
use rapport_domain::money::MoneyDto;
use rapport_domain::{FieldError, Money, Timestamp, Validation};
use rapport_store::{
    Case, CaseCommand, CaseEvent, CaseFilter, CaseMessage, NewRecoveryAction, Notification,
    RecoveryAction, RecoverySummary, SummaryFilter,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{ListPage, no_version, page, required_version};
use crate::AppState;
use crate::auth::{Agent, Manager, Viewer};
use crate::error::{ApiError, Context, Problem};
use crate::extract::{ApiJson, ApiQuery, PathId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, create_case))
        .routes(routes!(get_case, update_case))
        .routes(routes!(acknowledge))
        .routes(routes!(respond))
        .routes(routes!(wait_for_customer))
        .routes(routes!(customer_replied))
        .routes(routes!(resolve))
        .routes(routes!(complete_follow_up))
        .routes(routes!(close))
        .routes(routes!(reopen))
        .routes(routes!(history))
        .routes(routes!(case_templates))
        .routes(routes!(list_messages, add_message))
        .routes(routes!(list_actions, request_action))
        .routes(routes!(invoke_guarantee))
        .routes(routes!(list_approvals))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(list_notifications))
        .routes(routes!(recovery_report))
}

pub(crate) const MAX_TEXT: usize = 10_000;

// ---- shared with the staff pages (`ui::cases`) ----------------------------------------

/// A required free text of a case: up to 10,000 characters, not blank.
pub(crate) fn required_text(field: &str, value: &str) -> Result<String, FieldError> {
    let t = rapport_domain::text::free_text(field, value, MAX_TEXT)?;
    if t.trim().is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    Ok(t)
}

/// An optional free text of a case: blank is absent.
pub(crate) fn optional_text(
    field: &str,
    value: Option<&str>,
) -> Result<Option<String>, FieldError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(Some(required_text(field, v)?)),
        _ => Ok(None),
    }
}

fn text(field: &str, value: &str) -> Result<String, ApiError> {
    Ok(required_text(field, value)?)
}

/// What a stage action carries, as typed: the same rules for JSON bodies and page forms.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ActionFields<'a> {
    pub note: Option<&'a str>,
    pub body: Option<&'a str>,
    pub summary: Option<&'a str>,
    pub satisfaction: Option<i64>,
    pub root_cause: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// The command for a stage action, or every field error of its input (in field order).
pub(crate) fn case_command(
    action: CaseAction,
    f: &ActionFields,
) -> Result<CaseCommand, Vec<FieldError>> {
    let mut v = Validation::new();
    let command = match action {
        CaseAction::Acknowledge => v
            .check(optional_text("note", f.note))
            .map(|note| CaseCommand::Acknowledge { note }),
        CaseAction::Respond => v
            .check(required_text("body", f.body.unwrap_or_default()))
            .map(|body| CaseCommand::Respond { body }),
        CaseAction::WaitForCustomer => v
            .check(optional_text("note", f.note))
            .map(|note| CaseCommand::WaitForCustomer { note }),
        CaseAction::CustomerReplied => v
            .check(optional_text("body", f.body))
            .map(|body| CaseCommand::CustomerReplied { body }),
        CaseAction::Resolve => v
            .check(required_text("summary", f.summary.unwrap_or_default()))
            .map(|summary| CaseCommand::Resolve { summary }),
        CaseAction::CompleteFollowUp => {
            let satisfaction = v.check(match f.satisfaction {
                None => Ok(None),
                Some(s @ 1..=5) => Ok(Some(s as u8)),
                Some(_) => Err(FieldError::new(
                    "satisfaction",
                    "out_of_range",
                    "satisfaction is 1 to 5",
                )),
            });
            let note = v.check(optional_text("note", f.note));
            satisfaction
                .zip(note)
                .map(|(satisfaction, note)| CaseCommand::CompleteFollowUp { satisfaction, note })
        }
        CaseAction::Close => {
            let root_cause = v.check(rapport_domain::text::required_line(
                "root_cause",
                f.root_cause.unwrap_or_default(),
                60,
            ));
            let note = v.check(required_text("note", f.note.unwrap_or_default()));
            root_cause
                .zip(note)
                .map(|(root_cause, note)| CaseCommand::Close { root_cause, note })
        }
        CaseAction::Reopen => v
            .check(required_text("reason", f.reason.unwrap_or_default()))
            .map(|reason| CaseCommand::Reopen { reason }),
    };
    match command {
        Some(c) if v.is_empty() => Ok(c),
        _ => Err(v.into_errors()),
    }
}

/// A recovery action from what was typed; `v` holds the errors of the amount already read.
pub(crate) fn new_recovery_action(
    kind: RecoveryKind,
    amount: Option<Money>,
    note: &str,
    mut v: Validation,
) -> Result<NewRecoveryAction, Vec<FieldError>> {
    let note = v.check(rapport_domain::text::free_text("note", note, MAX_TEXT));
    v.finish(|| NewRecoveryAction {
        kind,
        amount,
        note: note.unwrap(),
        guarantee_id: None,
    })
}

/// Loads a case; one of another unit is `NotFound` for those outside it.
pub(crate) async fn load_visible_case(
    state: &AppState,
    actor: &rapport_domain::org::Actor,
    id: Uuid,
) -> Result<Case, rapport_store::StoreError> {
    let case = state.store.get_case(id).await?;
    if !actor.can_see_unit(case.unit_id) {
        return Err(rapport_store::StoreError::NotFound);
    }
    Ok(case)
}

/// Loads a case and hides it from those outside its unit.
async fn visible_case(
    state: &AppState,
    actor: &rapport_domain::org::Actor,
    id: Uuid,
) -> Result<Case, ApiError> {
    load_visible_case(state, actor, id).await.about("case")
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Admins only: one unit's cases (others always see their own unit's).
    pub unit_id: Option<Uuid>,
    pub stage: Option<Stage>,
    /// Only cases not closed.
    pub open: Option<bool>,
    pub assignee_id: Option<Uuid>,
    /// Only cases assigned to me.
    pub mine: Option<bool>,
    pub priority: Option<Priority>,
    pub customer_id: Option<Uuid>,
    /// Only cases that missed (true) or met every target so far (false).
    pub breached: Option<bool>,
    /// Only cases past a warning and not yet breached.
    pub at_risk: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Lists cases by nearest SLA deadline (cases with no running clock last).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListQuery),
    responses((status = 200, body = ListPage<Case>), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_cases(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<ListPage<Case>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    let filter = CaseFilter {
        unit: if user.actor.is_admin() {
            q.unit_id
        } else {
            user.actor.unit_id
        },
        stage: q.stage,
        open_only: q.open.unwrap_or(false),
        assignee: if q.mine == Some(true) {
            Some(user.actor.employee_id)
        } else {
            q.assignee_id
        },
        priority: q.priority,
        customer: q.customer_id,
        breached: q.breached,
        at_risk: q.at_risk,
    };
    Ok(Json(state.store.list_cases(&filter, &page).await?.into()))
}

/// Opens a case for a service failure (or an after-sales request). Its SLA clocks start at
/// `detected_at` under the first matching policy.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = Case), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create_case(
    State(state): State<AppState>,
    user: Agent,
    ApiJson(input): ApiJson<CaseInput>,
) -> Result<(StatusCode, Json<Case>), ApiError> {
    no_version(input.version)?;
    let change = user.change();
    let case = input.parse(change.at)?;
    let created = state
        .store
        .create_case(&change, user.actor.unit_scope(), &case)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = Case), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_case(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(visible_case(&state, &user.actor, id).await?))
}

/// Corrects category, severity, assignee, customer or description. Stages move only through
/// the actions.
#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path)),
    request_body = CaseUpdateInput,
    responses((status = 200, body = Case), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_case(
    State(state): State<AppState>,
    user: Agent,
    PathId(id): PathId,
    ApiJson(input): ApiJson<CaseUpdateInput>,
) -> Result<Json<Case>, ApiError> {
    let version = required_version(Some(input.version))?;
    let update = input.parse()?;
    Ok(Json(
        state
            .store
            .update_case(
                &user.change(),
                user.actor.unit_scope(),
                id,
                version,
                &update,
            )
            .await
            .about("case")?,
    ))
}

async fn act(
    state: &AppState,
    user: &Agent,
    id: Uuid,
    version: Option<i64>,
    command: CaseCommand,
) -> Result<Json<Case>, ApiError> {
    Ok(Json(
        state
            .store
            .act_on_case(
                &user.change(),
                user.actor.unit_scope(),
                id,
                version,
                &command,
            )
            .await
            .about("case")?,
    ))
}

/// Optional `version`: when sent, the action applies only if nobody changed the case since.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[serde(default)]
    pub version: Option<i64>,
    /// An internal note kept with the action.
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    #[serde(default)]
    pub version: Option<i64>,
    #[schema(max_length = 10000)]
    pub body: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionalMessageBody {
    #[serde(default)]
    pub version: Option<i64>,
    /// What the customer said, kept as a customer message.
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub body: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    #[serde(default)]
    pub version: Option<i64>,
    /// What was done to put it right.
    #[schema(max_length = 10000)]
    pub summary: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    #[serde(default)]
    pub version: Option<i64>,
    /// The customer's satisfaction with the recovery, 1–5; absent when they could not be reached.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    #[serde(default)]
    pub version: Option<i64>,
    /// A root-cause code from the taxonomy.
    #[schema(example = "staffing")]
    pub root_cause: String,
    /// The root cause in the handler's words.
    #[schema(max_length = 10000)]
    pub note: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    #[serde(default)]
    pub version: Option<i64>,
    #[schema(max_length = 10000)]
    pub reason: String,
}

macro_rules! action_route {
    ($name:ident, $path:literal, $body:ty, $doc:literal, |$b:ident| $command:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "cases", params(("id" = Uuid, Path)), request_body = $body,
            responses((status = 200, body = Case), (status = 401, body = Problem), (status = 403, body = Problem),
                (status = 404, body = Problem),
                (status = 409, description = "Not allowed in the case's stage (the problem lists `allowed_actions`), or a stale `version`", body = Problem),
                (status = 422, body = Problem)))]
        async fn $name(
            State(state): State<AppState>,
            user: Agent,
            PathId(id): PathId,
            ApiJson($b): ApiJson<$body>,
        ) -> Result<Json<Case>, ApiError> {
            let version = $b.version;
            let command = $command.map_err(|mut e| ApiError::from(e.remove(0)))?;
            act(&state, &user, id, version, command).await
        }
    };
}

action_route!(
    acknowledge,
    "/api/v1/cases/{id}/acknowledge",
    NoteBody,
    "Acknowledges the failure: pre-recovery ends, immediate recovery begins.",
    |b| case_command(
        CaseAction::Acknowledge,
        &ActionFields {
            note: b.note.as_deref(),
            ..Default::default()
        }
    )
);
action_route!(
    respond,
    "/api/v1/cases/{id}/respond",
    MessageBody,
    "Sends a reply the customer sees; the first one sets the first response.",
    |b| case_command(
        CaseAction::Respond,
        &ActionFields {
            body: Some(&b.body),
            ..Default::default()
        }
    )
);
action_route!(
    wait_for_customer,
    "/api/v1/cases/{id}/wait-for-customer",
    NoteBody,
    "Waits on the customer: the SLA clocks pause.",
    |b| case_command(
        CaseAction::WaitForCustomer,
        &ActionFields {
            note: b.note.as_deref(),
            ..Default::default()
        }
    )
);
action_route!(
    customer_replied,
    "/api/v1/cases/{id}/customer-replied",
    OptionalMessageBody,
    "The customer answered: the SLA clocks run again.",
    |b| case_command(
        CaseAction::CustomerReplied,
        &ActionFields {
            body: b.body.as_deref(),
            ..Default::default()
        }
    )
);
action_route!(
    resolve,
    "/api/v1/cases/{id}/resolve",
    ResolveBody,
    "Resolves the case and schedules the follow-up after the policy's number of days.",
    |b| case_command(
        CaseAction::Resolve,
        &ActionFields {
            summary: Some(&b.summary),
            ..Default::default()
        }
    )
);
action_route!(
    complete_follow_up,
    "/api/v1/cases/{id}/follow-up",
    FollowUpBody,
    "Records the follow-up with the customer and their satisfaction with the recovery (1–5).",
    |b| case_command(
        CaseAction::CompleteFollowUp,
        &ActionFields {
            satisfaction: b.satisfaction,
            note: b.note.as_deref(),
            ..Default::default()
        }
    )
);
action_route!(
    close,
    "/api/v1/cases/{id}/close",
    CloseBody,
    "Closes the case with its root cause (a code from the taxonomy and free text).",
    |b| case_command(
        CaseAction::Close,
        &ActionFields {
            root_cause: Some(&b.root_cause),
            note: Some(&b.note),
            ..Default::default()
        }
    )
);
action_route!(
    reopen,
    "/api/v1/cases/{id}/reopen",
    ReopenBody,
    "Reopens a resolved or closed case: immediate recovery again, the resolve clock counting on.",
    |b| case_command(
        CaseAction::Reopen,
        &ActionFields {
            reason: Some(&b.reason),
            ..Default::default()
        }
    )
);

/// The case's history: every action, message, approval, warning and breach with its actor.
#[utoipa::path(get, path = "/api/v1/cases/{id}/history", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<CaseEvent>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn history(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Vec<CaseEvent>>, ApiError> {
    visible_case(&state, &user.actor, id).await?;
    Ok(Json(state.store.case_history(id).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/messages", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<CaseMessage>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn list_messages(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Vec<CaseMessage>>, ApiError> {
    visible_case(&state, &user.actor, id).await?;
    Ok(Json(state.store.list_case_messages(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// `note` (internal), `reply` (to the customer: same as the respond action) or
    /// `customer` (the customer's words; while the case waits on the customer, this is the
    /// customer-replied action and the clocks run again).
    pub kind: MessageKind,
    #[schema(max_length = 10000)]
    pub body: String,
}

/// Adds an internal note in any stage, a reply, or the customer's words.
#[utoipa::path(post, path = "/api/v1/cases/{id}/messages", tag = "cases", params(("id" = Uuid, Path)),
    request_body = NewMessage,
    responses((status = 201, body = Case, description = "The case after the message"), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn add_message(
    State(state): State<AppState>,
    user: Agent,
    PathId(id): PathId,
    ApiJson(m): ApiJson<NewMessage>,
) -> Result<(StatusCode, Json<Case>), ApiError> {
    let body = text("body", &m.body)?;
    let case = match m.kind {
        MessageKind::Note => {
            state
                .store
                .add_message(
                    &user.change(),
                    user.actor.unit_scope(),
                    id,
                    MessageKind::Note,
                    &body,
                )
                .await
                .about("case")?;
            state.store.get_case(id).await.about("case")?
        }
        MessageKind::Reply => {
            act(&state, &user, id, None, CaseCommand::Respond { body })
                .await?
                .0
        }
        MessageKind::Customer => {
            let current = visible_case(&state, &user.actor, id).await?;
            if current.waiting_on_customer {
                act(
                    &state,
                    &user,
                    id,
                    None,
                    CaseCommand::CustomerReplied { body: Some(body) },
                )
                .await?
                .0
            } else {
                state
                    .store
                    .add_message(
                        &user.change(),
                        user.actor.unit_scope(),
                        id,
                        MessageKind::Customer,
                        &body,
                    )
                    .await
                    .about("case")?;
                state.store.get_case(id).await.about("case")?
            }
        }
    };
    Ok((StatusCode::CREATED, Json(case)))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/recovery-actions", tag = "cases", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<RecoveryAction>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn list_actions(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
) -> Result<Json<Vec<RecoveryAction>>, ApiError> {
    visible_case(&state, &user.actor, id).await?;
    Ok(Json(state.store.list_recovery_actions(id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryActionInput {
    pub kind: RecoveryKind,
    /// Required for refund, discount, voucher and gift; optional (the cost) for redo,
    /// repair and exchange; absent for apology and explanation. In the unit's currency.
    #[serde(default)]
    pub amount: Option<MoneyDto>,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub note: String,
}

fn parse_amount(amount: &Option<MoneyDto>, v: &mut Validation) -> Option<Money> {
    amount.as_ref().and_then(|m| {
        v.check(Money::parse_non_negative(
            "amount",
            m.amount_minor,
            &m.currency,
        ))
    })
}

/// Records a recovery action. Within the actor's remaining authority it takes effect at
/// once; above it, it waits for a manager of the unit (`status = pending_approval`). An amount
/// outside the compensation guideline is flagged.
#[utoipa::path(post, path = "/api/v1/cases/{id}/recovery-actions", tag = "cases", params(("id" = Uuid, Path)),
    request_body = RecoveryActionInput,
    responses((status = 201, body = RecoveryAction), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn request_action(
    State(state): State<AppState>,
    user: Agent,
    PathId(id): PathId,
    ApiJson(input): ApiJson<RecoveryActionInput>,
) -> Result<(StatusCode, Json<RecoveryAction>), ApiError> {
    let mut v = Validation::new();
    let amount = parse_amount(&input.amount, &mut v);
    let action = new_recovery_action(input.kind, amount, &input.note, v)?;
    let created = state
        .store
        .request_recovery_action(&user.change(), &user.actor, id, &action)
        .await
        .about("case")?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvokeGuarantee {
    pub guarantee_id: Uuid,
    /// Needed when the guarantee sets no fixed payout.
    #[serde(default)]
    pub amount: Option<MoneyDto>,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub note: String,
}

/// Invokes a service guarantee on the case: its payout is a recovery action that takes effect
/// at once (a guarantee promises it without asking).
#[utoipa::path(post, path = "/api/v1/cases/{id}/guarantees", tag = "cases", params(("id" = Uuid, Path)),
    request_body = InvokeGuarantee,
    responses((status = 201, body = RecoveryAction), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn invoke_guarantee(
    State(state): State<AppState>,
    user: Agent,
    PathId(id): PathId,
    ApiJson(input): ApiJson<InvokeGuarantee>,
) -> Result<(StatusCode, Json<RecoveryAction>), ApiError> {
    let mut v = Validation::new();
    let amount = parse_amount(&input.amount, &mut v);
    let note = v.check(rapport_domain::text::free_text(
        "note",
        &input.note,
        MAX_TEXT,
    ));
    let action = v.finish(|| NewRecoveryAction {
        // Replaced by the guarantee's payout kind.
        kind: RecoveryKind::Refund,
        amount,
        note: note.unwrap(),
        guarantee_id: Some(input.guarantee_id),
    })?;
    let created = state
        .store
        .request_recovery_action(&user.change(), &user.actor, id, &action)
        .await
        .about("case")?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Recovery actions waiting for approval in my unit (all units for admins).
#[utoipa::path(get, path = "/api/v1/approvals", tag = "cases", params(PageQuery),
    responses((status = 200, body = ListPage<RecoveryAction>), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_approvals(
    State(state): State<AppState>,
    user: Manager,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListPage<RecoveryAction>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    Ok(Json(
        state
            .store
            .list_pending_approvals(user.actor.unit_scope(), &page)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[schema(max_length = 10000)]
    pub reason: String,
}

async fn decide(
    state: &AppState,
    user: &Agent,
    id: Uuid,
    approve: bool,
    body: &DecisionBody,
) -> Result<Json<RecoveryAction>, ApiError> {
    let reason = text("reason", &body.reason)?;
    Ok(Json(
        state
            .store
            .decide_recovery_action(&user.change(), &user.actor, id, approve, &reason)
            .await
            .about("recovery action")?,
    ))
}

/// Approves a pending recovery action (a manager of the case's unit or an admin, not the
/// requester); it takes effect now.
#[utoipa::path(post, path = "/api/v1/recovery-actions/{id}/approve", tag = "cases", params(("id" = Uuid, Path)),
    request_body = DecisionBody,
    responses((status = 200, body = RecoveryAction), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn approve(
    State(state): State<AppState>,
    user: Agent,
    PathId(id): PathId,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RecoveryAction>, ApiError> {
    decide(&state, &user, id, true, &body).await
}

/// Rejects a pending recovery action, with the reason.
#[utoipa::path(post, path = "/api/v1/recovery-actions/{id}/reject", tag = "cases", params(("id" = Uuid, Path)),
    request_body = DecisionBody,
    responses((status = 200, body = RecoveryAction), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn reject(
    State(state): State<AppState>,
    user: Agent,
    PathId(id): PathId,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RecoveryAction>, ApiError> {
    decide(&state, &user, id, false, &body).await
}

/// My notifications, newest first: SLA warnings and breaches, approvals requested and decided.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "cases", params(PageQuery),
    responses((status = 200, body = ListPage<Notification>), (status = 401, body = Problem)))]
async fn list_notifications(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListPage<Notification>>, ApiError> {
    let page = page(q.cursor.as_deref(), q.limit)?;
    Ok(Json(
        state
            .store
            .list_notifications(user.actor.employee_id, &page)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Admins only: one unit (others always get their own unit's).
    pub unit_id: Option<Uuid>,
    /// Cases detected from this instant (RFC 3339); default one year before `to`.
    pub from: Option<String>,
    /// Cases detected before this instant; default now.
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// The recovery summary: cases by stage, share found before any complaint, median and p90
/// time to acknowledge / first response / resolve (calendar seconds from detection), SLA
/// compliance per target, compensation, fairness per category (spread of compensation
/// among similar cases), post-recovery satisfaction, and Pareto of categories and root causes.
#[utoipa::path(get, path = "/api/v1/reports/recovery", tag = "reports", params(ReportQuery),
    responses((status = 200, body = RecoverySummary, description = "JSON, or CSV rows `metric,key,value` with `format=csv`"),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn recovery_report(
    State(state): State<AppState>,
    user: Viewer,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let mut v = Validation::new();
    let to = match &q.to {
        Some(t) => v.check(Timestamp::parse("to", t)),
        None => Some(Timestamp::now()),
    };
    let from = match (&q.from, to) {
        (Some(f), _) => v.check(Timestamp::parse("from", f)),
        (None, Some(to)) => Some(to.plus_seconds(-365 * 86_400)),
        (None, None) => None,
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
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        v.push(FieldError::new(
            "from",
            "after_to",
            "`from` must be before `to`",
        ));
    }
    let filter = v.finish(|| SummaryFilter {
        unit: if user.actor.is_admin() {
            q.unit_id
        } else {
            user.actor.unit_id
        },
        from: from.unwrap(),
        to: to.unwrap(),
    })?;
    let summary = state.store.recovery_summary(&filter).await?;
    if csv {
        Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            summary_csv(&summary),
        )
            .into_response())
    } else {
        Ok(Json(summary).into_response())
    }
}

/// One row per figure: `metric,key,value`.
fn summary_csv(s: &RecoverySummary) -> String {
    fn field(v: &str) -> String {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_owned()
        }
    }
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut push = |m: &str, k: &str, v: String| rows.push((m.to_owned(), k.to_owned(), v));
    let opt = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
    push("cases", "", s.cases.to_string());
    for st in &s.by_stage {
        push("cases_by_stage", st.stage.as_str(), st.cases.to_string());
    }
    push(
        "found_before_complaint",
        "",
        s.found_before_complaint.to_string(),
    );
    push(
        "found_before_complaint_share",
        "",
        opt(s.found_before_complaint_share),
    );
    for (name, d) in [
        ("time_to_acknowledge", &s.time_to_acknowledge),
        ("time_to_first_response", &s.time_to_first_response),
        ("time_to_resolve", &s.time_to_resolve),
    ] {
        push(name, "n", d.n.to_string());
        push(name, "median_seconds", opt(d.median_seconds));
        push(name, "p90_seconds", opt(d.p90_seconds));
    }
    for t in &s.sla {
        push("sla_measured", t.target.as_str(), t.measured.to_string());
        push("sla_met", t.target.as_str(), t.met.to_string());
        push("sla_compliance", t.target.as_str(), opt(t.compliance));
    }
    for c in &s.compensation {
        push(
            "compensation_total_minor",
            &c.currency,
            c.total_minor.to_string(),
        );
        push(
            "compensation_per_case_minor",
            &c.currency,
            format!("{}", c.per_case_minor),
        );
    }
    for f in &s.fairness {
        push("fairness_cv", &f.category, opt(f.figure.cv));
    }
    push("satisfaction_n", "", s.satisfaction.n.to_string());
    push("satisfaction_mean", "", opt(s.satisfaction.mean));
    for (i, n) in s.satisfaction.distribution.iter().enumerate() {
        push("satisfaction_answers", &(i + 1).to_string(), n.to_string());
    }
    for p in &s.categories {
        push("category_cases", &p.key, p.count.to_string());
    }
    for p in &s.root_causes {
        push("root_cause_cases", &p.key, p.count.to_string());
    }
    let mut out = String::from("metric,key,value\n");
    for (m, k, v) in rows {
        out.push_str(&format!("{},{},{}\n", field(&m), field(&k), field(&v)));
    }
    out
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// `ko` or `en`; default the customer's language (Korean without a customer).
    pub locale: Option<rapport_domain::customer::Locale>,
}

/// One response template filled in for a case, for staff to edit before sending.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RenderedTemplate {
    pub code: String,
    pub locale: rapport_domain::customer::Locale,
    pub part: rapport_domain::templates::TemplatePart,
    pub title: String,
    pub body: String,
    /// Placeholders the case could not fill; they stay in the text as `{{name}}`.
    pub unfilled: Vec<String>,
}

/// The response templates (apology, explanation, what happens next) that fit the case's kind
/// of failure, in the customer's language, with placeholders filled from the case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/templates", tag = "cases", params(("id" = Uuid, Path), TemplateQuery),
    responses((status = 200, body = Vec<RenderedTemplate>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn case_templates(
    State(state): State<AppState>,
    user: Viewer,
    PathId(id): PathId,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> Result<Json<Vec<RenderedTemplate>>, ApiError> {
    use rapport_domain::customer::Locale;
    let case = visible_case(&state, &user.actor, id).await?;
    let customer = match case.customer_id {
        Some(c) => Some(state.store.get_customer(c).await.about("customer")?),
        None => None,
    };
    let locale = q
        .locale
        .or(customer.as_ref().map(|c| c.locale))
        .unwrap_or(Locale::Ko);
    let unit = state.store.get_unit(case.unit_id).await.about("unit")?;
    Ok(Json(
        fill_templates(
            &state,
            &user.employee,
            &case,
            customer.as_ref(),
            &unit,
            locale,
        )
        .await?,
    ))
}

/// The response templates that fit the case's kind of failure in `locale`, each part's
/// wording for this kind first, with the placeholders filled from the case. Shared with
/// the case page.
pub(crate) async fn fill_templates(
    state: &AppState,
    reader: &rapport_domain::org::Employee,
    case: &Case,
    customer: Option<&rapport_domain::customer::Customer>,
    unit: &rapport_domain::org::Unit,
    locale: rapport_domain::customer::Locale,
) -> Result<Vec<RenderedTemplate>, rapport_store::StoreError> {
    use rapport_domain::customer::Locale;
    use rapport_domain::taxonomy::FailureKind;
    let pick = |n: &rapport_domain::text::LocalizedName| match locale {
        Locale::Ko => n.ko.clone(),
        Locale::En => n.en.clone(),
    };
    let tz: chrono_tz::Tz = unit.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let date = |t: Timestamp| {
        t.to_datetime()
            .with_timezone(&tz)
            .format("%Y-%m-%d")
            .to_string()
    };
    let mut values: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    values.insert("case_number", case.number.clone());
    values.insert("unit_name", pick(&unit.name));
    values.insert("occurred_date", date(case.occurred_at));
    if let Some(d) = case.follow_up_due_at {
        values.insert("follow_up_date", date(d));
    }
    if let Some(c) = customer {
        values.insert("customer_name", c.name.clone());
    }
    if let Ok(category) = state.store.get_category(&case.category).await {
        values.insert("category", pick(&category.name));
    }
    if let Some(tp) = case.touchpoint_id
        && let Ok(t) = state.store.get_touchpoint(tp).await
    {
        values.insert("touchpoint_name", pick(&t.name));
    }
    let agent = match case.assignee_id {
        Some(a) => state.store.get_employee(a).await.ok(),
        None => Some(reader.clone()),
    };
    if let Some(a) = agent {
        values.insert("agent_name", a.name);
    }
    let kind = FailureKind::of_code(&case.category);
    let filter = rapport_store::TemplateFilter {
        locale: Some(locale),
        part: None,
        code: None,
    };
    let page = rapport_store::PageRequest {
        after: None,
        limit: 1000,
    };
    let templates = state.store.list_templates(&filter, &page).await?.items;
    let mut out = Vec::new();
    for part in rapport_domain::templates::TemplatePart::ALL {
        // Wording for this kind of failure first, then the general ones.
        let fitting = templates
            .iter()
            .filter(|t| t.part == part && (t.kind.is_none() || t.kind == kind));
        let mut fitting: Vec<_> = fitting.collect();
        fitting.sort_by_key(|t| (t.kind.is_none(), t.code.clone()));
        for t in fitting {
            out.push(RenderedTemplate {
                code: t.code.clone(),
                locale: t.locale,
                part: t.part,
                title: t.title.clone(),
                body: rapport_domain::templates::render(&t.body, &values),
                unfilled: rapport_domain::templates::unfilled_placeholders(&t.body, &values)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            });
        }
    }
    Ok(out)
}
