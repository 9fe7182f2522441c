//! Approvals: the recovery actions of my unit (all units for admins) that wait for a
//! manager because they exceed the requester's authority, and the decision with a reason.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_domain::Timestamp;
use rapport_domain::customer::Locale;
use rapport_store::{PageRequest, StoreError};
use uuid::Uuid;

use super::{PAGE_SIZE, Params, error_text, label, money, money_dto, name_in, notice, tz_of};
use crate::AppState;
use crate::auth::ManagerRole;
use crate::routes::cases::required_text;
use crate::ui::{PageCtx, Staff, StaffForm, UiError, format, i18n, render_status, see_other};

pub(crate) struct Item {
    pub id: Uuid,
    pub case_id: Uuid,
    pub number: String,
    pub category: String,
    pub severity: &'static str,
    pub tier: &'static str,
    pub unit: Option<String>,
    pub kind: &'static str,
    pub amount: Option<String>,
    pub note: String,
    pub requester: String,
    pub requested_at: String,
    pub guideline: Option<String>,
    pub outside: bool,
    pub authority: Option<String>,
    /// I asked for it myself: someone else decides.
    pub mine: bool,
}

/// A decision that failed, shown beside its action.
#[derive(Debug, Clone, Default)]
pub(crate) struct Failed {
    pub action: Uuid,
    pub reason: String,
    pub error: Option<String>,
    pub alert: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "ui/cases/approvals.html")]
struct ApprovalsPage {
    ctx: PageCtx,
    items: Vec<Item>,
    more: Option<String>,
    failed: Option<Failed>,
}

impl ApprovalsPage {
    fn reason(&self, id: &Uuid) -> &str {
        match &self.failed {
            Some(f) if f.action == *id => &f.reason,
            _ => "",
        }
    }

    fn error(&self, id: &Uuid) -> Option<&str> {
        match &self.failed {
            Some(f) if f.action == *id => f.error.as_deref(),
            _ => None,
        }
    }
}

fn authority_text(left: &rapport_store::AuthorityLeft, lang: Locale) -> String {
    let period = label(lang, "period", left.period.as_str());
    match lang {
        Locale::Ko => format!(
            "한도 {} · {period} · 남은 권한 {}",
            money(left.limit_minor, &left.currency),
            money(left.remaining_minor, &left.currency)
        ),
        Locale::En => format!(
            "limit {} · {period} · {} left",
            money(left.limit_minor, &left.currency),
            money(left.remaining_minor, &left.currency)
        ),
    }
}

async fn build(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    cursor: Option<&str>,
    failed: Option<Failed>,
) -> Result<ApprovalsPage, UiError> {
    let lang = staff.lang;
    let admin = staff.actor.is_admin();
    let page = PageRequest::parse(cursor, Some(PAGE_SIZE))
        .unwrap_or_else(|_| PageRequest::first(PAGE_SIZE));
    let pending = state
        .store
        .list_pending_approvals(staff.actor.unit_scope(), &page)
        .await?;
    let now = Timestamp::now();
    let requesters: Vec<(Uuid, Uuid)> = pending
        .items
        .iter()
        .map(|a| (a.requested_by, a.unit_id))
        .collect();
    let (categories, cases, employees, units) = tokio::try_join!(
        super::category_names(state, lang),
        super::fetch_many(pending.items.iter().map(|a| a.case_id), |id| {
            let s = state.store.clone();
            async move { s.get_case(id).await }
        }),
        super::employee_names(state, pending.items.iter().map(|a| a.requested_by)),
        super::units(state, pending.items.iter().map(|a| a.unit_id)),
    )?;
    // Each requester's authority in the unit of their request (a short list).
    let mut authority = std::collections::HashMap::new();
    for (employee, unit) in requesters {
        if let std::collections::hash_map::Entry::Vacant(e) = authority.entry((employee, unit)) {
            match state.store.remaining_authority(employee, unit, now).await {
                Ok(left) => {
                    e.insert(left);
                }
                Err(StoreError::NotFound) => {}
                Err(err) => return Err(err.into()),
            }
        }
    }
    let items = pending
        .items
        .iter()
        .map(|a| {
            let case = cases.get(&a.case_id);
            let unit = units.get(&a.unit_id);
            let tz = unit.map(tz_of).unwrap_or(chrono_tz::UTC);
            let currency = a
                .amount
                .as_ref()
                .map(|m| m.currency.clone())
                .unwrap_or_default();
            Item {
                id: a.id,
                case_id: a.case_id,
                number: case.map(|c| c.number.clone()).unwrap_or_default(),
                category: case
                    .map(|c| {
                        categories
                            .get(&c.category)
                            .cloned()
                            .unwrap_or_else(|| c.category.clone())
                    })
                    .unwrap_or_default(),
                severity: case
                    .map(|c| label(lang, "severity", &c.severity.to_string()))
                    .unwrap_or_default(),
                tier: case
                    .map(|c| label(lang, "tier", c.tier.as_str()))
                    .unwrap_or_default(),
                unit: admin
                    .then(|| unit.map(|u| name_in(&u.name, lang)))
                    .flatten(),
                kind: label(lang, "recovery", a.kind.as_str()),
                amount: a.amount.as_ref().map(money_dto),
                note: a.note.clone(),
                requester: employees
                    .get(&a.requested_by)
                    .cloned()
                    .unwrap_or_else(|| i18n::text("case.someone", lang).into()),
                requested_at: format::datetime(a.requested_at, tz, lang),
                guideline: match (a.guideline_min_minor, a.guideline_max_minor) {
                    (Some(lo), Some(hi)) => Some(format!(
                        "{} – {}",
                        money(lo, &currency),
                        money(hi, &currency)
                    )),
                    _ => None,
                },
                outside: a.outside_guideline,
                authority: authority
                    .get(&(a.requested_by, a.unit_id))
                    .map(|l| authority_text(l, lang)),
                mine: a.requested_by == staff.actor.employee_id,
            }
        })
        .collect();
    Ok(ApprovalsPage {
        ctx: staff.ctx(staff.t("approval.title"), "approvals"),
        items,
        more: pending
            .next_cursor
            .map(|c| format!("/approvals?cursor={c}")),
        failed,
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let p = Params::parse(raw.as_deref());
    let mut page = build(&state, &staff, p.opt("cursor"), None).await?;
    page.ctx.notice = notice(&p, staff.lang);
    Ok(render_status(&page, StatusCode::OK))
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    form: StaffForm<ManagerRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let lang = staff.lang;
    let id: Uuid = id.parse().map_err(|_| UiError::NotFound(Some(lang)))?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(UiError::NotFound(Some(lang))),
    };
    let typed = form.get("reason").to_owned();
    let failed = |error: Option<String>, alert: Option<String>| Failed {
        action: id,
        reason: typed.clone(),
        error,
        alert,
    };
    let (status, failed) = match required_text("reason", &typed) {
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            failed(Some(error_text(&e, lang)), None),
        ),
        Ok(reason) => match state
            .store
            .decide_recovery_action(&staff.change(), &staff.actor, id, approve, &reason)
            .await
        {
            Ok(_) => {
                return Ok(see_other(if approve {
                    "/approvals?notice=approved"
                } else {
                    "/approvals?notice=rejected"
                }));
            }
            Err(StoreError::NotFound) => return Err(UiError::NotFound(Some(lang))),
            // Another unit's action is as good as absent.
            Err(StoreError::Forbidden(errors))
                if errors.iter().any(|e| e.code == "not_a_manager_of_the_unit") =>
            {
                return Err(UiError::NotFound(Some(lang)));
            }
            Err(StoreError::Forbidden(_)) => (
                StatusCode::FORBIDDEN,
                failed(None, Some(staff.t("approval.own_request").to_owned())),
            ),
            Err(StoreError::StateConflict(_)) => (
                StatusCode::CONFLICT,
                failed(None, Some(staff.t("approval.already_decided").to_owned())),
            ),
            Err(e) => return Err(e.into()),
        },
    };
    let page = build(&state, staff, None, Some(failed)).await?;
    Ok(render_status(&page, status))
}
