//! `rcu-qsbr`: RCU as a kernel without preemption has it (`TREE_RCU`
//! without CONFIG_PREEMPT_RCU: PREEMPT_NONE, PREEMPT_VOLUNTARY), and as
//! liburcu's urcu-qsbr flavour has it in userspace: quiescent-state-based
//! reclamation. The read side is empty; a CPU tells the grace-period
//! machinery that it holds no reference by passing a quiescent state
//! between its read-side sections.
//!
//! Read protocol (`fast_view`, `read_begin`): the pointer load and nothing
//! else. `rcu_read_lock()` is `__rcu_read_lock()`, which is
//! `preempt_disable()` (`include/linux/rcupdate.h`), and that compiles to
//! a compiler barrier without CONFIG_PREEMPT_COUNT; `rcu_read_unlock()`
//! likewise. `rcu_dereference()` is an Acquire load of the published
//! pointer (the kernel's is `READ_ONCE()` and the address dependency; Rust
//! has no consume ordering, and an Acquire load is a plain load on x86).
//! No store, no fence, nothing written anywhere. `need_retry` is false
//! (`rcu-qsbr-recheck` adds the generation check of `rcu-recheck`).
//!
//! Quiescent states (`quiescent`, announced by the allocator at the start
//! of every allocation: `Allocator::quiescent_state`). The kernel learns
//! that a CPU holds no reference when it context-switches, goes idle or to
//! user mode, and, for a task looping in the kernel, at `cond_resched()`,
//! which calls `rcu_all_qs()` on a kernel without PREEMPT_RCU; an
//! allocation that may sleep passes through one in `might_alloc()`. Here
//! every allocation reports one through the counters `grace.rs` keeps
//! (a load of the global grace-period number and a compare; a store to the
//! CPU's own counter once per rebuild), unconditionally: nothing on the
//! read side says whether the CPU is inside a section, so the reader must
//! never announce one there.
//!
//! Write protocol, and why no reader needs a fence: `grace.rs` (publish
//! with one exchange, advance the grace-period number, `kfree_rcu()` the
//! old copy once every online CPU reported it; no interrupt unless
//! [`GuardOpts::rcu_expedited`] asks for `synchronize_rcu_expedited()`'s
//! cost, which a QSBR reader has no fence to trade for). The writer asks no
//! CPU for a quiescent state: every allocation reports one.
//!
//! The contract this asks of the reader (as urcu-qsbr asks of a registered
//! thread): one thread per CPU at a time (as every per-CPU guard); no
//! quiescent state while a view or section of that CPU is alive; a
//! quiescent state before the CPU's first view or section (debug builds
//! assert it). The allocator keeps it: it announces one on entry, before
//! any section, and never allocates inside one.
//!
//! Simplifications, and why they do not change what is measured: those of
//! `grace.rs`, and
//! * A quiescent state at every allocation, where the kernel's
//!   `cond_resched()` reports one only when RCU urgently needs it (its
//!   common case is a load and a compare too) and its context switches
//!   report one always. Ours stores once per rebuild per CPU.
//! * Like `rcu`, a walk sees one complete but possibly old zonelist, and
//!   can fail on a snapshot that misses a zone onlined since (the recheck
//!   variant closes that).
//!
//! Model checking (`tests/loom.rs`): the same protocol under loom (no
//! system call), with freed copies poisoned (`grace.rs`) so that a copy
//! freed under a reader fails the model; a model that announces a
//! quiescent state inside a section must be caught.

use super::grace::{Grace, RcuView};
use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;

/// QSBR zonelists; `RECHECK` adds the generation check of `rcu-recheck`.
#[derive(Debug)]
pub struct RcuQsbr<const RECHECK: bool> {
    grace: Grace,
}

/// A view or section: the zonelists loaded, and (recheck sections) the
/// generation at begin. Nothing to do when it ends.
pub type QsbrView<'a> = RcuView<'a>;

impl<const RECHECK: bool> ZonelistGuard for RcuQsbr<RECHECK> {
    const NAME: &'static str = if RECHECK {
        "rcu-qsbr-recheck"
    } else {
        "rcu-qsbr"
    };
    const MODELS: &'static str = if RECHECK {
        "kernel RCU without preemption (QSBR) + a generation check before OOM and failing"
    } else {
        "kernel RCU without preemption (QSBR): empty read side, quiescent state per allocation, kfree_rcu"
    };
    const LOOK: Option<Look> = if RECHECK {
        Some(Look::new(
            Family::KernelRcu,
            Hue::Purple,
            Marker::Cross,
            Dash::Long,
        ))
    } else {
        Some(Look::new(
            Family::KernelRcu,
            Hue::Vermilion,
            Marker::Diamond,
            Dash::Dot,
        ))
    };
    const PREVENTS_FALSE_OOM: bool = RECHECK;
    type Fast<'a> = QsbrView<'a>;
    type Section<'a> = QsbrView<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        RcuQsbr {
            grace: Grace::new(nodes, opts, build),
        }
    }

    /// `rcu_read_lock(); p = rcu_dereference(current)`: the load alone.
    #[inline]
    fn fast_view(&self, probe: &mut ReaderProbe) -> QsbrView<'_> {
        self.grace.dereference(probe.cpu, false, Self::NAME)
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> QsbrView<'_> {
        self.grace.dereference(probe.cpu, RECHECK, Self::NAME)
    }

    /// `rcu_all_qs()`: the reader's contract says it holds nothing.
    #[inline]
    fn quiescent(&self, probe: &mut ReaderProbe) {
        self.grace.quiescent(probe.cpu);
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        // Nobody to ask: every allocation reports.
        self.grace.rebuild(writer, build, |_| {});
    }
}

#[cfg(all(test, not(loom)))]
impl<const RECHECK: bool> super::grace::testing::KernelRcu for RcuQsbr<RECHECK> {
    fn grace(&self) -> &Grace {
        &self.grace
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::guard::grace::testing::{self, one_cpu_online, probe, rebuild};
    use crate::mm::zonelist::{ZoneRef, ZonelistView};

    fn guard(cpus: usize) -> RcuQsbr<false> {
        testing::guard(cpus)
    }

    fn retired(g: &RcuQsbr<false>) -> usize {
        g.grace.retired().len()
    }

    #[test]
    fn a_retired_copy_waits_for_every_reading_cpu_to_pass_a_quiescent_state() {
        let g = guard(2);
        let (mut p0, mut p1) = (probe(0), probe(1));
        g.quiescent(&mut p0);
        g.quiescent(&mut p1);
        let view = g.fast_view(&mut p0);
        let held = view.zonelists();
        rebuild(&g);
        // CPU 1 passes a quiescent state: CPU 0, still reading, holds the
        // copy back.
        g.quiescent(&mut p1);
        rebuild(&g);
        assert_eq!(retired(&g), 2);
        assert!(g.grace.retired().contains(&held));
        // The view is still good: its copy was not freed.
        assert_eq!(view.zoneref(0, 0), ZoneRef::NULL);
        drop(view);
        // CPU 0's quiescent state lets the next rebuild free both: CPU 1 has
        // passed the first one's grace period but not the second's.
        g.quiescent(&mut p0);
        rebuild(&g);
        assert_eq!(retired(&g), 2, "CPU 1 has not reported the newest two");
        g.quiescent(&mut p1);
        g.quiescent(&mut p0);
        rebuild(&g);
        assert_eq!(retired(&g), 1, "only the copy this rebuild retired waits");
    }

    #[test]
    fn the_common_quiescent_state_stores_nothing() {
        let (g, mut p) = one_cpu_online::<RcuQsbr<false>>();
        let before = g.grace.qs_seq(0);
        g.quiescent(&mut p);
        assert_eq!(g.grace.qs_seq(0), before);
        rebuild(&g);
        g.quiescent(&mut p);
        assert_eq!(g.grace.qs_seq(0), before + 1);
    }
}
