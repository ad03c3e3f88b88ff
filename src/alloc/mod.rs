//! The allocator. `__alloc_pages`: the fast path (`get_page_from_freelist`
//! from `preferred_zoneref` at the LOW watermark) and `__alloc_pages_slowpath`
//! (`restart:`, `zonelist_iter_begin`, `preferred_zoneref` recomputed, direct
//! reclaim, the MIN watermark, `check_retry_zonelist` before OOM and at
//! `nopage:`, and the OOM kill between them), generic over the zonelist
//! guard; and `free_pages`.
//!
//! Simplifications, and why they do not change what is measured:
//! * Direct reclaim is a busy wait of configurable length (the slowpath is
//!   slow in the kernel, and that length is the race window) followed by
//!   freeing up to SWAP_CLUSTER_MAX pages of the caller's own cached pages
//!   (the workload's LRU), not a scan of global LRUs.
//! * No compaction, kswapd, cpusets, nodemasks, node reclaim or dirty limits:
//!   none of them touches the zonelist cookie.
//! * The slowpath's loop (`slowpath.rs`) follows the kernel's labels and
//!   its `should_reclaim_retry`; an OOM kill is counted and judged, not
//!   carried out (no tasks), under one `oom_lock` with one victim in
//!   flight (`oom.rs`); costly orders (> 3) give up after one round, as
//!   without __GFP_RETRY_MAYFAIL.
//! * A failed allocation is classified after its section ended, without
//!   taking any lock (`failure.rs`).
//! * No page contents: `init_on_alloc` (off in v6.1's defconfig) would
//!   clear every page after the walk, outside every guard's section; not
//!   modelled.
//! * `--rt` changes the guards' read sides and the interrupt model
//!   (`workload::irq`), not the zone lock or the per-CPU lock: PREEMPT_RT
//!   makes them sleeping rt_mutexes and pins with `migrate_disable`; here
//!   they still spin (`sync::SpinLock`). Every guard pays them alike, on
//!   the allocation and free paths, outside the zonelist read section.
//!
//! One idea per file: `config` (scope and times), `stats` (per-CPU
//! counters), `freelist` (`get_page_from_freelist`), `fast_path`
//! (`__alloc_pages`, `free_pages`), `slowpath`, `failure` (spurious or true
//! OOM), `oom` (`oom_lock`, the victim in flight), `rebuild`
//! (`build_all_zonelists`), `hotplug` (offline/online).

mod config;
mod failure;
mod fast_path;
mod freelist;
mod hotplug;
mod oom;
mod rebuild;
mod slowpath;
mod stats;

pub use crate::mm::gfp::Gfp;
pub use config::{AllocConfig, Kernel, Printk, Scope};
pub use hotplug::HotplugError;
pub use oom::{JIFFY, VICTIM_EXIT};
pub use rebuild::{build_all_into, RebuildIrq, WriterTimes};
pub use slowpath::{
    busy_wait, NoReclaim, Reclaim, LONG_RECLAIM, MAX_RECLAIM_RETRIES, SWAP_CLUSTER_MAX,
};
pub use stats::{AllocCtx, AllocStats, RETRY_BUCKETS};

use crate::guard::{GuardOpts, ReaderProbe, ZonelistGuard};
use crate::metrics::Hist;
use crate::mm::zone::NOT_POPULATED;
use crate::mm::{Mm, MmConfig};
use crate::primitive::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

type SlowpathHook<G> = Box<dyn Fn(&Allocator<G>, SlowpathPoint) + Send + Sync>;

/// Where in the slowpath the test hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlowpathPoint {
    /// Between the `preferred_zoneref` computation and the first walk
    /// (where the 2022 race lives).
    Preferred,
    /// Between the `check_retry_zonelist` before OOM and
    /// `__alloc_pages_may_oom`'s walk (the window the 2022 fix leaves).
    MayOom,
}

/// The allocator: the memory model, the zonelists behind guard `G`, and the
/// writer-side serialisation.
pub struct Allocator<G: ZonelistGuard> {
    pub mm: Mm,
    pub guard: G,
    pub cfg: AllocConfig,
    /// Serialises zonelist rebuilds and zone population changes; failure
    /// classification takes it to see a stable zonelist.
    pub(crate) zonelist_update: parking_lot::Mutex<()>,
    /// `mem_hotplug_lock`: one hotplug operation at a time.
    pub(crate) hotplug_lock: parking_lot::Mutex<()>,
    /// Ground truth (never read by a guard): bumped after every rebuild.
    pub(crate) zonelist_gen: AtomicU64,
    /// The writer CPU's interrupt state (set by the irqsave of `seqlock`,
    /// `seqlock-excl` and `seqbegin-or-lock`).
    pub(crate) writer_irqs_disabled: AtomicBool,
    /// `--irq`: the interrupt raised inside every rebuild.
    irq: Option<Arc<dyn RebuildIrq<G>>>,
    /// How each rebuild's time split (the writer's own; read after a run).
    pub writer_times: parking_lot::Mutex<WriterTimes>,
    /// The writer is inside `rebuild` (for the watchdog's report).
    pub writer_in_section: AtomicBool,
    /// Set when a run is torn down: a writer holding its section (`--writer-
    /// hold`) lets go, and an allocation looping in the slowpath (the 6.1
    /// endless retry) gives up, counting nothing.
    pub abort_hold: AtomicBool,
    /// `oom_lock` and the OOM victim in flight (`oom.rs`).
    pub(crate) oom: oom::OomKiller,
    slowpath_hook: Option<SlowpathHook<G>>,
}

impl<G: ZonelistGuard + std::fmt::Debug> std::fmt::Debug for Allocator<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Allocator")
            .field("guard", &self.guard)
            .field("cfg", &self.cfg)
            .field("rebuilds", &self.rebuilds())
            .finish_non_exhaustive()
    }
}

impl<G: ZonelistGuard> Allocator<G> {
    pub fn new(mm_cfg: MmConfig, cfg: AllocConfig) -> Self {
        let mm = Mm::new(mm_cfg);
        let opts = GuardOpts {
            cpus: mm.nr_cpus,
            ..cfg.guard
        };
        let guard = G::new(mm.cfg.nodes, &opts, &|zl| build_all_into(&mm, zl));
        for z in mm.zones.iter() {
            let since = if z.populated() { 0 } else { NOT_POPULATED };
            // Relaxed: single-threaded construction.
            z.populated_since.store(since, Ordering::Relaxed);
        }
        let oom = oom::OomKiller::new(std::time::Duration::from_nanos(cfg.oom_victim_exit_ns));
        Allocator {
            mm,
            guard,
            cfg,
            zonelist_update: parking_lot::Mutex::new(()),
            hotplug_lock: parking_lot::Mutex::new(()),
            zonelist_gen: AtomicU64::new(0),
            writer_irqs_disabled: AtomicBool::new(false),
            writer_times: parking_lot::Mutex::new(WriterTimes::default()),
            writer_in_section: AtomicBool::new(false),
            abort_hold: AtomicBool::new(false),
            oom,
            irq: None,
            slowpath_hook: None,
        }
    }

    /// Raise `irq` inside every rebuild's write section from now on.
    pub fn set_irq(&mut self, irq: Arc<dyn RebuildIrq<G>>) {
        self.irq = Some(irq);
    }

    /// Whether the rebuilding CPU has interrupts masked (`irqs_disabled()`
    /// on the writer's CPU).
    pub fn writer_irqs_disabled(&self) -> bool {
        // Relaxed: set and read on the writer's own thread (see
        // WriterCtx::irq_save).
        self.writer_irqs_disabled.load(Ordering::Relaxed)
    }

    /// Test hook: runs at every [`SlowpathPoint`] of every slowpath.
    pub fn set_slowpath_hook(&mut self, hook: SlowpathHook<G>) {
        self.slowpath_hook = Some(hook);
    }

    /// A quiescent state of `ctx`'s CPU for the guard
    /// ([`ZonelistGuard::quiescent`]): the CPU holds no read section and
    /// nothing read in one. [`Allocator::alloc_pages`] announces one on
    /// entry, so every allocation does; a caller that opens sections
    /// without allocating (the interrupt model's handler, tests) calls it
    /// before its first. Nothing for a guard whose read side leaves a trace.
    #[inline]
    pub fn quiescent_state(&self, ctx: &mut AllocCtx) {
        self.guard.quiescent(&mut ctx.probe);
    }

    /// A context for simulated CPU `cpu`.
    pub fn ctx(&self, cpu: usize) -> AllocCtx {
        assert!(cpu < self.mm.nr_cpus, "cpu {cpu} out of range");
        AllocCtx {
            cpu,
            nid: self.mm.cpu_to_node(cpu),
            task_flags: 0,
            mempolicy: None,
            preferred_nid: self.mm.cpu_to_node(cpu),
            stats: AllocStats::default(),
            probe: ReaderProbe {
                cpu,
                ..ReaderProbe::default()
            },
            sample: false,
            section_ns: Hist::default(),
            retry_hist: [0; RETRY_BUCKETS],
        }
    }
}
