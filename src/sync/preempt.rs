//! `preempt_count` of a kernel built with CONFIG_PREEMPT_COUNT (every
//! PREEMPT_DYNAMIC distribution kernel, whatever mode it boots in): the
//! per-CPU count `preempt_disable` raises and `preempt_enable` lowers,
//! with a compiler barrier on each side, and `preempt_enable`'s test for a
//! pending reschedule when the count drops to zero.
//!
//! As on x86 (`arch/x86/include/asm/preempt.h`) the need-resched flag is
//! folded into the word, inverted: bit 31 set means "no reschedule
//! needed", so `preempt_count_dec_and_test` is one decrement and one test
//! for zero, and `should_resched(0)` one compare.
//!
//! Simplification: nothing in the model sets need-resched (there is no
//! scheduler tick; the host preempts the thread instead), so
//! `preempt_schedule` and `__cond_resched`'s reschedule are never taken.
//! The count and its tests are still done on every pin and unpin, as the
//! kernel does them: they are what the order-0 paths pay.

use crate::primitive::sync::atomic::{AtomicU32, Ordering};
use std::sync::atomic::compiler_fence;

/// `PREEMPT_NEED_RESCHED`, inverted as x86 keeps it.
const PREEMPT_NEED_RESCHED: u32 = 0x8000_0000;

/// One CPU's `__preempt_count`.
#[derive(Debug)]
pub struct PreemptCount(AtomicU32);

impl Default for PreemptCount {
    fn default() -> Self {
        PreemptCount(AtomicU32::new(PREEMPT_NEED_RESCHED))
    }
}

impl PreemptCount {
    /// `raw_cpu_add_4(__preempt_count, n)`: a plain add to the CPU's own
    /// word; returns the new value.
    #[inline(always)]
    fn add(&self, n: u32) -> u32 {
        // Relaxed: only the CPU that owns the count touches it (a thread is
        // a CPU here), as `this_cpu` operations on x86 are plain
        // instructions on the CPU's own copy.
        let v = self.0.load(Ordering::Relaxed).wrapping_add(n);
        self.0.store(v, Ordering::Relaxed);
        v
    }

    /// `preempt_disable`: `preempt_count_inc()` then `barrier()`.
    #[inline(always)]
    pub fn preempt_disable(&self) {
        self.add(1);
        compiler_fence(Ordering::SeqCst);
    }

    /// `preempt_enable`: `barrier()`, then `preempt_count_dec_and_test()`
    /// and `__preempt_schedule()` when it reaches zero (count zero and a
    /// reschedule pending).
    #[inline(always)]
    pub fn preempt_enable(&self) {
        compiler_fence(Ordering::SeqCst);
        if self.add(u32::MAX) == 0 {
            preempt_schedule();
        }
    }

    /// `should_resched(0)`: count zero and a reschedule pending.
    #[inline(always)]
    pub fn should_resched(&self) -> bool {
        // Relaxed: the CPU's own word (see `add`).
        self.0.load(Ordering::Relaxed) == 0
    }

    /// The nesting depth (`preempt_count()`, without the flag).
    pub fn count(&self) -> u32 {
        // Relaxed: read by its own CPU, or after the threads are joined.
        self.0.load(Ordering::Relaxed) & !PREEMPT_NEED_RESCHED
    }
}

/// `__preempt_schedule`: never reached in the model (see the module docs).
#[cold]
#[inline(never)]
fn preempt_schedule() {
    std::thread::yield_now();
}

/// `__cond_resched` (what `might_resched` calls in PREEMPT_DYNAMIC's
/// default voluntary mode, out of line): reschedule when asked to.
#[inline(never)]
pub fn cond_resched(pc: &PreemptCount) -> bool {
    if pc.should_resched() {
        preempt_schedule();
        return true;
    }
    false
}
