//! The agent's day on both databases: follow-ups due, approvals an agent waits for, the
//! authority left, and customers' dates coming up for the customers of a unit.

use chrono::NaiveDate;
use rapport_domain::case::{CaseInput, RecoveryKind};
use rapport_domain::contact::TouchpointInput;
use rapport_domain::customer::{CustomerInput, DateKind};
use rapport_domain::encounter::EncounterInput;
use rapport_domain::org::{Actor, EmployeeInput, UnitInput};
use rapport_domain::taxonomy::DEFAULT_CATEGORIES;
use rapport_domain::{Currency, Money, Timestamp};
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

async fn unit(db: &TestDb, name: &str) -> Uuid {
    let u = serde_json::from_value::<UnitInput>(json!({
        "name": {"ko": name, "en": "Branch"}, "time_zone": "Asia/Seoul"
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

async fn employee(db: &TestDb, unit: Uuid, email: &str, role: &str, limit: i64) -> Actor {
    let e = serde_json::from_value::<EmployeeInput>(json!({
        "name": "김하늘", "email": email, "role": role, "unit_id": unit,
        "authority_limit": {"amount_minor": limit, "currency": "KRW"}
    }))
    .unwrap()
    .parse()
    .unwrap();
    db.store
        .create_employee(&Change::system(), &e, None)
        .await
        .unwrap()
        .actor()
}

async fn case(db: &TestDb, actor: &Actor, unit: Uuid, customer: Option<Uuid>, when: &str) -> Case {
    let input = serde_json::from_value::<CaseInput>(json!({
        "source": "complaint", "channel": "phone", "unit_id": unit, "customer_id": customer,
        "category": DEFAULT_CATEGORIES[0].code, "severity": 3,
        "description": "예약이 누락되었습니다.", "detected_at": when
    }))
    .unwrap()
    .parse(t("2027-12-31T00:00:00Z"))
    .unwrap();
    db.store
        .create_case(&at(actor.employee_id, when), actor.unit_id, &input)
        .await
        .unwrap()
}

async fn customer(db: &TestDb, name: &str, dates: serde_json::Value) -> Uuid {
    let c = serde_json::from_value::<CustomerInput>(json!({
        "name": name, "tier": "gold", "important_dates": dates
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

fn krw(n: i64) -> Money {
    Money {
        amount_minor: n,
        currency: Currency::parse("c", "KRW").unwrap(),
    }
}

both_backends!(
    follow_ups_due_and_pending_requests,
    |db: TestDb| async move {
        let s = &db.store;
        let u = unit(&db, "강남점").await;
        let other = unit(&db, "역삼점").await;
        let agent = employee(&db, u, "a@x.kr", "agent", 10_000).await;
        let stranger = employee(&db, other, "s@x.kr", "agent", 10_000).await;
        // Resolved on 1 and 2 December: the follow-ups fall due three days later.
        let mut ids = Vec::new();
        for (i, day) in ["2026-12-01T10:00:00+09:00", "2026-12-02T10:00:00+09:00"]
            .iter()
            .enumerate()
        {
            let c = case(&db, &agent, u, None, day).await;
            let a = agent.employee_id;
            s.act_on_case(
                &at(a, day),
                Some(u),
                c.id,
                None,
                &CaseCommand::Acknowledge { note: None },
            )
            .await
            .unwrap();
            s.act_on_case(
                &at(a, day),
                Some(u),
                c.id,
                None,
                &CaseCommand::Resolve {
                    summary: format!("해결 {i}"),
                },
            )
            .await
            .unwrap();
            ids.push(c.id);
        }
        let c = case(&db, &stranger, other, None, "2026-12-01T10:00:00+09:00").await;
        for cmd in [
            CaseCommand::Acknowledge { note: None },
            CaseCommand::Resolve {
                summary: "다른 지점".into(),
            },
        ] {
            s.act_on_case(
                &at(stranger.employee_id, "2026-12-01T10:00:00+09:00"),
                Some(other),
                c.id,
                None,
                &cmd,
            )
            .await
            .unwrap();
        }
        // By the end of 4 December only the first is due; by the end of the 5th both, soonest first.
        let due = |before: &str, scope| {
            let before = t(before);
            async move {
                s.list_follow_ups_due(scope, before, &PageRequest::first(10))
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|c| c.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            due("2026-12-05T00:00:00+09:00", Some(u)).await,
            vec![ids[0]]
        );
        assert_eq!(due("2026-12-06T00:00:00+09:00", Some(u)).await, ids);
        assert_eq!(due("2026-12-06T00:00:00+09:00", None).await.len(), 3);
        // Paging goes on from the cursor.
        let first = s
            .list_follow_ups_due(
                Some(u),
                t("2026-12-06T00:00:00+09:00"),
                &PageRequest::first(1),
            )
            .await
            .unwrap();
        assert_eq!(first.items[0].id, ids[0]);
        let next = PageRequest::parse(first.next_cursor.as_deref(), Some(1)).unwrap();
        let second = s
            .list_follow_ups_due(Some(u), t("2026-12-06T00:00:00+09:00"), &next)
            .await
            .unwrap();
        assert_eq!(second.items[0].id, ids[1]);
        assert!(second.next_cursor.is_none());
        // A done follow-up is off the agenda.
        s.act_on_case(
            &at(agent.employee_id, "2026-12-04T12:00:00+09:00"),
            Some(u),
            ids[0],
            None,
            &CaseCommand::CompleteFollowUp {
                satisfaction: Some(4),
                note: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            due("2026-12-06T00:00:00+09:00", Some(u)).await,
            vec![ids[1]]
        );

        // Authority: 10,000 a month; 6,000 granted leaves 4,000; 5,000 more waits for a manager.
        let now = Timestamp::now();
        let left = s
            .remaining_authority(agent.employee_id, u, now)
            .await
            .unwrap();
        assert_eq!((left.limit_minor, left.remaining_minor), (10_000, 10_000));
        let refund = |n| NewRecoveryAction {
            kind: RecoveryKind::Refund,
            amount: Some(krw(n)),
            note: String::new(),
            guarantee_id: None,
        };
        let change = Change::by(agent.employee_id);
        let taken = s
            .request_recovery_action(&change, &agent, ids[1], &refund(6_000))
            .await
            .unwrap();
        assert!(taken.own_authority);
        let left = s
            .remaining_authority(agent.employee_id, u, now)
            .await
            .unwrap();
        assert_eq!((left.used_minor, left.remaining_minor), (6_000, 4_000));
        assert_eq!(left.currency, "KRW");
        let pending = s
            .request_recovery_action(&change, &agent, ids[1], &refund(5_000))
            .await
            .unwrap();
        let mine = s
            .list_pending_requested_by(agent.employee_id, Some(u), 10)
            .await
            .unwrap();
        assert_eq!(
            mine.iter().map(|a| a.id).collect::<Vec<_>>(),
            vec![pending.id]
        );
        let anywhere = s
            .list_pending_requested_by(agent.employee_id, None, 10)
            .await
            .unwrap();
        assert_eq!(anywhere.len(), 1);
        assert!(
            s.list_pending_requested_by(agent.employee_id, Some(other), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.list_pending_requested_by(stranger.employee_id, None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

both_backends!(
    dates_coming_up_for_a_units_customers,
    |db: TestDb| async move {
        let s = &db.store;
        let u = unit(&db, "강남점").await;
        let other = unit(&db, "역삼점").await;
        let agent = employee(&db, u, "a@x.kr", "agent", 10_000).await;
        let tp = TouchpointInput::parse(
        &serde_json::from_value(json!({
            "unit_id": u, "name": {"ko": "창구", "en": "Counter"}, "channel": "in_person",
            "journey_stage": "during", "customer_presence_minutes": 5, "service_creation_minutes": 10
        }))
        .unwrap(),
    )
    .unwrap();
        let tp = s
            .create_touchpoint(&Change::system(), &tp)
            .await
            .unwrap()
            .id;
        let visitor = customer(
            &db,
            "방문 고객",
            json!([{"kind": "birthday", "month": 12, "day": 30, "year": 1990},
               {"kind": "anniversary", "label": "결혼기념일", "month": 1, "day": 2}]),
        )
        .await;
        let with_case = customer(
            &db,
            "케이스 고객",
            json!([{"kind": "birthday", "month": 12, "day": 29}]),
        )
        .await;
        let stranger = customer(
            &db,
            "다른 지점 고객",
            json!([{"kind": "birthday", "month": 12, "day": 31}]),
        )
        .await;
        let leap = customer(
            &db,
            "윤일 고객",
            json!([{"kind": "birthday", "month": 2, "day": 29}]),
        )
        .await;
        let later = customer(
            &db,
            "나중 고객",
            json!([{"kind": "birthday", "month": 1, "day": 20}]),
        )
        .await;
        let recent = Timestamp::now().plus_seconds(-86_400);
        let encounters: Vec<_> = [visitor, leap, later]
            .iter()
            .map(|c| {
                serde_json::from_value::<EncounterInput>(json!({
                    "customer_id": c, "touchpoint_id": tp, "started_at": recent.to_rfc3339(),
                    "ended_at": recent.plus_seconds(600).to_rfc3339()
                }))
                .unwrap()
                .parse("e")
                .unwrap()
            })
            .collect();
        s.insert_encounters(&Change::system(), None, &encounters, "items")
            .await
            .unwrap();
        case(&db, &agent, u, Some(with_case), "2026-12-01T10:00:00+09:00").await;
        let _ = other;

        let filter = |from: NaiveDate, unit: Option<Uuid>| UpcomingDatesFilter {
            from,
            days: 7,
            unit,
            visited_since: Timestamp::now().plus_seconds(-90 * 86_400),
            limit: 50,
        };
        // 28 December to 3 January: December's dates first, then January's.
        let dec = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
        let got = s.upcoming_dates(&filter(dec, Some(u))).await.unwrap();
        let seen: Vec<_> = got
            .iter()
            .map(|d| (d.customer_id, d.on.to_string()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (with_case, "2026-12-29".to_owned()),
                (visitor, "2026-12-30".to_owned()),
                (visitor, "2027-01-02".to_owned()),
            ]
        );
        assert_eq!(got[0].customer_name, "케이스 고객");
        assert_eq!(got[2].kind, DateKind::Anniversary);
        assert_eq!(got[2].label.as_deref(), Some("결혼기념일"));
        assert_eq!(got[1].year, Some(1990));
        // Without a unit: every customer's.
        let all = s.upcoming_dates(&filter(dec, None)).await.unwrap();
        assert_eq!(all.len(), 4);
        assert!(all.iter().any(|d| d.customer_id == stranger));
        // Names for lists, in one query; unknown ids are left out.
        let names = s
            .customer_names(&[visitor, with_case, visitor, Uuid::now_v7()])
            .await
            .unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(names[&with_case].0, "케이스 고객");
        assert_eq!(names[&visitor].1, rapport_domain::customer::Tier::Gold);
        let staff = s.employee_names(&[agent.employee_id]).await.unwrap();
        assert_eq!(staff[&agent.employee_id], "김하늘");
        assert!(s.employee_names(&[]).await.unwrap().is_empty());
        // A visit longer ago than `visited_since` does not make a customer the unit's.
        let mut old = filter(dec, Some(u));
        old.visited_since = Timestamp::now();
        let got = s.upcoming_dates(&old).await.unwrap();
        assert_eq!(
            got.iter().map(|d| d.customer_id).collect::<Vec<_>>(),
            vec![with_case]
        );
        // 29 February shows on 28 February in a common year, on the 29th in a leap year.
        let feb = |y| NaiveDate::from_ymd_opt(y, 2, 25).unwrap();
        let got = s.upcoming_dates(&filter(feb(2027), Some(u))).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].customer_id, got[0].on.to_string()),
            (leap, "2027-02-28".to_owned())
        );
        let got = s.upcoming_dates(&filter(feb(2028), Some(u))).await.unwrap();
        assert_eq!(got[0].on.to_string(), "2028-02-29");
        // The limit keeps the soonest.
        let mut one = filter(dec, Some(u));
        one.limit = 1;
        assert_eq!(
            s.upcoming_dates(&one).await.unwrap()[0].customer_id,
            with_case
        );
    }
);
