//! A measuring session: run a plan's cells in rounds into one results
//! file, and finish it. `zonebench run` and `zonebench claims` share it.
//! The pieces: `rounds.rs` (which cells run together, in what order, how
//! many rounds), `cell.rs` (one cell, measured again while disturbed),
//! `observer.rs` (progress), `finish.rs` (saving, printing, plotting, the
//! plots' page).
//!
//! Every finished cell is appended to the file on disk (the file is
//! rewritten atomically, marked partial until the session finishes), as
//! hyperfine writes its exports after every benchmark: a later panic, kill
//! or Ctrl-C loses nothing already measured. A rewrite costs time in
//! proportion to the file, so on a large sweep (thousands of cells, tens
//! of megabytes) rewriting after every cell would cost time quadratic in
//! the cells; a rewrite is therefore skipped while less than ten times the
//! last rewrite's cost has passed since it, which keeps saving under a
//! tenth of the session. A hard kill then loses at most that window
//! (under a second for small files, where every cell is still written);
//! the end of measuring, Ctrl-C, every error path and a panic inside a
//! cell save everything.

mod cell;
mod finish;
mod observer;
mod rounds;

pub use crate::workload::rounds::Rounds;
pub(crate) use finish::draw;
pub use finish::emit;
pub use observer::{Observer, Quiet};

use crate::results::io::{save_to, Out};
use crate::results::ResultsFile;
use crate::workload::cancel::Cancel;
pub use crate::workload::conductor::DEFAULT_PHASE;
use crate::workload::pingpong::round_trip_ns;
use crate::workload::spec::CellSpec;
use std::path::Path;
use std::time::{Duration, Instant};

/// A rewrite waits until this many times its last cost has passed.
const SAVE_COST_RATIO: u32 = 10;

/// One results file being measured into `out`.
#[derive(Debug)]
pub struct Session {
    pub file: ResultsFile,
    out: Out,
    cores: Vec<core_affinity::CoreId>,
    cancel: Cancel,
    max_reruns: usize,
    /// When the session began (the file's `meta.elapsed_s` counts from here).
    started: Instant,
    /// When the file was last rewritten, and what that took.
    last_save: Option<(Instant, Duration)>,
    /// Where the page of the plots goes (checked before measuring), if
    /// one is written.
    page: Option<crate::report::html::PageTarget>,
    /// The phase length of a round's interleaved guards (`None`: each
    /// guard's cell runs alone, one after another, as before 0.9).
    phase: Option<Duration>,
}

impl Session {
    /// A session writing `file` to `out` (already checked, see
    /// `results::io::check_out`; stdout gets it once, at the end), its
    /// readers pinned to `cores` (none: unpinned), stopped by `cancel`.
    pub fn new(
        file: ResultsFile,
        out: Out,
        cores: Vec<core_affinity::CoreId>,
        cancel: Cancel,
    ) -> Self {
        Session {
            file,
            out,
            cores,
            cancel,
            max_reruns: 0,
            started: Instant::now(),
            last_save: None,
            page: None,
            phase: Some(DEFAULT_PHASE),
        }
    }

    /// Interleave a round's guards with phases of `phase`, or (`None`) run
    /// each guard's cell alone, one after another (`--solo`).
    pub fn with_phase(mut self, phase: Option<Duration>) -> Self {
        self.phase = phase;
        self
    }

    /// With the plots, write their page (`report --html`'s, of every cell)
    /// as `dir/index.html`: checked now, as `report --html` checks it
    /// (`--force` as `force`), and again just before it is written. The
    /// error is one line naming the page.
    pub fn with_page(mut self, dir: &Path, force: bool) -> Result<Self, String> {
        self.page = Some(crate::report::html::check_page(dir, force)?);
        Ok(self)
    }

    /// Measure a disturbed repeat again, up to `n` times (the last try is
    /// kept, marked, whatever it shows); the discarded tries stay in the
    /// file.
    pub fn with_reruns(mut self, n: usize) -> Self {
        self.max_reruns = n;
        self
    }

    /// Measure `cells` (repeat 0 of each) in rounds (see `rounds.rs`),
    /// appending each finished cell to the file on disk. A cancel stops
    /// after the cell being measured (which is dropped: it measured less
    /// than asked) and marks the file partial. Errors are bad
    /// configuration (an unknown guard).
    pub fn measure(
        &mut self,
        cells: &[CellSpec],
        rounds: Rounds,
        observer: &mut dyn Observer,
    ) -> Result<(), String> {
        let groups = rounds::groups(cells);
        let start = Instant::now();
        let mut warned = false;
        'groups: for (index, group) in groups.iter().enumerate() {
            // This group's share of what is left of the budget, in
            // proportion to its cells: a round of twelve guards costs six
            // times one of two, and each comparison gets alike.
            let left: usize = groups[index..].iter().map(|g| g.cells.len()).sum();
            let share = rounds.budget.map(|b| {
                b.saturating_sub(start.elapsed())
                    .mul_f64(group.cells.len() as f64 / left as f64)
            });
            let group_start = Instant::now();
            let mut round_time = Duration::ZERO;
            let mut done = 0;
            let stopped = loop {
                let spent = group_start.elapsed();
                if let Some(why) =
                    group.enough(&rounds, done, &self.file.cells, spent, round_time, share)
                {
                    break why;
                }
                let round_start = Instant::now();
                let specs = group.round(index, done);
                // Interleaved, the round is one run of every guard; alone,
                // one run per guard.
                let runs: Vec<Vec<CellSpec>> = match self.phase {
                    Some(_) => vec![specs],
                    None => specs.into_iter().map(|s| vec![s]).collect(),
                };
                for run in runs {
                    if self.cancel.is_cancelled() {
                        self.file.meta.partial = true;
                        break 'groups;
                    }
                    for spec in &run {
                        observer.start(spec);
                    }
                    // A panic inside a cell (a reader's, re-raised at its
                    // join) first saves what the throttle held back.
                    let measured =
                        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.measure_round(&run, observer)
                        })) {
                            Ok(m) => m,
                            Err(payload) => {
                                let _ = self.save_partial();
                                std::panic::resume_unwind(payload);
                            }
                        };
                    let cells = match measured {
                        Ok(Some(cells)) => cells,
                        Ok(None) => {
                            self.file.meta.partial = true;
                            break 'groups;
                        }
                        Err(e) => {
                            observer.clear();
                            // What was measured before the bad cell stays.
                            let _ = self.save_partial();
                            return Err(e);
                        }
                    };
                    let n = cells.len();
                    self.file.cells.extend(cells);
                    if let Err(e) = self.append() {
                        if !std::mem::replace(&mut warned, true) {
                            observer
                                .note(&format!("zonebench: warning: {e} (will retry at the end)"));
                        }
                    }
                    for _ in 0..n {
                        observer.finished();
                    }
                }
                done += 1;
                round_time = round_start.elapsed();
            };
            let outcome = rounds::outcome(group, done, stopped, &self.file.cells);
            self.file.rounds.push(outcome);
        }
        observer.clear();
        // Whatever the throttle skipped is on disk before the extras run.
        if let Err(e) = self.save_partial() {
            observer.note(&format!("zonebench: warning: {e} (will retry at the end)"));
        }
        Ok(())
    }

    /// The machine's state now: a cache-line round trip between the first
    /// two reader CPUs (`None` unpinned or with one CPU).
    pub(super) fn probe(&self) -> Option<f64> {
        match self.cores.as_slice() {
            [a, b, ..] => round_trip_ns(*a, *b),
            _ => None,
        }
    }

    /// The file as it stands, marked partial: the run is not over (skipped
    /// while the last rewrite is recent, see the module docs).
    fn append(&mut self) -> Result<(), String> {
        if let Some((at, cost)) = self.last_save {
            if at.elapsed() < cost * SAVE_COST_RATIO {
                return Ok(());
            }
        }
        self.save_partial()
    }

    /// Rewrite the file as it stands, marked partial, now.
    fn save_partial(&mut self) -> Result<(), String> {
        if !self.out.rewritable() {
            return Ok(());
        }
        let t = Instant::now();
        let partial = std::mem::replace(&mut self.file.meta.partial, true);
        let saved = save_to(&self.out, &self.file);
        self.file.meta.partial = partial;
        self.last_save = Some((Instant::now(), t.elapsed()));
        saved
    }
}
