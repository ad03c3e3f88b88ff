//! The rows of the review table: each [`Metric`], how a cell group's
//! repeats are combined into the value shown ([`Aggregate`], kept with the
//! per-repeat values in a [`Summary`]), and a value's [`Change`] against
//! its baseline with its significance.

use crate::metrics::stats::{hmean, mean, welch};
use crate::results::CellResult;
use crate::workload::spec::WriterMode;

/// How one cell group's repeats are combined into the value shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Aggregate {
    /// Harmonic mean: rates (allocations per second).
    Hmean,
    /// Arithmetic mean: times and per-section rates.
    Amean,
    /// Maximum over the repeats: worst cases.
    Max,
    /// Total over the repeats: event counts.
    Sum,
}

impl Aggregate {
    pub(super) fn name(self) -> &'static str {
        match self {
            Aggregate::Hmean => "Hmean",
            Aggregate::Amean => "Amean",
            Aggregate::Max => "Max",
            Aggregate::Sum => "Sum",
        }
    }

    pub(super) fn combine(self, xs: &[f64]) -> f64 {
        if xs.is_empty() {
            return f64::NAN;
        }
        match self {
            Aggregate::Hmean => hmean(xs),
            Aggregate::Amean => mean(xs),
            Aggregate::Max => xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Aggregate::Sum => xs.iter().sum(),
        }
    }
}

/// One row kind of the review table (its label adds `-<readers>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Metric {
    /// `allocs_per_sec`, all readers.
    AllocsPerSec,
    /// `read_latency_ns.p50`, ns.
    LatP50,
    /// `read_latency_ns.p99`, ns.
    LatP99,
    /// `retries_per_million` read sections.
    RetriesPerMillion,
    /// Per repeat: `writer.lock_wait_ns.max + writer.critical_ns.max`, ns,
    /// an upper bound on the longest single rebuild (waiting for the
    /// writer lock, then holding readers off); the maximum over repeats.
    /// Not shown for `writer=none`.
    WriterStall,
    /// `false_ooms`: allocations that failed with free memory available.
    FalseOoms,
    /// `stale_zone_visits`: walks that touched a zone already depopulated.
    StaleZoneVisits,
}

impl Metric {
    /// Every metric, in row order.
    pub(super) const ALL: [Metric; 7] = [
        Metric::AllocsPerSec,
        Metric::LatP50,
        Metric::LatP99,
        Metric::RetriesPerMillion,
        Metric::WriterStall,
        Metric::FalseOoms,
        Metric::StaleZoneVisits,
    ];

    /// Short name, as in the row label (`allocs/s`, `lat-p50`, ...).
    pub(super) fn name(self) -> &'static str {
        match self {
            Metric::AllocsPerSec => "allocs/s",
            Metric::LatP50 => "lat-p50",
            Metric::LatP99 => "lat-p99",
            Metric::RetriesPerMillion => "retries/M",
            Metric::WriterStall => "writer-stall",
            Metric::FalseOoms => "false-ooms",
            Metric::StaleZoneVisits => "stale",
        }
    }

    pub(super) fn aggregate(self) -> Aggregate {
        match self {
            Metric::AllocsPerSec => Aggregate::Hmean,
            Metric::LatP50 | Metric::LatP99 | Metric::RetriesPerMillion => Aggregate::Amean,
            Metric::WriterStall => Aggregate::Max,
            Metric::FalseOoms | Metric::StaleZoneVisits => Aggregate::Sum,
        }
    }

    pub(super) fn higher_is_better(self) -> bool {
        matches!(self, Metric::AllocsPerSec)
    }

    /// Whole numbers (counts, maxima of integer nanoseconds): shown
    /// without decimals.
    pub(super) fn integral(self) -> bool {
        matches!(
            self.aggregate(),
            Aggregate::Max | Aggregate::Sum | Aggregate::Hmean
        )
    }

    /// The row label, mmtests style, the aggregate padded so that the
    /// names line up: `Hmean allocs/s-2`, `Max   writer-stall-2`.
    pub(super) fn label(self, readers: usize) -> String {
        format!("{:<5} {}-{readers}", self.aggregate().name(), self.name())
    }

    /// Whether the metric means anything for cells with this writer.
    pub(super) fn applies(self, writer: WriterMode) -> bool {
        !(self == Metric::WriterStall && writer == WriterMode::None)
    }

    /// The value of one repeat.
    pub(super) fn sample(self, c: &CellResult) -> f64 {
        match self {
            Metric::AllocsPerSec => c.allocs_per_sec,
            Metric::LatP50 => c.read_latency_ns.p50 as f64,
            Metric::LatP99 => c.read_latency_ns.p99 as f64,
            Metric::RetriesPerMillion => c.retries_per_million,
            Metric::WriterStall => (c.writer.lock_wait_ns.max + c.writer.critical_ns.max) as f64,
            Metric::FalseOoms => c.stats.false_ooms as f64,
            Metric::StaleZoneVisits => c.stats.stale_zone_visits as f64,
        }
    }
}

/// One metric of one cell group: the combined value and the per-repeat
/// values it came from.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Summary {
    pub value: f64,
    pub samples: Vec<f64>,
}

impl Summary {
    /// Over `cells`; a stalled repeat counts in totals and maxima only
    /// (as in `results/repeats.rs`).
    pub(super) fn of(metric: Metric, cells: &[&CellResult]) -> Summary {
        let averaged = matches!(metric.aggregate(), Aggregate::Hmean | Aggregate::Amean);
        let samples: Vec<f64> = cells
            .iter()
            .filter(|c| !(averaged && c.stalled))
            .map(|c| metric.sample(c))
            .collect();
        Summary {
            value: metric.aggregate().combine(&samples),
            samples,
        }
    }
}

/// A value against its baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Change {
    /// Change in percent of the baseline, positive = better (for
    /// lower-is-better metrics the sign is inverted). `None` where the
    /// baseline is 0 (or not finite) and the value differs from it: no
    /// percentage exists. Equal values are 0%, zeros included.
    pub pct: Option<f64>,
    /// Welch's t-test at 95% on the per-repeat values says the two differ
    /// (and the shown values differ).
    pub significant: bool,
}

impl Change {
    pub(super) fn between(metric: Metric, base: &Summary, new: &Summary) -> Change {
        let (b, n) = (base.value, new.value);
        let pct = if b == n {
            Some(0.0)
        } else if b == 0.0 || !b.is_finite() || !n.is_finite() {
            None
        } else {
            let raw = (n - b) / b.abs() * 100.0;
            Some(if metric.higher_is_better() { raw } else { -raw })
        };
        let differs = b != n;
        Change {
            pct,
            significant: differs
                && welch(&base.samples, &new.samples).is_some_and(|w| w.significant),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Report, ReportOpts};
    use super::*;
    use crate::results::fixture::{cell, file};

    #[test]
    fn writer_stall_is_max_of_wait_plus_hold_and_absent_without_writer() {
        let mut a = cell("seqcount", 1, 0, 1.0, 1);
        a.writer.lock_wait_ns.max = 100;
        a.writer.critical_ns.max = 50;
        let mut b = cell("seqcount", 1, 1, 1.0, 1);
        b.writer.lock_wait_ns.max = 10;
        b.writer.critical_ns.max = 500;
        let mut c = cell("seqcount", 2, 0, 1.0, 1);
        c.spec.writer = WriterMode::None;
        let r = Report::build(&file(vec![a, b, c]), "x", &ReportOpts::default()).unwrap();
        let s = r.sections[0].group("seqcount", 1).unwrap();
        assert_eq!(s.get(Metric::WriterStall).unwrap().value, 510.0);
        assert!(r.sections[1]
            .group("seqcount", 2)
            .unwrap()
            .get(Metric::WriterStall)
            .is_none());
    }

    #[test]
    fn changes_are_signed_better_positive() {
        let s = |v: f64| Summary {
            value: v,
            samples: vec![v],
        };
        let up = Change::between(Metric::AllocsPerSec, &s(100.0), &s(110.0));
        assert!((up.pct.unwrap() - 10.0).abs() < 1e-9);
        let slower = Change::between(Metric::LatP50, &s(100.0), &s(110.0));
        assert!((slower.pct.unwrap() + 10.0).abs() < 1e-9);
        // One repeat a side: never significant.
        assert!(!up.significant);
        assert_eq!(
            Change::between(Metric::FalseOoms, &s(0.0), &s(3.0)).pct,
            None
        );
        assert_eq!(
            Change::between(Metric::FalseOoms, &s(0.0), &s(0.0)).pct,
            Some(0.0)
        );
        let reps = |v: [f64; 3]| Summary {
            value: mean(&v),
            samples: v.to_vec(),
        };
        let sig = Change::between(
            Metric::LatP99,
            &reps([100.0, 101.0, 99.0]),
            &reps([150.0, 151.0, 149.0]),
        );
        assert!(sig.significant);
    }
}
