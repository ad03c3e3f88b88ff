//! Memory hotplug of a whole zone's range (one memory block): `offline_pages`
//! and `online_pages` (mm/memory_hotplug.c).
//!
//! offline: `zone_pcp_disable` (high 0, batch 1, drain every CPU), isolate
//! the range (free pages move to the isolate list; pages freed later go there
//! too and are never handed out), wait until every page of the range is free
//! (the caller's `migrate` step: in runs, readers free what they hold), take
//! the pages out of buddy (`__offline_isolated_pages`), `zone_pcp_enable`,
//! decrease present and managed pages, recompute watermarks, and rebuild the
//! zonelists if the zone is now unpopulated. A migration that gives up undoes
//! the isolation (`-EBUSY`). online is the reverse: the range is added
//! isolated, its pages freed into the isolate list, present pages increased,
//! the zonelists rebuilt if the zone was unpopulated, and then the range is
//! un-isolated into buddy.
//!
//! Simplifications: migration is the owners freeing their pages rather than
//! the offlining thread copying them (what is measured is the zonelist
//! rebuild and its readers, not migration cost); one range per zone, so
//! the zone's isolate list holds exactly the isolated range's free pages;
//! memory sections, memmap_on_memory and memory notifiers are not modelled.

use crate::alloc::Allocator;
use crate::guard::ZonelistGuard;
use crate::mm::page::{MAX_ORDER, MAX_ORDER_NR_PAGES, PG_OFFLINE};
use crate::primitive::sync::atomic::Ordering;
use std::fmt;

#[derive(Debug, PartialEq, Eq)]
pub enum HotplugError {
    /// Migration gave up (the kernel's -EBUSY / -EINTR); nothing changed.
    Busy,
    /// The zone is not in the state the operation needs.
    WrongState(&'static str),
}

impl fmt::Display for HotplugError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HotplugError::Busy => write!(f, "migration gave up (EBUSY)"),
            HotplugError::WrongState(s) => write!(f, "{s}"),
        }
    }
}

impl<G: ZonelistGuard> Allocator<G> {
    /// `offline_pages` of zone `zone_id`'s whole span. `migrate` is called
    /// while pages of the range are still allocated; it returns false to give
    /// up.
    pub fn offline_pages(
        &self,
        zone_id: usize,
        migrate: &mut dyn FnMut() -> bool,
    ) -> Result<(), HotplugError> {
        let _hotplug = self.hotplug_lock.lock();
        let mm = &self.mm;
        let zone = &mm.zones[zone_id];
        if zone.present_pages() != zone.spanned_pages || zone.spanned_pages == 0 {
            return Err(HotplugError::WrongState("zone is not online"));
        }
        let (start, end, nr) = (zone.start_pfn, zone.end_pfn(), zone.spanned_pages);
        mm.zone_pcp_disable(zone);
        {
            // start_isolate_page_range
            let mut area = zone.lock.lock();
            mm.set_pageblocks(start, end, true, false);
            mm.buddy(zone).isolate_range(&mut area, start, end);
        }
        // The pagesets were drained and disabled before isolation: none may
        // hold a block of the range now, or it could be handed out isolated.
        for cpu in 0..mm.nr_cpus {
            let pcp = mm.pcp(cpu, zone_id).lock();
            if pcp.count != 0 {
                // Relaxed: a bug counter summed after the run.
                zone.isolated_allocs
                    .fetch_add(pcp.count as u64, Ordering::Relaxed);
            }
        }
        // Migration: wait until every page of the range is free.
        while zone.lock.lock().nr_isolated < nr {
            if !migrate() {
                // undo_isolate_page_range + zone_pcp_enable.
                let mut area = zone.lock.lock();
                mm.set_pageblocks(start, end, false, false);
                let buddy = mm.buddy(zone);
                for (pfn, order) in buddy.drain_isolate_list(&mut area) {
                    buddy.free_one_page(&mut area, false, pfn, order);
                }
                drop(area);
                mm.zone_pcp_update(zone);
                return Err(HotplugError::Busy);
            }
        }
        {
            // __offline_isolated_pages
            let mut area = zone.lock.lock();
            mm.buddy(zone).drain_isolate_list(&mut area);
            for pfn in start..end {
                mm.mem_map.page(pfn).set_state(PG_OFFLINE, 0);
            }
            mm.set_pageblocks(start, end, false, true);
        }
        let _update = self.zonelist_update.lock();
        // Relaxed: statistics read locklessly by readers (see Zone).
        zone.vm.present_pages.fetch_sub(nr, Ordering::Relaxed);
        zone.vm.managed_pages.fetch_sub(nr, Ordering::Relaxed);
        // init_per_zone_wmark_min (also zone_pcp_enable: restores high/batch).
        mm.setup_per_zone_wmarks();
        if !zone.populated() {
            self.build_all_zonelists_locked();
        }
        Ok(())
    }

    /// `online_pages` of zone `zone_id`'s whole span.
    pub fn online_pages(&self, zone_id: usize) -> Result<(), HotplugError> {
        let _hotplug = self.hotplug_lock.lock();
        let mm = &self.mm;
        let zone = &mm.zones[zone_id];
        if zone.present_pages() != 0 || zone.spanned_pages == 0 {
            return Err(HotplugError::WrongState("zone is not offline"));
        }
        let (start, end, nr) = (zone.start_pfn, zone.end_pfn(), zone.spanned_pages);
        {
            // move_pfn_range_to_zone(MIGRATE_ISOLATE) + online_pages_range:
            // the pages enter buddy isolated.
            let mut area = zone.lock.lock();
            mm.set_pageblocks(start, end, true, false);
            for pfn in start..end {
                mm.mem_map.page(pfn).set_state(0, 0);
            }
            let buddy = mm.buddy(zone);
            for pfn in (start..end).step_by(MAX_ORDER_NR_PAGES as usize) {
                buddy.free_one_page(&mut area, true, pfn, MAX_ORDER);
            }
        }
        {
            let _update = self.zonelist_update.lock();
            let was_populated = zone.populated();
            // Relaxed: as in offline_pages.
            zone.vm.present_pages.fetch_add(nr, Ordering::Relaxed);
            zone.vm.managed_pages.fetch_add(nr, Ordering::Relaxed);
            if !was_populated {
                self.build_all_zonelists_locked();
            }
        }
        {
            // undo_isolate_page_range: allow allocation of the onlined pages.
            let mut area = zone.lock.lock();
            mm.set_pageblocks(start, end, false, false);
            let buddy = mm.buddy(zone);
            for (pfn, order) in buddy.drain_isolate_list(&mut area) {
                buddy.free_one_page(&mut area, false, pfn, order);
            }
        }
        let _update = self.zonelist_update.lock();
        mm.setup_per_zone_wmarks();
        Ok(())
    }
}
