//! What a guard is given besides its zonelists: the run's options, the
//! reader's probe (its waits inside the guard), and the writer's context
//! (its interrupt state, and the marks that split a rebuild's time).

use crate::primitive::sync::atomic::{AtomicBool, Ordering};
use std::cell::Cell;
use std::time::Instant;

/// Run-wide options a guard may honour.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardOpts {
    /// PREEMPT_RT semantics (`--rt`): only guards with `HONOURS_RT` change.
    pub rt: bool,
    /// Simulated CPUs that may read (readers, the writer's CPU): guards
    /// with per-CPU read-side state size it by this (at least one).
    pub cpus: usize,
    /// The kernel-RCU guards (`rcu-qsbr`, `rcu-preempt` and their recheck
    /// variants) end every rebuild with `synchronize_rcu_expedited()`'s
    /// cost on every reader CPU: a `membarrier(MEMBARRIER_CMD_PRIVATE_
    /// EXPEDITED)`, which interrupts every CPU running a thread of the
    /// process (the kernel's expedited grace period sends IPIs the same
    /// way). Off by default: the kernel's `kfree_rcu()` sends none. It buys
    /// nothing for correctness (neither flavour's reader has a fence for it
    /// to replace: grace periods end through the readers' own quiescent
    /// states) and frees nothing sooner (the interrupt reports no quiescent
    /// state); it is the expedited primitive's price, paid by the readers'
    /// CPUs. Other guards ignore it.
    pub rcu_expedited: bool,
    /// The calibration guard's effect switched off: the arm
    /// `delay-2pct#off` (see [`crate::guard::delay::OFF`]), `selfcheck
    /// --known`'s baseline, runs the same code with its waits skipped, so
    /// the two arms differ by the waits alone. Other guards ignore it.
    pub effect_off: bool,
}

/// The reader, as its guard sees it: its simulated CPU, and the counters
/// a guard updates on its read side.
#[derive(Default, Debug, Clone)]
pub struct ReaderProbe {
    /// The simulated CPU reading (below [`GuardOpts::cpus`]); one thread
    /// per CPU at a time.
    pub cpu: usize,
    /// Time spent waiting inside the guard (spinning on an odd count,
    /// waiting for a lock), nanoseconds: total and the longest wait.
    pub stall_ns: u64,
    pub stall_max_ns: u64,
    /// Sections that took a lock because a lockless pass had to retry
    /// (`read_seqbegin_or_lock`).
    pub locked_passes: u64,
}

impl ReaderProbe {
    /// Merge another reader's probe into this one (totals add, the
    /// longest wait is kept).
    pub fn add(&mut self, o: &ReaderProbe) {
        // Counters only: `cpu` stays this reader's.
        self.stall_ns += o.stall_ns;
        self.stall_max_ns = self.stall_max_ns.max(o.stall_max_ns);
        self.locked_passes += o.locked_passes;
    }

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
#[derive(Debug)]
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

#[derive(Debug)]
#[must_use = "dropping it at once releases what it holds"]
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
