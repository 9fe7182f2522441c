//! `rapport bench`: the performance figures, measured end to end through the
//! real HTTP server against a fresh database, with the load generator in the same process on
//! the same machine.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use rapport_domain::Timestamp;
use rapport_store::testing::{Backend, TestDb};
use rapport_store::{Change, Store};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchBackend {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which databases to measure. PostgreSQL needs RAPPORT_TEST_POSTGRES_URL (a server where
    /// a scratch database may be created and dropped).
    #[arg(long, value_enum, default_value_t = BenchBackend::Sqlite)]
    backend: BenchBackend,
    /// Concurrent connections for the single-encounter POST test.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds the single-encounter POST test runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Batches of 10,000 encounters to send in the batch test.
    #[arg(long, default_value_t = 20)]
    batches: usize,
    /// Clients sending batches at the same time (one parses while another's batch is written).
    #[arg(long, default_value_t = 2)]
    batch_senders: usize,
    /// Open cases in the SLA-sweep test (none of them due); 0 skips it.
    #[arg(long, default_value_t = 1_000_000)]
    sweep_cases: usize,
    /// Scale of the demo generation timing (1.0 = 1,000,000 encounters); 0 skips it.
    #[arg(long, default_value_t = 1.0)]
    demo_scale: f64,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.connections == 0 || args.seconds == 0 {
        bail!("--connections and --seconds must be at least 1");
    }
    let backends: &[Backend] = match args.backend {
        BenchBackend::Sqlite => &[Backend::Sqlite],
        BenchBackend::Postgres => &[Backend::Postgres],
        BenchBackend::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    println!(
        "rapport bench: {} cores, {} connections",
        std::thread::available_parallelism()?.get(),
        args.connections
    );
    for backend in backends {
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let Some(db) = TestDb::new(*backend).await else {
            bail!("PostgreSQL is not configured: set RAPPORT_TEST_POSTGRES_URL");
        };
        let fixture = Fixture::new(db.store.clone()).await?;
        let server = Server::start(db.store.clone()).await?;
        let single = single_posts(
            &server.base,
            &fixture,
            "/api/v1/encounters",
            |i| fixture.encounter(i),
            args.connections,
            Duration::from_secs(args.seconds),
        )
        .await?;
        println!(
            "{name:<8} single-encounter POST: {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} errors)",
            single.rate, single.p50_ms, single.p99_ms, single.count, single.errors
        );
        let batch = batch_posts(
            &server.base,
            &fixture,
            args.batches,
            args.batch_senders.max(1),
        )
        .await?;
        println!(
            "{name:<8} batch ingest:          {:>9.0} encounters/s  ({} batches of 10,000 from {} clients, p50 {:.0} ms per batch)",
            batch.rate,
            batch.count,
            args.batch_senders.max(1),
            batch.p50_ms
        );
        let cases = single_posts(
            &server.base,
            &fixture,
            "/api/v1/cases",
            |i| fixture.case(i),
            args.connections,
            Duration::from_secs(args.seconds),
        )
        .await?;
        println!(
            "{name:<8} case creation POST:    {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} errors)",
            cases.rate, cases.p50_ms, cases.p99_ms, cases.count, cases.errors
        );
        server.stop().await;
        drop(db);
        if args.sweep_cases > 0 {
            let Some(db) = TestDb::new(*backend).await else {
                unreachable!()
            };
            let fixture = Fixture::new(db.store.clone()).await?;
            let started = Instant::now();
            import_open_cases(db.store.as_ref(), &fixture, args.sweep_cases).await?;
            let imported = started.elapsed().as_secs_f64();
            let (p50, p99) = time_ms(100, || async {
                let o = db.store.sweep_sla(Timestamp::now(), 500).await?;
                if o.cases > 0 {
                    bail!("the sweep found due work in a set built to have none");
                }
                Ok(())
            })
            .await?;
            println!(
                "{name:<8} SLA sweep, nothing due: p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  ({} open cases, imported in {imported:.1} s)",
                args.sweep_cases
            );
        }
        if args.demo_scale > 0.0 {
            let Some(db) = TestDb::new(*backend).await else {
                unreachable!()
            };
            let started = Instant::now();
            let options = rapport_demo::DemoOptions {
                scale: args.demo_scale,
                seed: 2026,
                year_end: Timestamp::now(),
            };
            let summary =
                rapport_demo::generate(db.store.as_ref(), &options, &|_, _, _| {}).await?;
            println!(
                "{name:<8} demo generation:       {:>9.1} s  ({} encounters, {} customers, scale {})",
                started.elapsed().as_secs_f64(),
                summary.encounters,
                summary.customers,
                args.demo_scale
            );
            let filter = rapport_store::SummaryFilter {
                unit: None,
                from: options.year_end.plus_seconds(-366 * 86_400),
                to: options.year_end.plus_seconds(1),
            };
            let cases = db.store.recovery_summary(&filter).await?.cases;
            let (p50, p99) = time_ms(20, || async {
                db.store.recovery_summary(&filter).await?;
                Ok(())
            })
            .await?;
            println!(
                "{name:<8} recovery summary, year: p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  ({cases} cases, all units)"
            );
        }
    }
    Ok(())
}

/// A unit with touchpoints, a customer and an agent token to post with.
struct Fixture {
    unit: Uuid,
    token: String,
    touchpoints: Vec<Uuid>,
    customer: Uuid,
}

impl Fixture {
    async fn new(store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let c = Change::system();
        let unit: rapport_domain::org::UnitInput = serde_json::from_value(
            json!({"name": {"ko": "벤치마크점", "en": "Benchmark branch"}, "time_zone": "Asia/Seoul"}),
        )?;
        let unit = store
            .create_unit(&c, &unit.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?)
            .await?;
        let mut touchpoints = Vec::new();
        for (i, (presence, creation)) in [(10.0, 10.0), (5.0, 12.0), (1.0, 20.0)]
            .into_iter()
            .enumerate()
        {
            let t: rapport_domain::contact::TouchpointInput = serde_json::from_value(json!({
                "unit_id": unit.id, "name": {"ko": format!("접점 {i}"), "en": format!("Touchpoint {i}")},
                "channel": "in_person", "journey_stage": "during",
                "customer_presence_minutes": presence, "service_creation_minutes": creation
            }))?;
            let t = store
                .create_touchpoint(&c, &t.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?)
                .await?;
            touchpoints.push(t.id);
        }
        let customer: rapport_domain::customer::CustomerInput =
            serde_json::from_value(json!({"name": "김벤치"}))?;
        let customer = store
            .create_customer(&c, &customer.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?)
            .await?;
        let agent: rapport_domain::org::EmployeeInput = serde_json::from_value(json!({
            "name": "부하 측정", "email": "bench@rapport.local", "role": "agent", "unit_id": unit.id,
            "authority_limit": {"amount_minor": 0, "currency": "KRW"}
        }))?;
        let agent = store
            .create_employee(
                &c,
                &agent.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?,
                None,
            )
            .await?;
        let (token, hash) = rapport_web::auth::new_token();
        store
            .create_token(&c, agent.id, "bench", &hash, None)
            .await?;
        Ok(Self {
            unit: unit.id,
            token,
            touchpoints,
            customer: customer.id,
        })
    }

    fn case(&self, i: usize) -> serde_json::Value {
        let categories = rapport_domain::taxonomy::DEFAULT_CATEGORIES;
        json!({
            "source": "complaint", "channel": "in_person",
            "touchpoint_id": self.touchpoints[i % self.touchpoints.len()],
            "customer_id": if i.is_multiple_of(3) { Some(self.customer) } else { None },
            "category": categories[i % categories.len()].code,
            "severity": 1 + i % 4,
            "description": "주문한 메뉴가 잘못 나왔습니다"
        })
    }

    fn encounter(&self, i: usize) -> serde_json::Value {
        let start = Timestamp::now().plus_seconds(-((i % 86_400) as i64) - 600);
        json!({
            "touchpoint_id": self.touchpoints[i % self.touchpoints.len()],
            "customer_id": if i.is_multiple_of(3) { Some(self.customer) } else { None },
            "started_at": start.to_rfc3339(),
            "ended_at": start.plus_seconds(300).to_rfc3339(),
            "waiting_seconds": (i % 600) as i64,
            "presence_seconds": 200,
            "revenue": {"amount_minor": 15_000, "currency": "KRW"},
            "outcome": if i.is_multiple_of(17) { "failed" } else { "ok" }
        })
    }
}

/// Runs `f` `runs` times one after another; returns p50 and p99 in milliseconds.
async fn time_ms<F, Fut>(runs: usize, f: F) -> anyhow::Result<(f64, f64)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((percentile(&times, 0.5), percentile(&times, 0.99)))
}

/// Open cases whose clocks all run out well after now, written through the bulk import.
async fn import_open_cases(store: &dyn Store, fx: &Fixture, n: usize) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let categories = rapport_domain::taxonomy::DEFAULT_CATEGORIES;
    let mut done = 0;
    while done < n {
        let scripts: Vec<rapport_store::CaseScript> = (done..(done + 20_000).min(n))
            .map(|i| {
                let detected = now.plus_seconds(-((i % 600) as i64));
                rapport_store::CaseScript {
                    case: rapport_domain::case::NewCase {
                        kind: rapport_domain::case::CaseKind::Failure,
                        source: rapport_domain::case::CaseSource::Complaint,
                        channel: rapport_domain::contact::Channel::InPerson,
                        unit_id: Some(fx.unit),
                        touchpoint_id: Some(fx.touchpoints[i % fx.touchpoints.len()]),
                        customer_id: None,
                        encounter_id: None,
                        category: categories[i % categories.len()].code.to_owned(),
                        severity: rapport_domain::case::Severity::parse(
                            "severity",
                            1 + (i % 4) as i64,
                        )
                        .expect("1..=4"),
                        assignee_id: None,
                        description: "벤치마크".to_owned(),
                        occurred_at: detected,
                        detected_at: detected,
                    },
                    opened_by: None,
                    steps: vec![],
                }
            })
            .collect();
        done += scripts.len();
        store.import_cases(&scripts, now).await?;
    }
    Ok(())
}

struct Server {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, rx) = tokio::sync::oneshot::channel();
        let state = rapport_web::AppState::new(store);
        let task = tokio::spawn(rapport_web::serve(listener, state, async {
            let _ = rx.await;
        }));
        Ok(Self { base, stop, task })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

struct Figures {
    count: usize,
    errors: usize,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// One keep-alive HTTP/1.1 connection driven directly with hyper: the load generator shares
/// the two cores with the server, so it should cost as little as possible per request.
async fn connect(
    addr: &str,
) -> anyhow::Result<hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn single_posts(
    base: &str,
    fx: &Fixture,
    path: &'static str,
    body: impl Fn(usize) -> serde_json::Value,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let addr = base.trim_start_matches("http://").to_owned();
    // Pre-serialised bodies keep client work out of the measured loop.
    let bodies: Arc<Vec<bytes::Bytes>> = Arc::new(
        (0..1000)
            .map(|i| bytes::Bytes::from(body(i).to_string()))
            .collect(),
    );
    let auth = format!("Bearer {}", fx.token);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let mut sender = connect(&addr).await?;
        let (addr, auth, bodies) = (addr.clone(), auth.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut i = c;
            while Instant::now() < deadline {
                let req = hyper::Request::post(path)
                    .header("host", addr.as_str())
                    .header("authorization", auth.as_str())
                    .header("content-type", "application/json")
                    .body(http_body_util::Full::new(bodies[i % bodies.len()].clone()))
                    .expect("a valid request");
                let t = Instant::now();
                match sender.send_request(req).await {
                    Ok(resp) => {
                        let ok = resp.status() == 201;
                        let _ = http_body_util::BodyExt::collect(resp.into_body()).await;
                        if ok {
                            latencies.push(t.elapsed());
                        } else {
                            errors += 1;
                        }
                    }
                    Err(_) => {
                        errors += 1;
                        match connect(&addr).await {
                            Ok(s) => sender = s,
                            Err(_) => break,
                        }
                    }
                }
                i += connections;
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.context("a load task failed")?;
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    Ok(Figures {
        count: all.len(),
        errors,
        rate: all.len() as f64 / elapsed,
        p50_ms: percentile(&all, 0.50),
        p99_ms: percentile(&all, 0.99),
    })
}

async fn batch_posts(
    base: &str,
    fx: &Fixture,
    batches: usize,
    senders: usize,
) -> anyhow::Result<Figures> {
    let url = format!("{base}/api/v1/encounters");
    let bodies: Vec<String> = (0..batches)
        .map(|b| {
            serde_json::Value::Array((0..10_000).map(|i| fx.encounter(b * 10_000 + i)).collect())
                .to_string()
        })
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (queue, url, token) = (queue.clone(), url.clone(), fx.token.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            loop {
                let Some(body) = queue.lock().expect("queue lock").pop() else {
                    break;
                };
                let t = Instant::now();
                let resp = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await?;
                if resp.status() != 201 {
                    bail!(
                        "a batch was refused: {} {}",
                        resp.status(),
                        resp.text().await.unwrap_or_default()
                    );
                }
                let _ = resp.bytes().await;
                latencies.push(t.elapsed());
            }
            Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.context("a batch sender failed")??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    Ok(Figures {
        count: batches,
        errors: 0,
        rate: (batches * 10_000) as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
    })
}
