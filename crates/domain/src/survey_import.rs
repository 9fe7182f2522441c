//! Importing historic survey responses from CSV exports.
//!
//! Businesses bring the answers they collected before Rapport as a CSV file, as exported by
//! survey tools or saved by Excel: UTF-8, UTF-8 with a byte order mark, or CP949/EUC-KR
//! (Korean Excel's "CSV (comma delimited)"). [`decode`] finds out which; [`parse_csv`] reads
//! the rows with a [`Mapping`] that says which column holds which item, checks every cell and
//! reports each problem by file line and column header.
//!
//! # The mapping file
//!
//! A mapping is a small TOML file; every value is a column header of the CSV file (compared
//! after trimming spaces and a byte order mark):
//!
//! ```toml
//! # which column holds what; every value is a header name in the CSV
//! [columns]
//! external_id = "응답ID"        # optional; kept to refuse duplicates
//! submitted_at = "응답일시"     # optional; RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DD` / `YYYY/MM/DD …` / `YYYY.MM.DD …` in the default time zone
//! touchpoint_id = "접점ID"      # optional UUIDs
//! customer_id = "고객ID"
//! unit_id = "지점ID"
//! locale = "언어"               # ko / en (also 한국어 / 영어 / Korean / English)
//! comment = "의견"
//!
//! [answers]                     # item code = column header
//! e01 = "기대1"
//! p01 = "인식1"
//!
//! [importance]                  # dimension code = column header (points adding up to 100)
//! tangibles = "중요도_유형성"
//!
//! [missing]
//! values = ["", "NA", "N/A", "-", "무응답"]   # cells meaning "no answer" (default: empty, NA, N/A, -)
//!
//! [fixed]                       # optional values for the whole file, instead of a column
//! touchpoint_id = "0196a3c2-1f00-7000-8000-000000000001"
//! unit_id = "0196a3c2-1f00-7000-8000-000000000002"
//! locale = "ko"
//! ```
//!
//! Every section is optional except `[answers]`, which must name at least one item. The
//! `[importance]` section, when given, must name every dimension of the instrument. A field
//! may come from a column or from `[fixed]`, not both, and one column serves one field only.
//!
//! # What a cell may hold
//!
//! - Cells are trimmed. An empty cell, and any cell equal to one of `[missing] values`
//!   (ignoring ASCII case), means "not given": a skipped item, no comment, and so on.
//! - Answers and importance points are whole numbers: `5`, ` 5 `, `+5` and `5.0` are read as
//!   5; `5.5` or `abc` is refused (`not_a_number`). Ranges and totals are checked by
//!   [`InstrumentDef::parse_answers`] (`out_of_range`, `invalid_total`); a row that answers no
//!   item is refused (`no_answers`); importance is either given in every mapped column or in
//!   none (`required`).
//! - Times: RFC 3339 with an offset (`2026-05-01T09:30:00+09:00`), or a local time in
//!   [`ImportOptions::default_time_zone`]: `2026-05-01 09:30`, `2026-05-01 09:30:15`,
//!   `2026-05-01T09:30`, `2026-05-01`, with `/` or `.` in place of `-` (`2026. 5. 1.` too), and
//!   Korean Excel's `2026-05-01 오후 3:24:00` (also `AM`/`PM`). Years outside 1900–2200 are
//!   refused (`invalid_date`).
//! - IDs are UUIDs (`invalid_uuid`); the locale is `ko` or `en`, or one of their usual names
//!   (`invalid_locale`); an external ID may occur once per file (`duplicate_external_id`).
//! - A row with fewer cells than the header, or extra non-empty cells, is refused
//!   (`wrong_field_count`). Rows whose every cell is empty are ignored altogether.
//!
//! Without [`ImportOptions::skip_bad_rows`], one bad row refuses the whole file
//! ([`ImportError::Rows`]) so nothing is half imported; with it, the good rows are returned and
//! the summary counts the skipped ones by reason.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use encoding_rs::DecoderResult;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::customer::Locale;
use crate::survey::{Answers, COMMENT_MAX, InstrumentDef};
use crate::text::{free_text, optional_line};
use crate::{FieldError, Timestamp};

/// At most this many problems are listed in a summary (all are counted).
pub const MAX_PROBLEMS: usize = 1000;
/// A reasonable default for [`ImportOptions::max_rows`].
pub const DEFAULT_MAX_ROWS: usize = 200_000;
/// Longest external ID kept, in characters.
pub const EXTERNAL_ID_MAX: usize = 200;

/// Cells that mean "no answer" when the mapping names none.
const DEFAULT_MISSING: [&str; 4] = ["", "NA", "N/A", "-"];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the bytes of an imported file were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    /// UTF-8 after a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// Korean Windows code page 949, a superset of EUC-KR (Korean Excel's plain "CSV").
    Cp949,
}

fn file_error(code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new("file", code, message)
}

fn mapping_error(code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new("mapping", code, message)
}

/// Decodes an uploaded text file: a UTF-8 byte order mark means UTF-8 ([`TextEncoding::Utf8Bom`],
/// the mark removed); valid UTF-8 is UTF-8; anything else is read as CP949. Bytes that are
/// neither fail with an error on field `file` giving the byte offset of the first bad sequence.
pub fn decode(bytes: &[u8]) -> Result<(String, TextEncoding), FieldError> {
    decode_cow(bytes).map(|(text, encoding)| (text.into_owned(), encoding))
}

fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn decode_cow(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), FieldError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((Cow::Borrowed(text), TextEncoding::Utf8Bom)),
            Err(e) => {
                let offset = e.valid_up_to() + UTF8_BOM.len();
                Err(file_error(
                    "invalid_encoding",
                    format!(
                        "the file starts with a UTF-8 byte order mark but is not valid UTF-8: \
                         malformed byte sequence at byte offset {offset} (line {})",
                        line_of_offset(bytes, offset)
                    ),
                ))
            }
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(file_error(
            "invalid_encoding",
            "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" or \"CSV\" \
             instead",
        ));
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok((Cow::Borrowed(text), TextEncoding::Utf8)),
        Err(e) => e,
    };
    match decode_cp949(bytes) {
        Ok(text) => Ok((Cow::Owned(text), TextEncoding::Cp949)),
        Err(offset) => Err(file_error(
            "invalid_encoding",
            format!(
                "the file is neither UTF-8 nor CP949 (EUC-KR): malformed byte sequence at byte \
                 offset {offset} (line {}) as CP949, and at byte offset {} (line {}) as UTF-8; \
                 save it as \"CSV UTF-8\"",
                line_of_offset(bytes, offset),
                utf8_error.valid_up_to(),
                line_of_offset(bytes, utf8_error.valid_up_to()),
            ),
        )),
    }
}

/// Decodes CP949 without replacement; on a malformed sequence, returns its byte offset.
fn decode_cp949(bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding_rs::EUC_KR.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(bytes.len() - pos + 16),
            DecoderResult::Malformed(bad, after) => {
                return Err(pos.saturating_sub(usize::from(bad) + usize::from(after)));
            }
        }
    }
}

/// Which column holds which field of a response; see the module documentation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub columns: ColumnMapping,
    /// Item code → column header.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// Dimension code → column header.
    #[serde(default)]
    pub importance: BTreeMap<String, String>,
    #[serde(default)]
    pub missing: MissingValues,
    #[serde(default)]
    pub fixed: FixedValues,
}

/// Column headers of the fields of a response other than the answers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    pub external_id: Option<String>,
    pub submitted_at: Option<String>,
    pub touchpoint_id: Option<String>,
    pub customer_id: Option<String>,
    pub unit_id: Option<String>,
    pub locale: Option<String>,
    pub comment: Option<String>,
}

/// Cells meaning "no answer".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingValues {
    #[serde(default = "default_missing")]
    pub values: Vec<String>,
}

fn default_missing() -> Vec<String> {
    DEFAULT_MISSING.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for MissingValues {
    fn default() -> Self {
        Self {
            values: default_missing(),
        }
    }
}

/// Values that hold for every row of the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedValues {
    pub touchpoint_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    #[serde(default, deserialize_with = "deserialize_locale")]
    pub locale: Option<Locale>,
}

fn deserialize_locale<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Locale>, D::Error> {
    let text = String::deserialize(d)?;
    parse_locale(&text).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "unknown locale `{text}`; expected ko or en (or 한국어, 영어, Korean, English)"
        ))
    })
}

/// Reads a locale as written in exports: `ko`, `en`, their usual names in Korean and English.
fn parse_locale(text: &str) -> Option<Locale> {
    const KO: [&str; 9] = [
        "ko",
        "kor",
        "kr",
        "ko-kr",
        "ko_kr",
        "korean",
        "한국어",
        "한국",
        "국문",
    ];
    const EN: [&str; 9] = [
        "en", "eng", "en-us", "en_us", "en-gb", "en_gb", "english", "영어", "영문",
    ];
    let text = text.trim();
    if KO.iter().any(|k| k.eq_ignore_ascii_case(text)) {
        Some(Locale::Ko)
    } else if EN.iter().any(|k| k.eq_ignore_ascii_case(text)) {
        Some(Locale::En)
    } else {
        None
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

fn clean_header(name: &str) -> &str {
    name.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// Parses a mapping file (TOML). Errors are on field `mapping` and give the line and column.
/// Checks that need the instrument are done by [`Mapping::check`].
pub fn parse_mapping(text: &str) -> Result<Mapping, FieldError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mapping: Mapping = toml::from_str(text).map_err(|e| {
        let place = e.span().map_or_else(String::new, |span| {
            let (line, column) = line_col(text, span.start);
            format!(" at line {line}, column {column}")
        });
        mapping_error(
            "invalid_mapping",
            format!(
                "the mapping is not valid{place}: {}",
                e.message().trim_end()
            ),
        )
    })?;
    mapping.check_shape()?;
    Ok(mapping)
}

impl Mapping {
    /// Every (field name, column header) the mapping reads, in a fixed order.
    fn mapped_columns(&self) -> Vec<(String, &str)> {
        let c = &self.columns;
        let mut out: Vec<(String, &str)> = [
            ("columns.external_id", &c.external_id),
            ("columns.submitted_at", &c.submitted_at),
            ("columns.touchpoint_id", &c.touchpoint_id),
            ("columns.customer_id", &c.customer_id),
            ("columns.unit_id", &c.unit_id),
            ("columns.locale", &c.locale),
            ("columns.comment", &c.comment),
        ]
        .into_iter()
        .filter_map(|(field, header)| header.as_deref().map(|h| (field.to_owned(), h)))
        .collect();
        out.extend(
            self.answers
                .iter()
                .map(|(code, h)| (format!("answers.{code}"), h.as_str())),
        );
        out.extend(
            self.importance
                .iter()
                .map(|(code, h)| (format!("importance.{code}"), h.as_str())),
        );
        out
    }

    /// Checks that hold whatever the instrument: no blank header names, no column used twice,
    /// no field both in a column and fixed.
    fn check_shape(&self) -> Result<(), FieldError> {
        let mut seen: HashMap<&str, String> = HashMap::new();
        for (field, header) in self.mapped_columns() {
            let header = clean_header(header);
            if header.is_empty() {
                return Err(mapping_error(
                    "invalid_mapping",
                    format!("`{field}` names an empty column header"),
                ));
            }
            if let Some(other) = seen.get(header) {
                return Err(mapping_error(
                    "invalid_mapping",
                    format!("column `{header}` is mapped twice, to `{other}` and to `{field}`"),
                ));
            }
            seen.insert(header, field);
        }
        let c = &self.columns;
        let f = &self.fixed;
        for (name, column, fixed) in [
            (
                "touchpoint_id",
                c.touchpoint_id.is_some(),
                f.touchpoint_id.is_some(),
            ),
            ("unit_id", c.unit_id.is_some(), f.unit_id.is_some()),
            ("locale", c.locale.is_some(), f.locale.is_some()),
        ] {
            if column && fixed {
                return Err(mapping_error(
                    "invalid_mapping",
                    format!("`{name}` is given both as a column and as a fixed value; keep one"),
                ));
            }
        }
        Ok(())
    }

    /// Checks the mapping against the instrument it imports into: every item and dimension
    /// code must exist, at least one item is mapped, and importance is mapped for all
    /// dimensions or none (and only when the instrument asks for it).
    pub fn check(&self, def: &InstrumentDef) -> Result<(), FieldError> {
        self.check_shape()?;
        if self.answers.is_empty() {
            return Err(mapping_error(
                "invalid_mapping",
                "the [answers] section must map at least one item code to a column",
            ));
        }
        let unknown_items: Vec<&str> = self
            .answers
            .keys()
            .filter(|code| def.item_index(code).is_none())
            .map(String::as_str)
            .collect();
        let unknown_dims: Vec<&str> = self
            .importance
            .keys()
            .filter(|code| def.dimension_index(code).is_none())
            .map(String::as_str)
            .collect();
        if !unknown_items.is_empty() || !unknown_dims.is_empty() {
            let mut parts = Vec::new();
            if !unknown_items.is_empty() {
                parts.push(format!(
                    "unknown item codes in [answers]: {}",
                    unknown_items.join(", ")
                ));
            }
            if !unknown_dims.is_empty() {
                parts.push(format!(
                    "unknown dimension codes in [importance]: {}",
                    unknown_dims.join(", ")
                ));
            }
            return Err(mapping_error("unknown", parts.join("; ")));
        }
        if !self.importance.is_empty() {
            if !def.importance {
                return Err(mapping_error(
                    "invalid_mapping",
                    "this instrument asks no importance allocation; remove [importance]",
                ));
            }
            let missing: Vec<&str> = def
                .dimensions
                .iter()
                .filter(|d| !self.importance.contains_key(&d.code))
                .map(|d| d.code.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(mapping_error(
                    "invalid_mapping",
                    format!(
                        "[importance] must map every dimension; missing: {}",
                        missing.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Return the good rows and skip the bad ones, instead of refusing the whole file.
    pub skip_bad_rows: bool,
    /// The zone of times written without an offset.
    pub default_time_zone: chrono_tz::Tz,
    /// The most data rows accepted in one file; more is an error.
    pub max_rows: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            skip_bad_rows: false,
            default_time_zone: chrono_tz::Asia::Seoul,
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

/// One imported response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The 1-based line of the file where the row starts (the header is line 1).
    pub line: u64,
    pub external_id: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub touchpoint_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub locale: Option<Locale>,
    pub comment: Option<String>,
    pub answers: Answers,
}

/// One problem in one row.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    /// The 1-based line of the file where the row starts.
    #[schema(example = 14)]
    pub line: u64,
    /// The header of the offending column, when one cell is at fault.
    #[schema(example = "인식1")]
    pub column: Option<String>,
    /// `out_of_range`, `not_a_number`, `invalid_total`, `invalid_uuid`, `invalid_date`,
    /// `invalid_locale`, `no_answers`, `wrong_field_count`, `duplicate_external_id`,
    /// `required`, `too_long`, `invalid_characters`.
    #[schema(example = "out_of_range")]
    pub code: String,
    #[schema(example = "must be between 1 and 7")]
    pub message: String,
}

/// What an import read, accepted and skipped.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub encoding: TextEncoding,
    /// Data rows read (the header and entirely empty rows not counted).
    pub rows_read: u64,
    /// Rows returned for import; 0 when the file was refused.
    pub rows_accepted: u64,
    /// Rows with at least one problem.
    pub rows_skipped: u64,
    /// Problem code → number of rows with such a problem; a row with problems of two kinds
    /// counts under both.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// The first 1000 problems, in file order.
    pub problems: Vec<RowProblem>,
}

/// Why nothing was imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The file (or its mapping) cannot be read at all: undecodable, empty, no header, columns
    /// named by the mapping missing from the header, too many rows, or a mapping that does not
    /// fit the instrument.
    #[error("{}", .0.message)]
    File(FieldError),
    /// Some rows are bad and bad rows are not skipped; the summary lists them.
    #[error("{} of {} rows have problems", .0.rows_skipped, .0.rows_read)]
    Rows(ImportSummary),
}

/// The column of each mapped field, found in the header.
struct Plan {
    headers: Vec<String>,
    external_id: Option<usize>,
    submitted_at: Option<usize>,
    touchpoint_id: Option<usize>,
    customer_id: Option<usize>,
    unit_id: Option<usize>,
    locale: Option<usize>,
    comment: Option<usize>,
    /// Columns of `mapping.answers`, in its (sorted) order.
    answers: Vec<usize>,
    /// Columns of `mapping.importance`, in its (sorted) order.
    importance: Vec<usize>,
}

impl Plan {
    fn new(header: &csv::StringRecord, mapping: &Mapping) -> Result<Self, FieldError> {
        let headers: Vec<String> = header.iter().map(|h| clean_header(h).to_owned()).collect();
        let mut missing = Vec::new();
        let mut ambiguous = Vec::new();
        let mut find = |name: &str| -> usize {
            let name = clean_header(name);
            let mut found = headers.iter().enumerate().filter(|(_, h)| *h == name);
            match (found.next(), found.next()) {
                (Some((i, _)), None) => i,
                (Some(_), Some(_)) => {
                    ambiguous.push(name.to_owned());
                    usize::MAX
                }
                (None, _) => {
                    missing.push(name.to_owned());
                    usize::MAX
                }
            }
        };
        let c = &mapping.columns;
        let mut opt = |name: &Option<String>| name.as_deref().map(&mut find);
        let external_id = opt(&c.external_id);
        let submitted_at = opt(&c.submitted_at);
        let touchpoint_id = opt(&c.touchpoint_id);
        let customer_id = opt(&c.customer_id);
        let unit_id = opt(&c.unit_id);
        let locale = opt(&c.locale);
        let comment = opt(&c.comment);
        let answers = mapping.answers.values().map(|h| find(h)).collect();
        let importance = mapping.importance.values().map(|h| find(h)).collect();
        if !missing.is_empty() {
            let list = |names: &[String]| {
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(file_error(
                "missing_columns",
                format!(
                    "the file's header lacks the mapped columns {}; its columns are {}",
                    list(&missing),
                    list(&headers)
                ),
            ));
        }
        if !ambiguous.is_empty() {
            return Err(file_error(
                "ambiguous_columns",
                format!(
                    "the file's header holds these mapped columns more than once: {}",
                    ambiguous.join(", ")
                ),
            ));
        }
        Ok(Self {
            headers,
            external_id,
            submitted_at,
            touchpoint_id,
            customer_id,
            unit_id,
            locale,
            comment,
            answers,
            importance,
        })
    }
}

/// Reads a whole number written as `5`, `+5`, `-5` or `5.0`.
fn parse_integral(text: &str) -> Option<i64> {
    if let Ok(v) = text.parse::<i64>() {
        return Some(v);
    }
    let (int, frac) = text.split_once('.')?;
    if frac.is_empty() || !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    int.parse::<i64>().ok()
}

/// Shortens a cell for an error message.
fn quote(cell: &str) -> String {
    const MAX: usize = 40;
    if cell.chars().count() <= MAX {
        format!("`{cell}`")
    } else {
        format!("`{}…`", cell.chars().take(MAX).collect::<String>())
    }
}

/// A small cursor over a date text.
struct Scan<'a> {
    rest: &'a str,
}

impl<'a> Scan<'a> {
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let n = self
            .rest
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if n < min {
            return None;
        }
        let (digits, rest) = self.rest.split_at(n);
        self.rest = rest;
        digits.parse().ok()
    }
    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }
    fn spaces(&mut self) {
        self.rest = self.rest.trim_start();
    }
    fn meridiem(&mut self) -> Option<bool> {
        const MARKS: [(&str, bool); 6] = [
            ("오전", false),
            ("오후", true),
            ("a.m.", false),
            ("p.m.", true),
            ("am", false),
            ("pm", true),
        ];
        for (mark, pm) in MARKS {
            if let Some(head) = self.rest.get(..mark.len())
                && head.eq_ignore_ascii_case(mark)
            {
                self.rest = &self.rest[mark.len()..];
                return Some(pm);
            }
        }
        None
    }
}

/// Reads a local date and time: `YYYY-MM-DD[ HH:MM[:SS[.f]]]`, `-` or `/` or `.` between the
/// date's parts, `T` or spaces before the time, and an optional 오전/오후/AM/PM.
fn parse_local(text: &str) -> Option<NaiveDateTime> {
    let mut s = Scan { rest: text.trim() };
    let year = s.digits(4, 4)?;
    let sep = s
        .rest
        .chars()
        .next()
        .filter(|c| matches!(c, '-' | '/' | '.'))?;
    s.eat(sep);
    s.spaces();
    let month = s.digits(1, 2)?;
    if !s.eat(sep) {
        return None;
    }
    s.spaces();
    let day = s.digits(1, 2)?;
    if sep == '.' {
        s.eat('.');
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if !s.eat('T') && !s.eat('t') {
        s.spaces();
    }
    if s.rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN));
    }
    let mut pm = s.meridiem();
    s.spaces();
    let mut hour = s.digits(1, 2)?;
    if !s.eat(':') {
        return None;
    }
    let minute = s.digits(2, 2)?;
    let mut second = 0;
    let mut micro = 0;
    if s.eat(':') {
        second = s.digits(2, 2)?;
        if s.eat('.') || s.eat(',') {
            let n = s.rest.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            let (frac, rest) = s.rest.split_at(n);
            s.rest = rest;
            let frac = &frac[..n.min(6)];
            micro = frac.parse::<u32>().ok()? * 10u32.pow(6 - frac.len() as u32);
        }
    }
    s.spaces();
    if pm.is_none() {
        pm = s.meridiem();
        s.spaces();
    }
    if !s.rest.is_empty() {
        return None;
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micro)?;
    Some(date.and_time(time))
}

fn in_year_range(dt: DateTime<Utc>) -> bool {
    (1900..=2200).contains(&dt.year())
}

/// Reads a submission time: RFC 3339 with offset, or a local time in `tz`.
fn parse_submitted_at(text: &str, tz: chrono_tz::Tz) -> Result<Timestamp, String> {
    let utc = if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        dt.with_timezone(&Utc)
    } else {
        let local = parse_local(text).ok_or_else(|| {
            format!(
                "expected a date such as 2026-05-01 14:30, 2026/05/01, 2026.05.01 or \
                 2026-05-01T14:30:00+09:00, not {}",
                quote(text)
            )
        })?;
        match tz.from_local_datetime(&local) {
            LocalResult::Single(dt) => dt.with_timezone(&Utc),
            // Repeated hour when clocks go back: take the earlier instant.
            LocalResult::Ambiguous(dt, _) => dt.with_timezone(&Utc),
            LocalResult::None => {
                return Err(format!(
                    "{} does not exist in {} (clocks were put forward); give an offset",
                    quote(text),
                    tz.name()
                ));
            }
        }
    };
    if !in_year_range(utc) {
        return Err(format!(
            "{} lies outside the years 1900 to 2200",
            quote(text)
        ));
    }
    Ok(Timestamp::from_datetime(utc))
}

/// The state of one import run.
struct Run<'a> {
    def: &'a InstrumentDef,
    mapping: &'a Mapping,
    options: &'a ImportOptions,
    plan: Plan,
    missing: Vec<String>,
    /// The answers of the current row, keyed like `mapping.answers`; reused for every row.
    answers: BTreeMap<String, Option<i64>>,
    /// The importance points of the current row, keyed like `mapping.importance`.
    importance: BTreeMap<String, i64>,
    seen_ids: HashMap<String, u64>,
    /// Problems of the current row.
    row_problems: Vec<RowProblem>,
}

impl Run<'_> {
    fn is_missing(&self, cell: &str) -> bool {
        cell.is_empty() || self.missing.iter().any(|m| m.eq_ignore_ascii_case(cell))
    }

    fn problem(&mut self, line: u64, column: Option<usize>, code: &str, message: String) {
        self.row_problems.push(RowProblem {
            line,
            column: column.map(|c| self.plan.headers[c].clone()),
            code: code.to_owned(),
            message,
        });
    }

    /// The trimmed cell of a mapped column, or `None` when absent or "missing".
    fn cell<'r>(&self, record: &'r csv::StringRecord, column: Option<usize>) -> Option<&'r str> {
        let cell = record.get(column?)?.trim();
        (!self.is_missing(cell)).then_some(cell)
    }

    fn uuid(
        &mut self,
        record: &csv::StringRecord,
        line: u64,
        column: Option<usize>,
        fixed: Option<Uuid>,
    ) -> Option<Uuid> {
        let Some(cell) = self.cell(record, column) else {
            return fixed;
        };
        match Uuid::parse_str(cell) {
            Ok(id) => Some(id),
            Err(_) => {
                let message = format!("expected a UUID, not {}", quote(cell));
                self.problem(line, column, "invalid_uuid", message);
                None
            }
        }
    }

    /// Reads one data row; its problems are left in `row_problems`.
    fn row(&mut self, record: &csv::StringRecord, line: u64) -> Option<ImportRow> {
        let width = self.plan.headers.len();
        if record.len() < width || record.iter().skip(width).any(|c| !c.trim().is_empty()) {
            let message = format!(
                "the row has {} cells but the header has {width}",
                record.len()
            );
            self.problem(line, None, "wrong_field_count", message);
            return None;
        }
        let p = &self.plan;
        let (c_ext, c_at, c_touch, c_cust, c_unit, c_locale, c_comment) = (
            p.external_id,
            p.submitted_at,
            p.touchpoint_id,
            p.customer_id,
            p.unit_id,
            p.locale,
            p.comment,
        );

        let external_id = match self.cell(record, c_ext) {
            None => None,
            Some(cell) => match optional_line("external_id", cell, EXTERNAL_ID_MAX) {
                Ok(id) => id,
                Err(e) => {
                    self.problem(line, c_ext, &e.code, e.message);
                    None
                }
            },
        };
        if let Some(id) = &external_id {
            if let Some(&first) = self.seen_ids.get(id) {
                let message = format!("the same ID {} is on line {first}", quote(id));
                self.problem(line, c_ext, "duplicate_external_id", message);
            } else {
                self.seen_ids.insert(id.clone(), line);
            }
        }

        let submitted_at = match self.cell(record, c_at) {
            None => None,
            Some(cell) => match parse_submitted_at(cell, self.options.default_time_zone) {
                Ok(t) => Some(t),
                Err(message) => {
                    self.problem(line, c_at, "invalid_date", message);
                    None
                }
            },
        };

        let touchpoint_id = self.uuid(record, line, c_touch, self.mapping.fixed.touchpoint_id);
        let customer_id = self.uuid(record, line, c_cust, None);
        let unit_id = self.uuid(record, line, c_unit, self.mapping.fixed.unit_id);

        let locale = match self.cell(record, c_locale) {
            None => self.mapping.fixed.locale,
            Some(cell) => {
                let parsed = parse_locale(cell);
                if parsed.is_none() {
                    let message = format!(
                        "expected ko or en (or 한국어, 영어, Korean, English), not {}",
                        quote(cell)
                    );
                    self.problem(line, c_locale, "invalid_locale", message);
                }
                parsed
            }
        };

        let comment = match self.cell(record, c_comment) {
            None => None,
            Some(cell) => {
                let cell: Cow<'_, str> = if cell.contains('\r') {
                    Cow::Owned(cell.replace("\r\n", "\n").replace('\r', "\n"))
                } else {
                    Cow::Borrowed(cell)
                };
                match free_text("comment", &cell, COMMENT_MAX) {
                    Ok(text) => Some(text),
                    Err(e) => {
                        self.problem(line, c_comment, &e.code, e.message);
                        None
                    }
                }
            }
        };

        let answers = self.answers(record, line);
        if !self.row_problems.is_empty() {
            return None;
        }
        Some(ImportRow {
            line,
            external_id,
            submitted_at,
            touchpoint_id,
            customer_id,
            unit_id,
            locale,
            comment,
            answers: answers?,
        })
    }

    /// Reads the answer and importance cells and checks them with the instrument.
    fn answers(&mut self, record: &csv::StringRecord, line: u64) -> Option<Answers> {
        let mut number_errors = false;
        let mut answers = std::mem::take(&mut self.answers);
        for (value, i) in answers.values_mut().zip(0..self.plan.answers.len()) {
            let column = self.plan.answers[i];
            *value = None;
            let Some(cell) = self.cell(record, Some(column)) else {
                continue;
            };
            match parse_integral(cell) {
                Some(v) => *value = Some(v),
                None => {
                    number_errors = true;
                    let message = format!("expected a whole number, not {}", quote(cell));
                    self.problem(line, Some(column), "not_a_number", message);
                }
            }
        }

        let mut importance = std::mem::take(&mut self.importance);
        let mut given = 0;
        let mut importance_errors = false;
        let mut absent = Vec::new();
        for (value, i) in importance.values_mut().zip(0..self.plan.importance.len()) {
            let column = self.plan.importance[i];
            *value = 0;
            let Some(cell) = self.cell(record, Some(column)) else {
                absent.push(column);
                continue;
            };
            given += 1;
            match parse_integral(cell) {
                Some(v) => *value = v,
                None => {
                    importance_errors = true;
                    let message = format!("expected whole importance points, not {}", quote(cell));
                    self.problem(line, Some(column), "not_a_number", message);
                }
            }
        }
        let partial = given > 0 && !absent.is_empty();
        if partial {
            for &column in &absent {
                let message = "give importance points here too, or leave every importance \
                               column empty"
                    .to_owned();
                self.problem(line, Some(column), "required", message);
            }
        }
        let partial_points: BTreeMap<String, i64>;
        let points = if given == 0 || importance_errors {
            // Without (readable) points there is nothing more to check.
            None
        } else if partial {
            partial_points = importance
                .iter()
                .zip(&self.plan.importance)
                .filter(|(_, column)| !absent.contains(column))
                .map(|((code, v), _)| (code.clone(), *v))
                .collect();
            Some(&partial_points)
        } else {
            Some(&importance)
        };

        let result = self.def.parse_answers("", &answers, points);
        self.answers = answers;
        self.importance = importance;
        match result {
            Ok(a) => Some(a),
            Err(errors) => {
                for e in errors {
                    self.answer_problem(line, e, number_errors, partial);
                }
                None
            }
        }
    }

    /// Turns an error of [`InstrumentDef::parse_answers`] into a problem of the right column.
    fn answer_problem(&mut self, line: u64, e: FieldError, number_errors: bool, partial: bool) {
        let column_of = |map: &BTreeMap<String, String>, cols: &[usize], code: &str| {
            map.keys().position(|k| k == code).map(|i| cols[i])
        };
        if let Some(code) = e.field.strip_prefix("answers.") {
            let column = column_of(&self.mapping.answers, &self.plan.answers, code);
            self.problem(line, column, &e.code, e.message);
        } else if let Some(code) = e.field.strip_prefix("importance.") {
            let column = column_of(&self.mapping.importance, &self.plan.importance, code);
            self.problem(line, column, &e.code, e.message);
        } else if e.field == "answers" && e.code == "required" {
            // A bad number already explains why nothing was answered.
            if !number_errors {
                self.problem(line, None, "no_answers", "the row answers no item".into());
            }
        } else if e.field == "importance" {
            // Missing importance cells were already named one by one.
            if partial && e.code == "required" {
                return;
            }
            let columns: Vec<&str> = self
                .plan
                .importance
                .iter()
                .map(|&c| self.plan.headers[c].as_str())
                .collect();
            let message = format!("{} (columns {})", e.message, columns.join(", "));
            self.problem(line, None, &e.code, message);
        } else {
            self.problem(line, None, &e.code, e.message);
        }
    }
}

/// Finds the file line where a record starts.
///
/// csv's own `Position::line` is off by one after CRLF line ends and blank lines (it is taken
/// before the previous line's end is consumed), so lines are counted here from the record's
/// byte offset, skipping the line ends in front of it; offsets only grow, so each byte is
/// looked at once.
struct LineCounter<'t> {
    text: &'t [u8],
    counted_to: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_of(&mut self, record: &csv::StringRecord) -> u64 {
        let Some(position) = record.position() else {
            return self.line;
        };
        let mut start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .clamp(self.counted_to, self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        // A line ends with CRLF, LF or a lone CR (old Mac files).
        let breaks = self.text[self.counted_to..start]
            .iter()
            .enumerate()
            .filter(|&(i, &b)| {
                b == b'\n' || (b == b'\r' && self.text.get(self.counted_to + i + 1) != Some(&b'\n'))
            })
            .count();
        self.line += breaks as u64;
        self.counted_to = start;
        self.line
    }
}

/// Reads a CSV export of survey responses for `def` with `mapping`.
///
/// Returns the accepted rows and a summary. Without `skip_bad_rows`, any bad row refuses the
/// whole file with [`ImportError::Rows`], whose summary names every problem (the first 1000)
/// by file line and column header.
pub fn parse_csv(
    def: &InstrumentDef,
    mapping: &Mapping,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<(Vec<ImportRow>, ImportSummary), ImportError> {
    mapping.check(def).map_err(ImportError::File)?;
    let (text, encoding) = decode_cow(bytes).map_err(ImportError::File)?;
    if text.trim().is_empty() {
        return Err(ImportError::File(file_error("empty", "the file is empty")));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let csv_error = |e: csv::Error| {
        let line = e
            .position()
            .map_or(String::new(), |p| format!(" on line {}", p.line()));
        ImportError::File(file_error(
            "invalid_csv",
            format!("the file cannot be read as CSV{line}: {e}"),
        ))
    };
    let is_blank = |r: &csv::StringRecord| r.iter().all(|c| c.trim().is_empty());

    let header = loop {
        if !reader.read_record(&mut record).map_err(csv_error)? {
            return Err(ImportError::File(file_error(
                "no_header",
                "the file has no header row",
            )));
        }
        if !is_blank(&record) {
            break record.clone();
        }
    };
    let plan = Plan::new(&header, mapping).map_err(ImportError::File)?;
    let mut run = Run {
        def,
        mapping,
        options,
        plan,
        missing: mapping
            .missing
            .values
            .iter()
            .map(|m| m.trim().to_owned())
            .collect(),
        answers: mapping.answers.keys().map(|k| (k.clone(), None)).collect(),
        importance: mapping.importance.keys().map(|k| (k.clone(), 0)).collect(),
        seen_ids: HashMap::new(),
        row_problems: Vec::new(),
    };

    let mut lines = LineCounter {
        text: text.as_bytes(),
        counted_to: 0,
        line: 1,
    };
    let mut rows = Vec::new();
    let mut summary = ImportSummary {
        encoding,
        rows_read: 0,
        rows_accepted: 0,
        rows_skipped: 0,
        skipped_by_reason: BTreeMap::new(),
        problems: Vec::new(),
    };
    while reader.read_record(&mut record).map_err(csv_error)? {
        if is_blank(&record) {
            continue;
        }
        summary.rows_read += 1;
        if summary.rows_read > options.max_rows as u64 {
            return Err(ImportError::File(file_error(
                "too_many_rows",
                format!(
                    "the file holds more than {} rows; split it into smaller files",
                    options.max_rows
                ),
            )));
        }
        let line = lines.line_of(&record);
        match run.row(&record, line) {
            Some(row) if run.row_problems.is_empty() => {
                // Once a row is bad and bad rows are not skipped, nothing will be returned.
                if options.skip_bad_rows || summary.rows_skipped == 0 {
                    rows.push(row);
                }
            }
            _ => {
                summary.rows_skipped += 1;
                if !options.skip_bad_rows {
                    rows = Vec::new();
                }
                let mut codes: Vec<&str> =
                    run.row_problems.iter().map(|p| p.code.as_str()).collect();
                codes.sort_unstable();
                codes.dedup();
                for code in codes {
                    *summary
                        .skipped_by_reason
                        .entry(code.to_owned())
                        .or_default() += 1;
                }
                let room = MAX_PROBLEMS.saturating_sub(summary.problems.len());
                summary
                    .problems
                    .extend(run.row_problems.drain(..).take(room));
            }
        }
        run.row_problems.clear();
    }
    if summary.rows_read == 0 {
        return Err(ImportError::File(file_error(
            "empty",
            "the file holds a header but no rows",
        )));
    }
    if summary.rows_skipped > 0 && !options.skip_bad_rows {
        return Err(ImportError::Rows(summary));
    }
    summary.rows_accepted = rows.len() as u64;
    Ok((rows, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{Dimension, InstrumentKind, Item, LocalizedText, Scale, Section};
    use crate::text::LocalizedName;

    fn text(s: &str) -> LocalizedText {
        LocalizedText {
            ko: s.into(),
            en: s.into(),
        }
    }

    fn item(code: &str, dim: &str, section: Section, pair: &str) -> Item {
        Item {
            code: code.into(),
            dimension: dim.into(),
            section,
            pair: Some(pair.into()),
            text: text(code),
            required: false,
        }
    }

    fn dim(code: &str) -> Dimension {
        Dimension {
            code: code.into(),
            name: LocalizedName {
                ko: code.into(),
                en: code.into(),
            },
        }
    }

    /// A two-dimension SERVQUAL-like instrument on a 1–7 scale with importance points.
    fn def() -> InstrumentDef {
        InstrumentDef {
            kind: InstrumentKind::Servqual,
            scale: Scale { min: 1, max: 7 },
            anchors: None,
            dimensions: vec![dim("tangibles"), dim("reliability")],
            items: vec![
                item("e01", "tangibles", Section::Expectation, "q01"),
                item("p01", "tangibles", Section::Perception, "q01"),
                item("e02", "reliability", Section::Expectation, "q02"),
                item("p02", "reliability", Section::Perception, "q02"),
            ],
            importance: true,
            higher_is_better: true,
            scale_version: None,
        }
        .validate("definition")
        .unwrap()
    }

    const UNIT: &str = "0196a3c2-1f00-7000-8000-000000000002";
    const TOUCHPOINT: &str = "0196a3c2-1f00-7000-8000-000000000001";

    fn mapping() -> Mapping {
        parse_mapping(&format!(
            r#"
# which column holds what
[columns]
external_id = "응답ID"
submitted_at = "응답일시"
touchpoint_id = "접점ID"
locale = "언어"
comment = "의견"

[answers]
e01 = "기대1"
p01 = "인식1"
e02 = "기대2"
p02 = "인식2"

[importance]
tangibles = "중요도_유형성"
reliability = "중요도_신뢰성"

[missing]
values = ["", "NA", "-", "무응답"]

[fixed]
unit_id = "{UNIT}"
"#
        ))
        .unwrap()
    }

    const HEADER: &str =
        "응답ID,응답일시,접점ID,언어,기대1,인식1,기대2,인식2,중요도_유형성,중요도_신뢰성,의견";

    /// Four responses; the third has a comment spanning two lines, so the fourth is on line 6.
    fn sample() -> String {
        [
            HEADER.to_owned(),
            format!("r1,2026-05-01 09:30,{TOUCHPOINT},한국어,7,5,6, 6 ,40,60,직원이 친절했어요"),
            "r2,2026-05-02T10:00:00+09:00,,en,5.0,4,무응답,3,,,\"Slow, but polite\"".to_owned(),
            "r3,2026/05/03 오후 3:05:00,,ko,6,6,7,7,50,50,\"대기 시간이 길었습니다\r\n다음엔 더 빨리\""
                .to_owned(),
            "r4,2026.05.04,,영어,1,2,3,4,NA,NA,".to_owned(),
        ]
        .join("\r\n")
            + "\r\n"
    }

    fn options() -> ImportOptions {
        ImportOptions::default()
    }

    fn import(
        csv: &[u8],
        options: &ImportOptions,
    ) -> Result<(Vec<ImportRow>, ImportSummary), ImportError> {
        parse_csv(&def(), &mapping(), csv, options)
    }

    fn summary_of(result: Result<(Vec<ImportRow>, ImportSummary), ImportError>) -> ImportSummary {
        match result {
            Err(ImportError::Rows(summary)) => summary,
            other => panic!("expected bad rows, got {other:?}"),
        }
    }

    fn problems(summary: &ImportSummary) -> Vec<(u64, Option<&str>, &str)> {
        summary
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_deref(), p.code.as_str()))
            .collect()
    }

    #[test]
    fn utf8_utf8_with_bom_and_cp949_import_to_the_same_rows() {
        let csv = sample();
        let mut with_bom = UTF8_BOM.to_vec();
        with_bom.extend_from_slice(csv.as_bytes());
        let (cp949, _, had_errors) = encoding_rs::EUC_KR.encode(&csv);
        assert!(!had_errors);
        assert!(
            std::str::from_utf8(&cp949).is_err(),
            "CP949 bytes are not UTF-8"
        );

        let (rows, summary) = import(csv.as_bytes(), &options()).unwrap();
        assert_eq!(summary.encoding, TextEncoding::Utf8);
        assert_eq!(
            (
                summary.rows_read,
                summary.rows_accepted,
                summary.rows_skipped
            ),
            (4, 4, 0)
        );
        for (bytes, encoding) in [
            (&with_bom[..], TextEncoding::Utf8Bom),
            (&cp949[..], TextEncoding::Cp949),
        ] {
            let (other, summary) = import(bytes, &options()).unwrap();
            assert_eq!(summary.encoding, encoding);
            assert_eq!(other, rows, "{encoding:?}");
        }

        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 6]);
        let r1 = &rows[0];
        assert_eq!(r1.external_id.as_deref(), Some("r1"));
        assert_eq!(
            r1.submitted_at.unwrap().to_rfc3339(),
            "2026-05-01T00:30:00Z"
        );
        assert_eq!(r1.touchpoint_id, Some(Uuid::parse_str(TOUCHPOINT).unwrap()));
        assert_eq!(r1.unit_id, Some(Uuid::parse_str(UNIT).unwrap()));
        assert_eq!(r1.customer_id, None);
        assert_eq!(r1.locale, Some(Locale::Ko));
        assert_eq!(r1.comment.as_deref(), Some("직원이 친절했어요"));
        assert_eq!(r1.answers.values, [Some(7), Some(5), Some(6), Some(6)]);
        assert_eq!(r1.answers.importance, Some(vec![40, 60]));

        let r2 = &rows[1];
        assert_eq!(
            r2.submitted_at.unwrap().to_rfc3339(),
            "2026-05-02T01:00:00Z"
        );
        assert_eq!(r2.locale, Some(Locale::En));
        assert_eq!(r2.answers.values, [Some(5), Some(4), None, Some(3)]);
        assert_eq!(r2.answers.importance, None);
        assert_eq!(r2.comment.as_deref(), Some("Slow, but polite"));

        let r3 = &rows[2];
        assert_eq!(
            r3.submitted_at.unwrap().to_rfc3339(),
            "2026-05-03T06:05:00Z"
        );
        assert_eq!(
            r3.comment.as_deref(),
            Some("대기 시간이 길었습니다\n다음엔 더 빨리")
        );

        let r4 = &rows[3];
        assert_eq!(
            r4.submitted_at.unwrap().to_rfc3339(),
            "2026-05-03T15:00:00Z"
        );
        assert_eq!(r4.locale, Some(Locale::En));
        assert_eq!(r4.comment, None);
    }

    #[test]
    fn undecodable_bytes_fail_naming_the_byte_offset() {
        let e = decode(b"id,value\n1,\xff\n").unwrap_err();
        assert_eq!(e.field, "file");
        assert_eq!(e.code, "invalid_encoding");
        assert!(
            e.message.contains("byte offset 11 (line 2)"),
            "{}",
            e.message
        );

        let e = decode(b"\xEF\xBB\xBFid\n\xC3(\n").unwrap_err();
        assert!(e.message.contains("byte offset 6"), "{}", e.message);

        match import(b"id,value\n1,\xff\n", &options()) {
            Err(ImportError::File(e)) => assert_eq!(e.field, "file"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decode_reports_the_encoding() {
        assert_eq!(
            decode(b"a,b").unwrap(),
            ("a,b".to_owned(), TextEncoding::Utf8)
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFa,b").unwrap(),
            ("a,b".to_owned(), TextEncoding::Utf8Bom)
        );
        let (bytes, _, _) = encoding_rs::EUC_KR.encode("의견,똠방각하");
        assert_eq!(
            decode(&bytes).unwrap(),
            ("의견,똠방각하".to_owned(), TextEncoding::Cp949)
        );
    }

    fn bad_sample() -> String {
        [
            HEADER.to_owned(),
            "ok1,2026-05-01,,ko,7,5,6,6,40,60,좋아요".to_owned(),
            "b3,2026-05-01,,ko,7,8,6,6,40,60,".to_owned(),
            "b4,2026-05-01,not-a-uuid,ko,7,5,abc,5.5,,,".to_owned(),
            "b5,2026-05-01,,ko,7,5,6,6,40,50,".to_owned(),
            "b6,2026-13-01,,fr,7,5,6,6,,,".to_owned(),
            "b7,2026-05-01,,ko,7,5".to_owned(),
            "ok1,2026-05-01,,ko,1,1,1,1,,,".to_owned(),
            "b9,2026-05-01,,ko,NA,,-,무응답,,,\"아무 답도 없이\n두 줄\"".to_owned(),
            "b11,2026-05-01,,ko,1,1,1,1,30,,".to_owned(),
            "ok2,,,,2,2,2,2,,,".to_owned(),
        ]
        .join("\n")
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_column_and_nothing_is_imported() {
        let summary = summary_of(import(bad_sample().as_bytes(), &options()));
        assert_eq!(
            problems(&summary),
            [
                (3, Some("인식1"), "out_of_range"),
                (4, Some("접점ID"), "invalid_uuid"),
                (4, Some("기대2"), "not_a_number"),
                (4, Some("인식2"), "not_a_number"),
                (5, None, "invalid_total"),
                (6, Some("응답일시"), "invalid_date"),
                (6, Some("언어"), "invalid_locale"),
                (7, None, "wrong_field_count"),
                (8, Some("응답ID"), "duplicate_external_id"),
                (9, None, "no_answers"),
                (11, Some("중요도_신뢰성"), "required"),
            ]
        );
        assert_eq!(
            (
                summary.rows_read,
                summary.rows_accepted,
                summary.rows_skipped
            ),
            (10, 0, 8)
        );
        assert!(summary.problems[0].message.contains("between 1 and 7"));
        assert!(summary.problems[4].message.contains("not 90"));
        assert!(summary.problems[8].message.contains("line 2"));
    }

    #[test]
    fn skipping_bad_rows_returns_the_good_ones_and_counts_the_bad_by_reason() {
        let options = ImportOptions {
            skip_bad_rows: true,
            ..options()
        };
        let (rows, summary) = import(bad_sample().as_bytes(), &options).unwrap();
        let ids: Vec<_> = rows
            .iter()
            .map(|r| (r.line, r.external_id.as_deref()))
            .collect();
        assert_eq!(ids, [(2, Some("ok1")), (12, Some("ok2"))]);
        assert_eq!(
            (
                summary.rows_read,
                summary.rows_accepted,
                summary.rows_skipped
            ),
            (10, 2, 8)
        );
        let reasons: Vec<(&str, u64)> = summary
            .skipped_by_reason
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            reasons,
            [
                ("duplicate_external_id", 1),
                ("invalid_date", 1),
                ("invalid_locale", 1),
                ("invalid_total", 1),
                ("invalid_uuid", 1),
                ("no_answers", 1),
                ("not_a_number", 1),
                ("out_of_range", 1),
                ("required", 1),
                ("wrong_field_count", 1),
            ]
        );
        assert_eq!(summary.problems.len(), 11);
    }

    #[test]
    fn a_quoted_cell_with_newlines_keeps_later_line_numbers_right() {
        let csv = format!(
            "{HEADER}\n\
             a,,,,1,1,1,1,,,\"첫 줄\n둘째 줄\n셋째 줄\"\n\
             b,,,,1,9,1,1,,,\n\
             \n\
             c,,,,1,1,1,9,,,\"x\r\ny\"\r\n\
             d,,,,1,1,1,1,,,\n"
        );
        let summary = summary_of(import(csv.as_bytes(), &options()));
        assert_eq!(
            problems(&summary),
            [
                (5, Some("인식1"), "out_of_range"),
                (7, Some("인식2"), "out_of_range")
            ]
        );
        let lenient = ImportOptions {
            skip_bad_rows: true,
            ..options()
        };
        let (rows, _) = import(csv.as_bytes(), &lenient).unwrap();
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 9]);
        assert_eq!(rows[0].comment.as_deref(), Some("첫 줄\n둘째 줄\n셋째 줄"));

        // The same with every line ending CRLF, and with lone CRs (old Mac files).
        for end in ["\r\n", "\r"] {
            let other = csv.replace("\r\n", "\n").replace('\n', end);
            let summary = summary_of(import(other.as_bytes(), &options()));
            let lines: Vec<u64> = summary.problems.iter().map(|p| p.line).collect();
            assert_eq!(lines, [5, 7], "{end:?}");
        }
    }

    #[test]
    fn a_mapping_naming_missing_columns_fails_listing_them_all() {
        let mut m = mapping();
        m.answers.insert("e01".into(), "없는열".into());
        m.columns.comment = Some("코멘트".into());
        match parse_csv(&def(), &m, sample().as_bytes(), &options()) {
            Err(ImportError::File(e)) => {
                assert_eq!(
                    (e.field.as_str(), e.code.as_str()),
                    ("file", "missing_columns")
                );
                assert!(e.message.contains("`없는열`"), "{}", e.message);
                assert!(e.message.contains("`코멘트`"), "{}", e.message);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn headers_are_compared_trimmed() {
        let csv = "\u{feff} 응답ID ,응답일시 ,접점ID,언어,기대1,인식1,기대2,인식2,중요도_유형성,중요도_신뢰성,\t의견\n x ,,,,1,1,1,1,,,\n";
        let (rows, summary) = import(csv.as_bytes(), &options()).unwrap();
        assert_eq!(summary.encoding, TextEncoding::Utf8Bom);
        assert_eq!(clean_header("\u{feff} 의견\t"), "의견");
        assert_eq!(rows[0].external_id.as_deref(), Some("x"));
    }

    #[test]
    fn mapping_errors_name_the_place_and_the_unknown_codes() {
        let e = parse_mapping("[answers]\ne01 = \"a\"\n[columns]\nwhen = \"b\"\n").unwrap_err();
        assert_eq!(e.field, "mapping");
        assert!(e.message.contains("line 4, column 1"), "{}", e.message);

        let e = parse_mapping("[answers]\ne01 = \n").unwrap_err();
        assert!(e.message.contains("line 2"), "{}", e.message);

        let e = parse_mapping("[answers]\ne01 = \"a\"\np01 = \"a\"\n").unwrap_err();
        assert!(e.message.contains("mapped twice"), "{}", e.message);

        let e = parse_mapping("[fixed]\nlocale = \"fr\"\n").unwrap_err();
        assert!(e.message.contains("unknown locale"), "{}", e.message);

        let m = parse_mapping(
            "[answers]\ne01 = \"a\"\nx99 = \"b\"\n[importance]\ntangibles = \"c\"\nspeed = \"d\"\n",
        )
        .unwrap();
        let e = m.check(&def()).unwrap_err();
        assert_eq!(e.code, "unknown");
        assert!(e.message.contains("x99"), "{}", e.message);
        assert!(e.message.contains("speed"), "{}", e.message);

        let m = parse_mapping("[answers]\ne01 = \"a\"\n[importance]\ntangibles = \"c\"\n").unwrap();
        let e = m.check(&def()).unwrap_err();
        assert!(e.message.contains("missing: reliability"), "{}", e.message);

        let m = parse_mapping("[answers]\ne01 = \"a\"\n").unwrap();
        assert_eq!(m.missing.values, ["", "NA", "N/A", "-"]);
        m.check(&def()).unwrap();
    }

    #[test]
    fn numbers_must_be_whole() {
        assert_eq!(parse_integral("5"), Some(5));
        assert_eq!(parse_integral("+5"), Some(5));
        assert_eq!(parse_integral("5.0"), Some(5));
        assert_eq!(parse_integral("5.00"), Some(5));
        assert_eq!(parse_integral("-1.0"), Some(-1));
        assert_eq!(parse_integral("5.5"), None);
        assert_eq!(parse_integral("5."), None);
        assert_eq!(parse_integral("abc"), None);
        assert_eq!(parse_integral("1e1"), None);
    }

    #[test]
    fn local_and_offset_times_are_read() {
        let seoul = chrono_tz::Asia::Seoul;
        let at = |s: &str| parse_submitted_at(s, seoul).map(Timestamp::to_rfc3339);
        let ok = |s: &str, want: &str| assert_eq!(at(s).as_deref(), Ok(want), "{s}");
        ok("2026-05-01T09:30:00+09:00", "2026-05-01T00:30:00Z");
        ok("2026-05-01T00:30:00Z", "2026-05-01T00:30:00Z");
        ok("2026-05-01 09:30", "2026-05-01T00:30:00Z");
        ok("2026-05-01 09:30:15", "2026-05-01T00:30:15Z");
        ok("2026-05-01T09:30", "2026-05-01T00:30:00Z");
        ok("2026-05-01", "2026-04-30T15:00:00Z");
        ok("2026/5/1 9:30", "2026-05-01T00:30:00Z");
        ok("2026.05.01", "2026-04-30T15:00:00Z");
        ok("2026. 5. 1. 오후 3:24", "2026-05-01T06:24:00Z");
        ok("2026-05-01 오전 12:10:00", "2026-04-30T15:10:00Z");
        ok("2026-05-01 3:24 PM", "2026-05-01T06:24:00Z");
        ok("2026-05-01 09:30:15.250", "2026-05-01T00:30:15.250Z");
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "01/05/2026",
            "2026-05-01 25:00",
            "2026-05-01 오후 13:00",
            "2026-05-01 09:30 tomorrow",
            "1850-01-01",
            "yesterday",
        ] {
            assert!(at(bad).is_err(), "{bad}");
        }
        // A local time skipped by a daylight saving change does not exist.
        let e = parse_submitted_at("2026-03-08 02:30", chrono_tz::America::New_York).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn empty_files_headers_alone_and_too_many_rows_are_file_errors() {
        let code = |result: Result<(Vec<ImportRow>, ImportSummary), ImportError>| match result {
            Err(ImportError::File(e)) => e.code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(import(b"", &options())), "empty");
        assert_eq!(code(import(b"\xEF\xBB\xBF \r\n", &options())), "empty");
        assert_eq!(
            code(import(
                format!("{HEADER}\r\n,,,\r\n").as_bytes(),
                &options()
            )),
            "empty"
        );
        let few = ImportOptions {
            max_rows: 3,
            ..options()
        };
        assert_eq!(code(import(sample().as_bytes(), &few)), "too_many_rows");
    }

    /// SERVQUAL's 22 expectation and 22 perception items with five importance columns: 49.
    fn full_servqual() -> (InstrumentDef, Mapping) {
        let dims = [
            "tangibles",
            "reliability",
            "responsiveness",
            "assurance",
            "empathy",
        ];
        let mut items = Vec::new();
        for q in 1..=22 {
            let d = dims[(q - 1) * dims.len() / 22];
            let pair = format!("q{q:02}");
            items.push(item(&format!("e{q:02}"), d, Section::Expectation, &pair));
            items.push(item(&format!("p{q:02}"), d, Section::Perception, &pair));
        }
        let def = InstrumentDef {
            kind: InstrumentKind::Servqual,
            scale: Scale { min: 1, max: 7 },
            anchors: None,
            dimensions: dims.iter().map(|d| dim(d)).collect(),
            items,
            importance: true,
            higher_is_better: true,
            scale_version: None,
        }
        .validate("definition")
        .unwrap();
        let mut toml = String::from("[answers]\n");
        for item in &def.items {
            toml.push_str(&format!("{0} = \"{0}\"\n", item.code));
        }
        toml.push_str("[importance]\n");
        for d in dims {
            toml.push_str(&format!("{d} = \"imp_{d}\"\n"));
        }
        (def, parse_mapping(&toml).unwrap())
    }

    fn big_csv(def: &InstrumentDef, rows: usize) -> String {
        let mut csv = String::with_capacity(rows * 110);
        let headers: Vec<String> = def
            .items
            .iter()
            .map(|i| i.code.clone())
            .chain(def.dimensions.iter().map(|d| format!("imp_{}", d.code)))
            .collect();
        csv.push_str(&headers.join(","));
        csv.push_str("\r\n");
        for r in 0..rows {
            for i in 0..def.items.len() {
                csv.push(char::from(b'1' + ((r + i) % 7) as u8));
                csv.push(',');
            }
            csv.push_str("20,20,20,20,20\r\n");
        }
        csv
    }

    #[test]
    fn a_hundred_thousand_rows_parse() {
        let (def, mapping) = full_servqual();
        let csv = big_csv(&def, 100_000);
        let (rows, summary) = parse_csv(&def, &mapping, csv.as_bytes(), &options()).unwrap();
        assert_eq!(rows.len(), 100_000);
        assert_eq!(summary.rows_accepted, 100_000);
    }

    /// `cargo test --release -p rapport-domain --lib survey_import -- --ignored --nocapture`
    #[test]
    #[ignore = "a timing check, meaningful in release mode only"]
    fn a_hundred_thousand_rows_parse_in_well_under_two_seconds() {
        let (def, mapping) = full_servqual();
        let csv = big_csv(&def, 100_000);
        let started = std::time::Instant::now();
        let (rows, _) = parse_csv(&def, &mapping, csv.as_bytes(), &options()).unwrap();
        let took = started.elapsed();
        println!(
            "{} rows × 49 columns, {} bytes: {took:?}",
            rows.len(),
            csv.len()
        );
        assert!(took.as_secs_f64() < 1.0, "took {took:?}");
    }
}
