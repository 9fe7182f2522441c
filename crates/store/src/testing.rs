//! Isolated databases for tests: a fresh SQLite file, or a fresh PostgreSQL database that is
//! dropped afterwards. PostgreSQL tests need `RAPPORT_TEST_POSTGRES_URL`; without it they are
//! skipped with a notice, except under CI, where its absence is an error.

use std::sync::Arc;

use crate::{DatabaseUrl, Store};

pub const POSTGRES_ENV: &str = "RAPPORT_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: DatabaseUrl,
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile_dir::TempDir>,
    pg_admin: Option<(String, String)>,
}

/// The admin URL of the test PostgreSQL, or `None` to skip (panics under CI).
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "{POSTGRES_ENV} must be set under CI: every storage test runs on PostgreSQL too"
                );
            }
            eprintln!("skipping the PostgreSQL variant: {POSTGRES_ENV} is not set");
            None
        }
    }
}

fn replace_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_and_path = &base[scheme_end..];
    let host = host_and_path.split('/').next().unwrap_or_default();
    format!("{}{}/{}{}", &base[..scheme_end], host, name, query)
}

impl TestDb {
    /// A migrated, empty database, or `None` when the backend is not available here.
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile_dir::TempDir::new();
                let path = dir.path().join("rapport.db");
                let url = DatabaseUrl::Sqlite(path.to_string_lossy().into_owned());
                let store = crate::connect(&url).await.expect("open SQLite");
                store.migrate().await.expect("migrate SQLite");
                Some(Self {
                    url,
                    store,
                    _dir: Some(dir),
                    pg_admin: None,
                })
            }
            Backend::Postgres => {
                let admin = postgres_admin_url()?;
                let name = format!("rapport_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                    .await
                    .expect("connect to the test PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create a test database");
                let url = DatabaseUrl::Postgres(replace_database(&admin, &name));
                let store = crate::connect(&url).await.expect("open PostgreSQL");
                store.migrate().await.expect("migrate PostgreSQL");
                Some(Self {
                    url,
                    store,
                    _dir: None,
                    pg_admin: Some((admin, name)),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_admin.take() {
            // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
                        .await
                        .ok()?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

/// A temporary directory removed on drop (kept here to avoid a dependency for ten lines).
pub mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> Self {
            let path = std::env::temp_dir()
                .join(format!("rapport-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).expect("create a temporary directory");
            Self(path)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Default for TempDir {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Writes a test once and runs it on SQLite and on PostgreSQL:
/// `both_backends!(name, |db| async move { ... });` defines `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::testing::Backend::Sqlite)
                    .await
                    .unwrap();
                ($body)(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) =
                    $crate::testing::TestDb::new($crate::testing::Backend::Postgres).await
                else {
                    return;
                };
                ($body)(db).await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_database_replaces_the_admin_database_in_the_url() {
        assert_eq!(
            replace_database(
                "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://postgres@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h", "t2"),
            "postgres://u@h/t2"
        );
    }
}
