//! The zonelist guard: how an allocation's walk of the zonelists is
//! protected against `build_all_zonelists` rewriting them, and how the
//! rebuild publishes. One trait, one file per strategy, monomorphised into
//! the allocator (no `dyn` on the read side).
//!
//! # Adding a guard
//!
//! Write `src/guard/<name>.rs` with a type implementing [`ZonelistGuard`]
//! (module docs: the kernel construct, the read protocol, the write protocol,
//! what is simplified), then add it to the `guards!` list at the bottom of
//! this file. The CLI, the runner and the tests pick it up from there.
//!
//! ```
//! use zonebench::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
//! use zonebench::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
//! use parking_lot::Mutex;
//!
//! /// A guard that cannot be wrong: one mutex around everything.
//! struct BigLock(Mutex<()>, Zonelists);
//! struct Held<'a>(parking_lot::MutexGuard<'a, ()>, &'a Zonelists);
//! impl ZonelistView for Held<'_> {
//!     fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef { self.1.zoneref(nid, idx) }
//! }
//! impl ReadSection for Held<'_> {
//!     fn need_retry(&self) -> bool { false }
//! }
//! impl ZonelistGuard for BigLock {
//!     const NAME: &'static str = "biglock";
//!     const MODELS: &'static str = "a global allocator mutex";
//!     const PREVENTS_FALSE_OOM: bool = true;
//!     type Fast<'a> = Held<'a>;
//!     type Section<'a> = Held<'a>;
//!     fn new(nodes: usize, _: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
//!         let zl = Zonelists::new(nodes);
//!         build(&zl);
//!         BigLock(Mutex::new(()), zl)
//!     }
//!     fn fast_view(&self) -> Held<'_> { Held(self.0.lock(), &self.1) }
//!     fn read_begin(&self, _: &mut ReaderProbe, _retry: bool) -> Held<'_> { self.fast_view() }
//!     fn rebuild(&self, _: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
//!         let _g = self.0.lock();
//!         build(&self.1);
//!     }
//! }
//! # let g = BigLock::new(1, &GuardOpts::default(), &|_| {});
//! # assert!(!g.read_begin(&mut ReaderProbe::default(), false).need_retry());
//! ```

pub mod broken;
pub mod epoch;
pub mod latch;
pub mod none;
pub mod rcu;
pub mod rcu_recheck;
pub mod rwlock;
pub mod seqbegin_or_lock;
pub mod seqcount;
pub mod seqcount_spinlock;
pub mod seqlock;
pub mod seqlock_crate;
pub mod seqlock_excl;

use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::sync::atomic::{AtomicBool, Ordering};
use crate::sync::hardirq::{irq_deadlock, irq_time_left, IrqWait};
use crate::sync::{SeqCount, SpinLock, SpinLockGuard};
use crossbeam_utils::CachePadded;
use std::cell::Cell;
use std::marker::PhantomData;
use std::time::Instant;

/// Run-wide options a guard may honour.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardOpts {
    /// PREEMPT_RT semantics (`--rt`): only guards with `HONOURS_RT` change.
    pub rt: bool,
}

/// Per-reader counters a guard updates on its read side.
#[derive(Default, Debug, Clone)]
pub struct ReaderProbe {
    /// Time spent waiting inside the guard (spinning on an odd count,
    /// waiting for a lock), nanoseconds: total and the longest wait.
    pub stall_ns: u64,
    pub stall_max_ns: u64,
    /// Sections that took a lock because a lockless pass had to retry
    /// (`read_seqbegin_or_lock`).
    pub locked_passes: u64,
}

impl ReaderProbe {
    /// Account one wait of `ns` nanoseconds (0: none).
    #[inline]
    pub fn stalled(&mut self, ns: u32) {
        if ns != 0 {
            self.stall_ns += ns as u64;
            self.stall_max_ns = self.stall_max_ns.max(ns as u64);
        }
    }
}

/// The writer's side of the model a guard may need.
pub struct WriterCtx<'a> {
    /// The writer CPU's interrupt-enable state (`local_irq_save`): while it
    /// is set, the interrupt model (`workload::irq`) holds an interrupt
    /// raised inside the write section until the section ends.
    pub irqs_disabled: &'a AtomicBool,
    /// When the guard's writer got its lock, and when it began publishing
    /// a copy (RCU-like guards): the split of the rebuild's time.
    locked_at: Cell<Option<Instant>>,
    publish_at: Cell<Option<Instant>>,
}

impl<'a> WriterCtx<'a> {
    pub fn new(irqs_disabled: &'a AtomicBool) -> Self {
        WriterCtx {
            irqs_disabled,
            locked_at: Cell::new(None),
            publish_at: Cell::new(None),
        }
    }

    /// The guard's writer holds its lock: lock wait ends, the critical
    /// section begins.
    #[inline]
    pub fn locked(&self) {
        self.locked_at.set(Some(Instant::now()));
    }

    /// The new zonelists are built; publishing them (swap, reclaim) begins.
    #[inline]
    pub fn publishing(&self) {
        self.publish_at.set(Some(Instant::now()));
    }

    /// `(locked, publishing)` instants the guard reported.
    pub fn marks(&self) -> (Option<Instant>, Option<Instant>) {
        (self.locked_at.get(), self.publish_at.get())
    }

    /// `local_irq_save` until the returned token is dropped.
    pub fn irq_save(&self) -> IrqSave<'_> {
        // Relaxed: the flag is read only by code on the same simulated CPU
        // (the interrupt model runs on the writer's own thread).
        let was = self.irqs_disabled.swap(true, Ordering::Relaxed);
        IrqSave {
            flag: self.irqs_disabled,
            was,
        }
    }
}

pub struct IrqSave<'a> {
    flag: &'a AtomicBool,
    was: bool,
}

impl Drop for IrqSave<'_> {
    fn drop(&mut self) {
        // Relaxed: as in irq_save.
        self.flag.store(self.was, Ordering::Relaxed);
    }
}

/// A read section (`zonelist_iter_begin` .. end): the zonelists it sees, and
/// whether they may have changed under it. Dropping it ends the section.
pub trait ReadSection: ZonelistView {
    /// `check_retry_zonelist` (`read_seqretry`): the walk may have seen a
    /// rebuild and must restart.
    fn need_retry(&self) -> bool;
}

/// A zonelist synchronisation strategy. See the module docs.
pub trait ZonelistGuard: Send + Sync + Sized + 'static {
    /// CLI name.
    const NAME: &'static str;
    /// The kernel construct it models, one line.
    const MODELS: &'static str;
    /// Whether it is expected to prevent the spurious OOM of the 2022 race.
    const PREVENTS_FALSE_OOM: bool;

    /// What the allocation fast path walks (upstream: the zonelists with no
    /// protection at all; guards whose data must be pinned to be read at all,
    /// such as RCU, pin here).
    type Fast<'a>: ZonelistView
    where
        Self: 'a;
    /// A read section.
    type Section<'a>: ReadSection
    where
        Self: 'a;

    /// Whether `--rt` changes this guard's behaviour.
    const HONOURS_RT: bool = false;
    /// Its read side can wait for the writer inside code the model cannot
    /// bound (a crate's own retry loop): the interrupt model does not run a
    /// handler inside this guard's write section (see `workload::irq`).
    const READ_WAIT_UNBOUNDED: bool = false;

    /// Create the guard with zonelists for `nodes` nodes, filled by `build`.
    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self;
    /// The zonelists for an unprotected walk.
    fn fast_view(&self) -> Self::Fast<'_>;
    /// `zonelist_iter_begin`. `retry` is true when the previous section of
    /// the same allocation asked for a retry (`read_seqbegin_or_lock` takes
    /// the lock on such a pass).
    fn read_begin(&self, probe: &mut ReaderProbe, retry: bool) -> Self::Section<'_>;
    /// `__build_all_zonelists`: run `build` (which rewrites every node's
    /// zonelist in the storage it is given) under the write protocol.
    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists));
}

/// Read section of the guards that walk the live zonelists under a
/// `seqcount_t` (seqcount, seqlock).
pub struct SeqSection<'a> {
    zonelists: &'a Zonelists,
    seq: &'a SeqCount,
    start: u32,
}

impl<'a> SeqSection<'a> {
    #[inline]
    pub fn begin(zonelists: &'a Zonelists, seq: &'a SeqCount, probe: &mut ReaderProbe) -> Self {
        let (start, stall) = seq.read_begin();
        probe.stalled(stall);
        SeqSection {
            zonelists,
            seq,
            start,
        }
    }
}

impl ZonelistView for SeqSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.zonelists.zoneref(nid, idx)
    }
}

impl ReadSection for SeqSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        self.seq.read_retry(self.start)
    }
}

impl<'a> SeqSection<'a> {
    /// A section that began at count `start` (read by the caller).
    #[inline]
    pub fn from_start(zonelists: &'a Zonelists, seq: &'a SeqCount, start: u32) -> Self {
        SeqSection {
            zonelists,
            seq,
            start,
        }
    }
}

/// A section that holds a lock for its whole length and never retries
/// (`read_seqlock_excl`, a read-write lock's read side).
pub struct LockedSection<'a, H> {
    _held: H,
    zonelists: &'a Zonelists,
}

impl<'a, H> LockedSection<'a, H> {
    #[inline]
    pub fn new(held: H, zonelists: &'a Zonelists) -> Self {
        LockedSection {
            _held: held,
            zonelists,
        }
    }
}

impl<H> ZonelistView for LockedSection<'_, H> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.zonelists.zoneref(nid, idx)
    }
}

impl<H> ReadSection for LockedSection<'_, H> {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }
}

/// Take and release `lock` (a PREEMPT_RT reader waiting for the writer that
/// holds it). In interrupt context the wait is bounded (`sync::hardirq`):
/// a handler on the CPU of the writer holding the lock would wait forever.
pub(crate) fn wait_for_mutex(lock: &crate::primitive::Mutex<()>) {
    match irq_time_left() {
        None => drop(lock.lock()),
        Some(left) => match lock.try_lock_for(left) {
            Some(held) => drop(held),
            // Called before the section reads anything: nothing to undo.
            None => irq_deadlock(IrqWait::Mutex),
        },
    }
}

/// PREEMPT_RT `read_seqcount_begin` of a count with an associated lock
/// (`__seqprop_*_sequence` with `preemptible`): while the count is odd, wait
/// for the writer by taking and releasing its lock (`wait`), then re-read;
/// never spin on the count itself.
pub fn rt_read_begin(seq: &SeqCount, probe: &mut ReaderProbe, wait: impl Fn()) -> u32 {
    let start = seq.raw_read();
    if start & 1 == 0 {
        return start;
    }
    let t = Instant::now();
    loop {
        wait();
        let start = seq.raw_read();
        if start & 1 == 0 {
            probe.stalled(crate::sync::stall_ns(t));
            return start;
        }
    }
}

/// Zonelists rewritten in place under a `seqcount_t`, writers serialised by
/// a spinlock: the state shared by `seqcount` (a static spinlock beside the
/// count) and `seqlock` (the lock inside `seqlock_t`), which differ only in
/// what the writer does around it.
pub struct SeqZonelists {
    lock: SpinLock<()>,
    seq: CachePadded<SeqCount>,
    zonelists: Zonelists,
    /// PREEMPT_RT reader semantics (`seqlock_t` only: its count is a
    /// `seqcount_spinlock_t` since v5.10).
    rt: bool,
}

impl SeqZonelists {
    pub fn new(nodes: usize, rt: bool, build: &dyn Fn(&Zonelists)) -> Self {
        SeqZonelists {
            lock: SpinLock::new(()),
            seq: CachePadded::new(SeqCount::new()),
            zonelists: Zonelists::built(nodes, build),
            rt,
        }
    }

    #[inline]
    pub fn zonelists(&self) -> &Zonelists {
        &self.zonelists
    }
    /// `read_seqbegin`: spins while odd, or with PREEMPT_RT takes and
    /// releases the lock (which a preempted writer holds) instead.
    #[inline]
    pub fn read_begin(&self, probe: &mut ReaderProbe) -> SeqSection<'_> {
        if self.rt {
            let start = rt_read_begin(&self.seq, probe, || drop(self.lock.lock()));
            SeqSection::from_start(&self.zonelists, &self.seq, start)
        } else {
            SeqSection::begin(&self.zonelists, &self.seq, probe)
        }
    }

    /// `read_seqlock_excl`: the writers' lock, held by a reader.
    #[inline]
    pub fn read_excl(&self, probe: &mut ReaderProbe) -> LockedSection<'_, SpinLockGuard<'_, ()>> {
        let (held, stall) = self.lock.lock_counting();
        probe.stalled(stall);
        LockedSection::new(held, &self.zonelists)
    }

    /// `spin_lock`; `write_seqcount_begin`; rewrite; `write_seqcount_end`;
    /// `spin_unlock`.
    pub fn write(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _lock = self.lock.lock();
        writer.locked();
        self.seq.write_begin();
        build(&self.zonelists);
        self.seq.write_end();
    }
}

/// The write side of a guard of the seqcount family: everything else (the
/// read protocol, the in-place zonelists) is [`SeqFamily`]'s.
pub trait SeqWriteSide: Send + Sync + 'static {
    const NAME: &'static str;
    const MODELS: &'static str;
    /// Readers follow PREEMPT_RT semantics under `--rt` (a `seqlock_t`,
    /// whose count has an associated lock; not a bare `seqcount_t`).
    const RT_READS_LOCK: bool;
    /// Run the rebuild: at least `zonelists.write(build)`.
    fn write(zonelists: &SeqZonelists, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists));
}

/// A guard whose readers walk the live zonelists between
/// `read_seqcount_begin` and `read_seqcount_retry`; `W` is its write side.
pub struct SeqFamily<W>(SeqZonelists, PhantomData<W>);

impl<W: SeqWriteSide> ZonelistGuard for SeqFamily<W> {
    const NAME: &'static str = W::NAME;
    const MODELS: &'static str = W::MODELS;
    const PREVENTS_FALSE_OOM: bool = true;
    const HONOURS_RT: bool = W::RT_READS_LOCK;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        SeqFamily(
            SeqZonelists::new(nodes, opts.rt && W::RT_READS_LOCK, build),
            PhantomData,
        )
    }

    #[inline]
    fn fast_view(&self) -> &Zonelists {
        self.0.zonelists()
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> SeqSection<'_> {
        self.0.read_begin(probe)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        W::write(&self.0, writer, build);
    }
}

/// Static facts about a guard, for `zonebench list` and the results.
#[derive(Clone, Copy, Debug)]
pub struct GuardInfo {
    pub name: &'static str,
    pub models: &'static str,
    pub prevents_false_oom: bool,
    pub honours_rt: bool,
}

const fn info<G: ZonelistGuard>() -> GuardInfo {
    GuardInfo {
        name: G::NAME,
        models: G::MODELS,
        prevents_false_oom: G::PREVENTS_FALSE_OOM,
        honours_rt: G::HONOURS_RT,
    }
}

/// Something to do with a guard type chosen at run time by name: the bridge
/// from CLI names to monomorphised code.
pub trait GuardVisitor {
    type Output;
    fn visit<G: ZonelistGuard>(self) -> Self::Output;
}

macro_rules! guards {
    ($($ty:ty),* $(,)?; hidden: $($hidden:ty),* $(,)?) => {
        /// Every guard, in the order `zonebench list` prints them.
        pub const ALL: &[GuardInfo] = &[$(info::<$ty>()),*];

        /// Guards that exist for testing the suite itself (see
        /// [`broken`]): `torture` takes them, nothing else lists them.
        pub const HIDDEN: &[GuardInfo] = &[$(info::<$hidden>()),*];

        /// Run `visitor` with the guard called `name` (hidden ones included).
        pub fn dispatch<V: GuardVisitor>(name: &str, visitor: V) -> Option<V::Output> {
            $(if name == <$ty as ZonelistGuard>::NAME {
                return Some(visitor.visit::<$ty>());
            })*
            $(if name == <$hidden as ZonelistGuard>::NAME {
                return Some(visitor.visit::<$hidden>());
            })*
            None
        }
    };
}

guards!(
    none::NoGuard,
    seqcount::Seqcount,
    seqlock::SeqLock,
    seqlock_excl::SeqlockExcl,
    seqbegin_or_lock::SeqbeginOrLock,
    seqcount_spinlock::SeqcountSpinlock,
    rcu::Rcu<false>,
    rcu_recheck::RcuRecheck,
    latch::Latch,
    rwlock::RwLockGuard,
    seqlock_crate::SeqlockCrate,
    epoch::Epoch;
    hidden: broken::SeqcountNoRetry,
);

/// The guard info for `name`.
pub fn find(name: &str) -> Option<&'static GuardInfo> {
    ALL.iter().find(|g| g.name == name)
}

/// The guard info for `name`, hidden guards included.
pub fn find_any(name: &str) -> Option<&'static GuardInfo> {
    find(name).or_else(|| HIDDEN.iter().find(|g| g.name == name))
}
