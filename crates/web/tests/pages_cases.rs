//! The agent's day and the case page over the real server on both databases: the queue by
//! nearest deadline within the unit, a case taken through every stage by posting its forms,
//! a refund above the agent's authority approved by the manager, stale edits, CSRF, bad
//! input, escaping, and the agenda.

mod common;

use std::sync::OnceLock;

use common::TestApp;
use rapport_domain::Timestamp;
use rapport_domain::case::{ActionStatus, CaseInput, Stage};
use rapport_domain::customer::CustomerInput;
use rapport_domain::org::EmployeeInput;
use rapport_domain::taxonomy::{DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES};
use rapport_store::{Case, CaseCommand, Change, both_backends};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;
use uuid::Uuid;

const PASSWORD: &str = "a long enough password";

/// One argon2 hash for every test employee (hashing is slow in debug builds).
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| rapport_web::auth::hash_password(PASSWORD))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of a hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn cookie_of(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no cookie {name}"))
}

/// Someone signed in, with their session cookie and CSRF token.
struct User {
    id: Uuid,
    base: String,
    cookie: String,
    csrf: String,
}

impl User {
    async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = client()
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Posts a form as the browser would, with the CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        client()
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// An employee with a password, signed in over HTTP.
async fn sign_in(app: &TestApp, unit: Option<Uuid>, role: &str, email: &str, limit: i64) -> User {
    let input: EmployeeInput = serde_json::from_value(json!({
        "name": format!("직원 {email}"), "email": email, "role": role, "unit_id": unit,
        "authority_limit": {"amount_minor": limit, "currency": "KRW"}
    }))
    .unwrap();
    let employee = app
        .store
        .create_employee(
            &Change::system(),
            &input.parse().unwrap(),
            Some(password_hash()),
        )
        .await
        .unwrap();
    let c = client();
    let page = c.get(format!("{}/login", app.base)).send().await.unwrap();
    let login_cookie = cookie_of(&page, "rapport_login");
    let html = page.text().await.unwrap();
    let r = c
        .post(format!("{}/login", app.base))
        .header(COOKIE, login_cookie)
        .form(&[
            ("login_csrf", hidden(&html, "login_csrf").as_str()),
            ("next", "/queue"),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    let cookie = cookie_of(&r, "rapport_session");
    let mut user = User {
        id: employee.id,
        base: app.base.clone(),
        cookie,
        csrf: String::new(),
    };
    let (status, html) = user.get("/agenda").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    user.csrf = hidden(&html, "csrf");
    user
}

/// A case opened through the store, detected `minutes_ago`.
async fn case_at(app: &TestApp, unit: Uuid, by: Uuid, minutes_ago: i64, text: &str) -> Case {
    let detected = Timestamp::now().plus_seconds(-minutes_ago * 60);
    let input: CaseInput = serde_json::from_value(json!({
        "source": "complaint", "channel": "phone", "unit_id": unit,
        "category": DEFAULT_CATEGORIES[0].code, "severity": 3,
        "description": text, "detected_at": detected.to_rfc3339()
    }))
    .unwrap();
    app.store
        .create_case(
            &Change::by(by),
            Some(unit),
            &input.parse(Timestamp::now()).unwrap(),
        )
        .await
        .unwrap()
}

/// The case's number positions in a page, in order of appearance.
fn order_of(html: &str, numbers: &[&str]) -> Vec<usize> {
    numbers
        .iter()
        .map(|n| {
            html.find(&format!(">{n}</a>"))
                .unwrap_or_else(|| panic!("{n} is not on the page"))
        })
        .collect()
}

/// Text as the page escapes it.
fn esc(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The path of a case page with its query and fragment removed.
fn case_path(loc: &str) -> String {
    loc.split(['?', '#']).next().unwrap().to_owned()
}

both_backends!(
    the_queue_is_sorted_by_nearest_deadline_within_my_unit,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let other = app.unit("역삼점").await;
        let agent = sign_in(&app, Some(unit), "agent", "queue@x.kr", 30_000).await;
        let stranger = sign_in(&app, Some(other), "agent", "stranger@x.kr", 30_000).await;
        // The default policy acknowledges within 60 minutes around the clock.
        let fresh = case_at(&app, unit, agent.id, 10, "새로 들어온 불만").await;
        let soon = case_at(&app, unit, agent.id, 50, "곧 마감").await;
        let middle = case_at(&app, unit, agent.id, 30, "중간").await;
        let late = case_at(&app, unit, agent.id, 120, "이미 늦음").await;
        let theirs = case_at(&app, other, stranger.id, 55, "다른 지점").await;

        let (status, html) = agent.get("/queue").await;
        assert_eq!(status, StatusCode::OK);
        let pos = order_of(
            &html,
            &[&late.number, &soon.number, &middle.number, &fresh.number],
        );
        assert!(
            pos.windows(2).all(|w| w[0] < w[1]),
            "nearest first: {pos:?}"
        );
        assert!(
            !html.contains(&theirs.number),
            "another unit's case is not in my queue"
        );
        // Live countdowns: red past the deadline, amber past the warning (45 of 60 minutes).
        assert!(html.contains("class=\"countdown breached\""), "{html}");
        assert!(html.contains("class=\"countdown at-risk\""));
        assert!(html.contains(&format!("href=\"/cases/{}\"", soon.id)));

        // Filters: breached only; at risk only; assigned to me (none are).
        let (_, html) = agent.get("/queue?risk=breached").await;
        assert!(html.contains(&late.number) && !html.contains(&soon.number));
        let (_, html) = agent.get("/queue?risk=at_risk").await;
        assert!(html.contains(&soon.number) && !html.contains(&fresh.number));
        let (_, html) = agent.get("/queue?mine=1").await;
        assert!(html.contains("id=\"queue-empty\""));
        // A junk filter value is ignored rather than refused.
        let (status, _) = agent.get("/queue?stage=nonsense&unit=x&cursor=zzz").await;
        assert_eq!(status, StatusCode::OK);

        // Pages: two at a time would need a "more" link; with 4 cases and 50 per page there is none.
        assert!(!html.contains("id=\"queue-more\""));

        // Another unit's case page does not exist for me; mine does.
        let (status, _) = agent.get(&format!("/cases/{}", theirs.id)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = stranger.get(&format!("/cases/{}", soon.id)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = agent.get("/cases/not-a-uuid").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // … nor can I act on it.
        let r = agent
            .post(
                &format!("/cases/{}/acknowledge", theirs.id),
                &[("version", "1")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            app.store.get_case(theirs.id).await.unwrap().stage,
            Stage::PreRecovery
        );

        // An admin sees every unit's cases and may filter by unit.
        let admin = sign_in(&app, None, "admin", "root@x.kr", 0).await;
        let (_, html) = admin.get("/queue").await;
        assert!(html.contains(&theirs.number) && html.contains(&soon.number));
        let (_, html) = admin.get(&format!("/queue?unit={other}")).await;
        assert!(html.contains(&theirs.number) && !html.contains(&soon.number));
    }
);

both_backends!(
    a_case_goes_through_every_stage_by_its_forms,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let agent = sign_in(&app, Some(unit), "agent", "flow@x.kr", 30_000).await;
        let customer: CustomerInput = serde_json::from_value(json!({
            "name": "김민수", "phone": "010-1234-5678", "tier": "gold", "locale": "ko"
        }))
        .unwrap();
        let customer = app
            .store
            .create_customer(&Change::system(), &customer.parse().unwrap())
            .await
            .unwrap();

        // The form, and the customer look-up without JavaScript.
        let (status, html) = agent.get("/cases/new?customer_q=5678").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("김민수"), "the look-up finds the customer");
        assert!(html.contains(&format!("value=\"{}\"", customer.id)));
        assert!(html.contains("<optgroup"), "categories grouped by kind");

        // Bad input: 422, errors beside the fields, what was typed kept.
        let bad = [
            ("source", "complaint"),
            ("channel", "phone"),
            ("category", DEFAULT_CATEGORIES[0].code),
            ("severity", "2"),
            ("customer_id", ""),
            ("customer_q", "찾던 고객"),
            ("description", "   "),
            ("occurred_at", "어제 저녁"),
        ];
        let r = agent.post("/cases/new", &bad).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"nc-description-error\""), "{html}");
        assert!(html.contains("id=\"nc-occurred-error\""));
        assert!(html.contains("value=\"어제 저녁\""), "typed values stay");
        assert!(html.contains("value=\"찾던 고객\""));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(
            app.store
                .list_cases(&Default::default(), &rapport_store::PageRequest::first(10))
                .await
                .unwrap()
                .items
                .is_empty(),
            "nothing was written"
        );

        // A missing CSRF token: 403 and nothing written.
        let customer_id = customer.id.to_string();
        let good = [
            ("source", "complaint"),
            ("channel", "in_person"),
            ("category", DEFAULT_CATEGORIES[0].code),
            ("severity", "2"),
            ("customer_id", customer_id.as_str()),
            (
                "description",
                "<script>alert(1)</script> 주문이 누락되었습니다",
            ),
            ("assign_to_me", "1"),
        ];
        let r = agent.post_raw("/cases/new", &good).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = agent.post("/cases/new", &good).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = case_path(&location(&r));
        let id: Uuid = page.trim_start_matches("/cases/").parse().unwrap();
        let case = app.store.get_case(id).await.unwrap();
        assert_eq!(case.customer_id, Some(customer.id));
        assert_eq!(case.assignee_id, Some(agent.id));
        assert_eq!(case.stage, Stage::PreRecovery);

        // The page: escaped text, the timeline, clocks and only the allowed form.
        let (status, html) = agent.get(&location(&r)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&esc("<script>alert(1)</script>")), "escaped");
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("class=\"notice\""));
        assert!(html.contains("id=\"form-acknowledge\""));
        assert!(!html.contains("id=\"form-resolve\""));
        assert!(html.contains("ol class=\"timeline\""));
        assert!(html.contains("<time class=\"countdown"));
        assert!(html.contains(&format!("href=\"/customers/{}\"", customer.id)));

        // A form without its CSRF token changes nothing.
        let r = agent
            .post_raw(&format!("{page}/acknowledge"), &[("version", "1")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.store.get_case(id).await.unwrap().version, 1);

        // Acknowledge.
        let r = agent
            .post(
                &format!("{page}/acknowledge"),
                &[("version", "1"), ("note", "")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case = app.store.get_case(id).await.unwrap();
        assert_eq!(case.stage, Stage::Immediate);
        assert!(case.acknowledged_at.is_some());
        let v = case.version.to_string();

        // A template fills the reply, in either language, ready to edit.
        let (_, html) = agent
            .get(&format!("{page}?template=all&template_lang=ko"))
            .await;
        assert!(html.contains("id=\"form-respond\""));
        let body_at = html.find("id=\"respond-body\"").unwrap();
        let textarea = &html[body_at..html[body_at..].find("</textarea>").unwrap() + body_at];
        assert!(
            textarea.contains("김민수"),
            "filled from the case: {textarea}"
        );
        let (_, html) = agent
            .get(&format!("{page}?template=all&template_lang=en"))
            .await;
        assert!(html.contains("lang=\"en\""));

        // An empty reply: 422 with the error beside the field.
        let r = agent
            .post(
                &format!("{page}/respond"),
                &[("version", &v), ("body", " ")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("id=\"respond-body-error\"")
        );
        // Respond with edited text.
        let reply =
            "김민수 고객님, 불편을 드려 죄송합니다. <b>오늘 안에</b> 다시 연락드리겠습니다.";
        let r = agent
            .post(
                &format!("{page}/respond"),
                &[("version", &v), ("body", reply)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case = app.store.get_case(id).await.unwrap();
        assert!(case.first_response_at.is_some());
        let messages = app.store.list_case_messages(id).await.unwrap();
        assert_eq!(messages.last().unwrap().body, reply);

        // An internal note, shown apart from what the customer sees.
        let v = case.version.to_string();
        let r = agent
            .post(
                &format!("{page}/messages"),
                &[
                    ("version", &v),
                    ("kind", "note"),
                    ("body", "<i>내부</i> 확인 필요"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let (_, html) = agent.get(&page).await;
        assert!(html.contains(&esc("<b>오늘 안에</b>")));
        assert!(html.contains(&esc("<i>내부</i> 확인 필요")));
        assert!(
            html.contains("class=\"msg note\" data-kind=\"note\""),
            "{html}"
        );
        assert!(html.contains("class=\"msg reply\" data-kind=\"reply\""));

        // Resolve: the summary is required.
        let r = agent
            .post(
                &format!("{page}/resolve"),
                &[("version", &v), ("summary", "")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = agent
            .post(
                &format!("{page}/resolve"),
                &[
                    ("version", &v),
                    ("summary", "누락된 메뉴를 다시 조리해 전달"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case = app.store.get_case(id).await.unwrap();
        assert_eq!(case.stage, Stage::FollowUp);
        assert!(case.follow_up_due_at.is_some());
        let v = case.version.to_string();

        // Follow-up with the customer's satisfaction; out of range is refused.
        let r = agent
            .post(
                &format!("{page}/follow-up"),
                &[("version", &v), ("satisfaction", "9")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"sat-error\""));
        let r = agent
            .post(
                &format!("{page}/follow-up"),
                &[("version", &v), ("satisfaction", "4"), ("note", "만족하심")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case = app.store.get_case(id).await.unwrap();
        assert_eq!(case.satisfaction, Some(4));
        assert!(case.follow_up_done_at.is_some());
        let v = case.version.to_string();

        // Close with a root cause from the taxonomy and a note.
        let (_, html) = agent.get(&page).await;
        assert!(html.contains("id=\"form-close\""));
        assert!(html.contains(&format!("value=\"{}\"", DEFAULT_ROOT_CAUSES[0].code)));
        let r = agent
            .post(
                &format!("{page}/close"),
                &[
                    ("version", &v),
                    ("root_cause", ""),
                    ("note", "주문 입력 누락"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"close-root-cause-error\""));
        assert!(
            html.contains("주문 입력 누락</textarea>"),
            "the note stays typed"
        );
        let r = agent
            .post(
                &format!("{page}/close"),
                &[
                    ("version", &v),
                    ("root_cause", DEFAULT_ROOT_CAUSES[0].code),
                    ("note", "주문 입력 누락"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case = app.store.get_case(id).await.unwrap();
        assert_eq!(case.stage, Stage::Closed);
        assert_eq!(
            case.root_cause.as_deref(),
            Some(DEFAULT_ROOT_CAUSES[0].code)
        );

        // Closed: the timeline shows every stage done, and only reopen is offered.
        let (_, html) = agent.get(&page).await;
        assert!(html.contains("id=\"form-reopen\""));
        assert!(!html.contains("id=\"form-close\""));
        assert!(!html.contains("<li class=\"current\""));
        assert!(html.contains("id=\"case-timestamps\""));

        // A stale form: the conflict box names the change; nothing is overwritten.
        let stale = (case.version - 1).to_string();
        let r = agent
            .post(
                &format!("{page}/reopen"),
                &[("version", &stale), ("reason", "고객이 다시 전화함")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"conflict\""), "{html}");
        assert!(html.contains("id=\"conflict-stage\""));
        assert!(
            html.contains("고객이 다시 전화함"),
            "what was typed is kept"
        );
        assert!(html.contains("data-kind=\"close\"") || html.contains("주문 입력 누락"));
        let unchanged = app.store.get_case(id).await.unwrap();
        assert_eq!(unchanged.version, case.version);
        assert_eq!(unchanged.stage, Stage::Closed);

        // A viewer reads the page but gets no forms and may not post them.
        let viewer = sign_in(&app, Some(unit), "viewer", "viewer@x.kr", 0).await;
        let (status, html) = viewer.get(&page).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("id=\"form-reopen\""));
        let r = viewer
            .post(
                &format!("{page}/reopen"),
                &[("version", &case.version.to_string()), ("reason", "x")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (status, _) = viewer.get("/cases/new").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

both_backends!(
    a_refund_above_the_agents_authority_waits_for_the_manager,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let other = app.unit("역삼점").await;
        let agent = sign_in(&app, Some(unit), "agent", "refund@x.kr", 30_000).await;
        let manager = sign_in(&app, Some(unit), "manager", "boss@x.kr", 500_000).await;
        let stranger = sign_in(&app, Some(other), "manager", "far@x.kr", 500_000).await;
        let guideline: rapport_domain::compensation::GuidelineInput =
            serde_json::from_value(json!({
                "category": DEFAULT_CATEGORIES[0].code, "severity": 3, "currency": "KRW",
                "min_minor": 10_000, "max_minor": 40_000
            }))
            .unwrap();
        app.store
            .create_guideline(&Change::system(), &guideline.parse().unwrap())
            .await
            .unwrap();
        let case = case_at(&app, unit, agent.id, 5, "음식이 식어서 나왔습니다").await;
        let case = app
            .store
            .act_on_case(
                &Change::by(agent.id),
                Some(unit),
                case.id,
                None,
                &CaseCommand::Acknowledge { note: None },
            )
            .await
            .unwrap();
        let page = format!("/cases/{}", case.id);

        // The guideline's range and my authority beside the amount.
        let (_, html) = agent.get(&page).await;
        assert!(html.contains("id=\"form-recovery\""));
        assert!(html.contains("₩10,000 – ₩40,000"), "{html}");
        assert!(html.contains("₩30,000"), "my remaining authority");

        // A malformed amount: 422, kept.
        let v = case.version.to_string();
        let r = agent
            .post(
                &format!("{page}/recovery-actions"),
                &[
                    ("version", &v),
                    ("kind", "refund"),
                    ("amount", "오만 원"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"recovery-amount-error\""));
        assert!(html.contains("value=\"오만 원\""));

        // 50,000 is above the 30,000 left: it waits for a manager.
        let r = agent
            .post(
                &format!("{page}/recovery-actions"),
                &[
                    ("version", &v),
                    ("kind", "refund"),
                    ("amount", "50,000"),
                    ("note", "전액 환불"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(location(&r).contains("notice=action_pending"));
        let actions = app.store.list_recovery_actions(case.id).await.unwrap();
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].status, ActionStatus::PendingApproval);
        assert_eq!(actions[0].amount.as_ref().unwrap().amount_minor, 50_000);
        let (_, html) = agent.get(&location(&r)).await;
        assert!(html.contains("badge pending action-status"), "{html}");
        assert!(
            html.contains("class=\"badge at-risk\""),
            "outside the guideline"
        );
        // … and on my agenda.
        let (_, html) = agent.get("/agenda").await;
        assert!(html.contains(&case.number));

        // A note with the version read before the action: a conflict, nothing written.
        let r = agent
            .post(
                &format!("{page}/messages"),
                &[("version", &v), ("kind", "note"), ("body", "늦은 메모")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert!(r.text().await.unwrap().contains("id=\"conflict\""));
        assert!(
            app.store
                .list_case_messages(case.id)
                .await
                .unwrap()
                .iter()
                .all(|m| m.body != "늦은 메모")
        );

        // Agents have no approvals page.
        let (status, _) = agent.get("/approvals").await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The manager sees it with the guideline and the requester's authority.
        let (status, html) = manager.get("/approvals").await;
        assert_eq!(status, StatusCode::OK);
        let action = actions[0].id;
        assert!(html.contains(&format!("id=\"form-approval-{action}\"")));
        assert!(html.contains("₩50,000"));
        assert!(html.contains("₩10,000 – ₩40,000"));
        assert!(html.contains("₩30,000"), "requester's limit");
        // Another unit's manager neither sees nor decides it.
        let (_, html) = stranger.get("/approvals").await;
        assert!(!html.contains(&action.to_string()));
        let r = stranger
            .post(&format!("/approvals/{action}/approve"), &[("reason", "ok")])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // A reason is required.
        let r = manager
            .post(&format!("/approvals/{action}/approve"), &[("reason", "")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains(&format!("id=\"reason-{action}-error\""))
        );
        // No CSRF token, no decision.
        let r = manager
            .post_raw(&format!("/approvals/{action}/approve"), &[("reason", "ok")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = manager
            .post(
                &format!("/approvals/{action}/approve"),
                &[("reason", "VIP 단골, 두 번째 실패")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/approvals?notice=approved");
        let decided = app.store.list_recovery_actions(case.id).await.unwrap();
        assert_eq!(decided[0].status, ActionStatus::Effective);
        assert_eq!(decided[0].decided_by, Some(manager.id));
        let case = app.store.get_case(case.id).await.unwrap();
        assert_eq!(case.compensation.amount_minor, 50_000);
        let (_, html) = manager.get("/approvals?notice=approved").await;
        assert!(html.contains("id=\"approvals-empty\""));
        assert!(html.contains("class=\"notice\""));
        // Deciding twice says so.
        let r = manager
            .post(
                &format!("/approvals/{action}/reject"),
                &[("reason", "다시")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        // The case page shows it in effect.
        let (_, html) = agent.get(&page).await;
        assert!(html.contains("badge ok action-status"));
        assert!(html.contains("VIP 단골, 두 번째 실패"));
    }
);

both_backends!(
    the_agenda_shows_follow_ups_approvals_and_dates,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let unit = app.unit("강남점").await;
        let agent = sign_in(&app, Some(unit), "agent", "day@x.kr", 10_000).await;
        let seoul: chrono_tz::Tz = "Asia/Seoul".parse().unwrap();
        let today = Timestamp::now().to_datetime().with_timezone(&seoul);
        use chrono::Datelike;
        let customer: CustomerInput = serde_json::from_value(json!({
            "name": "<b>이서연</b>", "tier": "vip",
            "important_dates": [{"kind": "birthday", "month": today.month(), "day": today.day(), "year": 1990}]
        }))
        .unwrap();
        let customer = app
            .store
            .create_customer(&Change::system(), &customer.parse().unwrap())
            .await
            .unwrap();
        // Resolved three days and an hour ago: the follow-up was due an hour ago.
        let input: CaseInput = serde_json::from_value(json!({
            "source": "staff_report", "channel": "in_person", "unit_id": unit,
            "customer_id": customer.id, "category": DEFAULT_CATEGORIES[0].code, "severity": 3,
            "description": "대기 시간이 길었습니다"
        }))
        .unwrap();
        let then = Timestamp::now().plus_seconds(-(3 * 86_400 + 3_600));
        let at = Change {
            actor: Some(agent.id),
            at: then,
        };
        let case = app
            .store
            .create_case(&at, Some(unit), &input.parse(then).unwrap())
            .await
            .unwrap();
        for cmd in [
            CaseCommand::Acknowledge { note: None },
            CaseCommand::Resolve {
                summary: "사과드림".into(),
            },
        ] {
            app.store
                .act_on_case(&at, Some(unit), case.id, None, &cmd)
                .await
                .unwrap();
        }
        let (status, html) = agent.get("/agenda").await;
        assert_eq!(status, StatusCode::OK);
        let follow_ups = &html[html.find("id=\"agenda-follow-ups\"").unwrap()..];
        assert!(follow_ups.contains(&case.number), "{html}");
        assert!(follow_ups.contains("countdown breached"), "overdue");
        let dates = &html[html.find("id=\"agenda-dates\"").unwrap()..];
        assert!(dates.contains(&esc("<b>이서연</b>")), "escaped: {dates}");
        assert!(dates.contains("오늘"));
        assert!(dates.contains(&format!("만 {}세", today.year() - 1990)));
        // A unit's customers only: another unit's agent does not see them.
        let other = app.unit("역삼점").await;
        let stranger = sign_in(&app, Some(other), "agent", "far@x.kr", 10_000).await;
        let (_, html) = stranger.get("/agenda").await;
        assert!(!html.contains("이서연"));
        assert!(!html.contains(&case.number));
        // The follow-up form is where the agenda links to.
        let (_, html) = agent.get(&format!("/cases/{}", case.id)).await;
        assert!(html.contains("id=\"form-follow-up\""));
    }
);
