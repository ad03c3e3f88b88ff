//! Failure classification: was a failed allocation a spurious OOM?
//!
//! * An OOM kill (`__alloc_pages_may_oom`'s walk at the HIGH watermark
//!   failed, `out_of_memory` called) is classified at the kill, by that
//!   walk alone and at the watermark it used: a *false kill* if an
//!   eligible zone the walk did not visit, in the zonelists current when
//!   it ended, would have passed that walk's check (HIGH, without
//!   ALLOC_HARDER). Such a zone was missed because the zonelists changed
//!   under the walk, after `check_retry_zonelist` had passed: the window
//!   the 2022 fix leaves open. A missed zone between MIN and HIGH would
//!   have failed the walk anyway, so that kill is not false: the kernel
//!   kills there with no race at all.
//! * A failed allocation is classified after its section ended, without
//!   taking any lock: it is a *false OOM* if an eligible zone that one of the
//!   final pass's walks did not visit, and that was in the zonelists current
//!   at the final `check_retry_zonelist`, had free pages above its MIN
//!   watermark when the walks ended (a snapshot taken then). Every zonelist holds every populated
//!   zone, so this equals a validating walk under the writer lock. A correct guard's final walk visits every
//!   eligible zone of a consistent zonelist, so it can only fail on
//!   watermarks (a true OOM).

use super::freelist::{AllocContext, VisitRecord, ZoneMask};
use super::{AllocCtx, Allocator};
use crate::guard::ZonelistGuard;
use crate::mm::gfp::Gfp;
use crate::mm::pcp::PCP_MAX_ORDER;
use crate::mm::zone::WMARK_HIGH;
use crate::primitive::sync::atomic::Ordering;

impl<G: ZonelistGuard> Allocator<G> {
    /// Classify a failed allocation (see the module docs). Outside any read
    /// section and outside the timed path.
    #[cold]
    pub(super) fn account_failure(
        &self,
        ctx: &mut AllocCtx,
        gfp: Gfp,
        order: u32,
        visited: &ZoneMask,
        ok: &ZoneMask,
        gen: u64,
    ) {
        if self.missed_free_zone(gfp.highest_zoneidx(), visited, ok, gen) {
            ctx.stats.false_ooms += 1;
        } else if order > PCP_MAX_ORDER {
            ctx.stats.costly_failures += 1;
        } else {
            ctx.stats.true_ooms += 1;
        }
    }

    /// Count an OOM kill made after a walk that visited `seen`, and
    /// whether it was a false one (see the module docs).
    #[cold]
    pub(super) fn account_kill(&self, ctx: &mut AllocCtx, ac: &AllocContext, seen: &ZoneMask) {
        // Acquire: as the failure's `gen_check` in `slowpath.rs`; read
        // after the walk, so a rebuild that ended during it counts.
        let gen = self.zonelist_gen.load(Ordering::Acquire);
        let ok = self.zones_passing(ac, WMARK_HIGH);
        ctx.stats.oom_kills += 1;
        if self.missed_free_zone(ac.highest_zoneidx, seen, &ok, gen) {
            ctx.stats.false_oom_kills += 1;
        }
    }

    /// The zones that could serve `ac`'s request at watermark `wmark` now
    /// (a snapshot, judged afterwards).
    pub(super) fn zones_passing(&self, ac: &AllocContext, wmark: usize) -> ZoneMask {
        let mut ok = ZoneMask::default();
        for z in self.mm.zones.iter() {
            // The exact count (the snapshot), not the folded one the walk
            // read: this is the judgement, not the walk.
            let free = z.free_pages();
            if z.watermark_ok_with(
                ac.order,
                z.wmark(wmark),
                ac.highest_zoneidx,
                ac.harder,
                free,
            ) {
                ok.visit(z.id);
            }
        }
        ok
    }

    /// Every node's zonelist holds every populated zone, so "an eligible
    /// zone the failing walks did not visit" is a scan of all zones; no lock
    /// is taken (the writer holds the zonelist-update lock across work that
    /// would otherwise stall the failing reader inside its measured time).
    fn missed_free_zone(
        &self,
        highest: usize,
        visited: &ZoneMask,
        ok_at_fail: &ZoneMask,
        gen: u64,
    ) -> bool {
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
}
