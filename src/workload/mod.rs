//! Runs: reader threads (the simulated CPUs) looping alloc/hold/free over a
//! working set, one writer thread (zonelist rebuilds or memory hotplug), and
//! the harness that starts them together, stops them, and checks the model's
//! invariants afterwards.

pub mod arm;
pub mod cancel;
pub mod ceiling;
pub mod conductor;
pub mod floors;
pub mod interference;
pub mod irq;
pub mod pingpong;
pub mod plan;
pub mod reader;
pub mod rounds;
pub mod runner;
pub mod spec;
pub mod torture;
pub mod writer;

/// Logical CPUs of this machine (1 when it cannot be told): the default
/// reader count, and the line past which a cell is oversubscribed.
pub fn logical_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
