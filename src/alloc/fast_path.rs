//! `alloc_pages`' memory policy (`mm::mempolicy`), then `__alloc_pages`:
//! the request's prologue (`gfp_allowed_mask`,
//! `current_gfp_context`, `might_alloc`, `alloc_flags_nofragment`), the
//! fast path (`get_page_from_freelist` from `preferred_zoneref` at the LOW
//! watermark, in a read section only at `--scope every-alloc`), falling
//! back to the slowpath; and `free_pages`.
//!
//! Not modelled in the prologue, each a static key or a config option off
//! in a production kernel, so no work there: cpusets, the fault-injection
//! hook `should_fail_alloc_page` (out of line, but constant false without
//! CONFIG_FAIL_PAGE_ALLOC), CMA, memcg charging (no __GFP_ACCOUNT), the
//! tracepoint and KMSAN hooks.

use super::freelist::{AllocContext, NoRecord};
use super::{AllocCtx, Allocator, Reclaim, Scope};
use crate::guard::{ReadSection, ZonelistGuard};
use crate::metrics::timer;
use crate::mm::gfp::Gfp;
use crate::mm::mempolicy::{get_task_policy, DEFAULT_POLICY};
use crate::mm::page::{page_zone_id, Pfn, ORDER_MASK, PG_ALLOCATED, STATE_MASK};
use crate::mm::zone::{Zone, ZoneType, WMARK_LOW};
use crate::mm::zonelist::{first_zones_zonelist, ZonelistView};
use crate::sync::hardirq::in_hardirq;
use crate::sync::preempt::cond_resched;

impl<G: ZonelistGuard> Allocator<G> {
    /// `__alloc_pages`.
    #[inline]
    pub fn alloc_pages<R: Reclaim>(
        &self,
        ctx: &mut AllocCtx,
        gfp: Gfp,
        order: u32,
        reclaim: &mut R,
    ) -> Option<Pfn> {
        // Between two allocations the task holds no zonelist section: a
        // quiescent state (on a kernel without PREEMPT_RCU, the one
        // `rcu_all_qs()` reports from might_alloc's `cond_resched()` below;
        // here for every allocation, atomic ones too, so a CPU is online
        // before its first section). Nothing for most guards.
        self.quiescent_state(ctx);
        // alloc_pages: the memory policy names the node (`policy_node`);
        // in interrupt context it is `default_policy`.
        ctx.preferred_nid = {
            let pol = if in_hardirq() {
                &DEFAULT_POLICY
            } else {
                get_task_policy(
                    ctx.mempolicy.as_deref(),
                    &self.mm.preferred_node_policy,
                    ctx.nid,
                )
            };
            pol.policy_node(ctx.nid)
        };
        let gfp = gfp
            .masked(self.mm.gfp_allowed_mask)
            .current_gfp_context(ctx.task_flags);
        // prepare_alloc_pages: gfp_zone, then might_alloc (might_sleep_if:
        // `__cond_resched` in PREEMPT_DYNAMIC's voluntary mode).
        let highest = gfp.highest_zoneidx();
        if gfp.can_direct_reclaim() {
            cond_resched(self.mm.preempt(ctx.cpu));
        }
        let page = match self.cfg.scope {
            Scope::Slowpath => {
                let view = self.guard.fast_view(&mut ctx.probe);
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
        // The fast path uses plain ALLOC_WMARK_LOW, whatever the gfp.
        let (preferred, zref) = first_zones_zonelist(view, ctx.preferred_nid, highest);
        let preferred_zone = zref.zone_id()?;
        let ac = AllocContext {
            preferred,
            preferred_zone,
            highest_zoneidx: highest,
            order,
            harder: false,
            nofragment: self.alloc_flags_nofragment(&self.mm.zones[preferred_zone]),
        };
        self.get_page_from_freelist(ctx, view, &ac, WMARK_LOW, &mut NoRecord)
    }

    /// `alloc_flags_nofragment` (CONFIG_ZONE_DMA32): ALLOC_NOFRAGMENT when
    /// the preferred zone is ZONE_NORMAL, unless on a machine of several
    /// nodes that node has no ZONE_DMA32 to fall back to.
    #[inline]
    fn alloc_flags_nofragment(&self, zone: &Zone) -> bool {
        if zone.zone_type != ZoneType::Normal {
            return false;
        }
        self.mm.nr_online_nodes() == 1 || self.mm.zone(zone.nid, ZoneType::Dma32).populated()
    }

    /// `__free_pages`: drop the reference (`put_page_testzero`), and on
    /// the last `free_pages_prepare` then `free_unref_page`.
    #[inline]
    pub fn free_pages(&self, ctx: &mut AllocCtx, pfn: Pfn, order: u32) {
        let page = self.mm.mem_map.page(pfn);
        let flags = page.flags();
        if flags as u32 & (STATE_MASK | ORDER_MASK) != PG_ALLOCATED | order {
            // Freeing a free page (or with the wrong order): count it and
            // leave the page alone rather than corrupt the lists.
            ctx.stats.bad_pages += 1;
            return;
        }
        if !page.put_page_testzero() {
            return;
        }
        // free_pages_prepare checks and clears every tail page of a block
        // of order > 0 first; a bad one leaks the block (the run's page
        // accounting then fails it).
        let bad = (1..1u32 << order)
            .filter(|&i| !self.mm.mem_map.page(pfn + i).free_tail_prepare())
            .count();
        if bad > 0 {
            ctx.stats.bad_pages += bad as u64;
            return;
        }
        page.free_pages_prepare();
        ctx.stats.frees += 1;
        let zone = &self.mm.zones[page_zone_id(flags)];
        self.mm.free_unref_page(ctx.cpu, zone, pfn, order);
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
}
