//! The `SurveyStore` implementation, written once for both backends like `shared.rs`.
//! `for_update` is `" FOR UPDATE"` on PostgreSQL and empty on SQLite, whose single writer
//! connection already serialises every transaction.

macro_rules! impl_survey_store {
    ($store:ty, $db:ty, for_update = $for_update:expr) => {
        mod survey_impl {
            use std::collections::{BTreeMap, HashMap, HashSet};
            use std::sync::Arc;

            use rapport_domain::customer::Locale;
            use rapport_domain::survey::{Answers, InstrumentKind, InvitationStatus, RecoveryRule, ResponseSource};
            use rapport_domain::survey_stats::{StatsLayout, SurveyStats};

            use super::*;

            const FOR_UPDATE: &str = $for_update;

            const INSTRUMENT_COLUMNS: &str = "id, code, version, kind, name_ko, name_en, definition, recovery_rule, \
                 builtin, active, created_at, updated_at";
            const INVITATION_COLUMNS: &str = "id, instrument_id, unit_id, touchpoint_id, customer_id, encounter_id, \
                 case_id, locale, created_by, created_at, expires_at, responded_at, response_id, submission";
            const RESPONSE_COLUMNS: &str = "id, instrument_id, invitation_id, unit_id, touchpoint_id, customer_id, \
                 encounter_id, case_id, recovery_case_id, tier, locale, source, external_id, submitted_at, answers, \
                 importance, comment, created_at";

            #[derive(sqlx::FromRow)]
            struct InstrumentRow {
                id: Uuid,
                code: String,
                version: i64,
                kind: String,
                name_ko: String,
                name_en: String,
                definition: String,
                recovery_rule: Option<String>,
                builtin: bool,
                active: bool,
                created_at: i64,
                updated_at: i64,
            }

            impl InstrumentRow {
                fn into_domain(self) -> Result<Instrument> {
                    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("{what} of instrument {}: {e}", self.id));
                    Ok(Instrument {
                        id: self.id,
                        kind: InstrumentKind::parse("kind", &self.kind).map_err(|e| corrupt("kind", e.message))?,
                        definition: serde_json::from_str(&self.definition).map_err(|e| corrupt("definition", e.to_string()))?,
                        recovery_rule: match &self.recovery_rule {
                            Some(r) => Some(serde_json::from_str(r).map_err(|e| corrupt("recovery rule", e.to_string()))?),
                            None => None,
                        },
                        code: self.code,
                        version: self.version,
                        name: rapport_domain::text::LocalizedName { ko: self.name_ko, en: self.name_en },
                        builtin: self.builtin,
                        active: self.active,
                        created_at: Timestamp::from_micros(self.created_at),
                        updated_at: Timestamp::from_micros(self.updated_at),
                    })
                }
            }

            #[derive(sqlx::FromRow)]
            struct InvitationRow {
                id: Uuid,
                instrument_id: Uuid,
                unit_id: Uuid,
                touchpoint_id: Option<Uuid>,
                customer_id: Option<Uuid>,
                encounter_id: Option<Uuid>,
                case_id: Option<Uuid>,
                locale: String,
                created_by: Option<Uuid>,
                created_at: i64,
                expires_at: i64,
                responded_at: Option<i64>,
                response_id: Option<Uuid>,
                submission: Option<String>,
            }

            impl InvitationRow {
                fn into_domain(self, now: Timestamp) -> Invitation {
                    let status = if self.responded_at.is_some() {
                        InvitationStatus::Answered
                    } else if self.expires_at <= now.micros() {
                        InvitationStatus::Expired
                    } else {
                        InvitationStatus::Open
                    };
                    Invitation {
                        id: self.id,
                        instrument_id: self.instrument_id,
                        unit_id: self.unit_id,
                        touchpoint_id: self.touchpoint_id,
                        customer_id: self.customer_id,
                        encounter_id: self.encounter_id,
                        case_id: self.case_id,
                        locale: Locale::from_str_opt(&self.locale).unwrap_or_default(),
                        status,
                        created_by: self.created_by,
                        created_at: Timestamp::from_micros(self.created_at),
                        expires_at: Timestamp::from_micros(self.expires_at),
                        responded_at: self.responded_at.map(Timestamp::from_micros),
                        response_id: self.response_id,
                        submission: self.submission,
                    }
                }
            }

            #[derive(sqlx::FromRow)]
            struct ResponseRow {
                id: Uuid,
                instrument_id: Uuid,
                invitation_id: Option<Uuid>,
                unit_id: Uuid,
                touchpoint_id: Option<Uuid>,
                customer_id: Option<Uuid>,
                encounter_id: Option<Uuid>,
                case_id: Option<Uuid>,
                recovery_case_id: Option<Uuid>,
                tier: String,
                locale: Option<String>,
                source: String,
                external_id: Option<String>,
                submitted_at: i64,
                answers: String,
                importance: Option<String>,
                comment: Option<String>,
                created_at: i64,
            }

            impl ResponseRow {
                fn into_domain(self, instrument: &Instrument) -> Result<SurveyResponse> {
                    let corrupt = |what: &str| StoreError::Corrupt(format!("{what} of survey response {}", self.id));
                    let values: Vec<Option<i32>> = serde_json::from_str(&self.answers).map_err(|_| corrupt("answers"))?;
                    let importance: Option<Vec<i32>> = match &self.importance {
                        Some(p) => Some(serde_json::from_str(p).map_err(|_| corrupt("importance"))?),
                        None => None,
                    };
                    let def = &instrument.definition;
                    if values.len() != def.items.len()
                        || importance.as_ref().is_some_and(|p| p.len() != def.dimensions.len())
                    {
                        return Err(corrupt("answers (length)"));
                    }
                    let answers = Answers { values, importance };
                    Ok(SurveyResponse {
                        id: self.id,
                        instrument_id: self.instrument_id,
                        invitation_id: self.invitation_id,
                        unit_id: self.unit_id,
                        touchpoint_id: self.touchpoint_id,
                        customer_id: self.customer_id,
                        encounter_id: self.encounter_id,
                        case_id: self.case_id,
                        recovery_case_id: self.recovery_case_id,
                        tier: self.tier,
                        locale: self.locale.as_deref().and_then(Locale::from_str_opt),
                        source: ResponseSource::parse("source", &self.source).map_err(|_| corrupt("source"))?,
                        external_id: self.external_id,
                        submitted_at: Timestamp::from_micros(self.submitted_at),
                        answers: answers.to_map(def),
                        importance: answers.importance_map(def),
                        comment: self.comment,
                        created_at: Timestamp::from_micros(self.created_at),
                    })
                }
            }

            /// The field name of item `i` of a batch.
            fn field(prefix: &str, i: usize, name: &str) -> String {
                format!("{prefix}[{i}].{name}")
            }

            fn unknown(prefix: &str, i: usize, name: &str, what: &str) -> FieldError {
                FieldError::new(field(prefix, i, name), "unknown", format!("no {what} has this id"))
            }

            /// What a response needs to know of its unit and customer, resolved before writing.
            struct Resolved {
                unit_id: Uuid,
                tier: String,
                day: i64,
            }

            /// Statistics to add, per row key.
            type StatsKey = (Grain, i64, String, Uuid, Uuid);

            impl $store {
                /// Builds the roll-up statistics rows ([`ROLLUP_TIER`]) of the units and of the
                /// organisation ([`ROLLUP_UNIT`]) for the responses recorded
                /// before roll-ups existed. Runs once (migration 0008 leaves the marker), in one
                /// transaction; a node that finds the marker claimed does nothing.
                pub(crate) async fn backfill_survey_rollups(&self) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    let claimed = sqlx::query(
                        "UPDATE store_backfills SET done_at = $1 WHERE name = 'survey_rollups' AND done_at IS NULL",
                    )
                    .bind(Timestamp::now().micros())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if claimed == 0 {
                        return Ok(());
                    }
                    if !FOR_UPDATE.is_empty() {
                        // Writers of older nodes still running must not add to a row while
                        // its roll-up is being computed.
                        sqlx::query("LOCK TABLE survey_stats IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
                    }
                    let instruments: Vec<(Uuid,)> =
                        sqlx::query_as("SELECT DISTINCT instrument_id FROM survey_stats").fetch_all(&mut *tx).await?;
                    for (instrument_id,) in instruments {
                        let instrument = self.instrument_row(instrument_id).await?;
                        let layout = StatsLayout::new(&instrument.definition);
                        let periods: Vec<(String, i64)> = sqlx::query_as(
                            "SELECT DISTINCT grain, period FROM survey_stats WHERE instrument_id = $1",
                        )
                        .bind(instrument_id)
                        .fetch_all(&mut *tx)
                        .await?;
                        // One period at a time keeps memory to one period's rows.
                        for (grain, period) in periods {
                            let rows: Vec<(Uuid, Vec<u8>)> = sqlx::query_as(
                                "SELECT unit_id, data FROM survey_stats WHERE instrument_id = $1 AND grain = $2 \
                                 AND period = $3 AND tier <> $4",
                            )
                            .bind(instrument_id)
                            .bind(&grain)
                            .bind(period)
                            .bind(ROLLUP_TIER)
                            .fetch_all(&mut *tx)
                            .await?;
                            let mut per_unit: BTreeMap<Uuid, SurveyStats> = BTreeMap::new();
                            for (unit, data) in rows {
                                let stats = SurveyStats::from_bytes(&layout, &data)
                                    .map_err(|e| StoreError::Corrupt(format!("survey statistics: {e}")))?;
                                for key in [unit, ROLLUP_UNIT] {
                                    per_unit.entry(key).or_insert_with(|| SurveyStats::empty(&layout)).merge(&stats);
                                }
                            }
                            for (unit, total) in per_unit {
                                // Replaces rather than adds: the rows just read already hold
                                // whatever a newer node wrote since the migration.
                                sqlx::query(
                                    "INSERT INTO survey_stats (instrument_id, grain, period, tier, unit_id, touchpoint_id, \
                                     respondents, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                                     ON CONFLICT (instrument_id, grain, period, tier, unit_id, touchpoint_id) \
                                     DO UPDATE SET respondents = excluded.respondents, data = excluded.data",
                                )
                                .bind(instrument_id)
                                .bind(&grain)
                                .bind(period)
                                .bind(ROLLUP_TIER)
                                .bind(unit)
                                .bind(ROLLUP_TOUCHPOINT)
                                .bind(total.respondents())
                                .bind(total.to_bytes())
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn instrument_row(&self, id: Uuid) -> Result<Arc<Instrument>> {
                    if let Some(i) = self.instruments.get(id) {
                        return Ok(i);
                    }
                    let row: Option<InstrumentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {INSTRUMENT_COLUMNS} FROM survey_instruments WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    let instrument = Arc::new(row.ok_or(StoreError::NotFound)?.into_domain()?);
                    self.instruments.put(instrument.clone());
                    Ok(instrument)
                }

                async fn check_category(&self, rule: &Option<RecoveryRule>) -> Result<()> {
                    if let Some(rule) = rule {
                        let found: Option<(String,)> = sqlx::query_as("SELECT code FROM failure_categories WHERE code = $1")
                            .bind(&rule.category)
                            .fetch_optional(&self.read)
                            .await?;
                        if found.is_none() {
                            return Err(StoreError::Invalid(vec![FieldError::new(
                                "recovery_rule.category",
                                "unknown",
                                "no failure category has this code",
                            )]));
                        }
                    }
                    Ok(())
                }

                async fn unit_zones(&self, ids: &HashSet<Uuid>) -> Result<HashMap<Uuid, chrono_tz::Tz>> {
                    let mut out = HashMap::new();
                    let ids: Vec<Uuid> = ids.iter().copied().collect();
                    for chunk in ids.chunks(INSERT_CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, time_zone FROM units WHERE id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows: Vec<(Uuid, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                        for (id, tz) in rows {
                            let tz = tz.parse().map_err(|_| StoreError::Corrupt(format!("time zone `{tz}` of unit {id}")))?;
                            out.insert(id, tz);
                        }
                    }
                    Ok(out)
                }

                async fn customer_facts(&self, ids: &HashSet<Uuid>) -> Result<HashMap<Uuid, (String, String)>> {
                    let mut out = HashMap::new();
                    let ids: Vec<Uuid> = ids.iter().copied().collect();
                    for chunk in ids.chunks(INSERT_CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, tier, locale FROM customers WHERE id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let rows: Vec<(Uuid, String, String)> = qb.build_query_as().fetch_all(&self.read).await?;
                        out.extend(rows.into_iter().map(|(id, tier, locale)| (id, (tier, locale))));
                    }
                    Ok(out)
                }

                /// Checks every reference of a batch of responses and works out each one's unit,
                /// tier and local day. Unknown references are `Invalid`, other units `Forbidden`.
                async fn resolve_responses(
                    &self,
                    scope: Option<Uuid>,
                    instrument: &Instrument,
                    items: &[NewResponse],
                    prefix: &str,
                ) -> Result<Vec<Resolved>> {
                    let touchpoints: Vec<Uuid> = items.iter().filter_map(|r| r.touchpoint_id).collect::<HashSet<_>>().into_iter().collect();
                    let refs = self.touchpoint_refs(&touchpoints).await?;
                    let mut units: HashSet<Uuid> = items.iter().filter_map(|r| r.unit_id).collect();
                    units.extend(refs.values().map(|r| r.unit_id));
                    let zones = self.unit_zones(&units).await?;
                    let customers: HashSet<Uuid> = items.iter().filter_map(|r| r.customer_id).collect();
                    let customers = self.customer_facts(&customers).await?;
                    let encounters: HashSet<Uuid> = items.iter().filter_map(|r| r.encounter_id).collect();
                    let encounters = self.existing_ids("encounters", &encounters).await?;
                    let cases: HashSet<Uuid> = items.iter().filter_map(|r| r.case_id).collect();
                    let cases = self.existing_ids("cases", &cases).await?;
                    let mut invalid = Vec::new();
                    let mut forbidden = Vec::new();
                    let mut out = Vec::with_capacity(items.len());
                    let mut external = HashSet::new();
                    for (i, r) in items.iter().enumerate() {
                        let mut unit = r.unit_id;
                        if let Some(u) = r.unit_id && !zones.contains_key(&u) {
                            invalid.push(unknown(prefix, i, "unit_id", "unit"));
                        }
                        if let Some(tp) = r.touchpoint_id {
                            match refs.get(&tp) {
                                None => invalid.push(unknown(prefix, i, "touchpoint_id", "touchpoint")),
                                Some(t) if r.unit_id.is_some_and(|u| u != t.unit_id) => invalid.push(FieldError::new(
                                    field(prefix, i, "touchpoint_id"),
                                    "other_unit",
                                    "this touchpoint belongs to another unit than unit_id",
                                )),
                                Some(t) => unit = Some(t.unit_id),
                            }
                        }
                        if let Some(c) = r.customer_id && !customers.contains_key(&c) {
                            invalid.push(unknown(prefix, i, "customer_id", "customer"));
                        }
                        if let Some(e) = r.encounter_id && !encounters.contains(&e) {
                            invalid.push(unknown(prefix, i, "encounter_id", "encounter"));
                        }
                        if let Some(c) = r.case_id && !cases.contains(&c) {
                            invalid.push(unknown(prefix, i, "case_id", "case"));
                        }
                        if let Some(x) = &r.external_id && !external.insert(x.as_str()) {
                            invalid.push(FieldError::new(
                                field(prefix, i, "external_id"),
                                "duplicate",
                                "another response of this batch has this external id",
                            ));
                        }
                        let Some(unit) = unit else {
                            if r.touchpoint_id.is_none() {
                                invalid.push(FieldError::new(
                                    field(prefix, i, "unit_id"),
                                    "required",
                                    "give the unit or a touchpoint of the response",
                                ));
                            }
                            continue;
                        };
                        if scope.is_some_and(|s| s != unit) {
                            forbidden.push(FieldError::new(
                                field(prefix, i, if r.touchpoint_id.is_some() { "touchpoint_id" } else { "unit_id" }),
                                "other_unit",
                                "this response belongs to another unit",
                            ));
                        }
                        let Some(tz) = zones.get(&unit) else { continue };
                        let tier = r
                            .customer_id
                            .and_then(|c| customers.get(&c))
                            .map_or_else(|| "none".to_owned(), |(tier, _)| tier.clone());
                        out.push(Resolved {
                            unit_id: unit,
                            tier,
                            day: i64::from(rapport_domain::time::local_day(r.submitted_at, *tz)),
                        });
                    }
                    if invalid.is_empty() && !external.is_empty() {
                        let ids: Vec<&str> = external.iter().copied().collect();
                        let mut taken: HashSet<String> = HashSet::new();
                        for chunk in ids.chunks(INSERT_CHUNK) {
                            let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT external_id FROM survey_responses WHERE instrument_id = ");
                            qb.push_bind(instrument.id).push(" AND external_id IN (");
                            let mut sep = qb.separated(", ");
                            for x in chunk {
                                sep.push_bind(*x);
                            }
                            qb.push(")");
                            let rows: Vec<(String,)> = qb.build_query_as().fetch_all(&self.read).await?;
                            taken.extend(rows.into_iter().map(|(x,)| x));
                        }
                        for (i, r) in items.iter().enumerate() {
                            if r.external_id.as_ref().is_some_and(|x| taken.contains(x)) {
                                invalid.push(FieldError::new(
                                    field(prefix, i, "external_id"),
                                    "duplicate",
                                    "a response with this external id was already recorded",
                                ));
                            }
                        }
                    }
                    if !invalid.is_empty() {
                        return Err(StoreError::Invalid(invalid));
                    }
                    if !forbidden.is_empty() {
                        return Err(StoreError::Forbidden(forbidden));
                    }
                    Ok(out)
                }

                /// Inserts the responses and adds them to the statistics, inside `tx`.
                async fn write_responses(
                    tx: &mut Tx<'_>,
                    change: &Change,
                    instrument: &Instrument,
                    invitation: Option<Uuid>,
                    items: &[NewResponse],
                    resolved: &[Resolved],
                    ids: &[Uuid],
                ) -> Result<Vec<SurveyResponse>> {
                    let answers: Vec<(String, Option<String>)> =
                        items.iter().map(|r| (answers_json(&r.answers), importance_json(&r.answers))).collect();
                    // 20 binds per row keeps a chunk far under SQLite's bind limit.
                    for (chunk_no, chunk) in items.chunks(500).enumerate() {
                        let base = chunk_no * 500;
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO survey_responses (id, instrument_id, invitation_id, unit_id, touchpoint_id, customer_id, \
                             encounter_id, case_id, tier, locale, source, external_id, submitted_at, local_day, answers, \
                             importance, comment, created_by, created_at) ",
                        );
                        qb.push_values(chunk.iter().enumerate(), |mut b, (j, r)| {
                            let k = base + j;
                            b.push_bind(ids[k])
                                .push_bind(instrument.id)
                                .push_bind(invitation)
                                .push_bind(resolved[k].unit_id)
                                .push_bind(r.touchpoint_id)
                                .push_bind(r.customer_id)
                                .push_bind(r.encounter_id)
                                .push_bind(r.case_id)
                                .push_bind(resolved[k].tier.clone())
                                .push_bind(r.locale.map(|l| l.as_str()))
                                .push_bind(r.source.as_str())
                                .push_bind(r.external_id.clone())
                                .push_bind(r.submitted_at.micros())
                                .push_bind(resolved[k].day)
                                .push_bind(answers[k].0.clone())
                                .push_bind(answers[k].1.clone())
                                .push_bind(r.comment.clone())
                                .push_bind(change.actor)
                                .push_bind(change.at.micros());
                        });
                        qb.build().execute(&mut **tx).await?;
                    }
                    let layout = StatsLayout::new(&instrument.definition);
                    let mut sums: BTreeMap<StatsKey, SurveyStats> = BTreeMap::new();
                    for (r, res) in items.iter().zip(resolved) {
                        for (grain, period) in periods_of(res.day) {
                            let key = (grain, period, res.tier.clone(), res.unit_id, r.touchpoint_id.unwrap_or_default());
                            sums.entry(key).or_insert_with(|| SurveyStats::empty(&layout)).add(&layout, &r.answers);
                            for unit in [res.unit_id, ROLLUP_UNIT] {
                                let rollup = (grain, period, ROLLUP_TIER.to_owned(), unit, ROLLUP_TOUCHPOINT);
                                sums.entry(rollup).or_insert_with(|| SurveyStats::empty(&layout)).add(&layout, &r.answers);
                            }
                        }
                    }
                    // A few statements per 400 statistics rows, not per row. Keys go in one
                    // order in every transaction, so concurrent writers on PostgreSQL lock
                    // rows in the same order and cannot deadlock.
                    let sums: Vec<(StatsKey, SurveyStats)> = sums.into_iter().collect();
                    let empty = SurveyStats::empty(&layout).to_bytes();
                    for chunk in sums.chunks(400) {
                        if !FOR_UPDATE.is_empty() {
                            // Every row exists before it is read, so that reading can lock it:
                            // two writers adding a new row cannot both start from nothing.
                            let mut qb = sqlx::QueryBuilder::<$db>::new(
                                "INSERT INTO survey_stats (instrument_id, grain, period, tier, unit_id, touchpoint_id, respondents, data) ",
                            );
                            qb.push_values(chunk, |mut b, ((grain, period, tier, unit, touchpoint), _)| {
                                b.push_bind(instrument.id)
                                    .push_bind(grain.as_str())
                                    .push_bind(*period)
                                    .push_bind(tier.clone())
                                    .push_bind(*unit)
                                    .push_bind(*touchpoint)
                                    .push_bind(0i64)
                                    .push_bind(empty.clone());
                            });
                            qb.push(" ON CONFLICT DO NOTHING");
                            qb.build().execute(&mut **tx).await?;
                        }
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "SELECT grain, period, tier, unit_id, touchpoint_id, data FROM survey_stats WHERE instrument_id = ",
                        );
                        qb.push_bind(instrument.id)
                            .push(" AND (grain, period, tier, unit_id, touchpoint_id) IN (VALUES ");
                        for (n, ((grain, period, tier, unit, touchpoint), _)) in chunk.iter().enumerate() {
                            if n > 0 {
                                qb.push(", ");
                            }
                            qb.push("(")
                                .push_bind(grain.as_str())
                                .push(", ")
                                .push_bind(*period)
                                .push(", ")
                                .push_bind(tier.clone())
                                .push(", ")
                                .push_bind(*unit)
                                .push(", ")
                                .push_bind(*touchpoint)
                                .push(")");
                        }
                        qb.push(") ORDER BY grain, period, tier, unit_id, touchpoint_id").push(FOR_UPDATE);
                        let rows: Vec<(String, i64, String, Uuid, Uuid, Vec<u8>)> =
                            qb.build_query_as().fetch_all(&mut **tx).await?;
                        let mut existing: HashMap<StatsKey, SurveyStats> = HashMap::with_capacity(rows.len());
                        for (g, period, tier, unit, touchpoint, data) in rows {
                            let grain = Grain::parse(&g).ok_or_else(|| StoreError::Corrupt(format!("statistics grain `{g}`")))?;
                            let stats = SurveyStats::from_bytes(&layout, &data)
                                .map_err(|e| StoreError::Corrupt(format!("survey statistics: {e}")))?;
                            existing.insert((grain, period, tier, unit, touchpoint), stats);
                        }
                        let merged: Vec<(&StatsKey, SurveyStats)> = chunk
                            .iter()
                            .map(|(key, add)| {
                                let mut total = existing.remove(key).unwrap_or_else(|| SurveyStats::empty(&layout));
                                total.merge(add);
                                (key, total)
                            })
                            .collect();
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO survey_stats (instrument_id, grain, period, tier, unit_id, touchpoint_id, respondents, data) ",
                        );
                        qb.push_values(&merged, |mut b, ((grain, period, tier, unit, touchpoint), total)| {
                            b.push_bind(instrument.id)
                                .push_bind(grain.as_str())
                                .push_bind(*period)
                                .push_bind(tier.clone())
                                .push_bind(*unit)
                                .push_bind(*touchpoint)
                                .push_bind(total.respondents())
                                .push_bind(total.to_bytes());
                        });
                        qb.push(
                            " ON CONFLICT (instrument_id, grain, period, tier, unit_id, touchpoint_id) \
                             DO UPDATE SET respondents = excluded.respondents, data = excluded.data",
                        );
                        qb.build().execute(&mut **tx).await?;
                    }
                    let def = &instrument.definition;
                    Ok(items
                        .iter()
                        .zip(resolved)
                        .zip(ids)
                        .map(|((r, res), id)| SurveyResponse {
                            id: *id,
                            instrument_id: instrument.id,
                            invitation_id: invitation,
                            unit_id: res.unit_id,
                            touchpoint_id: r.touchpoint_id,
                            customer_id: r.customer_id,
                            encounter_id: r.encounter_id,
                            case_id: r.case_id,
                            recovery_case_id: None,
                            tier: res.tier.clone(),
                            locale: r.locale,
                            source: r.source,
                            external_id: r.external_id.clone(),
                            submitted_at: r.submitted_at,
                            answers: r.answers.to_map(def),
                            importance: r.answers.importance_map(def),
                            comment: r.comment.clone(),
                            created_at: change.at,
                        })
                        .collect())
                }

                async fn seed_instrument(&self, code: &str, name: &rapport_domain::text::LocalizedName, def: &rapport_domain::survey::InstrumentDef) -> Result<()> {
                    let now = Timestamp::now().micros();
                    sqlx::query(
                        "INSERT INTO survey_instruments (id, code, version, kind, name_ko, name_en, definition, recovery_rule, \
                         builtin, active, created_at, updated_at) VALUES ($1, $2, 1, $3, $4, $5, $6, NULL, TRUE, TRUE, $7, $7) \
                         ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(Uuid::now_v7())
                    .bind(code)
                    .bind(def.kind.as_str())
                    .bind(&name.ko)
                    .bind(&name.en)
                    .bind(serde_json::to_string(def).expect("definition serializes"))
                    .bind(now)
                    .execute(&self.write)
                    .await?;
                    Ok(())
                }
            }

            #[async_trait]
            impl SurveyStore for $store {
                async fn list_instruments(&self, include_inactive: bool) -> Result<Vec<Arc<Instrument>>> {
                    let rows: Vec<InstrumentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {INSTRUMENT_COLUMNS} FROM survey_instruments ORDER BY builtin DESC, created_at, code"
                    )))
                    .fetch_all(&self.read)
                    .await?;
                    let mut out = Vec::new();
                    for row in rows {
                        if include_inactive || row.active {
                            let i = Arc::new(row.into_domain()?);
                            self.instruments.put(i.clone());
                            out.push(i);
                        }
                    }
                    Ok(out)
                }

                async fn get_instrument(&self, id: Uuid) -> Result<Arc<Instrument>> {
                    self.instrument_row(id).await
                }

                async fn find_instrument(&self, code_or_id: &str) -> Result<Arc<Instrument>> {
                    if let Ok(id) = Uuid::parse_str(code_or_id) {
                        return self.instrument_row(id).await;
                    }
                    let row: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM survey_instruments WHERE code = $1")
                        .bind(code_or_id)
                        .fetch_optional(&self.read)
                        .await?;
                    self.instrument_row(row.ok_or(StoreError::NotFound)?.0).await
                }

                async fn create_instrument(&self, change: &Change, new: &NewInstrument) -> Result<Instrument> {
                    self.check_category(&new.recovery_rule).await?;
                    let id = Uuid::now_v7();
                    let mut tx = self.write.begin().await?;
                    let done = sqlx::query(
                        "INSERT INTO survey_instruments (id, code, version, kind, name_ko, name_en, definition, recovery_rule, \
                         builtin, active, created_at, updated_at) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, FALSE, $8, $9, $9)",
                    )
                    .bind(id)
                    .bind(&new.code)
                    .bind(new.definition.kind.as_str())
                    .bind(&new.name.ko)
                    .bind(&new.name.en)
                    .bind(serde_json::to_string(&new.definition).expect("definition serializes"))
                    .bind(new.recovery_rule.as_ref().map(|r| serde_json::to_string(r).expect("rule serializes")))
                    .bind(new.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await;
                    match done {
                        Ok(_) => {}
                        Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate { field: "code" }),
                        Err(e) => return Err(e.into()),
                    }
                    Self::audit(&mut tx, change, "create", "survey_instrument", Some(id), serde_json::json!({
                        "code": new.code, "kind": new.definition.kind.as_str(),
                    }))
                    .await?;
                    tx.commit().await?;
                    self.instruments.forget(id);
                    Ok((*self.instrument_row(id).await?).clone())
                }

                async fn update_instrument(&self, change: &Change, id: Uuid, version: i64, new: &NewInstrument) -> Result<Instrument> {
                    self.check_category(&new.recovery_rule).await?;
                    let mut tx = self.write.begin().await?;
                    let row: Option<InstrumentRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {INSTRUMENT_COLUMNS} FROM survey_instruments WHERE id = $1{FOR_UPDATE}"
                    )))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let old = row.ok_or(StoreError::NotFound)?.into_domain()?;
                    if old.version != version {
                        return Err(StoreError::VersionConflict { current: old.version });
                    }
                    if new.code != old.code {
                        return Err(StoreError::Invalid(vec![FieldError::new("code", "immutable", "the code of an instrument never changes")]));
                    }
                    if !same_structure(&old.definition, &new.definition) {
                        let answered: Option<(Uuid,)> =
                            sqlx::query_as("SELECT id FROM survey_responses WHERE instrument_id = $1 LIMIT 1")
                                .bind(id)
                                .fetch_optional(&mut *tx)
                                .await?;
                        if old.builtin || answered.is_some() {
                            return Err(StoreError::StateConflict(
                                "the instrument has responses (or is built in): only its texts, recovery rule and activity may change; \
                                 create a new instrument for a different questionnaire".into(),
                            ));
                        }
                    }
                    sqlx::query(
                        "UPDATE survey_instruments SET version = version + 1, kind = $2, name_ko = $3, name_en = $4, definition = $5, \
                         recovery_rule = $6, active = $7, updated_at = $8 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(new.definition.kind.as_str())
                    .bind(&new.name.ko)
                    .bind(&new.name.en)
                    .bind(serde_json::to_string(&new.definition).expect("definition serializes"))
                    .bind(new.recovery_rule.as_ref().map(|r| serde_json::to_string(r).expect("rule serializes")))
                    .bind(new.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    Self::audit(&mut tx, change, "update", "survey_instrument", Some(id), serde_json::json!({
                        "code": new.code, "active": new.active, "recovery_rule": new.recovery_rule,
                    }))
                    .await?;
                    tx.commit().await?;
                    self.instruments.forget(id);
                    Ok((*self.instrument_row(id).await?).clone())
                }

                async fn seed_survey_defaults(&self) -> Result<()> {
                    for b in rapport_domain::survey_builtin::builtins() {
                        self.seed_instrument(b.code, &b.name, &b.def).await?;
                    }
                    Ok(())
                }

                async fn create_invitations(&self, change: &Change, scope: Option<Uuid>, items: &[NewInvitation], prefix: &str) -> Result<Vec<Invitation>> {
                    let mut invalid = Vec::new();
                    let mut forbidden = Vec::new();
                    let mut instruments = HashMap::new();
                    for (i, inv) in items.iter().enumerate() {
                        if let std::collections::hash_map::Entry::Vacant(e) = instruments.entry(inv.instrument_id) {
                            match self.instrument_row(inv.instrument_id).await {
                                Ok(found) => {
                                    e.insert(found);
                                }
                                Err(StoreError::NotFound) => invalid.push(unknown(prefix, i, "instrument", "instrument")),
                                Err(other) => return Err(other),
                            }
                        }
                        if instruments.get(&inv.instrument_id).is_some_and(|x| !x.active) {
                            invalid.push(FieldError::new(field(prefix, i, "instrument"), "inactive", "this instrument accepts no new responses"));
                        }
                    }
                    let touchpoints: Vec<Uuid> = items.iter().filter_map(|r| r.touchpoint_id).collect::<HashSet<_>>().into_iter().collect();
                    let refs = self.touchpoint_refs(&touchpoints).await?;
                    let units: HashSet<Uuid> = items.iter().filter_map(|r| r.unit_id).collect();
                    let zones = self.unit_zones(&units).await?;
                    let customers: HashSet<Uuid> = items.iter().filter_map(|r| r.customer_id).collect();
                    let customers = self.customer_facts(&customers).await?;
                    let encounters: HashSet<Uuid> = items.iter().filter_map(|r| r.encounter_id).collect();
                    let encounters = self.existing_ids("encounters", &encounters).await?;
                    let mut case_units: HashMap<Uuid, Uuid> = HashMap::new();
                    for case in items.iter().filter_map(|r| r.case_id).collect::<HashSet<_>>() {
                        let row: Option<(Uuid,)> = sqlx::query_as("SELECT unit_id FROM cases WHERE id = $1").bind(case).fetch_optional(&self.read).await?;
                        if let Some((u,)) = row {
                            case_units.insert(case, u);
                        }
                    }
                    let mut rows = Vec::with_capacity(items.len());
                    for (i, inv) in items.iter().enumerate() {
                        let mut unit = inv.unit_id;
                        if let Some(u) = inv.unit_id && !zones.contains_key(&u) {
                            invalid.push(unknown(prefix, i, "unit_id", "unit"));
                        }
                        for (found, name) in [
                            (inv.touchpoint_id.map(|t| refs.get(&t).map(|r| r.unit_id)), "touchpoint_id"),
                            (inv.case_id.map(|c| case_units.get(&c).copied()), "case_id"),
                        ] {
                            match found {
                                None => {}
                                Some(None) => invalid.push(unknown(prefix, i, name, name.trim_end_matches("_id"))),
                                Some(Some(u)) if unit.is_some_and(|x| x != u) => invalid.push(FieldError::new(
                                    field(prefix, i, name),
                                    "other_unit",
                                    "belongs to another unit than the rest of the invitation",
                                )),
                                Some(Some(u)) => unit = Some(u),
                            }
                        }
                        if let Some(c) = inv.customer_id && !customers.contains_key(&c) {
                            invalid.push(unknown(prefix, i, "customer_id", "customer"));
                        }
                        if let Some(e) = inv.encounter_id && !encounters.contains(&e) {
                            invalid.push(unknown(prefix, i, "encounter_id", "encounter"));
                        }
                        if inv.expires_at <= change.at {
                            invalid.push(FieldError::new(field(prefix, i, "expires_at"), "out_of_range", "must lie in the future"));
                        }
                        let Some(unit) = unit else {
                            invalid.push(FieldError::new(field(prefix, i, "unit_id"), "required", "give the unit, a touchpoint or a case"));
                            continue;
                        };
                        if scope.is_some_and(|s| s != unit) {
                            forbidden.push(FieldError::new(field(prefix, i, "unit_id"), "other_unit", "this invitation belongs to another unit"));
                        }
                        let locale = inv.locale.unwrap_or_else(|| {
                            inv.customer_id
                                .and_then(|c| customers.get(&c))
                                .and_then(|(_, l)| Locale::from_str_opt(l))
                                .unwrap_or_default()
                        });
                        rows.push(InvitationRow {
                            id: Uuid::now_v7(),
                            instrument_id: inv.instrument_id,
                            unit_id: unit,
                            touchpoint_id: inv.touchpoint_id,
                            customer_id: inv.customer_id,
                            encounter_id: inv.encounter_id,
                            case_id: inv.case_id,
                            locale: locale.as_str().to_owned(),
                            created_by: change.actor,
                            created_at: change.at.micros(),
                            expires_at: inv.expires_at.micros(),
                            responded_at: None,
                            response_id: None,
                            submission: None,
                        });
                    }
                    if !invalid.is_empty() {
                        return Err(StoreError::Invalid(invalid));
                    }
                    if !forbidden.is_empty() {
                        return Err(StoreError::Forbidden(forbidden));
                    }
                    let mut tx = self.write.begin().await?;
                    for (chunk_no, chunk) in rows.chunks(1000).enumerate() {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO survey_invitations (id, token_hash, instrument_id, unit_id, touchpoint_id, customer_id, \
                             encounter_id, case_id, locale, created_by, created_at, expires_at) ",
                        );
                        qb.push_values(chunk.iter().enumerate(), |mut b, (j, r)| {
                            b.push_bind(r.id)
                                .push_bind(items[chunk_no * 1000 + j].token_hash.clone())
                                .push_bind(r.instrument_id)
                                .push_bind(r.unit_id)
                                .push_bind(r.touchpoint_id)
                                .push_bind(r.customer_id)
                                .push_bind(r.encounter_id)
                                .push_bind(r.case_id)
                                .push_bind(r.locale.clone())
                                .push_bind(r.created_by)
                                .push_bind(r.created_at)
                                .push_bind(r.expires_at);
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                    Self::audit(&mut tx, change, "create", "survey_invitation", rows.first().filter(|_| rows.len() == 1).map(|r| r.id), serde_json::json!({
                        "count": rows.len(),
                    }))
                    .await?;
                    tx.commit().await?;
                    Ok(rows.into_iter().map(|r| r.into_domain(change.at)).collect())
                }

                async fn get_invitation(&self, id: Uuid) -> Result<Invitation> {
                    let row: Option<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    Ok(row.ok_or(StoreError::NotFound)?.into_domain(Timestamp::now()))
                }

                async fn invitation_by_token(&self, token_hash: &[u8]) -> Result<Option<Invitation>> {
                    let row: Option<InvitationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE token_hash = $1"
                    )))
                    .bind(token_hash)
                    .fetch_optional(&self.read)
                    .await?;
                    Ok(row.map(|r| r.into_domain(Timestamp::now())))
                }

                async fn list_invitations(&self, f: &InvitationFilter, page: &PageRequest) -> Result<Page<Invitation>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT {INVITATION_COLUMNS} FROM survey_invitations WHERE 1 = 1"));
                    if let Some(i) = f.instrument {
                        qb.push(" AND instrument_id = ").push_bind(i);
                    }
                    if let Some(u) = f.unit {
                        qb.push(" AND unit_id = ").push_bind(u);
                    }
                    if let Some(c) = f.customer {
                        qb.push(" AND customer_id = ").push_bind(c);
                    }
                    if let Some(after) = &page.after {
                        qb.push(" AND (created_at < ").push_bind(after.key)
                            .push(" OR (created_at = ").push_bind(after.key)
                            .push(" AND id < ").push_bind(after.id).push("))");
                    }
                    qb.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(page.limit + 1);
                    let rows: Vec<InvitationRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    let now = Timestamp::now();
                    let items: Vec<Invitation> = rows.into_iter().map(|r| r.into_domain(now)).collect();
                    Ok(Page::from_overfetch(items, page.limit, |i| Cursor { key: i.created_at.micros(), id: i.id, ..Cursor::default() }))
                }

                async fn insert_responses(&self, change: &Change, scope: Option<Uuid>, instrument: &Instrument, items: &[NewResponse], prefix: &str) -> Result<Vec<SurveyResponse>> {
                    if items.is_empty() {
                        return Ok(Vec::new());
                    }
                    let resolved = self.resolve_responses(scope, instrument, items, prefix).await?;
                    let mut tx = self.write.begin().await?;
                    let ids: Vec<Uuid> = items.iter().map(|_| Uuid::now_v7()).collect();
                    let out = Self::write_responses(&mut tx, change, instrument, None, items, &resolved, &ids).await;
                    let out = match out {
                        Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                            return Err(StoreError::Duplicate { field: "external_id" });
                        }
                        other => other?,
                    };
                    Self::audit(&mut tx, change, "create", "survey_response", out.first().filter(|_| out.len() == 1).map(|r| r.id), serde_json::json!({
                        "instrument": instrument.code, "count": out.len(), "source": items[0].source.as_str(),
                    }))
                    .await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn answer_invitation(&self, invitation: &Invitation, instrument: &Instrument, submission: &str, response: &NewResponse) -> Result<AnswerOutcome> {
                    let items = std::slice::from_ref(response);
                    let resolved = self.resolve_responses(None, instrument, items, "").await?; // errors name `[0].field`
                    let now = Timestamp::now();
                    let response_id_slot = Uuid::now_v7();
                    let mut tx = self.write.begin().await?;
                    let claimed = sqlx::query(
                        "UPDATE survey_invitations SET responded_at = $2, response_id = $3, submission = $4 \
                         WHERE id = $1 AND responded_at IS NULL AND expires_at > $2",
                    )
                    .bind(invitation.id)
                    .bind(now.micros())
                    .bind(response_id_slot)
                    .bind(submission)
                    .execute(&mut *tx)
                    .await?;
                    if claimed.rows_affected() == 0 {
                        tx.rollback().await?;
                        let current = self.get_invitation(invitation.id).await?;
                        return Ok(match current.status {
                            InvitationStatus::Answered if current.submission.as_deref() == Some(submission) => {
                                AnswerOutcome::Repeated(current.response_id.unwrap_or_default())
                            }
                            InvitationStatus::Answered => AnswerOutcome::Used,
                            _ => AnswerOutcome::Expired,
                        });
                    }
                    let change = Change { actor: None, at: now };
                    let mut out =
                        Self::write_responses(&mut tx, &change, instrument, Some(invitation.id), items, &resolved, &[response_id_slot]).await?;
                    let recorded = out.remove(0);
                    Self::audit(&mut tx, &change, "answer", "survey_invitation", Some(invitation.id), serde_json::json!({
                        "response_id": recorded.id,
                    }))
                    .await?;
                    tx.commit().await?;
                    Ok(AnswerOutcome::Recorded(Box::new(recorded)))
                }

                async fn get_response(&self, id: Uuid) -> Result<SurveyResponse> {
                    let row: Option<ResponseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    let row = row.ok_or(StoreError::NotFound)?;
                    let instrument = self.instrument_row(row.instrument_id).await?;
                    row.into_domain(&instrument)
                }

                async fn list_responses(&self, f: &ResponseFilter, page: &PageRequest) -> Result<Page<SurveyResponse>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE 1 = 1"));
                    if let Some(i) = f.instrument {
                        qb.push(" AND instrument_id = ").push_bind(i);
                    }
                    if let Some(u) = f.unit {
                        qb.push(" AND unit_id = ").push_bind(u);
                    }
                    if let Some(t) = f.touchpoint {
                        qb.push(" AND touchpoint_id = ").push_bind(t);
                    }
                    if let Some(c) = f.customer {
                        qb.push(" AND customer_id = ").push_bind(c);
                    }
                    if let Some(from) = f.from {
                        qb.push(" AND submitted_at >= ").push_bind(from.micros());
                    }
                    if let Some(to) = f.to {
                        qb.push(" AND submitted_at < ").push_bind(to.micros());
                    }
                    if let Some(after) = &page.after {
                        qb.push(" AND (submitted_at < ").push_bind(after.key)
                            .push(" OR (submitted_at = ").push_bind(after.key)
                            .push(" AND id < ").push_bind(after.id).push("))");
                    }
                    qb.push(" ORDER BY submitted_at DESC, id DESC LIMIT ").push_bind(page.limit + 1);
                    let rows: Vec<ResponseRow> = qb.build_query_as().fetch_all(&self.read).await?;
                    let mut items = Vec::with_capacity(rows.len());
                    for row in rows {
                        let instrument = self.instrument_row(row.instrument_id).await?;
                        items.push(row.into_domain(&instrument)?);
                    }
                    Ok(Page::from_overfetch(items, page.limit, |r| Cursor { key: r.submitted_at.micros(), id: r.id, ..Cursor::default() }))
                }

                async fn link_response_case(&self, change: &Change, response_id: Uuid, case_id: Uuid) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    let done = sqlx::query("UPDATE survey_responses SET recovery_case_id = $2 WHERE id = $1")
                        .bind(response_id)
                        .bind(case_id)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    Self::audit(&mut tx, change, "open_case", "survey_response", Some(response_id), serde_json::json!({ "case_id": case_id }))
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn survey_stats(&self, q: &StatsQuery) -> Result<Vec<StatsRow>> {
                    if q.ranges.is_empty()
                        || q.units.as_ref().is_some_and(Vec::is_empty)
                        || q.touchpoints.as_ref().is_some_and(Vec::is_empty)
                        || q.tiers.as_ref().is_some_and(Vec::is_empty)
                    {
                        return Ok(Vec::new());
                    }
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT grain, period, tier, unit_id, touchpoint_id, data FROM survey_stats WHERE instrument_id = ",
                    );
                    qb.push_bind(q.instrument_id).push(" AND (");
                    for (n, (grain, lo, hi)) in q.ranges.iter().enumerate() {
                        if n > 0 {
                            qb.push(" OR ");
                        }
                        qb.push("(grain = ").push_bind(grain.as_str())
                            .push(" AND period BETWEEN ").push_bind(*lo)
                            .push(" AND ").push_bind(*hi).push(")");
                    }
                    qb.push(")");
                    if let Some(units) = &q.units {
                        qb.push(" AND unit_id IN (");
                        let mut sep = qb.separated(", ");
                        for u in units {
                            sep.push_bind(*u);
                        }
                        qb.push(")");
                    }
                    // Roll-up rows stand for all the other rows of their unit and period:
                    // read either them or the rest, never both.
                    if q.touchpoints.is_none() && q.tiers.is_none() {
                        qb.push(" AND tier = ").push_bind(ROLLUP_TIER);
                        if q.units.is_none() {
                            qb.push(" AND unit_id = ").push_bind(ROLLUP_UNIT);
                        }
                    } else {
                        qb.push(" AND tier <> ").push_bind(ROLLUP_TIER);
                    }
                    if let Some(tps) = &q.touchpoints {
                        qb.push(" AND touchpoint_id IN (");
                        let mut sep = qb.separated(", ");
                        for t in tps {
                            sep.push_bind(*t);
                        }
                        qb.push(")");
                    }
                    if let Some(tiers) = &q.tiers {
                        qb.push(" AND tier IN (");
                        let mut sep = qb.separated(", ");
                        for t in tiers {
                            sep.push_bind(t.clone());
                        }
                        qb.push(")");
                    }
                    let rows: Vec<(String, i64, String, Uuid, Uuid, Vec<u8>)> = qb.build_query_as().fetch_all(&self.read).await?;
                    rows.into_iter()
                        .map(|(g, period, tier, unit_id, touchpoint_id, data)| {
                            Ok(StatsRow {
                                grain: Grain::parse(&g).ok_or_else(|| StoreError::Corrupt(format!("statistics grain `{g}`")))?,
                                period,
                                tier,
                                unit_id,
                                touchpoint_id,
                                data,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}

pub(crate) use impl_survey_store;
