//! `rwlock`: a `parking_lot::RwLock` held for the section, what a userspace
//! developer would reach for.
//!
//! Read protocol: `read()` at `zonelist_iter_begin`, walk the live entries,
//! release when the section ends; never retries. Write protocol: `write()`,
//! rewrite in place, release. The fast path at `--scope slowpath` walks
//! without the lock, as upstream's does (the entries are atomics). Every
//! read acquisition writes the lock word, so readers on different CPUs bounce
//! its cache line: the cost the thread's seqcount avoids.
//!
//! Simplification: `parking_lot::RwLock` is not the kernel's `rwlock_t`
//! (it parks waiters and is fair to writers, where `rwlock_t` spins and lets
//! readers in while a writer waits); both write the lock word on every read
//! acquisition, which is what dominates the read side measured here.
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` the
//! `parking_lot::RwLock` is replaced by a stand-in with the same contract
//! (`crate::primitive`), so loom checks this guard's protocol, not the
//! crate's internals.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, LockedSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;
use crate::primitive::{RwLock, RwLockReadGuard};
use crate::sync::hardirq::{irq_deadlock, irq_time_left, IrqWait};

#[derive(Debug)]
pub struct RwLockGuard {
    lock: RwLock<()>,
    zonelists: Zonelists,
}

impl RwLockGuard {
    /// The writer holds the lock (or a writer waits: parking_lot is fair).
    /// In interrupt context the wait is bounded (`sync::hardirq`): a
    /// handler on the CPU of the writer holding it would wait forever (a
    /// parking_lot read on the thread that holds the write lock never
    /// returns).
    #[cold]
    fn read_contended(&self, probe: &mut ReaderProbe) -> RwLockReadGuard<'_, ()> {
        let t = std::time::Instant::now();
        let held = match irq_time_left() {
            None => self.lock.read(),
            // Nothing is held and nothing read yet: abandoning is safe.
            Some(left) => self
                .lock
                .try_read_for(left)
                .unwrap_or_else(|| irq_deadlock(IrqWait::RwLock)),
        };
        probe.stalled(crate::sync::stall_ns(t));
        held
    }
}

impl ZonelistGuard for RwLockGuard {
    const NAME: &'static str = "rwlock";
    const MODELS: &'static str = "parking_lot::RwLock held for the section";
    const LOOK: Option<Look> = Some(Look::new(
        Family::Others,
        Hue::Purple,
        Marker::Diamond,
        Dash::Dot,
    ));
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = LockedSection<'a, RwLockReadGuard<'a, ()>>;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::built(nodes, build);
        RwLockGuard {
            lock: RwLock::new(()),
            zonelists,
        }
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        &self.zonelists
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> Self::Section<'_> {
        let held = match self.lock.try_read() {
            Some(g) => g,
            None => self.read_contended(probe),
        };
        LockedSection::new(held, &self.zonelists)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _held = self.lock.write();
        writer.locked();
        build(&self.zonelists);
    }
}
