//! What `zonebench torture` checks of each cell (`workload/torture.rs`
//! draws them), and its totals in locktorture's manner.
//!
//! What fails a cell: any invariant of [`CellResult::violations`] (pages
//! lost, handed out twice, free lists not in canonical buddy form, pages
//! handed out from an isolated or offline range), a stall (the watchdog
//! fired), a reader that made no progress, and a false OOM from a guard
//! that claims to prevent them.

use crate::guard;
use crate::results::CellResult;

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
    use crate::workload::spec::CellSpec;

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
