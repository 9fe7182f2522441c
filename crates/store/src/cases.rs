//! Recovery cases in storage: the case, its clocks, history, messages, recovery actions and
//! approvals, the SLA sweep and the recovery summary.
//!
//! Every change to a case — by staff or by the sweep — holds the case's row (PostgreSQL
//! `FOR UPDATE`; SQLite has one writer) while it reads and rewrites the clocks, so two agents
//! acting at once are serialised and each warning or breach is recorded exactly once, even
//! with several nodes sweeping one PostgreSQL.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{Datelike, TimeZone};
use chrono_tz::Tz;
use rapport_domain::business_time::ClockBasis;
use rapport_domain::calendar::{BusinessCalendar, CalendarDto};
use rapport_domain::case::{
    ActionStatus, AuthorityPeriod, CaseAction, CaseKind, CaseSource, CaseUpdate, Clock,
    ClockContext, MessageKind, NewCase, Priority, RecoveryKind, Stage, StageDurations, Target,
};
use rapport_domain::contact::Channel;
use rapport_domain::customer::Tier;
use rapport_domain::money::MoneyDto;
use rapport_domain::org::Actor;
use rapport_domain::recovery_stats::{FairnessFigure, ParetoRow};
use rapport_domain::sla::SlaPolicy;
use rapport_domain::{Currency, FieldError, Money, Timestamp};
use serde::Serialize;
use uuid::Uuid;

use crate::page::{Page, PageRequest};
use crate::{Change, Result, StoreError};

/// `next_deadline` of a case with no running clock: sorts last on both databases.
pub const NO_DEADLINE: i64 = i64::MAX;

/// What the clocks of a unit's cases need: its calendar, time zone and currency.
#[derive(Debug, Clone)]
pub struct UnitClockInfo {
    pub unit_id: Uuid,
    pub tz: Tz,
    pub calendar: BusinessCalendar,
    pub currency: Currency,
}

impl UnitClockInfo {
    pub fn ctx(&self) -> ClockContext<'_> {
        ClockContext {
            calendar: &self.calendar,
            tz: self.tz,
        }
    }
}

const CACHE_TTL: Duration = Duration::from_secs(60);

type Cached<T> = RwLock<Option<(Arc<T>, Instant)>>;

/// Units' calendars and the SLA policies, read on every case change. Cleared on this node
/// whenever they change here; another node's change reaches this one within a minute.
#[derive(Default)]
pub struct RecoveryCache {
    units: RwLock<HashMap<Uuid, (Arc<UnitClockInfo>, Instant)>>,
    policies: Cached<Vec<SlaPolicy>>,
    /// Failure category code → active.
    categories: Cached<HashMap<String, bool>>,
}

impl RecoveryCache {
    pub fn unit(&self, id: Uuid) -> Option<Arc<UnitClockInfo>> {
        let units = self.units.read().expect("cache lock");
        units
            .get(&id)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(u, _)| u.clone())
    }

    pub fn put_unit(&self, info: Arc<UnitClockInfo>) {
        let mut units = self.units.write().expect("cache lock");
        if units.len() > 10_000 {
            units.clear();
        }
        units.insert(info.unit_id, (info, Instant::now()));
    }

    pub fn policies(&self) -> Option<Arc<Vec<SlaPolicy>>> {
        let p = self.policies.read().expect("cache lock");
        p.as_ref()
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(p, _)| p.clone())
    }

    pub fn put_policies(&self, policies: Arc<Vec<SlaPolicy>>) {
        *self.policies.write().expect("cache lock") = Some((policies, Instant::now()));
    }

    pub fn categories(&self) -> Option<Arc<HashMap<String, bool>>> {
        let c = self.categories.read().expect("cache lock");
        c.as_ref()
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(c, _)| c.clone())
    }

    pub fn put_categories(&self, categories: Arc<HashMap<String, bool>>) {
        *self.categories.write().expect("cache lock") = Some((categories, Instant::now()));
    }

    pub fn clear(&self) {
        self.units.write().expect("cache lock").clear();
        *self.policies.write().expect("cache lock") = None;
        *self.categories.write().expect("cache lock") = None;
    }
}

/// One SLA clock as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    pub target: Target,
    pub basis: ClockBasis,
    pub target_seconds: i64,
    /// Counted so far (business or calendar seconds, per `basis`).
    pub elapsed_seconds: i64,
    /// `running`, `paused` (waiting on the customer), `scheduled` (starts later), `met`
    /// or `missed` (stopped after its deadline).
    pub state: String,
    pub due_at: Option<Timestamp>,
    pub warn_at: Option<Timestamp>,
    pub warned_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    pub stopped_at: Option<Timestamp>,
}

impl ClockView {
    fn of(clock: &Clock, now: Timestamp, ctx: &ClockContext) -> Self {
        let state = match (clock.stopped_at, clock.running_since) {
            (Some(_), _) if clock.breached_at.is_some() => "missed",
            (Some(_), _) => "met",
            (None, Some(since)) if since > now => "scheduled",
            (None, Some(_)) => "running",
            (None, None) => "paused",
        };
        let end = clock.stopped_at.unwrap_or(now);
        Self {
            target: clock.target,
            basis: clock.basis,
            target_seconds: clock.target_micros / 1_000_000,
            elapsed_seconds: clock.elapsed_at(end, ctx) / 1_000_000,
            state: state.to_owned(),
            due_at: clock.due_at,
            warn_at: clock.warn_at,
            warned_at: clock.warned_at,
            breached_at: clock.breached_at,
            stopped_at: clock.stopped_at,
        }
    }
}

/// A recovery case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Case {
    pub id: Uuid,
    pub version: i64,
    /// Human case number, e.g. `R-2026-000123`.
    pub number: String,
    pub kind: CaseKind,
    pub source: CaseSource,
    pub channel: Channel,
    pub unit_id: Uuid,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
    pub category: String,
    /// 1 (critical) to 4 (minor).
    pub severity: u8,
    /// The customer's tier when the case was opened.
    pub tier: Tier,
    pub priority: Priority,
    pub stage: Stage,
    pub waiting_on_customer: bool,
    pub assignee_id: Option<Uuid>,
    pub description: String,
    pub policy_id: Option<Uuid>,
    pub occurred_at: Timestamp,
    pub detected_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub first_response_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub follow_up_due_at: Option<Timestamp>,
    pub follow_up_done_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub reopened_count: i64,
    /// The customer's satisfaction with the recovery, 1–5, from the follow-up.
    pub satisfaction: Option<u8>,
    pub root_cause: Option<String>,
    pub root_cause_note: Option<String>,
    /// The nearest deadline of a running clock.
    pub next_deadline: Option<Timestamp>,
    /// A running clock passed its warning.
    pub at_risk: bool,
    /// Some target was missed.
    pub breached: bool,
    /// Effective compensation so far.
    pub compensation: MoneyDto,
    pub durations: StageDurations,
    pub clocks: Vec<ClockView>,
    pub allowed_actions: Vec<CaseAction>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub unit: Option<Uuid>,
    pub stage: Option<Stage>,
    pub open_only: bool,
    pub assignee: Option<Uuid>,
    pub priority: Option<Priority>,
    pub customer: Option<Uuid>,
    pub breached: Option<bool>,
    pub at_risk: Option<bool>,
}

/// The explicit actions, with what each carries.
#[derive(Debug, Clone)]
pub enum CaseCommand {
    Acknowledge {
        note: Option<String>,
    },
    Respond {
        body: String,
    },
    WaitForCustomer {
        note: Option<String>,
    },
    CustomerReplied {
        body: Option<String>,
    },
    Resolve {
        summary: String,
    },
    CompleteFollowUp {
        satisfaction: Option<u8>,
        note: Option<String>,
    },
    Close {
        root_cause: String,
        note: String,
    },
    Reopen {
        reason: String,
    },
}

impl CaseCommand {
    pub fn action(&self) -> CaseAction {
        match self {
            CaseCommand::Acknowledge { .. } => CaseAction::Acknowledge,
            CaseCommand::Respond { .. } => CaseAction::Respond,
            CaseCommand::WaitForCustomer { .. } => CaseAction::WaitForCustomer,
            CaseCommand::CustomerReplied { .. } => CaseAction::CustomerReplied,
            CaseCommand::Resolve { .. } => CaseAction::Resolve,
            CaseCommand::CompleteFollowUp { .. } => CaseAction::CompleteFollowUp,
            CaseCommand::Close { .. } => CaseAction::Close,
            CaseCommand::Reopen { .. } => CaseAction::Reopen,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseMessage {
    pub id: Uuid,
    pub case_id: Uuid,
    pub at: Timestamp,
    pub author_id: Option<Uuid>,
    pub kind: MessageKind,
    pub body: String,
}

/// One entry of a case's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseEvent {
    pub id: Uuid,
    pub at: Timestamp,
    /// Absent for the system (the SLA sweep).
    pub actor_id: Option<Uuid>,
    /// `created`, `updated`, an action name, `message`, `note`, `action_requested`,
    /// `action_approved`, `action_rejected`, `sla_warning`, `sla_breach`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// A validated recovery action request.
#[derive(Debug, Clone)]
pub struct NewRecoveryAction {
    pub kind: RecoveryKind,
    pub amount: Option<Money>,
    pub note: String,
    /// Set when the action pays out a service guarantee.
    pub guarantee_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecoveryAction {
    pub id: Uuid,
    pub version: i64,
    pub case_id: Uuid,
    pub unit_id: Uuid,
    pub kind: RecoveryKind,
    pub amount: Option<MoneyDto>,
    pub note: String,
    pub status: ActionStatus,
    pub requested_by: Uuid,
    pub requested_at: Timestamp,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<Timestamp>,
    pub decision_reason: Option<String>,
    /// The compensation guideline's range for this case, when one applies.
    pub guideline_min_minor: Option<i64>,
    pub guideline_max_minor: Option<i64>,
    /// The amount lies outside the guideline's range.
    pub outside_guideline: bool,
    pub guarantee_id: Option<Uuid>,
    /// Took effect on the requester's own authority (counts against their limit).
    pub own_authority: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: Uuid,
    pub case_id: Option<Uuid>,
    /// `sla_warning`, `sla_breach`, `approval_requested`, `action_approved`, `action_rejected`.
    pub kind: String,
    pub at: Timestamp,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub read_at: Option<Timestamp>,
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepOutcome {
    pub cases: u64,
    pub warnings: u64,
    pub breaches: u64,
}

#[derive(Debug, Clone)]
pub struct SummaryFilter {
    pub unit: Option<Uuid>,
    /// Cases detected in `[from, to)`.
    pub from: Timestamp,
    pub to: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageCount {
    pub stage: Stage,
    pub cases: u64,
}

/// Calendar seconds from detection to a milestone, over the cases that reached it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DurationStats {
    pub n: u64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetCompliance {
    pub target: Target,
    /// Clocks that were stopped or missed their deadline.
    pub measured: u64,
    pub met: u64,
    pub missed: u64,
    /// met / measured.
    pub compliance: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompensationTotal {
    pub currency: String,
    pub total_minor: i64,
    pub cases: u64,
    pub cases_compensated: u64,
    /// Mean compensation over all cases in this currency.
    pub per_case_minor: f64,
    /// Mean over the compensated cases only.
    pub per_compensated_case_minor: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryFairness {
    pub category: String,
    pub cases: u64,
    #[serde(flatten)]
    pub figure: FairnessFigure,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SatisfactionStats {
    pub n: u64,
    pub mean: Option<f64>,
    /// Answers 1 to 5.
    pub distribution: [u64; 5],
}

/// The recovery summary (`GET /api/v1/reports/recovery`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecoverySummary {
    pub unit_id: Option<Uuid>,
    pub from: Timestamp,
    pub to: Timestamp,
    pub cases: u64,
    pub by_stage: Vec<StageCount>,
    /// Cases found by staff, the system or a survey rather than by a complaint.
    pub found_before_complaint: u64,
    pub found_before_complaint_share: Option<f64>,
    pub time_to_acknowledge: DurationStats,
    pub time_to_first_response: DurationStats,
    pub time_to_resolve: DurationStats,
    pub sla: Vec<TargetCompliance>,
    pub compensation: Vec<CompensationTotal>,
    pub fairness: Vec<CategoryFairness>,
    pub satisfaction: SatisfactionStats,
    pub categories: Vec<ParetoRow>,
    pub root_causes: Vec<ParetoRow>,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Opens a case with its SLA clocks. `scope` confines it to the actor's unit.
    async fn create_case(
        &self,
        change: &Change,
        scope: Option<Uuid>,
        case: &NewCase,
    ) -> Result<Case>;
    async fn get_case(&self, id: Uuid) -> Result<Case>;
    /// Sorted by nearest deadline (cases without a running clock last), then age.
    async fn list_cases(&self, filter: &CaseFilter, page: &PageRequest) -> Result<Page<Case>>;
    async fn update_case(
        &self,
        change: &Change,
        scope: Option<Uuid>,
        id: Uuid,
        version: i64,
        update: &CaseUpdate,
    ) -> Result<Case>;
    /// Applies one action; `version`, when given, must be current.
    async fn act_on_case(
        &self,
        change: &Change,
        scope: Option<Uuid>,
        id: Uuid,
        version: Option<i64>,
        command: &CaseCommand,
    ) -> Result<Case>;
    /// An internal note, or the customer's words while the case is not waiting on them:
    /// allowed in every stage, changes nothing else. (Replies go through `Respond`.)
    async fn add_message(
        &self,
        change: &Change,
        scope: Option<Uuid>,
        id: Uuid,
        kind: MessageKind,
        body: &str,
    ) -> Result<CaseMessage>;
    async fn list_case_messages(&self, id: Uuid) -> Result<Vec<CaseMessage>>;
    async fn case_history(&self, id: Uuid) -> Result<Vec<CaseEvent>>;
    /// Takes effect within the actor's remaining authority, else waits for approval.
    async fn request_recovery_action(
        &self,
        change: &Change,
        actor: &Actor,
        case_id: Uuid,
        action: &NewRecoveryAction,
    ) -> Result<RecoveryAction>;
    /// A manager of the case's unit (or an admin), not the requester, decides.
    async fn decide_recovery_action(
        &self,
        change: &Change,
        actor: &Actor,
        id: Uuid,
        approve: bool,
        reason: &str,
    ) -> Result<RecoveryAction>;
    async fn list_recovery_actions(&self, case_id: Uuid) -> Result<Vec<RecoveryAction>>;
    async fn list_pending_approvals(
        &self,
        scope: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<RecoveryAction>>;
    /// Records the warnings and breaches due by `now` (at most `limit` cases per call).
    async fn sweep_sla(&self, now: Timestamp, limit: i64) -> Result<SweepOutcome>;
    async fn list_notifications(
        &self,
        employee: Uuid,
        page: &PageRequest,
    ) -> Result<Page<Notification>>;
    async fn recovery_summary(&self, filter: &SummaryFilter) -> Result<RecoverySummary>;
    /// Writes many cases at once from scripts of what happened (demo data, history from
    /// another system), under the same rules as the API, in large transactions. Warnings
    /// and breaches due by `now` are recorded; no notifications are sent for history.
    async fn import_cases(&self, scripts: &[CaseScript], now: Timestamp) -> Result<usize>;

    // ---- the agent's day ----

    /// Follow-ups not yet done that fall due before `due_before` (overdue ones included),
    /// soonest first. `scope`: one unit's; `None`: every unit's.
    async fn list_follow_ups_due(
        &self,
        scope: Option<Uuid>,
        due_before: Timestamp,
        page: &PageRequest,
    ) -> Result<Page<Case>>;
    /// Recovery actions `employee` asked for that still wait for a manager (in `unit`, or
    /// in any unit), by unit and age; at most `limit`.
    async fn list_pending_requested_by(
        &self,
        employee: Uuid,
        unit: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<RecoveryAction>>;
    /// What `employee` may still grant on their own authority in `unit` at `at`: their
    /// limit less what they granted in the current authority period (unit's local time).
    async fn remaining_authority(
        &self,
        employee: Uuid,
        unit: Uuid,
        at: Timestamp,
    ) -> Result<AuthorityLeft>;
    /// Customers' birthdays, anniversaries and other dates in a window of days, read through
    /// the month–day index; see [`UpcomingDatesFilter`].
    async fn upcoming_dates(&self, filter: &UpcomingDatesFilter) -> Result<Vec<UpcomingDate>>;
    /// Names and tiers of customers by id, for lists of cases (ids that do not exist are
    /// left out). One query per 500 ids.
    async fn customer_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, (String, Tier)>>;
    /// Names of employees by id, for lists of cases.
    async fn employee_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>>;
}

/// An employee's authority in one unit's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityLeft {
    pub period: AuthorityPeriod,
    pub currency: String,
    /// The limit; 0 when it is kept in another currency.
    pub limit_minor: i64,
    /// Granted on their own authority in the current period (0 for `per_action`).
    pub used_minor: i64,
    pub remaining_minor: i64,
}

/// Which important dates the agenda shows.
#[derive(Debug, Clone)]
pub struct UpcomingDatesFilter {
    /// The first local day of the window.
    pub from: chrono::NaiveDate,
    /// Days in the window, 1 to 31 (`from` included).
    pub days: u32,
    /// Only customers of this unit: those who visited one of its touchpoints since
    /// `visited_since`, or have a case there. `None`: every customer.
    pub unit: Option<Uuid>,
    pub visited_since: Timestamp,
    pub limit: i64,
}

/// A customer's date falling within the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpcomingDate {
    pub customer_id: Uuid,
    pub customer_name: String,
    pub tier: Tier,
    pub kind: rapport_domain::customer::DateKind,
    pub label: Option<String>,
    pub month: u8,
    pub day: u8,
    pub year: Option<i32>,
    /// The day it falls on in the window (29 February on 28 February in common years).
    pub on: chrono::NaiveDate,
}

/// The month–day ranges a window of local days covers (at most two months when the window
/// is shorter than a month), with 29 February read on 28 February in common years.
pub(crate) fn month_day_ranges(from: chrono::NaiveDate, days: u32) -> Vec<(u32, u32, u32)> {
    let mut ranges: Vec<(u32, u32, u32)> = Vec::new();
    for i in 0..days.max(1) {
        let Some(d) = from.checked_add_days(chrono::Days::new(u64::from(i))) else {
            break;
        };
        let (m, mut day) = (d.month(), d.day());
        let leap = chrono::NaiveDate::from_ymd_opt(d.year(), 2, 29).is_some();
        if m == 2 && day == 28 && !leap {
            day = 29;
        }
        match ranges.last_mut() {
            Some((lm, _, hi)) if *lm == m => *hi = day,
            _ => ranges.push((m, d.day(), day)),
        }
    }
    ranges
}

/// The day within the window a month–day falls on.
pub(crate) fn day_in_window(
    from: chrono::NaiveDate,
    days: u32,
    month: u32,
    day: u32,
) -> Option<chrono::NaiveDate> {
    (0..days.max(1)).find_map(|i| {
        let d = from.checked_add_days(chrono::Days::new(u64::from(i)))?;
        let leap = chrono::NaiveDate::from_ymd_opt(d.year(), 2, 29).is_some();
        let hit = (d.month() == month && d.day() == day)
            || (!leap && month == 2 && day == 29 && d.month() == 2 && d.day() == 28);
        hit.then_some(d)
    })
}

// ---- helpers shared by both backends -------------------------------------------------

pub(crate) fn ts(micros: i64) -> Timestamp {
    Timestamp::from_micros(micros)
}

pub(crate) fn opt_ts(micros: Option<i64>) -> Option<Timestamp> {
    micros.map(Timestamp::from_micros)
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} `{value}`"))
}

pub(crate) fn parse_basis(s: &str) -> Result<ClockBasis> {
    match s {
        "business_hours" => Ok(ClockBasis::BusinessHours),
        "calendar" => Ok(ClockBasis::Calendar),
        _ => Err(corrupt("clock basis", s)),
    }
}

pub(crate) fn basis_str(b: ClockBasis) -> &'static str {
    match b {
        ClockBasis::BusinessHours => "business_hours",
        ClockBasis::Calendar => "calendar",
    }
}

pub(crate) fn unit_info(
    unit_id: Uuid,
    time_zone: &str,
    calendar: &str,
    currency: &str,
) -> Result<UnitClockInfo> {
    let tz: Tz = time_zone
        .parse()
        .map_err(|_| corrupt("time zone", time_zone))?;
    let dto: CalendarDto = serde_json::from_str(calendar)
        .map_err(|e| StoreError::Corrupt(format!("calendar of unit {unit_id}: {e}")))?;
    let calendar = dto
        .parse("calendar")
        .map_err(|_| StoreError::Corrupt(format!("calendar of unit {unit_id}")))?;
    let currency =
        Currency::parse("currency", currency).map_err(|_| corrupt("currency", currency))?;
    Ok(UnitClockInfo {
        unit_id,
        tz,
        calendar,
        currency,
    })
}

/// A policy row: match lists are JSON arrays (NULL or empty = any).
#[derive(sqlx::FromRow)]
pub(crate) struct PolicyRow {
    pub id: Uuid,
    pub version: i64,
    pub name: String,
    pub position: i64,
    pub unit_id: Option<Uuid>,
    pub severities: Option<String>,
    pub tiers: Option<String>,
    pub channels: Option<String>,
    pub basis: String,
    pub acknowledge_minutes: Option<i64>,
    pub first_response_minutes: Option<i64>,
    pub resolve_minutes: Option<i64>,
    pub follow_up_minutes: Option<i64>,
    pub follow_up_after_days: i64,
    pub warn_share: f64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const POLICY_COLUMNS: &str = "id, version, name, position, unit_id, severities, tiers, channels, basis, \
     acknowledge_minutes, first_response_minutes, resolve_minutes, follow_up_minutes, \
     follow_up_after_days, warn_share, active, created_at, updated_at";

impl PolicyRow {
    pub fn into_domain(self) -> Result<SlaPolicy> {
        fn list<T: serde::de::DeserializeOwned>(
            what: &str,
            text: Option<String>,
        ) -> Result<Vec<T>> {
            match text.as_deref() {
                None | Some("") => Ok(vec![]),
                Some(t) => serde_json::from_str(t).map_err(|_| corrupt(what, t)),
            }
        }
        Ok(SlaPolicy {
            id: self.id,
            version: self.version,
            name: self.name,
            position: self.position,
            unit_id: self.unit_id,
            severities: list("severities", self.severities)?,
            tiers: list("tiers", self.tiers)?,
            channels: list("channels", self.channels)?,
            basis: parse_basis(&self.basis)?,
            acknowledge_minutes: self.acknowledge_minutes,
            first_response_minutes: self.first_response_minutes,
            resolve_minutes: self.resolve_minutes,
            follow_up_minutes: self.follow_up_minutes,
            follow_up_after_days: self.follow_up_after_days,
            warn_share: self.warn_share,
            active: self.active,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow, Clone)]
pub(crate) struct CaseRow {
    pub id: Uuid,
    pub version: i64,
    pub number: String,
    pub kind: String,
    pub source: String,
    pub channel: String,
    pub unit_id: Uuid,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
    pub category: String,
    pub severity: i64,
    pub tier: String,
    pub priority: String,
    pub stage: String,
    pub waiting_on_customer: bool,
    pub assignee_id: Option<Uuid>,
    pub description: String,
    pub policy_id: Option<Uuid>,
    pub follow_up_after_days: i64,
    pub occurred_at: i64,
    pub detected_at: i64,
    pub acknowledged_at: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub follow_up_due_at: Option<i64>,
    pub follow_up_done_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub reopened_count: i64,
    pub satisfaction: Option<i64>,
    pub root_cause: Option<String>,
    pub root_cause_note: Option<String>,
    pub next_deadline: i64,
    pub at_risk: bool,
    pub breached: bool,
    /// SLA outcome bits per target ([`target_bit`]): a clock that stopped or missed its
    /// deadline is measured; met when it did not miss. Kept on the case so that the recovery
    /// summary reads compliance with the cases instead of joining every clock.
    pub sla_measured: i64,
    pub sla_met: i64,
    pub compensation_minor: i64,
    pub currency: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const CASE_COLUMNS: &str = "id, version, number, kind, source, channel, unit_id, touchpoint_id, customer_id, \
     encounter_id, category, severity, tier, priority, stage, waiting_on_customer, assignee_id, description, \
     policy_id, follow_up_after_days, occurred_at, detected_at, acknowledged_at, first_response_at, resolved_at, \
     follow_up_due_at, follow_up_done_at, closed_at, reopened_count, satisfaction, root_cause, root_cause_note, \
     next_deadline, at_risk, breached, sla_measured, sla_met, compensation_minor, currency, created_at, updated_at";

impl CaseRow {
    pub fn stage(&self) -> Result<Stage> {
        Stage::parse("stage", &self.stage).map_err(|_| corrupt("stage", &self.stage))
    }

    pub fn state(&self) -> Result<rapport_domain::case::CaseState> {
        Ok(rapport_domain::case::CaseState {
            stage: self.stage()?,
            waiting_on_customer: self.waiting_on_customer,
            follow_up_done: self.follow_up_done_at.is_some(),
        })
    }

    pub fn tier(&self) -> Result<Tier> {
        Tier::from_str_opt(&self.tier).ok_or_else(|| corrupt("tier", &self.tier))
    }

    pub fn into_domain(
        self,
        clocks: &[Clock],
        unit: &UnitClockInfo,
        now: Timestamp,
    ) -> Result<Case> {
        let ctx = unit.ctx();
        let state = self.state()?;
        let currency = self.currency.clone();
        Ok(Case {
            id: self.id,
            version: self.version,
            kind: CaseKind::parse("kind", &self.kind).map_err(|_| corrupt("kind", &self.kind))?,
            source: CaseSource::parse("source", &self.source)
                .map_err(|_| corrupt("source", &self.source))?,
            channel: Channel::from_str_opt(&self.channel)
                .ok_or_else(|| corrupt("channel", &self.channel))?,
            tier: self.tier()?,
            priority: Priority::parse("priority", &self.priority)
                .map_err(|_| corrupt("priority", &self.priority))?,
            stage: state.stage,
            allowed_actions: state.allowed(),
            number: self.number,
            unit_id: self.unit_id,
            touchpoint_id: self.touchpoint_id,
            customer_id: self.customer_id,
            encounter_id: self.encounter_id,
            category: self.category,
            severity: self.severity as u8,
            waiting_on_customer: self.waiting_on_customer,
            assignee_id: self.assignee_id,
            description: self.description,
            policy_id: self.policy_id,
            occurred_at: ts(self.occurred_at),
            detected_at: ts(self.detected_at),
            acknowledged_at: opt_ts(self.acknowledged_at),
            first_response_at: opt_ts(self.first_response_at),
            resolved_at: opt_ts(self.resolved_at),
            follow_up_due_at: opt_ts(self.follow_up_due_at),
            follow_up_done_at: opt_ts(self.follow_up_done_at),
            closed_at: opt_ts(self.closed_at),
            reopened_count: self.reopened_count,
            satisfaction: self.satisfaction.map(|s| s as u8),
            root_cause: self.root_cause,
            root_cause_note: self.root_cause_note,
            next_deadline: (self.next_deadline != NO_DEADLINE).then(|| ts(self.next_deadline)),
            at_risk: self.at_risk,
            breached: self.breached,
            compensation: MoneyDto {
                amount_minor: self.compensation_minor,
                currency,
            },
            durations: StageDurations::of(
                ts(self.occurred_at),
                opt_ts(self.acknowledged_at),
                opt_ts(self.resolved_at),
                opt_ts(self.closed_at),
            ),
            clocks: clocks.iter().map(|c| ClockView::of(c, now, &ctx)).collect(),
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClockRow {
    pub case_id: Uuid,
    pub target: String,
    pub basis: String,
    pub target_micros: i64,
    pub warn_micros: i64,
    pub elapsed_micros: i64,
    pub running_since: Option<i64>,
    pub due_at: Option<i64>,
    pub warn_at: Option<i64>,
    pub warned_at: Option<i64>,
    pub breached_at: Option<i64>,
    pub stopped_at: Option<i64>,
}

pub const CLOCK_COLUMNS: &str = "case_id, target, basis, target_micros, warn_micros, elapsed_micros, running_since, \
     due_at, warn_at, warned_at, breached_at, stopped_at";

impl ClockRow {
    pub fn into_domain(self) -> Result<Clock> {
        Ok(Clock {
            target: Target::parse("target", &self.target)
                .map_err(|_| corrupt("target", &self.target))?,
            basis: parse_basis(&self.basis)?,
            target_micros: self.target_micros,
            warn_micros: self.warn_micros,
            elapsed_micros: self.elapsed_micros,
            running_since: opt_ts(self.running_since),
            due_at: opt_ts(self.due_at),
            warn_at: opt_ts(self.warn_at),
            warned_at: opt_ts(self.warned_at),
            breached_at: opt_ts(self.breached_at),
            stopped_at: opt_ts(self.stopped_at),
        })
    }
}

/// The case-level figures kept for queues: nearest deadline of a running clock, at risk,
/// breached.
pub(crate) fn case_flags(clocks: &[Clock]) -> (i64, bool, bool) {
    let running = clocks
        .iter()
        .filter(|c| c.is_running() && c.stopped_at.is_none());
    let next = running
        .clone()
        .filter_map(|c| c.due_at)
        .map(|t| t.micros())
        .min()
        .unwrap_or(NO_DEADLINE);
    let at_risk = running
        .clone()
        .any(|c| c.warned_at.is_some() && c.breached_at.is_none());
    let breached = clocks.iter().any(|c| c.breached_at.is_some());
    (next, at_risk, breached)
}

/// The same wall-clock time `days` local days later (the next valid instant across a DST gap).
pub(crate) fn plus_local_days(at: Timestamp, days: i64, tz: Tz) -> Timestamp {
    let local = at.to_datetime().with_timezone(&tz).naive_local();
    let Some(target) = local.checked_add_signed(chrono::Duration::days(days)) else {
        return at;
    };
    for shift in [0, 15, 30, 45, 60, 90, 120] {
        let probe = target + chrono::Duration::minutes(shift);
        if let Some(dt) = tz.from_local_datetime(&probe).earliest() {
            return Timestamp::from_datetime(dt.with_timezone(&chrono::Utc));
        }
    }
    at.plus_seconds(days * 86_400)
}

/// The start of the authority period containing `at`, in the unit's local time.
pub(crate) fn period_start(period: AuthorityPeriod, at: Timestamp, tz: Tz) -> Option<Timestamp> {
    let local = at.to_datetime().with_timezone(&tz).date_naive();
    let first = match period {
        AuthorityPeriod::PerAction => return None,
        AuthorityPeriod::Day => local,
        AuthorityPeriod::Week => {
            local - chrono::Duration::days(local.weekday().num_days_from_monday() as i64)
        }
        AuthorityPeriod::Month => local.with_day(1)?,
    };
    let midnight = first.and_hms_opt(0, 0, 0)?;
    let dt = tz.from_local_datetime(&midnight).earliest().or_else(|| {
        tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
    })?;
    Some(Timestamp::from_datetime(dt.with_timezone(&chrono::Utc)))
}

pub(crate) fn local_year(at: Timestamp, tz: Tz) -> i32 {
    at.to_datetime().with_timezone(&tz).year()
}

pub(crate) fn invalid(field: &str, code: &str, message: &str) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, code, message)])
}

/// A new case on its way to the group writer: concurrent creations share one transaction
/// (one round trip per table instead of one per row), which is what lets a single SQLite
/// writer keep up with many agents.
pub(crate) struct CaseWrite {
    pub row: CaseRow,
    pub created_by: Option<Uuid>,
    pub clocks: Vec<Clock>,
    pub year: i64,
    pub details: serde_json::Value,
    pub change: Change,
    pub reply: tokio::sync::oneshot::Sender<Result<String>>,
}

/// Creations written per group transaction at most.
pub(crate) const CASE_GROUP_LIMIT: usize = 500;

/// What applying one action produced besides the new case state.
pub(crate) struct Effects {
    pub messages: Vec<(MessageKind, String)>,
    pub clock_events: Vec<rapport_domain::case::ClockEvent>,
    pub details: serde_json::Value,
    /// Reopening drops the follow-up clock.
    pub drop_follow_up_clock: bool,
}

/// A new case's row and clocks, with any warning or breach already due at `now` (a case
/// logged late). `number` is filled in by the writer.
pub(crate) fn new_case_row(
    c: &NewCase,
    id: Uuid,
    unit: &UnitClockInfo,
    tier: Tier,
    policy: Option<&SlaPolicy>,
    created_at: Timestamp,
    now: Timestamp,
) -> (CaseRow, Vec<Clock>, Vec<rapport_domain::case::ClockEvent>) {
    let ctx = unit.ctx();
    let priority = rapport_domain::case::derive_priority(c.severity, tier);
    let mut clocks = start_clocks(
        policy,
        c.detected_at,
        &ctx,
        &[Target::Acknowledge, Target::FirstResponse, Target::Resolve],
    );
    let events = clocks.iter_mut().flat_map(|k| k.due_events(now)).collect();
    let mut row = CaseRow {
        id,
        version: 1,
        number: String::new(),
        kind: c.kind.as_str().to_owned(),
        source: c.source.as_str().to_owned(),
        channel: c.channel.as_str().to_owned(),
        unit_id: unit.unit_id,
        touchpoint_id: c.touchpoint_id,
        customer_id: c.customer_id,
        encounter_id: c.encounter_id,
        category: c.category.clone(),
        severity: i64::from(c.severity.get()),
        tier: tier.as_str().to_owned(),
        priority: priority.as_str().to_owned(),
        stage: Stage::PreRecovery.as_str().to_owned(),
        waiting_on_customer: false,
        assignee_id: c.assignee_id,
        description: c.description.clone(),
        policy_id: policy.map(|p| p.id),
        follow_up_after_days: policy.map_or(3, |p| p.follow_up_after_days),
        occurred_at: c.occurred_at.micros(),
        detected_at: c.detected_at.micros(),
        acknowledged_at: None,
        first_response_at: None,
        resolved_at: None,
        follow_up_due_at: None,
        follow_up_done_at: None,
        closed_at: None,
        reopened_count: 0,
        satisfaction: None,
        root_cause: None,
        root_cause_note: None,
        next_deadline: NO_DEADLINE,
        at_risk: false,
        breached: false,
        sla_measured: 0,
        sla_met: 0,
        compensation_minor: 0,
        currency: unit.currency.code().to_owned(),
        created_at: created_at.micros(),
        updated_at: created_at.micros(),
    };
    apply_flags(&mut row, &clocks);
    (row, clocks, events)
}

pub(crate) fn priority_rank(priority: &str) -> i64 {
    match priority {
        "urgent" => 1,
        "high" => 2,
        "normal" => 3,
        _ => 4,
    }
}

pub(crate) fn apply_flags(row: &mut CaseRow, clocks: &[Clock]) {
    let (next, at_risk, breached) = case_flags(clocks);
    row.next_deadline = next;
    row.at_risk = at_risk;
    row.breached = breached;
    (row.sla_measured, row.sla_met) = sla_outcomes(clocks);
}

/// The bit of a target in `cases.sla_measured` / `sla_met` (migration 0009 uses the same).
pub(crate) fn target_bit(target: Target) -> i64 {
    match target {
        Target::Acknowledge => 1,
        Target::FirstResponse => 2,
        Target::Resolve => 4,
        Target::FollowUp => 8,
    }
}

/// Which clocks have an outcome (stopped, or past their deadline) and which of those met it.
pub(crate) fn sla_outcomes(clocks: &[Clock]) -> (i64, i64) {
    let (mut measured, mut met) = (0, 0);
    for c in clocks {
        if c.stopped_at.is_some() || c.breached_at.is_some() {
            measured |= target_bit(c.target);
            if c.breached_at.is_none() {
                met |= target_bit(c.target);
            }
        }
    }
    (measured, met)
}

pub(crate) fn start_clocks(
    policy: Option<&SlaPolicy>,
    at: Timestamp,
    ctx: &ClockContext,
    targets: &[Target],
) -> Vec<Clock> {
    let Some(p) = policy else { return vec![] };
    let t = p.targets();
    targets
        .iter()
        .filter_map(|target| {
            t.minutes(*target)
                .map(|m| Clock::start(*target, t.basis, m, t.warn_share, at, ctx))
        })
        .collect()
}

/// Applies one action to a case held by the caller: the stage machine, timestamps and
/// clocks. Pure, so the API and the bulk import run the same rules. `policy` is the case's
/// SLA policy (for the follow-up clock). Bumps the version.
pub(crate) fn apply_command(
    row: &mut CaseRow,
    clocks: &mut Vec<Clock>,
    command: &CaseCommand,
    at: Timestamp,
    unit: &UnitClockInfo,
    policy: Option<&SlaPolicy>,
) -> Result<Effects> {
    row.state()?
        .check(command.action())
        .map_err(StoreError::NotAllowed)?;
    let ctx = unit.ctx();
    let mut fx = Effects {
        messages: vec![],
        clock_events: vec![],
        details: serde_json::json!({}),
        drop_follow_up_clock: false,
    };
    let stop = |clocks: &mut Vec<Clock>, target: Target, fx: &mut Effects| {
        if let Some(k) = clocks.iter_mut().find(|k| k.target == target) {
            fx.clock_events.extend(k.stop(at, &ctx));
        }
    };
    match command {
        CaseCommand::Acknowledge { note } => {
            row.acknowledged_at = Some(at.micros());
            row.stage = Stage::Immediate.as_str().to_owned();
            stop(clocks, Target::Acknowledge, &mut fx);
            if let Some(n) = note {
                fx.messages.push((MessageKind::Note, n.clone()));
                fx.details = serde_json::json!({ "note": n });
            }
        }
        CaseCommand::Respond { body } => {
            fx.messages.push((MessageKind::Reply, body.clone()));
            if row.first_response_at.is_none() {
                row.first_response_at = Some(at.micros());
                stop(clocks, Target::FirstResponse, &mut fx);
                fx.details = serde_json::json!({ "first_response": true });
            }
        }
        CaseCommand::WaitForCustomer { note } => {
            row.waiting_on_customer = true;
            for k in clocks.iter_mut().filter(|k| k.stopped_at.is_none()) {
                fx.clock_events.extend(k.pause(at, &ctx));
            }
            if let Some(n) = note {
                fx.messages.push((MessageKind::Note, n.clone()));
                fx.details = serde_json::json!({ "note": n });
            }
        }
        CaseCommand::CustomerReplied { body } => {
            row.waiting_on_customer = false;
            for k in clocks.iter_mut() {
                k.resume(at, &ctx);
            }
            if let Some(b) = body {
                fx.messages.push((MessageKind::Customer, b.clone()));
            }
        }
        CaseCommand::Resolve { summary } => {
            row.waiting_on_customer = false;
            row.resolved_at = Some(at.micros());
            row.stage = Stage::FollowUp.as_str().to_owned();
            stop(clocks, Target::Resolve, &mut fx);
            let due = plus_local_days(at, row.follow_up_after_days, unit.tz);
            row.follow_up_due_at = Some(due.micros());
            clocks.retain(|k| k.target != Target::FollowUp);
            clocks.extend(start_clocks(policy, due, &ctx, &[Target::FollowUp]));
            fx.messages.push((MessageKind::Note, summary.clone()));
            fx.details = serde_json::json!({ "summary": summary, "follow_up_due_at": due });
        }
        CaseCommand::CompleteFollowUp { satisfaction, note } => {
            row.follow_up_done_at = Some(at.micros());
            row.satisfaction = satisfaction.map(i64::from);
            stop(clocks, Target::FollowUp, &mut fx);
            if let Some(n) = note {
                fx.messages.push((MessageKind::Note, n.clone()));
            }
            fx.details = serde_json::json!({ "satisfaction": satisfaction, "note": note });
        }
        CaseCommand::Close { root_cause, note } => {
            row.root_cause = Some(root_cause.clone());
            row.root_cause_note = Some(note.clone());
            row.closed_at = Some(at.micros());
            row.stage = Stage::Closed.as_str().to_owned();
            for k in clocks.iter_mut().filter(|k| k.stopped_at.is_none()) {
                fx.clock_events.extend(k.stop(at, &ctx));
            }
            fx.details = serde_json::json!({ "root_cause": root_cause, "note": note });
        }
        CaseCommand::Reopen { reason } => {
            row.stage = Stage::Immediate.as_str().to_owned();
            row.waiting_on_customer = false;
            row.reopened_count += 1;
            fx.details = serde_json::json!({
                "reason": reason, "resolved_at": opt_ts(row.resolved_at),
                "closed_at": opt_ts(row.closed_at), "satisfaction": row.satisfaction,
            });
            row.resolved_at = None;
            row.follow_up_due_at = None;
            row.follow_up_done_at = None;
            row.closed_at = None;
            row.satisfaction = None;
            row.root_cause = None;
            row.root_cause_note = None;
            clocks.retain(|k| k.target != Target::FollowUp);
            fx.drop_follow_up_clock = true;
            for k in clocks.iter_mut().filter(|k| k.target == Target::Resolve) {
                k.restart(at, &ctx);
            }
            fx.messages.push((MessageKind::Note, reason.clone()));
        }
    }
    apply_flags(row, clocks);
    row.version += 1;
    row.updated_at = at.micros();
    Ok(fx)
}

/// One case of a bulk import (demo data, history from another system): how it was opened
/// and what was done, in order. The same rules as the API apply.
#[derive(Debug, Clone)]
pub struct CaseScript {
    pub case: NewCase,
    pub opened_by: Option<Uuid>,
    pub steps: Vec<ScriptStep>,
}

#[derive(Debug, Clone)]
pub struct ScriptStep {
    pub at: Timestamp,
    pub actor: Option<Uuid>,
    pub action: ScriptAction,
}

#[derive(Debug, Clone)]
pub enum ScriptAction {
    Command(CaseCommand),
    /// A recovery action as it was decided; `approval` when a manager approved it (then it
    /// did not count against the requester's own authority).
    Recovery {
        kind: RecoveryKind,
        amount: Option<Money>,
        note: String,
        approval: Option<(Uuid, Timestamp, String)>,
    },
}

/// The pieces of the recovery summary computed from case rows, in the order of
/// [`summary_sql`]'s columns (on SQLite each row arrives as a JSON array).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct SummaryRow {
    pub source: String,
    pub stage: String,
    pub category: String,
    pub root_cause: Option<String>,
    pub severity: i64,
    pub tier: String,
    pub detected_at: i64,
    pub acknowledged_at: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub satisfaction: Option<i64>,
    pub compensation_minor: i64,
    pub currency: String,
    pub sla_measured: i64,
    pub sla_met: i64,
}

const SUMMARY_COLUMNS: &str = "source, stage, category, root_cause, severity, tier, detected_at, \
     acknowledged_at, first_response_at, resolved_at, satisfaction, compensation_minor, currency, \
     sla_measured, sla_met";

/// The cases detected in `[$1, $2)`, of unit `$3` when `unit` is set: on PostgreSQL as
/// rows, on SQLite as one row holding a JSON array of rows (`[source, stage, …]`, see
/// [`SummaryRow`]).
///
/// Measured on the demo (15,000 cases a year): SQLite reads the rows in 3-5 ms, but sqlx
/// hands every row and value over from its worker thread one by one, which cost ~30 ms;
/// packed into one JSON text by SQLite and parsed with serde, the summary takes ~14 ms in
/// all. PostgreSQL's binary rows are cheaper than its `json_agg` (25 vs 30 ms), so it
/// keeps rows. Grouping or ranking inside SQLite (GROUP BY, window functions) costs 25-45 ms
/// per query in its sorter, so the rows are counted in Rust.
pub(crate) fn summary_sql(unit: bool, packed: bool) -> String {
    let unit_filter = if unit { " AND unit_id = $3" } else { "" };
    let rows = if packed {
        format!("json_group_array(json_array({SUMMARY_COLUMNS}))")
    } else {
        SUMMARY_COLUMNS.to_owned()
    };
    format!("SELECT {rows} FROM cases WHERE detected_at >= $1 AND detected_at < $2{unit_filter}")
}

/// The rows of one [`summary_sql`] answer.
pub(crate) fn summary_rows(json: &str) -> Result<Vec<SummaryRow>> {
    serde_json::from_str(json).map_err(|e| corrupt("recovery summary rows", &e.to_string()))
}

pub(crate) fn summarize(filter: &SummaryFilter, rows: Vec<SummaryRow>) -> Result<RecoverySummary> {
    use rapport_domain::recovery_stats::{fairness, pareto, percentile};
    let n = rows.len() as u64;
    let mut stages: HashMap<String, u64> = HashMap::new();
    let mut found_before = 0;
    let (mut ack, mut first, mut resolve) = (Vec::new(), Vec::new(), Vec::new());
    let mut money: HashMap<String, (i64, u64, u64)> = HashMap::new();
    let mut similar: HashMap<(String, i64, String), Vec<f64>> = HashMap::new();
    let mut category_cases: HashMap<String, u64> = HashMap::new();
    let mut roots: HashMap<String, u64> = HashMap::new();
    let mut sat = [0u64; 5];
    // Measured and met clocks per target, in `Target::ALL` order.
    let mut compliance = [(0u64, 0u64); 4];
    for r in &rows {
        for (i, target) in Target::ALL.iter().enumerate() {
            let bit = target_bit(*target);
            compliance[i].0 += u64::from(r.sla_measured & bit != 0);
            compliance[i].1 += u64::from(r.sla_met & bit != 0);
        }
        *stages.entry(r.stage.clone()).or_default() += 1;
        if r.source != "complaint" {
            found_before += 1;
        }
        let secs = |t: Option<i64>| t.map(|t| (t - r.detected_at) as f64 / 1e6);
        ack.extend(secs(r.acknowledged_at));
        first.extend(secs(r.first_response_at));
        resolve.extend(secs(r.resolved_at));
        let m = money.entry(r.currency.clone()).or_default();
        m.0 += r.compensation_minor;
        m.1 += 1;
        m.2 += u64::from(r.compensation_minor > 0);
        similar
            .entry((r.category.clone(), r.severity, r.tier.clone()))
            .or_default()
            .push(r.compensation_minor as f64);
        *category_cases.entry(r.category.clone()).or_default() += 1;
        if let Some(rc) = &r.root_cause {
            *roots.entry(rc.clone()).or_default() += 1;
        }
        if let Some(s) = r.satisfaction
            && (1..=5).contains(&s)
        {
            sat[(s - 1) as usize] += 1;
        }
    }
    let stats = |mut v: Vec<f64>| DurationStats {
        n: v.len() as u64,
        median_seconds: percentile(&mut v, 0.5),
        p90_seconds: percentile(&mut v, 0.9),
    };
    let mut by_category: HashMap<String, Vec<Vec<f64>>> = HashMap::new();
    for ((category, _, _), values) in similar {
        by_category.entry(category).or_default().push(values);
    }
    let mut fairness_rows: Vec<CategoryFairness> = by_category
        .into_iter()
        .map(|(category, groups)| CategoryFairness {
            cases: category_cases.get(&category).copied().unwrap_or(0),
            figure: fairness(groups),
            category,
        })
        .collect();
    fairness_rows.sort_by(|a, b| a.category.cmp(&b.category));
    let mut compensation: Vec<CompensationTotal> = money
        .into_iter()
        .map(
            |(currency, (total, cases, compensated))| CompensationTotal {
                currency,
                total_minor: total,
                cases,
                cases_compensated: compensated,
                per_case_minor: total as f64 / cases as f64,
                per_compensated_case_minor: (compensated > 0)
                    .then(|| total as f64 / compensated as f64),
            },
        )
        .collect();
    compensation.sort_by(|a, b| a.currency.cmp(&b.currency));
    let sat_n: u64 = sat.iter().sum();
    let sat_sum: u64 = sat
        .iter()
        .enumerate()
        .map(|(i, c)| (i as u64 + 1) * c)
        .sum();
    let mut sla: Vec<TargetCompliance> = Vec::new();
    for (target, (measured, met)) in Target::ALL.iter().zip(compliance) {
        sla.push(TargetCompliance {
            target: *target,
            measured,
            met,
            missed: measured - met,
            compliance: (measured > 0).then(|| met as f64 / measured as f64),
        });
    }
    Ok(RecoverySummary {
        unit_id: filter.unit,
        from: filter.from,
        to: filter.to,
        cases: n,
        by_stage: Stage::ALL
            .iter()
            .map(|s| StageCount {
                stage: *s,
                cases: stages.get(s.as_str()).copied().unwrap_or(0),
            })
            .collect(),
        found_before_complaint: found_before,
        found_before_complaint_share: (n > 0).then(|| found_before as f64 / n as f64),
        time_to_acknowledge: stats(ack),
        time_to_first_response: stats(first),
        time_to_resolve: stats(resolve),
        sla,
        compensation,
        fairness: fairness_rows,
        satisfaction: SatisfactionStats {
            n: sat_n,
            mean: (sat_n > 0).then(|| sat_sum as f64 / sat_n as f64),
            distribution: sat,
        },
        categories: pareto(category_cases),
        root_causes: pareto(roots),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_lands_on_the_same_local_time_across_dst() {
        // 2026-03-07 10:00 in New York (EST, UTC-5) + 3 days = 2026-03-10 10:00 EDT (UTC-4).
        let at = Timestamp::parse("t", "2026-03-07T15:00:00Z").unwrap();
        let due = plus_local_days(at, 3, chrono_tz::America::New_York);
        assert_eq!(due, Timestamp::parse("t", "2026-03-10T14:00:00Z").unwrap());
    }

    #[test]
    fn authority_periods_start_at_local_midnight() {
        let at = Timestamp::parse("t", "2026-11-26T01:00:00+09:00").unwrap(); // a Thursday
        let tz = chrono_tz::Asia::Seoul;
        let p = |period| period_start(period, at, tz).map(|t| t.to_rfc3339());
        assert_eq!(p(AuthorityPeriod::Day).unwrap(), "2026-11-25T15:00:00Z");
        assert_eq!(p(AuthorityPeriod::Week).unwrap(), "2026-11-22T15:00:00Z");
        assert_eq!(p(AuthorityPeriod::Month).unwrap(), "2026-10-31T15:00:00Z");
        assert_eq!(p(AuthorityPeriod::PerAction), None);
    }
}
