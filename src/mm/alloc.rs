//! `__alloc_pages`: the fast path (`get_page_from_freelist` from
//! `preferred_zoneref` at the LOW watermark) and `__alloc_pages_slowpath`
//! (`restart:`, `zonelist_iter_begin`, `preferred_zoneref` recomputed, direct
//! reclaim, the MIN watermark, and `check_retry_zonelist` before OOM and at
//! `nopage:`), generic over the zonelist guard; and `free_pages`.
//!
//! Simplifications, and why they do not change what is measured:
//! * Direct reclaim is a busy wait of configurable length (the slowpath is
//!   slow in the kernel, and that length is the race window) followed by
//!   freeing up to SWAP_CLUSTER_MAX pages of the caller's own cached pages
//!   (the workload's LRU), not a scan of global LRUs.
//! * No compaction, kswapd, cpusets, nodemasks, node reclaim or dirty limits:
//!   none of them touches the zonelist cookie.
//! * `should_reclaim_retry` is bounded by MAX_RECLAIM_RETRIES reclaim rounds
//!   in all and stops when reclaim makes no progress (the kernel resets its
//!   count on progress and also weighs reclaimable pages); costly orders
//!   (> 3) give up after one round, as without __GFP_RETRY_MAYFAIL. As in
//!   `__alloc_pages_direct_reclaim`, a round that made progress walks, and on
//!   failure drains every per-CPU list and walks again.
//! * A declared OOM ends the allocation as a failure and is counted; the
//!   kernel would kill a task and retry. Whether the OOM was spurious, which
//!   is what is measured, is decided before that point.
//! * A failed allocation is classified after its section ended, without
//!   taking any lock: it is a *false OOM* if an eligible zone that one of the
//!   final pass's walks did not visit, and that was in the zonelists current
//!   at the final `check_retry_zonelist`, had free pages above its MIN
//!   watermark when the walks ended (a snapshot taken then). Every zonelist holds every populated
//!   zone, so this equals a validating walk under the writer lock. A correct guard's final walk visits every
//!   eligible zone of a consistent zonelist, so it can only fail on
//!   watermarks (a true OOM).

use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::metrics::timer;
use crate::metrics::Hist;
use crate::mm::page::{page_zone_id, Pfn, ORDER_MASK, PG_ALLOCATED, STATE_MASK};
use crate::mm::pcp::PCP_MAX_ORDER;
use crate::mm::zone::{ZoneType, NOT_POPULATED, WMARK_HIGH, WMARK_LOW, WMARK_MIN};
use crate::mm::zonelist::{build_zonelists_node, first_zones_zonelist, ZonelistView, Zonelists};
use crate::mm::{Mm, MmConfig};
use crate::primitive::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SWAP_CLUSTER_MAX: u32 = 32;
pub const MAX_RECLAIM_RETRIES: u32 = 16;

/// GFP flags (the subset whose meaning the model implements).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gfp(u32);

impl Gfp {
    pub const DIRECT_RECLAIM: u32 = 1 << 0;
    pub const MOVABLE: u32 = 1 << 1;
    pub const HIGH: u32 = 1 << 2;
    pub const DMA32: u32 = 1 << 3;
    /// Process context, may reclaim, ZONE_NORMAL and below.
    pub const KERNEL: Gfp = Gfp(Self::DIRECT_RECLAIM);
    /// User pages: may reclaim, may use ZONE_MOVABLE.
    pub const HIGHUSER_MOVABLE: Gfp = Gfp(Self::DIRECT_RECLAIM | Self::MOVABLE);
    /// Interrupt context: no reclaim, may dip below MIN (ALLOC_HARDER).
    pub const ATOMIC: Gfp = Gfp(Self::HIGH);

    /// `gfp_zone`: the highest zone type this allocation may use.
    #[inline]
    pub fn highest_zoneidx(self) -> usize {
        if self.0 & Self::MOVABLE != 0 {
            ZoneType::Movable as usize
        } else if self.0 & Self::DMA32 != 0 {
            ZoneType::Dma32 as usize
        } else {
            ZoneType::Normal as usize
        }
    }

    #[inline]
    pub fn can_direct_reclaim(self) -> bool {
        self.0 & Self::DIRECT_RECLAIM != 0
    }

    #[inline]
    fn harder(self) -> bool {
        self.0 & Self::HIGH != 0
    }
}

/// Where a guard's read section applies (`--scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Upstream: a section spans the slowpath; the fast path walks unchecked.
    Slowpath,
    /// A section around every zonelist walk, fast path included.
    EveryAlloc,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Slowpath => "slowpath",
            Scope::EveryAlloc => "every-alloc",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AllocConfig {
    pub scope: Scope,
    #[serde(skip)]
    pub guard: GuardOpts,
    /// Busy time of one direct-reclaim round, nanoseconds.
    pub reclaim_ns: u64,
    /// Busy time inside every rebuild's write section, nanoseconds.
    pub writer_hold_ns: u64,
    /// A rebuild whose lock wait exceeds this is a writer stall.
    pub writer_stall_ns: u64,
}

impl Default for AllocConfig {
    fn default() -> Self {
        AllocConfig {
            scope: Scope::Slowpath,
            guard: GuardOpts::default(),
            reclaim_ns: 2_000,
            writer_hold_ns: 0,
            writer_stall_ns: 10_000_000,
        }
    }
}

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
    /// Per-thread allocation counters (owned by one thread; summed after join).
    #[derive(Default, Debug, Clone, Serialize, Deserialize, PartialEq)]
    pub struct AllocStats {    pub allocs: u64,
    pub frees: u64,
    pub slowpath_entries: u64,
    /// Read sections begun (`zonelist_iter_begin`).
    pub sections: u64,    /// Sections restarted because `need_retry` said the zonelist changed.
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
    /// Zone visits on a zonelist older than the current one: the zone is
    /// empty and a rebuild has already dropped it.
    pub stale_zone_visits: u64,
    /// Orders above PAGE_ALLOC_COSTLY_ORDER that failed legitimately.
    pub costly_failures: u64,
    /// Pages handed out from an isolated or offline pageblock (must be 0).
    pub isolated_allocs: u64,
    /// A page handed out while already allocated, or freed while free (must be 0).
    pub bad_pages: u64,
    }
}

/// Retries per allocation that retried at all: `[1, 2, 3, 4+]`.
pub const RETRY_BUCKETS: usize = 4;

/// One simulated CPU's allocation context.
pub struct AllocCtx {
    pub cpu: usize,
    pub nid: usize,
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
    /// Record a section that began at `t`.
    #[inline]
    fn record_section(&mut self, t: timer::Stamp) {
        self.section_ns.record(timer::elapsed_ns(t));
    }

    #[cold]
    fn note_retries(&mut self, n: u64) {
        if n > 0 {
            self.retry_hist[(n as usize).min(RETRY_BUCKETS) - 1] += 1;
        }
    }
}

/// The pages direct reclaim can free: the caller's LRU.
pub trait Reclaim {
    /// Free up to `nr_pages` cached pages through `alloc`; return how many.
    fn reclaim<G: ZonelistGuard>(
        &mut self,
        alloc: &Allocator<G>,
        ctx: &mut AllocCtx,
        nr_pages: u32,
    ) -> u32;
}

/// Nothing to reclaim.
pub struct NoReclaim;

impl Reclaim for NoReclaim {
    fn reclaim<G: ZonelistGuard>(&mut self, _: &Allocator<G>, _: &mut AllocCtx, _: u32) -> u32 {
        0
    }
}

/// Records which zones a walk examined (for failure classification).
trait VisitRecord {
    fn visit(&mut self, zone_id: usize);
}

struct NoRecord;
impl VisitRecord for NoRecord {
    #[inline(always)]
    fn visit(&mut self, _: usize) {}
}

/// A set of zone ids (up to MAX_NUMNODES * MAX_NR_ZONES).
#[derive(Default, Clone, Copy)]
struct ZoneMask([u64; 3]);

impl ZoneMask {
    const ALL: ZoneMask = ZoneMask([u64::MAX; 3]);

    fn contains(&self, z: usize) -> bool {
        self.0[z / 64] & (1 << (z % 64)) != 0
    }

    fn intersect(&mut self, other: &ZoneMask) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a &= b;
        }
    }
}

impl VisitRecord for ZoneMask {
    #[inline]
    fn visit(&mut self, z: usize) {
        self.0[z / 64] |= 1 << (z % 64);
    }
}

/// Where the writer's time went, per rebuild.
#[derive(Default)]
pub struct WriterTimes {
    /// Waiting for the guard's writer lock (readers holding it, or another
    /// writer).
    pub lock_wait_ns: Hist,
    /// Holding it: rewriting in place, or building the copy.
    pub critical_ns: Hist,
    /// Publishing a copy (swap, waiting on readers' debts): RCU-like guards.
    pub publish_ns: Hist,
    /// Rebuilds whose lock wait exceeded the stall threshold.
    pub stalls: u64,
}

impl WriterTimes {
    fn record(
        &mut self,
        start: Instant,
        marks: (Option<Instant>, Option<Instant>),
        end: Instant,
        stall_ns: u64,
    ) {
        let ns = |a: Instant, b: Instant| (b - a).as_nanos() as u64;
        let locked = marks.0.unwrap_or(start);
        let wait = ns(start, locked);
        self.lock_wait_ns.record(wait);
        if wait > stall_ns {
            self.stalls += 1;
        }
        match marks.1 {
            Some(publish) => {
                self.critical_ns.record(ns(locked, publish));
                self.publish_ns.record(ns(publish, end));
            }
            None => self.critical_ns.record(ns(locked, end)),
        }
    }
}

/// `struct alloc_context` plus the request: what every zonelist walk of one
/// allocation shares.
#[derive(Clone, Copy)]
struct AllocContext {
    /// Index of `preferred_zoneref` in the walked zonelist.
    preferred: usize,
    highest_zoneidx: usize,
    order: u32,
    /// ALLOC_HARDER.
    harder: bool,
}

type SlowpathHook<G> = Box<dyn Fn(&Allocator<G>) + Send + Sync>;

/// An interrupt line of the rebuilding CPU (the interrupt model,
/// `workload::irq`, behind `--irq`). The allocator only says where the
/// interrupt arrives and when the write section is over; what the handler
/// does, and whether masked interrupts wait, is the model's.
pub trait RebuildIrq<G: ZonelistGuard>: Send + Sync {
    /// Inside every rebuild's write section, once, on the writer's thread,
    /// right after the zonelists have been written.
    fn raise(&self, alloc: &Allocator<G>);
    /// The write section (and the guard's `irqrestore`) is over.
    fn section_end(&self, alloc: &Allocator<G>);
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
    /// hold`) lets go.
    pub abort_hold: AtomicBool,
    slowpath_hook: Option<SlowpathHook<G>>,
}

impl<G: ZonelistGuard> Allocator<G> {
    pub fn new(mm_cfg: MmConfig, cfg: AllocConfig) -> Self {
        let mm = Mm::new(mm_cfg);
        let guard = G::new(mm.cfg.nodes, &cfg.guard, &|zl| build_all_into(&mm, zl));
        for z in mm.zones.iter() {
            let since = if z.populated() { 0 } else { NOT_POPULATED };
            // Relaxed: single-threaded construction.
            z.populated_since.store(since, Ordering::Relaxed);
        }
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

    /// Test hook: runs in every slowpath between the `preferred_zoneref`
    /// computation and the walk (where the 2022 race lives).
    pub fn set_slowpath_hook(&mut self, hook: SlowpathHook<G>) {
        self.slowpath_hook = Some(hook);
    }

    /// A context for simulated CPU `cpu`.
    pub fn ctx(&self, cpu: usize) -> AllocCtx {
        assert!(cpu < self.mm.nr_cpus, "cpu {cpu} out of range");
        AllocCtx {
            cpu,
            nid: self.mm.cpu_to_node(cpu),
            stats: AllocStats::default(),
            probe: ReaderProbe::default(),
            sample: false,
            section_ns: Hist::default(),
            retry_hist: [0; RETRY_BUCKETS],
        }
    }

    /// `__alloc_pages`.
    #[inline]
    pub fn alloc_pages<R: Reclaim>(
        &self,
        ctx: &mut AllocCtx,
        gfp: Gfp,
        order: u32,
        reclaim: &mut R,
    ) -> Option<Pfn> {
        let highest = gfp.highest_zoneidx();
        let page = match self.cfg.scope {
            Scope::Slowpath => {
                let view = self.guard.fast_view();
                self.fast_path(ctx, &view, highest, order)
            }
            Scope::EveryAlloc => self.every_alloc_fast_path(ctx, highest, order),
        };
        match page {
            Some(pfn) => {
                ctx.stats.allocs += 1;
                Some(pfn)
            }
            None => self.alloc_pages_slowpath(ctx, gfp, order, reclaim),
        }
    }

    /// The fast path inside a section (`--scope every-alloc`); a walk that
    /// failed on a changed zonelist is retried before the slowpath.
    #[inline]
    fn every_alloc_fast_path(&self, ctx: &mut AllocCtx, highest: usize, order: u32) -> Option<Pfn> {
        let t = ctx.sample.then(timer::now);
        let mut retries = 0;
        let page = loop {
            ctx.stats.sections += 1;
            let section = self.guard.read_begin(&mut ctx.probe, retries > 0);
            let page = self.fast_path(ctx, &section, highest, order);
            if page.is_some() || !section.need_retry() {
                break page;
            }
            retries += 1;
        };
        if retries > 0 {
            ctx.stats.retries += retries;
            ctx.note_retries(retries);
        }
        if let Some(t) = t {
            ctx.record_section(t);
        }
        page
    }

    #[inline]
    fn fast_path<V: ZonelistView>(
        &self,
        ctx: &mut AllocCtx,
        view: &V,
        highest: usize,
        order: u32,
    ) -> Option<Pfn> {
        let (preferred, zref) = first_zones_zonelist(view, ctx.nid, highest);
        zref.zone_id()?; // The fast path uses plain ALLOC_WMARK_LOW, whatever the gfp.
        let ac = AllocContext {
            preferred,
            highest_zoneidx: highest,
            order,
            harder: false,
        };
        self.get_page_from_freelist(ctx, view, &ac, WMARK_LOW, &mut NoRecord)
    }

    /// `get_page_from_freelist`: walk from `preferred_zoneref`, skip zones
    /// above `highest_zoneidx`, check the watermark, `rmqueue`.
    #[inline]
    fn get_page_from_freelist<V: ZonelistView, Rec: VisitRecord>(
        &self,
        ctx: &mut AllocCtx,
        view: &V,
        ac: &AllocContext,
        wmark: usize,
        rec: &mut Rec,
    ) -> Option<Pfn> {
        let mut idx = ac.preferred;
        loop {
            let zref = view.zoneref(ctx.nid, idx);
            let zone_id = zref.zone_id()?;
            idx += 1;
            if zref.zone_idx() > ac.highest_zoneidx {
                continue;
            }
            let zone = &self.mm.zones[zone_id];
            rec.visit(zone_id); // Relaxed: a statistic; populated_since is read only when the
                                // zone is empty, which is rare.
            if !zone.populated() && zone.populated_since.load(Ordering::Relaxed) == NOT_POPULATED {
                // A zone the current zonelists no longer list (the rebuild
                // that dropped it has begun): the walk is over an old list,
                // an RCU snapshot or an in-place list mid-rewrite.
                ctx.stats.stale_zone_visits += 1;
            }
            if !zone.watermark_ok(ac.order, zone.wmark(wmark), ac.highest_zoneidx, ac.harder) {
                continue;
            }
            if let Some(pfn) = self.mm.rmqueue(ctx.cpu, zone, ac.order) {
                self.prep_new_page(ctx, pfn, ac.order);
                return Some(pfn);
            }
        }
    }

    /// `prep_new_page` + the model's checks: never hand out a page twice, or
    /// a page of an isolated or offline range.
    #[inline]
    fn prep_new_page(&self, ctx: &mut AllocCtx, pfn: Pfn, order: u32) {
        let page = self.mm.mem_map.page(pfn);
        if page.state() & PG_ALLOCATED != 0 {
            ctx.stats.bad_pages += 1;
        }
        // Isolation is checked where blocks become available for handing
        // out, under the owning lock (`Buddy::rmqueue_smallest`, and the
        // per-CPU lists at isolation time); an offline page cannot be here,
        // since offlining waits for every page of the range to be free, and
        // the end-of-run accounting would see it.
        page.set_state(PG_ALLOCATED, order);
    }

    /// `free_pages`.
    #[inline]
    pub fn free_pages(&self, ctx: &mut AllocCtx, pfn: Pfn, order: u32) {
        let page = self.mm.mem_map.page(pfn);
        let flags = page.flags();
        if flags & (STATE_MASK | ORDER_MASK) != PG_ALLOCATED | order {
            // Freeing a free page (or with the wrong order): count it and
            // leave the page alone rather than corrupt the lists.
            ctx.stats.bad_pages += 1;
            return;
        }
        ctx.stats.frees += 1;
        let zone = &self.mm.zones[page_zone_id(flags)];
        self.mm.free_to_zone(ctx.cpu, zone, pfn, order);
    }

    /// `__alloc_pages_slowpath`. Also the entry of the interrupt model's
    /// handler (`workload::irq`), whose allocation is taken to have missed
    /// the fast path: the case that reaches `zonelist_iter_begin`.
    #[cold]
    #[inline(never)]
    pub(crate) fn alloc_pages_slowpath<R: Reclaim>(
        &self,
        ctx: &mut AllocCtx,
        gfp: Gfp,
        order: u32,
        reclaim: &mut R,
    ) -> Option<Pfn> {
        ctx.stats.slowpath_entries += 1;
        let costly = order > PCP_MAX_ORDER;
        // Every slowpath section is timed: it lasts microseconds, the clock
        // reads do not matter.
        let t = timer::now();
        let page = self.slowpath_sections(ctx, gfp, order, costly, reclaim);
        ctx.record_section(t);
        page
    }

    /// The slowpath from `restart:`, one read section per pass.
    #[inline(always)]
    fn slowpath_sections<R: Reclaim>(
        &self,
        ctx: &mut AllocCtx,
        gfp: Gfp,
        order: u32,
        costly: bool,
        reclaim: &mut R,
    ) -> Option<Pfn> {
        // restart:
        let mut retries = 0u64;
        loop {
            ctx.stats.sections += 1;
            let section = self.guard.read_begin(&mut ctx.probe, retries > 0); // Ground truth for the overlap statistic. Relaxed: only compared
                                                                              // with a later load of the same counter.
            let gen0 = self.zonelist_gen.load(Ordering::Relaxed);
            let (preferred, zref) = first_zones_zonelist(&section, ctx.nid, gfp.highest_zoneidx());
            if let Some(hook) = &self.slowpath_hook {
                hook(self);
            }
            let ac = AllocContext {
                preferred,
                highest_zoneidx: gfp.highest_zoneidx(),
                order,
                harder: gfp.harder(),
            };
            // One walk of the section's zonelists. `visited` keeps the
            // zones that *every* walk of this pass examined: a zone any walk
            // skipped counts as missed when the allocation fails.
            let mut visited = ZoneMask::ALL;
            let mut walk = |ctx: &mut AllocCtx, wmark: usize| {
                let mut mask = ZoneMask::default();
                let page = self.get_page_from_freelist(ctx, &section, &ac, wmark, &mut mask);
                visited.intersect(&mask);
                page
            };
            let oom_check = 'nopage: {
                if zref.zone_id().is_none() {
                    break 'nopage false;
                }
                if let Some(pfn) = walk(ctx, WMARK_MIN) {
                    return self.got_pg(ctx, pfn, gen0, retries);
                }
                if !gfp.can_direct_reclaim() {
                    break 'nopage false;
                }
                // retry: __alloc_pages_direct_reclaim, then
                // should_reclaim_retry.
                for _round in 0..MAX_RECLAIM_RETRIES {
                    let progress = self.direct_reclaim(ctx, reclaim);
                    if progress == 0 {
                        // No progress: no walk, and no point retrying.
                        break;
                    }
                    let mut page = walk(ctx, WMARK_MIN);
                    if page.is_none() {
                        // Drain the per-CPU lists (where reclaim just put
                        // its pages) and try once more.
                        self.mm.drain_all_pages(None);
                        page = walk(ctx, WMARK_MIN);
                    }
                    if let Some(pfn) = page {
                        return self.got_pg(ctx, pfn, gen0, retries);
                    }
                    if costly {
                        break 'nopage false;
                    }
                }
                true
            };
            self.note_overlap(ctx, gen0);
            if oom_check {
                // Before __alloc_pages_may_oom.
                if section.need_retry() {
                    ctx.stats.retries += 1;
                    ctx.stats.retries_needed += 1;
                    retries += 1;
                    continue;
                }
                // __alloc_pages_may_oom: one last walk at the HIGH watermark
                // to catch a parallel OOM kill, then declare the OOM.
                if let Some(pfn) = walk(ctx, WMARK_HIGH) {
                    return self.got_pg(ctx, pfn, gen0, retries);
                }
            } // nopage:
              // The generation the failure is judged against, read before the
              // final check. Acquire: pairs with the Release store after each
              // rebuild, so if it shows rebuild g, the check below sees g's
              // write (the guard's count or generation) and retries unless the
              // walks saw g's zonelists. A guard with no check (rcu, epoch,
              // seqlock-crate) can have walked an older snapshot: a zone
              // populated by g that it missed is then its false OOM.
            let gen_check = self.zonelist_gen.load(Ordering::Acquire);
            if section.need_retry() {
                ctx.stats.retries += 1;
                ctx.stats.retries_needed += 1;
                retries += 1;
                continue;
            }
            // Which zones could have served the allocation when the walk
            // ended (snapshot now, judged below).
            let mut ok_at_fail = ZoneMask::default();
            for z in self.mm.zones.iter() {
                if z.watermark_ok(order, z.wmark(WMARK_MIN), ac.highest_zoneidx, ac.harder) {
                    ok_at_fail.visit(z.id);
                }
            }
            drop(section);
            self.account_failure(ctx, gfp, order, &visited, &ok_at_fail, gen_check);
            ctx.note_retries(retries);
            return None;
        }
    }

    #[inline]
    fn got_pg(&self, ctx: &mut AllocCtx, pfn: Pfn, gen0: u64, retries: u64) -> Option<Pfn> {
        ctx.stats.allocs += 1;
        ctx.note_retries(retries);
        self.note_overlap(ctx, gen0);
        Some(pfn)
    }

    /// Count a slowpath pass that a rebuild overlapped (ground truth).
    #[inline]
    fn note_overlap(&self, ctx: &mut AllocCtx, gen0: u64) {
        // Relaxed: a statistic compared with the value read at the start.
        if self.zonelist_gen.load(Ordering::Relaxed) != gen0 {
            ctx.stats.rebuild_overlaps += 1;
        }
    }

    fn direct_reclaim<R: Reclaim>(&self, ctx: &mut AllocCtx, reclaim: &mut R) -> u32 {
        ctx.stats.reclaim_rounds += 1;
        busy_wait(Duration::from_nanos(self.cfg.reclaim_ns));
        let n = reclaim.reclaim(self, ctx, SWAP_CLUSTER_MAX);
        ctx.stats.reclaimed_pages += n as u64;
        n
    }

    /// Classify a failed allocation (see the module docs). Outside any read
    /// section and outside the timed path.
    #[cold]
    fn account_failure(
        &self,
        ctx: &mut AllocCtx,
        gfp: Gfp,
        order: u32,
        visited: &ZoneMask,
        ok: &ZoneMask,
        gen: u64,
    ) {
        if self.missed_free_zone(gfp, visited, ok, gen) {
            ctx.stats.false_ooms += 1;
        } else if order > PCP_MAX_ORDER {
            ctx.stats.costly_failures += 1;
        } else {
            ctx.stats.true_ooms += 1;
        }
    }

    /// Every node's zonelist holds every populated zone, so "an eligible
    /// zone the failing walks did not visit" is a scan of all zones; no lock
    /// is taken (the writer holds the zonelist-update lock across work that
    /// would otherwise stall the failing reader inside its measured time).
    fn missed_free_zone(
        &self,
        gfp: Gfp,
        visited: &ZoneMask,
        ok_at_fail: &ZoneMask,
        gen: u64,
    ) -> bool {
        let highest = gfp.highest_zoneidx();
        self.mm.zones.iter().any(|zone| {
            // Relaxed: written under zonelist_update before the Release
            // store of the generation `gen` was read from (Acquire); a later
            // rebuild can only make it newer, which excludes the zone (an
            // undercount, never a false positive).
            let since = zone.populated_since.load(Ordering::Relaxed);
            zone.zone_type as usize <= highest
                && !visited.contains(zone.id)
                && since <= gen
                && ok_at_fail.contains(zone.id)
        })
    }

    /// Take `nr` order-0 pages straight from a zone's buddy lists and hand
    /// them out (tests that need a zone at an exact watermark; memory a
    /// workload pins). Stops early if the zone runs out.
    pub fn take_pages(&self, ctx: &mut AllocCtx, zone_id: usize, nr: usize) -> Vec<Pfn> {
        let zone = &self.mm.zones[zone_id];
        let mut out = Vec::with_capacity(nr);
        for _ in 0..nr {
            let Some(pfn) = self.mm.rmqueue_buddy(zone, 0) else {
                break;
            };
            self.prep_new_page(ctx, pfn, 0);
            ctx.stats.allocs += 1;
            out.push(pfn);
        }
        out
    }

    /// `build_all_zonelists`: rebuild every node's zonelist under the guard's
    /// write protocol, then advance the ground-truth generation.
    pub fn build_all_zonelists(&self) {
        let _l = self.zonelist_update.lock();
        self.build_all_zonelists_locked();
    }

    pub(crate) fn build_all_zonelists_locked(&self) {
        // Relaxed: zonelist_gen is written only under zonelist_update (held).
        let gen = self.zonelist_gen.load(Ordering::Relaxed) + 1;
        let writer = WriterCtx::new(&self.writer_irqs_disabled);
        let hold = Duration::from_nanos(self.cfg.writer_hold_ns);
        let start = Instant::now();
        // Relaxed: read only by the watchdog's report.
        self.writer_in_section.store(true, Ordering::Relaxed);
        // A latch runs the build twice: one interrupt per rebuild.
        let raised = Cell::new(false);
        let cut_short = Cell::new(false);
        self.guard.rebuild(&writer, &|zl| {
            // Ground truth moves when the write protocol actually runs (a
            // lock guard's writer may first wait for its readers): from here
            // on, a walk that meets an emptied zone is on an old list.
            self.note_population(gen);
            build_all_into(&self.mm, zl);
            // --irq: the interrupt arrives with the zonelists written and
            // the section still open (odd count, lock held).
            if let Some(irq) = &self.irq {
                if !raised.replace(true) {
                    irq.raise(self);
                }
            }
            // --writer-hold: a long rebuild (a large NUMA machine) or a
            // writer preempted inside its section; cut short when the run
            // is being torn down (a stalled cell).
            let t = Instant::now();
            // Relaxed: a flag polled in a loop; it publishes nothing.
            while t.elapsed() < hold {
                if self.abort_hold.load(Ordering::Relaxed) {
                    cut_short.set(true);
                    break;
                }
                std::hint::spin_loop();
            }
        });
        let end = Instant::now();
        // Relaxed: as above.
        self.writer_in_section.store(false, Ordering::Relaxed);
        // Bumped after the write section so a reader that saw the new
        // zonelists may hold the old generation (conservative), never the
        // reverse. Release: a reader whose Acquire load sees `gen` also sees
        // the guard's write protocol completed (see the slowpath's nopage).
        self.zonelist_gen.store(gen, Ordering::Release);
        if let Some(irq) = &self.irq {
            irq.section_end(self);
        }
        // A rebuild whose hold the teardown cut short did not last what
        // was asked: its times would understate the section.
        if !cut_short.get() {
            self.writer_times
                .lock()
                .record(start, writer.marks(), end, self.cfg.writer_stall_ns);
        }
    }

    /// Record which zones generation `gen` populates (idempotent: a latch
    /// builds twice).
    fn note_population(&self, gen: u64) {
        for z in self.mm.zones.iter() {
            // Relaxed: written only under zonelist_update (held); readers
            // order their reads through the generation's Release/Acquire.
            let since = z.populated_since.load(Ordering::Relaxed);
            if z.populated() && since == NOT_POPULATED {
                z.populated_since.store(gen, Ordering::Relaxed);
            } else if !z.populated() {
                z.populated_since.store(NOT_POPULATED, Ordering::Relaxed);
            }
        }
    }

    /// Zonelist generation (the number of rebuilds so far).
    pub fn rebuilds(&self) -> u64 {
        // Relaxed: a statistic.
        self.zonelist_gen.load(Ordering::Relaxed)
    }
}

/// `__build_all_zonelists` body: every node's fallback list, written into
/// `zl` from the current zone population. Public so that a bench can time a
/// guard's write protocol (`guard.rebuild(writer, &|zl| build_all_into(mm,
/// zl))`) without [`Allocator::build_all_zonelists`]'s bookkeeping; outside
/// a guard's `rebuild` it races readers.
pub fn build_all_into(mm: &Mm, zl: &Zonelists) {
    let nodes = mm.cfg.nodes;
    for nid in 0..nodes {
        build_zonelists_node(zl, nid, nodes, &|z| mm.zones[z].populated());
    }
}

/// Burn `d` of CPU time (the direct-reclaim stand-in).
pub fn busy_wait(d: Duration) {
    if d.is_zero() {
        return;
    }
    let t = Instant::now();
    while t.elapsed() < d {
        std::hint::spin_loop();
    }
}
