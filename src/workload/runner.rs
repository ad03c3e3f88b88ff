//! A group of cells, one per guard, measured together: build every guard's
//! allocator (its *arm*, `workload/arm.rs`) and keep them all resident,
//! start one set of readers and one writer together on a barrier (readers
//! pinned one per core where the machine allows), warm up, measure, stop,
//! join, and check every arm's invariants. The writer thread also
//! conducts (`workload/conductor.rs`): between two of its operations it
//! passes the baton to the next arm every phase, so readers and writer
//! switch together and a phase holds whole writer operations (a hotplug
//! offline waiting for migration lengthens its phase rather than leaving
//! the readers elsewhere). A single cell is a group of one arm, which never
//! switches.
//!
//! Each arm's results are what a cell of its own would report, gathered
//! over its phases: rates are each reader's allocations over its own clock
//! ticks in the arm's measured phases (a reader that sees a switch late
//! counts the late allocations with their time), counters and histograms
//! are the arm's own, the writer's statistics are its operations on the
//! arm, and the interference readings (taken around the whole measured
//! interval) are shared by all arms, which shared the machine in
//! alternation.

use crate::alloc::AllocStats;
use crate::alloc::RETRY_BUCKETS;
use crate::guard::ReaderProbe;
use crate::metrics::Hist;
use crate::mm::check::PageAccount;
use crate::primitive::sync::atomic::{AtomicU64, Ordering};
use crate::workload::arm::{self, Arm, ArmReader, PhaseCounts, ReaderOut};
use crate::workload::cancel::Cancel;
use crate::workload::conductor::{Baton, Conductor, Stage};
use crate::workload::interference::{current_tid, Interference, Snapshot};
use crate::workload::logical_cpus;
use crate::workload::reader::Mix;
use crate::workload::spec::{CellSpec, WriterMode};
use crate::workload::writer::{sleep_until, Pace, WriterArm, WriterStats};
use crossbeam_utils::CachePadded;
use std::sync::{Barrier, OnceLock};
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
    /// How the arm shared the run with others (`None`: it ran alone).
    pub interleave: Option<Interleave>,
}

/// How an arm shared its run with the group's other arms.
#[derive(Clone, Debug, PartialEq)]
pub struct Interleave {
    /// Arms in the group (this one included).
    pub arms: usize,
    /// The phase length asked for, milliseconds.
    pub phase_ms: f64,
    /// Measured phases of this arm (per reader, summed over readers).
    pub phases: u64,
    /// How much slower the first [`arm::REFILL_ALLOCS`] allocations of a
    /// phase ran than the rest (a fraction; `None` if not measured).
    pub refill_slowdown: Option<f64>,
    /// The arm's allocations per second (all readers) in each complete
    /// block of the run, in order: the same index is the same block in
    /// every arm of the group, so two arms compare block by block. NaN
    /// where a reader did not run the arm's phase of that block (it was
    /// descheduled through the whole phase).
    pub block_rates: Vec<f64>,
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
    fn new(watchdog_s: f64, readers: Vec<u64>, rebuilds: u64) -> Self {
        Watchdog {
            timeout: Duration::from_secs_f64(watchdog_s),
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

    /// What was stuck, in words (empty when the cell did not stall):
    /// `arm` the one running when it stalled.
    fn report(&self, readers: &[u64], arm: &dyn Arm, arms: usize) -> Vec<String> {
        if !self.stalled {
            return Vec::new();
        }
        let writer_in = arm.writer_in_section();
        let within = if arms > 1 {
            format!(" (in arm {} of {arms})", arm.spec().guard)
        } else {
            String::new()
        };
        let mut out = vec![format!(
            "no allocation and no rebuild for {:.1} s{within}; writer {}",
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

/// Run one cell alone; `cancel` cuts it short (its result must then be
/// dropped). Errors are configuration problems (unknown guard).
pub fn run_cell(
    spec: &CellSpec,
    cores: &[core_affinity::CoreId],
    cancel: &Cancel,
) -> Result<Measurement, String> {
    let mut m = run_group(std::slice::from_ref(spec), Duration::ZERO, cores, cancel)?;
    Ok(m.pop().expect("one arm, one measurement"))
}

/// Run `specs` together, one arm each, the active arm switched every
/// `phase` (see the module docs): one measurement per spec, in order. The
/// specs differ in guard (or arm label) only; the group's readers, writer,
/// timing and seed are the first's, and each arm is warmed up and measured
/// for its `warmup_s` and `duration_s` of active time (the group runs
/// `arms` times as long). `cancel` cuts the run short (the results must
/// then be dropped). Errors are configuration problems (unknown guard).
pub fn run_group(
    specs: &[CellSpec],
    phase: Duration,
    cores: &[core_affinity::CoreId],
    cancel: &Cancel,
) -> Result<Vec<Measurement>, String> {
    // Calibrate the clock before any reader starts.
    crate::metrics::timer::overhead_ns();
    let arms = specs
        .iter()
        .map(|s| arm::build(s).ok_or_else(|| format!("unknown guard '{}'", s.guard)))
        .collect::<Result<Vec<_>, _>>()?;
    let spec = &specs[0];
    let n = arms.len();
    let total_pages = spec.mm_config().total_pages() as f64;
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
    let conductor = Conductor::new(n, phase, spec.seed);
    let baton = Baton::new(conductor.first());
    let arms = &arms;

    let (outs, writer, stall_report, interference) = std::thread::scope(|s| {
        let readers: Vec<_> = (0..spec.readers)
            .map(|i| {
                let (baton, progress, barrier, tid) = (&baton, &progress[i], &barrier, &tids[i]);
                let core = pin.then(|| cores[i % cores.len()]);
                s.spawn(move || {
                    if let Some(c) = core {
                        core_affinity::set_for_current(c);
                    }
                    crate::mm::vmstat::set_this_cpu(i);
                    let mut states: Vec<Box<dyn ArmReader + '_>> =
                        arms.iter().map(|a| a.reader(i, ring_len)).collect();
                    let _ = tid.set(current_tid());
                    barrier.wait();
                    let mut word = baton.load();
                    let mut done = 0;
                    while word.stage() != Stage::Stop {
                        word = states[word.arm()].run_phase(baton, word, &mut done, progress);
                    }
                    states
                        .into_iter()
                        .map(|st| st.finish())
                        .collect::<Vec<ReaderOut>>()
                })
            })
            .collect();
        let writer = {
            let (baton, barrier, tid) = (&baton, &barrier, &writer_tid);
            s.spawn(move || {
                crate::mm::vmstat::set_this_cpu(spec.writer_cpu());
                let _ = tid.set(current_tid());
                barrier.wait();
                conduct(arms, spec, conductor, baton)
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
        let rebuilds = || arms.iter().map(|a| a.rebuilds()).sum::<u64>();
        let mut watch = Watchdog::new(spec.watchdog_s, snap(), rebuilds());
        let mut watched = |d: Duration| {
            watch_for(d, cancel, |now| watch.check(now, &snap(), rebuilds()));
        };
        watched(spec.warmup() * n as u32);
        // The /proc reads of the interference snapshots stay outside
        // the measured interval: before its start, after its end (but
        // before the stop: a thread's /proc entry goes when it exits).
        let i0 = Snapshot::take(&tids, writer_tid.get().copied());
        baton.set_stage(Stage::Measure);
        let t0 = Instant::now();
        watched(spec.duration() * n as u32);
        let (c1, t1) = (snap(), Instant::now());
        let i1 = Snapshot::take(&tids, writer_tid.get().copied());
        let stuck_in = baton.load().arm();
        baton.set_stage(Stage::Stop);
        for a in arms {
            a.abort_hold();
        }
        let stall_report = watch.report(&c1, &*arms[stuck_in], n);
        let outs: Vec<Vec<ReaderOut>> = readers
            .into_iter()
            .map(|h| h.join().expect("reader thread"))
            .collect();
        let writer = writer.join().expect("writer thread");
        let interference = Interference::between(&i0, &i1, t1 - t0, spec.readers, logical_cpus());
        (outs, writer, stall_report, interference)
    });
    let (writers, active, blocks) = writer;
    // Reader-major to arm-major.
    let mut by_arm: Vec<Vec<ReaderOut>> = (0..n).map(|_| Vec::new()).collect();
    for reader in outs {
        for (k, o) in reader.into_iter().enumerate() {
            by_arm[k].push(o);
        }
    }
    let phase_ms = phase.as_secs_f64() * 1e3;
    Ok(by_arm
        .into_iter()
        .zip(writers)
        .zip(active)
        .enumerate()
        .map(|(k, ((outs, w), active))| {
            let active_s = active.as_secs_f64();
            let rates = block_rates(&outs, &blocks, k);
            let (mut m, counts) = gather(&*arms[k], outs, w, active_s, &stall_report, pin, cancel);
            m.interference = interference.clone();
            m.interleave = (n > 1).then(|| Interleave {
                arms: n,
                phase_ms,
                phases: counts.phases,
                refill_slowdown: counts.refill_slowdown(),
                block_rates: rates,
            });
            m
        })
        .collect())
}

/// The writer's thread: the writer's operations at its rate on whichever
/// arm is active, and the conductor's switches between them. Returns each
/// arm's writer counters, its active time while measuring, and the
/// complete measured blocks ([`Conductor::complete_blocks`]).
fn conduct(
    arms: &[Box<dyn Arm>],
    spec: &CellSpec,
    mut conductor: Conductor,
    baton: &Baton,
) -> (Vec<WriterArm>, Vec<Duration>, Vec<Vec<u64>>) {
    let n = arms.len();
    let mut w: Vec<WriterArm> = (0..n).map(|_| WriterArm::default()).collect();
    let mut active = vec![Duration::ZERO; n];
    let start = Instant::now();
    conductor.restart(start);
    let mut pace = (spec.writer != WriterMode::None).then(|| Pace::new(spec.writer_rate_hz, start));
    let mut measuring = false;
    let mut phase_start = start;
    loop {
        let word = baton.load();
        let now = Instant::now();
        if word.stage() == Stage::Stop {
            if measuring {
                active[word.arm()] += now - phase_start;
            }
            conductor.cut();
            break;
        }
        if word.stage() == Stage::Measure && !measuring {
            measuring = true;
            for (a, w) in arms.iter().zip(&mut w) {
                a.writer_begin_measuring(w);
            }
            phase_start = now;
        }
        let arm = word.arm();
        if conductor.tick(now, baton) {
            if measuring {
                active[arm] += now - phase_start;
            }
            phase_start = now;
            continue;
        }
        if let Some(p) = &mut pace {
            if now >= p.due() {
                arms[arm].writer_op(&mut w[arm], baton);
                p.next(Instant::now());
                continue;
            }
        }
        let wake = [pace.as_ref().map(Pace::due), conductor.phase_end()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + Duration::from_millis(10));
        sleep_until(wake, baton);
    }
    (w, active, conductor.complete_blocks())
}

/// Arm `arm`'s rate in each of `blocks` (phase numbers per arm): its
/// readers' allocations over their own clock in its phase of the block,
/// summed over readers; NaN where a reader has no record of that phase.
fn block_rates(outs: &[ReaderOut], blocks: &[Vec<u64>], arm: usize) -> Vec<f64> {
    let ns_per_tick = crate::metrics::timer::ticks_to_ns(1_000_000) / 1e6;
    blocks
        .iter()
        .map(|b| {
            let seq = b[arm];
            outs.iter()
                // A reader's log is in phase order.
                .map(|o| match o.log.binary_search_by_key(&seq, |e| e.0) {
                    Ok(i) if o.log[i].2 > 0 => {
                        o.log[i].1 as f64 * 1e9 / (o.log[i].2 as f64 * ns_per_tick)
                    }
                    _ => f64::NAN,
                })
                .sum()
        })
        .collect()
}

/// Merge one arm's readers, finish its writer's counters and check its
/// pages. `stall_report` is the group's (a stall stops every arm); a
/// reader that ran the arm's measured phases without completing an
/// allocation stalls this arm alone.
fn gather(
    arm: &dyn Arm,
    outs: Vec<ReaderOut>,
    w: WriterArm,
    active_s: f64,
    stall_report: &[String],
    pinned: bool,
    cancel: &Cancel,
) -> (Measurement, PhaseCounts) {
    let spec = arm.spec();
    let mut stats = AllocStats::default();
    let mut held = Vec::new();
    let (mut latency, mut section) = (Hist::default(), Hist::default());
    let mut retry_hist = [0; RETRY_BUCKETS];
    let mut probe = ReaderProbe::default();
    let mut counts = PhaseCounts::default();
    let mut per_reader = Vec::new();
    let mut stall_report = stall_report.to_vec();
    let quiet = stall_report.is_empty() && !cancel.is_cancelled();
    for (i, o) in outs.iter().enumerate() {
        stats.add(&o.stats);
        held.extend_from_slice(&o.held);
        latency.merge(&o.latency);
        section.merge(&o.section);
        for (a, b) in retry_hist.iter_mut().zip(o.retry_hist) {
            *a += b;
        }
        probe.add(&o.probe);
        counts.add(&o.counts);
        per_reader.push(o.counts.rate());
        // A reader that made no progress while the writer did is as
        // stalled as a cell where nothing moved (the watchdog counts
        // rebuilds as progress): its rate would read as 0 and sink any
        // mean it joined.
        if quiet && o.counts.allocs == 0 {
            stall_report.push(format!(
                "reader {i}: no allocation in the {active_s:.2} s measured"
            ));
        }
    }
    let (writer, pages) = arm.finish(w, active_s, &mut stats, &held);
    (
        Measurement {
            spec: spec.clone(),
            oversubscribed: spec.readers > logical_cpus(),
            pinned,
            measured_s: active_s,
            per_reader,
            stats,
            latency,
            section,
            retry_hist,
            probe,
            writer,
            stall_report,
            pages,
            interference: Interference::default(),
            interleave: None,
        },
        counts,
    )
}
