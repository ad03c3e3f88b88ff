//! What the kernel-RCU guards (`rcu-qsbr`, `rcu-preempt` and their recheck
//! variants) share: the optional expedited barrier of a rebuild
//! ([`GuardOpts::rcu_expedited`](super::GuardOpts::rcu_expedited)), and
//! freeing a copy of the zonelists whose grace period has ended.
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` there is no system
//! call (the barrier is never registered), and a copy whose grace period
//! ended is not freed but poisoned (every entry set to the terminator) and
//! kept until the guard is dropped. A reader that could still hold it then
//! walks an empty or cut list, which the model reports, where a real free
//! would be a use after free that loom cannot see.

#[cfg(loom)]
use crate::mm::zonelist::ZoneRef;
use crate::mm::zonelist::Zonelists;

/// Copies whose grace period has ended, as the writer frees them.
#[derive(Debug, Default)]
pub(super) struct Reclaim {
    /// Under loom: the poisoned copies, freed with the guard.
    #[cfg(loom)]
    kept: Vec<*mut Zonelists>,
}

// SAFETY: `Reclaim` holds (under loom only) pointers to `Zonelists`, which
// are `Send`, that nothing else frees; the guards keep it under their
// writers' mutex.
unsafe impl Send for Reclaim {}

impl Reclaim {
    /// Free `zonelists` (`kfree`, as the `kfree_rcu()` callback does).
    ///
    /// # Safety
    ///
    /// `zonelists` came from `Box::into_raw`, is no longer reachable from
    /// the guard's published pointer, no reader can still hold it (its grace
    /// period has ended), and it is passed here once.
    pub(super) unsafe fn free(&mut self, zonelists: *mut Zonelists) {
        #[cfg(not(loom))]
        {
            // SAFETY: the caller's contract: an unreachable, unshared box.
            drop(unsafe { Box::from_raw(zonelists) });
        }
        #[cfg(loom)]
        {
            // SAFETY: the caller's contract: the box is valid (it is freed
            // only by `drop` below), and a reader the grace period missed
            // races these stores on atomics, which loom sees.
            let zl = unsafe { &*zonelists };
            for nid in 0..zl.nodes() {
                for idx in 0..zl.stride() {
                    zl.set(nid, idx, ZoneRef::NULL);
                }
            }
            self.kept.push(zonelists);
        }
    }
}

impl Drop for Reclaim {
    fn drop(&mut self) {
        #[cfg(loom)]
        for &p in &self.kept {
            // SAFETY: every kept pointer came from `Box::into_raw` and was
            // passed to `free` once; the guard owning this `Reclaim` is being
            // dropped, so no reader holds it.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// The process-wide barrier of an expedited grace period.
pub(super) mod membarrier {
    /// Register for `MEMBARRIER_CMD_PRIVATE_EXPEDITED`; false where the
    /// system call is missing (an old kernel, a seccomp filter) or under
    /// loom.
    #[cfg(all(target_os = "linux", not(loom)))]
    pub(in crate::guard) fn register() -> bool {
        const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;
        // SAFETY: membarrier takes two integer arguments and touches no
        // memory of ours.
        unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_PRIVATE_EXPEDITED, 0) == 0 }
    }

    /// A full memory barrier on every CPU running a thread of this
    /// process (registered: `register` returned true). Each such CPU takes
    /// an interrupt: `synchronize_rcu_expedited()`'s IPIs.
    #[cfg(all(target_os = "linux", not(loom)))]
    pub(in crate::guard) fn expedited() {
        const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
        // SAFETY: as in `register`.
        let r = unsafe { libc::syscall(libc::SYS_membarrier, PRIVATE_EXPEDITED, 0) };
        assert_eq!(r, 0, "membarrier failed after registering");
    }

    #[cfg(any(not(target_os = "linux"), loom))]
    pub(in crate::guard) fn register() -> bool {
        false
    }

    #[cfg(any(not(target_os = "linux"), loom))]
    pub(in crate::guard) fn expedited() {
        unreachable!("never registered without the system call")
    }
}
