//! How a claim's rule decides from a measured ratio: by its whole 95%
//! interval, never by its point value alone.
//!
//! A rule compares a ratio (one guard's throughput over another's, round
//! by round: `metrics/paired.rs`) with two thresholds, one for each
//! verdict, set apart: C3, for one, says "supported" only when the whole
//! interval of seqlock-excl's share of seqcount's throughput lies below
//! 0.75 (on 2 CPUs), "refuted" only when it lies wholly above 0.9, and "not settled"
//! otherwise (an interval that reaches into the band between, or across
//! a threshold). Noise can then move a verdict between "not settled" and
//! one of the others, but never from "supported" to "refuted": that takes
//! the interval crossing the whole band. The reason of a "not settled"
//! names the interval and the minimum detectable effect.

use crate::metrics::paired::{pair, Paired, Pairs};
use crate::results::repeats::Repeats;
use crate::results::CellResult;

/// `f` of `a` over `f` of `b`, round by round (cells with the same
/// `repeat`, in one mode of the machine; stalled ones left out): `None`
/// with fewer than two such rounds, or a zero value in one.
pub(crate) fn paired(
    a: &Repeats<'_>,
    b: &Repeats<'_>,
    f: impl Fn(&CellResult) -> f64,
) -> Option<Paired> {
    Paired::of_ratios(&per_round(a, b, f).ratios)
}

/// The rounds behind [`paired`].
pub(crate) fn per_round(a: &Repeats<'_>, b: &Repeats<'_>, f: impl Fn(&CellResult) -> f64) -> Pairs {
    pair(&a.samples(&f), &b.samples(&f))
}

/// `a`'s allocations per second over `b`'s, as [`paired`], each round of
/// interleaved guards taken block by block (`metrics/paired.rs`).
pub(crate) fn rate_paired(a: &Repeats<'_>, b: &Repeats<'_>) -> Option<Paired> {
    Paired::of_ratios(&rate_per_round(a, b).ratios)
}

/// The rounds behind [`rate_paired`].
pub(crate) fn rate_per_round(a: &Repeats<'_>, b: &Repeats<'_>) -> Pairs {
    pair(&a.rate_samples(), &b.rate_samples())
}

/// Where a ratio's interval lies against a band `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Wholly below `low`.
    Below,
    /// Wholly above `high`.
    Above,
    /// Reaching into the band, across a threshold, or unknown.
    Between,
}

/// Where `p`'s interval lies against `[low, high]` (unknown: between).
pub(crate) fn side(p: Option<&Paired>, low: f64, high: f64) -> Side {
    match p {
        Some(p) if p.ci.1 < low => Side::Below,
        Some(p) if p.ci.0 > high => Side::Above,
        _ => Side::Between,
    }
}

/// `0.93x [0.90, 0.96] over 8 rounds, detectable 3.1%`, or why there is
/// no interval.
pub(crate) fn describe(p: Option<&Paired>) -> String {
    match p {
        Some(p) => format!(
            "{:.3}x [{:.3}, {:.3}] over {} rounds, {}",
            p.ratio,
            p.ci.0,
            p.ci.1,
            p.rounds,
            match p.mde {
                m if m.is_finite() => format!("detectable {:.1}%", m * 100.0),
                m if m.is_nan() => "every round's ratio exactly 1".to_string(),
                _ => "too few rounds to detect any change".to_string(),
            }
        ),
        None => "no interval (fewer than two rounds measured both)".to_string(),
    }
}

/// A guard's cost per allocation on each reader, in ns, from its paired
/// throughput ratio to a baseline whose rate is `base_rate` with `readers`
/// readers: the baseline's ns per allocation (`readers` x 1e9 / rate)
/// times (1 / ratio - 1), the interval mapped alike. A percentage depends
/// on how fast the allocation around the guard is; nanoseconds carry to a
/// kernel whose allocation costs more or less than the model's.
pub(crate) fn ns_cost(base_rate: f64, readers: usize, p: Option<&Paired>) -> String {
    match p {
        Some(p) if base_rate > 0.0 && p.ratio > 0.0 && p.ci.0 > 0.0 => {
            let base_ns = readers as f64 * 1e9 / base_rate;
            let cost = |r: f64| base_ns * (1.0 / r - 1.0);
            format!(
                "{:+.1} ns [{:+.1}, {:+.1}] per allocation on a {base_ns:.1} ns one",
                cost(p.ratio),
                cost(p.ci.1),
                cost(p.ci.0)
            )
        }
        _ => "no cost in ns (no interval)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratios(r: &[f64]) -> Option<Paired> {
        Paired::of_ratios(r)
    }

    #[test]
    fn a_side_needs_the_whole_interval() {
        let low = ratios(&[0.50, 0.52, 0.51, 0.49, 0.50, 0.51]);
        let high = ratios(&[0.95, 0.96, 0.97, 0.95, 0.96, 0.94]);
        let across = ratios(&[0.55, 0.65, 0.58, 0.62, 0.60, 0.66]);
        assert_eq!(side(low.as_ref(), 0.6, 0.9), Side::Below);
        assert_eq!(side(high.as_ref(), 0.6, 0.9), Side::Above);
        assert_eq!(side(across.as_ref(), 0.6, 0.9), Side::Between);
        assert_eq!(side(None, 0.6, 0.9), Side::Between);
        assert!(describe(low.as_ref()).contains("over 6 rounds"));
    }

    #[test]
    fn a_cost_in_ns_comes_from_the_baselines_time_per_allocation() {
        let p = Paired {
            rounds: 6,
            ratio: 0.8,
            ci: (0.5, 1.25),
            p: 0.01,
            mde: 0.05,
        };
        // 2 readers at 20 M/s together: 100 ns per allocation each; a
        // guard at 0.8x takes 125 ns, 25 more; 0.5x 100 more; 1.25x 20 less.
        assert_eq!(
            ns_cost(2e7, 2, Some(&p)),
            "+25.0 ns [-20.0, +100.0] per allocation on a 100.0 ns one"
        );
        assert_eq!(ns_cost(2e7, 2, None), "no cost in ns (no interval)");
    }
}
