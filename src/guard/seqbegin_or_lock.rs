//! `seqbegin-or-lock`: `read_seqbegin_or_lock` with the corrected pattern
//! (`seq = 0; do { read_seqbegin_or_lock(&sl, &seq); ... } while
//! (need_seqretry(&sl, seq)); done_seqretry(&sl, seq)`, the first pass
//! lockless and, when it must retry, the next pass locked).
//!
//! Read protocol: a first pass is `read_seqbegin` (spins while odd) and is
//! checked with `read_seqretry`; a pass after a retry takes the seqlock's
//! spinlock (`read_seqlock_excl`) and cannot fail. Locked passes are counted
//! (`locked_passes`). Write protocol: `write_seqlock_irqsave` (the writer
//! CPU's interrupts masked, the spinlock, then the count). Under frequent writers the locked passes serialise readers, "the
//! retry step is heavy and acts as a global lock". With `--rt` the lockless
//! pass waits on the lock instead of spinning, as `seqlock`'s readers do.
//!
//! The locked pass drops its spinlock around direct reclaim and the
//! per-CPU drain, which sleep, and restarts if a writer ran meanwhile
//! (`ExclSection`, as `seqlock-excl`).

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{
    ExclSection, GuardOpts, ReadSection, ReaderProbe, SeqSection, SeqZonelists, WriterCtx,
    ZonelistGuard,
};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};

#[derive(Debug)]
pub struct SeqbeginOrLock(SeqZonelists);

/// The lockless first pass, or the locked pass after a retry.
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub enum OrLockSection<'a> {
    Lockless(SeqSection<'a>),
    Locked(ExclSection<'a>),
}

impl ZonelistView for OrLockSection<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        match self {
            OrLockSection::Lockless(s) => s.zoneref(nid, idx),
            OrLockSection::Locked(s) => s.zoneref(nid, idx),
        }
    }
}

impl ReadSection for OrLockSection<'_> {
    /// `need_seqretry`: only a lockless pass can need one.
    #[inline]
    fn need_retry(&self) -> bool {
        match self {
            OrLockSection::Lockless(s) => s.need_retry(),
            OrLockSection::Locked(_) => false,
        }
    }

    /// The locked pass drops its lock around reclaim (`ExclSection`).
    fn around_reclaim<R>(&self, reclaim: impl FnOnce() -> R) -> (R, bool) {
        match self {
            OrLockSection::Lockless(s) => s.around_reclaim(reclaim),
            OrLockSection::Locked(s) => s.around_reclaim(reclaim),
        }
    }
}

impl ZonelistGuard for SeqbeginOrLock {
    const NAME: &'static str = "seqbegin-or-lock";
    const MODELS: &'static str = "read_seqbegin_or_lock: lockless pass, then a locked retry";
    const LOOK: Option<Look> = Some(Look::new(
        Family::SequenceCounts,
        Hue::Purple,
        Marker::Diamond,
        Dash::Dot,
    ));
    const PREVENTS_FALSE_OOM: bool = true;
    const HONOURS_RT: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = OrLockSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        SeqbeginOrLock(SeqZonelists::new(nodes, opts.rt, true, build))
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        self.0.zonelists()
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, retry: bool) -> OrLockSection<'_> {
        if retry {
            probe.locked_passes += 1;
            OrLockSection::Locked(self.0.read_excl(probe))
        } else {
            OrLockSection::Lockless(self.0.read_begin(probe))
        }
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        // write_seqlock_irqsave; on PREEMPT_RT interrupts stay on.
        let _irq = (!self.0.rt()).then(|| writer.irq_save());
        self.0.write(writer, build);
    }
}
