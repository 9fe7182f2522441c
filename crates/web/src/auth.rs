//! API tokens and the role-typed extractors every route uses.
//!
//! A token is 256 random bits; only its SHA-256 is stored. A slow password hash is not needed
//! for a secret with that much entropy, and a fast one keeps every request cheap.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rapport_domain::Timestamp;
use rapport_domain::org::{Actor, Employee, Role};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

pub const TOKEN_PREFIX: &str = "rpt_";

/// A new secret token and the hash to store.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    // The thread generator is a CSPRNG seeded from the operating system.
    rand::fill(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Hashes a password with Argon2id and a random salt (PHC string). Slow on purpose: run it
/// on a blocking thread.
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .expect("hashing with a fresh salt cannot fail")
        .to_string()
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A readable random password: 20 characters without look-alikes (~116 bits).
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Recently authenticated tokens, so that a busy client costs no database read per request.
/// Entries live [`TOKEN_CACHE_TTL`]; a change to tokens or employees made through this node
/// clears the cache at once, one made through another node takes effect within the TTL.
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<Vec<u8>, (Employee, std::time::Instant)>>,
}

pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

impl TokenCache {
    fn get(&self, hash: &[u8]) -> Option<Employee> {
        let entries = self.entries.lock().expect("token cache lock");
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_CACHE_TTL)
            .map(|(e, _)| e.clone())
    }

    fn put(&self, hash: Vec<u8>, employee: Employee) {
        let mut entries = self.entries.lock().expect("token cache lock");
        if entries.len() >= 10_000 {
            entries.retain(|_, (_, at)| at.elapsed() < TOKEN_CACHE_TTL);
        }
        entries.insert(hash, (employee, std::time::Instant::now()));
    }

    pub fn clear(&self) {
        self.entries.lock().expect("token cache lock").clear();
    }
}

/// The least role a route needs.
pub trait MinRole: Send + Sync + 'static {
    const ROLE: Role;
}

pub struct ViewerRole;
pub struct AgentRole;
pub struct ManagerRole;
pub struct AdminRole;

impl MinRole for ViewerRole {
    const ROLE: Role = Role::Viewer;
}
impl MinRole for AgentRole {
    const ROLE: Role = Role::Agent;
}
impl MinRole for ManagerRole {
    const ROLE: Role = Role::Manager;
}
impl MinRole for AdminRole {
    const ROLE: Role = Role::Admin;
}

/// The signed-in employee, with at least role `R`.
pub struct Auth<R: MinRole> {
    pub employee: Employee,
    pub actor: Actor,
    _role: PhantomData<R>,
}

pub type Viewer = Auth<ViewerRole>;
pub type Agent = Auth<AgentRole>;
pub type Manager = Auth<ManagerRole>;
pub type Admin = Auth<AdminRole>;

impl<R: MinRole> Auth<R> {
    pub fn change(&self) -> rapport_store::Change {
        rapport_store::Change::by(self.actor.employee_id)
    }
}

impl<R: MinRole> FromRequestParts<AppState> for Auth<R> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
            return Err(ApiError::Unauthorized);
        }
        let hash = hash_token(token);
        let employee = match state.sessions.get(&hash) {
            Some(e) => e,
            None => {
                let e = state
                    .store
                    .authenticate_token(&hash, Timestamp::now())
                    .await?
                    .ok_or(ApiError::Unauthorized)?;
                state.sessions.put(hash, e.clone());
                e
            }
        };
        let actor = employee.actor();
        actor.require(R::ROLE)?;
        Ok(Self {
            employee,
            actor,
            _role: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_unique_and_only_their_hash_matches() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 43);
        assert_eq!(hash_token(&a), ha);
        assert_ne!(ha, a.as_bytes());
    }

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let p = new_password();
        let h = hash_password(&p);
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&p, &h));
        assert!(!verify_password("wrong", &h));
        assert_ne!(new_password(), p);
    }
}
