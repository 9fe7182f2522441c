//! A write that was acknowledged survives `kill -9` of the server, on both databases.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rapport_store::DatabaseUrl;
use rapport_store::both_backends;
use rapport_store::testing::TestDb;
use serde_json::{Value, json};

const TOKEN: &str = "rpt_crash-test-admin-token-0123456789abcdef";

fn url_of(db: &TestDb) -> String {
    match &db.url {
        DatabaseUrl::Sqlite(path) => path.clone(),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// Starts `rapport serve` on a free port and returns it with its base URL.
fn start(database: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["serve", "--database", database, "--listen", "127.0.0.1:0"])
        .env("RAPPORT_ADMIN_TOKEN", TOKEN)
        .env_remove("RAPPORT_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rapport");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("rapport printed its address").unwrap();
        if let Some(rest) = line.strip_prefix("Rapport is running at ") {
            break rest.split('/').take(3).collect::<Vec<_>>().join("/");
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

both_backends!(
    acknowledged_encounters_survive_kill_9,
    |db: TestDb| async move {
        let database = url_of(&db);
        let (mut child, base) = start(&database);
        let client = reqwest::Client::new();
        let unit: Value = client
            .post(format!("{base}/api/v1/units"))
            .bearer_auth(TOKEN)
            .json(&json!({"name": {"ko": "강남점", "en": "Gangnam"}, "time_zone": "Asia/Seoul"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let tp: Value = client
        .post(format!("{base}/api/v1/touchpoints"))
        .bearer_auth(TOKEN)
        .json(&json!({"unit_id": unit["id"], "name": {"ko": "창구", "en": "Counter"}, "channel": "in_person",
                      "journey_stage": "during", "customer_presence_minutes": 5, "service_creation_minutes": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let mut writers = Vec::new();
        for w in 0..8 {
            let (client, base, ack, tp) = (
                client.clone(),
                base.clone(),
                acknowledged.clone(),
                tp["id"].clone(),
            );
            writers.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut i = 0;
            while Instant::now() < deadline {
                let start = format!("2026-03-02T10:{:02}:{:02}+09:00", w, i % 60);
                let body = json!({"touchpoint_id": tp, "started_at": start, "ended_at": start, "presence_seconds": 0});
                let sent = client.post(format!("{base}/api/v1/encounters")).bearer_auth(TOKEN).json(&body).send().await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        if let Ok(v) = r.json::<Value>().await {
                            ack.lock().unwrap().push(v["id"].as_str().unwrap().to_owned());
                        }
                    }
                    _ => break,
                }
                i += 1;
            }
        }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        child.kill().unwrap(); // SIGKILL: no shutdown, no final checkpoint.
        child.wait().unwrap();
        for w in writers {
            w.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        assert!(
            acknowledged.len() > 50,
            "the writers got going ({} writes)",
            acknowledged.len()
        );

        let (mut child, base) = start(&database);
        for id in &acknowledged {
            let r = client
                .get(format!("{base}/api/v1/encounters/{id}"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "acknowledged encounter {id} was lost");
        }
        let tp_after: Value = client
            .get(format!(
                "{base}/api/v1/touchpoints/{}",
                tp["id"].as_str().unwrap()
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // The daily figures were written in the same transactions as the encounters.
        assert!(tp_after["totals"]["encounters"].as_i64().unwrap() >= acknowledged.len() as i64);
        child.kill().unwrap();
        child.wait().unwrap();
        db.store.close().await;
    }
);
