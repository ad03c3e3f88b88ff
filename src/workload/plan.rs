//! A sweep sized to the machine, what a plan will cost before it runs, and
//! how a time budget trims it.
//!
//! The sweep's reader counts grow in powers of two up to the machine's CPU
//! count, then the count itself and twice it (oversubscribed), so a
//! 1024-CPU machine plans 12 reader counts where one by one it would plan
//! 1025. The estimate is a model of where a session's time goes, calibrated
//! on the 2-vCPU development machine: every cell-round costs its warm-up
//! and measured interval plus a fixed set-up (allocator, probes, invariant
//! check, results file) and a start/stop cost per thread; adaptive rounds
//! may spend up to the session's measuring budget; the floors, the rebuild
//! curve and the plots are fixed extras. Re-runs of disturbed repeats are
//! allowed for at [`RERUN_SHARE`]. `zonebench run` records the estimate
//! and the elapsed time side by side in the results file, so the model can
//! be checked against every run.

use crate::metrics::paired::{range_coverage, FEWEST_MARKABLE};
use crate::workload::floors::rebuild_s;
use crate::workload::rounds::Rounds;
use crate::workload::spec::CellSpec;
use std::time::Duration;

/// The most CPUs a plan is made for (the kernel's NR_CPUS is larger; the
/// suite's readers, twice this, are threads of one process).
pub const MAX_PLANNED_CPUS: usize = 1024;

/// Set-up and tear-down of one measured cell beside its warm-up and
/// interval: allocator, probes, the invariant check, appending the cell to
/// the results file (development machine: 15-25 ms).
pub const CELL_OVERHEAD_S: f64 = 0.025;
/// Starting, pinning and joining one thread, and its share of the
/// end-of-cell accounting.
pub const THREAD_OVERHEAD_S: f64 = 60e-6;
/// Share of cell-rounds measured again because the machine disturbed them
/// (reference sweep: 77 of 1568, 5%).
pub const RERUN_SHARE: f64 = 0.06;
/// The fewest rounds a budget may cut a group to: with fewer, a paired
/// ratio's interval is too wide to settle anything. Below
/// [`crate::metrics::paired::FEWEST_MARKABLE`] (6) the tables mark nothing
/// and say so; the plan says so when it cuts that far.
pub const MIN_ROUNDS: usize = 3;

/// The sweep's reader counts on a machine of `cpus` CPUs: 1, 2, 4, ...
/// below `cpus`, then `cpus` and `2 * cpus`.
pub fn sweep_readers(cpus: usize) -> Vec<usize> {
    let cpus = cpus.max(1);
    let mut out: Vec<usize> = std::iter::successors(Some(1usize), |n| n.checked_mul(2))
        .take_while(|&n| n < cpus)
        .collect();
    out.push(cpus);
    out.push(2 * cpus);
    out
}

/// What a plan costs, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Cells (one per guard and configuration) and cell-rounds at the
    /// least number of rounds.
    pub cells: usize,
    pub cell_rounds: usize,
    /// The least rounds of every cell: warm-up, interval, set-up, threads,
    /// re-runs.
    pub least_s: f64,
    /// Adaptive rounds on top, up to the measuring budget.
    pub adaptive_s: f64,
    /// Floors, rebuild curve, plots.
    pub fixed_s: f64,
}

impl Estimate {
    pub fn total_s(&self) -> f64 {
        self.least_s + self.adaptive_s + self.fixed_s
    }
}

/// Setting up one page descriptor of `mem_map` (development machine).
const PAGE_SETUP_S: f64 = 2e-9;

/// The cost of one cell-round of `spec`: its interval and warm-up, the
/// fixed set-up, its threads, building its `mem_map` and its first
/// zonelists (seconds at hundreds of nodes).
pub fn cell_round_s(spec: &CellSpec) -> f64 {
    let threads = spec.readers + 1;
    let setup = CELL_OVERHEAD_S
        + THREAD_OVERHEAD_S * threads as f64
        + PAGE_SETUP_S * spec.mm_config().total_pages() as f64
        + rebuild_s(spec.nodes);
    (spec.warmup_s + spec.duration_s + setup) * (1.0 + RERUN_SHARE)
}

/// Estimate `cells` (repeat 0 of each) measured in `rounds`, with
/// `fixed_s` of extras.
pub fn estimate(cells: &[CellSpec], rounds: &Rounds, fixed_s: f64) -> Estimate {
    let per_round: f64 = cells.iter().map(cell_round_s).sum();
    let least_s = per_round * rounds.min as f64;
    let most_s = per_round * rounds.max as f64;
    let adaptive_s = match (rounds.ci_target_pct, rounds.budget) {
        (None, _) => 0.0,
        // Rounds are added until the budget is spent (the session's
        // budget is wall time of the groups, least rounds included), or
        // every group reaches its most rounds.
        (Some(_), Some(b)) => (b.as_secs_f64().min(most_s) - least_s).max(0.0),
        (Some(_), None) => most_s - least_s,
    };
    Estimate {
        cells: cells.len(),
        cell_rounds: cells.len() * rounds.min,
        least_s,
        adaptive_s,
        fixed_s,
    }
}

/// A plan cut to fit a budget, and what was cut.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub cells: Vec<CellSpec>,
    pub rounds: Rounds,
    /// What was dropped or cut, one line each (empty: nothing).
    pub trimmed: Vec<String>,
}

/// Fit `cells` in `rounds` into `budget_s` of wall time, `fixed_s` of
/// which go to extras: first the measuring budget of adaptive rounds
/// shrinks to what is left after the least rounds; then the least rounds
/// go down to [`MIN_ROUNDS`]; then reader counts are dropped, the largest
/// first, except 1, `cpus` and `2 * cpus`, which stay. Errors when even
/// that does not fit.
pub fn fit(
    cells: Vec<CellSpec>,
    mut rounds: Rounds,
    budget_s: f64,
    fixed_s: f64,
    cpus: usize,
) -> Result<Fitted, String> {
    let mut cells = cells;
    let left =
        |cells: &[CellSpec], r: &Rounds| budget_s - fixed_s - estimate(cells, r, 0.0).least_s;
    let asked = rounds.min;
    while left(&cells, &rounds) < 0.0 && rounds.min > MIN_ROUNDS {
        rounds.min -= 1;
    }
    let mut dropped = Vec::new();
    while left(&cells, &rounds) < 0.0 {
        let mut counts: Vec<usize> = cells.iter().map(|c| c.readers).collect();
        counts.sort_unstable();
        counts.dedup();
        let droppable = counts
            .iter()
            .rev()
            .find(|&&n| n != 1 && n != cpus && n != 2 * cpus);
        let Some(&drop) = droppable else {
            let need = (fixed_s + estimate(&cells, &rounds, 0.0).least_s) / 60.0;
            return Err(format!(
                "--budget {:.1} min is too short: the smallest plan ({} cells, {} rounds, readers {}) needs {need:.1} min",
                budget_s / 60.0,
                cells.len(),
                rounds.min,
                join(&counts)
            ));
        };
        cells.retain(|c| c.readers != drop);
        dropped.push(drop);
    }
    let mut trimmed = Vec::new();
    if rounds.min < asked {
        let unmarkable = match rounds.min < FEWEST_MARKABLE {
            true => format!(
                "; a group that gets fewer than {FEWEST_MARKABLE} rounds can mark no change, and its intervals are the range of its rounds, which holds the centre {:.1}% of the time at {}",
                100.0 * range_coverage(rounds.min),
                rounds.min
            ),
            false => String::new(),
        };
        trimmed.push(format!(
            "least rounds per cell cut from {asked} to {}{unmarkable}",
            rounds.min
        ));
    }
    if !dropped.is_empty() {
        trimmed.push(format!("reader counts {} dropped", join(&dropped)));
    }
    match rounds.ci_target_pct {
        // Adaptive rounds share what the extras leave (the session's
        // budget covers the least rounds too).
        Some(_) => rounds.budget = Some(Duration::from_secs_f64((budget_s - fixed_s).max(0.0))),
        None => rounds.max = rounds.min,
    }
    rounds.max = rounds.max.max(rounds.min);
    Ok(Fitted {
        cells,
        rounds,
        trimmed,
    })
}

fn join(v: &[usize]) -> String {
    v.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_that_cuts_below_six_rounds_says_what_that_costs() {
        let cells = vec![CellSpec::default(); 40];
        let rounds = Rounds::fixed(6);
        let per_round = estimate(&cells, &rounds, 0.0).least_s / 6.0;
        let fitted = fit(cells, rounds, per_round * 4.5, 0.0, 2).unwrap();
        assert_eq!(fitted.rounds.min, 4);
        let line = &fitted.trimmed[0];
        assert!(
            line.starts_with("least rounds per cell cut from 6 to 4"),
            "{line}"
        );
        assert!(line.contains("mark no change"), "{line}");
        assert!(line.contains("87.5% of the time at 4"), "{line}");
    }

    #[test]
    fn sweep_readers_are_powers_of_two_then_the_count_and_twice_it() {
        assert_eq!(sweep_readers(1), vec![1, 2]);
        assert_eq!(sweep_readers(2), vec![1, 2, 4]);
        assert_eq!(sweep_readers(16), vec![1, 2, 4, 8, 16, 32]);
        assert_eq!(sweep_readers(12), vec![1, 2, 4, 8, 12, 24]);
        let big = sweep_readers(1024);
        assert_eq!(big.len(), 12);
        assert_eq!(big[10..], [1024, 2048]);
    }
}
