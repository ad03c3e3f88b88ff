//! What a session tells its user while it runs.

use crate::workload::spec::CellSpec;

/// What the session tells its user while it runs (the CLI's progress bar).
pub trait Observer {
    /// Cell `spec` is about to run (the guards of an interleaved round all
    /// start before the first finishes).
    fn start(&mut self, spec: &CellSpec);
    /// A line for the user, now (stalls, deadlocks, warnings).
    fn note(&mut self, line: &str);
    /// The earliest started cell not yet finished is done.
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
