//! An interrupt raised inside the writer's section, and what each guard's
//! handler does with it.

use super::machine::cell;
use zonebench::alloc::Scope;
use zonebench::guard::ZonelistGuard;
use zonebench::results::CellResult;
use zonebench::workload::cancel::Cancel;
use zonebench::workload::runner::run_cell;
use zonebench::workload::spec::{CellSpec, Pressure, WriterMode};

/// What an interrupt raised inside a guard's write section does
/// (`workload::irq`).
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum IrqExpect {
    /// The writer does not mask; the handler waits on its own writer and is
    /// abandoned after the bound, every time.
    Deadlock,
    /// The writer masks (irqsave): the handler runs after the section.
    Deferred,
    /// The handler runs inside the section and completes.
    Inline,
    /// The guard's read side cannot be bounded: not run.
    Unbounded,
}

/// A short rebuild cell with `--irq` (one reader, low pressure, 200 Hz):
/// the run completes, every rebuild raised one interrupt, the invariants
/// hold, and the interrupts did what `expect` says.
pub(crate) fn irq_run<G: ZonelistGuard>(expect: IrqExpect, rt: bool) {
    use zonebench::workload::irq::IRQ_DEADLOCK_BOUND;
    let spec = CellSpec {
        readers: 1,
        writer_rate_hz: 200.0,
        pressure: Pressure::Low,
        duration_s: 0.2,
        warmup_s: 0.02,
        irq: true,
        rt,
        ..cell(G::NAME, Scope::Slowpath, WriterMode::Rebuild)
    };
    let t = std::time::Instant::now();
    let c = CellResult::from(run_cell(&spec, &[], &Cancel::default()).unwrap());
    // The measured time, plus at most one deadlock bound and teardown.
    assert!(
        t.elapsed() < std::time::Duration::from_secs(3),
        "{}: the irq cell took {:?}",
        G::NAME,
        t.elapsed()
    );
    assert!(!c.stalled, "{}: {:?}", G::NAME, c.stall_report);
    assert!(
        c.violations().is_empty(),
        "{}: {:?}",
        G::NAME,
        c.violations()
    );
    let irq = c.writer.irq.clone();
    assert!(irq.irqs > 0, "{}: no interrupt raised {irq:?}", G::NAME);
    assert_eq!(irq.irqs, c.writer.rebuilds, "{}: one per rebuild", G::NAME);
    assert_eq!(
        irq.irqs,
        irq.irq_inline + irq.irq_deferred + irq.irq_unbounded,
        "{}",
        G::NAME
    );
    assert_eq!(
        irq.irq_inline + irq.irq_deferred,
        irq.irq_allocs_ok + irq.irq_allocs_failed + irq.irq_deadlocks,
        "{}: every handler that ran ended one way",
        G::NAME
    );
    assert_eq!(irq.irq_allocs_failed, 0, "{}: {irq:?}", G::NAME);
    assert_eq!(irq.irq_delay_ns.count, irq.irq_deferred, "{}", G::NAME);
    let (inline, deferred, deadlocks, unbounded) = match expect {
        IrqExpect::Deadlock => (irq.irqs, 0, irq.irqs, 0),
        IrqExpect::Deferred => (0, irq.irqs, 0, 0),
        IrqExpect::Inline => (irq.irqs, 0, 0, 0),
        IrqExpect::Unbounded => (0, 0, 0, irq.irqs),
    };
    assert_eq!(
        (
            irq.irq_inline,
            irq.irq_deferred,
            irq.irq_deadlocks,
            irq.irq_unbounded
        ),
        (inline, deferred, deadlocks, unbounded),
        "{}: {irq:?}",
        G::NAME
    );
    if deadlocks > 0 {
        // On the count, except rwlock's (its lock); under PREEMPT_RT a
        // lock wait blocks instead, so what is left is a count.
        let on_lock = G::NAME == "rwlock" && !rt;
        assert_eq!(
            irq.irq_deadlocks_on_lock,
            if on_lock { deadlocks } else { 0 },
            "{}: {irq:?}",
            G::NAME
        );
        // Each abandoned after the bound, and not much later.
        let bound = IRQ_DEADLOCK_BOUND.as_nanos() as u64;
        assert_eq!(irq.irq_deadlock_ns.count, deadlocks);
        assert!(
            irq.irq_deadlock_ns.p50 >= bound * 99 / 100 && irq.irq_deadlock_ns.max < 3 * bound,
            "{}: {:?}",
            G::NAME,
            irq.irq_deadlock_ns
        );
    }
    if deferred > 0 {
        assert!(irq.irq_delay_ns.max > 0, "{}: {irq:?}", G::NAME);
    }
    // Under --rt every handler that ran ran threaded.
    let ran = irq.irq_inline + irq.irq_deferred;
    assert_eq!(
        irq.irq_threaded,
        if rt { ran } else { 0 },
        "{}: {irq:?}",
        G::NAME
    );
}
