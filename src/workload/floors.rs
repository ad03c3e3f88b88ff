//! Floor cells: the raw cost of the primitives the guards are built from,
//! measured in the same run as the cells, so a reader of the table can see
//! how much of a guard's cost is the primitive and how much the model.
//! Each is the best of several rounds of a tight single-thread loop.

use crate::alloc::{build_all_into, AllocConfig, Allocator};
use crate::guard::{dispatch, GuardVisitor, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::MmConfig;
use crate::primitive::sync::atomic::AtomicBool;
use crate::sync::{SeqCount, SpinLock};
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::Instant;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Floors {
    /// `read_seqcount_begin` + `read_seqcount_retry`, uncontended.
    pub seqcount_read_pair_ns: f64,
    /// `SpinLock` lock + unlock (the pcp lock, the guards' writer locks).
    pub spinlock_round_trip_ns: f64,
    /// `parking_lot::RwLock` read lock + unlock.
    pub rwlock_read_ns: f64,
    /// `arc_swap::ArcSwap::load` + drop of the guard.
    pub arc_swap_load_ns: f64,
    /// `crossbeam_epoch::pin` + unpin.
    pub epoch_pin_ns: f64,
    /// Per guard of the run: an empty read section (`read_begin`, then
    /// `need_retry`, then drop), uncontended, in a batched loop: the guard's
    /// own cost, to set beside the primitive it is built from.
    #[serde(default)]
    pub guard_section_ns: std::collections::BTreeMap<String, f64>,
}

const ITERS: u32 = 500_000;
const ROUNDS: usize = 5;

fn best_ns(mut f: impl FnMut()) -> f64 {
    (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..ITERS {
                f();
            }
            t.elapsed().as_nanos() as f64 / ITERS as f64
        })
        .fold(f64::INFINITY, f64::min)
}

impl Floors {
    /// Measure every floor, and the empty section of each of `guards`
    /// (about 0.2 s, plus 0.05 s per guard).
    pub fn measure(guards: &[String]) -> Floors {
        let seq = SeqCount::new();
        let lock = SpinLock::new(0u64);
        let rw = parking_lot::RwLock::new(0u64);
        let swap = arc_swap::ArcSwap::from_pointee(0u64);
        Floors {
            seqcount_read_pair_ns: best_ns(|| {
                let (s, _) = seq.read_begin();
                black_box(seq.read_retry(black_box(s)));
            }),
            spinlock_round_trip_ns: best_ns(|| *lock.lock() += 1),
            rwlock_read_ns: best_ns(|| {
                black_box(*rw.read());
            }),
            arc_swap_load_ns: best_ns(|| {
                black_box(**swap.load());
            }),
            epoch_pin_ns: best_ns(|| drop(black_box(crossbeam_epoch::pin()))),
            guard_section_ns: guards
                .iter()
                .filter_map(|g| Some((g.clone(), dispatch(g, EmptySection)?)))
                .collect(),
        }
    }
}

impl Floors {
    /// The issue-4 targets a floor run can check: a guard's empty section
    /// against the primitive it is built from. One line per target whose
    /// guard was measured, saying what was measured and whether it was met.
    pub fn targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(&s) = self.guard_section_ns.get("seqcount") {
            let over = s - self.seqcount_read_pair_ns;
            out.push(format!(
                "seqcount section {s:.2} ns, {over:+.2} ns over the read pair {:.2} ns (at most +2 ns: {})",
                self.seqcount_read_pair_ns,
                met(over <= 2.0)
            ));
        }
        if let Some(&s) = self.guard_section_ns.get("rcu") {
            let ratio = s / self.arc_swap_load_ns;
            out.push(format!(
                "rcu section {s:.2} ns, {ratio:.2}x the arc-swap load {:.2} ns (at most 1.5x: {})",
                self.arc_swap_load_ns,
                met(ratio <= 1.5)
            ));
        }
        out
    }
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// A machine of `nodes` nodes with small zones (4 MiB NORMAL and MOVABLE
/// each, no DMA32), zonelists built: a guard's section and rebuild cost
/// depend on the zonelists' length (nodes x zones), not on memory size, and
/// a 64-node machine is then cheap to set up.
pub fn small_allocator<G: ZonelistGuard>(nodes: usize) -> Allocator<G> {
    let mm = MmConfig {
        nodes,
        dma32_mib: 0,
        normal_mib: 4,
        movable_mib: 4,
        nr_cpus: 1,
        ..MmConfig::default()
    };
    Allocator::new(mm, AllocConfig::default())
}

/// One uncontended rebuild through the guard's write protocol, with the
/// real zonelist build and none of `build_all_zonelists`' bookkeeping.
#[inline]
pub fn rebuild_once<G: ZonelistGuard>(alloc: &Allocator<G>, irqs_disabled: &AtomicBool) {
    let writer = WriterCtx::new(irqs_disabled);
    alloc
        .guard
        .rebuild(&writer, &|zl| build_all_into(&alloc.mm, zl));
}

/// Node counts of the sweep's rebuild-cost cells.
pub const REBUILD_NODES: [usize; 3] = [1, 8, 64];

/// The uncontended rebuild of each of `guards` on `nodes` simulated nodes:
/// the median of rebuilds timed one by one for about 30 ms per point (at
/// least 5), so a point costs the same whatever its size.
pub fn rebuild_cost(guards: &[String], nodes: &[usize]) -> Vec<RebuildCost> {
    let mut out = Vec::new();
    for g in guards {
        for &n in nodes {
            if let Some(c) = dispatch(g, RebuildCostOf(n)) {
                out.push(c);
            }
        }
    }
    out
}

struct RebuildCostOf(usize);

impl GuardVisitor for RebuildCostOf {
    type Output = RebuildCost;
    fn visit<G: ZonelistGuard>(self) -> RebuildCost {
        let alloc = small_allocator::<G>(self.0);
        let irqs = AtomicBool::new(false);
        rebuild_once(&alloc, &irqs); // warm
        let start = Instant::now();
        let mut ns = Vec::new();
        while ns.len() < 5 || (start.elapsed().as_millis() < 30 && ns.len() < 100_000) {
            let t = Instant::now();
            rebuild_once(&alloc, &irqs);
            ns.push(t.elapsed().as_nanos() as f64);
        }
        ns.sort_by(f64::total_cmp);
        RebuildCost {
            guard: G::NAME.to_string(),
            nodes: self.0,
            median_ns: ns[ns.len() / 2],
            samples: ns.len(),
        }
    }
}

/// An uncontended read section with nothing inside: `read_begin`, then
/// `need_retry`, then drop, on a small model. Timed in a batched loop: the Instant pair around
/// one section costs ~100 times a seqcount section, so sampled timing cannot
/// resolve what this measures.
struct EmptySection;

impl GuardVisitor for EmptySection {
    type Output = f64;
    fn visit<G: ZonelistGuard>(self) -> f64 {
        let alloc = small_allocator::<G>(1);
        let mut probe = ReaderProbe::default();
        best_ns(|| {
            let section = alloc.guard.read_begin(&mut probe, false);
            black_box(&section);
            black_box(section.need_retry());
        })
    }
}

/// One guard's `build_all_zonelists`, uncontended, on `nodes` simulated
/// nodes: the zonelists hold `nodes` x zones entries per node, so the
/// rebuild grows with nodes squared.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RebuildCost {
    pub guard: String,
    pub nodes: usize,
    /// Median of the timed rebuilds, ns, and the rebuilds timed.
    pub median_ns: f64,
    pub samples: usize,
}
