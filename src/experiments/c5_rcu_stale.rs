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

use super::band::{describe, paired, side, Side};
use super::c0_race::C0;
use super::{per_sec, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::results::repeats::Repeats;
use crate::results::CellResult;
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
        let groups: Vec<Repeats<'_>> = RACE_GUARDS
            .iter()
            .map(|g| cells.of(&race(plan, g)))
            .collect();
        let mut numbers: Vec<String> = RACE_GUARDS
            .iter()
            .zip(&groups)
            .map(|(g, grp)| {
                format!(
                    "hotplug: {g} {} false OOMs, {:.3} stale zone visits per zonelist rebuild, {}",
                    grp.sum(|c| c.stats.false_ooms),
                    ratio(
                        grp.sum(|c| c.stats.stale_zone_visits) as f64,
                        grp.sum(|c| c.writer.rebuilds) as f64
                    ),
                    per_sec(grp.allocs_per_sec())
                )
            })
            .collect();
        numbers.push(format!(
            "making it correct: rcu-qsbr-recheck runs at {:.0}% of rcu-qsbr's throughput",
            ratio(groups[1].allocs_per_sec(), groups[0].allocs_per_sec()) * 100.0
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
        let rcu_ooms = groups[0].sum(|c| c.stats.false_ooms);
        let more = paired(&groups[0], &groups[2], stale_per_rebuild);
        let verdict = if rcu_ooms > 0 {
            Verdict::Supported
        } else {
            match side(more.as_ref(), FEWER, MORE) {
                Side::Above => Verdict::Supported,
                Side::Below => Verdict::Refuted,
                Side::Between => Verdict::NotSettled(format!(
                    "rcu-qsbr's stale visits per rebuild over seqcount's, {}, lie neither wholly above {MORE} nor wholly below {FEWER}, and it failed nothing",
                    describe(more.as_ref())
                )),
            }
        };
        let rule = format!(
            "supported if rcu-qsbr fails allocations with memory free ({rcu_ooms}), or if its walks visit dropped zones more often than seqcount's per zonelist rebuild, round by round: the 95% interval of the ratio ({}) wholly above {MORE}; refuted if wholly below {FEWER} and nothing failed; otherwise not settled",
            describe(more.as_ref())
        );
        self.finding(numbers, verdict, rule)
    }
}

/// Visits to zones that had left the zonelists, per zonelist rebuild (per
/// offline or online: how many walks one change of the zonelists misled).
/// Per rebuild, not per section: under `--kernel 6.1` an allocation caught
/// in the endless reclaim retry makes millions of sections in some rounds
/// and none in others, which made the per-section rate of the guard it
/// struck swing by 10x between rounds and the verdict with it. Half a
/// visit is added to every round's count (the usual continuity
/// correction), so a round without one keeps a finite ratio.
fn stale_per_rebuild(c: &CellResult) -> f64 {
    (c.stats.stale_zone_visits as f64 + 0.5) / c.writer.rebuilds.max(1) as f64
}

/// rcu-qsbr's stale visits per rebuild over seqcount's: refuted wholly
/// below `FEWER` (no more than the fix's own), supported wholly above
/// `MORE` (a tenth more: the snapshot outliving the change).
const FEWER: f64 = 1.0;
const MORE: f64 = 1.1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    /// Six rounds of 100 rebuilds each; `rcu_stale` and `seq_stale` are
    /// per round, jittered by a visit or two so the interval has a width.
    fn run(rcu_ooms: u64, rcu_stale: u64, seq_stale: u64) -> Verdict {
        let p = plan(2);
        let mut all = Vec::new();
        for (g, ooms, stale) in [
            ("rcu-qsbr", rcu_ooms, rcu_stale),
            ("rcu-qsbr-recheck", 0, rcu_stale),
            ("seqcount", 0, seq_stale),
            ("rcu", rcu_ooms, rcu_stale),
        ] {
            let mut grp = cells(&race(&p, g), 6, 1e6, |c| {
                c.stats.false_ooms = ooms;
                c.writer.rebuilds = 100;
            });
            for (i, c) in grp.iter_mut().enumerate() {
                c.stats.stale_zone_visits = stale + (i as u64 * 7) % 3;
                // Millions of sections in one round, few in another: the
                // per-rebuild rate does not care.
                c.stats.sections = if i % 2 == 0 { 5_000_000 } else { 50_000 };
            }
            all.extend(grp);
        }
        C5.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(3, 100, 100), Verdict::Supported);
        assert_eq!(run(0, 200, 100), Verdict::Supported);
        assert_eq!(run(0, 50, 100), Verdict::Refuted);
        assert!(matches!(run(0, 100, 100), Verdict::NotSettled(_)));
        assert!(matches!(run(0, 105, 100), Verdict::NotSettled(_)));
    }
}
