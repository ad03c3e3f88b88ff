//! The read sections the guards share: one that walks the live zonelists
//! between `read_seqcount_begin` and `read_seqcount_retry`, one that holds a
//! lock for its whole length; and the PREEMPT_RT reader's wait on a lock.

use super::{ReadSection, ReaderProbe};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::sync::{SeqCount, SpinlockT, SpinlockTGuard};
use std::cell::RefCell;
use std::time::Instant;

/// Read section of the guards that walk the live zonelists under a
/// `seqcount_t` (seqcount, seqlock).
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct SeqSection<'a> {
    zonelists: &'a Zonelists,
    seq: &'a SeqCount,
    start: u32,
}

impl<'a> SeqSection<'a> {
    /// `read_seqcount_begin`; `yielding`: the model's spin yields after a
    /// while (a userspace writer can be preempted); otherwise it spins as
    /// the kernel's does (PREEMPT_RT, a bare `seqcount_t`).
    #[inline]
    pub fn begin(
        zonelists: &'a Zonelists,
        seq: &'a SeqCount,
        probe: &mut ReaderProbe,
        yielding: bool,
    ) -> Self {
        let (start, stall) = if yielding {
            seq.read_begin()
        } else {
            seq.read_begin_spinning()
        };
        probe.stalled(stall);
        SeqSection {
            zonelists,
            seq,
            start,
        }
    }
}

impl ZonelistView for SeqSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.zonelists.zoneref(nid, idx)
    }
}

impl ReadSection for SeqSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        self.seq.read_retry(self.start)
    }
}

impl<'a> SeqSection<'a> {
    /// A section that began at count `start` (read by the caller).
    #[inline]
    pub fn from_start(zonelists: &'a Zonelists, seq: &'a SeqCount, start: u32) -> Self {
        SeqSection {
            zonelists,
            seq,
            start,
        }
    }
}

/// A section that holds a lock for its whole length and never retries
/// (`read_seqlock_excl`, a read-write lock's read side).
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct LockedSection<'a, H> {
    _held: H,
    zonelists: &'a Zonelists,
}

impl<'a, H> LockedSection<'a, H> {
    #[inline]
    pub fn new(held: H, zonelists: &'a Zonelists) -> Self {
        LockedSection {
            _held: held,
            zonelists,
        }
    }
}

impl<H> ZonelistView for LockedSection<'_, H> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.zonelists.zoneref(nid, idx)
    }
}

impl<H> ReadSection for LockedSection<'_, H> {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }
}

/// `read_seqlock_excl` .. `read_sequnlock_excl`: a section that holds the
/// writers' `spinlock_t`, so no writer runs while it walks; never retries.
/// Direct reclaim sleeps, which a spinlock holder may not do: the section
/// drops the lock around it and takes it again, and the walk it made
/// before is stale if a writer ran meanwhile (the count moved).
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct ExclSection<'a> {
    zonelists: &'a Zonelists,
    seq: &'a SeqCount,
    lock: &'a SpinlockT,
    /// The lock, held except around reclaim.
    held: RefCell<Option<SpinlockTGuard<'a>>>,
    /// The count when the lock was taken (even: writers hold the lock).
    start: u32,
}

impl<'a> ExclSection<'a> {
    /// Take `lock` (recording the wait in `probe`) over `zonelists`, which
    /// writers rewrite under it and `seq`.
    #[inline]
    pub fn begin(
        zonelists: &'a Zonelists,
        seq: &'a SeqCount,
        lock: &'a SpinlockT,
        probe: &mut ReaderProbe,
    ) -> Self {
        let (held, stall) = lock.lock_counting();
        probe.stalled(stall);
        ExclSection {
            zonelists,
            seq,
            lock,
            held: RefCell::new(Some(held)),
            start: seq.raw_read(),
        }
    }
}

impl ZonelistView for ExclSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        // Walks happen with the lock held (it is dropped only inside
        // `around_reclaim`, which walks nothing).
        self.zonelists.zoneref(nid, idx)
    }
}

impl ReadSection for ExclSection<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }

    fn around_reclaim<R>(&self, reclaim: impl FnOnce() -> R) -> (R, bool) {
        drop(self.held.borrow_mut().take());
        let out = reclaim();
        *self.held.borrow_mut() = Some(self.lock.lock());
        // Under the lock again: a writer that ran meanwhile moved the count.
        (out, self.seq.raw_read() != self.start)
    }
}

/// PREEMPT_RT `read_seqcount_begin` of a count with an associated lock
/// (`__seqprop_*_sequence` with `preemptible`): while the count is odd, wait
/// for the writer by taking and releasing its lock (`wait`), then re-read;
/// never spin on the count itself.
pub fn rt_read_begin(seq: &SeqCount, probe: &mut ReaderProbe, wait: impl Fn()) -> u32 {
    let start = seq.raw_read();
    if start & 1 == 0 {
        return start;
    }
    let t = Instant::now();
    loop {
        wait();
        let start = seq.raw_read();
        if start & 1 == 0 {
            probe.stalled(crate::sync::stall_ns(t));
            return start;
        }
    }
}
