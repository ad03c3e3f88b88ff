//! A userspace model of the Linux page allocator (v6.1-v6.6 semantics):
//! `mem_map`, zones with buddy free lists and watermarks, per-CPU pagesets,
//! per-node zonelists rewritten in place, the allocation fast path and
//! slowpath, and memory hotplug of a movable zone.
//!
//! Threads stand in for CPUs: CPU `c` belongs to node `c % nodes`. Each part
//! lives in the file named after its kernel counterpart; what each simplifies
//! is written in that file's docs.

pub mod buddy;
pub mod check;
pub mod gfp;
pub mod mempolicy;
pub mod page;
pub mod pcp;
pub mod sparse;
pub mod vmemmap;
pub mod vmstat;
pub mod zone;
pub mod zonelist;

use crate::mm::mempolicy::Mempolicy;
use crate::mm::page::{MemMap, Pfn, MAX_ORDER, MAX_ORDER_NR_PAGES, PAGEBLOCK_ORDER};
use crate::mm::pcp::Pcp;
use crate::mm::sparse::MemSections;
use crate::mm::vmstat::{CpuVmStat, VmEvents};
use crate::mm::zone::{setup_watermarks, Zone, ZoneType, MAX_NR_ZONES};
use crate::primitive::sync::atomic::Ordering;
use crate::sync::{PreemptCount, SpinLock};
use crossbeam_utils::CachePadded;

/// Most simulated nodes: the kernel's MAX_NUMNODES with NODES_SHIFT=10,
/// the largest configuration it builds (zonelist rows hold every zone of
/// the machine).
pub const MAX_NUMNODES: usize = 1024;
/// Most simulated CPUs: reader threads (up to twice the 1024 CPUs a plan
/// is made for, oversubscribed) plus the writer.
pub const MAX_CPUS: usize = 2049;

/// Memory layout of the simulated machine.
#[derive(Clone, Debug, PartialEq)]
pub struct MmConfig {
    pub nodes: usize,
    /// ZONE_DMA32 size (node 0 only, as on real machines), MiB. The default
    /// is 0, the layout of the 2022 report (arm64: [MOVABLE, NORMAL]): with a
    /// populated DMA32 below NORMAL, a GFP_KERNEL walk from a stale index
    /// lands on DMA32 and the race mostly turns into allocations from the
    /// wrong zone instead of an OOM (`--dma32-mib 64` shows that).
    pub dma32_mib: u32,
    /// ZONE_NORMAL size per node, MiB. The default, 1 GiB, is the smallest
    /// zone the kernel gives a server's batch of 63 (`zone_batchsize`).
    pub normal_mib: u32,
    /// ZONE_MOVABLE size per node, MiB (one hotpluggable memory block, of
    /// 128 MiB on x86-64: batch 7).
    pub movable_mib: u32,
    /// Simulated CPUs (threads): readers plus the writer.
    pub nr_cpus: usize,
}

impl Default for MmConfig {
    fn default() -> Self {
        MmConfig {
            nodes: 1,
            dma32_mib: 0,
            normal_mib: 1024,
            movable_mib: 128,
            nr_cpus: 2,
        }
    }
}

impl MmConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.nodes == 0 || self.nodes > MAX_NUMNODES {
            return Err(format!(
                "nodes must be 1..={MAX_NUMNODES}, got {}",
                self.nodes
            ));
        }
        if self.nr_cpus == 0 || self.nr_cpus > MAX_CPUS {
            return Err(format!("cpus must be 1..={MAX_CPUS}, got {}", self.nr_cpus));
        }
        for (name, mib) in [
            ("dma32", self.dma32_mib),
            ("normal", self.normal_mib),
            ("movable", self.movable_mib),
        ] {
            if mib % 4 != 0 {
                return Err(format!(
                    "{name} zone size must be a multiple of 4 MiB (one MAX_ORDER block), got {mib}"
                ));
            }
        }
        if self.normal_mib == 0 {
            return Err("the normal zone must not be empty".into());
        }
        let pages = self.total_pages();
        if pages >= (u32::MAX / 2) as u64 {
            return Err(format!(
                "{} MiB simulated is too much memory",
                pages * 4 / 1024
            ));
        }
        Ok(())
    }

    fn zone_pages(&self, nid: usize, zt: ZoneType) -> u32 {
        let mib = match zt {
            ZoneType::Dma32 if nid == 0 => self.dma32_mib,
            ZoneType::Dma32 => 0,
            ZoneType::Normal => self.normal_mib,
            ZoneType::Movable => self.movable_mib,
        };
        mib * 256
    }

    pub fn total_pages(&self) -> u64 {
        (0..self.nodes)
            .flat_map(|n| ZoneType::ALL.map(|z| self.zone_pages(n, z) as u64))
            .sum()
    }
}

/// Pageblock flags (`get_pageblock_migratetype` == MIGRATE_ISOLATE, and the
/// section's online state).
const PB_ISOLATE: u32 = 1;
const PB_OFFLINE: u32 = 2;

#[derive(Debug)]
pub struct Mm {
    pub cfg: MmConfig,
    pub mem_map: MemMap,
    pub zones: Box<[Zone]>,
    pub nr_cpus: usize,
    /// Pageblock flags, in the sparse section table (`mm::sparse`).
    sections: MemSections,
    /// `[cpu * nr_zones + zone_id]`, each on its own cache line.
    pcp: Box<[CachePadded<SpinLock<Pcp>>]>,
    /// Per CPU: event counters and per-zone NUMA events (`mm::vmstat`).
    vmstat: Box<[CachePadded<CpuVmStat>]>,
    /// Per CPU: `__preempt_count` (`sync::preempt`).
    preempt: Box<[CachePadded<PreemptCount>]>,
    /// `preferred_node_policy`: every node's default memory policy
    /// (`mm::mempolicy`).
    pub preferred_node_policy: Box<[Mempolicy]>,
    /// `gfp_allowed_mask`: every flag once boot is over (GFP_BOOT_MASK
    /// before, which the model never is).
    pub gfp_allowed_mask: u32,
    /// Pages `check_new_page` or `free_page_is_bad` found in a bad state
    /// (the kernel's `bad_page`: reported, then leaked). Must stay 0.
    bad_pages: std::sync::atomic::AtomicU64,
}

impl Mm {
    /// Build the machine with every page online and free
    /// (`memblock_free_all` hands MAX_ORDER blocks to buddy).
    pub fn new(cfg: MmConfig) -> Self {
        cfg.validate().expect("validated config");
        let mut zones = Vec::new();
        let mut zone_of = Vec::new();
        let mut pfn: Pfn = 0;
        for nid in 0..cfg.nodes {
            for zt in ZoneType::ALL {
                let n = cfg.zone_pages(nid, zt);
                let id = zones.len();
                zones.push(Zone::new(id, nid, zt, pfn, n, cfg.nr_cpus));
                zone_of.extend(std::iter::repeat_n((id as u16, false), n as usize));
                pfn += n;
            }
        }
        let nr_zones = zones.len();
        let pcp = (0..cfg.nr_cpus * nr_zones)
            .map(|_| CachePadded::new(SpinLock::new(Pcp::default())))
            .collect();
        let vmstat = (0..cfg.nr_cpus)
            .map(|_| CachePadded::new(CpuVmStat::new(nr_zones)))
            .collect();
        let preempt = (0..cfg.nr_cpus)
            .map(|_| CachePadded::new(PreemptCount::default()))
            .collect();
        let mm = Mm {
            vmstat,
            preempt,
            gfp_allowed_mask: u32::MAX,
            preferred_node_policy: (0..cfg.nodes).map(Mempolicy::preferred).collect(),
            bad_pages: std::sync::atomic::AtomicU64::new(0),
            mem_map: MemMap::new(zone_of.into_iter()),
            sections: MemSections::new(pfn as u64),
            zones: zones.into_boxed_slice(),
            nr_cpus: cfg.nr_cpus,
            pcp,
            cfg,
        };
        for zone in mm.zones.iter() {
            let mut area = zone.lock.lock();
            let buddy = mm.buddy(zone);
            let mut p = zone.start_pfn;
            while p < zone.end_pfn() {
                buddy.free_one_page(&mut area, false, p, MAX_ORDER);
                p += MAX_ORDER_NR_PAGES;
            }
            // Relaxed: single-threaded construction.
            zone.vm
                .present_pages
                .store(zone.spanned_pages, Ordering::Relaxed);
            zone.vm
                .managed_pages
                .store(zone.spanned_pages, Ordering::Relaxed);
        }
        mm.setup_per_zone_wmarks();
        mm
    }

    /// `init_per_zone_wmark_min` and the per-CPU limits that depend on it.
    pub fn setup_per_zone_wmarks(&self) {
        setup_watermarks(&self.zones, self.cfg.nodes);
        for zone in self.zones.iter() {
            self.zone_pcp_update(zone);
        }
    }

    #[inline]
    pub fn pcp(&self, cpu: usize, zone_id: usize) -> &SpinLock<Pcp> {
        &self.pcp[cpu * self.zones.len() + zone_id]
    }

    /// CPU `cpu`'s statistics.
    #[inline]
    pub fn vmstat(&self, cpu: usize) -> &CpuVmStat {
        &self.vmstat[cpu]
    }

    /// CPU `cpu`'s `__preempt_count`.
    #[inline]
    pub fn preempt(&self, cpu: usize) -> &PreemptCount {
        &self.preempt[cpu]
    }

    /// `nr_online_nodes`: every node of the model is online.
    #[inline]
    pub fn nr_online_nodes(&self) -> usize {
        self.cfg.nodes
    }

    /// Every CPU's event counters summed (with the counting threads
    /// joined, or as a snapshot).
    pub fn vm_events(&self) -> VmEvents {
        VmEvents::sum(self.vmstat.iter().map(|c| &**c))
    }

    /// `bad_page`: a page found in a state it cannot be in; counted and
    /// leaked, as the kernel does (cold: the model never sets the flags).
    #[cold]
    pub(crate) fn bad_page(&self) {
        // Relaxed: a counter read after the threads are joined.
        self.bad_pages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Pages found bad so far.
    pub fn bad_pages(&self) -> u64 {
        // Relaxed: as in `bad_page`.
        self.bad_pages.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn zone(&self, nid: usize, zt: ZoneType) -> &Zone {
        &self.zones[nid * MAX_NR_ZONES + zt as usize]
    }

    #[inline]
    pub fn page_zone(&self, pfn: Pfn) -> &Zone {
        &self.zones[self.mem_map.page(pfn).zone_id()]
    }

    /// The simulated node of a CPU (round robin).
    #[inline]
    pub fn cpu_to_node(&self, cpu: usize) -> usize {
        cpu % self.cfg.nodes
    }

    pub fn cpus_of_node(&self, nid: usize) -> usize {
        (0..self.nr_cpus)
            .filter(|&c| self.cpu_to_node(c) == nid)
            .count()
    }

    #[inline]
    pub(crate) fn pageblock(&self, pfn: Pfn) -> u32 {
        // Relaxed: written under the zone lock (isolation) or by the hotplug
        // writer before it publishes the range; readers that race a change
        // either see the old state (the page was legitimately theirs) or the
        // new one, and the allocation check below reports the latter.
        // (The loads are in `MemSections::get`.)
        self.sections.get(pfn)
    }

    /// `is_migrate_isolate_page`.
    #[inline]
    pub fn pageblock_isolated(&self, pfn: Pfn) -> bool {
        self.pageblock(pfn) & PB_ISOLATE != 0
    }

    /// Blocks buddy handed out from isolated or offline memory, all zones.
    pub fn buddy_isolated_allocs(&self) -> u64 {
        // Relaxed: read after the threads that wrote it were joined.
        self.zones
            .iter()
            .map(|z| z.isolated_allocs.load(Ordering::Relaxed))
            .sum()
    }

    /// The page may not be handed out: isolated or offline.
    #[inline]
    pub fn pageblock_unavailable(&self, pfn: Pfn) -> bool {
        self.pageblock(pfn) != 0
    }

    pub(crate) fn set_pageblocks(&self, start: Pfn, end: Pfn, isolate: bool, offline: bool) {
        let v = if isolate { PB_ISOLATE } else { 0 } | if offline { PB_OFFLINE } else { 0 };
        for pb in (start >> PAGEBLOCK_ORDER)..(end >> PAGEBLOCK_ORDER) {
            // Relaxed: see `pageblock`; callers hold the zone lock.
            self.sections.set(pb << PAGEBLOCK_ORDER, v);
        }
    }
}
