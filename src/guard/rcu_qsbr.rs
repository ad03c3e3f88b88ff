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
//! allocation that may sleep passes through one in `might_alloc()`. Here,
//! as urcu-qsbr's `rcu_quiescent_state()` does it in spirit: load the
//! global grace-period number (`gp_seq`); if this CPU has already reported
//! it, return (the common case: one load of a line that changes once per
//! rebuild, one of the CPU's own line, a compare); else store it in the
//! CPU's own counter (`qs_seq`). A CPU whose counter is 0 has never read
//! (an idle CPU, in the kernel's terms, which RCU leaves alone); its first
//! quiescent state brings it online.
//!
//! Write protocol (`__build_all_zonelists` with `kfree_rcu()`): writers
//! serialised by a mutex; build the new zonelists aside; publish them with
//! one pointer exchange (`rcu_assign_pointer`); advance `gp_seq` to `g`
//! and queue the old copy with `g`, the grace period it waits for; then
//! free every queued copy whose grace period has ended: every CPU's
//! counter is at or past its number, or the CPU has never read. The writer
//! never waits for a reader, and sends no interrupt: a copy whose grace
//! period has not ended is freed by a later rebuild (or when the guard is
//! dropped). The `rcu_expedited` option ([`GuardOpts::rcu_expedited`]) adds
//! `synchronize_rcu_expedited()`'s cost, a `membarrier()` that interrupts
//! every reader CPU, to every rebuild; a QSBR reader has no fence for it to
//! replace, so it only prices the interrupts.
//!
//! Why no reader needs a fence (orderings, each also at its use):
//! * The exchange is Release and the reader's pointer load Acquire: a
//!   reader that loads the new copy sees its entries.
//! * `gp_seq` is advanced with a Release store after the exchange, and a
//!   quiescent state loads it with Acquire: a CPU that reports `g` has seen
//!   the exchange that began `g`'s grace period, so each of its later
//!   pointer loads returns that copy or a newer one, never the one retired
//!   with `g`.
//! * The report is a Release store, and the writer reads the counters with
//!   Acquire: every load the CPU made from an old copy before its quiescent
//!   state (in program order: sections never span one) happens before the
//!   writer's free.
//! * A CPU's first quiescent state (counter 0 to non-zero, once per CPU) is
//!   followed by a `SeqCst` fence, and the writer fences (`SeqCst`) after
//!   advancing `gp_seq` and before reading the counters: the store-buffer
//!   pair, so either the writer sees the CPU online (its counter below `g`:
//!   the copy waits) or the CPU's first pointer load returns the new copy.
//!   This is liburcu's `rcu_thread_online()` barrier, paid once.
//!
//! The contract this asks of the reader (as urcu-qsbr asks of a registered
//! thread): one thread per CPU at a time (as every per-CPU guard); no
//! quiescent state while a view or section of that CPU is alive; a
//! quiescent state before the CPU's first view or section (debug builds
//! assert it). The allocator keeps it: it announces one on entry, before
//! any section, and never allocates inside one.
//!
//! Simplifications, and why they do not change what is measured:
//! * The grace-period machinery (`rcu_state`, the `rcu_node` tree, the
//!   grace-period kthread, callbacks in softirq or rcuo kthreads) is a
//!   counter and a scan of the per-CPU counters by the next rebuild, on the
//!   writer's thread. The read side, the quiescent state's common case and
//!   the writer's publish are what is measured; the kernel spends the rest
//!   on other CPUs' time, which no reader here pays either.
//! * A quiescent state at every allocation, where the kernel's
//!   `cond_resched()` reports one only when RCU urgently needs it (its
//!   common case is a load and a compare too) and its context switches
//!   report one always. Ours stores once per rebuild per CPU.
//! * A CPU never goes offline again: one that stops allocating holds
//!   copies back until it allocates again or the guard is dropped (in a
//!   run, the rebuilds of one phase; the arm's writer runs when its readers
//!   do). Old copies live as long as the slowest reader's allocation, not
//!   the kernel's milliseconds; nobody waits for them but the free.
//! * Like `rcu`, a walk sees one complete but possibly old zonelist, and
//!   can fail on a snapshot that misses a zone onlined since (the recheck
//!   variant closes that).
//!
//! Model checking (`tests/loom.rs`): the same protocol under loom (no
//! system call), with freed copies poisoned (`grace.rs`) so that a copy
//! freed under a reader fails the model.

use super::grace::{membarrier, Reclaim};
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::sync::atomic::{fence, AtomicPtr, AtomicU64, Ordering};
use crate::primitive::Mutex;
use crossbeam_utils::CachePadded;

/// QSBR zonelists; `RECHECK` adds the generation check of `rcu-recheck`.
#[derive(Debug)]
pub struct RcuQsbr<const RECHECK: bool> {
    current: AtomicPtr<Zonelists>,
    /// `rcu_state.gp_seq`: the number of the latest grace period, advanced
    /// once per rebuild; starts at 1 (0 marks a CPU that never read).
    gp_seq: CachePadded<AtomicU64>,
    /// Per CPU, the `gp_seq` of its latest quiescent state (urcu-qsbr's
    /// per-reader `ctr`); 0: it has never read. Written by its CPU only.
    qs_seq: Box<[CachePadded<AtomicU64>]>,
    /// Bumped after every publish; read only by recheck sections.
    generation: CachePadded<AtomicU64>,
    /// `rcu_expedited`, and the system call is there.
    expedited: bool,
    /// The writers' lock, and what it guards.
    writer: Mutex<WriteSide>,
    nodes: usize,
}

/// The writer's state: replaced zonelists waiting for their grace period.
#[derive(Debug, Default)]
struct WriteSide {
    retired: Vec<Retired>,
    reclaim: Reclaim,
}

/// Zonelists replaced by a rebuild, not yet freed.
#[derive(Debug)]
struct Retired {
    zonelists: *mut Zonelists,
    /// The grace period it waits for: every CPU that reads must report a
    /// quiescent state with this `gp_seq` or a later one.
    gp: u64,
}

// SAFETY: a `Retired` is only touched under the writers' mutex, and its
// pointer is to a `Zonelists` (which is `Send`) that no one else frees.
unsafe impl Send for Retired {}

/// A view or section: the zonelists loaded, and (recheck sections) the
/// generation at begin. Nothing to do when it ends.
#[derive(Debug)]
#[must_use = "a view is read through"]
pub struct QsbrView<'a> {
    zonelists: &'a Zonelists,
    /// Recheck sections: the generation counter and its value at begin.
    recheck: Option<(&'a AtomicU64, u64)>,
}

impl ZonelistView for QsbrView<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.zonelists.zoneref(nid, idx)
    }
}

impl ReadSection for QsbrView<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        // Acquire: pairs with the writer's Release bump after publishing.
        self.recheck
            .is_some_and(|(g, start)| g.load(Ordering::Acquire) != start)
    }
}

impl<const RECHECK: bool> RcuQsbr<RECHECK> {
    /// `rcu_read_lock(); p = rcu_dereference(current)`: the load alone.
    #[inline]
    fn view(&self, probe: &ReaderProbe, recheck: bool) -> QsbrView<'_> {
        debug_assert!(
            self.online(probe.cpu),
            "{}: CPU {} reads before its first quiescent state (ZonelistGuard::quiescent)",
            Self::NAME,
            probe.cpu
        );
        // Acquire, and before the pointer load: a reader that sees a bumped
        // generation also loads what was published before it.
        let recheck = recheck.then(|| (&*self.generation, self.generation.load(Ordering::Acquire)));
        // Acquire: pairs with the writer's exchange, so the entries written
        // before publication are visible (`rcu_dereference`).
        let zonelists = self.current.load(Ordering::Acquire);
        QsbrView {
            // SAFETY: the pointer is never null (set in `new`, exchanged for
            // fresh boxes). This CPU is online and passes no quiescent state
            // while the view lives (the contract in the module docs), so the
            // copy is freed, if replaced, only after this CPU's next
            // quiescent state, which follows every use of the view; the
            // current copy is freed only by `Drop`, which cannot run while
            // the view borrows the guard.
            zonelists: unsafe { &*zonelists },
            recheck,
        }
    }

    /// Whether `cpu` has passed its first quiescent state.
    fn online(&self, cpu: usize) -> bool {
        // Relaxed: a diagnostic of this CPU's own counter.
        self.qs_seq[cpu].load(Ordering::Relaxed) != 0
    }

    /// The quiescent state's store: a new grace period began since this
    /// CPU's last report (`was`), or it has never read (`was == 0`).
    #[inline]
    fn report_qs(&self, mine: &AtomicU64, gp: u64, was: u64) {
        // Release: this CPU's loads of old copies, all before this point,
        // happen before a writer's Acquire load that sees `gp`, and so
        // before it frees the copies retired with `gp` or earlier.
        mine.store(gp, Ordering::Release);
        if was == 0 {
            // Coming online: the store above before this CPU's first
            // pointer load, against the writer's fence between its
            // exchange and its reading of the counters (store-buffer
            // pair). Once per CPU.
            fence(Ordering::SeqCst);
        }
    }

    /// Free the retired copies whose grace period has ended.
    fn reclaim(&self, w: &mut WriteSide) {
        // The oldest quiescent state among CPUs that read: every copy
        // retired with a number at or below it has been passed by all.
        let done = self
            .qs_seq
            .iter()
            // Acquire: pairs with the CPUs' Release reports (see report_qs).
            .map(|c| c.load(Ordering::Acquire))
            .filter(|&seq| seq != 0)
            .min()
            .unwrap_or(u64::MAX);
        let WriteSide { retired, reclaim } = w;
        retired.retain(|r| {
            if r.gp > done {
                return true;
            }
            // SAFETY: `r.zonelists` came from `Box::into_raw` (in `new` or an
            // earlier rebuild), was unreachable from `current` before `r.gp`
            // was published, and every CPU that reads has reported `r.gp` or
            // later (so made its last load of it before) or was offline at
            // the fence after `r.gp` (so loads only newer copies); it is
            // retired once, and only the writer (holding the lock) frees it.
            unsafe { reclaim.free(r.zonelists) };
            false
        });
    }
}

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
    const PREVENTS_FALSE_OOM: bool = RECHECK;
    type Fast<'a> = QsbrView<'a>;
    type Section<'a> = QsbrView<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Box::new(Zonelists::built(nodes, build));
        RcuQsbr {
            current: AtomicPtr::new(Box::into_raw(zonelists)),
            gp_seq: CachePadded::new(AtomicU64::new(1)),
            qs_seq: (0..opts.cpus.max(1))
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
            generation: CachePadded::new(AtomicU64::new(0)),
            expedited: opts.rcu_expedited && membarrier::register(),
            writer: Mutex::new(WriteSide::default()),
            nodes,
        }
    }

    #[inline]
    fn fast_view(&self, probe: &mut ReaderProbe) -> QsbrView<'_> {
        self.view(probe, false)
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> QsbrView<'_> {
        self.view(probe, RECHECK)
    }

    #[inline]
    fn quiescent(&self, probe: &mut ReaderProbe) {
        let mine = &*self.qs_seq[probe.cpu];
        // Acquire: pairs with the writer's Release store of `gp_seq`, so
        // this CPU's later pointer loads return the copy published before
        // it, or a newer one (see the module docs).
        let gp = self.gp_seq.load(Ordering::Acquire);
        // Relaxed: only this CPU writes its counter (one thread per CPU).
        let was = mine.load(Ordering::Relaxed);
        if gp != was {
            self.report_qs(mine, gp, was);
        }
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let mut w = self.writer.lock();
        writer.locked();
        let fresh = Box::into_raw(Box::new(Zonelists::built(self.nodes, build)));
        writer.publishing();
        // AcqRel: Release publishes the fresh entries to readers' Acquire
        // loads; Acquire orders the free of `old` after its publication.
        let old = self.current.swap(fresh, Ordering::AcqRel);
        // Release: publishes the exchange to a recheck section whose
        // Acquire load of the generation sees this bump.
        self.generation.fetch_add(1, Ordering::Release);
        // Relaxed load: only writers (holding the lock) store `gp_seq`.
        let gp = self.gp_seq.load(Ordering::Relaxed) + 1;
        // Release: after the exchange, for a quiescent state's Acquire load
        // (a CPU that reports `gp` no longer loads `old`).
        self.gp_seq.store(gp, Ordering::Release);
        // The writer's half of the store-buffer pair with a CPU coming
        // online (see report_qs): the exchange before reading the counters.
        fence(Ordering::SeqCst);
        if self.expedited {
            // synchronize_rcu_expedited()'s interrupts on every reader CPU;
            // the fence above already gives the ordering QSBR needs.
            membarrier::expedited();
        }
        w.retired.push(Retired { zonelists: old, gp });
        self.reclaim(&mut w);
    }
}

impl<const RECHECK: bool> Drop for RcuQsbr<RECHECK> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` orders us after every view and writer.
        let cur = self.current.load(Ordering::Relaxed);
        let retired = std::mem::take(&mut self.writer.lock().retired);
        for r in retired.into_iter().map(|r| r.zonelists).chain([cur]) {
            // SAFETY: every pointer came from `Box::into_raw`, is freed once
            // (retired ones are not current), and with `&mut self` no view or
            // rebuild can be using it.
            drop(unsafe { Box::from_raw(r) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn guard(cpus: usize) -> RcuQsbr<false> {
        let opts = GuardOpts {
            cpus,
            ..GuardOpts::default()
        };
        RcuQsbr::new(1, &opts, &|_| {})
    }

    fn rebuild(g: &RcuQsbr<false>) {
        let irqs = AtomicBool::new(false);
        g.rebuild(&WriterCtx::new(&irqs), &|_| {});
    }

    fn retired(g: &RcuQsbr<false>) -> usize {
        g.writer.lock().retired.len()
    }

    fn probe(cpu: usize) -> ReaderProbe {
        ReaderProbe {
            cpu,
            ..ReaderProbe::default()
        }
    }

    #[test]
    fn a_cpu_that_never_read_holds_nothing_back() {
        let g = guard(2);
        rebuild(&g);
        rebuild(&g);
        assert_eq!(retired(&g), 0);
    }

    #[test]
    fn a_retired_copy_waits_for_every_reading_cpu_to_pass_a_quiescent_state() {
        let g = guard(2);
        let (mut p0, mut p1) = (probe(0), probe(1));
        g.quiescent(&mut p0);
        g.quiescent(&mut p1);
        let view = g.fast_view(&mut p0);
        let held: *const Zonelists = view.zonelists;
        rebuild(&g);
        // CPU 1 passes a quiescent state: CPU 0, still reading, holds the
        // copy back.
        g.quiescent(&mut p1);
        rebuild(&g);
        assert_eq!(retired(&g), 2);
        assert!(g
            .writer
            .lock()
            .retired
            .iter()
            .any(|r| std::ptr::eq(r.zonelists, held)));
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
        let g = guard(1);
        let mut p = probe(0);
        g.quiescent(&mut p);
        let before = g.qs_seq[0].load(Ordering::Relaxed);
        g.quiescent(&mut p);
        assert_eq!(g.qs_seq[0].load(Ordering::Relaxed), before);
        rebuild(&g);
        g.quiescent(&mut p);
        assert_eq!(g.qs_seq[0].load(Ordering::Relaxed), before + 1);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "before its first quiescent state")]
    fn reading_before_the_first_quiescent_state_is_caught() {
        let g = guard(1);
        let _ = g.fast_view(&mut probe(0));
    }
}
