//! C1, "it's a relatively heavy lock compared to the counter and the read
//! side" (Mel Gorman on replacing the static spinlock + seqcount_t with a
//! seqlock_t; upstream later chose seqlock_t all the same). Both guards at
//! every-alloc scope (the read side on every allocation, where weight would
//! show) with one reader per CPU and a 1 kHz rebuild writer: the readers'
//! throughput, and the writer's lock wait + critical section per rebuild.

use super::band::{describe, ns_cost, paired, rate_paired, side, Side};
use super::{per_sec, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::results::repeats::Repeats;
use crate::results::CellResult;
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
        let write_ns = |c: &CellResult| c.writer.lock_wait_ns.mean + c.writer.critical_ns.mean;
        let write = |g: &Repeats<'_>| g.mean(write_ns);
        let read = rate_paired(&lock, &count);
        let wr = paired(&lock, &count, write_ns);
        let numbers = vec![
            format!(
                "read side, {} readers at every-alloc scope: seqlock {} vs seqcount {}: {}; {}",
                plan.cpus,
                per_sec(lock.allocs_per_sec()),
                per_sec(count.allocs_per_sec()),
                describe(read.as_ref()),
                ns_cost(count.allocs_per_sec(), plan.cpus, read.as_ref())
            ),
            format!(
                "write side, lock wait + critical section per rebuild: seqlock {:.0} ns vs seqcount {:.0} ns: {}",
                write(&lock),
                write(&count),
                describe(wr.as_ref())
            ),
            "upstream merged seqlock_t in the end (3d36424b3b58; interrupts masked since 1007843a9190, as write_seqlock_irqsave since 4d1139baae8b)".to_string(),
        ];
        let (read_side, write_side) = (
            side(read.as_ref(), HEAVY, LIGHT),
            side(wr.as_ref(), WRITE_LIGHT, WRITE_HEAVY),
        );
        let verdict = if count.is_empty() || lock.is_empty() {
            Verdict::NotSettled("cells missing".into())
        } else if read_side == Side::Below || write_side == Side::Above {
            Verdict::Supported
        } else if read_side == Side::Above && write_side == Side::Below {
            Verdict::Refuted
        } else {
            Verdict::NotSettled(format!(
                "neither side's interval lies wholly beyond a threshold: read {}, write {}",
                describe(read.as_ref()),
                describe(wr.as_ref())
            ))
        };
        let rule = format!(
            "by the paired ratios' 95% intervals: supported if seqlock's readers lie wholly below {HEAVY}x seqcount's or its writer wholly above {WRITE_HEAVY}x; refuted if the readers lie wholly above {LIGHT}x and the writer wholly below {WRITE_LIGHT}x; otherwise not settled"
        );
        self.finding(numbers, verdict, rule)
    }
}

/// Readers' throughput ratio: heavy below, light above (the band between
/// decides nothing).
const HEAVY: f64 = 0.90;
const LIGHT: f64 = 0.95;
/// Writer's time ratio: light below, heavy above.
const WRITE_LIGHT: f64 = 1.25;
const WRITE_HEAVY: f64 = 1.5;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan, rounds};

    /// seqcount at 10 M/s in six rounds, seqlock at `lock` (one rate per
    /// round); writer times 100 ns and `lock_write_ns`.
    fn run(lock: &[f64], lock_write_ns: f64) -> Verdict {
        let p = plan(2);
        let mut all = cells(&spec(&p, "seqcount"), 6, 10e6, |c| {
            c.writer.critical_ns.mean = 100.0
        });
        let base: Vec<f64> = all.iter().map(|c| c.allocs_per_sec).collect();
        let lock: Vec<f64> = lock.iter().zip(&base).map(|(l, b)| l * b).collect();
        let mut seqlock = rounds(&spec(&p, "seqlock"), &lock);
        for c in &mut seqlock {
            c.writer.critical_ns.mean = lock_write_ns;
        }
        all.extend(seqlock);
        C1.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(&[0.7; 6], 100.0), Verdict::Supported);
        assert_eq!(run(&[1.0; 6], 400.0), Verdict::Supported);
        assert_eq!(run(&[0.99; 6], 120.0), Verdict::Refuted);
        assert!(matches!(run(&[0.93; 6], 100.0), Verdict::NotSettled(_)));
    }

    #[test]
    fn the_dead_band_at_each_edge() {
        let noisy = |centre: f64| -> Vec<f64> {
            [-0.01, 0.01, -0.005, 0.005, 0.0, 0.0]
                .iter()
                .map(|d| centre + d)
                .collect()
        };
        // Wholly under 0.90: heavy. Across 0.90, inside the band, across
        // 0.95: not settled. Wholly over 0.95: light.
        assert_eq!(run(&noisy(0.88), 100.0), Verdict::Supported);
        for centre in [0.90, 0.925, 0.95] {
            let v = run(&noisy(centre), 100.0);
            assert!(matches!(v, Verdict::NotSettled(_)), "{centre}: {v:?}");
        }
        assert_eq!(run(&noisy(0.97), 100.0), Verdict::Refuted);
        // The writer's band, 1.25x-1.5x: inside it nothing is refuted.
        assert!(matches!(run(&[0.99; 6], 140.0), Verdict::NotSettled(_)));
    }
}
