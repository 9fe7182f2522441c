//! The case page: header, stage timeline with every timestamp and how long each stage took,
//! SLA clocks, messages and internal notes, response templates, recovery actions with the
//! compensation guideline and the employee's authority, and the history. Every form posts to
//! `/cases/{id}/…` with the case's version; a stale one shows what changed meanwhile and
//! keeps what was typed.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono_tz::Tz;
use rapport_domain::case::{CaseAction, MessageKind, RecoveryKind, Stage};
use rapport_domain::customer::Locale;
use rapport_domain::org::{Actor, Employee, Role};
use rapport_domain::{Currency, FieldError, Timestamp, Validation};
use rapport_store::{
    AuthorityLeft, Case, CaseEvent, GuidelineFilter, PageRequest, RecoveryAction, StoreError,
};
use uuid::Uuid;

use super::{
    Choice, Countdown, Params, error_text, label, money, money_dto, name_in, notice, tz_of,
};
use crate::AppState;
use crate::auth::{AgentRole, ViewerRole};
use crate::routes::cases::{
    ActionFields, RenderedTemplate, case_command, fill_templates, load_visible_case,
    new_recovery_action,
};
use crate::ui::{PageCtx, Staff, StaffForm, UiError, format, i18n, render_status, see_other};

/// History entries the page shows at most (newest first).
const HISTORY_LIMIT: usize = 200;

// ---- view models ------------------------------------------------------------------------

pub(crate) struct Step {
    pub name: &'static str,
    /// `done`, `current` or `` (not reached).
    pub class: &'static str,
    pub started: Option<String>,
    /// How long the stage took, or has taken so far.
    pub took: Option<String>,
    pub ongoing: bool,
    /// The closed step shows the whole case's length.
    pub total: bool,
}

pub(crate) struct Stamp {
    pub name: &'static str,
    pub at: Option<String>,
    /// RFC 3339, for `<time datetime>`.
    pub iso: Option<String>,
}

pub(crate) struct ClockRow {
    pub target: &'static str,
    pub state: &'static str,
    pub badge: &'static str,
    pub due: Option<String>,
    pub warn: Option<String>,
    pub countdown: Option<Countdown>,
    pub counted: String,
    pub basis: &'static str,
}

pub(crate) struct MessageRow {
    pub kind: &'static str,
    pub visible: bool,
    pub label: &'static str,
    pub author: String,
    pub at: String,
    pub body: String,
}

pub(crate) struct EventRow {
    pub at: String,
    pub actor: String,
    pub what: String,
    pub detail: Option<String>,
    pub kind: String,
}

pub(crate) struct ActionRow {
    pub id: Uuid,
    pub kind: &'static str,
    pub amount: Option<String>,
    pub status: &'static str,
    pub status_class: &'static str,
    pub requested: String,
    pub decided: Option<String>,
    pub note: String,
    pub outside_guideline: bool,
}

pub(crate) struct TemplateLink {
    pub code: String,
    pub title: String,
    pub part: &'static str,
    pub selected: bool,
}

/// A form that failed: which one, what was typed, and why.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormState {
    pub form: String,
    pub values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
    /// A message for the whole form (e.g. the stage no longer allows it).
    pub alert: Option<String>,
}

pub(crate) struct Conflict {
    pub yours: i64,
    pub current: i64,
    pub stage: &'static str,
    pub changes: Vec<EventRow>,
    /// What the user typed, to copy from: (field label, value).
    pub typed: Vec<(&'static str, String)>,
}

#[derive(askama::Template)]
#[template(path = "ui/cases/case.html")]
struct CasePage {
    ctx: PageCtx,
    id: Uuid,
    version: i64,
    number: String,
    stage: &'static str,
    stage_code: &'static str,
    waiting: bool,
    customer: Option<(Uuid, String, &'static str)>,
    category: String,
    severity: &'static str,
    priority: &'static str,
    priority_label: &'static str,
    tier: &'static str,
    assignee: Option<String>,
    unit: String,
    source: &'static str,
    channel: &'static str,
    touchpoint: Option<String>,
    description: String,
    compensation: String,
    reopened: i64,
    satisfaction: Option<u8>,
    root_cause: Option<(String, String)>,
    next: Option<Countdown>,
    breached: bool,
    steps: Vec<Step>,
    stamps: Vec<Stamp>,
    clocks: Vec<ClockRow>,
    messages: Vec<MessageRow>,
    history: Vec<EventRow>,
    history_more: usize,
    actions: Vec<ActionRow>,
    allowed: Vec<CaseAction>,
    can_act: bool,
    recovery_open: bool,
    recovery_kinds: Vec<Choice>,
    currency: String,
    guideline: Option<String>,
    authority: Option<String>,
    root_causes: Vec<Choice>,
    templates: Vec<TemplateLink>,
    template_lang: &'static str,
    /// "All three parts" was chosen.
    template_all: bool,
    template_body: String,
    /// Placeholders the chosen template could not fill (`{{customer_name}}` …).
    template_unfilled: String,
    template_langs: Vec<Choice>,
    satisfactions: Vec<Choice>,
    form: Option<FormState>,
    conflict: Option<Conflict>,
}

impl CasePage {
    fn allows(&self, action: &str) -> bool {
        self.can_act && self.allowed.iter().any(|a| a.as_str() == action)
    }

    /// What was typed into `form`'s `field` when that form failed; `""` otherwise.
    fn typed(&self, form: &str, field: &str) -> &str {
        match &self.form {
            Some(f) if f.form == form => f
                .values
                .iter()
                .rev()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default(),
            _ => "",
        }
    }

    fn error(&self, form: &str, field: &str) -> Option<&str> {
        match &self.form {
            Some(f) if f.form == form => f
                .errors
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, m)| m.as_str()),
            _ => None,
        }
    }

    fn alert_of(&self, form: &str) -> Option<&str> {
        match &self.form {
            Some(f) if f.form == form => f.alert.as_deref(),
            _ => None,
        }
    }

    /// The reply's text: what was typed, else the chosen template.
    fn respond_body(&self) -> &str {
        match &self.form {
            Some(f) if f.form == "respond" => self.typed("respond", "body"),
            _ => &self.template_body,
        }
    }

    /// The message form of `kind` (`note` or `customer`) failed.
    fn message_form(&self, kind: &str) -> bool {
        self.typed("messages", "kind") == kind
    }

    fn note_error(&self) -> Option<&str> {
        self.message_form("note")
            .then(|| self.error("messages", "body"))
            .flatten()
    }

    fn note_typed(&self) -> &str {
        if self.message_form("note") {
            self.typed("messages", "body")
        } else {
            ""
        }
    }

    fn customer_error(&self) -> Option<&str> {
        self.message_form("customer")
            .then(|| self.error("messages", "body"))
            .flatten()
    }

    fn customer_typed(&self) -> &str {
        if self.message_form("customer") {
            self.typed("messages", "body")
        } else {
            ""
        }
    }

    fn recovery_kind_selected(&self, kind: &str) -> bool {
        let typed = self.typed("recovery-actions", "kind");
        if typed.is_empty() {
            kind == "apology"
        } else {
            typed == kind
        }
    }
}

// ---- reading ------------------------------------------------------------------------------

fn stage_index(s: Stage) -> usize {
    Stage::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn stamp(name: &'static str, at: Option<Timestamp>, tz: Tz, lang: Locale) -> Stamp {
    Stamp {
        name,
        at: at.map(|t| format::datetime(t, tz, lang)),
        iso: at.map(Timestamp::to_rfc3339),
    }
}

fn steps(case: &Case, now: Timestamp, tz: Tz, lang: Locale) -> Vec<Step> {
    let current = stage_index(case.stage);
    let d = &case.durations;
    let starts = [
        Some(case.occurred_at),
        case.acknowledged_at,
        case.resolved_at,
        case.closed_at,
    ];
    let took = [
        d.pre_recovery_seconds,
        d.immediate_seconds,
        d.follow_up_seconds,
        d.total_seconds,
    ];
    Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let ongoing = i == current && *s != Stage::Closed;
            let took = match (took[i], ongoing, starts[i]) {
                (Some(secs), _, _) if !ongoing => Some(format::duration(secs, lang)),
                (_, true, Some(start)) => Some(format::duration(start.seconds_until(now), lang)),
                _ => None,
            };
            Step {
                name: label(lang, "stage", s.as_str()),
                class: match i.cmp(&current) {
                    std::cmp::Ordering::Less => "done",
                    std::cmp::Ordering::Equal if *s == Stage::Closed => "done",
                    std::cmp::Ordering::Equal => "current",
                    std::cmp::Ordering::Greater => "",
                },
                started: if i <= current {
                    starts[i].map(|t| format::datetime(t, tz, lang))
                } else {
                    None
                },
                took,
                ongoing,
                total: *s == Stage::Closed,
            }
        })
        .collect()
}

/// The version-changing kinds of history entries (notes, customer messages and SLA events
/// leave the version as it is).
fn bumps_version(kind: &str) -> bool {
    !matches!(
        kind,
        "note" | "customer_message" | "sla_warning" | "sla_breach"
    )
}

fn short(text: &str) -> String {
    const MAX: usize = 300;
    if text.chars().count() > MAX {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    } else {
        text.to_owned()
    }
}

struct Names<'a> {
    employees: &'a std::collections::HashMap<Uuid, String>,
    root_causes: &'a std::collections::HashMap<String, String>,
    currency: &'a str,
}

fn event_row(e: &CaseEvent, names: &Names, tz: Tz, lang: Locale) -> EventRow {
    let t = |k: &str| i18n::text(k, lang);
    let s = |k: &str| e.details.get(k).and_then(|v| v.as_str()).map(short);
    let amount = || {
        e.details
            .get("amount_minor")
            .and_then(|v| v.as_i64())
            .map(|m| {
                let cur = e
                    .details
                    .get("currency")
                    .and_then(|v| v.as_str())
                    .unwrap_or(names.currency);
                money(m, cur)
            })
    };
    let kind_label = || {
        e.details
            .get("kind")
            .and_then(|v| v.as_str())
            .map(|k| label(lang, "recovery", k).to_owned())
            .unwrap_or_default()
    };
    let target = || {
        e.details
            .get("target")
            .and_then(|v| v.as_str())
            .map(|k| label(lang, "target", k).to_owned())
            .unwrap_or_default()
    };
    let (what, detail): (String, Option<String>) = match e.kind.as_str() {
        "created" => (t("case.event.created").into(), None),
        "updated" => (t("case.event.updated").into(), None),
        "acknowledge" => (t("case.event.acknowledge").into(), s("note")),
        "respond" => (
            if e.details.get("first_response").and_then(|v| v.as_bool()) == Some(true) {
                t("case.event.first_response").into()
            } else {
                t("case.event.respond").into()
            },
            None,
        ),
        "wait_for_customer" => (t("case.event.wait_for_customer").into(), s("note")),
        "customer_replied" => (t("case.event.customer_replied").into(), None),
        "resolve" => (t("case.event.resolve").into(), s("summary")),
        "complete_follow_up" => (
            match e.details.get("satisfaction").and_then(|v| v.as_i64()) {
                Some(n) => format!("{} · {n}/5", t("case.event.complete_follow_up")),
                None => t("case.event.complete_follow_up").into(),
            },
            s("note"),
        ),
        "close" => (
            match s("root_cause") {
                Some(rc) => format!(
                    "{} · {}",
                    t("case.event.close"),
                    names.root_causes.get(&rc).cloned().unwrap_or(rc)
                ),
                None => t("case.event.close").into(),
            },
            s("note"),
        ),
        "reopen" => (t("case.event.reopen").into(), s("reason")),
        "note" => (t("case.event.note").into(), None),
        "customer_message" => (t("case.event.customer_message").into(), None),
        "action_taken" => (
            format!(
                "{} · {}{}",
                t("case.event.action_taken"),
                kind_label(),
                amount().map(|a| format!(" {a}")).unwrap_or_default()
            ),
            None,
        ),
        "action_requested" => (
            format!(
                "{} · {}{}",
                t("case.event.action_requested"),
                kind_label(),
                amount().map(|a| format!(" {a}")).unwrap_or_default()
            ),
            None,
        ),
        "action_approved" => (
            format!("{} · {}", t("case.event.action_approved"), kind_label()),
            s("reason"),
        ),
        "action_rejected" => (
            format!("{} · {}", t("case.event.action_rejected"), kind_label()),
            s("reason"),
        ),
        "sla_warning" => (
            format!("{} · {}", t("case.event.sla_warning"), target()),
            None,
        ),
        "sla_breach" => (
            format!("{} · {}", t("case.event.sla_breach"), target()),
            None,
        ),
        other => (other.to_owned(), None),
    };
    EventRow {
        at: format::datetime(e.at, tz, lang),
        actor: match e.actor_id {
            Some(a) => names
                .employees
                .get(&a)
                .cloned()
                .unwrap_or_else(|| t("case.someone").into()),
            None => t("case.system").into(),
        },
        what,
        detail,
        kind: e.kind.clone(),
    }
}

/// The history entries since version `yours`: walking back from the newest, every entry
/// until as many version changes as happened are seen.
fn changes_since(history: &[CaseEvent], yours: i64, current: i64) -> Vec<&CaseEvent> {
    let missed = current - yours;
    if missed <= 0 {
        return history.iter().rev().take(3).collect();
    }
    let mut out = Vec::new();
    let mut seen = 0;
    for e in history.iter().rev() {
        if seen >= missed {
            break;
        }
        if bumps_version(&e.kind) {
            seen += 1;
        }
        out.push(e);
    }
    out
}

struct Reader<'a> {
    lang: Locale,
    actor: &'a Actor,
    employee: &'a Employee,
}

/// Everything the page shows.
async fn build(
    state: &AppState,
    reader: Reader<'_>,
    ctx: PageCtx,
    case: Case,
    params: &Params,
    form: Option<FormState>,
    conflict_from: Option<i64>,
) -> Result<CasePage, UiError> {
    let lang = reader.lang;
    let now = Timestamp::now();
    let can_act = reader.actor.require(Role::Agent).is_ok();
    let s = &state.store;
    let customer_fut = async {
        match case.customer_id {
            Some(c) => match s.get_customer(c).await {
                Ok(c) => Ok(Some(c)),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    };
    let touchpoint_fut = async {
        match case.touchpoint_id {
            Some(t) => match s.get_touchpoint(t).await {
                Ok(t) => Ok(Some(t)),
                Err(StoreError::NotFound) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    };
    let guideline_filter = GuidelineFilter {
        category: Some(case.category.clone()),
    };
    let guideline_page = PageRequest::first(200);
    let guidelines_fut = s.list_guidelines(&guideline_filter, &guideline_page);
    let authority_fut = async {
        if can_act {
            s.remaining_authority(reader.actor.employee_id, case.unit_id, now)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    };
    let (unit, customer, touchpoint, categories, root_causes, messages, history, actions) = tokio::try_join!(
        s.get_unit(case.unit_id),
        customer_fut,
        touchpoint_fut,
        s.list_categories(),
        s.list_root_causes(),
        s.list_case_messages(case.id),
        s.case_history(case.id),
        s.list_recovery_actions(case.id),
    )?;
    let (guidelines, authority) = tokio::try_join!(guidelines_fut, authority_fut)?;
    let tz = tz_of(&unit);
    let currency = case.compensation.currency.clone();

    // Everyone named on the page, at once.
    let mut people: Vec<Uuid> = Vec::new();
    people.extend(case.assignee_id);
    people.extend(messages.iter().filter_map(|m| m.author_id));
    people.extend(history.iter().filter_map(|e| e.actor_id));
    for a in &actions {
        people.push(a.requested_by);
        people.extend(a.decided_by);
    }
    let employees = super::employee_names(state, people).await?;
    let root_cause_names: std::collections::HashMap<String, String> = root_causes
        .iter()
        .map(|r| (r.code.clone(), name_in(&r.name, lang)))
        .collect();
    let names = Names {
        employees: &employees,
        root_causes: &root_cause_names,
        currency: &currency,
    };
    let who = |id: Option<Uuid>| match id {
        Some(a) => employees
            .get(&a)
            .cloned()
            .unwrap_or_else(|| i18n::text("case.someone", lang).into()),
        None => i18n::text("case.system", lang).into(),
    };

    // Templates: in the language asked for, else the customer's.
    let template_lang = Locale::from_str_opt(params.get("template_lang"))
        .or(customer.as_ref().map(|c| c.locale))
        .unwrap_or(lang);
    let respond_allowed = can_act && case.allowed_actions.contains(&CaseAction::Respond);
    let rendered: Vec<RenderedTemplate> = if respond_allowed {
        fill_templates(
            state,
            reader.employee,
            &case,
            customer.as_ref(),
            &unit,
            template_lang,
        )
        .await?
    } else {
        vec![]
    };
    let chosen = params.get("template");
    let template_body = if chosen == "all" {
        rapport_domain::templates::TemplatePart::ALL
            .iter()
            .filter_map(|p| rendered.iter().find(|t| t.part == *p))
            .map(|t| t.body.trim_end().to_owned())
            .collect::<Vec<_>>()
            .join("\n\n")
    } else {
        rendered
            .iter()
            .find(|t| t.code == chosen)
            .map(|t| t.body.clone())
            .unwrap_or_default()
    };
    let mut unfilled: Vec<String> = rendered
        .iter()
        .filter(|t| t.code == chosen || (chosen == "all" && first_of_its_part(&rendered, t)))
        .flat_map(|t| t.unfilled.iter().map(|u| format!("{{{{{u}}}}}")))
        .collect();
    unfilled.sort();
    unfilled.dedup();
    let templates = rendered
        .iter()
        .map(|t| TemplateLink {
            code: t.code.clone(),
            title: t.title.clone(),
            part: label(lang, "part", t.part.as_str()),
            selected: t.code == chosen,
        })
        .collect();

    // The guideline for this category × severity × tier, the tier's own before `*`.
    let guideline = guidelines
        .items
        .iter()
        .filter(|g| {
            g.severity == case.severity
                && g.currency == currency
                && (g.tier == case.tier.as_str() || g.tier == "*")
        })
        .min_by_key(|g| g.tier == "*")
        .map(|g| {
            format!(
                "{} – {}",
                money(g.min_minor, &currency),
                money(g.max_minor, &currency)
            )
        });
    let authority_text = authority.as_ref().map(|a: &AuthorityLeft| {
        let period = label(lang, "period", a.period.as_str());
        match lang {
            Locale::Ko => format!(
                "{} 남음 (한도 {} · {period})",
                money(a.remaining_minor, &a.currency),
                money(a.limit_minor, &a.currency)
            ),
            Locale::En => format!(
                "{} left (limit {} · {period})",
                money(a.remaining_minor, &a.currency),
                money(a.limit_minor, &a.currency)
            ),
        }
    });

    let clocks = case
        .clocks
        .iter()
        .map(|c| {
            let running = c.state == "running";
            let late = c.breached_at.is_some() || c.state == "missed";
            ClockRow {
                target: label(lang, "target", c.target.as_str()),
                state: label(lang, "clock", &c.state),
                badge: match c.state.as_str() {
                    "met" => "met",
                    "missed" => "breached",
                    "paused" | "scheduled" => "pending",
                    _ if late => "breached",
                    _ if c.warned_at.is_some() => "at-risk",
                    _ => "ok",
                },
                due: c.due_at.map(|t| format::datetime(t, tz, lang)),
                warn: c.warn_at.map(|t| format::datetime(t, tz, lang)),
                countdown: match (running, c.due_at) {
                    (true, Some(due)) => Some(Countdown::new(due, c.warn_at, now, tz, lang)),
                    _ => None,
                },
                counted: format!(
                    "{} / {}",
                    format::duration(c.elapsed_seconds as f64, lang),
                    format::duration(c.target_seconds as f64, lang)
                ),
                basis: i18n::text(
                    match c.basis {
                        rapport_domain::business_time::ClockBasis::BusinessHours => {
                            "case.basis.business_hours"
                        }
                        rapport_domain::business_time::ClockBasis::Calendar => {
                            "case.basis.calendar"
                        }
                    },
                    lang,
                ),
            }
        })
        .collect();

    let message_rows = messages
        .iter()
        .map(|m| MessageRow {
            kind: m.kind.as_str(),
            visible: m.kind != MessageKind::Note,
            label: label(lang, "message", m.kind.as_str()),
            author: match m.kind {
                MessageKind::Customer => customer
                    .as_ref()
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| i18n::text("case.customer", lang).into()),
                _ => who(m.author_id),
            },
            at: format::datetime(m.at, tz, lang),
            body: m.body.clone(),
        })
        .collect();

    let history_rows: Vec<EventRow> = history
        .iter()
        .rev()
        .take(HISTORY_LIMIT)
        .map(|e| event_row(e, &names, tz, lang))
        .collect();
    let history_more = history.len().saturating_sub(HISTORY_LIMIT);

    let action_rows = actions
        .iter()
        .rev()
        .map(|a: &RecoveryAction| ActionRow {
            id: a.id,
            kind: label(lang, "recovery", a.kind.as_str()),
            amount: a.amount.as_ref().map(money_dto),
            status: label(lang, "status", a.status.as_str()),
            status_class: match a.status.as_str() {
                "effective" => "ok",
                "pending_approval" => "pending",
                _ => "breached",
            },
            requested: format!(
                "{} · {}",
                who(Some(a.requested_by)),
                format::datetime(a.requested_at, tz, lang)
            ),
            decided: a.decided_at.map(|at| {
                format!(
                    "{} · {}{}",
                    who(a.decided_by),
                    format::datetime(at, tz, lang),
                    a.decision_reason
                        .as_deref()
                        .map(|r| format!(" — {}", short(r)))
                        .unwrap_or_default()
                )
            }),
            note: a.note.clone(),
            outside_guideline: a.outside_guideline,
        })
        .collect();

    let conflict = conflict_from.map(|yours| {
        let changes = changes_since(&history, yours, case.version)
            .into_iter()
            .map(|e| event_row(e, &names, tz, lang))
            .collect();
        let typed = form
            .as_ref()
            .map(|f| {
                f.values
                    .iter()
                    .filter(|(k, v)| {
                        !v.trim().is_empty() && !matches!(k.as_str(), "csrf" | "version" | "kind")
                    })
                    .map(|(k, v)| (i18n::text(field_label(k), lang), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Conflict {
            yours,
            current: case.version,
            stage: label(lang, "stage", case.stage.as_str()),
            changes,
            typed,
        }
    });

    let category = categories
        .iter()
        .find(|c| c.code == case.category)
        .map(|c| name_in(&c.name, lang))
        .unwrap_or_else(|| case.category.clone());
    let typed_root = form
        .as_ref()
        .filter(|f| f.form == "close")
        .and_then(|f| f.values.iter().rev().find(|(k, _)| k == "root_cause"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let typed_sat = form
        .as_ref()
        .filter(|f| f.form == "follow-up")
        .and_then(|f| f.values.iter().rev().find(|(k, _)| k == "satisfaction"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Ok(CasePage {
        ctx,
        id: case.id,
        version: case.version,
        number: case.number.clone(),
        stage: label(lang, "stage", case.stage.as_str()),
        stage_code: case.stage.as_str(),
        waiting: case.waiting_on_customer,
        customer: customer
            .as_ref()
            .map(|c| (c.id, c.name.clone(), label(lang, "tier", c.tier.as_str()))),
        category,
        severity: label(lang, "severity", &case.severity.to_string()),
        priority: super::priority_class(case.priority),
        priority_label: label(lang, "priority", case.priority.as_str()),
        tier: label(lang, "tier", case.tier.as_str()),
        assignee: case.assignee_id.map(|a| who(Some(a))),
        unit: name_in(&unit.name, lang),
        source: label(lang, "source", case.source.as_str()),
        channel: label(lang, "channel", case.channel.as_str()),
        touchpoint: touchpoint.map(|t| name_in(&t.name, lang)),
        description: case.description.clone(),
        compensation: money_dto(&case.compensation),
        reopened: case.reopened_count,
        satisfaction: case.satisfaction,
        root_cause: case.root_cause.as_ref().map(|rc| {
            (
                root_cause_names
                    .get(rc)
                    .cloned()
                    .unwrap_or_else(|| rc.clone()),
                case.root_cause_note.clone().unwrap_or_default(),
            )
        }),
        next: Countdown::of_case(&case, now, tz, lang),
        breached: case.breached,
        steps: steps(&case, now, tz, lang),
        stamps: vec![
            stamp(
                i18n::text("case.ts.occurred", lang),
                Some(case.occurred_at),
                tz,
                lang,
            ),
            stamp(
                i18n::text("case.ts.detected", lang),
                Some(case.detected_at),
                tz,
                lang,
            ),
            stamp(
                i18n::text("case.ts.acknowledged", lang),
                case.acknowledged_at,
                tz,
                lang,
            ),
            stamp(
                i18n::text("case.ts.first_response", lang),
                case.first_response_at,
                tz,
                lang,
            ),
            stamp(
                i18n::text("case.ts.resolved", lang),
                case.resolved_at,
                tz,
                lang,
            ),
            stamp(
                i18n::text("case.ts.follow_up_due", lang),
                case.follow_up_due_at,
                tz,
                lang,
            ),
            stamp(
                i18n::text("case.ts.follow_up_done", lang),
                case.follow_up_done_at,
                tz,
                lang,
            ),
            stamp(i18n::text("case.ts.closed", lang), case.closed_at, tz, lang),
        ],
        clocks,
        messages: message_rows,
        history: history_rows,
        history_more,
        actions: action_rows,
        allowed: case.allowed_actions.clone(),
        can_act,
        recovery_open: can_act && matches!(case.stage, Stage::Immediate | Stage::FollowUp),
        recovery_kinds: RecoveryKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), label(lang, "recovery", k.as_str()), ""))
            .collect(),
        currency: currency.clone(),
        guideline,
        authority: authority_text,
        root_causes: root_causes
            .iter()
            .filter(|r| r.active)
            .map(|r| Choice::new(r.code.clone(), name_in(&r.name, lang), &typed_root))
            .collect(),
        templates,
        template_lang: template_lang.as_str(),
        template_all: chosen == "all",
        template_body,
        template_unfilled: unfilled.join(", "),
        template_langs: [Locale::Ko, Locale::En]
            .iter()
            .map(|l| {
                Choice::new(
                    l.as_str(),
                    i18n::text(&format!("lang.{}", l.as_str()), lang),
                    template_lang.as_str(),
                )
            })
            .collect(),
        satisfactions: (1..=5)
            .map(|n| {
                Choice::new(
                    n.to_string(),
                    label(lang, "satisfaction", &n.to_string()),
                    &typed_sat,
                )
            })
            .collect(),
        form,
        conflict,
    })
}

/// Whether `t` is the first template of its part (those "all three parts" joins).
fn first_of_its_part(all: &[RenderedTemplate], t: &RenderedTemplate) -> bool {
    all.iter()
        .find(|x| x.part == t.part)
        .is_some_and(|x| x.code == t.code)
}

/// The label of a form field, for the "what you entered" list of a conflict.
fn field_label(field: &str) -> &'static str {
    match field {
        "note" => "case.field.note",
        "body" => "case.field.body",
        "summary" => "case.field.summary",
        "satisfaction" => "case.field.satisfaction",
        "root_cause" => "case.field.root_cause",
        "reason" => "case.field.reason",
        "amount" => "case.field.amount",
        _ => "case.field.other",
    }
}

fn parse_id(text: &str) -> Result<Uuid, UiError> {
    text.parse().map_err(|_| UiError::NotFound(None))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let id = parse_id(&id).map_err(|_| UiError::NotFound(Some(staff.lang)))?;
    let case = match load_visible_case(&state, &staff.actor, id).await {
        Err(StoreError::NotFound) => return Err(UiError::NotFound(Some(staff.lang))),
        other => other?,
    };
    let params = Params::parse(raw.as_deref());
    let mut ctx = staff.ctx(
        format!("{} · {}", case.number, staff.t("case.title")),
        "queue",
    );
    ctx.notice = notice(&params, staff.lang);
    let page = build(
        &state,
        Reader {
            lang: staff.lang,
            actor: &staff.actor,
            employee: &staff.session.employee,
        },
        ctx,
        case,
        &params,
        None,
        None,
    )
    .await?;
    Ok(render_status(&page, StatusCode::OK))
}

/// What a failed POST shows: the page again, with the form's errors or the conflict.
enum Outcome {
    Done(&'static str),
    Invalid(Vec<FieldError>),
    Alert(String),
    Conflict(i64),
}

fn action_of(slug: &str) -> Option<CaseAction> {
    Some(match slug {
        "acknowledge" => CaseAction::Acknowledge,
        "respond" => CaseAction::Respond,
        "wait-for-customer" => CaseAction::WaitForCustomer,
        "customer-replied" => CaseAction::CustomerReplied,
        "resolve" => CaseAction::Resolve,
        "follow-up" => CaseAction::CompleteFollowUp,
        "close" => CaseAction::Close,
        "reopen" => CaseAction::Reopen,
        _ => return None,
    })
}

pub(crate) async fn act(
    State(state): State<AppState>,
    Path((id, slug)): Path<(String, String)>,
    form: StaffForm<AgentRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let lang = staff.lang;
    let id = parse_id(&id).map_err(|_| UiError::NotFound(Some(lang)))?;
    if action_of(&slug).is_none() && slug != "messages" && slug != "recovery-actions" {
        return Err(UiError::NotFound(Some(lang)));
    }
    let case = match load_visible_case(&state, &staff.actor, id).await {
        Err(StoreError::NotFound) => return Err(UiError::NotFound(Some(lang))),
        other => other?,
    };
    let version: i64 = form.get("version").trim().parse().unwrap_or(0);
    let change = staff.change();
    let scope = staff.actor.unit_scope();
    let outcome = if let Some(action) = action_of(&slug) {
        let sat = form.get("satisfaction").trim();
        let satisfaction = match sat {
            "" => Ok(None),
            s => s.parse::<i64>().map(Some).map_err(|_| {
                FieldError::new("satisfaction", "out_of_range", "satisfaction is 1 to 5")
            }),
        };
        let fields = ActionFields {
            note: Some(form.get("note")),
            body: Some(form.get("body")),
            summary: Some(form.get("summary")),
            satisfaction: satisfaction.clone().unwrap_or(None),
            root_cause: Some(form.get("root_cause")),
            reason: Some(form.get("reason")),
        };
        match (case_command(action, &fields), satisfaction) {
            (_, Err(e)) => Outcome::Invalid(vec![e]),
            (Err(errors), _) => Outcome::Invalid(errors),
            (Ok(command), _) => {
                match state
                    .store
                    .act_on_case(&change, scope, id, Some(version), &command)
                    .await
                {
                    Ok(_) => Outcome::Done(action.as_str()),
                    Err(e) => store_outcome(e, lang, version)?,
                }
            }
        }
    } else if version != case.version {
        // Notes and recovery actions carry no version in storage: checked here.
        Outcome::Conflict(version)
    } else if slug == "messages" {
        match (
            form.get("kind"),
            crate::routes::cases::required_text("body", form.get("body")),
        ) {
            (_, Err(e)) => Outcome::Invalid(vec![e]),
            ("customer", Ok(body)) if case.waiting_on_customer => {
                let command = rapport_store::CaseCommand::CustomerReplied { body: Some(body) };
                match state
                    .store
                    .act_on_case(&change, scope, id, Some(version), &command)
                    .await
                {
                    Ok(_) => Outcome::Done("customer_replied"),
                    Err(e) => store_outcome(e, lang, version)?,
                }
            }
            (kind @ ("note" | "customer"), Ok(body)) => {
                let k = if kind == "note" {
                    MessageKind::Note
                } else {
                    MessageKind::Customer
                };
                match state.store.add_message(&change, scope, id, k, &body).await {
                    Ok(_) => Outcome::Done(if kind == "note" { "note" } else { "customer" }),
                    Err(e) => store_outcome(e, lang, version)?,
                }
            }
            _ => Outcome::Invalid(vec![FieldError::new(
                "kind",
                "invalid_value",
                "note or customer",
            )]),
        }
    } else {
        let mut v = Validation::new();
        let kind = v.check(RecoveryKind::parse("kind", form.get("kind").trim()));
        let currency = Currency::parse("currency", &case.compensation.currency)
            .map_err(|_| UiError::Internal("a case's currency is unknown".into()))?;
        let amount = match form.opt("amount") {
            None => None,
            Some(a) => v.check(super::parse_amount("amount", a, currency)),
        };
        match kind {
            None => Outcome::Invalid(v.into_errors()),
            Some(kind) => match new_recovery_action(kind, amount, form.get("note"), v) {
                Err(errors) => Outcome::Invalid(errors),
                Ok(action) => match state
                    .store
                    .request_recovery_action(&change, &staff.actor, id, &action)
                    .await
                {
                    Ok(a) if a.status == rapport_domain::case::ActionStatus::PendingApproval => {
                        Outcome::Done("action_pending")
                    }
                    Ok(_) => Outcome::Done("action_effective"),
                    Err(e) => store_outcome(e, lang, version)?,
                },
            },
        }
    };
    let (status, state_of_form, conflict) = match outcome {
        Outcome::Done(notice) => {
            let anchor = match notice {
                "action_pending" | "action_effective" => "#recovery-actions",
                "note" | "customer" | "respond" | "customer_replied" => "#messages",
                _ => "",
            };
            return Ok(see_other(&format!("/cases/{id}?notice={notice}{anchor}")));
        }
        Outcome::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormState {
                form: slug.clone(),
                values: form.fields.clone(),
                errors: errors
                    .iter()
                    .map(|e| {
                        let field = match e.field.as_str() {
                            f if f.starts_with("amount") => "amount".to_owned(),
                            f => f.to_owned(),
                        };
                        (field, error_text(e, lang))
                    })
                    .collect(),
                alert: None,
            },
            None,
        ),
        Outcome::Alert(message) => (
            StatusCode::CONFLICT,
            FormState {
                form: slug.clone(),
                values: form.fields.clone(),
                errors: vec![],
                alert: Some(message),
            },
            None,
        ),
        Outcome::Conflict(yours) => (
            StatusCode::CONFLICT,
            FormState {
                form: slug.clone(),
                values: form.fields.clone(),
                errors: vec![],
                alert: None,
            },
            Some(yours),
        ),
    };
    // Shown again from the case as it is now.
    let case = match load_visible_case(&state, &staff.actor, id).await {
        Err(StoreError::NotFound) => return Err(UiError::NotFound(Some(lang))),
        other => other?,
    };
    let ctx = staff.ctx(
        format!("{} · {}", case.number, staff.t("case.title")),
        "queue",
    );
    let page = build(
        &state,
        Reader {
            lang,
            actor: &staff.actor,
            employee: &staff.session.employee,
        },
        ctx,
        case,
        &Params::default(),
        Some(state_of_form),
        conflict,
    )
    .await?;
    Ok(render_status(&page, status))
}

/// How a refused store call shows on the page.
fn store_outcome(e: StoreError, lang: Locale, version: i64) -> Result<Outcome, UiError> {
    Ok(match e {
        StoreError::VersionConflict { .. } => Outcome::Conflict(version),
        StoreError::Invalid(errors) => Outcome::Invalid(errors),
        StoreError::NotAllowed(_) => {
            Outcome::Alert(i18n::text("case.alert.not_allowed", lang).to_owned())
        }
        StoreError::StateConflict(_) => {
            Outcome::Alert(i18n::text("case.alert.state", lang).to_owned())
        }
        StoreError::Forbidden(_) => Outcome::Alert(i18n::text("error.forbidden", lang).to_owned()),
        StoreError::NotFound => return Err(UiError::NotFound(Some(lang))),
        other => return Err(other.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str) -> CaseEvent {
        CaseEvent {
            id: Uuid::now_v7(),
            at: Timestamp::now(),
            actor_id: None,
            kind: kind.into(),
            details: serde_json::json!({}),
        }
    }

    #[test]
    fn the_changes_since_a_version_include_the_notes_between_them() {
        let h = vec![
            ev("created"),
            ev("acknowledge"),
            ev("note"),
            ev("respond"),
            ev("sla_warning"),
        ];
        // Version 2 after acknowledging; the respond made it 3.
        let kinds: Vec<_> = changes_since(&h, 2, 3)
            .iter()
            .map(|e| e.kind.clone())
            .collect();
        assert_eq!(kinds, ["sla_warning", "respond"]);
        let kinds: Vec<_> = changes_since(&h, 1, 3)
            .iter()
            .map(|e| e.kind.clone())
            .collect();
        assert_eq!(kinds, ["sla_warning", "respond", "note", "acknowledge"]);
    }

    #[test]
    fn every_form_field_label_exists() {
        for f in [
            "note",
            "body",
            "summary",
            "satisfaction",
            "root_cause",
            "reason",
            "amount",
            "x",
        ] {
            assert!(i18n::has_key(field_label(f)), "{f}");
        }
        for k in [
            "case.alert.not_allowed",
            "case.alert.state",
            "case.someone",
            "case.system",
            "case.basis.business_hours",
            "case.basis.calendar",
        ] {
            assert!(i18n::has_key(k), "{k}");
        }
        for n in 1..=5 {
            assert!(i18n::has_key(&format!("case.satisfaction.{n}")));
        }
        for kind in [
            "created",
            "updated",
            "acknowledge",
            "first_response",
            "respond",
            "wait_for_customer",
            "customer_replied",
            "resolve",
            "complete_follow_up",
            "close",
            "reopen",
            "note",
            "customer_message",
            "action_taken",
            "action_requested",
            "action_approved",
            "action_rejected",
            "sla_warning",
            "sla_breach",
        ] {
            assert!(i18n::has_key(&format!("case.event.{kind}")), "{kind}");
        }
    }
}
