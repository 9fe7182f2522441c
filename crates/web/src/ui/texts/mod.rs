//! The catalogs of UI texts, one per area (see `ui::i18n`).

pub mod cases;
pub mod common;
pub mod manage;
pub mod quality;
