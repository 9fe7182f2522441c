//! Surveys over real HTTP, on SQLite and on PostgreSQL: invitations and the public form,
//! responses over the API, CSV imports in three encodings, the reports, and low scores
//! opening recovery cases.

mod common;

use base64::Engine;
use common::{TestApp, fields, problem};
use rapport_store::both_backends;
use rapport_store::testing::TestDb;
use serde_json::{Value, json};
use uuid::Uuid;

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn customer(app: &TestApp, locale: &str, tier: &str) -> Uuid {
    let r = app
        .post(
            "/api/v1/customers",
            &app.admin,
            &json!({"name": "Jane Park", "email": "jane@example.com", "locale": locale, "tier": tier}),
        )
        .await;
    json_of(r, 201).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// The value of the hidden `submission` field of a form page.
fn submission_of(html: &str) -> String {
    let at = html
        .find("name=\"submission\"")
        .expect("a submission field");
    let tag_start = html[..at].rfind('<').unwrap();
    let tag_end = at + html[at..].find('>').unwrap();
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"").expect("a value") + 7;
    tag[v..v + tag[v..].find('"').unwrap()].to_owned()
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    app.client
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn responses_of(app: &TestApp, instrument: &str) -> Vec<Value> {
    let list = json_of(
        app.get(
            &format!("/api/v1/survey-responses?instrument={instrument}"),
            &app.admin,
        )
        .await,
        200,
    )
    .await;
    list["items"].as_array().unwrap().clone()
}

both_backends!(
    a_customer_answers_an_invitation_once_on_the_public_form,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 12.0).await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let c = customer(&app, "en", "gold").await;

        let created = json_of(
            app.post(
                "/api/v1/survey-invitations",
                &agent,
                &json!({"instrument": "csat", "touchpoint_id": tp, "customer_id": c}),
            )
            .await,
            201,
        )
        .await;
        let inv = &created["items"][0];
        assert_eq!(inv["locale"], "en", "the customer's language");
        assert_eq!(inv["status"], "open");
        let token = inv["token"].as_str().unwrap();
        assert!(token.len() >= 4 + 43, "at least 256 bits: {token}");
        let path = inv["path"].as_str().unwrap().to_owned();
        assert!(inv["url"].as_str().unwrap().ends_with(&path));

        // Opening the link (twice, as a mail scanner would) records nothing.
        for _ in 0..2 {
            let r = app
                .client
                .get(format!("{}{path}", app.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["referrer-policy"], "no-referrer");
            assert!(
                r.headers()["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("default-src 'none'")
            );
            let html = r.text().await.unwrap();
            assert!(html.contains("lang=\"en\""), "English for this customer");
        }
        let ko = app
            .client
            .get(format!("{}{path}?lang=ko", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(ko.contains("lang=\"ko\""));
        assert!(responses_of(&app, "csat").await.is_empty());
        let id = inv["id"].as_str().unwrap();
        let still = json_of(
            app.get(&format!("/api/v1/survey-invitations/{id}"), &agent)
                .await,
            200,
        )
        .await;
        assert_eq!(still["status"], "open");

        // A value off the scale shows the form again with the error and nothing written.
        let html = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let submission = submission_of(&html);
        let r = post_form(
            &app,
            &path,
            &[
                ("a.csat", "9"),
                ("submission", &submission),
                ("comment", "<script>alert(1)</script>"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        let again = r.text().await.unwrap();
        assert!(again.contains("aria-invalid"));
        assert!(!again.contains("<script>alert(1)</script>"), "escaped");
        assert!(
            again.contains("&#60;script&#62;alert(1)"),
            "the comment is kept, escaped"
        );
        assert!(responses_of(&app, "csat").await.is_empty());

        // The answer is recorded once; the same form sent again is thanked, not stored twice.
        for _ in 0..2 {
            let r = post_form(
                &app,
                &path,
                &[
                    ("a.csat", "4"),
                    ("submission", &submission),
                    ("comment", "Friendly staff"),
                ],
            )
            .await;
            assert_eq!(r.status(), 200);
        }
        let stored = responses_of(&app, "csat").await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["answers"]["csat"], 4);
        assert_eq!(stored[0]["source"], "form");
        assert_eq!(stored[0]["tier"], "gold");
        assert_eq!(stored[0]["comment"], "Friendly staff");
        assert_eq!(stored[0]["touchpoint_id"], tp.to_string());

        // A different answer on the used link: 409, and the link now says so.
        let r = post_form(&app, &path, &[("a.csat", "1"), ("submission", "another")]).await;
        assert_eq!(r.status(), 409);
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        assert_eq!(responses_of(&app, "csat").await.len(), 1);
        let done = json_of(
            app.get(&format!("/api/v1/survey-invitations/{id}"), &agent)
                .await,
            200,
        )
        .await;
        assert_eq!(done["status"], "answered");

        // A made-up token is not found.
        let r = app
            .client
            .get(format!("{}/s/rps_nothing", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
);

both_backends!(
    responses_over_the_api_name_each_bad_field_and_respect_roles,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let other = app.unit("역삼점").await;
        let tp = app.touchpoint(unit, 10.0, 12.0).await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let (_, viewer) = app.staff(Some(unit), "viewer", "viewer@test.example").await;
        let one = json!({"instrument": "nps", "touchpoint_id": tp, "answers": {"nps": 9}});
        problem(
            app.post("/api/v1/survey-responses", &viewer, &one).await,
            403,
        )
        .await;
        let r = json_of(
            app.post("/api/v1/survey-responses", &agent, &one).await,
            201,
        )
        .await;
        assert_eq!(r["unit_id"], unit.to_string());
        assert_eq!(r["answers"]["nps"], 9);

        let p = problem(
            app.post(
                "/api/v1/survey-responses",
                &agent,
                &json!({"instrument": "nps", "touchpoint_id": tp, "answers": {"nps": 11, "other": 1}}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["answers.nps", "answers.other"]);

        let batch = json!([
            {"instrument": "nps", "touchpoint_id": tp, "answers": {"nps": 10}},
            {"instrument": "nps", "touchpoint_id": tp, "answers": {"nps": 10}, "submitted_at": "2999-01-01T00:00:00Z"},
            {"instrument": "csat", "touchpoint_id": tp, "answers": {"csat": 3}},
            {"instrument": "nps", "unit_id": other, "answers": {"nps": 3}},
        ]);
        let p = problem(
            app.post("/api/v1/survey-responses", &agent, &batch).await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["[1].submitted_at", "[2].instrument"]);
        let batch = json!([
            {"instrument": "nps", "touchpoint_id": tp, "answers": {"nps": 10}},
            {"instrument": "nps", "unit_id": other, "answers": {"nps": 3}},
        ]);
        let p = problem(
            app.post("/api/v1/survey-responses", &agent, &batch).await,
            403,
        )
        .await;
        assert_eq!(fields(&p), ["[1].unit_id"]);
        assert_eq!(
            responses_of(&app, "nps").await.len(),
            1,
            "nothing of the bad batches"
        );

        let ok = json!([
            {"instrument": "nps", "touchpoint_id": tp, "answers": {"nps": 10}, "external_id": "K-1"},
            {"instrument": "nps", "touchpoint_id": tp, "answers": {"nps": 4}},
        ]);
        let r = json_of(app.post("/api/v1/survey-responses", &agent, &ok).await, 201).await;
        assert_eq!(r["count"], 2);
        let p = problem(app.post("/api/v1/survey-responses", &agent, &ok).await, 422).await;
        assert_eq!(fields(&p), ["[0].external_id"]);

        // NPS over the three answers: one promoter (10) of... 9, 10, 4 → 2 promoters, 1 detractor.
        let report = json_of(
            app.get("/api/v1/reports/satisfaction?instrument=nps", &viewer)
                .await,
            200,
        )
        .await;
        let nps = &report["instruments"][0]["report"]["satisfaction"];
        assert_eq!(nps["promoters"], 2);
        assert_eq!(nps["detractors"], 1);
        let score = nps["score"].as_f64().unwrap();
        assert!((score - 100.0 / 3.0).abs() < 1e-9, "{score}");
    }
);

both_backends!(
    a_low_score_opens_a_recovery_case_from_the_survey,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 12.0).await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let csat = json_of(
            app.get("/api/v1/survey-instruments/csat", &agent).await,
            200,
        )
        .await;
        let id = csat["id"].as_str().unwrap();
        let mut body = json!({
            "version": csat["version"], "code": "csat", "name": csat["name"], "definition": csat["definition"],
            "recovery_rule": {"score_threshold": 2, "category": "process.no_such_thing", "severity": 3}
        });
        problem(
            app.put(&format!("/api/v1/survey-instruments/{id}"), &agent, &body)
                .await,
            403,
        )
        .await;
        let p = problem(
            app.put(
                &format!("/api/v1/survey-instruments/{id}"),
                &app.admin,
                &body,
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["recovery_rule.category"]);
        body["recovery_rule"]["category"] = json!("process.staff_attitude");
        json_of(
            app.put(
                &format!("/api/v1/survey-instruments/{id}"),
                &app.admin,
                &body,
            )
            .await,
            200,
        )
        .await;

        let fine = json_of(
            app.post(
                "/api/v1/survey-responses",
                &agent,
                &json!({"instrument": "csat", "touchpoint_id": tp, "answers": {"csat": 3}}),
            )
            .await,
            201,
        )
        .await;
        assert!(fine["recovery_case_id"].is_null());
        let low = json_of(
            app.post(
                "/api/v1/survey-responses",
                &agent,
                &json!({"instrument": "csat", "touchpoint_id": tp, "answers": {"csat": 1}, "comment": "아무도 인사하지 않았어요"}),
            )
            .await,
            201,
        )
        .await;
        let case_id = low["recovery_case_id"].as_str().expect("a case was opened");
        let case = json_of(
            app.get(&format!("/api/v1/cases/{case_id}"), &agent).await,
            200,
        )
        .await;
        assert_eq!(case["source"], "survey");
        assert_eq!(case["category"], "process.staff_attitude");
        assert_eq!(case["touchpoint_id"], tp.to_string());
        assert!(
            case["description"]
                .as_str()
                .unwrap()
                .contains("아무도 인사하지 않았어요")
        );
        let stored = json_of(
            app.get(
                &format!("/api/v1/survey-responses/{}", low["id"].as_str().unwrap()),
                &agent,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(stored["recovery_case_id"], case_id);
    }
);

/// A SERVQUAL answer with every expectation `e` and every perception `p`, and importance.
fn servqual(tp: Uuid, e: i64, p: i64, at: &str) -> Value {
    let mut answers = serde_json::Map::new();
    for i in 1..=22 {
        answers.insert(format!("e{i:02}"), json!(e));
        answers.insert(format!("p{i:02}"), json!(p));
    }
    json!({"instrument": "servqual", "touchpoint_id": tp, "answers": answers, "submitted_at": at,
           "importance": {"tangibles": 10, "reliability": 30, "responsiveness": 20, "assurance": 20, "empathy": 20}})
}

both_backends!(
    the_servqual_report_matches_hand_computed_figures,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 12.0).await;
        let low = app.touchpoint(unit, 1.0, 30.0).await;
        let (_, viewer) = app.staff(Some(unit), "viewer", "viewer@test.example").await;
        // Three respondents at the high-contact counter: E 7 / P 5, E 6 / P 6, E 5 / P 2 in
        // January and March; one at the low-contact one in February.
        let batch = json!([
            servqual(tp, 7, 5, "2026-01-10T03:00:00Z"),
            servqual(tp, 6, 6, "2026-01-20T03:00:00Z"),
            servqual(tp, 5, 2, "2026-03-05T03:00:00Z"),
            servqual(low, 4, 7, "2026-02-05T03:00:00Z"),
        ]);
        json_of(
            app.post("/api/v1/survey-responses", &app.admin, &batch)
                .await,
            201,
        )
        .await;

        let r = json_of(
            app.get(
                "/api/v1/reports/servqual?from=2026-01-01&to=2026-12-31&trend=month",
                &viewer,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(r["report"]["respondents"], 4);
        // Gap per pair: (−2 + 0 − 3 + 3) / 4 = −0.5 everywhere, so every dimension and both
        // scores are −0.5 (the weights add up to 1).
        let score = &r["report"]["servqual"];
        for key in ["unweighted", "weighted"] {
            let v = score[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{key}: {score}"));
            assert!((v + 0.5).abs() < 1e-12, "{key} {v}");
        }
        let item = r["report"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "p01")
            .unwrap();
        assert!((item["mean"].as_f64().unwrap() - 5.0).abs() < 1e-12);
        // Sample sd of 5, 6, 2, 7: mean 5, squares 0 + 1 + 9 + 4 = 14, / 3.
        assert!((item["sd"].as_f64().unwrap() - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
        let trend = r["trend"].as_array().unwrap();
        assert_eq!(trend.len(), 12);
        assert_eq!(trend[0]["from"], "2026-01-01");
        assert_eq!(trend[0]["figures"]["respondents"], 2);
        assert_eq!(trend[1]["figures"]["respondents"], 1);
        assert_eq!(trend[3]["figures"]["respondents"], 0);

        // High-contact touchpoints only: the three at the counter; gap (−2 + 0 − 3) / 3.
        let tps = json_of(
            app.get(&format!("/api/v1/touchpoints/{tp}"), &viewer).await,
            200,
        )
        .await;
        let level = tps["level"].as_str().unwrap().to_owned();
        let r = json_of(
            app.get(
                &format!("/api/v1/reports/servqual?from=2026-01-01&to=2026-12-31&level={level}"),
                &viewer,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(r["report"]["respondents"], 3);
        let v = r["report"]["servqual"]["unweighted"].as_f64().unwrap();
        assert!((v + 5.0 / 3.0).abs() < 1e-12, "{v}");
        // A period cut inside a month reads day rows: January 15 to February 10.
        let r = json_of(
            app.get(
                "/api/v1/reports/servqual?from=2026-01-15&to=2026-02-10",
                &viewer,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(r["report"]["respondents"], 2);

        let csv = app
            .get(
                "/api/v1/reports/servqual?from=2026-01-01&to=2026-12-31&format=csv",
                &viewer,
            )
            .await;
        assert_eq!(csv.status(), 200);
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = csv.text().await.unwrap();
        assert!(text.lines().count() > 50);
        assert!(text.lines().next().unwrap().contains("measure"));

        let p = problem(
            app.get(
                "/api/v1/reports/servqual?from=2026-13-01&trend=day&tier=platinum",
                &viewer,
            )
            .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["from", "tier", "trend"]);
    }
);

both_backends!(
    a_korean_spreadsheet_imports_in_any_encoding,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 12.0).await;
        let (_, manager) = app
            .staff(Some(unit), "manager", "manager@test.example")
            .await;
        let (_, agent) = app.staff(Some(unit), "agent", "agent@test.example").await;
        let mapping = format!(
            "[columns]\nexternal_id = \"응답번호\"\nsubmitted_at = \"응답일\"\ncomment = \"의견\"\n[answers]\ncsat = \"만족도\"\n[fixed]\ntouchpoint_id = \"{tp}\"\n"
        );
        let csv = "응답번호,응답일,만족도,의견\r\nA1,2026-03-02 10:00,5,친절했어요\r\nA2,2026-03-03,4,\r\nA3,2026-03-04,9,\r\nA4,2026-03-05,NA,\r\n";
        let (cp949, _, _) = encoding_rs::EUC_KR.encode(csv);
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let body = |bytes: &[u8], skip: bool| json!({"instrument": "csat", "mapping": mapping, "csv_base64": b64(bytes), "skip_bad_rows": skip});
        problem(
            app.post("/api/v1/survey-imports", &agent, &body(&cp949, false))
                .await,
            403,
        )
        .await;
        // Line 4 holds a 9 on a 1–5 scale, line 5 no answer at all: nothing is imported.
        let p = problem(
            app.post("/api/v1/survey-imports", &manager, &body(&cp949, false))
                .await,
            422,
        )
        .await;
        assert_eq!(fields(&p), ["line 4, 만족도", "line 5"], "{p}");
        assert!(responses_of(&app, "csat").await.is_empty());
        let r = json_of(
            app.post("/api/v1/survey-imports", &manager, &body(&cp949, true))
                .await,
            201,
        )
        .await;
        assert_eq!(r["imported"], 2);
        assert_eq!(r["summary"]["encoding"], "cp949");
        assert_eq!(r["summary"]["rows_skipped"], 2);
        let stored = responses_of(&app, "csat").await;
        let first = stored.iter().find(|s| s["external_id"] == "A1").unwrap();
        assert_eq!(first["comment"], "친절했어요");
        assert_eq!(first["source"], "import");
        // The same file in UTF-8 with a BOM: the external ids were imported already.
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(csv.as_bytes());
        let p = problem(
            app.post("/api/v1/survey-imports", &manager, &body(&bom, true))
                .await,
            422,
        )
        .await;
        assert!(fields(&p).iter().all(|f| f.ends_with("external_id")), "{p}");
    }
);

both_backends!(
    a_servqual_invitation_is_answered_in_korean_with_importance_points,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 12.0).await;
        let created = json_of(
            app.post(
                "/api/v1/survey-invitations",
                &app.admin,
                &json!([{"instrument": "servqual", "touchpoint_id": tp, "locale": "ko"},
                        {"instrument": "servqual", "unit_id": unit, "locale": "en", "expires_in_days": 30}]),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(created["items"].as_array().unwrap().len(), 2);
        let path = created["items"][0]["path"].as_str().unwrap().to_owned();
        let html = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let def = rapport_domain::survey_builtin::servqual();
        assert!(html.contains("lang=\"ko\""));
        assert!(
            html.contains(&def.items[0].text.ko),
            "the first expectation item in Korean"
        );
        assert!(
            html.contains(&def.items[43].text.ko),
            "the last perception item in Korean"
        );
        assert!(html.contains("강남점"), "the business is named");
        let submission = submission_of(&html);

        let mut form: Vec<(String, String)> = Vec::new();
        for i in 1..=22 {
            form.push((format!("a.e{i:02}"), "7".into()));
            form.push((
                format!("a.p{i:02}"),
                if i <= 4 { "6".into() } else { "4".into() },
            ));
        }
        form.push(("submission".into(), submission.clone()));
        let points = |last: &str| {
            let mut f = form.clone();
            for (d, p) in [
                ("tangibles", "10"),
                ("reliability", "40"),
                ("responsiveness", "20"),
                ("assurance", "10"),
                ("empathy", last),
            ] {
                f.push((format!("i.{d}"), p.into()));
            }
            f
        };
        // 90 points: the form comes back with the error and every answer kept.
        let short = points("10");
        let refs: Vec<(&str, &str)> = short
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = post_form(&app, &path, &refs).await;
        assert_eq!(r.status(), 422);
        let again = r.text().await.unwrap();
        assert!(again.contains("role=\"alert\""));
        assert!(again.contains("90"), "the total is shown");
        assert!(again.contains("value=\"40\""), "typed points are kept");
        assert!(responses_of(&app, "servqual").await.is_empty());

        let full = points("20");
        let refs: Vec<(&str, &str)> = full.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = post_form(&app, &path, &refs).await;
        assert_eq!(r.status(), 200);
        let thanks = r.text().await.unwrap();
        assert!(thanks.contains("lang=\"ko\""));
        let stored = responses_of(&app, "servqual").await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["importance"]["reliability"], 40);
        assert_eq!(stored[0]["locale"], "ko");

        // The report sees it: tangibles gap 6 − 7 = −1, the others 4 − 7 = −3.
        let r = json_of(app.get("/api/v1/reports/servqual", &app.admin).await, 200).await;
        let dims = r["report"]["dimensions"].as_array().unwrap();
        let gap = |code: &str| {
            dims.iter().find(|d| d["code"] == code).unwrap()["gap"]
                .as_f64()
                .unwrap()
        };
        assert_eq!((gap("tangibles"), gap("empathy")), (-1.0, -3.0));
        // Weighted by this respondent's points: 0.1·(−1) + 0.9·(−3) = −2.8.
        let w = r["report"]["servqual"]["weighted"].as_f64().unwrap();
        assert!((w + 2.8).abs() < 1e-12, "{w}");
    }
);
