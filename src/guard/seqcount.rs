//! `seqcount`: `seqcount_t zonelist_update_seq` plus the static spinlock of
//! `__build_all_zonelists` (the v1 patch quoted in the 2022 thread).
//!
//! Read protocol: `zonelist_iter_begin` = `read_seqcount_begin` (spins while
//! the count is odd); the walk reads the live entries; `check_retry_zonelist`
//! = `read_seqcount_retry`, made only before OOM and before failing, as in
//! the kernel. Write protocol: `spin_lock(&lock)`, `write_seqcount_begin`,
//! rewrite in place, `write_seqcount_end`, `spin_unlock`. Memory ordering: see
//! `crate::sync::seqcount`.

use crate::guard::{ReaderProbe, SeqSection, SeqZonelists, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;

pub struct Seqcount(SeqZonelists);

impl ZonelistGuard for Seqcount {
    const NAME: &'static str = "seqcount";
    const MODELS: &'static str = "seqcount_t + static spinlock (the v1 fix in the thread)";
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = SeqSection<'a>;

    fn new(nodes: usize, build: &dyn Fn(&Zonelists)) -> Self {
        Seqcount(SeqZonelists::new(nodes, build))
    }

    #[inline]
    fn fast_view(&self) -> &Zonelists {
        self.0.zonelists()
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe) -> SeqSection<'_> {
        self.0.read_begin(probe)
    }

    fn rebuild(&self, _writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        self.0.write(build);
    }
}
