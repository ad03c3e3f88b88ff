//! `seqcount_t` (include/linux/seqlock.h), with the memory ordering of Boehm,
//! "Can seqlocks get along with programming language memory models?":
//!
//! 1. The writer (serialised by a lock of its caller's) stores `seq + 1`
//!    (odd: a write is in progress), then issues a Release fence.
//! 2. It writes the protected data with Relaxed atomic stores.
//! 3. It stores `seq + 2` with Release (even again).
//! 4. A reader loads `seq` with Acquire and spins while it is odd
//!    (`read_seqcount_begin`), reads the data with Relaxed atomic loads, then
//!    issues an Acquire fence and reloads `seq` Relaxed (`read_seqcount_retry`):
//!    if it changed, what it read may be torn and it must retry.
//!
//! If a reader's data load saw any store of step 2, the writer's Release fence
//! (step 1) synchronises with the reader's Acquire fence (step 4), so the
//! reload sees at least `seq + 1` and the reader retries.

use crate::primitive::spin_hint;
use crate::primitive::sync::atomic::{fence, AtomicU32, Ordering};
use crate::sync::backoff::{stall_ns, Backoff};
use crate::sync::hardirq::{irq_wait_check, IrqWait};

#[derive(Debug)]
pub struct SeqCount {
    seq: AtomicU32,
}

impl Default for SeqCount {
    fn default() -> Self {
        Self::new()
    }
}

impl SeqCount {
    pub fn new() -> Self {
        SeqCount {
            seq: AtomicU32::new(0),
        }
    }

    /// `raw_read_seqcount`: the current count, without waiting for an even one.
    #[inline]
    pub fn raw_read(&self) -> u32 {
        // Acquire: data reads that follow may not be reordered before it
        // (the smp_rmb() of raw_read_seqcount_begin).
        self.seq.load(Ordering::Acquire)
    }
    /// `read_seqcount_begin`: spins while a write is in progress. Returns the
    /// (even) count and the nanoseconds spent spinning (0 when it did not).
    /// In interrupt context the spin is bounded (`sync::hardirq`): a handler
    /// that interrupted this count's writer would spin forever.
    #[inline]
    pub fn read_begin(&self) -> (u32, u32) {
        self.read_begin_with(true)
    }

    /// `read_seqcount_begin` as the kernel spins it: `cpu_relax()` until the
    /// count is even, never giving the CPU away (a bare `seqcount_t` under
    /// PREEMPT_RT, whose writer can be preempted inside its section: the
    /// livelock `seqcount_LOCKNAME_t` exists to prevent). Bounded only in
    /// interrupt context; elsewhere by the scheduler, which preempts a
    /// userspace spinner, and the cell's watchdog.
    #[inline]
    pub fn read_begin_spinning(&self) -> (u32, u32) {
        self.read_begin_with(false)
    }

    /// The even count at once, or the wait for it (`yielding` or not).
    #[inline]
    fn read_begin_with(&self, yielding: bool) -> (u32, u32) {
        let seq = self.raw_read();
        if seq & 1 == 0 {
            return (seq, 0);
        }
        self.read_begin_spin(yielding)
    }

    #[cold]
    fn read_begin_spin(&self, yielding: bool) -> (u32, u32) {
        let t = std::time::Instant::now();
        let mut backoff = Backoff::new();
        loop {
            // A userspace writer can be preempted inside its section, a
            // kernel one cannot: the backoff yields after a while, unless
            // the spin is the kernel's own (`read_begin_spinning`).
            if yielding {
                backoff.snooze();
            } else {
                spin_hint();
            }
            let seq = self.raw_read();
            if seq & 1 == 0 {
                return (seq, stall_ns(t));
            }
            // Nothing is held and nothing read yet: abandoning here is safe.
            irq_wait_check(IrqWait::OddCount);
        }
    }

    /// `read_seqcount_retry`: true when a writer ran since `start`.
    #[inline]
    pub fn read_retry(&self, start: u32) -> bool {
        // Acquire fence: orders the section's Relaxed data loads before the
        // reload below (the smp_rmb() of read_seqcount_retry). The reload
        // itself can then be Relaxed.
        fence(Ordering::Acquire);
        self.seq.load(Ordering::Relaxed) != start
    }

    /// `write_seqcount_begin`. The caller must serialise writers.
    #[inline]
    pub fn write_begin(&self) {
        // Relaxed load: writers are serialised by the caller's lock, whose
        // Acquire already made the previous writer's count visible.
        let seq = self.seq.load(Ordering::Relaxed);
        debug_assert!(seq & 1 == 0, "nested write_seqcount_begin");
        // Relaxed store then Release fence (step 1): no data store below may
        // become visible before the odd count.
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
    }

    /// `write_seqcount_end`.
    #[inline]
    pub fn write_end(&self) {
        // Relaxed load: only this (serialised) writer changes the count.
        let seq = self.seq.load(Ordering::Relaxed);
        debug_assert!(seq & 1 == 1, "write_seqcount_end without begin");
        // Release (step 3): the data stores are visible to any reader whose
        // Acquire load sees the even count.
        self.seq.store(seq.wrapping_add(1), Ordering::Release);
    }

    /// `raw_write_seqcount_latch`: advance the count so readers switch to
    /// the other copy. The caller serialises writers.
    #[inline]
    pub fn write_latch(&self) {
        // Relaxed load: as in write_begin.
        let seq = self.seq.load(Ordering::Relaxed);
        // Release store: the writes to the copy readers now switch to are
        // visible to a reader whose Acquire load sees the new count (the
        // first smp_wmb). Release fence after it: a reader that observes any
        // later write to the other copy also sees this count on its retry
        // check (the second smp_wmb), as in write_begin.
        self.seq.store(seq.wrapping_add(1), Ordering::Release);
        fence(Ordering::Release);
    }
}
