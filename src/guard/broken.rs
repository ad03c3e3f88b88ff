//! Guards that exist to test the suite, not a protocol: `seqcount-noretry`
//! (below) and `reader-panics` (at the end of the file).
//!
//! `seqcount-noretry`: a deliberately broken guard, for testing the
//! torture mode and nothing else. It is `seqcount` with the retry check
//! removed (`need_retry` always says no), so a reader that raced a rebuild
//! acts on what it saw and fails allocations with memory free, while still
//! claiming to prevent that. Not in [`crate::guard::ALL`]: `run`, `report`
//! and `claims` never see it; `zonebench torture --guards seqcount-noretry`
//! must catch it.

use crate::guard::seqcount::Seqcount;
use crate::guard::{GuardOpts, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::{ZoneRef, ZonelistView, Zonelists};

#[derive(Debug)]
pub struct SeqcountNoRetry(Seqcount);

/// A section that never asks for a retry.
#[derive(Debug)]
#[must_use = "the section ends when this is dropped"]
pub struct NoRetry<S>(S);

impl<S: ZonelistView> ZonelistView for NoRetry<S> {
    #[inline]
    fn zoneref(&self, nid: usize, idx: usize) -> ZoneRef {
        self.0.zoneref(nid, idx)
    }
}

impl<S: ZonelistView> ReadSection for NoRetry<S> {
    #[inline]
    fn need_retry(&self) -> bool {
        false
    }
}

impl ZonelistGuard for SeqcountNoRetry {
    const NAME: &'static str = "seqcount-noretry";
    const MODELS: &'static str =
        "seqcount without the retry check (broken on purpose, torture's test)";
    /// The lie torture must catch.
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = <Seqcount as ZonelistGuard>::Fast<'a>;
    type Section<'a> = NoRetry<<Seqcount as ZonelistGuard>::Section<'a>>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        SeqcountNoRetry(Seqcount::new(nodes, opts, build))
    }

    fn fast_view(&self, probe: &mut ReaderProbe) -> Self::Fast<'_> {
        self.0.fast_view(probe)
    }

    fn read_begin(&self, probe: &mut ReaderProbe, retry: bool) -> Self::Section<'_> {
        NoRetry(self.0.read_begin(probe, retry))
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        self.0.rebuild(writer, build)
    }
}

/// `reader-panics`: `seqcount` whose every read section panics, for
/// testing that a run whose reader dies keeps every cell finished before it
/// (`tests/session.rs`). Not in [`crate::guard::ALL`] nor
/// [`crate::guard::HIDDEN`]: it tests the harness, not a protocol, so loom
/// and torture leave it alone.
#[derive(Debug)]
pub struct ReaderPanics(Seqcount);

impl ZonelistGuard for ReaderPanics {
    const NAME: &'static str = "reader-panics";
    const MODELS: &'static str = "seqcount whose readers panic (the harness's test)";
    const PREVENTS_FALSE_OOM: bool = true;
    type Fast<'a> = <Seqcount as ZonelistGuard>::Fast<'a>;
    type Section<'a> = <Seqcount as ZonelistGuard>::Section<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        ReaderPanics(Seqcount::new(nodes, opts, build))
    }

    fn fast_view(&self, probe: &mut ReaderProbe) -> Self::Fast<'_> {
        self.0.fast_view(probe)
    }

    fn read_begin(&self, _: &mut ReaderProbe, _: bool) -> Self::Section<'_> {
        panic!("reader-panics: a reader section panicked, as this guard does")
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        self.0.rebuild(writer, build)
    }
}
