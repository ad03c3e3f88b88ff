//! `rcu-preempt`: RCU as a kernel with CONFIG_PREEMPT_RCU has it (the
//! PREEMPT and PREEMPT_RT models, and PREEMPT_DYNAMIC kernels, which build
//! it in): a read-side section may be preempted, so it leaves a trace on
//! its own CPU, a per-task nesting count, which that CPU's quiescent-state
//! reports consult. No other CPU reads it.
//!
//! Read protocol: `rcu_read_lock()` calls `__rcu_read_lock()`
//! (`kernel/rcu/tree_plugin.h`, out of line: a call and a return here
//! too, as for `__rcu_read_unlock()`): `rcu_preempt_read_enter()` increments
//! `current->rcu_read_lock_nesting` (a load and a store, no atomic
//! read-modify-write: only the task writes it), then `barrier()`, a
//! compiler barrier. Here the count is per CPU (the model runs one reader
//! task per CPU), on the CPU's own cache-padded line; then the pointer
//! load (`rcu_dereference()`, Acquire). `rcu_read_unlock()` is
//! `__rcu_read_unlock()`: `rcu_preempt_read_exit()` decrements the count
//! and, at the outermost unlock, after `barrier()`, loads
//! `current->rcu_read_unlock_special`; if anything is set,
//! `rcu_read_unlock_special()` runs out of line (here `#[cold]`,
//! `#[inline(never)]`): it clears the request and reports a quiescent
//! state. No fence, no atomic read-modify-write, and the writer reads none
//! of it: a section costs a load and a store on lock, a load, a store and a
//! load of the special word on unlock, all on the CPU's own line, and two
//! calls. So priced, an uncontended section costs more than `seqcount`'s
//! (two inline loads): the calls, and a count whose load waits for the
//! previous section's store (the `read_section` criterion benchmark,
//! benches/guards.rs).
//! `need_retry` is false (`rcu-preempt-recheck` adds the generation check
//! of `rcu-recheck`).
//!
//! Quiescent states, as the kernel's come from the scheduler: at a context
//! switch (`rcu_note_context_switch()`), and from the tick,
//! `rcu_sched_clock_irq()` -> `rcu_flavor_sched_clock_irq()`, which reports
//! one (`rcu_qs()`) when `rcu_preempt_depth()` is 0, and otherwise, once
//! the grace period is old, sets `rcu_read_unlock_special.b.need_qs` so
//! that the outermost `rcu_read_unlock()` reports it. Here the allocation's
//! entry (`quiescent`, `Allocator::quiescent_state`) stands in for the tick
//! and the context switch: with the count at 0 it reports through the
//! counters `grace.rs` keeps (a load of the global grace-period number and
//! a compare; a store to the CPU's own counter once per rebuild); inside a
//! section it reports nothing and, if a grace period waits for this CPU,
//! sets the CPU's own special word. A CPU that stays inside sections, or
//! between allocations, for a whole rebuild is asked by the writer: the
//! next rebuild sets its special word (where the kernel's tick sets
//! `need_qs` on the CPU itself once the grace period is old), and its next
//! outermost unlock reports.
//!
//! Write protocol, and why no reader needs a fence: `grace.rs` (publish
//! with one exchange, advance the grace-period number, `kfree_rcu()` the
//! old copy once every online CPU reported it). A quiescent state is
//! reported only with the count at 0, so every section of the CPU before it
//! has ended, and its Release store carries the sections' loads to the
//! writer; the writer never reads the nesting count, so the count's stores
//! need no ordering and the section no fence (the kernel's read side has
//! none either). The `rcu_expedited` option ([`GuardOpts::rcu_expedited`])
//! adds `synchronize_rcu_expedited()`'s cost, a `membarrier()` that
//! interrupts every reader CPU, to every rebuild; it buys nothing for
//! correctness (see `grace.rs`).
//!
//! Orderings on the read side (each also at its use): the count and the
//! special word are Relaxed, both ways. The count is read only by its own
//! CPU, in program order (the quiescent state, the unlock); the special
//! word is a request and nothing else: a lost or late one only delays a
//! free to a later rebuild, which asks again. The compiler barriers are the
//! kernel's `barrier()`s: they keep the count's stores where the kernel has
//! them (not merged across an empty section or moved past the pointer
//! load), so that a section costs what the kernel's does; correctness does
//! not rest on them.
//!
//! The contract: one thread per CPU at a time; a quiescent state before
//! the CPU's first section (debug builds assert it). A quiescent state
//! announced inside a section is safe (it reports nothing), unlike
//! `rcu-qsbr`'s.
//!
//! Simplifications, and why they do not change what is measured: those of
//! `grace.rs`, and
//! * The count is per CPU, not per task, and nothing is preempted inside a
//!   section: the blocked-tasks lists, priority boosting and the deferred
//!   quiescent states of `rcu_read_unlock_special()` are left out. The
//!   read side costs what the kernel's does when no special case is set,
//!   which is what a reader pays per section.
//! * Requests go out from the writer at the next rebuild, to every CPU that
//!   has not reported the previous one's grace period, whether or not it is
//!   inside a section (the writer does not read the count); the kernel's
//!   tick sets `need_qs` on the reader's own CPU, where ours is a remote
//!   store (one miss for that reader at its next section, once per request).
//! * Like `rcu`, a walk sees one complete but possibly old zonelist, and
//!   can fail on a snapshot that misses a zone onlined since (the recheck
//!   variant closes that).
//!
//! Model checking (`tests/loom.rs`): the same protocol under loom (no
//! system call), with freed copies poisoned (`grace.rs`) so that a copy
//! freed under a reader fails the model; models with two sections let the
//! writer's request be reported by an outermost unlock, and one announces a
//! quiescent state inside a section, which must be safe.

use super::grace::{Grace, RcuView};
use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::sync::atomic::{AtomicU32, Ordering};
use crossbeam_utils::CachePadded;
use std::sync::atomic::compiler_fence;

/// `RCU_READ_UNLOCK_NEED_QS`: a grace period waits for this CPU.
const NEED_QS: u32 = 1;

/// PREEMPT_RCU zonelists; `RECHECK` adds the generation check of
/// `rcu-recheck`.
#[derive(Debug)]
pub struct RcuPreempt<const RECHECK: bool> {
    grace: Grace,
    /// One per CPU: the read-side state of the task running there.
    tasks: Box<[CachePadded<RcuTask>]>,
}

/// A CPU's read-side state: the fields of `task_struct` the kernel uses,
/// side by side as there (one line, written by its CPU; the writer only
/// sets `special`).
#[derive(Debug, Default)]
struct RcuTask {
    /// `rcu_read_lock_nesting`. Read and written by its CPU only.
    nesting: AtomicU32,
    /// `rcu_read_unlock_special.s`: `NEED_QS` while a grace period asks
    /// this CPU for a report.
    special: AtomicU32,
}

/// A read-side section: the zonelists it loaded, and what its unlock needs.
/// Dropping it is `rcu_read_unlock()`; it borrows the guard, so it cannot
/// outlive it.
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct PreemptSection<'a> {
    view: RcuView<'a>,
    task: &'a RcuTask,
    grace: &'a Grace,
    cpu: usize,
}

impl ZonelistView for PreemptSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.view.zoneref(nid, idx)
    }
}

impl ReadSection for PreemptSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        self.view.need_retry()
    }
}

impl Drop for PreemptSection<'_> {
    /// `rcu_read_unlock()`.
    #[inline]
    fn drop(&mut self) {
        __rcu_read_unlock(self.task, self.grace, self.cpu);
    }
}

/// `__rcu_read_lock()`: out of line, as the kernel has it (a function of
/// `kernel/rcu/tree_plugin.h`, exported, that the inline `rcu_read_lock()`
/// calls), so a section pays two calls as well as the count.
#[inline(never)]
fn __rcu_read_lock(task: &RcuTask) {
    // Relaxed load and store: only this CPU reads or writes its count (one
    // thread per CPU), and no other CPU's safety rests on it.
    let nesting = task.nesting.load(Ordering::Relaxed);
    task.nesting.store(nesting + 1, Ordering::Relaxed);
    // barrier(): "critical section after entry code".
    compiler_fence(Ordering::SeqCst);
}

/// `__rcu_read_unlock()`: out of line, as the kernel has it.
#[inline(never)]
fn __rcu_read_unlock(task: &RcuTask, grace: &Grace, cpu: usize) {
    // Relaxed load and store: as in `__rcu_read_lock`.
    let nesting = task.nesting.load(Ordering::Relaxed) - 1;
    task.nesting.store(nesting, Ordering::Relaxed);
    // barrier(): "critical section before exit code".
    compiler_fence(Ordering::SeqCst);
    // Relaxed: a request, which orders nothing (see the module docs).
    if nesting == 0 && task.special.load(Ordering::Relaxed) != 0 {
        rcu_read_unlock_special(task, grace, cpu);
    }
}

/// `rcu_read_unlock_special()`: a grace period asked this CPU for a
/// quiescent state; it has just left its outermost section, so report one.
#[cold]
#[inline(never)]
fn rcu_read_unlock_special(task: &RcuTask, grace: &Grace, cpu: usize) {
    // Relaxed: as in the unlock. Cleared before the report, so that a
    // request the writer makes meanwhile is either cleared here and served
    // by this report, or kept for the next unlock.
    task.special.store(0, Ordering::Relaxed);
    // The count is 0: every section of this CPU has ended, and the report's
    // Release store carries their loads to the writer (`grace.rs`).
    grace.quiescent(cpu);
}

impl<const RECHECK: bool> RcuPreempt<RECHECK> {
    /// `rcu_read_lock(); p = rcu_dereference(current)` on `probe`'s CPU.
    #[inline]
    fn rcu_read_lock(&self, probe: &ReaderProbe, recheck: bool) -> PreemptSection<'_> {
        let task = &*self.tasks[probe.cpu];
        __rcu_read_lock(task);
        PreemptSection {
            // This CPU reports no quiescent state until the count is back
            // at 0, which is this section's drop at the earliest (the
            // contract `Grace::dereference` asks).
            view: self.grace.dereference(probe.cpu, recheck, Self::NAME),
            task,
            grace: &self.grace,
            cpu: probe.cpu,
        }
    }

    /// The writer's request (the tick's `need_qs`): `cpu` holds a grace
    /// period back.
    fn ask(&self, cpu: usize) {
        let special = &self.tasks[cpu].special;
        // Relaxed: a request (see the module docs). Loaded first so that a
        // pending request does not dirty the CPU's line again.
        if special.load(Ordering::Relaxed) == 0 {
            special.store(NEED_QS, Ordering::Relaxed);
        }
    }
}

impl<const RECHECK: bool> ZonelistGuard for RcuPreempt<RECHECK> {
    const NAME: &'static str = if RECHECK {
        "rcu-preempt-recheck"
    } else {
        "rcu-preempt"
    };
    const MODELS: &'static str = if RECHECK {
        "kernel RCU with CONFIG_PREEMPT_RCU + a generation check before OOM and failing"
    } else {
        "kernel RCU with CONFIG_PREEMPT_RCU: per-task nesting count, rcu_read_unlock_special, kfree_rcu"
    };
    const LOOK: Option<Look> = if RECHECK {
        Some(Look::new(
            Family::KernelRcu,
            Hue::Orange,
            Marker::Square,
            Dash::Dot,
        ))
    } else {
        Some(Look::new(
            Family::KernelRcu,
            Hue::SkyBlue,
            Marker::Triangle,
            Dash::Short,
        ))
    };
    const PREVENTS_FALSE_OOM: bool = RECHECK;
    type Fast<'a> = PreemptSection<'a>;
    type Section<'a> = PreemptSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        RcuPreempt {
            grace: Grace::new(nodes, opts, build),
            tasks: (0..opts.cpus.max(1))
                .map(|_| CachePadded::new(RcuTask::default()))
                .collect(),
        }
    }

    #[inline]
    fn fast_view(&self, probe: &mut ReaderProbe) -> PreemptSection<'_> {
        self.rcu_read_lock(probe, false)
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> PreemptSection<'_> {
        self.rcu_read_lock(probe, RECHECK)
    }

    /// `rcu_flavor_sched_clock_irq()`: report with the count at 0; inside
    /// a section, ask this CPU's outermost unlock to report.
    #[inline]
    fn quiescent(&self, probe: &mut ReaderProbe) {
        let task = &*self.tasks[probe.cpu];
        // Relaxed: this CPU's own count, read in program order.
        if task.nesting.load(Ordering::Relaxed) == 0 {
            self.grace.quiescent(probe.cpu);
        } else if self.grace.waits_for(probe.cpu) {
            // Relaxed: a request, on this CPU's own line.
            task.special.store(NEED_QS, Ordering::Relaxed);
        }
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        self.grace.rebuild(writer, build, |cpu| self.ask(cpu));
    }
}

#[cfg(all(test, not(loom)))]
impl<const RECHECK: bool> super::grace::testing::KernelRcu for RcuPreempt<RECHECK> {
    fn grace(&self) -> &Grace {
        &self.grace
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::guard::grace::testing::{self, one_cpu_online, probe, rebuild};

    fn guard(cpus: usize) -> RcuPreempt<false> {
        testing::guard(cpus)
    }

    fn retired(g: &RcuPreempt<false>) -> Vec<*const Zonelists> {
        g.grace.retired()
    }

    fn special(g: &RcuPreempt<false>, cpu: usize) -> u32 {
        g.tasks[cpu].special.load(Ordering::Relaxed)
    }

    #[test]
    fn a_retired_copy_waits_for_every_cpu_that_could_hold_it_to_report() {
        let g = guard(2);
        let (mut p0, mut p1) = (probe(0), probe(1));
        g.quiescent(&mut p0);
        g.quiescent(&mut p1);
        let section = g.read_begin(&mut p1, false);
        let held = section.view.zonelists();
        rebuild(&g);
        // CPU 0 reports; CPU 1, inside its section, reports nothing at its
        // allocation's entry.
        g.quiescent(&mut p0);
        g.quiescent(&mut p1);
        rebuild(&g);
        assert_eq!(retired(&g).len(), 2);
        assert!(retired(&g).contains(&held));
        assert_eq!(section.zoneref(0, 0), ZoneRef::NULL, "still readable");
        drop(section);
        g.quiescent(&mut p0);
        g.quiescent(&mut p1);
        rebuild(&g);
        assert_eq!(
            retired(&g).len(),
            1,
            "only the copy this rebuild retired waits"
        );
        assert!(!retired(&g).contains(&held));
    }

    #[test]
    fn a_quiescent_state_inside_a_section_asks_its_outermost_unlock() {
        let (g, mut p) = one_cpu_online::<RcuPreempt<false>>();
        let outer = g.read_begin(&mut p, false);
        rebuild(&g);
        let inner = g.read_begin(&mut p, false);
        g.quiescent(&mut p);
        assert_eq!(g.grace.qs_seq(0), 1, "no report inside a section");
        assert_eq!(special(&g, 0), NEED_QS);
        // An inner unlock does not report.
        drop(inner);
        assert_eq!((g.grace.qs_seq(0), special(&g, 0)), (1, NEED_QS));
        drop(outer);
        assert_eq!((g.grace.qs_seq(0), special(&g, 0)), (2, 0));
        rebuild(&g);
        assert_eq!(retired(&g).len(), 1, "the first copy is freed");
    }

    #[test]
    fn the_writer_asks_a_cpu_that_stays_inside_sections_and_its_unlock_reports() {
        let (g, mut p) = one_cpu_online::<RcuPreempt<false>>();
        // Sections back to back, no allocation entry between them: only
        // the special word can get a report out of this CPU.
        let a = g.read_begin(&mut p, false);
        rebuild(&g);
        assert_eq!(special(&g, 0), 0, "a fresh grace period asks nobody");
        drop(a);
        let b = g.read_begin(&mut p, false);
        rebuild(&g);
        assert_eq!(retired(&g).len(), 2);
        assert_eq!(special(&g, 0), NEED_QS);
        // The outermost unlock takes the special path and reports.
        drop(b);
        assert_eq!(special(&g, 0), 0);
        let c = g.read_begin(&mut p, false);
        rebuild(&g);
        // Both earlier copies are freed; the one just retired waits.
        assert_eq!(retired(&g).len(), 1);
        drop(c);
    }
}
