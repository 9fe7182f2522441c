//! Surveys in storage: instruments, invitations, responses, and the additive statistics that
//! reports read instead of the responses.
//!
//! Every response adds its answers to three statistics rows of its (instrument, customer
//! tier, unit, touchpoint): the local day, the week (starting Monday) and the month it was
//! given in, in the same transaction as the response. A report covers its period with whole
//! months, then whole weeks, then days ([`cover`]), so a year costs twelve rows per
//! touchpoint and tier, however many responses there are.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Datelike;
use rapport_domain::Timestamp;
use rapport_domain::customer::Locale;
use rapport_domain::survey::{
    Answers, InstrumentDef, InstrumentKind, InvitationStatus, RecoveryRule, ResponseSource,
};
use rapport_domain::text::LocalizedName;
use serde::Serialize;
use uuid::Uuid;

use crate::page::{Page, PageRequest};
use crate::{Change, Result};

/// A questionnaire as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Instrument {
    pub id: Uuid,
    /// `servqual`, `csat`, `nps`, `effort` for the built-in ones; chosen for custom ones.
    #[schema(example = "servqual")]
    pub code: String,
    pub version: i64,
    pub kind: InstrumentKind,
    pub name: LocalizedName,
    pub definition: InstrumentDef,
    /// When a response opens a recovery case by itself.
    pub recovery_rule: Option<RecoveryRule>,
    /// Shipped with Rapport; its texts may be edited, its structure not.
    pub builtin: bool,
    /// Inactive instruments keep their responses but accept no new ones.
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewInstrument {
    pub code: String,
    pub name: LocalizedName,
    pub definition: InstrumentDef,
    pub recovery_rule: Option<RecoveryRule>,
    pub active: bool,
}

/// An invitation to answer one instrument once.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub unit_id: Uuid,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    /// The language the form opens in (the customer may switch).
    pub locale: Locale,
    pub status: InvitationStatus,
    pub created_by: Option<Uuid>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub responded_at: Option<Timestamp>,
    pub response_id: Option<Uuid>,
    #[serde(skip)]
    pub submission: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub instrument_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub locale: Option<Locale>,
    pub expires_at: Timestamp,
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    pub instrument: Option<Uuid>,
    pub unit: Option<Uuid>,
    pub customer: Option<Uuid>,
}

/// One respondent's answers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SurveyResponse {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub invitation_id: Option<Uuid>,
    pub unit_id: Uuid,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    /// The recovery case this response opened, if any.
    pub recovery_case_id: Option<Uuid>,
    /// The customer's tier when they answered (`none` without a customer).
    #[schema(example = "gold")]
    pub tier: String,
    pub locale: Option<Locale>,
    pub source: ResponseSource,
    pub external_id: Option<String>,
    pub submitted_at: Timestamp,
    /// Item code → answer; `null` where the item was skipped.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Option<i64>>,
    /// Dimension code → importance points.
    #[schema(value_type = Option<Object>)]
    pub importance: Option<BTreeMap<String, i64>>,
    pub comment: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewResponse {
    pub unit_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub encounter_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub locale: Option<Locale>,
    pub source: ResponseSource,
    pub external_id: Option<String>,
    pub submitted_at: Timestamp,
    pub answers: Answers,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    pub instrument: Option<Uuid>,
    pub unit: Option<Uuid>,
    pub touchpoint: Option<Uuid>,
    pub customer: Option<Uuid>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// What became of an answer to an invitation.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerOutcome {
    Recorded(Box<SurveyResponse>),
    /// The same submission again (a double click, a retried request): answered before.
    Repeated(Uuid),
    /// Another submission answered the invitation first.
    Used,
    Expired,
}

/// Time buckets of the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    /// `period`: the local day number (days since 1970-01-01).
    Day,
    /// `period`: the day number of the week's Monday.
    Week,
    /// `period`: `year * 12 + month - 1`.
    Month,
}

impl Grain {
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "d",
            Grain::Week => "w",
            Grain::Month => "m",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "d" => Some(Grain::Day),
            "w" => Some(Grain::Week),
            "m" => Some(Grain::Month),
            _ => None,
        }
    }
}

fn date_of(day: i64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::TimeDelta::days(day)
}

fn day_of(date: chrono::NaiveDate) -> i64 {
    (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
}

/// The day number of a date.
pub fn day_number(date: chrono::NaiveDate) -> i64 {
    day_of(date)
}

/// The date of a day number.
pub fn day_date(day: i64) -> chrono::NaiveDate {
    date_of(day)
}

/// The Monday of the week holding `day` (day 0, 1970-01-01, was a Thursday).
pub fn week_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

pub fn month_of(day: i64) -> i64 {
    let d = date_of(day);
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

pub fn month_first_day(month: i64) -> i64 {
    let year = month.div_euclid(12) as i32;
    let m = month.rem_euclid(12) as u32 + 1;
    day_of(chrono::NaiveDate::from_ymd_opt(year, m, 1).expect("a valid month"))
}

/// The first day of a bucket.
pub fn bucket_start(grain: Grain, period: i64) -> i64 {
    match grain {
        Grain::Day | Grain::Week => period,
        Grain::Month => month_first_day(period),
    }
}

/// The buckets of `day` in every grain.
pub fn periods_of(day: i64) -> [(Grain, i64); 3] {
    [
        (Grain::Day, day),
        (Grain::Week, week_of(day)),
        (Grain::Month, month_of(day)),
    ]
}

/// The fewest buckets that cover the days `from..=to` exactly: whole months where they fit,
/// whole weeks where they fit without breaking into a whole month that follows, days for the
/// rest.
pub fn cover(from: i64, to: i64) -> Vec<(Grain, i64)> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let month = month_of(d);
        let next_month = month_first_day(month + 1);
        if month_first_day(month) == d && next_month - 1 <= to {
            out.push((Grain::Month, month));
            d = next_month;
            continue;
        }
        let whole_month_follows = month_first_day(month + 2) - 1 <= to;
        if week_of(d) == d && d + 6 <= to && (d + 6 < next_month || !whole_month_follows) {
            out.push((Grain::Week, d));
            d += 7;
            continue;
        }
        out.push((Grain::Day, d));
        d += 1;
    }
    out
}

/// Consecutive buckets of one grain joined into ranges, for a short query.
pub fn ranges(buckets: &[(Grain, i64)]) -> Vec<(Grain, i64, i64)> {
    let mut sorted = buckets.to_vec();
    sorted.sort();
    let mut out: Vec<(Grain, i64, i64)> = Vec::new();
    for (g, p) in sorted {
        let step = if g == Grain::Week { 7 } else { 1 };
        match out.last_mut() {
            Some((lg, _, hi)) if *lg == g && *hi + step == p => *hi = p,
            _ => out.push((g, p, p)),
        }
    }
    out
}

/// The tier of a unit's roll-up statistics rows: every response of the unit and period,
/// whatever its touchpoint and tier, merged into one row (with [`ROLLUP_TOUCHPOINT`]). A
/// report without a touchpoint, level or tier filter reads these, one row per unit and
/// period, instead of one per touchpoint × tier: a year over a unit with 70 touchpoints reads
/// 13 rows, not 4,500. Real tiers never take this value.
pub const ROLLUP_TIER: &str = "*";
/// The touchpoint of a roll-up row (the max UUID; the nil UUID means "no touchpoint").
pub const ROLLUP_TOUCHPOINT: Uuid = Uuid::max();
/// The unit of the organisation-wide roll-up rows, which merge every unit's roll-up: a
/// report over all units reads one row per period, however many units there are.
pub const ROLLUP_UNIT: Uuid = Uuid::max();

/// Which statistics rows a report reads. Without `touchpoints` and `tiers` the store reads
/// roll-up rows (the units', or without `units` the organisation's); with either, the rows
/// per touchpoint × tier.
#[derive(Debug, Clone)]
pub struct StatsQuery {
    pub instrument_id: Uuid,
    /// Inclusive ranges of periods per grain.
    pub ranges: Vec<(Grain, i64, i64)>,
    pub units: Option<Vec<Uuid>>,
    /// Touchpoint ids; `Uuid::nil()` stands for responses without a touchpoint.
    pub touchpoints: Option<Vec<Uuid>>,
    pub tiers: Option<Vec<String>>,
}

/// One statistics row.
#[derive(Debug, Clone)]
pub struct StatsRow {
    pub grain: Grain,
    pub period: i64,
    pub tier: String,
    pub unit_id: Uuid,
    pub touchpoint_id: Uuid,
    pub data: Vec<u8>,
}

#[async_trait]
pub trait SurveyStore: Send + Sync {
    /// Built-in first, then by code.
    async fn list_instruments(&self, include_inactive: bool) -> Result<Vec<Arc<Instrument>>>;
    async fn get_instrument(&self, id: Uuid) -> Result<Arc<Instrument>>;
    /// By code, or by id written as text.
    async fn find_instrument(&self, code_or_id: &str) -> Result<Arc<Instrument>>;
    async fn create_instrument(&self, change: &Change, new: &NewInstrument) -> Result<Instrument>;
    /// Once an instrument has responses only its texts, rule and activity may change.
    async fn update_instrument(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        new: &NewInstrument,
    ) -> Result<Instrument>;
    /// Inserts the built-in instruments where they are missing. Run by `migrate`.
    async fn seed_survey_defaults(&self) -> Result<()>;

    /// All or none; `scope` confines them to one unit. Errors name `{prefix}[i].field`.
    async fn create_invitations(
        &self,
        change: &Change,
        scope: Option<Uuid>,
        items: &[NewInvitation],
        prefix: &str,
    ) -> Result<Vec<Invitation>>;
    async fn get_invitation(&self, id: Uuid) -> Result<Invitation>;
    async fn invitation_by_token(&self, token_hash: &[u8]) -> Result<Option<Invitation>>;
    /// Newest first.
    async fn list_invitations(
        &self,
        filter: &InvitationFilter,
        page: &PageRequest,
    ) -> Result<Page<Invitation>>;

    /// Writes all responses or none, with their statistics. Errors name `{prefix}[i].field`.
    async fn insert_responses(
        &self,
        change: &Change,
        scope: Option<Uuid>,
        instrument: &Instrument,
        items: &[NewResponse],
        prefix: &str,
    ) -> Result<Vec<SurveyResponse>>;
    /// Records the answer to an invitation exactly once; `submission` tells a repeat of the
    /// same form from a second answer.
    async fn answer_invitation(
        &self,
        invitation: &Invitation,
        instrument: &Instrument,
        submission: &str,
        response: &NewResponse,
    ) -> Result<AnswerOutcome>;
    async fn get_response(&self, id: Uuid) -> Result<SurveyResponse>;
    /// Newest first.
    async fn list_responses(
        &self,
        filter: &ResponseFilter,
        page: &PageRequest,
    ) -> Result<Page<SurveyResponse>>;
    /// Notes the recovery case a response opened.
    async fn link_response_case(
        &self,
        change: &Change,
        response_id: Uuid,
        case_id: Uuid,
    ) -> Result<()>;
    async fn survey_stats(&self, query: &StatsQuery) -> Result<Vec<StatsRow>>;
}

/// Instruments change rarely and are read on every response: kept for a minute per node.
#[derive(Default)]
pub struct InstrumentCache {
    entries:
        std::sync::RwLock<std::collections::HashMap<Uuid, (Arc<Instrument>, std::time::Instant)>>,
}

const INSTRUMENT_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl InstrumentCache {
    pub fn get(&self, id: Uuid) -> Option<Arc<Instrument>> {
        let entries = self.entries.read().expect("cache lock");
        entries
            .get(&id)
            .filter(|(_, at)| at.elapsed() < INSTRUMENT_TTL)
            .map(|(i, _)| i.clone())
    }
    pub fn put(&self, instrument: Arc<Instrument>) {
        let mut entries = self.entries.write().expect("cache lock");
        entries.insert(instrument.id, (instrument, std::time::Instant::now()));
    }
    pub fn forget(&self, id: Uuid) {
        self.entries.write().expect("cache lock").remove(&id);
    }
}

/// Whether `new` keeps the structure of `old` (codes, sections, pairs, dimensions, scale,
/// importance), so that stored answers and statistics keep their meaning.
pub fn same_structure(old: &InstrumentDef, new: &InstrumentDef) -> bool {
    old.kind == new.kind
        && old.scale == new.scale
        && old.importance == new.importance
        && old.higher_is_better == new.higher_is_better
        && old.dimensions.len() == new.dimensions.len()
        && old
            .dimensions
            .iter()
            .zip(&new.dimensions)
            .all(|(a, b)| a.code == b.code)
        && old.items.len() == new.items.len()
        && old.items.iter().zip(&new.items).all(|(a, b)| {
            a.code == b.code
                && a.dimension == b.dimension
                && a.section == b.section
                && a.pair == b.pair
        })
}

/// Answers as stored: a JSON array in the order of the instrument's items.
pub(crate) fn answers_json(answers: &Answers) -> String {
    serde_json::to_string(&answers.values).expect("answers serialize")
}

pub(crate) fn importance_json(answers: &Answers) -> Option<String> {
    answers
        .importance
        .as_ref()
        .map(|p| serde_json::to_string(p).expect("points serialize"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        day_of(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    /// Every day of the range lies in exactly one bucket of the cover.
    fn check_exact(from: i64, to: i64) {
        let mut covered = Vec::new();
        for (g, p) in cover(from, to) {
            let start = bucket_start(g, p);
            let end = match g {
                Grain::Day => start,
                Grain::Week => start + 6,
                Grain::Month => month_first_day(p + 1) - 1,
            };
            covered.extend(start..=end);
        }
        assert_eq!(covered, (from..=to).collect::<Vec<_>>(), "{from}..={to}");
    }

    #[test]
    fn a_calendar_year_is_twelve_months() {
        let c = cover(day("2026-01-01"), day("2026-12-31"));
        assert_eq!(c.len(), 12);
        assert!(c.iter().all(|(g, _)| *g == Grain::Month));
    }

    #[test]
    fn covers_are_exact_for_many_ranges() {
        let base = day("2025-12-20");
        for from in base..base + 40 {
            for len in [0, 1, 6, 7, 13, 30, 45, 64, 120, 400] {
                check_exact(from, from + len);
            }
        }
    }

    #[test]
    fn a_rolling_year_needs_few_buckets() {
        let c = cover(day("2025-11-23"), day("2026-11-22"));
        assert!(c.len() <= 30, "{} buckets", c.len());
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-23 is a Monday.
        assert_eq!(week_of(day("2026-11-23")), day("2026-11-23"));
        assert_eq!(week_of(day("2026-11-29")), day("2026-11-23"));
        assert_eq!(week_of(day("2026-11-22")), day("2026-11-16"));
    }

    #[test]
    fn ranges_join_consecutive_periods() {
        let r = ranges(&[
            (Grain::Month, 5),
            (Grain::Month, 4),
            (Grain::Day, 10),
            (Grain::Day, 12),
            (Grain::Week, 7),
            (Grain::Week, 14),
        ]);
        assert_eq!(
            r,
            [
                (Grain::Day, 10, 10),
                (Grain::Day, 12, 12),
                (Grain::Week, 7, 14),
                (Grain::Month, 4, 5)
            ]
        );
    }
}
