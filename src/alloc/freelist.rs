//! `get_page_from_freelist` and what it shares with its callers: the
//! `alloc_context` of one request, the walk from `preferred_zoneref` with
//! its watermark checks, and `prep_new_page`.

use super::{AllocCtx, Allocator};
use crate::guard::ZonelistGuard;
use crate::mm::page::{Pfn, PG_ALLOCATED};
use crate::mm::zone::{MAX_NR_ZONES, NOT_POPULATED};
use crate::mm::zonelist::{next_zones_zonelist, ZonelistView};
use crate::mm::MAX_NUMNODES;
use crate::primitive::sync::atomic::Ordering;

/// `struct alloc_context` plus the request: what every zonelist walk of one
/// allocation shares.
#[derive(Clone, Copy)]
pub(super) struct AllocContext {
    /// Index of `preferred_zoneref` in the walked zonelist.
    pub(super) preferred: usize,
    /// The zone `first_zones_zonelist` found there. The walk reads the
    /// slot again wherever the kernel does (NOFRAGMENT, rmqueue); this is
    /// the stand-in where that read finds NULL (`walk_zonelist`).
    pub(super) preferred_zone: usize,
    pub(super) highest_zoneidx: usize,
    pub(super) order: u32,
    /// ALLOC_HARDER.
    pub(super) harder: bool,
    /// ALLOC_NOFRAGMENT (`alloc_flags_nofragment`; fast path only): the
    /// first pass stays on the preferred node and, having found nothing,
    /// walks again without it. (Its other effect, no fallback to another
    /// migratetype in `__rmqueue`, has nothing to act on: the model keeps
    /// no migratetype lists.)
    pub(super) nofragment: bool,
}

/// Records which zones a walk examined (for failure classification).
pub(super) trait VisitRecord {
    fn visit(&mut self, zone_id: usize);
}

pub(super) struct NoRecord;
impl VisitRecord for NoRecord {
    #[inline(always)]
    fn visit(&mut self, _: usize) {}
}

/// Words of a [`ZoneMask`]: a bit for every zone of MAX_NUMNODES nodes.
const MASK_WORDS: usize = (MAX_NUMNODES * MAX_NR_ZONES).div_ceil(64);

/// A set of zone ids (up to MAX_NUMNODES * MAX_NR_ZONES). Built only on
/// the slowpath, where a walk's few hundred bytes of bits are nothing
/// beside the reclaim around it.
#[derive(Clone, Copy)]
pub(super) struct ZoneMask([u64; MASK_WORDS]);

impl Default for ZoneMask {
    fn default() -> Self {
        ZoneMask([0; MASK_WORDS])
    }
}

impl ZoneMask {
    pub(super) const ALL: ZoneMask = ZoneMask([u64::MAX; MASK_WORDS]);

    pub(super) fn contains(&self, z: usize) -> bool {
        self.0[z / 64] & (1 << (z % 64)) != 0
    }

    pub(super) fn intersect(&mut self, other: &ZoneMask) {
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

impl<G: ZonelistGuard> Allocator<G> {
    /// `get_page_from_freelist`: walk from `preferred_zoneref`, skip zones
    /// above `highest_zoneidx`, check the watermark, `rmqueue`. With
    /// ALLOC_NOFRAGMENT the walk starts again without it at the first zone
    /// of another node (on a machine of several nodes), or after a walk
    /// that found nothing (`retry:`).
    #[inline]
    pub(super) fn get_page_from_freelist<V: ZonelistView, Rec: VisitRecord>(
        &self,
        ctx: &mut AllocCtx,
        view: &V,
        ac: &AllocContext,
        wmark: usize,
        rec: &mut Rec,
    ) -> Option<Pfn> {
        let mut no_fallback = ac.nofragment;
        loop {
            match self.walk_zonelist(ctx, view, ac, wmark, no_fallback, rec) {
                Some(pfn) => return Some(pfn),
                None if no_fallback => no_fallback = false,
                None => return None,
            }
        }
    }

    /// One pass of `get_page_from_freelist`'s walk
    /// (`for_next_zone_zonelist_nodemask`); with `no_fallback` it ends
    /// (None) at the first zone of another node. As in the kernel, the
    /// first zone is `preferred_zoneref->zone` read again now and not
    /// filtered by `highest_zoneidx` (`first_zones_zonelist` filtered the
    /// entry when it chose the index; a rebuild since may have put another
    /// zone there, MOVABLE for a GFP_KERNEL request, and the walk takes it:
    /// `ineligible_allocs`); the later ones come from `next_zones_zonelist`,
    /// which skips by index alone.
    #[inline]
    fn walk_zonelist<V: ZonelistView, Rec: VisitRecord>(
        &self,
        ctx: &mut AllocCtx,
        view: &V,
        ac: &AllocContext,
        wmark: usize,
        no_fallback: bool,
        rec: &mut Rec,
    ) -> Option<Pfn> {
        let nid = ctx.preferred_nid;
        let mut idx = ac.preferred;
        let mut zref = view.zoneref(nid, idx);
        loop {
            let zone_id = zref.zone_id()?;
            if let Some(found) = self.try_zone(ctx, view, ac, zone_id, wmark, no_fallback, rec) {
                return found;
            }
            (idx, zref) = next_zones_zonelist(view, nid, idx + 1, ac.highest_zoneidx);
        }
    }

    /// The body of the walk for one zone: `Some(Some(page))` taken,
    /// `Some(None)` the NOFRAGMENT pass ends here, `None` on to the next.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn try_zone<V: ZonelistView, Rec: VisitRecord>(
        &self,
        ctx: &mut AllocCtx,
        view: &V,
        ac: &AllocContext,
        zone_id: usize,
        wmark: usize,
        no_fallback: bool,
        rec: &mut Rec,
    ) -> Option<Option<Pfn>> {
        let zone = &self.mm.zones[zone_id];
        // The kernel reads `ac->preferred_zoneref->zone` again wherever it
        // uses it (here and at rmqueue); a NULL there (a rebuild mid-way)
        // would be a NULL dereference in `zone_to_nid`, which the model
        // replaces by the zone read when the index was chosen.
        let preferred = || {
            let id = view
                .zoneref(ctx.preferred_nid, ac.preferred)
                .zone_id()
                .unwrap_or(ac.preferred_zone);
            &self.mm.zones[id]
        };
        if no_fallback && self.mm.nr_online_nodes() > 1 {
            let preferred = preferred();
            if zone_id != preferred.id && zone.nid != preferred.nid {
                // The first pass ends at the preferred node's last zone;
                // the caller walks again from the start without it.
                return Some(None);
            }
        }
        rec.visit(zone_id);
        // Relaxed: a statistic; populated_since is read only when the
        // zone is empty, which is rare.
        if !zone.populated() && zone.populated_since.load(Ordering::Relaxed) == NOT_POPULATED {
            // A zone the current zonelists no longer list (the rebuild
            // that dropped it has begun): the walk is over an old list,
            // an RCU snapshot or an in-place list mid-rewrite.
            ctx.stats.stale_zone_visits += 1;
        }
        if !zone.watermark_ok(ac.order, zone.wmark(wmark), ac.highest_zoneidx, ac.harder) {
            return None;
        }
        let pfn = self.mm.rmqueue(ctx.cpu, preferred(), zone, ac.order)?;
        self.prep_new_page(ctx, pfn, ac.order);
        // Ground truth: a zone above the request's highest index, taken
        // from the unfiltered preferred slot or through a torn zoneref.
        if zone.zone_type as usize > ac.highest_zoneidx {
            ctx.stats.ineligible_allocs += 1;
        }
        Some(Some(pfn))
    }

    /// `prep_new_page` (`post_alloc_hook`'s page writes) + the model's
    /// checks: never hand out a page twice, or a page of an isolated or
    /// offline range.
    #[inline]
    pub(super) fn prep_new_page(&self, ctx: &mut AllocCtx, pfn: Pfn, order: u32) {
        let page = self.mm.mem_map.page(pfn);
        if page.state() & PG_ALLOCATED != 0 {
            ctx.stats.bad_pages += 1;
        }
        page.post_alloc_hook();
        // Isolation is checked where blocks become available for handing
        // out, under the owning lock (`Buddy::rmqueue_smallest`, and the
        // per-CPU lists at isolation time); an offline page cannot be here,
        // since offlining waits for every page of the range to be free, and
        // the end-of-run accounting would see it.
        page.set_state(PG_ALLOCATED, order);
    }
}
