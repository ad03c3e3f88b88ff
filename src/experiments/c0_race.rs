//! C0, the race itself: allocations failing with memory free while hotplug
//! rebuilds the zonelists, before the fix (`none`) and with the fix
//! (`seqcount`, the thread's v1; `seqlock`, what upstream merged). Hotplug
//! of the movable zone at 2 kHz under high memory pressure (the race needs
//! allocations in the slowpath), one reader per CPU, cells five times the
//! plan's and at least 0.75 s (the race is rare: tens per second on 2
//! CPUs).

use super::{Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::workload::spec::{CellSpec, Pressure, WriterMode};

pub(crate) struct C0;

const GUARDS: [&str; 3] = ["none", "seqcount", "seqlock"];

impl C0 {
    /// The race load for `seqcount` (C5 runs other guards under it).
    pub(crate) fn race_spec(plan: &Plan) -> CellSpec {
        CellSpec {
            writer_rate_hz: 2000.0,
            pressure: Pressure::High,
            duration_s: (plan.duration_s * 5.0).max(0.75),
            ..plan.cell("seqcount", Scope::Slowpath, plan.cpus, WriterMode::Hotplug)
        }
    }

    fn spec(plan: &Plan, guard: &str) -> CellSpec {
        CellSpec {
            guard: guard.to_string(),
            ..C0::race_spec(plan)
        }
    }
}

impl Experiment for C0 {
    fn id(&self) -> &'static str {
        "C0"
    }

    fn claim(&self) -> &'static str {
        "Race condition in build_all_zonelists() when offlining movable zone (an allocation OOMs with memory free); a sequence count around the rebuild fixes it"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        GUARDS.iter().map(|g| C0::spec(plan, g)).collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        // False OOMs per million slowpath entries, per guard.
        let per_million: Vec<(&str, u64, f64)> = GUARDS
            .iter()
            .map(|g| {
                let grp = cells.of(&C0::spec(plan, g));
                let ooms = grp.sum(|c| c.stats.false_ooms);
                let entries = grp.sum(|c| c.stats.slowpath_entries);
                let pm = if entries == 0 {
                    0.0
                } else {
                    ooms as f64 * 1e6 / entries as f64
                };
                (*g, ooms, pm)
            })
            .collect();
        let numbers = per_million
            .iter()
            .map(|(g, n, pm)| format!("{g}: {n} false OOMs, {pm:.2} per million slowpath entries"))
            .collect();
        let (unfixed, fixed) = (per_million[0].1, &per_million[1..]);
        let fixed_fail: Vec<&str> = fixed.iter().filter(|f| f.1 > 0).map(|f| f.0).collect();
        let verdict = if !fixed_fail.is_empty() {
            Verdict::Refuted
        } else if unfixed == 0 {
            Verdict::NotSettled(
                "the race did not occur in this run (no false OOM without a guard either); run longer or without --quick".into(),
            )
        } else {
            Verdict::Supported
        };
        let rule = format!(
            "supported if none has false OOMs and seqcount and seqlock have none (none {unfixed}{}); refuted if a fixed guard has any",
            if fixed_fail.is_empty() {
                ", fixed guards 0".to_string()
            } else {
                format!(", {} did", fixed_fail.join(" and "))
            }
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(ooms: [u64; 3]) -> Verdict {
        let p = plan(2);
        let all: Vec<_> = GUARDS
            .iter()
            .zip(ooms)
            .flat_map(|(g, n)| {
                cells(&C0::spec(&p, g), 2, 1e6, |c| {
                    c.stats.false_ooms = n;
                    c.stats.slowpath_entries = 1_000_000;
                })
            })
            .collect();
        C0.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run([5, 0, 0]), Verdict::Supported);
        assert_eq!(run([5, 1, 0]), Verdict::Refuted);
        assert_eq!(run([0, 0, 2]), Verdict::Refuted);
        assert!(matches!(run([0, 0, 0]), Verdict::NotSettled(_)));
    }
}
