//! `/settings/staff`: the staff of a unit with role, authority limit and active flag, and a
//! form to change those. The rules are those of `PUT /api/v1/employees/{id}`: a manager
//! changes staff of their own unit (not admins, not themselves) and gives only the roles
//! `Actor::may_assign_role` allows; an admin changes anyone, and the last active admin
//! stays one. Names, e-mails and passwords are not changed here.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_domain::customer::Locale;
use rapport_domain::money::MoneyDto;
use rapport_domain::org::{Employee, EmployeeInput, Role};
use rapport_domain::{Currency, FieldError};
use rapport_store::{Cursor, PageRequest, StoreError};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConflictRow, FormErrors, UnitCache, UnitOption, amount_input, money, not_found_as,
    parse_amount, parse_id, scope_unit, unit_name, unit_options,
};
use crate::AppState;
use crate::auth::ManagerRole;
use crate::ui::session::{Staff, StaffForm};
use crate::ui::{PageCtx, UiError, i18n, render, render_status, see_other};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct StaffQuery {
    unit: Option<String>,
    cursor: Option<String>,
    saved: Option<String>,
}

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::Admin => "role.admin",
        Role::Manager => "role.manager",
        Role::Agent => "role.agent",
        Role::Viewer => "role.viewer",
    }
}

const ROLES: [Role; 4] = [Role::Viewer, Role::Agent, Role::Manager, Role::Admin];

/// May `staff` change `e` at all?
fn may_edit(staff: &Staff<ManagerRole>, e: &Employee) -> bool {
    staff.actor.is_admin()
        || (e.unit_id.is_some()
            && e.unit_id == staff.actor.unit_id
            && e.role != Role::Admin
            && e.id != staff.actor.employee_id)
}

/// May `staff` see `e`? Admins everyone, managers their unit's staff.
fn may_see(staff: &Staff<ManagerRole>, e: &Employee) -> bool {
    staff.actor.is_admin() || (e.unit_id.is_some() && e.unit_id == staff.actor.unit_id)
}

pub struct StaffRow {
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub limit: String,
    pub active: bool,
    pub unit: String,
    pub href: Option<String>,
    pub me: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/manage/staff_list.html")]
struct ListPage {
    ctx: PageCtx,
    units: Vec<UnitOption>,
    unit_name: Option<String>,
    rows: Vec<StaffRow>,
    show_unit_column: bool,
    more_href: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Query(q): Query<StaffQuery>,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let unit = scope_unit(&state, &staff, q.unit.as_deref()).await?;
    let unit_id = unit.as_ref().map(|u| u.id);
    let after = match q.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => Some(Cursor::decode("cursor", c).map_err(|e| UiError::BadRequest(e.message))?),
        None => None,
    };
    let page = state
        .store
        .list_employees(
            unit_id,
            &PageRequest {
                after,
                limit: PAGE_SIZE,
            },
        )
        .await?;
    let mut cache = UnitCache::default();
    if let Some(u) = unit.clone() {
        cache.insert(u);
    }
    let mut rows = Vec::with_capacity(page.items.len());
    for e in &page.items {
        let unit = match e.unit_id {
            Some(u) => cache
                .get(&state, u)
                .await?
                .map(|u| unit_name(u, lang))
                .unwrap_or_default(),
            None => staff.t("staff.no_unit").to_owned(),
        };
        rows.push(StaffRow {
            name: e.name.clone(),
            email: e.email.clone(),
            role: staff.t(role_key(e.role)),
            limit: money(&e.authority_limit),
            active: e.active,
            unit,
            href: may_edit(&staff, e).then(|| format!("/settings/staff/{}", e.id)),
            me: e.id == staff.actor.employee_id,
        });
    }
    let units = if staff.actor.is_admin() {
        unit_options(&state, lang, unit_id).await?
    } else {
        vec![]
    };
    let more_href = page.next_cursor.as_ref().map(|c| match unit_id {
        Some(u) if staff.actor.is_admin() => format!("/settings/staff?unit={u}&cursor={c}"),
        _ => format!("/settings/staff?cursor={c}"),
    });
    let mut ctx = staff.ctx(staff.t("nav.staff"), "staff");
    if q.saved.is_some() {
        ctx = ctx.with_notice(staff.t("staff.saved"));
    }
    Ok(render(&ListPage {
        ctx,
        units,
        unit_name: unit.as_ref().map(|u| unit_name(u, lang)),
        rows,
        show_unit_column: unit.is_none(),
        more_href,
    }))
}

/// The form as typed.
#[derive(Debug, Clone)]
pub struct StaffFormData {
    pub version: String,
    pub role: String,
    pub unit_id: String,
    pub authority_limit: String,
    pub active: bool,
}

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/manage/staff_form.html")]
struct FormPage {
    ctx: PageCtx,
    action: String,
    name: String,
    email: String,
    currency: String,
    form: StaffFormData,
    roles: Vec<RoleOption>,
    /// Admins place staff in any unit.
    units: Vec<UnitOption>,
    errors: FormErrors,
    conflict: Vec<ConflictRow>,
}

/// The currency an employee's limit is counted in: their unit's, else what they have.
async fn currency_for(
    state: &AppState,
    unit: Option<Uuid>,
    e: &Employee,
) -> Result<Currency, UiError> {
    match unit {
        Some(u) => match state.store.unit_currency(u).await {
            Ok(c) => Ok(c),
            Err(StoreError::NotFound) => Ok(current_currency(e)),
            Err(err) => Err(err.into()),
        },
        None => Ok(current_currency(e)),
    }
}

fn current_currency(e: &Employee) -> Currency {
    Currency::parse("currency", &e.authority_limit.currency)
        .or_else(|_| Currency::parse("currency", "KRW"))
        .expect("KRW is a currency")
}

fn data_of(e: &Employee) -> StaffFormData {
    StaffFormData {
        version: e.version.to_string(),
        role: e.role.as_str().to_owned(),
        unit_id: e.unit_id.map(|u| u.to_string()).unwrap_or_default(),
        authority_limit: amount_input(e.authority_limit.amount_minor, current_currency(e)),
        active: e.active,
    }
}

async fn form_page(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    e: &Employee,
    form: StaffFormData,
    errors: FormErrors,
    conflict: Vec<ConflictRow>,
) -> Result<FormPage, UiError> {
    let lang = staff.lang;
    let unit = Uuid::parse_str(&form.unit_id).ok();
    let currency = currency_for(state, unit.or(e.unit_id), e).await?;
    let roles = ROLES
        .iter()
        .filter(|r| staff.actor.may_assign_role(**r) || r.as_str() == form.role)
        .map(|r| RoleOption {
            value: r.as_str(),
            label: i18n::text(role_key(*r), lang),
            selected: r.as_str() == form.role,
        })
        .collect();
    let units = if staff.actor.is_admin() {
        let mut u = vec![UnitOption {
            id: String::new(),
            name: staff.t("staff.no_unit").to_owned(),
            selected: form.unit_id.is_empty(),
        }];
        u.extend(unit_options(state, lang, unit).await?);
        u
    } else {
        vec![]
    };
    Ok(FormPage {
        ctx: staff.ctx(format!("{} · {}", staff.t("nav.staff"), e.name), "staff"),
        action: format!("/settings/staff/{}", e.id),
        name: e.name.clone(),
        email: e.email.clone(),
        currency: currency.code().to_owned(),
        form,
        roles,
        units,
        errors,
        conflict,
    })
}

/// The employee behind `id`, when `staff` may change them: another unit's staff (and, for
/// managers, admins) answer 404; one's own record 403.
async fn editable(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    id: &str,
) -> Result<Employee, UiError> {
    let id = parse_id(id, staff.lang)?;
    let e = state
        .store
        .get_employee(id)
        .await
        .map_err(|err| not_found_as(err, staff.lang))?;
    if !may_see(staff, &e) || (!staff.actor.is_admin() && e.role == Role::Admin) {
        return Err(UiError::NotFound(Some(staff.lang)));
    }
    if !may_edit(staff, &e) {
        return Err(UiError::Forbidden(staff.lang));
    }
    Ok(e)
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let e = editable(&state, &staff, &id).await?;
    let page = form_page(
        &state,
        &staff,
        &e,
        data_of(&e),
        FormErrors::default(),
        vec![],
    )
    .await?;
    Ok(render(&page))
}

fn input_of(e: &FieldError) -> Option<(String, Option<&'static str>)> {
    let input = match e.field.as_str() {
        "role" => "role",
        "unit_id" => "unit_id",
        f if f.starts_with("authority_limit") => "authority_limit",
        _ => return None,
    };
    Some((input.to_owned(), None))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: StaffForm<ManagerRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let lang = staff.lang;
    let current = editable(&state, staff, &id).await?;
    let typed = StaffFormData {
        version: form.get("version").trim().to_owned(),
        role: form.get("role").trim().to_owned(),
        unit_id: if staff.actor.is_admin() {
            form.get("unit_id").trim().to_owned()
        } else {
            current.unit_id.map(|u| u.to_string()).unwrap_or_default()
        },
        authority_limit: form.get("authority_limit").trim().to_owned(),
        active: form.opt("active").is_some(),
    };
    let Some(version) = typed.version.parse::<i64>().ok().filter(|v| *v >= 1) else {
        return Err(UiError::BadRequest("version: required".into()));
    };
    let mut errors = FormErrors::default();
    let role = match Role::parse("role", &typed.role) {
        Ok(r) if staff.actor.may_assign_role(r) => Some(r),
        Ok(_) => {
            errors.add("role", "staff.err.role");
            None
        }
        Err(_) => {
            errors.add("role", "form.required");
            None
        }
    };
    let unit_id = super::optional_unit(&typed.unit_id, &mut errors);
    let currency = currency_for(&state, unit_id, &current).await?;
    let amount = match parse_amount(&typed.authority_limit, currency) {
        Ok(a) => Some(a),
        Err(super::NotANumber) => {
            errors.add("authority_limit", "staff.err.amount");
            None
        }
    };
    let input = EmployeeInput {
        version: Some(version),
        name: current.name.clone(),
        email: current.email.clone(),
        role: role.unwrap_or(current.role),
        unit_id,
        authority_limit: MoneyDto {
            amount_minor: amount.unwrap_or(0),
            currency: currency.code().to_owned(),
        },
        active: typed.active,
    };
    let parsed = input.parse();
    if let Err(domain) = &parsed {
        errors.domain(domain, lang, input_of);
    }
    if let (Some(role), Ok(_)) = (role, &parsed) {
        let stays_admin = role == Role::Admin && typed.active;
        if current.role == Role::Admin
            && current.active
            && !stays_admin
            && state.store.count_active_admins().await? <= 1
        {
            errors.add("role", "staff.err.last_admin");
        }
    }
    let employee = match parsed {
        Ok(e) if errors.is_empty() => e,
        _ => {
            let page = form_page(&state, staff, &current, typed, errors, vec![]).await?;
            return Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match state
        .store
        .update_employee(&staff.change(), current.id, version, &employee)
        .await
    {
        Ok(_) => {
            // A changed role or deactivation takes effect on the next API request too.
            state.sessions.clear();
            Ok(see_other(&match employee.unit_id {
                Some(u) if staff.actor.is_admin() => format!("/settings/staff?unit={u}&saved=1"),
                _ => "/settings/staff?saved=1".into(),
            }))
        }
        Err(StoreError::VersionConflict { .. }) => {
            let now = state
                .store
                .get_employee(current.id)
                .await
                .map_err(|e| not_found_as(e, lang))?;
            let rows = conflict_rows(&state, lang, &now, &typed, currency).await?;
            let mut typed = typed;
            typed.version = now.version.to_string();
            let page = form_page(&state, staff, &now, typed, FormErrors::default(), rows).await?;
            Ok(render_status(&page, StatusCode::CONFLICT))
        }
        Err(StoreError::Invalid(domain)) => {
            let mut errors = FormErrors::default();
            errors.domain(&domain, lang, input_of);
            let page = form_page(&state, staff, &current, typed, errors, vec![]).await?;
            Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(not_found_as(e, lang)),
    }
}

async fn conflict_rows(
    state: &AppState,
    lang: Locale,
    now: &Employee,
    typed: &StaffFormData,
    currency: Currency,
) -> Result<Vec<ConflictRow>, UiError> {
    let mut rows = Vec::new();
    let role_label = |r: &str| {
        Role::parse("role", r)
            .map(|r| i18n::text(role_key(r), lang).to_owned())
            .unwrap_or_else(|_| r.to_owned())
    };
    if now.role.as_str() != typed.role {
        rows.push(ConflictRow {
            label: "staff.role",
            current: role_label(now.role.as_str()),
            yours: role_label(&typed.role),
        });
    }
    let yours_limit = parse_amount(&typed.authority_limit, currency)
        .map(|a| {
            money(&MoneyDto {
                amount_minor: a,
                currency: currency.code().to_owned(),
            })
        })
        .unwrap_or_else(|_| typed.authority_limit.clone());
    let current_limit = money(&now.authority_limit);
    if current_limit != yours_limit {
        rows.push(ConflictRow {
            label: "staff.limit",
            current: current_limit,
            yours: yours_limit,
        });
    }
    if now.active != typed.active {
        let yes_no = |b: bool| {
            i18n::text(if b { "staff.active" } else { "staff.inactive" }, lang).to_owned()
        };
        rows.push(ConflictRow {
            label: "staff.status",
            current: yes_no(now.active),
            yours: yes_no(typed.active),
        });
    }
    let now_unit = now.unit_id.map(|u| u.to_string()).unwrap_or_default();
    if now_unit != typed.unit_id {
        let mut cache = UnitCache::default();
        let current = unit_label(state, &mut cache, &now_unit, lang).await?;
        let yours = unit_label(state, &mut cache, &typed.unit_id, lang).await?;
        rows.push(ConflictRow {
            label: "staff.unit",
            current,
            yours,
        });
    }
    if rows.is_empty() {
        rows.push(ConflictRow {
            label: "staff.other_changes",
            current: String::new(),
            yours: String::new(),
        });
    }
    Ok(rows)
}

async fn unit_label(
    state: &AppState,
    cache: &mut UnitCache,
    id: &str,
    lang: Locale,
) -> Result<String, UiError> {
    Ok(match Uuid::parse_str(id).ok() {
        Some(u) => cache
            .get(state, u)
            .await?
            .map(|u| unit_name(u, lang))
            .unwrap_or_else(|| id.to_owned()),
        None => i18n::text("staff.no_unit", lang).to_owned(),
    })
}
