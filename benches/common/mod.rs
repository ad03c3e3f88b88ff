//! What the criterion benches share: their time budget.
//!
//! The whole `cargo bench` (alloc, guards and the contention sweep) must fit
//! in ten minutes on a 2-CPU machine, so every bench states its times
//! instead of criterion's defaults (3 s warm-up, 5 s measurement, 100
//! samples per case). Under `ZONEBENCH_QUICK` ([`zonebench::quick`]) every
//! case still runs, with the quick times below: a smoke run of seconds.
//! Command-line flags (`--warm-up-time`, `--sample-size`, criterion's own
//! `--quick`, filters, baselines) override both: `criterion_group!` applies
//! `configure_from_args` after this configuration.

use criterion::Criterion;
use std::time::Duration;

/// Per-case times of a bench.
pub(crate) struct Budget {
    pub warm_up: Duration,
    pub measurement: Duration,
    pub samples: usize,
}

/// The budget every bench uses under `ZONEBENCH_QUICK`: criterion's
/// smallest sample count, and fewer bootstrap resamples (100 000 would
/// cost twice the measurement).
const QUICK: Budget = Budget {
    warm_up: Duration::from_millis(20),
    measurement: Duration::from_millis(50),
    samples: 10,
};
const QUICK_RESAMPLES: usize = 5_000;

/// Criterion configured with `full`, or with the quick budget.
pub(crate) fn criterion(full: Budget) -> Criterion {
    let (b, resamples) = if zonebench::quick() {
        (QUICK, QUICK_RESAMPLES)
    } else {
        (full, RESAMPLES)
    };
    Criterion::default()
        .warm_up_time(b.warm_up)
        .measurement_time(b.measurement)
        .sample_size(b.samples)
        .nresamples(resamples)
}

/// Bootstrap resamples of a full run: criterion's default, 100 000, adds
/// about 0.2 s of analysis to each case (some 20 s over both benches);
/// 20 000 adds a few hundredths.
const RESAMPLES: usize = 20_000;
