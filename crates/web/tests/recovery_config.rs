//! The recovery configuration API over real HTTP, on SQLite and on PostgreSQL: taxonomy,
//! templates, SLA policies, compensation guidelines, guarantees and the authority period.

mod common;

use common::{TestApp, fields, id_of, problem};
use rapport_store::Change;
use rapport_store::both_backends;
use rapport_store::testing::TestDb;
use serde_json::{Value, json};

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

fn category(code: &str, ko: &str) -> Value {
    json!({"code": code, "kind": "process", "name": {"ko": ko, "en": "Parking trouble"},
           "description": {"ko": "주차할 곳이 없었습니다.", "en": "There was nowhere to park."}})
}

fn with(mut base: Value, extra: Value) -> Value {
    base.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    base
}

both_backends!(
    the_taxonomy_is_read_by_all_and_edited_by_admins,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, viewer) = app.staff(Some(unit), "viewer", "viewer@test.example").await;
        let (_, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;

        let list = json_of(app.get("/api/v1/taxonomy/categories", &viewer).await, 200).await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            rapport_domain::taxonomy::DEFAULT_CATEGORIES.len()
        );
        assert_eq!(items[0]["name"]["ko"], "잘못 제공되거나 빠진 항목");
        assert!(list["next_cursor"].is_null());

        // Only admins write; bad input names the field and writes nothing.
        let body = category("process.parking", "주차 불편");
        problem(
            app.post("/api/v1/taxonomy/categories", &manager, &body)
                .await,
            403,
        )
        .await;
        let p = problem(
            app.post(
                "/api/v1/taxonomy/categories",
                &app.admin,
                &with(
                    body.clone(),
                    json!({"code": "outcome.parking", "name": {"ko": "", "en": "x"}}),
                ),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["code", "name.ko"]);
        let created = json_of(
            app.post("/api/v1/taxonomy/categories", &app.admin, &body)
                .await,
            201,
        )
        .await;
        assert_eq!(
            (created["version"].as_i64(), created["active"].as_bool()),
            (Some(1), Some(true))
        );
        let p = problem(
            app.post("/api/v1/taxonomy/categories", &app.admin, &body)
                .await,
            409,
        )
        .await;
        assert_eq!(fields(&p), ["code"]);

        // Versioned updates: a stale one changes nothing.
        let path = "/api/v1/taxonomy/categories/process.parking";
        json_of(
            app.put(
                path,
                &app.admin,
                &with(
                    category("process.parking", "주차 문제"),
                    json!({"version": 1}),
                ),
            )
            .await,
            200,
        )
        .await;
        let p = problem(
            app.put(
                path,
                &app.admin,
                &with(
                    category("process.parking", "덮어쓰기"),
                    json!({"version": 1}),
                ),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(p["current_version"], 2);
        let p = problem(
            app.put(path, &app.admin, &category("process.parking", "버전 없음"))
                .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["version"]);
        assert_eq!(
            json_of(app.get(path, &viewer).await, 200).await["name"]["ko"],
            "주차 문제"
        );

        // Deactivated, not deleted: still readable, and filtered out of the active list.
        let retired = json_of(
            app.put(
                path,
                &app.admin,
                &with(
                    category("process.parking", "주차 문제"),
                    json!({"version": 2, "active": false}),
                ),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(retired["active"], false);
        assert_eq!(
            json_of(app.get(path, &viewer).await, 200).await["active"],
            false
        );
        let active = json_of(
            app.get("/api/v1/taxonomy/categories?active=true", &viewer)
                .await,
            200,
        )
        .await;
        assert!(
            active["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["code"] != "process.parking")
        );
        problem(
            app.put(
                "/api/v1/taxonomy/categories/process.nowhere",
                &app.admin,
                &with(category("process.nowhere", "없음"), json!({"version": 1})),
            )
            .await,
            404,
        )
        .await;
        problem(
            app.get("/api/v1/taxonomy/categories/process.nowhere", &viewer)
                .await,
            404,
        )
        .await;

        // Root causes: same shape.
        let cause =
            json!({"code": "cause.night_shift", "name": {"ko": "야간 근무", "en": "Night shift"}});
        json_of(
            app.post("/api/v1/taxonomy/root-causes", &app.admin, &cause)
                .await,
            201,
        )
        .await;
        let p = problem(
            app.post(
                "/api/v1/taxonomy/root-causes",
                &app.admin,
                &with(cause.clone(), json!({"code": "process.night"})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["code"]);
        let got = json_of(
            app.get("/api/v1/taxonomy/root-causes/cause.night_shift", &viewer)
                .await,
            200,
        )
        .await;
        assert_eq!(got["name"]["en"], "Night shift");
        let causes = json_of(app.get("/api/v1/taxonomy/root-causes", &viewer).await, 200).await;
        assert_eq!(
            causes["items"].as_array().unwrap().len(),
            rapport_domain::taxonomy::DEFAULT_ROOT_CAUSES.len() + 1
        );
    }
);

both_backends!(
    templates_are_filtered_paged_and_checked,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let (_, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;

        let first = json_of(
            app.get("/api/v1/templates?locale=en&part=apology&limit=2", &agent)
                .await,
            200,
        )
        .await;
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = json_of(
            app.get(
                &format!("/api/v1/templates?locale=en&part=apology&limit=50&cursor={cursor}"),
                &agent,
            )
            .await,
            200,
        )
        .await;
        let all: Vec<&Value> = first["items"]
            .as_array()
            .unwrap()
            .iter()
            .chain(second["items"].as_array().unwrap())
            .collect();
        assert!(all.len() >= 3, "general, outcome and process apologies");
        assert!(
            all.iter()
                .all(|t| t["locale"] == "en" && t["part"] == "apology")
        );
        let p = problem(app.get("/api/v1/templates?locale=fr", &agent).await, 422).await;
        assert_eq!(fields(&p), ["locale"]);

        let body = json!({"code": "apology.parking", "locale": "ko", "part": "apology", "kind": "process",
                          "title": "주차 사과", "body": "{{customer_name}} 고객님, 주차로 불편을 드려 죄송합니다."});
        problem(app.post("/api/v1/templates", &manager, &body).await, 403).await;
        let p = problem(
            app.post(
                "/api/v1/templates",
                &app.admin,
                &with(body.clone(), json!({"body": "{{손님}} 죄송합니다."})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["body"]);
        let id = id_of(app.post("/api/v1/templates", &app.admin, &body).await).await;
        let p = problem(app.post("/api/v1/templates", &app.admin, &body).await, 409).await;
        assert_eq!(fields(&p), ["code"]);

        let path = format!("/api/v1/templates/{id}");
        json_of(
            app.put(
                &path,
                &app.admin,
                &with(
                    body.clone(),
                    json!({"version": 1, "title": "주차 관련 사과"}),
                ),
            )
            .await,
            200,
        )
        .await;
        problem(
            app.put(
                &path,
                &app.admin,
                &with(body.clone(), json!({"version": 1, "title": "덮어쓰기"})),
            )
            .await,
            409,
        )
        .await;
        problem(
            app.delete(&format!("{path}?version=1"), &app.admin).await,
            409,
        )
        .await;
        assert_eq!(
            json_of(app.get(&path, &agent).await, 200).await["title"],
            "주차 관련 사과"
        );
        let p = problem(app.delete(&path, &app.admin).await, 422).await;
        assert_eq!(fields(&p), ["version"]);
        let r = app.delete(&format!("{path}?version=2"), &app.admin).await;
        assert_eq!(r.status(), 204);
        problem(app.get(&path, &agent).await, 404).await;
    }
);

fn policy(unit: Option<uuid::Uuid>) -> Value {
    json!({"name": "VIP 전화", "position": 10, "unit_id": unit, "severities": [1, 2], "tiers": ["vip"],
           "channels": ["phone"], "basis": "calendar", "acknowledge_minutes": 15, "resolve_minutes": 480,
           "follow_up_after_days": 1, "warn_share": 0.5})
}

both_backends!(
    sla_policies_are_managed_within_the_unit,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let gangnam = app.unit("강남점").await;
        let busan = app.unit("부산점").await;
        let (_, manager) = app
            .staff(Some(gangnam), "manager", "manager@test.example")
            .await;
        let (_, agent) = app
            .staff(Some(gangnam), "agent", "agent@test.example")
            .await;
        let (_, busan_manager) = app
            .staff(Some(busan), "manager", "busan@test.example")
            .await;

        // A unit's managers manage its policies; other units' and global ones are refused.
        problem(
            app.post("/api/v1/sla-policies", &agent, &policy(Some(gangnam)))
                .await,
            403,
        )
        .await;
        problem(
            app.post("/api/v1/sla-policies", &manager, &policy(Some(busan)))
                .await,
            403,
        )
        .await;
        problem(
            app.post("/api/v1/sla-policies", &manager, &policy(None))
                .await,
            403,
        )
        .await;
        let own = json_of(
            app.post("/api/v1/sla-policies", &manager, &policy(Some(gangnam)))
                .await,
            201,
        )
        .await;
        assert_eq!(own["severities"], json!([1, 2]));
        let own_id = own["id"].as_str().unwrap().to_owned();
        let global = json_of(
            app.post(
                "/api/v1/sla-policies",
                &app.admin,
                &with(policy(None), json!({"position": 20})),
            )
            .await,
            201,
        )
        .await;
        let p = problem(
            app.post(
                "/api/v1/sla-policies",
                &manager,
                &with(
                    policy(Some(gangnam)),
                    json!({"warn_share": 2, "severities": [9], "name": ""}),
                ),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["name", "severities[0]", "warn_share"]);

        // Busan sees the global policies but not Gangnam's.
        let seen = json_of(app.get("/api/v1/sla-policies", &busan_manager).await, 200).await;
        let ids: Vec<&str> = seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert!(!ids.contains(&own_id.as_str()));
        assert!(ids.contains(&global["id"].as_str().unwrap()));
        let path = format!("/api/v1/sla-policies/{own_id}");
        problem(app.get(&path, &busan_manager).await, 404).await;
        problem(
            app.put(
                &path,
                &busan_manager,
                &with(policy(Some(busan)), json!({"version": 1})),
            )
            .await,
            404,
        )
        .await;
        // A manager cannot touch a global policy nor turn a unit's into a global one.
        let global_path = format!("/api/v1/sla-policies/{}", global["id"].as_str().unwrap());
        problem(
            app.put(
                &global_path,
                &manager,
                &with(policy(Some(gangnam)), json!({"version": 1})),
            )
            .await,
            403,
        )
        .await;
        problem(
            app.put(&path, &manager, &with(policy(None), json!({"version": 1})))
                .await,
            403,
        )
        .await;
        problem(
            app.delete(&format!("{global_path}?version=1"), &manager)
                .await,
            403,
        )
        .await;

        // Versioned: a stale update changes nothing.
        json_of(
            app.put(
                &path,
                &manager,
                &with(
                    policy(Some(gangnam)),
                    json!({"version": 1, "name": "VIP 전화 응대"}),
                ),
            )
            .await,
            200,
        )
        .await;
        let p = problem(
            app.put(
                &path,
                &manager,
                &with(
                    policy(Some(gangnam)),
                    json!({"version": 1, "name": "덮어쓰기"}),
                ),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(p["current_version"], 2);
        assert_eq!(
            json_of(app.get(&path, &agent).await, 200).await["name"],
            "VIP 전화 응대"
        );

        // In use by a case: deleting is refused, deactivating works.
        let case = app
            .store
            .create_case(
                &Change::system(),
                None,
                &serde_json::from_value::<rapport_domain::case::CaseInput>(json!({
                    "source": "complaint", "channel": "in_person", "unit_id": busan,
                    "category": "process.long_wait", "severity": 3, "description": "오래 기다렸습니다."
                }))
                .unwrap()
                .parse(rapport_domain::Timestamp::now())
                .unwrap(),
            )
            .await
            .unwrap();
        let used = case.policy_id.unwrap();
        let used_path = format!("/api/v1/sla-policies/{used}");
        let current = json_of(app.get(&used_path, &app.admin).await, 200).await;
        let version = current["version"].as_i64().unwrap();
        let p = problem(
            app.delete(&format!("{used_path}?version={version}"), &app.admin)
                .await,
            409,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("active"), "{p}");
        let mut off = current.clone();
        for key in ["id", "created_at", "updated_at"] {
            off.as_object_mut().unwrap().remove(key);
        }
        off["active"] = json!(false);
        let off = json_of(app.put(&used_path, &app.admin, &off).await, 200).await;
        assert_eq!(off["active"], false);

        let r = app.delete(&format!("{path}?version=2"), &manager).await;
        assert_eq!(r.status(), 204);
        problem(app.get(&path, &manager).await, 404).await;
    }
);

fn guideline(extra: Value) -> Value {
    with(
        json!({"category": "process.long_wait", "severity": 2, "tier": "*", "currency": "KRW",
               "min_minor": 5000, "max_minor": 20000, "note": "음료 쿠폰"}),
        extra,
    )
}

both_backends!(
    compensation_guidelines_are_admin_only_and_name_bad_fields,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;
        let (_, viewer) = app.staff(Some(unit), "viewer", "viewer@test.example").await;

        problem(
            app.post(
                "/api/v1/compensation-guidelines",
                &manager,
                &guideline(json!({})),
            )
            .await,
            403,
        )
        .await;
        let p = problem(
            app.post(
                "/api/v1/compensation-guidelines",
                &app.admin,
                &guideline(json!({"category": "process.teleporting"})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["category"]);
        assert_eq!(p["errors"][0]["code"], "unknown");
        let p = problem(
            app.post(
                "/api/v1/compensation-guidelines",
                &app.admin,
                &guideline(json!({"min_minor": 30000, "currency": "WON", "tier": "platinum"})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["tier", "currency", "max_minor"]);
        let created = json_of(
            app.post(
                "/api/v1/compensation-guidelines",
                &app.admin,
                &guideline(json!({})),
            )
            .await,
            201,
        )
        .await;
        let id = created["id"].as_str().unwrap();
        problem(
            app.post(
                "/api/v1/compensation-guidelines",
                &app.admin,
                &guideline(json!({})),
            )
            .await,
            409,
        )
        .await;
        json_of(
            app.post(
                "/api/v1/compensation-guidelines",
                &app.admin,
                &guideline(json!({"category": "outcome.wrong_item"})),
            )
            .await,
            201,
        )
        .await;
        let listed = json_of(
            app.get(
                "/api/v1/compensation-guidelines?category=process.long_wait",
                &viewer,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        assert_eq!(listed["items"][0]["max_minor"], 20000);

        let path = format!("/api/v1/compensation-guidelines/{id}");
        problem(
            app.put(&path, &manager, &guideline(json!({"version": 1})))
                .await,
            403,
        )
        .await;
        json_of(
            app.put(
                &path,
                &app.admin,
                &guideline(json!({"version": 1, "max_minor": 30000})),
            )
            .await,
            200,
        )
        .await;
        problem(
            app.put(
                &path,
                &app.admin,
                &guideline(json!({"version": 1, "max_minor": 99999})),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(
            json_of(app.get(&path, &viewer).await, 200).await["max_minor"],
            30000
        );
        problem(
            app.delete(&format!("{path}?version=2"), &manager).await,
            403,
        )
        .await;
        let r = app.delete(&format!("{path}?version=2"), &app.admin).await;
        assert_eq!(r.status(), 204);
        problem(app.get(&path, &viewer).await, 404).await;
    }
);

fn guarantee(unit: Option<uuid::Uuid>) -> Value {
    json!({"name": {"ko": "30분 보장", "en": "30-minute promise"},
           "terms": {"ko": "30분 안에 음식이 나오지 않으면 음식값을 돌려드립니다.",
                     "en": "If your meal is not served within 30 minutes, it is on us."},
           "payout_kind": "refund", "unit_id": unit})
}

both_backends!(
    guarantees_belong_to_units_or_everyone,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let gangnam = app.unit("강남점").await;
        let busan = app.unit("부산점").await;
        let (_, manager) = app
            .staff(Some(gangnam), "manager", "manager@test.example")
            .await;
        let (_, busan_viewer) = app.staff(Some(busan), "viewer", "busan@test.example").await;

        problem(
            app.post("/api/v1/guarantees", &manager, &guarantee(None))
                .await,
            403,
        )
        .await;
        problem(
            app.post("/api/v1/guarantees", &manager, &guarantee(Some(busan)))
                .await,
            403,
        )
        .await;
        let p = problem(
            app.post(
                "/api/v1/guarantees",
                &manager,
                &with(guarantee(Some(gangnam)), json!({"payout_kind": "hug"})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["payout_kind"]);
        let p = problem(
            app.post(
                "/api/v1/guarantees",
                &manager,
                &with(
                    guarantee(Some(gangnam)),
                    json!({"terms": {"ko": "", "en": "x"},
                      "payout": {"amount_minor": -5, "currency": "KRW"}}),
                ),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["terms.ko", "payout.amount_minor"]);
        let local = json_of(
            app.post(
                "/api/v1/guarantees",
                &manager,
                &with(
                    guarantee(Some(gangnam)),
                    json!({"payout": {"amount_minor": 15000, "currency": "KRW"}}),
                ),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(local["payout"]["amount_minor"], 15000);
        let everywhere = json_of(
            app.post("/api/v1/guarantees", &app.admin, &guarantee(None))
                .await,
            201,
        )
        .await;
        assert!(everywhere["payout"].is_null());

        let seen = json_of(app.get("/api/v1/guarantees", &busan_viewer).await, 200).await;
        let ids: Vec<&str> = seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [everywhere["id"].as_str().unwrap()]);
        let path = format!("/api/v1/guarantees/{}", local["id"].as_str().unwrap());
        problem(app.get(&path, &busan_viewer).await, 404).await;

        json_of(
            app.put(
                &path,
                &manager,
                &with(
                    guarantee(Some(gangnam)),
                    json!({"version": 1, "active": false}),
                ),
            )
            .await,
            200,
        )
        .await;
        problem(
            app.put(
                &path,
                &manager,
                &with(guarantee(Some(gangnam)), json!({"version": 1})),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(
            json_of(app.get(&path, &manager).await, 200).await["active"],
            false
        );
        let inactive = json_of(
            app.get("/api/v1/guarantees?active=false", &manager).await,
            200,
        )
        .await;
        assert_eq!(inactive["items"].as_array().unwrap().len(), 1);
        let r = app.delete(&format!("{path}?version=2"), &manager).await;
        assert_eq!(r.status(), 204);
    }
);

both_backends!(
    the_authority_period_defaults_to_a_month_and_admins_change_it,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let (_, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;
        let got = json_of(app.get("/api/v1/settings/authority", &manager).await, 200).await;
        assert_eq!(got, json!({"period": "month"}));
        problem(
            app.put(
                "/api/v1/settings/authority",
                &manager,
                &json!({"period": "day"}),
            )
            .await,
            403,
        )
        .await;
        let p = problem(
            app.put(
                "/api/v1/settings/authority",
                &app.admin,
                &json!({"period": "year"}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["period"]);
        json_of(
            app.put(
                "/api/v1/settings/authority",
                &app.admin,
                &json!({"period": "week"}),
            )
            .await,
            200,
        )
        .await;
        let got = json_of(app.get("/api/v1/settings/authority", &manager).await, 200).await;
        assert_eq!(got["period"], "week");
        assert_eq!(
            app.store.authority_period().await.unwrap(),
            rapport_domain::compensation::AuthorityPeriod::Week
        );
        let audit = json_of(
            app.get("/api/v1/audit?entity=authority_period", &app.admin)
                .await,
            200,
        )
        .await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 1);
    }
);

#[test]
fn every_configuration_route_is_documented_under_its_tag() {
    let doc: Value = serde_json::to_value(rapport_web::openapi()).unwrap();
    for (path, tag) in [
        ("/api/v1/taxonomy/categories", "taxonomy"),
        ("/api/v1/taxonomy/categories/{code}", "taxonomy"),
        ("/api/v1/taxonomy/root-causes", "taxonomy"),
        ("/api/v1/taxonomy/root-causes/{code}", "taxonomy"),
        ("/api/v1/templates", "templates"),
        ("/api/v1/templates/{id}", "templates"),
        ("/api/v1/sla-policies", "sla"),
        ("/api/v1/sla-policies/{id}", "sla"),
        ("/api/v1/compensation-guidelines", "compensation"),
        ("/api/v1/compensation-guidelines/{id}", "compensation"),
        ("/api/v1/guarantees", "compensation"),
        ("/api/v1/guarantees/{id}", "compensation"),
        ("/api/v1/settings/authority", "compensation"),
    ] {
        let item = doc["paths"][path]
            .as_object()
            .unwrap_or_else(|| panic!("{path} is documented"));
        for (method, op) in item {
            assert_eq!(op["tags"], json!([tag]), "{method} {path}");
        }
    }
}
