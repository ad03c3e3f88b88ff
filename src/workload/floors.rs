//! Floor cells: the raw cost of the primitives the guards are built from,
//! measured in the same run as the cells, so a reader of the table can see
//! how much of a guard's cost is the primitive and how much the model.
//! Each is the best of several rounds of a tight single-thread loop.

use crate::alloc::{build_all_into, AllocConfig, AllocCtx, Allocator, NoReclaim};
use crate::guard::seqcount::Seqcount;
use crate::guard::{dispatch, GuardVisitor, ReadSection, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::metrics::timer;
use crate::mm::gfp::Gfp;
use crate::mm::MmConfig;
use crate::primitive::sync::atomic::AtomicBool;
use crate::sync::{SeqCount, SpinLock};
use crate::workload::spec::CellSpec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::Instant;

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
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
    /// The model's order-0 alloc+free round trip of a hot page on one CPU
    /// (`alloc_pages` + `__free_pages` through the per-CPU list; `seqcount`
    /// at slowpath scope, the default layout), ns, and in TSC cycles where
    /// the clock is the TSC: to set beside the kernel's
    /// [`KERNEL_ROUND_TRIP_CYCLES`].
    #[serde(default)]
    pub order0_round_trip_ns: f64,
    #[serde(default)]
    pub order0_round_trip_tsc_cycles: Option<f64>,
    /// Per guard of the run: an empty read section (`read_begin`, then
    /// `need_retry`, then drop), uncontended, in a batched loop: the guard's
    /// own cost, to set beside the primitive it is built from.
    #[serde(default)]
    pub guard_section_ns: std::collections::BTreeMap<String, f64>,
}

/// The kernel's order-0 alloc+free of a hot page, cycles: Jesper Dangaard
/// Brouer's page_bench, 231 (LSF/MM 2016), 158 (linux-mm, January 2017),
/// 194 = 54 ns on an E5-1650 v4 (linux-mm, 2021-03-30).
pub const KERNEL_ROUND_TRIP_CYCLES: [f64; 3] = [231.0, 158.0, 194.0];

/// A later page_bench01 figure, from a kernel whose per-CPU lock no longer
/// masks interrupts (6.2+, the model's locking): 115 cycles on an
/// i7-11850H at 2.5 GHz (Marcelo Tosatti, linux-mm, 2023-05-15). Shown
/// beside the others; the target stays the one set from them.
pub const KERNEL_ROUND_TRIP_2023_CYCLES: f64 = 115.0;

/// The range the model's round trip should fall in: within a factor 2 of
/// the kernel's published figures.
pub const ROUND_TRIP_TARGET_CYCLES: (f64, f64) = (80.0, 460.0);

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
    /// What [`Floors::measure`] takes for `guards` guards, seconds.
    pub fn measure_estimate_s(guards: usize) -> f64 {
        0.3 + 0.05 * guards as f64
    }

    /// Measure every floor, and the empty section of each of `guards`
    /// (about 0.2 s, plus 0.05 s per guard).
    pub fn measure(guards: &[String]) -> Floors {
        let seq = SeqCount::new();
        let lock = SpinLock::new(0u64);
        let rw = parking_lot::RwLock::new(0u64);
        let swap = arc_swap::ArcSwap::from_pointee(0u64);
        let round_trip = {
            let spec = CellSpec::default();
            let alloc = Allocator::<Seqcount>::new(spec.mm_config(), spec.alloc_config());
            let mut ctx = alloc.ctx(0);
            best_ns(|| order0_round_trip(&alloc, &mut ctx))
        };
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
            order0_round_trip_ns: round_trip,
            order0_round_trip_tsc_cycles: timer::tsc_ticks_per_ns().map(|t| round_trip * t),
            guard_section_ns: guards
                .iter()
                .filter_map(|g| Some((g.clone(), dispatch(g, EmptySection)?)))
                .collect(),
        }
    }
}

impl Floors {
    /// The model's order-0 round trip beside the kernel's, one line.
    pub fn round_trip_line(&self) -> String {
        let cycles = match self.order0_round_trip_tsc_cycles {
            Some(c) => format!(" = {c:.0} TSC cycles"),
            None => " (no TSC clock: cycles unknown)".into(),
        };
        format!(
            "order-0 alloc+free round trip, hot page, one CPU: {:.1} ns{cycles}; the kernel's (page_bench): 231, 158, 194 cycles (Brouer 2016, 2017, 2021), {:.0} (Tosatti 2023, pcp lock without irqsave)",
            self.order0_round_trip_ns, KERNEL_ROUND_TRIP_2023_CYCLES
        )
    }

    /// The issue-4 targets a floor run can check: a guard's empty section
    /// against the primitive it is built from. One line per target whose
    /// guard was measured, saying what was measured and whether it was met.
    pub fn targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = self.order0_round_trip_tsc_cycles {
            let (lo, hi) = ROUND_TRIP_TARGET_CYCLES;
            out.push(format!(
                "order-0 round trip {c:.0} TSC cycles, the kernel's {:.0}-{:.0} (within a factor 2, {lo:.0}-{hi:.0}: {})",
                KERNEL_ROUND_TRIP_CYCLES.iter().copied().fold(f64::INFINITY, f64::min),
                KERNEL_ROUND_TRIP_CYCLES.iter().copied().fold(0.0, f64::max),
                met((lo..=hi).contains(&c))
            ));
        }
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

/// One order-0 allocation (GFP_KERNEL, no reclaim) and its free on
/// `ctx`'s CPU: with nothing else running, the same hot page through the
/// per-CPU list each time, as page_bench measures the kernel.
#[inline]
pub fn order0_round_trip<G: ZonelistGuard>(alloc: &Allocator<G>, ctx: &mut AllocCtx) {
    let p = alloc
        .alloc_pages(ctx, Gfp::KERNEL, 0, &mut NoReclaim)
        .expect("memory is free");
    alloc.free_pages(ctx, black_box(p), 0);
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

/// Node counts of the sweep's rebuild-cost curve: powers of two up to the
/// kernel's MAX_NUMNODES (NODES_SHIFT=10).
pub const REBUILD_NODES: [usize; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// The curve's node counts: [`REBUILD_NODES`], or under `--quick` all but
/// the last. A 1024-node rebuild takes about half a second here, paid
/// twice per guard (the allocator's own first build, then the timed one):
/// 17 of a quick sweep's 70 seconds, for a point the full sweep measures.
pub fn rebuild_nodes(quick: bool) -> &'static [usize] {
    match quick {
        true => &REBUILD_NODES[..REBUILD_NODES.len() - 1],
        false => &REBUILD_NODES,
    }
}

/// Time spent per point of the curve, seconds: rebuilds are timed one by
/// one until this is spent (at least one: a 1024-node rebuild takes about
/// a second alone).
const POINT_S: f64 = 0.03;

/// One rebuild of `nodes` nodes on the development machine, seconds: the
/// build is O(nodes^3) (`find_next_best_node`), ~0.9 ns per step there.
pub fn rebuild_s(nodes: usize) -> f64 {
    0.9e-9 * (nodes as f64).powi(3) + 1e-7 * nodes as f64
}

/// What [`rebuild_cost`] of `guards` guards at `nodes` will take, seconds:
/// per point the allocator's own first build, the timed rebuilds (a
/// latch builds twice), and `mem_map` set-up.
pub fn rebuild_cost_estimate_s(guards: usize, nodes: &[usize]) -> f64 {
    let per_guard: f64 = nodes
        .iter()
        .map(|&n| rebuild_s(n) + (2.0 * rebuild_s(n)).max(POINT_S) + 2e-5 * n as f64)
        .sum();
    per_guard * guards as f64
}

/// The uncontended rebuild of each of `guards` on `nodes` simulated nodes:
/// the median of rebuilds timed one by one for about 30 ms per point (at
/// least one), so a point costs about the same whatever its size until one
/// rebuild alone takes longer. Points beyond a guard's `MAX_NODES` are
/// left out.
pub fn rebuild_cost(guards: &[String], nodes: &[usize]) -> Vec<RebuildCost> {
    let mut out = Vec::new();
    for g in guards {
        for &n in nodes {
            if let Some(Some(c)) = dispatch(g, RebuildCostOf(n)) {
                out.push(c);
            }
        }
    }
    out
}

struct RebuildCostOf(usize);

impl GuardVisitor for RebuildCostOf {
    type Output = Option<RebuildCost>;
    fn visit<G: ZonelistGuard>(self) -> Option<RebuildCost> {
        if self.0 > G::MAX_NODES {
            return None;
        }
        // Building the allocator builds its zonelists once: the warm-up.
        let alloc = small_allocator::<G>(self.0);
        let irqs = AtomicBool::new(false);
        let start = Instant::now();
        let mut ns = Vec::new();
        while ns.is_empty() || (start.elapsed().as_secs_f64() < POINT_S && ns.len() < 100_000) {
            let t = Instant::now();
            rebuild_once(&alloc, &irqs);
            ns.push(t.elapsed().as_nanos() as f64);
        }
        ns.sort_by(f64::total_cmp);
        Some(RebuildCost {
            guard: G::NAME.to_string(),
            nodes: self.0,
            median_ns: ns[ns.len() / 2],
            samples: ns.len(),
        })
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
        // The reader's CPU passes its first quiescent state (rcu-qsbr: it
        // comes online) before its first section, as an allocation would.
        alloc.guard.quiescent(&mut probe);
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
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct RebuildCost {
    pub guard: String,
    pub nodes: usize,
    /// Median of the timed rebuilds, ns, and the rebuilds timed.
    pub median_ns: f64,
    pub samples: usize,
}
