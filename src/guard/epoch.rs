//! `epoch`: RCU with real deferred reclamation, through `crossbeam-epoch`
//! (closer to `call_rcu` than arc-swap's reference counts).
//!
//! Read protocol: `epoch::pin()` at `zonelist_iter_begin` (`rcu_read_lock`),
//! load the current zonelists pointer (Acquire), walk it, unpin when the
//! section ends; never retries. Write protocol: writers serialised by a
//! mutex; build fresh zonelists, `swap` the pointer (AcqRel), and
//! `defer_destroy` the old ones: they are freed once every thread pinned
//! when they were replaced has unpinned (a grace period). Like `rcu`, a walk
//! sees one complete but possibly old zonelist, and like `rcu` it can fail on
//! a snapshot that misses a zone onlined since.
//!
//! Simplification: crossbeam's collector runs on the pinning threads
//! (`pin` occasionally collects garbage), so reclamation cost lands on
//! readers inside their measured allocations, where the kernel's RCU
//! callbacks run in softirq or rcuo kthreads; with one rebuild per writer
//! period there is little garbage, so the effect is small, and it is part of
//! what a Rust user of this crate would pay.
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` the part of
//! `crossbeam-epoch` used here is replaced by a stand-in over a loom
//! `AtomicPtr` that keeps this guard's own orderings (reclamation never runs
//! in a model), and the writers' mutex by loom's (`crate::primitive`).

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::epoch::{self, Atomic, Owned};
use crate::primitive::Mutex;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;

#[derive(Debug)]
pub struct Epoch {
    current: Atomic<Zonelists>,
    writer: Mutex<()>,
    nodes: usize,
}

/// A pinned section and the zonelists it loaded; it borrows the guard, so it
/// cannot outlive it (the guard's `Drop` frees the current zonelists).
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct EpochSection<'a> {
    _pin: epoch::Guard,
    zonelists: *const Zonelists,
    _guard: PhantomData<&'a Epoch>,
}

impl ZonelistView for EpochSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        // SAFETY: `zonelists` was loaded (non-null: the pointer is never
        // null after `new`) while `_pin` was pinned. A replaced zonelist is
        // only freed by `defer_destroy`, after every guard pinned before its
        // replacement is dropped, and `_pin` lives as long as this section;
        // the current one is freed only by `Epoch::drop`, which cannot run
        // while this section borrows the `Epoch`.
        unsafe { &*self.zonelists }.zoneref(nid, idx)
    }
}

impl ReadSection for EpochSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }
}

impl ZonelistGuard for Epoch {
    const NAME: &'static str = "epoch";
    const MODELS: &'static str = "crossbeam-epoch: pin, swap, defer_destroy (call_rcu)";
    const LOOK: Option<Look> = Some(Look::new(
        Family::UserspaceRcu,
        Hue::Black,
        Marker::TriangleDown,
        Dash::Short,
    ));
    const PREVENTS_FALSE_OOM: bool = false;
    type Fast<'a> = EpochSection<'a>;
    type Section<'a> = EpochSection<'a>;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::built(nodes, build);
        Epoch {
            current: Atomic::new(zonelists),
            writer: Mutex::new(()),
            nodes,
        }
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> EpochSection<'_> {
        let pin = epoch::pin();
        // Acquire: pairs with the writer's swap, so the entries written
        // before publication are visible.
        let zonelists = self.current.load(Ordering::Acquire, &pin).as_raw();
        EpochSection {
            _pin: pin,
            zonelists,
            _guard: PhantomData,
        }
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> EpochSection<'_> {
        self.fast_view(probe)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _writers = self.writer.lock();
        writer.locked();
        let fresh = Owned::new(Zonelists::built(self.nodes, build));
        writer.publishing();
        let pin = epoch::pin();
        // AcqRel: Release publishes the fresh entries to readers' Acquire
        // loads; Acquire orders our later use of `old` after its readers'
        // publication.
        let old = self.current.swap(fresh, Ordering::AcqRel, &pin);
        // SAFETY: `old` is no longer reachable from `current`, so only
        // threads pinned now can hold it; defer_destroy frees it after they
        // unpin. It is non-null (the pointer is never null after `new`).
        unsafe { pin.defer_destroy(old) };
    }
}

impl Drop for Epoch {
    fn drop(&mut self) {
        // SAFETY: `&mut self`, and every section borrows `self`: no section
        // or rebuild is live, so nothing else references the current
        // zonelists; replaced ones are owned by the epoch collector.
        unsafe {
            // Relaxed: `&mut self` already orders us after every writer.
            let cur = self.current.load(Ordering::Relaxed, epoch::unprotected());
            if !cur.is_null() {
                drop(cur.into_owned());
            }
        }
    }
}
