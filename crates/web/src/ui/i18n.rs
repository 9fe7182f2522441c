//! The UI's words in Korean and English. Each area of the UI keeps its own catalog in
//! `texts/`, declared with [`catalog!`]; [`text`] looks a key up in all of them. Templates
//! say `{{ ctx.t("queue.title") }}`; a test checks that every key a template uses exists.

use rapport_domain::customer::Locale;

/// Declares `lookup(key, lang)` and `KEYS` for one catalog: `"key" => "한국어", "English";`.
macro_rules! catalog {
    ($($key:literal => $ko:literal, $en:literal;)*) => {
        #[allow(unreachable_code)]
        pub fn lookup(key: &str, lang: rapport_domain::customer::Locale) -> Option<&'static str> {
            Some(match (key, lang) {
                $(
                    ($key, rapport_domain::customer::Locale::Ko) => $ko,
                    ($key, rapport_domain::customer::Locale::En) => $en,
                )*
                _ => return None,
            })
        }

        #[allow(dead_code)]
        pub const KEYS: &[&str] = &[$($key),*];
    };
}
pub(crate) use catalog;

use super::texts;

type Lookup = fn(&str, Locale) -> Option<&'static str>;

const CATALOGS: &[(&str, Lookup, &[&str])] = &[
    ("common", texts::common::lookup, texts::common::KEYS),
    ("cases", texts::cases::lookup, texts::cases::KEYS),
    ("manage", texts::manage::lookup, texts::manage::KEYS),
    ("quality", texts::quality::lookup, texts::quality::KEYS),
];

/// The text for `key` in `lang`. A missing key shows as itself (and fails the catalog test).
pub fn text(key: &str, lang: Locale) -> &'static str {
    for (_, lookup, _) in CATALOGS {
        if let Some(t) = lookup(key, lang) {
            return t;
        }
    }
    tracing::warn!(key, "missing UI text");
    "??"
}

pub fn has_key(key: &str) -> bool {
    CATALOGS.iter().any(|(_, _, keys)| keys.contains(&key))
}

/// The language from an `Accept-Language` header: Korean when it comes before English.
pub fn from_accept_language(header: Option<&str>) -> Locale {
    let Some(h) = header else {
        return Locale::Ko;
    };
    let mut best: Option<(f32, Locale)> = None;
    for part in h.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag == "ko" || tag.starts_with("ko-") {
            Locale::Ko
        } else if tag == "en" || tag.starts_with("en-") {
            Locale::En
        } else {
            continue;
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Locale::Ko)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_appears_once() {
        let mut seen = std::collections::HashSet::new();
        for (name, lookup, keys) in CATALOGS {
            for key in *keys {
                assert!(
                    seen.insert(*key),
                    "{key} is in more than one catalog ({name})"
                );
                let ko = lookup(key, Locale::Ko).unwrap();
                let en = lookup(key, Locale::En).unwrap();
                assert!(
                    !ko.trim().is_empty() && !en.trim().is_empty(),
                    "{key} is empty"
                );
            }
        }
    }

    /// Every `ctx.t("…")` in a template names a key of a catalog.
    #[test]
    fn every_key_a_template_uses_exists() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "html") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/ui"),
            &mut files,
        );
        let mut missing = Vec::new();
        for f in files {
            let s = std::fs::read_to_string(&f).unwrap();
            for (i, _) in s.match_indices("ctx.t(\"") {
                let rest = &s[i + 7..];
                let key = &rest[..rest.find('"').unwrap()];
                if !has_key(key) {
                    missing.push(format!("{}: {key}", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "missing UI texts: {missing:#?}");
    }

    #[test]
    fn korean_wins_only_when_the_browser_prefers_it() {
        assert_eq!(
            from_accept_language(Some("ko-KR,ko;q=0.9,en;q=0.8")),
            Locale::Ko
        );
        assert_eq!(
            from_accept_language(Some("en-US,en;q=0.9,ko;q=0.5")),
            Locale::En
        );
        assert_eq!(from_accept_language(Some("fr-FR, en;q=0.4")), Locale::En);
        assert_eq!(from_accept_language(None), Locale::Ko);
    }
}
