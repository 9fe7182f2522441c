//! Surveys on both databases: the built-in instruments, invitations answered exactly once,
//! responses written all or nothing, and statistics that add up to the same figures as the
//! responses they summarise, however the period is cut.

use std::collections::BTreeMap;

use rapport_domain::Timestamp;
use rapport_domain::contact::TouchpointInput;
use rapport_domain::customer::{CustomerInput, Locale};
use rapport_domain::org::UnitInput;
use rapport_domain::survey::{Answers, InstrumentKind, ResponseSource};
use rapport_domain::survey_stats::{StatsLayout, SurveyStats};
use rapport_store::testing::TestDb;
use rapport_store::*;
use serde_json::json;
use uuid::Uuid;

fn t(s: &str) -> Timestamp {
    Timestamp::parse("t", s).unwrap()
}

async fn unit(db: &TestDb, ko: &str) -> Uuid {
    let u = serde_json::from_value::<UnitInput>(json!({
        "name": {"ko": ko, "en": "Branch"}, "time_zone": "Asia/Seoul",
        "calendar": {"weekly": {"mon": [["09:00", "18:00"]]}}
    }))
    .unwrap()
    .parse()
    .unwrap();
    db.store
        .create_unit(&Change::system(), &u)
        .await
        .unwrap()
        .id
}

async fn touchpoint(db: &TestDb, unit: Uuid) -> Uuid {
    let tp = serde_json::from_value::<TouchpointInput>(json!({
        "unit_id": unit, "name": {"ko": "창구", "en": "Counter"}, "channel": "in_person",
        "journey_stage": "during", "customer_presence_minutes": 10, "service_creation_minutes": 12
    }))
    .unwrap()
    .parse()
    .unwrap();
    db.store
        .create_touchpoint(&Change::system(), &tp)
        .await
        .unwrap()
        .id
}

async fn customer(db: &TestDb, tier: &str) -> Uuid {
    let c = serde_json::from_value::<CustomerInput>(json!({
        "name": "이서연", "phone": "010-1234-5678", "tier": tier, "locale": "en"
    }))
    .unwrap()
    .parse()
    .unwrap();
    db.store
        .create_customer(&Change::system(), &c)
        .await
        .unwrap()
        .id
}

fn csat(value: i32) -> Answers {
    Answers {
        values: vec![Some(value)],
        importance: None,
    }
}

fn response(tp: Option<Uuid>, unit: Option<Uuid>, at: &str, answers: Answers) -> NewResponse {
    NewResponse {
        unit_id: unit,
        touchpoint_id: tp,
        customer_id: None,
        encounter_id: None,
        case_id: None,
        locale: Some(Locale::Ko),
        source: ResponseSource::Api,
        external_id: None,
        submitted_at: t(at),
        answers,
        comment: None,
    }
}

/// Sums every statistics row of the query into one: the units' roll-up rows.
async fn merged(
    db: &TestDb,
    instrument: &Instrument,
    from: &str,
    to: &str,
) -> (SurveyStats, usize) {
    merged_rows(db, instrument, from, to, None).await
}

/// The same from the rows per touchpoint × tier (every tier named, so no roll-up is read).
async fn merged_by_tier(
    db: &TestDb,
    instrument: &Instrument,
    from: &str,
    to: &str,
) -> (SurveyStats, usize) {
    let tiers = ["standard", "silver", "gold", "vip", "none"].map(String::from);
    merged_rows(db, instrument, from, to, Some(tiers.to_vec())).await
}

async fn merged_rows(
    db: &TestDb,
    instrument: &Instrument,
    from: &str,
    to: &str,
    tiers: Option<Vec<String>>,
) -> (SurveyStats, usize) {
    let day = |s: &str| day_number(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    let rows = db
        .store
        .survey_stats(&StatsQuery {
            instrument_id: instrument.id,
            ranges: ranges(&cover(day(from), day(to))),
            units: None,
            touchpoints: None,
            tiers,
        })
        .await
        .unwrap();
    let layout = StatsLayout::new(&instrument.definition);
    let mut total = SurveyStats::empty(&layout);
    for r in &rows {
        total.merge(&SurveyStats::from_bytes(&layout, &r.data).unwrap());
    }
    (total, rows.len())
}

/// Runs statements on the test database directly, as an older version or an operator would.
async fn raw_sql(db: &TestDb, statements: &[&'static str]) {
    match &db.url {
        DatabaseUrl::Sqlite(path) => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            for s in statements {
                sqlx::query(*s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        DatabaseUrl::Postgres(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            for s in statements {
                sqlx::query(*s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}

both_backends!(
    the_builtin_instruments_are_seeded_once,
    |db: TestDb| async move {
        db.store.migrate().await.unwrap();
        let all = db.store.list_instruments(false).await.unwrap();
        let codes: Vec<&str> = all.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["servqual", "csat", "nps", "effort"]);
        let sq = db.store.find_instrument("servqual").await.unwrap();
        assert_eq!(sq.kind, InstrumentKind::Servqual);
        assert_eq!(sq.definition.items.len(), 44);
        assert!(sq.builtin && sq.active);
    }
);

both_backends!(
    statistics_equal_the_responses_they_summarise_for_any_period,
    |db: TestDb| async move {
        let u = unit(&db, "강남점").await;
        let tp = touchpoint(&db, u).await;
        let gold = customer(&db, "gold").await;
        let instrument = db.store.find_instrument("csat").await.unwrap();
        let layout = StatsLayout::new(&instrument.definition);
        // Spread over two months, crossing week and month ends in Seoul time: 2026-02-28
        // 15:30 UTC is already March 1st in Seoul.
        let times = [
            "2026-01-30T02:00:00Z",
            "2026-01-31T23:00:00Z",
            "2026-02-02T09:00:00Z",
            "2026-02-14T09:00:00Z",
            "2026-02-28T15:30:00Z",
            "2026-03-03T01:00:00Z",
        ];
        let mut items = Vec::new();
        for (i, at) in times.iter().enumerate() {
            let mut r = response(Some(tp), None, at, csat((i % 5) as i32 + 1));
            if i % 2 == 0 {
                r.customer_id = Some(gold);
            }
            items.push(r);
        }
        let change = Change::system();
        let stored = db
            .store
            .insert_responses(&change, None, &instrument, &items, "")
            .await
            .unwrap();
        assert_eq!(stored.len(), 6);
        assert_eq!(stored[0].unit_id, u, "the unit follows from the touchpoint");
        assert_eq!(stored[0].tier, "gold");
        assert_eq!(stored[1].tier, "none");
        // A second batch adds to the same rows.
        db.store
            .insert_responses(&change, None, &instrument, &items[..2], "")
            .await
            .unwrap();

        let expect = |answers: &[i32]| {
            let mut s = SurveyStats::empty(&layout);
            for a in answers {
                s.add(&layout, &csat(*a));
            }
            s
        };
        // Whole period: all eight answers.
        let (all, _) = merged(&db, &instrument, "2026-01-01", "2026-03-31").await;
        assert_eq!(all, expect(&[1, 2, 3, 4, 5, 1, 1, 2]));
        // February only, in Seoul dates: Jan 31 23:00 UTC is already February 1st (twice,
        // from both batches), then the 2nd and the 14th; Feb 28 15:30 UTC is March 1st.
        let (feb, _) = merged(&db, &instrument, "2026-02-01", "2026-02-28").await;
        assert_eq!(feb, expect(&[2, 2, 3, 4]));
        // A period cut in the middle of weeks and months.
        let (cut, _) = merged(&db, &instrument, "2026-01-31", "2026-03-01").await;
        assert_eq!(cut, expect(&[2, 3, 4, 5, 2]));
        // A calendar quarter reads month rows only: the unit's roll-up of each month.
        let (_, rows) = merged(&db, &instrument, "2026-01-01", "2026-03-31").await;
        assert_eq!(rows, 3, "one roll-up row per month");
        // Per tier: gold answered in January, February and March, the others in February
        // and March; the same figures for any cut of the period.
        let (by_tier, rows) = merged_by_tier(&db, &instrument, "2026-01-01", "2026-03-31").await;
        assert_eq!((by_tier, rows), (all.clone(), 5));
        let (by_tier, _) = merged_by_tier(&db, &instrument, "2026-01-31", "2026-03-01").await;
        assert_eq!(by_tier, cut);

        // A database written before roll-ups existed gets them when it is migrated.
        raw_sql(
            &db,
            &[
                "DELETE FROM survey_stats WHERE tier = '*'",
                "UPDATE store_backfills SET done_at = NULL",
            ],
        )
        .await;
        assert_eq!(
            merged(&db, &instrument, "2026-01-01", "2026-03-31").await.1,
            0
        );
        db.store.migrate().await.unwrap();
        assert_eq!(
            merged(&db, &instrument, "2026-01-01", "2026-03-31").await.0,
            all
        );
        assert_eq!(
            merged(&db, &instrument, "2026-02-01", "2026-02-28").await.0,
            feb
        );
        assert_eq!(
            merged(&db, &instrument, "2026-01-31", "2026-03-01").await.0,
            cut
        );
        // Only once: a second migration leaves rows as they are (an extra copy would double).
        db.store.migrate().await.unwrap();
        assert_eq!(
            merged(&db, &instrument, "2026-01-01", "2026-03-31").await.0,
            all
        );

        let page = db
            .store
            .list_responses(
                &ResponseFilter {
                    instrument: Some(instrument.id),
                    ..Default::default()
                },
                &PageRequest::first(3),
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 3);
        assert_eq!(
            page.items[0].submitted_at,
            t("2026-03-03T01:00:00Z"),
            "newest first"
        );
        assert_eq!(page.items[0].answers.get("csat"), Some(&Some(1)));
        assert!(page.next_cursor.is_some());
        let one = db.store.get_response(stored[4].id).await.unwrap();
        assert_eq!(one.answers, BTreeMap::from([("csat".to_owned(), Some(5))]));
    }
);

both_backends!(
    a_bad_batch_writes_nothing_and_names_each_bad_item,
    |db: TestDb| async move {
        let u = unit(&db, "강남점").await;
        let other = unit(&db, "역삼점").await;
        let tp = touchpoint(&db, u).await;
        let instrument = db.store.find_instrument("csat").await.unwrap();
        let mut dup = response(Some(tp), None, "2026-02-02T09:00:00Z", csat(4));
        dup.external_id = Some("A-1".into());
        let mut bad_customer = response(None, Some(u), "2026-02-02T09:00:00Z", csat(4));
        bad_customer.customer_id = Some(Uuid::now_v7());
        let items = vec![
            response(Some(tp), None, "2026-02-02T09:00:00Z", csat(5)),
            response(Some(Uuid::now_v7()), None, "2026-02-02T09:00:00Z", csat(5)),
            bad_customer,
            response(Some(tp), Some(other), "2026-02-02T09:00:00Z", csat(3)),
            response(None, None, "2026-02-02T09:00:00Z", csat(3)),
            dup.clone(),
            dup.clone(),
        ];
        let err = db
            .store
            .insert_responses(&Change::system(), None, &instrument, &items, "")
            .await
            .unwrap_err();
        let StoreError::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "[1].touchpoint_id",
                "[2].customer_id",
                "[3].touchpoint_id",
                "[4].unit_id",
                "[6].external_id"
            ]
        );
        let (all, rows) = merged(&db, &instrument, "2026-01-01", "2026-12-31").await;
        assert_eq!((all.respondents(), rows), (0, 0), "nothing was written");

        // Another unit's agent may not record responses of this unit.
        let err = db
            .store
            .insert_responses(&Change::system(), Some(other), &instrument, &items[..1], "")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");

        // An external id is accepted once across batches.
        db.store
            .insert_responses(
                &Change::system(),
                None,
                &instrument,
                std::slice::from_ref(&dup),
                "",
            )
            .await
            .unwrap();
        let err = db
            .store
            .insert_responses(
                &Change::system(),
                None,
                &instrument,
                std::slice::from_ref(&dup),
                "",
            )
            .await
            .unwrap_err();
        let StoreError::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors[0].field, "[0].external_id");
        assert_eq!(errors[0].code, "duplicate");
    }
);

both_backends!(
    an_invitation_is_answered_exactly_once_even_by_racing_submissions,
    |db: TestDb| async move {
        let u = unit(&db, "강남점").await;
        let tp = touchpoint(&db, u).await;
        let c = customer(&db, "vip").await;
        let instrument = db.store.find_instrument("csat").await.unwrap();
        let now = Timestamp::now();
        let invite = |hash: &[u8], expires: Timestamp| NewInvitation {
            instrument_id: instrument.id,
            unit_id: None,
            touchpoint_id: Some(tp),
            customer_id: Some(c),
            encounter_id: None,
            case_id: None,
            locale: None,
            expires_at: expires,
            token_hash: hash.to_vec(),
        };
        let created = db
            .store
            .create_invitations(
                &Change::system(),
                None,
                &[invite(b"hash-one", now.plus_seconds(86_400))],
                "",
            )
            .await
            .unwrap();
        let inv = &created[0];
        assert_eq!(inv.unit_id, u);
        assert_eq!(inv.locale, Locale::En, "the customer's language");
        let found = db
            .store
            .invitation_by_token(b"hash-one")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, inv.id);
        assert!(
            db.store
                .invitation_by_token(b"other")
                .await
                .unwrap()
                .is_none()
        );

        let mut answer = response(Some(tp), Some(u), "2026-02-02T09:00:00Z", csat(2));
        answer.customer_id = Some(c);
        answer.submitted_at = now;
        // Eight submissions at once, two of them the same form sent twice.
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = db.store.clone();
            let (inv, instrument, answer) = (found.clone(), instrument.clone(), answer.clone());
            let submission = if n < 2 {
                "same".to_owned()
            } else {
                format!("other-{n}")
            };
            tasks.push(tokio::spawn(async move {
                (
                    submission.clone(),
                    store
                        .answer_invitation(&inv, &instrument, &submission, &answer)
                        .await
                        .unwrap(),
                )
            }));
        }
        let mut recorded = Vec::new();
        let mut outcomes = Vec::new();
        for task in tasks {
            let (submission, outcome) = task.await.unwrap();
            if let AnswerOutcome::Recorded(r) = &outcome {
                recorded.push((submission.clone(), r.id));
            }
            outcomes.push((submission, outcome));
        }
        assert_eq!(recorded.len(), 1, "{outcomes:?}");
        let (winner, response_id) = recorded[0].clone();
        for (submission, outcome) in &outcomes {
            match outcome {
                AnswerOutcome::Recorded(_) => {}
                AnswerOutcome::Repeated(id) => {
                    assert_eq!(submission, &winner);
                    assert_eq!(*id, response_id);
                }
                AnswerOutcome::Used => assert_ne!(submission, &winner),
                AnswerOutcome::Expired => panic!("not expired"),
            }
        }
        let after = db.store.get_invitation(inv.id).await.unwrap();
        assert_eq!(after.response_id, Some(response_id));
        let (all, _) = merged(&db, &instrument, "2020-01-01", "2030-12-31").await;
        assert_eq!(all.respondents(), 1, "one response in the statistics");
        let r = db.store.get_response(response_id).await.unwrap();
        assert_eq!((r.invitation_id, r.tier.as_str()), (Some(inv.id), "vip"));

        // An expired invitation records nothing.
        let expired = db
            .store
            .create_invitations(
                &Change::system(),
                None,
                &[invite(b"hash-two", now.plus_seconds(1))],
                "",
            )
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let outcome = db
            .store
            .answer_invitation(&expired[0], &instrument, "x", &answer)
            .await
            .unwrap();
        assert_eq!(outcome, AnswerOutcome::Expired);
    }
);

both_backends!(
    an_answered_instrument_keeps_its_structure,
    |db: TestDb| async move {
        let u = unit(&db, "강남점").await;
        let instrument = db.store.find_instrument("csat").await.unwrap();
        let mut changed = NewInstrument {
            code: instrument.code.clone(),
            name: instrument.name.clone(),
            definition: instrument.definition.clone(),
            recovery_rule: None,
            active: true,
        };
        // Texts may change.
        changed.definition.items[0].text.en = "How was your visit today?".into();
        let updated = db
            .store
            .update_instrument(
                &Change::system(),
                instrument.id,
                instrument.version,
                &changed,
            )
            .await
            .unwrap();
        assert_eq!(updated.version, instrument.version + 1);
        assert_eq!(
            updated.definition.items[0].text.en,
            "How was your visit today?"
        );
        // A stale version is refused.
        let err = db
            .store
            .update_instrument(
                &Change::system(),
                instrument.id,
                instrument.version,
                &changed,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::VersionConflict { .. }), "{err:?}");
        db.store
            .insert_responses(
                &Change::system(),
                None,
                &updated,
                &[response(None, Some(u), "2026-02-02T09:00:00Z", csat(4))],
                "",
            )
            .await
            .unwrap();
        // Structure may not.
        changed.definition.items[0].code = "satisfaction".into();
        let err = db
            .store
            .update_instrument(&Change::system(), instrument.id, updated.version, &changed)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::StateConflict(_)), "{err:?}");
    }
);

both_backends!(
    concurrent_batches_on_the_same_day_lose_no_answer,
    |db: TestDb| async move {
        let u = unit(&db, "강남점").await;
        let tp = touchpoint(&db, u).await;
        let instrument = db.store.find_instrument("csat").await.unwrap();
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = db.store.clone();
            let instrument = instrument.clone();
            // Every writer adds to the same new day, week and month rows.
            let items: Vec<NewResponse> = (0..25)
                .map(|i| {
                    response(
                        Some(tp),
                        None,
                        "2026-04-07T03:00:00Z",
                        csat((n + i) % 5 + 1),
                    )
                })
                .collect();
            tasks.push(tokio::spawn(async move {
                store
                    .insert_responses(&Change::system(), None, &instrument, &items, "")
                    .await
                    .unwrap()
                    .len()
            }));
        }
        let mut written = 0;
        for t in tasks {
            written += t.await.unwrap();
        }
        assert_eq!(written, 200);
        for (from, to) in [
            ("2026-04-07", "2026-04-07"),
            ("2026-04-06", "2026-04-12"),
            ("2026-04-01", "2026-04-30"),
        ] {
            let (stats, rows) = merged(&db, &instrument, from, to).await;
            assert_eq!((stats.respondents(), rows), (200, 1), "{from}..{to}");
        }
    }
);
