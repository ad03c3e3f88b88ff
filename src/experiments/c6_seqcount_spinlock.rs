//! C6, "There is no real advantage to using seqcount_spinlock_t either as
//! the associated lock would be a global lock". Without PREEMPT_RT the type
//! only adds lockdep's association, so `seqcount-spinlock` should equal
//! `seqcount`. With `--rt` its readers block on the writer's lock instead
//! of spinning on the odd count; that pays only where a writer can be
//! preempted inside its section: readers oversubscribed (2 per CPU) and a
//! writer holding the section 200 us per rebuild. Measured: throughput and
//! the readers' time waiting in the guard (spinning burns that CPU time;
//! blocking gives it to another reader).

use super::band::{describe, ns_cost, rate_paired, side, Side};
use super::{per_sec, Cells, Experiment, Finding, Plan, Verdict};
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
        let share = rate_paired(&s, &c);
        let rt_share = rate_paired(&rs, &rc);
        let stall_per_s = |g: &Repeats<'_>| {
            g.mean(|c| c.reader_stall_ns.total as f64 / c.measured_s.max(1e-9) / 1e6)
        };
        let numbers = vec![
            format!(
                "without --rt, {} readers: seqcount-spinlock {} vs seqcount {}: {}; {}",
                plan.cpus,
                per_sec(s.allocs_per_sec()),
                per_sec(c.allocs_per_sec()),
                describe(share.as_ref()),
                ns_cost(c.allocs_per_sec(), plan.cpus, share.as_ref())
            ),
            format!(
                "--rt, {} readers, writer holds 200 us: seqcount-spinlock {} vs seqcount {}: {}; {}",
                2 * plan.cpus,
                per_sec(rs.allocs_per_sec()),
                per_sec(rc.allocs_per_sec()),
                describe(rt_share.as_ref()),
                ns_cost(rc.allocs_per_sec(), 2 * plan.cpus, rt_share.as_ref())
            ),
            format!(
                "--rt, readers' wait in the guard: seqcount-spinlock {:.1} ms/s (blocked) vs seqcount {:.1} ms/s (spinning)",
                stall_per_s(&rs),
                stall_per_s(&rc)
            ),
        ];
        let plain = side(share.as_ref(), SAME, FASTER);
        let rt = side(rt_share.as_ref(), RT_SAME, RT_FASTER);
        let verdict = if plain == Side::Above || rt == Side::Above {
            Verdict::Refuted
        } else if plain == Side::Below && rt == Side::Below {
            Verdict::Supported
        } else {
            Verdict::NotSettled(format!(
                "an interval reaches into a dead band or across it: without --rt {}, with --rt {}",
                describe(share.as_ref()),
                describe(rt_share.as_ref())
            ))
        };
        let rule = format!(
            "by the paired ratios' 95% intervals: refuted if seqcount-spinlock is faster wholly beyond {FASTER}x without --rt or {RT_FASTER}x with --rt (oversubscribed, a held writer); supported if it lies wholly below {SAME}x without --rt and {RT_SAME}x with it (no real advantage); otherwise not settled"
        );
        self.finding(numbers, verdict, rule)
    }
}

/// seqcount-spinlock's throughput over seqcount's: no advantage below the
/// first of each pair, a real one above the second.
const SAME: f64 = 1.05;
const FASTER: f64 = 1.1;
const RT_SAME: f64 = 1.05;
const RT_FASTER: f64 = 1.1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan, rounds};

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
        // Faster on average, but the rounds scatter: not settled.
        let p = plan(2);
        let mut all = cells(&plain(&p, "seqcount"), 4, 1e7, |_| {});
        all.extend(rounds(
            &plain(&p, "seqcount-spinlock"),
            &[1.5e7, 0.8e7, 1.5e7, 0.9e7],
        ));
        all.extend(cells(&rt(&p, "seqcount"), 4, 1e6, |_| {}));
        all.extend(cells(&rt(&p, "seqcount-spinlock"), 4, 1e6, |_| {}));
        assert!(matches!(
            C6.judge(&Cells(&all), &p).verdict,
            Verdict::NotSettled(_)
        ));
        // Inside the band, 1.05x-1.1x: neither.
        assert!(matches!(run(1.07, 1.0), Verdict::NotSettled(_)));
    }
}
