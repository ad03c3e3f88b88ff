//! One arm of a group: a guard's allocator, resident for the group's whole
//! run, with the per-reader state that lets it resume where it left off
//! (each reader's held blocks, allocation mix, sampler and histograms) and
//! the writer's per-arm counters.
//!
//! The hot loop stays monomorphised: the runner reaches an arm through a
//! `dyn` driver once per phase ([`ArmReader::run_phase`], [`Arm::writer_op`]);
//! inside a phase a reader runs `Allocator<G>`'s code for its guard alone,
//! reading the baton once per allocation as a single-guard run reads its
//! stop flag.

use crate::alloc::RETRY_BUCKETS;
use crate::alloc::{AllocCtx, AllocStats, Allocator};
use crate::guard::{GuardVisitor, ReaderProbe, ZonelistGuard};
use crate::metrics::timer::{self, Sample, Sampler};
use crate::metrics::Hist;
use crate::mm::check::PageAccount;
use crate::primitive::sync::atomic::{AtomicU64, Ordering};
use crate::workload::conductor::{Baton, Stage, Word};
use crate::workload::irq::Irq;
use crate::workload::reader::{Mix, Ring};
use crate::workload::spec::CellSpec;
use crate::workload::writer::{self, WriterArm};
use std::sync::Arc;

/// Allocations at the start of every measured phase counted apart (the
/// arm's working set coming back into the caches after another arm ran):
/// they stay in the rate, and their cost is reported beside it
/// ([`PhaseCounts::refill_slowdown`]).
pub const REFILL_ALLOCS: u64 = 64;

/// One reader's measured phases of one arm, on its own clock.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseCounts {
    /// Measured phases this reader ran in the arm.
    pub phases: u64,
    /// Allocations completed in them, and the clock ticks they spanned.
    pub allocs: u64,
    pub ticks: u64,
    /// Of those, the first [`REFILL_ALLOCS`] of each phase and their ticks.
    pub refill_allocs: u64,
    pub refill_ticks: u64,
}

impl PhaseCounts {
    pub fn add(&mut self, o: &PhaseCounts) {
        self.phases += o.phases;
        self.allocs += o.allocs;
        self.ticks += o.ticks;
        self.refill_allocs += o.refill_allocs;
        self.refill_ticks += o.refill_ticks;
    }

    /// Allocations per second over the phases.
    pub fn rate(&self) -> f64 {
        let ns = timer::ticks_to_ns(self.ticks);
        if ns > 0.0 {
            self.allocs as f64 * 1e9 / ns
        } else {
            0.0
        }
    }

    /// How much slower, as a fraction, the first allocations of a phase
    /// ran than the rest (`None` without both).
    pub fn refill_slowdown(&self) -> Option<f64> {
        let rest = (
            self.allocs - self.refill_allocs,
            self.ticks - self.refill_ticks,
        );
        if self.refill_allocs == 0 || rest.0 == 0 || rest.1 == 0 {
            return None;
        }
        let per = |(n, t): (u64, u64)| t as f64 / n as f64;
        Some(per((self.refill_allocs, self.refill_ticks)) / per(rest) - 1.0)
    }
}

/// What one reader measured in one arm.
#[derive(Debug)]
pub struct ReaderOut {
    pub stats: AllocStats,
    pub held: Vec<(u32, u32)>,
    pub latency: Hist,
    pub section: Hist,
    pub retry_hist: [u64; RETRY_BUCKETS],
    pub probe: ReaderProbe,
    pub counts: PhaseCounts,
    /// Every measured phase: its number, allocations and clock ticks.
    pub log: Vec<(u64, u64, u64)>,
}

/// A reader's state in one arm.
pub trait ArmReader: Send {
    /// Run the arm from the baton reading `word` until the baton changes;
    /// returns the new reading. `done` counts this reader's allocations
    /// over every arm, published to `progress` for the watchdog.
    fn run_phase(
        &mut self,
        baton: &Baton,
        word: Word,
        done: &mut u64,
        progress: &AtomicU64,
    ) -> Word;
    /// What it measured, and the blocks it still holds.
    fn finish(self: Box<Self>) -> ReaderOut;
}

/// One guard's allocator and what the writer keeps of it.
pub trait Arm: Sync {
    fn spec(&self) -> &CellSpec;
    /// Reader `i`'s state in this arm, its working set `ring_len` blocks.
    fn reader(&self, i: usize, ring_len: usize) -> Box<dyn ArmReader + '_>;
    /// One writer operation (a rebuild, an offline or an online).
    fn writer_op(&self, w: &mut WriterArm, baton: &Baton);
    /// The measuring begins: the writer's counters start from zero.
    fn writer_begin_measuring(&self, w: &mut WriterArm);
    /// Zonelist rebuilds so far (the watchdog's progress).
    fn rebuilds(&self) -> u64;
    /// Whether the writer is inside this arm's write section.
    fn writer_in_section(&self) -> bool;
    /// The run is being torn down: a writer holding its section lets go.
    fn abort_hold(&self);
    /// The arm's results: the writer's statistics (with the interrupt
    /// model's) and the invariants' counters (buddy, interrupt handler),
    /// added to `stats`; the page accounting of `held`.
    fn finish(
        &self,
        w: WriterArm,
        active_s: f64,
        stats: &mut AllocStats,
        held: &[(u32, u32)],
    ) -> (writer::WriterStats, PageAccount);
}

/// Build `spec`'s arm (its guard by name); `None` for an unknown guard.
pub fn build(spec: &CellSpec) -> Option<Box<dyn Arm>> {
    crate::guard::dispatch(&spec.guard, Build(spec))
}

struct Build<'a>(&'a CellSpec);

impl GuardVisitor for Build<'_> {
    type Output = Box<dyn Arm>;
    fn visit<G: ZonelistGuard>(self) -> Box<dyn Arm> {
        Box::new(ArmOf::<G>::new(self.0))
    }
}

struct ArmOf<G: ZonelistGuard> {
    spec: CellSpec,
    alloc: Allocator<G>,
    irq: Option<Arc<Irq>>,
    /// Bumped by an offline once its range is isolated: readers then free
    /// whatever they hold in isolated pageblocks (the migration stand-in).
    migrate_epoch: crossbeam_utils::CachePadded<AtomicU64>,
}

impl<G: ZonelistGuard> ArmOf<G> {
    fn new(spec: &CellSpec) -> Self {
        let mut alloc = Allocator::<G>::new(spec.mm_config(), spec.alloc_config());
        let irq = spec
            .irq
            .then(|| Arc::new(Irq::new(alloc.ctx(spec.writer_cpu()))));
        if let Some(irq) = &irq {
            alloc.set_irq(irq.clone());
        }
        ArmOf {
            spec: spec.clone(),
            alloc,
            irq,
            migrate_epoch: Default::default(),
        }
    }
}

impl<G: ZonelistGuard> Arm for ArmOf<G> {
    fn spec(&self) -> &CellSpec {
        &self.spec
    }

    fn reader(&self, i: usize, ring_len: usize) -> Box<dyn ArmReader + '_> {
        Box::new(ReaderArm {
            alloc: &self.alloc,
            migrate_epoch: &self.migrate_epoch,
            ctx: self.alloc.ctx(i),
            ring: Ring::new(ring_len),
            mix: Mix::new(self.spec.seed ^ (i as u64 + 1)),
            seen_epoch: 0,
            sampler: Sampler::new(i as u32 * 7),
            latency: Hist::default(),
            measuring: false,
            counts: PhaseCounts::default(),
            log: Vec::new(),
        })
    }

    fn writer_op(&self, w: &mut WriterArm, baton: &Baton) {
        writer::op(&self.alloc, &self.spec, &self.migrate_epoch, baton, w);
    }

    fn writer_begin_measuring(&self, w: &mut WriterArm) {
        w.begin_measuring(&self.alloc);
        if let Some(irq) = &self.irq {
            irq.begin_measuring();
        }
    }

    fn rebuilds(&self) -> u64 {
        self.alloc.rebuilds()
    }

    fn writer_in_section(&self) -> bool {
        // Relaxed: a diagnostic snapshot.
        self.alloc.writer_in_section.load(Ordering::Relaxed)
    }

    fn abort_hold(&self) {
        // Relaxed: see Allocator::abort_hold.
        self.alloc.abort_hold.store(true, Ordering::Relaxed);
    }

    fn finish(
        &self,
        w: WriterArm,
        active_s: f64,
        stats: &mut AllocStats,
        held: &[(u32, u32)],
    ) -> (writer::WriterStats, PageAccount) {
        let mut ws = w.finish(&self.alloc, active_s);
        stats.isolated_allocs += self.alloc.mm.buddy_isolated_allocs();
        // Pages a refill or a drain found bad (`check_new_page`).
        stats.bad_pages += self.alloc.mm.bad_pages();
        if let Some(irq) = &self.irq {
            ws.irq = irq.stats();
            stats.bad_pages += irq.bad_pages();
        }
        (ws, self.alloc.mm.check(held))
    }
}

/// A reader's state in one arm: all it needs to resume.
struct ReaderArm<'a, G: ZonelistGuard> {
    alloc: &'a Allocator<G>,
    migrate_epoch: &'a AtomicU64,
    ctx: AllocCtx,
    ring: Ring,
    mix: Mix,
    seen_epoch: u64,
    sampler: Sampler,
    latency: Hist,
    /// This reader has run the arm in the measured stage (its counters
    /// were started again from zero).
    measuring: bool,
    counts: PhaseCounts,
    log: Vec<(u64, u64, u64)>,
}

impl<G: ZonelistGuard> ArmReader for ReaderArm<'_, G> {
    fn run_phase(
        &mut self,
        baton: &Baton,
        word: Word,
        done: &mut u64,
        progress: &AtomicU64,
    ) -> Word {
        let measure = word.stage() == Stage::Measure;
        if measure && !self.measuring {
            self.measuring = true;
            self.ctx.begin_measuring();
            self.latency = Hist::default();
        }
        let (alloc, ctx) = (self.alloc, &mut self.ctx);
        let start = timer::now();
        let allocs0 = ctx.stats.allocs;
        let mut refill_at = None;
        let next = loop {
            let now = baton.load();
            if now != word {
                break now;
            }
            // Acquire: pairs with the writer's Release bump, so the
            // isolated pageblocks are visible.
            let epoch = self.migrate_epoch.load(Ordering::Acquire);
            if epoch != self.seen_epoch {
                self.seen_epoch = epoch;
                self.ring
                    .release_where(alloc, ctx, |pfn| alloc.mm.pageblock_isolated(pfn));
            }
            if let Some((pfn, order)) = self.ring.take_current() {
                alloc.free_pages(ctx, pfn, order);
            }
            let (gfp, order) = self.mix.next_request();
            let sample = self.sampler.due();
            ctx.sample = sample == Sample::Section;
            let got = if sample == Sample::Latency {
                let t = timer::now();
                let got = alloc.alloc_pages(ctx, gfp, order, &mut self.ring);
                self.latency.record(timer::elapsed_ns(t));
                got
            } else {
                alloc.alloc_pages(ctx, gfp, order, &mut self.ring)
            };
            self.ring.put_and_advance(got.map(|p| (p, order)));
            let in_phase = ctx.stats.allocs - allocs0;
            if refill_at.is_none() && in_phase >= REFILL_ALLOCS {
                refill_at = Some((timer::now(), in_phase));
            }
            // Relaxed: a progress counter sampled by the main thread; on
            // this thread's own cache line.
            progress.store(*done + in_phase, Ordering::Relaxed);
        };
        let ticks = timer::now().ticks_since(start);
        let n = ctx.stats.allocs - allocs0;
        *done += n;
        // The calibration guard's known effect: one allocation in so many
        // is work the phase's rate does not count (see `guard/delay.rs`).
        let one_in = alloc.guard.uncounted_one_in();
        let counted = |n: u64| match one_in {
            0 => n,
            k => n - n / k,
        };
        let n = counted(n);
        if measure {
            self.log.push((word.seq(), n, ticks));
            let c = &mut self.counts;
            c.phases += 1;
            c.allocs += n;
            c.ticks += ticks;
            if let Some((t, n)) = refill_at {
                c.refill_allocs += counted(n);
                c.refill_ticks += t.ticks_since(start);
            }
        }
        next
    }

    fn finish(self: Box<Self>) -> ReaderOut {
        ReaderOut {
            held: self.ring.held(),
            stats: self.ctx.stats,
            latency: self.latency,
            section: self.ctx.section_ns,
            retry_hist: self.ctx.retry_hist,
            probe: self.ctx.probe,
            counts: self.counts,
            log: self.log,
        }
    }
}
