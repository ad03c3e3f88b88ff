//! `none`: the kernel from v4.14 to v6.0. `__build_all_zonelists` rewrites
//! the zonelists in place under a static spinlock that serialises writers;
//! readers (the allocator) take nothing and never retry.
//!
//! Read protocol: walk the live entries. Write protocol: `spin_lock(&lock)`,
//! rewrite, `spin_unlock`. This is the guard that loses the 2022 race: a
//! slowpath that saved `preferred_zoneref` before an offline's rebuild walks
//! a shifted array afterwards and can fail with free memory in its zone.
//!
//! Simplification: the kernel's readers use plain loads; here they are
//! Relaxed atomic loads (the same instructions), so the race is defined
//! behaviour in Rust without changing what a racing reader can observe.

use crate::guard::look::{Dash, Family, Hue, Look, Marker};
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};
use crate::sync::SpinLock;

#[derive(Debug)]
pub struct NoGuard {
    /// `static DEFINE_SPINLOCK(lock)` in `__build_all_zonelists`.
    lock: SpinLock<()>,
    zonelists: Zonelists,
}

/// An unprotected section: it never asks for a retry.
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct Unprotected<'a>(&'a Zonelists);

impl ZonelistView for Unprotected<'_> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.0.zoneref(nid, idx)
    }
}

impl ReadSection for Unprotected<'_> {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }
}

impl ZonelistGuard for NoGuard {
    const NAME: &'static str = "none";
    const MODELS: &'static str = "v4.14-v6.0: writers under a static spinlock, readers unprotected";
    const LOOK: Option<Look> = Some(Look::new(
        Family::Others,
        Hue::Black,
        Marker::Square,
        Dash::Short,
    ));
    const PREVENTS_FALSE_OOM: bool = false;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = Unprotected<'a>;

    fn new(nodes: usize, _opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        let zonelists = Zonelists::built(nodes, build);
        NoGuard {
            lock: SpinLock::new(()),
            zonelists,
        }
    }

    #[inline]
    fn fast_view(&self, _probe: &mut ReaderProbe) -> &Zonelists {
        &self.zonelists
    }

    #[inline]
    fn read_begin(&self, _probe: &mut ReaderProbe, _retry: bool) -> Unprotected<'_> {
        Unprotected(&self.zonelists)
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        let _lock = self.lock.lock();
        writer.locked();
        build(&self.zonelists);
    }
}
