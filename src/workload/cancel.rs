//! A cancellation token: Ctrl-C (or any caller) asks the cell being measured
//! to stop early. The cell's result must then be discarded by whoever asked:
//! it measured less than it was asked to.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Shared by the code that cancels (a signal handler) and the code that
/// polls (the runner, between sleeps). Clones share one flag.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Ask every holder to stop.
    pub fn cancel(&self) {
        // Relaxed: the flag publishes no data; pollers only stop sooner.
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        // Relaxed: as in `cancel`.
        self.0.load(Ordering::Relaxed)
    }
}
