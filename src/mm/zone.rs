//! `struct zone`: span, present/managed pages, watermarks, `lowmem_reserve`,
//! the zone lock and the buddy `free_area` it protects.
//!
//! The layout is the kernel's (v6.1 `struct zone`, split by
//! `ZONE_PADDING`): the read-mostly line every watermark check reads
//! (`_watermark`, `watermark_boost`, `nr_reserved_highatomic`,
//! `lowmem_reserve`, the page counts); the write-intensive one the buddy
//! allocator changes under the lock (`free_area[].nr_free`, `flags`); and
//! `vm_stat` on its own. NR_FREE_PAGES is counted as v6.1 counts it: each
//! CPU adds into its own diff (`per_cpu_zonestats.vm_stat_diff`,
//! `__mod_zone_page_state`) and folds it into `vm_stat` once it passes
//! `stat_threshold` (`calculate_normal_threshold`), so the watermark
//! checks read a line written once per fold, and see the count up to a
//! threshold per CPU stale, as the kernel's do (`zone_page_state`);
//! `zone_page_state_snapshot` adds the diffs (`Zone::free_pages`, used by
//! `should_reclaim_retry`, the failure judgement and the checks).
//!
//! Simplifications: no migratetypes (every free page is on one list per
//! order; fragmentation avoidance and fallback stealing are not modelled:
//! they decide *which* page a zone returns, not which zones a zonelist walk
//! visits); the diffs are folded only past the threshold (no vmstat
//! worker folding them each second, no `quiet_vmstat`: the drift stays
//! within the kernel's bound); ZONE_DMA is not modelled (configurations
//! without CONFIG_ZONE_DMA, e.g. many arm64 systems).

use crate::mm::page::{ListHead, Pfn, MAX_ORDER};
use crate::primitive::sync::atomic::{AtomicI32, AtomicI64, AtomicU32, AtomicU64, Ordering};
use crate::sync::SpinLock;
use crossbeam_utils::CachePadded;

/// `enum zone_type`, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZoneType {
    Dma32 = 0,
    Normal = 1,
    Movable = 2,
}

pub const MAX_NR_ZONES: usize = 3;

impl ZoneType {
    pub const ALL: [ZoneType; MAX_NR_ZONES] =
        [ZoneType::Dma32, ZoneType::Normal, ZoneType::Movable];

    pub fn from_idx(idx: usize) -> ZoneType {
        Self::ALL[idx]
    }

    pub fn name(self) -> &'static str {
        match self {
            ZoneType::Dma32 => "DMA32",
            ZoneType::Normal => "Normal",
            ZoneType::Movable => "Movable",
        }
    }

    /// `sysctl_lowmem_reserve_ratio` defaults (v6.1: DMA32 256, NORMAL 32).
    fn lowmem_reserve_ratio(self) -> u32 {
        match self {
            ZoneType::Dma32 => 256,
            ZoneType::Normal => 32,
            ZoneType::Movable => 0,
        }
    }
}

/// Watermark indices (`enum zone_watermarks`).
pub const WMARK_MIN: usize = 0;
pub const WMARK_LOW: usize = 1;
pub const WMARK_HIGH: usize = 2;

/// The buddy allocator's state, under `zone->lock`.
#[derive(Debug, Default)]
pub struct FreeArea {
    pub free_list: [ListHead; MAX_ORDER as usize + 1],
    pub nr_free: [u32; MAX_ORDER as usize + 1],
    /// Free pages of isolated pageblocks (MIGRATE_ISOLATE): never handed out.
    pub isolate: ListHead,
    /// Pages (not blocks) on `isolate`.
    pub nr_isolated: u32,
}

/// The read-mostly line: what every watermark check reads without the
/// zone lock (the kernel reads these fields locklessly too), written only
/// by hotplug and watermark setup.
#[derive(Debug)]
pub struct ZoneVm {
    pub watermark: [AtomicU32; 3],
    pub lowmem_reserve: [AtomicU32; MAX_NR_ZONES],
    pub present_pages: AtomicU32,
    pub managed_pages: AtomicU32,
    /// `watermark_boost`, `nr_reserved_highatomic`: read by every
    /// watermark check, as the kernel's are; the model never boosts or
    /// reserves high-atomic blocks, so they stay 0.
    pub watermark_boost: AtomicU32,
    pub nr_reserved_highatomic: AtomicU32,
}

/// The write-intensive line beside the zone lock: `free_area[].nr_free`
/// (mirrored here for the lockless high-order watermark check; the
/// model's free lists sit inside the lock) and `zone->flags`.
#[derive(Debug)]
pub struct ZoneFreeArea {
    pub nr_free_order: [AtomicU32; MAX_ORDER as usize + 1],
    /// `zone->flags` (ZONE_BOOSTED_WATERMARK, ZONE_RECLAIM_ACTIVE):
    /// tested after every `rmqueue` and drain decision; never set here.
    pub flags: AtomicU32,
}

/// `zone->vm_stat`: NR_FREE_PAGES and NR_FREE_CMA_PAGES (no CMA: 0), on a
/// line of their own, written at folds.
#[derive(Debug, Default)]
pub struct ZoneStat {
    pub nr_free_pages: AtomicI64,
    pub nr_free_cma_pages: AtomicI64,
}

/// One CPU's `per_cpu_zonestats` for a zone: its NR_FREE_PAGES diff and
/// the zone's `stat_threshold`. Written only under the zone's lock (every
/// change to the free lists is), so the Relaxed load and store of the
/// diff lose nothing even where two threads share a CPU number.
#[derive(Debug, Default)]
pub struct ZoneCpuStat {
    pub diff: AtomicI32,
    pub threshold: AtomicI32,
}

/// `ZONE_BOOSTED_WATERMARK` of `zone->flags`.
pub const ZONE_BOOSTED_WATERMARK: u32 = 1 << 0;
/// `ZONE_RECLAIM_ACTIVE` of `zone->flags` (set by kswapd's `balance_pgdat`).
pub const ZONE_RECLAIM_ACTIVE: u32 = 1 << 1;

#[derive(Debug)]
pub struct Zone {
    pub id: usize,
    pub nid: usize,
    pub zone_type: ZoneType,
    pub start_pfn: Pfn,
    pub spanned_pages: u32,
    pub vm: CachePadded<ZoneVm>,
    pub free_area: CachePadded<ZoneFreeArea>,
    pub lock: CachePadded<SpinLock<FreeArea>>,
    pub vm_stat: CachePadded<ZoneStat>,
    /// Per CPU (`per_cpu_zonestats`).
    pub cpu_stat: Box<[CachePadded<ZoneCpuStat>]>,
    /// Ground truth for classifying failures (never read by a guard): the
    /// zonelist generation at which the zone last became populated, or
    /// `NOT_POPULATED`. Written under the zonelist-update lock.
    pub(crate) populated_since: AtomicU64,
    /// Blocks of an isolated or offline range the allocator could hand out:
    /// taken off a buddy free list, or left on a per-CPU list across
    /// isolation (must stay 0; checked under the owning lock).
    pub isolated_allocs: AtomicU64,
}

pub const NOT_POPULATED: u64 = u64::MAX;

fn atomics<const N: usize>() -> [AtomicU32; N] {
    std::array::from_fn(|_| AtomicU32::new(0))
}

impl Zone {
    pub fn new(
        id: usize,
        nid: usize,
        zone_type: ZoneType,
        start_pfn: Pfn,
        spanned_pages: u32,
        nr_cpus: usize,
    ) -> Self {
        Zone {
            id,
            nid,
            zone_type,
            start_pfn,
            spanned_pages,
            vm: CachePadded::new(ZoneVm {
                watermark: atomics(),
                lowmem_reserve: atomics(),
                present_pages: AtomicU32::new(0),
                managed_pages: AtomicU32::new(0),
                watermark_boost: AtomicU32::new(0),
                nr_reserved_highatomic: AtomicU32::new(0),
            }),
            free_area: CachePadded::new(ZoneFreeArea {
                nr_free_order: atomics(),
                flags: AtomicU32::new(0),
            }),
            lock: CachePadded::new(SpinLock::new(FreeArea::default())),
            vm_stat: CachePadded::new(ZoneStat::default()),
            cpu_stat: (0..nr_cpus.max(1)).map(|_| Default::default()).collect(),
            populated_since: AtomicU64::new(NOT_POPULATED),
            isolated_allocs: AtomicU64::new(0),
        }
    }

    #[inline]
    pub fn end_pfn(&self) -> Pfn {
        self.start_pfn + self.spanned_pages
    }

    #[inline]
    pub fn contains(&self, pfn: Pfn) -> bool {
        pfn >= self.start_pfn && pfn < self.end_pfn()
    }

    // Relaxed loads below: these are statistics the kernel reads locklessly
    // (zone_page_state, READ_ONCE of _watermark); a stale value only makes a
    // watermark decision a moment late, exactly as in the kernel.

    /// `zone_page_state(zone, NR_FREE_PAGES)`: the folded count, up to a
    /// threshold per CPU stale (what the watermark checks read).
    #[inline]
    pub fn zone_page_state_free(&self) -> u64 {
        self.vm_stat.nr_free_pages.load(Ordering::Relaxed).max(0) as u64
    }

    /// `zone_page_state_snapshot(zone, NR_FREE_PAGES)`: the folded count
    /// plus every CPU's diff; exact once the CPUs are quiet.
    pub fn free_pages(&self) -> u64 {
        let diffs: i64 = self
            .cpu_stat
            .iter()
            // Relaxed: a snapshot, as the kernel's unlocked reads of the
            // other CPUs' diffs.
            .map(|c| c.diff.load(Ordering::Relaxed) as i64)
            .sum();
        (self.vm_stat.nr_free_pages.load(Ordering::Relaxed) + diffs).max(0) as u64
    }

    /// `refresh_zone_stat_thresholds` for this zone:
    /// `calculate_normal_threshold` from its managed pages and the CPUs.
    pub fn refresh_stat_threshold(&self) {
        let fls = |x: u64| 64 - x.leading_zeros() as i32;
        let mem = (self.managed_pages() as u64) >> (27 - crate::mm::page::PAGE_SHIFT);
        let cpus = self.cpu_stat.len() as u64;
        let threshold = (2 * fls(cpus) * (1 + fls(mem))).min(125);
        for c in self.cpu_stat.iter() {
            // Relaxed: read under the zone lock, which hotplug holds
            // around its changes too, or before any allocation.
            c.threshold.store(threshold, Ordering::Relaxed);
        }
    }

    /// `wmark_pages`: the watermark plus the boost.
    #[inline]
    pub fn wmark(&self, which: usize) -> u64 {
        self.vm.watermark[which].load(Ordering::Relaxed) as u64
            + self.vm.watermark_boost.load(Ordering::Relaxed) as u64
    }

    /// `test_bit(bit, &zone->flags)`.
    #[inline]
    pub fn test_flag(&self, bit: u32) -> bool {
        // Relaxed: a hint, as the kernel's plain test_bit.
        self.free_area.flags.load(Ordering::Relaxed) & bit != 0
    }

    /// `clear_bit(bit, &zone->flags)`.
    #[cold]
    pub fn clear_flag(&self, bit: u32) {
        // Relaxed: as `test_flag`; the atomic and is clear_bit's `lock and`.
        self.free_area.flags.fetch_and(!bit, Ordering::Relaxed);
    }

    #[inline]
    pub fn present_pages(&self) -> u32 {
        self.vm.present_pages.load(Ordering::Relaxed)
    }

    #[inline]
    pub fn managed_pages(&self) -> u32 {
        self.vm.managed_pages.load(Ordering::Relaxed)
    }

    /// `populated_zone`.
    #[inline]
    pub fn populated(&self) -> bool {
        self.present_pages() != 0
    }

    /// `__zone_watermark_ok`, with the order-0 shortcut of
    /// `zone_watermark_fast`.
    #[inline]
    pub fn watermark_ok(
        &self,
        order: u32,
        mark: u64,
        highest_zoneidx: usize,
        harder: bool,
    ) -> bool {
        self.watermark_ok_with(
            order,
            mark,
            highest_zoneidx,
            harder,
            self.zone_page_state_free(),
        )
    }

    /// `__zone_watermark_ok` with `free_pages` given by the caller
    /// (`should_reclaim_retry` adds the reclaimable pages).
    #[inline]
    pub fn watermark_ok_with(
        &self,
        order: u32,
        mark: u64,
        highest_zoneidx: usize,
        harder: bool,
        free_pages: u64,
    ) -> bool {
        // __zone_watermark_unusable_free: high-atomic reserves (not for
        // ALLOC_HARDER) and free CMA pages (GFP_KERNEL has no ALLOC_CMA).
        let free = free_pages as i64;
        let mut unusable = self.vm_stat.nr_free_cma_pages.load(Ordering::Relaxed);
        if !harder {
            unusable += self.vm.nr_reserved_highatomic.load(Ordering::Relaxed) as i64;
        }
        let free = free - unusable.min(free);
        let reserve = self.vm.lowmem_reserve[highest_zoneidx].load(Ordering::Relaxed) as i64;
        let mut min = mark as i64;
        if harder {
            // GFP_ATOMIC: ALLOC_HIGH halves the mark, ALLOC_HARDER takes a
            // quarter of the rest (3/8 of the mark remains).
            min -= min / 2;
            min -= min / 4;
        }
        if order == 0 {
            return free > min + reserve;
        }
        let free = free - ((1i64 << order) - 1);
        if free <= min + reserve {
            return false;
        }
        (order..=MAX_ORDER)
            .any(|o| self.free_area.nr_free_order[o as usize].load(Ordering::Relaxed) > 0)
    }

    /// Account a buddy change made under the zone lock by CPU
    /// `vmstat::this_cpu()`: the order's `nr_free` mirror, and
    /// `__mod_zone_page_state(zone, NR_FREE_PAGES, delta)`.
    #[inline]
    pub(crate) fn account_free(&self, area: &FreeArea, order: u32, delta: i64) {
        // Relaxed stores: only zone-lock holders write these; lockless
        // readers accept a slightly stale value (see the loads above).
        self.free_area.nr_free_order[order as usize]
            .store(area.nr_free[order as usize], Ordering::Relaxed);
        let cpu = crate::mm::vmstat::this_cpu().min(self.cpu_stat.len() - 1);
        let c = &self.cpu_stat[cpu];
        let x = c.diff.load(Ordering::Relaxed) as i64 + delta;
        if x.abs() > c.threshold.load(Ordering::Relaxed) as i64 {
            // zone_page_state_add: atomic_long_add into vm_stat (Relaxed:
            // a counter; its readers expect it stale).
            self.vm_stat.nr_free_pages.fetch_add(x, Ordering::Relaxed);
            c.diff.store(0, Ordering::Relaxed);
        } else {
            c.diff.store(x as i32, Ordering::Relaxed);
        }
    }
}

/// `init_per_zone_wmark_min` + `setup_per_zone_wmarks` +
/// `setup_per_zone_lowmem_reserve` + `refresh_zone_stat_thresholds` (v6.1
/// formulas, watermark_scale_factor 10).
pub fn setup_watermarks(zones: &[Zone], nodes: usize) {
    const SWAP_CLUSTER_MAX: u64 = 32;
    let managed = |z: &Zone| z.managed_pages() as u64;
    let lowmem_pages: u64 = zones
        .iter()
        .filter(|z| z.zone_type != ZoneType::Movable)
        .map(managed)
        .sum();
    // min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to [128, 262144].
    let lowmem_kbytes = lowmem_pages * 4;
    let min_free_kbytes = ((lowmem_kbytes * 16) as f64).sqrt() as u64;
    let min_free_kbytes = min_free_kbytes.clamp(128, 262_144);
    let pages_min = min_free_kbytes / 4;
    for z in zones {
        let m = managed(z);
        let share = pages_min * m / lowmem_pages.max(1);
        let min = if z.zone_type == ZoneType::Movable {
            (m / 1024).clamp(SWAP_CLUSTER_MAX, 128)
        } else {
            share
        };
        let step = (share >> 2).max(m * 10 / 10_000);
        let marks = [min, min + step, min + 2 * step];
        for (w, v) in z.vm.watermark.iter().zip(marks) {
            // Relaxed: see Zone's loads; hotplug recomputes under its lock.
            w.store(v as u32, Ordering::Relaxed);
        }
        z.refresh_stat_threshold();
    }
    for nid in 0..nodes {
        let node = &zones[nid * MAX_NR_ZONES..(nid + 1) * MAX_NR_ZONES];
        for (i, z) in node.iter().enumerate() {
            let ratio = z.zone_type.lowmem_reserve_ratio() as u64;
            let clear = ratio == 0 || managed(z) == 0;
            let mut upper = 0;
            for (j, uz) in node.iter().enumerate() {
                let v = if j <= i {
                    0
                } else {
                    upper += managed(uz);
                    if clear {
                        0
                    } else {
                        upper / ratio
                    }
                };
                // Relaxed: as for the watermarks.
                z.vm.lowmem_reserve[j].store(v as u32, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn stat_threshold_is_calculate_normal_threshold() {
        // 2 * fls(cpus) * (1 + fls(managed >> (27 - PAGE_SHIFT))), at most
        // 125: 16 CPUs and 4 GiB give 2 * 5 * (1 + fls(32)) = 70; 1024
        // CPUs and 64 GiB hit the cap.
        for (cpus, pages, want) in [(2, 2048, 4), (16, 1 << 20, 70), (1024, 1 << 24, 125)] {
            let z = Zone::new(0, 0, ZoneType::Normal, 0, pages, cpus);
            z.vm.managed_pages.store(pages, Ordering::Relaxed);
            z.refresh_stat_threshold();
            assert_eq!(z.cpu_stat[cpus - 1].threshold.load(Ordering::Relaxed), want);
        }
    }
}
