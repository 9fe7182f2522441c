//! Small sampling helpers over a seeded generator.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// A discrete distribution over `0..n` by weights, sampled by binary search on the running sum
/// (cheaper to build than an alias table and fast enough for a million draws).
#[derive(Debug, Clone, Default)]
pub(crate) struct Cumulative {
    sums: Vec<f64>,
}

impl Cumulative {
    pub fn new(weights: Vec<f64>) -> Self {
        let mut total = 0.0;
        let sums = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Self { sums }
    }

    pub fn total(&self) -> f64 {
        self.sums.last().copied().unwrap_or(0.0)
    }

    pub fn is_empty(&self) -> bool {
        self.total() <= 0.0
    }

    /// An index drawn in proportion to its weight; never one of weight zero.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let u = rng.random::<f64>() * self.total();
        let i = self.sums.partition_point(|&s| s <= u);
        i.min(self.sums.len() - 1)
    }
}

/// A log-normal draw with the given mean (not median) and shape `sigma`.
pub(crate) fn lognormal_mean<R: Rng + ?Sized>(rng: &mut R, mean: f64, sigma: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    mean * (sigma * z - sigma * sigma / 2.0).exp()
}

pub(crate) fn normal<R: Rng + ?Sized>(rng: &mut R, mean: f64, sd: f64) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    mean + sd * z
}

pub(crate) fn pick<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Picks from `(weight, item)` pairs.
pub(crate) fn pick_weighted<'a, T, R: Rng + ?Sized>(rng: &mut R, items: &'a [(f64, T)]) -> &'a T {
    let total: f64 = items.iter().map(|(w, _)| w).sum();
    let mut u = rng.random::<f64>() * total;
    for (w, item) in items {
        if u < *w {
            return item;
        }
        u -= w;
    }
    &items[items.len() - 1].1
}

pub(crate) fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Splits `total` into whole numbers proportional to `weights` that add up exactly to `total`
/// (rounding the running sum, so no part drifts by more than one).
pub(crate) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let mut running = 0.0;
    let mut given = 0_u64;
    weights
        .iter()
        .map(|w| {
            running += w;
            let upto = ((running / sum) * total as f64).round() as u64;
            let upto = upto.min(total);
            let n = upto.saturating_sub(given);
            given += n;
            n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn apportioned_parts_add_up_to_the_total() {
        let parts = apportion(1000, &[1.0, 2.0, 0.0, 3.3, 0.01]);
        assert_eq!(parts.iter().sum::<u64>(), 1000);
        assert_eq!(parts[2], 0);
        assert!(parts[1] > parts[0]);
    }

    #[test]
    fn a_weight_of_zero_is_never_drawn() {
        let c = Cumulative::new(vec![0.0, 1.0, 0.0, 2.0, 0.0]);
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..10_000 {
            let i = c.sample(&mut rng);
            assert!(i == 1 || i == 3);
        }
    }

    #[test]
    fn the_lognormal_keeps_its_mean() {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(4);
        let n = 200_000;
        let mean = (0..n)
            .map(|_| lognormal_mean(&mut rng, 100.0, 0.8))
            .sum::<f64>()
            / n as f64;
        assert!((95.0..105.0).contains(&mean), "{mean}");
    }
}
