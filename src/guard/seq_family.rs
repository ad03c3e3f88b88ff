//! The seqcount family: zonelists rewritten in place under a `seqcount_t`,
//! writers serialised by a spinlock. `seqcount` and `seqlock` are this one
//! guard with different write sides; `seqlock-excl` and `seqbegin-or-lock`
//! reuse its state.

use super::section::{rt_read_begin, ExclSection, SeqSection};
use super::{GuardOpts, Look, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;
use crate::sync::{SeqCount, SpinlockT};
use crossbeam_utils::CachePadded;
use std::marker::PhantomData;

/// Zonelists rewritten in place under a `seqcount_t`, writers serialised by
/// a spinlock: the state shared by `seqcount` (a static spinlock beside the
/// count) and `seqlock` (the lock inside `seqlock_t`), which differ only in
/// what the writer does around it.
#[derive(Debug)]
pub struct SeqZonelists {
    /// A `spinlock_t`: it sleeps under PREEMPT_RT, and its holder, the
    /// writer, can then be preempted inside the section.
    lock: SpinlockT,
    seq: CachePadded<SeqCount>,
    zonelists: Zonelists,
    /// How a reader that finds the count odd waits.
    odd: OddCount,
}

/// What a reader does on an odd count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OddCount {
    /// Spins, yielding after a while (no PREEMPT_RT: the writer's lock
    /// keeps it from being preempted; the yield is for userspace).
    Spin,
    /// PREEMPT_RT, a bare `seqcount_t`: spins as the kernel does and never
    /// yields, while the writer, holding a sleeping lock, may be preempted.
    SpinRt,
    /// PREEMPT_RT, a count with an associated lock (`seqlock_t`, whose
    /// count is a `seqcount_spinlock_t` since v5.10): takes and releases
    /// the lock, waiting for the writer instead of spinning.
    WaitOnLock,
}

impl SeqZonelists {
    /// Zonelists under a count whose writers hold a `spinlock_t`, on a
    /// kernel with (`rt`) or without PREEMPT_RT; `associated`: the count
    /// knows its lock (a `seqlock_t`), so RT readers wait on it.
    pub fn new(nodes: usize, rt: bool, associated: bool, build: &dyn Fn(&Zonelists)) -> Self {
        SeqZonelists {
            lock: SpinlockT::new(rt),
            seq: CachePadded::new(SeqCount::new()),
            zonelists: Zonelists::built(nodes, build),
            odd: match (rt, associated) {
                (false, _) => OddCount::Spin,
                (true, false) => OddCount::SpinRt,
                (true, true) => OddCount::WaitOnLock,
            },
        }
    }

    /// Whether this is a PREEMPT_RT kernel (its `spinlock_t` sleeps, and
    /// `spin_lock_irqsave` leaves interrupts on).
    #[inline]
    pub fn rt(&self) -> bool {
        self.lock.sleeps()
    }

    #[inline]
    pub fn zonelists(&self) -> &Zonelists {
        &self.zonelists
    }

    /// The count, for a guard with a read side of its own (`raw-seqcount`).
    #[inline]
    pub fn seq(&self) -> &SeqCount {
        &self.seq
    }
    /// `read_seqbegin`: spins while odd, or with PREEMPT_RT and an
    /// associated lock takes and releases it (a preempted writer holds it)
    /// instead (see [`OddCount`]).
    #[inline]
    pub fn read_begin(&self, probe: &mut ReaderProbe) -> SeqSection<'_> {
        match self.odd {
            OddCount::Spin => SeqSection::begin(&self.zonelists, &self.seq, probe, true),
            OddCount::SpinRt => SeqSection::begin(&self.zonelists, &self.seq, probe, false),
            OddCount::WaitOnLock => {
                let start = rt_read_begin(&self.seq, probe, || self.lock.wait());
                SeqSection::from_start(&self.zonelists, &self.seq, start)
            }
        }
    }

    /// `read_seqlock_excl`: the writers' lock, held by a reader (a
    /// sleeping lock under PREEMPT_RT).
    #[inline]
    pub fn read_excl(&self, probe: &mut ReaderProbe) -> ExclSection<'_> {
        ExclSection::begin(&self.zonelists, &self.seq, &self.lock, probe)
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
    /// How it is drawn (`ZonelistGuard::LOOK`).
    const LOOK: Look;
    /// The count has an associated lock (a `seqlock_t`; not a bare
    /// `seqcount_t`): under `--rt` readers wait on it instead of spinning.
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
    const LOOK: Option<Look> = Some(W::LOOK);
    const PREVENTS_FALSE_OOM: bool = true;
    /// Both kinds change under `--rt`: the writer's `spinlock_t` sleeps,
    /// and readers either wait on it or spin without yielding.
    const HONOURS_RT: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        SeqFamily(
            SeqZonelists::new(nodes, opts.rt, W::RT_READS_LOCK, build),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_reader_does_on_an_odd_count_per_kernel_and_count() {
        let odd = |rt, associated| SeqZonelists::new(1, rt, associated, &|_| {}).odd;
        // No PREEMPT_RT: spin (yielding, for userspace), whatever the count.
        assert_eq!(odd(false, false), OddCount::Spin);
        assert_eq!(odd(false, true), OddCount::Spin);
        // PREEMPT_RT: a bare seqcount_t spins as the kernel does; a count
        // with an associated lock waits on it.
        assert_eq!(odd(true, false), OddCount::SpinRt);
        assert_eq!(odd(true, true), OddCount::WaitOnLock);
        // And the writers' spinlock_t sleeps only under PREEMPT_RT.
        assert!(SeqZonelists::new(1, true, false, &|_| {}).rt());
        assert!(!SeqZonelists::new(1, false, true, &|_| {}).rt());
    }
}
