//! C5, RCU: "even if the zonelist itself is valid after an RCU update, the
//! zones listed are not necessarily useful any more". Two flavours of RCU:
//! `rcu-qsbr`, the kernel's read side without preemption (empty), which
//! the verdict rests on, and `rcu` (arc-swap, the seed's userspace
//! stand-in), reported beside it (readers of either walk a published copy
//! and never look again; so do `rcu-preempt`'s, CONFIG_PREEMPT_RCU's read
//! side, which walks the same snapshots and is left out here);
//! `rcu-qsbr-recheck` (a generation check before failing: the cost of
//! making it correct) and `seqcount` under the C0 hotplug load: false OOMs
//! and visits to zones that had already left the zonelists. Then the
//! writer's publish cost as readers grow: arc-swap's store walks every
//! reader's debt slots; the kernel flavour's is an exchange, a fence and a
//! scan of the per-CPU quiescent-state counters (no interrupt:
//! `kfree_rcu()`; the `rcu_expedited` option adds a process-wide barrier).

use super::c0_race::C0;
use super::{per_sec, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C5;

const RACE_GUARDS: [&str; 4] = ["rcu-qsbr", "rcu-qsbr-recheck", "seqcount", "rcu"];

/// The RCU flavours whose publish cost is shown.
const FLAVOURS: [&str; 2] = ["rcu-qsbr", "rcu"];

fn race(plan: &Plan, guard: &str) -> CellSpec {
    CellSpec {
        guard: guard.to_string(),
        ..C0::race_spec(plan)
    }
}

fn publish(plan: &Plan, guard: &str, readers: usize) -> CellSpec {
    plan.cell(guard, Scope::EveryAlloc, readers, WriterMode::Rebuild)
}

fn reader_counts(plan: &Plan) -> Vec<usize> {
    let mut v = vec![1, plan.cpus, 2 * plan.cpus];
    v.dedup();
    v
}

impl Experiment for C5 {
    fn id(&self) -> &'static str {
        "C5"
    }

    fn claim(&self) -> &'static str {
        "RCU protection would be a potential, if somewhat complicated option, as even if the zonelist itself is valid after an RCU update, the zones listed are not necessarily useful any more"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        let mut v: Vec<CellSpec> = RACE_GUARDS.iter().map(|g| race(plan, g)).collect();
        for g in FLAVOURS {
            v.extend(reader_counts(plan).into_iter().map(|r| publish(plan, g, r)));
        }
        v
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let stats: Vec<(u64, f64, f64)> = RACE_GUARDS
            .iter()
            .map(|g| {
                let grp = cells.of(&race(plan, g));
                let stale = grp.sum(|c| c.stats.stale_zone_visits) as f64 * 1e6;
                (
                    grp.sum(|c| c.stats.false_ooms),
                    ratio(stale, grp.sum(|c| c.stats.sections) as f64),
                    grp.allocs_per_sec(),
                )
            })
            .collect();
        let mut numbers: Vec<String> = RACE_GUARDS
            .iter()
            .zip(&stats)
            .map(|(g, (ooms, stale, rate))| {
                format!(
                    "hotplug: {g} {ooms} false OOMs, {stale:.1} stale zone visits per million sections, {}",
                    per_sec(*rate)
                )
            })
            .collect();
        numbers.push(format!(
            "making it correct: rcu-qsbr-recheck runs at {:.0}% of rcu-qsbr's throughput",
            ratio(stats[1].2, stats[0].2) * 100.0
        ));
        for g in FLAVOURS {
            let publish: Vec<String> = reader_counts(plan)
                .into_iter()
                .map(|r| {
                    let c = cells.of(&publish(plan, g, r));
                    format!("{r} readers {:.0} ns", c.mean(|c| c.writer.publish_ns.mean))
                })
                .collect();
            numbers.push(format!("{g} publish per rebuild: {}", publish.join(", ")));
        }
        numbers.push(
            "the verdict rests on rcu-qsbr, the kernel's RCU read side without preemption; rcu (arc-swap) and rcu-preempt (CONFIG_PREEMPT_RCU) walk the same snapshots".to_string(),
        );
        let (rcu_ooms, rcu_stale) = (stats[0].0, stats[0].1);
        let seq_stale = stats[2].1;
        let verdict = if rcu_ooms > 0 || rcu_stale > 2.0 * seq_stale.max(0.1) {
            Verdict::Supported
        } else if rcu_stale <= seq_stale {
            Verdict::Refuted
        } else {
            Verdict::NotSettled("rcu visited somewhat more stale zones than seqcount, not twice as many, and failed nothing".into())
        };
        let rule = format!(
            "supported if rcu-qsbr fails allocations with memory free ({rcu_ooms}) or visits dropped zones over twice as often as seqcount ({rcu_stale:.1} vs {seq_stale:.1} per million); refuted if neither fails nor visits more than seqcount"
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(rcu_ooms: u64, rcu_stale: u64, seq_stale: u64) -> Verdict {
        let p = plan(2);
        let mut all = Vec::new();
        for (g, ooms, stale) in [
            ("rcu-qsbr", rcu_ooms, rcu_stale),
            ("rcu-qsbr-recheck", 0, rcu_stale),
            ("seqcount", 0, seq_stale),
            ("rcu", rcu_ooms, rcu_stale),
        ] {
            all.extend(cells(&race(&p, g), 2, 1e6, |c| {
                c.stats.false_ooms = ooms;
                c.stats.stale_zone_visits = stale;
                c.stats.sections = 1_000_000;
            }));
        }
        C5.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(3, 10, 10), Verdict::Supported);
        assert_eq!(run(0, 100, 10), Verdict::Supported);
        assert_eq!(run(0, 10, 10), Verdict::Refuted);
        assert!(matches!(run(0, 15, 10), Verdict::NotSettled(_)));
    }
}
