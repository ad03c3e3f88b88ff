//! `seqlock-excl`: readers take `read_seqlock_excl(&zonelist_update_seq)`,
//! i.e. the seqlock_t's spinlock, for their whole section.
//!
//! Read protocol: `spin_lock(&sl->lock)` at `zonelist_iter_begin`, walk the
//! live entries, `spin_unlock` when the section ends; never retries. Other
//! locking readers and writers are excluded for the section; lockless readers
//! (the fast path at `--scope slowpath`) are not. Write protocol: as
//! `seqlock` (`write_seqlock_irqsave`: the writer CPU's interrupts masked,
//! the same spinlock, then the count), so a writer waits for every locking
//! reader in a section.
//!
//! This is what Mel Gorman called "basically a global memory allocator
//! lock". Simplification: the kernel would have to drop a spinlock across
//! direct reclaim (which sleeps); the model holds it for the whole section,
//! which is what a section means here, and reclaim is a busy wait.

use crate::guard::{GuardOpts, LockedSection, ReaderProbe, SeqZonelists, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;
use crate::sync::SpinLockGuard;

#[derive(Debug)]
pub struct SeqlockExcl(SeqZonelists);

impl ZonelistGuard for SeqlockExcl {
    const NAME: &'static str = "seqlock-excl";
    const MODELS: &'static str = "read_seqlock_excl: readers hold the seqlock's spinlock";
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = LockedSection<'a, SpinLockGuard<'a, ()>>;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        // The lock is taken by every reader whatever the count: --rt has no
        // reader path to change (RT's lock would sleep; the model's yields).
        SeqlockExcl(SeqZonelists::new(nodes, false, build))
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        self.0.zonelists()
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, _retry: bool) -> Self::Section<'_> {
        self.0.read_excl(probe)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _irq = writer.irq_save();
        self.0.write(writer, build);
    }
}
