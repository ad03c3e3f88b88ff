//! C11, after the thread: the 2025 fix (e05741fb10c3, "avoid infinite
//! retries caused by cpuset race", backported to 6.1-stable) adds
//! `check_retry_zonelist` at `retry:`. Without it, an allocation whose
//! `preferred_zoneref` went stale under a rebuild (its walks start past
//! every zone they could use) keeps reclaiming: `should_reclaim_retry`
//! walks the zonelist from its first entry, finds a zone that would pass
//! MIN with its reclaimable pages, and says retry while reclaim makes
//! progress, so the allocation reclaims into a zone its walks never reach
//! (`alloc/slowpath.rs`). The deterministic case is a test
//! (`tests/mm.rs`); this claim counts, under C0's race load (hotplug at
//! 2 kHz, high pressure, one reader per CPU), the allocations of the
//! guards with the 2022 fix (`seqcount`, `seqlock`) that made more than
//! `LONG_RECLAIM` rounds of reclaim, and those still looping when the run
//! ended, on `--kernel 6.1` and `--kernel current`.
//!
//! In the model an allocation's reclaim frees its own reader's pages, so
//! the loop ends when they run out; in the kernel other tasks refill what
//! reclaim takes (the page cache, swap), and it does not.

use super::c0_race::C0;
use super::{Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::{Kernel, LONG_RECLAIM};
use crate::workload::spec::CellSpec;

pub(crate) struct C11;

/// The guards with the 2022 fix.
const GUARDS: [&str; 2] = ["seqcount", "seqlock"];
const KERNELS: [Kernel; 2] = [Kernel::V6_1, Kernel::Current];

fn spec(plan: &Plan, guard: &str, kernel: Kernel) -> CellSpec {
    CellSpec {
        guard: guard.to_string(),
        kernel,
        ..C0::race_spec(plan)
    }
}

/// One kernel's long retries over the fixed guards' cells.
struct Retries {
    kernel: Kernel,
    allocs: u64,
    slowpaths: u64,
    long: u64,
    livelocked: u64,
    rounds: u64,
}

impl Retries {
    fn line(&self) -> String {
        format!(
            "--kernel {}: {} allocations, {} slowpath entries, {} reclaim rounds; {} allocations with over {LONG_RECLAIM} rounds of reclaim, {} of them still looping when the run ended",
            self.kernel.name(),
            self.allocs,
            self.slowpaths,
            self.rounds,
            self.long,
            self.livelocked
        )
    }
}

impl Experiment for C11 {
    fn id(&self) -> &'static str {
        "C11"
    }

    fn claim(&self) -> &'static str {
        "(after the thread) the 2025 fix, check_retry_zonelist() at retry:, ends 6.1's endless reclaim behind a stale preferred_zoneref: with it no allocation reclaims into a zone its walks never reach"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        KERNELS
            .iter()
            .flat_map(|&k| GUARDS.iter().map(move |g| spec(plan, g, k)))
            .collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let found: Vec<Retries> = KERNELS
            .iter()
            .map(|&kernel| {
                let groups: Vec<_> = GUARDS
                    .iter()
                    .map(|g| cells.of(&spec(plan, g, kernel)))
                    .collect();
                let sum = |f: &dyn Fn(&crate::results::CellResult) -> u64| {
                    groups.iter().map(|g| g.sum(f)).sum::<u64>()
                };
                Retries {
                    kernel,
                    allocs: sum(&|c| c.stats.allocs),
                    slowpaths: sum(&|c| c.stats.slowpath_entries),
                    long: sum(&|c| c.stats.long_reclaims),
                    livelocked: sum(&|c| c.stats.livelocked),
                    rounds: sum(&|c| c.stats.reclaim_rounds),
                }
            })
            .collect();
        let numbers = found.iter().map(Retries::line).collect();
        let (old, new) = (&found[0], &found[1]);
        let verdict = match (old.long, new.long) {
            (_, n) if n > 0 => Verdict::Refuted,
            (0, 0) => Verdict::NotSettled(format!(
                "no allocation on either kernel reclaimed over {LONG_RECLAIM} rounds: the race did not strand a preferred_zoneref in these cells (the deterministic case is tests/mm.rs)"
            )),
            _ => Verdict::Supported,
        };
        let rule = format!(
            "supported if seqcount or seqlock on --kernel 6.1 has an allocation with over {LONG_RECLAIM} rounds of direct reclaim and none on --kernel current has; refuted if one on current has; otherwise not settled"
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    /// Long retries per kernel, over the fixed guards' cells.
    fn run(old: u64, new: u64) -> Verdict {
        let p = plan(2);
        let all: Vec<_> = KERNELS
            .iter()
            .zip([old, new])
            .flat_map(|(&k, long)| {
                GUARDS.iter().enumerate().flat_map(move |(i, g)| {
                    cells(&spec(&plan(2), g, k), 2, 1e6, move |c| {
                        c.stats.long_reclaims = if i == 0 { long } else { 0 };
                    })
                })
            })
            .collect();
        C11.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(3, 0), Verdict::Supported);
        assert_eq!(run(3, 1), Verdict::Refuted);
        assert!(matches!(run(0, 0), Verdict::NotSettled(_)));
    }
}
