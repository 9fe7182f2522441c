//! The web layer: the JSON API under `/api/v1`, its OpenAPI document and explorer, health
//! checks and metrics. Handlers parse requests into domain types, let the domain decide,
//! and hand the result to the store; no SQL here.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use rapport_store::Store;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

pub mod auth;
pub mod error;
pub mod extract;
mod openapi;
mod routes;
pub mod survey_form;
pub mod ui;

pub use routes::surveys::{MAX_IMPORT_ROWS, ReportKind, SurveyReportQuery, survey_report};

pub use openapi::openapi;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub metrics: PrometheusHandle,
    pub sessions: Arc<auth::TokenCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            metrics: metrics_handle(),
            sessions: Arc::default(),
        }
    }
}

/// The process-wide Prometheus recorder (a recorder can be installed only once per process).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ])
                .expect("static buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed, then that one records.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Largest request body: a batch of 10,000 encounters fits comfortably.
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The whole application router.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api_router().split_for_parts();
    let doc = Arc::new(doc);
    let swagger =
        utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", (*doc).clone());
    Router::new()
        .merge(api)
        .merge(routes::system::router())
        .merge(routes::surveys::public_router())
        .merge(ui::router())
        .merge(swagger)
        .route_layer(axum::middleware::from_fn(record_metrics))
        .fallback(routes::system::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(error::ApiError::Internal(
                "a handler panicked".into(),
            ))
        }))
        .layer(TraceLayer::new_for_http())
}

/// The API routes with their OpenAPI description.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(routes::units::router())
        .merge(routes::employees::router())
        .merge(routes::touchpoints::router())
        .merge(routes::customers::router())
        .merge(routes::encounters::router())
        .merge(routes::audit::router())
        .merge(routes::recovery_config::router())
        .merge(routes::cases::router())
        .merge(routes::surveys::router())
}

async fn record_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("rapport_http_requests_total", "method" => method.clone(), "path" => path.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("rapport_http_request_duration_seconds", "method" => method, "path" => path)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state);
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}
