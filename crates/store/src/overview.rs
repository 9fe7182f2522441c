//! Overviews for the staff pages: a customer's figures and cases at a glance, and a unit's
//! open cases and latest SLA breaches. Each answer comes from a few indexed, bounded queries
//! (a customer's rows through the customer indexes, a unit's open cases through the open-case
//! index, breaches through the breach-time index), written once for both backends like
//! `shared.rs`.

use std::collections::HashMap;

use async_trait::async_trait;
use rapport_domain::case::{CaseKind, CaseSource, Priority, Stage, Target};
use rapport_domain::contact::Channel;
use rapport_domain::money::MoneyDto;
use rapport_domain::text::LocalizedName;
use rapport_domain::{Currency, Timestamp};
use serde::Serialize;
use uuid::Uuid;

use crate::cases::StageCount;
use crate::page::{Page, PageRequest};
use crate::{Result, StoreError};

/// A case in a list that needs no clocks (a customer's timeline, a dashboard's breaches).
#[derive(Debug, Clone, Serialize)]
pub struct CaseBrief {
    pub id: Uuid,
    pub number: String,
    pub unit_id: Uuid,
    pub kind: CaseKind,
    pub source: CaseSource,
    pub channel: Channel,
    pub category: String,
    pub severity: u8,
    pub priority: Priority,
    pub stage: Stage,
    pub description: String,
    pub detected_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// Post-recovery satisfaction, 1–5.
    pub satisfaction: Option<u8>,
    pub at_risk: bool,
    pub breached: bool,
    pub compensation: MoneyDto,
}

/// A customer's value and recovery history in figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CustomerFigures {
    pub encounters: u64,
    pub failed_encounters: u64,
    pub first_encounter_at: Option<Timestamp>,
    pub last_encounter_at: Option<Timestamp>,
    /// Revenue of the encounters, one total per currency.
    pub revenue: Vec<MoneyDto>,
    pub cases_open: u64,
    pub cases_closed: u64,
    /// Effective compensation over the customer's cases, one total per currency.
    pub compensation: Vec<MoneyDto>,
    /// The satisfaction recorded at the latest completed follow-up, 1–5.
    pub last_satisfaction: Option<u8>,
    pub last_satisfaction_at: Option<Timestamp>,
    pub survey_responses: u64,
}

/// A unit's (or every unit's) open cases right now.
#[derive(Debug, Clone, Serialize)]
pub struct OpenCaseCounts {
    pub total: u64,
    /// Every stage but closed, in stage order.
    pub by_stage: Vec<StageCount>,
    pub at_risk: u64,
    pub breached: u64,
    pub waiting_on_customer: u64,
}

/// One missed SLA target.
#[derive(Debug, Clone, Serialize)]
pub struct Breach {
    pub case: CaseBrief,
    pub target: Target,
    pub breached_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct Breaches {
    /// Breaches recorded in the period.
    pub total: u64,
    /// The latest of them, newest first.
    pub latest: Vec<Breach>,
}

#[async_trait]
pub trait OverviewStore: Send + Sync {
    /// The customer's figures; `unit`: only encounters, cases and survey answers of that unit.
    async fn customer_figures(&self, customer: Uuid, unit: Option<Uuid>)
    -> Result<CustomerFigures>;
    /// The customer's cases, newest detection first (cursor key: detection time);
    /// `unit`: only that unit's.
    async fn list_customer_cases(
        &self,
        customer: Uuid,
        unit: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<CaseBrief>>;
    /// The cases not closed yet, of one unit or of all.
    async fn open_case_counts(&self, unit: Option<Uuid>) -> Result<OpenCaseCounts>;
    /// SLA breaches recorded at or after `since`: how many, and the latest `limit`.
    async fn latest_breaches(
        &self,
        unit: Option<Uuid>,
        since: Timestamp,
        limit: i64,
    ) -> Result<Breaches>;
    /// The currency a unit's compensation and authority limits are counted in.
    async fn unit_currency(&self, unit: Uuid) -> Result<Currency>;
    /// The names of these touchpoints (unknown ids are left out), for lists that show many
    /// records each naming one.
    async fn touchpoint_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, LocalizedName>>;
    /// Touchpoints to choose from (id, unit, name), of one unit or of all, in id order: what
    /// a filter's picker shows, without the contact figures `list_touchpoints` adds up.
    async fn touchpoint_choices(
        &self,
        unit: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<(Uuid, Uuid, LocalizedName)>>;
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} `{value}`"))
}

pub(crate) const BRIEF_COLUMNS: &str = "c.id, c.number, c.unit_id, c.kind, c.source, c.channel, c.category, \
     c.severity, c.priority, c.stage, c.description, c.detected_at, c.resolved_at, c.closed_at, c.satisfaction, \
     c.at_risk, c.breached, c.compensation_minor, c.currency";

#[derive(sqlx::FromRow)]
pub(crate) struct BriefRow {
    pub id: Uuid,
    pub number: String,
    pub unit_id: Uuid,
    pub kind: String,
    pub source: String,
    pub channel: String,
    pub category: String,
    pub severity: i64,
    pub priority: String,
    pub stage: String,
    pub description: String,
    pub detected_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub satisfaction: Option<i64>,
    pub at_risk: bool,
    pub breached: bool,
    pub compensation_minor: i64,
    pub currency: String,
}

impl BriefRow {
    pub fn into_domain(self) -> Result<CaseBrief> {
        Ok(CaseBrief {
            id: self.id,
            number: self.number,
            unit_id: self.unit_id,
            kind: CaseKind::parse("kind", &self.kind).map_err(|_| corrupt("kind", &self.kind))?,
            source: CaseSource::parse("source", &self.source)
                .map_err(|_| corrupt("source", &self.source))?,
            channel: Channel::from_str_opt(&self.channel)
                .ok_or_else(|| corrupt("channel", &self.channel))?,
            category: self.category,
            severity: self.severity as u8,
            priority: Priority::parse("priority", &self.priority)
                .map_err(|_| corrupt("priority", &self.priority))?,
            stage: Stage::parse("stage", &self.stage).map_err(|_| corrupt("stage", &self.stage))?,
            description: self.description,
            detected_at: Timestamp::from_micros(self.detected_at),
            resolved_at: self.resolved_at.map(Timestamp::from_micros),
            closed_at: self.closed_at.map(Timestamp::from_micros),
            satisfaction: self.satisfaction.map(|s| s as u8),
            at_risk: self.at_risk,
            breached: self.breached,
            compensation: MoneyDto {
                amount_minor: self.compensation_minor,
                currency: self.currency,
            },
        })
    }
}

/// Sums per currency, without the empty ones, ordered by currency.
pub(crate) fn totals(mut rows: Vec<(String, i64)>) -> Vec<MoneyDto> {
    rows.retain(|(_, total)| *total != 0);
    rows.sort();
    rows.into_iter()
        .map(|(currency, amount_minor)| MoneyDto {
            amount_minor,
            currency,
        })
        .collect()
}

/// `sqlite = true` names the index of each query: SQLite's planner has no statistics here
/// (nothing runs ANALYZE) and would otherwise pick the unit-and-detection index for a
/// customer's cases or a unit's open cases, scanning every case of the unit.
macro_rules! impl_overview_store {
    ($store:ty, $db:ty, sqlite = $sqlite:expr) => {
        mod overview_impl {
            use std::collections::HashMap;

            use rapport_domain::Currency;
            use rapport_domain::case::{Stage, Target};
            use rapport_domain::text::LocalizedName;

            use super::*;
            use crate::overview::{BRIEF_COLUMNS, BriefRow, totals};
            use crate::page::Cursor;

            const SQLITE: bool = $sqlite;

            /// `INDEXED BY` on SQLite; PostgreSQL's planner chooses from its statistics.
            fn using(index: &str) -> String {
                if SQLITE { format!(" INDEXED BY {index}") } else { String::new() }
            }

            #[async_trait]
            impl OverviewStore for $store {
                async fn customer_figures(&self, customer: Uuid, unit: Option<Uuid>) -> Result<CustomerFigures> {
                    // One group per revenue currency (NULL: encounters without revenue).
                    let mut enc = sqlx::QueryBuilder::<$db>::new(
                        "SELECT revenue_currency, COUNT(*), \
                         CAST(SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS BIGINT), \
                         CAST(SUM(COALESCE(revenue_minor, 0)) AS BIGINT), MIN(started_at), MAX(started_at) \
                         FROM encounters WHERE customer_id = ",
                    );
                    enc.push_bind(customer);
                    if let Some(u) = unit {
                        enc.push(" AND unit_id = ").push_bind(u);
                    }
                    enc.push(" GROUP BY revenue_currency");
                    let mut cases = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT currency, CAST(SUM(CASE WHEN stage = 'closed' THEN 0 ELSE 1 END) AS BIGINT), \
                         CAST(SUM(CASE WHEN stage = 'closed' THEN 1 ELSE 0 END) AS BIGINT), \
                         CAST(SUM(compensation_minor) AS BIGINT) FROM cases{} WHERE customer_id = ",
                        using("ix_cases_customer")
                    ));
                    cases.push_bind(customer);
                    if let Some(u) = unit {
                        cases.push(" AND unit_id = ").push_bind(u);
                    }
                    cases.push(" GROUP BY currency");
                    let mut sat = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT satisfaction, follow_up_done_at FROM cases{} WHERE customer_id = ",
                        using("ix_cases_customer")
                    ));
                    sat.push_bind(customer);
                    if let Some(u) = unit {
                        sat.push(" AND unit_id = ").push_bind(u);
                    }
                    sat.push(
                        " AND satisfaction IS NOT NULL AND follow_up_done_at IS NOT NULL \
                         ORDER BY follow_up_done_at DESC LIMIT 1",
                    );
                    let mut surveys =
                        sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM survey_responses WHERE customer_id = ");
                    surveys.push_bind(customer);
                    if let Some(u) = unit {
                        surveys.push(" AND unit_id = ").push_bind(u);
                    }
                    type EncGroup = (Option<String>, i64, i64, i64, Option<i64>, Option<i64>);
                    let (enc, cases, sat, surveys): (Vec<EncGroup>, Vec<(String, i64, i64, i64)>, Option<(i64, i64)>, (i64,)) =
                        tokio::try_join!(
                            enc.build_query_as().fetch_all(&self.read),
                            cases.build_query_as().fetch_all(&self.read),
                            sat.build_query_as().fetch_optional(&self.read),
                            surveys.build_query_as().fetch_one(&self.read),
                        )?;
                    let mut f = CustomerFigures::default();
                    let mut revenue = Vec::new();
                    for (currency, n, failed, total, first, last) in enc {
                        f.encounters += n as u64;
                        f.failed_encounters += failed as u64;
                        f.first_encounter_at = match (f.first_encounter_at, first.map(Timestamp::from_micros)) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                        f.last_encounter_at = f.last_encounter_at.max(last.map(Timestamp::from_micros));
                        if let Some(c) = currency {
                            revenue.push((c, total));
                        }
                    }
                    f.revenue = totals(revenue);
                    let mut compensation = Vec::new();
                    for (currency, open, closed, total) in cases {
                        f.cases_open += open as u64;
                        f.cases_closed += closed as u64;
                        compensation.push((currency, total));
                    }
                    f.compensation = totals(compensation);
                    if let Some((s, at)) = sat {
                        f.last_satisfaction = Some(s as u8);
                        f.last_satisfaction_at = Some(Timestamp::from_micros(at));
                    }
                    f.survey_responses = surveys.0 as u64;
                    Ok(f)
                }

                async fn list_customer_cases(
                    &self,
                    customer: Uuid,
                    unit: Option<Uuid>,
                    page: &PageRequest,
                ) -> Result<Page<CaseBrief>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {BRIEF_COLUMNS} FROM cases c{} WHERE c.customer_id = ",
                        using("ix_cases_customer")
                    ));
                    qb.push_bind(customer);
                    if let Some(u) = unit {
                        qb.push(" AND c.unit_id = ").push_bind(u);
                    }
                    if let Some(after) = &page.after {
                        qb.push(" AND (c.detected_at < ")
                            .push_bind(after.key)
                            .push(" OR (c.detected_at = ")
                            .push_bind(after.key)
                            .push(" AND c.id < ")
                            .push_bind(after.id)
                            .push("))");
                    }
                    qb.push(" ORDER BY c.detected_at DESC, c.id DESC LIMIT ").push_bind(page.limit + 1);
                    let rows: Vec<BriefRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    let items = rows.into_iter().map(BriefRow::into_domain).collect::<Result<Vec<_>>>()?;
                    Ok(Page::from_overfetch(items, page.limit, |c| Cursor { key: c.detected_at.micros(), id: c.id, ..Cursor::default() }))
                }

                async fn open_case_counts(&self, unit: Option<Uuid>) -> Result<OpenCaseCounts> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT stage, COUNT(*), CAST(SUM(CASE WHEN at_risk THEN 1 ELSE 0 END) AS BIGINT), \
                         CAST(SUM(CASE WHEN breached THEN 1 ELSE 0 END) AS BIGINT), \
                         CAST(SUM(CASE WHEN waiting_on_customer THEN 1 ELSE 0 END) AS BIGINT) \
                         FROM cases{} WHERE stage <> 'closed'",
                        using("ix_cases_open_unit")
                    ));
                    if let Some(u) = unit {
                        qb.push(" AND unit_id = ").push_bind(u);
                    }
                    qb.push(" GROUP BY stage");
                    let rows: Vec<(String, i64, i64, i64, i64)> = qb.build_query_as().fetch_all(&self.read).await?;
                    let mut per_stage: HashMap<String, i64> = HashMap::new();
                    let (mut at_risk, mut breached, mut waiting) = (0, 0, 0);
                    for (stage, n, r, b, w) in rows {
                        per_stage.insert(stage, n);
                        at_risk += r;
                        breached += b;
                        waiting += w;
                    }
                    let by_stage: Vec<StageCount> = Stage::ALL
                        .iter()
                        .filter(|s| **s != Stage::Closed)
                        .map(|s| StageCount { stage: *s, cases: per_stage.get(s.as_str()).copied().unwrap_or(0) as u64 })
                        .collect();
                    Ok(OpenCaseCounts {
                        total: by_stage.iter().map(|s| s.cases).sum(),
                        by_stage,
                        at_risk: at_risk as u64,
                        breached: breached as u64,
                        waiting_on_customer: waiting as u64,
                    })
                }

                async fn latest_breaches(&self, unit: Option<Uuid>, since: Timestamp, limit: i64) -> Result<Breaches> {
                    let breached = using("ix_case_clocks_breached");
                    let mut count = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT COUNT(*) FROM case_clocks k{breached} JOIN cases c ON c.id = k.case_id \
                         WHERE k.breached_at IS NOT NULL AND k.breached_at >= "
                    ));
                    count.push_bind(since.micros());
                    if let Some(u) = unit {
                        count.push(" AND c.unit_id = ").push_bind(u);
                    }
                    let mut latest = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {BRIEF_COLUMNS}, k.target, k.breached_at FROM case_clocks k{breached} JOIN cases c ON c.id = k.case_id \
                         WHERE k.breached_at IS NOT NULL AND k.breached_at >= "
                    ));
                    latest.push_bind(since.micros());
                    if let Some(u) = unit {
                        latest.push(" AND c.unit_id = ").push_bind(u);
                    }
                    latest.push(" ORDER BY k.breached_at DESC, c.id DESC LIMIT ").push_bind(limit.clamp(0, 100));

                    #[derive(sqlx::FromRow)]
                    struct BreachRow {
                        #[sqlx(flatten)]
                        case: BriefRow,
                        target: String,
                        breached_at: i64,
                    }
                    let ((total,), rows): ((i64,), Vec<BreachRow>) = tokio::try_join!(
                        count.build_query_as().fetch_one(&self.read),
                        latest.build_query_as().fetch_all(&self.read),
                    )?;
                    let latest = rows
                        .into_iter()
                        .map(|r| {
                            Ok(Breach {
                                target: Target::parse("target", &r.target)
                                    .map_err(|_| StoreError::Corrupt(format!("unknown target `{}`", r.target)))?,
                                breached_at: Timestamp::from_micros(r.breached_at),
                                case: r.case.into_domain()?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok(Breaches { total: total as u64, latest })
                }

                async fn unit_currency(&self, unit: Uuid) -> Result<Currency> {
                    let row: Option<(String,)> = sqlx::query_as("SELECT currency FROM units WHERE id = $1")
                        .bind(unit)
                        .fetch_optional(&self.read)
                        .await?;
                    let (code,) = row.ok_or(StoreError::NotFound)?;
                    Currency::parse("currency", &code)
                        .map_err(|_| StoreError::Corrupt(format!("unknown currency `{code}`")))
                }

                async fn touchpoint_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, LocalizedName>> {
                    let mut names = HashMap::new();
                    for chunk in ids.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, name_ko, name_en FROM touchpoints WHERE id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows: Vec<(Uuid, String, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                        names.extend(rows.into_iter().map(|(id, ko, en)| (id, LocalizedName { ko, en })));
                    }
                    Ok(names)
                }

                async fn touchpoint_choices(&self, unit: Option<Uuid>, limit: i64) -> Result<Vec<(Uuid, Uuid, LocalizedName)>> {
                    let rows: Vec<(Uuid, Uuid, String, String)> = sqlx::query_as(
                        "SELECT id, unit_id, name_ko, name_en FROM touchpoints WHERE ($1 IS NULL OR unit_id = $1) \
                         ORDER BY id LIMIT $2",
                    )
                    .bind(unit)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?;
                    Ok(rows.into_iter().map(|(id, unit, ko, en)| (id, unit, LocalizedName { ko, en })).collect())
                }
            }
        }
    };
}

pub(crate) use impl_overview_store;
