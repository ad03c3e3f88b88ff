//! `seqlock`: `seqlock_t zonelist_update_seq` with `write_seqlock_irqsave`,
//! the fix that went upstream (3d36424b3b58, irqsave from 1007843a9190).
//!
//! Read protocol: identical to `seqcount` (`read_seqbegin` spins while odd,
//! `read_seqretry` before OOM and before failing). Write protocol:
//! `spin_lock_irqsave(&sl->lock)` (the lock embedded in the seqlock_t, and the
//! writer CPU's interrupts masked), `write_seqcount_begin`, rewrite in place,
//! `write_seqcount_end`, `spin_unlock_irqrestore`.
//!
//! Simplification: interrupt masking is a per-CPU flag ([`WriterCtx::irq_save`])
//! that the interrupt model honours by deferring interrupts on the writer's
//! CPU; `printk_deferred_enter` has no counterpart (no console here).

use crate::guard::{ReaderProbe, SeqSection, SeqZonelists, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;

/// `seqlock_t` (its `lock` and `seqcount`) and the zonelists it protects.
pub struct SeqLock(SeqZonelists);

impl ZonelistGuard for SeqLock {
    const NAME: &'static str = "seqlock";
    const MODELS: &'static str = "seqlock_t, write_seqlock_irqsave (the upstream fix)";
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, build: &dyn Fn(&Zonelists)) -> Self {
        SeqLock(SeqZonelists::new(nodes, build))
    }

    #[inline]
    fn fast_view(&self) -> &Zonelists {
        self.0.zonelists()
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe) -> SeqSection<'_> {
        self.0.read_begin(probe)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        // write_seqlock_irqsave: interrupts masked on the writer's CPU for
        // the whole section, lock included.
        let _irq = writer.irq_save();
        self.0.write(build);
    }
}
