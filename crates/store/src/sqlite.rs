//! SQLite: the embedded default. One writer connection (SQLite serialises writers anyway,
//! and one connection measured faster than several), a pool of readers beside it, WAL with
//! `synchronous=NORMAL` so every committed transaction survives a crash of the process.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

pub struct SqliteStore {
    pub(crate) write: SqlitePool,
    pub(crate) read: SqlitePool,
    pub(crate) ingest: tokio::sync::mpsc::Sender<crate::shared::IngestRequest>,
    pub(crate) touchpoints: crate::shared::TouchpointCache,
}

impl SqliteStore {
    pub async fn open(path: &str) -> crate::Result<Self> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            // Checkpoints run in the writing connection and flush the database file; doing
            // them every 16 MB instead of every 4 MB keeps large batches fast. The log stays
            // bounded by this size plus the periodic TRUNCATE checkpoint of the worker.
            .pragma("wal_autocheckpoint", "4000");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        let ingest = Self::spawn_group_writer(write.clone());
        Ok(Self {
            write,
            read,
            ingest,
            touchpoints: Default::default(),
        })
    }
}

crate::shared::impl_shared_store!(SqliteStore, Sqlite, skip_locked = "");

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.write)
            .await?;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn checkpoint(&self) -> Result<()> {
        // TRUNCATE resets the log to zero bytes once every reader has moved past it.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_all(&self.write)
            .await?;
        Ok(())
    }

    async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
