//! One cell: build the allocator for the guard, start the readers and the
//! writer together on a barrier (readers pinned one per core where the
//! machine allows), warm up, measure, stop, join, and check the invariants.

use crate::alloc::RETRY_BUCKETS;
use crate::alloc::{AllocStats, Allocator};
use crate::guard::ReaderProbe;
use crate::guard::{dispatch, GuardVisitor, ZonelistGuard};
use crate::metrics::timer::{self, Sample, Sampler};
use crate::metrics::{Hist, HistSummary};
use crate::mm::check::PageAccount;
use crate::primitive::sync::atomic::{AtomicU64, Ordering};
use crate::workload::cancel::Cancel;
use crate::workload::irq::Irq;
use crate::workload::reader::{Mix, Ring};
use crate::workload::spec::CellSpec;
use crate::workload::writer::{run_writer, Shared, WriterStats};
use crossbeam_utils::CachePadded;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CellResult {
    #[serde(flatten)]
    pub spec: CellSpec,
    /// More readers than logical CPUs: measures preemption, not contention.
    pub oversubscribed: bool,
    /// Whether reader threads were pinned.
    pub pinned: bool,
    pub measured_s: f64,
    pub allocs_per_sec: f64,
    pub allocs_per_sec_min_reader: f64,
    pub allocs_per_sec_max_reader: f64,
    /// Counters over the whole run (warm-up included), all readers; their
    /// keys (`false_ooms`, `true_ooms`, `isolated_allocs`, ...) sit at the
    /// top level of the cell.
    #[serde(flatten)]
    pub stats: AllocStats,
    /// Allocation latency as the caller sees it, sampled (see `meta`).
    pub read_latency_ns: HistSummary,
    /// The guard section alone, begin to end with retries.
    pub section_ns: HistSummary,
    /// Restarts per million read sections.
    pub retries_per_million: f64,
    /// Allocations that retried 1, 2, 3, 4+ times.
    pub retry_hist: [u64; RETRY_BUCKETS],
    /// Time readers waited inside the guard (odd count, lock), ns.
    pub reader_stall_ns: Stall,
    /// Sections that took the guard's lock after a lockless pass had to
    /// retry (`read_seqbegin_or_lock`), all readers.
    #[serde(default)]
    pub locked_passes: u64,
    pub writer: WriterStats,
    /// The watchdog fired: the cell made no progress and was torn down.
    #[serde(default)]
    pub stalled: bool,
    #[serde(default)]
    pub stall_report: Vec<String>,
    pub pages: PageAccount,
    /// Conservation: pages accounted nowhere at the end of the run.
    pub pages_lost: u64,
}

impl CellResult {
    /// The invariants every run must keep, whatever the guard.
    pub fn violations(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.pages_lost != 0 {
            v.push(format!("{} pages lost", self.pages_lost));
        }
        if self.pages.duplicated != 0 || self.stats.bad_pages != 0 {
            v.push(format!(
                "pages handed out twice: {} duplicated, {} bad page states",
                self.pages.duplicated, self.stats.bad_pages
            ));
        }
        if self.stats.isolated_allocs != 0 {
            v.push(format!(
                "{} allocations from isolated or offline memory",
                self.stats.isolated_allocs
            ));
        }
        if self.pages.inconsistencies != 0 {
            v.push(format!(
                "{} free-list inconsistencies: {}",
                self.pages.inconsistencies,
                self.pages.notes.join("; ")
            ));
        }
        v
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Stall {
    pub total: u64,
    pub max: u64,
}

/// Sleep for `d` in short steps, returning early if `cancel` is set or
/// `check` (called every step) says the cell is stalled.
fn watch_for(d: Duration, cancel: &Cancel, mut check: impl FnMut(Instant) -> bool) {
    let end = Instant::now() + d;
    while !cancel.is_cancelled() {
        let now = Instant::now();
        if now >= end || check(now) {
            return;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(20)));
    }
}

/// rcutorture's stall detector, per cell: if no reader completes an
/// allocation and the writer finishes no rebuild for `watchdog_s`, the cell
/// is stalled; the report says who was stuck and where.
struct Watchdog {
    timeout: Duration,
    last: (Vec<u64>, u64),
    last_progress: Instant,
    stalled: bool,
}

impl Watchdog {
    fn new(spec: &CellSpec, readers: Vec<u64>, rebuilds: u64) -> Self {
        Watchdog {
            timeout: Duration::from_secs_f64(spec.watchdog_s),
            last: (readers, rebuilds),
            last_progress: Instant::now(),
            stalled: false,
        }
    }

    /// Record progress; true once the cell has stalled.
    fn check(&mut self, now: Instant, readers: &[u64], rebuilds: u64) -> bool {
        if readers != self.last.0.as_slice() || rebuilds != self.last.1 {
            self.last = (readers.to_vec(), rebuilds);
            self.last_progress = now;
        } else if now - self.last_progress >= self.timeout {
            self.stalled = true;
        }
        self.stalled
    }

    /// What was stuck, in words (empty when the cell did not stall).
    fn report<G: ZonelistGuard>(&self, readers: &[u64], alloc: &Allocator<G>) -> Vec<String> {
        if !self.stalled {
            return Vec::new();
        }
        // Relaxed: a diagnostic snapshot.
        let writer_in = alloc.writer_in_section.load(Ordering::Relaxed);
        let mut out = vec![format!(
            "no allocation and no rebuild for {:.1} s; writer {}",
            self.timeout.as_secs_f64(),
            if writer_in {
                "inside its write section"
            } else {
                "outside its section"
            }
        )];
        for (i, &n) in readers.iter().enumerate() {
            let phase = if writer_in {
                "waiting on the guard (spinning on the odd count, or for its lock)"
            } else {
                "stuck outside the guard"
            };
            out.push(format!("reader {i}: {n} allocations, {phase}"));
        }
        out
    }
}

/// Run one cell; `cancel` cuts it short (its result must then be dropped).
/// Errors are configuration problems (unknown guard).
pub fn run_cell(
    spec: &CellSpec,
    cores: &[core_affinity::CoreId],
    cancel: &Cancel,
) -> Result<CellResult, String> {
    dispatch(
        &spec.guard,
        Run {
            spec,
            cores,
            cancel,
        },
    )
    .ok_or_else(|| format!("unknown guard '{}'", spec.guard))
}

struct Run<'a> {
    spec: &'a CellSpec,
    cores: &'a [core_affinity::CoreId],
    cancel: &'a Cancel,
}

impl GuardVisitor for Run<'_> {
    type Output = CellResult;
    fn visit<G: ZonelistGuard>(self) -> CellResult {
        run_generic::<G>(self.spec, self.cores, self.cancel)
    }
}

struct ReaderOut {
    stats: AllocStats,
    held: Vec<(u32, u32)>,
    latency: Hist,
    section: Hist,
    retry_hist: [u64; RETRY_BUCKETS],
    probe: ReaderProbe,
}

fn run_generic<G: ZonelistGuard>(
    spec: &CellSpec,
    cores: &[core_affinity::CoreId],
    cancel: &Cancel,
) -> CellResult {
    // Calibrate the clock before any reader starts.
    timer::overhead_ns();
    let mut alloc = Allocator::<G>::new(spec.mm_config(), spec.alloc_config());
    let irq = spec
        .irq
        .then(|| Arc::new(Irq::new(alloc.ctx(spec.writer_cpu()))));
    if let Some(irq) = &irq {
        alloc.set_irq(irq.clone());
    }
    let alloc = alloc;
    let shared = Shared::default();
    let total_pages = alloc.mm.mem_map.len() as f64;
    let ring_len =
        (spec.pressure.demand() * total_pages / Mix::MEAN_PAGES / spec.readers as f64) as usize;
    let progress: Vec<CachePadded<AtomicU64>> = (0..spec.readers)
        .map(|_| CachePadded::new(AtomicU64::new(0)))
        .collect();
    let barrier = Barrier::new(spec.readers + 2);
    let pin = spec.pin && !cores.is_empty();

    let (outs, mut writer, measured_s, per_reader, stall_report) = std::thread::scope(|s| {
        let readers: Vec<_> = (0..spec.readers)
            .map(|i| {
                let (alloc, shared, progress, barrier) = (&alloc, &shared, &progress[i], &barrier);
                let core = pin.then(|| cores[i % cores.len()]);
                s.spawn(move || {
                    if let Some(c) = core {
                        core_affinity::set_for_current(c);
                    }
                    let mut ctx = alloc.ctx(i);
                    let mut ring = Ring::new(ring_len);
                    let mut mix = Mix::new(spec.seed ^ (i as u64 + 1));
                    let mut seen_epoch = 0;
                    let mut sampler = Sampler::new(i as u32 * 7);
                    let mut latency = Hist::default();
                    barrier.wait();
                    while !shared.stopped() {
                        // Acquire: pairs with the writer's Release bump, so
                        // the isolated pageblocks are visible.
                        let epoch = shared.migrate_epoch.load(Ordering::Acquire);
                        if epoch != seen_epoch {
                            seen_epoch = epoch;
                            ring.release_where(alloc, &mut ctx, |pfn| {
                                alloc.mm.pageblock_isolated(pfn)
                            });
                        }
                        if let Some((pfn, order)) = ring.take_current() {
                            alloc.free_pages(&mut ctx, pfn, order);
                        }
                        let (gfp, order) = mix.next_request();
                        let sample = sampler.due();
                        ctx.sample = sample == Sample::Section;
                        let got = if sample == Sample::Latency {
                            let t = timer::now();
                            let got = alloc.alloc_pages(&mut ctx, gfp, order, &mut ring);
                            latency.record(timer::elapsed_ns(t));
                            got
                        } else {
                            alloc.alloc_pages(&mut ctx, gfp, order, &mut ring)
                        };
                        ring.put_and_advance(got.map(|p| (p, order)));
                        // Relaxed: a progress counter sampled by the main
                        // thread; on this thread's own cache line.
                        progress.store(ctx.stats.allocs, Ordering::Relaxed);
                    }
                    ReaderOut {
                        stats: ctx.stats,
                        held: ring.held(),
                        latency,
                        section: ctx.section_ns,
                        retry_hist: ctx.retry_hist,
                        probe: ctx.probe,
                    }
                })
            })
            .collect();
        let writer = {
            let (alloc, shared, barrier) = (&alloc, &shared, &barrier);
            s.spawn(move || {
                barrier.wait();
                run_writer(alloc, spec, shared)
            })
        };
        barrier.wait();
        let snap = || {
            progress
                .iter()
                .map(|p| p.load(Ordering::Relaxed))
                .collect::<Vec<_>>()
        };
        let mut watch = Watchdog::new(spec, snap(), alloc.rebuilds());
        let mut watched = |d| {
            watch_for(d, cancel, |now| watch.check(now, &snap(), alloc.rebuilds()));
        };
        watched(spec.warmup());
        let (c0, t0) = (snap(), Instant::now());
        watched(spec.duration());
        let (c1, t1) = (snap(), Instant::now());
        let stall_report = watch.report(&c1, &alloc);
        // Relaxed: see Shared::stopped and Allocator::abort_hold.
        shared.stop.store(true, Ordering::Relaxed);
        alloc.abort_hold.store(true, Ordering::Relaxed);
        let secs = (t1 - t0).as_secs_f64();
        let per_reader: Vec<f64> = c0
            .iter()
            .zip(&c1)
            .map(|(a, b)| (b - a) as f64 / secs)
            .collect();
        let outs: Vec<ReaderOut> = readers
            .into_iter()
            .map(|h| h.join().expect("reader thread"))
            .collect();
        let writer = writer.join().expect("writer thread");
        (outs, writer, secs, per_reader, stall_report)
    });
    let mut stats = AllocStats::default();
    let mut held = Vec::new();
    let (mut latency, mut section) = (Hist::default(), Hist::default());
    let mut retry_hist = [0; RETRY_BUCKETS];
    let mut stall = Stall::default();
    let mut locked_passes = 0;
    for o in &outs {
        stats.add(&o.stats);
        held.extend_from_slice(&o.held);
        latency.merge(&o.latency);
        section.merge(&o.section);
        for (a, b) in retry_hist.iter_mut().zip(o.retry_hist) {
            *a += b;
        }
        stall.total += o.probe.stall_ns;
        stall.max = stall.max.max(o.probe.stall_max_ns);
        locked_passes += o.probe.locked_passes;
    }
    stats.isolated_allocs += alloc.mm.buddy_isolated_allocs();
    if let Some(irq) = &irq {
        writer.irq = irq.stats();
        stats.bad_pages += irq.bad_pages();
    }
    let pages = alloc.mm.check(&held);
    let logical = crate::workload::logical_cpus();
    CellResult {
        spec: spec.clone(),
        oversubscribed: spec.readers > logical,
        pinned: pin,
        measured_s,
        allocs_per_sec: per_reader.iter().sum(),
        allocs_per_sec_min_reader: per_reader.iter().cloned().fold(f64::INFINITY, f64::min),
        allocs_per_sec_max_reader: per_reader.iter().cloned().fold(0.0, f64::max),
        pages_lost: pages.lost,
        read_latency_ns: latency.summary(),
        section_ns: section.summary(),
        retries_per_million: if stats.sections == 0 {
            0.0
        } else {
            stats.retries as f64 * 1e6 / stats.sections as f64
        },
        retry_hist,
        reader_stall_ns: stall,
        locked_passes,
        stalled: !stall_report.is_empty(),
        stall_report,
        stats,
        writer,
        pages,
    }
}
