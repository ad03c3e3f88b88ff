//! C6, "There is no real advantage to using seqcount_spinlock_t either as
//! the associated lock would be a global lock". Without PREEMPT_RT the type
//! only adds lockdep's association, so `seqcount-spinlock` should equal
//! `seqcount`. With `--rt` its readers block on the writer's lock instead
//! of spinning on the odd count; that pays only where a writer can be
//! preempted inside its section: readers oversubscribed (2 per CPU) and a
//! writer holding the section 200 us per rebuild. Measured: throughput and
//! the readers' time waiting in the guard (spinning burns that CPU time;
//! blocking gives it to another reader).

use super::{per_sec, rates_differ, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::results::repeats::Repeats;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C6;

fn plain(plan: &Plan, guard: &str) -> CellSpec {
    plan.cell(guard, Scope::EveryAlloc, plan.cpus, WriterMode::Rebuild)
}

fn rt(plan: &Plan, guard: &str) -> CellSpec {
    CellSpec {
        rt: true,
        writer_hold_us: 200.0,
        ..plan.cell(guard, Scope::EveryAlloc, 2 * plan.cpus, WriterMode::Rebuild)
    }
}

impl Experiment for C6 {
    fn id(&self) -> &'static str {
        "C6"
    }

    fn claim(&self) -> &'static str {
        "There is no real advantage to using seqcount_spinlock_t either as the associated lock would be a global lock"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        ["seqcount", "seqcount-spinlock"]
            .iter()
            .flat_map(|g| [plain(plan, g), rt(plan, g)])
            .collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let (c, s) = (
            cells.of(&plain(plan, "seqcount")),
            cells.of(&plain(plan, "seqcount-spinlock")),
        );
        let (rc, rs) = (
            cells.of(&rt(plan, "seqcount")),
            cells.of(&rt(plan, "seqcount-spinlock")),
        );
        let share = ratio(s.allocs_per_sec(), c.allocs_per_sec());
        let rt_share = ratio(rs.allocs_per_sec(), rc.allocs_per_sec());
        let stall_per_s = |g: &Repeats<'_>| {
            g.mean(|c| c.reader_stall_ns.total as f64 / c.measured_s.max(1e-9) / 1e6)
        };
        let numbers = vec![
            format!(
                "without --rt, {} readers: seqcount-spinlock {} vs seqcount {} ({:.0}%)",
                plan.cpus,
                per_sec(s.allocs_per_sec()),
                per_sec(c.allocs_per_sec()),
                share * 100.0
            ),
            format!(
                "--rt, {} readers, writer holds 200 us: seqcount-spinlock {} vs seqcount {} ({:.0}%)",
                2 * plan.cpus,
                per_sec(rs.allocs_per_sec()),
                per_sec(rc.allocs_per_sec()),
                rt_share * 100.0
            ),
            format!(
                "--rt, readers' wait in the guard: seqcount-spinlock {:.1} ms/s (blocked) vs seqcount {:.1} ms/s (spinning)",
                stall_per_s(&rs),
                stall_per_s(&rc)
            ),
        ];
        let plain_better = rates_differ(&s, &c) && share > 1.05;
        let rt_better = rates_differ(&rs, &rc) && rt_share > 1.1;
        let verdict = if plain_better || rt_better {
            Verdict::Refuted
        } else if share <= 1.05 {
            Verdict::Supported
        } else {
            Verdict::NotSettled(
                "without --rt seqcount-spinlock is over 5% faster, not significantly: this machine's noise does not settle it".into(),
            )
        };
        let rule = format!(
            "refuted if seqcount-spinlock is significantly faster: by 5% without --rt ({:.0}%) or by 10% with --rt, oversubscribed, a held writer ({:.0}%); supported if without --rt seqcount-spinlock is at most 5% faster (or slower) and not significantly faster with --rt",
            share * 100.0,
            rt_share * 100.0
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(plain_share: f64, rt_share: f64) -> Verdict {
        let p = plan(2);
        let mut all = cells(&plain(&p, "seqcount"), 3, 1e7, |_| {});
        all.extend(cells(
            &plain(&p, "seqcount-spinlock"),
            3,
            1e7 * plain_share,
            |_| {},
        ));
        all.extend(cells(&rt(&p, "seqcount"), 3, 1e6, |_| {}));
        all.extend(cells(
            &rt(&p, "seqcount-spinlock"),
            3,
            1e6 * rt_share,
            |_| {},
        ));
        C6.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(1.0, 1.0), Verdict::Supported);
        assert_eq!(run(1.0, 1.5), Verdict::Refuted);
        assert_eq!(run(1.2, 1.0), Verdict::Refuted);
        assert_eq!(run(0.8, 1.0), Verdict::Supported);
        // Faster on average, but the repeats scatter: not significant.
        let p = plan(2);
        let mut all = cells(&plain(&p, "seqcount"), 3, 1e7, |_| {});
        let mut scattered = cells(&plain(&p, "seqcount-spinlock"), 3, 1e7, |_| {});
        for (c, rate) in scattered.iter_mut().zip([1.5e7, 0.8e7, 1.5e7]) {
            c.allocs_per_sec = rate;
        }
        all.extend(scattered);
        all.extend(cells(&rt(&p, "seqcount"), 3, 1e6, |_| {}));
        all.extend(cells(&rt(&p, "seqcount-spinlock"), 3, 1e6, |_| {}));
        assert!(matches!(
            C6.judge(&Cells(&all), &p).verdict,
            Verdict::NotSettled(_)
        ));
    }
}
