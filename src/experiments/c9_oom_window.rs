//! C9, not said in the thread: the 2022 fix narrows the window to the
//! stretch between `check_retry_zonelist()` and `__alloc_pages_may_oom()`'s
//! walk; it does not close it. That walk starts from the same
//! `preferred_zoneref` over the same zonelists, and a rebuild landing after
//! the check makes it miss a zone with memory: `out_of_memory()` kills a
//! task with memory free (`alloc/slowpath.rs`). A kill is false only if
//! the missed zone would have passed that walk's own check (HIGH, without
//! ALLOC_HARDER; `alloc/failure.rs`), and the OOM checks and kills are
//! the kernel's: one `oom_lock`, one victim in flight (`alloc/oom.rs`). The deterministic case is
//! a test of every guard (`tests/conformance/race.rs`); this claim counts
//! how often it happens under C0's race load (hotplug at 2 kHz, high
//! pressure, one reader per CPU), per million OOM checks, for the guard
//! without the fix and the two with it, on `--kernel current`: under 6.1
//! the guards with the fix hardly reach the OOM check in this load, since
//! an allocation left behind a stale `preferred_zoneref` reclaims until
//! its pages run out instead (C11); with the 2025 fix they restart and do
//! reach it, so the window is measured where today's kernels have it.

use super::c0_race::C0;
use super::{per_million_ci, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Kernel;
use crate::workload::spec::CellSpec;

pub(crate) struct C9;

const GUARDS: [&str; 3] = ["none", "seqcount", "seqlock"];

fn spec(plan: &Plan, guard: &str) -> CellSpec {
    CellSpec {
        guard: guard.to_string(),
        kernel: Kernel::Current,
        ..C0::race_spec(plan)
    }
}

/// A guard's OOM checks, kills and false kills over every round.
struct Window {
    guard: &'static str,
    checks: u64,
    kills: u64,
    false_kills: u64,
}

impl Window {
    /// False kills per million OOM checks, with the exact 95% Poisson
    /// interval (`None` without checks).
    fn rate(&self) -> Option<(f64, f64, f64)> {
        per_million_ci(self.false_kills, self.checks)
    }

    fn line(&self) -> String {
        let rate = match self.rate() {
            Some((r, lo, hi)) => format!("{r:.0} [{lo:.0}, {hi:.0}] per million checks"),
            None => "no OOM check reached".to_string(),
        };
        format!(
            "{}: {} OOM checks, {} kills, {} with an eligible zone that would have passed the walk missed: {rate}",
            self.guard, self.checks, self.kills, self.false_kills
        )
    }
}

/// Below this many false kills per million OOM checks (the whole 95%
/// interval) the window counts as shut.
const SHUT_PER_MILLION: f64 = 1.0;

impl Experiment for C9 {
    fn id(&self) -> &'static str {
        "C9"
    }

    fn claim(&self) -> &'static str {
        "(not in the thread) the fix narrows the window to check_retry_zonelist() .. __alloc_pages_may_oom()'s walk; it does not close it: a rebuild there still gets a task OOM-killed with memory free (measured with the 2025 fix too)"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        GUARDS.iter().map(|g| spec(plan, g)).collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let windows: Vec<Window> = GUARDS
            .iter()
            .map(|&guard| {
                let grp = cells.of(&spec(plan, guard));
                Window {
                    guard,
                    checks: grp.sum(|c| c.stats.oom_checks),
                    kills: grp.sum(|c| c.stats.oom_kills),
                    false_kills: grp.sum(|c| c.stats.false_oom_kills),
                }
            })
            .collect();
        let mut numbers: Vec<String> = windows.iter().map(Window::line).collect();
        let fixed = Window {
            guard: "seqcount and seqlock",
            checks: windows[1..].iter().map(|w| w.checks).sum(),
            kills: windows[1..].iter().map(|w| w.kills).sum(),
            false_kills: windows[1..].iter().map(|w| w.false_kills).sum(),
        };
        numbers.push(fixed.line());
        if let (Some((_, none_lo, _)), Some((_, _, hi))) = (windows[0].rate(), fixed.rate()) {
            if none_lo > 0.0 {
                numbers.push(format!(
                    "narrowed: with the fix, at most {:.1}% of the rate without it (the upper 95% bound of one over the lower bound of the other)",
                    100.0 * hi / none_lo
                ));
            }
        }
        let verdict = match fixed.rate() {
            None => Verdict::NotSettled(
                "no allocation with the fix reached the OOM check: nothing to count".into(),
            ),
            Some(_) if fixed.false_kills > 0 => Verdict::Supported,
            Some((_, _, hi)) if hi < SHUT_PER_MILLION => Verdict::Refuted,
            Some((_, _, hi)) => Verdict::NotSettled(format!(
                "no false kill in {} OOM checks with the fix: the rate is below {hi:.0} per million checks (95%), which is not below {SHUT_PER_MILLION}; the window itself is shown by the deterministic test (tests/conformance/race.rs)",
                fixed.checks
            )),
        };
        let rule = format!(
            "supported if seqcount or seqlock has any OOM kill with an eligible zone missed by the walk that would have passed its HIGH watermark check (one such kill shows the window open); refuted if they have none and the 95% upper bound of their rate is below {SHUT_PER_MILLION} per million OOM checks; otherwise not settled"
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    /// `false_kills` per guard, over `checks` OOM checks each.
    fn run(false_kills: [u64; 3], checks: u64) -> Verdict {
        let p = plan(2);
        let all: Vec<_> = GUARDS
            .iter()
            .zip(false_kills)
            .flat_map(|(g, n)| {
                cells(&spec(&p, g), 2, 1e6, |c| {
                    c.stats.oom_checks = checks / 2;
                    c.stats.oom_kills = checks / 2;
                    c.stats.false_oom_kills = n / 2;
                })
            })
            .collect();
        C9.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run([4, 2, 0], 1000), Verdict::Supported);
        assert_eq!(run([0, 0, 2], 1000), Verdict::Supported);
        // None in ten million checks: under 0.37 per million (95%).
        assert_eq!(run([4, 0, 0], 10_000_000), Verdict::Refuted);
        // None in a thousand: the bound is ~1800 per million.
        assert!(matches!(run([4, 0, 0], 1000), Verdict::NotSettled(_)));
        assert!(matches!(run([0, 0, 0], 0), Verdict::NotSettled(_)));
    }
}
