//! The one spin-then-yield policy of the model's waits (as crossbeam-utils'
//! `Backoff` is the one home of its own).
//!
//! The kernel's spinning waiters never yield: a spinlock holder has
//! preemption disabled, and a `seqcount_t` writer is never descheduled inside
//! its section. A userspace thread can be, so after [`SPINS_BEFORE_YIELD`]
//! spins a waiter gives its CPU away. On a machine with a core per thread
//! that path is never taken; it keeps oversubscribed runs from burning whole
//! time slices behind a preempted holder.

use crate::primitive::{spin_hint, yield_now};
use std::time::Instant;

/// Spins before a waiter starts yielding.
const SPINS_BEFORE_YIELD: u32 = 128;

/// One wait: counts its spins and decides when to yield.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    spins: u32,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff::default()
    }

    /// Wait a little before looking again: a CPU spin hint while the wait
    /// is short, then a yield of the thread.
    #[inline]
    pub(crate) fn snooze(&mut self) {
        if self.spins < SPINS_BEFORE_YIELD {
            spin_hint();
        } else {
            yield_now();
        }
        self.spins = self.spins.saturating_add(1);
    }
}

/// Nanoseconds since `t`, at least 1 (a stall happened), saturating: how the
/// model's waits report their length.
pub fn stall_ns(t: Instant) -> u32 {
    (t.elapsed().as_nanos().min(u32::MAX as u128) as u32).max(1)
}
