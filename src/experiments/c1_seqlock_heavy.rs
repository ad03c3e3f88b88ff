//! C1, "it's a relatively heavy lock compared to the counter and the read
//! side" (Mel Gorman on replacing the static spinlock + seqcount_t with a
//! seqlock_t; upstream later chose seqlock_t all the same). Both guards at
//! every-alloc scope (the read side on every allocation, where weight would
//! show) with one reader per CPU and a 1 kHz rebuild writer: the readers'
//! throughput, and the writer's lock wait + critical section per rebuild.

use super::{per_sec, rates_differ, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::results::repeats::Repeats;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C1;

fn spec(plan: &Plan, guard: &str) -> CellSpec {
    plan.cell(guard, Scope::EveryAlloc, plan.cpus, WriterMode::Rebuild)
}

impl Experiment for C1 {
    fn id(&self) -> &'static str {
        "C1"
    }

    fn claim(&self) -> &'static str {
        "seqlock_t: I do not think so because it's a relatively heavy lock compared to the counter and the read side"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        vec![spec(plan, "seqcount"), spec(plan, "seqlock")]
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let (count, lock) = (
            cells.of(&spec(plan, "seqcount")),
            cells.of(&spec(plan, "seqlock")),
        );
        let write =
            |g: &Repeats<'_>| g.mean(|c| c.writer.lock_wait_ns.mean + c.writer.critical_ns.mean);
        let read = ratio(lock.allocs_per_sec(), count.allocs_per_sec());
        let differ = rates_differ(&lock, &count);
        let wr = ratio(write(&lock), write(&count));
        let numbers = vec![
            format!(
                "read side, {} readers at every-alloc scope: seqlock {} vs seqcount {} ({:.0}%{})",
                plan.cpus,
                per_sec(lock.allocs_per_sec()),
                per_sec(count.allocs_per_sec()),
                read * 100.0,
                if differ { ", significant" } else { ", within noise" }
            ),
            format!(
                "write side, lock wait + critical section per rebuild: seqlock {:.0} ns vs seqcount {:.0} ns ({wr:.2}x)",
                write(&lock),
                write(&count)
            ),
            "upstream merged seqlock_t (write_seqlock_irqsave) in the end".to_string(),
        ];
        let heavy_read = differ && read < 0.9;
        let light_read = read >= 0.95;
        let verdict = if count.is_empty() || lock.is_empty() {
            Verdict::NotSettled("cells missing".into())
        } else if heavy_read || wr > 1.5 {
            Verdict::Supported
        } else if light_read && wr <= 1.5 {
            Verdict::Refuted
        } else {
            Verdict::NotSettled(
                "seqlock's readers are over 5% slower, but not significantly below 90%: this machine's noise does not settle it".into(),
            )
        };
        let rule = format!(
            "supported if seqlock's readers are significantly below 90% of seqcount's ({:.0}%) or its writer takes over 1.5x as long ({wr:.2}x); refuted if the readers are within 5% (or faster) and the writer within 1.5x",
            read * 100.0
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(lock_rate: f64, lock_write_ns: f64) -> Verdict {
        let p = plan(2);
        let mut all = cells(&spec(&p, "seqcount"), 3, 10e6, |c| {
            c.writer.critical_ns.mean = 100.0
        });
        all.extend(cells(&spec(&p, "seqlock"), 3, lock_rate, |c| {
            c.writer.critical_ns.mean = lock_write_ns
        }));
        C1.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(7e6, 100.0), Verdict::Supported);
        assert_eq!(run(10e6, 400.0), Verdict::Supported);
        assert_eq!(run(9.9e6, 120.0), Verdict::Refuted);
        assert!(matches!(run(9.3e6, 100.0), Verdict::NotSettled(_)));
    }
}
