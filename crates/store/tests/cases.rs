//! Recovery cases on both databases: stages, clocks, pauses, warnings and breaches recorded
//! once, authority and approvals, concurrent agents, and the recovery summary.
//!
//! The seeded default SLA policy applies (business hours; acknowledge 60 min, first response
//! 240, resolve 1,440, follow-up 2,880 after 3 days; warning at 75 %), with a unit open on
//! Mondays 09:00–18:00 in Seoul, so every deadline below can be checked by hand.

use std::sync::Arc;

use rapport_domain::Timestamp;
use rapport_domain::case::{CaseAction, CaseInput, Stage, Target};
use rapport_domain::org::{Actor, EmployeeInput, UnitInput};
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

struct Fixture {
    unit: Uuid,
    agent: Actor,
    agent2: Actor,
    manager: Actor,
    other_manager: Actor,
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

async fn unit(db: &TestDb, name: &str) -> Uuid {
    let u = serde_json::from_value::<UnitInput>(json!({
        "name": {"ko": name, "en": "Branch"}, "time_zone": "Asia/Seoul",
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

async fn fixture(db: &TestDb) -> Fixture {
    let u = unit(db, "강남점").await;
    let other = unit(db, "역삼점").await;
    Fixture {
        unit: u,
        agent: employee(db, u, "agent@x.kr", "agent", 50_000).await,
        agent2: employee(db, u, "agent2@x.kr", "agent", 50_000).await,
        manager: employee(db, u, "manager@x.kr", "manager", 500_000).await,
        other_manager: employee(db, other, "other@x.kr", "manager", 500_000).await,
    }
}

fn case_input(unit: Uuid, detected: &str) -> rapport_domain::case::NewCase {
    serde_json::from_value::<CaseInput>(json!({
        "source": "complaint", "channel": "phone", "unit_id": unit,
        "category": DEFAULT_CATEGORIES[0].code, "severity": 2,
        "description": "주문한 음식이 40분 넘게 나오지 않았습니다.",
        "occurred_at": "2026-11-23T09:30:00+09:00", "detected_at": detected
    }))
    .unwrap()
    .parse(t("2026-12-31T00:00:00Z"))
    .unwrap()
}

fn clock(case: &Case, target: Target) -> &ClockView {
    case.clocks.iter().find(|c| c.target == target).unwrap()
}

both_backends!(
    a_case_runs_through_every_stage_with_its_clocks,
    |db: TestDb| async move {
        let f = fixture(&db).await;
        let s = &db.store;
        let a = f.agent.employee_id;
        let case = s
            .create_case(
                &at(a, "2026-11-23T10:01:00+09:00"),
                Some(f.unit),
                &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        assert_eq!(case.stage, Stage::PreRecovery);
        assert!(case.number.starts_with("R-2026-"), "{}", case.number);
        assert_eq!(case.allowed_actions, vec![CaseAction::Acknowledge]);
        // Acknowledge: 60 business minutes from Monday 10:00 → 11:00, warning at 45 → 10:45.
        let ack = clock(&case, Target::Acknowledge);
        assert_eq!(ack.due_at, Some(t("2026-11-23T11:00:00+09:00")));
        assert_eq!(ack.warn_at, Some(t("2026-11-23T10:45:00+09:00")));
        assert_eq!(
            clock(&case, Target::FirstResponse).due_at,
            Some(t("2026-11-23T14:00:00+09:00"))
        );
        // 1,440 business minutes with 9 open hours each Monday: 8 h on the 23rd, 9 h on the 30th,
        // 7 h on 7 December → 16:00.
        assert_eq!(
            clock(&case, Target::Resolve).due_at,
            Some(t("2026-12-07T16:00:00+09:00"))
        );
        assert_eq!(case.next_deadline, Some(t("2026-11-23T11:00:00+09:00")));

        // An action the stage does not allow changes nothing and names the allowed ones.
        let err = s
            .act_on_case(
                &at(a, "2026-11-23T10:02:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::Resolve {
                    summary: "x".into(),
                },
            )
            .await
            .unwrap_err();
        match err {
            StoreError::NotAllowed(n) => assert_eq!(n.allowed, vec![CaseAction::Acknowledge]),
            other => panic!("{other:?}"),
        }

        // The sweep warns once at 10:50 and breaches once at 11:30.
        let w = s
            .sweep_sla(t("2026-11-23T10:50:00+09:00"), 100)
            .await
            .unwrap();
        assert_eq!((w.warnings, w.breaches), (1, 0));
        let w = s
            .sweep_sla(t("2026-11-23T10:55:00+09:00"), 100)
            .await
            .unwrap();
        assert_eq!((w.warnings, w.breaches), (0, 0));
        let w = s
            .sweep_sla(t("2026-11-23T11:30:00+09:00"), 100)
            .await
            .unwrap();
        assert_eq!((w.warnings, w.breaches), (0, 1));
        let now = s.get_case(case.id).await.unwrap();
        assert!(now.breached);
        assert_eq!(
            now.version, case.version,
            "the sweep does not bump the version"
        );
        let notes = s
            .list_notifications(f.manager.employee_id, &PageRequest::default())
            .await
            .unwrap();
        let kinds: Vec<_> = notes.items.iter().map(|n| n.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["sla_breach", "sla_warning"],
            "unassigned: managers hear both"
        );

        let c = s
            .act_on_case(
                &at(a, "2026-11-23T11:40:00+09:00"),
                None,
                case.id,
                Some(now.version),
                &CaseCommand::Acknowledge { note: None },
            )
            .await
            .unwrap();
        assert_eq!(c.stage, Stage::Immediate);
        assert_eq!(c.durations.pre_recovery_seconds, Some(130.0 * 60.0));
        assert_eq!(clock(&c, Target::Acknowledge).state, "missed");
        let c = s
            .act_on_case(
                &at(a, "2026-11-23T12:00:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::Respond {
                    body: "불편을 드려 정말 죄송합니다.".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(c.first_response_at, Some(t("2026-11-23T12:00:00+09:00")));
        assert_eq!(clock(&c, Target::FirstResponse).state, "met");

        // Waiting on the customer pauses the resolve clock; their answer a week later resumes it.
        let c = s
            .act_on_case(
                &at(a, "2026-11-23T12:10:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::WaitForCustomer {
                    note: Some("영수증 사진 요청".into()),
                },
            )
            .await
            .unwrap();
        assert!(c.waiting_on_customer);
        assert_eq!(c.next_deadline, None);
        assert_eq!(clock(&c, Target::Resolve).state, "paused");
        let c = s
            .act_on_case(
                &at(a, "2026-11-30T09:00:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::CustomerReplied {
                    body: Some("사진 보냅니다".into()),
                },
            )
            .await
            .unwrap();
        // 2 h 10 min counted on the 23rd; 21 h 50 min left from 30 November 09:00:
        // 9 h on the 30th, 9 h on 7 December, 3 h 50 min on the 14th → 12:50.
        assert_eq!(
            clock(&c, Target::Resolve).due_at,
            Some(t("2026-12-14T12:50:00+09:00"))
        );

        let c = s
            .act_on_case(
                &at(a, "2026-11-30T10:00:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::Resolve {
                    summary: "재조리 후 전달, 사과 쿠폰 제공".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(c.stage, Stage::FollowUp);
        assert_eq!(c.follow_up_due_at, Some(t("2026-12-03T10:00:00+09:00")));
        assert_eq!(clock(&c, Target::Resolve).state, "met");
        assert_eq!(clock(&c, Target::FollowUp).state, "scheduled");
        let err = s
            .act_on_case(
                &at(a, "2026-11-30T10:05:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::Close {
                    root_cause: DEFAULT_ROOT_CAUSES[0].code.into(),
                    note: "x".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotAllowed(_)), "{err:?}");
        let c = s
            .act_on_case(
                &at(a, "2026-12-03T10:30:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::CompleteFollowUp {
                    satisfaction: Some(4),
                    note: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(c.satisfaction, Some(4));
        let err = s
            .act_on_case(
                &at(a, "2026-12-03T10:31:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::Close {
                    root_cause: "no.such_cause".into(),
                    note: "x".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].field == "root_cause"),
            "{err:?}"
        );
        let c = s
            .act_on_case(
                &at(a, "2026-12-03T10:32:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::Close {
                    root_cause: DEFAULT_ROOT_CAUSES[0].code.into(),
                    note: "주방 인력 부족".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(c.stage, Stage::Closed);
        assert_eq!(c.allowed_actions, vec![CaseAction::Reopen]);
        let c = s
            .act_on_case(
                &at(a, "2026-12-04T09:00:00+09:00"),
                None,
                case.id,
                None,
                &CaseCommand::Reopen {
                    reason: "같은 문제가 다시 발생".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (c.stage, c.reopened_count, c.resolved_at),
            (Stage::Immediate, 1, None)
        );
        assert!(c.clocks.iter().all(|k| k.target != Target::FollowUp));

        let kinds: Vec<String> = s
            .case_history(case.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                "created",
                "sla_warning",
                "sla_breach",
                "acknowledge",
                "respond",
                "wait_for_customer",
                "customer_replied",
                "resolve",
                "complete_follow_up",
                "close",
                "reopen"
            ]
        );
        let messages = s.list_case_messages(case.id).await.unwrap();
        // The reply, the waiting note, the customer's answer, the resolution and the reopen reason.
        assert_eq!(messages.len(), 5, "{messages:?}");
    }
);

both_backends!(
    a_stale_version_changes_nothing_and_other_units_see_nothing,
    |db: TestDb| async move {
        let f = fixture(&db).await;
        let s = &db.store;
        let a = f.agent.employee_id;
        let case = s
            .create_case(
                &at(a, "2026-11-23T10:01:00+09:00"),
                None,
                &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        let err = s
            .act_on_case(
                &at(a, "2026-11-23T10:02:00+09:00"),
                None,
                case.id,
                Some(case.version + 1),
                &CaseCommand::Acknowledge { note: None },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::VersionConflict { current } if current == case.version));
        assert_eq!(s.get_case(case.id).await.unwrap().stage, Stage::PreRecovery);
        let other_unit = f.other_manager.unit_id;
        let err = s
            .act_on_case(
                &at(a, "2026-11-23T10:02:00+09:00"),
                other_unit,
                case.id,
                None,
                &CaseCommand::Acknowledge { note: None },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{err:?}");
        let err = s
            .create_case(
                &at(a, "2026-11-23T10:01:00+09:00"),
                other_unit,
                &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
        let mut bad = case_input(f.unit, "2026-11-23T10:00:00+09:00");
        bad.category = "process.no_such_thing".into();
        bad.assignee_id = Some(f.other_manager.employee_id);
        let err = s
            .create_case(&at(a, "2026-11-23T10:01:00+09:00"), None, &bad)
            .await
            .unwrap_err();
        let StoreError::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["category", "assignee_id"]);
    }
);

both_backends!(
    authority_limits_send_larger_amounts_to_a_manager,
    |db: TestDb| async move {
        let f = fixture(&db).await;
        let s = &db.store;
        let a = f.agent.employee_id;
        let case = s
            .create_case(
                &at(a, "2026-11-23T10:01:00+09:00"),
                None,
                &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        let refund = |amount: i64, currency: &str| NewRecoveryAction {
            kind: rapport_domain::case::RecoveryKind::Refund,
            amount: Some(
                rapport_domain::Money::parse_non_negative("amount", amount, currency).unwrap(),
            ),
            note: "환불".into(),
            guarantee_id: None,
        };
        // Before acknowledging, no recovery action is recorded.
        let err = s
            .request_recovery_action(
                &at(a, "2026-11-23T10:02:00+09:00"),
                &f.agent,
                case.id,
                &refund(1000, "KRW"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::StateConflict(_)), "{err:?}");
        s.act_on_case(
            &at(a, "2026-11-23T10:03:00+09:00"),
            None,
            case.id,
            None,
            &CaseCommand::Acknowledge { note: None },
        )
        .await
        .unwrap();
        let first = s
            .request_recovery_action(
                &at(a, "2026-11-23T10:04:00+09:00"),
                &f.agent,
                case.id,
                &refund(30_000, "KRW"),
            )
            .await
            .unwrap();
        assert_eq!(first.status, rapport_domain::case::ActionStatus::Effective);
        // 20,000 of the 50,000 monthly limit are left: 30,000 more waits for a manager.
        let second = s
            .request_recovery_action(
                &at(a, "2026-11-23T10:05:00+09:00"),
                &f.agent,
                case.id,
                &refund(30_000, "KRW"),
            )
            .await
            .unwrap();
        assert_eq!(
            second.status,
            rapport_domain::case::ActionStatus::PendingApproval
        );
        assert_eq!(
            s.get_case(case.id).await.unwrap().compensation.amount_minor,
            30_000
        );
        let err = s
            .request_recovery_action(
                &at(a, "2026-11-23T10:06:00+09:00"),
                &f.agent,
                case.id,
                &refund(1000, "USD"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e[0].field == "amount.currency"),
            "{err:?}"
        );

        let pending = s
            .list_pending_approvals(Some(f.unit), &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(pending.items.len(), 1);
        for who in [&f.agent2, &f.other_manager] {
            let err = s
                .decide_recovery_action(
                    &at(who.employee_id, "2026-11-23T10:07:00+09:00"),
                    who,
                    second.id,
                    true,
                    "ok",
                )
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
        }
        let approved = s
            .decide_recovery_action(
                &at(f.manager.employee_id, "2026-11-23T10:08:00+09:00"),
                &f.manager,
                second.id,
                true,
                "단골 고객, 승인",
            )
            .await
            .unwrap();
        assert_eq!(
            approved.status,
            rapport_domain::case::ActionStatus::Effective
        );
        assert!(!approved.own_authority);
        let err = s
            .decide_recovery_action(
                &at(f.manager.employee_id, "2026-11-23T10:09:00+09:00"),
                &f.manager,
                second.id,
                false,
                "x",
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::StateConflict(_)), "{err:?}");
        assert_eq!(
            s.get_case(case.id).await.unwrap().compensation.amount_minor,
            60_000
        );
        let kinds: Vec<_> = s
            .list_notifications(a, &PageRequest::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|n| n.kind)
            .collect();
        assert_eq!(kinds, ["action_approved"]);
    }
);

both_backends!(
    two_agents_acting_at_once_never_lose_an_action,
    |db: TestDb| async move {
        let f = fixture(&db).await;
        let s: Arc<dyn Store> = db.store.clone();
        let case = s
            .create_case(
                &at(f.agent.employee_id, "2026-11-23T10:01:00+09:00"),
                None,
                &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        s.act_on_case(
            &at(f.agent.employee_id, "2026-11-23T10:02:00+09:00"),
            None,
            case.id,
            None,
            &CaseCommand::Acknowledge { note: None },
        )
        .await
        .unwrap();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let s = s.clone();
            let who = if i % 2 == 0 {
                f.agent.employee_id
            } else {
                f.agent2.employee_id
            };
            tasks.push(tokio::spawn(async move {
                s.act_on_case(
                    &at(who, "2026-11-23T10:03:00+09:00"),
                    None,
                    case.id,
                    None,
                    &CaseCommand::Respond {
                        body: format!("답변 {i}"),
                    },
                )
                .await
                .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let c = s.get_case(case.id).await.unwrap();
        assert_eq!(c.version, case.version + 21);
        assert_eq!(s.list_case_messages(case.id).await.unwrap().len(), 20);
    }
);

both_backends!(
    concurrent_sweeps_record_each_breach_once,
    |db: TestDb| async move {
        let f = fixture(&db).await;
        let s: Arc<dyn Store> = db.store.clone();
        for _ in 0..10 {
            s.create_case(
                &at(f.agent.employee_id, "2026-11-23T10:01:00+09:00"),
                None,
                &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        }
        // At 15:00: acknowledge (11:00) and first response (14:00) are breached, each after its warning.
        let mut sweeps = Vec::new();
        for _ in 0..4 {
            let s = s.clone();
            sweeps.push(tokio::spawn(async move {
                s.sweep_sla(t("2026-11-23T15:00:00+09:00"), 1000)
                    .await
                    .unwrap()
            }));
        }
        let (mut warnings, mut breaches) = (0, 0);
        for sw in sweeps {
            let o = sw.await.unwrap();
            warnings += o.warnings;
            breaches += o.breaches;
        }
        assert_eq!((warnings, breaches), (20, 20));
        let o = s
            .sweep_sla(t("2026-11-23T15:00:00+09:00"), 1000)
            .await
            .unwrap();
        assert_eq!(o, SweepOutcome::default());
        let breached = s
            .list_cases(
                &CaseFilter {
                    breached: Some(true),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(breached.items.len(), 10);
    }
);

both_backends!(
    the_recovery_summary_counts_what_happened,
    |db: TestDb| async move {
        let f = fixture(&db).await;
        let s = &db.store;
        let a = f.agent.employee_id;
        // Three cases: one staff report acknowledged after 10 min, resolved after 70 min, follow-up
        // satisfaction 5; two complaints, one acknowledged after 30 min; one untouched.
        let mut report = case_input(f.unit, "2026-11-23T10:00:00+09:00");
        report.source = rapport_domain::case::CaseSource::StaffReport;
        let c1 = s
            .create_case(&at(a, "2026-11-23T10:00:00+09:00"), None, &report)
            .await
            .unwrap();
        let c2 = s
            .create_case(
                &at(a, "2026-11-23T10:00:00+09:00"),
                None,
                &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
            )
            .await
            .unwrap();
        s.create_case(
            &at(a, "2026-11-23T10:00:00+09:00"),
            None,
            &case_input(f.unit, "2026-11-23T10:00:00+09:00"),
        )
        .await
        .unwrap();
        s.act_on_case(
            &at(a, "2026-11-23T10:10:00+09:00"),
            None,
            c1.id,
            None,
            &CaseCommand::Acknowledge { note: None },
        )
        .await
        .unwrap();
        s.act_on_case(
            &at(a, "2026-11-23T11:10:00+09:00"),
            None,
            c1.id,
            None,
            &CaseCommand::Resolve {
                summary: "done".into(),
            },
        )
        .await
        .unwrap();
        s.act_on_case(
            &at(a, "2026-11-26T11:10:00+09:00"),
            None,
            c1.id,
            None,
            &CaseCommand::CompleteFollowUp {
                satisfaction: Some(5),
                note: None,
            },
        )
        .await
        .unwrap();
        s.act_on_case(
            &at(a, "2026-11-23T10:30:00+09:00"),
            None,
            c2.id,
            None,
            &CaseCommand::Acknowledge { note: None },
        )
        .await
        .unwrap();
        let sum = s
            .recovery_summary(&SummaryFilter {
                unit: Some(f.unit),
                from: t("2026-11-01T00:00:00Z"),
                to: t("2026-12-01T00:00:00Z"),
            })
            .await
            .unwrap();
        assert_eq!(sum.cases, 3);
        assert_eq!(sum.found_before_complaint, 1);
        let stage = |st: Stage| sum.by_stage.iter().find(|x| x.stage == st).unwrap().cases;
        assert_eq!(
            (
                stage(Stage::PreRecovery),
                stage(Stage::Immediate),
                stage(Stage::FollowUp)
            ),
            (1, 1, 1)
        );
        // Acknowledged after 600 s and 1,800 s: median 1,200; p90 = 600 + 0.9 × 1,200 = 1,680.
        assert_eq!(sum.time_to_acknowledge.n, 2);
        assert_eq!(sum.time_to_acknowledge.median_seconds, Some(1200.0));
        assert_eq!(sum.time_to_acknowledge.p90_seconds, Some(1680.0));
        assert_eq!(sum.time_to_resolve.median_seconds, Some(4200.0));
        // Acknowledge clocks: both met (60 business min); the untouched case's clock still runs.
        let ack = sum
            .sla
            .iter()
            .find(|x| x.target == Target::Acknowledge)
            .unwrap();
        assert_eq!((ack.measured, ack.met), (2, 2));
        assert_eq!(sum.satisfaction.n, 1);
        assert_eq!(sum.satisfaction.mean, Some(5.0));
        // A week later the sweep finds the untouched case's acknowledge clock past its
        // deadline: measured and missed, for the unit and for all units alike.
        s.sweep_sla(t("2026-11-30T12:00:00+09:00"), 100)
            .await
            .unwrap();
        for unit in [Some(f.unit), None] {
            let sum = s
                .recovery_summary(&SummaryFilter {
                    unit,
                    from: t("2026-11-01T00:00:00Z"),
                    to: t("2026-12-01T00:00:00Z"),
                })
                .await
                .unwrap();
            let ack = sum
                .sla
                .iter()
                .find(|x| x.target == Target::Acknowledge)
                .unwrap();
            assert_eq!((ack.measured, ack.met, ack.missed), (3, 2, 1), "{unit:?}");
            assert_eq!(ack.compliance, Some(2.0 / 3.0));
            assert_eq!(sum.cases, 3);
        }
        let empty = s
            .recovery_summary(&SummaryFilter {
                unit: Some(f.unit),
                from: t("2025-01-01T00:00:00Z"),
                to: t("2025-02-01T00:00:00Z"),
            })
            .await
            .unwrap();
        assert_eq!(empty.cases, 0);
        assert_eq!(empty.time_to_acknowledge.median_seconds, None);
    }
);

both_backends!(
    cases_opened_at_once_get_distinct_consecutive_numbers,
    |db: TestDb| async move {
        let f = fixture(&db).await;
        let s: Arc<dyn Store> = db.store.clone();
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let s = s.clone();
            let (unit, agent) = (f.unit, f.agent.employee_id);
            tasks.push(tokio::spawn(async move {
                s.create_case(
                    &at(agent, "2026-11-23T10:01:00+09:00"),
                    None,
                    &case_input(unit, "2026-11-23T10:00:00+09:00"),
                )
                .await
                .unwrap()
                .number
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.unwrap());
        }
        numbers.sort();
        let expected: Vec<String> = (1..=40).map(|n| format!("R-2026-{n:06}")).collect();
        assert_eq!(numbers, expected);
        let listed = s
            .list_cases(
                &CaseFilter {
                    unit: Some(f.unit),
                    open_only: true,
                    ..Default::default()
                },
                &PageRequest {
                    after: None,
                    limit: 25,
                },
            )
            .await
            .unwrap();
        assert_eq!(listed.items.len(), 25);
        let cursor = listed.next_cursor.expect("a second page");
        let rest = s
            .list_cases(
                &CaseFilter {
                    unit: Some(f.unit),
                    open_only: true,
                    ..Default::default()
                },
                &PageRequest::parse(Some(&cursor), Some(25)).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 15);
        // Sorted by nearest deadline: all share one here, so by age.
        let deadlines: Vec<_> = listed
            .items
            .iter()
            .chain(&rest.items)
            .map(|c| c.next_deadline)
            .collect();
        assert!(deadlines.windows(2).all(|w| w[0] <= w[1]));
    }
);
