//! C3, "read_seqlock_excl acts like a spinlock blocking out other readers
//! and writers ... it's basically a global memory allocator lock".
//! `seqlock-excl` against `seqcount` at every-alloc scope (the lock taken
//! on every allocation, as a read-side conversion would) with 1..=CPUs
//! readers and a 1 kHz rebuild writer: throughput as readers grow, and how
//! long the writer waits for the lock behind the readers.

use super::{per_sec, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C3;

fn spec(plan: &Plan, guard: &str, readers: usize) -> CellSpec {
    plan.cell(guard, Scope::EveryAlloc, readers, WriterMode::Rebuild)
}

impl Experiment for C3 {
    fn id(&self) -> &'static str {
        "C3"
    }

    fn claim(&self) -> &'static str {
        "read_seqlock_excl acts like a spinlock blocking out other readers and writers ... it's basically a global memory allocator lock"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        (1..=plan.cpus.max(1))
            .flat_map(|r| [spec(plan, "seqcount", r), spec(plan, "seqlock-excl", r)])
            .collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let mut numbers = Vec::new();
        for r in 1..=plan.cpus.max(1) {
            let (c, x) = (
                cells.of(&spec(plan, "seqcount", r)),
                cells.of(&spec(plan, "seqlock-excl", r)),
            );
            numbers.push(format!(
                "{r} readers: seqlock-excl {} vs seqcount {} ({:.0}%); writer lock wait p99 {} vs {} ns",
                per_sec(x.allocs_per_sec()),
                per_sec(c.allocs_per_sec()),
                ratio(x.allocs_per_sec(), c.allocs_per_sec()) * 100.0,
                x.max(|c| c.writer.lock_wait_ns.p99),
                c.max(|c| c.writer.lock_wait_ns.p99),
            ));
        }
        let n = plan.cpus;
        let (c, x) = (
            cells.of(&spec(plan, "seqcount", n)),
            cells.of(&spec(plan, "seqlock-excl", n)),
        );
        let share = ratio(x.allocs_per_sec(), c.allocs_per_sec());
        let verdict = if n < 2 {
            Verdict::NotSettled("one CPU: readers cannot block each other".into())
        } else if c.is_empty() || x.is_empty() {
            Verdict::NotSettled("cells missing".into())
        } else if share < 0.6 {
            Verdict::Supported
        } else if share >= 0.9 {
            Verdict::Refuted
        } else {
            Verdict::NotSettled(format!(
                "excl keeps {:.0}% of seqcount's throughput: slower, but not a global lock's collapse",
                share * 100.0
            ))
        };
        let rule = format!(
            "supported if excl throughput with {n} readers is below 60% of seqcount's ({:.0}%); refuted at 90% or more",
            share * 100.0
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(cpus: usize, excl_share: f64) -> Verdict {
        let p = plan(cpus);
        let mut all = Vec::new();
        for r in 1..=cpus {
            all.extend(cells(&spec(&p, "seqcount", r), 2, 10e6 * r as f64, |_| {}));
            all.extend(cells(
                &spec(&p, "seqlock-excl", r),
                2,
                10e6 * r as f64 * excl_share,
                |_| {},
            ));
        }
        C3.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(2, 0.4), Verdict::Supported);
        assert_eq!(run(2, 0.95), Verdict::Refuted);
        assert!(matches!(run(2, 0.75), Verdict::NotSettled(_)));
        assert!(matches!(run(1, 0.4), Verdict::NotSettled(_)));
    }
}
