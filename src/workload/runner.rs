//! One cell: build the allocator for the guard, start the readers and the
//! writer together on a barrier (readers pinned one per core where the
//! machine allows), warm up, measure, stop, join, and check the invariants.

use crate::alloc::RETRY_BUCKETS;
use crate::alloc::{AllocStats, Allocator};
use crate::guard::ReaderProbe;
use crate::guard::{dispatch, GuardVisitor, ZonelistGuard};
use crate::metrics::timer::{self, Sample, Sampler};
use crate::metrics::Hist;
use crate::mm::check::PageAccount;
use crate::primitive::sync::atomic::{AtomicU64, Ordering};
use crate::workload::cancel::Cancel;
use crate::workload::interference::{current_tid, Interference, Snapshot};
use crate::workload::irq::Irq;
use crate::workload::logical_cpus;
use crate::workload::reader::{Mix, Ring};
use crate::workload::spec::CellSpec;
use crate::workload::writer::{run_writer, Phase, Shared, WriterStats};
use crossbeam_utils::CachePadded;
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

/// What one cell measured, as the runner gathered it: per-reader rates,
/// the readers' counters and histograms merged, the writer's statistics and
/// the end-of-run page accounting. `results::CellResult` is how a results
/// file records it.
#[derive(Debug)]
pub struct Measurement {
    pub spec: CellSpec,
    /// More readers than logical CPUs: measures preemption, not contention.
    pub oversubscribed: bool,
    /// Whether reader threads were pinned.
    pub pinned: bool,
    /// Length of the measured interval, seconds.
    pub measured_s: f64,
    /// Each reader's allocations per second over the measured interval.
    pub per_reader: Vec<f64>,
    /// The readers' counters, summed.
    pub stats: AllocStats,
    /// Allocation latency as the caller sees it, sampled.
    pub latency: Hist,
    /// The guard section alone, begin to end with retries.
    pub section: Hist,
    /// Allocations that retried 1, 2, 3, 4+ times.
    pub retry_hist: [u64; RETRY_BUCKETS],
    /// The readers' waits inside the guard, summed (the longest kept).
    pub probe: ReaderProbe,
    pub writer: WriterStats,
    /// What the watchdog saw stuck (empty: the cell did not stall).
    pub stall_report: Vec<String>,
    pub pages: PageAccount,
    /// What else ran on the machine during the measured interval.
    pub interference: Interference,
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
) -> Result<Measurement, String> {
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
    type Output = Measurement;
    fn visit<G: ZonelistGuard>(self) -> Measurement {
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
) -> Measurement {
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
    // Each reader's kernel task id, set before the start barrier.
    let tids: Vec<OnceLock<i32>> = (0..spec.readers).map(|_| OnceLock::new()).collect();
    let writer_tid = OnceLock::new();

    let (outs, mut writer, measured_s, per_reader, stall_report, interference) =
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..spec.readers)
                .map(|i| {
                    let (alloc, shared, progress, barrier) =
                        (&alloc, &shared, &progress[i], &barrier);
                    let tid = &tids[i];
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
                        let mut warming = true;
                        // Allocations of the warm-up, so that the progress
                        // counter (successful allocations, as before the
                        // context's counters restart) never runs back.
                        let mut warmup_allocs = 0;
                        let _ = tid.set(current_tid());
                        barrier.wait();
                        // One read of the phase per allocation.
                        loop {
                            let phase = shared.phase();
                            if phase == Phase::Stop {
                                break;
                            }
                            if warming && phase == Phase::Measure {
                                warming = false;
                                warmup_allocs = ctx.stats.allocs;
                                ctx.begin_measuring();
                                latency = Hist::default();
                            }
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
                            progress.store(warmup_allocs + ctx.stats.allocs, Ordering::Relaxed);
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
                let (alloc, shared, barrier, tid) = (&alloc, &shared, &barrier, &writer_tid);
                let irq = irq.as_deref();
                s.spawn(move || {
                    let _ = tid.set(current_tid());
                    barrier.wait();
                    run_writer(alloc, spec, shared, irq)
                })
            };
            barrier.wait();
            let tids: Vec<i32> = tids.iter().filter_map(|t| t.get().copied()).collect();
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
            // The /proc reads of the interference snapshots stay outside
            // the measured interval: before its start, after its end (but
            // before the stop: a thread's /proc entry goes when it exits).
            // The threads' counters start at the start and stop at the stop
            // (each sees the phase change within one operation), a fraction
            // of a millisecond after the interval's end.
            let i0 = Snapshot::take(&tids, writer_tid.get().copied());
            shared.begin_measuring();
            let (c0, t0) = (snap(), Instant::now());
            watched(spec.duration());
            let (c1, t1) = (snap(), Instant::now());
            let i1 = Snapshot::take(&tids, writer_tid.get().copied());
            shared.stop();
            // Relaxed: see Allocator::abort_hold.
            alloc.abort_hold.store(true, Ordering::Relaxed);
            let mut stall_report = watch.report(&c1, &alloc);
            let secs = (t1 - t0).as_secs_f64();
            let per_reader: Vec<f64> = c0
                .iter()
                .zip(&c1)
                .map(|(a, b)| (b - a) as f64 / secs)
                .collect();
            // A reader that made no progress while the writer did is as
            // stalled as a cell where nothing moved (the watchdog counts
            // rebuilds as progress): its rate would read as 0 and sink
            // any mean it joined.
            if stall_report.is_empty() && !cancel.is_cancelled() {
                for (i, _) in c0.iter().zip(&c1).enumerate().filter(|(_, (a, b))| a == b) {
                    stall_report.push(format!(
                        "reader {i}: no allocation in the {secs:.2} s measured"
                    ));
                }
            }
            let outs: Vec<ReaderOut> = readers
                .into_iter()
                .map(|h| h.join().expect("reader thread"))
                .collect();
            let writer = writer.join().expect("writer thread");
            let interference =
                Interference::between(&i0, &i1, t1 - t0, spec.readers, logical_cpus());
            (outs, writer, secs, per_reader, stall_report, interference)
        });
    let mut stats = AllocStats::default();
    let mut held = Vec::new();
    let (mut latency, mut section) = (Hist::default(), Hist::default());
    let mut retry_hist = [0; RETRY_BUCKETS];
    let mut probe = ReaderProbe::default();
    for o in &outs {
        stats.add(&o.stats);
        held.extend_from_slice(&o.held);
        latency.merge(&o.latency);
        section.merge(&o.section);
        for (a, b) in retry_hist.iter_mut().zip(o.retry_hist) {
            *a += b;
        }
        probe.add(&o.probe);
    }
    stats.isolated_allocs += alloc.mm.buddy_isolated_allocs();
    // Pages a refill or a drain found bad (`check_new_page`).
    stats.bad_pages += alloc.mm.bad_pages();
    if let Some(irq) = &irq {
        writer.irq = irq.stats();
        stats.bad_pages += irq.bad_pages();
    }
    let pages = alloc.mm.check(&held);
    Measurement {
        spec: spec.clone(),
        oversubscribed: spec.readers > logical_cpus(),
        pinned: pin,
        measured_s,
        per_reader,
        stats,
        latency,
        section,
        retry_hist,
        probe,
        writer,
        stall_report,
        pages,
        interference,
    }
}
