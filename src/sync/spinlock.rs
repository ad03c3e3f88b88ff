//! `spinlock_t`: a test-and-test-and-set lock with `spin_trylock`.
//!
//! The kernel's spinlock disables preemption, so its holder is never
//! descheduled. A userspace thread can be, so a waiter follows the model's
//! one spin-then-yield policy (`sync::backoff`). In interrupt context the contended wait is
//! bounded (`sync::hardirq`): a handler waiting for a lock its own CPU holds
//! would spin forever.

use crate::primitive::sync::atomic::{AtomicBool, Ordering};
use crate::sync::backoff::{stall_ns, Backoff};
use crate::sync::hardirq::{irq_wait_check, IrqWait};
use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

#[derive(Debug)]
pub struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `data` to one thread at a time, so the
// lock is Sync whenever the data may be sent between threads.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: owning the lock is owning the data.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub fn new(data: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            data: UnsafeCell::new(data),
        }
    }

    /// `spin_trylock`: one attempt, never waits.
    #[inline]
    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        // Acquire on success: everything the previous holder wrote before its
        // Release unlock is visible to us. Relaxed on failure: we touch nothing.
        if self
            .locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            Some(SpinLockGuard {
                lock: self,
                _data: PhantomData,
            })
        } else {
            None
        }
    }

    /// `spin_lock`.
    #[inline]
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        self.lock_counting().0
    }

    /// `spin_lock`, also returning the nanoseconds it waited (0: uncontended).
    #[inline]
    pub fn lock_counting(&self) -> (SpinLockGuard<'_, T>, u32) {
        match self.try_lock() {
            Some(g) => (g, 0),
            None => self.lock_contended(),
        }
    }

    #[cold]
    fn lock_contended(&self) -> (SpinLockGuard<'_, T>, u32) {
        let t = std::time::Instant::now();
        let mut backoff = Backoff::new();
        loop {
            // Relaxed: only a hint that the lock looks free; the Acquire of the
            // successful compare_exchange in try_lock is what orders the data.
            while self.locked.load(Ordering::Relaxed) {
                backoff.snooze();
                // Not acquired yet: abandoning the wait leaves the lock and
                // its data as they were.
                irq_wait_check(IrqWait::SpinLock);
            }
            if let Some(g) = self.try_lock() {
                return (g, stall_ns(t));
            }
        }
    }
}

impl<T: Default> Default for SpinLock<T> {
    fn default() -> Self {
        SpinLock::new(T::default())
    }
}

#[derive(Debug)]
#[must_use = "dropping it at once releases what it holds"]
pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
    /// The guard hands out `&mut T`: it may be shared between threads only
    /// when `T: Sync` (as std's `MutexGuard`).
    _data: PhantomData<&'a mut T>,
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this thread holds the lock, so
        // no other reference to the data is live.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref; `&mut self` makes this the only access.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Release: publishes every write made under the lock to the next
        // holder's Acquire.
        self.lock.locked.store(false, Ordering::Release);
    }
}
