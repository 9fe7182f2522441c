//! The quality pages and the public complaint form over real HTTP, on SQLite and PostgreSQL:
//! the SERVQUAL page shows the API's gaps (checked against figures computed here from the
//! answers posted), the recovery page ranks categories like the API, the satisfaction and
//! touchpoint pages show their figures, an agent sees only their unit, and the complaint form
//! opens exactly one case per form, keeps what was typed on errors and escapes it.

mod common;

use common::{TestApp, id_of};
use rapport_store::testing::TestDb;
use rapport_store::{CaseFilter, Change, PageRequest, both_backends};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use uuid::Uuid;

const PASSWORD: &str = "quality pages 2026";

/// A signed-in browser: a client that does not follow redirects and the session cookie.
struct Browser {
    client: reqwest::Client,
    base: String,
    session: String,
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of cookie `name` set by a response.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
}

/// The value of the `<input>` named `name`.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    let tag = &html[start..end];
    let v = tag.find("value=\"").expect("a value") + 7;
    tag[v..v + tag[v..].find('"').unwrap()].to_owned()
}

fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Creates an employee with a password and signs them in over HTTP, in English.
async fn sign_in(app: &TestApp, email: &str, role: &str, unit: Option<Uuid>) -> Browser {
    let input: rapport_domain::org::EmployeeInput = serde_json::from_value(json!({
        "name": "품질 담당", "email": email, "role": role, "unit_id": unit,
        "authority_limit": {"amount_minor": 30000, "currency": "KRW"}
    }))
    .unwrap();
    app.store
        .create_employee(
            &Change::system(),
            &input.parse().unwrap(),
            Some(&rapport_web::auth::hash_password(PASSWORD)),
        )
        .await
        .unwrap();
    let client = no_redirects();
    let r = client
        .get(format!("{}/login?lang=en", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let login_cookie = set_cookie(&r, "rapport_login").expect("the sign-in cookie");
    let html = r.text().await.unwrap();
    let login_csrf = input_value(&html, "login_csrf");
    let r = client
        .post(format!("{}/login", app.base))
        .header(COOKIE, format!("rapport_login={login_cookie}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form(&[
            ("email", email),
            ("password", PASSWORD),
            ("login_csrf", &login_csrf),
            ("next", "/"),
            ("lang", "en"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let session = set_cookie(&r, "rapport_session").expect("a session");
    Browser {
        client,
        base: app.base.clone(),
        session,
    }
}

impl Browser {
    async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, format!("rapport_session={}", self.session))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    async fn page(&self, path: &str) -> String {
        let (status, html) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {html}");
        html
    }
}

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// A touchpoint with its own name.
async fn touchpoint(app: &TestApp, unit: Uuid, ko: &str, en: &str, presence: f64) -> Uuid {
    let r = app
        .post(
            "/api/v1/touchpoints",
            &app.admin,
            &json!({"unit_id": unit, "name": {"ko": ko, "en": en}, "channel": "in_person",
                    "journey_stage": "during", "customer_presence_minutes": presence,
                    "service_creation_minutes": 10.0}),
        )
        .await;
    assert_eq!(r.status(), 201);
    id_of(r).await
}

async fn open_case(app: &TestApp, unit: Uuid, category: &str) -> Uuid {
    let r = app
        .post(
            "/api/v1/cases",
            &app.admin,
            &json!({"source": "staff_report", "channel": "in_person", "unit_id": unit,
                    "category": category, "severity": 3, "description": "테스트 케이스"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    id_of(r).await
}

/// The part of a page from the element with `id` to the end of its table.
fn table_by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id}"));
    let end = at + html[at..].find("</table>").expect("a table");
    &html[at..end]
}

/// Two decimals with a true minus sign, as the pages show numbers.
fn shown(x: f64) -> String {
    let s = format!("{:.2}", x.abs());
    if x < 0.0 && s != "0.00" {
        format!("−{s}")
    } else {
        s
    }
}

const DIMENSIONS: [(&str, &str, usize); 5] = [
    ("tangibles", "Tangibles", 4),
    ("reliability", "Reliability", 5),
    ("responsiveness", "Responsiveness", 4),
    ("assurance", "Assurance", 4),
    ("empathy", "Empathy", 5),
];

both_backends!(
    the_servqual_page_shows_the_gaps_of_the_answers,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = touchpoint(&app, unit, "창구", "Counter", 9.0).await;

        // Three respondents answer every pair; two of them allocate importance.
        let e = |i: usize, r: usize| 1 + ((i * 3 + r * 2) % 7) as i64;
        let p = |i: usize, r: usize| 1 + ((i * 5 + r) % 7) as i64;
        for r in 0..3 {
            let mut answers = serde_json::Map::new();
            for i in 0..22 {
                answers.insert(format!("e{:02}", i + 1), json!(e(i, r)));
                answers.insert(format!("p{:02}", i + 1), json!(p(i, r)));
            }
            let mut body = json!({"instrument": "servqual", "unit_id": unit, "touchpoint_id": tp,
                                  "answers": answers});
            if r < 2 {
                body["importance"] = json!({"tangibles": 10, "reliability": 30,
                    "responsiveness": 20, "assurance": 20, "empathy": 20});
            }
            json_of(
                app.post("/api/v1/survey-responses", &app.admin, &body)
                    .await,
                201,
            )
            .await;
        }
        // The gap of a dimension: the mean over its pairs of the mean of P − E.
        let mut expected = Vec::new();
        let mut first = 0;
        for (code, name, pairs) in DIMENSIONS {
            let gaps: Vec<f64> = (first..first + pairs)
                .map(|i| (0..3).map(|r| (p(i, r) - e(i, r)) as f64).sum::<f64>() / 3.0)
                .collect();
            expected.push((code, name, gaps.iter().sum::<f64>() / pairs as f64));
            first += pairs;
        }

        let api = json_of(
            app.get(
                &format!("/api/v1/reports/servqual?unit_id={unit}"),
                &app.admin,
            )
            .await,
            200,
        )
        .await;
        for (code, _, gap) in &expected {
            let d = api["report"]["dimensions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["code"] == *code)
                .unwrap();
            assert!((d["gap"].as_f64().unwrap() - gap).abs() < 1e-9, "{code}");
        }

        let manager = sign_in(&app, "cx@test.example", "manager", Some(unit)).await;
        let html = manager.page("/quality/servqual").await;
        assert!(html.contains("<html lang=\"en\""));
        let dims = table_by_id(&html, "sq-dimensions");
        for (_, name, gap) in &expected {
            let row_at = dims
                .find(&format!("<th scope=\"row\">{name}</th>"))
                .unwrap_or_else(|| panic!("no row for {name}"));
            let row = &dims[row_at..row_at + dims[row_at..].find("</tr>").unwrap()];
            let g = shown(*gap);
            assert!(
                row.contains(&format!("gap\">{g}</td>"))
                    || row.contains(&format!("gap gap-neg\">{g}</td>")),
                "{name}: expected {g} in {row}"
            );
        }
        // The same gaps in the bar chart's data table, and charts an assistive reader can use.
        let chart_at = html.find("id=\"sq-gap").expect("the gap chart");
        let chart = &html[chart_at..chart_at + html[chart_at..].find("</figure>").unwrap()];
        assert!(chart.contains("role=\"img\""));
        assert!(chart.contains("<table"));
        for (_, name, gap) in &expected {
            assert!(
                chart.contains(name) && chart.contains(&shown(*gap)),
                "{name}"
            );
        }
        assert!(
            html.matches("<svg").count() >= 3,
            "gap, grid and trend charts"
        );
        assert!(html.contains("id=\"sq-reliability\"") && html.contains("id=\"sq-items\""));
        assert!(html.contains("<span class=\"v\">3</span><span class=\"k\">Respondents</span>"));

        // The same page filtered by the touchpoint, and a broken date kept with its error.
        let html = manager
            .page(&format!("/quality/servqual?touchpoint_id={tp}"))
            .await;
        assert!(html.contains(&shown(expected[0].2)));
        let (status, html) = manager.get("/quality/servqual?from=2026-13-01").await;
        assert_eq!(status, 422);
        assert!(html.contains("value=\"2026-13-01\""));
        assert!(html.contains("id=\"f-from-error\""));
    }
);

both_backends!(
    the_recovery_page_ranks_categories_like_the_api,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("종로점").await;
        for (category, n) in [
            ("process.staff_attitude", 1),
            ("outcome.wrong_item", 2),
            ("process.long_wait", 3),
        ] {
            for _ in 0..n {
                open_case(&app, unit, category).await;
            }
        }
        let api = json_of(
            app.get(
                &format!("/api/v1/reports/recovery?unit_id={unit}"),
                &app.admin,
            )
            .await,
            200,
        )
        .await;
        let keys: Vec<&str> = api["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "process.long_wait",
                "outcome.wrong_item",
                "process.staff_attitude"
            ]
        );

        let admin = sign_in(&app, "lead@test.example", "admin", None).await;
        let html = admin
            .page(&format!("/quality/recovery?unit_id={unit}"))
            .await;
        let pareto_at = html.find("id=\"rec-categories").expect("the Pareto chart");
        let pareto = &html[pareto_at..pareto_at + html[pareto_at..].find("</figure>").unwrap()];
        assert!(pareto.contains("role=\"img\""));
        let table = &pareto[pareto.find("<table").expect("a data table")..];
        let at = |name: &str| {
            table
                .find(name)
                .unwrap_or_else(|| panic!("{name} is not in the table"))
        };
        assert!(at("Long wait") < at("Wrong or missing item"));
        assert!(at("Wrong or missing item") < at("Rude or indifferent staff"));
        assert!(html.contains("<span class=\"v\">6</span><span class=\"k\">Cases</span>"));
        assert!(html.contains("id=\"rec-funnel"));
        // Every case was reported by staff: all found before a complaint.
        assert!(html.contains(
            "<span class=\"v\">100.0%</span><span class=\"k\">Found before a complaint</span>"
        ));
    }
);

both_backends!(
    satisfaction_and_touchpoint_pages_show_their_figures,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("판교점").await;
        let tp = touchpoint(&app, unit, "상담 창구", "Advice desk", 9.0).await;
        for score in [5, 4, 2] {
            json_of(
                app.post(
                    "/api/v1/survey-responses",
                    &app.admin,
                    &json!({"instrument": "csat", "unit_id": unit, "answers": {"csat": score}}),
                )
                .await,
                201,
            )
            .await;
        }
        let viewer = sign_in(&app, "viewer@test.example", "viewer", Some(unit)).await;
        let html = viewer.page("/quality/satisfaction").await;
        let csat_at = html.find("id=\"sat-csat\"").expect("the CSAT card");
        let csat = &html[csat_at..csat_at + html[csat_at..].find("</section>").unwrap()];
        assert!(csat.contains("66.7%"), "2 of 3 answered 4–5");
        assert!(csat.contains("3.67"), "mean of 5, 4, 2");
        assert!(csat.contains("role=\"img\"") || csat.contains("No data"));

        let html = viewer.page("/quality/touchpoints").await;
        assert!(html.contains("Advice desk"));
        assert!(html.contains("<span class=\"badge high\">High contact</span>"));
        assert!(html.contains("Contact-enhancing strategy"));
        let html = viewer
            .page(&format!("/quality/touchpoints?touchpoint_id={tp}"))
            .await;
        assert!(html.contains("id=\"tp-detail-title\""));
    }
);

both_backends!(an_agent_sees_only_their_unit, |db: TestDb| async move {
    let app = TestApp::spawn(db).await;
    let mine = app.unit("강남점").await;
    let other = app.unit("부산점").await;
    touchpoint(&app, mine, "우리 창구", "Our counter", 9.0).await;
    let their_tp = touchpoint(&app, other, "남의 창구", "Their counter", 2.0).await;
    for _ in 0..2 {
        open_case(&app, mine, "process.long_wait").await;
    }
    for _ in 0..3 {
        open_case(&app, other, "outcome.wrong_item").await;
    }
    let agent = sign_in(&app, "agent@test.example", "agent", Some(mine)).await;
    for path in [
        "/quality/touchpoints",
        "/quality/servqual",
        "/quality/satisfaction",
        "/quality/recovery",
    ] {
        let html = agent.page(path).await;
        assert!(!html.contains("Their counter"), "{path}");
        assert!(!html.contains("부산점"), "{path}");
        assert!(!html.contains("id=\"f-unit\""), "{path}: no unit picker");
    }
    let html = agent.page("/quality/touchpoints").await;
    assert!(html.contains("Our counter"));
    // Asking for the other unit still shows one's own.
    let html = agent
        .page(&format!("/quality/touchpoints?unit_id={other}"))
        .await;
    assert!(html.contains("Our counter") && !html.contains("Their counter"));
    let html = agent
        .page(&format!("/quality/recovery?unit_id={other}"))
        .await;
    assert!(html.contains("<span class=\"v\">2</span><span class=\"k\">Cases</span>"));
    assert!(!html.contains("Wrong or missing item"));
    // Another unit's touchpoint does not exist for them.
    let (status, _) = agent
        .get(&format!("/quality/servqual?touchpoint_id={their_tp}"))
        .await;
    assert_eq!(status, 404);
    // Without a session: to the sign-in page.
    let r = no_redirects()
        .get(format!("{}/quality/servqual", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
});

/// The complaint form as a browser sees it: its cookie, token and nonce.
struct ComplaintForm {
    cookie: String,
    csrf: String,
    submission: String,
}

async fn open_complaint_form(app: &TestApp, unit: Uuid, lang: &str) -> (ComplaintForm, String) {
    let r = no_redirects()
        .get(format!("{}/complaint/{unit}?lang={lang}", app.base))
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
    let cookie = set_cookie(&r, "rapport_complaint").expect("the form's cookie");
    let html = r.text().await.unwrap();
    let form = ComplaintForm {
        csrf: input_value(&html, "csrf"),
        submission: input_value(&html, "submission"),
        cookie,
    };
    assert_eq!(form.csrf, form.cookie, "double submit");
    (form, html)
}

async fn post_complaint(
    app: &TestApp,
    unit: Uuid,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut req = no_redirects()
        .post(format!("{}/complaint/{unit}", app.base))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form(fields));
    if let Some(c) = cookie {
        req = req.header(COOKIE, format!("rapport_complaint={c}"));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn complaint_cases(app: &TestApp, unit: Uuid) -> Vec<rapport_store::Case> {
    app.store
        .list_cases(
            &CaseFilter {
                unit: Some(unit),
                ..Default::default()
            },
            &PageRequest::first(100),
        )
        .await
        .unwrap()
        .items
}

fn case_number(html: &str) -> String {
    let marker = "id=\"complaint-number\">";
    let at = html.find(marker).expect("a case number") + marker.len();
    html[at..at + html[at..].find('<').unwrap()].to_owned()
}

both_backends!(
    a_complaint_opens_one_case_and_is_escaped,
    |db: TestDb| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("명동점").await;
        let tp = touchpoint(&app, unit, "계산대", "Checkout", 5.0).await;
        let (f, html) = open_complaint_form(&app, unit, "ko").await;
        assert!(html.contains("<html lang=\"ko\""));
        assert!(html.contains("계산대"), "the unit's touchpoints");
        assert!(html.contains("id=\"complaint-form\""));
        let (_, en) = open_complaint_form(&app, unit, "en").await;
        assert!(en.contains("<html lang=\"en\"") && en.contains("What happened?"));

        let script = "<script>alert('x')</script> 주문한 메뉴가 아닌 음식이 나왔어요.";
        let tp_text = tp.to_string();
        let fields = [
            ("csrf", f.csrf.as_str()),
            ("submission", f.submission.as_str()),
            ("lang", "ko"),
            ("name", "김민수"),
            ("email", "minsu@example.com"),
            ("phone", ""),
            ("touchpoint", tp_text.as_str()),
            ("what", script),
            ("when", ""),
            ("website", ""),
        ];
        // A double POST (a double tap, then a retry) opens one case.
        let (a, b) = tokio::join!(
            post_complaint(&app, unit, Some(&f.cookie), &fields),
            post_complaint(&app, unit, Some(&f.cookie), &fields)
        );
        let again = post_complaint(&app, unit, Some(&f.cookie), &fields).await;
        for (status, html) in [&a, &b, &again] {
            assert_eq!(*status, 200, "{html}");
        }
        let number = case_number(&a.1);
        assert!(number.starts_with("R-"), "{number}");
        assert_eq!(case_number(&b.1), number);
        assert_eq!(case_number(&again.1), number);
        let cases = complaint_cases(&app, unit).await;
        assert_eq!(cases.len(), 1);
        let case = &cases[0];
        assert_eq!(case.number, number);
        assert_eq!(case.source.as_str(), "complaint");
        assert_eq!(case.touchpoint_id, Some(tp));
        assert_eq!(case.description, script.trim(), "stored as typed");
        let customer = app
            .store
            .get_customer(case.customer_id.expect("a customer"))
            .await
            .unwrap();
        assert_eq!(customer.name, "김민수");
        assert_eq!(customer.email.as_deref(), Some("minsu@example.com"));
        // The case over the API carries the text as data; a staff page, once there, escapes it.
        let api = json_of(
            app.get(&format!("/api/v1/cases/{}", case.id), &app.admin)
                .await,
            200,
        )
        .await;
        assert_eq!(api["source"], "complaint");
        assert_eq!(api["description"], script.trim());
        let staff = sign_in(&app, "desk@test.example", "agent", Some(unit)).await;
        let (status, page) = staff.get(&format!("/cases/{}", case.id)).await;
        if status == 200 {
            assert!(!page.contains("<script>alert"), "escaped on the case page");
            assert!(page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"));
        }

        // Missing name and contact: 422, the messages, and what was typed kept and escaped.
        let (f2, _) = open_complaint_form(&app, unit, "en").await;
        let (status, html) = post_complaint(
            &app,
            unit,
            Some(&f2.cookie),
            &[
                ("csrf", &f2.csrf),
                ("submission", &f2.submission),
                ("lang", "en"),
                ("name", "  "),
                ("email", ""),
                ("phone", ""),
                ("what", script),
                ("when", "2999-01-01"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"complaint-name-error\""));
        assert!(html.contains("id=\"complaint-contact-error\""));
        assert!(html.contains("Please enter your name."));
        assert!(html.contains("Please give an e-mail address or a phone number."));
        assert!(html.contains("Please choose today or an earlier date."));
        assert!(html.contains("value=\"2999-01-01\""), "the date kept");
        assert!(!html.contains("<script>alert"), "escaped");
        assert!(html.contains("&#60;script&#62;alert") || html.contains("&lt;script&gt;alert"));
        assert!(
            html.contains("주문한 메뉴가 아닌 음식이 나왔어요."),
            "the text kept"
        );
        assert!(html.contains("aria-invalid=\"true\""));
        assert_eq!(input_value(&html, "submission"), f2.submission);
        // A bad e-mail in Korean.
        let (status, html) = post_complaint(
            &app,
            unit,
            Some(&f2.cookie),
            &[
                ("csrf", &f2.csrf),
                ("submission", &f2.submission),
                ("lang", "ko"),
                ("name", "이지은"),
                ("email", "not-an-address"),
                ("what", "직원이 불친절했어요."),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("이메일 주소를 name@example.com 형식으로 적어 주세요."));
        assert!(html.contains("value=\"not-an-address\""));
        assert_eq!(complaint_cases(&app, unit).await.len(), 1);

        // Without the cookie (a forged cross-site post): nothing opened, the text kept.
        let (status, html) = post_complaint(
            &app,
            unit,
            None,
            &[
                ("csrf", &f2.csrf),
                ("submission", &f2.submission),
                ("name", "이지은"),
                ("phone", "010-1234-5678"),
                ("what", "직원이 불친절했어요."),
            ],
        )
        .await;
        assert_eq!(status, 403);
        assert!(html.contains("직원이 불친절했어요."));
        // The honeypot: thanked, nothing kept.
        let (status, html) = post_complaint(
            &app,
            unit,
            Some(&f2.cookie),
            &[
                ("csrf", &f2.csrf),
                ("submission", &f2.submission),
                ("name", "bot"),
                ("phone", "010-1234-5678"),
                ("what", "buy now"),
                ("website", "http://spam.example"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        assert!(!html.contains("complaint-number"));
        assert_eq!(complaint_cases(&app, unit).await.len(), 1);
        // Too large a body.
        let huge = "가".repeat(20_000);
        let (status, _) = post_complaint(
            &app,
            unit,
            Some(&f2.cookie),
            &[
                ("csrf", &f2.csrf),
                ("submission", &f2.submission),
                ("what", &huge),
            ],
        )
        .await;
        assert_eq!(status, 413);
        // A phone number alone is enough; a new form opens a second case.
        let (status, html) = post_complaint(
            &app,
            unit,
            Some(&f2.cookie),
            &[
                ("csrf", &f2.csrf),
                ("submission", &f2.submission),
                ("lang", "en"),
                ("name", "Jane Park"),
                ("phone", "010-1234-5678"),
                ("what", "The card machine charged me twice."),
                ("when", &chrono::Utc::now().date_naive().to_string()),
            ],
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert_ne!(case_number(&html), number);
        assert_eq!(complaint_cases(&app, unit).await.len(), 2);
        // An unknown unit.
        let r = no_redirects()
            .get(format!("{}/complaint/{}", app.base, Uuid::nil()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
);
