//! `rcu-qsbr`: RCU as the kernel's read side costs it. On a kernel without
//! preemption `rcu_read_lock()` emits no instruction and `rcu_dereference()`
//! is a plain load; the cost of RCU is on the update side, which waits for
//! a grace period before freeing what it replaced. `rcu` (arc-swap) pays a
//! shared debt slot on every load instead; this guard pays what the kernel
//! pays.
//!
//! Read protocol (`fast_view`, `read_begin`): the reader's CPU marks itself
//! inside a read-side section with one plain store to its own per-CPU
//! marker (a counter, odd inside a section: as the kernel's dynticks
//! counter marks a CPU that may hold references, and a CPU outside one is
//! in a quiescent state), then loads the zonelists pointer
//! (`rcu_dereference`) and walks that snapshot; ending the section stores
//! the next, even, value (Release). No atomic read-modify-write, no fence,
//! no store to a line another CPU writes: the marker's line is the CPU's
//! own, and it is read by the writer only while it waits for a grace
//! period. `need_retry` is false (`rcu-qsbr-recheck` adds the generation
//! check of `rcu-recheck`).
//!
//! Write protocol (`__build_all_zonelists` with RCU): writers serialised
//! by a mutex; build the new zonelists aside; publish them with one pointer
//! exchange (`rcu_assign_pointer`); then `kfree_rcu()` the old ones: a
//! process-wide memory barrier (`membarrier(MEMBARRIER_CMD_PRIVATE_
//! EXPEDITED)`, the userspace stand-in for the interrupts and context
//! switches by which the kernel's grace-period machinery orders every CPU)
//! and a snapshot of the markers start the old zonelists' grace period; it
//! ends when every marker that was odd in the snapshot has changed (that
//! CPU left the section it was in), and the zonelists are freed by a later
//! rebuild that sees it ended (or when the guard is dropped). The writer
//! never waits for a reader; the barrier is timed as the rebuild's publish
//! phase.
//!
//! Why the barrier makes the plain store enough: after it returns, every
//! CPU has passed a full barrier. A section that began before that point
//! has its odd marker visible to the writer, which waits for it; one that
//! began after it loads the new pointer. This is liburcu's "memb" flavour
//! and the argument of the kernel's grace periods; where the system call
//! is missing (an old kernel, a seccomp filter) readers fence after the
//! marker store instead (a `SeqCst` fence, the classic store-buffer pair),
//! which costs them a few nanoseconds per section.
//!
//! Simplifications, and why they do not change what is measured: a grace
//! period here ends as soon as every CPU has left the section it was in;
//! the kernel's lasts until every CPU has passed a context switch, the idle
//! loop or user mode (milliseconds), so old zonelists live longer there.
//! Neither the read side nor the writer's time depends on it: nobody waits
//! for the grace period but the free. Like `rcu`, a walk sees one complete
//! but possibly old zonelist, and can fail on a snapshot that misses a zone
//! onlined since (the recheck variant closes that).
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` the system call is
//! replaced by `SeqCst` fences on both sides, which loom models.

use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::sync::atomic::{fence, AtomicPtr, AtomicU64, Ordering};
use crate::primitive::Mutex;
use crossbeam_utils::CachePadded;

/// RCU zonelists with per-CPU read-side markers; `RECHECK` adds the
/// generation check of `rcu-recheck`.
#[derive(Debug)]
pub struct RcuQsbr<const RECHECK: bool> {
    current: AtomicPtr<Zonelists>,
    /// One marker per CPU, odd while that CPU is inside a section.
    markers: Box<[CachePadded<AtomicU64>]>,
    /// Bumped after every publish; read only by recheck sections.
    generation: CachePadded<AtomicU64>,
    /// Whether the writer's barrier is the system call (readers then need
    /// no fence of their own).
    heavy_barrier: bool,
    /// Replaced zonelists waiting for their grace period, each with the
    /// markers as they were when it began; the writers' lock.
    writer: Mutex<Vec<Retired>>,
    nodes: usize,
}

/// Zonelists replaced by a rebuild, not yet freed.
#[derive(Debug)]
struct Retired {
    zonelists: *mut Zonelists,
    /// `(CPU, marker)` for every CPU inside a section when the grace
    /// period began.
    inside: Vec<(usize, u64)>,
}

// SAFETY: a `Retired` is only touched under the writers' mutex, and its
// pointer is to a `Zonelists` (which is `Send`) that no one else frees.
unsafe impl Send for Retired {}

/// A read-side section: the CPU's marker (odd) and the snapshot it loaded.
/// It borrows the guard, so it cannot outlive it.
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct QsbrSection<'a> {
    marker: &'a AtomicU64,
    /// The marker's value when the section ends (even).
    leave: u64,
    zonelists: *const Zonelists,
    /// Recheck sections: the generation counter and its value at begin.
    recheck: Option<(&'a AtomicU64, u64)>,
}

impl ZonelistView for QsbrSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        // SAFETY: `zonelists` was loaded (never null) after this CPU's
        // marker went odd and the store was ordered before the load (see
        // the module docs). A writer frees replaced zonelists only after
        // seeing every marker that was odd at its barrier change, and this
        // marker stays odd until the section is dropped; the current
        // zonelists are freed only by `Drop`, which cannot run while this
        // section borrows the guard.
        unsafe { &*self.zonelists }.zoneref(nid, idx)
    }
}

impl ReadSection for QsbrSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        // Acquire: pairs with the writer's Release bump after publishing.
        self.recheck
            .is_some_and(|(g, start)| g.load(Ordering::Acquire) != start)
    }
}

impl Drop for QsbrSection<'_> {
    #[inline]
    fn drop(&mut self) {
        // Release: every read of the snapshot happens before a writer's
        // Acquire load that sees the section over.
        self.marker.store(self.leave, Ordering::Release);
    }
}

impl<const RECHECK: bool> RcuQsbr<RECHECK> {
    /// Begin a section on `probe`'s CPU.
    #[inline]
    fn section(&self, probe: &ReaderProbe) -> QsbrSection<'_> {
        let marker = &self.markers[probe.cpu];
        // Relaxed: only this CPU writes its marker (one thread per CPU).
        let now = marker.load(Ordering::Relaxed);
        debug_assert!(now & 1 == 0, "cpu {} nested a section", probe.cpu);
        let enter = now | 1;
        // Relaxed: ordered before the pointer load by the barrier below.
        marker.store(enter, Ordering::Relaxed);
        self.reader_barrier();
        // Acquire, and before the pointer load: a reader that sees a
        // bumped generation also loads what was published before it.
        let recheck = RECHECK.then(|| (&*self.generation, self.generation.load(Ordering::Acquire)));
        // Acquire: pairs with the writer's exchange, so the entries written
        // before publication are visible (`rcu_dereference`).
        let zonelists = self.current.load(Ordering::Acquire);
        QsbrSection {
            marker,
            leave: enter + 1,
            zonelists,
            recheck,
        }
    }

    /// The reader's half of the store-buffer pair: the marker store before
    /// the pointer load.
    #[inline]
    fn reader_barrier(&self) {
        if self.heavy_barrier {
            // The writer's system call orders this CPU; only the compiler
            // must keep the two in program order.
            std::sync::atomic::compiler_fence(Ordering::SeqCst);
        } else {
            fence(Ordering::SeqCst);
        }
    }

    /// A grace period begins: the barrier, then the CPUs inside a
    /// section, with their markers.
    fn grace_period_begins(&self) -> Vec<(usize, u64)> {
        if self.heavy_barrier {
            membarrier::expedited();
        } else {
            fence(Ordering::SeqCst);
        }
        self.markers
            .iter()
            .enumerate()
            // Acquire: as in `ended`.
            .map(|(cpu, m)| (cpu, m.load(Ordering::Acquire)))
            .filter(|(_, m)| m & 1 == 1)
            .collect()
    }

    /// Whether the grace period that found CPUs `inside` has ended: every
    /// one of them has left that section.
    fn ended(&self, inside: &[(usize, u64)]) -> bool {
        // Acquire: seeing a marker change (a section ended, with its
        // Release store) orders that section's reads before the free.
        inside
            .iter()
            .all(|&(cpu, m)| self.markers[cpu].load(Ordering::Acquire) != m)
    }
}

impl<const RECHECK: bool> ZonelistGuard for RcuQsbr<RECHECK> {
    const NAME: &'static str = if RECHECK {
        "rcu-qsbr-recheck"
    } else {
        "rcu-qsbr"
    };
    const MODELS: &'static str = if RECHECK {
        "kernel RCU read side + a generation check before OOM and failing"
    } else {
        "kernel RCU: free read side (per-CPU marker), kfree_rcu after a grace period"
    };
    const PREVENTS_FALSE_OOM: bool = RECHECK;
    type Fast<'a> = QsbrSection<'a>;
    type Section<'a> = QsbrSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Box::new(Zonelists::built(nodes, build));
        RcuQsbr {
            current: AtomicPtr::new(Box::into_raw(zonelists)),
            markers: (0..opts.cpus.max(1))
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
            generation: CachePadded::new(AtomicU64::new(0)),
            heavy_barrier: membarrier::register(),
            writer: Mutex::new(Vec::new()),
            nodes,
        }
    }

    #[inline]
    fn fast_view(&self, probe: &mut ReaderProbe) -> QsbrSection<'_> {
        self.section(probe)
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> QsbrSection<'_> {
        self.section(probe)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let mut retired = self.writer.lock();
        writer.locked();
        let fresh = Box::into_raw(Box::new(Zonelists::built(self.nodes, build)));
        writer.publishing();
        // AcqRel: Release publishes the fresh entries to readers' Acquire
        // loads; Acquire orders the free below after the old one's
        // publication.
        let old = self.current.swap(fresh, Ordering::AcqRel);
        // Release: publishes the exchange to a recheck section whose
        // Acquire load of the generation sees this bump.
        self.generation.fetch_add(1, Ordering::Release);
        let inside = self.grace_period_begins();
        retired.push(Retired {
            zonelists: old,
            inside,
        });
        retired.retain(|r| {
            if !self.ended(&r.inside) {
                return true;
            }
            // SAFETY: `r.zonelists` came from `Box::into_raw` (in `new` or
            // an earlier rebuild) and was unreachable from `current` before
            // its grace period began; every section that could have loaded
            // it has ended, and only the writer (holding the lock) frees it.
            drop(unsafe { Box::from_raw(r.zonelists) });
            false
        });
    }
}

impl<const RECHECK: bool> Drop for RcuQsbr<RECHECK> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` orders us after every section and writer.
        let cur = self.current.load(Ordering::Relaxed);
        let retired = std::mem::take(&mut *self.writer.lock());
        for r in retired.into_iter().map(|r| r.zonelists).chain([cur]) {
            // SAFETY: every pointer came from `Box::into_raw`, is freed
            // once (retired ones are not current), and with `&mut self` no
            // section or rebuild can be using it.
            drop(unsafe { Box::from_raw(r) });
        }
    }
}

/// The process-wide barrier of the writer's grace period.
mod membarrier {
    /// Register for `MEMBARRIER_CMD_PRIVATE_EXPEDITED`; false where the
    /// system call is missing (readers then fence themselves).
    #[cfg(all(target_os = "linux", not(loom)))]
    pub(super) fn register() -> bool {
        const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;
        // SAFETY: membarrier takes two integer arguments and touches no
        // memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_PRIVATE_EXPEDITED, 0) == 0 }
    }

    /// A full memory barrier on every CPU running a thread of this
    /// process (registered: `register` returned true).
    #[cfg(all(target_os = "linux", not(loom)))]
    pub(super) fn expedited() {
        const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
        // SAFETY: as in `register`.
        let r = unsafe { libc::syscall(libc::SYS_membarrier, PRIVATE_EXPEDITED, 0) };
        assert_eq!(r, 0, "membarrier failed after registering");
    }

    #[cfg(any(not(target_os = "linux"), loom))]
    pub(super) fn register() -> bool {
        false
    }

    #[cfg(any(not(target_os = "linux"), loom))]
    pub(super) fn expedited() {
        unreachable!("readers fence themselves without the system call")
    }
}
