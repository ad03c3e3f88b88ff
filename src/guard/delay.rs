//! `delay-2pct`: a known effect, to calibrate the harness. It is `none`
//! (the same zonelists, the same unprotected reads, the same writer)
//! whose readers do 2% more work for the same count: of every [`ONE_IN`]
//! allocations a reader makes in this guard's phases, one is made (pages
//! taken, zonelists walked, freed in turn like any other) and not counted
//! in the phase's rate (`workload/arm.rs`, through
//! [`ZonelistGuard::uncounted_one_in`]). Its rate is therefore 49/50 of
//! what the same readers would count, whatever the machine and the host
//! are doing: a comparison with its own arm with the effect off
//! ([`OFF`]) must find a change of -2.00%, and estimate it within its
//! interval (`zonebench selfcheck --known`, and the tests).
//!
//! What that checks: everything between the readers' work and a verdict.
//! Time and allocations given to the wrong arm at a switch (a late switch,
//! a phase's refill), blocks paired wrongly, a biased estimator or an
//! interval too narrow for the noise each move the estimate off -2% or
//! its interval off it. What it does not check is whether a cost of x ns
//! in the code reads as x ns: that is a property of the host, and on the
//! development machine it is not so. The first form of this guard was a
//! busy wait of 2% of its reader's time (a dependent-multiply loop
//! between clock reads, the share accounted on the reader's own clock),
//! and on the 2-vCPU development machine (2026-12-06) it read anything
//! from -1.4% to -4.9% between runs of `selfcheck --known`, each with an
//! interval of about +-0.4%, though the accounted waits were 2.00% of the
//! time; the states where it cost most were the fast ones (55-90 ns per
//! allocation against 150). A wait displaces allocations without
//! displacing what the host does to the reader per unit of time (misses
//! after other tenants' traffic, for one), so a busy wait's cost in
//! throughput depends on the host's state; more work of the same kind
//! does not.
//!
//! The arm with the effect off runs the same monomorphised code (the
//! count is asked once per phase, not per allocation), so the two arms
//! differ by the uncounted allocations alone; against `none`, a copy of
//! the allocator laid out elsewhere, a change of a few tenths of a
//! percent either way would come from the layout.
//!
//! Not listed and not in `all`; `run --guards delay-2pct,none` and
//! `selfcheck --known` take it by name.

use crate::guard::none::{NoGuard, Unprotected};
use crate::guard::{GuardOpts, ReaderProbe, WriterCtx, ZonelistGuard};
use crate::mm::zonelist::Zonelists;

/// One allocation in this many is not counted: the effect is
/// `1 / ONE_IN` of the rate.
pub const ONE_IN: u64 = 50;

/// The effect, as a share of the rate: 2%.
pub const SHARE: f64 = 1.0 / ONE_IN as f64;

/// The arm label that switches the effect off (`delay-2pct#off`,
/// `selfcheck --known`'s baseline): the same code, every allocation
/// counted.
pub const OFF: &str = "off";

#[derive(Debug)]
pub struct Delay2Pct {
    inner: NoGuard,
    /// [`ONE_IN`], or 0 for the [`OFF`] arm.
    one_in: u64,
}

impl ZonelistGuard for Delay2Pct {
    const NAME: &'static str = "delay-2pct";
    const MODELS: &'static str =
        "none, one allocation in 50 not counted (the harness's known effect: -2%)";
    const PREVENTS_FALSE_OOM: bool = false;
    type Fast<'a> = &'a Zonelists;
    type Section<'a> = Unprotected<'a>;

    fn new(nodes: usize, opts: &GuardOpts, build: &dyn Fn(&Zonelists)) -> Self {
        Delay2Pct {
            inner: NoGuard::new(nodes, opts, build),
            one_in: if opts.effect_off { 0 } else { ONE_IN },
        }
    }

    #[inline]
    fn fast_view(&self, probe: &mut ReaderProbe) -> &Zonelists {
        self.inner.fast_view(probe)
    }

    #[inline]
    fn read_begin(&self, probe: &mut ReaderProbe, retry: bool) -> Unprotected<'_> {
        self.inner.read_begin(probe, retry)
    }

    fn uncounted_one_in(&self) -> u64 {
        self.one_in
    }

    fn rebuild(&self, writer: &WriterCtx<'_>, build: &dyn Fn(&Zonelists)) {
        self.inner.rebuild(writer, build)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn guard(effect_off: bool) -> Delay2Pct {
        let opts = GuardOpts {
            cpus: 1,
            effect_off,
            ..GuardOpts::default()
        };
        Delay2Pct::new(1, &opts, &|_| {})
    }

    #[test]
    fn the_effect_is_two_percent_and_the_off_arm_has_none() {
        assert_eq!(guard(false).uncounted_one_in(), 50);
        assert!((SHARE - 0.02).abs() < 1e-12);
        assert_eq!(guard(true).uncounted_one_in(), 0);
        // Every kernel guard counts every allocation.
        let none = NoGuard::new(1, &GuardOpts::default(), &|_| {});
        assert_eq!(none.uncounted_one_in(), 0);
    }
}
