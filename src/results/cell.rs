//! One cell as the results file records it: what it was asked to be (the
//! spec's keys), what it measured, and the invariants it must keep.
//!
//! This is the file format, defined here and nowhere else: the allocator's
//! and the runner's own types are converted into it field by field, so a
//! counter added to the model changes no file until it is added here too.

use crate::alloc::AllocStats;
use crate::alloc::RETRY_BUCKETS;
use crate::metrics::paired::Blocks;
use crate::metrics::HistSummary;
use crate::mm::check::PageAccount;
use crate::workload::runner::Measurement;
use crate::workload::spec::{CellSpec, WriterMode};
use crate::workload::writer::WriterStats;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CellResult {
    #[serde(flatten)]
    pub spec: CellSpec,
    /// More readers than logical CPUs: measures preemption, not contention.
    pub oversubscribed: bool,
    /// Whether reader threads were pinned.
    pub pinned: bool,
    pub measured_s: f64,
    pub allocs_per_sec: f64,
    pub allocs_per_sec_min_reader: f64,
    pub allocs_per_sec_max_reader: f64,
    /// Counters over the measured interval (the warm-up left out; the
    /// invariants `isolated_allocs` and `bad_pages` over the whole run),
    /// all readers; their
    /// keys (`false_ooms`, `true_ooms`, `isolated_allocs`, ...) sit at the
    /// top level of the cell.
    #[serde(flatten)]
    pub stats: Counters,
    /// Allocation latency as the caller sees it, sampled (see `meta`).
    pub read_latency_ns: HistSummary,
    /// The guard section alone, begin to end with retries.
    pub section_ns: HistSummary,
    /// Restarts per million read sections.
    pub retries_per_million: f64,
    /// Allocations that retried 1, 2, 3, 4+ times.
    pub retry_hist: [u64; RETRY_BUCKETS],
    /// Time readers waited inside the guard (odd count, lock), ns.
    pub reader_stall_ns: Stall,
    /// Sections that took the guard's lock after a lockless pass had to
    /// retry (`read_seqbegin_or_lock`), all readers.
    #[serde(default)]
    pub locked_passes: u64,
    pub writer: WriterStats,
    /// The watchdog fired: the cell made no progress and was torn down.
    #[serde(default)]
    pub stalled: bool,
    #[serde(default)]
    pub stall_report: Vec<String>,
    pub pages: PageAccount,
    /// Conservation: pages accounted nowhere at the end of the run.
    pub pages_lost: u64,
    /// CPU time the slowest-served reader got over the measured interval
    /// (1: a whole CPU throughout); null where it could not be read, and
    /// in files from before it was recorded.
    #[serde(default)]
    pub cpu_share: Option<f64>,
    /// CPU time the cell's own writer thread took (1: a whole CPU): what
    /// it left the readers is their fair share.
    #[serde(default)]
    pub writer_cpu_share: f64,
    /// Time the readers waited on a run queue, ns, all readers.
    #[serde(default)]
    pub runqueue_wait_ns: u64,
    /// The readers' involuntary context switches.
    #[serde(default)]
    pub involuntary_switches: u64,
    /// The hypervisor's steal time over the interval, ns, whole machine.
    #[serde(default)]
    pub steal_ns: u64,
    /// The cache-line round trip between the first two reader CPUs, ns,
    /// measured just before the cell and just after it
    /// (`workload/pingpong.rs`): the machine's mode. Null where it could
    /// not be measured (unpinned, one CPU) and in files from before it was.
    #[serde(default)]
    pub probe_rtt_ns: Option<f64>,
    #[serde(default)]
    pub probe_end_ns: Option<f64>,
    /// Disturbed by the rule of `workload/interference.rs`, and why.
    #[serde(default)]
    pub disturbed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disturbed_why: Option<String>,
    /// How the cell shared its round with the other guards of its group
    /// (`workload/conductor.rs`); absent for a cell that ran alone, and in
    /// files from before guards were interleaved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interleave: Option<InterleaveRecord>,
}

/// A cell measured interleaved with the other guards of its group: every
/// guard resident at once, the active one switched every phase.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct InterleaveRecord {
    /// Guards (arms) in the group, this one included.
    pub arms: usize,
    /// The phase length, milliseconds.
    pub phase_ms: f64,
    /// This guard's measured phases, summed over its readers.
    pub phases: u64,
    /// How much slower the first allocations of a phase ran than the rest
    /// (the guard's working set coming back into the caches), percent;
    /// they are counted in the rate.
    pub refill_slowdown_pct: Option<f64>,
    /// Allocations per second (all readers) in each complete block of the
    /// round, in order; the same index is the same block for every guard
    /// of the round (null: a reader missed the guard's phase of it). What
    /// `metrics/paired.rs` compares guards by.
    #[serde(default)]
    pub block_rates: Vec<Option<f64>>,
}

impl CellResult {
    /// The machine probes around the cell, before and after (see
    /// [`crate::metrics::paired::same_mode`]). An interleaved cell has
    /// none to pair by: its group's guards shared every state of the
    /// machine phase by phase, so a mode change during its round is not a
    /// reason to leave the round out (the probes stay in the file).
    pub fn probes(&self) -> Option<(f64, f64)> {
        if self.interleave.is_some() {
            return None;
        }
        self.probe_rtt_ns.zip(self.probe_end_ns)
    }

    /// Allocations per second in each block of an interleaved round
    /// (NaN where missing); `None` for a cell that ran alone.
    pub(crate) fn block_rates(&self) -> Option<Blocks> {
        self.interleave.as_ref().map(|i| Blocks {
            values: i
                .block_rates
                .iter()
                .map(|r| r.unwrap_or(f64::NAN))
                .collect(),
            sparse: self.spec.writer != WriterMode::None
                && self.spec.writer_rate_hz * i.phase_ms / 1e3 < 1.0,
        })
    }

    /// The invariants every run must keep, whatever the guard.
    pub fn violations(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.pages_lost != 0 {
            v.push(format!("{} pages lost", self.pages_lost));
        }
        if self.pages.duplicated != 0 || self.stats.bad_pages != 0 {
            v.push(format!(
                "pages handed out twice: {} duplicated, {} bad page states",
                self.pages.duplicated, self.stats.bad_pages
            ));
        }
        if self.stats.isolated_allocs != 0 {
            v.push(format!(
                "{} allocations from isolated or offline memory",
                self.stats.isolated_allocs
            ));
        }
        if self.pages.inconsistencies != 0 {
            v.push(format!(
                "{} free-list inconsistencies: {}",
                self.pages.inconsistencies,
                self.pages.notes.join("; ")
            ));
        }
        v
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Stall {
    pub total: u64,
    pub max: u64,
}

/// Defines the file's counter struct and its conversion from the
/// allocator's: each counter the file records is named here once.
macro_rules! file_counters {
    ($(#[$meta:meta])* pub struct $name:ident from $src:ty { $($(#[doc = $doc:expr])* $field:ident,)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[doc = $doc])* pub $field: u64,)*
        }

        impl From<&$src> for $name {
            fn from(s: &$src) -> Self {
                $name { $($field: s.$field,)* }
            }
        }
    };
}

file_counters! {
    /// The allocation counters of a cell, all readers, as the file names
    /// them (keys at the top level of the cell).
    #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
    #[serde(default)]
    pub struct Counters from AllocStats {
        allocs,
        frees,
        slowpath_entries,
        /// Read sections begun (`zonelist_iter_begin`).
        sections,
        /// Sections restarted because the guard said the zonelist changed.
        retries,
        /// Retries at `check_retry_zonelist` without which the allocation
        /// would have failed.
        retries_needed,
        /// Slowpath passes a rebuild overlapped (ground truth).
        rebuild_overlaps,
        reclaim_rounds,
        reclaimed_pages,
        /// Failed with an eligible zone above MIN that the walk missed.
        false_ooms,
        true_ooms,
        /// `__alloc_pages_may_oom` entered (older files: 0).
        oom_checks,
        /// Its walk failed and a task was killed.
        oom_kills,
        /// Kills with an eligible zone missed by the walk that would have
        /// passed its HIGH watermark check.
        false_oom_kills,
        /// Zone visits on a zonelist a rebuild had already replaced.
        stale_zone_visits,
        /// Costly orders (> 3) that failed legitimately.
        costly_failures,
        /// Pages handed out from an isolated or offline pageblock (must be 0).
        isolated_allocs,
        /// Pages handed out twice or freed while free (must be 0).
        bad_pages,
        /// Pages from a zone above the request's highest zone (a torn
        /// zoneref or the unfiltered preferred slot; older files: 0).
        ineligible_allocs,
        /// Allocations with more than LONG_RECLAIM rounds of direct
        /// reclaim (older files: 0).
        long_reclaims,
        /// Long retries still looping when the run was torn down (a
        /// livelock; older files: 0).
        livelocked,
    }
}

impl From<Measurement> for CellResult {
    /// Rates over the measured interval; counters, histograms and waits
    /// summarised as the file keeps them.
    fn from(m: Measurement) -> Self {
        let stats = Counters::from(&m.stats);
        CellResult {
            oversubscribed: m.oversubscribed,
            pinned: m.pinned,
            measured_s: m.measured_s,
            allocs_per_sec: m.per_reader.iter().sum(),
            allocs_per_sec_min_reader: m.per_reader.iter().cloned().fold(f64::INFINITY, f64::min),
            allocs_per_sec_max_reader: m.per_reader.iter().cloned().fold(0.0, f64::max),
            read_latency_ns: m.latency.summary(),
            section_ns: m.section.summary(),
            retries_per_million: if stats.sections == 0 {
                0.0
            } else {
                stats.retries as f64 * 1e6 / stats.sections as f64
            },
            retry_hist: m.retry_hist,
            reader_stall_ns: Stall {
                total: m.probe.stall_ns,
                max: m.probe.stall_max_ns,
            },
            locked_passes: m.probe.locked_passes,
            stalled: !m.stall_report.is_empty(),
            stall_report: m.stall_report,
            pages_lost: m.pages.lost,
            pages: m.pages,
            writer: m.writer,
            stats,
            spec: m.spec,
            cpu_share: m.interference.cpu_share,
            writer_cpu_share: m.interference.writer_cpu_share,
            runqueue_wait_ns: m.interference.runqueue_wait_ns,
            involuntary_switches: m.interference.involuntary_switches,
            steal_ns: m.interference.steal_ns,
            probe_rtt_ns: None,
            probe_end_ns: None,
            disturbed: m.interference.disturbed.is_some(),
            disturbed_why: m.interference.disturbed,
            interleave: m.interleave.map(|i| InterleaveRecord {
                arms: i.arms,
                phase_ms: i.phase_ms,
                phases: i.phases,
                refill_slowdown_pct: i.refill_slowdown.map(|x| x * 100.0),
                block_rates: i
                    .block_rates
                    .iter()
                    .map(|&r| r.is_finite().then_some(r))
                    .collect(),
            }),
        }
    }
}
