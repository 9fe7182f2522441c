//! Pure statistics behind the recovery report: percentiles of handling times, the fairness
//! of compensation among similar cases, and the Pareto ranking of failure categories and
//! root causes.
//!
//! Nothing here reads storage; the report gathers the numbers and hands them over.

use std::collections::BTreeMap;

use serde::Serialize;

/// Percentile by linear interpolation between closest ranks, the "type 7" definition used
/// by R's default `quantile` and NumPy's default `percentile`: for the sorted values
/// `x[0] ≤ … ≤ x[n-1]` and `h = (n − 1)·p`, the result is
/// `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋])`.
///
/// `p` is a fraction (`0.9` for p90). `None` for empty input or a `p` outside `0..=1`.
/// The values need not be sorted; they are reordered in place (a partial selection in
/// linear time, not a full sort), so pass a scratch copy if the order matters. Values are
/// expected to be finite; NaN would be ordered above every number.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (n - 1) as f64 * p;
    // `h <= n - 1` because `p <= 1`; the `min` only guards against rounding.
    let lo = (h.floor() as usize).min(n - 1);
    let fraction = h - lo as f64;
    let (_, &mut low, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
    if fraction == 0.0 || above.is_empty() {
        return Some(low);
    }
    // Everything right of the selected position is >= it: the next rank is their minimum.
    let high = above
        .iter()
        .copied()
        .min_by(f64::total_cmp)
        .expect("not empty");
    Some(low + fraction * (high - low))
}

/// The median: the 50th [`percentile`], i.e. the mean of the two middle values for an even
/// count. Reorders `values` like [`percentile`].
pub fn median(values: &mut [f64]) -> Option<f64> {
    percentile(values, 0.5)
}

/// Spread of compensation among similar cases: the coefficient of variation, i.e. the
/// population standard deviation (dividing by n, not n − 1) over the mean.
///
/// `None` when there are fewer than two values or the mean is 0. Compensation is never
/// negative; should the mean be, the result is taken relative to its magnitude, so it is
/// never negative either. Identical values give exactly 0.
pub fn coefficient_of_variation(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if mean == 0.0 {
        return None;
    }
    if values.iter().all(|&v| v == values[0]) {
        return Some(0.0);
    }
    // Two passes: the squared deviations from the mean, not sum(x²) − n·mean², which loses
    // precision when the values are large and close together.
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    Some(variance.sqrt() / mean.abs())
}

/// How consistently one failure category is compensated.
///
/// The cases of the category are grouped into *similar cases*: the same severity and the
/// same customer tier, so that a VIP's critical failure is only compared with other VIPs'
/// critical failures. Each group with at least two cases and a mean compensation above 0
/// has a [`coefficient_of_variation`]; `cv` is the mean of those CVs weighted by the groups'
/// case counts, `Σ nᵢ·CVᵢ / Σ nᵢ`. 0 means every similar case got the same; the larger it
/// is, the more the amount depended on who handled the case rather than on the case.
///
/// Groups of a single case cannot be compared, and groups where nobody was compensated
/// have no spread to measure; both are left out. `cases_compared` and `groups` count the
/// cases and groups that did take part; `cv` is `None` when none did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FairnessFigure {
    /// Case-weighted mean coefficient of variation over the groups of similar cases.
    pub cv: Option<f64>,
    /// Cases in the groups that took part.
    pub cases_compared: u64,
    /// Groups of similar cases that took part.
    pub groups: u64,
}

/// Computes the [`FairnessFigure`] of one category from the compensation amounts of its
/// groups of similar cases (one `Vec` per severity × tier, in any unit, e.g. minor units).
pub fn fairness(groups: impl IntoIterator<Item = Vec<f64>>) -> FairnessFigure {
    let mut weighted = 0.0;
    let mut cases = 0u64;
    let mut taking_part = 0u64;
    for group in groups {
        let mean = group.iter().sum::<f64>() / group.len().max(1) as f64;
        if mean <= 0.0 {
            continue;
        }
        if let Some(cv) = coefficient_of_variation(&group) {
            let n = group.len() as u64;
            weighted += n as f64 * cv;
            cases += n;
            taking_part += 1;
        }
    }
    FairnessFigure {
        cv: (cases > 0).then(|| weighted / cases as f64),
        cases_compared: cases,
        groups: taking_part,
    }
}

/// One line of a Pareto ranking.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ParetoRow {
    /// A failure category or root-cause code, or whatever was counted.
    pub key: String,
    pub count: u64,
    /// This key's share of all counts, 0 to 1.
    pub share: f64,
    /// The share of this key and every key ranked above it, 0 to 1.
    pub cumulative_share: f64,
    /// Among the few keys that together make up 80 % of all counts.
    pub vital_few: bool,
}

/// Ranks counts for a Pareto chart: by count descending, ties by key ascending, each with
/// its share and cumulative share. `vital_few` marks the rows up to and including the one
/// where the cumulative share first reaches 80 %; when tied counts straddle that line, the
/// tie is split by key order like the ranking itself.
///
/// A key given more than once is counted once with the sum of its counts. Keys with a zero
/// count are kept (share 0). When every count is 0, shares are 0 and no row is vital.
/// The 80 % test is exact (integer arithmetic), so a cumulative share of exactly 0.8
/// qualifies however the fraction rounds.
pub fn pareto(counts: impl IntoIterator<Item = (String, u64)>) -> Vec<ParetoRow> {
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    for (key, count) in counts {
        let c = merged.entry(key).or_default();
        *c = c.saturating_add(count);
    }
    let mut ranked: Vec<(String, u64)> = merged.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: u128 = ranked.iter().map(|(_, c)| u128::from(*c)).sum();
    let mut cumulative: u128 = 0;
    let mut reached = false;
    ranked
        .into_iter()
        .map(|(key, count)| {
            cumulative += u128::from(count);
            let (share, cumulative_share) = if total == 0 {
                (0.0, 0.0)
            } else {
                (
                    count as f64 / total as f64,
                    cumulative as f64 / total as f64,
                )
            };
            let vital_few = total > 0 && !reached;
            // cumulative / total >= 4 / 5, without rounding.
            if total > 0 && cumulative * 5 >= total * 4 {
                reached = true;
            }
            ParetoRow {
                key,
                count,
                share,
                cumulative_share,
                vital_few,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr) => {{
            let (a, b): (f64, f64) = ($a, $b);
            assert!(close(a, b), "{a} != {b}");
        }};
    }

    #[test]
    fn percentile_of_nothing_is_none() {
        assert_eq!(percentile(&mut [], 0.5), None);
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn percentile_outside_zero_to_one_is_none() {
        assert_eq!(percentile(&mut [1.0, 2.0], -0.01), None);
        assert_eq!(percentile(&mut [1.0, 2.0], 1.01), None);
        assert_eq!(percentile(&mut [1.0, 2.0], f64::NAN), None);
    }

    #[test]
    fn percentile_of_a_single_value_is_that_value_for_every_p() {
        for p in [0.0, 0.1, 0.5, 0.9, 1.0] {
            assert_eq!(percentile(&mut [42.0], p), Some(42.0));
        }
    }

    #[test]
    fn p0_is_the_minimum_and_p1_the_maximum() {
        let mut v = [7.0, -3.0, 12.5, 4.0];
        assert_eq!(percentile(&mut v, 0.0), Some(-3.0));
        assert_eq!(percentile(&mut v, 1.0), Some(12.5));
    }

    #[test]
    fn percentiles_interpolate_between_closest_ranks() {
        // Sorted: [10, 20, 30, 40, 50], n = 5.
        // p = 0.9:  h = 4 × 0.9 = 3.6  → x[3] + 0.6 × (x[4] − x[3]) = 40 + 0.6 × 10 = 46
        // p = 0.25: h = 4 × 0.25 = 1   → x[1] = 20
        // p = 0.1:  h = 0.4            → 10 + 0.4 × 10 = 14
        // p = 0.5:  h = 2              → 30
        let v = [50.0, 10.0, 40.0, 30.0, 20.0];
        assert_close!(percentile(&mut v.clone(), 0.9).unwrap(), 46.0);
        assert_close!(percentile(&mut v.clone(), 0.25).unwrap(), 20.0);
        assert_close!(percentile(&mut v.clone(), 0.1).unwrap(), 14.0);
        assert_close!(median(&mut v.clone()).unwrap(), 30.0);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        // Sorted: [1, 2, 4, 9]; h = 3 × 0.5 = 1.5 → 2 + 0.5 × (4 − 2) = 3.
        assert_close!(median(&mut [9.0, 1.0, 4.0, 2.0]).unwrap(), 3.0);
        // p90: h = 3 × 0.9 = 2.7 → 4 + 0.7 × (9 − 4) = 7.5.
        assert_close!(percentile(&mut [9.0, 1.0, 4.0, 2.0], 0.9).unwrap(), 7.5);
    }

    #[test]
    fn tied_values_are_ranked_like_any_others() {
        // Sorted: [5, 5, 5, 8], n = 4.
        // p = 0.5:  h = 1.5  → 5 + 0.5 × (5 − 5) = 5
        // p = 0.75: h = 2.25 → 5 + 0.25 × (8 − 5) = 5.75
        // p = 0.9:  h = 2.7  → 5 + 0.7 × (8 − 5) = 7.1
        let v = [5.0, 8.0, 5.0, 5.0];
        assert_close!(median(&mut v.clone()).unwrap(), 5.0);
        assert_close!(percentile(&mut v.clone(), 0.75).unwrap(), 5.75);
        assert_close!(percentile(&mut v.clone(), 0.9).unwrap(), 7.1);
    }

    #[test]
    fn percentile_agrees_with_a_full_sort_on_many_values() {
        // A shuffled 0, 1, …, 1000 (by a step coprime to 1001); type 7 on 0..=1000 gives
        // exactly 1000·p, e.g. p = 0.9 → h = 900 → 900; p = 0.1234 → 123.4.
        let mut v: Vec<f64> = (0..1001u32).map(|i| ((i * 389) % 1001) as f64).collect();
        for (p, expected) in [
            (0.0, 0.0),
            (0.5, 500.0),
            (0.9, 900.0),
            (0.1234, 123.4),
            (1.0, 1000.0),
        ] {
            assert_close!(percentile(&mut v, p).unwrap(), expected);
        }
    }

    #[test]
    fn cv_needs_two_values_and_a_mean_other_than_zero() {
        assert_eq!(coefficient_of_variation(&[]), None);
        assert_eq!(coefficient_of_variation(&[5000.0]), None);
        assert_eq!(coefficient_of_variation(&[0.0, 0.0, 0.0]), None);
        assert_eq!(coefficient_of_variation(&[-1.0, 1.0]), None);
    }

    #[test]
    fn cv_of_identical_values_is_zero() {
        assert_eq!(coefficient_of_variation(&[0.1, 0.1, 0.1]), Some(0.0));
        assert_eq!(coefficient_of_variation(&[3000.0; 7]), Some(0.0));
    }

    #[test]
    fn cv_uses_the_population_standard_deviation() {
        // [2, 4, 4, 4, 5, 5, 7, 9]: mean = 40 / 8 = 5;
        // squared deviations 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32; variance = 32 / 8 = 4;
        // sd = 2; CV = 2 / 5 = 0.4.
        assert_close!(
            coefficient_of_variation(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap(),
            0.4
        );
        // [1000, 3000]: mean 2000; deviations ±1000; variance 1e6; sd 1000; CV 0.5.
        assert_close!(coefficient_of_variation(&[1000.0, 3000.0]).unwrap(), 0.5);
    }

    #[test]
    fn fairness_weights_each_group_by_its_cases() {
        // Group A [1000, 3000]: CV 0.5 (above), n = 2.
        // Group B [2, 4, 4, 4, 5, 5, 7, 9]: CV 0.4 (above), n = 8.
        // Group C [5000]: a single case, left out.
        // Group D [0, 0, 0]: nobody compensated, left out.
        // Weighted: (2 × 0.5 + 8 × 0.4) / (2 + 8) = (1 + 3.2) / 10 = 0.42.
        let f = fairness([
            vec![1000.0, 3000.0],
            vec![2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0],
            vec![5000.0],
            vec![0.0, 0.0, 0.0],
        ]);
        assert_close!(f.cv.unwrap(), 0.42);
        assert_eq!((f.cases_compared, f.groups), (10, 2));
    }

    #[test]
    fn fairness_of_consistent_compensation_is_zero() {
        let f = fairness([vec![3000.0, 3000.0, 3000.0], vec![500.0, 500.0]]);
        assert_eq!(
            f,
            FairnessFigure {
                cv: Some(0.0),
                cases_compared: 5,
                groups: 2
            }
        );
    }

    #[test]
    fn fairness_without_comparable_groups_is_none() {
        let none = FairnessFigure {
            cv: None,
            cases_compared: 0,
            groups: 0,
        };
        assert_eq!(fairness(Vec::<Vec<f64>>::new()), none);
        assert_eq!(fairness([vec![], vec![100.0], vec![0.0, 0.0]]), none);
    }

    fn counts(items: &[(&str, u64)]) -> Vec<(String, u64)> {
        items.iter().map(|(k, c)| ((*k).to_owned(), *c)).collect()
    }

    fn summary(rows: &[ParetoRow]) -> Vec<(&str, u64, bool)> {
        rows.iter()
            .map(|r| (r.key.as_str(), r.count, r.vital_few))
            .collect()
    }

    #[test]
    fn pareto_ranks_by_count_and_marks_the_vital_few() {
        // Total 50 + 25 + 15 + 6 + 4 = 100.
        // Cumulative: 0.50, 0.75, 0.90 (first ≥ 0.8: vital up to here), 0.96, 1.00.
        let rows = pareto(counts(&[
            ("process.facility", 4),
            ("process.long_wait", 50),
            ("outcome.wrong_item", 15),
            ("process.staff_attitude", 25),
            ("outcome.billing_error", 6),
        ]));
        assert_eq!(
            summary(&rows),
            [
                ("process.long_wait", 50, true),
                ("process.staff_attitude", 25, true),
                ("outcome.wrong_item", 15, true),
                ("outcome.billing_error", 6, false),
                ("process.facility", 4, false),
            ]
        );
        let shares: Vec<f64> = rows.iter().map(|r| r.share).collect();
        let cumulative: Vec<f64> = rows.iter().map(|r| r.cumulative_share).collect();
        for (got, want) in shares.iter().zip([0.5, 0.25, 0.15, 0.06, 0.04]) {
            assert_close!(*got, want);
        }
        for (got, want) in cumulative.iter().zip([0.5, 0.75, 0.9, 0.96, 1.0]) {
            assert_close!(*got, want);
        }
    }

    #[test]
    fn pareto_ties_are_ordered_by_key_and_split_at_the_line() {
        // Total 6 + 2 + 2 = 10. "a" and "b" tie at 2 and are ordered by key.
        // Cumulative: c 0.6, a 0.8 (reaches 80 % exactly: vital), b 1.0 (not vital,
        // although its count equals a's).
        let rows = pareto(counts(&[("b", 2), ("c", 6), ("a", 2)]));
        assert_eq!(
            summary(&rows),
            [("c", 6, true), ("a", 2, true), ("b", 2, false)]
        );
        assert_close!(rows[1].cumulative_share, 0.8);
    }

    #[test]
    fn pareto_of_a_single_key_is_all_vital() {
        let rows = pareto(counts(&[("process.long_wait", 3)]));
        assert_eq!(summary(&rows), [("process.long_wait", 3, true)]);
        assert_eq!((rows[0].share, rows[0].cumulative_share), (1.0, 1.0));
    }

    #[test]
    fn pareto_merges_repeated_keys_and_keeps_zero_counts() {
        // x: 3 + 5 = 8, y: 2, z: 0 → total 10; cumulative 0.8 (vital), 1.0, 1.0.
        let rows = pareto(counts(&[("x", 3), ("z", 0), ("y", 2), ("x", 5)]));
        assert_eq!(
            summary(&rows),
            [("x", 8, true), ("y", 2, false), ("z", 0, false)]
        );
        assert_eq!(rows[2].share, 0.0);
    }

    #[test]
    fn pareto_of_nothing_is_empty_and_of_zeros_has_no_vital_few() {
        assert!(pareto(Vec::new()).is_empty());
        let rows = pareto(counts(&[("a", 0), ("b", 0)]));
        assert_eq!(summary(&rows), [("a", 0, false), ("b", 0, false)]);
        assert!(
            rows.iter()
                .all(|r| r.share == 0.0 && r.cumulative_share == 0.0)
        );
    }

    #[test]
    fn pareto_rows_serialize_with_snake_case_fields() {
        let rows = pareto(counts(&[("a", 1)]));
        assert_eq!(
            serde_json::to_value(&rows[0]).unwrap(),
            serde_json::json!({
                "key": "a", "count": 1, "share": 1.0,
                "cumulative_share": 1.0, "vital_few": true
            })
        );
    }
}
