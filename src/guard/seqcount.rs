//! `seqcount`: `seqcount_t zonelist_update_seq` plus the static spinlock of
//! `__build_all_zonelists` (the v1 patch quoted in the 2022 thread).
//!
//! Read protocol: `zonelist_iter_begin` = `read_seqcount_begin` (spins while
//! the count is odd); the walk reads the live entries; `check_retry_zonelist`
//! = `read_seqcount_retry`, made only before OOM and before failing, as in
//! the kernel. Write protocol: `spin_lock(&lock)`, `write_seqcount_begin`,
//! rewrite in place, `write_seqcount_end`, `spin_unlock`. Memory ordering: see
//! `crate::sync::seqcount`.
//!
//! The walk reads each zoneref as the kernel does, index word then zone
//! word (`mm::zonelist`), so it can see a torn pair; the count catches it
//! only when the walk fails (a walk that succeeds is never checked). The
//! count, its ordering and where it is checked are the kernel's.
//!
//! With `--rt` (PREEMPT_RT): the static lock is a `spinlock_t`, which
//! sleeps there, so the writer can be preempted inside its section (a bare
//! `seqcount_t`'s `write_seqcount_begin` does not disable preemption); and
//! a bare count has no lock for readers to wait on, so they spin on the odd
//! count as the kernel does, never yielding (`SeqCount::read_begin_spinning`;
//! their spin time is the reader stall). The livelock `seqcount_LOCKNAME_t`
//! exists to prevent: a reader of higher priority spinning on the CPU of a
//! preempted writer. The model's threads have no priorities, so it shows as
//! readers burning their CPU for as long as the writer is off it (C6 holds
//! the writer in its section and oversubscribes the readers).

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{SeqFamily, SeqWriteSide, SeqZonelists, WriterCtx};
use crate::mm::zonelist::Zonelists;

/// The write side of `seqcount`: the static spinlock, then the count.
#[derive(Debug)]
pub struct SeqcountWrite;

impl SeqWriteSide for SeqcountWrite {
    const NAME: &'static str = "seqcount";
    const MODELS: &'static str = "seqcount_t + static spinlock (the v1 fix in the thread)";
    const LOOK: Look = Look::new(
        Family::SequenceCounts,
        Hue::Blue,
        Marker::Circle,
        Dash::Solid,
    );
    /// A bare seqcount_t: no lock for RT readers to wait on.
    const RT_READS_LOCK: bool = false;

    fn write(zonelists: &SeqZonelists, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        zonelists.write(writer, build);
    }
}

pub type Seqcount = SeqFamily<SeqcountWrite>;
