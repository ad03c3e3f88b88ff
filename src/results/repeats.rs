//! The repeats of one cell, and how they combine:
//! rates by harmonic mean, times by arithmetic mean, counters by sum. The
//! plots, the claims and the summaries combine repeats through this one
//! type. A stalled repeat (the watchdog fired, or a reader made no
//! progress) is never averaged in: its rates and times are what was left
//! of a cell that did not run; its counters still add up.

use crate::metrics::paired::Sample;
use crate::metrics::stats::{ci95_half_width, hmean, mean};
use crate::results::CellResult;
use std::ops::{Deref, DerefMut};

/// Every repeat of one cell (or any set of cells combined alike).
#[derive(Debug, Clone, Default)]
pub struct Repeats<'a>(pub Vec<&'a CellResult>);

impl<'a> Deref for Repeats<'a> {
    type Target = Vec<&'a CellResult>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Repeats<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Repeats<'_> {
    /// The finite values of `f`, one per repeat that did not stall.
    pub fn values(&self, f: impl Fn(&CellResult) -> f64) -> Vec<f64> {
        self.0
            .iter()
            .filter(|c| !c.stalled)
            .map(|c| f(c))
            .filter(|v| v.is_finite())
            .collect()
    }

    /// `f` of every repeat that did not stall, with its round and the
    /// machine probes around it: what `metrics/paired.rs` pairs.
    pub(crate) fn samples(&self, f: impl Fn(&CellResult) -> f64) -> Vec<Sample> {
        self.0
            .iter()
            .filter(|c| !c.stalled)
            .map(|c| Sample {
                round: c.spec.repeat,
                value: f(c),
                probes: c.probes(),
                blocks: None,
            })
            .collect()
    }

    /// Allocations per second of every repeat that did not stall, as
    /// [`Repeats::samples`], with the rate in each block of an interleaved
    /// round: guards' rates pair block by block (`metrics/paired.rs`).
    pub(crate) fn rate_samples(&self) -> Vec<Sample> {
        let mut out = self.samples(|c| c.allocs_per_sec);
        for (s, c) in out.iter_mut().zip(self.0.iter().filter(|c| !c.stalled)) {
            s.blocks = c.block_rates();
        }
        out
    }

    /// Harmonic mean of a rate over the repeats (NaN if none is finite).
    pub fn rate(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        let xs = self.values(f);
        if xs.is_empty() {
            f64::NAN
        } else {
            hmean(&xs)
        }
    }

    /// The 95% confidence interval of [`Repeats::rate`]: Student's t on
    /// the reciprocals (a rate's harmonic mean is the reciprocal of their
    /// mean, so the interval is theirs turned back into rates). `None` with
    /// fewer than two finite positive values; the upper end is infinite
    /// where the reciprocals' interval reaches 0.
    pub fn rate_ci95(&self, f: impl Fn(&CellResult) -> f64) -> Option<(f64, f64)> {
        let inv: Vec<f64> = self
            .values(f)
            .into_iter()
            .filter(|v| *v > 0.0)
            .map(|v| 1.0 / v)
            .collect();
        let h = ci95_half_width(&inv);
        if !h.is_finite() {
            return None;
        }
        let m = mean(&inv);
        let hi = if m - h > 0.0 {
            1.0 / (m - h)
        } else {
            f64::INFINITY
        };
        Some((1.0 / (m + h), hi))
    }

    /// Harmonic mean of the allocations per second.
    pub fn allocs_per_sec(&self) -> f64 {
        self.rate(|c| c.allocs_per_sec)
    }

    /// Arithmetic mean over the repeats (NaN if none is finite).
    pub fn mean(&self, f: impl Fn(&CellResult) -> f64) -> f64 {
        let xs = self.values(f);
        if xs.is_empty() {
            f64::NAN
        } else {
            mean(&xs)
        }
    }

    /// Total of a counter over the repeats (saturating).
    pub fn sum(&self, f: impl Fn(&CellResult) -> u64) -> u64 {
        self.0.iter().fold(0u64, |a, c| a.saturating_add(f(c)))
    }

    /// Largest value of a counter over the repeats (0 with none).
    pub fn max(&self, f: impl Fn(&CellResult) -> u64) -> u64 {
        self.0.iter().map(|c| f(c)).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stalled_repeat_is_never_averaged_in_but_its_counters_add_up() {
        let cell = |rate: f64, stalled: bool| CellResult {
            allocs_per_sec: rate,
            stalled,
            pages_lost: 1,
            ..CellResult::default()
        };
        let (a, b, stuck) = (cell(1e6, false), cell(3e6, false), cell(0.0, true));
        let r = Repeats(vec![&a, &b, &stuck]);
        assert_eq!(
            r.allocs_per_sec(),
            1.5e6,
            "harmonic mean of the two that ran"
        );
        assert_eq!(r.mean(|c| c.allocs_per_sec), 2e6);
        assert_eq!(r.sum(|c| c.pages_lost), 3);
        assert!(Repeats(vec![&stuck]).allocs_per_sec().is_nan());
    }

    #[test]
    fn a_cell_whose_every_repeat_stalled_has_no_mean_and_its_file_loads() {
        use crate::results::fixture::{cell, file};
        use crate::results::schema::RepeatSummary;
        let mut cells = vec![
            cell("seqcount", 2, 0, 1e6, 10),
            cell("seqcount", 2, 1, 1e6, 10),
        ];
        for c in &mut cells {
            c.stalled = true;
        }
        let mut f = file(cells);
        f.summary = RepeatSummary::of(&f.cells);
        assert_eq!(f.summary[0].allocs_per_sec_hmean, None);
        assert_eq!(f.summary[0].lat_p50_mean, None);
        let path = std::env::temp_dir().join(format!("zb-stalled-{}.json", std::process::id()));
        crate::results::io::save(&path, &f).unwrap();
        let back = crate::results::io::load(&path);
        let _ = std::fs::remove_file(&path);
        assert_eq!(back.unwrap().summary, f.summary);
    }

    #[test]
    fn a_rate_interval_holds_its_harmonic_mean_and_needs_two_repeats() {
        let cell = |rate: f64| CellResult {
            allocs_per_sec: rate,
            ..CellResult::default()
        };
        let (a, b, c) = (cell(1e6), cell(2e6), cell(4e6));
        let r = Repeats(vec![&a, &b, &c]);
        let (lo, hi) = r.rate_ci95(|c| c.allocs_per_sec).unwrap();
        let h = r.allocs_per_sec();
        assert!(lo < h && h < hi, "{lo} {h} {hi}");
        // 1/x: mean 7/12 us, s = 0.382 us; t(2) = 4.303: 0.583 +- 0.949
        // reaches below 0, so no finite upper end.
        assert_eq!(hi, f64::INFINITY);
        assert!((lo - 1e6 / (7.0 / 12.0 + 4.303 * 0.3819 / 3f64.sqrt())).abs() < 1e3);
        let same = Repeats(vec![&b, &b]);
        assert_eq!(same.rate_ci95(|c| c.allocs_per_sec), Some((2e6, 2e6)));
        assert_eq!(Repeats(vec![&a]).rate_ci95(|c| c.allocs_per_sec), None);
    }
}
