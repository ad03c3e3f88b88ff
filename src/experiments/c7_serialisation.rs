//! C7, "I would prefer to see any proposed conversion on top of the fix
//! with review determining if there is any unnecessary additional
//! serialisation". A serialisation figure per guard: throughput with one
//! reader per CPU over CPUs x the throughput of one reader (1.0: readers
//! never slow each other), at every-alloc scope under a 1 kHz rebuild
//! writer, ranked. `none` has no read side at all: its figure is what the
//! model and the machine allow, and a guard is flagged when it falls below
//! 80% of it.

use super::{ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::guard::ALL;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C7;

fn spec(plan: &Plan, guard: &str, readers: usize) -> CellSpec {
    plan.cell(guard, Scope::EveryAlloc, readers, WriterMode::Rebuild)
}

/// The alternatives the thread discussed (beside the fix itself).
const THREAD: [&str; 5] = [
    "seqlock",
    "seqlock-excl",
    "seqbegin-or-lock",
    "seqcount-spinlock",
    "rcu",
];

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
        let mut figures: Vec<(&str, f64)> = ALL
            .iter()
            .map(|g| {
                let one = cells.of(&spec(plan, g.name, 1)).allocs_per_sec();
                let many = cells.of(&spec(plan, g.name, n)).allocs_per_sec();
                (g.name, ratio(many, n as f64 * one))
            })
            .collect();
        let ceiling = figures
            .iter()
            .find(|(g, _)| *g == "none")
            .map_or(0.0, |f| f.1);
        figures.sort_by(|a, b| b.1.total_cmp(&a.1));
        let ranked: Vec<String> = figures.iter().map(|(g, f)| format!("{g} {f:.2}")).collect();
        let flagged: Vec<&str> = figures
            .iter()
            .filter(|(g, f)| *g != "none" && *f < 0.8 * ceiling)
            .map(|(g, _)| *g)
            .collect();
        let from_thread: Vec<&str> = flagged
            .iter()
            .copied()
            .filter(|g| THREAD.contains(g))
            .collect();
        let numbers = vec![
            format!("throughput({n} readers) / ({n} x throughput(1 reader)), every-alloc, rebuild writer 1 kHz, ranked:"),
            ranked.join(", "),
            format!(
                "flagged (below 80% of none's {ceiling:.2}): {}",
                if flagged.is_empty() {
                    "none".to_string()
                } else {
                    flagged.join(", ")
                }
            ),
        ];
        let verdict = if n < 2 {
            Verdict::NotSettled("one CPU: readers cannot serialise each other".into())
        } else if ceiling <= 0.0 {
            Verdict::NotSettled("cells missing".into())
        } else if !from_thread.is_empty() {
            Verdict::Supported
        } else {
            Verdict::Refuted
        };
        let rule = format!(
            "supported if one of the thread's alternatives ({}) scales below 80% of the unguarded model's figure; refuted if none does",
            THREAD.join(", ")
        );
        self.finding(numbers, verdict, rule)
    }
}

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
            all.extend(cells(&spec(&p, g.name, 1), 2, 1e7, |_| {}));
            if cpus > 1 {
                all.extend(cells(
                    &spec(&p, g.name, cpus),
                    2,
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
        assert!(matches!(run(1, 0.3), Verdict::NotSettled(_)));
    }
}
