//! `rapport bench`: the performance figures, measured end to end through the
//! real HTTP server against a fresh database, with the load generator in the same process on
//! the same machine.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Datelike;
use clap::{Args, ValueEnum};
use rapport_domain::Timestamp;
use rapport_domain::survey::{Answers, ResponseSource};
use rapport_store::testing::{Backend, TestDb};
use rapport_store::{Change, NewResponse, Store};
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
    /// SERVQUAL responses stored for the report test (those of the ingest test count, the rest
    /// are written straight to the store); 0 skips the survey tests (ingest, report, CSV import).
    #[arg(long, default_value_t = 1_000_000)]
    survey_responses: usize,
    /// Batches of 10,000 SERVQUAL responses to send in the survey ingest test.
    #[arg(long, default_value_t = 10)]
    survey_batches: usize,
    /// Time every staff page on the demo data set (after the demo generation test).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pages: bool,
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
        let bodies = (0..args.batches)
            .map(|b| {
                serde_json::Value::Array(
                    (0..BATCH)
                        .map(|i| fixture.encounter(b * BATCH + i))
                        .collect(),
                )
                .to_string()
            })
            .collect();
        let batch = batch_posts(
            &server.base,
            &fixture.token,
            "/api/v1/encounters",
            bodies,
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
            if args.pages {
                let server = Server::start(db.store.clone()).await?;
                crate::bench_pages::pages(name, db.store.clone(), &server.base).await?;
                server.stop().await;
            }
        }
        if args.survey_responses > 0 {
            let Some(db) = TestDb::new(*backend).await else {
                unreachable!()
            };
            surveys(name, db.store.clone(), &args).await?;
        }
    }
    Ok(())
}

/// Items per batch in the batch tests.
const BATCH: usize = 10_000;

/// The survey figures on one fresh database: SERVQUAL batch ingest over HTTP, then the
/// full-year SERVQUAL report over `--survey-responses` stored responses (the rest written
/// straight to the store), then a CSV import of 100,000 rows.
async fn surveys(name: &str, store: Arc<dyn Store>, args: &BenchArgs) -> anyhow::Result<()> {
    let fixture = Fixture::new(store.clone()).await?;
    let world = Arc::new(SurveyWorld::new(store.as_ref(), &fixture).await?);
    let server = Server::start(store.clone()).await?;
    let senders = args.batch_senders.max(1);

    let ingested = args.survey_batches * BATCH;
    if args.survey_batches > 0 {
        let (w, batches) = (world.clone(), args.survey_batches);
        let bodies = tokio::task::spawn_blocking(move || {
            (0..batches)
                .map(|b| w.batch_json(SEED_INGEST, b * BATCH..(b + 1) * BATCH, ingested))
                .collect::<Vec<String>>()
        })
        .await?;
        let ingest = batch_posts(
            &server.base,
            &fixture.token,
            "/api/v1/survey-responses",
            bodies,
            senders,
        )
        .await?;
        println!(
            "{name:<8} SERVQUAL batch ingest: {:>9.0} responses/s  ({} batches of 10,000 from {senders} clients, p50 {:.0} ms per batch)",
            ingest.rate, ingest.count, ingest.p50_ms
        );
    }

    let fill = args.survey_responses.saturating_sub(ingested);
    let started = Instant::now();
    fill_responses(store.clone(), world.clone(), fill).await?;
    let filled = started.elapsed().as_secs_f64();
    let stored = ingested + fill;
    let year = world.year;
    let client = reqwest::Client::new();
    let report = |trend: &'static str| {
        let url = format!(
            "{}/api/v1/reports/servqual?from={year}-01-01&to={year}-12-31{trend}",
            server.base
        );
        let (client, token) = (client.clone(), fixture.token.clone());
        move || {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            async move {
                let resp = client.get(&url).bearer_auth(&token).send().await?;
                if resp.status() != 200 {
                    bail!(
                        "the SERVQUAL report failed: {} {}",
                        resp.status(),
                        resp.text().await.unwrap_or_default()
                    );
                }
                Ok(resp.bytes().await?)
            }
        }
    };
    let body: serde_json::Value = serde_json::from_slice(&report("")().await?)?;
    let respondents = body["report"]["respondents"].as_i64().unwrap_or(-1);
    if respondents != stored as i64 {
        bail!("the SERVQUAL report counts {respondents} respondents, {stored} were stored");
    }
    let groups = body["scope"]["groups_read"].as_i64().unwrap_or(0);
    let gap = body["report"]["servqual"]["unweighted"]
        .as_f64()
        .unwrap_or(f64::NAN);
    let year_report = report("");
    let (p50, p99) = time_ms(20, || async {
        year_report().await?;
        Ok(())
    })
    .await?;
    println!(
        "{name:<8} SERVQUAL report, year:  p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  ({stored} responses, {groups} statistics rows, SERVQUAL score {gap:.2}; {fill} stored directly in {filled:.1} s)"
    );
    let month_report = report("&trend=month");
    let (p50, p99) = time_ms(20, || async {
        month_report().await?;
        Ok(())
    })
    .await?;
    println!(
        "{name:<8} SERVQUAL report, trend: p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  (the same year by month)"
    );

    const IMPORT_ROWS: usize = 100_000;
    let w = world.clone();
    let (body, csv_bytes) = tokio::task::spawn_blocking(move || {
        let csv = w.csv(SEED_IMPORT, IMPORT_ROWS);
        let body = json!({
            "instrument": "servqual",
            "mapping": w.mapping(),
            "csv_base64": base64(&csv),
        })
        .to_string();
        (body, csv.len())
    })
    .await?;
    let started = Instant::now();
    let resp = client
        .post(format!("{}/api/v1/survey-imports", server.base))
        .bearer_auth(&world.manager_token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let status = resp.status();
    let text = resp.text().await?;
    let seconds = started.elapsed().as_secs_f64();
    if status != 201 {
        bail!(
            "the CSV import was refused: {status} {}",
            &text[..text.len().min(2000)]
        );
    }
    let result: serde_json::Value = serde_json::from_str(&text)?;
    let imported = result["imported"].as_u64().unwrap_or(0);
    if imported != IMPORT_ROWS as u64 {
        bail!("the CSV import wrote {imported} of {IMPORT_ROWS} rows: {text}");
    }
    println!(
        "{name:<8} SERVQUAL CSV import:   {seconds:>9.1} s  ({IMPORT_ROWS} rows, {:.1} MB UTF-8 with BOM, Korean header, {:.0} rows/s)",
        csv_bytes as f64 / 1e6,
        IMPORT_ROWS as f64 / seconds
    );
    server.stop().await;
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

pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
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

/// Sends the pre-serialised batches (of `BATCH` items each) from `senders` clients at once,
/// in order; every one must be answered 201.
async fn batch_posts(
    base: &str,
    token: &str,
    path: &str,
    mut bodies: Vec<String>,
    senders: usize,
) -> anyhow::Result<Figures> {
    let url = format!("{base}{path}");
    let batches = bodies.len();
    // Senders pop from the end: reversed, the batches go out in time order.
    bodies.reverse();
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (queue, url, token) = (queue.clone(), url.clone(), token.to_owned());
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
        rate: (batches * BATCH) as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
    })
}

// ---------------------------------------------------------------------------------------
// Survey data

const SEED_INGEST: u64 = 1;
const SEED_FILL: u64 = 2;
const SEED_IMPORT: u64 = 3;

/// SplitMix64: a small seeded generator, enough for believable survey answers.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, i: u64) -> Self {
        let mut r = Self(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ i);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-300);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// One generated SERVQUAL respondent.
struct Respondent {
    at: i64,
    touchpoint: usize,
    customer: Option<usize>,
    /// In the instrument's item order (`e01`..`e22`, `p01`..`p22`); 0 where skipped.
    values: [u8; 44],
    /// Points per dimension, adding up to 100.
    importance: [u8; 5],
}

/// Where the bench's SERVQUAL answers come from: the fixture's unit with more touchpoints of
/// every channel, customers of every tier, a manager to import with, and the last whole
/// calendar year (in the unit's zone, Asia/Seoul) to spread the answers over.
struct SurveyWorld {
    manager_token: String,
    /// Touchpoint ids with their contact intensity (presence over creation time).
    touchpoints: Vec<(Uuid, f64)>,
    customers: Vec<Uuid>,
    year: i32,
    /// The first microsecond of the year (UTC micros) and the year's length.
    start: i64,
    span: i64,
    item_codes: Vec<String>,
    /// Dimension of each of the 22 pairs, by position.
    pair_dimension: Vec<usize>,
    dimension_codes: Vec<String>,
    dimension_names_ko: Vec<String>,
}

const SEOUL_OFFSET_MICROS: i64 = 9 * 3600 * 1_000_000;

impl SurveyWorld {
    async fn new(store: &dyn Store, fx: &Fixture) -> anyhow::Result<Self> {
        let c = Change::system();
        let bad = |e| anyhow::anyhow!("{e:?}");
        let mut touchpoints: Vec<(Uuid, f64)> = fx
            .touchpoints
            .iter()
            .zip([1.0, 5.0 / 12.0, 1.0 / 20.0])
            .map(|(t, i)| (*t, i))
            .collect();
        for (i, (channel, presence, creation)) in [
            ("phone", 5.0, 10.0),
            ("chat", 4.0, 10.0),
            ("kiosk", 1.5, 10.0),
            ("app", 2.0, 20.0),
            ("web", 4.0, 25.0),
            ("email", 0.5, 15.0),
            ("reservation", 2.0, 5.0),
        ]
        .into_iter()
        .enumerate()
        {
            let t: rapport_domain::contact::TouchpointInput = serde_json::from_value(json!({
                "unit_id": fx.unit, "name": {"ko": format!("설문 접점 {i}"), "en": format!("Survey touchpoint {i}")},
                "channel": channel, "journey_stage": "during",
                "customer_presence_minutes": presence, "service_creation_minutes": creation
            }))?;
            let t = store
                .create_touchpoint(&c, &t.parse().map_err(bad)?)
                .await?;
            touchpoints.push((t.id, presence / creation));
        }
        let mut customers = Vec::new();
        for (i, tier) in [
            "standard", "standard", "standard", "silver", "silver", "gold", "gold", "vip",
        ]
        .into_iter()
        .enumerate()
        {
            let input: rapport_domain::customer::CustomerInput = serde_json::from_value(json!({
                "name": format!("설문 고객 {i}"), "tier": tier, "locale": if i % 4 == 3 { "en" } else { "ko" }
            }))?;
            customers.push(
                store
                    .create_customer(&c, &input.parse().map_err(bad)?)
                    .await?
                    .id,
            );
        }
        let manager: rapport_domain::org::EmployeeInput = serde_json::from_value(json!({
            "name": "설문 관리자", "email": "bench-manager@rapport.local", "role": "manager",
            "unit_id": fx.unit, "authority_limit": {"amount_minor": 100_000, "currency": "KRW"}
        }))?;
        let manager = store
            .create_employee(&c, &manager.parse().map_err(bad)?, None)
            .await?;
        let (manager_token, hash) = rapport_web::auth::new_token();
        store
            .create_token(&c, manager.id, "bench import", &hash, None)
            .await?;

        let year = chrono::Utc::now().year() - 1;
        let first = |y: i32| {
            chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                .expect("a valid year")
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc()
                .timestamp_micros()
                - SEOUL_OFFSET_MICROS
        };
        let def = rapport_domain::survey_builtin::servqual();
        let dims = def.item_dimensions();
        let pairs = def.pairs();
        if def.items.len() != 44 || pairs.len() != 22 || def.dimensions.len() != 5 {
            bail!("the bench expects SERVQUAL's 22 pairs on five dimensions");
        }
        Ok(Self {
            manager_token,
            touchpoints,
            customers,
            year,
            start: first(year),
            span: first(year + 1) - first(year),
            item_codes: def.items.iter().map(|i| i.code.clone()).collect(),
            pair_dimension: (0..22).map(|q| dims[q]).collect(),
            dimension_codes: def.dimensions.iter().map(|d| d.code.clone()).collect(),
            dimension_names_ko: def.dimensions.iter().map(|d| d.name.ko.clone()).collect(),
        })
    }

    /// Respondent `i` of `n` in stream `seed`, at the i-th n-th of the year.
    ///
    /// Expectations are high (mostly 5–7) and move with the respondent's general standard;
    /// perceptions move with the respondent's overall impression and a factor per dimension,
    /// so items of a dimension correlate as in real data. Perceptions fall short of
    /// expectations most in reliability, and in responsiveness and empathy the more so the
    /// higher the touchpoint's contact. Importance favours reliability.
    fn respondent(&self, seed: u64, i: usize, n: usize) -> Respondent {
        const GAP: [f64; 5] = [-0.1, -0.7, -0.4, -0.3, -0.3];
        const CONTACT_GAP: [f64; 5] = [0.0, 0.0, -0.9, -0.2, -0.8];
        const IMPORTANCE: [f64; 5] = [14.0, 32.0, 22.0, 17.0, 15.0];
        let mut rng = Rng::new(seed, i as u64);
        let slot = self.span / n.max(1) as i64;
        let at = self.start
            + (i as i128 * self.span as i128 / n.max(1) as i128) as i64
            + (rng.unit() * slot as f64) as i64;
        let touchpoint = rng.below(self.touchpoints.len());
        let contact = self.touchpoints[touchpoint].1;
        let customer = (rng.unit() < 0.45).then(|| rng.below(self.customers.len()));
        let standard = 0.5 * rng.normal();
        let impression = 0.8 * rng.normal();
        let e_factor: [f64; 5] = std::array::from_fn(|_| 0.3 * rng.normal());
        let p_factor: [f64; 5] = std::array::from_fn(|_| 0.5 * rng.normal());
        let mut values = [0_u8; 44];
        let point = |x: f64| x.round().clamp(1.0, 7.0) as u8;
        for q in 0..22 {
            let d = self.pair_dimension[q];
            let e = 6.0 + standard + e_factor[d] + 0.5 * rng.normal();
            let p = 5.7
                + GAP[d]
                + CONTACT_GAP[d] * contact
                + impression
                + p_factor[d]
                + 0.55 * rng.normal();
            let skip = rng.unit() < 0.01;
            values[q] = if skip { 0 } else { point(e) };
            values[22 + q] = if skip || rng.unit() < 0.005 {
                0
            } else {
                point(p)
            };
        }
        let weights: [f64; 5] =
            std::array::from_fn(|d| IMPORTANCE[d] * (0.35 * rng.normal()).exp());
        let total: f64 = weights.iter().sum();
        let mut importance: [u8; 5] =
            std::array::from_fn(|d| (100.0 * weights[d] / total).round() as u8);
        let sum: i32 = importance.iter().map(|&p| i32::from(p)).sum();
        let top = (0..5)
            .max_by_key(|&d| importance[d])
            .expect("five dimensions");
        importance[top] = (i32::from(importance[top]) + 100 - sum) as u8;
        Respondent {
            at,
            touchpoint,
            customer,
            values,
            importance,
        }
    }

    /// A JSON array of the respondents `range` of `n`, as `POST /api/v1/survey-responses` takes.
    fn batch_json(&self, seed: u64, range: std::ops::Range<usize>, n: usize) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(range.len() * 700);
        out.push('[');
        for i in range {
            let r = self.respondent(seed, i, n);
            if out.len() > 1 {
                out.push(',');
            }
            let _ = write!(
                out,
                r#"{{"instrument":"servqual","touchpoint_id":"{}","#,
                self.touchpoints[r.touchpoint].0
            );
            if let Some(c) = r.customer {
                let _ = write!(out, r#""customer_id":"{}","#, self.customers[c]);
            }
            let _ = write!(
                out,
                r#""submitted_at":"{}","answers":{{"#,
                Timestamp::from_micros(r.at).to_rfc3339()
            );
            let mut first = true;
            for (code, v) in self.item_codes.iter().zip(r.values) {
                if v > 0 {
                    let _ = write!(out, r#"{}"{code}":{v}"#, if first { "" } else { "," });
                    first = false;
                }
            }
            out.push_str(r#"},"importance":{"#);
            for (d, (code, p)) in self.dimension_codes.iter().zip(r.importance).enumerate() {
                let _ = write!(out, r#"{}"{code}":{p}"#, if d == 0 { "" } else { "," });
            }
            out.push_str("}}");
        }
        out.push(']');
        out
    }

    fn new_response(&self, r: &Respondent) -> NewResponse {
        NewResponse {
            unit_id: None,
            touchpoint_id: Some(self.touchpoints[r.touchpoint].0),
            customer_id: r.customer.map(|c| self.customers[c]),
            encounter_id: None,
            case_id: None,
            locale: None,
            source: ResponseSource::Api,
            external_id: None,
            submitted_at: Timestamp::from_micros(r.at),
            answers: Answers {
                values: r
                    .values
                    .iter()
                    .map(|&v| (v > 0).then_some(i32::from(v)))
                    .collect(),
                importance: Some(r.importance.iter().map(|&p| i32::from(p)).collect()),
            },
            comment: None,
        }
    }

    /// Header names of the CSV, as a Korean survey tool would export them.
    fn csv_headers(&self) -> Vec<String> {
        let mut h = vec!["응답일시".to_owned(), "접점ID".to_owned()];
        h.extend((1..=22).map(|q| format!("기대{q}")));
        h.extend((1..=22).map(|q| format!("인식{q}")));
        h.extend(
            self.dimension_names_ko
                .iter()
                .map(|d| format!("중요도_{d}")),
        );
        h
    }

    /// A CSV of `n` respondents over the year: UTF-8 with a byte order mark (Excel's "CSV
    /// UTF-8"), CRLF line ends, local times, empty cells where an item was skipped.
    fn csv(&self, seed: u64, n: usize) -> Vec<u8> {
        use std::fmt::Write;
        let mut out = String::with_capacity(n * 170);
        out.push('\u{feff}');
        out.push_str(&self.csv_headers().join(","));
        out.push_str("\r\n");
        for i in 0..n {
            let r = self.respondent(seed, i, n);
            let local = chrono::DateTime::from_timestamp_micros(r.at + SEOUL_OFFSET_MICROS)
                .expect("in range")
                .naive_utc();
            let _ = write!(
                out,
                "{},{}",
                local.format("%Y-%m-%d %H:%M:%S"),
                self.touchpoints[r.touchpoint].0
            );
            for v in r.values {
                if v > 0 {
                    let _ = write!(out, ",{v}");
                } else {
                    out.push(',');
                }
            }
            for p in r.importance {
                let _ = write!(out, ",{p}");
            }
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    /// The mapping of that CSV (TOML).
    fn mapping(&self) -> String {
        let headers = self.csv_headers();
        let mut m = format!(
            "[columns]\nsubmitted_at = \"{}\"\ntouchpoint_id = \"{}\"\n\n[answers]\n",
            headers[0], headers[1]
        );
        for (code, header) in self.item_codes.iter().zip(&headers[2..46]) {
            m.push_str(&format!("{code} = \"{header}\"\n"));
        }
        m.push_str("\n[importance]\n");
        for (code, header) in self.dimension_codes.iter().zip(&headers[46..]) {
            m.push_str(&format!("{code} = \"{header}\"\n"));
        }
        m
    }
}

/// Writes `n` SERVQUAL respondents straight through `insert_responses`, 10,000 per call: one
/// thread generates the next chunks while two writers take turns with the store.
async fn fill_responses(
    store: Arc<dyn Store>,
    world: Arc<SurveyWorld>,
    n: usize,
) -> anyhow::Result<()> {
    if n == 0 {
        return Ok(());
    }
    let instrument = store.find_instrument("servqual").await?;
    let (chunks, ready) = tokio::sync::mpsc::channel::<Vec<NewResponse>>(2);
    let producer = std::thread::spawn(move || {
        for c in 0..n.div_ceil(BATCH) {
            let items = (c * BATCH..((c + 1) * BATCH).min(n))
                .map(|i| world.new_response(&world.respondent(SEED_FILL, i, n)))
                .collect();
            if chunks.blocking_send(items).is_err() {
                return;
            }
        }
    });
    let ready = Arc::new(tokio::sync::Mutex::new(ready));
    let mut writers = Vec::new();
    for _ in 0..2 {
        let (ready, store, instrument) = (ready.clone(), store.clone(), instrument.clone());
        writers.push(tokio::spawn(async move {
            loop {
                let Some(items) = ready.lock().await.recv().await else {
                    return anyhow::Ok(());
                };
                store
                    .insert_responses(&Change::system(), None, &instrument, &items, "")
                    .await?;
            }
        }));
    }
    for w in writers {
        w.await.context("a survey writer failed")??;
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the survey generator panicked"))?;
    Ok(())
}

/// Standard base64 with padding (the import takes the file so).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
