//! `zonebench claims`: each argument of the 2022 review thread
//! (`linux-mm`, 23 August 2022, "Race condition in build_all_zonelists()
//! when offlining movable zone") turned into an experiment, one file per
//! claim. An experiment names the cells it needs; the cells run once (cells
//! two experiments share run once); then each experiment judges its claim
//! from the measurements by a rule written in its file and printed with the
//! verdict. A rule can say "supported", "refuted" or "not settled" with the
//! reason (too few CPUs, an effect that did not occur, a difference inside
//! the noise): the verdict is never fixed in advance, and the tests feed
//! every rule synthetic measurements that lead to each of its outcomes.
//! Rules that weigh one guard against another decide by the whole 95%
//! interval of the paired ratio, with a dead band between the thresholds
//! of their two verdicts (`band.rs`).

pub(crate) mod band;
pub(crate) mod c0_race;
pub(crate) mod c10_window_at_scale;
pub(crate) mod c11_endless_retry;
pub(crate) mod c1_seqlock_heavy;
pub(crate) mod c2_irq;
pub(crate) mod c3_excl_global_lock;
pub(crate) mod c4_seqbegin_or_lock;
pub(crate) mod c5_rcu_stale;
pub(crate) mod c6_seqcount_spinlock;
pub(crate) mod c7_serialisation;
pub(crate) mod c8_latch;
pub(crate) mod c9_oom_window;
pub(crate) mod review;

use crate::alloc::Scope;
pub(crate) use crate::results::finding::{Finding, Verdict};
use crate::results::repeats::Repeats;
use crate::results::CellResult;
use crate::workload::rounds::Rounds;
use crate::workload::spec::{CellSpec, WriterMode};
use std::time::Duration;

/// How much to measure, and on what.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Logical CPUs of this machine.
    pub cpus: usize,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// Rounds per group of compared cells (`session/rounds.rs`).
    pub rounds: Rounds,
    pub seed: u64,
    /// `--quick`: the short plan.
    pub quick: bool,
    /// The machine's scaling ceiling at `cpus` readers, measured before
    /// the cells (`workload::ceiling`; `None`: not measured).
    pub ceiling: Option<f64>,
}

impl Plan {
    /// `--quick`: 6 rounds of short cells (about 75 s on 2 CPUs);
    /// otherwise at least 8 rounds, more until every compared ratio is
    /// known to +-2% or 250 s of measuring are spent (the whole run,
    /// extras included, within 5 minutes).
    pub(crate) fn new(quick: bool, cpus: usize, seed: u64) -> Plan {
        let (duration_s, warmup_s, rounds) = if quick {
            (0.06, 0.015, Rounds::fixed(6))
        } else {
            (
                0.2,
                0.05,
                Rounds {
                    min: 8,
                    max: 40,
                    ci_target_pct: Some(2.0),
                    budget: Some(Duration::from_secs(250)),
                },
            )
        };
        Plan {
            cpus,
            duration_s,
            warmup_s,
            rounds,
            seed,
            quick,
            ceiling: None,
        }
    }

    /// A cell of this plan (repeat 0) on the default machine layout.
    pub(crate) fn cell(
        &self,
        guard: &str,
        scope: Scope,
        readers: usize,
        writer: WriterMode,
    ) -> CellSpec {
        CellSpec {
            guard: guard.to_string(),
            scope,
            readers,
            writer,
            writer_rate_hz: if writer == WriterMode::None {
                0.0
            } else {
                1000.0
            },
            duration_s: self.duration_s,
            warmup_s: self.warmup_s,
            seed: self.seed,
            ..CellSpec::default()
        }
    }
}

/// One claim of the thread as an experiment.
pub(crate) trait Experiment {
    /// `C0` .. `C11`.
    fn id(&self) -> &'static str;
    /// The sentence of the thread it tests, one line.
    fn claim(&self) -> &'static str;
    /// The cells it needs (repeat 0; the runner repeats them).
    fn cells(&self, plan: &Plan) -> Vec<CellSpec>;
    /// Judge the claim from the measured cells (every repeat of every cell
    /// of every experiment; an experiment picks its own by spec).
    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding;

    /// A finding of this experiment.
    fn finding(&self, numbers: Vec<String>, verdict: Verdict, rule: String) -> Finding {
        Finding {
            id: self.id().to_string(),
            claim: self.claim().to_string(),
            numbers,
            verdict,
            rule,
        }
    }
}

/// Every experiment, in order.
pub(crate) fn all() -> Vec<Box<dyn Experiment>> {
    vec![
        Box::new(c0_race::C0),
        Box::new(c1_seqlock_heavy::C1),
        Box::new(c2_irq::C2),
        Box::new(c3_excl_global_lock::C3),
        Box::new(c4_seqbegin_or_lock::C4),
        Box::new(c5_rcu_stale::C5),
        Box::new(c6_seqcount_spinlock::C6),
        Box::new(c7_serialisation::C7),
        Box::new(c8_latch::C8),
        Box::new(c9_oom_window::C9),
        Box::new(c10_window_at_scale::C10),
        Box::new(c11_endless_retry::C11),
    ]
}

/// Every distinct cell the experiments need, each once (repeat 0; the
/// session runs them in rounds).
pub(crate) fn plan_cells(experiments: &[Box<dyn Experiment>], plan: &Plan) -> Vec<CellSpec> {
    let mut distinct: Vec<CellSpec> = Vec::new();
    for e in experiments {
        for c in e.cells(plan) {
            // Cells that share a key are one cell (the first one's timing).
            if !distinct.iter().any(|d| d.key() == c.key()) {
                distinct.push(c);
            }
        }
    }
    distinct
}

/// The measured cells, looked up by what they were asked to be.
pub(crate) struct Cells<'a>(pub &'a [CellResult]);

impl<'a> Cells<'a> {
    /// Every repeat of the cell `spec` describes.
    pub(crate) fn of(&self, spec: &CellSpec) -> Repeats<'a> {
        // The specs asked for carry the default pinning, and one run pins
        // all its cells alike (`--no-pin` unpins them all): pinning does
        // not pick a cell here.
        let want = [false, true].map(|pin| {
            CellSpec {
                pin,
                ..spec.clone()
            }
            .key()
        });
        Repeats(
            self.0
                .iter()
                .filter(|c| c.spec.key() == want[usize::from(c.spec.pin)])
                .collect(),
        )
    }
}

#[cfg(test)]
mod cells_tests {
    use super::*;

    #[test]
    fn cells_run_unpinned_are_found_by_the_specs_that_asked_for_them() {
        let spec = CellSpec::default();
        let mut c = crate::results::fixture::cell(&spec.guard, spec.readers, 0, 1e6, 0);
        c.spec = CellSpec {
            pin: false,
            ..spec.clone()
        };
        let cells = [c];
        assert_eq!(Cells(&cells).of(&spec).len(), 1);
        let other = CellSpec {
            readers: spec.readers + 1,
            ..spec.clone()
        };
        assert_eq!(Cells(&cells).of(&other).len(), 0);
    }
}

/// `a / b`, 0 when `b` is 0.
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// `events` per million of `trials`, with the exact 95% Poisson interval
/// of that rate: `(rate, low, high)`; `None` without trials.
pub(crate) fn per_million_ci(events: u64, trials: u64) -> Option<(f64, f64, f64)> {
    (trials > 0).then(|| {
        let per = 1e6 / trials as f64;
        let (lo, hi) = crate::metrics::stats::poisson_ci95(events);
        (events as f64 * per, lo * per, hi * per)
    })
}

/// `12.3 M/s`-style throughput.
pub(crate) fn per_sec(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M/s", v / 1e6)
    } else {
        format!("{:.0} k/s", v / 1e3)
    }
}

/// Run every experiment's judge on `cells`.
pub(crate) fn judge_all(
    experiments: &[Box<dyn Experiment>],
    cells: &[CellResult],
    plan: &Plan,
) -> Vec<Finding> {
    let cells = Cells(cells);
    experiments.iter().map(|e| e.judge(&cells, plan)).collect()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Synthetic measurements for the verdict rules' tests.
    use super::*;
    use crate::results::fixture;

    /// `repeats` rounds of `spec` with throughput `rate` (varied by a
    /// small amount per round, alike for every spec: paired ratios of two
    /// such are exact), then `f` applied to each.
    pub(crate) fn cells(
        spec: &CellSpec,
        repeats: usize,
        rate: f64,
        f: impl Fn(&mut CellResult),
    ) -> Vec<CellResult> {
        (0..repeats)
            .map(|r| {
                let mut c = fixture::cell(&spec.guard, spec.readers, r, 0.0, 10);
                c.spec = CellSpec {
                    repeat: r,
                    seed: spec.seed.wrapping_add(r as u64),
                    ..spec.clone()
                };
                c.allocs_per_sec = rate * (1.0 + 0.002 * r as f64);
                f(&mut c);
                c
            })
            .collect()
    }

    /// One round of `spec` per rate in `rates`.
    pub(crate) fn rounds(spec: &CellSpec, rates: &[f64]) -> Vec<CellResult> {
        let mut all = cells(spec, rates.len(), 0.0, |_| {});
        for (c, &rate) in all.iter_mut().zip(rates) {
            c.allocs_per_sec = rate;
        }
        all
    }

    pub(crate) fn plan(cpus: usize) -> Plan {
        Plan::new(true, cpus, 1)
    }

    /// A finished review of `mine` against `baseline` on 2 CPUs, as
    /// `zonebench review --quick` saves it: every cell in 6 rounds at
    /// the same rate, judged.
    pub(crate) fn review_file(mine: &str, baseline: &str) -> crate::results::ResultsFile {
        use super::review::Review;
        let review = Review {
            mine: mine.into(),
            baseline: baseline.into(),
        };
        let plan = plan(2);
        let specs = review.cells(&plan);
        let all = specs
            .iter()
            .flat_map(|s| cells(s, 6, 1e6, |_| {}))
            .collect();
        let mut file = fixture::file(all);
        file.config.guards = crate::results::schema::RunConfig::describe(&specs).guards;
        file.config.quick = true;
        file.claims = review.judge(&Cells(&file.cells), &plan);
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_cells_run_once() {
        let plan = testing::plan(2);
        let cells = plan_cells(&all(), &plan);
        for (i, a) in cells.iter().enumerate() {
            assert!(!cells[i + 1..].contains(a), "{a:?} twice");
        }
    }
}
