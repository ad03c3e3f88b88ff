//! `seqcount-spinlock`: `seqcount_spinlock_t`, a sequence count with an
//! associated lock that every writer must hold (lockdep asserts it; here the
//! write helper takes the lock's guard, so the compiler checks it).
//!
//! Read protocol, normally: as `seqcount` (`read_seqcount_begin` spins while
//! odd, `read_seqcount_retry` before OOM and before failing). With `--rt`
//! (PREEMPT_RT), a reader that finds the count odd does not spin: it takes
//! and releases the associated lock, which on RT is a sleeping lock, so it
//! waits for the (possibly preempted) writer to finish, then reads the count
//! again (`__seqprop_spinlock_sequence` with `preemptible`). Write protocol:
//! take the associated lock, `write_seqcount_begin`, rewrite in place,
//! `write_seqcount_end`, unlock.
//!
//! The associated lock is a `spinlock_t` (`sync::SpinlockT`): spinning
//! without `--rt`, where readers never touch it, so the whole guard equals
//! `seqcount`; sleeping with `--rt` (the same type as `seqlock`'s lock).
//!
//! Model checking (`tests/loom.rs`): under `--cfg loom` the sleeping lock
//! is replaced by a stand-in with the same contract (`crate::primitive`),
//! so the `--rt` read side can wait on it in a model.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{rt_read_begin, GuardOpts, ReaderProbe, SeqSection, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;
use crate::sync::{SeqCount, SpinlockT, SpinlockTGuard};
use crossbeam_utils::CachePadded;

#[derive(Debug)]
pub struct SeqcountSpinlock {
    /// The associated `spinlock_t` (sleeping under PREEMPT_RT).
    lock: SpinlockT,
    seq: CachePadded<SeqCount>,
    zonelists: Zonelists,
}

impl SeqcountSpinlock {
    /// `write_seqcount_begin` .. `end` on a `seqcount_spinlock_t`: the
    /// caller proves it holds the associated lock by passing its guard
    /// (lockdep_assert_held, checked by the type system here).
    fn write_locked(&self, _held: &SpinlockTGuard<'_>, build: &dyn Fn(&Zonelists)) {
        self.seq.write_begin();
        build(&self.zonelists);
        self.seq.write_end();
    }
}

impl ZonelistGuard for SeqcountSpinlock {
    const NAME: &'static str = "seqcount-spinlock";
    const MODELS: &'static str = "seqcount_spinlock_t; --rt: readers wait on the lock, not spin";
    const LOOK: Option<Look> = Some(Look::new(
        Family::SequenceCounts,
        Hue::SkyBlue,
        Marker::Cross,
        Dash::Long,
    ));
    const PREVENTS_FALSE_OOM: bool = true;
    const HONOURS_RT: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::built(nodes, build);
        SeqcountSpinlock {
            lock: SpinlockT::new(opts.rt),
            seq: CachePadded::new(SeqCount::new()),
            zonelists,
        }
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        &self.zonelists
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> SeqSection<'_> {
        if self.lock.sleeps() {
            let start = rt_read_begin(&self.seq, probe, || self.lock.wait());
            SeqSection::from_start(&self.zonelists, &self.seq, start)
        } else {
            SeqSection::begin(&self.zonelists, &self.seq, probe, true)
        }
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let lock = self.lock.lock();
        writer.locked();
        self.write_locked(&lock, build);
    }
}
