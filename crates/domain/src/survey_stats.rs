//! Survey reports from additive sufficient statistics.
//!
//! Reports never rescan raw responses. For every (instrument, touchpoint, day, tier) group the
//! store keeps one [`SurveyStats`]: a flat vector of integer counters, updated with
//! [`SurveyStats::add`] as each response is written. A report merges the groups its filter
//! selects ([`SurveyStats::merge`], an element-wise sum) and computes every figure from the
//! merged counters with [`report`] or, for trend points, the cheaper [`headline`].
//!
//! All answers are integers, so every counter is an exact integer (`i64` in storage). Variances,
//! covariances and correlations are computed from exact integer numerators in `i128`
//! (`n·Σxy − Σx·Σy`), so merging in any order gives bit-identical statistics and the figures
//! carry no cancellation error; only the final divisions and square roots round.
//!
//! Anything undefined (a mean of nothing, a standard deviation of one answer, an alpha of a
//! group without variance, …) is `None`, serialized as `null`; a report never holds NaN, an
//! infinity, or a stand-in number.
//!
//! # Counter layout
//!
//! [`StatsLayout::new`] derives the positions from the instrument; blocks follow each other in
//! this order, each starting where the previous one ends:
//!
//! 1. `[0]`: respondents (every added response counts, whatever it answered).
//! 2. One block per item, in the order of `def.items`: `n` (respondents who answered it), `Σx`,
//!    `Σx²`, then, when `def.scale.has_histogram()`, one count per scale value from `min` to
//!    `max`.
//! 3. One block per reliability group: a (dimension, section) with at least one item, ordered
//!    by dimension (as in `def.dimensions`), then section (expectation, perception, single);
//!    its `k` items keep their order in `def.items`. The block holds `n` (complete cases:
//!    respondents who answered *all* `k` items of the group — listwise per group), the `k`
//!    sums `Σxⱼ` over those complete cases, then the upper triangle of the cross-product
//!    matrix including the squares, row by row: `Σx₀x₀, Σx₀x₁, …, Σx₀xₖ₋₁, Σx₁x₁, …, Σxₖ₋₁xₖ₋₁`
//!    (`k(k+1)/2` counters).
//! 4. One block per expectation/perception pair, in the order of [`InstrumentDef::pairs`]:
//!    `n` (answered both), `ΣE`, `ΣP` and `Σ(P−E)²` over those respondents; `Σ(P−E)` is
//!    `ΣP − ΣE`.
//! 5. When `def.importance`: `n` (respondents who gave an allocation), then per dimension `Σ
//!    points` and `Σ points²`.
//!
//! [`SurveyStats::to_bytes`] stores the counters as little-endian `i64`s behind a 12-byte
//! header: the magic `RPSS`, the format version and the number of counters (both `u32`).
//! Instruments are not reshaped once answered, so the counter count is the layout check.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use crate::survey::{Answers, InstrumentDef, InstrumentKind, ItemPair, Scale, Section};
use crate::text::LocalizedName;

const MAGIC: [u8; 4] = *b"RPSS";
const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 4 + 4 + 4;
/// Order of the reliability groups within a dimension.
const GROUP_SECTIONS: [Section; 3] = [Section::Expectation, Section::Perception, Section::Single];
/// Counters per item besides the histogram: n, Σx, Σx².
const ITEM_MOMENTS: usize = 3;
/// Counters per pair: n, ΣE, ΣP, Σ(P−E)².
const PAIR_WIDTH: usize = 4;

/// Where each counter of an instrument's [`SurveyStats`] lives; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsLayout {
    len: usize,
    scale: Scale,
    histogram: bool,
    /// Offset of each item's block, by item position.
    items: Vec<usize>,
    groups: Vec<GroupSlot>,
    pairs: Vec<PairSlot>,
    importance: Option<ImportanceSlot>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupSlot {
    dimension: usize,
    section: Section,
    /// Item positions of the group's members.
    items: Vec<usize>,
    offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PairSlot {
    pair: ItemPair,
    offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ImportanceSlot {
    dimensions: usize,
    offset: usize,
}

/// Position of `(j, l)` in a row-major upper triangle of a `k × k` matrix.
fn triangle_index(k: usize, j: usize, l: usize) -> usize {
    let (j, l) = if j <= l { (j, l) } else { (l, j) };
    j * k - j * j.saturating_sub(1) / 2 + (l - j)
}

impl StatsLayout {
    pub fn new(def: &InstrumentDef) -> Self {
        let histogram = def.scale.has_histogram();
        let item_width = ITEM_MOMENTS + if histogram { def.scale.points() } else { 0 };
        let mut offset = 1;
        let mut items = Vec::with_capacity(def.items.len());
        for _ in &def.items {
            items.push(offset);
            offset += item_width;
        }
        let item_dims = def.item_dimensions();
        let mut groups = Vec::new();
        for d in 0..def.dimensions.len() {
            for section in GROUP_SECTIONS {
                let members: Vec<usize> = (0..def.items.len())
                    .filter(|&i| item_dims[i] == d && def.items[i].section == section)
                    .collect();
                if members.is_empty() {
                    continue;
                }
                let k = members.len();
                groups.push(GroupSlot {
                    dimension: d,
                    section,
                    items: members,
                    offset,
                });
                offset += 1 + k + k * (k + 1) / 2;
            }
        }
        let mut pairs = Vec::new();
        for pair in def.pairs() {
            pairs.push(PairSlot { pair, offset });
            offset += PAIR_WIDTH;
        }
        let importance = def.importance.then(|| {
            let slot = ImportanceSlot {
                dimensions: def.dimensions.len(),
                offset,
            };
            offset += 1 + 2 * slot.dimensions;
            slot
        });

        Self {
            len: offset,
            scale: def.scale,
            histogram,
            items,
            groups,
            pairs,
            importance,
        }
    }

    /// The number of counters.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true: there is always the respondent counter.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn points(&self) -> usize {
        if self.histogram {
            self.scale.points()
        } else {
            0
        }
    }
}

/// The additive statistics of a set of responses to one instrument: flat counters in the
/// order of its [`StatsLayout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyStats(Vec<i64>);

impl SurveyStats {
    /// No responses.
    pub fn empty(layout: &StatsLayout) -> Self {
        Self(vec![0; layout.len])
    }

    /// The counters, in layout order.
    pub fn counters(&self) -> &[i64] {
        &self.0
    }

    /// Counts one response. Values outside the instrument's scale (which checked answers never
    /// hold) are treated as not answered, and an importance allocation that does not cover
    /// every dimension is ignored.
    ///
    /// # Panics
    /// When the statistics were not made for `layout` (a different counter count).
    pub fn add(&mut self, layout: &StatsLayout, answers: &Answers) {
        assert_eq!(
            self.0.len(),
            layout.len,
            "survey statistics of a different layout"
        );
        let values: Vec<Option<i64>> = (0..layout.items.len())
            .map(|i| {
                answers
                    .values
                    .get(i)
                    .copied()
                    .flatten()
                    .map(i64::from)
                    .filter(|&x| layout.scale.contains(x))
            })
            .collect();
        let v = &mut self.0;
        v[0] += 1;
        let min = i64::from(layout.scale.min);
        for (&o, x) in layout.items.iter().zip(&values) {
            let Some(x) = *x else { continue };
            v[o] += 1;
            v[o + 1] += x;
            v[o + 2] += x * x;
            if layout.histogram {
                v[o + ITEM_MOMENTS + (x - min) as usize] += 1;
            }
        }
        for g in &layout.groups {
            if !g.items.iter().all(|&i| values[i].is_some()) {
                continue;
            }
            let k = g.items.len();
            let x = |j: usize| values[g.items[j]].unwrap_or(0);
            v[g.offset] += 1;
            let mut t = g.offset + 1;
            for j in 0..k {
                v[t] += x(j);
                t += 1;
            }
            for j in 0..k {
                for l in j..k {
                    v[t] += x(j) * x(l);
                    t += 1;
                }
            }
        }
        for p in &layout.pairs {
            let (Some(e), Some(q)) = (values[p.pair.expectation], values[p.pair.perception]) else {
                continue;
            };
            let o = p.offset;
            v[o] += 1;
            v[o + 1] += e;
            v[o + 2] += q;
            v[o + 3] += (q - e) * (q - e);
        }
        if let (Some(slot), Some(points)) = (layout.importance, &answers.importance)
            && points.len() == slot.dimensions
        {
            let o = slot.offset;
            v[o] += 1;
            for (d, &p) in points.iter().enumerate() {
                let p = i64::from(p);
                v[o + 1 + 2 * d] += p;
                v[o + 2 + 2 * d] += p * p;
            }
        }
    }

    /// Adds the counters of `other` (statistics of the same instrument), as if its responses
    /// had been added here.
    ///
    /// # Panics
    /// When the two were kept for differently shaped instruments.
    pub fn merge(&mut self, other: &SurveyStats) {
        assert_eq!(
            self.0.len(),
            other.0.len(),
            "merging survey statistics of different layouts"
        );
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }

    pub fn respondents(&self) -> i64 {
        self.0.first().copied().unwrap_or(0)
    }

    /// The compact binary form stored as BLOB/BYTEA: a 12-byte header (the magic `RPSS`, the
    /// format version and the number of counters, both `u32`) and the counters as
    /// little-endian `i64`s.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 8 * self.0.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.0.len() as u32).to_le_bytes());
        for c in &self.0 {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out
    }

    /// Reads statistics written by [`SurveyStats::to_bytes`] for the instrument of `layout`;
    /// refuses a foreign or damaged blob (wrong magic, format version, counter count or
    /// length).
    pub fn from_bytes(layout: &StatsLayout, bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < HEADER_LEN {
            return Err(format!(
                "survey statistics: {} bytes are too short for the {HEADER_LEN}-byte header",
                bytes.len()
            ));
        }
        if bytes[0..4] != MAGIC {
            return Err("survey statistics: not a statistics blob (wrong magic)".into());
        }
        let version = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION {
            return Err(format!(
                "survey statistics: format version {version} is not {FORMAT_VERSION}"
            ));
        }
        let count = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        if count != layout.len {
            return Err(format!(
                "survey statistics: {count} counters, the questionnaire needs {}",
                layout.len
            ));
        }
        let body = &bytes[HEADER_LEN..];
        if body.len() != 8 * count {
            return Err(format!(
                "survey statistics: {} bytes of counters, expected {}",
                body.len(),
                8 * count
            ));
        }
        Ok(Self(
            body.chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Report types
// ---------------------------------------------------------------------------------------------

/// Everything a survey report shows, computed from merged [`SurveyStats`].
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstrumentReport {
    pub kind: InstrumentKind,
    pub respondents: i64,
    pub items: Vec<ItemReport>,
    /// Expectation/perception pairs, in the order of their perception items.
    pub pairs: Vec<PairReport>,
    pub dimensions: Vec<DimensionReport>,
    /// When the instrument pairs expectation and perception items.
    pub servqual: Option<ServqualScore>,
    /// When the instrument asks an importance allocation.
    pub grid: Option<ImportanceGrid>,
    /// For CSAT, NPS and effort instruments.
    pub satisfaction: Option<Satisfaction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HistogramBin {
    pub value: i32,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemReport {
    pub code: String,
    pub dimension: String,
    pub section: Section,
    /// Respondents who answered the item.
    pub n: i64,
    /// Respondents who skipped it.
    pub missing: i64,
    pub mean: Option<f64>,
    /// Sample standard deviation (divisor n − 1); `null` below two answers.
    pub sd: Option<f64>,
    /// Answers per scale value, when the scale has at most 11 points.
    pub histogram: Option<Vec<HistogramBin>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PairReport {
    pub key: String,
    pub dimension: String,
    pub expectation_item: String,
    pub perception_item: String,
    /// Respondents who answered both items; the figures below are over them.
    pub n: i64,
    pub expectation: Option<f64>,
    pub perception: Option<f64>,
    /// Mean of P − E.
    pub gap: Option<f64>,
    /// Sample standard deviation of P − E.
    pub gap_sd: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DimensionReport {
    pub code: String,
    pub name: LocalizedName,
    /// Mean of the dimension's expectation item means (items nobody answered left out).
    pub expectation: Option<f64>,
    /// Mean of the dimension's perception item means; for a dimension without perception
    /// items (a single-section instrument), the mean of its single item means.
    pub perception: Option<f64>,
    /// Mean of the dimension's pair gaps.
    pub gap: Option<f64>,
    /// Mean importance points (of 100), over respondents who gave an allocation.
    pub importance: Option<f64>,
    /// Sample standard deviation of the importance points.
    pub importance_sd: Option<f64>,
    /// One entry per section of the dimension.
    pub reliability: Vec<Reliability>,
}

/// Why Cronbach's alpha could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlphaUndefined {
    /// The group has a single item.
    TooFewItems,
    /// Fewer than two respondents answered every item of the group.
    TooFewCompleteCases,
    /// The sum of the items is the same for every complete case.
    NoTotalVariance,
}

/// Internal consistency of one (dimension, section) group of items, over its complete cases
/// (respondents who answered every item of the group).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reliability {
    pub section: Section,
    /// Items in the group.
    pub k: usize,
    /// Complete cases.
    pub n: i64,
    /// Respondents left out for skipping at least one item of the group.
    pub left_out: i64,
    /// Cronbach's alpha from the covariance matrix: k/(k−1)·(1 − Σσᵢ²/σ²_total).
    pub alpha_raw: Option<f64>,
    /// Standardized alpha k·r̄/(1 + (k−1)·r̄), r̄ the mean inter-item correlation; `null` when
    /// an item is constant.
    pub alpha_standardized: Option<f64>,
    /// Set exactly when `alpha_raw` is `null`: why.
    pub alpha_undefined: Option<AlphaUndefined>,
    /// 95 % interval of alpha by Feldt: `[1 − (1−α)·F⁻¹(0.975; n−1, (n−1)(k−1)),
    /// 1 − (1−α)·F⁻¹(0.025; n−1, (n−1)(k−1))]`.
    pub ci95: Option<[f64; 2]>,
    /// Corrected item–total correlations: each item against the sum of the other items.
    pub item_total: Vec<ItemTotal>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemTotal {
    pub item: String,
    /// `null` when the item or the sum of the others is constant, or k < 2.
    pub r: Option<f64>,
}

/// The SERVQUAL score: overall gap P − E.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServqualScore {
    /// Mean of the dimension gaps (dimensions without a gap left out).
    pub unweighted: Option<f64>,
    /// Σ_d (importance_d / 100) · gap_d, where importance_d is the *sample's mean allocation*
    /// to the dimension (so the weights add up to 1). `null` unless at least one respondent
    /// gave an allocation and every dimension has a gap.
    pub weighted: Option<f64>,
    pub respondents_with_importance: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    /// Important and performing below the mean.
    ConcentrateHere,
    /// Important and performing at or above the mean.
    KeepUp,
    /// Less important, performing below the mean.
    LowPriority,
    /// Less important, performing at or above the mean.
    PossibleOverkill,
}

/// The importance–performance grid: each dimension against the means across dimensions.
/// Ties at a mean count as high.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportanceGrid {
    pub mean_importance: Option<f64>,
    pub mean_performance: Option<f64>,
    pub points: Vec<GridPoint>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridPoint {
    pub dimension: String,
    /// Mean importance points.
    pub importance: Option<f64>,
    /// The dimension's perception.
    pub performance: Option<f64>,
    pub quadrant: Option<Quadrant>,
}

/// Headline figures of a transactional instrument.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Satisfaction {
    Csat(CsatFigures),
    Nps(NpsFigures),
    Effort(EffortFigures),
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CsatFigures {
    pub n: i64,
    /// Answers of 4 or 5.
    pub satisfied: i64,
    pub share_satisfied: Option<f64>,
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NpsFigures {
    pub n: i64,
    /// Answers of 9–10.
    pub promoters: i64,
    /// Answers of 7–8.
    pub passives: i64,
    /// Answers of 0–6.
    pub detractors: i64,
    /// 100 · (promoters − detractors) / n.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EffortFigures {
    pub n: i64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub scale_version: Option<String>,
    pub higher_is_better: bool,
    /// Share of answers on the two best scale points (the top two when higher is better,
    /// the bottom two otherwise); `null` for a scale without a histogram.
    pub top2_share: Option<f64>,
}

/// The small set of figures a trend point shows.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Headline {
    pub respondents: i64,
    pub servqual_unweighted: Option<f64>,
    pub servqual_weighted: Option<f64>,
    /// Per dimension, for instruments with pairs.
    pub dimension_gaps: Vec<DimensionGap>,
    pub csat_share: Option<f64>,
    pub csat_mean: Option<f64>,
    pub nps_score: Option<f64>,
    pub effort_mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DimensionGap {
    pub dimension: String,
    pub gap: Option<f64>,
}

// ---------------------------------------------------------------------------------------------
// Computation
// ---------------------------------------------------------------------------------------------

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den != 0).then(|| num as f64 / den as f64)
}

/// Sample standard deviation from n, Σx, Σx².
fn sample_sd(n: i64, sum: i64, sum_sq: i64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let num = i128::from(n) * i128::from(sum_sq) - i128::from(sum) * i128::from(sum);
    Some((num.max(0) as f64 / (n as f64 * (n - 1) as f64)).sqrt())
}

fn mean_of(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let (sum, count) = values
        .into_iter()
        .flatten()
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}

/// The figures shared by [`report`] and [`headline`] (everything but reliability).
struct Core<'a> {
    def: &'a InstrumentDef,
    layout: StatsLayout,
    counters: Vec<i64>,
}

impl<'a> Core<'a> {
    fn new(def: &'a InstrumentDef, stats: &SurveyStats) -> Self {
        let layout = StatsLayout::new(def);
        debug_assert_eq!(stats.0.len(), layout.len, "statistics of another layout");
        // Statistics of another layout cannot be read; they count as no responses.
        let counters = if stats.0.len() == layout.len {
            stats.0.clone()
        } else {
            vec![0; layout.len]
        };
        Self {
            def,
            layout,
            counters,
        }
    }

    fn respondents(&self) -> i64 {
        self.counters[0]
    }

    /// n, Σx, Σx² of an item.
    fn item_moments(&self, i: usize) -> (i64, i64, i64) {
        let o = self.layout.items[i];
        (self.counters[o], self.counters[o + 1], self.counters[o + 2])
    }

    fn item_mean(&self, i: usize) -> Option<f64> {
        let (n, s, _) = self.item_moments(i);
        ratio(s, n)
    }

    fn histogram(&self, i: usize) -> Option<&[i64]> {
        let o = self.layout.items[i] + ITEM_MOMENTS;
        self.layout
            .histogram
            .then(|| &self.counters[o..o + self.layout.points()])
    }

    /// Count of answers of item `i` with a value in `range`.
    fn count_between(&self, i: usize, low: i32, high: i32) -> Option<i64> {
        let hist = self.histogram(i)?;
        let min = self.layout.scale.min;
        Some(
            hist.iter()
                .enumerate()
                .filter(|&(j, _)| (low..=high).contains(&(min + j as i32)))
                .map(|(_, &c)| c)
                .sum(),
        )
    }

    fn pair(&self, p: &PairSlot) -> PairFigures {
        let o = p.offset;
        let c = &self.counters;
        let (n, se, sp, sdd) = (c[o], c[o + 1], c[o + 2], c[o + 3]);
        PairFigures {
            n,
            expectation: ratio(se, n),
            perception: ratio(sp, n),
            gap: ratio(sp - se, n),
            gap_sd: sample_sd(n, sp - se, sdd),
        }
    }

    fn importance_n(&self) -> i64 {
        self.layout
            .importance
            .map_or(0, |slot| self.counters[slot.offset])
    }

    /// Σ points for dimension `d`.
    fn importance_sum(&self, d: usize) -> Option<i64> {
        self.layout
            .importance
            .map(|slot| self.counters[slot.offset + 1 + 2 * d])
    }

    fn importance(&self, d: usize) -> (Option<f64>, Option<f64>) {
        let Some(slot) = self.layout.importance else {
            return (None, None);
        };
        let o = slot.offset;
        let n = self.counters[o];
        let (s, q) = (self.counters[o + 1 + 2 * d], self.counters[o + 2 + 2 * d]);
        (ratio(s, n), sample_sd(n, s, q))
    }

    fn dimension(&self, d: usize) -> DimensionFigures {
        let dims = self.def.item_dimensions();
        let means_of = |section: Section| -> Vec<Option<f64>> {
            (0..self.def.items.len())
                .filter(|&i| dims[i] == d && self.def.items[i].section == section)
                .map(|i| self.item_mean(i))
                .collect()
        };
        let expectation = mean_of(means_of(Section::Expectation));
        let perception_items = means_of(Section::Perception);
        let perception = if perception_items.is_empty() {
            mean_of(means_of(Section::Single))
        } else {
            mean_of(perception_items)
        };
        let gap = mean_of(
            self.layout
                .pairs
                .iter()
                .filter(|p| p.pair.dimension == d)
                .map(|p| self.pair(p).gap),
        );
        let (importance, importance_sd) = self.importance(d);
        DimensionFigures {
            expectation,
            perception,
            gap,
            importance,
            importance_sd,
        }
    }

    fn servqual(&self, dims: &[DimensionFigures]) -> Option<ServqualScore> {
        if self.layout.pairs.is_empty() {
            return None;
        }
        let unweighted = mean_of(dims.iter().map(|d| d.gap));
        let n_imp = self.importance_n();
        let weighted = if n_imp > 0 && dims.iter().all(|d| d.gap.is_some()) {
            dims.iter()
                .map(|d| Some(d.importance? / 100.0 * d.gap?))
                .sum::<Option<f64>>()
        } else {
            None
        };
        Some(ServqualScore {
            unweighted,
            weighted,
            respondents_with_importance: n_imp,
        })
    }

    fn grid(&self, dims: &[DimensionFigures]) -> Option<ImportanceGrid> {
        let slot = self.layout.importance?;
        let n_imp = self.counters[slot.offset];
        let total: i128 = (0..slot.dimensions)
            .map(|d| i128::from(self.importance_sum(d).unwrap_or(0)))
            .sum();
        let mean_importance =
            (n_imp > 0).then(|| total as f64 / (n_imp as f64 * slot.dimensions as f64));
        let mean_performance = mean_of(dims.iter().map(|d| d.perception));
        let points = dims
            .iter()
            .enumerate()
            .map(|(d, fig)| {
                let quadrant = match (fig.importance, fig.perception, mean_performance) {
                    (Some(_), Some(perf), Some(mean_perf)) => {
                        // Importance against its mean exactly: Σp_d/n ≥ Σp/(n·D).
                        let high_importance = i128::from(self.importance_sum(d).unwrap_or(0))
                            * slot.dimensions as i128
                            >= total;
                        // Performance is a mean of means; a relative tolerance of 1e-12
                        // keeps a rounding difference from splitting a tie.
                        let high_performance = perf >= mean_perf - 1e-12 * mean_perf.abs().max(1.0);
                        Some(match (high_importance, high_performance) {
                            (true, false) => Quadrant::ConcentrateHere,
                            (true, true) => Quadrant::KeepUp,
                            (false, false) => Quadrant::LowPriority,
                            (false, true) => Quadrant::PossibleOverkill,
                        })
                    }
                    _ => None,
                };
                GridPoint {
                    dimension: self.def.dimensions[d].code.clone(),
                    importance: fig.importance,
                    performance: fig.perception,
                    quadrant,
                }
            })
            .collect();
        Some(ImportanceGrid {
            mean_importance,
            mean_performance,
            points,
        })
    }

    fn satisfaction(&self) -> Option<Satisfaction> {
        if self.def.items.is_empty() {
            return None;
        }
        let (n, sum, sum_sq) = self.item_moments(0);
        match self.def.kind {
            InstrumentKind::Csat => {
                let satisfied = self.count_between(0, 4, 5)?;
                Some(Satisfaction::Csat(CsatFigures {
                    n,
                    satisfied,
                    share_satisfied: ratio(satisfied, n),
                    mean: ratio(sum, n),
                }))
            }
            InstrumentKind::Nps => {
                let promoters = self.count_between(0, 9, 10)?;
                let passives = self.count_between(0, 7, 8)?;
                let detractors = self.count_between(0, 0, 6)?;
                Some(Satisfaction::Nps(NpsFigures {
                    n,
                    promoters,
                    passives,
                    detractors,
                    score: ratio(100 * (promoters - detractors), n),
                }))
            }
            InstrumentKind::Effort => {
                let Scale { min, max } = self.layout.scale;
                let best = if self.def.higher_is_better {
                    self.count_between(0, max - 1, max)
                } else {
                    self.count_between(0, min, min + 1)
                };
                Some(Satisfaction::Effort(EffortFigures {
                    n,
                    mean: ratio(sum, n),
                    sd: sample_sd(n, sum, sum_sq),
                    scale_version: self.def.scale_version.clone(),
                    higher_is_better: self.def.higher_is_better,
                    top2_share: best.and_then(|b| ratio(b, n)),
                }))
            }
            InstrumentKind::Servqual | InstrumentKind::Custom => None,
        }
    }

    fn reliability(&self, g: &GroupSlot) -> Reliability {
        let k = g.items.len();
        let c = &self.counters;
        let n = c[g.offset];
        let sums = &c[g.offset + 1..g.offset + 1 + k];
        let products = &c[g.offset + 1 + k..g.offset + 1 + k + k * (k + 1) / 2];
        // Covariance numerators n·Σxⱼxₗ − Σxⱼ·Σxₗ (the covariance times n(n−1)), exact.
        let cov = |j: usize, l: usize| -> i128 {
            i128::from(n) * i128::from(products[triangle_index(k, j, l)])
                - i128::from(sums[j]) * i128::from(sums[l])
        };
        let matrix: Vec<i128> = (0..k * k).map(|t| cov(t / k, t % k)).collect();
        let at = |j: usize, l: usize| matrix[j * k + l];
        let trace: i128 = (0..k).map(|j| at(j, j)).sum();
        let total: i128 = matrix.iter().sum();
        let enough = k >= 2 && n >= 2;

        let alpha_undefined = if k < 2 {
            Some(AlphaUndefined::TooFewItems)
        } else if n < 2 {
            Some(AlphaUndefined::TooFewCompleteCases)
        } else if total <= 0 {
            Some(AlphaUndefined::NoTotalVariance)
        } else {
            None
        };
        let alpha_raw = alpha_undefined
            .is_none()
            .then(|| k as f64 / (k - 1) as f64 * ((total - trace) as f64 / total as f64));

        let alpha_standardized = if enough && (0..k).all(|j| at(j, j) > 0) {
            let mut sum_r = 0.0;
            for j in 0..k {
                for l in j + 1..k {
                    sum_r += at(j, l) as f64 / (at(j, j) as f64 * at(l, l) as f64).sqrt();
                }
            }
            let r_bar = sum_r / (k * (k - 1) / 2) as f64;
            let denominator = 1.0 + (k - 1) as f64 * r_bar;
            (denominator.abs() > 1e-12).then(|| k as f64 * r_bar / denominator)
        } else {
            None
        };

        let ci95 = alpha_raw.and_then(|alpha| {
            let df1 = (n - 1) as f64;
            let df2 = df1 * (k - 1) as f64;
            let f = FisherSnedecor::new(df1, df2).ok()?;
            let lower = 1.0 - (1.0 - alpha) * f.inverse_cdf(0.975);
            let upper = 1.0 - (1.0 - alpha) * f.inverse_cdf(0.025);
            (lower.is_finite() && upper.is_finite()).then_some([lower, upper])
        });

        let item_total = g
            .items
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let r = if enough {
                    let row: i128 = (0..k).map(|l| at(j, l)).sum();
                    let covariance = row - at(j, j);
                    let rest_variance = total - 2 * row + at(j, j);
                    (at(j, j) > 0 && rest_variance > 0).then(|| {
                        covariance as f64 / (at(j, j) as f64 * rest_variance as f64).sqrt()
                    })
                } else {
                    None
                };
                ItemTotal {
                    item: self.def.items[i].code.clone(),
                    r,
                }
            })
            .collect();

        Reliability {
            section: g.section,
            k,
            n,
            left_out: self.respondents() - n,
            alpha_raw,
            alpha_standardized,
            alpha_undefined,
            ci95,
            item_total,
        }
    }
}

struct PairFigures {
    n: i64,
    expectation: Option<f64>,
    perception: Option<f64>,
    gap: Option<f64>,
    gap_sd: Option<f64>,
}

struct DimensionFigures {
    expectation: Option<f64>,
    perception: Option<f64>,
    gap: Option<f64>,
    importance: Option<f64>,
    importance_sd: Option<f64>,
}

/// The full report of merged statistics. `stats` must have been kept for `def`'s layout;
/// statistics of another layout read as no responses.
pub fn report(def: &InstrumentDef, stats: &SurveyStats) -> InstrumentReport {
    let core = Core::new(def, stats);
    let respondents = core.respondents();
    let items = def
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (n, sum, sum_sq) = core.item_moments(i);
            ItemReport {
                code: item.code.clone(),
                dimension: item.dimension.clone(),
                section: item.section,
                n,
                missing: respondents - n,
                mean: ratio(sum, n),
                sd: sample_sd(n, sum, sum_sq),
                histogram: core.histogram(i).map(|h| {
                    h.iter()
                        .enumerate()
                        .map(|(j, &count)| HistogramBin {
                            value: def.scale.min + j as i32,
                            count,
                        })
                        .collect()
                }),
            }
        })
        .collect();
    let pairs = core
        .layout
        .pairs
        .iter()
        .map(|p| {
            let f = core.pair(p);
            let perception_item = &def.items[p.pair.perception];
            PairReport {
                key: perception_item.pair.clone().unwrap_or_default(),
                dimension: perception_item.dimension.clone(),
                expectation_item: def.items[p.pair.expectation].code.clone(),
                perception_item: perception_item.code.clone(),
                n: f.n,
                expectation: f.expectation,
                perception: f.perception,
                gap: f.gap,
                gap_sd: f.gap_sd,
            }
        })
        .collect();
    let figures: Vec<DimensionFigures> = (0..def.dimensions.len())
        .map(|d| core.dimension(d))
        .collect();
    let dimensions = def
        .dimensions
        .iter()
        .zip(&figures)
        .enumerate()
        .map(|(d, (dim, f))| DimensionReport {
            code: dim.code.clone(),
            name: dim.name.clone(),
            expectation: f.expectation,
            perception: f.perception,
            gap: f.gap,
            importance: f.importance,
            importance_sd: f.importance_sd,
            reliability: core
                .layout
                .groups
                .iter()
                .filter(|g| g.dimension == d)
                .map(|g| core.reliability(g))
                .collect(),
        })
        .collect();
    InstrumentReport {
        kind: def.kind,
        respondents,
        items,
        pairs,
        dimensions,
        servqual: core.servqual(&figures),
        grid: core.grid(&figures),
        satisfaction: core.satisfaction(),
    }
}

/// The headline figures of merged statistics, without the per-item and reliability work of
/// [`report`].
pub fn headline(def: &InstrumentDef, stats: &SurveyStats) -> Headline {
    let core = Core::new(def, stats);
    let with_pairs = !core.layout.pairs.is_empty();
    let figures: Vec<DimensionFigures> = if with_pairs {
        (0..def.dimensions.len())
            .map(|d| core.dimension(d))
            .collect()
    } else {
        Vec::new()
    };
    let servqual = core.servqual(&figures);
    let mut h = Headline {
        respondents: core.respondents(),
        servqual_unweighted: servqual.as_ref().and_then(|s| s.unweighted),
        servqual_weighted: servqual.as_ref().and_then(|s| s.weighted),
        dimension_gaps: def
            .dimensions
            .iter()
            .zip(&figures)
            .map(|(dim, f)| DimensionGap {
                dimension: dim.code.clone(),
                gap: f.gap,
            })
            .collect(),
        csat_share: None,
        csat_mean: None,
        nps_score: None,
        effort_mean: None,
    };
    match core.satisfaction() {
        Some(Satisfaction::Csat(c)) => {
            h.csat_share = c.share_satisfied;
            h.csat_mean = c.mean;
        }
        Some(Satisfaction::Nps(n)) => h.nps_score = n.score,
        Some(Satisfaction::Effort(e)) => h.effort_mean = e.mean,
        None => {}
    }
    h
}

/// The report in long format: one row per figure with the columns `scope, dimension, item,
/// measure, value`, after a header row. An undefined figure has an empty value.
///
/// Scopes: `instrument` (respondents, scale), `item`, `pair` (the item column holds the pair
/// key), `dimension`, `reliability_expectation` / `reliability_perception` /
/// `reliability_single` (group figures with an empty item column; corrected item–total
/// correlations with the item's code), `servqual`, `grid`, and `csat` / `nps` / `effort`.
pub fn report_csv(def: &InstrumentDef, report: &InstrumentReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |scope: &str, dimension: &str, item: &str, measure: &str, value: String| {
        w.write_record([scope, dimension, item, measure, value.as_str()])
            .expect("writing CSV to memory");
    };
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let int = |v: i64| v.to_string();

    row("scope", "dimension", "item", "measure", "value".into());
    row("instrument", "", "", "kind", def.kind.as_str().into());
    row("instrument", "", "", "scale_min", def.scale.min.to_string());
    row("instrument", "", "", "scale_max", def.scale.max.to_string());
    row("instrument", "", "", "respondents", int(report.respondents));
    for it in &report.items {
        let (d, c) = (it.dimension.as_str(), it.code.as_str());
        row("item", d, c, "n", int(it.n));
        row("item", d, c, "missing", int(it.missing));
        row("item", d, c, "mean", num(it.mean));
        row("item", d, c, "sd", num(it.sd));
        for bin in it.histogram.iter().flatten() {
            row(
                "item",
                d,
                c,
                &format!("count_{}", bin.value),
                int(bin.count),
            );
        }
    }
    for p in &report.pairs {
        let (d, k) = (p.dimension.as_str(), p.key.as_str());
        row("pair", d, k, "n", int(p.n));
        row("pair", d, k, "expectation", num(p.expectation));
        row("pair", d, k, "perception", num(p.perception));
        row("pair", d, k, "gap", num(p.gap));
        row("pair", d, k, "gap_sd", num(p.gap_sd));
    }
    for dim in &report.dimensions {
        let d = dim.code.as_str();
        row("dimension", d, "", "expectation", num(dim.expectation));
        row("dimension", d, "", "perception", num(dim.perception));
        row("dimension", d, "", "gap", num(dim.gap));
        row("dimension", d, "", "importance", num(dim.importance));
        row("dimension", d, "", "importance_sd", num(dim.importance_sd));
        for r in &dim.reliability {
            let scope = format!("reliability_{}", r.section.as_str());
            let s = scope.as_str();
            row(s, d, "", "k", r.k.to_string());
            row(s, d, "", "n", int(r.n));
            row(s, d, "", "left_out", int(r.left_out));
            row(s, d, "", "alpha_raw", num(r.alpha_raw));
            row(s, d, "", "alpha_standardized", num(r.alpha_standardized));
            let why = match r.alpha_undefined {
                None => "",
                Some(AlphaUndefined::TooFewItems) => "too_few_items",
                Some(AlphaUndefined::TooFewCompleteCases) => "too_few_complete_cases",
                Some(AlphaUndefined::NoTotalVariance) => "no_total_variance",
            };
            row(s, d, "", "alpha_undefined", why.into());
            row(s, d, "", "alpha_ci95_lower", num(r.ci95.map(|c| c[0])));
            row(s, d, "", "alpha_ci95_upper", num(r.ci95.map(|c| c[1])));
            for t in &r.item_total {
                row(s, d, &t.item, "corrected_item_total_r", num(t.r));
            }
        }
    }
    if let Some(s) = &report.servqual {
        row("servqual", "", "", "unweighted", num(s.unweighted));
        row("servqual", "", "", "weighted", num(s.weighted));
        row(
            "servqual",
            "",
            "",
            "respondents_with_importance",
            int(s.respondents_with_importance),
        );
    }
    if let Some(g) = &report.grid {
        row("grid", "", "", "mean_importance", num(g.mean_importance));
        row("grid", "", "", "mean_performance", num(g.mean_performance));
        for p in &g.points {
            let d = p.dimension.as_str();
            row("grid", d, "", "importance", num(p.importance));
            row("grid", d, "", "performance", num(p.performance));
            let quadrant = match p.quadrant {
                None => "",
                Some(Quadrant::ConcentrateHere) => "concentrate_here",
                Some(Quadrant::KeepUp) => "keep_up",
                Some(Quadrant::LowPriority) => "low_priority",
                Some(Quadrant::PossibleOverkill) => "possible_overkill",
            };
            row("grid", d, "", "quadrant", quadrant.into());
        }
    }
    match &report.satisfaction {
        Some(Satisfaction::Csat(c)) => {
            row("csat", "", "", "n", int(c.n));
            row("csat", "", "", "satisfied", int(c.satisfied));
            row("csat", "", "", "share_satisfied", num(c.share_satisfied));
            row("csat", "", "", "mean", num(c.mean));
        }
        Some(Satisfaction::Nps(n)) => {
            row("nps", "", "", "n", int(n.n));
            row("nps", "", "", "promoters", int(n.promoters));
            row("nps", "", "", "passives", int(n.passives));
            row("nps", "", "", "detractors", int(n.detractors));
            row("nps", "", "", "score", num(n.score));
        }
        Some(Satisfaction::Effort(e)) => {
            row("effort", "", "", "n", int(e.n));
            row("effort", "", "", "mean", num(e.mean));
            row("effort", "", "", "sd", num(e.sd));
            row(
                "effort",
                "",
                "",
                "scale_version",
                e.scale_version.clone().unwrap_or_default(),
            );
            row(
                "effort",
                "",
                "",
                "higher_is_better",
                e.higher_is_better.to_string(),
            );
            row("effort", "", "", "top2_share", num(e.top2_share));
        }
        None => {}
    }
    let bytes = w.into_inner().expect("flushing CSV to memory");
    String::from_utf8(bytes).expect("the CSV is built from strings")
}

#[cfg(test)]
mod tests {
    //! Expected values were produced independently of this module, from the raw responses,
    //! by `crates/domain/tests/reference/survey_stats_reference.py` (pingouin 0.7.0,
    //! pandas 3.1.1, scipy 1.17.1, numpy 2.4.6; alpha by `pingouin.cronbach_alpha`, the
    //! unrounded Feldt interval by `scipy.stats.f.isf`, correlations by pandas/numpy). The
    //! data sets below are written out identically in that script. The CSAT and NPS figures
    //! are computed by hand in the comments.

    use super::*;
    use crate::survey::{Dimension, Item, LocalizedText};
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    const TOL: f64 = 1e-9;

    #[track_caller]
    fn close(actual: Option<f64>, expected: Option<f64>, what: &str) {
        match (actual, expected) {
            (Some(a), Some(e)) => assert!((a - e).abs() <= TOL, "{what}: {a} != {e}"),
            (None, None) => {}
            _ => panic!("{what}: {actual:?}, expected {expected:?}"),
        }
    }

    fn text(s: &str) -> LocalizedText {
        LocalizedText {
            ko: s.into(),
            en: s.into(),
        }
    }

    fn dimension(code: &str) -> Dimension {
        Dimension {
            code: code.into(),
            name: LocalizedName {
                ko: code.into(),
                en: code.into(),
            },
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

    /// rel: e1 e2 e3 / p1 p2 p3, res: e4 e5 / p4 p5, tan: e6 e7 / p6 p7; pairs q1..q7.
    fn servqual_def() -> InstrumentDef {
        let mut items = Vec::new();
        for (dim, keys) in [("rel", &[1, 2, 3][..]), ("res", &[4, 5]), ("tan", &[6, 7])] {
            for section in [Section::Expectation, Section::Perception] {
                for k in keys {
                    let prefix = if section == Section::Expectation {
                        "e"
                    } else {
                        "p"
                    };
                    let key = format!("q{k}");
                    items.push(item(&format!("{prefix}{k}"), dim, section, Some(&key)));
                }
            }
        }
        InstrumentDef {
            kind: InstrumentKind::Servqual,
            scale: Scale { min: 1, max: 7 },
            anchors: None,
            dimensions: vec![dimension("rel"), dimension("res"), dimension("tan")],
            items,
            importance: true,
            higher_is_better: true,
            scale_version: None,
        }
        .validate("definition")
        .expect("a valid instrument")
    }

    /// Answers in the order e1 e2 e3 p1 p2 p3 e4 e5 p4 p5 e6 e7 p6 p7 (0: skipped), and the
    /// importance allocation over (rel, res, tan). p3 is constant; e6 + e7 = 8 for everyone;
    /// respondent 5 skipped p4; respondent 13 gave no allocation.
    type ServqualRow = ([i32; 14], Option<[i32; 3]>);
    #[rustfmt::skip]
    const SERVQUAL: [ServqualRow; 13] = [
        ([7, 6, 7, 5, 4, 5, 6, 7, 4, 5, 4, 4, 5, 6], Some([50, 30, 20])),
        ([6, 6, 7, 4, 4, 5, 7, 7, 3, 4, 5, 3, 6, 6], Some([40, 40, 20])),
        ([7, 7, 7, 6, 5, 5, 6, 6, 5, 5, 3, 5, 4, 5], Some([30, 40, 30])),
        ([5, 6, 6, 3, 3, 5, 5, 6, 2, 3, 6, 2, 3, 4], Some([40, 30, 30])),
        ([7, 7, 6, 5, 6, 5, 7, 6, 0, 4, 4, 4, 5, 5], Some([50, 25, 25])),
        ([6, 5, 6, 4, 4, 5, 6, 5, 4, 4, 2, 6, 4, 4], Some([35, 35, 30])),
        ([7, 7, 7, 7, 6, 5, 7, 7, 6, 6, 5, 3, 6, 7], Some([45, 30, 25])),
        ([4, 5, 5, 2, 3, 5, 5, 4, 3, 2, 4, 4, 3, 3], Some([40, 35, 25])),
        ([6, 6, 6, 5, 5, 5, 6, 6, 5, 5, 3, 5, 5, 5], Some([50, 30, 20])),
        ([7, 6, 7, 6, 4, 5, 7, 6, 4, 5, 6, 2, 6, 6], Some([40, 40, 20])),
        ([5, 5, 6, 4, 5, 5, 6, 6, 4, 4, 4, 4, 4, 4], Some([45, 35, 20])),
        ([6, 7, 7, 5, 5, 5, 5, 7, 5, 6, 5, 3, 5, 6], Some([35, 30, 35])),
        ([7, 6, 6, 6, 4, 5, 6, 6, 4, 4, 4, 4, 6, 5], None),
    ];

    fn answers(values: &[i32], importance: Option<&[i32]>) -> Answers {
        Answers {
            values: values.iter().map(|&v| (v != 0).then_some(v)).collect(),
            importance: importance.map(<[i32]>::to_vec),
        }
    }

    /// One answer to a single-item instrument (0 is an answer here).
    fn one(value: i32) -> Answers {
        Answers {
            values: vec![Some(value)],
            importance: None,
        }
    }

    fn servqual_answers(rows: &[ServqualRow]) -> Vec<Answers> {
        rows.iter()
            .map(|(v, imp)| answers(v, imp.as_ref().map(|a| &a[..])))
            .collect()
    }

    fn accumulate(def: &InstrumentDef, all: &[Answers]) -> SurveyStats {
        let layout = StatsLayout::new(def);
        let mut stats = SurveyStats::empty(&layout);
        for a in all {
            stats.add(&layout, a);
        }
        stats
    }

    fn single_item_def(kind: InstrumentKind, min: i32, max: i32) -> InstrumentDef {
        InstrumentDef {
            kind,
            scale: Scale { min, max },
            anchors: None,
            dimensions: vec![dimension("overall")],
            items: vec![item("q", "overall", Section::Single, None)],
            importance: false,
            higher_is_better: kind != InstrumentKind::Effort,
            scale_version: (kind == InstrumentKind::Effort).then(|| "CES 2.0".to_owned()),
        }
        .validate("definition")
        .expect("a valid instrument")
    }

    /// a: s1 s2 s3, b: s4; all single, scale 1–5.
    fn custom_def() -> InstrumentDef {
        InstrumentDef {
            kind: InstrumentKind::Custom,
            scale: Scale { min: 1, max: 5 },
            anchors: None,
            dimensions: vec![dimension("a"), dimension("b")],
            items: vec![
                item("s1", "a", Section::Single, None),
                item("s2", "a", Section::Single, None),
                item("s3", "a", Section::Single, None),
                item("s4", "b", Section::Single, None),
            ],
            importance: false,
            higher_is_better: true,
            scale_version: None,
        }
        .validate("definition")
        .expect("a valid instrument")
    }
    const CUSTOM: [[i32; 4]; 6] = [
        [4, 5, 4, 3],
        [3, 3, 2, 4],
        [5, 5, 5, 5],
        [2, 3, 3, 1],
        [4, 4, 5, 2],
        [3, 2, 3, 3],
    ];

    struct ExpectedReliability {
        k: usize,
        n: i64,
        left_out: i64,
        alpha_raw: Option<f64>,
        alpha_std: Option<f64>,
        ci: Option<[f64; 2]>,
        item_total: &'static [Option<f64>],
    }

    #[track_caller]
    fn check_reliability(r: &Reliability, e: &ExpectedReliability, what: &str) {
        assert_eq!(
            (r.k, r.n, r.left_out),
            (e.k, e.n, e.left_out),
            "{what}: k, n, left out"
        );
        close(r.alpha_raw, e.alpha_raw, &format!("{what} alpha"));
        assert_eq!(r.alpha_raw.is_none(), r.alpha_undefined.is_some(), "{what}");
        close(
            r.alpha_standardized,
            e.alpha_std,
            &format!("{what} std alpha"),
        );
        close(
            r.ci95.map(|c| c[0]),
            e.ci.map(|c| c[0]),
            &format!("{what} ci lower"),
        );
        close(
            r.ci95.map(|c| c[1]),
            e.ci.map(|c| c[1]),
            &format!("{what} ci upper"),
        );
        assert_eq!(r.item_total.len(), e.item_total.len(), "{what}");
        for (t, &x) in r.item_total.iter().zip(e.item_total) {
            close(t.r, x, &format!("{what} item-total {}", t.item));
        }
    }

    // Reference values for SERVQUAL (all 13 respondents), from the script.

    /// code, n, missing, mean, sd, histogram of 1..7
    type ItemRow = (&'static str, i64, i64, f64, f64, [i64; 7]);
    #[rustfmt::skip]
    const ITEMS: [ItemRow; 14] = [
        ("e1", 13, 0, 6.153846153846154, 0.987096233585649, [0, 0, 0, 1, 2, 4, 6]),
        ("e2", 13, 0, 6.076923076923077, 0.75955452531275, [0, 0, 0, 0, 3, 6, 4]),
        ("e3", 13, 0, 6.384615384615385, 0.6504436355879908, [0, 0, 0, 0, 1, 6, 6]),
        ("p1", 13, 0, 4.769230769230769, 1.3634420996046581, [0, 1, 1, 3, 4, 3, 1]),
        ("p2", 13, 0, 4.461538461538462, 0.9674179220468453, [0, 0, 2, 5, 4, 2, 0]),
        ("p3", 13, 0, 5.0, 0.0, [0, 0, 0, 0, 13, 0, 0]),
        ("e4", 13, 0, 6.076923076923077, 0.75955452531275, [0, 0, 0, 0, 3, 6, 4]),
        ("e5", 13, 0, 6.076923076923077, 0.8623164985025763, [0, 0, 0, 1, 1, 7, 4]),
        ("p4", 12, 1, 4.083333333333333, 1.0836246694508318, [0, 1, 2, 5, 3, 1, 0]),
        ("p5", 13, 0, 4.384615384615385, 1.1208970766356101, [0, 1, 1, 5, 4, 2, 0]),
        ("e6", 13, 0, 4.230769230769231, 1.1657505560686465, [0, 1, 2, 5, 3, 2, 0]),
        ("e7", 13, 0, 3.769230769230769, 1.1657505560686465, [0, 2, 3, 5, 2, 1, 0]),
        ("p6", 13, 0, 4.769230769230769, 1.0919284281983377, [0, 0, 2, 3, 4, 4, 0]),
        ("p7", 13, 0, 5.076923076923077, 1.1151635501529558, [0, 0, 1, 3, 4, 4, 1]),
    ];

    /// key, n, mean E, mean P, gap, sd of the gap
    type PairRow = (&'static str, i64, f64, f64, f64, f64);
    #[rustfmt::skip]
    const PAIRS: [PairRow; 7] = [
        ("q1", 13, 6.153846153846154, 4.769230769230769, -1.3846153846153846, 0.6504436355879909),
        ("q2", 13, 6.076923076923077, 4.461538461538462, -1.6153846153846154, 0.7679476477883045),
        ("q3", 13, 6.384615384615385, 5.0, -1.3846153846153846, 0.6504436355879909),
        ("q4", 12, 6.0, 4.083333333333333, -1.9166666666666667, 1.0836246694508316),
        ("q5", 13, 6.076923076923077, 4.384615384615385, -1.6923076923076923, 0.7510676161988107),
        ("q6", 13, 4.230769230769231, 4.769230769230769, 0.5384615384615384, 1.3913653136029505),
        ("q7", 13, 3.769230769230769, 5.076923076923077, 1.3076923076923077, 1.8878830906871762),
    ];

    /// code, expectation, perception, gap, importance, importance sd
    type DimensionRow = (&'static str, f64, f64, f64, f64, f64);
    #[rustfmt::skip]
    const DIMENSIONS: [DimensionRow; 3] = [
        ("rel", 6.205128205128204, 4.743589743589744, -1.4615384615384617, 41.666666666666664, 6.513389472789297),
        ("res", 6.076923076923077, 4.2339743589743595, -1.8044871794871795, 33.333333333333336, 4.92365963917331),
        ("tan", 4.0, 4.923076923076923, 0.9230769230769231, 25.0, 5.222329678670935),
    ];

    #[rustfmt::skip]
    const RELIABILITY: [(&str, Section, ExpectedReliability); 6] = [
        ("rel", Section::Expectation, ExpectedReliability {
            k: 3, n: 13, left_out: 0,
            alpha_raw: Some(0.8304347826086955),
            alpha_std: Some(0.845649673547412),
            ci: Some([0.5691097084763597, 0.9438286049056143]),
            item_total: &[Some(0.738704413501311), Some(0.6890999615891347), Some(0.7131448687000902)],
        }),
        // p3 is constant: no standardized alpha, no correlation for p3.
        ("rel", Section::Perception, ExpectedReliability {
            k: 3, n: 13, left_out: 0,
            alpha_raw: Some(0.5736543909348442),
            alpha_std: None,
            ci: Some([-0.08340723767638547, 0.8587656830687761]),
            item_total: &[Some(0.6560823306286041), Some(0.6560823306286042), None],
        }),
        ("res", Section::Expectation, ExpectedReliability {
            k: 2, n: 13, left_out: 0,
            alpha_raw: Some(0.5390070921985815),
            alpha_std: Some(0.5421743200158338),
            ci: Some([-0.5108014972494836, 0.8593366094552434]),
            item_total: &[Some(0.3719061390259787), Some(0.3719061390259787)],
        }),
        // Respondent 5 skipped p4: 12 complete cases.
        ("res", Section::Perception, ExpectedReliability {
            k: 2, n: 12, left_out: 1,
            alpha_raw: Some(0.9084967320261439),
            alpha_std: Some(0.9097802228856292),
            ci: Some([0.6821451848679656, 0.973658262668076]),
            item_total: &[Some(0.8344924959017579), Some(0.8344924959017579)],
        }),
        // e6 + e7 = 8: the total has no variance, alpha is undefined.
        ("tan", Section::Expectation, ExpectedReliability {
            k: 2, n: 13, left_out: 0,
            alpha_raw: None,
            alpha_std: None,
            ci: None,
            item_total: &[Some(-1.0), Some(-1.0)],
        }),
        ("tan", Section::Perception, ExpectedReliability {
            k: 2, n: 13, left_out: 0,
            alpha_raw: Some(0.9111747851002865),
            alpha_std: Some(0.9112847396453515),
            ci: Some([0.7088951578365663, 0.9728966418306753]),
            item_total: &[Some(0.8370276167053088), Some(0.8370276167053088)],
        }),
    ];

    #[test]
    fn servqual_report_matches_the_reference_values() {
        let def = servqual_def();
        let report = report(&def, &accumulate(&def, &servqual_answers(&SERVQUAL)));
        assert_eq!(report.respondents, 13);

        assert_eq!(report.items.len(), ITEMS.len());
        for (it, &(code, n, missing, mean, sd, hist)) in report.items.iter().zip(&ITEMS) {
            assert_eq!((it.code.as_str(), it.n, it.missing), (code, n, missing));
            close(it.mean, Some(mean), &format!("{code} mean"));
            close(it.sd, Some(sd), &format!("{code} sd"));
            let h = it
                .histogram
                .as_ref()
                .expect("a 7-point scale has a histogram");
            let values: Vec<i32> = h.iter().map(|b| b.value).collect();
            assert_eq!(values, [1, 2, 3, 4, 5, 6, 7]);
            let counts: Vec<i64> = h.iter().map(|b| b.count).collect();
            assert_eq!(counts, hist, "{code} histogram");
        }

        assert_eq!(report.pairs.len(), PAIRS.len());
        for (p, &(key, n, e, q, gap, sd)) in report.pairs.iter().zip(&PAIRS) {
            assert_eq!((p.key.as_str(), p.n), (key, n));
            close(p.expectation, Some(e), &format!("{key} E"));
            close(p.perception, Some(q), &format!("{key} P"));
            close(p.gap, Some(gap), &format!("{key} gap"));
            close(p.gap_sd, Some(sd), &format!("{key} gap sd"));
        }
        assert_eq!(
            (
                report.pairs[3].expectation_item.as_str(),
                report.pairs[3].perception_item.as_str()
            ),
            ("e4", "p4")
        );

        for (d, &(code, e, p, gap, imp, imp_sd)) in report.dimensions.iter().zip(&DIMENSIONS) {
            assert_eq!(d.code, code);
            close(d.expectation, Some(e), &format!("{code} expectation"));
            close(d.perception, Some(p), &format!("{code} perception"));
            close(d.gap, Some(gap), &format!("{code} gap"));
            close(d.importance, Some(imp), &format!("{code} importance"));
            close(
                d.importance_sd,
                Some(imp_sd),
                &format!("{code} importance sd"),
            );
        }

        let groups: Vec<(&str, &Reliability)> = report
            .dimensions
            .iter()
            .flat_map(|d| d.reliability.iter().map(move |r| (d.code.as_str(), r)))
            .collect();
        assert_eq!(groups.len(), RELIABILITY.len());
        for ((dim, r), (edim, section, e)) in groups.into_iter().zip(&RELIABILITY) {
            assert_eq!((dim, r.section), (*edim, *section));
            check_reliability(r, e, &format!("{dim}/{}", section.as_str()));
        }
        let tan_e = &report.dimensions[2].reliability[0];
        assert_eq!(tan_e.alpha_undefined, Some(AlphaUndefined::NoTotalVariance));
        assert_eq!(report.dimensions[1].reliability[1].item_total[0].item, "p4");

        let s = report
            .servqual
            .as_ref()
            .expect("pairs give a SERVQUAL score");
        close(s.unweighted, Some(-0.780982905982906), "unweighted");
        close(s.weighted, Some(-0.9797008547008548), "weighted");
        assert_eq!(s.respondents_with_importance, 12);

        let g = report.grid.as_ref().expect("importance gives a grid");
        close(
            g.mean_importance,
            Some(33.333333333333336),
            "mean importance",
        );
        close(
            g.mean_performance,
            Some(4.6335470085470085),
            "mean performance",
        );
        // res sits exactly at the mean importance (400 of 1200 points): a tie counts as high.
        let quadrants: Vec<_> = g.points.iter().map(|p| p.quadrant).collect();
        assert_eq!(
            quadrants,
            [
                Some(Quadrant::KeepUp),
                Some(Quadrant::ConcentrateHere),
                Some(Quadrant::PossibleOverkill)
            ]
        );
        close(
            g.points[1].importance,
            Some(33.333333333333336),
            "res importance",
        );
        close(
            g.points[1].performance,
            Some(4.2339743589743595),
            "res performance",
        );
        assert!(report.satisfaction.is_none());

        let h = headline(&def, &accumulate(&def, &servqual_answers(&SERVQUAL)));
        assert_eq!(h.respondents, 13);
        close(
            h.servqual_unweighted,
            Some(-0.780982905982906),
            "headline unweighted",
        );
        close(
            h.servqual_weighted,
            Some(-0.9797008547008548),
            "headline weighted",
        );
        let gaps: Vec<_> = h.dimension_gaps.iter().map(|g| g.gap).collect();
        for (g, e) in
            gaps.into_iter()
                .zip([-1.4615384615384617, -1.8044871794871795, 0.9230769230769231])
        {
            close(g, Some(e), "headline gap");
        }
        assert_eq!(
            (h.csat_share, h.nps_score, h.effort_mean),
            (None, None, None)
        );
    }

    #[test]
    fn a_single_respondent_has_means_but_no_spread_and_no_alpha() {
        let def = servqual_def();
        let report = report(&def, &accumulate(&def, &servqual_answers(&SERVQUAL[..1])));
        assert_eq!(report.respondents, 1);
        let means = [7, 6, 7, 5, 4, 5, 6, 7, 4, 5, 4, 4, 5, 6];
        for (it, m) in report.items.iter().zip(means) {
            assert_eq!((it.n, it.missing), (1, 0));
            close(it.mean, Some(f64::from(m)), &it.code);
            close(it.sd, None, &it.code);
        }
        for (p, gap) in report.pairs.iter().zip([-2, -2, -2, -2, -2, 1, 2]) {
            close(p.gap, Some(f64::from(gap)), &p.key);
            close(p.gap_sd, None, &p.key);
        }
        // expectation, perception, gap, importance (reference script)
        let dims = [
            (6.666666666666667, 4.666666666666667, -2.0, 50.0),
            (6.5, 4.5, -2.0, 30.0),
            (4.0, 5.5, 1.5, 20.0),
        ];
        for (d, (e, p, gap, imp)) in report.dimensions.iter().zip(dims) {
            close(d.expectation, Some(e), &d.code);
            close(d.perception, Some(p), &d.code);
            close(d.gap, Some(gap), &d.code);
            close(d.importance, Some(imp), &d.code);
            close(d.importance_sd, None, &d.code);
            for r in &d.reliability {
                assert_eq!((r.n, r.left_out), (1, 0));
                assert_eq!(r.alpha_undefined, Some(AlphaUndefined::TooFewCompleteCases));
                assert_eq!(
                    (r.alpha_raw, r.alpha_standardized, r.ci95),
                    (None, None, None)
                );
                assert!(r.item_total.iter().all(|t| t.r.is_none()));
            }
        }
        let s = report.servqual.as_ref().unwrap();
        close(s.unweighted, Some(-0.8333333333333334), "unweighted");
        close(s.weighted, Some(-1.3), "weighted");
        let quadrants: Vec<_> = report
            .grid
            .unwrap()
            .points
            .iter()
            .map(|p| p.quadrant)
            .collect();
        assert_eq!(
            quadrants,
            [
                Some(Quadrant::ConcentrateHere),
                Some(Quadrant::LowPriority),
                Some(Quadrant::PossibleOverkill)
            ]
        );
    }

    #[test]
    fn a_single_section_instrument_reports_its_single_items() {
        let def = custom_def();
        let all: Vec<Answers> = CUSTOM.iter().map(|r| answers(r, None)).collect();
        let report = report(&def, &accumulate(&def, &all));
        let items = [
            (3.5, 1.0488088481701516),
            (3.6666666666666665, 1.2110601416389968),
            (3.6666666666666665, 1.2110601416389968),
            (3.0, std::f64::consts::SQRT_2), // the script prints 1.4142135623730951
        ];
        for (it, (mean, sd)) in report.items.iter().zip(items) {
            close(it.mean, Some(mean), &it.code);
            close(it.sd, Some(sd), &it.code);
        }
        let (a, b) = (&report.dimensions[0], &report.dimensions[1]);
        close(a.perception, Some(3.6111111111111107), "a perception");
        close(b.perception, Some(3.0), "b perception");
        close(a.expectation, None, "a expectation");
        close(a.gap, None, "a gap");
        close(a.importance, None, "a importance");
        assert_eq!(a.reliability.len(), 1);
        assert_eq!(a.reliability[0].section, Section::Single);
        check_reliability(
            &a.reliability[0],
            &ExpectedReliability {
                k: 3,
                n: 6,
                left_out: 0,
                alpha_raw: Some(0.904918032786885),
                alpha_std: Some(0.9081850953315473),
                ci: Some([0.5972246413853421, 0.9856353300660017]),
                item_total: &[
                    Some(0.8471737420873574),
                    Some(0.7985554309983169),
                    Some(0.7985554309983169),
                ],
            },
            "a/single",
        );
        let rb = &b.reliability[0];
        assert_eq!((rb.k, rb.n), (1, 6));
        assert_eq!(rb.alpha_undefined, Some(AlphaUndefined::TooFewItems));
        assert_eq!(
            (rb.alpha_raw, rb.alpha_standardized, rb.ci95),
            (None, None, None)
        );
        assert_eq!(rb.item_total[0].r, None);
        assert!(report.servqual.is_none() && report.grid.is_none());
        assert!(report.satisfaction.is_none());
    }

    #[test]
    fn csat_counts_four_and_five_as_satisfied() {
        let def = single_item_def(InstrumentKind::Csat, 1, 5);
        let all: Vec<Answers> = [5, 4, 4, 3, 5, 2, 1, 4, 5, 3]
            .iter()
            .map(|&v| one(v))
            .collect();
        let stats = accumulate(&def, &all);
        let Some(Satisfaction::Csat(c)) = report(&def, &stats).satisfaction else {
            panic!("a CSAT instrument has CSAT figures");
        };
        // 5,4,4,5,4,5 of 10 are 4 or 5; the answers add up to 36.
        assert_eq!((c.n, c.satisfied), (10, 6));
        close(c.share_satisfied, Some(0.6), "share");
        close(c.mean, Some(3.6), "mean");
        let h = headline(&def, &stats);
        close(h.csat_share, Some(0.6), "headline share");
        close(h.csat_mean, Some(3.6), "headline mean");
        assert!(h.dimension_gaps.is_empty() && h.servqual_unweighted.is_none());
    }

    #[test]
    fn nps_is_promoters_minus_detractors() {
        let def = single_item_def(InstrumentKind::Nps, 0, 10);
        let all: Vec<Answers> = [10, 9, 9, 8, 7, 6, 0, 3, 10, 7, 9, 5]
            .iter()
            .map(|&v| one(v))
            .collect();
        let stats = accumulate(&def, &all);
        let Some(Satisfaction::Nps(n)) = report(&def, &stats).satisfaction else {
            panic!("an NPS instrument has NPS figures");
        };
        // promoters 10,9,9,10,9 = 5; passives 8,7,7 = 3; detractors 6,0,3,5 = 4;
        // 100·(5 − 4)/12 = 8.333…
        assert_eq!((n.n, n.promoters, n.passives, n.detractors), (12, 5, 3, 4));
        close(n.score, Some(100.0 / 12.0), "score");
        close(
            headline(&def, &stats).nps_score,
            Some(100.0 / 12.0),
            "headline",
        );
    }

    #[test]
    fn effort_where_lower_is_better_counts_the_bottom_two_points() {
        let def = single_item_def(InstrumentKind::Effort, 1, 7);
        assert!(!def.higher_is_better);
        let all: Vec<Answers> = [1, 2, 2, 3, 1, 5, 7, 2, 4, 1]
            .iter()
            .map(|&v| one(v))
            .collect();
        let stats = accumulate(&def, &all);
        let Some(Satisfaction::Effort(e)) = report(&def, &stats).satisfaction else {
            panic!("an effort instrument has effort figures");
        };
        // Sum 28 of 10 answers; 1 or 2: six answers. sd from the reference script.
        assert_eq!(e.n, 10);
        close(e.mean, Some(2.8), "mean");
        close(e.sd, Some(1.9888578520235063), "sd");
        close(e.top2_share, Some(0.6), "top-2 box");
        assert_eq!(e.scale_version.as_deref(), Some("CES 2.0"));
        assert!(!e.higher_is_better);
        close(headline(&def, &stats).effort_mean, Some(2.8), "headline");

        // The same answers where higher is better: the top two points are 6 and 7.
        let mut up = def.clone();
        up.higher_is_better = true;
        let Some(Satisfaction::Effort(e)) = report(&up, &accumulate(&up, &all)).satisfaction else {
            panic!("effort figures");
        };
        close(e.top2_share, Some(0.1), "top-2 box upwards");
    }

    fn random_servqual_answers(rng: &mut Xoshiro256PlusPlus, count: usize) -> Vec<Answers> {
        (0..count)
            .map(|_| {
                let values = (0..14)
                    .map(|_| (!rng.random_bool(0.15)).then(|| rng.random_range(1..=7)))
                    .collect();
                let importance = rng.random_bool(0.8).then(|| {
                    let a = rng.random_range(0..=100);
                    let b = rng.random_range(0..=100 - a);
                    vec![a, b, 100 - a - b]
                });
                Answers { values, importance }
            })
            .collect()
    }

    #[test]
    fn merging_parts_equals_adding_everything_to_one_accumulator() {
        let def = servqual_def();
        let layout = StatsLayout::new(&def);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for _ in 0..100 {
            let count = rng.random_range(0..40);
            let all = random_servqual_answers(&mut rng, count);
            let whole = accumulate(&def, &all);
            let parts_n = rng.random_range(1..5);
            let mut parts = vec![SurveyStats::empty(&layout); parts_n];
            for a in &all {
                parts[rng.random_range(0..parts_n)].add(&layout, a);
            }
            // Merge in a random order, into a random part.
            let first = rng.random_range(0..parts_n);
            let mut merged = parts[first].clone();
            for (i, p) in parts.iter().enumerate().rev() {
                if i != first {
                    merged.merge(p);
                }
            }
            assert_eq!(merged, whole);
            assert_eq!(merged.respondents(), count as i64);
        }
        // The same for single items and histograms only.
        let def = single_item_def(InstrumentKind::Nps, 0, 10);
        let layout = StatsLayout::new(&def);
        let all: Vec<Answers> = (0..50).map(|_| one(rng.random_range(0..=10))).collect();
        let mut a = accumulate(&def, &all[..20]);
        a.merge(&accumulate(&def, &all[20..]));
        assert_eq!(a, accumulate(&def, &all));
        let mut e = SurveyStats::empty(&layout);
        e.merge(&a);
        assert_eq!(e, a);
    }

    #[test]
    fn the_layout_counts_what_the_documentation_says() {
        let def = servqual_def();
        let layout = StatsLayout::new(&def);
        // 1 respondents + 14 items × (3 + 7) + groups rel E/P (1+3+6 each), res E/P, tan E/P
        // (1+2+3 each) + 7 pairs × 4 + importance 1 + 3 × 2.
        assert_eq!(layout.len(), 1 + 140 + 2 * 10 + 4 * 6 + 28 + 7);
        assert!(!layout.is_empty());
        let stats = accumulate(&def, &servqual_answers(&SERVQUAL));
        let c = stats.counters();
        assert_eq!(c[0], 13);
        // e1: n, Σx, Σx² over 13 answers.
        assert_eq!(&c[1..4], &[13, 80, 504]);
        // The rel expectation group: complete cases, then Σe1, Σe2, Σe3.
        assert_eq!(&c[141..145], &[13, 80, 79, 83]);
    }

    #[test]
    fn answers_outside_the_scale_count_as_skipped() {
        let def = custom_def();
        let layout = StatsLayout::new(&def);
        let mut stats = SurveyStats::empty(&layout);
        stats.add(&layout, &answers(&[9, 3, 3, 3], None));
        let r = report(&def, &stats);
        assert_eq!((r.items[0].n, r.items[0].missing), (0, 1));
        assert_eq!(r.dimensions[0].reliability[0].n, 0);
        // A short answer vector is read as skipping the rest.
        stats.add(&layout, &answers(&[2], None));
        let r = report(&def, &stats);
        assert_eq!((r.respondents, r.items[0].n, r.items[3].n), (2, 1, 1));
    }

    #[test]
    fn bytes_round_trip_and_damaged_blobs_are_refused() {
        let def = servqual_def();
        let layout = StatsLayout::new(&def);
        let stats = accumulate(&def, &servqual_answers(&SERVQUAL));
        let bytes = stats.to_bytes();
        assert_eq!(bytes.len(), 12 + 8 * layout.len());
        assert_eq!(SurveyStats::from_bytes(&layout, &bytes), Ok(stats.clone()));
        let empty = SurveyStats::empty(&layout);
        assert_eq!(
            SurveyStats::from_bytes(&layout, &empty.to_bytes()),
            Ok(empty)
        );

        assert!(SurveyStats::from_bytes(&layout, &bytes[..bytes.len() - 1]).is_err());
        assert!(SurveyStats::from_bytes(&layout, &bytes[..bytes.len() - 8]).is_err());
        assert!(SurveyStats::from_bytes(&layout, &bytes[..5]).is_err());
        assert!(SurveyStats::from_bytes(&layout, &[]).is_err());
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0; 8]);
        assert!(SurveyStats::from_bytes(&layout, &longer).is_err());
        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert!(SurveyStats::from_bytes(&layout, &magic).is_err());
        let mut version = bytes.clone();
        version[4] = 2;
        assert!(SurveyStats::from_bytes(&layout, &version).is_err());
        // Statistics of another instrument have another counter count.
        let other = StatsLayout::new(&custom_def());
        let err = SurveyStats::from_bytes(&other, &bytes).unwrap_err();
        assert!(err.contains("counters"), "{err}");
    }

    #[test]
    fn an_empty_report_holds_no_nan_or_made_up_number() {
        let defs = [
            servqual_def(),
            custom_def(),
            single_item_def(InstrumentKind::Csat, 1, 5),
            single_item_def(InstrumentKind::Nps, 0, 10),
            single_item_def(InstrumentKind::Effort, 1, 7),
        ];
        for def in &defs {
            let stats = SurveyStats::empty(&StatsLayout::new(def));
            let r = report(def, &stats);
            let h = headline(def, &stats);
            for text in [format!("{r:?}"), format!("{h:?}")] {
                assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
            }
            let json = serde_json::to_value(&r).unwrap();
            assert_eq!(json["respondents"], 0);
            assert!(r.items.iter().all(|i| i.mean.is_none() && i.sd.is_none()));
            for d in &r.dimensions {
                assert!(d.expectation.is_none() && d.perception.is_none() && d.gap.is_none());
                for rel in &d.reliability {
                    assert!(rel.alpha_raw.is_none() && rel.alpha_undefined.is_some());
                    let j = serde_json::to_value(rel).unwrap();
                    assert!(j["alpha_raw"].is_null() && j["ci95"].is_null());
                }
            }
            if let Some(s) = &r.servqual {
                assert!(s.unweighted.is_none() && s.weighted.is_none());
            }
            if let Some(g) = &r.grid {
                assert!(g.mean_importance.is_none());
                assert!(g.points.iter().all(|p| p.quadrant.is_none()));
            }
            let csv = report_csv(def, &r);
            assert!(!csv.contains("NaN") && !csv.contains("inf"));
        }
    }

    #[test]
    fn the_csv_has_one_row_per_figure_and_empty_cells_for_undefined_ones() {
        let def = servqual_def();
        let r = report(&def, &accumulate(&def, &servqual_answers(&SERVQUAL)));
        let csv = report_csv(&def, &r);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            reader.headers().unwrap(),
            vec!["scope", "dimension", "item", "measure", "value"]
        );
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        let find = |scope: &str, dim: &str, item: &str, measure: &str| -> String {
            rows.iter()
                .find(|r| r[0] == scope && r[1] == dim && r[2] == item && r[3] == measure)
                .unwrap_or_else(|| panic!("no row {scope} {dim} {item} {measure}"))[4]
                .clone()
        };
        assert_eq!(find("instrument", "", "", "respondents"), "13");
        assert_eq!(find("item", "res", "p4", "missing"), "1");
        assert_eq!(find("item", "rel", "p3", "count_5"), "13");
        let alpha: f64 = find("reliability_expectation", "rel", "", "alpha_raw")
            .parse()
            .unwrap();
        assert_eq!(Some(alpha), r.dimensions[0].reliability[0].alpha_raw);
        assert_eq!(find("reliability_expectation", "tan", "", "alpha_raw"), "");
        assert_eq!(
            find("reliability_expectation", "tan", "", "alpha_undefined"),
            "no_total_variance"
        );
        assert_eq!(
            find(
                "reliability_perception",
                "rel",
                "p3",
                "corrected_item_total_r"
            ),
            ""
        );
        assert_eq!(find("grid", "res", "", "quadrant"), "concentrate_here");
        let weighted: f64 = find("servqual", "", "", "weighted").parse().unwrap();
        close(Some(weighted), Some(-0.9797008547008548), "csv weighted");
        // Every row has five cells and no figure is repeated.
        let mut keys: Vec<_> = rows.iter().map(|r| r[..4].to_vec()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), rows.len());
    }

    #[test]
    fn the_report_types_have_an_openapi_schema() {
        use utoipa::PartialSchema;
        for schema in [
            InstrumentReport::schema(),
            Headline::schema(),
            Satisfaction::schema(),
        ] {
            assert!(serde_json::to_string(&schema).unwrap().len() > 10);
        }
    }
}
