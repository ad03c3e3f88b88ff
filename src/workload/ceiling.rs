//! The machine's own scaling ceiling, measured in the same run: N threads,
//! each doing the same private work (order-0 round trips on an allocator
//! of its own: nothing shared, no cache line crossing between them),
//! against one such thread. Perfect hardware gives N; two vCPUs of a shared
//! VM gave 1.65x here, SMT siblings, a shared last-level cache, memory
//! bandwidth and turbo give less. A guard's scaling means something only
//! as a fraction of this: the part its sharing costs, with the machine's
//! part taken out.
//!
//! Each point alternates one thread and N, a slice each, [`ROUNDS`] times
//! (one, N, one, ..., N, one): each N slice is set against the mean of the
//! single-thread slices either side of it, and the point is the median of
//! those ratios, with their range kept. This VM moves between a fast and a
//! slow mode every few seconds, and one thread's rate alone moved between
//! 20 and 33 M round trips/s from slice to slice: a single comparison gave
//! 1.1x to 2.3x for the same point.

use crate::alloc::{AllocConfig, Allocator};
use crate::guard::none::NoGuard;
use crate::metrics::stats::median;
use crate::mm::MmConfig;
use crate::workload::floors::order0_round_trip;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// The ceiling at one thread count.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CeilingPoint {
    pub readers: usize,
    /// Round trips per second of all N threads, and of one thread (the
    /// mean of the runs before and after).
    pub n_per_s: f64,
    pub one_per_s: f64,
    /// The median of the rounds' ratios of N to one: the most N readers
    /// can reach over one here.
    pub speedup: f64,
    /// The lowest and highest round's ratio.
    #[serde(default)]
    pub range: (f64, f64),
}

/// Alternations of one thread and N per point.
pub const ROUNDS: usize = 5;

/// A private machine per thread: one node, 8 MiB of NORMAL, no MOVABLE.
fn private_allocator() -> Allocator<NoGuard> {
    let cfg = MmConfig {
        nodes: 1,
        dma32_mib: 0,
        normal_mib: 8,
        movable_mib: 0,
        nr_cpus: 1,
    };
    Allocator::new(cfg, AllocConfig::default())
}

/// Round trips per second of `n` threads, pinned to `cores` in turn (none:
/// unpinned), each on its own allocator, for `slice`.
fn rate(n: usize, cores: &[core_affinity::CoreId], slice: Duration) -> f64 {
    let stop = AtomicBool::new(false);
    let total = AtomicU64::new(0);
    let barrier = Barrier::new(n + 1);
    let elapsed = std::thread::scope(|s| {
        for i in 0..n {
            let (stop, total, barrier) = (&stop, &total, &barrier);
            let core = (!cores.is_empty()).then(|| cores[i % cores.len()]);
            s.spawn(move || {
                if let Some(c) = core {
                    core_affinity::set_for_current(c);
                }
                // Built on its own thread: its memory is first touched
                // there, as a CPU's own memory is.
                let alloc = private_allocator();
                let mut ctx = alloc.ctx(0);
                barrier.wait();
                let mut ops = 0u64;
                // Relaxed: a stop flag polled between batches.
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..256 {
                        order0_round_trip(&alloc, &mut ctx);
                    }
                    ops += 256;
                }
                // Relaxed: summed after the scope joins the threads.
                total.fetch_add(ops, Ordering::Relaxed);
            });
        }
        barrier.wait();
        let t = Instant::now();
        std::thread::sleep(slice);
        // Relaxed: see the readers' loop.
        stop.store(true, Ordering::Relaxed);
        t.elapsed()
    });
    // Relaxed: the threads were joined.
    total.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

/// The ceiling at each of `readers` above 1 ([`ROUNDS`] alternations of a
/// slice of one thread and one of N per point).
pub fn measure(
    readers: &[usize],
    cores: &[core_affinity::CoreId],
    slice: Duration,
) -> Vec<CeilingPoint> {
    let mut counts: Vec<usize> = readers.iter().copied().filter(|&n| n > 1).collect();
    counts.sort_unstable();
    counts.dedup();
    counts
        .into_iter()
        .map(|n| {
            let mut ones = vec![rate(1, cores, slice)];
            let mut many = Vec::with_capacity(ROUNDS);
            for _ in 0..ROUNDS {
                many.push(rate(n, cores, slice));
                ones.push(rate(1, cores, slice));
            }
            let ratios: Vec<f64> = many
                .iter()
                .zip(ones.windows(2))
                .map(|(m, w)| m / ((w[0] + w[1]) / 2.0))
                .collect();
            let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ratios.iter().copied().fold(0.0, f64::max);
            CeilingPoint {
                readers: n,
                n_per_s: median(&many),
                one_per_s: median(&ones),
                speedup: median(&ratios),
                range: (lo, hi),
            }
        })
        .collect()
}

/// The slice of each run of [`measure`]: 50 ms, 20 ms for `--quick`.
pub fn ceiling_slice(quick: bool) -> Duration {
    Duration::from_millis(if quick { 20 } else { 50 })
}

/// Seconds [`measure`] takes for `readers` (2 x ROUNDS + 1 slices per
/// count above 1, each with its threads' set-up).
pub fn estimate_s(readers: &[usize], slice: Duration) -> f64 {
    let points = readers.iter().filter(|&&n| n > 1).count();
    points as f64 * (2 * ROUNDS + 1) as f64 * (slice.as_secs_f64() + 0.01)
}

/// `2: 1.71x [1.52, 1.90], 4: ...`: the points in one line, each with
/// its rounds' range.
pub fn describe(points: &[CeilingPoint]) -> String {
    points
        .iter()
        .map(|p| {
            format!(
                "{}: {:.2}x [{:.2}, {:.2}]",
                p.readers, p.speedup, p.range.0, p.range.1
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ceiling at `readers` (`None` for 1 reader, or when not measured).
pub fn at(points: &[CeilingPoint], readers: usize) -> Option<f64> {
    points
        .iter()
        .find(|p| p.readers == readers)
        .map(|p| p.speedup)
}
