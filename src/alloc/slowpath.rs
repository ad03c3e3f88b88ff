//! `__alloc_pages_slowpath` (mm/page_alloc.c, v6.1 with the 2022 fix;
//! `--kernel current` adds the check at `retry:` of e05741fb10c3):
//!
//! ```text
//! restart:  zonelist_iter_begin; preferred_zoneref recomputed; walk (MIN)
//!           (a section that holds a spinlock drops it around reclaim
//!           and restarts if a writer ran meanwhile: `ExclSection`)
//! retry:    [current: check_retry_zonelist -> restart]
//!           preferred_zoneref recomputed without ALLOC_CPUSET (atomic)
//!           walk (MIN); no direct reclaim -> nopage
//!           __alloc_pages_direct_reclaim (walk, drain_all_pages, walk)
//!           costly order -> nopage; should_reclaim_retry -> retry
//!           check_retry_zonelist -> restart
//!           __alloc_pages_may_oom: trylock(oom_lock) failed: sleep a
//!           jiffy, progress -> retry; walk (HIGH) from the same
//!           preferred_zoneref; failed: out_of_memory kills a task (or
//!           a victim is still exiting), did_some_progress -> retry
//! nopage:   check_retry_zonelist -> restart; fail
//! ```
//!
//! The check before OOM guards the decision to go to OOM, not the walk
//! that follows it: a rebuild landing between the two makes that walk
//! miss a zone with memory, and a task is killed (`oom_kills`,
//! `false_oom_kills`; `failure.rs` judges them). The 2022 fix narrows the
//! window to that stretch; it does not close it.
//!
//! `should_reclaim_retry` is the kernel's: progress resets its count of
//! rounds without progress, more than MAX_RECLAIM_RETRIES of those in a
//! row give up, and it retries only while a zone of the zonelist, walked
//! from its first entry (not from `preferred_zoneref`), would pass MIN
//! counting its free and reclaimable pages. So in 6.1 a stale
//! `preferred_zoneref` whose walks reach nothing, with reclaim that keeps
//! making progress, retries for ever: the endless retry e05741fb10c3
//! fixed. The model loops too, until the run is torn down
//! (`Allocator::abort_hold`), and then gives the allocation up counting
//! nothing.
//!
//! `__alloc_pages_may_oom` takes `oom_lock` with a trylock (a caller that
//! fails sleeps a jiffy and retries with progress) and walks with exactly
//! ALLOC_WMARK_HIGH|ALLOC_CPUSET; `out_of_memory` kills unless a victim
//! is still exiting (`oom.rs`).
//!
//! Simplifications, and why they do not change what is measured:
//! * `out_of_memory` is counted and classified, not carried out: the
//!   model has no tasks to kill, and a victim frees nothing the model
//!   tracks. An allocation that has killed, or waited out a victim, and
//!   finds none in flight goes to `nopage` instead of killing a second
//!   task (`oom.rs`); the allocation then fails and is counted as before.
//!   A kill that the race caused is followed by a walk of the rebuilt
//!   zonelists, which is what the kernel does too.
//! * No compaction (`should_compact_retry`), no high-atomic reserve to
//!   give back before OOM, no cpusets or nodemasks: none of them touches
//!   the zonelist cookie. No `__GFP_NORETRY`, `__GFP_NOFAIL` or
//!   PF_MEMALLOC callers in the workload.

use super::freelist::{AllocContext, ZoneMask};
use super::oom::{OomOutcome, JIFFY};
use super::{AllocCtx, Allocator, SlowpathPoint};
use crate::guard::{ReadSection, ZonelistGuard};
use crate::metrics::timer;
use crate::mm::gfp::Gfp;
use crate::mm::page::Pfn;
use crate::mm::pcp::PCP_MAX_ORDER;
use crate::mm::zone::{ZoneType, WMARK_HIGH, WMARK_MIN};
use crate::mm::zonelist::{first_zones_zonelist, next_zones_zonelist, ZonelistView};
use crate::primitive::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub const SWAP_CLUSTER_MAX: u32 = 32;
/// An allocation with more rounds of direct reclaim than this is counted
/// in `long_reclaims`. One whose walks reach a zone ends within
/// MAX_RECLAIM_RETRIES rounds of its last progress, and each round of
/// progress frees SWAP_CLUSTER_MAX pages where the walk can find them;
/// 1000 rounds (125 MiB reclaimed for one allocation) is the mark of
/// reclaim going where the walks never look: 6.1's endless retry behind
/// a stale `preferred_zoneref`.
pub const LONG_RECLAIM: u64 = 1000;

/// `MAX_RECLAIM_RETRIES`: rounds of reclaim in a row without progress
/// before `should_reclaim_retry` gives up.
pub const MAX_RECLAIM_RETRIES: u32 = 16;

/// The pages direct reclaim can free: the caller's LRU.
pub trait Reclaim {
    /// Free up to `nr_pages` cached pages through `alloc`; return how many.
    fn reclaim<G: ZonelistGuard>(
        &mut self,
        alloc: &Allocator<G>,
        ctx: &mut AllocCtx,
        nr_pages: u32,
    ) -> u32;

    /// `zone_reclaimable_pages`: the pages of zone `zone_id` reclaim could
    /// free (`should_reclaim_retry` counts them as available).
    fn reclaimable<G: ZonelistGuard>(&self, alloc: &Allocator<G>, zone_id: usize) -> u64;
}

/// Nothing to reclaim.
#[derive(Debug)]
pub struct NoReclaim;

impl Reclaim for NoReclaim {
    fn reclaim<G: ZonelistGuard>(&mut self, _: &Allocator<G>, _: &mut AllocCtx, _: u32) -> u32 {
        0
    }

    fn reclaimable<G: ZonelistGuard>(&self, _: &Allocator<G>, _: usize) -> u64 {
        0
    }
}

impl<G: ZonelistGuard> Allocator<G> {
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

    /// The slowpath from `restart:`, one read section per pass (see the
    /// module docs for the control flow and what it leaves out).
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
        // Rounds of direct reclaim in this allocation, over every pass.
        let mut rounds = 0u64;
        // Counts a long reclaim and says whether this allocation was one.
        let pass_end = |ctx: &mut AllocCtx, rounds: u64| {
            let long = rounds > LONG_RECLAIM;
            ctx.stats.long_reclaims += u64::from(long);
            long
        };
        loop {
            ctx.stats.sections += 1;
            let section = self.guard.read_begin(&mut ctx.probe, retries > 0);
            // Ground truth for the overlap statistic. Relaxed: only compared
            // with a later load of the same counter.
            let gen0 = self.zonelist_gen.load(Ordering::Relaxed);
            let highest = gfp.highest_zoneidx();
            let (preferred, zref) = first_zones_zonelist(&section, ctx.preferred_nid, highest);
            self.hook(SlowpathPoint::Preferred);
            let mut ac = AllocContext {
                preferred,
                // A terminator here ends the pass before any walk.
                preferred_zone: zref.zone_id().unwrap_or(0),
                highest_zoneidx: highest,
                order,
                harder: gfp.harder(),
                // gfp_to_alloc_flags never sets ALLOC_NOFRAGMENT.
                nofragment: false,
            };
            // One walk of the section's zonelists. `visited` keeps the
            // zones that *every* walk of this pass examined: a zone any walk
            // skipped counts as missed when the allocation fails. The walk's
            // own zones are returned too (an OOM kill is judged by them).
            let mut visited = ZoneMask::ALL;
            let mut walk = |ctx: &mut AllocCtx, ac: &AllocContext, wmark: usize| {
                let mut mask = ZoneMask::default();
                let page = self.get_page_from_freelist(ctx, &section, ac, wmark, &mut mask);
                visited.intersect(&mask);
                (page, mask)
            };
            let pass = 'nopage: {
                if zref.zone_id().is_none() {
                    break 'nopage Pass::NoPage;
                }
                if let (Some(pfn), _) = walk(ctx, &ac, WMARK_MIN) {
                    break 'nopage Pass::Got(pfn);
                }
                let mut no_progress_loops = 0;
                // This allocation has killed, or has waited out another's
                // victim (`oom.rs`): it kills no more.
                let (mut killed, mut waited) = (false, false);
                // retry:
                loop {
                    // --kernel current (e05741fb10c3): check_retry_zonelist
                    // at retry: too.
                    if self.cfg.kernel.checks_at_retry() && section.need_retry() {
                        break 'nopage Pass::Restart;
                    }
                    // A run torn down while this allocation loops (the 6.1
                    // endless retry): let go, counted as livelocked.
                    // Relaxed: a flag polled once per round.
                    if self.abort_hold.load(Ordering::Relaxed) {
                        break 'nopage Pass::Abandoned;
                    }
                    if !gfp.alloc_cpuset() {
                        // Without ALLOC_CPUSET `retry:` starts the walk
                        // afresh from the zonelist as it is now.
                        let (idx, z) = first_zones_zonelist(&section, ctx.preferred_nid, highest);
                        ac.preferred = idx;
                        ac.preferred_zone = z.zone_id().unwrap_or(ac.preferred_zone);
                    }
                    if let (Some(pfn), _) = walk(ctx, &ac, WMARK_MIN) {
                        break 'nopage Pass::Got(pfn);
                    }
                    if !gfp.can_direct_reclaim() {
                        break 'nopage Pass::NoPage;
                    }
                    // __alloc_pages_direct_reclaim: a round that made
                    // progress walks, drains the per-CPU lists (where
                    // reclaim just put its pages) and walks again.
                    // A section holding a spinlock drops it for reclaim;
                    // what it walked is stale if a writer ran meanwhile.
                    rounds += 1;
                    let (progress, changed) =
                        section.around_reclaim(|| self.direct_reclaim(ctx, reclaim));
                    if changed {
                        break 'nopage Pass::Stale;
                    }
                    if progress > 0 {
                        let (mut page, _) = walk(ctx, &ac, WMARK_MIN);
                        if page.is_none() {
                            // drain_all_pages waits for every CPU's drain
                            // (it sleeps): outside a spinlock too.
                            let ((), changed) =
                                section.around_reclaim(|| self.mm.drain_all_pages(None));
                            if changed {
                                break 'nopage Pass::Stale;
                            }
                            page = walk(ctx, &ac, WMARK_MIN).0;
                        }
                        if let Some(pfn) = page {
                            break 'nopage Pass::Got(pfn);
                        }
                    }
                    if costly {
                        break 'nopage Pass::NoPage;
                    }
                    if self.should_reclaim_retry(
                        ctx,
                        &section,
                        &ac,
                        progress > 0,
                        &mut no_progress_loops,
                        reclaim,
                    ) {
                        continue;
                    }
                    // check_retry_zonelist before __alloc_pages_may_oom.
                    if section.need_retry() {
                        break 'nopage Pass::Restart;
                    }
                    self.hook(SlowpathPoint::MayOom);
                    // __alloc_pages_may_oom.
                    let Some(oom_lock) = self.oom.trylock() else {
                        // "Somebody else is making progress for us": a
                        // jiffy's sleep (outside a spinlock), then retry:
                        // with progress, and no walk.
                        let ((), changed) = section.around_reclaim(|| std::thread::sleep(JIFFY));
                        if changed {
                            break 'nopage Pass::Stale;
                        }
                        no_progress_loops = 0;
                        continue;
                    };
                    // One last walk from the same preferred_zoneref, with
                    // exactly ALLOC_WMARK_HIGH|ALLOC_CPUSET (no
                    // ALLOC_HARDER, no ALLOC_NOFRAGMENT), to catch a
                    // parallel OOM kill.
                    ctx.stats.oom_checks += 1;
                    let oom_ac = AllocContext {
                        harder: false,
                        nofragment: false,
                        ..ac
                    };
                    let (page, seen) = walk(ctx, &oom_ac, WMARK_HIGH);
                    if let Some(pfn) = page {
                        break 'nopage Pass::Got(pfn);
                    }
                    // The OOM killer does not kill for a request below
                    // ZONE_NORMAL (costly orders went to nopage above).
                    if highest < ZoneType::Normal as usize {
                        break 'nopage Pass::NoPage;
                    }
                    match self.oom.out_of_memory(&oom_lock, !(killed || waited)) {
                        OomOutcome::Killed => {
                            self.account_kill(ctx, &oom_ac, &seen);
                            killed = true;
                        }
                        OomOutcome::VictimInFlight => waited = true,
                        OomOutcome::Declined => break 'nopage Pass::NoPage,
                    }
                    drop(oom_lock);
                    // did_some_progress: retry:.
                    no_progress_loops = 0;
                }
            };
            self.note_overlap(ctx, gen0);
            match pass {
                Pass::Got(pfn) => {
                    ctx.stats.allocs += 1;
                    ctx.note_retries(retries);
                    let _ = pass_end(ctx, rounds);
                    return Some(pfn);
                }
                Pass::Restart => {
                    ctx.stats.retries += 1;
                    ctx.stats.retries_needed += 1;
                    retries += 1;
                    continue;
                }
                Pass::Stale => {
                    ctx.stats.retries += 1;
                    retries += 1;
                    continue;
                }
                Pass::Abandoned => {
                    // A long retry still looping at teardown: a livelock.
                    if pass_end(ctx, rounds) {
                        ctx.stats.livelocked += 1;
                    }
                    return None;
                }
                Pass::NoPage => {}
            }
            // nopage:
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
            let ok_at_fail = self.zones_passing(&ac, WMARK_MIN);
            drop(section);
            self.account_failure(ctx, gfp, order, &visited, &ok_at_fail, gen_check);
            ctx.note_retries(retries);
            let _ = pass_end(ctx, rounds);
            return None;
        }
    }

    /// Run the test hook, if any, at `point`.
    #[inline(always)]
    fn hook(&self, point: SlowpathPoint) {
        if let Some(hook) = &self.slowpath_hook {
            hook(self, point);
        }
    }

    /// Count a slowpath pass that a rebuild overlapped (ground truth).
    #[inline]
    fn note_overlap(&self, ctx: &mut AllocCtx, gen0: u64) {
        // Relaxed: a statistic compared with the value read at the start.
        if self.zonelist_gen.load(Ordering::Relaxed) != gen0 {
            ctx.stats.rebuild_overlaps += 1;
        }
    }

    /// `should_reclaim_retry`: another round of reclaim while it makes
    /// progress (a round without resets nothing), at most
    /// MAX_RECLAIM_RETRIES rounds in a row without, and only while some
    /// zone of the zonelist, walked from its first entry (not from
    /// `preferred_zoneref`), would pass MIN counting its free and
    /// reclaimable pages. Its sibling `should_compact_retry` is not
    /// modelled (no compaction), nor `unreserve_highatomic_pageblock`
    /// before OOM (no high-atomic reserve is ever set aside).
    fn should_reclaim_retry<V: ZonelistView, R: Reclaim>(
        &self,
        ctx: &AllocCtx,
        view: &V,
        ac: &AllocContext,
        did_some_progress: bool,
        no_progress_loops: &mut u32,
        reclaim: &R,
    ) -> bool {
        if did_some_progress && ac.order <= PCP_MAX_ORDER {
            *no_progress_loops = 0;
        } else {
            *no_progress_loops += 1;
        }
        if *no_progress_loops > MAX_RECLAIM_RETRIES {
            return false;
        }
        // for_each_zone_zonelist_nodemask from `_zonerefs[0]`.
        let (mut idx, mut zref) = first_zones_zonelist(view, ctx.preferred_nid, ac.highest_zoneidx);
        while let Some(zone_id) = zref.zone_id() {
            let zone = &self.mm.zones[zone_id];
            let available = zone.free_pages() + reclaim.reclaimable(self, zone_id);
            if zone.watermark_ok_with(
                ac.order,
                zone.wmark(WMARK_MIN),
                ac.highest_zoneidx,
                ac.harder,
                available,
            ) {
                return true;
            }
            (idx, zref) = next_zones_zonelist(view, ctx.preferred_nid, idx + 1, ac.highest_zoneidx);
        }
        false
    }

    fn direct_reclaim<R: Reclaim>(&self, ctx: &mut AllocCtx, reclaim: &mut R) -> u32 {
        ctx.stats.reclaim_rounds += 1;
        busy_wait(Duration::from_nanos(self.cfg.reclaim_ns));
        let n = reclaim.reclaim(self, ctx, SWAP_CLUSTER_MAX);
        ctx.stats.reclaimed_pages += n as u64;
        n
    }
}

/// How one pass of the slowpath ended.
enum Pass {
    Got(Pfn),
    /// `check_retry_zonelist` said the zonelists changed: `goto restart`.
    Restart,
    /// A section that dropped its lock around reclaim found a writer had
    /// run meanwhile: what it walked is stale, so it restarts.
    Stale,
    /// `goto nopage`.
    NoPage,
    /// The run was torn down while the allocation looped: it returns
    /// nothing, counted only as a long retry (and `livelocked`) when it
    /// had looped past LONG_RECLAIM rounds.
    Abandoned,
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
