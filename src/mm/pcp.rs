//! Per-CPU pagesets (`struct per_cpu_pages`): per CPU and zone, one list per
//! order 0..=PAGE_ALLOC_COSTLY_ORDER, `count`, `batch`, `high`; refilled by
//! `rmqueue_bulk` and drained by `free_pcppages_bulk` under the zone lock.
//! The per-CPU lock is taken with trylock on the allocation and free paths
//! and they fall back to the buddy lists when it is held (v6.1+
//! `pcp_spin_trylock`); drains take it unconditionally.
//!
//! Simplifications: no migratetype lists; `high` is the v6.1 `zone_highsize`
//! without the later adaptive scaling; `nr_pcp_alloc`/`nr_pcp_free` use
//! `batch` (scaled by order), not the adaptive factors of v6.6.

use crate::mm::buddy::Buddy;
use crate::mm::page::{ListHead, Pfn, PG_PCP};
use crate::mm::zone::{Zone, WMARK_LOW};
use crate::mm::Mm;
use crate::sync::SpinLockGuard;

/// PAGE_ALLOC_COSTLY_ORDER: orders up to this one are cached per CPU.
pub const PCP_MAX_ORDER: u32 = 3;
pub const NR_PCP_LISTS: usize = PCP_MAX_ORDER as usize + 1;

#[derive(Debug, Default)]
pub struct Pcp {
    pub lists: [ListHead; NR_PCP_LISTS],
    /// Pages (not blocks) on all lists.
    pub count: u32,
    pub high: u32,
    pub batch: u32,
}

impl Mm {
    /// `zone_highsize` (v6.1): the low watermark split among the node's CPUs,
    /// at least four batches.
    pub(crate) fn pcp_high(&self, zone: &Zone) -> u32 {
        let cpus = self.cpus_of_node(zone.nid).max(1) as u64;
        let high = zone.wmark(WMARK_LOW) / cpus;
        (high as u32).max(self.cfg.pcp_batch * 4)
    }

    /// `rmqueue`: order <= 3 from the per-CPU list, else (or when the per-CPU
    /// lock is contended) straight from the buddy lists.
    #[inline]
    pub fn rmqueue(&self, cpu: usize, zone: &Zone, order: u32) -> Option<Pfn> {
        if order <= PCP_MAX_ORDER {
            if let Some(pcp) = self.pcp(cpu, zone.id).try_lock() {
                return self.rmqueue_pcplist(pcp, zone, order);
            }
        }
        self.rmqueue_buddy(zone, order)
    }

    /// `__rmqueue_pcplist`.
    #[inline]
    fn rmqueue_pcplist(
        &self,
        mut pcp: SpinLockGuard<'_, Pcp>,
        zone: &Zone,
        order: u32,
    ) -> Option<Pfn> {
        let o = order as usize;
        if pcp.lists[o].is_empty() {
            // nr_pcp_alloc (v6.1): batch, scaled down for higher orders but
            // never above 1 while the pageset is disabled (batch 1), so a
            // disabled pageset holds nothing between lock holds.
            let batch = if order == 0 || pcp.batch <= 1 {
                pcp.batch
            } else {
                (pcp.batch >> order).max(2)
            };
            let got = self.rmqueue_bulk(zone, order, batch, &mut pcp.lists[o]);
            pcp.count += got << order;
        }
        let pfn = pcp.lists[o].pop_head(&self.mem_map)?;
        pcp.count -= 1 << order;
        Some(pfn)
    }

    /// `rmqueue_buddy`.
    #[cold]
    pub fn rmqueue_buddy(&self, zone: &Zone, order: u32) -> Option<Pfn> {
        let mut area = zone.lock.lock();
        self.buddy(zone).rmqueue_smallest(&mut area, order)
    }

    /// `rmqueue_bulk`: take up to `count` blocks of `order` from buddy onto a
    /// per-CPU list, in one zone-lock hold. Returns how many it got.
    #[cold]
    fn rmqueue_bulk(&self, zone: &Zone, order: u32, count: u32, list: &mut ListHead) -> u32 {
        let mut area = zone.lock.lock();
        let buddy = self.buddy(zone);
        let mut got = 0;
        while got < count {
            let Some(pfn) = buddy.rmqueue_smallest(&mut area, order) else {
                break;
            };
            self.mem_map.page(pfn).set_state(PG_PCP, order);
            list.push_tail(&self.mem_map, pfn);
            got += 1;
        }
        got
    }

    /// `free_unref_page` / `__free_pages`: to the per-CPU list head when
    /// possible, draining a batch when `count >= high`; else to buddy.
    #[inline]
    pub fn free_to_zone(&self, cpu: usize, zone: &Zone, pfn: Pfn, order: u32) {
        if order <= PCP_MAX_ORDER {
            if let Some(mut pcp) = self.pcp(cpu, zone.id).try_lock() {
                // free_unref_page_commit
                self.mem_map.page(pfn).set_state(PG_PCP, order);
                pcp.lists[order as usize].push_head(&self.mem_map, pfn);
                pcp.count += 1 << order;
                if pcp.count >= pcp.high {
                    self.free_high(zone, &mut pcp);
                }
                return;
            }
        }
        self.free_one_page(zone, pfn, order);
    }

    /// The `count >= high` tail of `free_unref_page_commit`: nr_pcp_free is
    /// a batch, or everything when high < batch (the pageset is disabled).
    #[cold]
    #[inline(never)]
    fn free_high(&self, zone: &Zone, pcp: &mut Pcp) {
        let n = if pcp.high < pcp.batch {
            pcp.count
        } else {
            pcp.batch
        };
        self.free_pcppages_bulk(zone, n, pcp);
    }

    /// `free_one_page`: straight into buddy under the zone lock.
    #[cold]
    pub(crate) fn free_one_page(&self, zone: &Zone, pfn: Pfn, order: u32) {
        let mut area = zone.lock.lock();
        let isolated = self.pageblock_isolated(pfn);
        self.buddy(zone)
            .free_one_page(&mut area, isolated, pfn, order);
    }

    /// `free_one_page` for tests: a handed-out order-`order` block straight
    /// back to buddy.
    pub fn free_one_page_for_test(&self, zone: &Zone, pfn: Pfn, order: u32) {
        self.free_one_page(zone, pfn, order);
    }

    /// `free_pcppages_bulk`: return at least `count` pages from the cold
    /// tails of the lists (round robin over orders) to buddy.
    #[cold]
    pub(crate) fn free_pcppages_bulk(&self, zone: &Zone, count: u32, pcp: &mut Pcp) {
        let mut area = zone.lock.lock();
        let buddy = self.buddy(zone);
        let mut to_free = count.min(pcp.count) as i64;
        let mut pindex = 0;
        while to_free > 0 {
            // Find the next non-empty list, round robin as the kernel does.
            let mut tries = 0;
            while pcp.lists[pindex].is_empty() {
                pindex = (pindex + 1) % NR_PCP_LISTS;
                tries += 1;
                debug_assert!(tries <= NR_PCP_LISTS, "pcp count disagrees with its lists");
                if tries > NR_PCP_LISTS {
                    return;
                }
            }
            let order = pindex as u32;
            let pfn = pcp.lists[pindex]
                .pop_tail(&self.mem_map)
                .expect("list is not empty");
            pcp.count -= 1 << order;
            to_free -= 1 << order;
            let isolated = self.pageblock_isolated(pfn);
            buddy.free_one_page(&mut area, isolated, pfn, order);
            pindex = (pindex + 1) % NR_PCP_LISTS;
        }
    }

    /// `drain_pages_zone`: empty one CPU's lists for `zone`.
    pub fn drain_pages_zone(&self, cpu: usize, zone: &Zone) {
        let mut pcp = self.pcp(cpu, zone.id).lock();
        let n = pcp.count;
        if n > 0 {
            self.free_pcppages_bulk(zone, n, &mut pcp);
        }
    }

    /// `drain_all_pages`: every CPU's lists, for one zone or all.
    pub fn drain_all_pages(&self, zone: Option<&Zone>) {
        for cpu in 0..self.nr_cpus {
            match zone {
                Some(z) => self.drain_pages_zone(cpu, z),
                None => self
                    .zones
                    .iter()
                    .for_each(|z| self.drain_pages_zone(cpu, z)),
            }
        }
    }

    /// `zone_pcp_disable`: high = 0, batch = 1 on every CPU (so every free
    /// goes straight through to buddy), then drain.
    pub fn zone_pcp_disable(&self, zone: &Zone) {
        for cpu in 0..self.nr_cpus {
            let mut pcp = self.pcp(cpu, zone.id).lock();
            pcp.high = 0;
            pcp.batch = 1;
            let n = pcp.count;
            if n > 0 {
                self.free_pcppages_bulk(zone, n, &mut pcp);
            }
        }
    }

    /// `zone_pcp_enable` / `zone_pcp_update`: restore batch and high.
    pub fn zone_pcp_update(&self, zone: &Zone) {
        let high = self.pcp_high(zone);
        for cpu in 0..self.nr_cpus {
            let mut pcp = self.pcp(cpu, zone.id).lock();
            pcp.high = high;
            pcp.batch = self.cfg.pcp_batch;
        }
    }

    #[inline]
    pub(crate) fn buddy<'a>(&'a self, zone: &'a Zone) -> Buddy<'a> {
        Buddy { mm: self, zone }
    }
}
