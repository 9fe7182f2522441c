//! Staff web sessions, passwords, the UI language and sign-in throttling, written once for
//! both backends like `shared.rs`. A session's cookie carries a random secret; only its
//! SHA-256 is stored, so a copy of the database does not hand out sessions.

use async_trait::async_trait;
use rapport_domain::Timestamp;
use rapport_domain::customer::Locale;
use rapport_domain::org::Employee;
use uuid::Uuid;

use crate::{Change, Result};

/// A live session and the active employee behind it.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub employee: Employee,
    /// Sent back in every form; a POST without it is refused.
    pub csrf_token: String,
    /// The language the employee chose, if they did.
    pub locale: Option<Locale>,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// What a sign-in checks.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub employee: Employee,
    /// `None` for employees who sign in only with API tokens.
    pub password_hash: Option<String>,
    /// The language the employee chose for the UI, if they did.
    pub locale: Option<Locale>,
}

/// How many failed sign-ins an e-mail address may have before it is locked for a while.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    pub max_failures: i64,
    /// Failures older than this no longer count (microseconds).
    pub window_micros: i64,
    /// How long the address stays locked (microseconds).
    pub lock_micros: i64,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The employee with this e-mail (compared without case) and their password hash.
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>>;
    /// Starts a session; the sign-in is audited.
    async fn create_session(
        &self,
        change: &Change,
        id_hash: &[u8],
        employee_id: Uuid,
        csrf_token: &str,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// The session, while it has not expired and its employee is active.
    async fn get_session(&self, id_hash: &[u8], now: Timestamp) -> Result<Option<WebSession>>;
    /// Slides the expiry of a session in use.
    async fn touch_session(
        &self,
        id_hash: &[u8],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// Ends the session (sign-out); audited.
    async fn delete_session(&self, change: &Change, id_hash: &[u8]) -> Result<()>;
    /// Replaces the password and ends every other session of the employee; audited.
    async fn set_password(
        &self,
        change: &Change,
        employee_id: Uuid,
        password_hash: &str,
        keep_session: Option<&[u8]>,
    ) -> Result<()>;
    async fn set_ui_locale(&self, employee_id: Uuid, locale: Locale) -> Result<()>;
    /// Until when sign-ins for this address are refused, if they are.
    async fn login_locked_until(&self, email: &str, now: Timestamp) -> Result<Option<Timestamp>>;
    /// Counts a failed sign-in; returns the lock's end when this failure locked the address.
    async fn record_login_failure(
        &self,
        email: &str,
        now: Timestamp,
        throttle: LoginThrottle,
    ) -> Result<Option<Timestamp>>;
    async fn clear_login_failures(&self, email: &str) -> Result<()>;
    /// Removes expired sessions and stale throttling rows.
    async fn purge_sessions(&self, now: Timestamp) -> Result<u64>;
}

macro_rules! impl_session_store {
    ($store:ty, $db:ty) => {
        mod session_impl {
            use rapport_domain::customer::Locale;

            use super::*;

            #[derive(sqlx::FromRow)]
            struct SessionRow {
                #[sqlx(flatten)]
                employee: crate::rows::EmployeeRow,
                csrf_token: String,
                ui_locale: Option<String>,
                last_seen_at: i64,
                expires_at: i64,
            }

            #[derive(sqlx::FromRow)]
            struct CredentialRow {
                #[sqlx(flatten)]
                employee: crate::rows::EmployeeRow,
                password_hash: Option<String>,
                ui_locale: Option<String>,
            }

            #[async_trait]
            impl SessionStore for $store {
                async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
                    let row: Option<CredentialRow> = sqlx::query_as(
                        "SELECT id, version, unit_id, name, email, role, authority_limit_minor, \
                         authority_currency, active, created_at, updated_at, password_hash, ui_locale \
                         FROM employees WHERE lower(email) = lower($1)",
                    )
                    .bind(email.trim())
                    .fetch_optional(&self.read)
                    .await?;
                    row.map(|r| {
                        Ok(Credentials {
                            employee: r.employee.into_domain()?,
                            password_hash: r.password_hash,
                            locale: r.ui_locale.as_deref().and_then(Locale::from_str_opt),
                        })
                    })
                    .transpose()
                }

                async fn create_session(
                    &self,
                    change: &Change,
                    id_hash: &[u8],
                    employee_id: Uuid,
                    csrf_token: &str,
                    expires_at: Timestamp,
                ) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    sqlx::query(
                        "INSERT INTO web_sessions (id_hash, employee_id, csrf_token, created_at, \
                         last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
                    )
                    .bind(id_hash)
                    .bind(employee_id)
                    .bind(csrf_token)
                    .bind(change.at.micros())
                    .bind(expires_at.micros())
                    .execute(&mut *tx)
                    .await?;
                    Self::audit(&mut tx, change, "sign_in", "employee", Some(employee_id), serde_json::json!({})).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn get_session(&self, id_hash: &[u8], now: Timestamp) -> Result<Option<WebSession>> {
                    let row: Option<SessionRow> = sqlx::query_as(
                        "SELECT e.id, e.version, e.unit_id, e.name, e.email, e.role, e.authority_limit_minor, \
                         e.authority_currency, e.active, e.created_at, e.updated_at, e.ui_locale, \
                         s.csrf_token, s.last_seen_at, s.expires_at \
                         FROM web_sessions s JOIN employees e ON e.id = s.employee_id \
                         WHERE s.id_hash = $1 AND s.expires_at > $2 AND e.active = $3",
                    )
                    .bind(id_hash)
                    .bind(now.micros())
                    .bind(true)
                    .fetch_optional(&self.read)
                    .await?;
                    row.map(|r| {
                        Ok(WebSession {
                            employee: r.employee.into_domain()?,
                            csrf_token: r.csrf_token,
                            locale: r.ui_locale.as_deref().and_then(Locale::from_str_opt),
                            last_seen_at: Timestamp::from_micros(r.last_seen_at),
                            expires_at: Timestamp::from_micros(r.expires_at),
                        })
                    })
                    .transpose()
                }

                async fn touch_session(&self, id_hash: &[u8], now: Timestamp, expires_at: Timestamp) -> Result<()> {
                    sqlx::query("UPDATE web_sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1")
                        .bind(id_hash)
                        .bind(now.micros())
                        .bind(expires_at.micros())
                        .execute(&self.write)
                        .await?;
                    Ok(())
                }

                async fn delete_session(&self, change: &Change, id_hash: &[u8]) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    let done = sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
                        .bind(id_hash)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() > 0 {
                        Self::audit(&mut tx, change, "sign_out", "employee", change.actor, serde_json::json!({})).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn set_password(
                    &self,
                    change: &Change,
                    employee_id: Uuid,
                    password_hash: &str,
                    keep_session: Option<&[u8]>,
                ) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    let done = sqlx::query(
                        "UPDATE employees SET password_hash = $2, version = version + 1, updated_at = $3 WHERE id = $1",
                    )
                    .bind(employee_id)
                    .bind(password_hash)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    // An empty hash matches no session: every session ends.
                    sqlx::query("DELETE FROM web_sessions WHERE employee_id = $1 AND id_hash <> $2")
                        .bind(employee_id)
                        .bind(keep_session.unwrap_or_default())
                        .execute(&mut *tx)
                        .await?;
                    Self::audit(&mut tx, change, "change_password", "employee", Some(employee_id), serde_json::json!({})).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn set_ui_locale(&self, employee_id: Uuid, locale: Locale) -> Result<()> {
                    sqlx::query("UPDATE employees SET ui_locale = $2 WHERE id = $1")
                        .bind(employee_id)
                        .bind(locale.as_str())
                        .execute(&self.write)
                        .await?;
                    Ok(())
                }

                async fn login_locked_until(&self, email: &str, now: Timestamp) -> Result<Option<Timestamp>> {
                    let until: Option<Option<i64>> =
                        sqlx::query_scalar("SELECT locked_until FROM login_failures WHERE email = $1")
                            .bind(email.trim().to_lowercase())
                            .fetch_optional(&self.read)
                            .await?;
                    Ok(until.flatten().filter(|u| *u > now.micros()).map(Timestamp::from_micros))
                }

                async fn record_login_failure(
                    &self,
                    email: &str,
                    now: Timestamp,
                    throttle: LoginThrottle,
                ) -> Result<Option<Timestamp>> {
                    let key = email.trim().to_lowercase();
                    let now = now.micros();
                    let lock_until = now + throttle.lock_micros;
                    // One statement, so concurrent failures on several nodes all count: a
                    // window that has passed starts again at one.
                    let locked: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO login_failures (email, failures, window_start, locked_until) \
                         VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $5 ELSE NULL END) \
                         ON CONFLICT (email) DO UPDATE SET \
                           failures = CASE WHEN login_failures.window_start <= $3 THEN 1 ELSE login_failures.failures + 1 END, \
                           window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 ELSE login_failures.window_start END, \
                           locked_until = CASE \
                             WHEN (CASE WHEN login_failures.window_start <= $3 THEN 1 ELSE login_failures.failures + 1 END) >= $4 \
                             THEN $5 ELSE login_failures.locked_until END \
                         RETURNING locked_until",
                    )
                    .bind(&key)
                    .bind(now)
                    .bind(now - throttle.window_micros)
                    .bind(throttle.max_failures)
                    .bind(lock_until)
                    .fetch_all(&self.write)
                    .await?
                    .into_iter()
                    .next()
                    .flatten();
                    Ok(locked.filter(|u| *u > now).map(Timestamp::from_micros))
                }

                async fn clear_login_failures(&self, email: &str) -> Result<()> {
                    sqlx::query("DELETE FROM login_failures WHERE email = $1")
                        .bind(email.trim().to_lowercase())
                        .execute(&self.write)
                        .await?;
                    Ok(())
                }

                async fn purge_sessions(&self, now: Timestamp) -> Result<u64> {
                    let sessions = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
                        .bind(now.micros())
                        .execute(&self.write)
                        .await?
                        .rows_affected();
                    // Throttling rows whose lock and window have both passed tell nothing more.
                    sqlx::query(
                        "DELETE FROM login_failures WHERE window_start <= $1 \
                         AND (locked_until IS NULL OR locked_until <= $2)",
                    )
                    .bind(now.micros() - 24 * rapport_domain::time::MICROS_PER_HOUR)
                    .bind(now.micros())
                    .execute(&self.write)
                    .await?;
                    Ok(sessions)
                }
            }
        }
    };
}

pub(crate) use impl_session_store;
