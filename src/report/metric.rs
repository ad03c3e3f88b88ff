//! The rows of the review table: each [`Metric`], how a cell group's
//! repeats are combined into the value shown ([`Aggregate`], kept with the
//! per-repeat values in a [`Summary`]), and a value's [`Change`] against
//! its baseline with its significance.

use crate::metrics::family::Correction;
use crate::metrics::paired::{pair, Blocks, Paired, Sample};
use crate::metrics::stats::{hmean, mean};
use crate::results::CellResult;
use crate::workload::spec::WriterMode;

/// How one cell group's repeats are combined into the value shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Aggregate {
    /// Harmonic mean: rates (allocations per second).
    Hmean,
    /// Arithmetic mean: times and per-section rates.
    Amean,
}

impl Aggregate {
    pub(super) fn name(self) -> &'static str {
        match self {
            Aggregate::Hmean => "Hmean",
            Aggregate::Amean => "Amean",
        }
    }

    pub(super) fn combine(self, xs: &[f64]) -> f64 {
        if xs.is_empty() {
            return f64::NAN;
        }
        match self {
            Aggregate::Hmean => hmean(xs),
            Aggregate::Amean => mean(xs),
        }
    }
}

/// One row kind of the review table (its label adds `-<readers>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Metric {
    /// `allocs_per_sec`, all readers.
    AllocsPerSec,
    /// Nanoseconds per allocation on each reader (`readers` x 1e9 /
    /// `allocs_per_sec`): a guard's cost per allocation in absolute terms
    /// is its value minus the baseline's, which carries to a kernel whose
    /// allocation costs a different amount; the percentage alone does not.
    NsPerAlloc,
    /// `read_latency_ns.p50`, ns.
    LatP50,
    /// `read_latency_ns.p99`, ns.
    LatP99,
    /// `retries_per_million` read sections.
    RetriesPerMillion,
    /// Per repeat: `writer.lock_wait_ns.max + writer.critical_ns.max`, ns,
    /// an upper bound on the longest single rebuild (waiting for the
    /// writer lock, then holding readers off); the mean over repeats of
    /// each repeat's worst, so that its change is the paired one of every
    /// other row. Not shown for `writer=none`.
    WriterStall,
    /// `false_ooms` per million allocations: allocations that failed with
    /// free memory available (a rate, so that runs of different lengths
    /// compare).
    FalseOoms,
    /// `stale_zone_visits` per million allocations: walks that touched a
    /// zone already depopulated.
    StaleZoneVisits,
    /// `false_oom_kills` per million OOM checks (`oom_checks`): tasks
    /// killed with a free zone the may_oom walk missed; the hotplug
    /// writer's cells only (no other writer changes the zonelists).
    FalseKills,
}

impl Metric {
    /// Every metric, in row order.
    pub(super) const ALL: [Metric; 9] = [
        Metric::AllocsPerSec,
        Metric::NsPerAlloc,
        Metric::LatP50,
        Metric::LatP99,
        Metric::RetriesPerMillion,
        Metric::WriterStall,
        Metric::FalseOoms,
        Metric::StaleZoneVisits,
        Metric::FalseKills,
    ];

    /// Short name, as in the row label (`allocs/s`, `lat-p50`, ...).
    pub(super) fn name(self) -> &'static str {
        match self {
            Metric::AllocsPerSec => "allocs/s",
            Metric::NsPerAlloc => "ns/alloc",
            Metric::LatP50 => "lat-p50",
            Metric::LatP99 => "lat-p99",
            Metric::RetriesPerMillion => "retries/M",
            Metric::WriterStall => "writer-stall",
            Metric::FalseOoms => "false-ooms/M",
            Metric::StaleZoneVisits => "stale/M",
            Metric::FalseKills => "false-kills/M",
        }
    }

    pub(super) fn aggregate(self) -> Aggregate {
        match self {
            Metric::AllocsPerSec => Aggregate::Hmean,
            Metric::NsPerAlloc
            | Metric::LatP50
            | Metric::LatP99
            | Metric::RetriesPerMillion
            | Metric::FalseOoms
            | Metric::StaleZoneVisits
            | Metric::FalseKills
            | Metric::WriterStall => Aggregate::Amean,
        }
    }

    pub(super) fn higher_is_better(self) -> bool {
        matches!(self, Metric::AllocsPerSec)
    }

    /// Whole numbers (counts, maxima of integer nanoseconds): shown
    /// without decimals.
    pub(super) fn integral(self) -> bool {
        matches!(self, Metric::AllocsPerSec | Metric::WriterStall)
    }

    /// The row label, mmtests style, the aggregate padded so that the
    /// names line up: `Hmean allocs/s-2`, `Amean writer-stall-2`.
    pub(super) fn label(self, readers: usize) -> String {
        format!("{:<5} {}-{readers}", self.aggregate().name(), self.name())
    }

    /// Whether the metric means anything for cells with this writer.
    pub(super) fn applies(self, writer: WriterMode) -> bool {
        match self {
            Metric::WriterStall => writer != WriterMode::None,
            Metric::FalseKills => writer == WriterMode::Hotplug,
            _ => true,
        }
    }

    /// The value in each block of an interleaved repeat, for the metrics
    /// that have one (the rate and its reciprocal).
    pub(super) fn blocks(self, c: &CellResult) -> Option<Blocks> {
        let rates = c.block_rates()?;
        match self {
            Metric::AllocsPerSec => Some(rates),
            Metric::NsPerAlloc => Some(Blocks {
                values: rates
                    .values
                    .iter()
                    .map(|r| c.spec.readers as f64 * 1e9 / r)
                    .collect(),
                ..rates
            }),
            _ => None,
        }
    }

    /// The value of one repeat.
    pub(super) fn sample(self, c: &CellResult) -> f64 {
        match self {
            Metric::AllocsPerSec => c.allocs_per_sec,
            Metric::NsPerAlloc => c.spec.readers as f64 * 1e9 / c.allocs_per_sec,
            Metric::LatP50 => c.read_latency_ns.p50 as f64,
            Metric::LatP99 => c.read_latency_ns.p99 as f64,
            Metric::RetriesPerMillion => c.retries_per_million,
            Metric::WriterStall => (c.writer.lock_wait_ns.max + c.writer.critical_ns.max) as f64,
            Metric::FalseOoms => per_million(c.stats.false_ooms, c.stats.allocs),
            Metric::StaleZoneVisits => per_million(c.stats.stale_zone_visits, c.stats.allocs),
            Metric::FalseKills => per_million(c.stats.false_oom_kills, c.stats.oom_checks),
        }
    }
}

/// Events per million of `allocs` (allocations, or OOM checks; NaN
/// without any).
fn per_million(events: u64, allocs: u64) -> f64 {
    if allocs == 0 {
        f64::NAN
    } else {
        events as f64 * 1e6 / allocs as f64
    }
}

/// One metric of one cell group: the combined value and the per-repeat
/// values it came from, with each one's round (the cell's `repeat`).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Summary {
    /// `samples` combined as the metric's [`Aggregate`] says.
    pub value: f64,
    /// ns/alloc of a guard other than the baseline: the baseline's
    /// `value` times the guard's paired ratio (its change), so that the
    /// difference of two columns is a guard's cost per allocation measured
    /// in the same rounds (set by the report's model); what the tables
    /// show in place of `value`. `None` elsewhere.
    pub paired: Option<f64>,
    pub samples: Vec<f64>,
    /// `rounds[i]` is the round (`repeat`) `samples[i]` was measured in,
    /// `probes[i]` the machine probes around its cell that pairing heeds
    /// (none for an interleaved cell: its round's guards shared every
    /// state), `modes[i]` those probes whatever the cell (what `compare`
    /// tells modes apart by; may be empty: unknown).
    pub rounds: Vec<usize>,
    pub probes: Vec<Option<(f64, f64)>>,
    pub modes: Vec<Option<(f64, f64)>>,
    /// `blocks[i]`: the metric in each block of an interleaved round
    /// (rates and their reciprocals only; missing or `None` otherwise).
    pub blocks: Vec<Option<Blocks>>,
}

impl Summary {
    /// Over `cells`, less stalled repeats: every metric is a mean, and a
    /// stalled repeat is never averaged in (as in `results/repeats.rs`).
    pub(super) fn of(metric: Metric, cells: &[&CellResult]) -> Summary {
        let kept: Vec<&&CellResult> = cells.iter().filter(|c| !c.stalled).collect();
        let samples: Vec<f64> = kept.iter().map(|c| metric.sample(c)).collect();
        Summary {
            value: metric.aggregate().combine(&samples),
            paired: None,
            samples,
            rounds: kept.iter().map(|c| c.spec.repeat).collect(),
            probes: kept.iter().map(|c| c.probes()).collect(),
            modes: kept
                .iter()
                .map(|c| c.probe_rtt_ns.zip(c.probe_end_ns))
                .collect(),
            blocks: kept.iter().map(|c| metric.blocks(c)).collect(),
        }
    }

    /// The samples whose index `keep` selects, combined again.
    pub(super) fn only(&self, metric: Metric, keep: impl Fn(usize) -> bool) -> Summary {
        let idx: Vec<usize> = (0..self.samples.len()).filter(|&i| keep(i)).collect();
        let samples: Vec<f64> = idx.iter().map(|&i| self.samples[i]).collect();
        Summary {
            value: metric.aggregate().combine(&samples),
            paired: None,
            samples,
            rounds: idx.iter().map(|&i| self.rounds[i]).collect(),
            probes: idx.iter().map(|&i| self.probes[i]).collect(),
            modes: idx
                .iter()
                .map(|&i| self.modes.get(i).copied().flatten())
                .collect(),
            blocks: idx
                .iter()
                .map(|&i| self.blocks.get(i).cloned().flatten())
                .collect(),
        }
    }

    /// The value the tables show: [`Summary::paired`] where there is one,
    /// else [`Summary::value`].
    pub(super) fn shown(&self) -> f64 {
        self.paired.unwrap_or(self.value)
    }

    /// The samples with their rounds and probes.
    pub(super) fn by_round(&self) -> Vec<Sample> {
        (0..self.samples.len())
            .map(|i| Sample {
                round: self.rounds[i],
                value: self.samples[i],
                probes: self.probes.get(i).copied().flatten(),
                blocks: self.blocks.get(i).cloned().flatten(),
            })
            .collect()
    }
}

/// A value against its baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Change {
    /// Change in percent of the baseline, positive = better (for
    /// lower-is-better metrics the sign is inverted). Measured in the same
    /// rounds: the Hodges-Lehmann estimate of the per-round ratios
    /// (`metrics/paired.rs`); otherwise the ratio of the two values shown.
    /// `None` where the baseline is 0 (or not finite) and the value
    /// differs from it: no percentage exists. Equal values are 0%.
    pub pct: Option<f64>,
    /// The 95% interval of `pct`, oriented like it (low <= high).
    pub ci: Option<(f64, f64)>,
    /// The smallest change (percent, either direction) the comparison
    /// would find with 80% power: where nothing is marked, no difference
    /// larger than this.
    pub mde: Option<f64>,
    /// Rounds (or repeats a side) the test rests on.
    pub n: usize,
    /// Rounds left out of a paired test: the two cells ran in different
    /// modes of the machine (`metrics/paired.rs`).
    pub split: usize,
    /// Two-sided p of the test (NaN: not testable).
    pub p: f64,
    /// `p` corrected for the table's family of comparisons.
    pub p_adjusted: f64,
    /// Marked: `p_adjusted` below 0.05, the interval excludes 0 and the
    /// change exceeds the practical threshold (set by [`mark`]).
    pub significant: bool,
}

impl Change {
    /// The change of `new` against `base` measured in the same rounds: the
    /// per-round ratios (`metrics/paired.rs`); untested where fewer than
    /// two rounds are shared or a value is 0 in some round.
    pub(super) fn paired(metric: Metric, base: &Summary, new: &Summary) -> Change {
        let mut c = Change::plain(metric, base, new);
        let pairs = pair(&new.by_round(), &base.by_round());
        c.split = pairs.split;
        let Some(p) = Paired::of_ratios(&pairs.ratios) else {
            return c;
        };
        let orient = |x: f64| if metric.higher_is_better() { x } else { -x };
        let (lo, hi) = p.ci_pct();
        let (lo, hi) = (orient(lo), orient(hi));
        c.pct = Some(orient(p.pct()));
        c.ci = Some((lo.min(hi), lo.max(hi)));
        c.mde = Some(p.mde * 100.0);
        c.n = p.rounds;
        c.p = p.p;
        c
    }

    /// The two values' percentage, untested (the baseline against
    /// itself).
    pub(super) fn plain(metric: Metric, base: &Summary, new: &Summary) -> Change {
        let (b, n) = (base.shown(), new.shown());
        let pct = if b == n {
            Some(0.0)
        } else if b == 0.0 || !b.is_finite() || !n.is_finite() {
            None
        } else {
            let raw = (n - b) / b.abs() * 100.0;
            Some(if metric.higher_is_better() { raw } else { -raw })
        };
        Change {
            pct,
            ci: None,
            mde: None,
            n: 0,
            split: 0,
            p: f64::NAN,
            p_adjusted: f64::NAN,
            significant: false,
        }
    }
}

/// How a family of changes is marked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Marking {
    /// The practical threshold, percent: smaller changes are never marked.
    pub threshold_pct: f64,
    pub correction: Correction,
}

impl Default for Marking {
    fn default() -> Self {
        Marking {
            threshold_pct: 1.0,
            correction: Correction::default(),
        }
    }
}

/// Correct the p-values of one family of changes (one table) and mark
/// those that pass all three tests: corrected p below 0.05, an interval
/// that excludes 0, a change beyond the threshold.
pub(super) fn mark(changes: &mut [&mut Change], marking: Marking) {
    let p: Vec<f64> = changes.iter().map(|c| c.p).collect();
    for (c, adj) in changes.iter_mut().zip(marking.correction.adjust(&p)) {
        c.p_adjusted = adj;
        c.significant = adj < 0.05
            && c.ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
            && c.pct.is_some_and(|p| p.abs() > marking.threshold_pct);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Report, ReportOpts};
    use super::*;
    use crate::results::fixture::{cell, file};

    #[test]
    fn writer_stall_is_wait_plus_hold_and_absent_without_writer() {
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
        assert_eq!(
            s.get(Metric::WriterStall).unwrap().value,
            (150.0 + 510.0) / 2.0
        );
        assert!(r.sections[1]
            .group("seqcount", 2)
            .unwrap()
            .get(Metric::WriterStall)
            .is_none());
    }

    /// A summary of per-round values, rounds 0, 1, ...
    fn rounds(v: &[f64]) -> Summary {
        Summary {
            value: mean(v),
            paired: None,
            samples: v.to_vec(),
            rounds: (0..v.len()).collect(),
            probes: vec![None; v.len()],
            modes: Vec::new(),
            blocks: Vec::new(),
        }
    }

    #[test]
    fn changes_are_signed_better_positive() {
        let up = Change::paired(Metric::AllocsPerSec, &rounds(&[100.0]), &rounds(&[110.0]));
        assert!((up.pct.unwrap() - 10.0).abs() < 1e-9);
        let slower = Change::paired(Metric::LatP50, &rounds(&[100.0]), &rounds(&[110.0]));
        assert!((slower.pct.unwrap() + 10.0).abs() < 1e-9);
        // One round: untested, never marked.
        assert!(up.p.is_nan() && up.ci.is_none() && !up.significant);
        let zero = |v| Change::paired(Metric::FalseOoms, &rounds(&[0.0]), &rounds(&[v]));
        assert_eq!(zero(3.0).pct, None);
        assert_eq!(zero(0.0).pct, Some(0.0));
    }

    #[test]
    fn an_interleaved_cell_pairs_by_blocks_but_keeps_its_modes_for_compare() {
        let mut c = cell("seqcount", 1, 0, 100.0, 10);
        c.probe_rtt_ns = Some(80.0);
        c.probe_end_ns = Some(400.0);
        c.interleave = Some(crate::results::cell::InterleaveRecord {
            arms: 2,
            phase_ms: 5.0,
            phases: 40,
            refill_slowdown_pct: None,
            block_rates: vec![Some(100.0); 8],
        });
        let s = Summary::of(Metric::AllocsPerSec, &[&c]);
        assert_eq!(s.probes, [None]);
        assert_eq!(s.modes, [Some((80.0, 400.0))]);
        assert_eq!(s.blocks[0].as_ref().map(|b| b.values.len()), Some(8));
        // A latency has no blocks; it pairs by the round's value.
        assert!(Summary::of(Metric::LatP50, &[&c]).blocks[0].is_none());
    }

    #[test]
    fn paired_changes_are_the_per_round_ratios_matched_by_round() {
        // The machine halves its speed in rounds 2 and 3; the guard is 10%
        // faster in every round. Samples arrive out of order.
        let base = Summary {
            value: 0.0,
            paired: None,
            samples: vec![100.0, 100.0, 50.0, 50.0, 100.0, 50.0],
            rounds: vec![0, 1, 2, 3, 4, 5],
            probes: vec![None; 6],
            modes: Vec::new(),
            blocks: Vec::new(),
        };
        let new = Summary {
            value: 0.0,
            paired: None,
            samples: vec![55.0, 110.0, 110.0, 55.0, 110.0, 55.0],
            rounds: vec![5, 4, 0, 2, 1, 3],
            probes: vec![None; 6],
            modes: Vec::new(),
            blocks: Vec::new(),
        };
        let c = Change::paired(Metric::AllocsPerSec, &base, &new);
        assert!((c.pct.unwrap() - 10.0).abs() < 1e-9, "{c:?}");
        assert_eq!(
            c.ci.map(|(lo, hi)| (lo.round(), hi.round())),
            Some((10.0, 10.0))
        );
        assert_eq!(c.n, 6);
        assert!((c.p - 2.0 / 64.0).abs() < 1e-12, "{c:?}");
        // Latency: 10% higher in every round is a 10% loss, the interval
        // flipped with it.
        let lat = Change::paired(Metric::LatP99, &base, &new);
        assert!((lat.pct.unwrap() + 10.0).abs() < 1e-9);
        let (lo, hi) = lat.ci.unwrap();
        assert!(lo <= hi && hi < 0.0);
        // A round only one side measured is left out.
        let mut short = new.clone();
        short.samples.pop();
        short.rounds.pop();
        short.probes.pop();
        assert_eq!(Change::paired(Metric::AllocsPerSec, &base, &short).n, 5);
        // A round whose two cells ran in different modes is left out.
        let mut moved = new.clone();
        moved.probes[0] = Some((400.0, 410.0));
        let mut base_modes = base.clone();
        base_modes.probes = vec![Some((80.0, 82.0)); 6];
        let c = Change::paired(Metric::AllocsPerSec, &base_modes, &moved);
        assert_eq!((c.n, c.split), (5, 1));
    }

    #[test]
    fn marks_need_the_corrected_p_the_interval_and_the_threshold() {
        let change = |pct: f64, ci: (f64, f64), p: f64| Change {
            pct: Some(pct),
            ci: Some(ci),
            mde: Some(1.0),
            n: 10,
            split: 0,
            p,
            p_adjusted: f64::NAN,
            significant: false,
        };
        let marking = Marking {
            threshold_pct: 2.0,
            correction: Correction::Holm,
        };
        let mut a = change(5.0, (3.0, 7.0), 0.001);
        // Under the 2% threshold, however certain.
        let mut b = change(1.5, (1.0, 2.0), 0.04);
        // The interval reaches 0.
        let mut c = change(5.0, (-0.5, 9.0), 0.001);
        // p = 0.03 alone, but 0.06 after Holm over four (second largest).
        let mut d = change(-6.0, (-9.0, -3.0), 0.03);
        mark(&mut [&mut a, &mut b, &mut c, &mut d], marking);
        assert!(a.significant);
        assert!(!b.significant && !c.significant && !d.significant);
        assert!((d.p_adjusted - 0.06).abs() < 1e-12, "{d:?}");
        // The threshold's edge: exactly 2% is not beyond it.
        let mut e = change(2.0, (1.5, 2.5), 0.001);
        let mut f = change(-2.01, (-2.5, -1.5), 0.001);
        mark(&mut [&mut e, &mut f], marking);
        assert!(!e.significant && f.significant);
        // A 0 threshold marks any certain change.
        let mut g = change(0.5, (0.1, 0.9), 0.001);
        let zero = Marking {
            threshold_pct: 0.0,
            ..marking
        };
        mark(&mut [&mut g], zero);
        assert!(g.significant);
    }
}
