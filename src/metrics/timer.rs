//! The timer: `std::time::Instant` (the vDSO clock), read around every Nth
//! allocation only, so an unsampled allocation pays one counter decrement and
//! a branch. The cost of the two clock reads is calibrated at startup and
//! subtracted from each sample (and recorded in the results' `meta`).

use std::time::Instant;

/// Time one allocation in this many.
pub const SAMPLE_EVERY: u32 = 64;

/// The calibrated overhead, measured once per process.
pub fn overhead_ns() -> u64 {
    static OVERHEAD: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *OVERHEAD.get_or_init(calibrate_overhead_ns)
}

/// Median cost of a back-to-back `Instant::now()` pair, nanoseconds.
pub fn calibrate_overhead_ns() -> u64 {
    let mut samples: Vec<u64> = (0..2001)
        .map(|_| {
            let a = Instant::now();
            let b = Instant::now();
            (b - a).as_nanos() as u64
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// See [`Sampler::due`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Sample {
    None,
    Latency,
    Section,
}

/// Per-thread sampling state.
pub struct Sampler {
    countdown: u32,
    overhead_ns: u64,
}

impl Sampler {
    pub fn new(overhead_ns: u64, offset: u32) -> Self {
        Sampler {
            countdown: offset % SAMPLE_EVERY,
            overhead_ns,
        }
    }

    /// What to time on the next operation: the whole allocation, the guard
    /// section inside it, or nothing. The two are sampled on different
    /// operations, half a period apart, so neither's clock reads land inside
    /// the other's measurement.
    #[inline]
    pub fn due(&mut self) -> Sample {
        let c = self.countdown;
        self.countdown = if c == 0 { SAMPLE_EVERY - 1 } else { c - 1 };
        if c == 0 {
            Sample::Latency
        } else if c == SAMPLE_EVERY / 2 {
            Sample::Section
        } else {
            Sample::None
        }
    }

    /// Elapsed since `t`, timer overhead subtracted.
    #[inline]
    pub fn elapsed_ns(&self, t: Instant) -> u64 {
        (t.elapsed().as_nanos() as u64).saturating_sub(self.overhead_ns)
    }
}
