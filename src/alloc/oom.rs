//! The OOM killer's serialisation, as `__alloc_pages_may_oom` and
//! `out_of_memory` (mm/page_alloc.c, mm/oom_kill.c, v6.1) meet it:
//!
//! * `oom_lock`: `__alloc_pages_may_oom` takes it with `mutex_trylock`; a
//!   caller that fails ("somebody else is making progress for us") sleeps
//!   one jiffy (`schedule_timeout_uninterruptible(1)`) and reports
//!   progress, without a walk: it goes back to `retry:`.
//! * One victim in flight: `oom_evaluate_task` aborts the selection
//!   (`oc->chosen = (void *)-1UL`) while an earlier victim has not reached
//!   `MMF_OOM_SKIP`; `out_of_memory` then returns true without a kill, and
//!   the caller, told it made progress, goes back to `retry:`. So
//!   allocations failing together make one kill, not one each.
//!
//! Simplifications, and why they do not change what is measured:
//! * The model has no tasks. A victim has no memory the model tracks: it
//!   is in flight for [`VICTIM_EXIT`] after its kill (the milliseconds an
//!   exiting task takes to reach `exit_mmap`, which sets `MMF_OOM_SKIP`;
//!   `AllocConfig::oom_victim_exit_ns`), then gone; its exit frees
//!   nothing. An allocation that has killed, or has waited out a victim,
//!   and comes back to `out_of_memory` with none in flight goes to
//!   `nopage` instead of killing again (the kernel would kill a second
//!   task, whose memory the model does not have either): every race the
//!   suite measures happens before the first kill, and every kill is
//!   counted and judged (`failure.rs`).
//! * A jiffy is 1 ms (CONFIG_HZ=1000).

use crate::metrics::timer;
use crate::primitive::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crossbeam_utils::CachePadded;
use std::time::Duration;

/// One jiffy at CONFIG_HZ=1000: the sleep of a caller that lost
/// `mutex_trylock(&oom_lock)`.
pub const JIFFY: Duration = Duration::from_millis(1);

/// How long a victim stays in flight after its kill, by default (see the
/// module docs).
pub const VICTIM_EXIT: Duration = Duration::from_millis(5);

/// `oom_lock` and the victim in flight.
#[derive(Debug)]
pub(crate) struct OomKiller {
    /// How long a victim stays in flight, nanoseconds.
    exit_ns: u64,
    /// `oom_lock` (only ever try-locked, as `__alloc_pages_may_oom` does).
    lock: CachePadded<AtomicBool>,
    /// When the victim in flight reaches `MMF_OOM_SKIP`, in nanoseconds of
    /// the timer (0: no victim yet).
    victim_gone_at: CachePadded<AtomicU64>,
}

/// `oom_lock`, held until dropped.
#[must_use = "dropping it at once releases oom_lock"]
pub(crate) struct OomLock<'a>(&'a OomKiller);

impl Drop for OomLock<'_> {
    fn drop(&mut self) {
        // Release: what the holder did under the lock (its kill) is seen
        // by the next holder, whose Acquire below pairs with this store.
        self.0.lock.store(false, Ordering::Release);
    }
}

/// What `out_of_memory` did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OomOutcome {
    /// A task was killed (did_some_progress).
    Killed,
    /// An earlier victim is still exiting: no kill (did_some_progress).
    VictimInFlight,
    /// None in flight, but this allocation kills no more (see the module
    /// docs): `nopage`.
    Declined,
}

impl OomKiller {
    pub(crate) fn new(exit: Duration) -> Self {
        OomKiller {
            exit_ns: exit.as_nanos() as u64,
            lock: Default::default(),
            victim_gone_at: Default::default(),
        }
    }

    /// `mutex_trylock(&oom_lock)`.
    pub(crate) fn trylock(&self) -> Option<OomLock<'_>> {
        // Acquire on success: pairs with the Release in `OomLock::drop`.
        // Relaxed on failure: nothing is read under a lock not taken.
        self.lock
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            .then_some(OomLock(self))
    }

    /// `out_of_memory` under `oom_lock`: kill (where `may_kill`) unless a
    /// victim is in flight.
    pub(crate) fn out_of_memory(&self, _held: &OomLock<'_>, may_kill: bool) -> OomOutcome {
        // Relaxed: written only under oom_lock, which orders it.
        let gone_at = self.victim_gone_at.load(Ordering::Relaxed);
        let now = now_ns();
        if gone_at != 0 && now < gone_at {
            return OomOutcome::VictimInFlight;
        }
        if !may_kill {
            return OomOutcome::Declined;
        }
        // Relaxed: as the load.
        self.victim_gone_at
            .store(now + self.exit_ns, Ordering::Relaxed);
        OomOutcome::Killed
    }

    /// Whether a victim is still exiting.
    #[cfg(test)]
    fn victim_in_flight(&self) -> bool {
        // Relaxed: a stale answer only makes one more trip through
        // `retry:`, as a victim exiting a moment later would.
        let gone_at = self.victim_gone_at.load(Ordering::Relaxed);
        gone_at != 0 && now_ns() < gone_at
    }
}

/// The timer's reading in nanoseconds (at least 1: 0 means no victim).
fn now_ns() -> u64 {
    (timer::ticks_to_ns(timer::now().ticks()) as u64).max(1)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let k = OomKiller::new(VICTIM_EXIT);
        let held = k.trylock().expect("free");
        assert!(k.trylock().is_none(), "trylock fails while held");
        drop(held);
        assert!(k.trylock().is_some(), "free again once dropped");
    }

    #[test]
    fn a_victim_in_flight_holds_off_the_next_kill() {
        let k = OomKiller::new(VICTIM_EXIT);
        let held = k.trylock().unwrap();
        assert_eq!(k.out_of_memory(&held, true), OomOutcome::Killed);
        assert_eq!(k.out_of_memory(&held, true), OomOutcome::VictimInFlight);
        assert!(k.victim_in_flight());
        std::thread::sleep(VICTIM_EXIT * 2);
        assert!(!k.victim_in_flight());
        assert_eq!(k.out_of_memory(&held, false), OomOutcome::Declined);
        assert_eq!(k.out_of_memory(&held, true), OomOutcome::Killed);
    }
}
