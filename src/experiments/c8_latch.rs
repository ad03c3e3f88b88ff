//! C8, beyond the thread: `seqcount_latch_t`. Two copies of the zonelists;
//! the writer updates one while readers use the other, so a reader never
//! waits on an odd count and no interrupt masking is needed (an interrupt
//! on the writer's CPU reads the copy not being written). What it costs is
//! on the write side: every rebuild builds both copies. Measured at
//! every-alloc scope, one reader per CPU, a 1 kHz rebuild writer (the C1
//! cells), against `seqcount`.

use super::band::{ns_cost, rate_paired};
use super::{per_sec, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::results::repeats::Repeats;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C8;

fn spec(plan: &Plan, guard: &str) -> CellSpec {
    plan.cell(guard, Scope::EveryAlloc, plan.cpus, WriterMode::Rebuild)
}

impl Experiment for C8 {
    fn id(&self) -> &'static str {
        "C8"
    }

    fn claim(&self) -> &'static str {
        "(beyond the thread) seqcount_latch_t: readers never spin and need no interrupt masking; its two copies cost the writer"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        vec![spec(plan, "seqcount"), spec(plan, "latch")]
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let (c, l) = (
            cells.of(&spec(plan, "seqcount")),
            cells.of(&spec(plan, "latch")),
        );
        let crit = |g: &Repeats<'_>| g.mean(|c| c.writer.critical_ns.mean);
        let (latch_stall, count_stall) = (
            l.sum(|c| c.reader_stall_ns.total),
            c.sum(|c| c.reader_stall_ns.total),
        );
        let write_cost = ratio(crit(&l), crit(&c));
        let numbers = vec![
            format!(
                "readers' wait in the guard: latch {latch_stall} ns, seqcount {count_stall} ns (all repeats)"
            ),
            format!(
                "writer critical section per rebuild: latch {:.0} ns vs seqcount {:.0} ns ({write_cost:.2}x)",
                crit(&l),
                crit(&c)
            ),
            format!(
                "throughput: latch {} vs seqcount {} ({:.0}%); {}",
                per_sec(l.allocs_per_sec()),
                per_sec(c.allocs_per_sec()),
                ratio(l.allocs_per_sec(), c.allocs_per_sec()) * 100.0,
                ns_cost(
                    c.allocs_per_sec(),
                    plan.cpus,
                    rate_paired(&l, &c).as_ref()
                )
            ),
        ];
        let verdict = if l.is_empty() || c.is_empty() {
            Verdict::NotSettled("cells missing".into())
        } else if latch_stall > 0 {
            Verdict::Refuted
        } else if count_stall == 0 {
            Verdict::NotSettled(
                "seqcount's readers never met an odd count either: the writer was too rare to tell"
                    .into(),
            )
        } else {
            Verdict::Supported
        };
        let rule = format!(
            "supported if latch readers never waited while seqcount's did ({latch_stall} vs {count_stall} ns); refuted if a latch reader waited; the writer's cost ({write_cost:.2}x) is reported, not judged"
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(latch_stall: u64, count_stall: u64) -> Verdict {
        let p = plan(2);
        let mut all = cells(&spec(&p, "seqcount"), 2, 1e7, |c| {
            c.reader_stall_ns.total = count_stall
        });
        all.extend(cells(&spec(&p, "latch"), 2, 1e7, |c| {
            c.reader_stall_ns.total = latch_stall
        }));
        C8.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(0, 500), Verdict::Supported);
        assert_eq!(run(20, 500), Verdict::Refuted);
        assert!(matches!(run(0, 0), Verdict::NotSettled(_)));
    }
}
