//! `raw-seqcount`: `seqcount` with `zonelist_iter_begin` calling
//! `raw_seqcount_begin` instead of `read_seqcount_begin` (a reviewer's
//! proposed patch). An example guard for the README's "Evaluate your own
//! guard" guide: run by name, not part of `--guards all` or the sweep.
//!
//! Kernel construct: `raw_seqcount_begin` (include/linux/seqlock.h) reads
//! the count once (`READ_ONCE` + `smp_rmb`), does not wait for it to become
//! even, and returns it with the low bit cleared (`s & ~1`). A section that
//! begins while the writer is inside its section therefore starts from a
//! count the writer has already passed: its `read_seqcount_retry` always
//! fails, and the caller retries instead of spinning at begin.
//!
//! Read protocol: `zonelist_iter_begin` = `raw_seqcount_begin` (never
//! waits); the walk reads the live entries; `check_retry_zonelist` =
//! `read_seqcount_retry`, made only before OOM and before failing, as in
//! `seqcount`. A walk that succeeds is never checked, so a section begun
//! inside the writer's section that finds a page is kept (as with
//! `seqcount`, whose successful walks are not checked either); one that
//! fails restarts until the writer is done. Write protocol: `seqcount`'s,
//! reused as it is (`SeqcountWrite`): `spin_lock(&lock)`,
//! `write_seqcount_begin`, rewrite in place, `write_seqcount_end`,
//! `spin_unlock`. Memory ordering: `crate::sync::seqcount`, and the begin
//! below.
//!
//! Simplified: the wait on an odd count moves from `zonelist_iter_begin`
//! to the allocator's restart loop, which has no bound in the kernel. In
//! interrupt context (`--irq`) a restart that finds the count still odd is
//! that wait, and is bounded like `SeqCount::read_begin`'s spin
//! (`sync::hardirq`): a handler whose walk fails inside its own CPU's
//! write section is counted as a deadlock on the count instead of hanging
//! the run. A handler whose walk succeeds completes inline, where
//! `seqcount`'s deadlocks at begin. With `--rt` it is `seqcount`'s bare
//! count: the writer's `spinlock_t` sleeps and can be preempted inside its
//! section; readers never spin at begin, but a failing walk restarts, and
//! keeps restarting, for as long as the writer is off its CPU.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::seqcount::SeqcountWrite;
use crate::guard::{
    GuardOpts, ReaderProbe, SeqSection, SeqWriteSide, SeqZonelists, WriterCtx, ZonelistGuard,
};
use crate::mm::zonelist::Zonelists;
use crate::sync::hardirq::{irq_wait_check, IrqWait};

/// `seqcount`'s state and write side; a read side that never waits.
#[derive(Debug)]
pub struct RawSeqcount(SeqZonelists);

impl ZonelistGuard for RawSeqcount {
    const NAME: &'static str = "raw-seqcount";
    const MODELS: &'static str =
        "seqcount with raw_seqcount_begin: no wait at begin, retry instead (example)";
    const LOOK: Option<Look> = Some(Look::new(
        Family::SequenceCounts,
        Hue::Green,
        Marker::TriangleDown,
        Dash::Short,
    ));
    /// The retry check still happens at `check_retry_zonelist`.
    const PREVENTS_FALSE_OOM: bool = true;
    /// As `seqcount`: the writer's `spinlock_t` sleeps under `--rt`.
    const HONOURS_RT: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        // seqcount's bare seqcount_t: no lock associated with the count.
        RawSeqcount(SeqZonelists::new(
            nodes,
            opts.rt,
            SeqcountWrite::RT_READS_LOCK,
            build,
        ))
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        self.0.zonelists()
    }

    /// `raw_seqcount_begin`.
    #[inline]
    fn read_begin(&self, _probe: &mut ReaderProbe, retry: bool) -> SeqSection<'_> {
        let seq = self.0.seq();
        // `raw_read` is an Acquire load: the READ_ONCE + smp_rmb of
        // raw_seqcount_begin. The section's Relaxed data loads cannot move
        // before it, so a section that reads an even count and then sees
        // none of a later writer's stores walks what that count published
        // (the writer's Release `write_end` pairs with it); a later write
        // is caught by `read_retry` (Acquire fence, then the reload), as
        // for `read_seqcount_begin`. An odd count needs no ordering at all:
        // coherence alone makes the reload in `read_retry` see it or a
        // later value, never `s & !1`, so the section always retries.
        let s = seq.raw_read();
        if s & 1 == 1 && retry {
            // A restart that finds the writer still inside: in interrupt
            // context this loop is the wait on the odd count that
            // `read_seqcount_begin` would have spun in (see the module
            // docs). Nothing is held or read yet: abandoning here is safe.
            irq_wait_check(IrqWait::OddCount);
        }
        // No stall to report: the count is read once, never waited on.
        SeqSection::from_start(self.0.zonelists(), seq, s & !1)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        // seqcount's write side, unchanged.
        SeqcountWrite::write(&self.0, writer, build);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::seqcount::Seqcount;
    use crate::guard::ReadSection;
    use crate::primitive::sync::atomic::AtomicBool;
    use crate::sync::hardirq::{irq_enter, IrqDeadlock};
    use std::cell::RefCell;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::time::Duration;

    /// `zonelist_iter_begin` on `guard` from inside its own write section
    /// (the build step, on the writer's thread, so nothing else can end the
    /// section), in interrupt context: a begin that waits on the odd count
    /// is abandoned after the bound instead of hanging the test (the 2023
    /// deadlock). The section, once the writer is done, and the reader's
    /// probe; or what the begin was abandoned waiting for.
    fn begin_inside_write_section<G: ZonelistGuard>(
        guard: &G,
    ) -> Result<(G::Section<'_>, ReaderProbe), Option<IrqDeadlock>> {
        let irqs_disabled = AtomicBool::new(false);
        let out = RefCell::new(None);
        guard.rebuild(&WriterCtx::new(&irqs_disabled), &|_| {
            let _irq = irq_enter(Duration::from_millis(20));
            let begun = catch_unwind(AssertUnwindSafe(|| {
                let mut probe = ReaderProbe::default();
                (guard.read_begin(&mut probe, false), probe)
            }));
            *out.borrow_mut() = Some(begun.map_err(|e| e.downcast_ref::<IrqDeadlock>().copied()));
        });
        out.into_inner().expect("the build step ran")
    }

    /// What differs from `seqcount`: a section begun while the writer holds
    /// its section returns at once, having waited for nothing, and asks for
    /// a retry once the writer is done; `seqcount`'s `read_seqcount_begin`
    /// at the same point spins on the odd count.
    #[test]
    fn a_section_begun_inside_the_write_section_does_not_wait_and_retries() {
        let guard = RawSeqcount::new(1, &GuardOpts::default(), &|_| {});
        let (section, probe) = begin_inside_write_section(&guard)
            .unwrap_or_else(|e| panic!("raw_seqcount_begin waited on the writer: {e:?}"));
        assert_eq!(probe.stall_ns, 0, "raw_seqcount_begin waited: {probe:?}");
        assert!(
            section.need_retry(),
            "a section begun inside the write section must retry"
        );
        // A section begun after the writer is done walks what it published.
        let after = guard.read_begin(&mut ReaderProbe::default(), false);
        assert!(!after.need_retry());

        // seqcount, the same begin at the same point: it waits on the count.
        let seqcount = Seqcount::new(1, &GuardOpts::default(), &|_| {});
        assert_eq!(
            begin_inside_write_section(&seqcount).err(),
            Some(Some(IrqDeadlock {
                wait: IrqWait::OddCount
            })),
            "seqcount's read_seqcount_begin returned inside the write section"
        );
    }
}
