//! Quality pages: touchpoints with their contact level and the strategy that fits it, the
//! SERVQUAL report, the satisfaction figures (CSAT, NPS, effort) and the recovery report.
//!
//! Every page reads GET parameters `from`, `to` (YYYY-MM-DD, the unit's local dates),
//! `unit_id` (admins only; everyone else always sees their own unit) and `touchpoint_id`,
//! and reads only pre-aggregated figures: the survey statistics through
//! [`crate::routes::surveys::survey_reports`] (the same numbers as the JSON API), the
//! recovery summary, and the touchpoints' kept encounter totals.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;
use rapport_domain::Timestamp;
use rapport_domain::contact::{ContactLevel, LevelBasis, Touchpoint};
use rapport_domain::customer::Locale;
use rapport_domain::org::Unit;
use rapport_domain::survey::Section;
use rapport_domain::survey_stats::{AlphaUndefined, InstrumentReport, Quadrant, Satisfaction};
use rapport_domain::text::LocalizedName;
use rapport_store::{PageRequest, SummaryFilter, TouchpointFilter};
use uuid::Uuid;

use super::charts::{self, Bar, ChartLabels, Point, Series};
use super::{PageCtx, Staff, UiError, format, i18n, render, render_status};
use crate::AppState;
use crate::auth::ViewerRole;
use crate::error::ApiError;
use crate::routes::surveys::{ReportKind, SurveyReport, SurveyReportQuery, survey_reports};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quality/touchpoints", get(touchpoints))
        .route("/quality/servqual", get(servqual))
        .route("/quality/satisfaction", get(satisfaction))
        .route("/quality/recovery", get(recovery))
}

/// Dates are read in this zone when no unit is chosen (an admin looking at every unit).
const DEFAULT_TZ: Tz = chrono_tz::Asia::Seoul;
/// Touchpoints per page.
const PAGE_SIZE: i64 = 50;
/// Units and touchpoints offered in the filter's pickers.
const PICKER_SIZE: i64 = 100;

fn name_in(name: &LocalizedName, lang: Locale) -> &str {
    match lang {
        Locale::Ko => &name.ko,
        Locale::En => &name.en,
    }
}

fn num(x: Option<f64>, places: usize) -> String {
    x.map(|x| format::decimal(x, places))
        .unwrap_or_else(|| "—".into())
}

fn pct(x: Option<f64>) -> String {
    x.map(format::percent).unwrap_or_else(|| "—".into())
}

fn api_error(e: ApiError, lang: Locale) -> UiError {
    match e {
        ApiError::NotFound(_) => UiError::NotFound(Some(lang)),
        ApiError::Validation(errors) => UiError::BadRequest(
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => UiError::Internal(format!("{other:?}")),
    }
}

// ---------------------------------------------------------------------------------------
// Filters

/// The GET parameters, as typed.
#[derive(Debug, Default, Clone)]
struct Params {
    from: String,
    to: String,
    unit: String,
    touchpoint: String,
    cursor: String,
}

impl Params {
    fn read(raw: Option<&str>) -> Self {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let v: String = v.trim().chars().take(200).collect();
            match &*k {
                "from" => p.from = v,
                "to" => p.to = v,
                "unit_id" => p.unit = v,
                "touchpoint_id" => p.touchpoint = v,
                "cursor" => p.cursor = v,
                _ => {}
            }
        }
        p
    }
}

/// What the figures are computed over, once the filters are valid.
struct Scope {
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<Unit>,
    tz: Tz,
    touchpoint: Option<Touchpoint>,
}

impl Scope {
    fn unit_id(&self) -> Option<Uuid> {
        self.unit.as_ref().map(|u| u.id)
    }

    /// The survey report query of this scope, with a monthly trend.
    fn survey_query(&self, trend: bool) -> SurveyReportQuery {
        SurveyReportQuery {
            instrument: None,
            from: Some(self.from.format("%Y-%m-%d").to_string()),
            to: Some(self.to.format("%Y-%m-%d").to_string()),
            unit_id: self.unit_id(),
            touchpoint_id: self.touchpoint.as_ref().map(|t| t.id),
            level: None,
            tier: None,
            trend: trend.then(|| "month".to_owned()),
            format: None,
        }
    }

    /// `[from 00:00, to + 1 day 00:00)` in the scope's time zone.
    fn instants(&self) -> (Timestamp, Timestamp) {
        let start = |d: NaiveDate| {
            let local = d.and_hms_opt(0, 0, 0).expect("midnight exists");
            let at = self
                .tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_else(|| local.and_utc());
            Timestamp::from_datetime(at)
        };
        (start(self.from), start(self.to + chrono::Days::new(1)))
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filter form at the top of every quality page.
pub struct FilterView {
    pub action: &'static str,
    pub from: String,
    pub to: String,
    /// Admins pick a unit; everyone else sees their own, named.
    pub admin: bool,
    pub units: Vec<Opt>,
    pub unit_name: String,
    pub show_touchpoint: bool,
    pub touchpoints: Vec<Opt>,
    /// Field → message key.
    pub errors: Vec<(&'static str, &'static str)>,
    pub tz: String,
}

impl FilterView {
    pub fn error(&self, field: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    }
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
}

/// Reads and checks the filters against what the employee may see. A touchpoint of another
/// unit answers 404, like any record outside the reader's unit.
async fn resolve(
    state: &AppState,
    staff: &Staff<ViewerRole>,
    p: &Params,
    action: &'static str,
    show_touchpoint: bool,
) -> Result<(Option<Scope>, FilterView), UiError> {
    let lang = staff.lang;
    let store = &state.store;
    let mut errors: Vec<(&'static str, &'static str)> = Vec::new();
    let admin = staff.actor.is_admin();

    let mut unit: Option<Unit> = None;
    if admin {
        if !p.unit.is_empty() {
            match p.unit.parse::<Uuid>() {
                Ok(id) => match store.get_unit(id).await {
                    Ok(u) => unit = Some(u),
                    Err(rapport_store::StoreError::NotFound) => {
                        errors.push(("unit_id", "sq.filter.bad_unit"))
                    }
                    Err(e) => return Err(e.into()),
                },
                Err(_) => errors.push(("unit_id", "sq.filter.bad_unit")),
            }
        }
    } else {
        let Some(id) = staff.actor.unit_id else {
            return Err(UiError::Forbidden(lang));
        };
        unit = Some(store.get_unit(id).await?);
    }

    let mut touchpoint = None;
    if show_touchpoint && !p.touchpoint.is_empty() {
        match p.touchpoint.parse::<Uuid>() {
            Ok(id) => match store.get_touchpoint(id).await {
                Ok(t) if !staff.actor.can_see_unit(t.unit_id) => {
                    return Err(UiError::NotFound(Some(lang)));
                }
                Ok(t) => {
                    match &unit {
                        Some(u) if u.id != t.unit_id => {
                            errors.push(("touchpoint_id", "sq.filter.tp_other_unit"))
                        }
                        Some(_) => {}
                        None => unit = Some(store.get_unit(t.unit_id).await?),
                    }
                    touchpoint = Some(t);
                }
                Err(rapport_store::StoreError::NotFound) => {
                    errors.push(("touchpoint_id", "sq.filter.bad_touchpoint"))
                }
                Err(e) => return Err(e.into()),
            },
            Err(_) => errors.push(("touchpoint_id", "sq.filter.bad_touchpoint")),
        }
    }

    let tz: Tz = unit
        .as_ref()
        .and_then(|u| u.time_zone.parse().ok())
        .unwrap_or(DEFAULT_TZ);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let to = if p.to.is_empty() {
        Some(today)
    } else {
        let d = parse_day(&p.to);
        if d.is_none() {
            errors.push(("to", "sq.filter.bad_date"));
        }
        d
    };
    let from = if p.from.is_empty() {
        to.map(|t| t - chrono::Days::new(364))
    } else {
        let d = parse_day(&p.from);
        if d.is_none() {
            errors.push(("from", "sq.filter.bad_date"));
        }
        d
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errors.push(("from", "sq.filter.after_to"));
        } else if (t - f).num_days() > 366 * 5 {
            errors.push(("from", "sq.filter.too_long"));
        }
    }

    // The pickers.
    let mut units = Vec::new();
    let mut unit_names: HashMap<Uuid, String> = HashMap::new();
    if admin {
        let page = store
            .list_units(None, &PageRequest::first(PICKER_SIZE))
            .await?;
        for u in page.items {
            let label = name_in(&u.name, lang).to_owned();
            unit_names.insert(u.id, label.clone());
            units.push(Opt {
                selected: unit.as_ref().is_some_and(|x| x.id == u.id),
                value: u.id.to_string(),
                label,
            });
        }
        // A chosen unit beyond the first page is still shown as chosen.
        if let Some(u) = &unit
            && !units.iter().any(|o| o.selected)
        {
            units.push(Opt {
                value: u.id.to_string(),
                label: name_in(&u.name, lang).to_owned(),
                selected: true,
            });
        }
    }
    let mut touchpoints = Vec::new();
    if show_touchpoint {
        // Names only: the contact figures of `list_touchpoints` add up every touchpoint's
        // daily rows, which cost 20-40 ms for all units' touchpoints of the demo.
        let choices = store
            .touchpoint_choices(
                unit.as_ref().map(|u| u.id).or(staff.actor.unit_scope()),
                PICKER_SIZE,
            )
            .await?;
        for (id, unit_id, name) in choices {
            let mut label = name_in(&name, lang).to_owned();
            if unit.is_none()
                && let Some(u) = unit_names.get(&unit_id)
            {
                label = format!("{u} · {label}");
            }
            touchpoints.push(Opt {
                selected: touchpoint.as_ref().is_some_and(|x: &Touchpoint| x.id == id),
                value: id.to_string(),
                label,
            });
        }
        if let Some(t) = &touchpoint
            && !touchpoints.iter().any(|o| o.selected)
        {
            touchpoints.push(Opt {
                value: t.id.to_string(),
                label: name_in(&t.name, lang).to_owned(),
                selected: true,
            });
        }
    }

    let view = FilterView {
        action,
        from: if p.from.is_empty() {
            from.map(|d| d.to_string()).unwrap_or_default()
        } else {
            p.from.clone()
        },
        to: if p.to.is_empty() {
            to.map(|d| d.to_string()).unwrap_or_default()
        } else {
            p.to.clone()
        },
        admin,
        units,
        unit_name: unit
            .as_ref()
            .map(|u| name_in(&u.name, lang).to_owned())
            .unwrap_or_default(),
        show_touchpoint,
        touchpoints,
        errors,
        tz: tz.name().to_owned(),
    };
    let scope = match (from, to) {
        (Some(from), Some(to)) if view.errors.is_empty() => Some(Scope {
            from,
            to,
            unit,
            tz,
            touchpoint,
        }),
        _ => None,
    };
    Ok((scope, view))
}

/// A page rendered with the filters' errors and without figures: 422.
fn show(template: &impl askama::Template, ok: bool) -> Response {
    if ok {
        render(template)
    } else {
        render_status(template, StatusCode::UNPROCESSABLE_ENTITY)
    }
}

/// A Pareto chart of codes (categories, root causes) under their names in `lang`;
/// `(id, title key, first column key)`.
fn pareto(
    lang: Locale,
    (id, title, column): (&str, &str, &str),
    rows: &[rapport_domain::recovery_stats::ParetoRow],
    names: &HashMap<&str, &str>,
) -> String {
    let columns = [
        i18n::text(column, lang),
        i18n::text("rec.col.cases", lang),
        i18n::text("rec.col.share", lang),
        i18n::text("rec.col.cumulative", lang),
    ];
    let items: Vec<(String, u64)> = rows
        .iter()
        .map(|row| {
            let name = names.get(row.key.as_str()).map(|n| (*n).to_owned());
            (name.unwrap_or_else(|| row.key.clone()), row.count)
        })
        .collect();
    charts::pareto_chart(id, i18n::text(title, lang), &items, &labels(lang, &columns))
}

fn labels<'a>(lang: Locale, columns: &'a [&'a str]) -> ChartLabels<'a> {
    ChartLabels {
        table: i18n::text("sq.chart.table", lang),
        no_data: i18n::text("sq.chart.no_data", lang),
        columns,
    }
}

/// `2026년 3월` / `Mar 2026` from a trend bucket's first day.
fn month_label(day: &str, lang: Locale) -> String {
    match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(d) => match lang {
            Locale::Ko => format!("{}년 {}월", d.year(), d.month()),
            Locale::En => format!(
                "{} {}",
                [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec"
                ][d.month0() as usize],
                d.year()
            ),
        },
        Err(_) => day.to_owned(),
    }
}

pub struct Stat {
    pub v: String,
    pub k: String,
}

fn stat(v: String, k: &str) -> Stat {
    Stat { v, k: k.to_owned() }
}

// ---------------------------------------------------------------------------------------
// Touchpoints

pub struct TpRow {
    pub name: String,
    pub href: String,
    pub unit: Option<String>,
    pub channel: &'static str,
    pub stage: &'static str,
    pub designed: String,
    pub measured: String,
    pub level: &'static str,
    pub level_name: &'static str,
    pub basis: &'static str,
    pub encounters: String,
    pub failure_rate: String,
    pub mean_wait: String,
}

pub struct LevelCard {
    pub level: &'static str,
    pub name: &'static str,
    pub range: String,
    pub count: usize,
    pub staff: &'static str,
    pub ops: &'static str,
    pub innovation: &'static str,
}

pub struct TpDetail {
    pub name: String,
    pub level: &'static str,
    pub level_name: &'static str,
    pub staff: &'static str,
    pub ops: &'static str,
    pub innovation: &'static str,
    pub figures: Vec<Stat>,
}

#[derive(askama::Template)]
#[template(path = "ui/quality/touchpoints.html")]
struct TouchpointsPage {
    ctx: PageCtx,
    f: FilterView,
    ok: bool,
    rows: Vec<TpRow>,
    levels: Vec<LevelCard>,
    detail: Option<TpDetail>,
    chart: String,
    more: Option<String>,
    all_units: bool,
}

fn level_key(level: ContactLevel) -> &'static str {
    match level {
        ContactLevel::High => "high",
        ContactLevel::Medium => "medium",
        ContactLevel::Low => "low",
    }
}

fn advice(level: ContactLevel, lang: Locale) -> (&'static str, &'static str, &'static str) {
    let k = level_key(level);
    let t = |part: &str| i18n::text(&format!("tp.advice.{k}.{part}"), lang);
    (t("staff"), t("ops"), t("innovation"))
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish()
}

async fn touchpoints(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let p = Params::read(raw.as_deref());
    let (scope, f) = resolve(&state, &staff, &p, "/quality/touchpoints", true).await?;
    let ctx = staff.ctx(staff.t("tp.title"), "touchpoints");
    let thresholds = state.store.level_thresholds().await?;
    let mut page = TouchpointsPage {
        ctx,
        f,
        ok: scope.is_some(),
        rows: Vec::new(),
        levels: Vec::new(),
        detail: None,
        chart: String::new(),
        more: None,
        all_units: false,
    };
    let Some(scope) = scope else {
        return Ok(show(&page, false));
    };
    page.all_units = scope.unit.is_none();

    let mut list: Vec<Touchpoint> = Vec::new();
    if let Some(t) = &scope.touchpoint {
        list.push(t.clone());
    } else {
        let request = PageRequest::parse(
            Some(p.cursor.as_str()).filter(|c| !c.is_empty()),
            Some(PAGE_SIZE),
        )
        .map_err(|_| UiError::BadRequest("cursor".into()))?;
        let found = state
            .store
            .list_touchpoints(
                &TouchpointFilter {
                    unit: scope.unit_id(),
                    channel: None,
                },
                &request,
            )
            .await?;
        list = found.items;
        if let Some(next) = found.next_cursor {
            page.more = Some(format!(
                "/quality/touchpoints?{}",
                query_string(&[
                    ("from", &page.f.from),
                    ("to", &page.f.to),
                    ("unit_id", &p.unit),
                    ("cursor", &next),
                ])
            ));
        }
    }

    let unit_names: HashMap<String, String> = page
        .f
        .units
        .iter()
        .map(|o| (o.value.clone(), o.label.clone()))
        .collect();
    let mut points = Vec::new();
    for t in &list {
        let level = level_key(t.level);
        let intensity = t.measured_intensity.unwrap_or(t.designed_intensity);
        if let Some(rate) = t.failure_rate {
            points.push(Point {
                label: name_in(&t.name, lang).to_owned(),
                x: intensity * 100.0,
                y: rate * 100.0,
            });
        }
        page.rows.push(TpRow {
            name: name_in(&t.name, lang).to_owned(),
            href: format!(
                "/quality/touchpoints?{}",
                query_string(&[
                    ("from", &page.f.from),
                    ("to", &page.f.to),
                    ("touchpoint_id", &t.id.to_string()),
                ])
            ),
            unit: page
                .all_units
                .then(|| unit_names.get(&t.unit_id.to_string()).cloned())
                .flatten(),
            channel: i18n::text(&format!("tp.channel.{}", t.channel.as_str()), lang),
            stage: i18n::text(&format!("tp.stage.{}", t.journey_stage.as_str()), lang),
            designed: format::percent(t.designed_intensity),
            measured: pct(t.measured_intensity),
            level,
            level_name: i18n::text(&format!("tp.level.{level}"), lang),
            basis: match t.level_basis {
                LevelBasis::Designed => staff.t("tp.basis.designed"),
                LevelBasis::Measured => staff.t("tp.basis.measured"),
            },
            encounters: format::integer(t.totals.encounters),
            failure_rate: pct(t.failure_rate),
            mean_wait: t
                .totals
                .mean_waiting_seconds()
                .map(|s| format::duration(s, lang))
                .unwrap_or_else(|| "—".into()),
        });
    }

    for level in [ContactLevel::High, ContactLevel::Medium, ContactLevel::Low] {
        let k = level_key(level);
        let (staff_text, ops, innovation) = advice(level, lang);
        let range = match level {
            ContactLevel::High => format!("≥ {}", format::percent(thresholds.high)),
            ContactLevel::Medium => format!(
                "{} – {}",
                format::percent(thresholds.medium),
                format::percent(thresholds.high)
            ),
            ContactLevel::Low => format!("< {}", format::percent(thresholds.medium)),
        };
        page.levels.push(LevelCard {
            level: k,
            name: i18n::text(&format!("tp.level.{k}"), lang),
            range,
            count: list.iter().filter(|t| t.level == level).count(),
            staff: staff_text,
            ops,
            innovation,
        });
    }

    if let Some(t) = &scope.touchpoint {
        let (staff_text, ops, innovation) = advice(t.level, lang);
        let mut figures = vec![
            stat(pct(t.failure_rate), staff.t("tp.col.failure_rate")),
            stat(
                format::integer(t.totals.encounters),
                staff.t("tp.col.encounters"),
            ),
        ];
        let reports = survey_reports(
            state.store.as_ref(),
            staff.actor.unit_scope(),
            ReportKind::Servqual,
            &scope.survey_query(false),
        )
        .await
        .map_err(|e| api_error(e, lang))?;
        if let Some((_, r)) = reports.first() {
            figures.push(stat(
                num(r.report.servqual.as_ref().and_then(|s| s.unweighted), 2),
                staff.t("tp.detail.servqual"),
            ));
            figures.push(stat(
                format::integer(r.report.respondents),
                staff.t("tp.detail.servqual_n"),
            ));
        }
        let sat = survey_reports(
            state.store.as_ref(),
            staff.actor.unit_scope(),
            ReportKind::Satisfaction,
            &scope.survey_query(false),
        )
        .await
        .map_err(|e| api_error(e, lang))?;
        for (_, r) in &sat {
            match &r.report.satisfaction {
                Some(Satisfaction::Csat(c)) if r.scope.instrument == "csat" => {
                    figures.push(stat(pct(c.share_satisfied), staff.t("tp.detail.csat")))
                }
                Some(Satisfaction::Nps(n)) if r.scope.instrument == "nps" => {
                    figures.push(stat(num(n.score, 0), staff.t("tp.detail.nps")))
                }
                _ => {}
            }
        }
        let level = level_key(t.level);
        page.detail = Some(TpDetail {
            name: name_in(&t.name, lang).to_owned(),
            level,
            level_name: i18n::text(&format!("tp.level.{level}"), lang),
            staff: staff_text,
            ops,
            innovation,
            figures,
        });
    }

    let y_max = points.iter().map(|p| p.y).fold(0.0_f64, f64::max);
    let y_mid = if points.is_empty() {
        0.0
    } else {
        points.iter().map(|p| p.y).sum::<f64>() / points.len() as f64
    };
    let columns = [
        staff.t("tp.col.name"),
        staff.t("tp.chart.x"),
        staff.t("tp.chart.y"),
        staff.t("tp.chart.quadrant"),
    ];
    page.chart = charts::quadrant_chart(
        "tp-contact-failure",
        staff.t("tp.chart.title"),
        staff.t("tp.chart.x"),
        staff.t("tp.chart.y"),
        &points,
        thresholds.high * 100.0,
        y_mid,
        [
            staff.t("tp.chart.q_low_many"),
            staff.t("tp.chart.q_high_many"),
            staff.t("tp.chart.q_low_few"),
            staff.t("tp.chart.q_high_few"),
        ],
        (0.0, 100.0),
        (0.0, if y_max > 0.0 { y_max * 1.1 } else { 1.0 }),
        &labels(lang, &columns),
    );
    Ok(show(&page, true))
}

// ---------------------------------------------------------------------------------------
// SERVQUAL

pub struct DimRow {
    pub name: String,
    pub expectation: String,
    pub perception: String,
    pub gap: String,
    pub negative: bool,
    pub importance: String,
}

pub struct RelRow {
    pub dimension: String,
    pub section: &'static str,
    pub k: usize,
    pub n: String,
    pub left_out: String,
    pub alpha: String,
    pub alpha_std: String,
    pub ci: String,
    /// Why alpha is undefined ("—" is shown in its place).
    pub undefined: Option<&'static str>,
}

pub struct ItemRow {
    pub key: String,
    pub dimension: String,
    pub text: String,
    pub expectation: String,
    pub perception: String,
    pub gap: String,
    pub negative: bool,
    pub n: String,
    pub missing_e: String,
    pub missing_p: String,
    pub r_e: String,
    pub r_p: String,
}

#[derive(askama::Template)]
#[template(path = "ui/quality/servqual.html")]
struct ServqualPage {
    ctx: PageCtx,
    f: FilterView,
    ok: bool,
    stats: Vec<Stat>,
    weighted_note: Option<&'static str>,
    gap_chart: String,
    grid_chart: String,
    trend_chart: String,
    dims: Vec<DimRow>,
    reliability: Vec<RelRow>,
    items: Vec<ItemRow>,
}

fn section_name(section: Section, lang: Locale) -> &'static str {
    match section {
        Section::Expectation => i18n::text("sq.section.expectation", lang),
        Section::Perception => i18n::text("sq.section.perception", lang),
        Section::Single => i18n::text("sq.section.single", lang),
    }
}

async fn servqual(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let p = Params::read(raw.as_deref());
    let (scope, f) = resolve(&state, &staff, &p, "/quality/servqual", true).await?;
    let mut page = ServqualPage {
        ctx: staff.ctx(staff.t("sq.title"), "servqual"),
        f,
        ok: scope.is_some(),
        stats: Vec::new(),
        weighted_note: None,
        gap_chart: String::new(),
        grid_chart: String::new(),
        trend_chart: String::new(),
        dims: Vec::new(),
        reliability: Vec::new(),
        items: Vec::new(),
    };
    let Some(scope) = scope else {
        return Ok(show(&page, false));
    };
    let mut reports = survey_reports(
        state.store.as_ref(),
        staff.actor.unit_scope(),
        ReportKind::Servqual,
        &scope.survey_query(true),
    )
    .await
    .map_err(|e| api_error(e, lang))?;
    let Some((instrument, report)) = reports.pop() else {
        return Err(UiError::Internal("no SERVQUAL report".into()));
    };
    let r: &InstrumentReport = &report.report;
    let def = &instrument.definition;
    let dim_name = |code: &str| {
        r.dimensions
            .iter()
            .find(|d| d.code == code)
            .map(|d| name_in(&d.name, lang).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };

    let missing: i64 = r.items.iter().map(|i| i.missing).sum();
    let score = r.servqual.as_ref();
    page.stats = vec![
        stat(
            format::integer(r.respondents),
            staff.t("sq.stat.respondents"),
        ),
        stat(
            num(score.and_then(|s| s.unweighted), 2),
            staff.t("sq.stat.unweighted"),
        ),
        stat(
            num(score.and_then(|s| s.weighted), 2),
            staff.t("sq.stat.weighted"),
        ),
        stat(
            format::integer(score.map(|s| s.respondents_with_importance).unwrap_or(0)),
            staff.t("sq.stat.with_importance"),
        ),
        stat(format::integer(missing), staff.t("sq.stat.missing")),
    ];
    if score.is_some_and(|s| s.weighted.is_none()) {
        page.weighted_note = Some("sq.weighted_undefined");
    }

    // Dimensions and the gap chart.
    let mut bars = Vec::new();
    for d in &r.dimensions {
        let name = name_in(&d.name, lang).to_owned();
        if let Some(g) = d.gap {
            bars.push(Bar {
                label: name.clone(),
                value: g,
                hint: Some(format!(
                    "{} {} · {} {}",
                    staff.t("sq.col.expectation"),
                    num(d.expectation, 2),
                    staff.t("sq.col.perception"),
                    num(d.perception, 2)
                )),
            });
        }
        page.dims.push(DimRow {
            name,
            expectation: num(d.expectation, 2),
            perception: num(d.perception, 2),
            gap: num(d.gap, 2),
            negative: d.gap.is_some_and(|g| g < 0.0),
            importance: num(d.importance, 1),
        });
        for rel in &d.reliability {
            let ci = rel
                .ci95
                .map(|[a, b]| format!("{} – {}", format::decimal(a, 2), format::decimal(b, 2)))
                .unwrap_or_else(|| "—".into());
            page.reliability.push(RelRow {
                dimension: name_in(&d.name, lang).to_owned(),
                section: section_name(rel.section, lang),
                k: rel.k,
                n: format::integer(rel.n),
                left_out: format::integer(rel.left_out),
                alpha: num(rel.alpha_raw, 2),
                alpha_std: num(rel.alpha_standardized, 2),
                ci,
                undefined: rel.alpha_undefined.map(|u| match u {
                    AlphaUndefined::TooFewItems => "sq.alpha.too_few_items",
                    AlphaUndefined::TooFewCompleteCases => "sq.alpha.too_few_cases",
                    AlphaUndefined::NoTotalVariance => "sq.alpha.no_variance",
                }),
            });
        }
    }
    let gap_columns = [
        staff.t("sq.col.dimension"),
        staff.t("sq.col.gap"),
        staff.t("sq.col.means"),
    ];
    page.gap_chart = charts::bar_chart(
        "sq-gap",
        staff.t("sq.chart.gap"),
        &bars,
        2,
        &labels(lang, &gap_columns),
    );

    // The importance–performance grid.
    let mut points = Vec::new();
    let (mut x_mid, mut y_mid) = (f64::NAN, f64::NAN);
    if let Some(grid) = &r.grid {
        x_mid = grid.mean_importance.unwrap_or(f64::NAN);
        y_mid = grid.mean_performance.unwrap_or(f64::NAN);
        for gp in &grid.points {
            if let (Some(x), Some(y)) = (gp.importance, gp.performance) {
                points.push(Point {
                    label: dim_name(&gp.dimension),
                    x,
                    y,
                });
            }
        }
    }
    let quadrant = |q: Quadrant| match q {
        Quadrant::PossibleOverkill => staff.t("sq.grid.overkill"),
        Quadrant::KeepUp => staff.t("sq.grid.keep_up"),
        Quadrant::LowPriority => staff.t("sq.grid.low_priority"),
        Quadrant::ConcentrateHere => staff.t("sq.grid.concentrate"),
    };
    let grid_columns = [
        staff.t("sq.col.dimension"),
        staff.t("sq.grid.x"),
        staff.t("sq.grid.y"),
        staff.t("sq.grid.quadrant"),
    ];
    page.grid_chart = charts::quadrant_chart(
        "sq-grid",
        staff.t("sq.chart.grid"),
        staff.t("sq.grid.x"),
        staff.t("sq.grid.y"),
        &points,
        x_mid,
        y_mid,
        [
            quadrant(Quadrant::PossibleOverkill),
            quadrant(Quadrant::KeepUp),
            quadrant(Quadrant::LowPriority),
            quadrant(Quadrant::ConcentrateHere),
        ],
        (0.0, 0.0),
        (f64::from(def.scale.min), f64::from(def.scale.max)),
        &labels(lang, &grid_columns),
    );

    // The monthly trend of the overall and per-dimension gaps.
    page.trend_chart = trend_chart(&report, lang, &staff);

    // Items, pair by pair.
    let item = |code: &str| r.items.iter().find(|i| i.code == code);
    let item_total = |code: &str| {
        r.dimensions
            .iter()
            .flat_map(|d| &d.reliability)
            .flat_map(|rel| &rel.item_total)
            .find(|it| it.item == code)
            .and_then(|it| it.r)
    };
    for pair in &r.pairs {
        let text = def
            .items
            .iter()
            .find(|i| i.code == pair.perception_item)
            .map(|i| i.text.get(lang).to_owned())
            .unwrap_or_default();
        page.items.push(ItemRow {
            key: pair.key.clone(),
            dimension: dim_name(&pair.dimension),
            text,
            expectation: num(pair.expectation, 2),
            perception: num(pair.perception, 2),
            gap: num(pair.gap, 2),
            negative: pair.gap.is_some_and(|g| g < 0.0),
            n: format::integer(pair.n),
            missing_e: item(&pair.expectation_item)
                .map(|i| format::integer(i.missing))
                .unwrap_or_default(),
            missing_p: item(&pair.perception_item)
                .map(|i| format::integer(i.missing))
                .unwrap_or_default(),
            r_e: num(item_total(&pair.expectation_item), 2),
            r_p: num(item_total(&pair.perception_item), 2),
        });
    }
    Ok(show(&page, true))
}

fn trend_chart(report: &SurveyReport, lang: Locale, staff: &Staff<ViewerRole>) -> String {
    let trend = report.trend.as_deref().unwrap_or_default();
    let x: Vec<String> = trend.iter().map(|p| month_label(&p.from, lang)).collect();
    let mut series = vec![Series {
        name: staff.t("sq.stat.unweighted").to_owned(),
        values: trend
            .iter()
            .map(|p| p.figures.servqual_unweighted)
            .collect(),
    }];
    for d in &report.report.dimensions {
        series.push(Series {
            name: name_in(&d.name, lang).to_owned(),
            values: trend
                .iter()
                .map(|p| {
                    p.figures
                        .dimension_gaps
                        .iter()
                        .find(|g| g.dimension == d.code)
                        .and_then(|g| g.gap)
                })
                .collect(),
        });
    }
    let mut columns = vec![staff.t("sq.col.month")];
    columns.extend(series.iter().map(|s| s.name.as_str()));
    charts::line_chart(
        "sq-trend",
        staff.t("sq.chart.trend"),
        &x,
        &series,
        2,
        &labels(lang, &columns),
    )
}

// ---------------------------------------------------------------------------------------
// Satisfaction

pub struct SatCard {
    pub id: String,
    pub title: String,
    pub stats: Vec<Stat>,
    pub note: Option<&'static str>,
    pub chart: String,
}

#[derive(askama::Template)]
#[template(path = "ui/quality/satisfaction.html")]
struct SatisfactionPage {
    ctx: PageCtx,
    f: FilterView,
    ok: bool,
    cards: Vec<SatCard>,
}

async fn satisfaction(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let p = Params::read(raw.as_deref());
    let (scope, f) = resolve(&state, &staff, &p, "/quality/satisfaction", true).await?;
    let mut page = SatisfactionPage {
        ctx: staff.ctx(staff.t("sat.title"), "satisfaction"),
        f,
        ok: scope.is_some(),
        cards: Vec::new(),
    };
    let Some(scope) = scope else {
        return Ok(show(&page, false));
    };
    let reports = survey_reports(
        state.store.as_ref(),
        staff.actor.unit_scope(),
        ReportKind::Satisfaction,
        &scope.survey_query(true),
    )
    .await
    .map_err(|e| api_error(e, lang))?;
    for (instrument, r) in &reports {
        let trend = r.trend.as_deref().unwrap_or_default();
        let x: Vec<String> = trend.iter().map(|p| month_label(&p.from, lang)).collect();
        let id = format!("sat-{}", instrument.code);
        let title = name_in(&instrument.name, lang).to_owned();
        let (stats, note, series_name, values, decimals): (
            Vec<Stat>,
            Option<&'static str>,
            &str,
            Vec<Option<f64>>,
            usize,
        ) = match &r.report.satisfaction {
            Some(Satisfaction::Csat(c)) => (
                vec![
                    stat(pct(c.share_satisfied), staff.t("sat.csat.share")),
                    stat(num(c.mean, 2), staff.t("sat.csat.mean")),
                    stat(format::integer(c.satisfied), staff.t("sat.csat.satisfied")),
                    stat(format::integer(c.n), staff.t("sat.n")),
                ],
                Some("sat.csat.note"),
                staff.t("sat.csat.share_pct"),
                trend
                    .iter()
                    .map(|p| p.figures.csat_share.map(|s| s * 100.0))
                    .collect(),
                1,
            ),
            Some(Satisfaction::Nps(n)) => (
                vec![
                    stat(num(n.score, 1), staff.t("sat.nps.score")),
                    stat(format::integer(n.promoters), staff.t("sat.nps.promoters")),
                    stat(format::integer(n.passives), staff.t("sat.nps.passives")),
                    stat(format::integer(n.detractors), staff.t("sat.nps.detractors")),
                    stat(format::integer(n.n), staff.t("sat.n")),
                ],
                Some("sat.nps.note"),
                staff.t("sat.nps.score"),
                trend.iter().map(|p| p.figures.nps_score).collect(),
                1,
            ),
            Some(Satisfaction::Effort(e)) => (
                vec![
                    stat(num(e.mean, 2), staff.t("sat.effort.mean")),
                    stat(num(e.sd, 2), staff.t("sat.effort.sd")),
                    stat(pct(e.top2_share), staff.t("sat.effort.top2")),
                    stat(format::integer(e.n), staff.t("sat.n")),
                ],
                Some(if e.higher_is_better {
                    "sat.effort.note_higher"
                } else {
                    "sat.effort.note_lower"
                }),
                staff.t("sat.effort.mean"),
                trend.iter().map(|p| p.figures.effort_mean).collect(),
                2,
            ),
            None => (
                vec![stat(
                    format::integer(r.report.respondents),
                    staff.t("sat.n"),
                )],
                None,
                staff.t("sat.n"),
                trend
                    .iter()
                    .map(|p| Some(p.figures.respondents as f64))
                    .collect(),
                0,
            ),
        };
        let series = [Series {
            name: series_name.to_owned(),
            values,
        }];
        let columns = [staff.t("sq.col.month"), series_name];
        let chart = charts::line_chart(
            &format!("{id}-trend"),
            &format!("{title} · {}", staff.t("sat.trend")),
            &x,
            &series,
            decimals,
            &labels(lang, &columns),
        );
        page.cards.push(SatCard {
            id,
            title,
            stats,
            note,
            chart,
        });
    }
    Ok(show(&page, true))
}

// ---------------------------------------------------------------------------------------
// Recovery

pub struct TimeRow {
    pub name: &'static str,
    pub n: String,
    pub median: String,
    pub p90: String,
}

pub struct SlaRow {
    pub target: &'static str,
    pub measured: String,
    pub met: String,
    pub missed: String,
    pub compliance: String,
}

pub struct MoneyRow {
    pub currency: String,
    pub total: String,
    pub compensated: String,
    pub per_case: String,
    pub per_compensated: String,
}

#[derive(askama::Template)]
#[template(path = "ui/quality/recovery.html")]
struct RecoveryPage {
    ctx: PageCtx,
    f: FilterView,
    ok: bool,
    stats: Vec<Stat>,
    funnel: String,
    stages: Vec<(&'static str, String)>,
    categories: String,
    causes: String,
    times: Vec<TimeRow>,
    sla: Vec<SlaRow>,
    money: Vec<MoneyRow>,
    satisfaction: Vec<(String, String)>,
}

fn money_text(minor: f64, currency: &str) -> String {
    match rapport_domain::money::Currency::parse("currency", currency) {
        Ok(c) => format::money(&rapport_domain::Money {
            amount_minor: minor.round() as i64,
            currency: c,
        }),
        Err(_) => format!("{} {currency}", format::decimal(minor, 0)),
    }
}

async fn recovery(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    use rapport_domain::case::{Stage, Target};
    let lang = staff.lang;
    let p = Params::read(raw.as_deref());
    // The recovery summary is kept per unit and period; it has no touchpoint filter.
    let (scope, f) = resolve(&state, &staff, &p, "/quality/recovery", false).await?;
    let mut page = RecoveryPage {
        ctx: staff.ctx(staff.t("rec.title"), "recovery"),
        f,
        ok: scope.is_some(),
        stats: Vec::new(),
        funnel: String::new(),
        stages: Vec::new(),
        categories: String::new(),
        causes: String::new(),
        times: Vec::new(),
        sla: Vec::new(),
        money: Vec::new(),
        satisfaction: Vec::new(),
    };
    let Some(scope) = scope else {
        return Ok(show(&page, false));
    };
    let (from, to) = scope.instants();
    let filter = SummaryFilter {
        unit: scope.unit_id().or(staff.actor.unit_scope()),
        from,
        to,
    };
    let (summary, categories, causes) = tokio::try_join!(
        state.store.recovery_summary(&filter),
        state.store.list_categories(),
        state.store.list_root_causes(),
    )?;
    let s = &summary;

    page.stats = vec![
        stat(format::integer(s.cases as i64), staff.t("rec.stat.cases")),
        stat(
            pct(s.found_before_complaint_share),
            staff.t("rec.stat.found_before"),
        ),
        stat(
            num(s.satisfaction.mean, 2),
            staff.t("rec.stat.satisfaction"),
        ),
        stat(
            format::integer(s.satisfaction.n as i64),
            staff.t("rec.stat.satisfaction_n"),
        ),
    ];

    let stage_count = |stage: Stage| {
        s.by_stage
            .iter()
            .find(|c| c.stage == stage)
            .map(|c| c.cases)
            .unwrap_or(0)
    };
    let steps = vec![
        (staff.t("rec.funnel.opened").to_owned(), s.cases),
        (
            staff.t("rec.funnel.acknowledged").to_owned(),
            s.time_to_acknowledge.n,
        ),
        (
            staff.t("rec.funnel.responded").to_owned(),
            s.time_to_first_response.n,
        ),
        (
            staff.t("rec.funnel.resolved").to_owned(),
            s.time_to_resolve.n,
        ),
        (
            staff.t("rec.funnel.closed").to_owned(),
            stage_count(Stage::Closed),
        ),
    ];
    let funnel_columns = [
        staff.t("rec.col.step"),
        staff.t("rec.col.cases"),
        staff.t("rec.col.share_of_first"),
    ];
    page.funnel = if s.cases == 0 {
        charts::funnel_chart(
            "rec-funnel",
            staff.t("rec.chart.funnel"),
            &[],
            &labels(lang, &funnel_columns),
        )
    } else {
        charts::funnel_chart(
            "rec-funnel",
            staff.t("rec.chart.funnel"),
            &steps,
            &labels(lang, &funnel_columns),
        )
    };
    for stage in Stage::ALL {
        page.stages.push((
            i18n::text(&format!("rec.stage.{}", stage.as_str()), lang),
            format::integer(stage_count(*stage) as i64),
        ));
    }

    let category_name: HashMap<&str, &str> = categories
        .iter()
        .map(|c| (c.code.as_str(), name_in(&c.name, lang)))
        .collect();
    let cause_name: HashMap<&str, &str> = causes
        .iter()
        .map(|c| (c.code.as_str(), name_in(&c.name, lang)))
        .collect();
    page.categories = pareto(
        lang,
        ("rec-categories", "rec.chart.categories", "rec.col.category"),
        &s.categories,
        &category_name,
    );
    page.causes = pareto(
        lang,
        ("rec-causes", "rec.chart.causes", "rec.col.root_cause"),
        &s.root_causes,
        &cause_name,
    );

    let duration = |x: Option<f64>| {
        x.map(|s| format::duration(s, lang))
            .unwrap_or_else(|| "—".into())
    };
    for (key, d) in [
        ("rec.time.acknowledge", &s.time_to_acknowledge),
        ("rec.time.first_response", &s.time_to_first_response),
        ("rec.time.resolve", &s.time_to_resolve),
    ] {
        page.times.push(TimeRow {
            name: staff.t(key),
            n: format::integer(d.n as i64),
            median: duration(d.median_seconds),
            p90: duration(d.p90_seconds),
        });
    }
    for t in &s.sla {
        page.sla.push(SlaRow {
            target: i18n::text(&format!("rec.target.{}", t.target.as_str()), lang),
            measured: format::integer(t.measured as i64),
            met: format::integer(t.met as i64),
            missed: format::integer(t.missed as i64),
            compliance: pct(t.compliance),
        });
    }
    // Targets no clock has reached yet still get their row.
    for target in Target::ALL {
        if !s.sla.iter().any(|t| t.target == *target) {
            page.sla.push(SlaRow {
                target: i18n::text(&format!("rec.target.{}", target.as_str()), lang),
                measured: "0".into(),
                met: "0".into(),
                missed: "0".into(),
                compliance: "—".into(),
            });
        }
    }
    for m in &s.compensation {
        page.money.push(MoneyRow {
            currency: m.currency.clone(),
            total: money_text(m.total_minor as f64, &m.currency),
            compensated: format!(
                "{} / {}",
                format::integer(m.cases_compensated as i64),
                format::integer(m.cases as i64)
            ),
            per_case: money_text(m.per_case_minor, &m.currency),
            per_compensated: m
                .per_compensated_case_minor
                .map(|x| money_text(x, &m.currency))
                .unwrap_or_else(|| "—".into()),
        });
    }
    for (i, count) in s.satisfaction.distribution.iter().enumerate() {
        page.satisfaction
            .push(((i + 1).to_string(), format::integer(*count as i64)));
    }
    Ok(show(&page, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_read_leniently_and_bounded() {
        let p = Params::read(Some("from=2026-01-01&to=&unit_id=%20x%20&junk=1"));
        assert_eq!(p.from, "2026-01-01");
        assert_eq!(p.to, "");
        assert_eq!(p.unit, "x");
        let long = format!("from={}", "9".repeat(1000));
        assert_eq!(Params::read(Some(&long)).from.len(), 200);
        assert!(parse_day("2026-02-30").is_none());
        assert!(parse_day("0001-01-01").is_none());
    }

    #[test]
    fn months_read_naturally_in_both_languages() {
        assert_eq!(month_label("2026-03-01", Locale::Ko), "2026년 3월");
        assert_eq!(month_label("2026-03-01", Locale::En), "Mar 2026");
    }

    #[test]
    fn every_level_has_advice_in_both_languages() {
        for level in [ContactLevel::High, ContactLevel::Medium, ContactLevel::Low] {
            for lang in [Locale::Ko, Locale::En] {
                let (a, b, c) = advice(level, lang);
                assert!(![a, b, c].contains(&"??"), "{level:?} {lang:?}");
            }
        }
    }

    #[test]
    fn every_dynamic_label_exists() {
        use rapport_domain::case::{Stage, Target};
        use rapport_domain::contact::{Channel, JourneyStage};
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            Channel::ALL
                .iter()
                .map(|c| format!("tp.channel.{}", c.as_str())),
        );
        keys.extend(
            [
                JourneyStage::Before,
                JourneyStage::During,
                JourneyStage::After,
            ]
            .iter()
            .map(|s| format!("tp.stage.{}", s.as_str())),
        );
        keys.extend(["high", "medium", "low"].map(|l| format!("tp.level.{l}")));
        keys.extend(
            Stage::ALL
                .iter()
                .map(|s| format!("rec.stage.{}", s.as_str())),
        );
        keys.extend(
            Target::ALL
                .iter()
                .map(|t| format!("rec.target.{}", t.as_str())),
        );
        for k in keys {
            assert!(i18n::has_key(&k), "{k}");
        }
    }
}
