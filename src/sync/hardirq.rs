//! Interrupt context on a simulated CPU (`irq_enter` .. `irq_exit`), and the
//! bound on how long code in it may wait.
//!
//! A kernel interrupt handler runs on the CPU it interrupted, on top of the
//! interrupted code: if it waits for something that code holds (an odd
//! sequence count its writer will end, a lock it will release), it waits
//! forever, because the interrupted code cannot run again until the handler
//! returns. The interrupt model (`workload::irq`) runs a handler the same
//! way, on the thread it interrupts, so the same wait would hang the thread
//! and the run. To keep every run bounded, a thread in interrupt context
//! carries a deadline:
//!
//! 1. [`irq_enter`] sets the deadline (entry + bound); dropping the returned
//!    [`HardIrq`] (`irq_exit`) clears it.
//! 2. The slow paths of the waits the allocator can reach check it: the
//!    spin on an odd count (`SeqCount::read_begin`), a contended spinlock
//!    (`SpinLock::lock_contended`), and the guards' blocking waits on a
//!    `parking_lot` lock, which in interrupt context wait at most
//!    [`irq_time_left`].
//! 3. Past the deadline, [`irq_deadlock`] abandons the handler: it unwinds
//!    with an [`IrqDeadlock`] payload through `std::panic::resume_unwind`,
//!    which does not run the panic hook (nothing is printed). The interrupt
//!    model catches it and records a deadlock.
//!
//! Only cold wait loops check the deadline; an uncontended lock or an even
//! count never reads it. Outside interrupt context a check is one
//! thread-local load.
//!
//! PREEMPT_RT (`--rt`) threads device interrupts: the handler runs in a
//! thread of higher priority on the same CPU, and a `spinlock_t`,
//! `rwlock_t` or mutex it meets is a sleeping rt_mutex whose waiter boosts
//! the holder. [`irq_enter_threaded`] models that context: a wait on a
//! lock does not spin to the deadline but unwinds at once with an
//! [`IrqBlocked`] payload (the handler sleeps; the interrupt model runs it
//! again when the interrupted write section has ended, as the boosted
//! writer would let it); a spin on an odd count still runs to the
//! deadline (a FIFO thread spinning above the writer on its CPU never lets
//! it run: a livelock the bound turns into a deadlock).
//!
//! Unwinding out of a wait must leave the model consistent: every bounded
//! wait is at a point where the waiting code has changed nothing shared yet
//! (a section begins before any page is taken; a zone lock is taken before
//! its lists are touched), and the guards it holds (a per-CPU lock, a read
//! section) release on drop. `workload::irq` lists the wait points.

use std::cell::Cell;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

/// What an interrupt handler was waiting for when its deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqWait {
    /// Spinning on an odd sequence count (`read_seqbegin`).
    OddCount,
    /// A contended spinlock.
    SpinLock,
    /// A `parking_lot::RwLock` read acquisition (the `rwlock` guard).
    RwLock,
    /// A `parking_lot::Mutex` (the PREEMPT_RT read side of
    /// `seqcount-spinlock`).
    Mutex,
}

impl IrqWait {
    /// Waiting on a lock (rather than on a count).
    pub fn on_lock(self) -> bool {
        self != IrqWait::OddCount
    }

    pub fn name(self) -> &'static str {
        match self {
            IrqWait::OddCount => "odd sequence count",
            IrqWait::SpinLock => "spinlock",
            IrqWait::RwLock => "rwlock",
            IrqWait::Mutex => "mutex",
        }
    }
}

/// The unwind payload of an abandoned interrupt handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IrqDeadlock {
    pub wait: IrqWait,
}

/// The unwind payload of a threaded handler that blocked on a lock
/// ([`irq_enter_threaded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IrqBlocked {
    pub wait: IrqWait,
}

thread_local! {
    /// When this thread's interrupt handler is declared deadlocked; `None`
    /// outside interrupt context.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    /// The handler is a PREEMPT_RT interrupt thread: lock waits block.
    static THREADED: Cell<bool> = const { Cell::new(false) };
}

/// Interrupt context on this thread until dropped (`irq_exit`).
#[must_use = "interrupt context ends when this is dropped"]
#[derive(Debug)]
pub struct HardIrq {
    prev: Option<Instant>,
    prev_threaded: bool,
    /// The deadline is this thread's: the token must not move to another.
    _thread: PhantomData<*const ()>,
}

/// `irq_enter`: this thread runs an interrupt handler whose waits may last
/// `bound` in all before it is abandoned as a deadlock.
pub fn irq_enter(bound: Duration) -> HardIrq {
    enter(bound, false)
}

/// A PREEMPT_RT interrupt thread's context (see the module docs): as
/// [`irq_enter`], but a wait on a lock unwinds at once with
/// [`IrqBlocked`].
pub fn irq_enter_threaded(bound: Duration) -> HardIrq {
    enter(bound, true)
}

fn enter(bound: Duration, threaded: bool) -> HardIrq {
    let prev = DEADLINE.with(|d| d.replace(Some(Instant::now() + bound)));
    let prev_threaded = THREADED.with(|t| t.replace(threaded));
    HardIrq {
        prev,
        prev_threaded,
        _thread: PhantomData,
    }
}

impl Drop for HardIrq {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.prev));
        THREADED.with(|t| t.set(self.prev_threaded));
    }
}

/// In a threaded handler, whether a wait on `wait` blocks (a lock).
fn blocks(wait: IrqWait) -> bool {
    wait.on_lock() && THREADED.with(|t| t.get())
}

/// `in_hardirq()`.
pub fn in_hardirq() -> bool {
    DEADLINE.with(|d| d.get()).is_some()
}

/// In interrupt context, how long a wait on a lock may still last (zero
/// once the deadline has passed, and in a threaded handler, whose lock
/// waits block at once); `None` outside it (wait as long as it takes).
pub fn irq_time_left() -> Option<Duration> {
    let left = DEADLINE
        .with(|d| d.get())
        .map(|t| t.saturating_duration_since(Instant::now()));
    match THREADED.with(|t| t.get()) {
        true => left.map(|_| Duration::ZERO),
        false => left,
    }
}

/// One step of a wait loop waiting for `wait`: abandons the interrupt
/// handler if its deadline has passed. Call it only from slow paths.
#[inline]
pub fn irq_wait_check(wait: IrqWait) {
    if let Some(t) = DEADLINE.with(|d| d.get()) {
        if blocks(wait) || Instant::now() >= t {
            irq_deadlock(wait);
        }
    }
}

/// Abandon the interrupt handler waiting for `wait` (see the module docs):
/// a deadlock, or in a threaded handler waiting on a lock, a block.
#[cold]
#[inline(never)]
pub fn irq_deadlock(wait: IrqWait) -> ! {
    debug_assert!(in_hardirq(), "irq_deadlock outside interrupt context");
    if blocks(wait) {
        std::panic::resume_unwind(Box::new(IrqBlocked { wait }))
    }
    std::panic::resume_unwind(Box::new(IrqDeadlock { wait }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_is_per_thread_and_restored() {
        assert!(!in_hardirq());
        assert_eq!(irq_time_left(), None);
        {
            let _irq = irq_enter(Duration::from_secs(60));
            assert!(in_hardirq());
            assert!(irq_time_left().unwrap() > Duration::from_secs(59));
            std::thread::spawn(|| assert!(!in_hardirq()))
                .join()
                .unwrap();
            irq_wait_check(IrqWait::OddCount);
        }
        assert!(!in_hardirq());
        irq_wait_check(IrqWait::OddCount);
    }

    #[test]
    fn a_passed_deadline_unwinds_with_the_wait() {
        let r = std::panic::catch_unwind(|| {
            let _irq = irq_enter(Duration::ZERO);
            assert_eq!(irq_time_left(), Some(Duration::ZERO));
            irq_wait_check(IrqWait::RwLock);
        });
        let d = r.unwrap_err().downcast::<IrqDeadlock>().unwrap();
        assert_eq!(d.wait, IrqWait::RwLock);
        assert!(!in_hardirq(), "irq_exit ran while unwinding");
    }

    #[test]
    fn a_threaded_handler_blocks_on_a_lock_at_once_but_spins_on_a_count() {
        let r = std::panic::catch_unwind(|| {
            let _irq = irq_enter_threaded(Duration::from_secs(60));
            assert_eq!(irq_time_left(), Some(Duration::ZERO));
            irq_wait_check(IrqWait::OddCount);
            irq_wait_check(IrqWait::SpinLock);
        });
        let b = r.unwrap_err().downcast::<IrqBlocked>().unwrap();
        assert_eq!(b.wait, IrqWait::SpinLock);
        assert!(!in_hardirq());
        let r = std::panic::catch_unwind(|| {
            let _irq = irq_enter_threaded(Duration::ZERO);
            irq_wait_check(IrqWait::OddCount);
        });
        assert!(r.unwrap_err().downcast::<IrqDeadlock>().is_ok());
        let _irq = irq_enter(Duration::from_secs(60));
        assert!(
            irq_time_left().unwrap() > Duration::from_secs(59),
            "not threaded"
        );
    }
}
