//! End-to-end tests of the JSON API over real HTTP, each on SQLite and on PostgreSQL.

mod common;

use common::{TestApp, encounter, fields, id_of, problem};
use rapport_store::both_backends;
use rapport_store::testing::TestDb;
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    a_request_without_a_valid_token_is_refused,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let r = app
            .client
            .get(format!("{}/api/v1/units", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        problem(r, 401).await;
        problem(
            app.get("/api/v1/units", "rpt_not-a-real-token-at-all-000000000000")
                .await,
            401,
        )
        .await;
    }
);

both_backends!(
    bad_unit_input_names_each_field_and_writes_nothing,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let body = json!({"name": {"ko": "", "en": "Gangnam"}, "time_zone": "Mars/Olympus",
                      "calendar": {"weekly": {"mon": [["18:00", "09:00"]]}}});
        let p = problem(app.post("/api/v1/units", &app.admin, &body).await, 422).await;
        assert_eq!(
            fields(&p),
            ["name.ko", "time_zone", "calendar.weekly.mon[0]"]
        );
        let p = problem(
            app.post(
                "/api/v1/units",
                &app.admin,
                &json!({"name": {"ko": "a", "en": "b"}, "time_zone": "UTC", "colour": 1}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["colour"]);
        assert_eq!(p["errors"][0]["code"], "unknown_field");
        let p = problem(
            app.post(
                "/api/v1/units",
                &app.admin,
                &json!({"name": {"ko": "a", "en": 5}, "time_zone": "UTC"}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["name.en"]);
        let r = app
            .request(Method::POST, "/api/v1/units", &app.admin)
            .body("{\"name\":")
            .header("content-type", "application/json");
        problem(r.send().await.unwrap(), 400).await;
        let r = app
            .request(Method::POST, "/api/v1/units", &app.admin)
            .body("name=x")
            .header("content-type", "text/plain");
        problem(r.send().await.unwrap(), 415).await;
        let list: Value = app
            .get("/api/v1/units", &app.admin)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            list["items"].as_array().unwrap().is_empty(),
            "nothing was written"
        );
    }
);

both_backends!(
    a_stale_version_answers_409_and_changes_nothing,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let body = |ko: &str, version: i64| json!({"name": {"ko": ko, "en": "x"}, "time_zone": "Asia/Seoul", "version": version});
        let first = app
            .put(
                &format!("/api/v1/units/{unit}"),
                &app.admin,
                &body("역삼점", 1),
            )
            .await;
        assert_eq!(first.status(), 200);
        let p = problem(
            app.put(
                &format!("/api/v1/units/{unit}"),
                &app.admin,
                &body("선릉점", 1),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(p["current_version"], 2);
        assert_eq!(fields(&p), ["version"]);
        let now: Value = app
            .get(&format!("/api/v1/units/{unit}"), &app.admin)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(now["name"]["ko"], "역삼점");
        let p = problem(
            app.put(
                &format!("/api/v1/units/{unit}"),
                &app.admin,
                &json!({"name": {"ko": "a", "en": "b"}, "time_zone": "UTC"}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["version"]);
    }
);

both_backends!(
    roles_are_enforced_on_every_kind_of_route,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let other = app.unit("부산점").await;
        let (_, viewer) = app.staff(Some(unit), "viewer", "viewer@test.example").await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let (manager_id, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;
        let tp_body = |u| {
            json!({"unit_id": u, "name": {"ko": "창구", "en": "Counter"}, "channel": "phone",
                             "journey_stage": "before", "customer_presence_minutes": 3, "service_creation_minutes": 5})
        };
        // A viewer reads but does not write; an agent does not configure; a manager configures
        // their own unit only; nobody but an admin creates units.
        assert_eq!(app.get("/api/v1/touchpoints", &viewer).await.status(), 200);
        problem(
            app.post("/api/v1/customers", &viewer, &json!({"name": "김민수"}))
                .await,
            403,
        )
        .await;
        problem(
            app.post("/api/v1/touchpoints", &agent, &tp_body(unit))
                .await,
            403,
        )
        .await;
        assert_eq!(
            app.post("/api/v1/touchpoints", &manager, &tp_body(unit))
                .await
                .status(),
            201
        );
        problem(
            app.post("/api/v1/touchpoints", &manager, &tp_body(other))
                .await,
            403,
        )
        .await;
        problem(
            app.post(
                "/api/v1/units",
                &manager,
                &json!({"name": {"ko": "a", "en": "b"}, "time_zone": "UTC"}),
            )
            .await,
            403,
        )
        .await;
        problem(app.get("/api/v1/audit", &manager).await, 403).await;
        // Units of others are invisible, not merely forbidden.
        problem(
            app.get(&format!("/api/v1/units/{other}"), &manager).await,
            404,
        )
        .await;
        let units: Value = app
            .get("/api/v1/units", &viewer)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(units["items"].as_array().unwrap().len(), 1);
        // A manager hires agents for their unit, but never admins.
        let hire = |role: &str, email: &str, u| {
            json!({"name": "신입", "email": email, "role": role, "unit_id": u,
        "authority_limit": {"amount_minor": 10000, "currency": "KRW"}})
        };
        assert_eq!(
            app.post(
                "/api/v1/employees",
                &manager,
                &hire("agent", "new@test.example", unit)
            )
            .await
            .status(),
            201
        );
        let p = problem(
            app.post(
                "/api/v1/employees",
                &manager,
                &hire("admin", "boss@test.example", unit),
            )
            .await,
            403,
        )
        .await;
        assert_eq!(fields(&p), ["role"]);
        problem(
            app.post(
                "/api/v1/employees",
                &manager,
                &hire("agent", "far@test.example", other),
            )
            .await,
            403,
        )
        .await;
        // Nobody raises their own authority.
        let me: Value = app
            .get(&format!("/api/v1/employees/{manager_id}"), &manager)
            .await
            .json()
            .await
            .unwrap();
        let mut raise = hire("manager", "manager@test.example", unit);
        raise["authority_limit"]["amount_minor"] = json!(99_999_999);
        raise["version"] = me["version"].clone();
        problem(
            app.put(&format!("/api/v1/employees/{manager_id}"), &manager, &raise)
                .await,
            403,
        )
        .await;
    }
);

both_backends!(
    tokens_are_shown_once_and_stop_working_when_revoked,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (agent_id, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let me: Value = app.get("/api/v1/me", &agent).await.json().await.unwrap();
        assert_eq!(me["id"], agent_id.to_string());
        let r = app
            .post(
                &format!("/api/v1/employees/{agent_id}/tokens"),
                &agent,
                &json!({"name": "laptop"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let created: Value = r.json().await.unwrap();
        let second = created["token"].as_str().unwrap().to_owned();
        let listed: Value = app
            .get(&format!("/api/v1/employees/{agent_id}/tokens"), &agent)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            !listed.to_string().contains(&second),
            "a listing never shows the secret"
        );
        assert_eq!(
            app.delete(
                &format!("/api/v1/tokens/{}", created["id"].as_str().unwrap()),
                &agent
            )
            .await
            .status(),
            200
        );
        problem(app.get("/api/v1/me", &second).await, 401).await;
        assert_eq!(app.get("/api/v1/me", &agent).await.status(), 200);
        // Another employee's tokens are out of reach.
        let (_, other) = app.staff(Some(unit), "agent", "other@test.example").await;
        problem(
            app.get(&format!("/api/v1/employees/{agent_id}/tokens"), &other)
                .await,
            404,
        )
        .await;
    }
);

both_backends!(the_last_admin_cannot_be_demoted, |db: TestDb| async move {
    let app = TestApp::spawn(db).await;
    let me: Value = app
        .get("/api/v1/me", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let unit = app.unit("본사").await;
    let body = json!({"name": "관리자", "email": "admin@test.example", "role": "manager", "unit_id": unit,
                      "authority_limit": {"amount_minor": 0, "currency": "KRW"}, "version": me["version"]});
    let p = problem(
        app.put(
            &format!("/api/v1/employees/{}", me["id"].as_str().unwrap()),
            &app.admin,
            &body,
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "last_admin");
    let dup = json!({"name": "x", "email": "ADMIN@test.example", "role": "agent", "unit_id": unit,
                     "authority_limit": {"amount_minor": 0, "currency": "KRW"}});
    let p = problem(app.post("/api/v1/employees", &app.admin, &dup).await, 409).await;
    assert_eq!(fields(&p), ["email"]);
});

both_backends!(
    a_batch_reports_every_bad_row_and_writes_nothing,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 10.0).await;
        let mut batch: Vec<Value> = (0..6)
            .map(|_| encounter(tp, "2026-03-02T10:00:00+09:00"))
            .collect();
        batch[1]["ended_at"] = json!("2026-03-02T09:00:00+09:00");
        batch[4]["revenue"] = json!({"amount_minor": 100, "currency": "XXY"});
        batch[4]["waiting_seconds"] = json!(-3);
        let p = problem(
            app.post(
                "/api/v1/encounters",
                &app.admin,
                &Value::Array(batch.clone()),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(
            fields(&p),
            [
                "[1].ended_at",
                "[4].waiting_seconds",
                "[4].revenue.currency"
            ]
        );
        // Valid shape but an unknown customer at row 5: still nothing written.
        batch[1] = encounter(tp, "2026-03-02T10:00:00+09:00");
        batch[4] = encounter(tp, "2026-03-02T10:00:00+09:00");
        batch[5]["customer_id"] = json!(uuid::Uuid::now_v7());
        let p = problem(
            app.post(
                "/api/v1/encounters",
                &app.admin,
                &Value::Array(batch.clone()),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["[5].customer_id"]);
        batch[2]["outcome"] = json!("maybe");
        let p = problem(
            app.post("/api/v1/encounters", &app.admin, &Value::Array(batch))
                .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["[2].outcome"]);
        let list: Value = app
            .get("/api/v1/encounters", &app.admin)
            .await
            .json()
            .await
            .unwrap();
        assert!(list["items"].as_array().unwrap().is_empty());
        let huge = Value::Array(
            (0..10_001)
                .map(|_| encounter(tp, "2026-03-02T10:00:00+09:00"))
                .collect(),
        );
        problem(app.post("/api/v1/encounters", &app.admin, &huge).await, 422).await;
    }
);

both_backends!(
    encounters_feed_the_measured_contact_level,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 10.0).await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let before: Value = app
            .get(&format!("/api/v1/touchpoints/{tp}"), &agent)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (before["level"].as_str(), before["level_basis"].as_str()),
            (Some("high"), Some("designed"))
        );
        // One logged singly, 39 in a batch: 2 of 10 minutes present, so intensity 0.2.
        let one = app
            .post(
                "/api/v1/encounters",
                &agent,
                &encounter(tp, "2026-03-02T10:00:00+09:00"),
            )
            .await;
        assert_eq!(one.status(), 201);
        let one: Value = one.json().await.unwrap();
        assert_eq!(one["presence_seconds"], 120);
        assert_eq!(one["unit_id"], unit.to_string());
        let batch = Value::Array(
            (0..39)
                .map(|_| encounter(tp, "2026-03-03T10:00:00+09:00"))
                .collect(),
        );
        let r = app.post("/api/v1/encounters", &agent, &batch).await;
        assert_eq!(r.status(), 201);
        assert_eq!(r.json::<Value>().await.unwrap()["count"], 39);
        let after: Value = app
            .get(&format!("/api/v1/touchpoints/{tp}"), &agent)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(after["totals"]["encounters"], 40);
        assert!((after["measured_intensity"].as_f64().unwrap() - 0.2).abs() < 1e-9);
        assert_eq!(
            (after["level"].as_str(), after["level_basis"].as_str()),
            (Some("low"), Some("measured"))
        );
        let got: Value = app
            .get(
                &format!("/api/v1/encounters/{}", one["id"].as_str().unwrap()),
                &agent,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(got["started_at"], "2026-03-02T01:00:00Z");
    }
);

both_backends!(
    agents_log_and_see_encounters_of_their_own_unit_only,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let other = app.unit("부산점").await;
        let far = app.touchpoint(other, 5.0, 5.0).await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let p = problem(
            app.post(
                "/api/v1/encounters",
                &agent,
                &encounter(far, "2026-03-02T10:00:00+09:00"),
            )
            .await,
            403,
        )
        .await;
        assert_eq!(fields(&p), ["touchpoint_id"]);
        let r = app
            .post(
                "/api/v1/encounters",
                &app.admin,
                &encounter(far, "2026-03-02T10:00:00+09:00"),
            )
            .await;
        let id = id_of(r).await;
        problem(
            app.get(&format!("/api/v1/encounters/{id}"), &agent).await,
            404,
        )
        .await;
        let mine: Value = app
            .get("/api/v1/encounters", &agent)
            .await
            .json()
            .await
            .unwrap();
        assert!(mine["items"].as_array().unwrap().is_empty());
        let p = problem(
            app.get("/api/v1/encounters?from=yesterday", &agent).await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["from"]);
        let p = problem(app.get("/api/v1/encounters?limit=0", &agent).await, 422).await;
        assert_eq!(fields(&p), ["limit"]);
    }
);

both_backends!(
    customers_are_searched_updated_and_erased,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let (_, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;
        let body = json!({"name": "김민수", "phone": "010-1234-5678", "locale": "ko", "tier": "vip",
                      "preferences": ["창가 자리"], "important_dates": [{"kind": "anniversary", "label": "결혼기념일", "month": 5, "day": 21}]});
        let r = app.post("/api/v1/customers", &agent, &body).await;
        assert_eq!(r.status(), 201);
        let id = id_of(r).await;
        let found: Value = app
            .get("/api/v1/customers?q=%E3%84%B1%E3%85%81%E3%85%85", &agent)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            found["items"][0]["name"], "김민수",
            "초성 ㄱㅁㅅ finds 김민수"
        );
        let found: Value = app
            .get("/api/v1/customers?q=5678", &agent)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let p = problem(
        app.post("/api/v1/customers", &agent, &json!({"name": "x", "important_dates": [{"kind": "birthday", "month": 13, "day": 1}]}))
            .await,
        422,
    )
    .await;
        assert_eq!(fields(&p), ["important_dates[0].month"]);
        let mut update = body.clone();
        update["tier"] = json!("gold");
        update["version"] = json!(1);
        assert_eq!(
            app.put(&format!("/api/v1/customers/{id}"), &agent, &update)
                .await
                .status(),
            200
        );
        problem(
            app.put(&format!("/api/v1/customers/{id}"), &agent, &update)
                .await,
            409,
        )
        .await;
        problem(
            app.delete(&format!("/api/v1/customers/{id}"), &agent).await,
            403,
        )
        .await;
        assert_eq!(
            app.delete(&format!("/api/v1/customers/{id}"), &manager)
                .await
                .status(),
            204
        );
        problem(
            app.get(&format!("/api/v1/customers/{id}"), &agent).await,
            404,
        )
        .await;
    }
);

both_backends!(
    the_audit_trail_shows_who_changed_what,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (manager_id, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;
        let cal = json!({"name": {"ko": "강남점", "en": "Gangnam"}, "time_zone": "Asia/Seoul", "version": 1,
                     "calendar": {"weekly": {"mon": [["09:00", "18:00"]]}, "holidays": [{"date": "2026-09-25", "name": "추석"}]}});
        assert_eq!(
            app.put(&format!("/api/v1/units/{unit}"), &manager, &cal)
                .await
                .status(),
            200
        );
        let audit: Value = app
            .get(
                &format!("/api/v1/audit?entity=unit&entity_id={unit}"),
                &app.admin,
            )
            .await
            .json()
            .await
            .unwrap();
        let first = &audit["items"][0];
        assert_eq!(first["action"], "unit.update");
        assert_eq!(first["actor_id"], manager_id.to_string());
        assert_eq!(first["details"]["calendar"]["holidays"][0]["name"], "추석");
    }
);

both_backends!(
    health_metrics_and_the_api_document_are_served,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        assert_eq!(
            app.client
                .get(format!("{}/healthz", app.base))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let ready: Value = app
            .client
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["status"], "ready");
        app.get("/api/v1/units", &app.admin).await;
        let metrics = app
            .client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains("rapport_http_requests_total"), "{metrics}");
        assert!(metrics.contains("path=\"/api/v1/units\""));
        let doc: Value = app
            .client
            .get(format!("{}/api/v1/openapi.json", app.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let explorer = app
            .client
            .get(format!("{}/api/docs/", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(explorer.status(), 200);
        assert!(explorer.text().await.unwrap().contains("swagger"));
        problem(app.get("/api/v1/nothing-here", &app.admin).await, 404).await;
        problem(app.get("/api/v1/units/not-a-uuid", &app.admin).await, 404).await;
    }
);
