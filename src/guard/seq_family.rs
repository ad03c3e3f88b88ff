//! The seqcount family: zonelists rewritten in place under a `seqcount_t`,
//! writers serialised by a spinlock. `seqcount` and `seqlock` are this one
//! guard with different write sides; `seqlock-excl` and `seqbegin-or-lock`
//! reuse its state.

use super::section::{rt_read_begin, LockedSection, SeqSection};
use super::{GuardOpts, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;
use crate::sync::{SeqCount, SpinLock, SpinLockGuard};
use crossbeam_utils::CachePadded;
use std::marker::PhantomData;

/// Zonelists rewritten in place under a `seqcount_t`, writers serialised by
/// a spinlock: the state shared by `seqcount` (a static spinlock beside the
/// count) and `seqlock` (the lock inside `seqlock_t`), which differ only in
/// what the writer does around it.
#[derive(Debug)]
pub struct SeqZonelists {
    lock: SpinLock<()>,
    seq: CachePadded<SeqCount>,
    zonelists: Zonelists,
    /// PREEMPT_RT reader semantics (`seqlock_t` only: its count is a
    /// `seqcount_spinlock_t` since v5.10).
    rt: bool,
}

impl SeqZonelists {
    pub fn new(nodes: usize, rt: bool, build: &dyn Fn(&Zonelists)) -> Self {
        SeqZonelists {
            lock: SpinLock::new(()),
            seq: CachePadded::new(SeqCount::new()),
            zonelists: Zonelists::built(nodes, build),
            rt,
        }
    }

    #[inline]
    pub fn zonelists(&self) -> &Zonelists {
        &self.zonelists
    }
    /// `read_seqbegin`: spins while odd, or with PREEMPT_RT takes and
    /// releases the lock (which a preempted writer holds) instead.
    #[inline]
    pub fn read_begin(&self, probe: &mut ReaderProbe) -> SeqSection<'_> {
        if self.rt {
            let start = rt_read_begin(&self.seq, probe, || drop(self.lock.lock()));
            SeqSection::from_start(&self.zonelists, &self.seq, start)
        } else {
            SeqSection::begin(&self.zonelists, &self.seq, probe)
        }
    }

    /// `read_seqlock_excl`: the writers' lock, held by a reader.
    #[inline]
    pub fn read_excl(&self, probe: &mut ReaderProbe) -> LockedSection<'_, SpinLockGuard<'_, ()>> {
        let (held, stall) = self.lock.lock_counting();
        probe.stalled(stall);
        LockedSection::new(held, &self.zonelists)
    }

    /// `spin_lock`; `write_seqcount_begin`; rewrite; `write_seqcount_end`;
    /// `spin_unlock`.
    pub fn write(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _lock = self.lock.lock();
        writer.locked();
        self.seq.write_begin();
        build(&self.zonelists);
        self.seq.write_end();
    }
}

/// The write side of a guard of the seqcount family: everything else (the
/// read protocol, the in-place zonelists) is [`SeqFamily`]'s.
pub trait SeqWriteSide: Send + Sync + 'static {
    const NAME: &'static str;
    const MODELS: &'static str;
    /// Readers follow PREEMPT_RT semantics under `--rt` (a `seqlock_t`,
    /// whose count has an associated lock; not a bare `seqcount_t`).
    const RT_READS_LOCK: bool;
    /// Run the rebuild: at least `zonelists.write(build)`.
    fn write(zonelists: &SeqZonelists, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists));
}

/// A guard whose readers walk the live zonelists between
/// `read_seqcount_begin` and `read_seqcount_retry`; `W` is its write side.
#[derive(Debug)]
pub struct SeqFamily<W>(SeqZonelists, PhantomData<W>);

impl<W: SeqWriteSide> ZonelistGuard for SeqFamily<W> {
    const NAME: &'static str = W::NAME;
    const MODELS: &'static str = W::MODELS;
    const PREVENTS_FALSE_OOM: bool = true;
    const HONOURS_RT: bool = W::RT_READS_LOCK;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        SeqFamily(
            SeqZonelists::new(nodes, opts.rt && W::RT_READS_LOCK, build),
            PhantomData,
        )
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        self.0.zonelists()
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> SeqSection<'_> {
        self.0.read_begin(probe)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        W::write(&self.0, writer, build);
    }
}
