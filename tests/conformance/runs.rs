//! Allocation without a race: one thread through each scope, and bounded
//! concurrent runs under a rebuild writer and under hotplug.

use super::machine::{allocator, cell};
use zonebench::alloc::{Gfp, NoReclaim, Scope};
use zonebench::guard::ZonelistGuard;
use zonebench::results::CellResult;
use zonebench::workload::cancel::Cancel;
use zonebench::workload::runner::run_cell;
use zonebench::workload::spec::{CellSpec, Pressure, WriterMode};

pub(crate) fn single_thread<G: ZonelistGuard>() {
    for scope in [Scope::Slowpath, Scope::EveryAlloc] {
        let a = allocator::<G>(scope);
        let mut ctx = a.ctx(0);
        let mut held = Vec::new();
        for i in 0..3000u32 {
            let (gfp, order) = if i % 2 == 0 {
                (Gfp::KERNEL, i % 4)
            } else {
                (Gfp::HIGHUSER_MOVABLE, 0)
            };
            if let Some(p) = a.alloc_pages(&mut ctx, gfp, order, &mut NoReclaim) {
                held.push((p, order));
            }
            if i % 3 == 0 {
                if let Some((p, o)) = held.pop() {
                    a.free_pages(&mut ctx, p, o);
                }
            }
        }
        assert!(held.len() > 500, "{}: allocations failed early", G::NAME);
        let acc = a.mm.check(&held);
        assert!(acc.ok(), "{} {scope:?}: {acc:?}", G::NAME);
        assert_eq!(
            ctx.stats.bad_pages + ctx.stats.isolated_allocs + ctx.stats.false_ooms,
            0,
            "{}",
            G::NAME
        );
    }
}

pub(crate) fn bounded_run<G: ZonelistGuard>(writer: WriterMode, scope: Scope) {
    let spec = cell(G::NAME, scope, writer);
    let c = CellResult::from(run_cell(&spec, &[], &Cancel::default()).unwrap());
    assert!(
        c.violations().is_empty(),
        "{} {writer:?}: {:?}",
        G::NAME,
        c.violations()
    );
    assert_eq!(c.pages_lost, 0);
    assert_eq!(c.stats.isolated_allocs, 0);
    assert!(
        c.stats.allocs > 0 && c.writer.rebuilds > 0,
        "{}: no progress {c:?}",
        G::NAME
    );
    if G::PREVENTS_FALSE_OOM {
        assert_eq!(c.stats.false_ooms, 0, "{} {writer:?} {scope:?}", G::NAME);
    }
}

/// The warm-up is left out of every counter and histogram: with a warm-up
/// nine times the measured interval, counted in it would dominate them.
#[test]
fn warm_up_is_left_out_of_every_counter() {
    let spec = CellSpec {
        warmup_s: 0.45,
        duration_s: 0.05,
        pressure: Pressure::Low,
        writer_rate_hz: 2000.0,
        irq: true,
        ..cell("seqlock", Scope::Slowpath, WriterMode::Rebuild)
    };
    let c = CellResult::from(run_cell(&spec, &[], &Cancel::default()).unwrap());
    assert!(c.violations().is_empty(), "{:?}", c.violations());
    let counted = c.stats.allocs as f64 / (c.allocs_per_sec * c.measured_s);
    assert!(
        (0.8..1.25).contains(&counted),
        "allocs counted {} for {:.0}/s over {:.3} s",
        c.stats.allocs,
        c.allocs_per_sec,
        c.measured_s
    );
    assert!(c.read_latency_ns.count <= c.stats.allocs);
    // At most the rate's rebuilds in the interval (and a few for the
    // phase change seen late), one interrupt each.
    let most = 2000.0 * c.measured_s * 1.5 + 5.0;
    assert!(
        (c.writer.rebuilds as f64) < most,
        "{} rebuilds in {:.3} s",
        c.writer.rebuilds,
        c.measured_s
    );
    assert_eq!(c.writer.irq.irqs, c.writer.rebuilds);
    let times = c.writer.lock_wait_ns.count;
    assert!(times <= c.writer.rebuilds + 1, "{times} timed rebuilds");
}
