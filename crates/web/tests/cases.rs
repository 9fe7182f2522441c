//! Recovery cases over real HTTP, on SQLite and on PostgreSQL: every stage, the errors a
//! client can make, approvals by the right person, and the recovery report.

mod common;

use common::{TestApp, fields, problem};
use rapport_domain::taxonomy::{DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES};
use rapport_store::both_backends;
use rapport_store::testing::TestDb;
use serde_json::{Value, json};

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    let code = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(code, status, "{body}");
    body
}

fn new_case(unit: uuid::Uuid) -> Value {
    json!({"source": "complaint", "channel": "in_person", "unit_id": unit,
           "category": DEFAULT_CATEGORIES[0].code, "severity": 2,
           "description": "<script>alert(1)</script> 주문이 누락되었습니다"})
}

both_backends!(
    a_case_goes_through_every_stage_over_http,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@x.kr").await;
        let (_, viewer) = app.staff(Some(unit), "viewer", "viewer@x.kr").await;
        let other = app.unit("역삼점").await;
        let (_, stranger) = app.staff(Some(other), "agent", "stranger@x.kr").await;

        problem(
            app.post("/api/v1/cases", &viewer, &new_case(unit)).await,
            403,
        )
        .await;
        let case = json_of(
            app.post("/api/v1/cases", &agent, &new_case(unit)).await,
            201,
        )
        .await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["stage"], "pre_recovery");
        assert_eq!(
            case["description"],
            "<script>alert(1)</script> 주문이 누락되었습니다"
        );
        assert_eq!(case["clocks"].as_array().unwrap().len(), 3);
        problem(
            app.get(&format!("/api/v1/cases/{id}"), &stranger).await,
            404,
        )
        .await;

        let p = problem(
            app.post(
                &format!("/api/v1/cases/{id}/resolve"),
                &agent,
                &json!({"summary": "done"}),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(p["allowed_actions"], json!(["acknowledge"]));
        let p = problem(
            app.post(
                &format!("/api/v1/cases/{id}/acknowledge"),
                &agent,
                &json!({"version": 7}),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(p["current_version"], 1);

        let steps = [
            ("acknowledge", json!({"version": 1}), "immediate"),
            (
                "respond",
                json!({"body": "불편을 드려 죄송합니다. 바로 확인하겠습니다."}),
                "immediate",
            ),
            (
                "wait-for-customer",
                json!({"note": "주문 번호 확인 요청"}),
                "immediate",
            ),
            (
                "customer-replied",
                json!({"body": "주문번호는 1234입니다"}),
                "immediate",
            ),
            (
                "resolve",
                json!({"summary": "누락된 메뉴를 다시 조리해 전달"}),
                "follow_up",
            ),
            ("follow-up", json!({"satisfaction": 5}), "follow_up"),
            (
                "close",
                json!({"root_cause": DEFAULT_ROOT_CAUSES[0].code, "note": "주문 입력 누락"}),
                "closed",
            ),
            (
                "reopen",
                json!({"reason": "고객이 다시 연락함"}),
                "immediate",
            ),
        ];
        for (action, body, stage) in steps {
            let c = json_of(
                app.post(&format!("/api/v1/cases/{id}/{action}"), &agent, &body)
                    .await,
                200,
            )
            .await;
            assert_eq!(c["stage"], stage, "after {action}");
        }
        let history = json_of(
            app.get(&format!("/api/v1/cases/{id}/history"), &viewer)
                .await,
            200,
        )
        .await;
        let kinds: Vec<_> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "created",
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
        let note = json_of(
            app.post(
                &format!("/api/v1/cases/{id}/messages"),
                &agent,
                &json!({"kind": "note", "body": "내부 메모"}),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(note["id"], id);
        let messages = json_of(
            app.get(&format!("/api/v1/cases/{id}/messages"), &viewer)
                .await,
            200,
        )
        .await;
        assert_eq!(messages.as_array().unwrap().last().unwrap()["kind"], "note");
    }
);

both_backends!(
    bad_case_input_names_the_field_and_writes_nothing,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@x.kr").await;
        let p = problem(
        app.post(
            "/api/v1/cases",
            &agent,
            &json!({"source": "complaint", "channel": "phone", "unit_id": unit, "category": "nonsense",
                    "severity": 7, "description": "x", "detected_at": "2026-01-01T00:00:00"}),
        )
        .await,
        422,
    )
    .await;
        assert_eq!(fields(&p), ["category", "severity", "detected_at"]);
        let p = problem(
            app.post(
                "/api/v1/cases",
                &agent,
                &json!({"source": "rumour", "channel": "phone"}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["source"]);
        let list = json_of(app.get("/api/v1/cases", &agent).await, 200).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);

        let case = json_of(
            app.post("/api/v1/cases", &agent, &new_case(unit)).await,
            201,
        )
        .await;
        let id = case["id"].as_str().unwrap();
        app.post(
            &format!("/api/v1/cases/{id}/acknowledge"),
            &agent,
            &json!({}),
        )
        .await;
        app.post(
            &format!("/api/v1/cases/{id}/resolve"),
            &agent,
            &json!({"summary": "ok"}),
        )
        .await;
        let p = problem(
            app.post(
                &format!("/api/v1/cases/{id}/follow-up"),
                &agent,
                &json!({"satisfaction": 9}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["satisfaction"]);
        let c = json_of(app.get(&format!("/api/v1/cases/{id}"), &agent).await, 200).await;
        assert_eq!(c["follow_up_done_at"], Value::Null);
        let p = problem(
            app.post(
                &format!("/api/v1/cases/{id}/recovery-actions"),
                &agent,
                &json!({"kind": "refund", "amount": {"amount_minor": -5, "currency": "KRW"}}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["amount.amount_minor"]);
        let p = problem(
            app.post(
                &format!("/api/v1/cases/{id}/recovery-actions"),
                &agent,
                &json!({"kind": "voucher", "amount": {"amount_minor": 5000, "currency": "USD"}}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["amount.currency"]);
        let actions = json_of(
            app.get(&format!("/api/v1/cases/{id}/recovery-actions"), &agent)
                .await,
            200,
        )
        .await;
        assert_eq!(actions, json!([]));
    }
);

both_backends!(
    only_a_manager_of_the_unit_approves_above_an_agents_authority,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        // Staff get an authority limit of 30,000 KRW.
        let (_, agent) = app.staff(Some(unit), "agent", "agent@x.kr").await;
        let (_, agent2) = app.staff(Some(unit), "agent", "agent2@x.kr").await;
        let (_, manager) = app.staff(Some(unit), "manager", "manager@x.kr").await;
        let other = app.unit("역삼점").await;
        let (_, other_manager) = app.staff(Some(other), "manager", "other@x.kr").await;
        let case = json_of(
            app.post("/api/v1/cases", &agent, &new_case(unit)).await,
            201,
        )
        .await;
        let id = case["id"].as_str().unwrap();
        app.post(
            &format!("/api/v1/cases/{id}/acknowledge"),
            &agent,
            &json!({}),
        )
        .await;
        let small = json_of(
        app.post(&format!("/api/v1/cases/{id}/recovery-actions"), &agent,
            &json!({"kind": "voucher", "amount": {"amount_minor": 10000, "currency": "KRW"}, "note": "사과 쿠폰"})).await,
        201,
    )
    .await;
        assert_eq!(small["status"], "effective");
        let big = json_of(
            app.post(
                &format!("/api/v1/cases/{id}/recovery-actions"),
                &agent,
                &json!({"kind": "refund", "amount": {"amount_minor": 25000, "currency": "KRW"}}),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(big["status"], "pending_approval");
        let big_id = big["id"].as_str().unwrap();
        let approvals = json_of(app.get("/api/v1/approvals", &manager).await, 200).await;
        assert_eq!(approvals["items"][0]["id"], big_id);
        problem(app.get("/api/v1/approvals", &agent).await, 403).await;
        for who in [&agent2, &other_manager] {
            let p = problem(
                app.post(
                    &format!("/api/v1/recovery-actions/{big_id}/approve"),
                    who,
                    &json!({"reason": "ok"}),
                )
                .await,
                403,
            )
            .await;
            assert_eq!(fields(&p), ["approver"]);
        }
        let p = problem(
            app.post(
                &format!("/api/v1/recovery-actions/{big_id}/approve"),
                &manager,
                &json!({"reason": " "}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["reason"]);
        let ok = json_of(
            app.post(
                &format!("/api/v1/recovery-actions/{big_id}/approve"),
                &manager,
                &json!({"reason": "VIP 고객"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(ok["status"], "effective");
        problem(
            app.post(
                &format!("/api/v1/recovery-actions/{big_id}/reject"),
                &manager,
                &json!({"reason": "late"}),
            )
            .await,
            409,
        )
        .await;
        let c = json_of(app.get(&format!("/api/v1/cases/{id}"), &agent).await, 200).await;
        assert_eq!(
            c["compensation"],
            json!({"amount_minor": 35000, "currency": "KRW"})
        );
        let n = json_of(app.get("/api/v1/notifications", &agent).await, 200).await;
        assert_eq!(n["items"][0]["kind"], "action_approved");
    }
);

both_backends!(
    a_case_logged_late_is_breached_at_once_and_the_report_says_so,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@x.kr").await;
        let now = rapport_domain::Timestamp::now();
        let mut body = new_case(unit);
        body["detected_at"] = json!(now.plus_seconds(-30 * 86_400).to_rfc3339());
        body["occurred_at"] = json!(now.plus_seconds(-31 * 86_400).to_rfc3339());
        let case = json_of(app.post("/api/v1/cases", &agent, &body).await, 201).await;
        assert_eq!(case["breached"], true);
        let breached = json_of(
            app.get("/api/v1/cases?breached=true&open=true", &agent)
                .await,
            200,
        )
        .await;
        assert_eq!(breached["items"][0]["id"], case["id"]);
        let report = json_of(app.get("/api/v1/reports/recovery", &agent).await, 200).await;
        assert_eq!(report["cases"], 1);
        assert_eq!(report["found_before_complaint"], 0);
        let csv = app.get("/api/v1/reports/recovery?format=csv", &agent).await;
        assert_eq!(csv.status(), 200);
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.unwrap();
        assert!(text.starts_with("metric,key,value\ncases,,1\n"), "{text}");
        let p = problem(
            app.get("/api/v1/reports/recovery?format=xml", &agent).await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["format"]);
    }
);
