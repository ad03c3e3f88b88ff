//! One round of a session: its cells measured (together, or one alone),
//! measured again while they come out disturbed or stalled (up to the
//! session's re-runs) unless an allocation livelocked, and what the user
//! is told about them.

use super::{Observer, Session};
use crate::results::CellResult;
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use crate::workload::runner::{run_cell, run_group};
use crate::workload::spec::CellSpec;

impl Session {
    /// Measure `specs`, one round of a group's guards: together,
    /// interleaved phase by phase (`workload/runner.rs`), or, with one
    /// spec or the session's phase unset, alone. A round with a cell
    /// judged disturbed (`workload/interference.rs`) or stalled is
    /// measured again, whole, up to the session's re-runs; the tries it
    /// replaced go to the file's `discarded` and are counted in
    /// `meta.reruns`. `Ok(None)` when cancelled (the cells measured less
    /// than asked and are dropped); errors are bad configuration.
    pub(super) fn measure_round(
        &mut self,
        specs: &[CellSpec],
        observer: &mut dyn Observer,
    ) -> Result<Option<Vec<CellResult>>, String> {
        let mut tries = 0;
        let cells = loop {
            let before = self.probe();
            let measured = match (self.phase, specs) {
                (_, [one]) => vec![run_cell(one, &self.cores, &self.cancel)?],
                (Some(phase), _) => run_group(specs, phase, &self.cores, &self.cancel)?,
                (None, _) => unreachable!("a round without a phase runs one cell at a time"),
            };
            let after = self.probe();
            let mut cells: Vec<CellResult> = measured.into_iter().map(CellResult::from).collect();
            for c in &mut cells {
                c.probe_rtt_ns = before;
                c.probe_end_ns = after;
            }
            if self.cancel.is_cancelled() {
                return Ok(None);
            }
            // A round in which an allocation was still in a long retry
            // when the run was torn down (6.1's endless retry, C11) is
            // kept whatever else happened: its stall is the finding, and
            // measuring it again would keep only the tries in which the
            // retry began late enough to go unseen.
            if let Some(guard) = livelocked(&cells) {
                for c in cells.iter_mut().filter(|c| c.stalled) {
                    c.stall_report.push(livelock_line(&guard));
                }
                break cells;
            }
            let why = cells.iter().find_map(|cell| {
                cell.disturbed_why.clone().or_else(|| {
                    cell.stalled
                        .then(|| format!("stalled: {}", cell.stall_report.join("; ")))
                })
            });
            match why {
                Some(why) if tries < self.max_reruns => {
                    tries += 1;
                    observer.note(&format!(
                        "zonebench: {} readers={}: {why}; measuring it again ({tries} of {})",
                        guards(specs),
                        specs[0].readers,
                        self.max_reruns
                    ));
                    self.file.meta.reruns += 1;
                    self.file.discarded.extend(cells);
                }
                _ => break cells,
            }
        };
        // A disturbance is the round's: said once.
        if let Some(why) = cells.iter().find_map(|c| c.disturbed_why.as_ref()) {
            observer.note(&format!(
                "zonebench: disturbed {} readers={}: {why} (kept, marked)",
                guards(specs),
                specs[0].readers
            ));
        }
        for cell in &cells {
            for line in &cell.stall_report {
                observer.note(&format!(
                    "zonebench: STALLED {} readers={}: {line}",
                    cell.spec.guard, cell.spec.readers
                ));
            }
            if let Some(line) = deadlock_line(cell) {
                observer.note(&line);
            }
        }
        Ok(Some(cells))
    }
}

/// The guard of the first cell of a round whose allocation was still in a
/// long retry at teardown (`livelocked`), if any.
fn livelocked(cells: &[CellResult]) -> Option<String> {
    cells
        .iter()
        .find(|c| c.stats.livelocked > 0)
        .map(|c| c.spec.guard.clone())
}

/// What a stalled cell of a livelocked round says.
fn livelock_line(guard: &str) -> String {
    format!(
        "LIVELOCK: an allocation of {guard} was still retrying direct reclaim at teardown, over {} rounds (6.1's endless retry behind a stale preferred_zoneref; --kernel current ends it): kept, not measured again",
        crate::alloc::LONG_RECLAIM
    )
}

/// The guards of a round, comma-separated.
fn guards(specs: &[CellSpec]) -> String {
    specs
        .iter()
        .map(|s| s.guard.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The stderr line of a cell whose interrupt handlers deadlocked.
fn deadlock_line(c: &CellResult) -> Option<String> {
    let irq = &c.writer.irq;
    if irq.irq_deadlocks == 0 {
        return None;
    }
    let on_lock = irq.irq_deadlocks_on_lock;
    let what = match (on_lock, irq.irq_deadlocks - on_lock) {
        (0, _) => "the odd sequence count".to_string(),
        (_, 0) => "a lock".to_string(),
        (l, n) => format!("the odd sequence count ({n}) or a lock ({l})"),
    };
    Some(format!(
        "zonebench: DEADLOCK {} readers={}: {} of {} interrupts on the writer's CPU waited on {what} held by the writer they interrupted (the kernel would hang; each abandoned after {} ms)",
        c.spec.guard,
        c.spec.readers,
        irq.irq_deadlocks,
        irq.irqs,
        IRQ_DEADLOCK_BOUND.as_millis()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixture::cell;

    #[test]
    fn a_round_with_a_livelocked_allocation_names_its_guard() {
        let mut cells = vec![
            cell("seqlock", 2, 0, 1e6, 10),
            cell("seqcount", 2, 0, 1e6, 10),
        ];
        assert_eq!(livelocked(&cells), None);
        cells[1].stats.long_reclaims = 1;
        assert_eq!(
            livelocked(&cells),
            None,
            "a long retry that ended is no livelock"
        );
        cells[1].stats.livelocked = 1;
        assert_eq!(livelocked(&cells).as_deref(), Some("seqcount"));
        let line = livelock_line("seqcount");
        assert!(
            line.contains("seqcount") && line.contains("--kernel current"),
            "{line}"
        );
    }
}
