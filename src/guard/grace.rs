//! What the kernel-RCU guards (`rcu-qsbr`, `rcu-preempt` and their recheck
//! variants) share: the published zonelists and `rcu_dereference()`, the
//! grace-period counters (the global `gp_seq`, each CPU's latest
//! quiescent state), the writer's publish and `kfree_rcu()`, the optional
//! expedited barrier of a rebuild
//! ([`GuardOpts::rcu_expedited`](super::GuardOpts::rcu_expedited)), and
//! freeing a copy of the zonelists whose grace period has ended. The two
//! flavours differ only in their read side and in when a CPU may report a
//! quiescent state: `rcu-qsbr` whenever the allocator says so (its reader
//! promises to hold nothing then), `rcu-preempt` only when its nesting
//! count is zero, from the allocation's entry (the tick) or from the
//! outermost `rcu_read_unlock()` when the writer asked for one.
//!
//! The counters, as urcu-qsbr's `rcu_quiescent_state()` does it in spirit
//! and the kernel's `rcu_qs()`/`rcu_report_qs_rdp()` in effect: a quiescent
//! state loads the global grace-period number (`gp_seq`); if this CPU has
//! already reported it, return (the common case: one load of a line that
//! changes once per rebuild, one of the CPU's own line, a compare); else
//! store it in the CPU's own counter (`qs_seq`). A CPU whose counter is 0
//! has never read (an idle CPU, in the kernel's terms, which RCU leaves
//! alone); its first quiescent state brings it online.
//!
//! The writer (`__build_all_zonelists` with `kfree_rcu()`), serialised by
//! a mutex: build the new zonelists aside; publish them with one pointer
//! exchange (`rcu_assign_pointer`); advance `gp_seq` to `g` and queue the
//! old copy with `g`, the grace period it waits for; then free every queued
//! copy whose grace period has ended: every CPU's counter is at or past its
//! number, or the CPU has never read. The writer never waits for a reader
//! and sends no interrupt: a copy whose grace period has not ended is freed
//! by a later rebuild (or when the guard is dropped). A CPU that has not
//! reported a grace period one rebuild old is named to the guard, which
//! may ask it for a quiescent state (`rcu-preempt` sets its
//! `rcu_read_unlock_special`, as the kernel's tick does once a grace period
//! is old; `rcu-qsbr` reports at every allocation and asks nothing).
//!
//! The `rcu_expedited` option adds `synchronize_rcu_expedited()`'s cost to
//! every rebuild: a `membarrier()` that interrupts every CPU running a
//! reader. It buys nothing here, for either flavour: the ordering comes
//! from the counters below, and the interrupt reports no quiescent state
//! (the kernel's IPI handler would report one for a CPU outside a section;
//! ours cannot run code on a reader). It is the price of the expedited
//! primitive, for runs that want to see it.
//!
//! Why no reader needs a fence (orderings, each also at its use):
//! * The exchange is Release and the reader's pointer load Acquire: a
//!   reader that loads the new copy sees its entries.
//! * `gp_seq` is advanced with a Release store after the exchange, and a
//!   quiescent state loads it with Acquire: a CPU that reports `g` has seen
//!   the exchange that began `g`'s grace period, so each of its later
//!   pointer loads returns that copy or a newer one (coherence), never the
//!   one retired with `g`.
//! * The report is a Release store, and the writer reads the counters with
//!   Acquire: every load the CPU made from an old copy before its quiescent
//!   state (in program order: a report is made only where the CPU holds no
//!   section, so every section before it has ended) happens before the
//!   writer's free.
//! * A CPU's first quiescent state (counter 0 to non-zero, once per CPU) is
//!   followed by a `SeqCst` fence, and the writer fences (`SeqCst`) after
//!   advancing `gp_seq` and before reading the counters: the store-buffer
//!   pair, so either the writer sees the CPU online (its counter below `g`:
//!   the copy waits) or the CPU's first pointer load returns the new copy.
//!   This is liburcu's `rcu_thread_online()` barrier, paid once.
//!
//! So the writer never reads what a reader does per section (not even
//! `rcu-preempt`'s nesting count), and a section stores nothing the writer
//! must see in time: no store-buffer pair per section, no fence per
//! section. What a section costs is its flavour's business.
//!
//! Simplifications, and why they do not change what is measured:
//! * The grace-period machinery (`rcu_state`, the `rcu_node` tree, the
//!   grace-period kthread, callbacks in softirq or rcuo kthreads) is a
//!   counter and a scan of the per-CPU counters by the next rebuild, on the
//!   writer's thread. The read side, the quiescent state's common case and
//!   the writer's publish are what is measured; the kernel spends the rest
//!   on other CPUs' time, which no reader here pays either.
//! * A CPU never goes offline again: one that stops allocating holds
//!   copies back until it allocates again or the guard is dropped (in a
//!   run, the rebuilds of one phase; the arm's writer runs when its readers
//!   do). Old copies live as long as the slowest reader's allocation, not
//!   the kernel's milliseconds; nobody waits for them but the free.
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` there is no system
//! call (the barrier is never registered), and a copy whose grace period
//! ended is not freed but poisoned (every entry set to the terminator) and
//! kept until the guard is dropped. A reader that could still hold it then
//! walks an empty or cut list, which the model reports, where a real free
//! would be a use after free that loom cannot see.

use crate::guard::{GuardOpts, ReadSection, WriterCtx};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::primitive::sync::atomic::{fence, AtomicPtr, AtomicU64, Ordering};
use crate::primitive::Mutex;
use crossbeam_utils::CachePadded;

/// A kernel-RCU guard's published zonelists, grace-period counters and
/// writer.
#[derive(Debug)]
pub(super) struct Grace {
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

/// The zonelists a view or section loaded, and (recheck sections) the
/// generation at begin.
#[derive(Debug)]
#[must_use = "a view is read through"]
pub struct RcuView<'a> {
    zonelists: &'a Zonelists,
    /// Recheck sections: the generation counter and its value at begin.
    recheck: Option<(&'a AtomicU64, u64)>,
}

impl RcuView<'_> {
    /// The copy this view reads (tests: which copy a retired one is).
    #[cfg(test)]
    pub(super) fn zonelists(&self) -> *const Zonelists {
        self.zonelists
    }
}

impl ZonelistView for RcuView<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.zonelists.zoneref(nid, idx)
    }
}

impl ReadSection for RcuView<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        // Acquire: pairs with the writer's Release bump after publishing.
        self.recheck
            .is_some_and(|(g, start)| g.load(Ordering::Acquire) != start)
    }
}

impl Grace {
    pub(super) fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Box::new(Zonelists::built(nodes, build));
        Grace {
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

    /// `p = rcu_dereference(current)` on `cpu`, which holds a reference
    /// from now until the caller lets it report a quiescent state again;
    /// `recheck` also reads the generation. `name`: the guard's, for the
    /// debug check that the CPU is online.
    #[inline]
    pub(super) fn dereference(&self, cpu: usize, recheck: bool, name: &str) -> RcuView<'_> {
        debug_assert!(
            self.online(cpu),
            "{name}: CPU {cpu} reads before its first quiescent state (ZonelistGuard::quiescent)"
        );
        // Acquire, and before the pointer load: a reader that sees a bumped
        // generation also loads what was published before it.
        let recheck = recheck.then(|| (&*self.generation, self.generation.load(Ordering::Acquire)));
        // Acquire: pairs with the writer's exchange, so the entries written
        // before publication are visible (`rcu_dereference`).
        let zonelists = self.current.load(Ordering::Acquire);
        RcuView {
            // SAFETY: the pointer is never null (set in `new`, exchanged for
            // fresh boxes). This CPU is online, and its guard reports no
            // quiescent state of it while the view lives (`rcu-qsbr`: the
            // reader's contract; `rcu-preempt`: none while its nesting count
            // is above zero, and the view is a section), so the copy is
            // freed, if replaced, only after this CPU's next quiescent state,
            // which follows every use of the view (see the module docs); the
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

    /// A quiescent state of `cpu` (`rcu_qs()`): it holds no reference to
    /// any copy. The caller makes sure of that (see [`Grace::dereference`]).
    #[inline]
    pub(super) fn quiescent(&self, cpu: usize) {
        let mine = &*self.qs_seq[cpu];
        // Acquire: pairs with the writer's Release store of `gp_seq`, so
        // this CPU's later pointer loads return the copy published before
        // it, or a newer one (see the module docs).
        let gp = self.gp_seq.load(Ordering::Acquire);
        // Relaxed: only this CPU writes its counter (one thread per CPU).
        let was = mine.load(Ordering::Relaxed);
        if gp != was {
            Self::report(mine, gp, was);
        }
    }

    /// Whether a grace period waits for `cpu`: it has not reported the
    /// latest one. A hint for asking (the tick's test), not for freeing.
    #[inline]
    pub(super) fn waits_for(&self, cpu: usize) -> bool {
        // Relaxed, both: nothing is read or freed on the strength of the
        // answer; a stale one only asks for a report too early or late.
        self.gp_seq.load(Ordering::Relaxed) != self.qs_seq[cpu].load(Ordering::Relaxed)
    }

    /// The quiescent state's store: a new grace period began since this
    /// CPU's last report (`was`), or it has never read (`was == 0`).
    #[inline]
    fn report(mine: &AtomicU64, gp: u64, was: u64) {
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

    /// `__build_all_zonelists` and `kfree_rcu()`: publish a fresh copy
    /// built by `build`, retire the old one, free those whose grace period
    /// ended; `ask(cpu)` for every CPU that has not reported a grace period
    /// one rebuild old (it holds a copy back).
    pub(super) fn rebuild(
        &self,
        writer: &WriterCtx<'_>,
        build: &dyn Fn(&Zonelists),
        ask: impl FnMut(usize),
    ) {
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
        // online (see report): the exchange before reading the counters.
        fence(Ordering::SeqCst);
        if self.expedited {
            // synchronize_rcu_expedited()'s interrupts on every reader CPU:
            // their cost only (see the module docs).
            membarrier::expedited();
        }
        w.retired.push(Retired { zonelists: old, gp });
        self.reclaim(&mut w, gp, ask);
    }

    /// Free the retired copies whose grace period has ended; `ask` the CPUs
    /// that have not reported `gp - 1` (the previous rebuild's).
    fn reclaim(&self, w: &mut WriteSide, gp: u64, mut ask: impl FnMut(usize)) {
        // The oldest quiescent state among CPUs that read: every copy
        // retired with a number at or below it has been passed by all.
        let mut done = u64::MAX;
        for (cpu, c) in self.qs_seq.iter().enumerate() {
            // Acquire: pairs with the CPUs' Release reports (see report).
            let seq = c.load(Ordering::Acquire);
            if seq == 0 {
                continue;
            }
            done = done.min(seq);
            if seq < gp - 1 {
                ask(cpu);
            }
        }
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

    /// Tests: the retired copies, oldest first.
    #[cfg(test)]
    pub(super) fn retired(&self) -> Vec<*const Zonelists> {
        let w = self.writer.lock();
        w.retired.iter().map(|r| r.zonelists as *const _).collect()
    }

    /// Tests: `cpu`'s counter.
    #[cfg(test)]
    pub(super) fn qs_seq(&self, cpu: usize) -> u64 {
        self.qs_seq[cpu].load(Ordering::Relaxed)
    }
}

impl Drop for Grace {
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

/// Copies whose grace period has ended, as the writer frees them.
#[derive(Debug, Default)]
struct Reclaim {
    /// Under loom: the poisoned copies, freed with the guard.
    #[cfg(loom)]
    kept: Vec<*mut Zonelists>,
}

// SAFETY: `Reclaim` holds (under loom only) pointers to `Zonelists`, which
// are `Send`, that nothing else frees; the guards keep it under their
// writers' mutex.
unsafe impl Send for Reclaim {}

impl Reclaim {
    /// Free `zonelists` (`kfree`, as the `kfree_rcu()` callback does).
    ///
    /// # Safety
    ///
    /// `zonelists` came from `Box::into_raw`, is no longer reachable from
    /// the guard's published pointer, no reader can still hold it (its grace
    /// period has ended), and it is passed here once.
    unsafe fn free(&mut self, zonelists: *mut Zonelists) {
        #[cfg(not(loom))]
        {
            // SAFETY: the caller's contract: an unreachable, unshared box.
            drop(unsafe { Box::from_raw(zonelists) });
        }
        #[cfg(loom)]
        {
            // SAFETY: the caller's contract: the box is valid (it is freed
            // only by `drop` below), and a reader the grace period missed
            // races these stores on atomics, which loom sees.
            let zl = unsafe { &*zonelists };
            for nid in 0..zl.nodes() {
                for idx in 0..zl.stride() {
                    zl.set(nid, idx, ZoneRef::NULL);
                }
            }
            self.kept.push(zonelists);
        }
    }
}

impl Drop for Reclaim {
    fn drop(&mut self) {
        #[cfg(loom)]
        for &p in &self.kept {
            // SAFETY: every kept pointer came from `Box::into_raw` and was
            // passed to `free` once; the guard owning this `Reclaim` is being
            // dropped, so no reader holds it.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// The process-wide barrier of an expedited grace period.
mod membarrier {
    /// Register for `MEMBARRIER_CMD_PRIVATE_EXPEDITED`; false where the
    /// system call is missing (an old kernel, a seccomp filter) or under
    /// loom.
    #[cfg(all(target_os = "linux", not(loom)))]
    pub(super) fn register() -> bool {
        const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;
        // SAFETY: membarrier takes two integer arguments and touches no
        // memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_PRIVATE_EXPEDITED, 0) == 0 }
    }

    /// A full memory barrier on every CPU running a thread of this
    /// process (registered: `register` returned true). Each such CPU takes
    /// an interrupt: `synchronize_rcu_expedited()`'s IPIs.
    #[cfg(all(target_os = "linux", not(loom)))]
    pub(super) fn expedited() {
        const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
        // SAFETY: as in `register`.
        let r = unsafe { libc::syscall(libc::SYS_membarrier, PRIVATE_EXPEDITED, 0) };
        assert_eq!(r, 0, "membarrier failed after registering");
    }

    #[cfg(any(not(target_os = "linux"), loom))]
    pub(super) fn register() -> bool {
        false
    }

    #[cfg(any(not(target_os = "linux"), loom))]
    pub(super) fn expedited() {
        unreachable!("never registered without the system call")
    }
}

/// What the kernel-RCU guards' unit tests share, and the tests that hold
/// for both flavours.
#[cfg(all(test, not(loom)))]
pub(super) mod testing {
    use super::Grace;
    use crate::guard::rcu_preempt::RcuPreempt;
    use crate::guard::rcu_qsbr::RcuQsbr;
    use crate::guard::{GuardOpts, ReaderProbe, WriterCtx, ZonelistGuard};
    use std::sync::atomic::AtomicBool;

    /// A kernel-RCU guard, and its shared state.
    pub(in crate::guard) trait KernelRcu: ZonelistGuard {
        fn grace(&self) -> &Grace;
    }

    /// A guard of one node for `cpus` CPUs, its zonelists empty.
    pub(in crate::guard) fn guard<G: ZonelistGuard>(cpus: usize) -> G {
        let opts = GuardOpts {
            cpus,
            ..GuardOpts::default()
        };
        G::new(1, &opts, &|_| {})
    }

    /// A guard of one CPU, and that CPU's reader, online.
    pub(in crate::guard) fn one_cpu_online<G: ZonelistGuard>() -> (G, ReaderProbe) {
        let g = guard::<G>(1);
        let mut p = probe(0);
        g.quiescent(&mut p);
        (g, p)
    }

    /// A rebuild that writes nothing.
    pub(in crate::guard) fn rebuild<G: ZonelistGuard>(g: &G) {
        let irqs = AtomicBool::new(false);
        g.rebuild(&WriterCtx::new(&irqs), &|_| {});
    }

    /// The reader on `cpu`.
    pub(in crate::guard) fn probe(cpu: usize) -> ReaderProbe {
        ReaderProbe {
            cpu,
            ..ReaderProbe::default()
        }
    }

    fn a_cpu_that_never_read_holds_nothing_back<G: KernelRcu>() {
        let g = guard::<G>(2);
        rebuild(&g);
        rebuild(&g);
        assert!(g.grace().retired().is_empty(), "{}", G::NAME);
    }

    #[cfg(debug_assertions)]
    fn reading_before_the_first_quiescent_state_is_caught<G: KernelRcu>() {
        let g = guard::<G>(1);
        let _ = g.read_begin(&mut probe(0), false);
    }

    #[test]
    fn a_cpu_that_never_read_holds_nothing_back_in_either_flavour() {
        a_cpu_that_never_read_holds_nothing_back::<RcuQsbr<false>>();
        a_cpu_that_never_read_holds_nothing_back::<RcuPreempt<false>>();
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "rcu-qsbr: CPU 0 reads before its first quiescent state")]
    fn qsbr_reading_before_the_first_quiescent_state_is_caught() {
        reading_before_the_first_quiescent_state_is_caught::<RcuQsbr<false>>();
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "rcu-preempt: CPU 0 reads before its first quiescent state")]
    fn preempt_reading_before_the_first_quiescent_state_is_caught() {
        reading_before_the_first_quiescent_state_is_caught::<RcuPreempt<false>>();
    }
}
