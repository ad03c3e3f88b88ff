//! `latch`: `seqcount_latch_t` with two copies of the zonelists.
//!
//! Read protocol: `seq = raw_read_seqcount_latch()`, walk `copy[seq & 1]`,
//! and `read_seqcount_latch_retry()` before OOM and before failing. A reader
//! never waits: whatever the writer is doing, one copy is stable. Write
//! protocol (writers serialised by a spinlock): `raw_write_seqcount_latch`
//! (readers move to copy 1), rebuild copy 0, `raw_write_seqcount_latch`
//! (readers move to copy 0), rebuild copy 1. The writer pays for two
//! rebuilds; no interrupt masking is needed, since an interrupted writer's
//! own CPU can still read the other copy.
//!
//! Simplifications: the copies are two full `Zonelists`, as the kernel's
//! latch users keep two full structures. Kernel latch readers always check
//! `read_seqcount_latch_retry`; here, as for every guard, the check is made
//! where the allocator checks its cookie (before OOM and before failing), so
//! a walk of a copy that was rewritten under it can still return a page: a
//! page from a real zone that passed its watermark, which is what the
//! allocator's cookie discipline accepts too.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, ReaderProbe, SeqSection, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;
use crate::sync::{SeqCount, SpinLock};
use crossbeam_utils::CachePadded;

#[derive(Debug)]
pub struct Latch {
    lock: SpinLock<()>,
    seq: CachePadded<SeqCount>,
    copies: [Zonelists; 2],
}

impl ZonelistGuard for Latch {
    const NAME: &'static str = "latch";
    const MODELS: &'static str = "seqcount_latch_t: two copies, readers never spin";
    const LOOK: Option<Look> = Some(Look::new(
        Family::Others,
        Hue::Vermilion,
        Marker::Triangle,
        Dash::Long,
    ));
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let copies = [Zonelists::new(nodes), Zonelists::new(nodes)];
        copies.iter().for_each(build);
        Latch {
            lock: SpinLock::new(()),
            seq: CachePadded::new(SeqCount::new()),
            copies,
        }
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        &self.copies[(self.seq.raw_read() & 1) as usize]
    }

    #[inline]
    fn read_begin(&self, _probe: &mut ReaderProbe, _retry: bool) -> SeqSection<'_> {
        let start = self.seq.raw_read();
        SeqSection::from_start(&self.copies[(start & 1) as usize], &self.seq, start)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _lock = self.lock.lock();
        writer.locked();
        self.seq.write_latch();
        build(&self.copies[0]);
        self.seq.write_latch();
        build(&self.copies[1]);
    }
}
