//! The storage conformance suite: every test runs on SQLite and on PostgreSQL.

use rapport_domain::Timestamp;
use rapport_domain::contact::{ContactLevel, LevelBasis, LevelThresholds, TouchpointInput};
use rapport_domain::customer::{CustomerInput, CustomerQuery};
use rapport_domain::encounter::{EncounterInput, NewEncounter, Outcome};
use rapport_domain::org::{EmployeeInput, UnitInput};
use rapport_store::testing::TestDb;
use rapport_store::*;
use serde_json::json;
use uuid::Uuid;

fn unit_input(ko: &str) -> rapport_domain::org::NewUnit {
    serde_json::from_value::<UnitInput>(json!({
        "name": {"ko": ko, "en": "Branch"},
        "time_zone": "Asia/Seoul",
        "calendar": {"weekly": {"mon": [["09:00", "18:00"]]}, "holidays": [{"date": "2026-10-03", "name": "개천절"}]}
    }))
    .unwrap()
    .parse()
    .unwrap()
}

fn touchpoint_input(
    unit: Uuid,
    presence: f64,
    creation: f64,
) -> rapport_domain::contact::NewTouchpoint {
    serde_json::from_value::<TouchpointInput>(json!({
        "unit_id": unit, "name": {"ko": "창구", "en": "Counter"}, "channel": "in_person",
        "journey_stage": "during", "customer_presence_minutes": presence, "service_creation_minutes": creation
    }))
    .unwrap()
    .parse()
    .unwrap()
}

fn employee_input(unit: Option<Uuid>, email: &str, role: &str) -> rapport_domain::org::NewEmployee {
    serde_json::from_value::<EmployeeInput>(json!({
        "name": "박지은", "email": email, "role": role, "unit_id": unit,
        "authority_limit": {"amount_minor": 50000, "currency": "KRW"}
    }))
    .unwrap()
    .parse()
    .unwrap()
}

fn customer_input(name: &str, phone: Option<&str>) -> rapport_domain::customer::NewCustomer {
    serde_json::from_value::<CustomerInput>(json!({
        "name": name, "phone": phone, "tier": "gold",
        "important_dates": [{"kind": "birthday", "month": 2, "day": 29}]
    }))
    .unwrap()
    .parse()
    .unwrap()
}

fn encounter(
    tp: Uuid,
    customer: Option<Uuid>,
    start: &str,
    minutes: i64,
    presence: i64,
    failed: bool,
) -> NewEncounter {
    let s = Timestamp::parse("s", start).unwrap();
    serde_json::from_value::<EncounterInput>(json!({
        "touchpoint_id": tp, "customer_id": customer,
        "started_at": s.to_rfc3339(), "ended_at": s.plus_seconds(minutes * 60).to_rfc3339(),
        "presence_seconds": presence * 60, "waiting_seconds": 30,
        "outcome": if failed { "failed" } else { "ok" },
        "revenue": {"amount_minor": 12000, "currency": "KRW"}
    }))
    .unwrap()
    .parse("")
    .unwrap()
}

async fn unit_and_touchpoint(db: &TestDb) -> (Uuid, Uuid) {
    let c = Change::system();
    let unit = db
        .store
        .create_unit(&c, &unit_input("강남점"))
        .await
        .unwrap();
    let tp = db
        .store
        .create_touchpoint(&c, &touchpoint_input(unit.id, 10.0, 10.0))
        .await
        .unwrap();
    (unit.id, tp.id)
}

both_backends!(
    a_unit_round_trips_with_its_calendar,
    |db: TestDb| async move {
        let unit = db
            .store
            .create_unit(&Change::system(), &unit_input("강남점"))
            .await
            .unwrap();
        let back = db.store.get_unit(unit.id).await.unwrap();
        assert_eq!(back.name.ko, "강남점");
        assert_eq!(back.time_zone, "Asia/Seoul");
        assert_eq!(
            back.calendar.weekly.mon,
            vec![["09:00".to_string(), "18:00".to_string()]]
        );
        assert_eq!(back.calendar.holidays[0].name, "개천절");
        assert_eq!(back.version, 1);
    }
);

both_backends!(a_stale_version_changes_nothing, |db: TestDb| async move {
    let c = Change::system();
    let unit = db
        .store
        .create_unit(&c, &unit_input("강남점"))
        .await
        .unwrap();
    let updated = db
        .store
        .update_unit(&c, unit.id, 1, &unit_input("역삼점"))
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    let err = db
        .store
        .update_unit(&c, unit.id, 1, &unit_input("선릉점"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::VersionConflict { current: 2 }),
        "{err:?}"
    );
    assert_eq!(db.store.get_unit(unit.id).await.unwrap().name.ko, "역삼점");
    let err = db
        .store
        .update_unit(&c, Uuid::now_v7(), 1, &unit_input("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound));
});

both_backends!(
    every_change_lands_in_the_audit_trail_with_its_actor,
    |db: TestDb| async move {
        let admin = db
            .store
            .create_employee(
                &Change::system(),
                &employee_input(None, "admin@example.com", "admin"),
                None,
            )
            .await
            .unwrap();
        let c = Change::by(admin.id);
        let unit = db
            .store
            .create_unit(&c, &unit_input("강남점"))
            .await
            .unwrap();
        db.store
            .update_unit(&c, unit.id, 1, &unit_input("역삼점"))
            .await
            .unwrap();
        let filter = AuditFilter {
            entity: Some("unit".into()),
            entity_id: Some(unit.id),
            actor: None,
        };
        let page = db
            .store
            .list_audit(&filter, &PageRequest::default())
            .await
            .unwrap();
        let actions: Vec<_> = page.items.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["unit.update", "unit.create"]);
        assert!(page.items.iter().all(|a| a.actor_id == Some(admin.id)));
        assert_eq!(page.items[0].details["name"]["ko"], "역삼점");
    }
);

both_backends!(a_unit_in_use_cannot_be_deleted, |db: TestDb| async move {
    let (unit, _) = unit_and_touchpoint(&db).await;
    let err = db
        .store
        .delete_unit(&Change::system(), unit, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InUse("touchpoints")));
    let empty = db
        .store
        .create_unit(&Change::system(), &unit_input("빈 지점"))
        .await
        .unwrap();
    db.store
        .delete_unit(&Change::system(), empty.id, 1)
        .await
        .unwrap();
    assert!(matches!(
        db.store.get_unit(empty.id).await,
        Err(StoreError::NotFound)
    ));
});

both_backends!(
    employee_emails_are_unique_and_units_must_exist,
    |db: TestDb| async move {
        let (unit, _) = unit_and_touchpoint(&db).await;
        let c = Change::system();
        db.store
            .create_employee(
                &c,
                &employee_input(Some(unit), "kim@example.com", "agent"),
                None,
            )
            .await
            .unwrap();
        let err = db
            .store
            .create_employee(
                &c,
                &employee_input(Some(unit), "KIM@example.com", "agent"),
                None,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate { field: "email" }),
            "{err:?}"
        );
        let err = db
            .store
            .create_employee(
                &c,
                &employee_input(Some(Uuid::now_v7()), "lee@example.com", "agent"),
                None,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].field == "unit_id"),
            "{err:?}"
        );
        let page = db
            .store
            .list_employees(Some(unit), &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
    }
);

both_backends!(
    a_token_authenticates_until_revoked_or_expired,
    |db: TestDb| async move {
        let c = Change::system();
        let admin = db
            .store
            .create_employee(&c, &employee_input(None, "a@example.com", "admin"), None)
            .await
            .unwrap();
        let token = db
            .store
            .create_token(&c, admin.id, "ci", b"hash-1", None)
            .await
            .unwrap();
        let now = Timestamp::now();
        assert_eq!(
            db.store
                .authenticate_token(b"hash-1", now)
                .await
                .unwrap()
                .unwrap()
                .id,
            admin.id
        );
        assert!(
            db.store
                .authenticate_token(b"hash-2", now)
                .await
                .unwrap()
                .is_none()
        );
        db.store.revoke_token(&c, token.id).await.unwrap();
        assert!(
            db.store
                .authenticate_token(b"hash-1", now)
                .await
                .unwrap()
                .is_none()
        );
        db.store
            .create_token(&c, admin.id, "short", b"hash-3", Some(now.plus_seconds(-1)))
            .await
            .unwrap();
        assert!(
            db.store
                .authenticate_token(b"hash-3", now)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            db.store
                .purge_dead_tokens(now.plus_seconds(1))
                .await
                .unwrap(),
            2
        );
        assert_eq!(db.store.count_active_admins().await.unwrap(), 1);
    }
);

both_backends!(
    the_measured_contact_intensity_decides_the_level_after_enough_encounters,
    |db: TestDb| async move {
        let c = Change::system();
        let unit = db
            .store
            .create_unit(&c, &unit_input("강남점"))
            .await
            .unwrap();
        // Designed as high contact: the customer is there the whole time.
        let tp = db
            .store
            .create_touchpoint(&c, &touchpoint_input(unit.id, 10.0, 10.0))
            .await
            .unwrap();
        assert_eq!(
            (tp.level, tp.level_basis),
            (ContactLevel::High, LevelBasis::Designed)
        );
        // In practice the customer is present 2 of 10 minutes, and 1 in 4 encounters fails.
        let items: Vec<_> = (0..40)
            .map(|i| encounter(tp.id, None, "2026-03-02T10:00:00+09:00", 10, 2, i % 4 == 0))
            .collect();
        assert_eq!(
            db.store
                .insert_encounters(&c, None, &items, "items")
                .await
                .unwrap(),
            40
        );
        let tp = db.store.get_touchpoint(tp.id).await.unwrap();
        assert_eq!(tp.totals.encounters, 40);
        assert_eq!(tp.totals.failed, 10);
        assert!((tp.measured_intensity.unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(tp.failure_rate, Some(0.25));
        assert_eq!(
            (tp.level, tp.level_basis),
            (ContactLevel::Low, LevelBasis::Measured)
        );
        // Raising the bar for measured figures brings the designed level back.
        db.store
            .set_level_thresholds(
                &c,
                &LevelThresholds {
                    medium: 0.3,
                    high: 0.6,
                    min_encounters: 100,
                },
            )
            .await
            .unwrap();
        let tp = db.store.get_touchpoint(tp.id).await.unwrap();
        assert_eq!(
            (tp.level, tp.level_basis),
            (ContactLevel::High, LevelBasis::Designed)
        );
    }
);

both_backends!(
    a_batch_with_one_unknown_customer_writes_nothing_and_names_the_row,
    |db: TestDb| async move {
        let (_, tp) = unit_and_touchpoint(&db).await;
        let c = Change::system();
        let known = db
            .store
            .create_customer(&c, &customer_input("김민수", None))
            .await
            .unwrap();
        let mut items: Vec<_> = (0..5)
            .map(|_| encounter(tp, Some(known.id), "2026-03-02T10:00:00+09:00", 5, 5, false))
            .collect();
        items[3].customer_id = Some(Uuid::now_v7());
        let err = db
            .store
            .insert_encounters(&c, None, &items, "items")
            .await
            .unwrap_err();
        match err {
            StoreError::Invalid(e) => {
                assert_eq!(e.len(), 1);
                assert_eq!(e[0].field, "items[3].customer_id");
            }
            other => panic!("{other:?}"),
        }
        let page = db
            .store
            .list_encounters(&EncounterFilter::default(), &PageRequest::default())
            .await
            .unwrap();
        assert!(page.items.is_empty());
        assert_eq!(
            db.store.get_touchpoint(tp).await.unwrap().totals.encounters,
            0
        );
    }
);

both_backends!(
    encounters_at_another_units_touchpoint_are_forbidden,
    |db: TestDb| async move {
        let (_, tp) = unit_and_touchpoint(&db).await;
        let items = vec![encounter(
            tp,
            None,
            "2026-03-02T10:00:00+09:00",
            5,
            5,
            false,
        )];
        let err = db
            .store
            .insert_encounters(&Change::system(), Some(Uuid::now_v7()), &items, "items")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Forbidden(e) if e[0].field == "items[0].touchpoint_id"),
            "{err:?}"
        );
        let unknown = vec![encounter(
            Uuid::now_v7(),
            None,
            "2026-03-02T10:00:00+09:00",
            5,
            5,
            false,
        )];
        let err = db
            .store
            .insert_encounters(&Change::system(), None, &unknown, "items")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].code == "unknown"),
            "{err:?}"
        );
    }
);

both_backends!(
    encounters_page_newest_first_by_touchpoint_customer_and_period,
    |db: TestDb| async move {
        let (_, tp) = unit_and_touchpoint(&db).await;
        let c = Change::system();
        let cust = db
            .store
            .create_customer(&c, &customer_input("이서연", None))
            .await
            .unwrap();
        let items: Vec<_> = (0..25)
            .map(|d| {
                encounter(
                    tp,
                    (d % 5 == 0).then_some(cust.id),
                    &format!("2026-04-{:02}T10:00:00+09:00", d + 1),
                    5,
                    5,
                    false,
                )
            })
            .collect();
        db.store
            .insert_encounters(&c, None, &items, "items")
            .await
            .unwrap();
        let mut seen = Vec::new();
        let mut page = PageRequest::first(10);
        let filter = EncounterFilter {
            touchpoint: Some(tp),
            ..Default::default()
        };
        loop {
            let p = db.store.list_encounters(&filter, &page).await.unwrap();
            seen.extend(p.items.iter().map(|e| e.started_at));
            match p.next_cursor {
                Some(next) => page = PageRequest::parse(Some(&next), Some(10)).unwrap(),
                None => break,
            }
        }
        assert_eq!(seen.len(), 25);
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
        let by_customer = EncounterFilter {
            customer: Some(cust.id),
            ..Default::default()
        };
        assert_eq!(
            db.store
                .list_encounters(&by_customer, &PageRequest::default())
                .await
                .unwrap()
                .items
                .len(),
            5
        );
        let period = EncounterFilter {
            from: Some(Timestamp::parse("f", "2026-04-10T00:00:00+09:00").unwrap()),
            to: Some(Timestamp::parse("t", "2026-04-20T00:00:00+09:00").unwrap()),
            ..Default::default()
        };
        assert_eq!(
            db.store
                .list_encounters(&period, &PageRequest::default())
                .await
                .unwrap()
                .items
                .len(),
            10
        );
        let e = db.store.get_encounter(items[0].id).await.unwrap();
        assert_eq!(e.outcome, Outcome::Ok);
        assert_eq!(e.revenue.unwrap().amount_minor, 12000);
    }
);

both_backends!(
    customers_are_found_by_korean_name_initials_and_phone,
    |db: TestDb| async move {
        let c = Change::system();
        let minsu = db
            .store
            .create_customer(&c, &customer_input("김민수", Some("010-1234-5678")))
            .await
            .unwrap();
        db.store
            .create_customer(&c, &customer_input("김영희", Some("010-9999-0000")))
            .await
            .unwrap();
        db.store
            .create_customer(&c, &customer_input("Emily Clark", None))
            .await
            .unwrap();
        let find = |q: &str| {
            let store = db.store.clone();
            let q = CustomerQuery::parse("q", q).unwrap();
            async move {
                let f = CustomerFilter {
                    query: Some(q),
                    tier: None,
                };
                let page = store
                    .list_customers(&f, &PageRequest::default())
                    .await
                    .unwrap();
                page.items.into_iter().map(|c| c.name).collect::<Vec<_>>()
            }
        };
        assert_eq!(find("김").await, ["김민수", "김영희"]);
        assert_eq!(find("민수").await, ["김민수"]);
        assert_eq!(find("ㄱㅇ").await, ["김영희"]);
        assert_eq!(find("5678").await, ["김민수"]);
        assert_eq!(find("010-1234").await, ["김민수"]);
        assert_eq!(find("emily").await, ["Emily Clark"]);
        assert!(find("박").await.is_empty());
        let back = db.store.get_customer(minsu.id).await.unwrap();
        assert_eq!(back.important_dates[0].month, 2);
        assert_eq!(back.important_dates[0].day, 29);
    }
);

both_backends!(
    erasing_a_customer_keeps_their_encounters_unlinked,
    |db: TestDb| async move {
        let (_, tp) = unit_and_touchpoint(&db).await;
        let c = Change::system();
        let cust = db
            .store
            .create_customer(&c, &customer_input("최지우", None))
            .await
            .unwrap();
        let items = vec![encounter(
            tp,
            Some(cust.id),
            "2026-03-02T10:00:00+09:00",
            5,
            5,
            false,
        )];
        db.store
            .insert_encounters(&c, None, &items, "items")
            .await
            .unwrap();
        db.store.delete_customer(&c, cust.id).await.unwrap();
        assert!(matches!(
            db.store.get_customer(cust.id).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            db.store
                .get_encounter(items[0].id)
                .await
                .unwrap()
                .customer_id,
            None
        );
    }
);

both_backends!(consent_changes_are_timestamped, |db: TestDb| async move {
    let c = Change::system();
    let cust = db
        .store
        .create_customer(&c, &customer_input("한지민", None))
        .await
        .unwrap();
    assert_eq!(cust.consent_updated_at, None);
    let mut input = customer_input("한지민", None);
    input.marketing_consent = true;
    let later = Change {
        actor: None,
        at: cust.created_at.plus_seconds(60),
    };
    let updated = db
        .store
        .update_customer(&later, cust.id, 1, &input)
        .await
        .unwrap();
    assert_eq!(updated.consent_updated_at, Some(later.at));
    assert!(updated.marketing_consent);
});

both_backends!(
    a_job_is_claimed_by_one_worker_at_a_time,
    |db: TestDb| async move {
        let now = Timestamp::now();
        for i in 0..20 {
            db.store
                .enqueue_job("test", &json!({ "i": i }), now, 3)
                .await
                .unwrap();
        }
        let lease = now.plus_seconds(60);
        let (a, b) = tokio::join!(
            db.store.claim_jobs("node-a", now, lease, 15),
            db.store.claim_jobs("node-b", now, lease, 15)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.len() + b.len(), 20);
        let mut ids: Vec<_> = a.iter().chain(b.iter()).map(|j| j.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20, "no job handed out twice");
        // A failed job comes back after its retry time; a completed one never.
        db.store.fail_job(a[0].id, "boom", now).await.unwrap();
        db.store.complete_job(a[1].id, now).await.unwrap();
        let again = db
            .store
            .claim_jobs("node-c", now.plus_seconds(1), lease, 100)
            .await
            .unwrap();
        assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), [a[0].id]);
        assert_eq!(again[0].attempts, 2);
    }
);

both_backends!(
    a_periodic_task_runs_once_per_due_time_across_nodes,
    |db: TestDb| async move {
        let now = Timestamp::now();
        let next = now.plus_seconds(60);
        let (a, b) = tokio::join!(
            db.store.claim_schedule("purge", "node-a", now, next),
            db.store.claim_schedule("purge", "node-b", now, next)
        );
        assert!(a.unwrap() ^ b.unwrap(), "exactly one node takes the turn");
        assert!(
            !db.store
                .claim_schedule("purge", "node-a", now.plus_seconds(30), next)
                .await
                .unwrap()
        );
        assert!(
            db.store
                .claim_schedule("purge", "node-b", next, next.plus_seconds(60))
                .await
                .unwrap()
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_write_ahead_log_stays_small_under_sustained_writes() {
    let db = TestDb::new(rapport_store::testing::Backend::Sqlite)
        .await
        .unwrap();
    let DatabaseUrl::Sqlite(path) = &db.url else {
        unreachable!()
    };
    let (_, tp) = unit_and_touchpoint(&db).await;
    let c = Change::system();
    for round in 0..200 {
        let items: Vec<_> = (0..250)
            .map(|i| {
                encounter(
                    tp,
                    None,
                    "2026-03-02T10:00:00+09:00",
                    5 + (i + round) % 3,
                    1,
                    false,
                )
            })
            .collect();
        db.store
            .insert_encounters(&c, None, &items, "items")
            .await
            .unwrap();
    }
    // Each commit appends whole pages: unbounded, these would leave well over 128 MB of log.
    for _ in 0..4000 {
        let one = vec![encounter(
            tp,
            None,
            "2026-03-03T10:00:00+09:00",
            5,
            1,
            false,
        )];
        db.store
            .insert_encounters(&Change::by(Uuid::nil()), None, &one, "items")
            .await
            .ok();
        db.store.get_touchpoint(tp).await.unwrap();
    }
    let wal = std::fs::metadata(format!("{path}-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(
        // The writer's own checkpoint starts at 80 MB of log (see sqlite.rs).
        wal < 128 * 1024 * 1024,
        "write-ahead log grew to {wal} bytes"
    );
    db.store.checkpoint().await.unwrap();
    let wal = std::fs::metadata(format!("{path}-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(wal, 0, "a checkpoint empties the log");
}

both_backends!(
    customers_import_in_bulk_with_their_dates,
    |db: TestDb| async move {
        let many: Vec<_> = (0..2500)
            .map(|i| customer_input(&format!("고객{i}"), Some("010-5555-1234")))
            .collect();
        let ids = db
            .store
            .insert_customers(&Change::system(), &many)
            .await
            .unwrap();
        assert_eq!(ids.len(), 2500);
        let last = db.store.get_customer(ids[2499]).await.unwrap();
        assert_eq!(last.name, "고객2499");
        assert_eq!(last.important_dates.len(), 1);
        let f = CustomerFilter {
            query: Some(CustomerQuery::parse("q", "고객249").unwrap()),
            tier: None,
        };
        let found = db
            .store
            .list_customers(&f, &PageRequest::first(100))
            .await
            .unwrap();
        assert_eq!(found.items.len(), 11, "고객249 and 고객2490..2499");

        // A search is paged like any list: every match once, in name order, ties by id.
        let twins = vec![customer_input("고객7", Some("010-5555-1234")); 3];
        db.store
            .insert_customers(&Change::system(), &twins)
            .await
            .unwrap();
        let by_phone = CustomerFilter {
            query: Some(CustomerQuery::parse("q", "1234").unwrap()),
            tier: None,
        };
        let mut seen = Vec::new();
        let mut page = PageRequest::first(97);
        loop {
            let got = db.store.list_customers(&by_phone, &page).await.unwrap();
            assert!(got.items.len() <= 97);
            seen.extend(got.items.into_iter().map(|c| (c.name, c.id)));
            match got.next_cursor {
                Some(c) => page.after = Some(Cursor::decode("cursor", &c).unwrap()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 2503);
        let ids: std::collections::HashSet<Uuid> = seen.iter().map(|s| s.1).collect();
        assert_eq!(ids.len(), 2503, "no match twice");
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(seen, sorted, "ordered by name, then id");
        assert_eq!(seen.iter().filter(|s| s.0 == "고객7").count(), 4);
    }
);

both_backends!(
    concurrent_single_writes_are_grouped_without_losing_or_mixing_errors,
    |db: TestDb| async move {
        let (unit, tp) = unit_and_touchpoint(&db).await;
        let mut tasks = Vec::new();
        for i in 0..200 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let mut e = encounter(tp, None, "2026-03-02T10:00:00+09:00", 5, 5, false);
                // Every tenth write names a customer that does not exist.
                if i % 10 == 0 {
                    e.customer_id = Some(Uuid::now_v7());
                }
                (
                    i,
                    store
                        .insert_encounters(&Change::by(Uuid::nil()), Some(unit), &[e], "items")
                        .await,
                )
            }));
        }
        for t in tasks {
            let (i, result) = t.await.unwrap();
            match result {
                Ok(n) => assert!(i % 10 != 0 && n == 1),
                Err(StoreError::Invalid(e)) => {
                    assert!(i % 10 == 0 && e[0].field == "items[0].customer_id")
                }
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(
            db.store.get_touchpoint(tp).await.unwrap().totals.encounters,
            180
        );
    }
);

both_backends!(
    a_units_encounters_page_newest_first_across_its_touchpoints,
    |db: TestDb| async move {
        let c = Change::system();
        let unit = db
            .store
            .create_unit(&c, &unit_input("강남점"))
            .await
            .unwrap();
        let other = db
            .store
            .create_unit(&c, &unit_input("부산점"))
            .await
            .unwrap();
        let mut tps = Vec::new();
        for _ in 0..3 {
            tps.push(
                db.store
                    .create_touchpoint(&c, &touchpoint_input(unit.id, 5.0, 5.0))
                    .await
                    .unwrap()
                    .id,
            );
        }
        let far = db
            .store
            .create_touchpoint(&c, &touchpoint_input(other.id, 5.0, 5.0))
            .await
            .unwrap()
            .id;
        // 30 encounters spread over three touchpoints, one minute apart, and noise in another unit.
        let items: Vec<_> = (0..30)
            .map(|i| {
                encounter(
                    tps[i % 3],
                    None,
                    &format!("2026-04-01T10:{:02}:00+09:00", i),
                    1,
                    1,
                    false,
                )
            })
            .chain((0..5).map(|i| {
                encounter(
                    far,
                    None,
                    &format!("2026-04-01T10:{:02}:30+09:00", i),
                    1,
                    1,
                    false,
                )
            }))
            .collect();
        db.store
            .insert_encounters(&c, None, &items, "items")
            .await
            .unwrap();
        let filter = EncounterFilter {
            unit: Some(unit.id),
            ..Default::default()
        };
        let mut seen = Vec::new();
        let mut page = PageRequest::first(7);
        loop {
            let p = db.store.list_encounters(&filter, &page).await.unwrap();
            seen.extend(p.items.iter().map(|e| (e.started_at, e.touchpoint_id)));
            match p.next_cursor {
                Some(next) => page = PageRequest::parse(Some(&next), Some(7)).unwrap(),
                None => break,
            }
        }
        assert_eq!(
            seen.len(),
            30,
            "every encounter of the unit once, none of the other unit"
        );
        assert!(
            seen.windows(2).all(|w| w[0].0 > w[1].0),
            "newest first across touchpoints"
        );
        assert!(seen.iter().all(|(_, tp)| *tp != far));
    }
);

both_backends!(
    a_units_currency_is_set_once_and_changes_only_while_nothing_is_counted_in_it,
    |db: TestDb| async move {
        let c = Change::system();
        let with = |currency: Option<&str>| {
            serde_json::from_value::<UnitInput>(json!({
                "name": {"ko": "뉴욕점", "en": "New York"}, "time_zone": "America/New_York",
                "currency": currency
            }))
            .unwrap()
            .parse()
        };
        let errors = with(Some("XYZ")).unwrap_err();
        assert_eq!(errors[0].field, "currency");
        let plain = db
            .store
            .create_unit(&c, &unit_input("강남점"))
            .await
            .unwrap();
        assert_eq!(
            plain.currency, "KRW",
            "a new unit counts in won unless told"
        );
        let ny = db
            .store
            .create_unit(&c, &with(Some("USD")).unwrap())
            .await
            .unwrap();
        assert_eq!(ny.currency, "USD");
        assert_eq!(db.store.unit_currency(ny.id).await.unwrap().code(), "USD");
        // Left out on a replace: kept.
        let ny = db
            .store
            .update_unit(&c, ny.id, ny.version, &with(None).unwrap())
            .await
            .unwrap();
        assert_eq!(ny.currency, "USD");
        // Nothing counted yet: it may still change.
        let ny = db
            .store
            .update_unit(&c, ny.id, ny.version, &with(Some("EUR")).unwrap())
            .await
            .unwrap();
        assert_eq!(ny.currency, "EUR");
        // Once someone's authority limit is counted in it, it stays.
        db.store
            .create_employee(
                &c,
                &employee_input(Some(ny.id), "lee@example.com", "agent"),
                None,
            )
            .await
            .unwrap();
        let err = db
            .store
            .update_unit(&c, ny.id, ny.version, &with(Some("KRW")).unwrap())
            .await
            .unwrap_err();
        match err {
            StoreError::Invalid(e) => assert_eq!(
                (e[0].field.as_str(), e[0].code.as_str()),
                ("currency", "in_use")
            ),
            other => panic!("expected a field error, got {other:?}"),
        }
        let now = db.store.get_unit(ny.id).await.unwrap();
        assert_eq!(
            (now.currency.as_str(), now.version),
            ("EUR", ny.version),
            "nothing written"
        );
    }
);
