//! Measurement: the sampling timer and the latency histograms every thread
//! keeps for itself and the harness merges after the threads are joined.

pub(crate) mod hist;
pub(crate) mod stats;
pub(crate) mod timer;

pub(crate) use hist::{Hist, HistSummary};
