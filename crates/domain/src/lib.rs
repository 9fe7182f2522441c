//! Rapport's pure domain: the types and rules of service encounters, with no IO.
//!
//! Everything here is parsed from primitives into types that can only hold valid values
//! ("parse, don't validate"); storage and the web layer build on these types.

pub mod business_time;
pub mod calendar;
pub mod case;
pub mod compensation;
pub mod contact;
pub mod customer;
pub mod encounter;
pub mod error;
pub mod money;
pub mod org;
pub mod recovery_stats;
pub mod sla;
pub mod survey;
pub mod survey_builtin;
pub mod survey_import;
pub mod survey_stats;
pub mod taxonomy;
pub mod templates;
pub mod text;
pub mod time;

pub use error::{FieldError, Validation};
pub use money::{Currency, Money};
pub use time::Timestamp;
