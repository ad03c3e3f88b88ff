//! Interleaved groups (`workload/runner.rs`, `workload/conductor.rs`):
//! every arm resident at once, switched phase by phase, measured in the
//! same blocks, each keeping its own invariants, under both writers.

use std::time::Duration;
use zonebench::alloc::Scope;
use zonebench::results::CellResult;
use zonebench::workload::cancel::Cancel;
use zonebench::workload::runner::run_group;
use zonebench::workload::spec::{CellSpec, Pressure, WriterMode};

fn cell(guard: &str, writer: WriterMode, pressure: Pressure) -> CellSpec {
    CellSpec {
        guard: guard.into(),
        scope: Scope::EveryAlloc,
        readers: 2,
        writer,
        writer_rate_hz: 1000.0,
        pressure,
        normal_mib: 32,
        movable_mib: 16,
        duration_s: 0.1,
        warmup_s: 0.02,
        pin: false,
        seed: 3,
        ..CellSpec::default()
    }
}

/// The invariants every arm keeps, and that it ran.
fn assert_kept(c: &CellResult) {
    let g = &c.spec.guard;
    assert!(c.violations().is_empty(), "{g}: {:?}", c.violations());
    assert!(!c.stalled, "{g}: {:?}", c.stall_report);
    assert_eq!(c.stats.isolated_allocs, 0, "{g}");
    assert!(c.allocs_per_sec > 0.0 && c.stats.allocs > 0, "{g}");
}

fn group(guards: &[&str], writer: WriterMode, pressure: Pressure) -> Vec<CellResult> {
    let specs: Vec<CellSpec> = guards.iter().map(|g| cell(g, writer, pressure)).collect();
    run_group(&specs, Duration::from_millis(2), &[], &Cancel::default())
        .expect("known guards")
        .into_iter()
        .map(CellResult::from)
        .collect()
}

#[test]
fn every_arm_is_measured_in_the_same_blocks_and_keeps_its_invariants() {
    let guards = ["seqcount", "none", "delay-2pct"];
    let cells = group(&guards, WriterMode::Rebuild, Pressure::Low);
    let names: Vec<&str> = cells.iter().map(|c| c.spec.guard.as_str()).collect();
    assert_eq!(names, guards, "one measurement per spec, in order");
    let blocks = cells[0].interleave.as_ref().unwrap().block_rates.len();
    // 3 arms x 0.1 s of 2 ms phases: about 50 blocks; some are lost to
    // the warm-up's edge and the stop, and a slow machine starts late.
    assert!(blocks >= 10, "{blocks} complete blocks");
    for c in &cells {
        assert_kept(c);
        let i = c.interleave.as_ref().expect("interleaved");
        assert_eq!(i.arms, 3);
        assert_eq!(i.block_rates.len(), blocks, "{}", c.spec.guard);
        assert!(i.phases >= blocks as u64, "{}: {i:?}", c.spec.guard);
        // The writer ran on every arm, only while it was the active one:
        // about a third of the time each.
        assert!(c.writer.rebuilds > 0, "{}", c.spec.guard);
        assert!(
            c.measured_s > 0.05 && c.measured_s < 0.2,
            "{}: {} s active",
            c.spec.guard,
            c.measured_s
        );
        // Interleaved cells pair by their blocks, never by the probes.
        assert!(c.probes().is_none());
        assert!(!i.block_rates.is_empty());
    }
}

#[test]
fn hotplug_keeps_every_arms_pages_and_moves_whole_operations() {
    let cells = group(&["seqcount", "none"], WriterMode::Hotplug, Pressure::High);
    for c in &cells {
        assert_kept(c);
        assert!(
            c.writer.offlines + c.writer.onlines > 0,
            "{}: {:?}",
            c.spec.guard,
            c.writer
        );
    }
}

#[test]
fn one_arm_runs_alone_and_never_switches() {
    let cells = group(&["seqcount"], WriterMode::Rebuild, Pressure::Low);
    assert_eq!(cells.len(), 1);
    assert!(cells[0].interleave.is_none());
    assert_kept(&cells[0]);
}
