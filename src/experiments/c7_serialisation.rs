//! C7, "I would prefer to see any proposed conversion on top of the fix
//! with review determining if there is any unnecessary additional
//! serialisation". A serialisation figure per guard: throughput with one
//! reader per CPU over CPUs x the throughput of one reader (1.0: readers
//! never slow each other), at every-alloc scope under a 1 kHz rebuild
//! writer, ranked. `none` has no read side at all: its figure is what the
//! model and the machine allow, and a guard is flagged when it falls below
//! 80% of it. The thread's "RCU" is judged by `rcu-qsbr`, the kernel's
//! read side without preemption; `rcu-preempt` (CONFIG_PREEMPT_RCU's read
//! side, a per-CPU nesting count and no fence) and `rcu` (arc-swap) are
//! reported beside it.

use super::band::{describe, rate_per_round, side, Side};
use super::{ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::guard::ALL;
use crate::metrics::paired::Paired;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C7;

fn spec(plan: &Plan, guard: &str, readers: usize) -> CellSpec {
    plan.cell(guard, Scope::EveryAlloc, readers, WriterMode::Rebuild)
}

/// The alternatives the thread discussed (beside the fix itself). Its RCU
/// is the kernel's: `rcu-qsbr` (no preemption: an empty read side) speaks
/// for it; `rcu-preempt` (CONFIG_PREEMPT_RCU) and `rcu` (arc-swap, whose
/// every read writes a shared debt slot) are reported beside it, not
/// judged.
const THREAD: [&str; 5] = [
    "seqlock",
    "seqlock-excl",
    "seqbegin-or-lock",
    "seqcount-spinlock",
    "rcu-qsbr",
];

/// Reported, not judged: RCU as a Rust program pays for it.
const ARC_SWAP_RCU: &str = "rcu";

/// Reported, not judged: the kernel's RCU read side with preemption.
const PREEMPT_RCU: &str = "rcu-preempt";

impl Experiment for C7 {
    fn id(&self) -> &'static str {
        "C7"
    }

    fn claim(&self) -> &'static str {
        "As the alternatives have side effects, I would prefer to see any proposed conversion on top of the fix with review determining if there is any unnecessary additional serialisation"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        ALL.iter()
            .flat_map(|g| [spec(plan, g.name, 1), spec(plan, g.name, plan.cpus)])
            .collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let n = plan.cpus;
        let (none_1, none_n) = (
            cells.of(&spec(plan, "none", 1)),
            cells.of(&spec(plan, "none", n)),
        );
        // Per guard: the serialisation figure, and its ratio to none's,
        // paired: in round r, (g_n / none_n) / (g_1 / none_1), each
        // quotient of cells measured side by side.
        let mut figures: Vec<(&str, f64, Option<Paired>)> = ALL
            .iter()
            .map(|g| {
                let (one, many) = (
                    cells.of(&spec(plan, g.name, 1)),
                    cells.of(&spec(plan, g.name, n)),
                );
                let figure = ratio(many.allocs_per_sec(), n as f64 * one.allocs_per_sec());
                let (at_n, at_1) = (
                    rate_per_round(&many, &none_n),
                    rate_per_round(&one, &none_1),
                );
                let rel: Vec<f64> = at_n
                    .rounds
                    .iter()
                    .zip(&at_n.ratios)
                    .filter_map(|(r, x)| {
                        let i = at_1.rounds.iter().position(|s| s == r)?;
                        Some(x / at_1.ratios[i])
                    })
                    .collect();
                (g.name, figure, Paired::of_ratios(&rel))
            })
            .collect();
        let ceiling = figures
            .iter()
            .find(|(g, ..)| *g == "none")
            .map_or(0.0, |f| f.1);
        figures.sort_by(|a, b| b.1.total_cmp(&a.1));
        let ranked: Vec<String> = figures
            .iter()
            .map(|(g, f, _)| format!("{g} {f:.2}"))
            .collect();
        let of = |g: &str| figures.iter().find(|f| f.0 == g).and_then(|f| f.2);
        let flagged: Vec<&str> = figures
            .iter()
            .filter(|(g, _, p)| *g != "none" && side(p.as_ref(), FLAG, CLEAR) == Side::Below)
            .map(|(g, ..)| *g)
            .collect();
        let from_thread: Vec<&str> = flagged
            .iter()
            .copied()
            .filter(|g| THREAD.contains(g))
            .collect();
        let clear = THREAD
            .iter()
            .all(|g| side(of(g).as_ref(), FLAG, CLEAR) == Side::Above);
        let mut numbers = vec![
            format!("throughput({n} readers) / ({n} x throughput(1 reader)), every-alloc, rebuild writer 1 kHz, ranked:"),
            ranked.join(", "),
        ];
        // The machine's own ceiling, per reader: what N threads of private
        // work reach over one, divided by N like the figures.
        if let Some(top) = plan.ceiling.filter(|t| *t > 0.0) {
            let per = top / n as f64;
            let of_ceiling: Vec<String> = figures
                .iter()
                .map(|(g, f, _)| format!("{g} {:.2}", f / per))
                .collect();
            numbers.push(format!(
                "machine ceiling {per:.2} ({n} threads of private work reach {top:.2}x one); as fractions of it: {}",
                of_ceiling.join(", ")
            ));
        }
        numbers.extend([format!(
            "flagged (wholly below {FLAG}x none's {ceiling:.2}): {}",
            if flagged.is_empty() {
                "none".to_string()
            } else {
                flagged.join(", ")
            }
        )]);
        for g in THREAD {
            numbers.push(format!("{g} against none: {}", describe(of(g).as_ref())));
        }
        numbers.push(format!(
            "{PREEMPT_RCU} (CONFIG_PREEMPT_RCU's read side, reported only) against none: {}",
            describe(of(PREEMPT_RCU).as_ref())
        ));
        numbers.push(format!(
            "{ARC_SWAP_RCU} (arc-swap: not the kernel's RCU, reported only) against none: {}",
            describe(of(ARC_SWAP_RCU).as_ref())
        ));
        let verdict = if n < 2 {
            Verdict::NotSettled("one CPU: readers cannot serialise each other".into())
        } else if ceiling <= 0.0 {
            Verdict::NotSettled("cells missing".into())
        } else if !from_thread.is_empty() {
            Verdict::Supported
        } else if clear {
            Verdict::Refuted
        } else {
            Verdict::NotSettled(format!(
                "no alternative's figure lies wholly below {FLAG}x none's, but not all lie wholly above {CLEAR}x"
            ))
        };
        let rule = format!(
            "by the 95% intervals of each figure's paired ratio to none's: supported if one of the thread's alternatives ({}) lies wholly below {FLAG}x; refuted if all lie wholly above {CLEAR}x; otherwise not settled",
            THREAD.join(", ")
        );
        self.finding(numbers, verdict, rule)
    }
}

/// A figure against none's: serialised below the first, clear above the
/// second.
const FLAG: f64 = 0.8;
const CLEAR: f64 = 0.85;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(cpus: usize, excl_figure: f64) -> Verdict {
        let p = plan(cpus);
        let mut all = Vec::new();
        for g in ALL {
            let fig = if g.name == "seqlock-excl" {
                excl_figure
            } else {
                0.9
            };
            all.extend(cells(&spec(&p, g.name, 1), 4, 1e7, |_| {}));
            if cpus > 1 {
                all.extend(cells(
                    &spec(&p, g.name, cpus),
                    4,
                    1e7 * cpus as f64 * fig,
                    |_| {},
                ));
            }
        }
        C7.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(2, 0.3), Verdict::Supported);
        assert_eq!(run(2, 0.85), Verdict::Refuted);
        // 0.74 / 0.9 = 0.82x none's: between the thresholds.
        assert!(matches!(run(2, 0.74), Verdict::NotSettled(_)));
        assert!(matches!(run(1, 0.3), Verdict::NotSettled(_)));
    }
}
