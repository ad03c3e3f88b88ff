//! The atomics every shared structure is built from, swapped for loom's under
//! `--cfg loom` (the crossbeam pattern), so the guard protocols can be model
//! checked without touching their source.
//!
//! The third-party primitives some guards use (parking_lot's locks, arc-swap,
//! crossbeam-epoch, the seqlock crate) are reached through names here too:
//! plain re-exports normally, loom-aware stand-ins with the same contract
//! under `--cfg loom` (see below), so `tests/loom.rs` checks each guard's own
//! protocol rather than those crates' internals.

#[cfg(not(loom))]
pub(crate) mod sync {
    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{
            fence, AtomicBool, AtomicI32, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, Ordering,
        };
    }
}

#[cfg(loom)]
pub(crate) mod sync {
    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{
            fence, AtomicBool, AtomicI32, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, Ordering,
        };
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

// Third-party primitives. Their atomics are invisible to loom and their
// blocking waits would hang its scheduler, so under `--cfg loom` each is
// replaced by a stand-in with the same contract and the method names the
// guards use, built on loom's primitives. loom then checks each guard's own
// protocol (what it reads, when it retries, what it publishes and in what
// order), not the crates' internals, which their own test suites cover.
// Without `--cfg loom` the names below are plain re-exports: the guards
// compile to the same code as when they named the crates directly.

#[cfg(not(loom))]
pub(crate) use arc_swap::ArcSwap as ArcCell;
#[cfg(not(loom))]
pub(crate) use crossbeam_epoch as epoch;
#[cfg(not(loom))]
pub(crate) use parking_lot::{Mutex, MutexGuard, RwLock, RwLockReadGuard};
#[cfg(not(loom))]
pub(crate) use seqlock::SeqLock;

/// `arc_swap::ArcSwap::load`'s guard.
#[cfg(not(loom))]
pub(crate) type ArcCellGuard<T> = arc_swap::Guard<std::sync::Arc<T>>;

#[cfg(loom)]
pub(crate) use loom_stand_ins::{
    epoch, ArcCell, ArcCellGuard, Mutex, MutexGuard, RwLock, RwLockReadGuard, SeqLock,
};

/// The loom stand-ins. Simplified: no timeouts (loom has no clock; a timed
/// wait is one attempt, and the models never run in interrupt context where
/// the guards use one), and nothing a crate adds for speed.
#[cfg(loom)]
mod loom_stand_ins {
    use std::time::Duration;

    /// `parking_lot::Mutex`: `loom::sync::Mutex` without poisoning.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);
    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().expect("no poisoning in the models")
        }
        /// One attempt: see the module docs.
        pub(crate) fn try_lock_for(&self, _timeout: Duration) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            self.0.try_lock().ok()
        }
    }

    /// `parking_lot::RwLock`: `loom::sync::RwLock` without poisoning.
    #[derive(Debug)]
    pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);
    pub(crate) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;

    impl<T> RwLock<T> {
        pub(crate) fn new(value: T) -> Self {
            RwLock(loom::sync::RwLock::new(value))
        }
        pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
            self.0.read().expect("no poisoning in the models")
        }
        pub(crate) fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
            self.0.try_read().ok()
        }
        /// One attempt: see the module docs.
        pub(crate) fn try_read_for(&self, _timeout: Duration) -> Option<RwLockReadGuard<'_, T>> {
            self.try_read()
        }
        pub(crate) fn write(&self) -> loom::sync::RwLockWriteGuard<'_, T> {
            self.0.write().expect("no poisoning in the models")
        }
    }

    /// `arc_swap::ArcSwap`: the current `Arc` behind a loom mutex. Same
    /// contract: `load` returns a complete value that stays alive while it
    /// is held, `store` replaces it for every later `load`.
    #[derive(Debug)]
    pub(crate) struct ArcCell<T>(loom::sync::Mutex<std::sync::Arc<T>>);
    pub(crate) type ArcCellGuard<T> = std::sync::Arc<T>;

    impl<T> ArcCell<T> {
        pub(crate) fn from_pointee(value: T) -> Self {
            ArcCell(loom::sync::Mutex::new(std::sync::Arc::new(value)))
        }
        pub(crate) fn load(&self) -> ArcCellGuard<T> {
            self.0.lock().expect("no poisoning in the models").clone()
        }
        pub(crate) fn store(&self, value: std::sync::Arc<T>) {
            *self.0.lock().expect("no poisoning in the models") = value;
        }
    }

    /// `seqlock::SeqLock<T: Copy>`: a loom `RwLock`. Same contract: `read`
    /// returns a copy no writer was changing, `lock_write` excludes other
    /// writers and readers see the whole write or none of it. (The crate's
    /// racing volatile copy is a data race loom would report, as the
    /// `seqlock-crate` docs say of the Rust memory model.)
    #[derive(Debug)]
    pub(crate) struct SeqLock<T>(loom::sync::RwLock<T>);

    impl<T: Copy> SeqLock<T> {
        pub(crate) fn new(value: T) -> Self {
            SeqLock(loom::sync::RwLock::new(value))
        }
        pub(crate) fn read(&self) -> T {
            *self.0.read().expect("no poisoning in the models")
        }
        pub(crate) fn lock_write(&self) -> loom::sync::RwLockWriteGuard<'_, T> {
            self.0.write().expect("no poisoning in the models")
        }
    }

    /// The subset of `crossbeam_epoch` the `epoch` guard uses, over a loom
    /// `AtomicPtr`, so loom checks the guard's own orderings on the pointer.
    /// Simplified: a pin is a token, and a deferred destruction never runs
    /// (the model ends first; the memory is leaked, which loom does not
    /// track for `Box`).
    pub(crate) mod epoch {
        use loom::sync::atomic::{AtomicPtr, Ordering};
        use std::marker::PhantomData;

        /// `epoch::Guard`: a pinned section.
        #[derive(Debug)]
        pub(crate) struct Guard(());

        /// `epoch::pin`.
        pub(crate) fn pin() -> Guard {
            Guard(())
        }

        static UNPROTECTED: Guard = Guard(());

        /// `epoch::unprotected`.
        ///
        /// # Safety
        /// As crossbeam's: the caller guarantees no other thread accesses
        /// what it loads with this guard.
        pub(crate) unsafe fn unprotected() -> &'static Guard {
            &UNPROTECTED
        }

        impl Guard {
            /// `Guard::defer_destroy`: never runs in a model (see above).
            ///
            /// # Safety
            /// As crossbeam's: `_ptr` is no longer reachable by new readers.
            pub(crate) unsafe fn defer_destroy<T>(&self, _ptr: Shared<'_, T>) {}
        }

        /// `epoch::Owned`.
        #[derive(Debug)]
        pub(crate) struct Owned<T>(Box<T>);

        impl<T> Owned<T> {
            pub(crate) fn new(value: T) -> Self {
                Owned(Box::new(value))
            }
        }

        /// `epoch::Shared`: a pointer valid while its guard is pinned.
        #[derive(Debug)]
        pub(crate) struct Shared<'g, T>(*mut T, PhantomData<&'g Guard>);

        impl<T> Shared<'_, T> {
            pub(crate) fn as_raw(&self) -> *const T {
                self.0
            }
            pub(crate) fn is_null(&self) -> bool {
                self.0.is_null()
            }
            /// `Shared::into_owned`.
            ///
            /// # Safety
            /// As crossbeam's: the pointer came from `Owned::new` and nothing
            /// else will use it.
            pub(crate) unsafe fn into_owned(self) -> Owned<T> {
                // SAFETY: the caller's contract: the pointer is from
                // `Box::into_raw` (in `Atomic::new` or `swap`) and unique.
                Owned(unsafe { Box::from_raw(self.0) })
            }
        }

        /// `epoch::Atomic`.
        #[derive(Debug)]
        pub(crate) struct Atomic<T>(AtomicPtr<T>);

        impl<T> Atomic<T> {
            pub(crate) fn new(value: T) -> Self {
                Atomic(AtomicPtr::new(Box::into_raw(Box::new(value))))
            }
            /// The ordering is the caller's, as in crossbeam.
            pub(crate) fn load<'g>(&self, ord: Ordering, _: &'g Guard) -> Shared<'g, T> {
                Shared(self.0.load(ord), PhantomData)
            }
            /// The ordering is the caller's, as in crossbeam.
            pub(crate) fn swap<'g>(
                &self,
                new: Owned<T>,
                ord: Ordering,
                _: &'g Guard,
            ) -> Shared<'g, T> {
                Shared(self.0.swap(Box::into_raw(new.0), ord), PhantomData)
            }
        }
    }
}
