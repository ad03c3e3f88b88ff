//! PREEMPT_RT readers under oversubscription and a writer that holds its
//! section.

use super::machine::cell;
use zonebench::alloc::Scope;
use zonebench::guard::ZonelistGuard;
use zonebench::results::CellResult;
use zonebench::workload::cancel::Cancel;
use zonebench::workload::runner::run_cell;
use zonebench::workload::spec::{CellSpec, WriterMode};

/// PREEMPT_RT readers (a no-op for guards without an RT read side) under
/// oversubscription and a writer that holds its section: the invariants
/// hold, no false OOM appears, and the hold lands inside the section.
pub(crate) fn rt_run<G: ZonelistGuard>() {
    let spec = CellSpec {
        readers: 3,
        writer_rate_hz: 2000.0,
        writer_hold_us: 50.0,
        rt: true,
        seed: 11,
        // Long enough for an excluding guard's starved writer (three
        // readers on two CPUs, a debug build) to finish a few rebuilds.
        duration_s: 0.6,
        ..cell(G::NAME, Scope::EveryAlloc, WriterMode::Rebuild)
    };
    let c = CellResult::from(run_cell(&spec, &[], &Cancel::default()).unwrap());
    assert!(
        c.violations().is_empty(),
        "{}: {:?}",
        G::NAME,
        c.violations()
    );
    assert_eq!(c.stats.false_ooms, 0);
    assert!(
        c.writer.critical_ns.count > 0 && c.writer.critical_ns.p50 >= 50_000,
        "{}: --writer-hold not inside the section: {:?}",
        G::NAME,
        c.writer.critical_ns
    );
}
