//! Survey instruments and their answers, as data: the SERVQUAL questionnaire, the short
//! transactional ones (CSAT, NPS, customer effort) and any custom questionnaire a business
//! brings, all described by one [`InstrumentDef`].
//!
//! An instrument is a list of items on one integer scale. Each item belongs to a dimension and
//! to a section: asked once (`single`), or as the expectation or the perception half of a pair
//! (SERVQUAL's E/P items share a `pair` key). An instrument may also ask the respondent to
//! allocate 100 importance points over its dimensions.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::case::str_enum;
use crate::text::{LocalizedName, required_line};
use crate::{FieldError, Validation};

str_enum!(
    /// What an instrument measures; decides the headline figures of its report.
    InstrumentKind {
        Servqual = "servqual",
        /// Customer satisfaction, 1–5: the share answering 4 or 5, and the mean.
        Csat = "csat",
        /// Net promoter score, 0–10: promoters (9–10) minus detractors (0–6).
        Nps = "nps",
        /// Customer effort: the mean on the instrument's own scale and direction.
        Effort = "effort",
        Custom = "custom",
    }
);

str_enum!(
    /// Where an item sits in the questionnaire.
    Section {
        /// Asked once.
        Single = "single",
        /// What the customer expects of an excellent firm of this kind.
        Expectation = "expectation",
        /// What the customer perceived of this firm.
        Perception = "perception",
    }
);

str_enum!(
    /// How a response arrived.
    ResponseSource {
        /// The public form of an invitation.
        Form = "form",
        Api = "api",
        /// A CSV of historic responses.
        Import = "import",
    }
);

str_enum!(
    /// Where an invitation stands.
    InvitationStatus {
        Open = "open",
        Answered = "answered",
        Expired = "expired",
    }
);

/// Bounds of answers and scale texts.
pub const SCALE_LIMIT: i32 = 1000;
pub const SCALE_MAX_POINTS: i32 = 101;
/// Scales with at most this many points keep a count per answer value (for shares, medians).
pub const HISTOGRAM_MAX_POINTS: usize = 11;
pub const ITEMS_MAX: usize = 200;
pub const DIMENSIONS_MAX: usize = 20;
pub const ITEM_TEXT_MAX: usize = 500;
pub const IMPORTANCE_TOTAL: i32 = 100;
pub const COMMENT_MAX: usize = 4000;

/// An inclusive integer answer scale, e.g. 1–7 or 0–10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    #[schema(example = 1)]
    pub min: i32,
    #[schema(example = 7)]
    pub max: i32,
}

impl Scale {
    pub fn points(self) -> usize {
        (self.max - self.min + 1) as usize
    }
    pub fn contains(self, value: i64) -> bool {
        value >= i64::from(self.min) && value <= i64::from(self.max)
    }
    /// Whether answers are also counted per value.
    pub fn has_histogram(self) -> bool {
        self.points() <= HISTOGRAM_MAX_POINTS
    }
    fn check(self, field: &str) -> Result<Self, FieldError> {
        if self.min.abs() > SCALE_LIMIT || self.max.abs() > SCALE_LIMIT {
            return Err(FieldError::new(
                field,
                "out_of_range",
                format!("the scale must lie within -{SCALE_LIMIT}..{SCALE_LIMIT}"),
            ));
        }
        if self.max <= self.min || self.max - self.min + 1 > SCALE_MAX_POINTS {
            return Err(FieldError::new(
                field,
                "invalid_value",
                format!("max must exceed min, with at most {SCALE_MAX_POINTS} points"),
            ));
        }
        Ok(self)
    }
}

/// A text in Korean and English (longer than a name: a question).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    #[schema(max_length = 500, example = "직원들은 언제나 기꺼이 도와준다.")]
    pub ko: String,
    #[schema(max_length = 500, example = "Staff are always willing to help.")]
    pub en: String,
}

impl LocalizedText {
    pub fn get(&self, locale: crate::customer::Locale) -> &str {
        match locale {
            crate::customer::Locale::Ko => &self.ko,
            crate::customer::Locale::En => &self.en,
        }
    }
    fn check(&self, field: &str, v: &mut Validation) -> Option<Self> {
        let ko = v.check(required_line(
            &format!("{field}.ko"),
            &self.ko,
            ITEM_TEXT_MAX,
        ));
        let en = v.check(required_line(
            &format!("{field}.en"),
            &self.en,
            ITEM_TEXT_MAX,
        ));
        Some(Self { ko: ko?, en: en? })
    }
}

/// Labels of the two ends of the scale, e.g. "strongly disagree" and "strongly agree".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleAnchors {
    pub low: LocalizedText,
    pub high: LocalizedText,
}

/// A group of items measured together (a SERVQUAL dimension, or a custom one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Lower-case letters, digits and `_`; unique in the instrument.
    #[schema(example = "responsiveness")]
    pub code: String,
    pub name: LocalizedName,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Lower-case letters, digits and `_`; unique in the instrument; the key of the answer.
    #[schema(example = "p10")]
    pub code: String,
    /// Code of the item's dimension.
    #[schema(example = "responsiveness")]
    pub dimension: String,
    pub section: Section,
    /// Pairs an expectation item with its perception item; both carry the same key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "q10")]
    pub pair: Option<String>,
    pub text: LocalizedText,
    /// The public form insists on an answer; the API and imports accept a missing one.
    #[serde(default)]
    pub required: bool,
}

/// A whole questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentDef {
    pub kind: InstrumentKind,
    pub scale: Scale,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchors: Option<ScaleAnchors>,
    pub dimensions: Vec<Dimension>,
    pub items: Vec<Item>,
    /// Whether respondents allocate 100 importance points over the dimensions.
    #[serde(default)]
    pub importance: bool,
    /// Whether a higher answer is the better one (false e.g. for an effort scale where 1
    /// means "very little effort").
    #[serde(default = "yes")]
    pub higher_is_better: bool,
    /// The published version of the scale, e.g. `CES 2.0`; required for effort scales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_version: Option<String>,
}

fn yes() -> bool {
    true
}

fn check_code(field: &str, code: &str) -> Result<(), FieldError> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "invalid_value",
            "must be 1–40 lower-case letters, digits or `_`",
        ))
    }
}

/// An expectation/perception pair of items, by their positions in `items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemPair {
    pub expectation: usize,
    pub perception: usize,
    pub dimension: usize,
}

impl InstrumentDef {
    /// Checks an instrument given by a user; errors are named under `prefix` (e.g. `definition`).
    pub fn validate(self, prefix: &str) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let p = |rest: &str| format!("{prefix}.{rest}");
        v.check(self.scale.check(&p("scale")));
        if let Some(anchors) = &self.anchors {
            anchors.low.check(&p("anchors.low"), &mut v);
            anchors.high.check(&p("anchors.high"), &mut v);
        }
        if self.dimensions.is_empty() || self.dimensions.len() > DIMENSIONS_MAX {
            v.push(FieldError::new(
                p("dimensions"),
                "invalid_length",
                format!("must hold 1–{DIMENSIONS_MAX} dimensions"),
            ));
        }
        let mut dims = HashSet::new();
        for (i, d) in self.dimensions.iter().enumerate() {
            v.check(check_code(&p(&format!("dimensions[{i}].code")), &d.code));
            if let Err(e) =
                LocalizedName::parse(&p(&format!("dimensions[{i}].name")), &d.name.ko, &d.name.en)
            {
                v.extend(e);
            }
            if !dims.insert(d.code.as_str()) {
                v.push(FieldError::new(
                    p(&format!("dimensions[{i}].code")),
                    "duplicate",
                    "another dimension has this code",
                ));
            }
        }
        if self.items.is_empty() || self.items.len() > ITEMS_MAX {
            v.push(FieldError::new(
                p("items"),
                "invalid_length",
                format!("must hold 1–{ITEMS_MAX} items"),
            ));
        }
        let mut codes = HashSet::new();
        let mut pairs: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, item) in self.items.iter().enumerate() {
            let f = |rest: &str| p(&format!("items[{i}].{rest}"));
            v.check(check_code(&f("code"), &item.code));
            if !codes.insert(item.code.as_str()) {
                v.push(FieldError::new(
                    f("code"),
                    "duplicate",
                    "another item has this code",
                ));
            }
            if !dims.contains(item.dimension.as_str()) {
                v.push(FieldError::new(
                    f("dimension"),
                    "unknown",
                    "names no dimension of this instrument",
                ));
            }
            item.text.check(&f("text"), &mut v);
            match (&item.pair, item.section) {
                (None, Section::Single) => {}
                (Some(_), Section::Single) => v.push(FieldError::new(
                    f("pair"),
                    "invalid_value",
                    "only expectation and perception items are paired",
                )),
                (None, _) => v.push(FieldError::new(
                    f("pair"),
                    "required",
                    "an expectation or perception item needs the key of its pair",
                )),
                (Some(key), _) => {
                    v.check(check_code(&f("pair"), key));
                    pairs.entry(key.as_str()).or_default().push(i);
                }
            }
        }
        for (key, members) in &pairs {
            let sections: Vec<Section> = members.iter().map(|&i| self.items[i].section).collect();
            let dims_of: HashSet<&str> = members
                .iter()
                .map(|&i| self.items[i].dimension.as_str())
                .collect();
            let complete = sections.len() == 2
                && sections.contains(&Section::Expectation)
                && sections.contains(&Section::Perception);
            if !complete || dims_of.len() != 1 {
                v.push(FieldError::new(
                    p(&format!("items[{}].pair", members[0])),
                    "invalid_value",
                    format!(
                        "pair `{key}` must join one expectation and one perception item of the same dimension"
                    ),
                ));
            }
        }
        if self.importance && self.dimensions.len() < 2 {
            v.push(FieldError::new(
                p("importance"),
                "invalid_value",
                "an importance allocation needs at least two dimensions",
            ));
        }
        let single = |kind: &str, scale: Option<(i32, i32)>, v: &mut Validation| {
            if self.items.len() != 1 || self.items[0].section != Section::Single {
                v.push(FieldError::new(
                    p("items"),
                    "invalid_value",
                    format!("a {kind} instrument asks exactly one single item"),
                ));
            }
            if let Some((min, max)) = scale
                && (self.scale.min, self.scale.max) != (min, max)
            {
                v.push(FieldError::new(
                    p("scale"),
                    "invalid_value",
                    format!("a {kind} scale runs from {min} to {max}"),
                ));
            }
        };
        match self.kind {
            InstrumentKind::Csat => single("CSAT", Some((1, 5)), &mut v),
            InstrumentKind::Nps => single("NPS", Some((0, 10)), &mut v),
            InstrumentKind::Effort => {
                single("customer effort", None, &mut v);
                if self
                    .scale_version
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
                {
                    v.push(FieldError::new(
                        p("scale_version"),
                        "required",
                        "name the effort scale's version, e.g. `CES 2.0`",
                    ));
                }
            }
            InstrumentKind::Servqual => {
                if pairs.is_empty() {
                    v.push(FieldError::new(
                        p("items"),
                        "invalid_value",
                        "a SERVQUAL instrument pairs expectation and perception items",
                    ));
                }
            }
            InstrumentKind::Custom => {}
        }
        if let Some(sv) = &self.scale_version {
            v.check(required_line(&p("scale_version"), sv, 40));
        }
        v.finish(|| self)
    }

    pub fn dimension_index(&self, code: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d.code == code)
    }

    pub fn item_index(&self, code: &str) -> Option<usize> {
        self.items.iter().position(|i| i.code == code)
    }

    /// The dimension of each item, by position.
    pub fn item_dimensions(&self) -> Vec<usize> {
        self.items
            .iter()
            .map(|i| self.dimension_index(&i.dimension).unwrap_or(0))
            .collect()
    }

    /// Expectation/perception pairs in the order of their perception items.
    pub fn pairs(&self) -> Vec<ItemPair> {
        let mut out = Vec::new();
        for (p, item) in self.items.iter().enumerate() {
            if item.section != Section::Perception {
                continue;
            }
            let Some(key) = &item.pair else { continue };
            if let Some(e) = self.items.iter().position(|o| {
                o.section == Section::Expectation && o.pair.as_deref() == Some(key.as_str())
            }) {
                out.push(ItemPair {
                    expectation: e,
                    perception: p,
                    dimension: self.dimension_index(&item.dimension).unwrap_or(0),
                });
            }
        }
        out
    }

    /// Checks one respondent's answers. `answers` maps item codes to values (`null`: skipped);
    /// `importance` maps dimension codes to points. Errors are named `{prefix}answers.{code}`
    /// and `{prefix}importance.{code}`.
    pub fn parse_answers(
        &self,
        prefix: &str,
        answers: &BTreeMap<String, Option<i64>>,
        importance: Option<&BTreeMap<String, i64>>,
    ) -> Result<Answers, Vec<FieldError>> {
        let mut v = Validation::new();
        let mut values = vec![None; self.items.len()];
        // Hot on imports and batches: the field name is built only for an error.
        let field = |code: &str| format!("{prefix}answers.{code}");
        for (code, value) in answers {
            let Some(i) = self.item_index(code) else {
                v.push(FieldError::new(
                    field(code),
                    "unknown",
                    "names no item of this instrument",
                ));
                continue;
            };
            if let Some(value) = *value {
                if self.scale.contains(value) {
                    values[i] = Some(value as i32);
                } else {
                    v.push(FieldError::new(
                        field(code),
                        "out_of_range",
                        format!("must be between {} and {}", self.scale.min, self.scale.max),
                    ));
                }
            }
        }
        if v.is_empty() && values.iter().all(Option::is_none) {
            v.push(FieldError::new(
                format!("{prefix}answers"),
                "required",
                "answer at least one item",
            ));
        }
        let importance = match importance {
            None => None,
            Some(_) if !self.importance => {
                v.push(FieldError::new(
                    format!("{prefix}importance"),
                    "unknown",
                    "this instrument asks no importance allocation",
                ));
                None
            }
            Some(points) => self.parse_importance(prefix, points, &mut v),
        };
        v.finish(|| Answers { values, importance })
    }

    fn parse_importance(
        &self,
        prefix: &str,
        points: &BTreeMap<String, i64>,
        v: &mut Validation,
    ) -> Option<Vec<i32>> {
        let mut out = vec![None; self.dimensions.len()];
        let mut ok = true;
        for (code, &value) in points {
            let field = format!("{prefix}importance.{code}");
            match self.dimension_index(code) {
                None => {
                    v.push(FieldError::new(field, "unknown", "names no dimension"));
                    ok = false;
                }
                Some(_) if !(0..=i64::from(IMPORTANCE_TOTAL)).contains(&value) => {
                    v.push(FieldError::new(
                        field,
                        "out_of_range",
                        format!("must be between 0 and {IMPORTANCE_TOTAL}"),
                    ));
                    ok = false;
                }
                Some(d) => out[d] = Some(value as i32),
            }
        }
        if !ok {
            return None;
        }
        let missing: Vec<&str> = self
            .dimensions
            .iter()
            .zip(&out)
            .filter(|(_, p)| p.is_none())
            .map(|(d, _)| d.code.as_str())
            .collect();
        if !missing.is_empty() {
            v.push(FieldError::new(
                format!("{prefix}importance"),
                "required",
                format!(
                    "give points to every dimension; missing: {}",
                    missing.join(", ")
                ),
            ));
            return None;
        }
        let out: Vec<i32> = out.into_iter().flatten().collect();
        let total: i32 = out.iter().sum();
        if total != IMPORTANCE_TOTAL {
            v.push(FieldError::new(
                format!("{prefix}importance"),
                "invalid_total",
                format!("the points must add up to {IMPORTANCE_TOTAL}, not {total}"),
            ));
            return None;
        }
        Some(out)
    }
}

/// One respondent's checked answers, aligned with the instrument's items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// By item position; `None` where the respondent skipped the item.
    pub values: Vec<Option<i32>>,
    /// Points per dimension (adding up to 100), when the respondent gave them.
    pub importance: Option<Vec<i32>>,
}

impl Answers {
    /// The answers keyed by item code again, for storage and the API.
    pub fn to_map(&self, def: &InstrumentDef) -> BTreeMap<String, Option<i64>> {
        def.items
            .iter()
            .zip(&self.values)
            .map(|(item, v)| (item.code.clone(), v.map(i64::from)))
            .collect()
    }
    pub fn importance_map(&self, def: &InstrumentDef) -> Option<BTreeMap<String, i64>> {
        self.importance.as_ref().map(|points| {
            def.dimensions
                .iter()
                .zip(points)
                .map(|(d, p)| (d.code.clone(), i64::from(*p)))
                .collect()
        })
    }
}

/// When a survey answer opens a recovery case by itself (source `survey`): a low score on a
/// single item, or a SERVQUAL dimension perceived far below what was expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryRule {
    /// Opens a case when a single item is answered this badly or worse: at most this value
    /// when higher is better (CSAT 2, NPS 6 for detractors), at least it when lower is better.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 2)]
    pub score_threshold: Option<i32>,
    /// Opens a case when, in any dimension, perception minus expectation averages this far
    /// below zero or further over the pairs answered (2.0 opens on a gap of −2.0 or worse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 2.0)]
    pub gap_threshold: Option<f64>,
    /// Failure category of the case opened.
    #[schema(example = "process.staff_attitude")]
    pub category: String,
    /// Severity of the case opened, 1 (critical) to 4 (low).
    #[schema(example = 3)]
    pub severity: u8,
}

impl RecoveryRule {
    /// Checks the rule against its instrument (the category is checked by storage).
    pub fn validate(self, prefix: &str, def: &InstrumentDef) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let f = |rest: &str| format!("{prefix}.{rest}");
        if self.score_threshold.is_none() && self.gap_threshold.is_none() {
            v.push(FieldError::new(
                prefix,
                "required",
                "give score_threshold, gap_threshold or both",
            ));
        }
        if let Some(t) = self.score_threshold {
            if !def.scale.contains(i64::from(t)) {
                v.push(FieldError::new(
                    f("score_threshold"),
                    "out_of_range",
                    format!("must lie on the scale {}–{}", def.scale.min, def.scale.max),
                ));
            }
            if !def.items.iter().any(|i| i.section == Section::Single) {
                v.push(FieldError::new(
                    f("score_threshold"),
                    "invalid_value",
                    "this instrument has no single items to score",
                ));
            }
        }
        if let Some(g) = self.gap_threshold {
            let range = f64::from(def.scale.max - def.scale.min);
            if !g.is_finite() || g <= 0.0 || g > range {
                v.push(FieldError::new(
                    f("gap_threshold"),
                    "out_of_range",
                    format!("must be above 0 and at most {range}"),
                ));
            }
            if def.pairs().is_empty() {
                v.push(FieldError::new(
                    f("gap_threshold"),
                    "invalid_value",
                    "this instrument pairs no expectation and perception items",
                ));
            }
        }
        if !(1..=4).contains(&self.severity) {
            v.push(FieldError::new(
                f("severity"),
                "out_of_range",
                "must be between 1 (critical) and 4 (low)",
            ));
        }
        v.finish(|| self)
    }

    /// Why these answers open a case, or `None` when they do not.
    pub fn triggered(&self, def: &InstrumentDef, answers: &Answers) -> Option<String> {
        if let Some(t) = self.score_threshold {
            for (item, value) in def.items.iter().zip(&answers.values) {
                let Some(value) = *value else { continue };
                let bad = if def.higher_is_better {
                    value <= t
                } else {
                    value >= t
                };
                if item.section == Section::Single && bad {
                    return Some(format!(
                        "`{}` was answered {value} (threshold {t})",
                        item.code
                    ));
                }
            }
        }
        if let Some(g) = self.gap_threshold {
            let mut sums = vec![(0i64, 0i64); def.dimensions.len()];
            for pair in def.pairs() {
                if let (Some(e), Some(p)) = (
                    answers.values[pair.expectation],
                    answers.values[pair.perception],
                ) {
                    sums[pair.dimension].0 += i64::from(p - e);
                    sums[pair.dimension].1 += 1;
                }
            }
            for (d, (sum, n)) in def.dimensions.iter().zip(sums) {
                if n > 0 && (sum as f64 / n as f64) <= -g {
                    return Some(format!(
                        "{} was perceived {:.2} points below expectation (threshold {g})",
                        d.code,
                        -(sum as f64 / n as f64)
                    ));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> LocalizedText {
        LocalizedText {
            ko: s.into(),
            en: s.into(),
        }
    }

    fn item(code: &str, dim: &str, section: Section, pair: Option<&str>) -> Item {
        Item {
            code: code.into(),
            dimension: dim.into(),
            section,
            pair: pair.map(Into::into),
            text: text(code),
            required: false,
        }
    }

    fn def() -> InstrumentDef {
        InstrumentDef {
            kind: InstrumentKind::Custom,
            scale: Scale { min: 1, max: 7 },
            anchors: None,
            dimensions: vec![
                Dimension {
                    code: "a".into(),
                    name: LocalizedName {
                        ko: "가".into(),
                        en: "A".into(),
                    },
                },
                Dimension {
                    code: "b".into(),
                    name: LocalizedName {
                        ko: "나".into(),
                        en: "B".into(),
                    },
                },
            ],
            items: vec![
                item("e1", "a", Section::Expectation, Some("q1")),
                item("p1", "a", Section::Perception, Some("q1")),
                item("s1", "b", Section::Single, None),
            ],
            importance: true,
            higher_is_better: true,
            scale_version: None,
        }
    }

    #[test]
    fn a_well_formed_instrument_passes_and_pairs_are_found() {
        let d = def().validate("definition").unwrap();
        assert_eq!(
            d.pairs(),
            [ItemPair {
                expectation: 0,
                perception: 1,
                dimension: 0
            }]
        );
    }

    #[test]
    fn a_pair_without_its_other_half_is_named() {
        let mut d = def();
        d.items[1].section = Section::Expectation;
        let errors = d.validate("definition").unwrap_err();
        assert!(errors.iter().any(|e| e.field == "definition.items[0].pair"));
    }

    #[test]
    fn an_item_of_an_unknown_dimension_is_named() {
        let mut d = def();
        d.items[2].dimension = "zzz".into();
        let errors = d.validate("definition").unwrap_err();
        assert_eq!(errors[0].field, "definition.items[2].dimension");
    }

    #[test]
    fn answers_out_of_range_or_unknown_are_named() {
        let d = def();
        let answers = BTreeMap::from([
            ("e1".to_owned(), Some(8)),
            ("x".to_owned(), Some(1)),
            ("p1".to_owned(), Some(3)),
        ]);
        let errors = d.parse_answers("", &answers, None).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.e1", "answers.x"]);
    }

    #[test]
    fn skipped_items_are_kept_as_missing() {
        let d = def();
        let answers = BTreeMap::from([("p1".to_owned(), Some(3)), ("s1".to_owned(), None)]);
        let a = d.parse_answers("", &answers, None).unwrap();
        assert_eq!(a.values, [None, Some(3), None]);
    }

    #[test]
    fn importance_must_cover_every_dimension_and_add_up_to_100() {
        let d = def();
        let answers = BTreeMap::from([("p1".to_owned(), Some(3))]);
        let short = BTreeMap::from([("a".to_owned(), 60), ("b".to_owned(), 30)]);
        let e = d.parse_answers("", &answers, Some(&short)).unwrap_err();
        assert_eq!(e[0].code, "invalid_total");
        let missing = BTreeMap::from([("a".to_owned(), 100)]);
        let e = d.parse_answers("", &answers, Some(&missing)).unwrap_err();
        assert_eq!(e[0].code, "required");
        let good = BTreeMap::from([("a".to_owned(), 70), ("b".to_owned(), 30)]);
        let a = d.parse_answers("", &answers, Some(&good)).unwrap();
        assert_eq!(a.importance, Some(vec![70, 30]));
    }

    #[test]
    fn nothing_answered_is_refused() {
        let d = def();
        let answers = BTreeMap::from([("p1".to_owned(), None)]);
        let e = d.parse_answers("r.", &answers, None).unwrap_err();
        assert_eq!(e[0].field, "r.answers");
    }

    #[test]
    fn a_low_single_score_or_a_wide_gap_opens_a_case() {
        let d = def();
        let rule = RecoveryRule {
            score_threshold: Some(2),
            gap_threshold: Some(2.0),
            category: "process.staff_attitude".into(),
            severity: 3,
        }
        .validate("rule", &d)
        .unwrap();
        let a = |e, p, s| Answers {
            values: vec![e, p, s],
            importance: None,
        };
        assert!(rule.triggered(&d, &a(Some(7), Some(6), Some(5))).is_none());
        assert!(rule.triggered(&d, &a(Some(7), Some(5), Some(3))).is_some());
        assert!(rule.triggered(&d, &a(Some(7), Some(6), Some(2))).is_some());
        let mut lower = d.clone();
        lower.higher_is_better = false;
        assert!(rule.triggered(&lower, &a(None, None, Some(2))).is_some());
        assert!(rule.triggered(&lower, &a(None, None, Some(1))).is_none());
    }

    #[test]
    fn a_rule_without_a_threshold_or_off_the_scale_is_refused() {
        let d = def();
        let e = RecoveryRule {
            score_threshold: Some(9),
            gap_threshold: None,
            category: "x".into(),
            severity: 5,
        }
        .validate("rule", &d)
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rule.score_threshold", "rule.severity"]);
    }
}
