//! Measurement: the sampling timer and the latency histograms every thread
//! keeps for itself and the harness merges after the threads are joined.

pub mod hist;
pub mod stats;
pub mod timer;

pub use hist::{Hist, HistSummary};
