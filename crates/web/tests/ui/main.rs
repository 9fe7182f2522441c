//! The web UI end to end: headless Chromium, driven over WebDriver, against the real server
//! on a fresh database (SQLite and PostgreSQL). Each test saves screenshots of the pages it
//! visits and fails on any console error or failed request the browser reports.
//!
//! Needs `chromium` and `chromium-driver` (Debian); see `webdriver.rs` for the overrides.
//! Screenshots go to `RAPPORT_SCREENSHOTS`, else `target/screenshots` of the workspace.

#[path = "../common/mod.rs"]
mod common;
mod webdriver;

use std::path::PathBuf;

use common::TestApp;
use rapport_store::testing::TestDb;
use rapport_store::{DatabaseUrl, both_backends};
use serde_json::{Value, json};
use webdriver::Browser;

/// The screenshot folder, created on first use.
fn screenshot_dir() -> PathBuf {
    let dir = match std::env::var("RAPPORT_SCREENSHOTS") {
        Ok(d) if !d.trim().is_empty() => PathBuf::from(d),
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/screenshots"
        )),
    };
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("create the screenshot folder {}: {e}", dir.display()));
    dir
}

/// Saves the whole current page as `{name}.png` in the screenshot folder.
async fn screenshot(browser: &Browser, name: &str) -> PathBuf {
    let path = screenshot_dir().join(format!("{name}.png"));
    browser.screenshot_full_page(&path).await;
    path
}

/// `sqlite` or `postgres`, to keep the two runs' screenshots apart.
fn backend(db: &TestDb) -> &'static str {
    match db.url {
        DatabaseUrl::Sqlite(_) => "sqlite",
        DatabaseUrl::Postgres(_) => "postgres",
    }
}

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// The harness itself: a failed sub-request and `console.error` must both be caught, or
/// every other test here would pass without looking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_reports_console_errors_and_failed_requests() {
    let page = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            axum::response::Html(
                "<!doctype html><html lang=\"en\"><head><title>probe</title>\
                 <link rel=\"icon\" href=\"data:,\"></head><body>\
                 <img src=\"/missing.png\" alt=\"\"><script>console.error(\"x\")</script>\
                 <select id=\"s\"><option value=\"a\">A</option><option value=\"b\">B</option>\
                 </select><input id=\"t\" value=\"old\"></body></html>",
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, page).await });

    let browser = Browser::launch().await;
    browser.goto(&format!("{base}/")).await;
    assert_eq!(browser.title().await, "probe");
    let problems = browser.problems().await;
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("/missing.png") && p.message.contains("404")),
        "the 404 image: {problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.source.as_deref() == Some("console-api") && p.message.contains("\"x\"")),
        "console.error: {problems:?}"
    );

    // The rest of the toolbox, on the same page.
    browser.select("#s", "b").await;
    assert_eq!(browser.value("#s").await, "b");
    browser.fill("#t", "새 값").await;
    assert_eq!(browser.value("#t").await, "새 값");
    assert!(browser.exists("#t").await && !browser.exists("#nothing").await);
    browser.set_cookie("probe", "1").await;
    let cookies = browser.execute("return document.cookie", vec![]).await;
    assert_eq!(cookies, "probe=1");
    browser.delete_cookies().await;
    let cookies = browser.execute("return document.cookie", vec![]).await;
    assert_eq!(cookies, "");
    browser.goto(&format!("{base}/#done")).await;
    browser.wait_for_url_contains("#done").await;

    let caught = tokio::spawn(async move { browser.assert_no_console_errors().await }).await;
    assert!(caught.is_err(), "assert_no_console_errors must panic here");
}

both_backends!(public_survey_form_in_korean, |db: TestDb| async move {
    let backend = backend(&db);
    let app = TestApp::spawn(db).await;
    let unit = app.unit("강남점").await;
    // An English customer's invitation, opened in Korean through the language switch.
    let created = json_of(
        app.post(
            "/api/v1/survey-invitations",
            &app.admin,
            &json!({"instrument": "servqual", "unit_id": unit, "locale": "en"}),
        )
        .await,
        201,
    )
    .await;
    let path = created["items"][0]["path"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/s/"), "{path}");
    let servqual = json_of(
        app.get("/api/v1/survey-instruments/servqual", &app.admin)
            .await,
        200,
    )
    .await;
    let title_ko = servqual["name"]["ko"].as_str().unwrap().to_owned();

    let browser = Browser::launch().await;
    browser.goto(&format!("{}{path}?lang=ko", app.base)).await;
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some("ko"));
    assert_eq!(browser.text("h1").await, title_ko);
    assert!(
        browser
            .find_all("h2")
            .await
            .first()
            .expect("section headings")
            .text()
            .await
            .contains("기대"),
        "the expectations section comes first, in Korean"
    );
    assert_eq!(browser.text("button.submit").await, "응답 보내기");

    // Every question answered by clicking one of its labels, a different point each time.
    let groups = browser.find_all("fieldset[role=radiogroup]").await;
    assert!(
        groups.len() >= 44,
        "SERVQUAL has 22 pairs: {}",
        groups.len()
    );
    for (i, group) in groups.iter().enumerate() {
        let labels = group.find_all("label.pt").await;
        assert!(!labels.is_empty(), "question {i} has points to choose");
        labels[i % labels.len()].click().await;
    }
    let checked = browser
        .execute(
            "const out = {};
             for (const r of document.querySelectorAll('input[type=radio]:checked'))
               out[r.name.slice(2)] = Number(r.value);
             return out;",
            vec![],
        )
        .await;
    let checked = checked.as_object().unwrap().clone();
    assert_eq!(checked.len(), groups.len(), "one answer per question");
    // The importance points are optional; share the 100 anyway to exercise typing.
    let points = browser.find_all(".alloc input.num").await;
    if !points.is_empty() {
        let n = points.len();
        for (i, input) in points.iter().enumerate() {
            let share = 100 / n + usize::from(i < 100 % n);
            input.clear().await;
            input.send_keys(&share.to_string()).await;
        }
    }
    browser.fill("#comment", "직원분이 친절했습니다.").await;
    screenshot(&browser, &format!("survey-form-ko-{backend}")).await;
    browser.assert_no_console_errors().await;

    browser.click("button.submit").await;
    assert_eq!(browser.text(".done h1").await, "소중한 의견 감사합니다");
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some("ko"));
    assert!(browser.text(".done").await.contains("강남점"));
    screenshot(&browser, &format!("survey-thanks-ko-{backend}")).await;
    browser.assert_no_console_errors().await;

    // What the browser sent is what was stored.
    let stored = json_of(
        app.get("/api/v1/survey-responses?instrument=servqual", &app.admin)
            .await,
        200,
    )
    .await;
    let items = stored["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["source"], "form");
    assert_eq!(items[0]["comment"], "직원분이 친절했습니다.");
    assert_eq!(items[0]["answers"].as_object().unwrap(), &checked);
});

/// An employee who signs in with a password; returns their id.
async fn employee_with_password(
    app: &TestApp,
    unit: uuid::Uuid,
    role: &str,
    email: &str,
    limit: i64,
) -> uuid::Uuid {
    let input: rapport_domain::org::EmployeeInput = serde_json::from_value(json!({
        "name": if role == "manager" { "박지훈 매니저" } else { "이서연" },
        "email": email, "role": role, "unit_id": unit,
        "authority_limit": {"amount_minor": limit, "currency": "KRW"}
    }))
    .unwrap();
    app.store
        .create_employee(
            &rapport_store::Change::system(),
            &input.parse().unwrap(),
            Some(&rapport_web::auth::hash_password(PASSWORD)),
        )
        .await
        .unwrap()
        .id
}

const PASSWORD: &str = "a long enough password";

async fn sign_in(browser: &Browser, base: &str, email: &str) {
    browser.goto(&format!("{base}/queue")).await;
    browser.wait_for_url_contains("/login").await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.wait_for_url_contains("/queue").await;
    browser.assert_no_console_errors().await;
}

async fn sign_out(browser: &Browser) {
    browser.click("form[action='/logout'] button").await;
    browser.wait_for_url_contains("/login").await;
}

// The staff's day as a person would live it: sign in, open a case from a complaint,
// answer it with an edited template, offer compensation above the agent's authority,
// have a manager approve it, resolve, follow up, close, switch language, read reports.
both_backends!(
    a_case_goes_through_every_stage_in_the_browser,
    |db: TestDb| async move {
        let b = backend(&db);
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let tp = app.touchpoint(unit, 10.0, 12.0).await;
        employee_with_password(&app, unit, "agent", "agent@example.com", 10_000).await;
        employee_with_password(&app, unit, "manager", "manager@example.com", 1_000_000).await;
        let customer = json_of(
        app.post(
            "/api/v1/customers",
            &app.admin,
            &json!({"name": "김민준", "email": "minjun@example.com", "locale": "ko", "tier": "gold"}),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

        let browser = Browser::launch().await;
        sign_in(&browser, &app.base, "agent@example.com").await;
        screenshot(&browser, &format!("queue-{b}")).await;

        // A walk-in not on file: registered from the new-case form, which comes back with
        // the new customer chosen.
        browser.goto(&format!("{}/cases/new", app.base)).await;
        browser.click("#nc-new-customer").await;
        browser.find("#customer-form").await;
        browser.fill("#f-name", "이도윤").await;
        browser.fill("#f-phone", "010-4444-5555").await;
        screenshot(&browser, &format!("customer-new-{b}")).await;
        browser.click("#customer-save").await;
        browser
            .wait_for_url_contains("/cases/new?customer_id=")
            .await;
        let chosen = browser
            .find("#nc-matches input[name=customer_id]:checked")
            .await;
        assert_eq!(
            chosen
                .attr("id")
                .await
                .as_deref()
                .map(|id| id.starts_with("nc-customer-")),
            Some(true)
        );
        assert!(browser.text("#nc-matches").await.contains("이도윤"));
        assert_ne!(
            chosen.attr("value").await.as_deref(),
            Some(""),
            "the walk-in is chosen"
        );

        // A new case from a complaint, with the customer found by name.
        browser.goto(&format!("{}/cases/new", app.base)).await;
        browser.select("#nc-touchpoint", &tp.to_string()).await;
        browser.select("#nc-channel", "in_person").await;
        browser
            .select("#nc-category", "process.staff_attitude")
            .await;
        browser.select("#nc-severity", "2").await;
        browser
            .fill(
                "#nc-description",
                "<script>window.pwned = 1</script> 직원이 주문을 잊고 사과하지 않았습니다.",
            )
            .await;
        browser.fill("#nc-customer-q", "김민준").await;
        browser.click("#nc-find").await;
        browser
            .click(&format!("input[name=customer_id][value='{customer}']"))
            .await;
        assert!(
            browser
                .value("#nc-description")
                .await
                .starts_with("<script>"),
            "the description survives the customer search"
        );
        browser.click("#nc-submit").await;
        browser.find("#form-acknowledge").await;
        let html = browser
            .execute("return document.body.innerHTML", vec![])
            .await;
        assert!(
            html.as_str()
                .unwrap()
                .contains("&lt;script&gt;window.pwned"),
            "the complaint text is shown as text"
        );
        assert_eq!(
            browser
                .execute("return window.pwned === undefined", vec![])
                .await,
            Value::Bool(true)
        );
        browser.assert_no_console_errors().await;
        let case_url = browser.url().await;

        // Pre-recovery ends when the agent acknowledges; the first response uses a template.
        browser.click("#ack-submit").await;
        browser.find("#form-template").await;
        let first = browser
            .attr("#template-code option:not([value=''])", "value")
            .await
            .expect("a response template");
        browser.select("#template-code", &first).await;
        browser.select("#template-lang", "ko").await;
        browser.click("#template-apply").await;
        // A click does not wait for the navigation it starts: wait for the drafted page.
        browser.wait_for_url_contains("template=").await;
        let drafted = browser.value("#respond-body").await;
        assert!(!drafted.trim().is_empty(), "the template fills the reply");
        assert!(
            drafted.contains("김민준") && drafted.contains("R-2026-"),
            "the customer's name and the case number are filled in: {drafted}"
        );
        // What the case cannot know yet (the follow-up date before resolving) stays marked
        // for the agent to write, as they would.
        let edited = drafted.replace("{{follow_up_date}}", "다음 주 월요일");
        assert!(
            !edited.contains("{{"),
            "only the follow-up date is left open: {drafted}"
        );
        browser
            .fill(
                "#respond-body",
                &format!("{edited}\n내일 매장에서 다시 뵙겠습니다."),
            )
            .await;
        browser.click("#respond-submit").await;
        browser.find("#form-recovery").await;
        assert!(
            browser
                .text("body")
                .await
                .contains("내일 매장에서 다시 뵙겠습니다.")
        );

        // Compensation above the agent's authority waits for the manager.
        browser.select("#recovery-kind", "refund").await;
        browser.fill("#recovery-amount", "50000").await;
        browser.click("#recovery-submit").await;
        browser.find(".badge.pending").await;
        browser.assert_no_console_errors().await;
        screenshot(&browser, &format!("case-pending-{b}")).await;
        sign_out(&browser).await;

        sign_in(&browser, &app.base, "manager@example.com").await;
        browser.goto(&format!("{}/approvals", app.base)).await;
        let form = browser
            .attr("form[id^='form-approval-']", "id")
            .await
            .expect("the pending action is listed");
        let action = form.trim_start_matches("form-approval-").to_owned();
        screenshot(&browser, &format!("approvals-{b}")).await;
        browser
            .fill(
                &format!("#reason-{action}"),
                "단골 고객, 지침 범위 안입니다.",
            )
            .await;
        browser.click(&format!("#approve-{action}")).await;
        // The approvals page comes back without the decided action.
        browser
            .wait_until_gone(&format!("#form-approval-{action}"))
            .await;
        browser.wait_for_url_contains("/approvals").await;

        // Resolve, follow up with the customer's satisfaction, close with a root cause.
        browser.goto(&case_url).await;
        assert!(
            !browser.exists(".badge.pending").await,
            "the refund was approved"
        );
        browser
            .fill(
                "#resolve-summary",
                "전액 환불하고 담당 직원을 교육했습니다.",
            )
            .await;
        browser.click("#resolve-submit").await;
        browser.find("#form-follow-up").await;
        browser.click("label[for='sat-4']").await;
        browser
            .fill("#follow-up-note", "다시 방문하겠다고 하셨습니다.")
            .await;
        browser.click("#follow-up-submit").await;
        browser.find("#form-close").await;
        let cause = browser
            .attr("#close-root-cause option:not([value=''])", "value")
            .await
            .expect("a root cause");
        browser.select("#close-root-cause", &cause).await;
        browser
            .fill("#close-note", "주문 확인 절차를 바꾸었습니다.")
            .await;
        browser.click("#close-submit").await;
        browser.find("#form-reopen").await;
        browser.assert_no_console_errors().await;
        screenshot(&browser, &format!("case-closed-{b}")).await;

        // The language switch is remembered for the employee.
        let english = browser.attr("html", "lang").await;
        let other = if english.as_deref() == Some("ko") {
            "en"
        } else {
            "ko"
        };
        browser
            .click(&format!("form[action='/lang'] button[value='{other}']"))
            .await;
        browser.find(&format!("html[lang='{other}']")).await;
        browser.goto(&format!("{}/queue", app.base)).await;
        assert_eq!(browser.attr("html", "lang").await.as_deref(), Some(other));

        // The reports, with their charts and data tables.
        for (path, chart, name) in [
            (
                "/quality/recovery",
                "#rec-funnel svg[role=img]",
                "recovery-report",
            ),
            ("/quality/servqual", "#quality-filter", "servqual-report"),
            ("/dashboard", "main h1", "dashboard"),
            (
                &format!("/customers/{customer}") as &str,
                "main h1",
                "customer",
            ),
        ] {
            browser.goto(&format!("{}{path}", app.base)).await;
            browser.find(chart).await;
            browser.assert_no_console_errors().await;
            screenshot(&browser, &format!("{name}-{b}")).await;
        }
        let stored = app
            .store
            .list_cases(&Default::default(), &rapport_store::PageRequest::first(5))
            .await
            .unwrap();
        assert_eq!(stored.items.len(), 1);
        assert_eq!(stored.items[0].stage, rapport_domain::case::Stage::Closed);
    }
);
