//! C5, RCU: "even if the zonelist itself is valid after an RCU update, the
//! zones listed are not necessarily useful any more". `rcu` (readers walk
//! a published copy and never look again), `rcu-recheck` (the same plus a
//! generation check before failing: the cost of making it correct) and
//! `seqcount` under the C0 hotplug load: false OOMs and visits to zones
//! that had already left the zonelists. Then the writer's publish cost as
//! readers grow: arc-swap's store walks every reader's debt slots.

use super::c0_race::C0;
use super::{per_sec, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C5;

const RACE_GUARDS: [&str; 3] = ["rcu", "rcu-recheck", "seqcount"];

fn race(plan: &Plan, guard: &str) -> CellSpec {
    CellSpec {
        guard: guard.to_string(),
        ..C0::race_spec(plan)
    }
}

fn publish(plan: &Plan, readers: usize) -> CellSpec {
    plan.cell("rcu", Scope::EveryAlloc, readers, WriterMode::Rebuild)
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
        v.extend(reader_counts(plan).into_iter().map(|r| publish(plan, r)));
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
            "making it correct: rcu-recheck runs at {:.0}% of rcu's throughput",
            ratio(stats[1].2, stats[0].2) * 100.0
        ));
        let publish: Vec<String> = reader_counts(plan)
            .into_iter()
            .map(|r| {
                let g = cells.of(&publish(plan, r));
                format!("{r} readers {:.0} ns", g.mean(|c| c.writer.publish_ns.mean))
            })
            .collect();
        numbers.push(format!(
            "rcu publish (swap + reclaim) per rebuild: {}",
            publish.join(", ")
        ));
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
            "supported if rcu fails allocations with memory free ({rcu_ooms}) or visits dropped zones over twice as often as seqcount ({rcu_stale:.1} vs {seq_stale:.1} per million); refuted if neither fails nor visits more than seqcount"
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
            ("rcu", rcu_ooms, rcu_stale),
            ("rcu-recheck", 0, rcu_stale),
            ("seqcount", 0, seq_stale),
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
