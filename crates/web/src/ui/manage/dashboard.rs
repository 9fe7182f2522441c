//! `GET /dashboard`: a unit's open cases by stage, SLA compliance this week, the latest
//! breaches, approvals waiting and post-recovery satisfaction. Everything comes from
//! aggregates and bounded lists: the open-case counts, the week's recovery summary, the
//! breach-time index and one page of approvals.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, TimeZone};
use chrono_tz::Tz;
use rapport_domain::Timestamp;
use rapport_domain::case::{Priority, Stage, Target};
use rapport_store::{PageRequest, SummaryFilter};
use serde::Deserialize;

use super::{UnitCache, UnitOption, scope_unit, time_zone, unit_name, unit_options};
use crate::AppState;
use crate::auth::ManagerRole;
use crate::ui::session::Staff;
use crate::ui::{PageCtx, UiError, format, render};

/// Latest breaches listed.
const BREACHES_SHOWN: i64 = 10;
/// Approvals counted exactly; beyond, the page says "99+".
const APPROVALS_COUNTED: i64 = 99;
/// Post-recovery satisfaction is read over this many days.
const SATISFACTION_DAYS: i64 = 30;

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    unit: Option<String>,
}

pub struct StageRow {
    pub name: &'static str,
    pub cases: u64,
    pub count: String,
}

pub struct SlaRow {
    pub name: &'static str,
    pub measured: String,
    pub met: String,
    pub missed: String,
    /// 0–1 for the meter; `None` when nothing was measured.
    pub share: Option<String>,
    pub percent: String,
}

pub struct BreachRow {
    pub href: String,
    pub number: String,
    pub target: &'static str,
    pub at: String,
    pub at_iso: String,
    pub stage: &'static str,
    pub priority: &'static str,
    pub priority_class: &'static str,
    pub unit: String,
}

pub struct SatisfactionRow {
    pub score: u8,
    pub count: String,
    pub cases: u64,
}

#[derive(askama::Template)]
#[template(path = "ui/manage/dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    /// `None`: the whole organisation (admins).
    unit_name: Option<String>,
    units: Vec<UnitOption>,
    open_total: u64,
    open_total_text: String,
    at_risk: String,
    breached_open: String,
    waiting: String,
    stages: Vec<StageRow>,
    week: String,
    cases_week: String,
    sla: Vec<SlaRow>,
    breach_total: String,
    breaches: Vec<BreachRow>,
    show_unit_column: bool,
    approvals: String,
    approvals_waiting: bool,
    satisfaction_n: u64,
    satisfaction_mean: String,
    satisfaction: Vec<SatisfactionRow>,
}

pub fn stage_key(stage: Stage) -> &'static str {
    match stage {
        Stage::PreRecovery => "dash.stage.pre_recovery",
        Stage::Immediate => "dash.stage.immediate",
        Stage::FollowUp => "dash.stage.follow_up",
        Stage::Closed => "dash.stage.closed",
    }
}

pub fn target_key(target: Target) -> &'static str {
    match target {
        Target::Acknowledge => "sla.target.acknowledge",
        Target::FirstResponse => "sla.target.first_response",
        Target::Resolve => "sla.target.resolve",
        Target::FollowUp => "sla.target.follow_up",
    }
}

pub fn priority_key(p: Priority) -> (&'static str, &'static str) {
    match p {
        Priority::Urgent => ("dash.priority.urgent", "p1"),
        Priority::High => ("dash.priority.high", "p2"),
        Priority::Normal => ("dash.priority.normal", "p3"),
        Priority::Low => ("dash.priority.low", ""),
    }
}

/// Monday 00:00 of the week `now` falls in, in `tz`.
pub fn week_start(now: Timestamp, tz: Tz) -> Timestamp {
    let local = now.to_datetime().with_timezone(&tz).date_naive();
    let monday = local - chrono::Duration::days(i64::from(local.weekday().num_days_from_monday()));
    let midnight = monday.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            Timestamp::from_datetime(t.with_timezone(&chrono::Utc))
        }
        // Midnight skipped by a clock change: the first instant of that day.
        chrono::LocalResult::None => Timestamp::from_datetime(
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
                .expect("an hour after a gap exists")
                .with_timezone(&chrono::Utc),
        ),
    }
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let unit = scope_unit(&state, &staff, q.unit.as_deref()).await?;
    let unit_id = unit.as_ref().map(|u| u.id);
    let units = if staff.actor.is_admin() {
        unit_options(&state, lang, unit_id).await?
    } else {
        vec![]
    };
    // The week of the unit; for the whole organisation, of its units' shared time zone
    // (UTC when they differ).
    let tz = match &unit {
        Some(u) => time_zone(u),
        None => {
            let all = state
                .store
                .list_units(None, &PageRequest::first(200))
                .await?;
            let mut zones = all.items.iter().map(time_zone);
            match zones.next() {
                Some(first) if zones.all(|z| z == first) => first,
                _ => chrono_tz::UTC,
            }
        }
    };
    let now = Timestamp::now();
    let monday = week_start(now, tz);
    let week_summary = SummaryFilter {
        unit: unit_id,
        from: monday,
        to: now.plus_seconds(1),
    };
    let month_summary = SummaryFilter {
        unit: unit_id,
        from: now.plus_seconds(-SATISFACTION_DAYS * 86_400),
        to: now.plus_seconds(1),
    };
    let store = &state.store;
    let approvals_page = PageRequest::first(APPROVALS_COUNTED);
    let (open, week_sum, month, breaches, approvals) = tokio::try_join!(
        store.open_case_counts(unit_id),
        store.recovery_summary(&week_summary),
        store.recovery_summary(&month_summary),
        store.latest_breaches(unit_id, monday, BREACHES_SHOWN),
        store.list_pending_approvals(unit_id, &approvals_page),
    )?;

    let mut cache = UnitCache::default();
    if let Some(u) = unit.clone() {
        cache.insert(u);
    }
    let mut breach_rows = Vec::new();
    for b in &breaches.latest {
        let (tz, name) = match cache.get(&state, b.case.unit_id).await? {
            Some(u) => (time_zone(u), unit_name(u, lang)),
            None => (chrono_tz::UTC, String::new()),
        };
        let (priority, priority_class) = priority_key(b.case.priority);
        breach_rows.push(BreachRow {
            href: format!("/cases/{}", b.case.id),
            number: b.case.number.clone(),
            target: staff.t(target_key(b.target)),
            at: format::datetime(b.breached_at, tz, lang),
            at_iso: b.breached_at.to_rfc3339(),
            stage: staff.t(stage_key(b.case.stage)),
            priority: staff.t(priority),
            priority_class,
            unit: name,
        });
    }
    let approvals_text = if approvals.next_cursor.is_some() {
        format!("{}+", approvals.items.len())
    } else {
        approvals.items.len().to_string()
    };
    let sla = week_sum
        .sla
        .iter()
        .map(|t| SlaRow {
            name: staff.t(target_key(t.target)),
            measured: format::integer(t.measured as i64),
            met: format::integer(t.met as i64),
            missed: format::integer(t.missed as i64),
            share: t.compliance.map(|c| format!("{c:.3}")),
            percent: t
                .compliance
                .map(format::percent)
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let sat = &month.satisfaction;
    let week_end = now.to_datetime().with_timezone(&tz).date_naive();
    let monday_local = monday.to_datetime().with_timezone(&tz).date_naive();
    let week = format!(
        "{} – {}",
        format::month_day(monday_local.month(), monday_local.day(), lang),
        format::month_day(week_end.month(), week_end.day(), lang)
    );
    let title = match &unit {
        Some(u) => format!("{} · {}", staff.t("nav.dashboard"), unit_name(u, lang)),
        None => staff.t("nav.dashboard").to_owned(),
    };
    let page = DashboardPage {
        ctx: staff.ctx(title, "dashboard"),
        unit_name: unit.as_ref().map(|u| unit_name(u, lang)),
        units,
        open_total: open.total,
        open_total_text: format::integer(open.total as i64),
        at_risk: format::integer(open.at_risk as i64),
        breached_open: format::integer(open.breached as i64),
        waiting: format::integer(open.waiting_on_customer as i64),
        stages: open
            .by_stage
            .iter()
            .map(|s| StageRow {
                name: staff.t(stage_key(s.stage)),
                cases: s.cases,
                count: format::integer(s.cases as i64),
            })
            .collect(),
        week,
        cases_week: format::integer(week_sum.cases as i64),
        sla,
        breach_total: format::integer(breaches.total as i64),
        breaches: breach_rows,
        show_unit_column: unit.is_none(),
        approvals_waiting: !approvals.items.is_empty(),
        approvals: approvals_text,
        satisfaction_n: sat.n,
        satisfaction_mean: sat
            .mean
            .map(|m| format!("{} / 5", format::decimal(m, 1)))
            .unwrap_or_else(|| "—".into()),
        satisfaction: (1..=5u8)
            .rev()
            .map(|score| SatisfactionRow {
                score,
                cases: sat.distribution[usize::from(score) - 1],
                count: format::integer(sat.distribution[usize::from(score) - 1] as i64),
            })
            .collect(),
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_starts_on_monday_midnight_local_time() {
        // Wednesday 2026-11-25 01:00 in Seoul is Tuesday 16:00 UTC.
        let now = Timestamp::parse("t", "2026-11-24T16:00:00Z").unwrap();
        let start = week_start(now, chrono_tz::Asia::Seoul);
        assert_eq!(start.to_rfc3339(), "2026-11-22T15:00:00Z");
        // In UTC the same instant is still Tuesday: the week began on the 23rd.
        assert_eq!(
            week_start(now, chrono_tz::UTC).to_rfc3339(),
            "2026-11-23T00:00:00Z"
        );
    }
}
