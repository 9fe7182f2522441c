//! Customer pages: search (`/customers?q=`), the customer page with profile, value and
//! recovery history at a glance and one timeline of encounters, cases and survey answers,
//! and the profile form.
//!
//! Customers belong to the whole organisation; what happened to them belongs to units. Staff
//! of a unit see every customer but only their unit's encounters, cases and survey answers
//! (and figures computed from those); admins see everything.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use rapport_domain::Timestamp;
use rapport_domain::customer::{
    Customer, CustomerInput, CustomerQuery, DateKind, ImportantDate, Locale, Tier,
};
use rapport_domain::encounter::Outcome;
use rapport_domain::text::LocalizedName;
use rapport_store::{
    CaseBrief, Cursor, CustomerFilter, EncounterFilter, Page, PageRequest, ResponseFilter,
    StoreError, SurveyResponse,
};
use serde::Deserialize;
use uuid::Uuid;

use super::manage::{
    ConflictRow, FormErrors, UnitCache, money, money_list, not_found_as, parse_id, priority_key,
    stage_key, tier_key, time_zone, unit_name,
};
use super::session::{Staff, StaffForm};
use super::{PageCtx, UiError, format, i18n, render, render_status, see_other};
use crate::AppState;
use crate::auth::{AgentRole, ViewerRole};

/// Search results shown at most (the store returns the best matches by name).
const SEARCH_LIMIT: i64 = 50;
/// Timeline entries per page.
const TIMELINE_PAGE: i64 = 20;
/// Important date rows offered beyond the stored ones.
const SPARE_DATE_ROWS: usize = 2;
const MAX_DATES: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", get(search))
        .route("/customers/new", get(new_form).post(create))
        .route("/customers/{id}", get(show).post(update))
        .route("/customers/{id}/edit", get(edit_form))
}

pub fn tier_class(t: Tier) -> &'static str {
    match t {
        Tier::Standard => "tier-standard",
        Tier::Silver => "tier-silver",
        Tier::Gold => "tier-gold",
        Tier::Vip => "tier-vip",
    }
}

fn localized(name: &LocalizedName, lang: Locale) -> String {
    match lang {
        Locale::Ko => name.ko.clone(),
        Locale::En => name.en.clone(),
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

// ---- search ---------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
    tier: Option<String>,
    cursor: Option<String>,
}

pub struct CustomerRow {
    pub href: String,
    pub name: String,
    pub tier: &'static str,
    pub tier_class: &'static str,
    pub phone: String,
    pub email: String,
}

pub struct TierOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/customers/search.html")]
struct SearchPage {
    ctx: PageCtx,
    q: String,
    tiers: Vec<TierOption>,
    searched: bool,
    rows: Vec<CustomerRow>,
    more_href: Option<String>,
    errors: FormErrors,
}

fn row_of(c: &Customer, lang: Locale) -> CustomerRow {
    CustomerRow {
        href: format!("/customers/{}", c.id),
        name: c.name.clone(),
        tier: i18n::text(tier_key(c.tier), lang),
        tier_class: tier_class(c.tier),
        phone: c.phone.clone().unwrap_or_default(),
        email: c.email.clone().unwrap_or_default(),
    }
}

pub async fn search(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let text = q.q.clone().unwrap_or_default();
    let tier = q.tier.as_deref().and_then(Tier::from_str_opt);
    let tiers = Tier::ALL
        .iter()
        .map(|t| TierOption {
            value: t.as_str(),
            label: i18n::text(tier_key(*t), lang),
            selected: Some(*t) == tier,
        })
        .collect();
    let mut errors = FormErrors::default();
    let query = if text.trim().is_empty() {
        None
    } else {
        match CustomerQuery::parse("q", &text) {
            Ok(q) => Some(q),
            Err(e) => {
                errors.add("q", super::manage::code_key(&e.code));
                None
            }
        }
    };
    let mut page = SearchPage {
        ctx: staff.ctx(staff.t("nav.customers"), "customers"),
        q: text,
        tiers,
        searched: false,
        rows: vec![],
        more_href: None,
        errors,
    };
    if !page.errors.is_empty() {
        return Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if query.is_none() && tier.is_none() {
        return Ok(render(&page));
    }
    let after = match q.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => Some(Cursor::decode("cursor", c).map_err(|e| UiError::BadRequest(e.message))?),
        None => None,
    };
    let found = state
        .store
        .list_customers(
            &CustomerFilter { query, tier },
            &PageRequest {
                after,
                limit: SEARCH_LIMIT,
            },
        )
        .await?;
    page.searched = true;
    page.rows = found.items.iter().map(|c| row_of(c, lang)).collect();
    page.more_href = found.next_cursor.map(|c| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &page.q)
            .append_pair("tier", tier.map(Tier::as_str).unwrap_or(""))
            .append_pair("cursor", &c)
            .finish();
        format!("/customers?{query}")
    });
    Ok(render(&page))
}

// ---- the customer page ------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    before: Option<String>,
    saved: Option<String>,
}

/// Where each source of the timeline continues: from its start, after a cursor, or done.
#[derive(Debug, Clone, PartialEq)]
enum Resume {
    Start,
    After(Cursor),
    Done,
}

impl Resume {
    fn token(&self) -> String {
        match self {
            Resume::Start => "-".into(),
            Resume::After(c) => c.encode(),
            Resume::Done => "x".into(),
        }
    }

    fn parse(t: &str) -> Option<Self> {
        match t {
            "-" | "" => Some(Resume::Start),
            "x" => Some(Resume::Done),
            c => Cursor::decode("before", c).ok().map(Resume::After),
        }
    }

    fn page(&self) -> Option<PageRequest> {
        match self {
            Resume::Start => Some(PageRequest::first(TIMELINE_PAGE)),
            Resume::After(c) => Some(PageRequest {
                after: Some(c.clone()),
                limit: TIMELINE_PAGE,
            }),
            Resume::Done => None,
        }
    }
}

/// The timeline's position: encounters, cases and survey answers, each on its own.
fn parse_before(text: Option<&str>) -> Option<[Resume; 3]> {
    let Some(t) = text.filter(|t| !t.is_empty()) else {
        return Some([Resume::Start, Resume::Start, Resume::Start]);
    };
    let parts: Vec<&str> = t.split('.').collect();
    match parts.as_slice() {
        [e, c, s] => Some([Resume::parse(e)?, Resume::parse(c)?, Resume::parse(s)?]),
        _ => None,
    }
}

/// One entry of the timeline.
pub struct Entry {
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub at: String,
    pub at_iso: String,
    pub unit: String,
    pub title: String,
    pub href: Option<String>,
    pub badges: Vec<(&'static str, String)>,
    pub facts: Vec<String>,
    /// Words typed by the customer or staff, shown as text.
    pub text: Option<String>,
}

struct Sortable {
    at: Timestamp,
    source: usize,
    id: Uuid,
    entry: Entry,
}

pub struct DateRow {
    pub kind: &'static str,
    pub label: String,
    pub when: String,
    pub soon: Option<String>,
}

pub struct Stat {
    pub key: &'static str,
    pub value: String,
    pub id: &'static str,
}

#[derive(askama::Template)]
#[template(path = "ui/customers/show.html")]
struct ShowPage {
    ctx: PageCtx,
    id: String,
    name: String,
    tier: &'static str,
    tier_class: &'static str,
    email: String,
    phone: String,
    locale: &'static str,
    consent: bool,
    consent_at: String,
    since: String,
    preferences: Vec<String>,
    notes: String,
    dates: Vec<DateRow>,
    scoped: bool,
    stats: Vec<Stat>,
    entries: Vec<Entry>,
    more_href: Option<String>,
    first_page: bool,
    can_edit: bool,
}

fn date_kind_key(k: DateKind) -> &'static str {
    match k {
        DateKind::Birthday => "customer.date.birthday",
        DateKind::Anniversary => "customer.date.anniversary",
        DateKind::Other => "customer.date.other",
    }
}

/// Days from `today` to the next `month`/`day` (29 February counts as 1 March in other years).
fn days_until(today: chrono::NaiveDate, month: u8, day: u8) -> Option<i64> {
    let on = |year: i32| {
        chrono::NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day))
            .or_else(|| chrono::NaiveDate::from_ymd_opt(year, 3, 1))
    };
    let this = on(today.year())?;
    let next = if this >= today {
        this
    } else {
        on(today.year() + 1)?
    };
    Some((next - today).num_days())
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let id = parse_id(&id, lang)?;
    let customer = state
        .store
        .get_customer(id)
        .await
        .map_err(|e| not_found_as(e, lang))?;
    let scope = staff.actor.unit_scope();
    let resume = parse_before(q.before.as_deref())
        .ok_or_else(|| UiError::BadRequest("before: not a timeline position".into()))?;
    let first_page = resume.iter().all(|r| *r == Resume::Start);
    let store = &state.store;
    let encounters = async {
        match resume[0].page() {
            Some(p) => {
                store
                    .list_encounters(
                        &EncounterFilter {
                            customer: Some(id),
                            unit: scope,
                            ..Default::default()
                        },
                        &p,
                    )
                    .await
            }
            None => Ok(Page {
                items: vec![],
                next_cursor: None,
            }),
        }
    };
    let cases = async {
        match resume[1].page() {
            Some(p) => store.list_customer_cases(id, scope, &p).await,
            None => Ok(Page {
                items: vec![],
                next_cursor: None,
            }),
        }
    };
    let surveys = async {
        match resume[2].page() {
            Some(p) => {
                store
                    .list_responses(
                        &ResponseFilter {
                            customer: Some(id),
                            unit: scope,
                            ..Default::default()
                        },
                        &p,
                    )
                    .await
            }
            None => Ok(Page {
                items: vec![],
                next_cursor: None,
            }),
        }
    };
    let (figures, encounters, cases, surveys, categories) = tokio::try_join!(
        store.customer_figures(id, scope),
        encounters,
        cases,
        surveys,
        store.list_categories(),
    )?;

    // Names of what the entries refer to, each looked up once.
    let tp_ids: Vec<Uuid> = encounters
        .items
        .iter()
        .map(|e| e.touchpoint_id)
        .chain(surveys.items.iter().filter_map(|r| r.touchpoint_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let touchpoints = store.touchpoint_names(&tp_ids).await?;
    let category_names: HashMap<&str, String> = categories
        .iter()
        .map(|c| (c.code.as_str(), localized(&c.name, lang)))
        .collect();
    let mut units = UnitCache::default();
    let show_unit = scope.is_none();

    let mut all: Vec<Sortable> = Vec::new();
    for e in &encounters.items {
        let (tz, unit) = unit_of(&state, &mut units, e.unit_id, lang).await?;
        let mut badges = vec![];
        if e.outcome == Outcome::Failed {
            badges.push(("high", staff.t("customer.failed").to_owned()));
        }
        let mut facts = vec![format!(
            "{} {}",
            staff.t("customer.duration"),
            format::duration(e.started_at.seconds_until(e.ended_at), lang)
        )];
        if e.waiting_seconds > 0 {
            facts.push(format!(
                "{} {}",
                staff.t("customer.waited"),
                format::duration(e.waiting_seconds as f64, lang)
            ));
        }
        if let Some(r) = &e.revenue {
            facts.push(format!("{} {}", staff.t("customer.revenue"), money(r)));
        }
        all.push(Sortable {
            at: e.started_at,
            source: 0,
            id: e.id,
            entry: Entry {
                kind: "encounter",
                kind_label: staff.t("customer.kind.encounter"),
                at: format::datetime(e.started_at, tz, lang),
                at_iso: e.started_at.to_rfc3339(),
                unit: if show_unit { unit } else { String::new() },
                title: touchpoints
                    .get(&e.touchpoint_id)
                    .map(|n| localized(n, lang))
                    .unwrap_or_else(|| staff.t("customer.kind.encounter").to_owned()),
                href: None,
                badges,
                facts,
                text: None,
            },
        });
    }
    for c in &cases.items {
        let (tz, unit) = unit_of(&state, &mut units, c.unit_id, lang).await?;
        all.push(Sortable {
            at: c.detected_at,
            source: 1,
            id: c.id,
            entry: case_entry(&staff, c, tz, unit, show_unit, &category_names),
        });
    }
    for r in &surveys.items {
        let (tz, unit) = unit_of(&state, &mut units, r.unit_id, lang).await?;
        let entry = survey_entry(&state, &staff, r, tz, unit, show_unit, &touchpoints).await?;
        all.push(Sortable {
            at: r.submitted_at,
            source: 2,
            id: r.id,
            entry,
        });
    }
    // Newest first; within one source the store's own order (time, then id, descending).
    all.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then(a.source.cmp(&b.source))
            .then(b.id.cmp(&a.id))
    });
    all.truncate(TIMELINE_PAGE as usize);
    let fetched = [
        (encounters.items.len(), encounters.next_cursor.is_some()),
        (cases.items.len(), cases.next_cursor.is_some()),
        (surveys.items.len(), surveys.next_cursor.is_some()),
    ];
    let mut next = resume.clone();
    for (source, (count, more)) in fetched.iter().enumerate() {
        let shown: Vec<&Sortable> = all.iter().filter(|s| s.source == source).collect();
        next[source] = match (shown.last(), *count, *more) {
            _ if resume[source] == Resume::Done => Resume::Done,
            (None, 0, false) => Resume::Done,
            (None, _, _) => resume[source].clone(),
            (Some(_), n, false) if shown.len() == n => Resume::Done,
            (Some(last), _, _) => Resume::After(Cursor {
                key: last.at.micros(),
                id: last.id,
                ..Cursor::default()
            }),
        };
    }
    let more_href = next.iter().any(|r| *r != Resume::Done).then(|| {
        format!(
            "/customers/{id}?before={}",
            next.iter().map(Resume::token).collect::<Vec<_>>().join(".")
        )
    });

    let viewer_tz = match staff.actor.unit_id {
        Some(u) => unit_of(&state, &mut units, u, lang).await?.0,
        None => chrono_tz::Asia::Seoul,
    };
    let today = Timestamp::now()
        .to_datetime()
        .with_timezone(&viewer_tz)
        .date_naive();
    let dates = customer
        .important_dates
        .iter()
        .map(|d| {
            let soon = days_until(today, d.month, d.day)
                .filter(|n| *n <= 30)
                .map(|n| match n {
                    0 => staff.t("customer.today").to_owned(),
                    n => format!("D-{n}"),
                });
            DateRow {
                kind: staff.t(date_kind_key(d.kind)),
                label: d.label.clone().unwrap_or_default(),
                when: match d.year {
                    Some(y) if lang == Locale::Ko => {
                        format!(
                            "{y}년 {}",
                            format::month_day(d.month.into(), d.day.into(), lang)
                        )
                    }
                    Some(y) => format!(
                        "{} {y}",
                        format::month_day(d.month.into(), d.day.into(), lang)
                    ),
                    None => format::month_day(d.month.into(), d.day.into(), lang),
                },
                soon,
            }
        })
        .collect();
    let stats = vec![
        Stat {
            key: "customer.stat.encounters",
            value: format::integer(figures.encounters as i64),
            id: "stat-encounters",
        },
        Stat {
            key: "customer.stat.revenue",
            value: money_list(&figures.revenue),
            id: "stat-revenue",
        },
        Stat {
            key: "customer.stat.failed",
            value: format::integer(figures.failed_encounters as i64),
            id: "stat-failed",
        },
        Stat {
            key: "customer.stat.last_visit",
            value: figures
                .last_encounter_at
                .map(|t| format::day(t, viewer_tz, lang))
                .unwrap_or_else(|| "—".into()),
            id: "stat-last-visit",
        },
        Stat {
            key: "customer.stat.cases_open",
            value: format::integer(figures.cases_open as i64),
            id: "stat-cases-open",
        },
        Stat {
            key: "customer.stat.cases_closed",
            value: format::integer(figures.cases_closed as i64),
            id: "stat-cases-closed",
        },
        Stat {
            key: "customer.stat.compensation",
            value: money_list(&figures.compensation),
            id: "stat-compensation",
        },
        Stat {
            key: "customer.stat.satisfaction",
            value: match (figures.last_satisfaction, figures.last_satisfaction_at) {
                (Some(s), Some(at)) => format!("{s} / 5 · {}", format::day(at, viewer_tz, lang)),
                (Some(s), None) => format!("{s} / 5"),
                _ => "—".into(),
            },
            id: "stat-satisfaction",
        },
        Stat {
            key: "customer.stat.surveys",
            value: format::integer(figures.survey_responses as i64),
            id: "stat-surveys",
        },
    ];
    let mut ctx = staff.ctx(customer.name.clone(), "customers");
    if q.saved.is_some() {
        ctx = ctx.with_notice(staff.t("customer.saved"));
    }
    let page = ShowPage {
        ctx,
        id: customer.id.to_string(),
        name: customer.name.clone(),
        tier: staff.t(tier_key(customer.tier)),
        tier_class: tier_class(customer.tier),
        email: customer.email.clone().unwrap_or_default(),
        phone: customer.phone.clone().unwrap_or_default(),
        locale: match customer.locale {
            Locale::Ko => "한국어",
            Locale::En => "English",
        },
        consent: customer.marketing_consent,
        consent_at: customer
            .consent_updated_at
            .map(|t| format::day(t, viewer_tz, lang))
            .unwrap_or_default(),
        since: format::day(customer.created_at, viewer_tz, lang),
        preferences: customer.preferences.clone(),
        notes: customer.notes.clone(),
        dates,
        scoped: scope.is_some(),
        stats,
        entries: all.into_iter().map(|s| s.entry).collect(),
        more_href,
        first_page,
        can_edit: staff.has_role(rapport_domain::org::Role::Agent),
    };
    Ok(render(&page))
}

/// A unit's time zone and name (UTC and nothing for a unit that is gone).
async fn unit_of(
    state: &AppState,
    cache: &mut UnitCache,
    id: Uuid,
    lang: Locale,
) -> Result<(chrono_tz::Tz, String), UiError> {
    Ok(match cache.get(state, id).await? {
        Some(u) => (time_zone(u), unit_name(u, lang)),
        None => (chrono_tz::UTC, String::new()),
    })
}

fn case_entry(
    staff: &Staff<ViewerRole>,
    c: &CaseBrief,
    tz: chrono_tz::Tz,
    unit: String,
    show_unit: bool,
    categories: &HashMap<&str, String>,
) -> Entry {
    let lang = staff.lang;
    let (priority, priority_class) = priority_key(c.priority);
    let mut badges = vec![
        ("stage", staff.t(stage_key(c.stage)).to_owned()),
        (priority_class, staff.t(priority).to_owned()),
    ];
    if c.breached {
        badges.push(("breached", staff.t("customer.breached").to_owned()));
    }
    let mut facts = vec![format!("{} {}", staff.t("customer.severity"), c.severity)];
    if c.compensation.amount_minor > 0 {
        facts.push(format!(
            "{} {}",
            staff.t("customer.compensation"),
            money(&c.compensation)
        ));
    }
    if let Some(s) = c.satisfaction {
        facts.push(format!(
            "{} {s} / 5",
            staff.t("customer.recovery_satisfaction")
        ));
    }
    let category = categories
        .get(c.category.as_str())
        .cloned()
        .unwrap_or_else(|| c.category.clone());
    Entry {
        kind: "case",
        kind_label: staff.t("customer.kind.case"),
        at: format::datetime(c.detected_at, tz, lang),
        at_iso: c.detected_at.to_rfc3339(),
        unit: if show_unit { unit } else { String::new() },
        title: format!("{} · {category}", c.number),
        href: Some(format!("/cases/{}", c.id)),
        badges,
        facts,
        text: Some(clip(&c.description, 240)).filter(|t| !t.is_empty()),
    }
}

async fn survey_entry(
    state: &AppState,
    staff: &Staff<ViewerRole>,
    r: &SurveyResponse,
    tz: chrono_tz::Tz,
    unit: String,
    show_unit: bool,
    touchpoints: &HashMap<Uuid, LocalizedName>,
) -> Result<Entry, UiError> {
    let lang = staff.lang;
    let instrument = state.store.get_instrument(r.instrument_id).await?;
    let def = &instrument.definition;
    let answered: Vec<i64> = r.answers.values().flatten().copied().collect();
    let mut facts = Vec::new();
    if def.items.len() == 1 {
        if let Some(v) = answered.first() {
            facts.push(format!(
                "{} {v} / {}",
                staff.t("customer.score"),
                def.scale.max
            ));
        }
    } else {
        facts.push(format!(
            "{} {} / {}",
            staff.t("customer.answered"),
            answered.len(),
            def.items.len()
        ));
    }
    if let Some(n) = r.touchpoint_id.and_then(|t| touchpoints.get(&t)) {
        facts.push(localized(n, lang));
    }
    let mut badges = vec![];
    if r.recovery_case_id.is_some() {
        badges.push(("at-risk", staff.t("customer.opened_case").to_owned()));
    }
    Ok(Entry {
        kind: "survey",
        kind_label: staff.t("customer.kind.survey"),
        at: format::datetime(r.submitted_at, tz, lang),
        at_iso: r.submitted_at.to_rfc3339(),
        unit: if show_unit { unit } else { String::new() },
        title: localized(&instrument.name, lang),
        href: r.recovery_case_id.map(|c| format!("/cases/{c}")),
        badges,
        facts,
        text: r
            .comment
            .as_deref()
            .map(|c| clip(c, 400))
            .filter(|t| !t.is_empty()),
    })
}

// ---- the profile form -------------------------------------------------------------------------

/// One important-date row of the form, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DateInput {
    pub kind: String,
    pub label: String,
    pub month: String,
    pub day: String,
    pub year: String,
}

/// The profile form as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileForm {
    pub version: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub locale: String,
    pub tier: String,
    pub preferences: String,
    pub notes: String,
    pub dates: Vec<DateInput>,
    pub consent: bool,
}

impl ProfileForm {
    fn of(c: &Customer) -> Self {
        let mut dates: Vec<DateInput> = c
            .important_dates
            .iter()
            .map(|d| DateInput {
                kind: date_kind_str(d.kind).into(),
                label: d.label.clone().unwrap_or_default(),
                month: d.month.to_string(),
                day: d.day.to_string(),
                year: d.year.map(|y| y.to_string()).unwrap_or_default(),
            })
            .collect();
        pad_dates(&mut dates);
        Self {
            version: c.version.to_string(),
            name: c.name.clone(),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            locale: c.locale.as_str().into(),
            tier: c.tier.as_str().into(),
            preferences: c.preferences.join("\n"),
            notes: c.notes.clone(),
            dates,
            consent: c.marketing_consent,
        }
    }

    fn posted(f: &StaffForm<AgentRole>) -> Self {
        let mut dates = Vec::new();
        for i in 0..MAX_DATES {
            let get = |what: &str| f.get(&format!("date_{what}_{i}")).trim().to_owned();
            let row = DateInput {
                kind: get("kind"),
                label: get("label"),
                month: get("month"),
                day: get("day"),
                year: get("year"),
            };
            if f.fields
                .iter()
                .any(|(k, _)| k.starts_with("date_") && k.ends_with(&format!("_{i}")))
            {
                dates.push(row);
            }
        }
        Self {
            version: f.get("version").trim().to_owned(),
            name: f.get("name").to_owned(),
            email: f.get("email").trim().to_owned(),
            phone: f.get("phone").trim().to_owned(),
            locale: f.get("locale").to_owned(),
            tier: f.get("tier").to_owned(),
            preferences: f.get("preferences").to_owned(),
            notes: f.get("notes").to_owned(),
            dates,
            consent: f.opt("marketing_consent").is_some(),
        }
    }

    fn preference_list(&self) -> Vec<String> {
        self.preferences
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The input, or the errors by input name.
    fn parse(&self, lang: Locale) -> Result<rapport_domain::customer::NewCustomer, FormErrors> {
        let mut errors = FormErrors::default();
        let locale = Locale::from_str_opt(&self.locale).unwrap_or_else(|| {
            errors.add("locale", "form.required");
            Locale::Ko
        });
        let tier = Tier::from_str_opt(&self.tier).unwrap_or_else(|| {
            errors.add("tier", "form.required");
            Tier::Standard
        });
        // Rows left blank are skipped; `rows[i]` is the form row of the i-th date sent on.
        let mut dates = Vec::new();
        let mut rows = Vec::new();
        for (i, d) in self.dates.iter().enumerate() {
            if d.month.is_empty() && d.day.is_empty() && d.year.is_empty() && d.label.is_empty() {
                continue;
            }
            let mut num = |what: &str, text: &str, required: bool| -> Option<i64> {
                match super::manage::parse_int(text) {
                    Ok(Some(v)) => Some(v),
                    Ok(None) if !required => None,
                    Ok(None) => {
                        errors.add(format!("date_{what}_{i}"), "form.required");
                        None
                    }
                    Err(super::manage::NotANumber) => {
                        errors.add(format!("date_{what}_{i}"), "customer.err.not_a_number");
                        None
                    }
                }
            };
            let month = num("month", &d.month, true);
            let day = num("day", &d.day, true);
            let year = num("year", &d.year, false);
            let kind = match d.kind.as_str() {
                "birthday" => DateKind::Birthday,
                "anniversary" => DateKind::Anniversary,
                _ => DateKind::Other,
            };
            let (Some(month), Some(day)) = (month, day) else {
                continue;
            };
            let small = |v: i64| u8::try_from(v).unwrap_or(u8::MAX);
            dates.push(ImportantDate {
                kind,
                label: Some(d.label.clone()).filter(|l| !l.is_empty()),
                month: small(month),
                day: small(day),
                year: year.map(|y| i32::try_from(y).unwrap_or(i32::MAX)),
            });
            rows.push(i);
        }
        let input = CustomerInput {
            version: None,
            name: self.name.clone(),
            email: Some(self.email.clone()),
            phone: Some(self.phone.clone()),
            locale,
            tier,
            preferences: self.preference_list(),
            notes: self.notes.replace("\r\n", "\n"),
            important_dates: dates,
            marketing_consent: self.consent,
        };
        match input.parse() {
            Ok(c) if errors.is_empty() => Ok(c),
            Ok(_) => Err(errors),
            Err(domain) => {
                errors.domain(&domain, lang, |e| customer_input_of(e, &rows));
                Err(errors)
            }
        }
    }
}

fn date_kind_str(k: DateKind) -> &'static str {
    match k {
        DateKind::Birthday => "birthday",
        DateKind::Anniversary => "anniversary",
        DateKind::Other => "other",
    }
}

fn pad_dates(dates: &mut Vec<DateInput>) {
    let want = (dates.len() + SPARE_DATE_ROWS).min(MAX_DATES);
    while dates.len() < want {
        dates.push(DateInput {
            kind: "birthday".into(),
            ..Default::default()
        });
    }
}

/// The input of a domain field of `CustomerInput`: `important_dates[2].day` → `date_day_{row}`.
fn customer_input_of(
    e: &rapport_domain::FieldError,
    rows: &[usize],
) -> Option<(String, Option<&'static str>)> {
    let f = e.field.as_str();
    let input = match f {
        "name" | "email" | "phone" | "notes" => f.to_owned(),
        "important_dates" => "date_month_0".to_owned(),
        _ if f.starts_with("preferences") => "preferences".to_owned(),
        _ => {
            let rest = f.strip_prefix("important_dates[")?;
            let (i, what) = rest.split_once("].")?;
            let row = rows.get(i.parse::<usize>().ok()?)?;
            format!("date_{what}_{row}")
        }
    };
    Some((input, None))
}

pub struct DateFormRow {
    pub index: usize,
    pub input: DateInput,
}

pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/customers/edit.html")]
struct EditPage {
    ctx: PageCtx,
    /// Where the form is posted and where "back" and "cancel" lead.
    action: String,
    back_href: String,
    back_label: &'static str,
    /// The new customer's form was opened from the new-case form: saving goes on to that
    /// form with the customer chosen.
    to_new_case: bool,
    form: ProfileForm,
    rows: Vec<DateFormRow>,
    tiers: Vec<Opt>,
    locales: Vec<Opt>,
    kinds: Vec<&'static str>,
    errors: FormErrors,
    conflict: Vec<ConflictRow>,
}

impl EditPage {
    /// The text inputs of a date row: input prefix, value, label key.
    fn cells<'a>(&self, r: &'a DateFormRow) -> Vec<(&'static str, &'a str, &'static str)> {
        vec![
            ("label", r.input.label.as_str(), "customer.date.label"),
            ("month", r.input.month.as_str(), "customer.date.month"),
            ("day", r.input.day.as_str(), "customer.date.day"),
            ("year", r.input.year.as_str(), "customer.date.year"),
        ]
    }

    fn kind_label(&self, kind: &str) -> &'static str {
        self.ctx.t(match kind {
            "birthday" => "customer.date.birthday",
            "anniversary" => "customer.date.anniversary",
            _ => "customer.date.other",
        })
    }

    fn err(&self, what: &str, index: &usize) -> Option<&'static str> {
        self.errors.on(&format!("date_{what}_{index}"))
    }
}

/// The profile form: of `customer`, or of a new one when `None`.
fn edit_page(
    staff: &Staff<AgentRole>,
    to_new_case: bool,
    customer: Option<&Customer>,
    mut form: ProfileForm,
    errors: FormErrors,
    conflict: Vec<ConflictRow>,
) -> EditPage {
    let lang = staff.lang;
    pad_dates(&mut form.dates);
    let tiers = Tier::ALL
        .iter()
        .map(|t| Opt {
            value: t.as_str(),
            label: i18n::text(tier_key(*t), lang),
            selected: t.as_str() == form.tier,
        })
        .collect();
    let locales = [("ko", "한국어"), ("en", "English")]
        .into_iter()
        .map(|(value, label)| Opt {
            value,
            label,
            selected: value == form.locale,
        })
        .collect();
    let (title, action, back_href, back_label) = match customer {
        Some(c) => (
            format!("{} · {}", c.name, staff.t("customer.edit")),
            format!("/customers/{}", c.id),
            format!("/customers/{}", c.id),
            "customer.back",
        ),
        None if to_new_case => (
            staff.t("customer.new").to_owned(),
            "/customers/new".to_owned(),
            "/cases/new".to_owned(),
            "customer.back_to_new_case",
        ),
        None => (
            staff.t("customer.new").to_owned(),
            "/customers/new".to_owned(),
            "/customers".to_owned(),
            "customer.back_to_search",
        ),
    };
    EditPage {
        ctx: staff.ctx(title, "customers"),
        action,
        back_href,
        back_label,
        to_new_case,
        rows: form
            .dates
            .iter()
            .cloned()
            .enumerate()
            .map(|(index, input)| DateFormRow { index, input })
            .collect(),
        form,
        tiers,
        locales,
        kinds: vec!["birthday", "anniversary", "other"],
        errors,
        conflict,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff<AgentRole>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&id, staff.lang)?;
    let customer = state
        .store
        .get_customer(id)
        .await
        .map_err(|e| not_found_as(e, staff.lang))?;
    let form = ProfileForm::of(&customer);
    Ok(render(&edit_page(
        &staff,
        false,
        Some(&customer),
        form,
        FormErrors::default(),
        vec![],
    )))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: StaffForm<AgentRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let lang = staff.lang;
    let id = parse_id(&id, lang)?;
    let current = state
        .store
        .get_customer(id)
        .await
        .map_err(|e| not_found_as(e, lang))?;
    let typed = ProfileForm::posted(&form);
    let Some(version) = typed.version.parse::<i64>().ok().filter(|v| *v >= 1) else {
        return Err(UiError::BadRequest("version: required".into()));
    };
    let customer = match typed.parse(lang) {
        Ok(c) => c,
        Err(errors) => {
            let page = edit_page(staff, false, Some(&current), typed, errors, vec![]);
            return Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match state
        .store
        .update_customer(&staff.change(), id, version, &customer)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/customers/{id}?saved=1"))),
        Err(StoreError::VersionConflict { .. }) => {
            let now = state
                .store
                .get_customer(id)
                .await
                .map_err(|e| not_found_as(e, lang))?;
            let rows = conflict_rows(lang, &now, &typed);
            let mut typed = typed;
            // Saving again now replaces the current version, knowingly.
            typed.version = now.version.to_string();
            let page = edit_page(staff, false, Some(&now), typed, FormErrors::default(), rows);
            Ok(render_status(&page, StatusCode::CONFLICT))
        }
        Err(StoreError::Invalid(domain)) => {
            let mut errors = FormErrors::default();
            errors.domain(&domain, lang, |e| customer_input_of(e, &[]));
            let page = edit_page(staff, false, Some(&current), typed, errors, vec![]);
            Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(not_found_as(e, lang)),
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    then: Option<String>,
}

/// An empty profile form for a customer not yet on file (a walk-in who complains, say).
pub async fn new_form(
    staff: Staff<AgentRole>,
    Query(q): Query<NewQuery>,
) -> Result<Response, UiError> {
    let form = ProfileForm {
        locale: staff.lang.as_str().into(),
        tier: Tier::Standard.as_str().into(),
        ..ProfileForm::default()
    };
    Ok(render(&edit_page(
        &staff,
        q.then.as_deref() == Some("case"),
        None,
        form,
        FormErrors::default(),
        vec![],
    )))
}

pub async fn create(
    State(state): State<AppState>,
    form: StaffForm<AgentRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let lang = staff.lang;
    let typed = ProfileForm::posted(&form);
    // Where saving leads: back to the new-case form, or to the profile.
    let to_new_case = form.get("then") == "case";
    let customer = match typed.parse(lang) {
        Ok(c) => c,
        Err(errors) => {
            let page = edit_page(staff, to_new_case, None, typed, errors, vec![]);
            return Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match state
        .store
        .create_customer(&staff.change(), &customer)
        .await
    {
        Ok(c) if to_new_case => Ok(see_other(&format!("/cases/new?customer_id={}", c.id))),
        Ok(c) => Ok(see_other(&format!("/customers/{}?saved=1", c.id))),
        Err(StoreError::Invalid(domain)) => {
            let mut errors = FormErrors::default();
            errors.domain(&domain, lang, |e| customer_input_of(e, &[]));
            let page = edit_page(staff, to_new_case, None, typed, errors, vec![]);
            Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(not_found_as(e, lang)),
    }
}

fn conflict_rows(lang: Locale, now: &Customer, typed: &ProfileForm) -> Vec<ConflictRow> {
    let stored = ProfileForm::of(now);
    let mut rows = Vec::new();
    let mut push = |label: &'static str, current: String, yours: String| {
        if current.trim() != yours.trim() {
            rows.push(ConflictRow {
                label,
                current,
                yours,
            });
        }
    };
    push("customer.name", stored.name.clone(), typed.name.clone());
    push("customer.email", stored.email.clone(), typed.email.clone());
    push("customer.phone", stored.phone.clone(), typed.phone.clone());
    push(
        "customer.locale",
        stored.locale.clone(),
        typed.locale.clone(),
    );
    let tier = |t: &str| {
        Tier::from_str_opt(t)
            .map(|t| i18n::text(tier_key(t), lang).to_owned())
            .unwrap_or_else(|| t.to_owned())
    };
    push("customer.tier", tier(&stored.tier), tier(&typed.tier));
    push(
        "customer.preferences",
        stored.preference_list().join(", "),
        typed.preference_list().join(", "),
    );
    push(
        "customer.notes",
        stored.notes.replace("\r\n", "\n"),
        typed.notes.replace("\r\n", "\n"),
    );
    let dates = |f: &ProfileForm| {
        f.dates
            .iter()
            .filter(|d| !d.month.is_empty() || !d.day.is_empty())
            .map(|d| {
                let mut s = format!("{}/{}", d.month, d.day);
                if !d.year.is_empty() {
                    s = format!("{}/{s}", d.year);
                }
                if !d.label.is_empty() {
                    s = format!("{s} {}", d.label);
                }
                s
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    push("customer.dates", dates(&stored), dates(typed));
    let yes_no =
        |b: bool| i18n::text(if b { "customer.yes" } else { "customer.no" }, lang).to_owned();
    push(
        "customer.consent",
        yes_no(stored.consent),
        yes_no(typed.consent),
    );
    if rows.is_empty() {
        rows.push(ConflictRow {
            label: "customer.other_changes",
            current: String::new(),
            yours: String::new(),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeline_position_round_trips() {
        let c = Cursor {
            key: 42,
            id: Uuid::now_v7(),
            ..Cursor::default()
        };
        let t = [Resume::Done, Resume::After(c.clone()), Resume::Start]
            .iter()
            .map(Resume::token)
            .collect::<Vec<_>>()
            .join(".");
        assert_eq!(
            parse_before(Some(&t)),
            Some([Resume::Done, Resume::After(c), Resume::Start])
        );
        assert_eq!(parse_before(Some("a.b")), None);
        assert_eq!(
            parse_before(None),
            Some([Resume::Start, Resume::Start, Resume::Start])
        );
    }

    #[test]
    fn the_next_birthday_counts_from_today() {
        let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(days_until(d(2026, 3, 1), 3, 5), Some(4));
        assert_eq!(days_until(d(2026, 3, 6), 3, 5), Some(364));
        assert_eq!(
            days_until(d(2026, 2, 27), 2, 29),
            Some(2),
            "1 March in 2026"
        );
    }

    #[test]
    fn long_texts_are_clipped_on_characters() {
        assert_eq!(clip("가나다라마", 3), "가나다…");
        assert_eq!(clip(" 짧음 ", 3), "짧음");
    }

    #[test]
    fn date_errors_land_on_the_row_they_came_from() {
        let e = rapport_domain::FieldError::new("important_dates[1].day", "out_of_range", "x");
        assert_eq!(
            customer_input_of(&e, &[0, 3]).map(|(i, _)| i).as_deref(),
            Some("date_day_3")
        );
    }
}
