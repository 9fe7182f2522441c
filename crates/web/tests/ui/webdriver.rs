//! A small W3C WebDriver client for the browser tests: chromedriver driving headless Chromium.
//!
//! WebDriver is JSON over HTTP, and `reqwest` is already a dev-dependency, so a few dozen
//! lines replace a client crate. `fantoccini` would also pull in a TLS stack (hyper-tls or
//! rustls) that talking to a driver on 127.0.0.1 does not need.
//!
//! Every [`Browser`] starts its own chromedriver on its own port with a fresh profile, so
//! tests running in parallel threads do not share anything. Commands panic with a message
//! naming what failed: this is test code, and a panic is the failure report.
//!
//! Console messages and failed requests: chromedriver keeps the browser's log when the session
//! asks for `goog:loggingPrefs {"browser": "ALL"}`, and hands it out through its own endpoint
//! `POST /session/{id}/se/log` with `{"type": "browser"}` (the JSON-wire log routes, such as
//! `GET /session/{id}/log/types`, are refused in W3C mode). Reading it empties chromedriver's
//! buffer, so [`Browser`] keeps what it has read. Chromium logs a failed request (a 404 image,
//! the automatic `/favicon.ico`, a 4xx/5xx page itself) as a SEVERE entry with source
//! `network`, and `console.error` as SEVERE with source `console-api`; checked with
//! chromedriver 156, and kept checked by the `the_harness_reports_…` test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

/// The key of an element reference in JSON, fixed by the W3C WebDriver spec ("web element
/// identifier"); chromedriver answers with exactly this one.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long [`Browser::find`] and the other waiting helpers wait.
const WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(50);
/// How long chromedriver may take to report itself ready.
const STARTUP: Duration = Duration::from_secs(10);

const INSTALL_HINT: &str = "the UI tests need headless Chromium and its driver: \
     `apt-get install chromium chromium-driver` (Debian), or point RAPPORT_CHROMIUM and \
     RAPPORT_CHROMEDRIVER at the browser and the driver";

/// One entry of the browser's log.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LogEntry {
    /// `SEVERE`, `WARNING`, `INFO` or `DEBUG`.
    pub level: String,
    pub message: String,
    /// `console-api`, `network`, `javascript`, `security`, ...
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub timestamp: i64,
}

impl LogEntry {
    pub fn is_severe(&self) -> bool {
        self.level == "SEVERE"
    }
}

/// An error returned by chromedriver.
#[derive(Debug, Clone)]
pub struct WdError {
    pub status: u16,
    /// The W3C error code, like `no such element`.
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.error, self.status, self.message)
    }
}

/// The HTTP side of a session; cheap to clone, so elements carry one.
#[derive(Clone)]
struct Session {
    http: reqwest::Client,
    /// `http://127.0.0.1:{port}/session/{id}`.
    url: String,
}

impl Session {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WdError> {
        raw_call(&self.http, method, &format!("{}{path}", self.url), body).await
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("WebDriver GET {path}: {e}"))
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("WebDriver POST {path}: {e}"))
    }

    async fn find_in(&self, scope: &str, css: &str) -> Result<Element, WdError> {
        let v = self
            .call(
                reqwest::Method::POST,
                &format!("{scope}/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await?;
        Ok(self.element(&v))
    }

    async fn find_all_in(&self, scope: &str, css: &str) -> Vec<Element> {
        let v = self
            .post(
                &format!("{scope}/elements"),
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v.as_array()
            .unwrap_or_else(|| panic!("elements of {css}: {v}"))
            .iter()
            .map(|e| self.element(e))
            .collect()
    }

    fn element(&self, v: &Value) -> Element {
        let id = v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("not an element reference: {v}"));
        Element {
            session: self.clone(),
            id: id.to_owned(),
        }
    }
}

/// Sends one WebDriver command and unwraps its `value`, or the W3C error.
async fn raw_call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, WdError> {
    let mut req = http.request(method, url);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.map_err(|e| WdError {
        status: 0,
        error: "http".into(),
        message: e.to_string(),
    })?;
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.map_err(|e| WdError {
        status,
        error: "invalid json".into(),
        message: e.to_string(),
    })?;
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if status >= 400 {
        return Err(WdError {
            status,
            error: value["error"].as_str().unwrap_or("unknown").to_owned(),
            message: value["message"].as_str().unwrap_or_default().to_owned(),
        });
    }
    Ok(value)
}

/// An element of the current page.
#[derive(Clone)]
pub struct Element {
    session: Session,
    id: String,
}

impl Element {
    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// The element as a script argument of [`Browser::execute`].
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    /// A descendant, without waiting.
    pub async fn find(&self, css: &str) -> Element {
        self.session
            .find_in(&self.path(""), css)
            .await
            .unwrap_or_else(|e| panic!("no `{css}` inside the element: {e}"))
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.session.find_all_in(&self.path(""), css).await
    }

    /// Clicks, as a user would, retrying while the element refuses the click.
    pub async fn click(&self) {
        if let Err(e) = self.try_click().await {
            let at = self.what_covers(&e).await;
            panic!("clicking an element: {e}\n{at}");
        }
    }

    async fn try_click(&self) -> Result<(), WdError> {
        let start = Instant::now();
        // Under `scroll-behavior: smooth`, headless Chromium does not finish the scroll
        // chromedriver starts before clicking, so the click lands outside the window and is
        // refused: bring the element into view at once first (a retry costs ~0.6 s).
        self.scroll_into_view().await;
        loop {
            match self
                .session
                .call(reqwest::Method::POST, &self.path("/click"), Some(json!({})))
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if refused_for_now(&e) && start.elapsed() < WAIT => {
                    // Covered for a moment, or moved by a layout change since the scroll.
                    self.scroll_into_view().await;
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Scrolls the element to the middle of the window, without animation.
    pub async fn scroll_into_view(&self) {
        self.session
            .post(
                "/execute/sync",
                json!({"script": "arguments[0].scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'})",
                       "args": [self.to_json()]}),
            )
            .await;
    }

    /// For the panic message of a refused click: the element, and what is at the point
    /// chromedriver tried.
    async fn what_covers(&self, e: &WdError) -> String {
        let script = "const [el, msg] = arguments;
            const m = /point \\((\\d+), (\\d+)\\)/.exec(msg);
            const at = m ? document.elementFromPoint(+m[1], +m[2]) : null;
            return 'the element: ' + el.outerHTML.slice(0, 200)
              + '\\nat that point: ' + (at ? at.outerHTML.slice(0, 200) : 'nothing (outside the window)');";
        self.session
            .call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({"script": script, "args": [self.to_json(), e.message]})),
            )
            .await
            .map(string_of)
            .unwrap_or_default()
    }

    pub async fn clear(&self) {
        self.session.post(&self.path("/clear"), json!({})).await;
    }

    /// Types `text` (after what is there).
    pub async fn send_keys(&self, text: &str) {
        self.session
            .post(&self.path("/value"), json!({ "text": text }))
            .await;
    }

    /// The rendered text, as a user sees it.
    pub async fn text(&self) -> String {
        string_of(self.session.get(&self.path("/text")).await)
    }

    /// The attribute as written in the HTML, `None` when absent.
    pub async fn attr(&self, name: &str) -> Option<String> {
        self.session
            .get(&self.path(&format!("/attribute/{name}")))
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// A DOM property (`value`, `checked`, ...).
    pub async fn property(&self, name: &str) -> Value {
        self.session
            .get(&self.path(&format!("/property/{name}")))
            .await
    }

    /// The current value of a form control.
    pub async fn value(&self) -> String {
        string_of(self.property("value").await)
    }

    pub async fn is_selected(&self) -> bool {
        self.session.get(&self.path("/selected")).await == json!(true)
    }
}

/// Errors of a click that may succeed a moment later: the element is being scrolled into
/// view, covered for a moment, or not laid out yet.
fn refused_for_now(e: &WdError) -> bool {
    matches!(
        e.error.as_str(),
        "element click intercepted" | "element not interactable"
    )
}

fn string_of(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A CSS string literal for an attribute selector.
fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Headless Chromium behind its own chromedriver. Dropping it ends the session, stops the
/// driver and removes the profile.
pub struct Browser {
    session: Session,
    driver: Child,
    driver_url: String,
    session_id: String,
    profile: PathBuf,
    /// Everything read from the browser's log so far (reading empties chromedriver's copy).
    log: Mutex<Vec<LogEntry>>,
}

/// A port that was free a moment ago. Another process may take it before chromedriver
/// binds it, so [`Browser::launch`] retries with a new one when the driver exits early.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

fn driver_path() -> String {
    std::env::var("RAPPORT_CHROMEDRIVER")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "chromedriver".into())
}

fn chromium_path() -> String {
    std::env::var("RAPPORT_CHROMIUM")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "/usr/bin/chromium".into())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a fresh profile.
    pub async fn launch() -> Browser {
        let chromium = chromium_path();
        assert!(
            Path::new(&chromium).exists(),
            "no Chromium at {chromium}: {INSTALL_HINT}"
        );
        let profile = std::env::temp_dir().join(format!(
            "rapport-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&profile).expect("create the browser profile directory");
        let http = reqwest::Client::builder()
            // Page loads and clicks that navigate can take a while on a busy machine.
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();

        let mut failures = Vec::new();
        for _ in 0..3 {
            match start_driver(&http, &profile).await {
                Ok((driver, driver_url)) => {
                    return Self::new_session(http, driver, driver_url, profile, &chromium).await;
                }
                Err(why) => failures.push(why),
            }
        }
        let _ = std::fs::remove_dir_all(&profile);
        panic!(
            "chromedriver did not start ({}): {INSTALL_HINT}",
            failures.join("; ")
        );
    }

    async fn new_session(
        http: reqwest::Client,
        mut driver: Child,
        driver_url: String,
        profile: PathBuf,
        chromium: &str,
    ) -> Browser {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.join("chromium").display()),
                    "--lang=en-US",
                ],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let created = raw_call(
            &http,
            reqwest::Method::POST,
            &format!("{driver_url}/session"),
            Some(caps),
        )
        .await;
        let created = match created {
            Ok(v) => v,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                let log =
                    std::fs::read_to_string(profile.join("chromedriver.log")).unwrap_or_default();
                let _ = std::fs::remove_dir_all(&profile);
                panic!("Chromium did not start under chromedriver: {e}\n{log}\n{INSTALL_HINT}");
            }
        };
        let session_id = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {created}"))
            .to_owned();
        Browser {
            session: Session {
                http,
                url: format!("{driver_url}/session/{session_id}"),
            },
            driver,
            driver_url,
            session_id,
            profile,
            log: Mutex::new(Vec::new()),
        }
    }

    // -- navigation ------------------------------------------------------------------------

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.session.post("/url", json!({ "url": url })).await;
    }

    pub async fn url(&self) -> String {
        string_of(self.session.get("/url").await)
    }

    pub async fn title(&self) -> String {
        string_of(self.session.get("/title").await)
    }

    pub async fn back(&self) {
        self.session.post("/back", json!({})).await;
    }

    pub async fn refresh(&self) {
        self.session.post("/refresh", json!({})).await;
    }

    /// Waits until the address contains `part`.
    pub async fn wait_for_url_contains(&self, part: &str) {
        let start = Instant::now();
        loop {
            let url = self.url().await;
            if url.contains(part) {
                return;
            }
            if start.elapsed() > WAIT {
                panic!("the address never contained `{part}`; it is {url}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until nothing matches `css` (the page that had it was replaced).
    pub async fn wait_until_gone(&self, css: &str) {
        let start = Instant::now();
        while self.exists(css).await {
            if start.elapsed() > WAIT {
                panic!("`{css}` is still on {}", self.url().await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    // -- elements --------------------------------------------------------------------------

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            match self.session.find_in("", css).await {
                Ok(e) => return e,
                Err(e) if e.error == "no such element" && start.elapsed() < WAIT => {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => {
                    let url = self.url().await;
                    panic!(
                        "no element `{css}` on {url} after {:.1} s: {e}",
                        start.elapsed().as_secs_f32()
                    );
                }
            }
        }
    }

    /// Every element matching `css` now (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.session.find_all_in("", css).await
    }

    /// Whether `css` matches anything now, without waiting.
    pub async fn exists(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// Clicks the element, waiting for it to appear and to take the click.
    pub async fn click(&self, css: &str) {
        let start = Instant::now();
        loop {
            let el = self.find(css).await;
            match el.try_click().await {
                Ok(()) => return,
                // Replaced by a script between the lookup and the click: look it up again.
                Err(e) if e.error == "stale element reference" && start.elapsed() < WAIT => {}
                Err(e) => {
                    let at = el.what_covers(&e).await;
                    panic!("clicking `{css}` on {}: {e}\n{at}", self.url().await);
                }
            }
        }
    }

    /// Replaces the content of a text field.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await;
        el.send_keys(text).await;
    }

    /// Chooses the `<option value=…>` of a `<select>` by clicking it, as a user would.
    pub async fn select(&self, css: &str, value: &str) {
        let select = self.find(css).await;
        let option = select
            .session
            .find_in(
                &select.path(""),
                &format!("option[value={}]", css_string(value)),
            )
            .await
            .unwrap_or_else(|e| panic!("`{css}` has no option with value {value:?}: {e}"));
        option.click().await;
    }

    /// The rendered text of the first match.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await
    }

    /// An attribute of the first match, `None` when absent.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await
    }

    /// The current value of a form control.
    pub async fn value(&self, css: &str) -> String {
        self.find(css).await.value().await
    }

    // -- scripts, window, cookies ----------------------------------------------------------

    /// Runs `script` as the body of a function in the page (`arguments[0]`, ...) and returns
    /// what it returns. WebDriver scripts are not subject to the page's CSP.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.session
            .post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.session
            .post("/window/rect", json!({ "width": width, "height": height }))
            .await;
    }

    /// Sets a cookie for the current page's site (open a page of that site first).
    pub async fn set_cookie(&self, name: &str, value: &str) {
        self.session
            .post(
                "/cookie",
                json!({ "cookie": { "name": name, "value": value, "path": "/" } }),
            )
            .await;
    }

    pub async fn delete_cookies(&self) {
        self.session
            .call(reqwest::Method::DELETE, "/cookie", None)
            .await
            .unwrap_or_else(|e| panic!("deleting the cookies: {e}"));
    }

    // -- screenshots -----------------------------------------------------------------------

    /// Saves the visible part of the page as a PNG.
    pub async fn screenshot(&self, path: &Path) {
        let b64 = self.session.get("/screenshot").await;
        write_png(path, &b64);
    }

    /// Saves the whole page, below the fold too, as a PNG (through chromedriver's DevTools
    /// passthrough, since W3C screenshots stop at the viewport).
    pub async fn screenshot_full_page(&self, path: &Path) {
        let v = self
            .session
            .post(
                "/goog/cdp/execute",
                json!({"cmd": "Page.captureScreenshot",
                       "params": {"format": "png", "captureBeyondViewport": true}}),
            )
            .await;
        write_png(path, &v["data"]);
    }

    // -- console and network problems ------------------------------------------------------

    /// Reads what the browser logged since the last read into the kept log.
    async fn drain_log(&self) {
        let v = self
            .session
            .post("/se/log", json!({"type": "browser"}))
            .await;
        let entries: Vec<LogEntry> = serde_json::from_value(v.clone())
            .unwrap_or_else(|e| panic!("unexpected browser log {v}: {e}"));
        self.log.lock().unwrap().extend(entries);
    }

    /// Everything the browser logged since launch (or since [`Browser::clear_log`]).
    pub async fn browser_log(&self) -> Vec<LogEntry> {
        self.drain_log().await;
        self.log.lock().unwrap().clone()
    }

    /// The SEVERE entries: console errors, uncaught exceptions and failed requests (any 4xx
    /// or 5xx, the page's own included).
    pub async fn problems(&self) -> Vec<LogEntry> {
        self.settle().await;
        self.browser_log()
            .await
            .into_iter()
            .filter(LogEntry::is_severe)
            .collect()
    }

    /// Forgets the log so far, for a test that provoked an error on purpose (a form sent
    /// back with a 422 logs its own status as a failed request).
    pub async fn clear_log(&self) {
        self.settle().await;
        self.drain_log().await;
        self.log.lock().unwrap().clear();
    }

    /// Panics listing every SEVERE entry of the browser's log.
    pub async fn assert_no_console_errors(&self) {
        let problems = self.problems().await;
        if !problems.is_empty() {
            let url = self.url().await;
            let list: Vec<String> = problems
                .iter()
                .map(|p| format!("  [{}] {}", p.source.as_deref().unwrap_or("?"), p.message))
                .collect();
            panic!(
                "the browser reported {} problem(s) (now on {url}):\n{}",
                problems.len(),
                list.join("\n")
            );
        }
    }

    /// Lets the page finish loading, then gives late sub-requests (the favicon comes after
    /// the load event) a moment to be logged.
    async fn settle(&self) {
        let start = Instant::now();
        while start.elapsed() < WAIT {
            let state = self.execute("return document.readyState", vec![]).await;
            if state == json!("complete") {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn write_png(path: &Path, b64: &Value) {
    let b64 = b64
        .as_str()
        .unwrap_or_else(|| panic!("no screenshot data: {b64}"));
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("a base64 screenshot");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create the screenshot folder");
    }
    // Written aside and renamed, so a test running in parallel never sees half a file.
    let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
    std::fs::write(&tmp, png).unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Spawns chromedriver on a free port and waits for it to say it is ready.
async fn start_driver(http: &reqwest::Client, profile: &Path) -> Result<(Child, String), String> {
    let port = free_port();
    let log = std::fs::File::create(profile.join("chromedriver.log"))
        .map_err(|e| format!("create the driver log: {e}"))?;
    let driver = driver_path();
    let mut child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot run `{driver}`: {e}"))?;
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(profile.join("chromedriver.log")).unwrap_or_default();
            return Err(format!("`{driver}` exited with {status}: {}", log.trim()));
        }
        let ready = http
            .get(format!("{url}/status"))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if let Ok(r) = ready
            && let Ok(v) = r.json::<Value>().await
            && v["value"]["ready"] == json!(true)
        {
            return Ok((child, url));
        }
        if start.elapsed() > STARTUP {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "`{driver}` was not ready on port {port} after {} s",
                STARTUP.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; killing only the driver could leave it running.
        // Drop is synchronous and may run inside the test's runtime, so the request goes out
        // from a short-lived runtime on its own thread.
        let url = format!("{}/session/{}", self.driver_url, self.session_id);
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                reqwest::Client::new()
                    .delete(url)
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await
                    .ok()
            })
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
