//! Order-0 alloc+free round trip on one CPU, per guard and scope, beside its
//! floor measured in the same run: the two uncontended per-CPU lock round
//! trips (one in `alloc_pages`, one in `free_pages`) with no allocator work.
//! The round trip does the kernel's work per page (see `mm::page`), so it
//! is several times its floor, as the kernel's 158-231 cycles are several
//! times two lock round trips; the floors' line of every run sets it
//! beside the kernel's figures. Criterion's numbers for separate cases
//! drift with the machine between cases, so the bench ends with its own
//! table: floor and round trip timed in interleaved rounds, best of each,
//! and their ratio.
//!
//! Each round trip is measured twice: alone (`alloc_free_order0/<guard>/
//! <scope>`), and with the workload's rebuild writer on a second CPU
//! rewriting the zonelists at 1 kHz (`alloc_free_order0_rebuild_1000hz/
//! <guard>/<scope>`): what a reader pays for a guard whose writer is active
//! (cache lines the writer dirtied, retries, lock waits). The writer thread
//! is started before criterion's warm-up and stopped after the measurement,
//! never inside a timed region.

mod common;

use common::Budget;
use criterion::{criterion_group, Criterion};
use std::time::{Duration, Instant};
use zonebench::alloc::{Allocator, Scope};
use zonebench::guard::{GuardVisitor, ZonelistGuard, ALL};
use zonebench::sync::SpinLock;
use zonebench::workload::conductor::{Baton, Stage};
use zonebench::workload::floors::order0_round_trip;
use zonebench::workload::spec::{CellSpec, WriterMode};
use zonebench::workload::writer::run_writer;

/// Rate of the background writer, rebuilds per second.
const WRITER_HZ: f64 = 1000.0;

/// The measured cell: one reader (CPU 0, node 0) and the writer's CPU, the
/// default zone sizes, no reclaim time. The runner's own fields (duration,
/// warm-up, repeats, pinning) mean nothing here: criterion times the cell.
fn cell<G: ZonelistGuard>(scope: Scope, writer: WriterMode) -> CellSpec {
    CellSpec {
        guard: G::NAME.into(),
        scope,
        writer,
        writer_rate_hz: WRITER_HZ,
        reclaim_us: 0.0,
        watchdog_s: 0.0,
        duration_s: 0.0,
        warmup_s: 0.0,
        pin: false,
        seed: 0,
        ..CellSpec::default()
    }
}

/// The floor: the pcp lock taken and released twice, nothing else.
#[inline]
fn floor(lock: &SpinLock<u64>) {
    for _ in 0..2 {
        *lock.try_lock().expect("uncontended") += 1;
    }
}

struct RoundTrip<'a> {
    c: &'a mut Criterion,
    scope: Scope,
    writer: WriterMode,
}

impl GuardVisitor for RoundTrip<'_> {
    type Output = ();
    fn visit<G: ZonelistGuard>(self) {
        let spec = cell::<G>(self.scope, self.writer);
        let alloc = Allocator::<G>::new(spec.mm_config(), spec.alloc_config());
        let mut ctx = alloc.ctx(0);
        let name = match self.writer {
            WriterMode::None => format!("alloc_free_order0/{}/{}", G::NAME, self.scope.name()),
            _ => format!(
                "alloc_free_order0_{}_{WRITER_HZ}hz/{}/{}",
                self.writer.name(),
                G::NAME,
                self.scope.name()
            ),
        };
        let baton = Baton::new(0);
        std::thread::scope(|s| {
            // With WriterMode::None the writer returns at once.
            let writer = s.spawn(|| run_writer(&alloc, &spec, &baton));
            self.c
                .bench_function(&name, |b| b.iter(|| order0_round_trip(&alloc, &mut ctx)));
            baton.set_stage(Stage::Stop);
            writer.join().expect("the writer does not panic");
        });
        assert_eq!(ctx.stats.bad_pages + ctx.stats.isolated_allocs, 0);
    }
}

fn benches(c: &mut Criterion) {
    let lock = SpinLock::new(0u64);
    c.bench_function("alloc_free_order0/floor/2x-pcp-lock", |b| {
        b.iter(|| floor(&lock))
    });
    for writer in [WriterMode::None, WriterMode::Rebuild] {
        for scope in [Scope::Slowpath, Scope::EveryAlloc] {
            for g in ALL {
                zonebench::guard::dispatch(g.name, RoundTrip { c, scope, writer });
            }
        }
    }
}

criterion_group! {
    name = alloc;
    config = common::criterion(Budget {
        warm_up: Duration::from_millis(200),
        measurement: Duration::from_millis(500),
        samples: 20,
    });
    targets = benches
}

/// Interleaved rounds of the ratio table and iterations per round (fewer of
/// both under `ZONEBENCH_QUICK`).
fn ratio_rounds() -> (usize, u32) {
    if zonebench::quick() {
        (3, 200_000)
    } else {
        (7, 2_000_000)
    }
}

/// ns per iteration of `f` over `iters` iterations.
fn time_ns(iters: u32, f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / iters as f64
}

struct Ratio {
    scope: Scope,
    rows: Vec<(String, f64, f64)>,
}

impl GuardVisitor for &mut Ratio {
    type Output = ();
    fn visit<G: ZonelistGuard>(self) {
        let spec = cell::<G>(self.scope, WriterMode::None);
        let alloc = Allocator::<G>::new(spec.mm_config(), spec.alloc_config());
        let mut ctx = alloc.ctx(0);
        let lock = SpinLock::new(0u64);
        let (rounds, iters) = ratio_rounds();
        let (mut best_floor, mut best_case) = (f64::INFINITY, f64::INFINITY);
        // Interleave floor and case so both see the same machine state.
        for _ in 0..rounds {
            best_floor = best_floor.min(time_ns(iters, &mut || floor(&lock)));
            best_case = best_case.min(time_ns(iters, &mut || order0_round_trip(&alloc, &mut ctx)));
        }
        self.rows.push((
            format!("{}/{}", G::NAME, self.scope.name()),
            best_floor,
            best_case,
        ));
    }
}

/// Round trip / floor, each the best of interleaved rounds, no writer:
/// what a guard adds to the allocator's own work, per scope.
fn ratio_table() {
    let (rounds, iters) = ratio_rounds();
    println!("\nround trip vs floor (best of {rounds} interleaved rounds of {iters})");
    println!(
        "{:<24} {:>9} {:>9} {:>7}",
        "guard/scope", "floor ns", "trip ns", "ratio"
    );
    for scope in [Scope::Slowpath, Scope::EveryAlloc] {
        let mut r = Ratio {
            scope,
            rows: Vec::new(),
        };
        for g in ALL {
            zonebench::guard::dispatch(g.name, &mut r);
        }
        for (name, floor, case) in r.rows {
            println!("{name:<24} {floor:>9.2} {case:>9.2} {:>6.2}x", case / floor);
        }
    }
}

fn main() {
    alloc();
    Criterion::default().configure_from_args().final_summary();
    ratio_table();
}
