//! The atomics every shared structure is built from, swapped for loom's under
//! `--cfg loom` (the crossbeam pattern), so the guard protocols can be model
//! checked without touching their source.

#[cfg(not(loom))]
pub(crate) mod sync {
    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};
    }
}

#[cfg(loom)]
pub(crate) mod sync {
    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};
    }
}

/// One step of a busy-wait loop. Under loom a spinning thread must yield so
/// the model checker can schedule the thread it is waiting for.
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(not(loom))]
    std::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// Give the CPU away after spinning too long (oversubscribed runs: the holder
/// may be preempted, which a kernel spinlock holder never is).
#[inline]
pub(crate) fn yield_now() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
}
