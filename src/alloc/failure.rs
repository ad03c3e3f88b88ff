//! Failure classification: was a failed allocation a spurious OOM?
//!
//! * A failed allocation is classified after its section ended, without
//!   taking any lock: it is a *false OOM* if an eligible zone that one of the
//!   final pass's walks did not visit, and that was in the zonelists current
//!   at the final `check_retry_zonelist`, had free pages above its MIN
//!   watermark when the walks ended (a snapshot taken then). Every zonelist holds every populated
//!   zone, so this equals a validating walk under the writer lock. A correct guard's final walk visits every
//!   eligible zone of a consistent zonelist, so it can only fail on
//!   watermarks (a true OOM).

use super::freelist::ZoneMask;
use super::{AllocCtx, Allocator};
use crate::guard::ZonelistGuard;
use crate::mm::gfp::Gfp;
use crate::mm::pcp::PCP_MAX_ORDER;
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
}
