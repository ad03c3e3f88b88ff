//! `spinlock_t` as the kernel's configuration makes it: without
//! PREEMPT_RT a spinning lock (the model's [`SpinLock`]), with it an
//! `rt_mutex`, a sleeping lock whose holder can be preempted (the model's
//! sleeping mutex, `parking_lot::Mutex`, which spins briefly and then
//! parks). Every guard lock that is a `spinlock_t` in the kernel is this
//! one type: the static lock of the v1 fix, the lock inside `seqlock_t`,
//! the lock associated with a `seqcount_spinlock_t`; so `--rt` changes
//! them alike.
//!
//! Simplification: an `rt_mutex` boosts the priority of a holder that a
//! waiter of higher priority waits for; the model's threads have no
//! priorities, so there is nothing to boost.

use super::hardirq::{irq_deadlock, irq_time_left, IrqWait};
use super::spinlock::{SpinLock, SpinLockGuard};
use crate::primitive::{Mutex, MutexGuard};

/// `spinlock_t`: spinning, or under PREEMPT_RT sleeping.
#[derive(Debug)]
pub enum SpinlockT {
    Spin(SpinLock<()>),
    Sleep(Mutex<()>),
}

/// A held [`SpinlockT`].
#[derive(Debug)]
#[must_use = "dropping it at once releases what it holds"]
pub enum SpinlockTGuard<'a> {
    Spin(SpinLockGuard<'a, ()>),
    Sleep(MutexGuard<'a, ()>),
}

impl SpinlockT {
    /// A `spinlock_t` of a kernel with (`rt`) or without PREEMPT_RT.
    pub fn new(rt: bool) -> Self {
        if rt {
            SpinlockT::Sleep(Mutex::new(()))
        } else {
            SpinlockT::Spin(SpinLock::new(()))
        }
    }

    /// Whether it sleeps (PREEMPT_RT).
    pub fn sleeps(&self) -> bool {
        matches!(self, SpinlockT::Sleep(_))
    }

    /// `spin_lock`.
    #[inline]
    pub fn lock(&self) -> SpinlockTGuard<'_> {
        match self {
            SpinlockT::Spin(l) => SpinlockTGuard::Spin(l.lock()),
            SpinlockT::Sleep(m) => SpinlockTGuard::Sleep(m.lock()),
        }
    }

    /// `spin_lock`, also returning the nanoseconds it waited (0 when it
    /// did not).
    #[inline]
    pub fn lock_counting(&self) -> (SpinlockTGuard<'_>, u32) {
        match self {
            SpinlockT::Spin(l) => {
                let (held, ns) = l.lock_counting();
                (SpinlockTGuard::Spin(held), ns)
            }
            SpinlockT::Sleep(m) => match m.try_lock() {
                Some(held) => (SpinlockTGuard::Sleep(held), 0),
                None => {
                    let t = std::time::Instant::now();
                    let held = m.lock();
                    (SpinlockTGuard::Sleep(held), super::stall_ns(t))
                }
            },
        }
    }

    /// Take and release the lock: a reader waiting for the writer that
    /// holds it (the PREEMPT_RT `read_seqcount_begin` of a count with an
    /// associated lock). In interrupt context the wait is bounded
    /// (`sync::hardirq`): a handler on the CPU of the writer holding the
    /// lock would wait forever.
    pub fn wait(&self) {
        match (self, irq_time_left()) {
            (SpinlockT::Spin(l), _) => drop(l.lock()),
            (SpinlockT::Sleep(m), None) => drop(m.lock()),
            (SpinlockT::Sleep(m), Some(left)) => match m.try_lock_for(left) {
                Some(held) => drop(held),
                // Called before the section reads anything: nothing to undo.
                None => irq_deadlock(IrqWait::Mutex),
            },
        }
    }
}
