//! The customer and manager pages over the real server on both databases: customer search
//! and the customer page with its timeline, the unit dashboard, the SLA policy and
//! business-hours editors and the staff list — who may open what, what is shown, what a
//! form changes in the store, stale versions and bad input.

mod common;

use common::TestApp;
use rapport_domain::Timestamp;
use rapport_domain::case::CaseInput;
use rapport_domain::customer::CustomerQuery;
use rapport_domain::customer::{CustomerInput, Locale};
use rapport_domain::encounter::EncounterInput;
use rapport_domain::org::EmployeeInput;
use rapport_domain::survey::{Answers, ResponseSource};
use rapport_domain::taxonomy::DEFAULT_CATEGORIES;
use rapport_store::{Case, Change, CustomerFilter, NewResponse, PageRequest, both_backends};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `name="…" value="…"` input of a page.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn cookie_of(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// A signed-in browser: its session cookie and the session's CSRF token.
struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

impl Browser<'_> {
    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = client()
            .get(format!("{}{path}", self.app.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Posts a form with the session's CSRF token; returns status, `Location` and body.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let r = client()
            .post(format!("{}{path}", self.app.base))
            .header(COOKIE, &self.cookie)
            .form(&all)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap())
    }
}

/// Signs in over HTTP as a browser would.
async fn sign_in<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let c = client();
    let page = c.get(format!("{}/login", app.base)).send().await.unwrap();
    let login_cookie = cookie_of(&page, "rapport_login").unwrap();
    let html = page.text().await.unwrap();
    let r = c
        .post(format!("{}/login", app.base))
        .header(COOKIE, login_cookie)
        .form(&[
            ("login_csrf", hidden(&html, "login_csrf").as_str()),
            ("next", "/customers"),
            ("lang", "ko"),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    let cookie = cookie_of(&r, "rapport_session").expect("a session cookie");
    let mut b = Browser {
        app,
        cookie,
        csrf: String::new(),
    };
    let (status, html) = b.get("/customers").await;
    assert_eq!(status, StatusCode::OK);
    b.csrf = hidden(&html, "csrf");
    b
}

/// An employee who signs in with `PASSWORD`; returns their id.
async fn employee(app: &TestApp, unit: Option<Uuid>, role: &str, email: &str) -> Uuid {
    let input: EmployeeInput = serde_json::from_value(json!({
        "name": format!("직원 {email}"), "email": email, "role": role, "unit_id": unit,
        "authority_limit": {"amount_minor": 50_000, "currency": "KRW"}
    }))
    .unwrap();
    app.store
        .create_employee(
            &Change::system(),
            &input.parse().unwrap(),
            Some(&rapport_web::auth::hash_password(PASSWORD)),
        )
        .await
        .unwrap()
        .id
}

async fn customer(app: &TestApp, body: serde_json::Value) -> Uuid {
    let c: CustomerInput = serde_json::from_value(body).unwrap();
    app.store
        .create_customer(&Change::system(), &c.parse().unwrap())
        .await
        .unwrap()
        .id
}

async fn case(app: &TestApp, unit: Uuid, customer: Option<Uuid>, detected: Timestamp) -> Case {
    let input: CaseInput = serde_json::from_value(json!({
        "source": "complaint", "channel": "phone", "unit_id": unit, "customer_id": customer,
        "category": DEFAULT_CATEGORIES[0].code, "severity": 2,
        "description": "주문한 음식이 40분 넘게 나오지 않았습니다.",
        "occurred_at": detected.plus_seconds(-600).to_rfc3339(),
        "detected_at": detected.to_rfc3339()
    }))
    .unwrap();
    app.store
        .create_case(
            &Change::system(),
            Some(unit),
            &input.parse(Timestamp::now()).unwrap(),
        )
        .await
        .unwrap()
}

async fn encounter(app: &TestApp, tp: Uuid, customer: Uuid, start: Timestamp, revenue: i64) {
    let e: EncounterInput = serde_json::from_value(json!({
        "touchpoint_id": tp, "customer_id": customer, "started_at": start.to_rfc3339(),
        "ended_at": start.plus_seconds(900).to_rfc3339(), "waiting_seconds": 120,
        "revenue": {"amount_minor": revenue, "currency": "KRW"}
    }))
    .unwrap();
    app.store
        .insert_encounters(&Change::system(), None, &[e.parse("").unwrap()], "items")
        .await
        .unwrap();
}

fn ago(seconds: i64) -> Timestamp {
    Timestamp::now().plus_seconds(-seconds)
}

both_backends!(
    a_korean_name_is_found_and_the_customer_page_shows_one_escaped_timeline_per_unit,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (a, b) = (app.unit("강남점").await, app.unit("역삼점").await);
        let (tpa, tpb) = (
            app.touchpoint(a, 10.0, 12.0).await,
            app.touchpoint(b, 10.0, 12.0).await,
        );
        employee(&app, Some(a), "agent", "agent.a@test.example").await;
        employee(&app, None, "admin", "root@test.example").await;
        let kim = customer(
            &app,
            json!({
                "name": "김민수", "phone": "010-1234-5678", "tier": "gold",
                "notes": "<script>alert('x')</script> 창가 자리를 좋아하십니다.",
                "preferences": ["창가 자리", "<b>매운 음식 X</b>"],
                "important_dates": [{"kind": "birthday", "month": 3, "day": 14}],
                "marketing_consent": true
            }),
        )
        .await;
        customer(
            &app,
            json!({"name": "이서연", "email": "seoyeon@example.com"}),
        )
        .await;

        encounter(&app, tpa, kim, ago(5 * 86_400), 32_000).await;
        encounter(&app, tpb, kim, ago(4 * 86_400), 99_000).await;
        let in_a = case(&app, a, Some(kim), ago(3 * 86_400)).await;
        let in_b = case(&app, b, Some(kim), ago(2 * 86_400)).await;
        let csat = app.store.find_instrument("csat").await.unwrap();
        app.store
            .insert_responses(
                &Change::system(),
                None,
                &csat,
                &[NewResponse {
                    unit_id: None,
                    touchpoint_id: Some(tpa),
                    customer_id: Some(kim),
                    encounter_id: None,
                    case_id: None,
                    locale: Some(Locale::Ko),
                    source: ResponseSource::Api,
                    external_id: None,
                    submitted_at: ago(86_400),
                    answers: Answers {
                        values: vec![Some(2)],
                        importance: None,
                    },
                    comment: Some("<img src=x onerror=alert(1)> 너무 오래 기다렸어요".into()),
                }],
                "",
            )
            .await
            .unwrap();

        let agent = sign_in(&app, "agent.a@test.example").await;
        // Search: the family name's start, the given name, the initials and the phone's end.
        for q in ["김민", "민수", "ㄱㅁㅅ", "5678"] {
            let (status, html) = agent
                .get(&format!(
                    "/customers?q={}",
                    form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
                ))
                .await;
            assert_eq!(status, StatusCode::OK, "{q}");
            assert!(html.contains("김민수"), "{q} finds 김민수");
            assert!(!html.contains("이서연"), "{q} finds only 김민수");
            assert!(html.contains(&format!("/customers/{kim}")));
        }
        let (_, html) = agent.get("/customers?q=%EB%B0%95").await; // 박
        assert!(html.contains("id=\"customer-none\""));
        // A search text too long: 422, the error next to the box, the text kept.
        let long = "가".repeat(101);
        let (status, html) = agent
            .get(&format!(
                "/customers?q={}",
                form_urlencoded::byte_serialize(long.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"f-q-error\"") && html.contains(&format!("value=\"{long}\"")));

        let (status, html) = agent.get(&format!("/customers/{kim}")).await;
        assert_eq!(status, StatusCode::OK);
        // Notes, preferences and the customer's comment are text, never markup.
        assert!(
            html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; 창가"),
            "{html}"
        );
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&#60;b&#62;매운 음식 X&#60;/b&#62;"));
        assert!(!html.contains("<b>매운"));
        assert!(!html.contains("<img src=x"));
        assert!(html.contains("&#60;img src=x onerror=alert(1)&#62; 너무 오래"));
        // One timeline: the unit's case, encounter and survey answer; not the other unit's.
        assert!(html.contains(&in_a.number), "the unit's own case");
        assert!(
            !html.contains(&in_b.number),
            "another unit's case is not shown"
        );
        assert!(html.contains(&format!("/cases/{}", in_a.id)));
        assert!(html.contains("창구"), "the encounter's touchpoint");
        assert!(html.contains("₩32,000"), "the unit's revenue");
        assert!(!html.contains("₩99,000"), "not the other unit's revenue");
        assert!(html.contains("고객 만족도(CSAT)"), "the survey answer");
        assert!(html.contains("점수 2 / 5"));
        let timeline = &html[html.find("id=\"customer-timeline\"").unwrap()..];
        let survey_at = timeline.find("class=\"entry survey\"").unwrap();
        let case_at = timeline.find("class=\"entry case\"").unwrap();
        let encounter_at = timeline.find("class=\"entry encounter\"").unwrap();
        assert!(
            survey_at < case_at && case_at < encounter_at,
            "newest first"
        );
        assert!(html.contains("생일") && html.contains("3월 14일"));
        assert!(html.contains("id=\"customer-edit\""), "agents may edit");

        // An admin sees every unit's entries.
        let admin = sign_in(&app, "root@test.example").await;
        let (_, html) = admin.get(&format!("/customers/{kim}")).await;
        assert!(html.contains(&in_a.number) && html.contains(&in_b.number));
        assert!(html.contains("₩131,000"), "revenue over both units");

        // Older visits fill more than a page: the "more" link continues where the page
        // stopped, without repeats or gaps.
        let older: Vec<_> = (0..23)
            .map(|i| {
                let s = ago(10 * 86_400 + i * 3_600);
                serde_json::from_value::<EncounterInput>(json!({
                    "touchpoint_id": tpa, "customer_id": kim, "started_at": s.to_rfc3339(),
                    "ended_at": s.plus_seconds(300).to_rfc3339()
                }))
                .unwrap()
                .parse("")
                .unwrap()
            })
            .collect();
        app.store
            .insert_encounters(&Change::system(), None, &older, "items")
            .await
            .unwrap();
        let mut pages = Vec::new();
        let mut times = std::collections::HashSet::new();
        let mut path = format!("/customers/{kim}");
        for _ in 0..10 {
            let (status, html) = admin.get(&path).await;
            assert_eq!(status, StatusCode::OK);
            let tl = &html[html.find("id=\"cust-timeline-h\"").unwrap()..];
            pages.push(tl.matches("class=\"entry ").count());
            for (i, _) in tl.match_indices("<time datetime=\"") {
                let rest = &tl[i + 16..];
                times.insert(rest[..rest.find('"').unwrap()].to_owned());
            }
            match tl.find("id=\"timeline-more\" href=\"") {
                Some(i) => {
                    let rest = &tl[i + 25..];
                    path = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
                }
                None => break,
            }
        }
        assert_eq!(pages, [20, 8], "25 encounters, 2 cases, 1 answer");
        assert_eq!(times.len(), 28, "every entry once");

        // Unknown or malformed customer ids answer 404.
        assert_eq!(
            agent.get(&format!("/customers/{}", Uuid::now_v7())).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            agent.get("/customers/not-an-id").await.0,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(
    a_profile_edit_saves_and_a_stale_one_shows_both_values_and_changes_nothing,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let a = app.unit("강남점").await;
        employee(&app, Some(a), "agent", "agent.a@test.example").await;
        employee(&app, Some(a), "viewer", "viewer.a@test.example").await;
        let kim = customer(&app, json!({"name": "김민수", "tier": "silver"})).await;
        let agent = sign_in(&app, "agent.a@test.example").await;
        let (status, html) = agent.get(&format!("/customers/{kim}/edit")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(hidden(&html, "version"), "1");
        let path = format!("/customers/{kim}");
        let base = [
            ("version", "1"),
            ("name", "김민수"),
            ("tier", "vip"),
            ("locale", "ko"),
            ("phone", "010-2222-3333"),
            ("email", "minsu@example.com"),
            ("preferences", "창가 자리\n조용한 자리"),
            ("notes", "단골 고객"),
            ("date_kind_0", "anniversary"),
            ("date_label_0", "결혼기념일"),
            ("date_month_0", "5"),
            ("date_day_0", "21"),
            ("date_year_0", ""),
            ("date_kind_1", "birthday"),
            ("date_label_1", ""),
            ("date_month_1", ""),
            ("date_day_1", ""),
            ("date_year_1", ""),
            ("marketing_consent", "1"),
        ];
        let (status, location, _) = agent.post(&path, &base).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, format!("/customers/{kim}?saved=1"));
        let c = app.store.get_customer(kim).await.unwrap();
        assert_eq!(c.version, 2);
        assert_eq!(c.tier.as_str(), "vip");
        assert_eq!(c.preferences, ["창가 자리", "조용한 자리"]);
        assert_eq!(c.important_dates.len(), 1);
        assert_eq!(
            (c.important_dates[0].month, c.important_dates[0].day),
            (5, 21)
        );
        assert!(c.marketing_consent);

        // Someone saved version 1 meanwhile: a conflict naming both values, nothing changed.
        let mut stale = base.to_vec();
        stale[1] = ("name", "김민수 (수정)");
        stale[2] = ("tier", "gold");
        let (status, _, html) = agent.post(&path, &stale).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("id=\"conflict\""));
        assert!(html.contains("김민수 (수정)"), "your value");
        assert!(
            html.contains("VIP") && html.contains("골드"),
            "current and your tier"
        );
        assert_eq!(
            hidden(&html, "version"),
            "2",
            "saving again is a knowing choice"
        );
        let c = app.store.get_customer(kim).await.unwrap();
        assert_eq!((c.version, c.name.as_str()), (2, "김민수"));

        // Bad input: 422, the error next to the field, what was typed kept.
        let mut bad = base.to_vec();
        bad[0] = ("version", "2");
        bad[5] = ("email", "minsu-at-example");
        bad[10] = ("date_month_0", "13");
        let (status, _, html) = agent.post(&path, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("value=\"minsu-at-example\""));
        assert!(html.contains("aria-describedby=\"f-email-error\""));
        assert!(html.contains("id=\"f-email-error\""));
        assert!(html.contains("name@example.com 형식"));
        assert!(html.contains("id=\"f-date_month_0-error\""));
        assert_eq!(app.store.get_customer(kim).await.unwrap().version, 2);

        // Viewers read but do not edit.
        let viewer = sign_in(&app, "viewer.a@test.example").await;
        let (status, html) = viewer.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("id=\"customer-edit\""));
        assert_eq!(
            viewer.get(&format!("{path}/edit")).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(viewer.post(&path, &base).await.0, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    an_agent_registers_a_new_customer_and_pages_through_a_long_search,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let a = app.unit("강남점").await;
        employee(&app, Some(a), "agent", "agent.a@test.example").await;
        employee(&app, Some(a), "viewer", "viewer.a@test.example").await;
        let agent = sign_in(&app, "agent.a@test.example").await;
        let (status, html) = agent.get("/customers").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("href=\"/customers/new\""),
            "agents see the button"
        );
        let (status, html) = agent.get("/customers/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("새 고객 등록") && html.contains("action=\"/customers/new\""));

        let form = [
            ("name", "한지민"),
            ("tier", "gold"),
            ("locale", "en"),
            ("phone", "010-7777-8888"),
            ("email", ""),
            ("preferences", "<b>창가</b>"),
            ("notes", ""),
            ("date_kind_0", "birthday"),
            ("date_label_0", ""),
            ("date_month_0", "11"),
            ("date_day_0", "9"),
            ("date_year_0", ""),
        ];
        // A bad day of month: 422 next to the field, what was typed kept, nobody created.
        let mut bad = form.to_vec();
        bad[10] = ("date_day_0", "31");
        bad[8] = ("date_month_0", "2");
        let (status, _, html) = agent.post("/customers/new", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"f-date_day_0-error\""), "{html}");
        assert!(html.contains("value=\"한지민\""));
        let search = |q: &str| CustomerFilter {
            query: Some(CustomerQuery::parse("q", q).unwrap()),
            tier: None,
        };
        let none = app
            .store
            .list_customers(&search("한지민"), &PageRequest::default())
            .await
            .unwrap();
        assert!(none.items.is_empty());

        let (status, location, _) = agent.post("/customers/new", &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let made = app
            .store
            .list_customers(&search("한지민"), &PageRequest::default())
            .await
            .unwrap();
        assert_eq!(made.items.len(), 1);
        let c = &made.items[0];
        assert_eq!(location, format!("/customers/{}?saved=1", c.id));
        assert_eq!((c.tier.as_str(), c.locale.as_str()), ("gold", "en"));
        assert_eq!(c.preferences, ["<b>창가</b>"]);
        assert_eq!(
            (c.important_dates[0].month, c.important_dates[0].day),
            (11, 9)
        );
        let (_, html) = agent.get(&location).await;
        assert!(html.contains("&#60;b&#62;창가&#60;/b&#62;") && !html.contains("<b>창가"));
        assert!(html.contains(&format!("href=\"/cases/new?customer_id={}\"", c.id)));

        // From the new-case form: register, then back to that form with the customer chosen.
        let (_, html) = agent.get("/cases/new").await;
        assert!(html.contains("href=\"/customers/new?then=case\""));
        let (_, html) = agent.get("/customers/new?then=case").await;
        assert!(
            html.contains("name=\"then\" value=\"case\"") && html.contains("href=\"/cases/new\"")
        );
        let mut walk_in = form.to_vec();
        walk_in[0] = ("name", "오세훈");
        walk_in.push(("then", "case"));
        let (status, location, _) = agent.post("/customers/new", &walk_in).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let oh = app
            .store
            .list_customers(&search("오세훈"), &PageRequest::default())
            .await
            .unwrap()
            .items[0]
            .id;
        assert_eq!(location, format!("/cases/new?customer_id={oh}"));
        let (status, html) = agent.get(&location).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains(&format!(
                "id=\"nc-customer-{oh}\" name=\"customer_id\" value=\"{oh}\" checked"
            )),
            "{html}"
        );

        // A search longer than a page continues with "more", every match once.
        let many: Vec<_> = (0..120)
            .map(|i| {
                serde_json::from_value::<CustomerInput>(json!({"name": format!("한가람{i:03}")}))
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        app.store
            .insert_customers(&Change::system(), &many)
            .await
            .unwrap();
        let mut path = format!(
            "/customers?q={}",
            form_urlencoded::byte_serialize("한가람".as_bytes()).collect::<String>()
        );
        let mut names = Vec::new();
        for _ in 0..5 {
            let (status, html) = agent.get(&path).await;
            assert_eq!(status, StatusCode::OK);
            for (i, _) in html.match_indices(">한가람") {
                names.push(html[i + 1..i + 1 + "한가람000".len()].to_owned());
            }
            match html.find("id=\"customer-more\" href=\"") {
                Some(i) => {
                    let rest = &html[i + 25..];
                    // The page escapes `&` in attributes as `&#38;`, as a browser reads it.
                    path = rest[..rest.find('"').unwrap()].replace("&#38;", "&");
                }
                None => break,
            }
        }
        let expected: Vec<String> = (0..120).map(|i| format!("한가람{i:03}")).collect();
        assert_eq!(names, expected, "three pages in name order");

        // Viewers neither see the button nor may create.
        let viewer = sign_in(&app, "viewer.a@test.example").await;
        let (_, html) = viewer.get("/customers").await;
        assert!(!html.contains("href=\"/customers/new\""));
        assert_eq!(viewer.get("/customers/new").await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            viewer.post("/customers/new", &form).await.0,
            StatusCode::FORBIDDEN
        );
    }
);

both_backends!(
    agents_cannot_open_manager_pages_and_a_manager_sees_only_their_unit,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let (a, b) = (app.unit("강남점").await, app.unit("역삼점").await);
        let agent_a = employee(&app, Some(a), "agent", "agent.a@test.example").await;
        employee(&app, Some(a), "manager", "manager.a@test.example").await;
        let agent_b = employee(&app, Some(b), "agent", "agent.b@test.example").await;
        let kim = customer(&app, json!({"name": "김민수"})).await;

        let agent = sign_in(&app, "agent.a@test.example").await;
        for path in [
            "/dashboard",
            "/settings/sla",
            "/settings/sla/new",
            "/settings/calendar",
            "/settings/staff",
            &format!("/settings/staff/{agent_a}"),
        ] {
            assert_eq!(agent.get(path).await.0, StatusCode::FORBIDDEN, "{path}");
        }
        for path in [
            "/settings/sla",
            "/settings/calendar",
            &format!("/settings/staff/{agent_a}"),
        ] {
            assert_eq!(
                agent.post(path, &[]).await.0,
                StatusCode::FORBIDDEN,
                "POST {path}"
            );
        }

        // A breached case in A and one in B.
        let late = case(&app, a, Some(kim), ago(61 * 60)).await;
        let other = case(&app, b, Some(kim), ago(61 * 60)).await;
        app.store.sweep_sla(Timestamp::now(), 100).await.unwrap();

        let manager = sign_in(&app, "manager.a@test.example").await;
        let (status, html) = manager.get("/dashboard").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("지점 현황") && html.contains("강남점"));
        assert!(
            html.contains("<span class=\"v\" id=\"dash-open\">1</span>"),
            "one open case"
        );
        assert!(html.contains(&late.number), "the breach is listed");
        assert!(html.contains(&format!("href=\"/cases/{}\"", late.id)));
        assert!(!html.contains(&other.number), "not another unit's");
        assert!(html.contains("접수 확인"), "the missed target");
        assert!(html.contains("href=\"/approvals\""));

        // Another unit: 404 everywhere, so that ids do not leak.
        assert_eq!(
            manager.get(&format!("/dashboard?unit={b}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            manager.get(&format!("/settings/staff?unit={b}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            manager.get(&format!("/settings/calendar?unit={b}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            manager.get(&format!("/settings/sla?unit={b}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            manager.get(&format!("/settings/staff/{agent_b}")).await.0,
            StatusCode::NOT_FOUND
        );
        let (status, _, _) = manager
            .post(
                &format!("/settings/staff/{agent_b}"),
                &[
                    ("version", "1"),
                    ("role", "agent"),
                    ("authority_limit", "1"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let b_version = app.store.get_unit(b).await.unwrap().version.to_string();
        let (status, _, _) = manager
            .post(
                "/settings/calendar",
                &[
                    ("unit", &b.to_string()),
                    ("version", &b_version),
                    ("action", "add_holiday"),
                    ("holiday_date", "2026-10-03"),
                    ("holiday_name", "개천절"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            app.store
                .get_unit(b)
                .await
                .unwrap()
                .calendar
                .holidays
                .is_empty()
        );
        let (_, html) = manager.get("/settings/staff").await;
        assert!(html.contains("agent.a@test.example"));
        assert!(!html.contains("agent.b@test.example"));
        // The customer is everyone's; the other unit's case is not in their timeline.
        let (status, html) = manager.get(&format!("/customers/{kim}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&late.number) && !html.contains(&other.number));

        // An admin picks any unit, or sees them all.
        employee(&app, None, "admin", "root@test.example").await;
        let admin = sign_in(&app, "root@test.example").await;
        let (status, html) = admin.get(&format!("/dashboard?unit={b}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&other.number) && !html.contains(&late.number));
        let (_, html) = admin.get("/dashboard").await;
        assert!(html.contains(&other.number) && html.contains(&late.number));
    }
);

both_backends!(
    an_sla_policy_is_created_and_edited_and_a_stale_edit_changes_nothing,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let a = app.unit("강남점").await;
        employee(&app, Some(a), "manager", "manager.a@test.example").await;
        let manager = sign_in(&app, "manager.a@test.example").await;
        let (status, html) = manager.get("/settings/sla").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("기본 / Default"),
            "the seeded policy for every unit"
        );
        assert!(
            html.contains("관리자만 변경"),
            "which a manager cannot change"
        );
        let (status, html) = manager.get("/settings/sla/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("id=\"sla-form\""));

        let unit = a.to_string();
        let form = |name: &'static str, warn: &'static str| {
            vec![
                ("name", name),
                ("position", "10"),
                ("unit_id", unit.as_str()),
                ("severity", "1"),
                ("severity", "2"),
                ("tier", "vip"),
                ("channel", "phone"),
                ("basis", "calendar"),
                ("acknowledge_minutes", "30"),
                ("first_response_minutes", "120"),
                ("resolve_minutes", "1,440"),
                ("follow_up_minutes", ""),
                ("follow_up_after_days", "2"),
                ("warn_percent", warn),
                ("active", "1"),
            ]
        };
        let (status, location, _) = manager.post("/settings/sla", &form("VIP 긴급", "80")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/settings/sla?saved=1");
        let policies = app.store.list_sla_policies(Some(a)).await.unwrap();
        let p = policies.iter().find(|p| p.name == "VIP 긴급").unwrap();
        assert_eq!(p.unit_id, Some(a));
        assert_eq!(p.severities, [1, 2]);
        assert_eq!(p.tiers.len(), 1);
        assert_eq!(
            (
                p.acknowledge_minutes,
                p.resolve_minutes,
                p.follow_up_minutes
            ),
            (Some(30), Some(1440), None)
        );
        assert!((p.warn_share - 0.8).abs() < 1e-9);
        let (_, html) = manager.get("/settings/sla?saved=1").await;
        assert!(html.contains("VIP 긴급") && html.contains("SLA 정책을 저장했습니다."));

        // Edit at version 1.
        let path = format!("/settings/sla/{}", p.id);
        let (status, html) = manager.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(hidden(&html, "version"), "1");
        let mut edit = form("VIP 긴급 (전화)", "75");
        edit.push(("version", "1"));
        let (status, _, _) = manager.post(&path, &edit).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let now = app.store.get_sla_policy(p.id).await.unwrap();
        assert_eq!((now.version, now.name.as_str()), (2, "VIP 긴급 (전화)"));

        // The same form again at version 1: a conflict showing both, nothing changed.
        let mut stale = form("VIP 아주 긴급", "90");
        stale.push(("version", "1"));
        let (status, _, html) = manager.post(&path, &stale).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("id=\"conflict\""));
        assert!(html.contains("VIP 긴급 (전화)") && html.contains("VIP 아주 긴급"));
        assert!(
            html.contains("<td class=\"current\">75</td>")
                && html.contains("<td class=\"yours\">90</td>")
        );
        let after = app.store.get_sla_policy(p.id).await.unwrap();
        assert_eq!((after.version, after.name.as_str()), (2, "VIP 긴급 (전화)"));
        assert!((after.warn_share - 0.75).abs() < 1e-9);

        // Bad input: 422, errors next to the fields, what was typed kept.
        let mut bad = form("", "150");
        bad[1] = ("position", "열");
        let (status, _, html) = manager.post("/settings/sla", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("value=\"150\""));
        assert!(html.contains("value=\"열\""));
        assert!(html.contains("id=\"f-warn_percent-error\"") && html.contains("5~99% 사이로"));
        assert!(html.contains("id=\"f-position-error\"") && html.contains("숫자를 입력하세요."));
        assert!(html.contains("id=\"f-name-error\""));
        assert!(html.contains(
            "aria-invalid=\"true\" aria-describedby=\"f-warn_percent-error f-warn_percent-hint\""
        ));
        // A manager may not make a policy for every unit.
        let mut global = form("모든 지점", "75");
        global[2] = ("unit_id", "");
        let (status, _, html) = manager.post("/settings/sla", &global).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"f-unit_id-error\""));
        assert_eq!(app.store.list_sla_policies(Some(a)).await.unwrap().len(), 2);
        // Nor change the one for every unit.
        let default = policies.iter().find(|p| p.unit_id.is_none()).unwrap();
        let mut change_default = form("기본", "75");
        change_default.push(("version", "1"));
        let (status, _, _) = manager
            .post(&format!("/settings/sla/{}", default.id), &change_default)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Delete with confirmation.
        let (status, html) = manager.get(&format!("{path}/delete")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("id=\"sla-delete-form\""));
        let (status, location, _) = manager
            .post(&format!("{path}/delete"), &[("version", "2")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/settings/sla?deleted=1");
        assert!(app.store.get_sla_policy(p.id).await.is_err());
    }
);

both_backends!(
    a_holiday_added_on_the_calendar_page_changes_the_unit,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let a = app.unit("강남점").await;
        employee(&app, Some(a), "manager", "manager.a@test.example").await;
        let manager = sign_in(&app, "manager.a@test.example").await;
        let (status, html) = manager.get("/settings/calendar").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("id=\"hours-form\"") && html.contains("id=\"holiday-form\""));
        let version = hidden(&html, "version");
        let unit = a.to_string();

        let (status, location, _) = manager
            .post(
                "/settings/calendar",
                &[
                    ("unit", &unit),
                    ("version", &version),
                    ("action", "add_holiday"),
                    ("holiday_date", "2030-10-03"),
                    ("holiday_name", "개천절"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, format!("/settings/calendar?unit={a}&saved=1"));
        let u = app.store.get_unit(a).await.unwrap();
        assert_eq!(u.calendar.holidays.len(), 1);
        assert_eq!(
            (
                u.calendar.holidays[0].date.as_str(),
                u.calendar.holidays[0].name.as_str()
            ),
            ("2030-10-03", "개천절")
        );
        let (_, html) = manager.get("/settings/calendar").await;
        assert!(html.contains("개천절") && html.contains("2030년 10월 3일 (목)"));

        // The same (now stale) version again: a conflict, nothing added.
        let (status, _, html) = manager
            .post(
                "/settings/calendar",
                &[
                    ("unit", &unit),
                    ("version", &version),
                    ("action", "add_holiday"),
                    ("holiday_date", "2030-10-09"),
                    ("holiday_name", "한글날"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("id=\"conflict\""));
        assert!(html.contains("value=\"한글날\""), "what was typed is kept");
        assert_eq!(
            app.store.get_unit(a).await.unwrap().calendar.holidays.len(),
            1
        );

        // Weekday hours: Monday to Friday 09:00–18:00 with a lunch break on Friday.
        let v = app.store.get_unit(a).await.unwrap().version.to_string();
        let mut hours: Vec<(&str, &str)> = vec![
            ("unit", &unit),
            ("version", &v),
            ("action", "hours"),
            ("time_zone", "Asia/Seoul"),
        ];
        for d in ["mon", "tue", "wed", "thu"] {
            hours.push((Box::leak(format!("{d}_open").into_boxed_str()), "09:00"));
            hours.push((Box::leak(format!("{d}_close").into_boxed_str()), "18:00"));
        }
        hours.extend([
            ("fri_open", "09:00"),
            ("fri_close", "12:00"),
            ("fri_open2", "13:00"),
            ("fri_close2", "18:00"),
            ("sat_closed", "1"),
            ("sun_closed", "1"),
        ]);
        let (status, _, html) = manager.post("/settings/calendar", &hours).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
        let u = app.store.get_unit(a).await.unwrap();
        assert_eq!(u.calendar.weekly.fri.len(), 2);
        assert!(u.calendar.weekly.sat.is_empty());
        assert_eq!(u.calendar.holidays.len(), 1, "the holidays stay");

        // Bad input: 422 with the error next to the time, and the typed text kept.
        let v = u.version.to_string();
        let mut bad = hours.clone();
        bad[1] = ("version", &v);
        bad[4] = ("mon_open", "9시");
        bad.push(("tue_close2", "17:00"));
        let (status, _, html) = manager.post("/settings/calendar", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("value=\"9시\""));
        assert!(html.contains("aria-describedby=\"f-mon_open-error\""));
        assert!(html.contains("id=\"f-mon_open-error\"") && html.contains("09:00처럼"));
        assert!(
            html.contains("id=\"f-tue_open2-error\""),
            "an interval needs both ends"
        );
        assert_eq!(app.store.get_unit(a).await.unwrap().version, u.version);

        // Remove the holiday.
        let (status, _, _) = manager
            .post(
                "/settings/calendar",
                &[
                    ("unit", &unit),
                    ("version", &v),
                    ("action", "remove_holiday"),
                    ("date", "2030-10-03"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            app.store
                .get_unit(a)
                .await
                .unwrap()
                .calendar
                .holidays
                .is_empty()
        );
    }
);

both_backends!(
    a_manager_sets_an_agents_authority_limit_within_their_powers,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let a = app.unit("강남점").await;
        let agent = employee(&app, Some(a), "agent", "agent.a@test.example").await;
        let me = employee(&app, Some(a), "manager", "manager.a@test.example").await;
        let manager = sign_in(&app, "manager.a@test.example").await;
        let (status, html) = manager.get("/settings/staff").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("₩50,000"));
        assert!(html.contains(&format!("href=\"/settings/staff/{agent}\"")));
        assert!(
            !html.contains(&format!("href=\"/settings/staff/{me}\"")),
            "not oneself"
        );
        assert_eq!(
            manager.get(&format!("/settings/staff/{me}")).await.0,
            StatusCode::FORBIDDEN
        );

        let path = format!("/settings/staff/{agent}");
        let (status, html) = manager.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !html.contains("value=\"admin\""),
            "a manager cannot appoint admins"
        );
        let (status, location, _) = manager
            .post(
                &path,
                &[
                    ("version", "1"),
                    ("role", "agent"),
                    ("authority_limit", "70,000"),
                    ("active", "1"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, "/settings/staff?saved=1");
        let e = app.store.get_employee(agent).await.unwrap();
        assert_eq!((e.version, e.authority_limit.amount_minor), (2, 70_000));

        let (status, _, html) = manager
            .post(
                &path,
                &[
                    ("version", "2"),
                    ("role", "admin"),
                    ("authority_limit", "abc"),
                    ("active", "1"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("id=\"f-role-error\"") && html.contains("id=\"f-authority_limit-error\"")
        );
        assert!(html.contains("value=\"abc\""));
        let (status, _, html) = manager
            .post(
                &path,
                &[
                    ("version", "1"),
                    ("role", "manager"),
                    ("authority_limit", "90000"),
                    ("active", "1"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("₩70,000") && html.contains("₩90,000"));
        let e = app.store.get_employee(agent).await.unwrap();
        assert_eq!((e.version, e.role.as_str()), (2, "agent"));
    }
);
