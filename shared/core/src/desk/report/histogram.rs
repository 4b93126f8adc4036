//! A mergeable histogram of durations in seconds: fixed log-scale buckets, so histograms of
//! different days, teams or stores add up bucket by bucket, and a percentile read from the
//! sum is within [`RELATIVE_ERROR`] of the exact one.
//!
//! Below [`LINEAR`] seconds each second is a bucket of its own (exact). From there bucket
//! `LINEAR + k` holds the values in `[LINEAR·GROWTH^k, LINEAR·GROWTH^(k+1))` and reports its
//! geometric middle rounded to a second: within 4.9 % of any value in it, plus half a second
//! of rounding (at most 5.7 % in all, at 64 s; less above). A year falls in bucket 203.

use std::collections::BTreeMap;

/// The ratio between consecutive bucket bounds above [`LINEAR`].
pub const GROWTH: f64 = 1.1;

/// Values below this many seconds have exact buckets.
pub const LINEAR: u32 = 64;

/// The largest relative distance between a value and the middle of its bucket.
pub const RELATIVE_ERROR: f64 = 0.05;

/// The highest bucket: longer values are counted there (about 45 years).
pub const MAX_BUCKET: u32 = 300;

/// The bucket of a duration in seconds (negative ones count as zero).
pub fn bucket(secs: i64) -> u32 {
    if secs < i64::from(LINEAR) {
        return u32::try_from(secs.max(0)).unwrap_or(0);
    }
    let v = secs as f64;
    // The float may land a hair off an exact bound; the loops correct it.
    let mut k = ((v / f64::from(LINEAR)).ln() / GROWTH.ln()).floor() as i64;
    k = k.clamp(0, i64::from(MAX_BUCKET - LINEAR));
    while k > 0 && lower_bound(k) > v {
        k -= 1;
    }
    while k < i64::from(MAX_BUCKET - LINEAR) && lower_bound(k + 1) <= v {
        k += 1;
    }
    LINEAR + k as u32
}

fn lower_bound(k: i64) -> f64 {
    f64::from(LINEAR) * GROWTH.powi(k as i32)
}

/// What a bucket reports: the value itself below [`LINEAR`], else the bucket's geometric
/// middle, in whole seconds.
pub fn representative(b: u32) -> i64 {
    if b < LINEAR {
        return i64::from(b);
    }
    (f64::from(LINEAR) * GROWTH.powf(f64::from(b - LINEAR) + 0.5)).round() as i64
}

/// Counts per bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    buckets: BTreeMap<u32, u64>,
}

impl Histogram {
    pub fn new() -> Self {
        Histogram::default()
    }

    pub fn record(&mut self, secs: i64) {
        self.add_bucket(bucket(secs), 1);
    }

    /// Adds `count` values to bucket `b` (what a stored histogram holds).
    pub fn add_bucket(&mut self, b: u32, count: u64) {
        if count > 0 {
            *self.buckets.entry(b.min(MAX_BUCKET)).or_insert(0) += count;
        }
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (b, n) in &other.buckets {
            self.add_bucket(*b, *n);
        }
    }

    pub fn count(&self) -> u64 {
        self.buckets.values().sum()
    }

    /// The buckets holding something, lowest first.
    pub fn buckets(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.buckets.iter().map(|(b, n)| (*b, *n))
    }

    /// The nearest-rank percentile (`p` in 1..=100): the smallest value with at least `p` %
    /// of the values at or below it, as its bucket reports it. `None` when empty.
    pub fn percentile(&self, p: u32) -> Option<i64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = (u64::from(p.clamp(1, 100)) * total).div_ceil(100).max(1);
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(representative(*b));
            }
        }
        self.buckets.keys().next_back().map(|b| representative(*b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_reported_within_the_relative_error() {
        let mut secs = 1i64;
        while secs < 40_000_000 {
            let rep = representative(bucket(secs)) as f64;
            let err = (rep - secs as f64).abs() / secs as f64;
            // Whole-second rounding adds up to half a second.
            assert!(
                (rep - secs as f64).abs() <= secs as f64 * RELATIVE_ERROR + 0.5,
                "{secs} s reported as {rep} ({err:.3})"
            );
            secs += 1 + secs / 97;
        }
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(-5), 0);
        assert_eq!(representative(0), 0);
        assert_eq!(bucket(1), 1);
        assert_eq!(representative(bucket(63)), 63);
        assert!(bucket(31_622_400) < MAX_BUCKET);
    }

    #[test]
    fn buckets_are_ordered_and_bounds_exact() {
        let mut last = 0;
        for secs in 0..100_000 {
            let b = bucket(secs);
            assert!(b >= last, "{secs}");
            last = b;
        }
        // A bound of the log range starts its bucket.
        let k = i64::from(bucket(121) - LINEAR);
        assert!(lower_bound(k) <= 121.0 && 121.0 < lower_bound(k + 1));
    }

    #[test]
    fn percentiles_of_merged_histograms_equal_those_of_all_values() {
        let values: Vec<i64> = (0..500).map(|i| (i * i) % 7_919 + 3).collect();
        let mut whole = Histogram::new();
        let (mut a, mut b) = (Histogram::new(), Histogram::new());
        for (i, v) in values.iter().enumerate() {
            whole.record(*v);
            if i % 3 == 0 {
                a.record(*v)
            } else {
                b.record(*v)
            }
        }
        a.merge(&b);
        assert_eq!(a, whole);
        assert_eq!(a.count(), 500);
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for p in [50u32, 90, 99] {
            let k = (p as usize * sorted.len()).div_ceil(100);
            let exact = sorted[k - 1] as f64;
            let got = a.percentile(p).unwrap() as f64;
            assert!(
                (got - exact).abs() <= exact * RELATIVE_ERROR + 0.5,
                "p{p}: {got} vs {exact}"
            );
        }
    }

    #[test]
    fn an_empty_histogram_has_no_percentile() {
        assert_eq!(Histogram::new().percentile(50), None);
        let mut h = Histogram::new();
        h.record(60);
        assert_eq!(h.percentile(90), h.percentile(1));
        assert_eq!(h.percentile(90), Some(representative(bucket(60))));
    }
}
