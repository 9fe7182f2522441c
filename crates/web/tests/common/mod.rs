//! Spawn-the-app helper: the real server on a random port over a fresh database.

#![allow(dead_code)]

use std::sync::Arc;

use rapport_store::testing::TestDb;
use rapport_store::{Change, Store};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    /// An admin's API token.
    pub admin: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _db: TestDb,
}

impl TestApp {
    pub async fn spawn(db: TestDb) -> Self {
        let store = db.store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, rx) = tokio::sync::oneshot::channel();
        let state = rapport_web::AppState::new(store.clone());
        tokio::spawn(rapport_web::serve(listener, state, async {
            let _ = rx.await;
        }));
        let admin_input: rapport_domain::org::EmployeeInput = serde_json::from_value(json!({
            "name": "관리자", "email": "admin@test.example", "role": "admin",
            "authority_limit": {"amount_minor": 1000000, "currency": "KRW"}
        }))
        .unwrap();
        let admin = store
            .create_employee(&Change::system(), &admin_input.parse().unwrap(), None)
            .await
            .unwrap();
        let (token, hash) = rapport_web::auth::new_token();
        store
            .create_token(&Change::system(), admin.id, "test", &hash, None)
            .await
            .unwrap();
        Self {
            base,
            client: reqwest::Client::new(),
            store,
            admin: token,
            stop: Some(stop),
            _db: db,
        }
    }

    pub fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, token)
            .send()
            .await
            .unwrap()
    }

    /// A unit, created by the admin; returns its id.
    pub async fn unit(&self, ko: &str) -> Uuid {
        let r = self
            .post(
                "/api/v1/units",
                &self.admin,
                &json!({"name": {"ko": ko, "en": format!("{ko} branch")}, "time_zone": "Asia/Seoul"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        id_of(r).await
    }

    /// An employee of `unit` with `role`, and an API token for them.
    pub async fn staff(&self, unit: Option<Uuid>, role: &str, email: &str) -> (Uuid, String) {
        let r = self
            .post(
                "/api/v1/employees",
                &self.admin,
                &json!({"name": "직원", "email": email, "role": role, "unit_id": unit,
                        "authority_limit": {"amount_minor": 30000, "currency": "KRW"}}),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let id = id_of(r).await;
        let r = self
            .post(
                &format!("/api/v1/employees/{id}/tokens"),
                &self.admin,
                &json!({"name": "test"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let token = r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        (id, token)
    }

    /// A touchpoint in `unit`, created by the admin.
    pub async fn touchpoint(&self, unit: Uuid, presence: f64, creation: f64) -> Uuid {
        let r = self
            .post(
                "/api/v1/touchpoints",
                &self.admin,
                &json!({"unit_id": unit, "name": {"ko": "창구", "en": "Counter"}, "channel": "in_person",
                        "journey_stage": "during", "customer_presence_minutes": presence,
                        "service_creation_minutes": creation}),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        id_of(r).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn id_of(r: Response) -> Uuid {
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().parse().unwrap()
}

/// The problem document of an error response, after checking its status and media type.
pub async fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    r.json().await.unwrap()
}

/// The fields named by a problem document.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// A ten-minute encounter at `tp` with the customer present for two minutes.
pub fn encounter(tp: Uuid, start: &str) -> Value {
    let s = rapport_domain::Timestamp::parse("start", start).unwrap();
    json!({"touchpoint_id": tp, "started_at": s.to_rfc3339(), "ended_at": s.plus_seconds(600).to_rfc3339(),
           "presence_seconds": 120, "waiting_seconds": 45})
}
