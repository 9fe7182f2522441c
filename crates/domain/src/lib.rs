//! Rapport's pure domain: the types and rules of service encounters, with no IO.
//!
//! Everything here is parsed from primitives into types that can only hold valid values
//! ("parse, don't validate"); storage and the web layer build on these types.

pub mod calendar;
pub mod contact;
pub mod customer;
pub mod encounter;
pub mod error;
pub mod money;
pub mod org;
pub mod text;
pub mod time;

pub use error::{FieldError, Validation};
pub use money::{Currency, Money};
pub use time::Timestamp;
