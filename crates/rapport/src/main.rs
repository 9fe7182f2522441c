//! `rapport`: one binary to serve, migrate, fill a demo and measure.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use rapport_domain::Timestamp;
use rapport_domain::money::MoneyDto;
use rapport_domain::org::{EmployeeInput, Role};
use rapport_store::{Change, DatabaseUrl, PageRequest, Store};

mod bench;
mod bench_pages;
mod config;
mod survey;

/// glibc's allocator spent a tenth of the ingest profile in malloc and free; mimalloc, a
/// widely used drop-in allocator, halves that cost for the many small JSON and SQL values.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use config::{DEFAULT_DATABASE, DEFAULT_LISTEN, FileConfig, Secret, pick};

#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version,
    about = "Service encounter and service recovery management"
)]
pub struct Cli {
    /// Configuration file (TOML with `database`, `listen`, `log_format`).
    #[arg(
        long,
        global = true,
        env = "RAPPORT_CONFIG",
        default_value = "rapport.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (applies migrations first).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Fill an empty database with a bilingual demo data set.
    Demo(DemoArgs),
    /// Measure ingest, case creation, the SLA sweep, the recovery summary and the surveys
    /// (ingest, SERVQUAL report, CSV import) against fresh databases and print the figures.
    Bench(bench::BenchArgs),
    /// Survey responses: import a CSV of historic responses, print the reports.
    Survey(survey::SurveyArgs),
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// Database: a file path or sqlite://FILE (default ./rapport.db), or postgres://USER@HOST/DB.
    #[arg(long, env = "RAPPORT_DATABASE_URL")]
    database: Option<String>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "RAPPORT_LISTEN")]
    listen: Option<String>,
    /// Create the demo data set first when the database is empty.
    #[arg(long)]
    demo: bool,
    /// Size of that demo data set (1.0 = 20,000 customers and 1,000,000 encounters).
    #[arg(long, env = "RAPPORT_DEMO_SCALE", default_value_t = 1.0)]
    demo_scale: f64,
}

#[derive(Debug, Args)]
struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Size of the data set (1.0 = 20,000 customers and 1,000,000 encounters).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed of the simulation; the same seed gives the same data.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let explicit_config = std::env::var_os("RAPPORT_CONFIG").is_some()
        || std::env::args().any(|a| a.starts_with("--config"));
    let file = FileConfig::load(&cli.config, explicit_config)?;
    init_logs(file.log_format.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args, &file).await,
            Command::Migrate(args) => {
                let store = open(&args, &file).await?;
                println!("Migrations applied ({}).", store.backend());
                store.close().await;
                Ok(())
            }
            Command::Demo(args) => {
                let store = open(&args.db, &file).await?;
                demo(store.as_ref(), args.scale, args.seed).await?;
                store.close().await;
                Ok(())
            }
            Command::Bench(args) => bench::run(args).await,
            Command::Survey(args) => survey::run(args, &file).await,
        }
    })
}

/// An API error in words, for the command line.
pub(crate) fn describe(e: rapport_web::error::ApiError) -> String {
    use rapport_web::error::ApiError;
    match e {
        ApiError::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("\n"),
        ApiError::NotFound(what) => format!("{what} not found"),
        ApiError::BadRequest(m) | ApiError::Internal(m) | ApiError::Unavailable(m) => m,
        other => format!("{other:?}"),
    }
}

fn init_logs(format: Option<&str>) -> anyhow::Result<()> {
    let format = std::env::var("RAPPORT_LOG_FORMAT")
        .ok()
        .or(format.map(str::to_owned));
    let json = match format.as_deref() {
        Some("json") => true,
        Some("text") => false,
        Some(other) => bail!("log format `{other}` is unknown: use text or json"),
        None => !std::io::stderr().is_terminal(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAPPORT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
    Ok(())
}

fn database_url(args: &DbArgs, file: &FileConfig) -> anyhow::Result<DatabaseUrl> {
    let text = pick(
        args.database.clone(),
        file.database.clone(),
        DEFAULT_DATABASE,
    );
    DatabaseUrl::parse(&text).map_err(|e| anyhow::anyhow!("--database: {e}"))
}

/// Opens and migrates the database.
async fn open(args: &DbArgs, file: &FileConfig) -> anyhow::Result<Arc<dyn Store>> {
    let url = database_url(args, file)?;
    let store = rapport_store::connect(&url)
        .await
        .with_context(|| format!("opening the database {}", url.redacted()))?;
    store.migrate().await.context("applying migrations")?;
    tracing::info!(database = %url.redacted(), "database ready");
    Ok(store)
}

async fn demo(store: &dyn Store, scale: f64, seed: u64) -> anyhow::Result<()> {
    if !(scale > 0.0 && scale <= 100.0) {
        bail!("--scale must be above 0 and at most 100");
    }
    if !store
        .list_units(None, &PageRequest::first(1))
        .await?
        .items
        .is_empty()
    {
        bail!("the database already holds data; the demo fills only an empty database");
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let started = Instant::now();
    let progress_bar = bar.clone();
    let progress = move |phase: &str, done: u64, total: u64| {
        progress_bar.set_message(phase.to_owned());
        progress_bar.set_length(total);
        progress_bar.set_position(done);
    };
    let today = chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    let options = rapport_demo::DemoOptions {
        scale,
        seed,
        year_end: Timestamp::from_datetime(today),
    };
    let summary = rapport_demo::generate(store, &options, &progress).await?;
    bar.finish_and_clear();
    println!(
        "Demo data written in {:.1} s: {} units, {} touchpoints, {} employees, {} customers, {} encounters, {} recovery cases, {} survey responses.",
        started.elapsed().as_secs_f64(),
        summary.units,
        summary.touchpoints,
        summary.employees,
        summary.customers,
        summary.encounters,
        summary.cases,
        summary.surveys
    );
    Ok(())
}

/// What to print once when the first admin is created.
struct FirstAdmin {
    email: String,
    password: String,
    token: String,
}

/// Makes sure the organisation has an admin: from `RAPPORT_ADMIN_TOKEN` for automation,
/// or a new one whose credentials are printed once.
async fn ensure_admin(
    store: &dyn Store,
    admin_token: Option<Secret>,
) -> anyhow::Result<Option<FirstAdmin>> {
    if store.count_active_admins().await? > 0 {
        return Ok(None);
    }
    let input = EmployeeInput {
        version: None,
        name: "관리자 Administrator".into(),
        email: "admin@rapport.local".into(),
        role: Role::Admin,
        unit_id: None,
        authority_limit: MoneyDto {
            amount_minor: 10_000_000,
            currency: "KRW".into(),
        },
        active: true,
    };
    let employee = input
        .parse()
        .map_err(|e| anyhow::anyhow!("first admin: {e:?}"))?;
    let password = rapport_web::auth::new_password();
    let hash = {
        let p = password.clone();
        tokio::task::spawn_blocking(move || rapport_web::auth::hash_password(&p)).await?
    };
    let change = Change::system();
    let admin = store
        .create_employee(&change, &employee, Some(&hash))
        .await?;
    match admin_token {
        Some(Secret(token)) => {
            if !token.starts_with(rapport_web::auth::TOKEN_PREFIX) || token.len() < 24 {
                bail!(
                    "RAPPORT_ADMIN_TOKEN must start with `rpt_` and hold at least 20 random characters"
                );
            }
            store
                .create_token(
                    &change,
                    admin.id,
                    "RAPPORT_ADMIN_TOKEN",
                    &rapport_web::auth::hash_token(&token),
                    None,
                )
                .await?;
            tracing::info!(email = %admin.email, "first admin created with the token from RAPPORT_ADMIN_TOKEN");
            Ok(None)
        }
        None => {
            let (token, token_hash) = rapport_web::auth::new_token();
            store
                .create_token(&change, admin.id, "first start", &token_hash, None)
                .await?;
            Ok(Some(FirstAdmin {
                email: admin.email,
                password,
                token,
            }))
        }
    }
}

async fn serve(args: ServeArgs, file: &FileConfig) -> anyhow::Result<()> {
    let listen = pick(args.listen.clone(), file.listen.clone(), DEFAULT_LISTEN);
    let store = open(&args.db, file).await?;
    if args.demo
        && store
            .list_units(None, &PageRequest::first(1))
            .await?
            .items
            .is_empty()
    {
        println!("Creating the demo data set (scale {})…", args.demo_scale);
        demo(store.as_ref(), args.demo_scale, 2026).await?;
    }
    let admin_token = std::env::var("RAPPORT_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(Secret);
    let first_admin = ensure_admin(store.as_ref(), admin_token).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    println!(
        "Rapport is running at http://{host}:{}/ ({})",
        addr.port(),
        store.backend()
    );
    if let Some(a) = first_admin {
        println!("First admin created. These credentials are shown only once:");
        println!("  e-mail:    {}", a.email);
        println!("  password:  {}", a.password);
        println!("  API token: {}", a.token);
        println!(
            "Try: curl -H 'Authorization: Bearer {}' http://{host}:{}/api/v1/me",
            a.token,
            addr.port()
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let node = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let worker = rapport_jobs::Worker::new(store.clone(), node);
    let mut worker_stop = stop_rx.clone();
    let worker_task = tokio::spawn(worker.run(async move {
        let _ = worker_stop.changed().await;
    }));
    let mut server_stop = stop_rx;
    let shutdown = async move {
        let _ = server_stop.changed().await;
    };
    let signals = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
    });
    let state = rapport_web::AppState::new(store.clone());
    rapport_web::serve(listener, state, shutdown).await?;
    signals.abort();
    let _ = worker_task.await;
    store.checkpoint().await.ok();
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_has_help() {
        let cli = Cli::command();
        let names: Vec<_> = cli
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        assert_eq!(names, ["serve", "migrate", "demo", "bench", "survey"]);
        assert!(cli.get_subcommands().all(|c| c.get_about().is_some()));
    }
}
