//! C10, beyond the thread: the write section on a large machine. Every
//! node's zonelist is ordered by `find_next_best_node`, a scan of every
//! node per pick, so a rebuild costs nodes cubed: about half a millisecond
//! at 64 nodes here and over a second at 1024 (`cargo bench`'s rebuild
//! curve). For the whole of it a `seqcount`/`seqlock` count is odd and
//! every reader that needs the zonelists spins; `latch` readers read the
//! other copy and RCU readers the old list, and never wait (`rcu-qsbr`
//! speaks for the kernel's RCU; `rcu-preempt` would wait no more). Measured at
//! 64 simulated nodes (4 MiB zones each, so the machine is cheap to
//! build), every-alloc scope, one reader per CPU, the rebuild writer at
//! 200 Hz (its section then takes about a tenth of the time): how long
//! readers waited, and how long the longest section took beside the
//! writer's section. The 1024-node window is extrapolated from the
//! measured one by nodes cubed, and labelled so.

use super::{Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::results::repeats::Repeats;
use crate::workload::spec::{CellSpec, WriterMode};

pub(crate) struct C10;

/// Simulated nodes of the measured cells.
const NODES: usize = 64;
/// The largest machine the kernel builds (NODES_SHIFT=10).
const LARGEST: usize = 1024;
/// Rebuilds per second: the section's share of time about a tenth.
const RATE_HZ: f64 = 200.0;
/// The guards: the two that spin, the two that never wait.
const SPIN: [&str; 2] = ["seqcount", "seqlock"];
const NO_WAIT: [&str; 2] = ["latch", "rcu-qsbr"];

fn spec(plan: &Plan, guard: &str) -> CellSpec {
    CellSpec {
        nodes: NODES,
        normal_mib: 4,
        movable_mib: 4,
        writer_rate_hz: RATE_HZ,
        ..plan.cell(guard, Scope::EveryAlloc, plan.cpus, WriterMode::Rebuild)
    }
}

/// Readers' wait in the guard, ms per second of measuring (all readers).
fn stall_ms_per_s(g: &Repeats<'_>) -> f64 {
    g.mean(|c| c.reader_stall_ns.total as f64 / c.measured_s.max(1e-9) / 1e6)
}

impl Experiment for C10 {
    fn id(&self) -> &'static str {
        "C10"
    }

    fn claim(&self) -> &'static str {
        "(beyond the thread) on the largest machines the rebuild's write section lasts long (nodes cubed): seqcount and seqlock readers spin through it; latch and RCU readers never wait"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        SPIN.iter()
            .chain(NO_WAIT.iter())
            .map(|g| spec(plan, g))
            .collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let of = |g: &str| cells.of(&spec(plan, g));
        let window = |g: &Repeats<'_>| g.mean(|c| c.writer.critical_ns.mean);
        let count = of("seqcount");
        let w = window(&count);
        let scale = (LARGEST as f64 / NODES as f64).powi(3);
        let mut numbers = vec![format!(
            "write section at {NODES} nodes (seqcount): {:.0} us a rebuild, {:.0} us at most; at {LARGEST} nodes about {:.1} s (x{scale:.0}, nodes cubed: extrapolated, not measured here)",
            w / 1e3,
            count.max(|c| c.writer.critical_ns.max) as f64 / 1e3,
            w * scale / 1e9
        )];
        if plan.cpus + 1 > crate::workload::logical_cpus() {
            numbers.push(format!(
                "{} readers and the writer share {} CPUs: every guard's sections are also lengthened by preemption; the readers' wait is what the guard adds",
                plan.cpus,
                crate::workload::logical_cpus()
            ));
        }
        for g in SPIN.iter().chain(NO_WAIT.iter()) {
            let cell = of(g);
            numbers.push(format!(
                "{g}: readers waited {:.2} ms per second; longest section {:.0} us ({:.2} of its writer's mean section)",
                stall_ms_per_s(&cell),
                cell.max(|c| c.section_ns.max) as f64 / 1e3,
                cell.max(|c| c.section_ns.max) as f64 / window(&cell).max(1.0)
            ));
        }
        let spun = SPIN
            .iter()
            .all(|g| of(g).sum(|c| c.reader_stall_ns.total) > 0);
        let waited: Vec<&str> = NO_WAIT
            .iter()
            .copied()
            .filter(|g| of(g).sum(|c| c.reader_stall_ns.total) > 0)
            .collect();
        let missing = SPIN.iter().chain(NO_WAIT.iter()).any(|g| of(g).is_empty());
        let verdict = if missing {
            Verdict::NotSettled("cells missing".into())
        } else if !waited.is_empty() {
            Verdict::Refuted
        } else if spun {
            Verdict::Supported
        } else {
            Verdict::NotSettled(
                "a spinning guard's readers never met the odd count: the writer was too rare to tell"
                    .into(),
            )
        };
        let rule = format!(
            "supported if readers of {} waited in the guard while readers of {} never did; refuted if a reader of {} waited; otherwise not settled",
            SPIN.join(" and "),
            NO_WAIT.join(" and "),
            NO_WAIT.join(" or ")
        );
        self.finding(numbers, verdict, rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(spin_stall: u64, no_wait_stall: u64) -> Verdict {
        let p = plan(2);
        let mut all = Vec::new();
        for g in SPIN {
            all.extend(cells(&spec(&p, g), 2, 1e6, |c| {
                c.reader_stall_ns.total = spin_stall;
                c.writer.critical_ns.mean = 500_000.0;
            }));
        }
        for g in NO_WAIT {
            all.extend(cells(&spec(&p, g), 2, 1e6, |c| {
                c.reader_stall_ns.total = no_wait_stall
            }));
        }
        C10.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(400_000, 0), Verdict::Supported);
        assert_eq!(run(400_000, 10), Verdict::Refuted);
        assert!(matches!(run(0, 0), Verdict::NotSettled(_)));
    }

    #[test]
    fn the_cells_are_a_large_machine_with_small_zones() {
        let p = plan(2);
        let cells = C10.cells(&p);
        assert_eq!(cells.len(), 4);
        for c in &cells {
            assert_eq!(
                (c.nodes, c.normal_mib, c.writer_rate_hz),
                (NODES, 4, RATE_HZ)
            );
            assert_eq!(c.scope, Scope::EveryAlloc);
        }
    }
}
