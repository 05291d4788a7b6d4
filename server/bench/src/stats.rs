//! Medians and 99th percentiles of timed samples, and how durations are printed.

use std::time::Duration;

/// The median and the 99th percentile of some samples (nearest rank, so both are samples that
/// were really measured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub n: usize,
    pub median: Duration,
    pub p99: Duration,
}

impl Summary {
    /// `None` without samples.
    pub fn of(samples: &[Duration]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        Some(Summary {
            n: sorted.len(),
            median: nearest_rank(&sorted, 0.5),
            p99: nearest_rank(&sorted, 0.99),
        })
    }
}

/// The nearest-rank percentile of sorted, non-empty samples.
fn nearest_rank<T: Copy>(sorted: &[T], quantile: f64) -> T {
    // The smallest sample with at least `quantile` of them at or below it.
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median and 99th percentile of plain numbers (ratios), nearest rank.
pub fn quantiles(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Some((nearest_rank(&sorted, 0.5), nearest_rank(&sorted, 0.99)))
}

/// A duration in the unit that reads best: `85 µs`, `1.23 ms`, `4.1 s`.
pub fn show(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1.0 {
        format!("{} ns", d.as_nanos())
    } else if micros < 1_000.0 {
        format!("{micros:.0} µs")
    } else if micros < 1_000_000.0 {
        format!("{:.2} ms", micros / 1e3)
    } else {
        format!("{:.1} s", micros / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        let s = Summary::of(&samples).expect("samples");
        assert_eq!(
            (s.median, s.p99),
            (Duration::from_micros(50), Duration::from_micros(99))
        );
        let one = Summary::of(&[Duration::from_micros(7)]).expect("one sample");
        assert_eq!(
            (one.median, one.p99),
            (Duration::from_micros(7), Duration::from_micros(7))
        );
        assert_eq!(quantiles(&[3.0, 1.0, 2.0]), Some((2.0, 3.0)));
        assert_eq!(show(Duration::from_micros(1500)), "1.50 ms");
    }
}
