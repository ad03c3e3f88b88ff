//! Runs: reader threads (the simulated CPUs) looping alloc/hold/free over a
//! working set, one writer thread (zonelist rebuilds or memory hotplug), and
//! the harness that starts them together, stops them, and checks the model's
//! invariants afterwards.

pub mod irq;
pub mod reader;
pub mod runner;
pub mod spec;
pub mod torture;
pub mod writer;
