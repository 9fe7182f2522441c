//! Recovery cases: one per service failure, run through three stages (pre-recovery →
//! immediate recovery → follow-up) and closed, under SLA clocks.
//!
//! The stage machine, priority and the clocks are pure: storage calls them inside the
//! transaction that holds the case, so every node applies the same rules.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::business_time::{ClockBasis, deadline, elapsed_micros};
use crate::calendar::BusinessCalendar;
use crate::customer::Tier;
use crate::{FieldError, Timestamp, Validation};

macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(FieldError::new(
                        field,
                        "invalid_value",
                        format!("expected one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// What the case is about: a service failure, or an after-sales request handled under
    /// the same clocks.
    CaseKind {
        Failure = "failure",
        Repair = "repair",
        Exchange = "exchange",
        Refund = "refund",
    }
);

str_enum!(
    /// How the firm learned of the failure. Everything but a complaint was found before the
    /// customer had to complain.
    CaseSource {
        Complaint = "complaint",
        StaffReport = "staff_report",
        Detected = "detected",
        Survey = "survey",
    }
);

str_enum!(
    Stage {
        /// From the failure until the firm acknowledges it.
        PreRecovery = "pre_recovery",
        /// Acknowledged: responding and putting it right.
        Immediate = "immediate",
        /// Resolved: the follow-up with the customer is due or done.
        FollowUp = "follow_up",
        Closed = "closed",
    }
);

str_enum!(
    /// Differentiated handling: derived from severity and the customer's tier.
    Priority {
        Urgent = "urgent",
        High = "high",
        Normal = "normal",
        Low = "low",
    }
);

str_enum!(
    /// The explicit actions that move a case.
    CaseAction {
        Acknowledge = "acknowledge",
        Respond = "respond",
        WaitForCustomer = "wait_for_customer",
        CustomerReplied = "customer_replied",
        Resolve = "resolve",
        CompleteFollowUp = "complete_follow_up",
        Close = "close",
        Reopen = "reopen",
    }
);

str_enum!(
    /// The SLA targets every case is measured against.
    Target {
        Acknowledge = "acknowledge",
        FirstResponse = "first_response",
        Resolve = "resolve",
        FollowUp = "follow_up",
    }
);

str_enum!(
    /// What staff do to put a failure right. Apology and explanation carry no amount;
    /// the others may (their cost or the compensation given).
    RecoveryKind {
        Apology = "apology",
        Explanation = "explanation",
        Redo = "redo",
        Repair = "repair",
        Exchange = "exchange",
        Refund = "refund",
        Discount = "discount",
        Voucher = "voucher",
        Gift = "gift",
    }
);

impl RecoveryKind {
    /// Kinds that are compensation in money and need an amount.
    pub fn needs_amount(self) -> bool {
        matches!(
            self,
            RecoveryKind::Refund
                | RecoveryKind::Discount
                | RecoveryKind::Voucher
                | RecoveryKind::Gift
        )
    }
    pub fn takes_amount(self) -> bool {
        !matches!(self, RecoveryKind::Apology | RecoveryKind::Explanation)
    }
}

str_enum!(
    /// A recovery action takes effect at once within the actor's authority, or waits for a
    /// manager of the unit.
    ActionStatus {
        Effective = "effective",
        PendingApproval = "pending_approval",
        Rejected = "rejected",
    }
);

str_enum!(
    /// Messages of a case: replies to the customer, the customer's own words, internal notes.
    MessageKind {
        Reply = "reply",
        Customer = "customer",
        Note = "note",
    }
);

str_enum!(
    /// Over which period an employee's authority limit is counted.
    AuthorityPeriod {
        PerAction = "per_action",
        Day = "day",
        Week = "week",
        Month = "month",
    }
);

/// Severity 1 (critical) to 4 (minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Severity(u8);

impl Severity {
    pub fn parse(field: &str, value: i64) -> Result<Self, FieldError> {
        if (1..=4).contains(&value) {
            Ok(Self(value as u8))
        } else {
            Err(FieldError::new(
                field,
                "out_of_range",
                "severity must be 1 (critical), 2 (major), 3 (moderate) or 4 (minor)",
            ))
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

/// Severity sets the base; gold and VIP customers are served one step sooner.
pub fn derive_priority(severity: Severity, tier: Tier) -> Priority {
    let boost = matches!(tier, Tier::Gold | Tier::Vip) as u8;
    match severity.0.saturating_sub(boost).max(1) {
        1 => Priority::Urgent,
        2 => Priority::High,
        3 => Priority::Normal,
        _ => Priority::Low,
    }
}

/// What the stage machine needs to know of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseState {
    pub stage: Stage,
    pub waiting_on_customer: bool,
    pub follow_up_done: bool,
}

impl CaseState {
    /// The actions allowed now, in the order they usually come.
    pub fn allowed(&self) -> Vec<CaseAction> {
        use CaseAction::*;
        match self.stage {
            Stage::PreRecovery => vec![Acknowledge],
            Stage::Immediate if self.waiting_on_customer => {
                vec![Respond, CustomerReplied, Resolve]
            }
            Stage::Immediate => vec![Respond, WaitForCustomer, Resolve],
            Stage::FollowUp if self.follow_up_done => vec![Respond, Close, Reopen],
            Stage::FollowUp => vec![Respond, CompleteFollowUp, Reopen],
            Stage::Closed => vec![Reopen],
        }
    }

    pub fn check(&self, action: CaseAction) -> Result<(), NotAllowed> {
        let allowed = self.allowed();
        if allowed.contains(&action) {
            Ok(())
        } else {
            Err(NotAllowed {
                action,
                stage: self.stage,
                allowed,
            })
        }
    }
}

/// An action that the case's stage does not allow (answered 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not allowed while the case is in stage `{}`", action.as_str(), stage.as_str())]
pub struct NotAllowed {
    pub action: CaseAction,
    pub stage: Stage,
    pub allowed: Vec<CaseAction>,
}

/// Where a case's clocks are counted: its unit's calendar and time zone.
#[derive(Debug, Clone)]
pub struct ClockContext<'a> {
    pub calendar: &'a BusinessCalendar,
    pub tz: Tz,
}

/// One SLA clock of a case. `elapsed_micros` is the time counted before `running_since`;
/// while running, `due_at` and `warn_at` are where the target and the warning fall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub target: Target,
    pub basis: ClockBasis,
    pub target_micros: i64,
    pub warn_micros: i64,
    pub elapsed_micros: i64,
    pub running_since: Option<Timestamp>,
    pub due_at: Option<Timestamp>,
    pub warn_at: Option<Timestamp>,
    pub warned_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    pub stopped_at: Option<Timestamp>,
}

/// A warning or breach that a clock has reached, to be recorded exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEvent {
    Warning { target: Target, at: Timestamp },
    Breach { target: Target, at: Timestamp },
}

impl Clock {
    /// A clock for `target_minutes`, warning at `warn_share` of it, running from `at`.
    pub fn start(
        target: Target,
        basis: ClockBasis,
        target_minutes: i64,
        warn_share: f64,
        at: Timestamp,
        ctx: &ClockContext,
    ) -> Self {
        let target_micros = target_minutes.saturating_mul(60_000_000);
        let mut clock = Self {
            target,
            basis,
            target_micros,
            warn_micros: ((target_micros as f64) * warn_share).round() as i64,
            elapsed_micros: 0,
            running_since: None,
            due_at: None,
            warn_at: None,
            warned_at: None,
            breached_at: None,
            stopped_at: None,
        };
        clock.run_from(at, ctx);
        clock
    }

    fn run_from(&mut self, at: Timestamp, ctx: &ClockContext) {
        self.running_since = Some(at);
        let left = (self.target_micros - self.elapsed_micros).max(0);
        self.due_at = deadline(self.basis, ctx.calendar, ctx.tz, at, left);
        let warn_left = (self.warn_micros - self.elapsed_micros).max(0);
        self.warn_at = deadline(self.basis, ctx.calendar, ctx.tz, at, warn_left);
    }

    fn count_until(&mut self, at: Timestamp, ctx: &ClockContext) {
        if let Some(since) = self.running_since.take() {
            self.elapsed_micros += elapsed_micros(self.basis, ctx.calendar, ctx.tz, since, at);
        }
        self.due_at = None;
        self.warn_at = None;
    }

    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    /// Counted time at `now`.
    pub fn elapsed_at(&self, now: Timestamp, ctx: &ClockContext) -> i64 {
        self.elapsed_micros
            + self.running_since.map_or(0, |since| {
                elapsed_micros(self.basis, ctx.calendar, ctx.tz, since, now)
            })
    }

    /// Stops counting while the case waits on the customer.
    pub fn pause(&mut self, at: Timestamp, ctx: &ClockContext) -> Vec<ClockEvent> {
        let events = self.due_events(at);
        if self.is_running() {
            self.count_until(at, ctx);
        }
        events
    }

    /// Counts on from where it paused.
    pub fn resume(&mut self, at: Timestamp, ctx: &ClockContext) {
        if self.stopped_at.is_none() && !self.is_running() {
            self.run_from(at, ctx);
        }
    }

    /// The target is reached (met, or met late). Records a breach the sweep had not yet seen.
    pub fn stop(&mut self, at: Timestamp, ctx: &ClockContext) -> Vec<ClockEvent> {
        let events = self.due_events(at);
        if self.stopped_at.is_none() {
            self.count_until(at, ctx);
            self.stopped_at = Some(at);
        }
        events
    }

    /// Runs again after a reopen, keeping the time already counted.
    pub fn restart(&mut self, at: Timestamp, ctx: &ClockContext) {
        self.stopped_at = None;
        self.run_from(at, ctx);
    }

    /// Warnings and breaches due by `now` and not yet recorded; marks them recorded.
    pub fn due_events(&mut self, now: Timestamp) -> Vec<ClockEvent> {
        let mut events = Vec::new();
        if self.warned_at.is_none()
            && let Some(at) = self.warn_at.filter(|at| *at <= now)
        {
            self.warned_at = Some(at);
            events.push(ClockEvent::Warning {
                target: self.target,
                at,
            });
        }
        if self.breached_at.is_none()
            && let Some(at) = self.due_at.filter(|at| *at < now)
        {
            self.breached_at = Some(at);
            events.push(ClockEvent::Breach {
                target: self.target,
                at,
            });
        }
        events
    }

    /// When the sweep must next look at this clock; `None` when nothing more can happen.
    pub fn next_check(&self) -> Option<Timestamp> {
        if !self.is_running() {
            return None;
        }
        let warn = self.warn_at.filter(|_| self.warned_at.is_none());
        // A breach is a deadline passed: the sweep looks one microsecond after it.
        let due = self
            .due_at
            .filter(|_| self.breached_at.is_none())
            .map(|d| d.plus_micros(1));
        match (warn, due) {
            (Some(w), Some(d)) => Some(w.min(d)),
            (w, d) => w.or(d),
        }
    }

    /// Whether the target was met in time (for stopped clocks).
    pub fn met_in_time(&self) -> Option<bool> {
        self.stopped_at.map(|_| self.breached_at.is_none())
    }
}

/// The SLA policy chosen for a case, as the clocks need it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyTargets {
    pub basis: ClockBasis,
    pub acknowledge_minutes: Option<i64>,
    pub first_response_minutes: Option<i64>,
    pub resolve_minutes: Option<i64>,
    pub follow_up_minutes: Option<i64>,
    pub follow_up_after_days: i64,
    pub warn_share: f64,
}

impl PolicyTargets {
    pub fn minutes(&self, target: Target) -> Option<i64> {
        match target {
            Target::Acknowledge => self.acknowledge_minutes,
            Target::FirstResponse => self.first_response_minutes,
            Target::Resolve => self.resolve_minutes,
            Target::FollowUp => self.follow_up_minutes,
        }
    }
}

/// Input of `POST /api/v1/cases`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    /// Must be absent on create.
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default = "default_kind")]
    pub kind: CaseKind,
    pub source: CaseSource,
    pub channel: crate::contact::Channel,
    /// The unit the case belongs to; may be left out when `touchpoint_id` is given.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    #[serde(default)]
    pub touchpoint_id: Option<Uuid>,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
    /// A failure category code from the taxonomy, e.g. `process.long_wait`.
    #[schema(example = "process.long_wait")]
    pub category: String,
    /// 1 (critical) to 4 (minor).
    #[schema(minimum = 1, maximum = 4)]
    pub severity: i64,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    #[schema(max_length = 10000)]
    pub description: String,
    /// When the failure happened; defaults to `detected_at`.
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// When the firm learned of it; defaults to now.
    #[serde(default)]
    pub detected_at: Option<String>,
}

fn default_kind() -> CaseKind {
    CaseKind::Failure
}

/// A validated new case.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub kind: CaseKind,
    pub source: CaseSource,
    pub channel: crate::contact::Channel,
    pub unit_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
    pub category: String,
    pub severity: Severity,
    pub assignee_id: Option<Uuid>,
    pub description: String,
    pub occurred_at: Timestamp,
    pub detected_at: Timestamp,
}

/// How far in the future a reported time may lie (clock skew between machines).
const FUTURE_SKEW_MICROS: i64 = 5 * 60 * 1_000_000;

/// A failure category code such as `process.long_wait` (the taxonomy's rule, and a kind prefix).
pub fn parse_category_code(field: &str, s: &str) -> Result<String, FieldError> {
    let code = crate::taxonomy::parse_code(field, s)?;
    if crate::taxonomy::FailureKind::of_code(&code).is_none() {
        return Err(FieldError::new(
            field,
            "invalid_code",
            "expected a category code such as `process.long_wait`",
        ));
    }
    Ok(code)
}

impl CaseInput {
    pub fn parse(&self, now: Timestamp) -> Result<NewCase, Vec<FieldError>> {
        let mut v = Validation::new();
        if self.version.is_some() {
            v.push(FieldError::new(
                "version",
                "not_allowed",
                "a new case has no version yet",
            ));
        }
        if self.unit_id.is_none() && self.touchpoint_id.is_none() {
            v.push(FieldError::new(
                "unit_id",
                "required",
                "give the unit, or a touchpoint from which the unit follows",
            ));
        }
        let category = v.check(parse_category_code("category", &self.category));
        let severity = v.check(Severity::parse("severity", self.severity));
        let description = v.check(crate::text::free_text(
            "description",
            &self.description,
            10_000,
        ));
        let detected = match &self.detected_at {
            Some(t) => v.check(Timestamp::parse("detected_at", t)),
            None => Some(now),
        };
        let occurred = match &self.occurred_at {
            Some(t) => v.check(Timestamp::parse("occurred_at", t)),
            None => detected,
        };
        if let Some(d) = detected
            && d.micros() > now.micros() + FUTURE_SKEW_MICROS
        {
            v.push(FieldError::new(
                "detected_at",
                "in_future",
                "the failure cannot be detected in the future",
            ));
        }
        if let (Some(o), Some(d)) = (occurred, detected)
            && o > d
        {
            v.push(FieldError::new(
                "occurred_at",
                "after_detected",
                "a failure cannot be detected before it occurred",
            ));
        }
        v.finish(|| NewCase {
            kind: self.kind,
            source: self.source,
            channel: self.channel,
            unit_id: self.unit_id,
            touchpoint_id: self.touchpoint_id,
            customer_id: self.customer_id,
            encounter_id: self.encounter_id,
            category: category.unwrap(),
            severity: severity.unwrap(),
            assignee_id: self.assignee_id,
            description: description.unwrap(),
            occurred_at: occurred.unwrap(),
            detected_at: detected.unwrap(),
        })
    }
}

/// Input of `PUT /api/v1/cases/{id}`: the fields staff may correct. Stages move only
/// through actions.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseUpdateInput {
    /// The version read; a stale one answers 409.
    pub version: i64,
    #[schema(example = "process.long_wait")]
    pub category: String,
    #[schema(minimum = 1, maximum = 4)]
    pub severity: i64,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    #[schema(max_length = 10000)]
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct CaseUpdate {
    pub category: String,
    pub severity: Severity,
    pub assignee_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub description: String,
}

impl CaseUpdateInput {
    pub fn parse(&self) -> Result<CaseUpdate, Vec<FieldError>> {
        let mut v = Validation::new();
        let category = v.check(parse_category_code("category", &self.category));
        let severity = v.check(Severity::parse("severity", self.severity));
        let description = v.check(crate::text::free_text(
            "description",
            &self.description,
            10_000,
        ));
        v.finish(|| CaseUpdate {
            category: category.unwrap(),
            severity: severity.unwrap(),
            assignee_id: self.assignee_id,
            customer_id: self.customer_id,
            description: description.unwrap(),
        })
    }
}

/// How long each stage took, in seconds of calendar time (the case shows it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StageDurations {
    /// Occurred → acknowledged.
    pub pre_recovery_seconds: Option<f64>,
    /// Acknowledged → resolved.
    pub immediate_seconds: Option<f64>,
    /// Resolved → closed.
    pub follow_up_seconds: Option<f64>,
    /// Occurred → closed.
    pub total_seconds: Option<f64>,
}

impl StageDurations {
    pub fn of(
        occurred: Timestamp,
        acknowledged: Option<Timestamp>,
        resolved: Option<Timestamp>,
        closed: Option<Timestamp>,
    ) -> Self {
        let span = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
            (Some(a), Some(b)) => Some(a.seconds_until(b)),
            _ => None,
        };
        Self {
            pre_recovery_seconds: span(Some(occurred), acknowledged),
            immediate_seconds: span(acknowledged, resolved),
            follow_up_seconds: span(resolved, closed),
            total_seconds: span(Some(occurred), closed),
        }
    }
}

/// Formats the human case number, e.g. `R-2026-000123`.
pub fn case_number(year: i32, sequence: i64) -> String {
    format!("R-{year}-{sequence:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse("t", s).unwrap()
    }

    #[test]
    fn vip_and_gold_customers_are_served_one_step_sooner() {
        let sev = |n| Severity::parse("s", n).unwrap();
        assert_eq!(derive_priority(sev(1), Tier::Standard), Priority::Urgent);
        assert_eq!(derive_priority(sev(1), Tier::Vip), Priority::Urgent);
        assert_eq!(derive_priority(sev(3), Tier::Standard), Priority::Normal);
        assert_eq!(derive_priority(sev(3), Tier::Silver), Priority::Normal);
        assert_eq!(derive_priority(sev(3), Tier::Gold), Priority::High);
        assert_eq!(derive_priority(sev(4), Tier::Vip), Priority::Normal);
        assert!(Severity::parse("severity", 0).is_err());
        assert!(Severity::parse("severity", 5).is_err());
    }

    #[test]
    fn each_stage_allows_only_its_actions() {
        let st = |stage, waiting, done| CaseState {
            stage,
            waiting_on_customer: waiting,
            follow_up_done: done,
        };
        let e = st(Stage::PreRecovery, false, false)
            .check(CaseAction::Resolve)
            .unwrap_err();
        assert_eq!(e.allowed, vec![CaseAction::Acknowledge]);
        assert!(
            st(Stage::Immediate, false, false)
                .check(CaseAction::CustomerReplied)
                .is_err()
        );
        assert!(
            st(Stage::Immediate, true, false)
                .check(CaseAction::CustomerReplied)
                .is_ok()
        );
        assert!(
            st(Stage::FollowUp, false, false)
                .check(CaseAction::Close)
                .is_err()
        );
        assert!(
            st(Stage::FollowUp, false, true)
                .check(CaseAction::Close)
                .is_ok()
        );
        assert_eq!(
            st(Stage::Closed, false, true).allowed(),
            vec![CaseAction::Reopen]
        );
    }

    #[test]
    fn a_clock_pauses_and_resumes_on_business_hours() {
        // Mon–Fri 09:00–18:00 in Seoul; 2026-11-23 is a Monday.
        let cal = BusinessCalendar::weekdays(9 * 60, 18 * 60);
        let ctx = ClockContext {
            calendar: &cal,
            tz: chrono_tz::Asia::Seoul,
        };
        let mut c = Clock::start(
            Target::Resolve,
            ClockBasis::BusinessHours,
            8 * 60,
            0.75,
            ts("2026-11-23T10:00:00+09:00"),
            &ctx,
        );
        // Eight open hours from 10:00 end exactly at closing time.
        assert_eq!(c.due_at, Some(ts("2026-11-23T18:00:00+09:00")));
        // 8 h × 0.75 = 6 h → 16:00 Monday.
        assert_eq!(c.warn_at, Some(ts("2026-11-23T16:00:00+09:00")));
        assert_eq!(c.next_check(), Some(ts("2026-11-23T16:00:00+09:00")));
        // Waiting on the customer from 12:00 Monday to 10:00 Tuesday: 2 h counted.
        assert!(c.pause(ts("2026-11-23T12:00:00+09:00"), &ctx).is_empty());
        assert_eq!(c.elapsed_micros, 2 * 3_600_000_000);
        assert_eq!(c.next_check(), None);
        c.resume(ts("2026-11-24T10:00:00+09:00"), &ctx);
        // 6 h left from Tuesday 10:00 → 16:00; warning at 6 h counted → 14:00.
        assert_eq!(c.due_at, Some(ts("2026-11-24T16:00:00+09:00")));
        assert_eq!(c.warn_at, Some(ts("2026-11-24T14:00:00+09:00")));
        let events = c.due_events(ts("2026-11-24T17:00:00+09:00"));
        assert_eq!(events.len(), 2);
        assert!(c.due_events(ts("2026-11-24T18:00:00+09:00")).is_empty());
        c.stop(ts("2026-11-24T17:30:00+09:00"), &ctx);
        assert_eq!(c.met_in_time(), Some(false));
        assert_eq!(c.next_check(), None);
    }

    #[test]
    fn stopping_after_the_deadline_records_the_breach_the_sweep_missed() {
        let cal = BusinessCalendar::default();
        let ctx = ClockContext {
            calendar: &cal,
            tz: chrono_tz::UTC,
        };
        let mut c = Clock::start(
            Target::Acknowledge,
            ClockBasis::Calendar,
            60,
            0.5,
            ts("2026-01-01T00:00:00Z"),
            &ctx,
        );
        let events = c.stop(ts("2026-01-01T02:00:00Z"), &ctx);
        assert_eq!(
            events,
            vec![
                ClockEvent::Warning {
                    target: Target::Acknowledge,
                    at: ts("2026-01-01T00:30:00Z")
                },
                ClockEvent::Breach {
                    target: Target::Acknowledge,
                    at: ts("2026-01-01T01:00:00Z")
                }
            ]
        );
        assert_eq!(c.elapsed_micros, 2 * 3_600_000_000);
    }

    #[test]
    fn a_case_cannot_be_detected_before_it_occurred() {
        let input: CaseInput = serde_json::from_value(serde_json::json!({
            "source": "complaint", "channel": "phone", "category": "process.long_wait",
            "severity": 9, "description": "x",
            "occurred_at": "2026-01-02T00:00:00Z", "detected_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        let errors = input.parse(ts("2026-02-01T00:00:00Z")).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["unit_id", "severity", "occurred_at"]);
    }

    #[test]
    fn stage_durations_and_case_numbers() {
        let d = StageDurations::of(
            ts("2026-01-01T00:00:00Z"),
            Some(ts("2026-01-01T00:10:00Z")),
            Some(ts("2026-01-01T01:10:00Z")),
            None,
        );
        assert_eq!(d.pre_recovery_seconds, Some(600.0));
        assert_eq!(d.immediate_seconds, Some(3600.0));
        assert_eq!(d.follow_up_seconds, None);
        assert_eq!(case_number(2026, 123), "R-2026-000123");
    }
}
