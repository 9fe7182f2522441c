//! Overviews on both databases: a customer's figures and cases (scoped to a unit or not),
//! a unit's open cases by stage, and its latest SLA breaches.

use rapport_domain::Timestamp;
use rapport_domain::case::{CaseInput, Stage, Target};
use rapport_domain::contact::TouchpointInput;
use rapport_domain::customer::{CustomerInput, Locale};
use rapport_domain::encounter::EncounterInput;
use rapport_domain::org::{EmployeeInput, UnitInput};
use rapport_domain::survey::{Answers, ResponseSource};
use rapport_domain::taxonomy::{DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES};
use rapport_store::testing::TestDb;
use rapport_store::*;
use serde_json::json;
use uuid::Uuid;

fn t(s: &str) -> Timestamp {
    Timestamp::parse("t", s).unwrap()
}

fn at(actor: Uuid, s: &str) -> Change {
    Change {
        actor: Some(actor),
        at: t(s),
    }
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

async fn agent(db: &TestDb, unit: Uuid, email: &str) -> Uuid {
    let e = serde_json::from_value::<EmployeeInput>(json!({
        "name": "김하늘", "email": email, "role": "agent", "unit_id": unit,
        "authority_limit": {"amount_minor": 500_000, "currency": "KRW"}
    }))
    .unwrap()
    .parse()
    .unwrap();
    db.store
        .create_employee(&Change::system(), &e, None)
        .await
        .unwrap()
        .id
}

fn encounter(tp: Uuid, customer: Uuid, start: &str, revenue: Option<i64>, failed: bool) -> Value {
    let s = t(start);
    let mut e = json!({
        "touchpoint_id": tp, "customer_id": customer,
        "started_at": s.to_rfc3339(), "ended_at": s.plus_seconds(600).to_rfc3339(),
        "outcome": if failed { "failed" } else { "ok" },
    });
    if let Some(r) = revenue {
        e["revenue"] = json!({"amount_minor": r, "currency": "KRW"});
    }
    e
}

use serde_json::Value;

fn case_input(unit: Uuid, customer: Uuid, detected: &str) -> rapport_domain::case::NewCase {
    serde_json::from_value::<CaseInput>(json!({
        "source": "complaint", "channel": "phone", "unit_id": unit, "customer_id": customer,
        "category": DEFAULT_CATEGORIES[0].code, "severity": 2,
        "description": "예약한 시간에 자리가 없었습니다.",
        "occurred_at": "2026-11-02T09:30:00+09:00", "detected_at": detected
    }))
    .unwrap()
    .parse(t("2026-12-31T00:00:00Z"))
    .unwrap()
}

both_backends!(
    a_customers_figures_and_cases_are_counted_per_unit,
    |db: TestDb| async move {
        let s = &db.store;
        let (a, b) = (unit(&db, "강남점").await, unit(&db, "역삼점").await);
        let (tpa, tpb) = (touchpoint(&db, a).await, touchpoint(&db, b).await);
        let agent_a = agent(&db, a, "a@x.kr").await;
        let agent_b = agent(&db, b, "b@x.kr").await;
        let c = serde_json::from_value::<CustomerInput>(json!({"name": "박서준", "tier": "gold"}))
            .unwrap()
            .parse()
            .unwrap();
        let customer = s.create_customer(&Change::system(), &c).await.unwrap().id;
        let other = s.create_customer(&Change::system(), &c).await.unwrap().id;

        let empty = s.customer_figures(customer, None).await.unwrap();
        assert_eq!(empty.encounters, 0);
        assert!(empty.revenue.is_empty() && empty.last_satisfaction.is_none());

        let items: Vec<_> = [
            encounter(
                tpa,
                customer,
                "2026-11-02T10:00:00+09:00",
                Some(12_000),
                false,
            ),
            encounter(tpa, customer, "2026-11-03T10:00:00+09:00", None, true),
            encounter(
                tpb,
                customer,
                "2026-11-04T10:00:00+09:00",
                Some(30_000),
                false,
            ),
            encounter(tpb, other, "2026-11-04T11:00:00+09:00", Some(99_000), false),
        ]
        .into_iter()
        .map(|v| {
            serde_json::from_value::<EncounterInput>(v)
                .unwrap()
                .parse("")
                .unwrap()
        })
        .collect();
        s.insert_encounters(&Change::system(), None, &items, "items")
            .await
            .unwrap();

        // Two cases in A (one closed with satisfaction 4), one in B (open).
        let mk = |unit, who, detected: &'static str| {
            let s = s.clone();
            async move {
                s.create_case(
                    &at(who, detected),
                    Some(unit),
                    &case_input(unit, customer, detected),
                )
                .await
                .unwrap()
            }
        };
        let first = mk(a, agent_a, "2026-11-02T10:30:00+09:00").await;
        let second = mk(a, agent_a, "2026-11-09T10:30:00+09:00").await;
        let in_b = mk(b, agent_b, "2026-11-05T10:30:00+09:00").await;
        for (when, cmd) in [
            (
                "2026-11-02T10:40:00+09:00",
                CaseCommand::Acknowledge { note: None },
            ),
            (
                "2026-11-02T10:50:00+09:00",
                CaseCommand::Resolve {
                    summary: "자리를 마련해 드렸습니다.".into(),
                },
            ),
            (
                "2026-11-06T10:00:00+09:00",
                CaseCommand::CompleteFollowUp {
                    satisfaction: Some(4),
                    note: None,
                },
            ),
            (
                "2026-11-06T10:10:00+09:00",
                CaseCommand::Close {
                    root_cause: DEFAULT_ROOT_CAUSES[0].code.into(),
                    note: "예약 확인 절차 보완".into(),
                },
            ),
        ] {
            s.act_on_case(&at(agent_a, when), None, first.id, None, &cmd)
                .await
                .unwrap();
        }
        let instrument = s.find_instrument("csat").await.unwrap();
        let response = NewResponse {
            unit_id: None,
            touchpoint_id: Some(tpa),
            customer_id: Some(customer),
            encounter_id: None,
            case_id: None,
            locale: Some(Locale::Ko),
            source: ResponseSource::Api,
            external_id: None,
            submitted_at: t("2026-11-03T12:00:00+09:00"),
            answers: Answers {
                values: vec![Some(2)],
                importance: None,
            },
            comment: None,
        };
        s.insert_responses(&Change::system(), None, &instrument, &[response], "")
            .await
            .unwrap();

        let all = s.customer_figures(customer, None).await.unwrap();
        assert_eq!((all.encounters, all.failed_encounters), (3, 1));
        assert_eq!(all.revenue.len(), 1);
        assert_eq!(
            (
                all.revenue[0].amount_minor,
                all.revenue[0].currency.as_str()
            ),
            (42_000, "KRW")
        );
        assert_eq!(all.first_encounter_at, Some(t("2026-11-02T10:00:00+09:00")));
        assert_eq!(all.last_encounter_at, Some(t("2026-11-04T10:00:00+09:00")));
        assert_eq!((all.cases_open, all.cases_closed), (2, 1));
        assert_eq!(all.last_satisfaction, Some(4));
        assert_eq!(
            all.last_satisfaction_at,
            Some(t("2026-11-06T10:00:00+09:00"))
        );
        assert_eq!(all.survey_responses, 1);

        let only_b = s.customer_figures(customer, Some(b)).await.unwrap();
        assert_eq!((only_b.encounters, only_b.failed_encounters), (1, 0));
        assert_eq!(only_b.revenue[0].amount_minor, 30_000);
        assert_eq!((only_b.cases_open, only_b.cases_closed), (1, 0));
        assert_eq!(only_b.last_satisfaction, None);
        assert_eq!(only_b.survey_responses, 0);

        // Newest detection first, one page at a time.
        let p1 = s
            .list_customer_cases(customer, None, &PageRequest::first(2))
            .await
            .unwrap();
        let ids: Vec<_> = p1.items.iter().map(|c| c.id).collect();
        assert_eq!(ids, [second.id, in_b.id]);
        let after = Cursor::decode("c", p1.next_cursor.as_deref().unwrap()).unwrap();
        let p2 = s
            .list_customer_cases(
                customer,
                None,
                &PageRequest {
                    after: Some(after),
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(p2.items.len(), 1);
        assert_eq!(p2.items[0].id, first.id);
        assert_eq!(p2.items[0].stage, Stage::Closed);
        assert_eq!(p2.items[0].satisfaction, Some(4));
        assert!(p2.next_cursor.is_none());
        let in_a = s
            .list_customer_cases(customer, Some(a), &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(in_a.items.len(), 2);
        let names = s
            .touchpoint_names(&[tpa, tpb, Uuid::now_v7()])
            .await
            .unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(names[&tpa].ko, "창구");
        // The pickers' choices: one unit's touchpoints, or everyone's, with their unit.
        let mine = s.touchpoint_choices(Some(a), 100).await.unwrap();
        assert_eq!(
            mine.iter().map(|(id, u, _)| (*id, *u)).collect::<Vec<_>>(),
            [(tpa, a)]
        );
        assert_eq!(mine[0].2.ko, "창구");
        let all = s.touchpoint_choices(None, 100).await.unwrap();
        let mut ids: Vec<Uuid> = all.iter().map(|(id, _, _)| *id).collect();
        ids.sort();
        let mut expected = vec![tpa, tpb];
        expected.sort();
        assert_eq!(ids, expected);
        assert_eq!(s.touchpoint_choices(None, 1).await.unwrap().len(), 1);
        assert!(in_a.items.iter().all(|c| c.unit_id == a));
        assert!(
            s.list_customer_cases(other, None, &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
);

both_backends!(
    a_units_open_cases_and_latest_breaches_are_counted,
    |db: TestDb| async move {
        let s = &db.store;
        let (a, b) = (unit(&db, "강남점").await, unit(&db, "역삼점").await);
        let agent_a = agent(&db, a, "a@x.kr").await;
        let agent_b = agent(&db, b, "b@x.kr").await;
        let c = serde_json::from_value::<CustomerInput>(json!({"name": "Emily Park"}))
            .unwrap()
            .parse()
            .unwrap();
        let customer = s.create_customer(&Change::system(), &c).await.unwrap().id;
        // Monday 2026-11-23, open 09:00–18:00: acknowledge is due after 60 minutes.
        let early = s
            .create_case(
                &at(agent_a, "2026-11-23T10:00:00+09:00"),
                Some(a),
                &case_input(a, customer, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        let late = s
            .create_case(
                &at(agent_a, "2026-11-23T10:30:00+09:00"),
                Some(a),
                &case_input(a, customer, "2026-11-23T10:30:00+09:00"),
            )
            .await
            .unwrap();
        let acked = s
            .create_case(
                &at(agent_a, "2026-11-23T10:40:00+09:00"),
                Some(a),
                &case_input(a, customer, "2026-11-23T10:40:00+09:00"),
            )
            .await
            .unwrap();
        s.act_on_case(
            &at(agent_a, "2026-11-23T10:45:00+09:00"),
            None,
            acked.id,
            None,
            &CaseCommand::Acknowledge { note: None },
        )
        .await
        .unwrap();
        let in_b = s
            .create_case(
                &at(agent_b, "2026-11-23T10:00:00+09:00"),
                Some(b),
                &case_input(b, customer, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        s.sweep_sla(t("2026-11-23T12:00:00+09:00"), 100)
            .await
            .unwrap();

        let counts = s.open_case_counts(Some(a)).await.unwrap();
        assert_eq!(counts.total, 3);
        let stages: Vec<_> = counts.by_stage.iter().map(|s| (s.stage, s.cases)).collect();
        assert_eq!(
            stages,
            [
                (Stage::PreRecovery, 2),
                (Stage::Immediate, 1),
                (Stage::FollowUp, 0)
            ]
        );
        assert_eq!(counts.breached, 2);
        assert_eq!(s.open_case_counts(None).await.unwrap().total, 4);

        let since = t("2026-11-23T00:00:00+09:00");
        let breaches = s.latest_breaches(Some(a), since, 10).await.unwrap();
        assert_eq!(breaches.total, 2);
        let got: Vec<_> = breaches
            .latest
            .iter()
            .map(|b| (b.case.id, b.target, b.breached_at))
            .collect();
        assert_eq!(
            got,
            [
                (late.id, Target::Acknowledge, t("2026-11-23T11:30:00+09:00")),
                (
                    early.id,
                    Target::Acknowledge,
                    t("2026-11-23T11:00:00+09:00")
                ),
            ]
        );
        let one = s.latest_breaches(Some(a), since, 1).await.unwrap();
        assert_eq!((one.total, one.latest.len()), (2, 1));
        let everywhere = s.latest_breaches(None, since, 10).await.unwrap();
        assert_eq!(everywhere.total, 3);
        assert!(everywhere.latest.iter().any(|b| b.case.id == in_b.id));
        let later = s
            .latest_breaches(Some(a), t("2026-11-23T11:15:00+09:00"), 10)
            .await
            .unwrap();
        assert_eq!(later.total, 1);

        assert_eq!(s.unit_currency(a).await.unwrap().code(), "KRW");
        assert!(matches!(
            s.unit_currency(Uuid::now_v7()).await,
            Err(StoreError::NotFound)
        ));
    }
);
