//! The allocator's statistics as the kernel keeps them: per-CPU event
//! counters (`vm_event_states`: PGALLOC per zone type, PGFREE) and per-CPU
//! per-zone NUMA events (`per_cpu_zonestats.vm_numa_event`: NUMA_HIT,
//! NUMA_MISS, NUMA_FOREIGN, NUMA_LOCAL, NUMA_OTHER), each counted with
//! `raw_cpu_add`: a plain add to the CPU's own copy, summed only when read
//! (`all_vm_events`, `/proc/vmstat`).
//!
//! Each CPU's counters are its own (a thread is a CPU here, and only that
//! thread writes them), so an add is a Relaxed load and store, the plain
//! `add` the kernel's `raw_cpu_add` compiles to; readers sum after the
//! threads are joined. NR_FREE_PAGES's per-CPU diffs live with the zone
//! (`Zone::account_free`), found by [`this_cpu`].

use crate::mm::zone::{Zone, MAX_NR_ZONES};
use std::cell::Cell;

thread_local! {
    /// The simulated CPU this thread runs as (`smp_processor_id`).
    static THIS_CPU: Cell<usize> = const { Cell::new(0) };
}

/// This thread runs as simulated CPU `cpu` from now on (a reader or the
/// writer, at its start). Threads that never say run as CPU 0.
pub fn set_this_cpu(cpu: usize) {
    THIS_CPU.with(|c| c.set(cpu));
}

/// `smp_processor_id()`: the CPU whose per-CPU counters this thread's
/// buddy changes count in.
#[inline]
pub fn this_cpu() -> usize {
    THIS_CPU.with(|c| c.get())
}
use crate::primitive::sync::atomic::{AtomicU64, Ordering};

/// `enum numa_stat_item`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumaStat {
    Hit = 0,
    Miss = 1,
    Foreign = 2,
    Local = 3,
    Other = 4,
}

pub const NR_VM_NUMA_EVENT_ITEMS: usize = 5;

/// One CPU's counters.
#[derive(Debug)]
pub struct CpuVmStat {
    /// PGALLOC_DMA32, PGALLOC_NORMAL, PGALLOC_MOVABLE.
    pgalloc: [AtomicU64; MAX_NR_ZONES],
    pgfree: AtomicU64,
    /// `vm_numa_event` of every zone, `[zone_id]`.
    numa: Box<[[AtomicU64; NR_VM_NUMA_EVENT_ITEMS]]>,
}

/// `raw_cpu_add`: the CPU's own counter, no atomic read-modify-write.
#[inline]
fn raw_cpu_add(c: &AtomicU64, n: u64) {
    // Relaxed: only this CPU writes the counter (see the module docs).
    c.store(c.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

impl CpuVmStat {
    pub fn new(nr_zones: usize) -> Self {
        CpuVmStat {
            pgalloc: std::array::from_fn(|_| AtomicU64::new(0)),
            pgfree: AtomicU64::new(0),
            numa: (0..nr_zones)
                .map(|_| std::array::from_fn(|_| AtomicU64::new(0)))
                .collect(),
        }
    }

    /// `__count_zid_vm_events(PGALLOC, zid, n)`.
    #[inline]
    pub fn count_pgalloc(&self, zone: &Zone, n: u64) {
        raw_cpu_add(&self.pgalloc[zone.zone_type as usize], n);
    }

    /// `__count_vm_events(PGFREE, n)`.
    #[inline]
    pub fn count_pgfree(&self, n: u64) {
        raw_cpu_add(&self.pgfree, n);
    }

    /// `zone_statistics(preferred_zone, z, 1)` on a CPU of node `cpu_nid`:
    /// NUMA_HIT when `z` is on the preferred zone's node, else NUMA_MISS on
    /// `z` and NUMA_FOREIGN on the preferred zone; NUMA_LOCAL when `z` is on
    /// the CPU's node, else NUMA_OTHER.
    #[inline]
    pub fn zone_statistics(&self, preferred: &Zone, z: &Zone, cpu_nid: usize) {
        let count =
            |zone: &Zone, item: NumaStat| raw_cpu_add(&self.numa[zone.id][item as usize], 1);
        if z.nid == preferred.nid {
            count(z, NumaStat::Hit);
        } else {
            count(z, NumaStat::Miss);
            count(preferred, NumaStat::Foreign);
        }
        count(
            z,
            if z.nid == cpu_nid {
                NumaStat::Local
            } else {
                NumaStat::Other
            },
        );
    }
}

/// Every CPU's counters summed (`all_vm_events`, `sum_zone_numa_event_state`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct VmEvents {
    pub pgalloc: [u64; MAX_NR_ZONES],
    pub pgfree: u64,
    pub numa: [u64; NR_VM_NUMA_EVENT_ITEMS],
}

impl VmEvents {
    /// Sum `cpus`' counters. Call with the counting threads joined.
    pub fn sum<'a>(cpus: impl Iterator<Item = &'a CpuVmStat>) -> VmEvents {
        let mut t = VmEvents::default();
        // Relaxed: the writers have been joined (or the total is a
        // snapshot, as /proc/vmstat's is).
        for c in cpus {
            for (a, b) in t.pgalloc.iter_mut().zip(&c.pgalloc) {
                *a += b.load(Ordering::Relaxed);
            }
            t.pgfree += c.pgfree.load(Ordering::Relaxed);
            for zone in c.numa.iter() {
                for (a, b) in t.numa.iter_mut().zip(zone) {
                    *a += b.load(Ordering::Relaxed);
                }
            }
        }
        t
    }

    /// PGALLOC over every zone type.
    pub fn pgalloc_total(&self) -> u64 {
        self.pgalloc.iter().sum()
    }

    pub fn numa(&self, item: NumaStat) -> u64 {
        self.numa[item as usize]
    }
}
