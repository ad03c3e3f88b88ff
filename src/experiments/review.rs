//! `zonebench review`: a reviewer's guard against a baseline (`seqlock`,
//! what upstream merged, unless told otherwise), on the cells that matter
//! for a zonelist guard, each judged by a rule stated here:
//!
//! * **R1, the read side**: every-alloc scope (the guard around every
//!   allocation), one reader, rebuilds at 1 kHz. The guard's throughput
//!   over the baseline's, paired round by round: "supported" (costs at
//!   most 5% more) when the whole 95% interval lies above 0.95, "refuted"
//!   when it lies wholly below 0.90, else "not settled" (the dead band of
//!   `band.rs`). The cost is also given in ns per allocation.
//! * **R2, under contention**: the same with one reader per CPU.
//! * **R3, the race**: the 2022 race's load (hotplug of the movable zone
//!   at 2 kHz, high pressure, a reader per CPU, as claim C0), with `none`
//!   beside it as the control that shows the race happened. "Refuted" on
//!   any spurious OOM (a kill or failure with a free zone missed),
//!   "supported" on none while `none` had some, "not settled" when `none`
//!   had none either (the race did not occur).
//! * **R4, an interrupt in the write section** (the interrupt model, as
//!   claim C2): "refuted" if a handler waited for its own writer (the
//!   deadlock commit 1007843a9190 fixed), else "supported"; the delay a
//!   masking writer adds is given.
//!
//! PREEMPT_RT is measured too (a writer held 200 us in its section, twice
//! as many readers as CPUs, as claim C6) and shown in the table and the
//! correctness lines, not judged: what a reader should do under RT depends
//! on the patch.

use super::band::{describe, ns_cost, rate_paired, side, Side};
use super::c0_race::C0;
use super::{per_million_ci, Cells, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::results::{CellResult, ResultsFile};
use crate::workload::ceiling;
use crate::workload::spec::{CellSpec, WriterMode};

/// The guard under review and the one it is measured against.
#[derive(Debug, Clone)]
pub(crate) struct Review {
    pub mine: String,
    pub baseline: String,
}

/// R1/R2's thresholds: supported above, refuted below.
const AT_MOST_SLOWER: f64 = 0.95;
const CLEARLY_SLOWER: f64 = 0.90;

impl Review {
    /// The review a results file holds, and the plan it was measured by;
    /// `None` for a file `zonebench review` did not finish (a sweep, a
    /// claims run, an interrupted review). Such a file has the verdicts
    /// R1-R4, and its guards in the order [`Review::cells`] measured them,
    /// the baseline first (`RunConfig::describe`); R1's claim, which names
    /// both, must be this review's. The plan is the live one: `--quick`,
    /// the seed, the machine's logical CPUs and its ceiling, from the
    /// file.
    pub(crate) fn of_file(file: &ResultsFile) -> Option<(Review, Plan)> {
        let ids: Vec<&str> = file.claims.iter().map(|f| f.id.as_str()).collect();
        if ids != ["R1", "R2", "R3", "R4"] {
            return None;
        }
        let [baseline, mine, ..] = file.config.guards.as_slice() else {
            return None;
        };
        let review = Review {
            mine: mine.clone(),
            baseline: baseline.clone(),
        };
        if file.claims[0].claim != review.read_claim(1) {
            return None;
        }
        let mut plan = Plan::new(file.config.quick, file.meta.logical_cpus, file.config.seed);
        plan.ceiling = ceiling::at(&file.ceiling, plan.cpus);
        Some((review, plan))
    }

    /// The guards compared: the baseline first.
    pub(crate) fn guards(&self) -> [&str; 2] {
        [&self.baseline, &self.mine]
    }

    fn fast(&self, plan: &Plan, guard: &str, readers: usize) -> CellSpec {
        plan.cell(guard, Scope::EveryAlloc, readers, WriterMode::Rebuild)
    }

    fn race(&self, plan: &Plan, guard: &str) -> CellSpec {
        CellSpec {
            guard: guard.to_string(),
            ..C0::race_spec(plan)
        }
    }

    fn irq(&self, plan: &Plan, guard: &str) -> CellSpec {
        CellSpec {
            irq: true,
            writer_rate_hz: 25.0,
            duration_s: plan.duration_s.max(0.4),
            ..plan.cell(guard, Scope::Slowpath, 1, WriterMode::Rebuild)
        }
    }

    fn rt(&self, plan: &Plan, guard: &str) -> CellSpec {
        CellSpec {
            rt: true,
            writer_hold_us: 200.0,
            ..plan.cell(guard, Scope::EveryAlloc, 2 * plan.cpus, WriterMode::Rebuild)
        }
    }

    /// Every cell the review measures (repeat 0).
    pub(crate) fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        let mut out = Vec::new();
        let mut readers = vec![1, plan.cpus];
        readers.dedup();
        for g in self.guards() {
            for &r in &readers {
                out.push(self.fast(plan, g, r));
            }
        }
        for g in ["none", &self.baseline, &self.mine] {
            let c = self.race(plan, g);
            if !out.iter().any(|o| o.key() == c.key()) {
                out.push(c);
            }
        }
        for g in self.guards() {
            out.push(self.irq(plan, g));
            out.push(self.rt(plan, g));
        }
        out
    }

    /// R1-R4 from the measured cells.
    pub(crate) fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Vec<Finding> {
        let mut out = vec![self.read_side(cells, plan, 1, "R1")];
        out.push(if plan.cpus > 1 {
            self.read_side(cells, plan, plan.cpus, "R2")
        } else {
            self.finding(
                "R2",
                self.read_claim(plan.cpus),
                Vec::new(),
                Verdict::NotSettled("one CPU: no contention to measure".into()),
                String::new(),
            )
        });
        out.push(self.race_finding(cells, plan));
        out.push(self.irq_finding(cells, plan));
        out
    }

    fn finding(
        &self,
        id: &str,
        claim: String,
        numbers: Vec<String>,
        verdict: Verdict,
        rule: String,
    ) -> Finding {
        Finding {
            id: id.into(),
            claim,
            numbers,
            verdict,
            rule,
        }
    }

    fn read_claim(&self, readers: usize) -> String {
        format!(
            "{}'s read side costs at most 5% more than {}'s (every-alloc scope, {readers} reader{}, rebuilds at 1 kHz)",
            self.mine,
            self.baseline,
            if readers == 1 { "" } else { "s" }
        )
    }

    fn read_side(&self, cells: &Cells<'_>, plan: &Plan, readers: usize, id: &str) -> Finding {
        let mine = cells.of(&self.fast(plan, &self.mine, readers));
        let base = cells.of(&self.fast(plan, &self.baseline, readers));
        let p = rate_paired(&mine, &base);
        let base_rate = base.allocs_per_sec();
        let numbers = vec![
            format!(
                "{} over {}: {}",
                self.mine,
                self.baseline,
                describe(p.as_ref())
            ),
            format!("what it costs: {}", ns_cost(base_rate, readers, p.as_ref())),
        ];
        let verdict = match side(p.as_ref(), CLEARLY_SLOWER, AT_MOST_SLOWER) {
            Side::Above => Verdict::Supported,
            Side::Below => Verdict::Refuted,
            Side::Between => Verdict::NotSettled(format!(
                "the interval, {}, is not wholly above {AT_MOST_SLOWER} nor wholly below {CLEARLY_SLOWER}",
                describe(p.as_ref())
            )),
        };
        let rule = format!(
            "supported if the whole 95% interval of the paired throughput ratio lies above {AT_MOST_SLOWER}, refuted if wholly below {CLEARLY_SLOWER}"
        );
        self.finding(id, self.read_claim(readers), numbers, verdict, rule)
    }

    fn race_finding(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let count = |g: &str| {
            let grp = cells.of(&self.race(plan, g));
            (
                grp.sum(|c| c.stats.false_ooms + c.stats.false_oom_kills),
                grp.sum(|c| c.stats.slowpath_entries),
            )
        };
        let mut numbers = Vec::new();
        for g in ["none", &self.baseline, &self.mine] {
            let (n, entries) = count(g);
            let (r, lo, hi) = per_million_ci(n, entries).unwrap_or_default();
            numbers.push(format!(
                "{g}: {n} spurious OOMs in {entries} slowpath entries, {r:.2} [{lo:.2}, {hi:.2}] per million"
            ));
        }
        let (control, _) = count("none");
        let (mine, _) = count(&self.mine);
        let verdict = if mine > 0 {
            Verdict::Refuted
        } else if control == 0 {
            Verdict::NotSettled(
                "the race did not occur (none had no spurious OOM either); run without --quick"
                    .into(),
            )
        } else {
            Verdict::Supported
        };
        self.finding(
            "R3",
            format!(
                "{} prevents the spurious OOM of the 2022 race (hotplug of the movable zone at 2 kHz, high pressure)",
                self.mine
            ),
            numbers,
            verdict,
            "refuted on any spurious OOM; supported on none while `none` (no guard) had some; not settled when `none` had none".into(),
        )
    }

    fn irq_finding(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let mut numbers = Vec::new();
        let mut mine_deadlocks = 0;
        for g in self.guards() {
            let grp = cells.of(&self.irq(plan, g));
            let sum = |f: fn(&crate::workload::irq::IrqStats) -> u64| grp.sum(|c| f(&c.writer.irq));
            let deadlocks = sum(|s| s.irq_deadlocks);
            if g == self.mine {
                mine_deadlocks = deadlocks;
            }
            numbers.push(format!(
                "{g}: {} interrupts, {deadlocks} deadlocked, {} deferred to the end of the section (delay p99 {} ns, at most {} ns)",
                sum(|s| s.irqs),
                sum(|s| s.irq_deferred),
                grp.max(|c| c.writer.irq.irq_delay_ns.p99),
                grp.max(|c| c.writer.irq.irq_delay_ns.max),
            ));
        }
        let verdict = if mine_deadlocks > 0 {
            Verdict::Refuted
        } else {
            Verdict::Supported
        };
        self.finding(
            "R4",
            format!(
                "an interrupt whose handler allocates, raised inside {}'s write section, cannot deadlock",
                self.mine
            ),
            numbers,
            verdict,
            "refuted if any handler waited for its own writer (detected, abandoned after 20 ms), else supported".into(),
        )
    }

    /// The correctness lines of the summary, per guard of the review:
    /// everything that must be 0, every cell summed, and the RT cell's
    /// reader wait.
    pub(crate) fn correctness(&self, all: &[CellResult], plan: &Plan) -> Vec<String> {
        let cells = Cells(all);
        let mut out = Vec::new();
        for g in self.guards() {
            let mine: Vec<&CellResult> = all.iter().filter(|c| c.spec.guard == g).collect();
            let sum = |f: fn(&CellResult) -> u64| mine.iter().map(|c| f(c)).sum::<u64>();
            out.push(format!(
                "{g}: spurious OOMs {}, stale zone visits {}, pages lost {}, handed out twice {}, from isolated memory {}, stalled cells {}",
                sum(|c| c.stats.false_ooms + c.stats.false_oom_kills),
                sum(|c| c.stats.stale_zone_visits),
                sum(|c| c.pages_lost),
                sum(|c| c.pages.duplicated + c.stats.bad_pages),
                sum(|c| c.stats.isolated_allocs),
                sum(|c| u64::from(c.stalled)),
            ));
            let rt = cells.of(&self.rt(plan, g));
            let measured: f64 = rt.iter().map(|c| c.measured_s).sum();
            let waited = rt.sum(|c| c.reader_stall_ns.total) as f64;
            if measured > 0.0 {
                out.push(format!(
                    "{g} under PREEMPT_RT (writer held 200 us, {} readers): readers waited {:.2} ms per second",
                    2 * plan.cpus,
                    waited / 1e6 / measured
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::review_file;

    #[test]
    fn a_review_is_found_again_in_its_file() {
        for (mine, baseline) in [("raw-seqcount", "seqlock"), ("seqlock", "none")] {
            let file = review_file(mine, baseline);
            let (review, plan) = Review::of_file(&file).expect("a review file");
            assert_eq!(
                (review.mine.as_str(), review.baseline.as_str()),
                (mine, baseline)
            );
            assert_eq!((plan.cpus, plan.quick), (2, true));
            // The same verdicts from the cells again.
            assert_eq!(review.judge(&Cells(&file.cells), &plan), file.claims);
        }
    }

    #[test]
    fn other_files_are_not_reviews() {
        let mut file = review_file("raw-seqcount", "seqlock");
        file.config.guards.swap(0, 1);
        assert!(Review::of_file(&file).is_none(), "R1 names the guards");
        let mut file = review_file("raw-seqcount", "seqlock");
        file.claims.clear();
        assert!(Review::of_file(&file).is_none(), "no verdicts: partial");
        let mut file = review_file("raw-seqcount", "seqlock");
        for (i, f) in file.claims.iter_mut().enumerate() {
            f.id = format!("C{i}");
        }
        assert!(Review::of_file(&file).is_none(), "claims, not a review");
    }
}
