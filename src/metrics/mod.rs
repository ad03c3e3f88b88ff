//! Measurement: the sampling timer and the latency histograms every thread
//! keeps for itself and the harness merges after the threads are joined;
//! and the statistics the results are read with: across repeats
//! (`stats.rs`), between arms measured in the same rounds (`paired.rs`),
//! and over a family of comparisons (`family.rs`).

pub(crate) mod family;
pub(crate) mod hist;
pub(crate) mod paired;
pub(crate) mod rank_power;
pub(crate) mod stats;
pub(crate) mod timer;

pub(crate) use hist::{Hist, HistSummary};
