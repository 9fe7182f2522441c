//! `rapport survey`: import historic responses from a CSV, and print the survey reports.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rapport_domain::survey::ResponseSource;
use rapport_domain::survey_import::{ImportError, ImportOptions, parse_csv, parse_mapping};
use rapport_store::{Change, NewResponse, Store, StoreError};
use rapport_web::{ReportKind, SurveyReportQuery, survey_report};
use uuid::Uuid;

use crate::DbArgs;

#[derive(Debug, Args)]
pub struct SurveyArgs {
    #[command(subcommand)]
    command: SurveyCommand,
}

#[derive(Debug, Subcommand)]
enum SurveyCommand {
    /// Import historic responses from a CSV (UTF-8, UTF-8 with BOM or CP949/EUC-KR) with a
    /// column mapping file (TOML; see the README). All or nothing unless --skip-bad-rows.
    Import(ImportArgs),
    /// Print the SERVQUAL or the satisfaction (CSAT, NPS, effort) report as JSON or CSV.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Instrument code or id, e.g. servqual.
    #[arg(long)]
    instrument: String,
    /// The mapping file (TOML): which column holds which item.
    #[arg(long)]
    mapping: PathBuf,
    /// Import the good rows and report the bad ones instead of importing nothing.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Time zone of dates written without an offset.
    #[arg(long, default_value = "Asia/Seoul")]
    time_zone: String,
    /// The CSV file.
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Which {
    Servqual,
    Satisfaction,
}

#[derive(Debug, Args)]
struct ReportArgs {
    #[command(flatten)]
    db: DbArgs,
    /// servqual or satisfaction.
    #[arg(value_enum)]
    which: Which,
    /// Instrument code or id (default: servqual, or every CSAT, NPS and effort instrument).
    #[arg(long)]
    instrument: Option<String>,
    /// First day, YYYY-MM-DD (default 364 days before --to).
    #[arg(long)]
    from: Option<String>,
    /// Last day, included, YYYY-MM-DD (default today).
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    unit: Option<Uuid>,
    #[arg(long)]
    touchpoint: Option<Uuid>,
    /// Contact level of the touchpoints: high, medium or low.
    #[arg(long)]
    level: Option<String>,
    /// Customer tier: standard, silver, gold, vip or none.
    #[arg(long)]
    tier: Option<String>,
    /// Add a trend by week or month.
    #[arg(long)]
    trend: Option<String>,
    /// json or csv.
    #[arg(long, default_value = "json")]
    format: String,
}

pub async fn run(args: SurveyArgs, file: &crate::config::FileConfig) -> anyhow::Result<()> {
    match args.command {
        SurveyCommand::Import(a) => {
            let store = crate::open(&a.db, file).await?;
            let result = import(store.as_ref(), &a).await;
            store.close().await;
            result
        }
        SurveyCommand::Report(a) => {
            let store = crate::open(&a.db, file).await?;
            let q = SurveyReportQuery {
                instrument: a.instrument.clone(),
                from: a.from.clone(),
                to: a.to.clone(),
                unit_id: a.unit,
                touchpoint_id: a.touchpoint,
                level: a.level.clone(),
                tier: a.tier.clone(),
                trend: a.trend.clone(),
                format: Some(a.format.clone()),
            };
            let kind = match a.which {
                Which::Servqual => ReportKind::Servqual,
                Which::Satisfaction => ReportKind::Satisfaction,
            };
            let result = survey_report(store.as_ref(), None, kind, &q).await;
            store.close().await;
            match result {
                Ok((_, text)) => {
                    println!("{text}");
                    Ok(())
                }
                Err(e) => bail!("{}", crate::describe(e)),
            }
        }
    }
}

async fn import(store: &dyn Store, a: &ImportArgs) -> anyhow::Result<()> {
    let instrument = match store.find_instrument(&a.instrument).await {
        Ok(i) => i,
        Err(StoreError::NotFound) => bail!("no instrument has the code or id `{}`", a.instrument),
        Err(e) => return Err(e.into()),
    };
    let tz: chrono_tz::Tz = a
        .time_zone
        .parse()
        .map_err(|_| anyhow::anyhow!("`{}` is not an IANA time zone", a.time_zone))?;
    let mapping_text = std::fs::read_to_string(&a.mapping)
        .with_context(|| format!("reading the mapping {}", a.mapping.display()))?;
    let bytes = std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
    let mapping =
        parse_mapping(&mapping_text).map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    let options = ImportOptions {
        skip_bad_rows: a.skip_bad_rows,
        default_time_zone: tz,
        max_rows: rapport_web::MAX_IMPORT_ROWS,
    };
    let (rows, summary) = match parse_csv(&instrument.definition, &mapping, &bytes, &options) {
        Ok(x) => x,
        Err(ImportError::File(e)) => bail!("{}: {}", e.field, e.message),
        Err(ImportError::Rows(summary)) => {
            eprintln!("encoding: {:?}", summary.encoding);
            for p in &summary.problems {
                eprintln!(
                    "line {}{}: {} ({})",
                    p.line,
                    p.column
                        .as_deref()
                        .map(|c| format!(", column {c}"))
                        .unwrap_or_default(),
                    p.message,
                    p.code
                );
            }
            let bad: std::collections::BTreeSet<u64> =
                summary.problems.iter().map(|p| p.line).collect();
            bail!(
                "{} bad rows of {}; nothing imported (use --skip-bad-rows to import the good ones)",
                bad.len(),
                summary.rows_read
            );
        }
    };
    let now = rapport_domain::Timestamp::now();
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    let responses: Vec<NewResponse> = rows
        .into_iter()
        .map(|row| NewResponse {
            unit_id: row.unit_id,
            touchpoint_id: row.touchpoint_id,
            customer_id: row.customer_id,
            encounter_id: None,
            case_id: None,
            locale: row.locale,
            source: ResponseSource::Import,
            external_id: row.external_id,
            submitted_at: row.submitted_at.unwrap_or(now),
            answers: row.answers,
            comment: row.comment,
        })
        .collect();
    let mut imported = 0;
    // Written in pieces of 10,000 so that memory stays flat; a piece that fails stops the
    // import there, and the message says how many were written before it.
    for (n, chunk) in responses.chunks(10_000).enumerate() {
        match store
            .insert_responses(&Change::system(), None, &instrument, chunk, "")
            .await
        {
            Ok(done) => imported += done.len(),
            Err(StoreError::Invalid(errors)) => {
                for e in errors {
                    let (line, name) = e
                        .field
                        .strip_prefix('[')
                        .and_then(|r| r.split_once("]."))
                        .and_then(|(i, name)| {
                            Some((
                                lines[n * 10_000 + i.parse::<usize>().ok()?],
                                name.to_owned(),
                            ))
                        })
                        .unwrap_or((0, e.field.clone()));
                    eprintln!("line {line}, {name}: {}", e.message);
                }
                bail!("the import stopped after {imported} responses");
            }
            Err(e) => {
                return Err(anyhow::Error::from(e)
                    .context(format!("the import stopped after {imported} responses")));
            }
        }
    }
    println!(
        "Imported {imported} responses to `{}` from {} ({:?}); {} rows read, {} skipped.",
        instrument.code,
        a.file.display(),
        summary.encoding,
        summary.rows_read,
        summary.rows_skipped
    );
    for (reason, count) in &summary.skipped_by_reason {
        println!("  skipped for {reason}: {count}");
    }
    for p in summary.problems.iter().take(20) {
        println!(
            "  line {}{}: {}",
            p.line,
            p.column
                .as_deref()
                .map(|c| format!(", column {c}"))
                .unwrap_or_default(),
            p.message
        );
    }
    Ok(())
}
