//! `zonebench torture`, in the manner of the kernel's locktorture and
//! rcutorture: random cells (guard, scope, readers up to twice the CPUs,
//! writer mode and rate, memory pressure, writer hold time, PREEMPT_RT
//! semantics, simulated nodes, cell length) drawn from a seeded generator
//! for a given time, each checked when it ends. A seed replays the same
//! sequence of cells (the interleavings inside them differ: they are real
//! threads).
//!
//! What fails a cell: any invariant of [`CellResult::violations`] (pages
//! lost, handed out twice, free lists not in canonical buddy form, pages
//! handed out from an isolated or offline range), a stall (the watchdog
//! fired), a reader that made no progress, and a false OOM from a guard
//! that claims to prevent them.

use crate::alloc::Scope;
use crate::guard;
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use crate::workload::reader::XorShift;
use crate::workload::runner::CellResult;
use crate::workload::spec::{CellSpec, Pressure, WriterMode};

/// Draw the next cell from `rng`: one of `guards`, on a machine of `cpus`.
pub fn random_cell(rng: &mut XorShift, guards: &[String], cpus: usize, index: usize) -> CellSpec {
    let pick = |rng: &mut XorShift, n: usize| rng.below(n as u64) as usize;
    let guard = guards[pick(rng, guards.len())].clone();
    let scope = [Scope::Slowpath, Scope::EveryAlloc][pick(rng, 2)];
    let readers = 1 + pick(rng, 2 * cpus.max(1));
    // Hotplug most often: it exercises isolation, migration and the race.
    let writer = [
        WriterMode::None,
        WriterMode::Rebuild,
        WriterMode::Hotplug,
        WriterMode::Hotplug,
    ][pick(rng, 4)];
    // Log-uniform from 100 Hz to 20 kHz.
    let writer_rate_hz = if writer == WriterMode::None {
        0.0
    } else {
        (100f64.ln() + (20_000f64 / 100.0).ln() * pick(rng, 1000) as f64 / 1000.0)
            .exp()
            .round()
    };
    let pressure = [Pressure::Low, Pressure::High, Pressure::High][pick(rng, 3)];
    let writer_hold_us: f64 = [0.0, 0.0, 0.0, 20.0, 200.0][pick(rng, 5)];
    // A writer inside its section at most half the time: beyond that,
    // readers of a lock guard starve by design, which is not a failure.
    let writer_rate_hz = if writer_hold_us > 0.0 {
        writer_rate_hz.min((0.5e6 / writer_hold_us).round())
    } else {
        writer_rate_hz
    };
    let nodes = [1, 1, 2, 4][pick(rng, 4)];
    // Interrupts in the write section; where the guard deadlocks, each
    // rebuild then lasts the deadlock bound, so the writer is held to a
    // rate that leaves it outside its section at least half the time.
    let irq = writer != WriterMode::None && pick(rng, 4) == 0;
    let writer_rate_hz = if irq {
        writer_rate_hz.min(0.5 / IRQ_DEADLOCK_BOUND.as_secs_f64())
    } else {
        writer_rate_hz
    };
    CellSpec {
        guard,
        scope,
        readers,
        writer,
        writer_rate_hz,
        pressure,
        nodes,
        dma32_mib: [0, 0, 16][pick(rng, 3)],
        normal_mib: [16, 32, 64][pick(rng, 3)],
        movable_mib: [16, 32, 64][pick(rng, 3)],
        reclaim_us: 2.0,
        writer_hold_us,
        watchdog_s: 2.0,
        duration_s: [0.2, 0.3, 0.5, 1.0][pick(rng, 4)],
        warmup_s: 0.05,
        pin: true,
        rt: pick(rng, 4) == 0,
        irq,
        seed: rng.next_u64(),
        repeat: index,
    }
}

/// Why `cell` failed, if it did.
pub fn failures(cell: &CellResult) -> Vec<String> {
    let mut out = cell.violations();
    if cell.stalled {
        out.push(format!("stalled: {}", cell.stall_report.join("; ")));
    } else if cell.allocs_per_sec_min_reader <= 0.0 {
        out.push("a reader made no progress".to_string());
    }
    let prevents = guard::find_any(&cell.spec.guard).is_none_or(|g| g.prevents_false_oom);
    if prevents && cell.stats.false_ooms > 0 {
        out.push(format!(
            "{} false OOMs from a guard that claims to prevent them",
            cell.stats.false_ooms
        ));
    }
    out
}

/// Totals over a torture run, printed in locktorture's manner.
#[derive(Debug, Default)]
pub struct Totals {
    pub cells: usize,
    pub allocs: u64,
    pub rebuilds: u64,
    pub offlines: u64,
    pub onlines: u64,
    pub false_ooms_expected: u64,
    /// Interrupts in the write section, and those the guard would have
    /// deadlocked on (detected and bounded; expected for guards whose
    /// writer does not mask interrupts).
    pub irqs: u64,
    pub irq_deadlocks: u64,
    /// Slowest and fastest reader seen, allocations per second.
    pub reader_min: f64,
    pub reader_max: f64,
    /// The cell (index) of the slowest reader.
    pub reader_min_cell: usize,
    pub failures: Vec<String>,
}

impl Totals {
    pub fn add(&mut self, cell: &CellResult) {
        self.cells += 1;
        self.allocs += cell.stats.allocs;
        self.rebuilds += cell.writer.rebuilds;
        self.offlines += cell.writer.offlines;
        self.onlines += cell.writer.onlines;
        self.irqs += cell.writer.irq.irqs;
        self.irq_deadlocks += cell.writer.irq.irq_deadlocks;
        if guard::find(&cell.spec.guard).is_some_and(|g| !g.prevents_false_oom) {
            self.false_ooms_expected += cell.stats.false_ooms;
        }
        if self.cells == 1 || cell.allocs_per_sec_min_reader < self.reader_min {
            self.reader_min = cell.allocs_per_sec_min_reader;
            self.reader_min_cell = cell.spec.repeat;
        }
        self.reader_max = self.reader_max.max(cell.allocs_per_sec_max_reader);
    }

    /// The summary, one line per item.
    pub fn summary(&self, seed: u64, elapsed_s: f64) -> String {
        format!(
            "zonebench torture: seed {seed}, {elapsed_s:.1} s, {} cells, {} failures\n\
             Reads: {} allocations; per reader min {:.0}/s (cell {}) max {:.0}/s\n\
             Writes: {} rebuilds, {} offlines, {} onlines\n\
             False OOMs from guards without the fix (expected): {}\n\
             Interrupts in the write section: {}, deadlocks detected (bounded): {}\n\
             {}\n",
            self.cells,
            self.failures.len(),
            self.allocs,
            self.reader_min,
            self.reader_min_cell,
            self.reader_max,
            self.rebuilds,
            self.offlines,
            self.onlines,
            self.false_ooms_expected,
            self.irqs,
            self.irq_deadlocks,
            if self.failures.is_empty() {
                "SUCCESS".to_string()
            } else {
                format!("FAILURE:\n{}", self.failures.join("\n"))
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_replays_the_same_cells() {
        let guards: Vec<String> = guard::ALL.iter().map(|g| g.name.to_string()).collect();
        let draw = |seed| {
            let mut rng = XorShift::new(seed);
            (0..20)
                .map(|i| random_cell(&mut rng, &guards, 2, i))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let cells = draw(7);
        assert!(cells.iter().all(|c| (1..=4).contains(&c.readers)));
        assert!(cells.iter().any(|c| c.writer == WriterMode::Hotplug));
    }

    #[test]
    fn failures_name_what_broke() {
        let ok = CellResult {
            spec: CellSpec {
                readers: 2,
                ..CellSpec::default()
            },
            allocs_per_sec: 1e6,
            allocs_per_sec_min_reader: 1.0,
            ..CellResult::default()
        };
        assert!(failures(&ok).is_empty());
        let mut lost = ok.clone();
        lost.pages_lost = 3;
        assert!(failures(&lost)[0].contains("3 pages lost"));
        let mut oom = ok.clone();
        oom.stats.false_ooms = 2;
        assert!(failures(&oom)[0].contains("false OOMs"));
        let mut unfixed = oom.clone();
        unfixed.spec.guard = "none".into();
        assert!(failures(&unfixed).is_empty());
        let mut idle = ok.clone();
        idle.allocs_per_sec_min_reader = 0.0;
        assert!(failures(&idle)[0].contains("no progress"));
        let mut stalled = ok;
        stalled.stalled = true;
        assert!(failures(&stalled)[0].contains("stalled"));
    }
}
