//! One cell of a session: measured, measured again while it comes out
//! disturbed or stalled (up to the session's re-runs), and what the user
//! is told about it.

use super::{Observer, Session};
use crate::results::CellResult;
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use crate::workload::runner::run_cell;
use crate::workload::spec::CellSpec;

impl Session {
    /// Measure `spec`: a repeat judged disturbed (`workload/interference.rs`)
    /// or stalled is measured again, up to the session's re-runs; the tries
    /// it replaced go to the file's `discarded` and are counted in
    /// `meta.reruns`. `Ok(None)` when cancelled (the cell measured less
    /// than asked and is dropped); errors are bad configuration.
    pub(super) fn measure_cell(
        &mut self,
        spec: &CellSpec,
        observer: &mut dyn Observer,
    ) -> Result<Option<CellResult>, String> {
        let mut tries = 0;
        let cell = loop {
            let before = self.probe();
            let mut cell = CellResult::from(run_cell(spec, &self.cores, &self.cancel)?);
            cell.probe_rtt_ns = before;
            cell.probe_end_ns = self.probe();
            if self.cancel.is_cancelled() {
                return Ok(None);
            }
            let why = cell.disturbed_why.clone().or_else(|| {
                cell.stalled
                    .then(|| format!("stalled: {}", cell.stall_report.join("; ")))
            });
            match why {
                Some(why) if tries < self.max_reruns => {
                    tries += 1;
                    observer.note(&format!(
                        "zonebench: {} readers={}: {why}; measuring it again ({tries} of {})",
                        spec.guard, spec.readers, self.max_reruns
                    ));
                    self.file.meta.reruns += 1;
                    self.file.discarded.push(cell);
                }
                _ => break cell,
            }
        };
        if let Some(why) = &cell.disturbed_why {
            observer.note(&format!(
                "zonebench: disturbed {} readers={}: {why} (kept, marked)",
                spec.guard, spec.readers
            ));
        }
        for line in &cell.stall_report {
            observer.note(&format!(
                "zonebench: STALLED {} readers={}: {line}",
                spec.guard, spec.readers
            ));
        }
        if let Some(line) = deadlock_line(&cell) {
            observer.note(&line);
        }
        Ok(Some(cell))
    }
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
