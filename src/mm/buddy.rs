//! The buddy allocator of one zone: `__rmqueue_smallest`, `expand`,
//! `__free_one_page`, under `zone->lock` (the caller holds it and passes the
//! `FreeArea` it guards).
//!
//! Pages freed into an isolated pageblock go to the zone's isolate list and
//! are never handed out (the kernel's MIGRATE_ISOLATE free list); they do not
//! count in NR_FREE_PAGES, as in the kernel.

use crate::mm::page::{Pfn, MAX_ORDER, PG_BUDDY, PG_ISOLATED};
use crate::mm::zone::{FreeArea, Zone};
use crate::mm::Mm;
use crate::primitive::sync::atomic::Ordering;

#[derive(Debug)]
pub struct Buddy<'a> {
    pub mm: &'a Mm,
    pub zone: &'a Zone,
}

impl Buddy<'_> {
    /// `add_to_free_list`.
    #[inline]
    fn add_to_free_list(&self, area: &mut FreeArea, pfn: Pfn, order: u32, tail: bool) {
        self.mm.mem_map.page(pfn).set_state(PG_BUDDY, order);
        let list = &mut area.free_list[order as usize];
        if tail {
            list.push_tail(&self.mm.mem_map, pfn);
        } else {
            list.push_head(&self.mm.mem_map, pfn);
        }
        area.nr_free[order as usize] += 1;
        self.zone.account_free(area, order, 1 << order);
    }

    /// `del_page_from_free_list`.
    #[inline]
    fn del_from_free_list(&self, area: &mut FreeArea, pfn: Pfn, order: u32) {
        area.free_list[order as usize].remove(&self.mm.mem_map, pfn);
        area.nr_free[order as usize] -= 1;
        let page = self.mm.mem_map.page(pfn);
        page.set_state(0, 0);
        page.clear_private();
        self.zone.account_free(area, order, -(1 << order));
    }

    /// `expand`: split a block of order `high` down to `low`, returning the
    /// upper halves to the free lists.
    #[inline]
    fn expand(&self, area: &mut FreeArea, pfn: Pfn, low: u32, mut high: u32) {
        while high > low {
            high -= 1;
            self.add_to_free_list(area, pfn + (1 << high), high, false);
        }
    }

    /// `__rmqueue_smallest`: the smallest free block of at least `order`.
    #[inline]
    pub fn rmqueue_smallest(&self, area: &mut FreeArea, order: u32) -> Option<Pfn> {
        for o in order..=MAX_ORDER {
            if let Some(pfn) = area.free_list[o as usize].first() {
                if self.mm.pageblock_unavailable(pfn) {
                    // A free block of an isolated or offline range on a
                    // normal free list: the model is broken. Count it (the
                    // run fails on it) and hand it out as the kernel would.
                    // Relaxed: a bug counter summed after the run.
                    self.zone.isolated_allocs.fetch_add(1, Ordering::Relaxed);
                }
                self.del_from_free_list(area, pfn, o);
                self.expand(area, pfn, order, o);
                return Some(pfn);
            }
        }
        None
    }

    /// `page_is_buddy`: `buddy` heads a free block of `order` in this zone.
    #[inline]
    fn page_is_buddy(&self, buddy: Pfn, order: u32) -> bool {
        if !self.zone.contains(buddy) {
            return false;
        }
        let page = self.mm.mem_map.page(buddy);
        page.state() == PG_BUDDY && page.order() == order
    }

    /// `__free_one_page`: merge with free buddies (`buddy_pfn = pfn ^ (1 <<
    /// order)`, `combined = buddy_pfn & pfn`) and put the block on its list.
    /// A block in an isolated pageblock goes to the isolate list instead.
    pub fn free_one_page(&self, area: &mut FreeArea, isolated: bool, mut pfn: Pfn, mut order: u32) {
        if isolated {
            self.mm.mem_map.page(pfn).set_state(PG_ISOLATED, order);
            area.isolate.push_head(&self.mm.mem_map, pfn);
            area.nr_isolated += 1 << order;
            return;
        }
        while order < MAX_ORDER {
            let buddy = pfn ^ (1 << order);
            if !self.page_is_buddy(buddy, order) {
                break;
            }
            self.del_from_free_list(area, buddy, order);
            pfn &= buddy;
            order += 1;
        }
        // The kernel adds a block to the tail when its buddy's parent may soon
        // be free (to_tail heuristics); the head is its common case.
        self.add_to_free_list(area, pfn, order, false);
    }

    /// Move every free buddy block inside `[start, end)` to the isolate list
    /// (`set_migratetype_isolate` + `move_freepages_block`). The range is
    /// MAX_ORDER aligned, so no free block straddles its edges.
    pub fn isolate_range(&self, area: &mut FreeArea, start: Pfn, end: Pfn) {
        let mut pfn = start;
        while pfn < end {
            let page = self.mm.mem_map.page(pfn);
            if page.state() == PG_BUDDY {
                let order = page.order();
                self.del_from_free_list(area, pfn, order);
                self.free_one_page(area, true, pfn, order);
                pfn += 1 << order;
            } else {
                pfn += 1;
            }
        }
    }

    /// Take every block off the isolate list (to free them into buddy on
    /// un-isolation, or to offline them). Returns `(pfn, order)` pairs.
    pub fn drain_isolate_list(&self, area: &mut FreeArea) -> Vec<(Pfn, u32)> {
        let mut out = Vec::new();
        while let Some(pfn) = area.isolate.pop_head(&self.mm.mem_map) {
            let order = self.mm.mem_map.page(pfn).order();
            self.mm.mem_map.page(pfn).set_state(0, 0);
            area.nr_isolated -= 1 << order;
            out.push((pfn, order));
        }
        out
    }
}
