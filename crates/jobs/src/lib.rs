//! Background work of a `rapport serve` node: periodic maintenance and the job queue.
//!
//! Safe to run on every node at once: periodic tasks are taken by one node per due time
//! (`claim_schedule`), and queued jobs are leased so that two nodes never run the same one.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rapport_domain::Timestamp;
use rapport_store::{Job, Store};

pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
pub type JobHandler = Arc<dyn Fn(Arc<dyn Store>, Job) -> JobFuture + Send + Sync>;

/// How often a node looks for work.
pub const TICK: Duration = Duration::from_secs(5);
/// How long a claimed job belongs to its node before another may retry it.
pub const LEASE_SECONDS: i64 = 300;
/// Clocks looked at per sweep round, and rounds per tick at most.
const SWEEP_BATCH: i64 = 500;
const SWEEP_ROUNDS: usize = 20;

pub struct Worker {
    store: Arc<dyn Store>,
    node: String,
    handlers: HashMap<String, JobHandler>,
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, node: impl Into<String>) -> Self {
        Self {
            store,
            node: node.into(),
            handlers: HashMap::new(),
        }
    }

    pub fn handle(mut self, kind: &str, handler: JobHandler) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// Runs one round now: due periodic tasks, then due jobs. Returns the jobs it ran.
    pub async fn run_due(&self) -> usize {
        let now = Timestamp::now();
        match self
            .store
            .claim_schedule("purge_dead_tokens", &self.node, now, now.plus_seconds(3600))
            .await
        {
            Ok(true) => match self
                .store
                .purge_dead_tokens(now.plus_seconds(-30 * 86_400))
                .await
            {
                Ok(n) if n > 0 => tracing::info!(removed = n, "purged dead API tokens"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purging tokens failed"),
            },
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "schedule claim failed"),
        }
        match self
            .store
            .claim_schedule("purge_sessions", &self.node, now, now.plus_seconds(3600))
            .await
        {
            Ok(true) => match self.store.purge_sessions(now).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "purged expired web sessions"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purging sessions failed"),
            },
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "schedule claim failed"),
        }
        self.sweep_sla(now).await;
        let jobs = match self
            .store
            .claim_jobs(&self.node, now, now.plus_seconds(LEASE_SECONDS), 50)
            .await
        {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs failed");
                return 0;
            }
        };
        let count = jobs.len();
        for job in jobs {
            self.run_one(job).await;
        }
        count
    }

    /// Records due SLA warnings and breaches. Every node sweeps: the store holds each case
    /// while it records, so a warning or breach is written once however many nodes look.
    pub async fn sweep_sla(&self, now: Timestamp) {
        for _ in 0..SWEEP_ROUNDS {
            match self.store.sweep_sla(now, SWEEP_BATCH).await {
                Ok(o) if o.cases == 0 => break,
                Ok(o) => {
                    if o.warnings + o.breaches > 0 {
                        tracing::info!(
                            cases = o.cases,
                            warnings = o.warnings,
                            breaches = o.breaches,
                            "SLA sweep"
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "SLA sweep failed");
                    break;
                }
            }
        }
    }

    /// Each job's failure stays its own: it is recorded and retried with backoff.
    async fn run_one(&self, job: Job) {
        let id = job.id;
        let attempts = job.attempts;
        let result = match self.handlers.get(&job.kind) {
            Some(h) => h(self.store.clone(), job.clone()).await,
            None => Err(format!("no handler for job kind `{}`", job.kind)),
        };
        let now = Timestamp::now();
        let recorded = match result {
            Ok(()) => self.store.complete_job(id, now).await,
            Err(error) => {
                tracing::warn!(job = %id, kind = %job.kind, %error, "job failed");
                let backoff = 30 * 2_i64.pow(attempts.clamp(0, 10) as u32);
                self.store
                    .fail_job(id, &error, now.plus_seconds(backoff))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(job = %id, error = %e, "could not record the job's outcome");
        }
    }

    /// Runs rounds every [`TICK`] until `shutdown` resolves.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tick.tick() => { self.run_due().await; }
            }
        }
    }
}
