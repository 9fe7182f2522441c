//! The `CaseStore` implementation, written once for both backends like `shared.rs`.
//! `for_update` is `" FOR UPDATE"` on PostgreSQL and empty on SQLite, whose single writer
//! connection already serialises every transaction.

macro_rules! impl_case_store {
    ($store:ty, $db:ty, for_update = $for_update:expr, multi_statement = $multi_statement:expr) => {
        mod case_impl {
            use std::sync::Arc;

            use rapport_domain::case::{
                ActionStatus, AuthorityPeriod, CaseAction, CaseUpdate, Clock, ClockEvent, MessageKind,
                NewCase, RecoveryKind, Stage, case_number, derive_priority,
            };
            use rapport_domain::customer::Tier;
            use rapport_domain::money::MoneyDto;
            use rapport_domain::{Currency, Money};
            use rapport_domain::org::{Actor, Role};
            use rapport_domain::sla::{SlaPolicy, choose_policy};

            use super::*;

            const FOR_UPDATE: &str = $for_update;
            const MULTI_STATEMENT: bool = $multi_statement;
            /// New cases sent in one multi-statement round trip at most: 41 + 3 × 13 + 6 + 7
            /// binds each stays under SQLite's 32,766 bind limit.
            const COMBINE_LIMIT: usize = 250;

            #[derive(sqlx::FromRow)]
            struct MessageRow {
                id: Uuid,
                case_id: Uuid,
                at: i64,
                author_id: Option<Uuid>,
                kind: String,
                body: String,
            }

            impl MessageRow {
                fn into_domain(self) -> Result<CaseMessage> {
                    Ok(CaseMessage {
                        id: self.id,
                        case_id: self.case_id,
                        at: ts(self.at),
                        author_id: self.author_id,
                        kind: MessageKind::parse("kind", &self.kind)
                            .map_err(|_| StoreError::Corrupt(format!("message kind `{}`", self.kind)))?,
                        body: self.body,
                    })
                }
            }

            #[derive(sqlx::FromRow)]
            struct ActionRow {
                id: Uuid,
                version: i64,
                case_id: Uuid,
                unit_id: Uuid,
                kind: String,
                amount_minor: Option<i64>,
                currency: Option<String>,
                note: String,
                status: String,
                requested_by: Uuid,
                requested_at: i64,
                decided_by: Option<Uuid>,
                decided_at: Option<i64>,
                decision_reason: Option<String>,
                guideline_min: Option<i64>,
                guideline_max: Option<i64>,
                outside_guideline: bool,
                guarantee_id: Option<Uuid>,
                own_authority: bool,
            }

            const ACTION_COLUMNS: &str = "id, version, case_id, unit_id, kind, amount_minor, currency, note, status, \
                 requested_by, requested_at, decided_by, decided_at, decision_reason, guideline_min, guideline_max, \
                 outside_guideline, guarantee_id, own_authority";

            impl ActionRow {
                fn into_domain(self) -> Result<RecoveryAction> {
                    Ok(RecoveryAction {
                        id: self.id,
                        version: self.version,
                        case_id: self.case_id,
                        unit_id: self.unit_id,
                        kind: RecoveryKind::parse("kind", &self.kind)
                            .map_err(|_| StoreError::Corrupt(format!("action kind `{}`", self.kind)))?,
                        amount: match (self.amount_minor, self.currency) {
                            (Some(amount_minor), Some(currency)) => Some(MoneyDto { amount_minor, currency }),
                            _ => None,
                        },
                        note: self.note,
                        status: ActionStatus::parse("status", &self.status)
                            .map_err(|_| StoreError::Corrupt(format!("action status `{}`", self.status)))?,
                        requested_by: self.requested_by,
                        requested_at: ts(self.requested_at),
                        decided_by: self.decided_by,
                        decided_at: opt_ts(self.decided_at),
                        decision_reason: self.decision_reason,
                        guideline_min_minor: self.guideline_min,
                        guideline_max_minor: self.guideline_max,
                        outside_guideline: self.outside_guideline,
                        guarantee_id: self.guarantee_id,
                        own_authority: self.own_authority,
                    })
                }
            }

            #[derive(sqlx::FromRow)]
            struct NotificationRow {
                id: Uuid,
                case_id: Option<Uuid>,
                kind: String,
                at: i64,
                details: String,
                read_at: Option<i64>,
            }

            /// Cases written per import transaction.
            const IMPORT_CHUNK: usize = 2000;

            struct ImportedAction {
                id: Uuid,
                case_id: Uuid,
                unit_id: Uuid,
                kind: RecoveryKind,
                amount: Option<Money>,
                note: String,
                requested_by: Option<Uuid>,
                requested_at: Timestamp,
                approval: Option<(Uuid, Timestamp, String)>,
                guideline: Option<(i64, i64)>,
            }

            impl $store {
                async fn unit_clock_info(&self, id: Uuid) -> Result<Arc<UnitClockInfo>> {
                    if let Some(info) = self.recovery.unit(id) {
                        return Ok(info);
                    }
                    let row: Option<(Uuid, String, String, String)> = sqlx::query_as(
                        "SELECT id, time_zone, calendar, currency FROM units WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    let (id, tz, calendar, currency) = row.ok_or(StoreError::NotFound)?;
                    let info = Arc::new(unit_info(id, &tz, &calendar, &currency)?);
                    self.recovery.put_unit(info.clone());
                    Ok(info)
                }

                async fn sla_policies(&self) -> Result<Arc<Vec<SlaPolicy>>> {
                    if let Some(p) = self.recovery.policies() {
                        return Ok(p);
                    }
                    let rows: Vec<PolicyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {POLICY_COLUMNS} FROM sla_policies WHERE active ORDER BY position, id"
                    )))
                    .fetch_all(&self.read)
                    .await?;
                    let policies = Arc::new(
                        rows.into_iter().map(PolicyRow::into_domain).collect::<Result<Vec<_>>>()?,
                    );
                    self.recovery.put_policies(policies.clone());
                    Ok(policies)
                }

                async fn lock_case(tx: &mut Tx<'_>, id: Uuid) -> Result<CaseRow> {
                    let row: Option<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1{FOR_UPDATE}"
                    )))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    row.ok_or(StoreError::NotFound)
                }

                async fn clocks_in_tx(tx: &mut Tx<'_>, id: Uuid) -> Result<Vec<Clock>> {
                    let rows: Vec<ClockRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {CLOCK_COLUMNS} FROM case_clocks WHERE case_id = $1 ORDER BY target"
                    )))
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
                    rows.into_iter().map(ClockRow::into_domain).collect()
                }

                async fn save_clock(tx: &mut Tx<'_>, case_id: Uuid, c: &Clock) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO case_clocks (case_id, target, basis, target_micros, warn_micros, elapsed_micros, \
                         running_since, due_at, warn_at, warned_at, breached_at, stopped_at, next_check_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                         ON CONFLICT (case_id, target) DO UPDATE SET basis = $3, target_micros = $4, \
                         warn_micros = $5, elapsed_micros = $6, running_since = $7, due_at = $8, warn_at = $9, \
                         warned_at = $10, breached_at = $11, stopped_at = $12, next_check_at = $13",
                    )
                    .bind(case_id)
                    .bind(c.target.as_str())
                    .bind(basis_str(c.basis))
                    .bind(c.target_micros)
                    .bind(c.warn_micros)
                    .bind(c.elapsed_micros)
                    .bind(c.running_since.map(Timestamp::micros))
                    .bind(c.due_at.map(Timestamp::micros))
                    .bind(c.warn_at.map(Timestamp::micros))
                    .bind(c.warned_at.map(Timestamp::micros))
                    .bind(c.breached_at.map(Timestamp::micros))
                    .bind(c.stopped_at.map(Timestamp::micros))
                    .bind(c.next_check().map(Timestamp::micros))
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                }

                async fn case_event(
                    tx: &mut Tx<'_>,
                    case_id: Uuid,
                    at: Timestamp,
                    actor: Option<Uuid>,
                    kind: &str,
                    details: serde_json::Value,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO case_events (id, case_id, at, actor_id, kind, details) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(case_id)
                    .bind(at.micros())
                    .bind(actor)
                    .bind(kind)
                    .bind(details.to_string())
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                }

                async fn notify(
                    tx: &mut Tx<'_>,
                    recipients: &[Uuid],
                    case_id: Uuid,
                    kind: &str,
                    at: Timestamp,
                    details: &serde_json::Value,
                ) -> Result<()> {
                    let mut seen = HashSet::new();
                    for r in recipients.iter().filter(|r| seen.insert(**r)) {
                        sqlx::query(
                            "INSERT INTO notifications (id, employee_id, case_id, kind, at, details) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(Uuid::now_v7())
                        .bind(r)
                        .bind(case_id)
                        .bind(kind)
                        .bind(at.micros())
                        .bind(details.to_string())
                        .execute(&mut **tx)
                        .await?;
                    }
                    Ok(())
                }

                async fn unit_managers(tx: &mut Tx<'_>, unit: Uuid) -> Result<Vec<Uuid>> {
                    let rows: Vec<(Uuid,)> = sqlx::query_as(
                        "SELECT id FROM employees WHERE unit_id = $1 AND role = 'manager' AND active ORDER BY id",
                    )
                    .bind(unit)
                    .fetch_all(&mut **tx)
                    .await?;
                    Ok(rows.into_iter().map(|(id,)| id).collect())
                }

                /// Writes warnings and breaches into the history and notifies: a warning
                /// goes to the assignee (or the unit's managers when nobody is assigned), a
                /// breach escalates to the unit's managers and the assignee.
                async fn record_clock_events(tx: &mut Tx<'_>, row: &CaseRow, events: &[ClockEvent]) -> Result<(u64, u64)> {
                    let (mut warnings, mut breaches) = (0, 0);
                    for event in events {
                        let (kind, target, at) = match *event {
                            ClockEvent::Warning { target, at } => ("sla_warning", target, at),
                            ClockEvent::Breach { target, at } => ("sla_breach", target, at),
                        };
                        let details = serde_json::json!({ "target": target.as_str(), "number": row.number });
                        Self::case_event(tx, row.id, at, None, kind, details.clone()).await?;
                        let mut recipients = Vec::new();
                        if kind == "sla_breach" || row.assignee_id.is_none() {
                            recipients = Self::unit_managers(tx, row.unit_id).await?;
                        }
                        recipients.extend(row.assignee_id);
                        Self::notify(tx, &recipients, row.id, kind, at, &details).await?;
                        if kind == "sla_breach" { breaches += 1 } else { warnings += 1 }
                    }
                    Ok((warnings, breaches))
                }

                fn push_case_rows(qb: &mut sqlx::QueryBuilder<$db>, part: &[(&CaseRow, Option<Uuid>)]) {
                    qb.push(
                        "INSERT INTO cases (id, version, number, kind, source, channel, unit_id, touchpoint_id, customer_id, \
                         encounter_id, category, severity, tier, priority, priority_rank, stage, waiting_on_customer, \
                         assignee_id, description, policy_id, follow_up_after_days, occurred_at, detected_at, acknowledged_at, \
                         first_response_at, resolved_at, follow_up_due_at, follow_up_done_at, closed_at, reopened_count, \
                         satisfaction, root_cause, root_cause_note, next_deadline, at_risk, breached, sla_measured, sla_met, \
                         compensation_minor, currency, created_by, created_at, updated_at) ",
                    );
                    qb.push_values(part, |mut b, (r, by)| {
                        b.push_bind(r.id).push_bind(r.version).push_bind(&r.number).push_bind(&r.kind)
                            .push_bind(&r.source).push_bind(&r.channel).push_bind(r.unit_id).push_bind(r.touchpoint_id)
                            .push_bind(r.customer_id).push_bind(r.encounter_id).push_bind(&r.category).push_bind(r.severity)
                            .push_bind(&r.tier).push_bind(&r.priority).push_bind(priority_rank(&r.priority)).push_bind(&r.stage)
                            .push_bind(r.waiting_on_customer).push_bind(r.assignee_id).push_bind(&r.description)
                            .push_bind(r.policy_id).push_bind(r.follow_up_after_days).push_bind(r.occurred_at)
                            .push_bind(r.detected_at).push_bind(r.acknowledged_at).push_bind(r.first_response_at)
                            .push_bind(r.resolved_at).push_bind(r.follow_up_due_at).push_bind(r.follow_up_done_at)
                            .push_bind(r.closed_at).push_bind(r.reopened_count).push_bind(r.satisfaction)
                            .push_bind(&r.root_cause).push_bind(&r.root_cause_note).push_bind(r.next_deadline)
                            .push_bind(r.at_risk).push_bind(r.breached).push_bind(r.sla_measured).push_bind(r.sla_met)
                            .push_bind(r.compensation_minor)
                            .push_bind(&r.currency).push_bind(*by).push_bind(r.created_at).push_bind(r.updated_at);
                    });
                }

                fn push_clock_rows(qb: &mut sqlx::QueryBuilder<$db>, part: &[(Uuid, &Clock)]) {
                    qb.push(
                        "INSERT INTO case_clocks (case_id, target, basis, target_micros, warn_micros, elapsed_micros, \
                         running_since, due_at, warn_at, warned_at, breached_at, stopped_at, next_check_at) ",
                    );
                    qb.push_values(part, |mut b, (id, c)| {
                        b.push_bind(*id).push_bind(c.target.as_str()).push_bind(basis_str(c.basis))
                            .push_bind(c.target_micros).push_bind(c.warn_micros).push_bind(c.elapsed_micros)
                            .push_bind(c.running_since.map(Timestamp::micros)).push_bind(c.due_at.map(Timestamp::micros))
                            .push_bind(c.warn_at.map(Timestamp::micros)).push_bind(c.warned_at.map(Timestamp::micros))
                            .push_bind(c.breached_at.map(Timestamp::micros)).push_bind(c.stopped_at.map(Timestamp::micros))
                            .push_bind(c.next_check().map(Timestamp::micros));
                    });
                }

                fn push_event_rows(qb: &mut sqlx::QueryBuilder<$db>, part: &[(Uuid, Timestamp, Option<Uuid>, String, String)]) {
                    qb.push("INSERT INTO case_events (id, case_id, at, actor_id, kind, details) ");
                    qb.push_values(part, |mut b, (case_id, at, actor, kind, details)| {
                        b.push_bind(Uuid::now_v7()).push_bind(*case_id).push_bind(at.micros())
                            .push_bind(*actor).push_bind(kind).push_bind(details);
                    });
                }

                async fn insert_case_rows(tx: &mut Tx<'_>, cases: &[(&CaseRow, Option<Uuid>)]) -> Result<()> {
                    for part in cases.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("");
                        Self::push_case_rows(&mut qb, part);
                        qb.build().execute(&mut **tx).await?;
                    }
                    Ok(())
                }

                async fn insert_clock_rows(tx: &mut Tx<'_>, clocks: &[(Uuid, &Clock)]) -> Result<()> {
                    for part in clocks.chunks(1000) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("");
                        Self::push_clock_rows(&mut qb, part);
                        qb.build().execute(&mut **tx).await?;
                    }
                    Ok(())
                }

                /// (case, at, actor, kind, details as JSON text)
                async fn insert_event_rows(tx: &mut Tx<'_>, events: &[(Uuid, Timestamp, Option<Uuid>, String, String)]) -> Result<()> {
                    for part in events.chunks(2000) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("");
                        Self::push_event_rows(&mut qb, part);
                        qb.build().execute(&mut **tx).await?;
                    }
                    Ok(())
                }

                /// Takes consecutive case numbers of `year` for `rows`, in order.
                async fn number_cases(tx: &mut Tx<'_>, year: i64, rows: &mut [&mut CaseRow]) -> Result<()> {
                    let n = rows.len() as i64;
                    let last: Vec<(i64,)> = sqlx::query_as(
                        "INSERT INTO case_counters (year, last) VALUES ($1, $2) \
                         ON CONFLICT (year) DO UPDATE SET last = case_counters.last + $2 RETURNING last",
                    )
                    .bind(year)
                    .bind(n)
                    .fetch_all(&mut **tx)
                    .await?;
                    let first = last.first().map_or(1, |l| l.0 - n + 1);
                    for (k, r) in rows.iter_mut().enumerate() {
                        r.number = case_number(year as i32, first + k as i64);
                    }
                    Ok(())
                }

                /// Writes a group of new cases in one transaction; returns their numbers. Where
                /// the backend runs several statements from one call (SQLite), a group of up to
                /// `COMBINE_LIMIT` goes to the database in one round trip after the numbering.
                async fn write_case_group(pool: &sqlx::Pool<$db>, group: &mut [CaseWrite]) -> Result<Vec<String>> {
                    let mut tx = pool.begin().await?;
                    let mut years: Vec<i64> = group.iter().map(|w| w.year).collect();
                    years.sort_unstable();
                    years.dedup();
                    for year in years {
                        let mut rows: Vec<&mut CaseRow> =
                            group.iter_mut().filter(|w| w.year == year).map(|w| &mut w.row).collect();
                        Self::number_cases(&mut tx, year, &mut rows).await?;
                    }
                    let mut events = Vec::with_capacity(group.len());
                    let mut audits = Vec::with_capacity(group.len());
                    for w in group.iter_mut() {
                        w.details["number"] = serde_json::json!(w.row.number);
                        let d = w.details.to_string();
                        events.push((w.row.id, w.change.at, w.change.actor, "created".to_owned(), d.clone()));
                        audits.push((w.row.id, w.change, d));
                    }
                    let cases: Vec<(&CaseRow, Option<Uuid>)> = group.iter().map(|w| (&w.row, w.created_by)).collect();
                    let clocks: Vec<(Uuid, &Clock)> =
                        group.iter().flat_map(|w| w.clocks.iter().map(|c| (w.row.id, c))).collect();
                    let push_audits = |qb: &mut sqlx::QueryBuilder<$db>| {
                        qb.push("INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, details) ");
                        qb.push_values(&audits, |mut b, (id, change, d)| {
                            b.push_bind(Uuid::now_v7()).push_bind(change.at.micros()).push_bind(change.actor)
                                .push_bind("case.create").push_bind("case").push_bind(*id).push_bind(d);
                        });
                    };
                    if MULTI_STATEMENT && group.len() <= COMBINE_LIMIT {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("");
                        Self::push_case_rows(&mut qb, &cases);
                        qb.push("; ");
                        if !clocks.is_empty() {
                            Self::push_clock_rows(&mut qb, &clocks);
                            qb.push("; ");
                        }
                        Self::push_event_rows(&mut qb, &events);
                        qb.push("; ");
                        push_audits(&mut qb);
                        qb.build().execute(&mut *tx).await?;
                    } else {
                        Self::insert_case_rows(&mut tx, &cases).await?;
                        Self::insert_clock_rows(&mut tx, &clocks).await?;
                        Self::insert_event_rows(&mut tx, &events).await?;
                        for part in audits.chunks(1000) {
                            let mut qb = sqlx::QueryBuilder::<$db>::new("");
                            qb.push("INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, details) ");
                            qb.push_values(part, |mut b, (id, change, d)| {
                                b.push_bind(Uuid::now_v7()).push_bind(change.at.micros()).push_bind(change.actor)
                                    .push_bind("case.create").push_bind("case").push_bind(*id).push_bind(d);
                            });
                            qb.build().execute(&mut *tx).await?;
                        }
                    }
                    drop(cases);
                    drop(clocks);
                    tx.commit().await?;
                    Ok(group.iter().map(|w| w.row.number.clone()).collect())
                }

                pub(crate) fn spawn_case_writer(pool: sqlx::Pool<$db>) -> tokio::sync::mpsc::Sender<CaseWrite> {
                    let (sender, mut rx) = tokio::sync::mpsc::channel::<CaseWrite>(4096);
                    tokio::spawn(async move {
                        while let Some(first) = rx.recv().await {
                            let mut group = vec![first];
                            while group.len() < CASE_GROUP_LIMIT {
                                match rx.try_recv() {
                                    Ok(next) => group.push(next),
                                    Err(_) => break,
                                }
                            }
                            match Self::write_case_group(&pool, &mut group).await {
                                Ok(numbers) => {
                                    for (w, n) in group.into_iter().zip(numbers) {
                                        let _ = w.reply.send(Ok(n));
                                    }
                                }
                                Err(e) if group.len() == 1 => {
                                    let _ = group.pop().expect("one").reply.send(Err(e));
                                }
                                // One case's vanished reference must not fail the others: alone.
                                Err(_) => {
                                    for w in group {
                                        let mut one = [w];
                                        let result = Self::write_case_group(&pool, &mut one)
                                            .await
                                            .map(|mut n| n.pop().unwrap_or_default());
                                        let [w] = one;
                                        let _ = w.reply.send(result);
                                    }
                                }
                            }
                        }
                    });
                    sender
                }

                async fn insert_case(tx: &mut Tx<'_>, r: &CaseRow, policy_id: Option<Uuid>, rank: i64, created_by: Option<Uuid>) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO cases (id, version, number, kind, source, channel, unit_id, touchpoint_id, customer_id, \
                         encounter_id, category, severity, tier, priority, priority_rank, stage, waiting_on_customer, \
                         assignee_id, description, policy_id, follow_up_after_days, occurred_at, detected_at, reopened_count, \
                         next_deadline, at_risk, breached, sla_measured, sla_met, compensation_minor, currency, created_by, \
                         created_at, updated_at) \
                         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, FALSE, $16, $17, $18, \
                         $19, $20, $21, 0, $22, $23, $24, $28, $29, 0, $25, $26, $27, $27)",
                    )
                    .bind(r.id)
                    .bind(&r.number)
                    .bind(&r.kind)
                    .bind(&r.source)
                    .bind(&r.channel)
                    .bind(r.unit_id)
                    .bind(r.touchpoint_id)
                    .bind(r.customer_id)
                    .bind(r.encounter_id)
                    .bind(&r.category)
                    .bind(r.severity)
                    .bind(&r.tier)
                    .bind(&r.priority)
                    .bind(rank)
                    .bind(&r.stage)
                    .bind(r.assignee_id)
                    .bind(&r.description)
                    .bind(policy_id)
                    .bind(r.follow_up_after_days)
                    .bind(r.occurred_at)
                    .bind(r.detected_at)
                    .bind(r.next_deadline)
                    .bind(r.at_risk)
                    .bind(r.breached)
                    .bind(&r.currency)
                    .bind(created_by)
                    .bind(r.created_at)
                    .bind(r.sla_measured)
                    .bind(r.sla_met)
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                }

                /// Writes every mutable column of a locked case.
                async fn write_case(tx: &mut Tx<'_>, r: &CaseRow) -> Result<()> {
                    let priority_rank = match r.priority.as_str() { "urgent" => 1, "high" => 2, "normal" => 3, _ => 4 };
                    sqlx::query(
                        "UPDATE cases SET version = $2, category = $3, severity = $4, priority = $5, priority_rank = $6, \
                         stage = $7, waiting_on_customer = $8, assignee_id = $9, customer_id = $10, description = $11, \
                         acknowledged_at = $12, first_response_at = $13, resolved_at = $14, follow_up_due_at = $15, \
                         follow_up_done_at = $16, closed_at = $17, reopened_count = $18, satisfaction = $19, \
                         root_cause = $20, root_cause_note = $21, next_deadline = $22, at_risk = $23, breached = $24, \
                         compensation_minor = $25, tier = $26, updated_at = $27, sla_measured = $28, sla_met = $29 WHERE id = $1",
                    )
                    .bind(r.id)
                    .bind(r.version)
                    .bind(&r.category)
                    .bind(r.severity)
                    .bind(&r.priority)
                    .bind(priority_rank)
                    .bind(&r.stage)
                    .bind(r.waiting_on_customer)
                    .bind(r.assignee_id)
                    .bind(r.customer_id)
                    .bind(&r.description)
                    .bind(r.acknowledged_at)
                    .bind(r.first_response_at)
                    .bind(r.resolved_at)
                    .bind(r.follow_up_due_at)
                    .bind(r.follow_up_done_at)
                    .bind(r.closed_at)
                    .bind(r.reopened_count)
                    .bind(r.satisfaction)
                    .bind(&r.root_cause)
                    .bind(&r.root_cause_note)
                    .bind(r.next_deadline)
                    .bind(r.at_risk)
                    .bind(r.breached)
                    .bind(r.compensation_minor)
                    .bind(&r.tier)
                    .bind(r.updated_at)
                    .bind(r.sla_measured)
                    .bind(r.sla_met)
                    .execute(&mut **tx)
                    .await?;
                    Ok(())
                }

                async fn insert_message(tx: &mut Tx<'_>, case_id: Uuid, at: Timestamp, author: Option<Uuid>, kind: MessageKind, body: &str) -> Result<CaseMessage> {
                    let id = Uuid::now_v7();
                    sqlx::query(
                        "INSERT INTO case_messages (id, case_id, at, author_id, kind, body) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(case_id)
                    .bind(at.micros())
                    .bind(author)
                    .bind(kind.as_str())
                    .bind(body)
                    .execute(&mut **tx)
                    .await?;
                    Ok(CaseMessage { id, case_id, at, author_id: author, kind, body: body.to_owned() })
                }

                /// Checks the references of a new or corrected case on the reader pool (the
                /// foreign keys catch anything deleted in between).
                async fn check_case_refs(
                    &self,
                    unit: Uuid,
                    customer: Option<Uuid>,
                    encounter: Option<Uuid>,
                    category: &str,
                    assignee: Option<Uuid>,
                ) -> Result<Tier> {
                    let mut errors = Vec::new();
                    let mut tier = Tier::Standard;
                    if let Some(c) = customer {
                        let row: Option<(String,)> = sqlx::query_as("SELECT tier FROM customers WHERE id = $1")
                            .bind(c)
                            .fetch_optional(&self.read)
                            .await?;
                        match row {
                            Some((t,)) => tier = Tier::from_str_opt(&t).unwrap_or_default(),
                            None => errors.push(FieldError::new("customer_id", "unknown", "no customer has this id")),
                        }
                    }
                    if let Some(e) = encounter {
                        let row: Option<(Uuid,)> = sqlx::query_as("SELECT unit_id FROM encounters WHERE id = $1")
                            .bind(e)
                            .fetch_optional(&self.read)
                            .await?;
                        match row {
                            Some((u,)) if u == unit => {}
                            Some(_) => errors.push(FieldError::new("encounter_id", "other_unit", "the encounter belongs to another unit")),
                            None => errors.push(FieldError::new("encounter_id", "unknown", "no encounter has this id")),
                        }
                    }
                    let categories = match self.recovery.categories() {
                        Some(c) => c,
                        None => {
                            let rows: Vec<(String, bool)> = sqlx::query_as("SELECT code, active FROM failure_categories")
                                .fetch_all(&self.read)
                                .await?;
                            let c = Arc::new(rows.into_iter().collect::<HashMap<_, _>>());
                            self.recovery.put_categories(c.clone());
                            c
                        }
                    };
                    match categories.get(category) {
                        Some(true) => {}
                        Some(false) => errors.push(FieldError::new("category", "inactive", "this category is no longer in use")),
                        None => errors.push(FieldError::new("category", "unknown", "no failure category has this code")),
                    }
                    if let Some(a) = assignee {
                        let row: Option<(Option<Uuid>, String, bool)> =
                            sqlx::query_as("SELECT unit_id, role, active FROM employees WHERE id = $1")
                                .bind(a)
                                .fetch_optional(&self.read)
                                .await?;
                        match row {
                            None => errors.push(FieldError::new("assignee_id", "unknown", "no employee has this id")),
                            Some((_, _, false)) => errors.push(FieldError::new("assignee_id", "inactive", "this employee is not active")),
                            Some((_, role, _)) if role == "viewer" => errors.push(FieldError::new("assignee_id", "role", "a viewer cannot handle cases")),
                            Some((u, role, _)) if role != "admin" && u != Some(unit) => {
                                errors.push(FieldError::new("assignee_id", "other_unit", "the employee works in another unit"))
                            }
                            Some(_) => {}
                        }
                    }
                    if errors.is_empty() { Ok(tier) } else { Err(StoreError::Invalid(errors)) }
                }

                async fn case_views(&self, rows: Vec<CaseRow>) -> Result<Vec<Case>> {
                    if rows.is_empty() {
                        return Ok(vec![]);
                    }
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {CLOCK_COLUMNS} FROM case_clocks WHERE case_id IN ("
                    ));
                    let mut sep = qb.separated(", ");
                    for r in &rows {
                        sep.push_bind(r.id);
                    }
                    qb.push(") ORDER BY case_id, target");
                    let clock_rows: Vec<ClockRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    let mut clocks: HashMap<Uuid, Vec<Clock>> = HashMap::new();
                    for c in clock_rows {
                        let id = c.case_id;
                        clocks.entry(id).or_default().push(c.into_domain()?);
                    }
                    let now = Timestamp::now();
                    let mut out = Vec::with_capacity(rows.len());
                    for r in rows {
                        let unit = self.unit_clock_info(r.unit_id).await?;
                        let c = clocks.remove(&r.id).unwrap_or_default();
                        out.push(r.into_domain(&c, &unit, now)?);
                    }
                    Ok(out)
                }

                async fn authority_period_in(tx: &mut Tx<'_>) -> Result<AuthorityPeriod> {
                    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = 'authority_period'")
                        .fetch_optional(&mut **tx)
                        .await?;
                    Ok(row
                        .and_then(|(v,)| AuthorityPeriod::parse("", v.trim_matches('"')).ok())
                        .unwrap_or(AuthorityPeriod::Month))
                }

                /// The employee's limit less what they granted on their own authority in the
                /// current period, in `currency`.
                async fn authority_left_in(
                    tx: &mut Tx<'_>,
                    employee: Uuid,
                    currency: &str,
                    tz: chrono_tz::Tz,
                    at: Timestamp,
                ) -> Result<AuthorityLeft> {
                    let limit: Option<(i64, String)> = sqlx::query_as(
                        "SELECT authority_limit_minor, authority_currency FROM employees WHERE id = $1",
                    )
                    .bind(employee)
                    .fetch_optional(&mut **tx)
                    .await?;
                    let limit = match limit {
                        Some((l, c)) if c == currency => l,
                        _ => 0,
                    };
                    let period = Self::authority_period_in(tx).await?;
                    let used = match period_start(period, at, tz) {
                        None => 0,
                        Some(start) => {
                            let (used,): (Option<i64>,) = sqlx::query_as(
                                "SELECT CAST(SUM(amount_minor) AS BIGINT) FROM recovery_actions \
                                 WHERE requested_by = $1 AND own_authority AND currency = $2 AND requested_at >= $3",
                            )
                            .bind(employee)
                            .bind(currency)
                            .bind(start.micros())
                            .fetch_one(&mut **tx)
                            .await?;
                            used.unwrap_or(0)
                        }
                    };
                    Ok(AuthorityLeft {
                        period,
                        currency: currency.to_owned(),
                        limit_minor: limit,
                        used_minor: used,
                        remaining_minor: (limit - used).max(0),
                    })
                }

                async fn action_row(tx: &mut Tx<'_>, id: Uuid) -> Result<ActionRow> {
                    let row: Option<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {ACTION_COLUMNS} FROM recovery_actions WHERE id = $1{FOR_UPDATE}"
                    )))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    row.ok_or(StoreError::NotFound)
                }
            }

            fn visible(row: &CaseRow, scope: Option<Uuid>) -> Result<()> {
                match scope {
                    Some(u) if u != row.unit_id => Err(StoreError::NotFound),
                    _ => Ok(()),
                }
            }

            #[async_trait]
            impl CaseStore for $store {
                async fn create_case(&self, change: &Change, scope: Option<Uuid>, c: &NewCase) -> Result<Case> {
                    let unit_id = match c.touchpoint_id {
                        Some(tp) => {
                            let refs = self.touchpoint_refs(&[tp]).await?;
                            let Some(r) = refs.get(&tp) else {
                                return Err(invalid("touchpoint_id", "unknown", "no touchpoint has this id"));
                            };
                            if c.unit_id.is_some_and(|u| u != r.unit_id) {
                                return Err(invalid("touchpoint_id", "other_unit", "the touchpoint belongs to another unit"));
                            }
                            r.unit_id
                        }
                        None => c.unit_id.expect("parse requires a unit or a touchpoint"),
                    };
                    if scope.is_some_and(|s| s != unit_id) {
                        return Err(StoreError::Forbidden(vec![FieldError::new(
                            if c.touchpoint_id.is_some() { "touchpoint_id" } else { "unit_id" },
                            "other_unit",
                            "you can open cases only in your own unit",
                        )]));
                    }
                    let unit = match self.unit_clock_info(unit_id).await {
                        Err(StoreError::NotFound) => return Err(invalid("unit_id", "unknown", "no unit has this id")),
                        other => other?,
                    };
                    let tier = self
                        .check_case_refs(unit_id, c.customer_id, c.encounter_id, &c.category, c.assignee_id)
                        .await?;
                    let policies = self.sla_policies().await?;
                    let policy = choose_policy(&policies, unit_id, c.severity, tier, c.channel);
                    let id = Uuid::now_v7();
                    let (mut row, clocks, events) = new_case_row(c, id, &unit, tier, policy, change.at, change.at);
                    let rank = priority_rank(&row.priority);
                    let year = i64::from(local_year(c.detected_at, unit.tz));
                    let details = serde_json::json!({
                        "source": row.source, "category": row.category,
                        "severity": row.severity, "priority": row.priority,
                    });
                    if events.is_empty() {
                        let (reply, answer) = tokio::sync::oneshot::channel();
                        let write = CaseWrite {
                            row: row.clone(),
                            created_by: change.actor,
                            clocks: clocks.clone(),
                            year,
                            details,
                            change: *change,
                            reply,
                        };
                        if self.case_writes.send(write).await.is_err() {
                            return Err(StoreError::Corrupt("the case writer has stopped".into()));
                        }
                        row.number = match answer.await {
                            Ok(Ok(number)) => number,
                            Ok(Err(StoreError::Database(e))) if is_foreign_key_violation(&e) => {
                                return Err(invalid("case", "reference_gone", "something this case refers to was deleted meanwhile; try again"));
                            }
                            Ok(Err(e)) => return Err(e),
                            Err(_) => return Err(StoreError::Corrupt("the case writer has stopped".into())),
                        };
                        return row.into_domain(&clocks, &unit, change.at);
                    }
                    // A case logged late, already warned or breached: written on its own, with
                    // its history and escalations.
                    let mut tx = self.write.begin().await?;
                    Self::number_cases(&mut tx, year, &mut [&mut row]).await?;
                    match Self::insert_case(&mut tx, &row, row.policy_id, rank, change.actor).await {
                        Err(StoreError::Database(e)) if is_foreign_key_violation(&e) => {
                            return Err(invalid("case", "reference_gone", "something this case refers to was deleted meanwhile; try again"));
                        }
                        other => other?,
                    }
                    for k in &clocks {
                        Self::save_clock(&mut tx, id, k).await?;
                    }
                    let mut details = details;
                    details["number"] = serde_json::json!(row.number);
                    Self::case_event(&mut tx, id, change.at, change.actor, "created", details.clone()).await?;
                    Self::record_clock_events(&mut tx, &row, &events).await?;
                    Self::audit(&mut tx, change, "case.create", "case", Some(id), details).await?;
                    tx.commit().await?;
                    row.into_domain(&clocks, &unit, change.at)
                }

                async fn get_case(&self, id: Uuid) -> Result<Case> {
                    let row: Option<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    let row = row.ok_or(StoreError::NotFound)?;
                    Ok(self.case_views(vec![row]).await?.remove(0))
                }

                async fn list_cases(&self, f: &CaseFilter, page: &PageRequest) -> Result<Page<Case>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT {CASE_COLUMNS} FROM cases WHERE 1 = 1"));
                    if let Some(u) = f.unit {
                        qb.push(" AND unit_id = ").push_bind(u);
                    }
                    if f.open_only {
                        qb.push(" AND stage <> 'closed'");
                    }
                    if let Some(s) = f.stage {
                        qb.push(" AND stage = ").push_bind(s.as_str());
                    }
                    if let Some(a) = f.assignee {
                        qb.push(" AND assignee_id = ").push_bind(a);
                    }
                    if let Some(p) = f.priority {
                        qb.push(" AND priority = ").push_bind(p.as_str());
                    }
                    if let Some(c) = f.customer {
                        qb.push(" AND customer_id = ").push_bind(c);
                    }
                    if let Some(b) = f.breached {
                        qb.push(" AND breached = ").push_bind(b);
                    }
                    if let Some(r) = f.at_risk {
                        qb.push(" AND at_risk = ").push_bind(r);
                    }
                    if let Some(after) = &page.after {
                        qb.push(" AND (next_deadline > ")
                            .push_bind(after.key)
                            .push(" OR (next_deadline = ")
                            .push_bind(after.key)
                            .push(" AND id > ")
                            .push_bind(after.id)
                            .push("))");
                    }
                    qb.push(" ORDER BY next_deadline, id LIMIT ").push_bind(page.limit + 1);
                    let rows: Vec<CaseRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    let keys: HashMap<Uuid, i64> = rows.iter().map(|r| (r.id, r.next_deadline)).collect();
                    let cases = self.case_views(rows).await?;
                    Ok(Page::from_overfetch(cases, page.limit, |c| Cursor { key: keys[&c.id], id: c.id, ..Cursor::default() }))
                }

                async fn update_case(&self, change: &Change, scope: Option<Uuid>, id: Uuid, version: i64, u: &CaseUpdate) -> Result<Case> {
                    let current = self.get_case(id).await?;
                    if scope.is_some_and(|s| s != current.unit_id) {
                        return Err(StoreError::NotFound);
                    }
                    let tier = self
                        .check_case_refs(current.unit_id, u.customer_id, None, &u.category, u.assignee_id)
                        .await?;
                    let unit = self.unit_clock_info(current.unit_id).await?;
                    let mut tx = self.write.begin().await?;
                    let mut row = Self::lock_case(&mut tx, id).await?;
                    if row.version != version {
                        return Err(StoreError::VersionConflict { current: row.version });
                    }
                    // The tier is the customer's when the case was opened, unless the customer changes.
                    let tier = if u.customer_id == row.customer_id { row.tier()? } else { tier };
                    let details = serde_json::json!({
                        "category": u.category, "severity": u.severity.get(), "assignee_id": u.assignee_id,
                        "customer_id": u.customer_id,
                        "before": { "category": row.category, "severity": row.severity, "assignee_id": row.assignee_id, "customer_id": row.customer_id },
                    });
                    row.category = u.category.clone();
                    row.severity = i64::from(u.severity.get());
                    row.assignee_id = u.assignee_id;
                    row.customer_id = u.customer_id;
                    row.tier = tier.as_str().to_owned();
                    row.priority = derive_priority(u.severity, tier).as_str().to_owned();
                    row.description = u.description.clone();
                    row.version += 1;
                    row.updated_at = change.at.micros();
                    match Self::write_case(&mut tx, &row).await {
                        Err(StoreError::Database(e)) if is_foreign_key_violation(&e) => {
                            return Err(invalid("case", "reference_gone", "something this case refers to was deleted meanwhile; try again"));
                        }
                        other => other?,
                    }
                    Self::case_event(&mut tx, id, change.at, change.actor, "updated", details.clone()).await?;
                    Self::audit(&mut tx, change, "case.update", "case", Some(id), details).await?;
                    let clocks = Self::clocks_in_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    row.into_domain(&clocks, &unit, change.at)
                }

                async fn act_on_case(
                    &self,
                    change: &Change,
                    scope: Option<Uuid>,
                    id: Uuid,
                    version: Option<i64>,
                    command: &CaseCommand,
                ) -> Result<Case> {
                    let at = change.at;
                    let mut tx = self.write.begin().await?;
                    let mut row = Self::lock_case(&mut tx, id).await?;
                    visible(&row, scope)?;
                    if let Some(v) = version
                        && v != row.version
                    {
                        return Err(StoreError::VersionConflict { current: row.version });
                    }
                    if let CaseCommand::Close { root_cause, .. } = command {
                        let rc: Option<(bool,)> = sqlx::query_as("SELECT active FROM root_causes WHERE code = $1")
                            .bind(root_cause)
                            .fetch_optional(&mut *tx)
                            .await?;
                        row.state()?.check(CaseAction::Close).map_err(StoreError::NotAllowed)?;
                        if rc != Some((true,)) {
                            return Err(invalid("root_cause", "unknown", "no active root cause has this code"));
                        }
                    }
                    let unit = self.unit_clock_info(row.unit_id).await?;
                    let mut clocks = Self::clocks_in_tx(&mut tx, id).await?;
                    let policies = self.sla_policies().await?;
                    let policy = row.policy_id.and_then(|p| policies.iter().find(|x| x.id == p));
                    let fx = apply_command(&mut row, &mut clocks, command, at, &unit, policy)?;
                    let events = fx.clock_events;
                    let mut details = fx.details;
                    for (kind, body) in &fx.messages {
                        let m = Self::insert_message(&mut tx, id, at, change.actor, *kind, body).await?;
                        if *kind != MessageKind::Note {
                            details["message_id"] = serde_json::json!(m.id);
                        }
                    }
                    if fx.drop_follow_up_clock {
                        sqlx::query("DELETE FROM case_clocks WHERE case_id = $1 AND target = 'follow_up'")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for k in &clocks {
                        Self::save_clock(&mut tx, id, k).await?;
                    }
                    Self::write_case(&mut tx, &row).await?;
                    let action = command.action().as_str();
                    Self::case_event(&mut tx, id, at, change.actor, action, details.clone()).await?;
                    Self::record_clock_events(&mut tx, &row, &events).await?;
                    Self::audit(&mut tx, change, &format!("case.{action}"), "case", Some(id), details).await?;
                    tx.commit().await?;
                    row.into_domain(&clocks, &unit, at)
                }

                async fn add_message(&self, change: &Change, scope: Option<Uuid>, id: Uuid, kind: MessageKind, body: &str) -> Result<CaseMessage> {
                    if kind == MessageKind::Reply {
                        return Err(invalid("kind", "use_respond", "replies to the customer go through the respond action"));
                    }
                    let mut tx = self.write.begin().await?;
                    let row = Self::lock_case(&mut tx, id).await?;
                    visible(&row, scope)?;
                    let m = Self::insert_message(&mut tx, id, change.at, change.actor, kind, body).await?;
                    let event = if kind == MessageKind::Note { "note" } else { "customer_message" };
                    Self::case_event(&mut tx, id, change.at, change.actor, event, serde_json::json!({ "message_id": m.id })).await?;
                    tx.commit().await?;
                    Ok(m)
                }

                async fn list_case_messages(&self, id: Uuid) -> Result<Vec<CaseMessage>> {
                    let rows: Vec<MessageRow> = sqlx::query_as(
                        "SELECT id, case_id, at, author_id, kind, body FROM case_messages WHERE case_id = $1 ORDER BY id",
                    )
                    .bind(id)
                    .fetch_all(&self.read)
                    .await?;
                    rows.into_iter().map(MessageRow::into_domain).collect()
                }

                async fn case_history(&self, id: Uuid) -> Result<Vec<CaseEvent>> {
                    let rows: Vec<(Uuid, i64, Option<Uuid>, String, String)> = sqlx::query_as(
                        "SELECT id, at, actor_id, kind, details FROM case_events WHERE case_id = $1 ORDER BY at, id",
                    )
                    .bind(id)
                    .fetch_all(&self.read)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .map(|(id, at, actor_id, kind, details)| CaseEvent {
                            id,
                            at: ts(at),
                            actor_id,
                            kind,
                            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
                        })
                        .collect())
                }

                async fn request_recovery_action(
                    &self,
                    change: &Change,
                    actor: &Actor,
                    case_id: Uuid,
                    a: &NewRecoveryAction,
                ) -> Result<RecoveryAction> {
                    let at = change.at;
                    let mut tx = self.write.begin().await?;
                    let mut row = Self::lock_case(&mut tx, case_id).await?;
                    visible(&row, actor.unit_scope())?;
                    let stage = row.stage()?;
                    if !matches!(stage, Stage::Immediate | Stage::FollowUp) {
                        return Err(StoreError::StateConflict(format!(
                            "recovery actions are recorded during immediate recovery and follow-up; the case is in stage `{}`",
                            stage.as_str()
                        )));
                    }
                    let mut kind = a.kind;
                    let mut amount = a.amount;
                    let mut from_guarantee = false;
                    if let Some(g) = a.guarantee_id {
                        let row_g: Option<(Option<Uuid>, String, Option<i64>, Option<String>, bool)> = sqlx::query_as(
                            "SELECT unit_id, payout_kind, payout_minor, payout_currency, active FROM service_guarantees WHERE id = $1",
                        )
                        .bind(g)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some((g_unit, payout_kind, payout_minor, payout_currency, active)) = row_g else {
                            return Err(invalid("guarantee_id", "unknown", "no service guarantee has this id"));
                        };
                        if !active || g_unit.is_some_and(|u| u != row.unit_id) {
                            return Err(invalid("guarantee_id", "not_applicable", "this guarantee does not apply to the case's unit"));
                        }
                        kind = RecoveryKind::parse("guarantee.payout_kind", &payout_kind)
                            .map_err(|_| StoreError::Corrupt(format!("payout kind `{payout_kind}`")))?;
                        if let (Some(m), Some(c)) = (payout_minor, payout_currency) {
                            let currency = Currency::parse("amount.currency", &c)
                                .map_err(|_| StoreError::Corrupt(format!("currency `{c}`")))?;
                            amount = Some(Money { amount_minor: m, currency });
                        }
                        from_guarantee = true;
                    }
                    let mut errors = Vec::new();
                    match amount {
                        None if kind.needs_amount() => errors.push(FieldError::new(
                            "amount", "required", &format!("a {} needs an amount", kind.as_str()),
                        )),
                        Some(_) if !kind.takes_amount() => errors.push(FieldError::new(
                            "amount", "not_allowed", &format!("a {} carries no amount", kind.as_str()),
                        )),
                        Some(m) if m.currency.code() != row.currency => errors.push(FieldError::new(
                            "amount.currency",
                            "wrong_currency",
                            &format!("this unit's cases are kept in {}", row.currency),
                        )),
                        Some(m) if m.amount_minor == 0 && kind.needs_amount() => errors.push(FieldError::new(
                            "amount.amount_minor", "out_of_range", "compensation must be more than zero",
                        )),
                        _ => {}
                    }
                    if !errors.is_empty() {
                        return Err(StoreError::Invalid(errors));
                    }
                    let amount_minor = amount.map(|m| m.amount_minor);
                    let guideline: Option<(i64, i64)> = match amount_minor {
                        Some(_) => sqlx::query_as(
                            "SELECT min_minor, max_minor FROM compensation_guidelines \
                             WHERE category = $1 AND severity = $2 AND currency = $3 AND (tier = $4 OR tier = '*') \
                             ORDER BY CASE WHEN tier = '*' THEN 1 ELSE 0 END LIMIT 1",
                        )
                        .bind(&row.category)
                        .bind(row.severity)
                        .bind(&row.currency)
                        .bind(&row.tier)
                        .fetch_optional(&mut *tx)
                        .await?,
                        None => None,
                    };
                    let outside = match (amount_minor, guideline) {
                        (Some(m), Some((lo, hi))) => m < lo || m > hi,
                        _ => false,
                    };
                    // Empowerment: within the remaining authority the action takes effect now.
                    let (status, own_authority, remaining) = match amount_minor {
                        Some(m) if m > 0 && !from_guarantee => {
                            let tz = self.unit_clock_info(row.unit_id).await?.tz;
                            let left = Self::authority_left_in(&mut tx, actor.employee_id, &row.currency, tz, at).await?;
                            let remaining = left.remaining_minor;
                            if m <= remaining {
                                (ActionStatus::Effective, true, Some(remaining - m))
                            } else {
                                (ActionStatus::PendingApproval, false, Some(remaining))
                            }
                        }
                        _ => (ActionStatus::Effective, false, None),
                    };
                    let action_id = Uuid::now_v7();
                    sqlx::query(
                        "INSERT INTO recovery_actions (id, version, case_id, unit_id, kind, amount_minor, currency, note, status, \
                         requested_by, requested_at, guideline_min, guideline_max, outside_guideline, guarantee_id, own_authority) \
                         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    )
                    .bind(action_id)
                    .bind(case_id)
                    .bind(row.unit_id)
                    .bind(kind.as_str())
                    .bind(amount_minor)
                    .bind(amount.map(|m| m.currency.code()))
                    .bind(&a.note)
                    .bind(status.as_str())
                    .bind(actor.employee_id)
                    .bind(at.micros())
                    .bind(guideline.map(|g| g.0))
                    .bind(guideline.map(|g| g.1))
                    .bind(outside)
                    .bind(a.guarantee_id)
                    .bind(own_authority)
                    .execute(&mut *tx)
                    .await?;
                    let details = serde_json::json!({
                        "action_id": action_id, "kind": kind.as_str(), "amount_minor": amount_minor,
                        "currency": amount.map(|m| m.currency.code()), "status": status.as_str(),
                        "outside_guideline": outside, "guarantee_id": a.guarantee_id,
                        "remaining_authority_minor": remaining,
                    });
                    if status == ActionStatus::Effective {
                        row.compensation_minor += amount_minor.unwrap_or(0);
                        Self::case_event(&mut tx, case_id, at, change.actor, "action_taken", details.clone()).await?;
                    } else {
                        Self::case_event(&mut tx, case_id, at, change.actor, "action_requested", details.clone()).await?;
                        let managers = Self::unit_managers(&mut tx, row.unit_id).await?;
                        let managers: Vec<Uuid> = managers.into_iter().filter(|m| *m != actor.employee_id).collect();
                        Self::notify(&mut tx, &managers, case_id, "approval_requested", at, &details).await?;
                    }
                    row.version += 1;
                    row.updated_at = at.micros();
                    Self::write_case(&mut tx, &row).await?;
                    Self::audit(&mut tx, change, "recovery_action.request", "recovery_action", Some(action_id), details).await?;
                    let created = Self::action_row(&mut tx, action_id).await?;
                    tx.commit().await?;
                    created.into_domain()
                }

                async fn decide_recovery_action(
                    &self,
                    change: &Change,
                    actor: &Actor,
                    id: Uuid,
                    approve: bool,
                    reason: &str,
                ) -> Result<RecoveryAction> {
                    let at = change.at;
                    let mut tx = self.write.begin().await?;
                    let action = Self::action_row(&mut tx, id).await?;
                    if actor.role < Role::Manager || !actor.can_see_unit(action.unit_id) {
                        return Err(StoreError::Forbidden(vec![FieldError::new(
                            "approver", "not_a_manager_of_the_unit",
                            "only a manager of the case's unit, or an admin, decides on this action",
                        )]));
                    }
                    if action.requested_by == actor.employee_id {
                        return Err(StoreError::Forbidden(vec![FieldError::new(
                            "approver", "own_request", "someone other than the requester must decide",
                        )]));
                    }
                    if action.status != ActionStatus::PendingApproval.as_str() {
                        return Err(StoreError::StateConflict(format!(
                            "this action is already {}", action.status
                        )));
                    }
                    let status = if approve { ActionStatus::Effective } else { ActionStatus::Rejected };
                    sqlx::query(
                        "UPDATE recovery_actions SET version = version + 1, status = $2, decided_by = $3, decided_at = $4, \
                         decision_reason = $5 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(status.as_str())
                    .bind(actor.employee_id)
                    .bind(at.micros())
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
                    let mut row = Self::lock_case(&mut tx, action.case_id).await?;
                    if approve {
                        row.compensation_minor += action.amount_minor.unwrap_or(0);
                    }
                    row.version += 1;
                    row.updated_at = at.micros();
                    Self::write_case(&mut tx, &row).await?;
                    let kind = if approve { "action_approved" } else { "action_rejected" };
                    let details = serde_json::json!({
                        "action_id": id, "kind": action.kind, "amount_minor": action.amount_minor, "reason": reason,
                    });
                    Self::case_event(&mut tx, action.case_id, at, change.actor, kind, details.clone()).await?;
                    Self::notify(&mut tx, &[action.requested_by], action.case_id, kind, at, &details).await?;
                    Self::audit(&mut tx, change, &format!("recovery_action.{}", if approve { "approve" } else { "reject" }),
                        "recovery_action", Some(id), details).await?;
                    let decided = Self::action_row(&mut tx, id).await?;
                    tx.commit().await?;
                    decided.into_domain()
                }

                async fn list_recovery_actions(&self, case_id: Uuid) -> Result<Vec<RecoveryAction>> {
                    let rows: Vec<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {ACTION_COLUMNS} FROM recovery_actions WHERE case_id = $1 ORDER BY id"
                    )))
                    .bind(case_id)
                    .fetch_all(&self.read)
                    .await?;
                    rows.into_iter().map(ActionRow::into_domain).collect()
                }

                async fn list_pending_approvals(&self, scope: Option<Uuid>, page: &PageRequest) -> Result<Page<RecoveryAction>> {
                    let rows: Vec<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {ACTION_COLUMNS} FROM recovery_actions WHERE status = 'pending_approval' \
                         AND ($1 IS NULL OR unit_id = $1) AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
                    )))
                    .bind(scope)
                    .bind(page.after.as_ref().map(|c| c.id))
                    .bind(page.limit + 1)
                    .fetch_all(&self.read)
                    .await?;
                    let items = rows.into_iter().map(ActionRow::into_domain).collect::<Result<Vec<_>>>()?;
                    Ok(Page::from_overfetch(items, page.limit, |a| Cursor { key: 0, id: a.id, ..Cursor::default() }))
                }

                async fn sweep_sla(&self, now: Timestamp, limit: i64) -> Result<SweepOutcome> {
                    let due: Vec<(Uuid, i64)> = sqlx::query_as(
                        "SELECT case_id, next_check_at FROM case_clocks WHERE next_check_at <= $1 \
                         ORDER BY next_check_at LIMIT $2",
                    )
                    .bind(now.micros())
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?;
                    let mut outcome = SweepOutcome::default();
                    let mut seen = HashSet::new();
                    for (case_id, _) in due {
                        if !seen.insert(case_id) {
                            continue;
                        }
                        let mut tx = self.write.begin().await?;
                        let mut row = match Self::lock_case(&mut tx, case_id).await {
                            Err(StoreError::NotFound) => continue,
                            other => other?,
                        };
                        let mut clocks = Self::clocks_in_tx(&mut tx, case_id).await?;
                        let mut events = Vec::new();
                        for k in clocks.iter_mut() {
                            events.extend(k.due_events(now));
                            Self::save_clock(&mut tx, case_id, k).await?;
                        }
                        apply_flags(&mut row, &clocks);
                        // System bookkeeping: no version bump, so staff editing the case
                        // meanwhile are not sent a conflict.
                        sqlx::query(
                            "UPDATE cases SET next_deadline = $2, at_risk = $3, breached = $4, sla_measured = $5, \
                             sla_met = $6 WHERE id = $1",
                        )
                            .bind(case_id)
                            .bind(row.next_deadline)
                            .bind(row.at_risk)
                            .bind(row.breached)
                            .bind(row.sla_measured)
                            .bind(row.sla_met)
                            .execute(&mut *tx)
                            .await?;
                        let (w, b) = Self::record_clock_events(&mut tx, &row, &events).await?;
                        tx.commit().await?;
                        outcome.cases += 1;
                        outcome.warnings += w;
                        outcome.breaches += b;
                    }
                    Ok(outcome)
                }

                async fn list_notifications(&self, employee: Uuid, page: &PageRequest) -> Result<Page<Notification>> {
                    let rows: Vec<NotificationRow> = sqlx::query_as(
                        "SELECT id, case_id, kind, at, details, read_at FROM notifications \
                         WHERE employee_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
                    )
                    .bind(employee)
                    .bind(page.after.as_ref().map(|c| c.id))
                    .bind(page.limit + 1)
                    .fetch_all(&self.read)
                    .await?;
                    let items = rows
                        .into_iter()
                        .map(|r| Notification {
                            id: r.id,
                            case_id: r.case_id,
                            kind: r.kind,
                            at: ts(r.at),
                            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
                            read_at: opt_ts(r.read_at),
                        })
                        .collect();
                    Ok(Page::from_overfetch(items, page.limit, |n| Cursor { key: 0, id: n.id, ..Cursor::default() }))
                }

                async fn list_follow_ups_due(&self, scope: Option<Uuid>, due_before: Timestamp, page: &PageRequest) -> Result<Page<Case>> {
                    // The partial index on follow_up_due_at holds exactly the follow-ups not yet done.
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {CASE_COLUMNS} FROM cases WHERE stage = 'follow_up' AND follow_up_done_at IS NULL \
                         AND follow_up_due_at < "
                    ));
                    qb.push_bind(due_before.micros());
                    if let Some(u) = scope {
                        qb.push(" AND unit_id = ").push_bind(u);
                    }
                    if let Some(after) = &page.after {
                        qb.push(" AND (follow_up_due_at > ")
                            .push_bind(after.key)
                            .push(" OR (follow_up_due_at = ")
                            .push_bind(after.key)
                            .push(" AND id > ")
                            .push_bind(after.id)
                            .push("))");
                    }
                    qb.push(" ORDER BY follow_up_due_at, id LIMIT ").push_bind(page.limit + 1);
                    let rows: Vec<CaseRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    let keys: HashMap<Uuid, i64> =
                        rows.iter().map(|r| (r.id, r.follow_up_due_at.unwrap_or_default())).collect();
                    let cases = self.case_views(rows).await?;
                    Ok(Page::from_overfetch(cases, page.limit, |c| Cursor { key: keys[&c.id], id: c.id, ..Cursor::default() }))
                }

                async fn list_pending_requested_by(&self, employee: Uuid, unit: Option<Uuid>, limit: i64) -> Result<Vec<RecoveryAction>> {
                    // Read through the partial index of pending actions (unit, id).
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {ACTION_COLUMNS} FROM recovery_actions WHERE status = 'pending_approval' AND requested_by = "
                    ));
                    qb.push_bind(employee);
                    if let Some(u) = unit {
                        qb.push(" AND unit_id = ").push_bind(u);
                    }
                    qb.push(" ORDER BY unit_id, id LIMIT ").push_bind(limit.clamp(1, 1000));
                    let rows: Vec<ActionRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    rows.into_iter().map(ActionRow::into_domain).collect()
                }

                async fn remaining_authority(&self, employee: Uuid, unit: Uuid, at: Timestamp) -> Result<AuthorityLeft> {
                    let info = self.unit_clock_info(unit).await?;
                    // A read in a transaction of the read pool: the same helper as a request.
                    let mut tx = self.read.begin().await?;
                    let left = Self::authority_left_in(&mut tx, employee, info.currency.code(), info.tz, at).await?;
                    tx.commit().await?;
                    Ok(left)
                }

                async fn customer_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, (String, Tier)>> {
                    let ids: Vec<Uuid> = ids.iter().copied().collect::<HashSet<_>>().into_iter().collect();
                    let mut out = HashMap::with_capacity(ids.len());
                    for chunk in ids.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, name, tier FROM customers WHERE id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows: Vec<(Uuid, String, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                        for (id, name, tier) in rows {
                            let tier = Tier::from_str_opt(&tier).ok_or_else(|| StoreError::Corrupt(format!("tier `{tier}`")))?;
                            out.insert(id, (name, tier));
                        }
                    }
                    Ok(out)
                }

                async fn employee_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
                    let ids: Vec<Uuid> = ids.iter().copied().collect::<HashSet<_>>().into_iter().collect();
                    let mut out = HashMap::with_capacity(ids.len());
                    for chunk in ids.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, name FROM employees WHERE id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows: Vec<(Uuid, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                        out.extend(rows);
                    }
                    Ok(out)
                }

                async fn upcoming_dates(&self, f: &UpcomingDatesFilter) -> Result<Vec<UpcomingDate>> {
                    let days = f.days.clamp(1, 31);
                    // The candidates: each range of the window reads the (month, day) index, a
                    // few hundred dates at demo scale for a week. For a unit, each candidate's
                    // visits since `visited_since` are looked up in the customer index of
                    // encounters, which holds the unit since migration 0006: an index-only
                    // probe that stops at the first visit found.
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT d.customer_id, c.name, c.tier, d.kind, d.label, d.month, d.day, d.year, ",
                    );
                    match f.unit {
                        Some(unit) => {
                            qb.push("EXISTS (SELECT 1 FROM encounters e WHERE e.customer_id = d.customer_id AND e.started_at >= ")
                                .push_bind(f.visited_since.micros())
                                .push(" AND e.unit_id = ")
                                .push_bind(unit)
                                .push(")");
                        }
                        None => {
                            qb.push("TRUE");
                        }
                    }
                    qb.push(" AS visited FROM customer_dates d JOIN customers c ON c.id = d.customer_id WHERE ");
                    for (i, (m, lo, hi)) in month_day_ranges(f.from, days).iter().enumerate() {
                        if i > 0 {
                            qb.push(" OR ");
                        }
                        qb.push("(d.month = ")
                            .push_bind(i64::from(*m))
                            .push(" AND d.day BETWEEN ")
                            .push_bind(i64::from(*lo))
                            .push(" AND ")
                            .push_bind(i64::from(*hi))
                            .push(")");
                    }
                    type DateRow = (Uuid, String, String, String, Option<String>, i64, i64, Option<i64>, bool);
                    let rows: Vec<DateRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    // Those who did not visit may still have a case in the unit (a complaint by
                    // phone): their cases, read through the customer index of cases.
                    let mut with_case: HashSet<Uuid> = HashSet::new();
                    if let Some(unit) = f.unit {
                        let ids: Vec<Uuid> = rows
                            .iter()
                            .filter(|r| !r.8)
                            .map(|r| r.0)
                            .collect::<HashSet<_>>()
                            .into_iter()
                            .collect();
                        for chunk in ids.chunks(500) {
                            let mut qb = sqlx::QueryBuilder::<$db>::new(
                                "SELECT customer_id, unit_id FROM cases WHERE customer_id IN (",
                            );
                            let mut sep = qb.separated(", ");
                            for id in chunk {
                                sep.push_bind(*id);
                            }
                            qb.push(")");
                            let found: Vec<(Uuid, Uuid)> = qb.build_query_as().fetch_all(&self.read).await?;
                            with_case.extend(found.into_iter().filter(|(_, u)| *u == unit).map(|(c, _)| c));
                        }
                    }
                    let rows: Vec<_> = rows
                        .into_iter()
                        .filter(|r| r.8 || with_case.contains(&r.0))
                        .map(|(a, b, c, d, e, g, h, i, _)| (a, b, c, d, e, g, h, i))
                        .collect();
                    let mut out = rows
                        .into_iter()
                        .map(|(customer_id, customer_name, tier, kind, label, month, day, year)| {
                            let kind = match kind.as_str() {
                                "birthday" => rapport_domain::customer::DateKind::Birthday,
                                "anniversary" => rapport_domain::customer::DateKind::Anniversary,
                                "other" => rapport_domain::customer::DateKind::Other,
                                other => return Err(StoreError::Corrupt(format!("date kind `{other}`"))),
                            };
                            let on = day_in_window(f.from, days, month as u32, day as u32)
                                .ok_or_else(|| StoreError::Corrupt("a date outside its window".into()))?;
                            Ok(UpcomingDate {
                                customer_id,
                                customer_name,
                                tier: Tier::from_str_opt(&tier)
                                    .ok_or_else(|| StoreError::Corrupt(format!("tier `{tier}`")))?,
                                kind,
                                label,
                                month: month as u8,
                                day: day as u8,
                                year: year.map(|y| y as i32),
                                on,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    out.sort_by(|a, b| {
                        (a.on, &a.customer_name, a.customer_id).cmp(&(b.on, &b.customer_name, b.customer_id))
                    });
                    out.truncate(f.limit.clamp(1, 1000) as usize);
                    Ok(out)
                }

                async fn import_cases(&self, scripts: &[CaseScript], now: Timestamp) -> Result<usize> {
                    let policies = self.sla_policies().await?;
                    // Compensation guidelines, so imported actions are flagged like live ones:
                    // (category, severity, tier or '*', currency) → (min, max).
                    let guideline_rows: Vec<(String, i64, String, String, i64, i64)> = sqlx::query_as(
                        "SELECT category, severity, tier, currency, min_minor, max_minor FROM compensation_guidelines",
                    )
                    .fetch_all(&self.read)
                    .await?;
                    let guidelines: HashMap<(String, i64, String, String), (i64, i64)> = guideline_rows
                        .into_iter()
                        .map(|(c, s, t, cur, lo, hi)| ((c, s, t, cur), (lo, hi)))
                        .collect();
                    let guideline_for = |row: &CaseRow| {
                        let key = |tier: &str| (row.category.clone(), row.severity, tier.to_owned(), row.currency.clone());
                        guidelines.get(&key(&row.tier)).or_else(|| guidelines.get(&key("*"))).copied()
                    };
                    let customers: HashSet<Uuid> = scripts.iter().filter_map(|s| s.case.customer_id).collect();
                    let customers: Vec<Uuid> = customers.into_iter().collect();
                    let mut tiers: HashMap<Uuid, Tier> = HashMap::new();
                    for chunk in customers.chunks(1000) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, tier FROM customers WHERE id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows: Vec<(Uuid, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                        tiers.extend(rows.into_iter().map(|(id, t)| (id, Tier::from_str_opt(&t).unwrap_or_default())));
                    }
                    for chunk in scripts.chunks(IMPORT_CHUNK) {
                        let mut cases: Vec<(CaseRow, Option<Uuid>)> = Vec::with_capacity(chunk.len());
                        let mut clock_rows: Vec<(Uuid, Clock)> = Vec::new();
                        let mut events: Vec<(Uuid, Timestamp, Option<Uuid>, String, String)> = Vec::new();
                        let mut messages: Vec<(Uuid, Timestamp, Option<Uuid>, MessageKind, String)> = Vec::new();
                        let mut actions: Vec<ImportedAction> = Vec::new();
                        let mut per_year: HashMap<i64, Vec<usize>> = HashMap::new();
                        for script in chunk {
                            let c = &script.case;
                            let unit_id = match (c.unit_id, c.touchpoint_id) {
                                (Some(u), _) => u,
                                (None, Some(tp)) => self
                                    .touchpoint_refs(&[tp])
                                    .await?
                                    .get(&tp)
                                    .map(|r| r.unit_id)
                                    .ok_or_else(|| invalid("touchpoint_id", "unknown", "no touchpoint has this id"))?,
                                (None, None) => return Err(invalid("unit_id", "required", "a case needs a unit")),
                            };
                            let unit = self.unit_clock_info(unit_id).await?;
                            let tier = c.customer_id.and_then(|id| tiers.get(&id).copied()).unwrap_or_default();
                            let policy = choose_policy(&policies, unit_id, c.severity, tier, c.channel);
                            let id = Uuid::now_v7();
                            let mut case = c.clone();
                            case.unit_id = Some(unit_id);
                            let (mut row, mut clocks, created_events) =
                                new_case_row(&case, id, &unit, tier, policy, c.detected_at, c.detected_at);
                            let mut clock_events = created_events;
                            events.push((id, c.detected_at, script.opened_by, "created".into(),
                                serde_json::json!({ "source": row.source, "category": row.category, "severity": row.severity }).to_string()));
                            for step in &script.steps {
                                match &step.action {
                                    ScriptAction::Command(command) => {
                                        let fx = apply_command(&mut row, &mut clocks, command, step.at, &unit, policy)?;
                                        clock_events.extend(fx.clock_events);
                                        for (kind, body) in fx.messages {
                                            messages.push((id, step.at, step.actor, kind, body));
                                        }
                                        events.push((id, step.at, step.actor, command.action().as_str().to_owned(), fx.details.to_string()));
                                    }
                                    ScriptAction::Recovery { kind, amount, note, approval } => {
                                        let amount_minor = amount.map(|m| m.amount_minor);
                                        row.compensation_minor += amount_minor.unwrap_or(0);
                                        row.version += 1;
                                        let action_id = Uuid::now_v7();
                                        let details = serde_json::json!({
                                            "action_id": action_id, "kind": kind.as_str(), "amount_minor": amount_minor,
                                        })
                                        .to_string();
                                        match approval {
                                            None => events.push((id, step.at, step.actor, "action_taken".into(), details)),
                                            Some((by, at, _)) => {
                                                events.push((id, step.at, step.actor, "action_requested".into(), details.clone()));
                                                events.push((id, *at, Some(*by), "action_approved".into(), details));
                                            }
                                        }
                                        actions.push(ImportedAction {
                                            id: action_id,
                                            case_id: id,
                                            unit_id,
                                            kind: *kind,
                                            amount: *amount,
                                            note: note.clone(),
                                            requested_by: step.actor,
                                            requested_at: step.at,
                                            approval: approval.clone(),
                                            guideline: amount_minor.and_then(|_| guideline_for(&row)),
                                        });
                                    }
                                }
                            }
                            for k in clocks.iter_mut() {
                                clock_events.extend(k.due_events(now));
                            }
                            apply_flags(&mut row, &clocks);
                            for e in clock_events {
                                let (kind, target, at) = match e {
                                    ClockEvent::Warning { target, at } => ("sla_warning", target, at),
                                    ClockEvent::Breach { target, at } => ("sla_breach", target, at),
                                };
                                events.push((id, at, None, kind.into(), serde_json::json!({ "target": target.as_str() }).to_string()));
                            }
                            per_year.entry(i64::from(local_year(c.detected_at, unit.tz))).or_default().push(cases.len());
                            clock_rows.extend(clocks.into_iter().map(|k| (id, k)));
                            cases.push((row, script.opened_by));
                        }
                        let mut tx = self.write.begin().await?;
                        let mut years: Vec<_> = per_year.into_iter().collect();
                        years.sort();
                        for (year, indexes) in years {
                            let wanted: HashSet<usize> = indexes.into_iter().collect();
                            let mut rows: Vec<&mut CaseRow> = cases
                                .iter_mut()
                                .enumerate()
                                .filter(|(i, _)| wanted.contains(i))
                                .map(|(_, c)| &mut c.0)
                                .collect();
                            Self::number_cases(&mut tx, year, &mut rows).await?;
                        }
                        let refs: Vec<(&CaseRow, Option<Uuid>)> = cases.iter().map(|(r, by)| (r, *by)).collect();
                        Self::insert_case_rows(&mut tx, &refs).await?;
                        let clock_refs: Vec<(Uuid, &Clock)> = clock_rows.iter().map(|(id, c)| (*id, c)).collect();
                        Self::insert_clock_rows(&mut tx, &clock_refs).await?;
                        Self::insert_event_rows(&mut tx, &events).await?;
                        for part in messages.chunks(2000) {
                            let mut qb = sqlx::QueryBuilder::<$db>::new(
                                "INSERT INTO case_messages (id, case_id, at, author_id, kind, body) ",
                            );
                            qb.push_values(part, |mut b, (case_id, at, author, kind, body)| {
                                b.push_bind(Uuid::now_v7()).push_bind(*case_id).push_bind(at.micros())
                                    .push_bind(*author).push_bind(kind.as_str()).push_bind(body);
                            });
                            qb.build().execute(&mut *tx).await?;
                        }
                        for part in actions.chunks(1000) {
                            let mut qb = sqlx::QueryBuilder::<$db>::new(
                                "INSERT INTO recovery_actions (id, version, case_id, unit_id, kind, amount_minor, currency, note, \
                                 status, requested_by, requested_at, decided_by, decided_at, decision_reason, guideline_min, \
                                 guideline_max, outside_guideline, own_authority) ",
                            );
                            qb.push_values(part, |mut b, a| {
                                let amount = a.amount.map(|m| m.amount_minor);
                                b.push_bind(a.id).push_bind(if a.approval.is_some() { 2_i64 } else { 1 })
                                    .push_bind(a.case_id).push_bind(a.unit_id).push_bind(a.kind.as_str())
                                    .push_bind(amount).push_bind(a.amount.map(|m| m.currency.code()))
                                    .push_bind(&a.note).push_bind("effective").push_bind(a.requested_by)
                                    .push_bind(a.requested_at.micros()).push_bind(a.approval.as_ref().map(|x| x.0))
                                    .push_bind(a.approval.as_ref().map(|x| x.1.micros()))
                                    .push_bind(a.approval.as_ref().map(|x| x.2.clone()))
                                    .push_bind(a.guideline.map(|g| g.0)).push_bind(a.guideline.map(|g| g.1))
                                    .push_bind(match (amount, a.guideline) {
                                        (Some(m), Some((lo, hi))) => m < lo || m > hi,
                                        _ => false,
                                    })
                                    .push_bind(a.approval.is_none() && amount.unwrap_or(0) > 0);
                            });
                            qb.build().execute(&mut *tx).await?;
                        }
                        tx.commit().await?;
                    }
                    Ok(scripts.len())
                }

                async fn recovery_summary(&self, f: &SummaryFilter) -> Result<RecoverySummary> {
                    // SLA compliance comes from the outcome bits on each case, not from a join
                    // with the clocks. The period is read in two halves side by side on two
                    // read connections (each packs its rows into one JSON text on its own
                    // thread), then parsed and counted here.
                    let packed = <$db as sqlx::Database>::NAME == "SQLite";
                    let sql = summary_sql(f.unit.is_some(), packed);
                    let (from, to) = (f.from.micros(), f.to.micros());
                    let mid = from + (to - from) / 2;
                    let read = |a: i64, b: i64| {
                        let sql = sql.clone();
                        async move {
                            if packed {
                                let q = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql)).bind(a).bind(b);
                                let q = match f.unit { Some(unit) => q.bind(unit), None => q };
                                summary_rows(&q.fetch_one(&self.read).await?.0)
                            } else {
                                let q = sqlx::query_as::<_, SummaryRow>(sqlx::AssertSqlSafe(sql)).bind(a).bind(b);
                                let q = match f.unit { Some(unit) => q.bind(unit), None => q };
                                Ok(q.fetch_all(&self.read).await?)
                            }
                        }
                    };
                    let (mut rows, later) = tokio::try_join!(read(from, mid), read(mid, to))?;
                    rows.extend(later);
                    summarize(f, rows)
                }
            }

        }
    };
}

pub(crate) use impl_case_store;
