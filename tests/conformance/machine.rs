//! The small machine every body allocates on, and the short cell the
//! concurrent bodies run.

use zonebench::alloc::{AllocConfig, Allocator, Kernel, Printk, Scope};
use zonebench::guard::ZonelistGuard;
use zonebench::mm::MmConfig;
use zonebench::workload::spec::{CellSpec, Pressure, WriterMode};

fn small() -> MmConfig {
    MmConfig {
        normal_mib: 8,
        movable_mib: 4,
        ..MmConfig::default()
    }
}

pub(crate) fn allocator<G: ZonelistGuard>(scope: Scope) -> Allocator<G> {
    Allocator::new(
        small(),
        AllocConfig {
            scope,
            reclaim_ns: 0,
            ..AllocConfig::default()
        },
    )
}

/// A short cell on a small machine: two readers, high pressure, no pinning.
pub(crate) fn cell(guard: &str, scope: Scope, writer: WriterMode) -> CellSpec {
    CellSpec {
        guard: guard.into(),
        scope,
        readers: 2,
        writer,
        writer_rate_hz: 5000.0,
        pressure: Pressure::High,
        nodes: 1,
        dma32_mib: 0,
        normal_mib: 32,
        movable_mib: 16,
        reclaim_us: 2.0,
        writer_hold_us: 0.0,
        watchdog_s: 2.0,
        duration_s: 0.3,
        warmup_s: 0.05,
        pin: false,
        rt: false,
        irq: false,
        rcu_expedited: false,
        printk: Printk::None,
        kernel: Kernel::V6_1,
        seed: 7,
        repeat: 0,
    }
}
