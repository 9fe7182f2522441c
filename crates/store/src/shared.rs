//! The store implementation shared by both backends.
//!
//! The SQL here is the same text on SQLite and PostgreSQL (`$n` placeholders, `ON CONFLICT`,
//! BIGINT microsecond times), so it is written once and expanded for each backend's pool type
//! by `impl_shared_store!`. Where the dialects differ, the backend module passes the piece in.

use std::collections::HashMap;

use rapport_domain::FieldError;
use rapport_domain::encounter::NewEncounter;
use uuid::Uuid;

use crate::{Change, StoreError};

/// What the encounter writer needs to know of a touchpoint.
#[derive(Clone, Copy)]
pub struct TouchpointRef {
    pub unit_id: Uuid,
    pub tz: chrono_tz::Tz,
}

/// Checks the touchpoints of a batch: each must exist and lie in the actor's unit.
pub fn check_touchpoints(
    items: &[NewEncounter],
    refs: &HashMap<Uuid, TouchpointRef>,
    scope: Option<Uuid>,
    prefix: &str,
) -> Result<(), StoreError> {
    let mut unknown = Vec::new();
    let mut forbidden = Vec::new();
    for (i, e) in items.iter().enumerate() {
        let field = format!("{prefix}[{i}].touchpoint_id");
        match refs.get(&e.touchpoint_id) {
            None => unknown.push(FieldError::new(
                field,
                "unknown",
                "no touchpoint has this id",
            )),
            Some(r) if scope.is_some_and(|s| s != r.unit_id) => forbidden.push(FieldError::new(
                field,
                "other_unit",
                "this touchpoint belongs to another unit",
            )),
            Some(_) => {}
        }
    }
    if !unknown.is_empty() {
        return Err(StoreError::Invalid(unknown));
    }
    if !forbidden.is_empty() {
        return Err(StoreError::Forbidden(forbidden));
    }
    Ok(())
}

/// Field errors for the items whose customer or employee does not exist.
pub fn unknown_references(
    items: &[NewEncounter],
    customers: &std::collections::HashSet<Uuid>,
    employees: &std::collections::HashSet<Uuid>,
    prefix: &str,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, e) in items.iter().enumerate() {
        if let Some(c) = e.customer_id
            && !customers.contains(&c)
        {
            errors.push(FieldError::new(
                format!("{prefix}[{i}].customer_id"),
                "unknown",
                "no customer has this id",
            ));
        }
        if let Some(emp) = e.employee_id
            && !employees.contains(&emp)
        {
            errors.push(FieldError::new(
                format!("{prefix}[{i}].employee_id"),
                "unknown",
                "no employee has this id",
            ));
        }
    }
    errors
}

/// Daily sums per (touchpoint, local day) of a batch, to add to `encounter_daily`.
#[derive(Default, Clone, Copy)]
pub struct DailySums {
    pub encounters: i64,
    pub failed: i64,
    pub presence: i64,
    pub duration: i64,
    pub waiting: i64,
}

pub fn daily_sums(
    items: &[NewEncounter],
    refs: &HashMap<Uuid, TouchpointRef>,
) -> HashMap<(Uuid, i32), DailySums> {
    let mut sums: HashMap<(Uuid, i32), DailySums> = HashMap::new();
    for e in items {
        let tz = refs[&e.touchpoint_id].tz;
        let day = rapport_domain::time::local_day(e.started_at, tz);
        let s = sums.entry((e.touchpoint_id, day)).or_default();
        s.encounters += 1;
        s.failed += i64::from(e.outcome == rapport_domain::encounter::Outcome::Failed);
        s.presence += e.presence_seconds;
        s.duration += e.duration_seconds();
        s.waiting += e.waiting_seconds;
    }
    sums
}

/// One caller's encounters waiting for the group writer.
pub struct IngestRequest {
    pub change: Change,
    pub items: Vec<NewEncounter>,
    pub refs: HashMap<Uuid, TouchpointRef>,
    pub reply: tokio::sync::oneshot::Sender<Result<(), sqlx::Error>>,
}

/// Largest number of encounters one group commit writes.
pub const GROUP_LIMIT: usize = 2000;
/// Up to this many encounters per call go through the group writer; larger batches are a
/// group of their own already and are written directly.
pub const GROUP_THRESHOLD: usize = 64;

/// What is known of touchpoints, so that logging an encounter needs no read. A touchpoint's
/// unit never changes; a unit's time zone may, so entries expire after a minute.
#[derive(Default)]
pub struct TouchpointCache {
    entries: std::sync::RwLock<HashMap<Uuid, (TouchpointRef, std::time::Instant)>>,
}

const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl TouchpointCache {
    pub fn get(&self, ids: &[Uuid]) -> (HashMap<Uuid, TouchpointRef>, Vec<Uuid>) {
        let entries = self.entries.read().expect("cache lock");
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in ids {
            match entries.get(id) {
                Some((r, at)) if at.elapsed() < CACHE_TTL => {
                    found.insert(*id, *r);
                }
                _ => missing.push(*id),
            }
        }
        (found, missing)
    }

    pub fn put(&self, refs: &HashMap<Uuid, TouchpointRef>) {
        let mut entries = self.entries.write().expect("cache lock");
        if entries.len() > 100_000 {
            entries.clear();
        }
        let now = std::time::Instant::now();
        entries.extend(refs.iter().map(|(id, r)| (*id, (*r, now))));
    }

    pub fn clear(&self) {
        self.entries.write().expect("cache lock").clear();
    }
}

pub fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// Rows per multi-row INSERT: 14 columns × 1000 stays below both backends' bind limits.
pub const INSERT_CHUNK: usize = 1000;

pub const TOUCHPOINT_SELECT: &str = "SELECT t.id, t.version, t.unit_id, t.name_ko, t.name_en, t.channel, t.journey_stage, \
     t.presence_minutes, t.creation_minutes, t.created_at, t.updated_at, \
     CAST(SUM(d.encounters) AS BIGINT) AS encounters, CAST(SUM(d.failed) AS BIGINT) AS failed, \
     CAST(SUM(d.presence_seconds) AS BIGINT) AS presence_seconds, \
     CAST(SUM(d.duration_seconds) AS BIGINT) AS duration_seconds, \
     CAST(SUM(d.waiting_seconds) AS BIGINT) AS waiting_seconds \
     FROM touchpoints t LEFT JOIN encounter_daily d ON d.touchpoint_id = t.id ";

pub const TOUCHPOINT_GROUP: &str = " GROUP BY t.id, t.version, t.unit_id, t.name_ko, t.name_en, t.channel, \
     t.journey_stage, t.presence_minutes, t.creation_minutes, t.created_at, t.updated_at ";

pub const EMPLOYEE_COLUMNS: &str = "id, version, unit_id, name, email, role, authority_limit_minor, \
     authority_currency, active, created_at, updated_at";

pub const CUSTOMER_COLUMNS: &str = "id, version, name, email, phone, locale, tier, preferences, notes, \
     marketing_consent, consent_updated_at, created_at, updated_at";

pub const ENCOUNTER_COLUMNS: &str = "id, unit_id, touchpoint_id, customer_id, employee_id, started_at, ended_at, \
     waiting_seconds, presence_seconds, revenue_minor, revenue_currency, outcome, attributes, created_at";

/// The prefix range `[p, p + U+10FFFF)` matched by an index range scan on both backends
/// (`LIKE 'p%'` uses no index on PostgreSQL without a special operator class).
pub fn prefix_upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

macro_rules! impl_shared_store {
    ($store:ty, $db:ty, skip_locked = $skip_locked:expr, multi_statement = $multi_statement:expr) => {
        use std::collections::{HashMap, HashSet};

        use async_trait::async_trait;
        use rapport_domain::contact::{LevelThresholds, NewTouchpoint, Touchpoint};
        use rapport_domain::customer::{Customer, CustomerQuery, NewCustomer};
        use rapport_domain::encounter::{Encounter, NewEncounter};
        use rapport_domain::org::{ApiToken, Employee, NewEmployee, NewUnit, Unit};
        use rapport_domain::{FieldError, Timestamp};
        use uuid::Uuid;

        use crate::page::{Cursor, Page, PageRequest};
        use crate::rows::*;
        use crate::shared::*;
        use crate::*;

        type Tx<'a> = sqlx::Transaction<'a, $db>;

        impl $store {
            async fn audit(
                tx: &mut Tx<'_>,
                change: &Change,
                action: &str,
                entity: &str,
                entity_id: Option<Uuid>,
                details: serde_json::Value,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, details) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(Uuid::now_v7())
                .bind(change.at.micros())
                .bind(change.actor)
                .bind(action)
                .bind(entity)
                .bind(entity_id)
                .bind(details.to_string())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// After an update matched nothing: was the record gone, or the version stale?
            async fn missing_or_stale(tx: &mut Tx<'_>, table: &str, id: Uuid) -> StoreError {
                let current: std::result::Result<Option<(i64,)>, _> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT version FROM {table} WHERE id = $1")))
                        .bind(id)
                        .fetch_optional(&mut **tx)
                        .await;
                match current {
                    Ok(Some((current,))) => StoreError::VersionConflict { current },
                    Ok(None) => StoreError::NotFound,
                    Err(e) => e.into(),
                }
            }

            /// Deletes the record only at the version the caller read (`table` is one of ours).
            async fn delete_versioned(tx: &mut Tx<'_>, table: &str, id: Uuid, version: i64) -> Result<()> {
                let done = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE id = $1 AND version = $2")))
                    .bind(id)
                    .bind(version)
                    .execute(&mut **tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(Self::missing_or_stale(tx, table, id).await);
                }
                Ok(())
            }

            async fn touchpoint_refs(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, TouchpointRef>> {
                let (mut refs, missing) = self.touchpoints.get(ids);
                let mut fetched = HashMap::new();
                for chunk in missing.chunks(INSERT_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT t.id, t.unit_id, u.time_zone FROM touchpoints t JOIN units u ON u.id = t.unit_id WHERE t.id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    let rows: Vec<(Uuid, Uuid, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                    for (id, unit_id, tz) in rows {
                        let tz = tz
                            .parse()
                            .map_err(|_| StoreError::Corrupt(format!("time zone `{tz}` of unit {unit_id}")))?;
                        fetched.insert(id, TouchpointRef { unit_id, tz });
                    }
                }
                self.touchpoints.put(&fetched);
                refs.extend(fetched);
                Ok(refs)
            }

            async fn existing_ids(&self, table: &str, ids: &HashSet<Uuid>) -> Result<HashSet<Uuid>> {
                let ids: Vec<Uuid> = ids.iter().copied().collect();
                let mut found = HashSet::new();
                for chunk in ids.chunks(INSERT_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT id FROM {table} WHERE id IN ("));
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    let rows: Vec<(Uuid,)> = qb.build_query_as().fetch_all(&self.read).await?;
                    found.extend(rows.into_iter().map(|(id,)| id));
                }
                Ok(found)
            }

            /// Writes the encounters of several callers in one transaction, with the daily
            /// sums and one audit entry per caller.
            async fn write_group(
                pool: &sqlx::Pool<$db>,
                group: &[(&Change, &[NewEncounter], &HashMap<Uuid, TouchpointRef>)],
            ) -> std::result::Result<(), sqlx::Error> {
                let mut sums: HashMap<(Uuid, i32), DailySums> = HashMap::new();
                for (_, items, refs) in group {
                    for (key, s) in daily_sums(items, refs) {
                        let t = sums.entry(key).or_default();
                        t.encounters += s.encounters;
                        t.failed += s.failed;
                        t.presence += s.presence;
                        t.duration += s.duration;
                        t.waiting += s.waiting;
                    }
                }
                let sums: Vec<_> = sums.into_iter().collect();
                let rows: Vec<(&NewEncounter, Uuid, i64)> = group
                    .iter()
                    .flat_map(|(change, items, refs)| {
                        items.iter().map(move |e| (e, refs[&e.touchpoint_id].unit_id, change.at.micros()))
                    })
                    .collect();
                let audited: Vec<_> = group
                    .iter()
                    .filter(|(change, items, _)| items.len() > 1 || change.actor.is_some())
                    .map(|(change, items, _)| {
                        (change, items.first().map(|e| e.id), serde_json::json!({ "count": items.len() }).to_string())
                    })
                    .collect();
                // Where the backend runs several statements from one call (SQLite), a small
                // group goes to the database in one round trip; the `$n` numbering then spans
                // all statements, so the total stays under SQLite's 32,766 bind limit.
                let combine = $multi_statement
                    && rows.len() <= INSERT_CHUNK
                    && audited.len() <= INSERT_CHUNK
                    && sums.len() <= INSERT_CHUNK;
                let mut tx = pool.begin().await?;
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                let mut pending = false;
                macro_rules! statement_done {
                    () => {
                        if combine {
                            qb.push("; ");
                            pending = true;
                        } else {
                            qb.build().execute(&mut *tx).await?;
                            qb.reset();
                        }
                    };
                }
                for chunk in rows.chunks(INSERT_CHUNK) {
                    qb.push(
                        "INSERT INTO encounters (id, unit_id, touchpoint_id, customer_id, employee_id, started_at, \
                         ended_at, waiting_seconds, presence_seconds, revenue_minor, revenue_currency, outcome, \
                         attributes, created_at) ",
                    );
                    qb.push_values(chunk, |mut b, (e, unit_id, created)| {
                        b.push_bind(e.id)
                            .push_bind(*unit_id)
                            .push_bind(e.touchpoint_id)
                            .push_bind(e.customer_id)
                            .push_bind(e.employee_id)
                            .push_bind(e.started_at.micros())
                            .push_bind(e.ended_at.micros())
                            .push_bind(e.waiting_seconds)
                            .push_bind(e.presence_seconds)
                            .push_bind(e.revenue.map(|r| r.amount_minor))
                            .push_bind(e.revenue.map(|r| r.currency.code()))
                            .push_bind(e.outcome.as_str())
                            .push_bind(e.attributes.as_deref())
                            .push_bind(*created);
                    });
                    statement_done!();
                }
                for chunk in audited.chunks(INSERT_CHUNK) {
                    qb.push("INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, details) ");
                    qb.push_values(chunk, |mut b, (change, first, details)| {
                        b.push_bind(Uuid::now_v7())
                            .push_bind(change.at.micros())
                            .push_bind(change.actor)
                            .push_bind("encounters.ingest")
                            .push_bind("encounter")
                            .push_bind(*first)
                            .push_bind(details.as_str());
                    });
                    statement_done!();
                }
                for chunk in sums.chunks(INSERT_CHUNK) {
                    qb.push(
                        "INSERT INTO encounter_daily (touchpoint_id, day, encounters, failed, presence_seconds, \
                         duration_seconds, waiting_seconds) ",
                    );
                    qb.push_values(chunk, |mut b, ((tp, day), s)| {
                        b.push_bind(*tp)
                            .push_bind(i64::from(*day))
                            .push_bind(s.encounters)
                            .push_bind(s.failed)
                            .push_bind(s.presence)
                            .push_bind(s.duration)
                            .push_bind(s.waiting);
                    });
                    qb.push(
                        " ON CONFLICT (touchpoint_id, day) DO UPDATE SET \
                         encounters = encounter_daily.encounters + excluded.encounters, \
                         failed = encounter_daily.failed + excluded.failed, \
                         presence_seconds = encounter_daily.presence_seconds + excluded.presence_seconds, \
                         duration_seconds = encounter_daily.duration_seconds + excluded.duration_seconds, \
                         waiting_seconds = encounter_daily.waiting_seconds + excluded.waiting_seconds",
                    );
                    statement_done!();
                }
                if pending {
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await
            }

            /// The group writer: small writes that arrive while one transaction runs are
            /// committed together in the next, so many concurrent single-encounter requests
            /// cost one transaction instead of one each. Each caller gets its answer only
            /// after the commit that holds its encounters.
            fn spawn_group_writer(pool: sqlx::Pool<$db>) -> tokio::sync::mpsc::Sender<IngestRequest> {
                let (tx, mut rx) = tokio::sync::mpsc::channel::<IngestRequest>(4096);
                tokio::spawn(async move {
                    while let Some(first) = rx.recv().await {
                        let mut count = first.items.len();
                        let mut group = vec![first];
                        while count < GROUP_LIMIT {
                            match rx.try_recv() {
                                Ok(next) => {
                                    count += next.items.len();
                                    group.push(next);
                                }
                                Err(_) => break,
                            }
                        }
                        let parts: Vec<_> = group.iter().map(|r| (&r.change, r.items.as_slice(), &r.refs)).collect();
                        let result = Self::write_group(&pool, &parts).await;
                        drop(parts);
                        if group.len() == 1 {
                            let only = group.pop().expect("one request");
                            let _ = only.reply.send(result);
                            continue;
                        }
                        match result {
                            Ok(()) => {
                                for r in group {
                                    let _ = r.reply.send(Ok(()));
                                }
                            }
                            // One caller's bad reference must not fail the others: retry alone.
                            Err(_) => {
                                for r in group {
                                    let alone = Self::write_group(&pool, &[(&r.change, r.items.as_slice(), &r.refs)]).await;
                                    let _ = r.reply.send(alone);
                                }
                            }
                        }
                    }
                });
                tx
            }

            async fn write_encounters(
                &self,
                change: &Change,
                items: &[NewEncounter],
                refs: &HashMap<Uuid, TouchpointRef>,
            ) -> std::result::Result<(), sqlx::Error> {
                if items.len() > GROUP_THRESHOLD {
                    return Self::write_group(&self.write, &[(change, items, refs)]).await;
                }
                let (reply, answer) = tokio::sync::oneshot::channel();
                let request = IngestRequest { change: *change, items: items.to_vec(), refs: refs.clone(), reply };
                if self.ingest.send(request).await.is_err() {
                    return Err(sqlx::Error::PoolClosed);
                }
                answer.await.unwrap_or(Err(sqlx::Error::PoolClosed))
            }

            async fn customer_dates(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<CustomerDateRow>>> {
                let mut by_customer: HashMap<Uuid, Vec<CustomerDateRow>> = HashMap::new();
                if ids.is_empty() {
                    return Ok(by_customer);
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT customer_id, kind, label, month, day, year FROM customer_dates WHERE customer_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in ids {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY customer_id, position");
                let rows: Vec<CustomerDateRow> = qb.build_query_as().fetch_all(&self.read).await?;
                for r in rows {
                    by_customer.entry(r.customer_id).or_default().push(r);
                }
                Ok(by_customer)
            }

            async fn customers_from_rows(&self, rows: Vec<CustomerRow>) -> Result<Vec<Customer>> {
                let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
                let mut dates = self.customer_dates(&ids).await?;
                rows.into_iter()
                    .map(|r| {
                        let d = dates.remove(&r.id).unwrap_or_default();
                        r.into_domain(d)
                    })
                    .collect()
            }

            async fn write_customer_dates(tx: &mut Tx<'_>, id: Uuid, customer: &NewCustomer) -> Result<()> {
                sqlx::query("DELETE FROM customer_dates WHERE customer_id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                for (i, d) in customer.important_dates.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO customer_dates (customer_id, position, kind, label, month, day, year) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(i as i64)
                    .bind(date_kind_str(d.kind))
                    .bind(d.label.as_deref())
                    .bind(i64::from(d.month))
                    .bind(i64::from(d.day))
                    .bind(d.year.map(i64::from))
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            async fn unit_exists(tx: &mut Tx<'_>, id: Uuid) -> Result<bool> {
                let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM units WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(found.is_some())
            }
        }

        fn unit_json(unit: &NewUnit) -> serde_json::Value {
            serde_json::json!({
                "name": unit.name,
                "time_zone": unit.time_zone.name(),
                "calendar": unit.calendar.to_dto(),
                "currency": unit.currency.map(|c| c.code()),
            })
        }

        #[async_trait]
        impl UnitStore for $store {
            async fn create_unit(&self, change: &Change, unit: &NewUnit) -> Result<Unit> {
                let id = Uuid::now_v7();
                let calendar = serde_json::to_string(&unit.calendar.to_dto()).expect("calendar serializes");
                let mut tx = self.write.begin().await?;
                sqlx::query(
                    "INSERT INTO units (id, version, name_ko, name_en, time_zone, calendar, currency, created_at, updated_at) \
                     VALUES ($1, 1, $2, $3, $4, $5, $7, $6, $6)",
                )
                .bind(id)
                .bind(&unit.name.ko)
                .bind(&unit.name.en)
                .bind(unit.time_zone.name())
                .bind(&calendar)
                .bind(change.at.micros())
                .bind(unit.currency.map_or("KRW", |c| c.code()))
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut tx, change, "unit.create", "unit", Some(id), unit_json(unit)).await?;
                tx.commit().await?;
                self.get_unit(id).await
            }

            async fn get_unit(&self, id: Uuid) -> Result<Unit> {
                let row: Option<UnitRow> = sqlx::query_as(
                    "SELECT id, version, name_ko, name_en, time_zone, calendar, currency, created_at, updated_at \
                     FROM units WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
                row.ok_or(StoreError::NotFound)?.into_domain()
            }

            async fn list_units(&self, scope: Option<Uuid>, page: &PageRequest) -> Result<Page<Unit>> {
                let rows: Vec<UnitRow> = sqlx::query_as(
                    "SELECT id, version, name_ko, name_en, time_zone, calendar, currency, created_at, updated_at FROM units \
                     WHERE ($1 IS NULL OR id = $1) AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3",
                )
                .bind(scope)
                .bind(page.after.as_ref().map(|c| c.id))
                .bind(page.limit + 1)
                .fetch_all(&self.read)
                .await?;
                let units = rows.into_iter().map(UnitRow::into_domain).collect::<Result<Vec<_>>>()?;
                Ok(Page::from_overfetch(units, page.limit, |u| Cursor { key: 0, id: u.id, ..Cursor::default() }))
            }

            async fn update_unit(&self, change: &Change, id: Uuid, version: i64, unit: &NewUnit) -> Result<Unit> {
                let calendar = serde_json::to_string(&unit.calendar.to_dto()).expect("calendar serializes");
                let mut tx = self.write.begin().await?;
                // The stored currency matters only when the replace names one.
                let before: Option<(String,)> = match unit.currency {
                    Some(_) => sqlx::query_as("SELECT currency FROM units WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?,
                    None => None,
                };
                let done = sqlx::query(
                    "UPDATE units SET version = version + 1, name_ko = $3, name_en = $4, time_zone = $5, \
                     calendar = $6, updated_at = $7, currency = COALESCE($8, currency) WHERE id = $1 AND version = $2",
                )
                .bind(id)
                .bind(version)
                .bind(&unit.name.ko)
                .bind(&unit.name.en)
                .bind(unit.time_zone.name())
                .bind(&calendar)
                .bind(change.at.micros())
                .bind(unit.currency.map(|c| c.code()))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Self::missing_or_stale(&mut tx, "units", id).await);
                }
                // Amounts already counted in the old currency would change meaning.
                if let (Some(new), Some((before,))) = (unit.currency, before)
                    && new.code() != before
                {
                    let used: Option<(Uuid,)> = sqlx::query_as(
                        "SELECT id FROM cases WHERE unit_id = $1 \
                         UNION ALL SELECT id FROM employees WHERE unit_id = $1 AND authority_limit_minor > 0 LIMIT 1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if used.is_some() {
                        return Err(StoreError::Invalid(vec![FieldError::new(
                            "currency",
                            "in_use",
                            format!("the unit already has cases or authority limits in {before}; its currency cannot change"),
                        )]));
                    }
                }
                Self::audit(&mut tx, change, "unit.update", "unit", Some(id), unit_json(unit)).await?;
                tx.commit().await?;
                self.touchpoints.clear();
                self.recovery.clear();
                self.get_unit(id).await
            }

            async fn delete_unit(&self, change: &Change, id: Uuid, version: i64) -> Result<()> {
                let mut tx = self.write.begin().await?;
                for (table, what) in [("touchpoints", "touchpoints"), ("employees", "employees")] {
                    let used: Option<(Uuid,)> =
                        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT id FROM {table} WHERE unit_id = $1 LIMIT 1")))
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if used.is_some() {
                        return Err(StoreError::InUse(what));
                    }
                }
                Self::delete_versioned(&mut tx, "units", id, version).await?;
                Self::audit(&mut tx, change, "unit.delete", "unit", Some(id), serde_json::json!({})).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        fn employee_json(e: &NewEmployee) -> serde_json::Value {
            serde_json::json!({
                "name": e.name, "email": e.email, "role": e.role, "unit_id": e.unit_id,
                "authority_limit": rapport_domain::money::MoneyDto::from(e.authority_limit), "active": e.active,
            })
        }

        #[async_trait]
        impl EmployeeStore for $store {
            async fn create_employee(
                &self,
                change: &Change,
                employee: &NewEmployee,
                password_hash: Option<&str>,
            ) -> Result<Employee> {
                let id = Uuid::now_v7();
                let mut tx = self.write.begin().await?;
                if let Some(unit) = employee.unit_id
                    && !Self::unit_exists(&mut tx, unit).await?
                {
                    return Err(StoreError::Invalid(vec![FieldError::new("unit_id", "unknown", "no unit has this id")]));
                }
                let inserted = sqlx::query(
                    "INSERT INTO employees (id, version, unit_id, name, email, role, authority_limit_minor, \
                     authority_currency, password_hash, active, created_at, updated_at) \
                     VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
                )
                .bind(id)
                .bind(employee.unit_id)
                .bind(&employee.name)
                .bind(&employee.email)
                .bind(employee.role.as_str())
                .bind(employee.authority_limit.amount_minor)
                .bind(employee.authority_limit.currency.code())
                .bind(password_hash)
                .bind(employee.active)
                .bind(change.at.micros())
                .execute(&mut *tx)
                .await;
                match inserted {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate { field: "email" }),
                    other => other?,
                };
                Self::audit(&mut tx, change, "employee.create", "employee", Some(id), employee_json(employee)).await?;
                tx.commit().await?;
                self.get_employee(id).await
            }

            async fn get_employee(&self, id: Uuid) -> Result<Employee> {
                let row: Option<EmployeeRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {EMPLOYEE_COLUMNS} FROM employees WHERE id = $1")))
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?;
                row.ok_or(StoreError::NotFound)?.into_domain()
            }

            async fn list_employees(&self, unit: Option<Uuid>, page: &PageRequest) -> Result<Page<Employee>> {
                let rows: Vec<EmployeeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {EMPLOYEE_COLUMNS} FROM employees WHERE ($1 IS NULL OR unit_id = $1) \
                     AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
                )))
                .bind(unit)
                .bind(page.after.as_ref().map(|c| c.id))
                .bind(page.limit + 1)
                .fetch_all(&self.read)
                .await?;
                let items = rows.into_iter().map(EmployeeRow::into_domain).collect::<Result<Vec<_>>>()?;
                Ok(Page::from_overfetch(items, page.limit, |e| Cursor { key: 0, id: e.id, ..Cursor::default() }))
            }

            async fn update_employee(
                &self,
                change: &Change,
                id: Uuid,
                version: i64,
                employee: &NewEmployee,
            ) -> Result<Employee> {
                let mut tx = self.write.begin().await?;
                if let Some(unit) = employee.unit_id
                    && !Self::unit_exists(&mut tx, unit).await?
                {
                    return Err(StoreError::Invalid(vec![FieldError::new("unit_id", "unknown", "no unit has this id")]));
                }
                let done = sqlx::query(
                    "UPDATE employees SET version = version + 1, unit_id = $3, name = $4, email = $5, role = $6, \
                     authority_limit_minor = $7, authority_currency = $8, active = $9, updated_at = $10 \
                     WHERE id = $1 AND version = $2",
                )
                .bind(id)
                .bind(version)
                .bind(employee.unit_id)
                .bind(&employee.name)
                .bind(&employee.email)
                .bind(employee.role.as_str())
                .bind(employee.authority_limit.amount_minor)
                .bind(employee.authority_limit.currency.code())
                .bind(employee.active)
                .bind(change.at.micros())
                .execute(&mut *tx)
                .await;
                let done = match done {
                    Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate { field: "email" }),
                    other => other?,
                };
                if done.rows_affected() == 0 {
                    return Err(Self::missing_or_stale(&mut tx, "employees", id).await);
                }
                Self::audit(&mut tx, change, "employee.update", "employee", Some(id), employee_json(employee)).await?;
                tx.commit().await?;
                self.get_employee(id).await
            }

            async fn count_active_admins(&self) -> Result<i64> {
                let (n,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM employees WHERE role = 'admin' AND active = $1")
                        .bind(true)
                        .fetch_one(&self.read)
                        .await?;
                Ok(n)
            }

            async fn create_token(
                &self,
                change: &Change,
                employee_id: Uuid,
                name: &str,
                token_hash: &[u8],
                expires_at: Option<Timestamp>,
            ) -> Result<ApiToken> {
                let id = Uuid::now_v7();
                let mut tx = self.write.begin().await?;
                let inserted = sqlx::query(
                    "INSERT INTO api_tokens (id, employee_id, name, token_hash, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(employee_id)
                .bind(name)
                .bind(token_hash)
                .bind(change.at.micros())
                .bind(expires_at.map(|t| t.micros()))
                .execute(&mut *tx)
                .await;
                match inserted {
                    Err(e) if is_foreign_key_violation(&e) => return Err(StoreError::NotFound),
                    other => other?,
                };
                Self::audit(
                    &mut tx,
                    change,
                    "token.create",
                    "api_token",
                    Some(id),
                    serde_json::json!({ "employee_id": employee_id, "name": name }),
                )
                .await?;
                tx.commit().await?;
                self.get_token(id).await
            }

            async fn get_token(&self, id: Uuid) -> Result<ApiToken> {
                let row: Option<TokenRow> = sqlx::query_as(
                    "SELECT id, employee_id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.ok_or(StoreError::NotFound)?.into_domain())
            }

            async fn list_tokens(&self, employee_id: Uuid) -> Result<Vec<ApiToken>> {
                let rows: Vec<TokenRow> = sqlx::query_as(
                    "SELECT id, employee_id, name, created_at, expires_at, revoked_at FROM api_tokens \
                     WHERE employee_id = $1 ORDER BY id",
                )
                .bind(employee_id)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(TokenRow::into_domain).collect())
            }

            async fn revoke_token(&self, change: &Change, id: Uuid) -> Result<ApiToken> {
                let mut tx = self.write.begin().await?;
                let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                    .bind(id)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 1 {
                    Self::audit(&mut tx, change, "token.revoke", "api_token", Some(id), serde_json::json!({})).await?;
                }
                tx.commit().await?;
                self.get_token(id).await
            }

            async fn authenticate_token(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<Employee>> {
                let row: Option<EmployeeRow> = sqlx::query_as(
                    "SELECT e.id, e.version, e.unit_id, e.name, e.email, e.role, e.authority_limit_minor, \
                     e.authority_currency, e.active, e.created_at, e.updated_at \
                     FROM api_tokens t JOIN employees e ON e.id = t.employee_id \
                     WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
                     AND (t.expires_at IS NULL OR t.expires_at > $2) AND e.active = $3",
                )
                .bind(token_hash)
                .bind(now.micros())
                .bind(true)
                .fetch_optional(&self.read)
                .await?;
                row.map(EmployeeRow::into_domain).transpose()
            }
        }

        fn touchpoint_json(t: &NewTouchpoint) -> serde_json::Value {
            serde_json::json!({
                "unit_id": t.unit_id, "name": t.name, "channel": t.channel, "journey_stage": t.journey_stage,
                "customer_presence_minutes": t.designed.presence_minutes,
                "service_creation_minutes": t.designed.creation_minutes,
            })
        }

        #[async_trait]
        impl TouchpointStore for $store {
            async fn create_touchpoint(&self, change: &Change, t: &NewTouchpoint) -> Result<Touchpoint> {
                let id = Uuid::now_v7();
                let mut tx = self.write.begin().await?;
                if !Self::unit_exists(&mut tx, t.unit_id).await? {
                    return Err(StoreError::Invalid(vec![FieldError::new("unit_id", "unknown", "no unit has this id")]));
                }
                sqlx::query(
                    "INSERT INTO touchpoints (id, version, unit_id, name_ko, name_en, channel, journey_stage, \
                     presence_minutes, creation_minutes, created_at, updated_at) \
                     VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                )
                .bind(id)
                .bind(t.unit_id)
                .bind(&t.name.ko)
                .bind(&t.name.en)
                .bind(t.channel.as_str())
                .bind(t.journey_stage.as_str())
                .bind(t.designed.presence_minutes)
                .bind(t.designed.creation_minutes)
                .bind(change.at.micros())
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut tx, change, "touchpoint.create", "touchpoint", Some(id), touchpoint_json(t)).await?;
                tx.commit().await?;
                self.get_touchpoint(id).await
            }

            async fn get_touchpoint(&self, id: Uuid) -> Result<Touchpoint> {
                let thresholds = self.level_thresholds().await?;
                let row: Option<TouchpointRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOUCHPOINT_SELECT}WHERE t.id = $1{TOUCHPOINT_GROUP}")))
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?;
                row.ok_or(StoreError::NotFound)?.into_domain(&thresholds)
            }

            async fn list_touchpoints(&self, filter: &TouchpointFilter, page: &PageRequest) -> Result<Page<Touchpoint>> {
                let thresholds = self.level_thresholds().await?;
                let rows: Vec<TouchpointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{TOUCHPOINT_SELECT}WHERE ($1 IS NULL OR t.unit_id = $1) AND ($2 IS NULL OR t.channel = $2) \
                     AND ($3 IS NULL OR t.id > $3){TOUCHPOINT_GROUP}ORDER BY t.id LIMIT $4"
                )))
                .bind(filter.unit)
                .bind(filter.channel.map(|c| c.as_str()))
                .bind(page.after.as_ref().map(|c| c.id))
                .bind(page.limit + 1)
                .fetch_all(&self.read)
                .await?;
                let items =
                    rows.into_iter().map(|r| r.into_domain(&thresholds)).collect::<Result<Vec<_>>>()?;
                Ok(Page::from_overfetch(items, page.limit, |t| Cursor { key: 0, id: t.id, ..Cursor::default() }))
            }

            async fn update_touchpoint(
                &self,
                change: &Change,
                id: Uuid,
                version: i64,
                t: &NewTouchpoint,
            ) -> Result<Touchpoint> {
                let mut tx = self.write.begin().await?;
                let current: Option<(Uuid,)> = sqlx::query_as("SELECT unit_id FROM touchpoints WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match current {
                    None => return Err(StoreError::NotFound),
                    Some((unit,)) if unit != t.unit_id => {
                        return Err(StoreError::Invalid(vec![FieldError::new(
                            "unit_id",
                            "immutable",
                            "a touchpoint stays in the unit it was created in",
                        )]));
                    }
                    Some(_) => {}
                }
                let done = sqlx::query(
                    "UPDATE touchpoints SET version = version + 1, name_ko = $3, name_en = $4, channel = $5, \
                     journey_stage = $6, presence_minutes = $7, creation_minutes = $8, updated_at = $9 \
                     WHERE id = $1 AND version = $2",
                )
                .bind(id)
                .bind(version)
                .bind(&t.name.ko)
                .bind(&t.name.en)
                .bind(t.channel.as_str())
                .bind(t.journey_stage.as_str())
                .bind(t.designed.presence_minutes)
                .bind(t.designed.creation_minutes)
                .bind(change.at.micros())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Self::missing_or_stale(&mut tx, "touchpoints", id).await);
                }
                Self::audit(&mut tx, change, "touchpoint.update", "touchpoint", Some(id), touchpoint_json(t)).await?;
                tx.commit().await?;
                self.get_touchpoint(id).await
            }

            async fn delete_touchpoint(&self, change: &Change, id: Uuid, version: i64) -> Result<()> {
                let mut tx = self.write.begin().await?;
                let used: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM encounters WHERE touchpoint_id = $1 LIMIT 1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if used.is_some() {
                    return Err(StoreError::InUse("encounters"));
                }
                sqlx::query("DELETE FROM encounter_daily WHERE touchpoint_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                Self::delete_versioned(&mut tx, "touchpoints", id, version).await?;
                Self::audit(&mut tx, change, "touchpoint.delete", "touchpoint", Some(id), serde_json::json!({})).await?;
                tx.commit().await?;
                self.touchpoints.clear();
                Ok(())
            }

            async fn level_thresholds(&self) -> Result<LevelThresholds> {
                let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                    .bind("contact_level_thresholds")
                    .fetch_optional(&self.read)
                    .await?;
                match row {
                    None => Ok(LevelThresholds::default()),
                    Some((json,)) => serde_json::from_str(&json)
                        .map_err(|e| StoreError::Corrupt(format!("contact level thresholds: {e}"))),
                }
            }

            async fn set_level_thresholds(&self, change: &Change, thresholds: &LevelThresholds) -> Result<()> {
                let value = serde_json::to_value(thresholds).expect("thresholds serialize");
                let mut tx = self.write.begin().await?;
                sqlx::query(
                    "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind("contact_level_thresholds")
                .bind(value.to_string())
                .bind(change.at.micros())
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut tx, change, "settings.update", "contact_level_thresholds", None, value).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        fn customer_json(c: &NewCustomer) -> serde_json::Value {
            serde_json::json!({
                "name": c.name, "email": c.email, "phone": c.phone, "locale": c.locale, "tier": c.tier,
                "preferences": c.preferences, "important_dates": c.important_dates,
                "marketing_consent": c.marketing_consent,
            })
        }

        fn last4(digits: &str) -> String {
            digits[digits.len().saturating_sub(4)..].to_owned()
        }

        #[async_trait]
        impl CustomerStore for $store {
            async fn create_customer(&self, change: &Change, c: &NewCustomer) -> Result<Customer> {
                let id = Uuid::now_v7();
                let at = change.at.micros();
                let mut tx = self.write.begin().await?;
                sqlx::query(
                    "INSERT INTO customers (id, version, name, email, phone, locale, tier, preferences, notes, \
                     marketing_consent, consent_updated_at, key_name, key_given_name, key_initials, key_email, \
                     key_phone, key_phone_last4, created_at, updated_at) \
                     VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)",
                )
                .bind(id)
                .bind(&c.name)
                .bind(c.email.as_deref())
                .bind(c.phone.as_deref())
                .bind(c.locale.as_str())
                .bind(c.tier.as_str())
                .bind(serde_json::to_string(&c.preferences).expect("strings serialize"))
                .bind(&c.notes)
                .bind(c.marketing_consent)
                .bind(c.marketing_consent.then_some(at))
                .bind(&c.keys.name)
                .bind(&c.keys.given_name)
                .bind(&c.keys.initials)
                .bind(&c.keys.email)
                .bind(&c.keys.phone_digits)
                .bind(last4(&c.keys.phone_digits))
                .bind(at)
                .execute(&mut *tx)
                .await?;
                Self::write_customer_dates(&mut tx, id, c).await?;
                Self::audit(&mut tx, change, "customer.create", "customer", Some(id), customer_json(c)).await?;
                tx.commit().await?;
                self.get_customer(id).await
            }

            async fn insert_customers(&self, change: &Change, customers: &[NewCustomer]) -> Result<Vec<Uuid>> {
                let at = change.at.micros();
                let ids: Vec<Uuid> = customers.iter().map(|_| Uuid::now_v7()).collect();
                let rows: Vec<(Uuid, &NewCustomer)> = ids.iter().copied().zip(customers).collect();
                let mut tx = self.write.begin().await?;
                // 18 columns: 1000 rows stay below both backends' bind limits.
                for chunk in rows.chunks(INSERT_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO customers (id, version, name, email, phone, locale, tier, preferences, notes, \
                         marketing_consent, consent_updated_at, key_name, key_given_name, key_initials, key_email, \
                         key_phone, key_phone_last4, created_at, updated_at) ",
                    );
                    qb.push_values(chunk, |mut b, (id, c)| {
                        b.push_bind(*id)
                            .push_bind(1_i64)
                            .push_bind(c.name.clone())
                            .push_bind(c.email.clone())
                            .push_bind(c.phone.clone())
                            .push_bind(c.locale.as_str())
                            .push_bind(c.tier.as_str())
                            .push_bind(serde_json::to_string(&c.preferences).expect("strings serialize"))
                            .push_bind(c.notes.clone())
                            .push_bind(c.marketing_consent)
                            .push_bind(c.marketing_consent.then_some(at))
                            .push_bind(c.keys.name.clone())
                            .push_bind(c.keys.given_name.clone())
                            .push_bind(c.keys.initials.clone())
                            .push_bind(c.keys.email.clone())
                            .push_bind(c.keys.phone_digits.clone())
                            .push_bind(last4(&c.keys.phone_digits))
                            .push_bind(at)
                            .push_bind(at);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                let dates: Vec<(Uuid, usize, &rapport_domain::customer::ImportantDate)> = rows
                    .iter()
                    .flat_map(|(id, c)| c.important_dates.iter().enumerate().map(move |(i, d)| (*id, i, d)))
                    .collect();
                for chunk in dates.chunks(INSERT_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO customer_dates (customer_id, position, kind, label, month, day, year) ",
                    );
                    qb.push_values(chunk, |mut b, (id, i, d)| {
                        b.push_bind(*id)
                            .push_bind(*i as i64)
                            .push_bind(date_kind_str(d.kind))
                            .push_bind(d.label.clone())
                            .push_bind(i64::from(d.month))
                            .push_bind(i64::from(d.day))
                            .push_bind(d.year.map(i64::from));
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                Self::audit(
                    &mut tx,
                    change,
                    "customers.import",
                    "customer",
                    ids.first().copied(),
                    serde_json::json!({ "count": ids.len() }),
                )
                .await?;
                tx.commit().await?;
                Ok(ids)
            }

            async fn get_customer(&self, id: Uuid) -> Result<Customer> {
                let row: Option<CustomerRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = $1")))
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?;
                let row = row.ok_or(StoreError::NotFound)?;
                let dates: Vec<CustomerDateRow> = sqlx::query_as(
                    "SELECT customer_id, kind, label, month, day, year FROM customer_dates \
                     WHERE customer_id = $1 ORDER BY position",
                )
                .bind(id)
                .fetch_all(&self.read)
                .await?;
                row.into_domain(dates)
            }

            async fn list_customers(&self, filter: &CustomerFilter, page: &PageRequest) -> Result<Page<Customer>> {
                let tier = filter.tier.map(|t| t.as_str());
                let rows: Vec<CustomerRow> = match &filter.query {
                    None => {
                        sqlx::query_as(sqlx::AssertSqlSafe(format!(
                            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE ($1 IS NULL OR tier = $1) \
                             AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
                        )))
                        .bind(tier)
                        .bind(page.after.as_ref().map(|c| c.id))
                        .bind(page.limit + 1)
                        .fetch_all(&self.read)
                        .await?
                    }
                    Some(q) => {
                        // Each key is searched by an index range scan; the union is ordered by name.
                        let (sql, text) = match q {
                            CustomerQuery::Name(t) => (
                                "(key_name >= $1 AND key_name < $2) OR (key_given_name >= $1 AND key_given_name < $2)",
                                t,
                            ),
                            CustomerQuery::Initials(t) => ("key_initials >= $1 AND key_initials < $2", t),
                            CustomerQuery::Email(t) => ("key_email >= $1 AND key_email < $2", t),
                            CustomerQuery::Phone(t) => {
                                ("(key_phone >= $1 AND key_phone < $2) OR key_phone_last4 = $1", t)
                            }
                        };
                        // Matches are ordered by name key, then id; a page resumes after the
                        // last one's (name key, id), carried in the cursor.
                        let after = page.after.as_ref();
                        let found: Vec<CustomerMatchRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                            "SELECT {CUSTOMER_COLUMNS}, key_name FROM customers WHERE ({sql}) AND ($3 IS NULL OR tier = $3) \
                             AND ($5 IS NULL OR key_name > $5 OR (key_name = $5 AND id > $6)) \
                             ORDER BY key_name, id LIMIT $4"
                        )))
                        .bind(text.as_str())
                        .bind(prefix_upper_bound(text))
                        .bind(tier)
                        .bind(page.limit + 1)
                        .bind(after.map(|c| c.text.clone().unwrap_or_default()))
                        .bind(after.map(|c| c.id))
                        .fetch_all(&self.read)
                        .await?;
                        // Only the page's last match starts the next page.
                        let last_key = (page.limit as usize).checked_sub(1).and_then(|i| found.get(i)).map(|m| m.key_name.clone());
                        let rows = found.into_iter().map(|m| m.row).collect();
                        let items = self.customers_from_rows(rows).await?;
                        return Ok(Page::from_overfetch(items, page.limit, |c| Cursor {
                            text: last_key.clone(),
                            id: c.id,
                            ..Cursor::default()
                        }));
                    }
                };
                let items = self.customers_from_rows(rows).await?;
                Ok(Page::from_overfetch(items, page.limit, |c| Cursor { key: 0, id: c.id, ..Cursor::default() }))
            }

            async fn update_customer(
                &self,
                change: &Change,
                id: Uuid,
                version: i64,
                c: &NewCustomer,
            ) -> Result<Customer> {
                let at = change.at.micros();
                let mut tx = self.write.begin().await?;
                let done = sqlx::query(
                    "UPDATE customers SET version = version + 1, name = $3, email = $4, phone = $5, locale = $6, \
                     tier = $7, preferences = $8, notes = $9, \
                     consent_updated_at = CASE WHEN marketing_consent = $10 THEN consent_updated_at ELSE $11 END, \
                     marketing_consent = $10, key_name = $12, key_given_name = $13, key_initials = $14, \
                     key_email = $15, key_phone = $16, key_phone_last4 = $17, updated_at = $11 \
                     WHERE id = $1 AND version = $2",
                )
                .bind(id)
                .bind(version)
                .bind(&c.name)
                .bind(c.email.as_deref())
                .bind(c.phone.as_deref())
                .bind(c.locale.as_str())
                .bind(c.tier.as_str())
                .bind(serde_json::to_string(&c.preferences).expect("strings serialize"))
                .bind(&c.notes)
                .bind(c.marketing_consent)
                .bind(at)
                .bind(&c.keys.name)
                .bind(&c.keys.given_name)
                .bind(&c.keys.initials)
                .bind(&c.keys.email)
                .bind(&c.keys.phone_digits)
                .bind(last4(&c.keys.phone_digits))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(Self::missing_or_stale(&mut tx, "customers", id).await);
                }
                Self::write_customer_dates(&mut tx, id, c).await?;
                Self::audit(&mut tx, change, "customer.update", "customer", Some(id), customer_json(c)).await?;
                tx.commit().await?;
                self.get_customer(id).await
            }

            async fn delete_customer(&self, change: &Change, id: Uuid) -> Result<()> {
                let mut tx = self.write.begin().await?;
                sqlx::query("UPDATE encounters SET customer_id = NULL WHERE customer_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM customer_dates WHERE customer_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM customers WHERE id = $1").bind(id).execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                // The audit entry keeps no personal data of the erased customer.
                Self::audit(&mut tx, change, "customer.erase", "customer", Some(id), serde_json::json!({})).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl EncounterStore for $store {
            async fn insert_encounters(
                &self,
                change: &Change,
                scope: Option<Uuid>,
                items: &[NewEncounter],
                prefix: &str,
            ) -> Result<usize> {
                if items.is_empty() {
                    return Ok(0);
                }
                let touchpoints: HashSet<Uuid> = items.iter().map(|e| e.touchpoint_id).collect();
                let touchpoints: Vec<Uuid> = touchpoints.into_iter().collect();
                let refs = self.touchpoint_refs(&touchpoints).await?;
                check_touchpoints(items, &refs, scope, prefix)?;
                match self.write_encounters(change, items, &refs).await {
                    Ok(()) => Ok(items.len()),
                    // The database refused an unknown customer or employee; find which, for the
                    // error message. Checking only on failure keeps the common path to one write.
                    Err(e) if is_foreign_key_violation(&e) => {
                        let customers: HashSet<Uuid> = items.iter().filter_map(|e| e.customer_id).collect();
                        let employees: HashSet<Uuid> = items.iter().filter_map(|e| e.employee_id).collect();
                        let customers = self.existing_ids("customers", &customers).await?;
                        let employees = self.existing_ids("employees", &employees).await?;
                        let mut errors = unknown_references(items, &customers, &employees, prefix);
                        let touchpoints: HashSet<Uuid> = items.iter().map(|e| e.touchpoint_id).collect();
                        let live = self.existing_ids("touchpoints", &touchpoints).await?;
                        if live.len() < touchpoints.len() {
                            self.touchpoints.clear();
                            for (i, e) in items.iter().enumerate() {
                                if !live.contains(&e.touchpoint_id) {
                                    errors.push(FieldError::new(
                                        format!("{prefix}[{i}].touchpoint_id"),
                                        "unknown",
                                        "no touchpoint has this id",
                                    ));
                                }
                            }
                        }
                        if errors.is_empty() {
                            // A referenced record vanished between the write and the check.
                            Err(StoreError::Database(e))
                        } else {
                            Err(StoreError::Invalid(errors))
                        }
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn get_encounter(&self, id: Uuid) -> Result<Encounter> {
                let row: Option<EncounterRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ENCOUNTER_COLUMNS} FROM encounters WHERE id = $1")))
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?;
                row.ok_or(StoreError::NotFound)?.into_domain()
            }

            async fn list_encounters(&self, f: &EncounterFilter, page: &PageRequest) -> Result<Page<Encounter>> {
                let rows = match (f.unit, f.touchpoint, f.customer) {
                    // A whole unit: the newest of each touchpoint through its index, merged here.
                    // K short range scans replace an index on unit_id that every insert would pay for.
                    (Some(unit), None, None) => {
                        let touchpoints: Vec<(Uuid,)> =
                            sqlx::query_as("SELECT id FROM touchpoints WHERE unit_id = $1")
                                .bind(unit)
                                .fetch_all(&self.read)
                                .await?;
                        let mut merged = Vec::new();
                        for (tp,) in touchpoints {
                            let one = EncounterFilter { touchpoint: Some(tp), unit: None, ..f.clone() };
                            merged.extend(self.encounter_rows(&one, page).await?);
                        }
                        merged.sort_by(|a, b| (b.started_at, b.id).cmp(&(a.started_at, a.id)));
                        merged.truncate(page.limit as usize + 1);
                        merged
                    }
                    _ => self.encounter_rows(f, page).await?,
                };
                let items = rows.into_iter().map(EncounterRow::into_domain).collect::<Result<Vec<_>>>()?;
                Ok(Page::from_overfetch(items, page.limit, |e| Cursor { key: e.started_at.micros(), id: e.id, ..Cursor::default() }))
            }
        }

        impl $store {
            /// Up to `limit + 1` encounters after the cursor, newest first; the touchpoint or
            /// customer filter leads, so its index serves both the range and the order.
            async fn encounter_rows(&self, f: &EncounterFilter, page: &PageRequest) -> Result<Vec<EncounterRow>> {
                let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT {ENCOUNTER_COLUMNS} FROM encounters WHERE 1 = 1"));
                if let Some(c) = f.customer {
                    qb.push(" AND customer_id = ").push_bind(c);
                }
                if let Some(t) = f.touchpoint {
                    qb.push(" AND touchpoint_id = ").push_bind(t);
                }
                if let Some(u) = f.unit {
                    qb.push(" AND unit_id = ").push_bind(u);
                }
                if let Some(from) = f.from {
                    qb.push(" AND started_at >= ").push_bind(from.micros());
                }
                if let Some(to) = f.to {
                    qb.push(" AND started_at < ").push_bind(to.micros());
                }
                if let Some(after) = &page.after {
                    qb.push(" AND (started_at < ")
                        .push_bind(after.key)
                        .push(" OR (started_at = ")
                        .push_bind(after.key)
                        .push(" AND id < ")
                        .push_bind(after.id)
                        .push("))");
                }
                qb.push(" ORDER BY started_at DESC, id DESC LIMIT ").push_bind(page.limit + 1);
                Ok(qb.build_query_as().fetch_all(&self.read).await?)
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn list_audit(&self, f: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEntry>> {
                let rows: Vec<AuditRow> = sqlx::query_as(
                    "SELECT id, at, actor_id, action, entity, entity_id, details FROM audit_log \
                     WHERE ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) \
                     AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
                )
                .bind(f.entity.as_deref())
                .bind(f.entity_id)
                .bind(f.actor)
                .bind(page.after.as_ref().map(|c| c.id))
                .bind(page.limit + 1)
                .fetch_all(&self.read)
                .await?;
                let items = rows.into_iter().map(AuditRow::into_domain).collect();
                Ok(Page::from_overfetch(items, page.limit, |a: &AuditEntry| Cursor { key: 0, id: a.id, ..Cursor::default() }))
            }
        }

        #[async_trait]
        impl JobStore for $store {
            async fn enqueue_job(
                &self,
                kind: &str,
                payload: &serde_json::Value,
                run_at: Timestamp,
                max_attempts: i64,
            ) -> Result<Uuid> {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO jobs (id, kind, payload, run_at, attempts, max_attempts, created_at) \
                     VALUES ($1, $2, $3, $4, 0, $5, $6)",
                )
                .bind(id)
                .bind(kind)
                .bind(payload.to_string())
                .bind(run_at.micros())
                .bind(max_attempts)
                .bind(Timestamp::now().micros())
                .execute(&self.write)
                .await?;
                Ok(id)
            }

            async fn claim_jobs(
                &self,
                node: &str,
                now: Timestamp,
                lease_until: Timestamp,
                limit: i64,
            ) -> Result<Vec<Job>> {
                let rows: Vec<(Uuid, String, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
                     WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $3 \
                     AND attempts < max_attempts AND (locked_until IS NULL OR locked_until < $3) \
                     ORDER BY run_at LIMIT $4{}) \
                     RETURNING id, kind, payload, attempts, max_attempts",
                    $skip_locked
                )))
                .bind(node)
                .bind(lease_until.micros())
                .bind(now.micros())
                .bind(limit)
                .fetch_all(&self.write)
                .await?;
                rows.into_iter()
                    .map(|(id, kind, payload, attempts, max_attempts)| {
                        Ok(Job {
                            id,
                            kind,
                            payload: serde_json::from_str(&payload)
                                .map_err(|e| StoreError::Corrupt(format!("payload of job {id}: {e}")))?,
                            attempts,
                            max_attempts,
                        })
                    })
                    .collect()
            }

            async fn complete_job(&self, id: Uuid, now: Timestamp) -> Result<()> {
                sqlx::query("UPDATE jobs SET done_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $1")
                    .bind(id)
                    .bind(now.micros())
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn fail_job(&self, id: Uuid, error: &str, retry_at: Timestamp) -> Result<()> {
                sqlx::query(
                    "UPDATE jobs SET last_error = $2, run_at = $3, locked_by = NULL, locked_until = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(error)
                .bind(retry_at.micros())
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn claim_schedule(&self, name: &str, node: &str, now: Timestamp, next: Timestamp) -> Result<bool> {
                sqlx::query(
                    "INSERT INTO schedules (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(now.micros())
                .execute(&self.write)
                .await?;
                // A conditional update is atomic on both backends: one node wins each due time.
                let done = sqlx::query(
                    "UPDATE schedules SET next_run_at = $2, last_run_at = $3, last_node = $4 \
                     WHERE name = $1 AND next_run_at <= $3",
                )
                .bind(name)
                .bind(next.micros())
                .bind(now.micros())
                .bind(node)
                .execute(&self.write)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn purge_dead_tokens(&self, before: Timestamp) -> Result<u64> {
                let done = sqlx::query(
                    "DELETE FROM api_tokens WHERE (revoked_at IS NOT NULL AND revoked_at < $1) \
                     OR (expires_at IS NOT NULL AND expires_at < $1)",
                )
                .bind(before.micros())
                .execute(&self.write)
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(crate) use impl_shared_store;
