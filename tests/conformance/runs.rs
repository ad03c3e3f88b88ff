//! Allocation without a race: one thread through each scope, and bounded
//! concurrent runs under a rebuild writer and under hotplug.

use super::machine::{allocator, cell};
use zonebench::alloc::{Gfp, NoReclaim, Scope};
use zonebench::guard::ZonelistGuard;
use zonebench::results::CellResult;
use zonebench::workload::cancel::Cancel;
use zonebench::workload::runner::run_cell;
use zonebench::workload::spec::WriterMode;

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
