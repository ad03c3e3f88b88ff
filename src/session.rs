//! A measuring session: run a plan's cells in order into one results file,
//! and finish it. `zonebench run` and `zonebench claims` share it.
//!
//! Every finished cell is appended to the file on disk at once (the file is
//! rewritten atomically, marked partial until the session finishes), as
//! hyperfine writes its exports after every benchmark: a later panic, kill
//! or Ctrl-C loses nothing already measured.

use crate::results::io::save;
use crate::results::CellResult;
use crate::results::ResultsFile;
use crate::workload::cancel::Cancel;
use crate::workload::irq::IRQ_DEADLOCK_BOUND;
use crate::workload::runner::run_cell;
use crate::workload::spec::CellSpec;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What the session tells its user while it runs (the CLI's progress bar).
pub trait Observer {
    /// Cell `spec` is about to run.
    fn start(&mut self, spec: &CellSpec);
    /// A line for the user, now (stalls, deadlocks, warnings).
    fn note(&mut self, line: &str);
    /// The cell started last is done.
    fn finished(&mut self);
    /// The session is over: tidy the display.
    fn clear(&mut self);
}

/// An observer that shows nothing (tests, library callers).
#[derive(Debug, Default)]
pub struct Quiet;

impl Observer for Quiet {
    fn start(&mut self, _: &CellSpec) {}
    fn note(&mut self, _: &str) {}
    fn finished(&mut self) {}
    fn clear(&mut self) {}
}

/// One results file being measured into `out`.
#[derive(Debug)]
pub struct Session {
    pub file: ResultsFile,
    out: PathBuf,
    cores: Vec<core_affinity::CoreId>,
    cancel: Cancel,
    max_reruns: usize,
}

impl Session {
    /// A session writing `file` to `out` (already checked writable), its
    /// readers pinned to `cores` (none: unpinned), stopped by `cancel`.
    pub fn new(
        file: ResultsFile,
        out: &Path,
        cores: Vec<core_affinity::CoreId>,
        cancel: Cancel,
    ) -> Self {
        Session {
            file,
            out: out.to_path_buf(),
            cores,
            cancel,
            max_reruns: 0,
        }
    }

    /// Measure a disturbed repeat again, up to `n` times (the last try is
    /// kept, marked, whatever it shows); the discarded tries stay in the
    /// file.
    pub fn with_reruns(mut self, n: usize) -> Self {
        self.max_reruns = n;
        self
    }

    /// Run `specs` in order, appending each finished cell to the file on
    /// disk. A repeat judged disturbed (`workload/interference.rs`), or
    /// stalled, is measured again, up to the session's re-runs; the tries it replaced go
    /// to the file's `discarded` and are counted in `meta.reruns`. A cancel
    /// stops after the cell being measured (which is dropped: it measured
    /// less than asked) and marks the file partial. Errors are bad
    /// configuration (an unknown guard).
    pub fn measure(
        &mut self,
        specs: &[CellSpec],
        observer: &mut dyn Observer,
    ) -> Result<(), String> {
        let mut warned = false;
        for spec in specs {
            if self.cancel.is_cancelled() {
                self.file.meta.partial = true;
                break;
            }
            observer.start(spec);
            let mut tries = 0;
            let cell = loop {
                let cell = match run_cell(spec, &self.cores, &self.cancel) {
                    Ok(m) => CellResult::from(m),
                    Err(e) => {
                        observer.clear();
                        return Err(e);
                    }
                };
                if self.cancel.is_cancelled() {
                    break None;
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
                    _ => break Some(cell),
                }
            };
            let Some(cell) = cell else {
                self.file.meta.partial = true;
                break;
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
            self.file.cells.push(cell);
            if let Err(e) = self.append() {
                if !std::mem::replace(&mut warned, true) {
                    observer.note(&format!("zonebench: warning: {e} (will retry at the end)"));
                }
            }
            observer.finished();
        }
        observer.clear();
        Ok(())
    }

    /// The file as it stands, marked partial: the run is not over.
    fn append(&mut self) -> Result<(), String> {
        let partial = std::mem::replace(&mut self.file.meta.partial, true);
        let saved = save(&self.out, &self.file);
        self.file.meta.partial = partial;
        saved
    }

    /// Save the file (and `copy`), then print `table`, draw the plots into
    /// `plots`, and say how it ended: 130 if cancelled, 1 if a cell broke
    /// an invariant or something could not be written, else 0. Nothing
    /// measured is lost to a later step's failure.
    pub fn finish(
        self,
        table: &str,
        copy: Option<&Path>,
        plots: Option<&Path>,
        planned: usize,
    ) -> ExitCode {
        let file = &self.file;
        let violations: Vec<String> = file
            .cells
            .iter()
            .flat_map(|c| {
                c.violations()
                    .into_iter()
                    .map(move |v| format!("{} readers={}: {v}", c.spec.guard, c.spec.readers))
            })
            .collect();
        if let Err(e) = save(&self.out, file) {
            eprintln!("zonebench: error: {e}");
            return ExitCode::from(1);
        }
        // Printed after saving: a closed stdout (`| head`) loses no results.
        emit(table);
        eprintln!("results: {}", self.out.display());
        if let Some(copy) = copy {
            match save(copy, file) {
                Ok(()) => eprintln!("results: {}", copy.display()),
                Err(e) => eprintln!("zonebench: warning: no timestamped copy: {e}"),
            }
        }
        if let Some(dir) = plots {
            if let Err(e) = draw(file, dir) {
                eprintln!("zonebench: error: {e}");
                return ExitCode::from(1);
            }
        }
        if file.meta.partial {
            eprintln!(
                "zonebench: interrupted: {} of {planned} cells kept, file marked partial",
                file.cells.len(),
            );
            return ExitCode::from(130);
        }
        if !violations.is_empty() {
            for v in &violations {
                eprintln!("zonebench: INVARIANT BROKEN: {v}");
            }
            return ExitCode::from(1);
        }
        ExitCode::SUCCESS
    }
}

/// Draw `file`'s plots into `dir`, saying on stderr what was written.
pub fn draw(file: &ResultsFile, dir: &Path) -> Result<(), String> {
    let outcome = crate::plot::render_all(file, dir).map_err(|e| e.to_string())?;
    eprintln!(
        "plots: {} files in {}",
        outcome.written.len(),
        dir.display()
    );
    for s in &outcome.skipped {
        eprintln!("plots: skipped {s}");
    }
    Ok(())
}

/// Write `text` to stdout, ignoring a closed pipe (`zonebench ... | head`
/// must not panic, and nothing it measured is lost by then).
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
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
