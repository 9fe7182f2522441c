//! PostgreSQL: for deployments with several `rapport serve` nodes sharing one database.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

pub struct PgStore {
    pub(crate) write: PgPool,
    /// The same pool: PostgreSQL has no single-writer constraint.
    pub(crate) read: PgPool,
    pub(crate) ingest: tokio::sync::mpsc::Sender<crate::shared::IngestRequest>,
    pub(crate) touchpoints: crate::shared::TouchpointCache,
    pub(crate) recovery: crate::cases::RecoveryCache,
    pub(crate) instruments: crate::surveys::InstrumentCache,
    pub(crate) case_writes: tokio::sync::mpsc::Sender<crate::cases::CaseWrite>,
}

impl PgStore {
    pub async fn open(url: &str) -> crate::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        let ingest = Self::spawn_group_writer(pool.clone());
        let case_writes = Self::spawn_case_writer(pool.clone());
        Ok(Self {
            write: pool.clone(),
            read: pool,
            ingest,
            touchpoints: Default::default(),
            recovery: Default::default(),
            instruments: Default::default(),
            case_writes,
        })
    }
}

crate::shared::impl_shared_store!(
    PgStore,
    Postgres,
    skip_locked = " FOR UPDATE SKIP LOCKED",
    multi_statement = false
);

crate::case_sql::impl_case_store!(
    PgStore,
    Postgres,
    for_update = " FOR UPDATE",
    multi_statement = false
);

crate::recovery_config::impl_recovery_config_store!(PgStore, Postgres);

crate::survey_sql::impl_survey_store!(PgStore, Postgres, for_update = " FOR UPDATE");

crate::sessions::impl_session_store!(PgStore, Postgres);

crate::overview::impl_overview_store!(PgStore, Postgres, sqlite = false);

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.write)
            .await?;
        self.seed_recovery_defaults().await?;
        self.seed_survey_defaults().await?;
        self.backfill_survey_rollups().await?;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn checkpoint(&self) -> Result<()> {
        Ok(())
    }

    async fn close(&self) {
        self.write.close().await;
    }
}
