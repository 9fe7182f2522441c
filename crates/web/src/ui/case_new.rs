//! A new case from a complaint or a staff report: unit (admins), touchpoint, channel,
//! category and severity from the taxonomy, a customer look-up that works without
//! JavaScript, and the description.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::TimeZone;
use chrono_tz::Tz;
use rapport_domain::case::{CaseInput, CaseKind, CaseSource};
use rapport_domain::contact::Channel;
use rapport_domain::customer::CustomerQuery;
use rapport_domain::taxonomy::FailureKind;
use rapport_domain::{FieldError, Timestamp};
use rapport_store::{CustomerFilter, PageRequest, StoreError};
use uuid::Uuid;

use super::{Choice, Params, error_text, label, name_in, tz_of};
use crate::AppState;
use crate::auth::AgentRole;
use crate::ui::{PageCtx, Staff, StaffForm, UiError, render_status, see_other};

/// Customers a look-up offers at most.
const MATCHES: i64 = 10;

/// What was typed (or chosen) in the form.
#[derive(Debug, Default, Clone)]
struct Typed {
    unit_id: String,
    touchpoint_id: String,
    source: String,
    channel: String,
    category: String,
    severity: String,
    customer_id: String,
    customer_q: String,
    occurred_at: String,
    description: String,
    assign_to_me: bool,
}

impl Typed {
    fn read(get: impl Fn(&str) -> String, assign_default: bool, has: bool) -> Self {
        Self {
            unit_id: get("unit_id"),
            touchpoint_id: get("touchpoint_id"),
            source: get("source"),
            channel: get("channel"),
            category: get("category"),
            severity: get("severity"),
            customer_id: get("customer_id"),
            customer_q: get("customer_q"),
            occurred_at: get("occurred_at"),
            description: get("description"),
            assign_to_me: if has {
                get("assign_to_me") == "1"
            } else {
                assign_default
            },
        }
    }
}

pub(crate) struct CategoryGroup {
    pub label: &'static str,
    pub options: Vec<Choice>,
}

pub(crate) struct CustomerMatch {
    pub id: Uuid,
    pub name: String,
    pub detail: String,
    pub tier: &'static str,
    pub checked: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/cases/new.html")]
struct NewCasePage {
    ctx: PageCtx,
    units: Vec<Choice>,
    touchpoints: Vec<Choice>,
    sources: Vec<Choice>,
    channels: Vec<Choice>,
    categories: Vec<CategoryGroup>,
    severities: Vec<Choice>,
    /// The customers found by the look-up (and the one chosen before).
    matches: Vec<CustomerMatch>,
    /// A look-up ran (so "nothing found" can be said).
    searched: bool,
    typed: Typed,
    errors: Vec<(String, String)>,
    summary: Vec<String>,
}

impl NewCasePage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.summary.is_empty()
    }
}

/// Hides most of an e-mail address or phone number in the look-up's answers.
fn masked(customer: &rapport_domain::customer::Customer) -> String {
    if let Some(p) = &customer.phone {
        let digits: String = p.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 4 {
            return format!("···{}", &digits[digits.len() - 4..]);
        }
    }
    if let Some(e) = &customer.email
        && let Some((user, domain)) = e.split_once('@')
    {
        let first: String = user.chars().take(1).collect();
        return format!("{first}···@{domain}");
    }
    String::new()
}

async fn build(
    state: &AppState,
    staff: &Staff<AgentRole>,
    typed: Typed,
    errors: Vec<FieldError>,
    search: bool,
) -> Result<NewCasePage, UiError> {
    let lang = staff.lang;
    let admin = staff.actor.is_admin();
    let unit = if admin {
        typed.unit_id.parse::<Uuid>().ok()
    } else {
        staff.actor.unit_id
    };
    let unit_names = if admin {
        super::unit_choices(state, lang).await?
    } else {
        vec![]
    };
    let units = unit_names
        .iter()
        .map(|(id, name)| Choice::new(id.to_string(), name.clone(), &typed.unit_id))
        .collect();
    // Names only, not the contact figures `list_touchpoints` adds up.
    let touchpoints = state
        .store
        .touchpoint_choices(unit, 200)
        .await?
        .into_iter()
        .map(|(id, unit_id, tp_name)| {
            // Across every unit (an admin who chose none yet), say whose touchpoint it is.
            let name = match (unit, unit_names.iter().find(|(u, _)| *u == unit_id)) {
                (None, Some((_, u))) => format!("{u} · {}", name_in(&tp_name, lang)),
                _ => name_in(&tp_name, lang),
            };
            Choice::new(id.to_string(), name, &typed.touchpoint_id)
        })
        .collect();
    let categories = state.store.list_categories().await?;
    let categories = FailureKind::ALL
        .iter()
        .map(|k| CategoryGroup {
            label: staff.t(match k {
                FailureKind::Outcome => "case.failure.outcome",
                FailureKind::Process => "case.failure.process",
            }),
            options: categories
                .iter()
                .filter(|c| c.kind == *k && (c.active || c.code == typed.category))
                .map(|c| Choice::new(c.code.clone(), name_in(&c.name, lang), &typed.category))
                .collect(),
        })
        .collect();
    // The customers the look-up found, and the one already chosen.
    let mut matches: Vec<CustomerMatch> = Vec::new();
    let chosen = typed.customer_id.parse::<Uuid>().ok();
    if let Some(id) = chosen {
        match state.store.get_customer(id).await {
            Ok(c) => matches.push(CustomerMatch {
                id: c.id,
                detail: masked(&c),
                name: c.name,
                tier: label(lang, "tier", c.tier.as_str()),
                checked: true,
            }),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut errors_out: Vec<(String, String)> = Vec::new();
    let mut summary = Vec::new();
    let searched = search && !typed.customer_q.trim().is_empty();
    if searched {
        match CustomerQuery::parse("customer_q", &typed.customer_q) {
            Ok(q) => {
                let found = state
                    .store
                    .list_customers(
                        &CustomerFilter {
                            query: Some(q),
                            tier: None,
                        },
                        &PageRequest::first(MATCHES),
                    )
                    .await?;
                for c in found.items {
                    if Some(c.id) != chosen {
                        matches.push(CustomerMatch {
                            id: c.id,
                            detail: masked(&c),
                            name: c.name,
                            tier: label(lang, "tier", c.tier.as_str()),
                            checked: false,
                        });
                    }
                }
            }
            Err(e) => errors_out.push(("customer_q".into(), error_text(&e, lang))),
        }
    }
    for e in &errors {
        let field = match e.field.as_str() {
            "unit_id" if !admin => None,
            f @ ("unit_id" | "touchpoint_id" | "source" | "channel" | "category" | "severity"
            | "description" | "occurred_at" | "customer_id") => Some(f),
            "encounter_id" | "detected_at" => None,
            _ => None,
        };
        match field {
            Some(f) if !errors_out.iter().any(|(x, _)| x == f) => {
                errors_out.push((f.to_owned(), error_text(e, lang)))
            }
            Some(_) => {}
            None => summary.push(if e.code == "other_unit" {
                staff.t("case.error.other_unit").to_owned()
            } else {
                format!("{}: {}", e.field, error_text(e, lang))
            }),
        }
    }
    Ok(NewCasePage {
        ctx: staff.ctx(staff.t("case.new.title"), "new_case"),
        units,
        touchpoints,
        sources: [CaseSource::Complaint, CaseSource::StaffReport]
            .iter()
            .map(|s| Choice::new(s.as_str(), label(lang, "source", s.as_str()), &typed.source))
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|c| {
                Choice::new(
                    c.as_str(),
                    label(lang, "channel", c.as_str()),
                    &typed.channel,
                )
            })
            .collect(),
        categories,
        severities: ["1", "2", "3", "4"]
            .iter()
            .map(|s| Choice::new(*s, label(lang, "severity", s), &typed.severity))
            .collect(),
        matches,
        searched,
        typed,
        errors: errors_out,
        summary,
    })
}

pub(crate) async fn form(
    State(state): State<AppState>,
    staff: Staff<AgentRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let p = Params::parse(raw.as_deref());
    let mut typed = Typed::read(|k| p.get(k).to_owned(), true, false);
    if typed.source.is_empty() {
        typed.source = CaseSource::Complaint.as_str().into();
    }
    if typed.severity.is_empty() {
        typed.severity = "3".into();
    }
    let page = build(&state, &staff, typed, vec![], true).await?;
    Ok(render_status(&page, StatusCode::OK))
}

/// `2026-11-23T14:05` (a `datetime-local` input) in the unit's time zone.
fn parse_local(field: &str, text: &str, tz: Tz) -> Result<Timestamp, FieldError> {
    let bad = || FieldError::new(field, "invalid_time", "expected a date and time");
    let t = text.trim();
    let naive = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .map_err(|_| bad())?;
    let local = tz.from_local_datetime(&naive).earliest().ok_or_else(bad)?;
    Ok(Timestamp::from_datetime(local.with_timezone(&chrono::Utc)))
}

pub(crate) async fn create(
    State(state): State<AppState>,
    form: StaffForm<AgentRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let typed = Typed::read(|k| form.get(k).to_owned(), false, true);
    if form.opt("find").is_some() {
        let page = build(&state, staff, typed, vec![], true).await?;
        return Ok(render_status(&page, StatusCode::OK));
    }
    let admin = staff.actor.is_admin();
    let mut errors: Vec<FieldError> = Vec::new();
    let unit_id = if admin {
        match typed.unit_id.trim() {
            "" => None,
            u => match u.parse::<Uuid>() {
                Ok(u) => Some(u),
                Err(_) => {
                    errors.push(FieldError::new("unit_id", "invalid_value", "choose a unit"));
                    None
                }
            },
        }
    } else {
        staff.actor.unit_id
    };
    let mut optional_id = |field: &str, text: &str| match text.trim() {
        "" => None,
        t => match t.parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new(field, "unknown", "choose from the list"));
                None
            }
        },
    };
    let touchpoint_id = optional_id("touchpoint_id", &typed.touchpoint_id);
    let customer_id = optional_id("customer_id", &typed.customer_id);
    let source = match CaseSource::parse("source", typed.source.trim()) {
        Ok(s) => s,
        Err(e) => {
            errors.push(e);
            CaseSource::Complaint
        }
    };
    let channel = match Channel::from_str_opt(typed.channel.trim()) {
        Some(c) => c,
        None => {
            errors.push(FieldError::new("channel", "required", "choose a channel"));
            Channel::InPerson
        }
    };
    let severity = match typed.severity.trim() {
        "" => {
            errors.push(FieldError::new("severity", "required", "choose a severity"));
            0
        }
        s => s.parse::<i64>().unwrap_or(0),
    };
    if typed.category.trim().is_empty() {
        errors.push(FieldError::new("category", "required", "choose a category"));
    }
    if typed.description.trim().is_empty() {
        errors.push(FieldError::new(
            "description",
            "required",
            "describe what happened",
        ));
    }
    // The time the failure occurred is typed in the unit's local time.
    let tz = match unit_id {
        Some(u) => match state.store.get_unit(u).await {
            Ok(unit) => tz_of(&unit),
            Err(_) => chrono_tz::UTC,
        },
        None => match touchpoint_id {
            Some(tp) => match state.store.get_touchpoint(tp).await {
                Ok(t) => match state.store.get_unit(t.unit_id).await {
                    Ok(unit) => tz_of(&unit),
                    Err(_) => chrono_tz::UTC,
                },
                Err(_) => chrono_tz::UTC,
            },
            None => chrono_tz::UTC,
        },
    };
    let occurred_at = match typed.occurred_at.trim() {
        "" => None,
        t => match parse_local("occurred_at", t, tz) {
            Ok(at) => Some(at.to_rfc3339()),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    let change = staff.change();
    let input = CaseInput {
        version: None,
        kind: CaseKind::Failure,
        source,
        channel,
        unit_id,
        touchpoint_id,
        customer_id,
        encounter_id: None,
        category: typed.category.trim().to_owned(),
        severity,
        assignee_id: typed.assign_to_me.then_some(staff.actor.employee_id),
        description: typed.description.clone(),
        occurred_at,
        detected_at: None,
    };
    let parsed = input.parse(change.at);
    let case = match parsed {
        Ok(case) if errors.is_empty() => case,
        Ok(_) => return invalid(&state, staff, typed, errors).await,
        Err(more) => {
            // The form's own checks first (they name what is missing more plainly).
            for e in more {
                if !errors.iter().any(|x| x.field == e.field) {
                    errors.push(e);
                }
            }
            return invalid(&state, staff, typed, errors).await;
        }
    };
    match state
        .store
        .create_case(&change, staff.actor.unit_scope(), &case)
        .await
    {
        Ok(created) => Ok(see_other(&format!("/cases/{}?notice=created", created.id))),
        Err(StoreError::Invalid(errors) | StoreError::Forbidden(errors)) => {
            invalid(&state, staff, typed, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn invalid(
    state: &AppState,
    staff: &Staff<AgentRole>,
    typed: Typed,
    errors: Vec<FieldError>,
) -> Result<Response, UiError> {
    let page = build(state, staff, typed, errors, false).await?;
    debug_assert!(page.has_errors());
    Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_time_is_read_in_the_units_zone() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        assert_eq!(
            parse_local("o", "2026-11-23T14:05", tz).unwrap(),
            Timestamp::parse("t", "2026-11-23T05:05:00Z").unwrap()
        );
        assert_eq!(
            parse_local("o", "yesterday", tz).unwrap_err().code,
            "invalid_time"
        );
    }
}
