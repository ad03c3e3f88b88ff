//! Per-CPU pagesets (`struct per_cpu_pages`): per CPU and zone, one list per
//! order 0..=PAGE_ALLOC_COSTLY_ORDER, `count`, `batch`, `high`; refilled by
//! `rmqueue_bulk` and drained by `free_pcppages_bulk` under the zone lock.
//! The per-CPU lock is taken with trylock on the allocation and free paths
//! and they fall back to the buddy lists when it is held (v6.1+
//! `pcp_spin_trylock`); drains take it unconditionally.
//!
//! Sizes and drains follow v6.1 (unchanged through 6.6): `batch` and `high`
//! come from the zone (`zone_batchsize`, `zone_highsize`), `free_factor`
//! doubles the batch a drain frees while frees outrun allocations and is
//! halved by every allocation (`nr_pcp_free`), and a free of order 1-3
//! while `free_factor` is set drains everything (`free_high`).
//!
//! The per-page work of the order-0 paths is the kernel's (see
//! `mm::page`, `mm::vmstat`): a refill checks every page of each block
//! (`check_new_pages`, tail pages included),
//! an allocation counts PGALLOC and the NUMA events after the unlock, a
//! free counts PGFREE, a drain checks each page (`free_page_is_bad`).
//!
//! The per-CPU lock is taken as `pcp_spin_trylock` takes it: the task is
//! pinned (`pcpu_task_pin`, `preempt_disable` on !PREEMPT_RT) and
//! `spin_trylock` raises the preempt count again; the unlock lowers both
//! (`sync::preempt`). `nr_pcp_high` tests ZONE_RECLAIM_ACTIVE, which only
//! kswapd's `balance_pgdat` sets, so here it stays clear.
//!
//! Simplifications: no migratetype lists (pages get migratetype 0,
//! MIGRATE_UNMOVABLE, in `index`); the per-CPU lock is taken without
//! masking interrupts, as in 6.1.y stable and 6.2+ (v6.1.0 used irqsave: a
//! pair userspace cannot execute; 7.5 ns on a 2025 machine by refscale, not
//! added); the zone lock of `rmqueue_bulk` and the drains does not mask
//! interrupts or count preemption either (once per batch of 63 pages); the
//! writer's drains (`drain_pages_zone`) do not touch the preempt count (it
//! is the readers' CPUs' that the order-0 paths pay).

use crate::mm::buddy::Buddy;
use crate::mm::page::{ListHead, Pfn, PAGE_FLAGS_CHECK_AT_PREP, PG_PCP};
use crate::mm::zone::{Zone, WMARK_LOW, ZONE_BOOSTED_WATERMARK, ZONE_RECLAIM_ACTIVE};
use crate::mm::Mm;
use crate::sync::{PreemptCount, SpinLockGuard};
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

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
    /// Doublings of the batch a drain frees (`nr_pcp_free`).
    pub free_factor: u32,
}

/// `zone_batchsize` (v6.1): about a thousandth of the zone, at most 1 MiB,
/// a quarter of that, rounded to a power of two less one: 63 for a zone of
/// 1 GiB or more, 7 for 128 MiB, 0 below 32 MiB (its caller makes that 1,
/// so zones under 48 MiB get a batch of 1).
pub fn zone_batchsize(managed_pages: u64) -> u32 {
    let batch = (managed_pages >> 10).min(256) / 4;
    let batch = batch.max(1);
    let b = batch + batch / 2;
    // rounddown_pow_of_two(b) - 1
    ((1u64 << (63 - b.leading_zeros())) - 1) as u32
}

/// `zone_highsize` (v6.1, `percpu_pagelist_high_fraction` 0): the zone's
/// low watermark split among the CPUs of its node (all CPUs for a node
/// without CPUs), at least four batches.
pub fn zone_highsize(low_wmark: u64, batch: u32, node_cpus: usize, online_cpus: usize) -> u32 {
    let split = if node_cpus == 0 {
        online_cpus
    } else {
        node_cpus
    };
    let high = low_wmark / split.max(1) as u64;
    (high as u32).max(batch << 2)
}

/// A per-CPU pageset held through `pcp_spin_trylock`: dropping it is
/// `pcp_spin_unlock` (`spin_unlock`, then `pcpu_task_unpin`).
pub(crate) struct PcpLocked<'a> {
    pcp: ManuallyDrop<SpinLockGuard<'a, Pcp>>,
    preempt: &'a PreemptCount,
}

impl Deref for PcpLocked<'_> {
    type Target = Pcp;
    #[inline]
    fn deref(&self) -> &Pcp {
        &self.pcp
    }
}

impl DerefMut for PcpLocked<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Pcp {
        &mut self.pcp
    }
}

impl Drop for PcpLocked<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `pcp` is dropped here once and never touched again.
        unsafe { ManuallyDrop::drop(&mut self.pcp) };
        self.preempt.preempt_enable(); // spin_unlock's
        self.preempt.preempt_enable(); // pcpu_task_unpin
    }
}

impl Mm {
    /// `pcp_spin_trylock(zone->per_cpu_pageset)` on CPU `cpu`: pin the
    /// task, `spin_trylock` (which disables preemption once more); on
    /// failure both are undone.
    #[inline]
    pub(crate) fn pcp_spin_trylock(&self, cpu: usize, zone_id: usize) -> Option<PcpLocked<'_>> {
        let preempt = self.preempt(cpu);
        preempt.preempt_disable(); // pcpu_task_pin
        preempt.preempt_disable(); // spin_trylock's
        match self.pcp(cpu, zone_id).try_lock() {
            Some(pcp) => Some(PcpLocked {
                pcp: ManuallyDrop::new(pcp),
                preempt,
            }),
            None => {
                preempt.preempt_enable();
                preempt.preempt_enable();
                None
            }
        }
    }

    /// `zone_set_pageset_high_and_batch`'s values for `zone`: (batch, high).
    pub(crate) fn pcp_batch_high(&self, zone: &Zone) -> (u32, u32) {
        let batch = zone_batchsize(zone.managed_pages() as u64).max(1);
        let high = zone_highsize(
            zone.wmark(WMARK_LOW),
            batch,
            self.cpus_of_node(zone.nid),
            self.nr_cpus,
        );
        (batch, high)
    }

    /// `rmqueue`: order <= 3 from the per-CPU list, else (or when the per-CPU
    /// lock is contended) straight from the buddy lists; then, outside the
    /// lock, PGALLOC and `zone_statistics` against `preferred`.
    #[inline]
    pub fn rmqueue(&self, cpu: usize, preferred: &Zone, zone: &Zone, order: u32) -> Option<Pfn> {
        let page = match (order <= PCP_MAX_ORDER)
            .then(|| self.pcp_spin_trylock(cpu, zone.id))
            .flatten()
        {
            Some(pcp) => self.rmqueue_pcplist(pcp, zone, order),
            None => self.rmqueue_buddy(zone, order),
        };
        // out: a boosted watermark is cleared and kswapd woken (the model
        // has no kswapd, and never boosts a watermark).
        if zone.test_flag(ZONE_BOOSTED_WATERMARK) {
            zone.clear_flag(ZONE_BOOSTED_WATERMARK);
        }
        if page.is_some() {
            let stat = self.vmstat(cpu);
            stat.count_pgalloc(zone, 1 << order);
            stat.zone_statistics(preferred, zone, self.cpu_to_node(cpu));
        }
        page
    }

    /// `rmqueue_pcplist` + `__rmqueue_pcplist`.
    #[inline]
    fn rmqueue_pcplist(&self, mut pcp: PcpLocked<'_>, zone: &Zone, order: u32) -> Option<Pfn> {
        // "On allocation, reduce the number of pages that are batch freed."
        pcp.free_factor >>= 1;
        let o = order as usize;
        if pcp.lists[o].is_empty() {
            // v6.1's inline batch formula (named nr_pcp_alloc since 6.7):
            // batch, scaled down for higher orders but never above 1 while
            // the pageset is disabled (batch 1), so a disabled pageset
            // holds nothing between lock holds.
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

    /// `rmqueue_buddy`: a block from the buddy lists, checked after the
    /// unlock (`check_new_pages`: a bad block is reported, leaked, and
    /// another taken).
    #[cold]
    pub fn rmqueue_buddy(&self, zone: &Zone, order: u32) -> Option<Pfn> {
        loop {
            let pfn = {
                let mut area = zone.lock.lock();
                self.buddy(zone).rmqueue_smallest(&mut area, order)?
            };
            if !self.check_new_pages(pfn, order) {
                return Some(pfn);
            }
            self.bad_page();
        }
    }

    /// `check_new_pages`: whether any page of the block, head or tail, is
    /// not in the state a free page must be in.
    #[inline]
    fn check_new_pages(&self, pfn: Pfn, order: u32) -> bool {
        (0..1u32 << order).any(|i| {
            self.mem_map
                .page(pfn + i)
                .bad_reason(PAGE_FLAGS_CHECK_AT_PREP)
                .is_some()
        })
    }

    /// `rmqueue_bulk`: take up to `count` blocks of `order` from buddy onto a
    /// per-CPU list, in one zone-lock hold, checking each
    /// (`check_pcp_refill`: a bad page is reported and leaked). Returns how
    /// many it listed.
    #[cold]
    fn rmqueue_bulk(&self, zone: &Zone, order: u32, count: u32, list: &mut ListHead) -> u32 {
        let mut area = zone.lock.lock();
        let buddy = self.buddy(zone);
        let mut got = 0;
        for _ in 0..count {
            let Some(pfn) = buddy.rmqueue_smallest(&mut area, order) else {
                break;
            };
            let page = self.mem_map.page(pfn);
            page.set_pcppage_migratetype(0);
            // check_pcp_refill: check_new_pages, every page of the block.
            if self.check_new_pages(pfn, order) {
                self.bad_page();
                continue;
            }
            page.set_state(PG_PCP, order);
            list.push_tail(&self.mem_map, pfn);
            got += 1;
        }
        got
    }

    /// `free_unref_page` (after `free_pages_prepare`): a page of an
    /// isolated pageblock goes straight to buddy; else to the per-CPU list
    /// head when the lock is free (`free_unref_page_commit`), else to buddy.
    #[inline]
    pub fn free_unref_page(&self, cpu: usize, zone: &Zone, pfn: Pfn, order: u32) {
        if order <= PCP_MAX_ORDER {
            // get_pfnblock_migratetype + set_pcppage_migratetype.
            if self.pageblock_isolated(pfn) {
                self.free_one_page(zone, pfn, order);
                return;
            }
            self.mem_map.page(pfn).set_pcppage_migratetype(0);
            if let Some(mut pcp) = self.pcp_spin_trylock(cpu, zone.id) {
                self.free_unref_page_commit(cpu, zone, &mut pcp, pfn, order);
                return;
            }
        } else {
            // __free_pages_ok
            self.vmstat(cpu).count_pgfree(1 << order);
        }
        self.free_one_page(zone, pfn, order);
    }

    /// `free_unref_page_commit`: PGFREE, the list head, and a drain when
    /// `count >= nr_pcp_high`.
    #[inline]
    fn free_unref_page_commit(&self, cpu: usize, zone: &Zone, pcp: &mut Pcp, pfn: Pfn, order: u32) {
        self.vmstat(cpu).count_pgfree(1 << order);
        self.mem_map.page(pfn).set_state(PG_PCP, order);
        pcp.lists[order as usize].push_head(&self.mem_map, pfn);
        pcp.count += 1 << order;
        let free_high = pcp.free_factor != 0 && order != 0 && order <= PCP_MAX_ORDER;
        let high = nr_pcp_high(pcp, zone, free_high);
        if pcp.count >= high {
            let n = nr_pcp_free(pcp, high, free_high);
            self.free_pcppages_bulk(zone, n, pcp);
        }
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
    /// back to buddy, its reference dropped first.
    pub fn free_one_page_for_test(&self, zone: &Zone, pfn: Pfn, order: u32) {
        let last = self.mem_map.page(pfn).put_page_testzero();
        assert!(last, "a test frees a block it alone holds");
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
            // bulkfree_pcp_prepare: a bad page is reported and leaked.
            if self
                .mem_map
                .page(pfn)
                .bad_reason(PAGE_FLAGS_CHECK_AT_PREP)
                .is_some()
            {
                self.bad_page();
                continue;
            }
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

    /// `zone_pcp_enable` / `zone_pcp_update`: batch and high from the
    /// zone as it is now.
    pub fn zone_pcp_update(&self, zone: &Zone) {
        let (batch, high) = self.pcp_batch_high(zone);
        for cpu in 0..self.nr_cpus {
            let mut pcp = self.pcp(cpu, zone.id).lock();
            pcp.high = high;
            pcp.batch = batch;
        }
    }

    #[inline]
    pub(crate) fn buddy<'a>(&'a self, zone: &'a Zone) -> Buddy<'a> {
        Buddy { mm: self, zone }
    }
}

/// `nr_pcp_high`: the count that triggers a drain (0: drain now, for a
/// disabled pageset or a high-order free while freeing outruns allocating;
/// at most four batches while kswapd reclaims the zone).
#[inline]
fn nr_pcp_high(pcp: &Pcp, zone: &Zone, free_high: bool) -> u32 {
    if pcp.high == 0 || free_high {
        0
    } else if !zone.test_flag(ZONE_RECLAIM_ACTIVE) {
        pcp.high
    } else {
        (pcp.batch << 2).min(pcp.high)
    }
}

/// `nr_pcp_free` (v6.1): everything for `free_high`; one page for a
/// disabled pageset (`high < batch`); else the batch doubled per
/// `free_factor` (raised while it stays below `high - batch`), clamped to
/// `[batch, high - batch]` so at least a batch stays.
#[cold]
fn nr_pcp_free(pcp: &mut Pcp, high: u32, free_high: bool) -> u32 {
    let batch = pcp.batch;
    if free_high {
        return pcp.count;
    }
    if high < batch {
        return 1;
    }
    let (min_nr_free, max_nr_free) = (batch, high - batch);
    let scaled = batch.checked_shl(pcp.free_factor).unwrap_or(u32::MAX);
    if scaled < max_nr_free {
        pcp.free_factor += 1;
    }
    scaled.clamp(min_nr_free, max_nr_free.max(min_nr_free))
}
