//! `seqlock`: `seqlock_t zonelist_update_seq`, the fix that went upstream
//! (3d36424b3b58, 2022: `write_seqlock`), as it stands since 2023: the
//! writer's interrupts masked (1007843a9190: `local_irq_save` +
//! `printk_deferred_enter` around `write_seqlock`), written as one
//! `write_seqlock_irqsave` since 4d1139baae8b (for PREEMPT_RT, where a
//! `spinlock_t` must not be taken with interrupts off; on other kernels
//! the two forms mask the same stretch).
//!
//! Read protocol: as `seqcount` (`read_seqbegin` spins while odd,
//! `read_seqretry` before OOM and before failing). With `--rt`: since v5.10
//! the count of a `seqlock_t` is a `seqcount_spinlock_t`, so on PREEMPT_RT a
//! reader that finds it odd takes and releases the seqlock's lock instead of
//! spinning; the lock (`sync::SpinlockT`) sleeps there. Write protocol:
//! `spin_lock_irqsave(&sl->lock)` (the lock embedded in the seqlock_t, and the
//! writer CPU's interrupts masked), `write_seqcount_begin`, rewrite in place,
//! `write_seqcount_end`, `spin_unlock_irqrestore`; under `--rt` the lock
//! sleeps and interrupts stay on (RT's `spin_lock_irqsave` masks nothing).
//!
//! Simplification: interrupt masking is a per-CPU flag ([`WriterCtx::irq_save`])
//! set for the write section. Without `--irq` nothing raises interrupts, so
//! `seqlock` measures the same as `seqcount` plus the cost of setting the
//! flag; with `--irq` (`workload::irq`) the interrupt raised inside the
//! section is held until the section ends, and its delay is recorded (the
//! price of masking), where `seqcount`'s handler deadlocks on the odd count.
//! `printk_deferred_enter` has no counterpart (no console here).

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{SeqFamily, SeqWriteSide, SeqZonelists, WriterCtx};
use crate::mm::zonelist::Zonelists;

/// The write side of `seqlock`: `write_seqlock_irqsave`.
#[derive(Debug)]
pub struct SeqLockWrite;

impl SeqWriteSide for SeqLockWrite {
    const NAME: &'static str = "seqlock";
    const MODELS: &'static str =
        "seqlock_t (the upstream fix, 3d36424b3b58), write_seqlock_irqsave (4d1139baae8b)";
    const LOOK: Look = Look::new(
        Family::SequenceCounts,
        Hue::Orange,
        Marker::Square,
        Dash::Long,
    );
    const RT_READS_LOCK: bool = true;

    fn write(zonelists: &SeqZonelists, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        // write_seqlock_irqsave: interrupts masked on the writer's CPU for
        // the whole section, lock included; on PREEMPT_RT, where
        // spin_lock_irqsave leaves them on, nothing is masked.
        let _irq = (!zonelists.rt()).then(|| writer.irq_save());
        zonelists.write(writer, build);
    }
}

pub type SeqLock = SeqFamily<SeqLockWrite>;
