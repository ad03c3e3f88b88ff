//! The zonelist guard: how an allocation's walk of the zonelists is
//! protected against `build_all_zonelists` rewriting them, and how the
//! rebuild publishes. One trait, one file per strategy, monomorphised into
//! the allocator (no `dyn` on the read side).
//!
//! # Adding a guard
//!
//! One file and one line: write `src/guard/<name>.rs` with a type
//! implementing [`ZonelistGuard`] (module docs: the kernel construct, the
//! read protocol, the write protocol, what is simplified; its
//! [`ZonelistGuard::LOOK`]: the family, colour, marker and dash its series
//! are drawn with), declare the file below (`pub mod <name>;`), and add
//! the type to the `guards!` list in `registry.rs` (an example for the
//! README's guide goes in its `examples:` group, which `--guards all`
//! leaves out; see `raw_seqcount.rs`). The CLI, the runner, the reports,
//! the plots and the tests pick it up from there: no other file names a
//! guard (`tests/guard_one_place.rs` checks that the report and plot
//! layers do not, and takes `raw-seqcount` through `list`, `run`,
//! `report` and `--plots` on its registry line alone). Sections the
//! seqcount family shares live in
//! `section.rs` and `seq_family.rs`; what the kernel-RCU guards share (the
//! published copy, the grace-period counters, the writer and
//! `kfree_rcu()`, the expedited barrier) in `grace.rs`; what a guard is
//! given besides its zonelists (options, the reader's probe, the writer's
//! context) in `probe.rs`; how a guard is drawn in `look.rs`.
//!
//! ```
//! use zonebench::guard::{Dash, Family, GuardOpts, Hue, Look, Marker};
//! use zonebench::guard::{ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
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
//!     const LOOK: Option<Look> =
//!         Some(Look::new(Family::Others, Hue::Green, Marker::Circle, Dash::Dot));
//!     type Fast<'a> = Held<'a>;
//!     type Section<'a> = Held<'a>;
//!     fn new(nodes: usize, _: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
//!         let zl = Zonelists::new(nodes);
//!         build(&zl);
//!         BigLock(Mutex::new(()), zl)
//!     }
//!     fn fast_view(&self, _probe: &mut ReaderProbe) -> Held<'_> { Held(self.0.lock(), &self.1) }
//!     fn read_begin(&self, p: &mut ReaderProbe, _retry: bool) -> Held<'_> { self.fast_view(p) }
//!     fn rebuild(&self, _: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
//!         let _g = self.0.lock();
//!         build(&self.1);
//!     }
//! }
//! # let g = BigLock::new(1, &GuardOpts::default(), &|_| {});
//! # assert!(!g.read_begin(&mut ReaderProbe::default(), false).need_retry());
//! ```

pub mod broken;
pub mod delay;
pub mod epoch;
pub mod latch;
pub mod look;
pub mod none;
pub mod raw_seqcount;
pub mod rcu;
pub mod rcu_preempt;
pub mod rcu_preempt_recheck;
pub mod rcu_qsbr;
pub mod rcu_qsbr_recheck;
pub mod rcu_recheck;
pub mod rwlock;
pub mod seqbegin_or_lock;
pub mod seqcount;
pub mod seqcount_spinlock;
pub mod seqlock;
pub mod seqlock_crate;
pub mod seqlock_excl;

mod grace;
mod probe;
mod registry;
mod section;
mod seq_family;

pub use look::{Dash, Family, Hue, Look, Marker};
pub use probe::{GuardOpts, IrqSave, ReaderProbe, WriterCtx};
pub use registry::{
    arm_of, default_baseline, dispatch, find, find_any, guard_of, GuardInfo, GuardVisitor, ALL,
    ARM, CALIBRATION, EXAMPLES, HARNESS, HIDDEN,
};
pub use section::{rt_read_begin, ExclSection, LockedSection, SeqSection};
pub use seq_family::{SeqFamily, SeqWriteSide, SeqZonelists};

use crate::mm::zonelist::{ZonelistView, Zonelists};

/// A read section (`zonelist_iter_begin` .. end): the zonelists it sees, and
/// whether they may have changed under it. Dropping it ends the section.
pub trait ReadSection: ZonelistView {
    /// `check_retry_zonelist` (`read_seqretry`): the walk may have seen a
    /// rebuild and must restart.
    fn need_retry(&self) -> bool;

    /// Run direct reclaim (`reclaim`) from inside the section. Reclaim
    /// sleeps, so a section that holds a spinning lock must drop it for
    /// the length of reclaim and take it again; it then says whether the
    /// zonelists may have changed meanwhile (the caller restarts: what it
    /// walked is no longer what it holds). Lockless sections run reclaim
    /// as they are (`false`).
    #[inline]
    fn around_reclaim<R>(&self, reclaim: impl FnOnce() -> R) -> (R, bool) {
        (reclaim(), false)
    }
}

/// A zonelist synchronisation strategy. See the module docs.
pub trait ZonelistGuard: Send + Sync + Sized + 'static {
    /// CLI name.
    const NAME: &'static str;
    /// The kernel construct it models, one line.
    const MODELS: &'static str;
    /// Whether it is expected to prevent the spurious OOM of the 2022 race.
    const PREVENTS_FALSE_OOM: bool;
    /// How its series are drawn: its family's column, colour, marker and
    /// dash ([`look`]). `None`: in a last column of "other guards", with
    /// the first colour and marker its panel has free.
    const LOOK: Option<Look> = None;

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
    /// The most nodes the guard can hold zonelists for (a guard built on a
    /// fixed-size `Copy` array has a limit below the model's).
    const MAX_NODES: usize = crate::mm::MAX_NUMNODES;

    /// Create the guard with zonelists for `nodes` nodes, filled by `build`.
    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self;
    /// The zonelists for an unprotected walk, by the reader `probe`
    /// describes (its CPU: guards with per-CPU read-side state use it).
    fn fast_view(&self, probe: &mut ReaderProbe) -> Self::Fast<'_>;
    /// `zonelist_iter_begin`. `retry` is true when the previous section of
    /// the same allocation asked for a retry (`read_seqbegin_or_lock` takes
    /// the lock on such a pass).
    fn read_begin(&self, probe: &mut ReaderProbe, retry: bool) -> Self::Section<'_>;
    /// A quiescent state of the reader's CPU (`probe.cpu`): it holds no
    /// view or section of this guard, and nothing it read from one (the
    /// kernel learns this at a context switch, or at `cond_resched()`,
    /// whose `rcu_all_qs()` reports one on a kernel without PREEMPT_RCU).
    /// The allocator announces one at the start of every allocation
    /// (`Allocator::quiescent_state`); code that opens views or sections
    /// outside an allocation announces one before its first, as a liburcu
    /// reader registers. Only the kernel-RCU guards need it: `rcu-qsbr`,
    /// whose read side leaves no trace, reports one; `rcu-preempt` reports
    /// one when its nesting count is zero, as the kernel's tick does. The
    /// default does nothing.
    #[inline]
    fn quiescent(&self, _probe: &mut ReaderProbe) {}
    /// The calibration guard's known effect (`delay-2pct`, see [`delay`]):
    /// of every this many allocations a reader makes in the guard's
    /// phases, one is made and not counted in the phase's rate. 0, the
    /// default and every kernel guard's: all count. Asked once per phase,
    /// never per allocation.
    #[inline]
    fn uncounted_one_in(&self) -> u64 {
        0
    }
    /// `__build_all_zonelists`: run `build` (which rewrites every node's
    /// zonelist in the storage it is given) under the write protocol.
    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists));
}
