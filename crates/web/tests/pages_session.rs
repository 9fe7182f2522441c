//! Signing in to the staff pages: sessions, CSRF tokens, throttling, language and password,
//! over the real server on both databases.

mod common;

use common::TestApp;
use rapport_domain::org::EmployeeInput;
use rapport_store::{Change, both_backends};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `name=` in a page's HTML (hidden inputs).
fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn staff(app: &TestApp, email: &str, password: &str) {
    let input: EmployeeInput = serde_json::from_value(json!({
        "name": "이서연", "email": email, "role": "agent", "unit_id": app.unit("강남점").await,
        "authority_limit": {"amount_minor": 50000, "currency": "KRW"}
    }))
    .unwrap();
    app.store
        .create_employee(
            &Change::system(),
            &input.parse().unwrap(),
            Some(&rapport_web::auth::hash_password(password)),
        )
        .await
        .unwrap();
}

/// Posts the sign-in form as a browser would; returns the response.
async fn sign_in(app: &TestApp, email: &str, password: &str, next: &str) -> reqwest::Response {
    let c = client();
    let page = c
        .get(format!("{}/login?next={next}", app.base))
        .send()
        .await
        .unwrap();
    let login_cookie = cookie_value(&set_cookie(&page, "rapport_login").unwrap());
    let html = page.text().await.unwrap();
    c.post(format!("{}/login", app.base))
        .header(COOKIE, login_cookie)
        .form(&[
            ("login_csrf", hidden(&html, "login_csrf").as_str()),
            ("next", next),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn session(app: &TestApp, email: &str, password: &str) -> String {
    let r = sign_in(app, email, password, "/account/password").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    cookie_value(&set_cookie(&r, "rapport_session").expect("a session cookie"))
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", app.base))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

both_backends!(
    a_page_without_a_session_sends_you_to_sign_in_and_back,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let r = page(&app, "", "/account/password").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            r.headers()[LOCATION].to_str().unwrap(),
            "/login?next=%2Faccount%2Fpassword"
        );
        staff(&app, "seo@example.com", "correct horse battery").await;
        let r = sign_in(
            &app,
            "SEO@example.com",
            "correct horse battery",
            "/account/password",
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION].to_str().unwrap(), "/account/password");
        let set = set_cookie(&r, "rapport_session").unwrap();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        let html = page(&app, &cookie_value(&set), "/account/password")
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("이서연"), "the page names who is signed in");
        // A redirect target on another site is never followed.
        let r = sign_in(
            &app,
            "seo@example.com",
            "correct horse battery",
            "//evil.example/",
        )
        .await;
        assert_eq!(r.headers()[LOCATION].to_str().unwrap(), "/");
    }
);

both_backends!(
    wrong_passwords_are_refused_then_throttled,
    |db| async move {
        let app = TestApp::spawn(db).await;
        staff(&app, "kang@example.com", "the right password").await;
        for _ in 0..4 {
            let r = sign_in(&app, "kang@example.com", "wrong", "/").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            let html = r.text().await.unwrap();
            assert!(
                html.contains("value=\"kang@example.com\""),
                "the e-mail stays typed"
            );
            assert!(html.contains("aria-invalid=\"true\""));
        }
        // An unknown address answers exactly like a wrong password.
        let r = sign_in(&app, "nobody@example.com", "wrong", "/").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = sign_in(&app, "kang@example.com", "wrong", "/").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        // Locked: even the right password waits.
        let r = sign_in(&app, "kang@example.com", "the right password", "/").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(set_cookie(&r, "rapport_session").is_none());
    }
);

both_backends!(
    a_sign_in_without_its_form_token_is_refused,
    |db| async move {
        let app = TestApp::spawn(db).await;
        staff(&app, "yoon@example.com", "the right password").await;
        let r = client()
            .post(format!("{}/login", app.base))
            .form(&[
                ("email", "yoon@example.com"),
                ("password", "the right password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(set_cookie(&r, "rapport_session").is_none());
    }
);

both_backends!(forms_need_the_sessions_csrf_token, |db| async move {
    let app = TestApp::spawn(db).await;
    staff(&app, "han@example.com", "the right password").await;
    let cookie = session(&app, "han@example.com", "the right password").await;
    let html = page(&app, &cookie, "/account/password")
        .await
        .text()
        .await
        .unwrap();
    let csrf = hidden(&html, "csrf");
    let post = |fields: Vec<(&'static str, String)>| {
        client()
            .post(format!("{}/lang", app.base))
            .header(COOKIE, cookie.clone())
            .form(&fields)
            .send()
    };
    let r = post(vec![
        ("lang", "en".into()),
        ("back", "/account/password".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(vec![
        ("lang", "en".into()),
        ("back", "/account/password".into()),
        ("csrf", "forged".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = page(&app, &cookie, "/account/password")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"ko\""), "nothing changed");
    let r = post(vec![
        ("lang", "en".into()),
        ("back", "/account/password".into()),
        ("csrf", csrf.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION].to_str().unwrap(), "/account/password");
    let html = page(&app, &cookie, "/account/password")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\"") && html.contains("Change password"));
    // A form posted from another site is refused even with the token.
    let r = client()
        .post(format!("{}/lang", app.base))
        .header(COOKIE, cookie.clone())
        .header("origin", "https://evil.example")
        .form(&[("lang", "ko"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
});

both_backends!(
    changing_the_password_signs_out_everywhere_else,
    |db| async move {
        let app = TestApp::spawn(db).await;
        staff(&app, "oh@example.com", "first password").await;
        let mine = session(&app, "oh@example.com", "first password").await;
        let other = session(&app, "oh@example.com", "first password").await;
        let html = page(&app, &mine, "/account/password")
            .await
            .text()
            .await
            .unwrap();
        let csrf = hidden(&html, "csrf");
        let change = |current: &'static str, new: &'static str, confirm: &'static str| {
            client()
                .post(format!("{}/account/password", app.base))
                .header(COOKIE, mine.clone())
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("current", current),
                    ("new", new),
                    ("confirm", confirm),
                ])
                .send()
        };
        let r = change("not it", "second password", "second password")
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("id=\"pw-current-error\""));
        let r = change("first password", "short", "short").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = change("first password", "second password", "other")
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = change("first password", "second password", "second password")
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            page(&app, &mine, "/account/password").await.status(),
            StatusCode::OK
        );
        assert_eq!(
            page(&app, &other, "/account/password").await.status(),
            StatusCode::SEE_OTHER,
            "the other session ended"
        );
        assert_eq!(
            sign_in(&app, "oh@example.com", "first password", "/")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            sign_in(&app, "oh@example.com", "second password", "/")
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
    }
);

both_backends!(signing_out_ends_the_session, |db| async move {
    let app = TestApp::spawn(db).await;
    staff(&app, "lim@example.com", "the right password").await;
    let cookie = session(&app, "lim@example.com", "the right password").await;
    let html = page(&app, &cookie, "/account/password")
        .await
        .text()
        .await
        .unwrap();
    let r = client()
        .post(format!("{}/logout", app.base))
        .header(COOKIE, cookie.clone())
        .header("x-forwarded-proto", "https")
        .form(&[("csrf", hidden(&html, "csrf"))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cleared = set_cookie(&r, "rapport_session").unwrap();
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("Secure"),
        "{cleared}"
    );
    assert_eq!(
        page(&app, &cookie, "/account/password").await.status(),
        StatusCode::SEE_OTHER
    );
});
