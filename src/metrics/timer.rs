//! The timer for sampled latencies: the time-stamp counter (`rdtsc`) where
//! it ticks at a constant rate in every power state (x86-64 with
//! `constant_tsc` and `nonstop_tsc`), converted to nanoseconds with a factor
//! calibrated against `Instant` at startup; `Instant` (the vDSO clock)
//! elsewhere. A TSC read costs about a third of an `Instant::now()` here and
//! resolves fractions of a nanosecond, which matters when the operation
//! timed takes tens. Only every Nth allocation is timed, so an unsampled
//! allocation pays one counter decrement and a branch. The cost of a
//! back-to-back pair of reads is calibrated and subtracted from each sample;
//! the method and that cost are recorded in the results' `meta`.
//!
//! `rdtsc` is not serialising: a read may execute a few instructions early
//! or late. For the tens-of-nanoseconds operations timed here that blurs a
//! sample by a few nanoseconds either way, symmetric and far below what the
//! guards differ by; a serialising `rdtscp`/`lfence` pair would cost more
//! than it corrects.

use std::sync::OnceLock;
use std::time::Instant;

/// A point in time in the clock's ticks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stamp(u64);

impl Stamp {
    /// Clock ticks from `earlier` to this stamp (0 if it is not earlier).
    #[inline]
    pub(crate) fn ticks_since(self, earlier: Stamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The stamp as a count of ticks (to keep it in an atomic).
    #[inline]
    pub(crate) fn ticks(self) -> u64 {
        self.0
    }
}

struct Clock {
    tsc: bool,
    ns_per_tick: f64,
    overhead_ns: u64,
    resolution_ns: f64,
    epoch: Instant,
}

fn clock() -> &'static Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    CLOCK.get_or_init(Clock::calibrate)
}

/// The TSC is usable as a clock: x86-64, constant rate, not stopped in
/// idle states.
fn tsc_usable() -> bool {
    cfg!(target_arch = "x86_64")
        && std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| {
            info.lines()
                .find(|l| l.starts_with("flags"))
                .is_some_and(|l| {
                    let has = |name: &str| l.split_whitespace().any(|x| x == name);
                    has("constant_tsc") && has("nonstop_tsc")
                })
        })
}

#[inline(always)]
fn read_ticks(tsc: bool, epoch: Instant) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if tsc {
        // SAFETY: `rdtsc` has no preconditions on x86-64 (it is only
        // unavailable if CR4.TSD is set, which no Linux userspace sees).
        #[allow(unused_unsafe)]
        return unsafe { core::arch::x86_64::_rdtsc() };
    }
    let _ = tsc;
    epoch.elapsed().as_nanos() as u64
}

impl Clock {
    fn calibrate() -> Clock {
        let epoch = Instant::now();
        let tsc = tsc_usable();
        let ns_per_tick = if tsc {
            // Ticks against the vDSO clock over 20 ms: well under 0.1% error.
            let (t0, c0) = (Instant::now(), read_ticks(true, epoch));
            while t0.elapsed().as_millis() < 20 {
                std::hint::spin_loop();
            }
            let (t1, c1) = (Instant::now(), read_ticks(true, epoch));
            (t1 - t0).as_nanos() as f64 / c1.wrapping_sub(c0).max(1) as f64
        } else {
            1.0
        };
        let mut clock = Clock {
            tsc,
            ns_per_tick,
            overhead_ns: 0,
            resolution_ns: 0.0,
            epoch,
        };
        // The median back-to-back pair: what a sample's own reads add.
        let mut pairs: Vec<u64> = (0..2001)
            .map(|_| {
                let a = clock.now();
                clock.since(a)
            })
            .collect();
        pairs.sort_unstable();
        clock.overhead_ns = pairs[pairs.len() / 2];
        // The smallest step the clock is seen to take. Under KVM the TSC
        // may advance in steps of tens of ticks; a percentile is then
        // quantised to this step (a mean is not: the start of a sample
        // falls at a random phase of the step).
        let mut step = u64::MAX;
        for _ in 0..2001 {
            let a = read_ticks(clock.tsc, epoch);
            let mut b = read_ticks(clock.tsc, epoch);
            while b == a {
                b = read_ticks(clock.tsc, epoch);
            }
            step = step.min(b - a);
        }
        clock.resolution_ns = step as f64 * clock.ns_per_tick;
        clock
    }

    #[inline(always)]
    fn now(&self) -> Stamp {
        Stamp(read_ticks(self.tsc, self.epoch))
    }

    #[inline(always)]
    fn since(&self, t: Stamp) -> u64 {
        let ticks = read_ticks(self.tsc, self.epoch).saturating_sub(t.0);
        (ticks as f64 * self.ns_per_tick) as u64
    }
}

/// The clock now.
#[inline]
pub(crate) fn now() -> Stamp {
    clock().now()
}

/// Nanoseconds since `t`, the clock-read pair's cost subtracted.
#[inline]
pub(crate) fn elapsed_ns(t: Stamp) -> u64 {
    let c = clock();
    c.since(t).saturating_sub(c.overhead_ns)
}

/// Nanoseconds in `ticks` of the clock (TSC ticks, or nanoseconds where
/// the clock is `Instant`).
pub(crate) fn ticks_to_ns(ticks: u64) -> f64 {
    ticks as f64 * clock().ns_per_tick
}

/// The calibrated cost of a clock-read pair, ns (subtracted from samples).
pub(crate) fn overhead_ns() -> u64 {
    clock().overhead_ns
}

/// The time-stamp counter's rate, ticks per ns (`None` where the clock is
/// not the TSC).
pub(crate) fn tsc_ticks_per_ns() -> Option<f64> {
    let c = clock();
    c.tsc.then(|| 1.0 / c.ns_per_tick)
}

/// The smallest step the clock was seen to take, ns.
pub(crate) fn resolution_ns() -> f64 {
    clock().resolution_ns
}

/// How samples are timed, for the results' `meta`.
pub(crate) fn method() -> String {
    let c = clock();
    let source = if c.tsc {
        format!(
            "rdtsc ({:.4} ns per tick, calibrated against Instant over 20 ms)",
            c.ns_per_tick
        )
    } else {
        "std::time::Instant".to_string()
    };
    format!(
        "{source} around 1 in {SAMPLE_EVERY} allocations per reader (another 1 in as many times its fast-path section instead); the clock-read pair's median cost subtracted from every sample; every slowpath section timed"
    )
}

/// Time one allocation in this many.
pub(crate) const SAMPLE_EVERY: u32 = 64;

/// See [`Sampler::due`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Sample {
    None,
    Latency,
    Section,
}

/// Per-thread sampling state.
pub(crate) struct Sampler {
    countdown: u32,
}

impl Sampler {
    pub(crate) fn new(offset: u32) -> Self {
        Sampler {
            countdown: offset % SAMPLE_EVERY,
        }
    }

    /// What to time on the next operation: the whole allocation, the guard
    /// section inside it, or nothing. The two are sampled on different
    /// operations, half a period apart, so neither's clock reads land inside
    /// the other's measurement.
    #[inline]
    pub(crate) fn due(&mut self) -> Sample {
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
}
