//! `epoch`: RCU with real deferred reclamation, through `crossbeam-epoch`
//! (closer to `call_rcu` than arc-swap's reference counts).
//!
//! Read protocol: `epoch::pin()` at `zonelist_iter_begin` (`rcu_read_lock`),
//! load the current zonelists pointer (Acquire), walk it, unpin when the
//! section ends; never retries. Write protocol: writers serialised by a
//! mutex; build fresh zonelists, `swap` the pointer (AcqRel), and
//! `defer_destroy` the old ones: they are freed once every thread pinned
//! when they were replaced has unpinned (a grace period). Like `rcu`, a walk
//! sees one complete but possibly old zonelist.

use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crossbeam_epoch::{self as epoch, Atomic, Owned};
use std::sync::atomic::Ordering;

pub struct Epoch {
    current: Atomic<Zonelists>,
    writer: parking_lot::Mutex<()>,
    nodes: usize,
}

/// A pinned section and the zonelists it loaded.
pub struct EpochSection {
    _pin: epoch::Guard,
    zonelists: *const Zonelists,
}

impl ZonelistView for EpochSection {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        // SAFETY: `zonelists` was loaded (non-null: the pointer is never
        // null after `new`) while `_pin` was pinned, and a replaced
        // zonelist is only freed by `defer_destroy`, after every guard
        // pinned before its replacement is dropped; `_pin` lives as long as
        // this section.
        unsafe { &*self.zonelists }.zoneref(nid, idx)
    }
}

impl ReadSection for EpochSection {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }
}

impl ZonelistGuard for Epoch {
    const NAME: &'static str = "epoch";
    const MODELS: &'static str = "crossbeam-epoch: pin, swap, defer_destroy (call_rcu)";
    const PREVENTS_FALSE_OOM: bool = false;
    type Fast<'a> = EpochSection;
    type Section<'a> = EpochSection;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::built(nodes, build);
        Epoch {
            current: Atomic::new(zonelists),
            writer: parking_lot::Mutex::new(()),
            nodes,
        }
    }

    #[inline]
    fn fast_view(&self) -> EpochSection {
        let pin = epoch::pin();
        // Acquire: pairs with the writer's swap, so the entries written
        // before publication are visible.
        let zonelists = self.current.load(Ordering::Acquire, &pin).as_raw();
        EpochSection {
            _pin: pin,
            zonelists,
        }
    }

    #[inline]
    fn read_begin(&self, _probe: &mut ReaderProbe, _retry: bool) -> EpochSection {
        self.fast_view()
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
        // SAFETY: `&mut self`: no reader or writer can hold a section or be
        // rebuilding, so nothing else references the current zonelists.
        unsafe {
            // Relaxed: `&mut self` already orders us after every writer.
            let cur = self.current.load(Ordering::Relaxed, epoch::unprotected());
            if !cur.is_null() {
                drop(cur.into_owned());
            }
        }
    }
}
