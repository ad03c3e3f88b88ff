//! `seqcount`: `seqcount_t zonelist_update_seq` plus the static spinlock of
//! `__build_all_zonelists` (the v1 patch quoted in the 2022 thread).
//!
//! Read protocol: `zonelist_iter_begin` = `read_seqcount_begin` (spins while
//! the count is odd); the walk reads the live entries; `check_retry_zonelist`
//! = `read_seqcount_retry`, made only before OOM and before failing, as in
//! the kernel. Write protocol: `spin_lock(&lock)`, `write_seqcount_begin`,
//! rewrite in place, `write_seqcount_end`, `spin_unlock`. Memory ordering: see
//! `crate::sync::seqcount`.

use crate::guard::{ReaderProbe, SeqSection, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;
use crate::sync::{SeqCount, SpinLock};
use crossbeam_utils::CachePadded;

pub struct Seqcount {
    lock: SpinLock<()>,
    seq: CachePadded<SeqCount>,
    zonelists: Zonelists,
}

impl ZonelistGuard for Seqcount {
    const NAME: &'static str = "seqcount";
    const MODELS: &'static str = "seqcount_t + static spinlock (the v1 fix in the thread)";
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::new(nodes);
        build(&zonelists);
        Seqcount {
            lock: SpinLock::new(()),
            seq: CachePadded::new(SeqCount::new()),
            zonelists,
        }
    }

    #[inline]
    fn fast_view(&self) -> &Zonelists {
        &self.zonelists
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe) -> SeqSection<'_> {
        SeqSection::begin(&self.zonelists, &self.seq, probe)
    }

    fn rebuild(&self, _writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _lock = self.lock.lock();
        self.seq.write_begin();
        build(&self.zonelists);
        self.seq.write_end();
    }
}
