//! Health checks, metrics, the start page and the 404 answer.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can reach its database.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => {
            Json(json!({ "status": "ready", "database": state.store.backend() })).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            ApiError::Unavailable("the database is not reachable".into()).into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

/// The start page until the staff UI arrives: what runs here and where to go next.
async fn home(State(state): State<AppState>) -> (StatusCode, Html<String>) {
    let backend = state.store.backend();
    (
        StatusCode::OK,
        Html(format!(
            r#"<!doctype html>
<html lang="ko">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapport</title>
<style>
 body {{ font-family: system-ui, "Apple SD Gothic Neo", "Noto Sans KR", sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; line-height: 1.6; }}
 h1 {{ margin-bottom: .2rem; }} .en {{ color: #52606d; }} a {{ color: #0b5cad; }}
 ul {{ padding-left: 1.2rem; }} code {{ background: #f0f4f8; padding: .1rem .3rem; border-radius: 3px; }}
</style></head>
<body>
<h1>Rapport</h1>
<p>서비스 접점과 서비스 회복을 관리합니다.<br><span class="en" lang="en">Service encounters and service recovery, managed.</span></p>
<ul>
 <li><a href="/api/docs/">API 탐색기</a> <span class="en" lang="en">· API explorer</span></li>
 <li><a href="/api/v1/openapi.json">OpenAPI 문서</a> <span class="en" lang="en">· OpenAPI document</span></li>
 <li><a href="/readyz">상태 확인</a> <span class="en" lang="en">· readiness</span> (<code>{backend}</code>)</li>
 <li><a href="/metrics">지표</a> <span class="en" lang="en">· Prometheus metrics</span></li>
</ul>
<p>API 토큰은 <code>Authorization: Bearer rpt_…</code> 헤더로 보냅니다. <span class="en" lang="en">Send the API token printed at first start as <code>Authorization: Bearer rpt_…</code>.</span></p>
</body></html>"#
        )),
    )
}
