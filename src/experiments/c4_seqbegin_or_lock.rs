//! C4, "read_seqbegin_or_lock ... the retry step is heavy and acts as a
//! global lock". A lockless pass that must retry takes the seqlock's lock
//! for the second pass; passes retry only where an allocation would fail,
//! so the cells run at high memory pressure, slowpath scope, one reader per
//! CPU, with a rebuild writer at rising rates: the share of sections that
//! took the lock, and throughput against `seqcount` (which retries
//! locklessly).

use super::band::{describe, ns_cost, rate_paired, side, Side};
use super::{per_sec, ratio, Cells, Experiment, Finding, Plan, Verdict};
use crate::alloc::Scope;
use crate::workload::spec::{CellSpec, Pressure, WriterMode};

pub(crate) struct C4;

/// Rebuild rates, Hz.
const RATES: [f64; 3] = [1_000.0, 10_000.0, 100_000.0];

fn spec(plan: &Plan, guard: &str, rate: f64) -> CellSpec {
    CellSpec {
        writer_rate_hz: rate,
        pressure: Pressure::High,
        ..plan.cell(guard, Scope::Slowpath, plan.cpus, WriterMode::Rebuild)
    }
}

impl Experiment for C4 {
    fn id(&self) -> &'static str {
        "C4"
    }

    fn claim(&self) -> &'static str {
        "read_seqbegin_or_lock ... This has better semantics ... but again, the retry step is heavy and acts as a global lock"
    }

    fn cells(&self, plan: &Plan) -> Vec<CellSpec> {
        RATES
            .iter()
            .flat_map(|&r| [spec(plan, "seqcount", r), spec(plan, "seqbegin-or-lock", r)])
            .collect()
    }

    fn judge(&self, cells: &Cells<'_>, plan: &Plan) -> Finding {
        let mut numbers = Vec::new();
        let mut heavy_at_top = false;
        let mut light_everywhere = true;
        let mut locked_any = false;
        for (i, &rate) in RATES.iter().enumerate() {
            let (c, s) = (
                cells.of(&spec(plan, "seqcount", rate)),
                cells.of(&spec(plan, "seqbegin-or-lock", rate)),
            );
            let locked = s.sum(|c| c.locked_passes);
            let sections = s.sum(|c| c.stats.sections);
            let share = rate_paired(&s, &c);
            let where_ = side(share.as_ref(), HEAVY, LIGHT);
            let often = ratio(locked as f64 * 1e6, sections as f64) >= OFTEN_PER_MILLION;
            locked_any |= often;
            light_everywhere &= where_ == Side::Above;
            if i == RATES.len() - 1 {
                heavy_at_top = often && where_ == Side::Below;
            }
            numbers.push(format!(
                "rebuilds at {:.0} Hz: {locked} locked passes ({:.1} per million sections); {} vs seqcount {}: {}; {}",
                rate,
                ratio(locked as f64 * 1e6, sections as f64),
                per_sec(s.allocs_per_sec()),
                per_sec(c.allocs_per_sec()),
                describe(share.as_ref()),
                ns_cost(c.allocs_per_sec(), plan.cpus, share.as_ref())
            ));
        }
        let verdict = if heavy_at_top {
            Verdict::Supported
        } else if !locked_any {
            Verdict::NotSettled(format!(
                "the locked step ran in under {OFTEN_PER_MILLION} of every million sections at every rate: too rare to act as a global lock, or to be weighed"
            ))
        } else if light_everywhere {
            Verdict::Refuted
        } else {
            Verdict::NotSettled(format!(
                "the throughput intervals do not lie wholly below {HEAVY}x seqcount's at the highest rate, nor wholly above {LIGHT}x at every rate"
            ))
        };
        let rule = format!(
            "by the paired ratios' 95% intervals: supported if at the highest rate passes took the lock (in at least {OFTEN_PER_MILLION} of every million sections) and throughput lies wholly below {HEAVY}x seqcount's; refuted if passes took the lock that often at some rate yet throughput lay wholly above {LIGHT}x seqcount's at every rate; otherwise not settled"
        );
        self.finding(numbers, verdict, rule)
    }
}

/// Throughput against seqcount's: a global lock's cost below, none above.
const HEAVY: f64 = 0.9;
const LIGHT: f64 = 0.95;
/// Locked passes per million sections below which the lock cannot act as
/// a global one (nor its cost be told from the read side's own): a lock
/// taken a handful of times in a run.
const OFTEN_PER_MILLION: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::testing::{cells, plan};

    fn run(locked: u64, share_at_top: f64) -> Verdict {
        let p = plan(2);
        let mut all = Vec::new();
        for (i, &r) in RATES.iter().enumerate() {
            let share = if i == RATES.len() - 1 {
                share_at_top
            } else {
                1.0
            };
            all.extend(cells(&spec(&p, "seqcount", r), 4, 1e6, |_| {}));
            all.extend(cells(
                &spec(&p, "seqbegin-or-lock", r),
                4,
                1e6 * share,
                |c| {
                    c.locked_passes = locked;
                    c.stats.sections = 1_000_000;
                },
            ));
        }
        C4.judge(&Cells(&all), &p).verdict
    }

    #[test]
    fn each_outcome() {
        assert_eq!(run(500, 0.5), Verdict::Supported);
        assert_eq!(run(500, 1.0), Verdict::Refuted);
        // A lock taken 5 times in a million sections acts as no global lock.
        assert!(matches!(run(5, 0.5), Verdict::NotSettled(_)));
        assert!(matches!(run(0, 0.5), Verdict::NotSettled(_)));
        assert!(matches!(run(500, 0.93), Verdict::NotSettled(_)));
    }
}
