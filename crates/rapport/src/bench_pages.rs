//! Server time of every staff page at demo scale: each page is requested through the real
//! HTTP server as a signed-in manager (their unit's pages) and as an admin (all units),
//! and the p50 and p99 of 20 requests after two warm-ups are printed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rapport_domain::Timestamp;
use rapport_domain::org::EmployeeInput;
use rapport_store::{CaseFilter, Change, PageRequest, Store};
use serde_json::json;

/// The target of the UI issue, per page.
const TARGET_MS: f64 = 50.0;
const RUNS: usize = 20;

async fn signed_in(
    store: &dyn Store,
    email: &str,
    role: &str,
    unit: Option<uuid::Uuid>,
) -> anyhow::Result<String> {
    let input: EmployeeInput = serde_json::from_value(json!({
        "name": "벤치 Bench", "email": email, "role": role, "unit_id": unit,
        "authority_limit": {"amount_minor": 100000, "currency": "KRW"}
    }))?;
    let employee = store
        .create_employee(
            &Change::system(),
            &input.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?,
            None,
        )
        .await?;
    let (secret, hash) = rapport_web::auth::new_token();
    store
        .create_session(
            &Change::system(),
            &hash,
            employee.id,
            "bench",
            Timestamp::now().plus_seconds(3600),
        )
        .await?;
    Ok(format!(
        "{}={secret}",
        rapport_web::ui::session::SESSION_COOKIE
    ))
}

pub async fn pages(name: &str, store: Arc<dyn Store>, base: &str) -> anyhow::Result<()> {
    let units = store
        .list_units(None, &PageRequest::first(100))
        .await?
        .items;
    let Some(unit) = units.first() else {
        anyhow::bail!("the demo made no units");
    };
    let manager = signed_in(
        store.as_ref(),
        "bench-manager@rapport.local",
        "manager",
        Some(unit.id),
    )
    .await?;
    let admin = signed_in(store.as_ref(), "bench-admin@rapport.local", "admin", None).await?;
    let case = store
        .list_cases(
            &CaseFilter {
                unit: Some(unit.id),
                ..Default::default()
            },
            &PageRequest::first(1),
        )
        .await?
        .items
        .into_iter()
        .next();
    let mut paths: Vec<(String, &str)> = vec![
        ("/queue".into(), "manager"),
        ("/agenda".into(), "manager"),
        ("/cases/new".into(), "manager"),
        ("/customers?q=%EA%B9%80".into(), "manager"),
        ("/dashboard".into(), "manager"),
        ("/approvals".into(), "manager"),
        ("/quality/touchpoints".into(), "manager"),
        ("/quality/servqual".into(), "manager"),
        ("/quality/satisfaction".into(), "manager"),
        ("/quality/recovery".into(), "manager"),
        ("/settings/sla".into(), "manager"),
        ("/settings/calendar".into(), "manager"),
        ("/settings/staff".into(), "manager"),
        ("/queue".into(), "admin"),
        ("/quality/servqual".into(), "admin"),
        ("/quality/satisfaction".into(), "admin"),
        ("/quality/recovery".into(), "admin"),
    ];
    if let Some(c) = &case {
        paths.insert(3, (format!("/cases/{}", c.id), "manager"));
        if let Some(customer) = c.customer_id {
            paths.insert(5, (format!("/customers/{customer}"), "manager"));
        }
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut over = 0;
    for (path, who) in &paths {
        let cookie = if *who == "admin" { &admin } else { &manager };
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut status = 0;
        for i in 0..RUNS + 2 {
            let started = Instant::now();
            let r = client
                .get(format!("{base}{path}"))
                .header(reqwest::header::COOKIE, cookie)
                .send()
                .await?;
            status = r.status().as_u16();
            r.bytes().await?;
            if i >= 2 {
                times.push(started.elapsed());
            }
        }
        times.sort();
        let p50 = super::bench::percentile(&times, 0.5);
        let p99 = super::bench::percentile(&times, 0.99);
        let flag = if status != 200 {
            over += 1;
            format!("  HTTP {status}")
        } else if p99 > TARGET_MS {
            over += 1;
            "  over 50 ms".into()
        } else {
            String::new()
        };
        let label = if path.starts_with("/cases/") && path != "/cases/new" {
            "/cases/{id}".to_owned()
        } else if path.starts_with("/customers/") {
            "/customers/{id}".to_owned()
        } else {
            path.replace("%EA%B9%80", "김")
        };
        println!(
            "{name:<8} page {label:<24} as {who:<7} p50 {p50:>6.2} ms  p99 {p99:>6.2} ms{flag}"
        );
    }
    println!(
        "{name:<8} pages: {} measured, {over} over {TARGET_MS} ms or failing",
        paths.len()
    );
    Ok(())
}
