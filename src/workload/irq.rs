//! The interrupt model (`--irq`): an interrupt on the rebuilding CPU, inside
//! the zonelist write section, whose handler allocates.
//!
//! The kernel case. Commit 1007843a9190 (2023) fixed a deadlock on
//! `zonelist_update_seq`: a timer interrupt arrives on the CPU that is inside
//! `__build_all_zonelists` with the count odd; its handler calls
//! `kmalloc(GFP_ATOMIC)`, whose `__alloc_pages_slowpath` calls
//! `zonelist_iter_begin` (`read_seqbegin`), which spins while the count is
//! odd; the writer that would make it even is the code the handler
//! interrupted, which cannot run again until the handler returns. The fix
//! masks interrupts on the writer's CPU for the section (`local_irq_save`
//! and `printk_deferred_enter` before `write_seqlock`; commit 4d1139baae8b
//! later folded the masking into `write_seqlock_irqsave`, for PREEMPT_RT):
//! the interrupt waits until the section ends, and its latency grows by
//! the rest of the section. That latency is the cost of masking; the deadlock is the cost of
//! not masking.
//!
//! The model, per rebuild (`Allocator::build_all_zonelists_locked`):
//!
//! 1. One interrupt is raised at a fixed point inside the write section: in
//!    the build step, right after the zonelists are written (the count still
//!    odd, the writer's lock still held). A latch runs the build twice; its
//!    interrupt arrives in the first.
//! 2. If the writer's CPU has interrupts masked
//!    ([`WriterCtx::irq_save`](crate::guard::WriterCtx::irq_save):
//!    `seqlock`, `seqlock-excl`, `seqbegin-or-lock`), the interrupt is
//!    pending: its handler runs when the section is over, and the time from
//!    the raise to the handler's start is recorded (`irq_delay_ns`).
//! 3. Otherwise the handler runs at once, nested in the write section, on
//!    the writer's own thread: one GFP_ATOMIC order-0 allocation on the
//!    writer's CPU, freed again. Under `--rt` the handler is a PREEMPT_RT
//!    interrupt thread (forced threading;
//!    `sync::hardirq::irq_enter_threaded`): it runs at once, above the
//!    writer on its CPU, and where it meets a lock (a `spinlock_t`,
//!    `rwlock_t` or mutex: rt_mutexes on RT) it sleeps and boosts the
//!    holder: the model stops it there and runs it again when the section
//!    ends, as a masked interrupt (`irq_deferred`, with its delay;
//!    `irq_threaded` counts the threaded ones). A spin on an odd count is
//!    still a deadlock: the thread never lets the writer it preempted run.
//!    So `seqlock`, `seqcount-spinlock` and `rwlock` defer under `--rt`
//!    where without it they deadlock on a lock (`seqlock` masks only
//!    without `--rt`), and `seqcount` deadlocks either way.
//! 4. The handler's waits are bounded ([`IRQ_DEADLOCK_BOUND`],
//!    `sync::hardirq`): a wait that would outlast the bound is abandoned by
//!    unwinding, caught here, and counted as a deadlock (`irq_deadlocks`;
//!    `irq_deadlocks_on_lock` when it waited on a lock rather than a count).
//!    The kernel would have hung; the run goes on, the writer finishes its
//!    rebuild normally, and the run reports it (it is not an invariant
//!    violation). Any other panic in the handler is resumed.
//!
//! What each guard does with an interrupt inside its write section:
//!
//! | guard | masks | handler's read side | outcome |
//! |---|---|---|---|
//! | `none` | no | takes nothing | runs inline, completes |
//! | `seqcount` | no | `read_seqbegin` spins on the odd count (`SeqCount::read_begin`, bounded) | deadlock (odd count) |
//! | `seqlock` | irqsave (not under `--rt`) | — (`--rt`: waits on the seqlock's lock) | deferred to the end of the section (`--rt`: blocks, deferred) |
//! | `seqlock-excl` | irqsave | would spin on the seqlock's spinlock (`SpinLock::lock_contended`, bounded) | deferred |
//! | `seqbegin-or-lock` | irqsave | would spin on the odd count, or the lock on a locked pass (both bounded) | deferred |
//! | `seqcount-spinlock` | no | spins on the odd count; with `--rt` waits on the associated lock (`SpinlockT::wait`) | deadlock (odd count); `--rt`: blocks, deferred |
//! | `rcu`, `rcu-recheck` | no | arc-swap load of the published copy, never waits (the writer builds a private copy) | runs inline, completes |
//! | `rcu-qsbr`, `rcu-qsbr-recheck` | no | loads the published copy (an empty read side), never waits | runs inline, completes |
//! | `rcu-preempt`, `rcu-preempt-recheck` | no | raises its CPU's nesting count (no fence) and loads the published copy, never waits | runs inline, completes |
//! | `latch` | no | reads the copy the writer is not rewriting, never waits | runs inline, completes |
//! | `rwlock` | no | `read()` on the lock its own CPU holds for writing (`try_read`, then `try_read_for` the time left) | deadlock (lock); `--rt`: blocks, deferred |
//! | `seqlock-crate` | no | `SeqLock::read` loops inside the crate while a node's count is odd: no bound can be added | not run: `irq_unbounded` |
//! | `epoch` | no | `epoch::pin` (reentrant), never waits | runs inline, completes |
//! | `raw-seqcount` (example) | no | `raw_seqcount_begin` never waits; the walk sees the rewritten list; a walk that failed would restart while the count is odd (bounded) | runs inline, completes |
//!
//! `seqlock-crate`: at the raise point the crate's write locks are not held
//! yet (the guard builds its copy first, then `publish` copies it in under
//! each node's write lock), so a handler there would complete; but an
//! interrupt a moment later, during `publish`, would loop in the crate's
//! `read()` forever, and the model has no way to stop that loop. Rather
//! than report either outcome for it, the model does not run the handler
//! and counts the interrupt as `irq_unbounded`.
//!
//! Waits every guard's handler can reach besides the guard's: the zone lock
//! (`SpinLock`, bounded) when the per-CPU list is refilled or bypassed; the
//! per-CPU lock is only ever tried. The writer's CPU holds no zone lock
//! inside a rebuild (hotplug drops it before rebuilding), so a zone-lock
//! wait is for another CPU and ends; it could pass the bound only behind a
//! holder descheduled for that long (an oversubscribed run), and would then
//! be counted as a deadlock on a spinlock.
//!
//! Unwinding out of an abandoned wait leaves the model consistent, at every
//! bounded wait point: the count spin and a guard's lock wait happen at
//! `zonelist_iter_begin`, before the section has read anything or taken any
//! page; a zone-lock wait happens before the zone's lists are touched (the
//! per-CPU lock held around it releases on drop, its list unchanged). The
//! handler's free runs after interrupt context ends, so it is never
//! abandoned halfway (it waits on nothing this CPU holds). The cell's
//! end-of-run checks (`Mm::check`, conservation) cover the handler's pages.
//!
//! Simplifications, and why they do not change what is measured:
//! * The handler's allocation enters the slowpath directly, as if its fast
//!   path had failed. The kernel's deadlock needs that: the fast path never
//!   reads the count, and a GFP_ATOMIC allocation reaches
//!   `zonelist_iter_begin` only from the slowpath. Taking the fast path
//!   first would make the outcome depend on how full the zones happen to
//!   be; entering the slowpath makes every interrupt ask the question the
//!   commit answers: does this guard's read side hang the CPU whose writer
//!   it interrupted.
//! * One interrupt per rebuild at one fixed point, rather than at random
//!   times: deterministic, and the point is inside every guard's section
//!   (for the copy-and-publish guards, inside their build step).
//! * A pending interrupt runs when the rebuild returns, just after the
//!   guard's `irqrestore` (the model has no hook between the two); the
//!   delay includes the rest of the section (the lock release, and
//!   `--writer-hold`), which is what masking costs.
//! * A handler run inline counts in the writer's `critical_ns`, as a kernel
//!   interrupt lengthens the section it interrupts; a deadlock costs the
//!   run the bound (the writer's section, and any reader spinning behind
//!   it, last that much longer), so cells with deadlocks rebuild less often
//!   than asked (`achieved_rate_hz`).
//! * The handler's allocation counters stay out of the readers' (`allocs`,
//!   allocation rates); its bad-page count is added to the cell's, so an
//!   invariant broken by a handler still fails the run.
//! * Counters cover the measured interval, like the allocation counters
//!   (the writer starts them again when the warm-up ends).

use crate::alloc::{AllocCtx, Allocator, Gfp, NoReclaim, RebuildIrq};
use crate::guard::ZonelistGuard;
use crate::metrics::{Hist, HistSummary};
use crate::sync::hardirq::{irq_enter, irq_enter_threaded, IrqBlocked, IrqDeadlock};
use crossbeam_utils::CachePadded;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// How long an interrupt handler may wait in all before it is abandoned as
/// a deadlock: far above any legitimate wait in the model (a rebuild takes
/// microseconds), short enough that a run with a deadlock on every rebuild
/// stays short.
pub const IRQ_DEADLOCK_BOUND: Duration = Duration::from_millis(20);

/// What the interrupts of one cell did (the writer's `irq*` keys).
#[derive(Default, Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(default)]
pub struct IrqStats {
    /// Interrupts raised, one per rebuild: inline + deferred + unbounded.
    pub irqs: u64,
    /// Handled at once, nested in the write section.
    pub irq_inline: u64,
    /// Masked, or (`--rt`) a threaded handler blocked on a lock the writer
    /// holds: handled after the write section.
    pub irq_deferred: u64,
    /// (`--rt`) Handled in a PREEMPT_RT interrupt thread: of the inline
    /// and deferred ones, those that ran threaded.
    pub irq_threaded: u64,
    /// Deferral delays, raise to handler start, ns.
    pub irq_delay_ns: HistSummary,
    /// Handlers abandoned after [`IRQ_DEADLOCK_BOUND`]: the kernel would
    /// have hung.
    pub irq_deadlocks: u64,
    /// Of those, the ones waiting on a lock (the rest on an odd count).
    pub irq_deadlocks_on_lock: u64,
    /// How long the abandoned handlers ran, ns (the bound, and a little).
    pub irq_deadlock_ns: HistSummary,
    /// Not handled: the guard's read side waits where no bound can be put.
    pub irq_unbounded: u64,
    /// Handler allocations that got a page, and that failed.
    pub irq_allocs_ok: u64,
    pub irq_allocs_failed: u64,
}

/// The interrupt line of the writer's CPU: implements the allocator's
/// [`RebuildIrq`] for any guard.
#[derive(Debug)]
pub struct Irq {
    /// Used by the rebuilding thread only; the lock is never contended.
    state: CachePadded<parking_lot::Mutex<IrqState>>,
}

#[derive(Debug)]
struct IrqState {
    /// The handler's allocation context, on the writer's CPU.
    ctx: AllocCtx,
    /// A masked interrupt, raised at this instant.
    pending: Option<Instant>,
    counts: IrqStats,
    delay: Hist,
    deadlock_ns: Hist,
}

impl Irq {
    /// An interrupt line whose handler allocates with `ctx` (a context for
    /// the writer's CPU: `alloc.ctx(spec.writer_cpu())`).
    pub fn new(ctx: AllocCtx) -> Self {
        Irq {
            state: CachePadded::new(parking_lot::Mutex::new(IrqState {
                ctx,
                pending: None,
                counts: IrqStats::default(),
                delay: Hist::default(),
                deadlock_ns: Hist::default(),
            })),
        }
    }

    /// The counters so far, with the histograms summarised.
    pub fn stats(&self) -> IrqStats {
        let st = self.state.lock();
        IrqStats {
            irq_delay_ns: st.delay.summary(),
            irq_deadlock_ns: st.deadlock_ns.summary(),
            ..st.counts.clone()
        }
    }

    /// The measured interval begins: the counters and histograms start
    /// again from zero (the handler's bad pages, an invariant, are kept).
    /// Called by the writer between two rebuilds, so no interrupt is half
    /// counted.
    pub fn begin_measuring(&self) {
        let mut st = self.state.lock();
        st.counts = IrqStats::default();
        st.delay = Hist::default();
        st.deadlock_ns = Hist::default();
        st.ctx.begin_measuring();
    }

    /// Pages the handler got twice or freed while free (must be 0; added
    /// to the cell's `bad_pages`).
    pub fn bad_pages(&self) -> u64 {
        self.state.lock().ctx.stats.bad_pages
    }
}

/// How a handler run ended besides a page or none.
enum Handled {
    Done,
    /// A threaded handler blocked on a lock (PREEMPT_RT): run it again
    /// when the section ends.
    Blocked,
}

impl IrqState {
    /// The handler: one GFP_ATOMIC order-0 allocation in interrupt context
    /// (waits bounded; `threaded`: as a PREEMPT_RT interrupt thread, whose
    /// lock waits block), then its free.
    fn handle<G: ZonelistGuard>(&mut self, alloc: &Allocator<G>, threaded: bool) -> Handled {
        let t = Instant::now();
        // The interrupted writer holds no zonelist section: a quiescent
        // state of its CPU before the handler's (the writer's CPU passes
        // them at its own context switches in the kernel). The handler
        // enters the slowpath directly, not through `alloc_pages`, which
        // would announce it.
        alloc.quiescent_state(&mut self.ctx);
        let got = {
            let _hardirq = match threaded {
                true => irq_enter_threaded(IRQ_DEADLOCK_BOUND),
                false => irq_enter(IRQ_DEADLOCK_BOUND),
            };
            let ctx = &mut self.ctx;
            // AssertUnwindSafe: an abandoned wait unwinds only from points
            // where nothing shared is half-changed (see the module docs);
            // `ctx` holds counters only.
            catch_unwind(AssertUnwindSafe(|| {
                alloc.alloc_pages_slowpath(ctx, Gfp::ATOMIC, 0, &mut NoReclaim)
            }))
        };
        match got {
            Ok(Some(pfn)) => {
                self.counts.irq_allocs_ok += 1;
                alloc.free_pages(&mut self.ctx, pfn, 0);
            }
            Ok(None) => self.counts.irq_allocs_failed += 1,
            Err(payload) => match payload.downcast::<IrqDeadlock>() {
                Ok(deadlock) => {
                    self.counts.irq_deadlocks += 1;
                    if deadlock.wait.on_lock() {
                        self.counts.irq_deadlocks_on_lock += 1;
                    }
                    self.deadlock_ns.record(t.elapsed().as_nanos() as u64);
                }
                Err(other) => match other.downcast::<IrqBlocked>() {
                    Ok(_) => return Handled::Blocked,
                    // A real panic in the handler: not ours to swallow.
                    Err(other) => resume_unwind(other),
                },
            },
        }
        Handled::Done
    }
}

impl<G: ZonelistGuard> RebuildIrq<G> for Irq {
    fn raise(&self, alloc: &Allocator<G>) {
        let mut st = self.state.lock();
        st.counts.irqs += 1;
        if alloc.writer_irqs_disabled() {
            // local_irq_save: the interrupt stays pending.
            debug_assert!(st.pending.is_none(), "one interrupt per rebuild");
            st.pending = Some(Instant::now());
            st.counts.irq_deferred += 1;
        } else if G::READ_WAIT_UNBOUNDED {
            st.counts.irq_unbounded += 1;
        } else if alloc.cfg.guard.rt {
            // Forced interrupt threading: the handler's thread preempts
            // the writer on its CPU; a lock the writer holds puts it to
            // sleep (and boosts the writer) until the section ends.
            st.counts.irq_threaded += 1;
            let raised = Instant::now();
            match st.handle(alloc, true) {
                Handled::Done => st.counts.irq_inline += 1,
                Handled::Blocked => {
                    st.pending = Some(raised);
                    st.counts.irq_deferred += 1;
                }
            }
        } else {
            st.counts.irq_inline += 1;
            st.handle(alloc, false);
        }
    }

    fn section_end(&self, alloc: &Allocator<G>) {
        debug_assert!(
            !alloc.writer_irqs_disabled(),
            "interrupts still masked after the write section"
        );
        let mut st = self.state.lock();
        if let Some(raised) = st.pending.take() {
            // local_irq_restore: the pending interrupt is taken now.
            let delay = raised.elapsed().as_nanos() as u64;
            st.delay.record(delay);
            // The section is over: what the handler could block on now is
            // held elsewhere and released, so it waits (bounded) there.
            st.handle(alloc, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc::{AllocConfig, SlowpathPoint};
    use crate::guard::none::NoGuard;
    use crate::mm::MmConfig;
    use crate::sync::hardirq::{in_hardirq, irq_deadlock, IrqWait};
    use std::sync::Arc;

    /// `none` (handlers run inline) with `hook` in every slowpath.
    fn allocator(hook: fn()) -> (Allocator<NoGuard>, Arc<Irq>) {
        let mm = MmConfig {
            normal_mib: 8,
            movable_mib: 4,
            ..MmConfig::default()
        };
        let mut a = Allocator::new(mm, AllocConfig::default());
        a.set_slowpath_hook(Box::new(move |_, point| {
            if point == SlowpathPoint::Preferred {
                hook()
            }
        }));
        let irq = Arc::new(Irq::new(a.ctx(1)));
        a.set_irq(irq.clone());
        (a, irq)
    }

    #[test]
    fn a_handler_runs_inline_and_frees_its_page() {
        let (a, irq) = allocator(|| assert!(in_hardirq()));
        a.build_all_zonelists();
        a.build_all_zonelists();
        let s = irq.stats();
        assert_eq!((s.irqs, s.irq_inline, s.irq_allocs_ok), (2, 2, 2), "{s:?}");
        assert!(!in_hardirq());
        assert!(a.mm.check(&[]).ok());
    }

    #[test]
    fn an_abandoned_handler_is_a_deadlock_and_the_rebuild_finishes() {
        let (a, irq) = allocator(|| irq_deadlock(IrqWait::SpinLock));
        a.build_all_zonelists();
        assert_eq!(a.rebuilds(), 1);
        let s = irq.stats();
        assert_eq!(
            (
                s.irqs,
                s.irq_deadlocks,
                s.irq_deadlocks_on_lock,
                s.irq_allocs_ok
            ),
            (1, 1, 1, 0),
            "{s:?}"
        );
        assert_eq!(s.irq_deadlock_ns.count, 1);
        assert!(!in_hardirq(), "irq_exit ran while unwinding");
        assert!(a.mm.check(&[]).ok());
    }

    #[test]
    fn any_other_panic_in_a_handler_is_resumed() {
        // resume_unwind: a panic without the hook's message in the output.
        let (a, irq) = allocator(|| resume_unwind(Box::new("handler bug")));
        let r = catch_unwind(AssertUnwindSafe(|| a.build_all_zonelists()));
        let payload = r.expect_err("the panic reached the writer");
        assert_eq!(*payload.downcast::<&str>().unwrap(), "handler bug");
        assert_eq!(irq.stats().irq_deadlocks, 0);
        assert!(!in_hardirq());
    }
}
