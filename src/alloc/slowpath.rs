//! `__alloc_pages_slowpath`: `restart:`, `zonelist_iter_begin`,
//! `preferred_zoneref` recomputed, the MIN watermark, direct reclaim with
//! `should_reclaim_retry`, and `check_retry_zonelist` before OOM and at
//! `nopage:`.

use super::freelist::{AllocContext, VisitRecord, ZoneMask};
use super::{AllocCtx, Allocator};
use crate::guard::{ReadSection, ZonelistGuard};
use crate::metrics::timer;
use crate::mm::gfp::Gfp;
use crate::mm::page::Pfn;
use crate::mm::pcp::PCP_MAX_ORDER;
use crate::mm::zone::{WMARK_HIGH, WMARK_MIN};
use crate::mm::zonelist::first_zones_zonelist;
use crate::primitive::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub const SWAP_CLUSTER_MAX: u32 = 32;
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
}

/// Nothing to reclaim.
#[derive(Debug)]
pub struct NoReclaim;

impl Reclaim for NoReclaim {
    fn reclaim<G: ZonelistGuard>(&mut self, _: &Allocator<G>, _: &mut AllocCtx, _: u32) -> u32 {
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
