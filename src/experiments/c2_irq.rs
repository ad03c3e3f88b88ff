//! C2, "As the read-side can be called from hardirq or softirq context, the
//! write-side needs to disable irqs ... That is relatively minor as the
//! write side is rare". Every guard with the interrupt model
//! (`crate::workload::irq`): one interrupt per rebuild, inside the write
//! section, on the writer's CPU, whose handler allocates. A writer that
//! does not mask interrupts and a read side that waits on it deadlock (the
//! 2023 bug fixed by commit 1007843a9190: detected, bounded, reported);
//! a masking writer defers the interrupt to the end of its section, and
//! that delay is the cost; `latch` readers take the other copy and need no
//! masking. A rebuild writer at 25 Hz (each deadlock holds the writer for
//! the bound), one reader, slowpath scope; 0.4 s a round (10 interrupts),
//! 0.2 s under `--quick` (5: the verdict needs a count, not a ratio).

use super::{Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::guard::ALL;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C2;

fn spec(plan: &Plan, guard: &str) -> CellSpec {
    CellSpec {
        irq: true,
        writer_rate_hz: 25.0,
        duration_s: plan.duration_s.max(if plan.quick { 0.2 } else { 0.4 }),
        ..plan.cell(guard, Scope::Slowpath, 1, WriterMode::Rebuild)
    }
}

/// What a masking writer may add to an interrupt's latency and still be
/// "relatively minor": one 1000 Hz tick.
const MINOR_NS: u64 = 1_000_000;

impl Experiment for C2 {
    fn id(&self) -> &'static str {
        "C2"
    }

    fn claim(&self) -> &'static str {
        "As the read-side can be called from hardirq or softirq context, the write-side needs to disable irqs ... That is relatively minor as the write side is rare"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        ALL.iter().map(|g| spec(plan, g.name)).collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let mut deadlocked = Vec::new();
        let mut deferred = Vec::new();
        let mut inline = Vec::new();
        let mut unbounded = Vec::new();
        let mut irqs = 0;
        for g in ALL {
            let grp = cells.of(&spec(plan, g.name));
            let i = |f: fn(&crate::workload::irq::IrqStats) -> u64| grp.sum(|c| f(&c.writer.irq));
            irqs += i(|s| s.irqs);
            if i(|s| s.irq_deadlocks) > 0 {
                deadlocked.push(format!(
                    "{} ({} of {}, longest wait {:.1} ms)",
                    g.name,
                    i(|s| s.irq_deadlocks),
                    i(|s| s.irqs),
                    grp.max(|c| c.writer.irq.irq_deadlock_ns.max) as f64 / 1e6
                ));
            } else if i(|s| s.irq_deferred) > 0 {
                deferred.push(format!(
                    "{} (p99 {} ns, max {} ns)",
                    g.name,
                    grp.max(|c| c.writer.irq.irq_delay_ns.p99),
                    grp.max(|c| c.writer.irq.irq_delay_ns.max)
                ));
            } else if i(|s| s.irq_unbounded) > 0 {
                unbounded.push(g.name);
            } else if i(|s| s.irq_inline) > 0 {
                inline.push(g.name);
            }
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let numbers = vec![
            format!(
                "deadlocked (handler waited on its own writer, abandoned after the bound): {}",
                list(&deadlocked)
            ),
            format!(
                "masked, interrupt deferred to the section's end: {}",
                list(&deferred)
            ),
            format!(
                "ran inline without waiting: {}",
                list(&inline.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            ),
            format!(
                "not run (a read loop the model cannot bound): {}",
                list(&unbounded.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            ),
        ];
        let grp = |g: &str| cells.of(&spec(plan, g));
        let (count, lock, latch) = (grp("seqcount"), grp("seqlock"), grp("latch"));
        let count_deadlocks = count.sum(|c| c.writer.irq.irq_deadlocks);
        let lock_deadlocks = lock.sum(|c| c.writer.irq.irq_deadlocks);
        let lock_delay = lock.max(|c| c.writer.irq.irq_delay_ns.max);
        let latch_deadlocks = latch.sum(|c| c.writer.irq.irq_deadlocks);
        let verdict = if irqs == 0 {
            Verdict::NotSettled("no interrupt was delivered (no rebuild ran)".into())
        } else if count_deadlocks == 0 || lock_deadlocks > 0 || lock_delay >= MINOR_NS {
            Verdict::Refuted
        } else {
            Verdict::Supported
        };
        let rule = format!(
            "supported if unmasked seqcount deadlocks ({count_deadlocks}) while masked seqlock does not ({lock_deadlocks}) and defers its interrupt by under 1 ms, one tick ({lock_delay} ns at most); latch deadlocked {latch_deadlocks} times without masking"
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(count_deadlocks: u64, lock_deadlocks: u64, lock_delay: u64) -> Verdict {
        let p = plan(2);
        let mut all = Vec::new();
        for g in ALL {
            all.extend(cells(&spec(&p, g.name), 2, 1e6, |c| {
                let irq = &mut c.writer.irq;
                irq.irqs = 10;
                match g.name {
                    "seqcount" => irq.irq_deadlocks = count_deadlocks,
                    "seqlock" => {
                        irq.irq_deadlocks = lock_deadlocks;
                        irq.irq_deferred = 10;
                        irq.irq_delay_ns.max = lock_delay;
                    }
                    _ => irq.irq_inline = 10,
                }
            }));
        }
        C2.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(10, 0, 5_000), Verdict::Supported);
        assert_eq!(run(0, 0, 5_000), Verdict::Refuted);
        assert_eq!(run(10, 3, 5_000), Verdict::Refuted);
        assert_eq!(run(10, 0, 5_000_000), Verdict::Refuted);
        let p = plan(2);
        assert!(matches!(
            C2.judge(&Cells(&[]), &p).verdict,
            Verdict::NotSettled(_)
        ));
    }
}
