//! My queue: the open cases of my unit, nearest SLA deadline first.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use rapport_domain::Timestamp;
use rapport_domain::case::{Priority, Stage};
use rapport_store::{CaseFilter, PageRequest};
use uuid::Uuid;

use super::{Choice, Countdown, PAGE_SIZE, Params, label, query_string, tz_of};
use crate::AppState;
use crate::auth::ViewerRole;
use crate::ui::{PageCtx, Staff, UiError, render};

pub(crate) struct Row {
    pub id: Uuid,
    pub number: String,
    pub customer: Option<(Uuid, String)>,
    pub category: String,
    pub stage: &'static str,
    pub waiting: bool,
    pub priority: &'static str,
    pub priority_label: &'static str,
    pub tier: &'static str,
    pub assignee: Option<String>,
    pub unit: Option<String>,
    pub countdown: Option<Countdown>,
    pub breached: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/cases/queue.html")]
struct QueuePage {
    ctx: PageCtx,
    rows: Vec<Row>,
    /// Admins: the unit filter's choices.
    units: Vec<Choice>,
    risks: Vec<Choice>,
    mine: bool,
    stages: Vec<Choice>,
    priorities: Vec<Choice>,
    more: Option<String>,
    first_page: bool,
}

pub(crate) async fn queue(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let p = Params::parse(raw.as_deref());
    let lang = staff.lang;
    let admin = staff.actor.is_admin();
    let unit = if admin {
        p.uuid("unit")
    } else {
        staff.actor.unit_id
    };
    let stage = p
        .opt("stage")
        .and_then(|s| Stage::parse("stage", s).ok())
        .filter(|s| *s != Stage::Closed);
    let priority = p
        .opt("priority")
        .and_then(|s| Priority::parse("priority", s).ok());
    let risk = match p.get("risk") {
        r @ ("breached" | "at_risk") => r,
        _ => "",
    };
    let mine = p.get("mine") == "1";
    let filter = CaseFilter {
        unit,
        stage,
        open_only: true,
        assignee: mine.then_some(staff.actor.employee_id),
        priority,
        customer: None,
        breached: (risk == "breached").then_some(true),
        at_risk: (risk == "at_risk").then_some(true),
    };
    let page = PageRequest::parse(p.opt("cursor"), Some(PAGE_SIZE))
        .unwrap_or_else(|_| PageRequest::first(PAGE_SIZE));
    let cases = state.store.list_cases(&filter, &page).await?;

    let (categories, customers, employees, units) = tokio::try_join!(
        super::category_names(&state, lang),
        super::customer_names(&state, cases.items.iter().filter_map(|c| c.customer_id)),
        super::employee_names(&state, cases.items.iter().filter_map(|c| c.assignee_id)),
        super::units(&state, cases.items.iter().map(|c| c.unit_id)),
    )?;
    let now = Timestamp::now();
    let rows = cases
        .items
        .iter()
        .map(|c| {
            let u = units.get(&c.unit_id);
            let tz = u.map(tz_of).unwrap_or(chrono_tz::UTC);
            Row {
                id: c.id,
                number: c.number.clone(),
                customer: c
                    .customer_id
                    .and_then(|id| customers.get(&id).map(|cu| (id, cu.0.clone()))),
                category: categories
                    .get(&c.category)
                    .cloned()
                    .unwrap_or_else(|| c.category.clone()),
                stage: label(lang, "stage", c.stage.as_str()),
                waiting: c.waiting_on_customer,
                priority: super::priority_class(c.priority),
                priority_label: label(lang, "priority", c.priority.as_str()),
                tier: label(lang, "tier", c.tier.as_str()),
                assignee: c.assignee_id.and_then(|a| employees.get(&a).cloned()),
                unit: admin
                    .then(|| u.map(|u| super::name_in(&u.name, lang)))
                    .flatten(),
                countdown: Countdown::of_case(c, now, tz, lang),
                breached: c.breached,
            }
        })
        .collect();
    let unit_text = unit.map(|u| u.to_string()).unwrap_or_default();
    let stage_text = stage.map(|s| s.as_str()).unwrap_or_default();
    let priority_text = priority.map(|s| s.as_str()).unwrap_or_default();
    let more = cases.next_cursor.as_deref().map(|cursor| {
        format!(
            "/queue?{}",
            query_string(&[
                ("unit", if admin { &unit_text } else { "" }),
                ("stage", stage_text),
                ("priority", priority_text),
                ("risk", risk),
                ("mine", if mine { "1" } else { "" }),
                ("cursor", cursor),
            ])
        )
    });
    let units = if admin {
        super::unit_choices(&state, lang)
            .await?
            .into_iter()
            .map(|(id, name)| Choice::new(id.to_string(), name, &unit_text))
            .collect()
    } else {
        vec![]
    };
    let page = QueuePage {
        ctx: staff.ctx(staff.t("queue.title"), "queue"),
        rows,
        units,
        risks: vec![
            Choice::new("at_risk", staff.t("queue.at_risk"), risk),
            Choice::new("breached", staff.t("queue.breached"), risk),
        ],
        mine,
        stages: Stage::ALL
            .iter()
            .filter(|s| **s != Stage::Closed)
            .map(|s| Choice::new(s.as_str(), label(lang, "stage", s.as_str()), stage_text))
            .collect(),
        priorities: Priority::ALL
            .iter()
            .map(|s| {
                Choice::new(
                    s.as_str(),
                    label(lang, "priority", s.as_str()),
                    priority_text,
                )
            })
            .collect(),
        more,
        first_page: page.after.is_none(),
    };
    Ok(render(&page))
}
