//! Configuration, layered: defaults → `rapport.toml` → `RAPPORT_*` environment → flags.
//! Clap resolves environment and flags (a flag wins); the file fills what both left open.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

pub const DEFAULT_DATABASE: &str = "./rapport.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The optional configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// A file path, `sqlite://FILE` or `postgres://…`.
    pub database: Option<String>,
    /// Address to listen on, e.g. `0.0.0.0:8080`.
    pub listen: Option<String>,
    /// `text` or `json`.
    pub log_format: Option<String>,
}

impl FileConfig {
    /// Reads `path`; a missing file is an empty configuration unless it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("reading configuration file {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(Self::default()),
            Err(e) => {
                Err(e).with_context(|| format!("reading configuration file {}", path.display()))
            }
        }
    }
}

/// The first value that is set, in order of precedence.
pub fn pick(flag_or_env: Option<String>, file: Option<String>, default: &str) -> String {
    flag_or_env.or(file).unwrap_or_else(|| default.to_owned())
}

/// Secrets are never printed; this shows that one is set without showing it.
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_beats_the_file_and_the_file_beats_the_default() {
        assert_eq!(
            pick(Some("flag".into()), Some("file".into()), "default"),
            "flag"
        );
        assert_eq!(pick(None, Some("file".into()), "default"), "file");
        assert_eq!(pick(None, None, "default"), "default");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error() {
        assert!(toml::from_str::<FileConfig>("databse = 'x'").is_err());
        let c: FileConfig =
            toml::from_str("database = 'postgres://db/rapport'\nlisten = '0.0.0.0:80'").unwrap();
        assert_eq!(c.listen.as_deref(), Some("0.0.0.0:80"));
    }

    #[test]
    fn a_missing_default_file_is_empty_but_a_named_one_must_exist() {
        let missing = Path::new("/nonexistent/rapport.toml");
        assert!(FileConfig::load(missing, false).unwrap().database.is_none());
        assert!(FileConfig::load(missing, true).is_err());
    }

    #[test]
    fn a_secret_never_prints() {
        assert_eq!(format!("{:?}", Secret("rpt_x".into())), "Secret(***)");
    }
}
