//! `rcu-preempt`: RCU as a kernel with CONFIG_PREEMPT_RCU has it (the
//! PREEMPT and PREEMPT_RT models, and PREEMPT_DYNAMIC kernels, which build
//! it in): a read-side section may be preempted, so it must leave a trace
//! the grace-period machinery can see, a per-task nesting count.
//!
//! Read protocol: `rcu_read_lock()` is `__rcu_read_lock()`
//! (`kernel/rcu/tree_plugin.h`): `rcu_preempt_read_enter()` increments
//! `current->rcu_read_lock_nesting` (a load and a store, no atomic
//! read-modify-write: only the task writes it), then a compiler barrier.
//! Here the count is per CPU (the model runs one reader task per CPU);
//! then the pointer load (`rcu_dereference()`, Acquire). `rcu_read_unlock()`
//! is `__rcu_read_unlock()`: `rcu_preempt_read_exit()` decrements the count
//! and, at the outermost unlock, loads `current->rcu_read_unlock_special`;
//! if anything is set, `rcu_read_unlock_special()` runs out of line (here
//! `#[cold]`, `#[inline(never)]`): it clears the request and reports a
//! quiescent state. `need_retry` is false (`rcu-preempt-recheck` adds the
//! generation check of `rcu-recheck`).
//!
//! Write protocol (`__build_all_zonelists` with `kfree_rcu()`): writers
//! serialised by a mutex; build the new zonelists aside; publish them with
//! one pointer exchange (`rcu_assign_pointer`); a `SeqCst` fence; then the
//! old copy's grace period begins: a snapshot of every CPU's nesting word,
//! keeping those inside a section. It ends when each of those CPUs has left
//! that section: its count was seen at zero since, or it reported a
//! quiescent state. A later rebuild that finds a CPU still holding a grace
//! period back sets its `rcu_read_unlock_special` (the request the kernel's
//! scheduler tick makes, `need_qs`), so that its next outermost unlock
//! reports one even if the CPU is inside another section every time the
//! writer looks. The copy is freed by the first rebuild that sees its grace
//! period ended (or when the guard is dropped). The writer never waits for
//! a reader, and sends no interrupt by default; the
//! `rcu_expedited` option ([`GuardOpts::rcu_expedited`]) adds `synchronize_rcu_expedited()`'s: a
//! `membarrier()` that interrupts every reader CPU.
//!
//! The nesting word: the count in its low 32 bits, and above them the
//! number of quiescent states the CPU reported from
//! `rcu_read_unlock_special()` (the kernel reports through the `rcu_data`
//! and `rcu_node` structures; here they share the word so that the writer
//! reads both in one load). Only its CPU writes it.
//!
//! Orderings (each also at its use):
//! * Every store to the nesting word is Release and the writer reads it
//!   with Acquire: whatever value the writer sees, everything the CPU did
//!   before that store, its loads from old copies included, happens before
//!   the writer's free (a later Relaxed store would not carry an earlier
//!   Release to the writer). On x86 a Release store is a plain store.
//! * The section's fence: the increment must be visible to a writer that
//!   exchanged the pointer before this section loaded it; that is the
//!   store-buffer pattern (reader: store count, load pointer; writer: store
//!   pointer, load count), which needs a full fence on each side. Without
//!   `rcu_expedited` the reader pays a `SeqCst` fence after the increment
//!   (a locked instruction on x86, a few nanoseconds per section): the
//!   honest userspace price. The kernel pays none, because no writer reads
//!   another CPU's count: each CPU reports its own quiescent states from
//!   the tick and the context switch, which order it fully, and an
//!   expedited grace period interrupts the CPUs. With `rcu_expedited` the
//!   writer's `membarrier()` is that interrupt, after its own fence: it
//!   runs a full barrier on every CPU running a reader, so the reader needs
//!   only a compiler fence to keep the store before the load (liburcu's
//!   "memb" flavour; where the system call is missing, readers keep the
//!   fence).
//! * `rcu_read_unlock_special` is a request and nothing else (Relaxed both
//!   ways): correctness rests on the nesting word alone; a lost or late
//!   request only delays a free to a later rebuild, which asks again.
//!
//! Why a grace period that ends is over: the writer's two values of the
//! word are in the word's modification order (read-read coherence), and
//! the CPU's stores after the snapshot begin with the section's own
//! decrements, its count staying above zero until the outermost one, and a
//! report is only ever made after an outermost unlock. So a later value
//! with the count at zero, or with more reports, comes after that section
//! ended.
//!
//! Simplifications, and why they do not change what is measured:
//! * The count is per CPU, not per task, and nothing is preempted inside a
//!   section: the blocked-tasks lists, priority boosting and the deferred
//!   quiescent states of `rcu_read_unlock_special()` are left out. The
//!   read side costs what the kernel's does when no special case is set,
//!   which is what a reader pays per section.
//! * The grace-period machinery is a snapshot and a check by the next
//!   rebuild on the writer's thread, not the grace-period kthread and the
//!   tick on every CPU; requests go out from the writer at the next
//!   rebuild, where the tick sets `need_qs` once a grace period is old.
//!   The writer sets the request remotely (one miss for that reader at its
//!   next section), where the tick sets it on the reader's own CPU. Nobody
//!   waits for a grace period but the free, so none of this is on a timed
//!   path but the writer's publish.
//! * Like `rcu`, a walk sees one complete but possibly old zonelist, and
//!   can fail on a snapshot that misses a zone onlined since (the recheck
//!   variant closes that).
//!
//! Model checking (`tests/loom.rs`): the same protocol under loom (no
//! system call: readers fence), with freed copies poisoned (`grace.rs`) so
//! that a copy freed under a reader fails the model.

use super::grace::{membarrier, Reclaim};
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::sync::atomic::{fence, AtomicPtr, AtomicU32, AtomicU64, Ordering};
use crate::primitive::Mutex;
use crossbeam_utils::CachePadded;

/// The nesting count's bits in the nesting word.
const NESTING: u64 = u32::MAX as u64;
/// One quiescent-state report, above the count.
const ONE_REPORT: u64 = 1 << 32;
/// `RCU_READ_UNLOCK_NEED_QS`: a grace period waits for this CPU.
const NEED_QS: u32 = 1;

/// PREEMPT_RCU zonelists; `RECHECK` adds the generation check of
/// `rcu-recheck`.
#[derive(Debug)]
pub struct RcuPreempt<const RECHECK: bool> {
    current: AtomicPtr<Zonelists>,
    /// One per CPU: the read-side state of the task running there.
    tasks: Box<[CachePadded<RcuTask>]>,
    /// Bumped after every publish; read only by recheck sections.
    generation: CachePadded<AtomicU64>,
    /// `rcu_expedited`, and the system call is there: the writer
    /// interrupts the readers, and readers need no fence of their own.
    expedited: bool,
    /// The writers' lock, and what it guards.
    writer: Mutex<WriteSide>,
    nodes: usize,
}

/// A CPU's read-side state: the fields of `task_struct` the kernel uses,
/// side by side as there (one line, written by its CPU, read by writers).
#[derive(Debug, Default)]
struct RcuTask {
    /// `rcu_read_lock_nesting` in the low 32 bits; above, the quiescent
    /// states reported by `rcu_read_unlock_special()`.
    nesting: AtomicU64,
    /// `rcu_read_unlock_special.s`: `NEED_QS` while a grace period asks
    /// this CPU for a report.
    special: AtomicU32,
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
    /// `(CPU, nesting word)` for every CPU inside a section when the grace
    /// period began.
    inside: Vec<(usize, u64)>,
}

// SAFETY: a `Retired` is only touched under the writers' mutex, and its
// pointer is to a `Zonelists` (which is `Send`) that no one else frees.
unsafe impl Send for Retired {}

/// A read-side section: the CPU's task state, the zonelists it loaded and
/// (recheck sections) the generation at begin. Dropping it is
/// `rcu_read_unlock()`; it borrows the guard, so it cannot outlive it.
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct PreemptSection<'a> {
    task: &'a RcuTask,
    zonelists: &'a Zonelists,
    recheck: Option<(&'a AtomicU64, u64)>,
}

impl ZonelistView for PreemptSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.zonelists.zoneref(nid, idx)
    }
}

impl ReadSection for PreemptSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        // Acquire: pairs with the writer's Release bump after publishing.
        self.recheck
            .is_some_and(|(g, start)| g.load(Ordering::Acquire) != start)
    }
}

impl Drop for PreemptSection<'_> {
    #[inline]
    fn drop(&mut self) {
        rcu_read_unlock(self.task);
    }
}

/// `__rcu_read_unlock()`.
#[inline]
fn rcu_read_unlock(task: &RcuTask) {
    // Relaxed load: only this CPU writes its word (one thread per CPU).
    let word = task.nesting.load(Ordering::Relaxed) - 1;
    // Release: every load of the section happens before a writer's Acquire
    // load of this value or a later one (see the module docs).
    task.nesting.store(word, Ordering::Release);
    // Relaxed: a request, which orders nothing (see the module docs).
    if word & NESTING == 0 && task.special.load(Ordering::Relaxed) != 0 {
        rcu_read_unlock_special(task);
    }
}

/// `rcu_read_unlock_special()`: a grace period asked this CPU for a
/// quiescent state; it has just left its outermost section, so report one.
#[cold]
#[inline(never)]
fn rcu_read_unlock_special(task: &RcuTask) {
    // Relaxed: as in rcu_read_unlock.
    task.special.store(0, Ordering::Relaxed);
    // Relaxed load: only this CPU writes its word.
    let word = task.nesting.load(Ordering::Relaxed);
    // Release: as the decrement (every store to the word is).
    task.nesting
        .store(word.wrapping_add(ONE_REPORT), Ordering::Release);
}

impl<const RECHECK: bool> RcuPreempt<RECHECK> {
    /// `rcu_read_lock(); p = rcu_dereference(current)` on `probe`'s CPU.
    #[inline]
    fn rcu_read_lock(&self, probe: &ReaderProbe, recheck: bool) -> PreemptSection<'_> {
        let task = &*self.tasks[probe.cpu];
        // Relaxed load: only this CPU writes its word (one thread per CPU).
        let word = task.nesting.load(Ordering::Relaxed);
        // Release: see the module docs (whatever store of the word a writer
        // reads carries this CPU's earlier loads with it); ordered before
        // the pointer load by the barrier below.
        task.nesting.store(word + 1, Ordering::Release);
        self.reader_barrier();
        // Acquire, and before the pointer load: a reader that sees a bumped
        // generation also loads what was published before it.
        let recheck = recheck.then(|| (&*self.generation, self.generation.load(Ordering::Acquire)));
        // Acquire: pairs with the writer's exchange, so the entries written
        // before publication are visible (`rcu_dereference`).
        let zonelists = self.current.load(Ordering::Acquire);
        PreemptSection {
            task,
            // SAFETY: the pointer is never null (set in `new`, exchanged for
            // fresh boxes). It was loaded after this CPU's count went up and
            // the barrier ordered the two, so a writer that replaced it
            // before the load saw the count (see the module docs), and a
            // copy replaced later is retired with this CPU inside; either
            // way it is freed only once this section's outermost unlock (in
            // `drop`) is seen. The current copy is freed only by `Drop`,
            // which cannot run while the section borrows the guard.
            zonelists: unsafe { &*zonelists },
            recheck,
        }
    }

    /// The reader's half of the store-buffer pair: the count before the
    /// pointer load.
    #[inline]
    fn reader_barrier(&self) {
        if self.expedited {
            // The writer's membarrier orders this CPU; only the compiler
            // must keep the two in program order.
            std::sync::atomic::compiler_fence(Ordering::SeqCst);
        } else {
            fence(Ordering::SeqCst);
        }
    }

    /// The CPUs inside a section as the grace period begins (after the
    /// exchange and the barrier), with their words.
    fn snapshot(&self) -> Vec<(usize, u64)> {
        self.tasks
            .iter()
            .enumerate()
            // Acquire: see the module docs (every store to the word is
            // Release).
            .map(|(cpu, t)| (cpu, t.nesting.load(Ordering::Acquire)))
            .filter(|(_, word)| word & NESTING != 0)
            .collect()
    }

    /// Whether the grace period that found CPUs `inside` has ended; asks
    /// each CPU still holding it back for a quiescent state.
    fn ended(&self, inside: &[(usize, u64)]) -> bool {
        let mut ended = true;
        for &(cpu, then) in inside {
            let task = &self.tasks[cpu];
            // Acquire: as in `snapshot`.
            let now = task.nesting.load(Ordering::Acquire);
            let left = now & NESTING == 0 || now >> 32 != then >> 32;
            if !left {
                ended = false;
                // Relaxed: a request (see rcu_read_unlock). Loaded first so
                // that a pending request does not dirty the CPU's line again.
                if task.special.load(Ordering::Relaxed) == 0 {
                    task.special.store(NEED_QS, Ordering::Relaxed);
                }
            }
        }
        ended
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
    const PREVENTS_FALSE_OOM: bool = RECHECK;
    type Fast<'a> = PreemptSection<'a>;
    type Section<'a> = PreemptSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Box::new(Zonelists::built(nodes, build));
        RcuPreempt {
            current: AtomicPtr::new(Box::into_raw(zonelists)),
            tasks: (0..opts.cpus.max(1))
                .map(|_| CachePadded::new(RcuTask::default()))
                .collect(),
            generation: CachePadded::new(AtomicU64::new(0)),
            expedited: opts.rcu_expedited && membarrier::register(),
            writer: Mutex::new(WriteSide::default()),
            nodes,
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
        // The writer's half of the store-buffer pair: the exchange before
        // the snapshot's loads of the counts.
        fence(Ordering::SeqCst);
        if self.expedited {
            // synchronize_rcu_expedited()'s interrupts: a full barrier on
            // every CPU running a reader, which stands in for the readers'
            // own fences.
            membarrier::expedited();
        }
        let inside = self.snapshot();
        // Earlier copies first: a CPU still holding one back is asked for a
        // quiescent state; this copy's grace period is checked from the
        // next rebuild on, as the kernel asks only once a grace period has
        // gone on for a while.
        let WriteSide { retired, reclaim } = &mut *w;
        let mut free = |zonelists| {
            // SAFETY: `zonelists` came from `Box::into_raw` (in `new` or an
            // earlier rebuild) and was unreachable from `current` before its
            // grace period began; every section that could have loaded it
            // has ended (see the module docs); it is retired once, and only
            // the writer (holding the lock) frees it.
            unsafe { reclaim.free(zonelists) }
        };
        retired.retain(|r| {
            let ended = self.ended(&r.inside);
            if ended {
                free(r.zonelists);
            }
            !ended
        });
        if inside.is_empty() {
            free(old);
        } else {
            retired.push(Retired {
                zonelists: old,
                inside,
            });
        }
    }
}

impl<const RECHECK: bool> Drop for RcuPreempt<RECHECK> {
    fn drop(&mut self) {
        // Relaxed: `&mut self` orders us after every section and writer.
        let cur = self.current.load(Ordering::Relaxed);
        let retired = std::mem::take(&mut self.writer.lock().retired);
        for r in retired.into_iter().map(|r| r.zonelists).chain([cur]) {
            // SAFETY: every pointer came from `Box::into_raw`, is freed once
            // (retired ones are not current), and with `&mut self` no section
            // or rebuild can be using it.
            drop(unsafe { Box::from_raw(r) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    fn guard(cpus: usize) -> RcuPreempt<false> {
        let opts = GuardOpts {
            cpus,
            ..GuardOpts::default()
        };
        RcuPreempt::new(1, &opts, &|_| {})
    }

    fn rebuild(g: &RcuPreempt<false>) {
        let irqs = AtomicBool::new(false);
        g.rebuild(&WriterCtx::new(&irqs), &|_| {});
    }

    fn retired(g: &RcuPreempt<false>) -> Vec<*const Zonelists> {
        let w = g.writer.lock();
        w.retired.iter().map(|r| r.zonelists as *const _).collect()
    }

    fn probe(cpu: usize) -> ReaderProbe {
        ReaderProbe {
            cpu,
            ..ReaderProbe::default()
        }
    }

    #[test]
    fn with_no_section_in_flight_the_old_copy_is_freed_at_once() {
        let g = guard(2);
        drop(g.read_begin(&mut probe(0), false));
        rebuild(&g);
        rebuild(&g);
        assert!(retired(&g).is_empty());
    }

    #[test]
    fn a_section_in_flight_holds_its_copy_until_it_ends() {
        let g = guard(2);
        let section = g.read_begin(&mut probe(1), false);
        let held: *const Zonelists = section.zonelists;
        rebuild(&g);
        rebuild(&g);
        // The second rebuild saw CPU 1 inside too: both copies wait.
        assert_eq!(retired(&g).len(), 2);
        assert!(retired(&g).contains(&held));
        assert_eq!(section.zoneref(0, 0), ZoneRef::NULL, "still readable");
        drop(section);
        rebuild(&g);
        assert!(retired(&g).is_empty());
    }

    #[test]
    fn an_inner_unlock_does_not_end_the_section() {
        let g = guard(1);
        let outer = g.read_begin(&mut probe(0), false);
        drop(g.read_begin(&mut probe(0), false));
        rebuild(&g);
        rebuild(&g);
        assert_eq!(retired(&g).len(), 2);
        drop(outer);
        rebuild(&g);
        assert!(retired(&g).is_empty());
    }

    #[test]
    fn a_cpu_always_inside_is_asked_for_a_quiescent_state_and_reports_one() {
        let g = guard(1);
        let mut p = probe(0);
        let a = g.read_begin(&mut p, false);
        rebuild(&g);
        // Leave and enter again: the writer finds the CPU inside every time.
        drop(a);
        let b = g.read_begin(&mut p, false);
        rebuild(&g);
        assert_eq!(retired(&g).len(), 2);
        assert_eq!(g.tasks[0].special.load(Ordering::Relaxed), NEED_QS);
        // The outermost unlock takes the special path and reports.
        drop(b);
        assert_eq!(g.tasks[0].special.load(Ordering::Relaxed), 0);
        let c = g.read_begin(&mut p, false);
        rebuild(&g);
        // Both earlier copies are freed; the one just retired waits for c.
        assert_eq!(retired(&g).len(), 1);
        drop(c);
    }
}
