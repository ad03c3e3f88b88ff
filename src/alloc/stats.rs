//! What one simulated CPU counts while it allocates: the per-thread
//! counters (summed after the run), the sampled section times and the retry
//! histogram.

use crate::guard::ReaderProbe;
use crate::metrics::timer;
use crate::metrics::Hist;
use crate::mm::mempolicy::Mempolicy;

/// Defines a struct of u64 counters and its field-by-field `add`.
macro_rules! counters {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[doc = $doc:expr])* pub $field:ident: u64,)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[doc = $doc])* pub $field: u64,)*
        }

        impl $name {
            /// Add `o`'s counters to these (merging per-thread counters).
            pub fn add(&mut self, o: &$name) {
                $(self.$field += o.$field;)*
            }
        }
    };
}

counters! {
    /// Per-thread allocation counters (owned by one thread; summed after
    /// join). The results file records them as `results::Counters`.
    #[derive(Default, Debug, Clone, PartialEq)]
    pub struct AllocStats {
    pub allocs: u64,
    pub frees: u64,
    pub slowpath_entries: u64,
    /// Read sections begun (`zonelist_iter_begin`).
    pub sections: u64,
    /// Sections restarted because `need_retry` said the zonelist changed.
    pub retries: u64,
    /// Retries made at `check_retry_zonelist` before OOM or before failing:
    /// without them the allocation would have failed.
    pub retries_needed: u64,
    /// Slowpath passes during which the zonelists were rebuilt (ground
    /// truth, whatever the guard noticed).
    pub rebuild_overlaps: u64,
    pub reclaim_rounds: u64,
    pub reclaimed_pages: u64,
    pub false_ooms: u64,
    pub true_ooms: u64,
    /// `__alloc_pages_may_oom` entered: the allocation got past the
    /// `check_retry_zonelist` before OOM.
    pub oom_checks: u64,
    /// Its walk failed and `out_of_memory` killed a task.
    pub oom_kills: u64,
    /// Kills with an eligible zone missed by the walk that would have
    /// passed its HIGH watermark check (`failure.rs`).
    pub false_oom_kills: u64,
    /// Zone visits on a zonelist older than the current one: the zone is
    /// empty and a rebuild has already dropped it.
    pub stale_zone_visits: u64,
    /// Orders above PAGE_ALLOC_COSTLY_ORDER that failed legitimately.
    pub costly_failures: u64,
    /// Pages handed out from an isolated or offline pageblock (must be 0).
    pub isolated_allocs: u64,
    /// A page handed out while already allocated, or freed while free (must be 0).
    pub bad_pages: u64,
    /// Pages handed out from a zone above the request's `highest_zoneidx`
    /// (a walk that read a zone with another entry's index: `mm::zonelist`).
    pub ineligible_allocs: u64,
    /// Allocations that made more than `LONG_RECLAIM` rounds of direct
    /// reclaim (the 6.1 endless retry's mark: `alloc/slowpath.rs`).
    pub long_reclaims: u64,
    /// Long retries (`long_reclaims`) still looping in `retry:` when the
    /// run was torn down: given up, counted nowhere else (a livelock).
    pub livelocked: u64,
    }
}

/// Retries per allocation that retried at all: `[1, 2, 3, 4+]`.
pub const RETRY_BUCKETS: usize = 4;

/// One simulated CPU's allocation context.
#[derive(Debug)]
pub struct AllocCtx {
    pub cpu: usize,
    pub nid: usize,
    /// `current->flags` of the task allocating on this CPU: its scoped
    /// allocation constraints (`mm::gfp::PF_MEMALLOC_*`).
    pub task_flags: u32,
    /// `current->mempolicy` (None: the node's default).
    pub mempolicy: Option<Box<Mempolicy>>,
    /// The node whose zonelist the current allocation walks (`policy_node`
    /// of the task's policy: `nid` under the defaults).
    pub preferred_nid: usize,
    pub stats: AllocStats,
    pub probe: ReaderProbe,
    /// Time the sections of the current allocation (set by the sampler).
    pub sample: bool,
    /// Guard section times, begin to end with retries: every slowpath
    /// section, and the sampled every-alloc fast-path sections.
    pub section_ns: Hist,
    /// Allocations that retried, by number of retries.
    pub retry_hist: [u64; RETRY_BUCKETS],
}

impl AllocCtx {
    /// The measured interval begins: every counter and histogram starts
    /// again from zero, but the invariants (`isolated_allocs`,
    /// `bad_pages`), which a run must keep from its first allocation to
    /// its last.
    pub fn begin_measuring(&mut self) {
        self.stats = AllocStats {
            isolated_allocs: self.stats.isolated_allocs,
            bad_pages: self.stats.bad_pages,
            ..AllocStats::default()
        };
        self.probe = ReaderProbe {
            cpu: self.probe.cpu,
            ..ReaderProbe::default()
        };
        self.section_ns = Hist::default();
        self.retry_hist = [0; RETRY_BUCKETS];
    }

    /// Record a section that began at `t`.
    #[inline]
    pub(super) fn record_section(&mut self, t: timer::Stamp) {
        self.section_ns.record(timer::elapsed_ns(t));
    }

    #[cold]
    pub(super) fn note_retries(&mut self, n: u64) {
        if n > 0 {
            self.retry_hist[(n as usize).min(RETRY_BUCKETS) - 1] += 1;
        }
    }
}
