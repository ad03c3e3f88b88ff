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
//! lock". With `--rt` the lock is a sleeping `spinlock_t` for readers and
//! writer alike, and the writer's irqsave masks nothing. A spinlock cannot
//! be held across direct reclaim, which sleeps: the section drops the lock
//! around reclaim, takes it again, and restarts the allocation if a writer
//! ran meanwhile (`ExclSection`), as a kernel conversion would have to.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{ExclSection, GuardOpts, ReaderProbe, SeqZonelists, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;

#[derive(Debug)]
pub struct SeqlockExcl(SeqZonelists);

impl ZonelistGuard for SeqlockExcl {
    const NAME: &'static str = "seqlock-excl";
    const MODELS: &'static str = "read_seqlock_excl: readers hold the seqlock's spinlock";
    const LOOK: Option<Look> = Some(Look::new(
        Family::SequenceCounts,
        Hue::Vermilion,
        Marker::Triangle,
        Dash::Short,
    ));
    const PREVENTS_FALSE_OOM: bool = true;
    const HONOURS_RT: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = ExclSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        // Every reader takes the lock whatever the count; under --rt it is
        // a sleeping lock, readers and writer alike.
        SeqlockExcl(SeqZonelists::new(nodes, opts.rt, true, build))
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
        // write_seqlock_irqsave; on PREEMPT_RT interrupts stay on.
        let _irq = (!self.0.rt()).then(|| writer.irq_save());
        self.0.write(writer, build);
    }
}
