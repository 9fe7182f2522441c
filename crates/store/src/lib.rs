//! Storage: one small trait per aggregate, implemented once for SQLite and once for
//! PostgreSQL from the same SQL text (see `shared.rs`), chosen from the database URL.

use std::sync::Arc;

use async_trait::async_trait;
use rapport_domain::contact::{LevelThresholds, NewTouchpoint, Touchpoint};
use rapport_domain::customer::{Customer, CustomerQuery, NewCustomer, Tier};
use rapport_domain::encounter::{Encounter, NewEncounter};
use rapport_domain::org::{ApiToken, Employee, NewEmployee, NewUnit, Unit};
use rapport_domain::{FieldError, Timestamp};
use serde::Serialize;
use uuid::Uuid;

mod case_sql;
mod cases;
mod overview;
mod page;
mod postgres;
mod recovery_config;
mod rows;
mod sessions;
mod shared;
mod sqlite;
mod survey_sql;
mod surveys;
pub mod testing;

pub use cases::*;
pub use overview::*;
pub use page::{Cursor, Page, PageRequest};
pub use postgres::PgStore;
pub use recovery_config::*;
pub use sessions::*;
pub use sqlite::SqliteStore;
pub use surveys::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The caller's version is stale: someone else changed the record first.
    #[error("version conflict: the record is at version {current}")]
    VersionConflict { current: i64 },
    #[error("`{field}` is already taken")]
    Duplicate { field: &'static str },
    /// The input refers to things that do not exist, or breaks a rule only storage can see.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The input touches things outside the actor's unit.
    #[error("outside the actor's unit")]
    Forbidden(Vec<FieldError>),
    /// The record cannot be deleted while others refer to it.
    #[error("still in use by {0}")]
    InUse(&'static str),
    /// The action is not allowed in the case's current stage.
    #[error("{0}")]
    NotAllowed(rapport_domain::case::NotAllowed),
    /// The record's state forbids the change (e.g. an approval already decided).
    #[error("{0}")]
    StateConflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who makes a change and when: every change is written to the audit log with it.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    /// `None` for the system itself (migrations, first start, background jobs).
    pub actor: Option<Uuid>,
    pub at: Timestamp,
}

impl Change {
    pub fn by(actor: Uuid) -> Self {
        Self {
            actor: Some(actor),
            at: Timestamp::now(),
        }
    }
    pub fn system() -> Self {
        Self {
            actor: None,
            at: Timestamp::now(),
        }
    }
}

#[async_trait]
pub trait UnitStore: Send + Sync {
    async fn create_unit(&self, change: &Change, unit: &NewUnit) -> Result<Unit>;
    async fn get_unit(&self, id: Uuid) -> Result<Unit>;
    /// `scope`: only this unit (non-admins); `None`: all.
    async fn list_units(&self, scope: Option<Uuid>, page: &PageRequest) -> Result<Page<Unit>>;
    async fn update_unit(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        unit: &NewUnit,
    ) -> Result<Unit>;
    async fn delete_unit(&self, change: &Change, id: Uuid, version: i64) -> Result<()>;
}

#[async_trait]
pub trait EmployeeStore: Send + Sync {
    async fn create_employee(
        &self,
        change: &Change,
        employee: &NewEmployee,
        password_hash: Option<&str>,
    ) -> Result<Employee>;
    async fn get_employee(&self, id: Uuid) -> Result<Employee>;
    async fn list_employees(
        &self,
        unit: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<Employee>>;
    async fn update_employee(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        employee: &NewEmployee,
    ) -> Result<Employee>;
    async fn count_active_admins(&self) -> Result<i64>;
    async fn create_token(
        &self,
        change: &Change,
        employee_id: Uuid,
        name: &str,
        token_hash: &[u8],
        expires_at: Option<Timestamp>,
    ) -> Result<ApiToken>;
    async fn get_token(&self, id: Uuid) -> Result<ApiToken>;
    async fn list_tokens(&self, employee_id: Uuid) -> Result<Vec<ApiToken>>;
    async fn revoke_token(&self, change: &Change, id: Uuid) -> Result<ApiToken>;
    /// The active employee behind a live (not revoked, not expired) token.
    async fn authenticate_token(
        &self,
        token_hash: &[u8],
        now: Timestamp,
    ) -> Result<Option<Employee>>;
}

/// Filters of the touchpoint listing.
#[derive(Debug, Clone, Default)]
pub struct TouchpointFilter {
    pub unit: Option<Uuid>,
    pub channel: Option<rapport_domain::contact::Channel>,
}

#[async_trait]
pub trait TouchpointStore: Send + Sync {
    async fn create_touchpoint(
        &self,
        change: &Change,
        touchpoint: &NewTouchpoint,
    ) -> Result<Touchpoint>;
    async fn get_touchpoint(&self, id: Uuid) -> Result<Touchpoint>;
    async fn list_touchpoints(
        &self,
        filter: &TouchpointFilter,
        page: &PageRequest,
    ) -> Result<Page<Touchpoint>>;
    async fn update_touchpoint(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        touchpoint: &NewTouchpoint,
    ) -> Result<Touchpoint>;
    async fn delete_touchpoint(&self, change: &Change, id: Uuid, version: i64) -> Result<()>;
    async fn level_thresholds(&self) -> Result<LevelThresholds>;
    async fn set_level_thresholds(
        &self,
        change: &Change,
        thresholds: &LevelThresholds,
    ) -> Result<()>;
}

#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub query: Option<CustomerQuery>,
    pub tier: Option<Tier>,
}

#[async_trait]
pub trait CustomerStore: Send + Sync {
    async fn create_customer(&self, change: &Change, customer: &NewCustomer) -> Result<Customer>;
    /// Imports many customers in one transaction (demo data, imports); returns their ids in order.
    async fn insert_customers(
        &self,
        change: &Change,
        customers: &[NewCustomer],
    ) -> Result<Vec<Uuid>>;
    async fn get_customer(&self, id: Uuid) -> Result<Customer>;
    /// With a search query: matches ordered by name key, then id; the cursor continues after
    /// the last one (pass the same query).
    async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>>;
    async fn update_customer(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        customer: &NewCustomer,
    ) -> Result<Customer>;
    /// Erases the customer (privacy request); their encounters stay, unlinked.
    async fn delete_customer(&self, change: &Change, id: Uuid) -> Result<()>;
}

#[derive(Debug, Clone, Default)]
pub struct EncounterFilter {
    pub unit: Option<Uuid>,
    pub touchpoint: Option<Uuid>,
    pub customer: Option<Uuid>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

#[async_trait]
pub trait EncounterStore: Send + Sync {
    /// Writes all encounters or none. `scope` confines them to one unit's touchpoints.
    /// Errors name each bad item as `{prefix}[index].field`.
    async fn insert_encounters(
        &self,
        change: &Change,
        scope: Option<Uuid>,
        items: &[NewEncounter],
        prefix: &str,
    ) -> Result<usize>;
    async fn get_encounter(&self, id: Uuid) -> Result<Encounter>;
    /// Newest first.
    async fn list_encounters(
        &self,
        filter: &EncounterFilter,
        page: &PageRequest,
    ) -> Result<Page<Encounter>>;
}

/// One entry of the audit trail.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: Timestamp,
    /// Absent for changes made by the system.
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor: Option<Uuid>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Newest first.
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>>;
}

/// A queued background job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub max_attempts: i64,
}

#[async_trait]
pub trait JobStore: Send + Sync {
    async fn enqueue_job(
        &self,
        kind: &str,
        payload: &serde_json::Value,
        run_at: Timestamp,
        max_attempts: i64,
    ) -> Result<Uuid>;
    /// Leases up to `limit` due jobs to `node` until `lease_until`; on PostgreSQL concurrent
    /// claimers on several nodes never get the same job.
    async fn claim_jobs(
        &self,
        node: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Job>>;
    async fn complete_job(&self, id: Uuid, now: Timestamp) -> Result<()>;
    /// Records the failure; the job runs again at `retry_at` unless it used all its attempts.
    async fn fail_job(&self, id: Uuid, error: &str, retry_at: Timestamp) -> Result<()>;
    /// Takes the turn of a periodic task: true for exactly one caller per due time.
    async fn claim_schedule(
        &self,
        name: &str,
        node: &str,
        now: Timestamp,
        next_run_at: Timestamp,
    ) -> Result<bool>;
    /// Removes API tokens that expired or were revoked before `before`.
    async fn purge_dead_tokens(&self, before: Timestamp) -> Result<u64>;
}

/// Everything the application needs from storage.
#[async_trait]
pub trait Store:
    UnitStore
    + EmployeeStore
    + TouchpointStore
    + CustomerStore
    + EncounterStore
    + AuditStore
    + JobStore
    + CaseStore
    + RecoveryConfigStore
    + SurveyStore
    + SessionStore
    + OverviewStore
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn migrate(&self) -> Result<()>;
    async fn ping(&self) -> Result<()>;
    /// Keeps SQLite's write-ahead log small; nothing to do on PostgreSQL.
    async fn checkpoint(&self) -> Result<()>;
    async fn close(&self);
}

/// Where the data lives, parsed from `--database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (`./rapport.db` or `sqlite://rapport.db`).
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("the database URL is empty".into());
        }
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            return Ok(Self::Postgres(t.to_owned()));
        }
        if let Some(rest) = t
            .strip_prefix("sqlite://")
            .or_else(|| t.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("the SQLite URL names no file".into());
            }
            return Ok(Self::Sqlite(path.to_owned()));
        }
        if t.contains("://") {
            return Err(format!(
                "unsupported database URL `{t}`: use a file path, sqlite://FILE or postgres://…"
            ));
        }
        Ok(Self::Sqlite(t.to_owned()))
    }

    /// The URL without any password, for logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{path}"),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let creds = &url[s + 3..at];
                    let user = creds.split(':').next().unwrap_or_default();
                    format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Opens the database the URL names (without migrating it).
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
        DatabaseUrl::Postgres(url) => Arc::new(PgStore::open(url).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_a_sqlite_file() {
        assert_eq!(
            DatabaseUrl::parse("./rapport.db").unwrap(),
            DatabaseUrl::Sqlite("./rapport.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/r.db?mode=rwc").unwrap(),
            DatabaseUrl::Sqlite("data/r.db".into())
        );
    }

    #[test]
    fn a_postgres_password_never_reaches_the_logs() {
        let u = DatabaseUrl::parse("postgres://rapport:s3cret@db:5432/rapport").unwrap();
        assert_eq!(u.redacted(), "postgres://rapport:***@db:5432/rapport");
    }

    #[test]
    fn an_unknown_scheme_is_refused() {
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }
}
